//! String commands: the values most Redis keys hold, and the commands most clients send.
//!
//! Chapter: [docs/09-commands-and-the-keyspace.md](../../../../docs/09-commands-and-the-keyspace.md).
//!
//! ```text
//! GET key                                  $value | $-1
//! SET key value [NX|XX] [GET] [EX s|PX ms|EXAT unix-s|PXAT unix-ms|KEEPTTL]
//!                                          +OK | $-1 (NX/XX unmet) | with GET: the old value
//! SETNX key value                          :1 | :0
//! SETEX key seconds value                  +OK          (PSETEX: milliseconds)
//! GETSET key value                         old value | $-1
//! GETDEL key                               value | $-1, and the key is gone
//! GETEX key [EX s|PX ms|EXAT|PXAT|PERSIST] value | $-1, and the deadline changed
//! MGET key [key ...]                       *n values, $-1 for missing or not strings
//! MSET key value [key value ...]           +OK
//! MSETNX key value [key value ...]         :1 if all were set, :0 (none set) if any existed
//! APPEND key value                         :new length
//! STRLEN key                               :length (0 if missing)
//! INCR key / DECR key                      :new value
//! INCRBY key n / DECRBY key n              :new value
//! INCRBYFLOAT key x                        $new value as text
//! GETRANGE key start end                   $bytes (negative indexes count from the end)
//! SETRANGE key offset value                :new length (zero-padded)
//! LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]
//!                                          $common subsequence | :its length | the ranges
//! ```
//!
//! **Why SET allocates nothing.** A string of up to 22 bytes is kept inside its value, and a
//! longer one is a `Vec<u8>` that an overwrite clears and refills in the capacity it already
//! has ([`Db::set_str`], [`Value::set_string`]). A cache workload that rewrites the same keys
//! with values of the same size therefore never touches the allocator, and a short value never
//! does. INCR does the same: the new number is formatted into a stack buffer
//! ([`reply::format_decimal`]) and written over the old digits. APPEND and SETRANGE edit a
//! string in place, which moves a short one to the heap first (as Redis turns an `embstr`
//! into a `raw` string).
//!
//! **Why integers are parsed strictly.** Redis treats a string as an integer only in its
//! canonical form (`string2ll`: no `+`, no leading zero, no spaces, fits in `i64`), and
//! [`parse_i64`] is that rule. It has to be: `INCR` on `" 1"` or `"01"` is an error in Redis,
//! and a client that relied on our accepting it would break against Redis.
//!
//! **Why INCRBYFLOAT has its own arithmetic.** Redis adds in C `long double` (80-bit on x86-64)
//! and prints 17 decimals; an `f64` gives different text for simple cases (`10.5 + 0.1`). The
//! child module `long_double` reproduces the 80-bit arithmetic exactly.
//!
//! **SET's options** follow Redis 7.0: NX and XX exclude each other; at most one of EX, PX,
//! EXAT, PXAT, KEEPTTL (repeating the same one is allowed, the last wins); NX may go with GET.
//! Anything else is `-ERR syntax error`. A non-positive time, or one that overflows when turned
//! into a Unix-millisecond deadline, is `-ERR invalid expire time in 'set' command`.
//!
//! Redis counterpart: `t_string.c`.
//!
//! [`Db::set_str`]: crate::server::keyspace::db::Db::set_str
//! [`Value::set_string`]: crate::server::keyspace::db::Value::set_string

mod lcs;
pub(super) mod long_double;

use crate::resp::number::parse_i64;
use crate::resp::{Request, reply};

use crate::server::args::{Args, is_option};
use crate::server::command::{Command, Exec};
use crate::server::commands::keys::{WrongType, invalid_expire_time, read_as};
use crate::server::spec::{KeyFlags, KeySpec};

// One command per line: the table reads as a table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("get", 2, &["readonly", "fast"], get).acl(&["string"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("set", -3, &["write", "denyoom"], set).acl(&["string"]).keys(&[KeySpec::index(1, &["RW", "access", "update", "variable_flags"]).notes("RW and ACCESS due to the optional `GET` argument")]).keys_of(set_keys),
    Command::new("setnx", 3, &["write", "denyoom", "fast"], setnx).acl(&["string"]).keys(&[KeySpec::index(1, &["OW", "insert"])]),
    Command::new("setex", 4, &["write", "denyoom"], setex).acl(&["string"]).keys(&[KeySpec::index(1, &["OW", "update"])]),
    Command::new("psetex", 4, &["write", "denyoom"], psetex).acl(&["string"]).keys(&[KeySpec::index(1, &["OW", "update"])]),
    Command::new("getset", 3, &["write", "denyoom", "fast"], getset).acl(&["string"]).keys(&[KeySpec::index(1, &["RW", "access", "update"])]),
    Command::new("getdel", 2, &["write", "fast"], getdel).acl(&["string"]).keys(&[KeySpec::index(1, &["RW", "access", "delete"])]),
    Command::new("getex", -2, &["write", "fast"], getex).acl(&["string"]).keys(&[KeySpec::index(1, &["RW", "access", "update"]).notes("RW and UPDATE because it changes the TTL")]),
    Command::new("mget", -2, &["readonly", "fast"], mget).acl(&["string"]).keys(&[KeySpec::index(1, &["RO", "access"]).range(-1, 1, 0)]).tips(&["request_policy:multi_shard"]),
    Command::new("mset", -3, &["write", "denyoom"], mset).acl(&["string"]).keys(&[KeySpec::index(1, &["OW", "update"]).range(-1, 2, 0)]).tips(&["request_policy:multi_shard", "response_policy:all_succeeded"]),
    Command::new("msetnx", -3, &["write", "denyoom"], msetnx).acl(&["string"]).keys(&[KeySpec::index(1, &["OW", "insert"]).range(-1, 2, 0)]).tips(&["request_policy:multi_shard", "response_policy:agg_min"]),
    Command::new("append", 3, &["write", "denyoom", "fast"], append).acl(&["string"]).keys(&[KeySpec::index(1, &["RW", "insert"])]),
    Command::new("strlen", 2, &["readonly", "fast"], strlen).acl(&["string"]).keys(&[KeySpec::index(1, &["RO"])]),
    Command::new("incr", 2, &["write", "denyoom", "fast"], incr).acl(&["string"]).keys(&[KeySpec::index(1, &["RW", "access", "update"])]),
    Command::new("decr", 2, &["write", "denyoom", "fast"], decr).acl(&["string"]).keys(&[KeySpec::index(1, &["RW", "access", "update"])]),
    Command::new("incrby", 3, &["write", "denyoom", "fast"], incrby).acl(&["string"]).keys(&[KeySpec::index(1, &["RW", "access", "update"])]),
    Command::new("decrby", 3, &["write", "denyoom", "fast"], decrby).acl(&["string"]).keys(&[KeySpec::index(1, &["RW", "access", "update"])]),
    Command::new("incrbyfloat", 3, &["write", "denyoom", "fast"], incrbyfloat).acl(&["string"]).keys(&[KeySpec::index(1, &["RW", "access", "update"])]),
    Command::new("getrange", 4, &["readonly"], getrange).acl(&["string"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    // SUBSTR is GETRANGE's old name; Redis 7.0 still answers to it.
    Command::new("substr", 4, &["readonly"], getrange).acl(&["string"]).keys(&[KeySpec::index(1, &["RO", "access"])]),
    Command::new("setrange", 4, &["write", "denyoom"], setrange).acl(&["string"]).keys(&[KeySpec::index(1, &["RW", "update"])]),
    Command::new("lcs", -3, &["readonly"], lcs::lcs).acl(&["string"]).keys(&[KeySpec::index(1, &["RO", "access"]).range(1, 1, 0)]),
];

/// Why a string command failed, decided while the keyspace is borrowed and replied after.
enum Failure {
    WrongType,
    NotInteger,
    Error(&'static str),
}

fn fail(exec: &mut Exec<'_, '_>, failure: Failure) {
    match failure {
        Failure::WrongType => exec.wrong_type(),
        Failure::NotInteger => exec.not_integer(),
        Failure::Error(message) => exec.error(message),
    }
}

/// `GET key` → `$value`, `$-1` if the key does not exist.
fn get(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    match read_as::<[u8]>(exec.state, req.arg(1), exec.now_ms) {
        Ok(Some(value)) => reply::bulk(exec.out, value),
        Ok(None) => reply::null(exec.out),
        Err(WrongType) => exec.wrong_type(),
    }
}

/// How a deadline option gives its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expire {
    /// Seconds from now.
    Ex,
    /// Milliseconds from now.
    Px,
    /// Unix seconds.
    ExAt,
    /// Unix milliseconds.
    PxAt,
}

/// The options of SET (from argument 3) or GETEX (from argument 2): Redis's
/// `parseExtendedStringArgumentsOrReply`.
#[derive(Debug, Default)]
struct SetOptions<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    persist: bool,
    /// The deadline option and its (not yet parsed) time argument.
    expire: Option<(Expire, &'a [u8])>,
}

/// Parse SET's options (`for_set`) or GETEX's. `None` means `-ERR syntax error`: an unknown
/// option, a conflicting one, or a deadline option without its time.
fn parse_set_options<'a>(req: &Request<'a>, from: usize, for_set: bool) -> Option<SetOptions<'a>> {
    let mut opts = SetOptions::default();
    let mut args = Args::new(req, from);
    while let Some(option) = args.next() {
        let deadline = [
            ("ex", Expire::Ex),
            ("px", Expire::Px),
            ("exat", Expire::ExAt),
            ("pxat", Expire::PxAt),
        ]
        .into_iter()
        .find(|(name, _)| is_option(option, name))
        .map(|(_, kind)| kind);

        if for_set && is_option(option, "nx") && !opts.xx {
            opts.nx = true;
        } else if for_set && is_option(option, "xx") && !opts.nx {
            opts.xx = true;
        } else if for_set && is_option(option, "get") {
            opts.get = true;
        } else if for_set && is_option(option, "keepttl") && !opts.persist && opts.expire.is_none()
        {
            opts.keep_ttl = true;
        } else if !for_set
            && is_option(option, "persist")
            && opts.expire.is_none()
            && !opts.keep_ttl
        {
            opts.persist = true;
        } else if let (Some(kind), Some(time)) = (deadline, args.peek())
            // Refused after KEEPTTL, PERSIST or a *different* deadline option.
            && !opts.keep_ttl
            && !opts.persist
            && opts.expire.is_none_or(|(k, _)| k == kind)
        {
            opts.expire = Some((kind, time));
            args.next();
        } else {
            return None;
        }
    }
    Some(opts)
}

/// Why a deadline argument was refused.
enum BadDeadline {
    /// `-ERR value is not an integer or out of range`.
    NotInteger,
    /// `-ERR invalid expire time in '<command>' command`.
    Invalid,
}

/// The absolute deadline (Unix ms) a SET/GETEX deadline option asks for. The time must be
/// positive, and the deadline must not overflow (Redis's `getExpireMillisecondsOrReply`).
fn deadline(kind: Expire, time: &[u8], now_ms: i64) -> Result<i64, BadDeadline> {
    let time = parse_i64(time).ok_or(BadDeadline::NotInteger)?;
    if time <= 0 {
        return Err(BadDeadline::Invalid);
    }
    let ms = match kind {
        Expire::Ex | Expire::ExAt => time.checked_mul(1000),
        Expire::Px | Expire::PxAt => Some(time),
    };
    let at = match kind {
        Expire::Ex | Expire::Px => ms.and_then(|ms| ms.checked_add(now_ms)),
        Expire::ExAt | Expire::PxAt => ms,
    };
    at.ok_or(BadDeadline::Invalid)
}

fn bad_deadline(exec: &mut Exec<'_, '_>, error: BadDeadline, command: &str) {
    match error {
        BadDeadline::NotInteger => exec.not_integer(),
        BadDeadline::Invalid => invalid_expire_time(exec, command),
    }
}

/// SET's key and how SET uses it (its key spec says `variable_flags`): read and updated
/// with `GET` among the options, overwritten without, as Redis's `setGetKeys`.
fn set_keys(args: &[&[u8]]) -> Vec<(usize, KeyFlags)> {
    let reads = args
        .iter()
        .skip(3)
        .any(|arg| arg.eq_ignore_ascii_case(b"get"));
    let flags = if reads {
        KeyFlags::from_names(&["RW", "access", "update"])
    } else {
        KeyFlags::from_names(&["OW", "update"])
    };
    vec![(1, flags)]
}

/// `SET key value [NX|XX] [GET] [EX seconds|PX ms|EXAT unix-s|PXAT unix-ms|KEEPTTL]`
/// → `+OK`; `$-1` if NX/XX was not met; with GET, the old value (or `$-1`) instead.
fn set(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    match parse_set_options(req, 3, true) {
        Some(opts) => set_generic(exec, "set", req.arg(1), req.arg(2), &opts, false),
        None => exec.syntax_error(),
    }
}

/// `SETNX key value` → `:1` if set, `:0` if the key existed.
fn setnx(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let opts = SetOptions {
        nx: true,
        ..SetOptions::default()
    };
    set_generic(exec, "setnx", req.arg(1), req.arg(2), &opts, true);
}

/// `SETEX key seconds value` → `+OK`.
fn setex(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let opts = SetOptions {
        expire: Some((Expire::Ex, req.arg(2))),
        ..SetOptions::default()
    };
    set_generic(exec, "setex", req.arg(1), req.arg(3), &opts, false);
}

/// `PSETEX key milliseconds value` → `+OK`.
fn psetex(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let opts = SetOptions {
        expire: Some((Expire::Px, req.arg(2))),
        ..SetOptions::default()
    };
    set_generic(exec, "psetex", req.arg(1), req.arg(3), &opts, false);
}

/// The SET family (Redis's `setGenericCommand`). `integer_replies` is SETNX's `:1`/`:0` in
/// place of `+OK`/`$-1`.
fn set_generic(
    exec: &mut Exec<'_, '_>,
    command: &str,
    key: &[u8],
    value: &[u8],
    opts: &SetOptions<'_>,
    integer_replies: bool,
) {
    let now = exec.now_ms;
    // The deadline is checked first: a bad one changes nothing and returns nothing else.
    let at = match opts.expire.map(|(kind, time)| deadline(kind, time, now)) {
        None => None,
        Some(Ok(at)) => Some(at),
        Some(Err(error)) => return bad_deadline(exec, error, command),
    };
    // GET replies with the old value before the NX/XX check, which may then keep it.
    if opts.get {
        match read_as::<[u8]>(exec.state, key, now) {
            Ok(Some(old)) => reply::bulk(exec.out, old),
            Ok(None) => reply::null(exec.out),
            Err(WrongType) => return exec.wrong_type(),
        }
    }
    let db = &mut exec.state.db;
    // Plain SET skips the existence check: one lookup fewer on the hottest write.
    let refused = (opts.nx || opts.xx) && db.exists(key, now) == opts.nx;
    let done = if refused {
        false
    } else {
        db.set_str(key, value, opts.keep_ttl, now);
        if at.is_some() {
            db.set_expiry(key, at);
        }
        true
    };
    match (opts.get, integer_replies, done) {
        (true, _, _) => {}
        (false, true, done) => exec.integer(i64::from(done)),
        (false, false, true) => exec.ok(),
        (false, false, false) => exec.null(),
    }
}

/// `GETSET key value` → the old value or `$-1`; the key now holds `value`, with no deadline.
fn getset(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let (key, now) = (req.arg(1), exec.now_ms);
    match read_as::<[u8]>(exec.state, key, now) {
        Ok(Some(old)) => reply::bulk(exec.out, old),
        Ok(None) => reply::null(exec.out),
        Err(WrongType) => return exec.wrong_type(),
    }
    exec.state.db.set_str(key, req.arg(2), false, now);
}

/// `GETDEL key` → the value or `$-1`; the key is deleted.
fn getdel(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let (key, now) = (req.arg(1), exec.now_ms);
    match read_as::<[u8]>(exec.state, key, now) {
        Ok(Some(value)) => reply::bulk(exec.out, value),
        Ok(None) => return reply::null(exec.out),
        Err(WrongType) => return exec.wrong_type(),
    }
    exec.state.db.remove(key);
}

/// `GETEX key [EX seconds|PX ms|EXAT unix-s|PXAT unix-ms|PERSIST]` → the value or `$-1`, and
/// the key's deadline is set or removed. A missing key is `$-1` even if the time is invalid
/// (Redis looks the key up first); an EXAT/PXAT in the past deletes the key.
fn getex(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let Some(opts) = parse_set_options(req, 2, false) else {
        return exec.syntax_error();
    };
    let (key, now) = (req.arg(1), exec.now_ms);
    let at = opts.expire.map(|(kind, time)| deadline(kind, time, now));
    let at = match (read_as::<[u8]>(exec.state, key, now), at) {
        (Ok(None), _) => return exec.null(),
        (Err(WrongType), _) => return exec.wrong_type(),
        (Ok(Some(_)), Some(Err(error))) => return bad_deadline(exec, error, "getex"),
        (Ok(Some(value)), at) => {
            reply::bulk(exec.out, value);
            at.and_then(Result::ok)
        }
    };
    let db = &mut exec.state.db;
    let absolute = matches!(opts.expire, Some((Expire::ExAt | Expire::PxAt, _)));
    match at {
        Some(at) if absolute && at <= now => {
            db.remove(key);
        }
        Some(at) => {
            db.set_expiry(key, Some(at));
        }
        None if opts.persist => {
            db.set_expiry(key, None);
        }
        None => {}
    }
}

/// `MGET key [key ...]` → `*n`: each value, or `$-1` for a missing key or one not a string.
fn mget(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let now = exec.now_ms;
    reply::array(exec.out, req.len() - 1);
    for key in req.args().skip(1) {
        match read_as::<[u8]>(exec.state, key, now) {
            Ok(Some(value)) => reply::bulk(exec.out, value),
            Ok(None) | Err(WrongType) => reply::null(exec.out),
        }
    }
}

/// `MSET key value [key value ...]` → `+OK`. Every key loses its deadline; a key named twice
/// ends with its last value.
fn mset(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    if req.len().is_multiple_of(2) {
        return exec.arity_error("mset");
    }
    set_pairs(exec, req);
    exec.ok();
}

/// `MSETNX key value [key value ...]` → `:1` if no key existed and all were set, else `:0`
/// and nothing was set.
fn msetnx(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    if req.len().is_multiple_of(2) {
        return exec.arity_error("msetnx");
    }
    let now = exec.now_ms;
    let db = &mut exec.state.db;
    if req.args().skip(1).step_by(2).any(|key| db.exists(key, now)) {
        return exec.integer(0);
    }
    set_pairs(exec, req);
    exec.integer(1);
}

fn set_pairs(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let now = exec.now_ms;
    let mut args = req.args().skip(1);
    while let (Some(key), Some(value)) = (args.next(), args.next()) {
        exec.state.db.set_str(key, value, false, now);
    }
}

/// Redis's `checkStringLength`: a string may not grow past `proto-max-bulk-len` (`max`).
fn too_long(max: i64, len: usize, extra: usize) -> bool {
    len as u128 + extra as u128 > max.max(0) as u128
}

const TOO_LONG: &str = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

/// `APPEND key value` → `:length` after appending (the key is created if missing; its deadline
/// is kept).
fn append(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let (key, tail, now) = (req.arg(1), req.arg(2), exec.now_ms);
    let max = exec.state.config.proto_max_bulk_len;
    let db = &mut exec.state.db;
    let result = match db.get_mut(key, now) {
        None => {
            db.set_str(key, tail, false, now);
            Ok(tail.len())
        }
        Some(value) => match value.as_str_mut() {
            None => Err(Failure::WrongType),
            Some(bytes) if too_long(max, bytes.len(), tail.len()) => Err(Failure::Error(TOO_LONG)),
            Some(bytes) => {
                bytes.extend_from_slice(tail);
                Ok(bytes.len())
            }
        },
    };
    match result {
        Ok(len) => exec.integer(len as i64),
        Err(failure) => fail(exec, failure),
    }
}

/// `STRLEN key` → `:length`, `:0` if the key does not exist.
fn strlen(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    match read_as::<[u8]>(exec.state, req.arg(1), exec.now_ms) {
        Ok(value) => {
            let len = value.map_or(0, <[u8]>::len);
            exec.integer(len as i64);
        }
        Err(WrongType) => exec.wrong_type(),
    }
}

/// `INCR key` → `:value` after adding 1 (a missing key counts as 0).
fn incr(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    incr_by(exec, req.arg(1), 1);
}

/// `DECR key` → `:value` after subtracting 1.
fn decr(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    incr_by(exec, req.arg(1), -1);
}

/// `INCRBY key increment` → `:value`.
fn incrby(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    match parse_i64(req.arg(2)) {
        Some(delta) => incr_by(exec, req.arg(1), delta),
        None => exec.not_integer(),
    }
}

/// `DECRBY key decrement` → `:value`. Negating `i64::MIN` would overflow, which Redis 7.0
/// reports before looking at the key.
fn decrby(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    match parse_i64(req.arg(2)) {
        None => exec.not_integer(),
        Some(i64::MIN) => exec.error("ERR decrement would overflow"),
        Some(delta) => incr_by(exec, req.arg(1), -delta),
    }
}

/// Add `delta` to the integer in `key`, in place: the digits are formatted on the stack and
/// copied over the old ones, so an existing counter costs no allocation. The deadline is kept.
fn incr_by(exec: &mut Exec<'_, '_>, key: &[u8], delta: i64) {
    let now = exec.now_ms;
    let mut digits = [0u8; 20];
    let db = &mut exec.state.db;
    let result = match db.get_mut(key, now) {
        None => {
            db.set_str(key, reply::format_decimal(&mut digits, delta), false, now);
            Ok(delta)
        }
        // (The sum is written over the value: a counter stays in place, as short strings are.)
        Some(value) => match value.as_str() {
            None => Err(Failure::WrongType),
            Some(bytes) => match parse_i64(bytes) {
                None => Err(Failure::NotInteger),
                Some(old) => match old.checked_add(delta) {
                    None => Err(Failure::Error("ERR increment or decrement would overflow")),
                    Some(new) => {
                        value.set_string(reply::format_decimal(&mut digits, new));
                        Ok(new)
                    }
                },
            },
        },
    };
    match result {
        Ok(value) => exec.integer(value),
        Err(failure) => fail(exec, failure),
    }
}

/// `INCRBYFLOAT key increment` → `$value`, the sum as text (`10.5` + `0.1` → `10.6`). The
/// stored value becomes that text; the deadline is kept.
fn incrbyfloat(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    use long_double::FloatError;
    let (key, increment, now) = (req.arg(1), req.arg(2), exec.now_ms);
    let mut text = Vec::new();
    let db = &mut exec.state.db;
    let result = match db.get_mut(key, now) {
        None => long_double::incr_by_float(None, increment, &mut text)
            .map(|()| db.set_str(key, &text, false, now)),
        Some(value) => match value.as_str() {
            None => return exec.wrong_type(),
            Some(bytes) => long_double::incr_by_float(Some(bytes), increment, &mut text)
                .map(|()| value.set_string(&text)),
        },
    };
    match result {
        Ok(()) => exec.bulk(&text),
        Err(FloatError::NotAFloat) => exec.error("ERR value is not a valid float"),
        Err(FloatError::NanOrInfinity) => {
            exec.error("ERR increment would produce NaN or Infinity");
        }
    }
}

/// `GETRANGE key start end` (and `SUBSTR`) → `$bytes` from `start` to `end` inclusive;
/// negative indexes count from the end (-1 is the last byte); out-of-range indexes are
/// clamped. A missing key is `$0` (empty), not `$-1`.
fn getrange(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let (Some(start), Some(end)) = (parse_i64(req.arg(2)), parse_i64(req.arg(3))) else {
        return exec.not_integer();
    };
    match read_as::<[u8]>(exec.state, req.arg(1), exec.now_ms) {
        Ok(value) => reply::bulk(exec.out, byte_range(value.unwrap_or_default(), start, end)),
        Err(WrongType) => exec.wrong_type(),
    }
}

/// The bytes GETRANGE returns, with Redis's index rules (`getrangeCommand`).
fn byte_range(bytes: &[u8], start: i64, end: i64) -> &[u8] {
    if start < 0 && end < 0 && start > end {
        return &[];
    }
    let len = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let from_end = |i: i64| {
        if i < 0 {
            len.saturating_add(i).max(0)
        } else {
            i
        }
    };
    let (start, end) = (from_end(start), from_end(end).min(len - 1));
    if start > end || len == 0 {
        return &[];
    }
    // Both are now within 0..len.
    bytes.get(start as usize..=end as usize).unwrap_or_default()
}

/// `SETRANGE key offset value` → `:length` after writing `value` at `offset`, padding with zero
/// bytes; the key is created if missing (unless `value` is empty). The result may not exceed
/// `proto-max-bulk-len`.
fn setrange(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let (key, value, now) = (req.arg(1), req.arg(3), exec.now_ms);
    let Some(offset) = parse_i64(req.arg(2)) else {
        return exec.not_integer();
    };
    let Ok(offset) = usize::try_from(offset) else {
        return exec.error("ERR offset is out of range");
    };
    // Some(None): the key holds another type. Lengths only, so the keyspace is not held.
    let current = exec
        .state
        .db
        .get(key, now)
        .map(|v| v.as_str().map(<[u8]>::len));
    let len = match current {
        Some(None) => return exec.wrong_type(),
        Some(Some(len)) => len,
        None => 0,
    };
    if value.is_empty() {
        // Nothing to write: not even a missing key is created.
        return exec.integer(len as i64);
    }
    if too_long(exec.state.config.proto_max_bulk_len, offset, value.len()) {
        return exec.error(TOO_LONG);
    }
    // Bounded by proto-max-bulk-len just above.
    let end = offset + value.len();
    let new_len = match exec.state.db.string_mut(key, now) {
        Some(bytes) => {
            if bytes.len() < end {
                bytes.resize(end, 0);
            }
            if let Some(window) = bytes.get_mut(offset..end) {
                window.copy_from_slice(value);
            }
            bytes.len()
        }
        None => 0,
    };
    exec.integer(new_len as i64);
}

#[cfg(test)]
mod tests {
    use crate::server::commands::strings::byte_range;

    #[test]
    fn byte_range_follows_redis_index_rules() {
        let s = b"Hello";
        assert_eq!(byte_range(s, 0, -1), b"Hello");
        assert_eq!(byte_range(s, -3, -1), b"llo");
        assert_eq!(byte_range(s, -1, -5), b"");
        assert_eq!(byte_range(s, 3, 2), b"");
        assert_eq!(byte_range(s, -100, 100), b"Hello");
        assert_eq!(byte_range(s, i64::MIN, i64::MAX), b"Hello");
        assert_eq!(byte_range(s, 5, 10), b"");
        assert_eq!(byte_range(b"", 0, -1), b"");
    }
}
