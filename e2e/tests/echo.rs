//! The echo page in a real browser: the release build, served by wslab-server, driven by
//! the doc's ids in headless Chromium.

use anyhow::Result;
use wslab_e2e::{AppServer, ChromeDriver, Session};

/// Where to save screenshots, if asked (`WSLAB_SCREENSHOTS=docs/screenshots`).
fn screenshot(session: &Session, name: &str) -> Result<()> {
    if let Some(dir) = std::env::var_os("WSLAB_SCREENSHOTS") {
        session.demo_screenshot(&std::path::Path::new(&dir).join(name))?;
    }
    Ok(())
}

#[test]
fn the_docs_open_send_close_flow() -> Result<()> {
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1280, 900)?;
    page.goto(&server.url("/"))?;

    page.wait_for("the app to render", |p| Ok(!p.disabled("#openbtn")?))?;
    assert!(page.disabled("#sendbtn")?);
    assert!(page.disabled("#closebtn")?);
    assert_eq!(
        page.value("#echo-url")?,
        format!("ws://{}/echo", server.addr)
    );

    page.click("#openbtn")?;
    page.wait_for("the connection to open", |p| Ok(!p.disabled("#sendbtn")?))?;
    assert!(page.disabled("#openbtn")?);
    assert!(!page.disabled("#closebtn")?);

    page.type_into("#data", "Bonjour depuis Chromium")?;
    page.click("#sendbtn")?;
    page.wait_for("the echo", |p| {
        Ok(p.count_lines("#echo-log", "Bonjour depuis Chromium")? == 2)
    })?;

    // The one-shot server beside it.
    page.click("#hello-send")?;
    page.wait_for("the hello reply", |p| {
        Ok(p.count_lines("#hello-log", "Message bien reçu")? == 1)
    })?;
    screenshot(&page, "echo.png")?;

    page.click("#closebtn")?;
    page.wait_for("the close", |p| Ok(!p.disabled("#openbtn")?))?;
    assert!(page.disabled("#sendbtn")?);
    assert!(
        page.lines("#echo-log")?
            .iter()
            .any(|l| l == "Connection closed: code 1000 (Normal Closure), clean")
    );
    assert_eq!(page.console_errors()?, Vec::<String>::new());
    Ok(())
}

#[test]
fn an_unreachable_server_is_explained_on_the_page() -> Result<()> {
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1280, 900)?;
    page.goto(&server.url("/#/echo"))?;
    page.wait_for("the app to render", |p| Ok(!p.disabled("#openbtn")?))?;
    page.type_into("#echo-url", "ws://127.0.0.1:9/echo")?;
    page.click("#openbtn")?;
    page.wait_for("the failure message", |p| {
        Ok(p.lines("#echo-log")?
            .iter()
            .any(|l| l.starts_with("Could not connect to ws://127.0.0.1:9/echo")))
    })?;
    page.wait_for("Open to be enabled again", |p| Ok(!p.disabled("#openbtn")?))?;
    assert!(page.disabled("#sendbtn")?);
    // Only the browser's own network error, nothing from the app.
    let errors = page.console_errors()?;
    assert!(
        errors
            .iter()
            .all(|e| e.contains("WebSocket connection to 'ws://127.0.0.1:9/echo' failed")),
        "{errors:?}"
    );
    Ok(())
}

#[test]
fn a_connect_that_hangs_can_be_given_up_with_close() -> Result<()> {
    // A listener that never answers: the kernel takes the connection, nobody reads the
    // handshake, so the browser stays in CONNECTING for as long as this test lasts.
    let silent = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("ws://{}/echo", silent.local_addr()?);
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1280, 900)?;
    page.goto(&server.url("/#/echo"))?;
    page.wait_for("the app to render", |p| Ok(!p.disabled("#openbtn")?))?;
    page.type_into("#echo-url", &url)?;
    page.click("#openbtn")?;
    page.wait_for("CONNECTING with Close enabled", |p| {
        Ok(p.text("#echo-status")?.contains("0 (CONNECTING)") && !p.disabled("#closebtn")?)
    })?;
    assert!(page.disabled("#openbtn")?);
    assert!(page.disabled("#sendbtn")?);

    page.click("#closebtn")?;
    page.wait_for("Open to be enabled again", |p| Ok(!p.disabled("#openbtn")?))?;
    let lines = page.lines("#echo-log")?;
    assert!(
        lines.iter().any(|l| l == "Connection attempt cancelled"),
        "{lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.starts_with("Could not connect")),
        "{lines:?}"
    );
    assert!(page.disabled("#closebtn")?);
    // Only the browser's own word on the abandoned handshake, nothing from the app.
    let errors = page.console_errors()?;
    assert!(
        errors
            .iter()
            .all(|e| e.contains(&format!("WebSocket connection to '{url}' failed"))),
        "{errors:?}"
    );
    drop(silent);
    Ok(())
}

#[test]
fn the_server_setting_comes_from_the_query_and_is_remembered() -> Result<()> {
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1280, 900)?;
    page.goto(&server.url("/?server=ws://127.0.0.1:1"))?;
    page.wait_for("the app to render", |p| Ok(!p.disabled("#openbtn")?))?;
    assert_eq!(page.value("#server-url")?, "ws://127.0.0.1:1");
    assert_eq!(page.value("#echo-url")?, "ws://127.0.0.1:1/echo");

    page.goto(&server.url("/"))?;
    page.wait_for("the app to render", |p| Ok(!p.disabled("#openbtn")?))?;
    assert_eq!(page.value("#server-url")?, "ws://127.0.0.1:1");

    // The settings field puts it back.
    page.type_into("#server-url", &format!("http://{}", server.addr))?;
    page.click("#server-save")?;
    let expected = format!("ws://{}/echo", server.addr);
    page.wait_for("the echo URL to follow", |p| {
        Ok(p.value("#echo-url")? == expected)
    })?;
    page.click("#openbtn")?;
    page.wait_for("the connection to open", |p| Ok(!p.disabled("#sendbtn")?))?;
    Ok(())
}

#[test]
fn static_hosting_from_a_sub_path_talks_to_the_server_named_in_the_query() -> Result<()> {
    let pages = wslab_e2e::StaticHost::start()?;
    // The server admits the static host's origin, as `--allow-origin` would.
    let server = AppServer::start_with(wslab_server::Config {
        origins: wslab_server::Origins::new(vec![
            format!("http://{}", pages.addr)
                .parse()
                .map_err(anyhow::Error::msg)?,
        ]),
        ..wslab_server::Config::default()
    })?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1280, 900)?;
    page.goto(&format!(
        "http://{}/wslab/?server=ws://{}#/echo",
        pages.addr, server.addr
    ))?;
    page.wait_for("the app to render", |p| Ok(!p.disabled("#openbtn")?))?;
    assert_eq!(
        page.value("#echo-url")?,
        format!("ws://{}/echo", server.addr)
    );
    page.type_into("#data", "from a static host")?;
    page.click("#openbtn")?;
    page.wait_for("the connection to open", |p| Ok(!p.disabled("#sendbtn")?))?;
    page.click("#sendbtn")?;
    page.wait_for("the echo", |p| {
        Ok(p.count_lines("#echo-log", "from a static host")? == 2)
    })?;
    assert_eq!(page.console_errors()?, Vec::<String>::new());
    Ok(())
}

#[test]
fn a_page_from_an_origin_the_server_does_not_allow_cannot_connect() -> Result<()> {
    let pages = wslab_e2e::StaticHost::start()?;
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1280, 900)?;
    let url = format!("ws://{}/echo", server.addr);
    page.goto(&format!(
        "http://{}/wslab/?server=ws://{}#/echo",
        pages.addr, server.addr
    ))?;
    page.wait_for("the app to render", |p| Ok(!p.disabled("#openbtn")?))?;
    page.click("#openbtn")?;
    page.wait_for("the failure message", |p| {
        Ok(p.lines("#echo-log")?
            .iter()
            .any(|l| l.starts_with(&format!("Could not connect to {url}"))))
    })?;
    assert!(page.disabled("#sendbtn")?);
    // The browser saw the server's 403 before any upgrade.
    let errors = page.console_errors()?;
    assert!(errors.iter().any(|e| e.contains("403")), "{errors:?}");
    Ok(())
}
