//! A raw WebSocket client over TCP for the tests that need to misbehave: hand-written
//! handshake, frames with any bits set, and no automatic pong (so a test can stay silent).

use std::{net::SocketAddr, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use super::WAIT;

/// A connection that has (or has not) completed the handshake.
pub struct Raw {
    /// The TCP stream.
    pub tcp: TcpStream,
    buffer: Vec<u8>,
}

/// One frame as it came off the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// FIN bit.
    pub fin: bool,
    /// Opcode (1 text, 2 binary, 8 close, 9 ping, 10 pong).
    pub opcode: u8,
    /// Payload, unmasked.
    pub payload: Vec<u8>,
}

impl Frame {
    /// The close code of a close frame (1005 when it has none).
    pub fn close_code(&self) -> Option<u16> {
        (self.opcode == 8).then(|| match self.payload.as_slice() {
            [high, low, ..] => u16::from_be_bytes([*high, *low]),
            _ => 1005,
        })
    }
}

/// The request head of a valid handshake for `path`, with `extra` header lines.
pub fn request(addr: SocketAddr, path: &str, extra: &[&str]) -> String {
    let mut head = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    );
    for line in extra {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

impl Raw {
    /// Connects without sending anything.
    pub async fn connect(addr: SocketAddr) -> Self {
        Self {
            tcp: TcpStream::connect(addr).await.expect("connect"),
            buffer: Vec::new(),
        }
    }

    /// Connects and sends `head` as is; returns the connection and the response status.
    pub async fn send_head(addr: SocketAddr, head: &[u8]) -> (Self, u16) {
        let mut raw = Self::connect(addr).await;
        raw.tcp.write_all(head).await.expect("write request head");
        let status = raw.response_status().await;
        (raw, status)
    }

    /// Connects to `path` with a valid handshake; panics unless it gets 101.
    pub async fn open(addr: SocketAddr, path: &str) -> Self {
        let (raw, status) = Self::send_head(addr, request(addr, path, &[]).as_bytes()).await;
        assert_eq!(status, 101, "handshake to {path}");
        raw
    }

    /// Reads the response head and returns its status code (0 if the server closed first).
    pub async fn response_status(&mut self) -> u16 {
        let head_end = loop {
            if let Some(end) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            if self.fill().await == 0 {
                return 0;
            }
        };
        let head = String::from_utf8_lossy(&self.buffer[..head_end]).into_owned();
        self.buffer.drain(..head_end);
        head.split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0)
    }

    /// Reads more bytes into the buffer; 0 at the end of the stream.
    async fn fill(&mut self) -> usize {
        let mut chunk = [0_u8; 4096];
        let read = tokio::time::timeout(WAIT, self.tcp.read(&mut chunk))
            .await
            .expect("bytes or end of stream in time")
            .unwrap_or(0);
        self.buffer.extend_from_slice(&chunk[..read]);
        read
    }

    /// Writes one masked frame.
    pub async fn send(&mut self, opcode: u8, payload: &[u8]) {
        let mut frame = vec![0x80 | opcode];
        let len = payload.len();
        if len < 126 {
            frame.push(0x80 | len as u8);
        } else if len <= 0xFFFF {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(len as u64).to_be_bytes());
        }
        let mask = [0x37, 0xfa, 0x21, 0x3d];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.tcp.write_all(&frame).await.expect("write frame");
    }

    /// The next frame, or `None` when the server closed the TCP connection.
    pub async fn frame(&mut self) -> Option<Frame> {
        loop {
            if let Some((frame, used)) = parse(&self.buffer) {
                self.buffer.drain(..used);
                return Some(frame);
            }
            if self.fill().await == 0 {
                return None;
            }
        }
    }

    /// Waits (bounded) until the server closes the TCP connection; returns how long it took.
    pub async fn until_closed(&mut self, limit: Duration) -> Option<Duration> {
        let started = std::time::Instant::now();
        let mut chunk = [0_u8; 4096];
        loop {
            match tokio::time::timeout_at(
                tokio::time::Instant::from_std(started + limit),
                self.tcp.read(&mut chunk),
            )
            .await
            {
                Ok(Ok(0) | Err(_)) => return Some(started.elapsed()),
                Ok(Ok(_)) => {}
                Err(_) => return None,
            }
        }
    }
}

/// Parses one unmasked server frame from the start of `bytes`.
fn parse(bytes: &[u8]) -> Option<(Frame, usize)> {
    let [first, second, ..] = *bytes else {
        return None;
    };
    let (len, header) = match second & 0x7f {
        126 => (
            usize::from(u16::from_be_bytes([*bytes.get(2)?, *bytes.get(3)?])),
            4,
        ),
        127 => {
            let raw: [u8; 8] = bytes.get(2..10)?.try_into().ok()?;
            (usize::try_from(u64::from_be_bytes(raw)).ok()?, 10)
        }
        short => (usize::from(short), 2),
    };
    let payload = bytes.get(header..header + len)?.to_vec();
    Some((
        Frame {
            fin: first & 0x80 != 0,
            opcode: first & 0x0f,
            payload,
        },
        header + len,
    ))
}
