//! `/echo` and `/hello` over real sockets, and graceful shutdown with 1001.

mod common;

use common::{TestServer, close_of, next, send_text};
use futures::SinkExt;
use tokio_tungstenite::tungstenite::{
    Message,
    protocol::{CloseFrame, frame::coding::CloseCode},
};
use wslab_server::Config;

#[tokio::test]
async fn echo_returns_text_and_binary_unchanged_and_in_order() {
    let server = TestServer::start(Config::default()).await;
    let mut client = server.connect("/echo").await;

    send_text(&mut client, "Bonjour 👋 — ça marche ?").await;
    assert_eq!(
        next(&mut client).await,
        Message::text("Bonjour 👋 — ça marche ?")
    );

    let bytes: Vec<u8> = (0..=255).collect();
    client
        .send(Message::binary(bytes.clone()))
        .await
        .expect("send binary");
    assert_eq!(next(&mut client).await, Message::binary(bytes));

    send_text(&mut client, "").await;
    assert_eq!(next(&mut client).await, Message::text(""));

    for i in 0..500 {
        client
            .feed(Message::text(i.to_string()))
            .await
            .expect("feed");
    }
    client.flush().await.expect("flush");
    for i in 0..500 {
        assert_eq!(next(&mut client).await, Message::text(i.to_string()));
    }
    server.stop().await;
}

#[tokio::test]
async fn echo_answers_ping_with_pong() {
    let server = TestServer::start(Config::default()).await;
    let mut client = server.connect("/echo").await;
    client
        .send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .expect("ping");
    assert_eq!(
        next(&mut client).await,
        Message::Pong(b"are you there".to_vec().into())
    );
    server.stop().await;
}

#[tokio::test]
async fn echo_returns_the_clients_close_code_and_reason() {
    let server = TestServer::start(Config::default()).await;
    let mut client = server.connect("/echo").await;
    client
        .send(Message::Close(Some(CloseFrame {
            code: CloseCode::from(4001),
            reason: "Client closing".into(),
        })))
        .await
        .expect("close");
    assert_eq!(close_of(&mut client).await, (4001, "Client closing".into()));
    server.stop().await;
}

#[tokio::test]
async fn hello_replies_once_then_closes_normally() {
    let server = TestServer::start(Config::default()).await;
    let mut client = server.connect("/hello").await;
    send_text(&mut client, "Bonjour serveur").await;
    assert_eq!(next(&mut client).await, Message::text("Message bien reçu"));
    assert_eq!(close_of(&mut client).await, (1000, String::new()));
    server.stop().await;
}

#[tokio::test]
async fn hello_accepts_a_binary_first_message_too() {
    let server = TestServer::start(Config::default()).await;
    let mut client = server.connect("/hello").await;
    client
        .send(Message::binary(vec![1, 2, 3]))
        .await
        .expect("send");
    assert_eq!(next(&mut client).await, Message::text("Message bien reçu"));
    assert_eq!(close_of(&mut client).await.0, 1000);
    server.stop().await;
}

#[tokio::test]
async fn shutdown_closes_every_websocket_with_1001() {
    let server = TestServer::start(Config::default()).await;
    let mut echo = server.connect("/echo").await;
    let mut hello = server.connect("/hello").await;
    // Make sure both connections are live before the signal.
    send_text(&mut echo, "before").await;
    assert_eq!(next(&mut echo).await, Message::text("before"));

    let addr = server.addr;
    let stopping = tokio::spawn(server.stop());
    assert_eq!(
        close_of(&mut echo).await,
        (1001, "server shutting down".into())
    );
    assert_eq!(close_of(&mut hello).await.0, 1001);
    stopping.await.expect("stop completes");

    // Nothing listens any more.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn unknown_paths_are_404_not_upgrades() {
    let server = TestServer::start(Config::default()).await;
    let result = tokio_tungstenite::connect_async(server.ws("/nope")).await;
    match result {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 404);
        }
        other => panic!("expected HTTP 404, got {other:?}"),
    }
    server.stop().await;
}

#[tokio::test]
async fn echo_negotiates_a_known_subprotocol_and_ignores_unknown_ones() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let server = TestServer::start(Config::default()).await;
    let mut request = server.ws("/echo").into_client_request().expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "nope, superchat".parse().expect("header"),
    );
    let (_client, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("handshake");
    assert_eq!(
        response
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok()),
        Some("superchat")
    );
    server.stop().await;
}

#[tokio::test]
async fn an_oversize_message_is_refused_with_1009_on_every_endpoint() {
    let server = TestServer::start(Config::default()).await;
    let mut healthy = server.connect("/echo").await;
    let too_big = "x".repeat(wslab_server::Limits::default().max_message + 1);
    for path in ["/echo", "/hello", "/chat", "/stocks", "/api"] {
        let mut greedy = server.connect(path).await;
        // The server may stop reading before the whole frame is written: ignore send errors.
        let _ = greedy.send(Message::text(too_big.clone())).await;
        assert_eq!(
            close_of(&mut greedy).await,
            (1009, "message too big".into()),
            "{path}"
        );
    }
    // The others are not affected.
    send_text(&mut healthy, "still fine").await;
    assert_eq!(next(&mut healthy).await, Message::text("still fine"));
    server.stop().await;
}

/// The router served by `axum::serve` rather than `wslab_server::serve`: the connection
/// then reaches the upgrade as a type the extractor cannot take apart, so `Conn` runs on
/// hyper's upgraded IO instead of the TCP stream, and must echo all the same.
#[tokio::test]
async fn echo_works_on_a_router_served_by_axum_serve() {
    let config = Config::default();
    let router = wslab_server::app(&config, wslab_server::AppState::new(&config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let addr = listener.local_addr().expect("local address");
    let serving = tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, service).await
    });
    let (mut client, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/echo"))
        .await
        .expect("upgrade");
    for text in ["through hyper's IO", "and again"] {
        send_text(&mut client, text).await;
        assert_eq!(next(&mut client).await, Message::text(text));
    }
    client
        .send(Message::Close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "done".into(),
        })))
        .await
        .expect("close");
    assert_eq!(close_of(&mut client).await, (1000, "done".into()));
    serving.abort();
}
