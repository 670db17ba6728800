//! The link from a demo's socket to its inspector. The tap stamps each report with the time
//! and adds it to a bounded [`Batch`]; one animation frame later the whole batch goes to the
//! inspector's reducer. A flood of frames therefore costs one dispatch (and at most one
//! render) per frame of the screen, and the demo itself never re-renders for it.

use std::{
    cell::RefCell,
    rc::{Rc, Weak},
};

use gloo_render::{AnimationFrame, request_animation_frame};
use yew::prelude::*;

use super::ring::{Batch, RingLimits};
use wslab_socket::{Tap, TapEvent};

/// The demo's handle on its inspector: give [`Self::tap`] to the socket and the link to
/// [`super::Inspector`]. Cheap to clone; clones share the batch.
#[derive(Clone, Default)]
pub struct InspectorLink {
    inner: Rc<RefCell<Inner>>,
}

#[derive(Default)]
struct Inner {
    batch: Batch,
    /// The mounted inspector's reducer; frames wait in the batch until there is one.
    sink: Option<Callback<Batch>>,
    /// The pending hand-over; dropping it cancels the frame.
    frame: Option<AnimationFrame>,
}

impl PartialEq for InspectorLink {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl std::fmt::Debug for InspectorLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InspectorLink").finish_non_exhaustive()
    }
}

impl InspectorLink {
    /// The tap for the demo's socket: each report is timed with `Date.now()` as it happens.
    pub fn tap(&self) -> Tap {
        let link = self.clone();
        Callback::from(move |event| link.record(js_sys::Date::now(), event))
    }

    /// Adds a report taken at `at_ms` and schedules the hand-over.
    pub fn record(&self, at_ms: f64, event: TapEvent) {
        let mut inner = self.inner.borrow_mut();
        inner.batch.push(RingLimits::default(), at_ms, event);
        self.schedule(&mut inner);
    }

    /// Sends batches to `sink` from now on (the inspector mounted).
    pub(super) fn attach(&self, sink: Callback<Batch>) {
        let mut inner = self.inner.borrow_mut();
        inner.sink = Some(sink);
        self.schedule(&mut inner);
    }

    /// Stops sending (the inspector unmounted); what arrives meanwhile waits, bounded.
    pub(super) fn detach(&self) {
        let mut inner = self.inner.borrow_mut();
        inner.sink = None;
        inner.frame = None;
    }

    fn schedule(&self, inner: &mut Inner) {
        if inner.sink.is_none() || inner.frame.is_some() || inner.batch.is_empty() {
            return;
        }
        // Weak: a pending frame does not keep a dropped link alive.
        let link = Rc::downgrade(&self.inner);
        inner.frame = Some(request_animation_frame(move |_| hand_over(&link)));
    }
}

/// Gives the batch to the inspector (outside the borrow: the dispatch renders).
fn hand_over(link: &Weak<RefCell<Inner>>) {
    let Some(inner) = link.upgrade() else {
        return;
    };
    let (batch, sink) = {
        let mut inner = inner.borrow_mut();
        inner.frame = None;
        let Some(sink) = inner.sink.clone() else {
            return;
        };
        (std::mem::take(&mut inner.batch), sink)
    };
    sink.emit(batch);
}

/// Gives a demo the link to its inspector, the same for the component's lifetime.
///
/// # Example
/// ```ignore
/// let inspector = use_inspector();
/// let socket = use_socket(SocketOptions::new(on_event).tap(inspector.tap()));
/// html! { <Inspector link={inspector} id_prefix="echo" /> }
/// ```
#[hook]
pub fn use_inspector() -> InspectorLink {
    (*use_memo((), |()| InspectorLink::default())).clone()
}
