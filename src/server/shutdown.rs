//! SHUTDOWN: ask the loop to stop, gracefully.
//!
//! Chapter: [docs/12-time-and-shutdown.md](../../docs/12-time-and-shutdown.md).
//!
//! ```text
//! SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE]    no reply: the connection closes as the server stops
//! SHUTDOWN ABORT                          -ERR No shutdown in progress.
//! ```
//!
//! There is no persistence, so NOSAVE and SAVE mean the same. The command only *asks*: at the
//! end of this tick the loop stops accepting, requests already read are finished, pending
//! replies get a bounded time to flush, and the process exits 0 (see
//! `reactor::event_loop::EventLoop::begin_shutdown`). SIGINT and SIGTERM take the same path.

use log::info;

use crate::resp::Request;

use super::command::{Command, Exec};

// One command per line: the table reads as a table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("shutdown", -1, &["admin", "noscript", "loading", "stale", "no_multi", "allow_busy"], (0, 0, 0), shutdown),
];

fn shutdown(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let mut abort = false;
    for arg in req.args().skip(1) {
        let known = [&b"nosave"[..], b"save", b"now", b"force"];
        if arg.eq_ignore_ascii_case(b"abort") {
            abort = true;
        } else if !known.iter().any(|k| arg.eq_ignore_ascii_case(k)) {
            return exec.syntax_error();
        }
    }
    if abort {
        if req.len() > 2 {
            return exec.syntax_error();
        }
        // A shutdown here is never "in progress" across ticks in a way a client could abort.
        return exec.error("ERR No shutdown in progress.");
    }
    info!("user requested shutdown (client id={})", exec.client.id);
    // Like Redis, the client that asked gets no reply: its connection closes with the server.
    exec.client.closing = true;
    exec.ctx.request_shutdown();
}
