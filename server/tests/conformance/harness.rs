//! The runner of the conformance suite: cases as data (name, expected outcome, how to run
//! it), a healthy client that must still be echoed after every case, a line per case, a
//! summary row in `target/conformance/<class>.tsv`, and one assertion per class.

use std::{
    fmt,
    future::Future,
    net::SocketAddr,
    path::PathBuf,
    pin::Pin,
    time::{Duration, Instant},
};

use futures::{SinkExt, StreamExt};
use tokio::time::timeout;
use tokio_tungstenite::{connect_async, tungstenite::Message};
use wslab_server::Config;

use crate::{
    common::wire::{Arrival, Out, READ_TIMEOUT, RawClient, close_raw, describe_close, op, pong},
    common::{Client, TestServer},
};

/// Upper bound of one sequential case (each of its reads is bounded by [`READ_TIMEOUT`]).
const CASE_TIMEOUT: Duration = Duration::from_secs(30);
/// Upper bound of a case run in parallel with the others (it bounds itself first).
const PARALLEL_CASE_TIMEOUT: Duration = Duration::from_secs(120);

/// What a case saw: `Ok` if it matched the expectation, `Err` if not; either way a short
/// description of what the server did.
pub type Outcome = Result<String, String>;

type Run = Box<dyn FnOnce(SocketAddr) -> Pin<Box<dyn Future<Output = Outcome> + Send>> + Send>;

/// One conformance case.
pub struct Case {
    name: String,
    expected: String,
    parallel: bool,
    run: Run,
}

impl Case {
    /// A case that opens a raw WebSocket to `/echo` and plays `steps`; the expected outcome
    /// is spelled out from its [`Want`]s.
    pub fn script(name: impl Into<String>, steps: Vec<Step>) -> Self {
        let expected = steps
            .iter()
            .filter_map(|step| match step {
                Step::Want(want) => Some(want.to_string()),
                Step::Send(..) => None,
            })
            .collect::<Vec<_>>()
            .join(", then ");
        Self::custom(name, expected, move |addr| run_script(addr, steps))
    }

    /// A case with its own run function (given the server's address).
    pub fn custom<F, Fut>(name: impl Into<String>, expected: impl Into<String>, run: F) -> Self
    where
        F: FnOnce(SocketAddr) -> Fut + Send + 'static,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        Self {
            name: name.into(),
            expected: expected.into(),
            parallel: false,
            run: Box::new(move |addr| Box::pin(run(addr))),
        }
    }

    /// Runs this case alongside the class's other cases (for long ones).
    pub fn in_parallel(mut self) -> Self {
        self.parallel = true;
        self
    }
}

/// One step of a scripted case.
pub enum Step {
    /// Encode and write these frames: in one write, or in pieces of this many bytes.
    Send(Vec<Out>, Option<usize>),
    /// Read and check what the server sends next.
    Want(Want),
}

/// What the server must send next.
pub enum Want {
    /// A text message with exactly these bytes.
    Text(Vec<u8>),
    /// A binary message with exactly these bytes.
    Binary(Vec<u8>),
    /// A pong with exactly this payload.
    Pong(Vec<u8>),
    /// A close frame with one of `codes` (or without a code, if `no_code_ok`), then the
    /// server closes TCP. Data frames before it fail the case.
    Close {
        /// Acceptable status codes.
        codes: Vec<u16>,
        /// Whether an empty close payload is acceptable too.
        no_code_ok: bool,
    },
}

impl fmt::Display for Want {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(payload) => write!(f, "echo {}", describe_message(op::TEXT, payload)),
            Self::Binary(payload) => write!(f, "echo {}", describe_message(op::BINARY, payload)),
            Self::Pong(payload) => write!(f, "pong of {} B", payload.len()),
            Self::Close { codes, no_code_ok } => {
                let mut codes: Vec<String> = codes.iter().map(u16::to_string).collect();
                codes.dedup();
                if *no_code_ok {
                    codes.push("no code".to_owned());
                }
                write!(f, "close {}, TCP closed by the server", codes.join(" or "))
            }
        }
    }
}

/// Writes `frame` alone.
pub fn send(frame: Out) -> Step {
    Step::Send(vec![frame], None)
}

/// Writes all `frames` in one write call.
pub fn send_all(frames: Vec<Out>) -> Step {
    Step::Send(frames, None)
}

/// Writes the frames' bytes `chunk` bytes per write call.
pub fn send_chunked(frames: Vec<Out>, chunk: usize) -> Step {
    Step::Send(frames, Some(chunk))
}

/// Expects a text echo of `payload`.
pub fn want_text(payload: impl AsRef<[u8]>) -> Step {
    Step::Want(Want::Text(payload.as_ref().to_vec()))
}

/// Expects a binary echo of `payload`.
pub fn want_binary(payload: impl AsRef<[u8]>) -> Step {
    Step::Want(Want::Binary(payload.as_ref().to_vec()))
}

/// Expects a pong with `payload`.
pub fn want_pong(payload: impl AsRef<[u8]>) -> Step {
    Step::Want(Want::Pong(payload.as_ref().to_vec()))
}

/// Expects a close with one of `codes`, then the end of TCP.
pub fn want_close(codes: &[u16]) -> Step {
    Step::Want(Want::Close {
        codes: codes.to_vec(),
        no_code_ok: false,
    })
}

/// Expects a close with one of `codes` or without a code, then the end of TCP.
pub fn want_close_or_no_code(codes: &[u16]) -> Step {
    Step::Want(Want::Close {
        codes: codes.to_vec(),
        no_code_ok: true,
    })
}

/// "text 125 B", or the text itself when it is short.
fn describe_message(opcode: u8, payload: &[u8]) -> String {
    let kind = if opcode == op::TEXT { "text" } else { "binary" };
    match std::str::from_utf8(payload) {
        Ok(text) if opcode == op::TEXT && !text.is_empty() && text.chars().count() <= 24 => {
            format!("text '{text}'")
        }
        _ => format!("{kind} {} B", payload.len()),
    }
}

async fn run_script(addr: SocketAddr, steps: Vec<Step>) -> Outcome {
    let mut client = RawClient::connect(addr, "/echo").await?;
    let mut seen = Vec::new();
    // A write can fail once the server has (rightly) failed the connection; only the
    // expectations decide, the failure is just reported.
    let mut write_failure = None;
    for step in steps {
        match step {
            Step::Send(frames, chunk) => {
                if let Err(error) = client.send(&frames, chunk).await {
                    write_failure.get_or_insert(error);
                }
            }
            Step::Want(want) => {
                let checked = check(&mut client, &want).await;
                let failed = checked.is_err();
                seen.push(checked.unwrap_or_else(|e| e));
                if failed {
                    if let Some(write) = write_failure {
                        seen.push(format!("[earlier {write}]"));
                    }
                    return Err(seen.join(", then "));
                }
            }
        }
    }
    if let Some(write) = write_failure {
        seen.push(format!("[{write}]"));
    }
    Ok(seen.join(", then "))
}

async fn check(client: &mut RawClient, want: &Want) -> Outcome {
    match want {
        Want::Text(payload) => check_message(client, op::TEXT, payload).await,
        Want::Binary(payload) => check_message(client, op::BINARY, payload).await,
        Want::Pong(payload) => {
            let frame = next_frame(client).await?;
            match frame.opcode {
                op::PONG if frame.payload == *payload => Ok(format!("pong of {} B", payload.len())),
                op::PONG => Err(format!(
                    "pong of {} B with another payload than the ping's",
                    frame.payload.len()
                )),
                _ => Err(format!("{frame} instead of a pong")),
            }
        }
        Want::Close { codes, no_code_ok } => check_close(client, codes, *no_code_ok).await,
    }
}

async fn check_message(client: &mut RawClient, opcode: u8, want: &[u8]) -> Outcome {
    let first = next_frame(client).await?;
    if first.opcode != op::TEXT && first.opcode != op::BINARY {
        return Err(format!("{first} instead of the echo"));
    }
    let mut payload = first.payload;
    let mut fin = first.fin;
    while !fin {
        let more = next_frame(client).await?;
        if more.opcode != op::CONT {
            return Err(format!("{more} in the middle of a fragmented echo"));
        }
        payload.extend_from_slice(&more.payload);
        fin = more.fin;
    }
    let got = describe_message(first.opcode, &payload);
    if first.opcode != opcode {
        return Err(format!(
            "{got} instead of {}",
            describe_message(opcode, want)
        ));
    }
    if payload != want {
        let at = payload
            .iter()
            .zip(want)
            .position(|(a, b)| a != b)
            .unwrap_or(payload.len().min(want.len()));
        return Err(format!(
            "{got} differing from the {} B sent (first difference at byte {at})",
            want.len()
        ));
    }
    Ok(format!("echo {got}"))
}

async fn check_close(client: &mut RawClient, codes: &[u16], no_code_ok: bool) -> Outcome {
    let frame = next_frame(client).await?;
    if frame.opcode != op::CLOSE {
        return Err(format!("{frame} instead of a close"));
    }
    let described = describe_close(&frame.payload);
    let acceptable = match frame.payload.as_slice() {
        [] => no_code_ok,
        [_] => false,
        [high, low, reason @ ..] => {
            codes.contains(&u16::from_be_bytes([*high, *low]))
                && std::str::from_utf8(reason).is_ok()
        }
    };
    if !acceptable {
        return Err(described);
    }
    // The server started the closing handshake: answer it as RFC 6455 §5.5.1 says
    // (echoing the code). If it is already gone, that is fine too.
    if !client.sent_close {
        let echo = close_raw(frame.payload.get(..2).unwrap_or_default());
        let _ = client.send(&[echo], None).await;
    }
    // The server, not the client, closes TCP first (RFC 6455 §7.1.1).
    match client.incoming().await {
        Arrival::Closed(_) => Ok(format!("{described}, TCP closed")),
        Arrival::Frame(after) => Err(format!("{described}, then {after} after its close")),
        Arrival::Timeout => Err(format!(
            "{described}, but TCP still open {READ_TIMEOUT:?} later"
        )),
    }
}

/// The next frame from the server, checked for what a server must never send; server
/// pings are answered and skipped. TCP ending is "1006", a failure.
async fn next_frame(client: &mut RawClient) -> Result<crate::common::wire::In, String> {
    loop {
        let frame = match client.incoming().await {
            Arrival::Frame(frame) => frame,
            Arrival::Closed(how) => {
                return Err(format!("1006: TCP closed without a close frame ({how})"));
            }
            Arrival::Timeout => return Err(format!("nothing within {READ_TIMEOUT:?}")),
        };
        if frame.masked {
            return Err(format!("server sent a masked frame ({frame})"));
        }
        if frame.rsv != 0 {
            return Err(format!("server set RSV bits {:03b} ({frame})", frame.rsv));
        }
        if frame.opcode >= op::CLOSE && (!frame.fin || frame.payload.len() > 125) {
            return Err(format!("server sent an invalid control frame ({frame})"));
        }
        if frame.opcode == op::PING {
            let _ = client.send(&[pong(&frame.payload)], None).await;
            continue;
        }
        return Ok(frame);
    }
}

/// A tokio-tungstenite client kept open through a whole class, echoed after every case.
struct Health {
    url: String,
    client: Option<Client>,
}

impl Health {
    async fn open(url: String) -> Self {
        let client = Self::connect(&url)
            .await
            .expect("the healthy client connects before any case runs");
        Self {
            url,
            client: Some(client),
        }
    }

    async fn connect(url: &str) -> Result<Client, String> {
        match timeout(READ_TIMEOUT, connect_async(url)).await {
            Ok(Ok((client, _))) => Ok(client),
            Ok(Err(error)) => Err(format!("cannot connect: {error}")),
            Err(_) => Err(format!("no handshake within {READ_TIMEOUT:?}")),
        }
    }

    /// Echo of a fresh message within [`READ_TIMEOUT`]. After a failure the next check
    /// reconnects, so one failure is not blamed on every later case.
    async fn check(&mut self, after: &str) -> Result<(), String> {
        let mut client = match self.client.take() {
            Some(client) => client,
            None => Self::connect(&self.url)
                .await
                .map_err(|e| format!("new healthy client: {e}"))?,
        };
        let text = format!("health check after '{after}'");
        let echoed = timeout(READ_TIMEOUT, async {
            client
                .send(Message::text(text.clone()))
                .await
                .map_err(|e| format!("send failed: {e}"))?;
            loop {
                match client.next().await {
                    Some(Ok(Message::Text(echo))) if echo.as_str() == text => return Ok(()),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(other)) => return Err(format!("got {other:?}")),
                    Some(Err(error)) => return Err(format!("read failed: {error}")),
                    None => return Err("connection ended".to_owned()),
                }
            }
        })
        .await
        .unwrap_or_else(|_| Err(format!("no echo within {READ_TIMEOUT:?}")));
        if echoed.is_ok() {
            self.client = Some(client);
        }
        echoed
    }

    async fn close(mut self) {
        if let Some(mut client) = self.client.take() {
            let _ = timeout(READ_TIMEOUT, client.close(None)).await;
        }
    }
}

struct CaseResult {
    name: String,
    expected: String,
    outcome: Outcome,
    health: Result<(), String>,
    took: Duration,
}

impl CaseResult {
    fn passed(&self) -> bool {
        self.outcome.is_ok() && self.health.is_ok()
    }

    fn observed(&self) -> String {
        let mut observed = match &self.outcome {
            Ok(seen) | Err(seen) => seen.clone(),
        };
        if let Err(health) = &self.health {
            observed.push_str(&format!(" | SERVER HEALTH: healthy client {health}"));
        }
        observed
    }
}

/// Runs `cases` against a fresh server (parallel ones alongside the rest), checking the
/// healthy client after each, then prints, records and asserts the class's result.
pub async fn run_class(class: &str, cases: Vec<Case>) {
    let server = TestServer::start(Config::default()).await;
    let addr = server.addr;
    let mut health = Health::open(server.ws("/echo")).await;
    let started = Instant::now();

    let (parallel, sequential): (Vec<Case>, Vec<Case>) =
        cases.into_iter().partition(|case| case.parallel);
    let spawned: Vec<_> = parallel
        .into_iter()
        .map(|case| {
            let run = case.run;
            let task = tokio::spawn(async move {
                let start = Instant::now();
                let outcome = timeout(PARALLEL_CASE_TIMEOUT, run(addr))
                    .await
                    .unwrap_or_else(|_| {
                        Err(format!("did not finish within {PARALLEL_CASE_TIMEOUT:?}"))
                    });
                (outcome, start.elapsed())
            });
            (case.name, case.expected, task)
        })
        .collect();

    let mut results = Vec::new();
    for case in sequential {
        let start = Instant::now();
        let outcome = timeout(CASE_TIMEOUT, (case.run)(addr))
            .await
            .unwrap_or_else(|_| Err(format!("did not finish within {CASE_TIMEOUT:?}")));
        let took = start.elapsed();
        let health = health.check(&case.name).await;
        results.push(CaseResult {
            name: case.name,
            expected: case.expected,
            outcome,
            health,
            took,
        });
    }
    for (name, expected, task) in spawned {
        let (outcome, took) = task
            .await
            .unwrap_or_else(|e| (Err(format!("case task failed: {e}")), Duration::ZERO));
        let health = health.check(&name).await;
        results.push(CaseResult {
            name,
            expected,
            outcome,
            health,
            took,
        });
    }
    health.close().await;

    let passed = results.iter().filter(|r| r.passed()).count();
    report(class, &results, passed, started.elapsed());
    server.stop().await;

    let failures: Vec<String> = results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| {
            format!(
                "  - {}\n      expected: {}\n      observed: {}",
                r.name,
                r.expected,
                r.observed()
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "conformance class '{class}': {} of {} cases failed:\n{}",
        failures.len(),
        results.len(),
        failures.join("\n")
    );
}

/// Prints a line per case and a summary; writes `class\tcases\tpassed` to
/// `target/conformance/<class>.tsv` (`cargo xtask test` prints them as one table) and rewrites `<class>.cases.tsv` with every case.
fn report(class: &str, results: &[CaseResult], passed: usize, took: Duration) {
    println!("== conformance: {class} ==");
    for r in results {
        let verdict = if r.passed() { "PASS" } else { "FAIL" };
        println!(
            "{verdict}  {:<58} expected: {}\n      {:<58} observed: {} ({} ms)",
            r.name,
            r.expected,
            "",
            r.observed(),
            r.took.as_millis()
        );
    }
    println!(
        "== {class}: {passed}/{} passed in {:.1} s ==",
        results.len(),
        took.as_secs_f64()
    );

    let dir = table_dir();
    std::fs::create_dir_all(&dir).expect("create target/conformance");
    let row = format!(
        "class\tcases\tpassed\n{class}\t{}\t{passed}\n",
        results.len()
    );
    std::fs::write(dir.join(format!("{class}.tsv")), row).expect("write the class row");

    let cell = |text: &str| text.replace(['\t', '\n', '\r'], " ");
    let mut detail = String::from("case\tresult\texpected\tobserved\tms\n");
    for r in results {
        detail.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            cell(&r.name),
            if r.passed() { "pass" } else { "FAIL" },
            cell(&r.expected),
            cell(&r.observed()),
            r.took.as_millis()
        ));
    }
    std::fs::write(dir.join(format!("{class}.cases.tsv")), detail).expect("write the case table");
}

/// `target/conformance` (next to Cargo's `target/tmp`).
fn table_dir() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent()
        .map_or(tmp.clone(), PathBuf::from)
        .join("conformance")
}
