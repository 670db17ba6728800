//! State of the echo page's two demos (Open/Send/Close and the one-shot hello): the
//! connection's ready state and properties, and a log of what happened. A pure reducer,
//! unit-tested natively.

use std::rc::Rc;

use yew::{AttrValue, Reducible};

use crate::widgets::log::{Log, LogKind};
use wslab_socket::{Message, ReadyState, SocketError, SocketEvent};

/// A connection as the demos show it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SocketLogState {
    /// `readyState`, as the events have told it.
    pub ready: ReadyState,
    /// The URL being connected to, then the browser's resolved URL once open.
    pub url: AttrValue,
    /// The negotiated subprotocol.
    pub protocol: AttrValue,
    /// The latest `bufferedAmount`.
    pub buffered: u32,
    /// Whether the current connection ever opened (an error before that means unreachable).
    pub opened: bool,
    /// What happened.
    pub log: Log,
}

/// Everything that changes a [`SocketLogState`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The user asked to connect to this URL and the socket was created.
    Connecting(AttrValue),
    /// An event from the socket.
    Socket(SocketEvent),
    /// The user sent this frame.
    Sent(Message),
    /// The user asked to close with this code and reason.
    Closing(u16, AttrValue),
    /// A request was refused before reaching the network (bad URL, a close code or reason
    /// the rules refuse…).
    Refused(SocketError),
    /// The close-code field does not hold a close code.
    BadCode(CodeFieldError),
}

/// What is wrong with the close-code field: a form's error, not the socket's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeFieldError {
    /// Something other than digits.
    #[error("close code \"{0}\" is not a number")]
    NotANumber(String),
    /// Digits beyond any close code (above 65535).
    #[error("close code {0} is not allowed: use 1000 or a code from 3000 to 4999")]
    OutOfRange(String),
}

impl SocketLogState {
    /// Whether Open may be pressed (the doc: only while closed).
    pub fn can_open(&self) -> bool {
        self.ready == ReadyState::Closed
    }

    /// Whether Send may be pressed (the doc: only while open).
    pub fn can_send(&self) -> bool {
        self.ready == ReadyState::Open
    }

    /// Whether Close may be pressed: while open, as in the doc, and also while connecting,
    /// so that a connect that hangs (an address that never answers) can be given up.
    pub fn can_close(&self) -> bool {
        matches!(self.ready, ReadyState::Connecting | ReadyState::Open)
    }
}

impl Reducible for SocketLogState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        if let Action::Socket(SocketEvent::Buffered(amount)) = action
            && amount == self.buffered
        {
            return self;
        }
        let mut next = (*self).clone();
        match action {
            Action::Connecting(url) => {
                next.log
                    .push(LogKind::Info, format!("Connecting to {url}…"));
                next.url = url;
                next.protocol = AttrValue::default();
                next.buffered = 0;
                next.opened = false;
            }
            Action::Socket(event) => next.apply(event),
            Action::Sent(message) => next.log.push(LogKind::Sent, message.to_string()),
            Action::Closing(code, reason) => {
                let text = if reason.is_empty() {
                    format!("Closing with code {code}…")
                } else {
                    format!("Closing with code {code}, reason \"{reason}\"…")
                };
                next.log.push(LogKind::Info, text);
            }
            Action::Refused(error) => {
                next.log
                    .push(LogKind::Error, capitalize(&error.to_string()));
            }
            Action::BadCode(error) => {
                next.log
                    .push(LogKind::Error, capitalize(&error.to_string()));
            }
        }
        Rc::new(next)
    }
}

impl SocketLogState {
    fn apply(&mut self, event: SocketEvent) {
        match event {
            SocketEvent::Ready(state) => self.ready = state,
            SocketEvent::Open { url, protocol } => {
                self.opened = true;
                let text = if protocol.is_empty() {
                    "Connection open".to_owned()
                } else {
                    format!("Connection open, subprotocol \"{protocol}\"")
                };
                self.url = url.into();
                self.protocol = protocol.into();
                self.log.push(LogKind::Info, text);
            }
            SocketEvent::Message(message) => {
                self.log.push(LogKind::Received, message.to_string());
            }
            SocketEvent::Buffered(amount) => self.buffered = amount,
            // Closed while connecting: the browser reports the attempt as failed (an error,
            // then a close with 1006), but it was the user's doing.
            SocketEvent::Error if !self.opened && self.ready == ReadyState::Closing => {
                self.log.push(LogKind::Info, "Connection attempt cancelled");
            }
            SocketEvent::Error => {
                let text = if self.opened {
                    "Connection error".to_owned()
                } else {
                    format!(
                        "Could not connect to {}: is the server running and the address right?",
                        self.url
                    )
                };
                self.log.push(LogKind::Error, text);
            }
            SocketEvent::Close(close) => {
                self.buffered = 0;
                self.log
                    .push(LogKind::Info, format!("Connection closed: {close}"));
            }
            SocketEvent::Failed(error) => {
                self.log
                    .push(LogKind::Error, capitalize(&error.to_string()));
            }
            // What only reliable sockets say, and what frames as they are never are.
            SocketEvent::Status(_)
            | SocketEvent::Pong { .. }
            | SocketEvent::Outbox { .. }
            | SocketEvent::Abandoned
            | SocketEvent::Undecoded(_) => {}
        }
    }
}

/// Reads the close-code field: empty means 1000 (normal closure). Digits that do not fit
/// a code are refused as a code, not as "not a number".
///
/// # Errors
/// [`CodeFieldError::NotANumber`] for anything but digits, [`CodeFieldError::OutOfRange`]
/// for digits above 65535. (Which codes may be sent is checked when closing.)
pub fn parse_close_code(text: &str) -> Result<u16, CodeFieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(wslab_socket::close::NORMAL);
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CodeFieldError::NotANumber(text.into()));
    }
    text.parse()
        .map_err(|_| CodeFieldError::OutOfRange(text.into()))
}

/// Errors are lower-case English phrases; a log line starts with a capital. ASCII only:
/// the phrases are ours, and Unicode case tables would cost the app 6 KB gzipped.
fn capitalize(text: &str) -> String {
    let mut line = text.to_owned();
    if let Some(first) = line.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    line
}

/// The doc's four properties, live.
pub fn view_status(state: &SocketLogState, id: &'static str) -> yew::Html {
    use yew::html;
    html! {
        <dl {id} class="status">
            <dt>{ "readyState" }</dt>
            <dd data-field="ready-state">{ format!("{} ({})", state.ready.number(), state.ready.name()) }</dd>
            <dt>{ "url" }</dt>
            <dd data-field="url">{ state.url.clone() }</dd>
            <dt>{ "protocol" }</dt>
            <dd data-field="protocol">{ state.protocol.clone() }</dd>
            <dt>{ "bufferedAmount" }</dt>
            <dd data-field="buffered-amount">{ state.buffered }</dd>
        </dl>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wslab_socket::CloseEvent;

    #[test]
    fn a_log_line_starts_with_a_capital() {
        assert_eq!(capitalize("could not connect"), "Could not connect");
        assert_eq!(capitalize(""), "");
        // Only ASCII is raised; anything else is left as it came.
        assert_eq!(capitalize("élan"), "élan");
    }

    fn run(actions: impl IntoIterator<Item = Action>) -> Rc<SocketLogState> {
        actions
            .into_iter()
            .fold(Rc::new(SocketLogState::default()), |state, action| {
                state.reduce(action)
            })
    }

    fn texts(state: &SocketLogState) -> Vec<&str> {
        state.log.entries().map(|e| e.text.as_str()).collect()
    }

    fn ready(state: ReadyState) -> Action {
        Action::Socket(SocketEvent::Ready(state))
    }

    fn opened(protocol: &str) -> [Action; 2] {
        [
            ready(ReadyState::Open),
            Action::Socket(SocketEvent::Open {
                url: "ws://h/echo".into(),
                protocol: protocol.into(),
            }),
        ]
    }

    /// The close event, after the `Closed` the agent says first.
    fn close(code: u16, was_clean: bool) -> [Action; 2] {
        [
            ready(ReadyState::Closed),
            Action::Socket(SocketEvent::Close(CloseEvent {
                code,
                reason: String::new(),
                was_clean,
            })),
        ]
    }

    #[test]
    fn buttons_follow_the_docs_rules() {
        let start = SocketLogState::default();
        assert!(start.can_open() && !start.can_send());

        // The click logs the attempt; the socket, not the click, says it is connecting.
        let clicked = run([Action::Connecting("ws://h/echo".into())]);
        assert_eq!(clicked.ready, ReadyState::Closed);
        let connecting = clicked.reduce(ready(ReadyState::Connecting));
        assert!(!connecting.can_open() && !connecting.can_send());

        let open = opened("").into_iter().fold(connecting, |s, a| s.reduce(a));
        assert!(!open.can_open() && open.can_send());

        let closed = close(1000, true).into_iter().fold(open, |s, a| s.reduce(a));
        assert!(closed.can_open() && !closed.can_send());
    }

    #[test]
    fn a_connect_can_be_given_up_and_is_logged_as_such() {
        let connecting = run([
            Action::Connecting("ws://h/echo".into()),
            ready(ReadyState::Connecting),
        ]);
        assert!(connecting.can_close() && !connecting.can_send());
        let cancelled = [
            Action::Closing(1000, AttrValue::default()),
            ready(ReadyState::Closing),
            Action::Socket(SocketEvent::Error),
        ]
        .into_iter()
        .chain(close(1006, false))
        .fold(connecting, |s, a| s.reduce(a));
        assert!(cancelled.can_open() && !cancelled.can_close());
        let lines = texts(&cancelled);
        // Open, then closing: nothing may be pressed until the close event.
        let closing = run([Action::Connecting("ws://h/echo".into())]
            .into_iter()
            .chain(opened(""))
            .chain([
                Action::Closing(1000, AttrValue::default()),
                ready(ReadyState::Closing),
            ]));
        assert_eq!(closing.ready, ReadyState::Closing);
        assert!(!closing.can_send() && !closing.can_close() && !closing.can_open());
        assert!(lines.contains(&"Connection attempt cancelled"), "{lines:?}");
        assert!(
            !lines.iter().any(|l| l.starts_with("Could not connect")),
            "{lines:?}"
        );
    }

    #[test]
    fn close_codes_are_read_as_the_field_says() {
        assert_eq!(parse_close_code(""), Ok(1000));
        assert_eq!(parse_close_code(" 4000 "), Ok(4000));
        assert_eq!(
            parse_close_code("70000"),
            Err(CodeFieldError::OutOfRange("70000".into()))
        );
        assert_eq!(
            parse_close_code("abc"),
            Err(CodeFieldError::NotANumber("abc".into()))
        );
        assert_eq!(
            parse_close_code("-1"),
            Err(CodeFieldError::NotANumber("-1".into()))
        );
        // In range but not allowed: refused later, by the close request's own check.
        assert_eq!(parse_close_code("1001"), Ok(1001));
    }

    #[test]
    fn every_frame_of_a_burst_is_logged_in_order() {
        let frames =
            (0..50).map(|i| Action::Socket(SocketEvent::Message(Message::Text(i.to_string()))));
        let state = run(frames);
        let expected: Vec<String> = (0..50).map(|i| i.to_string()).collect();
        assert_eq!(texts(&state), expected);
    }

    #[test]
    fn unreachable_server_reads_as_such_and_returns_to_closed() {
        let state = run([
            Action::Connecting("ws://127.0.0.1:9/echo".into()),
            ready(ReadyState::Connecting),
            Action::Socket(SocketEvent::Error),
        ]
        .into_iter()
        .chain(close(1006, false)));
        assert!(state.can_open());
        assert_eq!(
            texts(&state)[1],
            "Could not connect to ws://127.0.0.1:9/echo: is the server running and the address right?"
        );
        assert_eq!(
            texts(&state)[2],
            "Connection closed: code 1006 (Abnormal Closure), not clean"
        );
    }

    #[test]
    fn a_bad_url_is_refused_without_leaving_closed() {
        let state = run([Action::Refused(SocketError::InvalidUrl {
            url: "nope".into(),
            problem: "it must start with ws:// or wss://".into(),
        })]);
        assert!(state.can_open());
        assert_eq!(
            texts(&state),
            ["Invalid URL \"nope\": it must start with ws:// or wss://"]
        );
    }

    #[test]
    fn a_bad_close_code_keeps_the_connection_open() {
        let open = run([Action::Connecting("ws://h/".into())]
            .into_iter()
            .chain(opened("chat")));
        assert_eq!(open.protocol, "chat");
        let refused = open.reduce(Action::Refused(SocketError::Close(
            wslab_socket::close::CloseRequestError::InvalidCode(1005),
        )));
        assert!(refused.can_send());
    }

    #[test]
    fn unchanged_buffered_amount_skips_the_render() {
        let state = Rc::new(SocketLogState::default());
        let same = Rc::clone(&state).reduce(Action::Socket(SocketEvent::Buffered(0)));
        assert!(Rc::ptr_eq(&state, &same));
        let changed = state.reduce(Action::Socket(SocketEvent::Buffered(12)));
        assert_eq!(changed.buffered, 12);
    }
}
