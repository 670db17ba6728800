//! One socket for several components: a [`SharedSocket`] goes into a Yew
//! `ContextProvider`, and each component under it subscribes with
//! [`use_shared_socket`], giving a filter on decoded messages.
//!
//! The socket opens when the first subscriber comes and closes with 1000 when the last one
//! leaves; a reliable one reconnects once for all of them. Every subscriber hears every
//! event but messages, which go only to those whose filter takes them. A subscription is
//! a value whose drop unsubscribes (the hook drops it on unmount), so nothing is left
//! registered by a component that is gone.

use std::{cell::RefCell, rc::Rc};

use yew::prelude::*;

use crate::{
    codec::Codec,
    hook::{SocketOptions, UseSocketHandle},
    reconnect::Policy,
    tap::Tap,
    types::{OpenOptions, ReadyState, SocketError, SocketEvent},
};

/// Which decoded messages a subscriber wants.
pub type Filter<T> = Rc<dyn Fn(&T) -> bool>;

/// One subscriber.
struct Subscriber<T> {
    id: u64,
    filter: Filter<T>,
    on_event: Callback<SocketEvent<T>>,
}

/// The subscribers and what a newcomer needs to know.
struct Registry<T> {
    subscribers: Vec<Subscriber<T>>,
    next_id: u64,
    /// The socket's ready state as last reported, told to each newcomer.
    ready: ReadyState,
}

impl<T: Clone> Registry<T> {
    /// Who gets `event`: everyone, but a message only those whose filter takes it.
    fn recipients(&self, event: &SocketEvent<T>) -> Vec<Callback<SocketEvent<T>>> {
        self.subscribers
            .iter()
            .filter(|s| match event {
                SocketEvent::Message(value) => (s.filter)(value),
                _ => true,
            })
            .map(|s| s.on_event.clone())
            .collect()
    }
}

/// A socket several components share, cheap to clone (clones are the same socket).
///
/// Put it in a `ContextProvider<SharedSocket<C>>`; each component under it calls
/// [`use_shared_socket`]. Sending, closing and reconnecting are for every subscriber to do.
///
/// # Example
/// ```ignore
/// #[component]
/// fn Board() -> Html {
///     let feed = use_memo((), |()| {
///         SharedSocket::new("ws://127.0.0.1:8080/stocks", StockCodec).reliable(Policy::default())
///     });
///     html! {
///         <ContextProvider<SharedSocket<StockCodec>> context={(*feed).clone()}>
///             <Price symbol="AAPL" /> <Price symbol="MSFT" />
///         </ContextProvider<SharedSocket<StockCodec>>>
///     }
/// }
///
/// #[component]
/// fn Price(props: &PriceProps) -> Html {
///     let state = use_reducer(PriceState::default);
///     let symbol = props.symbol.clone();
///     // Only this symbol's quotes; connection events come too.
///     use_shared_socket::<StockCodec>(
///         move |event| matches!(event, StockEvent::Quote(q) if q.symbol == symbol.as_str()),
///         state.dispatcher().to_callback(),
///     );
///     html! { <span>{ state.price }</span> }
/// }
/// ```
pub struct SharedSocket<C: Codec> {
    socket: UseSocketHandle<C>,
    registry: Rc<RefCell<Registry<C::In>>>,
    open: OpenOptions,
}

impl<C: Codec> Clone for SharedSocket<C> {
    fn clone(&self) -> Self {
        Self {
            socket: self.socket.clone(),
            registry: Rc::clone(&self.registry),
            open: self.open.clone(),
        }
    }
}

impl<C: Codec> PartialEq for SharedSocket<C> {
    fn eq(&self, other: &Self) -> bool {
        self.socket == other.socket
    }
}

impl<C: Codec> SharedSocket<C>
where
    C::In: Clone,
{
    /// A plain socket to `open`, frames decoded by `codec`; nothing opens until the first
    /// subscriber comes.
    pub fn new(open: impl Into<OpenOptions>, codec: C) -> Self {
        let registry = Rc::new(RefCell::new(Registry {
            subscribers: Vec::new(),
            next_id: 0,
            ready: ReadyState::Closed,
        }));
        let fan_out = {
            let registry = Rc::clone(&registry);
            Callback::from(move |event: SocketEvent<C::In>| {
                // The borrow ends before anyone hears it: a subscriber may unsubscribe.
                let recipients = {
                    let mut registry = registry.borrow_mut();
                    if let SocketEvent::Ready(state) = event {
                        registry.ready = state;
                    }
                    registry.recipients(&event)
                };
                for recipient in recipients {
                    recipient.emit(event.clone());
                }
            })
        };
        Self {
            socket: UseSocketHandle::detached(SocketOptions::with_codec(codec, fan_out)),
            registry,
            open: open.into(),
        }
    }

    /// Makes it reliable (see [`SocketOptions::reliable`]); it takes effect at the next
    /// open.
    pub fn reliable(self, policy: Policy) -> Self {
        self.socket
            .configure(|options| options.policy = Some(policy));
        self
    }

    /// What to send first on every open (see [`SocketOptions::resume`]).
    pub fn resume(self, resume: Callback<(), Vec<C::Out>>) -> Self {
        self.socket
            .configure(|options| options.resume = Some(resume));
        self
    }

    /// Reports its traffic to `tap` (see [`SocketOptions::tap`]); from the next open.
    pub fn tap(self, tap: Tap) -> Self {
        self.socket.configure(|options| options.tap = Some(tap));
        self
    }

    /// In a test: played by `script` (see [`SocketOptions::scripted`]); from the next open.
    #[cfg(feature = "testing")]
    pub fn scripted(self, script: crate::testing::Script) -> Self {
        self.socket
            .configure(|options| options.script = Some(script));
        self
    }

    /// Adds a subscriber: `on_event` hears every event, and the messages `filter` takes.
    /// The first subscriber opens the socket; a later one hears its ready state at once.
    /// Dropping the [`Subscription`] unsubscribes; the last one's drop closes the socket
    /// with 1000.
    ///
    /// # Errors
    /// As [`UseSocketHandle::open`], for the first subscriber; it is not subscribed then.
    pub fn subscribe(
        &self,
        filter: Filter<C::In>,
        on_event: Callback<SocketEvent<C::In>>,
    ) -> Result<Subscription<C>, SocketError> {
        let (id, first, ready) = {
            let mut registry = self.registry.borrow_mut();
            let id = registry.next_id;
            registry.next_id += 1;
            registry.subscribers.push(Subscriber {
                id,
                filter,
                on_event: on_event.clone(),
            });
            (id, registry.subscribers.len() == 1, registry.ready)
        };
        let subscription = Subscription {
            shared: self.clone(),
            id,
        };
        if first && !self.socket.is_connected() {
            // On an error the subscription's drop takes the subscriber out again.
            self.socket.open(self.open.clone())?;
        } else {
            on_event.emit(SocketEvent::Ready(ready));
        }
        Ok(subscription)
    }

    /// How many subscribers it has.
    pub fn subscribers(&self) -> usize {
        self.registry.borrow().subscribers.len()
    }

    /// Sends `value` for everyone (see [`UseSocketHandle::send`]).
    ///
    /// # Errors
    /// As [`UseSocketHandle::send`]: [`SocketError::Ended`] with no subscriber.
    pub fn send(&self, value: C::Out) -> Result<(), SocketError> {
        self.socket.send(value)
    }

    /// Reconnects now, once for all subscribers (see [`UseSocketHandle::reconnect`]).
    ///
    /// # Errors
    /// As [`UseSocketHandle::reconnect`].
    pub fn reconnect(&self) -> Result<(), SocketError> {
        self.socket.reconnect()
    }

    fn unsubscribe(&self, id: u64) {
        let empty = {
            let mut registry = self.registry.borrow_mut();
            registry.subscribers.retain(|s| s.id != id);
            registry.subscribers.is_empty()
        };
        if empty {
            // Nobody is listening: close with 1000 (the agent's drop does).
            self.socket.disconnect();
            self.registry.borrow_mut().ready = ReadyState::Closed;
        }
    }
}

/// A subscriber's place on a [`SharedSocket`]; dropping it unsubscribes.
pub struct Subscription<C: Codec>
where
    C::In: Clone,
{
    shared: SharedSocket<C>,
    id: u64,
}

impl<C: Codec> Drop for Subscription<C>
where
    C::In: Clone,
{
    fn drop(&mut self) {
        self.shared.unsubscribe(self.id);
    }
}

/// Subscribes this component to the [`SharedSocket<C>`] of the nearest
/// `ContextProvider<SharedSocket<C>>` for as long as it is mounted: `on_event` (the newest
/// one rendered) hears every event and the messages `filter` takes. Returns the shared
/// socket, to send on; `None` without a provider.
///
/// # Example
/// ```ignore
/// let state = use_reducer(RoomState::default);
/// let room = props.room.clone();
/// let chat = use_shared_socket::<ChatCodec>(
///     move |event| event.as_ref().is_some_and(|e| e.room() == Some(room.as_str())),
///     state.dispatcher().to_callback(),
/// );
/// ```
#[hook]
pub fn use_shared_socket<C: Codec>(
    filter: impl Fn(&C::In) -> bool + 'static,
    on_event: Callback<SocketEvent<C::In>>,
) -> Option<SharedSocket<C>>
where
    C::In: Clone,
{
    let shared = use_context::<SharedSocket<C>>();
    // The newest render's callback and filter serve, never a stale one.
    let newest = use_mut_ref(Callback::noop);
    *newest.borrow_mut() = on_event;
    let newest_filter = use_mut_ref(|| Rc::new(|_: &C::In| false) as Filter<C::In>);
    *newest_filter.borrow_mut() = Rc::new(filter);
    {
        let newest = Rc::clone(&newest);
        use_effect_with(shared.clone(), move |shared| {
            let forward = Callback::from(move |event| {
                let on_event = newest.borrow().clone();
                on_event.emit(event);
            });
            let filter: Filter<C::In> = Rc::new(move |value| {
                let filter = Rc::clone(&*newest_filter.borrow());
                filter(value)
            });
            let subscription = shared.as_ref().map(|shared| {
                shared
                    .subscribe(filter, forward.clone())
                    .map_err(|error| forward.emit(SocketEvent::Failed(error)))
            });
            move || drop(subscription)
        });
    }
    shared
}
