//! Widgets used by several demos. A demo never imports another demo: what two of them
//! show alike lives here.

pub mod fields;
pub mod log;
pub mod sparkline;
