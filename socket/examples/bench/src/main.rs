//! The page `cargo xtask bench socket` drives: echo round trips through wslab-socket, a
//! plain socket ([`SocketAgent`]), a reliable one ([`ReliableAgent`], heartbeat off), or a
//! plain one whose frames go through the [`Json`] codec both ways, for the bench to time
//! beside a plain JavaScript `WebSocket` on the same page and server. The bench calls
//! [`round_trips`] (exported as `window.wasmBindings.round_trips`).

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

/// A run's counters; the socket's callback drives it.
struct Run {
    agent: Option<Agent>,
    /// The JSON mode's codec: each echo is decoded, and each frame sent encoded.
    json: Option<Json<Echo, Echo>>,
    inflight: u32,
    count: u32,
    sent: u32,
    received: u32,
    started: f64,
    done: Option<oneshot::Sender<Result<f64, String>>>,
}

impl Run {
    fn on_event(&mut self, event: SocketEvent) {
        match event {
            SocketEvent::Open { .. } => {
                self.started = now();
                while self.sent < self.inflight.min(self.count) {
                    self.send();
                }
            }
            SocketEvent::Message(frame) => {
                if let Some(json) = &self.json
                    && let Err(error) = json.decode(frame)
                {
                    self.finish(Err(error.to_string()));
                    return;
                }
                self.received += 1;
                if self.received == self.count {
                    self.finish(Ok(now() - self.started));
                } else if self.sent < self.count {
                    self.send();
                }
            }
            SocketEvent::Close(close) if self.received < self.count => {
                self.finish(Err(format!(
                    "closed after {} echoes: {close}",
                    self.received
                )));
            }
            SocketEvent::Failed(error) => self.finish(Err(error.to_string())),
            _ => {}
        }
    }

    fn send(&mut self) {
        let frame = match &self.json {
            Some(json) => json.encode(Echo {
                seq: self.sent,
                text: "round trip".to_owned(),
            }),
            None => Ok(Message::Text(PAYLOAD.to_owned())),
        };
        match (&self.agent, frame) {
            (Some(agent), Ok(frame)) => {
                agent.send(frame);
                self.sent += 1;
            }
            (_, Err(error)) => self.finish(Err(error.to_string())),
            (None, _) => {}
        }
    }

    fn finish(&mut self, outcome: Result<f64, String>) {
        if let Some(done) = self.done.take() {
            let _ = done.send(outcome);
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
    let (done, finished) = oneshot::channel();
    let run = Rc::new(RefCell::new(Run {
        agent: None,
        json: (mode == "json").then(Json::new),
        inflight: inflight.max(1),
        count,
        sent: 0,
        received: 0,
        started: 0.0,
        done: Some(done),
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
    let outcome = finished.await;
    // Dropping the agent closes the socket with 1000.
    drop(run.borrow_mut().agent.take());
    match outcome {
        Ok(Ok(ms)) => Ok(ms),
        Ok(Err(reason)) => Err(JsValue::from_str(&reason)),
        Err(_) => Err(JsValue::from_str("the run ended without an outcome")),
    }
}

fn main() {}
