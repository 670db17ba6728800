//! `cargo xtask`: the project's own commands.
//!
//! ```text
//! cargo xtask serve [--addr 127.0.0.1:8080] [server flags…]
//!                                             install what is missing, build the app in release, run the server
//! cargo xtask dev                             the server plus `trunk serve` with live reload
//! cargo xtask test                            every check and every suite; ends with "N passed, N failed"
//! cargo xtask bench size                      release transfer size of the app
//! cargo xtask bench chat                      chat page at 1k / 10k / 100k lines in Chromium
//! cargo xtask bench ticker                    ticker page at 1k / 5k / 10k quotes/s in Chromium
//! cargo xtask bench recovery                  reconnects and a restart drill in Chromium
//! cargo xtask bench server                    wslab-server vs raw tokio-tungstenite vs Python websockets
//! cargo xtask fuzz [SECONDS]                  fuzz the protocol decoders (default 60 s; not in CI)
//! ```
//!
//! Every command installs what it needs and skips what is already there at the right
//! version (see `tools`). Ctrl-C stops every process a command started.

mod bench;
mod fuzz;
mod process;
mod suites;
mod tools;

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context, Result, bail};

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root()?;
    std::env::set_current_dir(&root).context("cd to the workspace root")?;
    process::install_interrupt_handler()?;
    match args.first().map(String::as_str) {
        Some("serve") => {
            let addr = flag_value(&args, "--addr").unwrap_or("127.0.0.1:8080");
            // Everything else goes to the server as is (--allow-origin, --tls-cert, limits…).
            let mut extra: Vec<&str> = Vec::new();
            let mut rest = args.iter().skip(1).map(String::as_str);
            while let Some(arg) = rest.next() {
                if arg == "--addr" {
                    rest.next();
                } else {
                    extra.push(arg);
                }
            }
            serve(&root, addr, &extra)
        }
        Some("dev") => dev(&root),
        Some("test") => suites::test_all(&root),
        Some("bench") => bench::run(&root, args.get(1).map(String::as_str)),
        Some("fuzz") => fuzz::run(&root, args.get(1).map(String::as_str)),
        _ => {
            eprintln!(
                "usage: cargo xtask <serve [--addr ADDR] [server flags] | dev | test \
                 | bench size|chat|ticker|recovery|server | fuzz [SECONDS]>\n\
                 \n  serve   build the app in release and serve it with every endpoint\
                 \n          (other flags go to wslab-server: see `cargo run -p wslab-server -- --help`)\
                 \n  dev     server + trunk serve (live reload) on http://127.0.0.1:8081\
                 \n  test    fmt, clippy (native + wasm32), native tests, wasm tests in Chromium, end-to-end\
                 \n  fuzz    [SECONDS] fuzz the protocol decoders (default 60 s)\
                 \n  bench   size: release wasm / js / css, raw and gzipped\
                 \n          chat: DOM rows, append latency, typing, memory at 1k / 10k / 100k lines\
                 \n          ticker: frame times and quotes applied at 1k / 5k / 10k quotes/s\
                 \n          recovery: reconnect times and a restart drill\
                 \n          server: echo msgs/s and latency vs raw tokio-tungstenite and Python websockets,\
                 \n                  memory per idle connection, chat fan-out latency, memory after a soak"
            );
            Ok(ExitCode::from(2))
        }
    }
}

fn flag_value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

/// The directory holding the workspace's Cargo.toml (xtask lives one level below).
fn workspace_root() -> Result<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(PathBuf::from)
        .context("xtask has no parent directory")
}

/// `cargo xtask serve`: tools, release build of the app, then the server in the foreground.
fn serve(root: &std::path::Path, addr: &str, extra: &[&str]) -> Result<ExitCode> {
    let env = tools::ensure_app_tools(root)?;
    tools::build_app_release(root, &env, None)?;
    process::run_checked(
        process::cargo(&env).args(["build", "--profile", "server", "-p", "wslab-server"]),
        "building wslab-server",
    )?;
    let binary = root.join("target/server/wslab-server");
    let server = process::Server::start(&binary, addr, Some(&root.join("dist")), extra, &env)?;
    println!();
    println!("  wslab is running: {}/", server.url());
    println!("  WebSocket endpoints: /echo /hello /chat /stocks /api   (Ctrl-C stops it)");
    println!();
    let status = server.wait_until_interrupted()?;
    if !status.success() && !process::interrupted() {
        bail!("wslab-server exited with {status}");
    }
    Ok(ExitCode::SUCCESS)
}

/// `cargo xtask dev`: the server (debug build) plus `trunk serve` proxying to it.
fn dev(root: &std::path::Path) -> Result<ExitCode> {
    let env = tools::ensure_app_tools(root)?;
    process::run_checked(
        process::cargo(&env).args(["build", "-p", "wslab-server"]),
        "building wslab-server",
    )?;
    let binary = root.join("target/debug/wslab-server");
    let _server = process::Server::start(&binary, "127.0.0.1:8080", None, &[], &env)?;
    let trunk = process::Guard::spawn(
        process::command("trunk", &env).args(["serve", "--offline"]),
        "trunk serve",
    )?;
    println!("\n  trunk serve with live reload: http://127.0.0.1:8081/  (Ctrl-C stops both)\n");
    let status = trunk.wait_until_interrupted()?;
    if !status.success() && !process::interrupted() {
        bail!("trunk serve exited with {status}");
    }
    Ok(ExitCode::SUCCESS)
}
