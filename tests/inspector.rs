//! The message inspector in headless Chromium against the live wslab-server: on the echo
//! page's demos the socket's tap records each frame with its direction and size, the totals
//! and the ready state follow, and the filter, pause, resume and Clear work; on the reliable
//! page it follows every socket across a reconnect; on the ticker a flood stays bounded.

mod common;

use common::{Mounted, server};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use wslab::{
    demos::{
        echo::hello::{HelloDemo, HelloDemoProps},
        echo::{EchoDemo, EchoDemoProps},
        reliable::{ReliableDemo, ReliableDemoProps},
        ticker::{TickerDemo, TickerDemoProps},
    },
    inspector::VISIBLE_ROWS,
};
use wslab_socket::reconnect::{Heartbeat, Policy};
use yew::BaseComponent;

wasm_bindgen_test_configure!(run_in_browser);

/// One row of the list: direction, size in bytes, payload as shown.
type Row = (String, String, String);

/// The rows of `prefix`'s inspector, newest first.
fn rows<C: BaseComponent>(demo: &Mounted<C>, prefix: &str) -> Vec<Row> {
    let items = demo
        .root
        .query_selector_all(&format!("#{prefix}-inspector-log li"))
        .expect("valid selector");
    (0..items.length())
        .filter_map(|i| items.item(i))
        .filter_map(|node| node.dyn_into::<web_sys::Element>().ok())
        .map(|row| {
            let data = row
                .query_selector(".inspector-data")
                .ok()
                .flatten()
                .and_then(|d| d.text_content())
                .unwrap_or_default();
            (
                row.get_attribute("data-dir").unwrap_or_default(),
                row.get_attribute("data-size").unwrap_or_default(),
                data,
            )
        })
        .collect()
}

fn row(dir: &str, size: usize, data: &str) -> Row {
    (dir.to_owned(), size.to_string(), data.to_owned())
}

/// Sets a field and fires the event the component listens to (`input` or `change`).
fn fire<C: BaseComponent>(demo: &Mounted<C>, selector: &str, kind: &str) {
    let event = web_sys::Event::new(kind).expect("an event");
    demo.find(selector)
        .dispatch_event(&event)
        .expect("dispatched");
}

fn filter(demo: &Mounted<EchoDemo>, text: &str) {
    demo.set_value("#echo-inspector-filter", text);
    fire(demo, "#echo-inspector-filter", "input");
}

fn direction(demo: &Mounted<EchoDemo>, value: &str) {
    demo.find("#echo-inspector-direction")
        .dyn_into::<HtmlSelectElement>()
        .expect("a select")
        .set_value(value);
    fire(demo, "#echo-inspector-direction", "change");
}

/// The totals: messages in, messages out, bytes in, bytes out.
fn totals<C: BaseComponent>(demo: &Mounted<C>, prefix: &str) -> [String; 4] {
    ["messages-in", "messages-out", "bytes-in", "bytes-out"]
        .map(|counter| demo.text(&format!("#{prefix}-inspector-{counter}")))
}

async fn send(demo: &Mounted<EchoDemo>, text: &str, binary: bool) {
    demo.find("#echo-binary")
        .dyn_into::<HtmlInputElement>()
        .expect("checkbox")
        .set_checked(binary);
    demo.set_value("#data", text);
    demo.click("#sendbtn").await;
}

#[wasm_bindgen_test]
async fn the_echo_inspector_records_both_directions_and_filters_pauses_and_clears() {
    let demo = Mounted::<EchoDemo>::new(EchoDemoProps {
        default_url: format!("{}/echo", server()).into(),
    })
    .await;
    assert_eq!(demo.text("#echo-inspector-ready"), "3 (CLOSED)");
    // The panel starts closed; open it so rows render.
    demo.click("#echo-inspector summary").await;
    demo.click("#openbtn").await;
    demo.wait_for("the ready state OPEN", |d| {
        d.text("#echo-inspector-ready") == "1 (OPEN)"
    })
    .await;

    // "héllo ✓" is 10 bytes of UTF-8 (é 2, ✓ 3).
    send(&demo, "héllo ✓", false).await;
    demo.wait_for("the sent frame and its echo", |d| {
        rows(d, "echo").len() == 2
    })
    .await;
    assert_eq!(
        rows(&demo, "echo"),
        [row("in", 10, "héllo ✓"), row("out", 10, "héllo ✓")]
    );
    assert_eq!(totals(&demo, "echo"), ["1", "1", "10", "10"]);
    assert_eq!(demo.text("#echo-inspector-dropped"), "0");

    send(&demo, "hi", true).await;
    demo.wait_for("the binary echo", |d| rows(d, "echo").len() == 4)
        .await;
    assert_eq!(rows(&demo, "echo")[0], row("in", 2, "68 69"));
    assert_eq!(totals(&demo, "echo"), ["2", "2", "12", "12"]);

    // Filter: the hex of binary frames, text ignoring case, then a direction.
    filter(&demo, "68 69");
    demo.wait_for("only the binary frames", |d| {
        rows(d, "echo").iter().all(|r| r.2 == "68 69") && rows(d, "echo").len() == 2
    })
    .await;
    filter(&demo, "HÉLLO");
    demo.wait_for("only the text frames", |d| {
        rows(d, "echo").iter().all(|r| r.2 == "héllo ✓") && rows(d, "echo").len() == 2
    })
    .await;
    direction(&demo, "out");
    demo.wait_for("only the sent text frame", |d| {
        rows(d, "echo") == [row("out", 10, "héllo ✓")]
    })
    .await;
    filter(&demo, "");
    direction(&demo, "all");
    demo.wait_for("every frame again", |d| rows(d, "echo").len() == 4)
        .await;

    // Pause: the list stays as it was while frames are still counted.
    demo.click("#echo-inspector-pause").await;
    assert_eq!(demo.text("#echo-inspector-pause").trim(), "Resume");
    send(&demo, "while paused", false).await;
    demo.wait_for("the frames counted while paused", |d| {
        totals(d, "echo")[0] == "3" && d.text("#echo-inspector-new") == "2"
    })
    .await;
    assert_eq!(rows(&demo, "echo").len(), 4);
    // Resume jumps to the live tail.
    demo.click("#echo-inspector-pause").await;
    demo.wait_for("the live list", |d| rows(d, "echo").len() == 6)
        .await;
    assert_eq!(rows(&demo, "echo")[0], row("in", 12, "while paused"));

    // Clear empties the list, not the totals.
    demo.click("#echo-inspector-clear").await;
    demo.wait_for("an empty list", |d| rows(d, "echo").is_empty())
        .await;
    assert_eq!(demo.text("#echo-inspector-kept"), "0");
    assert_eq!(totals(&demo, "echo"), ["3", "3", "24", "24"]);

    // Export builds its file without an error (the download itself is the browser's).
    demo.click("#echo-inspector-export").await;
    assert!(
        demo.root
            .query_selector("#echo-inspector .error")
            .ok()
            .flatten()
            .is_none()
    );

    demo.click("#closebtn").await;
    demo.wait_for("the ready state CLOSED", |d| {
        d.text("#echo-inspector-ready") == "3 (CLOSED)"
    })
    .await;
}

#[wasm_bindgen_test]
async fn the_hello_inspector_has_its_own_ids_and_sees_the_one_exchange() {
    let demo = Mounted::<HelloDemo>::new(HelloDemoProps {
        url: format!("{}/hello", server()).into(),
    })
    .await;
    demo.find("#hello-inspector-filter");
    demo.click("#hello-inspector summary").await;
    demo.click("#hello-send").await;
    demo.wait_for("one frame each way, then the close", |d| {
        rows(d, "hello").len() == 2 && d.text("#hello-inspector-ready") == "3 (CLOSED)"
    })
    .await;
    // "Bonjour serveur" is 15 bytes, "Message bien reçu" 18.
    assert_eq!(
        rows(&demo, "hello"),
        [
            row("in", 18, "Message bien reçu"),
            row("out", 15, "Bonjour serveur")
        ]
    );
    assert_eq!(totals(&demo, "hello"), ["1", "1", "18", "15"]);
}

fn count<C: BaseComponent>(demo: &Mounted<C>, selector: &str) -> u64 {
    demo.text(selector).trim().parse().unwrap_or(0)
}

#[wasm_bindgen_test]
async fn the_reliable_inspector_follows_every_socket_heartbeats_included() {
    let policy = Policy {
        base_delay: 200,
        max_delay: 1_000,
        heartbeat: Some(Heartbeat {
            interval: 300,
            timeout: 1_000,
            ..Heartbeat::default()
        }),
        ..Policy::default()
    };
    let demo = Mounted::<ReliableDemo>::new(ReliableDemoProps {
        url: format!("{}/api", server()).into(),
        policy,
    })
    .await;
    demo.click("#reliable-inspector summary").await;
    demo.wait_for("a ping and its pong", |d| {
        let rows = rows(d, "reliable");
        rows.contains(&row("out", 4, "ping")) && rows.contains(&row("in", 4, "pong"))
    })
    .await;
    assert_eq!(demo.text("#reliable-inspector-ready"), "1 (OPEN)");

    demo.click("#fault-drop").await;
    demo.wait_for("the fault frame and the next socket", |d| {
        rows(d, "reliable").contains(&row("out", 16, r#"{"fault":"drop"}"#))
            && d.text("#reliable-status") == "open"
            && d.text("#reliable-inspector-ready") == "1 (OPEN)"
            && d.lines("#reliable-log")
                .iter()
                .any(|l| l.contains("socket #2 open"))
    })
    .await;
    // The second socket's heartbeat is recorded too.
    let pings = |d: &Mounted<ReliableDemo>| count(d, "#reliable-inspector-messages-out");
    let before = pings(&demo);
    demo.wait_for("a ping on the new socket", |d| pings(d) > before)
        .await;
}

#[wasm_bindgen_test]
async fn a_ticker_flood_stays_bounded_and_renders_only_the_newest_rows_when_open() {
    let demo = Mounted::<TickerDemo>::new(TickerDemoProps {
        // Enough to fill the ring in two seconds, and little enough that this debug build
        // leaves the test's own timers some time (at thousands a second it does not).
        url: format!("{}/stocks?rate=600", server()).into(),
    })
    .await;
    demo.wait_for("open", |d| !d.disabled("#ticker-all")).await;
    demo.click("#ticker-all").await;
    demo.wait_for("the ring full and dropping", |d| {
        count(d, "#ticker-inspector-dropped") > 0 && d.text("#ticker-inspector-kept") == "1000"
    })
    .await;
    // Closed: recorded and counted, no rows drawn.
    assert!(rows(&demo, "ticker").is_empty());
    // More frames were counted than the ring keeps (both directions: the subscribes went
    // out, so the quotes in alone may be just under 1,000 at this moment).
    let counted = count(&demo, "#ticker-inspector-messages-in")
        + count(&demo, "#ticker-inspector-messages-out");
    assert!(counted > 1_000, "{counted}");
    demo.click("#ticker-inspector summary").await;
    demo.wait_for("the newest rows only", |d| {
        rows(d, "ticker").len() == VISIBLE_ROWS
    })
    .await;
    // A flood is not read out.
    assert_eq!(
        demo.find("#ticker-inspector-log")
            .get_attribute("aria-live")
            .as_deref(),
        Some("off")
    );
    // Paused, the list holds still while the totals move on.
    demo.click("#ticker-inspector-pause").await;
    let first = rows(&demo, "ticker");
    let counted = count(&demo, "#ticker-inspector-messages-in");
    demo.wait_for("more quotes counted", |d| {
        count(d, "#ticker-inspector-messages-in") > counted + 100
    })
    .await;
    assert_eq!(rows(&demo, "ticker"), first);
    assert!(count(&demo, "#ticker-inspector-new") > 100);
}

#[wasm_bindgen_test]
fn the_filter_ignores_case_beyond_ascii_with_the_browsers_lower_case() {
    use wslab::inspector::format::{contains_ignoring_case, lowercase};
    // In wasm, `lowercase` is JavaScript's toLowerCase; it must fold what Rust's would.
    for (upper, lower) in [
        ("ÉCOLE", "école"),
        ("ΣΟΦΊΑ", "σοφία"),
        ("STRASSE", "strasse"),
    ] {
        assert_eq!(lowercase(upper), upper.to_lowercase());
        assert!(contains_ignoring_case(
            &format!("« {upper} »"),
            &lowercase(lower)
        ));
    }
    assert!(!contains_ignoring_case("ÉCOLE", &lowercase("éclair")));
}
