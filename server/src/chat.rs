//! `/chat`: rooms, broadcast, history and limits, speaking [`wslab_protocol::chat`].
//!
//! Every line goes to every member of its room, the sender included (the API reference's client
//! shows its own lines only from that broadcast). The [`Hub`] is plain state behind a
//! mutex, never held across an `.await`: each broadcast serializes its event once and
//! `try_send`s it into each member's bounded queue. A member whose queue is full is not
//! reading; it is disconnected and its leave announced, so one slow client can neither
//! grow memory nor slow the others.
//!
//! Limits ([`ChatLimits`], documented in the README): a bounded queue of frames per client;
//! a token bucket of frames per connection; beyond it each frame is answered with an
//! `error`, and after a number of such strikes the connection is closed with 1008 (Policy
//! Violation).
//!
//! [`Hub`] holds the rooms in this process (what they hold and who is in them, no I/O), the
//! default; [`Broker`] keeps them in Redis, shared by several servers (`--broker`). [`check`]
//! is what both refuse alike; [`session`] runs one connection against either: a reader, a
//! writer, and how the connection ended.

mod broker;
mod check;
mod hub;
mod session;

use std::{sync::Arc, time::Duration};

use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header::RETRY_AFTER},
    response::{IntoResponse, Response},
};

use crate::{AppState, gate::Slot, upgrade::Upgrade};
pub use broker::{Broker, BrokerConfig};
pub use hub::Hub;

/// Where the rooms are kept.
#[derive(Debug)]
pub enum Chat {
    /// In this process (the default: nothing to install, one server).
    Local(Hub),
    /// In Redis, shared with every server on it.
    Shared(Arc<Broker>),
}

impl Chat {
    /// The rooms a server with these settings keeps: on the broker if one is given.
    ///
    /// # Panics
    /// With a broker, outside a Tokio runtime (its link runs as a task).
    pub fn new(limits: ChatLimits, broker: Option<&BrokerConfig>) -> Self {
        match broker {
            None => Self::Local(Hub::new(limits)),
            Some(config) => Self::Shared(Broker::start(config.clone(), limits)),
        }
    }

    /// Whether chat connections can be served now (false while the broker is unreachable).
    pub fn is_up(&self) -> bool {
        match self {
            Self::Local(_) => true,
            Self::Shared(broker) => broker.is_up(),
        }
    }
}

/// The `Retry-After` of a refusal while the broker is unreachable, in seconds.
const RETRY_AFTER_SECONDS: Duration = Duration::from_secs(2);

/// The chat's limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChatLimits {
    /// Frames queued for one client before it counts as not reading (default 256; at least
    /// a join's answers, [`wslab_protocol::chat::HISTORY_LEN`] + 1, or a joiner gets only part of the history).
    pub queue_len: usize,
    /// Frames a client may send in a burst (default 20).
    pub rate_burst: f64,
    /// Frames per second a client may send over time (default 5).
    pub rate_per_second: f64,
    /// Refused frames (over the rate) before the connection is closed with 1008 (default 10).
    pub rate_strikes: u32,
}

impl Default for ChatLimits {
    fn default() -> Self {
        Self {
            queue_len: 256,
            rate_burst: 20.0,
            rate_per_second: 5.0,
            rate_strikes: 10,
        }
    }
}

/// Rooms kept (with their history) at most; empty ones are forgotten first.
pub const MAX_ROOMS: usize = 1000;
/// Rooms one connection may be in at once.
pub const MAX_ROOMS_PER_CONNECTION: usize = 20;

/// Upgrades the request and runs one chat session.
/// While the broker is unreachable, answers 503 with `Retry-After` instead.
pub async fn upgrade(ws: Upgrade, slot: Slot, State(state): State<AppState>) -> Response {
    if !state.chat.is_up() {
        return unavailable();
    }
    let chat = Arc::clone(&state.chat);
    ws.on_upgrade(async move |socket| {
        state
            .run(socket, slot, async move |socket| match &*chat {
                Chat::Local(hub) => session::run(socket, hub).await,
                Chat::Shared(broker) => session::run(socket, broker).await,
            })
            .await;
    })
}

/// 503 with `Retry-After`: the broker is unreachable.
pub(crate) fn unavailable() -> Response {
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        "chat broker unreachable; try again shortly\n",
    )
        .into_response();
    response.headers_mut().insert(
        RETRY_AFTER,
        HeaderValue::from(RETRY_AFTER_SECONDS.as_secs()),
    );
    response
}
