//! wslab: the WebSocket demos of the Brython `browser.websocket` docs, as a Yew app.
//!
//! The socket layer (the doc's API in Rust and the service agent components own) is the
//! wslab-socket crate. [`demos`] holds one folder per demo and the registry that lists
//! them; [`widgets`] what several demos show alike; [`inspector`] is the message inspector
//! they all share; [`app`] is the shell, [`route`] picks the page from the registry, and
//! [`page`] lays a demo out as a page of documentation ([`docs`] the shape of its text,
//! [`i18n`] the UI's words, [`source`] shows its code). [`js`] says JavaScript errors as
//! sentences; [`lean`] holds the small stand-ins the size budget calls for (number
//! formatting, substring search, a map, the JSON reader). A thin `main.rs` mounts [`App`],
//! and tests mount any component on its own.

pub mod app;
pub mod demos;
pub mod docs;
pub mod i18n;
pub mod inspector;
pub mod js;
pub mod lean;
pub mod page;
pub mod route;
pub mod settings;
pub mod source;
pub mod widgets;

pub use app::App;
