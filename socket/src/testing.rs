//! A scripted socket with a virtual clock, for your component tests: no server, no waiting.
//!
//! Give a [`Script`] to the hook's options ([`crate::SocketOptions::scripted`]) or to a
//! [`crate::SharedSocket`]; every socket the component opens is then a scripted one, and
//! the test plays the server: [`Script::open`], [`Script::message`], [`Script::close`],
//! [`Script::drop_connection`], and reads what the page sent with [`Script::sent`]. A
//! reliable socket's timers (backoff, heartbeat, connect timeout) run on the script's
//! clock, which only moves when the test calls [`Script::advance`]: thirty seconds of
//! silence take no time at all.
//!
//! The events the component hears are those of a browser socket, in the same order, from
//! the same agents: only the wire and the clock are scripted. What the script does
//! reaches the component once the page's tasks have run: `script.settle().await`.
//!
//! # Example
//! ```ignore
//! let script = Script::new();
//! // In the component: use_socket(SocketOptions::new(on_event).scripted(script.clone()))
//! mount_the_component(script.clone()).await;
//! script.settle().await;
//! assert_eq!(script.sockets(), 1);
//! script.open();
//! script.message("hello");
//! script.settle().await;
//! assert_eq!(text("#last"), "hello");
//! ```

use std::{cell::RefCell, rc::Rc};

use futures::channel::oneshot;

use crate::{
    agent::Heard,
    close::NORMAL,
    reconnect::Millis,
    run::{self, Receiver, Sender},
    types::{CloseEvent, Message, ReadyState},
};

/// One socket the page opened, as the script sees it.
struct Connection {
    url: String,
    state: ReadyState,
    /// What the socket's task hears, as from a browser's socket.
    events: Sender<Heard>,
    sent: Vec<Message>,
}

#[derive(Default)]
struct State {
    now: Millis,
    timers: Vec<(Millis, oneshot::Sender<()>)>,
    connections: Vec<Connection>,
}

/// The scripted server and its clock. Cheap to clone; clones are the same script.
#[derive(Clone, Default)]
pub struct Script {
    state: Rc<RefCell<State>>,
}

impl PartialEq for Script {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.state, &other.state)
    }
}

impl std::fmt::Debug for Script {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("Script")
            .field("now", &state.now)
            .field("sockets", &state.connections.len())
            .finish_non_exhaustive()
    }
}

impl Script {
    /// A script at time 0 with no socket yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many sockets the page has opened so far.
    pub fn sockets(&self) -> usize {
        self.state.borrow().connections.len()
    }

    /// The URL the newest socket was opened with.
    pub fn url(&self) -> Option<String> {
        self.state
            .borrow()
            .connections
            .last()
            .map(|c| c.url.clone())
    }

    /// The newest socket's ready state (`Closed` before the first).
    pub fn ready_state(&self) -> ReadyState {
        self.state
            .borrow()
            .connections
            .last()
            .map_or(ReadyState::Closed, |c| c.state)
    }

    /// What the page sent on the newest socket, in order.
    pub fn sent(&self) -> Vec<Message> {
        self.state
            .borrow()
            .connections
            .last()
            .map(|c| c.sent.clone())
            .unwrap_or_default()
    }

    /// The newest socket's handshake completes: it is open.
    pub fn open(&self) {
        self.with_newest(|c| {
            (c.state == ReadyState::Connecting).then(|| {
                c.state = ReadyState::Open;
                Heard::Opened
            })
        });
    }

    /// A frame arrives on the newest socket (if it is open).
    pub fn message(&self, frame: impl Into<Message>) {
        let frame = frame.into();
        self.with_newest(|c| (c.state == ReadyState::Open).then_some(Heard::Frame(frame)));
    }

    /// The server closes the newest socket cleanly with `code` and `reason`.
    pub fn close(&self, code: u16, reason: &str) {
        self.end_newest(CloseEvent {
            code,
            reason: reason.to_owned(),
            was_clean: true,
        });
    }

    /// The newest socket's connection is lost (or refused while connecting): an error,
    /// then a close with 1006, not clean, as a browser reports it.
    pub fn drop_connection(&self) {
        self.with_newest(|c| (c.state != ReadyState::Closed).then_some(Heard::Error));
        self.end_newest(CloseEvent {
            code: 1006,
            reason: String::new(),
            was_clean: false,
        });
    }

    /// The script's clock, in ms since it was made.
    pub fn now(&self) -> Millis {
        self.state.borrow().now
    }

    /// Moves the clock `ms` forward; every timer due by then fires (in the order they are
    /// due). The page hears about it after [`Self::settle`].
    pub fn advance(&self, ms: Millis) {
        let due = {
            let mut state = self.state.borrow_mut();
            state.now = state.now.saturating_add(ms);
            let now = state.now;
            let (mut due, waiting): (Vec<_>, Vec<_>) =
                state.timers.drain(..).partition(|(at, _)| *at <= now);
            state.timers = waiting;
            due.sort_by_key(|(at, _)| *at);
            due
        };
        for (_, fire) in due {
            let _ = fire.send(());
        }
    }

    /// Lets the page's tasks run until they have handled what the script did (a turn of
    /// the browser's event loop: every queued task and microtask runs first).
    pub async fn settle(&self) {
        for _ in 0..3 {
            gloo_timers::future::TimeoutFuture::new(0).await;
        }
    }

    /// Lets `f` change the newest socket and say what it heard; that is sent once the
    /// script's state is no longer borrowed (the socket's task may run in the send).
    fn with_newest(&self, f: impl FnOnce(&mut Connection) -> Option<Heard>) {
        let heard = self
            .state
            .borrow_mut()
            .connections
            .last_mut()
            .and_then(|c| Some((c.events.clone(), f(c)?)));
        if let Some((events, heard)) = heard {
            let _ = events.send(heard);
        }
    }

    fn end_newest(&self, close: CloseEvent) {
        self.with_newest(|c| {
            (c.state != ReadyState::Closed).then(|| {
                c.state = ReadyState::Closed;
                Heard::Closed(close)
            })
        });
    }

    // The agents' side.

    /// A new socket to `url`: its index, and where its events come from.
    pub(crate) fn connect(&self, url: &str) -> (usize, Receiver<Heard>) {
        let (events_tx, events) = run::queue();
        let mut state = self.state.borrow_mut();
        state.connections.push(Connection {
            url: url.to_owned(),
            state: ReadyState::Connecting,
            events: events_tx,
            sent: Vec::new(),
        });
        (state.connections.len() - 1, events)
    }

    /// Socket `index`'s URL.
    pub(crate) fn url_of(&self, index: usize) -> String {
        self.state
            .borrow()
            .connections
            .get(index)
            .map(|c| c.url.clone())
            .unwrap_or_default()
    }

    /// Socket `index`'s ready state.
    pub(crate) fn state_of(&self, index: usize) -> ReadyState {
        self.state
            .borrow()
            .connections
            .get(index)
            .map_or(ReadyState::Closed, |c| c.state)
    }

    /// The page sends `frame` on socket `index`.
    pub(crate) fn record(&self, index: usize, frame: Message) {
        if let Some(c) = self.state.borrow_mut().connections.get_mut(index) {
            c.sent.push(frame);
        }
    }

    /// The page closes socket `index`: the scripted server answers the close at once, as a
    /// well-behaved one does.
    pub(crate) fn page_closes(&self, index: usize, code: u16, reason: &str) {
        let events = self
            .state
            .borrow_mut()
            .connections
            .get_mut(index)
            .filter(|c| c.state != ReadyState::Closed)
            .map(|c| {
                c.state = ReadyState::Closed;
                c.events.clone()
            });
        // Outside the borrow: the socket's task may run in the send.
        if let Some(events) = events {
            let _ = events.send(Heard::Closed(CloseEvent {
                code,
                reason: reason.to_owned(),
                was_clean: true,
            }));
        }
    }

    /// The page dropped socket `index` (its agent is gone): closed with 1000, unheard.
    pub(crate) fn page_drops(&self, index: usize) {
        self.page_closes(index, NORMAL, "");
    }

    /// A future that resolves when the clock reaches `at`.
    pub(crate) fn sleep_until(&self, at: Millis) -> oneshot::Receiver<()> {
        let (fire, fired) = oneshot::channel();
        let mut state = self.state.borrow_mut();
        // Timers whose wait was given up (the driver woke for something else) go.
        state.timers.retain(|(_, fire)| !fire.is_canceled());
        if at <= state.now {
            let _ = fire.send(());
        } else {
            state.timers.push((at, fire));
        }
        fired
    }
}
