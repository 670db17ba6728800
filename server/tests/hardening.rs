//! The server's limits and guards over real sockets: server pings and the idle timeout,
//! the per-connection message rate, the connection cap, the origin allowlist, handshake
//! checks and timeout, and TLS (`https` + `wss`) with a certificate made in the test.

mod common;

use std::{sync::Arc, time::Duration};

use futures::SinkExt;

use common::{TestServer, WAIT, close_of, next, raw::Raw, raw::request, send_text};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use wslab_server::{AllowedOrigin, Config, Limits, Origins, Tls};

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
    let mut client = Raw::open(server.addr, "/echo").await;
    // Answering keeps it alive: two pings, two pongs, then an echo still works.
    for _ in 0..2 {
        let ping = client.frame().await.expect("a ping");
        assert_eq!(ping.opcode, 9, "{ping:?}");
        client.send(10, &ping.payload).await;
    }
    client.send(1, b"still here").await;
    let echo = client.frame().await.expect("the echo");
    assert_eq!(
        (echo.opcode, echo.payload.as_slice()),
        (1, &b"still here"[..])
    );
    // Silence after the next ping: the server gives up with 1011.
    let ping = client.frame().await.expect("a third ping");
    assert_eq!(ping.opcode, 9);
    let close = client.frame().await.expect("a close frame");
    assert_eq!(close.close_code(), Some(1011), "{close:?}");
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
        let mut client = Raw::open(server.addr, path).await;
        for _ in 0..50 {
            client.send(1, b"ping").await;
        }
        let code = loop {
            let frame = client.frame().await.expect("frames until the close");
            if let Some(code) = frame.close_code() {
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
    let (_third, status) =
        Raw::send_head(server.addr, request(server.addr, "/stocks", &[]).as_bytes()).await;
    assert_eq!(status, 503);
    first.close(None).await.expect("close the first");
    let _ = close_of(&mut first).await;
    // The slot frees once the server has finished the close; retry until it has.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let (_raw, status) =
            Raw::send_head(server.addr, request(server.addr, "/echo", &[]).as_bytes()).await;
        if status == 101 {
            break;
        }
        assert_eq!(status, 503);
        assert!(std::time::Instant::now() < deadline, "slot never freed");
        tokio::task::yield_now().await;
    }
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
        let (_raw, status) = Raw::send_head(server.addr, head.as_bytes()).await;
        assert_eq!(status, expected, "{origin}");
    }
    // A client without Origin is not a browser: admitted.
    let _plain = server.connect("/chat").await;
    server.stop().await;
}

#[tokio::test]
async fn bad_handshakes_get_the_right_status() {
    let server = TestServer::start(Config::default()).await;
    let addr = server.addr;
    let v8 = request(addr, "/echo", &[]).replace("Version: 13", "Version: 8");
    let (mut raw, status) = Raw::send_head(addr, v8.as_bytes()).await;
    assert_eq!(status, 426);
    drop(raw.tcp.shutdown().await);
    let bad_key = request(addr, "/echo", &[]).replace("dGhlIHNhbXBsZSBub25jZQ==", "not-a-key");
    assert_eq!(Raw::send_head(addr, bad_key.as_bytes()).await.1, 400);
    let protocols = format!("Sec-WebSocket-Protocol: {}", "chat,".repeat(1000));
    let long = request(addr, "/echo", &[protocols.as_str()]);
    assert_eq!(Raw::send_head(addr, long.as_bytes()).await.1, 431);
    let huge = format!("X-Filler: {}", "a".repeat(1024 * 1024));
    let head = request(addr, "/echo", &[huge.as_str()]);
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    // The server answers (and stops reading) long before the megabyte is sent.
    let _ = tcp.write_all(head.as_bytes()).await;
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(WAIT, tcp.read_to_end(&mut reply)).await;
    assert!(
        reply.starts_with(b"HTTP/1.1 431"),
        "{:?}",
        String::from_utf8_lossy(&reply)
    );
    let many: Vec<String> = (0..2000).map(|i| format!("X-H{i}: v")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let head = request(addr, "/echo", &many);
    assert_eq!(Raw::send_head(addr, head.as_bytes()).await.1, 431);
    // The server is fine afterwards.
    let mut client = server.connect("/echo").await;
    send_text(&mut client, "ok").await;
    assert_eq!(next(&mut client).await, Message::text("ok"));
    server.stop().await;
}

#[tokio::test]
async fn a_slowloris_handshake_is_cut_off_at_the_handshake_timeout() {
    let server = TestServer::start(with_limits(Limits {
        handshake_timeout: Duration::from_millis(500),
        ..Limits::default()
    }))
    .await;
    let mut raw = Raw::connect(server.addr).await;
    raw.tcp
        .write_all(b"GET /echo HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write the start of a head");
    let trickle = async {
        for byte in b"X-Slow: 1234567890" {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if raw.tcp.write_all(&[*byte]).await.is_err() {
                return;
            }
        }
    };
    let _ = tokio::time::timeout(WAIT, trickle).await;
    let closed = raw.until_closed(WAIT).await.expect("the server hung up");
    assert!(closed < WAIT, "{closed:?}");
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
    let (_raw, status) =
        Raw::send_head(server.addr, request(server.addr, "/echo", &[]).as_bytes()).await;
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
