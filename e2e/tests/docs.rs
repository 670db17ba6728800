//! The doc pages in a real browser: the source panel shows the repository's files as they
//! are (fetched from the build's copies, also from a sub-path), copying says whether it
//! worked, a file that cannot be loaded says so, and the language switch translates the
//! page around the demos and is remembered.

mod common;

use anyhow::{Context, Result};
use common::{open_source, pages, root};
use serde_json::{Value, json};
use wslab_e2e::{AppServer, ChromeDriver, Session};

/// The `textContent` of the first element matching `css`.
fn text_content(page: &Session, css: &str) -> Result<String> {
    page.execute(
        "const el = document.querySelector(arguments[0]); return el ? el.textContent : null;",
        json!([css]),
    )?
    .as_str()
    .map(str::to_owned)
    .with_context(|| format!("no element matches {css}"))
}

/// The files the panel offers (each tab's title is its path).
fn listed_files(page: &Session) -> Result<Vec<String>> {
    let value = page.execute(
        "return Array.from(document.querySelectorAll('#source [role=tab]'), t => t.title);",
        json!([]),
    )?;
    Ok(value
        .as_array()
        .context("no tabs")?
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect())
}

/// Shows the tab of `file` and waits for its text.
fn show_file(page: &Session, index: usize, file: &str) -> Result<String> {
    page.click(&format!("#source-tab-{index}"))?;
    page.wait_for(&format!("{file} to load"), |p| {
        Ok(p.execute(
            "const c = document.querySelector('#source-text'); return c ? c.dataset.file : '';",
            json!([]),
        )? == json!(file))
    })?;
    text_content(page, "#source-text")
}

fn origin(server: &AppServer) -> String {
    format!("http://{}", server.addr)
}

#[test]
fn every_page_shows_its_real_source_files() -> Result<()> {
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1280, 900)?;
    let mut shown = 0;
    for name in pages() {
        page.goto(&server.url(&format!("/#/{name}")))?;
        open_source(&page)?;
        let files = listed_files(&page)?;
        assert!(!files.is_empty(), "{name}: no files offered");
        for (index, file) in files.iter().enumerate() {
            let on_page = show_file(&page, index, file)?;
            let on_disk = std::fs::read_to_string(root().join(file))
                .with_context(|| format!("{name} lists {file}, not in the repository"))?;
            assert!(
                on_page == on_disk,
                "{file} on the page differs from the repository (stale build?)"
            );
            shown += 1;
        }
    }
    assert!(shown >= 10, "only {shown} files shown");
    assert_eq!(page.console_errors()?, Vec::<String>::new());
    Ok(())
}

#[test]
fn the_source_is_found_from_a_sub_path_too() -> Result<()> {
    let pages = wslab_e2e::StaticHost::start()?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1280, 900)?;
    page.goto(&format!("http://{}/wslab/#/ticker", pages.addr))?;
    open_source(&page)?;
    let on_disk = std::fs::read_to_string(root().join("src/demos/ticker.rs"))?;
    assert_eq!(text_content(&page, "#source-text")?, on_disk);
    Ok(())
}

#[test]
fn copy_puts_the_file_in_the_clipboard_and_a_refusal_is_shown() -> Result<()> {
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1280, 900)?;
    page.cdp(
        "Browser.grantPermissions",
        json!({ "origin": origin(&server), "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"] }),
    )?;
    page.goto(&server.url("/#/chat"))?;
    open_source(&page)?;
    page.click("#source-copy")?;
    page.wait_for("the copy to be announced", |p| {
        Ok(p.text("#source-copy-status")? == "Copied")
    })?;
    let pasted = page.execute_async(
        "const done = arguments[arguments.length - 1];\
         navigator.clipboard.readText().then(done, e => done('read failed: ' + e));",
        json!([]),
    )?;
    let on_disk = std::fs::read_to_string(root().join("src/demos/chat.rs"))?;
    assert!(
        pasted == json!(on_disk),
        "the clipboard does not hold chat.rs"
    );

    // Without the permission the browser refuses, and the page says so.
    page.cdp(
        "Browser.setPermission",
        json!({ "origin": origin(&server), "permission": { "name": "clipboard-write" }, "setting": "denied" }),
    )?;
    page.click("#source-copy")?;
    page.wait_for("the refusal to be shown", |p| {
        Ok(p.text("#source-copy-status")?
            .starts_with("Could not copy: "))
    })?;
    let class = page.execute(
        "return document.querySelector('#source-copy-status').className;",
        json!([]),
    )?;
    assert!(
        class.as_str().unwrap_or_default().contains("error"),
        "{class}"
    );
    Ok(())
}

/// Makes the browser refuse every request to a URL matching `pattern` (`*` for any part).
fn block(page: &Session, pattern: &str) -> Result<()> {
    page.cdp("Network.enable", json!({}))?;
    page.cdp("Network.setBlockedURLs", json!({ "urls": [pattern] }))?;
    Ok(())
}

#[test]
fn a_source_that_cannot_be_loaded_says_so_and_can_be_retried() -> Result<()> {
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1280, 900)?;
    block(&page, "*/source/src/demos/echo.rs")?;
    page.goto(&server.url("/#/echo"))?;
    page.wait_for("the app", |p| Ok(!p.disabled("#openbtn")?))?;
    page.click("#source summary")?;
    page.wait_for("the load failure", |p| {
        Ok(p.text("#source-error")?
            .starts_with("Could not load src/demos/echo.rs: "))
    })?;
    // The other files still load.
    assert!(show_file(&page, 1, "src/demos/echo/hello.rs")?.contains("HelloDemo"));
    page.click("#source-tab-0")?;
    page.wait_for("the failure again", |p| Ok(p.text("#source-error").is_ok()))?;
    page.cdp("Network.setBlockedURLs", json!({ "urls": [] }))?;
    page.click("#source-retry")?;
    page.wait_for("the retried file", |p| {
        Ok(text_content(p, "#source-text")?.contains("EchoDemo"))
    })?;
    Ok(())
}

#[test]
fn the_language_switch_translates_the_page_around_the_demos_and_is_remembered() -> Result<()> {
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1280, 900)?;
    page.goto(&server.url("/#/echo"))?;
    page.wait_for("the app", |p| Ok(!p.disabled("#openbtn")?))?;
    let html_lang = |p: &Session| -> Result<Value> {
        p.execute("return document.documentElement.lang;", json!([]))
    };
    assert_eq!(html_lang(&page)?, json!("en"));
    assert_eq!(page.text("#explain-title")?, "How it works");
    page.wait_for("the English words", |p| {
        Ok(p.text("#explain-body")?
            .starts_with("The browser opens a WebSocket"))
    })?;
    assert_eq!(page.text("nav a[aria-current=page]")?, "Echo");

    page.click(".lang-switch button[lang=fr]")?;
    page.wait_for("the French page", |p| Ok(html_lang(p)? == json!("fr")))?;
    assert_eq!(page.text("#explain-title")?, "Comment ça marche");
    // The explanation's French is fetched from the page's doc.fr.txt.
    page.wait_for("the French words", |p| {
        Ok(p.text("#explain-body")?
            .starts_with("Le navigateur ouvre une WebSocket"))
    })?;
    assert!(
        page.text(".steps li:first-child .note")?
            .starts_with("la poignée de main d'ouverture")
    );
    assert!(page.text("#explain-problem").is_err());
    assert_eq!(page.text("nav a[aria-current=page]")?, "Écho");
    assert_eq!(page.text("#source-title")?, "Code source");
    assert_eq!(
        page.execute("return document.title;", json!([]))?,
        json!("Écho · wslab — démos WebSocket en Rust")
    );
    assert_eq!(
        page.execute(
            "return document.querySelector('.lang-switch button[lang=fr]').getAttribute('aria-pressed');",
            json!([])
        )?,
        json!("true")
    );
    // The demo keeps the original pages' words and ids, marked as English.
    assert_eq!(page.text("#openbtn")?, "Open");
    assert_eq!(
        page.execute(
            "return document.querySelector('#demo').closest('[lang]').lang;",
            json!([])
        )?,
        json!("en")
    );

    // Remembered across a reload.
    page.goto(&server.url("/?again#/chat"))?;
    page.wait_for("the French chat page", |p| {
        Ok(p.text("nav a[aria-current=page]")? == "Discussion")
    })?;
    assert_eq!(html_lang(&page)?, json!("fr"));
    page.click(".lang-switch button[lang=en]")?;
    page.wait_for("English again", |p| Ok(html_lang(p)? == json!("en")))?;
    assert_eq!(page.text("#explain-title")?, "How it works");
    assert_eq!(page.console_errors()?, Vec::<String>::new());
    Ok(())
}

#[test]
fn a_text_that_cannot_be_fetched_is_said_and_the_rest_of_the_page_works() -> Result<()> {
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1280, 900)?;
    block(&page, "*/source/src/demos/chat/doc.fr.txt")?;
    page.goto(&server.url("/#/chat"))?;
    page.wait_for("the English words", |p| {
        Ok(p.text("#explain-body")?
            .starts_with("The page opens one WebSocket"))
    })?;
    page.click(".lang-switch button[lang=fr]")?;
    page.wait_for("the failure", |p| Ok(p.text("#explain-problem").is_ok()))?;
    let problem = page.text("#explain-problem")?;
    assert!(
        problem.starts_with("Impossible de charger src/demos/chat/doc.fr.txt: "),
        "{problem}"
    );
    assert_eq!(page.text("#explain-body")?, "");
    // The messages are still listed, with their frames; the demo still works.
    assert_eq!(page.lines(".steps")?.len(), 9);
    assert_eq!(page.text("#explain-title")?, "Comment ça marche");
    // Back in English, the words fetched before are shown at once.
    page.click(".lang-switch button[lang=en]")?;
    page.wait_for("the English words again", |p| {
        Ok(p.text("#explain-body")?
            .starts_with("The page opens one WebSocket"))
    })?;
    assert!(page.text("#explain-problem").is_err());
    // Another page's French still comes.
    page.click(".lang-switch button[lang=fr]")?;
    page.goto(&server.url("/?again#/ticker"))?;
    page.wait_for("the ticker's French", |p| {
        Ok(p.text("#explain-body")?
            .starts_with("Une fois sa WebSocket"))
    })?;
    Ok(())
}

#[test]
fn a_french_browser_gets_french_first() -> Result<()> {
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1280, 900)?;
    let agent = page.execute("return navigator.userAgent;", json!([]))?;
    page.cdp(
        "Network.setUserAgentOverride",
        json!({ "userAgent": agent, "acceptLanguage": "fr-CA,fr;q=0.9" }),
    )?;
    page.goto(&server.url("/#/ticker"))?;
    page.wait_for("the French page", |p| {
        Ok(p.execute("return document.documentElement.lang;", json!([]))? == json!("fr"))
    })?;
    assert_eq!(
        page.execute("return navigator.language;", json!([]))?,
        json!("fr-CA")
    );
    assert_eq!(page.text("nav a[aria-current=page]")?, "Cotations");
    Ok(())
}
