//! A list: a *quicklist*, as Redis 7.0 keeps one. A deque of nodes, each a packed byte array
//! of entries, so that a million small elements cost a few bytes each instead of an allocation
//! each.
//!
//! ```text
//!   List { nodes: Nodes, len }        (Nodes: a Vec with room at both ends, see nodes.rs)
//!      │
//!      ├─ Node { count: 3, buf: [len|bytes|back][len|bytes|back][len|bytes|back] }
//!      ├─ Node { count: 2, buf: [len|bytes|back][len|bytes|back] }
//!      └─ ...            (each buf at most 8 KiB by default: list-max-listpack-size -2)
//!
//!   entry = header (the length, LEB128: 1 byte below 128)
//!         + the bytes
//!         + backlen (header + bytes length, LEB128 written backwards: 1 byte below 128)
//! ```
//!
//! The header lets a node be read from the left, the backlen from the right (Redis's listpack
//! has the same two), so popping, `LRANGE` with negative indexes and `LREM ... -N` walk from
//! whichever end is nearer. Push and pop at both ends are O(1) in the number of nodes
//! (amortized: the nodes sit in a `Vec` with room at both ends, `list/nodes.rs`) and
//! O(node size) in bytes moved: a push to the left shifts one node's bytes, never the list's.
//! A node is full at Redis's limits (`list-max-listpack-size`: a positive value is entries per
//! node, capped at 8 KiB; -1 to -5 is 4 KiB to 64 KiB of bytes); an element larger than that
//! gets a node of its own. Elements are stored as given, without Redis's integer encoding, so
//! `&[u8]` slices of the nodes can be handed out as they are.
//!
//! Chapter: [docs/19-data-structures.md](../../../../docs/19-data-structures.md). Measured by
//! `benches/memory.sh list` (N=1000000, 2-core AMD EPYC x86-64, redis-server 7.0.15): one list
//! of 1M small integers costs 8.2 bytes of RSS per element here, 5.3 in Redis (its binary
//! integers); 1M lists of 5 short elements 296 bytes a key against 211, most of the difference
//! being the keyspace entry rather than the list. (As a `VecDeque` of owned elements the same
//! loads cost 56.1 and 602.)

use crate::server::keyspace::Encodings;
use crate::server::keyspace::pack::{entry_start, put_backlen, put_varint, varint_len};

mod nodes;
use nodes::Nodes;

/// A node's byte cap when `list-max-listpack-size` is a count (Redis's `SIZE_SAFETY_LIMIT`).
const SIZE_SAFETY_LIMIT: usize = 8192;

/// Four words, so the keyspace's `Value` stays 32 bytes. (A `VecDeque` of nodes would make
/// it 48 for every key: [`Nodes`] is a `Vec` that keeps its own room at the front instead.)
#[derive(Debug, Clone, Default)]
pub struct List {
    nodes: Nodes,
    len: usize,
}

/// One packed node: `count` entries back to back in `buf`.
#[derive(Debug, Clone, Default)]
struct Node {
    buf: Vec<u8>,
    count: usize,
}

/// Which end of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Left,
    Right,
}

// ---- one entry's encoding ----

/// Bytes an entry holding `len` bytes takes: header, bytes, backlen.
fn entry_len(len: usize) -> usize {
    let inner = varint_len(len) + len;
    inner + varint_len(inner)
}

/// Append an entry for `item` to `out`.
fn put_entry(out: &mut Vec<u8>, item: &[u8]) {
    put_varint(out, item.len());
    out.extend_from_slice(item);
    put_backlen(out, varint_len(item.len()) + item.len());
}

/// The entry starting at `pos`: (its bytes' range, where the next entry starts).
fn read_forward(buf: &[u8], pos: usize) -> (std::ops::Range<usize>, usize) {
    let (mut len, mut shift, mut i) = (0usize, 0, pos);
    loop {
        let byte = buf[i];
        len |= ((byte & 0x7F) as usize) << shift;
        i += 1;
        if byte & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    let inner = i - pos + len;
    (i..i + len, pos + inner + varint_len(inner))
}

/// The entry ending at `end`: where it starts (0 on bytes [`put_entry`] never writes).
fn read_backward(buf: &[u8], end: usize) -> usize {
    entry_start(buf, end).unwrap_or(0)
}

/// A node's entries, from either end.
struct Entries<'a> {
    buf: &'a [u8],
    front: usize,
    back: usize,
}

impl<'a> Iterator for Entries<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.front >= self.back {
            return None;
        }
        let (bytes, next) = read_forward(self.buf, self.front);
        self.front = next;
        Some(&self.buf[bytes])
    }
}

impl DoubleEndedIterator for Entries<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        let start = read_backward(self.buf, self.back);
        self.back = start;
        Some(&self.buf[read_forward(self.buf, start).0])
    }
}

impl Node {
    fn entries(&self) -> Entries<'_> {
        Entries {
            buf: &self.buf,
            front: 0,
            back: self.buf.len(),
        }
    }

    /// Byte offset of entry `index` (0..=count; `count` is the end), walking from the nearer
    /// end.
    fn offset_of(&self, index: usize) -> usize {
        if index <= self.count / 2 {
            let mut pos = 0;
            for _ in 0..index {
                pos = read_forward(&self.buf, pos).1;
            }
            pos
        } else {
            let mut pos = self.buf.len();
            for _ in index..self.count {
                pos = read_backward(&self.buf, pos);
            }
            pos
        }
    }

    /// Whether `add` more bytes (one entry) may go into this node (Redis's
    /// `_quicklistNodeAllowInsert`).
    fn allows(&self, add: usize, enc: &Encodings) -> bool {
        let size = self.buf.len() + add;
        match node_limit(enc) {
            Limit::Bytes(limit) => size <= limit,
            Limit::Count(count) => size <= SIZE_SAFETY_LIMIT && self.count < count,
        }
    }

    /// Whether the node is over its limit (after an insert in the middle or a replacement).
    fn oversized(&self, enc: &Encodings) -> bool {
        self.count > 1
            && match node_limit(enc) {
                Limit::Bytes(limit) => self.buf.len() > limit,
                Limit::Count(count) => self.buf.len() > SIZE_SAFETY_LIMIT || self.count > count,
            }
    }

    /// Make room for `add` bytes, growing by at least an eighth: few reallocations, and at
    /// most an eighth of a node left unused.
    fn reserve(&mut self, add: usize) {
        let spare = self.buf.capacity() - self.buf.len();
        if spare < add {
            self.buf.reserve_exact(add.max(self.buf.len() / 8));
        }
    }
}

enum Limit {
    Bytes(usize),
    Count(usize),
}

/// `list-max-listpack-size`: positive, entries per node; -1..-5, 4..64 KiB per node.
fn node_limit(enc: &Encodings) -> Limit {
    match enc.list_max_listpack_size {
        n if n > 0 => Limit::Count(n as usize),
        n => Limit::Bytes(4096 << ((-n).clamp(1, 5) - 1)),
    }
}

impl List {
    pub fn new() -> List {
        List::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `OBJECT ENCODING`: Redis 7.0 lists are always quicklists.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    pub fn push(&mut self, end: End, item: &[u8], enc: &Encodings) {
        let add = entry_len(item.len());
        let fits = match end {
            End::Left => self.nodes.first(),
            End::Right => self.nodes.last(),
        }
        .is_some_and(|node| node.allows(add, enc));
        if !fits {
            let node = Node {
                buf: Vec::with_capacity(add),
                count: 0,
            };
            match end {
                End::Left => self.nodes.push_front(node),
                End::Right => self.nodes.push_back(node),
            }
        }
        let node = match end {
            End::Left => self.nodes.first_mut(),
            End::Right => self.nodes.last_mut(),
        };
        let Some(node) = node else { return };
        node.reserve(add);
        put_entry(&mut node.buf, item);
        if end == End::Left {
            // Written at the end, then rotated to the front: one move of the node's bytes.
            node.buf.rotate_right(add);
        }
        node.count += 1;
        self.len += 1;
    }

    pub fn pop(&mut self, end: End) -> Option<Vec<u8>> {
        let node = match end {
            End::Left => self.nodes.first_mut(),
            End::Right => self.nodes.last_mut(),
        }?;
        let item = match end {
            End::Left => {
                let (bytes, next) = read_forward(&node.buf, 0);
                let item = node.buf[bytes].to_vec();
                node.buf.drain(..next);
                item
            }
            End::Right => {
                let start = read_backward(&node.buf, node.buf.len());
                let item = node.buf[read_forward(&node.buf, start).0].to_vec();
                node.buf.truncate(start);
                item
            }
        };
        node.count -= 1;
        if node.count == 0 {
            match end {
                End::Left => drop(self.nodes.pop_front()),
                End::Right => drop(self.nodes.pop_back()),
            }
        }
        self.len -= 1;
        Some(item)
    }

    /// Heap bytes (for `MEMORY USAGE`): exact, from the nodes' capacities (there are few
    /// nodes, so `samples` is not needed).
    pub fn memory_usage(&self, _samples: usize) -> usize {
        self.nodes.slot_bytes() + self.nodes.iter().map(|n| n.buf.capacity()).sum::<usize>()
    }

    /// Elements from the left.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &[u8]> + '_ {
        self.nodes.iter().flat_map(Node::entries)
    }

    /// Elements from index `start` on, left to right. Whole nodes are stepped over, so
    /// reaching `start` costs O(nodes), not O(start) (`LRANGE l 100000 100010`).
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = &[u8]> + '_ {
        let (n, at) = self.locate(start).unwrap_or((self.nodes.len(), 0));
        let first = self.nodes.get(n).map(|node| Entries {
            buf: &node.buf,
            front: node.offset_of(at),
            back: node.buf.len(),
        });
        let rest = self.nodes.get(n + 1..).unwrap_or_default();
        first
            .into_iter()
            .flatten()
            .chain(rest.iter().flat_map(Node::entries))
    }

    /// The node holding element `index`, and the index within it; walks from the nearer end.
    fn locate(&self, index: usize) -> Option<(usize, usize)> {
        if index >= self.len {
            return None;
        }
        if index < self.len / 2 {
            let mut rest = index;
            for (n, node) in self.nodes.iter().enumerate() {
                if rest < node.count {
                    return Some((n, rest));
                }
                rest -= node.count;
            }
        } else {
            let mut rest = self.len - 1 - index; // counted from the right
            for (n, node) in self.nodes.iter().enumerate().rev() {
                if rest < node.count {
                    return Some((n, node.count - 1 - rest));
                }
                rest -= node.count;
            }
        }
        None
    }

    /// The element at `index` from the left.
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        let (n, at) = self.locate(index)?;
        let node = &self.nodes[n];
        let start = node.offset_of(at);
        Some(&node.buf[read_forward(&node.buf, start).0])
    }

    /// Replace the element at `index`; false if there is none.
    pub fn set(&mut self, index: usize, item: &[u8], enc: &Encodings) -> bool {
        let Some((n, at)) = self.locate(index) else {
            return false;
        };
        let node = &mut self.nodes[n];
        let start = node.offset_of(at);
        let end = read_forward(&node.buf, start).1;
        let mut entry = Vec::with_capacity(entry_len(item.len()));
        put_entry(&mut entry, item);
        node.buf.splice(start..end, entry);
        self.split_if_oversized(n, enc);
        true
    }

    /// Insert `item` so that it is at `index` (0..=len).
    pub fn insert(&mut self, index: usize, item: &[u8], enc: &Encodings) {
        if index == 0 {
            return self.push(End::Left, item, enc);
        }
        if index >= self.len {
            return self.push(End::Right, item, enc);
        }
        let Some((n, at)) = self.locate(index) else {
            return;
        };
        let node = &mut self.nodes[n];
        let start = node.offset_of(at);
        let mut entry = Vec::with_capacity(entry_len(item.len()));
        put_entry(&mut entry, item);
        node.buf.splice(start..start, entry);
        node.count += 1;
        self.len += 1;
        self.split_if_oversized(n, enc);
    }

    /// Split node `n` in halves (by entries) until each part is within the limit.
    fn split_if_oversized(&mut self, n: usize, enc: &Encodings) {
        if !self.nodes[n].oversized(enc) {
            return;
        }
        let node = &mut self.nodes[n];
        let keep = node.count / 2;
        let offset = node.offset_of(keep);
        let right = Node {
            buf: node.buf.split_off(offset),
            count: node.count - keep,
        };
        node.count = keep;
        node.buf.shrink_to_fit();
        self.nodes.insert(n + 1, right);
        self.split_if_oversized(n + 1, enc);
        self.split_if_oversized(n, enc);
    }

    /// Remove up to `count` elements equal to `item` (0: all of them), from the left or, with
    /// `from` = `End::Right`, from the right. Returns how many went.
    pub fn remove_equal(&mut self, item: &[u8], count: usize, from: End) -> usize {
        let limit = if count == 0 { usize::MAX } else { count };
        // Which matches go, counted along the list from the left.
        let mut doomed: Vec<usize> = Vec::new();
        match from {
            End::Left => doomed.extend(
                self.iter()
                    .enumerate()
                    .filter(|(_, e)| *e == item)
                    .map(|(i, _)| i)
                    .take(limit),
            ),
            End::Right => {
                doomed.extend(
                    self.iter()
                        .rev()
                        .enumerate()
                        .filter(|(_, e)| *e == item)
                        .map(|(i, _)| self.len - 1 - i)
                        .take(limit),
                );
                doomed.reverse();
            }
        }
        if doomed.is_empty() {
            return 0;
        }
        let mut doomed_iter = doomed.iter().peekable();
        let mut index = 0;
        for node in self.nodes.iter_mut() {
            let node_end = index + node.count;
            if doomed_iter.peek().is_none_or(|&&i| i >= node_end) {
                index = node_end;
                continue;
            }
            let mut kept = Vec::with_capacity(node.buf.len());
            let mut count = 0;
            for entry in node.entries() {
                if doomed_iter.peek() == Some(&&index) {
                    doomed_iter.next();
                } else {
                    put_entry(&mut kept, entry);
                    count += 1;
                }
                index += 1;
            }
            node.buf = kept;
            node.count = count;
        }
        self.nodes.retain_nonempty();
        self.len -= doomed.len();
        doomed.len()
    }

    /// Keep only the elements in `start..end` (clamped to the list): whole nodes are dropped,
    /// and at most one node at each end is cut.
    pub fn keep_range(&mut self, start: usize, end: usize) {
        let end = end.min(self.len);
        let start = start.min(end);
        // From the right: drop len - end elements.
        let mut drop = self.len - end;
        while drop > 0 {
            let Some(node) = self.nodes.last_mut() else {
                break;
            };
            if node.count <= drop {
                drop -= node.count;
                self.nodes.pop_back();
            } else {
                let cut = node.offset_of(node.count - drop);
                node.buf.truncate(cut);
                node.count -= drop;
                drop = 0;
            }
        }
        // From the left: drop start elements, the whole nodes among them in one move.
        let mut drop = start;
        let whole = self
            .nodes
            .iter()
            .take_while(|node| {
                let gone = node.count <= drop;
                if gone {
                    drop -= node.count;
                }
                gone
            })
            .count();
        self.nodes.drop_front(whole);
        if drop > 0
            && let Some(node) = self.nodes.first_mut()
        {
            let cut = node.offset_of(drop);
            node.buf.drain(..cut);
            node.count -= drop;
        }
        self.len = end - start;
    }
}

#[cfg(test)]
mod tests {
    use crate::server::keyspace::list::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;

    fn encodings(fill: i64) -> Encodings {
        Encodings {
            list_max_listpack_size: fill,
            ..Encodings::default()
        }
    }

    #[test]
    fn entries_read_the_same_from_both_ends_at_every_header_size() {
        for len in [
            0, 1, 5, 120, 121, 125, 126, 127, 128, 129, 200, 16_380, 16_383, 16_384, 70_000,
        ] {
            let item: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut buf = vec![7, 7];
            put_entry(&mut buf, &item);
            assert_eq!(buf.len(), 2 + entry_len(len), "{len}");
            let (bytes, next) = read_forward(&buf, 2);
            assert_eq!((&buf[bytes], next), (&item[..], buf.len()), "{len}");
            assert_eq!(read_backward(&buf, buf.len()), 2, "{len}");
        }
    }

    #[test]
    fn small_elements_cost_their_length_plus_two_bytes() {
        let mut list = List::new();
        let enc = encodings(-2);
        for i in 0..10_000 {
            list.push(End::Right, format!("{i}").as_bytes(), &enc);
        }
        let packed: usize = list.nodes.iter().map(|n| n.buf.len()).sum();
        let raw: usize = (0..10_000).map(|i| format!("{i}").len()).sum();
        assert_eq!(packed, raw + 2 * 10_000);
        assert!(list.nodes.iter().all(|n| n.buf.len() <= 8192));
        assert!(
            list.nodes.len() <= packed / 8000 + 1,
            "{} nodes",
            list.nodes.len()
        );
    }

    #[derive(Debug, Clone)]
    enum Op {
        Push(bool, Vec<u8>),
        Pop(bool),
        Set(usize, Vec<u8>),
        Insert(usize, Vec<u8>),
        Remove(u8, usize, bool),
        Keep(usize, usize),
    }

    fn item() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            8 => proptest::collection::vec(0u8..4, 0..4),
            2 => proptest::collection::vec(any::<u8>(), 100..300),
            1 => proptest::collection::vec(any::<u8>(), 3000..6000),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (any::<bool>(), item()).prop_map(|(l, i)| Op::Push(l, i)),
            3 => any::<bool>().prop_map(Op::Pop),
            2 => (0usize..64, item()).prop_map(|(i, v)| Op::Set(i, v)),
            2 => (0usize..64, item()).prop_map(|(i, v)| Op::Insert(i, v)),
            1 => (0u8..4, 0usize..3, any::<bool>()).prop_map(|(b, c, l)| Op::Remove(b, c, l)),
            1 => (0usize..40, 0usize..80).prop_map(|(s, e)| Op::Keep(s, e)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

        /// Every operation, at node sizes that force many nodes and splits, against a
        /// `VecDeque` of owned elements.
        #[test]
        fn behaves_as_a_deque(fill in prop_oneof![Just(1i64), Just(2), Just(3), Just(-1), Just(-2)],
                              ops in proptest::collection::vec(op(), 1..120)) {
            let enc = encodings(fill);
            let mut list = List::new();
            let mut model: VecDeque<Vec<u8>> = VecDeque::new();
            for op in ops {
                match op {
                    Op::Push(left, v) => {
                        if left {
                            list.push(End::Left, &v, &enc);
                            model.push_front(v);
                        } else {
                            list.push(End::Right, &v, &enc);
                            model.push_back(v);
                        }
                    }
                    Op::Pop(left) => {
                        let (got, want) = if left {
                            (list.pop(End::Left), model.pop_front())
                        } else {
                            (list.pop(End::Right), model.pop_back())
                        };
                        prop_assert_eq!(got, want);
                    }
                    Op::Set(i, v) => {
                        let ok = list.set(i, &v, &enc);
                        prop_assert_eq!(ok, i < model.len());
                        if ok {
                            model[i] = v;
                        }
                    }
                    Op::Insert(i, v) => {
                        let i = i.min(model.len());
                        list.insert(i, &v, &enc);
                        model.insert(i, v);
                    }
                    Op::Remove(b, count, left) => {
                        let target = vec![b];
                        let from = if left { End::Left } else { End::Right };
                        let removed = list.remove_equal(&target, count, from);
                        let limit = if count == 0 { usize::MAX } else { count };
                        let mut hits: Vec<usize> =
                            (0..model.len()).filter(|&i| model[i] == target).collect();
                        if !left {
                            hits.reverse();
                        }
                        hits.truncate(limit);
                        hits.sort_unstable();
                        for &i in hits.iter().rev() {
                            model.remove(i);
                        }
                        prop_assert_eq!(removed, hits.len());
                    }
                    Op::Keep(s, e) => {
                        list.keep_range(s, e);
                        let e = e.min(model.len());
                        let s = s.min(e);
                        model = model.into_iter().skip(s).take(e - s).collect();
                    }
                }
                prop_assert_eq!(list.len(), model.len());
                prop_assert!(list.iter().eq(model.iter().map(Vec::as_slice)));
                prop_assert!(list.iter().rev().eq(model.iter().rev().map(Vec::as_slice)));
                for (i, want) in model.iter().enumerate() {
                    prop_assert_eq!(list.get(i), Some(want.as_slice()));
                }
                prop_assert_eq!(list.get(model.len()), None);
                prop_assert_eq!(list.nodes.iter().map(|n| n.count).sum::<usize>(), list.len());
                prop_assert!(list.nodes.iter().all(|n| n.count > 0));
                prop_assert!(list.nodes.iter().all(|n| !n.oversized(&enc)));
            }
        }
    }
}
