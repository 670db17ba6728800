//! The chat on Redis (`--broker URL`), so several servers act as one chat: rooms, names,
//! members and history live in Redis, and every change reaches every server through one
//! pub/sub channel.
//!
//! - **One script per change** (`scripts.lua`): a line's id is taken, the line appended to
//!   the room's stream (capped at [`HISTORY_LEN`]) and published in one atomic step, as
//!   are a join's name, history and announcement, so history and the live stream never
//!   disagree, and every server hears a room's changes in one order.
//! - **Joins merge by number.** A joiner is a *pending* member here before its script runs:
//!   what the channel brings meanwhile is held, and once the script answers (with the
//!   room's number at the join) only what came after is delivered, behind the history; the
//!   channel, a connection of its own, may still bring changes from before the join after
//!   that, and they are dropped by the same number: no gap, no repeat.
//! - **Members expire.** Each server refreshes itself in Redis every third of the member
//!   time-to-live, and reaps servers that stopped: their members leave, announced once
//!   (the reaping script is atomic, whichever server runs it).
//! - **Outages.** Until Redis answers, `/chat` refuses upgrades (503) and this server's chat
//!   connections are closed with 1013; the outage is logged once, and the broker reconnects
//!   with backoff. Nothing waits for Redis in an unbounded queue: a failed command is
//!   answered with an error and takes the link down.
//!
//! This server's own members are kept here as in the [`super::Hub`], each with its bounded
//! queue; a member whose queue is full is disconnected.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use axum::extract::ws::Utf8Bytes;
use futures::StreamExt;
use redis::{AsyncConnectionConfig, Client, RedisError, Script, aio::MultiplexedConnection};
use tokio::sync::{Notify, mpsc, watch};
use tokio_util::sync::CancellationToken;
use wslab_protocol::{
    chat::{ChatEvent, ChatLine, ChatRequest, HISTORY_LEN},
    close,
};

use super::{
    ChatLimits, MAX_ROOMS, MAX_ROOMS_PER_CONNECTION, check,
    hub::{Answers, ConnId, encode, error},
    session::Rooms,
};
use crate::Ending;

/// Where the broker is and how long a server's members outlive it.
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    /// The Redis to use (redis-rs URL syntax: `redis://host:port/db`, `redis+unix:///path`).
    pub client: Client,
    /// How long a server's members stay after it stops refreshing them (default 10 s):
    /// the members of a server that died are gone, their leaves announced, within this
    /// plus a third of it.
    pub member_ttl: Duration,
    /// Prefix of every key and of the channel (default `wslab:chat:`).
    pub prefix: String,
}

impl BrokerConfig {
    /// The default settings for the Redis at `url`.
    ///
    /// # Errors
    /// When `url` is not a Redis URL.
    pub fn new(url: &str) -> Result<Self, RedisError> {
        Ok(Self {
            client: Client::open(url)?,
            member_ttl: Duration::from_secs(10),
            prefix: "wslab:chat:".into(),
        })
    }
}

/// The words a client reads when the broker cannot be reached.
const UNREACHABLE: &str =
    "the chat is unavailable: its broker cannot be reached; try again shortly";
/// How long a Redis command or connection may take before the link counts as down.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
/// Backoff between reconnection attempts: from the first to the last.
const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_LAST: Duration = Duration::from_secs(2);

/// The rooms of every server on one Redis.
pub struct Broker {
    limits: ChatLimits,
    config: BrokerConfig,
    /// This server's id among the others (random, new for every process).
    server: String,
    /// The command connection while the link is up.
    link: watch::Sender<Option<MultiplexedConnection>>,
    /// A command failed: the supervisor takes the link down and reconnects.
    failed: Notify,
    local: Mutex<Local>,
    scripts: Scripts,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("server", &self.server)
            .field("up", &self.is_up())
            .finish_non_exhaustive()
    }
}

struct Scripts {
    alive: Script,
    join: Script,
    say: Script,
    leave: Script,
}

impl Scripts {
    fn new() -> Self {
        let source = include_str!("scripts.lua");
        let mut parts = source.split("--@@ ");
        let prelude = parts.next().unwrap_or_default();
        let mut bodies: HashMap<&str, Script> = parts
            .filter_map(|part| {
                let (name, body) = part.split_once('\n')?;
                Some((name.trim(), Script::new(&format!("{prelude}{body}"))))
            })
            .collect();
        let mut take = |name| {
            bodies
                .remove(name)
                .unwrap_or_else(|| Script::new("return nil"))
        };
        Self {
            alive: take("alive"),
            join: take("join"),
            say: take("say"),
            leave: take("leave"),
        }
    }
}

/// One of this server's members of a room.
struct Member {
    conn: ConnId,
    /// The name Redis gave it, and that name lower-cased (its key there); empty while pending.
    name: String,
    key: String,
    /// While its join runs: what the channel brought meanwhile, with each change's number.
    pending: Option<Vec<(u64, Utf8Bytes)>>,
    /// The room's number at its join: changes up to it were in its history (or are its own
    /// join). The channel can bring them after the join's answer, on its own connection.
    after: u64,
}

/// A connection's outbox and its "you are disconnected" switch.
struct Peer {
    queue: mpsc::Sender<Utf8Bytes>,
    kick: CancellationToken,
}

#[derive(Default)]
struct Local {
    peers: HashMap<ConnId, Peer>,
    rooms: HashMap<String, Vec<Member>>,
    next_conn: ConnId,
}

/// A membership to take out of Redis: room and key.
type Gone = (String, String);

impl Local {
    /// Takes connections out of this server's rooms and kicks them; returns their
    /// memberships, to take out of Redis.
    fn remove(&mut self, conns: &[ConnId]) -> (Vec<(ConnId, Gone)>, bool) {
        let mut any = false;
        for conn in conns {
            if let Some(peer) = self.peers.remove(conn) {
                peer.kick.cancel();
                any = true;
            }
        }
        let mut gone = Vec::new();
        for (room, members) in &mut self.rooms {
            members.retain(|m| {
                if !conns.contains(&m.conn) {
                    return true;
                }
                // A pending member's join is still running: it takes itself out when it ends.
                if m.pending.is_none() {
                    gone.push((m.conn, (room.clone(), m.key.clone())));
                }
                false
            });
        }
        self.rooms.retain(|_, members| !members.is_empty());
        (gone, any)
    }

    /// `try_send`s `frame` to each connection; returns those whose queue is full.
    fn offer(&self, conns: impl IntoIterator<Item = ConnId>, frame: &Utf8Bytes) -> Vec<ConnId> {
        conns
            .into_iter()
            .filter(|conn| {
                self.peers
                    .get(conn)
                    .is_some_and(|peer| peer.queue.try_send(frame.clone()).is_err())
            })
            .collect()
    }

    fn answer(&self, to: &mut Answers<'_>, frame: Utf8Bytes) -> Vec<ConnId> {
        match to.room.next() {
            Some(permit) => {
                permit.send(frame);
                Vec::new()
            }
            None => self.offer([to.conn], &frame),
        }
    }

    fn member(&mut self, room: &str, conn: ConnId) -> Option<&mut Member> {
        self.rooms
            .get_mut(room)?
            .iter_mut()
            .find(|m| m.conn == conn)
    }
}

impl Broker {
    /// A broker on `config`'s Redis, connecting in the background (until it has, `/chat`
    /// refuses upgrades and [`Broker::is_up`] is false).
    ///
    /// # Panics
    /// Outside a Tokio runtime.
    pub fn start(config: BrokerConfig, limits: ChatLimits) -> Arc<Self> {
        let server = format!(
            "{:016x}",
            std::hash::BuildHasher::hash_one(
                &std::collections::hash_map::RandomState::new(),
                (std::process::id(), std::time::SystemTime::now())
            )
        );
        let broker = Arc::new(Self {
            limits,
            config,
            server,
            link: watch::Sender::new(None),
            failed: Notify::new(),
            local: Mutex::new(Local::default()),
            scripts: Scripts::new(),
        });
        tokio::spawn(Arc::clone(&broker).supervise());
        broker
    }

    /// Whether Redis is reachable: chat connections are served.
    pub fn is_up(&self) -> bool {
        self.link.borrow().is_some()
    }

    /// Waits until the link is up, or `timeout` passes; whether it is.
    pub async fn wait_up(&self, timeout: Duration) -> bool {
        let mut link = self.link.subscribe();
        tokio::time::timeout(timeout, link.wait_for(Option::is_some))
            .await
            .is_ok_and(|up| up.is_ok())
    }

    fn lock(&self) -> MutexGuard<'_, Local> {
        self.local
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn connection(&self) -> Option<MultiplexedConnection> {
        self.link.borrow().clone()
    }

    /// Keeps the link up: connects, subscribes, refreshes this server, and on any failure
    /// closes this server's chat connections and tries again with backoff.
    async fn supervise(self: Arc<Self>) {
        let mut delay = RETRY_FIRST;
        let mut down_since_logged = false;
        loop {
            let error = match self.open_link().await {
                Ok((connection, events)) => {
                    if down_since_logged {
                        tracing::info!("chat broker reachable again; /chat is served");
                    } else {
                        tracing::info!(server = %self.server, "chat broker connected");
                    }
                    down_since_logged = false;
                    delay = RETRY_FIRST;
                    self.link.send_replace(Some(connection.clone()));
                    let error = self.run_link(connection, events).await;
                    self.go_down();
                    error
                }
                Err(error) => error,
            };
            if !down_since_logged {
                tracing::warn!(%error,
                    "chat broker unreachable: /chat refuses connections until it is back");
                down_since_logged = true;
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(RETRY_LAST);
        }
    }

    async fn open_link(&self) -> Result<(MultiplexedConnection, redis::aio::PubSubStream), String> {
        let client = &self.config.client;
        let settings = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(COMMAND_TIMEOUT))
            .set_response_timeout(Some(COMMAND_TIMEOUT));
        let mut connection = client
            .get_multiplexed_async_connection_with_config(&settings)
            .await
            .map_err(|e| e.to_string())?;
        let subscribe = async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(self.channel()).await?;
            Ok::<_, RedisError>(pubsub.into_on_message())
        };
        let events = tokio::time::timeout(COMMAND_TIMEOUT, subscribe)
            .await
            .map_err(|_| "subscribing timed out".to_owned())?
            .map_err(|e| e.to_string())?;
        // Subscribed before anything is served, so no change after this is missed; this
        // server's members from before the outage are stale (their connections were closed).
        self.alive(&mut connection, true)
            .await
            .map_err(|e| e.to_string())?;
        Ok((connection, events))
    }

    fn channel(&self) -> String {
        format!("{}events", self.config.prefix)
    }

    async fn alive(
        &self,
        connection: &mut MultiplexedConnection,
        fresh: bool,
    ) -> Result<u64, RedisError> {
        let ttl = u64::try_from(self.config.member_ttl.as_millis()).unwrap_or(u64::MAX);
        self.scripts
            .alive
            .arg(&self.config.prefix)
            .arg(&self.server)
            .arg(ttl)
            .arg(if fresh { "1" } else { "0" })
            .invoke_async(connection)
            .await
    }

    /// Delivers the channel's changes until the link breaks; why it did.
    async fn run_link(
        &self,
        mut connection: MultiplexedConnection,
        mut events: redis::aio::PubSubStream,
    ) -> String {
        let mut refresh = tokio::time::interval(self.config.member_ttl / 3);
        refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                event = events.next() => match event {
                    Some(event) => self.dispatch(event.get_payload_bytes()),
                    None => return "the subscription ended".into(),
                },
                _ = refresh.tick() => match self.alive(&mut connection, false).await {
                    Ok(0) => {}
                    Ok(reaped) => tracing::info!(reaped, "chat: servers that stopped were reaped"),
                    Err(error) => return error.to_string(),
                },
                () = self.failed.notified() => return "a command failed".into(),
            }
        }
    }

    /// The link is down: no more chat here until it is back.
    fn go_down(&self) {
        self.link.send_replace(None);
        let mut local = self.lock();
        let everyone: Vec<ConnId> = local.peers.keys().copied().collect();
        // Their memberships in Redis are reaped when the link is back (`alive`, fresh).
        let _ = local.remove(&everyone);
    }

    /// Something went wrong talking to Redis: say so and take the link down.
    fn command_failed(&self, error: &RedisError) {
        tracing::debug!(%error, "chat broker command failed");
        self.failed.notify_one();
    }

    /// One change from the channel, to this server's members of its room.
    fn dispatch(&self, payload: &[u8]) {
        let Some((room, number, frame)) = parse_event(payload) else {
            tracing::warn!("chat broker: a malformed event on the channel was ignored");
            return;
        };
        let mut local = self.lock();
        let Some(members) = local.rooms.get_mut(room) else {
            return;
        };
        let cap = self.limits.queue_len;
        let mut live = Vec::new();
        let mut stalled = Vec::new();
        for member in members.iter_mut() {
            match &mut member.pending {
                Some(held) if held.len() < cap => held.push((number, frame.clone())),
                Some(_) => stalled.push(member.conn),
                None if number > member.after => live.push(member.conn),
                None => {}
            }
        }
        stalled.extend(local.offer(live, &frame));
        drop(local);
        self.drop_stalled(stalled);
    }

    /// Disconnects connections that are not reading.
    fn drop_stalled(&self, stalled: Vec<ConnId>) {
        if stalled.is_empty() {
            return;
        }
        for conn in &stalled {
            tracing::info!(conn, "chat: client is not reading; disconnecting it");
        }
        let (gone, _) = self.lock().remove(&stalled);
        self.leave_in_redis(gone);
    }

    /// Takes memberships out of Redis in the background, each leave announced there.
    fn leave_in_redis(&self, gone: Vec<(ConnId, Gone)>) {
        let Some(mut connection) = self.connection() else {
            return;
        };
        if gone.is_empty() {
            return;
        }
        let script = self.scripts.leave.clone();
        let prefix = self.config.prefix.clone();
        let server = self.server.clone();
        tokio::spawn(async move {
            for (conn, (room, key)) in gone {
                let left = script
                    .arg(&prefix)
                    .arg(room)
                    .arg(key)
                    .arg(&server)
                    .arg(conn)
                    .invoke_async::<i64>(&mut connection)
                    .await;
                if let Err(error) = left {
                    // The server's own entries are reaped when the link is back.
                    tracing::debug!(%error, "chat broker: a leave could not be stored");
                    return;
                }
            }
        });
    }

    async fn join(
        &self,
        mut me: Answers<'_>,
        username: &str,
        room: Option<String>,
        since: Option<u64>,
    ) {
        let conn = me.conn;
        let refusal = (|| {
            let room = check::room_name(room)?;
            let wanted = check::username(username)?.to_owned();
            let mut local = self.lock();
            if let Some(member) = local.member(&room, conn) {
                return Err(format!("you are already in room {room} as {}", member.name));
            }
            let joined = local
                .rooms
                .values()
                .filter(|members| members.iter().any(|m| m.conn == conn))
                .count();
            if joined >= MAX_ROOMS_PER_CONNECTION {
                return Err(format!(
                    "you are in {joined} rooms already (the limit); leave one before joining {room}"
                ));
            }
            local.rooms.entry(room.clone()).or_default().push(Member {
                conn,
                name: String::new(),
                key: String::new(),
                pending: Some(Vec::new()),
                after: u64::MAX,
            });
            Ok((room, wanted))
        })();
        let (room, wanted) = match refusal {
            Ok(join) => join,
            Err(message) => return self.answer_alone(&mut me, error(message)),
        };
        let answer = match self.connection() {
            Some(mut connection) => {
                self.scripts
                    .join
                    .arg(&self.config.prefix)
                    .arg(&room)
                    .arg(&wanted)
                    .arg(&self.server)
                    .arg(conn)
                    .arg(since.map(|s| s.to_string()).unwrap_or_default())
                    .arg(MAX_ROOMS)
                    .invoke_async::<(String, String, u64, u8, Vec<String>, Vec<String>)>(
                        &mut connection,
                    )
                    .await
            }
            None => Err(RedisError::from((
                redis::ErrorKind::Io,
                "the broker link is down",
            ))),
        };
        let mut local = self.lock();
        let member = local
            .rooms
            .get(&room)
            .and_then(|members| members.iter().position(|m| m.conn == conn));
        let (name, key, number, gap, members, history) = match answer {
            Ok(answer) if !answer.0.is_empty() => answer,
            refused => {
                let message = match refused {
                    Ok(_) => "too many rooms; join an existing one".to_owned(),
                    Err(failure) => {
                        self.command_failed(&failure);
                        UNREACHABLE.to_owned()
                    }
                };
                if let (Some(members), Some(index)) = (local.rooms.get_mut(&room), member) {
                    members.remove(index);
                }
                local.rooms.retain(|_, members| !members.is_empty());
                let stalled = local.answer(&mut me, error(message));
                drop(local);
                return self.drop_stalled(stalled);
            }
        };
        let Some(index) = member else {
            // Disconnected while its join ran: take the new membership out again.
            drop(local);
            return self.leave_in_redis(vec![(conn, (room, key))]);
        };
        let held = {
            let members = local.rooms.get_mut(&room).map(|m| &mut m[index]);
            let Some(member) = members else { return };
            member.name.clone_from(&name);
            member.key = key;
            member.after = number;
            member.pending.take().unwrap_or_default()
        };
        let joined = encode(&ChatEvent::Joined {
            username: name,
            room: room.clone(),
            members,
        });
        let gap = (gap == 1).then(|| {
            encode(&ChatEvent::Gap {
                room: room.clone(),
                since: since.unwrap_or_default(),
            })
        });
        let mut stalled = local.answer(&mut me, joined);
        for frame in gap
            .into_iter()
            .chain(history.into_iter().map(Utf8Bytes::from))
        {
            stalled.extend(local.answer(&mut me, frame));
        }
        // What the channel brought while the script ran, after it only: the join's own
        // announcement and the history's lines are not repeated.
        for (_, frame) in held.into_iter().filter(|(n, _)| *n > number) {
            stalled.extend(local.offer([conn], &frame));
        }
        drop(local);
        self.drop_stalled(stalled);
    }

    async fn say(&self, mut me: Answers<'_>, text: &str, room: Option<String>) {
        let conn = me.conn;
        let ready = (|| {
            let room = check::room_name(room)?;
            let text = check::text(text)?;
            let mut local = self.lock();
            let Some(member) = local.member(&room, conn).filter(|m| m.pending.is_none()) else {
                return Err(format!("join room {room} before sending messages to it"));
            };
            let head = line_head(&member.name, text, &room);
            Ok((room, member.key.clone(), head))
        })();
        let (room, key, head) = match ready {
            Ok(ready) => ready,
            Err(message) => return self.answer_alone(&mut me, error(message)),
        };
        let Some(mut connection) = self.connection() else {
            return self.answer_alone(&mut me, error(UNREACHABLE));
        };
        let said = self
            .scripts
            .say
            .arg(&self.config.prefix)
            .arg(&room)
            .arg(&key)
            .arg(&self.server)
            .arg(conn)
            .arg(head)
            .arg(HISTORY_LEN)
            .invoke_async::<String>(&mut connection)
            .await;
        // The line comes back to the speaker with everyone's, through the channel.
        match said {
            Ok(id) if !id.is_empty() => {}
            Ok(_) => {
                let message = format!("you are no longer in room {room}; join it again");
                let mut local = self.lock();
                if let Some(members) = local.rooms.get_mut(&room) {
                    members.retain(|m| m.conn != conn);
                }
                local.rooms.retain(|_, members| !members.is_empty());
                drop(local);
                self.answer_alone(&mut me, error(message));
            }
            Err(failure) => {
                self.command_failed(&failure);
                self.answer_alone(&mut me, error(UNREACHABLE));
            }
        }
    }

    fn leave(&self, mut me: Answers<'_>, room: Option<String>) {
        let conn = me.conn;
        let room = match check::room_name(room) {
            Ok(room) => room,
            Err(message) => return self.answer_alone(&mut me, error(message)),
        };
        let mut local = self.lock();
        let index = local.rooms.get(&room).and_then(|members| {
            members
                .iter()
                .position(|m| m.conn == conn && m.pending.is_none())
        });
        let (Some(index), Some(members)) = (index, local.rooms.get_mut(&room)) else {
            drop(local);
            return self.answer_alone(&mut me, error(format!("you are not in room {room}")));
        };
        let member = members.remove(index);
        local.rooms.retain(|_, members| !members.is_empty());
        // The leaver hears its own leave as an answer; the others through the channel.
        let frame = encode(&ChatEvent::Leave {
            username: member.name,
            room: room.clone(),
        });
        let stalled = local.answer(&mut me, frame);
        drop(local);
        self.leave_in_redis(vec![(conn, (room, member.key))]);
        self.drop_stalled(stalled);
    }

    fn answer_alone(&self, me: &mut Answers<'_>, frame: Utf8Bytes) {
        let stalled = {
            let local = self.lock();
            if !local.peers.contains_key(&me.conn) {
                return;
            }
            local.answer(me, frame)
        };
        self.drop_stalled(stalled);
    }
}

impl Rooms for Arc<Broker> {
    fn limits(&self) -> ChatLimits {
        self.limits
    }

    fn connect(&self, queue: mpsc::Sender<Utf8Bytes>, kick: CancellationToken) -> ConnId {
        let mut local = self.lock();
        local.next_conn += 1;
        let conn = local.next_conn;
        // A connection accepted just as the link went down is closed at once.
        if !self.is_up() {
            kick.cancel();
        }
        local.peers.insert(conn, Peer { queue, kick });
        conn
    }

    fn disconnect(&self, conn: ConnId) {
        let (gone, _) = self.lock().remove(&[conn]);
        self.leave_in_redis(gone);
    }

    async fn handle(&self, answers: Answers<'_>, request: ChatRequest) {
        if !self.lock().peers.contains_key(&answers.conn) {
            return;
        }
        match request {
            ChatRequest::Join {
                username,
                room,
                since,
            } => self.join(answers, &username, room, since).await,
            ChatRequest::Message { text, room, .. } => self.say(answers, &text, room).await,
            ChatRequest::Leave { room } => self.leave(answers, room),
        }
    }

    fn reply(&self, mut answers: Answers<'_>, frame: Utf8Bytes) {
        self.answer_alone(&mut answers, frame);
    }

    fn kicked(&self) -> Ending {
        if self.is_up() {
            Ending::Graceful
        } else {
            Ending::Refuse(close::TRY_AGAIN_LATER, "chat broker unreachable")
        }
    }
}

/// A `message` frame up to its id: the script appends the id and the time.
fn line_head(username: &str, text: &str, room: &str) -> String {
    let mut frame = serde_json::to_string(&ChatEvent::Message(ChatLine {
        username: username.to_owned(),
        text: text.to_owned(),
        room: room.to_owned(),
        id: 0,
        ts: 0,
    }))
    .unwrap_or_default();
    // Serde writes the fields in order, so the frame ends with the id and the time.
    let tail = r#"0,"ts":0}"#;
    frame.truncate(frame.len().saturating_sub(tail.len()));
    frame
}

/// A channel payload: `room\nnumber\nframe`.
fn parse_event(payload: &[u8]) -> Option<(&str, u64, Utf8Bytes)> {
    let text = std::str::from_utf8(payload).ok()?;
    let (room, rest) = text.split_once('\n')?;
    let (number, frame) = rest.split_once('\n')?;
    Some((room, number.parse().ok()?, frame.to_owned().into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_head_is_the_frame_up_to_its_id() {
        let head = line_head("Ada \"A\"", "hi\n", "general");
        assert_eq!(
            head,
            r#"{"type":"message","username":"Ada \"A\"","text":"hi\n","room":"general","id":"#
        );
        let frame = format!(r#"{head}17,"ts":5}}"#);
        assert_eq!(
            ChatEvent::read(&frame),
            wslab_protocol::chat::Incoming::Event(ChatEvent::Message(ChatLine {
                username: "Ada \"A\"".into(),
                text: "hi\n".into(),
                room: "general".into(),
                id: 17,
                ts: 5,
            }))
        );
    }

    #[test]
    fn channel_events_are_parsed_or_refused() {
        let (room, number, frame) = parse_event(b"general\n42\n{\"a\":\"x\ny\"}").expect("event");
        assert_eq!(
            (room, number, frame.as_str()),
            ("general", 42, "{\"a\":\"x\ny\"}")
        );
        assert!(parse_event(b"general\nforty\n{}").is_none());
        assert!(parse_event(b"general").is_none());
        assert!(parse_event(&[0xff, b'\n', b'1', b'\n']).is_none());
    }

    #[test]
    fn every_script_is_found_in_the_file() {
        let source = include_str!("scripts.lua");
        for name in ["alive", "join", "say", "leave"] {
            assert!(source.contains(&format!("--@@ {name}\n")), "{name}");
        }
    }
}
