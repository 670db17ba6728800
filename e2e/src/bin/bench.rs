//! `wslab-bench`: browser benchmarks in headless Chromium, run by `cargo xtask bench`.
//!
//! `wslab-bench ticker`: the ticker page subscribed to all 200 symbols at 1,000, 5,000 and
//! 10,000 quotes per second, 10 s each; prints frames per second, p95 frame time, frames over
//! 20 ms (a missed vsync), long tasks (over 50 ms), quotes applied per second, the JS heap
//! before and after (after a GC), wasm memory, and where the main thread's time went.
//!
//! `wslab-bench recovery`: the reliable page's drop → open again, 10 times (the API reference's
//! policy: first retry within 0.5–1 s); and a 3 s restart drill → chat rejoined and
//! ticker updating again.
//!
//! `wslab-bench startup`: the time from navigation to the echo demo's Open button being
//! enabled (the app rendered and interactive), median of 10 loads after one warm-up, with
//! the HTTP cache disabled so every load fetches and compiles the wasm again.
//!
//! `wslab-bench socket`: echo round trips per second through wslab-socket (plain and
//! reliable sockets, and the Json codec, on the page of `socket/examples/bench`) beside a plain
//! JavaScript `WebSocket` and a bare web-sys client without the crate, on the same page and
//! server, with 1 and with 64 frames in flight.
//!
//! `wslab-bench chat`: the chat page joined to a room that a feeder client (tokio-tungstenite,
//! loopback) fills to 1,000, 10,000 and 100,000 lines; at each size it prints the message rows
//! in the DOM, the append latency (feeder send → row in the DOM, p50 / p95 over 100 probes),
//! typing (frame time p95 and long tasks while 40 keys are typed), and memory after a GC (JS
//! heap, wasm linear memory).

use std::{
    process::ExitCode,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use anyhow::{Context, Result, bail};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use wslab_e2e::{AppServer, ChromeDriver, Session};
use wslab_server::{ClientLimits, Config, chat::ChatLimits};

fn main() -> ExitCode {
    let which = std::env::args().nth(1);
    let result = match which.as_deref() {
        Some("chat") => chat(),
        Some("ticker") => ticker(),
        Some("recovery") => recovery(),
        Some("startup") => startup(),
        Some("socket") => socket(),
        other => Err(anyhow::anyhow!(
            "unknown benchmark {other:?}; available: chat, ticker, recovery, startup, socket"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("wslab-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Milliseconds since the Unix epoch, sub-millisecond (the page compares with
/// `performance.timeOrigin + performance.now()`).
fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Records the wasm exports when the app starts, so the bench can read its memory size.
const CAPTURE_WASM: &str =
    "addEventListener('TrunkApplicationStarted', e => { window.__wslabWasm = e.detail.wasm; });";

/// Collects the latency of every probe row added to the list.
const PROBE_OBSERVER: &str = r#"
window.__probes = [];
const list = document.querySelector('#chat-messages');
new MutationObserver(records => {
  const now = performance.timeOrigin + performance.now();
  for (const r of records) for (const node of r.addedNodes) {
    const m = /^Feeder: probe \d+ ([\d.]+)$/.exec(node.textContent || '');
    if (m) window.__probes.push(now - parseFloat(m[1]));
  }
}).observe(list, { childList: true });
"#;

/// Starts recording frame intervals and long tasks.
const START_TYPING_PROBE: &str = r#"
window.__frames = []; window.__long = 0; window.__recording = true;
let last = performance.now();
const tick = t => { window.__frames.push(t - last); last = t; if (window.__recording) requestAnimationFrame(tick); };
requestAnimationFrame(tick);
window.__longObserver = new PerformanceObserver(list => { window.__long += list.getEntries().length; });
window.__longObserver.observe({ type: 'longtask' });
"#;

/// Notes `performance.now()` (milliseconds since navigation started) when `#openbtn`
/// first exists and is enabled.
const OPEN_ENABLED: &str = r#"
window.__openEnabled = null;
const check = () => {
  const button = document.getElementById('openbtn');
  if (window.__openEnabled === null && button && !button.disabled) {
    window.__openEnabled = performance.now();
  }
  return window.__openEnabled !== null;
};
new MutationObserver((records, observer) => { if (check()) observer.disconnect(); })
  .observe(document, { subtree: true, childList: true, attributes: true });
"#;

/// Loads measured after the warm-up.
const STARTUP_LOADS: usize = 10;

fn startup() -> Result<()> {
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1280, 900)?;
    page.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": OPEN_ENABLED }),
    )?;
    page.cdp("Network.enable", json!({}))?;
    page.cdp("Network.setCacheDisabled", json!({ "cacheDisabled": true }))?;
    let mut times = Vec::new();
    for load in 0..=STARTUP_LOADS {
        page.goto(&server.url(&format!("/?load={load}#/echo")))?;
        page.wait_for("the Open button to be enabled", |p| {
            Ok(
                p.execute("return window.__openEnabled !== null;", json!([]))?
                    .as_bool()
                    .unwrap_or(false),
            )
        })?;
        let ms = page
            .execute("return window.__openEnabled;", json!([]))?
            .as_f64()
            .context("no time recorded")?;
        // The first load warms the browser up (process, fonts); it is not counted.
        if load > 0 {
            times.push(ms);
        }
    }
    times.sort_by(f64::total_cmp);
    println!(
        "navigation → Open enabled (echo page, {STARTUP_LOADS} loads, HTTP cache disabled): \
         median {:.0} ms, min {:.0} ms, max {:.0} ms; goal ≤ 300 ms: {}",
        percentile(&times, 50.0),
        times.first().copied().unwrap_or(f64::NAN),
        times.last().copied().unwrap_or(f64::NAN),
        if percentile(&times, 50.0) <= 300.0 {
            "met"
        } else {
            "not met"
        },
    );
    Ok(())
}

fn chat() -> Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let server = AppServer::start_with(Config {
        chat: ChatLimits {
            queue_len: 1 << 16,
            rate_burst: 1e12,
            rate_per_second: 1e12,
            rate_strikes: u32::MAX,
        },
        // Every bench client is 127.0.0.1, joining all at once.
        clients: ClientLimits {
            max_connections: 1 << 20,
            handshake_rate: 1e12,
            handshake_burst: 1e12,
        },
        ..Config::default()
    })?;
    let driver = ChromeDriver::start()?;
    let page = open_app(&driver, &server.url("/#/chat"))?;
    page.wait_for("the chat to connect", |p| {
        Ok(p.lines("#chat-messages")?
            .iter()
            .any(|l| l == "Connected to chat server"))
    })?;
    page.type_into("#chat-username", "Reader")?;
    page.type_into("#chat-room", "bench")?;
    page.click("#chat-join")?;
    page.wait_for("the join", |p| {
        Ok(p.lines("#chat-messages")?
            .iter()
            .any(|l| l == "You joined bench as Reader"))
    })?;
    page.execute(PROBE_OBSERVER, json!([]))?;

    let url = format!("ws://{}/chat", server.addr);
    let (feeder, _) = runtime
        .block_on(tokio_tungstenite::connect_async(url))
        .context("feeder connects")?;
    let (mut feed, mut feedback) = feeder.split();
    // The feeder hears every broadcast too; it must keep reading or be dropped as slow.
    runtime.spawn(async move { while let Some(Ok(_)) = feedback.next().await {} });
    let send = |feed: &mut _, text: String| -> Result<()> {
        runtime.block_on(async {
            futures::SinkExt::send(feed, Message::text(text)).await?;
            Ok::<_, anyhow::Error>(())
        })
    };
    send(
        &mut feed,
        json!({"type": "join", "username": "Feeder", "room": "bench"}).to_string(),
    )?;

    println!(
        "{:>8} {:>9} {:>12} {:>12} {:>13} {:>11} {:>12} {:>12} {:>10}",
        "lines",
        "DOM rows",
        "append p50",
        "append p95",
        "typing p95",
        "long tasks",
        "JS heap",
        "wasm mem",
        "fill"
    );
    let mut filled = 0usize;
    for target in [1_000usize, 10_000, 100_000] {
        let started = Instant::now();
        while filled < target {
            let batch = (target - filled).min(2_000);
            runtime.block_on(async {
                for i in filled..filled + batch {
                    let text =
                        json!({"type": "message", "text": format!("fill {i}"), "room": "bench"});
                    feed.feed(Message::text(text.to_string())).await?;
                }
                feed.flush().await?;
                Ok::<_, anyhow::Error>(())
            })?;
            filled += batch;
            let last = format!("Feeder: fill {}", filled - 1);
            page.wait_for("the browser to catch up", |p| {
                Ok(p.lines("#chat-messages")?.last() == Some(&last))
            })?;
        }
        let fill_time = started.elapsed();

        // Append latency: probes spaced out so each is its own render.
        page.execute("window.__probes = [];", json!([]))?;
        for k in 0..100 {
            let text = json!({"type": "message", "text": format!("probe {k} {:.3}", epoch_ms()), "room": "bench"});
            send(&mut feed, text.to_string())?;
            std::thread::sleep(Duration::from_millis(15));
        }
        page.wait_for("all probes", |p| {
            Ok(p.execute("return window.__probes.length;", json!([]))?
                .as_u64()
                == Some(100))
        })?;
        let mut latencies: Vec<f64> = page
            .execute("return window.__probes;", json!([]))?
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default();
        latencies.sort_by(f64::total_cmp);
        filled += 100;

        // Typing at this size.
        page.execute(START_TYPING_PROBE, json!([]))?;
        page.type_into("#chat-input", "The quick brown fox jumps over the lazy")?;
        let typing = page.execute(
            "window.__recording = false; window.__longObserver.disconnect();\
             return { frames: window.__frames, long: window.__long };",
            json!([]),
        )?;
        let mut frames: Vec<f64> = typing["frames"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).skip(1).collect())
            .unwrap_or_default();
        frames.sort_by(f64::total_cmp);
        page.type_into("#chat-input", "")?;

        let heap = heap_after_gc(&page)?;
        let wasm = page
            .execute(
                "return window.__wslabWasm ? window.__wslabWasm.memory.buffer.byteLength : null;",
                json!([]),
            )?
            .as_f64();
        let rows = page
            .execute(
                "return document.querySelectorAll('#chat-messages > *').length;",
                json!([]),
            )?
            .as_u64()
            .unwrap_or(0);
        if rows > 150 {
            bail!("{rows} message rows in the DOM at {target} lines (budget 150)");
        }
        let mb = |bytes: f64| format!("{:.1} MB", bytes / 1e6);
        println!(
            "{:>8} {:>9} {:>9.1} ms {:>9.1} ms {:>10.1} ms {:>11} {:>12} {:>12} {:>8.1} s",
            target,
            rows,
            percentile(&latencies, 50.0),
            percentile(&latencies, 95.0),
            percentile(&frames, 95.0),
            typing["long"].as_u64().unwrap_or(0),
            mb(heap),
            wasm.map(mb).unwrap_or_else(|| "n/a".into()),
            fill_time.as_secs_f64(),
        );
    }
    Ok(())
}

/// A browser session with the wasm exports captured, on `page` of the app.
fn open_app(driver: &ChromeDriver, url: &str) -> Result<Session> {
    let page = Session::start(driver, 1280, 900)?;
    page.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": CAPTURE_WASM }),
    )?;
    page.goto(url)?;
    Ok(page)
}

/// JS heap in use after a full GC, in bytes.
fn heap_after_gc(page: &Session) -> Result<f64> {
    page.cdp("HeapProfiler.collectGarbage", json!({}))?;
    let heap = page.cdp("Runtime.getHeapUsage", json!({}))?;
    Ok(heap["usedSize"].as_f64().unwrap_or(f64::NAN))
}

fn applied(page: &Session) -> Result<u64> {
    Ok(page
        .execute(
            "return Number(document.querySelector('#ticker-applied').textContent);",
            json!([]),
        )?
        .as_u64()
        .unwrap_or(0))
}

fn ticker() -> Result<()> {
    const SECONDS: u64 = 10;
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let page = open_app(&driver, &server.url("/#/ticker"))?;
    page.wait_for("the ticker to connect", |p| Ok(!p.disabled("#ticker-all")?))?;
    println!(
        "{:>7} {:>6} {:>10} {:>8} {:>11} {:>10} {:>12} {:>12} {:>10}",
        "rate",
        "fps",
        "frame p95",
        "> 20 ms",
        "long tasks",
        "applied/s",
        "heap before",
        "heap after",
        "wasm mem"
    );
    for rate in [1_000u32, 5_000, 10_000] {
        page.type_into("#ticker-rate-input", &rate.to_string())?;
        page.click("#ticker-rate-apply")?;
        page.wait_for("the reconnection", |p| {
            Ok(!p.disabled("#ticker-all")?
                && p.lines("#ticker-notices")?
                    .last()
                    .is_some_and(|l| l == "Connected to stock data stream"))
        })?;
        page.click("#ticker-all")?;
        page.wait_for("200 rows", |p| {
            Ok(p.execute(
                "return document.querySelectorAll('#ticker-table tbody tr').length;",
                json!([]),
            )?
            .as_u64()
                == Some(200))
        })?;
        // Warm up, then measure.
        std::thread::sleep(Duration::from_secs(1));
        let heap_before = heap_after_gc(&page)?;
        let applied_before = applied(&page)?;
        page.cdp("Performance.enable", json!({}))?;
        let metrics_before = metrics(&page)?;
        page.execute(START_TYPING_PROBE, json!([]))?;
        let started = Instant::now();
        std::thread::sleep(Duration::from_secs(SECONDS));
        let recorded = page.execute(
            "window.__recording = false; window.__longObserver.disconnect();\
             return { frames: window.__frames, long: window.__long };",
            json!([]),
        )?;
        let elapsed = started.elapsed().as_secs_f64();
        let metrics_after = metrics(&page)?;
        let busy = |name: &str| {
            (metrics_after.get(name).copied().unwrap_or(0.0)
                - metrics_before.get(name).copied().unwrap_or(0.0))
                / elapsed
                * 100.0
        };
        let breakdown = format!(
            "main thread busy {:.0}%: script {:.0}%, style {:.0}%, layout {:.0}%",
            busy("TaskDuration"),
            busy("ScriptDuration"),
            busy("RecalcStyleDuration"),
            busy("LayoutDuration")
        );
        let applied_per_second = (applied(&page)? - applied_before) as f64 / elapsed;
        let mut frames: Vec<f64> = recorded["frames"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).skip(1).collect())
            .unwrap_or_default();
        let fps = frames.len() as f64 / elapsed;
        // A frame over 20 ms missed at least one 60 Hz vsync.
        let late = frames.iter().filter(|f| **f > 20.0).count();
        frames.sort_by(f64::total_cmp);
        let heap_after = heap_after_gc(&page)?;
        let wasm = page
            .execute(
                "return window.__wslabWasm ? window.__wslabWasm.memory.buffer.byteLength : null;",
                json!([]),
            )?
            .as_f64();
        let mb = |bytes: f64| format!("{:.1} MB", bytes / 1e6);
        println!(
            "{:>7} {:>6.1} {:>7.1} ms {:>8} {:>11} {:>10.0} {:>12} {:>12} {:>10}",
            rate,
            fps,
            percentile(&frames, 95.0),
            late,
            recorded["long"].as_u64().unwrap_or(0),
            applied_per_second,
            mb(heap_before),
            mb(heap_after),
            wasm.map(mb).unwrap_or_else(|| "n/a".into()),
        );
        println!("        {breakdown}");
    }
    Ok(())
}

/// Chromium's cumulative main-thread timings (seconds), by name.
fn metrics(page: &Session) -> Result<std::collections::HashMap<String, f64>> {
    let reply = page.cdp("Performance.getMetrics", json!({}))?;
    Ok(reply["metrics"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|m| Some((m["name"].as_str()?.to_owned(), m["value"].as_f64()?)))
                .collect()
        })
        .unwrap_or_default())
}

fn recovery() -> Result<()> {
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let reliable = open_app(&driver, &server.url("/#/reliable"))?;
    let status = |p: &Session| p.text("#reliable-status");
    reliable.wait_for("the connection", |p| Ok(status(p)? == "open"))?;

    let mut drops = Vec::new();
    for socket in 2..=11 {
        let started = Instant::now();
        reliable.click("#fault-drop")?;
        let open_line = format!("socket #{socket} open");
        reliable.wait_for("the reconnection", |p| {
            Ok(p.lines("#reliable-log")?
                .iter()
                .any(|l| l.ends_with(&open_line)))
        })?;
        drops.push(started.elapsed().as_secs_f64() * 1000.0);
        // Stay up past the minimum uptime so each drop starts from the first delay.
        std::thread::sleep(Duration::from_millis(5_100));
        reliable.wait_for("open", |p| Ok(status(p)? == "open"))?;
    }
    drops.sort_by(f64::total_cmp);
    println!(
        "drop → open again (10 drops, the API reference's policy: first retry in 0.5–1 s): min {:.0} ms, p50 {:.0} ms, max {:.0} ms",
        drops[0],
        percentile(&drops, 50.0),
        drops[drops.len() - 1]
    );

    let chat = open_app(&driver, &server.url("/#/chat"))?;
    let ticker = open_app(&driver, &server.url("/#/ticker"))?;
    chat.wait_for("the chat", |p| {
        Ok(p.lines("#chat-messages")?
            .iter()
            .any(|l| l == "Connected to chat server"))
    })?;
    chat.type_into("#chat-username", "Bench")?;
    chat.click("#chat-join")?;
    let joined = "You joined general as Bench".to_owned();
    chat.wait_for("the join", |p| {
        Ok(p.lines("#chat-messages")?.contains(&joined))
    })?;
    ticker.wait_for("the ticker", |p| Ok(p.lines("#row_AAPL").is_ok()))?;

    let started = Instant::now();
    reliable.click("#fault-restart")?;
    let mut chat_back = None;
    let mut ticker_back = None;
    let mut closed_seen = false;
    let mut volume_at_reconnect: Option<String> = None;
    while chat_back.is_none() || ticker_back.is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            bail!("not recovered after 60 s");
        }
        if chat_back.is_none()
            && chat
                .lines("#chat-messages")?
                .iter()
                .filter(|l| **l == joined)
                .count()
                == 2
        {
            chat_back = Some(started.elapsed());
        }
        if ticker_back.is_none() {
            let notices = ticker.lines("#ticker-notices")?;
            closed_seen |= notices.iter().any(|n| n.contains("1012"));
            let reconnected = closed_seen
                && notices
                    .last()
                    .is_some_and(|n| n == "Connected to stock data stream");
            let volume = ticker.lines("#row_AAPL")?.get(3).cloned();
            match (&volume_at_reconnect, reconnected) {
                (None, true) => volume_at_reconnect = volume,
                (Some(then), true) if volume.as_ref() != Some(then) => {
                    ticker_back = Some(started.elapsed());
                }
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let seconds = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64());
    println!(
        "restart drill of 3 s → chat rejoined after {:.2} s, ticker updating again after {:.2} s",
        seconds(chat_back),
        seconds(ticker_back)
    );
    Ok(())
}

/// One row of a `bench socket` table: the six clients' figures, each crate client's beside
/// its JavaScript peer's ratio.
fn socket_row(inflight: u32, [js, bare, plain, reliable, js_json, json]: [f64; 6]) -> String {
    format!(
        "{inflight:>9}  {js:>9.0}  {bare:>15.0}  {:>5.2}×  {plain:>14.0}  {:>5.2}×  {reliable:>17.0}  {:>5.2}×  {js_json:>12.0}  {json:>13.0}  {:>5.2}×",
        bare / js,
        plain / js,
        reliable / js,
        json / js_json
    )
}

/// The lowest of the crate's three ratios to its JavaScript peer in one row.
fn lowest_crate_ratio([js, _, plain, reliable, js_json, json]: [f64; 6]) -> f64 {
    (plain / js).min(reliable / js).min(json / js_json)
}

/// CPU time so far of every Chromium renderer process, in seconds (user + system, all
/// threads, from `/proc`): where the page's JavaScript and wasm run. Zero where there is no
/// `/proc`. (This kernel keeps no `schedstat`, so clock ticks of 10 ms it is: a run of the
/// table takes tens of them.)
fn renderer_cpu() -> f64 {
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    processes
        .flatten()
        .filter_map(|process| {
            let pid = process.file_name().to_str()?.parse::<u32>().ok()?;
            let cmdline = std::fs::read(process.path().join("cmdline")).ok()?;
            // Chromium rewrites its process title: the arguments are one string.
            let renderer = cmdline
                .split(|b| *b == 0 || *b == b' ')
                .any(|arg| arg == b"--type=renderer");
            renderer.then(|| wslab_e2e::cpu_seconds(pid).ok()).flatten()
        })
        .sum()
}

/// Frames in flight, round trips per run, and rounds (each client runs once per round, the
/// clients taking turns, each round starting with the next; the median of its runs is
/// reported). A run takes a second or less:
/// one run moves ±15 % on this shared machine (the browser's processes, the server and the
/// bench on two cores), so the rounds are many and short. With 1 in flight a round trip is
/// mostly waiting for the other processes, and noisier than with 64.
const SOCKET_RUNS: [(u32, u32, usize); 2] = [(1, 2_000, 15), (64, 20_000, 9)];

/// The plain JavaScript client: the same echo loop as the crate's, on the same page. With
/// `json`, each frame is `JSON.stringify({seq, text})` and each echo goes through
/// `JSON.parse`, as the crate's JSON mode does with serde.
const JS_ROUND_TRIPS: &str = "const [url, json, inflight, count, done] = arguments;\
    const payload = 'wslab-socket round trip 32 bytes';\
    const ws = new WebSocket(url); let sent = 0, received = 0, started = 0;\
    const send = () => { ws.send(json ? JSON.stringify({ seq: sent, text: 'round trip' }) : payload); sent++; };\
    ws.onopen = () => { started = performance.now();\
      while (sent < Math.min(inflight, count)) send(); };\
    ws.onmessage = (e) => { if (json && typeof JSON.parse(e.data).seq !== 'number') { done('bad echo'); return; }\
      received++;\
      if (received === count) { const ms = performance.now() - started; ws.close(1000); done(ms); }\
      else if (sent < count) send(); };\
    ws.onclose = (e) => { if (received < count) done('closed: ' + e.code); };";

/// The crate's clients, through the bench page's export.
const CRATE_ROUND_TRIPS: &str = "const [url, mode, inflight, count, done] = arguments;\
    window.wasmBindings.round_trips(url, mode, inflight, count).then(done, e => done(String(e)));";

/// The reference without the crate: the bench page's web-sys client.
const BARE_ROUND_TRIPS: &str = "const [url, inflight, count, done] = arguments;\
    window.wasmBindings.bare_round_trips(url, inflight, count).then(done, e => done(String(e)));";

/// `wslab-bench socket`: echo round trips per second in headless Chromium, through
/// wslab-socket (plain and reliable sockets, and plain with the `Json` codec) beside a
/// plain JavaScript `WebSocket` on the same page and the same server (raw frames, and
/// `JSON.stringify` / `JSON.parse` for the JSON row), with 1 and with 64 frames in flight.
fn socket() -> Result<()> {
    let dist = std::env::var_os("WSLAB_SOCKET_BENCH_DIST")
        .context("WSLAB_SOCKET_BENCH_DIST is not set: run `cargo xtask bench socket`")?;
    let server = AppServer::start_with(Config {
        dist: Some(dist.into()),
        // The clients send as fast as echoes come back: far over the default 1,000
        // messages per second, which would close them with 1008.
        limits: wslab_server::Limits {
            message_rate: None,
            ..wslab_server::Limits::default()
        },
        ..Config::default()
    })?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 800, 600)?;
    page.goto(&server.url("/"))?;
    page.wait_for("the bench page's wasm", |p| {
        Ok(
            p.execute("return typeof window.wasmBindings?.round_trips;", json!([]))?
                == json!("function"),
        )
    })?;
    let url = format!("ws://{}/echo", server.addr);
    // One run: round trips per second, and per CPU-second of the page's renderer.
    let run = |client: &str, inflight: u32, count: u32| -> Result<(f64, f64)> {
        let cpu_before = renderer_cpu();
        let value = match client {
            "js" => page.execute_async(JS_ROUND_TRIPS, json!([url, false, inflight, count]))?,
            "js-json" => page.execute_async(JS_ROUND_TRIPS, json!([url, true, inflight, count]))?,
            "bare" => page.execute_async(BARE_ROUND_TRIPS, json!([url, inflight, count]))?,
            mode => page.execute_async(CRATE_ROUND_TRIPS, json!([url, mode, inflight, count]))?,
        };
        let cpu = renderer_cpu() - cpu_before;
        let ms = value
            .as_f64()
            .with_context(|| format!("{client} with {inflight} in flight: {value}"))?;
        Ok((f64::from(count) * 1000.0 / ms, f64::from(count) / cpu))
    };
    const CLIENTS: [&str; 6] = ["js", "bare", "plain", "reliable", "js-json", "json"];
    // Warm up each client (JIT, wasm tiering) before anything is counted.
    for client in CLIENTS {
        run(client, 64, 5_000)?;
    }
    let mut worst = f64::INFINITY;
    let mut worst_cpu = f64::INFINITY;
    let mut tables = [Vec::new(), Vec::new()];
    let mut spreads = Vec::new();
    for (inflight, count, rounds) in SOCKET_RUNS {
        let mut rates: [Vec<f64>; 6] = Default::default();
        let mut cpu_rates: [Vec<f64>; 6] = Default::default();
        for round in 0..rounds {
            // Each round starts with the next client, so none always runs first or right
            // after the same other one.
            for turn in 0..CLIENTS.len() {
                let i = (round + turn) % CLIENTS.len();
                let (rate, cpu_rate) = run(CLIENTS[i], inflight, count)?;
                rates[i].push(rate);
                cpu_rates[i].push(cpu_rate);
            }
        }
        for r in rates.iter_mut().chain(&mut cpu_rates) {
            r.sort_by(f64::total_cmp);
        }
        // The middle half of each client's runs, as ± % of its median.
        let spread = |runs: &[Vec<f64>; 6]| {
            runs.each_ref().map(|r| {
                let median = percentile(r, 50.0);
                (percentile(r, 75.0) - percentile(r, 25.0)) / 2.0 / median * 100.0
            })
        };
        spreads.push((inflight, rounds, spread(&rates), spread(&cpu_rates)));
        let medians = rates.each_ref().map(|r| percentile(r, 50.0));
        let cpu_medians = cpu_rates.each_ref().map(|r| percentile(r, 50.0));
        worst = worst.min(lowest_crate_ratio(medians));
        worst_cpu = worst_cpu.min(lowest_crate_ratio(cpu_medians));
        tables[0].push(socket_row(inflight, medians));
        tables[1].push(socket_row(inflight, cpu_medians));
    }
    let header = format!(
        "{:>9}  {:>9}  {:>15}  {:>6}  {:>14}  {:>6}  {:>17}  {:>6}  {:>12}  {:>13}  {:>6}",
        "in flight",
        "plain JS",
        "wasm, no crate",
        "ratio",
        "crate, plain",
        "ratio",
        "crate, reliable",
        "ratio",
        "JS + JSON",
        "crate, Json",
        "ratio"
    );
    println!(
        "echo round trips per second: 32-byte text frames, headless Chromium → wslab-server /echo \
         on loopback, median of each client's runs, the clients taking turns"
    );
    println!("{header}");
    for row in &tables[0] {
        println!("{row}");
    }
    println!(
        "round trips per CPU-second of the page's renderer process (all its threads, from \
         /proc: what the client costs, whatever else the two cores are doing), same runs"
    );
    println!("{header}");
    for row in &tables[1] {
        println!("{row}");
    }
    for (inflight, rounds, spread, cpu_spread) in spreads {
        let show = |[js, bare, plain, reliable, js_json, json]: [f64; 6]| {
            format!(
                "JS {js:.1} %, bare {bare:.1} %, plain {plain:.1} %, reliable {reliable:.1} %, \
                 JS + JSON {js_json:.1} %, Json {json:.1} %"
            )
        };
        println!(
            "spread with {inflight} in flight ({rounds} runs each; half the runs within ± this of \
             the median): per second {}; per CPU-second {}",
            show(spread),
            show(cpu_spread)
        );
    }
    println!(
        "goal: the crate at ≥ 0.9× plain JavaScript: {} (lowest {worst:.3}×; per renderer \
         CPU-second, lowest {worst_cpu:.3}×)",
        if worst >= 0.9 { "met" } else { "not met" }
    );
    Ok(())
}
