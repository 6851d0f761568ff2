//! INFO and TIME: what a client reads to learn what it is talking to, and how busy it is.
//!
//! See the parent module [`super`] for why these replies must have Redis's exact shape.
//!
//! INFO has Redis 7.0's thirteen sections and their fields, in Redis's order, so that a tool
//! reading any field finds it (`tests/commands_admin.rs` compares the names with a running
//! redis-server). Where this server has the figure it is real: connections, commands and
//! their times (`cmdstat_*`, `latency_percentiles_usec_*`), error codes, bytes and their
//! rates, keys, CPU from `/proc`. Where a feature does not exist here the field says so with
//! Redis's neutral value: nothing is saved (`rdb_*`), nothing replicates (`role:master`,
//! `connected_slaves:0`), no cluster. Memory is Redis's: `used_memory` is what the allocator
//! has handed out and not taken back (counted by `reactor-server`'s counting allocator, see
//! [`crate::server::evict`]), `used_memory_rss` the kernel's resident set (`VmRSS`), and
//! `mem_fragmentation_ratio` the one over the other. One stand-in, documented:
//!
//! - `client_recent_max_*` is the largest buffer among the connections open now, where Redis
//!   keeps a maximum over the last few seconds.

use std::fmt::Write as _;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::resp::{Request, reply};

use crate::server::command::Exec;
use crate::server::commands::admin::{HZ, MULTIPLEXING_API, REDIS_VERSION};
use crate::server::stats::Stats;
use crate::server::{State, evict};

/// INFO's sections in Redis's order, each with its name and whether plain `INFO` (`default`)
/// includes it. `all` and `everything` include every one (there are no modules to add).
const SECTIONS: [(&str, bool, Section); 13] = [
    ("server", true, server_section),
    ("clients", true, clients_section),
    ("memory", true, memory_section),
    ("persistence", true, persistence_section),
    ("stats", true, stats_section),
    ("replication", true, replication_section),
    ("cpu", true, cpu_section),
    ("modules", true, |out, _| out.push_str("# Modules\r\n")),
    ("commandstats", false, commandstats_section),
    ("errorstats", true, errorstats_section),
    ("latencystats", false, latencystats_section),
    ("cluster", true, |out, _| {
        out.push_str("# Cluster\r\n");
        field(out, "cluster_enabled", 0);
    }),
    ("keyspace", true, |out, exec| {
        keyspace_section(out, exec.state)
    }),
];

/// Appends one section's text.
type Section = fn(&mut String, &Exec<'_, '_>);

/// `INFO [section ...]`: a bulk string of `# Section` headers and `field:value` lines, CRLF
/// terminated, sections separated by an empty line. No argument is `default`; a name that is
/// not a section (`foo`) adds nothing, so `INFO foo` is the empty bulk `$0`, as in Redis.
pub(super) fn info(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let mut wanted = [false; SECTIONS.len()];
    let names: Vec<&[u8]> = req.args().skip(1).collect();
    let names = if names.is_empty() {
        vec![&b"default"[..]]
    } else {
        names
    };
    for name in names {
        let is = |section: &str| name.eq_ignore_ascii_case(section.as_bytes());
        for (i, &(section, default, _)) in SECTIONS.iter().enumerate() {
            wanted[i] |= is(section) || is("all") || is("everything") || (default && is("default"));
        }
    }
    sample_memory(exec.state);
    let text = info_text(exec, &wanted);
    exec.bulk(text.as_bytes());
}

/// Render the sections wanted. INFO is not on the hot path, so a `String` is fine here.
fn info_text(exec: &Exec<'_, '_>, wanted: &[bool]) -> String {
    let mut out = String::new();
    for (&(_, _, render), _) in SECTIONS.iter().zip(wanted).filter(|(_, w)| **w) {
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        render(&mut out, exec);
    }
    out
}

/// One `name:value\r\n` line.
fn field(out: &mut String, name: &str, value: impl std::fmt::Display) {
    // Writing to a String cannot fail.
    let _ = write!(out, "{name}:{value}\r\n");
}

fn server_section(out: &mut String, exec: &Exec<'_, '_>) {
    let state = &*exec.state;
    let uptime = since_start(state, exec.ctx.now()).as_secs();
    out.push_str("# Server\r\n");
    field(out, "redis_version", REDIS_VERSION);
    field(out, "redis_git_sha1", "00000000");
    field(out, "redis_git_dirty", 0);
    field(out, "redis_build_id", build_id());
    field(out, "redis_mode", "standalone");
    field(out, "os", os_description());
    field(out, "arch_bits", usize::BITS);
    field(out, "monotonic_clock", "POSIX clock_gettime");
    field(out, "multiplexing_api", MULTIPLEXING_API);
    // Rust's atomics follow C11's model; no C compiler built this server.
    field(out, "atomicvar_api", "c11-builtin");
    field(out, "gcc_version", "0.0.0");
    field(out, "process_id", std::process::id());
    field(out, "process_supervised", "no");
    field(out, "run_id", &state.run_id);
    field(out, "tcp_port", state.port);
    field(out, "server_time_usec", unix_usec());
    field(out, "uptime_in_seconds", uptime);
    field(out, "uptime_in_days", uptime / 86_400);
    field(out, "hz", HZ);
    field(out, "configured_hz", HZ);
    // Redis's LRU clock: seconds, in 24 bits.
    field(
        out,
        "lru_clock",
        (unix_usec() / 1_000_000) & ((1 << 24) - 1),
    );
    field(out, "executable", executable());
    let config_file = state.config.config_file.as_ref();
    field(
        out,
        "config_file",
        config_file.map_or_else(String::new, |p| p.display().to_string()),
    );
    field(out, "io_threads_active", 0);
    // Ours (Redis 7.0 has neither): what built it, and the TLS port (0 without TLS).
    field(out, "reactor_version", env!("CARGO_PKG_VERSION"));
    field(out, "tls_port", state.tls_port.unwrap_or(0));
}

/// Redis prints a hash of its build; ours is a hash of the version.
fn build_id() -> String {
    let hash = env!("CARGO_PKG_VERSION")
        .bytes()
        .fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
        });
    format!("{hash:x}")
}

fn unix_usec() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros())
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
    let (mut input, mut output) = (0, 0);
    exec.ctx.for_each(|info, _| {
        input = input.max(info.input_capacity);
        output = output.max(info.output_capacity);
    });
    field(out, "connected_clients", clients);
    field(out, "cluster_connections", 0);
    field(out, "maxclients", exec.state.config.maxclients);
    field(out, "client_recent_max_input_buffer", input);
    field(out, "client_recent_max_output_buffer", output);
    // Clients held by CLIENT PAUSE count as blocked, as Redis counts them.
    let held = exec
        .state
        .pause
        .as_ref()
        .map_or(0, |pause| pause.held.len());
    field(out, "blocked_clients", exec.state.blocked_clients() + held);
    // No client-side caching exists here.
    field(out, "tracking_clients", 0);
    field(
        out,
        "clients_in_timeout_table",
        exec.state
            .dbs()
            .map(|(_, db)| db.blocking.clients_with_timeout())
            .sum::<usize>(),
    );
}

/// `used_memory` now and the peak INFO has seen, and the resident set (see the module docs).
pub(super) fn sample_memory(state: &mut State) {
    let used = evict::used_memory();
    state.memory.now = used;
    state.memory.peak = state.memory.peak.max(used);
    state.memory.rss = crate::server::dashboard::snapshot::rss_bytes().unwrap_or(used);
}

fn memory_section(out: &mut String, exec: &Exec<'_, '_>) {
    let memory = &exec.state.memory;
    let used = memory.now;
    let rss = memory.rss;
    let peak = memory.peak.max(used);
    let startup = memory.startup.min(used);
    let dataset = used - startup;
    let system = total_system_memory();
    out.push_str("# Memory\r\n");
    field(out, "used_memory", used);
    field(out, "used_memory_human", human(used));
    field(out, "used_memory_rss", rss);
    field(out, "used_memory_rss_human", human(rss));
    field(out, "used_memory_peak", peak);
    field(out, "used_memory_peak_human", human(peak));
    field(out, "used_memory_peak_perc", percent(used, peak));
    field(out, "used_memory_overhead", startup);
    field(out, "used_memory_startup", startup);
    field(out, "used_memory_dataset", dataset);
    field(out, "used_memory_dataset_perc", percent(dataset, used));
    field(out, "allocator_allocated", used);
    field(out, "allocator_active", rss);
    field(out, "allocator_resident", rss);
    field(out, "total_system_memory", system);
    field(out, "total_system_memory_human", human(system));
    // Lua: the VM's heap, and the cached scripts (none until the first script).
    let (vm, cache, cached) = crate::server::commands::scripting::memory(exec.state);
    field(out, "used_memory_lua", vm);
    field(out, "used_memory_vm_eval", vm);
    field(out, "used_memory_lua_human", human(vm as u64));
    field(out, "used_memory_scripts_eval", cache);
    field(out, "number_of_cached_scripts", cached);
    let (functions_vm, code, functions, libraries) =
        exec.state.functions.as_ref().map_or((0, 0, 0, 0), |f| {
            let (vm, code) = f.memory();
            let count = f.libraries.values().map(|l| l.functions.len()).sum();
            (vm, code, count, f.libraries.len())
        });
    field(out, "number_of_functions", functions);
    field(out, "number_of_libraries", libraries);
    field(out, "used_memory_vm_functions", functions_vm);
    field(out, "used_memory_vm_total", vm + functions_vm);
    field(
        out,
        "used_memory_vm_total_human",
        human((vm + functions_vm) as u64),
    );
    field(out, "used_memory_functions", code);
    field(out, "used_memory_scripts", cache);
    field(out, "used_memory_scripts_human", human(cache as u64));
    let eviction = &exec.state.config.eviction;
    field(out, "maxmemory", eviction.maxmemory);
    field(out, "maxmemory_human", human(eviction.maxmemory));
    field(out, "maxmemory_policy", eviction.policy.name());
    // The allocator's own split (active pages, retained ones) is not visible through the
    // counting allocator: all of the resident set's excess is reported as fragmentation.
    let excess = rss as i64 - used as i64;
    let ratio = if used == 0 {
        0.0
    } else {
        rss as f64 / used as f64
    };
    field(out, "allocator_frag_ratio", "1.00");
    field(out, "allocator_frag_bytes", 0);
    field(out, "allocator_rss_ratio", format!("{ratio:.2}"));
    field(out, "allocator_rss_bytes", excess);
    field(out, "rss_overhead_ratio", "1.00");
    field(out, "rss_overhead_bytes", 0);
    field(out, "mem_fragmentation_ratio", format!("{ratio:.2}"));
    field(out, "mem_fragmentation_bytes", excess);
    for name in [
        "mem_not_counted_for_evict",
        "mem_replication_backlog",
        "mem_total_replication_buffers",
        "mem_clients_slaves",
        "mem_clients_normal",
        "mem_cluster_links",
        "mem_aof_buffer",
    ] {
        field(out, name, 0);
    }
    field(out, "mem_allocator", "libc");
    for name in [
        "active_defrag_running",
        "lazyfree_pending_objects",
        "lazyfreed_objects",
    ] {
        field(out, name, 0);
    }
}

/// Redis's `bytesToHuman`: `943.02K`, `6.79M`, `100B`.
fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["K", "M", "G", "T", "P"];
    if bytes < 1024 {
        return format!("{bytes}B");
    }
    let mut value = bytes as f64 / 1024.0;
    for unit in UNITS {
        if value < 1024.0 || unit == "P" {
            return format!("{value:.2}{unit}");
        }
        value /= 1024.0;
    }
    format!("{bytes}B")
}

fn percent(part: u64, whole: u64) -> String {
    let share = if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    };
    format!("{share:.2}%")
}

/// `MemTotal` from `/proc/meminfo`, in bytes (0 where there is no `/proc`).
fn total_system_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// Nothing is saved or loaded here (snapshots are still to come): Redis's values for a server
/// that never saved, its last save time being its start.
fn persistence_section(out: &mut String, exec: &Exec<'_, '_>) {
    let started =
        unix_usec() / 1_000_000 - u128::from(since_start(exec.state, exec.ctx.now()).as_secs());
    out.push_str("# Persistence\r\n");
    for name in [
        "loading",
        "async_loading",
        "current_cow_peak",
        "current_cow_size",
        "current_cow_size_age",
    ] {
        field(out, name, 0);
    }
    field(out, "current_fork_perc", "0.00");
    for name in [
        "current_save_keys_processed",
        "current_save_keys_total",
        "rdb_changes_since_last_save",
        "rdb_bgsave_in_progress",
    ] {
        field(out, name, 0);
    }
    field(out, "rdb_last_save_time", started);
    field(out, "rdb_last_bgsave_status", "ok");
    field(out, "rdb_last_bgsave_time_sec", -1);
    field(out, "rdb_current_bgsave_time_sec", -1);
    for name in [
        "rdb_saves",
        "rdb_last_cow_size",
        "rdb_last_load_keys_expired",
        "rdb_last_load_keys_loaded",
        "aof_enabled",
        "aof_rewrite_in_progress",
        "aof_rewrite_scheduled",
    ] {
        field(out, name, 0);
    }
    field(out, "aof_last_rewrite_time_sec", -1);
    field(out, "aof_current_rewrite_time_sec", -1);
    field(out, "aof_last_bgrewrite_status", "ok");
    field(out, "aof_rewrites", 0);
    field(out, "aof_rewrites_consecutive_failures", 0);
    field(out, "aof_last_write_status", "ok");
    for name in [
        "aof_last_cow_size",
        "module_fork_in_progress",
        "module_fork_last_cow_size",
    ] {
        field(out, name, 0);
    }
}

fn stats_section(out: &mut String, exec: &Exec<'_, '_>) {
    let state = &*exec.state;
    let stats = &state.stats;
    let now = exec.ctx.stats();
    let then = &stats.loop_baseline;
    let elapsed = since_start(state, exec.ctx.now());
    let kbps =
        |meter: &crate::server::stats::RateMeter| format!("{:.2}", meter.per_sec(elapsed) / 1024.0);
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
        stats.ops.per_sec(elapsed) as u64,
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
    field(out, "total_net_repl_input_bytes", 0);
    field(out, "total_net_repl_output_bytes", 0);
    field(out, "instantaneous_input_kbps", kbps(&stats.input));
    field(out, "instantaneous_output_kbps", kbps(&stats.output));
    field(out, "instantaneous_input_repl_kbps", "0.00");
    field(out, "instantaneous_output_repl_kbps", "0.00");
    field(
        out,
        "rejected_connections",
        now.connections_rejected
            .saturating_sub(then.connections_rejected),
    );
    for name in ["sync_full", "sync_partial_ok", "sync_partial_err"] {
        field(out, name, 0);
    }
    let expired: u64 = state.dbs().map(|(_, db)| db.expired_keys).sum();
    field(out, "expired_keys", expired);
    field(out, "expired_stale_perc", "0.00");
    field(out, "expired_time_cap_reached_count", 0);
    field(out, "expire_cycle_cpu_milliseconds", 0);
    field(out, "evicted_keys", stats.evicted_keys);
    // Clients are never evicted (`maxmemory-clients` is not offered), nor is the time spent
    // over the limit kept.
    for name in [
        "evicted_clients",
        "total_eviction_exceeded_time",
        "current_eviction_exceeded_time",
    ] {
        field(out, name, 0);
    }
    field(out, "keyspace_hits", stats.keyspace_hits);
    field(out, "keyspace_misses", stats.keyspace_misses);
    field(out, "pubsub_channels", state.pubsub.channel_count());
    field(out, "pubsub_patterns", state.pubsub.pattern_count());
    for name in [
        "pubsubshard_channels",
        "latest_fork_usec",
        "total_forks",
        "migrate_cached_sockets",
        "slave_expires_tracked_keys",
        "active_defrag_hits",
        "active_defrag_misses",
        "active_defrag_key_hits",
        "active_defrag_key_misses",
        "total_active_defrag_time",
        "current_active_defrag_time",
        "tracking_total_keys",
        "tracking_total_items",
        "tracking_total_prefixes",
        "unexpected_error_replies",
    ] {
        field(out, name, 0);
    }
    field(out, "total_error_replies", stats.error_replies);
    field(out, "dump_payload_sanitizations", 0);
    field(
        out,
        "total_reads_processed",
        now.reads.saturating_sub(then.reads),
    );
    field(
        out,
        "total_writes_processed",
        now.writes.saturating_sub(then.writes),
    );
    for name in [
        "io_threaded_reads_processed",
        "io_threaded_writes_processed",
        "reply_buffer_shrinks",
        "reply_buffer_expands",
    ] {
        field(out, name, 0);
    }
    // Redis 7.2's name for turns of the event loop: an idle server must not make it grow.
    field(
        out,
        "eventloop_cycles",
        now.cycles.saturating_sub(then.cycles),
    );
}

/// A primary with no replicas, as a Redis that was never told to replicate.
fn replication_section(out: &mut String, exec: &Exec<'_, '_>) {
    out.push_str("# Replication\r\n");
    field(out, "role", "master");
    field(out, "connected_slaves", 0);
    field(out, "master_failover_state", "no-failover");
    field(out, "master_replid", &exec.state.replid);
    field(out, "master_replid2", "0".repeat(40));
    field(out, "master_repl_offset", 0);
    field(out, "second_repl_offset", -1);
    field(out, "repl_backlog_active", 0);
    field(out, "repl_backlog_size", 1_048_576);
    field(out, "repl_backlog_first_byte_offset", 0);
    field(out, "repl_backlog_histlen", 0);
}

/// CPU time from `/proc` (the process, its children, the main thread), as `getrusage` gives
/// Redis: seconds with six decimals.
fn cpu_section(out: &mut String, _exec: &Exec<'_, '_>) {
    let process = cpu_times("/proc/self/stat");
    let main = cpu_times(&format!("/proc/self/task/{}/stat", std::process::id()));
    let seconds = |ticks: u64| format!("{:.6}", ticks as f64 / CLOCK_TICKS);
    out.push_str("# CPU\r\n");
    field(out, "used_cpu_sys", seconds(process[1]));
    field(out, "used_cpu_user", seconds(process[0]));
    field(out, "used_cpu_sys_children", seconds(process[3]));
    field(out, "used_cpu_user_children", seconds(process[2]));
    field(out, "used_cpu_sys_main_thread", seconds(main[1]));
    field(out, "used_cpu_user_main_thread", seconds(main[0]));
}

/// `/proc`'s CPU times are in ticks of `USER_HZ`, which Linux fixes at 100 for this interface.
const CLOCK_TICKS: f64 = 100.0;

/// User, system, children's user, children's system ticks from a `/proc/.../stat` file (all
/// zero where there is none).
fn cpu_times(path: &str) -> [u64; 4] {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    // Fields after the command name (which may hold spaces, and ends at the last `)`): the
    // state is the first, utime the 12th.
    let rest = text.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(4)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let mut times = [0; 4];
    for (time, value) in times.iter_mut().zip(fields) {
        *time = value;
    }
    times
}

/// `cmdstat_get:calls=2,usec=15,usec_per_call=7.50,rejected_calls=0,failed_calls=0`, for every
/// command and subcommand that ran or was refused.
fn commandstats_section(out: &mut String, exec: &Exec<'_, '_>) {
    out.push_str("# Commandstats\r\n");
    let table = exec.state.table.all();
    let clock = &exec.state.clock;
    for (command, stats) in table.iter().zip(&exec.state.stats.commands) {
        if stats.calls == 0 && stats.rejected_calls == 0 && stats.failed_calls == 0 {
            continue;
        }
        let usec = clock.delta_as_nanos(0, stats.ticks) / 1000;
        let per_call = if stats.calls == 0 {
            0.0
        } else {
            usec as f64 / stats.calls as f64
        };
        let _ = write!(
            out,
            "cmdstat_{}:calls={},usec={usec},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}\r\n",
            command.name, stats.calls, stats.rejected_calls, stats.failed_calls
        );
    }
}

/// `errorstat_ERR:count=3`, one line per error code, in name order.
fn errorstats_section(out: &mut String, exec: &Exec<'_, '_>) {
    out.push_str("# Errorstats\r\n");
    for (code, count) in &exec.state.stats.errors {
        let _ = write!(out, "errorstat_{code}:count={count}\r\n");
    }
}

/// `latency_percentiles_usec_get:p50=1.003,p99=2.007,p99.9=8.031`, for every command that ran.
fn latencystats_section(out: &mut String, exec: &Exec<'_, '_>) {
    out.push_str("# Latencystats\r\n");
    let table = exec.state.table.all();
    for (command, stats) in table.iter().zip(&exec.state.stats.commands) {
        let Some(histogram) = stats.latency.as_ref().filter(|h| !h.is_empty()) else {
            continue;
        };
        let _ = write!(out, "latency_percentiles_usec_{}:", command.name);
        let percentiles = &exec.state.config.latency_percentiles;
        for (i, percentile) in percentiles.iter().enumerate() {
            let ticks = histogram.percentile(*percentile);
            let usec = exec.state.clock.delta_as_nanos(0, ticks) as f64 / 1000.0;
            let separator = if i == 0 { "" } else { "," };
            let name = crate::config::directives::trim_double(*percentile);
            let _ = write!(out, "{separator}p{name}={usec:.3}");
        }
        out.push_str("\r\n");
    }
}

/// `db0:keys=N,expires=M,avg_ttl=0`, only for a non-empty database, as Redis. `avg_ttl` is
/// Redis's running estimate from its expiry sampling; we do not estimate it and report 0, the
/// value Redis reports when it has no estimate.
/// A line per database that holds keys, as Redis: `db3:keys=2,expires=1,avg_ttl=0`.
fn keyspace_section(out: &mut String, state: &State) {
    out.push_str("# Keyspace\r\n");
    for (index, db) in state.dbs().filter(|(_, db)| !db.is_empty()) {
        let _ = write!(
            out,
            "db{index}:keys={},expires={},avg_ttl=0\r\n",
            db.len(),
            db.volatile_len()
        );
    }
}

fn since_start(state: &State, now: std::time::Instant) -> Duration {
    now.saturating_duration_since(state.started)
}

/// `CONFIG RESETSTAT`: zero every counter INFO stats reports.
pub(super) fn reset_stats(exec: &mut Exec<'_, '_>) {
    let now = exec.ctx.stats();
    exec.state.stats = Stats {
        bytes_seen: (now.net_input_bytes, now.net_output_bytes),
        loop_baseline: now.clone(),
        ..Stats::for_commands(exec.state.table.all().len())
    };
    for (_, db) in exec.state.dbs_mut() {
        db.expired_keys = 0;
    }
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
    use crate::server::keyspace::db::Value;

    /// A line per database that holds keys, in order; none for an empty one.
    ///
    /// Break checked: printing every database ever used adds an empty `db5` line.
    #[test]
    fn keyspace_line_only_for_a_non_empty_db() {
        let mut server = crate::server::Server::new(crate::config::Config::ephemeral(), 0);
        let state = &mut server.state;
        let mut out = String::new();
        keyspace_section(&mut out, state);
        assert_eq!(out, "# Keyspace\r\n");

        state.select(5);
        state.select(9);
        state.db.insert(b"a", Value::Str(b"1".to_vec()));
        state.db.insert(b"b", Value::Str(b"2".to_vec()));
        state.db.set_expiry(b"b", Some(i64::MAX));
        state.select(0);
        state.db.insert(b"a", Value::Str(b"1".to_vec()));
        let mut out = String::new();
        keyspace_section(&mut out, state);
        assert_eq!(
            out,
            "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\ndb9:keys=2,expires=1,avg_ttl=0\r\n"
        );
    }
}
