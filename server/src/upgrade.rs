//! [`Upgrade`]: the WebSocket handshake (RFC 6455 §4.2) as an axum extractor, handing the
//! endpoint the connection's own stream.
//!
//! The gate ([`crate::gate`]) has checked the version, key, protocol header and origin by
//! the time a handler runs; the extractor checks what makes a request an upgrade (GET over
//! HTTP/1.1, `Connection: upgrade`, `Upgrade: websocket`), picks the subprotocol, and
//! answers 101 with `Sec-WebSocket-Accept`. After the 101 the connection is taken back
//! from hyper: the TCP or TLS stream itself when [`crate::serve`] accepted it, hyper's
//! upgraded IO otherwise (a router served some other way), with whatever the client sent
//! past the request head kept for the first read. [`crate::conn::Conn`] reads and writes
//! frames on it ([`crate::frame`]); there is no WebSocket library underneath.

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, HeaderValue, Method, StatusCode, Version, header, request::Parts},
    response::{IntoResponse, Response},
};
use base64::Engine;
use bytes::BytesMut;
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
};
use tokio_rustls::server::TlsStream;
use tokio_util::either::Either;

/// The stream [`crate::serve`] gives hyper for each connection.
pub(crate) type Served = TokioIo<Either<TcpStream, TlsStream<TcpStream>>>;

/// The GUID RFC 6455 §1.3 appends to the key before hashing it.
const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Why a request cannot be upgraded: each is answered with its status and says why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UpgradeRefusal {
    /// Not a GET.
    #[error("a WebSocket handshake is a GET request")]
    Method,
    /// HTTP/1.0, or HTTP/2 (this server upgrades over HTTP/1.1 only).
    #[error("a WebSocket handshake needs HTTP/1.1")]
    Version,
    /// `Connection` does not list `upgrade`.
    #[error("the Connection header must include 'upgrade'")]
    Connection,
    /// `Upgrade` is not `websocket`.
    #[error("the Upgrade header must be 'websocket'")]
    Upgrade,
    /// No `Sec-WebSocket-Key`.
    #[error("missing Sec-WebSocket-Key")]
    Key,
    /// The connection cannot be taken over (hyper served it without upgrades).
    #[error("this connection cannot be upgraded")]
    NotUpgradable,
}

impl IntoResponse for UpgradeRefusal {
    fn into_response(self) -> Response {
        let status = match self {
            Self::Method => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotUpgradable => StatusCode::UPGRADE_REQUIRED,
            _ => StatusCode::BAD_REQUEST,
        };
        (status, self.to_string()).into_response()
    }
}

/// A WebSocket handshake the handler may accept (see the module docs).
#[derive(Debug)]
pub struct Upgrade {
    accept: HeaderValue,
    offered: Vec<HeaderValue>,
    protocol: Option<&'static str>,
    on_upgrade: OnUpgrade,
}

/// Whether a comma-separated header lists `token` (ASCII case-insensitive).
fn lists(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|value| {
        value
            .as_bytes()
            .split(|b| *b == b',')
            .any(|item| item.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
    })
}

/// `Sec-WebSocket-Accept` for a key: base64 of the SHA-1 of key and GUID.
pub fn accept_key(key: &[u8]) -> String {
    let mut sha1 = sha1_smol::Sha1::new();
    sha1.update(key);
    sha1.update(GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(sha1.digest().bytes())
}

impl<S: Send + Sync> FromRequestParts<S> for Upgrade {
    type Rejection = UpgradeRefusal;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if parts.method != Method::GET {
            return Err(UpgradeRefusal::Method);
        }
        if parts.version != Version::HTTP_11 {
            return Err(UpgradeRefusal::Version);
        }
        let headers = &parts.headers;
        if !lists(headers, header::CONNECTION, "upgrade") {
            return Err(UpgradeRefusal::Connection);
        }
        let websocket = headers
            .get(header::UPGRADE)
            .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"websocket"));
        if !websocket {
            return Err(UpgradeRefusal::Upgrade);
        }
        let key = headers
            .get(header::SEC_WEBSOCKET_KEY)
            .ok_or(UpgradeRefusal::Key)?;
        let accept =
            HeaderValue::try_from(accept_key(key.as_bytes())).map_err(|_| UpgradeRefusal::Key)?;
        let offered = headers
            .get_all(header::SEC_WEBSOCKET_PROTOCOL)
            .iter()
            .flat_map(|value| value.as_bytes().split(|b| *b == b','))
            .filter_map(|item| HeaderValue::from_bytes(item.trim_ascii()).ok())
            .collect();
        let on_upgrade = parts
            .extensions
            .remove::<OnUpgrade>()
            .ok_or(UpgradeRefusal::NotUpgradable)?;
        Ok(Self {
            accept,
            offered,
            protocol: None,
            on_upgrade,
        })
    }
}

impl Upgrade {
    /// Agrees to the first of `protocols` (the server's order of preference) that the
    /// client offered; none is agreed when the client offered none of them.
    #[must_use]
    pub fn protocols(mut self, protocols: impl IntoIterator<Item = &'static str>) -> Self {
        self.protocol = protocols
            .into_iter()
            .find(|ours| self.offered.iter().any(|offered| offered == ours));
        self
    }

    /// Answers 101 and runs `handler` on the connection once hyper has sent the answer.
    pub fn on_upgrade<F, Fut>(self, handler: F) -> Response
    where
        F: FnOnce(Socket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let on_upgrade = self.on_upgrade;
        tokio::spawn(async move {
            match on_upgrade.await {
                Ok(upgraded) => handler(Socket::from(upgraded)).await,
                Err(error) => tracing::debug!(%error, "the upgrade did not complete"),
            }
        });
        let mut response = StatusCode::SWITCHING_PROTOCOLS.into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(header::SEC_WEBSOCKET_ACCEPT, self.accept);
        if let Some(protocol) = self.protocol {
            headers.insert(
                header::SEC_WEBSOCKET_PROTOCOL,
                HeaderValue::from_static(protocol),
            );
        }
        response
    }
}

/// An upgraded connection: its stream, and the bytes the client sent after the request head
/// that hyper had read already.
#[derive(Debug)]
pub struct Socket {
    pub(crate) io: Io,
    pub(crate) read: BytesMut,
}

impl From<Upgraded> for Socket {
    fn from(upgraded: Upgraded) -> Self {
        match upgraded.downcast::<Served>() {
            Ok(parts) => {
                let io = match parts.io.into_inner() {
                    Either::Left(tcp) => Io::Tcp(tcp),
                    Either::Right(tls) => Io::Tls(Box::new(tls)),
                };
                Self {
                    io,
                    read: BytesMut::from(&parts.read_buf[..]),
                }
            }
            Err(upgraded) => Self {
                io: Io::Upgraded(TokioIo::new(upgraded)),
                read: BytesMut::new(),
            },
        }
    }
}

/// The stream under a WebSocket: one `match` per call instead of a boxed trait object.
#[derive(Debug)]
pub(crate) enum Io {
    Tcp(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    /// A connection hyper was given as some other type: its upgraded IO.
    Upgraded(TokioIo<Upgraded>),
}

impl AsyncRead for Io {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(io) => Pin::new(io).poll_read(cx, buf),
            Self::Tls(io) => Pin::new(io.as_mut()).poll_read(cx, buf),
            Self::Upgraded(io) => Pin::new(io).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(io) => Pin::new(io).poll_write(cx, buf),
            Self::Tls(io) => Pin::new(io.as_mut()).poll_write(cx, buf),
            Self::Upgraded(io) => Pin::new(io).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(io) => Pin::new(io).poll_flush(cx),
            Self::Tls(io) => Pin::new(io.as_mut()).poll_flush(cx),
            Self::Upgraded(io) => Pin::new(io).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(io) => Pin::new(io).poll_shutdown(cx),
            Self::Tls(io) => Pin::new(io.as_mut()).poll_shutdown(cx),
            Self::Upgraded(io) => Pin::new(io).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_accept_key_is_the_one_rfc_6455_works_out() {
        // RFC 6455 §1.3's example.
        assert_eq!(
            accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn connection_tokens_are_found_in_lists_in_any_case() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, Upgrade"),
        );
        assert!(lists(&headers, header::CONNECTION, "upgrade"));
        headers.insert(header::CONNECTION, HeaderValue::from_static("keep-alive"));
        assert!(!lists(&headers, header::CONNECTION, "upgrade"));
    }
}
