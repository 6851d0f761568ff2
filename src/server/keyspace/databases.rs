//! Numbered databases (`SELECT n`): one [`Db`] in hand, the others on a shelf.
//!
//! Chapter: [docs/22-one-database-in-hand.md](../../../docs/22-one-database-in-hand.md).
//!
//! Redis gives each client a pointer to its database (`c->db`, into the array `server.db`),
//! and every command reads through it. Safe Rust cannot keep a pointer into an array beside the
//! `&mut` a command holds to the whole server state, and an index would cost every key access
//! a bounds check and a second load. So the database of the command running is *in hand*:
//! the field `db` of `State`, one `Box<Db>`, which every command already reads. The others
//! wait on this shelf, and dispatch, before each command, compares the client's database with
//! the one in hand: equal (the usual case, one compare), nothing happens; different, two boxes
//! trade places ([`Shelf::select`]: a few pointer moves, whatever the databases hold).
//!
//! ```text
//!   state.db ──► Box<Db 0>            client on db 2 runs a command:
//!   shelf:  [ ·, Db 1, Db 2, ... ]    state.db ──► Box<Db 2>
//!             ^ in hand               shelf:  [ Db 0, Db 1, ·, ... ]
//! ```
//!
//! A database nobody has used is `None` on the shelf: `databases 16` costs sixteen empty
//! slots until a client selects one. What belongs to a database *number* rather than to its
//! data (the waiters of blocked clients, the watched keys) lives in each `Db` too, and
//! [`Db::swap_data`] (SWAPDB) trades only the data, as Redis's `dbSwapDatabases` does.

use crate::server::keyspace::db::Db;

/// The databases not in hand. The slot of the one in hand is `None`.
#[derive(Debug)]
pub struct Shelf {
    slots: Vec<Option<Box<Db>>>,
    /// Which database is in hand.
    selected: usize,
    /// Seeds the random picks of databases created later.
    seed: u64,
}

impl Shelf {
    /// `count` databases (at least one), database 0 in hand.
    pub fn new(count: usize, seed: u64) -> (Box<Db>, Shelf) {
        let mut slots = Vec::new();
        slots.resize_with(count.max(1), || None);
        let shelf = Shelf {
            slots,
            selected: 0,
            seed,
        };
        (Box::new(Db::new(seed)), shelf)
    }

    /// How many databases there are (`databases`).
    pub fn count(&self) -> usize {
        self.slots.len()
    }

    /// The number of the database in hand.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// A new, empty database, paused (frozen) if the one in hand is.
    fn fresh(&self, index: usize, hand: &Db) -> Box<Db> {
        let mut db = Db::new(self.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        db.frozen = hand.frozen;
        db.clock = hand.clock;
        db.set_now(hand.now_ms());
        Box::new(db)
    }

    /// Take database `index` in hand, shelving the one there. Nothing happens for a number
    /// out of range (callers check it first and reply Redis's error).
    pub fn select(&mut self, hand: &mut Box<Db>, index: usize) {
        if index == self.selected || index >= self.slots.len() {
            return;
        }
        let incoming = match self.slots[index].take() {
            Some(db) => db,
            None => self.fresh(index, hand),
        };
        let outgoing = std::mem::replace(hand, incoming);
        self.slots[self.selected] = Some(outgoing);
        self.selected = index;
    }

    /// Database `index`, created empty if it was never used; `None` if out of range.
    pub fn get<'a>(&'a mut self, hand: &'a mut Db, index: usize) -> Option<&'a mut Db> {
        if index == self.selected {
            return Some(hand);
        }
        if self.slots.get(index)?.is_none() {
            let fresh = self.fresh(index, hand);
            self.slots[index] = Some(fresh);
        }
        self.slots[index].as_deref_mut()
    }

    /// Database `index` to read, `None` if never used (so empty) or out of range.
    pub fn peek<'a>(&'a self, hand: &'a Db, index: usize) -> Option<&'a Db> {
        if index == self.selected {
            return Some(hand);
        }
        self.slots.get(index)?.as_deref()
    }

    /// Two different databases at once (MOVE, SWAPDB, COPY ... DB); `None` if `a == b` or
    /// either is out of range.
    pub fn two<'a>(
        &'a mut self,
        hand: &'a mut Db,
        a: usize,
        b: usize,
    ) -> Option<(&'a mut Db, &'a mut Db)> {
        if a == b || a >= self.slots.len() || b >= self.slots.len() {
            return None;
        }
        // Create both first, so the borrows below are only of existing slots.
        for index in [a, b] {
            if index != self.selected && self.slots[index].is_none() {
                let fresh = self.fresh(index, hand);
                self.slots[index] = Some(fresh);
            }
        }
        if a == self.selected {
            return Some((hand, self.slots[b].as_deref_mut()?));
        }
        if b == self.selected {
            return Some((self.slots[a].as_deref_mut()?, hand));
        }
        let (low, high) = (a.min(b), a.max(b));
        let (before, after) = self.slots.split_at_mut(high);
        let (first, second) = (before[low].as_deref_mut()?, after[0].as_deref_mut()?);
        Some(if a < b {
            (first, second)
        } else {
            (second, first)
        })
    }

    /// Every database ever used, with its number, in order.
    pub fn each<'a>(&'a self, hand: &'a Db) -> impl Iterator<Item = (usize, &'a Db)> + 'a {
        let selected = self.selected;
        self.slots
            .iter()
            .enumerate()
            .filter_map(move |(index, slot)| {
                if index == selected {
                    Some((index, hand))
                } else {
                    slot.as_deref().map(|db| (index, db))
                }
            })
    }

    /// The same, to change.
    pub fn each_mut<'a>(
        &'a mut self,
        hand: &'a mut Db,
    ) -> impl Iterator<Item = (usize, &'a mut Db)> + 'a {
        let selected = self.selected;
        let mut hand = Some(hand);
        self.slots
            .iter_mut()
            .enumerate()
            .filter_map(move |(index, slot)| {
                if index == selected {
                    hand.take().map(|db| (index, db))
                } else {
                    slot.as_deref_mut().map(|db| (index, db))
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::keyspace::db::Value;

    /// Selecting trades boxes: each database keeps its keys whichever is in hand, and one never
    /// used is created empty on first use.
    ///
    /// Break checked: shelving the outgoing database in the incoming one's slot loses db 0's
    /// key after the round trip.
    #[test]
    fn each_database_keeps_its_keys_whichever_is_in_hand() {
        let (mut hand, mut shelf) = Shelf::new(4, 1);
        hand.insert(b"a", Value::Str(b"0".to_vec()));
        shelf.select(&mut hand, 2);
        assert_eq!(shelf.selected(), 2);
        assert!(hand.is_empty());
        hand.insert(b"b", Value::Str(b"2".to_vec()));
        shelf.select(&mut hand, 0);
        assert_eq!(hand.len(), 1);
        assert!(hand.exists(b"a", 0));
        assert_eq!(shelf.peek(&hand, 2).map(Db::len), Some(1));
        assert!(shelf.peek(&hand, 1).is_none());
        let numbers: Vec<usize> = shelf.each(&hand).map(|(index, _)| index).collect();
        assert_eq!(numbers, [0, 2]);
        let (zero, two) = shelf.two(&mut hand, 0, 2).expect("two databases");
        assert!(zero.exists(b"a", 0) && two.exists(b"b", 0));
        let (three, one) = shelf.two(&mut hand, 3, 1).expect("two databases");
        assert!(three.is_empty() && one.is_empty());
        assert!(shelf.two(&mut hand, 1, 1).is_none());
        assert!(shelf.get(&mut hand, 4).is_none());
    }
}
