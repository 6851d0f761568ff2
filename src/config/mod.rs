//! Every knob and limit in one place: its unit, its default, and the redis.conf name it mirrors.
//!
//! Chapter: [docs/14-limits-faults-fuzzing.md](../../docs/14-limits-faults-fuzzing.md).
//!
//! `reactor-server`'s flags and config-file lines are redis.conf directives ([`directives`]),
//! read with redis.conf's units ([`units`]) into a [`Config`]; embedders build one directly.

pub mod directives;
pub mod file;
pub mod redis_directives;
pub mod tls;
pub mod units;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use log::LevelFilter;

use crate::reactor::{Faults, Options, OutputLimits, TlsOptions};
use crate::resp::request::{DEFAULT_MAX_BULK_LEN, Limits, MULTIBULK_MAX};

/// The whole of the file at `path` if it holds at most `limit` bytes; `Ok(None)` if it holds
/// more (`/dev/zero`, a loop of includes): only `limit + 1` bytes are ever read, so a file
/// that never ends costs bounded memory. Every file the configuration names is read this way.
pub(crate) fn read_at_most(path: &std::path::Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// The default port: Redis's 6379 plus one, so both can run side by side.
pub const DEFAULT_PORT: u16 = 6380;

/// Server configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (`bind`'s first, default 127.0.0.1).
    pub bind: IpAddr,
    /// `bind`'s other addresses, each listened on as the first is; `true` marks one written
    /// with a `-` (skipped when this machine does not have it, as Redis skips it).
    pub bind_also: Vec<(IpAddr, bool)>,
    /// Port (`port`, default 6380; 0 picks a free one).
    pub port: u16,
    /// Largest bulk argument in bytes (`proto-max-bulk-len`, default 512 MiB).
    pub proto_max_bulk_len: i64,
    /// Most arguments per request (Redis 7.0 allows `INT_MAX`; we cap at 1 Mi, as Redis 6 did).
    pub max_multibulk: i64,
    /// Queue of connections waiting to be accepted (`tcp-backlog`, default 511).
    pub tcp_backlog: i32,
    /// Most simultaneous clients (`maxclients`, default 10000).
    pub maxclients: usize,
    /// Close clients idle this many seconds (`timeout`, default 0 = never).
    pub timeout_secs: u64,
    /// Log commands that run at least this many microseconds (`slowlog-log-slower-than`,
    /// default 10000; 0 logs every command, negative none).
    pub slowlog_log_slower_than: i64,
    /// Entries the slow log keeps (`slowlog-max-len`, default 128).
    pub slowlog_max_len: usize,
    /// Numbered databases (`databases`, default 16; fixed at start, as in Redis).
    pub databases: usize,
    /// Milliseconds a script runs before other clients are answered `-BUSY` and SCRIPT KILL
    /// may stop it (`busy-reply-threshold`, once `lua-time-limit`; default 5000, 0 = never).
    pub busy_reply_threshold: u64,
    /// Record a latency event at this many milliseconds or more (`latency-monitor-threshold`,
    /// default 0 = off).
    pub latency_monitor_threshold: u64,
    /// Keep a latency histogram per command (`latency-tracking`, default yes).
    pub latency_tracking: bool,
    /// The percentiles INFO latencystats shows (`latency-tracking-info-percentiles`, default
    /// `50 99 99.9`).
    pub latency_percentiles: Vec<f64>,
    /// Close a client whose unparsed input exceeds this (`client-query-buffer-limit`, 1 GiB).
    pub client_query_buffer_limit: usize,
    /// Stop reading from a client whose pending output exceeds this (backpressure, 64 MiB).
    pub output_high_water: usize,
    /// Password clients must give with AUTH before anything else (`requirepass`; None = open).
    pub requirepass: Option<Vec<u8>>,
    /// Refuse non-loopback clients when no password is set (`protected-mode`, default yes).
    pub protected_mode: bool,
    /// Unsent output at which a client is cut off, per class (`client-output-buffer-limit`,
    /// `normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60`).
    pub output_limits: OutputLimits,
    /// At shutdown, how long pending replies may take to flush (default 2 s).
    pub shutdown_grace: Duration,
    /// Treat SIGINT and SIGTERM as a graceful shutdown.
    pub handle_signals: bool,
    /// Fault injection (off by default).
    pub faults: Faults,
    /// When small aggregates change representation (`hash-max-listpack-entries` and the
    /// rest); read by the data types whenever a value grows.
    pub encodings: Encodings,
    /// `maxmemory` and how keys are evicted to stay under it.
    pub eviction: Eviction,
    /// A TLS listener beside the plaintext one (`tls-port`, `tls-cert-file`, ...).
    pub tls: tls::TlsSettings,
    /// The config file the server was started with (`CONFIG REWRITE` writes back to it).
    pub config_file: Option<std::path::PathBuf>,
    /// Log level (`loglevel`); read by `reactor-server` when it sets up logging, None = its
    /// default (`RUST_LOG`, else info).
    pub loglevel: Option<LevelFilter>,
    /// Serve the live dashboard (HTTP) on this port (`dashboard-port`, ours; default: off;
    /// 0 picks a free one).
    pub dashboard_port: Option<u16>,
    /// The dashboard's address (`dashboard-bind`, default 127.0.0.1).
    pub dashboard_bind: IpAddr,
}

impl Default for Config {
    fn default() -> Self {
        let loop_defaults = Options::default();
        Config {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            bind_also: Vec::new(),
            port: DEFAULT_PORT,
            proto_max_bulk_len: DEFAULT_MAX_BULK_LEN,
            max_multibulk: MULTIBULK_MAX,
            tcp_backlog: loop_defaults.tcp_backlog,
            maxclients: loop_defaults.max_clients,
            timeout_secs: 0,
            slowlog_log_slower_than: 10_000,
            slowlog_max_len: 128,
            databases: 16,
            busy_reply_threshold: 5000,
            latency_monitor_threshold: 0,
            latency_tracking: true,
            latency_percentiles: vec![50.0, 99.0, 99.9],
            client_query_buffer_limit: loop_defaults.query_buffer_limit,
            output_high_water: loop_defaults.output_high_water,
            output_limits: OutputLimits::default(),
            requirepass: None,
            protected_mode: true,
            shutdown_grace: loop_defaults.shutdown_grace,
            handle_signals: false,
            faults: Faults::default(),
            encodings: Encodings::default(),
            eviction: Eviction::default(),
            config_file: None,
            tls: tls::TlsSettings::default(),
            loglevel: None,
            dashboard_port: None,
            dashboard_bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
        }
    }
}

impl Config {
    /// A configuration for tests and embedding: 127.0.0.1, a free port.
    pub fn ephemeral() -> Self {
        Config {
            port: 0,
            ..Config::default()
        }
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.bind, self.port)
    }

    /// The parser limits this configuration implies.
    pub fn limits(&self) -> Limits {
        Limits {
            max_bulk_len: self.proto_max_bulk_len,
            max_multibulk: self.max_multibulk,
            unauthenticated: false,
        }
    }

    /// The TLS listener this configuration asks for, with its certificates loaded; `None`
    /// without `tls-port`. The error says which setting or file is wrong.
    pub fn tls_options(&self) -> Result<Option<TlsOptions>, String> {
        let Some(port) = self.tls.port else {
            return Ok(None);
        };
        Ok(Some(TlsOptions {
            addr: SocketAddr::new(self.bind, port),
            config: tls::server_config(&self.tls)?,
            handshake_timeout: self.tls.handshake_timeout,
        }))
    }

    /// Whether to listen for plaintext: yes, except Redis's way of asking for TLS only,
    /// `port 0` beside a `tls-port` (a real one: with `TlsSettings::port` at `Some(0)`, the
    /// embedding API's "any free port", `port 0` keeps its meaning here, any free port, too).
    pub fn plaintext(&self) -> bool {
        !(self.port == 0 && self.tls.port.is_some_and(|port| port != 0))
    }

    /// The event-loop options this configuration implies (without TLS: see
    /// [`Config::tls_options`]).
    pub fn loop_options(&self) -> Options {
        Options {
            max_clients: self.maxclients,
            tcp_backlog: self.tcp_backlog,
            query_buffer_limit: self.client_query_buffer_limit,
            output_high_water: self.output_high_water,
            output_limits: self.output_limits,
            idle_timeout: (self.timeout_secs > 0).then(|| Duration::from_secs(self.timeout_secs)),
            shutdown_grace: self.shutdown_grace,
            handle_signals: self.handle_signals,
            faults: self.faults,
            plaintext: self.plaintext(),
            also_bind: self.bind_also.clone(),
            extra_listener: self
                .dashboard_port
                .map(|port| SocketAddr::new(self.dashboard_bind, port)),
            ..Options::default()
        }
    }
}

/// The encoding thresholds (redis.conf's `*-max-listpack-*` and `set-max-intset-entries`).
/// Read when a value grows; a value already converted stays converted, as in Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encodings {
    /// `list-max-listpack-size`: positive = entries per quicklist node, negative = node size
    /// class (-1 = 4 KiB ... -5 = 64 KiB). Default -2 (8 KiB).
    pub list_max_listpack_size: i64,
    /// `list-compress-depth`: accepted and reported; nodes are never compressed here.
    pub list_compress_depth: i64,
    /// `hash-max-listpack-entries`: 512, Redis 7.0's built-in default (the redis.conf it ships
    /// sets 128; `CONFIG GET` on a redis-server started without a file says 512).
    pub hash_max_listpack_entries: usize,
    /// `hash-max-listpack-value` (64 bytes).
    pub hash_max_listpack_value: usize,
    /// `set-max-intset-entries` (512).
    pub set_max_intset_entries: usize,
    /// `zset-max-listpack-entries` (128): for sorted sets, still to come.
    pub zset_max_listpack_entries: usize,
    /// `zset-max-listpack-value` (64).
    pub zset_max_listpack_value: usize,
}

impl Default for Encodings {
    fn default() -> Self {
        Encodings {
            list_max_listpack_size: -2,
            list_compress_depth: 0,
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
        }
    }
}

/// `maxmemory` and its companions, as Redis 7.0 names and bounds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Eviction {
    /// `maxmemory`: bytes; 0 = no limit (the default).
    pub maxmemory: u64,
    /// `maxmemory-policy` (default `noeviction`).
    pub policy: Policy,
    /// `maxmemory-samples`: keys sampled per database per eviction round (default 5).
    pub samples: usize,
    /// `maxmemory-eviction-tenacity`: how long one command may evict before the rest is left to
    /// the timer (0..=100, default 10: 500 µs; 100 = no limit).
    pub tenacity: u32,
    /// `lfu-log-factor` (default 10).
    pub lfu_log_factor: u32,
    /// `lfu-decay-time`: minutes per decrement of an LFU counter (default 1).
    pub lfu_decay_time: u32,
}

impl Default for Eviction {
    fn default() -> Self {
        Eviction {
            maxmemory: 0,
            policy: Policy::NoEviction,
            samples: 5,
            tenacity: 10,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
        }
    }
}

/// `maxmemory-policy`: which keys may go (all, or only those with a deadline) and which first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    VolatileLru,
    VolatileLfu,
    VolatileRandom,
    VolatileTtl,
    AllkeysLru,
    AllkeysLfu,
    AllkeysRandom,
    NoEviction,
}

impl Policy {
    /// Every policy, in Redis's order (its error message lists them so).
    pub const ALL: [Policy; 8] = [
        Policy::VolatileLru,
        Policy::VolatileLfu,
        Policy::VolatileRandom,
        Policy::VolatileTtl,
        Policy::AllkeysLru,
        Policy::AllkeysLfu,
        Policy::AllkeysRandom,
        Policy::NoEviction,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Policy::VolatileLru => "volatile-lru",
            Policy::VolatileLfu => "volatile-lfu",
            Policy::VolatileRandom => "volatile-random",
            Policy::VolatileTtl => "volatile-ttl",
            Policy::AllkeysLru => "allkeys-lru",
            Policy::AllkeysLfu => "allkeys-lfu",
            Policy::AllkeysRandom => "allkeys-random",
            Policy::NoEviction => "noeviction",
        }
    }

    /// Whether keys' stamps count accesses (LFU) rather than time (LRU).
    pub fn is_lfu(self) -> bool {
        matches!(self, Policy::VolatileLfu | Policy::AllkeysLfu)
    }

    /// Whether only keys with a deadline may be evicted.
    pub fn volatile_only(self) -> bool {
        matches!(
            self,
            Policy::VolatileLru
                | Policy::VolatileLfu
                | Policy::VolatileRandom
                | Policy::VolatileTtl
        )
    }
}
