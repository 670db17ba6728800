//! `tws-echo`: the smallest echo server on tokio-websockets, a peer of wslab-server in
//! `cargo xtask bench server` (tokio-websockets' own benchmarks put it ahead of
//! tokio-tungstenite).
//!
//! `tws-echo [--addr 127.0.0.1:0]`: accepts on every path, sends every text and binary
//! message back; pings are answered and closes completed by tokio-websockets. As for
//! `raw-echo`, the first stdout line is `listening on http://ADDR`, sockets get
//! `TCP_NODELAY`, and the largest message is wslab-server's default, so the comparison
//! measures the stacks, not their limits.

use std::process::ExitCode;

use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_websockets::{Limits, ServerBuilder};

#[tokio::main]
async fn main() -> ExitCode {
    wslab_e2e::peer::serve("tws-echo", echo).await
}

/// One connection: echo until the close handshake, EOF or an error.
async fn echo(tcp: TcpStream) {
    let limits =
        Limits::default().max_payload_len(Some(wslab_server::Limits::default().max_message));
    let Ok((_request, mut ws)) = ServerBuilder::new().limits(limits).accept(tcp).await else {
        return;
    };
    while let Some(Ok(message)) = ws.next().await {
        if (message.is_text() || message.is_binary()) && ws.send(message).await.is_err() {
            return;
        }
    }
}
