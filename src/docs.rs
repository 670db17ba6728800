//! What each demo page explains, in English and French: a few paragraphs on what the demo
//! shows, the messages that go each way, and the Rust files behind it (shown in the source
//! panel, fetched from the copies the build puts under `source/`).
//!
//! Static data only; the tests check that every page says everything in both languages
//! and that every file listed exists (and every demo file is listed), so the panel cannot
//! point at a file that is gone.

use crate::{i18n::Lang, route::Route};

/// Who sends a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// The browser sends it.
    Up,
    /// The server sends it.
    Down,
}

impl Dir {
    /// CSS class of a step going this way.
    pub fn class(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
        }
    }
}

/// One message of a demo's exchange.
#[derive(Debug, PartialEq, Eq)]
pub struct Step {
    /// Who sends it.
    pub dir: Dir,
    /// The frame as it goes on the wire (JSON or text), the same in every language.
    pub frame: &'static str,
    /// What it means, in English.
    pub en: &'static str,
    /// What it means, in French.
    pub fr: &'static str,
}

impl Step {
    /// What it means, in `lang`.
    pub fn note(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Fr => self.fr,
        }
    }
}

/// The documentation of one page.
#[derive(Debug, PartialEq, Eq)]
pub struct PageDoc {
    /// What the demo shows, paragraph by paragraph, in English.
    pub en: &'static [&'static str],
    /// The same in French.
    pub fr: &'static [&'static str],
    /// The messages, in the order they usually go.
    pub steps: &'static [Step],
    /// The Rust files behind the demo, from the workspace root, main file first.
    pub files: &'static [&'static str],
}

impl PageDoc {
    /// The paragraphs in `lang`.
    pub fn summary(&self, lang: Lang) -> &'static [&'static str] {
        match lang {
            Lang::En => self.en,
            Lang::Fr => self.fr,
        }
    }
}

/// Where the build puts the copies of the sources, relative to `index.html`
/// (`index.html` has the `copy-dir` / `copy-file` links).
pub const SOURCE_DIR: &str = "source/";

/// The URL a source file is fetched from, relative to the page so that a build served
/// from a sub-path (GitHub Pages) finds it too.
pub fn source_url(file: &str) -> String {
    format!("{SOURCE_DIR}{file}")
}

/// A file's name on its tab: the path below `src/demos/` (or `src/`).
pub fn tab_label(file: &str) -> &str {
    file.strip_prefix("src/demos/")
        .or_else(|| file.strip_prefix("src/"))
        .unwrap_or(file)
}

/// The documentation of `route`.
pub fn page(route: Route) -> &'static PageDoc {
    match route {
        Route::Echo => &ECHO,
        Route::Chat => &CHAT,
        Route::Ticker => &TICKER,
        Route::Reliable => &RELIABLE,
    }
}

static ECHO: PageDoc = PageDoc {
    en: &[
        "The browser opens a WebSocket with an HTTP request asking to switch protocols; once \
         the server agrees, either side may send a frame at any moment. The echo server returns \
         every frame as it came, so what you send shows twice in the log: going out (→) and \
         coming back (←). Open only works while the socket is closed (the original page also \
         let it be clicked while connecting or closing, which could open a second socket) and \
         Send only while it is open; Close also works while connecting, to give up on a \
         server that does not answer. readyState, url, protocol and bufferedAmount follow the \
         socket live. Beside it, the course's server reads one message, replies once \
         and hangs up.",
    ],
    fr: &[
        "Le navigateur ouvre une WebSocket par une requête HTTP qui demande à changer de \
         protocole\u{a0}; une fois que le serveur accepte, chacun peut envoyer une trame à tout \
         moment. Le serveur d'écho renvoie chaque trame telle quelle\u{a0}: ce que vous envoyez \
         apparaît deux fois dans le journal, à l'aller (→) et au retour (←). Open ne fonctionne que \
         lorsque la socket est fermée (la page d'origine permettait aussi de cliquer pendant \
         l'ouverture ou la fermeture, au risque d'ouvrir une seconde socket), et Send que \
         lorsqu'elle est ouverte\u{a0}; Close fonctionne aussi pendant l'établissement de la \
         connexion, pour renoncer à un serveur qui ne répond pas. \
         readyState, url, protocol et bufferedAmount suivent la socket en direct. À côté, le \
         serveur du cours lit un message, répond une fois et raccroche.",
    ],
    steps: &[
        Step {
            dir: Dir::Up,
            frame: "GET /echo · Upgrade: websocket",
            en: "the opening handshake; the server answers 101 Switching Protocols and readyState becomes 1 (open)",
            fr: "la poignée de main d'ouverture\u{a0}; le serveur répond 101 Switching Protocols et readyState passe à 1 (ouverte)",
        },
        Step {
            dir: Dir::Up,
            frame: "Bonjour",
            en: "Send: the field's text, as a text frame (or bytes, with binary ticked)",
            fr: "Send\u{a0}: le texte du champ, en trame texte (ou en octets si la case binary est cochée)",
        },
        Step {
            dir: Dir::Down,
            frame: "Bonjour",
            en: "the same frame, straight back",
            fr: "la même trame, aussitôt renvoyée",
        },
        Step {
            dir: Dir::Up,
            frame: "close 1000 \"reason\"",
            en: "Close: a close frame with a code (1000 is a normal closure) and an optional reason",
            fr: "Close\u{a0}: une trame de fermeture avec un code (1000, fermeture normale) et une raison facultative",
        },
        Step {
            dir: Dir::Down,
            frame: "close 1000",
            en: "the server's own close frame; then the TCP connection ends and readyState is 3",
            fr: "la trame de fermeture du serveur\u{a0}; la connexion TCP se termine et readyState vaut 3",
        },
        Step {
            dir: Dir::Up,
            frame: "/hello: Bonjour serveur",
            en: "the one-shot server: connect, send one message",
            fr: "le serveur à usage unique\u{a0}: connexion, un seul message",
        },
        Step {
            dir: Dir::Down,
            frame: "Message bien reçu · close 1000",
            en: "one reply, then it closes the connection itself",
            fr: "une seule réponse, puis il ferme lui-même la connexion",
        },
    ],
    files: &[
        "src/demos/echo.rs",
        "src/demos/hello.rs",
        "src/demos/socket_log.rs",
    ],
};

static CHAT: PageDoc = PageDoc {
    en: &[
        "The page opens one WebSocket to /chat as soon as it shows; every message is a JSON \
         object with a \"type\". Join a room under a name: the server answers with joined (the \
         name you got and who is there), then replays the room's last 100 lines. A line said in \
         a room goes to everyone in it, sender included. After a drop the page reconnects and \
         rejoins with the id of the last line it saw, so nothing is missed or shown twice. Open \
         a second tab to talk to yourself.",
    ],
    fr: &[
        "La page ouvre une WebSocket vers /chat dès qu'elle s'affiche\u{a0}; chaque message est \
         un objet JSON muni d'un «\u{a0}type\u{a0}». Rejoignez un salon sous un nom\u{a0}: le \
         serveur répond par joined (le nom obtenu et les personnes présentes), puis \
         renvoie les 100 dernières lignes du salon. Un message envoyé dans un salon est \
         transmis à tous ceux qui s'y trouvent, y compris son auteur. Après une coupure, la page se reconnecte et rejoint ses \
         salons avec le numéro de la dernière ligne reçue\u{a0}: rien n'est perdu ni affiché deux fois. \
         Ouvrez un second onglet pour vous parler à vous-même.",
    ],
    steps: &[
        Step {
            dir: Dir::Up,
            frame: r#"{"type":"join","username":"Ada","room":"general"}"#,
            en: "enter a room (after a reconnect, with \"since\": the last id seen)",
            fr: "entrer dans un salon (après une reconnexion, avec «\u{a0}since\u{a0}»\u{a0}: le dernier numéro reçu)",
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"joined","username":"Ada","room":"general","members":["Ada","Bob"]}"#,
            en: "to the newcomer: the name it got (\"Ada (2)\" if taken) and who is present",
            fr: "au nouveau venu\u{a0}: le nom obtenu («\u{a0}Ada (2)\u{a0}» s'il était pris) et les personnes présentes",
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"message", …, "id":41}"#,
            en: "then the room's history, up to 100 lines",
            fr: "puis l'historique du salon, jusqu'à 100 lignes",
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"join","username":"Ada","room":"general"}"#,
            en: "to everyone else in the room: someone arrived",
            fr: "à tous les autres du salon\u{a0}: quelqu'un est arrivé",
        },
        Step {
            dir: Dir::Up,
            frame: r#"{"type":"message","username":"Ada","text":"Bonjour"}"#,
            en: "say something",
            fr: "dire quelque chose",
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"message","username":"Ada","text":"Bonjour","room":"general","id":42,"ts":…}"#,
            en: "broadcast to the whole room, the sender included",
            fr: "diffusé à tout le salon, auteur compris",
        },
        Step {
            dir: Dir::Up,
            frame: r#"{"type":"leave","room":"general"}"#,
            en: "leave; the others get a leave message (also when a connection just drops)",
            fr: "quitter le salon\u{a0}; les autres reçoivent un message leave (aussi quand une connexion tombe)",
        },
        Step {
            dir: Dir::Up,
            frame: "ping",
            en: "heartbeat, a plain text frame; the server answers pong",
            fr: "battement de cœur, une simple trame texte\u{a0}; le serveur répond pong",
        },
        Step {
            dir: Dir::Down,
            frame: r#"{"type":"error","message":"…"}"#,
            en: "bad input or too many messages too fast; the connection stays open",
            fr: "message invalide ou messages envoyés trop rapidement\u{a0}; la connexion reste ouverte",
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

static TICKER: PageDoc = PageDoc {
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

static RELIABLE: PageDoc = PageDoc {
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
        "src/socket/reliable.rs",
    ],
};

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    #[test]
    fn every_page_explains_itself_in_both_languages() {
        for route in Route::ALL {
            let doc = page(route);
            for lang in Lang::ALL {
                let summary = doc.summary(lang);
                assert!(!summary.is_empty(), "{route:?} has no {lang:?} text");
                assert!(summary.iter().all(|p| !p.trim().is_empty()));
            }
            assert_eq!(doc.en.len(), doc.fr.len(), "{route:?}: paragraphs differ");
            assert!(doc.steps.iter().any(|s| s.dir == Dir::Up));
            assert!(doc.steps.iter().any(|s| s.dir == Dir::Down));
            for step in doc.steps {
                assert!(!step.frame.trim().is_empty());
                for lang in Lang::ALL {
                    assert!(!step.note(lang).trim().is_empty(), "{route:?} {step:?}");
                }
                assert_ne!(step.en, step.fr, "{route:?}: untranslated step");
            }
        }
    }

    #[test]
    fn every_listed_file_exists() {
        for route in Route::ALL {
            let files = page(route).files;
            assert!(!files.is_empty());
            for file in files {
                assert!(
                    root().join(file).is_file(),
                    "{route:?} lists {file}, which is not in the repository"
                );
                assert!(
                    file.starts_with("src/demos/") || file.starts_with("src/socket/"),
                    "{file}: index.html copies only src/demos and src/socket into the build"
                );
            }
        }
    }

    #[test]
    fn every_demo_file_is_on_a_page() {
        fn walk(dir: &Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    found.push(
                        path.strip_prefix(root())
                            .map(|p| p.to_string_lossy().replace('\\', "/"))
                            .unwrap_or_default(),
                    );
                }
            }
        }
        let mut found = Vec::new();
        walk(&root().join("src/demos"), &mut found);
        let listed: Vec<&str> = Route::ALL
            .iter()
            .flat_map(|r| page(*r).files.iter().copied())
            .collect();
        // The shared helpers of src/demos.rs are not a demo's own file.
        for file in found {
            assert!(
                listed.contains(&file.as_str()),
                "{file} is a demo file no page shows: add it to its page's files in src/docs.rs"
            );
        }
    }

    #[test]
    fn files_are_fetched_relative_to_the_page() {
        assert_eq!(
            source_url("src/demos/chat/state.rs"),
            "source/src/demos/chat/state.rs"
        );
        assert!(!source_url("src/demos/echo.rs").starts_with('/'));
        assert_eq!(tab_label("src/demos/chat/client.rs"), "chat/client.rs");
        assert_eq!(tab_label("src/socket/reliable.rs"), "socket/reliable.rs");
        assert_eq!(tab_label("README.md"), "README.md");
    }
}
