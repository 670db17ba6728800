//! The built app, served from `--dist` with the right content types and compressed
//! (gzip or brotli) when the client accepts it.

use std::{convert::Infallible, path::Path};

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::{MethodRouter, get_service},
};
use tower::service_fn;
use tower_http::{compression::CompressionLayer, services::ServeDir};

/// Page shown at `/` when there is no built app to serve.
const NOT_BUILT: &str = "<!doctype html><meta charset=utf-8><title>wslab</title>\
<h1>wslab server</h1><p>The WebSocket endpoints are up (<code>/echo</code>, <code>/hello</code>, <code>/chat</code>, <code>/stocks</code>, <code>/api</code>), \
but no built app was given. Run <code>cargo xtask serve</code>, or start the server with \
<code>--dist dist</code> after <code>trunk build --release</code>.</p>";

/// A service for everything that is not a WebSocket endpoint.
pub fn service(dist: Option<&Path>) -> MethodRouter {
    match dist {
        Some(dir) if dir.join("index.html").is_file() => {
            get_service(ServeDir::new(dir).append_index_html_on_directories(true))
                .layer(CompressionLayer::new())
        }
        _ => {
            if let Some(dir) = dist {
                tracing::warn!(dist = %dir.display(), "no index.html there: serving the 'not built' page");
            }
            get_service(service_fn(|request: Request<Body>| async move {
                Ok::<_, Infallible>(not_built(request.uri().path()))
            }))
        }
    }
}

fn not_built(path: &str) -> Response {
    if path == "/" || path == "/index.html" {
        Html(NOT_BUILT).into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "not found",
        )
            .into_response()
    }
}
