//! MULTI, EXEC, DISCARD, WATCH, UNWATCH: transactions, atomic by construction.
//!
//! ```text
//! MULTI                +OK; every command after it answers +QUEUED instead of running
//! EXEC                 *n, the queued commands' replies; *-1 if a watched key changed;
//!                      -EXECABORT if a command was refused while queueing
//! DISCARD              +OK, the queue dropped
//! WATCH key [key ...]  +OK: EXEC will fail if one of them changes before it
//! UNWATCH              +OK
//! ```
//!
//! One thread runs every command, so a transaction needs no lock: EXEC runs the queue from
//! start to end before the loop reads another request, and nothing can come between its
//! commands. What MULTI adds is only the queue ([`crate::server::client::Transaction`], in
//! the client) and the rule that a command refused while queueing (unknown, wrong arity,
//! `no-multi`) spoils the whole transaction (dispatch flags it: `queue_or_abort` in
//! `src/server/mod.rs`). An error while EXEC runs is that command's reply; the rest still
//! run, as in Redis: there is no rollback.
//!
//! WATCH is optimistic locking. Each watched key keeps two counters in the keyspace
//! ([`crate::server::keyspace::watched`]), moved by the one place every write goes through
//! (`Db::touch`, and the expiry paths); the client keeps the counters' values from when it
//! watched, and EXEC compares. A key that has expired since it was watched fails the EXEC
//! too, even if nobody has removed it yet (Redis's `isWatchedKeyExpired`).
//!
//! Inside EXEC, blocking commands do not block (`Client::executing`: BLPOP on an empty list
//! answers nil at once), and clients blocked on keys the transaction fills are served after
//! it, in order.
//!
//! Redis counterpart: `multi.c`.

use crate::resp::{Request, reply};

use crate::server::client::WatchedKey;
use crate::server::command::{Command, Exec};
use crate::server::spec::KeySpec;

#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("multi", 1, &["noscript", "loading", "stale", "fast", "allow_busy"], multi).acl(&["transaction"]),
    Command::new("exec", 1, &["noscript", "loading", "stale", "skip_slowlog"], exec_command).acl(&["transaction"]),
    Command::new("discard", 1, &["noscript", "loading", "stale", "fast", "allow_busy"], discard).acl(&["transaction"]),
    Command::new("watch", -2, &["noscript", "loading", "stale", "fast", "allow_busy"], watch).acl(&["transaction"]).keys(&[KeySpec::index(1, &["RO"]).range(-1, 1, 0)]),
    Command::new("unwatch", 1, &["noscript", "loading", "stale", "fast", "allow_busy"], unwatch).acl(&["transaction"]),
];

/// The commands that run even between MULTI and EXEC instead of being queued.
pub fn runs_inside_multi(command: &Command) -> bool {
    matches!(
        command.name,
        "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
    )
}

fn multi(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    if exec.client.multi.is_some() {
        return exec.error("ERR MULTI calls can not be nested");
    }
    exec.client.multi = Some(Box::default());
    exec.ok();
}

fn discard(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    if exec.client.multi.take().is_none() {
        return exec.error("ERR DISCARD without MULTI");
    }
    exec.state.unwatch_all(exec.client);
    exec.ok();
}

fn watch(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    if exec.client.multi.is_some() {
        return exec.error("ERR WATCH inside MULTI is not allowed");
    }
    for key in req.args().skip(1) {
        let db_index = exec.client.db;
        if exec
            .client
            .watching
            .iter()
            .any(|w| w.db == db_index && &*w.key == key)
        {
            continue;
        }
        let db = &mut exec.state.db;
        let watched = WatchedKey {
            db: db_index,
            key: key.into(),
            stamp: db.watched.watch(key),
            was_expired: db.is_expired(key, exec.now_ms),
        };
        exec.client.watching.push(watched);
    }
    exec.ok();
}

fn unwatch(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.state.unwatch_all(exec.client);
    exec.ok();
}

/// `EXEC`: the queue run in order, each reply in the array; or nothing run.
fn exec_command(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    let Some(transaction) = exec.client.multi.take() else {
        return exec.error("ERR EXEC without MULTI");
    };
    let changed = watched_key_changed(exec);
    exec.state.unwatch_all(exec.client);
    if transaction.aborted {
        return exec.error("EXECABORT Transaction discarded because of previous errors.");
    }
    if changed {
        return reply::null_array(exec.out);
    }
    exec.array(transaction.queue.len());
    exec.client.executing = true;
    for queued in &transaction.queue {
        crate::server::call_queued(exec, &queued.as_request());
    }
    exec.client.executing = false;
}

/// Whether a key this client watches was written, deleted or flushed since, or has expired
/// since (it was alive when watched and is past its deadline now).
fn watched_key_changed(exec: &Exec<'_, '_>) -> bool {
    exec.client.watching.iter().any(|w| {
        exec.state.db_ref(w.db).is_some_and(|db| {
            db.watched.changed(&w.key, w.stamp, w.was_expired)
                || (!w.was_expired && db.is_expired(&w.key, exec.now_ms))
        })
    })
}
