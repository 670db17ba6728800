//! `/echo`: sends every text and binary message back unchanged, in order.

use axum::{
    extract::{State, ws::Message},
    response::Response,
};

use crate::{AppState, Conn, Ending, gate::Slot, upgrade::Upgrade};

/// Subprotocols `/echo` agrees to (echoing is the same under each), so the demo's
/// protocol field and the socket's `protocol` property have something to show.
pub const SUBPROTOCOLS: [&str; 3] = ["echo", "chat", "superchat"];

/// Upgrades the request and echoes until the client leaves or the server shuts down.
pub async fn upgrade(ws: Upgrade, slot: Slot, State(state): State<AppState>) -> Response {
    ws.protocols(SUBPROTOCOLS)
        .on_upgrade(async move |socket| state.run(socket, slot, echo).await)
}

/// The echo loop. Pings are answered by the WebSocket layer itself; a close ends the loop
/// (the layer replies to it), and so does a failed send: the peer is gone. A read error
/// (too big, bad UTF-8, protocol) ends it with the matching close code.
async fn echo(socket: &mut Conn) -> Ending {
    while let Some(read) = socket.recv().await {
        let message = match read {
            Ok(message) => message,
            Err(error) => return Ending::after_read_error(error),
        };
        let reply = match message {
            Message::Text(_) | Message::Binary(_) => message,
            Message::Ping(_) | Message::Pong(_) => continue,
            Message::Close(_) => break,
        };
        if socket.send(reply).await.is_err() {
            break;
        }
    }
    Ending::Graceful
}
