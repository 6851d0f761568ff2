//! A sorted sequence that knows positions: rank of a value, value at a rank, both in
//! O(log n); the order behind a large sorted set ([`super::zset`]).
//!
//! Redis gets ranks from its skiplist: each forward pointer carries a *span*, the number of
//! nodes it jumps, and a search sums the spans it crosses. A `BTreeSet` has no such counts,
//! so a rank there is a walk, O(rank). This is the other classic answer (the one of Python's
//! `sortedcontainers`): the values sit in sorted *chunks* of at most `2 * CHUNK`, and a Fenwick
//! tree over the chunks' lengths turns "how many values before chunk i" and "which chunk holds
//! rank r" into O(log(n / CHUNK)) walks.
//!
//! ```text
//!  chunks:   [1 3 4 8]  [9 12 15]  [20 21 30 31 40]      each sorted, each at most 2*CHUNK
//!  lengths:      4          3             5
//!  Fenwick:  prefix(2) = 7: rank(21) = 7 + position of 21 in its chunk (1) = 8
//! ```
//!
//! - **Find a value:** binary search over the chunks' last values, then inside the chunk.
//! - **Insert / remove:** a `Vec::insert` / `remove` inside one chunk (a memmove of at most
//!   `2 * CHUNK` entries, a few cache lines' worth per hundred), and one Fenwick update. A
//!   chunk past `2 * CHUNK` splits in two; one below `CHUNK / 4` merges into a neighbour;
//!   either rebuilds the tree, O(n / CHUNK), once per `CHUNK / 4` changes at least.
//! - **Memory:** the values themselves, contiguous, plus a `Vec` header per chunk and a word
//!   per chunk of tree: about one byte per value on top, where a skiplist spends a node
//!   allocation and one or more pointer-and-span levels per value.

/// Half the largest chunk.
const CHUNK: usize = 512;

#[derive(Debug, Clone)]
pub struct Ranked<T> {
    /// Sorted, non-empty (unless the whole sequence is), concatenated in order.
    chunks: Vec<Vec<T>>,
    /// Fenwick tree (1-based) over the chunks' lengths.
    tree: Vec<usize>,
    len: usize,
}

impl<T> Default for Ranked<T> {
    fn default() -> Self {
        Ranked {
            chunks: Vec::new(),
            tree: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Ord> Ranked<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Values before chunk `chunk`.
    fn before(&self, chunk: usize) -> usize {
        let (mut sum, mut i) = (0, chunk);
        while i > 0 {
            sum += self.tree[i];
            i &= i - 1;
        }
        sum
    }

    /// Chunk `chunk` gained (or lost) a value.
    fn adjust(&mut self, chunk: usize, grew: bool) {
        let mut i = chunk + 1;
        while i < self.tree.len() {
            if grew {
                self.tree[i] += 1;
            } else {
                self.tree[i] -= 1;
            }
            i += i & i.wrapping_neg();
        }
    }

    /// The tree again from the chunks' lengths, O(chunks): after a split or a merge.
    fn rebuild(&mut self) {
        self.tree.clear();
        self.tree.resize(self.chunks.len() + 1, 0);
        for (at, chunk) in self.chunks.iter().enumerate() {
            self.tree[at + 1] += chunk.len();
            let parent = (at + 1) + ((at + 1) & (at + 1).wrapping_neg());
            if parent < self.tree.len() {
                let carried = self.tree[at + 1];
                self.tree[parent] += carried;
            }
        }
    }

    /// The chunk holding rank `rank` and the position in it.
    fn find(&self, rank: usize) -> Option<(usize, usize)> {
        if rank >= self.len {
            return None;
        }
        // Fenwick descent: the last chunk whose prefix is at most `rank`.
        let (mut at, mut left) = (0, rank);
        let mut step = (self.tree.len()).next_power_of_two() / 2;
        while step > 0 {
            let next = at + step;
            if next < self.tree.len() && self.tree[next] <= left {
                at = next;
                left -= self.tree[next];
            }
            step /= 2;
        }
        Some((at, left))
    }

    /// The number of values for which `below` holds, `below` being true for a prefix of the
    /// order (as for `slice::partition_point`).
    pub fn partition_point(&self, below: impl Fn(&T) -> bool) -> usize {
        let chunk = self
            .chunks
            .partition_point(|c| c.last().is_some_and(&below));
        match self.chunks.get(chunk) {
            Some(values) => self.before(chunk) + values.partition_point(below),
            None => self.len,
        }
    }

    /// The chunk where `value` is or would go: the first whose last value is not below it (the
    /// last chunk for a value beyond them all).
    fn chunk_for(&self, value: &T) -> usize {
        let at = self
            .chunks
            .partition_point(|c| c.last().is_some_and(|l| l < value));
        at.min(self.chunks.len().saturating_sub(1))
    }

    /// Add `value` in order.
    pub fn insert(&mut self, value: T) {
        if self.chunks.is_empty() {
            self.chunks.push(Vec::with_capacity(4));
            self.rebuild();
        }
        let chunk = self.chunk_for(&value);
        let values = &mut self.chunks[chunk];
        let at = values.partition_point(|v| v < &value);
        values.insert(at, value);
        self.len += 1;
        if values.len() > 2 * CHUNK {
            let upper = values.split_off(CHUNK);
            self.chunks.insert(chunk + 1, upper);
            self.rebuild();
        } else {
            self.adjust(chunk, true);
        }
    }

    /// Remove the value equal to `value`, if there is one.
    pub fn remove(&mut self, value: &T) -> Option<T> {
        let chunk = self.chunk_for(value);
        let values = self.chunks.get_mut(chunk)?;
        let at = values.binary_search(value).ok()?;
        Some(self.remove_at(chunk, at))
    }

    fn remove_at(&mut self, chunk: usize, at: usize) -> T {
        let removed = self.chunks[chunk].remove(at);
        self.len -= 1;
        if self.chunks[chunk].len() < CHUNK / 4 && self.chunks.len() > 1 {
            // Too small: into a neighbour (splitting again if that makes it too big).
            let small = self.chunks.remove(chunk);
            let into = chunk.saturating_sub(1).min(self.chunks.len() - 1);
            let neighbour = &mut self.chunks[into];
            if into < chunk {
                neighbour.extend(small);
            } else {
                let mut merged = small;
                merged.append(neighbour);
                *neighbour = merged;
            }
            if neighbour.len() > 2 * CHUNK {
                let upper = neighbour.split_off(neighbour.len() / 2);
                self.chunks.insert(into + 1, upper);
            }
            self.rebuild();
        } else if self.chunks[chunk].is_empty() {
            self.chunks.clear();
            self.rebuild();
        } else {
            self.adjust(chunk, false);
        }
        removed
    }

    /// The rank of the value equal to `value`.
    pub fn rank(&self, value: &T) -> Option<usize> {
        let chunk = self.chunk_for(value);
        let at = self.chunks.get(chunk)?.binary_search(value).ok()?;
        Some(self.before(chunk) + at)
    }

    /// The value at rank `rank`.
    pub fn get(&self, rank: usize) -> Option<&T> {
        let (chunk, at) = self.find(rank)?;
        self.chunks[chunk].get(at)
    }

    pub fn pop_first(&mut self) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        Some(self.remove_at(0, 0))
    }

    pub fn pop_last(&mut self) -> Option<T> {
        let chunk = self.chunks.len().checked_sub(1)?;
        let at = self.chunks[chunk].len().checked_sub(1)?;
        Some(self.remove_at(chunk, at))
    }

    /// Every value, in order (and backwards with `.rev()`).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.chunks.iter().flatten()
    }

    /// The values from rank `rank` on, ascending; found in O(log n), not by skipping.
    pub fn iter_from(&self, rank: usize) -> impl Iterator<Item = &T> + '_ {
        let (chunk, at) = self.find(rank).unwrap_or((self.chunks.len(), 0));
        let first = self.chunks.get(chunk).map_or(&[][..], |c| &c[at..]);
        let rest = self.chunks.get(chunk + 1..).unwrap_or_default();
        first.iter().chain(rest.iter().flatten())
    }

    /// The values from the `skip`-th last on, descending.
    pub fn iter_back_from(&self, skip: usize) -> impl Iterator<Item = &T> + '_ {
        let found = self
            .len
            .checked_sub(skip + 1)
            .and_then(|rank| self.find(rank));
        let (chunk, at) = found.map_or((0, None), |(chunk, at)| (chunk, Some(at)));
        let first = match at {
            Some(at) => &self.chunks[chunk][..=at],
            None => &[][..],
        };
        let rest = if at.is_some() {
            self.chunks.get(..chunk).unwrap_or_default()
        } else {
            &[][..]
        };
        first
            .iter()
            .rev()
            .chain(rest.iter().rev().flat_map(|c| c.iter().rev()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

        /// Against a sorted `Vec`, through enough inserts and removals to split and merge
        /// chunks many times: order, ranks, values at ranks, seeks from either end.
        ///
        /// Break checked: leaving out the tree's rebuild after a merge gives wrong ranks once
        /// a chunk has merged.
        #[test]
        fn ranks_and_order_agree_with_a_sorted_vec(ops in proptest::collection::vec((any::<bool>(), 0u16..3000), 1..6000)) {
            let mut ranked = Ranked::default();
            let mut model: Vec<u16> = Vec::new();
            for (insert, value) in ops {
                match model.binary_search(&value) {
                    Err(at) if insert => {
                        model.insert(at, value);
                        ranked.insert(value);
                    }
                    Ok(at) if !insert => {
                        model.remove(at);
                        prop_assert_eq!(ranked.remove(&value), Some(value));
                    }
                    _ => {}
                }
            }
            prop_assert_eq!(ranked.len(), model.len());
            prop_assert!(ranked.iter().eq(model.iter()));
            for (rank, value) in model.iter().enumerate().step_by(7) {
                prop_assert_eq!(ranked.rank(value), Some(rank));
                prop_assert_eq!(ranked.get(rank), Some(value));
                prop_assert!(ranked.iter_from(rank).eq(model[rank..].iter()));
                prop_assert!(ranked.iter_back_from(rank).eq(model[..model.len() - rank].iter().rev()));
                prop_assert_eq!(ranked.partition_point(|v| v < value), rank);
            }
            prop_assert_eq!(ranked.get(model.len()), None);
            prop_assert_eq!(ranked.iter_from(model.len()).count(), 0);
            prop_assert_eq!(ranked.iter_back_from(model.len()).count(), 0);
            while let Some(first) = ranked.pop_first() {
                prop_assert_eq!(first, model.remove(0));
                if let Some(last) = ranked.pop_last() {
                    prop_assert_eq!(Some(last), model.pop());
                }
            }
            prop_assert!(model.is_empty());
        }
    }
}
