//! The busy script: what the server does while a script will not return.
//!
//! Chapter: [docs/23-a-handler-that-does-not-return.md](../../../../docs/23-a-handler-that-does-not-return.md).
//!
//! A script runs inside one command, on the loop's one thread: until it returns, nothing else
//! runs. Past `busy-reply-threshold` milliseconds (Redis's old name: `lua-time-limit`, 5000 by
//! default; 0: never), the VM's count hook, which looks every 100,000 instructions
//! ([`super::engine::Watch`]), turns to the loop instead of returning to the script: through
//! this run's `redis.call` (the one door into the run's [`Exec`]) it runs one pass of the loop
//! with [`crate::server::Nested`] as the handler ([`crate::reactor::Ctx::serve_nested`]).
//!
//! ```text
//!   EVAL ─► Lua ─► hook ─► (past the threshold) ─► serve_nested ─► every other client:
//!              ▲                                                     dispatch answers
//!              └──────────── the script goes on ◄─── KILL? ◄──────── -BUSY, except a few
//! ```
//!
//! In that pass every other connection is read and its commands go through the same
//! dispatch, which answers `-BUSY Redis is busy running a script. You can only call SCRIPT
//! KILL or SHUTDOWN NOSAVE.` (FUNCTION KILL for a function) to all but the commands flagged
//! `allow_busy`: SCRIPT KILL, FUNCTION KILL, FUNCTION STATS, SHUTDOWN NOSAVE, and the
//! connection and transaction commands (AUTH, HELLO, QUIT, RESET, MULTI, DISCARD, WATCH,
//! UNWATCH). The script's own connection is lent out to the command that runs it, so the loop
//! does not read it: what its client sent after the script waits, in order, and runs once the
//! script has returned. No key expires and no blocked client is served meanwhile: the script
//! is still atomic, whoever else is answered.
//!
//! SCRIPT KILL (FUNCTION KILL for a function) stops a script that has not written: the hook
//! raises `Script killed by user with SCRIPT KILL...` at every instruction from then on, so
//! no `pcall` can keep it alive. One that wrote cannot be stopped without breaking atomicity
//! (`-UNKILLABLE`); SHUTDOWN NOSAVE stops it anyway, and so does a SIGTERM, since nothing is
//! saved here.
//!
//! Redis counterpart: `script.c` (`scriptInterrupt`, `scriptKill`), `server.c`
//! (`processCommand`'s busy check, `processEventsWhileBlocked`).

use log::warn;

use crate::resp::Request;
use crate::server::command::{Command, Exec, find_subcommand};
use crate::server::spec::Flags;

/// What every other command hears while an EVAL script is busy (Redis's `slowevalerr`).
pub const BUSY_EVAL: &[u8] =
    b"BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
/// ... while a function is busy (Redis's `slowscripterr`).
pub const BUSY_FUNCTION: &[u8] =
    b"BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
/// What a killed script raises (and its caller reads, with where it was).
pub const KILLED: &str = "ERR Script killed by user with SCRIPT KILL...";

/// The script past its threshold, as the commands allowed meanwhile see it
/// ([`crate::server::State::busy`]).
#[derive(Debug)]
pub struct BusyScript {
    /// An EVAL script (SCRIPT KILL stops it), or a function (FUNCTION KILL).
    pub eval: bool,
    /// The script's SHA1 or the function's name (FUNCTION STATS).
    pub name: String,
    /// The command that runs it, as its client sent it (FUNCTION STATS).
    pub command: Vec<Vec<u8>>,
    /// How many libraries and functions there are (FUNCTION STATS: a busy function's run
    /// holds them).
    pub functions: (usize, usize),
    /// Milliseconds it has run, as of the last pass.
    pub duration_ms: u64,
    /// It has run a command that writes: SCRIPT KILL would break its atomicity.
    pub wrote: bool,
    /// Asked to stop (SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE).
    pub killed: bool,
}

impl BusyScript {
    /// What a command refused meanwhile is answered.
    pub fn refusal(&self) -> &'static [u8] {
        if self.eval { BUSY_EVAL } else { BUSY_FUNCTION }
    }
}

/// The script's slow-script warning, once, when it passes its threshold.
pub fn warn_slow(busy: &BusyScript) {
    let kill = if busy.eval {
        "SCRIPT KILL"
    } else {
        "FUNCTION KILL"
    };
    warn!(
        "Slow script detected: still in execution after {} milliseconds. You can try killing \
         the script using the {kill} command. Script name is: {}.",
        busy.duration_ms, busy.name
    );
}

/// Whether `command` (`request` names its subcommand) may run while a script is busy: the
/// ones flagged `allow_busy`, judged by the subcommand for a container (SCRIPT KILL, not
/// SCRIPT). An unknown subcommand runs, to be answered as unknown.
pub fn allowed(command: &Command, request: &Request<'_>) -> bool {
    if command.subcommands.is_empty() || request.len() < 2 {
        return command.flags.contains(Flags::ALLOW_BUSY);
    }
    find_subcommand(command.subcommands, request.arg(1))
        .is_none_or(|(_, sub)| sub.flags.contains(Flags::ALLOW_BUSY))
}

/// SCRIPT KILL (`eval`) and FUNCTION KILL: stop the busy script if it is of their kind and
/// has not written, as Redis's `scriptKill`.
pub fn kill(exec: &mut Exec<'_, '_>, eval: bool) {
    let Some(busy) = exec.state.busy.as_deref_mut() else {
        return exec.error("NOTBUSY No scripts in execution right now.");
    };
    if busy.wrote {
        return exec.error(
            "UNKILLABLE Sorry the script already executed write commands against the dataset. \
             You can either wait the script termination or kill the server in a hard way using \
             the SHUTDOWN NOSAVE command.",
        );
    }
    if eval != busy.eval {
        // SCRIPT KILL for a function, FUNCTION KILL for a script: the other one's words.
        let refusal = busy.refusal();
        return exec.error_bytes(refusal);
    }
    busy.killed = true;
    warn!(
        "the busy script will stop: killed by a client (id={})",
        exec.client.id
    );
    exec.ok();
}

/// FUNCTION STATS's `running_script`: the busy script's name, command and run time, or nil.
pub fn write_running(exec: &mut Exec<'_, '_>) {
    let Some(busy) = exec.state.busy.as_deref() else {
        return exec.null();
    };
    let (name, duration) = (busy.name.clone(), busy.duration_ms);
    let command = busy.command.clone();
    exec.array(6);
    exec.bulk(b"name");
    exec.bulk(name.as_bytes());
    exec.bulk(b"command");
    exec.array(command.len());
    for arg in &command {
        exec.bulk(arg);
    }
    exec.bulk(b"duration_ms");
    exec.integer(duration as i64);
}
