//! `/hello`: the one-shot server of the French Python course.
//!
//! It waits for one message, answers [`wslab_protocol::hello::REPLY`], and closes the
//! connection normally, as the course's `hello()` handler does when it returns.

use axum::{
    extract::{
        State,
        ws::{CloseFrame, Message},
    },
    response::Response,
};
use wslab_protocol::{close, hello::REPLY};

use crate::{AppState, Conn, Ending, gate::Slot, upgrade::Upgrade};

/// Upgrades the request and runs the one-shot exchange.
pub async fn upgrade(ws: Upgrade, slot: Slot, State(state): State<AppState>) -> Response {
    ws.on_upgrade(async move |socket| state.run(socket, slot, hello).await)
}

async fn hello(socket: &mut Conn) -> Ending {
    // Wait for the first data message; a close or a vanished peer ends the exchange.
    loop {
        match socket.recv().await {
            Some(Ok(Message::Text(text))) => {
                let shown: String = text.as_str().chars().take(80).collect();
                tracing::info!(received = %shown, bytes = text.len(), "hello: message from client");
                break;
            }
            Some(Ok(Message::Binary(bytes))) => {
                tracing::info!(received = bytes.len(), "hello: binary message from client");
                break;
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Err(error)) => return Ending::after_read_error(error),
            Some(Ok(Message::Close(_))) | None => return Ending::Graceful,
        }
    }
    if socket.send(Message::text(REPLY)).await.is_err() {
        return Ending::Graceful;
    }
    let frame = CloseFrame {
        code: close::NORMAL,
        reason: "".into(),
    };
    // The close handshake is completed by `Shutdown::run`.
    let _ = socket.send(Message::Close(Some(frame))).await;
    Ending::Graceful
}
