//! The keyspace: keys to values, with expiry that is lazy on access and active on a timer.
//!
//! Chapter: [docs/09-commands-and-the-keyspace.md](../../../docs/09-commands-and-the-keyspace.md).
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
//!
//! `SCAN` needs a cursor that survives a changing keyspace: every key present for the whole
//! iteration must be returned. Redis gets this from its hash table's reverse-binary cursor; a
//! `HashMap` exposes no buckets, so every key also sits in a `Slots` table at a position that
//! never changes while the key exists, and the cursor is the next position to visit (packed with
//! the table's end when the iteration began, so that it ends even while keys keep arriving). A
//! key added during an iteration lands in a freed hole or at the end and may or may not be seen,
//! which SCAN allows. The same table gives `RANDOMKEY` its random pick.

use std::collections::HashMap;
use std::hash::{BuildHasher, DefaultHasher, Hasher, RandomState};
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::server::keyspace::waiters::Blocking;
use crate::server::keyspace::watched::WatchedKeys;
use crate::server::keyspace::{Hash, List, Set, ZSet};

/// Keys sampled per round of the active cycle (Redis: `ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP`).
const SAMPLE: usize = 20;
/// Repeat a round while more than this share of the sample was expired (10%, as Redis 7's
/// `ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE`): above that, many more expired keys are likely waiting.
const REPEAT_IF_EXPIRED_OVER: usize = SAMPLE / 10;
/// RANDOMKEY probes this many random slots before walking the table instead (a table left
/// sparse by mass deletion would otherwise make probing slow).
const RANDOM_PROBES: usize = 32;

/// A stored value: a string or one of the aggregate types of [`crate::server::keyspace`].
#[derive(Debug, Clone)]
pub enum Value {
    Str(Vec<u8>),
    List(List),
    Hash(Hash),
    Set(Set),
    ZSet(ZSet),
}

impl Value {
    /// The name `TYPE` reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
        }
    }

    /// The types in a fixed order, for counting keys per type ([`Db::keys_per_type`]).
    pub const TYPES: [&'static str; 5] = ["string", "list", "hash", "set", "zset"];

    /// This value's index in [`Value::TYPES`].
    fn type_index(&self) -> usize {
        match self {
            Value::Str(_) => 0,
            Value::List(_) => 1,
            Value::Hash(_) => 2,
            Value::Set(_) => 3,
            Value::ZSet(_) => 4,
        }
    }

    /// The encoding `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(bytes) => string_encoding(bytes),
            Value::List(list) => list.encoding(),
            Value::Hash(hash) => hash.encoding(),
            Value::Set(set) => set.encoding(),
            Value::ZSet(zset) => zset.encoding(),
        }
    }

    /// The bytes this value occupies: itself and what it owns on the heap, with an
    /// aggregate's elements estimated from `samples` of them as Redis's `objectComputeSize`
    /// does (`usize::MAX` = measure all).
    pub fn memory_usage(&self, samples: usize) -> usize {
        std::mem::size_of::<Value>()
            + match self {
                Value::Str(bytes) => bytes.capacity(),
                Value::List(list) => list.memory_usage(samples),
                Value::Hash(hash) => hash.memory_usage(samples),
                Value::Set(set) => set.memory_usage(samples),
                Value::ZSet(zset) => zset.memory_usage(samples),
            }
    }

    /// The bytes of a string value; `None` for any other type (the caller replies WRONGTYPE).
    pub fn as_str(&self) -> Option<&[u8]> {
        match self {
            Value::Str(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// The bytes of a string value, to modify in place; `None` for any other type.
    pub fn as_str_mut(&mut self) -> Option<&mut Vec<u8>> {
        match self {
            Value::Str(bytes) => Some(bytes),
            _ => None,
        }
    }
}

/// The key holds a value of another type than the one asked for (Redis's `WRONGTYPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrongType;

/// A type a [`Value`] can hold, for the one typed look-up every command goes through
/// (`commands::keys::read_as` and `write_as`): `Vec<u8>` (a string), [`List`], [`Hash`],
/// [`Set`] or [`ZSet`].
pub trait Typed: Sized {
    /// `value` as this type, if it is one.
    fn of(value: &Value) -> Option<&Self>;
    /// The same, to modify in place.
    fn of_mut(value: &mut Value) -> Option<&mut Self>;
}

macro_rules! typed {
    ($type:ty, $variant:ident) => {
        impl Typed for $type {
            fn of(value: &Value) -> Option<&Self> {
                match value {
                    Value::$variant(inner) => Some(inner),
                    _ => None,
                }
            }
            fn of_mut(value: &mut Value) -> Option<&mut Self> {
                match value {
                    Value::$variant(inner) => Some(inner),
                    _ => None,
                }
            }
        }
    };
}

typed!(Vec<u8>, Str);
typed!(List, List);
typed!(Hash, Hash);
typed!(Set, Set);
typed!(ZSet, ZSet);

/// Redis's string encodings: `int` for a canonical 64-bit integer, `embstr` up to 44 bytes
/// (the object header and the bytes in one allocation), `raw` beyond. Ours are always a
/// `Vec<u8>`; the name says what Redis would use, which is what clients and tests ask about.
fn string_encoding(bytes: &[u8]) -> &'static str {
    let canonical_int = bytes.len() <= 20
        && std::str::from_utf8(bytes)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .is_some_and(|n| n.to_string().as_bytes() == bytes);
    if canonical_int {
        "int"
    } else if bytes.len() <= 44 {
        "embstr"
    } else {
        "raw"
    }
}

/// One key's entry in the map: 48 bytes, so a bucket with its `Rc<[u8]>` key is 64. Every
/// key pays this whatever it holds, which makes it most of a small value's cost (chapter 19):
/// the deadline is a plain `i64` whose presence `volatile_index` says, and both positions are
/// 32-bit, which caps the keyspace at 2^32 - 1 keys (some 300 GB of keys).
#[derive(Debug)]
struct Entry {
    value: Value,
    /// Unix time in milliseconds at which the key expires; meaningful only while
    /// `volatile_index` is not [`NO_DEADLINE`].
    expires_at: i64,
    /// Index in `Db::volatile`, or [`NO_DEADLINE`].
    volatile_index: u32,
    /// Position in `Db::slots`, fixed for the key's lifetime.
    slot: u32,
}

/// `Entry::volatile_index` of a key without a deadline.
const NO_DEADLINE: u32 = u32::MAX;

impl Entry {
    fn deadline(&self) -> Option<i64> {
        (self.volatile_index != NO_DEADLINE).then_some(self.expires_at)
    }
}

/// How the keyspace hashes keys: std's SipHash-1-3 under a random key, as `HashMap` does by
/// default (a client choosing key names cannot force collisions: Redis uses SipHash for the
/// same reason), but fed only the key's bytes.
///
/// A `[u8]` hashes its length before its bytes, so that in a tuple of slices bytes cannot move
/// from one field to the next without changing the hash. A map keyed by a single byte string
/// has nothing to confuse (and SipHash mixes the total length into its last block anyway), so
/// [`KeyHasher`] drops that extra 8-byte write: about 70 fewer instructions per lookup, a
/// third of the hashing, on the commonest commands (measured in docs/performance.md).
#[derive(Debug, Default, Clone)]
struct KeyHashing(RandomState);

impl BuildHasher for KeyHashing {
    type Hasher = KeyHasher;

    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(self.0.build_hasher())
    }
}

/// See [`KeyHashing`]. Only for maps keyed by one byte string.
struct KeyHasher(DefaultHasher);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }

    /// The length prefix `[u8]` writes before its bytes: not needed here, see [`KeyHashing`].
    fn write_usize(&mut self, _length: usize) {}

    fn finish(&self) -> u64 {
        self.0.finish()
    }
}

/// One database: its keys, and what belongs to its number (the waiters of blocked clients,
/// the watched keys). There are `databases` of them ([`super::databases`]).
#[derive(Debug, Default)]
pub struct Db {
    map: HashMap<Rc<[u8]>, Entry, KeyHashing>,
    /// Every key that has a deadline, for sampling.
    volatile: Vec<Rc<[u8]>>,
    /// Every key, at a stable position (SCAN's cursor, RANDOMKEY's pick).
    slots: Slots,
    /// Keys removed because their deadline passed (`expired_keys`).
    pub expired_keys: u64,
    /// Clients are paused (CLIENT PAUSE): the dataset stays as it is, so a key whose deadline
    /// passes is hidden from lookups but not deleted, as Redis's `expireIfNeeded` does while
    /// paused; it goes when the pause ends.
    pub frozen: bool,
    /// Clients waiting on keys of this database, and the keys that became ready.
    pub blocking: Blocking,
    /// Keys clients WATCH, told of every write and expiry here ([`Db::touch`]).
    pub watched: WatchedKeys,
    /// Keys per type, in [`Value::TYPES`] order (kept as keys come and go: the dashboard
    /// shows it several times a second, and counting would mean a pass over every key).
    per_type: [usize; 5],
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

    /// Keys per type, including expired keys not yet reclaimed (as [`Db::len`]).
    pub fn keys_per_type(&self) -> impl Iterator<Item = (&'static str, usize)> + '_ {
        Value::TYPES.into_iter().zip(self.per_type)
    }

    /// Number of keys with a deadline.
    pub fn volatile_len(&self) -> usize {
        self.volatile.len()
    }

    /// Delete `key` if its deadline has passed. Returns whether the key (still) exists.
    fn check_expired(&mut self, key: &[u8], now_ms: i64) -> bool {
        match self.map.get(key).map(Entry::deadline) {
            None => false,
            Some(Some(at)) if at <= now_ms => {
                if !self.frozen {
                    self.take(key);
                    self.expired_keys += 1;
                    if !self.watched.is_empty() {
                        self.watched.touch_expired(key);
                    }
                }
                false
            }
            Some(_) => true,
        }
    }

    /// Delete `key` first if its deadline has passed, so that the lookup that follows sees only
    /// live keys. While no key has a deadline none can have expired, and this costs nothing:
    /// the hot commands (`GET`, `SET`, `INCR`) then hash the key once, not two to four times.
    fn reclaim_if_expired(&mut self, key: &[u8], now_ms: i64) {
        if !self.volatile.is_empty() {
            self.check_expired(key, now_ms);
        }
    }

    /// The value of a live key.
    pub fn get(&mut self, key: &[u8], now_ms: i64) -> Option<&Value> {
        if !self.volatile.is_empty() && !self.check_expired(key, now_ms) {
            return None;
        }
        self.map.get(key).map(|e| &e.value)
    }

    /// The value of a live key, mutably (its deadline is kept): a write command is about to
    /// change it, so its watchers are told.
    pub fn get_mut(&mut self, key: &[u8], now_ms: i64) -> Option<&mut Value> {
        if !self.volatile.is_empty() && !self.check_expired(key, now_ms) {
            return None;
        }
        let entry = self.map.get_mut(key)?;
        if !self.watched.is_empty() {
            self.watched.touch(key);
        }
        Some(&mut entry.value)
    }

    /// The value of a live key, mutably, telling no watcher yet: for a write that may change
    /// nothing (SADD of members already there, SREM of absent ones), which then calls
    /// [`Db::changed`] if it did, as Redis signals only a real change.
    pub fn get_mut_quiet(&mut self, key: &[u8], now_ms: i64) -> Option<&mut Value> {
        if !self.volatile.is_empty() && !self.check_expired(key, now_ms) {
            return None;
        }
        self.map.get_mut(key).map(|entry| &mut entry.value)
    }

    /// A write through [`Db::get_mut_quiet`] changed `key`.
    pub fn changed(&mut self, key: &[u8]) {
        self.touch(key);
    }

    /// The one place a write tells the watchers of `key` (WATCH) that it changed: every
    /// method that changes a key calls it, and nothing else does. One emptiness check while
    /// no key is watched.
    fn touch(&mut self, key: &[u8]) {
        if !self.watched.is_empty() {
            self.watched.touch(key);
        }
    }

    /// The value of a live key, deleting nothing: for a command that reads several keys at
    /// once (ZUNION) after looking each up with [`Db::get`].
    pub fn peek(&self, key: &[u8], now_ms: i64) -> Option<&Value> {
        let entry = self.map.get(key)?;
        match entry.deadline() {
            Some(at) if at <= now_ms => None,
            _ => Some(&entry.value),
        }
    }

    /// Whether `key` is there but past its deadline (Redis's `keyIsExpired`), deleting
    /// nothing: WATCH notes it, EXEC fails on a watched key that has expired since.
    pub fn is_expired(&self, key: &[u8], now_ms: i64) -> bool {
        self.map
            .get(key)
            .and_then(Entry::deadline)
            .is_some_and(|at| at <= now_ms)
    }

    /// `MEMORY USAGE`: the bytes behind a live key (see [`crate::server::commands::admin`]'s `memory` module):
    /// the key and its `Rc` header, its entry in the map (plus a control byte), its slot in
    /// `slots`, and the value with `samples` of its elements measured.
    pub fn memory_usage(&mut self, key: &[u8], samples: usize, now_ms: i64) -> Option<usize> {
        const RC_HEADER: usize = 2 * std::mem::size_of::<usize>();
        let entry_size = std::mem::size_of::<(Rc<[u8]>, Entry)>() + 1;
        let slot_size = std::mem::size_of::<Option<Rc<[u8]>>>();
        let value = self.get(key, now_ms)?;
        let value_extra = value.memory_usage(samples) - std::mem::size_of::<Value>();
        Some(RC_HEADER + key.len() + entry_size + slot_size + value_extra)
    }

    pub fn exists(&mut self, key: &[u8], now_ms: i64) -> bool {
        if self.volatile.is_empty() {
            self.map.contains_key(key)
        } else {
            self.check_expired(key, now_ms)
        }
    }

    /// Store a string, reusing the existing allocation when the key already holds one (so a
    /// `SET` on an existing key allocates nothing). `keep_ttl` keeps the deadline; otherwise it
    /// is cleared. One lookup when the key exists and no key has a deadline.
    pub fn set_str(&mut self, key: &[u8], bytes: &[u8], keep_ttl: bool, now_ms: i64) {
        self.reclaim_if_expired(key, now_ms);
        self.touch(key);
        if let Some(entry) = self.map.get_mut(key) {
            match &mut entry.value {
                Value::Str(v) => {
                    v.clear();
                    v.extend_from_slice(bytes);
                }
                other => {
                    self.per_type[other.type_index()] -= 1;
                    self.per_type[0] += 1;
                    *other = Value::Str(bytes.to_vec());
                }
            }
            if !keep_ttl && entry.deadline().is_some() {
                let index = entry.volatile_index;
                entry.volatile_index = NO_DEADLINE;
                self.volatile_remove(index);
            }
            return;
        }
        self.add(key, Value::Str(bytes.to_vec()));
    }

    /// Store `value` under `key`, replacing any value and deadline.
    pub fn insert(&mut self, key: &[u8], value: Value) {
        self.remove(key);
        self.add(key, value);
    }

    /// Add a key that is not in the map.
    fn add(&mut self, key: &[u8], value: Value) {
        self.blocking.signal(key);
        self.touch(key);
        self.per_type[value.type_index()] += 1;
        let key: Rc<[u8]> = Rc::from(key);
        let slot = self.slots.insert(key.clone());
        debug_assert!(slot < u32::MAX as usize, "more than 2^32 - 1 keys");
        self.map.insert(
            key,
            Entry {
                value,
                expires_at: 0,
                volatile_index: NO_DEADLINE,
                slot: slot as u32,
            },
        );
    }

    /// Remove a key (live or not). Returns its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        let value = self.take(key)?;
        self.touch(key);
        Some(value)
    }

    /// Remove a key, telling no watcher (the caller does: a write or an expiry).
    fn take(&mut self, key: &[u8]) -> Option<Value> {
        let entry = self.map.remove(key)?;
        self.per_type[entry.value.type_index()] -= 1;
        if entry.volatile_index != NO_DEADLINE {
            self.volatile_remove(entry.volatile_index);
        }
        self.slots.remove(entry.slot as usize);
        Some(entry.value)
    }

    /// Remove a live key. Returns whether it existed.
    pub fn delete(&mut self, key: &[u8], now_ms: i64) -> bool {
        self.reclaim_if_expired(key, now_ms);
        self.remove(key).is_some()
    }

    /// The deadline of a live key: `Some(None)` for a key without one.
    pub fn expiry(&mut self, key: &[u8], now_ms: i64) -> Option<Option<i64>> {
        if !self.check_expired(key, now_ms) {
            return None;
        }
        self.map.get(key).map(Entry::deadline)
    }

    /// Set or clear the deadline of an existing key. Returns false if the key does not exist.
    pub fn set_expiry(&mut self, key: &[u8], at: Option<i64>) -> bool {
        let Some((shared_key, entry)) = self.map.get_key_value(key) else {
            return false;
        };
        if !self.watched.is_empty() {
            self.watched.touch(key);
        }
        let (had, index) = (entry.deadline().is_some(), entry.volatile_index);
        let shared_key = shared_key.clone();
        match (had, at) {
            (true, None) => {
                self.volatile_remove(index);
                if let Some(entry) = self.map.get_mut(key) {
                    entry.volatile_index = NO_DEADLINE;
                }
            }
            (false, Some(_)) => {
                let index = self.volatile.len();
                debug_assert!(index < NO_DEADLINE as usize, "more than 2^32 - 1 keys");
                self.volatile.push(shared_key);
                if let Some(entry) = self.map.get_mut(key) {
                    entry.volatile_index = index as u32;
                }
            }
            _ => {}
        }
        if let (Some(entry), Some(at)) = (self.map.get_mut(key), at) {
            entry.expires_at = at;
        }
        true
    }

    fn volatile_remove(&mut self, index: u32) {
        let index = index as usize;
        if index >= self.volatile.len() {
            return;
        }
        self.volatile.swap_remove(index);
        // The key that was last now sits at `index`: tell its entry.
        if let Some(moved) = self.volatile.get(index)
            && let Some(entry) = self.map.get_mut(&**moved)
        {
            entry.volatile_index = index as u32;
        }
    }

    /// SWAPDB: trade keys (and their deadlines, SCAN slots and counts) with `other`. What
    /// belongs to the database's number stays: its blocked clients and watched keys, as
    /// Redis's `dbSwapDatabases` keeps `blocking_keys` and `watched_keys`. Watchers of a key
    /// present on either side are told first, as Redis's `touchAllWatchedKeysInDb`; keys
    /// waited on that now exist are signalled after, as its `scanDatabaseForReadyKeys`.
    pub fn swap_data(&mut self, other: &mut Db, now_ms: i64) {
        self.touch_swapped(other, now_ms);
        other.touch_swapped(self, now_ms);
        std::mem::swap(&mut self.map, &mut other.map);
        std::mem::swap(&mut self.volatile, &mut other.volatile);
        std::mem::swap(&mut self.slots, &mut other.slots);
        std::mem::swap(&mut self.per_type, &mut other.per_type);
        self.signal_existing();
        other.signal_existing();
    }

    /// Before a swap with `incoming`: a watched key already expired here is reclaimed (its
    /// watchers see what an expiry means to them), one expired there likewise; then a watched
    /// key present on either side has changed. That is Redis's `touchAllWatchedKeysInDb`,
    /// flags and all, in the two counters of [`WatchedKeys`].
    fn touch_swapped(&mut self, incoming: &mut Db, now_ms: i64) {
        for key in self.watched.keys() {
            self.reclaim_if_expired(&key, now_ms);
            incoming.reclaim_if_expired(&key, now_ms);
            if self.map.contains_key(&*key) || incoming.map.contains_key(&*key) {
                self.watched.touch(&key);
            }
        }
    }

    /// Signal every key some client waits on that exists now (after a swap).
    fn signal_existing(&mut self) {
        for key in self.blocking.waited_keys() {
            if self.map.contains_key(&*key) {
                self.blocking.signal(&key);
            }
        }
    }

    /// Every key, live or not yet reclaimed (callers filter with [`Db::exists`]).
    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.map.keys().map(|k| &**k)
    }

    /// FLUSHDB / FLUSHALL: every key goes; a watched key that was there is touched (as
    /// expired if its deadline had passed: for a watcher who saw it expired, no change).
    pub fn clear(&mut self, now_ms: i64) {
        for key in self.watched.keys() {
            if self.is_expired(&key, now_ms) {
                self.watched.touch_expired(&key);
            } else if self.map.contains_key(&*key) {
                self.watched.touch(&key);
            }
        }
        self.map.clear();
        self.per_type = [0; 5];
        self.volatile.clear();
        self.slots.clear();
    }

    /// Redis's `expireIfNeeded`: delete `key` if its deadline has passed. True only if the key
    /// was there and has just been deleted; a missing key is not "expired".
    pub fn expire_if_needed(&mut self, key: &[u8], now_ms: i64) -> bool {
        self.map.contains_key(key) && !self.check_expired(key, now_ms)
    }

    /// Every live key, without reclaiming expired ones (KEYS looks but does not delete, as
    /// Redis's `keyIsExpired`).
    pub fn live_keys(&self, now_ms: i64) -> impl Iterator<Item = &[u8]> {
        self.map
            .iter()
            .filter(move |(_, entry)| entry.deadline().is_none_or(|at| at > now_ms))
            .map(|(key, _)| &**key)
    }

    /// One SCAN step: visit slots from `cursor` until `count` keys are collected into `out` or
    /// `max_visits` slots were visited. Keys are collected whether expired or not (the caller
    /// filters, as Redis does after its `dictScan`). Returns the cursor to continue from, or 0
    /// when the iteration is over. Cost: O(slots visited).
    ///
    /// The cursor packs two slot numbers: the next slot to visit (low 32 bits) and the end of
    /// the table when the iteration began (high 32 bits). A key present for the whole iteration
    /// keeps its slot, which lies below that end, and the cursor only moves forward, so that key
    /// is visited exactly once. Stopping at the initial end also means an iteration finishes
    /// even while keys are added faster than it advances (new keys are appended past that end).
    /// Slots beyond 2^32 are not reached, which matches Redis's own ceiling of 2^32 keys.
    pub fn scan(
        &self,
        cursor: u64,
        count: usize,
        max_visits: usize,
        out: &mut Vec<Rc<[u8]>>,
    ) -> u64 {
        const LOW: u64 = u32::MAX as u64;
        let end = self.slots.end().min(u32::MAX as usize);
        let (mut at, limit) = if cursor == 0 {
            (0, end)
        } else {
            ((cursor & LOW) as usize, (cursor >> 32) as usize)
        };
        // The table may have shrunk since (trailing slots freed); it never matters to go less far.
        let limit = limit.min(end);
        let mut visits = 0;
        while at < limit && visits < max_visits && out.len() < count {
            if let Some(key) = self.slots.get(at) {
                out.push(key.clone());
            }
            at += 1;
            visits += 1;
        }
        if at >= limit {
            0
        } else {
            ((limit as u64) << 32) | at as u64
        }
    }

    /// A random live key (RANDOMKEY), or `None` if there is none. Like Redis's `dbRandomKey`,
    /// an expired key it lands on is deleted and another one is drawn.
    ///
    /// Probing random slots is uniform and O(1) expected while the table is dense; if the
    /// probes keep hitting holes the table is walked to a random n-th key instead, O(slots).
    pub fn random_key(&mut self, now_ms: i64) -> Option<Rc<[u8]>> {
        // While frozen nothing is deleted, so the draws are bounded: past 100 expired keys in a
        // row, the last is answered (Redis's replicas do the same).
        let mut tries = 100;
        loop {
            let key = self.random_slot_key()?;
            if self.check_expired(&key, now_ms) {
                return Some(key);
            }
            tries -= 1;
            if self.frozen && tries == 0 {
                return Some(key);
            }
            // It was expired and is now deleted: the loop ends, as every round deletes a key.
        }
    }

    fn random_slot_key(&mut self) -> Option<Rc<[u8]>> {
        let (len, end) = (self.slots.len, self.slots.end());
        if len == 0 {
            return None;
        }
        for _ in 0..RANDOM_PROBES {
            let at = self.random_index(end);
            if let Some(key) = self.slots.get(at) {
                return Some(key.clone());
            }
        }
        let nth = self.random_index(len);
        self.slots.keys.iter().flatten().nth(nth).cloned()
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

/// Every key at a position that never changes while the key exists: SCAN's cursor is a
/// position. A freed position is reused by a later key (the most recently freed first), and free
/// positions at the end are trimmed, so the table is one past the highest occupied position.
/// It does not shrink otherwise: after a mass deletion that leaves keys at high positions it
/// stays sparse (16 bytes a slot) until those keys go or new keys fill the holes, and SCAN
/// then returns some short pages, as Redis's does over empty buckets.
#[derive(Debug, Default)]
struct Slots {
    keys: Vec<Option<Rc<[u8]>>>,
    /// Freed positions. An entry at or past the end, or occupied again, is stale and skipped.
    free: Vec<usize>,
    /// Occupied positions.
    len: usize,
}

impl Slots {
    /// Place `key` and return its position.
    fn insert(&mut self, key: Rc<[u8]>) -> usize {
        self.len += 1;
        while let Some(at) = self.free.pop() {
            if let Some(slot) = self.keys.get_mut(at)
                && slot.is_none()
            {
                *slot = Some(key);
                return at;
            }
        }
        self.keys.push(Some(key));
        self.keys.len() - 1
    }

    fn remove(&mut self, at: usize) {
        if self.keys.get_mut(at).and_then(Option::take).is_none() {
            return;
        }
        self.len -= 1;
        if at + 1 == self.keys.len() {
            // Trim the free tail; each position is trimmed at most once per freeing, so this is
            // O(1) amortised. Free-list entries for trimmed positions become stale.
            while let Some(None) = self.keys.last() {
                self.keys.pop();
            }
            if self.keys.is_empty() {
                self.free.clear();
            }
        } else {
            self.free.push(at);
        }
    }

    fn get(&self, at: usize) -> Option<&Rc<[u8]>> {
        self.keys.get(at).and_then(Option::as_ref)
    }

    /// One past the highest occupied position.
    fn end(&self) -> usize {
        self.keys.len()
    }

    fn clear(&mut self) {
        self.keys.clear();
        self.free.clear();
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use crate::server::keyspace::db::*;

    #[test]
    fn a_bucket_is_64_bytes() {
        assert_eq!(std::mem::size_of::<Value>(), 32);
        assert_eq!(std::mem::size_of::<(Rc<[u8]>, Entry)>(), 64);
    }

    fn scan_all(db: &Db, count: usize) -> Vec<Vec<u8>> {
        let (mut cursor, mut keys) = (0, Vec::new());
        loop {
            let mut page = Vec::new();
            cursor = db.scan(cursor, count, count * 10, &mut page);
            keys.extend(page.iter().map(|k| k.to_vec()));
            if cursor == 0 {
                return keys;
            }
        }
    }

    #[test]
    fn slots_reuse_holes_and_trim_the_end() {
        let mut db = Db::new(1);
        for key in [&b"a"[..], b"b", b"c", b"d"] {
            db.set_str(key, b"v", false, 0);
        }
        db.remove(b"b");
        db.set_str(b"e", b"v", false, 0);
        assert_eq!(
            db.map.get(&b"e"[..]).map(|e| e.slot),
            Some(1),
            "the hole is reused"
        );
        db.remove(b"d");
        db.remove(b"c");
        assert_eq!(db.slots.end(), 2, "free slots at the end are trimmed");
        db.set_str(b"f", b"v", false, 0);
        assert_eq!(db.map.get(&b"f"[..]).map(|e| e.slot), Some(2));
        assert_eq!(
            scan_all(&db, 1),
            [b"a".to_vec(), b"e".to_vec(), b"f".to_vec()]
        );
        db.clear(0);
        assert_eq!(db.scan(0, 10, 100, &mut Vec::new()), 0);
        assert_eq!(db.random_key(0), None);
    }

    #[test]
    fn scan_stops_at_the_end_the_iteration_started_with() {
        let mut db = Db::new(1);
        for i in 0..20 {
            db.set_str(format!("old{i}").as_bytes(), b"v", false, 0);
        }
        let (mut cursor, mut seen) = (0, Vec::new());
        loop {
            let mut page = Vec::new();
            cursor = db.scan(cursor, 2, 20, &mut page);
            seen.extend(page);
            // Growing faster than the scan advances must not keep it going forever.
            for j in 0..5 {
                db.set_str(format!("new{}-{j}", seen.len()).as_bytes(), b"v", false, 0);
            }
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(seen.len(), 20);
        assert!(seen.iter().all(|k| k.starts_with(b"old")));
    }

    #[test]
    fn set_clears_a_deadline_and_lookups_never_see_an_expired_key() {
        let mut db = Db::new(3);
        db.set_str(b"a", b"1", false, 0);
        db.set_str(b"b", b"2", false, 0);
        db.set_expiry(b"a", Some(100));
        db.set_expiry(b"b", Some(50));
        assert_eq!(db.volatile_len(), 2);
        // A plain SET clears the deadline (and its place among the volatile keys)...
        db.set_str(b"a", b"3", false, 10);
        assert_eq!(db.expiry(b"a", 10), Some(None));
        assert_eq!(db.volatile_len(), 1);
        // ...SET KEEPTTL keeps it.
        db.set_str(b"b", b"4", true, 10);
        assert_eq!(db.expiry(b"b", 10), Some(Some(50)));
        assert!(db.get(b"b", 60).is_none(), "b expired at 50");
        assert_eq!((db.expired_keys, db.volatile_len()), (1, 0));
        // No key has a deadline now: lookups take the one-lookup path and still agree.
        assert!(db.exists(b"a", 1_000));
        assert_eq!(db.get(b"a", 1_000).and_then(Value::as_str), Some(&b"3"[..]));
        assert!(db.delete(b"a", 1_000));
        assert!(!db.exists(b"a", 1_000));
    }

    #[test]
    fn random_key_skips_and_reclaims_expired_keys() {
        let mut db = Db::new(7);
        db.set_str(b"dead", b"v", false, 0);
        db.set_expiry(b"dead", Some(10));
        db.set_str(b"live", b"v", false, 0);
        for _ in 0..20 {
            assert_eq!(db.random_key(100).as_deref(), Some(&b"live"[..]));
        }
        assert_eq!(db.len(), 1, "the expired key was deleted when drawn");
        assert_eq!(db.expired_keys, 1);
    }
}
