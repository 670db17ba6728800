//! Plain data of the socket layer: messages, events, ready states, errors, and the checks
//! that run before anything reaches the browser. No web APIs here.

use std::fmt;

use crate::{
    close::{CloseRequestError, code_name},
    codec::{Codec, DecodeError, EncodeError},
    reconnect::{Millis, Status},
};
use thiserror::Error;

/// A data frame: text or binary, as `send(str or bytes)` in the doc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Bytes(Vec<u8>),
}

impl Message {
    /// Payload size in bytes (UTF-8 bytes for text).
    pub fn len(&self) -> usize {
        match self {
            Self::Text(text) => text.len(),
            Self::Bytes(bytes) => bytes.len(),
        }
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<Vec<u8>> for Message {
    fn from(bytes: Vec<u8>) -> Self {
        Self::Bytes(bytes)
    }
}

impl fmt::Display for Message {
    /// Text as is; bytes as `N bytes: 68 65 6c …` (the first 32 in hex).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(text) => f.write_str(text),
            Self::Bytes(bytes) => {
                write!(f, "{} bytes", bytes.len())?;
                if !bytes.is_empty() {
                    f.write_str(":")?;
                }
                for byte in bytes.iter().take(32) {
                    write!(f, " {byte:02x}")?;
                }
                if bytes.len() > 32 {
                    f.write_str(" …")?;
                }
                Ok(())
            }
        }
    }
}

/// `readyState`: 0 connecting, 1 open, 2 closing, 3 closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadyState {
    /// The handshake is under way.
    Connecting,
    /// Frames can be sent and received.
    Open,
    /// A close handshake is under way.
    Closing,
    /// No connection (also the state before the first open).
    #[default]
    Closed,
}

impl ReadyState {
    /// Maps the browser's number; anything unknown reads as closed.
    pub fn from_number(value: u16) -> Self {
        match value {
            0 => Self::Connecting,
            1 => Self::Open,
            2 => Self::Closing,
            _ => Self::Closed,
        }
    }

    /// The browser's number for this state.
    pub fn number(self) -> u16 {
        match self {
            Self::Connecting => 0,
            Self::Open => 1,
            Self::Closing => 2,
            Self::Closed => 3,
        }
    }

    /// The constant's name, as `WebSocket.CONNECTING` etc.
    pub fn name(self) -> &'static str {
        match self {
            Self::Connecting => "CONNECTING",
            Self::Open => "OPEN",
            Self::Closing => "CLOSING",
            Self::Closed => "CLOSED",
        }
    }
}

/// The `close` event's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseEvent {
    /// Close code (1006 when the connection dropped or never opened).
    pub code: u16,
    /// Close reason sent by the peer, possibly empty.
    pub reason: String,
    /// Whether the close handshake completed.
    pub was_clean: bool,
}

impl fmt::Display for CloseEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "code {} ({})", self.code, code_name(self.code))?;
        if !self.reason.is_empty() {
            write!(f, ", reason \"{}\"", self.reason)?;
        }
        f.write_str(if self.was_clean {
            ", clean"
        } else {
            ", not clean"
        })
    }
}

/// What a socket reports, in the order it happened. Plain sockets ([`crate::SocketAgent`])
/// and reliable ones ([`crate::ReliableAgent`]) report with this one type; `Status`,
/// `Pong`, `Outbox` and `Abandoned` come from reliable sockets only.
///
/// `M` is what a frame became: a [`Message`] as the agents report it, or the `In` of the
/// [`Codec`] a hook was given (see [`SocketEvent::decode`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketEvent<M = Message> {
    /// The ready state changed, as the socket says it, never guessed: `Connecting` when it
    /// starts, `Open` just before [`Self::Open`], `Closing` once a close handshake was
    /// started, `Closed` just before [`Self::Close`].
    Ready(ReadyState),
    /// The handshake completed.
    Open {
        /// The socket's URL as the browser resolved it.
        url: String,
        /// The subprotocol the server chose ("" if none).
        protocol: String,
    },
    /// A frame arrived. Every frame is delivered; none are merged. (A reliable socket keeps
    /// its heartbeat replies to itself and reports [`Self::Pong`] instead.)
    Message(M),
    /// A frame arrived that the codec could not decode: the frame, and why.
    Undecoded(DecodeError),
    /// `bufferedAmount` changed: bytes queued but not yet on the wire, sampled every 100 ms
    /// while frames go out or some are still queued (so a small frame that leaves at once
    /// may never show). Not repeated while it stays the same.
    Buffered(u32),
    /// The browser reported an error (it gives no details; a close event follows).
    Error,
    /// The connection is closed; a plain socket reports nothing after it (a reliable one
    /// goes on with its [`Status`]).
    Close(CloseEvent),
    /// A command sent to the task could not be carried out.
    Failed(SocketError),
    /// A reliable socket's status changed (reported once per change, never repeated).
    Status(Status),
    /// A heartbeat reply arrived, `rtt` ms after its ping: one event per reply.
    Pong {
        /// The round trip, in ms.
        rtt: Millis,
    },
    /// A reliable socket's outbox changed: messages waiting for a connection, and those
    /// dropped so far because it was full.
    Outbox {
        /// Waiting.
        pending: usize,
        /// Dropped since the socket was created.
        dropped: u64,
    },
    /// A reliable socket gave up on its current connection: it did not open, or answer a
    /// heartbeat, in time. A new one follows as the policy allows.
    Abandoned,
}

impl SocketEvent<Message> {
    /// The same event with its frame decoded by `codec`; a frame that does not decode
    /// becomes [`SocketEvent::Undecoded`]. Every other event is carried over as it is.
    pub fn decode<C: Codec>(self, codec: &C) -> SocketEvent<C::In> {
        match self {
            Self::Message(frame) => match codec.decode(frame) {
                Ok(value) => SocketEvent::Message(value),
                Err(error) => SocketEvent::Undecoded(error),
            },
            Self::Ready(state) => SocketEvent::Ready(state),
            Self::Open { url, protocol } => SocketEvent::Open { url, protocol },
            Self::Undecoded(error) => SocketEvent::Undecoded(error),
            Self::Buffered(amount) => SocketEvent::Buffered(amount),
            Self::Error => SocketEvent::Error,
            Self::Close(close) => SocketEvent::Close(close),
            Self::Failed(error) => SocketEvent::Failed(error),
            Self::Status(status) => SocketEvent::Status(status),
            Self::Pong { rtt } => SocketEvent::Pong { rtt },
            Self::Outbox { pending, dropped } => SocketEvent::Outbox { pending, dropped },
            Self::Abandoned => SocketEvent::Abandoned,
        }
    }
}

/// A snapshot of the doc's properties.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SocketInfo {
    /// `readyState`.
    pub ready_state: ReadyState,
    /// `url`.
    pub url: String,
    /// `protocol`: the negotiated subprotocol.
    pub protocol: String,
    /// `bufferedAmount`.
    pub buffered_amount: u32,
}

/// Errors of the socket layer, readable as shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SocketError {
    /// `websocket.supported` is false.
    #[error("WebSocket is not supported by this browser")]
    Unsupported,
    /// The URL cannot be used for a WebSocket.
    #[error("invalid URL \"{url}\": {problem}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The browser refused the subprotocol list.
    #[error("invalid subprotocol list: {0}")]
    InvalidProtocols(String),
    /// The close code or reason breaks the rules.
    #[error("{0}")]
    Close(#[from] CloseRequestError),
    /// A send or close was asked for while the socket is not open.
    #[error("the connection is not open (state {})", .0.name())]
    NotOpen(ReadyState),
    /// The socket's task has ended: the connection is over.
    #[error("the connection is closed")]
    Ended,
    /// The browser threw while sending.
    #[error("send failed: {0}")]
    Send(String),
    /// The browser threw while closing.
    #[error("close failed: {0}")]
    CloseFailed(String),
    /// The codec could not encode what was to be sent (nothing was sent).
    #[error("{0}")]
    Encode(#[from] EncodeError),
    /// Only a reliable socket (one opened with a policy) can do this.
    #[error("only a reliable connection can do this (the socket has no reconnect policy)")]
    NotReliable,
}

/// Where to connect and which subprotocols to offer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpenOptions {
    /// `ws://` or `wss://` URL.
    pub url: String,
    /// Subprotocols to offer, most preferred first; empty for none.
    pub protocols: Vec<String>,
}

impl OpenOptions {
    /// Options for `url` with no subprotocols.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            protocols: Vec::new(),
        }
    }

    /// Adds subprotocols parsed from a comma- or space-separated list (empty items dropped).
    pub fn with_protocol_list(mut self, list: &str) -> Self {
        self.protocols = list
            .split([',', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        self
    }

    /// The checks the browser would make, done first so the error can say what is wrong.
    ///
    /// # Errors
    /// [`SocketError::InvalidUrl`] for a missing or wrong scheme, a missing host, or a
    /// fragment; [`SocketError::InvalidProtocols`] for an empty, duplicate or
    /// non-token subprotocol.
    pub fn validate(&self) -> Result<(), SocketError> {
        let url = self.url.trim();
        let invalid = |problem: &str| SocketError::InvalidUrl {
            url: self.url.clone(),
            problem: problem.to_owned(),
        };
        if url.is_empty() {
            return Err(invalid("the URL is empty"));
        }
        // A char split and a prefix: smaller in the wasm than a substring search.
        let Some((scheme, rest)) = url
            .split_once(':')
            .and_then(|(scheme, rest)| Some((scheme, rest.strip_prefix("//")?)))
        else {
            return Err(invalid("it must start with ws:// or wss://"));
        };
        if !scheme.eq_ignore_ascii_case("ws") && !scheme.eq_ignore_ascii_case("wss") {
            return Err(invalid("the scheme must be ws:// or wss://"));
        }
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if host.is_empty() {
            return Err(invalid("there is no host"));
        }
        if url.contains('#') {
            return Err(invalid("a WebSocket URL cannot have a #fragment"));
        }
        let mut seen: Vec<&str> = Vec::new();
        for protocol in &self.protocols {
            if !protocol.bytes().all(is_token_byte) {
                return Err(SocketError::InvalidProtocols(format!(
                    "\"{protocol}\" is not a token (letters, digits and !#$%&'*+-.^_`|~ only)"
                )));
            }
            if seen.iter().any(|p| p.eq_ignore_ascii_case(protocol)) {
                return Err(SocketError::InvalidProtocols(format!(
                    "\"{protocol}\" is listed twice"
                )));
            }
            seen.push(protocol);
        }
        Ok(())
    }
}

impl From<&str> for OpenOptions {
    fn from(url: &str) -> Self {
        Self::new(url)
    }
}

impl From<String> for OpenOptions {
    fn from(url: String) -> Self {
        Self::new(url)
    }
}

/// RFC 7230 `tchar`.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ws_and_wss_urls() {
        for url in [
            "ws://127.0.0.1:8080/echo",
            "wss://example.org/chat?room=a",
            "WS://localhost",
        ] {
            assert_eq!(OpenOptions::new(url).validate(), Ok(()), "{url}");
        }
    }

    #[test]
    fn explains_bad_urls() {
        let problem = |url: &str| match OpenOptions::new(url).validate() {
            Err(SocketError::InvalidUrl { problem, .. }) => problem,
            other => panic!("{url}: expected InvalidUrl, got {other:?}"),
        };
        assert_eq!(problem(""), "the URL is empty");
        assert_eq!(
            problem("localhost:8080"),
            "it must start with ws:// or wss://"
        );
        assert_eq!(problem("ftp://x/y"), "the scheme must be ws:// or wss://");
        assert_eq!(problem("ws:///echo"), "there is no host");
        assert_eq!(
            problem("ws://h/echo#top"),
            "a WebSocket URL cannot have a #fragment"
        );
    }

    #[test]
    fn parses_and_checks_subprotocols() {
        let options = OpenOptions::new("ws://h/").with_protocol_list("chat, superchat  v2");
        assert_eq!(options.protocols, ["chat", "superchat", "v2"]);
        assert_eq!(options.validate(), Ok(()));
        assert!(matches!(
            OpenOptions::new("ws://h/")
                .with_protocol_list("chat,Chat")
                .validate(),
            Err(SocketError::InvalidProtocols(_))
        ));
        let mut options = OpenOptions::new("ws://h/");
        options.protocols = vec!["a/b".into()];
        assert!(matches!(
            options.validate(),
            Err(SocketError::InvalidProtocols(_))
        ));
    }

    #[test]
    fn ready_state_round_trips_the_browser_numbers() {
        for n in 0..4 {
            assert_eq!(ReadyState::from_number(n).number(), n);
        }
        assert_eq!(ReadyState::from_number(7), ReadyState::Closed);
        assert_eq!(ReadyState::default(), ReadyState::Closed);
    }

    #[test]
    fn messages_display_text_as_is_and_bytes_as_hex() {
        assert_eq!(Message::Text("héllo".into()).to_string(), "héllo");
        assert_eq!(Message::Bytes(vec![]).to_string(), "0 bytes");
        assert_eq!(Message::Bytes(b"hi".to_vec()).to_string(), "2 bytes: 68 69");
        assert!(Message::Bytes(vec![0; 40]).to_string().ends_with(" …"));
        assert_eq!(Message::Text("é".into()).len(), 2);
    }

    #[test]
    fn close_events_read_with_their_rfc_name() {
        let event = CloseEvent {
            code: 1006,
            reason: String::new(),
            was_clean: false,
        };
        assert_eq!(event.to_string(), "code 1006 (Abnormal Closure), not clean");
    }

    #[test]
    fn decoding_an_event_changes_only_its_frame() {
        struct Upper;
        impl Codec for Upper {
            type In = String;
            type Out = String;
            fn decode(&self, frame: Message) -> Result<String, DecodeError> {
                match frame {
                    Message::Text(text) => Ok(text.to_uppercase()),
                    bytes @ Message::Bytes(_) => Err(DecodeError::new(bytes, "binary")),
                }
            }
            fn encode(&self, value: String) -> Result<Message, EncodeError> {
                Ok(Message::Text(value))
            }
        }
        assert_eq!(
            SocketEvent::Message(Message::from("hi")).decode(&Upper),
            SocketEvent::Message("HI".to_owned())
        );
        assert_eq!(
            SocketEvent::Message(Message::from(vec![1])).decode(&Upper),
            SocketEvent::Undecoded(DecodeError::new(Message::Bytes(vec![1]), "binary"))
        );
        assert_eq!(
            SocketEvent::Pong { rtt: 7 }.decode(&Upper),
            SocketEvent::Pong { rtt: 7 }
        );
    }

    #[test]
    fn close_rule_errors_convert() {
        let error: SocketError = CloseRequestError::InvalidCode(1001).into();
        assert!(error.to_string().contains("1001"));
    }
}
