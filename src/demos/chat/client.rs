//! The ChatClient API of seed 004 (`connect`, `disconnect`, `send_message`, `join_room`,
//! `leave_room`) as the command set of the component's socket.

use wslab_protocol::chat::ChatRequest;

use crate::socket::{Message, OpenOptions, SocketError, UseSocketHandle};

/// Chat commands over a component's socket. Cheap to clone.
#[derive(Clone, PartialEq)]
pub struct ChatClient {
    socket: UseSocketHandle,
}

impl ChatClient {
    /// Wraps the component's socket.
    pub fn new(socket: UseSocketHandle) -> Self {
        Self { socket }
    }

    /// Opens the connection to `url` (closing any previous one).
    ///
    /// # Errors
    /// As [`UseSocketHandle::open`].
    pub fn connect(&self, url: &str) -> Result<(), SocketError> {
        self.socket.open(&OpenOptions::new(url))
    }

    /// Closes the connection normally.
    ///
    /// # Errors
    /// [`SocketError::Ended`] if it is not open.
    pub fn disconnect(&self) -> Result<(), SocketError> {
        self.socket.close(wslab_protocol::close::NORMAL, "")
    }

    /// Says `text` in `room` (the seed also sends its name; the server ignores it).
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
        let text = serde_json::to_string(request).map_err(|e| SocketError::Send(e.to_string()))?;
        self.socket.send(Message::Text(text))
    }
}
