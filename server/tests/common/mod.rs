//! Shared helpers for the server's integration tests: a real server on port 0 that each
//! test stops, and a WebSocket client over real TCP.

#![allow(dead_code)] // each test file uses its own subset

pub mod wire;

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use futures::{SinkExt, StreamExt};
use tokio::{net::TcpStream, sync::oneshot, task::JoinHandle};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async, tungstenite::Message};
use wslab_server::Config;

/// A client connection.
pub type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Upper bound for any single wait in these tests; a hang fails instead of blocking CI.
pub const WAIT: Duration = Duration::from_secs(10);

/// A running server; [`TestServer::stop`] shuts it down and waits for it.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    /// Starts the server on 127.0.0.1 port 0.
    pub async fn start(config: Config) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(wslab_server::serve(listener, config, async move {
            let _ = stopped.await;
        }));
        Self {
            addr,
            stop: Some(stop),
            task,
        }
    }

    /// `ws://ADDR/path`.
    pub fn ws(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    /// Connects a WebSocket client to `path`.
    pub async fn connect(&self, path: &str) -> Client {
        let (client, _response) = tokio::time::timeout(WAIT, connect_async(self.ws(path)))
            .await
            .expect("handshake in time")
            .expect("handshake succeeds");
        client
    }

    /// Sends the shutdown signal and waits for `serve` to return.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(WAIT, &mut self.task)
            .await
            .expect("server stops in time")
            .expect("server task did not panic")
            .expect("server returned Ok");
    }
}

/// The next message, failing the test after [`WAIT`].
pub async fn next(client: &mut Client) -> Message {
    tokio::time::timeout(WAIT, client.next())
        .await
        .expect("a message in time")
        .expect("stream not ended")
        .expect("no protocol error")
}

/// Reads until a close frame and returns its code and reason.
pub async fn close_of(client: &mut Client) -> (u16, String) {
    loop {
        match next(client).await {
            Message::Close(Some(frame)) => return (frame.code.into(), frame.reason.to_string()),
            Message::Close(None) => return (1005, String::new()),
            _ => {}
        }
    }
}

/// Sends a text message.
pub async fn send_text(client: &mut Client, text: &str) {
    client
        .send(Message::text(text))
        .await
        .expect("send succeeds");
}

/// A fresh, empty directory under the system temp dir, unique to this call (tests run in
/// parallel).
pub fn temp_dir(name: &str) -> PathBuf {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("wslab-test-{name}-{}-{call}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}
