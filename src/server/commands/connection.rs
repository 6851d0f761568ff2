//! Connection commands: PING, ECHO, QUIT, SELECT, HELLO, RESET, and the HTTP tripwire.
//!
//! Chapter: [docs/09-commands-and-the-keyspace.md](../../../docs/09-commands-and-the-keyspace.md).
//!
//! ```text
//! PING [message]          +PONG | $len message
//! ECHO message            $len message
//! QUIT                    +OK, then the connection closes; nothing pipelined after it runs
//! SELECT index            +OK; -ERR DB index is out of range past `databases` (16)
//! HELLO [2]               server facts as a flat array; protocol 3 is refused (-NOPROTO)
//! ```

use log::warn;

use crate::resp::Request;
use crate::resp::number::parse_i64;

use crate::server::args::{Args, is_option};
use crate::server::command::{Command, Exec};
use crate::server::commands::keys::db_index;

// One command per line: the table reads as a table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("ping", -1, &["fast", "sentinel"], ping).acl(&["connection"]).tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    Command::new("echo", 2, &["loading", "stale", "fast"], echo).acl(&["connection"]),
    Command::new("quit", -1, &["allow_busy", "noscript", "loading", "stale", "fast", "no_auth"], quit).acl(&["connection"]),
    Command::new("select", 2, &["loading", "stale", "fast"], select).acl(&["connection"]),
    Command::new("hello", -1, &["noscript", "loading", "stale", "fast", "no_auth", "sentinel", "allow_busy"], hello).acl(&["connection"]),
    // Redis treats these as commands so that an HTTP request sent to the port (a cross-protocol
    // attack from a browser) closes the connection at its first line.
    Command::new("post", -1, &["loading", "stale"], security_warning),
    Command::new("host:", -1, &["loading", "stale"], security_warning),
];

fn ping(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    if exec.client.subscribed() && req.len() <= 2 {
        // In subscribed mode a reply must look like a message: `*2 pong <msg or empty>`.
        exec.array(2);
        exec.bulk(b"pong");
        exec.bulk(req.arg(1));
        return;
    }
    match req.len() {
        1 => exec.simple("PONG"),
        2 => exec.bulk(req.arg(1)),
        _ => exec.arity_error("ping"),
    }
}

fn echo(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    exec.bulk(req.arg(1));
}

fn quit(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.ok();
    exec.client.closing = true;
    exec.ctx.close(exec.id);
}

/// `SELECT index`: this client's commands now run in database `index` (taken in hand at
/// once, for the commands of an EXEC that follow it).
fn select(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    match db_index(exec.state, req.arg(1), None) {
        Err(message) => exec.error(message),
        Ok(index) => {
            exec.client.db = index;
            exec.state.select(index);
            exec.ok();
        }
    }
}

fn hello(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let mut i = 1;
    if req.len() > 1 {
        match parse_i64(req.arg(1)) {
            None => {
                exec.error("ERR Protocol version is not an integer or out of range");
                return;
            }
            Some(2) => {}
            Some(_) => {
                exec.error("NOPROTO unsupported protocol version");
                return;
            }
        }
        i = 2;
    }
    // Options: AUTH user password, SETNAME name.
    let mut setname = None;
    let mut credentials = None;
    let mut args = Args::new(req, i);
    while let Some(option) = args.next() {
        if is_option(option, "auth") && args.remaining() >= 2 {
            let user = args.next().unwrap_or_default();
            credentials = Some((user, args.next().unwrap_or_default()));
        } else if is_option(option, "setname") && args.remaining() >= 1 {
            setname = args.next();
        } else {
            let mut message = b"ERR Syntax error in HELLO option '".to_vec();
            message.extend_from_slice(option);
            message.push(b'\'');
            exec.error_bytes(&message);
            return;
        }
    }
    if let Some((user, password)) = credentials
        && !crate::server::commands::auth::try_authenticate(exec, user, password)
    {
        return exec.error("WRONGPASS invalid username-password pair or user is disabled.");
    }
    if !exec.client.authenticated {
        return exec.error(crate::server::commands::auth::HELLO_NOAUTH);
    }
    if let Some(name) = setname {
        if !valid_client_name(name) {
            exec.error("ERR Client names cannot contain spaces, newlines or special characters.");
            return;
        }
        exec.client.name = (!name.is_empty()).then(|| name.to_vec());
    }
    exec.array(14);
    exec.bulk(b"server");
    exec.bulk(b"redis");
    exec.bulk(b"version");
    exec.bulk(crate::server::commands::admin::REDIS_VERSION.as_bytes());
    exec.bulk(b"proto");
    exec.integer(2);
    exec.bulk(b"id");
    exec.integer(exec.client.id as i64);
    exec.bulk(b"mode");
    exec.bulk(b"standalone");
    exec.bulk(b"role");
    exec.bulk(b"master");
    exec.bulk(b"modules");
    exec.array(0);
}

/// Redis allows client names of printable ASCII without spaces (`'!'..='~'`).
pub(super) fn valid_client_name(name: &[u8]) -> bool {
    name.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

fn security_warning(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    warn!(
        "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: \
         commands to Redis. This is likely due to an attacker attempting to use Cross Protocol \
         Scripting to compromise your Redis instance. Connection aborted."
    );
    exec.client.closing = true;
    exec.ctx.abort(exec.id);
}
