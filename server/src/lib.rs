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

use axum::{Router, routing::get};
use hyper::server::conn::http1;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::{either::Either, sync::CancellationToken, task::TaskTracker};
use tower::Layer;

pub mod api;
mod assets;
pub mod chat;
pub mod clients;
pub mod conn;
pub mod echo;
pub mod frame;
pub mod gate;
pub mod hello;
pub mod limits;
pub mod market;
pub mod parallel;
pub mod peer;
mod rate;
mod shutdown;
pub mod stocks;
pub mod tls;
pub mod upgrade;
mod workers;

pub use api::Drills;
pub use clients::ClientLimits;
pub use conn::Conn;
pub use gate::{AllowedOrigin, Origins};
pub use limits::Limits;
pub use peer::{ClientAddr, ProxyNet, TrustedProxies};
pub use shutdown::{Ending, Shutdown};
pub use tls::Tls;

/// How long shutdown waits for WebSocket clients to answer the 1001 close before giving up.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Largest HTTP request head (request line and headers), in bytes; a bigger one gets 431.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Most header lines in one request; more get 431.
pub const MAX_HEADERS: usize = 64;

/// What the server serves and how strict it is.
#[derive(Debug, Clone)]
pub struct Config {
    /// The built app (`trunk build` output). `None` serves a page explaining how to build it.
    pub dist: Option<PathBuf>,
    /// Limits of `/chat`.
    pub chat: chat::ChatLimits,
    /// The Redis the chat's rooms live on, shared with other servers; `None` keeps them in
    /// this process.
    pub broker: Option<chat::BrokerConfig>,
    /// Seed and default rate of `/stocks`.
    pub stocks: stocks::StocksConfig,
    /// Kernel send buffer of each connection, in bytes (`None`: the OS default, which
    /// can grow to megabytes and hide a slow client from the endpoints' own backpressure).
    pub send_buffer: Option<usize>,
    /// Limits every connection obeys.
    pub limits: Limits,
    /// Origins (besides the server's own) whose pages may open WebSockets.
    pub origins: Origins,
    /// Limits per client address.
    pub clients: ClientLimits,
    /// Peers whose `X-Forwarded-For` is believed.
    pub proxies: TrustedProxies,
    /// Who may start the server-wide drill (`/api`'s restart).
    pub drills: Drills,
    /// Serve `https` and `wss` with this certificate instead of `http` and `ws`.
    pub tls: Option<Tls>,
    /// Threads that serve the connections, each on a single-threaded runtime (see
    /// `workers.rs`); 0 serves them on the runtime that calls [`serve`]. The default is
    /// [`default_workers`].
    pub workers: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            dist: None,
            chat: chat::ChatLimits::default(),
            broker: None,
            stocks: stocks::StocksConfig::default(),
            send_buffer: Some(DEFAULT_SEND_BUFFER),
            limits: Limits::default(),
            origins: Origins::default(),
            clients: ClientLimits::default(),
            proxies: TrustedProxies::default(),
            drills: Drills::default(),
            tls: None,
            workers: default_workers(),
        }
    }
}

/// Connection workers by default: half the cores the process may use, at least one. A
/// worker sleeps as soon as it has nothing to do, so where the cores are shared (the
/// browser in a classroom, nginx and Redis beside a cluster, a load generator) fewer and
/// busier workers waste less: on the 2-core bench machine, with the load generator beside
/// the server, one worker served 267k echoes per server CPU-second, two 165k, tokio's
/// multi-threaded runtime 214k (see `workers.rs`). On a machine of its own, `--workers`
/// up to the number of cores.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| (usize::from(cores) / 2).max(1))
}

/// Default per-connection send buffer: enough for bursts, small enough that a client that
/// stops reading is noticed (chat drops it, stocks conflates) instead of buffered.
pub const DEFAULT_SEND_BUFFER: usize = 128 * 1024;

/// State every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Tells connection tasks to close with 1001 and lets shutdown wait for them.
    pub shutdown: Shutdown,
    /// Chat rooms and their members, here or on the broker.
    pub chat: Arc<chat::Chat>,
    /// Seed and default rate of `/stocks`.
    pub stocks: stocks::StocksConfig,
    /// Limits every connection obeys.
    pub limits: Limits,
    /// Origins allowed to open WebSockets.
    pub origins: Arc<Origins>,
    /// The connection slots the gate hands out ([`Limits::max_connections`] of them).
    pub slots: gate::Slots,
    /// Open connections and recent handshakes per client address.
    pub clients: clients::Clients,
    /// Peers whose `X-Forwarded-For` is believed.
    pub proxies: Arc<TrustedProxies>,
    /// Who may start the server-wide drill.
    pub drills: Drills,
}

impl Default for AppState {
    fn default() -> Self {
        Self::new(&Config::default())
    }
}

impl AppState {
    /// The state for a server with this configuration.
    pub fn new(config: &Config) -> Self {
        Self {
            shutdown: Shutdown::new(),
            chat: Arc::new(chat::Chat::new(config.chat, config.broker.as_ref())),
            stocks: config.stocks,
            limits: config.limits,
            origins: Arc::new(config.origins.clone()),
            slots: gate::Slots::new(config.limits.max_connections),
            clients: clients::Clients::new(config.clients),
            proxies: Arc::new(config.proxies.clone()),
            drills: config.drills,
        }
    }

    /// Runs an endpoint's `handler` on an upgraded socket, under the connection limits and
    /// the shutdown and restart-drill closes (see [`Shutdown::run`]), holding the
    /// connection's `slot` until it ends.
    pub(crate) async fn run<F, E>(&self, socket: upgrade::Socket, slot: gate::Slot, handler: F)
    where
        F: AsyncFnOnce(&mut Conn) -> E,
        E: Into<Ending>,
    {
        let conn = Conn::new(socket, &self.limits);
        self.shutdown.run(conn, handler).await;
        drop(slot);
    }
}

/// The whole HTTP + WebSocket router.
pub fn app(config: &Config, state: AppState) -> Router {
    Router::new()
        .route("/echo", get(echo::upgrade))
        .route(wslab_protocol::hello::PATH, get(hello::upgrade))
        .route(wslab_protocol::chat::PATH, get(chat::upgrade))
        .route(wslab_protocol::stocks::PATH, get(stocks::upgrade))
        .route("/api", get(api::upgrade))
        .route(wslab_protocol::parallel::PATH, get(parallel::upgrade))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            gate::gate,
        ))
        .route("/healthz", get(healthz))
        .with_state(state)
        .fallback_service(assets::service(config.dist.as_deref()))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// `GET /healthz`, for load balancers and tests: 200 when every endpoint can be served, with
/// `{"status":"ok","connections":N}` (the WebSockets open now), or 503 while the chat's
/// broker (if there is one) is unreachable.
async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if !state.chat.is_up() {
        return chat::unavailable();
    }
    let open = state
        .limits
        .max_connections
        .saturating_sub(state.slots.free());
    axum::Json(serde_json::json!({"status": "ok", "connections": open})).into_response()
}

/// Serves [`app`] on `listener` until `signal` completes, then shuts down gracefully:
/// stops accepting, closes every WebSocket with 1001, and waits (bounded) for them to end.
///
/// Each connection gets [`Limits::handshake_timeout`] to finish TLS (with [`Config::tls`]),
/// and as long again to send its request head, which may be at most [`MAX_HEAD_BYTES`] in
/// [`MAX_HEADERS`] lines (else 431).
///
/// # Errors
/// Whatever accepting connections on the listener fails with, except the transient
/// errors of a busy server (out of file descriptors, a connection reset while queued),
/// which are logged and waited out.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    signal: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let state = AppState::new(&config);
    let shutdown = state.shutdown.clone();
    let router = app(&config, state);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(config.limits.handshake_timeout)
        .max_buf_size(MAX_HEAD_BYTES)
        .max_headers(MAX_HEADERS);
    let builder = Arc::new(builder);
    let mut workers = workers::Workers::start(config.workers)?;
    // Shared by every connection task, not copied into each.
    let config = Arc::new(config);
    let stop = CancellationToken::new();
    let connections = TaskTracker::new();
    let mut signal = std::pin::pin!(signal);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) if transient(&error) => {
                    tracing::warn!(%error, "cannot accept a connection; retrying shortly");
                    // Out of descriptors: give the connections that are ending a moment.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                Err(error) => return Err(error),
            },
            () = &mut signal => break,
        };
        // Off this runtime's reactor, onto the worker's (see `workers.rs`).
        let tcp = match tcp.into_std() {
            Ok(tcp) => tcp,
            Err(error) => {
                tracing::debug!(%error, "an accepted connection could not be handed over");
                continue;
            }
        };
        workers.spawn(connections.track_future(connection(
            tcp,
            peer,
            router.clone(),
            Arc::clone(&builder),
            Arc::clone(&config),
            stop.clone(),
        )));
    }
    tracing::info!("shutting down: closing WebSockets with 1001");
    drop(listener);
    shutdown.begin();
    stop.cancel();
    connections.close();
    // One grace period for both: the HTTP connections, then the upgraded WebSockets.
    let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
    let _ = tokio::time::timeout_at(deadline, connections.wait()).await;
    shutdown
        .wait(deadline.saturating_duration_since(tokio::time::Instant::now()))
        .await;
    workers.stop().await;
    Ok(())
}

/// Accept errors that a busy server recovers from.
fn transient(error: &io::Error) -> bool {
    use io::ErrorKind::{ConnectionAborted, ConnectionReset, Interrupted};
    matches!(
        error.kind(),
        ConnectionAborted | ConnectionReset | Interrupted
    ) || error.raw_os_error().is_some_and(|code| {
        // EMFILE, ENFILE, ENOBUFS, ENOMEM: out of resources for now.
        [24, 23, 105, 12].contains(&code)
    })
}

/// Serves one TCP connection on the runtime it runs on: socket options, TLS, then HTTP/1.1
/// with upgrades.
async fn connection(
    tcp: std::net::TcpStream,
    peer: std::net::SocketAddr,
    router: Router,
    builder: Arc<http1::Builder>,
    config: Arc<Config>,
    stop: CancellationToken,
) {
    let tcp = match TcpStream::from_std(tcp) {
        Ok(tcp) => tcp,
        Err(error) => {
            tracing::debug!(%error, "a connection could not be registered");
            return;
        }
    };
    // Small frames should leave at once, not wait for Nagle.
    let _ = tcp.set_nodelay(true);
    if let Some(bytes) = config.send_buffer {
        let _ = socket2::SockRef::from(&tcp).set_send_buffer_size(bytes);
    }
    let io = match &config.tls {
        None => Either::Left(tcp),
        Some(tls) => {
            let accept = tls.acceptor().accept(tcp);
            match tokio::time::timeout(config.limits.handshake_timeout, accept).await {
                Ok(Ok(stream)) => Either::Right(stream),
                Ok(Err(error)) => {
                    tracing::debug!(%error, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!("TLS handshake timed out");
                    return;
                }
            }
        }
    };
    // Every request of this connection knows its TCP peer (the gate reads it).
    let router = axum::Extension(axum::extract::ConnectInfo(peer)).layer(router);
    let service = TowerToHyperService::new(router);
    let serving = builder
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    let mut serving = std::pin::pin!(serving);
    tokio::select! {
        result = serving.as_mut() => {
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended with an error");
            }
            return;
        }
        () = stop.cancelled() => serving.as_mut().graceful_shutdown(),
    }
    let _ = serving.await;
}
