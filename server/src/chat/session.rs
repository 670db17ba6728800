//! One `/chat` connection: a reader and a writer side by side, against the rooms ([`Rooms`]:
//! the in-process [`super::Hub`], or the [`super::Broker`] several servers share). The reader
//! says how the connection ended ([`ReaderEnd`]); the session turns that into its close.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use futures::{SinkExt, StreamExt};
use tokio::{
    sync::{Notify, mpsc},
    time::Instant,
};
use tokio_util::sync::CancellationToken;
use wslab_protocol::{
    chat::{ChatRequest, HISTORY_LEN, PING, PONG},
    close,
};

use super::{
    ChatLimits,
    hub::{Answers, ConnId, error},
};
use crate::{Conn, Ending, rate::TokenBucket};

/// Where a session's requests go: the rooms, wherever they are kept.
pub(super) trait Rooms: Sync {
    /// The chat's limits.
    fn limits(&self) -> ChatLimits;
    /// A new connection, its queue, and the switch that disconnects it.
    fn connect(&self, queue: mpsc::Sender<Utf8Bytes>, kick: CancellationToken) -> ConnId;
    /// Takes the connection out of every room, announcing its leaves (idempotent).
    fn disconnect(&self, conn: ConnId);
    /// Carries out one request, its answers going into the room reserved for them.
    fn handle(&self, answers: Answers<'_>, request: ChatRequest)
    -> impl Future<Output = ()> + Send;
    /// Answers a frame that was not a request (an error, the heartbeat's pong).
    fn reply(&self, answers: Answers<'_>, frame: Utf8Bytes);
    /// How a connection the rooms disconnected closes.
    fn kicked(&self) -> Ending;
}

/// Takes a connection out of the rooms when dropped.
struct Leaving<'a, R: Rooms> {
    hub: &'a R,
    conn: ConnId,
}

impl<R: Rooms> Drop for Leaving<'_, R> {
    fn drop(&mut self) {
        self.hub.disconnect(self.conn);
    }
}

/// How the reader stopped.
#[derive(Debug)]
enum ReaderEnd {
    /// The peer closed, left, or its queue closed: a plain end.
    Done,
    /// Reading failed: the close that calls for (see [`Ending::after_read_error`]).
    Failed(Ending),
    /// Too many frames over the rate in a row: close with 1008 once the refusals are out.
    Flooding,
    /// The rooms disconnected it (see [`Rooms::kicked`]).
    Kicked,
}

/// One connection: a reader and a writer running side by side in this task.
pub(super) async fn run<R: Rooms>(socket: &mut Conn, hub: &R) -> Ending {
    let limits = hub.limits();
    let (queue, mut outbox) = mpsc::channel::<Utf8Bytes>(limits.queue_len);
    let own = queue.clone();
    let progress = Notify::new();
    let kick = CancellationToken::new();
    let conn = hub.connect(queue, kick.clone());
    // However the session ends (its own return, or dropped by a shutdown or restart drill),
    // the connection leaves its rooms and the others hear of it.
    let _member = Leaving { hub, conn };
    let (mut sink, mut stream) = socket.split();

    let writer = async {
        while let Some(frame) = outbox.recv().await {
            // A slot is free: an answer waiting for room may fit now.
            progress.notify_waiters();
            if sink.send(Message::Text(frame)).await.is_err() {
                return;
            }
        }
    };
    let reader = async {
        let mut bucket =
            TokenBucket::new(limits.rate_burst, limits.rate_per_second, Instant::now());
        let mut strikes = 0;
        while let Some(read) = stream.next().await {
            let message = match read {
                Ok(message) => message,
                Err(error) => return ReaderEnd::Failed(Ending::after_read_error(error)),
            };
            let text = match message {
                // The heartbeat is not a chat frame: no rate limit, no JSON.
                Message::Text(text) if text.as_str() == PING => {
                    let Some(answers) = Answers::reserve(&own, &progress, conn, 1).await else {
                        return ReaderEnd::Done;
                    };
                    hub.reply(answers, PONG.into());
                    continue;
                }
                Message::Ping(_) | Message::Pong(_) => continue,
                Message::Close(_) => return ReaderEnd::Done,
                Message::Text(text) => Some(text),
                Message::Binary(_) => None,
            };
            // Every other frame counts against the rate, binary ones included. Each answer
            // gets room in the queue first (see `Answers`).
            if !bucket.take(Instant::now) {
                strikes += 1;
                if strikes >= limits.rate_strikes {
                    return ReaderEnd::Flooding;
                }
                let Some(answers) = Answers::reserve(&own, &progress, conn, 1).await else {
                    return ReaderEnd::Done;
                };
                hub.reply(
                    answers,
                    error(format!(
                        "too many messages: at most {} per second in bursts of {}; this one was dropped",
                        limits.rate_per_second, limits.rate_burst
                    )),
                );
                continue;
            }
            // Flooding is refusals close together; an accepted frame starts the count again.
            strikes = 0;
            // Only accepted frames are decoded (a flood of big ones costs no parsing).
            let request = text.as_deref().map(ChatRequest::decode);
            // A join's answers can be a whole history.
            let frames = match &request {
                Some(Ok(ChatRequest::Join { .. })) => HISTORY_LEN + 1,
                _ => 1,
            };
            let Some(answers) = Answers::reserve(&own, &progress, conn, frames).await else {
                return ReaderEnd::Done;
            };
            match request {
                Some(Ok(request)) => hub.handle(answers, request).await,
                Some(Err(problem)) => hub.reply(answers, error(problem.to_string())),
                None => hub.reply(
                    answers,
                    error("binary frames are not supported; send JSON text"),
                ),
            }
        }
        ReaderEnd::Done
    };
    let end = tokio::select! {
        () = writer => ReaderEnd::Done,
        end = reader => end,
        () = kick.cancelled() => ReaderEnd::Kicked,
    };
    // Announce the leave now, not after the policy close below (the guard's is a no-op then).
    hub.disconnect(conn);
    match end {
        ReaderEnd::Done => Ending::Graceful,
        ReaderEnd::Failed(ending) => ending,
        ReaderEnd::Kicked => hub.kicked(),
        ReaderEnd::Flooding => {
            // What was already queued (the refusals among it) goes out before the close.
            let frame = CloseFrame {
                code: close::POLICY_VIOLATION,
                reason: "too many messages".into(),
            };
            let flush = async {
                while let Ok(queued) = outbox.try_recv() {
                    sink.send(Message::Text(queued)).await?;
                }
                sink.send(Message::Close(Some(frame))).await
            };
            let _ = tokio::time::timeout(Duration::from_secs(2), flush).await;
            // The close is sent: the handshake is finished as for any graceful end.
            Ending::Graceful
        }
    }
}
