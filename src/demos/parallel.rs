//! Send and receive in parallel (`/parallel`), the part of the French Python course that
//! had no demo: the server tells the client its address, then ticks every second on its own
//! while it answers every message the moment it arrives. The page connects when shown,
//! sends what you type, and shows the two streams on one timeline as they interleave.

pub mod doc;
pub mod state;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::{
    demos::{Demo, Words},
    inspector::{Inspector, use_inspector},
    settings::endpoint,
    widgets::{
        fields::on_enter,
        log::{Announce, view_log},
    },
};
use state::{Action, ParallelState};
use wslab_socket::{Message, ReadyState, SocketOptions, use_socket};

/// The parallel page in the registry.
pub static DEMO: Demo = Demo {
    slug: "parallel",
    name: Words {
        en: "Parallel",
        fr: "En parallèle",
    },
    endpoints: &[wslab_protocol::parallel::PATH],
    doc: &doc::DOC,
    view: |server| {
        html! { <ParallelDemo url={endpoint(server, wslab_protocol::parallel::PATH)} /> }
    },
};

/// Props of [`ParallelDemo`].
#[derive(Properties, PartialEq)]
pub struct ParallelDemoProps {
    /// The `/parallel` endpoint's URL.
    pub url: AttrValue,
}

/// The parallel demo.
#[component]
pub fn ParallelDemo(props: &ParallelDemoProps) -> Html {
    let state = use_reducer(ParallelState::default);
    let inspector = use_inspector();
    let socket = use_socket(
        SocketOptions::new(state.dispatcher().to_callback().reform(Action::Socket))
            .tap(inspector.tap()),
    );
    let input = use_node_ref();

    let connect = {
        let (socket, dispatch, url) = (socket.clone(), state.dispatcher(), props.url.clone());
        Callback::from(move |()| match socket.open(url.as_str()) {
            Ok(()) => dispatch.dispatch(Action::Connecting),
            Err(error) => dispatch.dispatch(Action::Refused(error)),
        })
    };
    // Connect when shown, as the course's page does on load; the socket goes with the page.
    {
        let connect = connect.clone();
        use_effect_with(props.url.clone(), move |_| connect.emit(()));
    }
    let close = {
        let (socket, dispatch) = (socket.clone(), state.dispatcher());
        Callback::from(move |_: MouseEvent| {
            if let Err(error) = socket.close(1000, "") {
                dispatch.dispatch(Action::Refused(error));
            }
        })
    };
    let open = state.ready == ReadyState::Open;
    let send = {
        let (socket, dispatch, input) = (socket.clone(), state.dispatcher(), input.clone());
        Callback::from(move |()| {
            // Enter too: a line sent while not open would be logged and then lost.
            if !open {
                return;
            }
            let Some(field) = input.cast::<HtmlInputElement>() else {
                return;
            };
            let text = field.value();
            if text.is_empty() {
                return;
            }
            match socket.send(Message::Text(text.clone())) {
                Ok(()) => {
                    dispatch.dispatch(Action::Sent(text.into()));
                    field.set_value("");
                }
                Err(error) => dispatch.dispatch(Action::Refused(error)),
            }
        })
    };

    html! {
        <section class="demo parallel" aria-labelledby="parallel-title">
            <h2 id="parallel-title">{ "Send and receive in parallel" }</h2>
            <dl class="status">
                <dt>{ "You, as the server sees you" }</dt>
                <dd id="parallel-address">{ state.address.clone().unwrap_or_else(|| "–".into()) }</dd>
                <dt>{ "Ticks (the server's own loop)" }</dt>
                <dd id="parallel-ticks">{ state.ticks }</dd>
                <dt>{ "Replies (answers to you)" }</dt>
                <dd id="parallel-replies">{ state.replies }</dd>
            </dl>
            <div class="controls">
                <button id="parallel-connect" disabled={state.ready != ReadyState::Closed}
                    onclick={connect.reform(|_: MouseEvent| ())}>{ "Connect" }</button>
                // Also while connecting, so a handshake that hangs can be given up.
                <button id="parallel-close" disabled={matches!(state.ready, ReadyState::Closing | ReadyState::Closed)} onclick={close}>{ "Close" }</button>
            </div>
            <div class="controls">
                <label for="parallel-input" class="visually-hidden">{ "Message" }</label>
                <input id="parallel-input" ref={input} disabled={!open} placeholder="A message, answered between two ticks"
                    onkeypress={on_enter(send.clone())} />
                <button id="parallel-send" disabled={!open} onclick={send.reform(|_: MouseEvent| ())}>{ "Send" }</button>
            </div>
            { view_log(&state.log, "parallel-log", Announce::Off) }
            // The ticks are not read out (one a second); the address, replies and closes are.
            <span class="visually-hidden" aria-live="polite">{ state.announcement.clone() }</span>
            <Inspector link={inspector} id_prefix="parallel" />
        </section>
    }
}
