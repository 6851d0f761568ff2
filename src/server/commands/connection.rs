//! Connection commands: PING, ECHO, QUIT, SELECT, HELLO, CLIENT, and the HTTP tripwire.
//!
//! Chapter: [docs/09-commands-and-the-keyspace.md](../../../docs/09-commands-and-the-keyspace.md).
//!
//! ```text
//! PING [message]          +PONG | $len message
//! ECHO message            $len message
//! QUIT                    +OK, then the connection closes; nothing pipelined after it runs
//! SELECT index            +OK for 0; -ERR DB index is out of range otherwise
//! HELLO [2]               server facts as a flat array; protocol 3 is refused (-NOPROTO)
//! CLIENT ID|SETNAME|GETNAME|LIST
//! ```

use std::time::Instant;

use log::warn;

use crate::resp::Request;
use crate::resp::number::parse_i64;

use crate::server::Session;
use crate::server::args::{Args, is_option};
use crate::server::blocking::{self, Unblock};
use crate::server::client::Client;
use crate::server::command::{Command, Exec};

// One command per line: the table reads as a table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("ping", -1, &["fast", "sentinel"], ping).acl(&["connection"]).tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    Command::new("echo", 2, &["loading", "stale", "fast"], echo).acl(&["connection"]),
    Command::new("quit", -1, &["allow_busy", "noscript", "loading", "stale", "fast", "no_auth"], quit).acl(&["connection"]),
    Command::new("select", 2, &["loading", "stale", "fast"], select).acl(&["connection"]),
    Command::new("hello", -1, &["noscript", "loading", "stale", "fast", "no_auth", "sentinel", "allow_busy"], hello).acl(&["connection"]),
    Command::new("client", -2, &["sentinel"], client).subcommands(CLIENT),
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

fn select(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    match parse_i64(req.arg(1)) {
        None => exec.not_integer(),
        Some(0) => exec.ok(),
        Some(_) => exec.error("ERR DB index is out of range"),
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
fn valid_client_name(name: &[u8]) -> bool {
    name.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

/// `CLIENT <subcommand> ...`.
fn client(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    exec.run_subcommand("CLIENT", CLIENT, req);
}

#[rustfmt::skip]
const CLIENT: &[Command] = &[
    Command::new("client|id", 2, &["noscript", "loading", "stale", "sentinel"], client_id).acl(&["connection"]),
    Command::new("client|getname", 2, &["noscript", "loading", "stale", "sentinel"], client_getname).acl(&["connection"]),
    Command::new("client|setname", 3, &["noscript", "loading", "stale", "sentinel"], client_setname).acl(&["connection"]),
    Command::new("client|list", -2, &["admin", "noscript", "loading", "stale", "sentinel"], client_list_command).acl(&["connection"]).tips(&["nondeterministic_output"]),
    Command::new("client|unblock", -3, &["admin", "noscript", "loading", "stale", "sentinel"], client_unblock).acl(&["connection"]),
    Command::new("client|help", 2, &["loading", "stale", "sentinel"], client_help).acl(&["connection"]),
];

fn client_id(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.integer(exec.client.id as i64);
}

fn client_getname(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    match exec.client.name.clone() {
        Some(name) => exec.bulk(&name),
        None => exec.null(),
    }
}

fn client_setname(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let name = req.arg(2);
    if !valid_client_name(name) {
        return exec
            .error("ERR Client names cannot contain spaces, newlines or special characters.");
    }
    exec.client.name = (!name.is_empty()).then(|| name.to_vec());
    exec.ok();
}

fn client_list_command(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    if req.len() != 2 {
        // CLIENT LIST TYPE / ID filters are not implemented.
        return exec.syntax_error();
    }
    let list = client_list(exec);
    exec.bulk(&list);
}

fn client_help(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.help(
        "client",
        &[
            "ID",
            "    Return the ID of the current connection.",
            "GETNAME",
            "    Return the name of the current connection.",
            "LIST",
            "    Return information about client connections.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
        ],
    );
}

/// `CLIENT UNBLOCK id [TIMEOUT|ERROR]`: end a blocked client's wait as if its timeout had
/// passed, or with an error. `:1` if that client was blocked, `:0` otherwise.
fn client_unblock(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    if req.len() > 4 {
        return exec.subcommand_syntax(req.arg(1), "CLIENT");
    }
    let how = match req.len() {
        3 => Unblock::Timeout,
        _ if req.arg(3).eq_ignore_ascii_case(b"timeout") => Unblock::Timeout,
        _ if req.arg(3).eq_ignore_ascii_case(b"error") => Unblock::Error,
        _ => return exec.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"),
    };
    let Some(target) = parse_i64(req.arg(2)) else {
        return exec.not_integer();
    };
    let mut conn = None;
    exec.ctx.for_each(|info, session| {
        let client = session.and_then(Session::client);
        if client.is_some_and(|c| c.id as i64 == target && c.blocked.is_some()) {
            conn = Some(info.id);
        }
    });
    let unblocked = conn.is_some_and(|conn| blocking::unblock(exec.state, exec.ctx, conn, how));
    exec.integer(i64::from(unblocked));
}

/// Redis's CLIENT LIST `flags`: `b` blocked, `P` subscribed, `N` none of them.
fn client_flags(client: &Client) -> String {
    let mut flags = String::new();
    if client.blocked.is_some() {
        flags.push('b');
    }
    if client.subscribed() {
        flags.push('P');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    flags
}

/// One line per client in Redis's `CLIENT LIST` format (the fields that mean something here).
fn client_list(exec: &mut Exec<'_, '_>) -> Vec<u8> {
    use std::fmt::Write;
    let now = Instant::now();
    let mut rows: Vec<(u64, String)> = Vec::new();
    let current = exec.id;
    let me = &*exec.client;
    exec.ctx.for_each(|info, session| {
        let client = match session.map(Session::client) {
            Some(Some(client)) => client,
            // A dashboard viewer: not a Redis client.
            Some(None) => return,
            None if info.id == current => me,
            None => return,
        };
        let mut line = String::new();
        let name = client
            .name
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let local = info.local().map(|a| a.to_string()).unwrap_or_default();
        let _ = writeln!(
            line,
            "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db=0 sub={} psub={} \
             ssub=0 multi=-1 qbuf={} qbuf-free={} argv-mem=0 multi-mem=0 rbs={} rbp=0 obl=0 \
             oll=0 omem={} tot-mem={} events=r cmd={} user=default redir=-1 resp=2",
            client.id,
            info.peer,
            local,
            info.fd,
            name,
            now.duration_since(info.created).as_secs(),
            now.duration_since(info.last_active).as_secs(),
            client_flags(client),
            client.channels.len(),
            client.patterns.len(),
            info.input_len,
            info.input_capacity - info.input_len,
            info.input_capacity,
            info.output_len,
            info.input_capacity + info.output_capacity,
            client.last_command,
        );
        rows.push((client.id, line));
    });
    rows.sort_by_key(|(id, _)| *id);
    rows.into_iter()
        .flat_map(|(_, line)| line.into_bytes())
        .collect()
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
