//! `/parallel`: one loop sends on its own while another answers what arrives, side by side
//! (the French Python course's "send and receive in parallel"; its asyncio handler runs the
//! two as tasks, here they are the two arms of one `tokio::select!`).
//!
//! First the client is told its address as the server sees it (the course's
//! `websocket.remote_address`: behind a trusted proxy, the forwarded one, without a port).
//! Then a tick goes out every [`TICK`] whatever the client does, and each text message is
//! answered the moment it arrives, between two ticks. See [`wslab_protocol::parallel`] for
//! the frames.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, State, ws::Message},
    response::Response,
};
use tokio::time::{Instant, MissedTickBehavior};
use wslab_protocol::parallel::{ParallelEvent, TICK};

use crate::{AppState, ClientAddr, Conn, Ending, gate::Slot, upgrade::Upgrade};

/// Upgrades the request; the session runs until the client leaves or the server shuts down.
pub async fn upgrade(
    ws: Upgrade,
    slot: Slot,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(state): State<AppState>,
) -> Response {
    // A trusted proxy's port is not the client's: the address it forwards comes alone.
    let direct = !state.proxies.trusts(peer.ip());
    let address = remote_address(slot.client(), direct.then_some(peer));
    ws.on_upgrade(async move |socket| {
        state
            .run(socket, slot, async move |socket| {
                session(socket, address).await
            })
            .await;
    })
}

/// The address frame: the client's IP, and its port when the TCP peer is the client
/// (`direct`: not a trusted proxy speaking for it).
fn remote_address(client: ClientAddr, direct: Option<SocketAddr>) -> ParallelEvent {
    let port = direct.map(|peer| peer.port());
    ParallelEvent::Address {
        host: client.to_string(),
        port,
    }
}

async fn session(socket: &mut Conn, address: ParallelEvent) -> Ending {
    if socket.send(Message::text(address.to_json())).await.is_err() {
        return Ending::Graceful;
    }
    // The first tick one period after the address, then one per period; a slow client
    // delays the next tick instead of getting a burst of late ones.
    let mut ticks = tokio::time::interval_at(Instant::now() + TICK, TICK);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut sent_ticks = 0;
    loop {
        let frame = tokio::select! {
            _ = ticks.tick() => {
                sent_ticks += 1;
                ParallelEvent::Tick { n: sent_ticks }
            }
            read = socket.recv() => match read {
                None | Some(Ok(Message::Close(_))) => return Ending::Graceful,
                Some(Err(error)) => return Ending::after_read_error(error),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(Message::Text(text))) => ParallelEvent::Reply {
                    text: text.as_str().to_owned(),
                    after_tick: sent_ticks,
                },
                Some(Ok(Message::Binary(_))) => ParallelEvent::Error {
                    message: "binary messages are not answered here: send text".into(),
                },
            },
        };
        if socket.send(Message::text(frame.to_json())).await.is_err() {
            return Ending::Graceful;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_is_told_only_when_the_peer_is_the_client_itself() {
        let direct: SocketAddr = "127.0.0.1:50000".parse().expect("addr");
        let client = ClientAddr(direct.ip());
        assert_eq!(
            remote_address(client, Some(direct)),
            ParallelEvent::Address {
                host: "127.0.0.1".into(),
                port: Some(50000)
            }
        );
        let forwarded = ClientAddr("203.0.113.7".parse().expect("ip"));
        assert_eq!(
            remote_address(forwarded, None),
            ParallelEvent::Address {
                host: "203.0.113.7".into(),
                port: None
            }
        );
    }
}
