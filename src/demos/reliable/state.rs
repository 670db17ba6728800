//! The reliable demo's state: the latest snapshot of the connection and a timeline built
//! from its events. A pure reducer.

use crate::lean::decimal::seconds;
use std::rc::Rc;

use wslab_socket::close::code_name;
use yew::{AttrValue, Reducible};

use crate::widgets::log::{Log, LogKind};
use wslab_socket::{
    Message, ReliableEvent, Snapshot, SocketEvent,
    reconnect::{Millis, Status},
};

/// The demo as the page shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReliableView {
    /// The latest snapshot (none before the first event).
    pub snapshot: Option<Snapshot>,
    /// What happened, oldest first.
    pub timeline: Log,
    /// The server refused the restart drill (its `--drills` does not allow this client), so
    /// the page stops offering it until the page is pointed at another server.
    pub drill_refused: bool,
    /// Time of the first event, the timeline's zero.
    started: Option<Millis>,
    /// The last time seen on any snapshot.
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

    fn on_state(&mut self, snapshot: Snapshot, max_attempts: Option<u32>) {
        let before = self.snapshot.take();
        let moved = before
            .as_ref()
            .is_none_or(|b| !same_phase(b.status, snapshot.status));
        if moved {
            let text = match snapshot.status {
                Status::Connecting { attempt: 0 } => "connecting".to_owned(),
                Status::Connecting { attempt } => format!("connecting (attempt {attempt})"),
                Status::Waiting { attempt, at } => format!(
                    "reconnecting in {} s (attempt {attempt} of {})",
                    seconds(at.saturating_sub(snapshot.now), 1),
                    max_attempts.map_or("∞".to_owned(), |m| m.to_string())
                ),
                other => describe(other, snapshot.now),
            };
            let kind = match snapshot.status {
                Status::GaveUp => LogKind::Error,
                _ => LogKind::Info,
            };
            self.line(snapshot.now, kind, text);
        }
        let before_rtts = before
            .as_ref()
            .map(|b| b.rtts.as_slice())
            .unwrap_or_default();
        // A new round trip: the list grew, or (full) its last value changed.
        let new_rtt = snapshot.rtts.len() > before_rtts.len()
            || (snapshot.rtts.len() == before_rtts.len()
                && snapshot.rtts.last() != before_rtts.last());
        if new_rtt && let Some(rtt) = snapshot.rtts.last() {
            self.line(
                snapshot.now,
                LogKind::Received,
                format!("Heartbeat response received in {rtt} ms"),
            );
        }
        self.last_now = snapshot.now;
        self.snapshot = Some(snapshot);
    }
}

/// Same phase: waiting for a different deadline is a new line, a new countdown is not.
fn same_phase(a: Status, b: Status) -> bool {
    match (a, b) {
        (Status::Waiting { attempt: x, .. }, Status::Waiting { attempt: y, .. }) => x == y,
        _ => a == b,
    }
}

/// Everything that changes a [`ReliableView`].
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// An event from the connection, with the policy's attempt limit for the wording.
    Event(ReliableEvent, Option<u32>),
    /// The user did something worth a line.
    Note(AttrValue),
    /// The page now talks to another server: what the last one refused may be allowed.
    NewServer,
}

impl Reducible for ReliableView {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        if action == Action::NewServer && !self.drill_refused {
            return self;
        }
        let mut next = Rc::unwrap_or_clone(self);
        let at = next.last_now;
        match action {
            Action::Event(ReliableEvent::State(snapshot), max) => next.on_state(snapshot, max),
            Action::Event(ReliableEvent::Socket { id, event }, _) => match event {
                SocketEvent::Open { .. } => {
                    next.line(at, LogKind::Info, format!("socket #{id} open"))
                }
                SocketEvent::Close(close) => next.line(
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
                SocketEvent::Error => next.line(at, LogKind::Error, format!("socket #{id} error")),
                SocketEvent::Failed(error) => {
                    next.line(at, LogKind::Error, format!("socket #{id}: {error}"))
                }
                SocketEvent::Message(_) | SocketEvent::Buffered(_) => {}
            },
            Action::Event(ReliableEvent::Abandoned(id), _) => next.line(
                at,
                LogKind::Error,
                format!("socket #{id} abandoned: no answer in time"),
            ),
            Action::Event(ReliableEvent::Message(message), _) => {
                let text = match message {
                    Message::Text(text) => text,
                    bytes @ Message::Bytes(_) => bytes.to_string(),
                };
                match crate::lean::wire::fault_refused(&text) {
                    Some(refused) => {
                        next.drill_refused |= refused.fault == "restart";
                        next.line(
                            at,
                            LogKind::Error,
                            format!("the server refused {}: {}", refused.fault, refused.message),
                        );
                    }
                    None => next.line(at, LogKind::Received, text),
                }
            }
            Action::Note(text) => next.line(at, LogKind::Sent, text.to_string()),
            Action::NewServer => next.drill_refused = false,
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wslab_socket::CloseEvent;

    fn snapshot(status: Status, now: Millis) -> Action {
        Action::Event(
            ReliableEvent::State(Snapshot {
                status,
                pending: 0,
                dropped: 0,
                rtts: Vec::new(),
                now,
            }),
            Some(5),
        )
    }

    fn lines(view: &ReliableView) -> Vec<String> {
        view.timeline
            .entries()
            .map(|e| e.text.to_string())
            .collect()
    }

    #[test]
    fn the_timeline_tells_a_drop_and_a_recovery() {
        let view = [
            snapshot(Status::Connecting { attempt: 0 }, 1_000),
            Action::Event(
                ReliableEvent::Socket {
                    id: 1,
                    event: SocketEvent::Open {
                        url: String::new(),
                        protocol: String::new(),
                    },
                },
                Some(5),
            ),
            snapshot(Status::Open, 1_010),
            Action::Event(
                ReliableEvent::Socket {
                    id: 1,
                    event: SocketEvent::Close(CloseEvent {
                        code: 1006,
                        reason: String::new(),
                        was_clean: false,
                    }),
                },
                Some(5),
            ),
            snapshot(
                Status::Waiting {
                    attempt: 1,
                    at: 3_000,
                },
                2_000,
            ),
            snapshot(
                Status::Waiting {
                    attempt: 1,
                    at: 3_000,
                },
                2_500,
            ),
            snapshot(Status::Connecting { attempt: 1 }, 3_000),
            snapshot(Status::Open, 3_020),
        ]
        .into_iter()
        .fold(Rc::new(ReliableView::default()), |view, action| {
            view.reduce(action)
        });
        assert_eq!(
            lines(&view),
            [
                "+  0.000 s  connecting",
                "+  0.000 s  socket #1 open",
                "+  0.010 s  open",
                "+  0.010 s  socket #1 closed: code 1006 (Abnormal Closure), wasClean false, reason \"\"",
                "+  1.000 s  reconnecting in 1.0 s (attempt 1 of 5)",
                "+  2.000 s  connecting (attempt 1)",
                "+  2.020 s  open",
            ]
        );
    }

    #[test]
    fn a_refused_drill_is_logged_as_an_error_and_disables_the_drill_until_another_server() {
        let message = |text: &str| {
            Action::Event(
                ReliableEvent::Message(Message::Text(text.to_owned())),
                Some(5),
            )
        };
        let view = Rc::new(ReliableView::default());
        // An acknowledgement, a plain error (a malformed fault) and a refusal of another
        // fault leave the drill offered.
        let view = [
            message(r#"{"type":"fault","fault":{"fault":"mute","seconds":10}}"#),
            message(r#"{"type":"error","message":"mute needs \"seconds\""}"#),
            message(r#"{"type":"error","fault":"mute","message":"no"}"#),
        ]
        .into_iter()
        .fold(view, |view, action| view.reduce(action));
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
        let same = view.clone().reduce(snapshot(Status::Open, 10));
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
