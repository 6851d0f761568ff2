//! The application: a Redis handler for the event loop. Knows commands, the keyspace and
//! expiry; knows nothing of sockets or `mio`.
//!
//! Chapters: [docs/09-commands-and-the-keyspace.md](../../docs/09-commands-and-the-keyspace.md),
//! [docs/12-time-and-shutdown.md](../../docs/12-time-and-shutdown.md) (the expiry timer, idle
//! exemption).
//!
//! [`Server`] implements [`Handler`]: for each chunk of bytes it parses as many whole requests
//! as the bytes hold, runs each one, and appends the replies to the connection's output. It
//! returns how many bytes it consumed; the loop keeps the rest (a partial request) for next
//! time. A protocol error gets Redis's error reply, and the connection is closed after it is
//! flushed, with nothing after the bad frame executed.
//!
//! Where things are:
//!
//! | module | what it holds |
//! | --- | --- |
//! | this file | [`Server`] and [`State`] (with the database in hand and the ones where clients wait), the [`Handler`] impl (and [`Nested`]'s, for a pass of the loop from inside a busy script), [`Session`], and `dispatch`: one request's way (the client's database in hand, look-up, arity, auth, subscribed mode, run, serve ready keys, the expiry timer) |
//! | [`args`] | the argument cursor: options read front to back, Redis's error texts written once |
//! | [`command`] | the command table type ([`command::Command`], [`command::Table`]) and [`command::Exec`], through which a command reads its client and replies |
//! | [`stats`] | the counters INFO reports: per command (calls, time, latency histogram), per error code, the rates |
//! | [`spec`] | what the table says about each command: typed flags, ACL categories, key specs, and finding keys by them |
//! | [`commands`] | the commands, a module per family (strings, lists, hashes, sets, sorted sets, keys, pub/sub, connection, auth, admin, shutdown) |
//! | [`keyspace`] | data only: the numbered databases ([`keyspace::databases`]), each db with expiry ([`keyspace::db`]), each value's representation (list, hash, set, zset), the waiters of blocked clients ([`keyspace::waiters`]) |
//! | [`client`] | what commands know about the client running them, and what a blocked client carries |
//! | [`blocking`] | parking a client that must wait, and serving it when a key it waits on appears |
//! | [`glob`] | Redis's pattern matching (KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET) |
//! | [`dashboard`] | the live dashboard: HTTP on the loop's extra listener |
//! | [`evict`] | `maxmemory`: `used_memory`, the eviction pool, the OOM refusal |
//!
//! The dependencies run one way: `commands` use `command`, `keyspace`, `client` and
//! `blocking`; `keyspace` uses nothing of the others; no two modules import each other.

pub mod args;
pub mod blocking;
pub mod client;
pub mod command;
pub mod commands;
pub mod dashboard;
pub mod evict;
pub mod glob;
pub mod keyspace;
pub mod spec;
pub mod stats;

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use log::warn;

use crate::config::Config;
use crate::reactor::{ConnId, Ctx, Current, Handler, NoticeKind, Origin};
use crate::resp::{Limits, Parsed, RequestParser};

use client::Client;
use command::{Exec, Table};
use commands::{auth, pubsub};
use dashboard::{Dashboard, Viewer};
use keyspace::databases::Shelf;
use keyspace::db::Db;
use stats::Stats;

/// Per-connection state of the Redis handler: a Redis client, or a dashboard viewer.
///
/// Not boxed, though the variants differ in size: nearly every connection is a Redis client,
/// and boxing its session would cost each one an allocation to save a few browsers a few
/// hundred bytes.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Session {
    Resp(RespSession),
    Dashboard(Viewer),
}

impl Session {
    /// The Redis client, unless this is a dashboard viewer.
    pub fn client(&self) -> Option<&Client> {
        match self {
            Session::Resp(session) => Some(&session.client),
            Session::Dashboard(_) => None,
        }
    }

    pub fn client_mut(&mut self) -> Option<&mut Client> {
        match self {
            Session::Resp(session) => Some(&mut session.client),
            Session::Dashboard(_) => None,
        }
    }
}

/// A Redis client's session: the parser, and everything else. They are separate fields
/// because a parsed request borrows the parser while a command borrows the client.
#[derive(Debug)]
pub struct RespSession {
    pub parser: RequestParser,
    pub client: Client,
}

impl RespSession {
    pub fn new(id: u64, now: Instant, authenticated: bool, peer: SocketAddr) -> Self {
        RespSession {
            parser: RequestParser::new(),
            client: Client::new(id, now, authenticated, peer),
        }
    }
}

/// How often the active expiry cycle runs while keys have deadlines (Redis: `hz 10`).
const EXPIRE_CYCLE_EVERY: Duration = Duration::from_millis(100);
/// Time budget of one active expiry cycle (Redis: 25% of a 100 ms tick).
const EXPIRE_CYCLE_BUDGET: Duration = Duration::from_millis(25);
/// While a database's table is being resized, the timer moves keys for this long every
/// [`EXPIRE_CYCLE_EVERY`], on top of the step each write takes (Redis's `activerehashing`:
/// a millisecond per `hz` tick).
const REHASH_BUDGET: Duration = Duration::from_millis(1);

/// CLIENT PAUSE: until when, whether every command waits or only those that write, and the
/// clients holding a command back. A held client's request stays unread in its connection's
/// input (the loop keeps reading, bounded by the query buffer limit, and stays idle); when
/// the pause ends each is resumed and its requests run in order.
#[derive(Debug, Clone)]
pub struct Pause {
    pub until: Instant,
    pub all: bool,
    pub held: Vec<ConnId>,
}

impl State {
    /// Whether `command` must wait for the pause to end: every command under `ALL`; under
    /// `WRITE` those that write or may propagate (`PUBLISH`), as Redis's `processCommand`.
    fn holds(&self, command: &command::Command, queue_writes: bool) -> bool {
        self.pause.as_ref().is_some_and(|pause| {
            pause.all
                || queue_writes
                || command.flags.contains(spec::Flags::WRITE)
                || command.flags.contains(spec::Flags::MAY_REPLICATE)
        })
    }

    /// End the pause: every held client is resumed, and expired keys may go again.
    pub fn unpause(&mut self, ctx: &mut Ctx<'_, Session>) {
        if let Some(pause) = self.pause.take() {
            for id in pause.held {
                ctx.resume_input(id);
            }
        }
        for (_, db) in self.dbs_mut() {
            db.frozen = false;
        }
    }

    /// Database `index` (created empty if never used), `None` past `databases`.
    pub fn db_at(&mut self, index: usize) -> Option<&mut Db> {
        self.shelf.get(&mut self.db, index)
    }

    /// Database `index` to read; `None` if never used (so empty) or past `databases`.
    pub fn db_ref(&self, index: usize) -> Option<&Db> {
        self.shelf.peek(&self.db, index)
    }

    /// Take database `index` in hand, for the commands that follow.
    #[inline]
    pub fn select(&mut self, index: usize) {
        if index != self.shelf.selected() {
            let now_ms = self.db.now_ms();
            self.shelf.select(&mut self.db, index);
            self.db.set_now(now_ms);
        }
    }

    /// Keys' access stamps kept as `maxmemory-policy` wants (LRU or LFU), in every database
    /// (and the ones created later, which copy the one in hand).
    pub fn set_clocks(&mut self) {
        let clock = evict::clock_for(&self.config.eviction);
        for (_, db) in self.dbs_mut() {
            db.clock = clock;
        }
    }

    /// Every database ever used, with its number.
    pub fn dbs(&self) -> impl Iterator<Item = (usize, &Db)> {
        self.shelf.each(&self.db)
    }

    pub fn dbs_mut(&mut self) -> impl Iterator<Item = (usize, &mut Db)> {
        self.shelf.each_mut(&mut self.db)
    }

    /// A client has just blocked in database `index` (in hand).
    pub fn blocked_in(&mut self, index: usize) {
        if !self.waiting_dbs.contains(&index) {
            self.waiting_dbs.push(index);
        }
    }

    /// `blocked` stops waiting: it leaves every queue of its database, and its timeout.
    pub fn leave(&mut self, blocked: &client::Blocked) {
        let Some(db) = self.db_at(blocked.db) else {
            return;
        };
        db.blocking
            .unblock(blocked.seq, &blocked.keys, blocked.deadline);
        if db.blocking.blocked_clients() == 0 {
            self.waiting_dbs.retain(|&index| index != blocked.db);
        }
    }

    /// Whether a key some blocked client waits on has come into existence, in any database.
    #[inline]
    pub fn any_ready(&self) -> bool {
        !self.waiting_dbs.is_empty() && self.waiting_dbs_iter().any(|db| db.blocking.has_ready())
    }

    fn waiting_dbs_iter(&self) -> impl Iterator<Item = &Db> {
        self.waiting_dbs
            .iter()
            .filter_map(|&index| self.db_ref(index))
    }

    /// The first ready key of a database where clients wait, with its database.
    pub fn pop_ready(&mut self) -> Option<(usize, Box<[u8]>)> {
        for at in 0..self.waiting_dbs.len() {
            let index = self.waiting_dbs[at];
            if let Some(key) = self.db_at(index).and_then(|db| db.blocking.pop_ready()) {
                return Some((index, key));
            }
        }
        None
    }

    /// A blocked client whose deadline has passed, in any database.
    pub fn pop_due(&mut self, now: Instant) -> Option<ConnId> {
        for at in 0..self.waiting_dbs.len() {
            let index = self.waiting_dbs[at];
            if let Some(conn) = self.db_at(index).and_then(|db| db.blocking.pop_due(now)) {
                return Some(conn);
            }
        }
        None
    }

    /// The earliest timeout of a blocked client, for the loop's timer.
    fn next_block_deadline(&self) -> Option<Instant> {
        if self.waiting_dbs.is_empty() {
            // Asked every turn of the loop: nothing to walk while nobody is blocked.
            return None;
        }
        self.waiting_dbs_iter()
            .filter_map(|db| db.blocking.next_deadline())
            .min()
    }

    /// Blocked clients, in all databases (INFO's `blocked_clients`).
    pub fn blocked_clients(&self) -> usize {
        self.waiting_dbs_iter()
            .map(|db| db.blocking.blocked_clients())
            .sum()
    }

    /// UNWATCH: `client` stops watching every key (EXEC, DISCARD, RESET and closing do it too).
    pub fn unwatch_all(&mut self, client: &mut Client) {
        for watching in client.watching.drain(..) {
            if let Some(db) = self.shelf.get(&mut self.db, watching.db) {
                db.watched.unwatch(&watching.key);
            }
        }
    }

    /// Keys in every database (the dashboard's count).
    pub fn keys(&self) -> usize {
        self.dbs().map(|(_, db)| db.len()).sum()
    }
}

/// `used_memory` ([`evict::used_memory`]) as INFO has seen it, in bytes, and the resident set.
#[derive(Debug, Default, Clone)]
pub struct MemorySeen {
    pub startup: u64,
    pub now: u64,
    pub peak: u64,
    pub rss: u64,
}

/// 40 hex digits from `seed` (splitmix64): a run id, unique enough to tell runs apart.
fn hex_id(seed: u64) -> String {
    let mut state = seed;
    let mut id = String::with_capacity(40);
    while id.len() < 40 {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        id.push_str(&format!("{:016x}", z ^ (z >> 31)));
    }
    id.truncate(40);
    id
}

/// State shared by all clients: the keyspace, the configuration, the counters.
pub struct State {
    /// The database of the command running, in hand ([`keyspace::databases`]); the others
    /// are on the shelf.
    pub db: Box<Db>,
    pub shelf: Shelf,
    /// The databases where clients are blocked, so that the check after every command and the
    /// timer's look at deadlines cost nothing while nobody is.
    waiting_dbs: Vec<usize>,
    pub pubsub: pubsub::PubSub,
    /// The Lua VM and the scripts it compiled ([`commands::scripting`]); none until the first
    /// script, and none while a script runs (it is lent out to the run).
    pub scripts: Option<Box<commands::scripting::Scripts>>,
    /// FUNCTION's libraries and their VM ([`commands::scripting::functions`]), likewise.
    pub functions: Option<Box<commands::scripting::functions::Functions>>,
    pub config: Config,
    pub limits: Limits,
    pub stats: Stats,
    pub table: Table,
    pub started: Instant,
    /// The TCP port actually bound (INFO's `tcp_port`).
    pub port: u16,
    /// The TLS listener's port actually bound, if there is one (INFO's `tls_port`).
    pub tls_port: Option<u16>,
    /// Open dashboard connections (not Redis clients: INFO does not count them).
    pub dashboard_connections: usize,
    /// 40 random hex digits naming this run (INFO's `run_id`), and its replication id.
    pub run_id: String,
    pub replid: String,
    /// The resident set at start, last seen and at its largest (INFO memory).
    pub memory: MemorySeen,
    /// The clock commands are timed by (see [`stats`]).
    pub clock: quanta::Clock,
    /// CLIENT PAUSE in force, if any.
    pub pause: Option<Pause>,
    /// Clients that ran MONITOR.
    pub monitors: Vec<ConnId>,
    /// The slow log and the latency monitor, and the fewest clock ticks a command must take
    /// to concern either (`commands::introspection::slow_bound`).
    pub slowlog: stats::SlowLog,
    pub latency: stats::LatencyMonitor,
    pub slow_bound: u64,
    /// The live dashboard's streams and latest snapshot.
    pub dashboard: Dashboard,
    /// The script running past `busy-reply-threshold`, while the loop is served from inside
    /// it ([`commands::scripting::busy`]): every command but a few is answered `-BUSY`.
    pub busy: Option<Box<commands::scripting::busy::BusyScript>>,
    next_client_id: u64,
    next_expire_cycle: Option<Instant>,
    /// When the timer next moves keys of a table being resized (while one is).
    next_rehash: Option<Instant>,
    /// The eviction pool ([`evict`]), and when the timer next evicts (while a command's
    /// share of eviction ran out of time before `used_memory` was under `maxmemory`).
    pub evict_pool: evict::Pool,
    pub next_eviction: Option<Instant>,
    /// Over `maxmemory` with nothing left to evict, as found before the command running (a
    /// script's commands that may add memory are refused then: `scriptVerifyOOM`).
    pub oom: bool,
}

/// The Redis-protocol handler, and beside it the dashboard's (HTTP on the extra listener),
/// over a state it owns ([`Server`]) or borrows ([`Nested`]).
pub struct Redis<S> {
    pub state: S,
    /// A nested pass's handler: of the timers only the dashboard's runs.
    nested: bool,
}

/// The server's handler: it owns the state.
pub type Server = Redis<State>;

/// The handler of a nested pass of the loop ([`Ctx::serve_nested`]), run from inside a busy
/// script: it serves every other connection as [`Server`] does, through the same dispatch,
/// which answers `-BUSY` while [`State::busy`] is set; of the timers only the dashboard's
/// runs (no key expires and no blocked client is served in the middle of a script).
pub type Nested<'s> = Redis<&'s mut State>;

impl<'s> Nested<'s> {
    pub fn new(state: &'s mut State) -> Nested<'s> {
        Redis {
            state,
            nested: true,
        }
    }
}

/// The current time in Unix milliseconds (expiry deadlines are absolute, as in Redis).
pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Server {
    pub fn new(config: Config, port: u16) -> Server {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0x9E37_79B9, |d| d.as_nanos() as u64);
        let table = Table::new(commands::FAMILIES);
        let (db, shelf) = Shelf::new(config.databases, seed);
        let mut server = Redis {
            nested: false,
            state: State {
                db,
                shelf,
                waiting_dbs: Vec::new(),
                pubsub: pubsub::PubSub::default(),
                scripts: None,
                functions: None,
                limits: config.limits(),
                config,
                stats: Stats::for_commands(table.all().len()),
                table,
                started: Instant::now(),
                port,
                tls_port: None,
                dashboard_connections: 0,
                run_id: hex_id(seed ^ u64::from(std::process::id())),
                replid: hex_id(seed.rotate_left(17)),
                memory: {
                    let used = evict::used_memory();
                    MemorySeen {
                        startup: used,
                        now: used,
                        peak: used,
                        rss: dashboard::snapshot::rss_bytes().unwrap_or(0),
                    }
                },
                clock: quanta::Clock::new(),
                pause: None,
                monitors: Vec::new(),
                slowlog: stats::SlowLog::default(),
                latency: stats::LatencyMonitor::default(),
                slow_bound: u64::MAX,
                dashboard: Dashboard::default(),
                busy: None,
                next_client_id: 1,
                next_expire_cycle: None,
                next_rehash: None,
                evict_pool: evict::Pool::default(),
                next_eviction: None,
                oom: false,
            },
        };
        server.state.set_clocks();
        server.state.slow_bound = commands::introspection::slow_bound(&server.state);
        server
    }
}

impl<S: std::borrow::BorrowMut<State>> Handler for Redis<S> {
    type Session = Session;

    fn open(
        &mut self,
        ctx: &mut Ctx<'_, Session>,
        id: ConnId,
        peer: SocketAddr,
        origin: Origin,
    ) -> Session {
        self.state.borrow_mut().open_session(ctx, id, peer, origin)
    }

    fn data(
        &mut self,
        ctx: &mut Ctx<'_, Session>,
        conn: Current<'_, Session>,
        input: &[u8],
    ) -> usize {
        self.state.borrow_mut().serve(ctx, conn, input)
    }

    fn closed(&mut self, _ctx: &mut Ctx<'_, Session>, id: ConnId, session: Session) {
        self.state.borrow_mut().close_session(id, session);
    }

    fn idle_exempt(&self, session: &Session) -> bool {
        idle_exempt(session)
    }

    fn next_deadline(&self) -> Option<Instant> {
        let state = self.state.borrow();
        if self.nested {
            return state.dashboard.next_deadline();
        }
        state.next_deadline()
    }

    fn timer(&mut self, ctx: &mut Ctx<'_, Session>, now: Instant) {
        let state = self.state.borrow_mut();
        if self.nested {
            return state.with_dashboard(|dashboard, state| dashboard.tick(state, ctx, now));
        }
        state.run_timers(ctx, now);
    }
}

impl State {
    /// A connection was accepted: a Redis client, or a dashboard viewer.
    fn open_session(
        &mut self,
        ctx: &mut Ctx<'_, Session>,
        id: ConnId,
        peer: SocketAddr,
        origin: Origin,
    ) -> Session {
        if origin == Origin::Extra {
            self.dashboard_connections += 1;
            let viewer =
                self.with_dashboard(|dashboard, state| dashboard.open(state, ctx, id, peer));
            return Session::Dashboard(viewer);
        }
        let client_id = self.next_client_id;
        self.next_client_id += 1;
        if auth::protected_mode_denies(self, peer) {
            warn!("protected mode: refusing client from {peer}");
            ctx.send(id, auth::DENIED);
            ctx.close(id);
        }
        let authenticated = self.config.requirepass.is_none();
        Session::Resp(RespSession::new(client_id, ctx.now(), authenticated, peer))
    }

    /// Bytes from a connection: every whole request in `input` run (see the module docs).
    fn serve(
        &mut self,
        ctx: &mut Ctx<'_, Session>,
        conn: Current<'_, Session>,
        input: &[u8],
    ) -> usize {
        let Session::Resp(RespSession { parser, client }) = conn.session else {
            return self.with_dashboard(|dashboard, state| dashboard.data(state, ctx, conn, input));
        };
        let now_ms = unix_ms();
        self.db.set_now(now_ms);
        // Constant for the whole batch (the loop reads the clock once per tick), so computed
        // once here rather than for every command it counts.
        let since_start = ctx.now().saturating_duration_since(self.started);
        // The bytes read and written since the last batch, for INFO's `_kbps` rates.
        let loop_stats = ctx.stats();
        let stats = &mut self.stats;
        let (read, written) = (loop_stats.net_input_bytes, loop_stats.net_output_bytes);
        stats
            .input
            .record(since_start, read.saturating_sub(stats.bytes_seen.0));
        stats
            .output
            .record(since_start, written.saturating_sub(stats.bytes_seen.1));
        stats.bytes_seen = (read, written);
        let processed_before = stats.commands_processed;
        let mut offset = 0;
        // Stop at the output limit (backpressure): the loop hands the rest back once the client
        // has read enough of its replies.
        while !client.closing && conn.out.len() <= conn.out_limit {
            let rest = input.get(offset..).unwrap_or_default();
            let limits = Limits {
                // A password set at run time binds new connections; one removed frees all.
                unauthenticated: !client.authenticated && self.config.requirepass.is_some(),
                ..self.limits
            };
            match parser.parse(rest, &limits) {
                Ok(Parsed::Incomplete) => break,
                // An empty line, `*0` or `*-1`: Redis ignores it without a reply.
                Ok(Parsed::Empty { consumed }) => offset += consumed,
                Ok(Parsed::Request { request, consumed }) => {
                    offset += consumed;
                    let reply_starts = conn.out.len();
                    let resume_at = offset - consumed;
                    let mut exec = Exec {
                        state: &mut *self,
                        ctx: &mut *ctx,
                        id: conn.id,
                        client: &mut *client,
                        out: &mut *conn.out,
                        now_ms,
                        mode: command::Mode::Normal,
                        command: usize::MAX,
                        rejected: false,
                    };
                    if dispatch(&mut exec, &request) == Dispatched::Held {
                        // CLIENT PAUSE: this request waits, unread, with what follows it.
                        offset = resume_at;
                        ctx.pause_input(conn.id);
                        if let Some(pause) = &mut self.pause {
                            pause.held.push(conn.id);
                        }
                        break;
                    }
                    if !client.keeps_reply() {
                        // CLIENT REPLY OFF or SKIP: the command ran, its reply is dropped.
                        conn.out.truncate(reply_starts);
                    }
                    if client.blocked.is_some() {
                        // Parked (BLPOP on an empty list): what else it sent waits until it
                        // is served, as in Redis. The loop holds the rest of the input.
                        break;
                    }
                }
                Err(error) => {
                    // Reply, then close once the reply is flushed; the bytes after the bad frame
                    // are never executed.
                    error.write_reply(conn.out);
                    self.stats.count_error(b"ERR Protocol error");
                    warn!("protocol error from client id={}: {error:?}", client.id);
                    ctx.notice(NoticeKind::ProtocolError, conn.id);
                    client.closing = true;
                    ctx.close(conn.id);
                    return input.len();
                }
            }
        }
        // The batch's commands, for `instantaneous_ops_per_sec` (once, not per command).
        let stats = &mut self.stats;
        let processed = stats.commands_processed.saturating_sub(processed_before);
        stats.ops.record(since_start, processed);
        if client.closing {
            // Nothing after QUIT runs: drop whatever else was pipelined.
            return input.len();
        }
        offset
    }

    /// A connection is gone: it leaves pub/sub, MONITOR, CLIENT PAUSE's queue, the keys it
    /// waited on and the ones it watched.
    fn close_session(&mut self, id: ConnId, session: Session) {
        let client = match session {
            Session::Resp(session) => session.client,
            Session::Dashboard(viewer) => {
                self.dashboard_connections -= 1;
                self.dashboard.closed(id, &viewer);
                return;
            }
        };
        self.pubsub.remove_client(id, &client);
        if client.monitor {
            self.monitors.retain(|&watcher| watcher != id);
        }
        if let Some(pause) = &mut self.pause {
            pause.held.retain(|&held| held != id);
        }
        if let Some(blocked) = &client.blocked {
            // Gone while waiting: it leaves every queue, and no element is popped for it.
            self.leave(blocked);
        }
        // Gone mid-transaction: its queue goes with it, and its watches.
        let mut client = client;
        self.unwatch_all(&mut client);
    }

    /// When a timer is next due: the expiry cycle, a blocked client's timeout, the
    /// dashboard's tick, the end of CLIENT PAUSE.
    fn next_deadline(&self) -> Option<Instant> {
        [
            self.next_expire_cycle,
            self.next_rehash,
            self.next_eviction,
            self.next_block_deadline(),
            self.dashboard.next_deadline(),
            self.pause.as_ref().map(|p| p.until),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The timers that are due.
    fn run_timers(&mut self, ctx: &mut Ctx<'_, Session>, now: Instant) {
        if self.pause.as_ref().is_some_and(|p| p.until <= now) {
            self.unpause(ctx);
        }
        if self.next_expire_cycle.is_some_and(|at| at <= now) {
            // Paused, the dataset stays as it is: no active expiry (as Redis's
            // `activeExpireCycle`), only the next cycle scheduled.
            if self.pause.is_none() {
                let started = Instant::now();
                let now_ms = unix_ms();
                // Every database with deadlines, within one budget (Redis's
                // `activeExpireCycle` walks its databases the same way).
                for (_, db) in self.dbs_mut() {
                    let left = EXPIRE_CYCLE_BUDGET.saturating_sub(started.elapsed());
                    if db.volatile_len() > 0 && !left.is_zero() {
                        db.active_expire_cycle(now_ms, left);
                    }
                }
                let millis = started.elapsed().as_millis() as u64;
                let threshold = self.config.latency_monitor_threshold;
                self.latency.record("expire-cycle", millis, threshold);
            }
            self.schedule_expiry(now);
        }
        if self.next_rehash.is_some_and(|at| at <= now) {
            self.rehash(now);
        }
        if self.next_eviction.is_some_and(|at| at <= now) {
            // Redis's `evictionTimeProc`: another slice; `perform` schedules the next one if
            // this one runs out of time while still over the limit.
            self.next_eviction = None;
            evict::perform(self, unix_ms());
        }
        blocking::time_out(self, ctx, now);
        self.with_dashboard(|dashboard, state| dashboard.tick(state, ctx, now));
    }

    /// The timer's share of resizing tables: a millisecond of moving keys, for the first
    /// database that is resizing (Redis's `incrementallyRehash` from `databasesCron`); again
    /// in a tick while any is.
    fn rehash(&mut self, now: Instant) {
        if let Some((_, db)) = self.dbs_mut().find(|(_, db)| db.is_rehashing()) {
            db.rehash_for(REHASH_BUDGET);
        }
        let rehashing = self.dbs().any(|(_, db)| db.is_rehashing());
        self.next_rehash = rehashing.then_some(now + EXPIRE_CYCLE_EVERY);
    }
}

impl State {
    /// The dashboard, taken out for a call that reads the rest of the state beside it (a
    /// move of a few words: no allocation).
    fn with_dashboard<R>(&mut self, f: impl FnOnce(&mut Dashboard, &State) -> R) -> R {
        let mut dashboard = std::mem::take(&mut self.dashboard);
        let result = f(&mut dashboard, self);
        self.dashboard = dashboard;
        result
    }

    /// Keep the expiry timer running exactly while some key has a deadline, so an idle server
    /// with no volatile keys never wakes up.
    fn schedule_expiry(&mut self, now: Instant) {
        let volatile = self.dbs().any(|(_, db)| db.volatile_len() > 0);
        self.next_expire_cycle = if volatile {
            Some(now + EXPIRE_CYCLE_EVERY)
        } else {
            None
        };
    }
}

/// Subscribers wait for messages and blocked clients for their keys, maybe for hours: Redis
/// exempts both from `timeout`. So is a browser watching the event stream.
fn idle_exempt(session: &Session) -> bool {
    match session {
        Session::Resp(session) => session.client.subscribed() || session.client.blocked.is_some(),
        Session::Dashboard(viewer) => viewer.streaming,
    }
}

/// A command refused before it ran: counted as rejected, not as a call (Redis's
/// `rejectCommand`).
/// Inside MULTI it also spoils the transaction: EXEC will answer EXECABORT (Redis's
/// `flagTransaction`).
fn reject(exec: &mut Exec<'_, '_>) -> Dispatched {
    if let Some(command) = exec.state.stats.command(exec.command) {
        command.rejected_calls += 1;
    }
    if let Some(transaction) = &mut exec.client.multi {
        transaction.aborted = true;
    }
    Dispatched::Done
}

/// Refuse a command before it runs with `message` (`ERR ...`). A refused EXEC ends the
/// transaction with the reason (`-EXECABORT Transaction discarded because of: wrong number
/// of arguments for 'exec' command`, the code dropped), as Redis's `rejectCommand` does.
fn refuse(exec: &mut Exec<'_, '_>, command: &command::Command, message: &[u8]) -> Dispatched {
    if command.name != "exec" {
        exec.error_bytes(message);
        return reject(exec);
    }
    exec.client.multi = None;
    exec.state.unwatch_all(exec.client);
    let reason = message.strip_prefix(b"ERR ").unwrap_or(message);
    let mut abort = b"EXECABORT Transaction discarded because of: ".to_vec();
    abort.extend_from_slice(reason);
    exec.error_bytes(&abort);
    reject(exec)
}

/// What became of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dispatched {
    /// It ran, or was refused with an error.
    Done,
    /// Clients are paused: it waits, unrun and unanswered.
    Held,
}

/// Run one request: look it up, check its arity, run it (or queue it inside MULTI), count it.
fn dispatch(exec: &mut Exec<'_, '_>, request: &crate::resp::Request<'_>) -> Dispatched {
    // The client's database in hand (one compare, unless the last command ran in another).
    exec.state.select(exec.client.db);
    let Some((command, id)) = exec.state.table.lookup_with_id(request.arg(0)) else {
        exec.unknown_command(request);
        return reject(exec);
    };
    exec.command = id;
    if !command.arity_ok(request.len()) {
        let mut message = b"ERR wrong number of arguments for '".to_vec();
        message.extend_from_slice(command.name.as_bytes());
        message.extend_from_slice(b"' command");
        return refuse(exec, command, &message);
    }
    if !exec.client.authenticated
        && !command.flags.contains(spec::Flags::NO_AUTH)
        && exec.state.config.requirepass.is_some()
    {
        return refuse(exec, command, auth::NOAUTH.as_bytes());
    }
    let in_multi = exec.client.multi.is_some();
    if in_multi && command.flags.contains(spec::Flags::NO_MULTI) {
        return refuse(
            exec,
            command,
            b"ERR Command not allowed inside a transaction",
        );
    }
    // Over `maxmemory`: evict first; refuse what may add memory if that was not enough
    // (Redis's `processCommand`; not from inside a busy script).
    if exec.state.busy.is_none() {
        exec.state.oom = exec.state.config.eviction.maxmemory > 0
            && evict::perform(exec.state, exec.now_ms) == evict::Outcome::Fail;
        if exec.state.oom && refused_on_oom(command, exec.client.multi.as_deref()) {
            return refuse(exec, command, evict::OOM.as_bytes());
        }
    }
    if exec.client.subscribed() && !pubsub::allowed_when_subscribed(command.name) {
        let mut message = b"ERR Can't execute '".to_vec();
        message.extend_from_slice(command.name.as_bytes());
        // A container is named with its subcommand (`client|list`), as Redis names it.
        if !command.subcommands.is_empty() {
            message.push(b'|');
            message.extend(request.arg(1).iter().take(64).map(u8::to_ascii_lowercase));
        }
        message.extend_from_slice(
            b"': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in \
              this context",
        );
        return refuse(exec, command, &message);
    }
    // A script is busy (this is a pass of the loop from inside it): every command but a few
    // is refused, as Redis's `processCommand` refuses it (inside MULTI the transaction is
    // spoilt, and EXEC answers EXECABORT with the reason).
    if let Some(busy) = &exec.state.busy
        && !commands::scripting::busy::allowed(command, request)
    {
        let refusal = busy.refusal();
        return refuse(exec, command, refusal);
    }
    // Checked last, as in Redis: a request with an error is answered at once, paused or not.
    // An EXEC waits if its queue writes.
    if exec.state.pause.is_some() {
        let queue_writes = exec.client.multi.as_ref().is_some_and(|t| t.writes);
        if exec
            .state
            .holds(command, command.name == "exec" && queue_writes)
        {
            return Dispatched::Held;
        }
    }
    if in_multi && !commands::transactions::runs_inside_multi(command) {
        queue(exec, command, request);
        return Dispatched::Done;
    }
    call(exec, command, request);
    Dispatched::Done
}

/// Whether `command` is refused while over `maxmemory` with nothing to evict: one that may add
/// memory (`denyoom`), an EXEC whose queue holds one, and inside MULTI anything but what ends
/// or manages the transaction (Redis's `processCommand`).
fn refused_on_oom(command: &command::Command, multi: Option<&client::Transaction>) -> bool {
    if command.flags.contains(spec::Flags::DENYOOM) {
        return true;
    }
    match multi {
        Some(transaction) if command.name == "exec" => transaction.denyoom,
        Some(_) => !matches!(
            command.name,
            "discard" | "multi" | "watch" | "unwatch" | "reset" | "quit"
        ),
        None => false,
    }
}

/// Between MULTI and EXEC: keep the request for EXEC and answer `+QUEUED`. The queue is held
/// to the query-buffer limit, as the input it stands for: past it the client is closed, as
/// one whose unparsed input passes the limit is.
fn queue(exec: &mut Exec<'_, '_>, command: &command::Command, request: &crate::resp::Request<'_>) {
    let limit = exec.state.config.client_query_buffer_limit;
    let Some(transaction) = &mut exec.client.multi else {
        return;
    };
    // Nothing more is kept once the transaction is spoilt (Redis's `queueMultiCommand`).
    if !transaction.aborted {
        let owned = request.to_owned();
        transaction.bytes += owned.heap_size();
        transaction.writes |= command.flags.contains(spec::Flags::WRITE)
            || command.flags.contains(spec::Flags::MAY_REPLICATE);
        transaction.denyoom |= command.flags.contains(spec::Flags::DENYOOM);
        transaction.queue.push(owned);
    }
    if transaction.bytes > limit {
        warn!(
            "closing client id={}: its MULTI queue passed client-query-buffer-limit",
            exec.client.id
        );
        exec.client.closing = true;
        exec.ctx.close(exec.id);
        return;
    }
    exec.simple("QUEUED");
}

/// EXEC runs one queued command: looked up again, run and counted as if it had just arrived
/// (its own statistics, slow log and MONITOR line), its reply one element of EXEC's.
fn call_queued(exec: &mut Exec<'_, '_>, request: &crate::resp::Request<'_>) {
    let Some((command, id)) = exec.state.table.lookup_with_id(request.arg(0)) else {
        return exec.unknown_command(request);
    };
    let (outer, rejected) = (exec.command, exec.rejected);
    (exec.command, exec.rejected) = (id, false);
    call(exec, command, request);
    (exec.command, exec.rejected) = (outer, rejected);
}

/// Run a command that passed every check, and count it: its statistics, the slow log, the
/// monitors; then serve clients blocked on keys it filled (after the whole EXEC, for one
/// inside a transaction) and start the expiry timer if it set a deadline.
///
/// Inlined into dispatch: as a call of its own it cost GET about 28 instructions a request
/// (`benches/instructions.sh`).
#[inline(always)]
pub(crate) fn call(
    exec: &mut Exec<'_, '_>,
    command: &command::Command,
    request: &crate::resp::Request<'_>,
) {
    exec.client.last_command = command.name;
    exec.client.commands += 1;
    let errors_before = exec.state.stats.error_replies;
    let started = exec.state.clock.raw();
    (command.run)(exec, request);
    let ticks = exec.state.clock.raw().saturating_sub(started);
    // Counted once it has run, as Redis's `call()` does: a rejected command (unknown, wrong
    // arity) is not "processed", and INFO does not count itself.
    let tracking = exec.state.config.latency_tracking;
    let stats = &mut exec.state.stats;
    let failed = stats.error_replies != errors_before;
    if exec.rejected {
        // A subcommand refused for its arity: rejected, not processed, as in Redis.
        if let Some(sub) = stats.command(exec.command) {
            sub.rejected_calls += 1;
        }
    } else {
        stats.commands_processed += 1;
        if let Some(command) = stats.command(exec.command) {
            command.record(ticks, failed, tracking);
        }
    }
    // What only watchers pay for: one compare each while nobody watches.
    // A subcommand refused (unknown, wrong arity) did not run: Redis refuses it before
    // `call()`, so neither sees it.
    if (ticks >= exec.state.slow_bound || !exec.state.monitors.is_empty()) && !exec.rejected {
        let ran = exec
            .state
            .table
            .all()
            .get(exec.command)
            .copied()
            .unwrap_or(command);
        if ticks >= exec.state.slow_bound {
            commands::introspection::record_slow(exec, request, ran, ticks);
        }
        if !exec.state.monitors.is_empty() {
            commands::introspection::feed_monitors(exec, request, ran);
        }
    }
    // A command may have given a key a deadline: make sure the expiry timer is running. (Only
    // the database in hand can have gained one: MOVE, COPY and SWAPDB only carry deadlines
    // that kept the timer running already.)
    if exec.state.next_expire_cycle.is_none() && exec.state.db.volatile_len() > 0 {
        exec.state.next_expire_cycle = Some(exec.ctx.now() + EXPIRE_CYCLE_EVERY);
    }
    // Likewise a write may have started a resize of the table: the timer helps it along.
    if exec.state.next_rehash.is_none() && exec.state.db.is_rehashing() {
        exec.state.next_rehash = Some(exec.ctx.now() + EXPIRE_CYCLE_EVERY);
    }
    // A command may have created a key that blocked clients wait on: serve them now, before
    // this client's next command can take what they wait for.
    // (Not while a script is busy: its keys are served once it has returned.)
    if exec.state.any_ready() && !exec.client.executing && exec.state.busy.is_none() {
        blocking::serve_ready(exec.state, exec.ctx, exec.now_ms);
    }
}
