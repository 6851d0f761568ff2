//! Sorted sets combined: ZUNION, ZINTER, ZDIFF, their STORE forms, and ZINTERCARD, as Redis
//! 7.0's `zunionInterDiffGenericCommand`.
//!
//! ```text
//! ZUNION numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
//! ZINTER numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
//! ZDIFF  numkeys key [key ...] [WITHSCORES]
//! ZUNIONSTORE / ZINTERSTORE / ZDIFFSTORE destination numkeys key ...    :members stored
//! ZINTERCARD numkeys key [key ...] [LIMIT limit]                       :count
//! ```
//!
//! Inputs may be sorted sets or plain sets (every member of a set scores 1); a missing key is
//! an empty input. The result is a sorted set, so its order is Redis's whatever the inputs'
//! order. What is not order-free is floating-point addition: `a + b + c` can differ from
//! `c + b + a` in the last bit, and scores are printed to the last bit. So the inputs are
//! combined in Redis's order exactly: union and intersection first sort them by size (a
//! stable sort, as glibc's `qsort` is for this), intersection walks the smallest and looks
//! the member up in the others in turn, union adds input after input; a product that is NaN
//! (`inf * 0`) counts as 0, and so does a sum that is (`inf + -inf`).

use std::collections::HashMap;

use crate::resp::Request;
use crate::resp::number::parse_i64;

use crate::server::args::{NOT_INTEGER, SYNTAX, is_option};
use crate::server::command::Exec;
use crate::server::commands::keys::read;
use crate::server::commands::zsets::{emit, parse_score, store_members};
use crate::server::keyspace::db::Value;
use crate::server::keyspace::set::Member;
use crate::server::keyspace::zset::order;

/// Which combination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

/// How scores of one member in several inputs become one (`AGGREGATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    /// Redis's `zunionInterAggregate`: a NaN sum is 0; a NaN value never wins MIN or MAX.
    fn fold(self, target: &mut f64, value: f64) {
        match self {
            Aggregate::Sum => {
                *target += value;
                if target.is_nan() {
                    *target = 0.0;
                }
            }
            Aggregate::Min => {
                if value < *target {
                    *target = value;
                }
            }
            Aggregate::Max => {
                if value > *target {
                    *target = value;
                }
            }
        }
    }
}

/// Where the result goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output<'a> {
    /// Replied (ZUNION, ZINTER, ZDIFF).
    Reply,
    /// Stored at this key (the STORE forms).
    Store(&'a [u8]),
    /// Counted (ZINTERCARD).
    Count,
}

pub(super) fn zunion(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    combine(exec, req, Op::Union, Output::Reply);
}

pub(super) fn zinter(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    combine(exec, req, Op::Inter, Output::Reply);
}

pub(super) fn zdiff(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    combine(exec, req, Op::Diff, Output::Reply);
}

pub(super) fn zunionstore(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    combine(exec, req, Op::Union, Output::Store(req.arg(1)));
}

pub(super) fn zinterstore(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    combine(exec, req, Op::Inter, Output::Store(req.arg(1)));
}

pub(super) fn zdiffstore(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    combine(exec, req, Op::Diff, Output::Store(req.arg(1)));
}

pub(super) fn zintercard(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    combine(exec, req, Op::Inter, Output::Count);
}

/// One input: its key and weight.
struct Source<'r> {
    key: &'r [u8],
    weight: f64,
    /// Its members (0 for a missing key), for the sort by size.
    len: usize,
}

/// Every form, in Redis's order of checks: `numkeys`, the keys (WRONGTYPE before any option
/// is read), the options, then the work.
fn combine(exec: &mut Exec<'_, '_>, req: &Request<'_>, op: Op, output: Output<'_>) {
    let numkeys_at = if matches!(output, Output::Store(_)) {
        2
    } else {
        1
    };
    let Some(numkeys) = parse_i64(req.arg(numkeys_at)) else {
        return exec.error(NOT_INTEGER);
    };
    if numkeys < 1 {
        let name = req.arg(0).to_ascii_lowercase();
        let message = format!(
            "ERR at least 1 input key is needed for '{}' command",
            String::from_utf8_lossy(&name)
        );
        return exec.error(&message);
    }
    let first_key = numkeys_at + 1;
    let numkeys = numkeys as usize;
    if numkeys > req.len() - first_key {
        return exec.error(SYNTAX);
    }
    let mut sources = Vec::with_capacity(numkeys);
    for key in req.args().skip(first_key).take(numkeys) {
        // Looked up as a read (a hit or a miss), expired keys reclaimed.
        let len = match read(exec.state, key, exec.now_ms) {
            None => 0,
            Some(Value::ZSet(zset)) => zset.len(),
            Some(Value::Set(set)) => set.len(),
            Some(_) => return exec.wrong_type(),
        };
        sources.push(Source {
            key,
            weight: 1.0,
            len,
        });
    }
    let (aggregate, withscores, limit) =
        match options(req, first_key + numkeys, op, output, &mut sources) {
            Ok(options) => options,
            Err(message) => return exec.error(message),
        };
    if op != Op::Diff {
        sources.sort_by_key(|source| source.len);
    }
    let db = &*exec.state.db;
    let now = exec.now_ms;
    let input = |source: &Source<'_>| db.peek(source.key, now);
    let result = match op {
        Op::Union => union(&sources, input, aggregate),
        Op::Inter => match inter(&sources, input, aggregate, output == Output::Count, limit) {
            Ok(result) => result,
            Err(count) => return exec.integer(count as i64),
        },
        Op::Diff => diff(&sources, input),
    };
    match output {
        Output::Count => exec.integer(result.len() as i64),
        Output::Reply => {
            let mut sorted = result;
            sort(&mut sorted);
            let members: Vec<(&[u8], f64)> = sorted.iter().map(|(m, s)| (&m[..], *s)).collect();
            emit(exec.out, &members, withscores);
        }
        Output::Store(destination) => {
            let mut sorted = result;
            sort(&mut sorted);
            let stored = sorted.len();
            store_members(exec, destination, sorted);
            exec.integer(stored as i64);
        }
    }
}

/// The options after the keys: `WEIGHTS` (one per key) and `AGGREGATE` for union and
/// intersection, `WITHSCORES` when the result is replied, `LIMIT` for ZINTERCARD. Returns the
/// aggregate, WITHSCORES and the limit (0: none).
fn options(
    req: &Request<'_>,
    from: usize,
    op: Op,
    output: Output<'_>,
    sources: &mut [Source<'_>],
) -> Result<(Aggregate, bool, u64), &'static str> {
    let (mut aggregate, mut withscores, mut limit) = (Aggregate::Sum, false, 0u64);
    let combines = op != Op::Diff && output != Output::Count;
    let mut at = from;
    while at < req.len() {
        let remaining = req.len() - at;
        let option = req.arg(at);
        if combines && remaining > sources.len() && is_option(option, "weights") {
            for (source, arg) in sources.iter_mut().zip(req.args().skip(at + 1)) {
                source.weight = parse_score(arg).ok_or("ERR weight value is not a float")?;
            }
            at += 1 + sources.len();
        } else if combines && remaining >= 2 && is_option(option, "aggregate") {
            let name = req.arg(at + 1);
            aggregate = if is_option(name, "sum") {
                Aggregate::Sum
            } else if is_option(name, "min") {
                Aggregate::Min
            } else if is_option(name, "max") {
                Aggregate::Max
            } else {
                return Err(SYNTAX);
            };
            at += 2;
        } else if output == Output::Reply && is_option(option, "withscores") {
            withscores = true;
            at += 1;
        } else if output == Output::Count && remaining >= 2 && is_option(option, "limit") {
            // Redis reads it with `getPositiveLongFromObjectOrReply` and one message for both
            // a non-integer and a negative.
            limit = parse_i64(req.arg(at + 1))
                .and_then(|n| u64::try_from(n).ok())
                .ok_or("ERR LIMIT can't be negative")?;
            at += 2;
        } else {
            return Err(SYNTAX);
        }
    }
    Ok((aggregate, withscores, limit))
}

/// An input's members with their scores (a set's all score 1).
fn members(value: &Value) -> Box<dyn Iterator<Item = (Vec<u8>, f64)> + '_> {
    match value {
        Value::ZSet(zset) => Box::new(zset.iter().map(|(m, s)| (m.to_vec(), s))),
        Value::Set(set) => Box::new(set.iter().map(|member| {
            let mut buf = [0u8; 20];
            (member.bytes(&mut buf).to_vec(), 1.0)
        })),
        _ => Box::new(std::iter::empty()),
    }
}

/// `member`'s score in an input, if it is there.
fn score_in(value: &Value, member: &[u8]) -> Option<f64> {
    match value {
        Value::ZSet(zset) => zset.score(member),
        Value::Set(set) => set.contains_member(Member::Bytes(member)).then_some(1.0),
        _ => None,
    }
}

/// A weighted score, NaN (`inf * 0`) as 0.
fn weighted(score: f64, weight: f64) -> f64 {
    let product = score * weight;
    if product.is_nan() { 0.0 } else { product }
}

fn union<'v>(
    sources: &[Source<'_>],
    input: impl Fn(&Source<'_>) -> Option<&'v Value>,
    aggregate: Aggregate,
) -> Vec<(Vec<u8>, f64)> {
    let mut scores: HashMap<Vec<u8>, f64> = HashMap::new();
    for source in sources {
        let Some(value) = input(source) else {
            continue;
        };
        for (member, score) in members(value) {
            let score = weighted(score, source.weight);
            match scores.get_mut(&member) {
                Some(total) => aggregate.fold(total, score),
                None => {
                    scores.insert(member, score);
                }
            }
        }
    }
    scores.into_iter().collect()
}

/// The members of the smallest input found in every other. For ZINTERCARD, `Err(count)` once
/// `limit` members are found (0: no limit), without building the rest.
fn inter<'v>(
    sources: &[Source<'_>],
    input: impl Fn(&Source<'_>) -> Option<&'v Value>,
    aggregate: Aggregate,
    count_only: bool,
    limit: u64,
) -> Result<Vec<(Vec<u8>, f64)>, u64> {
    let mut result = Vec::new();
    let Some((smallest, others)) = sources.split_first() else {
        return Ok(result);
    };
    let Some(first) = input(smallest) else {
        return if count_only { Err(0) } else { Ok(result) };
    };
    let others: Vec<(Option<&Value>, f64)> = others.iter().map(|s| (input(s), s.weight)).collect();
    let mut count = 0u64;
    'members: for (member, score) in members(first) {
        let mut total = weighted(score, smallest.weight);
        for &(value, weight) in &others {
            let Some(found) = value.and_then(|v| score_in(v, &member)) else {
                continue 'members;
            };
            // Redis checks NaN only for the first input's product.
            aggregate.fold(&mut total, found * weight);
        }
        if count_only {
            count += 1;
            if limit > 0 && count >= limit {
                break;
            }
        } else {
            result.push((member, total));
        }
    }
    if count_only { Err(count) } else { Ok(result) }
}

/// The members of the first input in no other, with the first input's scores.
fn diff<'v>(
    sources: &[Source<'_>],
    input: impl Fn(&Source<'_>) -> Option<&'v Value>,
) -> Vec<(Vec<u8>, f64)> {
    let Some((first, others)) = sources.split_first() else {
        return Vec::new();
    };
    let Some(first) = input(first) else {
        return Vec::new();
    };
    let others: Vec<&Value> = others.iter().filter_map(&input).collect();
    members(first)
        .filter(|(member, _)| others.iter().all(|v| score_in(v, member).is_none()))
        .collect()
}

/// Redis's order: by score, then by the member's bytes.
fn sort(pairs: &mut [(Vec<u8>, f64)]) {
    pairs.sort_by(|a, b| order((a.1, &a.0), (b.1, &b.0)));
}
