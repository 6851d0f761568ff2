//! SHUTDOWN: ask the loop to stop, gracefully.
//!
//! Chapter: [docs/12-time-and-shutdown.md](../../../docs/12-time-and-shutdown.md).
//!
//! ```text
//! SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE]    no reply: the connection closes as the server stops
//! SHUTDOWN ABORT                          -ERR No shutdown in progress.
//! SHUTDOWN NOSAVE SAVE, SHUTDOWN ABORT NOW  -ERR syntax error (and the server runs on)
//! SHUTDOWN while a script is busy           -BUSY ... (only SHUTDOWN NOSAVE stops it)
//! ```
//!
//! There is no persistence, so NOSAVE and SAVE mean the same. The command only *asks*: at the
//! end of this tick the loop stops accepting, requests already read are finished, pending
//! replies get a bounded time to flush, and the process exits 0 (see
//! `reactor::event_loop::EventLoop::begin_shutdown`). SIGINT and SIGTERM take the same path.

use log::info;

use crate::resp::Request;

use crate::server::command::{Command, Exec};

// One command per line: the table reads as a table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("shutdown", -1, &["admin", "noscript", "loading", "stale", "no_multi", "sentinel", "allow_busy"], shutdown),
];

fn shutdown(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let (mut abort, mut nosave, mut save, mut other) = (false, false, false, false);
    for arg in req.args().skip(1) {
        if arg.eq_ignore_ascii_case(b"nosave") {
            nosave = true;
        } else if arg.eq_ignore_ascii_case(b"save") {
            save = true;
        } else if arg.eq_ignore_ascii_case(b"now") || arg.eq_ignore_ascii_case(b"force") {
            other = true;
        } else if arg.eq_ignore_ascii_case(b"abort") {
            abort = true;
        } else {
            return exec.syntax_error();
        }
    }
    // Contradictions are refused before anything happens (Redis's "illegal combo"): a server
    // told both to save and not to save does neither, and keeps running.
    if (abort && (nosave || save || other)) || (nosave && save) {
        return exec.syntax_error();
    }
    if abort {
        // A shutdown here is never "in progress" across ticks in a way a client could abort.
        return exec.error("ERR No shutdown in progress.");
    }
    if let Some(busy) = exec.state.busy.as_deref()
        && !nosave
    {
        // From inside a busy script's pass of the loop: only NOSAVE, which stops the script
        // (whatever it wrote: nothing is saved) so that the loop can shut down (the script
        // sees the shutdown asked for when the pass returns).
        let refusal = busy.refusal();
        return exec.error_bytes(refusal);
    }
    info!("user requested shutdown (client id={})", exec.client.id);
    // Like Redis, the client that asked gets no reply: its connection closes with the server.
    exec.client.closing = true;
    exec.ctx.request_shutdown();
}
