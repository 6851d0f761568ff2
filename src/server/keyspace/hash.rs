//! A hash: field → value, in one of two representations, as Redis keeps it (`t_hash.c`).
//!
//! **Small: a packed list** ("listpack", Redis's `listpack.c`). Every field and value sits in one
//! `Vec<u8>`, each prefixed with its length as a LEB128 varint (one byte up to 127):
//!
//! ```text
//! [3]f o o [1]1 [3]b a r [2]4 2        HSET h foo 1 bar 42
//! ```
//!
//! One allocation holds the whole hash, so 1M keys of 5-field hashes cost one small block each
//! beyond the key itself. Lookups scan linearly, which at 128 entries of at most 64 bytes is a
//! few kilobytes of sequential reads: cheaper than hashing. The order is insertion order; a new
//! value replaces the old one in place and HDEL closes the gap, so HGETALL lists fields exactly as
//! Redis's listpack does, and differential tests can compare small hashes byte for byte. The
//! entry count is not stored: it is counted by the same scan that looks for a field, and HLEN on
//! at most 128 entries is a scan of varints. (Redis's listpack also stores integers in binary;
//! that saves a few bytes per number and is invisible on the wire, so it is not reproduced.)
//!
//! **Large: a dense entry table with a hash index** ("hashtable", Redis's `dict.c`). The packed
//! list turns into it, one way only, once it would hold more than `hash-max-listpack-entries`
//! (128) entries or a field or value longer than `hash-max-listpack-value` (64) bytes: the same
//! rules and the same moments as `hashTypeTryConversion` and `hashTypeSet`.
//!
//! - `entries: Vec<Box<[u8]>>`: every field and its value packed into ONE allocation
//!   (`[varint field-len] field value`), at positions `0..len` with no holes. Redis spends three
//!   allocations per field (a `dictEntry` and two `sds` strings); this is one.
//! - `index: hashbrown::HashTable<u32>`: a SwissTable of positions into `entries`, keyed by the
//!   field's SipHash (random key per table, so a client cannot choose colliding fields). Five
//!   bytes a bucket (a control byte and the position) at up to 7/8 load; it stores no hash, since
//!   a resize rehashes from the fields. std's `HashMap` would need the field bytes as its key,
//!   i.e. a second copy or a shared pointer per entry, and exposes no positions.
//!
//! Why a dense table: it answers the two questions a `HashMap` cannot.
//!
//! - **HRANDFIELD** wants a uniformly random field in O(1): a random position below `len`.
//!   (Redis probes random buckets of a sparse table; ours has no holes to miss.)
//! - **HSCAN** wants a cursor under which every field present for the whole iteration is
//!   returned at least once, however the hash changes in between. HDEL keeps the table dense by
//!   moving the *last* entry into the freed position, so an entry only ever moves to a lower
//!   position, and new entries are appended at the top. The scan therefore walks positions
//!   *downwards*: an entry not yet returned is always at or below the cursor (it can only move
//!   further down), so it is returned later; an entry that moves from above the cursor into a
//!   lower hole may be returned twice, which SCAN allows; entries added during the iteration
//!   land above the cursor and are not returned, which SCAN also allows; and since the cursor
//!   only decreases, the iteration ends even while fields keep arriving. The cursor is the next
//!   position plus one (0 starts and ends an iteration, as always); one past the table, which
//!   may have shrunk since, is clamped to its top.
//!
//! Memory per field in the large form (field `field:NNNNNN`, value `NNNNNN`, 64-bit glibc): the
//! entry's allocation (a 32-byte malloc chunk for up to 24 bytes), 16 bytes for its `Box` in
//! `entries`, and 5–10 bytes of index. `benches/memory.sh hash` (N=1000000, 2-core AMD EPYC
//! x86-64) measured 58.6 bytes of RSS per field, against redis-server 7.0.15's 74.6 (64.5 by its
//! `used_memory`). For 1M keys of 5-field hashes the packed form costs about 64 bytes a key (one
//! malloc chunk for 50 bytes of fields and values), against about 51 for Redis's listpack; the
//! rest of that run's 264.5 bytes a key (Redis: 148.7) is the keyspace entry, not the hash
//! (docs/19-data-structures.md).
//! After mass deletion both vectors shrink when three quarters empty (positions do not change,
//! so cursors survive it), as Redis shrinks a dict below 10% fill.

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

use crate::server::keyspace::Encodings;
use crate::server::keyspace::pack::{Strings, get_str, put_varint, varint, varint_len};

/// Redis's `LISTPACK_MAX_SAFETY_SIZE` (1 GiB): a listpack about to pass it converts (`lpSafeToAdd`).
const PACK_MAX_BYTES: usize = 1 << 30;

/// A hash value. `Hash::default()` is an empty packed list.
#[derive(Debug, Clone, Default)]
pub struct Hash {
    repr: Repr,
}

#[derive(Debug, Clone)]
enum Repr {
    Pack(Vec<u8>),
    /// Boxed so that a `Hash` (and so every `Value`) stays three words.
    Table(Box<Table>),
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Pack(Vec::new())
    }
}

impl Hash {
    pub fn new() -> Hash {
        Hash::default()
    }

    /// Number of fields (O(n) in the packed form, n ≤ `hash-max-listpack-entries`).
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Pack(bytes) => PackIter::new(bytes).count(),
            Repr::Table(table) => table.entries.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match &self.repr {
            Repr::Pack(bytes) => bytes.is_empty(),
            Repr::Table(table) => table.entries.is_empty(),
        }
    }

    /// `OBJECT ENCODING`: Redis 7.0's names for the two representations.
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Pack(_) => "listpack",
            Repr::Table(_) => "hashtable",
        }
    }

    /// Heap bytes (for `MEMORY USAGE`): the packed list's buffer, or the table's entry
    /// array, index and the entries (`samples` of them measured, see [`crate::server::keyspace::sampled_bytes`]).
    pub fn memory_usage(&self, samples: usize) -> usize {
        match &self.repr {
            Repr::Pack(bytes) => bytes.capacity(),
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

    /// Whether this hash uses the packed form (HSCAN answers it in one call).
    pub fn is_packed(&self) -> bool {
        matches!(self.repr, Repr::Pack(_))
    }

    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match &self.repr {
            Repr::Pack(bytes) => pack_find(bytes, field).ok().map(|found| {
                let (_, value) = found.split(bytes);
                value
            }),
            Repr::Table(table) => table.get(field),
        }
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Redis's `hashTypeTryConversion`, run by HSET/HMSET/HSETNX on their arguments before
    /// setting anything: a packed hash converts if any of them is longer than
    /// `hash-max-listpack-value`, or if all of them together would pass the packed form's
    /// safety limit. (It converts even if the arguments then replace existing values.)
    pub fn prepare_for<'a>(&mut self, args: impl Iterator<Item = &'a [u8]>, enc: &Encodings) {
        let Repr::Pack(bytes) = &self.repr else {
            return;
        };
        let mut sum = bytes.len();
        for arg in args {
            if arg.len() > enc.hash_max_listpack_value {
                return self.convert();
            }
            sum = sum.saturating_add(arg.len());
        }
        if sum > PACK_MAX_BYTES {
            self.convert();
        }
    }

    /// Set `field` to `value`. Returns true if the field is new. A packed hash converts first if
    /// either is too long (the HINCRBY path, which skips [`Hash::prepare_for`]) and after
    /// growing past `hash-max-listpack-entries`: Redis's `hashTypeSet`.
    pub fn set(&mut self, field: &[u8], value: &[u8], enc: &Encodings) -> bool {
        if let Repr::Pack(_) = self.repr
            && (field.len() > enc.hash_max_listpack_value
                || value.len() > enc.hash_max_listpack_value)
        {
            self.convert();
        }
        match &mut self.repr {
            Repr::Pack(bytes) => match pack_find(bytes, field) {
                Ok(found) => {
                    pack_replace_value(bytes, &found, value);
                    false
                }
                Err(count) => {
                    pack_append(bytes, field, value);
                    if count + 1 > enc.hash_max_listpack_entries {
                        self.convert();
                    }
                    true
                }
            },
            Repr::Table(table) => table.set(field, value),
        }
    }

    /// Remove `field`. Returns whether it was there.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Pack(bytes) => match pack_find(bytes, field) {
                Ok(found) => {
                    bytes.drain(found.start..found.end);
                    true
                }
                Err(_) => false,
            },
            Repr::Table(table) => table.remove(field),
        }
    }

    /// Every (field, value): insertion order when packed, position order otherwise.
    pub fn iter(&self) -> Iter<'_> {
        match &self.repr {
            Repr::Pack(bytes) => Iter::Pack(PackIter::new(bytes)),
            Repr::Table(table) => Iter::Table(table.entries.iter()),
        }
    }

    /// Random access by position, for HRANDFIELD: O(1) per pick in the table form; the packed
    /// form is indexed once (O(n), n ≤ `hash-max-listpack-entries`).
    pub fn positions(&self) -> Positions<'_> {
        match &self.repr {
            Repr::Pack(bytes) => Positions::Pack(PackIter::new(bytes).collect()),
            Repr::Table(table) => Positions::Table(&table.entries),
        }
    }

    /// One HSCAN step from `cursor`, at most `count` entries into `out` (see the module docs).
    /// Returns the next cursor, 0 when done. A packed hash is returned whole, with cursor 0,
    /// whatever the cursor and count, as Redis does.
    pub fn scan<'a>(
        &'a self,
        cursor: u64,
        count: usize,
        out: &mut Vec<(&'a [u8], &'a [u8])>,
    ) -> u64 {
        let entries = match &self.repr {
            Repr::Pack(bytes) => {
                out.extend(PackIter::new(bytes));
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
                out.push(split_entry(entry));
            }
            match next.checked_sub(1) {
                Some(lower) => next = lower,
                None => return 0,
            }
        }
        next as u64 + 1
    }

    /// Turn the packed form into the table form (one way: nothing converts back).
    fn convert(&mut self) {
        if let Repr::Pack(bytes) = &self.repr {
            let mut table = Table::with_capacity(PackIter::new(bytes).count());
            for (field, value) in PackIter::new(bytes) {
                table.set(field, value);
            }
            self.repr = Repr::Table(Box::new(table));
        }
    }
}

/// The fields of a hash by position (see [`Hash::positions`]).
pub enum Positions<'a> {
    Pack(Vec<(&'a [u8], &'a [u8])>),
    Table(&'a [Box<[u8]>]),
}

impl<'a> Positions<'a> {
    pub fn len(&self) -> usize {
        match self {
            Positions::Pack(pairs) => pairs.len(),
            Positions::Table(entries) => entries.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entry at position `i` (below `len()`).
    pub fn get(&self, i: usize) -> Option<(&'a [u8], &'a [u8])> {
        match self {
            Positions::Pack(pairs) => pairs.get(i).copied(),
            Positions::Table(entries) => entries.get(i).map(|e| split_entry(e)),
        }
    }
}

/// Iterator over a hash's (field, value) pairs.
pub enum Iter<'a> {
    Pack(PackIter<'a>),
    Table(std::slice::Iter<'a, Box<[u8]>>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Pack(it) => it.next(),
            Iter::Table(it) => it.next().map(|e| split_entry(e)),
        }
    }
}

// ---- The packed form ----

/// (field, value) pairs of a packed hash, in order.
pub struct PackIter<'a>(Strings<'a>);

impl<'a> PackIter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        PackIter(Strings::new(bytes))
    }
}

impl<'a> Iterator for PackIter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        Some((self.0.next()?, self.0.next()?))
    }
}

/// Where a field's entry lies in a packed hash: `start..end` is the whole entry, `value_at` is
/// where the value's length prefix begins.
struct Found {
    start: usize,
    value_at: usize,
    end: usize,
}

impl Found {
    fn split<'a>(&self, bytes: &'a [u8]) -> (&'a [u8], &'a [u8]) {
        let mut at = self.start;
        let field = get_str(bytes, &mut at).unwrap_or_default();
        let mut at = self.value_at;
        let value = get_str(bytes, &mut at).unwrap_or_default();
        (field, value)
    }
}

/// Find `field`: its entry, or `Err(entry count)` (the same scan counts the entries).
fn pack_find(bytes: &[u8], field: &[u8]) -> Result<Found, usize> {
    let mut at = 0;
    let mut count = 0;
    while at < bytes.len() {
        let start = at;
        let Some(f) = get_str(bytes, &mut at) else {
            break;
        };
        let value_at = at;
        if get_str(bytes, &mut at).is_none() {
            break;
        }
        if f == field {
            return Ok(Found {
                start,
                value_at,
                end: at,
            });
        }
        count += 1;
    }
    Err(count)
}

/// Append an entry, growing the buffer by exactly what it needs (as a listpack `realloc`s):
/// small hashes carry no spare capacity.
fn pack_append(bytes: &mut Vec<u8>, field: &[u8], value: &[u8]) {
    let need = varint_len(field.len()) + field.len() + varint_len(value.len()) + value.len();
    bytes.reserve_exact(need);
    put_varint(bytes, field.len());
    bytes.extend_from_slice(field);
    put_varint(bytes, value.len());
    bytes.extend_from_slice(value);
}

/// Replace the value of the entry `found` in place, moving the entries after it if the length
/// changed. No allocation beyond growing the buffer itself.
fn pack_replace_value(bytes: &mut Vec<u8>, found: &Found, value: &[u8]) {
    let (prefix, prefix_len) = varint(value.len() as u64);
    let old = found.value_at..found.end;
    let new_len = prefix_len + value.len();
    let tail = bytes.len() - old.end;
    if new_len > old.len() {
        let grow = new_len - old.len();
        bytes.reserve_exact(grow);
        bytes.resize(bytes.len() + grow, 0);
    }
    bytes.copy_within(old.end..old.end + tail, old.start + new_len);
    bytes.truncate(old.start + new_len + tail);
    bytes[old.start..old.start + prefix_len].copy_from_slice(&prefix[..prefix_len]);
    bytes[old.start + prefix_len..old.start + new_len].copy_from_slice(value);
}

// ---- The table form ----

/// See the module docs: dense entries, a SwissTable of positions.
#[derive(Debug, Clone, Default)]
struct Table {
    entries: Vec<Box<[u8]>>,
    index: HashTable<u32>,
    hasher: RandomState,
}

/// An entry's field and value: `[varint field-len] field value`.
fn split_entry(entry: &[u8]) -> (&[u8], &[u8]) {
    let mut at = 0;
    let field = get_str(entry, &mut at).unwrap_or_default();
    (field, entry.get(at..).unwrap_or_default())
}

fn entry_field(entry: &[u8]) -> &[u8] {
    split_entry(entry).0
}

fn make_entry(field: &[u8], value: &[u8]) -> Box<[u8]> {
    let mut bytes = Vec::with_capacity(varint_len(field.len()) + field.len() + value.len());
    put_varint(&mut bytes, field.len());
    bytes.extend_from_slice(field);
    bytes.extend_from_slice(value);
    bytes.into_boxed_slice()
}

impl Table {
    fn with_capacity(n: usize) -> Table {
        Table {
            entries: Vec::with_capacity(n),
            index: HashTable::with_capacity(n),
            hasher: RandomState::new(),
        }
    }

    fn hash(hasher: &RandomState, field: &[u8]) -> u64 {
        hasher.hash_one(field)
    }

    fn position(&self, field: &[u8]) -> Option<usize> {
        let hash = Self::hash(&self.hasher, field);
        let entries = &self.entries;
        self.index
            .find(hash, |&i| {
                entries
                    .get(i as usize)
                    .is_some_and(|e| entry_field(e) == field)
            })
            .map(|&i| i as usize)
    }

    fn get(&self, field: &[u8]) -> Option<&[u8]> {
        let at = self.position(field)?;
        self.entries.get(at).map(|e| split_entry(e).1)
    }

    fn set(&mut self, field: &[u8], value: &[u8]) -> bool {
        if let Some(at) = self.position(field) {
            if let Some(entry) = self.entries.get_mut(at) {
                let value_at = entry.len() - split_entry(entry).1.len();
                if entry.len() - value_at == value.len() {
                    // Same length (a counter keeping its digit count): overwrite, no allocation.
                    entry[value_at..].copy_from_slice(value);
                } else {
                    *entry = make_entry(field, value);
                }
            }
            return false;
        }
        let Table {
            entries,
            index,
            hasher,
        } = self;
        // Positions are u32: 2^32 fields would need far more memory than a server has.
        let at = entries.len() as u32;
        entries.push(make_entry(field, value));
        let hash = Self::hash(hasher, field);
        index.insert_unique(hash, at, |&i| {
            entries
                .get(i as usize)
                .map_or(0, |e| Self::hash(hasher, entry_field(e)))
        });
        true
    }

    fn remove(&mut self, field: &[u8]) -> bool {
        let Table {
            entries,
            index,
            hasher,
        } = self;
        let hash = Self::hash(hasher, field);
        let Ok(found) = index.find_entry(hash, |&i| {
            entries
                .get(i as usize)
                .is_some_and(|e| entry_field(e) == field)
        }) else {
            return false;
        };
        let (at, _) = found.remove();
        let at = at as usize;
        let last = entries.len() - 1;
        entries.swap_remove(at);
        if at != last {
            // The last entry moved down into the hole: point its index slot at it.
            if let Some(moved) = entries.get(at) {
                let moved_hash = Self::hash(hasher, entry_field(moved));
                if let Some(slot) = index.find_mut(moved_hash, |&i| i as usize == last) {
                    *slot = at as u32;
                }
            }
        }
        self.shrink_if_sparse();
        true
    }

    /// Give memory back after mass deletion: when three quarters of the capacity is unused,
    /// shrink to twice the length. Positions do not change, so cursors are unaffected.
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
                entries
                    .get(i as usize)
                    .map_or(0, |e| Self::hash(hasher, entry_field(e)))
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::server::keyspace::hash::*;

    fn enc(entries: usize, value: usize) -> Encodings {
        Encodings {
            hash_max_listpack_entries: entries,
            hash_max_listpack_value: value,
            ..Encodings::default()
        }
    }

    #[test]
    fn a_hash_is_three_words() {
        assert_eq!(std::mem::size_of::<Hash>(), 24);
    }

    #[test]
    fn packed_keeps_insertion_order_and_replaces_in_place() {
        let e = Encodings::default();
        let mut h = Hash::new();
        assert!(h.set(b"a", b"1", &e));
        assert!(h.set(b"b", b"2", &e));
        assert!(h.set(b"c", b"3", &e));
        assert!(!h.set(b"b", &[b'x'; 200][..60], &e), "replacing is not new");
        assert!(!h.set(b"a", b"", &e));
        assert!(h.remove(b"c"));
        assert!(!h.remove(b"c"));
        assert!(h.set(b"d", b"4", &e));
        let pairs: Vec<_> = h.iter().collect();
        assert_eq!(
            pairs,
            [(&b"a"[..], &b""[..]), (b"b", &[b'x'; 60][..]), (b"d", b"4")]
        );
        assert_eq!((h.len(), h.encoding()), (3, "listpack"));
        assert_eq!(h.get(b"b").map(<[u8]>::len), Some(60));
    }

    #[test]
    fn converts_past_either_threshold_and_never_back() {
        let e = enc(3, 5);
        let mut h = Hash::new();
        for f in [&b"a"[..], b"b", b"c"] {
            h.set(f, b"v", &e);
        }
        assert_eq!(h.encoding(), "listpack");
        h.set(b"d", b"v", &e);
        assert_eq!(h.encoding(), "hashtable", "a fourth entry passes 3");
        for f in [&b"a"[..], b"b", b"c"] {
            h.remove(f);
        }
        assert_eq!((h.len(), h.encoding()), (1, "hashtable"));

        let mut h = Hash::new();
        h.set(b"a", b"12345", &e);
        assert_eq!(h.encoding(), "listpack");
        h.set(b"a", b"123456", &e);
        assert_eq!(h.encoding(), "hashtable", "a value longer than 5");
        assert_eq!(h.get(b"a"), Some(&b"123456"[..]));

        let mut h = Hash::new();
        h.set(b"a", b"1", &e);
        h.prepare_for([&b"a"[..], b"toolong"].into_iter(), &e);
        assert_eq!(h.encoding(), "hashtable", "checked before setting");
    }

    #[test]
    fn table_swap_remove_keeps_the_index_right() {
        let e = enc(0, 64);
        let mut h = Hash::new();
        for i in 0..1000 {
            h.set(format!("f{i}").as_bytes(), format!("{i}").as_bytes(), &e);
        }
        for i in (0..1000).step_by(3) {
            assert!(h.remove(format!("f{i}").as_bytes()));
        }
        for i in 0..1000 {
            let got = h.get(format!("f{i}").as_bytes());
            if i % 3 == 0 {
                assert_eq!(got, None);
            } else {
                assert_eq!(got, Some(format!("{i}").as_bytes()));
            }
        }
        assert_eq!(h.len(), 666);
        for i in 0..1000 {
            h.remove(format!("f{i}").as_bytes());
        }
        assert!(h.is_empty());
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn table_scan_returns_every_stable_field_while_the_hash_changes() {
        let e = enc(0, 64);
        let mut h = Hash::new();
        // The stable fields (old0..old99) last, so that deletions move them.
        for i in (0..500).rev() {
            h.set(format!("old{i}").as_bytes(), b"v", &e);
        }
        let mut seen = std::collections::HashSet::new();
        let (mut cursor, mut round) = (0, 0);
        loop {
            let mut page = Vec::new();
            cursor = h.scan(cursor, 7, &mut page);
            seen.extend(page.iter().map(|(f, _)| f.to_vec()));
            // Delete some old fields (never old0..old99) and add new ones between calls.
            for j in 0..3 {
                h.remove(format!("old{}", 100 + (round * 3 + j) % 400).as_bytes());
            }
            h.set(format!("new{round}").as_bytes(), b"v", &e);
            round += 1;
            if cursor == 0 {
                break;
            }
        }
        for i in 0..100 {
            assert!(seen.contains(format!("old{i}").as_bytes()), "old{i} missed");
        }
        assert!(round < 200, "the scan ended: {round} rounds");
    }
}
