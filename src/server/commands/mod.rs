//! The commands, one module per family, as Redis keeps them in `t_string.c`, `t_list.c`,
//! `t_hash.c`, `t_set.c`, `t_zset.c`, `db.c`, `pubsub.c` and `server.c`.
//!
//! Chapter: [docs/09-commands-and-the-keyspace.md](../../../docs/09-commands-and-the-keyspace.md).
//!
//! Every family has the same shape: a `COMMANDS` table (one line per command: name, arity,
//! flags, key positions, function) and the functions it names, each of which reads its
//! arguments, acts on the keyspace ([`super::keyspace`]) and replies through
//! [`super::command::Exec`]. A command knows nothing of sockets, buffers or the loop.
//!
//! | module | family |
//! | --- | --- |
//! | [`connection`] | PING, ECHO, HELLO, QUIT, RESET, SELECT |
//! | [`clients`] | CLIENT: list, info, kill, reply, unblock, names |
//! | [`auth`] | AUTH, and the password check HELLO shares |
//! | [`strings`] | GET, SET and the rest of the string commands (`strings/long_double.rs`: INCRBYFLOAT's arithmetic; `strings/lcs.rs`: LCS) |
//! | [`bitmap`] | SETBIT, GETBIT: a string one bit at a time |
//! | [`keys`] | DEL, EXISTS, EXPIRE, TTL, TYPE, RENAME, SCAN, KEYS and the generic key commands |
//! | [`lists`] | pushes, pops, moves and their blocking forms (`lists/index.rs`: LRANGE, LINDEX, LSET, LINSERT, LREM, LTRIM, LPOS) |
//! | [`hashes`] | H* |
//! | [`sets`] | S* |
//! | [`zsets`] | Z*, BZPOPMIN, BZPOPMAX, BZMPOP (`zsets/algebra.rs`: ZUNION, ZINTER, ZDIFF and their STORE forms; `zsets/walk.rs`: ZRANDMEMBER, ZSCAN) |
//! | [`pubsub`] | (P)SUBSCRIBE, PUBLISH, PUBSUB, and the subscription registry |
//! | [`admin`] | INFO, CONFIG, COMMAND, MEMORY, DBSIZE, FLUSHALL and friends |
//! | [`introspection`] | MONITOR, SLOWLOG: the server watching itself |
//! | [`latency`] | LATENCY: its stalls, listed, drawn and explained |
//! | [`shutdown`] | SHUTDOWN |
//! | [`transactions`] | MULTI, EXEC, DISCARD, WATCH, UNWATCH |
//! | [`sort`] | SORT, SORT_RO: lists, sets and sorted sets sorted, by other keys too |
//! | [`scripting`] | EVAL, EVALSHA, SCRIPT: Lua scripts, and the VM they run in |

use super::command::Command;

pub mod admin;
pub mod auth;
pub mod bitmap;
pub mod clients;
pub mod connection;
pub mod hashes;
pub mod introspection;
pub mod keys;
pub mod latency;
pub mod lists;
pub mod pubsub;
pub mod scripting;
pub mod sets;
pub mod shutdown;
pub mod sort;
pub mod strings;
pub mod transactions;
pub mod zsets;

/// Every family's table, for [`super::command::Table::new`].
pub const FAMILIES: &[&[Command]] = &[
    connection::COMMANDS,
    clients::COMMANDS,
    auth::COMMANDS,
    strings::COMMANDS,
    bitmap::COMMANDS,
    lists::COMMANDS,
    lists::index::COMMANDS,
    hashes::COMMANDS,
    sets::COMMANDS,
    zsets::COMMANDS,
    keys::COMMANDS,
    pubsub::COMMANDS,
    admin::COMMANDS,
    introspection::COMMANDS,
    latency::COMMANDS,
    shutdown::COMMANDS,
    transactions::COMMANDS,
    sort::COMMANDS,
    scripting::COMMANDS,
];
