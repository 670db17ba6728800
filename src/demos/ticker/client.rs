//! The LiveDataClient API of the Brython API reference (`subscribe(channel, callback)`,
//! `unsubscribe(channel)`) on a component's reliable connection: a channel is a symbol.

use std::{cell::RefCell, rc::Rc};

use wslab_protocol::stocks::{Quote, StockRequest};
use yew::Callback;

use crate::lean::vec_map::VecMap;
use wslab_socket::{SocketError, UseReliableHandle, reconnect::Policy};

/// Symbol subscriptions with a callback each. Cheap to clone; clones share the callbacks.
#[derive(Clone)]
pub struct LiveDataClient {
    socket: UseReliableHandle,
    callbacks: Rc<RefCell<VecMap<String, Callback<Quote>>>>,
}

impl PartialEq for LiveDataClient {
    fn eq(&self, other: &Self) -> bool {
        self.socket == other.socket && Rc::ptr_eq(&self.callbacks, &other.callbacks)
    }
}

impl LiveDataClient {
    /// A client over `socket` using `callbacks` (kept by the component across renders).
    pub fn new(
        socket: UseReliableHandle,
        callbacks: Rc<RefCell<VecMap<String, Callback<Quote>>>>,
    ) -> Self {
        Self { socket, callbacks }
    }

    /// Subscribes to one channel; its quotes go to `callback`.
    ///
    /// # Errors
    /// [`SocketError::Ended`] if the connection is over.
    pub fn subscribe(&self, channel: &str, callback: Callback<Quote>) -> Result<(), SocketError> {
        self.subscribe_all(&[channel], callback)
    }

    /// Subscribes to several channels in one request, all to the same callback.
    ///
    /// # Errors
    /// [`SocketError::Ended`] if the connection is over.
    pub fn subscribe_all(
        &self,
        channels: &[&str],
        callback: Callback<Quote>,
    ) -> Result<(), SocketError> {
        {
            let mut callbacks = self.callbacks.borrow_mut();
            for channel in channels {
                callbacks.insert((*channel).to_owned(), callback.clone());
            }
        }
        self.request(&StockRequest::Subscribe {
            symbols: channels.iter().map(|c| (*c).to_owned()).collect(),
        })
    }

    /// Unsubscribes from a channel; its callback is forgotten at once.
    ///
    /// # Errors
    /// [`SocketError::Ended`] if the connection is over.
    pub fn unsubscribe(&self, channel: &str) -> Result<(), SocketError> {
        self.callbacks.borrow_mut().remove(channel);
        self.request(&StockRequest::Unsubscribe {
            symbols: vec![channel.to_owned()],
        })
    }

    /// Forgets a channel's callback without telling the server (for while disconnected:
    /// the next open subscribes afresh).
    pub fn forget(&self, channel: &str) {
        self.callbacks.borrow_mut().remove(channel);
    }

    /// Hands a quote to its channel's callback; false if nobody is subscribed to it.
    pub fn deliver(&self, quote: Quote) -> bool {
        let callback = self.callbacks.borrow().get(&quote.symbol).cloned();
        match callback {
            Some(callback) => {
                callback.emit(quote);
                true
            }
            None => false,
        }
    }

    /// Connects to the feed at `url` (closing any previous connection); it reconnects by
    /// itself after a drop.
    pub fn connect(&self, url: &str) {
        self.socket.connect(url, Policy::default());
    }

    fn request(&self, request: &StockRequest) -> Result<(), SocketError> {
        self.socket.send(crate::lean::json::stock_request(request))
    }
}
