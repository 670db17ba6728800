//! The ticker page in a real browser: the API reference's five rows, live updates, add and remove.

use anyhow::Result;
use wslab_e2e::{AppServer, ChromeDriver, Session};

const FIRST: [&str; 5] = ["AAPL", "GOOGL", "MSFT", "TSLA", "AMZN"];

fn row(page: &Session, symbol: &str) -> Result<Vec<String>> {
    page.lines(&format!("#row_{symbol}"))
}

#[test]
fn the_ticker_streams_the_api_references_symbols_and_follows_add_and_remove() -> Result<()> {
    let server = AppServer::start()?;
    let driver = ChromeDriver::start()?;
    let page = Session::start(&driver, 1000, 900)?;
    page.goto(&server.url("/#/ticker"))?;
    page.wait_for("the API reference's five rows", |p| {
        Ok(FIRST
            .iter()
            .all(|s| row(p, s).is_ok_and(|cells| cells.len() >= 4)))
    })?;
    // Prices move: the first row's price changes while we watch.
    let first = row(&page, "AAPL")?[1].clone();
    page.wait_for("AAPL to move", |p| Ok(row(p, "AAPL")?[1] != first))?;

    page.type_into("#ticker-symbol", "NVDA, META\n")?;
    page.wait_for("the added rows", |p| {
        Ok(row(p, "NVDA").is_ok() && row(p, "META").is_ok())
    })?;
    if let Some(dir) = std::env::var_os("WSLAB_SCREENSHOTS") {
        // Let a few updates paint their sparklines first.
        page.wait_for("some history", |p| {
            Ok(p.execute(
                "return document.querySelector('#row_META polyline').getAttribute('points').split(' ').length;",
                serde_json::json!([]),
            )?
            .as_u64()
            .unwrap_or(0)
                > 12)
        })?;
        page.demo_screenshot(&std::path::Path::new(&dir).join("ticker.png"))?;
    }
    page.click("#row_TSLA button.remove")?;
    page.wait_for("TSLA's row to go", |p| Ok(row(p, "TSLA").is_err()))?;
    assert_eq!(page.console_errors()?, Vec::<String>::new());
    Ok(())
}
