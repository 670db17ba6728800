//! The one-shot `/hello` exchange of the French Python course: connect, send one
//! message, read the server's single reply (`Message bien reçu`), and watch it close.

use yew::prelude::*;

use super::state::{Action, SocketLogState};
use crate::{
    inspector::{Inspector, use_inspector},
    widgets::{
        fields::{use_prefilled, value_of},
        log::{Announce, view_log},
    },
};
use wslab_socket::{Message, ReadyState, SocketOptions, use_socket};

/// Props of [`HelloDemo`].
#[derive(Properties, PartialEq)]
pub struct HelloDemoProps {
    /// The `/hello` endpoint's URL.
    pub url: AttrValue,
}

/// The hello demo.
#[component]
pub fn HelloDemo(props: &HelloDemoProps) -> Html {
    let state = use_reducer(SocketLogState::default);
    let inspector = use_inspector();
    let socket = use_socket(
        SocketOptions::new(state.dispatcher().to_callback().reform(Action::Socket))
            .tap(inspector.tap()),
    );
    // What to send once the socket opens.
    let pending = use_mut_ref(|| None::<String>);
    let text = use_prefilled("Bonjour serveur".into());
    {
        let (socket, dispatch, pending) = (socket.clone(), state.dispatcher(), pending.clone());
        use_effect_with(state.ready, move |ready| {
            if *ready == ReadyState::Open
                && let Some(greeting) = pending.borrow_mut().take()
            {
                let message = Message::Text(greeting);
                match socket.send(message.clone()) {
                    Ok(()) => dispatch.dispatch(Action::Sent(message)),
                    Err(error) => dispatch.dispatch(Action::Refused(error)),
                }
            }
        });
    }

    let say_hello = {
        let (socket, dispatch, url) = (socket.clone(), state.dispatcher(), props.url.clone());
        let (pending, text) = (pending.clone(), text.clone());
        Callback::from(move |_: MouseEvent| {
            let greeting = value_of(&text);
            *pending.borrow_mut() = Some(greeting);
            match socket.open(url.as_str()) {
                Ok(()) => dispatch.dispatch(Action::Connecting(url.clone())),
                Err(error) => dispatch.dispatch(Action::Refused(error)),
            }
        })
    };

    html! {
        <section class="demo" aria-labelledby="hello-title">
            <h2 id="hello-title">{ "One message, one reply" }</h2>
            <p class="hint">{ "The course's server waits for one message, answers, and closes." }</p>
            <div class="controls">
                <label for="hello-text" class="visually-hidden">{ "Greeting" }</label>
                <input id="hello-text" ref={text} />
                <button id="hello-send" onclick={say_hello} disabled={!state.can_open()}>{ "Say hello" }</button>
            </div>
            { view_log(&state.log, "hello-log", Announce::Polite) }
            <Inspector link={inspector} id_prefix="hello" />
        </section>
    }
}
