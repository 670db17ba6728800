//! Wire types shared by the wslab app and the wslab server.
//!
//! Everything here is plain data plus serde: no I/O, no async, no web APIs, so both the
//! browser (wasm32) and the server (tokio) compile the same definitions and the JSON they
//! exchange cannot drift apart. Each module names the endpoint it describes.

pub mod chat;
pub mod close;
pub mod hello;
pub mod stocks;
