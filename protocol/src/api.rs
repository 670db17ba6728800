//! `/api`: the ReliableConnection endpoint of the Brython API reference and its fault-injection messages.
//!
//! `ping` is answered with `pong` and anything else is echoed, except a JSON object with a
//! `"fault"` field, which is a [`Fault`] (see the table in `server/README.md`): the server acknowledges
//! it with `{"type":"fault","fault":…}` or explains a bad one with
//! `{"type":"error","message":…}`.

use std::time::Duration;

use serde_json::Value;

use crate::close::MAX_REASON_BYTES;

/// Longest mute, in seconds.
pub const MAX_MUTE_SECONDS: u64 = 300;
/// Longest reply delay, in milliseconds.
pub const MAX_DELAY_MS: u64 = 30_000;
/// Longest restart drill, in seconds.
pub const MAX_RESTART_SECONDS: u64 = 60;

/// A fault a client asks the server to inject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Drop the TCP connection without a close frame.
    Drop,
    /// Leave pings unanswered for this long (at most [`MAX_MUTE_SECONDS`]).
    Mute(Duration),
    /// Close with this code and reason.
    Close(u16, String),
    /// Delay every reply by this much (at most [`MAX_DELAY_MS`]; zero turns it off).
    Delay(Duration),
    /// Restart drill for this long (at most [`MAX_RESTART_SECONDS`]).
    Restart(Duration),
}

impl Fault {
    /// Reads a text frame: `None` when it is not a fault message (it is then echoed), else
    /// the fault or what is wrong with it. Durations above their maximum are capped.
    pub fn decode(text: &str) -> Option<Result<Self, String>> {
        let value: Value = serde_json::from_str(text).ok()?;
        let fault = value.get("fault")?.as_str().map(str::to_owned);
        let number = |key: &str| value.get(key).and_then(Value::as_u64);
        Some(match fault.as_deref() {
            Some("drop") => Ok(Self::Drop),
            Some("mute") => number("seconds")
                .map(|s| Self::Mute(Duration::from_secs(s.min(MAX_MUTE_SECONDS))))
                .ok_or_else(|| "mute needs \"seconds\"".to_owned()),
            Some("delay") => number("ms")
                .map(|ms| Self::Delay(Duration::from_millis(ms.min(MAX_DELAY_MS))))
                .ok_or_else(|| "delay needs \"ms\"".to_owned()),
            Some("restart") => number("seconds")
                .map(|s| Self::Restart(Duration::from_secs(s.min(MAX_RESTART_SECONDS))))
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
                        if reason.len() <= MAX_REASON_BYTES =>
                    {
                        Ok(Self::Close(code, reason))
                    }
                    _ => Err(
                        "close needs a sendable \"code\" (1000–1003, 1007–1014, 3000–4999) \
                              and a reason of at most 123 bytes"
                            .to_owned(),
                    ),
                }
            }
            other => Err(format!(
                "unknown fault {:?}; expected drop, mute, close, delay or restart",
                other.map(|f| crate::decode::excerpt(f, crate::decode::QUOTED_CHARS))
            )),
        })
    }
}

/// `{"type":"error","fault":F,"message":M}`: the server refused a fault this client may
/// not ask for (the restart drill, from a client `--drills` does not allow). The connection
/// goes on; the page can stop offering that fault for this server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRefused {
    /// Which fault (`"restart"`).
    pub fault: String,
    /// Why, and the server flag that would allow it.
    pub message: String,
}

/// The fields a [`FaultRefused`] is read from, all optional (see
/// [`crate::chat::ChatFields`] for why a flat struct).
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct FaultRefusedFields {
    /// `type`: `"error"`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `fault`.
    pub fault: Option<String>,
    /// `message`.
    pub message: Option<String>,
}

impl FaultRefused {
    /// The restart drill was refused, for this reason.
    pub fn restart(message: impl Into<String>) -> Self {
        Self {
            fault: "restart".into(),
            message: message.into(),
        }
    }

    /// The frame the server sends.
    pub fn to_json(&self) -> String {
        /// The frame's fields, in the order they are written.
        #[derive(serde::Serialize)]
        struct Frame<'a> {
            #[serde(rename = "type")]
            kind: &'a str,
            fault: &'a str,
            message: &'a str,
        }
        serde_json::to_string(&Frame {
            kind: "error",
            fault: &self.fault,
            message: &self.message,
        })
        .unwrap_or_default()
    }

    /// Reads a server frame: `None` unless it is an `error` naming a fault.
    pub fn read(text: &str) -> Option<Self> {
        Self::from_fields(serde_json::from_str(text).ok()?)
    }

    /// The refusal a frame's fields make: `None` unless they make an `error` naming a
    /// fault (a plain `error`, about a malformed fault, is not a refusal).
    pub fn from_fields(fields: FaultRefusedFields) -> Option<Self> {
        (fields.kind.as_deref()? == "error").then_some(())?;
        Some(Self {
            fault: fields.fault?,
            message: fields.message?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_drill_has_an_exact_shape_and_reads_back() {
        let refused = FaultRefused::restart("drills are off");
        assert_eq!(
            refused.to_json(),
            r#"{"type":"error","fault":"restart","message":"drills are off"}"#
        );
        assert_eq!(FaultRefused::read(&refused.to_json()), Some(refused));
        // A plain error (a malformed fault) and an acknowledgement are not refusals.
        assert_eq!(
            FaultRefused::read(r#"{"type":"error","message":"mute needs \"seconds\""}"#),
            None
        );
        assert_eq!(
            FaultRefused::read(r#"{"type":"fault","fault":{"fault":"restart","seconds":3}}"#),
            None
        );
        assert_eq!(FaultRefused::read("pong"), None);
    }
}
