//! The reliable connection page's messages and files. Its text is in
//! `doc.en.txt` and `doc.fr.txt` beside it, fetched in the language the page is shown in.

use crate::docs::{Dir, PageDoc, Step};

/// The page's messages and files.
pub static DOC: PageDoc = PageDoc {
    steps: &[
        Step {
            dir: Dir::Up,
            frame: "ping",
        },
        Step {
            dir: Dir::Down,
            frame: "pong",
        },
        Step {
            dir: Dir::Up,
            frame: "hello",
        },
        Step {
            dir: Dir::Up,
            frame: r#"{"fault":"drop"}"#,
        },
        Step {
            dir: Dir::Up,
            frame: r#"{"fault":"mute","seconds":10}"#,
        },
        Step {
            dir: Dir::Up,
            frame: r#"{"fault":"delay","ms":500}"#,
        },
        Step {
            dir: Dir::Up,
            frame: r#"{"fault":"close","code":1011,"reason":"…"}"#,
        },
        Step {
            dir: Dir::Up,
            frame: r#"{"fault":"restart","seconds":3}"#,
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"fault","fault":{…}}"#,
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"error","fault":"restart","message":"…"}"#,
        },
    ],
    files: &[
        "src/demos/reliable.rs",
        "src/demos/reliable/state.rs",
        "socket/src/reconnect.rs",
        "src/widgets/sparkline.rs",
    ],
};
