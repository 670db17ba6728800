//! The ticker's state and pure reducer: rows in subscription order, each with its recent
//! prices; quotes arrive in per-frame batches. Formatting follows the API reference's StockTicker.

use crate::lean::decimal::fixed;
use std::{collections::VecDeque, rc::Rc};

use wslab_protocol::stocks::{FIRST_SYMBOLS, Quote, StockEvent, StockRequest};
use yew::{AttrValue, Reducible};

use wslab_socket::{ReadyState, SocketEvent, reconnect::Status};

/// Prices kept per row for its sparkline.
pub const SPARK_POINTS: usize = 30;
/// The sparkline takes at most one point per this many milliseconds (so it shows time,
/// and redraws a few times a second however fast quotes come).
pub const SAMPLE_MS: f64 = 250.0;
/// A row flashes at most once per this many milliseconds (the flash's length).
pub const FLASH_MS: f64 = 600.0;
/// Messages kept in the ticker's notice list.
const NOTICES: usize = 5;

/// `$123.45`.
pub fn format_price(price: f64) -> String {
    format!("${}", fixed(price, 2))
}

/// `+1.23` or `-1.23`. As in the API reference, the sign is the change's own, so it always agrees with
/// the colour: `+` when the change is zero or more, and `-0.00` for a small fall.
pub fn format_change(change: f64) -> String {
    let magnitude = fixed(change.abs(), 2);
    if change.is_nan() {
        magnitude
    } else if change >= 0.0 {
        format!("+{magnitude}")
    } else {
        format!("-{magnitude}")
    }
}

/// What to send on every open: a subscription to everything wanted, or nothing when
/// nothing is (the server refuses an empty list with an error).
pub fn resume_request(wanted: &[AttrValue]) -> Option<StockRequest> {
    (!wanted.is_empty()).then(|| StockRequest::Subscribe {
        symbols: wanted.iter().map(AttrValue::to_string).collect(),
    })
}

/// `1,234,567`.
pub fn format_volume(volume: u64) -> String {
    let digits = volume.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Which way the last quote moved the price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Move {
    /// Up.
    Up,
    /// Down.
    Down,
    /// Unchanged, or the first quote.
    #[default]
    Flat,
}

/// One table row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    /// Ticker symbol.
    pub symbol: AttrValue,
    /// Last price.
    pub price: f64,
    /// Change since the open.
    pub change: f64,
    /// Volume.
    pub volume: u64,
    /// Sampled recent prices, oldest first; a new `Rc` only when a point is added.
    pub history: Rc<VecDeque<f64>>,
    /// Which way the current flash goes.
    pub flash: Move,
    /// Flashes so far (its parity picks the animation name, restarting it).
    pub flashes: u64,
    /// Updates applied to this row.
    pub updates: u64,
    sampled_at: f64,
    flashed_at: f64,
}

/// Whether `ms` have passed since `since`; an unknown time (NaN) counts as yes.
fn passed(now: f64, since: f64, ms: f64) -> bool {
    let elapsed = now - since;
    elapsed.is_nan() || elapsed >= ms
}

impl Row {
    fn apply(&mut self, quote: &Quote, now: f64) {
        let direction = if self.updates == 0 || quote.price == self.price {
            Move::Flat
        } else if quote.price > self.price {
            Move::Up
        } else {
            Move::Down
        };
        if direction != Move::Flat && passed(now, self.flashed_at, FLASH_MS) {
            self.flash = direction;
            self.flashes += 1;
            self.flashed_at = now;
        }
        self.price = quote.price;
        self.change = quote.change;
        self.volume = quote.volume;
        if self.history.is_empty() || passed(now, self.sampled_at, SAMPLE_MS) {
            let history = Rc::make_mut(&mut self.history);
            if history.len() == SPARK_POINTS {
                history.pop_front();
            }
            history.push_back(quote.price);
            self.sampled_at = now;
        }
        self.updates += 1;
    }
}

/// What the ticker says when the connection stops retrying.
pub const GAVE_UP: &str = "Could not reconnect; press Reconnect to try again";

/// The ticker as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TickerState {
    /// The socket's ready state.
    pub ready: ReadyState,
    /// Symbols the user wants, in order (the API reference's five at first).
    pub wanted: Vec<AttrValue>,
    /// Rows that have had a quote, in `wanted` order; shared until they change.
    pub rows: Vec<Rc<Row>>,
    /// Latest notices (errors, connection changes), newest last, each with a stable id.
    pub notices: VecDeque<(u64, AttrValue)>,
    notices_seen: u64,
    /// Quotes applied since the page opened.
    pub applied: u64,
    /// Quotes applied per second, over the last full second.
    pub rate: f64,
    window_start: f64,
    window_count: u64,
}

impl Default for TickerState {
    fn default() -> Self {
        Self {
            ready: ReadyState::Closed,
            wanted: FIRST_SYMBOLS.iter().map(|s| AttrValue::from(*s)).collect(),
            rows: Vec::new(),
            notices: VecDeque::new(),
            notices_seen: 0,
            applied: 0,
            rate: 0.0,
            window_start: f64::NAN,
            window_count: 0,
        }
    }
}

/// Everything that changes a [`TickerState`].
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A socket event, its frame read by [`super::client::StockCodec`] (quotes normally
    /// come batched as [`Action::Quotes`]).
    Socket(SocketEvent<StockEvent>),
    /// The quotes that arrived since the last animation frame, at time `now` (ms).
    Quotes {
        /// In arrival order.
        quotes: Vec<Quote>,
        /// `performance.now()` of the frame.
        now: f64,
    },
    /// The user added symbols.
    Want(Vec<AttrValue>),
    /// The user removed a symbol.
    Drop(AttrValue),
    /// A notice from the app itself.
    Notice(AttrValue),
}

impl TickerState {
    /// Whether the socket is open.
    pub fn is_open(&self) -> bool {
        self.ready == ReadyState::Open
    }

    fn notice(&mut self, text: impl Into<AttrValue>) {
        if self.notices.len() == NOTICES {
            self.notices.pop_front();
        }
        self.notices.push_back((self.notices_seen, text.into()));
        self.notices_seen += 1;
    }

    /// No quotes are coming (closed, or nothing wanted): the rate starts over.
    fn reset_rate(&mut self) {
        self.rate = 0.0;
        self.window_start = f64::NAN;
        self.window_count = 0;
    }

    fn apply_quotes(&mut self, quotes: &[Quote], now: f64) {
        for quote in quotes {
            // Quotes for symbols no longer wanted (in flight at unsubscribe) are ignored.
            if !self.wanted.iter().any(|w| w == quote.symbol.as_str()) {
                continue;
            }
            match self
                .rows
                .iter_mut()
                .find(|r| r.symbol == quote.symbol.as_str())
            {
                Some(row) => Rc::make_mut(row).apply(quote, now),
                None => {
                    let mut row = Row {
                        symbol: quote.symbol.clone().into(),
                        ..Row::default()
                    };
                    row.apply(quote, now);
                    // Rows keep the order of `wanted`: the new one goes before the first
                    // row wanted after it (no sort, so no sorting code in the wasm).
                    let rank = |symbol: &str| self.wanted.iter().position(|w| w == symbol);
                    let own = rank(&row.symbol);
                    let at = self
                        .rows
                        .iter()
                        .position(|r| rank(&r.symbol) > own)
                        .unwrap_or(self.rows.len());
                    self.rows.insert(at, Rc::new(row));
                }
            }
            self.applied += 1;
            self.window_count += 1;
        }
        if self.window_start.is_nan() {
            self.window_start = now;
        } else if now - self.window_start >= 1000.0 {
            self.rate = self.window_count as f64 * 1000.0 / (now - self.window_start);
            self.window_start = now;
            self.window_count = 0;
        }
    }
}

impl Reducible for TickerState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = Rc::unwrap_or_clone(self);
        match action {
            Action::Socket(SocketEvent::Ready(state)) => {
                next.ready = state;
                if state == ReadyState::Connecting {
                    // A replaced connection sends no close: the rate starts over here too.
                    next.reset_rate();
                }
            }
            Action::Socket(SocketEvent::Status(Status::GaveUp)) => next.notice(GAVE_UP),
            Action::Socket(SocketEvent::Open { .. }) => {
                next.notice("Connected to stock data stream");
            }
            // Normally quotes come batched per frame; a stray one is applied as is.
            Action::Socket(SocketEvent::Message(StockEvent::Quote(quote))) => {
                next.apply_quotes(&[quote], f64::NAN);
            }
            Action::Socket(SocketEvent::Message(StockEvent::Error { message })) => {
                next.notice(format!("Error: {message}"));
            }
            Action::Socket(SocketEvent::Undecoded(error)) => {
                next.notice(format!("Received: {}", error.frame));
            }
            Action::Socket(SocketEvent::Close(close)) => {
                next.reset_rate();
                next.notice(format!("Stock data stream closed: {close}"));
            }
            Action::Socket(SocketEvent::Error) => next.notice("Connection error"),
            Action::Socket(SocketEvent::Failed(error)) => next.notice(format!("Error: {error}")),
            // Buffered amounts, the other statuses, pongs, the outbox: nothing it shows.
            Action::Socket(_) => return Rc::new(next),
            Action::Quotes { quotes, now } => next.apply_quotes(&quotes, now),
            Action::Want(symbols) => {
                for symbol in symbols {
                    if !next.wanted.contains(&symbol) {
                        next.wanted.push(symbol);
                    }
                }
            }
            Action::Drop(symbol) => {
                next.wanted.retain(|w| *w != symbol);
                next.rows.retain(|row| row.symbol != symbol);
                if next.wanted.is_empty() {
                    next.reset_rate();
                }
            }
            Action::Notice(text) => next.notice(text),
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(symbol: &str, price: f64, change: f64, volume: u64) -> Quote {
        Quote {
            symbol: symbol.into(),
            price,
            change,
            volume,
        }
    }

    fn quotes(list: Vec<Quote>, now: f64) -> Action {
        Action::Quotes { quotes: list, now }
    }

    #[test]
    fn formats_as_the_api_reference_does() {
        assert_eq!(format_price(123.45), "$123.45");
        assert_eq!(format_price(7.0), "$7.00");
        assert_eq!(format_change(1.234), "+1.23");
        assert_eq!(format_change(0.0), "+0.00");
        assert_eq!(format_change(-1.23), "-1.23");
        // A fall too small to show keeps its sign, as the API reference's f"{change:.2f}" does: the
        // text agrees with the red colour.
        assert_eq!(format_change(-0.004), "-0.00");
        assert_eq!(format_change(0.004), "+0.00");
        assert_eq!(format_change(f64::NAN), "–");
        assert_eq!(format_volume(1_234_567), "1,234,567");
        assert_eq!(format_volume(999), "999");
        assert_eq!(format_volume(1000), "1,000");
        assert_eq!(format_volume(0), "0");
    }

    #[test]
    fn every_open_subscribes_to_what_is_wanted_and_to_nothing_when_nothing_is() {
        let wanted: Vec<AttrValue> = vec!["AAPL".into(), "MSFT".into()];
        assert_eq!(
            resume_request(&wanted),
            Some(StockRequest::Subscribe {
                symbols: vec!["AAPL".into(), "MSFT".into()]
            })
        );
        // Every row removed, then a reconnect: no `"symbols":[]`, which the server answers
        // with an error notice.
        assert_eq!(resume_request(&[]), None);
    }

    #[test]
    fn rows_appear_on_their_first_quote_in_wanted_order_and_track_direction() {
        let state = Rc::new(TickerState::default());
        let state = state.reduce(quotes(
            vec![quote("MSFT", 10.0, 0.0, 1), quote("AAPL", 20.0, 0.5, 2)],
            0.0,
        ));
        let symbols: Vec<&str> = state.rows.iter().map(|r| r.symbol.as_str()).collect();
        assert_eq!(symbols, ["AAPL", "MSFT"]);
        let state = state.reduce(quotes(vec![quote("AAPL", 19.0, -0.5, 3)], 700.0));
        assert_eq!(state.rows[0].flash, Move::Down);
        assert_eq!(*state.rows[0].history, [20.0, 19.0]);
        assert_eq!(state.applied, 3);
    }

    #[test]
    fn rows_arriving_in_any_order_end_in_wanted_order() {
        let mut state = Rc::new(TickerState::default());
        state = state.reduce(Action::Want(vec!["NVDA".into()]));
        let wanted = ["AAPL", "GOOGL", "MSFT", "TSLA", "AMZN", "NVDA"];
        assert_eq!(state.wanted, wanted.map(AttrValue::from));
        // One quote at a time, in an order unlike the wanted one, some in one batch.
        for batch in [
            vec!["TSLA"],
            vec!["NVDA", "AAPL"],
            vec!["AMZN"],
            vec!["GOOGL", "MSFT"],
        ] {
            let list = batch.into_iter().map(|s| quote(s, 1.0, 0.0, 1)).collect();
            state = state.reduce(quotes(list, 0.0));
        }
        let rows: Vec<&str> = state.rows.iter().map(|r| r.symbol.as_str()).collect();
        assert_eq!(rows, wanted);
    }

    #[test]
    fn fast_quotes_flash_and_sample_at_a_human_pace() {
        let mut state = Rc::new(TickerState::default());
        // 600 quotes over one second (one per frame and a half), alternating up and down.
        for i in 0..600 {
            let price = if i % 2 == 0 { 10.0 } else { 11.0 };
            state = state.reduce(quotes(
                vec![quote("AAPL", price, 0.0, i)],
                f64::from(i as u32) * 1000.0 / 600.0,
            ));
        }
        let row = &state.rows[0];
        assert_eq!(row.updates, 600);
        assert!(
            row.flashes <= 2,
            "at most one flash per 600 ms: {}",
            row.flashes
        );
        assert!(
            row.history.len() <= 5,
            "one point per 250 ms: {}",
            row.history.len()
        );
    }

    #[test]
    fn the_sparkline_history_is_shared_until_a_point_is_added() {
        let state =
            Rc::new(TickerState::default()).reduce(quotes(vec![quote("AAPL", 1.0, 0.0, 1)], 0.0));
        let before = Rc::clone(&state.rows[0].history);
        let soon = state.reduce(quotes(vec![quote("AAPL", 2.0, 0.0, 2)], 16.0));
        assert!(Rc::ptr_eq(&before, &soon.rows[0].history));
        let later = soon.reduce(quotes(vec![quote("AAPL", 3.0, 0.0, 3)], 300.0));
        assert!(!Rc::ptr_eq(&before, &later.rows[0].history));
    }

    #[test]
    fn an_unchanged_row_keeps_its_rc_so_it_does_not_re_render() {
        let state = Rc::new(TickerState::default()).reduce(quotes(
            vec![quote("AAPL", 1.0, 0.0, 1), quote("MSFT", 1.0, 0.0, 1)],
            0.0,
        ));
        let before = state.rows.clone();
        let after = state.reduce(quotes(vec![quote("MSFT", 2.0, 1.0, 2)], 16.0));
        assert!(Rc::ptr_eq(&before[0], &after.rows[0]), "AAPL untouched");
        assert!(!Rc::ptr_eq(&before[1], &after.rows[1]), "MSFT changed");
    }

    #[test]
    fn dropping_a_symbol_removes_its_row_and_ignores_late_quotes() {
        let state = Rc::new(TickerState::default())
            .reduce(quotes(vec![quote("TSLA", 1.0, 0.0, 1)], 0.0))
            .reduce(Action::Drop("TSLA".into()))
            .reduce(quotes(vec![quote("TSLA", 2.0, 0.0, 2)], 16.0));
        assert!(state.rows.is_empty());
        assert!(!state.wanted.iter().any(|w| w == "TSLA"));
    }

    #[test]
    fn the_applied_rate_is_measured_over_whole_seconds() {
        let mut state = Rc::new(TickerState::default());
        for frame in 0..=60 {
            let batch = (0..50)
                .map(|i| quote("AAPL", f64::from(i), 0.0, 1))
                .collect();
            state = state.reduce(quotes(batch, f64::from(frame) * (1000.0 / 60.0)));
        }
        assert!((state.rate - 3000.0).abs() < 60.0, "{}", state.rate);
    }

    #[test]
    fn the_rate_starts_over_after_a_close_or_when_nothing_is_wanted() {
        let second = |state: Rc<TickerState>, start: f64| {
            let batch = |at| quotes(vec![quote("AAPL", 1.0, 0.0, 1); 10], at);
            state.reduce(batch(start)).reduce(batch(start + 1000.0))
        };
        let busy = second(Rc::new(TickerState::default()), 0.0);
        assert!(busy.rate > 0.0);
        let closed = busy.clone().reduce(Action::Socket(SocketEvent::Close(
            wslab_socket::CloseEvent {
                code: 1006,
                reason: String::new(),
                was_clean: false,
            },
        )));
        assert_eq!(closed.rate, 0.0);
        // Reconnect replaces the connection without a close event: it starts over too.
        let connecting = Action::Socket(SocketEvent::Ready(ReadyState::Connecting));
        assert_eq!(busy.clone().reduce(connecting).rate, 0.0);
        // The next second is measured from its own start, not from before the close.
        assert!(second(closed, 60_000.0).rate > 0.0);

        let mut emptied = busy;
        for symbol in FIRST_SYMBOLS {
            assert!(emptied.rate > 0.0, "still some symbols: the rate stays");
            emptied = emptied.reduce(Action::Drop((*symbol).into()));
        }
        assert_eq!(emptied.rate, 0.0);
    }

    #[test]
    fn giving_up_is_announced_when_the_status_says_so() {
        let count =
            |state: &TickerState| state.notices.iter().filter(|(_, n)| n == GAVE_UP).count();
        let gave_up = Action::Socket(SocketEvent::Status(Status::GaveUp));
        let state = Rc::new(TickerState::default()).reduce(gave_up.clone());
        assert_eq!(count(&state), 1);
        // Reconnect pressed, failed again: the socket says so again.
        let waiting = Action::Socket(SocketEvent::Status(Status::Waiting { attempt: 1, at: 0 }));
        assert_eq!(count(&state.reduce(waiting).reduce(gave_up)), 2);
    }

    #[test]
    fn frames_are_read_into_quotes_errors_and_what_does_not_decode() {
        use crate::demos::ticker::StockCodec;
        use wslab_socket::Message;
        let frame = |raw: &str| {
            Rc::new(TickerState::default()).reduce(Action::Socket(
                SocketEvent::Message(Message::Text(raw.into())).decode(&StockCodec),
            ))
        };
        let quoted =
            frame(r#"{"type":"quote","symbol":"AAPL","price":1.5,"change":-0.25,"volume":10}"#);
        assert_eq!(quoted.applied, 1);
        let refused = frame(r#"{"type":"error","message":"unknown symbol X"}"#);
        assert_eq!(
            refused.notices.back().map(|(_, n)| n.as_str()),
            Some("Error: unknown symbol X")
        );
        let other = frame("hello");
        assert_eq!(
            other.notices.back().map(|(_, n)| n.as_str()),
            Some("Received: hello")
        );
        assert_eq!(other.applied, 0);
    }
}
