//! Decoding a client's JSON text frame into a request type, with an error that tells the
//! client what was wrong in words (sent back as `{"type":"error","message":…}`).
//!
//! Every request type is an internally tagged enum: one field (`type` for chat, `action`
//! for stocks) names the variant. Decoding checks, in order, that the text is JSON, that
//! the tag is there, that it names a known variant, and only then the variant's fields, so
//! each mistake gets its own message.

use std::fmt;

use serde::de::DeserializeOwned;

/// How a tagged request type is named in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// The tag field: `type` or `action`.
    pub field: &'static str,
    /// What one frame is called: `message` or `request`.
    pub noun: &'static str,
    /// What the tag is called: `message type` or `action`.
    pub tag_noun: &'static str,
    /// The tags that exist.
    pub known: &'static [&'static str],
}

/// Why a frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Not JSON at all.
    Malformed(String),
    /// JSON without the tag field (or with a tag that is not a string).
    NoTag(Shape),
    /// A tag that names no variant.
    UnknownTag(Shape, String),
    /// A known tag whose fields are wrong.
    Invalid(Shape, String, String),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(detail) => write!(f, "malformed JSON: {detail}"),
            Self::NoTag(shape) => write!(f, "the {} has no \"{}\" field", shape.noun, shape.field),
            Self::UnknownTag(shape, tag) => {
                write!(f, "unknown {} {tag:?}; expected ", shape.tag_noun)?;
                let count = shape.known.len();
                for (i, known) in shape.known.iter().enumerate() {
                    let separator = match i {
                        0 => "",
                        _ if i + 1 == count => " or ",
                        _ => ", ",
                    };
                    write!(f, "{separator}{known}")?;
                }
                Ok(())
            }
            Self::Invalid(shape, tag, detail) => write!(f, "bad {tag} {}: {detail}", shape.noun),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Most characters of a client's input that an error message quotes back.
pub const QUOTED_CHARS: usize = 40;

/// The first `max` characters of `text`, and "…" if that is not all of it. Errors quote
/// what the client sent; a 64 KiB value must not come back as a 64 KiB error.
pub fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Decodes `text` as the tagged type `T` described by `shape`.
///
/// # Errors
/// The first problem found, in the order the module docs give.
pub fn decode<T: DeserializeOwned>(text: &str, shape: Shape) -> Result<T, DecodeError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    let tag = value
        .get(shape.field)
        .and_then(serde_json::Value::as_str)
        .ok_or(DecodeError::NoTag(shape))?;
    if !shape.known.contains(&tag) {
        return Err(DecodeError::UnknownTag(shape, excerpt(tag, QUOTED_CHARS)));
    }
    let tag = tag.to_owned();
    // serde's messages quote the offending value (`invalid type: string "…"`).
    serde_json::from_value(value)
        .map_err(|e| DecodeError::Invalid(shape, tag, excerpt(&e.to_string(), 4 * QUOTED_CHARS)))
}
