//! `/api` over real sockets: ping/pong, echo, and each injected fault, including the
//! server-wide restart drill.

mod common;

use std::time::{Duration, Instant};

use common::{TestServer, close_of, next, send_text};
use futures::StreamExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::{self, Message};
use wslab_server::Config;

#[tokio::test]
async fn ping_gets_pong_and_the_rest_is_echoed() {
    let server = TestServer::start(Config::default()).await;
    let mut client = server.connect("/api").await;
    send_text(&mut client, "ping").await;
    assert_eq!(next(&mut client).await, Message::text("pong"));
    send_text(&mut client, "hello").await;
    assert_eq!(next(&mut client).await, Message::text("hello"));
    server.stop().await;
}

#[tokio::test]
async fn drop_ends_the_connection_without_a_close_frame() {
    let server = TestServer::start(Config::default()).await;
    let mut client = server.connect("/api").await;
    send_text(&mut client, r#"{"fault":"drop"}"#).await;
    let ended = tokio::time::timeout(common::WAIT, client.next())
        .await
        .expect("the connection ends in time");
    assert!(
        matches!(
            ended,
            None | Some(Err(tungstenite::Error::Protocol(
                tungstenite::error::ProtocolError::ResetWithoutClosingHandshake
            )))
        ),
        "{ended:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn mute_leaves_pings_unanswered_for_a_while() {
    let server = TestServer::start(Config::default()).await;
    let mut client = server.connect("/api").await;
    send_text(&mut client, r#"{"fault":"mute","seconds":1}"#).await;
    assert!(matches!(next(&mut client).await, Message::Text(t) if t.contains("\"fault\"")));
    let muted_at = Instant::now();
    send_text(&mut client, "ping").await;
    send_text(&mut client, "marker").await;
    // The marker is echoed; the ping before it was not answered.
    assert_eq!(next(&mut client).await, Message::text("marker"));
    // After the mute, pings are answered again.
    loop {
        send_text(&mut client, "ping").await;
        let reply = tokio::time::timeout(Duration::from_millis(300), client.next()).await;
        if let Ok(Some(Ok(message))) = reply {
            assert_eq!(message, Message::text("pong"));
            break;
        }
        assert!(muted_at.elapsed() < Duration::from_secs(5), "still muted");
    }
    assert!(muted_at.elapsed() >= Duration::from_millis(900));
    server.stop().await;
}

#[tokio::test]
async fn close_uses_the_requested_code_and_reason() {
    let server = TestServer::start(Config::default()).await;
    let mut client = server.connect("/api").await;
    send_text(
        &mut client,
        &json!({"fault": "close", "code": 4002, "reason": "asked for it"}).to_string(),
    )
    .await;
    assert_eq!(close_of(&mut client).await, (4002, "asked for it".into()));

    let mut client = server.connect("/api").await;
    send_text(&mut client, r#"{"fault":"close","code":1006}"#).await;
    assert!(matches!(next(&mut client).await, Message::Text(t) if t.contains("\"error\"")));
    server.stop().await;
}

#[tokio::test]
async fn delay_holds_every_reply() {
    let server = TestServer::start(Config::default()).await;
    let mut client = server.connect("/api?delay=300").await;
    let started = Instant::now();
    send_text(&mut client, "ping").await;
    assert_eq!(next(&mut client).await, Message::text("pong"));
    assert!(started.elapsed() >= Duration::from_millis(300));
    server.stop().await;
}

#[tokio::test]
async fn bad_query_parameters_are_refused_before_the_upgrade() {
    let server = TestServer::start(Config::default()).await;
    for query in ["mute=soon", "delay=-1", "delay=1.5", "mute="] {
        match tokio_tungstenite::connect_async(server.ws(&format!("/api?{query}"))).await {
            Err(tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 400, "{query}");
            }
            other => panic!("{query}: expected HTTP 400, got {other:?}"),
        }
    }
    // In range or capped, as the control messages are: accepted.
    let mut client = server.connect("/api?mute=0&delay=999999").await;
    send_text(&mut client, "hello").await;
    server.stop().await;
}

#[tokio::test]
async fn the_restart_drill_closes_every_endpoint_with_1012_and_refuses_new_ones_for_a_while() {
    let server = TestServer::start(Config::default()).await;
    let mut echo = server.connect("/echo").await;
    let mut chat = server.connect("/chat").await;
    let mut stocks = server.connect("/stocks").await;
    let mut api = server.connect("/api").await;
    // Make sure every connection is live.
    send_text(&mut echo, "up").await;
    assert_eq!(next(&mut echo).await, Message::text("up"));

    send_text(&mut api, r#"{"fault":"restart","seconds":2}"#).await;
    let started = Instant::now();
    for client in [&mut echo, &mut chat, &mut stocks, &mut api] {
        assert_eq!(close_of(client).await, (1012, "service restart".into()));
    }
    match tokio_tungstenite::connect_async(server.ws("/echo")).await {
        Err(tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
            assert!(response.headers().contains_key("retry-after"));
        }
        other => panic!("expected 503 during the drill, got {other:?}"),
    }
    // After the drill, connections are accepted again.
    loop {
        if let Ok((mut client, _)) = tokio_tungstenite::connect_async(server.ws("/echo")).await {
            send_text(&mut client, "back").await;
            assert_eq!(next(&mut client).await, Message::text("back"));
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "still refused");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(started.elapsed() >= Duration::from_millis(1_500));
    server.stop().await;
}
