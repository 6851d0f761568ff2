//! One client's application state: its parser, its name, what it last ran.
//!
//! Chapter: [docs/06-the-connection-slab.md](../../docs/06-the-connection-slab.md).
//!
//! [`Session`] is the [`crate::reactor::Handler::Session`] of the Redis handler. The loop owns
//! the socket and the buffers; this owns everything RESP- and command-shaped about the
//! connection (Redis keeps both in one `client` struct; we split them along the layer
//! boundary). A connection from the dashboard's listener is a browser instead, with a session
//! of its own ([`super::dashboard::Viewer`]).

use std::collections::HashSet;
use std::time::Instant;

use crate::resp::RequestParser;

use super::blocking::Blocked;
use super::dashboard::Viewer;

/// Per-connection state of the Redis handler: a Redis client, or a dashboard viewer.
///
/// Not boxed, though the variants differ in size: nearly every connection is a Redis client,
/// and boxing its session would cost each one an allocation to save a few browsers a few
/// hundred bytes.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Session {
    Resp(RespSession),
    Dashboard(Viewer),
}

impl Session {
    /// The Redis client, unless this is a dashboard viewer.
    pub fn client(&self) -> Option<&Client> {
        match self {
            Session::Resp(session) => Some(&session.client),
            Session::Dashboard(_) => None,
        }
    }

    pub fn client_mut(&mut self) -> Option<&mut Client> {
        match self {
            Session::Resp(session) => Some(&mut session.client),
            Session::Dashboard(_) => None,
        }
    }
}

/// A Redis client's session: the parser, and everything else. They are separate fields
/// because a parsed request borrows the parser while a command borrows the client.
#[derive(Debug)]
pub struct RespSession {
    pub parser: RequestParser,
    pub client: Client,
}

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
    /// Waiting on keys (BLPOP and friends). Boxed: most clients never block.
    pub blocked: Option<Box<Blocked>>,
    /// Commands run (the dashboard's client table).
    pub commands: u64,
}

impl Client {
    /// Channels plus patterns: the count SUBSCRIBE replies report.
    pub fn subscription_count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// In subscribed mode only pub/sub commands, PING, QUIT and RESET may run.
    pub fn subscribed(&self) -> bool {
        self.subscription_count() > 0
    }
}

impl RespSession {
    pub fn new(id: u64, now: Instant, authenticated: bool) -> Self {
        RespSession {
            parser: RequestParser::new(),
            client: Client {
                id,
                name: None,
                last_command: "NULL",
                created: now,
                closing: false,
                channels: HashSet::new(),
                patterns: HashSet::new(),
                authenticated,
                blocked: None,
                commands: 0,
            },
        }
    }
}
