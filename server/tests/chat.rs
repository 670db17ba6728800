//! `/chat` over real sockets: broadcast, rooms, history, names, bad input, flooding, and a
//! client that stops reading.

mod common;

use common::{Client, TestServer, WAIT, next, send_text};
use futures::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use wslab_server::{Config, Limits, chat::ChatLimits};

/// A server whose rate limit does not get in the way of tests about something else.
async fn unthrottled() -> TestServer {
    TestServer::start(Config {
        chat: ChatLimits {
            rate_burst: 1e9,
            rate_per_second: 1e9,
            ..ChatLimits::default()
        },
        limits: Limits {
            message_rate: None,
            ..Limits::default()
        },
        ..Config::default()
    })
    .await
}

async fn event(client: &mut Client) -> Value {
    loop {
        match next(client).await {
            Message::Text(text) => {
                return serde_json::from_str(text.as_str()).expect("server sends JSON");
            }
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

async fn send(client: &mut Client, value: Value) {
    send_text(client, &value.to_string()).await;
}

/// Connects and joins `room` as `name`; returns the client and the name it got.
async fn joined(server: &TestServer, name: &str, room: Option<&str>) -> (Client, String) {
    let mut client = server.connect("/chat").await;
    let mut join = json!({"type": "join", "username": name});
    if let Some(room) = room {
        join["room"] = json!(room);
    }
    send(&mut client, join).await;
    let welcome = event(&mut client).await;
    assert_eq!(welcome["type"], "joined", "{welcome}");
    let got = welcome["username"].as_str().expect("a name").to_owned();
    (client, got)
}

fn strip_extras(mut value: Value) -> Value {
    if let Some(object) = value.as_object_mut() {
        for extra in ["id", "ts", "room"] {
            object.remove(extra);
        }
    }
    value
}

#[tokio::test]
async fn two_clients_see_each_others_messages_as_the_api_reference_expects() {
    let server = TestServer::start(Config::default()).await;
    let (mut ada, _) = joined(&server, "Ada", None).await;
    let (mut bob, _) = joined(&server, "Bob", None).await;
    assert_eq!(
        event(&mut ada).await,
        json!({"type": "join", "username": "Bob", "room": "general"})
    );

    // Exactly the API reference client's message; the sender gets it back too.
    send(
        &mut ada,
        json!({"type": "message", "username": "Ada", "text": "Bonjour Bob"}),
    )
    .await;
    for client in [&mut ada, &mut bob] {
        let line = event(client).await;
        assert_eq!(
            strip_extras(line.clone()),
            json!({"type": "message", "username": "Ada", "text": "Bonjour Bob"})
        );
        assert_eq!(line["room"], "general");
        assert!(line["id"].as_u64().is_some() && line["ts"].as_u64().is_some());
    }
    server.stop().await;
}

#[tokio::test]
async fn a_joiner_gets_members_and_the_last_100_messages() {
    let server = unthrottled().await;
    let (mut ada, _) = joined(&server, "Ada", None).await;
    // 105 messages, each read back before the next.
    for i in 0..105 {
        send(
            &mut ada,
            json!({"type": "message", "text": format!("line {i}")}),
        )
        .await;
        assert_eq!(event(&mut ada).await["text"], format!("line {i}"));
    }
    let mut bob = server.connect("/chat").await;
    send(&mut bob, json!({"type": "join", "username": "Bob"})).await;
    let welcome = event(&mut bob).await;
    assert_eq!(welcome["members"], json!(["Ada", "Bob"]));
    let mut ids = Vec::new();
    for i in 5..105 {
        let line = event(&mut bob).await;
        assert_eq!(line["text"], format!("line {i}"));
        ids.push(line["id"].as_u64().expect("id"));
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase");
    // Resuming from a line no longer kept: told of the gap, then the last 100.
    let mut cy = server.connect("/chat").await;
    let since = ids[0] - 2;
    send(
        &mut cy,
        json!({"type": "join", "username": "Cy", "since": since}),
    )
    .await;
    assert_eq!(event(&mut cy).await["type"], "joined");
    assert_eq!(
        event(&mut cy).await,
        json!({"type": "gap", "room": "general", "since": since})
    );
    assert_eq!(event(&mut cy).await["text"], "line 5");
    // Resuming from a kept line: no gap.
    let mut di = server.connect("/chat").await;
    send(
        &mut di,
        json!({"type": "join", "username": "Di", "since": ids[0]}),
    )
    .await;
    assert_eq!(event(&mut di).await["type"], "joined");
    assert_eq!(event(&mut di).await["text"], "line 6");
    server.stop().await;
}

#[tokio::test]
async fn joining_three_full_rooms_at_once_sends_every_history_line_and_keeps_the_joiner() {
    // A reconnecting app rejoins all its rooms in one go. Three histories (303 frames) are
    // more than the 256-frame queue: answers must wait for room, not count as not reading.
    let server = unthrottled().await;
    let rooms = ["r1", "r2", "r3"];
    let mut ada = server.connect("/chat").await;
    for room in rooms {
        send(
            &mut ada,
            json!({"type": "join", "username": "Ada", "room": room}),
        )
        .await;
        assert_eq!(event(&mut ada).await["type"], "joined");
        for i in 0..100 {
            send(
                &mut ada,
                json!({"type": "message", "text": format!("{room} line {i}"), "room": room}),
            )
            .await;
            assert_eq!(event(&mut ada).await["text"], format!("{room} line {i}"));
        }
    }
    let mut bob = server.connect("/chat").await;
    // The three joins leave in one write.
    for room in rooms {
        let join = json!({"type": "join", "username": "Bob", "room": room});
        bob.feed(Message::text(join.to_string()))
            .await
            .expect("queue a join");
    }
    bob.flush().await.expect("send the joins");
    let mut lines = 0;
    for room in rooms {
        let welcome = event(&mut bob).await;
        assert_eq!(
            (welcome["type"].as_str(), welcome["room"].as_str()),
            (Some("joined"), Some(room)),
            "{welcome}"
        );
        for i in 0..100 {
            let line = event(&mut bob).await;
            assert_eq!(line["text"], format!("{room} line {i}"), "{line}");
            lines += 1;
        }
    }
    assert_eq!(lines, 300);
    // Still connected, and still a member: Ada hears of Bob in each room, never a leave.
    for room in rooms {
        let notice = event(&mut ada).await;
        assert_eq!(
            notice,
            json!({"type": "join", "username": "Bob", "room": room})
        );
    }
    send(
        &mut bob,
        json!({"type": "message", "text": "hi", "room": "r2"}),
    )
    .await;
    assert_eq!(event(&mut bob).await["text"], "hi");
    assert_eq!(event(&mut ada).await["text"], "hi");
    server.stop().await;
}

#[tokio::test]
async fn a_closed_connection_is_announced_as_leave() {
    let server = TestServer::start(Config::default()).await;
    let (mut ada, _) = joined(&server, "Ada", None).await;
    let (bob, _) = joined(&server, "Bob", None).await;
    assert_eq!(event(&mut ada).await["type"], "join");
    drop(bob);
    assert_eq!(
        event(&mut ada).await,
        json!({"type": "leave", "username": "Bob", "room": "general"})
    );
    server.stop().await;
}

#[tokio::test]
async fn rooms_are_separate_and_a_connection_can_be_in_several() {
    let server = TestServer::start(Config::default()).await;
    let (mut ada, _) = joined(&server, "Ada", Some("rust")).await;
    let (mut bob, _) = joined(&server, "Bob", None).await;
    // Ada joins general too.
    send(
        &mut ada,
        json!({"type": "join", "username": "Ada", "room": "general"}),
    )
    .await;
    assert_eq!(event(&mut ada).await["type"], "joined");
    assert_eq!(event(&mut bob).await["username"], "Ada");

    send(
        &mut ada,
        json!({"type": "message", "text": "only rust", "room": "rust"}),
    )
    .await;
    send(
        &mut ada,
        json!({"type": "message", "text": "hello general"}),
    )
    .await;
    assert_eq!(event(&mut ada).await["text"], "only rust");
    assert_eq!(event(&mut ada).await["text"], "hello general");
    // Bob (general only) sees the second line and not the first.
    assert_eq!(event(&mut bob).await["text"], "hello general");

    send(&mut ada, json!({"type": "leave", "room": "general"})).await;
    assert_eq!(
        event(&mut ada).await,
        json!({"type": "leave", "username": "Ada", "room": "general"})
    );
    assert_eq!(event(&mut bob).await["type"], "leave");
    server.stop().await;
}

#[tokio::test]
async fn names_are_trusted_from_the_join_and_duplicates_disambiguated() {
    let server = TestServer::start(Config::default()).await;
    let (mut first, name1) = joined(&server, "User", None).await;
    let (mut second, name2) = joined(&server, "User", None).await;
    assert_eq!((name1.as_str(), name2.as_str()), ("User", "User (2)"));
    assert_eq!(event(&mut first).await["username"], "User (2)");

    // The second copy claims to be the first: the server uses its joined name.
    send(
        &mut second,
        json!({"type": "message", "username": "User", "text": "it's me"}),
    )
    .await;
    assert_eq!(event(&mut first).await["username"], "User (2)");
    server.stop().await;
}

#[tokio::test]
async fn bad_input_gets_an_error_and_the_connection_stays() {
    let server = TestServer::start(Config::default()).await;
    let mut client = server.connect("/chat").await;
    let cases = [
        ("{not json".to_owned(), "malformed JSON"),
        (
            r#"{"type":"shout"}"#.to_owned(),
            "unknown message type \"shout\"",
        ),
        (
            r#"{"type":"message","text":"hi"}"#.to_owned(),
            "join room general before sending",
        ),
        (
            r#"{"type":"join","username":""}"#.to_owned(),
            "username must be 1 to 32",
        ),
        (
            json!({"type":"join","username":"x".repeat(33)}).to_string(),
            "username must be 1 to 32",
        ),
        (
            r#"{"type":"join","username":"Ada","room":"no spaces"}"#.to_owned(),
            "room name",
        ),
        (r#"{"type":"message"}"#.to_owned(), "bad message message"),
    ];
    for (frame, expected) in &cases {
        send_text(&mut client, frame).await;
        let reply = event(&mut client).await;
        assert_eq!(reply["type"], "error", "{frame}");
        let message = reply["message"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{frame}: {message}");
    }
    client
        .send(Message::binary(vec![1, 2, 3]))
        .await
        .expect("send");
    assert!(
        event(&mut client).await["message"]
            .as_str()
            .is_some_and(|m| m.contains("binary frames"))
    );

    send(&mut client, json!({"type": "join", "username": "Ada"})).await;
    assert_eq!(event(&mut client).await["type"], "joined");
    for (text, expected) in [
        (String::from("   "), "message text is empty"),
        (
            "x".repeat(2001),
            "message text is 2001 characters; the limit is 2000",
        ),
    ] {
        send(&mut client, json!({"type": "message", "text": text})).await;
        assert_eq!(event(&mut client).await["message"], expected);
    }
    // Still connected and working.
    send(
        &mut client,
        json!({"type": "message", "text": "x".repeat(2000)}),
    )
    .await;
    assert_eq!(event(&mut client).await["type"], "message");
    server.stop().await;
}

#[tokio::test]
async fn flooding_gets_errors_then_close_1008() {
    let server = TestServer::start(Config::default()).await;
    let (mut flooder, _) = joined(&server, "Flood", None).await;
    for i in 0..60 {
        flooder
            .feed(Message::text(
                json!({"type": "message", "text": format!("spam {i}")}).to_string(),
            ))
            .await
            .expect("feed");
    }
    flooder.flush().await.expect("flush");
    let mut errors = 0;
    let mut lines = 0;
    loop {
        match next(&mut flooder).await {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(text.as_str()).expect("json");
                match value["type"].as_str() {
                    Some("error") => errors += 1,
                    Some("message") => lines += 1,
                    other => panic!("unexpected {other:?}"),
                }
            }
            Message::Close(Some(frame)) => {
                assert_eq!(u16::from(frame.code), 1008);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(
        (19..=22).contains(&lines),
        "the burst of 20 (one went to the join) got through: {lines}"
    );
    assert!(
        errors >= 9,
        "each refused frame was answered until the last strike: {errors}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_and_others_are_not_slowed() {
    let server = unthrottled().await;
    // The stalled client joins and then never reads again.
    let (_stalled, _) = joined(&server, "Sleepy", None).await;
    let (mut talker, _) = joined(&server, "Talker", None).await;
    let (mut reader, _) = joined(&server, "Reader", None).await;
    let _ = event(&mut talker).await; // Reader joined
    let started = std::time::Instant::now();
    let mut left = false;
    // Enough traffic to fill the socket buffers and the 256-frame queue of the stalled one.
    let big = "y".repeat(2000);
    let mut sent = 0;
    while !left && started.elapsed() < WAIT * 3 {
        send(&mut talker, json!({"type": "message", "text": big})).await;
        sent += 1;
        // The reader keeps up and sees every line, or Sleepy's leave.
        loop {
            let value = event(&mut reader).await;
            match value["type"].as_str() {
                Some("message") => break,
                Some("leave") => {
                    assert_eq!(value["username"], "Sleepy");
                    left = true;
                }
                _ => {}
            }
        }
        let _ = event(&mut talker).await;
    }
    assert!(left, "Sleepy was never disconnected after {sent} messages");
    server.stop().await;
}

#[tokio::test]
async fn a_rejoin_with_since_gets_only_the_missed_lines_and_ping_gets_pong() {
    let server = unthrottled().await;
    let (mut ada, _) = joined(&server, "Ada", Some("resume")).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        send(
            &mut ada,
            json!({"type": "message", "text": format!("m{i}"), "room": "resume"}),
        )
        .await;
        ids.push(event(&mut ada).await["id"].as_u64().expect("id"));
    }
    let mut bob = server.connect("/chat").await;
    send(
        &mut bob,
        json!({"type": "join", "username": "Bob", "room": "resume", "since": ids[2]}),
    )
    .await;
    assert_eq!(event(&mut bob).await["type"], "joined");
    assert_eq!(event(&mut bob).await["text"], "m3");
    assert_eq!(event(&mut bob).await["text"], "m4");
    send_text(&mut bob, "ping").await;
    assert_eq!(next(&mut bob).await, Message::text("pong"));
    server.stop().await;
}

#[tokio::test]
async fn the_restart_drill_frees_names_so_a_rejoin_gets_the_same_one() {
    let server = TestServer::start(Config::default()).await;
    let (mut ada, _) = joined(&server, "Ada", Some("drill")).await;
    let mut api = server.connect("/api").await;
    send_text(&mut api, r#"{"fault":"restart","seconds":1}"#).await;
    assert_eq!(common::close_of(&mut ada).await.0, 1012);
    // Once the drill is over, the same name is free again.
    let started = std::time::Instant::now();
    let client = loop {
        if let Ok((client, _)) = tokio_tungstenite::connect_async(server.ws("/chat")).await {
            break client;
        }
        assert!(started.elapsed() < WAIT, "still refused");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let mut ada = client;
    send(
        &mut ada,
        json!({"type": "join", "username": "Ada", "room": "drill"}),
    )
    .await;
    let welcome = event(&mut ada).await;
    assert_eq!(welcome["username"], "Ada");
    assert_eq!(welcome["members"], json!(["Ada"]));
    server.stop().await;
}
