//! Notable things that happened to connections, kept for anyone who wants to show them (the
//! dashboard's event log): a slow consumer cut off, a client refused at `maxclients`, accepts
//! paused for lack of descriptors, a protocol error.
//!
//! Chapter: [docs/18-watching-the-loop.md](../../docs/18-watching-the-loop.md).
//!
//! A fixed ring of the latest [`Notices::CAPACITY`], each a few words with no heap behind it,
//! so a flood of bad clients costs a bounded amount of memory and no allocation. Each notice
//! has a sequence number, so a reader can tell which ones it has not seen yet.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Instant;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// Cut off: unsent output over its class's limit (a slow consumer).
    OutputLimit,
    /// Closed: unconsumed input over the query buffer limit.
    QueryBufferLimit,
    /// Refused: `maxclients` connections already open.
    MaxClients,
    /// Out of file descriptors: accepting paused (see [`super::listener`]).
    AcceptBackoff,
    /// Closed after the idle timeout.
    IdleTimeout,
    /// A TLS client that did not finish its handshake in time.
    HandshakeTimeout,
    /// A client of another protocol that did not finish its request in time (reported by the
    /// handler: the dashboard's HTTP request heads).
    RequestTimeout,
    /// The handler found bytes that cannot be a request (reported through
    /// [`super::Ctx::notice`]).
    ProtocolError,
}

impl NoticeKind {
    /// A short description, for a log line.
    pub fn describe(self) -> &'static str {
        match self {
            NoticeKind::OutputLimit => "slow consumer cut off at its output limit",
            NoticeKind::QueryBufferLimit => "closed: query buffer over its limit",
            NoticeKind::MaxClients => "refused: maxclients reached",
            NoticeKind::AcceptBackoff => "out of file descriptors: accepts paused",
            NoticeKind::IdleTimeout => "closed: idle timeout",
            NoticeKind::HandshakeTimeout => "closed: TLS handshake timed out",
            NoticeKind::RequestTimeout => "closed: request not finished in time",
            NoticeKind::ProtocolError => "protocol error: reply sent, connection closed",
        }
    }
}

/// One notable event.
#[derive(Debug, Clone, Copy)]
pub struct Notice {
    /// Increases by one per notice, from 1.
    pub seq: u64,
    pub at: Instant,
    pub kind: NoticeKind,
    /// The peer it concerns, if one.
    pub peer: Option<SocketAddr>,
}

/// The latest notices, oldest first.
#[derive(Debug, Default)]
pub struct Notices {
    ring: VecDeque<Notice>,
    last_seq: u64,
}

impl Notices {
    /// How many are kept.
    pub const CAPACITY: usize = 32;

    pub fn push(&mut self, kind: NoticeKind, peer: Option<SocketAddr>, at: Instant) {
        if self.ring.len() == Self::CAPACITY {
            self.ring.pop_front();
        }
        self.last_seq += 1;
        self.ring.push_back(Notice {
            seq: self.last_seq,
            at,
            kind,
            peer,
        });
    }

    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Notice> {
        self.ring.iter()
    }

    /// The sequence number of the latest notice (0: none yet).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_latest_and_numbers_them_all() {
        let mut notices = Notices::default();
        let now = Instant::now();
        for _ in 0..Notices::CAPACITY + 5 {
            notices.push(NoticeKind::MaxClients, None, now);
        }
        let seqs: Vec<u64> = notices.iter().map(|n| n.seq).collect();
        assert_eq!(seqs.len(), Notices::CAPACITY);
        assert_eq!(seqs[0], 6);
        assert_eq!(notices.last_seq(), (Notices::CAPACITY + 5) as u64);
    }
}
