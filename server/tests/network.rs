//! Safe on a network, over real sockets: who may start the server-wide restart drill
//! (`--drills`), the per-address connection cap and handshake rate, and which peers'
//! `X-Forwarded-For` is believed (`--trusted-proxy`).
//!
//! Every peer here is on loopback. Distinct client addresses come two ways: a client bound
//! to another loopback address (127.0.0.2, 127.0.0.3: Linux routes all of 127.0.0.0/8 to
//! the loopback interface), or a trusted proxy (the test itself, on 127.0.0.1) forwarding for
//! a documentation address such as 203.0.113.7, which is only a header value: no traffic
//! leaves loopback.

mod common;

use std::net::{IpAddr, SocketAddr};

use common::{Client, TestServer, WAIT, close_of, next, send_text};
use tokio::net::TcpSocket;
use tokio_tungstenite::{
    MaybeTlsStream, client_async,
    tungstenite::{self, Message, client::IntoClientRequest, http::HeaderValue},
};
use wslab_protocol::api::FaultRefused;
use wslab_server::{ClientLimits, Config, Drills, TrustedProxies};

/// The documentation address a trusted proxy forwards for (RFC 5737, never routed).
const OUTSIDE: &str = "203.0.113.7";

/// A handshake refused before the upgrade: its status and `Retry-After`.
#[derive(Debug, PartialEq, Eq)]
struct Refused {
    status: u16,
    retry_after: Option<String>,
}

/// Connects to `path` from the local address `from`, with `X-Forwarded-For: forwarded`
/// when given.
async fn connect_from(
    server: &TestServer,
    from: &str,
    path: &str,
    forwarded: Option<&str>,
) -> Result<Client, Refused> {
    let socket = TcpSocket::new_v4().expect("a socket");
    let local: IpAddr = from.parse().expect("a loopback address");
    socket
        .bind(SocketAddr::new(local, 0))
        .expect("bind a loopback address");
    let stream = tokio::time::timeout(WAIT, socket.connect(server.addr))
        .await
        .expect("TCP in time")
        .expect("TCP connects");
    let mut request = server
        .ws(path)
        .into_client_request()
        .expect("a request for the test URL");
    if let Some(forwarded) = forwarded {
        request.headers_mut().insert(
            "x-forwarded-for",
            HeaderValue::from_str(forwarded).expect("a header value"),
        );
    }
    match tokio::time::timeout(WAIT, client_async(request, MaybeTlsStream::Plain(stream)))
        .await
        .expect("handshake in time")
    {
        Ok((client, _)) => Ok(client),
        Err(tungstenite::Error::Http(response)) => Err(Refused {
            status: response.status().as_u16(),
            retry_after: response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }),
        Err(error) => panic!("handshake failed otherwise: {error}"),
    }
}

/// A server trusting the test (127.0.0.1) as a proxy, with these drills and limits.
async fn behind_proxy(drills: Drills, clients: ClientLimits) -> TestServer {
    TestServer::start(Config {
        drills,
        clients,
        proxies: TrustedProxies::new(vec!["127.0.0.1".parse().expect("an address")]),
        ..Config::default()
    })
    .await
}

/// A server with these per-address limits (no trusted proxy).
async fn limited(clients: ClientLimits) -> TestServer {
    TestServer::start(Config {
        clients,
        ..Config::default()
    })
    .await
}

/// At most `max` connections per address.
fn capped(max: usize) -> ClientLimits {
    ClientLimits {
        max_connections: max,
        ..ClientLimits::default()
    }
}

/// Closes `client` and waits for the server's close.
async fn close(mut client: Client) {
    client.close(None).await.expect("close");
    let _ = close_of(&mut client).await;
}

/// Asks for a 1 s restart drill on `client` and returns the reply.
async fn ask_drill(client: &mut Client) -> Message {
    send_text(client, r#"{"fault":"restart","seconds":1}"#).await;
    next(client).await
}

/// The refusal in a reply, if it is one.
fn refusal(reply: &Message) -> Option<FaultRefused> {
    match reply {
        Message::Text(text) => FaultRefused::read(text.as_str()),
        _ => None,
    }
}

/// Pings `/api` and expects its pong: the connection is still served.
async fn still_served(client: &mut Client) {
    send_text(client, "ping").await;
    assert_eq!(next(client).await, Message::text("pong"));
}

#[tokio::test]
async fn a_drill_from_outside_is_refused_and_one_from_loopback_is_carried_out() {
    let server = behind_proxy(Drills::Loopback, ClientLimits::default()).await;
    let mut bystander = server.connect("/echo").await;
    let mut outside = connect_from(&server, "127.0.0.1", "/api", Some(OUTSIDE))
        .await
        .expect("the outside client connects");
    let reply = ask_drill(&mut outside).await;
    let refused = refusal(&reply).unwrap_or_else(|| panic!("not a refusal: {reply:?}"));
    assert_eq!(refused.fault, "restart");
    assert!(
        refused.message.contains("--drills any"),
        "{}",
        refused.message
    );
    // Nothing happened to anyone: the asker and the bystander are both still served.
    still_served(&mut outside).await;
    send_text(&mut bystander, "still here").await;
    assert_eq!(next(&mut bystander).await, Message::text("still here"));

    // The same server, asked from its own machine (127.0.0.2: loopback, and not the
    // proxy, whose own address stands for whoever it did not name): the drill closes
    // everyone with 1012.
    let mut local = connect_from(&server, "127.0.0.2", "/api", None)
        .await
        .expect("a local client connects");
    let reply = ask_drill(&mut local).await;
    assert!(
        matches!(&reply, Message::Text(t) if t.as_str().contains(r#""type":"fault""#)),
        "{reply:?}"
    );
    assert_eq!(close_of(&mut bystander).await.0, 1012);
    assert_eq!(close_of(&mut outside).await.0, 1012);
    server.stop().await;
}

#[tokio::test]
async fn drills_off_refuses_even_loopback_and_any_allows_outside() {
    let off = TestServer::start(Config {
        drills: Drills::Off,
        ..Config::default()
    })
    .await;
    let mut local = off.connect("/api").await;
    let refused = refusal(&ask_drill(&mut local).await).expect("a refusal");
    assert!(
        refused.message.contains("--drills loopback"),
        "{}",
        refused.message
    );
    still_served(&mut local).await;
    off.stop().await;

    let any = behind_proxy(Drills::Any, ClientLimits::default()).await;
    let mut outside = connect_from(&any, "127.0.0.1", "/api", Some(OUTSIDE))
        .await
        .expect("connects");
    assert_eq!(refusal(&ask_drill(&mut outside).await), None);
    assert_eq!(close_of(&mut outside).await.0, 1012);
    any.stop().await;
}

#[tokio::test]
async fn a_forged_forwarded_for_from_an_untrusted_peer_is_ignored() {
    // No trusted proxy: the header is the client's own words.
    let server = limited(capped(1)).await;
    let mut first = connect_from(&server, "127.0.0.1", "/api", Some(OUTSIDE))
        .await
        .expect("connects");
    // Still loopback for the drill rule: it is carried out, not refused.
    assert_eq!(refusal(&ask_drill(&mut first).await), None);
    assert_eq!(close_of(&mut first).await.0, 1012);
    server.stop().await;

    let server = limited(capped(1)).await;
    let _held = connect_from(&server, "127.0.0.1", "/echo", Some(OUTSIDE))
        .await
        .expect("connects");
    // And for the cap: a second forged address is the same 127.0.0.1, over its cap.
    let second = connect_from(&server, "127.0.0.1", "/echo", Some("198.51.100.9")).await;
    assert_eq!(second.err().map(|r| r.status), Some(503));
    server.stop().await;
}

#[tokio::test]
async fn one_address_over_its_cap_gets_503_and_another_is_still_served() {
    let server = limited(capped(2)).await;
    let first = connect_from(&server, "127.0.0.2", "/echo", None)
        .await
        .expect("first");
    let _second = connect_from(&server, "127.0.0.2", "/chat", None)
        .await
        .expect("second");
    let third = connect_from(&server, "127.0.0.2", "/stocks", None).await;
    assert_eq!(
        third.err(),
        Some(Refused {
            status: 503,
            retry_after: Some("1".into())
        })
    );
    // Another address is not affected, on any endpoint.
    for path in ["/echo", "/stocks", "/api"] {
        let other = connect_from(&server, "127.0.0.3", path, None)
            .await
            .unwrap_or_else(|r| panic!("{path} refused for another address: {r:?}"));
        close(other).await;
    }
    // A freed connection is given back once the server has finished its close.
    close(first).await;
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        match connect_from(&server, "127.0.0.2", "/echo", None).await {
            Ok(_) => break,
            Err(refused) => assert_eq!(refused.status, 503),
        }
        assert!(std::time::Instant::now() < deadline, "slot never freed");
        tokio::task::yield_now().await;
    }
    server.stop().await;
}

#[tokio::test]
async fn forwarded_clients_are_counted_apart_behind_a_trusted_proxy() {
    let server = behind_proxy(Drills::Loopback, capped(1)).await;
    let _a = connect_from(&server, "127.0.0.1", "/echo", Some(OUTSIDE))
        .await
        .expect("one client");
    let _b = connect_from(&server, "127.0.0.1", "/echo", Some("203.0.113.8"))
        .await
        .expect("another client through the same proxy");
    let again = connect_from(&server, "127.0.0.1", "/echo", Some(OUTSIDE)).await;
    assert_eq!(again.err().map(|r| r.status), Some(503));
    server.stop().await;
}

#[tokio::test]
async fn handshakes_over_an_addresss_rate_get_503_with_retry_after() {
    let server = limited(ClientLimits {
        handshake_rate: 0.01,
        handshake_burst: 3.0,
        ..ClientLimits::default()
    })
    .await;
    for _ in 0..3 {
        let client = connect_from(&server, "127.0.0.2", "/echo", None)
            .await
            .expect("within the burst");
        close(client).await;
    }
    // The burst is spent and one more takes 100 s at 0.01/s: refused, however few are
    // open, and told when to come back.
    let over = connect_from(&server, "127.0.0.2", "/echo", None).await;
    assert_eq!(
        over.err(),
        Some(Refused {
            status: 503,
            retry_after: Some("100".into())
        })
    );
    // Another address has its own bucket.
    assert!(
        connect_from(&server, "127.0.0.3", "/echo", None)
            .await
            .is_ok()
    );
    server.stop().await;
}

#[tokio::test]
async fn a_trusted_proxy_that_names_nobody_is_not_the_servers_own_machine() {
    let server = behind_proxy(Drills::Loopback, ClientLimits::default()).await;
    // From the trusted proxy's address, without X-Forwarded-For (a proxy that forgot to set
    // it), or with garbage as the last hop: nobody the drills would trust.
    for forwarded in [None, Some("not-an-address")] {
        let mut client = connect_from(&server, "127.0.0.1", "/api", forwarded)
            .await
            .expect("connects");
        let reply = ask_drill(&mut client).await;
        assert!(refusal(&reply).is_some(), "{forwarded:?}: {reply:?}");
        still_served(&mut client).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn forwarded_for_from_a_peer_that_is_not_the_trusted_proxy_is_ignored() {
    let server = behind_proxy(Drills::Loopback, capped(1)).await;
    // 127.0.0.2 is not the trusted 127.0.0.1: both its forged addresses are 127.0.0.2.
    let _first = connect_from(&server, "127.0.0.2", "/echo", Some(OUTSIDE))
        .await
        .expect("connects");
    let second = connect_from(&server, "127.0.0.2", "/echo", Some("198.51.100.9")).await;
    assert_eq!(second.err().map(|r| r.status), Some(503));
    server.stop().await;
}

#[tokio::test]
async fn a_handshake_refused_at_the_global_cap_gives_its_address_slot_back() {
    let server = TestServer::start(Config {
        limits: wslab_server::Limits {
            max_connections: 1,
            ..wslab_server::Limits::default()
        },
        clients: ClientLimits {
            max_connections: 1,
            handshake_rate: 0.01,
            handshake_burst: 2.0,
        },
        ..Config::default()
    })
    .await;
    let holder = connect_from(&server, "127.0.0.2", "/echo", None)
        .await
        .expect("takes the one slot");
    // Refused by the global cap: neither its address's one connection nor one of its two
    // handshakes is spent by that.
    for _ in 0..3 {
        let refused = connect_from(&server, "127.0.0.3", "/echo", None).await;
        assert_eq!(refused.err().map(|r| r.status), Some(503));
    }
    close(holder).await;
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        match connect_from(&server, "127.0.0.3", "/echo", None).await {
            Ok(_) => break,
            Err(refused) => assert_eq!(refused.retry_after.as_deref(), Some("1"), "{refused:?}"),
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the global slot never came back"
        );
        tokio::task::yield_now().await;
    }
    server.stop().await;
}
