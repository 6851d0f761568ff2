//! ZRANDMEMBER and ZSCAN: a sorted set read by position rather than by order.
//!
//! ```text
//! ZRANDMEMBER key                          $member | $-1
//! ZRANDMEMBER key count [WITHSCORES]       *n members (scores after each)
//! ZSCAN key cursor [MATCH p] [COUNT n]     *2 $next-cursor *2n member score ...
//! ```
//!
//! Both use the positions of [`crate::server::keyspace::zset`] (`ZSet::positions`, `ZSet::scan`): the
//! small form's order, the large form's dense table of members. ZRANDMEMBER draws as
//! HRANDFIELD and SRANDMEMBER do (`keys::Draws`: independent draws for a negative count,
//! distinct ones for a positive count, the whole set highest score first once the count
//! reaches its size), as Redis's `zrandmemberWithCountCommand`. ZSCAN returns a small set whole with
//! cursor 0, as Redis returns a listpack, and walks a large one downwards by position.

use crate::resp::{Request, reply};

use crate::server::command::Exec;
use crate::server::commands::keys::{self, Draws, WrongType, read_as};
use crate::server::commands::zsets::push_score;
use crate::server::glob::glob_match;
use crate::server::keyspace::zset::ZSet;

/// `ZRANDMEMBER key [count [WITHSCORES]]`.
pub(super) fn zrandmember(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let count = match keys::random_count(req, "withscores") {
        Ok(count) => count,
        Err(message) => return exec.error(message),
    };
    let mut rng = keys::Rng::new(exec.state);
    let zset = match read_as::<ZSet>(exec.state, req.arg(1), exec.now_ms) {
        Ok(zset) => zset,
        Err(WrongType) => return exec.wrong_type(),
    };
    let Some((count, withscores)) = count else {
        let positions = zset.map(ZSet::positions);
        return match positions.and_then(|p| p.get(rng.below(p.len()))) {
            Some((member, _)) => reply::bulk(exec.out, member),
            None => reply::null(exec.out),
        };
    };
    let Some(zset) = zset else {
        return reply::array(exec.out, 0);
    };
    let size = zset.len();
    let draws = match Draws::plan(count, size) {
        Ok(draws) => draws,
        Err(message) => return exec.error(message),
    };
    let out = &mut *exec.out;
    let push = |out: &mut Vec<u8>, (member, score): (&[u8], f64)| {
        reply::bulk(out, member);
        if withscores {
            push_score(out, score);
        }
    };
    reply::array(out, draws.len(size) * if withscores { 2 } else { 1 });
    if let Draws::Whole = draws {
        // Highest first: Redis's `zuiNext` walks a sorted set from its tail.
        zset.iter().rev().for_each(|pair| push(out, pair));
    }
    let positions = zset.positions();
    draws.draw(size, &mut rng, |at| {
        if let Some(pair) = positions.get(at) {
            push(out, pair);
        }
    });
}

/// `ZSCAN key cursor [MATCH pattern] [COUNT count]`: the cursor and options as HSCAN reads
/// them (a missing key answers an empty page before the options are judged).
pub(super) fn zscan(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    keys::collection_scan(exec, req, |zset: &ZSet, cursor, count, pattern, out| {
        let mut page = Vec::new();
        let next = zset.scan(cursor, count, &mut page);
        if let Some(pattern) = pattern {
            page.retain(|(member, _)| glob_match(pattern, member, false));
        }
        keys::scan_page_header(out, next, page.len() * 2);
        for (member, score) in page {
            reply::bulk(out, member);
            push_score(out, score);
        }
    });
}
