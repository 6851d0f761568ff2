//! Pub/sub over real sockets: exact reply bytes (captured from redis-server 7.0.15), patterns,
//! subscribed mode, subscribers vanishing mid fan-out, slow consumers, and real clients.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Binary, IO_TIMEOUT as TIMEOUT, connect, read_n, rss_kib};
use reactor::config::Config;

/// Read exactly as many bytes as `expected` and compare.
fn expect_bytes(stream: &mut TcpStream, expected: &[u8]) {
    let got = read_n(stream, expected.len());
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(expected)
    );
}

fn send(stream: &mut TcpStream, bytes: &[u8]) {
    stream.write_all(bytes).unwrap();
}

#[test]
fn publish_reaches_channel_and_pattern_subscribers_with_redis_bytes() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let mut sub = connect(server.addr());
    let mut psub = connect(server.addr());
    let mut publisher = connect(server.addr());

    send(&mut sub, b"SUBSCRIBE news other\r\n");
    expect_bytes(
        &mut sub,
        b"*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$5\r\nother\r\n:2\r\n",
    );
    send(&mut psub, b"PSUBSCRIBE n*s\r\n");
    expect_bytes(&mut psub, b"*3\r\n$10\r\npsubscribe\r\n$3\r\nn*s\r\n:1\r\n");

    send(
        &mut publisher,
        b"PUBLISH news hello\r\nPUBLISH nobody x\r\n",
    );
    expect_bytes(&mut publisher, b":2\r\n:0\r\n");
    expect_bytes(
        &mut sub,
        b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n",
    );
    expect_bytes(
        &mut psub,
        b"*4\r\n$8\r\npmessage\r\n$3\r\nn*s\r\n$4\r\nnews\r\n$5\r\nhello\r\n",
    );

    send(
        &mut publisher,
        b"PUBSUB NUMSUB news other none\r\nPUBSUB NUMPAT\r\n",
    );
    expect_bytes(
        &mut publisher,
        b"*6\r\n$4\r\nnews\r\n:1\r\n$5\r\nother\r\n:1\r\n$4\r\nnone\r\n:0\r\n:1\r\n",
    );
}

#[test]
fn subscribed_mode_allows_only_pubsub_ping_quit_reset() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let mut c = connect(server.addr());
    send(
        &mut c,
        b"SUBSCRIBE a\r\nPING\r\nPING x\r\nECHO y\r\nPUBSUB NUMPAT\r\nUNSUBSCRIBE\r\nECHO z\r\n",
    );
    expect_bytes(
        &mut c,
        b"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n\
          *2\r\n$4\r\npong\r\n$0\r\n\r\n\
          *2\r\n$4\r\npong\r\n$1\r\nx\r\n\
          -ERR Can't execute 'echo': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n\
          -ERR Can't execute 'pubsub|numpat': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n\
          *3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n\
          $1\r\nz\r\n",
    );
    // RESET also leaves subscribed mode, and forgets the name.
    send(
        &mut c,
        b"CLIENT SETNAME me\r\nPSUBSCRIBE p*\r\nRESET\r\nCLIENT GETNAME\r\nUNSUBSCRIBE\r\n",
    );
    expect_bytes(
        &mut c,
        b"+OK\r\n*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:1\r\n+RESET\r\n$-1\r\n\
          *3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n",
    );
}

#[test]
fn quit_in_subscribed_mode_closes_and_forgets_the_subscriber() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let mut sub = connect(server.addr());
    send(&mut sub, b"SUBSCRIBE c\r\nQUIT\r\n");
    expect_bytes(
        &mut sub,
        b"*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n+OK\r\n",
    );
    let mut rest = Vec::new();
    sub.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    let mut publisher = connect(server.addr());
    // The close is processed at the end of the server's tick; poll briefly until it shows.
    let deadline = Instant::now() + TIMEOUT;
    loop {
        send(&mut publisher, b"PUBLISH c x\r\n");
        let mut reply = [0u8; 4];
        publisher.read_exact(&mut reply).unwrap();
        if &reply == b":0\r\n" {
            break;
        }
        assert!(Instant::now() < deadline, "subscriber never removed");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn subscribers_disconnecting_mid_fan_out_do_not_disturb_the_rest() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let mut subs: Vec<TcpStream> = (0..200).map(|_| connect(server.addr())).collect();
    let confirm = b"*3\r\n$9\r\nsubscribe\r\n$4\r\nroom\r\n:1\r\n";
    for s in subs.iter_mut() {
        send(s, b"SUBSCRIBE room\r\n");
    }
    for s in subs.iter_mut() {
        expect_bytes(s, confirm);
    }
    let mut publisher = connect(server.addr());
    // Half of them vanish (every other one), some with a message in flight.
    send(&mut publisher, b"PUBLISH room first\r\n");
    expect_bytes(&mut publisher, b":200\r\n");
    let mut survivors = Vec::new();
    for (i, s) in subs.into_iter().enumerate() {
        if i % 2 == 0 {
            drop(s);
        } else {
            survivors.push(s);
        }
    }
    // Publish until the server has noticed every departure, then check each survivor got
    // every message in order.
    let deadline = Instant::now() + TIMEOUT;
    let mut published = 1;
    loop {
        send(&mut publisher, b"PUBLISH room again\r\n");
        published += 1;
        let mut reply = Vec::new();
        let mut byte = [0u8; 1];
        while !reply.ends_with(b"\r\n") {
            publisher.read_exact(&mut byte).unwrap();
            reply.push(byte[0]);
        }
        if reply == b":100\r\n" {
            break;
        }
        assert!(Instant::now() < deadline, "departures never noticed");
        std::thread::sleep(Duration::from_millis(5));
    }
    for s in survivors.iter_mut() {
        expect_bytes(s, b"*3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n$5\r\nfirst\r\n");
        for _ in 1..published {
            expect_bytes(s, b"*3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n$5\r\nagain\r\n");
        }
    }
}

#[test]
fn redis_crate_pubsub_api_receives_messages() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let client = redis::Client::open(format!("redis://{}/", server.addr())).unwrap();
    let mut sub_con = client.get_connection().unwrap();
    let mut pub_con = client.get_connection().unwrap();
    let mut pubsub = sub_con.as_pubsub();
    pubsub.subscribe("chat").unwrap();
    pubsub.psubscribe("ch*").unwrap();
    pubsub.set_read_timeout(Some(TIMEOUT)).unwrap();
    let receivers: i64 = redis::cmd("PUBLISH")
        .arg("chat")
        .arg("hi there")
        .query(&mut pub_con)
        .unwrap();
    assert_eq!(receivers, 2);
    let mut seen = Vec::new();
    for _ in 0..2 {
        let msg = pubsub.get_message().unwrap();
        let payload: String = msg.get_payload().unwrap();
        seen.push((
            msg.get_channel_name().to_string(),
            payload,
            msg.from_pattern(),
        ));
    }
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("chat".to_string(), "hi there".to_string(), false),
            ("chat".to_string(), "hi there".to_string(), true),
        ]
    );
}

/// PITFALLS.md row 13: a subscriber that never reads, while 100 MiB is published, is cut off
/// at its output limit; the publisher keeps getting prompt replies; the server's memory stays
/// bounded (it would pass 100 MiB if the limit were not enforced).
#[test]
fn subscriber_that_never_reads_is_cut_off_and_memory_stays_bounded() {
    let server = Binary::start(&["--client-output-buffer-limit", "pubsub", "8mb", "2mb", "60"]);
    let mut slow = connect(server.addr);
    send(&mut slow, b"SUBSCRIBE firehose\r\n");
    expect_bytes(
        &mut slow,
        b"*3\r\n$9\r\nsubscribe\r\n$8\r\nfirehose\r\n:1\r\n",
    );
    // Shrink the slow subscriber's receive buffer is not possible after connect in std; it
    // simply never reads from here on.
    let mut publisher = connect(server.addr);
    let payload = vec![b'x'; 64 * 1024];
    let mut command = format!(
        "*3\r\n$7\r\nPUBLISH\r\n$8\r\nfirehose\r\n${}\r\n",
        payload.len()
    )
    .into_bytes();
    command.extend_from_slice(&payload);
    command.extend_from_slice(b"\r\n");
    let rss_before = rss_kib(server.pid());
    let mut worst = Duration::ZERO;
    let mut receivers_seen = Vec::new();
    for _ in 0..1600 {
        // 1600 x 64 KiB = 100 MiB
        let started = Instant::now();
        send(&mut publisher, &command);
        let mut reply = [0u8; 4];
        publisher.read_exact(&mut reply).unwrap();
        worst = worst.max(started.elapsed());
        receivers_seen.push(reply);
    }
    let rss_after = rss_kib(server.pid());
    assert_eq!(&receivers_seen[0], b":1\r\n");
    assert_eq!(
        receivers_seen.last().unwrap(),
        b":0\r\n",
        "the slow subscriber was never disconnected"
    );
    // Generous bound: each PUBLISH is a loopback round trip; a blocked server would take the
    // full socket timeout.
    assert!(
        worst < Duration::from_secs(2),
        "publisher stalled for {worst:?}"
    );
    assert!(
        rss_after < rss_before + 40 * 1024,
        "server memory grew from {rss_before} KiB to {rss_after} KiB"
    );
    // The subscriber's connection ends (after whatever the kernel had buffered).
    let mut sink = vec![0u8; 1 << 20];
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match slow.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => assert!(Instant::now() < deadline, "subscriber never closed"),
        }
    }
}

/// `redis-cli SUBSCRIBE news` in one process receives what `redis-cli PUBLISH news hello` sends
/// from another. Needs redis-cli (CI installs it); fails, never skips, without it.
#[test]
fn redis_cli_subscribe_receives_redis_cli_publish() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let port = server.addr().port().to_string();
    let mut subscriber = Command::new("redis-cli")
        .args(["-p", &port, "SUBSCRIBE", "news"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("redis-cli must be installed (apt-get install redis-tools)");
    let mut lines = BufReader::new(subscriber.stdout.take().unwrap()).lines();
    // Piped (not a terminal), redis-cli prints one raw value per line.
    for expected in ["subscribe", "news", "1"] {
        assert_eq!(lines.next().unwrap().unwrap(), expected);
    }
    let published = Command::new("redis-cli")
        .args(["-p", &port, "PUBLISH", "news", "hello"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&published.stdout), "1\n");
    for expected in ["message", "news", "hello"] {
        assert_eq!(lines.next().unwrap().unwrap(), expected);
    }
    let _ = subscriber.kill();
    let _ = subscriber.wait();
}

/// Leaving every channel at once confirms each one with the count left after it (in no
/// particular order, as Redis), down to 0.
#[test]
fn unsubscribe_without_arguments_counts_down_to_zero() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let mut c = connect(server.addr());
    send(&mut c, b"SUBSCRIBE a b c\r\n");
    for (name, n) in [("a", 1), ("b", 2), ("c", 3)] {
        expect_bytes(
            &mut c,
            format!("*3\r\n$9\r\nsubscribe\r\n$1\r\n{name}\r\n:{n}\r\n").as_bytes(),
        );
    }
    send(&mut c, b"UNSUBSCRIBE\r\n");
    let mut left = Vec::new();
    for n in [2, 1, 0] {
        let reply = read_n(
            &mut c,
            "*3\r\n$11\r\nunsubscribe\r\n$1\r\nX\r\n:0\r\n".len(),
        );
        let text = String::from_utf8(reply).unwrap();
        assert!(text.ends_with(&format!(":{n}\r\n")), "{text:?}");
        left.push(text[text.len() - 7..text.len() - 6].to_string());
    }
    left.sort();
    assert_eq!(left, ["a", "b", "c"]);
}
