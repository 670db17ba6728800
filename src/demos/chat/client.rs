//! The ChatClient API of the Brython API reference (`connect`, `disconnect`, `send_message`, `join_room`,
//! `leave_room`) as the command set of the component's reliable connection.

use wslab_protocol::chat::ChatRequest;

use wslab_socket::{SocketError, UseReliableHandle, reconnect::Policy};

/// Chat commands over a component's reliable connection. Cheap to clone.
#[derive(Clone, PartialEq)]
pub struct ChatClient {
    socket: UseReliableHandle,
}

impl ChatClient {
    /// Wraps the component's connection.
    pub fn new(socket: UseReliableHandle) -> Self {
        Self { socket }
    }

    /// Connects to `url` (closing any previous connection); it reconnects by itself after
    /// a drop, as the API reference's default policy says.
    pub fn connect(&self, url: &str) {
        self.socket.connect(url, Policy::default());
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
        self.request(&ChatRequest::Message {
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
        self.request(&ChatRequest::Join {
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
        self.request(&ChatRequest::Leave {
            room: Some(room.to_owned()),
        })
    }

    fn request(&self, request: &ChatRequest) -> Result<(), SocketError> {
        self.socket.send(encode(request))
    }
}

/// A request as the text frame that carries it.
pub fn encode(request: &ChatRequest) -> String {
    crate::lean::json::chat_request(request)
}
