//! `wslab-loadgen`: loopback load for `cargo xtask bench server`. Each subcommand prints
//! progress on stderr and its result as ONE JSON line on stdout.
//!
//! - `echo --url ws://ADDR/echo --connections 100 --seconds 5 --size 32`: every connection
//!   is a closed loop (send a text of `size` bytes, wait for its echo); the first
//!   `--warmup` second (1 s) is not counted. Prints messages/s and round-trip p50 / p99 (µs).
//! - `idle --url ws://ADDR/echo --connections 10000 --pid PID`: opens that many idle
//!   connections (200 handshakes at a time) and reads the server's VmRSS from
//!   `/proc/PID/status` before and after (each once it has settled, bounded); prints RSS per
//!   connection and idle connections per GiB.
//! - `fanout --url ws://ADDR/chat --clients 1000 --messages 20`: that many clients join one
//!   room, then one more client sends the messages one at a time, each once every client
//!   has the previous one (a condition with a timeout, no sleeps). Delivery latency is
//!   receive time − send time, both taken in this process; prints p50 / p99 (ms).
//! - `soak --url ws://ADDR/echo --cycles 10000 --pid PID`: connect, handshake, close,
//!   50 at a time; the server's RSS after 200 warm-up cycles and again after the soak, once
//!   each has settled.
//!
//! The open-file soft limit is raised to the hard limit first (10,000 sockets need it).

use std::{
    process::ExitCode,
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use futures::{SinkExt, StreamExt, stream};
use serde_json::{Value, json};
use tokio::{net::TcpStream, sync::Notify, time::Instant};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message, Utf8Bytes},
};
use wslab_e2e::cpu_seconds;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Upper bound for one handshake, one echo, or one close.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// Load generator for wslab-server and the servers it is compared with.
#[derive(Debug, Parser)]
#[command(about)]
struct Cli {
    /// Runtime worker threads (0: one per core). The load generator shares the machine with
    /// the server it measures.
    #[arg(long, global = true, default_value_t = 0)]
    threads: usize,
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// Closed-loop echo: messages/s and round-trip latency.
    Echo {
        /// WebSocket URL of an echo endpoint.
        #[arg(long)]
        url: String,
        /// Connections, each one message in flight.
        #[arg(long, default_value_t = 100)]
        connections: usize,
        /// Measured seconds (after the warm-up).
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Seconds of warm-up, not counted.
        #[arg(long, default_value_t = 1.0)]
        warmup: f64,
        /// Bytes per message (a text of that many ASCII characters).
        #[arg(long, default_value_t = 32)]
        size: usize,
        /// The server's process id: its CPU time over the measured seconds is read from
        /// /proc, for messages per server CPU-second (fair when the load generator shares
        /// the cores).
        #[arg(long)]
        pid: Option<u32>,
    },
    /// Idle connections: the server's RSS per connection.
    Idle {
        /// WebSocket URL.
        #[arg(long)]
        url: String,
        /// Connections to open and hold.
        #[arg(long, default_value_t = 10_000)]
        connections: usize,
        /// The server's process id (its RSS is read from /proc).
        #[arg(long)]
        pid: u32,
        /// Handshakes in flight at once.
        #[arg(long, default_value_t = 200)]
        concurrency: usize,
    },
    /// Chat fan-out: one sender, many receivers in one room.
    Fanout {
        /// WebSocket URL of the chat endpoint; repeated, the receivers are spread over the
        /// URLs in turn (servers sharing a broker) and the sender uses the first.
        #[arg(long, required = true)]
        url: Vec<String>,
        /// The servers' process ids: their CPU time while the messages are sent, for
        /// deliveries per server CPU-second.
        #[arg(long)]
        pid: Vec<u32>,
        /// Receiving clients.
        #[arg(long, default_value_t = 1000)]
        clients: usize,
        /// Messages sent, one at a time.
        #[arg(long, default_value_t = 20)]
        messages: usize,
        /// Room they all join.
        #[arg(long, default_value = "bench")]
        room: String,
    },
    /// A server killed under a steady chat: lines lost and doubled, time to rejoin.
    Failover {
        /// Where the receivers connect (and reconnect): a load balancer in front of the
        /// servers.
        #[arg(long)]
        url: String,
        /// Where the sender connects: a server that is not killed.
        #[arg(long)]
        sender: String,
        /// Receiving clients.
        #[arg(long, default_value_t = 200)]
        clients: usize,
        /// Lines per second the sender says.
        #[arg(long, default_value_t = 20.0)]
        rate: f64,
        /// Lines said in all.
        #[arg(long, default_value_t = 100)]
        lines: usize,
        /// The process to `kill -9` once a third of the lines are said.
        #[arg(long)]
        kill: u32,
    },
    /// Connect / handshake / close cycles: the server's RSS before and after.
    Soak {
        /// WebSocket URL.
        #[arg(long)]
        url: String,
        /// Cycles measured.
        #[arg(long, default_value_t = 10_000)]
        cycles: usize,
        /// Warm-up cycles before the baseline RSS.
        #[arg(long, default_value_t = 200)]
        warmup: usize,
        /// The server's process id.
        #[arg(long)]
        pid: u32,
        /// Cycles in flight at once.
        #[arg(long, default_value_t = 50)]
        concurrency: usize,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if cli.threads > 0 {
        builder.worker_threads(cli.threads);
    }
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("wslab-loadgen: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli.mode));
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("wslab-loadgen: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(mode: Mode) -> Result<Value> {
    match mode {
        Mode::Echo {
            url,
            connections,
            seconds,
            warmup,
            size,
            pid,
        } => echo(&url, connections, seconds, warmup, size, pid).await,
        Mode::Idle {
            url,
            connections,
            pid,
            concurrency,
        } => idle(&url, connections, pid, concurrency).await,
        Mode::Fanout {
            url,
            pid,
            clients,
            messages,
            room,
        } => fanout(&url, &pid, clients, messages, &room).await,
        Mode::Failover {
            url,
            sender,
            clients,
            rate,
            lines,
            kill,
        } => failover(&url, &sender, clients, rate, lines, kill).await,
        Mode::Soak {
            url,
            cycles,
            warmup,
            pid,
            concurrency,
        } => soak(&url, cycles, warmup, pid, concurrency).await,
    }
}

fn progress(message: &str) {
    eprintln!("wslab-loadgen: {message}");
}

/// Raises the open-file soft limit to the hard limit; fails if `needed` do not fit.
fn raise_fd_limit(needed: u64) -> Result<u64> {
    let limit = rlimit::increase_nofile_limit(u64::MAX).context("raise the open-file limit")?;
    if limit < needed {
        bail!(
            "{needed} sockets need more open files than the hard limit allows ({limit}); \
             raise it (ulimit -Hn) or ask for fewer connections"
        );
    }
    Ok(limit)
}

/// Read buffer of each client. tungstenite zero-fills its whole read buffer before every
/// read (a would-block one included); at its default of 128 KiB that was most of what a
/// client cost per message (13.4 µs per fan-out delivery, against 3.6 µs of the server's),
/// so the bench measured its own clients. The servers' default is 1 KiB.
const CLIENT_READ_BUFFER: usize = 4 * 1024;

/// Opens one connection (Nagle off, like the servers), bounded in time.
async fn connect(url: &str) -> Result<Ws> {
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(CLIENT_READ_BUFFER);
    let (ws, _) = tokio::time::timeout(
        STEP_TIMEOUT,
        tokio_tungstenite::connect_async_with_config(url, Some(config), true),
    )
    .await
    .context("handshake timed out")?
    .with_context(|| format!("connect to {url}"))?;
    Ok(ws)
}

/// Opens `count` connections, `concurrency` handshakes at a time. Returns the open ones and
/// the first error (with how many failed).
async fn open_many(
    url: &str,
    count: usize,
    concurrency: usize,
) -> (Vec<Ws>, usize, Option<String>) {
    let results: Vec<Result<Ws>> = stream::iter(0..count)
        .map(|_| connect(url))
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut open = Vec::with_capacity(count);
    let mut failed = 0;
    let mut first_error = None;
    for result in results {
        match result {
            Ok(ws) => open.push(ws),
            Err(error) => {
                failed += 1;
                first_error.get_or_insert_with(|| format!("{error:#}"));
            }
        }
    }
    (open, failed, first_error)
}

/// The next text or binary message's length; control frames are skipped.
async fn next_data(ws: &mut Ws) -> Result<usize> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => return Ok(text.len()),
            Some(Ok(Message::Binary(bytes))) => return Ok(bytes.len()),
            Some(Ok(Message::Close(frame))) => bail!("server closed the connection: {frame:?}"),
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(error.into()),
            None => bail!("server ended the connection"),
        }
    }
}

/// Sends a close frame and reads until the server ends the connection (bounded).
async fn close(mut ws: Ws) {
    let _ = tokio::time::timeout(STEP_TIMEOUT, async {
        if ws.close(None).await.is_err() {
            return;
        }
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
}

/// Nearest-rank percentile of sorted samples.
fn percentile<T: Copy + Into<f64>>(sorted: &[T], p: f64) -> f64 {
    let Some(last) = sorted.len().checked_sub(1) else {
        return f64::NAN;
    };
    let rank = ((p / 100.0) * last as f64).round() as usize;
    sorted.get(rank.min(last)).map_or(f64::NAN, |v| (*v).into())
}

async fn echo(
    url: &str,
    connections: usize,
    seconds: f64,
    warmup: f64,
    size: usize,
    pid: Option<u32>,
) -> Result<Value> {
    raise_fd_limit(connections as u64 + 64)?;
    let (sockets, failed, first_error) = open_many(url, connections, 50).await;
    if failed > 0 {
        bail!(
            "{failed} of {connections} connections failed: {}",
            first_error.unwrap_or_default()
        );
    }
    progress(&format!(
        "echo: {connections} connections open; {warmup} s warm-up, then {seconds} s measured"
    ));
    let payload: Utf8Bytes = "x".repeat(size).into();
    let start = Instant::now();
    let measure_from = start + Duration::from_secs_f64(warmup);
    let end = measure_from + Duration::from_secs_f64(seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for ws in sockets {
        tasks.spawn(echo_loop(ws, payload.clone(), measure_from, end));
    }
    // The server's CPU time over exactly the measured window.
    let mut server_cpu = None;
    if let Some(pid) = pid {
        tokio::time::sleep_until(measure_from).await;
        let before = cpu_seconds(pid)?;
        tokio::time::sleep_until(end).await;
        server_cpu = Some(cpu_seconds(pid)? - before);
    }
    let mut messages = 0u64;
    let mut latencies: Vec<u32> = Vec::new();
    let mut errors = 0usize;
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        match joined.context("echo task panicked").and_then(|r| r) {
            Ok((count, samples)) => {
                messages += count;
                latencies.extend(samples);
            }
            Err(error) => {
                errors += 1;
                first_error.get_or_insert_with(|| format!("{error:#}"));
            }
        }
    }
    if let Some(error) = first_error {
        bail!("{errors} of {connections} connections failed: {error}");
    }
    latencies.sort_unstable();
    Ok(json!({
        "mode": "echo",
        "url": url,
        "connections": connections,
        "seconds": seconds,
        "size": size,
        "messages": messages,
        "msgs_per_sec": messages as f64 / seconds,
        "p50_us": percentile(&latencies, 50.0),
        "p99_us": percentile(&latencies, 99.0),
        "server_cpu_s": server_cpu,
        "msgs_per_server_cpu_s": server_cpu
            .filter(|cpu| *cpu > 0.0)
            .map(|cpu| messages as f64 / cpu),
    }))
}

/// One closed loop: send, wait for the echo, repeat until `end`. Counts the round trips
/// that started after `from` and ended by `end`.
async fn echo_loop(
    mut ws: Ws,
    payload: Utf8Bytes,
    from: Instant,
    end: Instant,
) -> Result<(u64, Vec<u32>)> {
    let mut count = 0;
    let mut latencies = Vec::new();
    loop {
        let sent = Instant::now();
        if sent >= end {
            break;
        }
        ws.send(Message::Text(payload.clone())).await?;
        let len = tokio::time::timeout(STEP_TIMEOUT, next_data(&mut ws))
            .await
            .context("no echo within 10 s")??;
        let received = Instant::now();
        if len != payload.len() {
            bail!("sent {} bytes, the echo has {len}", payload.len());
        }
        if sent >= from && received <= end {
            count += 1;
            let micros = received.duration_since(sent).as_micros();
            latencies.push(u32::try_from(micros).unwrap_or(u32::MAX));
        }
    }
    close(ws).await;
    Ok((count, latencies))
}

/// The VmRSS of `pid` in KiB.
fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("read /proc/{pid}/status (has the server exited?)"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .context("no VmRSS line in /proc/PID/status")
}

/// Reads RSS every 200 ms until five readings in a row change by at most 0.5 % (or 64 KiB),
/// or `max` has passed; returns the last reading.
async fn settled_rss(pid: u32, max: Duration) -> Result<u64> {
    let deadline = Instant::now() + max;
    let mut last = rss_kib(pid)?;
    let mut steady = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = rss_kib(pid)?;
        if now.abs_diff(last) <= (last / 200).max(64) {
            steady += 1;
        } else {
            steady = 0;
        }
        last = now;
        if steady >= 5 || Instant::now() >= deadline {
            return Ok(now);
        }
    }
}

async fn idle(url: &str, connections: usize, pid: u32, concurrency: usize) -> Result<Value> {
    let limit = raise_fd_limit(connections as u64 + 64)?;
    progress(&format!("idle: open-file limit {limit}"));
    // A few connections first, so one-time allocations are in the baseline.
    let (warm, _, _) = open_many(url, 10, 10).await;
    stream::iter(warm).for_each_concurrent(None, close).await;
    let before = settled_rss(pid, Duration::from_secs(10)).await?;
    progress(&format!(
        "idle: server RSS {before} KiB; opening {connections} connections"
    ));
    let started = Instant::now();
    let (sockets, failed, first_error) = open_many(url, connections, concurrency).await;
    let opened = sockets.len();
    progress(&format!(
        "idle: {opened} open in {:.1} s ({failed} failed{}); waiting for the RSS to settle",
        started.elapsed().as_secs_f64(),
        first_error
            .map(|e| format!(", first: {e}"))
            .unwrap_or_default()
    ));
    if opened == 0 {
        bail!("no connection could be opened");
    }
    let after = settled_rss(pid, Duration::from_secs(15)).await?;
    let per_connection_kib = after.saturating_sub(before) as f64 / opened as f64;
    let per_gib = if per_connection_kib > 0.0 {
        (1024.0 * 1024.0) / per_connection_kib
    } else {
        f64::INFINITY
    };
    // Dropping them is enough: the server is stopped next.
    drop(sockets);
    Ok(json!({
        "mode": "idle",
        "url": url,
        "connections": connections,
        "opened": opened,
        "failed": failed,
        "rss_before_kib": before,
        "rss_after_kib": after,
        "rss_per_connection_kib": per_connection_kib,
        "connections_per_gib": per_gib,
    }))
}

/// What the fan-out's receivers and its sender share.
struct Fanout {
    clients: usize,
    /// Receivers that have seen the sender join (their queue is drained up to it).
    ready: AtomicUsize,
    /// When message `k` was sent.
    sent: Vec<OnceLock<Instant>>,
    /// Receivers that have message `k`.
    delivered: Vec<AtomicUsize>,
    /// Delivery latencies, ms.
    latencies: Mutex<Vec<f64>>,
    /// `error` events received (a limit refused something).
    errors: AtomicUsize,
    /// Woken when a counter reaches `clients`.
    notify: Notify,
}

const SENDER: &str = "fanout-sender";
const PREFIX: &str = "fanout ";

impl Fanout {
    fn count(&self, counter: &AtomicUsize) {
        if counter.fetch_add(1, Ordering::SeqCst) + 1 == self.clients {
            self.notify.notify_one();
        }
    }

    /// Waits until `counter` reaches `clients` or `deadline`; true if it did.
    async fn wait_all(&self, counter: &AtomicUsize, deadline: Instant) -> bool {
        loop {
            if counter.load(Ordering::SeqCst) >= self.clients {
                return true;
            }
            if tokio::time::timeout_at(deadline, self.notify.notified())
                .await
                .is_err()
            {
                return counter.load(Ordering::SeqCst) >= self.clients;
            }
        }
    }
}

/// Joins `room` as `name` and reads until the server says `joined`.
async fn join(url: &str, name: &str, room: &str) -> Result<Ws> {
    let mut ws = connect(url).await?;
    let request = json!({"type": "join", "username": name, "room": room}).to_string();
    ws.send(Message::text(request)).await?;
    tokio::time::timeout(STEP_TIMEOUT, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(text))) => {
                    let event: Value = serde_json::from_str(&text)?;
                    match event.get("type").and_then(Value::as_str) {
                        Some("joined") => return Ok(()),
                        Some("error") => bail!("join refused: {text}"),
                        _ => {}
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error.into()),
                None => bail!("server ended the connection while joining"),
            }
        }
    })
    .await
    .context("no `joined` within 10 s")??;
    Ok(ws)
}

/// A receiver: counts the sender's join and every bench message, with its latency.
async fn receive(mut ws: Ws, shared: Arc<Fanout>) -> Result<()> {
    while let Some(read) = ws.next().await {
        let Message::Text(text) = read? else {
            continue;
        };
        let received = Instant::now();
        let event: Value = serde_json::from_str(&text)?;
        let field = |name: &str| event.get(name).and_then(Value::as_str);
        match field("type") {
            Some("join") if field("username") == Some(SENDER) => shared.count(&shared.ready),
            Some("message") => {
                let index = field("text")
                    .and_then(|t| t.strip_prefix(PREFIX))
                    .and_then(|k| k.parse::<usize>().ok());
                if let Some(k) = index
                    && let (Some(sent), Some(delivered)) = (
                        shared.sent.get(k).and_then(OnceLock::get),
                        shared.delivered.get(k),
                    )
                {
                    let ms = received.duration_since(*sent).as_secs_f64() * 1000.0;
                    if let Ok(mut latencies) = shared.latencies.lock() {
                        latencies.push(ms);
                    }
                    shared.count(delivered);
                }
            }
            Some("error") => {
                shared.errors.fetch_add(1, Ordering::SeqCst);
                progress(&format!("fanout: a receiver got {text}"));
            }
            _ => {}
        }
    }
    Ok(())
}

async fn fanout(
    urls: &[String],
    pids: &[u32],
    clients: usize,
    messages: usize,
    room: &str,
) -> Result<Value> {
    let url = urls.first().context("no --url")?;
    raise_fd_limit(clients as u64 + 64)?;
    let shared = Arc::new(Fanout {
        clients,
        ready: AtomicUsize::new(0),
        sent: (0..messages).map(|_| OnceLock::new()).collect(),
        delivered: (0..messages).map(|_| AtomicUsize::new(0)).collect(),
        latencies: Mutex::new(Vec::with_capacity(clients * messages)),
        errors: AtomicUsize::new(0),
        notify: Notify::new(),
    });
    progress(&format!("fanout: {clients} clients joining room {room}"));
    let started = Instant::now();
    let joined: Vec<Result<tokio::task::JoinHandle<Result<()>>>> = stream::iter(0..clients)
        .map(|i| {
            let shared = Arc::clone(&shared);
            async move {
                let url = &urls[i % urls.len()];
                let ws = join(url, &format!("r{i}"), room).await?;
                Ok(tokio::spawn(receive(ws, shared)))
            }
        })
        .buffer_unordered(100)
        .collect()
        .await;
    let mut receivers = Vec::with_capacity(clients);
    for result in joined {
        receivers.push(result.context("a receiver could not join")?);
    }
    let sender = join(url, SENDER, room).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    if !shared.wait_all(&shared.ready, deadline).await {
        bail!(
            "only {} of {clients} receivers saw the sender join within 60 s",
            shared.ready.load(Ordering::SeqCst)
        );
    }
    progress(&format!(
        "fanout: {clients} joined in {:.1} s; sending {messages} messages",
        started.elapsed().as_secs_f64()
    ));
    // The sender's own lines come back too; drain them so its queue never fills.
    let (mut sink, mut source) = sender.split();
    let cpu = || -> Result<f64> { pids.iter().map(|pid| cpu_seconds(*pid)).sum() };
    let cpu_before = cpu()?;
    let drain = async { while let Some(Ok(_)) = source.next().await {} };
    let send_all = async {
        for k in 0..messages {
            let text = json!({"type": "message", "room": room, "text": format!("{PREFIX}{k}")});
            let now = Instant::now();
            if let Some(slot) = shared.sent.get(k) {
                let _ = slot.set(now);
            }
            sink.send(Message::text(text.to_string())).await?;
            let delivered = shared.delivered.get(k).context("message index")?;
            if !shared
                .wait_all(delivered, Instant::now() + STEP_TIMEOUT)
                .await
            {
                bail!(
                    "message {k}: {} of {clients} deliveries within 10 s ({} error events)",
                    delivered.load(Ordering::SeqCst),
                    shared.errors.load(Ordering::SeqCst)
                );
            }
        }
        Ok(())
    };
    let result = tokio::select! {
        result = send_all => result,
        () = drain => Err(anyhow::anyhow!("the server ended the sender's connection")),
    };
    let cpu_used = cpu()? - cpu_before;
    for receiver in &receivers {
        receiver.abort();
    }
    result?;
    let mut latencies = shared
        .latencies
        .lock()
        .map(|l| l.clone())
        .unwrap_or_default();
    latencies.sort_by(f64::total_cmp);
    Ok(json!({
        "mode": "fanout",
        "url": urls,
        "server_cpu_s": cpu_used,
        "deliveries_per_cpu_s": if pids.is_empty() { f64::NAN } else { (clients * messages) as f64 / cpu_used },
        "clients": clients,
        "messages": messages,
        "deliveries": latencies.len(),
        "errors": shared.errors.load(Ordering::SeqCst),
        "p50_ms": percentile(&latencies, 50.0),
        "p99_ms": percentile(&latencies, 99.0),
        "max_ms": latencies.last().copied().unwrap_or(f64::NAN),
    }))
}

/// What one failover receiver saw.
#[derive(Default)]
struct Seen {
    /// Every bench line's id, as often as it arrived.
    ids: Vec<u64>,
    /// When it was back in the room after losing its connection (none if it never lost it).
    rejoined: Option<Instant>,
}

/// A receiver that keeps coming back: on any loss it reconnects to `url` with the app's
/// backoff (first retry within 1 s, full jitter, doubling to 8 s) and rejoins with `since`.
async fn steadfast(url: String, name: String, lines: usize, done: Arc<Notify>) -> Seen {
    let mut seen = Seen::default();
    let mut attempt = 0u32;
    let mut lost = false;
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if lost {
            let ceiling = 1000u64 << attempt.min(3);
            // Full jitter without a random crate: the clock's nanoseconds.
            let jitter = u64::from(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.subsec_nanos()),
            ) % ceiling;
            tokio::time::sleep(Duration::from_millis(jitter)).await;
            attempt += 1;
        }
        let Ok(mut ws) = connect(&url).await else {
            lost = true;
            continue;
        };
        let mut join = json!({"type": "join", "username": name, "room": "failover"});
        if let Some(last) = seen.ids.iter().max() {
            join["since"] = json!(last);
        }
        if ws.send(Message::text(join.to_string())).await.is_err() {
            lost = true;
            continue;
        }
        while let Some(Ok(message)) = ws.next().await {
            let Message::Text(text) = message else {
                continue;
            };
            let Ok(event) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            match event.get("type").and_then(Value::as_str) {
                Some("joined") if lost => {
                    seen.rejoined.get_or_insert_with(Instant::now);
                    attempt = 0;
                }
                Some("message") => {
                    if let Some(id) = event.get("id").and_then(Value::as_u64) {
                        seen.ids.push(id);
                    }
                    let last = format!("{PREFIX}{}", lines - 1);
                    if event.get("text").and_then(Value::as_str) == Some(last.as_str()) {
                        done.notify_one();
                        close(ws).await;
                        return seen;
                    }
                }
                _ => {}
            }
        }
        lost = true;
    }
    seen
}

async fn failover(
    url: &str,
    sender_url: &str,
    clients: usize,
    rate: f64,
    lines: usize,
    kill: u32,
) -> Result<Value> {
    raise_fd_limit(clients as u64 + 64)?;
    let done = Arc::new(Notify::new());
    progress(&format!(
        "failover: {clients} clients joining through {url}"
    ));
    let mut sender = join(sender_url, SENDER, "failover").await?;
    let receivers: Vec<_> = (0..clients)
        .map(|i| {
            tokio::spawn(steadfast(
                url.to_owned(),
                format!("f{i}"),
                lines,
                Arc::clone(&done),
            ))
        })
        .collect();
    // Everyone is in once the sender has heard every join.
    let mut joins = 0;
    tokio::time::timeout(Duration::from_secs(60), async {
        while joins < clients {
            match sender.next().await {
                Some(Ok(Message::Text(text))) if text.contains(r#""type":"join""#) => joins += 1,
                Some(Ok(_)) => {}
                _ => bail!("the sender lost its connection"),
            }
        }
        Ok(())
    })
    .await
    .context("receivers joined within 60 s")??;
    let (mut sink, mut source) = sender.split();
    let drain = tokio::spawn(async move { while let Some(Ok(_)) = source.next().await {} });
    let period = Duration::from_secs_f64(1.0 / rate.max(0.1));
    let mut ticks = tokio::time::interval(period);
    let mut killed_at = None;
    for k in 0..lines {
        ticks.tick().await;
        if k == lines / 3 {
            progress(&format!("failover: kill -9 {kill}"));
            std::process::Command::new("kill")
                .args(["-9", &kill.to_string()])
                .status()
                .context("kill -9")?;
            killed_at = Some(Instant::now());
        }
        let line = json!({"type": "message", "room": "failover", "text": format!("{PREFIX}{k}")});
        sink.send(Message::text(line.to_string())).await?;
    }
    let killed_at = killed_at.context("no kill")?;
    let mut lost = 0usize;
    let mut doubled = 0usize;
    let mut moved = 0usize;
    let mut back_ms: Vec<f64> = Vec::new();
    for receiver in receivers {
        let seen = tokio::time::timeout(Duration::from_secs(70), receiver)
            .await
            .context("a receiver finished")??;
        let unique: std::collections::HashSet<u64> = seen.ids.iter().copied().collect();
        lost += lines.saturating_sub(unique.len());
        doubled += seen.ids.len() - unique.len();
        if let Some(at) = seen.rejoined {
            moved += 1;
            back_ms.push(at.duration_since(killed_at).as_secs_f64() * 1000.0);
        }
    }
    drain.abort();
    back_ms.sort_by(f64::total_cmp);
    Ok(json!({
        "mode": "failover",
        "clients": clients,
        "lines": lines,
        "moved": moved,
        "lost": lost,
        "doubled": doubled,
        "rejoin_p50_ms": percentile(&back_ms, 50.0),
        "rejoin_max_ms": back_ms.last().copied().unwrap_or(f64::NAN),
    }))
}

/// One soak cycle: connect, handshake, close, wait for the server to end it.
async fn cycle(url: &str) -> Result<()> {
    let ws = connect(url).await?;
    close(ws).await;
    Ok(())
}

/// Runs `count` cycles, `concurrency` at a time; returns how many failed and the first error.
async fn cycles(url: &str, count: usize, concurrency: usize) -> (usize, Option<String>) {
    let failures = Mutex::new((0usize, None::<String>));
    stream::iter(0..count)
        .for_each_concurrent(concurrency.max(1), |i| {
            let failures = &failures;
            async move {
                if i > 0 && i % 2000 == 0 {
                    progress(&format!("soak: {i} / {count} cycles"));
                }
                if let Err(error) = cycle(url).await
                    && let Ok(mut f) = failures.lock()
                {
                    f.0 += 1;
                    f.1.get_or_insert_with(|| format!("{error:#}"));
                }
            }
        })
        .await;
    failures.into_inner().unwrap_or_default()
}

async fn soak(
    url: &str,
    count: usize,
    warmup: usize,
    pid: u32,
    concurrency: usize,
) -> Result<Value> {
    raise_fd_limit(concurrency as u64 + 64)?;
    let (warm_failed, warm_error) = cycles(url, warmup, concurrency).await;
    if warm_failed > 0 {
        bail!(
            "{warm_failed} of {warmup} warm-up cycles failed: {}",
            warm_error.unwrap_or_default()
        );
    }
    let before = settled_rss(pid, Duration::from_secs(10)).await?;
    progress(&format!(
        "soak: server RSS {before} KiB after {warmup} warm-up cycles; running {count}"
    ));
    let started = Instant::now();
    let (failed, first_error) = cycles(url, count, concurrency).await;
    let elapsed = started.elapsed().as_secs_f64();
    progress(&format!(
        "soak: {count} cycles in {elapsed:.1} s ({failed} failed{}); waiting for the RSS to settle",
        first_error
            .as_ref()
            .map(|e| format!(", first: {e}"))
            .unwrap_or_default()
    ));
    let after = settled_rss(pid, Duration::from_secs(15)).await?;
    Ok(json!({
        "mode": "soak",
        "url": url,
        "cycles": count,
        "failed": failed,
        "first_error": first_error,
        "seconds": elapsed,
        "rss_before_kib": before,
        "rss_after_kib": after,
    }))
}
