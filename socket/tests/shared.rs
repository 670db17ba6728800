//! One [`SharedSocket`] for two mounted components, against a live wslab-server's `/echo`
//! (`cargo xtask test` compiles its URL in as `WSLAB_TEST_SERVER`), in a real browser:
//! one socket, each component's filter, unsubscribe on unmount, close when the last goes.

#![cfg(feature = "browser")]

use std::{cell::RefCell, rc::Rc, time::Duration};

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen_test::*;
use wslab_socket::{
    Codec, DecodeError, EncodeError, Message, ReadyState, SharedSocket, SocketError, SocketEvent,
    TapEvent, use_shared_socket,
};
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

const WAIT: Duration = Duration::from_secs(10);

fn echo() -> String {
    match option_env!("WSLAB_TEST_SERVER") {
        Some(url) => format!("{url}/echo"),
        None => panic!("WSLAB_TEST_SERVER must be set at compile time: run `cargo xtask test`"),
    }
}

/// Numbers in, any text out.
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
/// Where the board puts its switch: which listeners are mounted.
type Switch = Rc<RefCell<Option<Callback<(bool, bool)>>>>;

#[derive(Properties, Clone)]
struct ListenerProps {
    events: Events,
    even: bool,
}

impl PartialEq for ListenerProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.events, &other.events) && self.even == other.even
    }
}

/// Records what it hears: the even numbers, or the odd ones.
#[component]
fn Listener(props: &ListenerProps) -> Html {
    let events = Rc::clone(&props.events);
    let even = props.even;
    use_shared_socket::<Numbers>(
        move |n| (n % 2 == 0) == even,
        Callback::from(move |event| events.borrow_mut().push(event)),
    );
    html! {}
}

#[derive(Properties, Clone)]
struct BoardProps {
    socket: SharedSocket<Numbers>,
    evens: Events,
    odds: Events,
    switch: Switch,
}

impl PartialEq for BoardProps {
    fn eq(&self, other: &Self) -> bool {
        self.socket == other.socket
    }
}

#[component]
fn Board(props: &BoardProps) -> Html {
    let shown = use_state(|| (true, true));
    *props.switch.borrow_mut() = Some({
        let shown = shown.clone();
        Callback::from(move |both| shown.set(both))
    });
    let (evens, odds) = *shown;
    html! {
        <ContextProvider<SharedSocket<Numbers>> context={props.socket.clone()}>
            if evens { <Listener events={Rc::clone(&props.evens)} even=true /> }
            if odds { <Listener events={Rc::clone(&props.odds)} even=false /> }
        </ContextProvider<SharedSocket<Numbers>>>
    }
}

async fn until(what: &str, f: impl Fn() -> bool) {
    let deadline = js_sys::Date::now() + WAIT.as_millis() as f64;
    while !f() {
        assert!(
            js_sys::Date::now() < deadline,
            "timed out waiting for {what}"
        );
        TimeoutFuture::new(10).await;
    }
}

fn numbers(events: &Events) -> Vec<i64> {
    events
        .borrow()
        .iter()
        .filter_map(|e| match e {
            SocketEvent::Message(n) => Some(*n),
            _ => None,
        })
        .collect()
}

fn opens(events: &Events) -> usize {
    events
        .borrow()
        .iter()
        .filter(|e| matches!(e, SocketEvent::Ready(ReadyState::Open)))
        .count()
}

#[wasm_bindgen_test]
async fn two_components_share_one_socket_each_with_its_filter() {
    let taps: Rc<RefCell<Vec<TapEvent>>> = Rc::default();
    let socket = {
        let taps = Rc::clone(&taps);
        SharedSocket::new(echo(), Numbers).tap(Callback::from(move |e| taps.borrow_mut().push(e)))
    };
    let (evens, odds): (Events, Events) = Default::default();
    let switch: Switch = Rc::default();
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a document");
    let root = document.create_element("div").expect("a div");
    document
        .body()
        .expect("a body")
        .append_child(&root)
        .expect("appended");
    let _app = yew::Renderer::<Board>::with_root_and_props(
        root,
        BoardProps {
            socket: socket.clone(),
            evens: Rc::clone(&evens),
            odds: Rc::clone(&odds),
            switch: Rc::clone(&switch),
        },
    )
    .render();
    until("both to hear the open", || {
        opens(&evens) == 1 && opens(&odds) == 1
    })
    .await;
    assert_eq!(socket.subscribers(), 2);
    let connecting = || {
        taps.borrow()
            .iter()
            .filter(|e| matches!(e, TapEvent::State(ReadyState::Connecting)))
            .count()
    };
    assert_eq!(connecting(), 1, "one socket for both");

    for text in ["1", "2", "3", "x"] {
        socket.send(text.into()).expect("sent");
    }
    let undecoded = |events: &Events| {
        events
            .borrow()
            .iter()
            .filter(|e| matches!(e, SocketEvent::Undecoded(_)))
            .count()
    };
    until("the echoes", || {
        undecoded(&evens) == 1 && undecoded(&odds) == 1
    })
    .await;
    assert_eq!(numbers(&evens), [2]);
    assert_eq!(numbers(&odds), [1, 3]);

    // The odd one unmounts: unsubscribed, and the socket stays for the other.
    let set = |both| {
        switch
            .borrow()
            .clone()
            .expect("the board rendered")
            .emit(both)
    };
    set((true, false));
    until("the odd one to leave", || socket.subscribers() == 1).await;
    socket.send("6".into()).expect("sent");
    socket.send("5".into()).expect("sent");
    until("the next even echo", || numbers(&evens) == [2, 6]).await;
    TimeoutFuture::new(100).await;
    assert_eq!(numbers(&odds), [1, 3], "no event after unmount");

    // The last one leaves: the socket closes, and sending has nowhere to go.
    set((false, false));
    until("the last to leave", || socket.subscribers() == 0).await;
    assert_eq!(
        taps.borrow().last(),
        Some(&TapEvent::State(ReadyState::Closed))
    );
    assert_eq!(socket.send("8".into()), Err(SocketError::Ended));

    // Both back: one new socket, and each hears it open.
    set((true, true));
    until("both to hear the new open", || {
        opens(&evens) == 2 && opens(&odds) == 2
    })
    .await;
    assert_eq!(connecting(), 2);
}
