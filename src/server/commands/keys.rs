//! Keyspace commands: the ones that work on keys whatever their type.
//!
//! Chapter: [docs/09-commands-and-the-keyspace.md](../../../docs/09-commands-and-the-keyspace.md).
//!
//! ```text
//! DEL key [key ...]                 :deleted       (UNLINK is the same here)
//! EXISTS key [key ...]              :count         a key named twice counts twice
//! TOUCH key [key ...]               :count
//! TYPE key                          +string | +none
//! KEYS pattern                      *n keys matching the glob
//! SCAN cursor [MATCH p] [COUNT n] [TYPE t]          *2 $next-cursor *n keys
//! RANDOMKEY                         $key | $-1
//! DBSIZE                            :keys
//! FLUSHDB [ASYNC|SYNC]              +OK            (FLUSHALL: every database)
//! MOVE key db                       :1 | :0        :0 if missing here or present there
//! SWAPDB index1 index2              +OK            clients stay; their keys trade places
//! RENAME key newkey                 +OK | -ERR no such key
//! RENAMENX key newkey               :1 | :0
//! EXPIRE key seconds [NX|XX|GT|LT]  :1 | :0        (PEXPIRE: milliseconds)
//! EXPIREAT key unix-s [NX|XX|GT|LT] :1 | :0        (PEXPIREAT: unix milliseconds)
//! TTL key                           :seconds | :-1 no deadline | :-2 no key   (PTTL: ms)
//! EXPIRETIME key                    :unix-s | :-1 | :-2                        (PEXPIRETIME)
//! PERSIST key                       :1 | :0
//! ```
//!
//! **Deadlines are absolute.** Every expiry is stored as a Unix time in milliseconds, so EXPIRE
//! 10 and PEXPIREAT now+10000 store the same thing, TTL is computed when asked, and a deadline
//! already in the past deletes the key at once (and still answers 1, as Redis does).
//!
//! **Lookups are of two kinds**, as in Redis's `db.c`: a *read* lookup (`read`: GET, EXISTS,
//! TYPE, TTL, ...) counts a keyspace hit or miss for INFO; a *write* lookup (EXPIRE, DEL, INCR,
//! ...) does not. Both delete an expired key before answering.
//!
//! **SCAN's cursor** is a position in the keyspace's slot table (see [`crate::server::keyspace::db`]), where a key
//! stays put for as long as it exists, packed with the table's end when the iteration began. So
//! a key that exists for the whole iteration is returned exactly once, however many keys are
//! added or removed meanwhile, and an iteration ends even if keys arrive faster than it reads
//! them. Cursor values are ours (clients treat them as opaque); their text is parsed with C's
//! `strtoul` rules, as Redis does.
//!
//! **Option names are C strings.** Redis compares them with `strcasecmp`, which stops at the
//! first NUL byte, so `NX\0anything` is NX. `is_option` reproduces it.
//!
//! Redis counterparts: `db.c` (`delCommand`, `scanGenericCommand`, `renameGenericCommand`, ...)
//! and `expire.c` (`expireGenericCommand`, `ttlGenericCommand`).

use crate::resp::number::parse_i64;
use crate::resp::{Request, reply};

use crate::server::State;
use crate::server::args::{Args, NOT_INTEGER, SYNTAX, c_str, is_option};
use crate::server::command::{Command, Exec};
use crate::server::glob::glob_match;
use crate::server::keyspace::clock;
pub(crate) use crate::server::keyspace::db::WrongType;
use crate::server::keyspace::db::{Typed, Value};
use crate::server::spec::KeySpec;

// One command per line: the table reads as a table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("del", -2, &["write"], del).acl(&["keyspace"]).keys(&[KeySpec::index(1, &["RM", "delete"]).range(-1, 1, 0)]).tips(&["request_policy:multi_shard", "response_policy:agg_sum"]),
    Command::new("unlink", -2, &["write", "fast"], del).acl(&["keyspace"]).keys(&[KeySpec::index(1, &["RM", "delete"]).range(-1, 1, 0)]).tips(&["request_policy:multi_shard", "response_policy:agg_sum"]),
    Command::new("exists", -2, &["readonly", "fast"], exists).acl(&["keyspace"]).keys(&[KeySpec::index(1, &["RO"]).range(-1, 1, 0)]).tips(&["request_policy:multi_shard", "response_policy:agg_sum"]),
    Command::new("touch", -2, &["readonly", "fast"], touch).acl(&["keyspace"]).keys(&[KeySpec::index(1, &["RO"]).range(-1, 1, 0)]).tips(&["request_policy:multi_shard", "response_policy:agg_sum"]),
    Command::new("type", 2, &["readonly", "fast"], type_).acl(&["keyspace"]).keys(&[KeySpec::index(1, &["RO"])]),
    Command::new("keys", 2, &["readonly"], keys).acl(&["keyspace", "dangerous"]).tips(&["request_policy:all_shards", "nondeterministic_output_order"]),
    Command::new("scan", -2, &["readonly", "touches_arbitrary_keys"], scan).acl(&["keyspace"]).tips(&["nondeterministic_output", "request_policy:special"]),
    Command::new("randomkey", 1, &["readonly", "touches_arbitrary_keys"], randomkey).acl(&["keyspace"]).tips(&["request_policy:all_shards", "nondeterministic_output"]),
    Command::new("dbsize", 1, &["readonly", "fast"], dbsize).acl(&["keyspace"]).tips(&["request_policy:all_shards", "response_policy:agg_sum"]),
    Command::new("flushdb", -1, &["write"], flush).acl(&["keyspace", "dangerous"]).tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    Command::new("move", 3, &["write", "fast"], move_).acl(&["keyspace"]).keys(&[KeySpec::index(1, &["RW", "access", "update"])]),
    Command::new("swapdb", 3, &["write", "fast"], swapdb).acl(&["keyspace", "dangerous"]),
    Command::new("flushall", -1, &["write"], flush).acl(&["keyspace", "dangerous"]).tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    Command::new("rename", 3, &["write"], rename).acl(&["keyspace"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"]), KeySpec::index(2, &["OW", "update"])]),
    Command::new("renamenx", 3, &["write", "fast"], renamenx).acl(&["keyspace"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"]), KeySpec::index(2, &["OW", "insert"])]),
    Command::new("expire", -3, &["write", "fast"], expire).acl(&["keyspace"]).keys(&[KeySpec::index(1, &["RW", "update"])]),
    Command::new("pexpire", -3, &["write", "fast"], pexpire).acl(&["keyspace"]).keys(&[KeySpec::index(1, &["RW", "update"])]),
    Command::new("expireat", -3, &["write", "fast"], expireat).acl(&["keyspace"]).keys(&[KeySpec::index(1, &["RW", "update"])]),
    Command::new("pexpireat", -3, &["write", "fast"], pexpireat).acl(&["keyspace"]).keys(&[KeySpec::index(1, &["RW", "update"])]),
    Command::new("ttl", 2, &["readonly", "fast"], ttl).acl(&["keyspace"]).keys(&[KeySpec::index(1, &["RO", "access"])]).tips(&["nondeterministic_output"]),
    Command::new("pttl", 2, &["readonly", "fast"], pttl).acl(&["keyspace"]).keys(&[KeySpec::index(1, &["RO", "access"])]).tips(&["nondeterministic_output"]),
    Command::new("expiretime", 2, &["readonly", "fast"], expiretime).acl(&["keyspace"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("pexpiretime", 2, &["readonly", "fast"], pexpiretime).acl(&["keyspace"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("persist", 2, &["write", "fast"], persist).acl(&["keyspace"]).keys(&[KeySpec::index(1, &["RW", "update"])]),
    Command::new("copy", -3, &["write", "denyoom"], copy).acl(&["keyspace"]).keys(&[KeySpec::index(1, &["RO", "access"]), KeySpec::index(2, &["OW", "update"])]),
    Command::new("object", -2, &[], object).subcommands(OBJECT),
];

// ---- Helpers shared with the other families ----

/// Redis's `lookupKeyRead`: the lookup of a read command, counted in `keyspace_hits` or
/// `keyspace_misses`. Write commands use `db.get_mut` / `db.exists`, which count nothing.
pub(super) fn read<'s>(state: &'s mut State, key: &[u8], now_ms: i64) -> Option<&'s Value> {
    read_with(state, key, now_ms, true)
}

/// [`read`], recording the access in the key's stamp or not (`touch`: EXISTS and TYPE do
/// not, as Redis's `LOOKUP_NOTOUCH`).
fn read_with<'s>(state: &'s mut State, key: &[u8], now_ms: i64, touch: bool) -> Option<&'s Value> {
    let value = if touch {
        state.db.get(key, now_ms)
    } else {
        state.db.get_untouched(key, now_ms)
    };
    if value.is_some() {
        state.stats.keyspace_hits += 1;
    } else {
        state.stats.keyspace_misses += 1;
    }
    value
}

/// The one typed look-up of a read command: the `T` at `key` ([`read`]: counted as a hit or a
/// miss), `Ok(None)` if the key does not exist, `Err(WrongType)` if it holds another type
/// (`exec.wrong_type()` then replies Redis's `WRONGTYPE`).
pub(crate) fn read_as<'s, T: Typed + ?Sized>(
    state: &'s mut State,
    key: &[u8],
    now_ms: i64,
) -> Result<Option<&'s T>, WrongType> {
    match read(state, key, now_ms) {
        None => Ok(None),
        Some(value) => T::of(value).map(Some).ok_or(WrongType),
    }
}

/// The same for a write command: the `T` at `key`, to change in place (not counted, as
/// Redis's `lookupKeyWrite` is not).
pub(crate) fn write_as<'s, T: Typed + ?Sized>(
    state: &'s mut State,
    key: &[u8],
    now_ms: i64,
) -> Result<Option<&'s mut T>, WrongType> {
    match state.db.get_mut(key, now_ms) {
        None => Ok(None),
        Some(value) => T::of_mut(value).map(Some).ok_or(WrongType),
    }
}

/// The options of the SCAN family: `[MATCH pattern] [COUNT count]`, and `[TYPE type]` for
/// SCAN alone (HSCAN and SSCAN call it a syntax error), each possibly repeated, the last
/// winning.
pub(super) struct ScanOptions<'a> {
    /// Keys to collect per call (10 by default; ten times as many buckets at most).
    pub count: usize,
    /// `None` for no pattern, and for `*`, which is the same (it matches the empty key too).
    pub pattern: Option<&'a [u8]>,
    pub type_name: Option<&'a [u8]>,
}

/// Read [`ScanOptions`] from `req.arg(from)` on, with Redis's errors.
pub(super) fn scan_options<'a>(
    req: &Request<'a>,
    from: usize,
    allow_type: bool,
) -> Result<ScanOptions<'a>, &'static str> {
    let mut options = ScanOptions {
        count: 10,
        pattern: None,
        type_name: None,
    };
    let mut args = Args::new(req, from);
    while let Some(option) = args.next() {
        // Every option takes a value: one without is a syntax error, whatever its name.
        let value = args.value()?;
        if is_option(option, "count") {
            match parse_i64(value) {
                None => return Err(NOT_INTEGER),
                Some(n) if n < 1 => return Err(SYNTAX),
                Some(n) => options.count = usize::try_from(n).unwrap_or(usize::MAX),
            }
        } else if is_option(option, "match") {
            options.pattern = Some(value).filter(|p| *p != b"*");
        } else if allow_type && is_option(option, "type") {
            options.type_name = Some(c_str(value));
        } else {
            return Err(SYNTAX);
        }
    }
    Ok(options)
}

/// HSCAN's and SSCAN's options: SCAN's, without TYPE: the count and the pattern.
fn collection_scan_options<'a>(
    req: &Request<'a>,
) -> Result<(usize, Option<&'a [u8]>), &'static str> {
    let options = scan_options(req, 3, false)?;
    Ok((options.count, options.pattern))
}

/// A small xorshift64* generator, seeded from the keyspace's, for the draws of one command
/// (SRANDMEMBER, SPOP, HRANDFIELD: the keyspace's own generator cannot be borrowed while the
/// value is).
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(state: &mut State) -> Rng {
        Rng(state.db.random_index(usize::MAX) as u64 | 1)
    }

    /// A number below `n` (0 for 0).
    pub(super) fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1) as u64) as usize
    }
}

/// HSCAN's, SSCAN's and ZSCAN's way in, as Redis's `scanGenericCommand` checks: the cursor,
/// then the key (a missing key answers an empty page at once, before the options are
/// judged), then the options. `page` gets the value, the cursor, COUNT and MATCH and the output
/// and writes the reply, starting it with [`scan_page_header`].
pub(super) fn collection_scan<T: Typed>(
    exec: &mut Exec<'_, '_>,
    req: &Request<'_>,
    page: impl FnOnce(&T, u64, usize, Option<&[u8]>, &mut Vec<u8>),
) {
    let Some(cursor) = parse_cursor(req.arg(2)) else {
        return exec.error("ERR invalid cursor");
    };
    let options = collection_scan_options(req);
    let value = match read_as::<T>(exec.state, req.arg(1), exec.now_ms) {
        Ok(None) => return exec.out.extend_from_slice(b"*2\r\n$1\r\n0\r\n*0\r\n"),
        Ok(Some(value)) => value,
        Err(WrongType) => return exec.wrong_type(),
    };
    match options {
        Ok((count, pattern)) => page(value, cursor, count, pattern, exec.out),
        Err(message) => exec.error(message),
    }
}

/// A SCAN page's start: `*2`, the next cursor, and the page's array of `len` elements.
pub(super) fn scan_page_header(out: &mut Vec<u8>, next: u64, len: usize) {
    reply::array(out, 2);
    reply::bulk(out, next.to_string().as_bytes());
    reply::array(out, len);
}

/// The most elements one HRANDFIELD or ZRANDMEMBER with a negative count may draw (see
/// `hashes`' module docs). A reply this long is already hundreds of megabytes.
pub const RANDOM_DRAWS_MAX: u64 = 1 << 24;

/// HRANDFIELD's and ZRANDMEMBER's arguments after the key: `Ok(None)` without a count, else
/// the count and whether `with` (WITHVALUES, WITHSCORES) follows it, with Redis's checks in
/// its order.
pub(super) fn random_count(
    req: &Request<'_>,
    with: &str,
) -> Result<Option<(i64, bool)>, &'static str> {
    if req.len() < 3 {
        return Ok(None);
    }
    let count = match parse_i64(req.arg(2)) {
        None => return Err(NOT_INTEGER),
        Some(i64::MIN) => {
            return Err(
                "ERR value is out of range, value must between -9223372036854775807 and \
                 9223372036854775807",
            );
        }
        Some(n) => n,
    };
    if req.len() > 4 || (req.len() == 4 && !is_option(req.arg(3), with)) {
        return Err(SYNTAX);
    }
    let with = req.len() == 4;
    if with && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err("ERR value is out of range");
    }
    Ok(Some((count, with)))
}

/// How HRANDFIELD and ZRANDMEMBER with a count draw from `size` elements, as Redis's
/// `hrandfieldWithCountCommand` and `zrandmemberWithCountCommand`: a negative count (or 1)
/// draws independently, repeats allowed; a positive count draws distinct elements, all of
/// them in their own order once it reaches the size.
pub(super) enum Draws {
    Nothing,
    /// Every element, in the value's order.
    Whole,
    Independent(usize),
    Distinct(usize),
}

impl Draws {
    pub(super) fn plan(count: i64, size: usize) -> Result<Draws, &'static str> {
        let wanted = count.unsigned_abs();
        if wanted == 0 || size == 0 {
            return Ok(Draws::Nothing);
        }
        if count < 0 || wanted == 1 {
            if wanted > RANDOM_DRAWS_MAX {
                return Err("ERR value is out of range");
            }
            return Ok(Draws::Independent(wanted as usize));
        }
        let wanted = usize::try_from(wanted).unwrap_or(usize::MAX);
        Ok(if wanted >= size {
            Draws::Whole
        } else {
            Draws::Distinct(wanted)
        })
    }

    /// How many elements the reply holds.
    pub(super) fn len(&self, size: usize) -> usize {
        match *self {
            Draws::Nothing => 0,
            Draws::Whole => size,
            Draws::Independent(n) | Draws::Distinct(n) => n,
        }
    }

    /// Hand each drawn position below `size` to `each`, in reply order (nothing for
    /// [`Draws::Whole`]: the caller walks the value). A distinct sample is a partial
    /// Fisher-Yates shuffle of positions when it is over a third of the size, otherwise
    /// repeated draws rejecting repeats (expected O(count)), the split Redis makes.
    pub(super) fn draw(&self, size: usize, rng: &mut Rng, mut each: impl FnMut(usize)) {
        match *self {
            Draws::Nothing | Draws::Whole => {}
            Draws::Independent(n) => (0..n).for_each(|_| each(rng.below(size))),
            Draws::Distinct(wanted) if wanted.saturating_mul(3) > size => {
                let mut order: Vec<usize> = (0..size).collect();
                for i in 0..wanted {
                    let j = i + rng.below(size - i);
                    order.swap(i, j);
                }
                order.iter().take(wanted).for_each(|&at| each(at));
            }
            Draws::Distinct(wanted) => {
                let mut drawn = std::collections::HashSet::with_capacity(wanted);
                while drawn.len() < wanted {
                    let at = rng.below(size);
                    if drawn.insert(at) {
                        each(at);
                    }
                }
            }
        }
    }
}

/// `-ERR invalid expire time in 'set' command`.
pub(super) fn invalid_expire_time(exec: &mut Exec<'_, '_>, command: &str) {
    let mut message = b"ERR invalid expire time in '".to_vec();
    message.extend_from_slice(command.as_bytes());
    message.extend_from_slice(b"' command");
    exec.error_bytes(&message);
}

// ---- Commands ----

/// `DEL key [key ...]` and `UNLINK key [key ...]` → `:n`, the number of keys that existed.
///
/// UNLINK frees values on a background thread in Redis; here freeing a value is a `Vec` drop
/// on the loop thread either way.
fn del(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let now = exec.now_ms;
    let db = &mut exec.state.db;
    let deleted = req.args().skip(1).filter(|key| db.delete(key, now)).count();
    exec.integer(deleted as i64);
}

/// `EXISTS key [key ...]` and `TOUCH key [key ...]` → `:n`. A key named twice counts twice.
fn exists(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    count_present(exec, req, false);
}

/// `TOUCH key [key ...]` → `:n`: as EXISTS, but each key found counts as accessed.
fn touch(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    count_present(exec, req, true);
}

fn count_present(exec: &mut Exec<'_, '_>, req: &Request<'_>, touch: bool) {
    let now = exec.now_ms;
    let found = req
        .args()
        .skip(1)
        .filter(|key| read_with(exec.state, key, now, touch).is_some())
        .count();
    exec.integer(found as i64);
}

/// `TYPE key` → `+string`, or `+none` if the key does not exist (not counted as an access).
fn type_(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let name =
        read_with(exec.state, req.arg(1), exec.now_ms, false).map_or("none", Value::type_name);
    exec.simple(name);
}

/// `KEYS pattern` → `*n` keys matching the glob pattern (see [`crate::server::glob`]).
///
/// Expired keys are skipped but not reclaimed, as Redis does. The pattern `*` is not matched at
/// all (every key qualifies): that matters for the empty key, which the glob `*` does not match.
fn keys(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let pattern = req.arg(1);
    let all = pattern == b"*";
    let found: Vec<&[u8]> = exec
        .state
        .db
        .live_keys(exec.now_ms)
        .filter(|key| all || glob_match(pattern, key, false))
        .collect();
    reply::array(exec.out, found.len());
    for key in found {
        reply::bulk(exec.out, key);
    }
}

/// `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]` → `*2 $next-cursor *n keys`.
///
/// Start with cursor 0 and call again with the returned cursor until it is 0. Each call visits
/// up to `COUNT` keys (at most 10 × COUNT buckets), then filters them by pattern, type and expiry,
/// so a page may be short or empty before the end: as in Redis.
fn scan(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let Some(cursor) = parse_cursor(req.arg(1)) else {
        return exec.error("ERR invalid cursor");
    };
    let ScanOptions {
        count,
        pattern,
        type_name,
    } = match scan_options(req, 2, true) {
        Ok(options) => options,
        Err(message) => return exec.error(message),
    };
    let mut candidates: Vec<Box<[u8]>> = Vec::new();
    let next = exec
        .state
        .db
        .scan(cursor, count, count.saturating_mul(10), &mut candidates);

    let now = exec.now_ms;
    let mut found = Vec::with_capacity(candidates.len());
    for key in candidates {
        if let Some(pattern) = pattern
            && !glob_match(pattern, &key, false)
        {
            continue;
        }
        // Redis checks the type with a read lookup, which counts a keyspace hit (and, for a key
        // that just expired, finds "none" and deletes it, so `TYPE none` lets its name through).
        if let Some(wanted) = type_name {
            let actual = read(exec.state, &key, now).map_or("none", Value::type_name);
            if !wanted.eq_ignore_ascii_case(actual.as_bytes()) {
                continue;
            }
        }
        if exec.state.db.expire_if_needed(&key, now) {
            continue;
        }
        found.push(key);
    }
    reply::array(exec.out, 2);
    let mut digits = [0u8; 20];
    reply::bulk(exec.out, format_u64(&mut digits, next));
    reply::array(exec.out, found.len());
    for key in &found {
        reply::bulk(exec.out, key);
    }
}

/// A SCAN cursor, read as Redis reads it with C's `strtoul`: an optional sign (a `-` negates
/// modulo 2^64), decimal digits with leading zeros allowed, and nothing after them; an empty
/// string is 0; a leading space or a value past `u64::MAX` is invalid.
fn parse_cursor(arg: &[u8]) -> Option<u64> {
    let text = c_str(arg);
    let (negative, digits) = match text {
        [] => return Some(0),
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut value: u64 = 0;
    for &d in digits {
        value = value.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// Format a `u64` into `buf` (20 bytes hold every `u64`) and return the used tail.
fn format_u64(buf: &mut [u8; 20], mut n: u64) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[at..];
        }
    }
}

/// `RANDOMKEY` → `$key`, or `$-1` if the keyspace is empty.
fn randomkey(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    match exec.state.db.random_key(exec.now_ms) {
        Some(key) => exec.bulk(&key),
        None => exec.null(),
    }
}

/// `COPY source destination [DB index] [REPLACE]` → `:1` if copied, `:0` if `source` is
/// missing or `destination` exists (without REPLACE). The deadline is copied too; `DB` names
/// the destination's database (the selected one by default).
fn copy(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let (src, dst) = (req.arg(1), req.arg(2));
    let here = exec.state.shelf.selected();
    let mut target = here;
    let mut replace = false;
    let mut args = Args::new(req, 3);
    while let Some(option) = args.next() {
        if is_option(option, "replace") {
            replace = true;
        } else if is_option(option, "db") && args.remaining() > 0 {
            match db_index(exec.state, args.next().unwrap_or_default(), None) {
                Err(message) => return exec.error(message),
                Ok(index) => target = index,
            }
        } else {
            return exec.syntax_error();
        }
    }
    if src == dst && target == here {
        return exec.error("ERR source and destination objects are the same");
    }
    let now = exec.now_ms;
    let Some(value) = exec.state.db.get(src, now).cloned() else {
        return exec.integer(0);
    };
    let deadline = exec.state.db.expiry(src, now).flatten();
    let Some(db) = exec.state.db_at(target) else {
        return exec.integer(0);
    };
    if db.exists(dst, now) {
        if !replace {
            return exec.integer(0);
        }
        db.remove(dst);
    }
    db.insert(dst, value);
    db.set_expiry(dst, deadline);
    exec.integer(1);
}

/// `OBJECT ENCODING|REFCOUNT|FREQ|HELP key`: how a value is stored.
fn object(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    exec.run_subcommand("OBJECT", OBJECT, req);
}

#[rustfmt::skip]
const OBJECT: &[Command] = &[
    Command::new("object|encoding", 3, &["readonly"], object_encoding).acl(&["keyspace"]).keys(&[KeySpec::index(2, &["RO"])]).tips(&["nondeterministic_output"]),
    Command::new("object|refcount", 3, &["readonly"], object_refcount).acl(&["keyspace"]).keys(&[KeySpec::index(2, &["RO"])]).tips(&["nondeterministic_output"]),
    Command::new("object|freq", 3, &["readonly"], object_freq).acl(&["keyspace"]).keys(&[KeySpec::index(2, &["RO"])]).tips(&["nondeterministic_output"]),
    Command::new("object|idletime", 3, &["readonly"], object_idletime).acl(&["keyspace"]).keys(&[KeySpec::index(2, &["RO"])]).tips(&["nondeterministic_output"]),
    Command::new("object|help", 2, &["loading", "stale"], object_help).acl(&["keyspace"]),
];

/// `OBJECT ENCODING key`. Redis looks the key up without touching its access time or the hit
/// counters, as every OBJECT subcommand does.
fn object_encoding(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let Some(value) = exec.state.db.get_untouched(req.arg(2), exec.now_ms) else {
        return exec.null();
    };
    let encoding = value.encoding();
    exec.bulk(encoding.as_bytes());
}

/// `OBJECT REFCOUNT key`: Redis shares one object per integer 0..9999 and reports it as
/// "shared forever"; every other value has one reference.
fn object_refcount(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let Some(value) = exec.state.db.get_untouched(req.arg(2), exec.now_ms) else {
        return exec.null();
    };
    let shared = value.encoding() == "int"
        && value
            .as_str()
            .and_then(parse_i64)
            .is_some_and(|n| (0..10_000).contains(&n));
    exec.integer(if shared { i64::from(i32::MAX) } else { 1 });
}

/// `OBJECT FREQ key`: the key's LFU counter, decayed to now (under an LFU policy only; see
/// [`crate::server::keyspace::clock`]).
fn object_freq(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let Some(stamp) = exec.state.db.stamp(req.arg(2), exec.now_ms) else {
        return exec.null();
    };
    let eviction = &exec.state.config.eviction;
    if !eviction.policy.is_lfu() {
        return exec.error(
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please \
             note that when switching between policies at runtime LRU and LFU data will take \
             some time to adjust.",
        );
    }
    let freq = clock::lfu_decayed(stamp, exec.now_ms, eviction.lfu_decay_time);
    exec.integer(i64::from(freq));
}

/// `OBJECT IDLETIME key`: seconds since the key was last read or written (not under an LFU
/// policy, which keeps a counter instead).
fn object_idletime(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let Some(stamp) = exec.state.db.stamp(req.arg(2), exec.now_ms) else {
        return exec.null();
    };
    if exec.state.config.eviction.policy.is_lfu() {
        return exec.error(
            "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that \
             when switching between policies at runtime LRU and LFU data will take some time \
             to adjust.",
        );
    }
    exec.integer((clock::idle_ms(stamp, exec.now_ms) / 1000) as i64);
}

fn object_help(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.help(
        "object",
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    );
}

/// `DBSIZE` → `:n`. Like Redis, it counts keys that have expired but not been reclaimed yet.
fn dbsize(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    let len = exec.state.db.len();
    exec.integer(len as i64);
}

/// `FLUSHDB [ASYNC|SYNC]` (the selected database) and `FLUSHALL [ASYNC|SYNC]` (every one) →
/// `+OK`. Freeing happens on the loop thread either way.
fn flush(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let valid = match req.len() {
        1 => true,
        2 => is_option(req.arg(1), "sync") || is_option(req.arg(1), "async"),
        _ => false,
    };
    if !valid {
        return exec.syntax_error();
    }
    let now = exec.now_ms;
    if is_option(req.arg(0), "flushall") {
        for (_, db) in exec.state.dbs_mut() {
            db.clear(now);
        }
    } else {
        exec.state.db.clear(now);
    }
    exec.ok();
}

/// A database number argument, as Redis's `getIntFromObjectOrReply` then `selectDb` read it:
/// not an integer, or not an `int`, → `not_int` if the command names the argument (SWAPDB),
/// else Redis's two texts; outside `0..databases` → `ERR DB index is out of range`.
pub(crate) fn db_index(
    state: &State,
    arg: &[u8],
    not_int: Option<&'static str>,
) -> Result<usize, &'static str> {
    db_in_range(state, db_number(arg, not_int)?)
}

/// The `int` half of [`db_index`].
fn db_number(arg: &[u8], not_int: Option<&'static str>) -> Result<i32, &'static str> {
    let number = parse_i64(arg).ok_or(not_int.unwrap_or(NOT_INTEGER))?;
    i32::try_from(number).map_err(|_| {
        not_int
            .unwrap_or("ERR value is out of range, value must between -2147483648 and 2147483647")
    })
}

/// The range half of [`db_index`] (Redis's `selectDb`).
fn db_in_range(state: &State, number: i32) -> Result<usize, &'static str> {
    usize::try_from(number)
        .ok()
        .filter(|&index| index < state.shelf.count())
        .ok_or(OUT_OF_RANGE)
}

/// Redis's reply to a database number past `databases`.
pub(crate) const OUT_OF_RANGE: &str = "ERR DB index is out of range";

/// `MOVE key db` → `:1` if the key moved (with its deadline) from the selected database to
/// `db`; `:0` if it is missing here or present there. Watchers in both databases see the
/// change, and clients blocked on the key in `db` are served.
fn move_(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let key = req.arg(1);
    let target = match db_index(exec.state, req.arg(2), None) {
        Ok(target) => target,
        Err(message) => return exec.error(message),
    };
    let (here, now) = (exec.state.shelf.selected(), exec.now_ms);
    let state = &mut *exec.state;
    let Some((from, to)) = state.shelf.two(&mut state.db, here, target) else {
        return exec.error("ERR source and destination objects are the same");
    };
    if !from.exists(key, now) || to.exists(key, now) {
        return exec.integer(0);
    }
    let deadline = from.expiry(key, now).flatten();
    let Some(value) = from.remove(key) else {
        return exec.integer(0);
    };
    to.insert(key, value);
    to.set_expiry(key, deadline);
    exec.integer(1);
}

/// `SWAPDB index1 index2` → `+OK`: the two databases trade their keys; clients stay on the
/// number they selected, so they now see the other keys. Watched keys present on either side
/// count as changed, and clients blocked on a key that now exists are served, as in Redis.
fn swapdb(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    // Both numbers are read before either is judged out of range, as Redis does.
    let numbers = db_number(req.arg(1), Some("ERR invalid first DB index")).and_then(|first| {
        let second = db_number(req.arg(2), Some("ERR invalid second DB index"))?;
        Ok((
            db_in_range(exec.state, first)?,
            db_in_range(exec.state, second)?,
        ))
    });
    let (first, second) = match numbers {
        Ok(numbers) => numbers,
        Err(message) => return exec.error(message),
    };
    let now = exec.now_ms;
    let state = &mut *exec.state;
    if let Some((a, b)) = state.shelf.two(&mut state.db, first, second) {
        a.swap_data(b, now);
    }
    exec.ok();
}

/// `RENAME key newkey` → `+OK`, or `-ERR no such key`. The value moves (no copy) and keeps its
/// deadline; whatever `newkey` held is deleted.
fn rename(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    rename_generic(exec, req, false);
}

/// `RENAMENX key newkey` → `:1`, or `:0` if `newkey` exists (or is `key` itself).
fn renamenx(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    rename_generic(exec, req, true);
}

fn rename_generic(exec: &mut Exec<'_, '_>, req: &Request<'_>, nx: bool) {
    let (from, to) = (req.arg(1), req.arg(2));
    let now = exec.now_ms;
    let db = &mut exec.state.db;
    if !db.exists(from, now) {
        return exec.error("ERR no such key");
    }
    if from == to {
        return if nx { exec.integer(0) } else { exec.ok() };
    }
    let deadline = db.expiry(from, now).flatten();
    if db.exists(to, now) {
        if nx {
            return exec.integer(0);
        }
        db.remove(to);
    }
    if let Some(value) = db.remove(from) {
        db.insert(to, value);
        db.set_expiry(to, deadline);
    }
    if nx { exec.integer(1) } else { exec.ok() }
}

/// `EXPIRE key seconds [NX|XX|GT|LT]` → `:1` if the deadline was set, `:0` if the key does not
/// exist or the condition failed. A deadline not in the future deletes the key (`:1`).
fn expire(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let now = exec.now_ms;
    expire_generic(exec, req, "expire", 1000, now);
}

/// `PEXPIRE key milliseconds [NX|XX|GT|LT]`, as EXPIRE.
fn pexpire(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let now = exec.now_ms;
    expire_generic(exec, req, "pexpire", 1, now);
}

/// `EXPIREAT key unix-seconds [NX|XX|GT|LT]`, as EXPIRE with an absolute deadline.
fn expireat(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    expire_generic(exec, req, "expireat", 1000, 0);
}

/// `PEXPIREAT key unix-milliseconds [NX|XX|GT|LT]`, as EXPIRE with an absolute deadline.
fn pexpireat(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    expire_generic(exec, req, "pexpireat", 1, 0);
}

/// The EXPIRE family: `deadline = base + time * unit` milliseconds.
///
/// The order of checks is Redis's: options, then the number, then overflow, then the key. NX
/// means "only if no deadline", XX "only if one", GT "only if later" (no deadline counts as
/// infinitely late, so GT never applies to it), LT "only if earlier". XX may go with GT or LT.
fn expire_generic(exec: &mut Exec<'_, '_>, req: &Request<'_>, name: &str, unit: i64, base: i64) {
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for option in req.args().skip(3) {
        if is_option(option, "nx") {
            nx = true;
        } else if is_option(option, "xx") {
            xx = true;
        } else if is_option(option, "gt") {
            gt = true;
        } else if is_option(option, "lt") {
            lt = true;
        } else {
            let mut message = b"ERR Unsupported option ".to_vec();
            message.extend_from_slice(c_str(option));
            return exec.error_bytes(&message);
        }
    }
    if nx && (xx || gt || lt) {
        return exec.error("ERR NX and XX, GT or LT options at the same time are not compatible");
    }
    if gt && lt {
        return exec.error("ERR GT and LT options at the same time are not compatible");
    }
    let Some(time) = parse_i64(req.arg(2)) else {
        return exec.not_integer();
    };
    // Negative times are allowed (the key is deleted); only overflow is an error.
    let Some(deadline) = time.checked_mul(unit).and_then(|ms| ms.checked_add(base)) else {
        return invalid_expire_time(exec, name);
    };
    let key = req.arg(1);
    let now = exec.now_ms;
    let db = &mut exec.state.db;
    let Some(current) = db.expiry(key, now) else {
        return exec.integer(0);
    };
    let refused = (nx && current.is_some())
        || (xx && current.is_none())
        || (gt && current.is_none_or(|at| deadline <= at))
        || (lt && current.is_some_and(|at| deadline >= at));
    if refused {
        return exec.integer(0);
    }
    if deadline <= now {
        db.remove(key);
    } else {
        db.set_expiry(key, Some(deadline));
    }
    exec.integer(1);
}

/// `TTL key` → `:seconds` left (rounded), `:-1` if the key has no deadline, `:-2` if no key.
fn ttl(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    ttl_generic(exec, req, false, false);
}

/// `PTTL key` → `:milliseconds` left, `:-1`, `:-2`.
fn pttl(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    ttl_generic(exec, req, true, false);
}

/// `EXPIRETIME key` → `:unix-seconds` of the deadline, `:-1`, `:-2`.
fn expiretime(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    ttl_generic(exec, req, false, true);
}

/// `PEXPIRETIME key` → `:unix-milliseconds` of the deadline, `:-1`, `:-2`.
fn pexpiretime(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    ttl_generic(exec, req, true, true);
}

fn ttl_generic(exec: &mut Exec<'_, '_>, req: &Request<'_>, ms: bool, absolute: bool) {
    let key = req.arg(1);
    let now = exec.now_ms;
    // Counted as a hit or a miss, but not an access (Redis's `LOOKUP_NOTOUCH`).
    if read_with(exec.state, key, now, false).is_none() {
        return exec.integer(-2);
    }
    let Some(Some(deadline)) = exec.state.db.expiry(key, now) else {
        return exec.integer(-1);
    };
    let left = if absolute {
        deadline
    } else {
        deadline.saturating_sub(now)
    }
    .max(0);
    // Seconds are rounded to nearest; i128 because a deadline may be i64::MAX milliseconds.
    let reported = if ms {
        left
    } else {
        ((i128::from(left) + 500) / 1000) as i64
    };
    exec.integer(reported);
}

/// `PERSIST key` → `:1` if a deadline was removed, `:0` if there was none or no key.
fn persist(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let key = req.arg(1);
    let now = exec.now_ms;
    let db = &mut exec.state.db;
    let removed = matches!(db.expiry(key, now), Some(Some(_))) && db.set_expiry(key, None);
    exec.integer(i64::from(removed));
}
