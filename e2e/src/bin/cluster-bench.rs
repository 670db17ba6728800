//! `wslab-cluster-bench`, run by `cargo xtask bench cluster`: the chat on one server with
//! the in-process hub beside two servers on one Redis, in one run, each server its own
//! process (`WSLAB_SERVER_BIN`, the release build), the load from `wslab-loadgen` next to
//! this binary:
//!
//! - fan-out: one message to 1,000 clients (spread over the servers), 50 messages one at a
//!   time; delivery p50 / p99, and deliveries per server CPU-second;
//! - failover: 200 clients through nginx (`deploy/nginx.conf`) on two servers, a steady
//!   sender on one, the other killed with `kill -9` a third of the way in; lines lost and
//!   doubled over every client, and the time until every moved client has rejoined.

use std::{path::PathBuf, process::Command, process::ExitCode};

use anyhow::{Context, Result, bail};
use serde_json::Value;
use wslab_e2e::cluster::{Nginx, Redis, ServerProcess, scratch};

const CLIENTS: usize = 1_000;
const MESSAGES: usize = 50;
const FAILOVER_CLIENTS: usize = 200;
const FAILOVER_LINES: usize = 100;
const FAILOVER_RATE: f64 = 20.0;
/// Goals (issue: scale out), printed beside the rows they judge.
const GOAL_P99_MS: f64 = 50.0;
/// The reconnect backoff's first step (full jitter up to 1 s), plus a second for the
/// handshake and the rejoin: every moved client should be back within it.
const GOAL_REJOIN_MS: f64 = 2_000.0;

/// Limits out of the load's way (one loopback address opens everything), as `bench server`.
#[rustfmt::skip]
const FLAGS: &[&str] = &[
    "--chat-rate", "1000",
    "--chat-burst", "1000",
    "--chat-queue", "4096",
    "--max-connections", "20000",
    "--max-connections-per-ip", "20000",
    "--max-handshakes-per-ip", "1000000",
    "--handshake-burst-per-ip", "1000000",
    "--trusted-proxy", "127.0.0.1",
    "--member-ttl", "3",
];

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("wslab-cluster-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn loadgen() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    Ok(exe.with_file_name("wslab-loadgen"))
}

fn flags(broker: Option<&Redis>) -> Vec<String> {
    let mut flags: Vec<String> = FLAGS.iter().map(|f| (*f).to_owned()).collect();
    if let Some(redis) = broker {
        flags.extend(["--broker".to_owned(), redis.url()]);
    }
    flags
}

/// Runs `wslab-loadgen ARGS` and returns its JSON line.
fn measure(args: &[String]) -> Result<Value> {
    eprintln!("wslab-cluster-bench: wslab-loadgen {}", args.join(" "));
    let output = Command::new(loadgen()?)
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("run wslab-loadgen")?;
    if !output.status.success() {
        bail!("wslab-loadgen failed");
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .context("no result")?;
    serde_json::from_str(line).context("a JSON result")
}

fn number(value: &Value, key: &str) -> Result<f64> {
    value[key]
        .as_f64()
        .with_context(|| format!("no {key} in {value}"))
}

fn fanout(servers: &[&ServerProcess]) -> Result<Value> {
    let mut args: Vec<String> = vec!["fanout".into()];
    for server in servers {
        args.extend([
            "--url".into(),
            server.ws("/chat"),
            "--pid".into(),
            server.pid().to_string(),
        ]);
    }
    args.extend([
        "--clients".into(),
        CLIENTS.to_string(),
        "--messages".into(),
        MESSAGES.to_string(),
    ]);
    measure(&args)
}

fn run() -> Result<bool> {
    let dir = scratch("cluster-bench")?;
    let mut rows: Vec<[String; 4]> = Vec::new();
    let mut ok = true;

    // One server, the in-process hub.
    let single = ServerProcess::start(&flags(None), &dir.join("single.log"))?;
    single.wait_health(200)?;
    let alone = fanout(&[&single])?;
    drop(single);

    // Two servers on one Redis.
    let redis = Redis::start(&dir, false)?;
    let one = ServerProcess::start(&flags(Some(&redis)), &dir.join("one.log"))?;
    let two = ServerProcess::start(&flags(Some(&redis)), &dir.join("two.log"))?;
    one.wait_health(200)?;
    two.wait_health(200)?;
    let shared = fanout(&[&one, &two])?;
    drop((one, two));

    for (what, result, goal) in [
        ("one server, in-process hub", &alone, None),
        ("two servers on Redis", &shared, Some(GOAL_P99_MS)),
    ] {
        let p50 = number(result, "p50_ms")?;
        let p99 = number(result, "p99_ms")?;
        let met = goal.is_none_or(|goal| p99 <= goal);
        ok &= met;
        rows.push([
            format!("fan-out to {CLIENTS} clients, {what}"),
            format!("p50 {p50:.1} ms   p99 {p99:.1} ms"),
            goal.map_or("reference".into(), |g| format!("p99 ≤ {g} ms")),
            if goal.is_some() {
                verdict(met)
            } else {
                String::new()
            },
        ]);
    }
    let alone_rate = number(&alone, "deliveries_per_cpu_s")?;
    let shared_rate = number(&shared, "deliveries_per_cpu_s")?;
    rows.push([
        "chat deliveries per server CPU-second".into(),
        format!(
            "in-process {:.0}k   Redis {:.0}k (both servers' CPU) = {:.2}×",
            alone_rate / 1e3,
            shared_rate / 1e3,
            shared_rate / alone_rate
        ),
        "reference".into(),
        String::new(),
    ]);

    // A server killed under a steady chat, clients through nginx.
    let one = ServerProcess::start(&flags(Some(&redis)), &dir.join("fail-one.log"))?;
    let two = ServerProcess::start(&flags(Some(&redis)), &dir.join("fail-two.log"))?;
    one.wait_health(200)?;
    two.wait_health(200)?;
    let nginx_dir = dir.join("nginx");
    std::fs::create_dir_all(&nginx_dir)?;
    let nginx = Nginx::start(&nginx_dir, &[one.addr, two.addr])?;
    let result = measure(&[
        "failover".into(),
        "--url".into(),
        nginx.ws("/chat"),
        "--sender".into(),
        two.ws("/chat"),
        "--clients".into(),
        FAILOVER_CLIENTS.to_string(),
        "--lines".into(),
        FAILOVER_LINES.to_string(),
        "--rate".into(),
        FAILOVER_RATE.to_string(),
        "--kill".into(),
        one.pid().to_string(),
    ])?;
    let lost = number(&result, "lost")?;
    let doubled = number(&result, "doubled")?;
    let moved = number(&result, "moved")?;
    let back = number(&result, "rejoin_max_ms")?;
    let met = lost == 0.0 && doubled == 0.0;
    ok &= met;
    rows.push([
        format!("kill -9 of one of two servers, {FAILOVER_CLIENTS} clients via nginx"),
        format!(
            "{lost:.0} lost, {doubled:.0} doubled of {FAILOVER_LINES} lines × {FAILOVER_CLIENTS}"
        ),
        "0 and 0".into(),
        verdict(met),
    ]);
    let met = back <= GOAL_REJOIN_MS;
    ok &= met;
    rows.push([
        format!("  {moved:.0} clients moved to the other server"),
        format!(
            "all back in {back:.0} ms (p50 {:.0} ms)",
            number(&result, "rejoin_p50_ms")?
        ),
        format!("≤ {GOAL_REJOIN_MS:.0} ms (backoff's first step + rejoin)"),
        verdict(met),
    ]);
    drop((nginx, one, two, redis));

    print_table(&rows);
    Ok(ok)
}

fn verdict(met: bool) -> String {
    if met { "met".into() } else { "NOT MET".into() }
}

fn print_table(rows: &[[String; 4]]) {
    let header = ["measurement", "result", "goal", "verdict"].map(String::from);
    let mut widths = [0; 4];
    for row in std::iter::once(&header).chain(rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |row: &[String; 4]| {
        let [w0, w1, w2, _] = widths;
        format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            row[0], row[1], row[2], row[3]
        )
        .trim_end()
        .to_owned()
    };
    println!(
        "\nchat across servers: one wslab-server (in-process hub) vs two on one Redis, loopback, {} cores",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    println!("{}", line(&header));
    println!("{}", "-".repeat(widths.iter().sum::<usize>() + 6));
    for row in rows {
        println!("{}", line(row));
    }
    println!(
        "wslab-loadgen shares the cores with the servers and Redis. deliveries per CPU-second: \
         {CLIENTS} × {MESSAGES} deliveries / the servers' CPU time while sending (Redis's own not counted)."
    );
}
