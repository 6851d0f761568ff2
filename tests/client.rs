//! The client library against an in-process server over real sockets: commands, replies split
//! across reads, a pipeline long enough to deadlock a write-then-read client, timeouts that lose
//! nothing, pub/sub, and redis-cli's reply formatting.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use reactor::client::{Connection, Message, Reply, Subscriber, encode_command, format_reply};
use reactor::config::Config;
use reactor::reactor::Faults;

const TIMEOUT: Duration = Duration::from_secs(10);

fn bulk(bytes: &[u8]) -> Reply {
    Reply::Bulk(bytes.to_vec())
}

fn status(text: &str) -> Reply {
    Reply::Status(text.as_bytes().to_vec())
}

#[test]
fn command_returns_replies_and_error_replies_leave_the_connection_usable() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let mut c = Connection::connect(server.addr(), TIMEOUT).unwrap();
    assert_eq!(c.command(&[b"PING"]).unwrap(), status("PONG"));
    assert_eq!(c.command(&[b"ping", b"hi"]).unwrap(), bulk(b"hi"));
    // Binary-safe arguments: CR, LF, NUL and non-UTF-8 bytes go through untouched.
    let odd = b"a\r\nb\0c\xff\"".to_vec();
    assert_eq!(c.command(&[b"ECHO", &odd]).unwrap(), bulk(&odd));
    assert_eq!(c.command(&[b"ECHO", b""]).unwrap(), bulk(b""));
    assert_eq!(
        c.command(&[b"ECHO"]).unwrap(),
        Reply::Error(b"ERR wrong number of arguments for 'echo' command".to_vec())
    );
    assert_eq!(c.command(&[b"PING"]).unwrap(), status("PONG"));
    match c.command(&[b"CLIENT", b"ID"]).unwrap() {
        Reply::Integer(id) => assert!(id > 0),
        other => panic!("CLIENT ID gave {other:?}"),
    }
}

#[test]
fn a_reply_bigger_than_any_read_arrives_whole() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let mut c = Connection::connect(server.addr(), TIMEOUT).unwrap();
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(c.command(&[b"ECHO", &big]).unwrap(), bulk(&big));
    assert_eq!(c.command(&[b"PING"]).unwrap(), status("PONG"));
}

/// The server hands the kernel at most 7 bytes per write, so every reply arrives in pieces
/// and many reads end mid-header or mid-payload: the read buffer and the resumable parser must
/// join them.
#[test]
fn replies_written_seven_bytes_at_a_time_are_reassembled() {
    let config = Config {
        faults: Faults {
            max_write: Some(7),
            ..Faults::default()
        },
        ..Config::ephemeral()
    };
    let server = reactor::spawn(config).unwrap();
    let mut c = Connection::connect(server.addr(), TIMEOUT).unwrap();
    let payload = b"0123456789abcdefghijklmnopqrstuvwxyz".repeat(30);
    assert_eq!(c.command(&[b"ECHO", &payload]).unwrap(), bulk(&payload));
    let commands: Vec<Vec<Vec<u8>>> = (0..50)
        .map(|i| vec![b"ECHO".to_vec(), format!("reply {i}").into_bytes()])
        .collect();
    let replies = c.pipeline(&commands).unwrap();
    for (i, reply) in replies.iter().enumerate() {
        assert_eq!(reply, &bulk(format!("reply {i}").as_bytes()));
    }
}

/// Several replies in one read: bytes after the first reply are kept for the next call.
#[test]
fn replies_that_arrive_together_are_returned_one_by_one() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let mut c = Connection::connect(server.addr(), TIMEOUT).unwrap();
    // Send three requests with the raw socket in one write, so the replies are likely to
    // come back in one segment; then let the connection read them.
    let mut requests = Vec::new();
    for word in [&b"one"[..], b"two", b"three"] {
        encode_command(&mut requests, &[&b"ECHO"[..], word]);
    }
    c.send(&[b"ECHO", b"zero"]).unwrap();
    c.stream().write_all(&requests).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    for word in [&b"zero"[..], b"one", b"two", b"three"] {
        assert_eq!(c.read_reply().unwrap(), bulk(word));
    }
}

fn long_pipeline() -> Vec<Vec<Vec<u8>>> {
    // 100,000 commands: every fifth is an ECHO of 4 KiB (stamped with its index, so order is
    // checked), the rest are PINGs. 20,000 x 4 KiB = 80 MiB of requests and as much in replies.
    (0..100_000)
        .map(|i| {
            if i % 5 == 0 {
                let mut payload = format!("{i:08}").into_bytes();
                payload.resize(4096, b'.');
                vec![b"ECHO".to_vec(), payload]
            } else {
                vec![b"PING".to_vec()]
            }
        })
        .collect()
}

/// The server stops reading a client whose unsent replies pass 1 MiB (backpressure; the
/// default is 64 MiB, lowered so that the arithmetic below holds on any machine). Replies a
/// deadlocked client never read are not worth the default 2 s of grace at shutdown.
fn backpressure_config() -> Config {
    Config {
        output_high_water: 1024 * 1024,
        shutdown_grace: Duration::from_millis(100),
        ..Config::ephemeral()
    }
}

/// Why `pipeline` must read while it writes: a client that writes all 80 MiB before reading
/// fills, in turn, the server's output buffer up to its high-water mark (then the server stops
/// reading it), the kernel buffers between us (a few MiB each way on loopback, at most
/// `tcp_rmem` + `tcp_wmem` maxima: 32 MiB + 4 MiB per direction here), and then its `write`
/// blocks for good. 80 MiB is more than all of those together. Here the naive client is given a
/// write timeout, and the timeout is what happens.
#[test]
fn write_everything_then_read_deadlocks_on_a_long_pipeline() {
    let server = reactor::spawn(backpressure_config()).unwrap();
    let mut naive = TcpStream::connect(server.addr()).unwrap();
    naive
        .set_write_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let mut requests = Vec::new();
    for command in long_pipeline() {
        encode_command(&mut requests, &command);
    }
    let error = naive
        .write_all(&requests)
        .expect_err("80 MiB of requests were written without reading a reply");
    assert!(reactor::client::is_timeout(&error), "{error}");
}

/// The same pipeline through `Connection::pipeline`, which writes from a second thread while
/// it reads, completes with every reply in order.
#[test]
fn pipeline_of_100k_commands_reads_while_it_writes() {
    let server = reactor::spawn(backpressure_config()).unwrap();
    let mut c = Connection::connect(server.addr(), Duration::from_secs(30)).unwrap();
    let commands = long_pipeline();
    let started = Instant::now();
    let replies = c.pipeline(&commands).unwrap();
    assert_eq!(replies.len(), commands.len());
    for (i, (command, reply)) in commands.iter().zip(&replies).enumerate() {
        match command.len() {
            2 => assert_eq!(reply, &Reply::Bulk(command[1].clone()), "reply {i}"),
            _ => assert_eq!(reply, &status("PONG"), "reply {i}"),
        }
    }
    assert!(started.elapsed() < Duration::from_secs(30));
    // The connection is still in step.
    assert_eq!(c.command(&[b"ECHO", b"after"]).unwrap(), bulk(b"after"));
    assert_eq!(c.pipeline(&[]).unwrap(), vec![]);
}

/// A server that accepts and never answers: the command times out, the reply stays owed (so
/// the next `command` refuses rather than mistake it for its own), and once the late reply
/// arrives `read_reply` returns it. A reply half-received at the timeout is completed later.
#[test]
fn a_timeout_loses_nothing_and_keeps_requests_and_replies_paired() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut c =
        Connection::connect(listener.local_addr().unwrap(), Duration::from_millis(200)).unwrap();
    let (mut server_side, _) = listener.accept().unwrap();

    let error = c.command(&[b"ECHO", b"late"]).unwrap_err();
    assert!(reactor::client::is_timeout(&error), "{error}");
    let error = c.command(&[b"PING"]).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput, "{error}");

    // Half a reply, then a timeout, then the rest.
    server_side.write_all(b"$4\r\nla").unwrap();
    let error = c.read_reply().unwrap_err();
    assert!(reactor::client::is_timeout(&error), "{error}");
    server_side.write_all(b"te\r\n").unwrap();
    assert_eq!(c.read_reply().unwrap(), bulk(b"late"));

    // In step again: the next command works, and the server saw exactly the two requests
    // (the refused PING was never sent). The reply can be queued before the request.
    server_side.write_all(b"+PONG\r\n").unwrap();
    assert_eq!(c.command(&[b"PING"]).unwrap(), status("PONG"));
    let expected = b"*2\r\n$4\r\nECHO\r\n$4\r\nlate\r\n*1\r\n$4\r\nPING\r\n";
    let mut seen = vec![0u8; expected.len()];
    server_side.set_read_timeout(Some(TIMEOUT)).unwrap();
    server_side.read_exact(&mut seen).unwrap();
    assert_eq!(seen, expected);
}

#[test]
fn a_closed_or_garbled_stream_fails_every_later_call() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut c = Connection::connect(listener.local_addr().unwrap(), TIMEOUT).unwrap();
    let (mut server_side, _) = listener.accept().unwrap();
    server_side.write_all(b"?what\r\n").unwrap();
    let error = c.command(&[b"PING"]).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData, "{error}");
    let error = c.command(&[b"PING"]).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::NotConnected, "{error}");

    let mut c = Connection::connect(listener.local_addr().unwrap(), TIMEOUT).unwrap();
    let (server_side, _) = listener.accept().unwrap();
    drop(server_side);
    let error = c.command(&[b"PING"]).unwrap_err();
    assert!(
        matches!(
            error.kind(),
            std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::BrokenPipe
        ),
        "{error}"
    );
    assert!(c.command(&[b"PING"]).is_err());
}

#[test]
fn connect_to_a_closed_port_fails_promptly() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let started = Instant::now();
    let error = Connection::connect(("127.0.0.1", port), TIMEOUT).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
    assert!(started.elapsed() < TIMEOUT);
}

#[test]
fn subscriber_receives_channel_and_pattern_messages() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let mut sub = Subscriber::connect(server.addr(), TIMEOUT).unwrap();
    sub.subscribe(&[b"news", b"weather"]).unwrap();
    sub.psubscribe(&[b"n*s"]).unwrap();
    let mut publisher = Connection::connect(server.addr(), TIMEOUT).unwrap();
    let payload = b"hello\r\nworld\0".to_vec();
    assert_eq!(
        publisher.command(&[b"PUBLISH", b"news", &payload]).unwrap(),
        Reply::Integer(2)
    );
    assert_eq!(
        publisher
            .command(&[b"PUBLISH", b"weather", b"rain"])
            .unwrap(),
        Reply::Integer(1)
    );
    let mut got = vec![
        sub.next_message().unwrap(),
        sub.next_message().unwrap(),
        sub.next_message().unwrap(),
    ];
    got.sort_by(|a, b| (&a.channel, &a.pattern).cmp(&(&b.channel, &b.pattern)));
    assert_eq!(
        got,
        vec![
            Message {
                channel: b"news".to_vec(),
                pattern: None,
                payload: payload.clone(),
            },
            Message {
                channel: b"news".to_vec(),
                pattern: Some(b"n*s".to_vec()),
                payload,
            },
            Message {
                channel: b"weather".to_vec(),
                pattern: None,
                payload: b"rain".to_vec(),
            },
        ]
    );
}

/// A message for a channel we already listen to can reach us before the confirmation of a new
/// subscription: `subscribe` keeps it for `next_message` instead of dropping it.
#[test]
fn a_message_arriving_during_subscribe_is_kept() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let mut sub = Subscriber::connect(server.addr(), TIMEOUT).unwrap();
    sub.subscribe(&[b"a"]).unwrap();
    let mut publisher = Connection::connect(server.addr(), TIMEOUT).unwrap();
    // PUBLISH has returned, so the message is queued on the subscriber's connection before the
    // SUBSCRIBE b below is even sent: it must come before b's confirmation.
    assert_eq!(
        publisher.command(&[b"PUBLISH", b"a", b"early"]).unwrap(),
        Reply::Integer(1)
    );
    sub.subscribe(&[b"b"]).unwrap();
    publisher.command(&[b"PUBLISH", b"b", b"later"]).unwrap();
    assert_eq!(sub.next_message().unwrap().payload, b"early");
    assert_eq!(sub.next_message().unwrap().payload, b"later");
}

#[test]
fn next_message_times_out_and_a_later_message_still_arrives() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let mut sub = Subscriber::connect(server.addr(), TIMEOUT).unwrap();
    sub.subscribe(&[b"quiet"]).unwrap();
    sub.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let started = Instant::now();
    let error = sub.next_message().unwrap_err();
    assert!(reactor::client::is_timeout(&error), "{error}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let mut publisher = Connection::connect(server.addr(), TIMEOUT).unwrap();
    publisher
        .command(&[b"PUBLISH", b"quiet", b"finally"])
        .unwrap();
    sub.set_read_timeout(Some(TIMEOUT)).unwrap();
    assert_eq!(sub.next_message().unwrap().payload, b"finally");
    assert!(sub.subscribe(&[]).is_err());
}

/// Expected texts are what redis-cli 7.0.15 printed for the same replies from redis-server
/// 7.0.15, under a terminal (`script -qc "redis-cli -p PORT ..." /dev/null`) for tty style and
/// through a pipe for raw style. `tests/cli.rs` also compares live against redis-cli.
#[test]
fn format_reply_prints_like_redis_cli() {
    let tty = |reply: &Reply| format_reply(reply, false);
    let raw = |reply: &Reply| format_reply(reply, true);

    assert_eq!(tty(&status("PONG")), "PONG\n");
    assert_eq!(tty(&Reply::Integer(-7)), "(integer) -7\n");
    assert_eq!(tty(&Reply::Nil), "(nil)\n");
    assert_eq!(tty(&Reply::NilArray), "(nil)\n");
    assert_eq!(tty(&Reply::Array(vec![])), "(empty array)\n");
    assert_eq!(tty(&bulk(b"")), "\"\"\n");
    let error = Reply::Error(b"ERR unknown command 'FOO', with args beginning with: ".to_vec());
    assert_eq!(
        tty(&error),
        "(error) ERR unknown command 'FOO', with args beginning with: \n"
    );
    // GET of the bytes  a NUL LF CR TAB BEL BS " \ b e-acute DEL ESC VT FF ~ " end"
    let special = b"a\x00\n\r\t\x07\x08\"\\b\xc3\xa9\x7f\x1b\x0b\x0c~ end";
    assert_eq!(
        tty(&bulk(special)),
        "\"a\\x00\\n\\r\\t\\a\\b\\\"\\\\b\\xc3\\xa9\\x7f\\x1b\\x0b\\x0c~ end\"\n"
    );

    // EVAL "return {1,2,3,4,5,6,7,8,9,10,{1,2,{}},{},'z'}" 0
    let mut items: Vec<Reply> = (1..=10).map(Reply::Integer).collect();
    items.push(Reply::Array(vec![
        Reply::Integer(1),
        Reply::Integer(2),
        Reply::Array(vec![]),
    ]));
    items.push(Reply::Array(vec![]));
    items.push(bulk(b"z"));
    let wide = Reply::Array(items);
    assert_eq!(
        tty(&wide),
        " 1) (integer) 1\n 2) (integer) 2\n 3) (integer) 3\n 4) (integer) 4\n \
         5) (integer) 5\n 6) (integer) 6\n 7) (integer) 7\n 8) (integer) 8\n \
         9) (integer) 9\n10) (integer) 10\n11) 1) (integer) 1\n    2) (integer) 2\n    \
         3) (empty array)\n12) (empty array)\n13) \"z\"\n"
    );
    assert_eq!(raw(&wide), "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n1\n2\n\n\nz\n");

    // EVAL "return {1,{2,{3,'a'}},'x'}" 0
    let nested = Reply::Array(vec![
        Reply::Integer(1),
        Reply::Array(vec![
            Reply::Integer(2),
            Reply::Array(vec![Reply::Integer(3), bulk(b"a")]),
        ]),
        bulk(b"x"),
    ]);
    assert_eq!(
        tty(&nested),
        "1) (integer) 1\n2) 1) (integer) 2\n   2) 1) (integer) 3\n      2) \"a\"\n3) \"x\"\n"
    );
    assert_eq!(raw(&nested), "1\n2\n3\na\nx\n");

    // EVAL "return {1,redis.error_reply('E1 x'),false,{}}" 0, and a status inside an array.
    let mixed = Reply::Array(vec![
        Reply::Integer(1),
        Reply::Error(b"E1 x".to_vec()),
        Reply::Nil,
        Reply::Array(vec![]),
    ]);
    assert_eq!(
        tty(&mixed),
        "1) (integer) 1\n2) (error) E1 x\n3) (nil)\n4) (empty array)\n"
    );
    assert_eq!(raw(&mixed), "1\nE1 x\n\n\n\n");
    assert_eq!(tty(&Reply::Array(vec![status("FINE")])), "1) FINE\n");

    // Raw scalars: the bytes as they are, nil as an empty line, an error then an empty line.
    assert_eq!(raw(&status("PONG")), "PONG\n");
    assert_eq!(raw(&Reply::Integer(1)), "1\n");
    assert_eq!(raw(&Reply::Nil), "\n");
    assert_eq!(raw(&Reply::Array(vec![])), "\n");
    assert_eq!(raw(&bulk(b"a\nb")), "a\nb\n");
    assert_eq!(
        raw(&error),
        "ERR unknown command 'FOO', with args beginning with: \n\n"
    );
}
