//! The Open / Send / Close echo demo of the Brython module page (`browser.websocket`).
//!
//! Same ids as the doc, and its rules: at first only `#openbtn` is enabled; once open, Open
//! is disabled and `#sendbtn` / `#closebtn` enabled; on close, back. Stricter than the doc,
//! Open stays disabled from the click until the close event (the doc re-enables it on click
//! of Close and leaves it enabled while connecting), so the page never holds two sockets;
//! Close also cancels a connection attempt. Replies go to a log on the page instead of
//! `alert`. Added: the server URL, an optional subprotocol, binary
//! send, a close code and reason, and the socket's live properties.

pub mod doc;
pub mod hello;
pub mod state;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::{
    demos::{Demo, Words},
    inspector::{Inspector, use_inspector},
    settings::endpoint,
    widgets::{
        fields::{on_enter, use_prefilled, value_of},
        log::{Announce, view_log},
    },
};
use hello::HelloDemo;
use state::{Action, SocketLogState, parse_close_code, view_status};
use wslab_socket::{Message, OpenOptions, SocketOptions, use_socket};

/// The echo page in the registry: the echo demo beside the one-shot hello.
pub static DEMO: Demo = Demo {
    slug: "echo",
    name: Words {
        en: "Echo",
        fr: "Écho",
    },
    endpoints: &["/echo", "/hello"],
    doc: &doc::DOC,
    view: |server| {
        html! {
            <div class="pair">
                <EchoDemo default_url={endpoint(server, "/echo")} />
                <HelloDemo url={endpoint(server, "/hello")} />
            </div>
        }
    },
};

/// Props of [`EchoDemo`].
#[derive(Properties, PartialEq)]
pub struct EchoDemoProps {
    /// The URL the address field starts with (usually this server's `/echo`).
    pub default_url: AttrValue,
}

/// The echo demo.
#[component]
pub fn EchoDemo(props: &EchoDemoProps) -> Html {
    let state = use_reducer(SocketLogState::default);
    let inspector = use_inspector();
    let socket = use_socket(
        SocketOptions::new(state.dispatcher().to_callback().reform(Action::Socket))
            .tap(inspector.tap()),
    );
    let url = use_prefilled(props.default_url.clone());
    let protocols = use_node_ref();
    let data = use_node_ref();
    let binary = use_node_ref();
    let close_code = use_prefilled("1000".into());
    let close_reason = use_node_ref();

    let open = {
        let (socket, dispatch) = (socket.clone(), state.dispatcher());
        let (url, protocols) = (url.clone(), protocols.clone());
        Callback::from(move |_: MouseEvent| {
            let address = value_of(&url).trim().to_owned();
            let options = OpenOptions::new(&address).with_protocol_list(&value_of(&protocols));
            match socket.open(options) {
                Ok(()) => dispatch.dispatch(Action::Connecting(address.into())),
                Err(error) => dispatch.dispatch(Action::Refused(error)),
            }
        })
    };

    let send = {
        let (socket, dispatch) = (socket.clone(), state.dispatcher());
        let (data, binary) = (data.clone(), binary.clone());
        Callback::from(move |()| {
            let text = value_of(&data);
            // As in the doc: an empty field sends nothing.
            if text.is_empty() {
                return;
            }
            let as_binary = binary
                .cast::<HtmlInputElement>()
                .is_some_and(|b| b.checked());
            let message = if as_binary {
                Message::Bytes(text.into_bytes())
            } else {
                Message::Text(text)
            };
            match socket.send(message.clone()) {
                Ok(()) => dispatch.dispatch(Action::Sent(message)),
                Err(error) => dispatch.dispatch(Action::Refused(error)),
            }
        })
    };

    let close = {
        let (socket, dispatch) = (socket.clone(), state.dispatcher());
        let (close_code, close_reason) = (close_code.clone(), close_reason.clone());
        Callback::from(move |_: MouseEvent| {
            let code = match parse_close_code(&value_of(&close_code)) {
                Ok(code) => code,
                Err(error) => {
                    dispatch.dispatch(Action::BadCode(error));
                    return;
                }
            };
            let reason = value_of(&close_reason);
            match socket.close(code, &reason) {
                Ok(()) => dispatch.dispatch(Action::Closing(code, reason.into())),
                Err(error) => dispatch.dispatch(Action::Refused(error)),
            }
        })
    };

    // Enter sends, as the Send button does, and only when it would be enabled.
    let on_data_key = on_enter(if state.can_send() {
        send.clone()
    } else {
        Callback::noop()
    });

    html! {
        <section class="demo" aria-labelledby="echo-title">
            <h2 id="echo-title">{ "Open, send, close" }</h2>
            <div class="fields">
                <label for="echo-url">{ "Server URL" }</label>
                <input id="echo-url" ref={url} type="url"
                    disabled={!state.can_open()} spellcheck="false" />
                <label for="echo-protocols">{ "Subprotocols (optional)" }</label>
                <input id="echo-protocols" ref={protocols} placeholder="e.g. chat, superchat"
                    disabled={!state.can_open()} spellcheck="false" />
            </div>
            <div class="controls">
                <button id="openbtn" onclick={open} disabled={!state.can_open()}>{ "Open" }</button>
                <label for="data" class="visually-hidden">{ "Message" }</label>
                <input id="data" ref={data} placeholder="Message to send" onkeypress={on_data_key} />
                <label class="inline"><input id="echo-binary" ref={binary} type="checkbox" />{ " binary" }</label>
                <button id="sendbtn" onclick={send.reform(|_: MouseEvent| ())} disabled={!state.can_send()}>{ "Send" }</button>
                <button id="closebtn" onclick={close} disabled={!state.can_close()}>{ "Close" }</button>
            </div>
            <details class="close-options">
                <summary>{ "Close code and reason" }</summary>
                <label for="close-code">{ "Code" }</label>
                <input id="close-code" ref={close_code} inputmode="numeric" />
                <label for="close-reason">{ "Reason" }</label>
                <input id="close-reason" ref={close_reason} placeholder="optional, ≤ 123 bytes" />
            </details>
            { view_status(&state, "echo-status") }
            { view_log(&state.log, "echo-log", Announce::Polite) }
            <Inspector link={inspector} id_prefix="echo" />
        </section>
    }
}
