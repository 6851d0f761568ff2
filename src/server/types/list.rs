//! A list: a sequence of byte strings with cheap pushes and pops at both ends.
//!
//! Today a `VecDeque` of owned elements: O(1) push and pop at both ends, one allocation per
//! element. Redis 7.0 keeps a *quicklist* (a linked list of packed nodes), far more compact
//! for small elements; that representation is still to come, and `OBJECT ENCODING` already
//! answers `quicklist` as Redis does. The methods here are the contract the list commands and
//! the blocking commands use, so the representation can change without touching them.

use std::collections::VecDeque;

use super::Encodings;

#[derive(Debug, Clone, Default)]
pub struct List {
    items: VecDeque<Vec<u8>>,
}

/// Which end of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Left,
    Right,
}

impl List {
    pub fn new() -> List {
        List::default()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// `OBJECT ENCODING`: Redis 7.0 lists are always quicklists.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    pub fn push(&mut self, end: End, item: &[u8], _enc: &Encodings) {
        match end {
            End::Left => self.items.push_front(item.to_vec()),
            End::Right => self.items.push_back(item.to_vec()),
        }
    }

    pub fn pop(&mut self, end: End) -> Option<Vec<u8>> {
        match end {
            End::Left => self.items.pop_front(),
            End::Right => self.items.pop_back(),
        }
    }

    /// Heap bytes (for `MEMORY USAGE`), `samples` elements measured.
    pub fn memory_usage(&self, samples: usize) -> usize {
        self.items.capacity() * std::mem::size_of::<Vec<u8>>()
            + super::sampled_bytes(self.len(), samples, self.items.iter().map(Vec::capacity))
    }

    /// Elements from the left.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &[u8]> + '_ {
        self.items.iter().map(Vec::as_slice)
    }
}
