//! The reliable connection page's explanation, in English and French.

use crate::docs::{Dir, PageDoc, Step};

/// The page's text, its messages and its files.
pub static DOC: PageDoc = PageDoc {
    en: &[
        "A WebSocket does not notice a dead network: it can look open while nothing gets \
         through. This page sends ping to /api every 5 s; no frame within 3 s means the \
         connection is dead, so it is dropped and remade. Retries wait a random time below 1, \
         2, 4, 8, 16 s (exponential backoff with jitter), five at most; your own Close, or a \
         close code retrying cannot fix, stops them. Messages sent while disconnected wait in \
         an outbox. The boxed buttons make the server misbehave.",
    ],
    fr: &[
        "Une WebSocket ne voit pas le réseau tomber\u{a0}: elle peut sembler ouverte alors que \
         rien ne passe. Cette page envoie ping à /api toutes les 5\u{a0}s\u{a0}; si aucune \
         trame n'arrive dans les 3\u{a0}s, la connexion est déclarée morte, abandonnée puis \
         rétablie. Les essais attendent un délai aléatoire inférieur à 1, 2, 4, 8 puis 16\u{a0}s \
         (backoff exponentiel avec gigue), cinq au plus\u{a0}; \
         votre propre Close, ou un code qu'un nouvel essai ne réparerait pas, les arrête. Les \
         messages envoyés hors connexion attendent dans une file. Les boutons encadrés font \
         dérailler le serveur.",
    ],
    steps: &[
        Step {
            dir: Dir::Up,
            frame: "ping",
            en: "heartbeat, every 5 s on this page (30 s in the original)",
            fr: "battement de cœur, toutes les 5\u{a0}s sur cette page (30\u{a0}s dans l'original)",
        },
        Step {
            dir: Dir::Down,
            frame: "pong",
            en: "the answer; the time since the ping is the round trip",
            fr: "la réponse\u{a0}; le temps écoulé depuis le ping donne l'aller-retour",
        },
        Step {
            dir: Dir::Up,
            frame: "hello",
            en: "any other text is echoed back",
            fr: "tout autre texte est renvoyé tel quel",
        },
        Step {
            dir: Dir::Up,
            frame: r#"{"fault":"drop"}"#,
            en: "the server cuts TCP without a close frame: the browser reports 1006",
            fr: "le serveur coupe la connexion TCP sans trame de fermeture\u{a0}: le navigateur signale 1006",
        },
        Step {
            dir: Dir::Up,
            frame: r#"{"fault":"mute","seconds":10}"#,
            en: "pings go unanswered, so the heartbeat declares the connection dead",
            fr: "les pings restent sans réponse, et le battement de cœur déclare la connexion morte",
        },
        Step {
            dir: Dir::Up,
            frame: r#"{"fault":"delay","ms":500}"#,
            en: "every reply is held back by half a second",
            fr: "chaque réponse est retenue une demi-seconde",
        },
        Step {
            dir: Dir::Up,
            frame: r#"{"fault":"close","code":1011,"reason":"…"}"#,
            en: "the server closes with that code; the code decides whether to retry",
            fr: "le serveur ferme avec ce code\u{a0}; c'est le code qui décide d'un nouvel essai",
        },
        Step {
            dir: Dir::Up,
            frame: r#"{"fault":"restart","seconds":3}"#,
            en: "restart drill: every connection of the server gets 1012, new ones are refused for 3 s; by default only from the server's own machine",
            fr: "exercice de redémarrage\u{a0}: toutes les connexions du serveur reçoivent 1012, les nouvelles sont refusées pendant 3\u{a0}s\u{a0}; par défaut, seulement depuis la machine du serveur",
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"fault","fault":{…}}"#,
            en: "the server confirms a fault (except drop, which cannot be answered)",
            fr: "le serveur confirme la panne demandée (sauf pour drop\u{a0}: la connexion est coupée avant toute réponse)",
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"error","fault":"restart","message":"…"}"#,
            en: "the server refuses the drill (its --drills flag does not allow this client): the page disables the drill button for this server",
            fr: "le serveur refuse l'exercice (son option --drills ne l'autorise pas pour ce client)\u{a0}: la page désactive le bouton de l'exercice pour ce serveur",
        },
    ],
    files: &[
        "src/demos/reliable.rs",
        "src/demos/reliable/state.rs",
        "src/socket/reconnect.rs",
        "src/widgets/sparkline.rs",
    ],
};
