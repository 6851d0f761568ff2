//! One client's application state: its name, its subscriptions, what it last ran, what it
//! waits for.
//!
//! Chapter: [docs/06-the-connection-slab.md](../../docs/06-the-connection-slab.md).
//!
//! The loop owns the socket and the buffers; [`Client`] (inside the handler's
//! [`super::Session`], beside the request parser) owns everything command-shaped about the
//! connection. Redis keeps both in one `client` struct; we split them along the layer
//! boundary.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::Instant;

use crate::resp::OwnedRequest;
use crate::server::keyspace::waiters::Kind;
use crate::server::keyspace::watched::Stamp;

/// What commands know about the client running them.
#[derive(Debug)]
pub struct Client {
    /// Redis's client id: increasing, never reused (unlike slab slots).
    pub id: u64,
    /// Set by `CLIENT SETNAME`.
    pub name: Option<Vec<u8>>,
    /// Full name of the last command run (`cmd=` in CLIENT LIST).
    pub last_command: &'static str,
    pub created: Instant,
    /// QUIT or a protocol error: stop executing this client's requests.
    pub closing: bool,
    /// Channels and patterns subscribed to (pub/sub); non-empty means subscribed mode.
    pub channels: HashSet<Box<[u8]>>,
    pub patterns: HashSet<Box<[u8]>>,
    /// AUTH succeeded, or no password is required.
    pub authenticated: bool,
    /// The database SELECT chose (0 at first).
    pub db: usize,
    /// Waiting on keys (BLPOP and friends). Boxed: most clients never block.
    pub blocked: Option<Box<Blocked>>,
    /// Commands run (the dashboard's client table).
    pub commands: u64,
    /// CLIENT REPLY: whether this client's commands are answered.
    pub replies: Replies,
    /// CLIENT NO-EVICT ON (the `e` flag).
    pub no_evict: bool,
    /// The peer's address (MONITOR's lines, the slow log).
    pub peer: SocketAddr,
    /// MONITOR ran: this client receives every command's line.
    pub monitor: bool,
    /// MULTI ran: the commands queued for EXEC. Boxed: most clients never open one.
    pub multi: Option<Box<Transaction>>,
    /// WATCH: the keys watched, each with what it looked like then.
    pub watching: Vec<WatchedKey>,
    /// EXEC is running this client's queue: no command may block (Redis's
    /// `CLIENT_DENY_BLOCKING`).
    pub executing: bool,
    /// The client a script's commands run as (Redis's `CLIENT_SCRIPT`): MONITOR shows it as
    /// `lua`, and SORT orders what it would otherwise leave unordered.
    pub script: bool,
}

/// A transaction being queued (between MULTI and EXEC).
#[derive(Debug, Default)]
pub struct Transaction {
    pub queue: Vec<OwnedRequest>,
    /// The queue's heap bytes (CLIENT LIST's `multi-mem`), held to the query-buffer limit.
    pub bytes: usize,
    /// A command was refused while queueing: EXEC answers EXECABORT (`CLIENT_DIRTY_EXEC`).
    pub aborted: bool,
    /// Some queued command writes: under `CLIENT PAUSE WRITE` the EXEC waits.
    pub writes: bool,
    /// Some queued command may add memory: over `maxmemory` the EXEC is refused.
    pub denyoom: bool,
}

/// One key a client watches.
#[derive(Debug)]
pub struct WatchedKey {
    /// The database the key was watched in.
    pub db: usize,
    pub key: Box<[u8]>,
    /// The key's counters when it was watched.
    pub stamp: Stamp,
    /// It was already past its deadline then (its removal is no change).
    pub was_expired: bool,
}

/// What CLIENT REPLY asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Replies {
    #[default]
    On,
    /// No replies until `CLIENT REPLY ON`.
    Off,
    /// `CLIENT REPLY SKIP` just ran: the next command's reply is dropped.
    SkipNext,
    /// That next command is running.
    Skip,
}

impl Client {
    pub fn new(id: u64, now: Instant, authenticated: bool, peer: SocketAddr) -> Self {
        Client {
            id,
            name: None,
            last_command: "NULL",
            created: now,
            closing: false,
            channels: HashSet::new(),
            patterns: HashSet::new(),
            authenticated,
            db: 0,
            blocked: None,
            commands: 0,
            replies: Replies::On,
            no_evict: false,
            peer,
            monitor: false,
            multi: None,
            watching: Vec::new(),
            executing: false,
            script: false,
        }
    }

    /// Whether the reply of the command that just ran is kept, and the reply mode for the next
    /// one (Redis's `CLIENT_REPLY_SKIP` lasts one command).
    #[inline]
    pub fn keeps_reply(&mut self) -> bool {
        match self.replies {
            Replies::On => true,
            Replies::Off => false,
            Replies::SkipNext => {
                self.replies = Replies::Skip;
                true
            }
            Replies::Skip => {
                self.replies = Replies::On;
                false
            }
        }
    }

    /// Channels plus patterns: the count SUBSCRIBE replies report.
    pub fn subscription_count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// In subscribed mode only pub/sub commands, PING, QUIT and RESET may run.
    pub fn subscribed(&self) -> bool {
        self.subscription_count() > 0
    }
}

/// What a blocked client carries while it waits (in `Client::blocked`).
#[derive(Debug)]
pub struct Blocked {
    /// The database whose keys it waits on.
    pub db: usize,
    /// Position in every waiter queue: lower blocked earlier.
    pub seq: u64,
    pub kind: Kind,
    /// The keys waited on, without repeats.
    pub keys: Vec<Box<[u8]>>,
    pub deadline: Option<Instant>,
    /// The command to run again when a key is ready.
    pub request: OwnedRequest,
}
