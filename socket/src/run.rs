//! How the crate's two tasks (the socket agent's, the reliable driver's) are run: like
//! `wasm_bindgen_futures::spawn_local`, except that a wake-up from the crate's own code is
//! polled at once, in the call that woke it, instead of on a later microtask.
//!
//! "The crate's own code" is an event heard by a socket's listeners (see [`heard`]) or the
//! poll of one of its tasks (the reliable driver sending on its socket, say). So a frame
//! reaches the component inside the browser's `message` dispatch, and a frame the component
//! sends from its callback is on the wire before that dispatch returns: no microtask hop per
//! frame, and for a reliable socket none between the socket's task and the driver's either.
//!
//! A task woken while it is being polled is polled again once that poll returns, never
//! inside itself: that is how a callback's `send` on the socket that called it goes out at
//! once. Anything else that wakes a task (a timer, a script in a test, and every method of
//! the public handles, which run as the page's code: see [`outside`]) has it polled on a
//! microtask. So no `send`, `close` or drop calls back into the page before it returns,
//! even when made from inside another socket's callback.
//!
//! A future that wakes itself in its own poll and returns `Pending` is polled again at
//! once, in a loop; neither of the crate's tasks does. A task is registered until its
//! future ends; both of the crate's tasks end when their handle is dropped.

use std::{
    cell::{Cell, RefCell},
    collections::HashMap,
    future::Future,
    pin::Pin,
    rc::Rc,
    sync::Arc,
    task::{Context, Wake, Waker},
};

type Boxed = Pin<Box<dyn Future<Output = ()>>>;

/// One task: its future (taken when it ends) and what its wakers ask of it.
struct Slot {
    id: u64,
    future: RefCell<Option<Boxed>>,
    waker: Waker,
    /// Being polled now: a wake-up only asks for another poll.
    polling: Cell<bool>,
    /// Woken while being polled.
    again: Cell<bool>,
    /// A poll on a microtask is already on its way.
    queued: Cell<bool>,
}

thread_local! {
    static TASKS: RefCell<HashMap<u64, Rc<Slot>>> = RefCell::default();
    static NEXT_ID: Cell<u64> = const { Cell::new(0) };
    /// Above zero while the crate's own code runs: a listener, or a task's poll.
    static OWN_CODE: Cell<u32> = const { Cell::new(0) };
}

/// A task's waker: only its id, so it is `Send` and `Sync` with no unsafe code; the task
/// itself stays on this thread, in `TASKS`.
struct Id(u64);

impl Wake for Id {
    fn wake(self: Arc<Self>) {
        woken(self.0);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        woken(self.0);
    }
}

/// Sets `OWN_CODE` for as long as it lives, and puts back what was there when dropped
/// (a panic included).
struct Depth(u32);

impl Depth {
    fn set(depth: impl FnOnce(u32) -> u32) -> Self {
        Self(OWN_CODE.with(|own| own.replace(depth(own.get()))))
    }
}

impl Drop for Depth {
    fn drop(&mut self) {
        OWN_CODE.with(|own| own.set(self.0));
    }
}

/// Starts `future`; its first poll is on a microtask, so nothing it says reaches a callback
/// before the caller has its handle.
pub(crate) fn spawn(future: impl Future<Output = ()> + 'static) {
    let id = NEXT_ID.with(|next| next.replace(next.get() + 1));
    let slot = Rc::new(Slot {
        id,
        future: RefCell::new(Some(Box::pin(future))),
        waker: Waker::from(Arc::new(Id(id))),
        polling: Cell::new(false),
        again: Cell::new(false),
        queued: Cell::new(false),
    });
    TASKS.with(|tasks| tasks.borrow_mut().insert(id, Rc::clone(&slot)));
    defer(slot);
}

/// Runs `hear` (a listener's body) as the crate's own code: a task it wakes is polled in
/// this call.
pub(crate) fn heard<T>(hear: impl FnOnce() -> T) -> T {
    let _depth = Depth::set(|depth| depth + 1);
    hear()
}

/// Runs `call` (a handle's method, which the page may call from inside an event) as the
/// page's code: a task it wakes that is not running already waits for a microtask, so no
/// callback runs before `call` returns.
pub(crate) fn outside<T>(call: impl FnOnce() -> T) -> T {
    let _depth = Depth::set(|_| 0);
    call()
}

fn woken(id: u64) {
    let Some(slot) = TASKS.with(|tasks| tasks.borrow().get(&id).cloned()) else {
        return;
    };
    if slot.polling.get() {
        slot.again.set(true);
    } else if OWN_CODE.with(Cell::get) > 0 {
        poll(&slot);
    } else {
        defer(slot);
    }
}

/// Polls `slot` on a microtask, once however often it is asked before then.
fn defer(slot: Rc<Slot>) {
    if !slot.queued.replace(true) {
        wasm_bindgen_futures::spawn_local(async move {
            slot.queued.set(false);
            poll(&slot);
        });
    }
}

/// Marks a slot as being polled for as long as it lives (a panic included).
struct Polling<'a>(&'a Slot);

impl Drop for Polling<'_> {
    fn drop(&mut self) {
        self.0.polling.set(false);
    }
}

/// Polls `slot` now, and again while it was woken during the poll; if it is being polled
/// already, only asks for that.
fn poll(slot: &Slot) {
    if slot.polling.replace(true) {
        slot.again.set(true);
        return;
    }
    let done = {
        let _polling = Polling(slot);
        let _depth = Depth::set(|depth| depth + 1);
        let mut context = Context::from_waker(&slot.waker);
        loop {
            slot.again.set(false);
            let ready = slot
                .future
                .borrow_mut()
                .as_mut()
                .is_none_or(|future| future.as_mut().poll(&mut context).is_ready());
            if ready || !slot.again.get() {
                break ready;
            }
        }
    };
    if done {
        // The future's locals were dropped inside its last poll, while it was still here
        // and marked as polled (a wake-up of itself then only asked for another poll). What
        // is left goes out of the registry first, then is dropped.
        TASKS.with(|tasks| tasks.borrow_mut().remove(&slot.id));
        let future = slot.future.borrow_mut().take();
        drop(future);
    }
}

/// An unbounded queue between the crate's own code on this one thread: the socket's
/// listeners or a handle on one side, a task on the other. What `futures`' mpsc channel
/// does for the crate, without a node allocated per item or a lock: a `VecDeque` and the
/// waiting task's waker.
pub(crate) fn queue<T>() -> (Sender<T>, Receiver<T>) {
    let state = Rc::new(RefCell::new(QueueState {
        items: std::collections::VecDeque::new(),
        waker: None,
        closed: false,
    }));
    (
        Sender(Rc::clone(&state)),
        Receiver {
            state,
            ended: false,
        },
    )
}

struct QueueState<T> {
    items: std::collections::VecDeque<T>,
    /// The task, while it waits on an empty queue.
    waker: Option<Waker>,
    /// No more items: a sender closed it, or the receiver is gone.
    closed: bool,
}

/// The sending side of a [`queue`]; clones send to the same queue.
pub(crate) struct Sender<T>(Rc<RefCell<QueueState<T>>>);

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Self(Rc::clone(&self.0))
    }
}

impl<T> Sender<T> {
    /// Queues `item` and wakes the receiving task; gives `item` back once the queue is
    /// closed.
    pub(crate) fn send(&self, item: T) -> Result<(), T> {
        let waker = {
            let mut state = self.0.borrow_mut();
            if state.closed {
                return Err(item);
            }
            state.items.push_back(item);
            state.waker.take()
        };
        // Outside the borrow: the task may be polled in this call.
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Closes the queue: the receiver takes what is queued, then ends.
    pub(crate) fn close(&self) {
        let waker = {
            let mut state = self.0.borrow_mut();
            state.closed = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The receiving side of a [`queue`]: a stream of its items, ending once it is closed and
/// empty. Dropping it closes the queue.
pub(crate) struct Receiver<T> {
    state: Rc<RefCell<QueueState<T>>>,
    ended: bool,
}

impl<T> futures::Stream for Receiver<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> std::task::Poll<Option<T>> {
        use std::task::Poll;
        let next = {
            let mut state = self.state.borrow_mut();
            match state.items.pop_front() {
                Some(item) => Poll::Ready(Some(item)),
                None if state.closed => Poll::Ready(None),
                None => {
                    if !state
                        .waker
                        .as_ref()
                        .is_some_and(|w| w.will_wake(cx.waker()))
                    {
                        state.waker = Some(cx.waker().clone());
                    }
                    Poll::Pending
                }
            }
        };
        if matches!(next, Poll::Ready(None)) {
            self.ended = true;
        }
        next
    }
}

impl<T> futures::stream::FusedStream for Receiver<T> {
    fn is_terminated(&self) -> bool {
        self.ended
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // What nobody will take is dropped now (outside the borrow), not with the last
        // sender.
        let unread = {
            let mut state = self.state.borrow_mut();
            state.closed = true;
            state.waker = None;
            std::mem::take(&mut state.items)
        };
        drop(unread);
    }
}
