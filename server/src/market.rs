//! The simulated market behind `/stocks`: one seeded random walk per symbol.
//!
//! A symbol's walk depends only on the seed and the symbol, so the k-th quote of `AAPL` is
//! the same on every connection and every run with the same seed. Prices move in whole
//! cents (integers, no drift from float rounding).

use wslab_protocol::stocks::{CATALOGUE, Quote};

/// A small, fast, deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Roughly normal, mean 0, standard deviation 1 (sum of four uniforms).
    fn gaussish(&mut self) -> f64 {
        let sum: f64 = (0..4).map(|_| self.unit()).sum();
        (sum - 2.0) * 3f64.sqrt()
    }
}

/// FNV-1a, to mix the symbol into the seed.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// One symbol's price history, generated one step at a time.
#[derive(Debug, Clone)]
pub struct Walk {
    symbol: &'static str,
    rng: SplitMix64,
    open_cents: i64,
    price_cents: i64,
    volume: u64,
}

impl Walk {
    /// The walk of `symbol` under `seed`, at its opening price.
    pub fn new(seed: u64, symbol: &'static str) -> Self {
        let mut rng = SplitMix64(seed ^ fnv1a(symbol));
        let open_cents = 2_000 + (rng.unit() * 48_000.0) as i64;
        let volume = 1_000_000 + (rng.unit() * 9_000_000.0) as u64;
        Self {
            symbol,
            rng,
            open_cents,
            price_cents: open_cents,
            volume,
        }
    }

    /// The current quote.
    pub fn quote(&self) -> Quote {
        Quote {
            symbol: self.symbol.to_owned(),
            price: self.price_cents as f64 / 100.0,
            change: (self.price_cents - self.open_cents) as f64 / 100.0,
            volume: self.volume,
        }
    }

    /// Moves one step (about 0.2 % per step) and returns the new quote.
    pub fn step(&mut self) -> Quote {
        let moved = self.price_cents as f64 * 0.002 * self.rng.gaussish();
        self.price_cents = (self.price_cents + moved.round() as i64).max(1);
        self.volume += 100 + (self.rng.unit() * 4_900.0) as u64;
        self.quote()
    }
}

/// The catalogue index of `symbol` (case-insensitive).
pub fn symbol_index(symbol: &str) -> Option<usize> {
    CATALOGUE
        .iter()
        .position(|known| known.eq_ignore_ascii_case(symbol))
}

/// One connection's subscriptions, stepped round-robin.
#[derive(Debug)]
pub struct Feed {
    seed: u64,
    walks: Vec<(usize, Walk)>,
    cursor: usize,
}

impl Feed {
    /// No subscriptions yet.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            walks: Vec::new(),
            cursor: 0,
        }
    }

    /// Subscribes to catalogue entry `index`; returns its snapshot quote. A symbol already
    /// subscribed keeps its walk (its snapshot is its current quote).
    pub fn subscribe(&mut self, index: usize) -> Option<Quote> {
        let symbol = CATALOGUE.get(index)?;
        if let Some((_, walk)) = self.walks.iter().find(|(i, _)| *i == index) {
            return Some(walk.quote());
        }
        let walk = Walk::new(self.seed, symbol);
        let quote = walk.quote();
        self.walks.push((index, walk));
        Some(quote)
    }

    /// Unsubscribes; false if it was not subscribed.
    pub fn unsubscribe(&mut self, index: usize) -> bool {
        let before = self.walks.len();
        self.walks.retain(|(i, _)| *i != index);
        before != self.walks.len()
    }

    /// Whether anything is subscribed.
    pub fn is_empty(&self) -> bool {
        self.walks.is_empty()
    }

    /// The next update: the next subscribed symbol in turn takes one step.
    pub fn next_quote(&mut self) -> Option<(usize, Quote)> {
        if self.walks.is_empty() {
            return None;
        }
        self.cursor %= self.walks.len();
        let (index, walk) = &mut self.walks[self.cursor];
        self.cursor += 1;
        Some((*index, walk.step()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_quotes_different_seed_different_quotes() {
        let run = |seed| {
            let mut walk = Walk::new(seed, "AAPL");
            (0..100).map(|_| walk.step()).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn quotes_are_whole_cents_and_positive_and_volume_grows() {
        let mut walk = Walk::new(1, "TSLA");
        let mut volume = walk.quote().volume;
        for _ in 0..10_000 {
            let quote = walk.step();
            assert!(quote.price >= 0.01);
            assert_eq!((quote.price * 100.0).round() / 100.0, quote.price);
            assert_eq!((quote.change * 100.0).round() / 100.0, quote.change);
            assert!(quote.volume > volume);
            volume = quote.volume;
        }
    }

    #[test]
    fn feeds_step_round_robin_and_snapshot_at_the_current_quote() {
        let mut feed = Feed::new(3);
        let aapl = feed.subscribe(0).map(|q| q.price);
        feed.subscribe(4);
        let order: Vec<usize> = (0..4)
            .filter_map(|_| feed.next_quote().map(|(i, _)| i))
            .collect();
        assert_eq!(order, [0, 4, 0, 4]);
        // Re-subscribing keeps the walk: the snapshot is where it is now, not the open.
        assert_ne!(feed.subscribe(0).map(|q| q.price), aapl);
        assert!(feed.unsubscribe(0));
        assert!(!feed.unsubscribe(0));
        assert_eq!(feed.next_quote().map(|(i, _)| i), Some(4));
    }

    #[test]
    fn symbols_are_found_case_insensitively() {
        assert_eq!(symbol_index("aapl"), Some(0));
        assert_eq!(symbol_index("AMZN"), Some(4));
        assert_eq!(symbol_index("XYZ123"), None);
    }
}
