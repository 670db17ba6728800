//! The shape of a demo page's explanation: a few paragraphs on what the demo shows, the
//! messages that go each way, and the Rust files behind it (shown in the source panel,
//! fetched from the copies the build puts under `source/`).
//!
//! Each demo's folder has its own: `src/demos/<demo>/doc.rs` lists the messages' frames
//! and the files ([`PageDoc`], compiled in); `doc.en.txt` and `doc.fr.txt` beside it hold
//! the words ([`PageText`]). The build copies the text files with the sources and the page
//! fetches the one of the language it is shown in, so the wasm carries no prose in any
//! language (about 5 KB gzipped, against a size budget) and a translator edits plain text.
//! The registry's tests ([`crate::demos`]) check that every page says everything in both
//! languages and that every file listed exists (and every demo file is listed), so the
//! panel cannot point at a file that is gone.

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
    /// The frame as it goes on the wire (JSON or text), the same in every language. What it
    /// means is the matching note of the page's text.
    pub frame: &'static str,
}

/// The documentation of one page.
#[derive(Debug, PartialEq, Eq)]
pub struct PageDoc {
    /// The messages, in the order they usually go.
    pub steps: &'static [Step],
    /// The Rust files behind the demo, from the workspace root, main file first.
    pub files: &'static [&'static str],
}

/// A page's words in one language, as its `doc.<lang>.txt` says them: lines starting with `#` are comments,
/// a blank line ends a paragraph, and each line starting with `- ` begins the note of the
/// next message, in the order of [`PageDoc::steps`]. A paragraph or note may go on over
/// several lines; they are joined with a space.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PageText {
    /// What the demo shows, paragraph by paragraph.
    pub paragraphs: Vec<String>,
    /// What each message means, one per [`PageDoc::steps`], in their order.
    pub notes: Vec<String>,
}

impl PageText {
    /// Reads a `doc.<lang>.txt`.
    pub fn parse(text: &str) -> Self {
        let mut page = Self::default();
        // Where the line being read goes: a paragraph, a note, or nowhere yet.
        let mut open: Option<&mut String> = None;
        for line in text.lines().map(str::trim) {
            if line.starts_with('#') {
                continue;
            }
            if line.is_empty() {
                open = None;
            } else if line == "-" || line.starts_with("- ") {
                page.notes.push(line[1..].trim_start().to_owned());
                open = page.notes.last_mut();
            } else if let Some(text) = open.as_deref_mut() {
                text.push(' ');
                text.push_str(line);
            } else {
                page.paragraphs.push(line.to_owned());
                open = page.paragraphs.last_mut();
            }
        }
        page
    }

    /// Whether it explains `doc`: at least a paragraph and one note per message, none empty.
    pub fn covers(&self, doc: &PageDoc) -> bool {
        !self.paragraphs.is_empty()
            && self.notes.len() == doc.steps.len()
            && self
                .paragraphs
                .iter()
                .chain(&self.notes)
                .all(|t| !t.trim().is_empty())
    }
}

impl PageDoc {
    /// The demo `slug`'s text in `lang`, from the workspace root.
    pub fn text_file(slug: &str, lang: Lang) -> String {
        format!("src/demos/{slug}/doc.{}.txt", lang.code())
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

    #[test]
    fn french_text_is_read_as_paragraphs_then_notes() {
        let text =
            "# a comment\n\nUne première\n  phrase.\n\nDeux.\n\n- note un\n  suite\n- note deux\n";
        let french = PageText::parse(text);
        assert_eq!(french.paragraphs, ["Une première phrase.", "Deux."]);
        assert_eq!(french.notes, ["note un suite", "note deux"]);
    }

    #[test]
    fn a_translation_covers_a_page_only_when_whole() {
        static DOC: PageDoc = PageDoc {
            steps: &[Step {
                dir: Dir::Up,
                frame: "x",
            }],
            files: &[],
        };
        assert!(PageText::parse("Un.\n\n- une note\n").covers(&DOC));
        assert!(!PageText::parse("Un.\n").covers(&DOC), "a note is missing");
        assert!(
            !PageText::parse("- une note\n").covers(&DOC),
            "a paragraph is missing"
        );
        assert!(PageText::parse("Un.\n\nDeux.\n\n- une note\n").covers(&DOC));
        assert!(
            !PageText::parse("Un.\n\n- une\n- deux\n").covers(&DOC),
            "a note too many"
        );
        assert!(
            !PageText::parse("Un.\n- une note\n- \n").covers(&DOC),
            "an empty note"
        );
        assert_eq!(PageText::parse(""), PageText::default());
    }
}
