//! The ChatClient API of the Brython API reference (`connect`, `disconnect`, `send_message`, `join_room`,
//! `leave_room`) as the command set of the component's reliable connection, and the
//! codec its frames go through.

use wslab_protocol::chat::{ChatEvent, ChatRequest, Incoming};

use wslab_socket::{Codec, DecodeError, EncodeError, Message, SocketError, UseSocketHandle};

/// The chat's frames both ways: server events read by the app's `JSON.parse` reader
/// ([`crate::lean::wire`]), requests written by its lean JSON writer.
pub struct ChatCodec;

impl Codec for ChatCodec {
    /// `None` for JSON of a type this client does not know: ignored, as the API
    /// reference's client does. Not JSON, a known type with missing fields, or a binary
    /// frame does not decode (the page shows it as received).
    type In = Option<ChatEvent>;
    type Out = ChatRequest;

    fn decode(&self, frame: Message) -> Result<Option<ChatEvent>, DecodeError> {
        let Message::Text(text) = &frame else {
            return Err(DecodeError::new(frame, "a binary frame"));
        };
        match crate::lean::wire::chat_event(text) {
            Incoming::Event(event) => Ok(Some(event)),
            Incoming::Unknown => Ok(None),
            Incoming::Malformed => Err(DecodeError::new(frame, "not a chat event")),
        }
    }

    fn encode(&self, request: ChatRequest) -> Result<Message, EncodeError> {
        Ok(Message::Text(crate::lean::json::chat_request(&request)))
    }
}

/// Chat commands over a component's reliable connection. Cheap to clone.
#[derive(Clone, PartialEq)]
pub struct ChatClient {
    socket: UseSocketHandle<ChatCodec>,
}

impl ChatClient {
    /// Wraps the component's connection.
    pub fn new(socket: UseSocketHandle<ChatCodec>) -> Self {
        Self { socket }
    }

    /// Connects to `url` (closing any previous connection); it reconnects by itself after
    /// a drop, as the policy the component gave its socket says.
    ///
    /// # Errors
    /// [`SocketError::InvalidUrl`] for a URL that cannot be a WebSocket's.
    pub fn connect(&self, url: &str) -> Result<(), SocketError> {
        self.socket.open(url)
    }

    /// Closes the connection normally.
    ///
    /// # Errors
    /// [`SocketError::Ended`] if there is no connection.
    pub fn disconnect(&self) -> Result<(), SocketError> {
        self.socket.close(wslab_socket::close::NORMAL, "")
    }

    /// Says `text` in `room` (the API reference's client also sends its name; the server ignores it).
    ///
    /// # Errors
    /// [`SocketError::Ended`] if the connection is over.
    pub fn send_message(&self, room: &str, username: &str, text: &str) -> Result<(), SocketError> {
        self.socket.send(ChatRequest::Message {
            username: Some(username.to_owned()),
            text: text.to_owned(),
            room: Some(room.to_owned()),
        })
    }

    /// Joins `room` as `username`.
    ///
    /// # Errors
    /// [`SocketError::Ended`] if the connection is over.
    pub fn join_room(&self, room: &str, username: &str) -> Result<(), SocketError> {
        self.socket.send(ChatRequest::Join {
            username: username.to_owned(),
            room: Some(room.to_owned()),
            since: None,
        })
    }

    /// Leaves `room`.
    ///
    /// # Errors
    /// [`SocketError::Ended`] if the connection is over.
    pub fn leave_room(&self, room: &str) -> Result<(), SocketError> {
        self.socket.send(ChatRequest::Leave {
            room: Some(room.to_owned()),
        })
    }
}
