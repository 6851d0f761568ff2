//! The keyspace: keys to values, with expiry that is lazy on access and active on a timer.
//!
//! Chapter: [docs/09-commands-and-the-keyspace.md](../../docs/09-commands-and-the-keyspace.md).
//!
//! A key with a deadline is expired two ways, as in Redis (`expire.c`, `db.c`):
//!
//! - **Lazily**: every lookup checks the deadline first, so no command ever sees an expired key.
//! - **Actively**: a key nobody touches would otherwise hold its memory forever, so the loop's
//!   timer runs [`Db::active_expire_cycle`] ten times a second while any key has a deadline. It
//!   samples random keys *that have a deadline*, deletes the expired ones, and repeats while more
//!   than a quarter of a sample was expired, within a time budget.
//!
//! Random sampling needs O(1) "pick a random key with a deadline", which a `HashMap` cannot do,
//! so keys with a deadline are also kept in a vector (`volatile`), each entry remembering its
//! position there for O(1) swap-removal. Keys are `Rc<[u8]>` so that vector shares the key
//! bytes instead of copying them.

use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Keys sampled per round of the active cycle (Redis: `ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP`).
const SAMPLE: usize = 20;
/// Repeat a round while more than this share of the sample was expired (Redis: 10%; 25% here).
const REPEAT_IF_EXPIRED_OVER: usize = SAMPLE / 4;

/// A stored value. Only strings for now; the enum is where lists and hashes would go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Str(Vec<u8>),
}

impl Value {
    /// The name `TYPE` reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
        }
    }
}

#[derive(Debug)]
struct Entry {
    value: Value,
    /// Unix time in milliseconds at which the key expires.
    expires_at: Option<i64>,
    /// Index in `Db::volatile` while `expires_at` is set.
    volatile_index: usize,
}

/// One database (Redis's db 0; SELECT allows no other).
#[derive(Debug, Default)]
pub struct Db {
    map: HashMap<Rc<[u8]>, Entry>,
    /// Every key that has a deadline, for sampling.
    volatile: Vec<Rc<[u8]>>,
    /// Keys removed because their deadline passed (`expired_keys`).
    pub expired_keys: u64,
    rng: u64,
}

impl Db {
    pub fn new(seed: u64) -> Self {
        Db {
            rng: seed | 1,
            ..Db::default()
        }
    }

    /// Number of keys, counting ones expired but not yet reclaimed (as Redis's DBSIZE does).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Number of keys with a deadline.
    pub fn volatile_len(&self) -> usize {
        self.volatile.len()
    }

    /// Delete `key` if its deadline has passed. Returns whether the key (still) exists.
    fn check_expired(&mut self, key: &[u8], now_ms: i64) -> bool {
        match self.map.get(key).map(|e| e.expires_at) {
            None => false,
            Some(Some(at)) if at <= now_ms => {
                self.remove(key);
                self.expired_keys += 1;
                false
            }
            Some(_) => true,
        }
    }

    /// The value of a live key.
    pub fn get(&mut self, key: &[u8], now_ms: i64) -> Option<&Value> {
        if !self.check_expired(key, now_ms) {
            return None;
        }
        self.map.get(key).map(|e| &e.value)
    }

    /// The value of a live key, mutably (its deadline is kept).
    pub fn get_mut(&mut self, key: &[u8], now_ms: i64) -> Option<&mut Value> {
        if !self.check_expired(key, now_ms) {
            return None;
        }
        self.map.get_mut(key).map(|e| &mut e.value)
    }

    pub fn exists(&mut self, key: &[u8], now_ms: i64) -> bool {
        self.check_expired(key, now_ms)
    }

    /// Store a string, reusing the existing allocation when the key already holds one (so a
    /// `SET` on an existing key allocates nothing). `keep_ttl` keeps the deadline; otherwise it
    /// is cleared.
    pub fn set_str(&mut self, key: &[u8], bytes: &[u8], keep_ttl: bool, now_ms: i64) {
        if self.check_expired(key, now_ms)
            && let Some(entry) = self.map.get_mut(key)
        {
            let Value::Str(v) = &mut entry.value;
            v.clear();
            v.extend_from_slice(bytes);
            if !keep_ttl {
                self.set_expiry(key, None);
            }
            return;
        }
        self.map.insert(
            Rc::from(key),
            Entry {
                value: Value::Str(bytes.to_vec()),
                expires_at: None,
                volatile_index: 0,
            },
        );
    }

    /// Store `value` under `key`, replacing any value and deadline.
    pub fn insert(&mut self, key: &[u8], value: Value) {
        self.remove(key);
        self.map.insert(
            Rc::from(key),
            Entry {
                value,
                expires_at: None,
                volatile_index: 0,
            },
        );
    }

    /// Remove a key (live or not). Returns its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        let entry = self.map.remove(key)?;
        if entry.expires_at.is_some() {
            self.volatile_remove(entry.volatile_index);
        }
        Some(entry.value)
    }

    /// Remove a live key. Returns whether it existed.
    pub fn delete(&mut self, key: &[u8], now_ms: i64) -> bool {
        self.check_expired(key, now_ms) && self.remove(key).is_some()
    }

    /// The deadline of a live key: `Some(None)` for a key without one.
    pub fn expiry(&mut self, key: &[u8], now_ms: i64) -> Option<Option<i64>> {
        if !self.check_expired(key, now_ms) {
            return None;
        }
        self.map.get(key).map(|e| e.expires_at)
    }

    /// Set or clear the deadline of an existing key. Returns false if the key does not exist.
    pub fn set_expiry(&mut self, key: &[u8], at: Option<i64>) -> bool {
        let Some((shared_key, entry)) = self.map.get_key_value(key) else {
            return false;
        };
        let (had, index) = (entry.expires_at.is_some(), entry.volatile_index);
        let shared_key = shared_key.clone();
        match (had, at) {
            (true, None) => self.volatile_remove(index),
            (false, Some(_)) => {
                let index = self.volatile.len();
                self.volatile.push(shared_key);
                if let Some(entry) = self.map.get_mut(key) {
                    entry.volatile_index = index;
                }
            }
            _ => {}
        }
        if let Some(entry) = self.map.get_mut(key) {
            entry.expires_at = at;
        }
        true
    }

    fn volatile_remove(&mut self, index: usize) {
        if index >= self.volatile.len() {
            return;
        }
        self.volatile.swap_remove(index);
        // The key that was last now sits at `index`: tell its entry.
        if let Some(moved) = self.volatile.get(index)
            && let Some(entry) = self.map.get_mut(&**moved)
        {
            entry.volatile_index = index;
        }
    }

    /// Every key, live or not yet reclaimed (callers filter with [`Db::exists`]).
    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.map.keys().map(|k| &**k)
    }

    pub fn clear(&mut self) {
        self.map.clear();
        self.volatile.clear();
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64*: plenty for sampling, and no dependency.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A uniformly chosen index below `n` (n > 0).
    pub fn random_index(&mut self, n: usize) -> usize {
        (self.next_random() % n as u64) as usize
    }

    /// One active expiry cycle: sample keys with deadlines, delete the expired, repeat while
    /// many were expired, stop at `budget`. Returns how many keys were reclaimed.
    pub fn active_expire_cycle(&mut self, now_ms: i64, budget: Duration) -> usize {
        let started = Instant::now();
        let mut reclaimed = 0;
        loop {
            let mut expired_in_round = 0;
            for _ in 0..SAMPLE.min(self.volatile.len()) {
                let index = self.random_index(self.volatile.len());
                let Some(key) = self.volatile.get(index).cloned() else {
                    break;
                };
                if !self.check_expired(&key, now_ms) {
                    expired_in_round += 1;
                }
            }
            reclaimed += expired_in_round;
            if expired_in_round <= REPEAT_IF_EXPIRED_OVER || started.elapsed() >= budget {
                return reclaimed;
            }
        }
    }
}
