//! Lean stand-ins for pieces of `std` and serde that would cost the wasm more than they give.
//!
//! Each module here replaces one thing the app uses a little of, with the little it needs:
//! every kilobyte counts against the app's size budget (see `docs/benchmarks.md`), and a
//! general-purpose piece pulls its whole machinery in. They are not the architecture; read
//! the wslab-socket crate, [`crate::demos`] and [`crate::inspector`] first.
//!
//! - [`decimal`]: numbers with a fixed number of decimals, without the float formatter;
//! - [`json`]: client requests (and the inspector's export) written as JSON, without
//!   serde_json's serializer;
//! - [`text`]: substring search by byte comparison, without `core`'s two-way searcher;
//! - [`vec_map`]: a sorted-vector map, for the handful of keys the demos keep;
//! - [`wire`]: server frames read with the browser's `JSON.parse`, without serde_json's
//!   parser in the wasm (natively, the protocol crate's serde reading).

pub mod decimal;
pub mod json;
pub mod text;
pub mod vec_map;
pub mod wire;
