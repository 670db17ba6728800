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
//! for a component's reducer. [`ReliableAgent`] adds reconnect with backoff, a heartbeat
//! and an outbox, driven by the pure [`reconnect::Machine`]. [`use_socket`] is the hook a
//! component uses to own either: [`SocketOptions`] with a [`reconnect::Policy`] make it
//! reliable, and their [`Codec`] turns frames into typed values both ways ([`Raw`],
//! `Json` with the `json` feature, or your own). A [`SharedSocket`] in a context provider
//! is one socket for several components, each subscribed with [`use_shared_socket`] and a
//! filter. A [`Tap`] given when a socket opens sees all of its traffic (see [`tap`]).
//!
//! The pure core ([`close`], [`codec`], [`types`], [`reconnect`], [`tap`]'s data) has no
//! web APIs and builds and tests natively; the default `browser` feature adds the agents
//! and the hook.

pub mod close;
pub mod codec;
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
mod run;
#[cfg(feature = "browser")]
mod shared;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(all(feature = "browser", not(feature = "testing")))]
#[path = "testing_off.rs"]
mod testing;

#[cfg(feature = "browser")]
pub use agent::{SocketAgent, supported};
#[cfg(feature = "json")]
pub use codec::Json;
pub use codec::{Codec, DecodeError, EncodeError, Raw};
#[cfg(feature = "browser")]
pub use hook::{SocketOptions, UseSocketHandle, use_socket};
#[cfg(feature = "browser")]
pub use reliable_agent::{ReliableAgent, clock_ms};
#[cfg(feature = "browser")]
pub use shared::{Filter, SharedSocket, Subscription, use_shared_socket};
#[cfg(feature = "browser")]
pub use tap::Tap;
pub use tap::{Direction, Payload, TapEvent};
pub use types::{
    CloseEvent, Message, OpenOptions, ReadyState, SocketError, SocketEvent, SocketInfo,
};
