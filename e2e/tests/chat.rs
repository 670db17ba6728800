//! The chat page in two real browser sessions talking through wslab-server.

use anyhow::Result;
use wslab_e2e::{AppServer, ChromeDriver, Session};

fn shows(page: &Session, text: &str) -> Result<bool> {
    Ok(page.lines("#chat-messages")?.iter().any(|l| l == text))
}

fn join(page: &Session, name: &str, room: &str) -> Result<()> {
    page.wait_for("the chat to connect", |p| {
        shows(p, "Connected to chat server")
    })?;
    page.type_into("#chat-username", name)?;
    page.type_into("#chat-room", room)?;
    page.click("#chat-join")?;
    page.wait_for("the join", |p| {
        Ok(p.lines("#chat-messages")?
            .iter()
            .any(|l| l.starts_with(&format!("You joined {room} as"))))
    })
}

#[test]
fn two_browsers_chat_through_the_server() -> Result<()> {
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let ada = Session::start(&driver, 900, 760)?;
    let bob = Session::start(&driver, 900, 760)?;
    let room = format!("e2e-{}", std::process::id());
    for page in [&ada, &bob] {
        page.goto(&server.url("/#/chat"))?;
    }
    join(&ada, "Ada", &room)?;
    join(&bob, "Bob", &room)?;
    ada.wait_for("Bob's join", |p| shows(p, "Bob joined the chat"))?;

    // Enter sends, and the input is cleared.
    ada.type_into("#chat-input", "Bonjour Bob !\n")?;
    bob.wait_for("Ada's line", |p| shows(p, "Ada: Bonjour Bob !"))?;
    assert_eq!(ada.value("#chat-input")?, "");
    bob.type_into("#chat-input", "Salut Ada, <b>ça</b> marche\n")?;
    ada.wait_for("Bob's reply", |p| {
        shows(p, "Bob: Salut Ada, <b>ça</b> marche")
    })?;
    ada.type_into("#chat-input", "On se voit en classe demain.\n")?;
    bob.wait_for("Ada's second line", |p| {
        shows(p, "Ada: On se voit en classe demain.")
    })?;
    if let Some(dir) = std::env::var_os("WSLAB_SCREENSHOTS") {
        let dir = std::path::Path::new(&dir);
        ada.demo_screenshot(&dir.join("chat-ada.png"))?;
        bob.demo_screenshot(&dir.join("chat-bob.png"))?;
    }

    bob.click("#chat-leave")?;
    ada.wait_for("Bob's leave", |p| shows(p, "Bob left the chat"))?;
    for page in [&ada, &bob] {
        assert_eq!(page.console_errors()?, Vec::<String>::new());
    }
    Ok(())
}
