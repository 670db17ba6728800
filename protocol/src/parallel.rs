//! `/parallel`: sending and receiving at the same time, the part of the French Python
//! course that its asyncio handler shows (one loop sends on its own, another answers what
//! arrives, side by side).
//!
//! On connect the server sends [`ParallelEvent::Address`], the client's address as it sees
//! it (the course's `websocket.remote_address`). Then, at once and independently:
//! - every [`TICK`] it sends [`ParallelEvent::Tick`], numbered from 1, whatever the client
//!   does;
//! - every text message from the client is answered as soon as it arrives with
//!   [`ParallelEvent::Reply`], between two ticks. A binary message gets
//!   [`ParallelEvent::Error`]; the connection goes on.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The path the endpoint is served on.
pub const PATH: &str = "/parallel";

/// Time between two ticks.
pub const TICK: Duration = Duration::from_secs(1);

/// A frame the server sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ParallelEvent {
    /// `{"type":"address","host":H,"port":P}`: who the server thinks it talks to. `port`
    /// is `null` when the address came from a trusted proxy's `X-Forwarded-For`, which
    /// carries no port.
    Address {
        /// The client's IP address.
        host: String,
        /// The client's TCP port, if the server saw the client itself.
        port: Option<u16>,
    },
    /// `{"type":"tick","n":N}`: the server's own loop, once per [`TICK`].
    Tick {
        /// 1 for the first tick, then one more each time.
        n: u64,
    },
    /// `{"type":"reply","text":T,"after_tick":N}`: the answer to one client message, sent
    /// as soon as it arrived.
    Reply {
        /// The client's text, as it came.
        text: String,
        /// The last tick sent before the answer (0: none yet), so the interleaving shows.
        after_tick: u64,
    },
    /// `{"type":"error","message":M}`: a message this endpoint does not answer.
    Error {
        /// What was wrong, as a sentence.
        message: String,
    },
}

/// Every field a `/parallel` frame carries, all optional (see [`crate::chat::ChatFields`]
/// for why a flat struct).
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
pub struct ParallelFields {
    /// `type`: which event.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `host`.
    pub host: Option<String>,
    /// `port`.
    pub port: Option<u64>,
    /// `n`.
    pub n: Option<u64>,
    /// `text`.
    pub text: Option<String>,
    /// `after_tick`.
    pub after_tick: Option<u64>,
    /// `message`.
    pub message: Option<String>,
}

impl ParallelEvent {
    /// The frame the server sends.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a server frame: `None` unless it is a complete event.
    pub fn read(text: &str) -> Option<Self> {
        Self::from_fields(serde_json::from_str(text).ok()?)
    }

    /// The event a frame's fields make: `None` unless they make a complete one (a port
    /// above 65535 included).
    pub fn from_fields(fields: ParallelFields) -> Option<Self> {
        Some(match fields.kind.as_deref()? {
            "address" => Self::Address {
                host: fields.host?,
                port: match fields.port {
                    None => None,
                    Some(port) => Some(u16::try_from(port).ok()?),
                },
            },
            "tick" => Self::Tick { n: fields.n? },
            "reply" => Self::Reply {
                text: fields.text?,
                after_tick: fields.after_tick?,
            },
            "error" => Self::Error {
                message: fields.message?,
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_have_exact_shapes_and_read_back() {
        let cases = [
            (
                ParallelEvent::Address {
                    host: "127.0.0.1".into(),
                    port: Some(54321),
                },
                r#"{"type":"address","host":"127.0.0.1","port":54321}"#,
            ),
            (
                ParallelEvent::Address {
                    host: "203.0.113.7".into(),
                    port: None,
                },
                r#"{"type":"address","host":"203.0.113.7","port":null}"#,
            ),
            (ParallelEvent::Tick { n: 3 }, r#"{"type":"tick","n":3}"#),
            (
                ParallelEvent::Reply {
                    text: "bonjour \"toi\"".into(),
                    after_tick: 2,
                },
                r#"{"type":"reply","text":"bonjour \"toi\"","after_tick":2}"#,
            ),
            (
                ParallelEvent::Error {
                    message: "no".into(),
                },
                r#"{"type":"error","message":"no"}"#,
            ),
        ];
        for (event, json) in cases {
            assert_eq!(event.to_json(), json);
            assert_eq!(ParallelEvent::read(json), Some(event), "{json}");
        }
    }

    #[test]
    fn incomplete_or_unknown_frames_are_not_events() {
        for frame in [
            "tick",
            r#"{"type":"tick"}"#,
            r#"{"type":"tock","n":1}"#,
            r#"{"type":"reply","text":"x"}"#,
            r#"{"type":"address","port":1}"#,
            r#"{"type":"address","host":"h","port":70000}"#,
            r#"{"type":"tick","n":-1}"#,
        ] {
            assert_eq!(ParallelEvent::read(frame), None, "{frame}");
        }
    }
}
