//! The ticker page's messages and files. Its text is in
//! `doc.en.txt` and `doc.fr.txt` beside it, fetched in the language the page is shown in.

use crate::docs::{Dir, PageDoc, Step};

/// The page's messages and files.
pub static DOC: PageDoc = PageDoc {
    steps: &[
        Step {
            dir: Dir::Up,
            frame: r#"{"action":"subscribe","symbols":["AAPL","GOOGL","MSFT","TSLA","AMZN"]}"#,
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"quote","symbol":"AAPL","price":189.12,"change":0.42,"volume":1200}"#,
        },
        Step {
            dir: Dir::Up,
            frame: r#"{"action":"subscribe","symbols":["NVDA"]}"#,
        },
        Step {
            dir: Dir::Up,
            frame: r#"{"action":"unsubscribe","symbols":["TSLA"]}"#,
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"error","message":"…"}"#,
        },
    ],
    files: &[
        "src/demos/ticker.rs",
        "src/demos/ticker/client.rs",
        "src/demos/ticker/state.rs",
    ],
};
