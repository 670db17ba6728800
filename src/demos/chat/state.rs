//! The chat's state and its pure reducer: every server frame becomes a line, a member
//! change, or nothing, exactly as the API reference's ChatApp would show it.

use std::rc::Rc;

use wslab_protocol::chat::{ChatEvent, ChatLine};
use yew::{AttrValue, Reducible};

use super::lines::Lines;
use crate::lean::vec_map::VecMap;
use wslab_socket::{ReadyState, SocketEvent, reconnect::Status};

/// One line of the message list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// `username: text`, said in `room`.
    Chat {
        /// Server id (0 from a server that numbers no lines).
        id: u64,
        /// Speaker.
        username: AttrValue,
        /// Text, shown as text.
        text: AttrValue,
        /// Room it was said in.
        room: AttrValue,
    },
    /// A grey, italic line from the app (`X joined the chat`, `Error: …`).
    System(AttrValue),
}

/// The chat as the page shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatState {
    /// The socket's ready state.
    pub ready: ReadyState,
    /// Every line, oldest first.
    pub lines: Lines<Line>,
    /// Rooms this connection is in, with the name it has there and who is present.
    pub rooms: VecMap<AttrValue, Membership>,
    /// Highest message id seen per room, so no line is shown twice.
    last_id: VecMap<AttrValue, u64>,
    /// Rooms to rejoin after a reconnect, with the name we had there; kept across drops,
    /// forgotten when we leave.
    pub resume: VecMap<AttrValue, AttrValue>,
}

/// This connection's place in one room.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Membership {
    /// The name the server gave us there.
    pub username: AttrValue,
    /// Everyone present, us included.
    pub members: Vec<AttrValue>,
}

/// Everything that changes a [`ChatState`].
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// An event from the socket, its frame read by [`super::client::ChatCodec`].
    Socket(SocketEvent<Option<ChatEvent>>),
    /// Something the app itself wants to say (a refused request…).
    Notice(AttrValue),
}

impl ChatState {
    /// The joins that restore this session after a reconnect: each room we were in, under
    /// our name there, asking only for lines after the last one we saw.
    pub fn resume_requests(&self) -> Vec<wslab_protocol::chat::ChatRequest> {
        self.resume
            .iter()
            .map(|(room, username)| wslab_protocol::chat::ChatRequest::Join {
                username: username.to_string(),
                room: Some(room.to_string()),
                since: self.last_id.get(room).copied(),
            })
            .collect()
    }

    /// Whether Send (and Join / Leave) may be used.
    pub fn is_open(&self) -> bool {
        self.ready == ReadyState::Open
    }

    /// The name we have in `room`, if we are in it.
    pub fn name_in(&self, room: &str) -> Option<&AttrValue> {
        self.rooms.get(room).map(|m| &m.username)
    }

    fn system(&mut self, text: impl Into<AttrValue>) {
        self.lines.push(Line::System(text.into()));
    }

    fn on_event(&mut self, event: ChatEvent) {
        match event {
            ChatEvent::Message(ChatLine {
                username,
                text,
                room,
                id,
                ..
            }) => {
                let room: AttrValue = room.into();
                // A numbered line at or below the last one seen is a repeat (history
                // replayed after a rejoin); a server that numbers none repeats nothing.
                if id != 0 {
                    let last = self.last_id.get_or_default(room.clone());
                    if id <= *last {
                        return;
                    }
                    *last = id;
                }
                self.lines.push(Line::Chat {
                    id,
                    username: username.into(),
                    text: text.into(),
                    room,
                });
            }
            ChatEvent::Join { username, room } => {
                if let Some(membership) = self.rooms.get_mut(room.as_str()) {
                    membership.members.push(username.clone().into());
                }
                self.system(format!("{username} joined the chat"));
            }
            ChatEvent::Leave { username, room } => {
                let ours = self
                    .rooms
                    .get(room.as_str())
                    .is_some_and(|m| m.username == username.as_str());
                if ours {
                    self.rooms.remove(room.as_str());
                    self.resume.remove(room.as_str());
                } else if let Some(membership) = self.rooms.get_mut(room.as_str()) {
                    membership.members.retain(|m| m != username.as_str());
                }
                self.system(format!("{username} left the chat"));
            }
            ChatEvent::Joined {
                username,
                room,
                members,
            } => {
                self.system(format!("You joined {room} as {username}"));
                self.resume
                    .insert(room.clone().into(), username.clone().into());
                self.rooms.insert(
                    room.into(),
                    Membership {
                        username: username.into(),
                        members: members.into_iter().map(AttrValue::from).collect(),
                    },
                );
            }
            // What follows is the room's last lines; the ones in between are gone (newer
            // than `since`, so the last id seen still tells repeats apart).
            ChatEvent::Gap { room, .. } => self.system(format!(
                "Some lines said in {room} while you were away are no longer kept; its latest lines follow"
            )),
            ChatEvent::Error { message } => self.system(format!("Error: {message}")),
        }
    }
}

impl Reducible for ChatState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = Rc::unwrap_or_clone(self);
        match action {
            Action::Socket(SocketEvent::Ready(state)) => next.ready = state,
            Action::Socket(SocketEvent::Status(Status::Waiting { attempt, .. })) => {
                next.system(format!("Reconnecting (attempt {attempt})…"));
            }
            Action::Socket(SocketEvent::Status(Status::GaveUp)) => {
                next.system("Could not reconnect; reload the page to try again");
            }
            Action::Socket(SocketEvent::Open { .. }) => next.system("Connected to chat server"),
            Action::Socket(SocketEvent::Message(Some(event))) => next.on_event(event),
            // As the API reference's demo: JSON of an unknown type is ignored; not JSON, or
            // a known type with missing fields, shows as received (its bare except).
            Action::Socket(SocketEvent::Message(None)) => {}
            Action::Socket(SocketEvent::Undecoded(error)) => {
                next.system(format!("Received: {}", error.frame));
            }
            Action::Socket(SocketEvent::Error) => next.system("Connection error"),
            Action::Socket(SocketEvent::Close(_)) => {
                next.rooms.clear();
                next.system("Disconnected from server");
            }
            Action::Socket(SocketEvent::Failed(error)) => next.system(format!("Error: {error}")),
            // Buffered amounts, the other statuses, pongs, the outbox: nothing the chat shows.
            Action::Socket(_) => {}
            Action::Notice(text) => next.system(text),
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demos::chat::client::ChatCodec;
    use wslab_socket::{CloseEvent, Message};

    /// A text frame as the socket hands it over: read by the chat's codec.
    fn frame(json: &str) -> Action {
        Action::Socket(SocketEvent::Message(Message::Text(json.into())).decode(&ChatCodec))
    }

    fn run(actions: impl IntoIterator<Item = Action>) -> ChatState {
        let state = actions
            .into_iter()
            .fold(Rc::new(ChatState::default()), |state, action| {
                state.reduce(action)
            });
        Rc::unwrap_or_clone(state)
    }

    fn shown(state: &ChatState) -> Vec<String> {
        state
            .lines
            .iter()
            .map(|line| match line {
                Line::Chat { username, text, .. } => format!("{username}: {text}"),
                Line::System(text) => format!("({text})"),
            })
            .collect()
    }

    fn open() -> Action {
        Action::Socket(SocketEvent::Open {
            url: "ws://h/chat".into(),
            protocol: String::new(),
        })
    }

    #[test]
    fn shows_what_the_api_references_chat_app_shows() {
        let state = run([
            open(),
            frame(r#"{"type":"joined","username":"User","room":"general","members":["User"]}"#),
            frame(r#"{"type":"join","username":"Bob","room":"general"}"#),
            frame(
                r#"{"type":"message","username":"Bob","text":"hi","room":"general","id":1,"ts":0}"#,
            ),
            frame(r#"{"type":"leave","username":"Bob","room":"general"}"#),
            frame(r#"{"type":"error","message":"message text is empty"}"#),
            frame("plain text"),
            Action::Socket(SocketEvent::Error),
            Action::Socket(SocketEvent::Close(CloseEvent {
                code: 1006,
                reason: String::new(),
                was_clean: false,
            })),
        ]);
        assert_eq!(
            shown(&state),
            [
                "(Connected to chat server)",
                "(You joined general as User)",
                "(Bob joined the chat)",
                "Bob: hi",
                "(Bob left the chat)",
                "(Error: message text is empty)",
                "(Received: plain text)",
                "(Connection error)",
                "(Disconnected from server)",
            ]
        );
        assert!(!state.is_open());
    }

    #[test]
    fn a_gap_in_the_history_is_said_and_the_lines_after_it_are_kept() {
        let state = run([
            frame(
                r#"{"type":"message","username":"Bob","text":"old","room":"general","id":5,"ts":0}"#,
            ),
            frame(r#"{"type":"joined","username":"Ada","room":"general","members":["Ada"]}"#),
            frame(r#"{"type":"gap","room":"general","since":5}"#),
            frame(
                r#"{"type":"message","username":"Bob","text":"new","room":"general","id":90,"ts":0}"#,
            ),
        ]);
        assert_eq!(
            shown(&state),
            [
                "Bob: old",
                "(You joined general as Ada)",
                "(Some lines said in general while you were away are no longer kept; its latest lines follow)",
                "Bob: new",
            ]
        );
    }

    #[test]
    fn unknown_types_are_ignored_and_broken_known_ones_shown_raw() {
        let state = run([
            frame(r#"{"type":"typing","username":"Bob"}"#),
            frame(r#"{"type":"message","text":"no name"}"#),
        ]);
        assert_eq!(
            shown(&state),
            [r#"(Received: {"type":"message","text":"no name"})"#]
        );
    }

    #[test]
    fn the_same_line_is_never_shown_twice() {
        let line = r#"{"type":"message","username":"A","text":"x","room":"general","id":5,"ts":0}"#;
        let older =
            r#"{"type":"message","username":"A","text":"old","room":"general","id":4,"ts":0}"#;
        let state = run([frame(line), frame(line), frame(older)]);
        assert_eq!(shown(&state), ["A: x"]);
    }

    #[test]
    fn a_server_written_after_the_api_reference_is_shown_as_its_client_shows_it() {
        // No `joined`, no room, no ids: every line is shown, the same text twice too.
        let said = r#"{"type":"message","username":"Bob","text":"hi"}"#;
        let state = run([
            open(),
            frame(r#"{"type":"join","username":"Bob"}"#),
            frame(said),
            frame(said),
            frame(r#"{"type":"leave","username":"Bob"}"#),
        ]);
        assert_eq!(
            shown(&state),
            [
                "(Connected to chat server)",
                "(Bob joined the chat)",
                "Bob: hi",
                "Bob: hi",
                "(Bob left the chat)",
            ]
        );
    }

    #[test]
    fn members_follow_joins_and_leaves_and_our_own_leave_drops_the_room() {
        let state = run([
            frame(
                r#"{"type":"joined","username":"User (2)","room":"general","members":["User","User (2)"]}"#,
            ),
            frame(r#"{"type":"join","username":"Eve","room":"general"}"#),
            frame(r#"{"type":"leave","username":"User","room":"general"}"#),
        ]);
        let general = &state.rooms["general"];
        assert_eq!(general.username, "User (2)");
        assert_eq!(general.members, ["User (2)", "Eve"]);
        let left = Rc::new(state).reduce(frame(
            r#"{"type":"leave","username":"User (2)","room":"general"}"#,
        ));
        assert!(left.rooms.is_empty());
    }

    #[test]
    fn a_reconnect_rejoins_every_room_from_the_last_line_seen() {
        let state = run([
            frame(r#"{"type":"joined","username":"Ada","room":"general","members":["Ada"]}"#),
            frame(
                r#"{"type":"joined","username":"Ada (2)","room":"rust","members":["Ada","Ada (2)"]}"#,
            ),
            frame(r#"{"type":"message","username":"Bob","text":"x","room":"rust","id":9,"ts":0}"#),
            Action::Socket(SocketEvent::Close(CloseEvent {
                code: 1012,
                reason: String::new(),
                was_clean: true,
            })),
        ]);
        assert!(state.rooms.is_empty(), "not in any room while disconnected");
        let requests: Vec<String> = state
            .resume_requests()
            .iter()
            .filter_map(|r| serde_json::to_string(r).ok())
            .collect();
        assert_eq!(
            requests,
            [
                r#"{"type":"join","username":"Ada","room":"general"}"#,
                r#"{"type":"join","username":"Ada (2)","room":"rust","since":9}"#,
            ]
        );
    }

    #[test]
    fn reconnect_news_comes_from_the_status_and_the_ready_state_from_the_socket() {
        let status = |status| Action::Socket(SocketEvent::Status(status));
        let state = run([
            Action::Socket(SocketEvent::Ready(ReadyState::Connecting)),
            status(Status::Connecting { attempt: 0 }),
            status(Status::Waiting {
                attempt: 1,
                at: 1_000,
            }),
            status(Status::Waiting {
                attempt: 2,
                at: 3_000,
            }),
            status(Status::GaveUp),
        ]);
        assert_eq!(
            shown(&state),
            [
                "(Reconnecting (attempt 1)…)",
                "(Reconnecting (attempt 2)…)",
                "(Could not reconnect; reload the page to try again)"
            ]
        );
        assert_eq!(state.ready, ReadyState::Connecting);
        let state = Rc::new(state).reduce(Action::Socket(SocketEvent::Ready(ReadyState::Open)));
        assert!(state.is_open());
    }

    #[test]
    fn markup_stays_text() {
        let state = run([frame(
            r#"{"type":"message","username":"<b>x</b>","text":"<img src=x onerror=alert(1)>","room":"general","id":1,"ts":0}"#,
        )]);
        assert_eq!(shown(&state), ["<b>x</b>: <img src=x onerror=alert(1)>"]);
    }
}
