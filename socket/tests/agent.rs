//! The service agent against a live wslab-server (`cargo xtask test` starts one and compiles
//! its URL in as `WSLAB_TEST_SERVER`), in a real browser, no component.

#![cfg(feature = "browser")]

use std::{cell::RefCell, rc::Rc, time::Duration};

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen_test::*;
use wslab_socket::{
    Message, OpenOptions, ReadyState, SocketAgent, SocketError, SocketEvent, supported,
};
use yew::Callback;

wasm_bindgen_test_configure!(run_in_browser);

/// Upper bound for one wait.
const WAIT: Duration = Duration::from_secs(10);

/// The live server's base URL (`ws://127.0.0.1:PORT`), fixed when the tests were compiled.
fn server() -> &'static str {
    // A runtime failure, not `env!`, so the crate still compiles for clippy without it.
    match option_env!("WSLAB_TEST_SERVER") {
        Some(url) => url,
        None => panic!("WSLAB_TEST_SERVER must be set at compile time: run `cargo xtask test`"),
    }
}

type Events = Rc<RefCell<Vec<SocketEvent>>>;

fn recorder() -> (Events, Callback<SocketEvent>) {
    let events: Events = Rc::default();
    let sink = Rc::clone(&events);
    (events, Callback::from(move |e| sink.borrow_mut().push(e)))
}

async fn until(what: &str, events: &Events, f: impl Fn(&[SocketEvent]) -> bool) {
    let deadline = js_sys::Date::now() + WAIT.as_millis() as f64;
    while !f(&events.borrow()) {
        assert!(
            js_sys::Date::now() < deadline,
            "timed out waiting for {what}; events: {:?}",
            events.borrow()
        );
        TimeoutFuture::new(10).await;
    }
}

/// How many of `events` are `which`.
fn count(events: &[SocketEvent], which: impl Fn(&SocketEvent) -> bool) -> usize {
    events.iter().filter(|e| which(e)).count()
}

fn opened(events: &[SocketEvent]) -> bool {
    events.iter().any(|e| matches!(e, SocketEvent::Open { .. }))
}

/// A socket to the server's `/echo`, open, and what it has said so far.
async fn open_echo() -> (Events, SocketAgent) {
    let (events, on_event) = recorder();
    let agent = SocketAgent::open(&OpenOptions::new(format!("{}/echo", server())), on_event)
        .expect("opens");
    until("open", &events, opened).await;
    (events, agent)
}

#[wasm_bindgen_test]
fn websocket_is_supported() {
    assert!(supported());
}

#[wasm_bindgen_test]
async fn events_come_in_order_with_the_docs_properties() {
    let (events, on_event) = recorder();
    let url = format!("{}/echo", server());
    let agent = SocketAgent::open(&OpenOptions::new(&url), on_event).expect("opens");
    assert_eq!(agent.info().ready_state, ReadyState::Connecting);
    assert_eq!(agent.info().url, url);
    until("open", &events, opened).await;
    // The agent says its ready states itself, each just before the event that goes with it.
    assert!(matches!(
        &events.borrow()[..],
        [
            SocketEvent::Ready(ReadyState::Connecting),
            SocketEvent::Ready(ReadyState::Open),
            SocketEvent::Open { url: u, protocol },
        ] if *u == url && protocol.is_empty()
    ));

    agent.send(Message::Text("one".into())).expect("queued");
    agent.send(Message::Bytes(vec![0, 255])).expect("queued");
    agent.send(Message::Text("three".into())).expect("queued");
    until("three echoes", &events, |e| {
        count(e, |e| matches!(e, SocketEvent::Message(_))) == 3
    })
    .await;
    let messages: Vec<Message> = events
        .borrow()
        .iter()
        .filter_map(|e| match e {
            SocketEvent::Message(m) => Some(m.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        messages,
        [
            Message::Text("one".into()),
            Message::Bytes(vec![0, 255]),
            Message::Text("three".into())
        ]
    );

    agent.close(4000, "bye").expect("valid close");
    until("close", &events, |e| {
        e.iter().any(|e| matches!(e, SocketEvent::Close(c) if c.code == 4000 && c.reason == "bye" && c.was_clean))
    })
    .await;
    assert_eq!(agent.info().ready_state, ReadyState::Closed);
    let states: Vec<ReadyState> = events
        .borrow()
        .iter()
        .filter_map(|e| match e {
            SocketEvent::Ready(state) => Some(*state),
            _ => None,
        })
        .collect();
    assert_eq!(
        states,
        [
            ReadyState::Connecting,
            ReadyState::Open,
            ReadyState::Closing,
            ReadyState::Closed
        ]
    );
    assert!(matches!(
        events.borrow().last(),
        Some(SocketEvent::Close(_))
    ));
}

#[wasm_bindgen_test]
async fn close_arguments_are_checked_before_the_browser_sees_them() {
    let (_events, agent) = open_echo().await;
    assert!(matches!(agent.close(1006, ""), Err(SocketError::Close(_))));
    assert!(matches!(
        agent.close(1000, &"x".repeat(124)),
        Err(SocketError::Close(_))
    ));
    assert_eq!(agent.info().ready_state, ReadyState::Open);
}

#[wasm_bindgen_test]
async fn sending_before_open_is_reported_not_thrown() {
    let (events, on_event) = recorder();
    let agent = SocketAgent::open(&OpenOptions::new(format!("{}/echo", server())), on_event)
        .expect("opens");
    agent
        .send(Message::Text("too early".into()))
        .expect("queued");
    until("the refusal", &events, |e| {
        e.iter().any(|e| {
            matches!(
                e,
                SocketEvent::Failed(SocketError::NotOpen(ReadyState::Connecting))
            )
        })
    })
    .await;
}

#[wasm_bindgen_test]
async fn the_negotiated_subprotocol_is_reported() {
    let (events, on_event) = recorder();
    let options = OpenOptions::new(format!("{}/echo", server())).with_protocol_list("chat");
    let agent = SocketAgent::open(&options, on_event).expect("opens");
    until("open", &events, opened).await;
    assert!(
        events
            .borrow()
            .iter()
            .any(|e| matches!(e, SocketEvent::Open { protocol, .. } if protocol == "chat"))
    );
    assert_eq!(agent.info().protocol, "chat");
}

#[wasm_bindgen_test]
async fn dropping_the_agent_closes_the_socket_and_silences_it() {
    let (events, agent) = open_echo().await;
    agent.send(Message::Text("late".into())).expect("queued");
    let count = events.borrow().len();
    drop(agent);
    // Give the echo time to come back, then check nothing was delivered after the drop.
    TimeoutFuture::new(200).await;
    assert_eq!(events.borrow().len(), count, "{:?}", events.borrow());
}

#[wasm_bindgen_test]
async fn a_callback_that_drops_the_agent_hears_nothing_after() {
    // The agent says `Ready(Open)` and `Open` in one go; a callback that drops the agent on
    // the first must not get the second (the event after it is from a socket it let go).
    let events: Events = Rc::default();
    let slot: Rc<RefCell<Option<SocketAgent>>> = Rc::default();
    let on_event = {
        let (events, slot) = (Rc::clone(&events), Rc::clone(&slot));
        Callback::from(move |event: SocketEvent| {
            let ready_open = matches!(event, SocketEvent::Ready(ReadyState::Open));
            events.borrow_mut().push(event);
            if ready_open {
                drop(slot.borrow_mut().take());
            }
        })
    };
    let url = format!("{}/echo", server());
    let agent = SocketAgent::open(&OpenOptions::new(&url), on_event).expect("opens");
    *slot.borrow_mut() = Some(agent);
    until("Ready(Open)", &events, |e| {
        e.iter()
            .any(|e| matches!(e, SocketEvent::Ready(ReadyState::Open)))
    })
    .await;
    // Both would have come in the same turn of the task, before the wait above saw the first.
    assert!(slot.borrow().is_none(), "the callback dropped the agent");
    assert!(
        matches!(
            &events.borrow()[..],
            [
                SocketEvent::Ready(ReadyState::Connecting),
                SocketEvent::Ready(ReadyState::Open),
            ]
        ),
        "events: {:?}",
        events.borrow()
    );
}

#[wasm_bindgen_test]
async fn a_close_made_inside_another_sockets_callback_calls_nothing_back_before_it_returns() {
    // B is open; on A's open, A's callback closes B. What B then says (`Ready(Closing)`, its
    // close) comes later, not inside the `close` that A's callback made.
    let (b_events, b) = open_echo().await;
    let b = Rc::new(b);
    let heard_inside_close: Rc<RefCell<Option<usize>>> = Rc::default();
    let on_a_event = {
        let (b, b_events, heard) = (
            Rc::clone(&b),
            Rc::clone(&b_events),
            Rc::clone(&heard_inside_close),
        );
        Callback::from(move |event: SocketEvent| {
            if matches!(event, SocketEvent::Open { .. }) {
                let before = b_events.borrow().len();
                b.close(1000, "from A's callback").expect("a valid close");
                *heard.borrow_mut() = Some(b_events.borrow().len() - before);
            }
        })
    };
    let url = format!("{}/echo", server());
    let _a = SocketAgent::open(&OpenOptions::new(&url), on_a_event).expect("A opens");
    until("B's close", &b_events, |e| {
        e.iter().any(|e| matches!(e, SocketEvent::Close(_)))
    })
    .await;
    assert_eq!(
        *heard_inside_close.borrow(),
        Some(0),
        "B's callback ran inside the close; B's events: {:?}",
        b_events.borrow()
    );
}

#[wasm_bindgen_test]
async fn buffered_amount_is_sampled_not_reported_after_every_send() {
    // Twenty small frames sent at once: `bufferedAmount` rises with each send and drains
    // within milliseconds. Sampled every 100 ms, that is an event or two at most, not one
    // (and a render, in a component) per frame.
    let (events, agent) = open_echo().await;
    for i in 0..20 {
        agent
            .send(Message::Text(format!("frame {i}")))
            .expect("queued");
    }
    until("twenty echoes", &events, |e| {
        count(e, |e| matches!(e, SocketEvent::Message(_))) == 20
    })
    .await;
    let reported = count(&events.borrow(), |e| matches!(e, SocketEvent::Buffered(_)));
    assert!(reported <= 2, "{reported} Buffered events for 20 frames");
}
