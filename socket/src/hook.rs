//! [`use_socket`], the one hook: a component owns at most one socket for its lifetime,
//! plain or reliable as its [`SocketOptions`] say, with frames decoded by their [`Codec`].

use std::{cell::RefCell, rc::Rc};

use yew::prelude::*;

use crate::{
    ReliableAgent,
    agent::SocketAgent,
    close::CloseRequest,
    codec::{Codec, Raw},
    reconnect::Policy,
    tap::Tap,
    testing::Script,
    types::{Message, OpenOptions, SocketError, SocketEvent, SocketInfo},
};

/// What [`use_socket`] needs: where events go, how frames are decoded, and whether the
/// socket is reliable (it is when it has a [`Policy`]).
///
/// The hook reads the options of the latest render whenever it uses them: events go to
/// the newest `on_event`, a reconnect asks the newest `resume`, and [`UseSocketHandle::open`]
/// uses the newest policy and tap.
pub struct SocketOptions<C: Codec = Raw> {
    on_event: Callback<SocketEvent<C::In>>,
    codec: Rc<C>,
    pub(crate) policy: Option<Policy>,
    pub(crate) resume: Option<Callback<(), Vec<C::Out>>>,
    pub(crate) tap: Option<Tap>,
    pub(crate) script: Option<Script>,
}

impl SocketOptions<Raw> {
    /// A plain socket whose frames arrive as they are, as [`Message`]s.
    pub fn new(on_event: Callback<SocketEvent>) -> Self {
        Self::with_codec(Raw, on_event)
    }
}

impl<C: Codec> SocketOptions<C> {
    /// A plain socket whose frames `codec` decodes (and whose sends it encodes).
    pub fn with_codec(codec: C, on_event: Callback<SocketEvent<C::In>>) -> Self {
        Self {
            on_event,
            codec: Rc::new(codec),
            policy: None,
            resume: None,
            tap: None,
            script: None,
        }
    }

    /// Makes the socket reliable: it reconnects, pings and keeps an outbox as `policy`
    /// says (see [`ReliableAgent`]).
    pub fn reliable(mut self, policy: Policy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// On every open of a reliable socket, what to send first, before the outbox: what
    /// restores the session (rejoin rooms, resubscribe symbols).
    pub fn resume(mut self, resume: Callback<(), Vec<C::Out>>) -> Self {
        self.resume = Some(resume);
        self
    }

    /// Reports every socket's traffic and ready states to `tap` (see [`crate::tap`]).
    pub fn tap(mut self, tap: Tap) -> Self {
        self.tap = Some(tap);
        self
    }

    /// In a test: every socket is played by `script`, and a reliable one's timers run on
    /// its clock (see [`crate::testing`]; feature `testing`).
    #[cfg(feature = "testing")]
    pub fn scripted(mut self, script: Script) -> Self {
        self.script = Some(script);
        self
    }
}

/// The socket a handle drives now.
enum Current {
    Plain(SocketAgent),
    Reliable(ReliableAgent),
}

/// What the handles and the socket's callbacks share.
struct Shared<C: Codec> {
    /// The latest render's options.
    options: RefCell<SocketOptions<C>>,
    core: Core,
}

/// The part of a handle the codec does not touch, written once for every codec (a copy
/// per codec would be code in every app's wasm for nothing).
#[derive(Default)]
struct Core {
    current: RefCell<Option<Current>>,
    /// What the last [`UseSocketHandle::open`] was given, for a plain reconnect.
    last: RefCell<Option<OpenOptions>>,
}

/// How to start a socket: what [`Core::start`] needs from the options, the codec already
/// folded into the two callbacks.
struct Start {
    policy: Option<Policy>,
    tap: Option<Tap>,
    script: Option<Script>,
    forward: Callback<SocketEvent>,
    resume: Callback<(), Vec<Message>>,
}

impl Core {
    fn disconnect(&self) {
        let current = self.current.borrow_mut().take();
        drop(current);
    }

    fn start(&self, options: OpenOptions, how: Start) -> Result<(), SocketError> {
        options.validate()?;
        self.disconnect();
        *self.last.borrow_mut() = Some(options.clone());
        let Start {
            policy,
            tap,
            script,
            forward,
            resume,
        } = how;
        let current = match policy {
            None => Current::Plain(SocketAgent::open_on(
                &options,
                forward,
                tap,
                script.as_ref(),
            )?),
            Some(policy) => {
                let agent =
                    ReliableAgent::start_on(options, policy, forward, Some(resume), tap, script);
                agent.connect();
                Current::Reliable(agent)
            }
        };
        *self.current.borrow_mut() = Some(current);
        Ok(())
    }

    fn send(&self, frame: Message) -> Result<(), SocketError> {
        match self.current.borrow().as_ref() {
            Some(Current::Plain(agent)) => agent.send(frame),
            Some(Current::Reliable(agent)) => {
                agent.send(frame);
                Ok(())
            }
            None => Err(SocketError::Ended),
        }
    }

    fn close(&self, code: u16, reason: &str) -> Result<(), SocketError> {
        CloseRequest::new(code, reason)?;
        match self.current.borrow().as_ref() {
            Some(Current::Plain(agent)) => agent.close(code, reason),
            Some(Current::Reliable(agent)) => {
                agent.close(code, reason);
                Ok(())
            }
            None => Err(SocketError::Ended),
        }
    }

    /// Reconnects a reliable socket; `false` when there is none (the caller reopens).
    fn reconnect_reliable(&self) -> bool {
        if let Some(Current::Reliable(agent)) = self.current.borrow().as_ref() {
            agent.connect();
            return true;
        }
        false
    }

    fn simulate_offline(&self, offline: bool) -> Result<(), SocketError> {
        match self.current.borrow().as_ref() {
            Some(Current::Reliable(agent)) => {
                agent.simulate_offline(offline);
                Ok(())
            }
            Some(Current::Plain(_)) => Err(SocketError::NotReliable),
            None => Err(SocketError::Ended),
        }
    }

    fn info(&self) -> Option<SocketInfo> {
        match self.current.borrow().as_ref() {
            Some(Current::Plain(agent)) => Some(agent.info()),
            _ => None,
        }
    }
}

impl<C: Codec> Shared<C> {
    /// Decodes `event` and hands it to the newest `on_event` (the borrow ends first: the
    /// callback may render, and the render replaces the options).
    fn deliver(&self, event: SocketEvent) {
        let (event, on_event) = {
            let options = self.options.borrow();
            (event.decode(&*options.codec), options.on_event.clone())
        };
        on_event.emit(event);
    }

    /// The newest `resume`'s frames, encoded; one that fails to encode is reported.
    fn resume_frames(&self) -> Vec<Message> {
        let (resume, codec, on_event) = {
            let options = self.options.borrow();
            (
                options.resume.clone(),
                Rc::clone(&options.codec),
                options.on_event.clone(),
            )
        };
        let Some(resume) = resume else {
            return Vec::new();
        };
        resume
            .emit(())
            .into_iter()
            .filter_map(|value| match codec.encode(value) {
                Ok(frame) => Some(frame),
                Err(error) => {
                    on_event.emit(SocketEvent::Failed(error.into()));
                    None
                }
            })
            .collect()
    }
}

/// The component's side of its socket: open, send, close, reconnect, and the doc's
/// properties. The same verbs serve plain and reliable sockets.
///
/// Cheap to clone; every clone drives the same socket.
pub struct UseSocketHandle<C: Codec = Raw> {
    shared: Rc<Shared<C>>,
}

impl<C: Codec> Clone for UseSocketHandle<C> {
    fn clone(&self) -> Self {
        Self {
            shared: Rc::clone(&self.shared),
        }
    }
}

impl<C: Codec> PartialEq for UseSocketHandle<C> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<C: Codec> UseSocketHandle<C> {
    /// A handle outside any component (a [`crate::SharedSocket`]'s): nothing closes it
    /// but [`Self::disconnect`] or the last handle's drop.
    pub(crate) fn detached(options: SocketOptions<C>) -> Self {
        Self {
            shared: Rc::new(Shared {
                options: RefCell::new(options),
                core: Core::default(),
            }),
        }
    }

    /// Drops the socket, which closes it with 1000; its late events never arrive.
    pub(crate) fn disconnect(&self) {
        self.shared.core.disconnect();
    }

    /// Changes the options in place (a [`crate::SharedSocket`]'s, before it opens).
    pub(crate) fn configure(&self, change: impl FnOnce(&mut SocketOptions<C>)) {
        change(&mut self.shared.options.borrow_mut());
    }

    /// Whether a socket is there (open or not, reconnecting or not).
    pub(crate) fn is_connected(&self) -> bool {
        self.shared.core.current.borrow().is_some()
    }

    /// Opens a socket (a reliable one if the options have a policy, which then connects
    /// and reconnects by itself), first dropping, and so closing with 1000, any previous
    /// one: a component never has two sockets, and the old one's late events never arrive.
    ///
    /// # Errors
    /// [`SocketError::Unsupported`], [`SocketError::InvalidUrl`] or
    /// [`SocketError::InvalidProtocols`], as [`SocketAgent::open`]; nothing is opened then.
    /// An unreachable server is not an error here: it arrives as events.
    pub fn open(&self, options: impl Into<OpenOptions>) -> Result<(), SocketError> {
        let weak = Rc::downgrade(&self.shared);
        let forward = Callback::from(move |event| {
            if let Some(shared) = weak.upgrade() {
                shared.deliver(event);
            }
        });
        let weak = Rc::downgrade(&self.shared);
        let resume = Callback::from(move |()| {
            weak.upgrade()
                .map(|shared| shared.resume_frames())
                .unwrap_or_default()
        });
        let how = {
            let newest = self.shared.options.borrow();
            Start {
                policy: newest.policy.clone(),
                tap: newest.tap.clone(),
                script: newest.script.clone(),
                forward,
                resume,
            }
        };
        self.shared.core.start(options.into(), how)
    }

    /// Sends `value`, encoded by the codec. A reliable socket that is not open keeps it in
    /// its outbox until it is.
    ///
    /// # Errors
    /// [`SocketError::Encode`] if the codec cannot encode it; [`SocketError::Ended`] when
    /// there is no socket. A plain socket that is not open reports
    /// [`SocketError::NotOpen`] as a [`SocketEvent::Failed`].
    pub fn send(&self, value: C::Out) -> Result<(), SocketError> {
        let frame = self.shared.options.borrow().codec.encode(value)?;
        self.shared.core.send(frame)
    }

    /// `close(code, reason)`: starts the close handshake; a reliable socket then stays
    /// closed until [`Self::reconnect`] or [`Self::open`].
    ///
    /// # Errors
    /// [`SocketError::Close`] if the code is not 1000 or 3000–4999 or the reason exceeds
    /// 123 UTF-8 bytes (the socket stays as it was); [`SocketError::Ended`] when there is
    /// no socket.
    pub fn close(&self, code: u16, reason: &str) -> Result<(), SocketError> {
        self.shared.core.close(code, reason)
    }

    /// Connects again now: a reliable socket with its backoff reset (also after it gave up
    /// or was closed), a plain one by opening a new socket with the last options.
    ///
    /// # Errors
    /// [`SocketError::Ended`] if nothing was opened yet; as [`Self::open`] for a plain one.
    pub fn reconnect(&self) -> Result<(), SocketError> {
        if self.shared.core.reconnect_reliable() {
            return Ok(());
        }
        let last = self.shared.core.last.borrow().clone();
        match last {
            Some(options) => self.open(options),
            None => Err(SocketError::Ended),
        }
    }

    /// Behaves as if the network went away (`true`) or came back (`false`): a reliable
    /// socket drops its connection and waits for the network, as for the browser's own
    /// `offline` event.
    ///
    /// # Errors
    /// [`SocketError::NotReliable`] for a plain socket; [`SocketError::Ended`] when there
    /// is no socket.
    pub fn simulate_offline(&self, offline: bool) -> Result<(), SocketError> {
        self.shared.core.simulate_offline(offline)
    }

    /// The doc's properties (`readyState`, `url`, `protocol`, `bufferedAmount`) of a plain
    /// socket, read now; `None` without one. A reliable socket's come as events
    /// ([`SocketEvent::Ready`], [`SocketEvent::Buffered`]).
    pub fn info(&self) -> Option<SocketInfo> {
        self.shared.core.info()
    }
}

/// Gives the component a socket, plain or reliable, whose events go to the options'
/// `on_event`, decoded by their codec.
///
/// Nothing opens during render: the socket opens when [`UseSocketHandle::open`] is
/// called (from an effect or a click), and is closed with 1000 when the component
/// unmounts.
///
/// # Example
/// ```ignore
/// // A plain socket, frames as they are.
/// let state = use_reducer(EchoState::default);
/// let socket = use_socket(SocketOptions::new(state.dispatcher().to_callback().reform(Action::Socket)));
/// let open = {
///     let socket = socket.clone();
///     Callback::from(move |_| { let _ = socket.open("ws://127.0.0.1:8080/echo"); })
/// };
///
/// // A reliable one with typed JSON (feature `json`), rejoining its room on every open.
/// let socket = use_socket(
///     SocketOptions::with_codec(Json::<ServerEvent, ClientRequest>::new(), on_event)
///         .reliable(Policy::default())
///         .resume(Callback::from(|()| vec![ClientRequest::Join { room: "general".into() }])),
/// );
/// use_effect_with((), {
///     let socket = socket.clone();
///     move |()| { let _ = socket.open("ws://127.0.0.1:8080/chat"); }
/// });
/// ```
#[hook]
pub fn use_socket<C: Codec>(options: SocketOptions<C>) -> UseSocketHandle<C> {
    let slot = use_mut_ref(|| None::<Rc<Shared<C>>>);
    let existing = slot.borrow().clone();
    let shared = if let Some(shared) = existing {
        // A later render: its options replace the previous ones.
        *shared.options.borrow_mut() = options;
        shared
    } else {
        let shared = UseSocketHandle::detached(options).shared;
        *slot.borrow_mut() = Some(Rc::clone(&shared));
        shared
    };
    {
        let shared = Rc::clone(&shared);
        use_effect_with((), move |()| {
            move || {
                shared.core.disconnect();
                // The callbacks may hold a handle (through a client object): let them go,
                // so no cycle keeps the component's state alive after it is gone.
                let mut options = shared.options.borrow_mut();
                options.on_event = Callback::noop();
                options.resume = None;
                options.tap = None;
            }
        });
    }
    UseSocketHandle { shared }
}
