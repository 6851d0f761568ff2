//! Server commands: INFO, TIME, CONFIG, COMMAND. How a client finds out what it is talking to.
//!
//! Chapter: [docs/09-commands-and-the-keyspace.md](../../docs/09-commands-and-the-keyspace.md).
//!
//! ```text
//! INFO [section ...]             $len "# Server\r\nredis_version:7.0.15\r\n..." (a bulk string)
//! TIME                           *2 $seconds $microseconds
//! CONFIG GET pattern [pattern ...]   *2n name value ... (glob patterns, case-insensitive)
//! CONFIG SET name value [name value ...]   +OK, or why not
//! CONFIG RESETSTAT | REWRITE | HELP
//! COMMAND                        one 10-element array per command
//! COMMAND COUNT | LIST [FILTERBY ...] | INFO [name ...] | GETKEYS cmd arg ... | HELP
//! ```
//!
//! None of this stores or fetches data, yet real clients will not work without it: they *ask*
//! before they act. `redis-benchmark` starts with `CONFIG GET save` and `CONFIG GET appendonly`
//! and warns when it gets no answer; interactive `redis-cli` reads `COMMAND` and `INFO server`
//! to build its hints; client libraries read `redis_version` from INFO (or HELLO) to decide
//! which commands they may send. So the replies must have Redis's exact shape, and every number
//! in them must be true: a monitoring tool graphs `instantaneous_ops_per_sec` and pages someone
//! when `rejected_connections` moves.
//!
//! Where the numbers come from: the loop counts connections, bytes and loop turns
//! ([`crate::reactor::LoopStats`], read through `exec.ctx`); dispatch counts commands and
//! errors ([`super::Stats`]); the keyspace counts its keys and expiries ([`super::db::Db`]).
//! INFO only reads them. `CONFIG RESETSTAT` zeroes the application's counters and, since the
//! loop's are not ours to write, remembers the loop's values as a baseline that INFO subtracts.
//!
//! Redis counterparts: `genRedisInfoString` and `configGetCommand`/`configSetCommand`
//! (`server.c`, `config.c`), `commandCommand` and friends (`server.c`).
//!
//! What this server leaves out, and why (each is also noted where it happens):
//!
//! - INFO has the sections and fields that mean something here (server, clients, stats,
//!   keyspace), in Redis's order; there is no memory, persistence or replication to report.
//! - COMMAND reports tips, key specs and subcommands as empty arrays, and ACL categories only
//!   as far as Redis derives them from flags (`@read`, `@fast`, ...): our command table does
//!   not record the rest.
//! - COMMAND DOCS is not implemented and says so (`unknown subcommand`), exactly as a Redis 6.2
//!   server does. That is deliberate: `redis-cli` then falls back to the documentation built into
//!   it and shows full hints, whereas a COMMAND DOCS reply without argument specs leaves it with
//!   no hints at all, and one with empty entries makes `help @group` crash it (checked against
//!   redis-cli 7.0.15).

use std::fmt::Write as _;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::resp::{Request, reply};

use super::State;
use super::command::{Command, Exec};
use super::db::Db;
use super::glob::glob_match;

/// The Redis version we answer to. Client libraries use it for feature detection (RESP3,
/// `SET ... GET`, `GETEX`, ...), so it names the release whose behaviour we reproduce.
pub const REDIS_VERSION: &str = "7.0.15";

/// INFO's `hz`: the expiry cycle runs every 100 ms while keys have deadlines (see
/// `EXPIRE_CYCLE_EVERY` in `server/mod.rs`), as Redis's `serverCron` does at its default `hz 10`.
const HZ: u32 = 10;

/// The readiness API underneath `mio` on this platform (INFO's `multiplexing_api`).
const MULTIPLEXING_API: &str = if cfg!(any(
    target_os = "linux",
    target_os = "android",
    target_os = "illumos",
    target_os = "redox"
)) {
    "epoll"
} else if cfg!(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
)) {
    "kqueue"
} else {
    "poll"
};

pub const COMMANDS: &[Command] = &[
    Command {
        name: "info",
        arity: -1,
        flags: &["loading", "stale", "sentinel"],
        keys: (0, 0, 0),
        run: info,
    },
    Command {
        name: "time",
        arity: 1,
        flags: &["loading", "stale", "fast"],
        keys: (0, 0, 0),
        run: time,
    },
    // A container: Redis gives `config` itself no flags; its subcommands have their own.
    Command {
        name: "config",
        arity: -2,
        flags: &[],
        keys: (0, 0, 0),
        run: config,
    },
    Command {
        name: "command",
        arity: -1,
        flags: &["loading", "stale", "sentinel"],
        keys: (0, 0, 0),
        run: command,
    },
];

// ---------------------------------------------------------------------------------------------
// INFO
// ---------------------------------------------------------------------------------------------

/// INFO's sections, as bits, in the order Redis prints them whatever order they were asked in.
const SERVER: u8 = 1;
const CLIENTS: u8 = 2;
const STATS: u8 = 4;
const KEYSPACE: u8 = 8;
const EVERY_SECTION: u8 = SERVER | CLIENTS | STATS | KEYSPACE;

/// `INFO [section ...]`: a bulk string of `# Section` headers and `field:value` lines, CRLF
/// terminated, sections separated by an empty line. No argument, `default`, `all` and
/// `everything` mean every section we have; a section we do not have (`memory`, `foo`) adds
/// nothing, so `INFO foo` is the empty bulk `$0`, as in Redis.
fn info(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let wanted = if req.len() == 1 {
        EVERY_SECTION
    } else {
        req.args()
            .skip(1)
            .fold(0, |bits, name| bits | section_bit(name))
    };
    let text = info_text(exec, wanted);
    exec.bulk(text.as_bytes());
}

fn section_bit(name: &[u8]) -> u8 {
    const NAMES: [(&str, u8); 7] = [
        ("server", SERVER),
        ("clients", CLIENTS),
        ("stats", STATS),
        ("keyspace", KEYSPACE),
        ("default", EVERY_SECTION),
        ("all", EVERY_SECTION),
        ("everything", EVERY_SECTION),
    ];
    NAMES
        .iter()
        .find(|(known, _)| known.as_bytes().eq_ignore_ascii_case(name))
        .map_or(0, |&(_, bit)| bit)
}

/// Appends one section's text.
type Section = fn(&mut String, &Exec<'_, '_>);

/// Render the sections in `wanted`. INFO is not on the hot path, so a `String` is fine here.
fn info_text(exec: &Exec<'_, '_>, wanted: u8) -> String {
    let sections: [(u8, Section); 4] = [
        (SERVER, server_section),
        (CLIENTS, clients_section),
        (STATS, stats_section),
        (KEYSPACE, |out, exec| keyspace_section(out, &exec.state.db)),
    ];
    let mut out = String::new();
    for (bit, render) in sections {
        if wanted & bit != 0 {
            if !out.is_empty() {
                out.push_str("\r\n");
            }
            render(&mut out, exec);
        }
    }
    out
}

/// One `name:value\r\n` line.
fn field(out: &mut String, name: &str, value: impl std::fmt::Display) {
    // Writing to a String cannot fail.
    let _ = write!(out, "{name}:{value}\r\n");
}

fn server_section(out: &mut String, exec: &Exec<'_, '_>) {
    let uptime = since_start(exec.state, exec.ctx.now()).as_secs();
    out.push_str("# Server\r\n");
    field(out, "redis_version", REDIS_VERSION);
    field(out, "reactor_version", env!("CARGO_PKG_VERSION"));
    field(out, "redis_mode", "standalone");
    field(out, "os", os_description());
    field(out, "arch_bits", usize::BITS);
    field(out, "multiplexing_api", MULTIPLEXING_API);
    field(out, "process_id", std::process::id());
    field(out, "tcp_port", exec.state.port);
    field(out, "uptime_in_seconds", uptime);
    field(out, "uptime_in_days", uptime / 86_400);
    field(out, "hz", HZ);
    field(out, "configured_hz", HZ);
    field(out, "executable", executable());
    field(out, "config_file", "");
}

/// `uname -srm` as Redis prints it (`Linux 6.8.0-49-generic x86_64`), from what the standard
/// library knows plus the kernel release where `/proc` has it. Computed once.
fn os_description() -> &'static str {
    static OS: OnceLock<String> = OnceLock::new();
    OS.get_or_init(|| {
        let sysname = match std::env::consts::OS {
            "linux" | "android" => "Linux",
            "macos" | "ios" => "Darwin",
            "freebsd" => "FreeBSD",
            "netbsd" => "NetBSD",
            "openbsd" => "OpenBSD",
            "dragonfly" => "DragonFly",
            "illumos" | "solaris" => "SunOS",
            other => other,
        };
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        let machine = std::env::consts::ARCH;
        match release.trim() {
            "" => format!("{sysname} {machine}"),
            release => format!("{sysname} {release} {machine}"),
        }
    })
}

/// The absolute path of the running program (for an embedded server, the embedding program).
fn executable() -> &'static str {
    static EXE: OnceLock<String> = OnceLock::new();
    EXE.get_or_init(|| {
        std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    })
}

fn clients_section(out: &mut String, exec: &Exec<'_, '_>) {
    out.push_str("# Clients\r\n");
    field(out, "connected_clients", exec.ctx.connection_count());
    field(out, "maxclients", exec.state.config.maxclients);
    // No blocking commands and no client-side caching exist here.
    field(out, "blocked_clients", 0);
    field(out, "tracking_clients", 0);
}

fn stats_section(out: &mut String, exec: &Exec<'_, '_>) {
    let state = &*exec.state;
    let stats = &state.stats;
    let now = exec.ctx.stats();
    let then = &stats.loop_baseline;
    out.push_str("# Stats\r\n");
    field(
        out,
        "total_connections_received",
        now.connections_received
            .saturating_sub(then.connections_received),
    );
    field(out, "total_commands_processed", stats.commands_processed);
    field(
        out,
        "instantaneous_ops_per_sec",
        stats.ops.per_sec(since_start(state, exec.ctx.now())),
    );
    field(
        out,
        "total_net_input_bytes",
        now.net_input_bytes.saturating_sub(then.net_input_bytes),
    );
    field(
        out,
        "total_net_output_bytes",
        now.net_output_bytes.saturating_sub(then.net_output_bytes),
    );
    field(
        out,
        "rejected_connections",
        now.connections_rejected
            .saturating_sub(then.connections_rejected),
    );
    field(out, "expired_keys", state.db.expired_keys);
    // There is no maxmemory, so nothing is ever evicted.
    field(out, "evicted_keys", 0);
    field(out, "keyspace_hits", stats.keyspace_hits);
    field(out, "keyspace_misses", stats.keyspace_misses);
    field(out, "pubsub_channels", state.pubsub.channel_count());
    field(out, "pubsub_patterns", state.pubsub.pattern_count());
    field(out, "total_error_replies", stats.error_replies);
    // Redis 7.2's name for turns of the event loop: an idle server must not make it grow.
    field(
        out,
        "eventloop_cycles",
        now.cycles.saturating_sub(then.cycles),
    );
}

/// `db0:keys=N,expires=M,avg_ttl=0`, only for a non-empty database, as Redis. `avg_ttl` is
/// Redis's running estimate from its expiry sampling; we do not estimate it and report 0, the
/// value Redis reports when it has no estimate.
fn keyspace_section(out: &mut String, db: &Db) {
    out.push_str("# Keyspace\r\n");
    if !db.is_empty() {
        let _ = write!(
            out,
            "db0:keys={},expires={},avg_ttl=0\r\n",
            db.len(),
            db.volatile_len()
        );
    }
}

fn since_start(state: &State, now: std::time::Instant) -> Duration {
    now.saturating_duration_since(state.started)
}

/// Length of one slot of the ops meter: Redis samples its metrics every 100 ms (`hz 10`).
const OPS_SLOT: Duration = Duration::from_millis(100);
/// Slots kept: Redis averages its last 16 samples (`STATS_METRIC_SAMPLES`), so 1.6 s.
const OPS_SLOTS: usize = 16;

/// `instantaneous_ops_per_sec`: commands counted into 100 ms slots, the rate taken over the
/// last 16 slots.
///
/// Redis samples its command counter from a timer ten times a second. A timer would wake an
/// idle server ten times a second, which this one must not do, so the slots are filled by the
/// commands themselves: each one adds 1 to the slot of the current time, reusing the slot of
/// the same index from 1.6 s ago. A slot that no command touched holds an old slot number and
/// is skipped when reading, which is how idle time counts as zero.
#[derive(Debug, Default, Clone)]
pub struct OpsMeter {
    /// `(slot number, commands)`; slot number = time since start / 100 ms, kept at index
    /// `number % 16`.
    slots: [(u64, u64); OPS_SLOTS],
}

impl OpsMeter {
    /// Count one command run at `since_start` (time since the server started).
    pub fn record(&mut self, since_start: Duration) {
        let number = slot_number(since_start);
        let slot = &mut self.slots[(number % OPS_SLOTS as u64) as usize];
        if slot.0 != number {
            *slot = (number, 0);
        }
        slot.1 += 1;
    }

    /// Commands per second over the window of the last 16 slots ending at `since_start` (the
    /// current slot counts for the part of it that has elapsed).
    pub fn per_sec(&self, since_start: Duration) -> u64 {
        let current = slot_number(since_start);
        let oldest = current.saturating_sub(OPS_SLOTS as u64 - 1);
        let commands: u64 = self
            .slots
            .iter()
            .filter(|(number, _)| (oldest..=current).contains(number))
            .map(|(_, commands)| commands)
            .sum();
        let window_start =
            Duration::from_millis(oldest.saturating_mul(OPS_SLOT.as_millis() as u64));
        // At least one slot long, so three commands in the first millisecond are not 3000/s.
        let window = since_start.saturating_sub(window_start).max(OPS_SLOT);
        (commands as f64 / window.as_secs_f64()) as u64
    }
}

fn slot_number(since_start: Duration) -> u64 {
    (since_start.as_millis() / OPS_SLOT.as_millis()) as u64
}

/// `CONFIG RESETSTAT`: zero every counter INFO stats reports.
fn reset_stats(exec: &mut Exec<'_, '_>) {
    exec.state.stats = super::Stats {
        loop_baseline: exec.ctx.stats().clone(),
        ..super::Stats::default()
    };
    exec.state.db.expired_keys = 0;
}

// ---------------------------------------------------------------------------------------------
// TIME
// ---------------------------------------------------------------------------------------------

/// `TIME`: `*2 $seconds $microseconds`, both as bulk strings, microseconds not zero-padded.
fn time(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    exec.array(2);
    reply::bulk_integer(exec.out, now.as_secs() as i64);
    reply::bulk_integer(exec.out, i64::from(now.subsec_micros()));
}

// ---------------------------------------------------------------------------------------------
// CONFIG
// ---------------------------------------------------------------------------------------------

/// The configuration parameters CONFIG knows: the ones this server has, named and formatted
/// as redis.conf does, plus `save`, `appendonly` and `databases`, which clients ask about
/// (`redis-benchmark` reads the first two) and which have one true answer here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Param {
    Appendonly,
    Bind,
    ClientQueryBufferLimit,
    Databases,
    Maxclients,
    Port,
    ProtoMaxBulkLen,
    Save,
    Timeout,
}

/// What CONFIG SET may do to a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setting {
    /// Immutable in Redis too: always refused.
    Immutable,
    /// Changeable in Redis but fixed here (the loop or the lack of persistence owns it): only
    /// its current value is accepted, so `CONFIG SET save ""` and `CONFIG SET appendonly no`
    /// work.
    Fixed,
    /// Really changeable: the parser reads its limits from the state on every call.
    Changeable,
}

/// Sorted by name: this is the order CONFIG GET lists matches in.
const PARAMS: [(&str, Param); 9] = [
    ("appendonly", Param::Appendonly),
    ("bind", Param::Bind),
    ("client-query-buffer-limit", Param::ClientQueryBufferLimit),
    ("databases", Param::Databases),
    ("maxclients", Param::Maxclients),
    ("port", Param::Port),
    ("proto-max-bulk-len", Param::ProtoMaxBulkLen),
    ("save", Param::Save),
    ("timeout", Param::Timeout),
];

/// Smallest `proto-max-bulk-len` Redis accepts (1 MiB).
const MIN_PROTO_MAX_BULK_LEN: i64 = 1024 * 1024;

impl Param {
    fn lookup(name: &[u8]) -> Option<Param> {
        PARAMS
            .iter()
            .find(|(known, _)| known.as_bytes().eq_ignore_ascii_case(name))
            .map(|&(_, param)| param)
    }

    /// The value as Redis's CONFIG GET formats it (memory sizes as plain byte counts).
    fn value(self, state: &State) -> String {
        let config = &state.config;
        match self {
            Param::Appendonly => "no".into(),
            Param::Bind => config.bind.to_string(),
            Param::ClientQueryBufferLimit => config.client_query_buffer_limit.to_string(),
            Param::Databases => "1".into(),
            Param::Maxclients => config.maxclients.to_string(),
            // The port actually bound (the configured one may be 0, "any free port").
            Param::Port => state.port.to_string(),
            Param::ProtoMaxBulkLen => config.proto_max_bulk_len.to_string(),
            // No persistence: no save points.
            Param::Save => String::new(),
            Param::Timeout => config.timeout_secs.to_string(),
        }
    }

    fn setting(self) -> Setting {
        match self {
            Param::Databases => Setting::Immutable,
            Param::ProtoMaxBulkLen => Setting::Changeable,
            _ => Setting::Fixed,
        }
    }
}

/// `CONFIG <subcommand> ...`. Subcommand arity errors name the subcommand (`config|get`), as
/// Redis 7 does.
fn config(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let sub = req.arg(1);
    let argc = req.len();
    if sub.eq_ignore_ascii_case(b"get") {
        exec.client.last_command = "config|get";
        if argc < 3 {
            return exec.arity_error("config|get");
        }
        config_get(exec, req);
    } else if sub.eq_ignore_ascii_case(b"set") {
        exec.client.last_command = "config|set";
        if argc < 4 {
            return exec.arity_error("config|set");
        }
        config_set(exec, req);
    } else if sub.eq_ignore_ascii_case(b"resetstat") {
        exec.client.last_command = "config|resetstat";
        if argc != 2 {
            return exec.arity_error("config|resetstat");
        }
        reset_stats(exec);
        exec.ok();
    } else if sub.eq_ignore_ascii_case(b"rewrite") {
        exec.client.last_command = "config|rewrite";
        if argc != 2 {
            return exec.arity_error("config|rewrite");
        }
        // True here: configuration comes from flags, never from a file.
        exec.error("ERR The server is running without a config file");
    } else if sub.eq_ignore_ascii_case(b"help") {
        exec.client.last_command = "config|help";
        if argc != 2 {
            return exec.arity_error("config|help");
        }
        help(
            exec,
            &[
                "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "GET <pattern>",
                "    Return parameters matching the glob-like <pattern> and their values.",
                "SET <directive> <value>",
                "    Set the configuration <directive> to <value>.",
                "RESETSTAT",
                "    Reset statistics reported by the INFO command.",
                "REWRITE",
                "    Rewrite the configuration file.",
                "HELP",
                "    Prints this help.",
            ],
        );
    } else {
        exec.unknown_subcommand(sub, "CONFIG");
    }
}

/// `CONFIG GET pattern [pattern ...]`: a flat array of name, value pairs (a map in RESP3).
///
/// Like Redis: glob patterns match case-insensitively and report the canonical name; a name
/// without glob characters is looked up directly and reported as the client spelled it; each
/// parameter is reported once however many patterns match it. Redis lists matches in hash
/// order, i.e. in no promised order; we list them in the order found.
fn config_get(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let mut found: Vec<(&[u8], Param)> = Vec::new();
    for pattern in req.args().skip(2) {
        let is_glob = pattern.iter().any(|b| matches!(b, b'*' | b'?' | b'['));
        if !is_glob {
            if let Some(param) = Param::lookup(pattern)
                && !found.iter().any(|&(_, p)| p == param)
            {
                found.push((pattern, param));
            }
            continue;
        }
        for &(name, param) in &PARAMS {
            if !found.iter().any(|&(_, p)| p == param) && glob_match(pattern, name.as_bytes(), true)
            {
                found.push((name.as_bytes(), param));
            }
        }
    }
    exec.array(found.len() * 2);
    for (name, param) in found {
        let value = param.value(exec.state);
        exec.bulk(name);
        exec.bulk(value.as_bytes());
    }
}

/// `CONFIG SET name value [name value ...]`: all or nothing, checked in Redis's order: the
/// argument count, then every name (unknown, immutable, repeated), then every value.
fn config_set(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    // Redis checks the pairing before anything else.
    if !req.len().is_multiple_of(2) {
        return exec.syntax_error();
    }
    let pairs: Vec<(&[u8], &[u8])> = (2..req.len())
        .step_by(2)
        .map(|i| (req.arg(i), req.arg(i + 1)))
        .collect();

    // Names first. An unknown name wins over any other problem, unless a problem was found
    // before it (Redis records only the first failure, but always prefers "unknown").
    let mut unknown: Option<&[u8]> = None;
    let mut failure: Option<(&[u8], &str)> = None;
    let mut chosen: Vec<(Param, &[u8], &[u8])> = Vec::new();
    for &(name, value) in &pairs {
        let Some(param) = Param::lookup(name) else {
            if unknown.is_none() && failure.is_none() {
                unknown = Some(name);
            }
            continue;
        };
        if unknown.is_some() || failure.is_some() {
            continue;
        }
        if param.setting() == Setting::Immutable {
            failure = Some((name, "can't set immutable config"));
        } else if chosen.iter().any(|&(p, _, _)| p == param) {
            failure = Some((name, "duplicate parameter"));
        } else {
            chosen.push((param, name, value));
        }
    }
    if let Some(name) = unknown {
        let mut message = b"ERR Unknown option or number of arguments for CONFIG SET - '".to_vec();
        message.extend_from_slice(name);
        message.push(b'\'');
        return error_bytes(exec, &message);
    }

    // Then values, all checked before any is applied.
    let mut new_max_bulk_len = None;
    if failure.is_none() {
        for &(param, name, value) in &chosen {
            let problem = match param.setting() {
                Setting::Changeable => match parse_memory(value) {
                    None => Some("argument must be a memory value"),
                    Some(n) if n < MIN_PROTO_MAX_BULK_LEN => {
                        Some("argument must be between 1048576 and 9223372036854775807 inclusive")
                    }
                    Some(n) => {
                        new_max_bulk_len = Some(n);
                        None
                    }
                },
                Setting::Fixed
                    if value.eq_ignore_ascii_case(param.value(exec.state).as_bytes()) =>
                {
                    None
                }
                Setting::Fixed | Setting::Immutable => Some("can't set immutable config"),
            };
            if let Some(problem) = problem {
                failure = Some((name, problem));
                break;
            }
        }
    }
    if let Some((name, problem)) = failure {
        let mut message = b"ERR CONFIG SET failed (possibly related to argument '".to_vec();
        message.extend_from_slice(name);
        message.extend_from_slice(b"') - ");
        message.extend_from_slice(problem.as_bytes());
        return error_bytes(exec, &message);
    }
    if let Some(n) = new_max_bulk_len {
        exec.state.config.proto_max_bulk_len = n;
        exec.state.limits.max_bulk_len = n;
    }
    exec.ok();
}

/// A memory size as redis.conf writes it: digits, then optionally `b`, `k` (1000), `kb` (1024),
/// `m`, `mb`, `g`, `gb`, any case. Like Redis's `memtoull`, no digits at all means 0, and a
/// result that does not fit wraps (usually negative, failing the range check that follows).
fn parse_memory(text: &[u8]) -> Option<i64> {
    let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
    // Redis copies the digits into a 128-byte buffer and refuses more.
    if digits >= 128 {
        return None;
    }
    let (number, unit) = text.split_at(digits);
    let unit = unit.to_ascii_lowercase();
    let multiplier: u64 = match unit.as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    // Saturate on overflow as `strtoull` does (ERANGE gives ULLONG_MAX).
    let value = number.iter().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    // Redis 7.0 multiplies without an overflow check; we wrap the same way, so the same input
    // is accepted or refused with the same message (20000000000gb is accepted there, as
    // 3028092406290448384 bytes).
    Some(value.wrapping_mul(multiplier) as i64)
}

// ---------------------------------------------------------------------------------------------
// COMMAND
// ---------------------------------------------------------------------------------------------

/// Entries of our table that are not commands to Redis: `POST` and `Host:` exist only so that
/// an HTTP request closes the connection (see `connection.rs`); Redis catches them before its
/// command lookup, so COMMAND must not list them.
const NOT_COMMANDS: [&str; 2] = ["post", "host:"];

/// Flags in the order Redis prints them (its flag bit order), space separated.
const FLAG_ORDER: &str = "write readonly denyoom module admin pubsub noscript blocking loading \
    stale skip_monitor skip_slowlog asking fast no_auth no_mandatory_keys no_async_loading no_multi \
    movablekeys allow_busy";

/// Flags Redis has but never shows in COMMAND, space separated.
const HIDDEN_FLAGS: &str = "sentinel only_sentinel may_replicate protected";

/// ACL category names, in Redis's order (what `COMMAND LIST FILTERBY ACLCAT` accepts), space
/// separated.
const ACL_CATEGORIES: &str = "keyspace read write set sortedset list hash string bitmap \
    hyperloglog geo stream pubsub admin fast slow blocking dangerous connection transaction scripting";

/// `COMMAND [subcommand ...]`; with no subcommand, every command's description.
fn command(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let argc = req.len();
    if argc == 1 {
        let all: Vec<&Command> = visible_commands(exec).collect();
        return command_infos(exec, all.into_iter().map(Some));
    }
    let sub = req.arg(1);
    if sub.eq_ignore_ascii_case(b"count") {
        exec.client.last_command = "command|count";
        if argc != 2 {
            return exec.arity_error("command|count");
        }
        let count = visible_commands(exec).count();
        exec.integer(count as i64);
    } else if sub.eq_ignore_ascii_case(b"info") {
        // COMMAND INFO with no names describes every command (Redis 7.0).
        exec.client.last_command = "command|info";
        let wanted: Vec<Option<&Command>> = if argc == 2 {
            visible_commands(exec).map(Some).collect()
        } else {
            req.args()
                .skip(2)
                .map(|name| lookup_visible(exec, name))
                .collect()
        };
        command_infos(exec, wanted.into_iter());
    } else if sub.eq_ignore_ascii_case(b"list") {
        exec.client.last_command = "command|list";
        command_list(exec, req);
    } else if sub.eq_ignore_ascii_case(b"getkeys") {
        exec.client.last_command = "command|getkeys";
        if argc < 4 {
            return exec.arity_error("command|getkeys");
        }
        command_getkeys(exec, req);
    } else if sub.eq_ignore_ascii_case(b"help") {
        exec.client.last_command = "command|help";
        if argc != 2 {
            return exec.arity_error("command|help");
        }
        help(
            exec,
            &[
                "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "(no subcommand)",
                "    Return details about all Redis commands.",
                "COUNT",
                "    Return the total number of commands in this Redis server.",
                "LIST",
                "    Return a list of all commands in this Redis server.",
                "INFO [<command-name> ...]",
                "    Return details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "GETKEYS <full-command>",
                "    Return the keys from a full Redis command.",
                "HELP",
                "    Prints this help.",
            ],
        );
    } else {
        // Including DOCS: see the module docs for why it is deliberately absent.
        exec.unknown_subcommand(sub, "COMMAND");
    }
}

fn visible_commands<'t>(exec: &'t Exec<'_, '_>) -> impl Iterator<Item = &'static Command> + 't {
    exec.state
        .table
        .iter()
        .filter(|c| !NOT_COMMANDS.contains(&c.name))
}

fn lookup_visible(exec: &Exec<'_, '_>, name: &[u8]) -> Option<&'static Command> {
    exec.state
        .table
        .lookup(name)
        .filter(|c| !NOT_COMMANDS.contains(&c.name))
}

/// An array of descriptions, a null bulk for each unknown name (as Redis's `COMMAND INFO`).
fn command_infos<'c>(
    exec: &mut Exec<'_, '_>,
    commands: impl ExactSizeIterator<Item = Option<&'c Command>>,
) {
    exec.array(commands.len());
    for command in commands {
        match command {
            Some(command) => command_info(exec.out, command),
            None => exec.null(),
        }
    }
}

/// One command as Redis 7.0 describes it, a 10-element array:
///
/// ```text
/// *10  $name  :arity  *flags(+readonly ...)  :first-key  :last-key  :step
///      *acl-categories(+@read ...)  *0 tips  *0 key-specs  *0 subcommands
/// ```
///
/// Tips, key specs and subcommands are empty: the table does not record them, and clients
/// that need key positions use first/last/step, which are exact for every command here.
fn command_info(out: &mut Vec<u8>, command: &Command) {
    reply::array(out, 10);
    reply::bulk(out, command.name.as_bytes());
    reply::integer(out, i64::from(command.arity));
    let flags = shown_flags(command);
    reply::array(out, flags.len());
    for flag in flags {
        reply::simple(out, flag);
    }
    let (first, last, step) = command.keys;
    reply::integer(out, i64::from(first));
    reply::integer(out, i64::from(last));
    reply::integer(out, i64::from(step));
    let categories = acl_categories(command);
    reply::array(out, categories.len());
    for category in categories {
        reply::simple(out, category);
    }
    for _ in 0..3 {
        reply::array(out, 0);
    }
}

/// The command's flags as Redis shows them: in Redis's order, without the hidden ones.
fn shown_flags(command: &Command) -> Vec<&'static str> {
    let mut flags: Vec<&'static str> = FLAG_ORDER
        .split_whitespace()
        .filter(|f| command.flags.contains(f))
        .collect();
    // A flag Redis does not know goes last rather than vanish.
    flags.extend(command.flags.iter().copied().filter(|f| {
        !FLAG_ORDER.split_whitespace().any(|known| known == *f)
            && !HIDDEN_FLAGS.split_whitespace().any(|hidden| hidden == *f)
    }));
    flags
}

/// The ACL categories Redis derives from flags alone (`setImplicitACLCategories`), in its
/// order. Redis adds others from its command definitions (`@string`, `@keyspace`,
/// `@connection`, `@dangerous` for INFO...), which our table does not record.
fn acl_categories(command: &Command) -> Vec<&'static str> {
    let has = |flag: &str| command.flags.contains(&flag);
    let mut categories = Vec::new();
    if has("readonly") {
        categories.push("@read");
    }
    if has("write") {
        categories.push("@write");
    }
    if has("pubsub") {
        categories.push("@pubsub");
    }
    if has("admin") {
        categories.push("@admin");
    }
    categories.push(if has("fast") { "@fast" } else { "@slow" });
    if has("blocking") {
        categories.push("@blocking");
    }
    if has("admin") {
        categories.push("@dangerous");
    }
    categories
}

/// `COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]`: command names.
fn command_list(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let names: Vec<&'static str> = match req.len() {
        2 => visible_commands(exec).map(|c| c.name).collect(),
        5 if req.arg(2).eq_ignore_ascii_case(b"filterby") => {
            let (kind, value) = (req.arg(3), req.arg(4));
            if kind.eq_ignore_ascii_case(b"module") {
                // No modules here.
                Vec::new()
            } else if kind.eq_ignore_ascii_case(b"aclcat") {
                let known = ACL_CATEGORIES
                    .split_whitespace()
                    .any(|c| c.as_bytes().eq_ignore_ascii_case(value));
                visible_commands(exec)
                    .filter(|c| {
                        known
                            && acl_categories(c)
                                .iter()
                                .any(|cat| cat.as_bytes()[1..].eq_ignore_ascii_case(value))
                    })
                    .map(|c| c.name)
                    .collect()
            } else if kind.eq_ignore_ascii_case(b"pattern") {
                visible_commands(exec)
                    .filter(|c| glob_match(value, c.name.as_bytes(), true))
                    .map(|c| c.name)
                    .collect()
            } else {
                return exec.syntax_error();
            }
        }
        _ => return exec.syntax_error(),
    };
    exec.array(names.len());
    for name in names {
        exec.bulk(name.as_bytes());
    }
}

/// `COMMAND GETKEYS command arg ...`: the arguments of a full command that are keys, found
/// from the command's first/last/step positions (Redis's "legacy range" rule).
fn command_getkeys(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let args: Vec<&[u8]> = req.args().skip(2).collect();
    let Some(command) = lookup_visible(exec, req.arg(2)) else {
        return exec.error("ERR Invalid command specified");
    };
    if command.keys.0 <= 0 {
        return exec.error("ERR The command has no key arguments");
    }
    if !command.arity_ok(args.len()) {
        return exec.error("ERR Invalid number of arguments specified for command");
    }
    let Some(positions) = key_positions(command.keys, args.len()) else {
        return exec.error("ERR Invalid arguments specified for command");
    };
    let keys: Vec<&[u8]> = positions
        .iter()
        .filter_map(|&j| args.get(j).copied())
        .collect();
    exec.array(keys.len());
    for key in keys {
        exec.bulk(key);
    }
}

/// Positions of the keys among `argc` arguments (the command name is position 0) for a
/// command whose keys are at `first`, `first + step`, ... up to `last` (negative: counted from
/// the end). `None` when that finds no key, or runs past the arguments: a variadic command
/// given too few arguments for its key pattern (Redis leaves that error to the command).
fn key_positions((first, last, step): (i32, i32, i32), argc: usize) -> Option<Vec<usize>> {
    let first = usize::try_from(first).ok().filter(|&f| f > 0)?;
    let last = if last < 0 {
        argc.checked_sub(last.unsigned_abs() as usize)?
    } else {
        last as usize
    };
    let step = usize::try_from(step).unwrap_or(1).max(1);
    let positions: Vec<usize> = (first..=last).step_by(step).collect();
    let fits = positions.iter().all(|&j| j < argc);
    (fits && !positions.is_empty()).then_some(positions)
}

// ---------------------------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------------------------

/// A HELP reply: one status line per entry, as Redis's `addReplyHelp`.
fn help(exec: &mut Exec<'_, '_>, lines: &[&str]) {
    exec.array(lines.len());
    for line in lines {
        exec.simple(line);
    }
}

/// An error reply quoting client bytes (counted, like every error reply).
fn error_bytes(exec: &mut Exec<'_, '_>, message: &[u8]) {
    exec.state.stats.error_replies += 1;
    reply::error_bytes(exec.out, message);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyspace_line_only_for_a_non_empty_db() {
        let mut db = Db::new(1);
        let mut out = String::new();
        keyspace_section(&mut out, &db);
        assert_eq!(out, "# Keyspace\r\n");

        db.insert(b"a", super::super::db::Value::Str(b"1".to_vec()));
        db.insert(b"b", super::super::db::Value::Str(b"2".to_vec()));
        db.set_expiry(b"b", Some(i64::MAX));
        let mut out = String::new();
        keyspace_section(&mut out, &db);
        assert_eq!(out, "# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n");
    }

    #[test]
    fn ops_meter_counts_the_last_window_only() {
        let ms = Duration::from_millis;
        let mut meter = OpsMeter::default();
        assert_eq!(meter.per_sec(ms(5_000)), 0);
        // 1600 commands spread over 1.6 s starting at t = 10 s: 1000/s.
        for i in 0..1600 {
            meter.record(ms(10_000 + i));
        }
        assert_eq!(meter.per_sec(ms(11_600)), 1000);
        // 1.6 s of silence later, all of it has left the window.
        assert_eq!(meter.per_sec(ms(13_300)), 0);
        // A burst right after start is measured over at least one slot, not over 1 ms.
        let mut meter = OpsMeter::default();
        meter.record(ms(0));
        meter.record(ms(1));
        assert_eq!(meter.per_sec(ms(1)), 20);
    }

    fn categories_for(flags: &'static [&'static str]) -> Vec<&'static str> {
        let command = Command {
            name: "x",
            arity: 1,
            flags,
            keys: (0, 0, 0),
            run: time,
        };
        acl_categories(&command)
    }

    #[test]
    fn acl_categories_are_derived_from_flags_in_redis_order() {
        // Each case is the flag-derived part of what redis-server 7.0.15 reports.
        assert_eq!(categories_for(&["readonly", "fast"]), ["@read", "@fast"]);
        assert_eq!(categories_for(&["write", "denyoom"]), ["@write", "@slow"]);
        assert_eq!(
            categories_for(&["admin", "noscript", "loading", "stale"]),
            ["@admin", "@slow", "@dangerous"]
        );
        assert_eq!(
            categories_for(&["pubsub", "loading", "stale", "fast"]),
            ["@pubsub", "@fast"]
        );
        assert_eq!(
            categories_for(&["write", "blocking"]),
            ["@write", "@slow", "@blocking"]
        );
        assert_eq!(categories_for(&[]), ["@slow"]);
    }

    #[test]
    fn flags_are_shown_in_redis_order_without_hidden_ones() {
        let command = Command {
            name: "x",
            arity: 1,
            flags: &[
                "allow_busy",
                "fast",
                "sentinel",
                "noscript",
                "custom",
                "may_replicate",
            ],
            keys: (0, 0, 0),
            run: time,
        };
        assert_eq!(
            shown_flags(&command),
            ["noscript", "fast", "allow_busy", "custom"]
        );
    }

    #[test]
    fn key_positions_follow_first_last_step() {
        // GET key
        assert_eq!(key_positions((1, 1, 1), 2), Some(vec![1]));
        // MSET k v k v
        assert_eq!(key_positions((1, -1, 2), 5), Some(vec![1, 3]));
        // DEL k k k
        assert_eq!(key_positions((1, -1, 1), 4), Some(vec![1, 2, 3]));
        // RENAME old new
        assert_eq!(key_positions((1, 2, 1), 3), Some(vec![1, 2]));
        // Too few arguments for the pattern, or no keys at all.
        assert_eq!(key_positions((1, 2, 1), 2), None);
        assert_eq!(key_positions((0, 0, 0), 3), None);
        assert_eq!(key_positions((1, -5, 1), 3), None);
        // A zero step is taken as 1 rather than looping forever.
        assert_eq!(key_positions((1, 2, 0), 3), Some(vec![1, 2]));
    }

    #[test]
    fn memory_values_parse_like_redis() {
        assert_eq!(parse_memory(b"1048576"), Some(1_048_576));
        assert_eq!(parse_memory(b"2mb"), Some(2 * 1024 * 1024));
        assert_eq!(parse_memory(b"2M"), Some(2_000_000));
        assert_eq!(parse_memory(b"1Gb"), Some(1 << 30));
        assert_eq!(parse_memory(b"3k"), Some(3000));
        assert_eq!(parse_memory(b"mb"), Some(0));
        assert_eq!(parse_memory(b"18446744073709551615"), Some(-1));
        assert_eq!(parse_memory(b"99999999999999999999gb"), Some(-(1 << 30)));
        assert_eq!(
            parse_memory(b"20000000000gb"),
            Some(3_028_092_406_290_448_384)
        );
        assert_eq!(parse_memory(b"abc"), None);
        assert_eq!(parse_memory("1".repeat(128).as_bytes()), None);
        assert_eq!(parse_memory(b"-1"), None);
        assert_eq!(parse_memory(b"1 mb"), None);
    }
}
