//! Who the client is: its address as the server should believe it.
//!
//! A TCP peer is the client itself, or a proxy in front of the server (nginx, a load
//! balancer). A proxy says whom it forwards for in `X-Forwarded-For`, but any client can
//! write that header, so it is believed only from the peers named with `--trusted-proxy`
//! ([`TrustedProxies`]). From such a peer the header is read right to left, skipping the
//! trusted proxies in the chain; the first address that is not one of them is the client.
//! From any other peer the header is ignored and the peer is the client.
//!
//! When the walk cannot get past the proxies (no header, an entry that is not an address,
//! every hop trusted), the client is the last trusted proxy. That address stands for
//! someone unknown: the per-address limits count it as one client, and the drills never
//! take it for a client on the server's own machine ([`TrustedProxies::trusts`]).
//!
//! The result, a [`ClientAddr`], is what the per-address limits count
//! ([`crate::clients`]), what the drills' loopback rule looks at ([`crate::api::Drills`])
//! and what the logs name.

use std::{
    fmt,
    net::{IpAddr, Ipv6Addr, SocketAddr},
    str::FromStr,
};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, StatusCode, request::Parts},
};

/// The client's address, as believed after [`TrustedProxies::client`]. The gate puts it in
/// every WebSocket request; an endpoint extracts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// Whether the client is on the server's own machine (127.0.0.0/8 or ::1).
    pub fn is_loopback(self) -> bool {
        canonical(self.0).is_loopback()
    }
}

impl fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        canonical(self.0).fmt(f)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Self>().copied().ok_or((
            StatusCode::INTERNAL_SERVER_ERROR,
            "this WebSocket route has no gate in front of it",
        ))
    }
}

/// An IPv4 address written as IPv6 (`::ffff:1.2.3.4`, which a dual-stack listener reports)
/// as the IPv4 address it is.
pub fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        v4 => v4,
    }
}

/// One `--trusted-proxy`: an address, or a network in CIDR notation (`10.0.0.0/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyNet {
    addr: IpAddr,
    prefix: u8,
}

impl ProxyNet {
    /// Whether `addr` is in this network.
    pub fn contains(self, addr: IpAddr) -> bool {
        match (canonical(self.addr), canonical(addr)) {
            (IpAddr::V4(net), IpAddr::V4(addr)) => prefix_eq(
                u128::from(net.to_bits()),
                u128::from(addr.to_bits()),
                32,
                self.prefix,
            ),
            (IpAddr::V6(net), IpAddr::V6(addr)) => {
                prefix_eq(net.to_bits(), addr.to_bits(), 128, self.prefix)
            }
            _ => false,
        }
    }
}

/// Whether the first `prefix` of `width` bits of `a` and `b` agree.
fn prefix_eq(a: u128, b: u128, width: u32, prefix: u8) -> bool {
    let shift = width - u32::from(prefix).min(width);
    shift >= width || (a >> shift) == (b >> shift)
}

impl FromStr for ProxyNet {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "{text:?} is not an address or network: write e.g. 127.0.0.1, ::1 or 10.0.0.0/8"
            )
        };
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text.trim(), None),
        };
        let addr = canonical(addr.parse::<IpAddr>().map_err(|_| bad())?);
        let width = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(bad)?,
        };
        Ok(Self { addr, prefix })
    }
}

impl fmt::Display for ProxyNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = if self.addr.is_ipv4() { 32 } else { 128 };
        if self.prefix == width {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

/// The peers whose `X-Forwarded-For` is believed (`--trusted-proxy`); none by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<ProxyNet>);

impl TrustedProxies {
    /// Exactly these.
    pub fn new(proxies: Vec<ProxyNet>) -> Self {
        Self(proxies)
    }

    /// The list, for the start-up log.
    pub fn list(&self) -> &[ProxyNet] {
        &self.0
    }

    /// Whether `addr` is one of the trusted proxies.
    pub fn trusts(&self, addr: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(addr))
    }

    /// The client behind a request from `peer` with these headers (see the module docs).
    ///
    /// An entry of the header that is not an address ends the walk: the last address
    /// believed (a trusted proxy) is then the client, so garbage never yields a trusted
    /// address of someone else's choosing.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> ClientAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return ClientAddr(peer);
        }
        // Several header lines are one list, in order (RFC 9110 §5.3). Split as bytes: a
        // client's non-ASCII entry must not hide the entries the proxies appended after it.
        let hops: Vec<&[u8]> = headers
            .get_all("x-forwarded-for")
            .iter()
            .flat_map(|value| value.as_bytes().split(|b| *b == b','))
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(addr) = std::str::from_utf8(hop).ok().and_then(parse_hop) else {
                break;
            };
            client = addr;
            if !self.trusts(addr) {
                break;
            }
        }
        ClientAddr(client)
    }
}

/// One entry of `X-Forwarded-For`: `1.2.3.4`, `2001:db8::1`, or with a port
/// (`1.2.3.4:5678`, `[2001:db8::1]:5678`), as some proxies write it.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(addr) = hop.parse::<IpAddr>() {
        return Some(canonical(addr));
    }
    if let Ok(addr) = hop.parse::<SocketAddr>() {
        return Some(canonical(addr.ip()));
    }
    let inner = hop.strip_prefix('[')?.strip_suffix(']')?;
    inner
        .parse::<Ipv6Addr>()
        .ok()
        .map(IpAddr::V6)
        .map(canonical)
}

/// The TCP peer of a request, put there by [`crate::serve`] for each connection; the
/// unspecified address (never loopback, one shared bucket) when the router is served some
/// other way.
pub(crate) fn peer_of(parts: &axum::http::Extensions) -> IpAddr {
    parts
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |info| {
            info.0.ip()
        })
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                "x-forwarded-for",
                HeaderValue::from_str(value).expect("test header"),
            );
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("test address")
    }

    fn trusting(nets: &[&str]) -> TrustedProxies {
        TrustedProxies::new(
            nets.iter()
                .map(|n| n.parse().expect("test network"))
                .collect(),
        )
    }

    #[test]
    fn networks_parse_and_contain() {
        let net: ProxyNet = "10.0.0.0/8".parse().expect("valid");
        assert!(net.contains(ip("10.200.3.4")));
        assert!(!net.contains(ip("11.0.0.1")));
        assert!(net.contains(ip("::ffff:10.1.1.1")));
        let one: ProxyNet = "127.0.0.1".parse().expect("valid");
        assert!(one.contains(ip("127.0.0.1")));
        assert!(!one.contains(ip("127.0.0.2")));
        let v6: ProxyNet = "2001:db8::/32".parse().expect("valid");
        assert!(v6.contains(ip("2001:db8:1::5")));
        assert!(!v6.contains(ip("2001:db9::5")));
        let all: ProxyNet = "0.0.0.0/0".parse().expect("valid");
        assert!(all.contains(ip("203.0.113.7")));
        assert_eq!(net.to_string(), "10.0.0.0/8");
        assert_eq!(one.to_string(), "127.0.0.1");
        for bad in ["", "localhost", "10.0.0.0/33", "::1/129", "1.2.3.4/x"] {
            assert!(bad.parse::<ProxyNet>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_header_is_believed_only_from_a_trusted_peer() {
        let proxies = trusting(&["127.0.0.1"]);
        let headers = forwarded(&["203.0.113.7"]);
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &headers),
            ClientAddr(ip("203.0.113.7"))
        );
        // The same header from anyone else is the sender's own words.
        assert_eq!(
            proxies.client(ip("198.51.100.2"), &headers),
            ClientAddr(ip("198.51.100.2"))
        );
        // No proxies trusted: never believed, even from loopback.
        assert_eq!(
            TrustedProxies::default().client(ip("127.0.0.1"), &headers),
            ClientAddr(ip("127.0.0.1"))
        );
        // A trusted proxy that forwards for nobody is the client itself.
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &HeaderMap::new()),
            ClientAddr(ip("127.0.0.1"))
        );
    }

    #[test]
    fn the_chain_is_read_from_the_right_up_to_the_first_untrusted_hop() {
        let proxies = trusting(&["127.0.0.1", "10.0.0.0/8"]);
        // The client wrote a forged first entry; the proxies appended the real ones.
        let headers = forwarded(&["127.0.0.1, 203.0.113.7", "10.1.2.3"]);
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &headers),
            ClientAddr(ip("203.0.113.7"))
        );
        // Garbage stops the walk at the last believed hop.
        let headers = forwarded(&["203.0.113.7, unknown, 10.1.2.3"]);
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &headers),
            ClientAddr(ip("10.1.2.3"))
        );
        // Ports and brackets, as some proxies write them.
        let headers = forwarded(&["[2001:db8::7]:4711"]);
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &headers),
            ClientAddr(ip("2001:db8::7"))
        );
        let headers = forwarded(&["203.0.113.9:4711"]);
        assert_eq!(
            proxies.client(ip("::ffff:127.0.0.1"), &headers),
            ClientAddr(ip("203.0.113.9"))
        );
    }

    #[test]
    fn a_clients_unreadable_entry_does_not_hide_what_the_proxy_appended() {
        let proxies = trusting(&["127.0.0.1"]);
        let mut headers = HeaderMap::new();
        headers.append(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"\xff\xfe, 203.0.113.7").expect("obs-text is a value"),
        );
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &headers),
            ClientAddr(ip("203.0.113.7"))
        );
        // Garbage as the last hop: the walk stops at the proxy, which stands for nobody
        // the drills would trust.
        let garbage = forwarded(&["nonsense"]);
        let client = proxies.client(ip("127.0.0.1"), &garbage);
        assert_eq!(client, ClientAddr(ip("127.0.0.1")));
        assert!(proxies.trusts(client.0));
    }

    #[test]
    fn loopback_is_read_through_ipv4_in_ipv6() {
        assert!(ClientAddr(ip("::ffff:127.0.0.1")).is_loopback());
        assert!(ClientAddr(ip("::1")).is_loopback());
        assert!(ClientAddr(ip("127.9.9.9")).is_loopback());
        assert!(!ClientAddr(ip("203.0.113.7")).is_loopback());
        assert_eq!(ClientAddr(ip("::ffff:127.0.0.1")).to_string(), "127.0.0.1");
    }
}
