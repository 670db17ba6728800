//! `/stocks`: the StockTicker feed of the Brython API reference over the simulated [`crate::market`].
//!
//! On `subscribe` a snapshot quote of each symbol goes out at once, then updates at the
//! connection's rate (`/stocks?rate=N` quotes per second, at most 10,000; the server's
//! `--stocks-rate` by default), round-robin over the subscribed symbols. Quotes queue in
//! order, up to 256; past that, each symbol keeps only its newest one until the socket can
//! take them: a client that falls behind gets each symbol's newest quote (conflation),
//! never a growing queue. A text frame `ping` is answered with `pong`, for the reliable
//! layer's heartbeat.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
    time::Duration,
};

use axum::{
    extract::{
        Query, State,
        ws::{Message, Utf8Bytes},
    },
    http::StatusCode,
    response::{IntoResponse, Response},
};
use futures::{SinkExt, StreamExt};
use tokio::{sync::Notify, time::Instant};
use wslab_protocol::{
    decode::{QUOTED_CHARS, excerpt},
    stocks::{CATALOGUE, MAX_RATE, Quote, StockEvent, StockRequest},
};

use crate::{
    AppState, Conn, Ending,
    gate::Slot,
    market::{Feed, symbol_index},
    upgrade::Upgrade,
};

/// How often the generator wakes up; each wake makes `rate × elapsed` quotes.
const TICK: Duration = Duration::from_millis(10);
/// Error replies kept for a client that does not read; more are dropped.
const MAX_QUEUED_ERRORS: usize = 64;

/// The feed's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StocksConfig {
    /// Seed of the market (same seed, same quotes).
    pub seed: u64,
    /// Quotes per second per connection unless `?rate=` says otherwise.
    pub rate: f64,
}

impl Default for StocksConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            rate: 10.0,
        }
    }
}

/// Upgrades `/stocks?rate=N&seed=S` (both optional); a bad parameter is HTTP 400.
pub async fn upgrade(
    ws: Upgrade,
    slot: Slot,
    Query(params): Query<HashMap<String, String>>,
    State(state): State<AppState>,
) -> Response {
    let mut config = state.stocks;
    if let Some(rate) = params.get("rate") {
        match rate.parse::<f64>() {
            Ok(rate) if rate > 0.0 && rate <= MAX_RATE => config.rate = rate,
            _ => {
                let message = format!("rate must be a number above 0 and at most {MAX_RATE}");
                return (StatusCode::BAD_REQUEST, message).into_response();
            }
        }
    }
    if let Some(seed) = params.get("seed") {
        match seed.parse::<u64>() {
            Ok(seed) => config.seed = seed,
            Err(_) => {
                return (StatusCode::BAD_REQUEST, "seed must be an unsigned integer")
                    .into_response();
            }
        }
    }
    ws.on_upgrade(async move |socket| {
        state
            .run(socket, slot, async move |socket| {
                session(socket, config).await
            })
            .await;
    })
}

/// Quotes waiting before a client counts as behind; past this, each new quote replaces
/// its symbol's waiting one instead of queueing (conflation).
const BACKLOG: usize = 256;

/// What waits for the socket: error replies, then quotes in order. A client that keeps up
/// gets every quote; one that falls behind gets each symbol's newest.
#[derive(Default)]
struct Outbox {
    /// A `ping` waits for its `pong` (one at most, however many pings came).
    pong: bool,
    errors: VecDeque<Utf8Bytes>,
    quotes: VecDeque<Quote>,
    /// Sequence number of `quotes[0]`.
    head: u64,
    /// Symbol → sequence number of its newest waiting quote.
    newest: HashMap<usize, u64>,
    conflated: u64,
}

impl Outbox {
    fn quote(&mut self, index: usize, quote: Quote) {
        if self.quotes.len() >= BACKLOG
            && let Some(&seq) = self.newest.get(&index)
            && let Some(slot) = usize::try_from(seq - self.head)
                .ok()
                .and_then(|at| self.quotes.get_mut(at))
        {
            *slot = quote;
            self.conflated += 1;
            return;
        }
        self.append(index, quote);
    }

    fn append(&mut self, index: usize, quote: Quote) {
        self.newest
            .insert(index, self.head + self.quotes.len() as u64);
        self.quotes.push_back(quote);
    }

    fn error(&mut self, message: String) {
        if self.errors.len() < MAX_QUEUED_ERRORS {
            self.errors
                .push_back(encode(&StockEvent::Error { message }));
        }
    }

    /// Drops the waiting quotes of an unsubscribed symbol.
    fn forget(&mut self, symbol: &str) {
        let kept: Vec<Quote> = self
            .quotes
            .drain(..)
            .filter(|q| q.symbol != symbol)
            .collect();
        self.newest.clear();
        for quote in kept {
            if let Some(index) = symbol_index(&quote.symbol) {
                self.append(index, quote);
            }
        }
    }

    fn take(&mut self) -> Vec<Utf8Bytes> {
        let mut frames: Vec<Utf8Bytes> = Vec::new();
        if std::mem::take(&mut self.pong) {
            frames.push("pong".into());
        }
        frames.extend(self.errors.drain(..));
        self.head += self.quotes.len() as u64;
        self.newest.clear();
        frames.extend(
            self.quotes
                .drain(..)
                .map(|quote| encode(&StockEvent::Quote(quote))),
        );
        frames
    }
}

fn encode(event: &StockEvent) -> Utf8Bytes {
    serde_json::to_string(event).unwrap_or_default().into()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Applies one request to the feed, queueing snapshots and errors.
fn apply(feed: &mut Feed, outbox: &mut Outbox, request: StockRequest) {
    let (subscribe, symbols) = match request {
        StockRequest::Subscribe { symbols } => (true, symbols),
        StockRequest::Unsubscribe { symbols } => (false, symbols),
    };
    if symbols.is_empty() {
        return outbox.error("the symbols list is empty".into());
    }
    let mut unknown = Vec::new();
    let mut not_subscribed = Vec::new();
    for symbol in &symbols {
        let Some(index) = symbol_index(symbol) else {
            unknown.push(symbol.as_str());
            continue;
        };
        if subscribe {
            if let Some(snapshot) = feed.subscribe(index) {
                outbox.quote(index, snapshot);
            }
        } else if feed.unsubscribe(index) {
            outbox.forget(CATALOGUE[index]);
        } else if !not_subscribed.contains(&CATALOGUE[index]) {
            not_subscribed.push(CATALOGUE[index]);
        }
    }
    if !unknown.is_empty() {
        let plural = if unknown.len() == 1 { "" } else { "s" };
        let listed = excerpt(&unknown.join(", "), 4 * QUOTED_CHARS);
        outbox.error(format!("unknown symbol{plural} {listed}"));
    }
    if !not_subscribed.is_empty() {
        let listed = excerpt(&not_subscribed.join(", "), 4 * QUOTED_CHARS);
        outbox.error(format!("not subscribed to {listed}"));
    }
}

/// One connection: reader, generator and writer side by side in this task.
async fn session(socket: &mut Conn, config: StocksConfig) -> Ending {
    let feed = Mutex::new(Feed::new(config.seed));
    let outbox = Mutex::new(Outbox::default());
    let ready = Notify::new();
    let (mut sink, mut stream) = socket.split();

    // The reader says how the session ends: its read error's close, or a plain one.
    let reader = async {
        while let Some(read) = stream.next().await {
            let message = match read {
                Ok(message) => message,
                Err(error) => return Ending::after_read_error(error),
            };
            let text = match message {
                Message::Text(text) if text.as_str() == "ping" => {
                    // The reliable layer's heartbeat: one pending pong at most.
                    lock(&outbox).pong = true;
                    ready.notify_one();
                    continue;
                }
                Message::Text(text) => text,
                Message::Binary(_) => {
                    lock(&outbox).error("binary frames are not supported; send JSON text".into());
                    ready.notify_one();
                    continue;
                }
                Message::Ping(_) | Message::Pong(_) => continue,
                Message::Close(_) => return Ending::Graceful,
            };
            match StockRequest::decode(text.as_str()) {
                Ok(request) => apply(&mut lock(&feed), &mut lock(&outbox), request),
                Err(problem) => lock(&outbox).error(problem.to_string()),
            }
            ready.notify_one();
        }
        Ending::Graceful
    };
    let generator = async {
        let mut interval = tokio::time::interval(TICK);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last = Instant::now();
        let mut budget = 0.0_f64;
        loop {
            interval.tick().await;
            let now = Instant::now();
            budget += config.rate * now.duration_since(last).as_secs_f64();
            last = now;
            let mut feed = lock(&feed);
            if feed.is_empty() {
                budget = 0.0;
                continue;
            }
            let mut outbox = lock(&outbox);
            while budget >= 1.0 {
                budget -= 1.0;
                if let Some((index, quote)) = feed.next_quote() {
                    outbox.quote(index, quote);
                }
            }
            drop((feed, outbox));
            ready.notify_one();
        }
    };
    let writer = async {
        loop {
            ready.notified().await;
            let frames = lock(&outbox).take();
            for frame in frames {
                if sink.send(Message::Text(frame)).await.is_err() {
                    return;
                }
            }
        }
    };
    let ending = tokio::select! {
        ending = reader => ending,
        () = generator => Ending::Graceful,
        () = writer => Ending::Graceful,
    };
    let conflated = lock(&outbox).conflated;
    tracing::debug!(conflated, "stocks: session ended");
    ending
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(symbol: &str, volume: u64) -> Quote {
        Quote {
            symbol: symbol.into(),
            price: 1.0,
            change: 0.0,
            volume,
        }
    }

    fn volumes(frames: &[Utf8Bytes]) -> Vec<String> {
        frames
            .iter()
            .map(|f| {
                let v: serde_json::Value = serde_json::from_str(f.as_str()).unwrap_or_default();
                format!("{}{}", v["symbol"].as_str().unwrap_or("!"), v["volume"])
            })
            .collect()
    }

    #[test]
    fn a_client_that_keeps_up_gets_every_quote_in_order() {
        let mut outbox = Outbox::default();
        outbox.quote(3, quote("MSFT", 1));
        outbox.quote(0, quote("AAPL", 2));
        outbox.quote(3, quote("MSFT", 3));
        outbox.error("oops".into());
        assert_eq!(
            volumes(&outbox.take()),
            ["!null", "MSFT1", "AAPL2", "MSFT3"]
        );
        assert!(outbox.take().is_empty());
    }

    #[test]
    fn a_client_that_falls_behind_gets_the_newest_quote_per_symbol() {
        let mut outbox = Outbox::default();
        for volume in 0..10_000 {
            let index = (volume % 2) as usize;
            outbox.quote(index, quote(CATALOGUE[index], volume));
        }
        let frames = volumes(&outbox.take());
        assert_eq!(frames.len(), BACKLOG, "bounded");
        assert_eq!(frames[BACKLOG - 2..], ["AAPL9998", "GOOGL9999"]);
        assert_eq!(outbox.conflated, 10_000 - BACKLOG as u64);
    }

    #[test]
    fn unsubscribing_drops_waiting_quotes_of_that_symbol_only() {
        let mut outbox = Outbox::default();
        outbox.quote(0, quote("AAPL", 1));
        outbox.quote(3, quote("TSLA", 2));
        outbox.quote(0, quote("AAPL", 3));
        outbox.forget("TSLA");
        outbox.quote(3, quote("TSLA", 4));
        assert_eq!(volumes(&outbox.take()), ["AAPL1", "AAPL3", "TSLA4"]);
    }
}
