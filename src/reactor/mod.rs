//! The event loop: one thread, one `mio::Poll`, every connection in a slab. Knows sockets,
//! readiness, buffers and deadlines; knows nothing of RESP or commands.
//!
//! Chapters: [docs/05-readiness-and-mio.md](../../docs/05-readiness-and-mio.md) through
//! [docs/08-the-write-path.md](../../docs/08-the-write-path.md), then
//! [docs/11-backpressure-and-slow-consumers.md](../../docs/11-backpressure-and-slow-consumers.md) and
//! [docs/12-time-and-shutdown.md](../../docs/12-time-and-shutdown.md). Function by function
//! against Redis: [docs/appendix-a-redis-map.md](../../docs/appendix-a-redis-map.md).
//!
//! ```text
//!   poll ──► events ──► ready queue ──► read until WouldBlock ──► Handler::data(bytes):
//!    ▲       noted     (and those a budget              replies appended to      │
//!    │                 stopped last turn)               output buffers           │
//!    │                                                                           │
//!    └── sleep until the nearest deadline ◄── reap closed ◄── flush every dirty ◄┘
//!                                                            connection, WRITABLE only
//!                                                            for what is left
//! ```
//!
//! The loop reaches the application only through [`Handler`]: it hands over the bytes a
//! connection has received, the handler consumes whole requests and appends replies (to this
//! connection, or through [`Ctx`] to any other: pub/sub), may ask for connections to close, and
//! is told when connections go away and when its timer is due. The Redis server in `server/` is
//! one handler; `examples/` run other protocols on the same loop.
//!
//! A handler call that cannot return (a busy script) can run one more pass of the loop from
//! inside, with a stand-in handler ([`Ctx::serve_nested`]; see [`event_loop`]).
//!
//! Files: [`event_loop`] (the tick), [`connection`] (one socket's state and its reads and
//! writes), [`listener`] (accepting), [`ctx`] (what a handler may do), [`output_limit`] (slow
//! consumers cut off, for every writer), [`notice`] (notable events, for a log), [`fault`]
//! (fault injection), [`state`] (the loop's state, [`state::Core`], apart from the code that
//! runs it). Redis counterparts: `ae.c` (the loop) and `networking.c` (clients, buffers).

pub mod connection;
pub mod ctx;
pub mod event_loop;
pub mod fault;
pub mod listener;
pub mod notice;
pub mod output_limit;
pub mod state;
pub mod tls;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

pub use connection::ConnInfo;
pub use ctx::{Ctx, Current};
pub use event_loop::{EventLoop, Stopper};
pub use fault::Faults;
pub use notice::{Notice, NoticeKind, Notices};
pub use output_limit::{Delivery, OutputClass, OutputLimit, OutputLimits};
pub use state::LoopStats;
pub use tls::TlsOptions;

/// Identifies one connection for its whole life: a slab slot plus a generation.
///
/// Slab slots are reused as soon as a connection is removed. The generation makes an identifier
/// (and the `mio::Token` derived from it) unique anyway, so a readiness event or a pub/sub
/// delivery meant for a closed connection can never reach the new one in the same slot
/// (PITFALLS.md row 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId {
    slot: u32,
    generation: u32,
}

impl ConnId {
    pub(crate) fn new(slot: usize, generation: u32) -> Option<ConnId> {
        Some(ConnId {
            slot: u32::try_from(slot).ok()?,
            generation,
        })
    }

    pub(crate) fn slot(self) -> usize {
        self.slot as usize
    }

    /// The mio token: generation in the high half, slot in the low half.
    pub(crate) fn token(self) -> mio::Token {
        mio::Token(((self.generation as usize) << 32) | self.slot as usize)
    }

    pub(crate) fn from_token(token: mio::Token) -> ConnId {
        ConnId {
            slot: (token.0 & 0xFFFF_FFFF) as u32,
            generation: (token.0 >> 32) as u32,
        }
    }
}

/// Which listener accepted a connection. One handler serves them all, and may speak a different
/// protocol on each: the Redis server speaks RESP on `Plain` and `Tls` and HTTP (its dashboard)
/// on `Extra`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The plaintext listener (`Options::plaintext`).
    Plain,
    /// The TLS listener (`Options::tls`): bytes are decrypted below the buffers.
    Tls,
    /// The extra plaintext listener (`Options::extra_listener`).
    Extra,
}

/// The application side of the loop. The loop calls these, and only these.
pub trait Handler {
    /// Per-connection application state (a parser, a client name, subscriptions...).
    type Session;

    /// A connection was accepted by the listener `origin`. Return its session; greetings may be
    /// written via `ctx`.
    fn open(
        &mut self,
        ctx: &mut Ctx<'_, Self::Session>,
        id: ConnId,
        peer: SocketAddr,
        origin: Origin,
    ) -> Self::Session;

    /// Bytes arrived. `input` holds every byte not yet consumed, oldest first. Consume every
    /// whole request in it, append replies to `conn.out`, and return how many bytes were
    /// consumed; the rest (a partial request) is kept and handed back, with more appended, when
    /// more bytes arrive. The one exception is backpressure: once `conn.out` is longer than
    /// `conn.out_limit`, stop and return; the loop hands the unconsumed requests back when the
    /// peer has read enough of its replies. Any other whole request left unconsumed would wait
    /// for the peer's next bytes.
    ///
    /// While this runs, the connection's session and output are lent out as `conn`, so `ctx`
    /// cannot reach them (`ctx.send(conn.id, ..)` is [`Delivery::Gone`]). When it returns,
    /// the connection's output limit is checked ([`output_limit`]).
    fn data(
        &mut self,
        ctx: &mut Ctx<'_, Self::Session>,
        conn: Current<'_, Self::Session>,
        input: &[u8],
    ) -> usize;

    /// The connection is gone (closed by either side, or reaped at shutdown). By default the
    /// session is simply dropped.
    fn closed(&mut self, _ctx: &mut Ctx<'_, Self::Session>, _id: ConnId, _session: Self::Session) {}

    /// When the handler next wants [`Handler::timer`] called. `None`: no timer.
    fn next_deadline(&self) -> Option<Instant> {
        None
    }

    /// The deadline from [`Handler::next_deadline`] has passed.
    fn timer(&mut self, _ctx: &mut Ctx<'_, Self::Session>, _now: Instant) {}

    /// Whether this connection is exempt from the idle timeout (Redis exempts subscribers).
    fn idle_exempt(&self, _session: &Self::Session) -> bool {
        false
    }
}

/// Tunables of the loop. Each mirrors a Redis setting where one exists.
#[derive(Debug, Clone)]
pub struct Options {
    /// Most simultaneous connections (redis.conf `maxclients`, default 10000). The next client
    /// reads `-ERR max number of clients reached` and is closed.
    pub max_clients: usize,
    /// Bytes asked for per `read` (Redis's `PROTO_IOBUF_LEN`, 16 KiB).
    pub read_chunk: usize,
    /// Reads per connection per readiness event before the loop moves on to other connections
    /// (fairness; 1, as Redis reads once per event). A connection stopped by the budget goes on
    /// the ready queue.
    pub read_budget: usize,
    /// Accepts per listener event (Redis's `MAX_ACCEPTS_PER_CALL`, 1000).
    pub accept_budget: usize,
    /// Length of the kernel's queue of connections waiting to be accepted (redis.conf
    /// `tcp-backlog`, 511; capped by `net.core.somaxconn`).
    pub tcp_backlog: i32,
    /// Unconsumed input above which a client is closed (`client-query-buffer-limit`, 1 GiB).
    pub query_buffer_limit: usize,
    /// Pending output above which the loop stops reading from a client until it drains
    /// (backpressure; Redis has no equivalent for normal clients).
    pub output_high_water: usize,
    /// Unsent output at which a connection is cut off, per class (redis.conf
    /// `client-output-buffer-limit`; see [`output_limit`]).
    pub output_limits: OutputLimits,
    /// Close connections idle this long (redis.conf `timeout`; `None` = never, Redis's default).
    pub idle_timeout: Option<Duration>,
    /// At shutdown, how long pending output may take to flush before connections are dropped.
    pub shutdown_grace: Duration,
    /// Handle SIGINT and SIGTERM as a request to shut down (the binary sets this; embedders
    /// usually do not).
    pub handle_signals: bool,
    /// Fault injection (off by default).
    pub faults: Faults,
    /// A second listener, for TLS (redis.conf `tls-port`); `None`: plaintext only.
    pub tls: Option<TlsOptions>,
    /// Listen for plaintext too. Off only beside a TLS listener (Redis's `port 0` with a
    /// `tls-port`: TLS only); without one the plaintext listener is always bound.
    pub plaintext: bool,
    /// One more plaintext listener, whose connections the handler is told come from
    /// [`Origin::Extra`] (the server's dashboard); `None`: no such listener.
    pub extra_listener: Option<SocketAddr>,
    /// More addresses to listen on, beside the one given to [`EventLoop::bind`]: each gets a
    /// plaintext listener on the first one's port (and a TLS listener on the TLS port, with
    /// TLS). `true` marks an address skipped, with a warning, when this machine does not have
    /// it (redis.conf's `bind 127.0.0.1 -::1`). At most 15.
    pub also_bind: Vec<(std::net::IpAddr, bool)>,
    /// Most simultaneous connections from the extra listener (default 64). They have their
    /// own limit and do not count against `max_clients`: no number of connections to the
    /// dashboard's port can lock Redis clients out. Past it a connection is closed at once.
    pub extra_max_clients: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_clients: 10_000,
            read_chunk: 16 * 1024,
            read_budget: 1,
            accept_budget: 1000,
            tcp_backlog: 511,
            query_buffer_limit: 1024 * 1024 * 1024,
            output_high_water: 64 * 1024 * 1024,
            output_limits: OutputLimits::default(),
            idle_timeout: None,
            shutdown_grace: Duration::from_secs(2),
            handle_signals: false,
            faults: Faults::default(),
            tls: None,
            plaintext: true,
            extra_listener: None,
            also_bind: Vec::new(),
            extra_max_clients: 64,
        }
    }
}
