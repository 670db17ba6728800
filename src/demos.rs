//! The demos, one module each: a component (the view) plus a pure state module.

pub mod chat;
pub mod echo;
pub mod hello;
pub mod socket_log;
