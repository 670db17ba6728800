//! The chat page in two real browser sessions talking through wslab-server.

use anyhow::Result;
use wslab_e2e::{AppServer, ChromeDriver, Session};

fn shows(page: &Session, text: &str) -> Result<bool> {
    Ok(page.lines("#chat-messages")?.iter().any(|l| l == text))
}

fn join(page: &Session, name: &str, room: &str) -> Result<()> {
    page.wait_for("the chat to connect", |p| {
        shows(p, "Connected to chat server")
    })?;
    page.type_into("#chat-username", name)?;
    page.type_into("#chat-room", room)?;
    page.click("#chat-join")?;
    page.wait_for("the join", |p| {
        Ok(p.lines("#chat-messages")?
            .iter()
            .any(|l| l.starts_with(&format!("You joined {room} as"))))
    })
}

#[test]
fn two_browsers_chat_through_the_server() -> Result<()> {
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let ada = Session::start(&driver, 900, 760)?;
    let bob = Session::start(&driver, 900, 760)?;
    let room = format!("e2e-{}", std::process::id());
    for page in [&ada, &bob] {
        page.goto(&server.url("/#/chat"))?;
    }
    join(&ada, "Ada", &room)?;
    join(&bob, "Bob", &room)?;
    ada.wait_for("Bob's join", |p| shows(p, "Bob joined the chat"))?;

    // Enter sends, and the input is cleared.
    ada.type_into("#chat-input", "Bonjour Bob !\n")?;
    bob.wait_for("Ada's line", |p| shows(p, "Ada: Bonjour Bob !"))?;
    assert_eq!(ada.value("#chat-input")?, "");
    bob.type_into("#chat-input", "Salut Ada, <b>ça</b> marche\n")?;
    ada.wait_for("Bob's reply", |p| {
        shows(p, "Bob: Salut Ada, <b>ça</b> marche")
    })?;
    ada.type_into("#chat-input", "On se voit en classe demain.\n")?;
    bob.wait_for("Ada's second line", |p| {
        shows(p, "Ada: On se voit en classe demain.")
    })?;
    if let Some(dir) = std::env::var_os("WSLAB_SCREENSHOTS") {
        let dir = std::path::Path::new(&dir);
        ada.demo_screenshot(&dir.join("chat-ada.png"))?;
        bob.demo_screenshot(&dir.join("chat-bob.png"))?;
    }

    bob.click("#chat-leave")?;
    ada.wait_for("Bob's leave", |p| shows(p, "Bob left the chat"))?;
    for page in [&ada, &bob] {
        assert_eq!(page.console_errors()?, Vec::<String>::new());
    }
    Ok(())
}

/// A chat server written from the Brython API reference alone, as a class might write one: it relays `join`,
/// `message` and (on disconnect) `leave` to every connection with only the API reference's fields (no
/// `joined`, no room, id or ts), and answers the heartbeat's `ping`. It runs on its own
/// runtime, stopped when the returned runtime is dropped.
fn start_reference_chat() -> Result<(tokio::runtime::Runtime, std::net::SocketAddr)> {
    use futures::{SinkExt, StreamExt};
    use serde_json::{Value, json};
    use tokio_tungstenite::tungstenite::Message;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let (room, _) = tokio::sync::broadcast::channel::<String>(64);
    runtime.spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let room = room.clone();
            tokio::spawn(async move {
                let Ok(socket) = tokio_tungstenite::accept_async(stream).await else {
                    return;
                };
                let (mut to_client, mut from_client) = socket.split();
                let mut heard = room.subscribe();
                let mut name = None;
                loop {
                    tokio::select! {
                        frame = from_client.next() => {
                            let Some(Ok(frame)) = frame else { break };
                            let Message::Text(text) = frame else { continue };
                            if text.as_str() == "ping" {
                                if to_client.send(Message::text("pong")).await.is_err() {
                                    break;
                                }
                                continue;
                            }
                            let Ok(request) = serde_json::from_str::<Value>(&text) else {
                                continue;
                            };
                            let username = request["username"].as_str().unwrap_or("?").to_owned();
                            let said = match request["type"].as_str() {
                                Some("join") => {
                                    name = Some(username.clone());
                                    json!({"type": "join", "username": username})
                                }
                                Some("message") => json!({
                                    "type": "message",
                                    "username": username,
                                    "text": request["text"],
                                }),
                                _ => continue,
                            };
                            let _ = room.send(said.to_string());
                        }
                        said = heard.recv() => {
                            let Ok(said) = said else { break };
                            if to_client.send(Message::text(said)).await.is_err() {
                                break;
                            }
                        }
                    }
                }
                if let Some(username) = name {
                    let _ = room.send(json!({"type": "leave", "username": username}).to_string());
                }
            });
        }
    });
    Ok((runtime, addr))
}

#[test]
fn the_chat_page_works_with_a_server_written_from_the_api_reference_alone() -> Result<()> {
    let (_reference_chat, reference_addr) = start_reference_chat()?;
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let ada = Session::start(&driver, 900, 760)?;
    let bob = Session::start(&driver, 900, 760)?;
    for page in [&ada, &bob] {
        page.goto(&server.url(&format!("/?server=ws://{reference_addr}#/chat")))?;
        page.wait_for("the chat to connect", |p| {
            shows(p, "Connected to chat server")
        })?;
    }
    // No `joined` comes back: each join shows as the API reference's client shows it, on both pages.
    for (page, name) in [(&ada, "Ada"), (&bob, "Bob")] {
        page.type_into("#chat-username", name)?;
        page.click("#chat-join")?;
    }
    ada.wait_for("Bob's join", |p| shows(p, "Bob joined the chat"))?;

    // Lines without an id: the same text twice is shown twice, not taken for a repeat.
    ada.type_into("#chat-input", "Bonjour\n")?;
    ada.type_into("#chat-input", "Bonjour\n")?;
    bob.wait_for("both of Ada's lines", |p| {
        Ok(p.count_lines("#chat-messages", "Ada: Bonjour")? == 2)
    })?;
    assert!(
        !bob.lines("#chat-messages")?
            .iter()
            .any(|l| l.starts_with("Received:")),
        "every frame was read"
    );

    drop(bob);
    ada.wait_for("Bob's leave", |p| shows(p, "Bob left the chat"))?;
    assert_eq!(ada.console_errors()?, Vec::<String>::new());
    Ok(())
}
