//! `MEMORY USAGE key [SAMPLES count]` and `MEMORY HELP`: how many bytes a key costs.
//!
//! Redis answers with `objectComputeSize`: the allocator's size of every allocation behind the
//! value, where an aggregate's elements are *sampled* (the first `count` of them, default 5,
//! `0` = all) and their average multiplied by the element count, plus the key and its slot in
//! the main dictionary. The estimate here is built the same way from this server's own
//! layout: the key (its bytes and the `Rc` header), the keyspace entry and its index slots,
//! the `Value` itself, and the value's heap bytes as each type reports them
//! ([`crate::server::keyspace::db::Value::memory_usage`]). Requested sizes, not allocator classes: there
//! is no allocator introspection here, so the number is a lower bound of what the allocator
//! holds, comparable across keys and with Redis's to within its size-class rounding.
//!
//! `STATS` answers Redis's 27 fields and one entry per database that holds keys, from
//! `used_memory` (the allocator's count, [`crate::server::evict`]), the resident set, and what
//! the keyspace knows its own structures take; the allocator's internal split (active and
//! retained pages), which jemalloc reports to Redis and the system allocator does not, is
//! reported as none, all of the resident set's excess as fragmentation. `DOCTOR` applies
//! Redis's rules to those figures and answers in Redis's words. `MALLOC-STATS` and `PURGE` are
//! jemalloc's and are not offered (`unknown subcommand`; HELP lists only what is here).

use crate::resp::{Request, reply};

use crate::server::State;
use crate::server::args::{Args, is_option};
use crate::server::command::{Command, Exec};
use crate::server::spec::KeySpec;

/// Redis's default number of sampled elements.
const DEFAULT_SAMPLES: usize = 5;

pub fn memory(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    exec.run_subcommand("MEMORY", MEMORY, req);
}

#[rustfmt::skip]
pub(super) const MEMORY: &[Command] = &[
    Command::new("memory|usage", -3, &["readonly"], memory_usage).keys(&[KeySpec::index(2, &["RO"])]),
    Command::new("memory|stats", 2, &[], memory_stats).tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
    Command::new("memory|doctor", 2, &[], memory_doctor).tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
    Command::new("memory|help", 2, &["loading", "stale"], memory_help),
];

fn memory_help(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.help(
        "memory",
        &[
            "DOCTOR",
            "    Return memory problems reports.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    );
}

/// `MEMORY USAGE key [SAMPLES count]`.
fn memory_usage(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    // Options first, as Redis: `SAMPLES n` (n >= 0; 0 = every element), anything else a
    // syntax error.
    let mut samples = DEFAULT_SAMPLES;
    let mut args = Args::new(req, 3);
    while let Some(option) = args.next() {
        if is_option(option, "samples") && args.remaining() > 0 {
            let n = match args.int() {
                Ok(n) => n,
                Err(message) => return exec.error(message),
            };
            if n < 0 {
                return exec.syntax_error();
            }
            samples = if n == 0 { usize::MAX } else { n as usize };
        } else {
            return exec.syntax_error();
        }
    }
    let key = req.arg(2);
    match exec.state.db.memory_usage(key, samples, exec.now_ms) {
        Some(bytes) => exec.integer(bytes as i64),
        None => exec.null(),
    }
}

/// What MEMORY STATS and MEMORY DOCTOR are computed from (Redis's `redisMemOverhead`).
struct Overhead {
    peak: u64,
    total: u64,
    startup: u64,
    rss: u64,
    lua_caches: u64,
    functions_caches: u64,
    /// Each database holding keys: its number, its table's and its deadlines' bytes, keys.
    dbs: Vec<(usize, u64, u64, u64)>,
    overhead: u64,
    keys: u64,
    scripts: usize,
}

impl Overhead {
    fn of(state: &mut State) -> Overhead {
        crate::server::commands::admin::info::sample_memory(state);
        let memory = &state.memory;
        let (_, lua_caches, scripts) = crate::server::commands::scripting::memory(state);
        let functions_caches = state.functions.as_ref().map_or(0, |f| f.memory().1);
        let dbs: Vec<(usize, u64, u64, u64)> = state
            .dbs()
            .filter(|(_, db)| !db.is_empty())
            .map(|(id, db)| {
                let (main, expires) = db.overhead();
                (id, main as u64, expires as u64, db.len() as u64)
            })
            .collect();
        let startup = memory.startup.min(memory.now);
        let overhead = startup
            + (lua_caches + functions_caches) as u64
            + dbs.iter().map(|d| d.1 + d.2).sum::<u64>();
        Overhead {
            peak: memory.peak.max(memory.now),
            total: memory.now,
            startup,
            rss: memory.rss,
            lua_caches: lua_caches as u64,
            functions_caches: functions_caches as u64,
            keys: dbs.iter().map(|d| d.3).sum(),
            dbs,
            overhead,
            scripts,
        }
    }

    /// The resident set over what is allocated.
    fn fragmentation(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.rss as f64 / self.total as f64
        }
    }
}

/// `MEMORY STATS`: Redis's fields, in its order (doubles as `%.17g` bulk strings, a database as
/// a nested array of its three figures).
fn memory_stats(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    let m = Overhead::of(exec.state);
    let net = m.total.saturating_sub(m.startup);
    let dataset = m.total.saturating_sub(m.overhead);
    let percent = |part: u64, whole: u64| {
        if whole == 0 {
            0.0
        } else {
            part as f64 * 100.0 / whole as f64
        }
    };
    let out = &mut *exec.out;
    let int = |out: &mut Vec<u8>, name: &str, n: u64| {
        reply::bulk(out, name.as_bytes());
        reply::integer(out, n as i64);
    };
    let double = |out: &mut Vec<u8>, name: &str, x: f64| {
        reply::bulk(out, name.as_bytes());
        let mut text = String::new();
        crate::resp::number::format_g(&mut text, x, 17);
        reply::bulk(out, text.as_bytes());
    };
    reply::array(out, 2 * (27 + m.dbs.len()));
    int(out, "peak.allocated", m.peak);
    int(out, "total.allocated", m.total);
    int(out, "startup.allocated", m.startup);
    for name in ["replication.backlog", "clients.slaves", "clients.normal"] {
        int(out, name, 0);
    }
    int(out, "cluster.links", 0);
    int(out, "aof.buffer", 0);
    int(out, "lua.caches", m.lua_caches);
    int(out, "functions.caches", m.functions_caches);
    for &(id, main, expires, _) in &m.dbs {
        reply::bulk(out, format!("db.{id}").as_bytes());
        reply::array(out, 6);
        int(out, "overhead.hashtable.main", main);
        int(out, "overhead.hashtable.expires", expires);
        int(out, "overhead.hashtable.slot-to-keys", 0);
    }
    int(out, "overhead.total", m.overhead);
    int(out, "keys.count", m.keys);
    int(
        out,
        "keys.bytes-per-key",
        net.checked_div(m.keys).unwrap_or(0),
    );
    int(out, "dataset.bytes", dataset);
    double(out, "dataset.percentage", percent(dataset, net));
    double(out, "peak.percentage", percent(m.total, m.peak));
    int(out, "allocator.allocated", m.total);
    int(out, "allocator.active", m.rss);
    int(out, "allocator.resident", m.rss);
    double(out, "allocator-fragmentation.ratio", 1.0);
    int(out, "allocator-fragmentation.bytes", 0);
    double(out, "allocator-rss.ratio", m.fragmentation());
    int(out, "allocator-rss.bytes", m.rss.saturating_sub(m.total));
    double(out, "rss-overhead.ratio", 1.0);
    int(out, "rss-overhead.bytes", 0);
    double(out, "fragmentation", m.fragmentation());
    int(out, "fragmentation.bytes", m.rss.saturating_sub(m.total));
}

/// `MEMORY DOCTOR`: Redis's checks (`getMemoryDoctorReport`) on the figures MEMORY STATS shows,
/// in Redis's words: an instance under 5 MB is too empty to judge; a peak over 150% of what is
/// used, a resident set over 1.4 times it (and 10 MB more), more than 1,000 cached scripts
/// are reported. (The allocator's own split, replicas and client buffers have nothing to say
/// here: see the module docs.)
fn memory_doctor(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    let m = Overhead::of(exec.state);
    let empty = m.total < 5 * 1024 * 1024;
    let big_peak = !empty && m.peak as f64 / m.total as f64 > 1.5;
    let high_frag = !empty && m.fragmentation() > 1.4 && m.rss.saturating_sub(m.total) > 10 << 20;
    let many_scripts = !empty && m.scripts > 1000;
    let text = if empty {
        "Hi Sam, this instance is empty or is using very little memory, my issues detector \
         can't be used in these conditions. Please, leave for your mission on Earth and fill \
         it with some data. The new Sam and I will be back to our programming as soon as I \
         finished rebooting.\n"
            .to_string()
    } else if !(big_peak || high_frag || many_scripts) {
        "Hi Sam, I can't find any memory issue in your instance. I can only account for what \
         occurs on this base.\n"
            .to_string()
    } else {
        let mut text = String::from(
            "Sam, I detected a few issues in this Redis instance memory implants:\n\n",
        );
        if big_peak {
            text.push_str(DOCTOR_PEAK);
        }
        if high_frag {
            text.push_str(DOCTOR_FRAGMENTATION);
        }
        if many_scripts {
            text.push_str(DOCTOR_SCRIPTS);
        }
        text.push_str("I'm here to keep you safe, Sam. I want to help you.\n");
        text
    };
    exec.bulk(text.as_bytes());
}

const DOCTOR_PEAK: &str = " * Peak memory: In the past this instance used more than 150% the \
    memory that is currently using. The allocator is normally not able to release memory after \
    a peak, so you can expect to see a big fragmentation ratio, however this is actually \
    harmless and is only due to the memory peak, and if the Redis instance Resident Set Size \
    (RSS) is currently bigger than expected, the memory will be used as soon as you fill the \
    Redis instance with more data. If the memory peak was only occasional and you want to try \
    to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is \
    to shutdown and restart the instance.\n\n";

const DOCTOR_FRAGMENTATION: &str = " * High total RSS: This instance has a memory fragmentation \
    and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis \
    process is much larger than the sum of the logical allocations Redis performed). This \
    problem is usually due either to a large peak memory (check if there is a peak memory entry \
    above in the report) or may result from a workload that causes the allocator to fragment \
    memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, \
    make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The \
    currently used allocator is \"libc\".\n\n";

const DOCTOR_SCRIPTS: &str = " * Many scripts: There seem to be many cached scripts in this \
    instance (more than 1000). This may be because scripts are generated and `EVAL`ed, instead \
    of being parameterized (with KEYS and ARGV), `SCRIPT LOAD`ed and `EVALSHA`ed. Unless \
    `SCRIPT FLUSH` is called periodically, the scripts' caches may end up consuming most of \
    your memory.\n\n";
