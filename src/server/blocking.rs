//! Blocked clients: a command that cannot be answered now parks its client without blocking
//! the loop, and is served the moment another client's write makes it answerable.
//!
//! Chapter: [docs/16-a-blocked-client.md](../../docs/16-a-blocked-client.md).
//!
//! `BLPOP queue 0` on an empty list must wait, perhaps for hours, while every other client
//! goes on being served. In a thread-per-client server the thread would sleep on a condition
//! variable; here there is one thread, so waiting has to be *data*:
//!
//! ```text
//!  BLPOP q 0 (client A)          RPUSH q job (client B)           before B's next command
//!  ───────────────────           ──────────────────────           ───────────────────────
//!  q is empty: A.blocked =       the list q is created:           serve_ready: pop "q";
//!  {argv, keys, deadline}        Db::add → Blocking::signal(q)    for each waiter of q in
//!  waiting[q] += A (FIFO)        ready = [q]                      FIFO order, run its
//!  timeouts += (deadline, A)                                      command again (A pops
//!  loop: pause A's input                                          "job"), unblock A, resume
//!                                                                 its input
//! ```
//!
//! - **Parking.** The command records its request (an owned copy: the read buffer moves on),
//!   the keys and the deadline in the client ([`crate::server::client::Blocked`]), puts the client at the back of each
//!   key's waiter queue, and asks the loop to stop handing it input
//!   ([`crate::reactor::Ctx::pause_input`]). The loop still reads the socket, so a client that
//!   hangs up is noticed and [`crate::server::State::leave`] removes it from every queue: nothing is left
//!   behind, and no element is ever handed to a client that has gone.
//! - **Waking.** Every key creation goes through `Db::add`, which calls [`crate::server::keyspace::waiters::Blocking::signal`]:
//!   if someone waits on that key it joins the *ready* list (once). This is Redis's
//!   `signalKeyAsReady` in `dbAdd`: a list that already has elements has no waiters, so only a
//!   key coming into existence can wake anyone, whoever creates it (`RPUSH`, `LMOVE`, `RENAME`,
//!   `COPY`, a served `BLMOVE`'s push).
//! - **Serving.** After every command (and so before the loop sleeps) [`serve_ready`] takes
//!   the ready keys in order and, for each, runs the waiters' commands again in FIFO order
//!   while the key still holds a value of the awaited type. A served command's own writes may
//!   signal more keys (`BLMOVE` pushing to a list others wait on); they are served in the same
//!   pass. Running the command again (as Redis 7.2 does, rather than 7.0's per-type serving
//!   code) means one code path decides what a pop returns, blocked or not.
//! - **Timeouts** sit in a `BTreeMap` ordered by deadline, so the loop's timer asks only for
//!   the first one: the cost is per expiring client, not a scan of all blocked ones.
//!
//! Redis counterparts: `blocked.c` (`blockForKeys`, `signalKeyAsReady`,
//! `handleClientsBlockedOnKeys`, `replyToBlockedClientTimedOut`), `t_list.c`
//! (`blockingPopGenericCommand`).

use std::time::{Duration, Instant};

use crate::reactor::{ConnId, Ctx};
use crate::resp::{Request, reply};

pub use crate::server::keyspace::waiters::Kind;

use crate::server::args::{Mpop, parse_mpop};
use crate::server::client::Blocked;
use crate::server::command::{Exec, Mode};
use crate::server::{Session, State};

/// Parse a blocking command's timeout, in seconds (a float; `0` = forever), as Redis's
/// `getTimeoutFromObjectOrReply`: `Ok(None)` for forever, `Ok(Some(ms))` otherwise.
///
/// Milliseconds are rounded *up*: `0.0005` is 1 ms, not 0, which would mean "forever" (a
/// client asking to wait half a millisecond would hang; Redis's `ceill` does the same).
pub fn parse_timeout(arg: &[u8], now_ms: i64) -> Result<Option<i64>, &'static str> {
    const NOT_FLOAT: &str = "ERR timeout is not a float or out of range";
    // strtold's grammar (hex too: `0x1` is a second), with no leading space and no NaN.
    if arg.first().is_some_and(|b| b.is_ascii_whitespace()) {
        return Err(NOT_FLOAT);
    }
    let number = crate::resp::number::parse_c_double(arg).ok_or(NOT_FLOAT)?;
    // A `long double` (which Redis parses into) reaches far below the smallest `f64`: what
    // underflows here is a tiny positive timeout there, so one millisecond.
    let seconds = if number.range_error && number.value == 0.0 && number.value.is_sign_positive() {
        f64::MIN_POSITIVE
    } else {
        number.value
    };
    if seconds.is_nan() {
        return Err(NOT_FLOAT);
    }
    let ms = (seconds * 1000.0).ceil();
    // C's conversion of an out-of-range double to `long long` gives LLONG_MIN on x86-64, so
    // Redis reports an infinite or huge timeout as negative; so do we.
    if !(ms > -9.2e18 && ms < 9.2e18) || ms < 0.0 {
        return Err("ERR timeout is negative");
    }
    let ms = ms as i64;
    if ms == 0 {
        return Ok(None);
    }
    if ms > i64::MAX - now_ms {
        return Err("ERR timeout is out of range");
    }
    Ok(Some(ms))
}

impl Exec<'_, '_> {
    /// Park this client until one of `keys` holds a `kind` value or `timeout_ms` passes
    /// (`None` = forever). Returns false if the client may not block (inside `MULTI`: the
    /// caller then replies as if the timeout had passed); the caller returns either way.
    ///
    /// When the command is being run again for a client already blocked (serving a ready
    /// key) and still cannot be answered, this leaves it blocked where it was, keeping its
    /// place in the queues.
    pub fn block(
        &mut self,
        kind: Kind,
        keys: &[&[u8]],
        timeout_ms: Option<i64>,
        req: &Request<'_>,
    ) -> bool {
        match &mut self.mode {
            Mode::Serving { still_blocked } => {
                *still_blocked = true;
                return true;
            }
            Mode::Normal => {}
        }
        if !self.may_block() {
            return false;
        }
        let deadline = timeout_ms.map(|ms| self.ctx.now() + Duration::from_millis(ms as u64));
        let (seq, keys) = self.state.db.blocking.block(self.id, kind, keys, deadline);
        self.state.blocked_in(self.client.db);
        self.client.blocked = Some(Box::new(Blocked {
            db: self.client.db,
            seq,
            kind,
            keys,
            deadline,
            request: req.to_owned(),
        }));
        self.ctx.pause_input(self.id);
        true
    }

    /// Whether a command may block this client. The seam for transactions: inside `MULTI`
    /// blocking commands act as their non-blocking forms (Redis's `CLIENT_DENY_BLOCKING`).
    pub fn may_block(&self) -> bool {
        !self.client.executing
    }
}

/// Serve every ready key's waiters. Called after each command, so a waiter is served before
/// the client that woke it runs its next pipelined command (as Redis does in `processCommand`).
///
/// A ready key's database is taken in hand while its waiters are served (each waits in the
/// database it blocked in), and the database that was in hand is put back after.
pub fn serve_ready(state: &mut State, ctx: &mut Ctx<'_, Session>, now_ms: i64) {
    let home = state.shelf.selected();
    while let Some((db, key)) = state.pop_ready() {
        state.select(db);
        let mut after = None;
        while let Some((seq, waiter)) = state.db.blocking.next_waiter(&key, after) {
            after = Some(seq);
            // Serve while the key holds what the waiters want; a key of another type serves no
            // one (the waiters stay blocked, as in Redis).
            match state.db.get(&key, now_ms) {
                Some(value) if value.type_name() == waiter.kind.type_name() => {}
                _ => break,
            }
            let served = ctx.with_lent(waiter.conn, |ctx, current| {
                let Some(client) = current.session.client_mut() else {
                    return false;
                };
                let Some(blocked) = client.blocked.take() else {
                    return false;
                };
                let request = blocked.request.as_request();
                let Some(command) = state.table.lookup(request.arg(0)) else {
                    client.blocked = Some(blocked);
                    return false;
                };
                let mut exec = Exec {
                    state: &mut *state,
                    ctx,
                    id: waiter.conn,
                    client: &mut *client,
                    out: &mut *current.out,
                    now_ms,
                    mode: Mode::Serving {
                        still_blocked: false,
                    },
                    // Counted when it first ran and blocked, not again when served.
                    command: usize::MAX,
                    rejected: false,
                };
                (command.run)(&mut exec, &request);
                let still_blocked = matches!(
                    exec.mode,
                    Mode::Serving {
                        still_blocked: true
                    }
                );
                if still_blocked {
                    client.blocked = Some(blocked);
                    false
                } else {
                    state.leave(&blocked);
                    true
                }
            });
            if served == Some(true) {
                ctx.resume_input(waiter.conn);
            }
        }
    }
    state.select(home);
}

/// How a client stops waiting other than by being served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unblock {
    /// Its timeout passed, or `CLIENT UNBLOCK id [TIMEOUT]`: the command's "nothing" reply.
    Timeout,
    /// `CLIENT UNBLOCK id ERROR`.
    Error,
}

/// Reply to the clients whose timeouts have passed, and let them go on.
pub fn time_out(state: &mut State, ctx: &mut Ctx<'_, Session>, now: Instant) {
    while let Some(conn) = state.pop_due(now) {
        unblock(state, ctx, conn, Unblock::Timeout);
    }
}

/// End `conn`'s wait with the reply `how` calls for. Returns false if it was not blocked.
pub fn unblock(state: &mut State, ctx: &mut Ctx<'_, Session>, conn: ConnId, how: Unblock) -> bool {
    let done = ctx.with_lent(conn, |_, current| {
        let Some(blocked) = current
            .session
            .client_mut()
            .and_then(|client| client.blocked.take())
        else {
            return false;
        };
        state.leave(&blocked);
        match how {
            // Every list (and sorted set) blocking command times out with a null array.
            Unblock::Timeout => match blocked.kind {
                Kind::List | Kind::ZSet => reply::null_array(current.out),
            },
            Unblock::Error => {
                state.stats.error_replies += 1;
                reply::error(current.out, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
            }
        }
        true
    });
    if done == Some(true) {
        ctx.resume_input(conn);
        true
    } else {
        false
    }
}

/// `[B]LMPOP` and `[B]ZMPOP`, one shape: `[timeout] numkeys key [key ...] <end> [COUNT count]`.
/// `pop` pops from the first non-empty key and replies, or returns false if every key is
/// missing; then the blocking form (`blocking`: the kind of value it waits for) parks the
/// client on the keys, and the other (or one that may not block, inside EXEC) answers a null
/// array. Errors in Redis's order: the keys' part, then the timeout.
pub fn mpop<W>(
    exec: &mut Exec<'_, '_>,
    req: &Request<'_>,
    blocking: Option<Kind>,
    end: impl Fn(&[u8]) -> Option<W>,
    pop: impl FnOnce(&mut Exec<'_, '_>, &Request<'_>, &Mpop<W>) -> bool,
) {
    let numkeys_at = if blocking.is_some() { 2 } else { 1 };
    let mpop = match parse_mpop(req, numkeys_at, end) {
        Ok(mpop) => mpop,
        Err(message) => return exec.error(message),
    };
    let timeout = match blocking.map(|_| parse_timeout(req.arg(1), exec.now_ms)) {
        Some(Err(message)) => return exec.error(message),
        Some(Ok(timeout)) => timeout,
        None => None,
    };
    if pop(exec, req, &mpop) {
        return;
    }
    if let Some(kind) = blocking {
        let keys: Vec<&[u8]> = (mpop.first_key..mpop.first_key + mpop.numkeys)
            .map(|i| req.arg(i))
            .collect();
        if exec.block(kind, &keys, timeout, req) {
            return;
        }
    }
    reply::null_array(exec.out);
}
