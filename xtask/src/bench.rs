//! `cargo xtask bench <name>`: benchmarks that print their numbers.
//!
//! `size`: the release build's transfer size (wasm, js, css), raw and gzipped at level 9,
//! the same for wslab-socket's example app, and the median time from navigation to the echo demo's Open button enabled.
//! `chat`: the chat page in headless Chromium at 1k / 10k / 100k lines; `ticker`: the ticker
//! with 200 symbols at 1k / 5k / 10k quotes/s; `recovery`: reconnects and a restart drill
//! (`wslab-bench` in the e2e crate measures). `socket`: echo round trips per second through
//! wslab-socket (plain and reliable sockets) beside a plain JavaScript `WebSocket` on the
//! same page, with 1 and 64 frames in flight.
//! `server`: wslab-server on loopback against minimal echo servers on the other Rust stacks
//! (tokio-tungstenite, tokio-websockets, fastwebsockets) and a Python `websockets` one:
//! echo throughput and latency, instructions per echoed message (callgrind), memory per
//! idle connection, chat fan-out latency, memory after a connect / close soak
//! (`wslab-loadgen` measures).

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
    time::Duration,
};

use anyhow::{Context, Result, bail};
use flate2::{Compression, write::GzEncoder};
use serde_json::Value;

use crate::{process, tools};

/// The benchmarks `run` knows, for the usage text and errors.
pub const NAMES: &str = "size, chat, ticker, recovery, socket, server, cluster";

/// Runs the named benchmark.
pub fn run(root: &Path, name: Option<&str>) -> Result<ExitCode> {
    match name {
        Some("size") => size(root),
        Some(browser @ ("chat" | "ticker" | "recovery")) => in_browser(root, browser),
        Some("socket") => socket(root),
        Some("server") => server(root),
        Some("cluster") => cluster(root),
        other => bail!("unknown benchmark {other:?}; available: {NAMES}"),
    }
}

fn gzipped_len(bytes: &[u8]) -> Result<usize> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len())
}

fn size(root: &Path) -> Result<ExitCode> {
    let env = tools::ensure_test_tools(root)?;
    tools::build_app_release(root, &env, None)?;
    println!(
        "{:<5} {:<40} {:>10} {:>10}",
        "kind", "file", "raw B", "gzip B"
    );
    let gz = print_sizes(&root.join("dist"), "app")?;
    println!(
        "goal: whole app ≤ 180 KB gzipped: {}",
        if gz <= 180_000 { "met" } else { "not met" }
    );
    let example = tools::build_example_release(root, &env, "echo", BUILD_LIMIT)?;
    print_sizes(&example, "example socket/examples/echo")?;
    run_bench(root, &env, "startup")?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the files of the build in `dist` and their total as `what`; returns the gzipped
/// total of wasm, JS and CSS.
fn print_sizes(dist: &Path, what: &str) -> Result<usize> {
    let mut rows = Vec::new();
    let listing = std::fs::read_dir(dist).with_context(|| format!("read {}", dist.display()))?;
    for entry in listing {
        let path = entry?.path();
        let kind = match path.extension().and_then(|e| e.to_str()) {
            Some("wasm") => "wasm",
            Some("js") => "js",
            Some("css") => "css",
            Some("html") => "html",
            _ => continue,
        };
        let bytes = std::fs::read(&path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        rows.push((kind, name, bytes.len(), gzipped_len(&bytes)?));
    }
    rows.sort();
    for (kind, name, raw, gz) in &rows {
        println!("{kind:<5} {name:<40} {raw:>10} {gz:>10}");
    }
    let app = rows.iter().filter(|r| r.0 != "html");
    let (raw, gz) = app.fold((0, 0), |(r, g), row| (r + row.2, g + row.3));
    println!(
        "{what} (wasm + js + css): {raw} B raw, {gz} B gzipped ({:.1} KB / {:.1} KB)",
        raw as f64 / 1000.0,
        gz as f64 / 1000.0
    );
    Ok(gz)
}

/// How long one release build of an example may take.
const BUILD_LIMIT: std::time::Duration = std::time::Duration::from_secs(1200);

/// Builds the bench page (`socket/examples/bench`) in release and runs `wslab-bench socket`
/// against it: echo round trips through wslab-socket beside a plain JavaScript client.
fn socket(root: &Path) -> Result<ExitCode> {
    let mut env = tools::ensure_test_tools(root)?;
    let dist = tools::build_example_release(root, &env, "bench", BUILD_LIMIT)?;
    env.vars.push((
        "WSLAB_SOCKET_BENCH_DIST".into(),
        dist.to_string_lossy().into_owned(),
    ));
    run_bench(root, &env, "socket")?;
    Ok(ExitCode::SUCCESS)
}

/// Builds the release app and runs `wslab-bench <name>` (release) against it.
fn in_browser(root: &Path, name: &str) -> Result<ExitCode> {
    let env = tools::ensure_test_tools(root)?;
    tools::build_app_release(root, &env, None)?;
    run_bench(root, &env, name)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `wslab-bench <name>` (release) against the release build in `dist/`.
fn run_bench(root: &Path, env: &process::Env, name: &str) -> Result<()> {
    process::run_checked(
        process::cargo(env)
            .args([
                "run",
                "--release",
                "-p",
                "wslab-e2e",
                "--bin",
                "wslab-bench",
                "--",
                name,
            ])
            .env("WSLAB_DIST", root.join("dist")),
        &format!("wslab-bench {name}"),
    )
}

/// Flags given to every wslab-server this bench starts. THE ONE LIST to edit when the
/// server's limits change; each flag must exist in `wslab-server --help`.
///
/// - `--chat-rate` / `--chat-burst`: the fan-out sender sends 21 frames (its join and 20
///   messages) back to back, more than the default burst of 20.
/// - `--chat-queue`: while 1,000 clients join, each is sent up to 999 `join` announcements,
///   more than the default 256 queued frames if it reads a little late.
/// - `--max-connections` (default 10,000): above the 10,000 idle connections plus a few
///   (the fd hard limit here is 20,000);
/// - `--max-message-rate` (default 1,000/s per connection): above one closed-loop echo
///   connection's rate, so the limiter is still run on every message but never closes.
/// - `--max-connections-per-ip` / `--max-handshakes-per-ip` / `--handshake-burst-per-ip`
///   (defaults 1,000, 50/s, 500): every bench client is 127.0.0.1, which opens the 10,000
///   idle connections and the soak's cycles as fast as it can. The address table is still
///   consulted on every handshake.
///
/// Every other limit (64 KiB messages, 1 KiB read buffer, pings, handshake timeout) is the
/// server's default: the bench measures the server as it ships.
#[rustfmt::skip]
const WSLAB_FLAGS: &[&str] = &[
    "--chat-rate", "1000",
    "--chat-burst", "1000",
    "--chat-queue", "4096",
    "--max-connections", "20000",
    "--max-message-rate", "1000000",
    "--message-burst", "1000000",
    "--max-connections-per-ip", "20000",
    "--max-handshakes-per-ip", "1000000",
    "--handshake-burst-per-ip", "1000000",
];

/// Echo: connections, each one message in flight; seconds measured; bytes per message.
const ECHO_CONNECTIONS: usize = 100;
const ECHO_SECONDS: u32 = 5;
const ECHO_SIZE: usize = 32;
/// Echo runs per server, interleaved; the best (highest msg/s) is shown.
const ECHO_ROUNDS: usize = 4;
/// Idle connections held open on one server.
const IDLE_CONNECTIONS: usize = 10_000;
/// Chat fan-out: receivers in one room, messages sent one at a time.
const FANOUT_CLIENTS: usize = 1_000;
const FANOUT_MESSAGES: usize = 20;
/// Connect / handshake / close cycles of the soak.
const SOAK_CYCLES: usize = 10_000;

/// Instructions per message: one connection, one message in flight (no batching to blur
/// the per-message path), measured over a short and a long run under callgrind; the
/// difference divided by the difference in messages leaves start-up and handshake out.
const CALLGRIND_SECONDS: (f64, f64) = (2.0, 6.0);

/// Goals, printed next to the rows they judge. The fan-out and idle goals are the server
/// speed issue's (10 ms, 100,000 per GiB), which tightened the first ones (50 ms, 50,000).
const GOAL_VS_FASTEST: f64 = 1.0;
const GOAL_VS_RAW: f64 = 0.9;
const GOAL_VS_PYTHON: f64 = 20.0;
const GOAL_IDLE_PER_GIB: f64 = 100_000.0;
const GOAL_FANOUT_P99_MS: f64 = 10.0;
/// Soak rule: RSS after the soak (settled) at most 10 % above RSS after the warm-up
/// (settled): the per-connection memory went back.
const GOAL_SOAK_GROWTH: f64 = 0.10;

fn step(message: &str) {
    eprintln!("xtask: bench server: {message}");
}

/// The echo servers compared, and how to start each on 127.0.0.1:0.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Wslab,
    /// tokio-tungstenite (what wslab-server ran on, under axum's WebSockets, until its own
    /// framing).
    Raw,
    /// tokio-websockets.
    Tws,
    /// fastwebsockets.
    Fws,
    Python,
}

impl Target {
    /// The process name in the bench's lines.
    fn name(self) -> &'static str {
        match self {
            Self::Wslab => "wslab-server",
            Self::Raw => "raw-echo",
            Self::Tws => "tws-echo",
            Self::Fws => "fws-echo",
            Self::Python => "python_echo.py",
        }
    }

    /// Whether it is one of the Rust peers wslab-server is judged against.
    fn is_peer(self) -> bool {
        matches!(self, Self::Raw | Self::Tws | Self::Fws)
    }
}

/// Binaries and scripts the bench runs.
struct Kit {
    bin: PathBuf,
    python: Option<PathBuf>,
    script: PathBuf,
}

impl Kit {
    fn command(&self, target: Target) -> Result<Command> {
        Ok(match target {
            Target::Wslab => {
                let mut command = Command::new(self.bin.join("wslab-server"));
                command
                    .args(["--addr", "127.0.0.1:0"])
                    .args(WSLAB_FLAGS)
                    .env("RUST_LOG", "wslab_server=warn");
                command
            }
            Target::Raw | Target::Tws | Target::Fws => {
                let mut command = Command::new(self.bin.join(target.name()));
                command.args(["--addr", "127.0.0.1:0"]);
                command
            }
            Target::Python => {
                let python = self
                    .python
                    .as_ref()
                    .context("the Python venv with websockets could not be set up")?;
                let mut command = Command::new(python);
                command.arg(&self.script).arg("0");
                command
            }
        })
    }

    /// Starts a fresh `target` server, runs `wslab-loadgen ARGS` against it (`{url}`,
    /// `{pid}` replaced), stops the server, and returns the loadgen's JSON line.
    fn measure(&self, target: Target, path: &str, args: &[&str], limit: u64) -> Result<Value> {
        self.measure_command(&mut self.command(target)?, target.name(), path, args, limit)
    }

    /// [`Self::measure`] with the server started by `command` (callgrind around it, say).
    fn measure_command(
        &self,
        command: &mut Command,
        name: &str,
        path: &str,
        args: &[&str],
        limit: u64,
    ) -> Result<Value> {
        if process::interrupted() {
            bail!("interrupted");
        }
        let server = process::Server::start_command(command, name)?;
        let url = format!("ws://{}{path}", server.addr());
        let pid = server.pid().to_string();
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("{url}", &url).replace("{pid}", &pid))
            .collect();
        step(&format!(
            "{name} on {url}: wslab-loadgen {}",
            args.join(" ")
        ));
        let output = process::output_within(
            Command::new(self.bin.join("wslab-loadgen")).args(&args),
            "wslab-loadgen",
            Duration::from_secs(limit),
        );
        // A fresh server per measurement: stop this one before anything else runs.
        drop(server);
        let output = output?;
        let line = output
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .context("wslab-loadgen printed no result")?;
        serde_json::from_str(line).with_context(|| format!("wslab-loadgen printed {line:?}"))
    }
}

impl Kit {
    /// Instructions the server executes per echoed message, counted by callgrind (see
    /// [`CALLGRIND_SECONDS`]); its output files go to `dir`.
    fn instructions_per_message(&self, target: Target, dir: &Path) -> Result<f64> {
        let size = ECHO_SIZE.to_string();
        let mut runs = Vec::new();
        for seconds in [CALLGRIND_SECONDS.0, CALLGRIND_SECONDS.1] {
            let out = dir.join(format!("{}-{seconds}s.callgrind", target.name()));
            let _ = std::fs::remove_file(&out);
            let inner = self.command(target)?;
            let mut command = Command::new("valgrind");
            command
                .arg("--tool=callgrind")
                .arg(format!("--callgrind-out-file={}", out.display()))
                .arg(inner.get_program())
                .args(inner.get_args());
            for (key, value) in inner.get_envs() {
                if let Some(value) = value {
                    command.env(key, value);
                }
            }
            let secs = seconds.to_string();
            let result = self.measure_command(
                &mut command,
                target.name(),
                "/echo",
                &[
                    "echo",
                    "--url",
                    "{url}",
                    "--connections",
                    "1",
                    "--seconds",
                    &secs,
                    "--size",
                    &size,
                    "--pid",
                    "{pid}",
                ],
                240,
            )?;
            let messages = number(&result, "messages")?;
            runs.push((callgrind_total(&out)?, messages));
        }
        let (&(short_ir, short_msgs), &(long_ir, long_msgs)) = (
            runs.first().context("no short run")?,
            runs.last().context("no long run")?,
        );
        if long_msgs <= short_msgs || long_ir <= short_ir {
            bail!(
                "the long run echoed {long_msgs} messages in {long_ir} instructions, the short \
                 one {short_msgs} in {short_ir}: nothing to compare"
            );
        }
        Ok((long_ir - short_ir) / (long_msgs - short_msgs))
    }
}

/// The total instruction count (`Ir`) in a callgrind output file.
fn callgrind_total(path: &Path) -> Result<f64> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("no callgrind output at {}", path.display()))?;
    text.lines()
        .find_map(|line| {
            line.strip_prefix("totals:")
                .or_else(|| line.strip_prefix("summary:"))
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .with_context(|| format!("no totals line in {}", path.display()))
}

/// After Ctrl-C: stop here (the guards have stopped the servers) and print no table.
fn stop_if_interrupted() -> Result<()> {
    if process::interrupted() {
        bail!("interrupted");
    }
    Ok(())
}

fn number(value: &Value, key: &str) -> Result<f64> {
    value
        .get(key)
        .and_then(Value::as_f64)
        .with_context(|| format!("no number {key:?} in {value}"))
}

/// `1234567.8` → `1,234,568`.
fn thousands(value: f64) -> String {
    if !value.is_finite() {
        return format!("{value}");
    }
    let digits = format!("{:.0}", value.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if value < 0.0 { format!("-{out}") } else { out }
}

fn verdict(met: bool) -> String {
    if met { "met" } else { "NOT MET" }.to_owned()
}

/// One table row: what, the numbers, the goal, met or not.
struct Row([String; 4]);

impl Row {
    fn new(what: impl Into<String>, result: impl Into<String>, goal: &str, met: &str) -> Self {
        Self([what.into(), result.into(), goal.to_owned(), met.to_owned()])
    }

    /// A measurement that failed: the error goes to stderr, the row says so.
    fn failed(what: impl Into<String>, error: &anyhow::Error) -> Self {
        let what = what.into();
        step(&format!("{what}: {error:#}"));
        Self::new(what, "FAILED (error on stderr)", "", "-")
    }
}

fn print_table(rows: &[Row]) {
    let header = Row::new("measurement", "result", "goal", "verdict");
    let mut widths = [0; 4];
    for row in std::iter::once(&header).chain(rows) {
        for (width, cell) in widths.iter_mut().zip(&row.0) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |row: &Row| {
        let [what, result, goal, met] = &row.0;
        let [w0, w1, w2, _] = widths;
        format!("{what:<w0$}  {result:<w1$}  {goal:<w2$}  {met}")
            .trim_end()
            .to_owned()
    };
    println!();
    println!(
        "wslab-server vs tokio-tungstenite, tokio-websockets, fastwebsockets and python \
         websockets: loopback, {} cores, profile `server`",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    println!("{}", line(&header));
    println!("{}", "-".repeat(widths.iter().sum::<usize>() + 6));
    for row in rows {
        println!("{}", line(row));
    }
    println!(
        "wslab-loadgen shares the cores with the server it measures; anything else running \
         (a build) lowers the echo rows.\n\
         idle: (RSS with the connections − RSS before) / connections, both settled. soak: RSS \
         settled after {SOAK_CYCLES} cycles vs settled after 200 warm-up cycles.\n\
         instructions: callgrind's count over a {}-s and a {}-s echo run on one connection, \
         the difference per extra message: the server's own path per message, whatever else \
         the machine is doing.\n\
         threads: wslab-server serves its connections on `--workers` threads (by default half \
         the cores, at least one), the Rust peers on tokio's multi-threaded runtime (a thread \
         per core): where the load generator leaves a core idle, the peers' echo rates use it.",
        CALLGRIND_SECONDS.0, CALLGRIND_SECONDS.1
    );
}

/// `cargo xtask bench server`: builds, then measures each server in turn, one fresh process
/// per measurement, and prints one table. Every server is stopped when its measurement ends
/// (also on errors and Ctrl-C: the guards stop them).
/// `cargo xtask bench cluster`: the chat on one server beside two on one Redis, and a server
/// killed behind nginx (`e2e/src/bin/cluster-bench.rs` says what each row measures).
fn cluster(root: &Path) -> Result<ExitCode> {
    tools::ensure_cluster_tools()?;
    let env = process::Env::default();
    process::run_checked(
        process::cargo(&env).args([
            "build",
            "--profile",
            "server",
            "-p",
            "wslab-server",
            "-p",
            "wslab-e2e",
            "--bins",
        ]),
        "cargo build --profile server",
    )?;
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => step(&format!("open-file limit {limit}")),
        Err(error) => step(&format!("cannot raise the open-file limit: {error}")),
    }
    let bin = root.join("target/server");
    let status = Command::new(bin.join("wslab-cluster-bench"))
        .env("WSLAB_SERVER_BIN", bin.join("wslab-server"))
        .status()
        .context("run wslab-cluster-bench")?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn server(root: &Path) -> Result<ExitCode> {
    let env = process::Env::default();
    process::run_checked(
        process::cargo(&env).args([
            "build",
            "--profile",
            "server",
            "-p",
            "wslab-server",
            "-p",
            "wslab-e2e",
            "--bins",
        ]),
        "cargo build --profile server",
    )?;
    let python = tools::ensure_python_websockets()
        .inspect_err(|error| step(&format!("no Python echo server: {error:#}")))
        .ok();
    // The servers inherit this process's limits: 10,000 idle sockets need more than 1,024.
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => step(&format!("open-file limit {limit}")),
        Err(error) => step(&format!("cannot raise the open-file limit: {error}")),
    }
    let kit = Kit {
        bin: root.join("target/server"),
        python,
        script: root.join("e2e/bench/python_echo.py"),
    };

    let connections = ECHO_CONNECTIONS.to_string();
    let seconds = ECHO_SECONDS.to_string();
    let size = ECHO_SIZE.to_string();
    let echo_args = [
        "echo",
        "--url",
        "{url}",
        "--connections",
        &connections,
        "--seconds",
        &seconds,
        "--size",
        &size,
        "--pid",
        "{pid}",
    ];
    let mut rows = Vec::new();
    let mut failures = 0;
    let echo_label =
        format!("echo, {ECHO_CONNECTIONS} conns, {ECHO_SIZE} B, best of {ECHO_ROUNDS}:");
    let targets = [
        (Target::Wslab, "wslab-server".to_owned()),
        (Target::Raw, "tokio-tungstenite (raw)".to_owned()),
        (Target::Tws, "tokio-websockets".to_owned()),
        (Target::Fws, "fastwebsockets".to_owned()),
        (
            Target::Python,
            format!("python websockets {}", tools::PY_WEBSOCKETS_VERSION),
        ),
    ];
    // Rounds interleaved (A B C A B C…), the best kept: a build elsewhere on the machine
    // during one run then costs that run, not the comparison.
    let mut best: Vec<Option<(f64, f64, f64, f64)>> = vec![None; targets.len()];
    for round in 1..=ECHO_ROUNDS {
        for (index, (target, label)) in targets.iter().enumerate() {
            step(&format!("echo round {round} of {ECHO_ROUNDS}: {label}"));
            let measured = kit.measure(*target, "/echo", &echo_args, 60).and_then(|v| {
                Ok((
                    number(&v, "msgs_per_sec")?,
                    number(&v, "p50_us")?,
                    number(&v, "p99_us")?,
                    number(&v, "msgs_per_server_cpu_s").unwrap_or(f64::NAN),
                ))
            });
            match (measured, best.get_mut(index)) {
                (Ok(run), Some(slot)) => {
                    if slot.is_none_or(|kept| run.0 > kept.0) {
                        *slot = Some(run);
                    }
                }
                (Ok(_), None) => {}
                (Err(error), _) => step(&format!("echo round {round}, {label}: {error:#}")),
            }
        }
    }
    stop_if_interrupted()?;
    // Instructions per message, for wslab and the Rust peers (the Python one would be
    // measured inside valgrind's Python, not worth its minutes).
    let callgrind_dir = root.join("target/bench-callgrind");
    std::fs::create_dir_all(&callgrind_dir)?;
    let valgrind = Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let mut instructions: Vec<Option<f64>> = vec![None; targets.len()];
    for (index, (target, label)) in targets.iter().enumerate() {
        if *target == Target::Python {
            continue;
        }
        if !valgrind {
            step("valgrind is not installed (apt-get install valgrind): no instruction counts");
            break;
        }
        step(&format!(
            "instructions per message under callgrind: {label}"
        ));
        match kit.instructions_per_message(*target, &callgrind_dir) {
            Ok(count) => {
                if let Some(slot) = instructions.get_mut(index) {
                    *slot = Some(count);
                }
            }
            Err(error) => step(&format!("instructions, {label}: {error:#}")),
        }
    }
    stop_if_interrupted()?;
    let mut echo_rates = Vec::new();
    let mut echo_per_cpu = Vec::new();
    for (((_, label), kept), counted) in targets.iter().zip(&best).zip(&instructions) {
        let what = format!("{echo_label} {label}");
        let counted = counted.map_or(String::new(), |n| {
            format!("   {} instructions/msg", thousands(n))
        });
        match kept {
            Some((rate, p50, p99, per_cpu)) => {
                rows.push(Row::new(
                    what,
                    format!(
                        "{} msg/s   p50 {} µs   p99 {} µs   {} msg per server CPU-s{counted}",
                        thousands(*rate),
                        thousands(*p50),
                        thousands(*p99),
                        thousands(*per_cpu)
                    ),
                    "",
                    "",
                ));
                echo_rates.push(Some(*rate));
                echo_per_cpu.push(per_cpu.is_finite().then_some(*per_cpu));
            }
            None => {
                failures += 1;
                rows.push(Row::new(what, "FAILED (error on stderr)", "", "-"));
                echo_rates.push(None);
                echo_per_cpu.push(None);
            }
        }
    }
    let wslab_index = 0;
    let python_index = targets.len() - 1;
    for (index, label, goal) in [
        (1, "raw", GOAL_VS_RAW),
        (python_index, "python", GOAL_VS_PYTHON),
    ] {
        let what = format!("echo: wslab / {label}");
        let goal_text = format!("≥ {goal}×");
        match (
            echo_rates.get(wslab_index).copied().flatten(),
            echo_rates.get(index).copied().flatten(),
        ) {
            (Some(wslab), Some(other)) if other > 0.0 => {
                let ratio = wslab / other;
                rows.push(Row::new(
                    what,
                    format!("{ratio:.2}×"),
                    &goal_text,
                    &verdict(ratio >= goal),
                ));
            }
            _ => rows.push(Row::new(what, "not measured", &goal_text, "-")),
        }
    }
    // Against the best of the Rust peers, on each figure: the one most fair to a server
    // sharing its cores with the load (per CPU-second) and the one noise does not move
    // (instructions).
    let peers: Vec<usize> = (0..targets.len())
        .filter(|&i| targets.get(i).is_some_and(|(t, _)| t.is_peer()))
        .collect();
    let fastest = |values: &[Option<f64>], better: fn(f64, f64) -> bool| {
        peers
            .iter()
            .filter_map(|&i| Some((i, values.get(i).copied().flatten()?)))
            .reduce(|a, b| if better(b.1, a.1) { b } else { a })
    };
    let peer_name = |i: usize| targets.get(i).map_or("?", |(_, label)| label.as_str());
    let goal_text = format!("≥ {GOAL_VS_FASTEST}×");
    match (
        echo_per_cpu.get(wslab_index).copied().flatten(),
        fastest(&echo_per_cpu, |a, b| a > b),
    ) {
        (Some(wslab), Some((i, peer))) if peer > 0.0 => {
            let ratio = wslab / peer;
            rows.push(Row::new(
                format!(
                    "echo per server CPU-second: wslab / fastest peer ({})",
                    peer_name(i)
                ),
                format!("{ratio:.2}×"),
                &goal_text,
                &verdict(ratio >= GOAL_VS_FASTEST),
            ));
        }
        _ => rows.push(Row::new(
            "echo per server CPU-second: wslab / fastest peer",
            "not measured",
            &goal_text,
            "-",
        )),
    }
    match (
        instructions.get(wslab_index).copied().flatten(),
        fastest(&instructions, |a, b| a < b),
    ) {
        (Some(wslab), Some((i, peer))) if wslab > 0.0 => {
            // Fewer instructions is faster: the peer's count over ours, as "×" of speed.
            let ratio = peer / wslab;
            rows.push(Row::new(
                format!(
                    "instructions per message: wslab / fastest peer ({})",
                    peer_name(i)
                ),
                format!("{ratio:.2}× ({} vs {})", thousands(wslab), thousands(peer)),
                &goal_text,
                &verdict(ratio >= GOAL_VS_FASTEST),
            ));
        }
        _ => rows.push(Row::new(
            "instructions per message: wslab / fastest peer",
            "not measured",
            &goal_text,
            "-",
        )),
    }

    // Per server CPU-second: the load generator shares the two cores, so a server that
    // needs less CPU per message is capped by the client; this ratio is not.
    if let (Some(Some(wslab)), Some(Some(python))) = (
        echo_per_cpu.get(wslab_index),
        echo_per_cpu.get(python_index),
    ) {
        let ratio = wslab / python;
        rows.push(Row::new(
            "echo per server CPU-second: wslab / python".to_owned(),
            format!("{ratio:.2}×"),
            &format!("≥ {GOAL_VS_PYTHON}×"),
            &verdict(ratio >= GOAL_VS_PYTHON),
        ));
    }

    let idle_count = IDLE_CONNECTIONS.to_string();
    let what = format!("{} idle conns (wslab)", thousands(IDLE_CONNECTIONS as f64));
    let goal = format!("≥ {} conns/GiB", thousands(GOAL_IDLE_PER_GIB));
    stop_if_interrupted()?;
    let idle = kit
        .measure(
            Target::Wslab,
            "/echo",
            &[
                "idle",
                "--url",
                "{url}",
                "--connections",
                &idle_count,
                "--pid",
                "{pid}",
            ],
            120,
        )
        .and_then(|v| {
            Ok((
                number(&v, "opened")?,
                number(&v, "rss_per_connection_kib")?,
                number(&v, "connections_per_gib")?,
            ))
        });
    match idle {
        Ok((opened, per_connection, per_gib)) => {
            let short = if (opened as usize) < IDLE_CONNECTIONS {
                format!(" (only {} opened)", thousands(opened))
            } else {
                String::new()
            };
            rows.push(Row::new(
                what,
                format!(
                    "{per_connection:.1} KiB/conn = {} conns/GiB{short}",
                    thousands(per_gib)
                ),
                &goal,
                &verdict(per_gib >= GOAL_IDLE_PER_GIB && short.is_empty()),
            ));
        }
        Err(error) => {
            failures += 1;
            rows.push(Row::failed(what, &error));
        }
    }

    let clients = FANOUT_CLIENTS.to_string();
    let messages = FANOUT_MESSAGES.to_string();
    let what = format!(
        "chat fan-out to {} clients, {FANOUT_MESSAGES} msgs",
        thousands(FANOUT_CLIENTS as f64)
    );
    let goal = format!("p99 ≤ {GOAL_FANOUT_P99_MS} ms");
    stop_if_interrupted()?;
    let fanout = kit
        .measure(
            Target::Wslab,
            "/chat",
            &[
                "fanout",
                "--url",
                "{url}",
                "--clients",
                &clients,
                "--messages",
                &messages,
            ],
            120,
        )
        .and_then(|v| Ok((number(&v, "p50_ms")?, number(&v, "p99_ms")?)));
    match fanout {
        Ok((p50, p99)) => rows.push(Row::new(
            what,
            format!("p50 {p50:.1} ms   p99 {p99:.1} ms"),
            &goal,
            &verdict(p99 <= GOAL_FANOUT_P99_MS),
        )),
        Err(error) => {
            failures += 1;
            rows.push(Row::failed(what, &error));
        }
    }

    let cycles = SOAK_CYCLES.to_string();
    let what = format!(
        "soak, {} connect/close cycles",
        thousands(SOAK_CYCLES as f64)
    );
    let goal = format!("after ≤ before × {:.2}", 1.0 + GOAL_SOAK_GROWTH);
    stop_if_interrupted()?;
    let soak = kit
        .measure(
            Target::Wslab,
            "/echo",
            &[
                "soak", "--url", "{url}", "--cycles", &cycles, "--pid", "{pid}",
            ],
            180,
        )
        .and_then(|v| {
            Ok((
                number(&v, "rss_before_kib")?,
                number(&v, "rss_after_kib")?,
                number(&v, "failed")?,
            ))
        });
    match soak {
        Ok((before, after, failed)) => {
            let growth = after / before - 1.0;
            let failed_note = if failed > 0.0 {
                format!(" ({} cycles failed)", thousands(failed))
            } else {
                String::new()
            };
            rows.push(Row::new(
                what,
                format!(
                    "RSS {:.1} MiB before, {:.1} MiB after ({:+.1} %){failed_note}",
                    before / 1024.0,
                    after / 1024.0,
                    growth * 100.0
                ),
                &goal,
                &verdict(growth <= GOAL_SOAK_GROWTH && failed == 0.0),
            ));
        }
        Err(error) => {
            failures += 1;
            rows.push(Row::failed(what, &error));
        }
    }

    stop_if_interrupted()?;
    print_table(&rows);
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
