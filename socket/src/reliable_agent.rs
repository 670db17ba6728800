//! The reliable connection's driver in the browser: one task owns the state machine of
//! [`crate::reconnect`], the current [`SocketAgent`], a timer for the machine's deadline, and
//! the window's `online` / `offline` / `visibilitychange` listeners. The socket's own task
//! is polled inside this one rather than spawned beside it, so a frame and a send each take
//! one task's poll; what it says is handled before anything else. Commands and the network
//! come in through one queue. The component hears [`SocketEvent`]s, as from a plain socket: those of the
//! current socket (never a replaced one's), and the machine's news: its [`Status`](crate::reconnect::Status) and
//! outbox when they change, a [`SocketEvent::Pong`] per heartbeat reply. An optional
//! [`Tap`] is handed to each socket it opens, so it sees every frame (heartbeats, resume
//! frames and the outbox included) across reconnects. Under a [`Script`] its sockets are
//! scripted and its timers run on the script's clock (see [`crate::testing`]).

use std::{
    cell::{Cell, RefCell},
    collections::VecDeque,
    future::{Future, poll_fn},
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
};

use futures::{
    FutureExt, StreamExt,
    future::{Fuse, FusedFuture},
};
use gloo_events::EventListener;
use gloo_timers::future::TimeoutFuture;
use yew::Callback;

use crate::{
    agent::SocketAgent,
    reconnect::{Effect, Input, Machine, Millis, Policy, Told},
    run::{self, Receiver, Sender},
    tap::Tap,
    testing::Script,
    types::{CloseEvent, Message, OpenOptions, ReadyState, SocketEvent},
};

/// What the component asks for.
enum Command {
    Connect,
    Close(u16, String),
    Send(Message),
    /// The page's "go offline" switch: behave as if the network went away (or came back).
    SimulateOffline(bool),
}

/// Everything the task waits for, in one channel.
enum Wake {
    Command(Command),
    Socket(u64, SocketEvent),
    Network(Input),
}

/// Milliseconds on a clock that only goes forward (`performance.now()`, since the page
/// loaded). The wall clock can jump (an NTP step, a changed setting): back, it would
/// stretch a 1 s backoff into hours; forward, it would find a healthy socket silent.
/// `Date.now()` only where there is no `performance`.
pub fn clock_ms() -> Millis {
    thread_local! {
        // Looked up once: the driver reads the clock on every input.
        static PERFORMANCE: Option<web_sys::Performance> =
            web_sys::window().and_then(|w| w.performance());
    }
    PERFORMANCE
        .with(|p| {
            p.as_ref()
                .map_or_else(js_sys::Date::now, web_sys::Performance::now)
        })
        .max(0.0) as Millis
}

/// The wait for the machine's next deadline: on the browser's clock, or a script's.
enum Timer {
    Browser(TimeoutFuture),
    Scripted(futures::channel::oneshot::Receiver<()>),
}

impl Future for Timer {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.get_mut() {
            Self::Browser(timeout) => Pin::new(timeout).poll(cx),
            // A dropped script never fires: nothing is due any more.
            Self::Scripted(fired) => match Pin::new(fired).poll(cx) {
                Poll::Ready(Ok(())) => Poll::Ready(()),
                _ => Poll::Pending,
            },
        }
    }
}

/// Handle to a reliable connection; dropping it closes the socket (1000) and ends the task.
pub struct ReliableAgent {
    commands: Sender<Wake>,
    alive: Rc<Cell<bool>>,
}

impl ReliableAgent {
    /// Starts the task for `options` (every socket it opens uses them) with `policy`;
    /// nothing connects until [`Self::connect`].
    ///
    /// `resume`, if given, is asked on every open for frames to send first, before the
    /// outbox: what re-establishes the session (rejoin rooms, resubscribe symbols). `tap`,
    /// if given, sees every socket's traffic and ready states.
    pub fn start(
        options: OpenOptions,
        policy: Policy,
        on_event: Callback<SocketEvent>,
        resume: Option<Callback<(), Vec<Message>>>,
        tap: Option<Tap>,
    ) -> Self {
        Self::start_on(options, policy, on_event, resume, tap, None)
    }

    /// [`Self::start`], its sockets and its clock scripted by `script` if one is given.
    pub(crate) fn start_on(
        options: OpenOptions,
        policy: Policy,
        on_event: Callback<SocketEvent>,
        resume: Option<Callback<(), Vec<Message>>>,
        tap: Option<Tap>,
        script: Option<Script>,
    ) -> Self {
        let (commands, wakes) = run::queue();
        let alive = Rc::new(Cell::new(true));
        let task = Task {
            options,
            machine: Machine::new(policy, js_sys::Math::random().to_bits()),
            socket: None,
            socket_task: None,
            heard: Rc::default(),
            wakes,
            sender: commands.clone(),
            on_event,
            resume,
            tap,
            alive: Rc::clone(&alive),
            simulated_offline: false,
            told: Told::default(),
            script,
        };
        run::spawn(task.run());
        Self { commands, alive }
    }

    /// Connects (again), with the backoff reset.
    pub fn connect(&self) {
        self.command(Command::Connect);
    }

    /// Closes with `code` and `reason`; it never reconnects after this.
    pub fn close(&self, code: u16, reason: &str) {
        self.command(Command::Close(code, reason.to_owned()));
    }

    /// Sends `message` now if open, else queues it in the outbox.
    pub fn send(&self, message: Message) {
        self.command(Command::Send(message));
    }

    /// Simulates the network going away (`true`) or coming back.
    pub fn simulate_offline(&self, offline: bool) {
        self.command(Command::SimulateOffline(offline));
    }

    /// The page's call: the driver runs later unless it is running now (see `crate::run`).
    fn command(&self, command: Command) {
        run::outside(|| {
            let _ = self.commands.send(Wake::Command(command));
        });
    }
}

impl Drop for ReliableAgent {
    fn drop(&mut self) {
        self.alive.set(false);
        self.commands.close();
    }
}

struct Task {
    options: OpenOptions,
    machine: Machine,
    socket: Option<(u64, SocketAgent)>,
    /// The current socket's task, polled inside this one (see [`SocketAgent::open_within`]);
    /// `None` once it has ended.
    socket_task: Option<Pin<Box<dyn Future<Output = ()>>>>,
    /// What the socket's task said during this task's poll, not yet handled.
    heard: Rc<RefCell<VecDeque<(u64, SocketEvent)>>>,
    wakes: Receiver<Wake>,
    sender: Sender<Wake>,
    on_event: Callback<SocketEvent>,
    resume: Option<Callback<(), Vec<Message>>>,
    tap: Option<Tap>,
    alive: Rc<Cell<bool>>,
    simulated_offline: bool,
    /// What the component last heard of the status and the outbox.
    told: Told,
    /// Scripted sockets and clock, in a component test.
    script: Option<Script>,
}

impl Task {
    async fn run(mut self) {
        let _listeners = self.listen_to_the_network();
        // The wait for the machine's deadline, kept while the deadline stays the same: a
        // frame that changes nothing costs no new browser timer.
        let mut armed: Option<Millis> = None;
        let mut timer: Fuse<Timer> = Fuse::terminated();
        loop {
            let deadline = self.machine.deadline();
            if deadline != armed || timer.is_terminated() {
                armed = deadline;
                timer = match (deadline, &self.script) {
                    (Some(at), Some(script)) => Timer::Scripted(script.sleep_until(at)).fuse(),
                    (Some(at), None) => {
                        // setTimeout takes a signed 32-bit delay (gloo passes it `as i32`):
                        // a longer wait would wrap negative and fire at once, in a loop.
                        let max = i32::MAX.unsigned_abs();
                        let wait = at.saturating_sub(clock_ms()).min(u64::from(max));
                        Timer::Browser(TimeoutFuture::new(u32::try_from(wait).unwrap_or(max)))
                            .fuse()
                    }
                    (None, _) => Fuse::terminated(),
                };
            }
            // Biased: the socket's news first (its task runs here, inside this one), then
            // commands and the network, then the deadline.
            let next = poll_fn(|cx| {
                if let Some(task) = self.socket_task.as_mut()
                    && task.as_mut().poll(cx).is_ready()
                {
                    self.socket_task = None;
                }
                if let Some((id, event)) = self.heard.borrow_mut().pop_front() {
                    return Poll::Ready(Some(Some(Wake::Socket(id, event))));
                }
                match self.wakes.poll_next_unpin(cx) {
                    Poll::Ready(wake) => return Poll::Ready(wake.map(Some)),
                    Poll::Pending => {}
                }
                Pin::new(&mut timer).poll(cx).map(|()| Some(None))
            })
            .await;
            // `None`: the handle was dropped (the socket agent's drop closes with 1000).
            let Some(wake) = next else { return };
            // A replaced connection says nothing more, not even what was already queued.
            if !self.alive.get() {
                return;
            }
            let input = match wake {
                Some(wake) => self.input_for(wake),
                None => Some(Input::Tick),
            };
            if let Some(input) = input {
                let effects = self.machine.handle(self.now(), input);
                self.carry_out(effects);
            }
            self.tell_changes();
        }
    }

    /// Hands `event` to the component while the handle is held: a component that drops it
    /// on hearing one event hears nothing after, even of the same wake-up.
    fn tell(&self, event: SocketEvent) {
        if self.alive.get() {
            self.on_event.emit(event);
        }
    }

    /// The time on the clock the task runs on.
    fn now(&self) -> Millis {
        self.script.as_ref().map_or_else(clock_ms, Script::now)
    }

    /// Reports the status and the outbox if they changed since the component last heard.
    fn tell_changes(&mut self) {
        let (status, outbox) = self.told.news(&self.machine);
        if let Some(status) = status {
            self.tell(SocketEvent::Status(status));
        }
        if let Some((pending, dropped)) = outbox {
            self.tell(SocketEvent::Outbox { pending, dropped });
        }
    }

    /// Turns a wake-up into the machine's input, reporting socket events on the way.
    fn input_for(&mut self, wake: Wake) -> Option<Input> {
        match wake {
            Wake::Command(Command::Connect) => Some(Input::Connect),
            Wake::Command(Command::Close(code, reason)) => Some(Input::Close { code, reason }),
            Wake::Command(Command::Send(message)) => Some(Input::Send(message)),
            Wake::Command(Command::SimulateOffline(offline)) => {
                self.simulated_offline = offline;
                if offline {
                    // The network is gone: the socket dies without a close frame.
                    if let Some((id, agent)) = self.socket.take() {
                        drop(agent);
                        let close = CloseEvent {
                            code: 1006,
                            reason: "network offline (simulated)".into(),
                            was_clean: false,
                        };
                        self.tell(SocketEvent::Ready(ReadyState::Closed));
                        self.tell(SocketEvent::Close(close));
                        let effects = self.machine.handle(self.now(), Input::Offline);
                        self.carry_out(effects);
                        return Some(Input::Closed { id, code: 1006 });
                    }
                    Some(Input::Offline)
                } else {
                    Some(Input::Online)
                }
            }
            Wake::Network(input) => {
                // While simulating offline, the browser's own "online" does not count.
                (!(self.simulated_offline && input == Input::Online)).then_some(input)
            }
            Wake::Socket(id, event) => {
                let current = self.socket.as_ref().is_some_and(|(i, _)| *i == id);
                if !current {
                    return None;
                }
                let input = match &event {
                    SocketEvent::Open { .. } => {
                        // The session first, then (through the machine) the outbox.
                        if let (Some(resume), Some((_, agent))) = (&self.resume, &self.socket) {
                            for message in resume.emit(()) {
                                let _ = agent.send_now(message);
                            }
                        }
                        Some(Input::Opened(id))
                    }
                    SocketEvent::Message(message) => {
                        // The machine reads the text only to spot a heartbeat reply: with no
                        // heartbeat, no copy of each frame.
                        let text = match message {
                            Message::Text(text) if self.machine.policy().heartbeat.is_some() => {
                                Some(text.clone())
                            }
                            _ => None,
                        };
                        Some(Input::Frame { id, text })
                    }
                    SocketEvent::Close(close) => {
                        self.socket = None;
                        Some(Input::Closed {
                            id,
                            code: close.code,
                        })
                    }
                    _ => None,
                };
                // Heartbeat replies stay here: the machine reports them as `Pong`.
                let heartbeat = self.machine.policy().heartbeat.as_ref();
                let is_reply = matches!(
                    (&event, heartbeat),
                    (SocketEvent::Message(Message::Text(text)), Some(h)) if *text == h.reply
                );
                if !is_reply {
                    self.tell(event);
                }
                input
            }
        }
    }

    fn carry_out(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Open(id) => {
                    // The machine only opens once the previous socket is gone.
                    drop(self.socket.take());
                    drop(self.socket_task.take());
                    let heard = Rc::clone(&self.heard);
                    let forward = Callback::from(move |event| {
                        heard.borrow_mut().push_back((id, event));
                    });
                    match SocketAgent::open_within(
                        &self.options,
                        forward,
                        self.tap.clone(),
                        self.script.as_ref(),
                    ) {
                        Ok((agent, task)) => {
                            self.socket = Some((id, agent));
                            self.socket_task = Some(Box::pin(task));
                        }
                        Err(error) => {
                            self.tell(SocketEvent::Failed(error));
                            // A URL the browser refuses will not work later either.
                            let effects = self
                                .machine
                                .handle(self.now(), Input::Closed { id, code: 1002 });
                            self.carry_out(effects);
                        }
                    }
                }
                Effect::Close { id, code, reason } => {
                    if let Some((current, agent)) = &self.socket
                        && *current == id
                        && let Err(error) = agent.close_now(code, &reason)
                    {
                        self.tell(SocketEvent::Failed(error));
                    }
                }
                Effect::Abandon(id) => {
                    if self
                        .socket
                        .as_ref()
                        .is_some_and(|(current, _)| *current == id)
                    {
                        self.socket = None;
                    }
                    self.tell(SocketEvent::Abandoned);
                }
                Effect::Pong { rtt } => self.tell(SocketEvent::Pong { rtt }),
                Effect::Send { id, message } => {
                    if let Some((current, agent)) = &self.socket
                        && *current == id
                    {
                        let _ = agent.send_now(message);
                    }
                }
            }
        }
    }

    /// `online` / `offline` on the window, `visibilitychange` on the document. Rare events:
    /// unlike the socket's listeners they wake the driver for a microtask (see `crate::run`).
    fn listen_to_the_network(&self) -> Vec<EventListener> {
        let mut listeners = Vec::new();
        let Some(window) = web_sys::window() else {
            return listeners;
        };
        for (name, input) in [("online", Input::Online), ("offline", Input::Offline)] {
            let sender = self.sender.clone();
            listeners.push(EventListener::new(&window, name, move |_| {
                let _ = sender.send(Wake::Network(input.clone()));
            }));
        }
        if let Some(document) = window.document() {
            let sender = self.sender.clone();
            let watched = document.clone();
            listeners.push(EventListener::new(
                &document,
                "visibilitychange",
                move |_| {
                    if !watched.hidden() {
                        let _ = sender.send(Wake::Network(Input::Visible));
                    }
                },
            ));
        }
        if !window.navigator().on_line() {
            let _ = self.sender.send(Wake::Network(Input::Offline));
        }
        listeners
    }
}
