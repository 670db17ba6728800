//! The server's limits and guards over real sockets: server pings and the idle timeout,
//! the per-connection message rate, the connection cap, the origin allowlist, and TLS
//! (`https` + `wss`) with a certificate made in the test. Handshake abuse (bad version or
//! key, huge headers, slowloris) is in the conformance suite.

mod common;

use std::{sync::Arc, time::Duration};

use futures::SinkExt;

use common::{
    TestServer, WAIT, close_of, next, send_text,
    wire::{Arrival, In, RawClient, connect_tcp, frame, http_exchange, read_head, write_bounded},
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use wslab_server::{AllowedOrigin, Config, Limits, Origins, Tls};

/// The request head of a valid handshake for `path`, with `extra` header lines.
fn request(addr: std::net::SocketAddr, path: &str, extra: &[&str]) -> String {
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

/// The HTTP status `head` gets on a fresh connection (0: none).
async fn status_of(addr: std::net::SocketAddr, head: &str) -> u16 {
    http_exchange(addr, head.as_bytes())
        .await
        .status()
        .unwrap_or(0)
}

/// Waits (bounded by [`WAIT`]) until a handshake to `/echo` gets 101 rather than 503: the
/// server has freed a connection slot. `what` says which client should have let it go.
async fn wait_for_a_free_slot(server: &TestServer, what: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let status = status_of(server.addr, &request(server.addr, "/echo", &[])).await;
        if status == 101 {
            return;
        }
        assert_eq!(status, 503, "{what}");
        assert!(std::time::Instant::now() < deadline, "{what} kept its slot");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A raw client upgraded to `path`.
async fn open_raw(server: &TestServer, path: &str) -> RawClient {
    RawClient::connect(server.addr, path)
        .await
        .expect("handshake")
}

/// The next frame from a raw client.
async fn frame_of(client: &mut RawClient) -> In {
    match client.incoming().await {
        Arrival::Frame(frame) => frame,
        other => panic!("expected a frame, got {other:?}"),
    }
}

/// Sends one frame from a raw client.
async fn send_raw(client: &mut RawClient, opcode: u8, payload: &[u8]) {
    client
        .send(&[frame(opcode, payload)], None)
        .await
        .expect("send a frame");
}

/// The code of a close frame (1005 when it carries none).
fn close_code(frame: &In) -> Option<u16> {
    (frame.opcode == 8).then(|| match frame.payload.as_slice() {
        [high, low, ..] => u16::from_be_bytes([*high, *low]),
        _ => 1005,
    })
}

fn with_limits(limits: Limits) -> Config {
    Config {
        limits,
        ..Config::default()
    }
}

#[tokio::test]
async fn a_silent_client_is_pinged_and_then_closed_with_1011() {
    let server = TestServer::start(with_limits(Limits {
        ping_interval: Some(Duration::from_millis(200)),
        ping_timeout: Duration::from_millis(300),
        ..Limits::default()
    }))
    .await;
    let mut client = open_raw(&server, "/echo").await;
    // Answering keeps it alive: two pings, two pongs, then an echo still works.
    for _ in 0..2 {
        let ping = frame_of(&mut client).await;
        assert_eq!(ping.opcode, 9, "{ping:?}");
        send_raw(&mut client, 10, &ping.payload).await;
    }
    send_raw(&mut client, 1, b"still here").await;
    let echo = frame_of(&mut client).await;
    assert_eq!(
        (echo.opcode, echo.payload.as_slice()),
        (1, &b"still here"[..])
    );
    // Silence after the next ping: the server gives up with 1011.
    let ping = frame_of(&mut client).await;
    assert_eq!(ping.opcode, 9);
    let close = frame_of(&mut client).await;
    assert_eq!(close_code(&close), Some(1011), "{close:?}");
    server.stop().await;
}

/// A client that asks for a lot and then stops reading, on a TCP connection with a small
/// receive window so that the server's writes block soon.
async fn stop_reading(server: &TestServer, path: &str, ask: &[u8]) -> RawClient {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let stream = tokio::time::timeout(WAIT, socket.connect(server.addr))
        .await
        .expect("connect in time")
        .expect("connect");
    let mut client = RawClient::upgrade(stream, server.addr, path)
        .await
        .expect("handshake");
    if !ask.is_empty() {
        send_raw(&mut client, 1, ask).await;
    }
    // For /echo the request is the traffic itself: frames until the server, blocked on its
    // own writes, stops reading them (bounded: 64 MiB at most).
    if path == "/echo" {
        let frame = common::wire::binary(vec![7u8; 60 * 1024]);
        for _ in 0..1024 {
            let write = client.send(std::slice::from_ref(&frame), None);
            if tokio::time::timeout(Duration::from_millis(500), write)
                .await
                .is_err()
            {
                break;
            }
        }
    }
    client
}

/// Pings a client sends while it reads nothing pile up as unsent pongs: past the max write
/// buffer the server lets it go (no write timeout, keepalive or rate limit here to do it).
#[tokio::test]
async fn a_client_that_pings_and_never_reads_is_let_go_when_its_pongs_fill_the_buffer() {
    let server = TestServer::start(Config {
        send_buffer: Some(4096),
        ..with_limits(Limits {
            max_connections: 1,
            max_message: 4096,
            max_frame: 4096,
            write_buffer: 0,
            max_write_buffer: 8192,
            ping_interval: None,
            write_timeout: None,
            message_rate: None,
            ..Limits::default()
        })
    })
    .await;
    // A query on /echo, so `stop_reading` sends no echo traffic of its own.
    let mut stuck = stop_reading(&server, "/echo?pings", b"").await;
    // 2,000 pings of 125 bytes: 250 KiB of pongs, far past 8 KiB and both kernel buffers.
    let ping = common::wire::ping(vec![b'p'; 125]);
    for _ in 0..2000 {
        let write = stuck.send(std::slice::from_ref(&ping), None);
        match tokio::time::timeout(Duration::from_millis(500), write).await {
            Ok(Ok(())) => {}
            // Let go already (reset), or no longer read: either way, done sending.
            Ok(Err(_)) | Err(_) => break,
        }
    }
    wait_for_a_free_slot(&server, "the pinging client").await;
    drop(stuck);
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_stops_reading_is_let_go_after_the_write_timeout() {
    for (path, ask) in [
        ("/echo", &b""[..]),
        (
            "/stocks?rate=10000",
            br#"{"action":"subscribe","symbols":["AAPL","GOOGL","MSFT","TSLA","AMZN","NVDA","META","NFLX"]}"#,
        ),
    ] {
        let server = TestServer::start(with_limits(Limits {
            max_connections: 1,
            ping_interval: Some(Duration::from_millis(200)),
            ping_timeout: Duration::from_millis(300),
            write_timeout: Some(Duration::from_millis(300)),
            ..Limits::default()
        }))
        .await;
        let started = std::time::Instant::now();
        // Kept, never read again, until the server has let it go.
        let stuck = stop_reading(&server, path, ask).await;
        // The one slot is freed when the server lets the stuck client go.
        wait_for_a_free_slot(&server, &format!("{path}: the stuck client")).await;
        eprintln!("{path}: slot freed after {:?}", started.elapsed());
        drop(stuck);
        server.stop().await;
    }
}

#[tokio::test]
async fn an_error_quotes_only_the_start_of_a_huge_value() {
    let server = TestServer::start(Config::default()).await;
    let long = "x".repeat(60_000);
    let many: Vec<String> = (0..5_000).map(|i| format!("ZZ{i}")).collect();
    let same = vec!["NFLX"; 8_000];
    for (path, ask) in [
        (
            "/chat",
            format!(r#"{{"type":"join","username":"Ada","room":"{long}"}}"#),
        ),
        ("/chat", format!(r#"{{"type":"{long}"}}"#)),
        ("/stocks", format!(r#"{{"action":"{long}"}}"#)),
        (
            "/stocks",
            serde_json::json!({"action": "subscribe", "symbols": many}).to_string(),
        ),
        (
            "/stocks",
            serde_json::json!({"action": "unsubscribe", "symbols": same}).to_string(),
        ),
    ] {
        let mut client = server.connect(path).await;
        send_text(&mut client, &ask).await;
        let reply = loop {
            match next(&mut client).await {
                Message::Text(text) if text.contains("\"error\"") => break text,
                _ => {}
            }
        };
        assert!(reply.len() < 1024, "{path}: a {} B error", reply.len());
    }
    server.stop().await;
}

#[tokio::test]
async fn a_browser_like_client_that_reads_is_never_dropped_by_pings() {
    let server = TestServer::start(with_limits(Limits {
        ping_interval: Some(Duration::from_millis(50)),
        ping_timeout: Duration::from_millis(200),
        ..Limits::default()
    }))
    .await;
    // tokio-tungstenite answers pings while it reads, as browsers do.
    let mut client = server.connect("/echo").await;
    let started = std::time::Instant::now();
    let mut pings = 0;
    while pings < 10 {
        match next(&mut client).await {
            Message::Ping(_) => pings += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(started.elapsed() >= Duration::from_millis(450));
    send_text(&mut client, "alive").await;
    assert_eq!(next(&mut client).await, Message::text("alive"));
    server.stop().await;
}

#[tokio::test]
async fn sending_faster_than_the_message_rate_closes_with_1008_on_every_endpoint() {
    let server = TestServer::start(with_limits(Limits {
        message_rate: Some(10.0),
        message_burst: 5.0,
        ..Limits::default()
    }))
    .await;
    for path in ["/echo", "/hello", "/chat", "/stocks", "/api"] {
        let mut client = open_raw(&server, path).await;
        for _ in 0..50 {
            send_raw(&mut client, 1, b"ping").await;
        }
        let code = loop {
            if let Some(code) = close_code(&frame_of(&mut client).await) {
                break code;
            }
        };
        // /hello closes normally after its one reply; the others are cut off.
        let expected = if path == "/hello" { 1000 } else { 1008 };
        assert_eq!(code, expected, "{path}");
    }
    server.stop().await;
}

#[tokio::test]
async fn connections_over_the_cap_get_503_and_a_freed_slot_is_reused() {
    let server = TestServer::start(with_limits(Limits {
        max_connections: 2,
        ..Limits::default()
    }))
    .await;
    let mut first = server.connect("/echo").await;
    let _second = server.connect("/chat").await;
    let status = status_of(server.addr, &request(server.addr, "/stocks", &[])).await;
    assert_eq!(status, 503);
    first.close(None).await.expect("close the first");
    let _ = close_of(&mut first).await;
    // The slot frees once the server has finished the close; retry until it has.
    wait_for_a_free_slot(&server, "the closed first client").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshakes_in_flight_together_cannot_exceed_the_cap() {
    const CAP: usize = 2;
    const AT_ONCE: usize = 24;
    let server = TestServer::start(with_limits(Limits {
        max_connections: CAP,
        ..Limits::default()
    }))
    .await;
    // Every TCP connection first, then every request head in one burst, so the handshakes
    // are in flight together; the streams stay open until the answers are counted.
    let mut streams = Vec::new();
    for _ in 0..AT_ONCE {
        streams.push(connect_tcp(server.addr).await.expect("TCP"));
    }
    let head = request(server.addr, "/echo", &[]);
    let answers = futures::future::join_all(streams.into_iter().map(|mut stream| {
        let head = head.clone();
        async move {
            write_bounded(&mut stream, head.as_bytes(), None)
                .await
                .expect("request");
            let status = read_head(&mut stream, &mut Vec::new()).await.status();
            (status, stream)
        }
    }))
    .await;
    let upgraded = answers.iter().filter(|(s, _)| *s == Some(101)).count();
    let refused = answers.iter().filter(|(s, _)| *s == Some(503)).count();
    assert_eq!(
        (upgraded, refused),
        (CAP, AT_ONCE - CAP),
        "{AT_ONCE} handshakes at once against a cap of {CAP}"
    );
    drop(answers);
    server.stop().await;
}

#[tokio::test]
async fn origins_off_the_list_get_403_before_the_upgrade() {
    let server = TestServer::start(Config {
        origins: Origins::new(vec![
            "https://teacher.github.io"
                .parse::<AllowedOrigin>()
                .expect("origin"),
        ]),
        ..Config::default()
    })
    .await;
    let own = format!("Origin: http://{}", server.addr);
    for (origin, expected) in [
        (own.as_str(), 101),
        ("Origin: https://teacher.github.io", 101),
        ("Origin: https://evil.test", 403),
        ("Origin: http://127.0.0.1:8081", 403), // the dev default was replaced
        ("Origin: null", 403),
    ] {
        let head = request(server.addr, "/chat", &[origin]);
        assert_eq!(status_of(server.addr, &head).await, expected, "{origin}");
    }
    // A client without Origin is not a browser: admitted.
    let _plain = server.connect("/chat").await;
    server.stop().await;
}

/// A self-signed certificate for `localhost` and 127.0.0.1, as PEM (cert, key).
fn self_signed() -> (String, String) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("generate a certificate");
    (certified.cert.pem(), certified.key_pair.serialize_pem())
}

/// A TLS connector that trusts exactly `cert_pem`.
fn trusting(cert_pem: &str) -> tokio_rustls::TlsConnector {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(cert_pem.as_bytes()) {
        roots
            .add(cert.expect("a PEM certificate"))
            .expect("add root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

#[tokio::test]
async fn tls_serves_https_and_wss_with_a_self_signed_certificate() {
    let (cert, key) = self_signed();
    let tls = Tls::from_pem(cert.as_bytes(), key.as_bytes(), "test").expect("usable pair");
    let server = TestServer::start(Config {
        tls: Some(tls),
        ..Config::default()
    })
    .await;
    let connector = trusting(&cert);
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");

    // wss:// on /echo.
    let tcp = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    let stream = connector
        .connect(name.clone(), tcp)
        .await
        .expect("TLS handshake");
    let url = format!("wss://localhost:{}/echo", server.addr.port());
    let (mut client, response) =
        tokio::time::timeout(WAIT, tokio_tungstenite::client_async(url, stream))
            .await
            .expect("handshake in time")
            .expect("wss handshake");
    assert_eq!(response.status(), 101);
    client.send(Message::text("sûr")).await.expect("send");
    assert_eq!(
        tokio::time::timeout(WAIT, futures::StreamExt::next(&mut client))
            .await
            .expect("in time")
            .expect("open")
            .expect("ok"),
        Message::text("sûr")
    );

    // https:// for the pages.
    let tcp = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    let mut stream = connector.connect(name, tcp).await.expect("TLS handshake");
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("request");
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(WAIT, stream.read_to_end(&mut reply)).await;
    assert!(
        reply.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&reply[..reply.len().min(200)])
    );

    // Plain ws:// to the TLS port gets no upgrade, and the server carries on.
    let status = status_of(server.addr, &request(server.addr, "/echo", &[])).await;
    assert_ne!(status, 101);
    server.stop().await;
}

#[test]
fn unusable_certificates_are_refused_with_a_clear_error() {
    let (cert, key) = self_signed();
    let (_, other_key) = self_signed();
    let error = Tls::from_pem(b"not pem", key.as_bytes(), "cert.pem").expect_err("no cert");
    assert_eq!(error.to_string(), "cert.pem: no PEM certificate found");
    let error = Tls::from_pem(cert.as_bytes(), b"", "cert.pem").expect_err("no key");
    assert!(error.to_string().contains("no PEM private key"), "{error}");
    let error =
        Tls::from_pem(cert.as_bytes(), other_key.as_bytes(), "cert.pem").expect_err("mismatch");
    assert!(
        error.to_string().contains("unusable certificate or key"),
        "{error}"
    );
}
