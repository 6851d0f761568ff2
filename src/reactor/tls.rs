//! TLS as a transport under the connection's buffers: bytes in, bytes out, nothing above
//! changes.
//!
//! rustls is a state machine with no socket of its own. Ciphertext read from the socket goes
//! in (`read_tls`, then `process_new_packets`), plaintext comes out (`reader`); plaintext
//! replies go in (`writer`), ciphertext comes out to the socket (`write_tls`). So TLS fits in
//! the one place that reads and writes sockets, [`crate::reactor::connection::Connection`]: its `read`
//! hands the loop plaintext, its `flush` takes plaintext output, and the parser, the commands,
//! pub/sub, the output limits and blocked clients never know.
//!
//! What changes for the loop, and is easy to get wrong under edge triggering:
//!
//! - **Plaintext can wait inside rustls after the socket is drained.** One socket read may
//!   bring several TLS records; a read of plaintext may take only part of them. No readiness
//!   event will come for bytes already out of the kernel, so "drained" means rustls has no
//!   plaintext left *and* the socket said `WouldBlock`, never a short read (the plaintext
//!   shortcut in `service_read` is off for TLS).
//! - **Output without a reply.** The handshake, alerts and `close_notify` are written with no
//!   reply pending: a connection has output when rustls wants to write, not only when its
//!   buffer is non-empty, and WRITABLE interest follows that.
//!
//! Fault injection (short reads and writes) stays *below* TLS: [`Capped`] limits the socket
//! calls rustls makes, so the record layer meets short reads and writes as on a real network.
//!
//! Redis counterpart: `tls.c` (its `connection` type with TLS read and write handlers).

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use mio::net::TcpStream;

use crate::reactor::fault::Faults;

/// A TLS listener: where, and with which certificate and client-authentication policy.
#[derive(Clone)]
pub struct TlsOptions {
    /// Address of the TLS listener (redis.conf `tls-port`; port 0 picks a free one).
    pub addr: SocketAddr,
    pub config: Arc<rustls::ServerConfig>,
    /// A connection that has not finished its handshake this long after it was accepted is
    /// closed: a client that connects and sends nothing, or half a ClientHello, holds a
    /// session and a descriptor for at most this long, whatever the idle timeout says.
    pub handshake_timeout: Duration,
}

impl TlsOptions {
    /// The default handshake deadline (a handshake takes milliseconds; this allows slow links).
    pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
}

impl std::fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsOptions")
            .field("addr", &self.addr)
            .field("handshake_timeout", &self.handshake_timeout)
            .finish_non_exhaustive()
    }
}

/// The socket as rustls sees it, with the fault-injection caps applied to every call.
pub struct Capped<'a> {
    pub socket: &'a mut TcpStream,
    pub faults: &'a Faults,
}

impl Read for Capped<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = self.faults.read_len(buf.len());
        self.socket.read(&mut buf[..want])
    }
}

impl Write for Capped<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let offer = self.faults.write_len(buf.len());
        self.socket.write(&buf[..offer])
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One read of plaintext from a TLS session over `socket`: what rustls already holds first,
/// else one socket read and the records it completes. `WouldBlock` only when rustls holds no
/// plaintext and the socket has nothing more; `Ok(0)` when the peer has finished (its
/// `close_notify`, or a close without one, which Redis also treats as a plain close).
///
/// Either side of a session: the server's connections, and `reactor-bench --tls`'s.
pub fn read<D: rustls::SideData>(
    tls: &mut rustls::ConnectionCommon<D>,
    socket: &mut TcpStream,
    faults: &Faults,
    buf: &mut [u8],
) -> io::Result<usize> {
    let mut eof = false;
    loop {
        match tls.reader().read(buf) {
            Ok(n) => return Ok(n),
            // Nothing more will come (rustls would say so itself; this is belt and braces).
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && eof => return Ok(0),
            // No plaintext buffered: read more ciphertext below.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            // The peer closed without close_notify (after read_tls returned 0).
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(0),
            Err(e) => return Err(e),
        }
        match tls.read_tls(&mut Capped { socket, faults }) {
            // EOF from the socket: rustls reports how the session ended on the next reader
            // call (0 after close_notify, UnexpectedEof without).
            Ok(0) => eof = true,
            Ok(_) => {
                if let Err(e) = tls.process_new_packets() {
                    // Bad records, a failed handshake, plaintext on the TLS port. rustls has
                    // queued an alert; the caller flushes it and closes.
                    return Err(io::Error::new(io::ErrorKind::InvalidData, e));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Hand `plaintext` to rustls and write ciphertext to the socket until rustls has nothing
/// left to write or the socket is full. Returns (plaintext bytes taken, ciphertext bytes
/// written).
pub fn write<D: rustls::SideData>(
    tls: &mut rustls::ConnectionCommon<D>,
    socket: &mut TcpStream,
    faults: &Faults,
    plaintext: &[u8],
) -> io::Result<(usize, usize)> {
    let (mut taken, mut sent) = (0, 0);
    loop {
        if taken < plaintext.len() {
            // rustls buffers up to its limit (64 KiB of records by default) and takes less when
            // full; the rest is offered again after the socket has taken some.
            taken += tls.writer().write(&plaintext[taken..])?;
        }
        if !tls.wants_write() {
            return Ok((taken, sent));
        }
        match tls.write_tls(&mut Capped { socket, faults }) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => sent += n,
            // Expected: the send buffer is full; WRITABLE will bring us back.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok((taken, sent)),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}
