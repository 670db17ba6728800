//! [`use_socket`]: a component owns at most one [`SocketAgent`] for its lifetime.

use std::{cell::RefCell, rc::Rc};

use yew::prelude::*;

use crate::{
    ReliableAgent,
    agent::SocketAgent,
    reconnect::Policy,
    tap::Tap,
    types::{Message, OpenOptions, SocketError, SocketEvent, SocketInfo},
};

/// The component's side of its socket: open, send, close, and the doc's properties.
///
/// Cheap to clone; every clone drives the same socket.
#[derive(Clone)]
pub struct UseSocketHandle {
    agent: Rc<RefCell<Option<SocketAgent>>>,
    on_event: Rc<RefCell<Callback<SocketEvent>>>,
    tap: Option<Tap>,
}

impl PartialEq for UseSocketHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.agent, &other.agent)
    }
}

impl UseSocketHandle {
    /// Opens a socket, first dropping (and so closing with 1000) any previous one: a
    /// component never has two sockets, and the old one's late events never arrive.
    ///
    /// # Errors
    /// As [`SocketAgent::open`].
    pub fn open(&self, options: &OpenOptions) -> Result<(), SocketError> {
        drop(self.agent.borrow_mut().take());
        let newest = Rc::clone(&self.on_event);
        // Events go to the newest callback the component rendered with, never a stale one.
        let forward = Callback::from(move |event| newest.borrow().emit(event));
        let agent = SocketAgent::open_with_tap(options, forward, self.tap.clone())?;
        *self.agent.borrow_mut() = Some(agent);
        Ok(())
    }

    /// Sends a frame.
    ///
    /// # Errors
    /// [`SocketError::Ended`] when no socket is open.
    pub fn send(&self, message: Message) -> Result<(), SocketError> {
        self.with_agent(|agent| agent.send(message))
    }

    /// Closes with `code` and `reason` (see [`SocketAgent::close`]).
    ///
    /// # Errors
    /// [`SocketError::Close`] for a code or reason the rules refuse;
    /// [`SocketError::Ended`] when no socket is open.
    pub fn close(&self, code: u16, reason: &str) -> Result<(), SocketError> {
        self.with_agent(|agent| agent.close(code, reason))
    }

    /// The doc's properties of the current socket, if there is one.
    pub fn info(&self) -> Option<SocketInfo> {
        self.agent.borrow().as_ref().map(SocketAgent::info)
    }

    fn with_agent(
        &self,
        f: impl FnOnce(&SocketAgent) -> Result<(), SocketError>,
    ) -> Result<(), SocketError> {
        match self.agent.borrow().as_ref() {
            Some(agent) => f(agent),
            None => Err(SocketError::Ended),
        }
    }
}

/// Gives the component a socket slot whose events go to `on_event`.
///
/// The socket opens only when [`UseSocketHandle::open`] is called (never during render),
/// and is closed with 1000 when the component unmounts.
///
/// # Example
/// ```ignore
/// let state = use_reducer(EchoState::default);
/// let socket = use_socket(state.dispatcher().reform(Action::Socket));
/// let open = {
///     let socket = socket.clone();
///     Callback::from(move |_| { let _ = socket.open(&OpenOptions::new("ws://127.0.0.1:8080/echo")); })
/// };
/// ```
#[hook]
pub fn use_socket(on_event: Callback<SocketEvent>) -> UseSocketHandle {
    use_socket_with_tap(on_event, None)
}

/// [`use_socket`] whose sockets report all their traffic and ready states to `tap`.
///
/// # Example
/// ```ignore
/// // Count the frames that go by, whatever the component does with them.
/// let frames = use_mut_ref(|| 0_u32);
/// let tap = {
///     let frames = frames.clone();
///     Callback::from(move |event: TapEvent| {
///         if let TapEvent::Frame(..) = event {
///             *frames.borrow_mut() += 1;
///         }
///     })
/// };
/// let socket = use_socket_with_tap(on_event, Some(tap));
/// ```
#[hook]
pub fn use_socket_with_tap(on_event: Callback<SocketEvent>, tap: Option<Tap>) -> UseSocketHandle {
    let agent = use_mut_ref(|| None::<SocketAgent>);
    let newest = use_mut_ref(Callback::noop);
    *newest.borrow_mut() = on_event;
    {
        let agent = Rc::clone(&agent);
        use_effect_with((), move |()| move || drop(agent.borrow_mut().take()));
    }
    UseSocketHandle {
        agent,
        on_event: newest,
        tap,
    }
}

/// The component's side of a reliable connection (see [`ReliableAgent`]).
///
/// Cheap to clone; every clone drives the same connection.
#[derive(Clone)]
pub struct UseReliableHandle {
    agent: Rc<RefCell<Option<ReliableAgent>>>,
    on_event: Rc<RefCell<Callback<SocketEvent>>>,
    resume: Rc<RefCell<Callback<(), Vec<String>>>>,
    tap: Option<Tap>,
}

impl PartialEq for UseReliableHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.agent, &other.agent)
    }
}

impl UseReliableHandle {
    /// Starts a reliable connection to `url` and connects, replacing (and closing) any
    /// previous one.
    pub fn connect(&self, url: &str, policy: Policy) {
        drop(self.agent.borrow_mut().take());
        let newest = Rc::clone(&self.on_event);
        let forward = Callback::from(move |event| newest.borrow().emit(event));
        let resume_newest = Rc::clone(&self.resume);
        let resume = Callback::from(move |()| resume_newest.borrow().emit(()));
        let agent = ReliableAgent::start(
            url.to_owned(),
            policy,
            forward,
            Some(resume),
            self.tap.clone(),
        );
        agent.connect();
        *self.agent.borrow_mut() = Some(agent);
    }

    /// Sends `text`, or queues it while disconnected.
    ///
    /// # Errors
    /// [`SocketError::Ended`] if there is no connection at all.
    pub fn send(&self, text: String) -> Result<(), SocketError> {
        match self.agent.borrow().as_ref() {
            Some(agent) => {
                agent.send(text);
                Ok(())
            }
            None => Err(SocketError::Ended),
        }
    }

    /// Closes for good (no reconnect).
    ///
    /// # Errors
    /// [`SocketError::Close`] for a code or reason the rules refuse; [`SocketError::Ended`]
    /// if there is no connection.
    pub fn close(&self, code: u16, reason: &str) -> Result<(), SocketError> {
        crate::close::CloseRequest::new(code, reason)?;
        match self.agent.borrow().as_ref() {
            Some(agent) => {
                agent.close(code, reason);
                Ok(())
            }
            None => Err(SocketError::Ended),
        }
    }
}

/// Gives the component a reliable connection slot: events go to `on_event`, and `resume`
/// is asked on every (re)open for the frames that restore the session.
///
/// # Example
/// ```ignore
/// let state = use_reducer(ChatState::default);
/// // After every reconnect, rejoin the room first (then the outbox goes out).
/// let resume = Callback::from(|()| vec![r#"{"type":"join","room":"general"}"#.to_owned()]);
/// let socket = use_reliable(state.dispatcher().to_callback().reform(Action::Socket), resume);
/// use_effect_with((), {
///     let socket = socket.clone();
///     move |()| socket.connect("ws://127.0.0.1:8080/chat", Policy::default())
/// });
/// ```
#[hook]
pub fn use_reliable(
    on_event: Callback<SocketEvent>,
    resume: Callback<(), Vec<String>>,
) -> UseReliableHandle {
    use_reliable_with_tap(on_event, resume, None)
}

/// [`use_reliable`] whose every socket, across reconnects, reports its traffic and ready
/// states to `tap`.
///
/// # Example
/// ```ignore
/// // Heartbeats, resume frames and the outbox included: the tap sees every frame.
/// let tap = Callback::from(|event: TapEvent| web_sys::console::log_1(&format!("{event:?}").into()));
/// let socket = use_reliable_with_tap(on_event, resume, Some(tap));
/// ```
#[hook]
pub fn use_reliable_with_tap(
    on_event: Callback<SocketEvent>,
    resume: Callback<(), Vec<String>>,
    tap: Option<Tap>,
) -> UseReliableHandle {
    let agent = use_mut_ref(|| None::<ReliableAgent>);
    let newest = use_mut_ref(Callback::noop);
    *newest.borrow_mut() = on_event;
    let newest_resume = use_mut_ref(|| Callback::from(|()| Vec::new()));
    *newest_resume.borrow_mut() = resume;
    {
        let agent = Rc::clone(&agent);
        use_effect_with((), move |()| move || drop(agent.borrow_mut().take()));
    }
    UseReliableHandle {
        agent,
        on_event: newest,
        resume: newest_resume,
        tap,
    }
}
