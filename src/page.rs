//! A demo page laid out like a page of documentation: what the demo shows and the messages
//! that go each way, then the live demo.
//!
//! The explanation and headings follow the chosen language; the demo itself keeps the
//! seed pages' English words and ids, so its part of the page is marked `lang="en"`.

use yew::prelude::*;

use crate::{docs, i18n::Lang, route::Route};

/// One demo page: explanation, then `demo`. A function,
/// not a component: it has no state of its own (each component costs its own copy of
/// Yew's lifecycle code in the wasm).
pub fn doc_page(route: Route, lang: Lang, demo: Html) -> Html {
    let doc = docs::page(route);
    let t = lang.texts();
    let steps = doc.steps.iter().map(|step| {
        let dir = match step.dir {
            docs::Dir::Up => t.client_to_server,
            docs::Dir::Down => t.server_to_client,
        };
        html! {
            <li class={step.dir.class()}>
                <span class="dir">{ dir }</span>
                <code lang="en">{ step.frame }</code>
                <span class="note">{ step.note(lang) }</span>
            </li>
        }
    });
    html! {
        <>
            <section class="explain" aria-labelledby="explain-title">
                <div class="explain-text">
                    <h2 id="explain-title">{ t.how_it_works }</h2>
                    { for doc.summary(lang).iter().map(|p| html! { <p>{ *p }</p> }) }
                </div>
                <div class="explain-steps">
                    <h3 id="steps-title">{ t.messages }</h3>
                    <ol class="steps" aria-labelledby="steps-title">{ for steps }</ol>
                </div>
            </section>
            <div class="doc-layout">
                <div class="doc-demo" lang="en">{ demo }</div>
            </div>
        </>
    }
}
