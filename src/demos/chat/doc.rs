//! The chat page's explanation, in English and French.

use crate::docs::{Dir, PageDoc, Step};

/// The page's text, its messages and its files.
pub static DOC: PageDoc = PageDoc {
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
