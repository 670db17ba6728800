//! Graceful shutdown for upgraded connections.
//!
//! Upgraded WebSockets leave hyper's connection tracking, so the server keeps its own:
//! every connection task runs under [`Shutdown::run`], which closes the socket with
//! 1001 (Going Away) once [`Shutdown::begin`] is called, and [`Shutdown::wait`] lets the
//! server wait for all of them before the process exits.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use wslab_protocol::close;

/// How long a closing connection waits for the peer's close frame.
const CLOSE_HANDSHAKE: Duration = Duration::from_secs(2);

/// Shared shutdown switch and the set of live connection tasks.
#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    token: CancellationToken,
    tracker: TaskTracker,
}

impl Shutdown {
    /// A switch that has not been thrown.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every connection to close with 1001.
    pub fn begin(&self) {
        self.token.cancel();
    }

    /// Whether shutdown has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Waits until every tracked connection has ended, or `grace` has passed.
    pub async fn wait(&self, grace: Duration) {
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                remaining = self.tracker.len(),
                "connections still open after the grace period"
            );
        }
    }

    /// Runs `handler` on `socket` until it returns or shutdown begins (then the socket is
    /// closed with 1001). Either way the close handshake is then completed, bounded in
    /// time, so a handler can simply return when it sees the peer's close.
    pub async fn run<F>(&self, mut socket: WebSocket, handler: F)
    where
        F: AsyncFnOnce(&mut WebSocket),
    {
        let token = self.token.clone();
        let work = self.tracker.track_future(async move {
            tokio::select! {
                () = handler(&mut socket) => {}
                () = token.cancelled() => {
                    let frame = CloseFrame {
                        code: close::GOING_AWAY,
                        reason: "server shutting down".into(),
                    };
                    if socket.send(Message::Close(Some(frame))).await.is_err() {
                        return;
                    }
                }
            }
            finish_close(&mut socket).await;
        });
        work.await;
    }
}

/// Reads until the connection ends, so a pending close reply is flushed and the peer's
/// close is awaited; gives up after [`CLOSE_HANDSHAKE`].
async fn finish_close(socket: &mut WebSocket) {
    let _ = tokio::time::timeout(CLOSE_HANDSHAKE, async {
        while let Some(Ok(_)) = socket.recv().await {}
    })
    .await;
}
