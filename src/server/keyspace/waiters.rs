//! The waiters of blocked clients: which clients wait on which keys, in what order, until
//! when; and which keys have become ready to serve them. Data only: parking a client and
//! serving it (running its command again) is `server::blocking`'s.
//!
//! Chapter: [docs/16-a-blocked-client.md](../../../docs/16-a-blocked-client.md).
//!
//! It lives beside the keyspace because the keyspace is where a key comes into existence:
//! [`super::db::Db::add`] calls [`Blocking::signal`], so whatever creates a key (a push, a
//! rename, a served `BLMOVE`'s push) wakes its waiters without knowing they exist. Redis keeps
//! the same two maps in `redisDb` (`blocking_keys`, `ready_keys`).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::Instant;

use crate::reactor::ConnId;

/// What a blocked client waits for: a key holding a value of this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    List,
    ZSet,
}

impl Kind {
    /// The `TYPE` name of the values that can serve this waiter.
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::List => "list",
            Kind::ZSet => "zset",
        }
    }
}

/// One client in a key's queue, and what it waits for.
#[derive(Debug, Clone, Copy)]
pub struct Waiter {
    pub conn: ConnId,
    pub kind: Kind,
}

/// The waiter queues, the ready keys and the timeouts (Redis keeps the first two in `redisDb`:
/// `blocking_keys`, `ready_keys`).
#[derive(Debug, Default)]
pub struct Blocking {
    /// Key → its waiters in the order they blocked (by sequence number: removing one that
    /// disconnects is O(log n), not a scan of the queue).
    waiting: HashMap<Box<[u8]>, BTreeMap<u64, Waiter>>,
    /// Keys signalled since they were last served, in signal order, each once.
    ready: VecDeque<Box<[u8]>>,
    ready_set: HashSet<Box<[u8]>>,
    /// (deadline, seq) → client, earliest first.
    timeouts: BTreeMap<(Instant, u64), ConnId>,
    next_seq: u64,
    blocked_clients: usize,
}

impl Blocking {
    /// `key` was just created: if anyone waits on it, queue it for serving.
    pub fn signal(&mut self, key: &[u8]) {
        if self.waiting.is_empty() || !self.waiting.contains_key(key) {
            return;
        }
        if !self.ready_set.contains(key) {
            self.ready_set.insert(key.into());
            self.ready.push_back(key.into());
        }
    }

    /// Clients blocked now (INFO's `blocked_clients`).
    pub fn blocked_clients(&self) -> usize {
        self.blocked_clients
    }

    /// Blocked clients with a timeout (INFO's `clients_in_timeout_table`).
    pub fn clients_with_timeout(&self) -> usize {
        self.timeouts.len()
    }

    /// Keys some client waits on.
    pub fn blocking_keys(&self) -> usize {
        self.waiting.len()
    }

    /// Every key some client waits on (SWAPDB looks for those that now exist).
    pub fn waited_keys(&self) -> Vec<Box<[u8]>> {
        self.waiting.keys().cloned().collect()
    }

    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// The earliest timeout of a blocked client, for the loop's timer.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.timeouts.first_key_value().map(|(&(at, _), _)| at)
    }

    /// Put `conn` at the back of each key's queue (and in the timeouts, with a deadline).
    /// Returns its place in the queues and the keys, without repeats.
    pub fn block(
        &mut self,
        conn: ConnId,
        kind: Kind,
        keys: &[&[u8]],
        deadline: Option<Instant>,
    ) -> (u64, Vec<Box<[u8]>>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        // A key named twice is found in its own queue, where this client already sits: a
        // hash look-up per key, so `BLPOP k1 ... k100000 0` costs linear time (a scan of the
        // keys kept so far, per key, froze the server for 15 s: pitfall 21).
        let mut unique: Vec<Box<[u8]>> = Vec::with_capacity(keys.len());
        for &key in keys {
            let queue = self.waiting.entry(key.into()).or_default();
            if queue.insert(seq, Waiter { conn, kind }).is_none() {
                unique.push(key.into());
            }
        }
        if let Some(at) = deadline {
            self.timeouts.insert((at, seq), conn);
        }
        self.blocked_clients += 1;
        (seq, unique)
    }

    /// Forget a blocked client everywhere: its place (`seq`) in the queues of `keys`, and its
    /// timeout.
    pub fn unblock(&mut self, seq: u64, keys: &[Box<[u8]>], deadline: Option<Instant>) {
        for key in keys {
            if let Some(queue) = self.waiting.get_mut(key) {
                queue.remove(&seq);
                if queue.is_empty() {
                    self.waiting.remove(key);
                }
            }
        }
        if let Some(at) = deadline {
            self.timeouts.remove(&(at, seq));
        }
        self.blocked_clients -= 1;
    }

    /// The first waiter on `key` that blocked after `after`.
    pub fn next_waiter(&self, key: &[u8], after: Option<u64>) -> Option<(u64, Waiter)> {
        let queue = self.waiting.get(key)?;
        let from = after.map_or(0, |seq| seq + 1);
        queue.range(from..).next().map(|(&seq, &w)| (seq, w))
    }

    pub fn pop_ready(&mut self) -> Option<Box<[u8]>> {
        let key = self.ready.pop_front()?;
        self.ready_set.remove(&key);
        Some(key)
    }

    /// A blocked client whose deadline has passed.
    pub fn pop_due(&mut self, now: Instant) -> Option<ConnId> {
        let (&(at, seq), _) = self.timeouts.first_key_value()?;
        if at > now {
            return None;
        }
        self.timeouts.remove(&(at, seq))
    }
}
