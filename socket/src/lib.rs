//! wslab-socket: WebSockets for Yew apps, with the API of the Brython `browser.websocket`
//! module.
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
//! for a component's reducer. [`use_socket`] is the hook a component uses to own one;
//! [`ReliableAgent`] and [`use_reliable`] add reconnect with backoff, a heartbeat and an
//! outbox, driven by the pure [`reconnect::Machine`]. A [`Tap`] given when a socket opens
//! sees all of its traffic (see [`tap`]).
//!
//! The pure core ([`close`], [`types`], [`reconnect`], [`tap`]'s data) has no web APIs and
//! builds and tests natively; the default `browser` feature adds the agents and hooks.

pub mod close;
pub mod reconnect;
pub mod tap;
pub mod types;

#[cfg(feature = "browser")]
mod agent;
#[cfg(feature = "browser")]
mod hook;
#[cfg(feature = "browser")]
mod reliable_agent;

#[cfg(feature = "browser")]
pub use agent::{SocketAgent, supported};
#[cfg(feature = "browser")]
pub use hook::{
    UseReliableHandle, UseSocketHandle, use_reliable, use_reliable_with_tap, use_socket,
    use_socket_with_tap,
};
#[cfg(feature = "browser")]
pub use reliable_agent::{ReliableAgent, clock_ms};
#[cfg(feature = "browser")]
pub use tap::Tap;
pub use tap::{Direction, Payload, TapEvent};
pub use types::{
    CloseEvent, Message, OpenOptions, ReadyState, SocketError, SocketEvent, SocketInfo,
};
