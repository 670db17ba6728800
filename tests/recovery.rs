//! The restart drill against the live server: the chat and the ticker recover by
//! themselves, with no chat line lost or doubled and every ticker row updating again.

mod common;

use std::{cell::RefCell, rc::Rc};

use common::{Mounted, server};
use wasm_bindgen_test::*;
use wslab::demos::{
    chat::{ChatDemo, ChatDemoProps},
    ticker::{TickerDemo, TickerDemoProps},
};
use wslab_socket::{Message, OpenOptions, SocketAgent, SocketEvent};
use yew::Callback;

wasm_bindgen_test_configure!(run_in_browser);

const FIRST: [&str; 5] = ["AAPL", "GOOGL", "MSFT", "TSLA", "AMZN"];

/// Upper bound for a recovery: a 1 s drill plus the backoff of attempts it refused.
const RECOVERY: std::time::Duration = std::time::Duration::from_secs(30);

fn count(demo: &Mounted<ChatDemo>, text: &str) -> usize {
    demo.lines("#chat-messages")
        .iter()
        .filter(|l| *l == text)
        .count()
}

async fn join(demo: &Mounted<ChatDemo>, name: &str, room: &str) {
    demo.wait_for("the connection", |d| {
        count(d, "Connected to chat server") == 1
    })
    .await;
    demo.set_value("#chat-username", name);
    demo.set_value("#chat-room", room);
    demo.click("#chat-join").await;
    let joined = format!("You joined {room} as {name}");
    demo.wait_for("the join", |d| count(d, &joined) == 1).await;
}

fn volumes(ticker: &Mounted<TickerDemo>) -> Vec<String> {
    FIRST
        .iter()
        .map(|s| ticker.texts(&format!("#row_{s} td.volume")).concat())
        .collect()
}

/// Asks `/api` for a server-wide restart drill of `seconds`.
async fn restart_drill(seconds: u32) {
    let events = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&events);
    let agent = SocketAgent::open(
        &OpenOptions::new(format!("{}/api", server())),
        Callback::from(move |e| sink.borrow_mut().push(e)),
    )
    .expect("opens");
    let deadline = js_sys::Date::now() + 10_000.0;
    while !events
        .borrow()
        .iter()
        .any(|e| matches!(e, SocketEvent::Open { .. }))
    {
        assert!(
            js_sys::Date::now() < deadline,
            "the control socket did not open"
        );
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    agent
        .send(Message::Text(format!(
            r#"{{"fault":"restart","seconds":{seconds}}}"#
        )))
        .expect("sent");
    while !events
        .borrow()
        .iter()
        .any(|e| matches!(e, SocketEvent::Close(_)))
    {
        assert!(
            js_sys::Date::now() < deadline,
            "the drill did not close the control socket"
        );
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
}

#[wasm_bindgen_test]
async fn chat_and_ticker_recover_from_the_restart_drill_by_themselves() {
    let room = format!("drill-{}", (js_sys::Math::random() * 1e9) as u64);
    let ada = Mounted::<ChatDemo>::new(ChatDemoProps {
        url: format!("{}/chat", server()).into(),
    })
    .await;
    let bob = Mounted::<ChatDemo>::new(ChatDemoProps {
        url: format!("{}/chat", server()).into(),
    })
    .await;
    let ticker = Mounted::<TickerDemo>::new(TickerDemoProps {
        url: format!("{}/stocks", server()).into(),
    })
    .await;
    join(&ada, "Ada", &room).await;
    join(&bob, "Bob", &room).await;
    ada.set_value("#chat-input", "before the drill");
    ada.click("#chat-send").await;
    bob.wait_for("the first line", |d| count(d, "Ada: before the drill") == 1)
        .await;
    ticker
        .wait_for("five rows", |t| volumes(t).iter().all(|v| !v.is_empty()))
        .await;

    restart_drill(1).await;
    // Noticed at once (the notice list is short: later attempts push it out).
    ticker
        .wait_for("the ticker to see the 1012", |t| {
            t.lines("#ticker-notices")
                .iter()
                .any(|l| l.contains("code 1012 (Service Restart)"))
        })
        .await;

    for demo in [&ada, &bob] {
        demo.wait_for("the disconnection", |d| {
            count(d, "Disconnected from server") == 1
        })
        .await;
    }
    // Back by themselves: connected and rejoined under the same names.
    // Reconnect attempts made during the drill are refused, so the backoff grows: allow for
    // a few of its steps (1 s, 2 s, 4 s, 8 s ceilings).
    ada.wait_within(RECOVERY, "Ada back in the room", |d| {
        count(d, &format!("You joined {room} as Ada")) == 2
    })
    .await;
    // Ada speaks as soon as she is back; Bob may still be reconnecting: he must get the
    // line either live or from the history he asks for, and exactly once.
    ada.set_value("#chat-input", "after the drill");
    ada.click("#chat-send").await;
    bob.wait_within(RECOVERY, "Bob back in the room", |d| {
        count(d, &format!("You joined {room} as Bob")) == 2
    })
    .await;
    bob.wait_for("the line after the drill", |d| {
        count(d, "Ada: after the drill") == 1
    })
    .await;
    assert_eq!(count(&bob, "Ada: before the drill"), 1, "no line doubled");
    assert_eq!(count(&ada, "Ada: after the drill"), 1);

    // Every ticker row updates again.
    let at_recovery = volumes(&ticker);
    ticker
        .wait_within(RECOVERY, "every row to update", |t| {
            volumes(t)
                .iter()
                .zip(&at_recovery)
                .all(|(now, then)| now != then)
        })
        .await;
}
