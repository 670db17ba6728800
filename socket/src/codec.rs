//! How frames become the values a component works with, both ways.
//!
//! A [`Codec`] decodes each incoming [`Message`] into its `In` type and encodes each
//! outgoing `Out` value into a [`Message`]. The socket decodes once, where the frame
//! arrives, so a component's reducer matches on typed values and never parses again. A
//! frame that does not decode is not dropped and does not panic: it arrives as
//! [`SocketEvent::Undecoded`](crate::SocketEvent::Undecoded), with the frame and what was
//! wrong with it.
//!
//! - [`Raw`]: frames as they are ([`Message`] both ways);
//! - `Json` (feature `json`): JSON through serde, text frames out, text or binary in;
//! - your own: implement [`Codec`] (the wslab app reads its JSON with `JSON.parse`, which
//!   keeps serde out of its wasm).

use std::fmt;

use crate::types::Message;

/// Turns frames into values and values into frames.
///
/// # Example
/// ```
/// use wslab_socket::{Codec, DecodeError, EncodeError, Message};
///
/// /// Numbers, one per text frame.
/// struct Numbers;
///
/// impl Codec for Numbers {
///     type In = i64;
///     type Out = i64;
///     fn decode(&self, frame: Message) -> Result<i64, DecodeError> {
///         match &frame {
///             Message::Text(text) => text.trim().parse().map_err(|e| DecodeError::new(frame.clone(), e)),
///             Message::Bytes(_) => Err(DecodeError::new(frame, "a number comes as text")),
///         }
///     }
///     fn encode(&self, value: i64) -> Result<Message, EncodeError> {
///         Ok(Message::Text(value.to_string()))
///     }
/// }
///
/// assert_eq!(Numbers.decode(Message::Text("42".into())), Ok(42));
/// assert!(Numbers.decode(Message::Text("forty-two".into())).is_err());
/// ```
pub trait Codec: 'static {
    /// What a frame decodes to.
    type In: 'static;
    /// What the component sends.
    type Out: 'static;

    /// Decodes one frame.
    ///
    /// # Errors
    /// A [`DecodeError`] holding the frame, for a frame that is not an `In`.
    fn decode(&self, frame: Message) -> Result<Self::In, DecodeError>;

    /// Encodes one value.
    ///
    /// # Errors
    /// An [`EncodeError`] for a value this codec cannot write.
    fn encode(&self, value: Self::Out) -> Result<Message, EncodeError>;
}

/// A frame that did not decode, kept whole, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The frame as it arrived.
    pub frame: Message,
    /// What was wrong with it.
    pub problem: String,
}

impl DecodeError {
    /// `frame` could not be decoded because of `problem`.
    pub fn new(frame: Message, problem: impl fmt::Display) -> Self {
        Self {
            frame,
            problem: problem.to_string(),
        }
    }
}

impl fmt::Display for DecodeError {
    /// `cannot read "…": problem` (the frame as [`Message`] displays it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read \"{}\": {}", self.frame, self.problem)
    }
}

impl std::error::Error for DecodeError {}

/// A value the codec could not write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeError(pub String);

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot encode the message: {}", self.0)
    }
}

impl std::error::Error for EncodeError {}

/// Frames as they are: [`Message`] in, [`Message`] out. Never fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Raw;

impl Codec for Raw {
    type In = Message;
    type Out = Message;

    fn decode(&self, frame: Message) -> Result<Message, DecodeError> {
        Ok(frame)
    }

    fn encode(&self, value: Message) -> Result<Message, EncodeError> {
        Ok(value)
    }
}

/// JSON through serde: `In` is read from text frames (or UTF-8 binary ones), `Out` is
/// written as text frames.
///
/// # Example
/// ```
/// use serde::{Deserialize, Serialize};
/// use wslab_socket::{Codec, Json, Message};
///
/// #[derive(Debug, PartialEq, Serialize, Deserialize)]
/// struct Greeting { text: String }
///
/// let codec = Json::<Greeting, Greeting>::new();
/// let frame = codec.encode(Greeting { text: "hi".into() }).unwrap();
/// assert_eq!(frame, Message::Text(r#"{"text":"hi"}"#.into()));
/// assert_eq!(codec.decode(frame), Ok(Greeting { text: "hi".into() }));
/// assert!(codec.decode(Message::Text("{".into())).is_err());
/// ```
#[cfg(feature = "json")]
pub struct Json<In, Out>(std::marker::PhantomData<fn(Out) -> In>);

#[cfg(feature = "json")]
impl<In, Out> Json<In, Out> {
    /// The codec (it holds nothing).
    pub fn new() -> Self {
        Self(std::marker::PhantomData)
    }
}

#[cfg(feature = "json")]
impl<In, Out> Default for Json<In, Out> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "json")]
impl<In, Out> Codec for Json<In, Out>
where
    In: serde::de::DeserializeOwned + 'static,
    Out: serde::Serialize + 'static,
{
    type In = In;
    type Out = Out;

    fn decode(&self, frame: Message) -> Result<In, DecodeError> {
        let read = match &frame {
            Message::Text(text) => serde_json::from_str(text),
            Message::Bytes(bytes) => serde_json::from_slice(bytes),
        };
        read.map_err(|error| DecodeError::new(frame, error))
    }

    fn encode(&self, value: Out) -> Result<Message, EncodeError> {
        serde_json::to_string(&value)
            .map(Message::Text)
            .map_err(|error| EncodeError(error.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_passes_frames_through_both_ways() {
        let frame = Message::Bytes(vec![0, 1, 2]);
        assert_eq!(Raw.decode(frame.clone()), Ok(frame.clone()));
        assert_eq!(Raw.encode(frame.clone()), Ok(frame));
    }

    #[test]
    fn a_decode_error_keeps_the_frame_and_says_why() {
        let error = DecodeError::new(Message::Text("nope".into()), "not a number");
        assert_eq!(error.frame, Message::Text("nope".into()));
        assert_eq!(error.to_string(), "cannot read \"nope\": not a number");
    }

    #[cfg(feature = "json")]
    #[test]
    fn json_reads_text_and_binary_and_keeps_what_it_cannot_read() {
        let codec = Json::<Vec<u32>, Vec<u32>>::new();
        assert_eq!(codec.decode(Message::Text("[1,2]".into())), Ok(vec![1, 2]));
        assert_eq!(codec.decode(Message::Bytes(b"[3]".to_vec())), Ok(vec![3]));
        assert_eq!(codec.encode(vec![4, 5]), Ok(Message::Text("[4,5]".into())));
        let bad = Message::Text(r#"{"type":"unknown"}"#.into());
        let error = codec.decode(bad.clone()).expect_err("not a list");
        assert_eq!(error.frame, bad);
        assert!(
            error.problem.contains("expected a sequence"),
            "{}",
            error.problem
        );
    }
}
