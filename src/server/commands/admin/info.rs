//! INFO and TIME: what a client reads to learn what it is talking to, and how busy it is.
//!
//! See the parent module [`super`] for why these replies must have Redis's exact shape.

use std::fmt::Write as _;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::resp::{Request, reply};

use crate::server::State;
use crate::server::command::Exec;
use crate::server::commands::admin::{HZ, MULTIPLEXING_API, REDIS_VERSION};
use crate::server::keyspace::db::Db;

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
pub(super) fn info(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
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
    // Ours (Redis 7.0 does not report it): 0 without a TLS listener.
    field(out, "tls_port", exec.state.tls_port.unwrap_or(0));
    field(out, "uptime_in_seconds", uptime);
    field(out, "uptime_in_days", uptime / 86_400);
    field(out, "hz", HZ);
    field(out, "configured_hz", HZ);
    field(out, "executable", executable());
    let config_file = exec.state.config.config_file.as_ref();
    field(
        out,
        "config_file",
        config_file.map_or_else(String::new, |p| p.display().to_string()),
    );
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
    // Dashboard connections are browsers, not Redis clients.
    let clients = exec.ctx.connection_count() - exec.state.dashboard_connections;
    field(out, "connected_clients", clients);
    field(out, "maxclients", exec.state.config.maxclients);
    let blocking = &exec.state.db.blocking;
    field(out, "blocked_clients", blocking.blocked_clients());
    // No client-side caching exists here.
    field(out, "tracking_clients", 0);
    field(
        out,
        "clients_in_timeout_table",
        blocking.clients_with_timeout(),
    );
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
    // In u64 milliseconds: `as_millis` is a u128, and dividing that is a library call per
    // command (u64 lasts 584 million years of uptime).
    let millis = since_start.as_secs() * 1000 + u64::from(since_start.subsec_millis());
    millis / OPS_SLOT.as_millis() as u64
}

/// `CONFIG RESETSTAT`: zero every counter INFO stats reports.
pub(super) fn reset_stats(exec: &mut Exec<'_, '_>) {
    exec.state.stats = crate::server::Stats {
        loop_baseline: exec.ctx.stats().clone(),
        ..crate::server::Stats::default()
    };
    exec.state.db.expired_keys = 0;
}

// ---------------------------------------------------------------------------------------------
// TIME
// ---------------------------------------------------------------------------------------------

/// `TIME`: `*2 $seconds $microseconds`, both as bulk strings, microseconds not zero-padded.
pub(super) fn time(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    exec.array(2);
    reply::bulk_integer(exec.out, now.as_secs() as i64);
    reply::bulk_integer(exec.out, i64::from(now.subsec_micros()));
}

#[cfg(test)]
mod tests {
    use crate::server::commands::admin::info::*;
    #[test]
    fn keyspace_line_only_for_a_non_empty_db() {
        let mut db = Db::new(1);
        let mut out = String::new();
        keyspace_section(&mut out, &db);
        assert_eq!(out, "# Keyspace\r\n");

        db.insert(b"a", crate::server::keyspace::db::Value::Str(b"1".to_vec()));
        db.insert(b"b", crate::server::keyspace::db::Value::Str(b"2".to_vec()));
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
}
