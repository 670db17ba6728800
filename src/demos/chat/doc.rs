//! The chat page's messages and files. Its text is in
//! `doc.en.txt` and `doc.fr.txt` beside it, fetched in the language the page is shown in.

use crate::docs::{Dir, PageDoc, Step};

/// The page's messages and files.
pub static DOC: PageDoc = PageDoc {
    steps: &[
        Step {
            dir: Dir::Up,
            frame: r#"{"type":"join","username":"Ada","room":"general"}"#,
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"joined","username":"Ada","room":"general","members":["Ada","Bob"]}"#,
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"message", …, "id":41}"#,
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"join","username":"Ada","room":"general"}"#,
        },
        Step {
            dir: Dir::Up,
            frame: r#"{"type":"message","username":"Ada","text":"Bonjour"}"#,
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"message","username":"Ada","text":"Bonjour","room":"general","id":42,"ts":…}"#,
        },
        Step {
            dir: Dir::Up,
            frame: r#"{"type":"leave","room":"general"}"#,
        },
        Step {
            dir: Dir::Up,
            frame: "ping",
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"error","message":"…"}"#,
        },
    ],
    files: &[
        "src/demos/chat.rs",
        "src/demos/chat/client.rs",
        "src/demos/chat/state.rs",
        "src/demos/chat/list.rs",
        "src/demos/chat/lines.rs",
    ],
};
