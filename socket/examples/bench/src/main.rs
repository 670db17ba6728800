//! The page `cargo xtask bench socket` drives: echo round trips through wslab-socket, a
//! plain socket ([`SocketAgent`]), a reliable one ([`ReliableAgent`], heartbeat off), or a
//! plain one whose frames go through the [`Json`] codec both ways, for the bench to time
//! beside a plain JavaScript `WebSocket` on the same page and server. The bench calls
//! [`round_trips`] (exported as `window.wasmBindings.round_trips`), and
//! [`bare_round_trips`] for wasm without the crate.

use std::{cell::RefCell, rc::Rc};

use futures::channel::oneshot;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wslab_socket::{
    Codec, Json, Message, OpenOptions, ReliableAgent, SocketAgent, SocketEvent, reconnect::Policy,
};
use yew::Callback;

/// The frame every round trip sends: 32 bytes of text, as the server bench's.
const PAYLOAD: &str = "wslab-socket round trip 32 bytes";

/// The JSON mode's frame: `{"seq":N,"text":"…"}`, about 32 bytes, as the JavaScript
/// client's `JSON.stringify` writes it.
#[derive(Serialize, Deserialize)]
struct Echo {
    seq: u32,
    text: String,
}

/// One socket of either kind, as the run sends on it.
enum Agent {
    Plain(SocketAgent),
    Reliable(ReliableAgent),
}

impl Agent {
    fn send(&self, frame: Message) {
        match self {
            Self::Plain(agent) => {
                let _ = agent.send(frame);
            }
            Self::Reliable(agent) => agent.send(frame),
        }
    }
}

/// A run's counters and its outcome, for either client.
struct Tally {
    inflight: u32,
    count: u32,
    sent: u32,
    received: u32,
    started: f64,
    done: Option<oneshot::Sender<Result<f64, String>>>,
}

impl Tally {
    /// Counters for `count` round trips, `inflight` at a time, and where the outcome lands.
    fn new(inflight: u32, count: u32) -> (Self, oneshot::Receiver<Result<f64, String>>) {
        let (done, finished) = oneshot::channel();
        let tally = Self {
            inflight: inflight.max(1),
            count,
            sent: 0,
            received: 0,
            started: 0.0,
            done: Some(done),
        };
        (tally, finished)
    }

    /// How many frames to send now the socket is open (the clock starts here).
    fn opened(&mut self) -> u32 {
        self.started = now();
        self.inflight.min(self.count)
    }

    /// Counts an echo; whether to send another (the run finishes on the last).
    fn echoed(&mut self) -> bool {
        self.received += 1;
        if self.received == self.count {
            let ms = now() - self.started;
            self.finish(Ok(ms));
            false
        } else {
            self.sent < self.count
        }
    }

    fn finish(&mut self, outcome: Result<f64, String>) {
        if let Some(done) = self.done.take() {
            let _ = done.send(outcome);
        }
    }
}

/// The promise's value: the milliseconds, or the reason the run failed.
async fn settle(finished: oneshot::Receiver<Result<f64, String>>) -> Result<f64, JsValue> {
    match finished.await {
        Ok(Ok(ms)) => Ok(ms),
        Ok(Err(reason)) => Err(JsValue::from_str(&reason)),
        Err(_) => Err(JsValue::from_str("the run ended without an outcome")),
    }
}

/// A crate client's run; the socket's callback drives it.
struct Run {
    agent: Option<Agent>,
    /// The JSON mode's codec: each echo is decoded, and each frame sent encoded.
    json: Option<Json<Echo, Echo>>,
    tally: Tally,
}

impl Run {
    fn on_event(&mut self, event: SocketEvent) {
        match event {
            SocketEvent::Open { .. } => {
                for _ in 0..self.tally.opened() {
                    self.send();
                }
            }
            SocketEvent::Message(frame) => {
                if let Some(json) = &self.json
                    && let Err(error) = json.decode(frame)
                {
                    self.tally.finish(Err(error.to_string()));
                } else if self.tally.echoed() {
                    self.send();
                }
            }
            SocketEvent::Close(close) if self.tally.received < self.tally.count => {
                let received = self.tally.received;
                self.tally
                    .finish(Err(format!("closed after {received} echoes: {close}")));
            }
            SocketEvent::Failed(error) => self.tally.finish(Err(error.to_string())),
            _ => {}
        }
    }

    fn send(&mut self) {
        let frame = match &self.json {
            Some(json) => json.encode(Echo {
                seq: self.tally.sent,
                text: "round trip".to_owned(),
            }),
            None => Ok(Message::Text(PAYLOAD.to_owned())),
        };
        match (&self.agent, frame) {
            (Some(agent), Ok(frame)) => {
                agent.send(frame);
                self.tally.sent += 1;
            }
            (_, Err(error)) => self.tally.finish(Err(error.to_string())),
            (None, _) => {}
        }
    }
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// Runs `count` echo round trips on `url` with `inflight` frames in flight, through a
/// `mode` socket (`"plain"`, `"reliable"` or `"json"`), and resolves to the milliseconds from the
/// open to the last echo.
///
/// # Errors
/// A rejected promise with the reason, if the socket could not open or closed early.
#[wasm_bindgen]
pub async fn round_trips(
    url: String,
    mode: String,
    inflight: u32,
    count: u32,
) -> Result<f64, JsValue> {
    let (tally, finished) = Tally::new(inflight, count);
    let run = Rc::new(RefCell::new(Run {
        agent: None,
        json: (mode == "json").then(Json::new),
        tally,
    }));
    let on_event = {
        let run = Rc::clone(&run);
        Callback::from(move |event| run.borrow_mut().on_event(event))
    };
    let agent = match mode.as_str() {
        "plain" | "json" => Agent::Plain(
            SocketAgent::open(&OpenOptions::new(&url), on_event)
                .map_err(|e| JsValue::from_str(&e.to_string()))?,
        ),
        "reliable" => {
            let policy = Policy {
                heartbeat: None,
                ..Policy::default()
            };
            let agent = ReliableAgent::start(OpenOptions::new(url), policy, on_event, None, None);
            agent.connect();
            Agent::Reliable(agent)
        }
        other => return Err(JsValue::from_str(&format!("unknown mode {other:?}"))),
    };
    run.borrow_mut().agent = Some(agent);
    let outcome = settle(finished).await;
    // Dropping the agent closes the socket with 1000.
    drop(run.borrow_mut().agent.take());
    outcome
}

/// The reference with no crate: a web-sys socket whose `message` listener sends the next
/// frame itself, as the JavaScript client does, so the bench can show what wasm costs
/// (each frame's text crossing into wasm memory and back) apart from what the crate costs.
/// Resolves to the milliseconds from the open to the last echo.
///
/// # Errors
/// A rejected promise if the socket could not be made or closed early.
#[wasm_bindgen]
pub async fn bare_round_trips(url: String, inflight: u32, count: u32) -> Result<f64, JsValue> {
    /// The bare client's socket and counters, shared by its listeners.
    struct Bare {
        ws: web_sys::WebSocket,
        tally: Tally,
    }
    impl Bare {
        fn send(&mut self) {
            match self.ws.send_with_str(PAYLOAD) {
                Ok(()) => self.tally.sent += 1,
                Err(error) => self.tally.finish(Err(format!("{error:?}"))),
            }
        }
    }
    let ws = web_sys::WebSocket::new(&url)?;
    let (tally, finished) = Tally::new(inflight, count);
    let bare = Rc::new(RefCell::new(Bare {
        ws: ws.clone(),
        tally,
    }));
    let on_open = {
        let bare = Rc::clone(&bare);
        Closure::<dyn FnMut()>::new(move || {
            let mut bare = bare.borrow_mut();
            for _ in 0..bare.tally.opened() {
                bare.send();
            }
        })
    };
    let on_message = {
        let bare = Rc::clone(&bare);
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let mut bare = bare.borrow_mut();
            // Taken into wasm as the crate takes it, so the crossing is counted.
            if event.data().as_string().is_none() {
                bare.tally.finish(Err("a frame that is not text".into()));
            } else if bare.tally.echoed() {
                bare.send();
            }
        })
    };
    let on_close = {
        let bare = Rc::clone(&bare);
        Closure::<dyn FnMut()>::new(move || {
            let mut bare = bare.borrow_mut();
            let received = bare.tally.received;
            bare.tally
                .finish(Err(format!("closed after {received} echoes")));
        })
    };
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    let outcome = settle(finished).await;
    // Unhooked before the closures are dropped, so nothing calls a freed closure.
    ws.set_onopen(None);
    ws.set_onmessage(None);
    ws.set_onclose(None);
    let _ = ws.close_with_code(1000);
    drop((on_open, on_message, on_close));
    outcome
}

fn main() {}
