//! Sorted-set commands: ZADD, ZINCRBY, ZCARD, ZSCORE, ZMSCORE, ZREM, ZRANK, ZREVRANK, ZCOUNT,
//! ZLEXCOUNT, ZPOPMIN, ZPOPMAX, ZMPOP (and the blocking BZPOPMIN, BZPOPMAX, BZMPOP), ZRANGE (by index, BYSCORE or BYLEX, REV, LIMIT, WITHSCORES) and
//! its older forms (ZREVRANGE, Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX), and ZREMRANGEBYSCORE /
//! RANK / LEX, ZRANGESTORE, with Redis 7.0's replies and error texts (`t_zset.c`). The representation is in [`crate::server::keyspace::zset`].
//!
//! | module | what it holds |
//! | --- | --- |
//! | this file | the commands on one sorted set, the range readers, scores in and out |
//! | [`algebra`] | ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD |
//! | [`walk`] | ZRANDMEMBER and ZSCAN: a sorted set read by position |
//!
//! Scores go out as Redis 7.0 prints them, `%.17g` ([`push_score`]): `1.1` is
//! `1.1000000000000001`, as redis-cli shows it from a 7.0 server.

mod algebra;
mod walk;

use crate::resp::number::parse_i64;
use crate::resp::{Request, reply};

use crate::resp::number::{parse_c_double, parse_strtod};
use crate::server::State;
use crate::server::args::{Args, Mpop, NOT_INTEGER, SYNTAX, is_option};
use crate::server::blocking::{self, Kind, parse_timeout};
use crate::server::command::{Command, Exec};
use crate::server::commands::keys::{WrongType, read_as};
use crate::server::keyspace::db::{Db, Value};
use crate::server::keyspace::zset::{AddFlags, Added, ZSet};
use crate::server::spec::KeySpec;

// One command per line: the table reads as a table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("zadd", -4, &["write", "denyoom", "fast"], zadd).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RW", "update"])]),
    Command::new("zincrby", 4, &["write", "denyoom", "fast"], zincrby).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RW", "access", "update"])]),
    Command::new("zcard", 2, &["readonly", "fast"], zcard).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO"])]),
    Command::new("zscore", 3, &["readonly", "fast"], zscore).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("zmscore", -3, &["readonly", "fast"], zmscore).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("zrem", -3, &["write", "fast"], zrem).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RW", "delete"])]),
    Command::new("zrank", 3, &["readonly", "fast"], zrank).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("zrevrank", 3, &["readonly", "fast"], zrevrank).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("zcount", 4, &["readonly", "fast"], zcount).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("zpopmin", -2, &["write", "fast"], zpopmin).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"])]),
    Command::new("zpopmax", -2, &["write", "fast"], zpopmax).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"])]),
    Command::new("bzpopmin", -3, &["write", "noscript", "fast", "blocking"], bzpopmin).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"]).range(-2, 1, 0)]),
    Command::new("bzpopmax", -3, &["write", "noscript", "fast", "blocking"], bzpopmax).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"]).range(-2, 1, 0)]),
    Command::new("zmpop", -4, &["write"], zmpop).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"]).keynum(0, 1, 1)]),
    Command::new("bzmpop", -5, &["write", "blocking"], bzmpop).acl(&["sortedset"]).keys(&[KeySpec::index(2, &["RW", "access", "delete"]).keynum(0, 1, 1)]),
    Command::new("zlexcount", 4, &["readonly", "fast"], zlexcount).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("zrange", -4, &["readonly"], zrange).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("zrangestore", -5, &["write", "denyoom"], zrangestore).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["OW", "update"]), KeySpec::index(2, &["RO", "access"])]),
    Command::new("zrevrange", -4, &["readonly"], zrevrange).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("zrangebyscore", -4, &["readonly"], zrangebyscore).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("zrevrangebyscore", -4, &["readonly"], zrevrangebyscore).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("zrangebylex", -4, &["readonly"], zrangebylex).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("zrevrangebylex", -4, &["readonly"], zrevrangebylex).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("zremrangebyscore", 4, &["write"], zremrangebyscore).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RW", "delete"])]),
    Command::new("zremrangebyrank", 4, &["write"], zremrangebyrank).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RW", "delete"])]),
    Command::new("zremrangebylex", 4, &["write"], zremrangebylex).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RW", "delete"])]),
    Command::new("zunion", -3, &["readonly"], algebra::zunion).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO", "access"]).keynum(0, 1, 1)]),
    Command::new("zinter", -3, &["readonly"], algebra::zinter).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO", "access"]).keynum(0, 1, 1)]),
    Command::new("zdiff", -3, &["readonly"], algebra::zdiff).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO", "access"]).keynum(0, 1, 1)]),
    Command::new("zunionstore", -4, &["write", "denyoom"], algebra::zunionstore).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["OW", "update"]), KeySpec::index(2, &["RO", "access"]).keynum(0, 1, 1)]),
    Command::new("zinterstore", -4, &["write", "denyoom"], algebra::zinterstore).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["OW", "update"]), KeySpec::index(2, &["RO", "access"]).keynum(0, 1, 1)]),
    Command::new("zdiffstore", -4, &["write", "denyoom"], algebra::zdiffstore).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["OW", "update"]), KeySpec::index(2, &["RO", "access"]).keynum(0, 1, 1)]),
    Command::new("zrandmember", -2, &["readonly"], walk::zrandmember).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO", "access"])]).tips(&["nondeterministic_output"]),
    Command::new("zscan", -3, &["readonly"], walk::zscan).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO", "access"])]).tips(&["nondeterministic_output"]),
    Command::new("zintercard", -3, &["readonly"], algebra::zintercard).acl(&["sortedset"]).keys(&[KeySpec::index(1, &["RO", "access"]).keynum(0, 1, 1)]),
];

// ---- Numbers ----

/// A score argument as Redis's `getDoubleFromObject` reads it (`strtod` over the whole
/// argument): decimal, hex (`0x10`), exponent, `inf`/`infinity` with a sign; not empty, no
/// leading space, no trailing bytes, no NaN, and neither an overflow to infinity nor an
/// underflow to zero.
pub fn parse_score(arg: &[u8]) -> Option<f64> {
    if arg.first().is_none_or(|b| b.is_ascii_whitespace()) {
        return None;
    }
    let number = parse_c_double(arg)?;
    (!number.value.is_nan() && !number.range_error).then_some(number.value)
}

/// One end of a score range (`zslParseRange`): `(x` is exclusive; the rest is read by `strtod`
/// alone ([`parse_strtod`]), so leading space is allowed, an empty string is 0 but white space
/// alone is not a number, and overflow is infinity.
fn parse_bound(arg: &[u8]) -> Option<(f64, bool)> {
    let (text, exclusive) = match arg.strip_prefix(b"(") {
        Some(rest) => (rest, true),
        None => (arg, false),
    };
    let value = parse_strtod(text)?.value;
    (!value.is_nan()).then_some((value, exclusive))
}

/// A score range: `min` and `max`, each inclusive unless marked.
#[derive(Debug, Clone, Copy)]
struct Range {
    min: (f64, bool),
    max: (f64, bool),
}

impl Range {
    fn parse(min: &[u8], max: &[u8]) -> Option<Range> {
        Some(Range {
            min: parse_bound(min)?,
            max: parse_bound(max)?,
        })
    }

    fn above_min(&self, score: f64) -> bool {
        if self.min.1 {
            score > self.min.0
        } else {
            score >= self.min.0
        }
    }

    fn below_max(&self, score: f64) -> bool {
        if self.max.1 {
            score < self.max.0
        } else {
            score <= self.max.0
        }
    }
}

/// One end of a lexicographic range (`zslParseLexRangeItem`): `[x` inclusive, `(x` exclusive,
/// `-` below everything, `+` above everything.
#[derive(Debug, Clone, Copy)]
enum LexBound<'a> {
    Min,
    Max,
    Inclusive(&'a [u8]),
    Exclusive(&'a [u8]),
}

impl<'a> LexBound<'a> {
    fn parse(arg: &'a [u8]) -> Option<LexBound<'a>> {
        match arg.split_first()? {
            (b'+', []) => Some(LexBound::Max),
            (b'-', []) => Some(LexBound::Min),
            (b'[', rest) => Some(LexBound::Inclusive(rest)),
            (b'(', rest) => Some(LexBound::Exclusive(rest)),
            _ => None,
        }
    }

    /// As a lower bound (`lower`), whether `member` is at or above it; as an upper bound,
    /// whether it is at or below it.
    fn at_least(self, member: &[u8], lower: bool) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        let (cmp, inclusive) = match self {
            // `-` is below every member and `+` above: `-` as an upper bound admits nothing.
            LexBound::Min => return lower,
            LexBound::Max => return !lower,
            LexBound::Inclusive(bound) => (member.cmp(bound), true),
            LexBound::Exclusive(bound) => (member.cmp(bound), false),
        };
        match (cmp, lower) {
            (Equal, _) => inclusive,
            (Greater, true) | (Less, false) => true,
            _ => false,
        }
    }
}

/// Append `score` as a bulk string, printed as C's `printf("%.17g")` prints it (Redis 7.0's
/// `addReplyDouble`), infinities as `inf` and `-inf`.
pub fn push_score(out: &mut Vec<u8>, score: f64) {
    let mut text = String::new();
    crate::resp::number::format_g(&mut text, score, 17);
    reply::bulk(out, text.as_bytes());
}

// ---- Helpers ----

/// Run `f` on the sorted set at `key` for a write command, then delete the key if `f` left the
/// set empty (an empty aggregate never stays in the keyspace). `Ok(None)`: no such key.
fn update_zset<R>(
    db: &mut Db,
    key: &[u8],
    now_ms: i64,
    f: impl FnOnce(&mut ZSet) -> R,
) -> Result<Option<R>, WrongType> {
    let zset = match db.get_mut(key, now_ms) {
        None => return Ok(None),
        Some(Value::ZSet(zset)) => zset,
        Some(_) => return Err(WrongType),
    };
    let result = f(zset);
    if zset.is_empty() {
        db.remove(key);
    }
    Ok(Some(result))
}

/// A rank range as Redis reads one (negative counts from the end, clamped to the set) over
/// `len` members: how many to skip and how many to take, or `None` if it is empty.
fn rank_span(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let stop = if stop < 0 {
        len + stop
    } else {
        stop.min(len - 1)
    };
    (start <= stop && start < len).then(|| (start as usize, (stop - start + 1) as usize))
}

// ---- Writes ----

/// `ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]`.
fn zadd(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    zadd_generic(exec, req, false);
}

/// `ZINCRBY key increment member`: ZADD with INCR, through the same code, as in Redis (so
/// an increment spelled `nx` is taken for the option, and the arguments no longer pair up).
fn zincrby(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    zadd_generic(exec, req, true);
}

/// ZADD and ZINCRBY, as Redis's `zaddGenericCommand`: the options, every score parsed, then
/// the members added to the set (created unless `XX`), and one reply.
fn zadd_generic(exec: &mut Exec<'_, '_>, req: &Request<'_>, incr: bool) {
    let (flags, ch, at) = match zadd_options(req, incr) {
        Ok(options) => options,
        Err(message) => return exec.error(message),
    };
    let elements = req.len() - at;
    // Every score is checked before anything changes: all or nothing.
    let mut scores = Vec::with_capacity(elements / 2);
    for i in (at..req.len()).step_by(2) {
        match parse_score(req.arg(i)) {
            Some(score) => scores.push(score),
            None => return exec.error("ERR value is not a valid float"),
        }
    }
    let key = req.arg(1);
    let State { db, config, .. } = &mut *exec.state;
    let encodings = &config.encodings;
    let exists = match db.get_mut(key, exec.now_ms) {
        None => false,
        Some(Value::ZSet(_)) => true,
        Some(_) => return exec.wrong_type(),
    };
    let (mut added, mut updated, mut processed, mut last) = (0, 0, 0, 0.0);
    if exists || !flags.xx {
        if !exists {
            let first = ZSet::for_first_member(req.arg(at + 1).len(), encodings);
            db.insert(key, Value::ZSet(first));
        }
        let Some(Value::ZSet(zset)) = db.get_mut(key, exec.now_ms) else {
            return;
        };
        for (i, &score) in scores.iter().enumerate() {
            let member = req.arg(at + 1 + 2 * i);
            let (done, now) = zset.add(member, score, flags, encodings);
            match done {
                Added::Nan => {
                    return exec.error("ERR resulting score is not a number (NaN)");
                }
                Added::Added => added += 1,
                Added::Updated => updated += 1,
                Added::Same | Added::Nop => {}
            }
            if done != Added::Nop {
                processed += 1;
            }
            last = now;
        }
    }
    if flags.incr {
        if processed > 0 {
            push_score(exec.out, last);
        } else {
            exec.null();
        }
    } else {
        exec.integer(if ch { added + updated } else { added });
    }
}

/// ZADD's options (`NX XX CH INCR GT LT`, before the first score) and where the score/member
/// pairs start, or the error to reply, in Redis's order of checks.
fn zadd_options(req: &Request<'_>, incr: bool) -> Result<(AddFlags, bool, usize), &'static str> {
    let mut flags = AddFlags {
        incr,
        ..AddFlags::default()
    };
    let mut ch = false;
    // Options come first, until the first argument that is not one (the first score).
    let mut args = Args::new(req, 2);
    while let Some(option) = args.peek() {
        let is = |name: &str| is_option(option, name);
        if is("nx") {
            flags.nx = true;
        } else if is("xx") {
            flags.xx = true;
        } else if is("ch") {
            ch = true;
        } else if is("incr") {
            flags.incr = true;
        } else if is("gt") {
            flags.gt = true;
        } else if is("lt") {
            flags.lt = true;
        } else {
            break;
        }
        args.next();
    }
    let elements = args.remaining();
    if elements % 2 == 1 || elements == 0 {
        return Err(SYNTAX);
    }
    if flags.nx && flags.xx {
        return Err("ERR XX and NX options at the same time are not compatible");
    }
    if (flags.nx && (flags.gt || flags.lt)) || (flags.gt && flags.lt) {
        return Err("ERR GT, LT, and/or NX options at the same time are not compatible");
    }
    if flags.incr && elements > 2 {
        return Err("ERR INCR option supports a single increment-element pair");
    }
    Ok((flags, ch, args.position()))
}

/// `ZREM key member [member ...]` → `:n` removed; the key goes with its last member.
fn zrem(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let removed = update_zset(&mut exec.state.db, req.arg(1), exec.now_ms, |zset| {
        let mut removed = 0;
        for member in req.args().skip(2) {
            removed += i64::from(zset.remove(member));
            if zset.is_empty() {
                break;
            }
        }
        removed
    });
    match removed {
        Ok(removed) => exec.integer(removed.unwrap_or(0)),
        Err(WrongType) => exec.wrong_type(),
    }
}

fn zpopmin(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    zpop(exec, req, false);
}

fn zpopmax(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    zpop(exec, req, true);
}

/// `ZPOPMIN|ZPOPMAX key [count]` → a flat array of member, score pairs (RESP2).
fn zpop(exec: &mut Exec<'_, '_>, req: &Request<'_>, max: bool) {
    if req.len() > 3 {
        return exec.syntax_error();
    }
    let count = if req.len() == 3 {
        match parse_i64(req.arg(2)) {
            Some(n) if n >= 0 => n as usize,
            _ => return exec.error("ERR value is out of range, must be positive"),
        }
    } else {
        1
    };
    let out = &mut *exec.out;
    let popped = update_zset(&mut exec.state.db, req.arg(1), exec.now_ms, |zset| {
        let n = count.min(zset.len());
        reply::array(out, 2 * n);
        for _ in 0..n {
            if let Some((member, score)) = zset.pop(max) {
                reply::bulk(out, &member);
                push_score(out, score);
            }
        }
    });
    match popped {
        Ok(Some(())) => {}
        Ok(None) => exec.array(0),
        Err(WrongType) => exec.wrong_type(),
    }
}

fn bzpopmin(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    blocking_zpop(exec, req, false);
}

fn bzpopmax(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    blocking_zpop(exec, req, true);
}

/// `BZPOPMIN|BZPOPMAX key [key ...] timeout` → `[key, member, score]` from the first non-empty
/// sorted set, or the client blocks until one is created (the machinery of chapter 16, which
/// runs this again when a key it waits on comes into existence); on timeout a null array.
fn blocking_zpop(exec: &mut Exec<'_, '_>, req: &Request<'_>, max: bool) {
    let timeout = match parse_timeout(req.arg(req.len() - 1), exec.now_ms) {
        Ok(timeout) => timeout,
        Err(message) => return exec.error(message),
    };
    let keys = 1..req.len() - 1;
    for i in keys.clone() {
        let key = req.arg(i);
        match update_zset(&mut exec.state.db, key, exec.now_ms, |zset| zset.pop(max)) {
            Ok(None) => continue,
            Ok(Some(Some((member, score)))) => {
                reply::array(exec.out, 3);
                reply::bulk(exec.out, key);
                reply::bulk(exec.out, &member);
                push_score(exec.out, score);
            }
            // (A sorted set in the keyspace is never empty.)
            Ok(Some(None)) => {}
            Err(WrongType) => exec.wrong_type(),
        }
        return;
    }
    let keys: Vec<&[u8]> = keys.map(|i| req.arg(i)).collect();
    if !exec.block(Kind::ZSet, &keys, timeout, req) {
        reply::null_array(exec.out);
    }
}

/// ZMPOP's and BZMPOP's end: `MIN` or `MAX` (any case); true for MAX, as `ZSet::pop` takes it.
fn parse_min_max(arg: &[u8]) -> Option<bool> {
    if arg.eq_ignore_ascii_case(b"min") {
        Some(false)
    } else if arg.eq_ignore_ascii_case(b"max") {
        Some(true)
    } else {
        None
    }
}

/// `ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]` → `[key, [[member, score], ...]]` from
/// the first non-empty sorted set, or a null array if every key is missing.
fn zmpop(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    blocking::mpop(exec, req, None, parse_min_max, try_zmpop);
}

/// `BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]`: ZMPOP, or block until one
/// of the keys holds a sorted set (chapter 16); a null array on timeout.
fn bzmpop(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    blocking::mpop(exec, req, Some(Kind::ZSet), parse_min_max, try_zmpop);
}

/// Pop up to `count` from the first non-empty sorted set among the keys. Returns false,
/// having replied nothing, if every key is missing; true if it replied (the members, or
/// WRONGTYPE for a key of another type met first).
fn try_zmpop(exec: &mut Exec<'_, '_>, req: &Request<'_>, mpop: &Mpop<bool>) -> bool {
    for i in mpop.first_key..mpop.first_key + mpop.numkeys {
        let key = req.arg(i);
        let out = &mut *exec.out;
        let popped = update_zset(&mut exec.state.db, key, exec.now_ms, |zset| {
            let n = zset.len().min(mpop.count);
            reply::array(out, 2);
            reply::bulk(out, key);
            reply::array(out, n);
            for _ in 0..n {
                if let Some((member, score)) = zset.pop(mpop.end) {
                    reply::array(out, 2);
                    reply::bulk(out, &member);
                    push_score(out, score);
                }
            }
        });
        match popped {
            Ok(None) => continue,
            Ok(Some(())) => {}
            Err(WrongType) => exec.wrong_type(),
        }
        return true;
    }
    false
}

// ---- Reads ----

fn zcard(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    match read_as::<ZSet>(exec.state, req.arg(1), exec.now_ms) {
        Ok(zset) => {
            let len = zset.map_or(0, |z| z.len() as i64);
            exec.integer(len);
        }
        Err(WrongType) => exec.wrong_type(),
    }
}

fn zscore(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    match read_as::<ZSet>(exec.state, req.arg(1), exec.now_ms) {
        Ok(zset) => {
            let score = zset.and_then(|z| z.score(req.arg(2)));
            match score {
                Some(score) => push_score(exec.out, score),
                None => exec.null(),
            }
        }
        Err(WrongType) => exec.wrong_type(),
    }
}

fn zmscore(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let zset = match read_as::<ZSet>(exec.state, req.arg(1), exec.now_ms) {
        Ok(zset) => zset,
        Err(WrongType) => return exec.wrong_type(),
    };
    reply::array(exec.out, req.len() - 2);
    for member in req.args().skip(2) {
        match zset.and_then(|z| z.score(member)) {
            Some(score) => push_score(exec.out, score),
            None => reply::null(exec.out),
        }
    }
}

fn zrank(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    rank(exec, req, false);
}

fn zrevrank(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    rank(exec, req, true);
}

fn rank(exec: &mut Exec<'_, '_>, req: &Request<'_>, rev: bool) {
    match read_as::<ZSet>(exec.state, req.arg(1), exec.now_ms) {
        Ok(zset) => {
            let rank = zset.and_then(|z| z.rank(req.arg(2), rev));
            match rank {
                Some(rank) => exec.integer(rank as i64),
                None => exec.null(),
            }
        }
        Err(WrongType) => exec.wrong_type(),
    }
}

/// `ZCOUNT key min max`.
fn zcount(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let Some(range) = Range::parse(req.arg(2), req.arg(3)) else {
        return exec.error("ERR min or max is not a float");
    };
    match read_as::<ZSet>(exec.state, req.arg(1), exec.now_ms) {
        Ok(zset) => {
            // Two binary searches, not a walk: O(log n) as Redis's ranks make it.
            let count = zset.map_or(0, |z| {
                let below_min = z.count_below(|s| !range.above_min(s));
                z.count_below(|s| range.below_max(s))
                    .saturating_sub(below_min)
            });
            exec.integer(count as i64);
        }
        Err(WrongType) => exec.wrong_type(),
    }
}

/// `ZRANGE key start stop [BYSCORE] [REV] [LIMIT offset count] [WITHSCORES]`, parsed in Redis's
/// order (`zrangeGenericCommand`): options, then their conflicts, then the range, then the key.
/// `ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]` → `:stored`.
fn zrangestore(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    zrange_generic(exec, req, None, None, true);
}

fn zrange(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    zrange_generic(exec, req, None, None, false);
}

/// `ZREVRANGE key start stop [WITHSCORES]`.
fn zrevrange(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    zrange_generic(exec, req, Some(By::Rank), Some(true), false);
}

/// `ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]`.
fn zrangebyscore(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    zrange_generic(exec, req, Some(By::Score), Some(false), false);
}

/// `ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]`.
fn zrevrangebyscore(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    zrange_generic(exec, req, Some(By::Score), Some(true), false);
}

/// `ZRANGEBYLEX key min max [LIMIT offset count]`.
fn zrangebylex(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    zrange_generic(exec, req, Some(By::Lex), Some(false), false);
}

/// `ZREVRANGEBYLEX key max min [LIMIT offset count]`.
fn zrevrangebylex(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    zrange_generic(exec, req, Some(By::Lex), Some(true), false);
}

/// What a range is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    Rank,
    Score,
    Lex,
}

/// What a range read asks for, its options read.
struct RangeQuery {
    by: By,
    rev: bool,
    withscores: bool,
    /// `LIMIT offset count` (BYSCORE and BYLEX only).
    limit: Option<(i64, i64)>,
}

/// Every range read, as Redis's `zrangeGenericCommand`: the options first (the older commands
/// fix the kind of range and the direction, and then the options that would set them are
/// syntax errors), then the bounds, then the key; the members in range are replied, or
/// stored (`store`: ZRANGESTORE, whose source comes after the destination).
fn zrange_generic(
    exec: &mut Exec<'_, '_>,
    req: &Request<'_>,
    by: Option<By>,
    direction: Option<bool>,
    store: bool,
) {
    let key_at = if store { 2 } else { 1 };
    let query = match range_options(req, key_at + 3, by, direction, store) {
        Ok(query) => query,
        Err(message) => return exec.error(message),
    };
    // Reversed score and lex ranges name their bounds high first (`max min`).
    let (first, second) = if query.rev && query.by != By::Rank {
        (req.arg(key_at + 2), req.arg(key_at + 1))
    } else {
        (req.arg(key_at + 1), req.arg(key_at + 2))
    };
    let bounds = match query.by {
        By::Rank => match (parse_i64(first), parse_i64(second)) {
            (Some(start), Some(stop)) => Bounds::Rank(start, stop),
            _ => return exec.not_integer(),
        },
        By::Score => match Range::parse(first, second) {
            Some(range) => Bounds::Score(range),
            None => return exec.error("ERR min or max is not a float"),
        },
        By::Lex => match (LexBound::parse(first), LexBound::parse(second)) {
            (Some(min), Some(max)) => Bounds::Lex(min, max),
            _ => return exec.error("ERR min or max not valid string range item"),
        },
    };
    let zset = match read_as::<ZSet>(exec.state, req.arg(key_at), exec.now_ms) {
        Ok(zset) => zset,
        Err(WrongType) => return exec.wrong_type(),
    };
    let picked = zset.map_or_else(Vec::new, |zset| pick(zset, &bounds, &query));
    if store {
        let owned: Vec<(Vec<u8>, f64)> = picked.iter().map(|&(m, s)| (m.to_vec(), s)).collect();
        let stored = owned.len();
        store_members(exec, req.arg(1), owned);
        exec.integer(stored as i64);
    } else {
        emit(exec.out, &picked, query.withscores);
    }
}

/// A range's bounds, parsed.
enum Bounds<'a> {
    Rank(i64, i64),
    Score(Range),
    Lex(LexBound<'a>, LexBound<'a>),
}

/// The members of `zset` in range, in the order asked for, LIMIT applied.
fn pick<'z>(zset: &'z ZSet, bounds: &Bounds<'z>, query: &RangeQuery) -> Vec<(&'z [u8], f64)> {
    let (offset, count) = query.limit.unwrap_or((0, -1));
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    match *bounds {
        Bounds::Rank(start, stop) => {
            let Some((skip, take)) = rank_span(start, stop, zset.len()) else {
                return Vec::new();
            };
            zset.iter_from(skip, query.rev).take(take).collect()
        }
        Bounds::Score(range) => {
            if offset < 0 || (offset > 0 && offset as usize >= zset.len()) {
                return Vec::new();
            }
            by_score(zset, range, query.rev)
                .skip(offset as usize)
                .take(count)
                .collect()
        }
        Bounds::Lex(min, max) => {
            if offset < 0 {
                return Vec::new();
            }
            by_lex(zset, min, max, query.rev)
                .skip(offset as usize)
                .take(count)
                .collect()
        }
    }
}

/// Store `members` at `destination` as a new sorted set, replacing whatever it held (deadline
/// included); none deletes it. Built member by member, so it takes the encoding Redis would
/// give it (small while it fits `zset-max-listpack-*`). ZRANGESTORE and the STORE forms of
/// [`algebra`].
fn store_members(exec: &mut Exec<'_, '_>, destination: &[u8], members: Vec<(Vec<u8>, f64)>) {
    let now = exec.now_ms;
    let state = &mut *exec.state;
    if members.is_empty() {
        state.db.delete(destination, now);
        return;
    }
    let enc = &state.config.encodings;
    let mut zset = ZSet::for_first_member(0, enc);
    for (member, score) in &members {
        zset.add(member, *score, AddFlags::default(), enc);
    }
    state.db.insert(destination, Value::ZSet(zset));
}

/// The options after `key start stop`, or the error to reply, in Redis's order of checks.
/// WITHSCORES is not one of ZRANGESTORE's.
fn range_options(
    req: &Request<'_>,
    from: usize,
    by: Option<By>,
    direction: Option<bool>,
    store: bool,
) -> Result<RangeQuery, &'static str> {
    let (mut by, mut direction) = (by, direction);
    let mut withscores = false;
    let mut limit: Option<(i64, i64)> = None;
    let mut args = Args::new(req, from);
    while let Some(option) = args.next() {
        let is = |name: &str| is_option(option, name);
        if !store && is("withscores") {
            withscores = true;
        } else if is("limit") && args.remaining() >= 2 {
            match (args.int(), args.int()) {
                (Ok(offset), Ok(count)) => limit = Some((offset, count)),
                _ => return Err(NOT_INTEGER),
            }
        } else if direction.is_none() && is("rev") {
            direction = Some(true);
        } else if by.is_none() && is("bylex") {
            by = Some(By::Lex);
        } else if by.is_none() && is("byscore") {
            by = Some(By::Score);
        } else {
            return Err(SYNTAX);
        }
    }
    let by = by.unwrap_or(By::Rank);
    if limit.is_some() && by == By::Rank {
        return Err(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        );
    }
    if withscores && by == By::Lex {
        return Err("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    }
    Ok(RangeQuery {
        by,
        rev: direction.unwrap_or(false),
        withscores,
        limit,
    })
}

/// `ZLEXCOUNT key min max`.
fn zlexcount(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let (Some(min), Some(max)) = (LexBound::parse(req.arg(2)), LexBound::parse(req.arg(3))) else {
        return exec.error("ERR min or max not valid string range item");
    };
    match read_as::<ZSet>(exec.state, req.arg(1), exec.now_ms) {
        Ok(zset) => {
            let count = zset.map_or(0, |z| by_lex(z, min, max, false).count());
            exec.integer(count as i64);
        }
        Err(WrongType) => exec.wrong_type(),
    }
}

fn zremrangebyscore(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    zremrange(exec, req, By::Score);
}

fn zremrangebyrank(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    zremrange(exec, req, By::Rank);
}

fn zremrangebylex(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    zremrange(exec, req, By::Lex);
}

/// `ZREMRANGEBY{SCORE,RANK,LEX} key min max` → `:n` removed; the range is parsed before the
/// key is looked up, as in Redis's `zremrangeGenericCommand`.
fn zremrange(exec: &mut Exec<'_, '_>, req: &Request<'_>, by: By) {
    enum Span<'a> {
        Rank(i64, i64),
        Score(Range),
        Lex(LexBound<'a>, LexBound<'a>),
    }
    let (first, second) = (req.arg(2), req.arg(3));
    let span = match by {
        By::Rank => match (parse_i64(first), parse_i64(second)) {
            (Some(start), Some(stop)) => Span::Rank(start, stop),
            _ => return exec.not_integer(),
        },
        By::Score => match Range::parse(first, second) {
            Some(range) => Span::Score(range),
            None => return exec.error("ERR min or max is not a float"),
        },
        By::Lex => match (LexBound::parse(first), LexBound::parse(second)) {
            (Some(min), Some(max)) => Span::Lex(min, max),
            _ => return exec.error("ERR min or max not valid string range item"),
        },
    };
    let removed = update_zset(&mut exec.state.db, req.arg(1), exec.now_ms, |zset| {
        let doomed: Vec<Vec<u8>> = match span {
            Span::Rank(start, stop) => match rank_span(start, stop, zset.len()) {
                Some((skip, take)) => zset
                    .iter_from(skip, false)
                    .take(take)
                    .map(|(m, _)| m.to_vec())
                    .collect(),
                None => Vec::new(),
            },
            Span::Score(range) => by_score(zset, range, false)
                .map(|(m, _)| m.to_vec())
                .collect(),
            Span::Lex(min, max) => by_lex(zset, min, max, false)
                .map(|(m, _)| m.to_vec())
                .collect(),
        };
        for member in &doomed {
            zset.remove(member);
        }
        doomed.len() as i64
    });
    match removed {
        Ok(removed) => exec.integer(removed.unwrap_or(0)),
        Err(WrongType) => exec.wrong_type(),
    }
}

/// The members whose scores are in `range`, lowest first, or highest first with `rev` (Redis
/// walks from the first member in range, in either direction, while members stay in it). The
/// first is found by binary search, in O(log n), as Redis's skiplist search finds it.
fn by_score(zset: &ZSet, range: Range, rev: bool) -> Box<dyn Iterator<Item = (&[u8], f64)> + '_> {
    if rev {
        let above = zset.len() - zset.count_below(|s| range.below_max(s));
        Box::new(
            zset.iter_from(above, true)
                .take_while(move |&(_, s)| range.above_min(s)),
        )
    } else {
        let below = zset.count_below(|s| !range.above_min(s));
        Box::new(
            zset.iter_from(below, false)
                .take_while(move |&(_, s)| range.below_max(s)),
        )
    }
}

/// The members between `min` and `max` by their bytes, the same way.
fn by_lex<'a>(
    zset: &'a ZSet,
    min: LexBound<'a>,
    max: LexBound<'a>,
    rev: bool,
) -> Box<dyn Iterator<Item = (&'a [u8], f64)> + 'a> {
    if rev {
        Box::new(
            zset.iter()
                .rev()
                .skip_while(move |&(m, _)| !max.at_least(m, false))
                .take_while(move |&(m, _)| min.at_least(m, true)),
        )
    } else {
        Box::new(
            zset.iter()
                .skip_while(move |&(m, _)| !min.at_least(m, true))
                .take_while(move |&(m, _)| max.at_least(m, false)),
        )
    }
}

/// Members, each followed by its score with `withscores` (RESP2's flat form).
pub(super) fn emit(out: &mut Vec<u8>, members: &[(&[u8], f64)], withscores: bool) {
    reply::array(out, members.len() * if withscores { 2 } else { 1 });
    for &(member, score) in members {
        reply::bulk(out, member);
        if withscores {
            push_score(out, score);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::server::commands::zsets::*;

    #[test]
    fn scores_print_as_printf_g17() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (1.1, "1.1000000000000001"),
            (0.1, "0.10000000000000001"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (100.0, "100"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (1.5e17, "1.5e+17"),
            (0.0001, "0.0001"),
            (0.00001, "1.0000000000000001e-05"),
            (123456789.125, "123456789.125"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "4.9406564584124654e-324"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (-f64::NAN, "-nan"),
            (-0.0, "-0"),
        ];
        for &(value, want) in cases {
            let mut text = String::new();
            crate::resp::number::format_g(&mut text, value, 17);
            assert_eq!(text, want, "{value:e}");
        }
    }

    #[test]
    fn scores_parse_as_getdoublefromobject() {
        for (text, want) in [
            ("1", Some(1.0)),
            ("-1.5", Some(-1.5)),
            ("+2", Some(2.0)),
            (".5", Some(0.5)),
            ("1e3", Some(1000.0)),
            ("inf", Some(f64::INFINITY)),
            ("-Infinity", Some(f64::NEG_INFINITY)),
            ("0", Some(0.0)),
            ("0e5", Some(0.0)),
            ("", None),
            (" 1", None),
            ("1 ", None),
            ("nan", None),
            ("1e400", None),
            ("1e-400", None),
            ("abc", None),
        ] {
            assert_eq!(parse_score(text.as_bytes()), want, "{text:?}");
        }
    }
}
