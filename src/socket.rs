//! The doc's `browser.websocket` module, in Rust.
//!
//! | Brython (module page, API reference)   | here                                       |
//! |----------------------------------------|--------------------------------------------|
//! | `websocket.supported`                  | [`supported`]                              |
//! | `WebSocket(url, protocols)`            | [`SocketAgent::open`] with [`OpenOptions`] |
//! | `bind('open' / 'message' / 'close' / 'error', f)` | one `Callback<`[`SocketEvent`]`>`  |
//! | `send(str or bytes)`                   | [`SocketAgent::send`] with [`Message`]     |
//! | `close(code=1000, reason="")`          | [`SocketAgent::close`], validated          |
//! | `readyState`, `url`, `protocol`, `bufferedAmount` | [`SocketAgent::info`] → [`SocketInfo`] |
//!
//! [`SocketAgent`] is the *service agent*: one task owns the browser socket, commands go
//! in through a channel, and every frame comes out, in order, as a typed [`SocketEvent`]
//! for a component's reducer. [`use_socket`] is the hook a component uses to own one.
//! The types in [`types`] are plain data, unit-tested natively. A [`Tap`] given when a
//! socket opens sees all of its traffic (the message inspector's feed, see [`tap`]).

mod agent;
mod hook;
pub mod reconnect;
mod reliable_agent;
pub mod tap;
pub mod types;

pub use agent::{SocketAgent, js_message, supported};
pub use hook::{
    UseReliableHandle, UseSocketHandle, use_reliable, use_reliable_with_tap, use_socket,
    use_socket_with_tap,
};
pub use reliable_agent::{ReliableAgent, ReliableEvent, Snapshot, clock_ms};
pub use tap::{Direction, Payload, Tap, TapEvent};
pub use types::{
    CloseEvent, Message, OpenOptions, ReadyState, SocketError, SocketEvent, SocketInfo,
};
