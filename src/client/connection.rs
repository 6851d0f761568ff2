//! [`Connection`]: one blocking connection to a Redis-protocol server. Commands go out as RESP
//! multibulk requests; replies come back through a read buffer and the resumable
//! [`ReplyParser`].
//!
//! The read side is the server's read side turned around: bytes arrive in whatever pieces TCP
//! likes, so they are appended to a buffer, the parser is asked for the first complete reply,
//! and whatever follows it stays in the buffer as the start of the next one. A read that times
//! out loses nothing: the half-received reply stays buffered and the parser remembers how far
//! it got, so the next call resumes.
//!
//! Redis counterpart: hiredis's blocking API (`redisConnectWithTimeout`, `redisCommandArgv`,
//! `redisGetReply`).

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use crate::resp::decode::{Reply, ReplyParser};
use crate::resp::reply::push_decimal;

/// The least free space offered to each `read`, bytes. hiredis reads 16 KiB at a time; more
/// means fewer system calls for big replies and long pipelines, and costs nothing until used.
const READ_CHUNK: usize = 64 * 1024;

/// A buffer that grew past this many bytes (one huge reply or request) is given back once it is
/// empty, so an idle connection does not keep the memory of its largest reply.
const KEEP_BUFFER: usize = 1024 * 1024;

/// A pipeline whose encoded requests fit in this many bytes is written with one blocking write
/// before reading, without a writer thread. Such a write cannot deadlock: at the start of a
/// pipeline every earlier request has been answered, so the socket's send buffer is empty, and
/// Linux starts every TCP send buffer at 16 KiB (`net.ipv4.tcp_wmem`), so the bytes are copied
/// into the kernel at once whatever the server is doing. Short pipelines (a benchmark's `-P 16`)
/// are the common case, and a thread per round trip would cost as much as the round trip.
const SMALL_PIPELINE: usize = 4096;

/// One connection: a blocking `TcpStream` (with TLS over it, or not), a read buffer with its
/// parser, and a count of the replies still owed.
#[derive(Debug)]
pub struct Connection {
    stream: TcpStream,
    /// The TLS session over `stream`, for a connection made with [`Connection::connect_tls`]:
    /// every byte then goes through it.
    tls: Option<Box<rustls::ClientConnection>>,
    input: Input,
    /// Encoded requests, reused so that a warm connection encodes without allocating.
    output: Vec<u8>,
    /// Replies owed for requests already sent (by [`Connection::send`]).
    owed: usize,
    /// Set once the byte stream can no longer be trusted: the server closed it, sent something
    /// that is not RESP, or a request was only partly written. Every later call fails with it.
    broken: Option<String>,
}

impl Connection {
    /// Connect to `addr` (a `SocketAddr`, `"host:port"` or `(host, port)`), trying each address it
    /// resolves to. `timeout` bounds the connect and, from then on, every read and write (change
    /// it with [`Connection::set_timeout`]). Nagle's algorithm is turned off, as hiredis does:
    /// each request is written in one go, and waiting to coalesce it with a next one that may
    /// never come only adds latency.
    pub fn connect(addr: impl ToSocketAddrs, timeout: Duration) -> io::Result<Connection> {
        let mut last_error = None;
        for addr in addr.to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, timeout) {
                Ok(stream) => return Connection::from_stream(stream, Some(timeout)),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "the address resolved to nothing",
            )
        }))
    }

    /// Connect to `addr` and speak TLS over the connection (`reactor-cli --tls`): `name` is
    /// the server name to ask for and check the certificate against (see
    /// [`crate::client::tls::client_config`] for `config`). The handshake runs here, so a certificate
    /// the client does not trust is an error from this call, not from the first command.
    pub fn connect_tls(
        addr: impl ToSocketAddrs,
        timeout: Duration,
        config: std::sync::Arc<rustls::ClientConfig>,
        name: rustls::pki_types::ServerName<'static>,
    ) -> io::Result<Connection> {
        let mut connection = Connection::connect(addr, timeout)?;
        let mut session = rustls::ClientConnection::new(config, name)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        while session.is_handshaking() {
            session.complete_io(&mut connection.stream)?;
        }
        connection.tls = Some(Box::new(session));
        Ok(connection)
    }

    /// Wrap an already connected stream. `timeout` applies to every read and write; `None`
    /// waits forever.
    pub fn from_stream(stream: TcpStream, timeout: Option<Duration>) -> io::Result<Connection> {
        stream.set_nodelay(true)?;
        let mut connection = Connection {
            stream,
            tls: None,
            input: Input::default(),
            output: Vec::new(),
            owed: 0,
            broken: None,
        };
        connection.set_timeout(timeout)?;
        Ok(connection)
    }

    /// Bound every later read and write by `timeout`; `None` waits forever (what `reactor-cli`
    /// wants: `SUBSCRIBE` or a blocking command may legitimately wait for hours).
    /// `Some(Duration::ZERO)` is an error, as for [`TcpStream::set_read_timeout`].
    pub fn set_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.stream.set_read_timeout(timeout)?;
        self.stream.set_write_timeout(timeout)
    }

    /// Bound every later read by `timeout`, leaving writes alone.
    pub fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.stream.set_read_timeout(timeout)
    }

    /// The underlying socket, for what this type does not wrap (addresses, a `shutdown` from
    /// another thread through `try_clone`).
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// Send one command and return its reply. An error *reply* (`-ERR ...`) is `Ok`
    /// ([`Reply::Error`]): the connection is fine and the next command can follow. `Err` means
    /// the connection failed: a timeout (see [`is_timeout`]; the reply is still owed and can be
    /// read later with [`Connection::read_reply`]), or a broken stream (every later call fails).
    pub fn command(&mut self, args: &[&[u8]]) -> io::Result<Reply> {
        self.check_in_step()?;
        self.send(args)?;
        self.read_reply()
    }

    /// Send one command without waiting for its reply; read it later with
    /// [`Connection::read_reply`]. `reactor-cli` uses this for `SUBSCRIBE`, which is answered by
    /// a stream of replies rather than one.
    pub fn send(&mut self, args: &[&[u8]]) -> io::Result<()> {
        self.usable()?;
        self.output.clear();
        encode_command(&mut self.output, args);
        let mut stream = transport(&self.stream, &mut self.tls);
        // (flush: under TLS, the last record may still be inside the session.)
        let written = stream.write_all(&self.output).and_then(|()| stream.flush());
        release_if_big(&mut self.output);
        match written {
            Ok(()) => {
                self.owed += 1;
                Ok(())
            }
            // Part of the request may have gone out: the server would read the rest of it as
            // the start of our next request. Nothing sent on this stream can be trusted again.
            Err(e) => Err(self.break_with(e)),
        }
    }

    /// Read the next reply, waiting for it as long as the timeout allows. Bytes after it stay
    /// buffered for the next call. A timeout loses nothing: call again.
    pub fn read_reply(&mut self) -> io::Result<Reply> {
        self.usable()?;
        let result = self
            .input
            .read_reply(&mut transport(&self.stream, &mut self.tls));
        match result {
            Ok(reply) => {
                self.owed = self.owed.saturating_sub(1);
                Ok(reply)
            }
            // Expected, not a failure of the stream: the reply is late, or a signal arrived.
            // The buffer and the parser keep their place, so the next call resumes.
            Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => Err(self.break_with(e)),
        }
    }

    /// Send many commands and return their replies, in order.
    ///
    /// This must **read while it writes**. A client that writes every request before reading
    /// a reply deadlocks once the pipeline is long enough: the server answers as it reads, its
    /// replies fill our receive buffer (we are not reading), then the server's own output
    /// buffer reaches its high-water mark and, to bound its memory, it stops reading us; our
    /// requests then fill its receive buffer and our send buffer, and our `write` blocks
    /// forever on a server that is blocked on us. (`tests/client.rs` shows it happen.)
    ///
    /// Two ways out, for a blocking client: make the socket non-blocking and interleave writes
    /// and reads, sleeping in `poll` for whichever is possible, which is the server's event
    /// loop in miniature, with its own readiness bookkeeping and timeout arithmetic; or write
    /// from a second thread while this one reads. We do the latter: both threads simply block
    /// (`&TcpStream` is `Read` and `Write`, so no `try_clone` is needed), the read side is the
    /// very code [`Connection::command`] uses, socket timeouts keep working, and a scoped
    /// thread borrows the encoded requests instead of copying them. One thread per long
    /// pipeline is cheap next to the bytes it moves; short pipelines skip it (see
    /// `SMALL_PIPELINE`).
    ///
    /// Any `Err` leaves the connection broken: we cannot know which requests the server saw.
    pub fn pipeline(&mut self, commands: &[Vec<Vec<u8>>]) -> io::Result<Vec<Reply>> {
        self.check_in_step()?;
        self.output.clear();
        for command in commands {
            encode_command(&mut self.output, command);
        }
        let result = if self.tls.is_some() {
            self.write_in_windows(commands)
        } else if self.output.len() <= SMALL_PIPELINE {
            self.write_then_read(commands.len())
        } else {
            self.write_while_reading(commands.len())
        };
        release_if_big(&mut self.output);
        match result {
            Ok(replies) => Ok(replies),
            Err(e) => Err(self.break_with(e)),
        }
    }

    /// A pipeline over TLS. One session cannot be read on one thread while another writes
    /// through it, so the requests go in windows of at most `SMALL_PIPELINE` bytes (at least
    /// one command), each written and answered before the next: never more in flight than
    /// the kernel takes at once, so no deadlock, at the price of a round trip per window.
    fn write_in_windows(&mut self, commands: &[Vec<Vec<u8>>]) -> io::Result<Vec<Reply>> {
        let mut replies = Vec::with_capacity(commands.len());
        let mut window = Vec::new();
        let mut start = 0;
        while start < commands.len() {
            window.clear();
            let mut end = start;
            while end < commands.len() && (end == start || window.len() < SMALL_PIPELINE) {
                encode_command(&mut window, &commands[end]);
                end += 1;
            }
            let mut stream = transport(&self.stream, &mut self.tls);
            stream.write_all(&window)?;
            stream.flush()?;
            for _ in start..end {
                replies.push(self.input.read_reply(&mut stream)?);
            }
            start = end;
        }
        Ok(replies)
    }

    /// A pipeline small enough to be copied into the kernel in one blocking write.
    fn write_then_read(&mut self, count: usize) -> io::Result<Vec<Reply>> {
        (&self.stream).write_all(&self.output)?;
        let mut replies = Vec::with_capacity(count);
        for _ in 0..count {
            replies.push(self.input.read_reply(&mut &self.stream)?);
        }
        Ok(replies)
    }

    /// A long pipeline: a scoped writer thread writes all requests while this thread reads.
    fn write_while_reading(&mut self, count: usize) -> io::Result<Vec<Reply>> {
        // Whichever side fails first shuts the socket down, which wakes the other if it is
        // blocked (a write blocked on a full buffer, a read waiting for a reply that will
        // never come). The other side then fails too, but only as a consequence: `first`
        // remembers whose error is the real one.
        const NONE: u8 = 0;
        const WRITER: u8 = 1;
        const READER: u8 = 2;
        let first = AtomicU8::new(NONE);
        let fail = |who: u8, stream: &TcpStream| {
            let _ = first.compare_exchange(NONE, who, Ordering::AcqRel, Ordering::Acquire);
            let _ = stream.shutdown(Shutdown::Both);
        };
        let Connection {
            stream,
            input,
            output,
            ..
        } = self;
        let (stream, output) = (&*stream, &*output);
        std::thread::scope(|scope| {
            let writer = scope.spawn(|| {
                let mut writer = stream;
                let result = writer.write_all(output);
                if result.is_err() {
                    fail(WRITER, stream);
                }
                result
            });
            let mut replies = Vec::with_capacity(count);
            let mut read_error = None;
            for _ in 0..count {
                match input.read_reply(&mut &*stream) {
                    Ok(reply) => replies.push(reply),
                    Err(e) => {
                        fail(READER, stream);
                        read_error = Some(e);
                        break;
                    }
                }
            }
            let written = writer
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the pipeline writer thread panicked")));
            match (read_error, written) {
                (None, Ok(())) => Ok(replies),
                (Some(e), Ok(())) => Err(e),
                (None, Err(e)) => Err(e),
                (Some(read), Err(write)) => Err(if first.load(Ordering::Acquire) == WRITER {
                    write
                } else {
                    read
                }),
            }
        })
    }

    /// `command` and `pipeline` pair each request with the next reply, so they refuse to run
    /// while replies to earlier [`Connection::send`]s are unread: they would be mistaken for
    /// this command's.
    fn check_in_step(&self) -> io::Result<()> {
        self.usable()?;
        match self.owed {
            0 => Ok(()),
            n => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{n} earlier replies are still unread: read them with read_reply first"),
            )),
        }
    }

    fn usable(&self) -> io::Result<()> {
        match &self.broken {
            None => Ok(()),
            Some(why) => Err(io::Error::new(
                io::ErrorKind::NotConnected,
                format!("connection unusable after an earlier error: {why}"),
            )),
        }
    }

    /// Mark the stream as untrustworthy, close it, and hand the error back.
    fn break_with(&mut self, e: io::Error) -> io::Error {
        self.broken = Some(e.to_string());
        let _ = self.stream.shutdown(Shutdown::Both);
        e
    }
}

/// The byte stream of a connection: the socket itself, or the TLS session over it (rustls's
/// `Stream` drives the session with the socket's blocking reads and writes, so timeouts keep
/// working).
fn transport<'a>(
    socket: &'a TcpStream,
    tls: &'a mut Option<Box<rustls::ClientConnection>>,
) -> Transport<'a> {
    match tls {
        None => Transport::Plain(socket),
        Some(session) => Transport::Tls(session, socket),
    }
}

/// See [`transport`]. Borrowed for one call; nothing allocated.
enum Transport<'a> {
    Plain(&'a TcpStream),
    Tls(&'a mut rustls::ClientConnection, &'a TcpStream),
}

impl Read for Transport<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(socket) => socket.read(buf),
            Transport::Tls(session, socket) => rustls::Stream::new(*session, socket).read(buf),
        }
    }
}

impl Write for Transport<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(socket) => socket.write(buf),
            Transport::Tls(session, socket) => rustls::Stream::new(*session, socket).write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Transport::Plain(socket) => socket.flush(),
            Transport::Tls(session, socket) => rustls::Stream::new(*session, socket).flush(),
        }
    }
}

/// Whether `e` is a read or write timeout (`WouldBlock` on Unix, `TimedOut` on Windows).
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Append one command as a RESP multibulk request: `*<argc>\r\n` then `$<len>\r\n<arg>\r\n` per
/// argument. Arguments are binary-safe; this is what every client library sends, as opposed to
/// the inline form a human types into `nc`.
pub fn encode_command<A: AsRef<[u8]>>(out: &mut Vec<u8>, args: &[A]) {
    out.push(b'*');
    push_decimal(out, args.len() as i64);
    out.extend_from_slice(b"\r\n");
    for arg in args {
        let arg = arg.as_ref();
        out.reserve(arg.len() + 16);
        out.push(b'$');
        push_decimal(out, arg.len() as i64);
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

fn release_if_big(buf: &mut Vec<u8>) {
    if buf.capacity() > KEEP_BUFFER {
        *buf = Vec::new();
    }
}

/// Received bytes not yet returned as replies (`buf[start..end]`), and the parser's place in
/// them. `buf` beyond `end` is zeroed space for the next read, so reading never re-zeroes it.
#[derive(Debug, Default)]
struct Input {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    parser: ReplyParser,
}

impl Input {
    /// Return the first complete reply, reading as needed.
    fn read_reply(&mut self, stream: &mut impl Read) -> io::Result<Reply> {
        loop {
            let unread = &self.buf[self.start..self.end];
            match self.parser.parse(unread) {
                Ok(Some((reply, used))) => {
                    self.start += used;
                    if self.start == self.end {
                        self.start = 0;
                        self.end = 0;
                        release_if_big(&mut self.buf);
                    }
                    return Ok(reply);
                }
                // Expected: the reply is incomplete. The parser remembers how far it looked.
                Ok(None) => self.fill(stream)?,
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
            }
        }
    }

    /// Read once more into the buffer. A read of 0 bytes means the server closed the
    /// connection, and since we are waiting for a reply that is an error here.
    fn fill(&mut self, stream: &mut impl Read) -> io::Result<()> {
        // Only an incomplete reply is left: move it to the front, so the buffer grows only
        // for a reply that is really bigger than it. The parser's positions are relative to
        // the unread bytes, so they stay valid.
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < READ_CHUNK {
            let len = (self.buf.len() * 2).max(self.end + READ_CHUNK);
            self.buf.resize(len, 0);
        }
        loop {
            match stream.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "server closed the connection",
                    ));
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}
