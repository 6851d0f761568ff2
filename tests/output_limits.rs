//! The loop's one output-limit mechanism (`src/reactor/output_limit.rs`), seen from outside:
//! `client-output-buffer-limit` per class, changed at run time with CONFIG SET, enforced for
//! messages written by other clients (pub/sub) and for a client's own replies alike, and a
//! client's class following its subscriptions.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use common::{connect, exchange, read_n, read_to_close};
use reactor::reactor::Faults;

const VALUE_LEN: usize = 64 * 1024;

fn config_set(addr: SocketAddr, value: &str) {
    let reply = exchange(
        addr,
        format!("CONFIG SET client-output-buffer-limit \"{value}\"\r\n").as_bytes(),
        Duration::from_millis(100),
    );
    assert_eq!(reply, b"+OK\r\n", "{value}");
}

/// A `SET big <64 KiB>` so that `GET big` replies are large.
fn set_big(addr: SocketAddr) {
    let mut c = connect(addr);
    let mut request = format!("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n${VALUE_LEN}\r\n").into_bytes();
    request.extend(vec![b'v'; VALUE_LEN]);
    request.extend_from_slice(b"\r\n");
    c.write_all(&request).unwrap();
    assert_eq!(read_n(&mut c, 5), b"+OK\r\n");
}

/// Publish 64 KiB messages until the reply says nobody received one; how many were sent.
fn publish_until_nobody_listens(addr: SocketAddr, at_most: usize) -> usize {
    let mut publisher = connect(addr);
    let mut command = format!("*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n${VALUE_LEN}\r\n").into_bytes();
    command.extend(vec![b'x'; VALUE_LEN]);
    command.extend_from_slice(b"\r\n");
    for sent in 1..=at_most {
        publisher.write_all(&command).unwrap();
        if read_n(&mut publisher, 4) == b":0\r\n" {
            return sent;
        }
    }
    at_most
}

fn subscribe(addr: SocketAddr) -> TcpStream {
    let mut subscriber = connect(addr);
    subscriber.write_all(b"SUBSCRIBE ch\r\n").unwrap();
    assert_eq!(
        read_n(&mut subscriber, 31),
        b"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
    );
    subscriber
}

#[test]
fn config_set_pubsub_limit_reaches_the_loop_at_once() {
    let server = common::start(Faults::default());
    config_set(server.addr(), "pubsub 256kb 0 0");
    let _slow = subscribe(server.addr()); // never reads again
    // The kernel's socket buffers on loopback hold a few MiB first; then 256 KiB in the server.
    // With the default 32mb the cut would come after about 570 messages.
    let sent = publish_until_nobody_listens(server.addr(), 400);
    assert!(sent < 200, "cut off after {sent} messages");
}

#[test]
fn normal_limit_cuts_a_client_whose_own_replies_pile_up() {
    let server = common::start(Faults::default());
    set_big(server.addr());
    config_set(server.addr(), "normal 256kb 0 0");
    let mut greedy = connect(server.addr());
    // 200 replies of 64 KiB (12.5 MiB), none read: past 256 KiB in the server it is closed.
    greedy.write_all(&b"GET big\r\n".repeat(200)).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let (bytes, _) = read_to_close(&mut greedy);
    assert!(
        bytes.len() < 200 * VALUE_LEN,
        "all {} bytes arrived: the client was not cut off",
        bytes.len()
    );
    // Others carry on.
    let reply = exchange(server.addr(), b"PING\r\n", Duration::from_millis(100));
    assert_eq!(reply, b"+PONG\r\n");
}

#[test]
fn a_client_that_leaves_every_channel_is_a_normal_client_again() {
    let server = common::start(Faults::default());
    set_big(server.addr());
    config_set(server.addr(), "pubsub 256kb 0 0");
    let mut c = subscribe(server.addr());
    c.write_all(b"UNSUBSCRIBE\r\n").unwrap();
    assert_eq!(
        read_n(&mut c, 34),
        b"*3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:0\r\n"
    );
    // Now in the normal class (no limit): 100 replies of 64 KiB wait for it, however slowly
    // it reads. Still a subscriber, it would be cut off at 256 KiB.
    c.write_all(&b"GET big\r\n".repeat(100)).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let expected = 100 * (VALUE_LEN + format!("${VALUE_LEN}\r\n\r\n").len());
    let mut got = vec![0u8; expected];
    c.read_exact(&mut got).expect("every reply arrives");
}
