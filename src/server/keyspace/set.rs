//! A set: distinct byte strings, in one of two representations, as Redis 7.0 keeps it
//! (`t_set.c`, `intset.c`).
//!
//! **Small and all-integer: a sorted array** ("intset", Redis's `intset.c`). While every member
//! is an integer in Redis's sense (the canonical decimal text of an `i64`: `string2ll`, so `7`
//! and `-7` but not `07`, `+7`, `-0` or `7.0`) and there are at most `set-max-intset-entries`
//! (512) of them, the set is one `Vec<u8>`: a width byte (2, 4 or 8), then the members as
//! little-endian integers of that width, ascending:
//!
//! ```text
//! [2] 05 00  2a 00  e8 03             SADD s 1000 5 42   (width 2: every member fits in i16)
//! [4] fb ff ff ff  05 00 00 00 ...    SADD s -5          (no: i32 fits, so every member widens)
//! ```
//!
//! The width is the narrowest that holds every member ever added: adding one that does not fit
//! rewrites the array at the next width, and nothing narrows it again (Redis's
//! `intsetUpgradeAndAdd`). A member is found by binary search and inserted by moving the tail,
//! so SADD is O(n) at n ≤ 512: a few hundred bytes of `memmove`, cheaper than hashing. The
//! buffer grows by exactly what each insertion needs, as `intsetResize` reallocates, so a small
//! set carries no spare capacity. The order is numeric, which is visible: SMEMBERS, SSCAN and
//! SPOP with a large count list an intset ascending, as Redis does, and the differential tests
//! compare those replies byte for byte.
//!
//! **Small sets of strings: one packed buffer** (named "hashtable"; Redis 7.2's listpack set).
//! Up to 128 members of at most 64 bytes (7.2's `set-max-listpack-entries` and
//! `set-max-listpack-value` defaults), the members are `[varint len] bytes` back to back in
//! one exact-size boxed slice, in insertion order ([`super::pack`]):
//!
//! ```text
//! [02] a 1  [01] b  [01] c  [01] d  [01] e       SADD w a1 b c d e    (11 bytes)
//! ```
//!
//! Found by a linear scan, appended by one `realloc`, removed by closing the gap. Redis 7.0 has
//! no such form: it keeps a small set of strings in a dict (about 450 bytes for five words, as a
//! table here cost), and OBJECT ENCODING reports 7.0's name, `hashtable`, because clients and
//! Redis's own tests check for it. Nothing else on the wire tells them apart: a small set's
//! members come back in insertion order here and in hash order there, and Redis specifies
//! neither. SSCAN returns the buffer whole with cursor 0; SRANDMEMBER with a count indexes it
//! once ([`Set::positions`]).
//!
//! **Everything else: a dense entry table with a hash index** ("hashtable", Redis's `dict.c`),
//! the same structure as a large hash ([`crate::server::keyspace::hash`]): `entries: Vec<Box<[u8]>>`, every member
//! in one exact-size allocation at positions `0..len` with no holes, and a
//! `hashbrown::HashTable<u32>` of positions keyed by SipHash under a per-table random key. It
//! answers SPOP and SRANDMEMBER in O(1) (a random position below `len`), and SSCAN walks
//! positions downwards under a cursor that survives any change (SREM moves only the *last*
//! entry, into the hole, so an entry only ever moves down; new entries append above the
//! cursor): every member present for the whole iteration is returned at least once, and the
//! iteration ends even while members keep arriving. See the hash module for the argument.
//!
//! **Conversion** follows Redis 7.0's `setTypeAdd`, and is one way: an intset stops being one
//! when a non-integer member is added, or when it grows past `set-max-intset-entries` (capped
//! at 2^30, as Redis caps it), and becomes packed if the members fit the packed limits, a table
//! otherwise (Redis 7.2's `setTypeMaybeConvert` chooses the same way); a packed set becomes a
//! table when a member would pass either limit. Nothing turns back, however many members
//! leave. A set created by a write starts as an intset if its first member is an integer.
//! OBJECT ENCODING says `intset` or `hashtable`, as Redis 7.0 does, nothing else. The one way back is Redis's too: a command that *builds a new set* (SINTERSTORE,
//! SUNIONSTORE, SDIFFSTORE, and SPOP with a count close to the size, which keeps the few
//! remaining members in a fresh set) builds it from an empty intset, member by member, so an
//! all-integer result small enough is an intset again.
//!
//! **Size.** A `Set` is three words (the intset's `Vec`; the packed slice or the boxed table
//! beside the tag kept in the `Vec`'s spare capacity values: a second `Vec` would not fit), so it does not make the keyspace's `Value` any larger than its other variants
//! do (32 bytes: a `VecDeque` list plus the tag).
//!
//! # Sets
//!
//! Memory, measured by `benches/memory.sh set` (N=1000000; 2-core AMD EPYC x86-64, glibc
//! malloc; redis-server 7.0.15 with jemalloc, built-in thresholds): VmRSS growth over the load
//! divided by the members (one big set) or by the keys (N sets of 5), and for redis-server also
//! its `used_memory` growth. (Per key, the keyspace entry is most of it: docs/19.)
//!
//! | load | encoding | reactor RSS | redis-server RSS | redis-server used_memory |
//! | --- | --- | --- | --- | --- |
//! | one set of 1M integers, per member | hashtable | 58.8 B | 57.8 B | 48.5 B |
//! | one set of 1M 10-byte strings, per member | hashtable | 58.9 B | 66.1 B | 56.5 B |
//! | 1M sets of 5 integers, per key | intset | 100.5 B | 115.5 B | 104.4 B |
//! | 1M sets of 5 short words, per key | hashtable (packed here) | 100.6 B | 454.4 B | 432.4 B |
//!
//! A big set costs about what Redis's does: per member one exact-size allocation (a 32-byte
//! glibc chunk for up to 24 bytes), 16 bytes for its `Box` in `entries`, and 5–10 bytes of
//! index, against Redis's `dictEntry`, `sds` and bucket pointer. An integer member of a big set
//! is stored as its text, as Redis does (a hashtable holds strings). A small intset is one
//! 32-byte chunk (5 members of 4 bytes and the width byte), as Redis's intset is; the rest of a
//! small key is the keyspace entry (64 bytes, [`crate::server::keyspace::db`]). A small set of
//! words is one 32-byte chunk too; as a table it cost 516 bytes a key (the boxed header,
//! `entries` grown to 8 slots, an 8-bucket index, one chunk per member), Redis 7.0's dict 454.

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

use crate::resp::number::parse_i64;
use crate::resp::reply::format_decimal;

use crate::server::keyspace::Encodings;
use crate::server::keyspace::pack::{Strings, get_str, put_varint, varint_len};

/// Redis's cap on an intset's length whatever `set-max-intset-entries` says (`setTypeAdd`:
/// "limit to 1G entries due to intset internals").
const INTSET_MAX_ENTRIES: usize = 1 << 30;

/// A set value. `Set::default()` is an empty intset (no allocation).
#[derive(Debug, Clone, Default)]
pub struct Set {
    repr: Repr,
}

#[derive(Debug, Clone)]
enum Repr {
    Ints(IntSet),
    /// Small sets of strings: `[varint len] bytes` back to back, in insertion order. A boxed
    /// slice, not a `Vec`: two `Vec` variants would make the enum (and every `Value`) a word
    /// larger, since only one of them could hold the tag in its capacity's spare values.
    Pack(Box<[u8]>),
    /// Boxed so that a `Set` (and so every `Value`) stays three words.
    Table(Box<Table>),
}

/// Redis 7.2's `set-max-listpack-entries` and `set-max-listpack-value` defaults: a set of
/// strings of at most this many members, each at most this long, is packed.
const PACK_MAX_ENTRIES: usize = 128;
const PACK_MAX_VALUE: usize = 64;

impl Default for Repr {
    fn default() -> Self {
        Repr::Ints(IntSet::default())
    }
}

/// One member as a set holds it: an intset's integer, or a hashtable's bytes. Both are the same
/// member to every command: an integer stands for its canonical decimal text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member<'a> {
    Int(i64),
    Bytes(&'a [u8]),
}

impl<'a> Member<'a> {
    /// The member's bytes: an integer is formatted into `buf`.
    pub fn bytes<'b>(&self, buf: &'b mut [u8; 20]) -> &'b [u8]
    where
        'a: 'b,
    {
        match *self {
            Member::Int(n) => format_decimal(buf, n),
            Member::Bytes(bytes) => bytes,
        }
    }
}

impl Set {
    pub fn new() -> Set {
        Set::default()
    }

    /// Number of members (O(n) when packed, n ≤ 128).
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Ints(ints) => ints.len(),
            Repr::Pack(bytes) => Strings::new(bytes).count(),
            Repr::Table(table) => table.entries.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match &self.repr {
            Repr::Ints(ints) => ints.len() == 0,
            Repr::Pack(bytes) => bytes.is_empty(),
            Repr::Table(table) => table.entries.is_empty(),
        }
    }

    /// Heap bytes (for `MEMORY USAGE`): the intset's buffer, or the table's entry array,
    /// index and members (`samples` of them measured, see [`crate::server::keyspace::sampled_bytes`]).
    pub fn memory_usage(&self, samples: usize) -> usize {
        match &self.repr {
            Repr::Ints(ints) => ints.bytes.capacity(),
            Repr::Pack(bytes) => bytes.len(),
            Repr::Table(table) => {
                std::mem::size_of::<Table>()
                    + table.entries.capacity() * std::mem::size_of::<Box<[u8]>>()
                    + table.index.capacity() * (std::mem::size_of::<u32>() + 1)
                    + crate::server::keyspace::sampled_bytes(
                        table.entries.len(),
                        samples,
                        table.entries.iter().map(|e| e.len()),
                    )
            }
        }
    }

    /// `OBJECT ENCODING`: Redis 7.0's names. A packed set says `hashtable`, as the small dict
    /// Redis 7.0 would use in its place (see the module docs).
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Ints(_) => "intset",
            Repr::Pack(_) | Repr::Table(_) => "hashtable",
        }
    }

    /// Whether this set is an intset (SSCAN answers it in one call).
    pub fn is_intset(&self) -> bool {
        matches!(self.repr, Repr::Ints(_))
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        self.contains_member(Member::Bytes(member))
    }

    /// Membership of a member taken from another set (no formatting or parsing when both
    /// sides are intsets, as Redis's SINTER does).
    pub fn contains_member(&self, member: Member<'_>) -> bool {
        match (&self.repr, member) {
            (Repr::Ints(ints), Member::Int(n)) => ints.search(n).is_ok(),
            (Repr::Ints(ints), Member::Bytes(bytes)) => {
                parse_i64(bytes).is_some_and(|n| ints.search(n).is_ok())
            }
            (Repr::Pack(bytes), member) => {
                let mut buf = [0u8; 20];
                pack_find(bytes, member.bytes(&mut buf)).is_ok()
            }
            (Repr::Table(table), member) => {
                let mut buf = [0u8; 20];
                table.position(member.bytes(&mut buf)).is_some()
            }
        }
    }

    /// Add `member`. Returns whether it is new. Redis's `setTypeAdd`: an intset converts on a
    /// non-integer member, or once it holds more than `set-max-intset-entries`.
    pub fn insert(&mut self, member: &[u8], enc: &Encodings) -> bool {
        self.insert_member(Member::Bytes(member), enc)
    }

    /// [`Set::insert`] for a member taken from another set.
    pub fn insert_member(&mut self, member: Member<'_>, enc: &Encodings) -> bool {
        let int = match member {
            Member::Int(n) => Some(n),
            Member::Bytes(bytes) => parse_i64(bytes),
        };
        match (&mut self.repr, int) {
            (Repr::Ints(ints), Some(n)) => {
                if !ints.insert(n) {
                    return false;
                }
                if ints.len() > enc.set_max_intset_entries.min(INTSET_MAX_ENTRIES) {
                    let len = ints.len();
                    self.convert(len, 0);
                }
                true
            }
            (Repr::Ints(ints), None) => {
                let len = ints.len() + 1;
                let mut buf = [0u8; 20];
                self.convert(len, member.bytes(&mut buf).len());
                self.insert_member(member, enc)
            }
            (Repr::Pack(bytes), _) => {
                let mut buf = [0u8; 20];
                let member = member.bytes(&mut buf);
                match pack_find(bytes, member) {
                    Ok(_) => false,
                    Err(count) if count < PACK_MAX_ENTRIES && member.len() <= PACK_MAX_VALUE => {
                        pack_append(bytes, member);
                        true
                    }
                    Err(count) => {
                        self.convert(count + 1, member.len());
                        self.insert(member, enc)
                    }
                }
            }
            (Repr::Table(table), _) => {
                let mut buf = [0u8; 20];
                table.insert(member.bytes(&mut buf))
            }
        }
    }

    /// Remove `member`. Returns whether it was there. Nothing converts back.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        self.remove_member(Member::Bytes(member))
    }

    /// [`Set::remove`] for a member taken from another set.
    pub fn remove_member(&mut self, member: Member<'_>) -> bool {
        match (&mut self.repr, member) {
            (Repr::Ints(ints), Member::Int(n)) => ints.remove(n),
            (Repr::Ints(ints), Member::Bytes(bytes)) => {
                parse_i64(bytes).is_some_and(|n| ints.remove(n))
            }
            (Repr::Pack(bytes), member) => {
                let mut buf = [0u8; 20];
                match pack_find(bytes, member.bytes(&mut buf)) {
                    Ok(entry) => {
                        pack_remove(bytes, entry);
                        true
                    }
                    Err(_) => false,
                }
            }
            (Repr::Table(table), member) => {
                let mut buf = [0u8; 20];
                table.remove(member.bytes(&mut buf))
            }
        }
    }

    /// The member at position `i` (below `len()`), in iteration order: O(1) for an intset and
    /// a table, O(i) when packed (see [`Set::positions`] for many picks).
    pub fn get(&self, i: usize) -> Option<Member<'_>> {
        match &self.repr {
            Repr::Ints(ints) => ints.get(i).map(Member::Int),
            Repr::Pack(bytes) => Strings::new(bytes).nth(i).map(Member::Bytes),
            Repr::Table(table) => table.entries.get(i).map(|e| Member::Bytes(e)),
        }
    }

    /// Random access by position, for SRANDMEMBER's draws: O(1) a pick, the packed form
    /// indexed once (O(n), n ≤ 128).
    pub fn positions(&self) -> Positions<'_> {
        match &self.repr {
            Repr::Pack(bytes) => Positions::Pack(Strings::new(bytes).collect()),
            _ => Positions::Direct(self),
        }
    }

    /// Remove the member at position `i` (SPOP's random pick).
    pub fn remove_at(&mut self, i: usize) {
        match &mut self.repr {
            Repr::Ints(ints) => ints.remove_at(i),
            Repr::Pack(bytes) => {
                let mut at = 0;
                for _ in 0..i {
                    if get_str(bytes, &mut at).is_none() {
                        return;
                    }
                }
                let start = at;
                if get_str(bytes, &mut at).is_some() {
                    pack_remove(bytes, start..at);
                }
            }
            Repr::Table(table) => table.remove_at(i),
        }
    }

    /// Every member: ascending for an intset, in insertion order when packed, by position for
    /// a table.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            set: self,
            at: 0,
            offset: 0,
        }
    }

    /// One SSCAN step from `cursor`, at most `count` members into `out` (see the module docs).
    /// Returns the next cursor, 0 when done. An intset is returned whole, with cursor 0,
    /// whatever the cursor and count, as Redis does.
    pub fn scan<'a>(&'a self, cursor: u64, count: usize, out: &mut Vec<Member<'a>>) -> u64 {
        let entries = match &self.repr {
            Repr::Ints(_) | Repr::Pack(_) => {
                out.extend(self.iter());
                return 0;
            }
            Repr::Table(table) => &table.entries,
        };
        let Some(top) = entries.len().checked_sub(1) else {
            return 0;
        };
        // Cursor = next position + 1; 0 starts at the top.
        let mut next = match cursor {
            0 => top,
            c => usize::try_from(c - 1).unwrap_or(usize::MAX).min(top),
        };
        for _ in 0..count.max(1) {
            if let Some(entry) = entries.get(next) {
                out.push(Member::Bytes(entry));
            }
            match next.checked_sub(1) {
                Some(lower) => next = lower,
                None => return 0,
            }
        }
        next as u64 + 1
    }

    /// Move on from the intset or the packed form (one way), for a set about to hold `len`
    /// members, the one arriving `member_len` bytes long: to the packed form while both fit
    /// it, to a table otherwise.
    fn convert(&mut self, len: usize, member_len: usize) {
        let packs = len <= PACK_MAX_ENTRIES && member_len <= PACK_MAX_VALUE;
        let mut buf = [0u8; 20];
        self.repr = match &self.repr {
            Repr::Ints(ints) if packs => {
                let mut bytes = Vec::new();
                for n in ints.iter() {
                    let text = format_decimal(&mut buf, n);
                    put_varint(&mut bytes, text.len());
                    bytes.extend_from_slice(text);
                }
                Repr::Pack(bytes.into_boxed_slice())
            }
            Repr::Ints(ints) => {
                let mut table = Table::with_capacity(len);
                for n in ints.iter() {
                    table.insert(format_decimal(&mut buf, n));
                }
                Repr::Table(Box::new(table))
            }
            Repr::Pack(bytes) => {
                let mut table = Table::with_capacity(len);
                for member in Strings::new(bytes) {
                    table.insert(member);
                }
                Repr::Table(Box::new(table))
            }
            Repr::Table(_) => return,
        };
    }
}

/// A set's members by position (see [`Set::positions`]).
pub enum Positions<'a> {
    /// An intset or a table: positions are O(1) already.
    Direct(&'a Set),
    Pack(Vec<&'a [u8]>),
}

impl<'a> Positions<'a> {
    /// The member at position `i`, as [`Set::get`] answers it.
    pub fn get(&self, i: usize) -> Option<Member<'a>> {
        match self {
            Positions::Direct(set) => set.get(i),
            Positions::Pack(members) => members.get(i).map(|m| Member::Bytes(m)),
        }
    }
}

/// A set's members in iteration order (see [`Set::iter`]).
pub struct Iter<'a> {
    set: &'a Set,
    /// Members returned so far.
    at: usize,
    /// Where the next member starts, when packed.
    offset: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Member<'a>;

    fn next(&mut self) -> Option<Member<'a>> {
        let member = match &self.set.repr {
            Repr::Pack(bytes) => Member::Bytes(get_str(bytes, &mut self.offset)?),
            _ => self.set.get(self.at)?,
        };
        self.at += 1;
        Some(member)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.set.len().saturating_sub(self.at);
        (left, Some(left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

// ---- The packed form ----

/// Find `member`: its entry's bytes, or `Err(member count)` (the same scan counts them).
fn pack_find(bytes: &[u8], member: &[u8]) -> Result<std::ops::Range<usize>, usize> {
    let (mut at, mut count) = (0, 0);
    while at < bytes.len() {
        let start = at;
        match get_str(bytes, &mut at) {
            Some(m) if m == member => return Ok(start..at),
            Some(_) => count += 1,
            None => break,
        }
    }
    Err(count)
}

/// Append a member, growing the buffer by exactly its entry (no spare capacity).
fn pack_append(bytes: &mut Box<[u8]>, member: &[u8]) {
    let mut grown = std::mem::take(bytes).into_vec();
    grown.reserve_exact(varint_len(member.len()) + member.len());
    put_varint(&mut grown, member.len());
    grown.extend_from_slice(member);
    *bytes = grown.into_boxed_slice();
}

/// Remove the entry at `entry`, giving its bytes back.
fn pack_remove(bytes: &mut Box<[u8]>, entry: std::ops::Range<usize>) {
    let mut kept = std::mem::take(bytes).into_vec();
    kept.drain(entry);
    *bytes = kept.into_boxed_slice();
}

// ---- The intset ----

/// See the module docs: `[width] member member ...`, ascending, little-endian. Empty: no bytes.
#[derive(Debug, Clone, Default)]
struct IntSet {
    bytes: Vec<u8>,
}

/// The narrowest width (bytes) that holds `n`: Redis's `_intsetValueEncoding`.
fn width_of(n: i64) -> usize {
    if i32::try_from(n).is_err() {
        8
    } else if i16::try_from(n).is_err() {
        4
    } else {
        2
    }
}

/// Append `n` as a `width`-byte little-endian integer (its low bytes: two's complement).
fn put_int(out: &mut Vec<u8>, n: i64, width: usize) {
    out.extend_from_slice(&n.to_le_bytes()[..width]);
}

impl IntSet {
    fn width(&self) -> usize {
        self.bytes.first().map_or(2, |&w| usize::from(w))
    }

    fn len(&self) -> usize {
        self.bytes.len().saturating_sub(1) / self.width()
    }

    fn get(&self, i: usize) -> Option<i64> {
        let w = self.width();
        let start = i.checked_mul(w)?.checked_add(1)?;
        let raw = self.bytes.get(start..start.checked_add(w)?)?;
        Some(match *raw {
            [a, b] => i64::from(i16::from_le_bytes([a, b])),
            [a, b, c, d] => i64::from(i32::from_le_bytes([a, b, c, d])),
            [a, b, c, d, e, f, g, h] => i64::from_le_bytes([a, b, c, d, e, f, g, h]),
            _ => return None,
        })
    }

    fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.len()).map_while(|i| self.get(i))
    }

    /// Binary search: `Ok(position)` or `Err(where it would go)`.
    fn search(&self, n: i64) -> Result<usize, usize> {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let mid = low + (high - low) / 2;
            match self.get(mid) {
                Some(v) if v < n => low = mid + 1,
                Some(v) if v > n => high = mid,
                Some(_) => return Ok(mid),
                None => return Err(low),
            }
        }
        Err(low)
    }

    /// Add `n`; false if it is already there. Grows by exactly what it needs.
    fn insert(&mut self, n: i64) -> bool {
        let need = width_of(n);
        if self.bytes.is_empty() {
            self.bytes.reserve_exact(1 + need);
            self.bytes.push(need as u8);
            put_int(&mut self.bytes, n, need);
            return true;
        }
        let width = self.width();
        if need > width {
            self.upgrade_and_add(n, need);
            return true;
        }
        match self.search(n) {
            Ok(_) => false,
            Err(at) => {
                let offset = 1 + at * width;
                self.bytes.reserve_exact(width);
                let encoded = n.to_le_bytes();
                self.bytes
                    .splice(offset..offset, encoded[..width].iter().copied());
                true
            }
        }
    }

    /// `n` needs a wider width than every member so far: rewrite at that width. `n` lies
    /// outside the old range, so it goes first (negative) or last (positive).
    fn upgrade_and_add(&mut self, n: i64, width: usize) {
        let len = self.len();
        let mut bytes = Vec::with_capacity(1 + (len + 1) * width);
        bytes.push(width as u8);
        if n < 0 {
            put_int(&mut bytes, n, width);
        }
        for v in self.iter() {
            put_int(&mut bytes, v, width);
        }
        if n >= 0 {
            put_int(&mut bytes, n, width);
        }
        self.bytes = bytes;
    }

    fn remove(&mut self, n: i64) -> bool {
        if width_of(n) > self.width() {
            return false;
        }
        match self.search(n) {
            Ok(at) => {
                self.remove_at(at);
                true
            }
            Err(_) => false,
        }
    }

    fn remove_at(&mut self, at: usize) {
        let width = self.width();
        let start = 1 + at * width;
        if start + width <= self.bytes.len() {
            self.bytes.drain(start..start + width);
            // Give memory back as intsetResize does, but not on every removal.
            if self.bytes.capacity() > 2 * self.bytes.len() + 16 {
                self.bytes.shrink_to_fit();
            }
        }
    }
}

// ---- The hashtable ----

/// See the module docs: dense entries, a SwissTable of positions (as [`crate::server::keyspace::hash`]'s table,
/// each entry being the member's bytes alone).
#[derive(Debug, Clone, Default)]
struct Table {
    entries: Vec<Box<[u8]>>,
    index: HashTable<u32>,
    hasher: RandomState,
}

impl Table {
    fn with_capacity(n: usize) -> Table {
        Table {
            entries: Vec::with_capacity(n),
            index: HashTable::with_capacity(n),
            hasher: RandomState::new(),
        }
    }

    fn position(&self, member: &[u8]) -> Option<usize> {
        let hash = self.hasher.hash_one(member);
        let entries = &self.entries;
        self.index
            .find(hash, |&i| {
                entries.get(i as usize).is_some_and(|e| **e == *member)
            })
            .map(|&i| i as usize)
    }

    fn insert(&mut self, member: &[u8]) -> bool {
        if self.position(member).is_some() {
            return false;
        }
        let Table {
            entries,
            index,
            hasher,
        } = self;
        // Positions are u32: 2^32 members would need far more memory than a server has.
        let at = entries.len() as u32;
        entries.push(member.into());
        index.insert_unique(hasher.hash_one(member), at, |&i| {
            entries.get(i as usize).map_or(0, |e| hasher.hash_one(&**e))
        });
        true
    }

    fn remove(&mut self, member: &[u8]) -> bool {
        match self.position(member) {
            Some(at) => {
                self.remove_at(at);
                true
            }
            None => false,
        }
    }

    /// Remove the entry at `at`: its index slot goes, and the last entry moves into the hole.
    fn remove_at(&mut self, at: usize) {
        let Table {
            entries,
            index,
            hasher,
        } = self;
        let Some(entry) = entries.get(at) else {
            return;
        };
        if let Ok(found) = index.find_entry(hasher.hash_one(&**entry), |&i| i as usize == at) {
            found.remove();
        }
        let last = entries.len() - 1;
        entries.swap_remove(at);
        if at != last
            && let Some(moved) = entries.get(at)
            && let Some(slot) = index.find_mut(hasher.hash_one(&**moved), |&i| i as usize == last)
        {
            *slot = at as u32;
        }
        self.shrink_if_sparse();
    }

    /// Give memory back after mass deletion, as the hash table does (positions do not change,
    /// so cursors survive it).
    fn shrink_if_sparse(&mut self) {
        const MIN_CAPACITY: usize = 64;
        let len = self.entries.len();
        if self.entries.capacity() > MIN_CAPACITY && len < self.entries.capacity() / 4 {
            self.entries.shrink_to(len * 2);
            let Table {
                entries,
                index,
                hasher,
            } = self;
            index.shrink_to(len * 2, |&i| {
                entries.get(i as usize).map_or(0, |e| hasher.hash_one(&**e))
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::server::keyspace::set::*;

    fn enc(max: usize) -> Encodings {
        Encodings {
            set_max_intset_entries: max,
            ..Encodings::default()
        }
    }

    fn members(set: &Set) -> Vec<Vec<u8>> {
        let mut buf = [0u8; 20];
        set.iter().map(|m| m.bytes(&mut buf).to_vec()).collect()
    }

    #[test]
    fn a_set_is_three_words() {
        assert_eq!(std::mem::size_of::<Set>(), 24);
        // So a keyspace value is no larger than its list variant makes it.
        assert_eq!(
            std::mem::size_of::<crate::server::keyspace::db::Value>(),
            32
        );
    }

    fn form(set: &Set) -> &'static str {
        match set.repr {
            Repr::Ints(_) => "ints",
            Repr::Pack(_) => "pack",
            Repr::Table(_) => "table",
        }
    }

    /// Five short words are one exact buffer (`[len] bytes` each) that OBJECT ENCODING calls
    /// `hashtable`, as Redis 7.0 names the dict it would use; the 129th member or a 65-byte
    /// one moves the set to a table, and an intset gaining a word is packed with its integers.
    ///
    /// Break checked: never packing (an intset gaining a word goes to a table) fails it.
    #[test]
    fn small_sets_of_words_are_packed_and_named_hashtable() {
        let e = Encodings::default();
        let mut s = Set::new();
        for m in ["a1", "b", "c", "d", "e", "b"] {
            s.insert(m.as_bytes(), &e);
        }
        assert_eq!((form(&s), s.encoding(), s.len()), ("pack", "hashtable", 5));
        assert_eq!(s.memory_usage(5), 11, "2+1 + 4 × (1+1) bytes");
        assert_eq!(members(&s), [&b"a1"[..], b"b", b"c", b"d", b"e"]);
        assert!(s.remove(b"c") && !s.remove(b"c") && !s.contains(b"c"));
        s.remove_at(0);
        assert_eq!(members(&s), [&b"b"[..], b"d", b"e"]);
        assert_eq!(s.positions().get(2), Some(Member::Bytes(b"e")));
        s.insert(&[b'x'; 65], &e);
        assert_eq!(form(&s), "table");
        assert!(s.contains(b"b") && s.contains(&[b'x'; 65]) && s.len() == 4);

        let mut s = Set::new();
        for i in 0..10 {
            s.insert(i.to_string().as_bytes(), &e);
        }
        s.insert(b"w", &e);
        assert_eq!(form(&s), "pack");
        assert!(s.contains_member(Member::Int(9)) && s.contains(b"0"));
        for i in 10..127 {
            s.insert(i.to_string().as_bytes(), &e);
        }
        assert_eq!((form(&s), s.len()), ("pack", 128));
        s.insert(b"one more", &e);
        assert_eq!((form(&s), s.len()), ("table", 129));
        assert!((0..127).all(|i| s.contains(i.to_string().as_bytes())));
    }

    #[test]
    fn intset_stays_sorted_and_widens_as_redis_does() {
        let e = Encodings::default();
        let mut s = Set::new();
        for m in ["5", "-3", "1000", "5", "0"] {
            s.insert(m.as_bytes(), &e);
        }
        assert_eq!(members(&s), [&b"-3"[..], b"0", b"5", b"1000"]);
        let Repr::Ints(ints) = &s.repr else { panic!() };
        assert_eq!(ints.width(), 2);
        assert_eq!(ints.bytes.len(), 1 + 4 * 2, "exactly sized");
        // 40000 does not fit in i16: every member widens to 4 bytes; -2^31-1 to 8.
        s.insert(b"40000", &e);
        let Repr::Ints(ints) = &s.repr else { panic!() };
        assert_eq!((ints.width(), ints.len()), (4, 5));
        s.insert(b"-2147483649", &e);
        s.insert(b"9223372036854775807", &e);
        s.insert(b"-9223372036854775808", &e);
        assert_eq!(
            members(&s),
            [
                &b"-9223372036854775808"[..],
                b"-2147483649",
                b"-3",
                b"0",
                b"5",
                b"1000",
                b"40000",
                b"9223372036854775807"
            ]
        );
        assert!(s.contains(b"40000") && !s.contains(b"40001") && !s.contains(b"040000"));
        // Removing the wide members does not narrow it.
        assert!(s.remove(b"-9223372036854775808"));
        assert!(!s.remove(b"-9223372036854775808"));
        let Repr::Ints(ints) = &s.repr else { panic!() };
        assert_eq!(ints.width(), 8);
        assert_eq!(s.encoding(), "intset");
    }

    #[test]
    fn converts_on_a_non_integer_or_past_the_limit_and_never_back() {
        let e = enc(3);
        for member in [
            "a",
            "01",
            "+1",
            "-0",
            "1.0",
            " 1",
            "9223372036854775808",
            "",
        ] {
            let mut s = Set::new();
            s.insert(b"1", &e);
            assert!(s.insert(member.as_bytes(), &e), "{member:?} is new");
            assert_eq!(s.encoding(), "hashtable", "{member:?}");
            assert!(s.contains(b"1") && s.contains(member.as_bytes()));
        }
        let mut s = Set::new();
        for m in ["1", "2", "3", "3"] {
            s.insert(m.as_bytes(), &e);
        }
        assert_eq!(s.encoding(), "intset", "3 members, limit 3");
        s.insert(b"4", &e);
        assert_eq!(s.encoding(), "hashtable", "a fourth passes 3");
        s.remove(b"4");
        s.remove(b"3");
        assert_eq!((s.len(), s.encoding()), (2, "hashtable"));
        assert!(s.contains_member(Member::Int(2)) && !s.contains_member(Member::Int(3)));
    }

    #[test]
    fn table_swap_remove_keeps_the_index_right() {
        let e = enc(0);
        let mut s = Set::new();
        for i in 0..1000 {
            s.insert(format!("m{i}").as_bytes(), &e);
        }
        for i in (0..1000).step_by(3) {
            assert!(s.remove(format!("m{i}").as_bytes()));
        }
        for i in 0..1000 {
            assert_eq!(s.contains(format!("m{i}").as_bytes()), i % 3 != 0);
        }
        while !s.is_empty() {
            s.remove_at(s.len() / 2);
        }
        assert_eq!(s.encoding(), "hashtable");
    }

    #[test]
    fn table_scan_returns_every_stable_member_while_the_set_changes() {
        let e = enc(0);
        let mut s = Set::new();
        for i in (0..500).rev() {
            s.insert(format!("old{i}").as_bytes(), &e);
        }
        let mut seen = std::collections::HashSet::new();
        let (mut cursor, mut round) = (0, 0);
        loop {
            let mut page = Vec::new();
            cursor = s.scan(cursor, 7, &mut page);
            let mut buf = [0u8; 20];
            seen.extend(page.iter().map(|m| m.bytes(&mut buf).to_vec()));
            for j in 0..3 {
                s.remove(format!("old{}", 100 + (round * 3 + j) % 400).as_bytes());
            }
            s.insert(format!("new{round}").as_bytes(), &e);
            round += 1;
            if cursor == 0 {
                break;
            }
        }
        for i in 0..100 {
            assert!(seen.contains(format!("old{i}").as_bytes()), "old{i} missed");
        }
        assert!(round < 200);
    }
}
