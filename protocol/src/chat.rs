//! `/chat`: the ChatApp protocol of the Brython API reference, plus rooms, history and names.
//!
//! The API reference's own client sends `{"type":"join","username":U}` and
//! `{"type":"message","username":U,"text":T}` and understands `message`, `join`, `leave`
//! and `error` from the server. Everything wslab adds is optional on the way in (`room`) or
//! an extra field / extra type on the way out (`room`, `id`, `ts`, `joined`), which the
//! API reference's client ignores, so it works unchanged. The other way round too: wslab's client
//! reads a server written after the API reference, whose events lack those fields
//! ([`ChatEvent::from_fields`]). A text frame `ping` (not JSON) is answered with `pong`,
//! for the reliable layer's heartbeat.

use serde::{Deserialize, Serialize};

use crate::decode::{DecodeError, Shape, decode};

/// The room used when a request names none.
pub const DEFAULT_ROOM: &str = "general";
/// The path the endpoint is served on.
pub const PATH: &str = "/chat";
/// Longest message text, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
/// Longest username, in characters.
pub const MAX_USERNAME_CHARS: usize = 32;
/// Longest room name, in characters.
pub const MAX_ROOM_CHARS: usize = 32;
/// The heartbeat request and its answer (plain text frames, not JSON).
pub const PING: &str = "ping";
/// See [`PING`].
pub const PONG: &str = "pong";
/// Messages a joiner receives from the room's history.
pub const HISTORY_LEN: usize = 100;

/// What a client sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ChatRequest {
    /// Join a room under a name (the API reference's first message after open).
    Join {
        /// Wanted display name; the server may disambiguate it (`User (2)`).
        username: String,
        /// Room to join; [`DEFAULT_ROOM`] when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        room: Option<String>,
        /// Resuming after a reconnect: only history lines with a greater id are sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since: Option<u64>,
    },
    /// Say something in a room the connection has joined.
    Message {
        /// Sent by the API reference's client; ignored: the server uses the name the connection
        /// joined with, so nobody can speak under another's name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        username: Option<String>,
        /// The text.
        text: String,
        /// Room; [`DEFAULT_ROOM`] when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        room: Option<String>,
    },
    /// Leave a room (the ChatClient API's `leave_room`).
    Leave {
        /// Room; [`DEFAULT_ROOM`] when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        room: Option<String>,
    },
}

impl ChatRequest {
    /// How requests are tagged, for [`crate::decode`].
    pub const SHAPE: Shape = Shape {
        field: "type",
        noun: "message",
        tag_noun: "message type",
        known: &["join", "message", "leave"],
    };

    /// Decodes a client's text frame (not the [`PING`] heartbeat, which is not JSON).
    ///
    /// # Errors
    /// What is wrong with the frame, in words for the client.
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        decode(text, Self::SHAPE)
    }
}

/// One chat line as the server stores and sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatLine {
    /// The speaker's name, as the server knows it.
    pub username: String,
    /// The text.
    pub text: String,
    /// The room it was said in.
    pub room: String,
    /// Server-assigned, increasing within the server's lifetime. A line from a server that
    /// numbers none (the API reference's shape) is read with id 0, which no wslab server gives (its ids
    /// start from its boot time): such a line is never taken for a repeat.
    pub id: u64,
    /// Server time, milliseconds since the Unix epoch (0 when the server sent none).
    pub ts: u64,
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ChatEvent {
    /// A line said in a room (live or from history), the sender's own lines included.
    Message(ChatLine),
    /// Someone else joined a room this connection is in.
    Join {
        /// Their name.
        username: String,
        /// The room.
        room: String,
    },
    /// Someone left a room this connection is in (or their connection closed).
    Leave {
        /// Their name.
        username: String,
        /// The room.
        room: String,
    },
    /// This connection joined: the name it got and who is present. History follows as
    /// `message` events.
    Joined {
        /// The name the server gave this connection in the room.
        username: String,
        /// The room.
        room: String,
        /// Everyone present, this connection included.
        members: Vec<String>,
    },
    /// Sent after `joined`, before the history, to a client resuming with `since` when the
    /// room no longer holds every line after it (they were trimmed, or the broker lost its
    /// data): the lines that follow are the room's last ones, and some in between are gone.
    Gap {
        /// The room.
        room: String,
        /// The `since` the client asked for.
        since: u64,
    },
    /// A request was refused; the connection stays open.
    Error {
        /// What was wrong, as a sentence.
        message: String,
    },
}

/// A server frame as a client reads it (see [`ChatEvent::read`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming<T> {
    /// A known event.
    Event(T),
    /// JSON whose `type` this client does not know: ignored, as the API reference's client does.
    Unknown,
    /// Not JSON, or a known type with missing or wrong fields.
    Malformed,
}

/// Every field any chat event carries, all optional: a frame is read into this flat struct
/// and then [`ChatEvent::from_fields`] picks the variant. That is much smaller in wasm than
/// serde's internally tagged enum decoding, which buffers every field first, and it lets the
/// app fill the fields from the browser's own `JSON.parse`. `tests::every_event_reads_back`
/// keeps the two in step.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
pub struct ChatFields {
    /// `type`: which event.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `username`.
    pub username: Option<String>,
    /// `text`.
    pub text: Option<String>,
    /// `room`.
    pub room: Option<String>,
    /// `id`.
    pub id: Option<u64>,
    /// `ts`.
    pub ts: Option<u64>,
    /// `members`.
    pub members: Option<Vec<String>>,
    /// `message`.
    pub message: Option<String>,
    /// `since`.
    pub since: Option<u64>,
}

impl ChatEvent {
    /// Reads a server frame the way the API reference's client does: known events, unknown types
    /// (ignored) and anything else.
    pub fn read(text: &str) -> Incoming<Self> {
        serde_json::from_str::<ChatFields>(text).map_or(Incoming::Malformed, Self::from_fields)
    }

    /// The event a frame's fields make: its `type` picks the variant, which then needs the
    /// fields the API reference's client reads. What only wslab's server adds may be missing, so a
    /// server written after the API reference works too: `room` is then [`DEFAULT_ROOM`], and a line's
    /// `id` and `ts` are 0. `joined` (wslab's own) needs every field.
    pub fn from_fields(fields: ChatFields) -> Incoming<Self> {
        let ChatFields {
            kind,
            username,
            text,
            room,
            id,
            ts,
            members,
            message,
            since,
        } = fields;
        let room_or_default = |room: Option<String>| room.unwrap_or_else(|| DEFAULT_ROOM.into());
        let event = match kind.as_deref() {
            Some("message") => username.zip(text).map(|(username, text)| {
                Self::Message(ChatLine {
                    username,
                    text,
                    room: room_or_default(room),
                    id: id.unwrap_or(0),
                    ts: ts.unwrap_or(0),
                })
            }),
            Some("join") => username.map(|username| Self::Join {
                username,
                room: room_or_default(room),
            }),
            Some("leave") => username.map(|username| Self::Leave {
                username,
                room: room_or_default(room),
            }),
            Some("joined") => (|| {
                Some(Self::Joined {
                    username: username?,
                    room: room?,
                    members: members?,
                })
            })(),
            Some("gap") => room
                .zip(since)
                .map(|(room, since)| Self::Gap { room, since }),
            Some("error") => message.map(|message| Self::Error { message }),
            _ => return Incoming::Unknown,
        };
        event.map_or(Incoming::Malformed, Incoming::Event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_reads_back() {
        let events = [
            ChatEvent::Message(ChatLine {
                username: "Ada".into(),
                text: "Bonjour".into(),
                room: "general".into(),
                id: 7,
                ts: 1_700_000_000_000,
            }),
            ChatEvent::Join {
                username: "Bob".into(),
                room: "general".into(),
            },
            ChatEvent::Leave {
                username: "Bob".into(),
                room: "maths".into(),
            },
            ChatEvent::Joined {
                username: "Ada (2)".into(),
                room: "general".into(),
                members: vec!["Ada".into(), "Ada (2)".into()],
            },
            ChatEvent::Gap {
                room: "general".into(),
                since: 1_700_000_000_000_041,
            },
            ChatEvent::Error {
                message: "no".into(),
            },
        ];
        for event in events {
            let json = serde_json::to_string(&event).expect("encodes");
            assert_eq!(ChatEvent::read(&json), Incoming::Event(event), "{json}");
        }
        assert_eq!(ChatEvent::read("hello"), Incoming::Malformed);
        assert_eq!(ChatEvent::read(r#"{"type":"typing"}"#), Incoming::Unknown);
        assert_eq!(ChatEvent::read(r#"{"type":"join"}"#), Incoming::Malformed);
        assert_eq!(
            ChatEvent::read(r#"{"type":"message","username":"A"}"#),
            Incoming::Malformed
        );
        assert_eq!(
            ChatEvent::read(r#"{"type":"joined","username":"A","room":"r"}"#),
            Incoming::Malformed
        );
    }

    #[test]
    fn reads_the_api_reference_servers_events_without_what_wslab_adds() {
        // A server written after the Brython API reference sends lines, joins and leaves without `room`,
        // `id` and `ts`: they read as lines of the default room, numbered 0.
        assert_eq!(
            ChatEvent::read(r#"{"type":"message","username":"A","text":"t"}"#),
            Incoming::Event(ChatEvent::Message(ChatLine {
                username: "A".into(),
                text: "t".into(),
                room: DEFAULT_ROOM.into(),
                id: 0,
                ts: 0,
            }))
        );
        assert_eq!(
            ChatEvent::read(r#"{"type":"join","username":"B"}"#),
            Incoming::Event(ChatEvent::Join {
                username: "B".into(),
                room: DEFAULT_ROOM.into(),
            })
        );
        assert_eq!(
            ChatEvent::read(r#"{"type":"leave","username":"B","room":"maths"}"#),
            Incoming::Event(ChatEvent::Leave {
                username: "B".into(),
                room: "maths".into(),
            })
        );
    }
    use serde_json::{from_str, json, to_value};

    #[test]
    fn reads_the_api_reference_clients_requests_exactly() {
        assert_eq!(
            from_str::<ChatRequest>(r#"{"type":"join","username":"User"}"#).ok(),
            Some(ChatRequest::Join {
                username: "User".into(),
                room: None,
                since: None
            })
        );
        assert_eq!(
            from_str::<ChatRequest>(r#"{"type":"message","username":"User","text":"Bonjour"}"#)
                .ok(),
            Some(ChatRequest::Message {
                username: Some("User".into()),
                text: "Bonjour".into(),
                room: None
            })
        );
    }

    #[test]
    fn rooms_are_optional_fields() {
        assert_eq!(
            from_str::<ChatRequest>(r#"{"type":"leave","room":"rust"}"#).ok(),
            Some(ChatRequest::Leave {
                room: Some("rust".into())
            })
        );
        assert_eq!(
            to_value(ChatRequest::Join {
                username: "Ada".into(),
                room: Some("rust".into()),
                since: None
            })
            .ok(),
            Some(json!({"type":"join","username":"Ada","room":"rust"}))
        );
        assert_eq!(
            from_str::<ChatRequest>(r#"{"type":"join","username":"Ada","since":41}"#).ok(),
            Some(ChatRequest::Join {
                username: "Ada".into(),
                room: None,
                since: Some(41)
            })
        );
    }

    #[test]
    fn server_events_have_the_api_references_shapes_plus_extra_fields() {
        let line = ChatEvent::Message(ChatLine {
            username: "Ada".into(),
            text: "hi".into(),
            room: "general".into(),
            id: 7,
            ts: 1_700_000_000_000,
        });
        assert_eq!(
            to_value(&line).ok(),
            Some(
                json!({"type":"message","username":"Ada","text":"hi","room":"general","id":7,"ts":1_700_000_000_000u64})
            )
        );
        assert_eq!(
            to_value(ChatEvent::Join {
                username: "Ada".into(),
                room: "general".into()
            })
            .ok(),
            Some(json!({"type":"join","username":"Ada","room":"general"}))
        );
        assert_eq!(
            to_value(ChatEvent::Leave {
                username: "Ada".into(),
                room: "general".into()
            })
            .ok(),
            Some(json!({"type":"leave","username":"Ada","room":"general"}))
        );
        assert_eq!(
            to_value(ChatEvent::Gap {
                room: "general".into(),
                since: 41
            })
            .ok(),
            Some(json!({"type":"gap","room":"general","since":41}))
        );
        assert_eq!(
            to_value(ChatEvent::Error {
                message: "text is empty".into()
            })
            .ok(),
            Some(json!({"type":"error","message":"text is empty"}))
        );
        assert_eq!(
            to_value(ChatEvent::Joined {
                username: "User (2)".into(),
                room: "general".into(),
                members: vec!["User".into(), "User (2)".into()]
            })
            .ok(),
            Some(
                json!({"type":"joined","username":"User (2)","room":"general","members":["User","User (2)"]})
            )
        );
    }

    #[test]
    fn events_round_trip() {
        let event = ChatEvent::Leave {
            username: "Ada".into(),
            room: "r".into(),
        };
        let text = serde_json::to_string(&event).unwrap_or_default();
        assert_eq!(from_str::<ChatEvent>(&text).ok(), Some(event));
    }

    #[test]
    fn unknown_types_and_missing_fields_are_errors() {
        assert!(from_str::<ChatRequest>(r#"{"type":"shout","text":"x"}"#).is_err());
        assert!(from_str::<ChatRequest>(r#"{"type":"message"}"#).is_err());
        assert!(from_str::<ChatRequest>(r#"{"text":"no type"}"#).is_err());
    }
}
