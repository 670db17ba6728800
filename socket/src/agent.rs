//! The service agent: one task owns a browser WebSocket; commands go in through a channel
//! and every frame comes out, in order, as a [`SocketEvent`].
//!
//! gloo-net's `WebSocket` does the listening (its stream yields messages, errors and the
//! close event in order). What gloo lacks comes from web-sys on the same socket: the `open`
//! event (a gloo-events listener, removed when the task ends), `url`, `bufferedAmount`, and
//! a close with code 1000 on drop (gloo's own drop closes without a code, which the server
//! sees as 1005).
//!
//! An optional [`Tap`] sees every data frame in both directions and each ready state, from
//! the same task, in the order they happened (see [`crate::tap`]).
//!
//! Under a [`Script`] (see [`crate::testing`]) the same task runs on a scripted wire
//! instead of the browser's socket: the component hears the same events in the same order.

use std::{cell::Cell, rc::Rc};

use crate::close::CloseRequest;
use futures::{
    FutureExt, SinkExt, StreamExt,
    channel::mpsc::{self, UnboundedReceiver, UnboundedSender},
    future::Fuse,
    select_biased,
};
use gloo_events::EventListener;
use gloo_net::websocket::{Message as GlooMessage, WebSocketError, futures::WebSocket};
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::{JsCast, JsValue};
use yew::Callback;

use crate::{
    tap::{Direction, Payload, Tap, TapEvent},
    testing::{Script, Scripted},
    types::{CloseEvent, Message, OpenOptions, ReadyState, SocketError, SocketEvent, SocketInfo},
};

/// How often `bufferedAmount` is re-read while it is above zero.
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
/// event from a dropped socket reaches the component), and ends the task, which drops
/// gloo's socket and with it every listener and closure.
pub struct SocketAgent {
    commands: UnboundedSender<Command>,
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
}

/// Where the task's frames come from, and go.
enum Wire {
    Browser(WebSocket),
    Scripted {
        script: Script,
        index: usize,
        events: UnboundedReceiver<Scripted>,
    },
}

/// What came in, from either wire.
enum Incoming {
    Frame(Message),
    Error,
    Closed(CloseEvent),
    /// Nothing more will come.
    End,
}

impl Wire {
    async fn next(&mut self) -> Incoming {
        match self {
            Self::Browser(socket) => match socket.next().await {
                Some(Ok(GlooMessage::Text(text))) => Incoming::Frame(Message::Text(text)),
                Some(Ok(GlooMessage::Bytes(bytes))) => Incoming::Frame(Message::Bytes(bytes)),
                Some(Err(WebSocketError::ConnectionClose(close))) => Incoming::Closed(CloseEvent {
                    code: close.code,
                    reason: close.reason,
                    was_clean: close.was_clean,
                }),
                Some(Err(_)) => Incoming::Error,
                None => Incoming::End,
            },
            Self::Scripted { events, .. } => match events.next().await {
                Some(Scripted::Frame(message)) => Incoming::Frame(message),
                Some(Scripted::Error) => Incoming::Error,
                Some(Scripted::Closed(close)) => Incoming::Closed(close),
                None => Incoming::End,
            },
        }
    }

    async fn send(&mut self, message: Message) -> Result<(), String> {
        match self {
            Self::Browser(socket) => {
                let frame = match message {
                    Message::Text(text) => GlooMessage::Text(text),
                    Message::Bytes(bytes) => GlooMessage::Bytes(bytes),
                };
                socket.send(frame).await.map_err(|error| error.to_string())
            }
            Self::Scripted { script, index, .. } => {
                script.record(*index, message);
                Ok(())
            }
        }
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
    // Without the `testing` feature no `Script` exists, and the scripted branch is dead.
    #[cfg_attr(
        not(feature = "testing"),
        expect(
            unreachable_code,
            unused_variables,
            reason = "no Script without `testing`"
        )
    )]
    pub(crate) fn open_on(
        options: &OpenOptions,
        on_event: Callback<SocketEvent>,
        tap: Option<Tap>,
        script: Option<&Script>,
    ) -> Result<Self, SocketError> {
        if let Some(script) = script {
            options.validate()?;
            let url = options.url.trim().to_owned();
            let (index, opened, events) = script.connect(&url);
            let wire = Wire::Scripted {
                script: script.clone(),
                index,
                events,
            };
            let link = Link::Scripted {
                script: script.clone(),
                index,
            };
            return Ok(Self::start(wire, link, url, opened, None, on_event, tap));
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
        // The open listener goes first so it is registered before anything can fire.
        let (opened_tx, opened) = mpsc::unbounded();
        let open_listener = EventListener::once(&raw, "open", move |_| {
            let _ = opened_tx.unbounded_send(());
        });
        let socket = match WebSocket::try_from(raw.clone()) {
            Ok(socket) => socket,
            Err(error) => {
                // Do not leave the half-set-up socket connecting with nobody listening.
                let _ = raw.close();
                return Err(SocketError::InvalidUrl {
                    url: options.url.clone(),
                    problem: error.to_string(),
                });
            }
        };
        let link = Link::Browser(raw.clone());
        Ok(Self::start(
            Wire::Browser(socket),
            link,
            raw.url(),
            opened,
            Some(open_listener),
            on_event,
            tap,
        ))
    }

    /// Spawns the task on `wire`.
    fn start(
        wire: Wire,
        link: Link,
        url: String,
        opened: UnboundedReceiver<()>,
        open_listener: Option<EventListener>,
        on_event: Callback<SocketEvent>,
        tap: Option<Tap>,
    ) -> Self {
        let (commands, command_rx) = mpsc::unbounded();
        let alive = Rc::new(Cell::new(true));
        let task = Task {
            wire,
            link: link.clone(),
            url,
            _open_listener: open_listener,
            opened,
            commands: command_rx,
            alive: Rc::clone(&alive),
            on_event,
            tap: tap.clone(),
            buffered: 0,
        };
        if let Some(tap) = &tap {
            tap.emit(TapEvent::State(ReadyState::Connecting));
        }
        wasm_bindgen_futures::spawn_local(task.run());
        Self {
            commands,
            link,
            alive,
            tap,
        }
    }

    /// `send(data)`: queues a text or binary frame.
    ///
    /// # Errors
    /// [`SocketError::Ended`] once the connection is over. Sending while not open is
    /// reported as [`SocketEvent::Failed`] with [`SocketError::NotOpen`].
    pub fn send(&self, message: Message) -> Result<(), SocketError> {
        self.commands
            .unbounded_send(Command::Send(message))
            .map_err(|_| SocketError::Ended)
    }

    /// `close(code, reason)`: starts the close handshake.
    ///
    /// # Errors
    /// [`SocketError::Close`] if the code is not 1000 or 3000–4999 or the reason exceeds 123
    /// UTF-8 bytes (the socket stays as it was); [`SocketError::Ended`] once it is over.
    pub fn close(&self, code: u16, reason: &str) -> Result<(), SocketError> {
        let request = CloseRequest::new(code, reason)?;
        self.commands
            .unbounded_send(Command::Close(request))
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
        self.commands.close_channel();
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
    _open_listener: Option<EventListener>,
    opened: UnboundedReceiver<()>,
    commands: UnboundedReceiver<Command>,
    alive: Rc<Cell<bool>>,
    on_event: Callback<SocketEvent>,
    tap: Option<Tap>,
    /// The `bufferedAmount` last reported: a [`SocketEvent::Buffered`] says only a change.
    buffered: u32,
}

/// One thing the task woke up for.
enum Wake {
    Opened,
    In(Incoming),
    Command(Option<Command>),
    BufferTick,
}

impl Task {
    async fn run(mut self) {
        // The tap heard `Connecting` from `open`; the component hears it first thing here.
        if self.alive.get() {
            self.on_event
                .emit(SocketEvent::Ready(ReadyState::Connecting));
        }
        let mut buffer_tick: Fuse<TimeoutFuture> = Fuse::terminated();
        loop {
            // Biased: `open` is queued before any message, so it is delivered first.
            let wake = select_biased! {
                opened = self.opened.next() => match opened {
                    Some(()) => Wake::Opened,
                    None => continue,
                },
                incoming = self.wire.next().fuse() => Wake::In(incoming),
                command = self.commands.next() => Wake::Command(command),
                () = buffer_tick => Wake::BufferTick,
            };
            let event = match wake {
                Wake::Opened => {
                    let info = self.link.info(&self.url);
                    Some(SocketEvent::Open {
                        url: info.url,
                        protocol: info.protocol,
                    })
                }
                Wake::In(Incoming::Frame(message)) => Some(SocketEvent::Message(message)),
                Wake::In(Incoming::Closed(close)) => Some(SocketEvent::Close(close)),
                Wake::In(Incoming::Error) => Some(SocketEvent::Error),
                // The close event was the last thing the wire had to say.
                Wake::In(Incoming::End) => return,
                // The handle was dropped: it already closed the socket with 1000.
                Wake::Command(None) => return,
                Wake::Command(Some(Command::Send(message))) => {
                    let event = self.send(message).await;
                    if self.buffered > 0 {
                        buffer_tick = TimeoutFuture::new(BUFFER_POLL_MS).fuse();
                    }
                    event
                }
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
                    let event = self.buffered_news();
                    if self.buffered > 0 {
                        buffer_tick = TimeoutFuture::new(BUFFER_POLL_MS).fuse();
                    }
                    event
                }
            };
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
                self.on_event.emit(event);
                // The close is the last event (a browser socket's stream ends after it).
                if closed {
                    return;
                }
            }
        }
    }

    /// The socket is now in `state`: the tap and the component hear it, in that order.
    fn enter(&self, state: ReadyState) {
        self.report(|| TapEvent::State(state));
        self.on_event.emit(SocketEvent::Ready(state));
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

    /// Sends one frame if the socket is open; what changed, or what went wrong, if anything.
    async fn send(&mut self, message: Message) -> Option<SocketEvent> {
        let state = self.link.ready_state();
        if state != ReadyState::Open {
            return Some(SocketEvent::Failed(SocketError::NotOpen(state)));
        }
        // Copied for the tap before the wire takes the message; reported once it is sent.
        let tapped = self
            .tap
            .is_some()
            .then(|| TapEvent::Frame(Direction::Out, Payload::from(&message)));
        match self.wire.send(message).await {
            Ok(()) => {
                if let Some(event) = tapped {
                    self.report(|| event);
                }
                self.buffered_news()
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
