//! The ticker page's explanation, in English and French.

use crate::docs::{Dir, PageDoc, Step};

/// The page's text, its messages and its files.
pub static DOC: PageDoc = PageDoc {
    en: &[
        "Once its WebSocket to /stocks is open, the page subscribes to five symbols. The server \
         sends one quote per symbol at once, then streams changes from a simulated market at \
         the connection's rate (Quotes/s reconnects with ?rate=N). At thousands of quotes a \
         second, quotes are collected and applied once per animation frame, and only rows that \
         changed are redrawn; a client that falls behind gets each symbol's newest price, not a \
         backlog.",
    ],
    fr: &[
        "Une fois sa WebSocket vers /stocks ouverte, la page s'abonne à cinq valeurs. Le serveur \
         envoie aussitôt une cotation par valeur, puis les variations d'un marché simulé au \
         rythme de la connexion (Quotes/s rouvre la connexion avec ?rate=N). Quand il en arrive des \
         milliers par seconde, les cotations sont regroupées et appliquées une fois par image, et seules \
         les lignes modifiées sont redessinées\u{a0}; un client en retard reçoit le dernier prix \
         de chaque valeur plutôt qu'une file de cotations en retard.",
    ],
    steps: &[
        Step {
            dir: Dir::Up,
            frame: r#"{"action":"subscribe","symbols":["AAPL","GOOGL","MSFT","TSLA","AMZN"]}"#,
            en: "on open, and again after every reconnect",
            fr: "à l'ouverture, et de nouveau après chaque reconnexion",
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"quote","symbol":"AAPL","price":189.12,"change":0.42,"volume":1200}"#,
            en: "a first quote per symbol at once, then a stream of updates",
            fr: "une première cotation par valeur tout de suite, puis un flot de mises à jour",
        },
        Step {
            dir: Dir::Up,
            frame: r#"{"action":"subscribe","symbols":["NVDA"]}"#,
            en: "Add: one more symbol (Add all: the 200 of the market)",
            fr: "Add\u{a0}: une valeur de plus (Add all\u{a0}: les 200 du marché)",
        },
        Step {
            dir: Dir::Up,
            frame: r#"{"action":"unsubscribe","symbols":["TSLA"]}"#,
            en: "the ✕ of a row",
            fr: "le ✕ d'une ligne",
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"error","message":"…"}"#,
            en: "unknown symbol, empty list, or not subscribed",
            fr: "valeur inconnue, liste vide ou abonnement absent",
        },
    ],
    files: &[
        "src/demos/ticker.rs",
        "src/demos/ticker/client.rs",
        "src/demos/ticker/state.rs",
    ],
};
