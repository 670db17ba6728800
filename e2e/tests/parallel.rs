//! The parallel page in a real browser: its address, ticks on their own, a reply between
//! two ticks, and a page reached through the registry's navigation.

use anyhow::Result;
use wslab_e2e::{AppServer, ChromeDriver, Session};

fn lines(page: &Session) -> Result<Vec<String>> {
    page.lines("#parallel-log")
}

#[test]
fn ticks_and_replies_interleave_and_the_page_is_in_the_navigation() -> Result<()> {
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1000, 900)?;
    page.goto(&server.url("/#/echo"))?;
    page.wait_for("the app", |p| Ok(!p.disabled("#openbtn")?))?;
    page.click("nav a[href='#/parallel']")?;
    page.wait_for("the address the server sees", |p| {
        Ok(p.text("#parallel-address")?.starts_with("127.0.0.1:"))
    })?;
    assert_eq!(page.text("nav a[aria-current=page]")?, "Parallel");
    assert_eq!(
        page.execute("return document.title;", serde_json::json!([]))?,
        serde_json::json!("Parallel · wslab — WebSocket demos in Rust")
    );
    page.wait_for("a first tick", |p| {
        Ok(lines(p)?.iter().any(|l| l == "⏱ tick 1"))
    })?;
    page.type_into("#parallel-input", "bonjour\n")?;
    page.type_into("#parallel-input", "encore\n")?;
    page.wait_for("both replies and a tick after them", |p| {
        let lines = lines(p)?;
        let last_reply = lines
            .iter()
            .rposition(|l| l.starts_with("↩ reply \"encore\""));
        Ok(last_reply.is_some_and(|at| lines[at..].iter().any(|l| l.starts_with("⏱ tick"))))
    })?;
    let lines = lines(&page)?;
    let at = |prefix: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line {prefix:?} in {lines:?}"))
    };
    assert!(at("→ bonjour") < at("↩ reply \"bonjour\""), "{lines:?}");
    assert!(
        at("↩ reply \"bonjour\"") < at("↩ reply \"encore\""),
        "{lines:?}"
    );
    assert_eq!(page.text("#parallel-replies")?, "2");
    page.click("#parallel-close")?;
    page.wait_for("the close", |p| Ok(!p.disabled("#parallel-connect")?))?;
    assert_eq!(page.console_errors()?, Vec::<String>::new());
    Ok(())
}
