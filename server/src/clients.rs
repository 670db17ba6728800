//! Limits per client address, so that one visitor cannot take what everyone shares.
//!
//! Two limits, both checked by the gate before the global connection cap
//! ([`crate::Limits::max_connections`]), so an address over its own limit takes none of the
//! shared slots:
//! - **open connections** per address ([`ClientLimits::max_connections`]): the gate takes
//!   an [`AddressSlot`] with the connection's global slot, and the connection holds both
//!   until it ends;
//! - **new handshakes** per address, a token bucket ([`ClientLimits::handshake_rate`] per
//!   second, bursts of [`ClientLimits::handshake_burst`]).
//!
//! Over either, HTTP 503 with `Retry-After`. The defaults are far above what a class behind
//! one NAT address does (every pupil's tab reconnecting at once after a restart is a few
//! hundred handshakes), and far below the 10,000 connections everybody shares.
//!
//! An IPv6 client is counted by its /64 network, which one host usually has to itself:
//! counting single addresses would let it take the whole table by changing the last bits.
//! The table forgets an address that holds no connection and whose bucket is full again
//! (forgetting it changes nothing), at the next sweep: one comes each time the table has
//! doubled since the last, so it is at most twice the set of recent clients.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use tokio::time::Instant;

use crate::{peer::ClientAddr, rate::TokenBucket};

/// The per-address limits (`--max-connections-per-ip`, `--max-handshakes-per-ip`,
/// `--handshake-burst-per-ip`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClientLimits {
    /// WebSocket connections one address may hold open at once, handshakes under way
    /// included.
    pub max_connections: usize,
    /// New handshakes one address may start per second, over time.
    pub handshake_rate: f64,
    /// Handshakes one address may start in one burst.
    pub handshake_burst: f64,
}

impl Default for ClientLimits {
    fn default() -> Self {
        Self {
            max_connections: 1_000,
            handshake_rate: 50.0,
            handshake_burst: 500.0,
        }
    }
}

/// The longest `Retry-After` the rate says (a very low `--max-handshakes-per-ip` would
/// otherwise say days).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Why the gate refused an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverLimit {
    /// The address already holds its maximum of open connections.
    Connections,
    /// The address started too many handshakes lately; one more is possible after this.
    Handshakes(Duration),
}

/// What the table keeps per address.
#[derive(Debug)]
struct Entry {
    open: usize,
    handshakes: TokenBucket,
}

#[derive(Debug)]
struct Table {
    entries: HashMap<IpAddr, Entry>,
    /// The size after the last sweep; the next one comes when the table doubles.
    swept_at: usize,
}

/// The per-address counts, shared by the gate and every connection's [`AddressSlot`].
#[derive(Debug, Clone)]
pub struct Clients {
    limits: ClientLimits,
    table: Arc<Mutex<Table>>,
}

/// The smallest table size that triggers a sweep.
const SWEEP_FLOOR: usize = 1024;

impl Clients {
    /// An empty table with these limits.
    pub fn new(limits: ClientLimits) -> Self {
        Self {
            limits,
            table: Arc::new(Mutex::new(Table {
                entries: HashMap::new(),
                swept_at: 0,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One handshake from `client` at `now`: its slot, or which limit it is over. The
    /// slot gives the connection back when dropped.
    pub fn admit(&self, client: ClientAddr, now: Instant) -> Result<AddressSlot, OverLimit> {
        let key = bucket_key(client.0);
        let limits = self.limits;
        let mut table = self.lock();
        let entry = table.entries.entry(key).or_insert_with(|| Entry {
            open: 0,
            handshakes: TokenBucket::new(limits.handshake_burst, limits.handshake_rate, now),
        });
        let outcome = if entry.open >= limits.max_connections {
            Err(OverLimit::Connections)
        } else if !entry.handshakes.take(|| now) {
            Err(OverLimit::Handshakes(
                entry.handshakes.until_next().min(MAX_RETRY_AFTER),
            ))
        } else {
            entry.open += 1;
            Ok(())
        };
        let len = table.entries.len();
        if len >= SWEEP_FLOOR.max(table.swept_at * 2) {
            sweep(&mut table, now);
        }
        drop(table);
        outcome.map(|()| AddressSlot {
            table: Arc::clone(&self.table),
            key,
        })
    }

    /// Undoes a handshake [`Self::admit`] let through but the server then refused (at its
    /// global cap): `slot` is given back and its token refunded, so an address retrying
    /// against a full server does not also spend its own rate.
    pub fn refund(&self, slot: AddressSlot) {
        let key = slot.key;
        drop(slot);
        if let Some(entry) = self.lock().entries.get_mut(&key) {
            entry.handshakes.refund();
        }
    }

    /// Connections open from `client`'s address (for tests and logs).
    pub fn open(&self, client: ClientAddr) -> usize {
        self.lock()
            .entries
            .get(&bucket_key(client.0))
            .map_or(0, |entry| entry.open)
    }

    /// Addresses the table remembers.
    pub fn remembered(&self) -> usize {
        self.lock().entries.len()
    }
}

/// Forgets the addresses that hold nothing: no connection, and a full bucket (forgetting
/// them changes nothing they could do next).
fn sweep(table: &mut Table, now: Instant) {
    table
        .entries
        .retain(|_, entry| entry.open > 0 || !entry.handshakes.is_full(now));
    table.swept_at = table.entries.len();
}

/// The key an address is counted under: IPv4 as it is, IPv6 by its /64.
fn bucket_key(addr: IpAddr) -> IpAddr {
    match crate::peer::canonical(addr) {
        IpAddr::V6(v6) => IpAddr::V6((v6.to_bits() & !((1u128 << 64) - 1)).into()),
        v4 => v4,
    }
}

/// One open connection of an address, held with the connection's global slot: a pointer
/// and the address's key.
#[derive(Debug)]
pub struct AddressSlot {
    table: Arc<Mutex<Table>>,
    key: IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = table.entries.get_mut(&self.key) {
            entry.open = entry.open.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> ClientAddr {
        ClientAddr(text.parse().expect("test address"))
    }

    fn limits(max_connections: usize, rate: f64, burst: f64) -> Clients {
        Clients::new(ClientLimits {
            max_connections,
            handshake_rate: rate,
            handshake_burst: burst,
        })
    }

    #[test]
    fn an_address_at_its_cap_is_refused_and_others_are_not() {
        let clients = limits(2, 1000.0, 1000.0);
        let now = Instant::now();
        let a = addr("203.0.113.7");
        let first = clients.admit(a, now).expect("first");
        let _second = clients.admit(a, now).expect("second");
        assert_eq!(clients.admit(a, now).err(), Some(OverLimit::Connections));
        assert!(clients.admit(addr("203.0.113.8"), now).is_ok());
        drop(first);
        assert_eq!(clients.open(a), 1);
        assert!(clients.admit(a, now).is_ok(), "a freed slot is reused");
    }

    #[test]
    fn handshakes_have_a_burst_then_a_rate() {
        let clients = limits(1000, 2.0, 3.0);
        let start = Instant::now();
        let a = addr("203.0.113.7");
        let held: Vec<_> = (0..3)
            .map(|_| clients.admit(a, start).expect("within the burst"))
            .collect();
        assert_eq!(
            clients.admit(a, start).err(),
            Some(OverLimit::Handshakes(Duration::from_millis(500)))
        );
        // A quarter of a second later, a quarter of a second is left.
        assert_eq!(
            clients.admit(a, start + Duration::from_millis(250)).err(),
            Some(OverLimit::Handshakes(Duration::from_millis(250)))
        );
        assert!(clients.admit(addr("198.51.100.1"), start).is_ok());
        // Half a second at 2/s is one more.
        assert!(clients.admit(a, start + Duration::from_millis(500)).is_ok());
        assert!(
            clients
                .admit(a, start + Duration::from_millis(500))
                .is_err()
        );
        // Only the held three are open: the one let through was dropped at once, and a
        // refused handshake holds nothing.
        assert_eq!(clients.open(a), 3);
        drop(held);
        assert_eq!(clients.open(a), 0);
    }

    #[test]
    fn a_refund_gives_back_the_slot_and_the_token_and_a_tiny_rate_cannot_panic() {
        let clients = limits(10, 1.0, 1.0);
        let now = Instant::now();
        let a = addr("203.0.113.7");
        let slot = clients.admit(a, now).expect("the one token");
        clients.refund(slot);
        assert_eq!(clients.open(a), 0);
        assert!(clients.admit(a, now).is_ok(), "the token is back");
        let slow = limits(10, 1e-300, 1.0);
        let _held = slow.admit(a, now).expect("the burst");
        assert_eq!(
            slow.admit(a, now).err(),
            Some(OverLimit::Handshakes(MAX_RETRY_AFTER))
        );
    }

    #[test]
    fn ipv6_is_counted_by_its_64() {
        let clients = limits(1, 1000.0, 1000.0);
        let now = Instant::now();
        let _held = clients.admit(addr("2001:db8:1:2::1"), now).expect("first");
        assert_eq!(
            clients.admit(addr("2001:db8:1:2::ffff"), now).err(),
            Some(OverLimit::Connections)
        );
        assert!(clients.admit(addr("2001:db8:1:3::1"), now).is_ok());
    }

    #[test]
    fn idle_addresses_are_forgotten_and_busy_ones_kept() {
        let clients = limits(10, 1.0, 1.0);
        let start = Instant::now();
        let busy = clients.admit(addr("10.0.0.1"), start).expect("busy");
        for n in 0..SWEEP_FLOOR {
            let ip = std::net::Ipv4Addr::from_bits(0x0b00_0000 + n as u32);
            drop(clients.admit(ClientAddr(ip.into()), start));
        }
        // At the sweep, every other address still had an empty bucket: all kept.
        assert_eq!(clients.remembered(), SWEEP_FLOOR + 1);
        // Later their buckets are full again; the next sweep forgets them.
        let later = start + Duration::from_secs(5);
        for n in 0..SWEEP_FLOOR + 1 {
            let ip = std::net::Ipv4Addr::from_bits(0x0c00_0000 + n as u32);
            drop(clients.admit(ClientAddr(ip.into()), later));
        }
        let knows = |ip: std::net::Ipv4Addr| clients.lock().entries.contains_key(&IpAddr::V4(ip));
        assert!(!knows(std::net::Ipv4Addr::from_bits(0x0b00_0000)));
        assert!(knows(std::net::Ipv4Addr::from_bits(0x0c00_0000)));
        assert!(
            clients.remembered() < 2 * SWEEP_FLOOR,
            "{}",
            clients.remembered()
        );
        assert_eq!(clients.open(addr("10.0.0.1")), 1);
        drop(busy);
        assert_eq!(clients.open(addr("10.0.0.1")), 0);
    }
}
