//! Several `wslab-server` processes on one Redis (`--broker`), and nginx in front of them:
//! the chat acts as one across servers, loses nothing when one dies, and survives Redis
//! going away. Each server is its own OS process; Redis runs on a Unix socket in the
//! test's own directory. `cargo xtask test` installs `redis-server` and `nginx`.

use std::{collections::HashSet, time::Duration};

use anyhow::{Context, Result, bail};
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, protocol::frame::coding::CloseCode},
};
use wslab_e2e::cluster::{Nginx, Redis, ServerProcess, WAIT, scratch, wait_until};
use wslab_protocol::chat::{ChatEvent, ChatLine, Incoming};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The member time-to-live the tests give servers: a dead server's members leave within
/// this and a third more.
const MEMBER_TTL: &str = "3";

/// Servers fast enough for the tests to publish without hitting the chat's rate limit.
fn server_args(redis: &Redis) -> Vec<String> {
    [
        "--broker",
        &redis.url(),
        "--member-ttl",
        MEMBER_TTL,
        "--chat-rate",
        "1000",
        "--chat-burst",
        "1000",
    ]
    .map(String::from)
    .to_vec()
}

fn start_server(dir: &std::path::Path, redis: &Redis, name: &str) -> Result<ServerProcess> {
    let server = ServerProcess::start(&server_args(redis), &dir.join(format!("{name}.log")))?;
    server.wait_health(200)?;
    Ok(server)
}

/// A chat client.
struct Chatter {
    socket: Socket,
    /// Every line it has received, in order.
    lines: Vec<ChatLine>,
}

impl Chatter {
    async fn connect(url: &str) -> Result<Self> {
        let (socket, _) = tokio::time::timeout(WAIT, connect_async(url))
            .await
            .context("handshake in time")??;
        Ok(Self {
            socket,
            lines: Vec::new(),
        })
    }

    async fn send(&mut self, json: serde_json::Value) -> Result<()> {
        self.socket.send(Message::text(json.to_string())).await?;
        Ok(())
    }

    /// Joins and returns the name it got and the members it was told of.
    async fn join(&mut self, name: &str, since: Option<u64>) -> Result<(String, Vec<String>)> {
        let mut join = serde_json::json!({"type": "join", "username": name});
        if let Some(since) = since {
            join["since"] = since.into();
        }
        self.send(join).await?;
        loop {
            if let ChatEvent::Joined {
                username, members, ..
            } = self.event().await?
            {
                return Ok((username, members));
            }
        }
    }

    async fn say(&mut self, text: &str) -> Result<()> {
        self.send(serde_json::json!({"type": "message", "text": text}))
            .await
    }

    /// The next event (lines are also kept in [`Chatter::lines`]).
    async fn event(&mut self) -> Result<ChatEvent> {
        loop {
            let message = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .context("an event in time")?
                .context("the connection ended")??;
            let Message::Text(text) = message else {
                if let Message::Close(frame) = message {
                    bail!("closed: {frame:?}");
                }
                continue;
            };
            match ChatEvent::read(&text) {
                Incoming::Event(event) => {
                    if let ChatEvent::Message(line) = &event {
                        self.lines.push(line.clone());
                    }
                    return Ok(event);
                }
                other => bail!("unexpected frame {text}: {other:?}"),
            }
        }
    }

    /// Reads until a line with `text` has arrived.
    async fn until_line(&mut self, text: &str) -> Result<()> {
        while !self.lines.iter().any(|l| l.text == text) {
            self.event().await?;
        }
        Ok(())
    }

    /// Reads until the server closes; its code.
    async fn close_code(&mut self) -> Result<u16> {
        loop {
            let message = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .context("a close in time")?;
            match message {
                Some(Ok(Message::Close(Some(frame)))) => return Ok(u16::from(frame.code)),
                Some(Ok(Message::Close(None))) => return Ok(u16::from(CloseCode::Status)),
                Some(Ok(_)) => {}
                Some(Err(error)) => bail!("no close frame: {error}"),
                None => bail!("ended without a close frame"),
            }
        }
    }

    fn texts(&self) -> Vec<&str> {
        self.lines.iter().map(|l| l.text.as_str()).collect()
    }
}

fn no_repeats(lines: &[ChatLine]) -> Result<()> {
    let mut seen = HashSet::new();
    for line in lines {
        if !seen.insert(line.id) {
            bail!("line {} ({:?}) arrived twice", line.id, line.text);
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_said_on_any_server_reaches_every_member_on_every_server_once_in_one_order()
-> Result<()> {
    let dir = scratch("order")?;
    let redis = Redis::start(&dir, false)?;
    let one = start_server(&dir, &redis, "one")?;
    let two = start_server(&dir, &redis, "two")?;
    let mut ada = Chatter::connect(&one.ws("/chat")).await?;
    let mut bob = Chatter::connect(&two.ws("/chat")).await?;
    let mut eve = Chatter::connect(&one.ws("/chat")).await?;
    ada.join("Ada", None).await?;
    bob.join("Bob", None).await?;
    eve.join("Eve", None).await?;
    // Ada and Bob talk at once, on different servers.
    for n in 0..30 {
        ada.say(&format!("ada {n}")).await?;
        bob.say(&format!("bob {n}")).await?;
    }
    ada.say("ada end").await?;
    bob.say("bob end").await?;
    for chatter in [&mut ada, &mut bob, &mut eve] {
        chatter.until_line("ada end").await?;
        chatter.until_line("bob end").await?;
    }
    for chatter in [&ada, &bob, &eve] {
        no_repeats(&chatter.lines)?;
        assert_eq!(chatter.lines.len(), 62, "{:?}", chatter.texts());
        assert!(chatter.lines.windows(2).all(|w| w[0].id < w[1].id));
    }
    assert_eq!(ada.texts(), bob.texts(), "one order on both servers");
    assert_eq!(ada.texts(), eve.texts());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_said_through_two_servers_resumes_on_either_with_since() -> Result<()> {
    let dir = scratch("history")?;
    let redis = Redis::start(&dir, false)?;
    let one = start_server(&dir, &redis, "one")?;
    let two = start_server(&dir, &redis, "two")?;
    let mut ada = Chatter::connect(&one.ws("/chat")).await?;
    let mut bob = Chatter::connect(&two.ws("/chat")).await?;
    ada.join("Ada", None).await?;
    bob.join("Bob", None).await?;
    for n in 0..3 {
        ada.say(&format!("a{n}")).await?;
        ada.until_line(&format!("a{n}")).await?;
        bob.say(&format!("b{n}")).await?;
        bob.until_line(&format!("b{n}")).await?;
    }
    ada.until_line("b2").await?;
    let said = ada.texts().join(" ");
    assert_eq!(said, "a0 b0 a1 b1 a2 b2");
    let third = ada.lines[2].id;
    for (server, name) in [(&one, "Cy"), (&two, "Di")] {
        // A newcomer gets the whole history, a resuming client what came after `since`.
        let mut fresh = Chatter::connect(&server.ws("/chat")).await?;
        fresh.join(name, None).await?;
        fresh.say("here").await?;
        fresh.until_line("here").await?;
        assert_eq!(fresh.texts().join(" "), format!("{said} here"));
        let mut resumed = Chatter::connect(&server.ws("/chat")).await?;
        resumed.join(&format!("{name} again"), Some(third)).await?;
        resumed.say("again").await?;
        resumed.until_line("again").await?;
        let texts = resumed.texts();
        assert_eq!(texts[..3], ["b1", "a2", "b2"], "{texts:?}");
        no_repeats(&resumed.lines)?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joins_under_continuous_publishing_miss_no_line_and_repeat_none() -> Result<()> {
    let dir = scratch("joins")?;
    let redis = Redis::start(&dir, false)?;
    let one = start_server(&dir, &redis, "one")?;
    let two = start_server(&dir, &redis, "two")?;
    let mut speaker = Chatter::connect(&one.ws("/chat")).await?;
    speaker.join("Speaker", None).await?;
    let talk = tokio::spawn(async move {
        for n in 0..90 {
            speaker.say(&format!("line {n}")).await?;
            tokio::task::yield_now().await;
        }
        speaker.until_line("line 89").await?;
        Ok::<_, anyhow::Error>(speaker)
    });
    // Joiners arrive on the other server while the lines flow.
    let mut joiners = Vec::new();
    for n in 0..12 {
        let mut joiner = Chatter::connect(&two.ws("/chat")).await?;
        joiner.join(&format!("Joiner {n}"), None).await?;
        joiners.push(joiner);
    }
    let speaker = talk.await??;
    let all: Vec<u64> = speaker.lines.iter().map(|l| l.id).collect();
    assert_eq!(all.len(), 90);
    let mut late = 0;
    for joiner in &mut joiners {
        joiner.until_line("line 89").await?;
        no_repeats(&joiner.lines).with_context(|| format!("{:?}", joiner.texts()))?;
        let ids: Vec<u64> = joiner.lines.iter().map(|l| l.id).collect();
        // History then live lines: every line from the first it got to the last, in order.
        let first = all
            .iter()
            .position(|id| *id == ids[0])
            .context("a known line")?;
        assert_eq!(ids, all[first..], "a gap or a reordering");
        if first > 0 {
            late += 1;
        }
    }
    // Nothing is shown unless some joiner came in while lines were flowing and kept them all.
    eprintln!(
        "{late} of {} joiners joined after the first line",
        joiners.len()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_stay_unique_across_servers_and_a_killed_servers_members_leave_once() -> Result<()> {
    let dir = scratch("members")?;
    let redis = Redis::start(&dir, false)?;
    let mut one = start_server(&dir, &redis, "one")?;
    let two = start_server(&dir, &redis, "two")?;
    let mut first = Chatter::connect(&one.ws("/chat")).await?;
    let mut second = Chatter::connect(&two.ws("/chat")).await?;
    let mut third = Chatter::connect(&two.ws("/chat")).await?;
    assert_eq!(first.join("Ada", None).await?.0, "Ada");
    assert_eq!(second.join("ada", None).await?.0, "ada (2)");
    let (name, mut members) = third.join("Bob", None).await?;
    assert_eq!(name, "Bob");
    members.sort();
    assert_eq!(members, ["Ada", "Bob", "ada (2)"]);
    one.kill9();
    // Ada's server is gone: her leave is announced once, within the members' time-to-live.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let mut leaves = 0;
    loop {
        let event = tokio::time::timeout_at(deadline, third.event())
            .await
            .context("Ada's leave within 15 s")??;
        if let ChatEvent::Leave { username, .. } = event {
            assert_eq!(username, "Ada");
            leaves += 1;
            break;
        }
    }
    // Nothing more about Ada before a line said afterwards.
    second.say("after").await?;
    loop {
        match third.event().await? {
            ChatEvent::Leave { username, .. } => {
                bail!("a second leave, of {username}")
            }
            ChatEvent::Message(line) if line.text == "after" => break,
            _ => {}
        }
    }
    assert_eq!(leaves, 1);
    // Her name is free again.
    let mut back = Chatter::connect(&two.ws("/chat")).await?;
    assert_eq!(back.join("Ada", None).await?.0, "Ada");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_and_started_again_loses_no_history() -> Result<()> {
    let dir = scratch("restart")?;
    let redis = Redis::start(&dir, false)?;
    let mut one = start_server(&dir, &redis, "one")?;
    let mut ada = Chatter::connect(&one.ws("/chat")).await?;
    ada.join("Ada", None).await?;
    for n in 0..5 {
        ada.say(&format!("kept {n}")).await?;
    }
    ada.until_line("kept 4").await?;
    one.kill9();
    let again = start_server(&dir, &redis, "again")?;
    let mut bob = Chatter::connect(&again.ws("/chat")).await?;
    bob.join("Bob", None).await?;
    bob.say("new").await?;
    bob.until_line("new").await?;
    assert_eq!(
        bob.texts(),
        ["kept 0", "kept 1", "kept 2", "kept 3", "kept 4", "new"]
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_closes_chat_with_1013_refuses_with_503_and_chat_returns_with_it()
-> Result<()> {
    let dir = scratch("outage")?;
    let mut redis = Redis::start(&dir, true)?;
    let one = start_server(&dir, &redis, "one")?;
    let mut ada = Chatter::connect(&one.ws("/chat")).await?;
    ada.join("Ada", None).await?;
    ada.say("before").await?;
    ada.until_line("before").await?;

    redis.stop();
    assert_eq!(
        ada.close_code().await?,
        1013,
        "chat closed: try again later"
    );
    one.wait_health(503)?;
    let refused = connect_async(one.ws("/chat")).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
            assert!(response.headers().contains_key("retry-after"));
        }
        other => bail!("a chat upgrade during the outage was not refused: {other:?}"),
    }
    // The other endpoints do not need the broker.
    let mut echo = Chatter::connect(&one.ws("/echo")).await?;
    echo.socket.send(Message::text("still here")).await?;
    let echoed = tokio::time::timeout(WAIT, echo.socket.next()).await?;
    assert!(matches!(echoed, Some(Ok(Message::Text(t))) if t.as_str() == "still here"));

    redis.restart()?;
    one.wait_health(200)?;
    let mut bob = Chatter::connect(&one.ws("/chat")).await?;
    let (_, members) = bob.join("Bob", None).await?;
    assert_eq!(members, ["Bob"], "Ada's stale membership was reaped");
    bob.say("after").await?;
    bob.until_line("after").await?;
    assert_eq!(bob.texts(), ["before", "after"], "history kept by Redis");
    let outages = one.log().matches("chat broker unreachable").count();
    assert_eq!(outages, 1, "the outage is logged once:\n{}", one.log_tail());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_resuming_across_lost_or_trimmed_history_is_told_of_the_gap() -> Result<()> {
    let dir = scratch("epoch")?;
    let mut redis = Redis::start(&dir, false)?;
    let one = start_server(&dir, &redis, "one")?;
    let mut ada = Chatter::connect(&one.ws("/chat")).await?;
    ada.join("Ada", None).await?;
    ada.say("old").await?;
    ada.until_line("old").await?;
    let seen = ada.lines[0].id;

    // Redis restarts without its data: the room's epoch changes.
    redis.restart()?;
    assert_eq!(ada.close_code().await?, 1013);
    one.wait_health(200)?;
    let mut bob = Chatter::connect(&one.ws("/chat")).await?;
    bob.join("Bob", None).await?;
    bob.say("new epoch").await?;
    bob.until_line("new epoch").await?;
    assert!(bob.lines[0].id > seen, "numbers start above the old ones");

    let mut back = Chatter::connect(&one.ws("/chat")).await?;
    let mut join = serde_json::json!({"type": "join", "username": "Ada", "since": seen});
    back.send(join.take()).await?;
    let mut told = false;
    loop {
        match back.event().await? {
            ChatEvent::Gap { since, .. } => {
                assert_eq!(since, seen);
                told = true;
            }
            ChatEvent::Message(line) if line.text == "new epoch" => break,
            _ => {}
        }
    }
    assert!(told, "no gap event before the new epoch's lines");

    // Trimmed: more than the history holds was said since.
    for n in 0..105 {
        bob.say(&format!("t{n}")).await?;
    }
    bob.until_line("t104").await?;
    let early = bob.lines[1].id;
    let mut late = Chatter::connect(&one.ws("/chat")).await?;
    late.send(serde_json::json!({"type": "join", "username": "Cy", "since": early}))
        .await?;
    let mut told = false;
    while !late.lines.iter().any(|l| l.text == "t104") {
        if let ChatEvent::Gap { .. } = late.event().await? {
            told = true;
        }
    }
    assert!(told, "no gap event for trimmed lines");
    assert_eq!(late.lines.len(), 100, "the last 100 lines");
    assert_eq!(late.lines[0].text, "t5");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_with_one_seed_give_the_same_kth_quote() -> Result<()> {
    // /stocks needs no broker: a connection's quotes are a function of the seed and their
    // sequence, so any server gives the same ones.
    let dir = scratch("stocks")?;
    let args: Vec<String> = ["--stocks-seed", "7", "--stocks-rate", "200"]
        .map(String::from)
        .to_vec();
    let one = ServerProcess::start(&args, &dir.join("one.log"))?;
    let two = ServerProcess::start(&args, &dir.join("two.log"))?;
    let mut quotes = Vec::new();
    for server in [&one, &two] {
        let mut client = Chatter::connect(&server.ws("/stocks")).await?;
        client
            .send(serde_json::json!({"action": "subscribe", "symbols": ["AAPL", "MSFT"]}))
            .await?;
        let mut got = Vec::new();
        while got.len() < 20 {
            let message = tokio::time::timeout(WAIT, client.socket.next())
                .await?
                .context("stream ended")??;
            if let Message::Text(text) = message
                && let Some(wslab_protocol::stocks::StockEvent::Quote(quote)) =
                    wslab_protocol::stocks::StockEvent::read(&text)
            {
                got.push((quote.symbol, quote.price.to_string()));
            }
        }
        quotes.push(got);
    }
    assert_eq!(quotes[0], quotes[1]);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_in_front_spreads_clients_and_fails_over_when_a_server_dies() -> Result<()> {
    let dir = scratch("nginx")?;
    let redis = Redis::start(&dir, false)?;
    let mut one = start_server(&dir, &redis, "one")?;
    let two = start_server(&dir, &redis, "two")?;
    let nginx = Nginx::start(&dir, &[one.addr, two.addr])?;
    wait_until("/healthz through nginx", WAIT, || {
        wslab_e2e::cluster::health(nginx.addr) == 200
    })?;
    let mut ada = Chatter::connect(&nginx.ws("/chat")).await?;
    let mut bob = Chatter::connect(&nginx.ws("/chat")).await?;
    ada.join("Ada", None).await?;
    bob.join("Bob", None).await?;
    ada.say("through nginx").await?;
    bob.until_line("through nginx").await?;
    one.kill9();
    // Every new connection still gets through, to the server that is left.
    for n in 0..4 {
        let mut again = Chatter::connect(&nginx.ws("/chat")).await?;
        again.join(&format!("Again {n}"), None).await?;
        again.say(&format!("after {n}")).await?;
        again.until_line(&format!("after {n}")).await?;
        assert!(
            again.texts().contains(&"through nginx"),
            "history on the other server"
        );
    }
    drop(two);
    Ok(())
}
