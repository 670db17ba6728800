//! What the bench's peer echo servers (`raw-echo`, `tws-echo`, `fws-echo`) share: where to
//! listen (`--addr`, default `127.0.0.1:0`), the first stdout line wslab-server prints too
//! (`listening on http://ADDR`, which the bench reads for the port), and an accept loop
//! that outlives running out of file descriptors.

use std::{future::Future, io::Write, net::SocketAddr, process::ExitCode, time::Duration};

use anyhow::{Context, Result};
use tokio::net::{TcpListener, TcpStream};

/// Binds `--addr` (from the command line) and announces the port.
///
/// # Errors
/// A bad `--addr`, or an address that cannot be bound.
pub async fn listen() -> Result<TcpListener> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr: SocketAddr = args
        .iter()
        .position(|a| a == "--addr")
        .and_then(|i| args.get(i + 1))
        .map_or("127.0.0.1:0", String::as_str)
        .parse()
        .context("--addr is not HOST:PORT")?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{}", listener.local_addr()?)?;
    out.flush()?;
    Ok(listener)
}

/// The next connection; accept errors (out of file descriptors and the like) are printed
/// and waited out, so the connections already open keep being served.
pub async fn accept(listener: &TcpListener, name: &str) -> TcpStream {
    loop {
        match listener.accept().await {
            Ok((tcp, _)) => return tcp,
            Err(error) => {
                eprintln!("{name}: accept: {error}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// A peer's whole `main`: listens, then runs `connection` on its own task for every TCP
/// connection accepted; a failure to listen is printed, and the exit code says so.
pub async fn serve<F, Fut>(name: &str, connection: F) -> ExitCode
where
    F: Fn(TcpStream) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = match listen().await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("{name}: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    loop {
        let tcp = accept(&listener, name).await;
        let _ = tcp.set_nodelay(true);
        tokio::spawn(connection(tcp));
    }
}
