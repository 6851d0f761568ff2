//! Backpressure for ordinary clients, and the SHUTDOWN command.
//!
//! A client that pipelines without reading makes the server queue replies. Past the output
//! high-water mark the server stops *reading* from that client until it drains, so memory stays
//! bounded and nothing is dropped; below the mark it keeps reading, so a client that writes a
//! long pipeline before reading (as Redis's own tests do) still completes.

mod common;

use std::io::Write;
use std::thread;
use std::time::Duration;

use common::{Binary, command, connect, read_n, read_to_close, rss_kib};

#[test]
fn writing_200000_commands_before_reading_any_reply_completes() {
    let server = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    let mut c = connect(server.addr());
    let mut pipeline = Vec::new();
    for i in 0..200_000 {
        pipeline.extend(command(&[b"SET", format!("key:{i}").as_bytes(), b"v"]));
    }
    // All of it is written before a single reply is read.
    c.write_all(&pipeline).unwrap();
    let replies = read_n(&mut c, 200_000 * 5);
    assert!(replies.chunks(5).all(|r| r == b"+OK\r\n"));
    c.write_all(b"DBSIZE\r\n").unwrap();
    assert_eq!(read_n(&mut c, 9), b":200000\r\n");
}

/// A client pipelining 2,000 GETs of a 64 KiB value (128 MiB of replies) without reading: the
/// server pauses reading it at the high-water mark, so its memory stays far below 128 MiB, and
/// once the client reads, every reply arrives. With the mark removed, the server would buffer
/// all 128 MiB.
#[test]
fn a_client_that_does_not_read_is_paused_not_buffered_without_bound() {
    let server = Binary::start(&["--output-high-water", "1048576"]);
    let value = vec![b'v'; 64 * 1024];
    let mut c = connect(server.addr);
    c.write_all(&command(&[b"SET", b"big", &value])).unwrap();
    assert_eq!(read_n(&mut c, 5), b"+OK\r\n");
    let rss_start = rss_kib(server.pid());

    let get = command(&[b"GET", b"big"]);
    let mut writer = c.try_clone().unwrap();
    let pipeline = get.repeat(2000);
    let writing = thread::spawn(move || writer.write_all(&pipeline));
    // Read nothing for a while: the server must stop reading rather than queue 128 MiB.
    thread::sleep(Duration::from_millis(1500));
    let rss_paused = rss_kib(server.pid());
    assert!(
        rss_paused < rss_start + 24 * 1024,
        "server grew from {rss_start} KiB to {rss_paused} KiB while the client did not read"
    );
    // Now read everything: nothing was dropped.
    let mut reply = format!("${}\r\n", value.len()).into_bytes();
    reply.extend_from_slice(&value);
    reply.extend_from_slice(b"\r\n");
    for i in 0..2000 {
        let got = read_n(&mut c, reply.len());
        assert!(got == reply, "reply {i} differs");
    }
    writing.join().unwrap().unwrap();
}

#[test]
fn shutdown_command_stops_the_server_gracefully() {
    let mut server = Binary::start(&[]);
    let mut other = connect(server.addr);
    let mut admin = connect(server.addr);
    other.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_n(&mut other, 7), b"+PONG\r\n");
    admin.write_all(b"SHUTDOWN NOSAVE\r\n").unwrap();
    // The client that asked gets no reply, just the close (as with Redis).
    let (bytes, _) = read_to_close(&mut admin);
    assert!(bytes.is_empty(), "{bytes:?}");
    let (bytes, _) = read_to_close(&mut other);
    assert!(bytes.is_empty());
    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("the server exits");
    assert!(status.success(), "{status:?}");
}
