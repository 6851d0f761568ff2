//! The aggregate value types: lists, hashes and sets, each with a compact encoding for small
//! values and a general one for large values, as Redis has.
//!
//! Redis keeps a small hash as a *listpack* (one contiguous byte array, scanned linearly) and
//! converts it to a hash table once it passes `hash-max-listpack-entries` entries or holds a
//! value longer than `hash-max-listpack-value` bytes; a set of integers is an *intset* (a
//! sorted array) up to `set-max-intset-entries`; a list is always a *quicklist* (a linked list
//! of listpacks) in Redis 7.0. The small encodings trade O(n) operations for memory: at 128
//! entries a linear scan over a few cache lines beats hashing, and one allocation replaces
//! hundreds. `OBJECT ENCODING` reports which one a value is using, and the thresholds are the
//! same CONFIG parameters Redis has ([`Encodings`]).

pub mod hash;
pub mod list;
pub mod set;

pub use hash::Hash;
pub use list::List;
pub use set::Set;

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

/// The encoding thresholds (redis.conf's `*-max-listpack-*` and `set-max-intset-entries`).
/// Read when a value grows; a value already converted stays converted, as in Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encodings {
    /// `list-max-listpack-size`: positive = entries per quicklist node, negative = node size
    /// class (-1 = 4 KiB ... -5 = 64 KiB). Default -2 (8 KiB).
    pub list_max_listpack_size: i64,
    /// `list-compress-depth`: accepted and reported; nodes are never compressed here.
    pub list_compress_depth: i64,
    /// `hash-max-listpack-entries`: 512, Redis 7.0's built-in default (the redis.conf it ships
    /// sets 128; `CONFIG GET` on a redis-server started without a file says 512).
    pub hash_max_listpack_entries: usize,
    /// `hash-max-listpack-value` (64 bytes).
    pub hash_max_listpack_value: usize,
    /// `set-max-intset-entries` (512).
    pub set_max_intset_entries: usize,
    /// `zset-max-listpack-entries` (128): for sorted sets (issue 11).
    pub zset_max_listpack_entries: usize,
    /// `zset-max-listpack-value` (64).
    pub zset_max_listpack_value: usize,
}

impl Default for Encodings {
    fn default() -> Self {
        Encodings {
            list_max_listpack_size: -2,
            list_compress_depth: 0,
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
        }
    }
}
