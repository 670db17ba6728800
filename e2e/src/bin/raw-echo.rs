//! `raw-echo`: the smallest tokio-tungstenite echo server, a peer of wslab-server in
//! `cargo xtask bench server` (and the stack wslab-server ran on, under axum, until it
//! framed its WebSockets itself).
//!
//! `raw-echo [--addr 127.0.0.1:0]`: accepts on every path, `accept_async_with_config`, sends
//! every text and binary message back; pings are answered by tungstenite. Like wslab-server,
//! its first stdout line is `listening on http://ADDR`, accepted sockets get `TCP_NODELAY`,
//! and tungstenite gets the same buffer and size limits as wslab-server's defaults (with
//! tungstenite's own defaults, a 128 KiB read buffer, it is *slower* than wslab-server: the
//! comparison would measure the buffer, not the stack).

use std::process::ExitCode;

use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

#[tokio::main]
async fn main() -> ExitCode {
    wslab_e2e::peer::serve("raw-echo", echo).await
}

/// One connection: echo until the close handshake, EOF or an error.
async fn echo(tcp: TcpStream) {
    let limits = wslab_server::Limits::default();
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(limits.read_buffer)
        .write_buffer_size(limits.write_buffer)
        .max_write_buffer_size(limits.max_write_buffer)
        .max_message_size(Some(limits.max_message))
        .max_frame_size(Some(limits.max_frame));
    let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(tcp, Some(config)).await else {
        return;
    };
    while let Some(Ok(message)) = ws.next().await {
        match message {
            Message::Text(_) | Message::Binary(_) => {
                if ws.send(message).await.is_err() {
                    return;
                }
            }
            // tungstenite queues the close reply and sends it on the next read, which then
            // ends the stream.
            Message::Close(_) | Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
        }
    }
}
