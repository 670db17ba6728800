//! `/api`: the ReliableConnection endpoint of seed 004, with fault injection.
//!
//! `ping` gets `pong`; anything else comes back unchanged. A text frame that is a JSON
//! object with a `"fault"` field is a control message instead. `mute` and `delay` can also
//! start a connection, as query parameters (`/api?mute=5&delay=200`; not a whole number:
//! HTTP 400):
//!
//! | control message | effect |
//! |---|---|
//! | `{"fault":"drop"}` | the TCP connection is dropped without a close frame (the client sees 1006) |
//! | `{"fault":"mute","seconds":N}` | pings go unanswered for N seconds (≤ 300) |
//! | `{"fault":"close","code":C,"reason":R}` | the server closes with code C (1000–1003, 1007–1014, 3000–4999) and reason R |
//! | `{"fault":"delay","ms":N}` | every reply waits N ms (≤ 30,000; 0 turns it off) |
//! | `{"fault":"restart","seconds":N}` | restart drill: every connection of every endpoint closes with 1012 and new ones get HTTP 503 for N seconds (≤ 60) |
//!
//! Each control message except `drop` is acknowledged with `{"type":"fault", …}` echoing it;
//! a bad one gets `{"type":"error","message":M}`.

use std::{collections::HashMap, time::Duration};

use axum::{
    extract::{
        Query, State,
        ws::{CloseFrame, Message, WebSocketUpgrade},
    },
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};
use tokio::time::Instant;

use wslab_protocol::api::{Fault, MAX_DELAY_MS, MAX_MUTE_SECONDS};

use crate::{AppState, Conn, Shutdown, gate::Slot, shutdown::Ending};

/// Faults in effect on one connection.
#[derive(Debug, Default)]
struct Faults {
    muted_until: Option<Instant>,
    delay: Duration,
}

/// Upgrades `/api`; `?mute=N` and `?delay=MS` start the connection with those faults
/// (capped as the control messages are); a value that is not a whole number is HTTP 400.
pub async fn upgrade(
    ws: WebSocketUpgrade,
    slot: Slot,
    Query(params): Query<HashMap<String, String>>,
    State(state): State<AppState>,
) -> Response {
    let whole = |name: &str| match params.get(name) {
        None => Ok(None),
        Some(value) => value
            .parse::<u64>()
            .map(Some)
            .map_err(|_| format!("{name} must be a whole number")),
    };
    let (mute, delay) = match (whole("mute"), whole("delay")) {
        (Ok(mute), Ok(delay)) => (mute, delay),
        (Err(message), _) | (_, Err(message)) => {
            return (StatusCode::BAD_REQUEST, message).into_response();
        }
    };
    let mut faults = Faults::default();
    if let Some(seconds) = mute {
        faults.muted_until =
            Some(Instant::now() + Duration::from_secs(seconds.min(MAX_MUTE_SECONDS)));
    }
    if let Some(ms) = delay {
        faults.delay = Duration::from_millis(ms.min(MAX_DELAY_MS));
    }
    let shutdown = state.shutdown.clone();
    state.upgrade(ws).on_upgrade(async move |socket| {
        state
            .run(socket, slot, async move |socket| {
                session(socket, faults, &shutdown).await
            })
            .await;
    })
}

async fn session(socket: &mut Conn, mut faults: Faults, shutdown: &Shutdown) -> Ending {
    while let Some(read) = socket.recv().await {
        let message = match read {
            Ok(message) => message,
            Err(error) => return Ending::after_read_error(error),
        };
        let reply = match message {
            Message::Text(text) => match Fault::decode(text.as_str()) {
                None if text.as_str() == "ping" => {
                    if faults
                        .muted_until
                        .is_some_and(|until| Instant::now() < until)
                    {
                        continue;
                    }
                    Message::text("pong")
                }
                None => Message::Text(text),
                Some(Err(problem)) => {
                    Message::text(json!({"type": "error", "message": problem}).to_string())
                }
                Some(Ok(fault)) => {
                    let ack = Message::text(
                        json!({"type": "fault", "fault": serde_json::from_str::<Value>(text.as_str()).ok()})
                            .to_string(),
                    );
                    match fault {
                        Fault::Drop => return Ending::Drop,
                        Fault::Mute(duration) => {
                            faults.muted_until = Some(Instant::now() + duration)
                        }
                        Fault::Delay(duration) => faults.delay = duration,
                        Fault::Restart(duration) => {
                            // Acknowledge first: the drill closes this connection too.
                            let _ = socket.send(ack).await;
                            shutdown.restart_drill(duration);
                            continue;
                        }
                        Fault::Close(code, reason) => {
                            let _ = socket.send(ack).await;
                            let frame = CloseFrame {
                                code,
                                reason: reason.into(),
                            };
                            let _ = socket.send(Message::Close(Some(frame))).await;
                            return Ending::Graceful;
                        }
                    }
                    ack
                }
            },
            Message::Binary(bytes) => Message::Binary(bytes),
            Message::Ping(_) | Message::Pong(_) => continue,
            Message::Close(_) => break,
        };
        if !faults.delay.is_zero() {
            tokio::time::sleep(faults.delay).await;
        }
        if socket.send(reply).await.is_err() {
            break;
        }
    }
    Ending::Graceful
}
