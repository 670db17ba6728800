//! `/parallel` over real sockets: the address first, then ticks on their own and an answer
//! to each message as it arrives, interleaved.

mod common;

use common::{Client, TestServer, next, send_text};
use futures::SinkExt;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};
use wslab_protocol::parallel::ParallelEvent;
use wslab_server::{Config, TrustedProxies};

/// The next frame, read as an event.
async fn event(client: &mut Client) -> ParallelEvent {
    match next(client).await {
        Message::Text(text) => ParallelEvent::read(text.as_str())
            .unwrap_or_else(|| panic!("not a /parallel event: {text}")),
        other => panic!("not a text frame: {other:?}"),
    }
}

/// The local port of a client's TCP connection.
fn local_port(client: &Client) -> u16 {
    match client.get_ref() {
        tokio_tungstenite::MaybeTlsStream::Plain(tcp) => {
            tcp.local_addr().expect("a local address").port()
        }
        _ => panic!("a plain TCP client"),
    }
}

#[tokio::test]
async fn the_client_is_told_its_address_then_ticks_and_replies_interleave() {
    let server = TestServer::start(Config::default()).await;
    let mut client = server.connect("/parallel").await;
    assert_eq!(
        event(&mut client).await,
        ParallelEvent::Address {
            host: "127.0.0.1".into(),
            port: Some(local_port(&client)),
        }
    );
    // Ticks come on their own, numbered, while the client says nothing.
    assert_eq!(event(&mut client).await, ParallelEvent::Tick { n: 1 });
    // A message is answered at once, between ticks, whatever the tick loop is doing.
    send_text(&mut client, "bonjour").await;
    send_text(&mut client, "encore").await;
    let mut last_tick = 1;
    let mut replies = Vec::new();
    while replies.len() < 2 {
        match event(&mut client).await {
            ParallelEvent::Tick { n } => {
                assert_eq!(n, last_tick + 1, "ticks in order, none skipped");
                last_tick = n;
            }
            ParallelEvent::Reply { text, after_tick } => {
                assert_eq!(
                    after_tick, last_tick,
                    "the reply says which tick it followed"
                );
                replies.push(text);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(replies, ["bonjour", "encore"]);
    // And the ticks go on after the replies.
    loop {
        if let ParallelEvent::Tick { n } = event(&mut client).await {
            assert_eq!(n, last_tick + 1);
            break;
        }
    }
    client
        .send(Message::binary(vec![1, 2, 3]))
        .await
        .expect("send binary");
    loop {
        match event(&mut client).await {
            ParallelEvent::Tick { .. } => {}
            ParallelEvent::Error { message } => {
                assert!(message.contains("send text"), "{message}");
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_told_without_a_port() {
    let server = TestServer::start(Config {
        proxies: TrustedProxies::new(vec!["127.0.0.1".parse().expect("an address")]),
        ..Config::default()
    })
    .await;
    let mut request = server
        .ws("/parallel")
        .into_client_request()
        .expect("a request");
    request
        .headers_mut()
        .insert("x-forwarded-for", HeaderValue::from_static("203.0.113.7"));
    let (mut client, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("handshake");
    assert_eq!(
        event(&mut client).await,
        ParallelEvent::Address {
            host: "203.0.113.7".into(),
            port: None,
        }
    );
    server.stop().await;
}
