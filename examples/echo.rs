//! A line echo server on the reactor's event loop: the smallest possible [`Handler`].
//!
//! **The concept.** The event loop in `src/reactor/` knows sockets, readiness and buffers, and
//! nothing about Redis. Everything protocol-specific lives behind the `Handler` trait: the loop
//! hands over the bytes a connection has received, the handler consumes the *whole requests* it
//! finds, appends replies to `conn.out` and says how many bytes it used. Here a request is a line
//! and the reply is the same line, so the whole application is one function. The Redis server in
//! `src/server/` is the same shape, only with a bigger `data`.
//!
//! **On the road** blocking → threads → reactor, this is the third stop: one thread serves every
//! client (compare `examples/blocking_server.rs` and `examples/thread_per_client.rs`).
//!
//! **Run it** with `cargo run --example echo` (or `-- --port N`; 0 picks a free port), then:
//!
//! ```text
//! nc 127.0.0.1 7002
//! ```
//!
//! **Try:** open several `nc` sessions at once: all are served by one thread. Type a word, then
//! Ctrl-D *without* Enter (nc sends what you typed, no newline): nothing comes back, because
//! half a line is not a request yet; the loop keeps the bytes and hands them back, with whatever
//! arrives next, on the following call. Press Enter and the whole line returns.

mod common;

use std::net::{Ipv4Addr, SocketAddr};

use reactor::reactor::{ConnId, Ctx, Current, EventLoop, Handler, Options, Origin};

use common::{announce, port_arg};

const DEFAULT_PORT: u16 = 7002;

struct Echo;

impl Handler for Echo {
    // Echo remembers nothing about a connection between calls: the loop itself keeps any
    // partial line (the bytes `data` did not consume).
    type Session = ();

    fn open(&mut self, _: &mut Ctx<'_, ()>, _: ConnId, _: SocketAddr, _: Origin) {}

    fn data(&mut self, _: &mut Ctx<'_, ()>, conn: Current<'_, ()>, input: &[u8]) -> usize {
        // Everything up to the last newline is whole lines; echo them, and leave the rest (a
        // line still being typed) for the loop to hand back with the next bytes.
        let whole = input.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        conn.out.extend_from_slice(&input[..whole]);
        whole
    }
}

fn main() -> std::io::Result<()> {
    let port = port_arg("echo", DEFAULT_PORT)?;
    let opts = Options {
        // A client that never sends a newline would make the loop keep its bytes forever; past
        // 64 KiB unconsumed the loop closes it (Redis: client-query-buffer-limit).
        query_buffer_limit: 64 * 1024,
        ..Options::default()
    };
    let mut server = EventLoop::bind((Ipv4Addr::LOCALHOST, port).into(), Echo, opts)?;
    let addr = server.local_addr();
    announce(addr)?;
    server.run()
}
