//! List commands that work at the ends: pushes, pops, moves, and their blocking forms.
//!
//! Chapter: [docs/16-a-blocked-client.md](../../../../docs/16-a-blocked-client.md) (the blocking
//! forms); the list itself is [`crate::server::keyspace::list`]. The commands that address a list by
//! index or value (`LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS`) are in
//! [`crate::server::commands::lists::index`].
//!
//! A list key exists only while it has elements: a pop that takes the last one deletes the
//! key, and a push to a missing key creates it (which is what wakes blocked clients: see
//! [`crate::server::blocking`]). Each blocking command first tries its non-blocking form; only if
//! every key is missing does it park the client. Run again for a served client, the same code
//! pops, so "what a pop returns" is decided in one place.
//!
//! Redis counterpart: `t_list.c` (`pushGenericCommand`, `popGenericCommand`,
//! `lmoveGenericCommand`, `mpopGenericCommand`, `blockingPopGenericCommand`).

pub mod index;

use crate::resp::{Request, reply};

use crate::server::State;
use crate::server::args::Mpop;
use crate::server::blocking::{self, Kind, parse_timeout};
use crate::server::command::{Command, Exec};
use crate::server::commands::keys::{WrongType, write_as};
use crate::server::keyspace::db::Value;
use crate::server::keyspace::list::{End, List};
use crate::server::spec::KeySpec;

// One command per line: the table reads as a table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("lpush", -3, &["write", "denyoom", "fast"], lpush).acl(&["list"]).keys(&[KeySpec::index(1, &["RW", "insert"])]),
    Command::new("rpush", -3, &["write", "denyoom", "fast"], rpush).acl(&["list"]).keys(&[KeySpec::index(1, &["RW", "insert"])]),
    Command::new("lpushx", -3, &["write", "denyoom", "fast"], lpushx).acl(&["list"]).keys(&[KeySpec::index(1, &["RW", "insert"])]),
    Command::new("rpushx", -3, &["write", "denyoom", "fast"], rpushx).acl(&["list"]).keys(&[KeySpec::index(1, &["RW", "insert"])]),
    Command::new("lpop", -2, &["write", "fast"], lpop).acl(&["list"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"])]),
    Command::new("rpop", -2, &["write", "fast"], rpop).acl(&["list"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"])]),
    Command::new("lmove", 5, &["write", "denyoom"], lmove).acl(&["list"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"]), KeySpec::index(2, &["RW", "insert"])]),
    Command::new("rpoplpush", 3, &["write", "denyoom"], rpoplpush).acl(&["list"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"]), KeySpec::index(2, &["RW", "insert"])]),
    Command::new("lmpop", -4, &["write"], lmpop).acl(&["list"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"]).keynum(0, 1, 1)]),
    Command::new("blpop", -3, &["write", "noscript", "blocking"], blpop).acl(&["list"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"]).range(-2, 1, 0)]),
    Command::new("brpop", -3, &["write", "noscript", "blocking"], brpop).acl(&["list"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"]).range(-2, 1, 0)]),
    Command::new("blmove", 6, &["write", "denyoom", "noscript", "blocking"], blmove).acl(&["list"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"]), KeySpec::index(2, &["RW", "insert"])]),
    Command::new("brpoplpush", 4, &["write", "denyoom", "noscript", "blocking"], brpoplpush).acl(&["list"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"]), KeySpec::index(2, &["RW", "insert"])]),
    Command::new("blmpop", -5, &["write", "blocking"], blmpop).acl(&["list"]).keys(&[KeySpec::index(2, &["RW", "access", "delete"]).keynum(0, 1, 1)]),
];

// ---- Helpers shared with the other list commands ----

/// `LEFT` or `RIGHT`, any case.
fn parse_end(arg: &[u8]) -> Option<End> {
    if arg.eq_ignore_ascii_case(b"left") {
        Some(End::Left)
    } else if arg.eq_ignore_ascii_case(b"right") {
        Some(End::Right)
    } else {
        None
    }
}

/// Delete `key` if its list is now empty (an empty aggregate does not exist, in Redis).
fn delete_if_empty(state: &mut State, key: &[u8], now_ms: i64) {
    if matches!(state.db.get(key, now_ms), Some(Value::List(list)) if list.is_empty()) {
        state.db.remove(key);
    }
}

// ---- Pushes ----

fn lpush(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    push(exec, req, End::Left, false);
}

fn rpush(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    push(exec, req, End::Right, false);
}

fn lpushx(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    push(exec, req, End::Left, true);
}

fn rpushx(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    push(exec, req, End::Right, true);
}

/// `[LR]PUSH[X] key element [element ...]`: the list's new length. `existing_only` (the X
/// forms): a missing key is left missing and the reply is 0.
fn push(exec: &mut Exec<'_, '_>, req: &Request<'_>, end: End, existing_only: bool) {
    let key = req.arg(1);
    let State { db, config, .. } = &mut *exec.state;
    let encodings = &config.encodings;
    let len = match db.get_mut(key, exec.now_ms) {
        Some(Value::List(list)) => {
            for element in req.args().skip(2) {
                list.push(end, element, encodings);
            }
            list.len()
        }
        Some(_) => return exec.wrong_type(),
        None if existing_only => 0,
        None => {
            let mut list = List::new();
            for element in req.args().skip(2) {
                list.push(end, element, encodings);
            }
            let len = list.len();
            // Creating the key is what wakes clients blocked on it (Db::add signals it).
            db.insert(key, Value::List(list));
            len
        }
    };
    exec.integer(len as i64);
}

// ---- Pops ----

fn lpop(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    pop(exec, req, End::Left);
}

fn rpop(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    pop(exec, req, End::Right);
}

/// Redis's `getPositiveLongFromObjectOrReply` without a message: not a number and negative
/// get the same error.
fn parse_positive(arg: &[u8]) -> Result<i64, &'static str> {
    match crate::resp::number::parse_i64(arg) {
        Some(n) if n >= 0 => Ok(n),
        _ => Err("ERR value is out of range, must be positive"),
    }
}

/// `[LR]POP key [count]`: one element as a bulk string, or with a count an array of up to
/// `count` (a null array for a missing key, as Redis).
fn pop(exec: &mut Exec<'_, '_>, req: &Request<'_>, end: End) {
    if req.len() > 3 {
        return exec.arity_error(if end == End::Left { "lpop" } else { "rpop" });
    }
    let count = if req.len() == 3 {
        match parse_positive(req.arg(2)) {
            Ok(n) => Some(n),
            Err(message) => return exec.error(message),
        }
    } else {
        None
    };
    let key = req.arg(1);
    let list = match write_as::<List>(exec.state, key, exec.now_ms) {
        Ok(Some(list)) => list,
        Ok(None) if count.is_some() => return reply::null_array(exec.out),
        Ok(None) => return exec.null(),
        Err(WrongType) => return exec.wrong_type(),
    };
    match count {
        None => {
            if let Some(element) = list.pop(end) {
                reply::bulk(exec.out, &element);
            }
        }
        Some(count) => {
            let n = list.len().min(usize::try_from(count).unwrap_or(usize::MAX));
            reply::array(exec.out, n);
            for _ in 0..n {
                if let Some(element) = list.pop(end) {
                    reply::bulk(exec.out, &element);
                }
            }
        }
    }
    // Judged from the list in hand: no second lookup on the hot path.
    if list.is_empty() {
        exec.state.db.remove(key);
    }
}

// ---- Moves ----

fn lmove(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let (Some(from), Some(to)) = (parse_end(req.arg(3)), parse_end(req.arg(4))) else {
        return exec.syntax_error();
    };
    move_element(exec, req.arg(1), req.arg(2), from, to);
}

fn rpoplpush(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    move_element(exec, req.arg(1), req.arg(2), End::Right, End::Left);
}

/// `LMOVE source destination from to`: pop at one end of `source`, push at one end of
/// `destination`, reply with the element (null if `source` is missing). A destination of
/// another type is refused before anything is popped. `source == destination` rotates.
fn move_element(exec: &mut Exec<'_, '_>, src: &[u8], dst: &[u8], from: End, to: End) {
    let now = exec.now_ms;
    match exec.state.db.get(src, now) {
        None => return exec.null(),
        Some(Value::List(_)) => {}
        Some(_) => return exec.wrong_type(),
    }
    if !matches!(exec.state.db.get(dst, now), None | Some(Value::List(_))) {
        return exec.wrong_type();
    }
    let Ok(Some(source)) = write_as::<List>(exec.state, src, now) else {
        return exec.null();
    };
    let Some(element) = source.pop(from) else {
        return exec.null();
    };
    let State { db, config, .. } = &mut *exec.state;
    let encodings = &config.encodings;
    match db.get_mut(dst, now) {
        // The same list when src == dst: push before deleting-if-empty, so a one-element
        // rotation keeps the key (and its TTL).
        Some(Value::List(list)) => list.push(to, &element, encodings),
        _ => {
            let mut list = List::new();
            list.push(to, &element, encodings);
            db.insert(dst, Value::List(list));
        }
    }
    delete_if_empty(exec.state, src, now);
    exec.bulk(&element);
}

// ---- Multi-key pops ----

fn lmpop(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    blocking::mpop(exec, req, None, parse_end, try_mpop);
}

/// Pop up to `count` from the first non-empty list among the keys, replying
/// `[key, [elements...]]`. Returns false, having replied nothing, if every key is missing;
/// true if it replied (elements, or WRONGTYPE for a key of another type met first).
fn try_mpop(exec: &mut Exec<'_, '_>, req: &Request<'_>, mpop: &Mpop<End>) -> bool {
    for i in mpop.first_key..mpop.first_key + mpop.numkeys {
        let key = req.arg(i);
        let list = match write_as::<List>(exec.state, key, exec.now_ms) {
            Ok(Some(list)) => list,
            Ok(None) => continue,
            Err(WrongType) => {
                exec.wrong_type();
                return true;
            }
        };
        let n = list.len().min(mpop.count);
        reply::array(exec.out, 2);
        reply::bulk(exec.out, key);
        reply::array(exec.out, n);
        for _ in 0..n {
            if let Some(element) = list.pop(mpop.end) {
                reply::bulk(exec.out, &element);
            }
        }
        if list.is_empty() {
            exec.state.db.remove(key);
        }
        return true;
    }
    false
}

// ---- Blocking forms ----

fn blpop(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    blocking_pop(exec, req, End::Left);
}

fn brpop(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    blocking_pop(exec, req, End::Right);
}

/// `B[LR]POP key [key ...] timeout`: `[key, element]` from the first non-empty list, or block.
fn blocking_pop(exec: &mut Exec<'_, '_>, req: &Request<'_>, end: End) {
    let timeout = match parse_timeout(req.arg(req.len() - 1), exec.now_ms) {
        Ok(timeout) => timeout,
        Err(message) => return exec.error(message),
    };
    let keys = 1..req.len() - 1;
    for i in keys.clone() {
        let key = req.arg(i);
        let list = match write_as::<List>(exec.state, key, exec.now_ms) {
            Ok(Some(list)) => list,
            Ok(None) => continue,
            Err(WrongType) => return exec.wrong_type(),
        };
        if let Some(element) = list.pop(end) {
            reply::array(exec.out, 2);
            reply::bulk(exec.out, key);
            reply::bulk(exec.out, &element);
        }
        if list.is_empty() {
            exec.state.db.remove(key);
        }
        return;
    }
    let keys: Vec<&[u8]> = keys.map(|i| req.arg(i)).collect();
    if !exec.block(Kind::List, &keys, timeout, req) {
        reply::null_array(exec.out);
    }
}

fn blmove(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let (Some(from), Some(to)) = (parse_end(req.arg(3)), parse_end(req.arg(4))) else {
        return exec.syntax_error();
    };
    blocking_move(exec, req, from, to, req.arg(5));
}

fn brpoplpush(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    blocking_move(exec, req, End::Right, End::Left, req.arg(3));
}

/// `BLMOVE source destination from to timeout`: LMOVE if `source` exists, else block on it.
fn blocking_move(exec: &mut Exec<'_, '_>, req: &Request<'_>, from: End, to: End, timeout: &[u8]) {
    let timeout = match parse_timeout(timeout, exec.now_ms) {
        Ok(timeout) => timeout,
        Err(message) => return exec.error(message),
    };
    let src = req.arg(1);
    match exec.state.db.get(src, exec.now_ms) {
        Some(Value::List(_)) => move_element(exec, src, req.arg(2), from, to),
        Some(_) => exec.wrong_type(),
        None => {
            if !exec.block(Kind::List, &[src], timeout, req) {
                exec.null();
            }
        }
    }
}

/// `BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]`.
fn blmpop(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    blocking::mpop(exec, req, Some(Kind::List), parse_end, try_mpop);
}
