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
//! [`hub`] holds the rooms (what they hold and who is in them, no I/O); [`session`] runs one
//! connection against it: a reader, a writer, and how the connection ended.

mod hub;
mod session;

use std::sync::Arc;

use axum::{
    extract::{State, ws::WebSocketUpgrade},
    response::Response,
};

use crate::{AppState, gate::Slot};
pub use hub::Hub;

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
pub async fn upgrade(ws: WebSocketUpgrade, slot: Slot, State(state): State<AppState>) -> Response {
    let hub = Arc::clone(&state.chat);
    state.upgrade(ws).on_upgrade(async move |socket| {
        state
            .run(socket, slot, async move |socket| {
                session::run(socket, &hub).await
            })
            .await;
    })
}
