//! Which server the demos talk to.
//!
//! Served by wslab-server, the page's own origin is the server (`ws:` or `wss:` following
//! the page). On static hosting (GitHub Pages) it is not, so the base URL can come from
//! `?server=ws://host:port` (then remembered), from a value remembered in localStorage, or
//! from `WSLAB_DEFAULT_SERVER` set when the app was built. The rules are pure functions.

use crate::i18n::Lang;

/// What is wrong with a server address typed in the header (each holds what was typed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseError {
    /// No `scheme://`.
    NotAUrl(String),
    /// A scheme other than ws, wss, http, https.
    NotWebSocket(String),
    /// Nothing after `scheme://`.
    NoHost(String),
    /// A query or fragment.
    Extra(String),
}

impl BaseError {
    /// The problem as a sentence in `lang` (it is shown in the header, next to the field).
    pub fn message(&self, lang: Lang) -> String {
        let (typed, en, fr) = match self {
            Self::NotAUrl(s) => (
                s,
                " is not a URL: write it as ws://host:port",
                " n'est pas une URL\u{a0}: écrivez ws://hôte:port",
            ),
            Self::NotWebSocket(s) => (
                s,
                " is not a WebSocket scheme: use ws:// or wss://",
                " n'est pas un schéma WebSocket\u{a0}: utilisez ws:// ou wss://",
            ),
            Self::NoHost(s) => (s, " has no host", " n'a pas d'hôte"),
            Self::Extra(s) => (
                s,
                " should be only scheme, host and port (and a path)",
                " ne doit contenir que le schéma, l'hôte et le port (et un chemin)",
            ),
        };
        match lang {
            Lang::En => format!("\"{typed}\"{en}"),
            Lang::Fr => format!("«\u{a0}{typed}\u{a0}»{fr}"),
        }
    }
}

/// localStorage key of the remembered server.
pub const STORAGE_KEY: &str = "wslab.server";

/// Query parameter that sets the server.
pub const QUERY_PARAM: &str = "server";

/// The server a static build points at unless told otherwise (set at build time).
pub const BUILD_DEFAULT: Option<&str> = option_env!("WSLAB_DEFAULT_SERVER");

/// The WebSocket origin of a page: `https:` pages get `wss://`, others `ws://`.
pub fn origin_server(page_protocol: &str, host: &str) -> String {
    let scheme = if page_protocol == "https:" {
        "wss"
    } else {
        "ws"
    };
    format!("{scheme}://{host}")
}

/// Checks a server base URL typed by a user and puts it in canonical form:
/// `http(s)://` becomes `ws(s)://`, a trailing `/` goes.
///
/// # Errors
/// What is wrong ([`BaseError::message`] says it in words).
pub fn normalize_base(input: &str) -> Result<String, BaseError> {
    let input = input.trim().trim_end_matches('/');
    let (scheme, rest) = crate::lean::text::split_once(input, "://")
        .ok_or_else(|| BaseError::NotAUrl(input.to_owned()))?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "ws" | "http" => "ws",
        "wss" | "https" => "wss",
        other => return Err(BaseError::NotWebSocket(other.to_owned())),
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err(BaseError::NoHost(input.to_owned()));
    }
    if rest.contains(['?', '#']) {
        return Err(BaseError::Extra(input.to_owned()));
    }
    Ok(format!("{scheme}://{rest}"))
}

/// Picks the server: a valid `?server=` first, then the remembered one, then the build
/// default, then the page's own origin.
pub fn resolve(query: Option<&str>, stored: Option<&str>, page_origin: &str) -> String {
    query
        .and_then(|q| normalize_base(q).ok())
        .or_else(|| stored.and_then(|s| normalize_base(s).ok()))
        .or_else(|| BUILD_DEFAULT.and_then(|d| normalize_base(d).ok()))
        .unwrap_or_else(|| page_origin.to_owned())
}

/// The URL of `path` (like `/echo`) on `base`.
pub fn endpoint(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
}

/// Reads the page's location, query and storage (browser only).
pub fn load() -> String {
    let Some(window) = web_sys::window() else {
        return "ws://127.0.0.1:8080".to_owned();
    };
    let location = window.location();
    let page = origin_server(
        &location.protocol().unwrap_or_default(),
        &location.host().unwrap_or_default(),
    );
    let query = location
        .search()
        .ok()
        .and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok())
        .and_then(|params| params.get(QUERY_PARAM));
    let storage = window.local_storage().ok().flatten();
    let stored = storage
        .as_ref()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
    let server = resolve(query.as_deref(), stored.as_deref(), &page);
    // Remember a valid ?server= only: a fallback saved here would outlive the build default.
    if query.as_deref().is_some_and(|q| normalize_base(q).is_ok()) {
        save(&server);
    }
    server
}

/// Remembers `server` in localStorage (silently skipped where storage is unavailable).
pub fn save(server: &str) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(STORAGE_KEY, server);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_origin_follows_the_page_scheme() {
        assert_eq!(
            origin_server("http:", "127.0.0.1:8080"),
            "ws://127.0.0.1:8080"
        );
        assert_eq!(
            origin_server("https:", "me.github.io"),
            "wss://me.github.io"
        );
    }

    #[test]
    fn normalizes_what_users_type() {
        assert_eq!(
            normalize_base("ws://127.0.0.1:8080/"),
            Ok("ws://127.0.0.1:8080".into())
        );
        assert_eq!(
            normalize_base(" http://localhost:8080 "),
            Ok("ws://localhost:8080".into())
        );
        assert_eq!(normalize_base("HTTPS://h"), Ok("wss://h".into()));
        assert!(normalize_base("localhost:8080").is_err());
        assert!(normalize_base("ftp://h").is_err());
        assert!(normalize_base("ws://").is_err());
        assert!(normalize_base("ws://h/?x=1").is_err());
    }

    #[test]
    fn problems_are_said_in_both_languages() {
        let errors = [
            normalize_base("localhost:8080"),
            normalize_base("ftp://h"),
            normalize_base("ws://"),
            normalize_base("ws://h/?x=1"),
        ];
        for error in errors {
            let Err(error) = error else {
                panic!("accepted a bad address")
            };
            let (en, fr) = (error.message(Lang::En), error.message(Lang::Fr));
            assert!(!en.is_empty() && !fr.is_empty() && en != fr, "{en} / {fr}");
        }
        assert_eq!(
            normalize_base("ftp://h").map_err(|e| e.message(Lang::En)),
            Err("\"ftp\" is not a WebSocket scheme: use ws:// or wss://".to_owned())
        );
    }

    #[test]
    fn query_beats_storage_beats_page() {
        let page = "ws://page:1";
        assert_eq!(
            resolve(Some("ws://q:2"), Some("ws://s:3"), page),
            "ws://q:2"
        );
        assert_eq!(resolve(None, Some("ws://s:3"), page), "ws://s:3");
        assert_eq!(resolve(Some("garbage"), Some("ws://s:3"), page), "ws://s:3");
        if BUILD_DEFAULT.is_none() {
            assert_eq!(resolve(None, None, page), page);
        }
    }

    #[test]
    fn endpoints_join_without_double_slashes() {
        assert_eq!(endpoint("ws://h:1", "/echo"), "ws://h:1/echo");
        assert_eq!(endpoint("ws://h:1/", "/echo"), "ws://h:1/echo");
        assert_eq!(endpoint("wss://h/sub", "/echo"), "wss://h/sub/echo");
    }
}
