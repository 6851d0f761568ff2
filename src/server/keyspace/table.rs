//! The keyspace's hash table: chained buckets over a dense arena of nodes, resized a few
//! buckets at a time, as Redis's `dict`.
//!
//! Chapter: [docs/24-every-byte-of-a-key.md](../../../docs/24-every-byte-of-a-key.md).
//!
//! A hash table that grows by rebuilding itself in one go (as `std`'s `HashMap` does) stops
//! the world when it doubles: 4 million keys are rehashed and moved while every client waits,
//! a second or more. Redis's answer, kept here: while the table grows (or shrinks) there are
//! two bucket arrays, the old and the new. New keys go to the new one; every insert and
//! removal first moves one old bucket's chain across (visiting at most ten empty buckets),
//! and the server's timer moves more, a millisecond at a time, while the loop is idle. A
//! lookup checks both arrays. The cost of the doubling is spread over the next million
//! commands instead of landing on one.
//!
//! That needs buckets whose contents can be moved one at a time, so the buckets are chains.
//! A chain link is not a pointer but a node's number: the nodes live in an arena of
//! fixed-size chunks, each of which is allocated once and never moved, so the arena grows
//! without copying either. The arena is dense: removing a node moves the last node into its
//! place (and re-points the one link that named it), so node numbers `0..len` are exactly the
//! keys. That gives RANDOMKEY a uniform pick in O(1), and memory back to the allocator as the
//! arena's trailing chunks empty. A link is 4 bytes (`Option<NonZeroU32>`, a node's number
//! plus one), so a bucket is 4 bytes and an empty bucket array is zeroed memory, which the
//! allocator hands out without touching it.
//!
//! SCAN's cursor is Redis's: the bucket index with its bits reversed, incremented from the
//! top. A key present for the whole iteration is returned at least once however the table
//! is resized in between, because the buckets of a smaller table are the same as groups of
//! buckets of the larger one, in the same reversed order (Redis's `dictScan` explains it at
//! length; [`Table::scan`] is the same walk). Keys may be returned twice, as Redis allows.
//!
//! Redis counterpart: `dict.c` (`dictRehash`, `_dictExpandIfNeeded`, `dictScan`,
//! `dictGetRandomKey`), `server.c` (`htNeedsResize`, `incrementallyRehash`).

use std::hash::{BuildHasher, DefaultHasher, Hasher, RandomState};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use super::inline::Key;

/// A chain link: a node's number plus one, so that "no node" is zero.
pub type Link = Option<NonZeroU32>;

/// The link to node `index`. The table holds at most `u32::MAX - 1` nodes, which the caller
/// of [`Table::insert`] keeps to (some 300 GB of keys).
fn link_to(index: usize) -> Link {
    u32::try_from(index + 1).ok().and_then(NonZeroU32::new)
}

/// The node a link names.
fn index_of(link: NonZeroU32) -> usize {
    link.get() as usize - 1
}

/// A value that carries its own chain link. The link lives in the value (not beside it) so
/// that it can sit in the value's padding: the keyspace's entry is 48 bytes with it, a node
/// 64 with its key.
pub trait Chained {
    fn link(&self) -> Link;
    fn set_link(&mut self, link: Link);
}

/// One key and its value.
#[derive(Debug)]
pub struct Node<T> {
    pub key: Key,
    pub value: T,
}

/// A chunk of the arena: up to [`CHUNK`] nodes, and beside them one 32-bit *stamp* per node
/// for the owner's use (the keyspace keeps each key's access clock there, for eviction and
/// OBJECT IDLETIME/FREQ: 4 bytes a key that do not fit in a 64-byte node). A stamp moves with
/// its node when the node is renumbered.
#[derive(Debug)]
struct Chunk<T> {
    nodes: Vec<Node<T>>,
    /// A fixed-size array: indexed by a masked number, it needs no bounds check.
    stamps: Box<[u32; CHUNK]>,
}

impl<T> Chunk<T> {
    fn new() -> Self {
        Chunk {
            nodes: Vec::with_capacity(CHUNK),
            stamps: Box::new([0; CHUNK]),
        }
    }
}

/// Nodes per arena chunk (64 KiB of 64-byte nodes).
const CHUNK_BITS: u32 = 10;
const CHUNK: usize = 1 << CHUNK_BITS;
/// The first bucket array's size (Redis: `DICT_HT_INITIAL_SIZE`).
const INITIAL: usize = 4;
/// Below this fill, in percent, the table shrinks (Redis: `HASHTABLE_MIN_FILL`).
const MIN_FILL_PERCENT: usize = 10;
/// Empty buckets a rehash step may visit per bucket it moves (Redis's `empty_visits`).
const EMPTY_VISITS: usize = 10;
/// Buckets moved between looks at the clock in [`Table::rehash_for`] (Redis: 100).
const TIMED_STEP: usize = 100;

/// A removed node, and which node (if any) moved into its number.
#[derive(Debug)]
pub struct Removed<T> {
    pub key: Key,
    pub value: T,
    /// The node that was last now has the removed node's number: this one.
    pub moved: Option<usize>,
}

/// Where the link to a node is kept: a bucket (of array 0 or 1) or the node before it.
#[derive(Debug, Clone, Copy)]
enum Place {
    Bucket(usize, usize),
    After(usize),
}

/// See the module documentation.
#[derive(Debug)]
pub struct Table<T> {
    hashing: KeyHashing,
    /// The arena: every chunk full except the last, which is not empty.
    chunks: Vec<Chunk<T>>,
    /// One emptied chunk kept back, so that a table hovering at a chunk's edge does not
    /// allocate and free a chunk at every other command.
    spare: Option<Chunk<T>>,
    len: usize,
    /// Array 0 is the table; while resizing, array 1 is the new one, and the buckets of
    /// array 0 below `rehash_at` have been moved (are empty).
    buckets: [Vec<Link>; 2],
    /// Nodes chained from each array.
    used: [usize; 2],
    rehash_at: Option<usize>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            hashing: KeyHashing::default(),
            chunks: Vec::new(),
            spare: None,
            len: 0,
            buckets: [Vec::new(), Vec::new()],
            used: [0, 0],
            rehash_at: None,
        }
    }
}

impl<T: Chained> Table<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True while keys are being moved to a new bucket array.
    pub fn is_rehashing(&self) -> bool {
        self.rehash_at.is_some()
    }

    /// The bucket arrays' sizes (the second is 0 unless resizing).
    pub fn buckets(&self) -> (usize, usize) {
        (self.buckets[0].len(), self.buckets[1].len())
    }

    #[inline]
    fn hash(&self, key: &[u8]) -> u64 {
        self.hashing.hash_one(key)
    }

    /// The bucket arrays a lookup checks: array 0, and array 1 while resizing.
    fn arrays(&self) -> usize {
        if self.rehash_at.is_some() { 2 } else { 1 }
    }

    fn bucket_of(&self, hash: u64, array: usize) -> usize {
        hash as usize & (self.buckets[array].len() - 1)
    }

    #[inline]
    pub fn node(&self, index: usize) -> &Node<T> {
        &self.chunks[index >> CHUNK_BITS].nodes[index & (CHUNK - 1)]
    }

    #[inline]
    pub fn node_mut(&mut self, index: usize) -> &mut Node<T> {
        &mut self.chunks[index >> CHUNK_BITS].nodes[index & (CHUNK - 1)]
    }

    /// Node `index`'s stamp (0 until set).
    #[inline]
    pub fn stamp(&self, index: usize) -> u32 {
        self.chunks
            .get(index >> CHUNK_BITS)
            .map_or(0, |chunk| chunk.stamps[index & (CHUNK - 1)])
    }

    /// Set node `index`'s stamp.
    #[inline]
    pub fn set_stamp(&mut self, index: usize, stamp: u32) {
        if let Some(chunk) = self.chunks.get_mut(index >> CHUNK_BITS) {
            chunk.stamps[index & (CHUNK - 1)] = stamp;
        }
    }

    /// Node `index` and its stamp, from one look at its chunk (the read of every command
    /// that re-stamps the key it reads).
    #[inline]
    pub fn node_and_stamp(&mut self, index: usize) -> (&mut Node<T>, &mut u32) {
        let chunk = &mut self.chunks[index >> CHUNK_BITS];
        let at = index & (CHUNK - 1);
        (&mut chunk.nodes[at], &mut chunk.stamps[at])
    }

    /// Every node, in arena order (which means nothing).
    pub fn iter(&self) -> impl Iterator<Item = &Node<T>> {
        self.chunks.iter().flat_map(|chunk| &chunk.nodes)
    }

    /// The number of the node holding `key`. (The lookup every command makes: kept to one
    /// array's chain unless resizing, with nothing but the number to return.)
    #[inline(always)]
    pub fn find(&self, key: &[u8]) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let hash = self.hash(key);
        match self.find_in(0, key, hash) {
            None if self.rehash_at.is_some() => self.find_in(1, key, hash),
            found => found,
        }
    }

    #[inline(always)]
    fn find_in(&self, array: usize, key: &[u8], hash: u64) -> Option<usize> {
        let buckets = &self.buckets[array];
        let mut link = *buckets.get(hash as usize & buckets.len().wrapping_sub(1))?;
        while let Some(at) = link {
            let index = index_of(at);
            let node = self.node(index);
            if *node.key == *key {
                return Some(index);
            }
            link = node.value.link();
        }
        None
    }

    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<&T> {
        self.find(key).map(|index| &self.node(index).value)
    }

    #[inline]
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut T> {
        self.find(key).map(|index| &mut self.node_mut(index).value)
    }

    /// The first node of `hash`'s chains for which `is` holds (given its number and the
    /// node): the array it is chained from, the place of the link to it, and its number.
    fn locate(
        &self,
        hash: u64,
        is: impl Fn(usize, &Node<T>) -> bool,
    ) -> Option<(usize, Place, usize)> {
        for array in 0..self.arrays() {
            let bucket = self.bucket_of(hash, array);
            let mut place = Place::Bucket(array, bucket);
            let mut link = self.buckets[array][bucket];
            while let Some(at) = link {
                let index = index_of(at);
                let node = self.node(index);
                if is(index, node) {
                    return Some((array, place, index));
                }
                place = Place::After(index);
                link = node.value.link();
            }
        }
        None
    }

    fn set_place(&mut self, place: Place, link: Link) {
        match place {
            Place::Bucket(array, bucket) => self.buckets[array][bucket] = link,
            Place::After(index) => self.node_mut(index).value.set_link(link),
        }
    }

    /// Add `key`, which is not in the table, and return its node's number. One step of a
    /// resize first, if one is under way; a resize starts when the table is full.
    pub fn insert(&mut self, key: &[u8], mut value: T) -> usize {
        debug_assert!(self.find(key).is_none(), "insert of a key already there");
        self.rehash(1);
        self.grow_if_full();
        let hash = self.hash(key);
        // While resizing, new keys go to the new array.
        let array = self.arrays() - 1;
        let bucket = self.bucket_of(hash, array);
        let index = self.len;
        value.set_link(self.buckets[array][bucket]);
        self.push(Node {
            key: Key::new(key),
            value,
        });
        self.buckets[array][bucket] = link_to(index);
        self.used[array] += 1;
        index
    }

    /// Remove `key`. One step of a resize first, if one is under way; a resize to a smaller
    /// array starts when the table is less than a tenth full.
    pub fn remove(&mut self, key: &[u8]) -> Option<Removed<T>> {
        if self.len == 0 {
            return None;
        }
        self.rehash(1);
        let (array, place, index) = self.locate(self.hash(key), |_, node| *node.key == *key)?;
        self.unlink_and_take(array, place, index)
    }

    /// Remove node `index`.
    pub fn remove_at(&mut self, index: usize) -> Option<Removed<T>> {
        if index >= self.len {
            return None;
        }
        self.rehash(1);
        let hash = self.hash(&self.node(index).key);
        let (array, place, _) = self.locate(hash, |at, _| at == index)?;
        self.unlink_and_take(array, place, index)
    }

    fn unlink_and_take(&mut self, array: usize, place: Place, index: usize) -> Option<Removed<T>> {
        let next = self.node(index).value.link();
        self.set_place(place, next);
        self.used[array] -= 1;
        let removed = self.take(index);
        self.shrink_if_sparse();
        removed
    }

    /// Take node `index` (already unlinked) out of the arena: the last node moves into its
    /// number, and the link that named the last node names `index` instead.
    fn take(&mut self, index: usize) -> Option<Removed<T>> {
        let last = self.len.checked_sub(1)?;
        let moved = if index != last {
            let hash = self.hash(&self.node(last).key);
            if let Some((_, place, _)) = self.locate(hash, |at, _| at == last) {
                self.set_place(place, link_to(index));
            }
            Some(index)
        } else {
            None
        };
        let (tail, stamp) = self.pop()?;
        let node = match moved {
            Some(index) => {
                self.set_stamp(index, stamp);
                std::mem::replace(self.node_mut(index), tail)
            }
            None => tail,
        };
        Some(Removed {
            key: node.key,
            value: node.value,
            moved,
        })
    }

    /// Append a node (its stamp 0).
    fn push(&mut self, node: Node<T>) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.nodes.len() < CHUNK => chunk.nodes.push(node),
            _ => {
                let mut chunk = self.spare.take().unwrap_or_else(Chunk::new);
                chunk.nodes.push(node);
                self.chunks.push(chunk);
            }
        }
        let index = self.len;
        self.set_stamp(index, 0);
        self.len += 1;
    }

    /// Take the last node and its stamp.
    fn pop(&mut self) -> Option<(Node<T>, u32)> {
        let stamp = self.stamp(self.len.checked_sub(1)?);
        let chunk = self.chunks.last_mut()?;
        let node = chunk.nodes.pop()?;
        if chunk.nodes.is_empty() {
            self.spare = self.chunks.pop();
        }
        self.len -= 1;
        Some((node, stamp))
    }

    /// Start a resize to a table twice as big when there are as many keys as buckets (Redis's
    /// `_dictExpandIfNeeded`), or make the first array.
    fn grow_if_full(&mut self) {
        if self.rehash_at.is_some() {
            return;
        }
        if self.buckets[0].is_empty() {
            self.buckets[0] = vec![None; INITIAL];
        } else if self.len >= self.buckets[0].len() {
            self.resize((self.len + 1).next_power_of_two());
        }
    }

    /// Start a resize to the smallest array that holds the keys when the table is less than
    /// a tenth full (Redis's `htNeedsResize` and `dictResize`).
    fn shrink_if_sparse(&mut self) {
        let size = self.buckets[0].len();
        if self.rehash_at.is_none() && size > INITIAL && self.len * 100 / size < MIN_FILL_PERCENT {
            self.resize(self.len.max(INITIAL).next_power_of_two());
        }
    }

    /// Begin moving every key to a new bucket array of `size` (a power of two). A zeroed
    /// array is not written until keys arrive: the allocator maps fresh pages for a big one.
    fn resize(&mut self, size: usize) {
        self.buckets[1] = vec![None; size];
        self.used[1] = 0;
        self.rehash_at = Some(0);
    }

    /// Move up to `steps` buckets' chains from the old array to the new one, visiting at
    /// most ten empty buckets per step (Redis's `dictRehash`). Returns whether the resize is
    /// still under way.
    pub fn rehash(&mut self, steps: usize) -> bool {
        let Some(mut at) = self.rehash_at else {
            return false;
        };
        let mut empty_visits = steps * EMPTY_VISITS;
        let mask = self.buckets[1].len() - 1;
        for _ in 0..steps {
            if self.used[0] == 0 {
                break;
            }
            while at < self.buckets[0].len() && self.buckets[0][at].is_none() {
                at += 1;
                empty_visits -= 1;
                if empty_visits == 0 {
                    self.rehash_at = Some(at);
                    return true;
                }
            }
            let Some(head) = self.buckets[0].get_mut(at) else {
                break;
            };
            let mut link = head.take();
            while let Some(node) = link {
                let index = index_of(node);
                let hash = self.hash(&self.node(index).key);
                let bucket = hash as usize & mask;
                link = self.node(index).value.link();
                let head = self.buckets[1][bucket];
                self.node_mut(index).value.set_link(head);
                self.buckets[1][bucket] = Some(node);
                self.used[0] -= 1;
                self.used[1] += 1;
            }
            at += 1;
        }
        if self.used[0] == 0 {
            self.buckets[0] = std::mem::take(&mut self.buckets[1]);
            self.used = [self.used[1], 0];
            self.rehash_at = None;
            // Keys removed while this resize went on may call for a smaller array still.
            self.shrink_if_sparse();
            return self.rehash_at.is_some();
        }
        self.rehash_at = Some(at);
        true
    }

    /// Rehash for about `budget` (Redis's `dictRehashMilliseconds`, run from its cron).
    /// Returns whether the resize is still under way.
    pub fn rehash_for(&mut self, budget: Duration) -> bool {
        let started = Instant::now();
        while self.rehash(TIMED_STEP) {
            if started.elapsed() >= budget {
                return true;
            }
        }
        false
    }

    /// One step of a SCAN from `cursor`: every key of one bucket (of each array's matching
    /// buckets while resizing) is passed to `visit`; returns the next cursor, 0 at the end.
    pub fn scan(&self, cursor: u64, mut visit: impl FnMut(&Node<T>)) -> u64 {
        if self.len == 0 {
            return 0;
        }
        let mut chain = |array: usize, bucket: u64| {
            let mut link = self.buckets[array][bucket as usize];
            while let Some(at) = link {
                let node = self.node(index_of(at));
                visit(node);
                link = node.value.link();
            }
        };
        let mut v = cursor;
        let small_mask;
        if self.rehash_at.is_none() {
            small_mask = self.buckets[0].len() as u64 - 1;
            chain(0, v & small_mask);
        } else {
            // The smaller array's bucket, then every bucket of the larger one that it
            // expands to (Redis's `dictScan`).
            let (small, large) = if self.buckets[0].len() <= self.buckets[1].len() {
                (0, 1)
            } else {
                (1, 0)
            };
            small_mask = self.buckets[small].len() as u64 - 1;
            let large_mask = self.buckets[large].len() as u64 - 1;
            chain(small, v & small_mask);
            loop {
                chain(large, v & large_mask);
                // Increment the bits the larger mask has and the smaller lacks, reversed.
                v = ((v | small_mask).wrapping_add(1) & !small_mask) | (v & small_mask);
                if v & (small_mask ^ large_mask) == 0 {
                    break;
                }
            }
        }
        // Set the bits above the mask, then increment the reversed cursor.
        v |= !small_mask;
        v = v.reverse_bits().wrapping_add(1).reverse_bits();
        v
    }

    /// Every key goes; the arrays too.
    pub fn clear(&mut self) {
        *self = Table {
            hashing: self.hashing.clone(),
            ..Table::default()
        };
    }
}

/// How the keyspace hashes keys: std's SipHash-1-3 under a random key, as `HashMap` does by
/// default (a client choosing key names cannot force collisions: Redis uses SipHash for the
/// same reason), but fed only the key's bytes.
///
/// A `[u8]` hashes its length before its bytes, so that in a tuple of slices bytes cannot move
/// from one field to the next without changing the hash. A table keyed by a single byte string
/// has nothing to confuse (and SipHash mixes the total length into its last block anyway), so
/// [`KeyHasher`] drops that extra 8-byte write: about 70 fewer instructions per lookup, a
/// third of the hashing, on the commonest commands (measured in docs/performance.md).
#[derive(Debug, Default, Clone)]
pub struct KeyHashing(RandomState);

impl BuildHasher for KeyHashing {
    type Hasher = KeyHasher;

    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(self.0.build_hasher())
    }
}

/// See [`KeyHashing`]. Only for tables keyed by one byte string.
pub struct KeyHasher(DefaultHasher);

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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct V(u64, Link);

    impl Chained for V {
        fn link(&self) -> Link {
            self.1
        }
        fn set_link(&mut self, link: Link) {
            self.1 = link;
        }
    }

    fn key(i: u64) -> Vec<u8> {
        format!("key:{i}").into_bytes()
    }

    /// Every node is reachable from exactly one bucket, and the counts agree.
    fn check(table: &Table<V>) {
        let mut seen = vec![false; table.len()];
        for array in 0..table.arrays() {
            let mut count = 0;
            for &head in &table.buckets[array] {
                let mut link = head;
                while let Some(at) = link {
                    let index = index_of(at);
                    assert!(!seen[index], "node {index} chained twice");
                    seen[index] = true;
                    count += 1;
                    link = table.node(index).value.link();
                }
            }
            assert_eq!(count, table.used[array]);
        }
        assert!(seen.iter().all(|&s| s), "a node is chained from no bucket");
    }

    #[test]
    fn grows_a_bucket_at_a_time_and_finds_every_key_meanwhile() {
        let mut table = Table::default();
        let mut resizes = 0;
        for i in 0..5000 {
            let was = table.is_rehashing();
            table.insert(&key(i), V(i, None));
            resizes += usize::from(!was && table.is_rehashing());
            if i % 97 == 0 {
                check(&table);
                for j in (0..=i).step_by(13) {
                    assert_eq!(table.get(&key(j)).map(|v| v.0), Some(j));
                }
            }
        }
        assert!(resizes >= 9, "4 -> 8192 buckets in {resizes} resizes");
        let (size, _) = table.buckets();
        assert!(size >= 4096);
        check(&table);
    }

    /// The point of the table: a resize is spread over many writes, each moving one bucket
    /// (never the whole table in one go, which is what stalls a server for a second at 4M
    /// keys), and every key stays findable meanwhile.
    ///
    /// Break checked: finishing the resize at once in `resize` (`while self.rehash(1) {}`)
    /// fails the first assertion.
    #[test]
    fn a_resize_moves_one_bucket_per_write() {
        let mut table = Table::default();
        let mut i = 0;
        while table.buckets() != (1024, 0) || table.len() < 1024 {
            table.insert(&key(i), V(i, None));
            i += 1;
        }
        // This insert finds the table full: a resize to 2048 buckets begins.
        table.insert(&key(i), V(i, None));
        assert!(table.is_rehashing(), "the resize is under way, not done");
        let mut writes = 0;
        while table.is_rehashing() {
            let (at, left) = (table.rehash_at.unwrap_or(0), table.used[0]);
            i += 1;
            table.insert(&key(i), V(i, None));
            writes += 1;
            let moved_buckets = table.rehash_at.map_or(0, |now| now - at);
            assert!(
                moved_buckets <= 1 + EMPTY_VISITS,
                "one bucket (and empties) per write"
            );
            let left_now = if table.is_rehashing() {
                table.used[0]
            } else {
                0
            };
            assert!(left - left_now <= 8, "one bucket's chain per write");
            if writes % 50 == 0 {
                for j in (0..=i).step_by(7) {
                    assert_eq!(table.get(&key(j)).map(|v| v.0), Some(j));
                }
            }
        }
        assert!(writes > 200, "1024 keys moved over {writes} writes");
        assert_eq!(table.buckets(), (2048, 0));
        check(&table);
    }

    #[test]
    fn removal_keeps_the_arena_dense_and_shrinks_the_table() {
        let mut table = Table::default();
        for i in 0..3000 {
            table.insert(&key(i), V(i, None));
        }
        while table.rehash(100) {}
        for i in 0..2950 {
            let removed = table.remove(&key(i)).expect("present");
            assert_eq!(removed.value.0, i);
            if let Some(moved) = removed.moved {
                // The node that was last now has the removed one's number.
                let node = table.node(moved);
                assert_eq!(table.find(&node.key), Some(moved));
            }
            if i % 101 == 0 {
                check(&table);
            }
        }
        assert_eq!(table.len(), 50);
        assert!(table.remove(&key(0)).is_none());
        while table.rehash(100) {}
        assert_eq!(table.buckets(), (64, 0), "shrunk to hold 50 keys");
        assert_eq!(table.chunks.len(), 1, "the emptied chunks are freed");
        for i in 2950..3000 {
            assert_eq!(table.get(&key(i)).map(|v| v.0), Some(i));
        }
        let last = table.len() - 1;
        let removed = table.remove_at(last).expect("a node");
        assert!(removed.moved.is_none());
        check(&table);
    }

    /// SCAN's promise across resizes both ways.
    ///
    /// Break checked: skipping the larger array's buckets while resizing (`chain(large, ..)`)
    /// fails it.
    #[test]
    fn scan_returns_every_key_present_throughout_while_the_table_resizes() {
        let mut table = Table::default();
        for i in 0..1000 {
            table.insert(&key(i), V(i, None));
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut next = 1000;
        loop {
            cursor = table.scan(cursor, |node| {
                seen.insert(node.value.0);
            });
            // Grow (through several resizes), then shrink, while the scan goes on.
            if next < 20_000 {
                for _ in 0..200 {
                    table.insert(&key(next), V(next, None));
                    next += 1;
                }
            } else {
                for i in (1000..next).rev().take(400) {
                    table.remove(&key(i));
                }
                next -= 400.min(next - 1000);
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..1000 {
            assert!(
                seen.contains(&i),
                "key {i} was present throughout but not returned"
            );
        }
    }
}
