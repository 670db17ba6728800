//! Two browsers chat through nginx, each on a different `wslab-server` process of one Redis;
//! the server of one is killed with `kill -9`, and its page reconnects through nginx to the
//! other, showing every line said meanwhile, none twice.

use anyhow::{Context, Result, bail};
use wslab_e2e::{
    ChromeDriver, Session,
    cluster::{Nginx, Redis, ServerProcess, connections, scratch, wait_until},
    dist_dir,
};

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
fn a_page_whose_server_dies_reconnects_through_nginx_and_misses_nothing() -> Result<()> {
    let dir = scratch("browser")?;
    let redis = Redis::start(&dir, false)?;
    let dist = dist_dir()?.display().to_string();
    let args: Vec<String> = [
        "--broker",
        &redis.url(),
        "--member-ttl",
        "3",
        "--dist",
        &dist,
        "--trusted-proxy",
        "127.0.0.1",
    ]
    .map(String::from)
    .to_vec();
    let mut servers = vec![
        ServerProcess::start(&args, &dir.join("one.log"))?,
        ServerProcess::start(&args, &dir.join("two.log"))?,
    ];
    for server in &servers {
        server.wait_health(200)?;
    }
    let nginx = Nginx::start(&dir.join(""), &[servers[0].addr, servers[1].addr])?;
    let driver = ChromeDriver::start()?;
    let ada = Session::start(&driver, 900, 760)?;
    let bob = Session::start(&driver, 900, 760)?;
    let room = "cluster";
    let held = |index: usize| connections(servers[index].addr).unwrap_or(0);

    ada.goto(&format!("http://{}/#/chat", nginx.addr))?;
    join(&ada, "Ada", room)?;
    wait_until("Ada's socket on a server", wslab_e2e::WAIT, || {
        held(0) + held(1) == 1
    })?;
    let adas = usize::from(held(1) == 1);
    // least_conn counts the page's own HTTP requests too (its assets, its text): one still
    // open on the other server when the socket connects ties the count, and the tie goes
    // round robin. So Bob reloads until his socket is on the other server (a few tries).
    let mut tries = 0;
    loop {
        tries += 1;
        bob.goto(&format!("http://{}/?try={tries}#/chat", nginx.addr))?;
        join(&bob, "Bob", room)?;
        wait_until("Bob's socket on a server", wslab_e2e::WAIT, || {
            held(0) + held(1) == 2
        })?;
        if held(1 - adas) == 1 {
            break;
        }
        if tries == 5 {
            bail!(
                "nginx put both pages on one server 5 times (least_conn in deploy/nginx.conf should not)"
            );
        }
        // Out of the room, so that the name "Bob" is free again (said by the server at once;
        // a page navigated away from may be slow to close its socket), then gone.
        bob.click("#chat-leave")?;
        ada.wait_for("Bob to leave", |p| {
            let left = p.lines("#chat-messages")?;
            Ok(left
                .iter()
                .filter(|l| l.contains("Bob left the chat"))
                .count()
                == tries)
        })
        .with_context(|| format!("Ada's lines: {:?}", ada.lines("#chat-messages")))?;
        bob.goto("about:blank")?;
        wait_until("Bob's socket to close", wslab_e2e::WAIT, || {
            held(0) + held(1) == 1
        })?;
    }
    bob.type_into("#chat-input", "before\n")?;
    ada.wait_for("Bob's first line", |p| shows(p, "Bob: before"))?;

    servers[adas].kill9();
    for n in 1..=3 {
        bob.type_into("#chat-input", &format!("while away {n}\n"))?;
        bob.wait_for("Bob's own line", |p| {
            shows(p, &format!("Bob: while away {n}"))
        })?;
    }
    ada.wait_for("Ada back, with what Bob said meanwhile", |p| {
        shows(p, "Bob: while away 3")
    })?;
    ada.type_into("#chat-input", "back\n")?;
    bob.wait_for("Ada's line from the other server", |p| {
        Ok(p.lines("#chat-messages")?
            .iter()
            .any(|l| l.ends_with(": back")))
    })?;
    for line in [
        "Bob: before",
        "Bob: while away 1",
        "Bob: while away 2",
        "Bob: while away 3",
    ] {
        assert_eq!(ada.count_lines("#chat-messages", line)?, 1, "{line}");
    }
    for page in [&ada, &bob] {
        assert_eq!(page.console_errors()?, Vec::<String>::new());
    }
    Ok(())
}
