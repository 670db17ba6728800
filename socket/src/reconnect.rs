//! The reliable connection as a pure state machine: reconnect with backoff, heartbeat,
//! outbox, network awareness. No web APIs and no clocks: it is fed [`Input`]s with the
//! current time in milliseconds and answers with [`Effect`]s for the driver to carry out,
//! plus [`Machine::deadline`], the next time it wants a [`Input::Tick`].
//!
//! The rules, after the Brython API reference's ReliableConnection and what goes wrong in real libraries:
//! - reconnect only when the close was not the user's and its code says so ([`decide`]);
//! - delays follow `base · 2^(n−1)` capped at `max_delay`, jittered within the upper half
//!   of that, at most `max_attempts` times; the count resets only after a connection stayed up `min_uptime`;
//! - a connection that does not open within `connect_timeout`, or that sends nothing for
//!   `timeout` after a heartbeat, is abandoned as dead and the reconnect policy runs;
//! - every socket has an id; events of a socket that was replaced are ignored, and a new
//!   socket is only opened once the previous one is closed or abandoned;
//! - while the browser is offline nothing is retried; coming back online (or a hidden tab
//!   becoming visible) retries at once with the backoff reset;
//! - what is sent while not open waits in a bounded outbox and goes out in order on open.

use std::collections::VecDeque;

use crate::types::Message;

/// Milliseconds on the driver's clock.
pub type Millis = u64;

/// The heartbeat: `message` every `interval`; silence for `timeout` after it means dead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heartbeat {
    /// Between pings (the API reference: 30 s).
    pub interval: Millis,
    /// What to send (the API reference: `ping`).
    pub message: String,
    /// The reply that measures the round trip (the server's `pong`).
    pub reply: String,
    /// How long to wait for any frame after a ping.
    pub timeout: Millis,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Self {
            interval: 30_000,
            message: "ping".into(),
            reply: "pong".into(),
            timeout: 10_000,
        }
    }
}

/// How to reconnect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// First retry's ceiling (the API reference: 1 s).
    pub base_delay: Millis,
    /// No delay is longer than this.
    pub max_delay: Millis,
    /// Give up after this many attempts in a row (the API reference: 5); `None` retries forever (the
    /// API reference's `max_retries=-1`).
    pub max_attempts: Option<u32>,
    /// Exponential backoff (the API reference's `backoff=True`): each ceiling doubles. Off, every
    /// retry waits at most `base_delay`.
    pub backoff: bool,
    /// Jitter: each delay is uniform in `[ceiling / 2, ceiling]`, so clients do not
    /// stampede. Not in `[0, ceiling]` ("full" jitter): there a run of short draws can spend
    /// every attempt inside a brief outage (the default's five within a 3 s restart, about
    /// once in 600 drops). With the lower half cut off the attempts span at least half the
    /// schedule (the default's five: 15.5 s), and an outage shorter than that never exhausts
    /// them.
    pub jitter: bool,
    /// A connection not open after this long is abandoned.
    pub connect_timeout: Millis,
    /// The attempt count resets only after a connection stayed open this long.
    pub min_uptime: Millis,
    /// `None` sends no heartbeat.
    pub heartbeat: Option<Heartbeat>,
    /// Messages kept while disconnected; beyond it the oldest is dropped.
    pub outbox_capacity: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            base_delay: 1_000,
            max_delay: 30_000,
            max_attempts: Some(5),
            backoff: true,
            jitter: true,
            connect_timeout: 10_000,
            min_uptime: 5_000,
            heartbeat: Some(Heartbeat::default()),
            outbox_capacity: 100,
        }
    }
}

impl Policy {
    /// The longest delay before attempt `attempt` (1-based): `base · 2^(attempt−1)`, capped
    /// (`base` for every attempt without backoff).
    pub fn ceiling(&self, attempt: u32) -> Millis {
        if !self.backoff {
            return self.base_delay.min(self.max_delay);
        }
        let doubled = self
            .base_delay
            .saturating_mul(1u64 << attempt.saturating_sub(1).min(40));
        doubled.min(self.max_delay)
    }

    /// The ceilings of the attempts to come (at most 10 when retries are unlimited).
    pub fn schedule(&self) -> Vec<Millis> {
        (1..=self.max_attempts.unwrap_or(10))
            .map(|attempt| self.ceiling(attempt))
            .collect()
    }
}

/// What a close code means for reconnecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Try again later.
    Retry,
    /// Do not: the close was deliberate or retrying cannot help.
    Stop,
}

/// 1000 (normal) and 1008 (policy) stop; so do 4000–4099 (application "do not retry") and
/// the codes retrying cannot fix (1002 protocol, 1003 data type, 1007 bad data, 1009 too
/// big, 1010 extension, 1015 TLS). Everything else (1001, 1005, 1006, 1011, 1012, 1013,
/// 1014, other application codes) retries.
pub fn decide(code: u16) -> Decision {
    match code {
        1000 | 1008 | 1002 | 1003 | 1007 | 1009 | 1010 | 1015 | 4000..=4099 => Decision::Stop,
        _ => Decision::Retry,
    }
}

/// Where the connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Never asked to connect.
    Idle,
    /// A socket is connecting; `attempt` is 0 for the first connection.
    Connecting {
        /// Reconnect attempt number (0: the user's connect).
        attempt: u32,
    },
    /// Open.
    Open,
    /// The user asked to close; waiting for the close event.
    Closing,
    /// Waiting to reconnect.
    Waiting {
        /// The attempt that will be made.
        attempt: u32,
        /// When.
        at: Millis,
    },
    /// The browser is offline; nothing is retried until it is back.
    Offline,
    /// Attempts exhausted.
    GaveUp,
    /// Closed for good: by the user, or by a close code that says not to retry.
    Closed {
        /// The close code.
        code: u16,
        /// Whether the user asked for it.
        by_user: bool,
    },
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The user wants a connection.
    Connect,
    /// The user closes; never followed by a reconnect.
    Close {
        /// Close code to send.
        code: u16,
        /// Close reason to send.
        reason: String,
    },
    /// Socket `id` opened.
    Opened(u64),
    /// Socket `id` received a frame (`text` for text frames).
    Frame {
        /// The socket.
        id: u64,
        /// The text, if it was a text frame.
        text: Option<String>,
    },
    /// Socket `id` closed.
    Closed {
        /// The socket.
        id: u64,
        /// Close code.
        code: u16,
    },
    /// The user sends a message.
    Send(Message),
    /// Time passed (the driver calls at [`Machine::deadline`]).
    Tick,
    /// The browser went offline.
    Offline,
    /// The browser is online again.
    Online,
    /// A hidden tab became visible.
    Visible,
}

/// What the driver must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Open a new socket with this id.
    Open(u64),
    /// Start the close handshake of socket `id`.
    Close {
        /// The socket.
        id: u64,
        /// Code.
        code: u16,
        /// Reason.
        reason: String,
    },
    /// Drop socket `id` now and ignore whatever it says later (dead or timed out).
    Abandon(u64),
    /// Send `message` on socket `id`.
    Send {
        /// The socket.
        id: u64,
        /// The frame.
        message: Message,
    },
    /// Tell the application a heartbeat reply arrived, `rtt` ms after its ping.
    Pong {
        /// The round trip.
        rtt: Millis,
    },
}

/// The live socket, as the machine tracks it.
#[derive(Debug, Clone)]
struct Slot {
    id: u64,
    started: Millis,
    opened: Option<Millis>,
    next_ping: Millis,
    /// A ping went out and no frame has come since.
    silent_since: Option<Millis>,
    /// When the last ping went out, until its reply arrives.
    ping_at: Option<Millis>,
}

/// The reliable connection's state.
#[derive(Debug, Clone)]
pub struct Machine {
    policy: Policy,
    rng: u64,
    status: Status,
    socket: Option<Slot>,
    next_id: u64,
    attempts: u32,
    outbox: VecDeque<Message>,
    dropped: u64,
    offline: bool,
}

impl Machine {
    /// A machine with `policy`; `seed` drives the jitter (any value; fixed in tests).
    pub fn new(policy: Policy, seed: u64) -> Self {
        Self {
            policy,
            rng: seed | 1,
            status: Status::Idle,
            socket: None,
            next_id: 1,
            attempts: 0,
            outbox: VecDeque::new(),
            dropped: 0,
            offline: false,
        }
    }

    /// Where the connection is.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Messages waiting for a connection.
    pub fn pending(&self) -> usize {
        self.outbox.len()
    }

    /// Messages dropped because the outbox was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The current socket's id, if there is one.
    pub fn socket(&self) -> Option<u64> {
        self.socket.as_ref().map(|s| s.id)
    }

    /// When the machine next needs a [`Input::Tick`].
    pub fn deadline(&self) -> Option<Millis> {
        if let Status::Waiting { at, .. } = self.status {
            return Some(at);
        }
        let slot = self.socket.as_ref()?;
        match (slot.opened, &self.policy.heartbeat) {
            (None, _) => Some(slot.started.saturating_add(self.policy.connect_timeout)),
            (Some(_), Some(heartbeat)) => Some(match slot.silent_since {
                Some(since) => since.saturating_add(heartbeat.timeout).min(slot.next_ping),
                None => slot.next_ping,
            }),
            (Some(_), None) => None,
        }
    }

    /// Feeds one input at time `now`; returns what to do, in order.
    pub fn handle(&mut self, now: Millis, input: Input) -> Vec<Effect> {
        let mut effects = Vec::new();
        match input {
            Input::Connect => {
                if self.socket.is_none() {
                    self.attempts = 0;
                    if self.offline {
                        self.status = Status::Offline;
                    } else {
                        self.open(now, 0, &mut effects);
                    }
                }
            }
            Input::Close { code, reason } => match self.socket.as_mut() {
                Some(slot) => {
                    // No more pings; the close handshake has a heartbeat timeout to end
                    // in (then it counts as closed, 1006), as a silent socket would.
                    slot.next_ping = Millis::MAX;
                    slot.silent_since = Some(now);
                    effects.push(Effect::Close {
                        id: slot.id,
                        code,
                        reason,
                    });
                    self.status = Status::Closing;
                }
                None => {
                    self.status = Status::Closed {
                        code,
                        by_user: true,
                    }
                }
            },
            Input::Opened(id) => {
                let interval = self.policy.heartbeat.as_ref().map(|h| h.interval);
                let closing = self.status == Status::Closing;
                if let Some(slot) = self.current(id) {
                    slot.opened = Some(now);
                    // Opened after the user asked to close (the open event was already on
                    // its way): no pings, and the outbox stays for the next connection.
                    if closing {
                        slot.next_ping = Millis::MAX;
                        slot.silent_since = Some(now);
                    } else {
                        slot.next_ping = interval.map_or(Millis::MAX, |i| now.saturating_add(i));
                        self.status = Status::Open;
                        for message in self.outbox.drain(..) {
                            effects.push(Effect::Send { id, message });
                        }
                    }
                }
            }
            Input::Frame { id, text } => {
                let is_reply = matches!(
                    (&self.policy.heartbeat, &text),
                    (Some(heartbeat), Some(text)) if *text == heartbeat.reply
                );
                let closing = self.status == Status::Closing;
                if let Some(slot) = self.current(id) {
                    // While closing, frames do not put off the close handshake's deadline.
                    if !closing {
                        slot.silent_since = None;
                    }
                    if let Some(at) = slot.ping_at
                        && is_reply
                    {
                        slot.ping_at = None;
                        effects.push(Effect::Pong {
                            rtt: now.saturating_sub(at),
                        });
                    }
                }
            }
            Input::Closed { id, code } => {
                if self.current(id).is_some() {
                    let slot = self.socket.take();
                    if self.status == Status::Closing {
                        self.status = Status::Closed {
                            code,
                            by_user: true,
                        };
                    } else if decide(code) == Decision::Stop {
                        self.status = Status::Closed {
                            code,
                            by_user: false,
                        };
                    } else {
                        self.retry_later(now, slot.as_ref());
                    }
                }
            }
            Input::Send(message) => match (&self.socket, self.status) {
                (Some(slot), Status::Open) => effects.push(Effect::Send {
                    id: slot.id,
                    message,
                }),
                _ if self.policy.outbox_capacity == 0 => self.dropped += 1,
                _ => {
                    if self.outbox.len() >= self.policy.outbox_capacity {
                        self.outbox.pop_front();
                        self.dropped += 1;
                    }
                    self.outbox.push_back(message);
                }
            },
            Input::Tick => self.tick(now, &mut effects),
            Input::Offline => {
                self.offline = true;
                if matches!(self.status, Status::Waiting { .. }) {
                    self.status = Status::Offline;
                }
            }
            Input::Online | Input::Visible => {
                if matches!(input, Input::Online) {
                    self.offline = false;
                }
                if !self.offline && matches!(self.status, Status::Waiting { .. } | Status::Offline)
                {
                    self.attempts = 0;
                    self.open(now, 0, &mut effects);
                }
            }
        }
        effects
    }

    fn current(&mut self, id: u64) -> Option<&mut Slot> {
        self.socket.as_mut().filter(|slot| slot.id == id)
    }

    fn open(&mut self, now: Millis, attempt: u32, effects: &mut Vec<Effect>) {
        // Never two sockets: a new one only once the old one is gone.
        if let Some(old) = self.socket.take() {
            effects.push(Effect::Abandon(old.id));
        }
        let id = self.next_id;
        self.next_id += 1;
        self.socket = Some(Slot {
            id,
            started: now,
            opened: None,
            next_ping: Millis::MAX,
            silent_since: None,
            ping_at: None,
        });
        self.status = Status::Connecting { attempt };
        effects.push(Effect::Open(id));
    }

    fn tick(&mut self, now: Millis, effects: &mut Vec<Effect>) {
        if let Status::Waiting { attempt, at } = self.status {
            if now >= at {
                self.open(now, attempt, effects);
            }
            return;
        }
        let Some(slot) = self.socket.clone() else {
            return;
        };
        let dead = match (slot.opened, &self.policy.heartbeat) {
            (None, _) => now >= slot.started.saturating_add(self.policy.connect_timeout),
            (Some(_), Some(heartbeat)) => slot
                .silent_since
                .is_some_and(|since| now >= since.saturating_add(heartbeat.timeout)),
            (Some(_), None) => false,
        };
        if dead {
            effects.push(Effect::Abandon(slot.id));
            self.socket = None;
            if self.status == Status::Closing {
                self.status = Status::Closed {
                    code: 1006,
                    by_user: true,
                };
            } else {
                self.retry_later(now, Some(&slot));
            }
            return;
        }
        if let (Some(_), Some(heartbeat)) = (slot.opened, self.policy.heartbeat.clone())
            && self.status != Status::Closing
            && now >= slot.next_ping
            && let Some(live) = self.socket.as_mut()
        {
            live.next_ping = now.saturating_add(heartbeat.interval);
            live.ping_at = Some(now);
            live.silent_since.get_or_insert(now);
            effects.push(Effect::Send {
                id: live.id,
                message: Message::Text(heartbeat.message),
            });
        }
    }

    fn retry_later(&mut self, now: Millis, slot: Option<&Slot>) {
        let uptime = slot
            .and_then(|s| s.opened)
            .map_or(0, |opened| now.saturating_sub(opened));
        if uptime >= self.policy.min_uptime {
            self.attempts = 0;
        }
        self.attempts += 1;
        if self
            .policy
            .max_attempts
            .is_some_and(|max| self.attempts > max)
        {
            self.status = Status::GaveUp;
            return;
        }
        let ceiling = self.policy.ceiling(self.attempts);
        let delay = if self.policy.jitter {
            let floor = ceiling / 2;
            floor + self.random_up_to(ceiling - floor)
        } else {
            ceiling
        };
        self.status = if self.offline {
            Status::Offline
        } else {
            Status::Waiting {
                attempt: self.attempts,
                at: now.saturating_add(delay),
            }
        };
    }

    /// Uniform in `[0, max]` (xorshift64*; jitter needs no more).
    fn random_up_to(&mut self, max: Millis) -> Millis {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let value = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
        value % max.saturating_add(1).max(1)
    }
}

/// What the application last heard of a [`Machine`], so that it hears each change once
/// (the driver asks after every input, most of which change nothing it shows).
#[derive(Debug, Clone, Default)]
pub struct Told(Option<(Status, usize, u64)>);

impl Told {
    /// What changed since the last call: the status, and the outbox as `(pending,
    /// dropped)`; everything, the first time.
    pub fn news(&mut self, machine: &Machine) -> (Option<Status>, Option<(usize, u64)>) {
        let now = (machine.status(), machine.pending(), machine.dropped());
        let before = self.0.replace(now);
        let status = before.is_none_or(|(status, ..)| status != now.0);
        let outbox =
            before.is_none_or(|(_, pending, dropped)| (pending, dropped) != (now.1, now.2));
        (status.then_some(now.0), outbox.then_some((now.1, now.2)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_change_is_told_once() {
        let mut sim = Sim::no_jitter();
        let mut told = Told::default();
        assert_eq!(told.news(&sim.machine), (Some(Status::Idle), Some((0, 0))));
        assert_eq!(told.news(&sim.machine), (None, None), "nothing new");
        sim.feed(Input::Send("queued".into()));
        assert_eq!(told.news(&sim.machine), (None, Some((1, 0))));
        sim.feed(Input::Connect);
        assert_eq!(
            told.news(&sim.machine),
            (Some(Status::Connecting { attempt: 0 }), None)
        );
        sim.feed(Input::Tick);
        assert_eq!(
            told.news(&sim.machine),
            (None, None),
            "a tick that changes nothing"
        );
        sim.open();
        assert_eq!(told.news(&sim.machine), (Some(Status::Open), Some((0, 0))));
    }

    /// The machine plus a record of the sockets its effects left alive.
    struct Sim {
        machine: Machine,
        now: Millis,
        alive: Vec<u64>,
        sent: Vec<(u64, String)>,
        pongs: Vec<Millis>,
    }

    impl Sim {
        fn new(policy: Policy) -> Self {
            Self {
                machine: Machine::new(policy, 12345),
                now: 0,
                alive: Vec::new(),
                sent: Vec::new(),
                pongs: Vec::new(),
            }
        }

        fn no_jitter() -> Self {
            Self::new(Policy {
                jitter: false,
                heartbeat: None,
                ..Policy::default()
            })
        }

        /// The default policy (heartbeat on) without jitter.
        fn with_heartbeat() -> Self {
            Self::new(Policy {
                jitter: false,
                ..Policy::default()
            })
        }

        fn feed(&mut self, input: Input) -> Vec<Effect> {
            let effects = self.machine.handle(self.now, input);
            for effect in &effects {
                match effect {
                    Effect::Open(id) => {
                        assert!(
                            self.alive.is_empty(),
                            "two sockets at once: {:?} + {id}",
                            self.alive
                        );
                        self.alive.push(*id);
                    }
                    Effect::Abandon(id) => self.alive.retain(|a| a != id),
                    Effect::Send { id, message } => self.sent.push((*id, message.to_string())),
                    Effect::Pong { rtt } => self.pongs.push(*rtt),
                    Effect::Close { .. } => {}
                }
            }
            effects
        }

        /// Advances virtual time to `at`, ticking at every deadline on the way.
        fn advance_to(&mut self, at: Millis) {
            while let Some(deadline) = self.machine.deadline() {
                if deadline > at {
                    break;
                }
                self.now = self.now.max(deadline);
                self.feed(Input::Tick);
            }
            self.now = at;
            self.feed(Input::Tick);
        }

        fn socket(&self) -> u64 {
            self.machine.socket().expect("a socket")
        }

        fn open(&mut self) {
            let id = self.socket();
            self.feed(Input::Opened(id));
        }

        fn drop_with(&mut self, code: u16) {
            let id = self.socket();
            self.alive.retain(|a| *a != id);
            self.feed(Input::Closed { id, code });
        }

        fn waiting_delay(&self) -> Option<Millis> {
            match self.machine.status() {
                Status::Waiting { at, .. } => Some(at - self.now),
                _ => None,
            }
        }
    }

    #[test]
    fn the_api_references_schedule_without_jitter_then_gives_up() {
        let mut sim = Sim::no_jitter();
        sim.feed(Input::Connect);
        let mut delays = Vec::new();
        for _ in 0..5 {
            sim.drop_with(1006);
            let delay = sim.waiting_delay().expect("waiting");
            delays.push(delay);
            sim.advance_to(sim.now + delay);
            assert!(matches!(sim.machine.status(), Status::Connecting { .. }));
        }
        assert_eq!(delays, [1_000, 2_000, 4_000, 8_000, 16_000]);
        sim.drop_with(1006);
        assert_eq!(sim.machine.status(), Status::GaveUp);
        assert_eq!(
            sim.machine.policy().schedule(),
            [1_000, 2_000, 4_000, 8_000, 16_000]
        );
    }

    #[test]
    fn jitter_stays_in_the_upper_half_of_the_ceiling_and_under_the_cap() {
        let policy = Policy {
            max_attempts: None,
            heartbeat: None,
            ..Policy::default()
        };
        let mut sim = Sim::new(policy.clone());
        sim.feed(Input::Connect);
        let (mut seen_low, mut seen_high) = (false, false);
        for attempt in 1..=40u32 {
            sim.drop_with(1006);
            let delay = sim.waiting_delay().expect("waiting");
            let ceiling = policy.ceiling(attempt);
            assert!(
                (ceiling / 2..=ceiling).contains(&delay),
                "attempt {attempt}: {delay} outside [{}, {ceiling}]",
                ceiling / 2
            );
            assert!(ceiling <= 30_000);
            seen_low |= delay < ceiling * 3 / 4;
            seen_high |= delay > ceiling * 3 / 4;
            sim.advance_to(sim.now + delay);
        }
        assert!(seen_low && seen_high, "jitter spreads the delays");
        assert_eq!(policy.ceiling(40), 30_000);
    }

    #[test]
    fn an_outage_shorter_than_half_the_schedule_never_exhausts_the_default_policy() {
        // Full jitter could spend all five attempts inside a 3 s restart; with the lower half
        // cut off the fifth comes 15.5 s after the drop at the earliest, whatever the draws.
        let outage = 15_499;
        for seed in 0..2_000 {
            let mut sim = Sim::new(Policy {
                heartbeat: None,
                ..Policy::default()
            });
            sim.machine = Machine::new(sim.machine.policy().clone(), seed);
            sim.feed(Input::Connect);
            sim.open();
            sim.drop_with(1012);
            loop {
                let delay = sim.waiting_delay().expect("still retrying");
                sim.advance_to(sim.now + delay);
                if sim.now > outage {
                    break;
                }
                // Refused while the server is away.
                sim.drop_with(1006);
            }
            sim.open();
            assert_eq!(sim.machine.status(), Status::Open, "seed {seed}");
        }
    }

    #[test]
    fn without_backoff_every_retry_waits_the_base_delay() {
        let mut sim = Sim::new(Policy {
            backoff: false,
            jitter: false,
            max_attempts: None,
            heartbeat: None,
            ..Policy::default()
        });
        assert_eq!(sim.machine.policy().schedule(), [1_000; 10]);
        sim.feed(Input::Connect);
        for _ in 0..12 {
            sim.drop_with(1006);
            assert_eq!(sim.waiting_delay(), Some(1_000));
            sim.advance_to(sim.now + 1_000);
        }
    }

    #[test]
    fn the_count_resets_only_after_the_minimum_uptime() {
        let mut sim = Sim::no_jitter();
        sim.feed(Input::Connect);
        sim.drop_with(1006); // attempt 1: 1 s
        sim.advance_to(sim.now + 1_000);
        sim.open();
        sim.advance_to(sim.now + 1_000); // up 1 s only
        sim.drop_with(1006);
        assert_eq!(
            sim.waiting_delay(),
            Some(2_000),
            "short uptime: the count goes on"
        );
        sim.advance_to(sim.now + 2_000);
        sim.open();
        sim.advance_to(sim.now + 6_000); // up 6 s
        sim.drop_with(1001);
        assert_eq!(
            sim.waiting_delay(),
            Some(1_000),
            "long uptime: back to the start"
        );
    }

    #[test]
    fn close_codes_decide() {
        for (code, retries) in [
            (1000, false),
            (1008, false),
            (4000, false),
            (4099, false),
            (1002, false),
            (1001, true),
            (1006, true),
            (1011, true),
            (1012, true),
            (1013, true),
            (4100, true),
        ] {
            let mut sim = Sim::no_jitter();
            sim.feed(Input::Connect);
            sim.open();
            sim.drop_with(code);
            assert_eq!(
                matches!(sim.machine.status(), Status::Waiting { .. }),
                retries,
                "code {code}: {:?}",
                sim.machine.status()
            );
        }
    }

    #[test]
    fn the_users_close_never_reconnects_whatever_the_code() {
        let mut sim = Sim::no_jitter();
        sim.feed(Input::Connect);
        sim.open();
        let effects = sim.feed(Input::Close {
            code: 1000,
            reason: "Client closing".into(),
        });
        assert!(
            matches!(&effects[..], [Effect::Close { code: 1000, reason, .. }] if reason == "Client closing")
        );
        sim.drop_with(1006); // the close went badly: still no reconnect
        assert_eq!(
            sim.machine.status(),
            Status::Closed {
                code: 1006,
                by_user: true
            }
        );
        sim.advance_to(sim.now + 120_000);
        assert!(sim.machine.socket().is_none());
        assert_eq!(sim.machine.deadline(), None);
    }

    #[test]
    fn an_open_that_crosses_the_users_close_sends_nothing() {
        let mut sim = Sim::with_heartbeat();
        sim.feed(Input::Connect);
        sim.feed(Input::Send("queued".into()));
        sim.feed(Input::Close {
            code: 1000,
            reason: String::new(),
        });
        // The open event was already queued behind the close.
        sim.open();
        assert_eq!(sim.machine.status(), Status::Closing);
        assert!(sim.sent.is_empty(), "{:?}", sim.sent);
        assert_eq!(sim.machine.pending(), 1, "kept for the next connection");
        // No heartbeat on a closing socket.
        sim.advance_to(sim.now + 1_000);
        assert!(sim.sent.is_empty(), "{:?}", sim.sent);

        // The next connection delivers what was queued.
        sim.drop_with(1000);
        sim.feed(Input::Connect);
        sim.open();
        assert_eq!(sim.sent.last().map(|(_, t)| t.as_str()), Some("queued"));
    }

    #[test]
    fn a_close_handshake_that_never_ends_is_given_up_without_spinning() {
        let mut sim = Sim::with_heartbeat();
        sim.feed(Input::Connect);
        sim.open();
        sim.advance_to(5_000);
        sim.feed(Input::Close {
            code: 1000,
            reason: String::new(),
        });
        sim.sent.clear();
        // The peer never answers the close. The machine's next deadline is always ahead
        // (a deadline in the past would be a timer firing at once, for ever).
        let timeout = Heartbeat::default().timeout;
        let mut ticks = 0;
        while let Some(deadline) = sim.machine.deadline() {
            assert!(
                deadline > sim.now,
                "a deadline in the past: {deadline} at {}",
                sim.now
            );
            sim.now = deadline;
            sim.feed(Input::Tick);
            ticks += 1;
            assert!(ticks < 10, "still closing after {ticks} ticks");
        }
        assert_eq!(
            sim.machine.status(),
            Status::Closed {
                code: 1006,
                by_user: true
            }
        );
        assert_eq!(sim.now, 5_000 + timeout);
        assert!(
            sim.sent.is_empty(),
            "no pings while closing: {:?}",
            sim.sent
        );
    }

    #[test]
    fn closing_while_waiting_cancels_the_retry() {
        let mut sim = Sim::no_jitter();
        sim.feed(Input::Connect);
        sim.drop_with(1006);
        sim.feed(Input::Close {
            code: 1000,
            reason: String::new(),
        });
        sim.advance_to(sim.now + 60_000);
        assert!(sim.machine.socket().is_none());
    }

    #[test]
    fn a_silent_connection_is_abandoned_after_the_pong_timeout_and_replaced() {
        let mut sim = Sim::with_heartbeat();
        sim.feed(Input::Connect);
        sim.open();
        let first = sim.socket();
        sim.advance_to(30_000);
        assert_eq!(sim.sent, [(first, "ping".to_owned())]);
        // The server answers within the timeout: alive, and the round trip is measured.
        sim.now = 30_040;
        sim.feed(Input::Frame {
            id: first,
            text: Some("pong".into()),
        });
        assert_eq!(sim.pongs, [40]);
        // Next ping goes unanswered: dead after 10 s, abandoned, retried after 1 s.
        sim.advance_to(60_000 + 9_999);
        assert_eq!(sim.machine.socket(), Some(first));
        sim.advance_to(70_000);
        assert!(sim.alive.is_empty(), "the dead socket was abandoned");
        assert_eq!(sim.waiting_delay(), Some(1_000));
        sim.advance_to(71_000);
        assert_ne!(sim.machine.socket(), Some(first));
    }

    #[test]
    fn any_frame_counts_as_life() {
        let mut sim = Sim::with_heartbeat();
        sim.feed(Input::Connect);
        sim.open();
        let id = sim.socket();
        sim.advance_to(30_000);
        sim.now = 35_000;
        sim.feed(Input::Frame {
            id,
            text: Some("some data".into()),
        });
        sim.advance_to(45_000);
        assert_eq!(sim.machine.status(), Status::Open);
        assert!(sim.pongs.is_empty(), "only the reply measures a round trip");
    }

    #[test]
    fn a_connection_that_never_opens_times_out_and_retries() {
        let mut sim = Sim::no_jitter();
        sim.feed(Input::Connect);
        let first = sim.socket();
        sim.advance_to(10_000);
        assert!(sim.alive.is_empty());
        assert_eq!(sim.waiting_delay(), Some(1_000));
        // The abandoned socket's late events change nothing.
        sim.feed(Input::Opened(first));
        sim.feed(Input::Closed {
            id: first,
            code: 1000,
        });
        assert_eq!(sim.waiting_delay(), Some(1_000));
    }

    #[test]
    fn events_of_a_replaced_socket_are_ignored() {
        let mut sim = Sim::no_jitter();
        sim.feed(Input::Connect);
        let first = sim.socket();
        sim.drop_with(1006);
        sim.advance_to(sim.now + 1_000);
        let second = sim.socket();
        assert_ne!(first, second);
        sim.feed(Input::Opened(first));
        assert!(matches!(sim.machine.status(), Status::Connecting { .. }));
        sim.open();
        sim.feed(Input::Closed {
            id: first,
            code: 1006,
        });
        assert_eq!(sim.machine.status(), Status::Open);
    }

    #[test]
    fn never_two_sockets_whatever_happens() {
        // A deterministic storm of inputs; `Sim::feed` asserts on every Open.
        let mut sim = Sim::new(Policy {
            max_attempts: None,
            connect_timeout: 3_000,
            heartbeat: Some(Heartbeat {
                interval: 2_000,
                timeout: 1_000,
                ..Heartbeat::default()
            }),
            ..Policy::default()
        });
        let mut seed = 7u64;
        for _ in 0..5_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let socket = sim.machine.socket();
            let pick = (seed >> 33) % 10;
            let input = match (pick, socket) {
                (0, _) => Input::Connect,
                (1, Some(id)) => Input::Opened(id),
                (2, Some(id)) => {
                    sim.alive.retain(|a| *a != id);
                    Input::Closed { id, code: 1006 }
                }
                (3, Some(id)) => Input::Opened(id.saturating_sub(1)),
                (4, _) => Input::Offline,
                (5, _) => Input::Online,
                (6, _) => Input::Visible,
                (7, _) => Input::Send("x".into()),
                _ => {
                    sim.now += (seed >> 40) % 5_000;
                    Input::Tick
                }
            };
            sim.feed(input);
            assert!(sim.alive.len() <= 1);
        }
    }

    #[test]
    fn the_outbox_keeps_order_drops_the_oldest_and_flushes_on_open() {
        let mut sim = Sim::new(Policy {
            outbox_capacity: 3,
            heartbeat: None,
            jitter: false,
            ..Policy::default()
        });
        sim.feed(Input::Connect);
        for text in ["a", "b", "c", "d"] {
            sim.feed(Input::Send(text.into()));
        }
        assert_eq!(sim.machine.pending(), 3);
        assert_eq!(sim.machine.dropped(), 1);
        sim.open();
        let id = sim.socket();
        let sent: Vec<_> = sim.sent.iter().map(|(i, t)| (*i, t.as_str())).collect();
        assert_eq!(sent, [(id, "b"), (id, "c"), (id, "d")]);
        assert_eq!(sim.machine.pending(), 0);
        sim.feed(Input::Send("e".into()));
        assert_eq!(sim.sent.last(), Some(&(id, "e".to_owned())));
    }

    #[test]
    fn offline_pauses_retries_and_online_retries_at_once_with_the_backoff_reset() {
        let mut sim = Sim::no_jitter();
        sim.feed(Input::Connect);
        for _ in 0..3 {
            sim.drop_with(1006);
            let delay = sim.waiting_delay().expect("waiting");
            sim.advance_to(sim.now + delay);
        }
        sim.feed(Input::Offline);
        sim.drop_with(1006);
        assert_eq!(sim.machine.status(), Status::Offline);
        sim.advance_to(sim.now + 600_000);
        assert!(sim.machine.socket().is_none(), "no retry while offline");
        sim.feed(Input::Online);
        assert!(matches!(
            sim.machine.status(),
            Status::Connecting { attempt: 0 }
        ));
        sim.drop_with(1006);
        assert_eq!(sim.waiting_delay(), Some(1_000), "backoff reset");
        // A tab coming back also retries at once.
        sim.feed(Input::Visible);
        assert!(matches!(sim.machine.status(), Status::Connecting { .. }));
    }
}
