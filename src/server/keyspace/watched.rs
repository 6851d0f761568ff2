//! Which keys are watched (WATCH), and whether they changed since: the keyspace's side of
//! optimistic locking.
//!
//! Redis keeps, per watched key, the list of clients watching it, and every write walks that
//! list to flag each client dirty (`touchWatchedKey`). Here a watched key keeps two counters
//! instead, and a watcher remembers their values when it began to watch ([`Stamp`]): EXEC
//! compares. A write costs one lookup in this table, and nothing while no key is watched
//! (the common case: one emptiness check); the keyspace needs no way to reach a client.
//!
//! The two counters keep apart the two ways a key can go:
//!
//! - `changes`: the key was written, deleted or flushed while alive.
//! - `expiries`: the key was removed because its deadline had passed (lazily, by the active
//!   cycle, or by a flush of a key already expired).
//!
//! A watcher whose key was alive at WATCH sees both as changes. A watcher whose key was
//! already expired (but not yet removed) at WATCH saw no key at all; its removal is no
//! logical change, so only `changes` counts for it (Redis's `watchedKey.expired`).
//!
//! The entry lives while someone watches the key: [`WatchedKeys::watch`] counts watchers in
//! and [`WatchedKeys::unwatch`] out.

use std::collections::HashMap;

/// A watched key's counters at the moment a client began to watch it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    changes: u64,
    expiries: u64,
}

#[derive(Debug, Default)]
struct Watch {
    watchers: usize,
    changes: u64,
    expiries: u64,
}

/// The watched keys of one database.
#[derive(Debug, Default)]
pub struct WatchedKeys {
    keys: HashMap<Box<[u8]>, Watch>,
}

impl WatchedKeys {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// One more watcher of `key`: the counters it will compare at EXEC.
    pub fn watch(&mut self, key: &[u8]) -> Stamp {
        let watch = match self.keys.get_mut(key) {
            Some(watch) => watch,
            None => self.keys.entry(key.into()).or_default(),
        };
        watch.watchers += 1;
        Stamp {
            changes: watch.changes,
            expiries: watch.expiries,
        }
    }

    /// One watcher of `key` fewer; the entry goes with the last.
    pub fn unwatch(&mut self, key: &[u8]) {
        if let Some(watch) = self.keys.get_mut(key) {
            watch.watchers -= 1;
            if watch.watchers == 0 {
                self.keys.remove(key);
            }
        }
    }

    /// Whether `key` changed for a watcher holding `stamp`; `was_expired`: the key was
    /// already past its deadline when it was watched.
    pub fn changed(&self, key: &[u8], stamp: Stamp, was_expired: bool) -> bool {
        self.keys.get(key).is_some_and(|watch| {
            watch.changes != stamp.changes || (!was_expired && watch.expiries != stamp.expiries)
        })
    }

    /// `key` was written or deleted: every watcher's EXEC will fail.
    pub(super) fn touch(&mut self, key: &[u8]) {
        if let Some(watch) = self.keys.get_mut(key) {
            watch.changes += 1;
        }
    }

    /// `key` was removed because its deadline had passed.
    pub(super) fn touch_expired(&mut self, key: &[u8]) {
        if let Some(watch) = self.keys.get_mut(key) {
            watch.expiries += 1;
        }
    }

    /// The watched keys, for a flush to touch those it removes.
    pub(super) fn keys(&self) -> Vec<Box<[u8]>> {
        self.keys.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write changes the key for every watcher; an expiry only for those who saw it alive;
    /// the entry goes with its last watcher.
    ///
    /// Break checked: counting expiries for a watcher of an already expired key reports
    /// its removal as a change.
    #[test]
    fn writes_and_expiries_count_for_the_right_watchers() {
        let mut watched = WatchedKeys::default();
        let alive = watched.watch(b"k");
        let stale = watched.watch(b"k");
        watched.touch_expired(b"k");
        assert!(watched.changed(b"k", alive, false));
        assert!(!watched.changed(b"k", stale, true));
        watched.touch(b"k");
        assert!(watched.changed(b"k", stale, true));
        watched.unwatch(b"k");
        watched.unwatch(b"k");
        assert!(watched.is_empty());
    }
}
