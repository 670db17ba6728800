//! A demo page laid out like a page of documentation: what the demo shows and the messages
//! that go each way, then the live demo with its source code beside it (side by side on
//! wide screens, one under the other on narrow ones).
//!
//! The explanation and headings follow the chosen language; the demo itself keeps the
//! original pages' English words and ids, so its part of the page is marked `lang="en"`.
//! The explanation's words come from the page's `doc.<lang>.txt`, fetched by the app shell
//! (see [`crate::docs`]); until they arrive the messages are listed without their notes, and
//! a failed fetch is said where the words would be.

use yew::prelude::*;

use crate::{
    docs::{self, PageDoc, PageText},
    i18n::Lang,
    route::Route,
    source::{Load, SourcePanel},
};

/// One demo page: explanation, then `demo` with the source panel beside it. A function,
/// not a component: it has no state of its own (each component costs its own copy of
/// Yew's lifecycle code in the wasm). `text` is where the fetch of the page's words in
/// `lang` stands, if it was asked for.
pub fn doc_page(
    route: Route,
    lang: Lang,
    text: Option<&Load>,
    source_open: bool,
    on_source_toggle: Callback<bool>,
    demo: Html,
) -> Html {
    let doc = route.demo().doc;
    let t = lang.texts();
    let slug = route.demo().slug;
    let (words, problem) = match text {
        Some(Load::Loaded(text)) => {
            let words = PageText::parse(text);
            if words.covers(doc) {
                (words, None)
            } else {
                let problem = "it does not have one note per message of doc.rs";
                (PageText::default(), Some(AttrValue::from(problem)))
            }
        }
        Some(Load::Failed(reason)) => (PageText::default(), Some(reason.clone())),
        Some(Load::Loading) | None => (PageText::default(), None),
    };
    let steps = doc.steps.iter().enumerate().map(|(index, step)| {
        let note = words.notes.get(index).cloned().unwrap_or_default();
        let dir = match step.dir {
            docs::Dir::Up => t.client_to_server,
            docs::Dir::Down => t.server_to_client,
        };
        html! {
            <li class={step.dir.class()}>
                <span class="dir">{ dir }</span>
                <code lang="en">{ step.frame }</code>
                <span class="note">{ note }</span>
            </li>
        }
    });
    html! {
        <>
            <section class="explain" aria-labelledby="explain-title">
                <div class="explain-text">
                    <h2 id="explain-title">{ t.how_it_works }</h2>
                    if let Some(problem) = problem {
                        <p class="error" id="explain-problem" role="alert">{
                            format!("{}{}: {problem}", t.load_failed, PageDoc::text_file(slug, lang))
                        }</p>
                    }
                    <div id="explain-body">
                        { for words.paragraphs.into_iter().map(|p| html! { <p>{ p }</p> }) }
                    </div>
                </div>
                <div class="explain-steps">
                    <h3 id="steps-title">{ t.messages }</h3>
                    <ol class="steps" aria-labelledby="steps-title">{ for steps }</ol>
                </div>
            </section>
            <div class="doc-layout">
                <div class="doc-demo" lang="en">{ demo }</div>
                // Keyed by page: each page starts on its own first file.
                <SourcePanel key={route.demo().slug} files={doc.files} {lang} open={source_open}
                    on_toggle={on_source_toggle} />
            </div>
        </>
    }
}
