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
    raw: web_sys::WebSocket,
    alive: Rc<Cell<bool>>,
    tap: Option<Tap>,
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
        let (commands, command_rx) = mpsc::unbounded();
        let alive = Rc::new(Cell::new(true));
        let task = Task {
            socket,
            raw: raw.clone(),
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
        Ok(Self {
            commands,
            raw,
            alive,
            tap,
        })
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
        SocketInfo {
            ready_state: ReadyState::from_number(self.raw.ready_state()),
            url: self.raw.url(),
            protocol: self.raw.protocol(),
            buffered_amount: self.raw.buffered_amount(),
        }
    }
}

impl Drop for SocketAgent {
    fn drop(&mut self) {
        self.alive.set(false);
        // Synchronous, so the server sees 1000 even if the page is going away.
        let _ = self.raw.close_with_code(crate::close::NORMAL);
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
    socket: WebSocket,
    raw: web_sys::WebSocket,
    _open_listener: EventListener,
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
    Frame(Option<Result<GlooMessage, WebSocketError>>),
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
                frame = self.socket.next().fuse() => Wake::Frame(frame),
                command = self.commands.next() => Wake::Command(command),
                () = buffer_tick => Wake::BufferTick,
            };
            let event = match wake {
                Wake::Opened => Some(SocketEvent::Open {
                    url: self.raw.url(),
                    protocol: self.raw.protocol(),
                }),
                Wake::Frame(Some(Ok(GlooMessage::Text(text)))) => {
                    Some(SocketEvent::Message(Message::Text(text)))
                }
                Wake::Frame(Some(Ok(GlooMessage::Bytes(bytes)))) => {
                    Some(SocketEvent::Message(Message::Bytes(bytes)))
                }
                Wake::Frame(Some(Err(WebSocketError::ConnectionClose(close)))) => {
                    Some(SocketEvent::Close(CloseEvent {
                        code: close.code,
                        reason: close.reason,
                        was_clean: close.was_clean,
                    }))
                }
                Wake::Frame(Some(Err(_))) => Some(SocketEvent::Error),
                // The close event was the last thing the stream had to say.
                Wake::Frame(None) => return,
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
                    match self
                        .raw
                        .close_with_code_and_reason(request.code(), request.reason())
                    {
                        Ok(()) => {
                            self.enter(ReadyState::Closing);
                            None
                        }
                        Err(error) => Some(SocketEvent::Failed(SocketError::CloseFailed(
                            js_message(&error),
                        ))),
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
                self.on_event.emit(event);
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
        let now = self.raw.buffered_amount();
        (now != self.buffered).then(|| {
            self.buffered = now;
            SocketEvent::Buffered(now)
        })
    }

    /// Sends one frame if the socket is open; what changed, or what went wrong, if anything.
    async fn send(&mut self, message: Message) -> Option<SocketEvent> {
        let state = ReadyState::from_number(self.raw.ready_state());
        if state != ReadyState::Open {
            return Some(SocketEvent::Failed(SocketError::NotOpen(state)));
        }
        // Copied for the tap before gloo takes the message; reported once the send worked.
        let tapped = self
            .tap
            .is_some()
            .then(|| TapEvent::Frame(Direction::Out, Payload::from(&message)));
        let frame = match message {
            Message::Text(text) => GlooMessage::Text(text),
            Message::Bytes(bytes) => GlooMessage::Bytes(bytes),
        };
        match self.socket.send(frame).await {
            Ok(()) => {
                if let Some(event) = tapped {
                    self.report(|| event);
                }
                self.buffered_news()
            }
            Err(error) => Some(SocketEvent::Failed(SocketError::Send(error.to_string()))),
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
