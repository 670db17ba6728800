//! The app shell: header, navigation, the server setting, and the current demo page.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::{
    demos::{
        chat::ChatDemo, echo::EchoDemo, hello::HelloDemo, reliable::ReliableDemo,
        ticker::TickerDemo,
    },
    route::{Route, use_route},
    settings,
};

/// The whole app.
#[component]
pub fn App() -> Html {
    let route = use_route();
    let server = use_state(settings::load);
    let problem = use_state(|| None::<String>);
    let field = use_node_ref();

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
                Err(message) => problem.set(Some(message)),
            }
        })
    };

    let page = match route {
        Route::Echo => html! {
            <div class="page" key={(*server).clone()}>
                <p class="intro">
                    { "The first demo of the browser.websocket page: open a connection, send what you type, \
                       and read what the echo server sends back. Beside it, the course's one-shot server." }
                </p>
                <div class="pair">
                    <EchoDemo default_url={settings::endpoint(&server, "/echo")} />
                    <HelloDemo url={settings::endpoint(&server, "/hello")} />
                </div>
            </div>
        },
        Route::Chat => html! {
            <div class="page" key={(*server).clone()}>
                <p class="intro">
                    { "The ChatApp of the browser.websocket reference: pick a name and a room, press Join, and \
                       every line is sent to everyone in the room, you included. Open this page in a second \
                       tab to chat with yourself." }
                </p>
                <ChatDemo url={settings::endpoint(&server, "/chat")} />
            </div>
        },
        Route::Ticker => html! {
            <div class="page" key={(*server).clone()}>
                <p class="intro">
                    { "The StockTicker of the browser.websocket reference: on open it subscribes to five \
                       symbols and the server streams quotes from a simulated market. Add symbols, or all \
                       200, and raise the rate to see the page keep up." }
                </p>
                <TickerDemo url={settings::endpoint(&server, "/stocks")} />
            </div>
        },
        Route::Reliable => html! {
            <div class="page" key={(*server).clone()}>
                <p class="intro">
                    { "The ReliableConnection of the browser.websocket reference: a heartbeat tells a \
                       dead connection from a quiet one, and a connection that drops comes back on \
                       its own, waiting a little longer each time. Use the buttons to make the server \
                       misbehave and watch the timeline. Close stops it for good." }
                </p>
                <ReliableDemo url={settings::endpoint(&server, "/api")} />
            </div>
        },
    };

    html! {
        <>
            <header class="top">
                <h1><a href="#/echo">{ "wslab" }</a></h1>
                <nav aria-label="Demos">
                    { for Route::ALL.iter().map(|r| html! {
                        <a href={r.href()} aria-current={(*r == route).then_some("page")}>{ r.title() }</a>
                    }) }
                </nav>
                <form class="server" onsubmit={apply}>
                    <label for="server-url">{ "Server" }</label>
                    <input id="server-url" ref={field} value={(*server).clone()} spellcheck="false" />
                    <button id="server-save" type="submit">{ "Use" }</button>
                    if let Some(message) = &*problem {
                        <span class="error" role="alert">{ message.clone() }</span>
                    }
                </form>
            </header>
            <main>{ page }</main>
        </>
    }
}
