//! MONITOR and SLOWLOG: the server watching itself, and telling (LATENCY is in
//! [`super::latency`]).
//!
//! Chapter: [docs/09-commands-and-the-keyspace.md](../../../docs/09-commands-and-the-keyspace.md).
//!
//! ```text
//! MONITOR                      +OK, then a line per command run: +1712345678.123456 [0 127.0.0.1:5000] "set" "k" "v"
//! SLOWLOG GET [n] | LEN | RESET | HELP     entries: id, time, microseconds, args, address, name
//! ```
//!
//! Each is fed by dispatch after a command ran (`dispatch` in `src/server/mod.rs`), and each
//! costs nothing while unused: MONITOR while nobody monitors (one emptiness check), the slow
//! log and the latency monitor while no command is slower than their thresholds (one compare
//! of the command's clock ticks with a bound worked out when the thresholds change,
//! [`slow_bound`]).
//!
//! MONITOR is the purest fan-out the loop has: every command becomes a line for every
//! watcher, appended to its output through [`crate::reactor::Ctx::send`], which holds each
//! watcher to the output limit of its class like any client, so a monitor that stops reading
//! is cut off rather than slowing anyone (with Redis's default `normal 0 0 0`, nothing cuts
//! it off, as in Redis).
//!
//! Redis counterparts: `replicationFeedMonitors` (`replication.c`), `slowlog.c`, `latency.c`.

use crate::client::write_quoted;
use crate::resp::Request;
use crate::resp::number::parse_i64;

use crate::server::State;
use crate::server::command::{Command, Exec};
use crate::server::spec::Flags;

#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("monitor", 1, &["admin", "noscript", "loading", "stale"], monitor),
    Command::new("slowlog", -2, &[], slowlog).subcommands(SLOWLOG),
];

/// `MONITOR`: this client now receives a line for every command any client runs (the
/// administrative ones excepted, as Redis hides them). A second MONITOR is ignored, unanswered.
fn monitor(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    if exec.client.monitor {
        return;
    }
    exec.client.monitor = true;
    exec.state.monitors.push(exec.id);
    exec.ok();
}

/// After a command ran: its line to every monitor, unless it is administrative or flagged
/// `skip_monitor`. AUTH's password and HELLO's credentials are shown as `(redacted)`.
pub fn feed_monitors(exec: &mut Exec<'_, '_>, request: &Request<'_>, command: &Command) {
    if command.flags.contains(Flags::ADMIN) || command.flags.contains(Flags::SKIP_MONITOR) {
        return;
    }
    feed_monitors_now(exec, request, command.name);
}

/// The monitors' line for `request`, whatever its flags: EVAL feeds its own before its
/// script's commands run (it is `skip_monitor` so that `call` does not feed it after them).
pub fn feed_monitors_now(exec: &mut Exec<'_, '_>, request: &Request<'_>, command_name: &str) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let mut line = format!(
        "+{}.{:06} [{} {}]",
        now.as_secs(),
        now.subsec_micros(),
        // The database after the command, as Redis's `call()` feeds it (SELECT 3 shows 3).
        exec.client.db,
        // A script's commands come from no address: Redis shows `lua`.
        if exec.client.script {
            "lua".to_string()
        } else {
            exec.client.peer.to_string()
        }
    )
    .into_bytes();
    let redacted = redacted_args(command_name, request);
    for (i, arg) in request.args().enumerate() {
        line.push(b' ');
        if redacted.contains(&i) {
            write_quoted(&mut line, b"(redacted)");
        } else {
            write_quoted(&mut line, arg);
        }
    }
    line.extend_from_slice(b"\r\n");
    for &watcher in &exec.state.monitors {
        if watcher == exec.id && exec.client.script {
            // A monitor running a script: its own output is lent to the script's caller, out
            // of reach here; it misses the script's lines.
            continue;
        }
        if watcher == exec.id {
            // The running client is lent out: its own output is `exec.out`.
            exec.out.extend_from_slice(&line);
        } else {
            exec.ctx.send(watcher, &line);
        }
    }
}

/// The positions of the arguments MONITOR must not show, as Redis's
/// `redactClientCommandArgument` calls pick them: AUTH's (when it has at most two), HELLO's
/// two after `AUTH`.
fn redacted_args(name: &str, request: &Request<'_>) -> Vec<usize> {
    match name {
        "auth" if request.len() <= 3 => (1..request.len()).collect(),
        "hello" => {
            let mut hidden = Vec::new();
            let mut j = 1;
            while j < request.len() {
                if request.arg(j).eq_ignore_ascii_case(b"auth") && j + 2 < request.len() {
                    hidden.extend([j + 1, j + 2]);
                    j += 3;
                } else {
                    j += 1;
                }
            }
            hidden
        }
        _ => Vec::new(),
    }
}

/// The fewest clock ticks a command must take to interest the slow log or the latency monitor
/// (`u64::MAX`: neither is on). Worked out when the thresholds change, so dispatch compares
/// ticks without converting them.
pub fn slow_bound(state: &State) -> u64 {
    let config = &state.config;
    let slowlog = u64::try_from(config.slowlog_log_slower_than).ok();
    let latency = (config.latency_monitor_threshold > 0)
        .then(|| config.latency_monitor_threshold.saturating_mul(1000));
    match [slowlog, latency].into_iter().flatten().min() {
        None => u64::MAX,
        Some(micros) => ticks_for_micros(&state.clock, micros),
    }
}

/// The fewest ticks of `clock` that last at least `micros` microseconds (a binary search over
/// the clock's own conversion, which only grows).
fn ticks_for_micros(clock: &quanta::Clock, micros: u64) -> u64 {
    let nanos = micros.saturating_mul(1000);
    let (mut low, mut high) = (0u64, u64::MAX);
    while low < high {
        let mid = low + (high - low) / 2;
        if clock.delta_as_nanos(0, mid) >= nanos {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    low
}

/// After a command that took at least [`slow_bound`] ticks: into the slow log if it took
/// `slowlog-log-slower-than` (and is not flagged `skip_slowlog`, and has not blocked), and a
/// `command` or `fast-command` latency event if it took `latency-monitor-threshold`.
pub fn record_slow(exec: &mut Exec<'_, '_>, request: &Request<'_>, command: &Command, ticks: u64) {
    let micros = exec.state.clock.delta_as_nanos(0, ticks) / 1000;
    let config = &exec.state.config;
    let threshold = config.slowlog_log_slower_than;
    if threshold >= 0
        && micros >= threshold as u64
        && !command.flags.contains(Flags::SKIP_SLOWLOG)
        && exec.client.blocked.is_none()
    {
        let max_len = config.slowlog_max_len;
        let name = exec.client.name.clone().unwrap_or_default();
        let peer = exec.client.peer.to_string();
        exec.state
            .slowlog
            .push(request.args(), micros, peer, name, max_len);
    }
    let event = if command.flags.contains(Flags::FAST) {
        "fast-command"
    } else {
        "command"
    };
    let threshold = exec.state.config.latency_monitor_threshold;
    exec.state.latency.record(event, micros / 1000, threshold);
}

/// `SLOWLOG <subcommand>`.
fn slowlog(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    exec.run_subcommand("SLOWLOG", SLOWLOG, req);
}

#[rustfmt::skip]
const SLOWLOG: &[Command] = &[
    Command::new("slowlog|get", -2, &["admin", "loading", "stale"], slowlog_get).tips(&["request_policy:all_nodes", "nondeterministic_output"]),
    Command::new("slowlog|len", 2, &["admin", "loading", "stale"], slowlog_len).tips(&["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"]),
    Command::new("slowlog|reset", 2, &["admin", "loading", "stale"], slowlog_reset).tips(&["request_policy:all_nodes", "response_policy:all_succeeded"]),
    Command::new("slowlog|help", 2, &["loading", "stale"], slowlog_help),
];

/// `SLOWLOG GET [count]`: the newest `count` entries (10 by default, all for -1), each as
/// `id, unix time, microseconds, arguments, address, name`.
fn slowlog_get(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    if req.len() > 3 {
        return exec.subcommand_syntax(req.arg(1), "SLOWLOG");
    }
    let count = if req.len() == 3 {
        match parse_i64(req.arg(2)).filter(|&n| n >= -1) {
            Some(-1) => usize::MAX,
            Some(n) => n as usize,
            None => return exec.error("ERR count should be greater than or equal to -1"),
        }
    } else {
        10
    };
    let entries: Vec<_> = exec
        .state
        .slowlog
        .entries
        .iter()
        .take(count)
        .cloned()
        .collect();
    exec.array(entries.len());
    for entry in entries {
        exec.array(6);
        exec.integer(entry.id as i64);
        exec.integer(entry.time as i64);
        exec.integer(entry.micros as i64);
        exec.array(entry.args.len());
        for arg in &entry.args {
            exec.bulk(arg);
        }
        exec.bulk(entry.peer.as_bytes());
        exec.bulk(&entry.name);
    }
}

fn slowlog_len(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.integer(exec.state.slowlog.entries.len() as i64);
}

fn slowlog_reset(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.state.slowlog.entries.clear();
    exec.ok();
}

fn slowlog_help(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.help(
        "slowlog",
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    );
}
