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
//! Random sampling needs O(1) "pick a random key with a deadline", which a hash table cannot
//! do, so keys with a deadline are also kept in a vector (`volatile`) by their node's number
//! in the table, each entry remembering its position there for O(1) swap-removal. The table
//! renumbers a node when it fills a removed node's place, and `Db::forget` moves its number
//! in `volatile` along with it.
//!
//! The keys themselves live in [`Table`] ([`super::table`]): a hash table that grows and shrinks
//! a bucket at a time (no command waits for the whole keyspace to be rehashed), whose bucket
//! order gives `SCAN` Redis's cursor, and whose dense node numbering gives `RANDOMKEY` a
//! uniform pick in O(1).
//!
//! Chapter on the table: [docs/24-every-byte-of-a-key.md](../../../docs/24-every-byte-of-a-key.md).

use std::time::{Duration, Instant};

use crate::server::keyspace::clock::{self, Clock};
#[cfg(test)]
use crate::server::keyspace::inline::INLINE_KEY;
use crate::server::keyspace::inline::{Inline, Key};
use crate::server::keyspace::table::{Chained, Link, Node, Removed, Table};
use crate::server::keyspace::waiters::Blocking;
use crate::server::keyspace::watched::WatchedKeys;
use crate::server::keyspace::{Hash, List, Set, ZSet};

/// Keys sampled per round of the active cycle (Redis: `ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP`).
const SAMPLE: usize = 20;
/// Repeat a round while more than this share of the sample was expired (10%, as Redis 7's
/// `ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE`): above that, many more expired keys are likely waiting.
const REPEAT_IF_EXPIRED_OVER: usize = SAMPLE / 10;

/// A stored value: a string or one of the aggregate types of [`crate::server::keyspace`].
/// 32 bytes: a string of up to [`SMALL_STRING`] bytes is kept in them ([`Value::Small`]).
#[derive(Debug, Clone)]
pub enum Value {
    /// A string on the heap: longer than [`SMALL_STRING`], or one that commands change in
    /// place (APPEND, SETRANGE, SETBIT: as Redis turns an `embstr` into a `raw` string).
    Str(Vec<u8>),
    /// A short string, in the value itself: no allocation.
    Small(Inline<SMALL_STRING>),
    List(List),
    Hash(Hash),
    Set(Set),
    ZSet(ZSet),
}

/// The longest string kept in the value itself: what fits in the 32 bytes a [`List`] takes
/// anyway, beside the bytes whose spare values tell the variants apart (one more byte and
/// `Value` grows to 40: `a_node_is_64_bytes` checks).
pub const SMALL_STRING: usize = 22;

impl Value {
    /// A string value: in place if short, on the heap otherwise.
    pub fn string(bytes: &[u8]) -> Value {
        match Inline::new(bytes) {
            Some(small) => Value::Small(small),
            None => Value::Str(bytes.to_vec()),
        }
    }

    /// The name `TYPE` reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) | Value::Small(_) => "string",
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
            Value::Str(_) | Value::Small(_) => 0,
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
            Value::Small(bytes) => string_encoding(bytes),
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
                Value::Small(_) => 0,
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
            Value::Small(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// Make this value the string `bytes`: in place if short; over a long string's allocation
    /// if long and it is one (no allocation then); whatever it held before goes.
    pub fn set_string(&mut self, bytes: &[u8]) {
        match self {
            Value::Small(small) if bytes.len() <= SMALL_STRING => small.set(bytes),
            Value::Str(v) if bytes.len() > SMALL_STRING => {
                v.clear();
                v.extend_from_slice(bytes);
            }
            other => *other = Value::string(bytes),
        }
    }

    /// The bytes of a string value, to modify in place (a short string moves to the heap
    /// first); `None` for any other type.
    pub fn as_str_mut(&mut self) -> Option<&mut Vec<u8>> {
        if let Value::Small(small) = self {
            *self = Value::Str(small.to_vec());
        }
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
/// (`commands::keys::read_as` and `write_as`): `[u8]` (a string's bytes), [`List`], [`Hash`],
/// [`Set`] or [`ZSet`].
pub trait Typed {
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

impl Typed for [u8] {
    fn of(value: &Value) -> Option<&Self> {
        value.as_str()
    }
    fn of_mut(value: &mut Value) -> Option<&mut Self> {
        match value {
            Value::Str(bytes) => Some(bytes),
            Value::Small(bytes) => Some(bytes.as_bytes_mut()),
            _ => None,
        }
    }
}

typed!(List, List);
typed!(Hash, Hash);
typed!(Set, Set);
typed!(ZSet, ZSet);

/// Redis's string encodings: `int` for a canonical 64-bit integer, `embstr` up to 44 bytes
/// (the object header and the bytes in one allocation), `raw` beyond. Ours are in place up to
/// 30 bytes and a `Vec<u8>` beyond; the name says what Redis would use, which is what clients
/// and tests ask about.
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

/// One key's entry: 40 bytes, so a node with its key is 64. Every key pays this whatever it
/// holds, which makes it most of a small value's cost: the value (a short string in it), the
/// key's place among those with a deadline (the deadline itself is kept there, so that a key
/// without one pays nothing for it), and the link to the next node of its bucket. Both numbers
/// are 32-bit, which caps the keyspace at 2^32 - 2 keys (some 300 GB of keys).
#[derive(Debug)]
struct Entry {
    value: Value,
    /// Index in `Db::volatile`, or [`NO_DEADLINE`].
    volatile_index: u32,
    /// The next node in this key's bucket.
    link: Link,
}

impl Chained for Entry {
    fn link(&self) -> Link {
        self.link
    }

    fn set_link(&mut self, link: Link) {
        self.link = link;
    }
}

/// `Entry::volatile_index` of a key without a deadline.
const NO_DEADLINE: u32 = u32::MAX;

impl Entry {
    fn new(value: Value) -> Entry {
        Entry {
            value,
            volatile_index: NO_DEADLINE,
            link: None,
        }
    }

    fn is_volatile(&self) -> bool {
        self.volatile_index != NO_DEADLINE
    }
}

/// The keys that have a deadline: each one's node number and deadline, side by side, for the
/// expiry cycle's random sampling (12 bytes a key). A key's `Entry::volatile_index` is its
/// place here.
#[derive(Debug, Default)]
struct Volatile {
    nodes: Vec<u32>,
    deadlines: Vec<i64>,
}

impl Volatile {
    fn len(&self) -> usize {
        self.nodes.len()
    }

    fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The deadline of `entry`, if it has one: Unix time in milliseconds.
    fn of(&self, entry: &Entry) -> Option<i64> {
        if entry.is_volatile() {
            self.deadlines.get(entry.volatile_index as usize).copied()
        } else {
            None
        }
    }

    /// Add node `node` with its deadline; returns its place.
    fn push(&mut self, node: usize, at: i64) -> u32 {
        debug_assert!(
            self.nodes.len() < NO_DEADLINE as usize,
            "2^32 - 1 deadlines"
        );
        self.nodes.push(node as u32);
        self.deadlines.push(at);
        (self.nodes.len() - 1) as u32
    }

    fn set(&mut self, index: u32, at: i64) {
        if let Some(deadline) = self.deadlines.get_mut(index as usize) {
            *deadline = at;
        }
    }

    /// Remove place `index`; the last place moves into it: returns the node now there.
    fn swap_remove(&mut self, index: u32) -> Option<u32> {
        let index = index as usize;
        if index >= self.nodes.len() {
            return None;
        }
        self.nodes.swap_remove(index);
        self.deadlines.swap_remove(index);
        self.nodes.get(index).copied()
    }

    fn clear(&mut self) {
        self.nodes.clear();
        self.deadlines.clear();
    }
}

/// One database: its keys, and what belongs to its number (the waiters of blocked clients,
/// the watched keys). There are `databases` of them ([`super::databases`]).
#[derive(Debug, Default)]
pub struct Db {
    table: Table<Entry>,
    /// Every key that has a deadline (its node's number) and the deadline, for sampling.
    volatile: Volatile,
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
    /// How each key's access stamp is kept (LRU or LFU: `maxmemory-policy`), set from the
    /// configuration.
    pub clock: Clock,
    /// The time of the commands running (Unix ms), set once per batch of them
    /// ([`Db::set_now`]), and the LRU clock then: what an access or a new key is stamped with.
    now_ms: i64,
    lru_now: u32,
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
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Keys per type, including expired keys not yet reclaimed (as [`Db::len`]).
    pub fn keys_per_type(&self) -> impl Iterator<Item = (&'static str, usize)> + '_ {
        Value::TYPES.into_iter().zip(self.per_type)
    }

    /// Number of keys with a deadline.
    pub fn volatile_len(&self) -> usize {
        self.volatile.len()
    }

    /// True while the table is moving its keys to a resized bucket array.
    pub fn is_rehashing(&self) -> bool {
        self.table.is_rehashing()
    }

    /// Move keys to the resized bucket array for about `budget` (the timer's share of the
    /// work; each write does a step too). Returns whether there is more to move.
    pub fn rehash_for(&mut self, budget: Duration) -> bool {
        self.table.rehash_for(budget)
    }

    /// Delete `key` if its deadline has passed. Returns whether the key (still) exists.
    fn check_expired(&mut self, key: &[u8], now_ms: i64) -> bool {
        match self.table.find(key) {
            Some(index) => self.check_expired_at(index, now_ms),
            None => false,
        }
    }

    /// Delete node `index` if its deadline has passed. Returns whether its key (still) exists.
    fn check_expired_at(&mut self, index: usize, now_ms: i64) -> bool {
        match self.volatile.of(&self.table.node(index).value) {
            Some(at) if at <= now_ms => {
                if !self.frozen
                    && let Some((key, _)) = self.take_at(index)
                {
                    self.expired_keys += 1;
                    if !self.watched.is_empty() {
                        self.watched.touch_expired(&key);
                    }
                }
                false
            }
            _ => true,
        }
    }

    /// The node of a live key: one lookup, its deadline checked if any key has one (an
    /// expired key is deleted then, or hidden while frozen).
    fn live(&mut self, key: &[u8], now_ms: i64) -> Option<usize> {
        let index = self.table.find(key)?;
        if self.volatile.is_empty() || self.check_expired_at(index, now_ms) {
            // (A key that has not expired kept its node's number.)
            Some(index)
        } else {
            None
        }
    }

    /// Delete `key` first if its deadline has passed, so that the lookup that follows sees only
    /// live keys. While no key has a deadline none can have expired, and this costs nothing.
    #[inline]
    fn reclaim_if_expired(&mut self, key: &[u8], now_ms: i64) {
        if !self.volatile.is_empty() {
            self.check_expired(key, now_ms);
        }
    }

    /// The value of a live key, its access recorded (Redis's `lookupKey`: the LRU clock or
    /// the LFU counter, see [`super::clock`]).
    #[inline]
    pub fn get(&mut self, key: &[u8], now_ms: i64) -> Option<&Value> {
        let index = if self.volatile.is_empty() {
            self.table.find(key)?
        } else {
            self.live(key, now_ms)?
        };
        Some(&self.accessed(index, now_ms).value)
    }

    /// The value of a live key, its access not recorded: OBJECT, TYPE and EXISTS look without
    /// touching (Redis's `LOOKUP_NOTOUCH`).
    pub fn get_untouched(&mut self, key: &[u8], now_ms: i64) -> Option<&Value> {
        let index = self.live(key, now_ms)?;
        Some(&self.table.node(index).value.value)
    }

    /// The time from now on, for stamps (once per batch of commands: see the server's `data`).
    #[inline]
    pub fn set_now(&mut self, now_ms: i64) {
        self.now_ms = now_ms;
        self.lru_now = clock::lru_clock(now_ms);
    }

    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    /// Record an access to node `index` in its stamp; its entry. (LRU, the default: one store
    /// of the clock read once per batch; LFU's counting is kept out of line.)
    #[inline(always)]
    fn accessed(&mut self, index: usize, now_ms: i64) -> &mut Entry {
        if self.clock != Clock::Lru {
            return self.accessed_lfu(index, now_ms);
        }
        let lru_now = self.lru_now;
        let (node, stamp) = self.table.node_and_stamp(index);
        *stamp = lru_now;
        &mut node.value
    }

    #[cold]
    #[inline(never)]
    fn accessed_lfu(&mut self, index: usize, now_ms: i64) -> &mut Entry {
        let random = (self.next_random() >> 11) as f64 / (1u64 << 53) as f64;
        let clock = self.clock;
        let (node, stamp) = self.table.node_and_stamp(index);
        *stamp = clock.touched(*stamp, now_ms, random);
        &mut node.value
    }

    /// The access stamp of a live key, untouched (OBJECT IDLETIME and FREQ read it).
    pub fn stamp(&mut self, key: &[u8], now_ms: i64) -> Option<u32> {
        let index = self.live(key, now_ms)?;
        Some(self.table.stamp(index))
    }

    /// The value of a live key, mutably (its deadline is kept): a write command is about to
    /// change it, so its watchers are told.
    pub fn get_mut(&mut self, key: &[u8], now_ms: i64) -> Option<&mut Value> {
        let index = self.live(key, now_ms)?;
        if !self.watched.is_empty() {
            self.watched.touch(key);
        }
        Some(&mut self.accessed(index, now_ms).value)
    }

    /// The value of a live key, mutably, telling no watcher yet: for a write that may change
    /// nothing (SADD of members already there, SREM of absent ones), which then calls
    /// [`Db::changed`] if it did, as Redis signals only a real change.
    pub fn get_mut_quiet(&mut self, key: &[u8], now_ms: i64) -> Option<&mut Value> {
        let index = self.live(key, now_ms)?;
        Some(&mut self.accessed(index, now_ms).value)
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
        let entry = self.table.get(key)?;
        match self.volatile.of(entry) {
            Some(at) if at <= now_ms => None,
            _ => Some(&entry.value),
        }
    }

    /// Whether `key` is there but past its deadline (Redis's `keyIsExpired`), deleting
    /// nothing: WATCH notes it, EXEC fails on a watched key that has expired since.
    pub fn is_expired(&self, key: &[u8], now_ms: i64) -> bool {
        self.table
            .get(key)
            .and_then(|entry| self.volatile.of(entry))
            .is_some_and(|at| at <= now_ms)
    }

    /// `MEMORY USAGE`: the bytes behind a live key (see [`crate::server::commands::admin`]'s
    /// `memory` module): its node (key and entry), its share of a bucket, the key's bytes if
    /// they are not inline, its deadline if it has one, and the value with `samples` of its
    /// elements measured.
    pub fn memory_usage(&mut self, key: &[u8], samples: usize, now_ms: i64) -> Option<usize> {
        let index = self.live(key, now_ms)?;
        let node = self.table.node(index);
        let fixed = std::mem::size_of::<Node<Entry>>() + std::mem::size_of::<Link>();
        let deadline = if node.value.is_volatile() {
            std::mem::size_of::<u32>() + std::mem::size_of::<i64>()
        } else {
            0
        };
        let value = &node.value.value;
        let value_extra = value.memory_usage(samples) - std::mem::size_of::<Value>();
        Some(fixed + node.key.heap_size() + deadline + value_extra)
    }

    /// What the keyspace's own structures take (MEMORY STATS's `overhead.hashtable.*`): the
    /// table (nodes, their stamps, the bucket arrays) and the deadlines.
    pub fn overhead(&self) -> (usize, usize) {
        let (small, large) = self.table.buckets();
        let per_key = std::mem::size_of::<Node<Entry>>() + std::mem::size_of::<u32>();
        let main = self.table.len() * per_key + (small + large) * std::mem::size_of::<Link>();
        let expires =
            self.volatile.len() * (std::mem::size_of::<u32>() + std::mem::size_of::<i64>());
        (main, expires)
    }

    /// The string at `key` to edit in place (SETRANGE, SETBIT), created empty if missing and
    /// moved to the heap if short; `None` if the key holds another type. As Redis's
    /// `lookupStringForBitCommand` and `dbUnshareStringValue`.
    pub fn string_mut(&mut self, key: &[u8], now_ms: i64) -> Option<&mut Vec<u8>> {
        if self.get(key, now_ms).is_none() {
            self.insert(key, Value::Str(Vec::new()));
        }
        self.get_mut(key, now_ms)?.as_str_mut()
    }

    pub fn exists(&mut self, key: &[u8], now_ms: i64) -> bool {
        self.live(key, now_ms).is_some()
    }

    /// Store a string: in place if short, else reusing the existing allocation when the key
    /// already holds a long one (so a `SET` on an existing key allocates nothing, and a short
    /// one never does). `keep_ttl` keeps the deadline; otherwise it is cleared. One lookup when
    /// the key exists and no key has a deadline.
    pub fn set_str(&mut self, key: &[u8], bytes: &[u8], keep_ttl: bool, now_ms: i64) {
        self.reclaim_if_expired(key, now_ms);
        self.touch(key);
        if let Some(index) = self.table.find(key) {
            let entry = self.accessed(index, now_ms);
            let was = entry.value.type_index();
            entry.value.set_string(bytes);
            let dropped = (!keep_ttl && entry.is_volatile())
                .then(|| std::mem::replace(&mut entry.volatile_index, NO_DEADLINE));
            self.per_type[was] -= 1;
            self.per_type[0] += 1;
            if let Some(place) = dropped {
                self.volatile_remove(place);
            }
            return;
        }
        self.add(key, Value::string(bytes));
    }

    /// Store `value` under `key`, replacing any value and deadline.
    pub fn insert(&mut self, key: &[u8], value: Value) {
        self.remove(key);
        self.add(key, value);
    }

    /// Add a key that is not in the table.
    fn add(&mut self, key: &[u8], value: Value) {
        self.blocking.signal(key);
        self.touch(key);
        self.per_type[value.type_index()] += 1;
        debug_assert!(self.table.len() < NO_DEADLINE as usize - 1, "2^32 - 2 keys");
        let index = self.table.insert(key, Entry::new(value));
        let stamp = match self.clock {
            Clock::Lru => self.lru_now,
            lfu => lfu.new_stamp(self.now_ms),
        };
        self.table.set_stamp(index, stamp);
    }

    /// Remove a key (live or not). Returns its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        let value = self.take(key)?;
        self.touch(key);
        Some(value)
    }

    /// Remove a key, telling no watcher (the caller does: a write or an expiry).
    fn take(&mut self, key: &[u8]) -> Option<Value> {
        let removed = self.table.remove(key)?;
        Some(self.forget(removed).1)
    }

    /// Remove node `index`, telling no watcher.
    fn take_at(&mut self, index: usize) -> Option<(Key, Value)> {
        let removed = self.table.remove_at(index)?;
        Some(self.forget(removed))
    }

    /// What a removal leaves to fix: the counts, the key's place among the volatile ones,
    /// and that of the node that took the removed node's number.
    fn forget(&mut self, removed: Removed<Entry>) -> (Key, Value) {
        let Removed { key, value, moved } = removed;
        self.per_type[value.value.type_index()] -= 1;
        if let Some(moved) = moved {
            let at = self.table.node(moved).value.volatile_index;
            if let Some(slot) = self.volatile.nodes.get_mut(at as usize) {
                *slot = moved as u32;
            }
        }
        if value.volatile_index != NO_DEADLINE {
            self.volatile_remove(value.volatile_index);
        }
        (key, value.value)
    }

    /// Remove a live key. Returns whether it existed.
    pub fn delete(&mut self, key: &[u8], now_ms: i64) -> bool {
        self.reclaim_if_expired(key, now_ms);
        self.remove(key).is_some()
    }

    /// The deadline of a live key: `Some(None)` for a key without one.
    pub fn expiry(&mut self, key: &[u8], now_ms: i64) -> Option<Option<i64>> {
        let index = self.table.find(key)?;
        if !self.check_expired_at(index, now_ms) {
            return None;
        }
        Some(self.volatile.of(&self.table.node(index).value))
    }

    /// Set or clear the deadline of an existing key. Returns false if the key does not exist.
    pub fn set_expiry(&mut self, key: &[u8], at: Option<i64>) -> bool {
        let Some(index) = self.table.find(key) else {
            return false;
        };
        self.touch(key);
        let entry = &mut self.table.node_mut(index).value;
        match (entry.volatile_index, at) {
            (NO_DEADLINE, None) => {}
            (NO_DEADLINE, Some(at)) => entry.volatile_index = self.volatile.push(index, at),
            (was, None) => {
                entry.volatile_index = NO_DEADLINE;
                self.volatile_remove(was);
            }
            (was, Some(at)) => self.volatile.set(was, at),
        }
        true
    }

    /// Forget place `index` among the keys with a deadline; the key that moves into that
    /// place is told its new one.
    fn volatile_remove(&mut self, index: u32) {
        if let Some(moved) = self.volatile.swap_remove(index) {
            self.table.node_mut(moved as usize).value.volatile_index = index;
        }
    }

    /// SWAPDB: trade keys (and their deadlines and counts) with `other`. What belongs to the
    /// database's number stays: its blocked clients and watched keys, as Redis's
    /// `dbSwapDatabases` keeps `blocking_keys` and `watched_keys`. Watchers of a key present
    /// on either side are told first, as Redis's `touchAllWatchedKeysInDb`; keys waited on
    /// that now exist are signalled after, as its `scanDatabaseForReadyKeys`.
    pub fn swap_data(&mut self, other: &mut Db, now_ms: i64) {
        self.touch_swapped(other, now_ms);
        other.touch_swapped(self, now_ms);
        std::mem::swap(&mut self.table, &mut other.table);
        std::mem::swap(&mut self.volatile, &mut other.volatile);
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
            if self.table.find(&key).is_some() || incoming.table.find(&key).is_some() {
                self.watched.touch(&key);
            }
        }
    }

    /// Signal every key some client waits on that exists now (after a swap).
    fn signal_existing(&mut self) {
        for key in self.blocking.waited_keys() {
            if self.table.find(&key).is_some() {
                self.blocking.signal(&key);
            }
        }
    }

    /// Every key, live or not yet reclaimed (callers filter with [`Db::exists`]).
    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.table.iter().map(|node| &*node.key)
    }

    /// FLUSHDB / FLUSHALL: every key goes; a watched key that was there is touched (as
    /// expired if its deadline had passed: for a watcher who saw it expired, no change).
    pub fn clear(&mut self, now_ms: i64) {
        for key in self.watched.keys() {
            if self.is_expired(&key, now_ms) {
                self.watched.touch_expired(&key);
            } else if self.table.find(&key).is_some() {
                self.watched.touch(&key);
            }
        }
        self.table.clear();
        self.per_type = [0; 5];
        self.volatile.clear();
    }

    /// Redis's `expireIfNeeded`: delete `key` if its deadline has passed. True only if the key
    /// was there and has just been deleted; a missing key is not "expired".
    pub fn expire_if_needed(&mut self, key: &[u8], now_ms: i64) -> bool {
        self.table
            .find(key)
            .is_some_and(|index| !self.check_expired_at(index, now_ms))
    }

    /// Every live key, without reclaiming expired ones (KEYS looks but does not delete, as
    /// Redis's `keyIsExpired`).
    pub fn live_keys(&self, now_ms: i64) -> impl Iterator<Item = &[u8]> {
        self.table
            .iter()
            .filter(move |node| self.volatile.of(&node.value).is_none_or(|at| at > now_ms))
            .map(|node| &*node.key)
    }

    /// One SCAN call: buckets from `cursor` ([`Table::scan`]) until `count` keys are collected
    /// into `out` or `max_visits` buckets were visited after the first, as Redis's
    /// `scanGenericCommand` loops over `dictScan`. Keys are collected whether expired or not
    /// (the caller filters, as Redis does). Returns the cursor to continue from, or 0 when the
    /// iteration is over.
    pub fn scan(
        &self,
        cursor: u64,
        count: usize,
        max_visits: usize,
        out: &mut Vec<Box<[u8]>>,
    ) -> u64 {
        let mut cursor = cursor;
        let mut visits = max_visits;
        loop {
            cursor = self
                .table
                .scan(cursor, |node| out.push(Box::from(&*node.key)));
            if cursor == 0 || visits == 0 || out.len() >= count {
                return cursor;
            }
            visits -= 1;
        }
    }

    /// A random live key (RANDOMKEY), or `None` if there is none. Like Redis's `dbRandomKey`,
    /// an expired key it lands on is deleted and another one is drawn. The table's nodes are
    /// numbered densely, so a uniform pick is one random number.
    pub fn random_key(&mut self, now_ms: i64) -> Option<Box<[u8]>> {
        // While frozen nothing is deleted, so the draws are bounded: past 100 expired keys in a
        // row, the last is answered (Redis's replicas do the same).
        let mut tries = 100;
        loop {
            if self.table.is_empty() {
                return None;
            }
            let index = self.random_index(self.table.len());
            let key = Box::from(&*self.table.node(index).key);
            if self.check_expired_at(index, now_ms) {
                return Some(key);
            }
            tries -= 1;
            if self.frozen && tries == 0 {
                return Some(key);
            }
            // It was expired and is now deleted: the loop ends, as every round deletes a key.
        }
    }

    /// Eviction's sample (Redis's `dictGetSomeKeys`): up to `count` keys drawn at random, of
    /// every key or (`volatile`) of those with a deadline, each given to `visit` with its
    /// access stamp and deadline. Returns how many keys there were to draw from.
    pub fn sample(
        &mut self,
        volatile: bool,
        count: usize,
        mut visit: impl FnMut(&[u8], u32, Option<i64>),
    ) -> usize {
        let of = if volatile {
            self.volatile.len()
        } else {
            self.table.len()
        };
        for _ in 0..count.min(of) {
            let pick = self.random_index(of);
            let index = if volatile {
                self.volatile
                    .nodes
                    .get(pick)
                    .map_or(0, |&node| node as usize)
            } else {
                pick
            };
            let node = self.table.node(index);
            visit(
                &node.key,
                self.table.stamp(index),
                self.volatile.of(&node.value),
            );
        }
        of
    }

    /// A random key of every key or (`volatile`) of those with a deadline, expired or not
    /// (the random eviction policies).
    pub fn random_of(&mut self, volatile: bool) -> Option<Vec<u8>> {
        let mut key = None;
        self.sample(volatile, 1, |k, _, _| key = Some(k.to_vec()));
        key
    }

    /// Whether `key` is here (and, with `volatile`, has a deadline), expired or not: whether an
    /// eviction candidate is still there.
    pub fn holds(&self, key: &[u8], volatile: bool) -> bool {
        self.table
            .get(key)
            .is_some_and(|entry| !volatile || entry.is_volatile())
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
                let Some(&node) = self.volatile.nodes.get(index) else {
                    break;
                };
                if !self.check_expired_at(node as usize, now_ms) {
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

#[cfg(test)]
mod tests {
    use crate::server::keyspace::db::*;

    #[test]
    fn a_node_is_64_bytes() {
        assert_eq!(std::mem::size_of::<Value>(), 32);
        assert_eq!(std::mem::size_of::<Entry>(), 40);
        assert_eq!(std::mem::size_of::<Node<Entry>>(), 64);
    }

    fn scan_all(db: &Db, count: usize) -> Vec<Vec<u8>> {
        let (mut cursor, mut keys) = (0, Vec::new());
        loop {
            let mut page = Vec::new();
            cursor = db.scan(cursor, count, count * 10, &mut page);
            keys.extend(page.iter().map(|k| k.to_vec()));
            if cursor == 0 {
                keys.sort();
                return keys;
            }
        }
    }

    /// A removal renumbers the table's last node; its deadline's slot in `volatile` must
    /// follow it, and the slot's key back.
    ///
    /// Break checked: not updating the moved node's `volatile` slot (in `Db::forget`) fails it.
    #[test]
    fn deadlines_follow_their_keys_as_nodes_are_renumbered() {
        let mut db = Db::new(1);
        for i in 0..200 {
            let key = format!("k{i}");
            db.set_str(key.as_bytes(), b"v", false, 0);
            if i % 3 == 0 {
                db.set_expiry(key.as_bytes(), Some(1_000 + i));
            }
        }
        // Removing keys moves the last node into each hole, volatile or not.
        for i in (0..200).step_by(4) {
            assert!(db.delete(format!("k{i}").as_bytes(), 0));
        }
        for i in 0..200 {
            let want = match (i % 4, i % 3) {
                (0, _) => None,
                (_, 0) => Some(Some(1_000 + i)),
                _ => Some(None),
            };
            assert_eq!(db.expiry(format!("k{i}").as_bytes(), 0), want, "k{i}");
        }
        for (slot, &node) in db.volatile.nodes.iter().enumerate() {
            assert_eq!(
                db.table.node(node as usize).value.volatile_index as usize,
                slot
            );
        }
        // Every volatile key expires through the sampling cycle.
        while db.volatile_len() > 0 {
            db.active_expire_cycle(10_000, Duration::from_secs(1));
        }
        assert_eq!(db.len(), 100);
        assert_eq!(scan_all(&db, 7).len(), 100);
        db.clear(0);
        assert_eq!(db.scan(0, 10, 100, &mut Vec::new()), 0);
        assert_eq!(db.random_key(0), None);
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

    /// A short string lives in its value, a short key in its node: neither allocates. A long
    /// one goes to the heap, and a command that edits a string in place moves it there too
    /// (as Redis turns an `embstr` into a `raw` string); writing a short string over a long
    /// one brings it back.
    ///
    /// Break checked: `Value::string` always building `Value::Str` fails it.
    #[test]
    fn short_strings_and_keys_are_kept_in_place() {
        let mut db = Db::new(1);
        db.set_str(b"key:1", b"v000000001", false, 0);
        let node = db.table.node(db.table.find(b"key:1").expect("there"));
        assert!(matches!(node.key, Key::Inline(_)));
        assert!(matches!(node.value.value, Value::Small(_)));
        let long = [b'x'; SMALL_STRING + 1];
        db.set_str(b"key:1", &long, false, 0);
        assert!(matches!(db.get(b"key:1", 0), Some(Value::Str(_))));
        db.set_str(b"key:1", b"1", false, 0);
        assert!(matches!(db.get(b"key:1", 0), Some(Value::Small(_))));
        let value = db.get_mut(b"key:1", 0).expect("there");
        value.as_str_mut().expect("a string").push(b'0');
        assert!(matches!(db.get(b"key:1", 0), Some(Value::Str(_))));
        assert_eq!(
            db.get(b"key:1", 0).and_then(Value::as_str),
            Some(&b"10"[..])
        );
        let value = db.get_mut(b"key:1", 0).expect("there");
        value.set_string(b"11");
        assert!(matches!(db.get(b"key:1", 0), Some(Value::Small(_))));
        db.set_str(b"key:1", b"12345", false, 0);
        assert_eq!(
            db.get(b"key:1", 0).and_then(Value::as_str),
            Some(&b"12345"[..])
        );
        db.set_str(b"key:1", b"6", false, 0);
        assert_eq!(db.get(b"key:1", 0).and_then(Value::as_str), Some(&b"6"[..]));
        let long_key = [b'k'; INLINE_KEY + 1];
        db.set_str(&long_key, b"v", false, 0);
        let node = db.table.node(db.table.find(&long_key).expect("there"));
        assert!(matches!(node.key, Key::Boxed(_)));
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
