//! The classic blocking server: `accept` a client, serve it until it leaves, `accept` the next.
//!
//! **The concept.** With `std::net`, every `accept`, `read` and `write` *blocks*: the thread
//! sleeps in the kernel until the call can complete. That makes the code read like the protocol
//! (read a line, answer it, repeat) and is perfect for one client. But one thread can sleep in
//! only one call at a time, so while it waits for client A to type, client B gets nothing, not
//! even an answer to a `PING`. The comments in `main` and `serve` mark exactly where.
//!
//! **On the road** blocking → threads → reactor, this is the first stop. Next,
//! `examples/thread_per_client.rs` gives each client its own thread; then `examples/echo.rs` and
//! `examples/chat.rs` serve every client from one thread with an event loop.
//!
//! **The protocol**, one request line in, one reply line out (a tiny cousin of Redis's inline
//! commands):
//!
//! ```text
//! PING        → PONG
//! ECHO text   → text
//! QUIT        → BYE, then the server closes the connection
//! anything    → ERR unknown command 'anything'
//! ```
//!
//! **Run it** with `cargo run --example blocking_server` (or `-- --port N`; 0 picks a free
//! port), then connect with `nc 127.0.0.1 7000`, or with the matching client:
//! `cargo run --example blocking_client -- --port 7000 PING "ECHO hi"`.
//!
//! **Try:** open two `nc` sessions. The first gets `PONG` for `PING`; the second connects (the
//! kernel completes the handshake by itself) but its `PING` gets no answer. Type `QUIT` in the
//! first: the second's answer arrives at once, because only now does the server `accept` it and
//! read what has been waiting in the kernel all along.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};

const DEFAULT_PORT: u16 = 7000;

/// The longest request line we read. `read_line` would otherwise grow its buffer for as long as
/// a client sends bytes without a newline.
const MAX_LINE: u64 = 1024;

fn main() -> io::Result<()> {
    let port = port_arg(DEFAULT_PORT)?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
    let addr = listener.local_addr()?;
    println!("listening on {addr}");
    println!("connect with: nc {} {}", addr.ip(), addr.port());
    io::stdout().flush()?;

    // One client at a time. `incoming()` calls `accept`, which blocks until a client connects.
    //
    // WHERE THE SECOND CLIENT STALLS: while `serve` runs for client A, this loop is not back
    // at `accept`. Client B's `connect` still succeeds, because the kernel finishes the TCP
    // handshake on its own and parks B in the listen backlog; B's bytes wait in a kernel buffer.
    // Nobody reads them until A leaves and this loop comes round to `accept` B.
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            // A failed accept (say the client reset before we got to it) concerns that client
            // only: the server goes on. Out of file descriptors, though, this would spin, each
            // retry failing at once; the reactor pauses accepting instead (ACCEPT_BACKOFF in
            // src/reactor/listener.rs).
            Err(e) => {
                eprintln!("accept failed: {e}");
                continue;
            }
        };
        let peer = stream
            .peer_addr()
            .map_or("?".to_string(), |a| a.to_string());
        eprintln!("serving {peer}");
        // An I/O error ends this client's session, never the server.
        if let Err(e) = serve(stream) {
            eprintln!("{peer}: {e}");
        }
        eprintln!("{peer} left; accepting the next client");
    }
    Ok(())
}

/// Answer one client's requests until it sends `QUIT` or closes the connection.
fn serve(stream: TcpStream) -> io::Result<()> {
    // `&TcpStream` reads and writes too, so both halves share one socket (`try_clone` would
    // spend a second file descriptor per client).
    let mut reader = BufReader::new(&stream);
    let mut writer = &stream;
    let mut line = Vec::new();
    loop {
        line.clear();
        // WHERE EVERYONE ELSE STALLS: `read_line` blocks until this client sends a newline. If
        // it never does (the user went for coffee), the whole server waits with it.
        let n = (&mut reader)
            .take(MAX_LINE + 1)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(()); // a read of 0 bytes: the client closed its side; it is done
        }
        if !line.ends_with(b"\n") {
            // Either the line is too long, or the client closed mid-line: stop either way.
            writer.write_all(b"ERR line too long or unterminated\n")?;
            return Ok(());
        }
        let request = String::from_utf8_lossy(&line);
        let (mut reply, more) = answer(request.trim_end_matches(['\r', '\n']));
        reply.push('\n');
        // One `write_all` per reply, never one for the text and one for the newline: a client
        // may read as soon as the first part arrives and see half a line.
        //
        // `write_all` blocks too, until the kernel has taken every byte. A client that sends
        // requests but never reads replies fills its buffers and stalls the server here.
        writer.write_all(reply.as_bytes())?;
        if !more {
            return Ok(());
        }
    }
}

/// The reply to one request line, and whether the connection goes on after it.
fn answer(request: &str) -> (String, bool) {
    let (command, argument) = request.split_once(' ').unwrap_or((request, ""));
    match command.to_ascii_uppercase().as_str() {
        "PING" => ("PONG".to_string(), true),
        "ECHO" => (argument.to_string(), true),
        "QUIT" => ("BYE".to_string(), false),
        _ => (format!("ERR unknown command '{command}'"), true),
    }
}

/// `--port N` from the command line (0 = any free port), else `default`.
fn port_arg(default: u16) -> io::Result<u16> {
    let mut args = std::env::args().skip(1);
    let mut port = default;
    while let Some(arg) = args.next() {
        port = match (arg.as_str(), args.next().map(|p| p.parse())) {
            ("--port", Some(Ok(p))) => p,
            _ => return Err(io::Error::other("usage: blocking_server [--port N]")),
        };
    }
    Ok(port)
}
