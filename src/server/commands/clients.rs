//! CLIENT: the connections, as commands see them: listed, described, named, killed, unblocked,
//! and told whether to reply.
//!
//! Chapter: [docs/09-commands-and-the-keyspace.md](../../../docs/09-commands-and-the-keyspace.md).
//!
//! ```text
//! CLIENT ID | GETNAME | SETNAME name | INFO          :id | $name | +OK | $line
//! CLIENT LIST [TYPE normal|pubsub|...] [ID id ...]     $lines, one per client
//! CLIENT KILL ip:port                                  +OK | -ERR No such client
//! CLIENT KILL [ID id] [TYPE t] [ADDR a] [LADDR a] [USER u] [SKIPME yes|no]   :killed
//! CLIENT UNBLOCK id [TIMEOUT|ERROR]                    :1 | :0
//! CLIENT REPLY ON|OFF|SKIP                             +OK for ON; nothing for the others
//! CLIENT NO-EVICT ON|OFF | GETREDIR                    +OK | :-1
//! CLIENT PAUSE ms [WRITE|ALL] | UNPAUSE                +OK
//! ```
//!
//! CLIENT PAUSE is the loop withholding service without blocking: a paused client's command
//! is left unread in its connection ([`crate::reactor::Ctx::pause_input`]), the loop goes on
//! reading every socket and sleeping when there is nothing to do, and a timer (or UNPAUSE)
//! resumes the held clients. Meanwhile nothing expires: lookups hide a key past its deadline
//! without deleting it, and the active expiry cycle waits.
//!
//! Every client is a connection the loop owns; a command reaches the others only through
//! [`crate::reactor::Ctx`] (`for_each` to see them, `abort` to kill one), and its own through
//! `exec.client`, since the loop lends the running connection out. CLIENT REPLY is the one
//! subcommand that reaches past the command: whether a command's reply is kept is decided by
//! `Server::data` after it ran ([`Client::keeps_reply`]).
//!
//! Redis counterpart: `clientCommand` and `catClientInfoString` in `networking.c`.

use std::fmt::Write as _;
use std::time::Instant;

use crate::reactor::ConnInfo;
use crate::resp::Request;
use crate::resp::number::parse_i64;

use crate::server::Session;
use crate::server::blocking::{self, Unblock};
use crate::server::client::{Client, Replies};
use crate::server::command::{Command, Exec};
use crate::server::commands::connection::valid_client_name;

#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("client", -2, &["sentinel"], client).subcommands(CLIENT),
];

/// `CLIENT <subcommand> ...`.
fn client(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    exec.run_subcommand("CLIENT", CLIENT, req);
}

#[rustfmt::skip]
const CLIENT: &[Command] = &[
    Command::new("client|id", 2, &["noscript", "loading", "stale", "sentinel"], client_id).acl(&["connection"]),
    Command::new("client|info", 2, &["noscript", "loading", "stale", "sentinel"], client_info).acl(&["connection"]).tips(&["nondeterministic_output"]),
    Command::new("client|getname", 2, &["noscript", "loading", "stale", "sentinel"], client_getname).acl(&["connection"]),
    Command::new("client|setname", 3, &["noscript", "loading", "stale", "sentinel"], client_setname).acl(&["connection"]),
    Command::new("client|list", -2, &["admin", "noscript", "loading", "stale", "sentinel"], client_list).acl(&["connection"]).tips(&["nondeterministic_output"]),
    Command::new("client|kill", -3, &["admin", "noscript", "loading", "stale", "sentinel"], client_kill).acl(&["connection"]),
    Command::new("client|unblock", -3, &["admin", "noscript", "loading", "stale", "sentinel"], client_unblock).acl(&["connection"]),
    Command::new("client|reply", 3, &["noscript", "loading", "stale", "sentinel"], client_reply).acl(&["connection"]),
    Command::new("client|no-evict", 3, &["admin", "noscript", "loading", "stale", "sentinel"], client_no_evict).acl(&["connection"]),
    Command::new("client|pause", -3, &["admin", "noscript", "loading", "stale", "sentinel"], client_pause).acl(&["connection"]),
    Command::new("client|unpause", 2, &["admin", "noscript", "loading", "stale", "sentinel"], client_unpause).acl(&["connection"]),
    Command::new("client|getredir", 2, &["noscript", "loading", "stale", "sentinel"], client_getredir).acl(&["connection"]),
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

/// `CLIENT INFO`: this client's CLIENT LIST line.
fn client_info(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let me = exec.client.id;
    let line = every_client(exec, req, |client| client.id == me)
        .into_iter()
        .map(|(_, line)| line)
        .next()
        .unwrap_or_default();
    exec.bulk(line.as_bytes());
}

/// A client's type, as `TYPE` filters name them (Redis's `getClientTypeByName`); this server
/// has no replicas or primaries, so those types match nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Normal,
    Pubsub,
    Replica,
    Master,
}

impl Type {
    fn named(name: &[u8]) -> Option<Type> {
        let is = |known: &str| name.eq_ignore_ascii_case(known.as_bytes());
        if is("normal") {
            Some(Type::Normal)
        } else if is("pubsub") {
            Some(Type::Pubsub)
        } else if is("replica") || is("slave") {
            Some(Type::Replica)
        } else if is("master") {
            Some(Type::Master)
        } else {
            None
        }
    }

    fn of(client: &Client) -> Type {
        if client.subscribed() {
            Type::Pubsub
        } else {
            Type::Normal
        }
    }
}

fn unknown_type(exec: &mut Exec<'_, '_>, name: &[u8]) {
    let mut message = b"ERR Unknown client type '".to_vec();
    message.extend_from_slice(name);
    message.push(b'\'');
    exec.error_bytes(&message);
}

/// `CLIENT LIST [TYPE type | ID id ...]`: a line per client, by id.
fn client_list(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let mut only_type = None;
    let mut only_ids = None;
    if req.len() == 4 && req.arg(2).eq_ignore_ascii_case(b"type") {
        match Type::named(req.arg(3)) {
            Some(kind) => only_type = Some(kind),
            None => return unknown_type(exec, req.arg(3)),
        }
    } else if req.len() > 3 && req.arg(2).eq_ignore_ascii_case(b"id") {
        let mut ids = Vec::new();
        for arg in req.args().skip(3) {
            match parse_i64(arg) {
                Some(id) => ids.push(id),
                None => return exec.error("ERR Invalid client ID"),
            }
        }
        only_ids = Some(ids);
    } else if req.len() != 2 {
        return exec.syntax_error();
    }
    let lines = every_client(exec, req, |client| {
        only_type.is_none_or(|kind| Type::of(client) == kind)
            && only_ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&(client.id as i64)))
    });
    let text: String = lines.into_iter().map(|(_, line)| line).collect();
    exec.bulk(text.as_bytes());
}

/// The CLIENT LIST line of every client `wanted` picks, by id.
fn every_client(
    exec: &mut Exec<'_, '_>,
    req: &Request<'_>,
    wanted: impl Fn(&Client) -> bool,
) -> Vec<(u64, String)> {
    let now = Instant::now();
    let current = exec.id;
    let running = Running {
        bytes: request_len(req),
        argv: req.args().map(<[u8]>::len).sum(),
    };
    let mut rows = Vec::new();
    for_each_client(exec, |info, client| {
        if wanted(client) {
            let running = if info.id == current {
                running
            } else {
                Running::default()
            };
            rows.push((client.id, client_line(&info, client, now, running)));
        }
    });
    rows.sort_by_key(|(id, _)| *id);
    rows
}

/// Every Redis client with its connection (dashboard viewers are not clients). The running
/// client is lent out by the loop (its session is not in the table), so it is read from `exec`.
fn for_each_client(exec: &mut Exec<'_, '_>, mut f: impl FnMut(ConnInfo<'_>, &Client)) {
    let current = exec.id;
    let me = &*exec.client;
    exec.ctx
        .for_each(|info, session| match session.map(Session::client) {
            Some(Some(client)) => f(info, client),
            None if info.id == current => f(info, me),
            _ => {}
        });
}

/// Redis's CLIENT LIST `flags`, in its order: `P` subscribed, `b` blocked, `e` no-evict, `N`
/// none of them.
fn client_flags(client: &Client) -> String {
    let mut flags = String::new();
    if client.subscribed() {
        flags.push('P');
    }
    if client.multi.is_some() {
        flags.push('x');
    }
    if client.blocked.is_some() {
        flags.push('b');
    }
    if client.no_evict {
        flags.push('e');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    flags
}

/// The request a client is running (only the caller of CLIENT LIST or INFO is): its bytes as
/// sent, which Redis's query buffer holds while it runs (`qbuf`), and the sum of its
/// arguments' lengths (`argv-mem`, Redis's `argv_len_sum`).
#[derive(Clone, Copy, Default)]
struct Running {
    bytes: usize,
    argv: usize,
}

/// The bytes of `req` as a client sends it (`*2\r\n$6\r\nclient\r\n...`): what Redis's
/// query buffer holds while the request runs, so the running client's `qbuf` says it.
fn request_len(req: &Request<'_>) -> usize {
    let digits = |n: usize| n.to_string().len();
    3 + digits(req.len())
        + req
            .args()
            .map(|arg| 5 + digits(arg.len()) + arg.len())
            .sum::<usize>()
}

/// One client in Redis's CLIENT LIST format, newline included. The buffers are the loop's
/// (`qbuf` unparsed input, plus the request being run, for the caller; `omem` unsent output).
/// Reads go through one buffer the loop shares, so a client's read buffer (`rbs`, `rbp`) is
/// what it keeps between reads: a partial request, else nothing. `multi` counts the commands
/// queued since MULTI (-1 outside one), `multi-mem` their bytes.
fn client_line(info: &ConnInfo<'_>, client: &Client, now: Instant, running: Running) -> String {
    let name = client
        .name
        .as_deref()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let local = info.local().map(|a| a.to_string()).unwrap_or_default();
    let events = if info.writable { "rw" } else { "r" };
    let mut line = String::new();
    let _ = writeln!(
        line,
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} \
         ssub=0 multi={} qbuf={} qbuf-free={} argv-mem={} multi-mem={} rbs={} rbp={} obl=0 \
         oll=0 omem={} tot-mem={} events={events} cmd={} user=default redir=-1 resp=2",
        client.id,
        info.peer,
        local,
        info.fd,
        name,
        now.saturating_duration_since(info.created).as_secs(),
        now.saturating_duration_since(info.last_active).as_secs(),
        client_flags(client),
        client.db,
        client.channels.len(),
        client.patterns.len(),
        client.multi.as_ref().map_or(-1, |t| t.queue.len() as i64),
        info.input_len + running.bytes,
        info.input_capacity - info.input_len,
        running.argv,
        client.multi.as_ref().map_or(0, |t| t.bytes),
        info.input_capacity,
        info.input_capacity,
        info.output_len,
        info.input_capacity + info.output_capacity + client.multi.as_ref().map_or(0, |t| t.bytes),
        client.last_command,
    );
    line
}

/// What `CLIENT KILL` picks.
#[derive(Default)]
struct Filter {
    addr: Option<Vec<u8>>,
    laddr: Option<Vec<u8>>,
    kind: Option<Type>,
    id: Option<u64>,
    skip_me: bool,
}

/// `CLIENT KILL ip:port` (the old form: `+OK` or `-ERR No such client`, and a client may kill
/// itself) or `CLIENT KILL option value ...` (the count killed; the caller is spared unless
/// `SKIPME no`). Another client is closed at once, its pending output dropped, as Redis's
/// `freeClient`; the caller is closed after this reply.
fn client_kill(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let old_form = req.len() == 3;
    let filter = if old_form {
        Filter {
            addr: Some(req.arg(2).to_vec()),
            ..Filter::default()
        }
    } else {
        match kill_filter(req) {
            Ok(filter) => filter,
            Err(KillError::Message(message)) => return exec.error_bytes(&message),
            Err(KillError::Syntax) => return exec.syntax_error(),
        }
    };
    let mut victims = Vec::new();
    let current = exec.id;
    for_each_client(exec, |info, client| {
        let addr_is = |want: &Option<Vec<u8>>, have: Option<std::net::SocketAddr>| {
            want.as_ref()
                .is_none_or(|want| have.is_some_and(|a| a.to_string().as_bytes() == &want[..]))
        };
        let matches = addr_is(&filter.addr, Some(info.peer))
            && addr_is(&filter.laddr, info.local())
            && filter.kind.is_none_or(|kind| Type::of(client) == kind)
            && filter.id.is_none_or(|id| client.id == id)
            && !(filter.skip_me && info.id == current);
        if matches {
            victims.push(info.id);
        }
    });
    let killed = victims.len();
    for victim in victims {
        if victim == current {
            exec.client.closing = true;
            exec.ctx.close(current);
        } else {
            exec.ctx.abort(victim);
        }
    }
    match (old_form, killed) {
        (true, 0) => exec.error("ERR No such client"),
        (true, _) => exec.ok(),
        (false, n) => exec.integer(n as i64),
    }
}

enum KillError {
    Syntax,
    Message(Vec<u8>),
}

/// The new form's options, as Redis reads them: pairs, each option any case, the last of a
/// kind winning.
fn kill_filter(req: &Request<'_>) -> Result<Filter, KillError> {
    let mut filter = Filter {
        skip_me: true,
        ..Filter::default()
    };
    let mut i = 2;
    while i < req.len() {
        if i + 1 >= req.len() {
            return Err(KillError::Syntax);
        }
        let (option, value) = (req.arg(i), req.arg(i + 1));
        let is = |name: &str| option.eq_ignore_ascii_case(name.as_bytes());
        if is("id") {
            let id = parse_i64(value).filter(|&id| id > 0).ok_or_else(|| {
                KillError::Message(b"ERR client-id should be greater than 0".to_vec())
            })?;
            filter.id = Some(id as u64);
        } else if is("type") {
            filter.kind = Some(Type::named(value).ok_or_else(|| {
                let mut message = b"ERR Unknown client type '".to_vec();
                message.extend_from_slice(value);
                message.push(b'\'');
                KillError::Message(message)
            })?);
        } else if is("addr") {
            filter.addr = Some(value.to_vec());
        } else if is("laddr") {
            filter.laddr = Some(value.to_vec());
        } else if is("user") {
            // One user exists here: `default`.
            if value != b"default" {
                let mut message = b"ERR No such user '".to_vec();
                message.extend_from_slice(value);
                message.push(b'\'');
                return Err(KillError::Message(message));
            }
        } else if is("skipme") {
            filter.skip_me = if value.eq_ignore_ascii_case(b"yes") {
                true
            } else if value.eq_ignore_ascii_case(b"no") {
                false
            } else {
                return Err(KillError::Syntax);
            };
        } else {
            return Err(KillError::Syntax);
        }
        i += 2;
    }
    Ok(filter)
}

/// `CLIENT REPLY ON|OFF|SKIP`: ON answers `+OK`; OFF and SKIP answer nothing (OFF: no reply
/// until ON; SKIP: none to the next command), as Redis.
fn client_reply(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let mode = req.arg(2);
    if mode.eq_ignore_ascii_case(b"on") {
        exec.client.replies = Replies::On;
        exec.ok();
    } else if mode.eq_ignore_ascii_case(b"off") {
        exec.client.replies = Replies::Off;
    } else if mode.eq_ignore_ascii_case(b"skip") {
        if exec.client.replies != Replies::Off {
            exec.client.replies = Replies::SkipNext;
        }
    } else {
        exec.syntax_error();
    }
}

/// `CLIENT NO-EVICT ON|OFF`: recorded (the `e` flag); nothing evicts clients here yet.
fn client_no_evict(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let mode = req.arg(2);
    if mode.eq_ignore_ascii_case(b"on") {
        exec.client.no_evict = true;
        exec.ok();
    } else if mode.eq_ignore_ascii_case(b"off") {
        exec.client.no_evict = false;
        exec.ok();
    } else {
        exec.syntax_error();
    }
}

/// `CLIENT PAUSE timeout [WRITE|ALL]`: hold every command (`ALL`, the default) or those that
/// write (`WRITE`) from every client for `timeout` milliseconds. A second pause extends the
/// first (the later end, the stricter kind), as Redis's `pauseClients`. Held commands wait
/// unanswered and run, in order, when the pause ends (`State::unpause`).
fn client_pause(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    if req.len() > 4 {
        return exec.subcommand_syntax(req.arg(1), "CLIENT");
    }
    let all = match req.len() {
        3 => true,
        _ if req.arg(3).eq_ignore_ascii_case(b"all") => true,
        _ if req.arg(3).eq_ignore_ascii_case(b"write") => false,
        _ => return exec.error("ERR CLIENT PAUSE mode must be WRITE or ALL"),
    };
    let Some(millis) = parse_i64(req.arg(2)) else {
        return exec.error("ERR timeout is not an integer or out of range");
    };
    let Ok(millis) = u64::try_from(millis) else {
        return exec.error("ERR timeout is negative");
    };
    let until = exec.ctx.now() + std::time::Duration::from_millis(millis);
    let state = &mut *exec.state;
    let pause = state.pause.get_or_insert(crate::server::Pause {
        until,
        all,
        held: Vec::new(),
    });
    pause.until = pause.until.max(until);
    pause.all |= all;
    for (_, db) in state.dbs_mut() {
        db.frozen = true;
    }
    exec.ok();
}

/// `CLIENT UNPAUSE`: end the pause now; the held commands run.
fn client_unpause(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.state.unpause(exec.ctx);
    exec.ok();
}

/// `CLIENT GETREDIR`: `-1`, tracking is off (there is no client-side caching here).
fn client_getredir(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.integer(-1);
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

/// Redis 7.0's CLIENT HELP, whole: the subcommands not implemented here (CACHING, TRACKING,
/// TRACKINGINFO: there is no client-side caching) answer `unknown subcommand`.
fn client_help(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.help(
        "client",
        &[
            "CACHING (YES|NO)",
            "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
            "GETREDIR",
            "    Return the client ID we are redirecting to when tracking is enabled.",
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "UNPAUSE",
            "    Stop the current client pause, resuming traffic.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Suspend all, or just write, clients for <timeout> milliseconds.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
            "         [OPTIN] [OPTOUT] [NOLOOP]",
            "    Control server assisted client side caching.",
            "TRACKINGINFO",
            "    Report tracking status for the current connection.",
            "NO-EVICT (ON|OFF)",
            "    Protect current client connection from eviction.",
        ],
    );
}
