//! The echo page's explanation, in English and French: the Open/Send/Close demo and the one-shot hello.

use crate::docs::{Dir, PageDoc, Step};

/// The page's text, its messages and its files.
pub static DOC: PageDoc = PageDoc {
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
        "src/demos/echo/hello.rs",
        "src/demos/echo/state.rs",
        "src/widgets/log.rs",
    ],
};
