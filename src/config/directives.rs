//! The directives `reactor-server` understands, in one table: each has the redis.conf name it
//! mirrors, the values it takes, and the one function that parses them into a [`Config`].
//!
//! Redis turns its command line into config-file lines (`--port 7000` becomes `port "7000"`)
//! and reads both through one parser; so do we. That is why a flag, a line of a config file
//! ([`crate::config::file`]) and (for the parameters it can change) `CONFIG SET` accept exactly the same
//! values, `1mb` as well as `1048576`, and fail with the same Redis words, shown the way Redis
//! shows a bad line at start-up:
//!
//! ```text
//! *** FATAL CONFIG FILE ERROR (reactor 0.1.0) ***
//! Reading the configuration file, at line 2
//! >>> 'client-query-buffer-limit "1xb"'
//! argument must be a memory value
//! ```
//!
//! A few directives are ours, not Redis's (`output-high-water`, `shutdown-grace-ms` and the
//! `fault-*` switches): they are marked so in `--help`.
//!
//! Redis counterpart: `config.c` (`loadServerConfigFromString`, the `standardConfig` table) and
//! the argument loop of `main` in `server.c`.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use log::LevelFilter;

use crate::config::redis_directives::is_redis_directive;
use crate::config::tls::AuthClients;
use crate::config::units::{parse_bool, parse_integer, parse_size};
use crate::config::{Config, Policy};
use crate::reactor::OutputLimit;

/// Redis's `LONG_MAX` upper bound for sizes.
const SIZE_MAX: i64 = i64::MAX;
/// Smallest `proto-max-bulk-len` and `client-query-buffer-limit` Redis accepts (1 MiB).
const MIN_BUFFER_LIMIT: i64 = 1024 * 1024;
const INT_MAX: i64 = i32::MAX as i64;
const INT_MIN: i64 = i32::MIN as i64;

/// Redis 7.0's old names: the listpack thresholds (the encoding was a ziplist before 7.0) and
/// `lua-time-limit` (before functions, only Lua scripts could be busy); both spellings are
/// one parameter.
const ALIASES: &[(&str, &str)] = &[
    ("hash-max-ziplist-entries", "hash-max-listpack-entries"),
    ("hash-max-ziplist-value", "hash-max-listpack-value"),
    ("list-max-ziplist-size", "list-max-listpack-size"),
    ("zset-max-ziplist-entries", "zset-max-listpack-entries"),
    ("zset-max-ziplist-value", "zset-max-listpack-value"),
    ("lua-time-limit", "busy-reply-threshold"),
];

/// One directive: its name, how many values it takes, and how they set a [`Config`].
pub struct Directive {
    /// The redis.conf name (lower case), also the flag's name after `--`.
    pub name: &'static str,
    /// What the values look like, for `--help`.
    pub values: &'static str,
    /// One line for `--help`; ours-only directives say so.
    pub help: &'static str,
    /// Fewest and most values (`usize::MAX`: any number).
    arity: (usize, usize),
    set: fn(&mut Config, &[&[u8]]) -> Result<(), String>,
    /// The value in a [`Config`], as redis.conf arguments (what CONFIG GET shows, joined with
    /// spaces, and what CONFIG REWRITE writes).
    pub get: fn(&Config) -> Vec<String>,
}

/// Every directive, in the order `--help` lists them.
pub const DIRECTIVES: &[Directive] = &[
    Directive {
        name: "bind",
        values: "ADDR [ADDR ...]",
        help: "addresses to listen on, up to 16; a leading '-' marks one optional, as Redis",
        arity: (1, usize::MAX),
        get: |c| {
            let also = c
                .bind_also
                .iter()
                .map(|&(ip, optional)| format!("{}{ip}", if optional { "-" } else { "" }));
            std::iter::once(c.bind.to_string()).chain(also).collect()
        },
        set: set_bind,
    },
    Directive {
        name: "port",
        values: "N",
        help: "TCP port, 0 = any free one (default 6380)",
        arity: (1, 1),
        get: |c| vec![c.port.to_string()],
        set: |c, v| {
            c.port = parse_integer(v[0], 0, 65535)? as u16;
            Ok(())
        },
    },
    Directive {
        name: "requirepass",
        values: "PASSWORD",
        help: "clients must AUTH with this password first (\"\" = none)",
        arity: (1, 1),
        get: |c| {
            vec![String::from_utf8_lossy(c.requirepass.as_deref().unwrap_or_default()).into_owned()]
        },
        set: |c, v| {
            c.requirepass = (!v[0].is_empty()).then(|| v[0].to_vec());
            Ok(())
        },
    },
    Directive {
        name: "protected-mode",
        values: "yes|no",
        help: "refuse non-loopback clients while no password is set (default yes)",
        arity: (1, 1),
        get: |c| vec![yes_no(c.protected_mode)],
        set: |c, v| {
            c.protected_mode = parse_bool(v[0])?;
            Ok(())
        },
    },
    Directive {
        name: "maxclients",
        values: "N",
        help: "most simultaneous clients (default 10000)",
        arity: (1, 1),
        get: |c| vec![c.maxclients.to_string()],
        set: |c, v| {
            c.maxclients = parse_integer(v[0], 1, u32::MAX.into())? as usize;
            Ok(())
        },
    },
    Directive {
        name: "tcp-backlog",
        values: "N",
        help: "connections waiting to be accepted (default 511)",
        arity: (1, 1),
        get: |c| vec![c.tcp_backlog.to_string()],
        set: |c, v| {
            c.tcp_backlog = parse_integer(v[0], 0, INT_MAX)? as i32;
            Ok(())
        },
    },
    Directive {
        name: "timeout",
        values: "SECONDS",
        help: "close clients idle this long, 0 = never (default 0)",
        arity: (1, 1),
        get: |c| vec![c.timeout_secs.to_string()],
        set: |c, v| {
            c.timeout_secs = parse_integer(v[0], 0, INT_MAX)? as u64;
            Ok(())
        },
    },
    Directive {
        name: "slowlog-log-slower-than",
        values: "MICROSECONDS",
        help: "log commands that run this long in SLOWLOG, 0 = all, -1 = none (default 10000)",
        arity: (1, 1),
        get: |c| vec![c.slowlog_log_slower_than.to_string()],
        set: |c, v| {
            c.slowlog_log_slower_than = parse_integer(v[0], -1, i64::MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "databases",
        values: "N",
        help: "numbered databases SELECT chooses from (default 16)",
        arity: (1, 1),
        get: |c| vec![c.databases.to_string()],
        set: |c, v| {
            c.databases = parse_integer(v[0], 1, INT_MAX)? as usize;
            Ok(())
        },
    },
    Directive {
        name: "slowlog-max-len",
        values: "N",
        help: "entries the slow log keeps (default 128)",
        arity: (1, 1),
        get: |c| vec![c.slowlog_max_len.to_string()],
        set: |c, v| {
            c.slowlog_max_len = parse_integer(v[0], 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Directive {
        name: "maxmemory",
        values: "SIZE",
        help: "evict keys (or refuse writes: maxmemory-policy) past this much memory, 0 = no limit (default 0)",
        arity: (1, 1),
        get: |c| vec![c.eviction.maxmemory.to_string()],
        set: |c, v| {
            c.eviction.maxmemory = parse_size(v[0], 0, SIZE_MAX)? as u64;
            Ok(())
        },
    },
    Directive {
        name: "maxmemory-policy",
        values: "POLICY",
        help: "which keys go past maxmemory: allkeys-lru, volatile-ttl, ... (default noeviction)",
        arity: (1, 1),
        get: |c| vec![c.eviction.policy.name().into()],
        set: |c, v| {
            c.eviction.policy = Policy::ALL
                .into_iter()
                .find(|p| v[0].eq_ignore_ascii_case(p.name().as_bytes()))
                .ok_or_else(|| {
                    let names: Vec<&str> = Policy::ALL.iter().map(|p| p.name()).collect();
                    format!(
                        "argument(s) must be one of the following: {}",
                        names.join(", ")
                    )
                })?;
            Ok(())
        },
    },
    Directive {
        name: "maxmemory-samples",
        values: "N",
        help: "keys sampled per database per eviction round (default 5)",
        arity: (1, 1),
        get: |c| vec![c.eviction.samples.to_string()],
        set: |c, v| {
            c.eviction.samples = parse_integer(v[0], 1, INT_MAX)? as usize;
            Ok(())
        },
    },
    Directive {
        name: "maxmemory-eviction-tenacity",
        values: "N",
        help: "how long a command may evict before the timer takes over, 0-100 (default 10)",
        arity: (1, 1),
        get: |c| vec![c.eviction.tenacity.to_string()],
        set: |c, v| {
            c.eviction.tenacity = parse_integer(v[0], 0, 100)? as u32;
            Ok(())
        },
    },
    Directive {
        name: "lfu-log-factor",
        values: "N",
        help: "how slowly an LFU counter climbs (default 10)",
        arity: (1, 1),
        get: |c| vec![c.eviction.lfu_log_factor.to_string()],
        set: |c, v| {
            c.eviction.lfu_log_factor = parse_integer(v[0], 0, INT_MAX)? as u32;
            Ok(())
        },
    },
    Directive {
        name: "lfu-decay-time",
        values: "MINUTES",
        help: "minutes per decrement of an idle key's LFU counter (default 1)",
        arity: (1, 1),
        get: |c| vec![c.eviction.lfu_decay_time.to_string()],
        set: |c, v| {
            c.eviction.lfu_decay_time = parse_integer(v[0], 0, INT_MAX)? as u32;
            Ok(())
        },
    },
    Directive {
        name: "busy-reply-threshold",
        values: "MILLISECONDS",
        help: "a script running this long is answered for with -BUSY and may be killed, 0 = never (default 5000)",
        arity: (1, 1),
        get: |c| vec![c.busy_reply_threshold.to_string()],
        set: |c, v| {
            c.busy_reply_threshold = parse_integer(v[0], 0, i64::MAX)? as u64;
            Ok(())
        },
    },
    Directive {
        name: "latency-monitor-threshold",
        values: "MILLISECONDS",
        help: "record LATENCY events this long or longer, 0 = off (default 0)",
        arity: (1, 1),
        get: |c| vec![c.latency_monitor_threshold.to_string()],
        set: |c, v| {
            c.latency_monitor_threshold = parse_integer(v[0], 0, i64::MAX)? as u64;
            Ok(())
        },
    },
    Directive {
        name: "latency-tracking",
        values: "yes|no",
        help: "keep a latency histogram per command for INFO latencystats (default yes)",
        arity: (1, 1),
        get: |c| vec![yes_no(c.latency_tracking)],
        set: |c, v| {
            c.latency_tracking = parse_bool(v[0])?;
            Ok(())
        },
    },
    Directive {
        name: "latency-tracking-info-percentiles",
        values: "P [P ...]",
        help: "percentiles INFO latencystats shows, \"\" for none (default 50 99 99.9)",
        arity: (1, usize::MAX),
        get: |c| {
            let shown: Vec<String> = c
                .latency_percentiles
                .iter()
                .map(|p| trim_double(*p))
                .collect();
            vec![shown.join(" ")]
        },
        set: set_latency_percentiles,
    },
    Directive {
        name: "proto-max-bulk-len",
        values: "SIZE",
        help: "largest bulk argument (default 512mb)",
        arity: (1, 1),
        get: |c| vec![c.proto_max_bulk_len.to_string()],
        set: |c, v| {
            c.proto_max_bulk_len = parse_size(v[0], MIN_BUFFER_LIMIT, SIZE_MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "client-query-buffer-limit",
        values: "SIZE",
        help: "close a client whose unparsed input exceeds this (default 1gb)",
        arity: (1, 1),
        get: |c| vec![c.client_query_buffer_limit.to_string()],
        set: |c, v| {
            c.client_query_buffer_limit =
                size_to_usize(parse_size(v[0], MIN_BUFFER_LIMIT, SIZE_MAX)?);
            Ok(())
        },
    },
    Directive {
        name: "hash-max-listpack-entries",
        values: "N",
        help: "a hash turns from listpack into hashtable past this many fields (default 512)",
        arity: (1, 1),
        get: |c| vec![c.encodings.hash_max_listpack_entries.to_string()],
        set: |c, v| count(&mut c.encodings.hash_max_listpack_entries, v[0]),
    },
    Directive {
        name: "hash-max-listpack-value",
        values: "SIZE",
        help: "... or once a field or value is longer than this (default 64)",
        arity: (1, 1),
        get: |c| vec![c.encodings.hash_max_listpack_value.to_string()],
        set: |c, v| memory(&mut c.encodings.hash_max_listpack_value, v[0]),
    },
    Directive {
        name: "set-max-intset-entries",
        values: "N",
        help: "a set of integers turns from intset into hashtable past this many (default 512)",
        arity: (1, 1),
        get: |c| vec![c.encodings.set_max_intset_entries.to_string()],
        set: |c, v| count(&mut c.encodings.set_max_intset_entries, v[0]),
    },
    Directive {
        name: "list-max-listpack-size",
        values: "N",
        help: "entries per list node if positive, or -1..-5 for 4..64 KiB of bytes (default -2)",
        arity: (1, 1),
        get: |c| vec![c.encodings.list_max_listpack_size.to_string()],
        set: |c, v| {
            c.encodings.list_max_listpack_size = parse_integer(v[0], INT_MIN, INT_MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "list-compress-depth",
        values: "N",
        help: "accepted for Redis's configs; nodes are never compressed here (default 0)",
        arity: (1, 1),
        get: |c| vec![c.encodings.list_compress_depth.to_string()],
        set: |c, v| {
            c.encodings.list_compress_depth = parse_integer(v[0], 0, INT_MAX)?;
            Ok(())
        },
    },
    Directive {
        name: "zset-max-listpack-entries",
        values: "N",
        help: "a sorted set turns from listpack into skiplist past this many members (default 128)",
        arity: (1, 1),
        get: |c| vec![c.encodings.zset_max_listpack_entries.to_string()],
        set: |c, v| count(&mut c.encodings.zset_max_listpack_entries, v[0]),
    },
    Directive {
        name: "zset-max-listpack-value",
        values: "SIZE",
        help: "... or once a member is longer than this (default 64)",
        arity: (1, 1),
        get: |c| vec![c.encodings.zset_max_listpack_value.to_string()],
        set: |c, v| memory(&mut c.encodings.zset_max_listpack_value, v[0]),
    },
    Directive {
        name: "dashboard-port",
        values: "N",
        help: "serve the live dashboard (HTTP) on this port, 0 = any free one (default: off)",
        arity: (1, 1),
        get: |c| vec![c.dashboard_port.unwrap_or(0).to_string()],
        set: |c, v| {
            c.dashboard_port = Some(parse_integer(v[0], 0, 65535)? as u16);
            Ok(())
        },
    },
    Directive {
        name: "dashboard-bind",
        values: "ADDR",
        help: "the dashboard's address (default 127.0.0.1)",
        arity: (1, 1),
        get: |c| vec![c.dashboard_bind.to_string()],
        set: |c, v| {
            c.dashboard_bind = std::str::from_utf8(v[0])
                .ok()
                .and_then(|text| text.parse::<IpAddr>().ok())
                .ok_or("Invalid bind address")?;
            Ok(())
        },
    },
    Directive {
        name: "tls-port",
        values: "N",
        help: "also accept TLS connections on this port, 0 = none (default 0)",
        arity: (1, 1),
        get: |c| vec![c.tls.port.unwrap_or(0).to_string()],
        set: |c, v| {
            // 0 is "no TLS listener", as in Redis (an embedding program that wants a free
            // port sets `TlsSettings::port` to `Some(0)` itself).
            let port = parse_integer(v[0], 0, 65535)? as u16;
            c.tls.port = (port != 0).then_some(port);
            Ok(())
        },
    },
    Directive {
        name: "tls-cert-file",
        values: "FILE",
        help: "the server's certificate chain, PEM",
        arity: (1, 1),
        get: |c| vec![path_text(&c.tls.cert_file)],
        set: |c, v| path(&mut c.tls.cert_file, v[0]),
    },
    Directive {
        name: "tls-key-file",
        values: "FILE",
        help: "the server's private key, PEM",
        arity: (1, 1),
        get: |c| vec![path_text(&c.tls.key_file)],
        set: |c, v| path(&mut c.tls.key_file, v[0]),
    },
    Directive {
        name: "tls-ca-cert-file",
        values: "FILE",
        help: "CA certificates that sign client certificates, PEM",
        arity: (1, 1),
        get: |c| vec![path_text(&c.tls.ca_cert_file)],
        set: |c, v| path(&mut c.tls.ca_cert_file, v[0]),
    },
    Directive {
        name: "tls-ca-cert-dir",
        values: "DIR",
        help: "a directory of such CA certificates",
        arity: (1, 1),
        get: |c| vec![path_text(&c.tls.ca_cert_dir)],
        set: |c, v| path(&mut c.tls.ca_cert_dir, v[0]),
    },
    Directive {
        name: "tls-auth-clients",
        values: "yes|no|optional",
        help: "whether TLS clients must present a certificate the CA signed (default yes)",
        arity: (1, 1),
        get: |c| vec![c.tls.auth_clients.name().to_string()],
        set: |c, v| {
            c.tls.auth_clients = match v[0].to_ascii_lowercase().as_slice() {
                b"yes" => AuthClients::Yes,
                b"no" => AuthClients::No,
                b"optional" => AuthClients::Optional,
                _ => {
                    return Err(
                        "argument(s) must be one of the following: no, yes, optional".into(),
                    );
                }
            };
            Ok(())
        },
    },
    Directive {
        name: "tls-protocols",
        values: "\"TLSv1.2 TLSv1.3\"",
        help: "TLS versions to accept (default both)",
        arity: (1, usize::MAX),
        get: |c| vec![c.tls.protocols.clone().unwrap_or_default()],
        set: |c, v| {
            let text = String::from_utf8_lossy(&v.join(&b' ')).into_owned();
            c.tls.protocols = (!text.trim().is_empty()).then_some(text);
            Ok(())
        },
    },
    Directive {
        name: "tls-ciphersuites",
        values: "SUITE:SUITE",
        help: "TLS 1.3 suites to offer, as OpenSSL names them (default rustls's)",
        arity: (1, 1),
        get: |c| vec![c.tls.ciphersuites.clone().unwrap_or_default()],
        set: |c, v| {
            c.tls.ciphersuites =
                (!v[0].is_empty()).then(|| String::from_utf8_lossy(v[0]).into_owned());
            Ok(())
        },
    },
    Directive {
        name: "tls-key-file-pass",
        values: "PASS",
        help: "the password of an encrypted (PKCS#8) tls-key-file",
        arity: (1, 1),
        get: |c| vec![c.tls.key_file_pass.clone().unwrap_or_default()],
        set: |c, v| {
            c.tls.key_file_pass =
                (!v[0].is_empty()).then(|| String::from_utf8_lossy(v[0]).into_owned());
            Ok(())
        },
    },
    Directive {
        name: "tls-handshake-timeout-ms",
        values: "MS",
        help: "(ours) close a TLS client that has not finished its handshake by then (default 10000)",
        arity: (1, 1),
        get: |c| vec![c.tls.handshake_timeout.as_millis().to_string()],
        set: |c, v| {
            c.tls.handshake_timeout =
                Duration::from_millis(parse_integer(v[0], 1, SIZE_MAX)? as u64);
            Ok(())
        },
    },
    Directive {
        name: "loglevel",
        values: "LEVEL",
        help: "debug, verbose, notice or warning as Redis, or error, warn, info, trace",
        arity: (1, 1),
        get: |c| vec![loglevel_name(c.loglevel)],
        set: |c, v| {
            c.loglevel = Some(parse_loglevel(v[0])?);
            Ok(())
        },
    },
    Directive {
        name: "client-output-buffer-limit",
        values: "CLASS HARD SOFT SECONDS ...",
        help: "cut off a client whose unsent output passes HARD, or SOFT for SECONDS; CLASS is \
               normal, pubsub or replica (default: normal 0 0 0 pubsub 32mb 8mb 60)",
        arity: (1, usize::MAX),
        get: |c| {
            let l = &c.output_limits;
            [
                ("normal", l.normal),
                ("slave", l.replica),
                ("pubsub", l.pubsub),
            ]
            .iter()
            .flat_map(|(class, limit)| {
                [
                    class.to_string(),
                    limit.hard.to_string(),
                    limit.soft.to_string(),
                    limit.soft_secs.to_string(),
                ]
            })
            .collect()
        },
        set: set_output_limits,
    },
    Directive {
        name: "output-high-water",
        values: "SIZE",
        help: "(ours) stop reading from a client whose unsent replies exceed this (default 64mb)",
        arity: (1, 1),
        get: |c| vec![c.output_high_water.to_string()],
        set: |c, v| {
            c.output_high_water = size_to_usize(parse_size(v[0], 1, SIZE_MAX)?);
            Ok(())
        },
    },
    Directive {
        name: "shutdown-grace-ms",
        values: "MS",
        help: "(ours) time allowed to flush pending replies at shutdown (default 2000)",
        arity: (1, 1),
        get: |c| vec![c.shutdown_grace.as_millis().to_string()],
        set: |c, v| {
            c.shutdown_grace = Duration::from_millis(parse_integer(v[0], 0, SIZE_MAX)? as u64);
            Ok(())
        },
    },
    Directive {
        name: "fault-max-read",
        values: "N",
        help: "(ours) fault injection: read at most N bytes per read()",
        arity: (1, 1),
        get: |c| vec![option(c.faults.max_read)],
        set: |c, v| fault(&mut c.faults.max_read, v[0]),
    },
    Directive {
        name: "fault-max-write",
        values: "N",
        help: "(ours) fault injection: write at most N bytes per write()",
        arity: (1, 1),
        get: |c| vec![option(c.faults.max_write)],
        set: |c, v| fault(&mut c.faults.max_write, v[0]),
    },
    Directive {
        name: "fault-read-budget",
        values: "N",
        help: "(ours) fault injection: reads per readiness event before yielding",
        arity: (1, 1),
        get: |c| vec![option(c.faults.read_budget)],
        set: |c, v| fault(&mut c.faults.read_budget, v[0]),
    },
    Directive {
        name: "fault-accept-budget",
        values: "N",
        help: "(ours) fault injection: accepts per listener event before yielding",
        arity: (1, 1),
        get: |c| vec![option(c.faults.accept_budget)],
        set: |c, v| fault(&mut c.faults.accept_budget, v[0]),
    },
];

/// The directive called `name` (any case, as Redis compares them; an old alias finds the
/// directive it names).
pub fn find(name: &[u8]) -> Option<&'static Directive> {
    let name = ALIASES
        .iter()
        .find(|(alias, _)| alias.as_bytes().eq_ignore_ascii_case(name))
        .map_or(name, |(_, canonical)| canonical.as_bytes());
    DIRECTIVES
        .iter()
        .find(|d| d.name.as_bytes().eq_ignore_ascii_case(name))
}

/// Apply one directive to `config`: Redis's words if the name is unknown, the count of values
/// wrong, or a value bad.
pub fn apply(config: &mut Config, name: &[u8], values: &[&[u8]]) -> Result<(), String> {
    let Some(directive) = find(name) else {
        return Err("Bad directive or wrong number of arguments".into());
    };
    let (min, max) = directive.arity;
    if values.len() < min || values.len() > max {
        return Err("wrong number of arguments".into());
    }
    (directive.set)(config, values)
}

/// One directive as read from a file or the command line, kept with where it came from so a
/// failure can name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Line number, counted as Redis counts it (the command line continues after the file).
    pub number: usize,
    /// The line as a start-up error shows it: as written in a file; for a flag, as Redis
    /// rewrites it (`port "7000"`).
    pub text: String,
    /// Lower case.
    pub name: Vec<u8>,
    pub values: Vec<Vec<u8>>,
}

/// A directive that stopped start-up, shown as Redis shows one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub line: usize,
    /// The offending line as written (or, for a flag, as Redis rewrites it).
    pub text: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "\n*** FATAL CONFIG FILE ERROR (reactor {}) ***",
            env!("CARGO_PKG_VERSION")
        )?;
        writeln!(f, "Reading the configuration file, at line {}", self.line)?;
        writeln!(f, ">>> '{}'", self.text)?;
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Apply `lines` in order (a later line wins), stopping at the first bad one. A directive
/// that Redis knows but this server does not implement is skipped; the returned warning (one
/// line, for the log) names each such directive once, with the line it was first seen on.
pub fn apply_lines(config: &mut Config, lines: &[Line]) -> Result<Option<String>, ConfigError> {
    let mut ignored: Vec<(&[u8], usize)> = Vec::new();
    for line in lines {
        if find(&line.name).is_none() && is_redis_directive(&line.name) {
            if !ignored
                .iter()
                .any(|&(name, _)| name == line.name.as_slice())
            {
                ignored.push((&line.name, line.number));
            }
            continue;
        }
        let values: Vec<&[u8]> = line.values.iter().map(Vec::as_slice).collect();
        apply(config, &line.name, &values).map_err(|message| ConfigError {
            line: line.number,
            text: line.text.clone(),
            message,
        })?;
    }
    if ignored.is_empty() {
        return Ok(None);
    }
    let names: Vec<String> = ignored
        .iter()
        .map(|(name, number)| format!("{} ({number})", String::from_utf8_lossy(name)))
        .collect();
    Ok(Some(format!(
        "ignored {} Redis directives this server does not implement (line): {}",
        names.len(),
        names.join(", ")
    )))
}

/// The command line after the program name and the config file, as directive lines:
/// `--name v1 v2 --other v` is `name v1 v2` then `other v`, as Redis reads it. `first_line`
/// is where numbering starts (Redis appends the flags after the file and an empty line).
pub fn lines_from_flags(args: &[String], first_line: usize) -> Result<Vec<Line>, ConfigError> {
    let mut lines: Vec<Line> = Vec::new();
    for arg in args {
        match arg.strip_prefix("--") {
            Some(name) if !name.is_empty() => lines.push(Line {
                number: first_line + lines.len(),
                text: name.to_string(),
                name: name.to_ascii_lowercase().into_bytes(),
                values: Vec::new(),
            }),
            _ => match lines.last_mut() {
                Some(line) => {
                    // Redis quotes each value when it turns a flag into a line.
                    line.text.push_str(&format!(" {arg:?}"));
                    line.values.push(arg.as_bytes().to_vec());
                }
                // A value before any `--name`: Redis would have taken it for the config file.
                None => {
                    return Err(ConfigError {
                        line: first_line,
                        text: arg.clone(),
                        message: "Bad directive or wrong number of arguments".into(),
                    });
                }
            },
        }
    }
    Ok(lines)
}

/// `client-output-buffer-limit CLASS HARD SOFT SECONDS [CLASS ...]`, as Redis reads it: the
/// values are joined and split again on spaces (so `"pubsub 1mb 0 0"` as one argument, the
/// form CONFIG SET gets, means the same), every class is checked before any is applied, and a
/// class not named keeps its limits.
/// `latency-tracking-info-percentiles`: numbers from 0 to 100, given as several values (a
/// file, flags) or as one value with spaces (CONFIG SET); `""` is none. Redis's words.
fn set_latency_percentiles(config: &mut Config, values: &[&[u8]]) -> Result<(), String> {
    let words: Vec<&[u8]> = values
        .iter()
        .flat_map(|v| v.split(|b| b.is_ascii_whitespace()))
        .filter(|w| !w.is_empty())
        .collect();
    let mut percentiles = Vec::with_capacity(words.len());
    for word in words {
        let value = std::str::from_utf8(word)
            .ok()
            .and_then(|w| w.parse::<f64>().ok())
            .filter(|p| !p.is_nan())
            .ok_or("Invalid latency-tracking-info-percentiles parameters")?;
        if !(0.0..=100.0).contains(&value) {
            return Err(
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                    .into(),
            );
        }
        percentiles.push(value);
    }
    config.latency_percentiles = percentiles;
    Ok(())
}

/// A number as Redis prints a configured double: `%f`, then trailing zeros and a trailing
/// point dropped (`99.9`, `50`).
pub fn trim_double(value: f64) -> String {
    let text = format!("{value:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn set_output_limits(config: &mut Config, values: &[&[u8]]) -> Result<(), String> {
    let joined = values.join(&b' ');
    let words: Vec<&[u8]> = joined
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || !words.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut limits = config.output_limits;
    for group in words.chunks(4) {
        let class = group[0].to_ascii_lowercase();
        let slot = match class.as_slice() {
            b"normal" => &mut limits.normal,
            b"pubsub" => &mut limits.pubsub,
            b"replica" | b"slave" => &mut limits.replica,
            _ => {
                return Err("Invalid client class specified in buffer limit configuration.".into());
            }
        };
        let bad = || "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
        let size = |text: &[u8]| parse_size(text, 0, SIZE_MAX).map_err(|_| bad());
        *slot = OutputLimit {
            hard: size_to_usize(size(group[1])?),
            soft: size_to_usize(size(group[2])?),
            soft_secs: parse_integer(group[3], 0, SIZE_MAX).map_err(|_| bad())? as u64,
        };
    }
    config.output_limits = limits;
    Ok(())
}

fn set_bind(config: &mut Config, values: &[&[u8]]) -> Result<(), String> {
    // `bind 127.0.0.1 -::1`: a listener on each address; '-' marks one that is skipped when
    // this machine does not have it (the first is always required here). CONFIG SET gives
    // them as one value, separated by spaces.
    let values: Vec<&[u8]> = values
        .iter()
        .flat_map(|v| v.split(|b| b.is_ascii_whitespace()))
        .filter(|w| !w.is_empty())
        .collect();
    if values.len() > 16 {
        return Err("Too many bind addresses specified.".into());
    }
    let mut addrs = Vec::with_capacity(values.len());
    for value in values {
        let (text, optional) = match value.strip_prefix(b"-") {
            Some(rest) => (rest, true),
            None => (value, false),
        };
        let ip = std::str::from_utf8(text)
            .ok()
            .and_then(|text| text.parse::<IpAddr>().ok())
            .ok_or("Invalid bind address")?;
        addrs.push((ip, optional));
    }
    let also = addrs.split_off(1);
    let Some(&(first, _)) = addrs.first() else {
        return Err("Invalid bind address".into());
    };
    config.bind = first;
    config.bind_also = also;
    Ok(())
}

/// A file or directory name; "" unsets it.
fn path(slot: &mut Option<std::path::PathBuf>, value: &[u8]) -> Result<(), String> {
    *slot = (!value.is_empty()).then(|| String::from_utf8_lossy(value).into_owned().into());
    Ok(())
}

fn path_text(path: &Option<std::path::PathBuf>) -> String {
    path.as_ref()
        .map_or_else(String::new, |p| p.display().to_string())
}

fn yes_no(flag: bool) -> String {
    if flag { "yes" } else { "no" }.into()
}

fn option(value: Option<usize>) -> String {
    value.map_or_else(String::new, |n| n.to_string())
}

/// A level as Redis names it, where Redis has the name.
fn loglevel_name(level: Option<LevelFilter>) -> String {
    match level {
        None | Some(LevelFilter::Info) => "notice".into(),
        Some(LevelFilter::Warn) => "warning".into(),
        Some(LevelFilter::Debug) => "verbose".into(),
        Some(LevelFilter::Trace) => "debug".into(),
        Some(other) => other.as_str().to_ascii_lowercase(),
    }
}

fn parse_loglevel(value: &[u8]) -> Result<LevelFilter, String> {
    let text = String::from_utf8_lossy(value).to_ascii_lowercase();
    Ok(match text.as_str() {
        "warning" => LevelFilter::Warn,
        "notice" => LevelFilter::Info,
        "verbose" => LevelFilter::Debug,
        "debug" => LevelFilter::Trace,
        other => other.parse().map_err(
            |_| "argument(s) must be one of the following: debug, verbose, notice, warning",
        )?,
    })
}

/// A count with no units, `0..=LONG_MAX` (the `*-entries` thresholds).
fn count(slot: &mut usize, value: &[u8]) -> Result<(), String> {
    *slot = parse_integer(value, 0, SIZE_MAX)? as usize;
    Ok(())
}

/// A size with units, `0..=LONG_MAX` (the `*-value` thresholds).
fn memory(slot: &mut usize, value: &[u8]) -> Result<(), String> {
    *slot = size_to_usize(parse_size(value, 0, SIZE_MAX)?);
    Ok(())
}

fn fault(slot: &mut Option<usize>, value: &[u8]) -> Result<(), String> {
    *slot = Some(parse_integer(value, 1, SIZE_MAX)? as usize);
    Ok(())
}

/// Sizes were range-checked as `i64`; on a 32-bit target the largest saturate.
fn size_to_usize(n: i64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// `--help`: the usage line and one line per directive, from the table.
pub fn help_text() -> String {
    let mut text = String::from(
        "A Redis-protocol server on a hand-written mio event loop\n\n\
         Usage: reactor-server [/path/to/redis.conf] [--directive value ...]\n\
         \x20      reactor-server --help | --version\n\n\
         Every directive can be a flag (--port 7000) or a line of the file (port 7000); a later\n\
         one wins, and flags come after the file. Sizes take redis.conf units: 1k 1kb 1m 1mb\n\
         1g 1gb. Directives Redis has and this server does not are warned about and ignored.\n\n",
    );
    for d in DIRECTIVES {
        let flag = format!("--{} {}", d.name, d.values);
        text.push_str(&format!("  {flag:<44} {}\n", d.help));
    }
    text
}

#[cfg(test)]
mod tests {
    use crate::config::directives::*;

    fn flags(args: &[&str]) -> Result<Config, ConfigError> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let mut config = Config::default();
        apply_lines(&mut config, &lines_from_flags(&args, 2)?)?;
        Ok(config)
    }

    #[test]
    fn sizes_take_units_in_every_size_directive() {
        let c = flags(&[
            "--client-query-buffer-limit",
            "1mb",
            "--proto-max-bulk-len",
            "2MB",
            "--output-high-water",
            "64kb",
            "--client-output-buffer-limit",
            "pubsub",
            "1mb",
            "1k",
            "5",
        ])
        .unwrap();
        assert_eq!(c.client_query_buffer_limit, 1 << 20);
        assert_eq!(c.proto_max_bulk_len, 2 << 20);
        assert_eq!(c.output_high_water, 64 << 10);
        assert_eq!(c.output_limits.pubsub.hard, 1 << 20);
        assert_eq!(c.output_limits.pubsub.soft, 1000);
        assert_eq!(c.output_limits.pubsub.soft_secs, 5);
        assert_eq!(c.output_limits.normal.hard, 0);
    }

    #[test]
    fn bad_values_fail_with_redis_words_and_the_line() {
        let e = flags(&["--port", "0", "--client-query-buffer-limit", "1xb"]).unwrap_err();
        assert_eq!(e.line, 3);
        assert_eq!(e.text, "client-query-buffer-limit \"1xb\"");
        assert_eq!(e.message, "argument must be a memory value");
        let e = flags(&["--protected-mode", "maybe"]).unwrap_err();
        assert_eq!(e.message, "argument must be 'yes' or 'no'");
        let e = flags(&["--frobnicate", "1"]).unwrap_err();
        assert_eq!(e.message, "Bad directive or wrong number of arguments");
        let e = flags(&["--port", "1", "2"]).unwrap_err();
        assert_eq!(e.message, "wrong number of arguments");
        assert_eq!(e.text, "port \"1\" \"2\"");
    }

    #[test]
    fn later_lines_win_and_booleans_read_yes_no() {
        let c = flags(&["--port", "1", "--port", "2", "--protected-mode", "NO"]).unwrap();
        assert_eq!(c.port, 2);
        assert!(!c.protected_mode);
    }
}
