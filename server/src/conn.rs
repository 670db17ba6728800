//! [`Conn`]: an upgraded WebSocket with the server's per-connection limits enforced.
//!
//! Every endpoint handler gets a `Conn`. It reads and writes messages (`recv`, `send`, or
//! `split` as a stream and a sink) as frames ([`crate::frame`]) on the connection's own
//! stream ([`crate::upgrade::Socket`]), and while it is being read it also
//! - answers pings with pongs, in order, and a close with a close (then ends the stream);
//! - pings the peer after [`Limits::ping_interval`] of silence and ends the connection
//!   (close 1011) when nothing arrives within [`Limits::ping_timeout`] of the ping;
//! - counts incoming messages against [`Limits::message_rate`] and ends the connection
//!   (close 1008) when the peer sends faster than that for longer than the burst allows.
//!
//! Broken frames and broken limits show up to the handler as a [`ReadError`], which
//! [`crate::Ending::after_read_error`] turns into the close code; the handler needs no code
//! of its own for them. After one, reading drains what the peer still sends until it
//! closes, so the close frame that follows is not lost to a reset.
//!
//! Writing, a message is encoded into the connection's write buffer and goes out on the
//! flush (`send` flushes; `feed` lets several go out in one write). A write fails when it
//! has waited [`Limits::write_timeout`] for the peer to take bytes
//! ([`Violation::WriteTimeout`]): a peer that stops reading would otherwise hold the
//! handler in `send` for ever, where nothing reads and so nothing pings.

use std::{
    io,
    pin::Pin,
    task::{Context, Poll, Waker, ready},
    time::Duration,
};

use axum::extract::ws::Message;
use bytes::BytesMut;
use futures::{Sink, SinkExt, Stream, StreamExt};
use tokio::{
    io::AsyncWrite,
    time::{Instant, Sleep},
};

use crate::{
    frame::{self, Decoder, FrameError},
    limits::{Keepalive, Limits, Tick},
    rate::TokenBucket,
    upgrade::{Io, Socket},
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
    /// A write waited longer than the write timeout for the peer to read, or the peer let
    /// the server's answers to its pings pile up past the max write buffer unread.
    #[error("the peer stopped reading")]
    WriteTimeout,
}

/// Why reading a [`Conn`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The connection broke one of the server's limits.
    #[error(transparent)]
    Violation(Violation),
    /// The peer's frames broke RFC 6455 or the size limits.
    #[error(transparent)]
    Frame(FrameError),
    /// The connection broke.
    #[error(transparent)]
    Io(io::Error),
}

/// Why writing to a [`Conn`] failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A close was sent already, or received and answered.
    #[error("the connection is closing")]
    Closed,
    /// The message would take the write buffer past its maximum.
    #[error("the write buffer is full")]
    Full,
    /// The write waited [`Limits::write_timeout`] for the peer to read.
    #[error(transparent)]
    Violation(Violation),
    /// The connection broke.
    #[error(transparent)]
    Io(io::Error),
}

/// Server pings for one connection: the pure [`Keepalive`] plus its timer.
#[derive(Debug)]
struct Pings {
    keepalive: Keepalive,
    timer: Pin<Box<Sleep>>,
    /// The waker the timer was last polled with. While the task's waker stays the same
    /// and the timer has not fired, it needs no poll: polling a `Sleep` re-registers its
    /// waker every time, once per message.
    polled_with: Option<Waker>,
}

/// Where the reading side is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// Messages come in.
    Open,
    /// The peer's frames were refused: what it sends is read and dropped until its close
    /// frame arrives or it closes the connection.
    Draining,
    /// The peer's close arrived; once the answer is out, the stream ends.
    Closed,
    /// The stream has ended.
    Ended,
}

/// An upgraded WebSocket under the server's limits (see the module docs).
#[derive(Debug)]
pub struct Conn {
    io: Io,
    read: BytesMut,
    /// Frames to write; `write[written..]` is what the stream has not taken yet.
    write: Vec<u8>,
    written: usize,
    decoder: Decoder,
    reading: Reading,
    /// A close was queued by this side.
    close_sent: bool,
    /// Frames this side queued on its own (pongs, pings, the answer to a close) wait in
    /// `write` for the reading side to write them out.
    replies: bool,
    read_chunk: usize,
    write_buffer: usize,
    max_write_buffer: usize,
    pings: Option<Pings>,
    rate: Option<TokenBucket>,
    write_timeout: Option<Duration>,
    /// The deadline of the write that is waiting now, if one is.
    stalled: Option<Pin<Box<Sleep>>>,
}

impl Conn {
    /// Takes over an upgraded socket; its limits start counting now.
    pub fn new(socket: Socket, limits: &Limits) -> Self {
        let now = Instant::now();
        let pings = limits.ping_interval.map(|interval| Pings {
            keepalive: Keepalive::new(interval, limits.ping_timeout, now),
            timer: Box::pin(tokio::time::sleep_until(now + interval)),
            polled_with: None,
        });
        let rate = limits
            .message_rate
            .map(|rate| TokenBucket::new(limits.message_burst.max(1.0), rate, now));
        let mut read = socket.read;
        read.reserve(limits.read_buffer);
        Self {
            io: socket.io,
            read,
            write: Vec::new(),
            written: 0,
            decoder: Decoder::new(limits.max_frame, limits.max_message),
            reading: Reading::Open,
            close_sent: false,
            replies: false,
            read_chunk: limits.read_buffer.max(64),
            write_buffer: limits.write_buffer,
            max_write_buffer: limits.max_write_buffer,
            pings,
            rate,
            write_timeout: limits.write_timeout,
            stalled: None,
        }
    }

    /// The next message, `None` once the connection has ended.
    pub async fn recv(&mut self) -> Option<Result<Message, ReadError>> {
        self.next().await
    }

    /// Sends a message (and flushes it).
    ///
    /// # Errors
    /// The connection is closing or broken, the write buffer is full, or the peer stopped
    /// reading for the write timeout.
    pub async fn send(&mut self, message: Message) -> Result<(), WriteError> {
        SinkExt::send(self, message).await
    }

    /// Bytes queued that the stream has not taken yet.
    fn unwritten(&self) -> usize {
        self.write.len() - self.written
    }

    /// Writes out the write buffer and flushes the stream.
    fn poll_write_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some(unwritten) = self.write.get(self.written..).filter(|w| !w.is_empty()) {
            let written = ready!(Pin::new(&mut self.io).poll_write(cx, unwritten))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += written;
        }
        // All out: the buffer starts over, keeping its allocation.
        self.write.clear();
        self.written = 0;
        Pin::new(&mut self.io).poll_flush(cx)
    }

    /// A write step under the write timeout: done (the wait, if any, is over), or still
    /// waiting, which fails once the wait has lasted the timeout.
    fn timed(
        &mut self,
        step: Poll<io::Result<()>>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), WriteError>> {
        if let Poll::Ready(result) = step {
            self.stalled = None;
            return Poll::Ready(result.map_err(WriteError::Io));
        }
        let Some(limit) = self.write_timeout else {
            return Poll::Pending;
        };
        let deadline = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        ready!(deadline.as_mut().poll(cx));
        self.stalled = None;
        Poll::Ready(Err(WriteError::Violation(Violation::WriteTimeout)))
    }

    /// Queues a frame of this side's own for the reading side to write out.
    fn reply(&mut self, message: &Message) -> Result<(), ReadError> {
        if self.unwritten() + frame::encoded_len(message) > self.max_write_buffer {
            return Err(ReadError::Violation(Violation::WriteTimeout));
        }
        frame::encode(message, &mut self.write);
        self.replies = true;
        Ok(())
    }

    /// Runs the ping timer: queues pings, re-arms it, reports an expired peer.
    fn poll_timer(&mut self, cx: &mut Context<'_>) -> Result<(), ReadError> {
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
        let mut ping = false;
        // A timer just reset is polled again here, which registers it for its new instant.
        while pings.timer.as_mut().poll(cx).is_ready() {
            match pings.keepalive.tick(Instant::now()) {
                Tick::Wait(at) => pings.timer.as_mut().reset(at),
                Tick::Ping(answer_by) => {
                    ping = true;
                    pings.timer.as_mut().reset(answer_by);
                }
                Tick::Expired => return Err(ReadError::Violation(Violation::PingTimeout)),
            }
        }
        if ping && !self.close_sent {
            self.reply(&Message::Ping(Default::default()))?;
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

    /// What a message that arrived asks of this side: a pong for a ping, and for a close
    /// the same close back (RFC 6455 §5.5.1: its code and reason).
    fn answer(&mut self, message: &Message) -> Result<(), ReadError> {
        match message {
            Message::Ping(payload) if !self.close_sent => {
                self.reply(&Message::Pong(payload.clone()))
            }
            Message::Close(frame) => {
                self.reading = Reading::Closed;
                if self.close_sent {
                    return Ok(());
                }
                self.close_sent = true;
                self.reply(&Message::Close(frame.clone()))
            }
            _ => Ok(()),
        }
    }

    /// Writes out the frames this side queued on its own, as far as the stream takes them
    /// now; a failed write ends the reading side too.
    fn write_replies(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if !self.replies {
            return Ok(());
        }
        match self.poll_write_out(cx) {
            Poll::Ready(Ok(())) => self.replies = false,
            Poll::Ready(Err(error)) => {
                self.reading = Reading::Ended;
                return Err(error);
            }
            Poll::Pending => {}
        }
        Ok(())
    }

    /// Reads into the read buffer: `Ready(Ok(false))` at the end of the stream.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        // Room for a whole read chunk is made only once less than a quarter of one is
        // left: making it moves what is buffered, so not on every message.
        if self.read.capacity() - self.read.len() < self.read_chunk / 4 {
            self.read.reserve(self.read_chunk);
        }
        let read = ready!(tokio_util::io::poll_read_buf(
            Pin::new(&mut self.io),
            cx,
            &mut self.read
        ))?;
        Poll::Ready(Ok(read > 0))
    }

    /// The reading side, without the timer.
    fn poll_read_message(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Message, ReadError>>> {
        loop {
            if let Err(error) = self.write_replies(cx) {
                return Poll::Ready(Some(Err(ReadError::Io(error))));
            }
            match self.reading {
                Reading::Ended => return Poll::Ready(None),
                Reading::Closed if self.replies => return Poll::Pending,
                Reading::Closed => {
                    self.reading = Reading::Ended;
                    return Poll::Ready(None);
                }
                Reading::Draining => loop {
                    // Frames after the refused one are read only to find the peer's close.
                    match self.decoder.decode(&mut self.read) {
                        Ok(Some(Message::Close(_))) => {
                            self.reading = Reading::Ended;
                            return Poll::Ready(None);
                        }
                        Ok(Some(_)) => {}
                        Ok(None) => break,
                        Err(_) => {
                            self.read.clear();
                            self.decoder.reset();
                            break;
                        }
                    }
                },
                // Nothing buffered: straight to the read (most polls after a message).
                Reading::Open if self.read.is_empty() => {}
                Reading::Open => match self.decoder.decode(&mut self.read) {
                    // After this side's close only the peer's close matters (RFC 6455
                    // §5.5.1): what it sent before seeing ours is dropped, not counted.
                    Ok(Some(message))
                        if self.close_sent && !matches!(message, Message::Close(_)) =>
                    {
                        continue;
                    }
                    Ok(Some(message)) => {
                        if let Err(violation) = self.arrived() {
                            return Poll::Ready(Some(Err(ReadError::Violation(violation))));
                        }
                        if let Err(error) = self.answer(&message) {
                            return Poll::Ready(Some(Err(error)));
                        }
                        return Poll::Ready(Some(Ok(message)));
                    }
                    Ok(None) => {}
                    Err(error) => {
                        // What is buffered may be the rest of the refused frame.
                        self.reading = Reading::Draining;
                        self.read.clear();
                        self.decoder.reset();
                        return Poll::Ready(Some(Err(ReadError::Frame(error))));
                    }
                },
            }
            match ready!(self.poll_fill(cx)) {
                Ok(true) => {}
                Ok(false) => {
                    self.reading = Reading::Ended;
                    return Poll::Ready(None);
                }
                Err(error) => {
                    self.reading = Reading::Ended;
                    return Poll::Ready(Some(Err(ReadError::Io(error))));
                }
            }
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
        match this.poll_read_message(cx) {
            Poll::Ready(Some(Err(error))) => return fail(this, error),
            Poll::Ready(ready) => return Poll::Ready(ready),
            Poll::Pending => {}
        }
        if let Err(error) = this.poll_timer(cx) {
            return fail(this, error);
        }
        // A ping the timer just queued goes out now (or registers for when it can).
        if let Err(error) = this.write_replies(cx) {
            return fail(this, ReadError::Io(error));
        }
        Poll::Pending
    }
}

impl Sink<Message> for Conn {
    type Error = WriteError;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let this = self.get_mut();
        if this.unwritten() < this.write_buffer.max(1) {
            return Poll::Ready(Ok(()));
        }
        let step = this.poll_write_out(cx);
        this.timed(step, cx)
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Self::Error> {
        let this = self.get_mut();
        if this.close_sent {
            // The answer to the peer's close is out already: a close of our own adds nothing.
            return match message {
                Message::Close(_) if this.reading == Reading::Closed => Ok(()),
                _ => Err(WriteError::Closed),
            };
        }
        if this.unwritten() + frame::encoded_len(&message) > this.max_write_buffer {
            return Err(WriteError::Full);
        }
        frame::encode(&message, &mut this.write);
        if matches!(message, Message::Close(_)) {
            this.close_sent = true;
        }
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let this = self.get_mut();
        let step = this.poll_write_out(cx);
        ready!(this.timed(step, cx))?;
        this.replies = false;
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let this = self.get_mut();
        let step = this.poll_write_out(cx);
        ready!(this.timed(step, cx))?;
        let step = Pin::new(&mut this.io).poll_shutdown(cx);
        this.timed(step, cx)
    }
}
