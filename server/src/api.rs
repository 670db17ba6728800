//! `/api`: the ReliableConnection endpoint of the Brython API reference, with fault injection.
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
//! | `{"fault":"restart","seconds":N}` | restart drill: every connection of every endpoint closes with 1012 and new ones get HTTP 503 for N seconds (≤ 60); only from clients [`Drills`] allows |
//!
//! Each control message except `drop` is acknowledged with `{"type":"fault", …}` echoing it;
//! a bad one gets `{"type":"error","message":M}`.
//!
//! The first four act on the sender's own connection and are open to every client. The
//! restart drill acts on everyone's, so [`Drills`] (`--drills`) says who may start it: by
//! default only a client on the server's own machine. A refused drill gets
//! `{"type":"error","fault":"restart","message":M}`, M saying which flag would allow it,
//! and the connection goes on.

use std::{collections::HashMap, fmt, str::FromStr, time::Duration};

use axum::{
    extract::{
        Query, State,
        ws::{CloseFrame, Message},
    },
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};
use tokio::time::Instant;

use wslab_protocol::api::{Fault, FaultRefused, MAX_DELAY_MS, MAX_MUTE_SECONDS};

use crate::{
    AppState, ClientAddr, Conn, Shutdown, TrustedProxies, gate::Slot, shutdown::Ending,
    upgrade::Upgrade,
};

/// Who may start a server-wide drill (`--drills`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Drills {
    /// Nobody.
    Off,
    /// Clients that connect over loopback (127.0.0.0/8 or ::1: a browser on the server's
    /// own machine opening `127.0.0.1` or `localhost`, `cargo xtask serve`, the tests);
    /// behind a trusted proxy, the forwarded address counts (see [`crate::peer`]).
    #[default]
    Loopback,
    /// Every client that may connect.
    Any,
}

impl Drills {
    /// Whether `client` may start one; if not, what to tell it. A trusted proxy's own
    /// address is never the server's machine here: it stands for a client the proxy did
    /// not name (see [`crate::peer`]).
    pub fn allow(self, client: ClientAddr, proxies: &TrustedProxies) -> Result<(), &'static str> {
        match self {
            Self::Any => Ok(()),
            Self::Loopback if client.is_loopback() && !proxies.trusts(client.0) => Ok(()),
            Self::Loopback => Err(
                "restart drills are allowed only from the server's own machine: start the \
                 server with --drills any to allow them from everywhere",
            ),
            Self::Off => Err(
                "restart drills are off on this server: start it with --drills loopback \
                 (from its own machine) or --drills any to allow them",
            ),
        }
    }
}

impl FromStr for Drills {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "off" => Ok(Self::Off),
            "loopback" => Ok(Self::Loopback),
            "any" => Ok(Self::Any),
            _ => Err(format!("{text:?}: expected off, loopback or any")),
        }
    }
}

impl fmt::Display for Drills {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Off => "off",
            Self::Loopback => "loopback",
            Self::Any => "any",
        })
    }
}

/// Faults in effect on one connection.
#[derive(Debug, Default)]
struct Faults {
    muted_until: Option<Instant>,
    delay: Duration,
}

/// Upgrades `/api`; `?mute=N` and `?delay=MS` start the connection with those faults
/// (capped as the control messages are); a value that is not a whole number is HTTP 400.
pub async fn upgrade(
    ws: Upgrade,
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
    let client = slot.client();
    let drills = state.drills.allow(client, &state.proxies);
    ws.on_upgrade(async move |socket| {
        state
            .run(socket, slot, async move |socket| {
                session(socket, faults, &shutdown, client, drills).await
            })
            .await;
    })
}

async fn session(
    socket: &mut Conn,
    mut faults: Faults,
    shutdown: &Shutdown,
    client: ClientAddr,
    drills: Result<(), &'static str>,
) -> Ending {
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
                    match (fault, drills) {
                        (Fault::Drop, _) => return Ending::Drop,
                        (Fault::Mute(duration), _) => {
                            faults.muted_until = Some(Instant::now() + duration);
                            ack
                        }
                        (Fault::Delay(duration), _) => {
                            faults.delay = duration;
                            ack
                        }
                        (Fault::Restart(_), Err(message)) => {
                            tracing::info!(%client, "restart drill refused");
                            Message::text(FaultRefused::restart(message).to_json())
                        }
                        (Fault::Restart(duration), Ok(())) => {
                            // Acknowledge first: the drill closes this connection too.
                            let _ = socket.send(ack).await;
                            tracing::info!(%client, "restart drill asked for");
                            shutdown.restart_drill(duration);
                            continue;
                        }
                        (Fault::Close(code, reason), _) => {
                            let _ = socket.send(ack).await;
                            let frame = CloseFrame {
                                code,
                                reason: reason.into(),
                            };
                            let _ = socket.send(Message::Close(Some(frame))).await;
                            return Ending::Graceful;
                        }
                    }
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
