//! `raw-echo`: the smallest tokio-tungstenite echo server, the ceiling of our stack for
//! `cargo xtask bench server` (wslab-server adds axum, routing and its own limits on top).
//!
//! `raw-echo [--addr 127.0.0.1:0]`: accepts on every path, `accept_async_with_config`, sends
//! every text and binary message back; pings are answered by tungstenite. Like wslab-server,
//! its first stdout line is `listening on http://ADDR`, accepted sockets get `TCP_NODELAY`,
//! and tungstenite gets the same buffer and size limits as wslab-server's defaults (with
//! tungstenite's own defaults, a 128 KiB read buffer, it is *slower* than wslab-server: the
//! comparison would measure the buffer, not the stack).

use std::{io::Write, net::SocketAddr, process::ExitCode};

use anyhow::{Context, Result};
use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("raw-echo: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr: SocketAddr = args
        .iter()
        .position(|a| a == "--addr")
        .and_then(|i| args.get(i + 1))
        .map_or("127.0.0.1:0", String::as_str)
        .parse()
        .context("--addr is not HOST:PORT")?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{}", listener.local_addr()?)?;
        out.flush()?;
    }
    loop {
        let (tcp, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Out of file descriptors and the like: keep serving the connections we have.
            Err(error) => {
                eprintln!("raw-echo: accept: {error}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        tokio::spawn(echo(tcp));
    }
}

/// One connection: echo until the close handshake, EOF or an error.
async fn echo(tcp: TcpStream) {
    let _ = tcp.set_nodelay(true);
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
