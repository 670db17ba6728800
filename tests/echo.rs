//! The echo and hello demos, mounted in headless Chromium, against the live wslab-server.

mod common;

use common::{Mounted, server};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use wslab::demos::{
    echo::hello::{HelloDemo, HelloDemoProps},
    echo::{EchoDemo, EchoDemoProps},
};

wasm_bindgen_test_configure!(run_in_browser);

async fn echo_demo(url: String) -> Mounted<EchoDemo> {
    Mounted::<EchoDemo>::new(EchoDemoProps {
        default_url: url.into(),
    })
    .await
}

fn log_has(demo: &Mounted<EchoDemo>, needle: &str) -> bool {
    demo.lines("#echo-log").iter().any(|l| l.contains(needle))
}

#[wasm_bindgen_test]
async fn open_send_receive_close_as_in_the_doc() {
    let demo = echo_demo(format!("{}/echo", server())).await;
    // At first only Open is enabled.
    assert!(!demo.disabled("#openbtn"));
    assert!(demo.disabled("#sendbtn"));
    assert!(demo.disabled("#closebtn"));

    demo.click("#openbtn").await;
    demo.wait_for("the socket to open", |d| !d.disabled("#sendbtn"))
        .await;
    assert!(demo.disabled("#openbtn"));
    assert!(!demo.disabled("#closebtn"));
    assert!(demo.text("#echo-status").contains("1 (OPEN)"));
    assert!(demo.text("#echo-status").contains("/echo"));

    demo.set_value("#data", "Bonjour, WebSocket ! ✓");
    demo.click("#sendbtn").await;
    demo.wait_for("the echo", |d| {
        d.lines("#echo-log")
            .iter()
            .filter(|l| l.as_str() == "Bonjour, WebSocket ! ✓")
            .count()
            == 2 // one line sent, one received
    })
    .await;

    demo.click("#closebtn").await;
    demo.wait_for("the close", |d| !d.disabled("#openbtn"))
        .await;
    assert!(demo.disabled("#sendbtn"));
    assert!(demo.disabled("#closebtn"));
    assert!(log_has(
        &demo,
        "Connection closed: code 1000 (Normal Closure), clean"
    ));
    assert!(demo.text("#echo-status").contains("3 (CLOSED)"));
}

#[wasm_bindgen_test]
async fn a_burst_of_frames_arrives_whole_and_in_order() {
    let demo = echo_demo(format!("{}/echo", server())).await;
    demo.click("#openbtn").await;
    demo.wait_for("open", |d| !d.disabled("#sendbtn")).await;
    for i in 0..40 {
        demo.set_value("#data", &format!("frame {i}"));
        demo.click("#sendbtn").await;
    }
    demo.wait_for("all 40 echoes", |d| {
        d.lines("#echo-log")
            .iter()
            .filter(|l| l.starts_with("frame "))
            .count()
            == 80
    })
    .await;
    // Sent and received lines, each in their own order, are the same sequence.
    let sent = demo.texts("#echo-log .log-sent");
    let received = demo.texts("#echo-log .log-received");
    let expected: Vec<String> = (0..40).map(|i| format!("frame {i}")).collect();
    assert_eq!(sent, expected);
    assert_eq!(received, expected);
}

#[wasm_bindgen_test]
async fn binary_frames_round_trip() {
    let demo = echo_demo(format!("{}/echo", server())).await;
    demo.click("#openbtn").await;
    demo.wait_for("open", |d| !d.disabled("#sendbtn")).await;
    demo.set_value("#data", "hi");
    demo.find("#echo-binary")
        .dyn_into::<web_sys::HtmlInputElement>()
        .expect("checkbox")
        .set_checked(true);
    demo.click("#sendbtn").await;
    demo.wait_for("the binary echo", |d| {
        d.lines("#echo-log")
            .iter()
            .filter(|l| l.as_str() == "2 bytes: 68 69")
            .count()
            == 2
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_bad_close_code_is_explained_and_the_socket_stays_open() {
    let demo = echo_demo(format!("{}/echo", server())).await;
    demo.click("#openbtn").await;
    demo.wait_for("open", |d| !d.disabled("#sendbtn")).await;
    demo.set_value("#close-code", "1001");
    demo.click("#closebtn").await;
    demo.wait_for("the refusal", |d| {
        log_has(d, "Close code 1001 is not allowed")
    })
    .await;
    assert!(!demo.disabled("#sendbtn"));

    demo.set_value("#close-code", "4001");
    demo.set_value("#close-reason", "done here");
    demo.click("#closebtn").await;
    demo.wait_for("the close", |d| {
        log_has(
            d,
            "code 4001 (Private (application)), reason \"done here\", clean",
        )
    })
    .await;
}

#[wasm_bindgen_test]
async fn an_unreachable_server_is_reported_and_buttons_return_to_closed() {
    // Port 9 (discard) on loopback: nothing listens there in the test environment.
    let demo = echo_demo("ws://127.0.0.1:9/echo".into()).await;
    demo.click("#openbtn").await;
    demo.wait_for("the failure", |d| {
        log_has(d, "Could not connect to ws://127.0.0.1:9/echo")
    })
    .await;
    demo.wait_for("closed again", |d| !d.disabled("#openbtn"))
        .await;
    assert!(demo.disabled("#sendbtn"));
    assert!(log_has(&demo, "code 1006 (Abnormal Closure), not clean"));
}

#[wasm_bindgen_test]
async fn an_invalid_url_is_refused_with_a_reason() {
    let demo = echo_demo("localhost:8080/echo".into()).await;
    demo.click("#openbtn").await;
    demo.wait_for("the refusal", |d| {
        log_has(
            d,
            "Invalid URL \"localhost:8080/echo\": it must start with ws:// or wss://",
        )
    })
    .await;
    assert!(!demo.disabled("#openbtn"));
}

#[wasm_bindgen_test]
async fn unmounting_closes_the_socket() {
    let demo = echo_demo(format!("{}/echo", server())).await;
    demo.click("#openbtn").await;
    demo.wait_for("open", |d| !d.disabled("#sendbtn")).await;
    drop(demo);
    // A second demo still works: the first one's teardown left nothing behind.
    let again = echo_demo(format!("{}/echo", server())).await;
    again.click("#openbtn").await;
    again.wait_for("open", |d| !d.disabled("#sendbtn")).await;
}

#[wasm_bindgen_test]
async fn hello_gets_its_one_reply_then_a_normal_close() {
    let demo = Mounted::<HelloDemo>::new(HelloDemoProps {
        url: format!("{}/hello", server()).into(),
    })
    .await;
    demo.click("#hello-send").await;
    demo.wait_for("the reply and the close", |d| {
        let lines = d.lines("#hello-log");
        lines.iter().any(|l| l == "Message bien reçu")
            && lines
                .iter()
                .any(|l| l.contains("code 1000 (Normal Closure), clean"))
    })
    .await;
    assert!(
        demo.lines("#hello-log")
            .iter()
            .any(|l| l == "Bonjour serveur")
    );
    assert!(!demo.disabled("#hello-send"));
}

#[wasm_bindgen_test]
async fn what_the_user_typed_survives_re_renders() {
    let demo = echo_demo(format!("{}/echo", server())).await;
    let typed = format!("{}/echo?from=test", server());
    demo.set_value("#echo-url", &typed);
    demo.set_value("#close-code", "4000");
    demo.click("#openbtn").await;
    demo.wait_for("open", |d| !d.disabled("#sendbtn")).await;
    demo.click("#closebtn").await;
    demo.wait_for("closed", |d| !d.disabled("#openbtn")).await;
    let value = |selector: &str| {
        demo.find(selector)
            .dyn_into::<web_sys::HtmlInputElement>()
            .map(|i| i.value())
            .unwrap_or_default()
    };
    assert_eq!(value("#echo-url"), typed);
    assert_eq!(value("#close-code"), "4000");
}
