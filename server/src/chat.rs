//! `/chat`: rooms, broadcast, history and limits, speaking [`wslab_protocol::chat`].
//!
//! Every line goes to every member of its room, the sender included (the seed's client
//! shows its own lines only from that broadcast). The [`Hub`] is plain state behind a
//! mutex, never held across an `.await`: each broadcast serializes its event once and
//! `try_send`s it into each member's bounded queue. A member whose queue is full is not
//! reading; it is disconnected and its leave announced, so one slow client can neither
//! grow memory nor slow the others.
//!
//! Limits ([`ChatLimits`], documented in the README): a bounded queue of frames per client;
//! a token bucket of frames per connection; beyond it each frame is answered with an
//! `error`, and after a number of such strikes the connection is closed with 1008 (Policy
//! Violation).

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    extract::{
        State,
        ws::{CloseFrame, Message, Utf8Bytes, WebSocketUpgrade},
    },
    response::Response,
};
use futures::{SinkExt, StreamExt};
use tokio::{sync::mpsc, time::Instant};
use tokio_util::sync::CancellationToken;
use wslab_protocol::{
    chat::{
        ChatEvent, ChatLine, ChatRequest, DEFAULT_ROOM, HISTORY_LEN, MAX_ROOM_CHARS,
        MAX_TEXT_CHARS, MAX_USERNAME_CHARS, PING, PONG,
    },
    close,
};

use crate::{AppState, Conn, Ending, gate::Slot, rate::TokenBucket, shutdown::ReadFailure};

/// The chat's limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChatLimits {
    /// Frames queued for one client before it counts as not reading (default 256).
    pub queue_len: usize,
    /// Frames a client may send in a burst (default 20).
    pub rate_burst: f64,
    /// Frames per second a client may send over time (default 5).
    pub rate_per_second: f64,
    /// Refused frames (over the rate) before the connection is closed with 1008 (default 10).
    pub rate_strikes: u32,
}

impl Default for ChatLimits {
    fn default() -> Self {
        Self {
            queue_len: 256,
            rate_burst: 20.0,
            rate_per_second: 5.0,
            rate_strikes: 10,
        }
    }
}

/// Rooms kept (with their history) at most; empty ones are forgotten first.
pub const MAX_ROOMS: usize = 1000;
/// Rooms one connection may be in at once.
pub const MAX_ROOMS_PER_CONNECTION: usize = 20;

/// Upgrades the request and runs one chat session.
pub async fn upgrade(ws: WebSocketUpgrade, slot: Slot, State(state): State<AppState>) -> Response {
    let hub = Arc::clone(&state.chat);
    state.upgrade(ws).on_upgrade(async move |socket| {
        state
            .run(socket, slot, async move |socket| {
                session(socket, &hub).await
            })
            .await;
    })
}

type ConnId = u64;

/// One connection's place in a room.
struct Member {
    conn: ConnId,
    name: String,
}

#[derive(Default)]
struct Room {
    members: Vec<Member>,
    history: VecDeque<ChatLine>,
}

/// A connection's outbox and its "you are disconnected" switch.
struct Peer {
    queue: mpsc::Sender<Utf8Bytes>,
    kick: CancellationToken,
}

/// All rooms and connections.
#[derive(Default)]
pub struct Hub {
    limits: ChatLimits,
    state: Mutex<HubState>,
}

#[derive(Default)]
struct HubState {
    rooms: HashMap<String, Room>,
    peers: HashMap<ConnId, Peer>,
    next_conn: ConnId,
    next_id: u64,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("Hub")
            .field("rooms", &state.rooms.len())
            .field("peers", &state.peers.len())
            .finish()
    }
}

fn encode(event: &ChatEvent) -> Utf8Bytes {
    // Serializing these plain structs cannot fail; an empty frame would be the fallback.
    serde_json::to_string(event).unwrap_or_default().into()
}

fn error(message: impl Into<String>) -> Utf8Bytes {
    encode(&ChatEvent::Error {
        message: message.into(),
    })
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

impl Hub {
    /// An empty hub with these limits.
    pub fn new(limits: ChatLimits) -> Self {
        // Ids start from the boot time (seconds × 10⁶), so they keep increasing across
        // restarts and a client resuming with `since` never skips a new server's lines;
        // they stay below 2⁵³, exact in JavaScript too.
        let boot = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            .saturating_mul(1_000_000);
        Self {
            limits,
            state: Mutex::new(HubState {
                next_id: boot,
                ..HubState::default()
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HubState> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn connect(&self, queue: mpsc::Sender<Utf8Bytes>, kick: CancellationToken) -> ConnId {
        let mut state = self.lock();
        state.next_conn += 1;
        let conn = state.next_conn;
        state.peers.insert(conn, Peer { queue, kick });
        conn
    }

    /// Removes the connection from every room, announcing its leave.
    fn disconnect(&self, conn: ConnId) {
        let mut state = self.lock();
        state.remove_peer(conn);
    }

    /// Carries out one request from `conn`.
    fn handle(&self, conn: ConnId, request: ChatRequest) {
        let mut state = self.lock();
        match request {
            ChatRequest::Join {
                username,
                room,
                since,
            } => state.join(conn, &username, room, since),
            ChatRequest::Message { text, room, .. } => state.say(conn, &text, room),
            ChatRequest::Leave { room } => state.leave(conn, room),
        }
    }

    /// Sends a frame to one connection only.
    fn reply(&self, conn: ConnId, frame: Utf8Bytes) {
        let mut state = self.lock();
        state.deliver(&[conn], &frame);
    }
}

impl HubState {
    /// `try_send`s `frame` to each connection; those whose queue is full are disconnected.
    fn deliver(&mut self, conns: &[ConnId], frame: &Utf8Bytes) {
        let mut stalled = Vec::new();
        for conn in conns {
            if let Some(peer) = self.peers.get(conn)
                && peer.queue.try_send(frame.clone()).is_err()
            {
                stalled.push(*conn);
            }
        }
        for conn in stalled {
            tracing::info!(conn, "chat: client is not reading; disconnecting it");
            self.remove_peer(conn);
        }
    }

    fn remove_peer(&mut self, conn: ConnId) {
        let Some(peer) = self.peers.remove(&conn) else {
            return;
        };
        peer.kick.cancel();
        let rooms: Vec<String> = self
            .rooms
            .iter()
            .filter(|(_, room)| room.members.iter().any(|m| m.conn == conn))
            .map(|(name, _)| name.clone())
            .collect();
        for room in rooms {
            self.remove_member(conn, &room);
        }
    }

    /// Takes `conn` out of `room` and tells the others.
    fn remove_member(&mut self, conn: ConnId, room_name: &str) {
        let Some(room) = self.rooms.get_mut(room_name) else {
            return;
        };
        let Some(index) = room.members.iter().position(|m| m.conn == conn) else {
            return;
        };
        let member = room.members.remove(index);
        let others: Vec<ConnId> = room.members.iter().map(|m| m.conn).collect();
        let frame = encode(&ChatEvent::Leave {
            username: member.name,
            room: room_name.to_owned(),
        });
        self.deliver(&others, &frame);
    }

    fn join(&mut self, conn: ConnId, username: &str, room: Option<String>, since: Option<u64>) {
        let room_name = match room_name(room) {
            Ok(name) => name,
            Err(message) => return self.deliver(&[conn], &error(message)),
        };
        let wanted = username.trim();
        let length = wanted.chars().count();
        if !(1..=MAX_USERNAME_CHARS).contains(&length) || wanted.chars().any(char::is_control) {
            return self.deliver(
                &[conn],
                &error(format!(
                    "username must be 1 to {MAX_USERNAME_CHARS} characters without control characters (got {length})"
                )),
            );
        }
        if let Some(room) = self.rooms.get(&room_name)
            && let Some(me) = room.members.iter().find(|m| m.conn == conn)
        {
            let message = format!("you are already in room {room_name} as {}", me.name);
            return self.deliver(&[conn], &error(message));
        }
        let joined = self
            .rooms
            .values()
            .filter(|room| room.members.iter().any(|m| m.conn == conn))
            .count();
        if joined >= MAX_ROOMS_PER_CONNECTION {
            let message = format!(
                "you are in {joined} rooms already (the limit); leave one before joining {room_name}"
            );
            return self.deliver(&[conn], &error(message));
        }
        if !self.rooms.contains_key(&room_name) && !self.make_room_for_one_more() {
            return self.deliver(&[conn], &error("too many rooms; join an existing one"));
        }
        let room = self.rooms.entry(room_name.clone()).or_default();
        let name = unique_name(wanted, room.members.iter().map(|m| m.name.as_str()));
        let others: Vec<ConnId> = room.members.iter().map(|m| m.conn).collect();
        room.members.push(Member {
            conn,
            name: name.clone(),
        });
        let members = room.members.iter().map(|m| m.name.clone()).collect();
        let history: Vec<Utf8Bytes> = room
            .history
            .iter()
            .filter(|line| since.is_none_or(|since| line.id > since))
            .map(|line| encode(&ChatEvent::Message(line.clone())))
            .collect();
        let joined = encode(&ChatEvent::Joined {
            username: name.clone(),
            room: room_name.clone(),
            members,
        });
        self.deliver(&[conn], &joined);
        for line in &history {
            self.deliver(&[conn], line);
        }
        let announce = encode(&ChatEvent::Join {
            username: name,
            room: room_name,
        });
        self.deliver(&others, &announce);
    }

    /// Frees a slot for a new room by forgetting an empty one; false if all are in use.
    fn make_room_for_one_more(&mut self) -> bool {
        if self.rooms.len() < MAX_ROOMS {
            return true;
        }
        let empty = self
            .rooms
            .iter()
            .find(|(_, room)| room.members.is_empty())
            .map(|(name, _)| name.clone());
        match empty {
            Some(name) => {
                self.rooms.remove(&name);
                true
            }
            None => false,
        }
    }

    fn say(&mut self, conn: ConnId, text: &str, room: Option<String>) {
        let room_name = match room_name(room) {
            Ok(name) => name,
            Err(message) => return self.deliver(&[conn], &error(message)),
        };
        let text = text.trim();
        if text.is_empty() {
            return self.deliver(&[conn], &error("message text is empty"));
        }
        let length = text.chars().count();
        if length > MAX_TEXT_CHARS {
            return self.deliver(
                &[conn],
                &error(format!(
                    "message text is {length} characters; the limit is {MAX_TEXT_CHARS}"
                )),
            );
        }
        let speaker = self
            .rooms
            .get(&room_name)
            .and_then(|room| room.members.iter().find(|m| m.conn == conn))
            .map(|m| m.name.clone());
        let Some(username) = speaker else {
            let message = format!("join room {room_name} before sending messages to it");
            return self.deliver(&[conn], &error(message));
        };
        self.next_id += 1;
        let line = ChatLine {
            username,
            text: text.to_owned(),
            room: room_name.clone(),
            id: self.next_id,
            ts: now_ms(),
        };
        let frame = encode(&ChatEvent::Message(line.clone()));
        let Some(room) = self.rooms.get_mut(&room_name) else {
            return;
        };
        if room.history.len() == HISTORY_LEN {
            room.history.pop_front();
        }
        room.history.push_back(line);
        let everyone: Vec<ConnId> = room.members.iter().map(|m| m.conn).collect();
        self.deliver(&everyone, &frame);
    }

    fn leave(&mut self, conn: ConnId, room: Option<String>) {
        let room_name = match room_name(room) {
            Ok(name) => name,
            Err(message) => return self.deliver(&[conn], &error(message)),
        };
        let name = self
            .rooms
            .get(&room_name)
            .and_then(|room| room.members.iter().find(|m| m.conn == conn))
            .map(|m| m.name.clone());
        let Some(name) = name else {
            return self.deliver(&[conn], &error(format!("you are not in room {room_name}")));
        };
        // The leaver hears its own leave too, so its view can say so.
        let frame = encode(&ChatEvent::Leave {
            username: name,
            room: room_name.clone(),
        });
        self.deliver(&[conn], &frame);
        self.remove_member(conn, &room_name);
    }
}

/// The room a request names, checked; the default room when it names none.
fn room_name(room: Option<String>) -> Result<String, String> {
    let Some(room) = room else {
        return Ok(DEFAULT_ROOM.to_owned());
    };
    let length = room.chars().count();
    let valid_chars = room
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if (1..=MAX_ROOM_CHARS).contains(&length) && valid_chars {
        Ok(room)
    } else {
        Err(format!(
            "room name {room:?} is not valid: use 1 to {MAX_ROOM_CHARS} letters, digits, - or _"
        ))
    }
}

/// `wanted`, or `wanted (2)`, `wanted (3)`… whichever is free (case-insensitively).
fn unique_name<'a>(wanted: &str, taken: impl Iterator<Item = &'a str> + Clone) -> String {
    let free = |candidate: &str| !taken.clone().any(|t| t.eq_ignore_ascii_case(candidate));
    if free(wanted) {
        return wanted.to_owned();
    }
    (2..)
        .map(|n| format!("{wanted} ({n})"))
        .find(|candidate| free(candidate))
        .unwrap_or_else(|| wanted.to_owned())
}

/// Takes a connection out of the hub when dropped.
struct Leaving<'a> {
    hub: &'a Hub,
    conn: ConnId,
}

impl Drop for Leaving<'_> {
    fn drop(&mut self) {
        self.hub.disconnect(self.conn);
    }
}

/// One connection: a reader and a writer running side by side in this task.
async fn session(socket: &mut Conn, hub: &Hub) -> Ending {
    let limits = hub.limits;
    let (queue, mut outbox) = mpsc::channel::<Utf8Bytes>(limits.queue_len);
    let kick = CancellationToken::new();
    let conn = hub.connect(queue, kick.clone());
    // However the session ends (its own return, or dropped by a shutdown or restart drill),
    // the connection leaves its rooms and the others hear of it.
    let _member = Leaving { hub, conn };
    let (mut sink, mut stream) = socket.split();
    let policy_close = CancellationToken::new();
    let read_failure = ReadFailure::default();

    let writer = async {
        while let Some(frame) = outbox.recv().await {
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
            let Some(message) = read_failure.check(read) else {
                return;
            };
            let text = match message {
                // The heartbeat is not a chat frame: no rate limit, no JSON.
                Message::Text(text) if text.as_str() == PING => {
                    hub.reply(conn, PONG.into());
                    continue;
                }
                Message::Ping(_) | Message::Pong(_) => continue,
                Message::Close(_) => return,
                Message::Text(text) => Some(text),
                Message::Binary(_) => None,
            };
            // Every other frame counts against the rate, binary ones included.
            if !bucket.take(Instant::now()) {
                strikes += 1;
                if strikes >= limits.rate_strikes {
                    policy_close.cancel();
                    return;
                }
                hub.reply(
                    conn,
                    error(format!(
                        "too many messages: at most {} per second in bursts of {}; this one was dropped",
                        limits.rate_per_second, limits.rate_burst
                    )),
                );
                continue;
            }
            // Flooding is refusals close together; an accepted frame starts the count again.
            strikes = 0;
            let Some(text) = text else {
                hub.reply(
                    conn,
                    error("binary frames are not supported; send JSON text"),
                );
                continue;
            };
            match ChatRequest::decode(text.as_str()) {
                Ok(request) => hub.handle(conn, request),
                Err(problem) => hub.reply(conn, error(problem.to_string())),
            }
        }
    };
    tokio::select! {
        () = writer => {}
        () = reader => {}
        () = kick.cancelled() => {}
    }
    // Announce the leave now, not after the policy close below (the guard's is a no-op then).
    hub.disconnect(conn);
    if policy_close.is_cancelled() {
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
    }
    read_failure.ending()
}
