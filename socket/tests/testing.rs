//! The scripted socket (`wslab_socket::testing`) in a real browser, with no server: the
//! events a component hears, a reliable socket's timers on the virtual clock, and one test
//! written as a user of the crate would write it, of a component's page text.

#![cfg(feature = "testing")]

use std::{cell::RefCell, rc::Rc};

use wasm_bindgen_test::*;
use wslab_socket::{
    Message, ReadyState, SocketEvent, SocketOptions, UseSocketHandle,
    reconnect::{Heartbeat, Policy, Status},
    testing::Script,
    use_socket,
};
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

type Events = Rc<RefCell<Vec<SocketEvent>>>;
type Slot = Rc<RefCell<Option<UseSocketHandle>>>;

#[derive(Properties, Clone)]
struct ProbeProps {
    script: Script,
    events: Events,
    handle: Slot,
    policy: Option<Policy>,
}

impl PartialEq for ProbeProps {
    fn eq(&self, other: &Self) -> bool {
        self.script == other.script
    }
}

/// Owns a scripted socket, records its events, hands its handle out.
#[component]
fn Probe(props: &ProbeProps) -> Html {
    let events = Rc::clone(&props.events);
    let mut options = SocketOptions::new(Callback::from(move |e| events.borrow_mut().push(e)))
        .scripted(props.script.clone());
    if let Some(policy) = props.policy.clone() {
        options = options
            .reliable(policy)
            .resume(Callback::from(|()| vec![Message::from("hello again")]));
    }
    let socket = use_socket(options);
    *props.handle.borrow_mut() = Some(socket);
    html! {}
}

fn root() -> web_sys::Element {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a document");
    let root = document.create_element("div").expect("a div");
    document
        .body()
        .expect("a body")
        .append_child(&root)
        .expect("appended");
    root
}

async fn probe(policy: Option<Policy>) -> (Script, Events, UseSocketHandle) {
    let script = Script::new();
    let (events, handle): (Events, Slot) = Default::default();
    yew::Renderer::<Probe>::with_root_and_props(
        root(),
        ProbeProps {
            script: script.clone(),
            events: Rc::clone(&events),
            handle: Rc::clone(&handle),
            policy,
        },
    )
    .render();
    script.settle().await;
    let socket = handle.borrow().clone().expect("the probe rendered");
    (script, events, socket)
}

#[wasm_bindgen_test]
async fn a_scripted_socket_says_what_a_browser_socket_says() {
    let (script, events, socket) = probe(None).await;
    socket.open("ws://scripted.test/echo").expect("valid");
    script.settle().await;
    assert_eq!(script.sockets(), 1);
    assert_eq!(script.url().as_deref(), Some("ws://scripted.test/echo"));
    assert_eq!(
        *events.borrow(),
        [SocketEvent::Ready(ReadyState::Connecting)]
    );

    script.open();
    script.message("hi");
    script.message(vec![1, 2]);
    script.settle().await;
    socket.send(Message::from("back")).expect("sent");
    script.settle().await;
    assert_eq!(script.sent(), [Message::from("back")]);
    script.close(4001, "bye");
    script.settle().await;
    assert_eq!(
        events.borrow()[1..],
        [
            SocketEvent::Ready(ReadyState::Open),
            SocketEvent::Open {
                url: "ws://scripted.test/echo".into(),
                protocol: String::new(),
            },
            SocketEvent::Message(Message::from("hi")),
            SocketEvent::Message(Message::Bytes(vec![1, 2])),
            SocketEvent::Ready(ReadyState::Closed),
            SocketEvent::Close(wslab_socket::CloseEvent {
                code: 4001,
                reason: "bye".into(),
                was_clean: true,
            }),
        ]
    );
}

#[wasm_bindgen_test]
async fn silence_and_backoff_take_no_time_on_the_scripted_clock() {
    let policy = Policy {
        jitter: false,
        heartbeat: Some(Heartbeat {
            interval: 30_000,
            timeout: 10_000,
            ..Heartbeat::default()
        }),
        ..Policy::default()
    };
    let (script, events, socket) = probe(Some(policy)).await;
    socket.open("ws://scripted.test/api").expect("valid");
    script.settle().await;
    script.open();
    script.settle().await;
    // The resume frame first, on open.
    assert_eq!(script.sent(), [Message::from("hello again")]);

    // 30 s later the heartbeat goes out; 10 s of silence after it, the socket is dead.
    script.advance(30_000);
    script.settle().await;
    assert_eq!(script.sent().last(), Some(&Message::from("ping")));
    script.advance(10_000);
    script.settle().await;
    assert!(events.borrow().contains(&SocketEvent::Abandoned));
    assert!(
        events
            .borrow()
            .iter()
            .any(|e| matches!(e, SocketEvent::Status(Status::Waiting { attempt: 1, .. })))
    );
    assert_eq!(script.sockets(), 1, "nothing before the backoff's 1 s");

    script.advance(1_000);
    script.settle().await;
    assert_eq!(script.sockets(), 2);
    script.open();
    script.settle().await;
    assert_eq!(script.sent(), [Message::from("hello again")]);
    assert_eq!(
        events
            .borrow()
            .iter()
            .filter(|e| matches!(e, SocketEvent::Open { .. }))
            .count(),
        2
    );
}

// As a user of the crate would test a component of their own: a page that shows the last
// message it got, and whether it is connected.

/// The user's state: connected or not, and the last message.
#[derive(Default, PartialEq)]
struct Board {
    ready: ReadyState,
    last: String,
}

impl Reducible for Board {
    type Action = SocketEvent;

    fn reduce(self: Rc<Self>, event: SocketEvent) -> Rc<Self> {
        match event {
            SocketEvent::Ready(ready) => Rc::new(Board {
                ready,
                last: self.last.clone(),
            }),
            SocketEvent::Message(message) => Rc::new(Board {
                ready: self.ready,
                last: message.to_string(),
            }),
            _ => self,
        }
    }
}

#[derive(Properties, PartialEq)]
struct NewsProps {
    /// Only in tests.
    script: Option<Script>,
}

/// The user's component.
#[component]
fn News(props: &NewsProps) -> Html {
    let board = use_reducer(Board::default);
    let mut options = SocketOptions::new(board.dispatcher().to_callback());
    if let Some(script) = props.script.clone() {
        options = options.scripted(script);
    }
    let socket = use_socket(options);
    use_effect_with((), move |()| {
        let _ = socket.open("ws://news.test/feed");
    });
    html! {
        <p id="news">{ format!("{}: {}", if board.ready == ReadyState::Open { "live" } else { "offline" }, board.last) }</p>
    }
}

#[wasm_bindgen_test]
async fn example_the_news_line_follows_the_feed() {
    let script = Script::new();
    let root = root();
    yew::Renderer::<News>::with_root_and_props(
        root.clone(),
        NewsProps {
            script: Some(script.clone()),
        },
    )
    .render();
    let news = || root.text_content().unwrap_or_default();

    script.settle().await;
    assert_eq!(news(), "offline: ");
    script.open();
    script.message("rain at noon");
    script.settle().await;
    assert_eq!(news(), "live: rain at noon");
    script.drop_connection();
    script.settle().await;
    assert_eq!(news(), "offline: rain at noon");
}
