//! The ticker demo in headless Chromium against the live server's /stocks feed.

mod common;

use common::{Mounted, server};
use wasm_bindgen_test::*;
use wslab::demos::ticker::{TickerDemo, TickerDemoProps};

wasm_bindgen_test_configure!(run_in_browser);

async fn ticker() -> Mounted<TickerDemo> {
    Mounted::<TickerDemo>::new(TickerDemoProps {
        url: format!("{}/stocks", server()).into(),
    })
    .await
}

fn has_row(demo: &Mounted<TickerDemo>, symbol: &str) -> bool {
    demo.root
        .query_selector(&format!("#row_{symbol}"))
        .ok()
        .flatten()
        .is_some()
}

fn cells(demo: &Mounted<TickerDemo>, symbol: &str) -> Vec<String> {
    demo.texts(&format!("#row_{symbol} td"))
}

#[wasm_bindgen_test]
async fn subscribes_to_the_api_references_five_symbols_on_open_with_its_formats() {
    let demo = ticker().await;
    demo.wait_for("five rows", |d| {
        ["AAPL", "GOOGL", "MSFT", "TSLA", "AMZN"]
            .iter()
            .all(|s| has_row(d, s))
    })
    .await;
    assert_eq!(demo.text("#ticker-title"), "Live Stock Prices");
    let headers = demo.texts("#ticker-table th");
    assert_eq!(headers[..4], ["Symbol", "Price", "Change", "Volume"]);
    // Rows in the API reference's order, cells in the API reference's column order.
    let symbols = demo.texts("#ticker-table tbody td.symbol");
    assert_eq!(symbols, ["AAPL", "GOOGL", "MSFT", "TSLA", "AMZN"]);
    for symbol in ["AAPL", "TSLA"] {
        let row = cells(&demo, symbol);
        assert_eq!(row[0], symbol);
        let price = row[1].strip_prefix('$').expect("price starts with $");
        assert_eq!(price.split('.').nth(1).map(str::len), Some(2), "{price}");
        assert!(
            row[2].starts_with('+') || row[2].starts_with('-'),
            "{}",
            row[2]
        );
        assert!(
            row[3].chars().all(|c| c.is_ascii_digit() || c == ','),
            "{}",
            row[3]
        );
        assert!(
            row[3].contains(','),
            "volumes are in the millions: {}",
            row[3]
        );
    }
}

#[wasm_bindgen_test]
async fn change_is_green_when_up_and_red_when_down() {
    let demo = ticker().await;
    // Ask for many symbols so both signs show up quickly.
    demo.set_value(
        "#ticker-symbol",
        "NVDA META NFLX ADBE INTC AMD ORCL CSCO IBM QCOM",
    );
    demo.wait_for("open", |d| !d.disabled("#ticker-add")).await;
    demo.click("#ticker-add").await;
    demo.wait_for("a rise and a fall", |d| {
        let ups = d.texts("td.change.up");
        let downs = d.texts("td.change.down");
        !ups.is_empty() && !downs.is_empty()
    })
    .await;
    // The API reference's colours, set on the cell as the API reference's demo does.
    for (selector, colour, sign) in [
        ("td.change.up", "green", '+'),
        ("td.change.down", "red", '-'),
    ] {
        let cell = demo.find(selector);
        assert!(cell.text_content().unwrap_or_default().starts_with(sign));
        assert_eq!(
            cell.get_attribute("style").as_deref(),
            Some(format!("color: {colour}").as_str())
        );
    }
}

#[wasm_bindgen_test]
async fn adding_and_removing_a_symbol_adds_and_removes_its_row() {
    let demo = ticker().await;
    demo.wait_for("open", |d| !d.disabled("#ticker-add")).await;
    demo.set_value("#ticker-symbol", "nvda");
    demo.click("#ticker-add").await;
    demo.wait_for("the NVDA row", |d| has_row(d, "NVDA")).await;

    demo.click("#row_NVDA button.remove").await;
    demo.wait_for("the row to go", |d| !has_row(d, "NVDA"))
        .await;
    // And it stays gone while the others keep updating.
    let applied = |d: &Mounted<TickerDemo>| d.text("#ticker-applied").parse::<u64>().unwrap_or(0);
    let before = applied(&demo);
    demo.wait_for("more quotes", |d| applied(d) >= before + 10)
        .await;
    assert!(!has_row(&demo, "NVDA"));
}

#[wasm_bindgen_test]
async fn an_unknown_symbol_is_reported() {
    let demo = ticker().await;
    demo.wait_for("open", |d| !d.disabled("#ticker-add")).await;
    demo.set_value("#ticker-symbol", "ZZZZ");
    demo.click("#ticker-add").await;
    demo.wait_for("the error", |d| {
        d.lines("#ticker-notices")
            .iter()
            .any(|l| l == "Error: unknown symbol ZZZZ")
    })
    .await;
    assert!(!has_row(&demo, "ZZZZ"));
}

#[wasm_bindgen_test]
async fn reconnect_reconnects_even_with_the_same_address() {
    // The address does not change (no rate typed): Reconnect must still open a new
    // connection. It is the only way back after the connection gave up retrying.
    let demo = ticker().await;
    let connected = |d: &Mounted<TickerDemo>| {
        d.lines("#ticker-notices")
            .iter()
            .filter(|l| l.as_str() == "Connected to stock data stream")
            .count()
    };
    demo.wait_for("the first open", |d| connected(d) == 1).await;
    demo.click("#ticker-rate-apply").await;
    demo.wait_for("a second open", |d| connected(d) == 2).await;
    // And the API reference's rows are subscribed again on the new connection.
    let applied = |d: &Mounted<TickerDemo>| d.text("#ticker-applied").parse::<u64>().unwrap_or(0);
    let before = applied(&demo);
    demo.wait_for("quotes on the new connection", |d| applied(d) >= before + 5)
        .await;
}
