//! The `wslab-server` binary: parses the command line, sets up logging, and runs
//! [`wslab_server::serve`] until Ctrl-C or SIGTERM.
//!
//! Its first line on stdout is always `listening on http://ADDR`, with the real port when
//! `--addr` asked for port 0, so scripts and tests can find it.

use std::{
    io::{IsTerminal, Write},
    net::SocketAddr,
    path::PathBuf,
};

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;
use wslab_server::{chat::ChatLimits, stocks::StocksConfig};

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
    #[arg(long, default_value_t = ChatLimits::default().queue_len, value_parser = at_least_one)]
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
    /// Kernel send buffer per connection, in bytes (0: the OS default).
    #[arg(long, default_value_t = wslab_server::DEFAULT_SEND_BUFFER)]
    send_buffer: usize,
    /// /stocks: seed of the simulated market (same seed, same quotes).
    #[arg(long, default_value_t = StocksConfig::default().seed)]
    stocks_seed: u64,
    /// /stocks: quotes per second per connection unless the URL has `?rate=N` (max 10000).
    #[arg(long, default_value_t = StocksConfig::default().rate, value_parser = stock_rate)]
    stocks_rate: f64,
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

    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let addr = listener.local_addr()?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{addr}")?;
        out.flush()?;
    }
    tracing::info!(%addr, dist = ?args.dist, "wslab-server started");

    let config = wslab_server::Config {
        dist: args.dist,
        chat: ChatLimits {
            queue_len: args.chat_queue,
            rate_per_second: args.chat_rate,
            rate_burst: args.chat_burst.max(1.0),
            rate_strikes: args.chat_strikes,
        },
        send_buffer: (args.send_buffer > 0).then_some(args.send_buffer),
        stocks: StocksConfig {
            seed: args.stocks_seed,
            rate: args
                .stocks_rate
                .clamp(0.001, wslab_protocol::stocks::MAX_RATE),
        },
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
