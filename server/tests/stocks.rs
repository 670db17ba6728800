//! `/stocks` over real sockets: the API reference's JSON, snapshots, unsubscribe, errors, the same
//! quotes for the same seed, and conflation for a client that does not keep up.

mod common;

use std::time::Duration;

use common::{Client, TestServer, WAIT, next, send_text};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use wslab_server::Config;

async fn frame(client: &mut Client) -> Value {
    loop {
        if let Message::Text(text) = next(client).await {
            return serde_json::from_str(text.as_str()).expect("server sends JSON");
        }
    }
}

async fn subscribe(client: &mut Client, symbols: &[&str]) {
    send_text(
        client,
        &json!({"action": "subscribe", "symbols": symbols}).to_string(),
    )
    .await;
}

#[tokio::test]
async fn subscribe_sends_a_snapshot_of_each_symbol_in_the_api_references_shape_then_updates() {
    let server = TestServer::start(Config::default()).await;
    let mut client = server.connect("/stocks?rate=50").await;
    // Exactly what the API reference's StockTicker sends on open.
    send_text(
        &mut client,
        r#"{"action": "subscribe", "symbols": ["AAPL", "GOOGL", "MSFT", "TSLA", "AMZN"]}"#,
    )
    .await;
    let mut snapshot = Vec::new();
    for _ in 0..5 {
        let Message::Text(raw) = next(&mut client).await else {
            panic!("expected a text frame");
        };
        // The API reference's field order, and nothing else.
        assert!(
            raw.as_str().starts_with(r#"{"type":"quote","symbol":""#),
            "{raw}"
        );
        let quote: Value = serde_json::from_str(raw.as_str()).expect("json");
        let mut keys: Vec<&str> = quote
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["change", "price", "symbol", "type", "volume"]);
        assert_eq!(quote["type"], "quote");
        assert!(quote["price"].is_f64() || quote["price"].is_u64());
        assert!(quote["change"].is_number());
        assert!(quote["volume"].is_u64(), "volume is an integer: {quote}");
        snapshot.push(quote["symbol"].as_str().expect("symbol").to_owned());
    }
    assert_eq!(snapshot, ["AAPL", "GOOGL", "MSFT", "TSLA", "AMZN"]);
    // Then updates, which move.
    let update = frame(&mut client).await;
    assert_eq!(update["type"], "quote");
    server.stop().await;
}

#[tokio::test]
async fn unsubscribe_stops_a_symbol() {
    let server = TestServer::start(Config::default()).await;
    let mut client = server.connect("/stocks?rate=2000").await;
    subscribe(&mut client, &["AAPL", "TSLA"]).await;
    for _ in 0..50 {
        frame(&mut client).await;
    }
    send_text(
        &mut client,
        &json!({"action": "unsubscribe", "symbols": ["TSLA"]}).to_string(),
    )
    .await;
    // A marker: the error for this bad request is queued after the unsubscribe took effect.
    send_text(&mut client, "marker").await;
    while frame(&mut client).await["type"] != "error" {}
    for _ in 0..300 {
        let quote = frame(&mut client).await;
        assert_eq!(quote["symbol"], "AAPL", "{quote}");
    }
    server.stop().await;
}

#[tokio::test]
async fn unknown_symbols_and_bad_requests_get_errors_and_the_connection_stays() {
    let server = TestServer::start(Config::default()).await;
    let mut client = server.connect("/stocks").await;
    let cases = [
        (
            r#"{"action":"subscribe","symbols":["XYZ1"]}"#,
            "unknown symbol XYZ1",
        ),
        (
            r#"{"action":"subscribe","symbols":[]}"#,
            "the symbols list is empty",
        ),
        (
            r#"{"action":"unsubscribe","symbols":["AAPL"]}"#,
            "not subscribed to AAPL",
        ),
        (
            r#"{"action":"buy","symbols":["AAPL"]}"#,
            "unknown action \"buy\"; expected subscribe or unsubscribe",
        ),
    ];
    for (request, expected) in cases {
        send_text(&mut client, request).await;
        assert_eq!(
            frame(&mut client).await,
            json!({"type": "error", "message": expected}),
            "{request}"
        );
    }
    for request in ["{oops", r#"{"action":"subscribe","symbols":"AAPL"}"#, "[]"] {
        send_text(&mut client, request).await;
        assert_eq!(frame(&mut client).await["type"], "error", "{request}");
    }
    // Known and unknown together: the known one is subscribed.
    subscribe(&mut client, &["MSFT", "NOPE"]).await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        seen.push(frame(&mut client).await);
    }
    assert!(
        seen.iter()
            .any(|f| f["type"] == "error" && f["message"] == "unknown symbol NOPE")
    );
    assert!(
        seen.iter()
            .any(|f| f["type"] == "quote" && f["symbol"] == "MSFT")
    );
    server.stop().await;
}

#[tokio::test]
async fn bad_query_parameters_are_refused_before_the_upgrade() {
    let server = TestServer::start(Config::default()).await;
    for query in ["rate=0", "rate=10001", "rate=fast", "seed=-1"] {
        match tokio_tungstenite::connect_async(server.ws(&format!("/stocks?{query}"))).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 400, "{query}");
            }
            other => panic!("{query}: expected HTTP 400, got {other:?}"),
        }
    }
    server.stop().await;
}

async fn first_quotes(server: &TestServer, seed: u64, count: usize) -> Vec<Value> {
    let mut client = server
        .connect(&format!("/stocks?rate=1000&seed={seed}"))
        .await;
    subscribe(&mut client, &["AAPL", "NVDA"]).await;
    let mut quotes = Vec::new();
    while quotes.len() < count {
        let quote = frame(&mut client).await;
        if quote["symbol"] == "AAPL" {
            quotes.push(quote);
        }
    }
    quotes
}

#[tokio::test]
async fn the_same_seed_gives_the_same_quotes() {
    let server = TestServer::start(Config::default()).await;
    let a = first_quotes(&server, 7, 40).await;
    let b = first_quotes(&server, 7, 40).await;
    let c = first_quotes(&server, 8, 40).await;
    // Conflation could skip steps on a slow client; these read as fast as the feed, so
    // compare the sequences allowing for that: every quote of b is one of a's.
    let volumes = |q: &[Value]| q.iter().map(|q| q["volume"].as_u64()).collect::<Vec<_>>();
    assert_eq!(a[0], b[0], "snapshots are equal");
    assert!(
        volumes(&b)
            .iter()
            .all(|v| volumes(&a).contains(v) || v > &volumes(&a)[39])
    );
    assert_eq!(a[..10], b[..10]);
    assert_ne!(a[0], c[0]);
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_does_not_read_gets_the_latest_quotes_not_a_backlog() {
    let server = TestServer::start(Config::default()).await;
    // A tiny receive buffer, so the server's socket fills quickly.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("rcvbuf");
    let stream = socket.connect(server.addr).await.expect("connect");
    let (mut client, _) = tokio_tungstenite::client_async(server.ws("/stocks?rate=10000"), stream)
        .await
        .expect("handshake");
    let all: Vec<&str> = wslab_protocol::stocks::CATALOGUE.to_vec();
    send_text_raw(
        &mut client,
        &json!({"action": "subscribe", "symbols": all}).to_string(),
    )
    .await;

    // Do not read for two seconds: 20,000 quotes are made meanwhile.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let started = std::time::Instant::now();
    let mut received = 0usize;
    let mut last_volume = std::collections::HashMap::new();
    while started.elapsed() < Duration::from_secs(1) {
        let Ok(Some(Ok(Message::Text(text)))) =
            tokio::time::timeout(WAIT, futures::StreamExt::next(&mut client)).await
        else {
            panic!("the feed stopped");
        };
        let quote: Value = serde_json::from_str(text.as_str()).expect("json");
        let volume = quote["volume"].as_u64().expect("volume");
        let symbol = quote["symbol"].as_str().expect("symbol").to_owned();
        // Never an older quote after a newer one.
        if let Some(previous) = last_volume.insert(symbol, volume) {
            assert!(volume > previous);
        }
        received += 1;
    }
    // Without conflation the client would be reading the 30,000 quotes made in these three
    // seconds one by one; with it, what waited was one quote per symbol.
    assert!(
        received < 20_000,
        "received {received} quotes: a backlog was kept"
    );
    server.stop().await;
}

async fn send_text_raw<S>(client: &mut tokio_tungstenite::WebSocketStream<S>, text: &str)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    futures::SinkExt::send(client, Message::text(text))
        .await
        .expect("send");
}
