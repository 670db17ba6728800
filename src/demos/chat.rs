//! The chat room demo (the Brython API reference's ChatApp, with rooms): connects when shown, joins under a
//! chosen name, and shows every line the server broadcasts in a virtualized list. The
//! connection is the reliable one: after a drop it reconnects, rejoins its rooms and gets
//! only the lines it missed.

mod client;
pub mod doc;
mod lines;
mod list;
pub mod state;

pub use client::{ChatClient, ChatCodec};
pub use lines::Lines;
pub use list::{ChatList, ChatListProps, ROW_HEIGHT};

use web_sys::HtmlInputElement;
use wslab_protocol::chat::DEFAULT_ROOM;
use yew::prelude::*;

use crate::{
    demos::{Demo, Words},
    inspector::{Inspector, use_inspector},
    settings::endpoint,
    widgets::fields::{on_enter, use_prefilled, value_of},
};
use state::{Action, ChatState};
use wslab_socket::{SocketOptions, reconnect::Policy, use_socket};

/// The chat page in the registry.
pub static DEMO: Demo = Demo {
    slug: "chat",
    name: Words {
        en: "Chat",
        fr: "Discussion",
    },
    endpoints: &[wslab_protocol::chat::PATH],
    doc: &doc::DOC,
    view: |server| html! { <ChatDemo url={endpoint(server, wslab_protocol::chat::PATH)} /> },
};

/// Props of [`ChatDemo`].
#[derive(Properties, PartialEq)]
pub struct ChatDemoProps {
    /// The `/chat` endpoint's URL.
    pub url: AttrValue,
}

/// The chat demo.
#[component]
pub fn ChatDemo(props: &ChatDemoProps) -> Html {
    let state = use_reducer(ChatState::default);
    let on_event = state.dispatcher().to_callback().reform(Action::Socket);
    // After a reconnect: rejoin every room, asking only for the lines missed.
    let resume = {
        let requests = state.resume_requests();
        Callback::from(move |()| requests.clone())
    };
    let inspector = use_inspector();
    let socket = use_socket(
        SocketOptions::with_codec(ChatCodec, on_event)
            .reliable(Policy::default())
            .resume(resume)
            .tap(inspector.tap()),
    );
    let client = ChatClient::new(socket);
    let username = use_prefilled("User".into());
    let room = use_prefilled(DEFAULT_ROOM.into());
    let input = use_node_ref();

    let notify = {
        let dispatch = state.dispatcher();
        move |result: Result<(), wslab_socket::SocketError>| {
            if let Err(error) = result {
                dispatch.dispatch(Action::Notice(format!("Error: {error}").into()));
            }
        }
    };
    // Connect when shown, as the API reference's demo does; reconnect if the server changes.
    {
        let (client, notify) = (client.clone(), notify.clone());
        use_effect_with(props.url.clone(), move |url| notify(client.connect(url)));
    }
    let room_name = {
        let room = room.clone();
        move || {
            let name = value_of(&room).trim().to_owned();
            if name.is_empty() {
                DEFAULT_ROOM.to_owned()
            } else {
                name
            }
        }
    };

    let join = {
        let (client, username, notify, room_name) = (
            client.clone(),
            username.clone(),
            notify.clone(),
            room_name.clone(),
        );
        Callback::from(move |()| notify(client.join_room(&room_name(), &value_of(&username))))
    };
    let leave = {
        let (client, notify, room_name) = (client.clone(), notify.clone(), room_name.clone());
        Callback::from(move |_: MouseEvent| notify(client.leave_room(&room_name())))
    };
    let send = {
        let (client, input, notify, room_name) = (
            client.clone(),
            input.clone(),
            notify.clone(),
            room_name.clone(),
        );
        let (username, is_open) = (username.clone(), state.is_open());
        let names = state.rooms.clone();
        Callback::from(move |()| {
            let Some(field) = input.cast::<HtmlInputElement>() else {
                return;
            };
            let text = field.value().trim().to_owned();
            if text.is_empty() || !is_open {
                return;
            }
            let room = room_name();
            // The API reference's client sends its name with each line; the server trusts the joined one.
            let name = names
                .get(room.as_str())
                .map(|m| m.username.to_string())
                .unwrap_or_else(|| value_of(&username));
            notify(client.send_message(&room, &name, &text));
            field.set_value("");
        })
    };

    let members = state.rooms.iter().map(|(room, m)| {
        html! { <li key={room.to_string()}>{ format!("{room} (as {}): {}", m.username, m.members.iter().map(AttrValue::as_str).collect::<Vec<_>>().join(", ")) }</li> }
    });
    let open = state.is_open();

    html! {
        <section class="demo chat" aria-labelledby="chat-title">
            <h2 id="chat-title">{ "Chat room" }</h2>
            <div class="controls">
                <label for="chat-username">{ "Name" }</label>
                <input id="chat-username" ref={username} maxlength="32"
                    onkeypress={on_enter(join.clone())} />
                <label for="chat-room">{ "Room" }</label>
                <input id="chat-room" ref={room} maxlength="32" onkeypress={on_enter(join.clone())} />
                <button id="chat-join" disabled={!open} onclick={join.reform(|_: MouseEvent| ())}>{ "Join" }</button>
                <button id="chat-leave" disabled={!open} onclick={leave}>{ "Leave" }</button>
            </div>
            if !state.rooms.is_empty() {
                <ul id="chat-members" class="members" aria-label="Rooms and members">{ for members }</ul>
            }
            <ChatList lines={state.lines.clone()} multi_room={state.rooms.len() > 1} />
            <div class="controls chat-input">
                <label for="chat-input" class="visually-hidden">{ "Message" }</label>
                <input id="chat-input" ref={input} placeholder="Type a message..." maxlength="2000"
                    onkeypress={on_enter(send.clone())} />
                <button id="chat-send" disabled={!open} onclick={send.reform(|_: MouseEvent| ())}>{ "Send" }</button>
            </div>
            <Inspector link={inspector} id_prefix="chat" />
        </section>
    }
}
