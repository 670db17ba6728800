//! The demos, and the registry that lists them.
//!
//! Each demo is a folder of its own (`src/demos/<slug>.rs` and `src/demos/<slug>/`): its
//! component (the view), a pure state module, its page's text (`doc.rs`), and a [`Demo`]
//! entry saying the rest. [`DEMOS`] lists the entries; routes, navigation, page titles, doc
//! pages and the source panel's files all come from it, so adding a demo is adding its
//! folder and one line here (see the README's "Adding a demo"). A demo never imports
//! another: what several show alike is in [`crate::widgets`].

pub mod chat;
pub mod echo;
pub mod parallel;
pub mod reliable;
pub mod ticker;

use yew::Html;

use crate::{docs::PageDoc, i18n::Lang};

/// A word or phrase in each language of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Words {
    /// In English.
    pub en: &'static str,
    /// In French.
    pub fr: &'static str,
}

impl Words {
    /// In `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Fr => self.fr,
        }
    }
}

/// One demo page, as the registry knows it.
pub struct Demo {
    /// Its route, `#/<slug>`, and the name of its folder.
    pub slug: &'static str,
    /// Its name in the navigation and the document title.
    pub name: Words,
    /// The server paths it opens WebSockets to (`trunk serve` must forward each one).
    pub endpoints: &'static [&'static str],
    /// What its page explains, and the files its source panel shows.
    pub doc: &'static PageDoc,
    /// The demo itself, for a server at this base URL (see [`crate::settings::endpoint`]).
    pub view: fn(server: &str) -> Html,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug)
    }
}

impl PartialEq for Demo {
    fn eq(&self, other: &Self) -> bool {
        self.slug == other.slug
    }
}

/// Every demo, in navigation order; the first is the home page.
pub static DEMOS: &[&Demo] = &[
    &echo::DEMO,
    &chat::DEMO,
    &ticker::DEMO,
    &reliable::DEMO,
    &parallel::DEMO,
];

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::docs::{Dir, PageText};

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    /// The backends of Trunk.toml's `[[proxy]]` tables that say `ws = true` (comments and
    /// other tables left out).
    fn websocket_proxies(toml: &str) -> Vec<String> {
        let mut found = Vec::new();
        for table in toml.split("[[proxy]]").skip(1) {
            let table = table.split("\n[").next().unwrap_or_default();
            let lines: Vec<&str> = table
                .lines()
                .map(|l| l.split('#').next().unwrap_or_default().trim())
                .collect();
            let backend = lines.iter().find_map(|l| {
                l.strip_prefix("backend")
                    .and_then(|rest| rest.trim().strip_prefix('='))
                    .map(|value| value.trim().trim_matches('"').to_owned())
            });
            let ws = lines.iter().any(|l| l.replace(' ', "") == "ws=true");
            if let (Some(backend), true) = (backend, ws) {
                found.push(backend);
            }
        }
        found
    }

    #[test]
    fn trunks_proxies_are_read_as_trunk_reads_them() {
        let toml = "[[proxy]]\nbackend = \"ws://h/a\"\nws = true\n\n\
                    [[proxy]]\n# backend = \"ws://h/b\"\nws = true\n\n\
                    [[proxy]]\nbackend = \"ws://h/c\"\n\n[tools]\nws = true\n";
        assert_eq!(websocket_proxies(toml), ["ws://h/a"]);
    }

    #[test]
    fn every_entry_is_whole() {
        let trunk = std::fs::read_to_string(root().join("Trunk.toml")).expect("Trunk.toml");
        let proxies = websocket_proxies(&trunk);
        let mut slugs = Vec::new();
        for demo in DEMOS {
            let slug = demo.slug;
            assert!(
                !slug.is_empty() && slug.bytes().all(|b| b.is_ascii_lowercase()),
                "{slug:?}: a slug is a lowercase word (it is the route and the folder)"
            );
            assert!(!slugs.contains(&slug), "{slug} is listed twice");
            slugs.push(slug);
            assert!(
                root().join(format!("src/demos/{slug}.rs")).is_file()
                    && root().join(format!("src/demos/{slug}/doc.rs")).is_file(),
                "{slug}: its folder needs src/demos/{slug}.rs and src/demos/{slug}/doc.rs"
            );
            for lang in Lang::ALL {
                assert!(!demo.name.get(lang).trim().is_empty(), "{slug} {lang:?}");
            }
            assert_ne!(demo.name.en, demo.name.fr, "{slug}: untranslated name");
            assert!(!demo.endpoints.is_empty(), "{slug} talks to no endpoint");
            for endpoint in demo.endpoints {
                assert!(
                    proxies.contains(&format!("ws://127.0.0.1:8080{endpoint}")),
                    "{slug}: Trunk.toml has no [[proxy]] with ws = true for {endpoint}, so \
                     `trunk serve` would not reach it"
                );
            }
        }
    }

    #[test]
    fn every_page_explains_itself_in_both_languages() {
        for demo in DEMOS {
            let doc = demo.doc;
            assert!(doc.steps.iter().any(|s| s.dir == Dir::Up));
            assert!(doc.steps.iter().any(|s| s.dir == Dir::Down));
            assert!(doc.steps.iter().all(|s| !s.frame.trim().is_empty()));
            // Each language's words, in the folder the build copies and the page fetches.
            let texts = Lang::ALL.map(|lang| {
                let path = PageDoc::text_file(demo.slug, lang);
                let text = std::fs::read_to_string(root().join(&path))
                    .unwrap_or_else(|e| panic!("{demo:?}: {path}: {e}"));
                let words = PageText::parse(&text);
                assert!(
                    words.covers(doc),
                    "{path}: {} paragraphs and {} notes for the {} messages of doc.rs",
                    words.paragraphs.len(),
                    words.notes.len(),
                    doc.steps.len()
                );
                words
            });
            let [en, fr] = &texts;
            assert_eq!(
                en.paragraphs.len(),
                fr.paragraphs.len(),
                "{demo:?}: paragraphs differ"
            );
            for (en, fr) in en.paragraphs.iter().zip(&fr.paragraphs) {
                assert_ne!(en, fr, "{demo:?}: untranslated paragraph");
            }
            for (en, fr) in en.notes.iter().zip(&fr.notes) {
                assert_ne!(en, fr, "{demo:?}: untranslated note");
            }
        }
    }

    #[test]
    fn every_listed_file_exists_and_is_copied_into_the_build() {
        let index = std::fs::read_to_string(root().join("index.html")).expect("index.html");
        for demo in DEMOS {
            let files = demo.doc.files;
            assert_eq!(
                files.first().copied(),
                Some(format!("src/demos/{}.rs", demo.slug).as_str()),
                "{demo:?}: the main file comes first"
            );
            for file in files {
                assert!(
                    root().join(file).is_file(),
                    "{demo:?} lists {file}, which is not in the repository"
                );
                // A `copy-dir` of a folder the file is in, or a `copy-file` of the file.
                let copied = std::iter::successors(Some(*file), |path| {
                    path.rsplit_once('/').map(|(dir, _)| dir)
                })
                .any(|path| index.contains(&format!("href=\"{path}\"")));
                assert!(copied, "{file}: index.html does not copy it into the build");
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
        let listed: Vec<&str> = DEMOS
            .iter()
            .flat_map(|demo| demo.doc.files.iter().copied())
            .collect();
        // A page's own text is on the page already.
        for file in found.iter().filter(|f| !f.ends_with("/doc.rs")) {
            assert!(
                listed.contains(&file.as_str()),
                "{file} is a demo file no page shows: add it to its demo's doc.rs files"
            );
        }
    }
}
