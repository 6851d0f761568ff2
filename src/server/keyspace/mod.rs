//! The keyspace: where data lives and changes, and nothing else. No request, no reply, no
//! client: commands ([`super::commands`]) act on it; it imports nothing of theirs.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`clock`] | a key's access stamp: the LRU clock or the LFU counter, for eviction |
//! | [`db`] | keys to values, expiry (lazy and active), SCAN, keys per type |
//! | [`inline`] | short keys and strings kept in place: no allocation of their own |
//! | [`table`] | the db's hash table: chained buckets over a dense arena, resized incrementally |
//! | [`databases`] | the numbered databases: the one in hand and the shelf (SELECT) |
//! | [`list`] | a list: a quicklist of packed nodes (`list/nodes.rs`: the node array) |
//! //! | [`pack`] | varints and backlens: the bytes of every packed encoding |
//! | [`hash`] | a hash: listpack, then a dense table |
//! | [`set`] | a set: intset, then the same dense table |
//! | [`zset`] | a sorted set: a sorted array, then ranked chunks and an index |
//! | [`ranked`] | a sorted sequence with O(log n) ranks: sorted chunks under a Fenwick tree |
//! | [`waiters`] | which blocked clients wait on which keys, and the keys ready to serve them |
//! | [`watched`] | which keys clients WATCH, and whether they changed since |
//!
//! The aggregate value types, each with a compact encoding for small values and a general one
//! for large values, as Redis has:
//!
//! Redis keeps a small hash as a *listpack* (one contiguous byte array, scanned linearly) and
//! converts it to a hash table once it passes `hash-max-listpack-entries` entries or holds a
//! value longer than `hash-max-listpack-value` bytes; a set of integers is an *intset* (a
//! sorted array) up to `set-max-intset-entries`; a list is always a *quicklist* (a linked list
//! of listpacks) in Redis 7.0. The small encodings trade O(n) operations for memory: at 128
//! entries a linear scan over a few cache lines beats hashing, and one allocation replaces
//! hundreds. `OBJECT ENCODING` reports which one a value is using, and the thresholds are the
//! same CONFIG parameters Redis has ([`Encodings`]).

pub mod clock;
pub mod databases;
pub mod db;
pub mod hash;
pub mod inline;
pub mod list;
pub mod pack;
pub mod ranked;
pub mod set;
pub mod table;
pub mod waiters;
pub mod watched;
pub mod zset;

pub use hash::Hash;
pub use list::List;
pub use set::Set;
pub use zset::ZSet;

/// `MEMORY USAGE`'s element estimate, as Redis's `objectComputeSize`: the sizes of the first
/// `samples` of `len` elements, averaged and scaled to all of them (exact when every element
/// is sampled).
pub fn sampled_bytes(len: usize, samples: usize, sizes: impl Iterator<Item = usize>) -> usize {
    let (mut seen, mut bytes) = (0usize, 0usize);
    for size in sizes.take(samples) {
        seen += 1;
        bytes += size;
    }
    bytes.checked_div(seen).unwrap_or(0) * len
}

pub use crate::config::Encodings;
