//! The limits every endpoint obeys, and the pure keepalive logic behind server pings.
//!
//! [`Limits`] holds what the command line sets (each flag has a safe default, documented in
//! the README): message and frame size, the per-connection read and write buffers, server
//! pings and the idle timeout, the handshake timeout, the number of connections and the
//! per-connection message rate. [`crate::conn::Conn`] enforces them while the connection
//! lives.
//!
//! [`Keepalive`] decides when to ping and when a silent peer has timed out; time is passed
//! in, so it is tested without waiting.

use std::time::Duration;

use tokio::time::Instant;

/// The default largest message and frame, in bytes (Python `websockets` allows 1 MiB; the
/// demos' biggest frame is a chat history of a few KiB).
pub const DEFAULT_MAX_MESSAGE: usize = 64 * 1024;

/// What a connection may do and what it may cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Largest message, in bytes; a bigger one closes the connection with 1009.
    pub max_message: usize,
    /// Largest single frame, in bytes; a bigger one closes the connection with 1009.
    pub max_frame: usize,
    /// Initial read buffer of each connection, in bytes; each read offers the kernel at
    /// least a quarter of it. It grows for a big message and stays small for an idle
    /// connection.
    pub read_buffer: usize,
    /// Bytes collected before a write goes to the socket (0: write every frame at once).
    pub write_buffer: usize,
    /// Most bytes waiting to be written to one connection; past it, sending fails and the
    /// connection ends instead of growing without bound.
    pub max_write_buffer: usize,
    /// Silence after which the server pings (`None`: never).
    pub ping_interval: Option<Duration>,
    /// How long after a ping the peer has to show life before it is closed with 1011.
    pub ping_timeout: Duration,
    /// How long one write may wait for the peer to take bytes (`None`: for ever). A peer
    /// that stops reading blocks the handler in `send`, where it cannot read pings'
    /// answers; past this the send fails and the connection ends.
    pub write_timeout: Option<Duration>,
    /// Time for a client to complete TLS and send its HTTP request head.
    pub handshake_timeout: Duration,
    /// WebSocket connections open at once, all endpoints together; more get HTTP 503.
    pub max_connections: usize,
    /// Messages per second one connection may send over time (`None`: no limit).
    pub message_rate: Option<f64>,
    /// Messages one connection may send in one burst.
    pub message_burst: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message: DEFAULT_MAX_MESSAGE,
            max_frame: DEFAULT_MAX_MESSAGE,
            read_buffer: 1024,
            write_buffer: 8 * 1024,
            max_write_buffer: 1024 * 1024,
            ping_interval: Some(Duration::from_secs(20)),
            ping_timeout: Duration::from_secs(20),
            write_timeout: Some(Duration::from_secs(30)),
            handshake_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            message_rate: Some(1000.0),
            message_burst: 1000.0,
        }
    }
}

/// A set of limits that cannot work together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitsError {
    /// A frame may not be bigger than the message it belongs to.
    #[error("the max frame size ({frame} B) is above the max message size ({message} B)")]
    FrameAboveMessage {
        /// The frame limit asked for.
        frame: usize,
        /// The message limit asked for.
        message: usize,
    },
    /// The write buffer must hold the batching buffer plus one whole message.
    #[error(
        "the max write buffer ({max} B) must be at least the write buffer plus one message ({needed} B)"
    )]
    WriteBufferTooSmall {
        /// The bound asked for.
        max: usize,
        /// The smallest bound that works.
        needed: usize,
    },
    /// A size or count of zero would refuse everything.
    #[error("{0} must be at least 1")]
    Zero(&'static str),
}

impl Limits {
    /// Checks that the limits work together (the WebSocket layer would panic on some
    /// combinations, so they are refused at start-up with a clear message instead).
    ///
    /// # Errors
    /// The first problem found.
    pub fn check(&self) -> Result<(), LimitsError> {
        for (name, value) in [
            ("the max message size", self.max_message),
            ("the max frame size", self.max_frame),
            ("the read buffer", self.read_buffer),
            ("the max connections", self.max_connections),
        ] {
            if value == 0 {
                return Err(LimitsError::Zero(name));
            }
        }
        if self.max_frame > self.max_message {
            return Err(LimitsError::FrameAboveMessage {
                frame: self.max_frame,
                message: self.max_message,
            });
        }
        let needed = self.write_buffer.saturating_add(self.max_message);
        if self.max_write_buffer < needed {
            return Err(LimitsError::WriteBufferTooSmall {
                max: self.max_write_buffer,
                needed,
            });
        }
        Ok(())
    }
}

/// What the keepalive wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    /// Nothing to do until this instant.
    Wait(Instant),
    /// Send a ping now; the answer is due by this instant.
    Ping(Instant),
    /// The peer stayed silent past the ping timeout.
    Expired,
}

/// Server pings: after `interval` of silence the server pings; if nothing at all arrives
/// within `timeout` of that ping, the connection is dead. Any frame counts as life, not
/// only the pong, so a busy connection is never pinged.
#[derive(Debug, Clone)]
pub struct Keepalive {
    interval: Duration,
    timeout: Duration,
    last_seen: Instant,
    pinged_at: Option<Instant>,
}

impl Keepalive {
    /// A keepalive for a connection that has just shown life at `now`.
    pub fn new(interval: Duration, timeout: Duration, now: Instant) -> Self {
        Self {
            interval,
            timeout,
            last_seen: now,
            pinged_at: None,
        }
    }

    /// A frame arrived at `now`.
    pub fn seen(&mut self, now: Instant) {
        self.last_seen = now;
        self.pinged_at = None;
    }

    /// What to do at `now` (call it when the last [`Tick::Wait`] instant has come).
    pub fn tick(&mut self, now: Instant) -> Tick {
        if let Some(pinged) = self.pinged_at {
            let due = pinged + self.timeout;
            return if now >= due {
                Tick::Expired
            } else {
                Tick::Wait(due)
            };
        }
        let ping_at = self.last_seen + self.interval;
        if now >= ping_at {
            self.pinged_at = Some(now);
            Tick::Ping(now + self.timeout)
        } else {
            Tick::Wait(ping_at)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn defaults_are_consistent_and_bad_combinations_are_refused() {
        assert_eq!(Limits::default().check(), Ok(()));
        let frame_too_big = Limits {
            max_frame: 2 * 1024 * 1024,
            ..Limits::default()
        };
        assert!(matches!(
            frame_too_big.check(),
            Err(LimitsError::FrameAboveMessage { .. })
        ));
        let small_write = Limits {
            max_write_buffer: 16 * 1024,
            ..Limits::default()
        };
        assert_eq!(
            small_write.check(),
            Err(LimitsError::WriteBufferTooSmall {
                max: 16 * 1024,
                needed: 72 * 1024
            })
        );
        let no_connections = Limits {
            max_connections: 0,
            ..Limits::default()
        };
        assert_eq!(
            no_connections.check(),
            Err(LimitsError::Zero("the max connections"))
        );
    }

    #[test]
    fn a_silent_peer_is_pinged_then_expires() {
        let start = Instant::now();
        let mut keepalive = Keepalive::new(20 * S, 20 * S, start);
        assert_eq!(keepalive.tick(start), Tick::Wait(start + 20 * S));
        assert_eq!(keepalive.tick(start + 20 * S), Tick::Ping(start + 40 * S));
        // Asking again before the answer is due does not ping twice.
        assert_eq!(keepalive.tick(start + 30 * S), Tick::Wait(start + 40 * S));
        assert_eq!(keepalive.tick(start + 40 * S), Tick::Expired);
    }

    #[test]
    fn any_frame_counts_as_life() {
        let start = Instant::now();
        let mut keepalive = Keepalive::new(20 * S, 20 * S, start);
        // Traffic before the interval pushes the ping back.
        keepalive.seen(start + 15 * S);
        assert_eq!(keepalive.tick(start + 20 * S), Tick::Wait(start + 35 * S));
        assert_eq!(keepalive.tick(start + 35 * S), Tick::Ping(start + 55 * S));
        // A frame (the pong, or any other) after the ping clears it.
        keepalive.seen(start + 36 * S);
        assert_eq!(keepalive.tick(start + 55 * S), Tick::Wait(start + 56 * S));
        assert_eq!(keepalive.tick(start + 56 * S), Tick::Ping(start + 76 * S));
    }
}
