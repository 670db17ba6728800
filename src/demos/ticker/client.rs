//! The LiveDataClient API of the Brython API reference (`subscribe(channel, callback)`,
//! `unsubscribe(channel)`) on a component's reliable connection: a channel is a symbol.
//! Also the codec the feed's frames go through.

use std::{cell::RefCell, rc::Rc};

use wslab_protocol::stocks::{Quote, StockEvent, StockRequest};
use yew::Callback;

use crate::lean::vec_map::VecMap;
use wslab_socket::{Codec, DecodeError, EncodeError, Message, SocketError, UseSocketHandle};

/// The feed's frames both ways: quotes and errors read by the app's `JSON.parse` reader
/// ([`crate::lean::wire`]), requests written by its lean JSON writer. Anything else does
/// not decode (the page shows it as received).
pub struct StockCodec;

impl Codec for StockCodec {
    type In = StockEvent;
    type Out = StockRequest;

    fn decode(&self, frame: Message) -> Result<StockEvent, DecodeError> {
        let Message::Text(text) = &frame else {
            return Err(DecodeError::new(frame, "a binary frame"));
        };
        crate::lean::wire::stock_event(text)
            .ok_or_else(|| DecodeError::new(frame, "not a quote or an error"))
    }

    fn encode(&self, request: StockRequest) -> Result<Message, EncodeError> {
        Ok(Message::Text(crate::lean::json::stock_request(&request)))
    }
}

/// Each subscribed channel's callback, kept by the component across renders.
pub type Callbacks = Rc<RefCell<VecMap<String, Callback<Quote>>>>;

/// Hands a quote to its channel's callback; false if nobody is subscribed to it (a quote
/// for a dropped channel, in flight at unsubscribe).
pub fn deliver(callbacks: &Callbacks, quote: Quote) -> bool {
    let callback = callbacks.borrow().get(&quote.symbol).cloned();
    match callback {
        Some(callback) => {
            callback.emit(quote);
            true
        }
        None => false,
    }
}

/// Symbol subscriptions with a callback each. Cheap to clone; clones share the callbacks.
#[derive(Clone)]
pub struct LiveDataClient {
    socket: UseSocketHandle<StockCodec>,
    callbacks: Callbacks,
}

impl PartialEq for LiveDataClient {
    fn eq(&self, other: &Self) -> bool {
        self.socket == other.socket && Rc::ptr_eq(&self.callbacks, &other.callbacks)
    }
}

impl LiveDataClient {
    /// A client over `socket` using `callbacks` (those its quotes are [`deliver`]ed to).
    pub fn new(socket: UseSocketHandle<StockCodec>, callbacks: Callbacks) -> Self {
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
        self.socket.send(StockRequest::Subscribe {
            symbols: channels.iter().map(|c| (*c).to_owned()).collect(),
        })
    }

    /// Unsubscribes from a channel; its callback is forgotten at once.
    ///
    /// # Errors
    /// [`SocketError::Ended`] if the connection is over.
    pub fn unsubscribe(&self, channel: &str) -> Result<(), SocketError> {
        self.callbacks.borrow_mut().remove(channel);
        self.socket.send(StockRequest::Unsubscribe {
            symbols: vec![channel.to_owned()],
        })
    }

    /// Forgets a channel's callback without telling the server (for while disconnected:
    /// the next open subscribes afresh).
    pub fn forget(&self, channel: &str) {
        self.callbacks.borrow_mut().remove(channel);
    }

    /// Connects to the feed at `url` (closing any previous connection); it reconnects by
    /// itself after a drop.
    ///
    /// # Errors
    /// [`SocketError::InvalidUrl`] for a URL that cannot be a WebSocket's.
    pub fn connect(&self, url: &str) -> Result<(), SocketError> {
        self.socket.open(url)
    }
}
