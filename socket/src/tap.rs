//! The socket layer's tap: an optional observer told about every data frame a socket sends
//! or receives and every ready state it enters, so a message inspector or a logger sees all
//! traffic without the component reporting it. Plain data; the agents do the reporting.
//!
//! A tapped payload is copied once into an `Rc` (the component's [`Message`] keeps its owned
//! `String` / `Vec`); everything downstream shares that copy. Without a tap nothing is copied.

use std::rc::Rc;

use crate::types::{Message, ReadyState};

/// Which way a frame went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the server to the page.
    In,
    /// From the page to the server.
    Out,
}

impl Direction {
    /// `"in"` or `"out"` (the NDJSON value and the CSS class suffix).
    pub fn name(self) -> &'static str {
        match self {
            Self::In => "in",
            Self::Out => "out",
        }
    }
}

/// A frame's payload, cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// A text frame.
    Text(Rc<str>),
    /// A binary frame.
    Binary(Rc<[u8]>),
}

impl Payload {
    /// Size in bytes (UTF-8 bytes for text), as on the wire.
    pub fn len(&self) -> usize {
        match self {
            Self::Text(text) => text.len(),
            Self::Binary(bytes) => bytes.len(),
        }
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl From<&Message> for Payload {
    /// One copy of the message's payload, shared from then on.
    fn from(message: &Message) -> Self {
        match message {
            Message::Text(text) => Self::Text(Rc::from(text.as_str())),
            Message::Bytes(bytes) => Self::Binary(Rc::from(bytes.as_slice())),
        }
    }
}

/// What a socket tells its tap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TapEvent {
    /// A data frame came in, or went out (reported once the browser accepted it).
    Frame(Direction, Payload),
    /// The socket entered this ready state (`Closed` also when its agent is dropped).
    State(ReadyState),
}

/// The observer a socket reports to: a Yew callback, called from the socket's task.
#[cfg(feature = "browser")]
pub type Tap = yew::Callback<TapEvent>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_share_one_copy_and_measure_bytes() {
        let text = Payload::from(&Message::Text("héllo".into()));
        assert_eq!(text, Payload::Text("héllo".into()));
        assert_eq!(text.len(), 6);
        let bytes = Payload::from(&Message::Bytes(vec![0xde, 0xad]));
        assert_eq!(bytes.len(), 2);
        assert!(Payload::Binary(Rc::from([].as_slice())).is_empty());
        assert_eq!(Direction::In.name(), "in");
        assert_eq!(Direction::Out.name(), "out");
    }
}
