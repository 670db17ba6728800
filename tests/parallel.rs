//! The parallel demo, mounted in headless Chromium, against the live wslab-server.

mod common;

use common::{Mounted, server};
use wasm_bindgen_test::*;
use wslab::demos::parallel::{ParallelDemo, ParallelDemoProps};

wasm_bindgen_test_configure!(run_in_browser);

fn count(demo: &Mounted<ParallelDemo>, prefix: &str) -> usize {
    demo.lines("#parallel-log")
        .iter()
        .filter(|l| l.starts_with(prefix))
        .count()
}

#[wasm_bindgen_test]
async fn ticks_and_replies_interleave_on_the_timeline() {
    let demo = Mounted::<ParallelDemo>::new(ParallelDemoProps {
        url: format!("{}/parallel", server()).into(),
    })
    .await;
    // It connects by itself and is told its address first.
    demo.wait_for("the address", |d| {
        d.text("#parallel-address").starts_with("127.0.0.1:")
    })
    .await;
    assert!(demo.disabled("#parallel-connect"));
    demo.wait_for("a first tick", |d| count(d, "⏱ tick 1") == 1)
        .await;
    demo.set_value("#parallel-input", "bonjour");
    demo.click("#parallel-send").await;
    demo.wait_for("the reply", |d| d.text("#parallel-replies") == "1")
        .await;
    demo.wait_for("a tick after the reply", |d| {
        let lines = d.lines("#parallel-log");
        let reply = lines
            .iter()
            .position(|l| l.starts_with("↩ reply \"bonjour\""));
        reply.is_some_and(|at| lines[at..].iter().any(|l| l.starts_with("⏱ tick")))
    })
    .await;
    // One timeline: a sent line, its reply, and ticks before and after.
    let lines = demo.lines("#parallel-log");
    let sent = lines
        .iter()
        .position(|l| l == "→ bonjour")
        .expect("the sent line");
    let reply = lines
        .iter()
        .position(|l| l.starts_with("↩ reply \"bonjour\""))
        .expect("the reply");
    assert!(sent < reply, "{lines:?}");
    assert!(count(&demo, "⏱ tick") >= 2);

    demo.click("#parallel-close").await;
    demo.wait_for("the close", |d| !d.disabled("#parallel-connect"))
        .await;
    assert!(demo.disabled("#parallel-send"));
    assert!(
        demo.lines("#parallel-log")
            .iter()
            .any(|l| l == "closed: 1000 (Normal Closure)")
    );
}

#[wasm_bindgen_test]
async fn an_unreachable_server_is_shown_and_connect_is_offered_again() {
    // Nothing listens on port 9 (discard) on loopback.
    let demo = Mounted::<ParallelDemo>::new(ParallelDemoProps {
        url: "ws://127.0.0.1:9/parallel".into(),
    })
    .await;
    demo.wait_for("the failure", |d| !d.disabled("#parallel-connect"))
        .await;
    assert!(
        demo.lines("#parallel-log")
            .iter()
            .any(|l| l.starts_with("closed: 1006"))
    );
    assert_eq!(demo.text("#parallel-address"), "–");
}
