//! `/api`: the ReliableConnection endpoint of seed 004, with fault injection.
//!
//! `ping` gets `pong`; anything else comes back unchanged. A text frame that is a JSON
//! object with a `"fault"` field is a control message instead (also as query parameters,
//! `/api?mute=5&delay=200`):
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
    response::Response,
};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::{AppState, Conn, Shutdown, shutdown::Ending};

/// Longest mute, in seconds.
const MAX_MUTE_SECONDS: u64 = 300;
/// Longest reply delay, in milliseconds.
const MAX_DELAY_MS: u64 = 30_000;
/// Longest restart drill, in seconds.
const MAX_RESTART_SECONDS: u64 = 60;

/// Faults in effect on one connection.
#[derive(Debug, Default)]
struct Faults {
    muted_until: Option<Instant>,
    delay: Duration,
}

/// Upgrades `/api`; `?mute=N` and `?delay=MS` start the connection with those faults.
pub async fn upgrade(
    ws: WebSocketUpgrade,
    Query(params): Query<HashMap<String, String>>,
    State(state): State<AppState>,
) -> Response {
    let mut faults = Faults::default();
    if let Some(seconds) = params.get("mute").and_then(|s| s.parse::<u64>().ok()) {
        faults.muted_until =
            Some(Instant::now() + Duration::from_secs(seconds.min(MAX_MUTE_SECONDS)));
    }
    if let Some(ms) = params.get("delay").and_then(|s| s.parse::<u64>().ok()) {
        faults.delay = Duration::from_millis(ms.min(MAX_DELAY_MS));
    }
    let shutdown = state.shutdown.clone();
    state.upgrade(ws).on_upgrade(async move |socket| {
        state
            .run(socket, async move |socket| {
                session(socket, faults, &shutdown).await
            })
            .await;
    })
}

/// What a control message asks for.
#[derive(Debug, PartialEq)]
enum Control {
    Drop,
    Mute(Duration),
    Close(u16, String),
    Delay(Duration),
    Restart(Duration),
}

/// Reads a control message; `None` if the frame is not one (then it is echoed).
fn control(text: &str) -> Option<Result<Control, String>> {
    let value: Value = serde_json::from_str(text).ok()?;
    let fault = value.get("fault")?.as_str().map(str::to_owned);
    let number = |key: &str| value.get(key).and_then(Value::as_u64);
    Some(match fault.as_deref() {
        Some("drop") => Ok(Control::Drop),
        Some("mute") => number("seconds")
            .map(|s| Control::Mute(Duration::from_secs(s.min(MAX_MUTE_SECONDS))))
            .ok_or_else(|| "mute needs \"seconds\"".to_owned()),
        Some("delay") => number("ms")
            .map(|ms| Control::Delay(Duration::from_millis(ms.min(MAX_DELAY_MS))))
            .ok_or_else(|| "delay needs \"ms\"".to_owned()),
        Some("restart") => number("seconds")
            .map(|s| Control::Restart(Duration::from_secs(s.min(MAX_RESTART_SECONDS))))
            .ok_or_else(|| "restart needs \"seconds\"".to_owned()),
        Some("close") => {
            let code = number("code").and_then(|c| u16::try_from(c).ok());
            let reason = value
                .get("reason")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            match code {
                Some(code @ (1000..=1003 | 1007..=1014 | 3000..=4999))
                    if reason.len() <= wslab_protocol::close::MAX_REASON_BYTES =>
                {
                    Ok(Control::Close(code, reason))
                }
                _ => Err("close needs a sendable \"code\" (1000–1003, 1007–1014, 3000–4999) and a reason of at most 123 bytes".to_owned()),
            }
        }
        other => Err(format!(
            "unknown fault {other:?}; expected drop, mute, close, delay or restart"
        )),
    })
}

async fn session(socket: &mut Conn, mut faults: Faults, shutdown: &Shutdown) -> Ending {
    while let Some(read) = socket.recv().await {
        let message = match read {
            Ok(message) => message,
            Err(error) => return Ending::after_read_error(error),
        };
        let reply = match message {
            Message::Text(text) => match control(text.as_str()) {
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
                Some(Ok(control)) => {
                    let ack = Message::text(
                        json!({"type": "fault", "fault": serde_json::from_str::<Value>(text.as_str()).ok()})
                            .to_string(),
                    );
                    match control {
                        Control::Drop => return Ending::Drop,
                        Control::Mute(duration) => {
                            faults.muted_until = Some(Instant::now() + duration)
                        }
                        Control::Delay(duration) => faults.delay = duration,
                        Control::Restart(duration) => {
                            // Acknowledge first: the drill closes this connection too.
                            let _ = socket.send(ack).await;
                            shutdown.restart_drill(duration);
                            continue;
                        }
                        Control::Close(code, reason) => {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_messages_are_read_and_checked() {
        assert_eq!(control("ping"), None);
        assert_eq!(control(r#"{"type":"x"}"#), None);
        assert_eq!(control(r#"{"fault":"drop"}"#), Some(Ok(Control::Drop)));
        assert_eq!(
            control(r#"{"fault":"mute","seconds":5}"#),
            Some(Ok(Control::Mute(Duration::from_secs(5))))
        );
        assert_eq!(
            control(r#"{"fault":"close","code":4001,"reason":"bye"}"#),
            Some(Ok(Control::Close(4001, "bye".into())))
        );
        assert!(matches!(
            control(r#"{"fault":"close","code":1006}"#),
            Some(Err(_))
        ));
        assert!(matches!(control(r#"{"fault":"mute"}"#), Some(Err(_))));
        assert!(matches!(control(r#"{"fault":"explode"}"#), Some(Err(_))));
        assert_eq!(
            control(r#"{"fault":"restart","seconds":9999}"#),
            Some(Ok(Control::Restart(Duration::from_secs(60))))
        );
    }
}
