//! [`use_socket`]: a component owns at most one [`SocketAgent`] for its lifetime.

use std::{cell::RefCell, rc::Rc};

use yew::prelude::*;

use super::{
    agent::SocketAgent,
    types::{Message, OpenOptions, SocketError, SocketEvent, SocketInfo},
};

/// The component's side of its socket: open, send, close, and the doc's properties.
///
/// Cheap to clone; every clone drives the same socket.
#[derive(Clone)]
pub struct UseSocketHandle {
    agent: Rc<RefCell<Option<SocketAgent>>>,
    on_event: Rc<RefCell<Callback<SocketEvent>>>,
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
        let agent = SocketAgent::open(options, forward)?;
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
    }
}
