//! The smallest complete Yew app on wslab-socket: open a socket to an echo server, send
//! what is typed, log every event, close. `?server=ws://…` picks another server.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use wslab_socket::{Message, ReadyState, SocketEvent, SocketOptions, use_socket};
use yew::prelude::*;

/// The page's state: the socket's ready state, and a line per event or refusal.
#[derive(Default, PartialEq)]
struct Echo {
    ready: ReadyState,
    log: Vec<String>,
}

/// What changes it: an event from the socket, or a line of our own.
enum Note {
    Event(SocketEvent),
    Line(String),
}

impl Reducible for Echo {
    type Action = Note;

    fn reduce(self: Rc<Self>, note: Note) -> Rc<Self> {
        let (mut ready, mut log) = (self.ready, self.log.clone());
        match note {
            Note::Event(SocketEvent::Ready(state)) => ready = state,
            Note::Event(SocketEvent::Message(message)) => log.push(format!("← {message}")),
            Note::Event(other) => log.push(format!("{other:?}")),
            Note::Line(line) => log.push(line),
        }
        Rc::new(Self { ready, log })
    }
}

/// The echo server: `?server=` if given, else wslab-server's `/echo` on this page's host.
fn server() -> String {
    let location = web_sys::window().map(|w| w.location());
    let search = location
        .as_ref()
        .and_then(|l| l.search().ok())
        .unwrap_or_default();
    let host = location.and_then(|l| l.host().ok()).unwrap_or_default();
    (search.strip_prefix("?server=").map(str::to_owned)).unwrap_or(format!("ws://{host}/echo"))
}

#[component]
fn App() -> Html {
    let state = use_reducer(Echo::default);
    let socket = use_socket(SocketOptions::new(
        state.dispatcher().to_callback().reform(Note::Event),
    ));
    let field = use_node_ref();
    let say = state.dispatcher().to_callback().reform(Note::Line);

    let open = {
        let (socket, say) = (socket.clone(), say.clone());
        Callback::from(move |_| {
            if let Err(error) = socket.open(server()) {
                say.emit(format!("not opened: {error}"));
            }
        })
    };
    let send = {
        let (socket, say, field) = (socket.clone(), say.clone(), field.clone());
        Callback::from(move |_| {
            let text = field
                .cast::<HtmlInputElement>()
                .map(|f| f.value())
                .unwrap_or_default();
            match socket.send(Message::Text(text.clone())) {
                Ok(()) => say.emit(format!("→ {text}")),
                Err(error) => say.emit(format!("not sent: {error}")),
            }
        })
    };
    let close = Callback::from(move |_| {
        if let Err(error) = socket.close(1000, "bye") {
            say.emit(format!("not closed: {error}"));
        }
    });
    let open_now = state.ready == ReadyState::Open;
    html! {
        <main>
            <button id="open" onclick={open} disabled={state.ready != ReadyState::Closed}>{ "Open" }</button>
            <input id="text" ref={field} value="hello" />
            <button id="send" onclick={send} disabled={!open_now}>{ "Send" }</button>
            <button id="close" onclick={close} disabled={!open_now}>{ "Close" }</button>
            <ol id="log">{ for state.log.iter().map(|line| html! { <li>{ line.clone() }</li> }) }</ol>
        </main>
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
