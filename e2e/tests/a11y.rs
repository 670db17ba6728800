//! Accessibility in a real browser: axe-core on every page with data on it, light and
//! dark, at 360 px and desktop widths, failing on any serious or critical violation; no
//! sideways scrolling of the page at 360 px (nor at 1280); and the echo demo and the source panel
//! operated with the keyboard alone.
//!
//! axe-core comes from `WSLAB_AXE` (the path of `axe.min.js`), which `cargo xtask test`
//! installs from npm and sets. With `WSLAB_SCREENSHOTS=docs/screenshots` the axe test also
//! saves the chat page in light, in dark and at 360 px; `WSLAB_A11Y_SHOTS=DIR` saves every
//! page in every look there, for review.

mod common;

use std::fmt::Write as _;

use anyhow::{Context, Result, bail};
use common::{open_source, pages, show_with_data};
use serde_json::{Value, json};
use wslab_e2e::{ARROW_RIGHT, AppServer, ChromeDriver, ENTER, Session};

/// axe-core's impact levels, worst first.
const IMPACTS: [&str; 4] = ["critical", "serious", "moderate", "minor"];

/// One way of looking at the pages.
struct Look {
    name: &'static str,
    width: u32,
    height: u32,
    dark: bool,
    french: bool,
}

const LOOKS: [Look; 5] = [
    Look {
        name: "light 1280",
        width: 1280,
        height: 900,
        dark: false,
        french: false,
    },
    Look {
        name: "dark 1280",
        width: 1280,
        height: 900,
        dark: true,
        french: false,
    },
    Look {
        name: "light 360",
        width: 360,
        height: 800,
        dark: false,
        french: false,
    },
    Look {
        name: "dark 360",
        width: 360,
        height: 800,
        dark: true,
        french: false,
    },
    Look {
        name: "light 1280 fr",
        width: 1280,
        height: 900,
        dark: false,
        french: true,
    },
];

/// One rule axe found broken, with where.
struct Violation {
    id: String,
    impact: String,
    help: String,
    nodes: usize,
    targets: Vec<String>,
}

fn axe_source() -> Result<String> {
    let path = std::env::var_os("WSLAB_AXE").context(
        "WSLAB_AXE is not set: it names axe-core's axe.min.js (`cargo xtask test` installs \
         axe-core and sets it)",
    )?;
    std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read WSLAB_AXE={}", path.to_string_lossy()))
}

/// Runs axe on the page as it is (injecting it first if this document lacks it).
fn run_axe(page: &Session, axe: &str) -> Result<Vec<Violation>> {
    if page.execute("return typeof window.axe;", json!([]))? != json!("object") {
        page.execute(&format!("{axe}\n;return typeof window.axe;"), json!([]))?;
    }
    let result = page.execute_async(
        "const done = arguments[arguments.length - 1];\
         axe.run(document, { resultTypes: ['violations'] }).then(r => done({ passes: r.passes.length,\
           violations: r.violations.map(v => ({\
           id: v.id, impact: v.impact || 'minor', help: v.help, nodes: v.nodes.length,\
           targets: v.nodes.slice(0, 4).map(n => n.target.join(' ')) })) }), e => done({ error: String(e) }));",
        json!([]),
    )?;
    if let Some(error) = result.get("error") {
        bail!("axe.run failed: {error}");
    }
    // A run that checked nothing would report nothing: make sure rules ran.
    if result["passes"].as_u64().unwrap_or_default() < 10 {
        bail!("axe passed fewer than 10 rules: did it run? {result}");
    }
    let list = result["violations"]
        .as_array()
        .context("axe gave no violations list")?;
    Ok(list
        .iter()
        .map(|v| Violation {
            id: v["id"].as_str().unwrap_or_default().to_owned(),
            impact: v["impact"].as_str().unwrap_or("minor").to_owned(),
            help: v["help"].as_str().unwrap_or_default().to_owned(),
            nodes: v["nodes"].as_u64().unwrap_or_default() as usize,
            targets: v["targets"]
                .as_array()
                .map(|t| {
                    t.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect())
}

/// `(scrollWidth, clientWidth)` of the page: wider than its client area, it scrolls
/// sideways. (`clientWidth` leaves out the vertical scrollbar, so this is stricter than
/// comparing with `innerWidth`.)
fn page_widths(page: &Session) -> Result<(u64, u64)> {
    let value = page.execute(
        "const root = document.documentElement; return [root.scrollWidth, root.clientWidth];",
        json!([]),
    )?;
    Ok((
        value[0].as_u64().unwrap_or(u64::MAX),
        value[1].as_u64().unwrap_or_default(),
    ))
}

#[test]
fn axe_finds_nothing_serious_on_any_page_in_any_look() -> Result<()> {
    let axe = axe_source()?;
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let screenshots = std::env::var_os("WSLAB_SCREENSHOTS").map(std::path::PathBuf::from);
    // Every page in every look, for a human to review (not committed).
    let every_page = std::env::var_os("WSLAB_A11Y_SHOTS").map(std::path::PathBuf::from);
    let mut table = String::new();
    let _ = writeln!(
        table,
        "{:<10} {:<14} {:>8} {:>8} {:>8} {:>6}  {:<9} rules",
        "page", "look", "critical", "serious", "moderate", "minor", "overflow"
    );
    let mut failures = Vec::new();
    for look in &LOOKS {
        let page = Session::start(&driver, 1280, 900)?;
        page.emulate(look.width, look.height, look.dark)?;
        let base = if look.french {
            page.goto(&server.url("/"))?;
            page.execute("localStorage.setItem('wslab.lang', 'fr');", json!([]))?;
            server.url("/?fr")
        } else {
            server.url("/")
        };
        for name in pages() {
            show_with_data(&page, &base, name)?;
            open_source(&page)?;
            // The message inspectors too, with their frames listed.
            page.execute(
                "document.querySelectorAll('details.inspector').forEach(d => { d.open = true; });",
                json!([]),
            )?;
            page.wait_for("the demo's inspector to list its frames", |p| {
                Ok(p.execute(
                    "return document.querySelector('details.inspector .inspector-frame') !== null;",
                    json!([]),
                )? == json!(true))
            })?;
            let seen = page.execute(
                "return [window.innerWidth, matchMedia('(prefers-color-scheme: dark)').matches];",
                json!([]),
            )?;
            assert_eq!(
                seen,
                json!([look.width, look.dark]),
                "{}: the emulation did not take",
                look.name
            );
            if look.french {
                page.wait_for("the French page", |p| {
                    Ok(
                        p.execute("return document.documentElement.lang;", json!([]))?
                            == json!("fr"),
                    )
                })?;
            }
            let violations = run_axe(&page, &axe)?;
            let count = |impact: &str| {
                violations
                    .iter()
                    .filter(|v| v.impact == impact)
                    .map(|v| v.nodes)
                    .sum::<usize>()
            };
            let (scroll, inner) = page_widths(&page)?;
            let overflow = scroll > inner;
            let _ = writeln!(
                table,
                "{:<10} {:<14} {:>8} {:>8} {:>8} {:>6}  {:<9} {}",
                name,
                look.name,
                count("critical"),
                count("serious"),
                count("moderate"),
                count("minor"),
                if overflow {
                    format!("{scroll}>{inner}")
                } else {
                    "none".into()
                },
                violations
                    .iter()
                    .map(|v| format!("{}({})", v.id, v.impact))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            for v in &violations {
                if IMPACTS[..2].contains(&v.impact.as_str()) {
                    failures.push(format!(
                        "{name} / {}: {} [{}] {} — {} node(s), e.g. {:?}",
                        look.name, v.id, v.impact, v.help, v.nodes, v.targets
                    ));
                }
            }
            if overflow {
                failures.push(format!(
                    "{name} / {}: the page scrolls sideways (scrollWidth {scroll} > clientWidth {inner})",
                    look.name
                ));
            }
            page.execute("window.scrollTo(0, 0);", json!([]))?;
            if let (Some(dir), "chat", false) = (&screenshots, name, look.french) {
                match (look.dark, look.width) {
                    (false, 1280) => page.full_screenshot(&dir.join("doc-light.png"), 1300.0)?,
                    (true, 1280) => page.full_screenshot(&dir.join("doc-dark.png"), 1300.0)?,
                    (false, 360) => page.full_screenshot(&dir.join("doc-360.png"), 2600.0)?,
                    _ => {}
                }
            }
            if let Some(dir) = &every_page {
                let file = format!("{name}-{}.png", look.name.replace(' ', "-"));
                page.full_screenshot(&dir.join(file), 4000.0)?;
            }
        }
    }
    println!("\n== axe-core on every page (nodes per impact; sideways overflow) ==\n{table}");
    // `cargo xtask test` prints it just before its summary.
    let dir = table_dir();
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("axe.txt"), &table)?;
    assert!(
        failures.is_empty(),
        "serious or critical accessibility problems:\n{}",
        failures.join("\n")
    );
    Ok(())
}

#[test]
fn axe_reports_what_it_should() -> Result<()> {
    let axe = axe_source()?;
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1280, 900)?;
    page.goto(&server.url("/#/echo"))?;
    page.wait_for("the app", |p| Ok(!p.disabled("#openbtn")?))?;
    // Plant two problems: a button with no name, grey text on grey.
    page.execute(
        "const main = document.querySelector('main');\
         main.insertAdjacentHTML('beforeend', '<button id=\"planted\"></button>\
           <p style=\"color:#888;background:#999\">planted</p>');",
        json!([]),
    )?;
    let violations = run_axe(&page, &axe)?;
    let found =
        |id: &str, impact: &str| violations.iter().any(|v| v.id == id && v.impact == impact);
    assert!(found("button-name", "critical"), "button-name not reported");
    assert!(
        found("color-contrast", "serious"),
        "color-contrast not reported"
    );
    // And the overflow check sees a page wider than the window.
    let (scroll, inner) = page_widths(&page)?;
    assert!(scroll <= inner, "{scroll} > {inner} before planting");
    page.execute(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<pre>' + 'x'.repeat(400) + '</pre>');",
        json!([]),
    )?;
    let (scroll, inner) = page_widths(&page)?;
    assert!(
        scroll > inner,
        "a 400-character line did not overflow ({scroll} <= {inner})"
    );
    Ok(())
}

/// `target/a11y` (next to Cargo's `target/tmp`).
fn table_dir() -> std::path::PathBuf {
    let tmp = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent()
        .map_or(tmp.clone(), std::path::PathBuf::from)
        .join("a11y")
}

/// Whether the focused element shows a focus indicator (an outline, as `:focus-visible`
/// draws it).
fn focus_is_visible(page: &Session) -> Result<bool> {
    Ok(page.execute(
        "const el = document.activeElement;\
         return !!el && el.matches(':focus-visible') && getComputedStyle(el).outlineStyle !== 'none';",
        json!([]),
    )? == json!(true))
}

#[test]
fn the_echo_demo_works_with_the_keyboard_alone() -> Result<()> {
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1280, 900)?;
    page.goto(&server.url("/#/echo"))?;
    page.wait_for("the app", |p| Ok(!p.disabled("#openbtn")?))?;

    // From the top of the page, Tab by Tab: the skip link, the header, then the demo.
    page.tab_to("openbtn", 30)?;
    assert!(focus_is_visible(&page)?, "no visible focus on Open");
    page.press(&[ENTER])?;
    page.wait_for("the connection to open", |p| Ok(!p.disabled("#sendbtn")?))?;

    page.tab_to("data", 5)?;
    assert!(
        focus_is_visible(&page)?,
        "no visible focus on the message field"
    );
    page.press(&["typed, not pasted"])?;
    page.tab_to("sendbtn", 5)?;
    assert!(focus_is_visible(&page)?, "no visible focus on Send");
    page.press(&[ENTER])?;
    page.wait_for("the echo", |p| {
        Ok(p.count_lines("#echo-log", "typed, not pasted")? == 2)
    })?;

    page.tab_to("closebtn", 5)?;
    assert!(focus_is_visible(&page)?, "no visible focus on Close");
    page.press(&[ENTER])?;
    page.wait_for("the close", |p| Ok(!p.disabled("#openbtn")?))?;
    assert!(
        page.lines("#echo-log")?
            .iter()
            .any(|l| l == "Connection closed: code 1000 (Normal Closure), clean")
    );
    // The focus is not trapped: Shift+Tab goes back, Tab goes on past the demo.
    page.shift_tab()?;
    assert_ne!(page.focused_id()?, "closebtn");
    page.tab_to("source-toggle", 40)?;
    assert_eq!(page.console_errors()?, Vec::<String>::new());
    Ok(())
}

#[test]
fn the_source_panel_works_with_the_keyboard_alone() -> Result<()> {
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1280, 900)?;
    page.cdp(
        "Browser.grantPermissions",
        json!({ "origin": format!("http://{}", server.addr),
                "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"] }),
    )?;
    page.goto(&server.url("/#/reliable"))?;
    page.wait_for("the app", |p| Ok(p.text("#reliable-status").is_ok()))?;

    page.tab_to("source-toggle", 60)?;
    assert!(
        focus_is_visible(&page)?,
        "no visible focus on the source toggle"
    );
    page.press(&[ENTER])?;
    page.wait_for("the first file", |p| {
        Ok(p.text("#source-path")? == "src/demos/reliable.rs")
    })?;
    page.tab_to("source-tab-0", 3)?;
    // Arrow keys move between the files (and show them); Tab leaves the list.
    page.press(&[ARROW_RIGHT])?;
    assert_eq!(page.focused_id()?, "source-tab-1");
    page.wait_for("the second file", |p| {
        Ok(p.text("#source-path")? == "src/demos/reliable/state.rs")
    })?;
    page.tab_to("source-copy", 2)?;
    assert!(focus_is_visible(&page)?, "no visible focus on Copy");
    page.press(&[ENTER])?;
    page.wait_for("the copy", |p| {
        Ok(p.text("#source-copy-status")? == "Copied")
    })?;
    page.tab_to("source-code-scroll", 2)?;
    assert!(
        focus_is_visible(&page)?,
        "the code's scroll box shows no focus"
    );
    Ok(())
}
