//! The app shell: header (navigation, language switch, server setting) and the current
//! demo page, laid out by [`doc_page`].

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::{
    docs::PageDoc,
    i18n::{self, Lang},
    page::doc_page,
    route::{Route, use_route},
    settings,
    source::{Loads, use_fetch},
};

/// The whole app.
#[component]
pub fn App() -> Html {
    let route = use_route();
    let server = use_state(settings::load);
    let problem = use_state(|| None::<settings::BaseError>);
    let field = use_node_ref();
    let lang = use_state_eq(i18n::load);
    let source_open = use_state_eq(|| false);
    // Each page's words in each language, fetched the first time they are shown.
    let texts = use_reducer(Loads::default);
    let text_file = AttrValue::from(PageDoc::text_file(route.demo().slug, *lang));
    use_fetch(
        texts.needs_fetch(&text_file).then(|| text_file.clone()),
        texts.dispatcher().to_callback(),
    );
    use_effect_with((*lang, route), |(lang, route)| {
        i18n::apply(*lang, route.demo().name.get(*lang));
    });

    let apply = {
        let (server, problem, field) = (server.clone(), problem.clone(), field.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let typed = field
                .cast::<HtmlInputElement>()
                .map(|input| input.value())
                .unwrap_or_default();
            match settings::normalize_base(&typed) {
                Ok(base) => {
                    settings::save(&base);
                    problem.set(None);
                    server.set(base);
                }
                Err(error) => problem.set(Some(error)),
            }
        })
    };

    let demo = (route.demo().view)(&server);

    let t = lang.texts();
    let switch = Lang::ALL.iter().map(|&choice| {
        let pressed = choice == *lang;
        let lang = lang.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            i18n::save(choice);
            lang.set(choice);
        });
        html! {
            <button type="button" lang={choice.code()} aria-pressed={pressed.to_string()} {onclick}>
                { choice.short() }<span class="visually-hidden">{ format!(" {}", choice.native_name()) }</span>
            </button>
        }
    });
    let skip = Callback::from(|event: MouseEvent| {
        // A hash link would change the route: move the focus by hand.
        event.prevent_default();
        let target = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("demo"))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(target) = target {
            let _ = target.focus();
        }
    });

    html! {
        <>
            <a class="skip-link" href="#demo" onclick={skip}>{ t.skip_to_demo }</a>
            <header class="top">
                <h1><a href={Route::home().href()}>{ "wslab" }</a></h1>
                <nav aria-label={t.nav_label}>
                    { for Route::all().map(|r| html! {
                        <a href={r.href()} aria-current={(r == route).then_some("page")}>{ r.demo().name.get(*lang) }</a>
                    }) }
                </nav>
                <div class="lang-switch" role="group" aria-label={t.language}>{ for switch }</div>
                <form class="server" onsubmit={apply}>
                    <label for="server-url">{ t.server }</label>
                    <input id="server-url" ref={field} value={(*server).clone()} spellcheck="false" />
                    <button id="server-save" type="submit">{ t.server_use }</button>
                    if let Some(error) = &*problem {
                        <span class="error" role="alert">{ error.message(*lang) }</span>
                    }
                </form>
            </header>
            <main>
                { doc_page(route, *lang, texts.get(&text_file), *source_open, Callback::from(move |open| source_open.set(open)), html! {
                    // A new server remounts the demo (fresh sockets), not the page around it.
                    <div id="demo" class="page" tabindex="-1" key={(*server).clone()}>{ demo }</div>
                }) }
            </main>
        </>
    }
}
