//! RFC 6455 framing for the server's side of a connection, without IO.
//!
//! [`Decoder`] turns the bytes a client sent into whole messages: it unmasks them, joins
//! fragments, answers the rules a server must enforce (masking, reserved bits, opcodes,
//! control frames short and whole, continuations only inside a message, sizes, UTF-8 of
//! text checked fragment by fragment, close codes and reasons) with a [`FrameError`], and
//! refuses a frame over the size limit from its header, before its payload arrives.
//! [`encode`] writes a message as one unmasked frame. [`crate::conn::Conn`] moves the bytes.

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use bytes::{Buf, BufMut, BytesMut};
use wslab_protocol::close;

const CONTINUATION: u8 = 0x0;
const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;

/// The largest payload of a control frame (ping, pong, close).
const MAX_CONTROL: usize = 125;

/// The longest frame header a server writes: 2 bytes, then a 64-bit length.
pub const MAX_HEADER: usize = 10;

/// Why a client's bytes were refused; [`FrameError::close_code`] is the code to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The frames broke RFC 6455 (the reason says which rule).
    #[error("protocol error: {0}")]
    Protocol(&'static str),
    /// A frame or a message was over the server's size limit.
    #[error("message too big")]
    TooBig,
    /// A text message, or a close reason, was not UTF-8.
    #[error("text is not valid UTF-8")]
    InvalidUtf8,
}

impl FrameError {
    /// The close code RFC 6455 §7.4.1 gives for this error.
    pub fn close_code(self) -> u16 {
        match self {
            Self::Protocol(_) => close::PROTOCOL_ERROR,
            Self::TooBig => close::MESSAGE_TOO_BIG,
            Self::InvalidUtf8 => close::INVALID_PAYLOAD,
        }
    }
}

/// A frame's header, read from the front of the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Head {
    fin: bool,
    opcode: u8,
    mask: [u8; 4],
    /// Header bytes, mask included.
    len: usize,
    payload: usize,
}

/// A message that arrived in fragments and is not whole yet.
#[derive(Debug)]
struct Partial {
    text: bool,
    data: BytesMut,
    /// How much of `data` is known to be UTF-8 (text only); the rest is at most the start
    /// of one character.
    checked: usize,
}

impl Partial {
    /// Checks the text that arrived since the last check: invalid UTF-8 fails at once,
    /// not when the message ends; a character cut between fragments waits for the next.
    fn check(&mut self, last: bool) -> Result<(), FrameError> {
        let Some(unchecked) = self.data.get(self.checked..) else {
            return Ok(());
        };
        match std::str::from_utf8(unchecked) {
            Ok(_) => self.checked = self.data.len(),
            Err(error) if error.error_len().is_none() && !last => {
                self.checked += error.valid_up_to();
            }
            Err(_) => return Err(FrameError::InvalidUtf8),
        }
        Ok(())
    }
}

/// Reads messages from what a client sent (see the module docs).
#[derive(Debug)]
pub struct Decoder {
    max_frame: usize,
    max_message: usize,
    partial: Option<Partial>,
}

impl Decoder {
    /// A decoder refusing frames over `max_frame` bytes and messages over `max_message`.
    pub fn new(max_frame: usize, max_message: usize) -> Self {
        Self {
            max_frame,
            max_message,
            partial: None,
        }
    }

    /// Forgets a message left unfinished, to read on after a refused frame.
    pub fn reset(&mut self) {
        self.partial = None;
    }

    /// The next whole message from the front of `buf`, consuming its frames, or `None` when
    /// `buf` ends inside a frame (what is there stays for the next call).
    ///
    /// # Errors
    /// The frames break a rule; what follows them is not a message stream any more.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Message>, FrameError> {
        loop {
            let Some(head) = head(buf, self.max_frame)? else {
                return Ok(None);
            };
            if buf.len() < head.len + head.payload {
                return Ok(None);
            }
            buf.advance(head.len);
            let mut payload = buf.split_to(head.payload);
            unmask(&mut payload, head.mask);
            if let Some(message) = self.message(head, payload)? {
                return Ok(Some(message));
            }
        }
    }

    /// The message a frame completes, if it completes one.
    fn message(&mut self, head: Head, payload: BytesMut) -> Result<Option<Message>, FrameError> {
        let message = match head.opcode {
            TEXT | BINARY => {
                if self.partial.is_some() {
                    return Err(FrameError::Protocol(
                        "a new message began before the last one ended",
                    ));
                }
                let text = head.opcode == TEXT;
                if !head.fin {
                    let mut partial = Partial {
                        text,
                        data: payload,
                        checked: 0,
                    };
                    if text {
                        partial.check(false)?;
                    }
                    self.partial = Some(partial);
                    return Ok(None);
                }
                whole(text, payload)?
            }
            CONTINUATION => {
                let Some(partial) = self.partial.as_mut() else {
                    return Err(FrameError::Protocol(
                        "a continuation frame with no message to continue",
                    ));
                };
                if partial.data.len() + payload.len() > self.max_message {
                    return Err(FrameError::TooBig);
                }
                partial.data.extend_from_slice(&payload);
                if partial.text {
                    partial.check(head.fin)?;
                }
                if !head.fin {
                    return Ok(None);
                }
                match self.partial.take() {
                    Some(partial) => whole(partial.text, partial.data)?,
                    None => return Ok(None),
                }
            }
            PING => Message::Ping(payload.freeze()),
            PONG => Message::Pong(payload.freeze()),
            _ => Message::Close(close_frame(&payload)?),
        };
        Ok(Some(message))
    }
}

/// A whole text or binary message.
fn whole(text: bool, data: BytesMut) -> Result<Message, FrameError> {
    if text {
        let text = Utf8Bytes::try_from(data.freeze()).map_err(|_| FrameError::InvalidUtf8)?;
        Ok(Message::Text(text))
    } else {
        Ok(Message::Binary(data.freeze()))
    }
}

/// Parses the header at the front of `buf`: `None` while it is incomplete.
fn head(buf: &[u8], max_frame: usize) -> Result<Option<Head>, FrameError> {
    let [first, second, ..] = *buf else {
        return Ok(None);
    };
    if first & 0x70 != 0 {
        return Err(FrameError::Protocol(
            "reserved bits set, and no extension was agreed",
        ));
    }
    let fin = first & 0x80 != 0;
    let opcode = first & 0x0F;
    if !matches!(opcode, CONTINUATION | TEXT | BINARY | CLOSE | PING | PONG) {
        return Err(FrameError::Protocol("reserved opcode"));
    }
    if second & 0x80 == 0 {
        return Err(FrameError::Protocol("a client's frames must be masked"));
    }
    let (payload, at) = match second & 0x7F {
        126 => match buf.get(2..4) {
            Some(&[a, b]) => (u64::from(u16::from_be_bytes([a, b])), 4),
            _ => return Ok(None),
        },
        127 => match buf
            .get(2..10)
            .and_then(|bytes| <[u8; 8]>::try_from(bytes).ok())
        {
            Some(bytes) => (u64::from_be_bytes(bytes), 10),
            None => return Ok(None),
        },
        short => (u64::from(short), 2),
    };
    if payload >> 63 != 0 {
        return Err(FrameError::Protocol("the payload length's top bit is set"));
    }
    if opcode >= CLOSE {
        if !fin {
            return Err(FrameError::Protocol("a fragmented control frame"));
        }
        if payload > MAX_CONTROL as u64 {
            return Err(FrameError::Protocol(
                "a control frame's payload over 125 bytes",
            ));
        }
    }
    let payload = match usize::try_from(payload) {
        Ok(payload) if payload <= max_frame => payload,
        _ => return Err(FrameError::TooBig),
    };
    let Some(&[a, b, c, d]) = buf.get(at..at + 4) else {
        return Ok(None);
    };
    Ok(Some(Head {
        fin,
        opcode,
        mask: [a, b, c, d],
        len: at + 4,
        payload,
    }))
}

/// Unmasks a payload in place (RFC 6455 §5.3), eight bytes at a time.
fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    let [a, b, c, d] = mask;
    let wide = u64::from_ne_bytes([a, b, c, d, a, b, c, d]);
    let mut chunks = payload.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(word) ^ wide).to_ne_bytes());
    }
    // Whole chunks are multiples of 4 bytes, so the mask starts over for the rest.
    for (byte, key) in chunks.into_remainder().iter_mut().zip(mask.iter().cycle()) {
        *byte ^= key;
    }
}

/// A received close frame's code and reason (RFC 6455 §5.5.1, §7.4).
fn close_frame(payload: &[u8]) -> Result<Option<CloseFrame>, FrameError> {
    let (code, reason) = match payload {
        [] => return Ok(None),
        [_] => return Err(FrameError::Protocol("a close payload of one byte")),
        [high, low, reason @ ..] => (u16::from_be_bytes([*high, *low]), reason),
    };
    if !receivable(code) {
        return Err(FrameError::Protocol("a close code no endpoint may send"));
    }
    let reason = std::str::from_utf8(reason).map_err(|_| FrameError::InvalidUtf8)?;
    Ok(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

/// Close codes an endpoint may send: the ones RFC 6455 and IANA define for the wire
/// (1004–1006 and 1015 are reserved or local only), and 3000–4999 for libraries and apps.
fn receivable(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// The bytes `message` takes as a frame, header included.
pub fn encoded_len(message: &Message) -> usize {
    MAX_HEADER + payload_len(message)
}

fn payload_len(message: &Message) -> usize {
    match message {
        Message::Text(text) => text.len(),
        Message::Binary(bytes) | Message::Ping(bytes) | Message::Pong(bytes) => bytes.len(),
        Message::Close(None) => 0,
        Message::Close(Some(frame)) => 2 + reason(frame).len(),
    }
}

/// A close reason cut to what fits in a control frame, at a character boundary.
fn reason(frame: &CloseFrame) -> &str {
    let reason = frame.reason.as_str();
    let mut end = reason.len().min(close::MAX_REASON_BYTES);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason.get(..end).unwrap_or_default()
}

/// Appends `message` to `out` as one unmasked, final frame. Control payloads are the
/// caller's to keep within 125 bytes; a close reason is cut to fit.
pub fn encode(message: &Message, out: &mut Vec<u8>) {
    let opcode = match message {
        Message::Text(_) => TEXT,
        Message::Binary(_) => BINARY,
        Message::Ping(_) => PING,
        Message::Pong(_) => PONG,
        Message::Close(_) => CLOSE,
    };
    let len = payload_len(message);
    out.reserve(MAX_HEADER + len);
    out.put_u8(0x80 | opcode);
    match len {
        0..=125 => out.put_u8(len as u8),
        126..=0xFFFF => {
            out.put_u8(126);
            out.put_u16(len as u16);
        }
        _ => {
            out.put_u8(127);
            out.put_u64(len as u64);
        }
    }
    match message {
        Message::Text(text) => out.put_slice(text.as_bytes()),
        Message::Binary(bytes) | Message::Ping(bytes) | Message::Pong(bytes) => {
            out.put_slice(bytes);
        }
        Message::Close(None) => {}
        Message::Close(Some(frame)) => {
            out.put_u16(frame.code);
            out.put_slice(reason(frame).as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

    /// A client frame: masked, with the shortest length encoding.
    fn frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![u8::from(fin) << 7 | opcode];
        match payload.len() {
            len @ 0..=125 => out.push(0x80 | len as u8),
            len @ 126..=0xFFFF => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(len as u16).to_be_bytes());
            }
            len => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&MASK);
        out.extend(payload.iter().zip(MASK.iter().cycle()).map(|(b, m)| b ^ m));
        out
    }

    fn decode_all(bytes: &[u8]) -> Result<Vec<Message>, FrameError> {
        let mut decoder = Decoder::new(1024, 4096);
        let mut buf = BytesMut::from(bytes);
        let mut messages = Vec::new();
        while let Some(message) = decoder.decode(&mut buf)? {
            messages.push(message);
        }
        assert!(buf.is_empty(), "{} bytes left over", buf.len());
        Ok(messages)
    }

    #[test]
    fn a_masked_text_frame_is_a_text_message() {
        let messages = decode_all(&frame(true, TEXT, "Hello ✓".as_bytes()));
        assert_eq!(messages, Ok(vec![Message::text("Hello ✓")]));
    }

    #[test]
    fn every_payload_length_unmasks_to_what_was_sent() {
        for len in [0, 1, 3, 7, 8, 9, 15, 16, 17, 125, 126, 127, 1000] {
            let payload: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let messages = decode_all(&frame(true, BINARY, &payload));
            assert_eq!(messages, Ok(vec![Message::Binary(payload.into())]), "{len}");
        }
    }

    #[test]
    fn a_frame_arriving_a_byte_at_a_time_waits_and_then_decodes_once() {
        let bytes = frame(true, TEXT, &[b'x'; 300]);
        let mut decoder = Decoder::new(1024, 4096);
        let mut buf = BytesMut::new();
        for (at, byte) in bytes.iter().enumerate() {
            assert_eq!(decoder.decode(&mut buf), Ok(None), "at byte {at}");
            buf.put_u8(*byte);
        }
        let text = "x".repeat(300);
        assert_eq!(decoder.decode(&mut buf), Ok(Some(Message::text(text))));
        assert!(buf.is_empty());
    }

    #[test]
    fn fragments_join_and_control_frames_may_come_between_them() {
        let mut bytes = frame(false, TEXT, b"one ");
        bytes.extend(frame(true, PING, b"p"));
        bytes.extend(frame(false, CONTINUATION, b"two "));
        bytes.extend(frame(true, CONTINUATION, b"three"));
        let messages = decode_all(&bytes);
        assert_eq!(
            messages,
            Ok(vec![
                Message::Ping((&b"p"[..]).into()),
                Message::text("one two three"),
            ])
        );
    }

    #[test]
    fn a_character_cut_between_fragments_is_valid() {
        let check = "✓".as_bytes();
        let mut bytes = frame(false, TEXT, &check[..1]);
        bytes.extend(frame(false, CONTINUATION, &check[1..2]));
        bytes.extend(frame(true, CONTINUATION, &check[2..]));
        assert_eq!(decode_all(&bytes), Ok(vec![Message::text("✓")]));
    }

    #[test]
    fn invalid_utf8_fails_with_its_fragment_not_at_the_end() {
        let mut decoder = Decoder::new(1024, 4096);
        let mut buf = BytesMut::from(&frame(false, TEXT, b"ok \xff")[..]);
        assert_eq!(decoder.decode(&mut buf), Err(FrameError::InvalidUtf8));
        // A character left unfinished by the last fragment is invalid too.
        let mut bytes = frame(false, TEXT, b"ok ");
        bytes.extend(frame(true, CONTINUATION, &"✓".as_bytes()[..2]));
        assert_eq!(decode_all(&bytes), Err(FrameError::InvalidUtf8));
        assert_eq!(
            decode_all(&frame(true, TEXT, b"\xc0\xaf")),
            Err(FrameError::InvalidUtf8)
        );
    }

    #[test]
    fn each_broken_rule_is_a_protocol_error_with_1002() {
        let unmasked = {
            let mut bytes = frame(true, TEXT, b"hi");
            bytes[1] &= 0x7F;
            bytes
        };
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("reserved bit", {
                let mut bytes = frame(true, TEXT, b"hi");
                bytes[0] |= 0x40;
                bytes
            }),
            ("reserved opcode 3", frame(true, 0x3, b"")),
            ("reserved opcode 11", frame(true, 0xB, b"")),
            ("unmasked", unmasked),
            ("fragmented ping", frame(false, PING, b"")),
            ("126-byte ping", frame(true, PING, &[0; 126])),
            ("continuation first", frame(true, CONTINUATION, b"x")),
            ("text inside text", {
                let mut bytes = frame(false, TEXT, b"a");
                bytes.extend(frame(true, TEXT, b"b"));
                bytes
            }),
            ("one-byte close", frame(true, CLOSE, &[3])),
        ];
        for (name, bytes) in cases {
            let error = decode_all(&bytes).expect_err(name);
            assert!(
                matches!(error, FrameError::Protocol(_)),
                "{name}: {error:?}"
            );
            assert_eq!(error.close_code(), 1002, "{name}");
        }
    }

    #[test]
    fn a_frame_over_the_limit_is_refused_from_its_header_alone() {
        let bytes = frame(true, BINARY, &[0; 1025]);
        let mut decoder = Decoder::new(1024, 4096);
        // Only the header has arrived.
        let mut buf = BytesMut::from(&bytes[..8]);
        assert_eq!(decoder.decode(&mut buf), Err(FrameError::TooBig));
        assert_eq!(FrameError::TooBig.close_code(), 1009);
        let mut huge = vec![0x82, 0x80 | 127];
        huge.extend_from_slice(&u64::MAX.to_be_bytes());
        assert!(matches!(decode_all(&huge), Err(FrameError::Protocol(_))));
    }

    #[test]
    fn fragments_over_the_message_limit_are_too_big() {
        let mut bytes = Vec::new();
        for i in 0..4 {
            let opcode = if i == 0 { BINARY } else { CONTINUATION };
            bytes.extend(frame(false, opcode, &[0; 1000]));
        }
        bytes.extend(frame(true, CONTINUATION, &[0; 1000]));
        assert_eq!(decode_all(&bytes), Err(FrameError::TooBig));
    }

    #[test]
    fn close_codes_are_checked_and_the_reason_must_be_utf8() {
        for code in [1000, 1001, 1003, 1007, 1011, 1012, 1014, 3000, 4999] {
            let mut payload = u16::to_be_bytes(code).to_vec();
            payload.extend_from_slice(b"bye");
            let expected = Message::Close(Some(CloseFrame {
                code,
                reason: "bye".into(),
            }));
            assert_eq!(
                decode_all(&frame(true, CLOSE, &payload)),
                Ok(vec![expected])
            );
        }
        for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
            let error = decode_all(&frame(true, CLOSE, &u16::to_be_bytes(code)));
            assert!(matches!(error, Err(FrameError::Protocol(_))), "{code}");
        }
        let mut bad_reason = 1000u16.to_be_bytes().to_vec();
        bad_reason.push(0xff);
        assert_eq!(
            decode_all(&frame(true, CLOSE, &bad_reason)),
            Err(FrameError::InvalidUtf8)
        );
        assert_eq!(
            decode_all(&frame(true, CLOSE, b"")),
            Ok(vec![Message::Close(None)])
        );
    }

    #[test]
    fn arbitrary_bytes_give_messages_or_an_error_never_a_panic() {
        // A fixed xorshift stream: the same cases every run, thousands of them.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 64) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            // Mostly well-formed starts, so the cases get past the first checks.
            if let Some(first) = bytes.first_mut() {
                *first &= 0x8F;
            }
            if let Some(second) = bytes.get_mut(1) {
                *second |= 0x80;
            }
            let mut decoder = Decoder::new(32, 64);
            let mut buf = BytesMut::from(&bytes[..]);
            let mut taken = 0;
            while let Ok(Some(message)) = decoder.decode(&mut buf) {
                taken += 1;
                assert!(
                    taken <= len / 6,
                    "{taken} messages from {len} bytes: {message:?}"
                );
            }
            assert!(buf.len() <= len);
        }
    }

    #[test]
    fn encoding_uses_the_shortest_length_and_no_mask() {
        for (len, header) in [(0, 2), (125, 2), (126, 4), (65535, 4), (65536, 10)] {
            let mut out = Vec::new();
            let message = Message::Binary(vec![7; len].into());
            encode(&message, &mut out);
            assert_eq!(out.len(), header + len, "{len}");
            assert_eq!(out[0], 0x82);
            assert_eq!(out[1] & 0x80, 0, "servers do not mask");
            assert!(out.len() <= encoded_len(&message));
        }
    }

    #[test]
    fn a_close_is_code_then_reason_cut_to_fit_a_control_frame() {
        let mut out = Vec::new();
        let long = "é".repeat(100);
        encode(
            &Message::Close(Some(CloseFrame {
                code: 1001,
                reason: long.as_str().into(),
            })),
            &mut out,
        );
        assert_eq!(out[0], 0x88);
        let len = usize::from(out[1]);
        assert!(len <= 125);
        assert_eq!(&out[2..4], &1001u16.to_be_bytes());
        assert!(std::str::from_utf8(&out[4..]).is_ok());
        assert_eq!(out.len(), 2 + len);
    }
}
