//! `/hello`: the one-shot server of the French Python course.
//!
//! The client sends any one message; the server answers with [`REPLY`] and closes the
//! connection normally (1000).

/// The server's only reply, word for word as the course's Python server sends it.
pub const REPLY: &str = "Message bien reçu";

/// The path the endpoint is served on.
pub const PATH: &str = "/hello";
