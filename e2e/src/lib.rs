//! End-to-end harness: wslab-server serving the built app, ChromeDriver, and a small
//! WebDriver client (the W3C protocol over HTTP on loopback) to drive headless Chromium.
//!
//! The tests in `tests/` need the release build in `dist/` (or `WSLAB_DIST`) and Debian's
//! `chromium` + `chromium-driver`; `cargo xtask test` provides all three.

pub mod cluster;
pub mod peer;

use std::{
    io::{BufRead, BufReader},
    net::{SocketAddr, TcpListener},
    path::PathBuf,
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use base64::Engine;
use serde_json::{Value, json};

/// Upper bound for one wait.
pub const WAIT: Duration = Duration::from_secs(15);

/// The W3C WebDriver key of an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// WebDriver's code for the Tab key (for [`Session::press`]).
pub const TAB: &str = "\u{E004}";
/// WebDriver's code for the Enter key.
pub const ENTER: &str = "\u{E007}";
/// WebDriver's code for the Shift key (held down with the next keys of a chord).
pub const SHIFT: &str = "\u{E008}";
/// WebDriver's code for the right arrow key.
pub const ARROW_RIGHT: &str = "\u{E014}";

/// User + system CPU time of process `pid` so far, in seconds (`/proc/PID/stat`, in clock
/// ticks of `getconf CLK_TCK`).
pub fn cpu_seconds(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("read /proc/{pid}/stat (has the server exited?)"))?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let after = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .context("unexpected /proc/PID/stat")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = |i: usize| -> Result<f64> {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .context("no CPU times in /proc/PID/stat")
    };
    Ok((ticks(11)? + ticks(12)?) / clock_ticks())
}

/// Clock ticks per second (`getconf CLK_TCK`, asked once; 100 if it cannot be asked).
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse::<f64>().ok())
            .filter(|ticks| *ticks > 0.0)
            .unwrap_or(100.0)
    })
}

/// The built app to serve: `WSLAB_DIST`, else `dist/` at the workspace root.
pub fn dist_dir() -> Result<PathBuf> {
    let dist = std::env::var_os("WSLAB_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist"));
    if !dist.join("index.html").is_file() {
        bail!(
            "no built app in {}: run `cargo xtask test` (it builds it), or `trunk build --release`",
            dist.display()
        );
    }
    Ok(dist)
}

/// wslab-server on 127.0.0.1, port 0, in its own runtime thread; stopped on drop.
///
/// With `WSLAB_E2E_SERVER=host:port` the tests use that running server instead (for
/// example the one `cargo xtask serve` started) and start none.
pub struct AppServer {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl AppServer {
    /// Starts the server with the built app.
    pub fn start() -> Result<Self> {
        Self::start_with(wslab_server::Config::default())
    }

    /// Starts the server with `config`; without a `dist` of its own, it serves the built app.
    pub fn start_with(config: wslab_server::Config) -> Result<Self> {
        if let Ok(running) = std::env::var("WSLAB_E2E_SERVER") {
            let addr = running
                .parse()
                .with_context(|| format!("WSLAB_E2E_SERVER={running:?} is not host:port"))?;
            return Ok(Self {
                addr,
                stop: None,
                thread: None,
            });
        }
        let dist = match config.dist.clone() {
            Some(dist) => dist,
            None => dist_dir()?,
        };
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        Ok(Self::spawn(addr, move |stopped| async move {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            let config = wslab_server::Config {
                dist: Some(dist),
                ..config
            };
            wslab_server::serve(listener, config, async move {
                let _ = stopped.await;
            })
            .await
        }))
    }

    /// Runs `serve` on a runtime thread of its own; it gets the stop signal as a future.
    fn spawn<F, Fut>(addr: SocketAddr, serve: F) -> Self
    where
        F: FnOnce(tokio::sync::oneshot::Receiver<()>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = std::io::Result<()>>,
    {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build();
            match runtime {
                Ok(runtime) => {
                    if let Err(error) = runtime.block_on(serve(stopped)) {
                        eprintln!("e2e server on {addr} failed: {error}");
                    }
                }
                Err(error) => eprintln!("e2e server on {addr}: no tokio runtime: {error}"),
            }
        });
        Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://ADDR/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for AppServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A plain static file server, standing in for GitHub Pages: serves the sub-path build
/// (`WSLAB_PAGES_DIST`, built with `--public-url /wslab/`) under `/wslab/` and nothing else.
pub struct StaticHost {
    /// Where it listens.
    pub addr: SocketAddr,
    _server: AppServer,
}

impl StaticHost {
    /// Starts it on a free port.
    pub fn start() -> Result<Self> {
        let dist = std::env::var_os("WSLAB_PAGES_DIST")
            .map(PathBuf::from)
            .context("WSLAB_PAGES_DIST is not set: run `cargo xtask test`, which builds it")?;
        if !dist.join("index.html").is_file() {
            bail!("no sub-path build in {}", dist.display());
        }
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let router = axum::Router::new().nest_service(
            "/wslab",
            tower_http::services::ServeDir::new(dist).append_index_html_on_directories(true),
        );
        let server = AppServer::spawn(addr, move |stopped| async move {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Self {
            addr,
            _server: server,
        })
    }
}

/// A ChromeDriver process on a free loopback port; killed on drop.
pub struct ChromeDriver {
    child: Child,
    port: u16,
}

impl ChromeDriver {
    /// Starts `CHROMEDRIVER` (default `/usr/bin/chromedriver`) on a port of its own choosing
    /// and waits until it says which.
    ///
    /// Picking a free port here and handing it over would race: between our probe and
    /// ChromeDriver's bind, another test's Chromium may take the port, and the session
    /// request then reaches nothing. With `--port=0` the port is bound before it is named.
    ///
    /// On a loaded machine ChromeDriver has once not announced its port within [`WAIT`]
    /// (one run in many, all its output then unseen): a silent one is killed and started
    /// again, three tries in all.
    pub fn start() -> Result<Self> {
        let mut last = None;
        for _ in 0..3 {
            match Self::start_once() {
                Ok(driver) => return Ok(driver),
                Err(error) => {
                    eprintln!("e2e: {error:#}; starting it again");
                    last = Some(error);
                }
            }
        }
        Err(last.unwrap_or_else(|| anyhow::anyhow!("chromedriver did not start")))
    }

    fn start_once() -> Result<Self> {
        let program =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let mut child = Command::new(&program)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {program}: install chromium-driver"))?;
        let stdout = child
            .stdout
            .take()
            .context("chromedriver's stdout was not captured")?;
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        // Reads the announcement, then keeps draining so ChromeDriver never blocks on a
        // full pipe; ends when ChromeDriver exits.
        thread::spawn(move || {
            let mut announced = false;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if !announced && let Some(port) = announced_port(&line) {
                    announced = true;
                    let _ = port_tx.send(port);
                }
            }
        });
        match port_rx.recv_timeout(WAIT) {
            Ok(port) => Ok(Self { child, port }),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                bail!("{program} did not say which port it listens on within {WAIT:?}")
            }
        }
    }
}

/// The port in ChromeDriver's "… started successfully on port N." line.
fn announced_port(line: &str) -> Option<u16> {
    let (_, rest) = line.split_once("started successfully on port ")?;
    rest.trim_end().trim_end_matches('.').parse().ok()
}

impl Drop for ChromeDriver {
    /// Asks ChromeDriver to shut down first, which also quits any browser a failed session
    /// end left running (killing ChromeDriver alone would orphan it), then makes sure.
    fn drop(&mut self) {
        let http: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .into();
        let _ = http
            .get(format!("http://127.0.0.1:{}/shutdown", self.port))
            .call();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One headless Chromium session.
pub struct Session {
    http: ureq::Agent,
    base: String,
    _profile: TempDir,
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Session {
    /// A new Chromium window of `width` × `height` CSS pixels, with a fresh profile.
    pub fn start(driver: &ChromeDriver, width: u32, height: u32) -> Result<Self> {
        let http: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        static SESSIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let profile = std::env::temp_dir().join(format!(
            "wslab-e2e-profile-{}-{}-{}",
            std::process::id(),
            driver.port,
            SESSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let profile_arg = format!("--user-data-dir={}", profile.display());
        let window = format!("--window-size={width},{height}");
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:loggingPrefs": { "browser": "ALL" },
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", "--disable-quic",
                        "--disable-features=Translate,OptimizationHints,MediaRouter,BackForwardCache",
                        window, profile_arg,
                    ]
                }
            }}
        });
        // Removed on drop from here on, also if the session request fails after Chromium
        // made the directory.
        let profile = TempDir(profile);
        let root = format!("http://127.0.0.1:{}", driver.port);
        let reply = call(
            &http,
            "POST",
            &format!("{root}/session"),
            Some(capabilities),
        )?;
        let id = reply["sessionId"]
            .as_str()
            .context("no sessionId in the new-session reply")?;
        Ok(Self {
            http,
            base: format!("{root}/session/{id}"),
            _profile: profile,
        })
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        call(&self.http, method, &format!("{}{path}", self.base), body)
    }

    /// Navigates and waits for the load.
    pub fn goto(&self, url: &str) -> Result<()> {
        self.cmd("POST", "/url", Some(json!({ "url": url })))
            .map(drop)
    }

    fn element(&self, css: &str) -> Result<String> {
        let found = self.cmd(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": css })),
        )?;
        found[ELEMENT_KEY]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("no element matches {css}"))
    }

    /// Clicks the element.
    pub fn click(&self, css: &str) -> Result<()> {
        let id = self.element(css)?;
        self.cmd("POST", &format!("/element/{id}/click"), Some(json!({})))
            .map(drop)
    }

    /// Clears an input and types `text` into it.
    pub fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let id = self.element(css)?;
        self.cmd("POST", &format!("/element/{id}/clear"), Some(json!({})))?;
        self.cmd(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        )
        .map(drop)
    }

    /// Whether the element is disabled.
    pub fn disabled(&self, css: &str) -> Result<bool> {
        let id = self.element(css)?;
        Ok(
            self.cmd("GET", &format!("/element/{id}/property/disabled"), None)?
                == Value::Bool(true),
        )
    }

    /// An input's current value.
    pub fn value(&self, css: &str) -> Result<String> {
        self.string_of(css, "property/value")
    }

    /// The text of the element matching `css`.
    pub fn text(&self, css: &str) -> Result<String> {
        self.string_of(css, "text")
    }

    /// A string the WebDriver reports at `/element/{id}/{what}` for the element matching
    /// `css` (empty if it is not a string).
    fn string_of(&self, css: &str, what: &str) -> Result<String> {
        let id = self.element(css)?;
        Ok(self
            .cmd("GET", &format!("/element/{id}/{what}"), None)?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// The texts of the children of the element matching `css`.
    pub fn lines(&self, css: &str) -> Result<Vec<String>> {
        let value = self.execute(
            "const el = document.querySelector(arguments[0]);\
             return el ? Array.from(el.children, c => c.textContent) : null;",
            json!([css]),
        )?;
        let lines = value
            .as_array()
            .with_context(|| format!("no element matches {css}"))?;
        Ok(lines
            .iter()
            .map(|l| l.as_str().unwrap_or_default().to_owned())
            .collect())
    }

    /// How many children of the element matching `css` have exactly `text`.
    pub fn count_lines(&self, css: &str, text: &str) -> Result<usize> {
        Ok(self.lines(css)?.iter().filter(|l| *l == text).count())
    }

    /// Runs a script in the page and returns its value.
    pub fn execute(&self, script: &str, args: Value) -> Result<Value> {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Runs an asynchronous script: its last argument is the callback that ends it with a
    /// value (WebDriver's script timeout applies).
    pub fn execute_async(&self, script: &str, args: Value) -> Result<Value> {
        self.cmd(
            "POST",
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Presses and releases each key in turn, as real keyboard input (`TAB`, `ENTER`, or
    /// text, one character at a time).
    pub fn press(&self, keys: &[&str]) -> Result<()> {
        let mut actions = Vec::new();
        for key in keys {
            for c in key.chars() {
                actions.push(json!({ "type": "keyDown", "value": c.to_string() }));
                actions.push(json!({ "type": "keyUp", "value": c.to_string() }));
            }
        }
        self.key_actions(json!(actions))
    }

    /// Shift+Tab: the focus goes one step back.
    pub fn shift_tab(&self) -> Result<()> {
        let actions = json!([
            { "type": "keyDown", "value": SHIFT },
            { "type": "keyDown", "value": TAB },
            { "type": "keyUp", "value": TAB },
            { "type": "keyUp", "value": SHIFT },
        ]);
        self.key_actions(actions)
    }

    /// Performs a sequence of keyboard actions, then releases every key.
    fn key_actions(&self, actions: Value) -> Result<()> {
        self.cmd(
            "POST",
            "/actions",
            Some(json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] })),
        )?;
        self.cmd("DELETE", "/actions", None).map(drop)
    }

    /// The `id` of the focused element (empty if it has none, or nothing is focused).
    pub fn focused_id(&self) -> Result<String> {
        Ok(self
            .execute(
                "return document.activeElement ? document.activeElement.id : '';",
                json!([]),
            )?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// Presses Tab until the element with `id` has the focus, at most `max` times; fails
    /// saying where the focus went if it never gets there.
    pub fn tab_to(&self, id: &str, max: usize) -> Result<()> {
        let mut visited = Vec::new();
        for _ in 0..max {
            self.press(&[TAB])?;
            let now = self.focused_id()?;
            if now == id {
                return Ok(());
            }
            visited.push(now);
        }
        bail!("#{id} not reached with {max} Tabs; the focus went through {visited:?}")
    }

    /// Emulates a viewport of `width` × `height` CSS pixels and a light or dark
    /// `prefers-color-scheme` (both stay for the session's later pages).
    pub fn emulate(&self, width: u32, height: u32, dark: bool) -> Result<()> {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        )?;
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [
                { "name": "prefers-color-scheme", "value": if dark { "dark" } else { "light" } }
            ] }),
        )
        .map(drop)
    }

    /// Saves a PNG of the whole page (beyond the viewport), at most `max_height` CSS pixels
    /// tall.
    pub fn full_screenshot(&self, path: &std::path::Path, max_height: f64) -> Result<()> {
        let metrics = self.cdp("Page.getLayoutMetrics", json!({}))?;
        let size = &metrics["cssContentSize"];
        // Captured beyond the viewport, the page has no vertical scrollbar and is laid out
        // at the window's full width, wider than the content size measured with one.
        let inner = self
            .execute("return window.innerWidth;", json!([]))?
            .as_f64()
            .unwrap_or_default();
        let width = size["width"]
            .as_f64()
            .context("no content width")?
            .max(inner);
        let height = size["height"]
            .as_f64()
            .context("no content height")?
            .min(max_height);
        // Rows out of view skip rendering (`content-visibility: auto`), so a capture beyond
        // the viewport would show them blank where a reader scrolling there sees them drawn:
        // they are drawn for the capture, and the page's own style is back afterwards.
        self.execute(
            "const s = document.createElement('style'); s.id = 'wslab-capture'; \
             s.textContent = '* { content-visibility: visible !important; }'; \
             document.head.append(s);",
            json!([]),
        )?;
        let shot = self.cdp(
            "Page.captureScreenshot",
            json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 }
            }),
        );
        self.execute(
            "document.getElementById('wslab-capture')?.remove();",
            json!([]),
        )?;
        let shot = shot?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().context("screenshot has no data")?)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, png)?;
        Ok(())
    }

    /// Waits until `condition` holds, polling; an error (say, the element is not rendered
    /// yet) counts as "not yet". Fails after [`WAIT`] saying what it waited for.
    pub fn wait_for(&self, what: &str, condition: impl Fn(&Self) -> Result<bool>) -> Result<()> {
        self.wait_for_within(what, WAIT, condition)
    }

    /// [`Session::wait_for`] with its own limit, for what takes longer by design (say, a
    /// reconnect schedule's worst case).
    pub fn wait_for_within(
        &self,
        what: &str,
        limit: Duration,
        condition: impl Fn(&Self) -> Result<bool>,
    ) -> Result<()> {
        let deadline = Instant::now() + limit;
        loop {
            let last = match condition(self) {
                Ok(true) => return Ok(()),
                Ok(false) => String::from("condition false"),
                Err(error) => format!("{error:#}"),
            };
            if Instant::now() > deadline {
                bail!("timed out after {limit:?} waiting for: {what} (last: {last})");
            }
            thread::sleep(Duration::from_millis(25));
        }
    }

    /// Saves a PNG screenshot of the viewport.
    pub fn screenshot(&self, path: &std::path::Path) -> Result<()> {
        let data = self.cmd("GET", "/screenshot", None)?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().context("screenshot is not a string")?)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, png)?;
        Ok(())
    }

    /// Saves a PNG of the viewport with the live demo (`#demo`) scrolled to its top, below
    /// the page's explanation.
    pub fn demo_screenshot(&self, path: &std::path::Path) -> Result<()> {
        self.execute(
            "const demo = document.getElementById('demo'); if (demo) demo.scrollIntoView();",
            json!([]),
        )?;
        self.screenshot(path)
    }

    /// A Chrome DevTools Protocol command through ChromeDriver.
    pub fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        self.cmd(
            "POST",
            "/goog/cdp/execute",
            Some(json!({ "cmd": cmd, "params": params })),
        )
    }

    /// Console messages of level SEVERE (errors) since the last call.
    pub fn console_errors(&self) -> Result<Vec<String>> {
        let entries = self.cmd("POST", "/se/log", Some(json!({ "type": "browser" })))?;
        Ok(entries
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e["level"] == "SEVERE")
                    .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = call(&self.http, "DELETE", &self.base, None);
    }
}

/// One WebDriver command; returns the reply's `value`, or the WebDriver error as an error.
fn call(http: &ureq::Agent, method: &str, url: &str, body: Option<Value>) -> Result<Value> {
    let response = match (method, body) {
        ("GET", _) => http.get(url).call(),
        ("DELETE", _) => http.delete(url).call(),
        (_, Some(body)) => http.post(url).send_json(body),
        (_, None) => http.post(url).send_empty(),
    }
    .with_context(|| format!("{method} {url}"))?;
    let status = response.status();
    let reply: Value = response
        .into_body()
        .read_json()
        .with_context(|| format!("{method} {url}: reply is not JSON"))?;
    let value = reply.get("value").cloned().unwrap_or(Value::Null);
    if !status.is_success() {
        bail!(
            "{method} {url}: {} {}",
            value["error"].as_str().unwrap_or("error"),
            value["message"].as_str().unwrap_or_default()
        );
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::announced_port;

    #[test]
    fn chromedrivers_announcement_names_the_port() {
        assert_eq!(
            announced_port("ChromeDriver was started successfully on port 32951."),
            Some(32951)
        );
        assert_eq!(
            announced_port("Starting ChromeDriver 156.0 on port 0"),
            None
        );
        assert_eq!(announced_port("Only local connections are allowed."), None);
    }
}
