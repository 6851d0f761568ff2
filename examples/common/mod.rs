//! What the examples share: the tiny line protocol the two blocking servers speak, and the
//! command-line and start-up chores of every example. (A folder, not `common.rs`, so that cargo
//! does not take it for an example of its own.)

// Each example uses a different part of this.
#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

/// The longest request line we read. `read_until` would otherwise grow its buffer for as long
/// as a client sends bytes without a newline.
const MAX_LINE: u64 = 1024;

/// Answer one client's requests until it sends `QUIT` or closes the connection. Every call
/// here blocks: in `blocking_server` that stalls every other client, in `thread_per_client`
/// only this client's own thread.
pub fn serve(stream: TcpStream) -> io::Result<()> {
    // `&TcpStream` reads and writes too, so both halves share one socket (`try_clone` would
    // spend a second file descriptor per client).
    let mut reader = BufReader::new(&stream);
    let mut writer = &stream;
    let mut line = Vec::new();
    loop {
        line.clear();
        // WHERE EVERYONE ELSE STALLS (in `blocking_server`): `read_until` blocks until this
        // client sends a newline. If it never does (the user went for coffee), a one-thread
        // server waits with it.
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
pub fn answer(request: &str) -> (String, bool) {
    let (command, argument) = request.split_once(' ').unwrap_or((request, ""));
    match command.to_ascii_uppercase().as_str() {
        "PING" => ("PONG".to_string(), true),
        "ECHO" => (argument.to_string(), true),
        "QUIT" => ("BYE".to_string(), false),
        _ => (format!("ERR unknown command '{command}'"), true),
    }
}

/// `--port N` from the command line (0 = any free port), else `default`.
pub fn port_arg(example: &str, default: u16) -> io::Result<u16> {
    let mut args = std::env::args().skip(1);
    let mut port = default;
    while let Some(arg) = args.next() {
        port = match (arg.as_str(), args.next().map(|p| p.parse())) {
            ("--port", Some(Ok(p))) => p,
            _ => return Err(io::Error::other(format!("usage: {example} [--port N]"))),
        };
    }
    Ok(port)
}

/// Say where we listen, in the two lines every example prints first (the tests read the first).
pub fn announce(addr: SocketAddr) -> io::Result<()> {
    println!("listening on {addr}");
    println!("connect with: nc {} {}", addr.ip(), addr.port());
    io::stdout().flush()
}
