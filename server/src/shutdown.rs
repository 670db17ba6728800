//! The lifecycle of upgraded connections: graceful shutdown and the restart drill.
//!
//! Upgraded WebSockets leave hyper's connection tracking, so the server keeps its own:
//! every connection task runs under [`Shutdown::run`], which
//! - closes the socket with 1001 (Going Away) once [`Shutdown::begin`] is called, and lets
//!   [`Shutdown::wait`] wait for all of them before the process exits;
//! - closes it with 1012 (Service Restart) when [`Shutdown::restart_drill`] is called, which
//!   also makes [`Shutdown::unavailable`] refuse new connections for a while.

use std::{
    future::{Future, poll_fn},
    pin::pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    task::{Poll, Waker},
    time::Duration,
};

use axum::extract::ws::{CloseFrame, Message};
use tokio::{sync::Notify, time::Instant};
use tokio_util::task::TaskTracker;
use wslab_protocol::close;

use crate::{
    conn::{Conn, ReadError, Violation},
    frame::FrameError,
};

/// How long a closing connection waits for the peer's close frame.
const CLOSE_HANDSHAKE: Duration = Duration::from_secs(2);

/// How a connection handler ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ending {
    /// Complete the close handshake (the usual end).
    #[default]
    Graceful,
    /// Drop the TCP connection at once, without a close frame (fault injection).
    Drop,
    /// Close with this code and reason: reading failed (see [`Ending::after_read_error`]),
    /// or shutdown or a restart drill asks it.
    Refuse(u16, &'static str),
}

impl Ending {
    /// The close a read error calls for: 1009 for a message or frame over the limit, 1007
    /// for text that is not UTF-8, 1002 for a protocol violation, 1011 for a peer that did
    /// not answer the keepalive ping, 1008 for one that sent too fast. Anything else (the
    /// peer vanished) just ends.
    pub fn after_read_error(error: ReadError) -> Self {
        let error = match error {
            ReadError::Violation(Violation::PingTimeout) => {
                return Self::Refuse(close::INTERNAL_ERROR, "keepalive ping timeout");
            }
            ReadError::Violation(Violation::TooManyMessages) => {
                return Self::Refuse(close::POLICY_VIOLATION, "too many messages");
            }
            // Nothing more can be written to a peer that does not read, not even a close.
            // (Handlers see this one from a send, and end; it is here for completeness.)
            ReadError::Violation(Violation::WriteTimeout) => return Self::Drop,
            ReadError::Frame(error) => error,
            // The connection broke: there is no one to close with.
            ReadError::Io(_) => return Self::Graceful,
        };
        let reason = match error {
            FrameError::Protocol(_) => "protocol error",
            FrameError::TooBig => "message too big",
            FrameError::InvalidUtf8 => "text is not valid UTF-8",
        };
        Self::Refuse(error.close_code(), reason)
    }
}

impl From<()> for Ending {
    fn from((): ()) -> Self {
        Self::Graceful
    }
}

/// What the connections watch: shutdown and restart drills, as one word that each
/// connection reads on every wake-up (an atomic load), and a [`Notify`] that wakes them
/// when it changes.
///
/// A `CancellationToken` and a second `Notify` did the same in a `select!`, where every
/// wake-up of every connection (one per message on `/echo`) polled both, each taking the
/// waiters' lock; here a connection polls its `Notified` only when its waker changed.
#[derive(Debug, Default)]
struct Signal {
    /// Bit 0: shutdown has begun. The rest: how many restart drills have started.
    state: AtomicUsize,
    notify: Notify,
}

impl Signal {
    const SHUTDOWN: usize = 1;
    const DRILL: usize = 2;

    /// Changes the state, then wakes every connection to read it.
    fn raise(&self, change: impl FnOnce(&AtomicUsize)) {
        change(&self.state);
        self.notify.notify_waiters();
    }
}

/// How a connection is asked to close, if it is: what changed since `start` (a state of
/// [`Signal`]).
fn asked(start: usize, now: usize) -> Option<Ending> {
    if now & Signal::SHUTDOWN != 0 {
        Some(Ending::Refuse(close::GOING_AWAY, "server shutting down"))
    } else if now != start {
        Some(Ending::Refuse(close::SERVICE_RESTART, "service restart"))
    } else {
        None
    }
}

/// Shared shutdown switch, restart drill, and the set of live connection tasks.
#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    signal: Arc<Signal>,
    tracker: TaskTracker,
    unavailable_until: Arc<Mutex<Option<Instant>>>,
}

impl Shutdown {
    /// A switch that has not been thrown.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every connection to close with 1001.
    pub fn begin(&self) {
        self.signal.raise(|state| {
            state.fetch_or(Signal::SHUTDOWN, Ordering::SeqCst);
        });
    }

    /// Whether shutdown has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.signal.state.load(Ordering::SeqCst) & Signal::SHUTDOWN != 0
    }

    /// The restart drill: every connection of every endpoint is closed with 1012, and new
    /// ones are refused for `refuse_for`.
    pub fn restart_drill(&self, refuse_for: Duration) {
        *self.lock_unavailable() = Some(Instant::now() + refuse_for);
        self.signal.raise(|state| {
            state.fetch_add(Signal::DRILL, Ordering::SeqCst);
        });
        tracing::info!(
            ?refuse_for,
            "restart drill: closing every connection with 1012"
        );
    }

    /// How long new connections are still refused (during a restart drill).
    pub fn unavailable(&self) -> Option<Duration> {
        let until = (*self.lock_unavailable())?;
        let left = until.saturating_duration_since(Instant::now());
        (!left.is_zero()).then_some(left)
    }

    fn lock_unavailable(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.unavailable_until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How many WebSocket connections are open.
    pub fn live(&self) -> usize {
        self.tracker.len()
    }

    /// Waits until every tracked connection has ended, or `grace` has passed.
    pub async fn wait(&self, grace: Duration) {
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                remaining = self.tracker.len(),
                "connections still open after the grace period"
            );
        }
    }

    /// Runs `handler` on `socket` until it returns, shutdown begins (close 1001) or a
    /// restart drill starts (close 1012). Unless the handler asked to [`Ending::Drop`],
    /// the close handshake is then completed, bounded in time, so a handler can simply
    /// return when it sees the peer's close.
    pub async fn run<F, E>(&self, mut socket: Conn, handler: F)
    where
        F: AsyncFnOnce(&mut Conn) -> E,
        E: Into<Ending>,
    {
        let signal = Arc::clone(&self.signal);
        let work = self.tracker.track_future(async move {
            // Created before the state is first read: a Notified hears every
            // `notify_waiters` from its creation on, so no change is missed between.
            let mut notified = pin!(signal.notify.notified());
            let start = signal.state.load(Ordering::SeqCst);
            let ending = {
                let mut handler = pin!(handler(&mut socket));
                let mut registered: Option<Waker> = None;
                poll_fn(|cx| {
                    if let Some(close) = asked(start, signal.state.load(Ordering::SeqCst)) {
                        return Poll::Ready(close);
                    }
                    if let Poll::Ready(ending) = handler.as_mut().poll(cx) {
                        return Poll::Ready(ending.into());
                    }
                    // Only a new waker needs the Notified polled (which takes the waiters'
                    // lock); the one it holds still wakes this task.
                    if !registered.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                        while notified.as_mut().poll(cx).is_ready() {
                            if let Some(close) = asked(start, signal.state.load(Ordering::SeqCst)) {
                                return Poll::Ready(close);
                            }
                            // A change from before `start`: listen again.
                            notified.set(signal.notify.notified());
                        }
                        registered = Some(cx.waker().clone());
                    }
                    Poll::Pending
                })
                .await
            };
            let closing = match ending {
                Ending::Graceful => None,
                Ending::Drop => return,
                Ending::Refuse(code, reason) => Some((code, reason)),
            };
            if let Some((code, reason)) = closing {
                let frame = CloseFrame {
                    code,
                    reason: reason.into(),
                };
                if socket.send(Message::Close(Some(frame))).await.is_err() {
                    return;
                }
            }
            finish_close(&mut socket).await;
        });
        work.await;
    }
}

/// Reads until the connection ends, so a pending close reply is flushed and the peer's
/// close is awaited; gives up after [`CLOSE_HANDSHAKE`].
async fn finish_close(socket: &mut Conn) {
    let _ = tokio::time::timeout(CLOSE_HANDSHAKE, async {
        while let Some(Ok(_)) = socket.recv().await {}
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_is_asked_to_close_only_by_what_changed_since_it_started() {
        let idle = 2 * Signal::DRILL;
        assert_eq!(asked(idle, idle), None);
        assert_eq!(
            asked(idle, idle + Signal::DRILL),
            Some(Ending::Refuse(close::SERVICE_RESTART, "service restart"))
        );
        // Shutdown wins over a drill, and holds for connections started after it.
        let down = idle + Signal::DRILL + Signal::SHUTDOWN;
        for start in [idle, down] {
            assert_eq!(
                asked(start, down),
                Some(Ending::Refuse(close::GOING_AWAY, "server shutting down"))
            );
        }
    }
}
