//! A key's access clock: what eviction reads to choose which key goes, and what OBJECT
//! IDLETIME and OBJECT FREQ report. Redis keeps it in 24 bits of every object (`lru`); here it
//! is the 32-bit stamp the keyspace's table keeps beside each node
//! ([`crate::server::keyspace::table::Table::stamp`]), with Redis's 24-bit meanings:
//!
//! - **LRU** (every policy but the LFU ones): the time of the last access in seconds, modulo
//!   2^24 (Redis's `LRU_CLOCK`, 194 days before it wraps; an idle time across the wrap is
//!   still right, as Redis computes it).
//! - **LFU** (`allkeys-lfu`, `volatile-lfu`): the minute of the last decrement in the high 16
//!   bits, and a logarithmic access counter in the low 8. An access first decays the counter
//!   by one for every `lfu-decay-time` minutes since then, and then increments it with
//!   probability `1 / ((counter - 5) * lfu-log-factor + 1)`: with the default factor of 10 the
//!   counter reaches 255 only after about a million accesses. A new key starts at 5, so that
//!   it is not the first to go before it had a chance to be read.
//!
//! Switching policy at run time leaves the stamps as they are, to be reinterpreted: as Redis
//! says in OBJECT's errors, "LRU and LFU data will take some time to adjust".
//!
//! Redis counterpart: `evict.c` (`LRU_CLOCK`, `estimateObjectIdleTime`, `LFULogIncr`,
//! `LFUDecrAndReturn`), `db.c` (`updateLFU`).

/// The 24 bits Redis keeps.
const CLOCK_MAX: u32 = (1 << 24) - 1;
/// A new key's LFU counter (Redis's `LFU_INIT_VAL`).
pub const LFU_INIT: u32 = 5;

/// How stamps are kept: set from `maxmemory-policy`, `lfu-log-factor` and `lfu-decay-time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    #[default]
    Lru,
    Lfu {
        log_factor: u32,
        decay_time: u32,
    },
}

impl Clock {
    /// The stamp of a key created now.
    pub fn new_stamp(self, now_ms: i64) -> u32 {
        match self {
            Clock::Lru => lru_clock(now_ms),
            Clock::Lfu { .. } => (minutes(now_ms) << 8) | LFU_INIT,
        }
    }

    /// The stamp of a key accessed now, that had `stamp`; `random` is uniform in [0, 1).
    pub fn touched(self, stamp: u32, now_ms: i64, random: f64) -> u32 {
        match self {
            Clock::Lru => lru_clock(now_ms),
            Clock::Lfu {
                log_factor,
                decay_time,
            } => {
                let counter = lfu_decayed(stamp, now_ms, decay_time);
                let counter = lfu_incremented(counter, log_factor, random);
                (minutes(now_ms) << 8) | counter
            }
        }
    }
}

/// Redis's `LRU_CLOCK`: seconds, 24 bits.
pub fn lru_clock(now_ms: i64) -> u32 {
    ((now_ms.max(0) / 1000) as u64 & u64::from(CLOCK_MAX)) as u32
}

/// Milliseconds since the access an LRU stamp records (Redis's `estimateObjectIdleTime`).
pub fn idle_ms(stamp: u32, now_ms: i64) -> u64 {
    let now = lru_clock(now_ms);
    let stamp = stamp & CLOCK_MAX;
    let seconds = if now >= stamp {
        now - stamp
    } else {
        CLOCK_MAX - stamp + now
    };
    u64::from(seconds) * 1000
}

/// Minutes, 16 bits (Redis's `LFUGetTimeInMinutes`).
fn minutes(now_ms: i64) -> u32 {
    ((now_ms.max(0) / 60_000) as u64 & 0xFFFF) as u32
}

/// An LFU stamp's counter after its decay (Redis's `LFUDecrAndReturn`): OBJECT FREQ.
pub fn lfu_decayed(stamp: u32, now_ms: i64, decay_time: u32) -> u32 {
    let last = (stamp >> 8) & 0xFFFF;
    let counter = stamp & 0xFF;
    let now = minutes(now_ms);
    let elapsed = if now >= last {
        now - last
    } else {
        0xFFFF - last + now
    };
    let periods = elapsed.checked_div(decay_time).unwrap_or(0);
    counter.saturating_sub(periods)
}

/// Redis's `LFULogIncr`: one more access, counted with a probability that falls as the counter
/// grows.
fn lfu_incremented(counter: u32, log_factor: u32, random: f64) -> u32 {
    if counter >= 255 {
        return 255;
    }
    let base = f64::from(counter.saturating_sub(LFU_INIT));
    let p = 1.0 / (base * f64::from(log_factor) + 1.0);
    if random < p { counter + 1 } else { counter }
}

#[cfg(test)]
mod tests {
    use crate::server::keyspace::clock::*;

    #[test]
    fn lru_idle_time_counts_seconds_across_the_wrap() {
        let t = 1_700_000_000_000;
        let stamp = Clock::Lru.new_stamp(t);
        assert_eq!(idle_ms(stamp, t + 2_500), 2_000);
        // Stamped just before the 24-bit clock wrapped.
        let wrap = i64::from(CLOCK_MAX + 1) * 1000;
        let before = lru_clock(wrap - 3_000);
        assert_eq!(idle_ms(before, wrap + 1_000), 3_000);
    }

    /// The counter climbs logarithmically (with the default factor, a hundred accesses take it
    /// from 5 to about 10, as in the table of redis.conf's LFU section) and decays one a period.
    ///
    /// Break checked: incrementing on every access fails it.
    #[test]
    fn lfu_counts_logarithmically_and_decays() {
        let clock = Clock::Lfu {
            log_factor: 10,
            decay_time: 1,
        };
        let t = 1_700_000_000_000;
        let mut stamp = clock.new_stamp(t);
        assert_eq!(lfu_decayed(stamp, t, 1), LFU_INIT);
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..100 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            stamp = clock.touched(stamp, t, (x >> 11) as f64 / (1u64 << 53) as f64);
        }
        let counter = lfu_decayed(stamp, t, 1);
        assert!((7..14).contains(&counter), "{counter}");
        assert_eq!(lfu_decayed(stamp, t + 3 * 60_000, 1), counter - 3);
        assert_eq!(
            lfu_decayed(stamp, t + 3 * 60_000, 0),
            counter,
            "0: never decays"
        );
        assert_eq!(lfu_decayed(stamp, t + 600 * 60_000, 1), 0);
    }
}
