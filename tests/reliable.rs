//! The reliable demo against the live server's `/api`: each fault, and the recovery.
//! Policies are shortened (200 ms base delay, 500 ms heartbeat) so the tests run in seconds.

mod common;

use common::{Mounted, server};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use wslab::demos::reliable::{ReliableDemo, ReliableDemoProps};
use wslab_socket::reconnect::{Heartbeat, Policy};

wasm_bindgen_test_configure!(run_in_browser);

fn fast(jitter: bool) -> Policy {
    Policy {
        base_delay: 200,
        max_delay: 2_000,
        max_attempts: Some(8),
        backoff: true,
        jitter,
        connect_timeout: 3_000,
        min_uptime: 1_000,
        heartbeat: Some(Heartbeat {
            interval: 500,
            timeout: 500,
            ..Heartbeat::default()
        }),
        outbox_capacity: 10,
    }
}

async fn demo(policy: Policy) -> Mounted<ReliableDemo> {
    let demo = Mounted::<ReliableDemo>::new(ReliableDemoProps {
        url: format!("{}/api", server()).into(),
        policy,
    })
    .await;
    demo.wait_for("the first connection", |d| {
        d.text("#reliable-status") == "open"
    })
    .await;
    demo
}

fn logged(demo: &Mounted<ReliableDemo>, needle: &str) -> bool {
    demo.lines("#reliable-log")
        .iter()
        .any(|l| l.contains(needle))
}

#[wasm_bindgen_test]
async fn every_heartbeat_reply_is_logged_even_past_the_thirty_the_sparkline_keeps() {
    let mut policy = fast(false);
    if let Some(heartbeat) = policy.heartbeat.as_mut() {
        heartbeat.interval = 50;
    }
    let demo = demo(policy).await;
    // On loopback most round trips take the same whole milliseconds. The page used to find
    // new ones by diffing the last 30 it was sent: once 30 were kept, a repeat was missed.
    let replies = |d: &Mounted<ReliableDemo>| {
        d.lines("#reliable-log")
            .iter()
            .filter(|l| l.contains("Heartbeat response received"))
            .count()
    };
    // Every frame /api sends here is a heartbeat reply; the inspector counts them all.
    let received = |d: &Mounted<ReliableDemo>| {
        d.text("#reliable-inspector-messages-in")
            .parse::<usize>()
            .unwrap_or_default()
    };
    demo.wait_for("40 replies", |d| received(d) >= 40).await;
    demo.click("#reliable-close").await;
    demo.wait_for("each reply logged once, after the close", |d| {
        d.text("#reliable-status").starts_with("closed") && replies(d) == received(d)
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_dropped_connection_comes_back_within_the_backoff_bounds() {
    let demo = demo(fast(true)).await;
    let dropped_at = js_sys::Date::now();
    demo.click("#fault-drop").await;
    demo.wait_for("the drop", |d| logged(d, "socket #1 closed: code 1006"))
        .await;
    demo.wait_for("the reconnection", |d| logged(d, "socket #2 open"))
        .await;
    let took = js_sys::Date::now() - dropped_at;
    // First retry: at most 200 ms of backoff, plus a local connect.
    assert!(took < 1_500.0, "recovered in {took} ms");
    assert!(logged(&demo, "reconnecting in"));
    assert_eq!(demo.text("#reliable-status"), "open");
}

#[wasm_bindgen_test]
async fn a_muted_server_is_found_dead_by_the_heartbeat_and_replaced() {
    let demo = demo(fast(true)).await;
    demo.wait_for("a measured round trip", |d| {
        logged(d, "Heartbeat response received")
    })
    .await;
    demo.click("#fault-mute").await;
    demo.wait_for("the pong timeout", |d| {
        logged(d, "socket #1 abandoned: no answer in time")
    })
    .await;
    demo.wait_for("a new socket", |d| logged(d, "socket #2 open"))
        .await;
}

#[wasm_bindgen_test]
async fn the_users_close_never_reconnects() {
    let demo = demo(fast(false)).await;
    demo.click("#reliable-close").await;
    demo.wait_for("closed", |d| d.text("#reliable-status") == "closed (1000)")
        .await;
    assert!(logged(
        &demo,
        "socket #1 closed: code 1000 (Normal Closure), wasClean true, reason \"Client closing\""
    ));
    // Several backoff ceilings later, still closed and no second socket.
    gloo_timers::future::TimeoutFuture::new(1_000).await;
    assert_eq!(demo.text("#reliable-status"), "closed (1000)");
    assert!(!logged(&demo, "socket #2"));
    assert!(!demo.disabled("#reliable-connect"));
}

#[wasm_bindgen_test]
async fn a_do_not_retry_code_from_the_server_stops() {
    let demo = demo(fast(false)).await;
    demo.set_value("#fault-code", "4001");
    demo.click("#fault-close").await;
    demo.wait_for("the stop", |d| {
        d.text("#reliable-status")
            .starts_with("closed by the server (4001")
    })
    .await;
}

#[wasm_bindgen_test]
async fn messages_sent_while_away_are_queued_and_flushed_in_order() {
    let demo = demo(fast(false)).await;
    demo.find("#reliable-offline")
        .dyn_into::<web_sys::HtmlInputElement>()
        .expect("checkbox")
        .click();
    demo.wait_for("offline", |d| {
        d.text("#reliable-status").starts_with("offline")
    })
    .await;
    for text in ["first", "second"] {
        demo.set_value("#reliable-input", text);
        demo.click("#reliable-send").await;
    }
    demo.wait_for("two waiting", |d| {
        d.text("#reliable-outbox") == "2 waiting, 0 dropped"
    })
    .await;
    demo.find("#reliable-offline")
        .dyn_into::<web_sys::HtmlInputElement>()
        .expect("checkbox")
        .click();
    // Each text shows twice on the timeline: as sent (queued), then as echoed after the
    // reconnect, in the order sent.
    demo.wait_for("the echoes", |d| {
        let lines = d.lines("#reliable-log");
        let at = |text: &str| -> Vec<usize> {
            lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.ends_with(&format!("  {text}")))
                .map(|(i, _)| i)
                .collect()
        };
        let (first, second) = (at("first"), at("second"));
        first.len() == 2 && second.len() == 2 && first[1] < second[1]
    })
    .await;
    demo.wait_for("an empty outbox", |d| {
        d.text("#reliable-outbox") == "0 waiting, 0 dropped"
    })
    .await;
}

#[wasm_bindgen_test]
async fn the_restart_drill_is_survived() {
    let demo = demo(fast(false)).await;
    // A one-second drill through the send field (the page's button asks for three).
    demo.set_value("#reliable-input", r#"{"fault":"restart","seconds":1}"#);
    demo.click("#reliable-send").await;
    demo.wait_for("the 1012 close", |d| {
        logged(d, "closed: code 1012 (Service Restart)")
    })
    .await;
    demo.wait_for("open again after the drill", |d| {
        d.text("#reliable-status") == "open"
            && d.lines("#reliable-log")
                .iter()
                .filter(|l| l.contains(" open"))
                .count()
                >= 2
    })
    .await;
}
