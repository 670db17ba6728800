//! The `wslab-server` binary: parses the command line, sets up logging, and runs
//! [`wslab_server::serve`] until Ctrl-C or SIGTERM.
//!
//! Its first line on stdout is always `listening on http://ADDR` (`https://` with TLS), with
//! the real port when `--addr` asked for port 0, so scripts and tests can find it.

use std::{
    io::{IsTerminal, Write},
    net::SocketAddr,
    path::PathBuf,
    time::Duration,
};

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;
use wslab_server::{
    AllowedOrigin, ClientLimits, Drills, Limits, Origins, ProxyNet, Tls, TrustedProxies,
    chat::{BrokerConfig, ChatLimits},
    stocks::StocksConfig,
};

/// Companion WebSocket server for the wslab demos.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Directory of the built app (`trunk build` output) to serve at `/`.
    #[arg(long)]
    dist: Option<PathBuf>,
    /// /chat: frames queued per client before it counts as not reading and is dropped.
    #[arg(long, default_value_t = ChatLimits::default().queue_len, value_parser = chat_queue)]
    chat_queue: usize,
    /// /chat: frames per second a client may send over time.
    #[arg(long, default_value_t = ChatLimits::default().rate_per_second, value_parser = positive)]
    chat_rate: f64,
    /// /chat: frames a client may send in one burst (at least 1).
    #[arg(long, default_value_t = ChatLimits::default().rate_burst, value_parser = positive)]
    chat_burst: f64,
    /// /chat: refused frames in a row (over the rate) before the connection is closed with 1008.
    #[arg(long, default_value_t = ChatLimits::default().rate_strikes,
          value_parser = clap::value_parser!(u32).range(1..))]
    chat_strikes: u32,
    /// /chat: keep rooms, names, members and history in this Redis, shared with every
    /// server on it (`redis://host:port/db`, `redis+unix:///path`); without it, in this
    /// process.
    #[arg(long, value_name = "URL", value_parser = broker_url, help_heading = "Scaling out")]
    broker: Option<BrokerConfig>,
    /// /chat with --broker: seconds a server's members outlive it once it stops refreshing
    /// them (a server that died: its members leave within this and a third more).
    #[arg(long, default_value_t = 10.0, value_parser = positive, help_heading = "Scaling out")]
    member_ttl: f64,
    /// Threads serving connections, each with a single-threaded runtime (default: half the
    /// cores, at least 1; 0: all on the main runtime, tokio's multi-threaded one).
    #[arg(long)]
    workers: Option<usize>,
    /// Kernel send buffer per connection, in bytes (0: the OS default).
    #[arg(long, default_value_t = wslab_server::DEFAULT_SEND_BUFFER)]
    send_buffer: usize,
    /// /stocks: seed of the simulated market (same seed, same quotes).
    #[arg(long, default_value_t = StocksConfig::default().seed)]
    stocks_seed: u64,
    /// /stocks: quotes per second per connection unless the URL has `?rate=N` (max 10000).
    #[arg(long, default_value_t = StocksConfig::default().rate, value_parser = stock_rate)]
    stocks_rate: f64,

    /// Largest message a client may send (bytes; K/KiB and M/MiB suffixes work); over it,
    /// close 1009.
    #[arg(long, default_value = "64KiB", value_parser = bytes, help_heading = "Limits")]
    max_message: usize,
    /// Largest single frame (at most the max message); over it, close 1009.
    #[arg(long, default_value = "64KiB", value_parser = bytes, help_heading = "Limits")]
    max_frame: usize,
    /// Initial read buffer per connection (a read offers at least a quarter of it); it
    /// grows for a big message only, so idle connections stay cheap.
    #[arg(long, default_value = "1KiB", value_parser = bytes, help_heading = "Limits")]
    read_buffer: usize,
    /// Bytes batched before a write (0: write every frame at once).
    #[arg(long, default_value = "8KiB", value_parser = bytes, help_heading = "Limits")]
    write_buffer: usize,
    /// Most bytes waiting to be written to one connection (at least the write buffer plus
    /// one message); past it the connection ends.
    #[arg(long, default_value = "1MiB", value_parser = bytes, help_heading = "Limits")]
    max_write_buffer: usize,
    /// Seconds of silence before the server pings a client (0: never).
    #[arg(long, default_value_t = 20.0, value_parser = seconds, help_heading = "Limits")]
    ping_interval: f64,
    /// Seconds a pinged client has to show life; then close 1011.
    #[arg(long, default_value_t = 20.0, value_parser = seconds, help_heading = "Limits")]
    ping_timeout: f64,
    /// Seconds a write may wait for a client that stopped reading (0: for ever); then the
    /// connection ends.
    #[arg(long, default_value_t = 30.0, value_parser = seconds, help_heading = "Limits")]
    write_timeout: f64,
    /// Seconds a client has to finish TLS, and as long again to send its HTTP request head.
    #[arg(long, default_value_t = 10.0, value_parser = seconds, help_heading = "Limits")]
    handshake_timeout: f64,
    /// WebSocket connections at once, all endpoints together; more get HTTP 503.
    #[arg(long, default_value_t = Limits::default().max_connections,
          value_parser = at_least_one, help_heading = "Limits")]
    max_connections: usize,
    /// Messages per second one connection may send over time (0: no limit); faster, close 1008.
    #[arg(long, default_value_t = 1000.0, value_parser = non_negative, help_heading = "Limits")]
    max_message_rate: f64,
    /// Messages one connection may send in one burst before the rate applies.
    #[arg(long, default_value_t = Limits::default().message_burst, value_parser = positive,
          help_heading = "Limits")]
    message_burst: f64,
    /// WebSocket connections one client address may hold at once (IPv6: per /64); more
    /// get HTTP 503.
    #[arg(long, default_value_t = ClientLimits::default().max_connections,
          value_parser = at_least_one, help_heading = "Limits")]
    max_connections_per_ip: usize,
    /// New WebSocket handshakes one client address may start per second, over time;
    /// faster get HTTP 503 + Retry-After.
    #[arg(long, default_value_t = ClientLimits::default().handshake_rate,
          value_parser = positive, help_heading = "Limits")]
    max_handshakes_per_ip: f64,
    /// Handshakes one client address may start in one burst before that rate applies.
    #[arg(long, default_value_t = ClientLimits::default().handshake_burst,
          value_parser = positive, help_heading = "Limits")]
    handshake_burst_per_ip: f64,

    /// Allow pages from this origin to open WebSockets (repeatable; replaces the default,
    /// the `trunk serve` origin), e.g. https://USER.github.io; `http://127.0.0.1:*` for any
    /// port, `*` for any origin. The server's own origin is always allowed.
    #[arg(long = "allow-origin", value_name = "ORIGIN", help_heading = "Security",
          default_values_t = Origins::default().allowed().to_vec())]
    allow_origin: Vec<AllowedOrigin>,
    /// Who may start a restart drill, which closes every connection of the server: off,
    /// loopback (clients on this machine) or any.
    #[arg(long, default_value_t = Drills::default(), help_heading = "Security")]
    drills: Drills,
    /// A proxy (address or CIDR network) whose X-Forwarded-For is believed for the client's
    /// address (repeatable); from any other peer the header is ignored.
    #[arg(long = "trusted-proxy", value_name = "ADDR", help_heading = "Security")]
    trusted_proxy: Vec<ProxyNet>,
    /// PEM certificate chain: serve https and wss (needs --tls-key).
    #[arg(long, requires = "tls_key", help_heading = "Security")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of the certificate (needs --tls-cert).
    #[arg(long, requires = "tls_cert", help_heading = "Security")]
    tls_key: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("wslab_server=info,tower_http=warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    let limits = Limits {
        max_message: args.max_message,
        max_frame: args.max_frame,
        read_buffer: args.read_buffer,
        write_buffer: args.write_buffer,
        max_write_buffer: args.max_write_buffer,
        ping_interval: (args.ping_interval > 0.0)
            .then(|| Duration::from_secs_f64(args.ping_interval)),
        ping_timeout: Duration::from_secs_f64(args.ping_timeout),
        write_timeout: (args.write_timeout > 0.0)
            .then(|| Duration::from_secs_f64(args.write_timeout)),
        handshake_timeout: Duration::from_secs_f64(args.handshake_timeout),
        max_connections: args.max_connections,
        message_rate: (args.max_message_rate > 0.0).then_some(args.max_message_rate),
        message_burst: args.message_burst.max(1.0),
    };
    limits.check().context("inconsistent limits")?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(Tls::from_pem_files(cert, key)?),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };

    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let addr = listener.local_addr()?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {scheme}://{addr}")?;
        out.flush()?;
    }
    tracing::info!(%addr, dist = ?args.dist, "wslab-server started");
    let allowed: Vec<String> = args.allow_origin.iter().map(ToString::to_string).collect();
    let clients = ClientLimits {
        max_connections: args.max_connections_per_ip,
        handshake_rate: args.max_handshakes_per_ip,
        handshake_burst: args.handshake_burst_per_ip.max(1.0),
    };
    let proxies: Vec<String> = args.trusted_proxy.iter().map(ToString::to_string).collect();
    tracing::info!(?limits, ?clients, ?allowed, ?proxies, drills = %args.drills,
        "limits, allowed origins, trusted proxies and drills");

    let config = wslab_server::Config {
        dist: args.dist,
        chat: ChatLimits {
            queue_len: args.chat_queue,
            rate_per_second: args.chat_rate,
            rate_burst: args.chat_burst.max(1.0),
            rate_strikes: args.chat_strikes,
        },
        broker: args.broker.map(|broker| BrokerConfig {
            member_ttl: Duration::from_secs_f64(args.member_ttl),
            ..broker
        }),
        send_buffer: (args.send_buffer > 0).then_some(args.send_buffer),
        stocks: StocksConfig {
            seed: args.stocks_seed,
            rate: args
                .stocks_rate
                .clamp(0.001, wslab_protocol::stocks::MAX_RATE),
        },
        limits,
        origins: Origins::new(args.allow_origin),
        clients,
        proxies: TrustedProxies::new(args.trusted_proxy),
        drills: args.drills,
        tls,
        workers: args.workers.unwrap_or_else(wslab_server::default_workers),
    };
    wslab_server::serve(listener, config, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// A finite number above zero.
fn positive(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok(value),
        _ => Err(format!("{text:?} is not a number above 0")),
    }
}

/// A finite number, 0 or more.
fn non_negative(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => Ok(value),
        _ => Err(format!("{text:?} is not a number of 0 or more")),
    }
}

/// A duration in seconds: finite and not negative.
fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..1e9).contains(&value) => Ok(value),
        _ => Err(format!("{text:?} is not a number of seconds (0 or more)")),
    }
}

/// A size in bytes: `65536`, `64K`, `64KiB`, `1M`, `1MiB` (K and M are 1024-based).
fn bytes(text: &str) -> Result<usize, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let scale: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        _ => return Err(format!("{text:?}: the unit must be B, K(iB) or M(iB)")),
    };
    number
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("{text:?} is not a size in bytes, like 65536 or 64KiB"))
}

/// A quote rate: above 0 and at most 10,000 per second.
fn stock_rate(text: &str) -> Result<f64, String> {
    let rate = positive(text)?;
    if rate > wslab_protocol::stocks::MAX_RATE {
        return Err(format!(
            "{rate} is above the maximum of 10000 quotes per second"
        ));
    }
    Ok(rate)
}

/// A count of at least one.
/// A chat queue holds at least a join's answers: `joined` and the whole history.
fn broker_url(text: &str) -> Result<BrokerConfig, String> {
    BrokerConfig::new(text).map_err(|error| format!("{text:?} is not a Redis URL: {error}"))
}

fn chat_queue(text: &str) -> Result<usize, String> {
    let least = wslab_protocol::chat::HISTORY_LEN + 1;
    match text.parse::<usize>() {
        Ok(value) if value >= least => Ok(value),
        _ => Err(format!(
            "{text:?} is not a whole number of at least {least} (a join's answer and its history)"
        )),
    }
}

fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(value) if value >= 1 => Ok(value),
        _ => Err(format!("{text:?} is not a whole number of at least 1")),
    }
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
