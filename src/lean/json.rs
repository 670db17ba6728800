//! Client requests written as JSON by hand, without serde_json's serializer in the wasm.
//!
//! The requests are a few flat objects of strings, string lists and one whole number, so
//! writing them takes a string escaper and a few `push_str`s. The output is byte for byte
//! what serde_json writes for the protocol's types (same field order, same escapes: `"`,
//! `\`, and control characters); the tests below compare the two on every variant.

use wslab_protocol::{chat::ChatRequest, stocks::StockRequest};

/// `text` as a JSON string, quotes included.
fn push_string(out: &mut String, text: &str) {
    out.push('"');
    escape_into(out, text);
    out.push('"');
}

/// `text` as the inside of a JSON string, escaped as serde_json escapes it (RFC 8259: the
/// quote, the backslash and control characters; everything else as is, UTF-8). The
/// requests here and the message inspector's export both write strings with it.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let byte = u32::from(c) as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[byte >> 4]));
                out.push(char::from(HEX[byte & 15]));
            }
            c => out.push(c),
        }
    }
}

/// `,"name":"value"` (a string field after the first).
fn push_field(out: &mut String, name: &str, value: &str) {
    out.push_str(",\"");
    out.push_str(name);
    out.push_str("\":");
    push_string(out, value);
}

/// A chat request as its text frame.
pub fn chat_request(request: &ChatRequest) -> String {
    let mut out = String::with_capacity(64);
    let room = match request {
        ChatRequest::Join {
            username,
            room,
            since,
        } => {
            out.push_str(r#"{"type":"join""#);
            push_field(&mut out, "username", username);
            if let Some(room) = room {
                push_field(&mut out, "room", room);
            }
            if let Some(since) = since {
                out.push_str(",\"since\":");
                out.push_str(&since.to_string());
            }
            out.push('}');
            return out;
        }
        ChatRequest::Message {
            username,
            text,
            room,
        } => {
            out.push_str(r#"{"type":"message""#);
            if let Some(username) = username {
                push_field(&mut out, "username", username);
            }
            push_field(&mut out, "text", text);
            room
        }
        ChatRequest::Leave { room } => {
            out.push_str(r#"{"type":"leave""#);
            room
        }
    };
    if let Some(room) = room {
        push_field(&mut out, "room", room);
    }
    out.push('}');
    out
}

/// A stocks request as its text frame.
pub fn stock_request(request: &StockRequest) -> String {
    let (action, symbols) = match request {
        StockRequest::Subscribe { symbols } => ("subscribe", symbols),
        StockRequest::Unsubscribe { symbols } => ("unsubscribe", symbols),
    };
    let mut out = String::with_capacity(32 + 8 * symbols.len());
    out.push_str(r#"{"action":""#);
    out.push_str(action);
    out.push_str(r#"","symbols":["#);
    for (i, symbol) in symbols.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(&mut out, symbol);
    }
    out.push_str("]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const AWKWARD: &str =
        "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{7} \u{1f} é 😀 </script>";

    #[test]
    fn chat_requests_are_written_as_serde_writes_them() {
        let strings = ["Ada", "", AWKWARD];
        let mut requests = Vec::new();
        for s in strings {
            for room in [None, Some(s.to_owned())] {
                for since in [None, Some(0), Some(1_796_297_097_758_004)] {
                    requests.push(ChatRequest::Join {
                        username: s.into(),
                        room: room.clone(),
                        since,
                    });
                }
                for username in [None, Some(s.to_owned())] {
                    requests.push(ChatRequest::Message {
                        username,
                        text: s.into(),
                        room: room.clone(),
                    });
                }
                requests.push(ChatRequest::Leave { room: room.clone() });
            }
        }
        for request in &requests {
            let serde = serde_json::to_string(request).expect("serializes");
            assert_eq!(chat_request(request), serde);
        }
    }

    #[test]
    fn stock_requests_are_written_as_serde_writes_them() {
        for symbols in [
            vec![],
            vec!["AAPL".to_owned()],
            vec!["A".into(), AWKWARD.into()],
        ] {
            for request in [
                StockRequest::Subscribe {
                    symbols: symbols.clone(),
                },
                StockRequest::Unsubscribe {
                    symbols: symbols.clone(),
                },
            ] {
                let serde = serde_json::to_string(&request).expect("serializes");
                assert_eq!(stock_request(&request), serde);
            }
        }
    }
}
