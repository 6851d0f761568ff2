//! SORT and SORT_RO, as Redis 7.0's `sort.c`.
//!
//! ```text
//! SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE dst]
//!                                   *n elements (or GET's values) | :n stored as a list
//! SORT_RO key ...                   the same, without STORE
//! ```
//!
//! The elements of a list, set or sorted set are sorted as numbers (each read as C's `strtod`
//! would: `One or more scores can't be converted into double` otherwise; equal numbers fall
//! back to the elements' bytes) or, with ALPHA, as strings. `BY pattern` sorts by other keys'
//! values instead: the first `*` of the pattern is replaced by the element, and `key->field`
//! reads a hash field; a pattern without `*` (`BY nosort`) does not sort at all, and a list
//! or sorted set then keeps its own order (and a set, when stored, is sorted ALPHA so that
//! the result does not depend on a hash table's order). `GET pattern` replies looked-up values
//! instead of the elements (`#` is the element itself), nil for a missing one.
//!
//! Every lookup through a pattern is a read: it counts as a keyspace hit or miss, as in Redis.

use std::cmp::Ordering;

use crate::resp::number::{parse_i64, parse_strtod};
use crate::resp::{Request, reply};

use crate::server::args::{NOT_INTEGER, SYNTAX, c_str, is_option};
use crate::server::command::{Command, Exec};
use crate::server::commands::keys::read;
use crate::server::keyspace::List;
use crate::server::keyspace::db::Value;
use crate::server::keyspace::list::End;
use crate::server::spec::{KeyFlags, KeySpec};

// One command per line: the table reads as a table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("sort", -2, &["write", "denyoom"], sort).acl(&["set", "sortedset", "list", "dangerous"]).keys(&[KeySpec::index(1, &["RO", "access"]), KeySpec::unknown(&["RO", "access"]).notes("For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"), KeySpec::unknown(&["OW", "update"]).notes("For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array")]).keys_of(sort_keys),
    Command::new("sort_ro", -2, &["readonly"], sort_ro).acl(&["set", "sortedset", "list", "dangerous"]).keys(&[KeySpec::index(1, &["RO", "access"]), KeySpec::unknown(&["RO", "access"]).notes("For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort")]).keys_of(sort_ro_keys),
];

/// SORT_RO's keys (COMMAND GETKEYS): the key sorted.
fn sort_ro_keys(_args: &[&[u8]]) -> Vec<(usize, KeyFlags)> {
    vec![(1, KeyFlags::from_names(&["RO", "access"]))]
}

/// SORT's keys, as Redis's `sortGetKeys` finds them: the key sorted, and the last STORE's
/// destination, skipping the arguments of LIMIT, GET and BY.
fn sort_keys(args: &[&[u8]]) -> Vec<(usize, KeyFlags)> {
    let mut keys = sort_ro_keys(args);
    let mut store = None;
    let mut at = 2;
    while at < args.len() {
        let arg = args[at];
        if is_option(arg, "limit") {
            at += 2;
        } else if is_option(arg, "get") || is_option(arg, "by") {
            at += 1;
        } else if is_option(arg, "store") && at + 1 < args.len() {
            store = Some(at + 1);
        }
        at += 1;
    }
    keys.extend(store.map(|at| (at, KeyFlags::from_names(&["OW", "update"]))));
    keys
}

fn sort(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    sort_generic(exec, req, false);
}

fn sort_ro(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    sort_generic(exec, req, true);
}

/// What the options ask for.
struct Options<'a> {
    desc: bool,
    alpha: bool,
    limit: (i64, i64),
    store: Option<&'a [u8]>,
    by: Option<&'a [u8]>,
    /// `BY` a pattern without `*`: nothing to sort by.
    dont_sort: bool,
    gets: Vec<&'a [u8]>,
}

/// The options, front to back, as Redis reads them (the last of ASC and DESC wins).
fn options<'a>(req: &Request<'a>, readonly: bool) -> Result<Options<'a>, &'static str> {
    let mut options = Options {
        desc: false,
        alpha: false,
        limit: (0, -1),
        store: None,
        by: None,
        dont_sort: false,
        gets: Vec::new(),
    };
    let mut at = 2;
    while at < req.len() {
        let (option, left) = (req.arg(at), req.len() - at - 1);
        if is_option(option, "asc") {
            options.desc = false;
        } else if is_option(option, "desc") {
            options.desc = true;
        } else if is_option(option, "alpha") {
            options.alpha = true;
        } else if is_option(option, "limit") && left >= 2 {
            let offset = parse_i64(req.arg(at + 1)).ok_or(NOT_INTEGER)?;
            let count = parse_i64(req.arg(at + 2)).ok_or(NOT_INTEGER)?;
            options.limit = (offset, count);
            at += 2;
        } else if !readonly && is_option(option, "store") && left >= 1 {
            options.store = Some(req.arg(at + 1));
            at += 1;
        } else if is_option(option, "by") && left >= 1 {
            let pattern = req.arg(at + 1);
            options.by = Some(pattern);
            options.dont_sort = !c_str(pattern).contains(&b'*');
            at += 1;
        } else if is_option(option, "get") && left >= 1 {
            options.gets.push(req.arg(at + 1));
            at += 1;
        } else {
            return Err(SYNTAX);
        }
        at += 1;
    }
    Ok(options)
}

/// One element being sorted, and what it sorts by.
struct Item {
    element: Vec<u8>,
    score: f64,
    /// With ALPHA and BY: the value looked up (`None`: missing, sorts first).
    by: Option<Vec<u8>>,
}

fn sort_generic(exec: &mut Exec<'_, '_>, req: &Request<'_>, readonly: bool) {
    let mut options = match options(req, readonly) {
        Ok(options) => options,
        Err(message) => return exec.error(message),
    };
    let now = exec.now_ms;
    // A missing key sorts as an empty list.
    let (len, kind) = match read(exec.state, req.arg(1), now) {
        None => (0, Kind::List),
        Some(Value::List(list)) => (list.len(), Kind::List),
        Some(Value::Set(set)) => (set.len(), Kind::Set),
        Some(Value::ZSet(zset)) => (zset.len(), Kind::ZSet),
        Some(_) => return exec.wrong_type(),
    };
    // A set stored unsorted, or handed to a script, would depend on its hash table's order:
    // sort it ALPHA instead (a script's effects must not depend on it either).
    if options.dont_sort && kind == Kind::Set && (options.store.is_some() || exec.client.script) {
        options.dont_sort = false;
        options.alpha = true;
        options.by = None;
    }
    let len = len as i64;
    // Redis's LIMIT arithmetic, to the letter (an empty range is start = len - 1, end = len - 2).
    let mut start = options.limit.0.max(0).min(len);
    let count = options.limit.1.max(-1).min(len);
    let mut end = if count < 0 {
        len - 1
    } else {
        start + count - 1
    };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    end = end.min(len - 1);
    let (mut items, ranged) = load(exec, req.arg(1), kind, &options, (start, end));
    if ranged {
        // The source was read in range already: the output starts at its first.
        end -= start;
        start = 0;
    }
    if !options.dont_sort {
        let scored = score(exec, &mut items, &options);
        let compare = comparator(&options);
        items.sort_by(|a, b| compare(a, b));
        if !scored {
            return exec.error("ERR One or more scores can't be converted into double");
        }
    }
    let range = if end >= start {
        let (start, end) = (start.max(0) as usize, end as usize);
        items
            .get(start..=end.min(items.len().saturating_sub(1)))
            .unwrap_or(&[])
    } else {
        &[]
    };
    let per_item = options.gets.len().max(1);
    match options.store {
        None => {
            reply::array(exec.out, range.len() * per_item);
            for item in range {
                if options.gets.is_empty() {
                    reply::bulk(exec.out, &item.element);
                }
                for &pattern in &options.gets {
                    match lookup(exec, pattern, &item.element) {
                        Some(value) => reply::bulk(exec.out, &value),
                        None => reply::null(exec.out),
                    }
                }
            }
        }
        Some(destination) => {
            let enc = exec.state.config.encodings;
            let mut list = List::new();
            for item in range {
                if options.gets.is_empty() {
                    list.push(End::Right, &item.element, &enc);
                }
                for &pattern in &options.gets {
                    let value = lookup(exec, pattern, &item.element).unwrap_or_default();
                    list.push(End::Right, &value, &enc);
                }
            }
            let stored = list.len();
            if stored > 0 {
                exec.state.db.insert(destination, Value::List(list));
            } else {
                exec.state.db.delete(destination, now);
            }
            exec.integer(stored as i64);
        }
    }
}

/// The type of what is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    List,
    Set,
    ZSet,
}

/// The elements to sort. A list or sorted set that is not sorted (`BY` without `*`) is read
/// in its own order, in the direction asked, only the range `start..=end`: then the second
/// value is true, and the output range starts at 0.
fn load(
    exec: &mut Exec<'_, '_>,
    key: &[u8],
    kind: Kind,
    options: &Options<'_>,
    (start, end): (i64, i64),
) -> (Vec<Item>, bool) {
    let item = |element: &[u8]| Item {
        element: element.to_vec(),
        score: 0.0,
        by: None,
    };
    let Some(value) = exec.state.db.peek(key, exec.now_ms) else {
        return (Vec::new(), false);
    };
    let ranged = options.dont_sort && kind != Kind::Set;
    if ranged {
        if end < start {
            return (Vec::new(), true);
        }
        let (skip, take) = (start as usize, (end - start + 1) as usize);
        let items = match value {
            Value::List(list) if options.desc => {
                list.iter().rev().skip(skip).take(take).map(item).collect()
            }
            Value::List(list) => list.iter_from(skip).take(take).map(item).collect(),
            Value::ZSet(zset) if options.desc => zset
                .iter()
                .rev()
                .skip(skip)
                .take(take)
                .map(|(m, _)| item(m))
                .collect(),
            Value::ZSet(zset) => zset
                .iter()
                .skip(skip)
                .take(take)
                .map(|(m, _)| item(m))
                .collect(),
            _ => Vec::new(),
        };
        return (items, true);
    }
    let items = match value {
        Value::List(list) => list.iter().map(item).collect(),
        Value::Set(set) => set
            .iter()
            .map(|member| {
                let mut buf = [0u8; 20];
                item(member.bytes(&mut buf))
            })
            .collect(),
        Value::ZSet(zset) => {
            let positions = zset.positions();
            (0..positions.len())
                .filter_map(|at| positions.get(at))
                .map(|(m, _)| item(m))
                .collect()
        }
        _ => Vec::new(),
    };
    (items, false)
}

/// Fill in what each item sorts by. False if a number could not be read (the sort goes on,
/// and the command then replies the error, as Redis does).
fn score(exec: &mut Exec<'_, '_>, items: &mut [Item], options: &Options<'_>) -> bool {
    let mut ok = true;
    for item in items.iter_mut() {
        let by = match options.by {
            Some(pattern) => match lookup(exec, pattern, &item.element) {
                Some(value) => value,
                None => continue,
            },
            None => item.element.clone(),
        };
        if options.alpha {
            if options.by.is_some() {
                item.by = Some(by);
            }
        } else {
            match strtod(&by) {
                Some(score) => item.score = score,
                None => ok = false,
            }
        }
    }
    ok
}

/// A value read as Redis's SORT reads a number: C's `strtod` over the C string (up to a NUL
/// byte), leading space allowed, nothing after the number, no NaN, no overflow or underflow;
/// the empty string is 0.
fn strtod(bytes: &[u8]) -> Option<f64> {
    let number = parse_strtod(c_str(bytes))?;
    (!number.value.is_nan() && !number.range_error).then_some(number.value)
}

/// Redis's `sortCompare`, with DESC applied.
fn comparator(options: &Options<'_>) -> impl Fn(&Item, &Item) -> Ordering + use<> {
    let (alpha, by, store, desc) = (
        options.alpha,
        options.by.is_some(),
        options.store.is_some(),
        options.desc,
    );
    // Without STORE Redis compares with `strcoll`, which in the C locale is `strcmp`: the
    // bytes up to a NUL. Stored results compare the whole strings.
    let strings = move |a: &[u8], b: &[u8]| {
        if store {
            a.cmp(b)
        } else {
            c_str(a).cmp(c_str(b))
        }
    };
    move |a, b| {
        let order = if !alpha {
            a.score
                .partial_cmp(&b.score)
                .unwrap_or(Ordering::Equal)
                .then_with(|| a.element.cmp(&b.element))
        } else if by {
            match (&a.by, &b.by) {
                (Some(x), Some(y)) => strings(x, y),
                (x, y) => x.is_some().cmp(&y.is_some()),
            }
        } else {
            strings(&a.element, &b.element)
        };
        if desc { order.reverse() } else { order }
    }
}

/// Redis's `lookupKeyByPattern`: `#` is the element itself; otherwise the first `*` of the
/// pattern is replaced by the element and the key read (a string), or with `key->field` the
/// field of a hash. `None` for a pattern without `*`, a missing key or field, or another type.
fn lookup(exec: &mut Exec<'_, '_>, pattern: &[u8], element: &[u8]) -> Option<Vec<u8>> {
    let text = c_str(pattern);
    if text == b"#" {
        return Some(element.to_vec());
    }
    let star = text.iter().position(|&b| b == b'*')?;
    // `->` after the star, with something after it, names a hash field (its length from the
    // whole pattern, as Redis measures it).
    let arrow = text[star + 1..]
        .windows(2)
        .position(|w| w == b"->")
        .map(|at| star + 1 + at)
        .filter(|&at| at + 2 < text.len());
    let (key_end, field) = match arrow {
        Some(at) => (at, Some(&pattern[at + 2..])),
        None => (pattern.len(), None),
    };
    let mut key = Vec::with_capacity(key_end + element.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(element);
    key.extend_from_slice(&pattern[star + 1..key_end]);
    match (read(exec.state, &key, exec.now_ms)?, field) {
        (Value::Hash(hash), Some(field)) => hash.get(field).map(<[u8]>::to_vec),
        (value, None) => value.as_str().map(<[u8]>::to_vec),
        _ => None,
    }
}
