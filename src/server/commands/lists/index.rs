//! List commands that address a list by position or by value: `LLEN LRANGE LINDEX LSET
//! LINSERT LREM LTRIM LPOS`.
//!
//! ```text
//! LLEN key                          :length (0 for a missing key)
//! LRANGE key start stop             *n elements; negative indexes count from the end
//! LINDEX key index                  $element, or $-1
//! LSET key index element            +OK; -ERR no such key / -ERR index out of range
//! LINSERT key BEFORE|AFTER pivot e  :new length; :-1 without the pivot; :0 without the key
//! LREM key count element            :removed (count > 0 from the left, < 0 from the right,
//!                                    0 all)
//! LTRIM key start stop              +OK (the key goes if nothing is left)
//! LPOS key element [RANK r] [COUNT n] [MAXLEN m]   :index, $-1, or *n indexes with COUNT
//! ```
//!
//! None of them can create a key, so none can wake a blocked client; LREM and LTRIM can empty
//! a list, and then the key goes, as an empty aggregate does not exist in Redis. Indexes follow
//! Redis's rules: negative ones count from the end (-1 is the last), ranges are clamped, and an
//! index that is not an integer is `-ERR value is not an integer or out of range`, checked in
//! the same order as Redis checks it against the key's existence and type.
//!
//! Redis counterpart: `t_list.c` (`lrangeCommand`, `lindexCommand`, `lsetCommand`,
//! `linsertCommand`, `lremCommand`, `ltrimCommand`, `lposCommand`).

use crate::resp::number::parse_i64;
use crate::resp::{Request, reply};

use crate::server::args::{Args, NOT_INTEGER, SYNTAX, is_option};
use crate::server::command::{Command, Exec};
use crate::server::commands::keys::{WrongType, read_as, write_as};
use crate::server::keyspace::list::{End, List};
use crate::server::spec::KeySpec;

// One command per line: the table reads as a table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("llen", 2, &["readonly", "fast"], llen).acl(&["list"]).keys(&[KeySpec::index(1, &["RO"])]),
    Command::new("lrange", 4, &["readonly"], lrange).acl(&["list"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("lindex", 3, &["readonly"], lindex).acl(&["list"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("lset", 4, &["write", "denyoom"], lset).acl(&["list"]).keys(&[KeySpec::index(1, &["RW", "update"])]),
    Command::new("linsert", 5, &["write", "denyoom"], linsert).acl(&["list"]).keys(&[KeySpec::index(1, &["RW", "insert"])]),
    Command::new("lrem", 4, &["write"], lrem).acl(&["list"]).keys(&[KeySpec::index(1, &["RW", "delete"])]),
    Command::new("ltrim", 4, &["write"], ltrim).acl(&["list"]).keys(&[KeySpec::index(1, &["RW", "delete"])]),
    Command::new("lpos", -3, &["readonly"], lpos).acl(&["list"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
];

/// A Redis index (negative from the end) into a list of `len`: the position, if inside.
fn position(index: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let index = if index < 0 { index + len } else { index };
    (0..len).contains(&index).then_some(index as usize)
}

/// Redis's `start..=stop` (negative from the end, clamped) over `len` elements, as a
/// half-open range; empty when nothing is inside.
fn span(start: i64, stop: i64, len: usize) -> std::ops::Range<usize> {
    let n = i64::try_from(len).unwrap_or(i64::MAX);
    let start = if start < 0 {
        start.saturating_add(n)
    } else {
        start
    }
    .max(0);
    let stop = if stop < 0 {
        stop.saturating_add(n)
    } else {
        stop
    };
    if start > stop || start >= n {
        return 0..0;
    }
    let stop = stop.min(n - 1);
    start as usize..stop as usize + 1
}

fn llen(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    match read_as::<List>(exec.state, req.arg(1), exec.now_ms) {
        Ok(list) => {
            let len = list.map_or(0, List::len);
            exec.integer(len as i64);
        }
        Err(WrongType) => exec.wrong_type(),
    }
}

fn lrange(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let (Some(start), Some(stop)) = (parse_i64(req.arg(2)), parse_i64(req.arg(3))) else {
        return exec.not_integer();
    };
    // The list is read while its elements are encoded into this client's output: two fields
    // of `exec`, borrowed apart, so nothing is copied on the way.
    let Exec {
        state, out, now_ms, ..
    } = exec;
    match read_as::<List>(state, req.arg(1), *now_ms) {
        Ok(None) => reply::array(out, 0),
        Ok(Some(list)) => {
            let range = span(start, stop, list.len());
            reply::array(out, range.len());
            for element in list.iter_from(range.start).take(range.len()) {
                reply::bulk(out, element);
            }
        }
        Err(WrongType) => exec.wrong_type(),
    }
}

fn lindex(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    // Redis looks the key up before it reads the index.
    let index = parse_i64(req.arg(2));
    let Exec {
        state, out, now_ms, ..
    } = exec;
    match read_as::<List>(state, req.arg(1), *now_ms) {
        Ok(None) => reply::null(out),
        Ok(Some(list)) => match index {
            None => exec.not_integer(),
            Some(index) => match position(index, list.len()).and_then(|at| list.get(at)) {
                Some(element) => reply::bulk(out, element),
                None => reply::null(out),
            },
        },
        Err(WrongType) => exec.wrong_type(),
    }
}

fn lset(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let encodings = exec.state.config.encodings;
    let list = match write_as::<List>(exec.state, req.arg(1), exec.now_ms) {
        Ok(Some(list)) => list,
        Ok(None) => return exec.error("ERR no such key"),
        Err(WrongType) => return exec.wrong_type(),
    };
    let Some(index) = parse_i64(req.arg(2)) else {
        return exec.not_integer();
    };
    match position(index, list.len()) {
        Some(at) if list.set(at, req.arg(3), &encodings) => exec.ok(),
        _ => exec.error("ERR index out of range"),
    }
}

fn linsert(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let after = if req.arg(2).eq_ignore_ascii_case(b"after") {
        true
    } else if req.arg(2).eq_ignore_ascii_case(b"before") {
        false
    } else {
        return exec.syntax_error();
    };
    let encodings = exec.state.config.encodings;
    let list = match write_as::<List>(exec.state, req.arg(1), exec.now_ms) {
        Ok(Some(list)) => list,
        Ok(None) => return exec.integer(0),
        Err(WrongType) => return exec.wrong_type(),
    };
    let pivot = list.iter().position(|element| element == req.arg(3));
    let len = match pivot {
        Some(at) => {
            list.insert(at + usize::from(after), req.arg(4), &encodings);
            list.len() as i64
        }
        None => -1,
    };
    exec.integer(len);
}

fn lrem(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let Some(count) = parse_i64(req.arg(2)) else {
        return exec.not_integer();
    };
    let key = req.arg(1);
    let list = match write_as::<List>(exec.state, key, exec.now_ms) {
        Ok(Some(list)) => list,
        Ok(None) => return exec.integer(0),
        Err(WrongType) => return exec.wrong_type(),
    };
    let from = if count < 0 { End::Right } else { End::Left };
    let limit = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    let removed = list.remove_equal(req.arg(3), limit, from);
    if list.is_empty() {
        exec.state.db.remove(key);
    }
    exec.integer(removed as i64);
}

fn ltrim(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let (Some(start), Some(stop)) = (parse_i64(req.arg(2)), parse_i64(req.arg(3))) else {
        return exec.not_integer();
    };
    let key = req.arg(1);
    let list = match write_as::<List>(exec.state, key, exec.now_ms) {
        Ok(Some(list)) => list,
        Ok(None) => return exec.ok(),
        Err(WrongType) => return exec.wrong_type(),
    };
    let range = span(start, stop, list.len());
    list.keep_range(range.start, range.end);
    if list.is_empty() {
        exec.state.db.remove(key);
    }
    exec.ok();
}

/// LPOS's options, as Redis reads them: each checked where it stands, left to right.
struct Lpos {
    rank: i64,
    count: Option<usize>,
    maxlen: usize,
}

fn parse_lpos(req: &Request<'_>) -> Result<Lpos, &'static str> {
    let mut options = Lpos {
        rank: 1,
        count: None,
        maxlen: 0,
    };
    let mut args = Args::new(req, 3);
    while let Some(name) = args.next() {
        // Every option takes a value.
        let value = args.value()?;
        // COUNT and MAXLEN: Redis's getPositiveLongFromObjectOrReply, whose message covers
        // "not a number" too.
        let positive = |message| match parse_i64(value) {
            Some(n) if n >= 0 => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
            _ => Err(message),
        };
        if is_option(name, "rank") {
            options.rank = parse_i64(value).ok_or(NOT_INTEGER)?;
            if options.rank == 0 {
                return Err(
                    "ERR RANK can't be zero: use 1 to start from the first match, 2 \
                            from the second ... or use negative to start from the end of the \
                            list",
                );
            }
        } else if is_option(name, "count") {
            options.count = Some(positive("ERR COUNT can't be negative")?);
        } else if is_option(name, "maxlen") {
            options.maxlen = positive("ERR MAXLEN can't be negative")?;
        } else {
            return Err(SYNTAX);
        }
    }
    Ok(options)
}

fn lpos(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let options = match parse_lpos(req) {
        Ok(options) => options,
        Err(message) => return exec.error(message),
    };
    let list = match read_as::<List>(exec.state, req.arg(1), exec.now_ms) {
        Ok(Some(list)) => list,
        Ok(None) if options.count.is_some() => return exec.array(0),
        Ok(None) => return exec.null(),
        Err(WrongType) => return exec.wrong_type(),
    };
    // Matches to pass over before the first one reported: RANK 2 skips one. Redis 7.0 negates
    // a negative rank with wrap-around, so RANK -9223372036854775808 reports the first match
    // from the end; so do we.
    let skip = if options.rank == i64::MIN {
        0
    } else {
        usize::try_from(options.rank.unsigned_abs() - 1).unwrap_or(usize::MAX)
    };
    let wanted = match options.count {
        None => 1,
        Some(0) => usize::MAX,
        Some(n) => n,
    };
    let len = list.len();
    let scanned = if options.maxlen == 0 {
        len
    } else {
        options.maxlen.min(len)
    };
    let element = req.arg(2);
    let mut found = Vec::new();
    let mut matches = 0usize;
    // One walk from the chosen end (a look-up by index per step would walk the nodes again
    // each time: quadratic in the list's length).
    let walk: Box<dyn Iterator<Item = &[u8]>> = if options.rank > 0 {
        Box::new(list.iter())
    } else {
        Box::new(list.iter().rev())
    };
    for (step, candidate) in walk.take(scanned).enumerate() {
        let at = if options.rank > 0 {
            step
        } else {
            len - 1 - step
        };
        if candidate == element {
            matches += 1;
            if matches > skip {
                found.push(at);
                if found.len() == wanted {
                    break;
                }
            }
        }
    }
    match options.count {
        None => match found.first() {
            Some(&at) => exec.integer(at as i64),
            None => exec.null(),
        },
        Some(_) => {
            exec.array(found.len());
            for at in found {
                exec.integer(at as i64);
            }
        }
    }
}
