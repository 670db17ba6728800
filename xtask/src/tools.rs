//! Installs what the commands need, skipping what is present at the right version:
//! the wasm32 target, trunk 0.21.14, wasm-bindgen-cli at the Cargo.lock version, wasm-opt
//! from npm `binaryen@132` (Debian's binaryen is too old), for tests Debian's chromium
//! and chromium-driver and npm `axe-core` for the accessibility checks, and for
//! `bench server` PyPI `websockets` in a venv.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use anyhow::{Context, Result, bail};

use crate::process::{self, Env, output_of, run_checked};

/// trunk's version (0.22 needs a newer rustc than this project's).
pub const TRUNK_VERSION: &str = "0.21.14";
/// binaryen's npm version; Trunk.toml asks for `version_132`.
pub const BINARYEN_VERSION: &str = "132";
/// axe-core's npm version, injected into every page by the end-to-end accessibility test.
pub const AXE_VERSION: &str = "4.10.3";
/// cargo-fuzz's version, for `cargo xtask fuzz`.
pub const CARGO_FUZZ_VERSION: &str = "0.13.1";
/// PyPI `websockets` version for the Python echo server of `bench server`.
pub const PY_WEBSOCKETS_VERSION: &str = "17.4";
/// Where Debian puts Chromium and ChromeDriver.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// ChromeDriver, used by wasm-bindgen-test-runner and the end-to-end suite.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Everything `serve` and `dev` need; returns the environment to run tools with.
pub fn ensure_app_tools(root: &Path) -> Result<Env> {
    ensure_wasm_target()?;
    let wasm_opt_dir = ensure_wasm_opt()?;
    let mut env = Env {
        path_prefix: vec![wasm_opt_dir, cargo_bin_dir()],
        vars: Vec::new(),
    };
    ensure_wasm_bindgen(root, &env)?;
    ensure_trunk(&env)?;
    // trunk --offline makes cargo offline too: fetch everything first.
    run_checked(process::cargo(&env).arg("fetch"), "cargo fetch")?;
    env.vars.push(("CHROMEDRIVER".into(), CHROMEDRIVER.into()));
    // The release builds' post-build hook minifies the JS loader with it (Trunk.toml).
    let terser = ensure_terser()?;
    env.vars
        .push(("WSLAB_TERSER".into(), terser.to_string_lossy().into_owned()));
    Ok(env)
}

/// `serve`'s tools plus Chromium for the browser suites and axe-core for the accessibility
/// test (its `axe.min.js` is passed on as `WSLAB_AXE`).
pub fn ensure_test_tools(root: &Path) -> Result<Env> {
    ensure_chromium()?;
    ensure_cluster_tools()?;
    let axe = ensure_axe()?;
    let mut env = ensure_app_tools(root)?;
    env.vars
        .push(("WSLAB_AXE".into(), axe.to_string_lossy().into_owned()));
    Ok(env)
}

/// `trunk build --release` into `dist/` (or `public_url` for a sub-path build).
pub fn build_app_release(root: &Path, env: &Env, public_url: Option<&str>) -> Result<()> {
    run_checked(
        &mut release_build(root, env, public_url),
        "trunk build --release",
    )
}

/// The `trunk build --release` command of [`build_app_release`], to run under a limit or
/// with another `--dist`.
pub fn release_build(root: &Path, env: &Env, public_url: Option<&str>) -> Command {
    let mut trunk = process::command("trunk", env);
    trunk
        .current_dir(root)
        .args(["build", "--release", "--offline"]);
    if let Some(url) = public_url {
        trunk.args(["--public-url", url]);
    }
    trunk
}

/// `trunk build --release` of wslab-socket's example `name` (`socket/examples/<name>`)
/// into `target/dist-example-<name>`; returns that directory.
pub fn build_example_release(
    root: &Path,
    env: &Env,
    name: &str,
    limit: Duration,
) -> Result<PathBuf> {
    let dist = root.join(format!("target/dist-example-{name}"));
    let mut trunk = release_build(&root.join("socket/examples").join(name), env, None);
    trunk.arg("--dist").arg(&dist);
    let what = format!("trunk build --release (socket/examples/{name})");
    process::run_within(&mut trunk, &what, limit)?;
    Ok(dist)
}

fn cargo_bin_dir() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
        .join("bin")
}

fn cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("wslab")
}

fn step(message: &str) {
    eprintln!("xtask: {message}");
}

fn ensure_wasm_target() -> Result<()> {
    let installed = output_of(Command::new("rustup").args(["target", "list", "--installed"]))
        .unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    step("installing the wasm32-unknown-unknown target");
    run_checked(
        Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
        "rustup target add wasm32-unknown-unknown",
    )
}

fn ensure_trunk(env: &Env) -> Result<()> {
    let version = output_of(process::command("trunk", env).arg("--version")).unwrap_or_default();
    if version.split_whitespace().nth(1) == Some(TRUNK_VERSION) {
        return Ok(());
    }
    step(&format!(
        "installing trunk {TRUNK_VERSION} (found: {:?}); this takes about 6 minutes",
        version.trim()
    ));
    run_checked(
        process::cargo(env).args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]),
        "cargo install trunk",
    )
}

/// cargo-fuzz, for `cargo xtask fuzz` (not needed by any other command).
pub fn ensure_cargo_fuzz() -> Result<Env> {
    let env = Env {
        path_prefix: vec![cargo_bin_dir()],
        vars: Vec::new(),
    };
    let version = output_of(process::cargo(&env).args(["fuzz", "--version"])).unwrap_or_default();
    if version.split_whitespace().nth(1) != Some(CARGO_FUZZ_VERSION) {
        step(&format!(
            "installing cargo-fuzz {CARGO_FUZZ_VERSION} (found: {:?}); about 2 minutes",
            version.trim()
        ));
        run_checked(
            process::cargo(&env).args([
                "install",
                "cargo-fuzz",
                "--version",
                CARGO_FUZZ_VERSION,
                "--locked",
            ]),
            "cargo install cargo-fuzz",
        )?;
    }
    Ok(env)
}

/// The wasm-bindgen version Cargo.lock resolved (pinned with `=` in Cargo.toml).
pub fn locked_wasm_bindgen(root: &Path) -> Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("read Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
        {
            return Ok(version.to_owned());
        }
    }
    bail!("Cargo.lock has no wasm-bindgen package")
}

fn ensure_wasm_bindgen(root: &Path, env: &Env) -> Result<()> {
    let wanted = locked_wasm_bindgen(root)?;
    let version =
        output_of(process::command("wasm-bindgen", env).arg("--version")).unwrap_or_default();
    let runner = output_of(process::command("wasm-bindgen-test-runner", env).arg("--version"))
        .unwrap_or_default();
    if version.split_whitespace().nth(1) == Some(wanted.as_str())
        && runner.split_whitespace().nth(1) == Some(wanted.as_str())
    {
        return Ok(());
    }
    step(&format!(
        "installing wasm-bindgen-cli {wanted} (found: {:?}); about 2 minutes",
        version.trim()
    ));
    // Not --locked: the CLI's own lockfile pins crates this toolchain cannot build.
    run_checked(
        process::cargo(env).args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &wanted,
            "--force",
        ]),
        "cargo install wasm-bindgen-cli",
    )
}

/// Installs npm binaryen into the user cache and returns its `.bin` directory.
fn ensure_wasm_opt() -> Result<PathBuf> {
    let prefix = cache_dir().join(format!("binaryen-{BINARYEN_VERSION}"));
    let bin = prefix.join("node_modules/.bin");
    let version =
        output_of(Command::new(bin.join("wasm-opt")).arg("--version")).unwrap_or_default();
    if version.contains(&format!("version {BINARYEN_VERSION}")) {
        return Ok(bin);
    }
    step(&format!(
        "installing wasm-opt from npm binaryen@{BINARYEN_VERSION}"
    ));
    std::fs::create_dir_all(&prefix).context("create the binaryen cache directory")?;
    run_checked(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(format!("binaryen@{BINARYEN_VERSION}")),
        "npm install binaryen",
    )?;
    Ok(bin)
}

/// A venv under the user cache with PyPI `websockets` at [`PY_WEBSOCKETS_VERSION`]; returns
/// its `python`.
pub fn ensure_python_websockets() -> Result<PathBuf> {
    let venv = cache_dir().join("py-websockets");
    let python = venv.join("bin/python");
    let version = output_of(
        Command::new(&python).args(["-c", "import websockets; print(websockets.__version__)"]),
    )
    .unwrap_or_default();
    if version.trim() == PY_WEBSOCKETS_VERSION {
        return Ok(python);
    }
    if !python.exists() {
        step(&format!("creating a Python venv in {}", venv.display()));
        run_checked(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "python3 -m venv",
        )?;
    }
    step(&format!(
        "installing websockets=={PY_WEBSOCKETS_VERSION} from PyPI (found: {:?})",
        version.trim()
    ));
    run_checked(
        Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("websockets=={PY_WEBSOCKETS_VERSION}"),
        ]),
        "pip install websockets",
    )?;
    Ok(python)
}

/// The terser that minifies the JS loader in release builds (`xtask/hooks/minify-loader.mjs`).
pub const TERSER_VERSION: &str = "5.36.0";

/// Installs npm `terser` into the user cache and returns the path of its ES module entry.
pub fn ensure_terser() -> Result<PathBuf> {
    let prefix = cache_dir().join(format!("terser-{TERSER_VERSION}"));
    let package = prefix.join("node_modules/terser");
    let entry = package.join("main.js");
    let installed = std::fs::read_to_string(package.join("package.json")).unwrap_or_default();
    if entry.is_file() && installed.contains(&format!("\"version\": \"{TERSER_VERSION}\"")) {
        return Ok(entry);
    }
    step(&format!("installing terser@{TERSER_VERSION} from npm"));
    std::fs::create_dir_all(&prefix).context("create the terser cache directory")?;
    run_checked(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(format!("terser@{TERSER_VERSION}")),
        "npm install terser",
    )?;
    if !entry.is_file() {
        bail!("npm installed terser but {} is missing", entry.display());
    }
    Ok(entry)
}

/// Installs npm `axe-core` into the user cache and returns the path of `axe.min.js`.
pub fn ensure_axe() -> Result<PathBuf> {
    let prefix = cache_dir().join(format!("axe-core-{AXE_VERSION}"));
    let package = prefix.join("node_modules/axe-core");
    let script = package.join("axe.min.js");
    let installed = std::fs::read_to_string(package.join("package.json")).unwrap_or_default();
    if script.is_file() && installed.contains(&format!("\"version\": \"{AXE_VERSION}\"")) {
        return Ok(script);
    }
    step(&format!("installing axe-core@{AXE_VERSION} from npm"));
    std::fs::create_dir_all(&prefix).context("create the axe-core cache directory")?;
    run_checked(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(format!("axe-core@{AXE_VERSION}")),
        "npm install axe-core",
    )?;
    if !script.is_file() {
        bail!("npm installed axe-core but {} is missing", script.display());
    }
    Ok(script)
}

fn ensure_chromium() -> Result<()> {
    ensure_debian(&[CHROMIUM, CHROMEDRIVER], &["chromium", "chromium-driver"])
}

/// Debian's Redis and nginx, for the cluster suite and `bench cluster` (started by the
/// tests themselves as child processes, never as system services).
pub fn ensure_cluster_tools() -> Result<()> {
    ensure_debian(
        &[
            "/usr/bin/redis-server",
            "/usr/bin/redis-cli",
            "/usr/sbin/nginx",
        ],
        &["redis-server", "nginx-light"],
    )
}

/// Installs Debian `packages` unless every one of `files` exists already.
fn ensure_debian(files: &[&str], packages: &[&str]) -> Result<()> {
    if files.iter().all(|file| Path::new(file).exists()) {
        return Ok(());
    }
    let names = packages.join(" ");
    step(&format!("installing Debian's {names}"));
    let sudo = !is_root();
    let apt = |args: &[&str]| {
        let mut command = if sudo {
            // sudo resets the environment: the variable goes on its command line.
            let mut c = Command::new("sudo");
            c.args(["DEBIAN_FRONTEND=noninteractive", "apt-get"]);
            c
        } else {
            let mut c = Command::new("apt-get");
            c.env("DEBIAN_FRONTEND", "noninteractive");
            c
        };
        command.args(args);
        command
    };
    run_checked(&mut apt(&["update"]), "apt-get update")?;
    let mut install = vec!["install", "-y"];
    install.extend(packages);
    run_checked(&mut apt(&install), &format!("apt-get install {names}"))
}

fn is_root() -> bool {
    output_of(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}
