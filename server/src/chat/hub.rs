//! The chat's rooms: their members, their history, and every connection's outbox. Plain
//! state behind one mutex, never held across an `.await`; the [`super::session`] of each
//! connection calls into it.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Mutex, MutexGuard},
    time::{SystemTime, UNIX_EPOCH},
};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;
use wslab_protocol::chat::{ChatEvent, ChatLine, ChatRequest, HISTORY_LEN};

use super::{
    ChatLimits, MAX_ROOMS, MAX_ROOMS_PER_CONNECTION,
    check::{self, room_name},
};

/// A connection's number in the hub.
pub(super) type ConnId = u64;

/// One connection's place in a room.
struct Member {
    conn: ConnId,
    name: String,
}

#[derive(Default)]
struct Room {
    members: Vec<Member>,
    history: VecDeque<ChatLine>,
    /// The id of the last line trimmed from the history (0 if none was).
    dropped: u64,
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

/// A chat event, encoded as a text frame.
pub(super) fn encode(event: &ChatEvent) -> Utf8Bytes {
    // Serializing these plain structs cannot fail; an empty frame would be the fallback.
    serde_json::to_string(event).unwrap_or_default().into()
}

/// An `error` event, encoded.
pub(super) fn error(message: impl Into<String>) -> Utf8Bytes {
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
}

impl super::session::Rooms for Hub {
    fn limits(&self) -> ChatLimits {
        self.limits
    }

    fn connect(&self, queue: mpsc::Sender<Utf8Bytes>, kick: CancellationToken) -> ConnId {
        let mut state = self.lock();
        state.next_conn += 1;
        let conn = state.next_conn;
        state.peers.insert(conn, Peer { queue, kick });
        conn
    }

    fn disconnect(&self, conn: ConnId) {
        let mut state = self.lock();
        state.remove_peer(conn);
    }

    /// Nothing if the connection was dropped while it waited for room (a join would bring
    /// it back).
    async fn handle(&self, mut answers: Answers<'_>, request: ChatRequest) {
        let mut state = self.lock();
        if !state.peers.contains_key(&answers.conn) {
            return;
        }
        match request {
            ChatRequest::Join {
                username,
                room,
                since,
            } => state.join(&mut answers, &username, room, since),
            ChatRequest::Message { text, room, .. } => state.say(&mut answers, &text, room),
            ChatRequest::Leave { room } => state.leave(&mut answers, room),
        }
    }

    fn reply(&self, mut answers: Answers<'_>, frame: Utf8Bytes) {
        let mut state = self.lock();
        if state.peers.contains_key(&answers.conn) {
            state.answer(&mut answers, frame);
        }
    }

    /// Only a client that does not read is disconnected: its close is a plain one.
    fn kicked(&self) -> crate::Ending {
        crate::Ending::Graceful
    }
}

/// Room in a connection's own queue for the answers to its request, reserved before the
/// hub's lock is taken (the reader waits for the writer to make it). So answers, a whole
/// room history among them, never count as "not reading", and they are still queued under
/// the lock, in order with everything the rooms send.
pub(super) struct Answers<'a> {
    pub(super) conn: ConnId,
    pub(super) room: mpsc::PermitIterator<'a, Utf8Bytes>,
}

impl<'a> Answers<'a> {
    /// Waits until `own`, the connection's queue, has room for `frames` answers (as many as
    /// it can hold), and takes it; `None` once the connection is gone.
    ///
    /// It does not queue up for the room (`reserve_many` would): a waiting reservation gets
    /// every slot the writer frees, so the rooms' frames would find the queue full
    /// meanwhile, and the reader would be taken for one that does not read. It takes the
    /// room only when all of it is free, and waits for the writer's `progress` otherwise.
    pub(super) async fn reserve(
        own: &'a mpsc::Sender<Utf8Bytes>,
        progress: &Notify,
        conn: ConnId,
        frames: usize,
    ) -> Option<Self> {
        let frames = frames.clamp(1, own.max_capacity());
        loop {
            // Made before the check, so a frame written in between still wakes it.
            let written = progress.notified();
            match own.try_reserve_many(frames) {
                Ok(room) => return Some(Self { conn, room }),
                Err(mpsc::error::TrySendError::Closed(())) => return None,
                Err(mpsc::error::TrySendError::Full(())) => written.await,
            }
        }
    }
}

/// The leave the others of a room are owed: who, and the frame.
type Notice = (Vec<ConnId>, Utf8Bytes);

impl HubState {
    /// `try_send`s `frame` to each connection; those whose queue is full are disconnected.
    fn deliver(&mut self, conns: &[ConnId], frame: &Utf8Bytes) {
        let stalled = self.offer(conns, frame);
        self.drop_stalled(stalled);
    }

    /// `try_send`s `frame` to each connection still here; returns those whose queue is full.
    fn offer(&self, conns: &[ConnId], frame: &Utf8Bytes) -> Vec<ConnId> {
        conns
            .iter()
            .filter(|conn| {
                self.peers
                    .get(conn)
                    .is_some_and(|peer| peer.queue.try_send(frame.clone()).is_err())
            })
            .copied()
            .collect()
    }

    /// Sends the connection whose request is being handled one of its answers.
    fn answer(&mut self, to: &mut Answers<'_>, frame: Utf8Bytes) {
        match to.room.next() {
            Some(permit) => permit.send(frame),
            // More answers than the queue could reserve: like any other frame.
            None => self.deliver(&[to.conn], &frame),
        }
    }

    /// Disconnects connections that are not reading. Their leaves can find more such
    /// connections: a loop, one round at a time (everyone found in a round is removed
    /// before the round's leaves go out), never a recursion under the lock.
    fn drop_stalled(&mut self, mut stalled: Vec<ConnId>) {
        while !stalled.is_empty() {
            for conn in &stalled {
                if self.peers.contains_key(conn) {
                    tracing::info!(conn, "chat: client is not reading; disconnecting it");
                }
            }
            for (others, frame) in self.take_peers(&stalled) {
                stalled.extend(self.offer(&others, &frame));
            }
            // `offer` only finds connections still here, so each round finds new ones.
            stalled.retain(|conn| self.peers.contains_key(conn));
        }
    }

    /// Removes the connection from the hub and every room, announcing its leaves.
    fn remove_peer(&mut self, conn: ConnId) {
        for (others, frame) in self.take_peers(&[conn]) {
            self.deliver(&others, &frame);
        }
    }

    /// Takes connections out of the hub and of their rooms, all before any leave is
    /// announced; returns the leaves owed to those who stay.
    fn take_peers(&mut self, conns: &[ConnId]) -> Vec<Notice> {
        let mut gone = std::collections::HashSet::new();
        for conn in conns {
            if let Some(peer) = self.peers.remove(conn) {
                peer.kick.cancel();
                gone.insert(*conn);
            }
        }
        let mut notices = Vec::new();
        if gone.is_empty() {
            return notices;
        }
        for (name, room) in &mut self.rooms {
            if !room.members.iter().any(|m| gone.contains(&m.conn)) {
                continue;
            }
            let (left, stayed): (Vec<Member>, Vec<Member>) = std::mem::take(&mut room.members)
                .into_iter()
                .partition(|m| gone.contains(&m.conn));
            room.members = stayed;
            let others: Vec<ConnId> = room.members.iter().map(|m| m.conn).collect();
            for member in left {
                let frame = encode(&ChatEvent::Leave {
                    username: member.name,
                    room: name.clone(),
                });
                notices.push((others.clone(), frame));
            }
        }
        notices
    }

    /// Takes `conn` out of `room`; returns the leave the others are owed.
    fn take_member(&mut self, conn: ConnId, room_name: &str) -> Option<Notice> {
        let room = self.rooms.get_mut(room_name)?;
        let index = room.members.iter().position(|m| m.conn == conn)?;
        let member = room.members.remove(index);
        let others: Vec<ConnId> = room.members.iter().map(|m| m.conn).collect();
        let frame = encode(&ChatEvent::Leave {
            username: member.name,
            room: room_name.to_owned(),
        });
        Some((others, frame))
    }

    fn join(
        &mut self,
        me: &mut Answers<'_>,
        username: &str,
        room: Option<String>,
        since: Option<u64>,
    ) {
        let conn = me.conn;
        let room_name = match room_name(room) {
            Ok(name) => name,
            Err(message) => return self.answer(me, error(message)),
        };
        let wanted = match check::username(username) {
            Ok(wanted) => wanted,
            Err(message) => return self.answer(me, error(message)),
        };
        if let Some(room) = self.rooms.get(&room_name)
            && let Some(member) = room.members.iter().find(|m| m.conn == conn)
        {
            let message = format!("you are already in room {room_name} as {}", member.name);
            return self.answer(me, error(message));
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
            return self.answer(me, error(message));
        }
        if !self.rooms.contains_key(&room_name) && !self.make_room_for_one_more() {
            return self.answer(me, error("too many rooms; join an existing one"));
        }
        let room = self.rooms.entry(room_name.clone()).or_default();
        let name = unique_name(wanted, room.members.iter().map(|m| m.name.as_str()));
        let others: Vec<ConnId> = room.members.iter().map(|m| m.conn).collect();
        room.members.push(Member {
            conn,
            name: name.clone(),
        });
        let members = room.members.iter().map(|m| m.name.clone()).collect();
        // Lines after `since` were trimmed: say so before the ones that are left.
        let gap = since.filter(|since| *since < room.dropped).map(|since| {
            encode(&ChatEvent::Gap {
                room: room_name.clone(),
                since,
            })
        });
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
        self.answer(me, joined);
        for line in gap.into_iter().chain(history) {
            self.answer(me, line);
        }
        // Only if the joiner is still here (more history than its queue holds can drop it).
        if !self.peers.contains_key(&conn) {
            return;
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

    fn say(&mut self, me: &mut Answers<'_>, text: &str, room: Option<String>) {
        let conn = me.conn;
        let room_name = match room_name(room) {
            Ok(name) => name,
            Err(message) => return self.answer(me, error(message)),
        };
        let text = match check::text(text) {
            Ok(text) => text,
            Err(message) => return self.answer(me, error(message)),
        };
        let speaker = self
            .rooms
            .get(&room_name)
            .and_then(|room| room.members.iter().find(|m| m.conn == conn))
            .map(|m| m.name.clone());
        let Some(username) = speaker else {
            let message = format!("join room {room_name} before sending messages to it");
            return self.answer(me, error(message));
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
        if room.history.len() == HISTORY_LEN
            && let Some(old) = room.history.pop_front()
        {
            room.dropped = old.id;
        }
        room.history.push_back(line);
        // The speaker gets its line back as an answer, the others as room traffic.
        let others: Vec<ConnId> = room
            .members
            .iter()
            .map(|m| m.conn)
            .filter(|c| *c != conn)
            .collect();
        self.answer(me, frame.clone());
        self.deliver(&others, &frame);
    }

    fn leave(&mut self, me: &mut Answers<'_>, room: Option<String>) {
        let conn = me.conn;
        let room_name = match room_name(room) {
            Ok(name) => name,
            Err(message) => return self.answer(me, error(message)),
        };
        let name = self
            .rooms
            .get(&room_name)
            .and_then(|room| room.members.iter().find(|m| m.conn == conn))
            .map(|m| m.name.clone());
        let Some(name) = name else {
            return self.answer(me, error(format!("you are not in room {room_name}")));
        };
        // The leaver hears its own leave too, so its view can say so.
        let frame = encode(&ChatEvent::Leave {
            username: name,
            room: room_name.clone(),
        });
        self.answer(me, frame);
        if let Some((others, frame)) = self.take_member(conn, &room_name) {
            self.deliver(&others, &frame);
        }
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::chat::session::Rooms;
    use wslab_protocol::chat::DEFAULT_ROOM;

    /// The other ends of the test connections' queues: open, as live connections' are,
    /// but nobody reads them.
    type Unread = Vec<mpsc::Receiver<Utf8Bytes>>;

    /// A hub with `stalled` members whose one-frame queues are already full, and a speaker
    /// with room to spare; returns the hub, the speaker's queue, the stalled ones' kicks
    /// and the queues' other ends.
    fn room_of_sleepers(
        stalled: usize,
    ) -> (
        HubState,
        mpsc::Sender<Utf8Bytes>,
        Vec<CancellationToken>,
        Unread,
    ) {
        let mut hub = HubState::default();
        let mut room = Room::default();
        let mut kicks = Vec::new();
        let mut receivers = Vec::new();
        for conn in 1..=stalled as ConnId {
            let (queue, outbox) = mpsc::channel(1);
            queue
                .try_send(Utf8Bytes::from_static("unread"))
                .expect("room for one");
            let kick = CancellationToken::new();
            kicks.push(kick.clone());
            hub.peers.insert(conn, Peer { queue, kick });
            room.members.push(Member {
                conn,
                name: format!("sleeper {conn}"),
            });
            receivers.push(outbox);
        }
        // Room for every leave it hears (fewer, and it would count as not reading too).
        let (speaker, outbox) = mpsc::channel(stalled + 1);
        receivers.push(outbox);
        hub.peers.insert(
            0,
            Peer {
                queue: speaker.clone(),
                kick: CancellationToken::new(),
            },
        );
        room.members.push(Member {
            conn: 0,
            name: "speaker".into(),
        });
        hub.rooms.insert(DEFAULT_ROOM.into(), room);
        (hub, speaker, kicks, receivers)
    }

    #[tokio::test]
    async fn waiting_for_room_does_not_take_it_from_the_rooms() {
        let (queue, mut outbox) = mpsc::channel::<Utf8Bytes>(4);
        let progress = Notify::new();
        for _ in 0..3 {
            queue.try_send("old".into()).expect("room");
        }
        let waiting = Answers::reserve(&queue, &progress, 1, 2);
        tokio::pin!(waiting);
        assert!(
            futures::poll!(waiting.as_mut()).is_pending(),
            "one slot is not two"
        );
        // Meanwhile a room's frame still finds the free slot (a queued `reserve_many`
        // would have taken it, and the frame would have found the queue full).
        assert!(queue.try_send("room".into()).is_ok());
        // The writer takes two frames: now the answers fit.
        for _ in 0..2 {
            outbox.recv().await.expect("a frame");
            progress.notify_waiters();
        }
        let answers = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("room made in time")
            .expect("the queue is open");
        assert_eq!(answers.room.len(), 2);
    }

    #[tokio::test]
    async fn a_request_answered_after_its_connection_was_dropped_does_nothing() {
        // The reader waited for room while the hub dropped the connection (not reading):
        // its join must not bring it back as a member nobody will ever remove.
        let hub = Hub::new(ChatLimits::default());
        let (queue, _outbox) = mpsc::channel(HISTORY_LEN + 1);
        let conn = hub.connect(queue.clone(), CancellationToken::new());
        let answers = Answers {
            conn,
            room: queue.try_reserve_many(HISTORY_LEN + 1).expect("room"),
        };
        hub.disconnect(conn);
        let join = ChatRequest::Join {
            username: "Ghost".into(),
            room: None,
            since: None,
        };
        hub.handle(answers, join).await;
        let state = hub.lock();
        assert!(
            state
                .rooms
                .values()
                .all(|room| room.members.iter().all(|m| m.conn != conn)),
            "a dropped connection joined a room"
        );
    }

    #[test]
    fn many_members_stalling_at_once_are_dropped_without_deep_recursion() {
        // Each removal used to announce the leave to the others, which found the next
        // stalled one and removed it from inside: a recursion as deep as the room. On a
        // small stack that overflowed; one round at a time it does not.
        let worker = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| {
                let (mut hub, speaker, kicks, _unread) = room_of_sleepers(5_000);
                let mut answers = Answers {
                    conn: 0,
                    room: speaker.try_reserve_many(1).expect("room for the answer"),
                };
                hub.say(&mut answers, "hello, anyone?", None);
                let left: Vec<ConnId> = hub.rooms[DEFAULT_ROOM]
                    .members
                    .iter()
                    .map(|m| m.conn)
                    .collect();
                (
                    left,
                    hub.peers.len(),
                    kicks.iter().all(CancellationToken::is_cancelled),
                )
            })
            .expect("spawn");
        let (left, peers, all_kicked) = worker.join().expect("no stack overflow");
        assert_eq!(left, [0], "only the speaker is left");
        assert_eq!(peers, 1);
        assert!(all_kicked);
    }
}
