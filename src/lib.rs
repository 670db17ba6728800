//! wslab: the WebSocket demos of the Brython `browser.websocket` docs, as a Yew app.
//!
//! [`socket`] is the doc's API in Rust and the service agent components own; [`demos`]
//! holds one module per demo; [`inspector`] is the message inspector they all share; [`app`]
//! is the shell and [`page`] lays a demo out as a page of documentation ([`docs`] has its
//! words, [`i18n`] the UI's, [`source`] shows its code); [`wire`] reads the server's JSON;
//! [`vec_map`] is the small map the demos keep keys in, and [`text`] their substring search.
//! A thin `main.rs` mounts [`App`], and tests mount any component on its own.

pub mod app;
pub mod demos;
pub mod docs;
pub mod format;
pub mod i18n;
pub mod inspector;
pub mod page;
pub mod route;
pub mod settings;
pub mod socket;
pub mod source;
pub mod text;
pub mod vec_map;
pub mod widgets;
pub mod wire;

pub use app::App;
