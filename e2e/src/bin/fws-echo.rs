//! `fws-echo`: the smallest echo server on fastwebsockets (Deno's), a peer of wslab-server
//! in `cargo xtask bench server` (its own benchmarks put it near uWebSockets).
//!
//! `fws-echo [--addr 127.0.0.1:0]`: hyper's HTTP/1.1 with upgrades, as fastwebsockets'
//! server is meant to be run; every path upgrades, every text and binary message comes back
//! (`FragmentCollector` joins fragments), pings are answered and closes completed by
//! fastwebsockets. As for `raw-echo`, the first stdout line is `listening on http://ADDR`,
//! sockets get `TCP_NODELAY`, and the largest message is wslab-server's default.

use std::process::ExitCode;

use fastwebsockets::{FragmentCollector, OpCode, WebSocketError, upgrade};
use http_body_util::Empty;
use hyper::{Request, Response, body::Bytes, body::Incoming, server::conn::http1};
use hyper_util::rt::TokioIo;

#[tokio::main]
async fn main() -> ExitCode {
    wslab_e2e::peer::serve("fws-echo", |tcp| async move {
        let service = hyper::service::service_fn(upgrade_request);
        let _ = http1::Builder::new()
            .serve_connection(TokioIo::new(tcp), service)
            .with_upgrades()
            .await;
    })
    .await
}

/// Answers the handshake and runs the connection on its own task.
async fn upgrade_request(
    mut request: Request<Incoming>,
) -> Result<Response<Empty<Bytes>>, WebSocketError> {
    let (response, upgraded) = upgrade::upgrade(&mut request)?;
    tokio::spawn(async move {
        let Ok(mut ws) = upgraded.await else {
            return;
        };
        ws.set_max_message_size(wslab_server::Limits::default().max_message);
        let mut ws = FragmentCollector::new(ws);
        while let Ok(frame) = ws.read_frame().await {
            match frame.opcode {
                OpCode::Close => return,
                OpCode::Text | OpCode::Binary => {
                    if ws.write_frame(frame).await.is_err() {
                        return;
                    }
                }
                OpCode::Continuation | OpCode::Ping | OpCode::Pong => {}
            }
        }
    });
    Ok(response)
}
