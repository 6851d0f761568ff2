//! Set commands: a key holding distinct members (the representation is in
//! [`crate::server::keyspace::set`]: an intset or a hashtable).
//!
//! ```text
//! SADD key member [member ...]            :members added
//! SREM key member [member ...]            :members removed (the key goes with its last member)
//! SISMEMBER key member                    :1 | :0
//! SMISMEMBER key member [member ...]      *n of :1 | :0
//! SMEMBERS key / SCARD key                *n members / :members
//! SPOP key [count]                        $member | $-1 ; with a count *n distinct members
//! SRANDMEMBER key [count]                 $member | $-1 ; *n (count < 0: with repetition)
//! SMOVE source destination member         :1 moved | :0 not in source
//! SINTER / SUNION / SDIFF key [key ...]   *n members
//! SINTERSTORE / SUNIONSTORE / SDIFFSTORE destination key [key ...]    :members stored
//! SINTERCARD numkeys key [key ...] [LIMIT limit]                      :members (at most limit)
//! SSCAN key cursor [MATCH p] [COUNT n]    *2 $next-cursor *n members
//! ```
//!
//! **Order of checks** is Redis 7.0's: argument errors that need no key first (SPOP's and
//! SRANDMEMBER's count, SINTERCARD's numkeys and LIMIT, SSCAN's cursor), then the keys' types,
//! then the data. A multi-key read checks *every* key's type before it looks at any data, in
//! argument order, so `SINTER missing string` is WRONGTYPE though the answer would be empty;
//! only then does SINTER with a missing key answer the empty set at once. A missing key is an
//! empty set everywhere. SMOVE answers 0 for a missing source before it looks at the
//! destination's type, as Redis does.
//!
//! **The *STORE forms** overwrite the destination whatever it holds, and delete it when the
//! result is empty (replying 0). The result is built the way Redis builds it: from an empty
//! intset, member by member through the same insertion rules, so its encoding is the one
//! Redis's would have (an all-integer result of at most `set-max-intset-entries` is an intset).
//! SDIFF picks between Redis's two algorithms by the same estimate, because the second one
//! (copy the first set, then remove) can leave a result that converted on the way.
//!
//! **Several sets at once.** The keyspace hands out one borrow at a time (a lookup may reclaim
//! an expired key, so it takes `&mut`). A multi-key command therefore first checks every key
//! (type, existence), then *takes* each distinct set out of its key with `mem::take`, leaving
//! an empty set in place (no allocation, the key keeps its slot and deadline), computes over
//! the owned sets, and puts every one back before it stores a destination, which may be one of
//! them. Nothing can reply or return in between. A key named twice is taken once and counts as
//! the same set, as Redis compares set pointers (`SDIFF a a` is empty without a scan).
//!
//! **Random members** follow `spopWithCountCommand` and `srandmemberWithCountCommand`: SPOP with
//! a count at least the size returns the whole set (listed as a fresh copy would list it, which
//! is ascending when the copy is an intset) and deletes the key; a count small against the
//! remainder pops random members one by one; a larger one instead draws the few members that
//! stay into a *new* set, replies what is left of the old one and stores the new one, whose
//! encoding is then rebuilt (a hashtable of integers can become an intset again, as in Redis).
//! SRANDMEMBER copies HRANDFIELD's approach and limits ([`crate::server::commands::hashes`]): a negative count
//! draws independently, a positive one returns distinct members, more than
//! [`keys::RANDOM_DRAWS_MAX`] draws are refused with `-ERR value is out of range` (Redis 7.0 would
//! try to write the endless reply).
//!
//! **SSCAN** parses the cursor as SCAN does; a missing key answers an empty page before the
//! options are judged. An intset is returned whole with cursor 0 (MATCH tested on each
//! member's decimal text); a hashtable is walked by position (see the type's docs).
//!
//! Redis counterpart: `t_set.c` (and `scanGenericCommand` in `db.c` for SSCAN).

use std::collections::HashMap;
use std::ops::Range;

use crate::resp::number::parse_i64;
use crate::resp::{Request, reply};

use crate::server::State;
use crate::server::args::{Args, is_option};
use crate::server::command::{Command, Exec};
use crate::server::commands::keys::{self, Draws, WrongType, read, read_as};
use crate::server::glob::glob_match;
use crate::server::keyspace::Encodings;
use crate::server::keyspace::db::Value;
use crate::server::keyspace::set::{Member, Set};
use crate::server::spec::KeySpec;

// One command per line: the table reads as a table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("sadd", -3, &["write", "denyoom", "fast"], sadd).acl(&["set"]).keys(&[KeySpec::index(1, &["RW", "insert"])]),
    Command::new("srem", -3, &["write", "fast"], srem).acl(&["set"]).keys(&[KeySpec::index(1, &["RW", "delete"])]),
    Command::new("sismember", 3, &["readonly", "fast"], sismember).acl(&["set"]).keys(&[KeySpec::index(1, &["RO"])]),
    Command::new("smismember", -3, &["readonly", "fast"], smismember).acl(&["set"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("smembers", 2, &["readonly"], smembers).acl(&["set"]).keys(&[KeySpec::index(1, &["RO", "access"])]).tips(&["nondeterministic_output_order"]),
    Command::new("scard", 2, &["readonly", "fast"], scard).acl(&["set"]).keys(&[KeySpec::index(1, &["RO"])]),
    Command::new("spop", -2, &["write", "fast"], spop).acl(&["set"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"])]).tips(&["nondeterministic_output"]),
    Command::new("srandmember", -2, &["readonly"], srandmember).acl(&["set"]).keys(&[KeySpec::index(1, &["RO", "access"])]).tips(&["nondeterministic_output"]),
    Command::new("smove", 4, &["write", "fast"], smove).acl(&["set"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"]), KeySpec::index(2, &["RW", "insert"])]),
    Command::new("sinter", -2, &["readonly"], sinter).acl(&["set"]).keys(&[KeySpec::index(1, &["RO", "access"]).range(-1, 1, 0)]).tips(&["nondeterministic_output_order"]),
    Command::new("sintercard", -3, &["readonly"], sintercard).acl(&["set"]).keys(&[KeySpec::index(1, &["RO", "access"]).keynum(0, 1, 1)]),
    Command::new("sinterstore", -3, &["write", "denyoom"], sinterstore).acl(&["set"]).keys(&[KeySpec::index(1, &["RW", "update"]), KeySpec::index(2, &["RO", "access"]).range(-1, 1, 0)]),
    Command::new("sunion", -2, &["readonly"], sunion).acl(&["set"]).keys(&[KeySpec::index(1, &["RO", "access"]).range(-1, 1, 0)]).tips(&["nondeterministic_output_order"]),
    Command::new("sunionstore", -3, &["write", "denyoom"], sunionstore).acl(&["set"]).keys(&[KeySpec::index(1, &["OW", "update"]), KeySpec::index(2, &["RO", "access"]).range(-1, 1, 0)]),
    Command::new("sdiff", -2, &["readonly"], sdiff).acl(&["set"]).keys(&[KeySpec::index(1, &["RO", "access"]).range(-1, 1, 0)]).tips(&["nondeterministic_output_order"]),
    Command::new("sdiffstore", -3, &["write", "denyoom"], sdiffstore).acl(&["set"]).keys(&[KeySpec::index(1, &["OW", "update"]), KeySpec::index(2, &["RO", "access"]).range(-1, 1, 0)]),
    Command::new("sscan", -3, &["readonly"], sscan).acl(&["set"]).keys(&[KeySpec::index(1, &["RO", "access"])]).tips(&["nondeterministic_output"]),
];

/// SPOP with a count pops one by one while `remaining * SPOP_MOVE_STRATEGY_MUL > count`,
/// and otherwise keeps the remainder in a new set (Redis's constant of the same name).
const SPOP_MOVE_STRATEGY_MUL: usize = 5;

// ---- Helpers ----

/// A member as a bulk string (an intset's integer in decimal).
fn push_member(out: &mut Vec<u8>, member: Member<'_>) {
    match member {
        Member::Int(n) => reply::bulk_integer(out, n),
        Member::Bytes(bytes) => reply::bulk(out, bytes),
    }
}

fn push_members<'a>(out: &mut Vec<u8>, members: impl ExactSizeIterator<Item = Member<'a>>) {
    reply::array(out, members.len());
    for member in members {
        push_member(out, member);
    }
}

// ---- Writes on one key ----

/// `SADD key member [member ...]` → `:n` members that were new.
fn sadd(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let key = req.arg(1);
    let State { db, config, .. } = &mut *exec.state;
    let encodings = &config.encodings;
    let added = match db.get_mut_quiet(key, exec.now_ms) {
        Some(Value::Set(set)) => {
            let added = req
                .args()
                .skip(2)
                .filter(|m| set.insert(m, encodings))
                .count();
            // Watchers hear of it only if a member was added, as Redis signals.
            if added > 0 {
                db.changed(key);
            }
            added
        }
        Some(_) => return exec.wrong_type(),
        None => {
            let mut set = Set::new();
            let added = req
                .args()
                .skip(2)
                .filter(|m| set.insert(m, encodings))
                .count();
            // Through the keyspace's add path, as every key creation (it signals the key).
            db.insert(key, Value::Set(set));
            added
        }
    };
    exec.integer(added as i64);
}

/// `SREM key member [member ...]` → `:n` removed; the key is deleted with its last member.
fn srem(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let key = req.arg(1);
    let db = &mut exec.state.db;
    let (removed, emptied) = match db.get_mut_quiet(key, exec.now_ms) {
        None => (0, false),
        Some(Value::Set(set)) => {
            let mut removed = 0;
            for member in req.args().skip(2) {
                removed += i64::from(set.remove(member));
                if set.is_empty() {
                    break;
                }
            }
            (removed, set.is_empty())
        }
        Some(_) => return exec.wrong_type(),
    };
    if emptied {
        db.remove(key);
    } else if removed > 0 {
        db.changed(key);
    }
    exec.integer(removed);
}

/// `SMOVE source destination member` → `:1` if moved, `:0` if not in the source.
fn smove(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let (src, dst, member) = (req.arg(1), req.arg(2), req.arg(3));
    let now = exec.now_ms;
    let State { db, config, .. } = &mut *exec.state;
    let encodings = &config.encodings;
    // Looked at first without writing: a watched key is touched only if SMOVE changes it
    // (Redis signals the source when the member leaves it, the destination when it arrives).
    let found = match db.get(src, now) {
        None => return exec.integer(0),
        Some(Value::Set(source)) => source.contains(member),
        Some(_) => return exec.wrong_type(),
    };
    let (dst_exists, already_there) = match db.get(dst, now) {
        None => (false, false),
        Some(Value::Set(target)) => (true, target.contains(member)),
        Some(_) => return exec.wrong_type(),
    };
    if src == dst || !found {
        // The same set: nothing moves; the answer is whether it is there.
        return exec.integer(i64::from(src == dst && found));
    }
    let Some(Value::Set(source)) = db.get_mut(src, now) else {
        return exec.integer(0);
    };
    if !source.remove(member) {
        return exec.integer(0);
    }
    if source.is_empty() {
        db.remove(src);
    }
    if dst_exists {
        if !already_there && let Some(Value::Set(target)) = db.get_mut(dst, now) {
            target.insert(member, encodings);
        }
    } else {
        let mut target = Set::new();
        target.insert(member, encodings);
        db.insert(dst, Value::Set(target));
    }
    exec.integer(1);
}

// ---- Reads on one key ----

/// `SISMEMBER key member` → `:1` | `:0`.
fn sismember(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let member = req.arg(2);
    match read_as::<Set>(exec.state, req.arg(1), exec.now_ms) {
        Ok(set) => {
            let found = set.is_some_and(|s| s.contains(member));
            exec.integer(i64::from(found));
        }
        Err(WrongType) => exec.wrong_type(),
    }
}

/// `SMISMEMBER key member [member ...]` → `*n` of `:1` | `:0`.
fn smismember(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let set = match read_as::<Set>(exec.state, req.arg(1), exec.now_ms) {
        Ok(set) => set,
        Err(WrongType) => return exec.wrong_type(),
    };
    reply::array(exec.out, req.len() - 2);
    for member in req.args().skip(2) {
        let found = set.is_some_and(|s| s.contains(member));
        reply::integer(exec.out, i64::from(found));
    }
}

/// `SCARD key` → `:members` (0 if the key does not exist).
fn scard(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    match read_as::<Set>(exec.state, req.arg(1), exec.now_ms) {
        Ok(set) => {
            let len = set.map_or(0, Set::len);
            exec.integer(len as i64);
        }
        Err(WrongType) => exec.wrong_type(),
    }
}

/// `SMEMBERS key` → `*n` members (Redis runs it as a one-key SINTER: the set's own order).
fn smembers(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    match read_as::<Set>(exec.state, req.arg(1), exec.now_ms) {
        Ok(None) => reply::array(exec.out, 0),
        Ok(Some(set)) => push_members(exec.out, set.iter()),
        Err(WrongType) => exec.wrong_type(),
    }
}

// ---- SPOP and SRANDMEMBER ----

/// `SPOP key [count]` → `$member` (`$-1` if no key); with a count, `*n` distinct members.
fn spop(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    match req.len() {
        3 => return spop_count(exec, req),
        n if n > 3 => return exec.syntax_error(),
        _ => {}
    }
    let key = req.arg(1);
    let mut rng = keys::Rng::new(exec.state);
    let db = &mut exec.state.db;
    let set = match db.get_mut(key, exec.now_ms) {
        None => return reply::null(exec.out),
        Some(Value::Set(set)) => set,
        Some(_) => return exec.wrong_type(),
    };
    let at = rng.below(set.len());
    if let Some(member) = set.get(at) {
        push_member(exec.out, member);
    }
    set.remove_at(at);
    if set.is_empty() {
        db.remove(key);
    }
}

/// `SPOP key count` (see the module docs for the three cases).
fn spop_count(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let count = match parse_i64(req.arg(2)) {
        Some(n) if n >= 0 => usize::try_from(n).unwrap_or(usize::MAX),
        _ => return exec.error("ERR value is out of range, must be positive"),
    };
    let key = req.arg(1);
    let mut rng = keys::Rng::new(exec.state);
    let State { db, config, .. } = &mut *exec.state;
    let encodings = &config.encodings;
    let out = &mut *exec.out;
    let set = match db.get_mut(key, exec.now_ms) {
        None => return reply::array(out, 0),
        Some(Value::Set(set)) => set,
        Some(_) => return exec.wrong_type(),
    };
    if count == 0 {
        return reply::array(out, 0);
    }
    let size = set.len();
    if count >= size {
        // The whole set, listed as Redis lists it: through a fresh copy (SUNION of one key).
        if set.is_intset() {
            push_members(out, set.iter());
        } else {
            let copy = rebuilt(set.iter(), encodings);
            push_members(out, copy.iter());
        }
        db.remove(key);
        return;
    }
    reply::array(out, count);
    let remaining = size - count;
    if remaining.saturating_mul(SPOP_MOVE_STRATEGY_MUL) > count {
        for _ in 0..count {
            let at = rng.below(set.len());
            if let Some(member) = set.get(at) {
                push_member(out, member);
            }
            set.remove_at(at);
        }
    } else {
        // Most of the set goes: draw the members that stay into a new set instead.
        let mut kept = Set::new();
        for _ in 0..remaining {
            let at = rng.below(set.len());
            if let Some(member) = set.get(at) {
                kept.insert_member(member, encodings);
            }
            set.remove_at(at);
        }
        for member in set.iter() {
            push_member(out, member);
        }
        // Replaced in place: the key keeps its deadline, as Redis's dbOverwrite.
        *set = kept;
    }
}

/// A new set holding `members`, built from an empty intset as Redis builds a result.
fn rebuilt<'a>(members: impl Iterator<Item = Member<'a>>, enc: &Encodings) -> Set {
    let mut set = Set::new();
    for member in members {
        set.insert_member(member, enc);
    }
    set
}

/// `SRANDMEMBER key [count]` → `$member` (`$-1` if no key); with a count, `*n` members.
fn srandmember(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    if req.len() > 3 {
        return exec.syntax_error();
    }
    let mut rng = keys::Rng::new(exec.state);
    if req.len() == 2 {
        return match read_as::<Set>(exec.state, req.arg(1), exec.now_ms) {
            Ok(None) => exec.null(),
            Ok(Some(set)) => match set.get(rng.below(set.len())) {
                Some(member) => push_member(exec.out, member),
                None => reply::null(exec.out),
            },
            Err(WrongType) => exec.wrong_type(),
        };
    }
    let count = match parse_i64(req.arg(2)) {
        None => return exec.not_integer(),
        Some(i64::MIN) => {
            return exec.error(
                "ERR value is out of range, value must between -9223372036854775807 and \
                 9223372036854775807",
            );
        }
        Some(n) => n,
    };
    let set = match read_as::<Set>(exec.state, req.arg(1), exec.now_ms) {
        Ok(None) => return reply::array(exec.out, 0),
        Ok(Some(set)) => set,
        Err(WrongType) => return exec.wrong_type(),
    };
    if let Err(message) = random_members(exec.out, set, count, &mut rng) {
        exec.error(message);
    }
}

/// SRANDMEMBER with a count, on an existing set. `Err` is an error still to be replied.
fn random_members(
    out: &mut Vec<u8>,
    set: &Set,
    count: i64,
    rng: &mut keys::Rng,
) -> Result<(), &'static str> {
    let size = set.len();
    let draws = Draws::plan(count, size)?;
    if let Draws::Whole = draws {
        push_members(out, set.iter());
        return Ok(());
    }
    reply::array(out, draws.len(size));
    let positions = set.positions();
    draws.draw(size, rng, |at| {
        if let Some(member) = positions.get(at) {
            push_member(out, member);
        }
    });
    Ok(())
}

// ---- Several keys: SINTER, SUNION, SDIFF and their forms ----

/// Where a multi-key result goes.
#[derive(Clone, Copy)]
enum Target<'a> {
    /// Replied as an array.
    Reply,
    /// Stored under this key (the *STORE forms), replying its size.
    Store(&'a [u8]),
    /// Only counted, stopping at this many (SINTERCARD; 0 = no limit).
    Count(usize),
}

/// Check the type of every key in `keys` (argument order, each one a read lookup as in
/// Redis). `Ok(true)` if every key exists.
fn check_keys(
    state: &mut State,
    req: &Request<'_>,
    keys: Range<usize>,
    now_ms: i64,
) -> Result<bool, WrongType> {
    let mut all_exist = true;
    for i in keys {
        match read(state, req.arg(i), now_ms) {
            None => all_exist = false,
            Some(Value::Set(_)) => {}
            Some(_) => return Err(WrongType),
        }
    }
    Ok(all_exist)
}

/// Up to this many distinct keys, a multi-key command finds a repeated key by a linear scan;
/// past it, by a map.
const LINEAR_REPEAT_SCAN: usize = 16;

/// The sets of a multi-key command, taken out of their keys while it computes (see the module
/// docs). Must be given back with [`Sources::restore`].
struct Sources<'k> {
    /// Each distinct existing key and its set.
    taken: Vec<(&'k [u8], Set)>,
    /// For each key argument: its place in `taken`, `None` for a missing key.
    of_arg: Vec<Option<usize>>,
}

impl<'k> Sources<'k> {
    /// Take the sets of `keys` (already checked by [`check_keys`]).
    fn take(state: &mut State, req: &Request<'k>, keys: Range<usize>, now_ms: i64) -> Sources<'k> {
        let mut sources = Sources {
            taken: Vec::new(),
            of_arg: Vec::with_capacity(keys.len()),
        };
        // Repeated keys are found by a scan among a few, by a map among many (so that a
        // request naming thousands of keys costs linear time, not quadratic).
        let mut seen: HashMap<&'k [u8], usize> = HashMap::new();
        for i in keys {
            let key = req.arg(i);
            let repeat = if sources.taken.len() < LINEAR_REPEAT_SCAN {
                sources.taken.iter().position(|(k, _)| *k == key)
            } else {
                if seen.is_empty() {
                    seen.extend(
                        sources
                            .taken
                            .iter()
                            .enumerate()
                            .map(|(at, (k, _))| (*k, at)),
                    );
                }
                seen.get(key).copied()
            };
            if let Some(at) = repeat {
                sources.of_arg.push(Some(at));
                continue;
            }
            match state.db.get_mut(key, now_ms) {
                Some(Value::Set(set)) => {
                    let at = sources.taken.len();
                    if !seen.is_empty() {
                        seen.insert(key, at);
                    }
                    sources.of_arg.push(Some(at));
                    sources.taken.push((key, std::mem::take(set)));
                }
                _ => sources.of_arg.push(None),
            }
        }
        sources
    }

    /// The set of key argument `j` (`None`: missing).
    fn get(&self, j: usize) -> Option<&Set> {
        let at = (*self.of_arg.get(j)?)?;
        self.taken.get(at).map(|(_, set)| set)
    }

    /// Put every set back in its key.
    fn restore(self, state: &mut State, now_ms: i64) {
        for (key, set) in self.taken {
            if let Some(Value::Set(slot)) = state.db.get_mut(key, now_ms) {
                *slot = set;
            }
        }
    }
}

/// Deliver a computed result: reply it, or store it (restoring the sources first, since the
/// destination may be one of them), or nothing for a count.
fn finish(exec: &mut Exec<'_, '_>, sources: Sources<'_>, result: Set, target: Target<'_>) {
    match target {
        Target::Reply => {
            sources.restore(exec.state, exec.now_ms);
            push_members(exec.out, result.iter());
        }
        Target::Store(dst) => {
            sources.restore(exec.state, exec.now_ms);
            store(exec, dst, result);
        }
        Target::Count(_) => sources.restore(exec.state, exec.now_ms),
    }
}

/// Store `result` under `dst` whatever it held, or delete `dst` if the result is empty;
/// reply the size.
fn store(exec: &mut Exec<'_, '_>, dst: &[u8], result: Set) {
    let len = result.len();
    if len == 0 {
        exec.state.db.delete(dst, exec.now_ms);
    } else {
        exec.state.db.insert(dst, Value::Set(result));
    }
    exec.integer(len as i64);
}

fn sinter(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    inter(exec, req, 1..req.len(), Target::Reply);
}

fn sinterstore(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    inter(exec, req, 2..req.len(), Target::Store(req.arg(1)));
}

/// `SINTERCARD numkeys key [key ...] [LIMIT limit]` → `:members` in the intersection, counting
/// no further than the limit.
fn sintercard(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let numkeys = match parse_i64(req.arg(1)) {
        Some(n) if n >= 1 => usize::try_from(n).unwrap_or(usize::MAX),
        _ => return exec.error("ERR numkeys should be greater than 0"),
    };
    if numkeys > req.len() - 2 {
        return exec.error("ERR Number of keys can't be greater than number of args");
    }
    let mut limit = 0;
    let mut args = Args::new(req, 2 + numkeys);
    while let Some(option) = args.next() {
        if is_option(option, "limit") && args.remaining() > 0 {
            limit = match args.int() {
                Ok(n) if n >= 0 => usize::try_from(n).unwrap_or(usize::MAX),
                _ => return exec.error("ERR LIMIT can't be negative"),
            };
        } else {
            return exec.syntax_error();
        }
    }
    inter(exec, req, 2..2 + numkeys, Target::Count(limit));
}

/// Redis's `sinterGenericCommand`: iterate the smallest set, keep what every other set holds.
fn inter(exec: &mut Exec<'_, '_>, req: &Request<'_>, keys: Range<usize>, target: Target<'_>) {
    let now = exec.now_ms;
    match check_keys(exec.state, req, keys.clone(), now) {
        Err(WrongType) => return exec.wrong_type(),
        // A missing key is an empty set: the intersection is empty, without a scan.
        Ok(false) => {
            return match target {
                Target::Reply => reply::array(exec.out, 0),
                Target::Store(dst) => store(exec, dst, Set::new()),
                Target::Count(_) => exec.integer(0),
            };
        }
        Ok(true) => {}
    }
    let sources = Sources::take(exec.state, req, keys, now);
    // Smallest first (a stable sort, as glibc's qsort is for arrays this small).
    let mut order: Vec<usize> = (0..sources.of_arg.len()).collect();
    order.sort_by_key(|&j| sources.get(j).map_or(0, Set::len));
    let (&first, rest) = order.split_first().unwrap_or((&0, &[]));
    let smallest = sources.get(first);
    let others: Vec<&Set> = rest
        .iter()
        .filter(|&&j| sources.of_arg.get(j) != sources.of_arg.get(first))
        .filter_map(|&j| sources.get(j))
        .collect();
    let in_all = |member: &Member<'_>| others.iter().all(|set| set.contains_member(*member));
    let members = smallest.into_iter().flat_map(Set::iter).filter(in_all);
    match target {
        Target::Count(limit) => {
            let limit = if limit == 0 { usize::MAX } else { limit };
            let count = members.take(limit).count();
            sources.restore(exec.state, now);
            exec.integer(count as i64);
        }
        Target::Reply => {
            let members: Vec<Member<'_>> = members.collect();
            push_members(exec.out, members.into_iter());
            sources.restore(exec.state, now);
        }
        Target::Store(_) => {
            let result = rebuilt(members, &exec.state.config.encodings);
            finish(exec, sources, result, target);
        }
    }
}

fn sunion(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    union_diff(exec, req, 1..req.len(), Target::Reply, SetOp::Union);
}

fn sunionstore(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    union_diff(
        exec,
        req,
        2..req.len(),
        Target::Store(req.arg(1)),
        SetOp::Union,
    );
}

fn sdiff(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    union_diff(exec, req, 1..req.len(), Target::Reply, SetOp::Diff);
}

fn sdiffstore(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    union_diff(
        exec,
        req,
        2..req.len(),
        Target::Store(req.arg(1)),
        SetOp::Diff,
    );
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Diff,
}

/// Redis's `sunionDiffGenericCommand`: the result is built into a new set by insertions (and,
/// for SDIFF's second algorithm, removals), as Redis builds it.
fn union_diff(
    exec: &mut Exec<'_, '_>,
    req: &Request<'_>,
    keys: Range<usize>,
    target: Target<'_>,
    op: SetOp,
) {
    let now = exec.now_ms;
    if let Err(WrongType) = check_keys(exec.state, req, keys.clone(), now) {
        return exec.wrong_type();
    }
    let sources = Sources::take(exec.state, req, keys, now);
    let enc = exec.state.config.encodings;
    let n = sources.of_arg.len();
    let first = sources.of_arg.first().copied().flatten();
    let mut result = Set::new();
    match op {
        SetOp::Union => {
            for set in (0..n).filter_map(|j| sources.get(j)) {
                for member in set.iter() {
                    result.insert_member(member, &enc);
                }
            }
        }
        SetOp::Diff => {
            let same_set = first.is_some() && sources.of_arg.iter().skip(1).any(|&at| at == first);
            if let (Some(head), false) = (sources.get(0), same_set) {
                let others: Vec<&Set> = (1..n).filter_map(|j| sources.get(j)).collect();
                // Redis's estimate: algorithm 1 (test each member of the first set against the
                // others) costs |first| per set, halved for its better constants; algorithm 2
                // (copy the first set, remove every member of the others) costs their sizes.
                let existing = 1 + others.len();
                let one = head.len().saturating_mul(existing) / 2;
                let two = head.len() + others.iter().map(|s| s.len()).sum::<usize>();
                if one <= two {
                    for member in head.iter() {
                        if !others.iter().any(|set| set.contains_member(member)) {
                            result.insert_member(member, &enc);
                        }
                    }
                } else {
                    for member in head.iter() {
                        result.insert_member(member, &enc);
                    }
                    for set in &others {
                        if result.is_empty() {
                            break;
                        }
                        for member in set.iter() {
                            result.remove_member(member);
                        }
                    }
                }
            }
        }
    }
    finish(exec, sources, result, target);
}

// ---- SSCAN ----

/// `SSCAN key cursor [MATCH pattern] [COUNT count]` → `*2 $next-cursor *n members`.
fn sscan(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    keys::collection_scan(exec, req, |set: &Set, cursor, count, pattern, out| {
        let mut page = Vec::new();
        let next = set.scan(cursor, count, &mut page);
        if let Some(pattern) = pattern {
            let mut buf = [0u8; 20];
            page.retain(|member| glob_match(pattern, member.bytes(&mut buf), false));
        }
        reply::array(out, 2);
        reply::bulk(out, next.to_string().as_bytes());
        push_members(out, page.into_iter());
    });
}
