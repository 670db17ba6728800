//! How the inspector writes frames: hex for binary payloads, short previews for the list,
//! clock times, and the NDJSON export (one JSON object per frame, written by hand: a few
//! lines instead of a JSON value tree). Pure; integer arithmetic only, no float formatting.

use std::fmt::Write;

use super::ring::Frame;
use wslab_socket::Payload;

/// Characters of a text payload shown in the list (the export has them all).
pub const PREVIEW_CHARS: usize = 200;

/// Bytes of a binary payload shown in the list, in hex.
pub const PREVIEW_BYTES: usize = 64;

/// Bytes as lower-case hex pairs separated by spaces: `de ad be ef`.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    write_hex(&mut out, bytes);
    out
}

fn write_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
}

/// Reads `needle` as whole hex bytes (`de ad`, `DEAD`; not `de:ad`, and not `d b`, whose
/// groups are not whole bytes, though the digits pair up); `None` otherwise.
pub fn parse_hex(needle: &str) -> Option<Vec<u8>> {
    if needle
        .split_ascii_whitespace()
        .any(|group| !group.len().is_multiple_of(2))
    {
        return None;
    }
    let digits: Vec<u8> = needle
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        })
        .collect::<Option<_>>()?;
    if digits.is_empty() || !digits.len().is_multiple_of(2) {
        return None;
    }
    Some(
        digits
            .chunks(2)
            .map(|pair| (pair[0] << 4) | pair[1])
            .collect(),
    )
}

/// Whether `haystack` contains `needle`, ignoring case; `needle` must be lower-case already.
/// An ASCII needle is compared in place (no allocation, the common case while typing).
pub fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    if needle.is_ascii() {
        let (hay, needle) = (haystack.as_bytes(), needle.as_bytes());
        needle.is_empty()
            || hay
                .windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle))
    } else {
        crate::lean::text::contains(lowercase(haystack).as_bytes(), needle.as_bytes())
    }
}

/// Unicode lower case. In the browser it is JavaScript's `toLowerCase`, which keeps Rust's
/// case tables (about 6 KB gzipped) out of the app; natively (unit tests) it is
/// `str::to_lowercase`. Both follow Unicode's default case mapping.
pub fn lowercase(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::JsString::from(text).to_lower_case().into()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        text.to_lowercase()
    }
}

/// What the list shows of a payload: text up to [`PREVIEW_CHARS`] characters, binary as hex
/// up to [`PREVIEW_BYTES`] bytes, each followed by `…` when cut. Short text is not copied.
pub fn preview(payload: &Payload) -> yew::AttrValue {
    match payload {
        Payload::Text(text) => match text.char_indices().nth(PREVIEW_CHARS) {
            None => yew::AttrValue::from(text.clone()),
            Some((cut, _)) => format!("{}…", &text[..cut]).into(),
        },
        Payload::Binary(bytes) => {
            let mut out = hex(&bytes[..bytes.len().min(PREVIEW_BYTES)]);
            if bytes.len() > PREVIEW_BYTES {
                out.push_str(" …");
            }
            out.into()
        }
    }
}

/// A time of day, `HH:MM:SS.mmm`, for `at_ms` since the epoch in a zone `offset_minutes`
/// behind UTC (JavaScript's `getTimezoneOffset()`: -120 for UTC+2).
pub fn clock(at_ms: f64, offset_minutes: i64) -> String {
    let local = whole_ms(at_ms).saturating_sub(offset_minutes.saturating_mul(60_000));
    let day = local.rem_euclid(86_400_000);
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        day / 3_600_000,
        day / 60_000 % 60,
        day / 1_000 % 60,
        day % 1_000
    )
}

/// Milliseconds as a whole number (0 for NaN; saturating).
fn whole_ms(at_ms: f64) -> i64 {
    if at_ms.is_nan() {
        0
    } else {
        at_ms.round() as i64
    }
}

/// One frame as one NDJSON line (with its `\n`):
/// `{"t":MS,"dir":"in"|"out","type":"text"|"binary","size":N,"data":TEXT-OR-HEX}`.
/// `t` is whole milliseconds since the epoch; `data` is the full payload, binary as [`hex`].
pub fn write_ndjson_line(out: &mut String, frame: &Frame) {
    let kind = match frame.payload {
        Payload::Text(_) => "text",
        Payload::Binary(_) => "binary",
    };
    let _ = write!(
        out,
        r#"{{"t":{},"dir":"{}","type":"{kind}","size":{},"data":""#,
        whole_ms(frame.at_ms),
        frame.direction.name(),
        frame.size_bytes
    );
    match &frame.payload {
        Payload::Text(text) => crate::lean::json::escape_into(out, text),
        Payload::Binary(bytes) => write_hex(out, bytes),
    }
    out.push_str("\"}\n");
}

/// Frames as NDJSON, one line each, in the order given.
pub fn to_ndjson<'a>(frames: impl IntoIterator<Item = &'a Frame>) -> String {
    let mut out = String::new();
    for frame in frames {
        write_ndjson_line(&mut out, frame);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use wslab_socket::Direction;

    fn frame(at_ms: f64, direction: Direction, payload: Payload) -> Frame {
        Frame {
            id: 0,
            at_ms,
            direction,
            size_bytes: payload.len(),
            payload,
        }
    }

    #[test]
    fn hex_is_lower_case_pairs_with_spaces() {
        assert_eq!(hex(&[0xde, 0xad, 0xbe, 0xef]), "de ad be ef");
        assert_eq!(hex(&[0x00, 0x0f, 0xf0]), "00 0f f0");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn parses_whole_hex_bytes_only() {
        assert_eq!(parse_hex("de ad"), Some(vec![0xde, 0xad]));
        assert_eq!(parse_hex("DEAD"), Some(vec![0xde, 0xad]));
        assert_eq!(parse_hex(" de  ad "), Some(vec![0xde, 0xad]));
        // The digits pair up, but the groups are not bytes: searched as text instead.
        assert_eq!(parse_hex("0 1"), None);
        assert_eq!(parse_hex("d b"), None);
        assert_eq!(parse_hex("d"), None);
        assert_eq!(parse_hex("dex"), None);
        assert_eq!(parse_hex(""), None);
    }

    #[test]
    fn matches_ignoring_case() {
        assert!(contains_ignoring_case("Hello World", "o w"));
        assert!(contains_ignoring_case("anything", ""));
        assert!(!contains_ignoring_case("Hi", "hij"));
        assert!(contains_ignoring_case("ÉTÉ à Paris", "été"));
        assert!(!contains_ignoring_case("ete", "été"));
    }

    #[test]
    fn previews_are_cut_with_an_ellipsis() {
        let short = Payload::Text("hello".into());
        assert_eq!(preview(&short), "hello");
        let long = Payload::Text("é".repeat(PREVIEW_CHARS + 5).into());
        let shown = preview(&long);
        assert_eq!(shown.chars().count(), PREVIEW_CHARS + 1);
        assert!(shown.ends_with('…'));
        let exact = Payload::Text("a".repeat(PREVIEW_CHARS).into());
        assert_eq!(preview(&exact).len(), PREVIEW_CHARS);
        let bytes = Payload::Binary(Rc::from(vec![0xab; PREVIEW_BYTES + 1]));
        let shown = preview(&bytes);
        assert!(shown.starts_with("ab ab "));
        assert!(shown.ends_with("ab …"));
        assert_eq!(shown.chars().count(), PREVIEW_BYTES * 3 - 1 + 2);
        assert_eq!(
            preview(&Payload::Binary(Rc::from([1u8, 2].as_slice()))),
            "01 02"
        );
    }

    #[test]
    fn clock_times_are_local_with_milliseconds() {
        // 2023-11-14T22:13:20.123Z
        let at = 1_700_000_000_123.0;
        assert_eq!(clock(at, 0), "22:13:20.123");
        assert_eq!(clock(at, -120), "00:13:20.123"); // UTC+2, past midnight
        assert_eq!(clock(at, 300), "17:13:20.123"); // UTC-5
        assert_eq!(clock(0.4, 0), "00:00:00.000");
        assert_eq!(clock(f64::NAN, 0), "00:00:00.000");
    }

    #[test]
    fn ndjson_lines_have_the_exact_format() {
        let text = frame(
            1_700_000_000_123.0,
            Direction::Out,
            Payload::Text("héllo".into()),
        );
        let binary = frame(
            1_700_000_000_200.0,
            Direction::In,
            Payload::Binary(Rc::from([0xde, 0xad, 0xbe, 0xef].as_slice())),
        );
        assert_eq!(
            to_ndjson([&text, &binary]),
            concat!(
                r#"{"t":1700000000123,"dir":"out","type":"text","size":6,"data":"héllo"}"#,
                "\n",
                r#"{"t":1700000000200,"dir":"in","type":"binary","size":4,"data":"de ad be ef"}"#,
                "\n",
            )
        );
        assert_eq!(to_ndjson([]), "");
    }

    #[test]
    fn ndjson_escapes_text_and_keeps_it_whole() {
        let nasty = "say \"hi\"\\\n\r\t\u{1}\u{1f}ok ✓";
        let line = to_ndjson([&frame(5.0, Direction::In, Payload::Text(nasty.into()))]);
        assert_eq!(
            line,
            concat!(
                r#"{"t":5,"dir":"in","type":"text","size":20,"data":"say \"hi\"\\\n\r\t\u0001\u001fok ✓"}"#,
                "\n"
            )
        );
        // Valid JSON that reads back as the payload.
        let value: serde_json::Value = serde_json::from_str(line.trim_end()).expect("JSON");
        assert_eq!(value["data"], nasty);
        // Long payloads are exported in full (the list shows a preview).
        let long = "x".repeat(PREVIEW_CHARS * 3);
        let line = to_ndjson([&frame(
            0.0,
            Direction::Out,
            Payload::Text(long.clone().into()),
        )]);
        assert!(line.contains(&long));
    }
}
