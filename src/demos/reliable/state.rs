//! The reliable demo's state: where the connection is, its outbox and round trips, and a
//! timeline built from its events. A pure reducer; the component stamps each event with the
//! time it arrived.

use crate::lean::decimal::seconds;
use std::{collections::VecDeque, rc::Rc};

use wslab_socket::close::code_name;
use yew::{AttrValue, Reducible};

use crate::widgets::log::{Log, LogKind};
use wslab_socket::{
    Message, SocketEvent,
    reconnect::{Millis, Policy, Status},
};

/// Round trips kept for the sparkline.
pub const RTT_KEPT: usize = 30;

/// The retry schedule as the page shows it: `0.5–1 s, 1–2 s, …, then give up` with jitter
/// (each delay is drawn in its range), `1 s, 2 s, …` without; without a limit, the first
/// ten and `and so on`.
pub fn plan(policy: &Policy) -> String {
    let secs = |ms: Millis| {
        if ms.is_multiple_of(1000) {
            (ms / 1000).to_string()
        } else {
            seconds(ms, 1)
        }
    };
    let steps = policy
        .schedule()
        .iter()
        .map(|&ceiling| {
            if policy.jitter {
                format!("{}–{} s", secs(ceiling / 2), secs(ceiling))
            } else {
                format!("{} s", secs(ceiling))
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    match policy.max_attempts {
        Some(_) => format!("{steps}, then give up"),
        None => format!("{steps}, and so on"),
    }
}

/// The demo as the page shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReliableView {
    /// Where the connection is (`Idle` before the first event).
    pub status: Option<Status>,
    /// Messages waiting for a connection.
    pub pending: usize,
    /// Messages dropped because the outbox was full.
    pub dropped: u64,
    /// The last round trips, oldest first, at most [`RTT_KEPT`].
    pub rtts: VecDeque<Millis>,
    /// What happened, oldest first.
    pub timeline: Log,
    /// The server refused the restart drill (its `--drills` does not allow this client), so
    /// the page stops offering it until the page is pointed at another server.
    pub drill_refused: bool,
    /// Sockets opened so far: the machine opens one each time it starts connecting, so
    /// this numbers them in the timeline.
    sockets: u64,
    /// Time of the first event, the timeline's zero.
    started: Option<Millis>,
    /// The time of the last event.
    last_now: Millis,
}

/// A status in words, for `#reliable-status`.
pub fn describe(status: Status, now: Millis) -> String {
    match status {
        Status::Idle => "idle".into(),
        Status::Connecting { .. } => "connecting".into(),
        Status::Open => "open".into(),
        Status::Closing => "closing".into(),
        Status::Waiting { at, .. } => {
            format!("reconnecting in {} s", seconds(at.saturating_sub(now), 1))
        }
        Status::Offline => "offline: waiting for the network".into(),
        Status::GaveUp => "gave up".into(),
        Status::Closed { code, by_user } => {
            if by_user {
                format!("closed ({code})")
            } else {
                format!(
                    "closed by the server ({code} {}): not retrying",
                    code_name(code)
                )
            }
        }
    }
}

impl ReliableView {
    fn line(&mut self, at: Millis, kind: LogKind, text: impl Into<String>) {
        let zero = *self.started.get_or_insert(at);
        let elapsed = seconds(at.saturating_sub(zero), 3);
        self.timeline
            .push(kind, format!("+{elapsed:>7} s  {}", text.into()));
    }

    fn on_status(&mut self, at: Millis, status: Status, max_attempts: Option<u32>) {
        if let Status::Connecting { .. } = status {
            self.sockets += 1;
        }
        let text = match status {
            Status::Connecting { attempt: 0 } => "connecting".to_owned(),
            Status::Connecting { attempt } => format!("connecting (attempt {attempt})"),
            Status::Waiting { attempt, at: when } => format!(
                "reconnecting in {} s (attempt {attempt} of {})",
                seconds(when.saturating_sub(at), 1),
                max_attempts.map_or("∞".to_owned(), |m| m.to_string())
            ),
            other => describe(other, at),
        };
        let kind = match status {
            Status::GaveUp => LogKind::Error,
            _ => LogKind::Info,
        };
        self.line(at, kind, text);
        self.status = Some(status);
    }

    fn on_event(&mut self, at: Millis, event: SocketEvent, max_attempts: Option<u32>) {
        let id = self.sockets;
        match event {
            SocketEvent::Status(status) => self.on_status(at, status, max_attempts),
            SocketEvent::Pong { rtt } => {
                if self.rtts.len() == RTT_KEPT {
                    self.rtts.pop_front();
                }
                self.rtts.push_back(rtt);
                self.line(
                    at,
                    LogKind::Received,
                    format!("Heartbeat response received in {rtt} ms"),
                );
            }
            SocketEvent::Outbox { pending, dropped } => {
                self.pending = pending;
                self.dropped = dropped;
            }
            SocketEvent::Open { .. } => self.line(at, LogKind::Info, format!("socket #{id} open")),
            SocketEvent::Close(close) => self.line(
                at,
                if close.was_clean {
                    LogKind::Info
                } else {
                    LogKind::Error
                },
                format!(
                    "socket #{id} closed: code {} ({}), wasClean {}, reason \"{}\"",
                    close.code,
                    code_name(close.code),
                    close.was_clean,
                    close.reason
                ),
            ),
            SocketEvent::Error => self.line(at, LogKind::Error, format!("socket #{id} error")),
            SocketEvent::Failed(error) => {
                self.line(at, LogKind::Error, format!("socket #{id}: {error}"));
            }
            SocketEvent::Abandoned => self.line(
                at,
                LogKind::Error,
                format!("socket #{id} abandoned: no answer in time"),
            ),
            SocketEvent::Message(message) => {
                let text = match message {
                    Message::Text(text) => text,
                    bytes @ Message::Bytes(_) => bytes.to_string(),
                };
                match crate::lean::wire::fault_refused(&text) {
                    Some(refused) => {
                        self.drill_refused |= refused.fault == "restart";
                        self.line(
                            at,
                            LogKind::Error,
                            format!("the server refused {}: {}", refused.fault, refused.message),
                        );
                    }
                    None => self.line(at, LogKind::Received, text),
                }
            }
            // The status says where the connection is; a socket's own states add nothing.
            // (Frames come as they are: none fails to decode.)
            SocketEvent::Ready(_) | SocketEvent::Buffered(_) | SocketEvent::Undecoded(_) => {}
        }
        self.last_now = at;
    }
}

/// Everything that changes a [`ReliableView`].
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// An event from the connection, at time `at` (the socket layer's [`wslab_socket::clock_ms`]),
    /// with the policy's attempt limit for the wording.
    Event {
        /// What happened.
        event: SocketEvent,
        /// When it arrived.
        at: Millis,
        /// The policy's attempt limit.
        max_attempts: Option<u32>,
    },
    /// The user did something worth a line.
    Note(AttrValue),
    /// The connection refused what the user asked (a bad URL, a send with no connection).
    Refused(wslab_socket::SocketError),
    /// The page now talks to another server: what the last one refused may be allowed.
    NewServer,
}

impl Reducible for ReliableView {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        if action == Action::NewServer && !self.drill_refused {
            return self;
        }
        if let Action::Event {
            event: SocketEvent::Ready(_) | SocketEvent::Buffered(_),
            ..
        } = action
        {
            return self;
        }
        let mut next = Rc::unwrap_or_clone(self);
        match action {
            Action::Event {
                event,
                at,
                max_attempts,
            } => next.on_event(at, event, max_attempts),
            Action::Note(text) => {
                let at = next.last_now;
                next.line(at, LogKind::Sent, text.to_string());
            }
            Action::Refused(error) => {
                let at = next.last_now;
                next.line(at, LogKind::Error, format!("refused: {error}"));
            }
            Action::NewServer => next.drill_refused = false,
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wslab_socket::CloseEvent;

    #[test]
    fn the_plan_shows_each_delays_range() {
        assert_eq!(
            plan(&Policy::default()),
            "0.5–1 s, 1–2 s, 2–4 s, 4–8 s, 8–16 s, then give up"
        );
        let fixed = Policy {
            jitter: false,
            max_attempts: Some(2),
            ..Policy::default()
        };
        assert_eq!(plan(&fixed), "1 s, 2 s, then give up");
        let endless = Policy {
            max_attempts: None,
            ..fixed
        };
        assert!(
            plan(&endless).ends_with("16 s, 30 s, 30 s, 30 s, 30 s, 30 s, and so on"),
            "{}",
            plan(&endless)
        );
    }

    fn event(event: SocketEvent, at: Millis) -> Action {
        Action::Event {
            event,
            at,
            max_attempts: Some(5),
        }
    }

    fn status(status: Status, at: Millis) -> Action {
        event(SocketEvent::Status(status), at)
    }

    fn run(actions: impl IntoIterator<Item = Action>) -> Rc<ReliableView> {
        actions
            .into_iter()
            .fold(Rc::new(ReliableView::default()), |view, action| {
                view.reduce(action)
            })
    }

    fn lines(view: &ReliableView) -> Vec<String> {
        view.timeline
            .entries()
            .map(|e| e.text.to_string())
            .collect()
    }

    #[test]
    fn the_timeline_tells_a_drop_and_a_recovery() {
        let open = SocketEvent::Open {
            url: String::new(),
            protocol: String::new(),
        };
        let view = run([
            status(Status::Connecting { attempt: 0 }, 1_000),
            event(SocketEvent::Ready(wslab_socket::ReadyState::Open), 1_010),
            event(open.clone(), 1_010),
            status(Status::Open, 1_010),
            event(
                SocketEvent::Close(CloseEvent {
                    code: 1006,
                    reason: String::new(),
                    was_clean: false,
                }),
                2_000,
            ),
            status(
                Status::Waiting {
                    attempt: 1,
                    at: 3_000,
                },
                2_000,
            ),
            status(Status::Connecting { attempt: 1 }, 3_000),
            event(open, 3_020),
            status(Status::Open, 3_020),
        ]);
        assert_eq!(
            lines(&view),
            [
                "+  0.000 s  connecting",
                "+  0.010 s  socket #1 open",
                "+  0.010 s  open",
                "+  1.000 s  socket #1 closed: code 1006 (Abnormal Closure), wasClean false, reason \"\"",
                "+  1.000 s  reconnecting in 1.0 s (attempt 1 of 5)",
                "+  2.000 s  connecting (attempt 1)",
                "+  2.020 s  socket #2 open",
                "+  2.020 s  open",
            ]
        );
        assert_eq!(view.status, Some(Status::Open));
    }

    #[test]
    fn every_pong_is_logged_and_kept_even_when_the_sparkline_is_full_and_times_repeat() {
        // 40 replies of the same 12 ms: the page used to diff the machine's last 30 round
        // trips, so once full, a repeated time looked like no news and was never logged.
        let view = run((0..40).map(|n| event(SocketEvent::Pong { rtt: 12 }, 1_000 + n)));
        let logged = lines(&view)
            .iter()
            .filter(|l| l.ends_with("Heartbeat response received in 12 ms"))
            .count();
        assert_eq!(logged, 40);
        assert_eq!(view.rtts.len(), RTT_KEPT);
        let view = view.reduce(event(SocketEvent::Pong { rtt: 7 }, 2_000));
        assert_eq!(view.rtts.back(), Some(&7));
        assert_eq!(view.rtts.len(), RTT_KEPT);
    }

    #[test]
    fn the_outbox_and_the_status_are_what_the_socket_last_said() {
        let view = run([
            event(
                SocketEvent::Outbox {
                    pending: 3,
                    dropped: 1,
                },
                10,
            ),
            status(Status::Offline, 20),
        ]);
        assert_eq!((view.pending, view.dropped), (3, 1));
        assert_eq!(view.status, Some(Status::Offline));
        // A socket's own ready states and buffered amounts change nothing (no render).
        let same = Rc::clone(&view).reduce(event(
            SocketEvent::Ready(wslab_socket::ReadyState::Closed),
            30,
        ));
        assert!(Rc::ptr_eq(&view, &same));
    }

    #[test]
    fn a_refused_drill_is_logged_as_an_error_and_disables_the_drill_until_another_server() {
        let message = |text: &str| event(SocketEvent::Message(Message::Text(text.to_owned())), 10);
        // An acknowledgement, a plain error (a malformed fault) and a refusal of another
        // fault leave the drill offered.
        let view = run([
            message(r#"{"type":"fault","fault":{"fault":"mute","seconds":10}}"#),
            message(r#"{"type":"error","message":"mute needs \"seconds\""}"#),
            message(r#"{"type":"error","fault":"mute","message":"no"}"#),
        ]);
        assert!(!view.drill_refused);
        let view = view.reduce(message(
            r#"{"type":"error","fault":"restart","message":"restart drills are off on this server"}"#,
        ));
        assert!(view.drill_refused);
        let last = view.timeline.entries().last().expect("a line");
        assert_eq!(last.kind, LogKind::Error);
        assert!(
            last.text
                .ends_with("the server refused restart: restart drills are off on this server"),
            "{}",
            last.text
        );
        // The same server again changes nothing; another server may allow it.
        let same = view.clone().reduce(status(Status::Open, 10));
        assert!(same.drill_refused);
        let moved = same.reduce(Action::NewServer);
        assert!(!moved.drill_refused);
        let again = moved.clone().reduce(Action::NewServer);
        assert!(Rc::ptr_eq(&moved, &again), "a no-op keeps the same state");
    }

    #[test]
    fn statuses_read_as_words() {
        assert_eq!(
            describe(
                Status::Waiting {
                    attempt: 2,
                    at: 5_500
                },
                3_000
            ),
            "reconnecting in 2.5 s"
        );
        assert_eq!(describe(Status::GaveUp, 0), "gave up");
        assert_eq!(
            describe(
                Status::Closed {
                    code: 1000,
                    by_user: true
                },
                0
            ),
            "closed (1000)"
        );
        assert_eq!(
            describe(
                Status::Closed {
                    code: 4001,
                    by_user: false
                },
                0
            ),
            "closed by the server (4001 Private (application)): not retrying"
        );
    }
}
