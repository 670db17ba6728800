//! The chat demo in headless Chromium: two components in one page talk through the live
//! server; the virtualized list keeps the DOM small at 100,000 lines.

mod common;

use common::{Mounted, server};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use wslab::demos::chat::{ChatDemo, ChatDemoProps, ChatList, ChatListProps, Lines, state::Line};

wasm_bindgen_test_configure!(run_in_browser);

async fn chat() -> Mounted<ChatDemo> {
    Mounted::<ChatDemo>::new(ChatDemoProps {
        url: format!("{}/chat", server()).into(),
    })
    .await
}

fn shows(demo: &Mounted<ChatDemo>, text: &str) -> bool {
    demo.lines("#chat-messages").iter().any(|l| l == text)
}

/// A room of its own for each test run, so history from earlier runs cannot interfere.
fn fresh_room(tag: &str) -> String {
    format!("{tag}-{}", (js_sys::Math::random() * 1e9) as u64)
}

async fn join(demo: &Mounted<ChatDemo>, name: &str, room: &str) {
    demo.wait_for("the connection", |d| shows(d, "Connected to chat server"))
        .await;
    demo.set_value("#chat-username", name);
    demo.set_value("#chat-room", room);
    demo.click("#chat-join").await;
    demo.wait_for("the join", |d| {
        d.lines("#chat-messages")
            .iter()
            .any(|l| l.starts_with(&format!("You joined {room} as")))
    })
    .await;
}

#[wasm_bindgen_test]
async fn two_chats_in_one_page_talk_through_the_server() {
    let room = fresh_room("wasm");
    let ada = chat().await;
    let bob = chat().await;
    join(&ada, "Ada", &room).await;
    join(&bob, "Bob", &room).await;
    ada.wait_for("Bob's join", |d| shows(d, "Bob joined the chat"))
        .await;

    ada.set_value("#chat-input", "Bonjour Bob");
    ada.click("#chat-send").await;
    for demo in [&ada, &bob] {
        demo.wait_for("Ada's line", |d| shows(d, "Ada: Bonjour Bob"))
            .await;
    }
    assert_eq!(ada.find("#chat-input").get_attribute("value"), None);
    assert_eq!(
        ada.find("#chat-input")
            .dyn_into::<web_sys::HtmlInputElement>()
            .map(|i| i.value())
            .ok()
            .as_deref(),
        Some(""),
        "the input is cleared after sending"
    );

    // Markup arrives as text.
    bob.set_value("#chat-input", "<img src=x onerror=alert(1)>");
    bob.click("#chat-send").await;
    ada.wait_for("Bob's markup, as text", |d| {
        shows(d, "Bob: <img src=x onerror=alert(1)>")
    })
    .await;
    assert!(
        ada.find("#chat-messages")
            .query_selector("img")
            .ok()
            .flatten()
            .is_none()
    );

    bob.click("#chat-leave").await;
    ada.wait_for("Bob's leave", |d| shows(d, "Bob left the chat"))
        .await;
}

#[wasm_bindgen_test]
async fn the_second_user_of_a_name_gets_a_distinct_one() {
    let room = fresh_room("names");
    let first = chat().await;
    let second = chat().await;
    join(&first, "User", &room).await;
    join(&second, "User", &room).await;
    assert!(shows(&second, &format!("You joined {room} as User (2)")));
    second.set_value("#chat-input", "who am I?");
    second.click("#chat-send").await;
    first
        .wait_for("the line under the new name", |d| {
            shows(d, "User (2): who am I?")
        })
        .await;
}

#[wasm_bindgen_test]
async fn server_errors_are_shown() {
    let demo = chat().await;
    demo.wait_for("the connection", |d| shows(d, "Connected to chat server"))
        .await;
    demo.set_value("#chat-room", "no spaces allowed");
    demo.click("#chat-join").await;
    demo.wait_for("the error", |d| {
        d.lines("#chat-messages")
            .iter()
            .any(|l| l.starts_with("Error: room name \"no spaces allowed\" is not valid"))
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_hundred_thousand_lines_keep_the_dom_small() {
    let mut lines = Lines::default();
    for i in 0..100_000u64 {
        lines.push(Line::Chat {
            id: i + 1,
            username: "bench".into(),
            text: format!("line {i}").into(),
            room: "general".into(),
        });
    }
    let list = Mounted::<ChatList>::new(ChatListProps {
        lines,
        multi_room: false,
    })
    .await;
    let rows = list.lines("#chat-messages");
    assert!(rows.len() <= 150, "{} rows in the DOM", rows.len());
    // Following the bottom: the newest line is rendered.
    assert_eq!(rows.last().map(String::as_str), Some("bench: line 99999"));
}
