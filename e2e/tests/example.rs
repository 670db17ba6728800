//! wslab-socket's example app (`socket/examples/echo`), in its release build (`cargo xtask
//! test` builds it into `WSLAB_EXAMPLE_DIST`), served by wslab-server: open, send, the
//! echo, close, with the buttons following the socket's ready state.

use anyhow::{Context, Result};
use wslab_e2e::{AppServer, ChromeDriver, Session};

#[test]
fn the_crates_example_opens_sends_logs_the_echo_and_closes() -> Result<()> {
    let dist = std::env::var_os("WSLAB_EXAMPLE_DIST")
        .context("WSLAB_EXAMPLE_DIST is not set: run `cargo xtask test`, which builds it")?;
    let server = AppServer::start_with(wslab_server::Config {
        dist: Some(dist.into()),
        ..wslab_server::Config::default()
    })?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1024, 768)?;
    page.goto(&server.url("/"))?;
    page.wait_for("the app", |p| Ok(!p.disabled("#open")?))?;
    assert!(page.disabled("#send")? && page.disabled("#close")?);

    page.click("#open")?;
    page.wait_for("the socket open", |p| Ok(!p.disabled("#send")?))?;
    assert!(page.disabled("#open")?);
    page.click("#send")?;
    page.wait_for("the echo", |p| {
        Ok(p.lines("#log")?.iter().any(|l| l == "← hello"))
    })?;
    assert!(page.lines("#log")?.iter().any(|l| l == "→ hello"));

    page.click("#close")?;
    page.wait_for("the close", |p| {
        Ok(!p.disabled("#open")? && p.lines("#log")?.iter().any(|l| l.starts_with("Close(")))
    })?;
    let close = page
        .lines("#log")?
        .into_iter()
        .find(|l| l.starts_with("Close("));
    let close = close.unwrap_or_default();
    assert!(
        close.contains("code: 1000") && close.contains("bye"),
        "{close}"
    );
    assert_eq!(page.console_errors()?, Vec::<String>::new());
    Ok(())
}
