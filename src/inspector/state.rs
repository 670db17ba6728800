//! The inspector's reducer: the ring ([`super::ring`]) and its totals, the ready state, the
//! filter ([`super::filter`]) and the pause. A pure reducer fed batches of tapped frames
//! (with their time already taken), unit-tested natively.
//!
//! Counting rules, as the page labels them:
//! - the **totals** (messages and bytes, in and out) count every frame since the inspector
//!   was mounted, including frames the ring has dropped; **Clear** does not reset them;
//! - **dropped** counts frames that fell out of the ring (over [`RingLimits`]) since the last
//!   Clear;
//! - while **paused**, the list shown is the one at the moment of the pause; frames are still
//!   recorded and counted, and [`InspectorState::new_since_pause`] says how many arrived.

use std::{collections::VecDeque, rc::Rc};

use yew::{AttrValue, Reducible};

use super::{
    filter::{DirectionFilter, Filter},
    format::to_ndjson,
    ring::{Batch, Frame, RingLimits, Totals, evict},
};
use wslab_socket::ReadyState;

/// More frames than this within one second and the list stops being announced.
pub const FLOOD_RATE: u32 = 10;

/// The list frozen by a pause.
#[derive(Debug, Clone, PartialEq)]
struct Paused {
    frozen: Rc<VecDeque<Frame>>,
    /// `next_id` when paused: frames from here on are new.
    since: u64,
}

/// Frames per second, to tell a readable trickle from a flood.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Flood {
    window_start: f64,
    count: u32,
    flooding: bool,
}

impl Flood {
    fn observe(&mut self, at_ms: f64) {
        let elapsed = at_ms - self.window_start;
        // A NaN time starts a new window too.
        if elapsed.is_nan() || elapsed >= 1_000.0 {
            // The last window decides, unless it ended long ago.
            self.flooding = self.count > FLOOD_RATE && elapsed < 2_000.0;
            self.window_start = at_ms;
            self.count = 0;
        }
        self.count = self.count.saturating_add(1);
        if self.count > FLOOD_RATE {
            self.flooding = true;
        }
    }
}

/// The inspector as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct InspectorState {
    limits: RingLimits,
    /// Shared with a pause's snapshot and the previous state; copied only when both differ.
    frames: Rc<VecDeque<Frame>>,
    bytes: usize,
    next_id: u64,
    dropped: u64,
    totals: Totals,
    ready: ReadyState,
    filter: Filter,
    paused: Option<Paused>,
    expanded: bool,
    flood: Flood,
}

impl Default for InspectorState {
    fn default() -> Self {
        Self::new(RingLimits::default())
    }
}

/// Everything that changes an [`InspectorState`].
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// What the tap collected since the last batch.
    Record(Batch),
    /// The filter text changed.
    Filter(AttrValue),
    /// The direction choice changed.
    Direction(DirectionFilter),
    /// Freeze the list (recording goes on).
    Pause,
    /// Back to the live list.
    Resume,
    /// Empty the list and the dropped count (not the totals).
    Clear,
    /// The panel was opened (`true`) or closed.
    Expand(bool),
}

impl InspectorState {
    /// An empty inspector keeping within `limits`.
    pub fn new(limits: RingLimits) -> Self {
        Self {
            limits,
            frames: Rc::default(),
            bytes: 0,
            next_id: 0,
            dropped: 0,
            totals: Totals::default(),
            ready: ReadyState::Closed,
            filter: Filter::default(),
            paused: None,
            expanded: false,
            flood: Flood::default(),
        }
    }

    /// The frames the list shows, oldest first: the frozen ones while paused, else the ring.
    pub fn shown(&self) -> &VecDeque<Frame> {
        match &self.paused {
            Some(paused) => &paused.frozen,
            None => &self.frames,
        }
    }

    /// The ring, live even while paused, oldest first.
    pub fn frames(&self) -> &VecDeque<Frame> {
        &self.frames
    }

    /// Up to `limit` of the shown frames that pass the filter, newest first.
    pub fn visible(&self, limit: usize) -> Vec<&Frame> {
        let matcher = self.filter.matcher();
        self.shown()
            .iter()
            .rev()
            .filter(|frame| matcher.matches(frame))
            .take(limit)
            .collect()
    }

    /// The shown frames that pass the filter, oldest first, as NDJSON with full payloads.
    pub fn export(&self) -> String {
        let matcher = self.filter.matcher();
        to_ndjson(self.shown().iter().filter(|frame| matcher.matches(frame)))
    }

    /// Totals since the inspector started (Clear keeps them).
    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// Frames that fell out of the ring since the last Clear.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The socket's latest ready state.
    pub fn ready(&self) -> ReadyState {
        self.ready
    }

    /// The filter.
    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    /// Whether the list is frozen.
    pub fn is_paused(&self) -> bool {
        self.paused.is_some()
    }

    /// Frames recorded since the pause (0 when live).
    pub fn new_since_pause(&self) -> u64 {
        self.paused
            .as_ref()
            .map_or(0, |paused| self.next_id.saturating_sub(paused.since))
    }

    /// Whether the panel is open.
    pub fn is_expanded(&self) -> bool {
        self.expanded
    }

    /// Whether frames arrive faster than [`FLOOD_RATE`] per second.
    pub fn is_flooding(&self) -> bool {
        self.flood.flooding
    }

    /// Whether new rows should be announced to screen readers: only while the panel is
    /// open, live, and the frames come slowly enough to be read.
    pub fn announces(&self) -> bool {
        self.expanded && self.paused.is_none() && !self.flood.flooding
    }

    fn record(&mut self, batch: Batch) {
        if let Some(ready) = batch.ready {
            self.ready = ready;
        }
        // Frames that never reached the ring: counted, numbered, dropped.
        let lost = batch.overflow.messages();
        if lost > 0 {
            self.totals.add(&batch.overflow);
            self.dropped = self.dropped.saturating_add(lost);
            self.next_id = self.next_id.saturating_add(lost);
        }
        // More at once than can be read is a flood, whatever their capture times say (a
        // backlog from a hidden tab comes in one batch, spread over minutes). Decided after
        // the capture times had their say below.
        let burst = lost > 0 || batch.frames.len() > FLOOD_RATE as usize;
        if batch.frames.is_empty() {
            self.flood.flooding |= burst;
            return;
        }
        let frames = Rc::make_mut(&mut self.frames);
        for tapped in batch.frames {
            let size_bytes = tapped.payload.len();
            self.totals.count(tapped.direction, size_bytes);
            self.flood.observe(tapped.at_ms);
            frames.push_back(Frame {
                id: self.next_id,
                at_ms: tapped.at_ms,
                direction: tapped.direction,
                payload: tapped.payload,
                size_bytes,
            });
            self.next_id = self.next_id.saturating_add(1);
            self.bytes = self.bytes.saturating_add(size_bytes);
        }
        self.flood.flooding |= burst;
        let dropped = &mut self.dropped;
        evict(frames, &mut self.bytes, self.limits, |_| {
            *dropped = dropped.saturating_add(1);
        });
    }
}

impl Reducible for InspectorState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        // No-ops return `self`: no render.
        let unchanged = match &action {
            Action::Record(batch) => batch.is_empty(),
            Action::Filter(text) => *text == self.filter.text,
            Action::Direction(direction) => *direction == self.filter.direction,
            Action::Pause => self.paused.is_some(),
            Action::Resume => self.paused.is_none(),
            Action::Clear => self.frames.is_empty() && self.dropped == 0 && self.paused.is_none(),
            Action::Expand(open) => *open == self.expanded,
        };
        if unchanged {
            return self;
        }
        let mut next = (*self).clone();
        match action {
            Action::Record(batch) => next.record(batch),
            Action::Filter(text) => next.filter.text = text,
            Action::Direction(direction) => next.filter.direction = direction,
            Action::Pause => {
                next.paused = Some(Paused {
                    frozen: Rc::clone(&next.frames),
                    since: next.next_id,
                });
            }
            Action::Resume => next.paused = None,
            Action::Clear => {
                next.frames = Rc::default();
                next.bytes = 0;
                next.dropped = 0;
                if next.paused.is_some() {
                    next.paused = Some(Paused {
                        frozen: Rc::default(),
                        since: next.next_id,
                    });
                }
            }
            Action::Expand(open) => next.expanded = open,
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspector::{filter::DirectionFilter, format::hex};
    use wslab_socket::{Direction, Payload, TapEvent};

    fn text(text: &str) -> Payload {
        Payload::Text(text.to_owned().into())
    }

    fn binary(bytes: &[u8]) -> Payload {
        Payload::Binary(Rc::from(bytes))
    }

    /// A batch of frames tapped 1 ms apart from `at`.
    fn batch(at: f64, frames: impl IntoIterator<Item = (Direction, Payload)>) -> Batch {
        let mut batch = Batch::default();
        for (i, (direction, payload)) in frames.into_iter().enumerate() {
            batch.push(
                RingLimits::default(),
                at + i as f64,
                TapEvent::Frame(direction, payload),
            );
        }
        batch
    }

    fn record(state: Rc<InspectorState>, frames: Batch) -> Rc<InspectorState> {
        state.reduce(Action::Record(frames))
    }

    fn texts<'a>(frames: impl IntoIterator<Item = &'a Frame>) -> Vec<String> {
        frames
            .into_iter()
            .map(|f| match &f.payload {
                Payload::Text(t) => t.to_string(),
                Payload::Binary(b) => hex(b),
            })
            .collect()
    }

    fn small(frames: usize, bytes: usize) -> Rc<InspectorState> {
        Rc::new(InspectorState::new(RingLimits { frames, bytes }))
    }

    #[test]
    fn records_frames_in_order_with_ids_sizes_and_totals() {
        let state = record(
            Rc::default(),
            batch(
                1_000.0,
                [
                    (Direction::Out, text("héllo")),
                    (Direction::In, text("héllo")),
                    (Direction::In, binary(&[1, 2, 3])),
                ],
            ),
        );
        let frames: Vec<_> = state.frames().iter().collect();
        assert_eq!(frames.iter().map(|f| f.id).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(
            frames.iter().map(|f| f.size_bytes).collect::<Vec<_>>(),
            [6, 6, 3]
        );
        assert_eq!(frames[1].at_ms, 1_001.0);
        assert_eq!(
            state.totals(),
            Totals {
                messages_in: 2,
                messages_out: 1,
                bytes_in: 9,
                bytes_out: 6
            }
        );
        assert_eq!(state.dropped(), 0);
        // Newest first in the list.
        assert_eq!(texts(state.visible(10)), ["01 02 03", "héllo", "héllo"]);
        assert_eq!(texts(state.visible(1)), ["01 02 03"]);
    }

    #[test]
    fn the_ring_drops_the_oldest_beyond_its_capacity_and_counts_them() {
        let state = small(3, usize::MAX);
        let state = record(
            state,
            batch(0.0, (0..5).map(|i| (Direction::In, text(&i.to_string())))),
        );
        assert_eq!(texts(state.frames()), ["2", "3", "4"]);
        assert_eq!(state.dropped(), 2);
        assert_eq!(state.totals().messages_in, 5);
        let state = record(state, batch(10.0, [(Direction::Out, text("5"))]));
        assert_eq!(texts(state.frames()), ["3", "4", "5"]);
        assert_eq!(state.frames().back().map(|f| f.id), Some(5));
        assert_eq!(state.dropped(), 3);
    }

    #[test]
    fn the_ring_keeps_within_its_byte_budget_but_always_the_newest() {
        let state = small(100, 10);
        let state = record(
            state,
            batch(
                0.0,
                [
                    (Direction::In, text("aaaa")),
                    (Direction::In, text("bbbb")),
                    (Direction::In, text("cccc")),
                ],
            ),
        );
        assert_eq!(texts(state.frames()), ["bbbb", "cccc"]);
        let state = record(state, batch(5.0, [(Direction::In, text(&"x".repeat(50)))]));
        assert_eq!(state.frames().len(), 1);
        assert_eq!(state.dropped(), 3);
        assert_eq!(state.totals().bytes_in, 62);
    }

    #[test]
    fn a_batch_is_bounded_and_its_overflow_is_still_counted() {
        let limits = RingLimits {
            frames: 2,
            bytes: usize::MAX,
        };
        let mut pending = Batch::default();
        for i in 0..5u8 {
            pending.push(
                limits,
                f64::from(i),
                TapEvent::Frame(Direction::In, binary(&[i, i])),
            );
        }
        pending.push(limits, 9.0, TapEvent::State(ReadyState::Open));
        assert_eq!(pending.len(), 2);
        assert_eq!(pending.overflow().messages_in, 3);
        assert_eq!(pending.overflow().bytes_in, 6);
        let state = record(small(10, usize::MAX), pending);
        assert_eq!(texts(state.frames()), ["03 03", "04 04"]);
        // Ids skip the frames that never made it, so "new since pause" counts them.
        assert_eq!(state.frames().front().map(|f| f.id), Some(3));
        assert_eq!(state.totals().messages_in, 5);
        assert_eq!(state.totals().bytes_in, 10);
        assert_eq!(state.dropped(), 3);
        assert_eq!(state.ready(), ReadyState::Open);
    }

    #[test]
    fn ready_states_follow_the_tap() {
        let mut pending = Batch::default();
        assert!(pending.is_empty());
        pending.push(
            RingLimits::default(),
            0.0,
            TapEvent::State(ReadyState::Connecting),
        );
        pending.push(
            RingLimits::default(),
            1.0,
            TapEvent::State(ReadyState::Open),
        );
        assert!(!pending.is_empty());
        let state = record(Rc::default(), pending);
        assert_eq!(state.ready(), ReadyState::Open);
        assert!(state.frames().is_empty());
    }

    #[test]
    fn clear_empties_the_list_and_dropped_but_keeps_the_totals() {
        let state = small(2, usize::MAX);
        let state = record(
            state,
            batch(0.0, (0..3).map(|_| (Direction::Out, text("ab")))),
        );
        assert_eq!(state.dropped(), 1);
        let cleared = state.reduce(Action::Clear);
        assert!(cleared.frames().is_empty());
        assert_eq!(cleared.dropped(), 0);
        assert_eq!(cleared.totals().messages_out, 3);
        assert_eq!(cleared.totals().bytes_out, 6);
        // Clearing an empty list changes nothing: no render.
        let again = Rc::clone(&cleared).reduce(Action::Clear);
        assert!(Rc::ptr_eq(&cleared, &again));
        // Ids keep increasing after a clear (render keys stay unique).
        let after = record(cleared, batch(9.0, [(Direction::In, text("c"))]));
        assert_eq!(after.frames().front().map(|f| f.id), Some(3));
    }

    #[test]
    fn pause_freezes_the_list_counts_new_frames_and_resume_jumps_to_the_tail() {
        let state = record(
            small(3, usize::MAX),
            batch(
                0.0,
                [(Direction::In, text("a")), (Direction::In, text("b"))],
            ),
        );
        let paused = state.reduce(Action::Pause);
        assert!(paused.is_paused());
        assert!(!paused.announces());
        let paused = record(
            paused,
            batch(
                10.0,
                [
                    (Direction::In, text("c")),
                    (Direction::Out, text("d")),
                    (Direction::In, text("e")),
                ],
            ),
        );
        // Shown as at the pause, although the ring has moved on (and dropped a and b).
        assert_eq!(texts(paused.visible(10)), ["b", "a"]);
        assert_eq!(texts(paused.frames()), ["c", "d", "e"]);
        assert_eq!(paused.new_since_pause(), 3);
        assert_eq!(paused.totals().messages(), 5);
        // Pausing twice is a no-op.
        let same = Rc::clone(&paused).reduce(Action::Pause);
        assert!(Rc::ptr_eq(&same, &paused));
        // Export follows what is shown.
        assert_eq!(paused.export().lines().count(), 2);

        let live = paused.reduce(Action::Resume);
        assert!(!live.is_paused());
        assert_eq!(live.new_since_pause(), 0);
        assert_eq!(texts(live.visible(10)), ["e", "d", "c"]);
    }

    #[test]
    fn clear_while_paused_empties_the_frozen_list_and_the_new_count() {
        let state = record(Rc::default(), batch(0.0, [(Direction::In, text("a"))]));
        let paused = state.reduce(Action::Pause);
        let paused = record(paused, batch(5.0, [(Direction::In, text("b"))]));
        assert_eq!(paused.new_since_pause(), 1);
        let cleared = paused.reduce(Action::Clear);
        assert!(cleared.is_paused());
        assert!(cleared.visible(10).is_empty());
        assert_eq!(cleared.new_since_pause(), 0);
        let resumed = cleared.reduce(Action::Resume);
        assert!(resumed.visible(10).is_empty());
    }

    #[test]
    fn filter_by_text_ignores_case_and_by_direction() {
        let state = record(
            Rc::default(),
            batch(
                0.0,
                [
                    (Direction::Out, text("Hello World")),
                    (Direction::In, text("hello world")),
                    (Direction::In, text("ÉCOLE")),
                    (Direction::Out, text("other")),
                ],
            ),
        );
        let state = state.reduce(Action::Filter("WORLD".into()));
        assert_eq!(texts(state.visible(10)), ["hello world", "Hello World"]);
        let state = state.reduce(Action::Direction(DirectionFilter::Out));
        assert_eq!(texts(state.visible(10)), ["Hello World"]);
        let state = state.reduce(Action::Direction(DirectionFilter::In));
        assert_eq!(texts(state.visible(10)), ["hello world"]);
        // Non-ASCII needles fold case too.
        let state = state.reduce(Action::Filter("école".into()));
        assert_eq!(texts(state.visible(10)), ["ÉCOLE"]);
        let state = state
            .reduce(Action::Filter("  ".into()))
            .reduce(Action::Direction(DirectionFilter::All));
        assert_eq!(state.visible(10).len(), 4);
        // The same filter again is a no-op.
        let same = Rc::clone(&state).reduce(Action::Filter("  ".into()));
        assert!(Rc::ptr_eq(&same, &state));
    }

    #[test]
    fn binary_frames_match_by_their_hex() {
        let state = record(
            Rc::default(),
            batch(
                0.0,
                [
                    (Direction::In, binary(&[0xde, 0xad, 0xbe, 0xef])),
                    (Direction::In, binary(&[0x0d, 0xea, 0xd0])),
                    (Direction::In, text("dead")),
                ],
            ),
        );
        let shown = |needle: &str| {
            let filtered = Rc::clone(&state).reduce(Action::Filter(needle.to_owned().into()));
            texts(filtered.visible(10))
        };
        // Whole bytes, spaced or not, in any case: byte-aligned only.
        assert_eq!(shown("DEAD"), ["dead", "de ad be ef"]);
        assert_eq!(shown("de AD"), ["de ad be ef"]);
        assert_eq!(shown("adbe"), ["de ad be ef"]);
        assert_eq!(shown("ea"), ["dead", "0d ea d0"]);
        // Not whole bytes: a substring of the hex as shown.
        assert_eq!(shown("d be"), ["de ad be ef"]);
        // Digits that pair up, but not in whole-byte groups: still the hex as shown.
        assert_eq!(shown("d b"), ["de ad be ef"]);
        assert_eq!(shown("e a"), ["de ad be ef"]);
        assert_eq!(shown("zz"), Vec::<String>::new());
    }

    #[test]
    fn direction_filter_round_trips_its_option_values() {
        for choice in DirectionFilter::ALL {
            assert_eq!(DirectionFilter::from_value(choice.value()), choice);
        }
        assert_eq!(DirectionFilter::from_value("?"), DirectionFilter::All);
    }

    #[test]
    fn announces_only_when_open_live_and_slow() {
        let state = Rc::new(InspectorState::default());
        assert!(!state.announces());
        let open = state.reduce(Action::Expand(true));
        assert!(open.announces());
        // A trickle: one frame every 200 ms.
        let trickle = (0..10).fold(open, |s, i| {
            record(
                s,
                batch(1e12 + f64::from(i) * 200.0, [(Direction::In, text("x"))]),
            )
        });
        assert!(trickle.announces());
        // A flood: 50 frames in 50 ms.
        let flood = record(
            trickle,
            batch(1e12 + 5_000.0, (0..50).map(|_| (Direction::In, text("x")))),
        );
        assert!(flood.is_flooding());
        assert!(!flood.announces());
        // Quiet again: the next window decides.
        let calm = record(flood, batch(1e12 + 9_000.0, [(Direction::In, text("x"))]));
        assert!(calm.announces());
        let closed = calm.reduce(Action::Expand(false));
        assert!(!closed.announces());
    }

    #[test]
    fn a_backlog_handed_over_at_once_is_not_read_out() {
        // A hidden tab: no animation frames, so a minute of frames 150 ms apart (slow
        // enough one by one) arrives in one batch. Read out, it would be 400 rows at once.
        // `count` text frames captured 150 ms apart from `start`, in one batch.
        let spread = |count: u32, start: f64| {
            let mut batch = Batch::default();
            for i in 0..count {
                batch.push(
                    RingLimits::default(),
                    start + f64::from(i) * 150.0,
                    TapEvent::Frame(Direction::In, text("x")),
                );
            }
            batch
        };
        let open = Rc::new(InspectorState::default()).reduce(Action::Expand(true));
        let after = record(open, spread(400, 1e12));
        assert!(!after.announces());
        // A batch that lost frames to its own bound is a flood too, even if a window
        // rolls over in it.
        let overflowing = spread(100_000, 2e12);
        assert!(
            overflowing.overflow.messages() > 0,
            "the batch's bound was reached"
        );
        let calm = record(after, batch(3e12, [(Direction::In, text("x"))]));
        let calm = record(calm, batch(3e12 + 5_000.0, [(Direction::In, text("x"))]));
        assert!(calm.announces());
        assert!(!record(calm, overflowing).announces());
    }

    #[test]
    fn an_empty_batch_does_not_render() {
        let state = Rc::new(InspectorState::default());
        let same = Rc::clone(&state).reduce(Action::Record(Batch::default()));
        assert!(Rc::ptr_eq(&state, &same));
    }
}
