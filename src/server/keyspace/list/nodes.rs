//! A quicklist's nodes in order: a `Vec` with spare slots at its *front* as well as its back,
//! so that a node comes or goes at either end in O(1) amortized, in three words.
//!
//! Redis links its quicklist nodes in a doubly linked list: adding or removing a node at
//! either end is O(1), and a list pays two pointers per node. A plain `Vec` is more compact and
//! walks faster, but a node added or removed at the *left* shifts every other node's header:
//! with one element per node (`list-max-listpack-size 1`), `LPUSH` of 200,000 elements is
//! 200,000 shifts of a growing vector, quadratic, and the single-threaded server stalls for
//! seconds (pitfall 21). A `VecDeque` would fix that at four words, making every keyspace value
//! one word larger. So the room at the front is kept inside the `Vec`:
//!
//! ```text
//!   slots: [ ∅(gap=3) | ∅ | ∅ | node | node | node | node ]      ← capacity beyond →
//!            └──── room at the front ────┘└──────── the nodes ─────────┘
//! ```
//!
//! - A slot of the room is `Node::default()`: it owns no heap. The first one records how large
//!   the room is in its `count` (a real node's count is never 0, nor its bytes empty, so a slot
//!   is told from a node by its empty bytes).
//! - Adding at the left uses the last slot of the room. When there is none, room as large as
//!   the list's nodes is opened in one shift: that shift is then paid once per as many pushes.
//! - Removing at the left turns the node's slot into room. When the room grows to twice the
//!   nodes it is given back in one shift, paid for by the removals that made it; so the slots
//!   never exceed three times the nodes (plus the `Vec`'s own spare capacity).
//!
//! Everything else sees only the nodes: the type dereferences to the slice `slots[room..]`.

use std::ops::{Deref, DerefMut};

use crate::server::keyspace::list::Node;

/// Room at the front below which it is never given back (a few slots are not worth a shift).
const MIN_ROOM_KEPT: usize = 8;

#[derive(Debug, Clone, Default)]
pub(super) struct Nodes {
    slots: Vec<Node>,
}

impl Nodes {
    /// Empty slots before the first node.
    fn room(&self) -> usize {
        match self.slots.first() {
            Some(first) if first.buf.is_empty() => first.count,
            _ => 0,
        }
    }

    /// Record the room at the front (slot 0 is a room slot whenever there is room).
    fn set_room(&mut self, room: usize) {
        if room > 0 {
            self.slots[0].count = room;
        }
    }

    /// Heap bytes of the slots, room and spare capacity included.
    pub fn slot_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Node>()
    }

    pub fn push_back(&mut self, node: Node) {
        if self.slots.capacity() == 0 {
            // Most lists are small: one node, one slot, no doubling.
            self.slots.reserve_exact(1);
        }
        self.slots.push(node);
    }

    pub fn push_front(&mut self, node: Node) {
        let mut room = self.room();
        if room == 0 {
            // Open room as large as the list's nodes, in one shift.
            room = self.slots.len().max(1);
            self.slots
                .splice(0..0, std::iter::repeat_with(Node::default).take(room));
        }
        room -= 1;
        self.slots[room] = node;
        self.set_room(room);
    }

    pub fn pop_back(&mut self) -> Option<Node> {
        if self.is_empty() {
            return None;
        }
        let node = self.slots.pop();
        if self.is_empty() {
            self.slots = Vec::new();
        }
        node
    }

    pub fn pop_front(&mut self) -> Option<Node> {
        let room = self.room();
        let node = std::mem::take(self.slots.get_mut(room)?);
        self.grow_room(room + 1);
        Some(node)
    }

    /// Drop the first `n` nodes (at most all of them).
    pub fn drop_front(&mut self, n: usize) {
        let room = self.room();
        let end = (room + n).min(self.slots.len());
        for slot in &mut self.slots[room..end] {
            drop(std::mem::take(slot));
        }
        self.grow_room(end);
    }

    /// The slots before `room` have just become room.
    fn grow_room(&mut self, room: usize) {
        let nodes = self.slots.len() - room;
        if nodes == 0 {
            self.slots = Vec::new();
        } else if room > MIN_ROOM_KEPT && room > 2 * nodes {
            self.slots.drain(..room);
        } else {
            self.set_room(room);
        }
    }

    /// Insert `node` so that it becomes node `at` (a shift of the nodes after it, as a
    /// `VecDeque` would make too; only splitting a node in the middle does this).
    pub fn insert(&mut self, at: usize, node: Node) {
        let room = self.room();
        self.slots.insert(room + at, node);
    }

    /// Drop every node whose count is 0 (after removals inside nodes), giving back the room.
    pub fn retain_nonempty(&mut self) {
        let room = self.room();
        self.slots.drain(..room);
        self.slots.retain(|node| node.count > 0);
    }
}

impl Deref for Nodes {
    type Target = [Node];

    fn deref(&self) -> &[Node] {
        &self.slots[self.room()..]
    }
}

impl DerefMut for Nodes {
    fn deref_mut(&mut self) -> &mut [Node] {
        let room = self.room();
        &mut self.slots[room..]
    }
}

#[cfg(test)]
mod tests {
    use crate::server::keyspace::list::nodes::*;

    fn node(tag: u8) -> Node {
        Node {
            buf: vec![tag],
            count: 1,
        }
    }

    fn tags(nodes: &Nodes) -> Vec<u8> {
        nodes.iter().map(|n| n.buf[0]).collect()
    }

    #[test]
    fn both_ends_behave_as_a_deque() {
        let mut nodes = Nodes::default();
        let mut model = std::collections::VecDeque::new();
        for i in 0..200u8 {
            match i % 7 {
                0..=2 => {
                    nodes.push_front(node(i));
                    model.push_front(i);
                }
                3..=4 => {
                    nodes.push_back(node(i));
                    model.push_back(i);
                }
                5 => assert_eq!(nodes.pop_front().map(|n| n.buf[0]), model.pop_front()),
                _ => assert_eq!(nodes.pop_back().map(|n| n.buf[0]), model.pop_back()),
            }
            assert_eq!(tags(&nodes), Vec::from(model.clone()));
        }
        while let Some(n) = nodes.pop_front() {
            assert_eq!(Some(n.buf[0]), model.pop_front());
        }
        assert!(model.is_empty() && nodes.slots.capacity() == 0);
    }

    /// The room is bounded by the nodes, whichever end they come and go at, and an emptied
    /// list holds no slots at all.
    #[test]
    fn room_stays_within_three_times_the_nodes() {
        let mut nodes = Nodes::default();
        for i in 0..100_000u32 {
            nodes.push_front(node(i as u8));
            assert!(nodes.slots.len() <= 2 * nodes.len() + 1);
        }
        for _ in 0..99_990 {
            nodes.pop_front();
            assert!(nodes.slots.len() <= 3 * nodes.len() + MIN_ROOM_KEPT + 1);
        }
        nodes.drop_front(4);
        assert_eq!(nodes.len(), 6);
        nodes.drop_front(100);
        assert_eq!((nodes.len(), nodes.slots.capacity()), (0, 0));
    }
}
