//! `use_socket` in a mounted component against a live wslab-server's `/echo` (`cargo xtask
//! test` compiles its URL in as `WSLAB_TEST_SERVER`), in a real browser: frames decoded by
//! a codec, a frame that does not decode as an event, plain and reliable on one handle.

#![cfg(feature = "browser")]

use std::{cell::RefCell, rc::Rc, time::Duration};

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen_test::*;
use wslab_socket::{
    Codec, DecodeError, EncodeError, Message, SocketError, SocketEvent, SocketOptions,
    UseSocketHandle, reconnect::Policy, use_socket,
};
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Upper bound for one wait.
const WAIT: Duration = Duration::from_secs(10);

fn echo() -> String {
    match option_env!("WSLAB_TEST_SERVER") {
        Some(url) => format!("{url}/echo"),
        None => panic!("WSLAB_TEST_SERVER must be set at compile time: run `cargo xtask test`"),
    }
}

/// Numbers in (one per text frame), any text out: the echo of a word does not decode.
struct Numbers;

impl Codec for Numbers {
    type In = i64;
    type Out = String;

    fn decode(&self, frame: Message) -> Result<i64, DecodeError> {
        let parsed = match &frame {
            Message::Text(text) => text.parse::<i64>().map_err(|e| e.to_string()),
            Message::Bytes(_) => Err("binary".to_owned()),
        };
        parsed.map_err(|problem| DecodeError::new(frame, problem))
    }

    fn encode(&self, text: String) -> Result<Message, EncodeError> {
        Ok(Message::Text(text))
    }
}

type Events = Rc<RefCell<Vec<SocketEvent<i64>>>>;
type Slot = Rc<RefCell<Option<UseSocketHandle<Numbers>>>>;

#[derive(Properties, Clone)]
struct ProbeProps {
    events: Events,
    handle: Slot,
    policy: Option<Policy>,
}

impl PartialEq for ProbeProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.events, &other.events)
    }
}

/// A component that owns a socket and hands its handle out; nothing to see.
#[component]
fn Probe(props: &ProbeProps) -> Html {
    let events = Rc::clone(&props.events);
    let mut options = SocketOptions::with_codec(
        Numbers,
        Callback::from(move |event| events.borrow_mut().push(event)),
    );
    if let Some(policy) = props.policy.clone() {
        // On every open, before anything else: the session's first frame.
        options = options
            .reliable(policy)
            .resume(Callback::from(|()| vec!["7".to_owned()]));
    }
    let socket = use_socket(options);
    *props.handle.borrow_mut() = Some(socket);
    html! {}
}

/// Mounts a probe in a new element; its app (to unmount it), its events, its socket.
async fn mount(
    policy: Option<Policy>,
) -> (yew::AppHandle<Probe>, Events, UseSocketHandle<Numbers>) {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a document");
    let root = document.create_element("div").expect("a div");
    document
        .body()
        .expect("a body")
        .append_child(&root)
        .expect("appended");
    let (events, handle): (Events, Slot) = Default::default();
    let app = yew::Renderer::<Probe>::with_root_and_props(
        root,
        ProbeProps {
            events: Rc::clone(&events),
            handle: Rc::clone(&handle),
            policy,
        },
    )
    .render();
    let deadline = js_sys::Date::now() + WAIT.as_millis() as f64;
    loop {
        if let Some(socket) = handle.borrow().clone() {
            return (app, events, socket);
        }
        assert!(js_sys::Date::now() < deadline, "the probe never rendered");
        TimeoutFuture::new(10).await;
    }
}

async fn until(what: &str, events: &Events, f: impl Fn(&[SocketEvent<i64>]) -> bool) {
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

fn numbers(events: &[SocketEvent<i64>]) -> Vec<i64> {
    events
        .iter()
        .filter_map(|e| match e {
            SocketEvent::Message(n) => Some(*n),
            _ => None,
        })
        .collect()
}

#[wasm_bindgen_test]
async fn frames_arrive_decoded_and_one_that_does_not_decode_is_an_event() {
    let (_app, events, socket) = mount(None).await;
    socket.open(echo()).expect("a valid URL");
    until("open", &events, |e| {
        e.iter().any(|e| matches!(e, SocketEvent::Open { .. }))
    })
    .await;
    socket.send("42".into()).expect("sent");
    socket.send("forty-two".into()).expect("sent");
    socket.send("-1".into()).expect("sent");
    until("three echoes", &events, |e| {
        numbers(e).len() == 2 && e.iter().any(|e| matches!(e, SocketEvent::Undecoded(_)))
    })
    .await;
    assert_eq!(numbers(&events.borrow()), [42, -1]);
    let undecoded: Vec<DecodeError> = events
        .borrow()
        .iter()
        .filter_map(|e| match e {
            SocketEvent::Undecoded(error) => Some(error.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(undecoded.len(), 1);
    assert_eq!(undecoded[0].frame, Message::Text("forty-two".into()));
    assert!(
        undecoded[0].problem.contains("invalid digit"),
        "{:?}",
        undecoded[0]
    );
    // A plain socket cannot go offline, and says so.
    assert_eq!(socket.simulate_offline(true), Err(SocketError::NotReliable));
    assert!(socket.info().is_some());
}

#[wasm_bindgen_test]
async fn an_invalid_url_is_an_error_at_once_and_nothing_opens() {
    let (_app, events, socket) = mount(Some(Policy::default())).await;
    assert!(matches!(
        socket.open("http://127.0.0.1/echo"),
        Err(SocketError::InvalidUrl { .. })
    ));
    assert_eq!(socket.send("1".into()), Err(SocketError::Ended));
    TimeoutFuture::new(50).await;
    assert!(events.borrow().is_empty(), "{:?}", events.borrow());
}

#[wasm_bindgen_test]
async fn a_reliable_socket_resumes_first_and_comes_back_after_going_offline() {
    let policy = Policy {
        base_delay: 100,
        heartbeat: None,
        ..Policy::default()
    };
    let (_app, events, socket) = mount(Some(policy)).await;
    // Sent before the socket is open: it waits in the outbox, behind the resume frame.
    socket.open(echo()).expect("a valid URL");
    socket.send("1".into()).expect("queued");
    until("the resume frame and the outbox", &events, |e| {
        numbers(e).len() == 2
    })
    .await;
    assert_eq!(numbers(&events.borrow()), [7, 1]);
    assert!(
        socket.info().is_none(),
        "a reliable socket's properties come as events"
    );

    socket.simulate_offline(true).expect("reliable");
    until("the drop", &events, |e| {
        e.iter()
            .any(|e| matches!(e, SocketEvent::Close(c) if c.code == 1006))
    })
    .await;
    socket.send("2".into()).expect("queued while offline");
    socket.simulate_offline(false).expect("reliable");
    until("the second session", &events, |e| numbers(e).len() == 4).await;
    assert_eq!(numbers(&events.borrow()), [7, 1, 7, 2]);
}

#[wasm_bindgen_test]
async fn unmounting_closes_the_socket_and_stops_its_events() {
    let (app, events, socket) = mount(None).await;
    socket.open(echo()).expect("a valid URL");
    until("open", &events, |e| {
        e.iter().any(|e| matches!(e, SocketEvent::Open { .. }))
    })
    .await;
    app.destroy();
    TimeoutFuture::new(0).await;
    let seen = events.borrow().len();
    assert_eq!(socket.send("9".into()), Err(SocketError::Ended));
    TimeoutFuture::new(200).await;
    assert_eq!(events.borrow().len(), seen, "{:?}", events.borrow());
}
