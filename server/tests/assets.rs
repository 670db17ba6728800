//! The built app over plain HTTP: content types, compression, and the "not built" page.

mod common;

use common::{TestServer, WAIT, temp_dir};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wslab_server::Config;

/// A minimal HTTP/1.1 GET over a raw socket; returns (status, lower-cased headers, body).
async fn get(
    addr: std::net::SocketAddr,
    path: &str,
    accept_encoding: Option<&str>,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let encoding = accept_encoding
        .map(|e| format!("Accept-Encoding: {e}\r\n"))
        .unwrap_or_default();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{encoding}Connection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("write request");
    let mut raw = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut raw))
        .await
        .expect("response in time")
        .expect("read response");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn fake_dist() -> std::path::PathBuf {
    let dir = temp_dir("dist");
    std::fs::write(
        dir.join("index.html"),
        format!(
            "<!doctype html><title>wslab</title>{}",
            "<p>padding</p>".repeat(50)
        ),
    )
    .expect("write index");
    std::fs::write(dir.join("wslab_bg.wasm"), vec![0u8; 4096]).expect("write wasm");
    std::fs::write(dir.join("wslab.js"), "export default 1;\n".repeat(40)).expect("write js");
    dir
}

#[tokio::test]
async fn serves_the_app_with_content_types() {
    let dist = fake_dist();
    let server = TestServer::start(Config {
        dist: Some(dist.clone()),
        ..Config::default()
    })
    .await;

    let (status, headers, body) = get(server.addr, "/", None).await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").is_some_and(|v| v.starts_with("text/html")));
    assert!(String::from_utf8_lossy(&body).contains("<title>wslab</title>"));

    let (status, headers, _) = get(server.addr, "/wslab_bg.wasm", None).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), Some("application/wasm"));

    let (_, headers, _) = get(server.addr, "/wslab.js", None).await;
    assert!(header(&headers, "content-type").is_some_and(|v| v.contains("javascript")));

    let (status, _, _) = get(server.addr, "/missing.css", None).await;
    assert_eq!(status, 404);
    server.stop().await;
    let _ = std::fs::remove_dir_all(dist);
}

#[tokio::test]
async fn compresses_when_the_client_accepts_it() {
    let dist = fake_dist();
    let server = TestServer::start(Config {
        dist: Some(dist.clone()),
        ..Config::default()
    })
    .await;
    let (_, plain, plain_body) = get(server.addr, "/wslab_bg.wasm", None).await;
    assert_eq!(header(&plain, "content-encoding"), None);
    assert_eq!(plain_body.len(), 4096);

    let (status, gzip, _) = get(server.addr, "/wslab_bg.wasm", Some("gzip")).await;
    assert_eq!(status, 200);
    assert_eq!(header(&gzip, "content-encoding"), Some("gzip"));

    let (_, br, _) = get(server.addr, "/", Some("br, gzip")).await;
    assert_eq!(header(&br, "content-encoding"), Some("br"));
    server.stop().await;
    let _ = std::fs::remove_dir_all(dist);
}

#[tokio::test]
async fn explains_itself_when_no_app_is_built() {
    let server = TestServer::start(Config::default()).await;
    let (status, headers, body) = get(server.addr, "/", None).await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").is_some_and(|v| v.starts_with("text/html")));
    assert!(String::from_utf8_lossy(&body).contains("cargo xtask serve"));
    server.stop().await;
}
