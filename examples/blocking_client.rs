//! The client half of the classic client-server program: connect, send a line, wait for the
//! answer, print it, repeat.
//!
//! **The concept.** A client is allowed to block: it has one conversation, and waiting for the
//! answer is exactly what it wants to do. The server is the side that must talk to many at once
//! (see `examples/blocking_server.rs`, which cannot, and the examples after it, which can).
//!
//! **Run it** against any of the line servers (`blocking_server` on 7000, `thread_per_client` on
//! 7001), with the request lines as arguments, or with none to type them (or pipe them) on
//! stdin:
//!
//! ```text
//! cargo run --example blocking_client -- --port 7000 PING "ECHO hello"
//! cargo run --example blocking_client -- --port 7000
//! ```
//!
//! **Try:** start `blocking_server`, keep one `nc 127.0.0.1 7000` open, and run this client: it
//! connects, sends `PING`, and waits, because the server is still busy with `nc`. Quit `nc` and
//! the `PONG` arrives.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpStream};

const DEFAULT_PORT: u16 = 7000;

fn main() -> io::Result<()> {
    let (port, lines) = parse_args()?;
    let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
    let mut writer = &stream;
    let mut replies = BufReader::new(&stream).lines();

    // The requests: from the command line if any were given, else one per line of stdin.
    let requests: Box<dyn Iterator<Item = io::Result<String>>> = if lines.is_empty() {
        Box::new(io::stdin().lock().lines())
    } else {
        Box::new(lines.into_iter().map(Ok))
    };
    for request in requests {
        writeln!(writer, "{}", request?)?;
        // Blocks until the server answers: this is where we wait while a blocking server is
        // busy with another client.
        match replies.next() {
            Some(reply) => println!("{}", reply?),
            None => {
                eprintln!("(the server closed the connection)");
                break;
            }
        }
    }
    Ok(())
}

/// `[--port N] [LINE...]`.
fn parse_args() -> io::Result<(u16, Vec<String>)> {
    let mut args = std::env::args().skip(1);
    let mut port = DEFAULT_PORT;
    let mut lines = Vec::new();
    while let Some(arg) = args.next() {
        if arg == "--port" {
            port = args
                .next()
                .and_then(|p| p.parse().ok())
                .ok_or_else(|| io::Error::other("usage: blocking_client [--port N] [LINE...]"))?;
        } else {
            lines.push(arg);
        }
    }
    Ok((port, lines))
}
