//! One benchmark connection: its socket, its batch of requests, and the replies still owed.
//!
//! The mirror of the server's `src/reactor/connection.rs`. There, requests come in and replies go
//! out; here requests go out and replies come in, and the same rules hold:
//!
//! - every `read` and `write` on the socket happens in this file, `Interrupted` is retried and
//!   `WouldBlock` is the expected end of a drain, not an error;
//! - a short write is normal: what is left stays in the batch and WRITABLE interest is asked
//!   for, and only then ([`Conn::desired_interest`] derives interest from state, and
//!   [`Conn::sync_interest`] re-registers only when that changes);
//! - a reply that straddles two reads is kept in [`Conn::partial`], and the resumable
//!   [`ReplyParser`] picks up where it stopped instead of rescanning.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use mio::net::TcpStream;
use mio::{Interest, Registry, Token};
use reactor::resp::decode::{DecodeError, ReplyParser};
use rustls::pki_types::ServerName;

use crate::request::Batch;

/// How long one blocking connect may take before the run fails.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A partial-reply buffer larger than this is released once empty (the server's
/// `KEEP_BUFFER_CAPACITY`, for the same reason).
const KEEP_PARTIAL_CAPACITY: usize = 16 * 1024;

/// What every connection of a run adds to: requests issued and answered, and their latencies.
pub struct Tally {
    /// Requests handed to connections so far (at most `-n`).
    pub issued: u64,
    /// Replies scanned so far.
    pub finished: u64,
    /// Error replies (`-ERR ...`) among them.
    pub errors: u64,
    /// The text of the first error reply, to show what went wrong.
    pub first_error: Option<String>,
    /// Latency of every reply, nanoseconds.
    pub latency: Histogram<u64>,
    /// Sum of all latencies, nanoseconds (for the progress line's running average).
    pub latency_sum_ns: u64,
}

impl Tally {
    /// Latencies above this are recorded as this (a minute: far beyond any sane reply).
    pub const MAX_LATENCY_NS: u64 = 60_000_000_000;

    pub fn new() -> Tally {
        Tally {
            issued: 0,
            finished: 0,
            errors: 0,
            first_error: None,
            // 3 significant digits, as redis-benchmark: each value within 0.1% (under 1 µs below
            // 1 ms). In nanoseconds: redis-benchmark counts in 8 µs steps at the bottom.
            latency: Histogram::new_with_bounds(1, Tally::MAX_LATENCY_NS, 3)
                .expect("constant histogram bounds are valid"),
            latency_sum_ns: 0,
        }
    }

    /// One complete reply (`bytes`) arrived `latency` after its batch was sent.
    fn reply(&mut self, bytes: &[u8], latency: Duration) {
        let ns = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.finished += 1;
        self.latency.saturating_record(ns);
        self.latency_sum_ns = self.latency_sum_ns.saturating_add(ns);
        if bytes.first() == Some(&b'-') {
            self.errors += 1;
            if self.first_error.is_none() {
                let line = bytes
                    .get(1..bytes.len().saturating_sub(2))
                    .unwrap_or_default();
                self.first_error = Some(String::from_utf8_lossy(line).into_owned());
            }
        }
    }
}

/// Why a connection cannot go on. Any of these ends the run: numbers from a run that lost
/// connections would not mean what they say.
#[derive(Debug)]
pub enum ConnError {
    Io(io::Error),
    /// The server closed the connection.
    Closed,
    /// The server sent bytes that are not RESP.
    Protocol(DecodeError),
    /// The server sent a reply to a request never made.
    UnaskedReply,
}

impl From<io::Error> for ConnError {
    fn from(e: io::Error) -> Self {
        ConnError::Io(e)
    }
}

impl From<DecodeError> for ConnError {
    fn from(e: DecodeError) -> Self {
        ConnError::Protocol(e)
    }
}

/// One connection to the server under test.
pub struct Conn {
    socket: TcpStream,
    /// The TLS session over `socket` (`--tls`); its handshake is done before the clock starts.
    tls: Option<Box<rustls::ClientConnection>>,
    token: Token,
    /// The requests of the batch in flight; `batch.bytes()[written..]` is not yet sent.
    pub batch: Batch,
    written: usize,
    /// Replies the server still owes for the batch in flight. Zero: ready for the next batch.
    pub owed: usize,
    /// When the current batch was handed to the socket: every reply's latency counts from here.
    sent_at: Instant,
    /// The start of a reply that straddles reads: every byte received and not yet part of a
    /// complete reply. Empty (and unallocated) whenever reads end on a reply boundary.
    partial: Vec<u8>,
    parser: ReplyParser,
    /// What is registered with the poller right now.
    registered: Interest,
    /// A readable edge was seen and the socket has not been drained since.
    pub readable: bool,
    /// The last event said the server's side is closed: drain until `read` returns 0.
    pub eof_hinted: bool,
    /// Already on the loop's list of connections to flush.
    pub queued: bool,
}

impl Conn {
    /// Connect (blocking: connections are opened before the clock starts, and a server that
    /// cannot be reached is reported at once), then switch to non-blocking and register for
    /// READABLE, the only interest a connection with nothing to send needs.
    /// With `tls`, the handshake is done here too, blocking, so that it is not timed.
    pub fn connect(
        addr: SocketAddr,
        token: Token,
        registry: &Registry,
        batch: Batch,
        tls: Option<&(Arc<rustls::ClientConfig>, ServerName<'static>)>,
    ) -> io::Result<Conn> {
        let mut std_socket = std::net::TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)?;
        // Requests go out as soon as they are written, not after Nagle's delay.
        std_socket.set_nodelay(true)?;
        let tls = match tls {
            None => None,
            Some((config, name)) => {
                let mut session = rustls::ClientConnection::new(config.clone(), name.clone())
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
                std_socket.set_read_timeout(Some(CONNECT_TIMEOUT))?;
                while session.is_handshaking() {
                    session.complete_io(&mut std_socket)?;
                }
                Some(Box::new(session))
            }
        };
        std_socket.set_nonblocking(true)?;
        let mut socket = TcpStream::from_std(std_socket);
        registry.register(&mut socket, token, Interest::READABLE)?;
        Ok(Conn {
            socket,
            tls,
            token,
            batch,
            written: 0,
            owed: 0,
            sent_at: Instant::now(),
            partial: Vec::new(),
            parser: ReplyParser::new(),
            registered: Interest::READABLE,
            readable: false,
            eof_hinted: false,
            queued: false,
        })
    }

    /// Request bytes not yet handed to the socket (or to the TLS session), and, under TLS,
    /// one more if the session holds records to send.
    pub fn pending_output(&self) -> usize {
        let records = self.tls.as_ref().is_some_and(|tls| tls.wants_write());
        self.batch.len() - self.written + usize::from(records)
    }

    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Start the batch [`Conn::batch`] was just prepared with: nothing of it written yet, a
    /// reply owed for each request.
    pub fn start_batch(&mut self) {
        self.written = 0;
        self.owed = self.batch.count();
    }

    /// Write as much of the batch as the socket takes; if this is the batch's first byte, its
    /// send time is now. As on the server, one `write` normally sends it all; a write that
    /// takes less than offered means the send buffer is full, and WRITABLE will say when to
    /// go on.
    pub fn flush(&mut self) -> io::Result<()> {
        if self.written == 0 && self.pending_output() > 0 {
            self.sent_at = Instant::now();
        }
        if let Some(tls) = self.tls.as_mut() {
            let no_faults = reactor::reactor::Faults::default();
            let plaintext = &self.batch.bytes()[self.written..];
            let (taken, _) = reactor::reactor::tls::write::<rustls::client::ClientConnectionData>(
                tls,
                &mut self.socket,
                &no_faults,
                plaintext,
            )?;
            self.written += taken;
            return Ok(());
        }
        while self.written < self.batch.len() {
            match self.socket.write(&self.batch.bytes()[self.written..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.written += n,
                // Expected, not an error: the send buffer is full.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// One `read` into `buf`, retrying `Interrupted` (a signal is not an error).
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(tls) = self.tls.as_mut() {
            let no_faults = reactor::reactor::Faults::default();
            return reactor::reactor::tls::read::<rustls::client::ClientConnectionData>(
                tls,
                &mut self.socket,
                &no_faults,
                buf,
            );
        }
        loop {
            match self.socket.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }

    /// Scan the bytes just read (after any partial reply kept from before) for complete
    /// replies, record each one's latency as `now - sent_at`, and keep the incomplete rest.
    ///
    /// `now` is the loop's one clock reading for this turn, taken when `poll` returned: the
    /// moment these bytes were known to be here. Scanning time is the client's, not the
    /// server's, so it is left out, as redis-benchmark leaves it out.
    pub fn take_replies(
        &mut self,
        bytes: &[u8],
        now: Instant,
        tally: &mut Tally,
    ) -> Result<(), ConnError> {
        let latency = now.saturating_duration_since(self.sent_at);
        // Usual case: no partial reply pending, so scan straight from the read buffer and copy
        // nothing. Otherwise append to the partial reply and scan that.
        if self.partial.is_empty() {
            let used = scan(&mut self.parser, bytes, &mut self.owed, latency, tally)?;
            self.partial.extend_from_slice(&bytes[used..]);
        } else {
            self.partial.extend_from_slice(bytes);
            let used = scan(
                &mut self.parser,
                &self.partial,
                &mut self.owed,
                latency,
                tally,
            )?;
            self.partial.drain(..used);
            if self.partial.is_empty() && self.partial.capacity() > KEEP_PARTIAL_CAPACITY {
                self.partial = Vec::new();
            }
        }
        Ok(())
    }

    /// The interest this connection's state calls for: READABLE always (a reply, or the
    /// server closing, may come at any time), WRITABLE only while request bytes are pending.
    pub fn desired_interest(&self) -> Interest {
        if self.pending_output() > 0 {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        }
    }

    /// Re-register if the desired interest differs from the registered one.
    pub fn sync_interest(&mut self, registry: &Registry) -> io::Result<()> {
        let desired = self.desired_interest();
        if desired != self.registered {
            registry.reregister(&mut self.socket, self.token, desired)?;
            self.registered = desired;
        }
        Ok(())
    }
}

/// Count every complete reply at the start of `input`; return the bytes they used.
fn scan(
    parser: &mut ReplyParser,
    input: &[u8],
    owed: &mut usize,
    latency: Duration,
    tally: &mut Tally,
) -> Result<usize, ConnError> {
    let mut at = 0;
    while let Some(len) = parser.scan(&input[at..])? {
        if *owed == 0 {
            return Err(ConnError::UnaskedReply);
        }
        *owed -= 1;
        tally.reply(&input[at..at + len], latency);
        at += len;
    }
    Ok(at)
}
