//! Server commands: INFO, TIME, CONFIG, COMMAND, MEMORY. How a client finds out what it is talking to.
//!
//! Chapter: [docs/09-commands-and-the-keyspace.md](../../../../docs/09-commands-and-the-keyspace.md).
//!
//! ```text
//! INFO [section ...]             $len "# Server\r\nredis_version:7.0.15\r\n..." (a bulk string)
//! TIME                           *2 $seconds $microseconds
//! CONFIG GET pattern [pattern ...]   *2n name value ... (glob patterns, case-insensitive)
//! CONFIG SET name value [name value ...]   +OK, or why not
//! CONFIG RESETSTAT | REWRITE | HELP
//! COMMAND                        one 10-element array per command
//! COMMAND COUNT | LIST [FILTERBY ...] | INFO [name ...] | GETKEYS[ANDFLAGS] cmd arg ... | HELP
//! COMMAND DOCS [name ...]        *2n name {summary since group complexity ... arguments}
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
//! errors ([`crate::server::Stats`]); the keyspace counts its keys and expiries ([`crate::server::keyspace::db::Db`]).
//! INFO only reads them. `CONFIG RESETSTAT` zeroes the application's counters and, since the
//! loop's are not ours to write, remembers the loop's values as a baseline that INFO subtracts.
//!
//! Files: [`info`] (INFO, TIME, the ops meter), [`config`] (CONFIG), [`command`] (COMMAND),
//! [`docs`] (COMMAND DOCS, its data in `docs/table.rs`), [`memory`] (MEMORY USAGE: what a key
//! costs).
//!
//! Redis counterparts: `genRedisInfoString` and `configGetCommand`/`configSetCommand`
//! (`server.c`, `config.c`), `commandCommand` and friends (`server.c`).
//!
//! What this server leaves out, and why (each is also noted where it happens):
//!
//! - INFO has all of Redis 7.0's sections and fields; where a feature does not exist here
//!   (persistence, replication, Lua, eviction) its fields carry Redis's neutral values, and
//!   memory is the resident set (see [`info`]).
//! - COMMAND describes every command as Redis 7.0 does (flags, ACL categories, tips, key
//!   specs, subcommands; checked against redis-server by a test), but lists only the
//!   subcommands implemented here.
//! - CONFIG GET knows the parameters this server has (CONFIG SET changes every one Redis
//!   changes at run time, the listeners' ports and addresses included), plus a few of Redis's
//!   immutable ones whose value here is a fact (`daemonize no`, `replicaof ""`,
//!   `io-threads 1`); the rest of Redis's are unknown to it, as they are to the server.
//! - COMMAND DOCS documents every command as Redis 7.0 does, from Redis's own descriptions
//!   (see [`docs`]); interactive `redis-cli` builds its help pages and hints from it.

mod command;
mod config;
pub mod docs;
mod info;
mod memory;

use crate::server::command::Command;

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

// One command per line: the table reads as a table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("info", -1, &["loading", "stale", "sentinel"], info::info).acl(&["dangerous"]).tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
    Command::new("time", 1, &["loading", "stale", "fast"], info::time).tips(&["nondeterministic_output"]),
    // A container: Redis gives `config` itself no flags; its subcommands have their own.
    Command::new("memory", -2, &[], memory::memory).subcommands(memory::MEMORY),
    Command::new("config", -2, &[], config::config).subcommands(config::CONFIG),
    Command::new("command", -1, &["loading", "stale", "sentinel"], command::command).acl(&["connection"]).tips(&["nondeterministic_output_order"]).subcommands(command::COMMAND),
];
