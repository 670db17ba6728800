//! The inspector's filter: by direction, and by text (in a text payload, or in a binary
//! one's hex).

use yew::AttrValue;

use super::{
    format::{contains_ignoring_case, hex, parse_hex},
    ring::Frame,
};
use wslab_socket::{Direction, Payload};

/// Which directions the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DirectionFilter {
    /// Both.
    #[default]
    All,
    /// Received frames only.
    In,
    /// Sent frames only.
    Out,
}

impl DirectionFilter {
    /// Every choice, in the order the select lists them.
    pub const ALL: [Self; 3] = [Self::All, Self::In, Self::Out];

    /// The `<option>` value.
    pub fn value(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::In => "in",
            Self::Out => "out",
        }
    }

    /// The `<option>` label.
    pub fn label(self) -> &'static str {
        match self {
            Self::All => "In and out",
            Self::In => "In (received)",
            Self::Out => "Out (sent)",
        }
    }

    /// The choice for an `<option>` value (anything unknown shows all).
    pub fn from_value(value: &str) -> Self {
        match value {
            "in" => Self::In,
            "out" => Self::Out,
            _ => Self::All,
        }
    }

    /// Whether a frame going `direction` passes.
    pub fn admits(self, direction: Direction) -> bool {
        match self {
            Self::All => true,
            Self::In => direction == Direction::In,
            Self::Out => direction == Direction::Out,
        }
    }
}

/// The list's filter: a case-insensitive substring of text payloads (or of the hex of binary
/// ones) and a direction.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    /// What to look for; empty matches everything.
    pub text: AttrValue,
    /// Which directions to show.
    pub direction: DirectionFilter,
}

impl Filter {
    /// A matcher with the needle prepared once for a whole scan.
    pub fn matcher(&self) -> Matcher {
        let needle = super::format::lowercase(self.text.trim());
        Matcher {
            bytes: parse_hex(&needle),
            needle,
            direction: self.direction,
        }
    }
}

/// A [`Filter`] ready to test many frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    needle: String,
    /// The needle read as hex bytes (`de ad`, `DEAD`), matched against binary payloads.
    bytes: Option<Vec<u8>>,
    direction: DirectionFilter,
}

impl Matcher {
    /// Whether `frame` passes.
    pub fn matches(&self, frame: &Frame) -> bool {
        if !self.direction.admits(frame.direction) {
            return false;
        }
        if self.needle.is_empty() {
            return true;
        }
        match &frame.payload {
            Payload::Text(text) => contains_ignoring_case(text, &self.needle),
            Payload::Binary(data) => match &self.bytes {
                Some(wanted) => crate::lean::text::contains(data, wanted),
                // Not whole bytes ("d", "e a"): look in the hex as shown.
                None => crate::lean::text::contains(hex(data).as_bytes(), self.needle.as_bytes()),
            },
        }
    }
}
