//! Child processes: environment, checked runs, guards that stop children on drop, the
//! server started on a port and found by its `listening on` line, and Ctrl-C handling.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, ChildStdout, Command, ExitStatus, Stdio},
    sync::atomic::{AtomicBool, Ordering},
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Ctrl-C / SIGTERM set a flag; the children (same process group) get the signal too and
/// stop themselves, and guards stop any that are left.
pub fn install_interrupt_handler() -> Result<()> {
    ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst))
        .context("install the Ctrl-C handler")
}

/// Whether Ctrl-C or SIGTERM arrived.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Environment for every child: tool directories first on PATH, trunk quiet about updates.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// Directories put before the inherited PATH.
    pub path_prefix: Vec<std::path::PathBuf>,
    /// Extra variables.
    pub vars: Vec<(String, String)>,
}

impl Env {
    fn apply(&self, command: &mut Command) {
        let inherited = std::env::var_os("PATH").unwrap_or_default();
        let mut paths: Vec<std::path::PathBuf> = self.path_prefix.clone();
        paths.extend(std::env::split_paths(&inherited));
        if let Ok(joined) = std::env::join_paths(paths) {
            command.env("PATH", joined);
        }
        command.env("TRUNK_SKIP_VERSION_CHECK", "true");
        for (key, value) in &self.vars {
            command.env(key, value);
        }
    }
}

/// A command with the environment applied.
pub fn command(program: &str, env: &Env) -> Command {
    let mut command = Command::new(program);
    env.apply(&mut command);
    command
}

/// `cargo` with the environment applied.
pub fn cargo(env: &Env) -> Command {
    command(
        &std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()),
        env,
    )
}

/// Runs to completion; fails with `what` if it does not succeed.
pub fn run_checked(command: &mut Command, what: &str) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("{what}: cannot start {:?}", command.get_program()))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// Runs to success within `limit`, its stdout passed through line by line; fails past the
/// limit (the child is stopped), on Ctrl-C or if it fails.
pub fn run_within(command: &mut Command, name: &str, limit: Duration) -> Result<()> {
    match supervise(command, name, limit, |line| println!("{line}"))? {
        Ended::Exited(status) if status.success() => Ok(()),
        Ended::Exited(status) => bail!("{name} failed ({status})"),
        Ended::Interrupted => bail!("{name}: interrupted"),
        Ended::TimedOut => bail!("{name} did not finish within {} s", limit.as_secs()),
    }
}

/// Runs and returns stdout if it succeeds, `None` if it cannot start or fails.
pub fn output_of(command: &mut Command) -> Option<String> {
    let output = command.stderr(Stdio::null()).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Runs `command` with stdout captured (stderr inherited) and returns its stdout if it
/// succeeds within `limit`; past the limit, on Ctrl-C or on failure it is stopped and this
/// fails.
pub fn output_within(command: &mut Command, name: &str, limit: Duration) -> Result<String> {
    let (mut guard, mut stdout) = Guard::spawn_piped(command, name)?;
    let reader = thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        text
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = guard.child.try_wait()? {
            break status;
        }
        if interrupted() {
            bail!("{name}: interrupted");
        }
        if Instant::now() >= deadline {
            bail!("{name} did not finish within {} s", limit.as_secs());
        }
        thread::sleep(Duration::from_millis(50));
    };
    let text = reader
        .join()
        .map_err(|_| anyhow::anyhow!("{name}: the stdout reader panicked"))?;
    if !status.success() {
        bail!("{name} failed ({status})");
    }
    Ok(text)
}

/// How a [`supervise`]d child ended.
#[derive(Debug)]
pub enum Ended {
    /// It exited by itself.
    Exited(ExitStatus),
    /// Ctrl-C or SIGTERM: it was stopped.
    Interrupted,
    /// It ran past its time limit: it was stopped.
    TimedOut,
}

/// Runs `command` with each stdout line handed to `each_line` (stderr inherited), and
/// stops it on Ctrl-C / SIGTERM or once it has run for `limit`. (A child blocked on a pipe
/// or a hung test would otherwise hold the whole run.)
///
/// # Errors
/// It cannot be started.
pub fn supervise(
    command: &mut Command,
    name: &str,
    limit: Duration,
    mut each_line: impl FnMut(&str),
) -> Result<Ended> {
    let (mut guard, stdout) = Guard::spawn_piped(command, name)?;
    let (lines, incoming) = std::sync::mpsc::channel::<String>();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    let deadline = Instant::now() + limit;
    let ended = loop {
        match incoming.recv_timeout(Duration::from_millis(50)) {
            Ok(line) => {
                each_line(&line);
                continue;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            // End of stdout: the child is exiting.
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                break Ended::Exited(guard.child.wait()?);
            }
        }
        if let Some(status) = guard.child.try_wait()? {
            break Ended::Exited(status);
        }
        if interrupted() {
            guard.stop()?;
            break Ended::Interrupted;
        }
        if Instant::now() >= deadline {
            eprintln!("xtask: {name} ran past {} s; stopping it", limit.as_secs());
            guard.stop()?;
            break Ended::TimedOut;
        }
    };
    // What is still in the pipe (a child that left a grandchild holding it open is not
    // waited for beyond a few seconds).
    let drain_until = Instant::now() + Duration::from_secs(5);
    while let Ok(line) =
        incoming.recv_timeout(drain_until.saturating_duration_since(Instant::now()))
    {
        each_line(&line);
    }
    Ok(ended)
}

/// A child that is stopped (SIGTERM, then kill) when the guard drops.
pub struct Guard {
    child: Child,
    name: String,
}

impl Guard {
    /// Starts `command`.
    pub fn spawn(command: &mut Command, name: &str) -> Result<Self> {
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {name}"))?;
        Ok(Self {
            child,
            name: name.to_owned(),
        })
    }

    /// Starts `command` with its stdout piped; returns the guard and the pipe.
    pub fn spawn_piped(command: &mut Command, name: &str) -> Result<(Self, ChildStdout)> {
        command.stdout(Stdio::piped());
        let mut guard = Self::spawn(command, name)?;
        let stdout = guard
            .child
            .stdout
            .take()
            .with_context(|| format!("{name} stdout is not piped"))?;
        Ok((guard, stdout))
    }

    /// Waits for the child to exit; on Ctrl-C gives it a few seconds to stop by itself.
    pub fn wait_until_interrupted(mut self) -> Result<ExitStatus> {
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if interrupted() {
                return self.stop();
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    fn stop(&mut self) -> Result<ExitStatus> {
        if let Some(status) = self.child.try_wait()? {
            return Ok(status);
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(8);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            thread::sleep(Duration::from_millis(50));
        }
        eprintln!("xtask: {} did not stop in time; killing it", self.name);
        self.child.kill()?;
        Ok(self.child.wait()?)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// A running wslab-server.
pub struct Server {
    guard: Guard,
    scheme: String,
    addr: String,
}

impl Server {
    /// Starts `binary` on `addr` (port 0 allowed) with `extra` arguments and waits for
    /// its `listening on` line.
    pub fn start(
        binary: &Path,
        addr: &str,
        dist: Option<&Path>,
        extra: &[&str],
        env: &Env,
    ) -> Result<Self> {
        let mut command = command(&binary.to_string_lossy(), env);
        command.args(["--addr", addr]).args(extra);
        if let Some(dist) = dist {
            command.arg("--dist").arg(dist);
        }
        Self::start_command(&mut command, "wslab-server")
    }

    /// Starts `command`, a server whose first stdout line is `listening on SCHEME://ADDR`
    /// (wslab-server, or one it is compared with), and waits for that line.
    pub fn start_command(command: &mut Command, name: &str) -> Result<Self> {
        let (guard, stdout) = Guard::spawn_piped(command, name)?;
        let (tx, rx) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let first = lines.next();
            let _ = tx.send(first);
            // Keep draining so the server never blocks on a full pipe.
            for line in lines.map_while(Result::ok) {
                println!("{line}");
            }
        });
        let first = rx
            .recv_timeout(Duration::from_secs(30))
            .with_context(|| format!("{name} printed nothing within 30 s"))?
            .with_context(|| format!("{name} closed stdout before saying where it listens"))??;
        let (scheme, addr) = first
            .strip_prefix("listening on ")
            .and_then(|url| url.trim().split_once("://"))
            .with_context(|| format!("unexpected first line from {name}: {first:?}"))?;
        Ok(Self {
            guard,
            scheme: scheme.to_owned(),
            addr: addr.to_owned(),
        })
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.guard.child.id()
    }

    /// `host:port` it listens on.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// `http://host:port`, or `https://` when it serves TLS.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// Waits until it exits or Ctrl-C stops it.
    pub fn wait_until_interrupted(self) -> Result<ExitStatus> {
        self.guard.wait_until_interrupted()
    }
}
