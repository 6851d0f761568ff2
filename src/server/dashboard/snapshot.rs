//! What the dashboard shows: one snapshot of the server's real state, as JSON.
//!
//! Counters are sent as counters (commands processed, bytes in and out, loop turns, time in
//! `poll`); the page turns two consecutive snapshots into rates, so nothing here is sampled or
//! smoothed. The client table is bounded: the [`TABLE_ROWS`] connections with the most output
//! pending (ties: oldest first), so a snapshot stays small with 10,000 clients connected.
//! Key *values* are never read.

use std::time::Instant;

use serde::Serialize;

use std::cmp::Reverse;

use crate::reactor::{ConnId, ConnInfo, Ctx, Origin};

use crate::server::Session;
use crate::server::State;
use crate::server::keyspace::db::Value;

/// Rows in the client table.
pub const TABLE_ROWS: usize = 50;
/// Channels listed (the most subscribed).
pub const CHANNELS: usize = 10;
/// Longest client or channel name shown, in bytes. Names are the clients' own and may be up to
/// `proto-max-bulk-len` long; without a cap one client could make every snapshot, and every
/// stream's copy of it, as large as its name.
pub const MAX_NAME: usize = 10 * 1024;

/// A name as shown: at most [`MAX_NAME`] bytes of it, lossily UTF-8, marked if cut.
fn shown(name: &[u8]) -> String {
    cut(name, MAX_NAME)
}

/// `bytes` as text, at most `max` of them, `…` marking a cut.
fn cut(bytes: &[u8], max: usize) -> String {
    let mut text = String::from_utf8_lossy(&bytes[..bytes.len().min(max)]).into_owned();
    if bytes.len() > max {
        text.push('…');
    }
    text
}

/// One snapshot. Field names are what the page reads.
#[derive(Debug, Serialize)]
pub struct Snapshot {
    /// Unix milliseconds when it was taken.
    pub time_ms: i64,
    pub uptime_ms: u64,
    pub port: u16,
    pub tls_port: Option<u16>,
    pub commands_processed: u64,
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    /// Redis clients connected (dashboard connections not counted).
    pub connected_clients: usize,
    pub blocked_clients: usize,
    pub dashboard_connections: usize,
    pub connections_received: u64,
    pub rejected_connections: u64,
    pub output_limit_closes: u64,
    /// Resident memory of the process (Linux `VmRSS`), bytes; `None` where unknown.
    pub rss_bytes: Option<u64>,
    pub keys: usize,
    pub keys_with_expiry: usize,
    pub pubsub_channels: usize,
    pub pubsub_patterns: usize,
    /// The loop's own counters.
    pub event_loop: LoopFigures,
    /// Output bytes waiting in the server across every connection.
    pub output_pending: usize,
    /// The table's rows, most output pending first.
    pub clients: Vec<Row>,
    /// Keys per type in all databases (expired keys not yet reclaimed included, as DBSIZE).
    pub keyspace: Vec<TypeKeys>,
    /// Keys per database that holds any, as INFO keyspace lists them.
    pub databases: Vec<DbKeys>,
    /// The most subscribed channels.
    pub channels: Vec<Channel>,
    /// The loop's latest notable events, newest first.
    pub log: Vec<LogLine>,
    /// The slow log's newest entries (SLOWLOG GET), newest first.
    pub slowlog: Vec<SlowRow>,
    /// The latency monitor's events (LATENCY LATEST).
    pub latency: Vec<LatencyRow>,
}

/// Slow-log entries a snapshot carries, and bytes of each one's command line and client name:
/// ten rows must not weigh more than the rest of the snapshot.
const SLOWLOG_ROWS: usize = 10;
const SLOW_TEXT: usize = 256;

#[derive(Debug, Serialize)]
pub struct SlowRow {
    pub id: u64,
    /// Unix milliseconds (the log keeps seconds).
    pub time_ms: i64,
    pub micros: u64,
    /// The command line as logged, its arguments joined by spaces, cut like a client name.
    pub command: String,
    pub peer: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct LatencyRow {
    pub event: &'static str,
    /// When the latest sample was taken, unix milliseconds.
    pub time_ms: i64,
    pub latest_ms: u64,
    pub max_ms: u64,
}

#[derive(Debug, Serialize)]
pub struct TypeKeys {
    #[serde(rename = "type")]
    pub type_name: &'static str,
    pub keys: usize,
}

#[derive(Debug, Serialize)]
pub struct DbKeys {
    pub db: usize,
    pub keys: usize,
    pub expires: usize,
}

#[derive(Debug, Serialize)]
pub struct Channel {
    pub name: String,
    pub subscribers: usize,
}

#[derive(Debug, Serialize)]
pub struct LogLine {
    pub seq: u64,
    /// Unix milliseconds.
    pub time_ms: i64,
    pub text: &'static str,
    pub peer: Option<String>,
}

/// The loop's counters: turns, events, and where the time went.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct LoopFigures {
    pub cycles: u64,
    pub events: u64,
    /// Microseconds inside `poll` (mostly asleep) and between polls (working).
    pub polled_us: u64,
    pub busy_us: u64,
}

/// One connection in the client table.
#[derive(Debug, Serialize)]
pub struct Row {
    /// Redis's client id; `None` for a dashboard connection.
    pub id: Option<u64>,
    pub addr: String,
    pub name: String,
    pub age_s: u64,
    pub idle_s: u64,
    /// `blocked`, `subscribed`, `tls`, `http` (a dashboard connection), `streaming`.
    pub flags: Vec<&'static str>,
    /// Bytes received and not yet consumed (`qbuf`).
    pub input_bytes: usize,
    /// Bytes of output not yet written (`omem`).
    pub output_bytes: usize,
    /// WRITABLE interest registered: the kernel's send buffer is full.
    pub writable: bool,
    /// Commands run (requests, for a dashboard connection).
    pub commands: u64,
}

/// What must differ for a new snapshot to be worth sending: every figure that moves when the
/// server does work, but not the dashboard's own traffic (or every snapshot sent would make
/// the next one "changed") nor the clock.
#[derive(Debug, PartialEq, Eq)]
pub struct Fingerprint {
    commands_processed: u64,
    net_input_bytes: u64,
    connections_received: u64,
    connections: usize,
    keys: usize,
    blocked: usize,
    closes: u64,
    /// Output pending on Redis clients (a slow consumer's growing buffer).
    output_pending: usize,
    notices: u64,
}

/// The state's fingerprint: one pass over the connections for the output they hold, and the
/// counters. Cheap next to [`take`], so a tick with nothing new builds no snapshot.
pub fn fingerprint(state: &State, ctx: &Ctx<'_, Session>) -> Fingerprint {
    let stats = ctx.stats();
    let mut resp_output_pending = 0;
    ctx.for_each(|info, session| {
        if session.is_some_and(|s| s.client().is_some()) {
            resp_output_pending += info.output_len;
        }
    });
    Fingerprint {
        commands_processed: state.stats.commands_processed,
        net_input_bytes: stats.net_input_bytes,
        connections_received: stats.connections_received,
        connections: ctx.connection_count(),
        keys: state.keys(),
        blocked: state.blocked_clients(),
        closes: stats.output_limit_closes + stats.query_buffer_closes + stats.connections_rejected,
        output_pending: resp_output_pending,
        notices: ctx.notices().last_seq(),
    }
}

/// Keys per type, summed over the databases.
fn keys_per_type(state: &State) -> Vec<TypeKeys> {
    let mut counts: Vec<TypeKeys> = Value::TYPES
        .iter()
        .map(|&type_name| TypeKeys { type_name, keys: 0 })
        .collect();
    for (_, db) in state.dbs() {
        for (row, (_, keys)) in counts.iter_mut().zip(db.keys_per_type()) {
            row.keys += keys;
        }
    }
    counts
}

/// Take a snapshot. `current`: the connection whose request is running, if any (lent out:
/// its session is not reachable, and it is described as a dashboard connection).
pub fn take(state: &State, ctx: &Ctx<'_, Session>, current: Option<ConnId>) -> Snapshot {
    let now = ctx.now();
    let stats = ctx.stats();
    let baseline = &state.stats.loop_baseline;
    let (clients, output_pending) = busiest_clients(ctx, now, current);
    let loop_figures = LoopFigures {
        cycles: stats.cycles,
        events: stats.events,
        polled_us: stats.polled.as_micros() as u64,
        busy_us: stats.busy.as_micros() as u64,
    };
    let connected_clients = ctx
        .connection_count()
        .saturating_sub(state.dashboard_connections);
    let blocked_clients = state.blocked_clients();
    let time_ms = crate::server::unix_ms();
    let log = log_lines(ctx, now, time_ms);
    Snapshot {
        time_ms,
        uptime_ms: now.saturating_duration_since(state.started).as_millis() as u64,
        port: state.port,
        tls_port: state.tls_port,
        commands_processed: state.stats.commands_processed,
        net_input_bytes: stats.net_input_bytes - baseline.net_input_bytes,
        net_output_bytes: stats.net_output_bytes - baseline.net_output_bytes,
        connected_clients,
        blocked_clients,
        dashboard_connections: state.dashboard_connections,
        connections_received: stats.connections_received - baseline.connections_received,
        rejected_connections: stats.connections_rejected - baseline.connections_rejected,
        output_limit_closes: stats.output_limit_closes - baseline.output_limit_closes,
        rss_bytes: rss_bytes(),
        keys: state.keys(),
        keys_with_expiry: state.dbs().map(|(_, db)| db.volatile_len()).sum(),
        pubsub_channels: state.pubsub.channel_count(),
        pubsub_patterns: state.pubsub.pattern_count(),
        event_loop: loop_figures,
        output_pending,
        clients,
        keyspace: keys_per_type(state),
        databases: state
            .dbs()
            .filter(|(_, db)| !db.is_empty())
            .map(|(db, keys)| DbKeys {
                db,
                keys: keys.len(),
                expires: keys.volatile_len(),
            })
            .collect(),
        channels: state
            .pubsub
            .most_subscribed(CHANNELS)
            .into_iter()
            .map(|(name, subscribers)| Channel {
                name: shown(name),
                subscribers,
            })
            .collect(),
        log,
        slowlog: state
            .slowlog
            .entries
            .iter()
            .take(SLOWLOG_ROWS)
            .map(|entry| SlowRow {
                id: entry.id,
                time_ms: entry.time as i64 * 1000,
                micros: entry.micros,
                command: cut(&entry.args.join(&b' '), SLOW_TEXT),
                peer: entry.peer.clone(),
                name: cut(&entry.name, SLOW_TEXT),
            })
            .collect(),
        latency: state
            .latency
            .events
            .iter()
            .map(|(event, series)| {
                let (time, latest) = series.samples.back().copied().unwrap_or((0, 0));
                LatencyRow {
                    event,
                    time_ms: time as i64 * 1000,
                    latest_ms: latest,
                    max_ms: series.max,
                }
            })
            .collect(),
    }
}

/// The clients table: the [`TABLE_ROWS`] connections with the most output pending (then the
/// oldest), and the output pending over all connections.
fn busiest_clients(
    ctx: &Ctx<'_, Session>,
    now: Instant,
    current: Option<ConnId>,
) -> (Vec<Row>, usize) {
    // Every connection as (most output first, then oldest): the table shows the first few.
    let mut candidates: Vec<(Reverse<usize>, Instant, ConnId)> = Vec::new();
    let mut output_pending = 0;
    ctx.for_each(|info, _| {
        output_pending += info.output_len;
        candidates.push((Reverse(info.output_len), info.created, info.id));
    });
    if candidates.len() > TABLE_ROWS {
        candidates.select_nth_unstable(TABLE_ROWS);
        candidates.truncate(TABLE_ROWS);
    }
    candidates.sort_unstable();
    let clients = candidates
        .iter()
        .filter_map(|&(_, _, id)| ctx.info(id).map(|info| row(&info, ctx, now, current)))
        .collect();

    (clients, output_pending)
}

/// The loop's notices, newest first, each stamped with its wall-clock time.
fn log_lines(ctx: &Ctx<'_, Session>, now: Instant, time_ms: i64) -> Vec<LogLine> {
    ctx.notices()
        .iter()
        .rev()
        .map(|notice| LogLine {
            seq: notice.seq,
            time_ms: time_ms - now.saturating_duration_since(notice.at).as_millis() as i64,
            text: notice.kind.describe(),
            peer: notice.peer.map(|p| p.to_string()),
        })
        .collect()
}

fn row(info: &ConnInfo<'_>, ctx: &Ctx<'_, Session>, now: Instant, current: Option<ConnId>) -> Row {
    let mut flags = Vec::new();
    if info.origin == Origin::Tls {
        flags.push("tls");
    }
    let session = ctx.session(info.id);
    let (id, name, commands) = match session {
        Some(Session::Resp(resp)) => {
            let client = &resp.client;
            if client.blocked.is_some() {
                flags.push("blocked");
            }
            if client.subscribed() {
                flags.push("subscribed");
            }
            let name = client.name.as_deref().map(shown).unwrap_or_default();
            (Some(client.id), name, client.commands)
        }
        Some(Session::Dashboard(viewer)) => {
            flags.push("http");
            if viewer.streaming {
                flags.push("streaming");
            }
            (None, String::new(), viewer.requests)
        }
        None => {
            // Lent out: the dashboard connection whose request is being answered.
            if current == Some(info.id) {
                flags.extend(["http", "streaming"]);
            }
            (None, String::new(), 0)
        }
    };
    Row {
        id,
        addr: info.peer.to_string(),
        name,
        age_s: now.saturating_duration_since(info.created).as_secs(),
        idle_s: now.saturating_duration_since(info.last_active).as_secs(),
        flags,
        input_bytes: info.input_len,
        output_bytes: info.output_len,
        writable: info.writable,
        commands,
    }
}

/// The process's resident set size, from `/proc/self/status` (Linux).
pub fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
