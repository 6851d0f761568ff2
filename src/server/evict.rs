//! `maxmemory`: what the server does when its data outgrows the memory it was given, as Redis
//! 7.0's `evict.c` does it.
//!
//! Chapter: [docs/24-every-byte-of-a-key.md](../../docs/24-every-byte-of-a-key.md).
//!
//! **Measuring.** The limit is on `used_memory`: the bytes the allocator has handed out and
//! not taken back, clients' buffers and the Lua VM included, counted by the allocator itself
//! (`reactor-server` installs a counting allocator, `cap`, and tells this module where to read
//! it: [`count_allocations_with`]). That is what Redis limits too (`zmalloc_used_memory`); the
//! resident set is larger by the allocator's fragmentation and free pages it keeps, which is
//! INFO's `mem_fragmentation_ratio`. Without a counter installed (the library embedded with
//! another allocator) the resident set stands in.
//!
//! **Before every command**, while `maxmemory` is set and `used_memory` is above it, keys are
//! evicted until it is not ([`perform`]), in Redis's order:
//!
//! - `noeviction` evicts nothing: a command flagged `denyoom` (one that may add memory, SET,
//!   LPUSH, ...) is refused with `-OOM command not allowed when used memory > 'maxmemory'.`, and
//!   everything else (reads, DEL) still runs. So is every command inside MULTI but EXEC and its
//!   kin, and an EXEC whose queue holds a `denyoom` command.
//! - `allkeys-random` and `volatile-random` delete a random key (of those with a deadline, for
//!   `volatile-*`), taking the databases in turn.
//! - `allkeys-lru`, `volatile-lru`, `allkeys-lfu`, `volatile-lfu` and `volatile-ttl` keep an
//!   **eviction pool** of the 16 best candidates seen so far, ordered by a score (idle time; 255
//!   minus the LFU counter; the deadline, sooner first). Each round samples
//!   `maxmemory-samples` keys of every database into the pool, then evicts the best candidate
//!   still there. The pool is what makes a handful of samples nearly as good as a true LRU: a
//!   key that lost a round stays a candidate for the next one, so the keys evicted are the
//!   oldest of many more than five (chapter 24 shows the picture).
//!
//! One command's share of the work is bounded by `maxmemory-eviction-tenacity` (10: 500 µs;
//! checked every 16 keys); past it the command runs and the timer evicts the rest, a slice per
//! tick ([`crate::server::State`]'s `next_eviction`), so a `CONFIG SET maxmemory` far below
//! the data does not stall the loop. A command that finds nothing left to evict while still
//! over the limit is refused if it is `denyoom`, as under `noeviction`.
//!
//! Redis counterpart: `evict.c` (`performEvictions`, `evictionPoolPopulate`,
//! `evictionTimeLimitUs`), `server.c` (`processCommand`'s OOM check).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::config::{Eviction, Policy};
use crate::server::State;
use crate::server::keyspace::clock::{self, Clock};

/// The refusal of a command that may add memory while over the limit.
pub const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";

/// Where `used_memory` is read: installed once by the binary that counts its allocations.
static COUNTER: OnceLock<fn() -> usize> = OnceLock::new();

/// Read `used_memory` from `counter` from now on (the binary's counting allocator).
pub fn count_allocations_with(counter: fn() -> usize) {
    let _ = COUNTER.set(counter);
}

/// The bytes in use, as eviction and INFO's `used_memory` see them.
pub fn used_memory() -> u64 {
    match COUNTER.get() {
        Some(counter) => counter() as u64,
        None => crate::server::dashboard::snapshot::rss_bytes().unwrap_or(0),
    }
}

/// Candidates kept between rounds (Redis's `EVPOOL_SIZE`).
const POOL_SIZE: usize = 16;

/// One candidate: a key (its buffer kept between uses, so that filling the pool allocates
/// nothing once warm) in database `db`, with its score: the higher, the sooner it goes.
#[derive(Debug, Default)]
struct Candidate {
    key: Vec<u8>,
    db: usize,
    score: u64,
    filled: bool,
}

/// The eviction pool: candidates by ascending score, the best last (see the module docs).
#[derive(Debug)]
pub struct Pool {
    candidates: [Candidate; POOL_SIZE],
    /// The database the random policies take next.
    next_db: usize,
}

impl Default for Pool {
    fn default() -> Self {
        Pool {
            candidates: std::array::from_fn(|_| Candidate::default()),
            next_db: 0,
        }
    }
}

impl Pool {
    /// Offer a sampled key (Redis's `evictionPoolPopulate`, for one key): it takes the place
    /// of the worst candidate if it beats it, or a free slot.
    fn offer(&mut self, db: usize, key: &[u8], score: u64) {
        let pool = &mut self.candidates;
        let mut k = 0;
        while k < POOL_SIZE && pool[k].filled && pool[k].score < score {
            k += 1;
        }
        if k == 0 && pool[POOL_SIZE - 1].filled {
            // Worse than every candidate, and no room.
            return;
        }
        if k < POOL_SIZE && !pool[k].filled {
            // A free slot, in order.
        } else if !pool[POOL_SIZE - 1].filled {
            // Room on the right: shift [k..] right by one (the free last slot comes round to k).
            pool[k..].rotate_right(1);
        } else {
            // Full: drop the worst (slot 0), shifting [..k] left; the key goes at k - 1.
            k -= 1;
            pool[..=k].rotate_left(1);
        }
        let slot = &mut pool[k];
        slot.key.clear();
        slot.key.extend_from_slice(key);
        slot.db = db;
        slot.score = score;
        slot.filled = true;
    }

    /// Forget every candidate (FLUSHALL, a policy change).
    pub fn clear(&mut self) {
        for candidate in &mut self.candidates {
            candidate.filled = false;
        }
    }
}

/// What [`perform`] achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Under the limit (or no limit).
    Ok,
    /// Still over, but evicting: the timer goes on with it.
    Running,
    /// Over the limit with nothing (more) that may be evicted: `denyoom` commands are refused.
    Fail,
}

/// The time one call may spend evicting (Redis's `evictionTimeLimitUs`): 50 µs per step of
/// tenacity up to 10, then 15% more per step; none at 100.
fn time_limit(tenacity: u32) -> Option<Duration> {
    match tenacity {
        0..=10 => Some(Duration::from_micros(50 * u64::from(tenacity))),
        11..=99 => Some(Duration::from_micros(
            (500.0 * 1.15f64.powi(tenacity as i32 - 10)) as u64,
        )),
        _ => None,
    }
}

/// The stamp mode `eviction` implies for every database's keys.
pub fn clock_for(eviction: &Eviction) -> Clock {
    if eviction.policy.is_lfu() {
        Clock::Lfu {
            log_factor: eviction.lfu_log_factor,
            decay_time: eviction.lfu_decay_time,
        }
    } else {
        Clock::Lru
    }
}

/// Redis's `performEvictions`: evict until `used_memory` is under `maxmemory`, within the
/// tenacity's time; schedules the timer if it runs out of time first.
pub fn perform(state: &mut State, now_ms: i64) -> Outcome {
    let eviction = state.config.eviction;
    if eviction.maxmemory == 0 || used_memory() <= eviction.maxmemory {
        state.next_eviction = None;
        return Outcome::Ok;
    }
    if eviction.policy == Policy::NoEviction {
        return Outcome::Fail;
    }
    let to_free = used_memory() - eviction.maxmemory;
    let started = Instant::now();
    let limit = time_limit(eviction.tenacity);
    let (mut freed, mut evicted) = (0u64, 0u64);
    while freed < to_free {
        let Some((db, key)) = best_key(state, &eviction, now_ms) else {
            return Outcome::Fail;
        };
        let before = used_memory();
        if let Some(db) = state.db_at(db) {
            db.remove(&key);
        }
        freed += before.saturating_sub(used_memory());
        state.stats.evicted_keys += 1;
        evicted += 1;
        if evicted % 16 == 0 {
            if used_memory() <= eviction.maxmemory {
                break;
            }
            if limit.is_some_and(|limit| started.elapsed() > limit) {
                state.next_eviction = Some(Instant::now());
                return Outcome::Running;
            }
        }
    }
    if state.next_eviction.is_some() {
        Outcome::Running
    } else {
        Outcome::Ok
    }
}

/// The key to evict next, and its database; `None` if no key may be evicted.
fn best_key(state: &mut State, eviction: &Eviction, now_ms: i64) -> Option<(usize, Vec<u8>)> {
    let volatile = eviction.policy.volatile_only();
    let databases = state.shelf.count();
    if matches!(
        eviction.policy,
        Policy::AllkeysRandom | Policy::VolatileRandom
    ) {
        for _ in 0..databases {
            state.evict_pool.next_db = (state.evict_pool.next_db + 1) % databases;
            let id = state.evict_pool.next_db;
            // Only databases ever used: `db_at` would create the others, empty.
            if let Some((_, db)) = state.dbs_mut().find(|(at, _)| *at == id)
                && let Some(key) = db.random_of(volatile)
            {
                return Some((id, key));
            }
        }
        return None;
    }
    loop {
        let mut total = 0;
        let State {
            db,
            shelf,
            evict_pool,
            ..
        } = state;
        for (id, db) in shelf.each_mut(db) {
            total += db.sample(volatile, eviction.samples, |key, stamp, deadline| {
                let score = match eviction.policy {
                    Policy::VolatileTtl => u64::MAX - deadline.unwrap_or(i64::MAX).max(0) as u64,
                    Policy::AllkeysLfu | Policy::VolatileLfu => u64::from(
                        255 - clock::lfu_decayed(stamp, now_ms, eviction.lfu_decay_time).min(255),
                    ),
                    _ => clock::idle_ms(stamp, now_ms),
                };
                evict_pool.offer(id, key, score);
            });
        }
        if total == 0 {
            return None;
        }
        // Best first; a candidate whose key has gone since (a ghost) is dropped.
        for k in (0..POOL_SIZE).rev() {
            let candidate = &mut state.evict_pool.candidates[k];
            if !candidate.filled {
                continue;
            }
            candidate.filled = false;
            let (id, key) = (candidate.db, std::mem::take(&mut candidate.key));
            let present = state.db_ref(id).is_some_and(|db| db.holds(&key, volatile));
            if present {
                return Some((id, key));
            }
            state.evict_pool.candidates[k].key = key;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::server::evict::*;

    fn keys(pool: &Pool) -> Vec<(u64, String)> {
        pool.candidates
            .iter()
            .filter(|c| c.filled)
            .map(|c| (c.score, String::from_utf8_lossy(&c.key).into_owned()))
            .collect()
    }

    /// The pool keeps the 16 highest scores offered, ascending, whatever the order of offers.
    ///
    /// Break checked: dropping slot 0 without shifting the left part fails it.
    #[test]
    fn the_pool_keeps_the_best_candidates_in_order() {
        let mut pool = Pool::default();
        let scores: Vec<u64> = (0..100).map(|i| (i * 37) % 100).collect();
        for &score in &scores {
            pool.offer(0, format!("k{score}").as_bytes(), score);
        }
        let got = keys(&pool);
        let want: Vec<(u64, String)> = (84..100).map(|s| (s, format!("k{s}"))).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn tenacity_bounds_the_time_a_command_evicts() {
        assert_eq!(time_limit(10), Some(Duration::from_micros(500)));
        assert_eq!(time_limit(0), Some(Duration::ZERO));
        assert!(time_limit(50) > time_limit(11));
        assert_eq!(time_limit(100), None);
    }
}
