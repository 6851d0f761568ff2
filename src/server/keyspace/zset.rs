//! A sorted set: distinct members, each with a score, ordered by (score, member), in one of two
//! representations, as Redis 7.0 keeps it (`t_zset.c`).
//!
//! **Small: a sorted array** ("listpack"). Up to `zset-max-listpack-entries` (128) members of
//! at most `zset-max-listpack-value` (64) bytes, the set is a `Vec` of (score, member) pairs in
//! order: a member is found by a linear scan (as in Redis's listpack), a position by binary
//! search on (score, member).
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
use crate::server::keyspace::ranked::Ranked;

#[derive(Debug, Clone)]
pub struct ZSet {
    repr: Repr,
}

#[derive(Debug, Clone)]
enum Repr {
    Small(Vec<(f64, Box<[u8]>)>),
    Large(Box<Large>),
}

#[derive(Debug, Clone, Default)]
struct Large {
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

    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Small(pairs) => pairs.len(),
            Repr::Large(large) => large.scores.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
            Repr::Small(pairs) => pairs.iter().find(|(_, m)| &**m == member).map(|&(s, _)| s),
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
        if let Repr::Small(pairs) = &self.repr
            && (pairs.len() + 1 > enc.zset_max_listpack_entries
                || member.len() > enc.zset_max_listpack_value)
        {
            self.convert();
        }
        match &mut self.repr {
            Repr::Small(pairs) => {
                let at = pairs
                    .partition_point(|(s, m)| order((*s, m), (score, member)) == Ordering::Less);
                // Redis's listpack keeps an integral score as an integer, so `-0` comes back
                // as `0` (a skiplist keeps the double, sign and all).
                let score = if score == 0.0 { 0.0 } else { score };
                pairs.insert(at, (score, member.into()));
            }
            Repr::Large(large) => large.insert(member, score),
        }
    }

    /// To the large form, one way.
    fn convert(&mut self) {
        let Repr::Small(pairs) = &mut self.repr else {
            return;
        };
        let mut large = Large::default();
        for (score, member) in pairs.drain(..) {
            large.insert(&member, score);
        }
        self.repr = Repr::Large(Box::new(large));
    }

    /// Remove `member`; whether it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Small(pairs) => match pairs.iter().position(|(_, m)| &**m == member) {
                Some(at) => {
                    pairs.remove(at);
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
            Repr::Small(pairs) => {
                let (score, member) = if max {
                    pairs.pop()?
                } else if pairs.is_empty() {
                    return None;
                } else {
                    pairs.remove(0)
                };
                Some((member.into_vec(), score))
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
            Repr::Small(pairs) => Box::new(pairs.iter().map(|(s, m)| (&**m, *s))),
            Repr::Large(large) => Box::new(large.order.iter().map(|e| (&*e.member, e.score))),
        }
    }

    /// Members with scores from rank `rank` on, lowest first (`rev`: from the `rank`-th
    /// highest on, highest first): found in O(log n), not by skipping.
    pub fn iter_from(&self, rank: usize, rev: bool) -> Box<dyn Iterator<Item = (&[u8], f64)> + '_> {
        match &self.repr {
            Repr::Small(pairs) if rev => {
                Box::new(pairs.iter().rev().skip(rank).map(|(s, m)| (&**m, *s)))
            }
            Repr::Small(pairs) => Box::new(
                pairs
                    .get(rank..)
                    .unwrap_or_default()
                    .iter()
                    .map(|(s, m)| (&**m, *s)),
            ),
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
            Repr::Small(pairs) => pairs.partition_point(|&(s, _)| below(s)),
            Repr::Large(large) => large.order.partition_point(|e| below(e.score)),
        }
    }

    /// The 0-based rank of `member`, lowest first (or highest first with `rev`).
    pub fn rank(&self, member: &[u8], rev: bool) -> Option<usize> {
        let score = self.score(member)?;
        let at = match &self.repr {
            Repr::Small(pairs) => {
                pairs.partition_point(|(s, m)| order((*s, m), (score, member)) == Ordering::Less)
            }
            Repr::Large(large) => {
                let (member, _) = large.scores.get_key_value(member)?;
                large.order.rank(&Entry {
                    score,
                    member: member.clone(),
                })?
            }
        };
        Some(if rev { self.len() - 1 - at } else { at })
    }

    /// The member at dense position `at` (below [`ZSet::len`]) with its score: the small
    /// form's positions are its order, the large form's its dense table's.
    pub fn get(&self, at: usize) -> Option<(&[u8], f64)> {
        match &self.repr {
            Repr::Small(pairs) => pairs.get(at).map(|(s, m)| (&**m, *s)),
            Repr::Large(large) => {
                let member = large.dense.get(at)?;
                large.scores.get(member).map(|slot| (&**member, slot.score))
            }
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
            out.extend(self.get(next));
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
            Repr::Small(pairs) => {
                pairs.capacity() * std::mem::size_of::<(f64, Box<[u8]>)>()
                    + crate::server::keyspace::sampled_bytes(
                        pairs.len(),
                        samples,
                        pairs.iter().map(|(_, m)| m.len()),
                    )
            }
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

#[cfg(test)]
mod tests {
    use crate::server::keyspace::zset::*;
    use proptest::prelude::*;

    #[test]
    fn a_zset_is_three_words() {
        assert_eq!(std::mem::size_of::<ZSet>(), 24);
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
                // The dense positions hold every member once, each with its score.
                let mut dense = Vec::new();
                for at in 0..set.len() {
                    let (member, score) = set.get(at).expect("a member at every position");
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
