//! The wire level of the conformance suite: a raw RFC 6455 client over `TcpStream` with a
//! hand-written HTTP handshake, a frame encoder (with masking) and a frame decoder, plus a
//! bare HTTP exchange for the handshake-abuse cases. Nothing here trusts a WebSocket
//! library, so the suite can send what no library would (bad opcodes, RSV bits, unmasked
//! frames, broken UTF-8) and see exactly what the server answers.

use std::{
    fmt,
    net::SocketAddr,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::timeout,
};
use tokio_tungstenite::tungstenite::handshake::{client::generate_key, derive_accept_key};

/// Upper bound of every single read; expiry fails the case.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Upper bound of every write (all chunks of one step together).
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a response head the client buffers.
const MAX_HEAD: usize = 64 * 1024;

/// Opcodes (RFC 6455 §5.2).
pub mod op {
    /// Continuation frame.
    pub const CONT: u8 = 0x0;
    /// Text frame.
    pub const TEXT: u8 = 0x1;
    /// Binary frame.
    pub const BINARY: u8 = 0x2;
    /// Close frame.
    pub const CLOSE: u8 = 0x8;
    /// Ping frame.
    pub const PING: u8 = 0x9;
    /// Pong frame.
    pub const PONG: u8 = 0xA;
}

/// RSV1 for [`Out::rsv`].
pub const RSV1: u8 = 0b100;
/// RSV2 for [`Out::rsv`].
pub const RSV2: u8 = 0b010;
/// RSV3 for [`Out::rsv`].
pub const RSV3: u8 = 0b001;

/// A frame the client sends: FIN set, no RSV bits, masked, unless changed.
#[derive(Debug, Clone)]
pub struct Out {
    /// FIN bit.
    pub fin: bool,
    /// RSV1..3 as three bits (RSV1 is the highest).
    pub rsv: u8,
    /// Opcode (4 bits).
    pub opcode: u8,
    /// Whether the frame is masked (clients MUST mask).
    pub masked: bool,
    /// Unmasked payload.
    pub payload: Vec<u8>,
}

impl Out {
    /// A final, masked frame without RSV bits.
    pub fn new(opcode: u8, payload: impl Into<Vec<u8>>) -> Self {
        Self {
            fin: true,
            rsv: 0,
            opcode,
            masked: true,
            payload: payload.into(),
        }
    }

    /// Sets the FIN bit.
    pub fn fin(mut self, fin: bool) -> Self {
        self.fin = fin;
        self
    }

    /// Sets RSV bits ([`RSV1`] | [`RSV2`] | [`RSV3`]).
    pub fn rsv(mut self, bits: u8) -> Self {
        self.rsv = bits & 0b111;
        self
    }

    /// Sends the frame without a mask (a protocol error from a client).
    pub fn unmasked(mut self) -> Self {
        self.masked = false;
        self
    }

    /// The frame's bytes on the wire, with a fresh masking key.
    pub fn encode(&self) -> Vec<u8> {
        let len = self.payload.len();
        let mut wire = Vec::with_capacity(len + 14);
        wire.push((u8::from(self.fin) << 7) | (self.rsv << 4) | (self.opcode & 0x0F));
        let mask_bit = u8::from(self.masked) << 7;
        match len {
            0..=125 => wire.push(mask_bit | len as u8),
            126..=0xFFFF => {
                wire.push(mask_bit | 126);
                wire.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                wire.push(mask_bit | 127);
                wire.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        if self.masked {
            let key = masking_key();
            wire.extend_from_slice(&key);
            wire.extend(
                self.payload
                    .iter()
                    .enumerate()
                    .map(|(i, byte)| byte ^ key[i % 4]),
            );
        } else {
            wire.extend_from_slice(&self.payload);
        }
        wire
    }
}

/// A fresh masking key per frame (splitmix64 over a counter: varied, reproducible, and no
/// key is all zeros, so a server that forgets to unmask is caught).
fn masking_key() -> [u8; 4] {
    static COUNTER: AtomicU64 = AtomicU64::new(0x5EED);
    let mut z = COUNTER
        .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let mut key = (z as u32).to_be_bytes();
    for byte in &mut key {
        if *byte == 0 {
            *byte = 0xA5;
        }
    }
    key
}

/// A text frame.
pub fn text(payload: impl AsRef<[u8]>) -> Out {
    Out::new(op::TEXT, payload.as_ref())
}

/// A binary frame.
pub fn binary(payload: impl AsRef<[u8]>) -> Out {
    Out::new(op::BINARY, payload.as_ref())
}

/// A continuation frame (FIN set; clear it with [`Out::fin`]).
pub fn cont(payload: impl AsRef<[u8]>) -> Out {
    Out::new(op::CONT, payload.as_ref())
}

/// A ping frame.
pub fn ping(payload: impl AsRef<[u8]>) -> Out {
    Out::new(op::PING, payload.as_ref())
}

/// A pong frame.
pub fn pong(payload: impl AsRef<[u8]>) -> Out {
    Out::new(op::PONG, payload.as_ref())
}

/// A close frame with a status code and a reason.
pub fn close_frame(code: u16, reason: impl AsRef<[u8]>) -> Out {
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(reason.as_ref());
    Out::new(op::CLOSE, payload)
}

/// A close frame with exactly this payload (empty, one byte, too long...).
pub fn close_raw(payload: impl AsRef<[u8]>) -> Out {
    Out::new(op::CLOSE, payload.as_ref())
}

/// A frame of any opcode.
pub fn frame(opcode: u8, payload: impl AsRef<[u8]>) -> Out {
    Out::new(opcode, payload.as_ref())
}

/// A frame the server sent, as decoded.
#[derive(Debug, Clone)]
pub struct In {
    /// FIN bit.
    pub fin: bool,
    /// RSV1..3 as three bits.
    pub rsv: u8,
    /// Opcode.
    pub opcode: u8,
    /// Whether the server masked it (it MUST NOT).
    pub masked: bool,
    /// Payload (unmasked if it was masked).
    pub payload: Vec<u8>,
}

impl fmt::Display for In {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.opcode {
            op::CONT => "continuation",
            op::TEXT => "text",
            op::BINARY => "binary",
            op::CLOSE => return f.write_str(&describe_close(&self.payload)),
            op::PING => "ping",
            op::PONG => "pong",
            _ => "reserved-opcode",
        };
        write!(f, "{name} frame of {} B", self.payload.len())?;
        if !self.fin {
            f.write_str(" (FIN=0)")?;
        }
        Ok(())
    }
}

/// "close 1002 'reason'", "close (no code)" or what is wrong with the payload.
pub fn describe_close(payload: &[u8]) -> String {
    match payload {
        [] => "close (no code)".to_owned(),
        [_] => "close with a 1-byte payload (invalid)".to_owned(),
        [high, low, reason @ ..] => {
            let code = u16::from_be_bytes([*high, *low]);
            match std::str::from_utf8(reason) {
                Ok("") => format!("close {code}"),
                Ok(reason) => format!("close {code} '{}'", shorten(reason, 40)),
                Err(_) => format!("close {code} with a reason that is not UTF-8"),
            }
        }
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}

/// What the next read from the server gave.
#[derive(Debug)]
pub enum Arrival {
    /// A whole frame.
    Frame(In),
    /// The server closed TCP (EOF or reset); says which, and how many bytes of a
    /// half-received frame were left.
    Closed(String),
    /// Nothing within [`READ_TIMEOUT`].
    Timeout,
}

/// A WebSocket client over raw TCP, after a successful handshake.
pub struct RawClient {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Whether a close frame has been sent (so a server close is the reply, not the start).
    pub sent_close: bool,
}

impl RawClient {
    /// Opens TCP to `addr`, upgrades `path` and checks the 101 answer (status, `Upgrade`,
    /// `Connection`, `Sec-WebSocket-Accept`).
    pub async fn connect(addr: SocketAddr, path: &str) -> Result<Self, String> {
        Self::upgrade(connect_tcp(addr).await?, addr, path).await
    }

    /// [`RawClient::connect`] over a TCP stream the caller opened (with its own socket
    /// options).
    pub async fn upgrade(
        mut stream: TcpStream,
        addr: SocketAddr,
        path: &str,
    ) -> Result<Self, String> {
        let key = generate_key();
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        write_bounded(&mut stream, request.as_bytes(), None)
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        let mut buf = Vec::new();
        let response = match read_head(&mut stream, &mut buf).await {
            Reply::Response(response) => response,
            other => return Err(format!("handshake: {other}")),
        };
        if response.status != 101 {
            return Err(format!("handshake: {response}"));
        }
        let accept = derive_accept_key(key.as_bytes());
        let checks = [
            ("Upgrade", "websocket"),
            ("Connection", "upgrade"),
            ("Sec-WebSocket-Accept", accept.as_str()),
        ];
        for (name, want) in checks {
            let got = response.header(name).unwrap_or("");
            let ok = if name == "Sec-WebSocket-Accept" {
                got == want
            } else {
                got.split(',')
                    .any(|token| token.trim().eq_ignore_ascii_case(want))
            };
            if !ok {
                return Err(format!("handshake: {name} is '{got}', expected '{want}'"));
            }
        }
        Ok(Self {
            stream,
            buf,
            sent_close: false,
        })
    }

    /// Writes `bytes` at once, or `chunk` bytes per write call.
    pub async fn write(&mut self, bytes: &[u8], chunk: Option<usize>) -> Result<(), String> {
        write_bounded(&mut self.stream, bytes, chunk).await
    }

    /// Encodes and writes frames (all in one write, or in `chunk`-byte pieces).
    pub async fn send(&mut self, frames: &[Out], chunk: Option<usize>) -> Result<(), String> {
        let wire: Vec<u8> = frames.iter().flat_map(Out::encode).collect();
        if frames.iter().any(|f| f.opcode == op::CLOSE) {
            self.sent_close = true;
        }
        self.write(&wire, chunk).await
    }

    /// The next frame, the end of the connection, or a timeout.
    pub async fn incoming(&mut self) -> Arrival {
        match timeout(READ_TIMEOUT, self.read_frame()).await {
            Ok(Ok(frame)) => Arrival::Frame(frame),
            Ok(Err(closed)) => Arrival::Closed(closed),
            Err(_) => Arrival::Timeout,
        }
    }

    async fn read_frame(&mut self) -> Result<In, String> {
        self.fill(2).await?;
        let (b0, b1) = (self.buf[0], self.buf[1]);
        let masked = b1 & 0x80 != 0;
        let (len, mut at) = match b1 & 0x7F {
            126 => {
                self.fill(4).await?;
                (u64::from(u16::from_be_bytes([self.buf[2], self.buf[3]])), 4)
            }
            127 => {
                self.fill(10).await?;
                let mut be = [0; 8];
                be.copy_from_slice(&self.buf[2..10]);
                (u64::from_be_bytes(be), 10)
            }
            short => (u64::from(short), 2),
        };
        // The server never sends more than the suite's messages; refuse absurd lengths
        // instead of allocating them.
        let len = usize::try_from(len)
            .ok()
            .filter(|&len| len <= 16 * 1024 * 1024)
            .ok_or_else(|| format!("server frame claims {len} B"))?;
        let mut key = None;
        if masked {
            self.fill(at + 4).await?;
            key = Some([
                self.buf[at],
                self.buf[at + 1],
                self.buf[at + 2],
                self.buf[at + 3],
            ]);
            at += 4;
        }
        self.fill(at + len).await?;
        let mut payload: Vec<u8> = self.buf.drain(..at + len).skip(at).collect();
        if let Some(key) = key {
            for (i, byte) in payload.iter_mut().enumerate() {
                *byte ^= key[i % 4];
            }
        }
        Ok(In {
            fin: b0 & 0x80 != 0,
            rsv: (b0 >> 4) & 0b111,
            opcode: b0 & 0x0F,
            masked,
            payload,
        })
    }

    /// Reads until the buffer holds `n` bytes; `Err` says how TCP ended.
    async fn fill(&mut self, n: usize) -> Result<(), String> {
        while self.buf.len() < n {
            let partial = if self.buf.is_empty() {
                String::new()
            } else {
                format!(" ({} B of a frame pending)", self.buf.len())
            };
            match self.stream.read_buf(&mut self.buf).await {
                Ok(0) => return Err(format!("EOF{partial}")),
                Ok(_) => {}
                Err(error) => return Err(format!("{}{partial}", error.kind())),
            }
        }
        Ok(())
    }
}

/// TCP to `addr`, Nagle off (chunked writes must leave as written), bounded in time.
pub async fn connect_tcp(addr: SocketAddr) -> Result<TcpStream, String> {
    let stream = timeout(READ_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| "TCP connect timed out".to_owned())?
        .map_err(|e| format!("TCP connect: {e}"))?;
    stream
        .set_nodelay(true)
        .map_err(|e| format!("set_nodelay: {e}"))?;
    Ok(stream)
}

/// Writes all of `bytes` (in `chunk`-byte pieces if given) within [`WRITE_TIMEOUT`].
pub async fn write_bounded(
    stream: &mut TcpStream,
    bytes: &[u8],
    chunk: Option<usize>,
) -> Result<(), String> {
    let write = async {
        match chunk {
            None => stream.write_all(bytes).await,
            Some(size) => {
                for piece in bytes.chunks(size.max(1)) {
                    stream.write_all(piece).await?;
                }
                Ok(())
            }
        }
    };
    match timeout(WRITE_TIMEOUT, write).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(format!("write failed: {}", error.kind())),
        Err(_) => Err(format!("write stalled for {WRITE_TIMEOUT:?}")),
    }
}

/// An HTTP response head (and a short body, when it has a small `Content-Length`).
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// Header fields in order.
    pub headers: Vec<(String, String)>,
    /// The start of the body, if one was read.
    pub body: String,
}

impl HttpResponse {
    /// The first header field called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Display for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} {}", self.status, self.reason)?;
        for name in [
            "Sec-WebSocket-Version",
            "Sec-WebSocket-Protocol",
            "Connection",
        ] {
            if let Some(value) = self.header(name) {
                write!(f, ", {name}: {}", shorten(value, 40))?;
            }
        }
        if !self.body.is_empty() {
            write!(f, ", body '{}'", shorten(self.body.trim(), 60))?;
        }
        Ok(())
    }
}

/// What an HTTP exchange gave.
#[derive(Debug)]
pub enum Reply {
    /// A parsed response head.
    Response(HttpResponse),
    /// TCP ended (how) before a complete response head.
    Closed(String),
    /// Nothing complete within [`READ_TIMEOUT`].
    Timeout,
    /// Bytes that are not an HTTP response.
    Garbage(String),
}

impl Reply {
    /// The status code, if there was a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Response(response) => Some(response.status),
            _ => None,
        }
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Response(response) => response.fmt(f),
            Self::Closed(how) => write!(f, "connection closed without a response ({how})"),
            Self::Timeout => write!(f, "no response within {READ_TIMEOUT:?}"),
            Self::Garbage(what) => write!(f, "not an HTTP response: {what}"),
        }
    }
}

/// Sends `request` on a fresh connection and reads the response head. A failed write is
/// not fatal (a server may answer and close before reading everything); it is reported
/// only if no response arrives either.
pub async fn http_exchange(addr: SocketAddr, request: &[u8]) -> Reply {
    let mut stream = match connect_tcp(addr).await {
        Ok(stream) => stream,
        Err(error) => return Reply::Closed(error),
    };
    let written = write_bounded(&mut stream, request, None).await;
    let mut buf = Vec::new();
    match read_head(&mut stream, &mut buf).await {
        Reply::Closed(how) => match written {
            Ok(()) => Reply::Closed(how),
            Err(write) => Reply::Closed(format!("{how}; {write}")),
        },
        reply => reply,
    }
}

/// Reads a response head into `buf` (leaving any bytes after it there).
pub async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Reply {
    let head_end = timeout(READ_TIMEOUT, async {
        loop {
            if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                return Ok(at + 4);
            }
            if buf.len() > MAX_HEAD {
                return Err(Reply::Garbage(format!("no end of head in {MAX_HEAD} B")));
            }
            match stream.read_buf(buf).await {
                Ok(0) if buf.is_empty() => return Err(Reply::Closed("EOF".to_owned())),
                Ok(0) => {
                    return Err(Reply::Closed(format!(
                        "EOF after {} B of a head",
                        buf.len()
                    )));
                }
                Ok(_) => {}
                Err(error) => return Err(Reply::Closed(error.kind().to_string())),
            }
        }
    })
    .await;
    let head_end = match head_end {
        Ok(Ok(at)) => at,
        Ok(Err(reply)) => return reply,
        Err(_) => return Reply::Timeout,
    };
    let head: Vec<u8> = buf.drain(..head_end).collect();
    let head = String::from_utf8_lossy(&head);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let (Some(version), Some(code)) = (parts.next(), parts.next()) else {
        return Reply::Garbage(shorten(status_line, 60));
    };
    let Some(status) = code.parse().ok().filter(|_| version.starts_with("HTTP/1.")) else {
        return Reply::Garbage(shorten(status_line, 60));
    };
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let mut response = HttpResponse {
        status,
        reason: parts.next().unwrap_or("").to_owned(),
        headers,
        body: String::new(),
    };
    // A short body says which check failed ("WebSocket version not supported"...).
    if status != 101
        && let Some(len) = response
            .header("Content-Length")
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&len| len <= 4096)
    {
        let body = timeout(READ_TIMEOUT, async {
            while buf.len() < len {
                match stream.read_buf(buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        })
        .await;
        if body.is_ok() {
            response.body = String::from_utf8_lossy(&buf[..len.min(buf.len())]).into_owned();
        }
    }
    Reply::Response(response)
}
