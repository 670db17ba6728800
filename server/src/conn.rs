//! [`Conn`]: an upgraded WebSocket with the server's per-connection limits enforced.
//!
//! Every endpoint handler gets a `Conn` instead of axum's bare `WebSocket`. It reads and
//! writes the same way (`recv`, `send`, or `split` as a stream and a sink), and while it
//! is being read it also
//! - pings the peer after [`Limits::ping_interval`] of silence and ends the connection
//!   (close 1011) when nothing arrives within [`Limits::ping_timeout`] of the ping;
//! - counts incoming messages against [`Limits::message_rate`] and ends the connection
//!   (close 1008) when the peer sends faster than that for longer than the burst allows.
//!
//! Both show up to the handler as a [`ReadError::Violation`], which
//! [`crate::Ending::after_read_error`] turns into the close code; the handler needs no code
//! of its own for them.
//!
//! Writing, it fails a write that has waited [`Limits::write_timeout`] for the peer to take
//! bytes ([`Violation::WriteTimeout`]): a peer that stops reading would otherwise hold the
//! handler in `send` for ever, where nothing reads and so nothing pings.

use std::{
    pin::Pin,
    task::{Context, Poll, Waker, ready},
    time::Duration,
};

use axum::extract::ws::{Message, WebSocket};
use futures::{Sink, SinkExt, Stream, StreamExt};
use tokio::time::{Instant, Sleep};

use crate::{
    limits::{Keepalive, Limits, Tick},
    rate::TokenBucket,
};

/// Why a connection was ended by its limits rather than by its peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    /// Nothing arrived within the ping timeout after a server ping.
    #[error("no answer to the keepalive ping")]
    PingTimeout,
    /// The peer sent messages faster than the per-connection rate allows.
    #[error("too many messages")]
    TooManyMessages,
    /// A write waited longer than the write timeout for the peer to read.
    #[error("the peer stopped reading")]
    WriteTimeout,
}

/// Why reading a [`Conn`] failed: its own limits, or the WebSocket layer (a message or frame
/// over the size limit, text that is not UTF-8, a protocol violation, the peer gone).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The connection broke one of the server's limits.
    #[error(transparent)]
    Violation(Violation),
    /// The WebSocket layer refused what arrived, or the connection broke.
    #[error(transparent)]
    Socket(axum::Error),
}

/// Server pings for one connection: the pure [`Keepalive`] plus its timer.
#[derive(Debug)]
struct Pings {
    keepalive: Keepalive,
    timer: Pin<Box<Sleep>>,
    /// A ping is due but the socket could not take it yet.
    unsent: bool,
    /// A ping was queued and still has to be flushed.
    unflushed: bool,
    /// The waker the timer was last polled with. While the task's waker stays the same
    /// and the timer has not fired, it needs no poll: polling a `Sleep` re-registers its
    /// waker every time, once per message.
    polled_with: Option<Waker>,
}

/// An upgraded WebSocket under the server's limits (see the module docs).
#[derive(Debug)]
pub struct Conn {
    socket: WebSocket,
    pings: Option<Pings>,
    rate: Option<TokenBucket>,
    write_timeout: Option<Duration>,
    /// The deadline of the write that is waiting now, if one is.
    stalled: Option<Pin<Box<Sleep>>>,
}

impl Conn {
    /// Wraps an upgraded socket; its limits start counting now.
    pub fn new(socket: WebSocket, limits: &Limits) -> Self {
        let now = Instant::now();
        let pings = limits.ping_interval.map(|interval| {
            let keepalive = Keepalive::new(interval, limits.ping_timeout, now);
            Pings {
                keepalive,
                timer: Box::pin(tokio::time::sleep_until(now + interval)),
                unsent: false,
                unflushed: false,
                polled_with: None,
            }
        });
        let rate = limits
            .message_rate
            .map(|rate| TokenBucket::new(limits.message_burst.max(1.0), rate, now));
        Self {
            socket,
            pings,
            rate,
            write_timeout: limits.write_timeout,
            stalled: None,
        }
    }

    /// The outcome of a write step: done (the wait, if any, is over), or still waiting,
    /// which fails once the wait has lasted the write timeout.
    fn write_step(
        &mut self,
        step: Poll<Result<(), axum::Error>>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), axum::Error>> {
        if step.is_ready() {
            self.stalled = None;
            return step;
        }
        let Some(limit) = self.write_timeout else {
            return Poll::Pending;
        };
        let deadline = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        ready!(deadline.as_mut().poll(cx));
        self.stalled = None;
        Poll::Ready(Err(axum::Error::new(Violation::WriteTimeout)))
    }

    /// The next message, `None` once the connection has ended.
    pub async fn recv(&mut self) -> Option<Result<Message, ReadError>> {
        self.next().await
    }

    /// Sends a message (and flushes it).
    ///
    /// # Errors
    /// The connection is closed or the write buffer limit was reached.
    pub async fn send(&mut self, message: Message) -> Result<(), axum::Error> {
        SinkExt::send(self, message).await
    }

    /// Sends a due ping and flushes it, as far as the socket allows without waiting.
    fn poll_ping(&mut self, cx: &mut Context<'_>) -> Result<(), axum::Error> {
        let Some(pings) = self.pings.as_mut().filter(|p| p.unsent || p.unflushed) else {
            return Ok(());
        };
        if pings.unsent {
            match Pin::new(&mut self.socket).poll_ready(cx) {
                Poll::Ready(Ok(())) => {
                    Pin::new(&mut self.socket).start_send(Message::Ping(Default::default()))?;
                    pings.unsent = false;
                    pings.unflushed = true;
                }
                Poll::Ready(Err(error)) => return Err(error),
                Poll::Pending => return Ok(()),
            }
        }
        if pings.unflushed {
            match Pin::new(&mut self.socket).poll_flush(cx) {
                Poll::Ready(Ok(())) => pings.unflushed = false,
                Poll::Ready(Err(error)) => return Err(error),
                Poll::Pending => {}
            }
        }
        Ok(())
    }

    /// Runs the ping timer: queues pings, re-arms it, reports an expired peer.
    fn poll_timer(&mut self, cx: &mut Context<'_>) -> Result<(), Violation> {
        let Some(pings) = self.pings.as_mut() else {
            return Ok(());
        };
        let same_waker = pings
            .polled_with
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()));
        if same_waker && !pings.timer.is_elapsed() {
            return Ok(());
        }
        pings.polled_with = Some(cx.waker().clone());
        // A timer just reset is polled again here, which registers it for its new instant.
        while pings.timer.as_mut().poll(cx).is_ready() {
            match pings.keepalive.tick(Instant::now()) {
                Tick::Wait(at) => pings.timer.as_mut().reset(at),
                Tick::Ping(answer_by) => {
                    pings.unsent = true;
                    pings.timer.as_mut().reset(answer_by);
                }
                Tick::Expired => return Err(Violation::PingTimeout),
            }
        }
        Ok(())
    }

    /// Notes a message that arrived: life for the keepalive, a token from the bucket.
    fn arrived(&mut self) -> Result<(), Violation> {
        // The keepalive needs the time of every message; the bucket only when it runs short.
        let now = self.pings.as_mut().map(|pings| {
            let now = Instant::now();
            pings.keepalive.seen(now);
            now
        });
        let within = self
            .rate
            .as_mut()
            .is_none_or(|bucket| bucket.take(|| now.unwrap_or_else(Instant::now)));
        if within {
            Ok(())
        } else {
            Err(Violation::TooManyMessages)
        }
    }
}

impl Stream for Conn {
    type Item = Result<Message, ReadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        // After a failure the limits stop counting, so the close handshake that follows
        // reads normally.
        let fail = |this: &mut Self, error: ReadError| {
            this.pings = None;
            this.rate = None;
            Poll::Ready(Some(Err(error)))
        };
        if let Err(error) = this.poll_ping(cx) {
            return fail(this, ReadError::Socket(error));
        }
        match this.socket.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(message))) => {
                if let Err(violation) = this.arrived() {
                    return fail(this, ReadError::Violation(violation));
                }
                return Poll::Ready(Some(Ok(message)));
            }
            Poll::Ready(Some(Err(error))) => {
                return Poll::Ready(Some(Err(ReadError::Socket(error))));
            }
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => {}
        }
        if let Err(violation) = this.poll_timer(cx) {
            return fail(this, ReadError::Violation(violation));
        }
        // A ping the timer just queued goes out now (or registers for when it can).
        if let Err(error) = this.poll_ping(cx) {
            return fail(this, ReadError::Socket(error));
        }
        Poll::Pending
    }
}

impl Sink<Message> for Conn {
    type Error = axum::Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let this = self.get_mut();
        let step = Pin::new(&mut this.socket).poll_ready(cx);
        this.write_step(step, cx)
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Self::Error> {
        Pin::new(&mut self.get_mut().socket).start_send(item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let this = self.get_mut();
        let step = Pin::new(&mut this.socket).poll_flush(cx);
        ready!(this.write_step(step, cx))?;
        if let Some(pings) = this.pings.as_mut() {
            pings.unflushed = false;
        }
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let this = self.get_mut();
        let step = Pin::new(&mut this.socket).poll_close(cx);
        this.write_step(step, cx)
    }
}
