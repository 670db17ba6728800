//! `cargo xtask fuzz [SECONDS]`: runs the protocol crate's cargo-fuzz target `decode` for a
//! bounded time (default 60 s). Not part of `cargo xtask test`.
//!
//! It installs cargo-fuzz if missing, starts from the committed seeds
//! (`protocol/fuzz/seeds`), keeps what it learns in `target/fuzz/corpus` between runs, and
//! writes a crashing input to `target/fuzz/artifacts/` (the run then fails and prints the
//! command that reproduces it). cargo-fuzz needs nightly compiler flags; the stable
//! toolchain accepts them with `RUSTC_BOOTSTRAP=1`, set for this command only.

use std::{path::Path, process::ExitCode};

use anyhow::{Context, Result};

use crate::{process, tools};

/// The fuzz target's name.
const TARGET: &str = "decode";

/// Runs the fuzzer for `seconds` (default 60).
pub fn run(root: &Path, seconds: Option<&str>) -> Result<ExitCode> {
    let seconds: u64 = seconds
        .map(str::parse)
        .transpose()
        .context("usage: cargo xtask fuzz [SECONDS]")?
        .unwrap_or(60);
    let mut env = tools::ensure_cargo_fuzz()?;
    env.vars.push(("RUSTC_BOOTSTRAP".into(), "1".into()));
    let corpus = root.join("target/fuzz/corpus").join(TARGET);
    let artifacts = root.join("target/fuzz/artifacts").join(TARGET);
    std::fs::create_dir_all(&corpus)?;
    std::fs::create_dir_all(&artifacts)?;
    let fuzz_dir = root.join("protocol/fuzz");
    let status = process::cargo(&env)
        .arg("fuzz")
        .arg("run")
        .arg("--fuzz-dir")
        .arg(&fuzz_dir)
        .arg(TARGET)
        .arg(&corpus)
        .arg(fuzz_dir.join("seeds"))
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg("-print_final_stats=1")
        .status()
        .context("cannot start cargo fuzz")?;
    let found: Vec<_> = std::fs::read_dir(&artifacts)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    if status.success() && found.is_empty() {
        println!("fuzz: {TARGET} ran {seconds} s: no crash, no panic");
        return Ok(ExitCode::SUCCESS);
    }
    for path in &found {
        println!(
            "fuzz: crashing input {} (reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir protocol/fuzz {TARGET} {})",
            path.display(),
            path.display()
        );
    }
    Ok(ExitCode::FAILURE)
}
