//! The inspector's ring: the frames it keeps (bounded in count and bytes, oldest out first),
//! what a frame records, the batches the tap hands over, and the totals.

use std::collections::VecDeque;

use wslab_socket::{Direction, Payload, ReadyState, TapEvent};

/// Frames kept by default.
pub const CAPACITY: usize = 1_000;

/// Payload bytes kept by default (1,000 frames of 64 KiB would be 64 MiB).
pub const BYTE_BUDGET: usize = 4 * 1024 * 1024;

/// How much the ring keeps; the oldest frames go first when either is exceeded. The newest
/// frame is always kept, whatever its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingLimits {
    /// At most this many frames.
    pub frames: usize,
    /// At most this many payload bytes.
    pub bytes: usize,
}

impl Default for RingLimits {
    fn default() -> Self {
        Self {
            frames: CAPACITY,
            bytes: BYTE_BUDGET,
        }
    }
}

/// One recorded frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Increasing from 0 for every frame seen (dropped ones included); the render key.
    pub id: u64,
    /// When it was tapped: milliseconds since the Unix epoch (`Date.now()`).
    pub at_ms: f64,
    /// Which way it went.
    pub direction: Direction,
    /// Its payload, shared with the tap.
    pub payload: Payload,
    /// Payload size in bytes.
    pub size_bytes: usize,
}

/// A frame as the tap reported it, before the ring numbers it.
#[derive(Debug, Clone, PartialEq)]
pub struct Tapped {
    /// When it was tapped (ms since the epoch).
    pub at_ms: f64,
    /// Which way it went.
    pub direction: Direction,
    /// Its payload.
    pub payload: Payload,
}

/// Messages and bytes, in and out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    /// Frames received.
    pub messages_in: u64,
    /// Frames sent.
    pub messages_out: u64,
    /// Payload bytes received.
    pub bytes_in: u64,
    /// Payload bytes sent.
    pub bytes_out: u64,
}

impl Totals {
    /// Counts one frame of `size` bytes.
    pub fn count(&mut self, direction: Direction, size: usize) {
        let size = u64::try_from(size).unwrap_or(u64::MAX);
        let (messages, bytes) = match direction {
            Direction::In => (&mut self.messages_in, &mut self.bytes_in),
            Direction::Out => (&mut self.messages_out, &mut self.bytes_out),
        };
        *messages = messages.saturating_add(1);
        *bytes = bytes.saturating_add(size);
    }

    /// Frames in both directions.
    pub fn messages(&self) -> u64 {
        self.messages_in.saturating_add(self.messages_out)
    }

    pub(super) fn add(&mut self, other: &Self) {
        self.messages_in = self.messages_in.saturating_add(other.messages_in);
        self.messages_out = self.messages_out.saturating_add(other.messages_out);
        self.bytes_in = self.bytes_in.saturating_add(other.bytes_in);
        self.bytes_out = self.bytes_out.saturating_add(other.bytes_out);
    }
}

/// What the tap collected between two renders, bounded like the ring: frames pushed out of
/// it are only counted (in [`Batch::overflow`]), so a tab whose animation frames are
/// suspended does not pile up payloads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Batch {
    pub(super) frames: VecDeque<Tapped>,
    pub(super) bytes: usize,
    pub(super) ready: Option<ReadyState>,
    pub(super) overflow: Totals,
}

impl Batch {
    /// Adds what the tap reported at `at_ms`, keeping within `limits`.
    pub fn push(&mut self, limits: RingLimits, at_ms: f64, event: TapEvent) {
        match event {
            TapEvent::State(ready) => self.ready = Some(ready),
            TapEvent::Frame(direction, payload) => {
                self.bytes = self.bytes.saturating_add(payload.len());
                self.frames.push_back(Tapped {
                    at_ms,
                    direction,
                    payload,
                });
                let overflow = &mut self.overflow;
                evict(&mut self.frames, &mut self.bytes, limits, |gone: Tapped| {
                    overflow.count(gone.direction, gone.payload.len());
                });
            }
        }
    }

    /// Whether there is nothing to hand over.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty() && self.ready.is_none() && self.overflow.messages() == 0
    }

    /// Frames held (not counting the overflow).
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Frames that did not fit and are only counted.
    pub fn overflow(&self) -> Totals {
        self.overflow
    }
}

/// Something whose payload counts against [`RingLimits::bytes`].
pub(super) trait Weighed {
    fn weight(&self) -> usize;
}

impl Weighed for Tapped {
    fn weight(&self) -> usize {
        self.payload.len()
    }
}

impl Weighed for Frame {
    fn weight(&self) -> usize {
        self.size_bytes
    }
}

/// Pops the oldest items until `items` fits `limits` (the newest always stays).
pub(super) fn evict<T: Weighed>(
    items: &mut VecDeque<T>,
    bytes: &mut usize,
    limits: RingLimits,
    mut gone: impl FnMut(T),
) {
    while items.len() > limits.frames.max(1) || (*bytes > limits.bytes && items.len() > 1) {
        let Some(item) = items.pop_front() else {
            break;
        };
        *bytes = bytes.saturating_sub(item.weight());
        gone(item);
    }
}
