//! Wire types shared by the wslab app and the wslab server.
//!
//! Everything here is plain data plus serde: no I/O, no async, no web APIs, so both the
//! browser (wasm32) and the server (tokio) compile the same definitions and the JSON they
//! exchange cannot drift apart. Each module names the endpoint it describes; [`decode`]
//! turns a client's text frame into a request with an error a person can read (the
//! server's only way in, and the fuzz target's).

pub mod api;
pub mod chat;
/// Close codes and the rules for the ones a client may send: wslab-socket's, so the app, the
/// server and the socket layer share one copy.
pub use wslab_socket::close;
pub mod decode;
pub mod hello;
pub mod parallel;
pub mod stocks;
