//! The parallel page's messages and files. Its text is in
//! `doc.en.txt` and `doc.fr.txt` beside it, fetched in the language the page is shown in.

use crate::docs::{Dir, PageDoc, Step};

/// The page's messages and files.
pub static DOC: PageDoc = PageDoc {
    steps: &[
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"address","host":"127.0.0.1","port":54321}"#,
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"tick","n":1}"#,
        },
        Step {
            dir: Dir::Up,
            frame: "bonjour",
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"reply","text":"bonjour","after_tick":1}"#,
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"error","message":"…"}"#,
        },
    ],
    files: &["src/demos/parallel.rs", "src/demos/parallel/state.rs"],
};
