//! `cargo xtask test`: every check and every suite, each counted, then one summary line.
//!
//! Checks (fmt, clippy native and wasm32) count as one failure each when they fail. Test
//! suites are counted from cargo's `test result:` lines; a suite that runs zero tests fails.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Command, ExitCode, Stdio},
    time::Instant,
};

use anyhow::Result;

use crate::{
    process::{self, Env},
    tools,
};

/// The outcome of one check or suite.
struct Outcome {
    name: &'static str,
    passed: u64,
    failed: u64,
    ok: bool,
    note: String,
}

/// Runs everything and prints the summary; non-zero exit if anything failed.
pub fn test_all(root: &Path) -> Result<ExitCode> {
    let started = Instant::now();
    let env = tools::ensure_test_tools(root)?;
    let conformance = root.join("target/conformance");
    let a11y = root.join("target/a11y");
    // Only this run's rows: a class that did not run must not show an old result.
    let _ = std::fs::remove_dir_all(&conformance);
    let _ = std::fs::remove_dir_all(&a11y);
    let outcomes = vec![
        check(
            "fmt",
            process::cargo(&env).args(["fmt", "--all", "--check"]),
        ),
        check(
            "clippy (native)",
            process::cargo(&env).args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        ),
        check(
            "clippy (wasm32)",
            process::cargo(&env).args([
                "clippy",
                "-p",
                "wslab",
                "--target",
                "wasm32-unknown-unknown",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        ),
        suite(
            "native unit + integration",
            process::cargo(&env).args([
                "test",
                "--no-fail-fast",
                "--workspace",
                "--exclude",
                "wslab-e2e",
            ]),
        ),
        wasm_suite(root, &env),
        e2e_suite(root, &env),
    ];

    let passed: u64 = outcomes.iter().map(|o| o.passed).sum();
    let failed: u64 = outcomes.iter().map(|o| o.failed).sum();
    print_conformance(&conformance);
    print_axe(&a11y);
    println!("\n== cargo xtask test: summary ==");
    for outcome in &outcomes {
        println!(
            "{:<4} {:<28} {:>4} passed {:>4} failed  {}",
            if outcome.ok { "ok" } else { "FAIL" },
            outcome.name,
            outcome.passed,
            outcome.failed,
            outcome.note
        );
    }
    println!("wall time {:.0} s", started.elapsed().as_secs_f64());
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 && outcomes.iter().all(|o| o.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The RFC 6455 conformance table the native suite left in `dir` (one `<class>.tsv` per
/// class: a header and a `class, cases, passed` row; `<class>.cases.tsv` has every case).
fn print_conformance(dir: &Path) {
    let mut rows: Vec<(String, u64, u64)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "tsv"))
        .filter(|path| !path.to_string_lossy().ends_with(".cases.tsv"))
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .filter_map(|text| {
            let line = text.lines().nth(1)?.to_owned();
            let mut cells = line.split('\t');
            let class = cells.next()?.to_owned();
            let cases = cells.next()?.parse().ok()?;
            let passed = cells.next()?.parse().ok()?;
            Some((class, cases, passed))
        })
        .collect();
    if rows.is_empty() {
        println!("\n== RFC 6455 conformance: no results (the native suite did not run it) ==");
        return;
    }
    rows.sort();
    println!("\n== RFC 6455 conformance (server/tests/conformance.rs, /echo over raw TCP) ==");
    println!("{:<16} {:>6} {:>7}", "class", "cases", "passed");
    for (class, cases, passed) in &rows {
        println!("{class:<16} {cases:>6} {passed:>7}");
    }
    let cases: u64 = rows.iter().map(|r| r.1).sum();
    let passed: u64 = rows.iter().map(|r| r.2).sum();
    println!("{:<16} {cases:>6} {passed:>7}", "all");
}

/// The axe-core table the end-to-end suite left in `dir/axe.txt` (e2e/tests/a11y.rs).
fn print_axe(dir: &Path) {
    match std::fs::read_to_string(dir.join("axe.txt")) {
        Ok(table) => {
            println!(
                "\n== axe-core {} (e2e/tests/a11y.rs: nodes per impact, sideways overflow) ==",
                tools::AXE_VERSION
            );
            print!("{table}");
        }
        Err(_) => println!("\n== axe-core: no results (the accessibility test did not finish) =="),
    }
}

fn check(name: &'static str, command: &mut Command) -> Outcome {
    eprintln!("\n== {name} ==");
    let ok = command.status().is_ok_and(|s| s.success());
    Outcome {
        name,
        passed: u64::from(ok),
        failed: u64::from(!ok),
        ok,
        note: String::new(),
    }
}

/// Runs a `cargo test`, echoing its output and adding up its `test result:` lines.
fn suite(name: &'static str, command: &mut Command) -> Outcome {
    eprintln!("\n== {name} ==");
    let started = Instant::now();
    let mut passed = 0;
    let mut failed = 0;
    let status = command
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            if let Some(stdout) = child.stdout.take() {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    println!("{line}");
                    if let Some((p, f)) = parse_result(&line) {
                        passed += p;
                        failed += f;
                    }
                }
            }
            child.wait()
        });
    let exited_ok = status.is_ok_and(|s| s.success());
    let mut note = format!("{:.0} s", started.elapsed().as_secs_f64());
    if passed == 0 {
        note.push_str(", ran zero tests");
    }
    if !exited_ok && failed == 0 {
        // A build error or a crashed runner: count it, so the total cannot read as success.
        failed = 1;
        note.push_str(", did not complete");
    }
    Outcome {
        name,
        passed,
        failed,
        ok: exited_ok && passed > 0 && failed == 0,
        note,
    }
}

/// `test result: ok. 12 passed; 0 failed; ...` → (12, 0).
fn parse_result(line: &str) -> Option<(u64, u64)> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let number_before = |word: &str| {
        rest.split(';')
            .find_map(|part| part.trim().strip_suffix(word))
            .and_then(|n| n.trim().rsplit(' ').next())
            .and_then(|n| n.parse::<u64>().ok())
    };
    Some((number_before(" passed")?, number_before(" failed")?))
}

fn failed_to_start(name: &'static str, error: &anyhow::Error) -> Outcome {
    eprintln!("xtask: {name}: {error:#}");
    Outcome {
        name,
        passed: 0,
        failed: 1,
        ok: false,
        note: format!("could not start: {error}"),
    }
}

/// The wasm-bindgen-test component tests, in headless Chromium, against a real server.
fn wasm_suite(root: &Path, env: &Env) -> Outcome {
    const NAME: &str = "wasm components (Chromium)";
    let started = (|| {
        process::run_checked(
            process::cargo(env).args(["build", "-p", "wslab-server"]),
            "building wslab-server",
        )?;
        process::Server::start(
            &root.join("target/debug/wslab-server"),
            "127.0.0.1:0",
            None,
            // The test runner serves its page from a port of its own choosing.
            &["--allow-origin", "http://127.0.0.1:*"],
            env,
        )
    })();
    let server = match started {
        Ok(server) => server,
        Err(error) => return failed_to_start(NAME, &error),
    };
    // The tests read the server's URL at compile time (option_env!).
    suite(
        NAME,
        process::cargo(env)
            .args([
                "test",
                "--no-fail-fast",
                "-p",
                "wslab",
                "--target",
                "wasm32-unknown-unknown",
                "--test",
                "*",
            ])
            .env("WSLAB_TEST_SERVER", format!("ws://{}", server.addr()))
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
    )
}

/// The end-to-end suite: the release build, served by wslab-server, in headless Chromium.
fn e2e_suite(root: &Path, env: &Env) -> Outcome {
    const NAME: &str = "end-to-end (Chromium)";
    // The app as the server serves it, and as GitHub Pages would: from a sub-path.
    let pages = root.join("target/dist-pages");
    let built = tools::build_app_release(root, env, None).and_then(|()| {
        process::run_checked(
            process::command("trunk", env)
                .current_dir(root)
                .args([
                    "build",
                    "--release",
                    "--offline",
                    "--public-url",
                    "/wslab/",
                    "--dist",
                ])
                .arg(&pages),
            "trunk build --public-url /wslab/",
        )
    });
    if let Err(error) = built {
        return failed_to_start(NAME, &error);
    }
    suite(
        NAME,
        process::cargo(env)
            .args(["test", "--no-fail-fast", "-p", "wslab-e2e"])
            .env("WSLAB_DIST", root.join("dist"))
            .env("WSLAB_PAGES_DIST", pages),
    )
}

#[cfg(test)]
mod tests {
    use super::parse_result;

    #[test]
    fn reads_cargo_and_wasm_runner_result_lines() {
        assert_eq!(
            parse_result(
                "test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s"
            ),
            Some((12, 0))
        );
        assert_eq!(
            parse_result("test result: FAILED. 3 passed; 2 failed; 0 ignored"),
            Some((3, 2))
        );
        assert_eq!(parse_result("running 3 tests"), None);
    }
}
