//! The client-side tick: flush every batch, poll, scan replies, start the next batches.
//!
//! One turn of [`run`], the server's turn seen in a mirror:
//!
//! | the server (`src/reactor/event_loop.rs`)  | this loop                                      |
//! | ----------------------------------------- | ---------------------------------------------- |
//! | reads requests until `WouldBlock`         | reads replies until `WouldBlock`               |
//! | runs them, appends replies to the output  | counts them; a finished batch queues the next  |
//! | flushes every dirty connection before poll| flushes every new batch before poll            |
//! | WRITABLE only for replies left unwritten  | WRITABLE only for requests left unwritten      |
//! | sleeps until the nearest deadline         | sleeps until the next progress line (or ever)  |
//!
//! 1. **Flush**: every connection with a new batch writes it, one `write` each.
//! 2. **Poll**, then read the clock once: that reading is the arrival time of every reply
//!    found in this turn.
//! 3. **Events**: a readable connection is drained (until `WouldBlock`, a short read, or 0);
//!    each complete reply is counted and its latency recorded. A connection whose replies are
//!    all in, while requests remain to be issued, prepares its next batch and queues itself for
//!    step 1. A writable connection (its last batch did not fit in the send buffer) is queued too.
//!
//! The clock is read once per turn for arrivals and once per batch for its send time, never per
//! reply. (The send time is taken just before the batch's first `write`, not once for the whole
//! flush pass: 50 writes take long enough that a pass-wide stamp inflated the median latency by
//! about 15% in a measurement against redis-server. On Linux `Instant::now` is a vDSO call, tens
//! of nanoseconds, not a syscall; the `write` beside it costs microseconds.)
//!
//! The client never accepts, and its connections live exactly as long as a test, so where the
//! server has a slab with generations, this loop has a plain `Vec`: the token is the index.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::{Events, Poll, Token};

use crate::connection::{Conn, ConnError, Tally};
use crate::report::Progress;
use crate::request::{Batch, Rng, Template};

/// Bytes asked for per `read` (the server's `read_chunk`, Redis's `PROTO_IOBUF_LEN`). Every read
/// lands in one shared buffer; only a reply cut in two is copied into its connection.
const READ_CHUNK: usize = 16 * 1024;
/// Events fetched per `poll`.
const EVENTS_CAPACITY: usize = 1024;

/// The shape of one test run (the flags that matter to the loop).
#[derive(Debug, Clone)]
pub struct Settings {
    /// `-c`: connections.
    pub clients: usize,
    /// `-n`: requests in total, over all connections.
    pub requests: u64,
    /// `-P`: requests per batch on one connection.
    pub pipeline: usize,
    /// `-r`: random key numbers below this; `None` sends `__rand_int__` as it is.
    pub keyspace: Option<u64>,
    /// `--tls`: the client configuration and the server name to check.
    pub tls: Option<(
        std::sync::Arc<rustls::ClientConfig>,
        rustls::pki_types::ServerName<'static>,
    )>,
}

/// What a finished run measured.
pub struct Outcome {
    pub tally: Tally,
    /// From the first batch written to the last reply scanned.
    pub elapsed: Duration,
}

/// Why a run failed.
#[derive(Debug)]
pub enum RunError {
    /// A connection could not be opened: the server is not there.
    Connect { addr: SocketAddr, error: io::Error },
    /// An established connection failed.
    Conn {
        addr: SocketAddr,
        error: ConnError,
        finished: u64,
        /// The first error reply, often the reason (`-ERR max number of clients reached`).
        first_error: Option<String>,
    },
    /// The poller itself failed.
    Poll(io::Error),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // redis-benchmark's words, so scripts and people recognise them.
            RunError::Connect { addr, error } => {
                write!(f, "Could not connect to server at {addr}: {error}")
            }
            RunError::Conn {
                addr,
                error,
                finished,
                first_error,
            } => {
                let what = match error {
                    ConnError::Io(e) => format!("connection error: {e}"),
                    ConnError::Closed => "server closed the connection".to_string(),
                    ConnError::Protocol(e) => e.to_string(),
                    ConnError::UnaskedReply => "server sent a reply to no request".to_string(),
                };
                write!(f, "{addr}: {what} (after {finished} replies)")?;
                match first_error {
                    Some(text) => write!(f, "; the first error reply was: {text}"),
                    None => Ok(()),
                }
            }
            RunError::Poll(e) => write!(f, "poll failed: {e}"),
        }
    }
}

impl std::error::Error for RunError {}

/// Run one test: open `settings.clients` connections to `addr`, send `settings.requests`
/// copies of `template` over them, and measure.
pub fn run(
    addr: SocketAddr,
    template: &Template,
    settings: &Settings,
    mut progress: Option<&mut Progress>,
) -> Result<Outcome, RunError> {
    let mut poll = Poll::new().map_err(RunError::Poll)?;
    let mut conns = connect_all(addr, template, settings, &poll)?;
    let mut tally = Tally::new();
    let mut rng = Rng::from_clock();
    let mut scratch = vec![0u8; READ_CHUNK];
    let mut events = Events::with_capacity(EVENTS_CAPACITY);
    // 0. Every connection's first batch, queued to be written before the first poll.
    let mut dirty: Vec<usize> = Vec::with_capacity(conns.len());
    for (i, conn) in conns.iter_mut().enumerate() {
        if next_batch(conn, &mut tally, settings, &mut rng) {
            conn.queued = true;
            dirty.push(i);
        }
    }

    let started = Instant::now();
    if let Some(p) = progress.as_deref_mut() {
        p.start(started);
    }
    while tally.finished < settings.requests {
        // 1. Flush: the client's beforeSleep.
        for i in dirty.drain(..) {
            let conn = &mut conns[i];
            conn.queued = false;
            conn.flush()
                .and_then(|()| conn.sync_interest(poll.registry()))
                .map_err(|e| fail(addr, ConnError::Io(e), &tally))?;
        }

        // 2. Poll: sleep until replies arrive, or until the next progress line is due.
        let timeout = progress
            .as_deref()
            .map(|p| p.due().saturating_duration_since(Instant::now()));
        if let Err(e) = poll.poll(&mut events, timeout) {
            if e.kind() == io::ErrorKind::Interrupted {
                continue; // a signal, not an error
            }
            return Err(RunError::Poll(e));
        }
        let now = Instant::now();

        // 3. Events.
        for event in events.iter() {
            let i = event.token().0;
            let Some(conn) = conns.get_mut(i) else {
                continue;
            };
            // An error or a hang-up is learned by reading, like data.
            if event.is_readable() || event.is_read_closed() || event.is_error() {
                conn.readable = true;
            }
            if event.is_read_closed() {
                conn.eof_hinted = true;
            }
            if conn.readable {
                drain(conn, &mut scratch, now, &mut tally).map_err(|e| fail(addr, e, &tally))?;
            }
            let wants_flush = if conn.owed == 0 && conn.pending_output() == 0 {
                next_batch(conn, &mut tally, settings, &mut rng)
            } else {
                event.is_writable() && conn.pending_output() > 0
            };
            if wants_flush && !conn.queued {
                conn.queued = true;
                dirty.push(i);
            }
        }
        if let Some(p) = progress.as_deref_mut() {
            p.maybe_show(now, &tally);
        }
    }
    let elapsed = started.elapsed();
    if let Some(p) = progress {
        p.clear();
    }
    Ok(Outcome { tally, elapsed })
}

/// `settings.clients` connections to `addr`, registered with `poll`, each with its batch.
fn connect_all(
    addr: SocketAddr,
    template: &Template,
    settings: &Settings,
    poll: &Poll,
) -> Result<Vec<Conn>, RunError> {
    (0..settings.clients)
        .map(|i| {
            let batch = Batch::new(template, settings.pipeline);
            Conn::connect(
                addr,
                Token(i),
                poll.registry(),
                batch,
                settings.tls.as_ref(),
            )
            .map_err(|error| RunError::Connect { addr, error })
        })
        .collect()
}

fn fail(addr: SocketAddr, error: ConnError, tally: &Tally) -> RunError {
    RunError::Conn {
        addr,
        error,
        finished: tally.finished,
        first_error: tally.first_error.clone(),
    }
}

/// Give `conn` the next batch, if requests remain to be issued: `-P` of them, or fewer for the
/// last batch of the run, so exactly `-n` requests are sent. Returns whether there was one.
fn next_batch(conn: &mut Conn, tally: &mut Tally, settings: &Settings, rng: &mut Rng) -> bool {
    let remaining = settings.requests.saturating_sub(tally.issued);
    if remaining == 0 {
        return false;
    }
    let count = usize::try_from(remaining).map_or(settings.pipeline, |r| r.min(settings.pipeline));
    conn.batch.prepare(count, settings.keyspace, rng);
    conn.start_batch();
    tally.issued += conn.batch.count() as u64;
    true
}

/// Read from `conn` until the socket is drained, scanning replies as they come.
fn drain(
    conn: &mut Conn,
    scratch: &mut [u8],
    now: Instant,
    tally: &mut Tally,
) -> Result<(), ConnError> {
    while conn.readable {
        match conn.read(scratch) {
            // The server closed the connection while a run still needs it. (A server closing
            // an idle connection after the run is over is never read: the run ends first.)
            Ok(0) => return Err(ConnError::Closed),
            Ok(n) => {
                // A read that returned less than asked emptied the kernel's queue; new bytes
                // raise a new edge, so the read that would only say WouldBlock is skipped (as
                // the server does). Not when the peer has hung up: then read on until 0. Not
                // under TLS either: plaintext may wait inside the session (chapter 17).
                if n < scratch.len() && !conn.eof_hinted && !conn.is_tls() {
                    conn.readable = false;
                }
                conn.take_replies(&scratch[..n], now, tally)?;
            }
            // Expected: the socket is drained. The next edge will bring us back.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => conn.readable = false,
            Err(e) => return Err(ConnError::Io(e)),
        }
    }
    Ok(())
}
