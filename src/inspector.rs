//! The message inspector every demo shares: each frame with its time, direction, size and
//! payload (text, or binary as hex); a filter by text and direction; pause and resume of the
//! live list; Clear; export as NDJSON; a bounded ring with a visible count of what it
//! dropped; totals of messages and bytes in and out; and the socket's ready state.
//!
//! How the pieces fit:
//! - the socket layer's [`Tap`](wslab_socket::Tap) reports every frame and ready state of a
//!   demo's socket (see [`wslab_socket::tap`]), so no demo logs frames by hand;
//! - [`InspectorLink`] (from [`use_inspector`]) is that tap: it times each report and hands
//!   them over in one [`Batch`] per animation frame;
//! - [`InspectorState`] is the pure reducer (natively tested) over the [`ring`] of frames
//!   and its totals, the [`filter`] and the pause; [`format`] writes hex, previews, times
//!   and NDJSON;
//! - [`Inspector`] is the collapsible panel; it renders rows only while open, and at most
//!   [`VISIBLE_ROWS`] of them.
//!
//! A demo wires it in three lines:
//! ```ignore
//! let inspector = use_inspector();
//! let socket = use_socket(SocketOptions::new(on_event).tap(inspector.tap()));
//! html! { <Inspector link={inspector} id_prefix="echo" /> }
//! ```

pub mod filter;
pub mod format;
mod link;
pub mod ring;
pub mod state;
mod view;

pub use filter::{DirectionFilter, Filter};
pub use link::{InspectorLink, use_inspector};
pub use ring::{Batch, Frame, RingLimits, Tapped, Totals};
pub use state::{Action, InspectorState};
pub use view::{Inspector, InspectorProps, VISIBLE_ROWS};
