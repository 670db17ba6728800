//! Helpers shared by the doc-page and accessibility tests: bring each demo page into a
//! state with data on it, and open the source panel.

#![allow(dead_code)] // each test file uses its own subset

use anyhow::Result;
use serde_json::json;
use wslab_e2e::Session;

/// The pages, by hash route: every demo of the app's registry.
pub fn pages() -> impl Iterator<Item = &'static str> {
    wslab::demos::DEMOS.iter().map(|demo| demo.slug)
}

/// The workspace root (for reading the real source files).
pub fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Whether the log with `css` has a line equal to `text`.
pub fn has_line(page: &Session, css: &str, text: &str) -> Result<bool> {
    Ok(page.lines(css)?.iter().any(|l| l == text))
}

/// Shows `name` (a route) and puts data on it the way a user would: the echo page opened
/// and echoed, the chat joined with a line said, the ticker streaming, the reliable
/// connection open, the parallel page answered between its ticks. A page without its own
/// steps here is shown once its message inspector has a frame.
pub fn show_with_data(page: &Session, base: &str, name: &str) -> Result<()> {
    page.goto(&format!("{base}#/{name}"))?;
    match name {
        "echo" => {
            page.wait_for("the echo demo", |p| Ok(!p.disabled("#openbtn")?))?;
            page.click("#openbtn")?;
            page.wait_for("the connection to open", |p| Ok(!p.disabled("#sendbtn")?))?;
            page.type_into("#data", "Bonjour")?;
            page.click("#sendbtn")?;
            page.wait_for("the echo", |p| {
                Ok(p.count_lines("#echo-log", "Bonjour")? == 2)
            })?;
            page.click("#hello-send")?;
            page.wait_for("the hello reply", |p| {
                has_line(p, "#hello-log", "Message bien reçu")
            })?;
        }
        "chat" => {
            page.wait_for("the chat to connect", |p| {
                has_line(p, "#chat-messages", "Connected to chat server")
            })?;
            // A room of its own per call: no history from an earlier session shows.
            static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let room = format!("docs-{}-{call}", std::process::id());
            page.type_into("#chat-username", "Ada")?;
            page.type_into("#chat-room", &room)?;
            page.click("#chat-join")?;
            page.wait_for("the join", |p| {
                Ok(p.lines("#chat-messages")?
                    .iter()
                    .any(|l| l.starts_with(&format!("You joined {room} as"))))
            })?;
            page.type_into("#chat-input", "Bonjour à tous\n")?;
            page.wait_for("the line to come back", |p| {
                Ok(p.lines("#chat-messages")?
                    .iter()
                    .any(|l| l.ends_with(": Bonjour à tous")))
            })?;
        }
        "ticker" => {
            page.wait_for("the ticker rows", |p| {
                Ok(["AAPL", "GOOGL", "MSFT", "TSLA", "AMZN"]
                    .iter()
                    .all(|s| p.lines(&format!("#row_{s}")).is_ok_and(|c| c.len() >= 4)))
            })?;
        }
        "reliable" => {
            page.wait_for("the reliable connection", |p| {
                Ok(p.text("#reliable-status")? == "open")
            })?;
        }
        "parallel" => {
            page.wait_for("the address", |p| {
                Ok(p.text("#parallel-address")?.starts_with("127.0.0.1:"))
            })?;
            page.type_into("#parallel-input", "Bonjour\n")?;
            page.wait_for("the reply", |p| Ok(p.text("#parallel-replies")? == "1"))?;
        }
        _ => {
            page.wait_for("a frame in the page's inspector", |p| {
                Ok(p.execute(
                    "return document.querySelector('details.inspector .inspector-frame') !== null;",
                    json!([]),
                )? == json!(true))
            })?;
        }
    }
    Ok(())
}

/// Opens the source panel if it is closed and waits for the shown file's text.
pub fn open_source(page: &Session) -> Result<()> {
    page.wait_for("the source panel", |p| Ok(p.text("#source-title").is_ok()))?;
    let open = page.execute("return document.querySelector('#source').open;", json!([]))?;
    if open != json!(true) {
        page.click("#source summary")?;
    }
    page.wait_for("the source text", |p| {
        Ok(!p.text("#source-text")?.is_empty())
    })
}
