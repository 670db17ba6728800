//! Several servers on one Redis, behind nginx, each its own OS process, for the cluster
//! tests and `bench cluster`: [`Redis`] on a Unix socket in a directory of its own,
//! [`ServerProcess`]es of the `wslab-server` binary that announce their port, and [`Nginx`]
//! running `deploy/nginx.conf` in front of them. Every child is killed when dropped.

use std::{
    io::{BufRead, BufReader, Read},
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

/// Upper bound for any one wait here.
pub const WAIT: Duration = Duration::from_secs(20);

/// A fresh directory under the system temp dir for one test.
pub fn scratch(name: &str) -> Result<PathBuf> {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // Short: a Unix socket's path may be at most 107 bytes.
    let dir = std::env::temp_dir().join(format!("wsl-{name}-{}-{call}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    Ok(dir)
}

/// Polls `condition` until it holds, failing after `timeout`.
pub fn wait_until(
    what: &str,
    timeout: Duration,
    mut condition: impl FnMut() -> bool,
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    while !condition() {
        if Instant::now() > deadline {
            bail!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// A child process killed (SIGKILL) when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `redis-server` on a Unix socket only (no port to race for).
pub struct Redis {
    dir: PathBuf,
    persist: bool,
    child: Option<Killed>,
}

impl Redis {
    /// Starts Redis in `dir`. With `persist`, every write is kept on disk (append-only
    /// file, fsync always), so a restart keeps the data; without, a restart loses it.
    ///
    /// # Errors
    /// When `redis-server` is missing or does not come up.
    pub fn start(dir: &Path, persist: bool) -> Result<Self> {
        let mut redis = Self {
            dir: dir.to_owned(),
            persist,
            child: None,
        };
        redis.restart()?;
        Ok(redis)
    }

    /// The socket's path.
    pub fn socket(&self) -> PathBuf {
        self.dir.join("redis.sock")
    }

    /// The URL servers get as `--broker`.
    pub fn url(&self) -> String {
        format!("redis+unix://{}", self.socket().display())
    }

    /// Stops Redis (SIGKILL: as a crash would).
    pub fn stop(&mut self) {
        self.child = None;
        let _ = std::fs::remove_file(self.socket());
    }

    /// Starts it again (after [`Redis::stop`]), on the same socket.
    ///
    /// # Errors
    /// As [`Redis::start`].
    pub fn restart(&mut self) -> Result<()> {
        self.stop();
        let mut command = Command::new("redis-server");
        command
            .args(["--port", "0", "--unixsocket"])
            .arg(self.socket())
            .args(["--save", "", "--dir"])
            .arg(&self.dir)
            .args(["--logfile", "redis.log"]);
        if self.persist {
            command.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            command.args(["--appendonly", "no"]);
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context(
                "start redis-server (Debian's redis-server; `cargo xtask test` installs it)",
            )?;
        self.child = Some(Killed(child));
        let socket = self.socket();
        wait_until("redis-server's socket", WAIT, || {
            std::os::unix::net::UnixStream::connect(&socket).is_ok()
        })
    }

    /// Runs one command with `redis-cli` and returns its output.
    ///
    /// # Errors
    /// When `redis-cli` fails.
    pub fn cli(&self, args: &[&str]) -> Result<String> {
        let out = Command::new("redis-cli")
            .arg("-s")
            .arg(self.socket())
            .args(args)
            .output()
            .context("run redis-cli")?;
        if !out.status.success() {
            bail!(
                "redis-cli {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }
}

/// The `wslab-server` binary: `WSLAB_SERVER_BIN`, or next to the test's own target dir.
///
/// # Errors
/// When it is not there (build it with `cargo build -p wslab-server`).
pub fn server_bin() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("WSLAB_SERVER_BIN") {
        return Ok(path.into());
    }
    // target/<profile>/deps/<test> → target/<profile>/wslab-server
    let exe = std::env::current_exe().context("own path")?;
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("wslab-server"))
        .context("target directory")?;
    if !bin.exists() {
        bail!(
            "{} is missing: run `cargo build -p wslab-server` (cargo xtask test does)",
            bin.display()
        );
    }
    Ok(bin)
}

/// One `wslab-server` process.
pub struct ServerProcess {
    /// Where it listens.
    pub addr: SocketAddr,
    child: Option<Killed>,
    log: PathBuf,
}

impl ServerProcess {
    /// Starts `wslab-server --addr 127.0.0.1:0 ARGS…` and reads the port it announces; its
    /// log goes to `log`.
    ///
    /// # Errors
    /// When it does not start or announce its address.
    pub fn start(args: &[String], log: &Path) -> Result<Self> {
        let mut child = Command::new(server_bin()?)
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).context("server log")?)
            .spawn()
            .context("start wslab-server")?;
        let stdout = child.stdout.take().context("stdout")?;
        let child = Killed(child);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout);
            let mut first = String::new();
            let _ = lines.read_line(&mut first);
            let _ = tx.send(first);
            // Keep draining, so the child never blocks on a full pipe.
            let _ = std::io::copy(&mut lines.take(u64::MAX), &mut std::io::sink());
        });
        let line = rx
            .recv_timeout(WAIT)
            .context("wslab-server announced no address")?;
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .and_then(|a| a.parse().ok())
            .with_context(|| format!("unexpected first line {line:?}"))?;
        Ok(Self {
            addr,
            child: Some(child),
            log: log.to_owned(),
        })
    }

    /// `ws://ADDR/path`.
    pub fn ws(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    /// Its process id (0 once killed).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, |child| child.0.id())
    }

    /// `GET /healthz`'s status (0 when it cannot be reached).
    pub fn health(&self) -> u16 {
        health(self.addr)
    }

    /// Waits until `/healthz` answers `status`.
    ///
    /// # Errors
    /// After [`WAIT`].
    pub fn wait_health(&self, status: u16) -> Result<()> {
        wait_until(&format!("/healthz {status} on {}", self.addr), WAIT, || {
            self.health() == status
        })
        .with_context(|| self.log_tail())
    }

    /// `kill -9`.
    pub fn kill9(&mut self) {
        self.child = None;
    }

    /// The end of its log, for a failure's message.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Its whole log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// `GET /healthz` on `addr`: the status, or 0 when it cannot be reached.
pub fn health(addr: SocketAddr) -> u16 {
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(2)))
        .http_status_as_error(false)
        .build()
        .new_agent();
    agent
        .get(format!("http://{addr}/healthz"))
        .call()
        .map_or(0, |response| response.status().as_u16())
}

/// nginx running `deploy/nginx.conf` in front of some servers.
pub struct Nginx {
    /// Where it listens.
    pub addr: SocketAddr,
    _child: Killed,
}

impl Nginx {
    /// Runs the repository's `deploy/nginx.conf` from `dir`, its upstreams replaced by
    /// `servers` and its `listen` by a free loopback port (retried if another process takes
    /// that port first).
    ///
    /// # Errors
    /// When nginx is missing, the config is not as expected, or nginx does not come up.
    pub fn start(dir: &Path, servers: &[SocketAddr]) -> Result<Self> {
        let template = std::fs::read_to_string(deploy_conf())?;
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            let conf = for_test(&template, port, servers)?;
            let path = dir.join("nginx.conf");
            std::fs::write(&path, conf)?;
            let mut child = Command::new(nginx_bin())
                .arg("-p")
                .arg(dir)
                .arg("-c")
                .arg(&path)
                // One process, no workers: killing it when the test ends leaves nothing
                // behind (a killed master would orphan its workers, still listening).
                .args(["-g", "daemon off; master_process off;"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .context("start nginx (Debian's nginx-light; `cargo xtask test` installs it)")?;
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let up = wait_until("nginx to listen", WAIT, || {
                matches!(child.try_wait(), Ok(Some(_)))
                    || std::net::TcpStream::connect(addr).is_ok()
            });
            match child.try_wait() {
                Ok(None) if up.is_ok() => {
                    return Ok(Self {
                        addr,
                        _child: Killed(child),
                    });
                }
                _ => {
                    let mut err = String::new();
                    if let Some(mut stderr) = child.stderr.take() {
                        let _ = stderr.read_to_string(&mut err);
                    }
                    let _ = child.kill();
                    let _ = child.wait();
                    if !err.contains("Address already in use") {
                        bail!("nginx did not start: {err}");
                    }
                }
            }
        }
        bail!("nginx found no free port in 5 tries")
    }

    /// `ws://ADDR/path`.
    pub fn ws(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }
}

/// The repository's `deploy/nginx.conf`.
pub fn deploy_conf() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/nginx.conf")
}

fn nginx_bin() -> &'static str {
    if Path::new("/usr/sbin/nginx").exists() {
        "/usr/sbin/nginx"
    } else {
        "nginx"
    }
}

/// `template` with the test's port, upstreams and directory: every line between the
/// `# servers:begin` and `# servers:end` markers becomes one `server` line per address,
/// and the `listen` line takes `port`.
fn for_test(template: &str, port: u16, servers: &[SocketAddr]) -> Result<String> {
    let mut out = String::new();
    let mut inside = false;
    let mut listens = 0;
    for line in template.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("# servers:begin") {
            inside = true;
            out.push_str(line);
            out.push('\n');
            for server in servers {
                out.push_str(&format!(
                    "        server {server} max_fails=1 fail_timeout=10s;\n"
                ));
            }
            continue;
        }
        if trimmed.starts_with("# servers:end") {
            inside = false;
        } else if inside {
            continue;
        }
        if trimmed.starts_with("listen ") {
            listens += 1;
            out.push_str(&format!("        listen 127.0.0.1:{port};\n"));
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    if listens != 1 {
        bail!("deploy/nginx.conf should have one listen line, has {listens}");
    }
    // Every path in it is relative: under `-p dir`, everything nginx writes stays there.
    Ok(out)
}

/// The WebSockets a server holds now, from its `/healthz` (`None` when it does not answer).
pub fn connections(addr: SocketAddr) -> Option<u64> {
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(2)))
        .build()
        .new_agent();
    let body: serde_json::Value = agent
        .get(format!("http://{addr}/healthz"))
        .call()
        .ok()?
        .body_mut()
        .read_json()
        .ok()?;
    body["connections"].as_u64()
}
