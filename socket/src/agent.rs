//! The service agent: one task owns a browser WebSocket; commands go in through a channel
//! and every frame comes out, in order, as a [`SocketEvent`].
//!
//! The socket's four events (`open`, `message`, `error`, `close`) are heard by gloo-events
//! listeners that the task owns (removed when it ends). Each listener only queues what it
//! heard for the task, which runs at once, inside the browser's dispatch (see
//! [`crate::run`]), and takes everything queued, in order, before it waits again. Frames
//! are sent straight to the browser's socket. A dropped handle closes with code 1000 (a
//! socket dropped without a code reaches the server as 1005).
//!
//! An optional [`Tap`] sees every data frame in both directions and each ready state, from
//! the same task, in the order they happened (see [`crate::tap`]).
//!
//! Under a [`Script`] (see [`crate::testing`]) the same task runs on a scripted wire
//! instead of the browser's socket: the component hears the same events in the same order.

use std::{cell::Cell, rc::Rc};

use crate::close::CloseRequest;
use futures::{
    FutureExt, StreamExt,
    future::{Fuse, FusedFuture},
    select_biased,
};
use gloo_events::EventListener;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::{JsCast, JsValue};
use yew::Callback;

use crate::{
    run::{self, Receiver, Sender},
    tap::{Direction, Payload, Tap, TapEvent},
    testing::Script,
    types::{CloseEvent, Message, OpenOptions, ReadyState, SocketError, SocketEvent, SocketInfo},
};

/// How often `bufferedAmount` is sampled while frames go out or some are still queued.
const BUFFER_POLL_MS: u32 = 100;

/// `websocket.supported`: whether this browser has the WebSocket API.
pub fn supported() -> bool {
    js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("WebSocket")).unwrap_or(false)
}

/// What the component asks of the task.
enum Command {
    Send(Message),
    Close(CloseRequest),
}

/// Handle to one socket and the task that owns it.
///
/// Dropping the handle closes the socket with 1000 at once, stops event delivery (no late
/// event from a dropped socket reaches the component), and ends the task, which drops the
/// socket's listeners and with them their closures.
pub struct SocketAgent {
    commands: Sender<Command>,
    /// Read-only view of the socket for the doc's properties; the task does all I/O.
    link: Link,
    alive: Rc<Cell<bool>>,
    tap: Option<Tap>,
}

/// The socket itself: the browser's, or one a [`Script`] plays.
#[derive(Clone)]
enum Link {
    Browser(web_sys::WebSocket),
    Scripted { script: Script, index: usize },
}

impl Link {
    fn ready_state(&self) -> ReadyState {
        match self {
            Self::Browser(raw) => ReadyState::from_number(raw.ready_state()),
            Self::Scripted { script, index } => script.state_of(*index),
        }
    }

    fn info(&self, url: &str) -> SocketInfo {
        match self {
            Self::Browser(raw) => SocketInfo {
                ready_state: ReadyState::from_number(raw.ready_state()),
                url: raw.url(),
                protocol: raw.protocol(),
                buffered_amount: raw.buffered_amount(),
            },
            Self::Scripted { .. } => SocketInfo {
                ready_state: self.ready_state(),
                url: url.to_owned(),
                protocol: String::new(),
                buffered_amount: 0,
            },
        }
    }

    fn buffered_amount(&self) -> u32 {
        match self {
            Self::Browser(raw) => raw.buffered_amount(),
            Self::Scripted { .. } => 0,
        }
    }

    /// Starts the close handshake.
    fn close(&self, code: u16, reason: &str) -> Result<(), String> {
        match self {
            Self::Browser(raw) => raw
                .close_with_code_and_reason(code, reason)
                .map_err(|error| js_message(&error)),
            Self::Scripted { script, index } => {
                script.page_closes(*index, code, reason);
                Ok(())
            }
        }
    }

    /// Closes with 1000 at once, nobody listening any more.
    fn drop_now(&self) {
        match self {
            Self::Browser(raw) => {
                let _ = raw.close_with_code(crate::close::NORMAL);
            }
            Self::Scripted { script, index } => script.page_drops(*index),
        }
    }

    /// Hands one frame to the socket.
    fn send(&self, message: Message) -> Result<(), String> {
        match self {
            Self::Browser(raw) => match &message {
                Message::Text(text) => raw.send_with_str(text),
                Message::Bytes(bytes) => raw.send_with_u8_array(bytes),
            }
            .map_err(|error| js_message(&error)),
            Self::Scripted { script, index } => {
                script.record(*index, message);
                Ok(())
            }
        }
    }
}

/// What the socket said, from either wire, in the order it happened.
pub(crate) enum Heard {
    Opened,
    Frame(Message),
    Error,
    Closed(CloseEvent),
}

/// Where the task's events come from: the browser socket's listeners, or a script.
struct Wire {
    heard: Receiver<Heard>,
    /// The browser socket's listeners, removed from it when the task ends (none for a
    /// script).
    _listeners: Option<[EventListener; 4]>,
}

impl Wire {
    /// Listens to `raw`'s four events, binary frames as `ArrayBuffer`s.
    fn browser(raw: &web_sys::WebSocket) -> Self {
        raw.set_binary_type(web_sys::BinaryType::Arraybuffer);
        let (inbox, heard) = run::queue();
        let listen = |name: &'static str, hear: fn(&web_sys::Event) -> Heard| {
            let inbox = inbox.clone();
            EventListener::new(raw, name, move |event| {
                // The task runs now, inside this dispatch (see `crate::run`); once it has
                // ended nothing is listening, and what was heard is dropped.
                run::heard(|| {
                    let _ = inbox.send(hear(event));
                });
            })
        };
        let listeners = [
            listen("open", |_| Heard::Opened),
            listen("message", frame_of),
            listen("error", |_| Heard::Error),
            listen("close", |event| {
                let close = event.unchecked_ref::<web_sys::CloseEvent>();
                Heard::Closed(CloseEvent {
                    code: close.code(),
                    reason: close.reason(),
                    was_clean: close.was_clean(),
                })
            }),
        ];
        Self {
            heard,
            _listeners: Some(listeners),
        }
    }
}

/// A `message` event's frame: text, or the bytes of an `ArrayBuffer`. Anything else (a
/// `Blob`, if someone changed `binaryType`) is reported as an error, not dropped unseen.
fn frame_of(event: &web_sys::Event) -> Heard {
    let data = event.unchecked_ref::<web_sys::MessageEvent>().data();
    if let Some(text) = data.as_string() {
        Heard::Frame(Message::Text(text))
    } else if let Some(buffer) = data.dyn_ref::<js_sys::ArrayBuffer>() {
        Heard::Frame(Message::Bytes(js_sys::Uint8Array::new(buffer).to_vec()))
    } else {
        Heard::Error
    }
}

impl std::fmt::Debug for SocketAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketAgent")
            .field("info", &self.info())
            .finish_non_exhaustive()
    }
}

impl SocketAgent {
    /// Opens a socket and starts its task; `on_event` receives every event in order.
    ///
    /// # Errors
    /// [`SocketError::Unsupported`] without the WebSocket API; [`SocketError::InvalidUrl`] or
    /// [`SocketError::InvalidProtocols`] when the options fail [`OpenOptions::validate`] or
    /// the browser's constructor throws. An unreachable server is not an error here: it
    /// arrives as [`SocketEvent::Error`] then a [`SocketEvent::Close`] with code 1006.
    pub fn open(
        options: &OpenOptions,
        on_event: Callback<SocketEvent>,
    ) -> Result<Self, SocketError> {
        Self::open_with_tap(options, on_event, None)
    }

    /// [`Self::open`], also reporting every frame and ready state to `tap` (if any):
    /// `Connecting` at once, `Open`, `Closing` when a close is started, and `Closed` on the
    /// close event or when the handle is dropped.
    ///
    /// # Errors
    /// As [`Self::open`].
    pub fn open_with_tap(
        options: &OpenOptions,
        on_event: Callback<SocketEvent>,
        tap: Option<Tap>,
    ) -> Result<Self, SocketError> {
        Self::open_on(options, on_event, tap, None)
    }

    /// [`Self::open_with_tap`] on `script`'s wire, if one is given.
    pub(crate) fn open_on(
        options: &OpenOptions,
        on_event: Callback<SocketEvent>,
        tap: Option<Tap>,
        script: Option<&Script>,
    ) -> Result<Self, SocketError> {
        let (agent, task) = Self::open_parts(options, on_event, tap, script)?;
        run::spawn(task.run());
        Ok(agent)
    }

    /// [`Self::open_on`] without a task of its own: the socket's task is returned for the
    /// caller's task to poll (the reliable driver's does, so a frame and a send each take
    /// one task's poll, not two).
    pub(crate) fn open_within(
        options: &OpenOptions,
        on_event: Callback<SocketEvent>,
        tap: Option<Tap>,
        script: Option<&Script>,
    ) -> Result<(Self, impl std::future::Future<Output = ()> + 'static), SocketError> {
        let (agent, task) = Self::open_parts(options, on_event, tap, script)?;
        Ok((agent, task.run()))
    }

    /// The handle and the task, not started.
    // Without the `testing` feature no `Script` exists, and the scripted branch is dead.
    #[cfg_attr(
        not(feature = "testing"),
        expect(
            unreachable_code,
            unused_variables,
            reason = "no Script without `testing`"
        )
    )]
    fn open_parts(
        options: &OpenOptions,
        on_event: Callback<SocketEvent>,
        tap: Option<Tap>,
        script: Option<&Script>,
    ) -> Result<(Self, Task), SocketError> {
        if let Some(script) = script {
            options.validate()?;
            let url = options.url.trim().to_owned();
            let (index, events) = script.connect(&url);
            let link = Link::Scripted {
                script: script.clone(),
                index,
            };
            return Ok(Self::build(
                Wire {
                    heard: events,
                    _listeners: None,
                },
                link,
                url,
                on_event,
                tap,
            ));
        }
        if !supported() {
            return Err(SocketError::Unsupported);
        }
        options.validate()?;
        let url = options.url.trim();
        let raw = if options.protocols.is_empty() {
            web_sys::WebSocket::new(url)
        } else {
            let list = options
                .protocols
                .iter()
                .map(|p| JsValue::from_str(p))
                .collect::<js_sys::Array>();
            web_sys::WebSocket::new_with_str_sequence(url, &list)
        }
        .map_err(|error| SocketError::InvalidUrl {
            url: options.url.clone(),
            problem: js_message(&error),
        })?;
        // Listening starts before anything can fire: events are dispatched as tasks of
        // their own, after this function has returned.
        let wire = Wire::browser(&raw);
        let url = raw.url();
        Ok(Self::build(wire, Link::Browser(raw), url, on_event, tap))
    }

    /// The handle and its task on `wire`.
    fn build(
        wire: Wire,
        link: Link,
        url: String,
        on_event: Callback<SocketEvent>,
        tap: Option<Tap>,
    ) -> (Self, Task) {
        let (commands, command_rx) = run::queue();
        let alive = Rc::new(Cell::new(true));
        let task = Task {
            wire,
            link: link.clone(),
            url,
            commands: command_rx,
            alive: Rc::clone(&alive),
            on_event,
            tap: tap.clone(),
            buffered: 0,
            sent: false,
        };
        if let Some(tap) = &tap {
            tap.emit(TapEvent::State(ReadyState::Connecting));
        }
        let agent = Self {
            commands,
            link,
            alive,
            tap,
        };
        (agent, task)
    }

    /// `send(data)`: queues a text or binary frame.
    ///
    /// # Errors
    /// [`SocketError::Ended`] once the connection is over. Sending while not open is
    /// reported as [`SocketEvent::Failed`] with [`SocketError::NotOpen`].
    pub fn send(&self, message: Message) -> Result<(), SocketError> {
        // The page's call: its task runs later unless it is running now (see `crate::run`).
        run::outside(|| self.send_now(message))
    }

    /// [`Self::send`] from one of the crate's tasks: the socket's task runs in this call.
    pub(crate) fn send_now(&self, message: Message) -> Result<(), SocketError> {
        self.commands
            .send(Command::Send(message))
            .map_err(|_| SocketError::Ended)
    }

    /// `close(code, reason)`: starts the close handshake.
    ///
    /// # Errors
    /// [`SocketError::Close`] if the code is not 1000 or 3000–4999 or the reason exceeds 123
    /// UTF-8 bytes (the socket stays as it was); [`SocketError::Ended`] once it is over.
    pub fn close(&self, code: u16, reason: &str) -> Result<(), SocketError> {
        run::outside(|| self.close_now(code, reason))
    }

    /// [`Self::close`] from one of the crate's tasks: the socket's task runs in this call.
    pub(crate) fn close_now(&self, code: u16, reason: &str) -> Result<(), SocketError> {
        let request = CloseRequest::new(code, reason)?;
        self.commands
            .send(Command::Close(request))
            .map_err(|_| SocketError::Ended)
    }

    /// `readyState`, `url`, `protocol` and `bufferedAmount`, read now.
    pub fn info(&self) -> SocketInfo {
        match &self.link {
            Link::Browser(_) => self.link.info(""),
            Link::Scripted { script, index } => {
                let url = script.url_of(*index);
                self.link.info(&url)
            }
        }
    }
}

impl Drop for SocketAgent {
    fn drop(&mut self) {
        self.alive.set(false);
        // Synchronous, so the server sees 1000 even if the page is going away.
        self.link.drop_now();
        self.commands.close();
        // The task says nothing more, so the tap learns the end here (a socket abandoned
        // or replaced gets no close event).
        if let Some(tap) = &self.tap {
            tap.emit(TapEvent::State(ReadyState::Closed));
        }
    }
}

/// Everything the socket's task owns.
struct Task {
    wire: Wire,
    link: Link,
    /// The URL as opened (the browser's socket says its own).
    url: String,
    commands: Receiver<Command>,
    alive: Rc<Cell<bool>>,
    on_event: Callback<SocketEvent>,
    tap: Option<Tap>,
    /// The `bufferedAmount` last reported: a [`SocketEvent::Buffered`] says only a change.
    buffered: u32,
    /// A frame went out since the last sample: the next tick samples `bufferedAmount`.
    /// (Read after every send, it changed after nearly every one: an event, and a render,
    /// per frame.)
    sent: bool,
}

/// One thing the task woke up for.
enum Wake {
    /// From the socket; `None` once nothing more can come.
    Heard(Option<Heard>),
    /// From the handle; `None` once it was dropped.
    Command(Option<Command>),
    BufferTick,
}

impl Task {
    async fn run(mut self) {
        // The tap heard `Connecting` from `open`; the component hears it first thing here.
        self.tell(SocketEvent::Ready(ReadyState::Connecting));
        let mut buffer_tick: Fuse<TimeoutFuture> = Fuse::terminated();
        loop {
            // Biased: what the socket said comes before the next command, so a command
            // meets the state the component last heard of.
            let wake = select_biased! {
                heard = self.wire.heard.next() => Wake::Heard(heard),
                command = self.commands.next() => Wake::Command(command),
                () = buffer_tick => Wake::BufferTick,
            };
            let event = match wake {
                Wake::Heard(Some(Heard::Opened)) => {
                    let info = self.link.info(&self.url);
                    Some(SocketEvent::Open {
                        url: info.url,
                        protocol: info.protocol,
                    })
                }
                Wake::Heard(Some(Heard::Frame(message))) => Some(SocketEvent::Message(message)),
                Wake::Heard(Some(Heard::Closed(close))) => Some(SocketEvent::Close(close)),
                Wake::Heard(Some(Heard::Error)) => Some(SocketEvent::Error),
                // The wire's queue ended (it does not while the task holds its senders).
                Wake::Heard(None) => return,
                // The handle was dropped: it already closed the socket with 1000.
                Wake::Command(None) => return,
                Wake::Command(Some(Command::Send(message))) => self.send(message),
                Wake::Command(Some(Command::Close(request))) => {
                    match self.link.close(request.code(), request.reason()) {
                        Ok(()) => {
                            self.enter(ReadyState::Closing);
                            None
                        }
                        Err(error) => Some(SocketEvent::Failed(SocketError::CloseFailed(error))),
                    }
                }
                Wake::BufferTick => {
                    self.sent = false;
                    self.buffered_news()
                }
            };
            // One timer at a time, re-armed only once it fired: not one per frame sent.
            if (self.sent || self.buffered > 0) && buffer_tick.is_terminated() {
                buffer_tick = TimeoutFuture::new(BUFFER_POLL_MS).fuse();
            }
            if !self.alive.get() {
                return;
            }
            if let Some(event) = event {
                match &event {
                    SocketEvent::Open { .. } => self.enter(ReadyState::Open),
                    SocketEvent::Message(message) => {
                        self.report(|| TapEvent::Frame(Direction::In, Payload::from(message)));
                    }
                    SocketEvent::Close(_) => self.enter(ReadyState::Closed),
                    _ => {}
                }
                let closed = matches!(event, SocketEvent::Close(_));
                self.tell(event);
                // The close is the last event the browser sends.
                if closed {
                    return;
                }
            }
        }
    }

    /// The socket is now in `state`: the tap and the component hear it, in that order.
    fn enter(&self, state: ReadyState) {
        self.report(|| TapEvent::State(state));
        self.tell(SocketEvent::Ready(state));
    }

    /// Hands `event` to the component while the handle is held: a component that drops it
    /// on hearing one event (`Ready(Closed)`, say) hears nothing after.
    fn tell(&self, event: SocketEvent) {
        if self.alive.get() {
            self.on_event.emit(event);
        }
    }

    /// Tells the tap, if there is one and the handle is still held; `event` is only built
    /// (and a payload copied) when someone listens.
    fn report(&self, event: impl FnOnce() -> TapEvent) {
        if let Some(tap) = &self.tap
            && self.alive.get()
        {
            tap.emit(event());
        }
    }

    /// `bufferedAmount` now, if it is not what was last reported.
    fn buffered_news(&mut self) -> Option<SocketEvent> {
        let now = self.link.buffered_amount();
        (now != self.buffered).then(|| {
            self.buffered = now;
            SocketEvent::Buffered(now)
        })
    }

    /// Sends one frame if the socket is open; what went wrong, if anything.
    fn send(&mut self, message: Message) -> Option<SocketEvent> {
        let state = self.link.ready_state();
        if state != ReadyState::Open {
            return Some(SocketEvent::Failed(SocketError::NotOpen(state)));
        }
        // Copied for the tap before the socket takes the message; reported once it is sent.
        let tapped = self
            .tap
            .is_some()
            .then(|| TapEvent::Frame(Direction::Out, Payload::from(&message)));
        match self.link.send(message) {
            Ok(()) => {
                if let Some(event) = tapped {
                    self.report(|| event);
                }
                self.sent = true;
                None
            }
            Err(error) => Some(SocketEvent::Failed(SocketError::Send(error))),
        }
    }
}

/// The message of a thrown JavaScript value (a `DOMException` or `Error`), or the value
/// itself as text.
pub(crate) fn js_message(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        String::from(error.message())
    } else {
        value.as_string().unwrap_or_else(|| format!("{value:?}"))
    }
}
