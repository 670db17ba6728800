//! The page's own words in English and French: the language switch in the header, how the
//! language is chosen, and every piece of UI chrome (navigation, headings, the source
//! panel's buttons and messages).
//!
//! The demos' texts and ids come from the original pages and stay as they are in every
//! language; only what the app adds around them is translated. Everything here is static
//! data (`&'static str`), so the two languages cost little in the wasm.

/// localStorage key of the language the user picked.
pub const STORAGE_KEY: &str = "wslab.lang";

/// A language of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// French.
    Fr,
}

impl Lang {
    /// Every language, in the order of the switch.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The BCP 47 tag, for `<html lang>` and storage.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
        }
    }

    /// The language a stored tag names (exactly `en` or `fr`).
    pub fn parse(code: &str) -> Option<Self> {
        match code.trim() {
            "en" => Some(Self::En),
            "fr" => Some(Self::Fr),
            _ => None,
        }
    }

    /// The default for a browser whose `navigator.language` is `tag`: French for `fr`,
    /// `fr-FR`, `fr-CA`…, English for anything else.
    pub fn from_navigator(tag: &str) -> Self {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("fr") {
            Self::Fr
        } else {
            Self::En
        }
    }

    /// The language to start with: the one the user picked (if valid), else the browser's.
    pub fn resolve(stored: Option<&str>, navigator: Option<&str>) -> Self {
        stored
            .and_then(Self::parse)
            .or_else(|| navigator.map(Self::from_navigator))
            .unwrap_or_default()
    }

    /// The short label on the switch (`EN`, `FR`).
    pub fn short(self) -> &'static str {
        match self {
            Self::En => "EN",
            Self::Fr => "FR",
        }
    }

    /// The language's own name, read out after the short label.
    pub fn native_name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::Fr => "Français",
        }
    }

    /// The UI texts in this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Self::En => &EN,
            Self::Fr => &FR,
        }
    }
}

/// Every piece of UI chrome, in one language.
#[derive(Debug, PartialEq, Eq)]
pub struct Texts {
    /// The document's `<title>`.
    pub title: &'static str,
    /// The skip link at the top of the page.
    pub skip_to_demo: &'static str,
    /// Label of the navigation.
    pub nav_label: &'static str,
    /// Label of the language switch.
    pub language: &'static str,
    /// Label of the server field.
    pub server: &'static str,
    /// The server field's button.
    pub server_use: &'static str,
    /// Heading of a page's explanation.
    pub how_it_works: &'static str,
    /// Heading of a page's list of messages.
    pub messages: &'static str,
    /// Direction of a frame the browser sends.
    pub client_to_server: &'static str,
    /// Direction of a frame the server sends.
    pub server_to_client: &'static str,
    /// Heading (and toggle) of the source panel.
    pub source: &'static str,
    /// Under the source heading.
    pub source_hint: &'static str,
    /// Label of the list of files.
    pub files: &'static str,
    /// Before a file's path, to label its code.
    pub code_of: &'static str,
    /// The copy button.
    pub copy: &'static str,
    /// Announced after a successful copy.
    pub copied: &'static str,
    /// Before the reason a copy failed.
    pub copy_failed: &'static str,
    /// Why copying cannot work at all here.
    pub no_clipboard: &'static str,
    /// Before a path while it loads.
    pub loading: &'static str,
    /// Before a path that could not be loaded (the reason follows).
    pub load_failed: &'static str,
    /// The button that loads a failed file again.
    pub retry: &'static str,
    /// Sentence after a load failure: what the files are and where they come from.
    pub load_failed_hint: &'static str,
}

impl Texts {
    /// Every text, for checks that none is empty.
    pub fn all(&self) -> Vec<&'static str> {
        vec![
            self.title,
            self.skip_to_demo,
            self.nav_label,
            self.language,
            self.server,
            self.server_use,
            self.how_it_works,
            self.messages,
            self.client_to_server,
            self.server_to_client,
            self.source,
            self.source_hint,
            self.files,
            self.code_of,
            self.copy,
            self.copied,
            self.copy_failed,
            self.no_clipboard,
            self.loading,
            self.load_failed,
            self.retry,
            self.load_failed_hint,
        ]
    }
}

/// English.
pub static EN: Texts = Texts {
    title: "wslab — WebSocket demos in Rust",
    skip_to_demo: "Skip to the demo",
    nav_label: "Demos",
    language: "Language",
    server: "Server",
    server_use: "Use",
    how_it_works: "How it works",
    messages: "Messages on the wire",
    client_to_server: "browser → server",
    server_to_client: "server → browser",
    source: "Source code",
    source_hint: "The demo's Rust files, copied from the repository when the app was built.",
    files: "Files",
    code_of: "Source of ",
    copy: "Copy",
    copied: "Copied",
    copy_failed: "Could not copy: ",
    no_clipboard: "this page has no clipboard access (it needs https or localhost)",
    loading: "Loading ",
    load_failed: "Could not load ",
    retry: "Retry",
    load_failed_hint: "The build copies the sources next to the app, under source/; is this a full build?",
};

/// French.
pub static FR: Texts = Texts {
    title: "wslab — démos WebSocket en Rust",
    skip_to_demo: "Aller à la démo",
    nav_label: "Démos",
    language: "Langue",
    server: "Serveur",
    server_use: "Utiliser",
    how_it_works: "Comment ça marche",
    messages: "Les messages échangés",
    client_to_server: "navigateur → serveur",
    server_to_client: "serveur → navigateur",
    source: "Code source",
    source_hint: "Les fichiers Rust de la démo, copiés depuis le dépôt au moment de la compilation.",
    files: "Fichiers",
    code_of: "Source de ",
    copy: "Copier",
    copied: "Copié",
    copy_failed: "Copie impossible\u{a0}: ",
    no_clipboard: "cette page n'a pas accès au presse-papiers (il faut https ou localhost)",
    loading: "Chargement de ",
    load_failed: "Impossible de charger ",
    retry: "Réessayer",
    load_failed_hint: "La compilation copie les sources à côté de l'application, sous source/\u{a0}; \
                       s'agit-il d'une compilation complète\u{a0}?",
};

/// Reads the stored choice and `navigator.language` (browser only; English elsewhere).
pub fn load() -> Lang {
    let Some(window) = web_sys::window() else {
        return Lang::default();
    };
    let stored = window
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
    let navigator = window.navigator().language();
    Lang::resolve(stored.as_deref(), navigator.as_deref())
}

/// Remembers the user's choice (silently skipped where storage is unavailable).
pub fn save(lang: Lang) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(STORAGE_KEY, lang.code());
    }
}

/// Puts `lang` on the document: `<html lang>` (screen readers pick their voice from it)
/// and the title, which starts with the name of the `page` shown.
pub fn apply(lang: Lang, page: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(root) = document.document_element() {
        let _ = root.set_attribute("lang", lang.code());
    }
    document.set_title(&format!("{page} · {}", lang.texts().title));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_language_picks_french_only_for_fr() {
        assert_eq!(Lang::from_navigator("fr"), Lang::Fr);
        assert_eq!(Lang::from_navigator("fr-FR"), Lang::Fr);
        assert_eq!(Lang::from_navigator("FR-ca"), Lang::Fr);
        assert_eq!(Lang::from_navigator("en-US"), Lang::En);
        assert_eq!(Lang::from_navigator("de"), Lang::En);
        assert_eq!(Lang::from_navigator("fy"), Lang::En);
        assert_eq!(Lang::from_navigator("fra"), Lang::En);
        assert_eq!(Lang::from_navigator(""), Lang::En);
    }

    #[test]
    fn a_stored_choice_beats_the_browser() {
        assert_eq!(Lang::resolve(Some("en"), Some("fr-FR")), Lang::En);
        assert_eq!(Lang::resolve(Some("fr"), Some("en-GB")), Lang::Fr);
        assert_eq!(Lang::resolve(Some("klingon"), Some("fr")), Lang::Fr);
        assert_eq!(Lang::resolve(None, Some("fr-BE")), Lang::Fr);
        assert_eq!(Lang::resolve(None, None), Lang::En);
    }

    #[test]
    fn codes_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::parse(lang.code()), Some(lang));
        }
    }

    #[test]
    fn every_text_exists_in_both_languages() {
        for lang in Lang::ALL {
            let texts = lang.texts();
            for text in texts.all() {
                assert!(!text.trim().is_empty(), "an empty text in {lang:?}");
            }
        }
        // Translated, not copied: no text is the same in both, except names that are.
        let same: Vec<_> = EN
            .all()
            .into_iter()
            .zip(FR.all())
            .filter(|(en, fr)| en == fr)
            .collect();
        assert_eq!(same, Vec::<(&str, &str)>::new());
    }
}
