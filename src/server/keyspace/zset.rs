//! A sorted set: distinct members, each with a score, ordered by (score, member), in one of two
//! representations, as Redis 7.0 keeps it (`t_zset.c`).
//!
//! **Small: one packed buffer** ("listpack"). Up to `zset-max-listpack-entries` (128) members
//! of at most `zset-max-listpack-value` (64) bytes, the set is one `Vec<u8>` of entries in
//! order, each its score, its member with a length before it, and a backlen after it
//! ([`super::pack`]), so the buffer reads from either end:
//!
//! ```text
//!   [05] [01]a [03]   [00 9a 99 99 99 99 99 f1 3f] [01]c [0b]   [09] [01]b [03]
//!    1      a          1.1 (a double)                 c          2      b
//!   score  member  backlen                          ZADD z 1 a 2 b 1.1 c
//! ```
//!
//! A score that is a whole number of magnitude below 2^53 is the varint of its zigzag form
//! shifted left with the low bit set (`(zigzag(n) << 1) | 1`: 1 byte for -32..=31, 2 bytes for
//! -4096..=4095); any other is a zero byte and the 8 bytes of the double. Redis's listpack also
//! keeps integral scores as integers, so both store `-0` as `0`. A member is found by a linear
//! scan, as in Redis's listpack; ZADD inserts in place, growing the buffer by exactly the
//! entry's bytes, and ZREM shrinks it, so a small sorted set carries no spare capacity. Five
//! one-letter members with scores 1 to 5 are 20 bytes: one 32-byte allocation, where a `Vec` of
//! (score, boxed member) pairs took six. `N=200000 benches/memory.sh zset` measured 438.6
//! bytes of RSS a key that way and 102.7 packed, against redis-server's 130.1 (docs/24).
//!
//! **Large: ranked chunks and a member index** ("skiplist"). Past either threshold, one way,
//! it becomes a [`Ranked`] sequence of (score, member) for order (sorted chunks under a
//! Fenwick tree: rank and value-at-rank in O(log n), the role of the spans in Redis's
//! skiplist), a `HashMap` from member to score for ZSCORE (the role of Redis's dict), and a
//! dense vector of the members (the role of the dict's buckets: a uniform random pick for
//! ZRANDMEMBER, a cursor for ZSCAN). Each member's bytes are one `Rc` shared by all three.
//! Lookup is O(1); rank, a range's start by rank or by score, insert and remove are O(log n)
//! plus a memmove inside one chunk.
//!
//! Order is Redis's: scores compared as numbers (so `-0` and `0` tie), ties broken by the
//! members' bytes. NaN never enters (ZADD refuses it).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::rc::Rc;

use crate::server::keyspace::Encodings;
use crate::server::keyspace::pack::{
    backlen, entry_start, get_str, get_varint, varint, varint_len,
};
use crate::server::keyspace::ranked::Ranked;

#[derive(Debug, Clone)]
pub struct ZSet {
    repr: Repr,
}

#[derive(Debug, Clone)]
enum Repr {
    /// The packed entries, in order (see the module docs). Empty: no allocation.
    Small(Vec<u8>),
    Large(Box<Large>),
}

/// The large form (its fields private: [`Positions`] hands out a reference to it).
#[derive(Debug, Clone, Default)]
pub struct Large {
    order: Ranked<Entry>,
    /// Member → its score and its position in `dense`.
    scores: HashMap<Rc<[u8]>, Slot>,
    /// Every member at a position `0..len`, without holes: ZRANDMEMBER's O(1) uniform pick and
    /// ZSCAN's cursor (a removal moves the last member into the hole, so a member only ever
    /// moves down, as in [`super::hash`]'s dense table).
    dense: Vec<Rc<[u8]>>,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    score: f64,
    at: u32,
}

impl Large {
    /// The member at dense position `at`, with its score.
    fn get(&self, at: usize) -> Option<(&[u8], f64)> {
        let member = self.dense.get(at)?;
        self.scores.get(member).map(|slot| (&**member, slot.score))
    }

    fn insert(&mut self, member: &[u8], score: f64) {
        let member: Rc<[u8]> = member.into();
        let at = self.dense.len() as u32;
        self.dense.push(member.clone());
        self.scores.insert(member.clone(), Slot { score, at });
        self.order.insert(Entry { score, member });
    }

    /// Forget `member` in the index and the dense table (the caller removes it from `order`).
    fn unindex(&mut self, member: &[u8]) -> Option<(Rc<[u8]>, f64)> {
        let (member, slot) = self.scores.remove_entry(member)?;
        let at = slot.at as usize;
        self.dense.swap_remove(at);
        if let Some(moved) = self.dense.get(at)
            && let Some(moved) = self.scores.get_mut(moved)
        {
            moved.at = slot.at;
        }
        Some((member, slot.score))
    }
}

/// One (score, member) in the tree.
#[derive(Debug, Clone)]
struct Entry {
    score: f64,
    member: Rc<[u8]>,
}

/// Redis's order: score, then member bytes. Scores are never NaN, so `partial_cmp` only ever
/// says "equal" for equal numbers (including `-0` against `0`).
pub fn order(a: (f64, &[u8]), b: (f64, &[u8])) -> Ordering {
    a.0.partial_cmp(&b.0)
        .unwrap_or(Ordering::Equal)
        .then_with(|| a.1.cmp(b.1))
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        order((self.score, &self.member), (other.score, &other.member))
    }
}

/// What [`ZSet::add`] did (Redis's `ZADD_OUT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// A new member.
    Added,
    /// An existing member's score changed.
    Updated,
    /// An existing member, score unchanged (the same score, or an increment of zero).
    Same,
    /// Nothing done (NX on an existing member, XX on a new one, GT/LT refusing).
    Nop,
    /// The increment would make the score NaN (`inf` plus `-inf`): nothing done.
    Nan,
}

/// ZADD's options.
#[derive(Debug, Clone, Copy, Default)]
pub struct AddFlags {
    pub nx: bool,
    pub xx: bool,
    pub gt: bool,
    pub lt: bool,
    pub incr: bool,
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet {
            repr: Repr::Small(Vec::new()),
        }
    }
}

impl ZSet {
    /// An empty set in the representation Redis would create for a first member of
    /// `first_len` bytes (ZADD checks only the first member before creating the key).
    pub fn for_first_member(first_len: usize, enc: &Encodings) -> ZSet {
        if enc.zset_max_listpack_entries == 0 || first_len > enc.zset_max_listpack_value {
            ZSet {
                repr: Repr::Large(Box::default()),
            }
        } else {
            ZSet::default()
        }
    }

    /// Number of members (O(n) in the packed form, n ≤ `zset-max-listpack-entries`).
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Small(bytes) => PackIter::new(bytes).count(),
            Repr::Large(large) => large.scores.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match &self.repr {
            Repr::Small(bytes) => bytes.is_empty(),
            Repr::Large(large) => large.scores.is_empty(),
        }
    }

    /// `OBJECT ENCODING`.
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Small(_) => "listpack",
            Repr::Large(_) => "skiplist",
        }
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.repr {
            Repr::Small(bytes) => pack_find(bytes, member).map(|found| found.score),
            Repr::Large(large) => large.scores.get(member).map(|slot| slot.score),
        }
    }

    /// Redis's `zsetAdd`: add `member` with `score`, or update it, as `flags` say. Returns what
    /// was done and the member's score afterwards (for INCR's reply).
    pub fn add(
        &mut self,
        member: &[u8],
        score: f64,
        flags: AddFlags,
        enc: &Encodings,
    ) -> (Added, f64) {
        if let Some(current) = self.score(member) {
            if flags.nx {
                return (Added::Nop, current);
            }
            let score = if flags.incr { current + score } else { score };
            if score.is_nan() {
                return (Added::Nan, current);
            }
            if (flags.lt && score >= current) || (flags.gt && score <= current) {
                return (Added::Nop, current);
            }
            if score == current {
                return (Added::Same, current);
            }
            self.remove(member);
            self.insert_new(member, score, enc);
            return (Added::Updated, score);
        }
        if flags.xx {
            return (Added::Nop, 0.0);
        }
        self.insert_new(member, score, enc);
        (Added::Added, score)
    }

    /// Insert a member known to be absent, converting first if the small form would be
    /// outgrown (Redis checks *before* inserting, as here).
    fn insert_new(&mut self, member: &[u8], score: f64, enc: &Encodings) {
        if let Repr::Small(_) = &self.repr
            && (member.len() > enc.zset_max_listpack_value
                || self.len() + 1 > enc.zset_max_listpack_entries)
        {
            self.convert();
        }
        match &mut self.repr {
            Repr::Small(bytes) => pack_insert(bytes, member, score),
            Repr::Large(large) => large.insert(member, score),
        }
    }

    /// To the large form, one way.
    fn convert(&mut self) {
        let Repr::Small(bytes) = &self.repr else {
            return;
        };
        let mut large = Large::default();
        for (member, score) in PackIter::new(bytes) {
            large.insert(member, score);
        }
        self.repr = Repr::Large(Box::new(large));
    }

    /// Remove `member`; whether it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Small(bytes) => match pack_find(bytes, member) {
                Some(found) => {
                    pack_remove(bytes, found.entry);
                    true
                }
                None => false,
            },
            Repr::Large(large) => match large.unindex(member) {
                Some((member, score)) => {
                    large.order.remove(&Entry { score, member });
                    true
                }
                None => false,
            },
        }
    }

    /// Remove and return the lowest (`max` false) or highest member with its score.
    pub fn pop(&mut self, max: bool) -> Option<(Vec<u8>, f64)> {
        match &mut self.repr {
            Repr::Small(bytes) => {
                let start = if max {
                    entry_start(bytes, bytes.len())?
                } else {
                    0
                };
                let (member, score, end) = entry_at(bytes, start)?;
                let member = member.to_vec();
                pack_remove(bytes, start..end);
                Some((member, score))
            }
            Repr::Large(large) => {
                let entry = if max {
                    large.order.pop_last()?
                } else {
                    large.order.pop_first()?
                };
                large.unindex(&entry.member);
                Some((entry.member.to_vec(), entry.score))
            }
        }
    }

    /// Members with scores, lowest first.
    pub fn iter(&self) -> Box<dyn DoubleEndedIterator<Item = (&[u8], f64)> + '_> {
        match &self.repr {
            Repr::Small(bytes) => Box::new(PackIter::new(bytes)),
            Repr::Large(large) => Box::new(large.order.iter().map(|e| (&*e.member, e.score))),
        }
    }

    /// Members with scores from rank `rank` on, lowest first (`rev`: from the `rank`-th
    /// highest on, highest first): found in O(log n), not by skipping.
    pub fn iter_from(&self, rank: usize, rev: bool) -> Box<dyn Iterator<Item = (&[u8], f64)> + '_> {
        match &self.repr {
            Repr::Small(bytes) if rev => Box::new(PackIter::new(bytes).rev().skip(rank)),
            Repr::Small(bytes) => Box::new(PackIter::new(bytes).skip(rank)),
            Repr::Large(large) if rev => Box::new(
                large
                    .order
                    .iter_back_from(rank)
                    .map(|e| (&*e.member, e.score)),
            ),
            Repr::Large(large) => {
                Box::new(large.order.iter_from(rank).map(|e| (&*e.member, e.score)))
            }
        }
    }

    /// How many members have a score for which `below` holds, `below` holding for the
    /// lowest scores only (a range's start, by binary search).
    pub fn count_below(&self, below: impl Fn(f64) -> bool) -> usize {
        match &self.repr {
            Repr::Small(bytes) => PackIter::new(bytes).take_while(|&(_, s)| below(s)).count(),
            Repr::Large(large) => large.order.partition_point(|e| below(e.score)),
        }
    }

    /// The 0-based rank of `member`, lowest first (or highest first with `rev`).
    pub fn rank(&self, member: &[u8], rev: bool) -> Option<usize> {
        let at = match &self.repr {
            Repr::Small(bytes) => pack_find(bytes, member)?.rank,
            Repr::Large(large) => {
                let (member, slot) = large.scores.get_key_value(member)?;
                large.order.rank(&Entry {
                    score: slot.score,
                    member: member.clone(),
                })?
            }
        };
        Some(if rev { self.len() - 1 - at } else { at })
    }

    /// Random access by position, for ZRANDMEMBER and SORT: the small form's positions are its
    /// order, indexed once (O(n), n ≤ `zset-max-listpack-entries`); the large form's are its
    /// dense table's, O(1) each.
    pub fn positions(&self) -> Positions<'_> {
        match &self.repr {
            Repr::Small(bytes) => Positions::Small(PackIter::new(bytes).collect()),
            Repr::Large(large) => Positions::Large(large),
        }
    }

    /// One ZSCAN step from `cursor`, at most about `count` members into `out`; the next cursor,
    /// 0 when done. The small form is returned whole with cursor 0, as Redis returns a
    /// listpack; the large form is walked downwards by dense position, as a hash's table is
    /// (see [`super::hash`]): a member present for the whole iteration is returned at least once.
    pub fn scan<'a>(&'a self, cursor: u64, count: usize, out: &mut Vec<(&'a [u8], f64)>) -> u64 {
        let large = match &self.repr {
            Repr::Small(_) => {
                out.extend(self.iter());
                return 0;
            }
            Repr::Large(large) => large,
        };
        let Some(top) = large.dense.len().checked_sub(1) else {
            return 0;
        };
        // Cursor = next position + 1; 0 starts at the top.
        let mut next = match cursor {
            0 => top,
            c => usize::try_from(c - 1).unwrap_or(usize::MAX).min(top),
        };
        for _ in 0..count.max(1) {
            out.extend(large.get(next));
            match next.checked_sub(1) {
                Some(lower) => next = lower,
                None => return 0,
            }
        }
        next as u64 + 1
    }

    /// Heap bytes (for `MEMORY USAGE`), `samples` members measured.
    pub fn memory_usage(&self, samples: usize) -> usize {
        match &self.repr {
            Repr::Small(bytes) => bytes.capacity(),
            Repr::Large(large) => {
                // A tree entry and a map entry (with its control byte) per member, and the
                // member's bytes behind their `Rc` header.
                let per = std::mem::size_of::<Entry>()
                    + std::mem::size_of::<(Rc<[u8]>, Slot)>()
                    + 1
                    + std::mem::size_of::<Rc<[u8]>>()
                    + 2 * std::mem::size_of::<usize>();
                std::mem::size_of::<Large>()
                    + large.scores.len() * per
                    + crate::server::keyspace::sampled_bytes(
                        large.scores.len(),
                        samples,
                        large.scores.keys().map(|m| m.len()),
                    )
            }
        }
    }
}

/// The members of a sorted set by position (see [`ZSet::positions`]).
pub enum Positions<'a> {
    Small(Vec<(&'a [u8], f64)>),
    Large(&'a Large),
}

impl<'a> Positions<'a> {
    pub fn len(&self) -> usize {
        match self {
            Positions::Small(pairs) => pairs.len(),
            Positions::Large(large) => large.dense.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The member at position `at` (below `len()`) with its score.
    pub fn get(&self, at: usize) -> Option<(&'a [u8], f64)> {
        match self {
            Positions::Small(pairs) => pairs.get(at).copied(),
            Positions::Large(large) => large.get(at),
        }
    }
}

// ---- The packed form ----

/// Scores below this magnitude that are whole numbers are packed as integers: every such
/// double is an exact `i64`, and its zigzag form shifted left still fits in 64 bits.
const PACKED_INT_LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53

/// A score's bytes in the packed form (see the module docs).
fn score_bytes(score: f64) -> ([u8; 10], usize) {
    if score.fract() == 0.0 && score.abs() < PACKED_INT_LIMIT {
        let n = score as i64;
        let zigzag = ((n << 1) ^ (n >> 63)) as u64;
        varint((zigzag << 1) | 1)
    } else {
        let mut buf = [0u8; 10];
        buf[1..9].copy_from_slice(&score.to_le_bytes());
        (buf, 9)
    }
}

/// Read a score at `*at`, advancing past it.
fn get_score(bytes: &[u8], at: &mut usize) -> Option<f64> {
    if *bytes.get(*at)? == 0 {
        let raw = bytes.get(*at + 1..*at + 9)?;
        *at += 9;
        return Some(f64::from_le_bytes(raw.try_into().ok()?));
    }
    let zigzag = get_varint(bytes, at)? >> 1;
    let n = (zigzag >> 1) as i64 ^ -((zigzag & 1) as i64);
    Some(n as f64)
}

/// The entry starting at `start`: its member, its score, and where the next entry starts.
fn entry_at(bytes: &[u8], start: usize) -> Option<(&[u8], f64, usize)> {
    let mut at = start;
    let score = get_score(bytes, &mut at)?;
    let member = get_str(bytes, &mut at)?;
    Some((member, score, at + varint_len(at - start)))
}

/// A packed set's (member, score) pairs in order, from either end.
struct PackIter<'a> {
    bytes: &'a [u8],
    front: usize,
    back: usize,
}

impl<'a> PackIter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        PackIter {
            bytes,
            front: 0,
            back: bytes.len(),
        }
    }
}

impl<'a> Iterator for PackIter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        let (member, score, next) = entry_at(self.bytes, self.front)?;
        self.front = next;
        Some((member, score))
    }
}

impl DoubleEndedIterator for PackIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        let start = entry_start(self.bytes, self.back)?;
        let (member, score, _) = entry_at(self.bytes, start)?;
        self.back = start;
        Some((member, score))
    }
}

/// Where a member's entry lies in a packed set, its score and its rank.
struct Found {
    entry: std::ops::Range<usize>,
    score: f64,
    rank: usize,
}

/// Find `member` by a linear scan.
fn pack_find(bytes: &[u8], member: &[u8]) -> Option<Found> {
    let mut at = 0;
    let mut rank = 0;
    while let Some((m, score, next)) = entry_at(bytes, at) {
        if m == member {
            return Some(Found {
                entry: at..next,
                score,
                rank,
            });
        }
        at = next;
        rank += 1;
    }
    None
}

/// Insert an absent member in its place, growing the buffer by exactly the entry's bytes (as
/// a listpack `realloc`s).
fn pack_insert(bytes: &mut Vec<u8>, member: &[u8], score: f64) {
    let mut at = 0;
    while let Some((m, s, next)) = entry_at(bytes, at) {
        if order((s, m), (score, member)) != Ordering::Less {
            break;
        }
        at = next;
    }
    let (score, score_len) = score_bytes(score);
    let (len, len_len) = varint(member.len() as u64);
    let inner = score_len + len_len + member.len();
    let (back, back_len) = backlen(inner);
    let need = inner + back_len;
    let tail = bytes.len() - at;
    bytes.reserve_exact(need);
    bytes.resize(bytes.len() + need, 0);
    bytes.copy_within(at..at + tail, at + need);
    let parts = [
        &score[..score_len],
        &len[..len_len],
        member,
        &back[..back_len],
    ];
    let mut to = at;
    for part in parts {
        if let Some(gap) = bytes.get_mut(to..to + part.len()) {
            gap.copy_from_slice(part);
        }
        to += part.len();
    }
}

/// Remove the entry at `entry`, giving the bytes back (as a listpack shrinks after a delete).
fn pack_remove(bytes: &mut Vec<u8>, entry: std::ops::Range<usize>) {
    bytes.drain(entry);
    bytes.shrink_to_fit();
}

#[cfg(test)]
mod tests {
    use crate::server::keyspace::zset::*;
    use proptest::prelude::*;

    #[test]
    fn a_zset_is_three_words() {
        assert_eq!(std::mem::size_of::<ZSet>(), 24);
    }

    /// The packed form: 5 one-letter members scored 1 to 5 are one byte of score, one of
    /// length, one of member and one of backlen each, in a buffer of exactly that size; a score
    /// that is not a small whole number keeps all of its double, `-0` becomes `0` (as in
    /// Redis's listpack), and both ends read back.
    ///
    /// Break checked: packing every score as a double fails the 20-byte figure.
    #[test]
    fn a_small_sorted_set_is_one_exact_buffer() {
        let enc = Encodings::default();
        let mut set = ZSet::for_first_member(1, &enc);
        for (score, member) in [(5.0, "e"), (1.0, "a"), (3.0, "c"), (2.0, "b"), (4.0, "d")] {
            set.add(member.as_bytes(), score, AddFlags::default(), &enc);
        }
        assert_eq!(set.memory_usage(5), 20);
        let scores = [
            f64::NEG_INFINITY,
            -9_007_199_254_740_993.0,
            -1e300,
            -4096.0,
            -0.0,
            1e-300,
            0.5,
            2f64.powi(53),
            f64::INFINITY,
        ];
        let mut set = ZSet::for_first_member(1, &enc);
        for (i, score) in scores.iter().enumerate() {
            set.add(&[b'a' + i as u8], *score, AddFlags::default(), &enc);
        }
        let got: Vec<f64> = set.iter().map(|(_, s)| s).collect();
        let mut want = scores.to_vec();
        want.sort_by(f64::total_cmp);
        assert_eq!(got, want);
        assert!(got.iter().all(|s| !(*s == 0.0 && s.is_sign_negative())));
        assert_eq!(set.pop(true), Some((vec![b'i'], f64::INFINITY)));
        assert_eq!(set.pop(false), Some((vec![b'a'], f64::NEG_INFINITY)));
        assert_eq!(set.encoding(), "listpack");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

        /// Both forms against a sorted model, across the conversion.
        #[test]
        fn both_forms_keep_redis_order(ops in proptest::collection::vec(
            (0u8..3, 0u8..12, -3i8..3), 1..200), max in 0usize..8)
        {
            let enc = Encodings { zset_max_listpack_entries: max, ..Encodings::default() };
            let mut set = ZSet::for_first_member(1, &enc);
            let mut model: Vec<(f64, Vec<u8>)> = Vec::new();
            for (op, m, s) in ops {
                let member = vec![b'a' + m];
                let score = f64::from(s) / 2.0;
                match op {
                    0 | 1 => {
                        let (done, _) = set.add(&member, score, AddFlags::default(), &enc);
                        match model.iter_mut().find(|(_, x)| *x == member) {
                            Some(entry) => {
                                prop_assert_eq!(done == Added::Updated, entry.0 != score);
                                entry.0 = score;
                            }
                            None => {
                                prop_assert_eq!(done, Added::Added);
                                model.push((score, member));
                            }
                        }
                    }
                    _ => {
                        let was = model.iter().position(|(_, x)| *x == member);
                        prop_assert_eq!(set.remove(&member), was.is_some());
                        if let Some(at) = was {
                            model.remove(at);
                        }
                    }
                }
                model.sort_by(|a, b| order((a.0, &a.1), (b.0, &b.1)));
                let got: Vec<(f64, Vec<u8>)> = set.iter().map(|(m, s)| (s, m.to_vec())).collect();
                prop_assert_eq!(&got, &model);
                let mut back: Vec<(f64, Vec<u8>)> =
                    set.iter().rev().map(|(m, s)| (s, m.to_vec())).collect();
                back.reverse();
                prop_assert_eq!(&back, &model);
                // The dense positions hold every member once, each with its score.
                let mut dense = Vec::new();
                for at in 0..set.len() {
                    let (member, score) = set.positions().get(at).expect("a member at every position");
                    prop_assert_eq!(set.score(member), Some(score));
                    dense.push(member.to_vec());
                }
                dense.sort();
                let mut members: Vec<Vec<u8>> = model.iter().map(|(_, m)| m.clone()).collect();
                members.sort();
                prop_assert_eq!(dense, members);
                for (rank, (_, member)) in model.iter().enumerate() {
                    prop_assert_eq!(set.rank(member, false), Some(rank));
                    prop_assert_eq!(set.rank(member, true), Some(model.len() - 1 - rank));
                }
            }
            if model.len() > max {
                prop_assert_eq!(set.encoding(), "skiplist");
            }
        }
    }
}
