//! `cargo xtask test`: every check and every suite, each counted, then one summary line.
//!
//! Checks (fmt, clippy native and wasm32) count as one failure each when they fail. Test
//! suites are counted from cargo's `test result:` lines; a suite that runs zero tests fails,
//! and so does a browser suite with a test file that runs none. Each step has a time limit
//! (a hung test fails its suite instead of holding the run), and Ctrl-C or SIGTERM stops
//! the step under way and skips the rest.

use std::{
    path::Path,
    process::{Command, ExitCode},
    time::{Duration, Instant},
};

use anyhow::Result;

use crate::{
    process::{self, Ended, Env},
    tools,
};

/// Longest a check (fmt, clippy) may take, building from nothing included.
const CHECK_LIMIT: Duration = Duration::from_secs(15 * 60);
/// Longest a test suite may take, building from nothing included.
const SUITE_LIMIT: Duration = Duration::from_secs(20 * 60);

/// Whether a suite's every test binary must run at least one test (the browser suites,
/// which run only test files), or only the suite as a whole (the native one, whose doc
/// tests and binaries may have none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zero {
    SuiteMustRun,
    EveryBinaryMustRun,
}

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
    // Each step gets its own name, for its heading and its summary line.
    type Step<'a> = (&'static str, Box<dyn FnOnce(&'static str) -> Outcome + 'a>);
    let steps: Vec<Step<'_>> = vec![
        (
            "fmt",
            Box::new(|name| check(name, process::cargo(&env).args(["fmt", "--all", "--check"]))),
        ),
        (
            "clippy (native)",
            Box::new(|name| clippy(&env, name, &["--workspace"])),
        ),
        (
            "clippy (wasm32)",
            Box::new(|name| {
                clippy(
                    &env,
                    name,
                    &[
                        "-p",
                        "wslab",
                        "-p",
                        "wslab-socket",
                        "-p",
                        "wslab-socket-example-echo",
                        "-p",
                        "wslab-socket-bench",
                        // The harness and the codec behind features are linted too.
                        "--features",
                        "wslab-socket/testing,wslab-socket/json",
                        "--target",
                        "wasm32-unknown-unknown",
                    ],
                )
            }),
        ),
        (
            "doc (wslab-socket)",
            Box::new(|name| {
                let mut doc = process::cargo(&env);
                doc.args(["doc", "-p", "wslab-socket", "--no-deps"])
                    .env("RUSTDOCFLAGS", "-D warnings");
                check(name, &mut doc)
            }),
        ),
        (
            "package (wslab-socket)",
            // What crates.io would get builds on its own, outside the workspace.
            Box::new(|name| {
                let mut package = process::cargo(&env);
                package.args(["package", "-p", "wslab-socket", "--allow-dirty"]);
                check(name, &mut package)
            }),
        ),
        (
            "wslab-socket core (native)",
            // Without the browser feature: the pure core builds and passes on its own.
            Box::new(|name| {
                native_suite(name, &env, &["-p", "wslab-socket", "--no-default-features"])
            }),
        ),
        (
            "native unit + integration",
            Box::new(|name| {
                let others = [
                    "--workspace",
                    "--exclude",
                    "wslab-e2e",
                    "--exclude",
                    "wslab-socket",
                ];
                native_suite(name, &env, &others)
            }),
        ),
        (
            "wslab-socket (Chromium)",
            // With its test harness, which the scripted-socket tests need.
            Box::new(|name| {
                wasm_suite(
                    name,
                    root,
                    &env,
                    &["-p", "wslab-socket", "--features", "testing,json"],
                )
            }),
        ),
        (
            "wasm components (Chromium)",
            Box::new(|name| wasm_suite(name, root, &env, &["-p", "wslab"])),
        ),
        (
            "end-to-end (Chromium)",
            Box::new(|name| e2e_suite(name, root, &env)),
        ),
        (
            "cluster (Redis, nginx, server processes)",
            Box::new(|name| cluster_suite(name, root, &env)),
        ),
    ];
    let mut outcomes = Vec::new();
    for (name, step) in steps {
        if process::interrupted() {
            outcomes.push(Outcome {
                name,
                passed: 0,
                failed: 1,
                ok: false,
                note: "not run: interrupted".into(),
            });
            continue;
        }
        eprintln!("\n== {name} ==");
        outcomes.push(step(name));
    }

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

/// What went wrong with a step's process, for the summary; `None` if it exited with 0.
fn trouble(ended: Result<Ended>, limit: Duration) -> Option<String> {
    match ended {
        Ok(Ended::Exited(status)) if status.success() => None,
        // Ctrl-C reaches the whole process group: the child may have stopped first.
        Ok(Ended::Exited(_)) if process::interrupted() => Some("interrupted".into()),
        Ok(Ended::Exited(_)) => Some(String::new()),
        Ok(Ended::Interrupted) => Some("interrupted".into()),
        Ok(Ended::TimedOut) => Some(format!("stopped after {} min", limit.as_secs() / 60)),
        Err(error) => Some(format!("{error:#}")),
    }
}

/// `cargo clippy` on `targets` (crates, target triple), every target kind, warnings denied.
fn clippy(env: &Env, name: &'static str, targets: &[&str]) -> Outcome {
    check(
        name,
        process::cargo(env).arg("clippy").args(targets).args([
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )
}

fn check(name: &'static str, command: &mut Command) -> Outcome {
    let problem = trouble(
        process::supervise(command, name, CHECK_LIMIT, |line| println!("{line}")),
        CHECK_LIMIT,
    );
    let ok = problem.is_none();
    Outcome {
        name,
        passed: u64::from(ok),
        failed: u64::from(!ok),
        ok,
        note: problem.unwrap_or_default(),
    }
}

/// Runs a `cargo test`, echoing its output and adding up its `test result:` lines; the
/// step began at `started`, and all of it must fit in the limit.
fn suite(name: &'static str, started: Instant, command: &mut Command, zero: Zero) -> Outcome {
    let mut tally = Tally::default();
    let limit = SUITE_LIMIT.saturating_sub(started.elapsed());
    let ended = process::supervise(command, name, limit, |line| {
        println!("{line}");
        tally.read(line);
    });
    let Tally {
        passed,
        mut failed,
        empty_binaries,
    } = tally;
    let problem = trouble(ended, SUITE_LIMIT);
    let exited_ok = problem.is_none();
    let mut note = format!("{:.0} s", started.elapsed().as_secs_f64());
    if let Some(problem) = problem.filter(|p| !p.is_empty()) {
        note.push_str(&format!(", {problem}"));
    }
    if passed == 0 {
        note.push_str(", ran zero tests");
    }
    let empty_binary_fails = zero == Zero::EveryBinaryMustRun && empty_binaries > 0;
    if empty_binary_fails {
        // Each counts as a failure, so the total cannot read as success either.
        failed += empty_binaries;
        note.push_str(&format!(", {empty_binaries} test file(s) ran zero tests"));
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
        ok: exited_ok && passed > 0 && failed == 0 && !empty_binary_fails,
        note,
    }
}

/// What a suite's output says, added up over its test binaries.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    passed: u64,
    failed: u64,
    /// Binaries whose `test result:` counts no test at all.
    empty_binaries: u64,
}

impl Tally {
    fn read(&mut self, line: &str) {
        if let Some((passed, failed)) = parse_result(line) {
            self.passed += passed;
            self.failed += failed;
            if passed + failed == 0 {
                self.empty_binaries += 1;
            }
        }
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

/// `cargo test --no-fail-fast` with `args`, natively; it must run at least one test.
fn native_suite(name: &'static str, env: &Env, args: &[&str]) -> Outcome {
    let mut command = process::cargo(env);
    command.args(["test", "--no-fail-fast"]).args(args);
    suite(name, Instant::now(), &mut command, Zero::SuiteMustRun)
}

/// The wasm-bindgen-test tests of a package (`-p NAME` and its features), in headless
/// Chromium, against a real server.
fn wasm_suite(name: &'static str, root: &Path, env: &Env, package: &[&str]) -> Outcome {
    let clock = Instant::now();
    let started = (|| {
        process::run_within(
            process::cargo(env).args(["build", "-p", "wslab-server"]),
            "building wslab-server",
            SUITE_LIMIT,
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
        Err(error) => return failed_to_start(name, &error),
    };
    // The tests read the server's URL at compile time (option_env!).
    suite(
        name,
        clock,
        process::cargo(env)
            .args(["test", "--no-fail-fast"])
            .args(package)
            .args(["--target", "wasm32-unknown-unknown", "--test", "*"])
            .env("WSLAB_TEST_SERVER", format!("ws://{}", server.addr()))
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
        Zero::EveryBinaryMustRun,
    )
}

/// The end-to-end suite: the release builds (the app, the app for a sub-path, and
/// wslab-socket's example), served by wslab-server, in headless Chromium.
fn e2e_suite(name: &'static str, root: &Path, env: &Env) -> Outcome {
    let clock = Instant::now();
    // The app as the server serves it, and as GitHub Pages would: from a sub-path. The
    // builds count against the suite's time limit.
    let pages = root.join("target/dist-pages");
    let built = process::run_within(
        &mut tools::release_build(root, env, None),
        "trunk build --release",
        SUITE_LIMIT,
    )
    .and_then(|()| {
        process::run_within(
            tools::release_build(root, env, Some("/wslab/"))
                .arg("--dist")
                .arg(&pages),
            "trunk build --public-url /wslab/",
            SUITE_LIMIT.saturating_sub(clock.elapsed()),
        )
    })
    .and_then(|()| {
        tools::build_example_release(
            root,
            env,
            "echo",
            SUITE_LIMIT.saturating_sub(clock.elapsed()),
        )
    });
    let example = match built {
        Ok(example) => example,
        Err(error) => return failed_to_start(name, &error),
    };
    suite(
        name,
        clock,
        process::cargo(env)
            // The library's unit tests and every test file; not the doc tests nor the
            // bench binary, which have none and would read as files that ran zero tests.
            .args(["test", "--no-fail-fast", "-p", "wslab-e2e", "--lib"])
            .args(browser_tests(root).iter().flat_map(|test| ["--test", test]))
            .env("WSLAB_DIST", root.join("dist"))
            .env("WSLAB_PAGES_DIST", pages)
            .env("WSLAB_EXAMPLE_DIST", example),
        Zero::EveryBinaryMustRun,
    )
}

/// The end-to-end test files but the cluster's (`e2e/tests/*.rs`, by name), which run as a
/// suite of their own.
fn browser_tests(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("e2e/tests"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            name.strip_suffix(".rs").map(str::to_owned)
        })
        .filter(|name| !CLUSTER_TESTS.contains(&name.as_str()))
        .collect();
    names.sort();
    names
}

/// The cluster suite's test files in `e2e/tests`.
const CLUSTER_TESTS: &[&str] = &["cluster", "cluster_browser"];

/// Several wslab-server processes on one Redis, behind nginx (`e2e/tests/cluster*.rs`): the
/// server binary is built first, since the tests start it themselves; the browser test uses
/// the release build the end-to-end suite made.
fn cluster_suite(name: &'static str, root: &Path, env: &Env) -> Outcome {
    let clock = Instant::now();
    let built = process::run_within(
        process::cargo(env).args(["build", "-p", "wslab-server"]),
        "building wslab-server",
        SUITE_LIMIT,
    );
    if let Err(error) = built {
        return failed_to_start(name, &error);
    }
    suite(
        name,
        clock,
        process::cargo(env)
            .args(["test", "--no-fail-fast", "-p", "wslab-e2e"])
            .args(CLUSTER_TESTS.iter().flat_map(|test| ["--test", test]))
            .env("WSLAB_SERVER_BIN", root.join("target/debug/wslab-server"))
            .env("WSLAB_DIST", root.join("dist")),
        Zero::EveryBinaryMustRun,
    )
}

#[cfg(test)]
mod tests {
    use super::{Tally, parse_result};

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

    #[test]
    fn a_binary_that_ran_nothing_is_counted() {
        let mut tally = Tally::default();
        for line in [
            "running 2 tests",
            "test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out",
            "running 0 tests",
            "test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out",
            "test result: FAILED. 4 passed; 1 failed; 0 ignored",
        ] {
            tally.read(line);
        }
        assert_eq!(
            tally,
            Tally {
                passed: 6,
                failed: 1,
                empty_binaries: 1
            }
        );
    }
}
