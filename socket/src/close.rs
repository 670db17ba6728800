//! WebSocket close codes (RFC 6455 §7.4) and the rules for the ones a client may send.
//!
//! A browser's `WebSocket.close(code, reason)` only accepts 1000 or 3000–4999 and a reason
//! of at most 123 UTF-8 bytes; anything else throws. [`CloseRequest::new`] checks the same
//! rules up front so the app can show a readable error instead of a JavaScript exception.

use std::fmt;

/// Largest close reason, in UTF-8 bytes: a control frame carries at most 125 bytes, two of
/// which are the code.
pub const MAX_REASON_BYTES: usize = 123;

/// Normal closure.
pub const NORMAL: u16 = 1000;
/// The endpoint is going away (server shutdown, page navigation).
pub const GOING_AWAY: u16 = 1001;
/// The endpoint saw a protocol error.
pub const PROTOCOL_ERROR: u16 = 1002;
/// The connection was closed without a close frame (reported locally, never sent).
pub const ABNORMAL: u16 = 1006;
/// A text message was not valid UTF-8 (or data did not match its type).
pub const INVALID_PAYLOAD: u16 = 1007;
/// A message broke the endpoint's policy (for example flooding).
pub const POLICY_VIOLATION: u16 = 1008;
/// A message was larger than the endpoint accepts.
pub const MESSAGE_TOO_BIG: u16 = 1009;
/// The server hit an unexpected condition.
pub const INTERNAL_ERROR: u16 = 1011;
/// The service is restarting; try again later.
pub const SERVICE_RESTART: u16 = 1012;
/// The server cannot serve this now (its chat broker is unreachable); try again later.
pub const TRY_AGAIN_LATER: u16 = 1013;

/// The RFC 6455 / IANA name of a close code, for logs and timelines.
///
/// Application codes (3000–4999) and unassigned codes get a descriptive range name.
pub fn code_name(code: u16) -> &'static str {
    match code {
        1000 => "Normal Closure",
        1001 => "Going Away",
        1002 => "Protocol Error",
        1003 => "Unsupported Data",
        1005 => "No Status Received",
        1006 => "Abnormal Closure",
        1007 => "Invalid Frame Payload Data",
        1008 => "Policy Violation",
        1009 => "Message Too Big",
        1010 => "Mandatory Extension",
        1011 => "Internal Error",
        1012 => "Service Restart",
        1013 => "Try Again Later",
        1014 => "Bad Gateway",
        1015 => "TLS Handshake",
        3000..=3999 => "Registered (library/framework)",
        4000..=4999 => "Private (application)",
        _ => "Unassigned",
    }
}

/// Why a close request was refused before reaching the socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseRequestError {
    /// The code is neither 1000 nor in 3000–4999.
    InvalidCode(u16),
    /// The reason is longer than [`MAX_REASON_BYTES`] once encoded as UTF-8.
    ReasonTooLong {
        /// The reason's length in UTF-8 bytes.
        bytes: usize,
    },
}

impl fmt::Display for CloseRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidCode(code) => write!(
                f,
                "close code {code} is not allowed: use 1000 or a code from 3000 to 4999"
            ),
            Self::ReasonTooLong { bytes } => write!(
                f,
                "close reason is {bytes} bytes long; the limit is {MAX_REASON_BYTES} UTF-8 bytes"
            ),
        }
    }
}

impl std::error::Error for CloseRequestError {}

/// A close code and reason that a client is allowed to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseRequest {
    code: u16,
    reason: String,
}

impl CloseRequest {
    /// Checks `code` and `reason` against the rules browsers enforce.
    ///
    /// # Errors
    /// [`CloseRequestError::InvalidCode`] unless the code is 1000 or 3000–4999;
    /// [`CloseRequestError::ReasonTooLong`] if the reason exceeds 123 UTF-8 bytes.
    pub fn new(code: u16, reason: impl Into<String>) -> Result<Self, CloseRequestError> {
        let reason = reason.into();
        if code != NORMAL && !(3000..=4999).contains(&code) {
            return Err(CloseRequestError::InvalidCode(code));
        }
        if reason.len() > MAX_REASON_BYTES {
            return Err(CloseRequestError::ReasonTooLong {
                bytes: reason.len(),
            });
        }
        Ok(Self { code, reason })
    }

    /// A normal closure (1000) with an empty reason.
    pub fn normal() -> Self {
        Self {
            code: NORMAL,
            reason: String::new(),
        }
    }

    /// The close code.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The close reason.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_normal_and_application_codes() {
        for code in [1000, 3000, 3999, 4000, 4999] {
            assert_eq!(CloseRequest::new(code, "bye").map(|c| c.code()), Ok(code));
        }
    }

    #[test]
    fn refuses_reserved_and_out_of_range_codes() {
        for code in [0, 999, 1001, 1005, 1006, 1015, 2999, 5000, u16::MAX] {
            assert_eq!(
                CloseRequest::new(code, ""),
                Err(CloseRequestError::InvalidCode(code))
            );
        }
    }

    #[test]
    fn reason_limit_counts_utf8_bytes_not_chars() {
        assert!(CloseRequest::new(1000, "a".repeat(123)).is_ok());
        assert_eq!(
            CloseRequest::new(1000, "a".repeat(124)),
            Err(CloseRequestError::ReasonTooLong { bytes: 124 })
        );
        // 62 two-byte characters are 124 bytes.
        assert_eq!(
            CloseRequest::new(1000, "é".repeat(62)),
            Err(CloseRequestError::ReasonTooLong { bytes: 124 })
        );
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(
            CloseRequestError::InvalidCode(1005).to_string(),
            "close code 1005 is not allowed: use 1000 or a code from 3000 to 4999"
        );
    }

    #[test]
    fn names_follow_the_rfc() {
        assert_eq!(code_name(1000), "Normal Closure");
        assert_eq!(code_name(1006), "Abnormal Closure");
        assert_eq!(code_name(4001), "Private (application)");
    }
}
