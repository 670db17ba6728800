//! The shape of a demo page's explanation: a few paragraphs on what the demo shows in
//! English and French, the messages that go each way, and the Rust files behind it (shown
//! in the source panel, fetched from the copies the build puts under `source/`).
//!
//! Each demo's folder has its own text (`src/demos/<demo>/doc.rs`); the registry's tests
//! ([`crate::demos`]) check that every page says everything in both languages and that every
//! file listed exists (and every demo file is listed), so the panel cannot point at a file
//! that is gone.

use crate::i18n::Lang;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_fetched_relative_to_the_page() {
        assert_eq!(
            source_url("src/demos/chat/state.rs"),
            "source/src/demos/chat/state.rs"
        );
        assert!(!source_url("src/demos/echo.rs").starts_with('/'));
        assert_eq!(tab_label("src/demos/chat/client.rs"), "chat/client.rs");
        assert_eq!(tab_label("src/socket/reconnect.rs"), "socket/reconnect.rs");
        assert_eq!(tab_label("README.md"), "README.md");
    }
}
