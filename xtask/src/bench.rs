//! `cargo xtask bench <name>`: benchmarks that print their numbers.
//!
//! `size`: the release build's transfer size (wasm, js, css), raw and gzipped at level 9,
//! and the median time from navigation to the echo demo's Open button enabled.
//! `chat`: the chat page in headless Chromium at 1k / 10k / 100k lines; `ticker`: the ticker
//! with 200 symbols at 1k / 5k / 10k quotes/s (`wslab-bench` in the e2e crate measures).

use std::{io::Write, path::Path, process::ExitCode};

use anyhow::{Context, Result, bail};
use flate2::{Compression, write::GzEncoder};

use crate::{process, tools};

/// Runs the named benchmark.
pub fn run(root: &Path, name: Option<&str>) -> Result<ExitCode> {
    match name {
        Some("size") => size(root),
        Some(browser @ ("chat" | "ticker" | "recovery")) => in_browser(root, browser),
        other => bail!("unknown benchmark {other:?}; available: size, chat, ticker, recovery"),
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
    let dist = root.join("dist");
    let mut rows = Vec::new();
    for entry in std::fs::read_dir(&dist).context("read dist/")? {
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
    println!(
        "{:<5} {:<40} {:>10} {:>10}",
        "kind", "file", "raw B", "gzip B"
    );
    for (kind, name, raw, gz) in &rows {
        println!("{kind:<5} {name:<40} {raw:>10} {gz:>10}");
    }
    let app = rows.iter().filter(|r| r.0 != "html");
    let (raw, gz) = app.fold((0, 0), |(r, g), row| (r + row.2, g + row.3));
    println!(
        "app (wasm + js + css): {raw} B raw, {gz} B gzipped ({:.1} KB / {:.1} KB)",
        raw as f64 / 1000.0,
        gz as f64 / 1000.0
    );
    println!(
        "goal: whole app ≤ 110 KB gzipped: {}",
        if gz <= 110_000 { "met" } else { "not met" }
    );
    run_bench(root, &env, "startup")?;
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
