//! Output limits: how much unsent output a connection may hold before the loop cuts it off.
//!
//! Chapter: [docs/11-backpressure-and-slow-consumers.md](../../docs/11-backpressure-and-slow-consumers.md).
//!
//! A server that writes to *other* connections (pub/sub, a chat room, a served blocked client,
//! a dashboard stream) cannot slow the writer down when the reader stops reading: the writer is
//! someone else. Its output would grow without bound. Redis's answer is
//! `client-output-buffer-limit CLASS HARD SOFT SECONDS`: past HARD bytes of unsent output the
//! client is closed at once; above SOFT bytes for SECONDS in a row, too. Each client belongs to
//! a class (normal, or pubsub while it is subscribed), and each class has its limits.
//!
//! The limit lives here, in the loop, because every byte for a connection goes through the
//! loop: [`crate::reactor::Ctx::send`] for another connection's output, the current connection's own
//! replies when the handler returns, a connection lent with [`crate::reactor::Ctx::with_lent`] when
//! it is given back. So every writer is subject to it without knowing it exists, and there is
//! one place that closes a slow consumer, logs it and counts it. The handler only says which
//! class a connection is in ([`crate::reactor::Ctx::set_output_class`]); the limits per class are
//! [`crate::reactor::Options::output_limits`], changeable at run time ([`crate::reactor::Ctx::set_output_limits`],
//! `CONFIG SET client-output-buffer-limit`).
//!
//! Unsent output that fits in [`UNCOUNTED`] bytes (16 KiB) does not count, as in Redis, where
//! it sits in a fixed buffer of each client rather than its reply list: so under
//! `normal 10kb 0 0` a 12 KB `ECHO` is still answered, and under `normal 1 1 0` CONFIG SET's own
//! `+OK` is, as a Redis user sees them answered. (When every byte counted, both cut the client
//! off.) Past it, every byte counts: Redis counts only what overflows into its reply list, but
//! in blocks of at least 16 KiB, so that a 17 KB reply breaks `normal 10kb` there too (checked
//! against redis-server 7.0.15: 12,000 bytes answered, 17,000 cut off, and under `20kb`, 30,000
//! cut off). Counting it all errs, by at most 16 KiB, on the side of the limit.
//!
//! Normal clients default to no limit, as in Redis; they get backpressure instead (the loop
//! stops reading from a client whose replies pile up, `Options::output_high_water`), which
//! bounds memory without dropping anything. Backpressure cannot help a subscriber: it sends
//! nothing, so not reading from it changes nothing.
//!
//! Redis counterpart: `networking.c` (`checkClientOutputBufferLimits`,
//! `closeClientOnOutputBufferLimitReached`).

use std::time::Instant;

/// Unsent output not counted against a limit: Redis's fixed per-client reply buffer
/// (`PROTO_REPLY_CHUNK_BYTES`, 16 KiB), which is not part of its reply list's size.
pub const UNCOUNTED: usize = 16 * 1024;

/// How many of `pending` unsent bytes count against a limit: none while they fit in Redis's
/// fixed buffer, all of them once they do not.
pub fn counted(pending: usize) -> usize {
    if pending <= UNCOUNTED { 0 } else { pending }
}

/// One class's limit: redis.conf's `HARD SOFT SECONDS`. Zero disables that part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputLimit {
    /// Bytes of unsent output at which the connection is closed at once.
    pub hard: usize,
    /// Bytes of unsent output the connection may stay above for at most `soft_secs`.
    pub soft: usize,
    pub soft_secs: u64,
}

impl OutputLimit {
    /// No limit (`0 0 0`, Redis's default for normal clients).
    pub const NONE: OutputLimit = OutputLimit {
        hard: 0,
        soft: 0,
        soft_secs: 0,
    };

    /// Whether `pending` bytes break this limit at `now`. `soft_since` is the connection's
    /// record of when it went above the soft limit: set the first time, cleared once below.
    pub fn breached(&self, pending: usize, soft_since: &mut Option<Instant>, now: Instant) -> bool {
        if self.hard > 0 && pending >= self.hard {
            return true;
        }
        if self.soft > 0 && pending >= self.soft {
            let since = *soft_since.get_or_insert(now);
            return now.duration_since(since).as_secs() >= self.soft_secs;
        }
        *soft_since = None;
        false
    }
}

/// Which limits apply to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputClass {
    /// Every connection starts here.
    #[default]
    Normal,
    /// A subscriber (Redis: a client with at least one subscription).
    Pubsub,
}

/// The limits of every class: redis.conf's `client-output-buffer-limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputLimits {
    /// `normal 0 0 0`.
    pub normal: OutputLimit,
    /// `replica 256mb 64mb 60`: kept so that CONFIG GET and a redis.conf say what Redis
    /// says; this server has no replicas, so no connection is in this class.
    pub replica: OutputLimit,
    /// `pubsub 32mb 8mb 60`.
    pub pubsub: OutputLimit,
}

impl Default for OutputLimits {
    fn default() -> Self {
        const MB: usize = 1024 * 1024;
        OutputLimits {
            normal: OutputLimit::NONE,
            replica: OutputLimit {
                hard: 256 * MB,
                soft: 64 * MB,
                soft_secs: 60,
            },
            pubsub: OutputLimit {
                hard: 32 * MB,
                soft: 8 * MB,
                soft_secs: 60,
            },
        }
    }
}

impl OutputLimits {
    pub fn of(&self, class: OutputClass) -> OutputLimit {
        match class {
            OutputClass::Normal => self.normal,
            OutputClass::Pubsub => self.pubsub,
        }
    }
}

/// What became of bytes sent to another connection with [`crate::reactor::Ctx::send`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Appended; written before the loop sleeps.
    Sent,
    /// Appended, and that put the connection over its output limit: it is closed, its
    /// output dropped (nobody will read it).
    CutOff,
    /// The connection has gone, is closing, or is lent out: nothing was appended.
    Gone,
}

#[cfg(test)]
mod tests {
    use crate::reactor::output_limit::*;
    use std::time::Duration;

    #[test]
    fn hard_at_once_soft_after_its_seconds_and_soft_forgotten_below() {
        let limit = OutputLimit {
            hard: 100,
            soft: 10,
            soft_secs: 5,
        };
        let t0 = Instant::now();
        let mut since = None;
        assert!(!limit.breached(9, &mut since, t0));
        assert!(!limit.breached(10, &mut since, t0));
        assert_eq!(since, Some(t0));
        assert!(!limit.breached(50, &mut since, t0 + Duration::from_secs(4)));
        assert!(limit.breached(50, &mut since, t0 + Duration::from_secs(5)));
        // Back below the soft limit: the clock restarts.
        assert!(!limit.breached(0, &mut since, t0 + Duration::from_secs(6)));
        assert_eq!(since, None);
        assert!(!limit.breached(50, &mut since, t0 + Duration::from_secs(7)));
        assert!(limit.breached(100, &mut None, t0));
        assert!(!OutputLimit::NONE.breached(usize::MAX, &mut None, t0));
    }
}
