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

mod common;

use std::io::{self};
use std::net::{Ipv4Addr, TcpListener};

use common::{announce, port_arg, serve};

const DEFAULT_PORT: u16 = 7000;

fn main() -> io::Result<()> {
    let port = port_arg("blocking_server", DEFAULT_PORT)?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
    let addr = listener.local_addr()?;
    announce(addr)?;

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
