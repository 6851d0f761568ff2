//! One client connection: its socket, its buffers, and the state its interest is derived from.
//!
//! Chapters: [docs/06-the-connection-slab.md](../../docs/06-the-connection-slab.md),
//! [docs/07-the-read-path.md](../../docs/07-the-read-path.md),
//! [docs/08-the-write-path.md](../../docs/08-the-write-path.md).
//!
//! Every `read` and `write` on a client socket happens in this file, so a transport (TLS,
//! [`crate::reactor::tls`]) sits between the socket and the buffers without anything above it changing:
//! `input` and `output` always hold plaintext.
//!
//! The interest registered with `mio` is never toggled ad hoc: [`Connection::desired_interest`]
//! computes it from state (READABLE always; WRITABLE only while output is pending), and
//! [`Connection::sync_interest`] re-registers only when that differs from what is registered.
//! A connection with nothing to write therefore never wakes the loop for writability, which is
//! what keeps an idle server idle (PITFALLS.md row 7).

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::time::Instant;

use mio::net::TcpStream;
use mio::{Interest, Registry};

use log::warn;

use crate::reactor::fault::Faults;
use crate::reactor::output_limit::{OutputClass, OutputLimits};
use crate::reactor::{ConnId, Origin};

/// Buffers larger than this are released once empty, so an idle connection that once moved a
/// large value does not keep the memory (Redis shrinks its query buffer in `clientsCron`).
pub const KEEP_BUFFER_CAPACITY: usize = 16 * 1024;

/// One accepted client. Fields are crate-visible: the loop and [`crate::reactor::Ctx`] drive them.
pub struct Connection<S> {
    pub(crate) id: ConnId,
    pub(crate) socket: TcpStream,
    pub(crate) peer: SocketAddr,
    /// The listener that accepted it.
    pub(crate) origin: Origin,
    /// The handler's per-connection state. `None` only while lent to a handler call. Boxed, so
    /// lending it out and taking it back moves one pointer, not the whole state (a Redis
    /// client is hundreds of bytes: moving it twice per read cost ~200 instructions).
    pub(crate) session: Option<Box<S>>,
    /// Received bytes the handler has not consumed yet: the start of a partial request. Empty
    /// (and unallocated) between requests, which is what makes idle connections cheap.
    pub(crate) input: Vec<u8>,
    /// Replies waiting to be written; `output[written..]` is still owed to the peer.
    pub(crate) output: Vec<u8>,
    pub(crate) written: usize,
    /// The TLS session, on a connection accepted by the TLS listener (boxed: it is large, and
    /// plaintext connections should not pay for it).
    pub(crate) tls: Option<Box<rustls::ServerConnection>>,
    /// `close_notify` has been queued (TLS: an orderly close says so before the FIN).
    close_notify_sent: bool,
    /// What is registered with the poller right now.
    pub(crate) registered: Interest,
    /// A readiness edge was seen and the socket has not been drained since. Under edge
    /// triggering no new event will come for bytes already waiting, so this flag is the only
    /// memory that they exist.
    pub(crate) readable: bool,
    /// The last event reported the peer's write side closed: drain until `read` returns 0
    /// instead of stopping at a short read.
    pub(crate) eof_hinted: bool,
    /// `read` returned 0: the peer sends nothing more. Owed replies are still written.
    pub(crate) read_closed: bool,
    /// Close once output is flushed (QUIT, protocol error, shutdown). Nothing more is read.
    pub(crate) close_after_flush: bool,
    /// Close now, dropping output (I/O error, slow consumer).
    pub(crate) dead: bool,
    /// Which output limits apply (set by the handler: a subscriber is `Pubsub`).
    pub(crate) output_class: OutputClass,
    /// When unsent output went above the soft limit (cleared once below it).
    pub(crate) soft_limit_since: Option<Instant>,
    /// Reading is paused because pending output is above the high-water mark.
    pub(crate) paused: bool,
    /// The handler stopped before consuming every whole request in `input` (its output was
    /// full): hand `input` back, without waiting for new bytes, once the output drains.
    pub(crate) input_held: bool,
    /// The handler asked for no more input for now ([`crate::reactor::Ctx::pause_input`]: a blocked
    /// client). The socket is still read, so a close is noticed, but the bytes only accumulate
    /// in `input` (bounded by the query buffer limit) until [`crate::reactor::Ctx::resume_input`].
    pub(crate) input_paused: bool,
    /// The session and output are lent to a handler call (the current connection, or one
    /// lent through [`crate::reactor::Ctx::with_lent`]): `Ctx` must not reach them meanwhile.
    pub(crate) lent: bool,
    pub(crate) queued_dirty: bool,
    pub(crate) queued_ready: bool,
    pub(crate) queued_reap: bool,
    pub(crate) created: Instant,
    pub(crate) last_active: Instant,
    /// Neighbours in the loop's idle-timeout list (least recently active first).
    pub(crate) lru_prev: Option<usize>,
    pub(crate) lru_next: Option<usize>,
    pub(crate) lru_linked: bool,
}

impl<S> Connection<S> {
    pub(crate) fn new(
        id: ConnId,
        socket: TcpStream,
        peer: SocketAddr,
        origin: Origin,
        now: Instant,
    ) -> Self {
        Connection {
            id,
            socket,
            peer,
            origin,
            session: None,
            input: Vec::new(),
            output: Vec::new(),
            written: 0,
            tls: None,
            close_notify_sent: false,
            registered: Interest::READABLE,
            readable: false,
            eof_hinted: false,
            read_closed: false,
            close_after_flush: false,
            dead: false,
            output_class: OutputClass::Normal,
            soft_limit_since: None,
            paused: false,
            input_held: false,
            input_paused: false,
            lent: false,
            queued_dirty: false,
            queued_ready: false,
            queued_reap: false,
            created: now,
            last_active: now,
            lru_prev: None,
            lru_next: None,
            lru_linked: false,
        }
    }

    /// Output bytes still owed to the peer (plaintext not yet written or handed to TLS).
    pub(crate) fn pending_output(&self) -> usize {
        self.output.len() - self.written
    }

    /// Whether anything waits to go out: replies, or TLS records (a handshake message, an
    /// alert, `close_notify`) that no reply caused.
    pub(crate) fn has_output(&self) -> bool {
        self.pending_output() > 0 || self.tls.as_ref().is_some_and(|tls| tls.wants_write())
    }

    /// Cut the connection off if its unsent output breaks its class's limit (the one check
    /// every writer goes through; see [`crate::reactor::output_limit`]). Returns whether it did. Call
    /// it with the output in place (not lent out).
    pub(crate) fn enforce_output_limit(&mut self, limits: &OutputLimits, now: Instant) -> bool {
        let pending = self.pending_output();
        let limit = limits.of(self.output_class);
        let counted = crate::reactor::output_limit::counted(pending);
        if self.dead || !limit.breached(counted, &mut self.soft_limit_since, now) {
            return false;
        }
        warn!(
            "client {} closed for overcoming of output buffer limits ({pending} bytes pending, \
             class {:?})",
            self.peer, self.output_class
        );
        self.dead = true;
        true
    }

    /// Close the connection if its unconsumed input passed `limit` (redis.conf
    /// `client-query-buffer-limit`). Returns whether it did.
    pub(crate) fn enforce_query_buffer_limit(&mut self, limit: usize) -> bool {
        if self.input.len() <= limit {
            return false;
        }
        warn!(
            "closing client {} that reached the query buffer limit ({limit} bytes)",
            self.peer
        );
        self.dead = true;
        true
    }

    /// Whether the loop should read from this connection at all.
    pub(crate) fn accepts_input(&self) -> bool {
        !(self.read_closed || self.close_after_flush || self.dead)
    }

    /// Whether the connection is finished and can be reaped.
    pub(crate) fn finished(&self) -> bool {
        self.dead || ((self.close_after_flush || self.read_closed) && !self.has_output())
    }

    /// One read of plaintext into `buf`, retrying `Interrupted` (a signal is not an error).
    /// Plain TCP: one `read`, of at most what fault injection allows. TLS: see
    /// [`crate::reactor::tls::read`] (it may return plaintext without touching the socket).
    pub(crate) fn read(&mut self, buf: &mut [u8], faults: &Faults) -> io::Result<usize> {
        if let Some(tls) = self.tls.as_mut() {
            return crate::reactor::tls::read::<rustls::server::ServerConnectionData>(
                tls,
                &mut self.socket,
                faults,
                buf,
            );
        }
        let want = faults.read_len(buf.len());
        loop {
            match self.socket.read(&mut buf[..want]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }

    /// Write as much pending output as the socket takes. Returns bytes written.
    ///
    /// Normally this is exactly one `write` syscall however many replies are queued. It loops
    /// only when a write took everything it was offered but output remains, which happens when
    /// fault injection caps the write size; a write that took *less* than offered means the
    /// kernel's send buffer is full, and trying again would only return `WouldBlock`.
    pub(crate) fn flush(&mut self, faults: &Faults) -> io::Result<usize> {
        if self.tls.is_some() {
            return self.flush_tls(faults);
        }
        let mut total = 0;
        while self.written < self.output.len() {
            let pending = &self.output[self.written..];
            let offer = faults.write_len(pending.len());
            match self.socket.write(&pending[..offer]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.written += n;
                    total += n;
                    if n < offer {
                        break; // short write: the send buffer is full; wait for WRITABLE
                    }
                }
                // Expected, not an error: the send buffer is full. WRITABLE will tell us when
                // there is room.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        self.release_written_output();
        Ok(total)
    }

    /// Once everything is out: reuse the buffer from the start, or release it if it grew big.
    fn release_written_output(&mut self) {
        if self.written == self.output.len() {
            self.output.clear();
            self.written = 0;
            if self.output.capacity() > KEEP_BUFFER_CAPACITY {
                self.output = Vec::new();
            }
        }
    }

    /// [`Connection::flush`] through TLS: plaintext into the session, records to the socket.
    /// An orderly close (QUIT, a protocol error, shutdown) queues `close_notify` after the
    /// last reply. Returns ciphertext bytes written.
    fn flush_tls(&mut self, faults: &Faults) -> io::Result<usize> {
        let Some(tls) = self.tls.as_mut() else {
            return Ok(0);
        };
        let plaintext = &self.output[self.written..];
        let (taken, mut sent) = crate::reactor::tls::write::<rustls::server::ServerConnectionData>(
            tls,
            &mut self.socket,
            faults,
            plaintext,
        )?;
        self.written += taken;
        if self.close_after_flush && self.written == self.output.len() && !self.close_notify_sent {
            self.close_notify_sent = true;
            tls.send_close_notify();
            sent += crate::reactor::tls::write::<rustls::server::ServerConnectionData>(
                tls,
                &mut self.socket,
                faults,
                &[],
            )?
            .1;
        }
        self.release_written_output();
        Ok(sent)
    }

    /// The interest this connection's state calls for. The one place interest is decided.
    pub(crate) fn desired_interest(&self) -> Interest {
        if self.has_output() {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        }
    }

    /// Re-register if the desired interest differs from the registered one.
    pub(crate) fn sync_interest(&mut self, registry: &Registry) -> io::Result<()> {
        let desired = self.desired_interest();
        if desired != self.registered {
            registry.reregister(&mut self.socket, self.id.token(), desired)?;
            self.registered = desired;
        }
        Ok(())
    }

    pub(crate) fn info(&self) -> ConnInfo<'_> {
        ConnInfo {
            id: self.id,
            peer: self.peer,
            origin: self.origin,
            fd: self.socket.as_raw_fd(),
            created: self.created,
            last_active: self.last_active,
            input_len: self.input.len(),
            input_capacity: self.input.capacity(),
            output_len: self.pending_output(),
            output_capacity: self.output.capacity(),
            writable: self.registered.is_writable(),
            socket: &self.socket,
        }
    }
}

/// A connection's figures, for `CLIENT LIST`, `INFO clients` and the dashboard. Borrows the
/// connection, so reading them costs nothing but [`ConnInfo::local`] (a system call).
#[derive(Debug, Clone)]
pub struct ConnInfo<'a> {
    pub id: ConnId,
    pub peer: SocketAddr,
    pub origin: Origin,
    pub fd: i32,
    pub created: Instant,
    pub last_active: Instant,
    /// Bytes received but not yet consumed (`qbuf`).
    pub input_len: usize,
    /// Capacity held for them (`qbuf-free` + `qbuf`).
    pub input_capacity: usize,
    /// Bytes of output not yet written (`omem`).
    pub output_len: usize,
    /// Capacity held for output.
    pub output_capacity: usize,
    /// WRITABLE interest is registered: output is waiting for the kernel to take it.
    pub writable: bool,
    pub(crate) socket: &'a mio::net::TcpStream,
}

impl ConnInfo<'_> {
    /// The local address of the connection (`laddr`): asks the kernel (`getsockname`).
    pub fn local(&self) -> Option<SocketAddr> {
        self.socket.local_addr().ok()
    }
}
