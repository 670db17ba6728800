//! wslab-server: the companion WebSocket server of the wslab demos.
//!
//! [`app`] builds the router (one module per endpoint) so integration tests can bind port 0
//! and drive it over real sockets; [`serve`] runs it on a listener until a shutdown signal,
//! then closes every WebSocket with 1001 (Going Away) before returning.
//!
//! ```text
//! cargo run -p wslab-server -- --addr 127.0.0.1:8080 --dist dist
//! ```

use std::{future::Future, io, path::PathBuf, sync::Arc, time::Duration};

use axum::{Router, routing::get, serve::ListenerExt};
use tokio::net::TcpListener;

pub mod api;
mod assets;
pub mod chat;
pub mod echo;
pub mod hello;
pub mod market;
mod rate;
mod shutdown;
pub mod stocks;

pub use shutdown::{Ending, Shutdown};

/// How long shutdown waits for WebSocket clients to answer the 1001 close before giving up.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What the server serves and how strict it is.
#[derive(Debug, Clone)]
pub struct Config {
    /// The built app (`trunk build` output). `None` serves a page explaining how to build it.
    pub dist: Option<PathBuf>,
    /// Limits of `/chat`.
    pub chat: chat::ChatLimits,
    /// Seed and default rate of `/stocks`.
    pub stocks: stocks::StocksConfig,
    /// Kernel send buffer of each connection, in bytes (`None`: the OS default, which
    /// can grow to megabytes and hide a slow client from the endpoints' own backpressure).
    pub send_buffer: Option<usize>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            dist: None,
            chat: chat::ChatLimits::default(),
            stocks: stocks::StocksConfig::default(),
            send_buffer: Some(DEFAULT_SEND_BUFFER),
        }
    }
}

/// Largest message (and frame) any endpoint reads, in bytes. Bigger ones end the
/// connection before they are buffered, so one client cannot make the server allocate
/// megabytes (the JSON endpoints parse what they read).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Applies the server's per-message limits to an upgrade.
pub(crate) fn limited(
    ws: axum::extract::ws::WebSocketUpgrade,
) -> axum::extract::ws::WebSocketUpgrade {
    ws.max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
}

/// Default per-connection send buffer: enough for bursts, small enough that a client that
/// stops reading is noticed (chat drops it, stocks conflates) instead of buffered.
pub const DEFAULT_SEND_BUFFER: usize = 128 * 1024;

/// State every handler can reach.
#[derive(Debug, Clone, Default)]
pub struct AppState {
    /// Tells connection tasks to close with 1001 and lets shutdown wait for them.
    pub shutdown: Shutdown,
    /// Chat rooms and their members.
    pub chat: Arc<chat::Hub>,
    /// Seed and default rate of `/stocks`.
    pub stocks: stocks::StocksConfig,
}

/// The whole HTTP + WebSocket router.
pub fn app(config: &Config, state: AppState) -> Router {
    Router::new()
        .route("/echo", get(echo::upgrade))
        .route(wslab_protocol::hello::PATH, get(hello::upgrade))
        .route(wslab_protocol::chat::PATH, get(chat::upgrade))
        .route(wslab_protocol::stocks::PATH, get(stocks::upgrade))
        .route("/api", get(api::upgrade))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            refuse_during_restart,
        ))
        .with_state(state)
        .fallback_service(assets::service(config.dist.as_deref()))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// During a restart drill, WebSocket endpoints answer 503 with `Retry-After`.
async fn refuse_during_restart(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match state.shutdown.unavailable() {
        Some(left) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            [(
                axum::http::header::RETRY_AFTER,
                left.as_secs().max(1).to_string(),
            )],
            "restarting: try again shortly",
        )
            .into_response(),
        None => next.run(request).await,
    }
}

/// Serves [`app`] on `listener` until `signal` completes, then shuts down gracefully:
/// stops accepting, closes every WebSocket with 1001, and waits (bounded) for them to end.
///
/// # Errors
/// Whatever accepting connections on the listener fails with.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    signal: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let shutdown = Shutdown::new();
    let router = app(
        &config,
        AppState {
            shutdown: shutdown.clone(),
            chat: Arc::new(chat::Hub::new(config.chat)),
            stocks: config.stocks,
        },
    );
    let trigger = shutdown.clone();
    let send_buffer = config.send_buffer;
    let listener = listener.tap_io(move |tcp| {
        // Small frames should leave at once, not wait for Nagle.
        let _ = tcp.set_nodelay(true);
        if let Some(bytes) = send_buffer {
            let _ = socket2::SockRef::from(&*tcp).set_send_buffer_size(bytes);
        }
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            signal.await;
            tracing::info!("shutting down: closing WebSockets with 1001");
            trigger.begin();
        })
        .await?;
    shutdown.wait(SHUTDOWN_GRACE).await;
    Ok(())
}
