//! The echo page's messages and files (the Open/Send/Close demo and the one-shot hello).
//! Its text is in `doc.en.txt` and `doc.fr.txt` beside it, fetched in the language the page
//! is shown in.

use crate::docs::{Dir, PageDoc, Step};

/// The page's messages and files.
pub static DOC: PageDoc = PageDoc {
    steps: &[
        Step {
            dir: Dir::Up,
            frame: "GET /echo · Upgrade: websocket",
        },
        Step {
            dir: Dir::Up,
            frame: "Bonjour",
        },
        Step {
            dir: Dir::Down,
            frame: "Bonjour",
        },
        Step {
            dir: Dir::Up,
            frame: "close 1000 \"reason\"",
        },
        Step {
            dir: Dir::Down,
            frame: "close 1000",
        },
        Step {
            dir: Dir::Up,
            frame: "/hello: Bonjour serveur",
        },
        Step {
            dir: Dir::Down,
            frame: "Message bien reçu · close 1000",
        },
    ],
    files: &[
        "src/demos/echo.rs",
        "src/demos/echo/hello.rs",
        "src/demos/echo/state.rs",
        "src/widgets/log.rs",
    ],
};
