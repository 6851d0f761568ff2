//! Hash commands: a key holding field → value pairs (the representation is in
//! [`crate::server::keyspace::hash`]).
//!
//! ```text
//! HSET key field value [field value ...]    :fields added (HMSET: +OK)
//! HSETNX key field value                    :1 set | :0 field existed
//! HGET key field                            $value | $-1
//! HMGET key field [field ...]               *n values, $-1 for each missing field
//! HDEL key field [field ...]                :fields removed (the key goes with its last field)
//! HLEN key                                  :fields
//! HSTRLEN key field                         :length of the value (0 if missing)
//! HEXISTS key field                         :1 | :0
//! HKEYS key / HVALS key / HGETALL key       *n fields / values / field value pairs
//! HINCRBY key field increment               :new value
//! HINCRBYFLOAT key field increment          $new value as text (as INCRBYFLOAT prints it)
//! HRANDFIELD key [count [WITHVALUES]]       $field | *n fields (count < 0: with repetition)
//! HSCAN key cursor [MATCH p] [COUNT n]      *2 $next-cursor *2n field value ...
//! ```
//!
//! **Order of checks** is Redis 7.0's, because the replies differ by it: argument errors that
//! need no key (HSET's odd count, HINCRBY's increment, HRANDFIELD's count, HSCAN's cursor) come
//! first, then the key's type, then errors about the stored value. A write to a missing key
//! creates it (Redis's `hashTypeLookupWriteOrCreate`); a key whose last field goes is deleted.
//!
//! **HRANDFIELD** follows `hrandfieldWithCountCommand`: a negative count returns that many
//! fields drawn independently (repetition allowed, any order); a positive count returns
//! distinct fields, the whole hash once the count reaches its size; count 1 is drawn like a
//! negative one. A distinct sample is a partial Fisher-Yates shuffle of positions when the
//! count is over a third of the size, otherwise repeated draws rejecting repeats (expected
//! O(count)), the same split Redis makes. Redis refuses counts past ±2^62 with WITHVALUES (the
//! reply length would overflow); for a huge negative count without it, Redis 7.0 starts writing
//! an endless reply and dies of memory (tried: `HRANDFIELD h -4611686018427387903 WITHVALUES`
//! killed 7.0.15). Here any draw of more than [`keys::RANDOM_DRAWS_MAX`] is refused with the same
//! `-ERR value is out of range` instead: a deliberate deviation.
//!
//! **HSCAN** parses the cursor and options as SCAN does (see [`crate::server::commands::keys`]); a missing key
//! answers an empty page with cursor 0 before the options are looked at, as Redis does. A packed
//! hash is returned whole with cursor 0; a table is walked by position (see the type's docs).
//!
//! Redis counterpart: `t_hash.c` (and `scanGenericCommand` in `db.c` for HSCAN).

use crate::resp::number::parse_i64;
use crate::resp::{Request, reply};

use crate::server::command::{Command, Exec};
use crate::server::commands::keys::{self, Draws, WrongType, read, read_as};
use crate::server::commands::strings::long_double::{self, FloatError};
use crate::server::glob::glob_match;
use crate::server::keyspace::db::Value;
use crate::server::keyspace::{Encodings, Hash};
use crate::server::spec::KeySpec;

// One command per line: the table reads as a table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("hset", -4, &["write", "denyoom", "fast"], hset).acl(&["hash"]).keys(&[KeySpec::index(1, &["RW", "update"])]),
    Command::new("hmset", -4, &["write", "denyoom", "fast"], hmset).acl(&["hash"]).keys(&[KeySpec::index(1, &["RW", "update"])]),
    Command::new("hsetnx", 4, &["write", "denyoom", "fast"], hsetnx).acl(&["hash"]).keys(&[KeySpec::index(1, &["RW", "insert"])]),
    Command::new("hget", 3, &["readonly", "fast"], hget).acl(&["hash"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("hmget", -3, &["readonly", "fast"], hmget).acl(&["hash"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("hdel", -3, &["write", "fast"], hdel).acl(&["hash"]).keys(&[KeySpec::index(1, &["RW", "delete"])]),
    Command::new("hlen", 2, &["readonly", "fast"], hlen).acl(&["hash"]).keys(&[KeySpec::index(1, &["RO"])]),
    Command::new("hstrlen", 3, &["readonly", "fast"], hstrlen).acl(&["hash"]).keys(&[KeySpec::index(1, &["RO"])]),
    Command::new("hexists", 3, &["readonly", "fast"], hexists).acl(&["hash"]).keys(&[KeySpec::index(1, &["RO"])]),
    Command::new("hkeys", 2, &["readonly"], hkeys).acl(&["hash"]).keys(&[KeySpec::index(1, &["RO", "access"])]).tips(&["nondeterministic_output_order"]),
    Command::new("hvals", 2, &["readonly"], hvals).acl(&["hash"]).keys(&[KeySpec::index(1, &["RO", "access"])]).tips(&["nondeterministic_output_order"]),
    Command::new("hgetall", 2, &["readonly"], hgetall).acl(&["hash"]).keys(&[KeySpec::index(1, &["RO", "access"])]).tips(&["nondeterministic_output_order"]),
    Command::new("hincrby", 4, &["write", "denyoom", "fast"], hincrby).acl(&["hash"]).keys(&[KeySpec::index(1, &["RW", "access", "update"])]),
    Command::new("hincrbyfloat", 4, &["write", "denyoom", "fast"], hincrbyfloat).acl(&["hash"]).keys(&[KeySpec::index(1, &["RW", "access", "update"])]),
    Command::new("hrandfield", -2, &["readonly"], hrandfield).acl(&["hash"]).keys(&[KeySpec::index(1, &["RO", "access"])]).tips(&["nondeterministic_output"]),
    Command::new("hscan", -3, &["readonly"], hscan).acl(&["hash"]).keys(&[KeySpec::index(1, &["RO", "access"])]).tips(&["nondeterministic_output"]),
];

/// Run `f` on the hash at `key`, creating an empty one if the key does not exist (kept only if
/// `f` leaves it non-empty). A key left empty is deleted.
fn write_hash<R>(
    exec: &mut Exec<'_, '_>,
    key: &[u8],
    f: impl FnOnce(&mut Hash, &Encodings) -> R,
) -> Result<R, WrongType> {
    let state = &mut *exec.state;
    let (db, enc) = (&mut state.db, &state.config.encodings);
    match db.get_mut(key, exec.now_ms) {
        None => {
            let mut hash = Hash::new();
            let result = f(&mut hash, enc);
            if !hash.is_empty() {
                db.insert(key, Value::Hash(hash));
            }
            Ok(result)
        }
        Some(Value::Hash(hash)) => {
            let result = f(hash, enc);
            if hash.is_empty() {
                db.remove(key);
            }
            Ok(result)
        }
        Some(_) => Err(WrongType),
    }
}

// ---- Writes ----

/// `HSET key field value [field value ...]` → `:n` fields that were new.
fn hset(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    if let Some(added) = set_pairs(exec, req, "hset") {
        exec.integer(added as i64);
    }
}

/// `HMSET key field value [field value ...]` → `+OK` (HSET's old form).
fn hmset(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    if set_pairs(exec, req, "hmset").is_some() {
        exec.ok();
    }
}

/// HSET and HMSET: the number of new fields, or `None` once an error was replied.
fn set_pairs(exec: &mut Exec<'_, '_>, req: &Request<'_>, name: &str) -> Option<usize> {
    if !req.len().is_multiple_of(2) {
        exec.arity_error(name);
        return None;
    }
    let result = write_hash(exec, req.arg(1), |hash, enc| {
        hash.prepare_for(req.args().skip(2), enc);
        let mut args = req.args().skip(2);
        let mut added = 0;
        while let (Some(field), Some(value)) = (args.next(), args.next()) {
            added += usize::from(hash.set(field, value, enc));
        }
        added
    });
    match result {
        Ok(added) => Some(added),
        Err(WrongType) => {
            exec.wrong_type();
            None
        }
    }
}

/// `HSETNX key field value` → `:1` if the field was set, `:0` if it existed (unchanged).
fn hsetnx(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let (field, value) = (req.arg(2), req.arg(3));
    let result = write_hash(exec, req.arg(1), |hash, enc| {
        if hash.contains(field) {
            return false;
        }
        hash.prepare_for([field, value].into_iter(), enc);
        hash.set(field, value, enc)
    });
    match result {
        Ok(set) => exec.integer(i64::from(set)),
        Err(WrongType) => exec.wrong_type(),
    }
}

/// `HDEL key field [field ...]` → `:n` fields removed; the key is deleted with its last field.
fn hdel(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let (key, now) = (req.arg(1), exec.now_ms);
    let db = &mut exec.state.db;
    let (removed, emptied) = match db.get_mut_quiet(key, now) {
        None => (0, false),
        Some(Value::Hash(hash)) => {
            let mut removed = 0;
            for field in req.args().skip(2) {
                removed += i64::from(hash.remove(field));
                if hash.is_empty() {
                    break;
                }
            }
            (removed, hash.is_empty())
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

/// Why HINCRBY or HINCRBYFLOAT refused to change the stored value.
enum IncrError {
    NotInteger,
    NotFloat,
    Overflow,
    NanOrInfinity,
}

/// `HINCRBY key field increment` → `:new value` (a missing field counts as 0).
fn hincrby(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let Some(increment) = parse_i64(req.arg(3)) else {
        return exec.not_integer();
    };
    let field = req.arg(2);
    let result = write_hash(exec, req.arg(1), |hash, enc| {
        let old = match hash.get(field) {
            None => 0,
            Some(text) => parse_i64(text).ok_or(IncrError::NotInteger)?,
        };
        let new = old.checked_add(increment).ok_or(IncrError::Overflow)?;
        let mut digits = [0u8; 20];
        hash.set(field, reply::format_decimal(&mut digits, new), enc);
        Ok(new)
    });
    match result {
        Ok(Ok(new)) => exec.integer(new),
        Ok(Err(error)) => incr_error(exec, error),
        Err(WrongType) => exec.wrong_type(),
    }
}

/// `HINCRBYFLOAT key field increment` → `$new value`, computed and printed in 80-bit long
/// double exactly as INCRBYFLOAT ([`long_double`]).
fn hincrbyfloat(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let (field, increment) = (req.arg(2), req.arg(3));
    // The increment alone first: Redis rejects it (and an infinite one) before the key.
    let mut text = Vec::new();
    match long_double::incr_by_float(None, increment, &mut text) {
        Ok(()) => {}
        Err(FloatError::NotAFloat) => return exec.error("ERR value is not a valid float"),
        Err(FloatError::NanOrInfinity) => return exec.error("ERR value is NaN or Infinity"),
    }
    let result = write_hash(exec, req.arg(1), |hash, enc| {
        text.clear();
        match long_double::incr_by_float(hash.get(field), increment, &mut text) {
            // The increment is valid, so a parse failure is the stored value's.
            Err(FloatError::NotAFloat) => Err(IncrError::NotFloat),
            Err(FloatError::NanOrInfinity) => Err(IncrError::NanOrInfinity),
            Ok(()) => {
                hash.set(field, &text, enc);
                Ok(())
            }
        }
    });
    match result {
        Ok(Ok(())) => exec.bulk(&text),
        Ok(Err(error)) => incr_error(exec, error),
        Err(WrongType) => exec.wrong_type(),
    }
}

fn incr_error(exec: &mut Exec<'_, '_>, error: IncrError) {
    exec.error(match error {
        IncrError::NotInteger => "ERR hash value is not an integer",
        IncrError::NotFloat => "ERR hash value is not a float",
        IncrError::Overflow => "ERR increment or decrement would overflow",
        IncrError::NanOrInfinity => "ERR increment would produce NaN or Infinity",
    });
}

// ---- Reads ----

/// `HGET key field` → `$value`, `$-1` if the key or field does not exist.
fn hget(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let field = req.arg(2);
    match read_as::<Hash>(exec.state, req.arg(1), exec.now_ms) {
        Ok(hash) => match hash.and_then(|h| h.get(field)) {
            Some(value) => reply::bulk(exec.out, value),
            None => reply::null(exec.out),
        },
        Err(WrongType) => exec.wrong_type(),
    }
}

/// `HMGET key field [field ...]` → `*n`, `$-1` for each missing field. Unlike MGET, a key of
/// another type is an error.
fn hmget(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let hash = match read(exec.state, req.arg(1), exec.now_ms) {
        None => None,
        Some(Value::Hash(hash)) => Some(hash),
        Some(_) => return exec.wrong_type(),
    };
    reply::array(exec.out, req.len() - 2);
    for field in req.args().skip(2) {
        match hash.and_then(|h| h.get(field)) {
            Some(value) => reply::bulk(exec.out, value),
            None => reply::null(exec.out),
        }
    }
}

/// `HLEN key` → `:fields` (0 if the key does not exist).
fn hlen(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    match read_as::<Hash>(exec.state, req.arg(1), exec.now_ms) {
        Ok(hash) => {
            let len = hash.map_or(0, Hash::len);
            exec.integer(len as i64);
        }
        Err(WrongType) => exec.wrong_type(),
    }
}

/// `HSTRLEN key field` → `:length` of the value, 0 if the key or field does not exist.
fn hstrlen(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let field = req.arg(2);
    match read_as::<Hash>(exec.state, req.arg(1), exec.now_ms) {
        Ok(hash) => {
            let len = hash.and_then(|h| h.get(field)).map_or(0, <[u8]>::len);
            exec.integer(len as i64);
        }
        Err(WrongType) => exec.wrong_type(),
    }
}

/// `HEXISTS key field` → `:1` | `:0`.
fn hexists(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let field = req.arg(2);
    match read_as::<Hash>(exec.state, req.arg(1), exec.now_ms) {
        Ok(hash) => {
            let found = hash.is_some_and(|h| h.contains(field));
            exec.integer(i64::from(found));
        }
        Err(WrongType) => exec.wrong_type(),
    }
}

/// Which parts of each entry HKEYS, HVALS and HGETALL reply with.
#[derive(Clone, Copy)]
enum Parts {
    Fields,
    Values,
    Both,
}

/// `HKEYS key` → `*n` fields.
fn hkeys(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    get_all(exec, req, Parts::Fields);
}

/// `HVALS key` → `*n` values.
fn hvals(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    get_all(exec, req, Parts::Values);
}

/// `HGETALL key` → `*2n` field value field value ...
fn hgetall(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    get_all(exec, req, Parts::Both);
}

fn get_all(exec: &mut Exec<'_, '_>, req: &Request<'_>, parts: Parts) {
    let hash = match read(exec.state, req.arg(1), exec.now_ms) {
        None => return reply::array(exec.out, 0),
        Some(Value::Hash(hash)) => hash,
        Some(_) => return exec.wrong_type(),
    };
    let per_entry = if let Parts::Both = parts { 2 } else { 1 };
    reply::array(exec.out, hash.len() * per_entry);
    for (field, value) in hash.iter() {
        push_entry(exec.out, field, value, parts);
    }
}

fn push_entry(out: &mut Vec<u8>, field: &[u8], value: &[u8], parts: Parts) {
    match parts {
        Parts::Fields => reply::bulk(out, field),
        Parts::Values => reply::bulk(out, value),
        Parts::Both => {
            reply::bulk(out, field);
            reply::bulk(out, value);
        }
    }
}

// ---- HRANDFIELD ----

/// `HRANDFIELD key [count [WITHVALUES]]` → `$field` (`$-1` if no key) without a count;
/// with one, `*n` fields, or field value pairs with WITHVALUES (see the module docs).
fn hrandfield(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let count = match keys::random_count(req, "withvalues") {
        Ok(count) => count,
        Err(message) => return exec.error(message),
    };
    let mut rng = keys::Rng::new(exec.state);
    let Some((count, with_values)) = count else {
        return match read_as::<Hash>(exec.state, req.arg(1), exec.now_ms) {
            Ok(None) => exec.null(),
            Ok(Some(hash)) => {
                let positions = hash.positions();
                match positions.get(rng.below(positions.len())) {
                    Some((field, _)) => reply::bulk(exec.out, field),
                    None => reply::null(exec.out),
                }
            }
            Err(WrongType) => exec.wrong_type(),
        };
    };
    let hash = match read(exec.state, req.arg(1), exec.now_ms) {
        None => return reply::array(exec.out, 0),
        Some(Value::Hash(hash)) => hash,
        Some(_) => return exec.wrong_type(),
    };
    let positions = hash.positions();
    let size = positions.len();
    let draws = match Draws::plan(count, size) {
        Ok(draws) => draws,
        Err(message) => return exec.error(message),
    };
    let parts = if with_values {
        Parts::Both
    } else {
        Parts::Fields
    };
    let out = &mut *exec.out;
    reply::array(out, draws.len(size) * if with_values { 2 } else { 1 });
    if let Draws::Whole = draws {
        for (field, value) in hash.iter() {
            push_entry(out, field, value, parts);
        }
    }
    draws.draw(size, &mut rng, |at| {
        if let Some((field, value)) = positions.get(at) {
            push_entry(out, field, value, parts);
        }
    });
}

// ---- HSCAN ----

/// `HSCAN key cursor [MATCH pattern] [COUNT count]` → `*2 $next-cursor *2n field value ...`.
fn hscan(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    keys::collection_scan(exec, req, |hash: &Hash, cursor, count, pattern, out| {
        let mut page = Vec::new();
        let next = hash.scan(cursor, count, &mut page);
        if let Some(pattern) = pattern {
            page.retain(|(field, _)| glob_match(pattern, field, false));
        }
        keys::scan_page_header(out, next, page.len() * 2);
        for (field, value) in page {
            reply::bulk(out, field);
            reply::bulk(out, value);
        }
    });
}
