//! Every endpoint a demo of the app's registry names is served by wslab-server: a demo
//! whose server side was forgotten (no `.route(…)` in `server/src/lib.rs`) fails here, not
//! in a browser.

use anyhow::{Context, Result};
use wslab_e2e::AppServer;

#[test]
fn every_registry_endpoint_upgrades_on_the_server() -> Result<()> {
    let server = AppServer::start()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut checked = 0;
    for demo in wslab::demos::DEMOS {
        for endpoint in demo.endpoints {
            let url = format!("ws://{}{endpoint}", server.addr);
            let (socket, response) = runtime
                .block_on(async {
                    tokio::time::timeout(
                        std::time::Duration::from_secs(10),
                        tokio_tungstenite::connect_async(url.as_str()),
                    )
                    .await
                })
                .with_context(|| format!("{}: {url} timed out", demo.slug))?
                .with_context(|| format!("{}: {url} did not upgrade", demo.slug))?;
            assert_eq!(response.status().as_u16(), 101, "{url}");
            drop(socket);
            checked += 1;
        }
    }
    assert!(checked >= wslab::demos::DEMOS.len(), "{checked} endpoints");
    Ok(())
}
