//! `/stocks`: the StockTicker protocol of the Brython API reference.
//!
//! The client sends `{"action":"subscribe","symbols":[...]}` or `"unsubscribe"`; the server
//! sends `{"type":"quote","symbol":S,"price":P,"change":C,"volume":V}` (numbers, volume an
//! integer) and `{"type":"error","message":M}`.

use serde::{Deserialize, Serialize};

use crate::decode::{DecodeError, Shape, decode};

/// The path the endpoint is served on.
pub const PATH: &str = "/stocks";
/// The symbols the API reference's ticker subscribes to on open.
pub const FIRST_SYMBOLS: [&str; 5] = ["AAPL", "GOOGL", "MSFT", "TSLA", "AMZN"];

/// Highest per-connection quote rate (`/stocks?rate=N`), quotes per second.
pub const MAX_RATE: f64 = 10_000.0;

/// The simulated market's 200 symbols, the API reference's five first. The prices are invented.
pub const CATALOGUE: [&str; 200] = [
    "AAPL", "GOOGL", "MSFT", "TSLA", "AMZN", "NVDA", "META", "NFLX", "ADBE", "INTC", //
    "AMD", "ORCL", "CSCO", "IBM", "QCOM", "TXN", "AVGO", "CRM", "PYPL", "UBER", //
    "SHOP", "SQ", "SNAP", "PINS", "SPOT", "ZM", "DOCU", "TWLO", "OKTA", "NET", //
    "DDOG", "SNOW", "PLTR", "MDB", "CRWD", "ZS", "PANW", "FTNT", "TEAM", "WDAY", //
    "NOW", "INTU", "ADP", "PAYX", "ACN", "CTSH", "EPAM", "GLOB", "HPQ", "DELL", //
    "JPM", "BAC", "WFC", "C", "GS", "MS", "SCHW", "BLK", "AXP", "V", //
    "MA", "COF", "USB", "PNC", "TFC", "BK", "STT", "MET", "PRU", "AIG", //
    "XOM", "CVX", "COP", "EOG", "SLB", "HAL", "OXY", "PSX", "MPC", "VLO", //
    "KO", "PEP", "PG", "CL", "KMB", "MDLZ", "GIS", "K", "HSY", "KHC", //
    "WMT", "TGT", "COST", "HD", "LOW", "BBY", "DG", "DLTR", "KR", "WBA", //
    "JNJ", "PFE", "MRK", "ABBV", "LLY", "BMY", "AMGN", "GILD", "BIIB", "REGN", //
    "UNH", "CVS", "CI", "HUM", "ELV", "CNC", "MOH", "TMO", "DHR", "ABT", //
    "BA", "LMT", "RTX", "NOC", "GD", "HON", "GE", "MMM", "CAT", "DE", //
    "UPS", "FDX", "UNP", "CSX", "NSC", "DAL", "UAL", "AAL", "LUV", "JBLU", //
    "F", "GM", "RIVN", "LCID", "NIO", "XPEV", "LI", "TM", "HMC", "STLA", //
    "DIS", "CMCSA", "CHTR", "T", "VZ", "TMUS", "WBD", "PARA", "FOXA", "EA", //
    "TTWO", "RBLX", "U", "MTCH", "EBAY", "ETSY", "W", "CHWY", "ROKU", "SIRI", //
    "NKE", "LULU", "SBUX", "MCD", "CMG", "YUM", "DPZ", "QSR", "DRI", "TXRH", //
    "MAR", "HLT", "H", "ABNB", "BKNG", "EXPE", "RCL", "CCL", "NCLH", "LVS", //
    "NEE", "DUK", "SO", "D", "AEP", "EXC", "SRE", "XEL", "PLD", "AMT", //
];

/// What a client sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum StockRequest {
    /// Start receiving quotes for these symbols (a snapshot of each comes at once).
    Subscribe {
        /// Ticker symbols, such as `AAPL`.
        symbols: Vec<String>,
    },
    /// Stop receiving quotes for these symbols.
    Unsubscribe {
        /// Ticker symbols.
        symbols: Vec<String>,
    },
}

impl StockRequest {
    /// How requests are tagged, for [`crate::decode`].
    pub const SHAPE: Shape = Shape {
        field: "action",
        noun: "request",
        tag_noun: "action",
        known: &["subscribe", "unsubscribe"],
    };

    /// Decodes a client's text frame (not the `ping` heartbeat, which is not JSON).
    ///
    /// # Errors
    /// What is wrong with the frame, in words for the client.
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        decode(text, Self::SHAPE)
    }
}

/// One price update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    /// Ticker symbol.
    pub symbol: String,
    /// Last price, in dollars (two decimals).
    pub price: f64,
    /// Change since the session's open, in dollars (two decimals).
    pub change: f64,
    /// Shares traded this session.
    pub volume: u64,
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum StockEvent {
    /// A quote for a subscribed symbol.
    Quote(Quote),
    /// A request was refused (unknown symbol, bad JSON…); the connection stays open.
    Error {
        /// What was wrong, as a sentence.
        message: String,
    },
}

/// Every field a stocks event carries, all optional (see [`crate::chat::ChatFields`] for
/// why a flat struct).
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
pub struct StockFields {
    /// `type`: which event.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `symbol`.
    pub symbol: Option<String>,
    /// `price`.
    pub price: Option<f64>,
    /// `change`.
    pub change: Option<f64>,
    /// `volume`.
    pub volume: Option<u64>,
    /// `message`.
    pub message: Option<String>,
}

impl StockEvent {
    /// Reads a server frame: `None` unless it is a complete `quote` or `error`.
    pub fn read(text: &str) -> Option<Self> {
        Self::from_fields(serde_json::from_str(text).ok()?)
    }

    /// The event a frame's fields make: `None` unless they make a complete `quote` or
    /// `error`.
    pub fn from_fields(fields: StockFields) -> Option<Self> {
        match fields.kind.as_deref()? {
            "quote" => Some(Self::Quote(Quote {
                symbol: fields.symbol?,
                price: fields.price?,
                change: fields.change?,
                volume: fields.volume?,
            })),
            "error" => Some(Self::Error {
                message: fields.message?,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_reads_back() {
        let events = [
            StockEvent::Quote(Quote {
                symbol: "AAPL".into(),
                price: 150.25,
                change: -1.5,
                volume: 1_234_567,
            }),
            StockEvent::Error {
                message: "unknown symbol XYZ".into(),
            },
        ];
        for event in events {
            let json = serde_json::to_string(&event).expect("encodes");
            assert_eq!(StockEvent::read(&json), Some(event), "{json}");
        }
        assert_eq!(StockEvent::read(r#"{"type":"quote","symbol":"A"}"#), None);
        assert_eq!(StockEvent::read(r#"{"type":"news"}"#), None);
        assert_eq!(StockEvent::read("not json"), None);
    }
    use serde_json::{from_str, json, to_value};

    #[test]
    fn the_catalogue_starts_with_the_api_references_symbols_and_has_no_duplicates() {
        assert_eq!(CATALOGUE[..5], FIRST_SYMBOLS);
        let mut sorted = CATALOGUE.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 200);
    }

    #[test]
    fn reads_the_api_reference_tickers_subscribe_exactly() {
        assert_eq!(
            from_str::<StockRequest>(
                r#"{"action":"subscribe","symbols":["AAPL","GOOGL","MSFT","TSLA","AMZN"]}"#
            )
            .ok(),
            Some(StockRequest::Subscribe {
                symbols: FIRST_SYMBOLS.map(String::from).to_vec()
            })
        );
        assert_eq!(
            to_value(StockRequest::Unsubscribe {
                symbols: vec!["TSLA".into()]
            })
            .ok(),
            Some(json!({"action":"unsubscribe","symbols":["TSLA"]}))
        );
    }

    #[test]
    fn quotes_have_the_api_references_shape_with_numbers_and_an_integer_volume() {
        let quote = StockEvent::Quote(Quote {
            symbol: "AAPL".into(),
            price: 189.5,
            change: -1.25,
            volume: 1_234_567,
        });
        assert_eq!(
            serde_json::to_string(&quote).ok().as_deref(),
            Some(
                r#"{"type":"quote","symbol":"AAPL","price":189.5,"change":-1.25,"volume":1234567}"#
            )
        );
        assert_eq!(
            to_value(StockEvent::Error {
                message: "unknown symbol XYZ".into()
            })
            .ok(),
            Some(json!({"type":"error","message":"unknown symbol XYZ"}))
        );
    }

    #[test]
    fn bad_requests_are_errors() {
        assert!(from_str::<StockRequest>(r#"{"action":"buy","symbols":["AAPL"]}"#).is_err());
        assert!(from_str::<StockRequest>(r#"{"action":"subscribe","symbols":"AAPL"}"#).is_err());
        assert!(from_str::<StockRequest>(r#"{"action":"subscribe","symbols":[1]}"#).is_err());
    }
}
