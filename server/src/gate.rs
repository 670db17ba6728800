//! The gate in front of every WebSocket endpoint: checks a handshake before it upgrades.
//!
//! In order, a request to a WebSocket path is refused with
//! - **426** and `Sec-WebSocket-Version: 13` when it asks for another protocol version
//!   (RFC 6455 §4.2.2);
//! - **400** when `Sec-WebSocket-Key` is missing or is not 16 bytes in base64 (§4.1);
//! - **431** when `Sec-WebSocket-Protocol` is longer than [`MAX_PROTOCOL_HEADER`];
//! - **403** when its `Origin` is not allowed (see [`Origins`]);
//! - **503** with `Retry-After` during a restart drill; then when the client's address is
//!   over one of its own limits (open connections, handshakes per second: see
//!   [`crate::clients`]); then when the server already has its maximum number of WebSocket
//!   connections.
//!
//! The client's address is the TCP peer's, or the one a trusted proxy forwards for (see
//! [`crate::peer`]); the gate puts it in the request as a [`ClientAddr`] for the endpoint.
//!
//! A request without `Upgrade: websocket` goes through the same availability checks (503
//! during a drill or at the maximum, holding a slot while it is answered), then the
//! endpoint's own extractor answers it (400, or 405 for a method other than GET).
//!
//! The maximum is kept with a semaphore: the gate takes a [`Slot`] before the upgrade and
//! hands it to the endpoint in the request, and the connection holds it until it ends. So
//! handshakes in flight together are counted too (a count of open connections, checked
//! before the upgrade, let them all through).

use std::{fmt, str::FromStr, sync::Arc};

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::Engine;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{
    AppState,
    clients::{AddressSlot, OverLimit},
    peer::{ClientAddr, peer_of},
};

/// Longest `Sec-WebSocket-Protocol` header accepted, in bytes: room for dozens of names.
pub const MAX_PROTOCOL_HEADER: usize = 1024;

/// The `trunk serve` development origins, allowed by default.
pub const DEV_ORIGINS: [&str; 2] = ["http://127.0.0.1:8081", "http://localhost:8081"];

/// Port part of an allowed origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Port {
    /// The scheme's default port (80 or 443), which browsers leave out.
    Default,
    /// This port.
    Is(u16),
    /// Any port (`:*`).
    Any,
}

/// One allowed origin: `scheme://host[:port]`, `scheme://host:*` for every port, or `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigin {
    /// Every origin (for local experiments only).
    Any,
    /// One scheme and host, on one port or on every port.
    Site {
        /// `http` or `https`.
        scheme: String,
        /// Lowercase host name or address.
        host: String,
        /// Which port.
        port: PortRule,
    },
}

/// The port rule of an [`AllowedOrigin::Site`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRule(Port);

impl FromStr for AllowedOrigin {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "*" {
            return Ok(Self::Any);
        }
        let bad = || {
            format!(
                "{text:?} is not an origin: write scheme://host or scheme://host:port \
                 (port may be *), e.g. https://example.github.io"
            )
        };
        let (scheme, rest) = text.split_once("://").ok_or_else(bad)?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(bad());
        }
        if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
            return Err(bad());
        }
        let (host, port) = match rest.rsplit_once(':') {
            // An IPv6 literal without a port: `[::1]`.
            Some((_, tail)) if tail.ends_with(']') => (rest, Port::Default),
            Some((host, "*")) => (host, Port::Any),
            Some((host, port)) => (host, Port::Is(port.parse().map_err(|_| bad())?)),
            None => (rest, Port::Default),
        };
        if host.is_empty() {
            return Err(bad());
        }
        Ok(Self::Site {
            scheme,
            host: host.to_ascii_lowercase(),
            port: PortRule(port),
        })
    }
}

impl fmt::Display for AllowedOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("*"),
            Self::Site { scheme, host, port } => match port.0 {
                Port::Default => write!(f, "{scheme}://{host}"),
                Port::Is(port) => write!(f, "{scheme}://{host}:{port}"),
                Port::Any => write!(f, "{scheme}://{host}:*"),
            },
        }
    }
}

impl AllowedOrigin {
    /// Whether the `Origin` header value `origin` matches.
    fn admits(&self, origin: &str) -> bool {
        let Self::Site { scheme, host, port } = self else {
            return true;
        };
        let Ok(Self::Site {
            scheme: their_scheme,
            host: their_host,
            port: their_port,
        }) = origin.parse::<Self>()
        else {
            return false;
        };
        if *scheme != their_scheme || *host != their_host {
            return false;
        }
        let default = if scheme == "https" { 443 } else { 80 };
        let number = |rule: Port| match rule {
            Port::Default => Some(default),
            Port::Is(port) => Some(port),
            Port::Any => None,
        };
        match port.0 {
            Port::Any => true,
            rule => number(rule) == number(their_port.0),
        }
    }
}

/// The origins whose pages may open WebSockets here.
///
/// A browser sends `Origin` with every WebSocket handshake; a page on another site must
/// not be able to use a visitor's browser to talk to this server (cross-site WebSocket
/// hijacking). Always allowed: the server's own pages (the `Origin` names the host the
/// request was sent to) and clients that send no `Origin` at all (they are not browsers,
/// and could send any value anyway). Everything else must be on the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origins(Vec<AllowedOrigin>);

impl Default for Origins {
    /// The `trunk serve` development origins.
    fn default() -> Self {
        Self(
            DEV_ORIGINS
                .iter()
                .filter_map(|origin| origin.parse().ok())
                .collect(),
        )
    }
}

impl Origins {
    /// Exactly these origins (besides the server's own).
    pub fn new(allowed: Vec<AllowedOrigin>) -> Self {
        Self(allowed)
    }

    /// The list, for the start-up log.
    pub fn allowed(&self) -> &[AllowedOrigin] {
        &self.0
    }

    /// Whether a handshake with these headers may go on.
    pub fn admit(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return true;
        };
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        let same_site = origin
            .split_once("://")
            .zip(headers.get(header::HOST).and_then(|h| h.to_str().ok()))
            .is_some_and(|((_, authority), host)| authority.eq_ignore_ascii_case(host));
        same_site || self.0.iter().any(|allowed| allowed.admits(origin))
    }
}

/// Why a handshake was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `Sec-WebSocket-Version` is not 13.
    Version,
    /// `Sec-WebSocket-Key` is missing or malformed.
    Key(&'static str),
    /// `Sec-WebSocket-Protocol` is too long.
    ProtocolHeader,
    /// The page's origin is not allowed.
    Origin(String),
    /// A restart drill: try again after this many seconds.
    Restarting(u64),
    /// The client's address holds its maximum of open connections.
    AddressFull,
    /// The client's address started too many handshakes lately: try again after this many
    /// seconds.
    AddressRate(u64),
    /// All connection slots are taken.
    Full,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::Version => (
                StatusCode::UPGRADE_REQUIRED,
                [(
                    header::SEC_WEBSOCKET_VERSION,
                    HeaderValue::from_static("13"),
                )],
                "unsupported WebSocket version: this server speaks version 13",
            )
                .into_response(),
            Self::Key(problem) => (StatusCode::BAD_REQUEST, problem).into_response(),
            Self::ProtocolHeader => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                format!("Sec-WebSocket-Protocol is longer than {MAX_PROTOCOL_HEADER} bytes"),
            )
                .into_response(),
            Self::Origin(origin) => (
                StatusCode::FORBIDDEN,
                format!(
                    "origin {origin} is not allowed; start the server with --allow-origin {origin}"
                ),
            )
                .into_response(),
            Self::Restarting(seconds) => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, seconds.to_string())],
                "restarting: try again shortly",
            )
                .into_response(),
            Self::AddressFull => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "1".to_owned())],
                "too many connections from your address: close some, then try again",
            )
                .into_response(),
            Self::AddressRate(seconds) => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, seconds.to_string())],
                "too many new connections from your address: try again shortly",
            )
                .into_response(),
            Self::Full => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "1".to_owned())],
                "too many connections: try again shortly",
            )
                .into_response(),
        }
    }
}

/// Checks the WebSocket headers of a handshake (see the module docs for the order).
pub fn check_handshake(headers: &HeaderMap, origins: &Origins) -> Result<(), Refusal> {
    let upgrade = headers
        .get(header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"));
    if !upgrade {
        return Ok(());
    }
    if headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_none_or(|version| version.as_bytes() != b"13")
    {
        return Err(Refusal::Version);
    }
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .ok_or(Refusal::Key("missing Sec-WebSocket-Key"))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(key.as_bytes())
        .map_err(|_| Refusal::Key("Sec-WebSocket-Key is not base64"))?;
    if decoded.len() != 16 {
        return Err(Refusal::Key(
            "Sec-WebSocket-Key must be 16 random bytes in base64",
        ));
    }
    let protocols: usize = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .map(|value| value.len())
        .sum();
    if protocols > MAX_PROTOCOL_HEADER {
        return Err(Refusal::ProtocolHeader);
    }
    if !origins.admit(headers) {
        let origin = headers
            .get(header::ORIGIN)
            .map(|o| String::from_utf8_lossy(o.as_bytes()).into_owned())
            .unwrap_or_default();
        return Err(Refusal::Origin(origin));
    }
    Ok(())
}

/// Middleware on the WebSocket routes: the handshake checks, then availability.
pub(crate) async fn gate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = peer_of(request.extensions());
    let client = state.proxies.client(peer, request.headers());
    if peer.is_loopback()
        && !state.proxies.trusts(peer)
        && request.headers().contains_key("x-forwarded-for")
    {
        warn_untrusted_proxy_once(peer);
    }
    if let Err(refusal) = check_handshake(request.headers(), &state.origins) {
        tracing::info!(?refusal, %client, path = %request.uri().path(), "handshake refused");
        return refusal.into_response();
    }
    if let Some(left) = state.shutdown.unavailable() {
        return Refusal::Restarting(left.as_secs().max(1)).into_response();
    }
    let address = match state.clients.admit(client, tokio::time::Instant::now()) {
        Ok(address) => address,
        Err(over) => {
            // Per refusal at debug: an address hammering the server must not flood the log.
            tracing::debug!(?over, %client, "connection refused: over the address's limit");
            return match over {
                OverLimit::Connections => Refusal::AddressFull,
                OverLimit::Handshakes(wait) => Refusal::AddressRate(
                    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1),
                ),
            }
            .into_response();
        }
    };
    let Ok(permit) = Arc::clone(&state.slots.0).try_acquire_owned() else {
        state.clients.refund(address);
        tracing::warn!(
            max = state.limits.max_connections,
            "connection refused: at the maximum"
        );
        return Refusal::Full.into_response();
    };
    request.extensions_mut().insert(client);
    request.extensions_mut().insert(Slot(Arc::new(Held {
        client,
        _permit: permit,
        _address: address,
    })));
    next.run(request).await
}

/// Says once per process that a peer on this machine forwards for clients without being a
/// trusted proxy: every visitor then has its address (one shared limit, and drills allowed
/// to all under `--drills loopback`).
fn warn_untrusted_proxy_once(peer: std::net::IpAddr) {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        tracing::warn!(
            %peer,
            "a request from this machine carries X-Forwarded-For, which is ignored: if a proxy \
             runs here, start the server with --trusted-proxy {peer}"
        );
    }
}

/// The WebSocket connections the server may hold at once ([`crate::Limits::max_connections`]).
#[derive(Debug, Clone)]
pub struct Slots(Arc<Semaphore>);

impl Slots {
    /// `max` slots, all free.
    pub fn new(max: usize) -> Self {
        Self(Arc::new(Semaphore::new(max.min(Semaphore::MAX_PERMITS))))
    }

    /// How many are free.
    pub fn free(&self) -> usize {
        self.0.available_permits()
    }
}

/// One of the [`Slots`] and one of its address's connections, taken by the gate for a
/// handshake and held by the connection until it ends; an endpoint extracts it from the
/// request.
#[derive(Debug, Clone)]
pub struct Slot(Arc<Held>);

/// What a [`Slot`] gives back when the connection ends, and whose it is.
#[derive(Debug)]
struct Held {
    client: ClientAddr,
    _permit: OwnedSemaphorePermit,
    _address: AddressSlot,
}

impl Slot {
    /// Whose connection this is.
    pub fn client(&self) -> ClientAddr {
        self.0.client
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Slot {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.remove::<Self>().ok_or((
            StatusCode::INTERNAL_SERVER_ERROR,
            "this WebSocket route has no gate in front of it",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                *name,
                HeaderValue::from_str(value).expect("test header value"),
            );
        }
        map
    }

    const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

    fn handshake(extra: &[(&'static str, &str)]) -> HeaderMap {
        let mut all = vec![
            ("upgrade", "websocket"),
            ("sec-websocket-version", "13"),
            ("sec-websocket-key", KEY),
            ("host", "127.0.0.1:8080"),
        ];
        all.extend_from_slice(extra);
        headers(&all)
    }

    #[test]
    fn origins_parse_and_match() {
        let pages: AllowedOrigin = "https://Example.github.io".parse().expect("valid");
        assert_eq!(pages.to_string(), "https://example.github.io");
        assert!(pages.admits("https://example.github.io"));
        assert!(pages.admits("https://example.github.io:443"));
        assert!(!pages.admits("http://example.github.io"));
        assert!(!pages.admits("https://example.github.io.evil.test"));
        let any_port: AllowedOrigin = "http://127.0.0.1:*".parse().expect("valid");
        assert!(any_port.admits("http://127.0.0.1:39123"));
        assert!(!any_port.admits("http://localhost:39123"));
        for bad in [
            "example.com",
            "ftp://x",
            "https://",
            "https://x/path",
            "http://x:port",
        ] {
            assert!(bad.parse::<AllowedOrigin>().is_err(), "{bad}");
        }
    }

    #[test]
    fn same_site_dev_and_originless_clients_are_admitted() {
        let origins = Origins::default();
        assert!(origins.admit(&handshake(&[])));
        assert!(origins.admit(&handshake(&[("origin", "http://127.0.0.1:8080")])));
        assert!(origins.admit(&handshake(&[("origin", "http://localhost:8081")])));
        assert!(!origins.admit(&handshake(&[("origin", "https://evil.test")])));
        assert!(!origins.admit(&handshake(&[("origin", "null")])));
    }

    #[test]
    fn handshakes_are_checked_in_order() {
        let origins = Origins::default();
        assert_eq!(check_handshake(&handshake(&[]), &origins), Ok(()));
        assert_eq!(check_handshake(&headers(&[]), &origins), Ok(()));
        let mut v8 = handshake(&[]);
        v8.insert("sec-websocket-version", HeaderValue::from_static("8"));
        assert_eq!(check_handshake(&v8, &origins), Err(Refusal::Version));
        let mut short = handshake(&[]);
        short.insert("sec-websocket-key", HeaderValue::from_static("c2hvcnQ="));
        assert!(matches!(
            check_handshake(&short, &origins),
            Err(Refusal::Key(_))
        ));
        let mut none = handshake(&[]);
        none.remove("sec-websocket-key");
        assert!(matches!(
            check_handshake(&none, &origins),
            Err(Refusal::Key(_))
        ));
        let long = "p,".repeat(MAX_PROTOCOL_HEADER);
        assert_eq!(
            check_handshake(
                &handshake(&[("sec-websocket-protocol", long.as_str())]),
                &origins
            ),
            Err(Refusal::ProtocolHeader)
        );
        assert_eq!(
            check_handshake(&handshake(&[("origin", "https://evil.test")]), &origins),
            Err(Refusal::Origin("https://evil.test".into()))
        );
    }
}
