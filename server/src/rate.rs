//! A token bucket: `burst` frames at once, refilled at `per_second`. Time is passed in,
//! so it is tested without waiting.

use tokio::time::Instant;

/// Allows bursts up to a capacity and a steady rate after that.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(capacity: f64, per_second: f64, now: Instant) -> Self {
        Self {
            capacity,
            per_second,
            tokens: capacity,
            last: now,
        }
    }

    /// Whether the bucket has refilled to its capacity by `now` (so a new one would be the
    /// same).
    pub fn is_full(&self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens + elapsed * self.per_second >= self.capacity
    }

    /// How long after the last [`Self::take`] one token is back (zero if one is there).
    pub fn until_next(&self) -> std::time::Duration {
        let missing = (1.0 - self.tokens).max(0.0);
        std::time::Duration::try_from_secs_f64(missing / self.per_second)
            .unwrap_or(std::time::Duration::MAX)
    }

    /// Gives back a token taken for something that then did not happen.
    pub fn refund(&mut self) {
        self.tokens = (self.tokens + 1.0).min(self.capacity);
    }

    /// Takes one token if there is one.
    ///
    /// The clock (`now`) is read only when the bucket runs short: while a whole token is
    /// left it is simply taken, and the time since the last refill is credited, up to the
    /// capacity, when it is next needed. Over any stretch of time that allows at least
    /// what refilling at every take would, and never more than the capacity plus the rate
    /// times the time.
    pub fn take(&mut self, now: impl FnOnce() -> Instant) -> bool {
        if self.tokens < 1.0 {
            let now = now();
            let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
            self.last = now;
            self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        }
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn bursts_then_refills_at_the_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(3.0, 2.0, start);
        assert!((0..3).all(|_| bucket.take(|| start)));
        assert!(!bucket.take(|| start));
        // Half a second at 2/s is one token.
        assert!(bucket.take(|| start + Duration::from_millis(500)));
        assert!(!bucket.take(|| start + Duration::from_millis(500)));
        // A long pause refills only up to the capacity.
        let later = start + Duration::from_secs(60);
        assert!((0..3).all(|_| bucket.take(|| later)));
        assert!(!bucket.take(|| later));
    }

    #[test]
    fn the_clock_is_read_only_when_the_bucket_runs_short() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(3.0, 2.0, start);
        let reads = std::cell::Cell::new(0);
        let clock = || {
            reads.set(reads.get() + 1);
            start
        };
        assert!((0..3).all(|_| bucket.take(clock)));
        assert_eq!(reads.get(), 0, "three tokens were there");
        assert!(!bucket.take(clock));
        assert_eq!(reads.get(), 1);
    }

    #[test]
    fn never_more_than_the_capacity_plus_the_rate_times_the_time() {
        // A steady sender at 7 frames per second against 1 per second and a burst of 5:
        // over 100 s at most 5 + 100 pass, and what refilling at every take allows.
        let start = Instant::now();
        let mut bucket = TokenBucket::new(5.0, 1.0, start);
        let mut passed = 0_u32;
        for i in 1..=700_u64 {
            let now = start + Duration::from_millis(i * 1000 / 7);
            if bucket.take(|| now) {
                passed += 1;
            }
        }
        assert!((104..=105).contains(&passed), "{passed} passed");
    }
}
