//! Accepting connections, and what to do when accepting fails.
//!
//! Chapter: [docs/06-the-connection-slab.md](../../docs/06-the-connection-slab.md).
//!
//! Under edge triggering the listener, like any socket, must be drained: one readiness event may
//! stand for hundreds of queued connections. Most accept errors concern one connection (it was
//! reset before we took it) and the loop just moves on. Running out of file descriptors
//! (`EMFILE`, `ENFILE`) is different: the connection stays in the backlog, the listener stays
//! ready, and retrying at once would spin the CPU. The loop backs off for [`ACCEPT_BACKOFF`] and
//! retries; since no new edge may come, it remembers that the listener is still ready (PITFALLS.md
//! row 12).

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use mio::net::TcpListener;
use socket2::{Domain, Socket, Type};

use crate::reactor::Origin;

/// How long to stop accepting after running out of file descriptors.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Linux `ENFILE`: the system-wide file table is full.
const ENFILE: i32 = 23;
/// Linux `EMFILE`: this process has hit its `RLIMIT_NOFILE`.
const EMFILE: i32 = 24;
/// Linux `ENOBUFS` and `ENOMEM`: the kernel is out of socket memory.
const ENOBUFS: i32 = 105;
const ENOMEM: i32 = 12;

/// Bind a non-blocking listening socket with SO_REUSEADDR and an explicit accept backlog.
///
/// The backlog is how many connections the kernel completes and queues for us before we call
/// `accept`. `mio`'s and `std`'s `bind` both pass 128; a burst of new clients (a benchmark
/// starting 500 connections, a reconnect storm) overflows that, and the kernel drops the
/// overflow, so clients wait a second or more for a SYN retransmit. Redis asks for 511
/// (`tcp-backlog`); the kernel caps it at `net.core.somaxconn`.
pub fn bind(addr: SocketAddr, backlog: i32) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    // Restarting the server must not fail on connections of the previous run in TIME_WAIT.
    socket.set_reuse_address(true)?;
    if addr.is_ipv6() {
        // `::` then means IPv6 only, so that `bind 0.0.0.0 ::` can listen on both (Redis sets
        // the same option).
        socket.set_only_v6(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(backlog)?;
    Ok(TcpListener::from_std(socket.into()))
}

/// Listeners bound at run time to replace an origin's (`CONFIG SET port`, `bind`,
/// `tls-port`), not yet serving: [`crate::reactor::Ctx::listen_on`] binds them, so that a port
/// in use is refused while the old listeners still serve, and the loop swaps them in
/// ([`crate::reactor::Ctx::replace_listeners`]) before it next sleeps. Dropped instead, it
/// closes the new sockets and nothing changed.
pub struct Rebind {
    pub(crate) origin: Origin,
    /// Addresses already listened on that stay, with the sockets they have.
    pub(crate) keep: Vec<SocketAddr>,
    /// New sockets, bound and listening.
    pub(crate) fresh: Vec<(TcpListener, SocketAddr)>,
    /// The sessions' configuration, for TLS listeners.
    pub(crate) tls: Option<Arc<rustls::ServerConfig>>,
    /// Every address of the origin after the swap, in bind order.
    pub(crate) addrs: Vec<SocketAddr>,
}

impl Rebind {
    /// The listeners' origin.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// The addresses the origin will listen on (ports chosen, for port 0).
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// Listeners for `origin` on every `ips` address (an optional one, redis.conf's `-`, is
    /// skipped where this machine lacks it) at `port`; 0 picks a free port, once, for all.
    /// An address already listened on at that port keeps its socket (binding it twice would
    /// fail). The first address that cannot be bound is the error, and nothing is kept.
    pub(crate) fn bind(
        origin: Origin,
        current: &[SocketAddr],
        ips: &[(IpAddr, bool)],
        mut port: u16,
        backlog: i32,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> io::Result<Rebind> {
        let mut rebind = Rebind {
            origin,
            keep: Vec::new(),
            fresh: Vec::new(),
            tls,
            addrs: Vec::new(),
        };
        for &(ip, optional) in ips {
            let addr = SocketAddr::new(ip, port);
            if port != 0 && current.contains(&addr) {
                rebind.keep.push(addr);
                rebind.addrs.push(addr);
                continue;
            }
            let socket = match bind(addr, backlog) {
                Ok(socket) => socket,
                Err(e) if optional && unavailable(&e) => continue,
                Err(e) => return Err(e),
            };
            let bound = socket.local_addr()?;
            port = bound.port();
            rebind.fresh.push((socket, bound));
            rebind.addrs.push(bound);
        }
        Ok(rebind)
    }
}

/// Whether a bind failed because this machine lacks the address or its protocol (no IPv6, an
/// address of no interface): the errors Redis forgives an optional (`-`) bind address.
pub fn unavailable(e: &io::Error) -> bool {
    // Linux's EAFNOSUPPORT and EPROTONOSUPPORT (no `libc` dependency for two numbers).
    const EAFNOSUPPORT: i32 = 97;
    const EPROTONOSUPPORT: i32 = 93;
    e.kind() == io::ErrorKind::AddrNotAvailable
        || matches!(e.raw_os_error(), Some(EAFNOSUPPORT | EPROTONOSUPPORT))
}

/// What to do after an accept error.
#[derive(Debug, PartialEq, Eq)]
pub enum AcceptError {
    /// Nothing left in the backlog: the expected end of a drain, not an error.
    Drained,
    /// Interrupted by a signal: try again at once.
    Retry,
    /// Out of descriptors or memory: back off, keep the listener marked ready.
    Exhausted,
    /// That one connection failed (reset in the backlog...): skip it.
    Skip,
}

/// Classify an error from `accept`.
pub fn classify(err: &io::Error) -> AcceptError {
    match err.kind() {
        io::ErrorKind::WouldBlock => AcceptError::Drained,
        io::ErrorKind::Interrupted => AcceptError::Retry,
        _ => match err.raw_os_error() {
            Some(EMFILE | ENFILE | ENOBUFS | ENOMEM) => AcceptError::Exhausted,
            _ => AcceptError::Skip,
        },
    }
}
