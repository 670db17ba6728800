//! The parallel demo's state: the connection's phase, the address the server sees, the two
//! streams counted, and one timeline where they interleave. A pure reducer.

use std::rc::Rc;

use wslab_protocol::parallel::ParallelEvent;
use wslab_socket::close::code_name;
use yew::{AttrValue, Reducible};

use crate::widgets::log::{Log, LogKind};
use wslab_socket::{Message, ReadyState, SocketError, SocketEvent};

/// The demo as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParallelState {
    /// Where the connection is, as the socket says.
    pub ready: ReadyState,
    /// The client's address as the server sees it (`host:port`, or the host alone behind
    /// a proxy), once told.
    pub address: Option<AttrValue>,
    /// The last tick's number.
    pub ticks: u64,
    /// Replies received on this connection.
    pub replies: u64,
    /// Both streams and the connection's events, in the order they came.
    pub log: Log,
    /// What screen readers are told (the log is not read out: it ticks every second): the
    /// address, the last reply, the close.
    pub announcement: AttrValue,
}

/// Everything that changes a [`ParallelState`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The user asked to connect and the socket was created.
    Connecting,
    /// An event from the socket.
    Socket(SocketEvent),
    /// The user sent this text.
    Sent(AttrValue),
    /// A request was refused before reaching the network.
    Refused(SocketError),
}

impl Reducible for ParallelState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        if matches!(action, Action::Socket(SocketEvent::Buffered(_))) {
            return self;
        }
        let mut next = Rc::unwrap_or_clone(self);
        match action {
            Action::Connecting => {
                next.address = None;
                next.ticks = 0;
                next.replies = 0;
                next.log.push(LogKind::Info, "connecting…");
            }
            Action::Socket(event) => next.apply(event),
            Action::Sent(text) => next.log.push(LogKind::Sent, format!("→ {text}")),
            Action::Refused(error) => {
                next.log.push(LogKind::Error, error.to_string());
            }
        }
        Rc::new(next)
    }
}

impl ParallelState {
    fn apply(&mut self, event: SocketEvent) {
        match event {
            SocketEvent::Ready(state) => self.ready = state,
            SocketEvent::Open { .. } => self.log.push(LogKind::Info, "open"),
            SocketEvent::Message(Message::Text(text)) => {
                match crate::lean::wire::parallel_event(&text) {
                    Some(event) => self.on_event(event),
                    None => self.log.push(LogKind::Received, text),
                }
            }
            SocketEvent::Message(bytes @ Message::Bytes(_)) => {
                self.log.push(LogKind::Received, bytes.to_string());
            }
            SocketEvent::Buffered(_) => {}
            SocketEvent::Error => self.log.push(LogKind::Error, "connection error"),
            SocketEvent::Close(close) => {
                let line = format!("closed: {} ({})", close.code, code_name(close.code));
                self.announcement = line.clone().into();
                let kind = if close.was_clean {
                    LogKind::Info
                } else {
                    LogKind::Error
                };
                self.log.push(kind, line);
            }
            SocketEvent::Failed(error) => self.log.push(LogKind::Error, error.to_string()),
            // What only reliable sockets say, and what frames as they are never are.
            SocketEvent::Status(_)
            | SocketEvent::Pong { .. }
            | SocketEvent::Outbox { .. }
            | SocketEvent::Abandoned
            | SocketEvent::Undecoded(_) => {}
        }
    }

    fn on_event(&mut self, event: ParallelEvent) {
        match event {
            ParallelEvent::Address { host, port } => {
                let address = match port {
                    Some(port) if host.contains(':') => format!("[{host}]:{port}"),
                    Some(port) => format!("{host}:{port}"),
                    None => host,
                };
                let line = format!("the server sees you as {address}");
                self.announcement = line.clone().into();
                self.log.push(LogKind::Info, line);
                self.address = Some(address.into());
            }
            ParallelEvent::Tick { n } => {
                self.ticks = n;
                self.log.push(LogKind::Received, format!("⏱ tick {n}"));
            }
            ParallelEvent::Reply { text, after_tick } => {
                self.replies += 1;
                let line = format!("↩ reply \"{text}\" (after tick {after_tick})");
                self.announcement = line.clone().into();
                self.log.push(LogKind::Received, line);
            }
            ParallelEvent::Error { message } => self.log.push(LogKind::Error, message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wslab_socket::CloseEvent;

    fn text(frame: &str) -> Action {
        Action::Socket(SocketEvent::Message(Message::Text(frame.to_owned())))
    }

    fn lines(state: &ParallelState) -> Vec<&str> {
        state.log.entries().map(|e| e.text.as_str()).collect()
    }

    #[test]
    fn both_streams_interleave_on_one_timeline() {
        let state = [
            Action::Connecting,
            Action::Socket(SocketEvent::Open {
                url: "ws://127.0.0.1:8080/parallel".into(),
                protocol: String::new(),
            }),
            text(r#"{"type":"address","host":"127.0.0.1","port":50123}"#),
            text(r#"{"type":"tick","n":1}"#),
            Action::Sent("bonjour".into()),
            text(r#"{"type":"reply","text":"bonjour","after_tick":1}"#),
            text(r#"{"type":"tick","n":2}"#),
            text("not json"),
            Action::Socket(SocketEvent::Close(CloseEvent {
                code: 1000,
                reason: String::new(),
                was_clean: true,
            })),
        ]
        .into_iter()
        .fold(Rc::new(ParallelState::default()), |state, action| {
            state.reduce(action)
        });
        assert_eq!(
            lines(&state),
            [
                "connecting…",
                "open",
                "the server sees you as 127.0.0.1:50123",
                "⏱ tick 1",
                "→ bonjour",
                "↩ reply \"bonjour\" (after tick 1)",
                "⏱ tick 2",
                "not json",
                "closed: 1000 (Normal Closure)",
            ]
        );
        assert_eq!((state.ticks, state.replies), (2, 1));
        assert_eq!(state.address.as_deref(), Some("127.0.0.1:50123"));
        assert_eq!(state.ready, ReadyState::Closed);
        assert_eq!(state.announcement, "closed: 1000 (Normal Closure)");
    }

    #[test]
    fn a_forwarded_or_ipv6_address_reads_as_written_and_a_new_connection_starts_over() {
        let state = Rc::new(ParallelState::default()).reduce(text(
            r#"{"type":"address","host":"203.0.113.7","port":null}"#,
        ));
        assert_eq!(state.address.as_deref(), Some("203.0.113.7"));
        let state = state.reduce(text(r#"{"type":"address","host":"::1","port":4000}"#));
        assert_eq!(state.address.as_deref(), Some("[::1]:4000"));
        let state = state
            .reduce(text(r#"{"type":"tick","n":9}"#))
            .reduce(Action::Connecting)
            .reduce(Action::Socket(SocketEvent::Ready(ReadyState::Connecting)));
        assert_eq!(
            (state.ticks, state.replies, state.address.clone()),
            (0, 0, None)
        );
        assert_eq!(state.ready, ReadyState::Connecting);
    }

    #[test]
    fn buffered_amounts_skip_the_render() {
        let state = Rc::new(ParallelState::default());
        let same = Rc::clone(&state).reduce(Action::Socket(SocketEvent::Buffered(12)));
        assert!(Rc::ptr_eq(&state, &same));
    }
}
