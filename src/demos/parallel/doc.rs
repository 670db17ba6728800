//! The parallel page's explanation, in English and French.

use crate::docs::{Dir, PageDoc, Step};

/// The page's text, its messages and its files.
pub static DOC: PageDoc = PageDoc {
    en: &[
        "A server does not have to wait for the client before it speaks. This one runs two \
         loops side by side on the same connection: one sends a tick every second, on its own; \
         the other answers each of your messages the moment it arrives. In the French Python \
         course they are two asyncio tasks; in the Rust server they are the two arms of one \
         tokio::select!, which waits for whichever comes first: the next tick, or your next \
         message.",
        "First the server tells you who it thinks you are: your address and port as it sees \
         them, the course's websocket.remote_address (behind a proxy, the address the proxy \
         forwards, without a port). Then send a few messages and watch the replies land \
         between the ticks on the timeline: each reply says which tick it followed.",
    ],
    fr: &[
        "Un serveur n'a pas à attendre le client pour parler. Celui-ci fait tourner deux \
         boucles côte à côte sur la même connexion\u{a0}: l'une envoie un top chaque seconde, \
         d'elle-même\u{a0}; l'autre répond à chacun de vos messages dès qu'il arrive. Dans le \
         cours Python, ce sont deux tâches asyncio\u{a0}; dans le serveur Rust, ce sont les deux \
         branches d'un même tokio::select!, qui attend ce qui vient en premier\u{a0}: le \
         prochain top ou votre prochain message.",
        "Le serveur commence par vous dire qui vous êtes pour lui\u{a0}: votre adresse et votre \
         port tels qu'il les voit, le websocket.remote_address du cours (derrière un proxy, \
         l'adresse que le proxy transmet, sans port). Envoyez ensuite quelques messages et \
         regardez les réponses s'intercaler entre les tops sur la chronologie\u{a0}: chaque \
         réponse indique le top qui la précède.",
    ],
    steps: &[
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"address","host":"127.0.0.1","port":54321}"#,
            en: "on connect: the client's address as the server sees it",
            fr: "à la connexion\u{a0}: l'adresse du client vue par le serveur",
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"tick","n":1}"#,
            en: "every second, from the server's own loop, whatever the client does",
            fr: "chaque seconde, envoyé par la boucle du serveur elle-même, quoi que fasse le client",
        },
        Step {
            dir: Dir::Up,
            frame: "bonjour",
            en: "any text, at any moment",
            fr: "n'importe quel texte, à tout moment",
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"reply","text":"bonjour","after_tick":1}"#,
            en: "the answer, sent at once, between two ticks",
            fr: "la réponse, envoyée aussitôt, entre deux tops",
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"error","message":"…"}"#,
            en: "the answer to a binary message: only text gets a reply",
            fr: "la réponse à un message binaire\u{a0}: seul le texte reçoit une réponse",
        },
    ],
    files: &["src/demos/parallel.rs", "src/demos/parallel/state.rs"],
};
