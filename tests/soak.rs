//! Soak test: many clients, random pipelines cut at random byte boundaries, random disconnects,
//! resets and protocol errors, for a bounded time; every reply is checked byte for byte against
//! a model of the keyspace, and afterwards the server's memory must come back near its start.
//!
//! ```text
//! cargo test --test soak         # short mode, about 12 s in all: three tests in parallel
//!                                #   8 s, 300 connections; 5 s, 100 connections with the server
//!                                #   reading 1 byte and writing 7 bytes per syscall; 4 s, 100
//!                                #   connections against redis-server (checks the model itself)
//! REACTOR_SOAK_SECS=300 REACTOR_SOAK_CONNS=2000 \
//!     cargo test --release --test soak -- --ignored --nocapture
//!                                # long mode (those are its defaults)
//! REACTOR_SOAK_SEED=12345 cargo test --test soak   # replay the command streams of a failure
//! ```
//!
//! **What runs.** The real `reactor-server` binary (so its RSS can be read from `/proc`), and a
//! few client threads, each running its own `mio` loop over hundreds of non-blocking
//! connections, opened in a ramp (see `MAX_OPENING`: the listen backlog is bounded).
//! A connection sends a pipeline of 1 to 50 commands drawn from SET (with EX/PX
//! far enough out never to expire during the test, NX, XX, GET, KEEPTTL), GET, MGET, DEL,
//! EXISTS, INCR, INCRBY, APPEND, STRLEN, GETRANGE, SETRANGE, GETDEL, TYPE, TTL, PING, ECHO and a
//! few commands that must fail (INCR on a non-integer, wrong arity, syntax errors, an unknown
//! command), in random letter case, sometimes inline rather than multibulk; keys and values
//! hold any bytes (CR, LF, NUL). The pipeline is written in random-sized pieces (often 1 byte,
//! sometimes pausing between pieces so the server really reads them apart) while the replies
//! are read as they come.
//!
//! **Why the model is exact.** Every connection owns its keys (a prefix naming its thread, slot
//! and generation), so no other client can touch them and a per-connection `HashMap` predicts
//! every reply exactly: `+OK`, `$-1`, `:n`, the bulk bytes, the error text. Only TTL is checked
//! loosely (`-2`, `-1`, or a positive number no larger than the time that was set), because the
//! server's clock moves. `model_agrees_with_redis_server` runs the same clients against
//! redis-server 7.0, which shows the model is Redis's behaviour, not just this server's.
//!
//! **The rough edges.** About 4% of pipelines end another way: the connection drops
//! mid-pipeline (closes after a random prefix of its bytes), resets (closes with replies
//! unread, so the kernel sends RST), ends with garbage (expects its replies, then
//! `-ERR Protocol error: ...`, then EOF), ends with QUIT (`+OK` then EOF) or closes cleanly.
//! After a drop or reset the model no longer knows what ran, so the replacement connection
//! moves to a new key generation and deletes the old generation's keys first (that reply is not
//! checked: the dropped connection's last bytes may still be executing).
//!
//! **Never waits forever.** Every connection must make progress (connect, send or receive)
//! within `IO_TIMEOUT`, or the test fails saying where it stalled. A failure names the
//! connection, the command, the expected bytes and the bytes that arrived, and the seed.
//!
//! **At the end of each of two rounds** all client connections are closed; a probe connection,
//! idle and open since the start, sends FLUSHALL, waits for INFO's `connected_clients:1` and
//! PINGs, and the server's RSS is read. See `soak` for how it is judged, and the constants
//! above it for the numbers measured. Each run prints a summary (`--nocapture` shows it).
//!
//! Measured (2 vCPU AMD EPYC shared with other jobs, load average 6-10): the short mode takes
//! about 12 s; the long mode's defaults (300 s, 2,000 connections, all open at once after the
//! ramp, release build) checked 45.9 million replies in 1.83 million pipelines over 73,700
//! connections; server RSS start 2.7 MiB, peak 24.1 MiB, 23.1 MiB after each round.

mod common;

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream as StdStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Registry, Token};

use common::{Binary, IO_TIMEOUT, RedisServer, connect, read_n};

/// Commands per pipeline: 1 to this many.
const MAX_PIPELINE: u64 = 50;
/// Keys each connection generation owns.
const KEYS_PER_CONNECTION: usize = 6;
/// Values never grow past this (APPEND and SETRANGE turn into STRLEN instead), so replies stay
/// small and the keyspace bounded.
const MAX_VALUE_LEN: usize = 4096;
/// Out of 1,000 pipelines, how many end each special way.
const PER_MILLE_DROP: u64 = 10;
const PER_MILLE_RESET: u64 = 10;
const PER_MILLE_GARBAGE: u64 = 10;
const PER_MILLE_QUIT: u64 = 5;
const PER_MILLE_CLOSE: u64 = 5;
/// How often a connection pauses between two pieces of its pipeline, in percent.
const PAUSE_PERCENT: u64 = 20;
/// Connections that may be opening at once, over all client threads (connect sent, no reply
/// byte yet, so perhaps not yet accepted). The server's listen backlog is 511 (`tcp-backlog`,
/// as Redis): past it the kernel drops SYNs (a 1 s retry) or resets connections, which says
/// nothing about the server's loop. So the clients ramp up, staying well inside the backlog.
const MAX_OPENING: usize = 96;

// ---- The tests ----

#[test]
fn short_soak_every_reply_matches_the_model_and_memory_returns() {
    soak(Plan {
        name: "short",
        duration: Duration::from_secs(8),
        connections: 300,
        threads: 4,
        server_args: &[],
        target: Target::Reactor,
    });
}

#[test]
fn short_soak_with_one_byte_reads_and_seven_byte_writes() {
    soak(Plan {
        name: "faults",
        duration: Duration::from_secs(5),
        connections: 100,
        threads: 2,
        server_args: &["--fault-max-read", "1", "--fault-max-write", "7"],
        target: Target::Reactor,
    });
}

#[test]
fn model_agrees_with_redis_server() {
    soak(Plan {
        name: "redis-server",
        duration: Duration::from_secs(4),
        connections: 100,
        threads: 2,
        server_args: &[],
        target: Target::Redis,
    });
}

#[test]
#[ignore = "long soak: REACTOR_SOAK_SECS=300 cargo test --release --test soak -- --ignored"]
fn long_soak() {
    let secs = env_u64("REACTOR_SOAK_SECS").unwrap_or(300);
    let connections = env_u64("REACTOR_SOAK_CONNS").unwrap_or(2000);
    soak(Plan {
        name: "long",
        duration: Duration::from_secs(secs),
        connections: usize::try_from(connections).expect("REACTOR_SOAK_CONNS fits in usize"),
        threads: 4,
        server_args: &[],
        target: Target::Reactor,
    });
}

fn env_u64(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(
        text.parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is not a number")),
    )
}

// ---- One soak run ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The `reactor-server` binary; its memory is checked.
    Reactor,
    /// redis-server, to check the model itself; memory is not checked.
    Redis,
}

struct Plan {
    name: &'static str,
    duration: Duration,
    connections: usize,
    threads: usize,
    server_args: &'static [&'static str],
    target: Target,
}

/// The run is split into this many equal rounds, each ending with every client gone and the
/// keyspace flushed, so the server's memory can be compared between rounds (see [`soak`]).
const ROUNDS: u32 = 2;

/// Between the end of the first round and the end of the last, the server's RSS may grow by
/// at most this much. Both rounds put the same load on the same server, so memory the
/// allocator kept after the first is there to be reused by the second; growth beyond noise
/// is a leak. Measured growth (2 vCPU AMD EPYC, glibc 2.36, a shared and loaded machine): 0.1
/// to 0.5 MiB in the short tests (debug build); 1.5 MiB in a 60 s long run, 0 to 0.24 MiB in
/// 300 s ones (release, 2,000 connections). A server made to leak 64 bytes per command failed
/// both checks in the short test (it ended at 50 MiB).
const GROWTH_SLACK_KIB: u64 = 4 * 1024;

/// After the last round the server's RSS may exceed its start by this fixed amount plus
/// [`RETAINED_KIB_PER_CONNECTION`] for each client connection of the run. Measured: start
/// 4.2 MiB, end 4.6-7.4 MiB in the short tests (100 and 300 connections, debug build); start
/// 2.7 MiB, end 23-24 MiB after 2,000 connections (release), i.e. about 10 KiB kept per peak
/// connection; all of it freed memory glibc had not returned (see [`soak`]).
const END_SLACK_KIB: u64 = 8 * 1024;
const RETAINED_KIB_PER_CONNECTION: u64 = 16;

const STOPPED: &str = "stopped because another thread failed";

/// What the client threads share.
struct Shared {
    addr: SocketAddr,
    end: Instant,
    /// Until this many client connections have been open at once, or until `ramped_by`, no
    /// pipeline ends in a disconnect, so the ramp up (see [`MAX_OPENING`]) is not slowed by
    /// reconnections competing for the same backlog.
    target: usize,
    ramped_by: Instant,
    seed: u64,
    threads: usize,
    /// Client connections open now, and the most open at once.
    open: AtomicUsize,
    peak_open: AtomicUsize,
    /// Set by the first thread that fails, so the others stop at once.
    failed: AtomicBool,
}

/// Run `plan`: start the server, run [`ROUNDS`] rounds of clients, check every reply, then
/// check the server is healthy, alone, and back near its starting memory.
///
/// Memory is judged twice. glibc's malloc keeps memory that was freed (calling `malloc_trim(0)`
/// in the server with gdb after a 2,000-connection run took its RSS from 22.6 MiB to 6.4 MiB),
/// so the end cannot be expected to equal the start. Instead: (1) the end is within a bound of
/// the start that scales with the number of connections, and (2) the last round, which
/// repeats the first round's load, leaves the RSS where the first left it, give or take
/// [`GROWTH_SLACK_KIB`]: memory kept by the allocator is reused, memory leaked is not.
fn soak(plan: Plan) {
    let seed = env_u64("REACTOR_SOAK_SEED").unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    let mut args = vec!["--maxclients", "20000"];
    args.extend_from_slice(plan.server_args);
    // Keep whichever server runs alive for the whole test (both kill theirs when dropped).
    let (reactor, redis) = match plan.target {
        Target::Reactor => (Some(Binary::start(&args)), None),
        Target::Redis => (None, Some(RedisServer::start(&["--maxclients", "20000"]))),
    };
    let addr = match (&reactor, &redis) {
        (Some(server), _) => server.addr,
        (_, Some(server)) => server.addr,
        _ => unreachable!(),
    };
    let pid = reactor.as_ref().map(Binary::pid);

    // The probe stays connected and idle for the whole run.
    let mut probe = connect(addr);
    probe.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_n(&mut probe, 7), b"+PONG\r\n");
    let rss_start = pid.map(|pid| memory(pid).rss_kib);

    let started = Instant::now();
    let mut total = Stats::default();
    let mut rss_after = Vec::new();
    for round in 0..ROUNDS {
        let round_seed = seed.wrapping_add(u64::from(round));
        let stats = run_round(&plan, addr, round_seed, reactor.as_ref());
        total.add(&stats);
        settle(&mut probe);
        if let Some(pid) = pid {
            // Give the server a moment to finish reaping, then measure.
            thread::sleep(Duration::from_millis(300));
            rss_after.push(memory(pid).rss_kib);
        }
    }
    let elapsed = started.elapsed();
    let summary = total.summary(&plan, elapsed, seed);
    let (Some(mut server), Some(rss_start)) = (reactor, rss_start) else {
        println!("soak '{}': {summary}", plan.name);
        return;
    };
    assert!(
        server.wait_exit(Duration::ZERO).is_none(),
        "the server exited during the soak"
    );
    let peak = memory(server.pid()).peak_kib;
    let (first, end) = (rss_after[0], rss_after[rss_after.len() - 1]);
    println!(
        "soak '{}': {summary}; server RSS start {rss_start} KiB, peak {peak} KiB, after each \
         round {rss_after:?} KiB",
        plan.name
    );
    let connections = (plan.connections.div_ceil(plan.threads) * plan.threads) as u64;
    let bound = rss_start + END_SLACK_KIB + RETAINED_KIB_PER_CONNECTION * connections;
    assert!(
        end <= bound,
        "the server's RSS did not come back: start {rss_start} KiB, peak {peak} KiB, end {end} \
         KiB, bound {bound} KiB"
    );
    assert!(
        end <= first + GROWTH_SLACK_KIB,
        "the server's RSS grew from {first} KiB after the first round to {end} KiB after the \
         last, which repeated the same load (allowed growth {GROWTH_SLACK_KIB} KiB): a leak"
    );
}

/// One round: the client threads run for their share of the plan's time; every reply checked.
fn run_round(plan: &Plan, addr: SocketAddr, seed: u64, server: Option<&Binary>) -> Stats {
    let per_thread = plan.connections.div_ceil(plan.threads);
    let now = Instant::now();
    let shared = Shared {
        addr,
        end: now + plan.duration / ROUNDS,
        target: per_thread * plan.threads,
        ramped_by: now + plan.duration / ROUNDS / 5,
        seed,
        threads: plan.threads,
        open: AtomicUsize::new(0),
        peak_open: AtomicUsize::new(0),
        failed: AtomicBool::new(false),
    };
    let results: Vec<Result<Stats, String>> = thread::scope(|scope| {
        let handles: Vec<_> = (0..plan.threads)
            .map(|t| {
                let shared = &shared;
                scope.spawn(move || {
                    let result = ClientThread::run(shared, t, per_thread);
                    if result.is_err() {
                        shared.failed.store(true, Ordering::Relaxed);
                    }
                    result
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a client thread panicked".into()))
            })
            .collect()
    });
    let mut total = Stats::default();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(stats) => total.add(&stats),
            Err(e) => errors.push(e),
        }
    }
    total.peak_open = shared.peak_open.load(Ordering::Relaxed);
    // Threads stopped by another's failure have nothing to add.
    if errors.iter().any(|e| !e.ends_with(STOPPED)) {
        errors.retain(|e| !e.ends_with(STOPPED));
    }
    // The server's own log, minus the protocol errors the clients provoke on purpose.
    let log: Vec<String> = server
        .map(|server| server.log.try_iter().collect())
        .unwrap_or_default();
    let notable: Vec<&str> = log
        .iter()
        .map(String::as_str)
        .filter(|l| !l.contains("protocol error from client"))
        .collect();
    assert!(
        errors.is_empty(),
        "soak '{}' failed (seed {seed}; REACTOR_SOAK_SEED={seed} replays these command \
         streams):\n{}\n\nserver log (protocol errors left out):\n{}",
        plan.name,
        errors.join("\n\n"),
        notable[notable.len().saturating_sub(30)..].join("\n")
    );
    let bad: Vec<&str> = notable
        .iter()
        .copied()
        .filter(|l| l.contains("ERROR") || l.contains("panicked"))
        .collect();
    assert!(bad.is_empty(), "the server logged errors: {bad:#?}");
    total
}

/// Every client is gone: the probe empties the keyspace and checks the server is healthy and
/// counts no client but the probe.
fn settle(probe: &mut StdStream) {
    probe.write_all(&common::command(&[b"FLUSHALL"])).unwrap();
    assert_eq!(read_n(probe, 5), b"+OK\r\n");
    probe.write_all(&common::command(&[b"DBSIZE"])).unwrap();
    assert_eq!(read_n(probe, 4), b":0\r\n");
    let deadline = Instant::now() + IO_TIMEOUT;
    loop {
        let info = info_clients(probe);
        if info.contains("connected_clients:1\r\n") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server still counts other clients after they all closed:\n{info}"
        );
        thread::sleep(Duration::from_millis(50));
    }
    probe.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_n(probe, 7), b"+PONG\r\n");
}

/// `INFO clients` on a blocking connection: the bulk string's text.
fn info_clients(stream: &mut StdStream) -> String {
    stream
        .write_all(&common::command(&[b"INFO", b"clients"]))
        .unwrap();
    let mut header = Vec::new();
    while !header.ends_with(b"\r\n") {
        header.extend(read_n(stream, 1));
    }
    let text = String::from_utf8_lossy(&header);
    let len: usize = text
        .trim_start_matches('$')
        .trim_end()
        .parse()
        .unwrap_or_else(|_| panic!("INFO did not answer a bulk string: {text:?}"));
    let body = read_n(stream, len + 2);
    String::from_utf8_lossy(&body).into_owned()
}

struct Memory {
    rss_kib: u64,
    peak_kib: u64,
}

/// The process's resident set size now and at its peak, from `/proc/PID/status`.
fn memory(pid: u32) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("read /proc/PID/status (Linux only)");
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in /proc/{pid}/status"))
    };
    Memory {
        rss_kib: field("VmRSS:"),
        peak_kib: field("VmHWM:"),
    }
}

// ---- Statistics ----

#[derive(Debug, Default)]
struct Stats {
    replies_checked: u64,
    pipelines: u64,
    /// The most client connections open at once.
    peak_open: usize,
    connects: u64,
    drops: u64,
    resets: u64,
    garbage: u64,
    quits: u64,
    closes: u64,
    bytes_sent: u64,
    bytes_received: u64,
}

impl Stats {
    fn add(&mut self, other: &Stats) {
        self.replies_checked += other.replies_checked;
        self.pipelines += other.pipelines;
        self.peak_open = self.peak_open.max(other.peak_open);
        self.connects += other.connects;
        self.drops += other.drops;
        self.resets += other.resets;
        self.garbage += other.garbage;
        self.quits += other.quits;
        self.closes += other.closes;
        self.bytes_sent += other.bytes_sent;
        self.bytes_received += other.bytes_received;
    }

    fn summary(&self, plan: &Plan, elapsed: Duration, seed: u64) -> String {
        format!(
            "{:.1} s, {} connections on {} threads (at most {} open at once), seed {seed}: {} \
             replies checked in {} pipelines; {} connections opened (dropped mid-pipeline {}, \
             reset {}, protocol error {}, QUIT {}, closed {}); {} KiB sent, {} KiB received",
            elapsed.as_secs_f64(),
            plan.connections.div_ceil(plan.threads) * plan.threads,
            plan.threads,
            self.peak_open,
            self.replies_checked,
            self.pipelines,
            self.connects,
            self.drops,
            self.resets,
            self.garbage,
            self.quits,
            self.closes,
            self.bytes_sent / 1024,
            self.bytes_received / 1024,
        )
    }
}

// ---- A small deterministic random number generator ----

/// SplitMix64: tiny, fast, and good enough to pick commands. Each connection slot has its own,
/// seeded from the run's seed, so a seed replays the same command streams.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// An index into a collection of `len` (> 0) items.
    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.index(i + 1));
        }
    }
}

// ---- The model of one connection's keys ----

#[derive(Debug, Clone)]
struct Entry {
    value: Vec<u8>,
    /// With a deadline: the largest TTL (seconds) the server may report.
    ttl_max: Option<i64>,
}

/// What one reply must be.
#[derive(Debug, Clone)]
enum Expect {
    Exact(Vec<u8>),
    /// `:n` with `1 <= n <= max`: TTL of a key with a deadline.
    Ttl(i64),
    /// Any `:n`: DEL of a previous generation's keys.
    AnyInteger,
    /// The server closes the connection (FIN) with nothing more.
    Eof,
}

impl Expect {
    fn describe(&self) -> String {
        match self {
            Expect::Exact(bytes) => show(bytes),
            Expect::Ttl(max) => format!("\":1\\r\\n\" ..= \":{max}\\r\\n\""),
            Expect::AnyInteger => "\":<integer>\\r\\n\"".into(),
            Expect::Eof => "EOF".into(),
        }
    }
}

const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
const OVERFLOW: &str = "ERR increment or decrement would overflow";

fn ok() -> Expect {
    Expect::Exact(b"+OK\r\n".to_vec())
}

fn nil() -> Expect {
    Expect::Exact(b"$-1\r\n".to_vec())
}

fn int(n: i64) -> Expect {
    Expect::Exact(format!(":{n}\r\n").into_bytes())
}

fn int_len(n: usize) -> Expect {
    int(n as i64)
}

fn bulk(data: &[u8]) -> Expect {
    Expect::Exact(common::bulk(data))
}

fn bulk_or_nil(data: Option<&Vec<u8>>) -> Expect {
    data.map_or_else(nil, |d| bulk(d))
}

fn error(message: &str) -> Expect {
    Expect::Exact(format!("-{message}\r\n").into_bytes())
}

/// Whether Redis reads `bytes` as an integer (`string2ll`): an optional `-`, digits without a
/// leading zero (`0` alone is fine), no `+`, no spaces, within `i64`.
fn redis_integer(bytes: &[u8]) -> Option<i64> {
    if bytes == b"0" {
        return Some(0);
    }
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    if !matches!(digits.first(), Some(b'1'..=b'9')) || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

/// Redis 7.0's GETRANGE index rules (`getrangeCommand`), computed without overflow.
fn getrange(value: &[u8], start: i64, end: i64) -> &[u8] {
    if start < 0 && end < 0 && start > end {
        return b"";
    }
    let len = value.len() as i128;
    let (mut start, mut end) = (i128::from(start), i128::from(end));
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return b"";
    }
    &value[start as usize..=end as usize]
}

/// A value to store: integers (small and near the limits), strings that look like integers but
/// are not to Redis, arbitrary bytes (CR, LF, NUL included) and longer patterned strings.
fn value(rng: &mut Rng) -> Vec<u8> {
    match rng.below(10) {
        0..=2 => rng.range(-1000, 1000).to_string().into_bytes(),
        3 => {
            let near = rng.range(0, 2);
            let n = if rng.percent(50) {
                i64::MAX - near
            } else {
                i64::MIN + near
            };
            n.to_string().into_bytes()
        }
        4 => rng
            .pick(&[
                "01",
                "+1",
                " 1",
                "1 ",
                "-0",
                "1.5",
                "1e3",
                "",
                "9223372036854775808",
                "-9223372036854775809",
                "0x10",
                "abc",
            ])
            .as_bytes()
            .to_vec(),
        5..=8 => {
            let len = rng.index(25);
            (0..len).map(|_| rng.next() as u8).collect()
        }
        _ => {
            let (len, offset) = (rng.index(1500), rng.index(251));
            (0..len).map(|i| ((i + offset) % 251) as u8).collect()
        }
    }
}

/// A command name in random letter case: the server must match it case-insensitively.
fn name(rng: &mut Rng, name: &str) -> Vec<u8> {
    match rng.below(4) {
        0 => name.to_ascii_lowercase().into_bytes(),
        1 => name.to_ascii_uppercase().into_bytes(),
        _ => name
            .bytes()
            .map(|b| {
                if rng.percent(50) {
                    b.to_ascii_uppercase()
                } else {
                    b.to_ascii_lowercase()
                }
            })
            .collect(),
    }
}

/// An integer argument, sometimes one Redis refuses.
fn index_arg(rng: &mut Rng, lo: i64, hi: i64) -> (Vec<u8>, Option<i64>) {
    match rng.below(100) {
        0..=2 => (
            rng.pick(&["x", "1.0", "", " 1", "+1"]).as_bytes().to_vec(),
            None,
        ),
        3..=5 => {
            let n = *rng.pick(&[i64::MIN, i64::MAX]);
            (n.to_string().into_bytes(), Some(n))
        }
        _ => {
            let n = rng.range(lo, hi);
            (n.to_string().into_bytes(), Some(n))
        }
    }
}

struct Model {
    keys: Vec<Vec<u8>>,
    map: HashMap<Vec<u8>, Entry>,
}

impl Model {
    /// The keys of connection `slot` on client thread `thread`, generation `generation`. One
    /// holds bytes that are not text, and so is never sent inline.
    fn new(thread: usize, slot: usize, generation: u64) -> Model {
        let keys = (0..KEYS_PER_CONNECTION)
            .map(|i| {
                let mut key = format!("soak:{thread}:{slot}:{generation}:{i}").into_bytes();
                if i == 0 {
                    key.extend_from_slice(b"\r\n\0\xff");
                }
                key
            })
            .collect();
        Model {
            keys,
            map: HashMap::new(),
        }
    }

    fn key(&self, rng: &mut Rng) -> Vec<u8> {
        rng.pick(&self.keys).clone()
    }

    fn keys(&self, rng: &mut Rng, most: u64) -> Vec<Vec<u8>> {
        (0..1 + rng.below(most)).map(|_| self.key(rng)).collect()
    }

    fn len(&self, key: &[u8]) -> usize {
        self.map.get(key).map_or(0, |e| e.value.len())
    }

    /// Draw a random command, apply it to the model, and return it with the reply it must get.
    fn command(&mut self, rng: &mut Rng) -> (Vec<Vec<u8>>, Expect) {
        match rng.below(100) {
            0..=14 => self.set(rng),
            15..=26 => {
                let key = self.key(rng);
                let expect = bulk_or_nil(self.map.get(&key).map(|e| &e.value));
                (vec![name(rng, "get"), key], expect)
            }
            27..=32 => {
                let keys = self.keys(rng, 5);
                let mut reply = format!("*{}\r\n", keys.len()).into_bytes();
                for key in &keys {
                    match self.map.get(key) {
                        Some(e) => reply.extend(common::bulk(&e.value)),
                        None => reply.extend_from_slice(b"$-1\r\n"),
                    }
                }
                let mut args = vec![name(rng, "mget")];
                args.extend(keys);
                (args, Expect::Exact(reply))
            }
            33..=38 => {
                let keys = self.keys(rng, 4);
                let deleted = keys
                    .iter()
                    .filter(|k| self.map.remove(k.as_slice()).is_some())
                    .count();
                let mut args = vec![name(rng, "del")];
                args.extend(keys);
                (args, int_len(deleted))
            }
            39..=43 => {
                let keys = self.keys(rng, 4);
                let found = keys.iter().filter(|k| self.map.contains_key(*k)).count();
                let mut args = vec![name(rng, "exists")];
                args.extend(keys);
                (args, int_len(found))
            }
            44..=51 => {
                let key = self.key(rng);
                let expect = self.incr_by(&key, 1);
                (vec![name(rng, "incr"), key], expect)
            }
            52..=57 => {
                let key = self.key(rng);
                let delta = match rng.below(100) {
                    0..=2 => rng.pick(&["1.5", "", "abc", "01"]).as_bytes().to_vec(),
                    3..=7 => rng
                        .pick(&[i64::MAX, i64::MIN, i64::MAX - 1, -i64::MAX])
                        .to_string()
                        .into_bytes(),
                    _ => rng.range(-1000, 1000).to_string().into_bytes(),
                };
                // The increment is parsed before the key is looked at.
                let expect = match redis_integer(&delta) {
                    Some(delta) => self.incr_by(&key, delta),
                    None => error(NOT_INTEGER),
                };
                (vec![name(rng, "incrby"), key, delta], expect)
            }
            58..=64 => {
                let (key, tail) = (self.key(rng), value(rng));
                if self.len(&key) + tail.len() > MAX_VALUE_LEN {
                    return self.strlen(rng, key);
                }
                let entry = self.map.entry(key.clone()).or_insert(Entry {
                    value: Vec::new(),
                    ttl_max: None,
                });
                entry.value.extend_from_slice(&tail);
                let expect = int_len(entry.value.len());
                (vec![name(rng, "append"), key, tail], expect)
            }
            65..=68 => {
                let key = self.key(rng);
                self.strlen(rng, key)
            }
            69..=74 => {
                let key = self.key(rng);
                let (start_arg, start) = index_arg(rng, -30, 30);
                let (end_arg, end) = index_arg(rng, -30, 30);
                let expect = match (start, end) {
                    (Some(start), Some(end)) => {
                        let value = self.map.get(&key).map_or(&[][..], |e| &e.value[..]);
                        bulk(getrange(value, start, end))
                    }
                    _ => error(NOT_INTEGER),
                };
                (vec![name(rng, "getrange"), key, start_arg, end_arg], expect)
            }
            75..=80 => self.setrange(rng),
            81..=84 => {
                let key = self.key(rng);
                let expect = bulk_or_nil(self.map.remove(&key).map(|e| e.value).as_ref());
                (vec![name(rng, "getdel"), key], expect)
            }
            85..=87 => {
                let key = self.key(rng);
                let expect = if self.map.contains_key(&key) {
                    Expect::Exact(b"+string\r\n".to_vec())
                } else {
                    Expect::Exact(b"+none\r\n".to_vec())
                };
                (vec![name(rng, "type"), key], expect)
            }
            88..=92 => {
                let key = self.key(rng);
                let expect = match self.map.get(&key) {
                    None => int(-2),
                    Some(Entry { ttl_max: None, .. }) => int(-1),
                    Some(Entry {
                        ttl_max: Some(max), ..
                    }) => Expect::Ttl(*max),
                };
                (vec![name(rng, "ttl"), key], expect)
            }
            93..=95 => {
                if rng.percent(50) {
                    (
                        vec![name(rng, "ping")],
                        Expect::Exact(b"+PONG\r\n".to_vec()),
                    )
                } else {
                    let message = value(rng);
                    let expect = bulk(&message);
                    (vec![name(rng, "ping"), message], expect)
                }
            }
            96..=98 => {
                let message = value(rng);
                let expect = bulk(&message);
                (vec![name(rng, "echo"), message], expect)
            }
            _ => self.failing(rng),
        }
    }

    /// `SET key value [NX|XX] [GET] [EX s|PX ms|KEEPTTL]`, options in random order.
    fn set(&mut self, rng: &mut Rng) -> (Vec<Vec<u8>>, Expect) {
        let (key, value) = (self.key(rng), value(rng));
        let mut options: Vec<Vec<Vec<u8>>> = Vec::new();
        let (nx, xx) = match rng.below(6) {
            0 => (true, false),
            1 => (false, true),
            _ => (false, false),
        };
        if nx {
            options.push(vec![name(rng, "nx")]);
        }
        if xx {
            options.push(vec![name(rng, "xx")]);
        }
        let get = rng.percent(20);
        if get {
            options.push(vec![name(rng, "get")]);
        }
        // Deadlines far enough out that nothing expires during even a long soak.
        let (keep_ttl, ttl_max) = match rng.below(10) {
            0 | 1 => {
                let secs = rng.range(1000, 100_000);
                options.push(vec![name(rng, "ex"), secs.to_string().into_bytes()]);
                (false, Some(secs))
            }
            2 => {
                let ms = rng.range(1_000_000, 100_000_000);
                options.push(vec![name(rng, "px"), ms.to_string().into_bytes()]);
                (false, Some((ms + 500) / 1000))
            }
            3 => {
                options.push(vec![name(rng, "keepttl")]);
                (true, None)
            }
            _ => (false, None),
        };
        rng.shuffle(&mut options);

        let old = self.map.get(&key);
        let reply_get = bulk_or_nil(old.map(|e| &e.value));
        let refused = (nx && old.is_some()) || (xx && old.is_none());
        let expect = match (get, refused) {
            (true, _) => reply_get,
            (false, true) => nil(),
            (false, false) => ok(),
        };
        if !refused {
            let ttl_max = if keep_ttl {
                old.and_then(|e| e.ttl_max)
            } else {
                ttl_max
            };
            self.map.insert(
                key.clone(),
                Entry {
                    value: value.clone(),
                    ttl_max,
                },
            );
        }
        let mut args = vec![name(rng, "set"), key, value];
        args.extend(options.into_iter().flatten());
        (args, expect)
    }

    /// INCRBY's effect: a missing key counts as 0; the deadline is kept.
    fn incr_by(&mut self, key: &[u8], delta: i64) -> Expect {
        let Some(entry) = self.map.get_mut(key) else {
            self.map.insert(
                key.to_vec(),
                Entry {
                    value: delta.to_string().into_bytes(),
                    ttl_max: None,
                },
            );
            return int(delta);
        };
        match redis_integer(&entry.value).map(|old| old.checked_add(delta)) {
            None => error(NOT_INTEGER),
            Some(None) => error(OVERFLOW),
            Some(Some(new)) => {
                entry.value = new.to_string().into_bytes();
                int(new)
            }
        }
    }

    fn strlen(&mut self, rng: &mut Rng, key: Vec<u8>) -> (Vec<Vec<u8>>, Expect) {
        let expect = int_len(self.len(&key));
        (vec![name(rng, "strlen"), key], expect)
    }

    /// `SETRANGE key offset value`: zero-padded, the deadline kept, an empty value creates
    /// nothing.
    fn setrange(&mut self, rng: &mut Rng) -> (Vec<Vec<u8>>, Expect) {
        let (key, data) = (self.key(rng), value(rng));
        let (offset_arg, offset) = match rng.below(100) {
            0..=2 => (b"x".to_vec(), None),
            3..=5 => (b"-1".to_vec(), Some(-1)),
            _ => {
                let n = rng.range(0, 300);
                (n.to_string().into_bytes(), Some(n))
            }
        };
        let expect = match offset {
            None => error(NOT_INTEGER),
            Some(offset) if offset < 0 => error("ERR offset is out of range"),
            Some(_) if data.is_empty() => int_len(self.len(&key)),
            Some(offset) => {
                let offset = offset as usize;
                let end = offset + data.len();
                if end.max(self.len(&key)) > MAX_VALUE_LEN {
                    return self.strlen(rng, key);
                }
                let entry = self.map.entry(key.clone()).or_insert(Entry {
                    value: Vec::new(),
                    ttl_max: None,
                });
                if entry.value.len() < end {
                    entry.value.resize(end, 0);
                }
                entry.value[offset..end].copy_from_slice(&data);
                int_len(entry.value.len())
            }
        };
        (vec![name(rng, "setrange"), key, offset_arg, data], expect)
    }

    /// A command that must fail and change nothing.
    fn failing(&mut self, rng: &mut Rng) -> (Vec<Vec<u8>>, Expect) {
        let key = self.key(rng);
        match rng.below(5) {
            0 => (
                vec![name(rng, "get")],
                error("ERR wrong number of arguments for 'get' command"),
            ),
            1 => (
                vec![
                    name(rng, "set"),
                    key,
                    b"v".to_vec(),
                    b"NX".to_vec(),
                    b"XX".to_vec(),
                ],
                error("ERR syntax error"),
            ),
            2 => (
                vec![
                    name(rng, "set"),
                    key,
                    b"v".to_vec(),
                    b"EX".to_vec(),
                    b"0".to_vec(),
                ],
                error("ERR invalid expire time in 'set' command"),
            ),
            3 => (
                vec![
                    name(rng, "set"),
                    key,
                    b"v".to_vec(),
                    b"PX".to_vec(),
                    b"soon".to_vec(),
                ],
                error(NOT_INTEGER),
            ),
            _ => (
                vec![b"nosuchcommand".to_vec(), b"a".to_vec(), b"b".to_vec()],
                error("ERR unknown command 'nosuchcommand', with args beginning with: 'a' 'b' "),
            ),
        }
    }
}

/// The multibulk encoding of `args`, or sometimes the inline one when every argument allows it
/// (printable, no quotes, not empty).
fn encode(rng: &mut Rng, args: &[Vec<u8>], out: &mut Vec<u8>) {
    let inline_ok = args.iter().all(|a| {
        !a.is_empty()
            && a.iter()
                .all(|&b| b.is_ascii_graphic() && b != b'"' && b != b'\'')
    });
    if inline_ok && rng.percent(10) {
        out.extend_from_slice(&args.join(&b' '));
        out.extend_from_slice(if rng.percent(50) { b"\r\n" } else { b"\n" });
        return;
    }
    let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
    out.extend(common::command(&refs));
}

/// A protocol violation and Redis's reply to it. Each is complete only at its last byte, so the
/// server has read everything when it fails and closes with a FIN, not a reset.
fn garbage(rng: &mut Rng) -> (&'static [u8], &'static [u8]) {
    *rng.pick(&[
        (
            &b"*1\r\n$x\r\n"[..],
            &b"-ERR Protocol error: invalid bulk length\r\n"[..],
        ),
        (
            b"*1\r\n$-1\r\n",
            b"-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*x\r\n",
            b"-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"*2\r\n:5\r\n",
            b"-ERR Protocol error: expected '$', got ':'\r\n",
        ),
        (
            b"ECHO \"unbalanced\r\n",
            b"-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
    ])
}

/// A short printable rendering of some bytes.
fn show(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(300)];
    let more = if bytes.len() > head.len() {
        format!("... ({} bytes)", bytes.len())
    } else {
        String::new()
    };
    format!("\"{}\"{more}", head.escape_ascii())
}

fn show_command(args: &[Vec<u8>]) -> String {
    let parts: Vec<String> = args
        .iter()
        .map(|a| {
            let head = &a[..a.len().min(60)];
            let more = if a.len() > head.len() { "..." } else { "" };
            format!("{}{more}", head.escape_ascii())
        })
        .collect();
    parts.join(" ")
}

// ---- One client connection ----

/// How the current pipeline ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Every reply is read and checked; the next pipeline follows on the same connection.
    Normal,
    /// Close after sending this many bytes, mid-pipeline.
    Drop(usize),
    /// Send everything, then close as soon as reply bytes are waiting unread: an RST.
    Reset,
    /// Garbage after the commands: their replies, the protocol error, then EOF.
    Garbage,
    /// QUIT after the commands: their replies, `+OK`, then EOF.
    Quit,
    /// Check every reply, then close.
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Connecting,
    /// Connected, between pipelines.
    Idle,
    /// A pipeline is being sent and its replies read.
    Busy,
    Closed,
}

/// One expected reply and the command it answers.
struct Pending {
    index: usize,
    args: Vec<Vec<u8>>,
    expect: Expect,
}

struct Conn {
    thread: usize,
    slot: usize,
    generation: u64,
    rng: Rng,
    model: Model,
    /// Keys of a generation abandoned after a drop or reset, deleted by the next pipeline.
    stale: Vec<Vec<u8>>,
    stream: Option<TcpStream>,
    state: State,
    /// Counted in `Ctx::opening` until the first reply byte arrives.
    opening: bool,
    fate: Fate,
    pipeline: u64,
    commands: usize,
    out: Vec<u8>,
    sent: usize,
    input: Vec<u8>,
    pending: VecDeque<Pending>,
    eof: bool,
    /// The connection fails the test if it makes no progress by then.
    deadline: Instant,
}

/// What a client thread lends a connection while driving it.
struct Ctx<'a> {
    registry: Registry,
    shared: &'a Shared,
    stopping: bool,
    stats: &'a mut Stats,
    /// Connections that paused between two pieces and must be driven again next turn.
    again: &'a mut Vec<usize>,
    /// Connections waiting to (re)connect, opened as `opening` allows.
    waiting: VecDeque<usize>,
    /// Connections opening now (see [`MAX_OPENING`]).
    opening: usize,
    buf: &'a mut [u8],
}

fn would_block(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::WouldBlock
}

fn interrupted(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::Interrupted
}

impl Conn {
    fn new(seed: u64, thread: usize, slot: usize) -> Conn {
        let mut rng = Rng::new(seed ^ ((thread as u64) << 48) ^ ((slot as u64) << 16));
        // Mix once so neighbouring slots do not start from neighbouring states.
        rng.next();
        Conn {
            thread,
            slot,
            generation: 0,
            rng,
            model: Model::new(thread, slot, 0),
            stale: Vec::new(),
            stream: None,
            state: State::Closed,
            opening: false,
            fate: Fate::Normal,
            pipeline: 0,
            commands: 0,
            out: Vec::new(),
            sent: 0,
            input: Vec::new(),
            pending: VecDeque::new(),
            eof: false,
            deadline: Instant::now() + IO_TIMEOUT,
        }
    }

    fn open(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        let mut stream =
            TcpStream::connect(ctx.shared.addr).map_err(|e| self.fail(&format!("connect: {e}")))?;
        ctx.registry
            .register(
                &mut stream,
                Token(self.slot),
                Interest::READABLE | Interest::WRITABLE,
            )
            .map_err(|e| self.fail(&format!("register: {e}")))?;
        self.stream = Some(stream);
        let open = ctx.shared.open.fetch_add(1, Ordering::Relaxed) + 1;
        ctx.shared.peak_open.fetch_max(open, Ordering::Relaxed);
        self.state = State::Connecting;
        self.opening = true;
        ctx.opening += 1;
        self.input.clear();
        self.pending.clear();
        self.eof = false;
        self.deadline = Instant::now() + IO_TIMEOUT;
        ctx.stats.connects += 1;
        Ok(())
    }

    fn close(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(mut stream) = self.stream.take() {
            let _ = ctx.registry.deregister(&mut stream);
            ctx.shared.open.fetch_sub(1, Ordering::Relaxed);
        }
        self.state = State::Closed;
        self.opened(ctx);
    }

    /// The connection is through the listen backlog (or gone): it no longer counts as opening.
    fn opened(&mut self, ctx: &mut Ctx<'_>) {
        if self.opening {
            self.opening = false;
            ctx.opening -= 1;
        }
    }

    /// Close, then (unless the run is ending) reconnect. `forget` abandons the model: what the
    /// server ran of the last pipeline is unknown, so a new generation of keys starts.
    fn replace(&mut self, ctx: &mut Ctx<'_>, forget: bool) -> Result<(), String> {
        self.close(ctx);
        if forget {
            self.stale = std::mem::take(&mut self.model.keys);
            self.generation += 1;
            self.model = Model::new(self.thread, self.slot, self.generation);
        }
        if !ctx.stopping {
            ctx.waiting.push_back(self.slot);
        }
        Ok(())
    }

    fn fail(&self, what: &str) -> String {
        format!(
            "connection {}/{} (generation {}, pipeline {}): {what}",
            self.thread, self.slot, self.generation, self.pipeline
        )
    }

    /// Build the next pipeline: its bytes, the replies they must get, and how it ends.
    fn start_pipeline(&mut self, ctx: &mut Ctx<'_>) {
        self.pipeline += 1;
        ctx.stats.pipelines += 1;
        self.out.clear();
        self.sent = 0;
        self.pending.clear();
        let rng = &mut self.rng;
        if !self.stale.is_empty() {
            let mut args = vec![b"DEL".to_vec()];
            args.append(&mut self.stale);
            encode(rng, &args, &mut self.out);
            self.pending.push_back(Pending {
                index: 0,
                args,
                expect: Expect::AnyInteger,
            });
        }
        let count = 1 + rng.below(MAX_PIPELINE) as usize;
        for _ in 0..count {
            let (args, expect) = self.model.command(rng);
            encode(rng, &args, &mut self.out);
            let index = self.pending.len();
            self.pending.push_back(Pending {
                index,
                args,
                expect,
            });
        }
        // Cumulative per-mille bands: [drop | reset | garbage | quit | close | normal ...].
        let shared = ctx.shared;
        let ramped = shared.peak_open.load(Ordering::Relaxed) >= shared.target
            || Instant::now() >= shared.ramped_by;
        let roll = if ramped { rng.below(1000) } else { 999 };
        let mut edge = 0;
        let mut within = |per_mille: u64| {
            edge += per_mille;
            roll < edge
        };
        // A closing request (garbage, QUIT) is the pipeline's last; its two expectations (a reply,
        // then EOF) share its index.
        let last = self.pending.len();
        self.fate = if within(PER_MILLE_DROP) {
            Fate::Drop(1 + rng.index(self.out.len() - 1))
        } else if within(PER_MILLE_RESET) {
            Fate::Reset
        } else if within(PER_MILLE_GARBAGE) {
            let (bytes, reply) = garbage(rng);
            self.out.extend_from_slice(bytes);
            for expect in [Expect::Exact(reply.to_vec()), Expect::Eof] {
                self.pending.push_back(Pending {
                    index: last,
                    args: vec![bytes.to_vec()],
                    expect,
                });
            }
            Fate::Garbage
        } else if within(PER_MILLE_QUIT) {
            let args = vec![name(rng, "quit")];
            encode(rng, &args, &mut self.out);
            for expect in [ok(), Expect::Eof] {
                self.pending.push_back(Pending {
                    index: last,
                    args: args.clone(),
                    expect,
                });
            }
            Fate::Quit
        } else if within(PER_MILLE_CLOSE) {
            Fate::Close
        } else {
            Fate::Normal
        };
        self.commands = self.pending.back().map_or(0, |p| p.index + 1);
        self.state = State::Busy;
        self.deadline = Instant::now() + IO_TIMEOUT;
    }

    /// Make whatever progress the socket allows. Harmless to call without an event.
    fn drive(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        loop {
            match self.state {
                State::Closed => return Ok(()),
                State::Connecting => {
                    let Some(stream) = &self.stream else {
                        return Ok(());
                    };
                    if let Ok(Some(e)) | Err(e) = stream.take_error() {
                        return Err(self.fail(&format!("connect failed: {e}")));
                    }
                    match stream.peer_addr() {
                        Ok(_) => {
                            // Each write goes out as its own segment: the splits reach the server.
                            let _ = stream.set_nodelay(true);
                            self.state = State::Idle;
                        }
                        // Not yet: the expected answer while the handshake is in flight.
                        Err(e) if e.kind() == io::ErrorKind::NotConnected => return Ok(()),
                        Err(e) => return Err(self.fail(&format!("connect failed: {e}"))),
                    }
                }
                State::Idle => {
                    if ctx.stopping {
                        self.close(ctx);
                        return Ok(());
                    }
                    self.start_pipeline(ctx);
                }
                State::Busy => {
                    if !self.pump(ctx)? {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Send and receive; `true` once the pipeline is over (the state has moved on).
    fn pump(&mut self, ctx: &mut Ctx<'_>) -> Result<bool, String> {
        let limit = match self.fate {
            Fate::Drop(cut) => cut,
            _ => self.out.len(),
        };
        self.send(ctx, limit)?;
        match self.fate {
            Fate::Drop(_) => {
                if self.sent < limit {
                    return Ok(false);
                }
                // Read what has come, so the close is usually a FIN, not a reset.
                self.receive(ctx)?;
                ctx.stats.drops += 1;
                self.replace(ctx, true)?;
                return Ok(true);
            }
            Fate::Reset => {
                if self.sent < limit {
                    return Ok(false);
                }
                let mut byte = [0u8; 1];
                let stream = self.stream.as_ref().ok_or("no stream")?;
                match stream.peek(&mut byte) {
                    Ok(0) => return Err(self.fail("EOF while replies were owed")),
                    Ok(_) => {
                        // Closing with unread bytes makes the kernel send RST.
                        ctx.stats.resets += 1;
                        self.replace(ctx, true)?;
                        return Ok(true);
                    }
                    Err(e) if would_block(&e) || interrupted(&e) => return Ok(false),
                    Err(e) => return Err(self.fail(&format!("peek failed: {e}"))),
                }
            }
            _ => {}
        }
        self.receive(ctx)?;
        self.check(ctx)?;
        if self.sent < limit || !self.pending.is_empty() {
            return Ok(false);
        }
        match self.fate {
            Fate::Normal => self.state = State::Idle,
            Fate::Close => {
                ctx.stats.closes += 1;
                self.replace(ctx, false)?;
            }
            Fate::Garbage => {
                ctx.stats.garbage += 1;
                self.replace(ctx, false)?;
            }
            Fate::Quit => {
                ctx.stats.quits += 1;
                self.replace(ctx, false)?;
            }
            Fate::Drop(_) | Fate::Reset => unreachable!("handled above"),
        }
        Ok(true)
    }

    /// Write the pipeline up to `limit` in random-sized pieces, until the socket is full or a
    /// random pause (then the connection is driven again next turn).
    fn send(&mut self, ctx: &mut Ctx<'_>, limit: usize) -> Result<(), String> {
        while self.sent < limit {
            let piece = match self.rng.below(100) {
                0..=14 => 1,
                15..=49 => 1 + self.rng.index(16),
                50..=79 => 1 + self.rng.index(256),
                _ => usize::MAX,
            };
            let end = limit.min(self.sent.saturating_add(piece));
            let stream = self.stream.as_mut().ok_or("no stream")?;
            match stream.write(&self.out[self.sent..end]) {
                Ok(0) => return Err(self.fail("write returned 0")),
                Ok(n) => {
                    self.sent += n;
                    ctx.stats.bytes_sent += n as u64;
                    self.deadline = Instant::now() + IO_TIMEOUT;
                    // No pause before the first reply: an opening connection should get
                    // through quickly, so the ramp up is fast.
                    if self.sent < limit && !self.opening && self.rng.percent(PAUSE_PERCENT) {
                        ctx.again.push(self.slot);
                        break;
                    }
                }
                // The socket is full: a WRITABLE event will come.
                Err(e) if would_block(&e) => break,
                Err(e) if interrupted(&e) => {}
                Err(e) => {
                    let what = format!("write failed after {} bytes: {e}", self.sent);
                    return Err(self.fail(&what));
                }
            }
        }
        Ok(())
    }

    /// Read until the socket is empty (or EOF).
    fn receive(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        while !self.eof {
            let stream = self.stream.as_mut().ok_or("no stream")?;
            match stream.read(ctx.buf) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    self.opened(ctx);
                    self.input.extend_from_slice(&ctx.buf[..n]);
                    ctx.stats.bytes_received += n as u64;
                    self.deadline = Instant::now() + IO_TIMEOUT;
                }
                Err(e) if would_block(&e) => break,
                Err(e) if interrupted(&e) => {}
                Err(e) => {
                    let what = match self.pending.front() {
                        Some(p) => format!(
                            "read failed ({e}) waiting for the reply to command {} of {}: {}",
                            p.index + 1,
                            self.commands,
                            show_command(&p.args)
                        ),
                        None => format!("read failed ({e})"),
                    };
                    return Err(self.fail(&what));
                }
            }
        }
        Ok(())
    }

    /// Match the bytes received against the replies expected, in order.
    fn check(&mut self, ctx: &mut Ctx<'_>) -> Result<(), String> {
        let mut at = 0;
        while let Some(pending) = self.pending.front() {
            let have = &self.input[at..];
            let used = match &pending.expect {
                Expect::Exact(want) => {
                    let n = have.len().min(want.len());
                    if have[..n] != want[..n] {
                        return Err(self.mismatch(pending, have));
                    }
                    if have.len() < want.len() {
                        break;
                    }
                    want.len()
                }
                Expect::Ttl(_) | Expect::AnyInteger => {
                    let Some(eol) = have.windows(2).position(|w| w == b"\r\n") else {
                        if have.len() > 24 || have.first().is_some_and(|&b| b != b':') {
                            return Err(self.mismatch(pending, have));
                        }
                        break;
                    };
                    let n = have
                        .strip_prefix(b":")
                        .and_then(|rest| redis_integer(&rest[..eol - 1]));
                    let fits = match (&pending.expect, n) {
                        (Expect::Ttl(max), Some(n)) => (1..=*max).contains(&n),
                        (_, n) => n.is_some(),
                    };
                    if !fits {
                        return Err(self.mismatch(pending, have));
                    }
                    eol + 2
                }
                Expect::Eof => {
                    if !have.is_empty() {
                        return Err(self.mismatch(pending, have));
                    }
                    if !self.eof {
                        break;
                    }
                    0
                }
            };
            at += used;
            if !matches!(pending.expect, Expect::Eof) {
                ctx.stats.replies_checked += 1;
            }
            self.pending.pop_front();
        }
        self.input.drain(..at);
        if self.eof
            && let Some(pending) = self.pending.front()
        {
            let what = format!(
                "the server closed the connection with {} replies owed; next: command {} of {}: \
                 {}\n  expected: {}\n  got:      {} then EOF",
                self.pending.len(),
                pending.index + 1,
                self.commands,
                show_command(&pending.args),
                pending.expect.describe(),
                show(&self.input)
            );
            return Err(self.fail(&what));
        }
        Ok(())
    }

    fn mismatch(&self, pending: &Pending, have: &[u8]) -> String {
        // Enough of what arrived to see the reply that should have been there.
        let wanted = match &pending.expect {
            Expect::Exact(want) => want.len(),
            _ => 0,
        };
        let have = &have[..have.len().min(wanted.max(48) + 16)];
        let what = format!(
            "reply mismatch for command {} of {} in the pipeline\n  command:  {}\n  expected: \
             {}\n  got:      {}",
            pending.index + 1,
            self.commands,
            show_command(&pending.args),
            pending.expect.describe(),
            show(have)
        );
        self.fail(&what)
    }

    fn stalled(&self) -> String {
        let what = match (self.state, self.pending.front()) {
            (State::Connecting, _) => "no connection within the timeout".to_string(),
            (_, Some(pending)) => format!(
                "stalled: {} of {} bytes sent, waiting for the reply to command {} of {}: {}\n  \
                 expected: {}\n  got so far: {}",
                self.sent,
                self.out.len(),
                pending.index + 1,
                self.commands,
                show_command(&pending.args),
                pending.expect.describe(),
                show(&self.input)
            ),
            (state, None) => format!(
                "stalled in state {state:?} ({:?}), {} of {} bytes sent",
                self.fate,
                self.sent,
                self.out.len()
            ),
        };
        self.fail(&what)
    }
}

// ---- One client thread: a mio loop over its connections ----

struct ClientThread;

impl ClientThread {
    fn run(shared: &Shared, thread: usize, count: usize) -> Result<Stats, String> {
        let mut poll = Poll::new().map_err(|e| format!("Poll::new: {e}"))?;
        let registry = poll
            .registry()
            .try_clone()
            .map_err(|e| format!("Registry::try_clone: {e}"))?;
        let mut events = Events::with_capacity(1024);
        let mut conns: Vec<Conn> = (0..count)
            .map(|slot| Conn::new(shared.seed, thread, slot))
            .collect();
        let mut stats = Stats::default();
        let mut again = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut ready = Vec::new();
        let mut last_sweep = Instant::now();
        let mut ctx = Ctx {
            registry,
            shared,
            stopping: false,
            stats: &mut stats,
            again: &mut again,
            waiting: VecDeque::new(),
            opening: 0,
            buf: &mut buf,
        };
        ctx.waiting.extend(0..count);
        loop {
            if shared.failed.load(Ordering::Relaxed) {
                return Err(format!("client thread {thread}: {STOPPED}"));
            }
            let now = Instant::now();
            if now >= shared.end && !ctx.stopping {
                // Time is up: connections finish their pipeline, then close.
                ctx.stopping = true;
                ctx.waiting.clear();
                for conn in &mut conns {
                    if conn.state == State::Connecting {
                        conn.close(&mut ctx);
                    }
                }
            }
            while ctx.opening < MAX_OPENING / shared.threads
                && let Some(slot) = ctx.waiting.pop_front()
            {
                conns[slot].open(&mut ctx)?;
            }
            if ctx.waiting.is_empty() && conns.iter().all(|c| c.state == State::Closed) {
                break;
            }
            let timeout = if ctx.again.is_empty() {
                Duration::from_millis(20)
            } else {
                Duration::from_millis(1)
            };
            match poll.poll(&mut events, Some(timeout)) {
                Ok(()) => {}
                Err(e) if interrupted(&e) => continue,
                Err(e) => return Err(format!("poll: {e}")),
            }
            ready.clear();
            ready.extend(events.iter().map(|e| e.token().0));
            ready.append(ctx.again);
            for &slot in &ready {
                conns[slot].drive(&mut ctx)?;
            }
            if now.duration_since(last_sweep) >= Duration::from_millis(200) {
                last_sweep = now;
                if let Some(conn) = conns
                    .iter()
                    .find(|c| c.state != State::Closed && now > c.deadline)
                {
                    return Err(conn.stalled());
                }
            }
        }
        Ok(stats)
    }
}
