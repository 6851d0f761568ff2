//! The loop's state: everything of it but its handler ([`Core`]), apart from the code that
//! runs it ([`crate::reactor::event_loop`]) so that a handler's [`crate::reactor::Ctx`] can
//! borrow all of it while the handler itself is borrowed by the call; and the loop's counters
//! ([`LoopStats`]).
//!
//! Chapter: [docs/23-a-handler-that-does-not-return.md](../../docs/23-a-handler-that-does-not-return.md)
//! (why the loop is split: a handler call that cannot return runs a nested pass of the loop).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use mio::net::TcpListener;
use mio::{Events, Poll, Waker};
use slab::Slab;

use crate::reactor::connection::Connection;
use crate::reactor::listener::Rebind;
use crate::reactor::notice::Notices;
use crate::reactor::{ConnId, Options, Origin};

/// One listening socket. Its connections are opened with its [`Origin`], so the handler can
/// serve each listener with its own protocol.
pub(crate) struct Listening {
    pub(crate) socket: TcpListener,
    pub(crate) addr: SocketAddr,
    pub(crate) origin: Origin,
    /// The rustls configuration of its sessions, on the TLS listener (`Options::tls`).
    pub(crate) tls: Option<Arc<rustls::ServerConfig>>,
    /// May still hold connections (a budget stop, or back-off after EMFILE): under edge
    /// triggering no new event would say so.
    pub(crate) ready: bool,
}

/// Everything of the loop but its handler: the poller, the listeners, the connections and
/// their queues. Apart so that a handler call can be lent all of it ([`Ctx`] borrows it) while
/// the handler itself is borrowed by the call, and so that a handler that does not return (a
/// busy script) can run one more pass of the loop from inside, with a handler of its own
/// ([`Ctx::serve_nested`]).
pub struct Core<S> {
    pub(crate) poll: Poll,
    /// Plaintext, then TLS, then the extra listener, as configured. Emptied at shutdown.
    pub(crate) listeners: Vec<Listening>,
    /// Each origin's bound address (kept after shutdown empties `listeners`).
    pub(crate) addrs: Vec<(Origin, SocketAddr)>,
    /// TLS connections in accept order with their handshake deadlines. One timeout for all, so
    /// deadlines come in order too: expiring is popping from the front, never a scan.
    pub(crate) handshakes: VecDeque<(Instant, ConnId)>,
    pub(crate) conns: Slab<Connection<S>>,
    /// How many of `conns` came from the extra listener: they have their own limit
    /// (`Options::extra_max_clients`) and do not count against `maxclients`.
    pub(crate) extra_conns: usize,
    pub(crate) opts: Options,
    /// Every read lands here first; only a partial request is copied into the connection.
    /// Taken out while its bytes are lent to the handler.
    pub(crate) scratch: Vec<u8>,
    /// The read buffer of a nested pass, whose reads cannot land in `scratch`: the bytes
    /// there are lent to the handler call the pass runs inside.
    pub(crate) nested_scratch: Vec<u8>,
    /// The events buffer of a nested pass (the loop's own is lent to `run`).
    pub(crate) nested_events: Option<Events>,
    /// Connections with new output or state to act on before sleeping.
    pub(crate) dirty: Vec<ConnId>,
    /// Connections stopped by a read budget while still readable.
    pub(crate) ready: VecDeque<ConnId>,
    /// Connections to remove at the end of the tick.
    pub(crate) reap: Vec<ConnId>,
    pub(crate) accept_paused_until: Option<Instant>,
    pub(crate) next_generation: u32,
    /// Idle-timeout order: least recently active first (intrusive list through the slab).
    pub(crate) lru_head: Option<usize>,
    pub(crate) lru_tail: Option<usize>,
    pub(crate) stats: LoopStats,
    /// Notable events (cut-offs, refusals, back-offs), for the handler to show.
    pub(crate) notices: Notices,
    /// When the last `poll` returned: the time since is work, for `LoopStats::busy`.
    pub(crate) woke: Instant,
    pub(crate) stop_flag: Arc<AtomicBool>,
    pub(crate) waker: Arc<Waker>,
    pub(crate) signals: Option<signal_hook_mio::v1_0::Signals>,
    pub(crate) shutdown_requested: bool,
    pub(crate) shutdown_deadline: Option<Instant>,
    /// The idle timeout was switched on at run time: the idle order must be rebuilt.
    pub(crate) idle_order_stale: bool,
    /// A TLS configuration handed over at run time ([`Ctx::set_tls_config`]).
    pub(crate) new_tls: Option<Arc<rustls::ServerConfig>>,
    /// Listeners bound at run time, to swap in before the loop sleeps
    /// ([`Ctx::replace_listeners`]).
    pub(crate) rebinds: Vec<Rebind>,
}

/// Counters the loop keeps (reported by INFO).
#[derive(Debug, Default, Clone)]
pub struct LoopStats {
    /// Connections accepted since start (`total_connections_received`).
    pub connections_received: u64,
    /// Connections refused at `maxclients` (`rejected_connections`).
    pub connections_rejected: u64,
    /// Bytes read from clients (`total_net_input_bytes`).
    pub net_input_bytes: u64,
    /// Bytes written to clients (`total_net_output_bytes`).
    pub net_output_bytes: u64,
    /// Reads that brought bytes (`total_reads_processed`).
    pub reads: u64,
    /// Writes that took bytes (`total_writes_processed`).
    pub writes: u64,
    /// Turns of the loop (`eventloop_cycles`): an idle server must not make these grow.
    pub cycles: u64,
    /// Clients closed for exceeding the query buffer limit.
    pub query_buffer_closes: u64,
    /// Connections cut off for exceeding their output limit (slow consumers).
    pub output_limit_closes: u64,
    /// Readiness events handled (events per poll = `events / cycles`).
    pub events: u64,
    /// Time spent inside `poll` (sleeping, or collecting events).
    pub polled: Duration,
    /// Time spent between polls: reading, running the handler, writing.
    pub busy: Duration,
}
