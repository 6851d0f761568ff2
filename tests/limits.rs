//! Connection limits and timeouts: `maxclients`, accept failures when descriptors run out
//! (PITFALLS.md row 12), the idle timeout (row 14), and the query-buffer limit.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use common::{Binary, Close, connect, read_n, read_to_close};
use reactor::config::Config;

fn spawn(config: Config) -> reactor::ServerHandle {
    reactor::spawn(config).expect("server starts")
}

/// PING on `stream` and expect `+PONG`.
fn ping(stream: &mut TcpStream) {
    stream.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_n(stream, 7), b"+PONG\r\n");
}

#[test]
fn client_over_maxclients_reads_the_redis_error_and_others_carry_on() {
    let server = spawn(Config {
        maxclients: 3,
        ..Config::ephemeral()
    });
    let mut admitted: Vec<TcpStream> = (0..3).map(|_| connect(server.addr())).collect();
    for c in admitted.iter_mut() {
        ping(c);
    }
    let mut refused = connect(server.addr());
    let (bytes, _) = read_to_close(&mut refused);
    assert_eq!(bytes, b"-ERR max number of clients reached\r\n");
    for c in admitted.iter_mut() {
        ping(c);
    }
    // A slot frees up when a client leaves: the next one is admitted.
    drop(admitted.pop());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut next = connect(server.addr());
        next.write_all(b"PING\r\n").unwrap();
        let (bytes, _) = read_until_pong_or_close(&mut next);
        if bytes == b"+PONG\r\n" {
            break;
        }
        assert!(Instant::now() < deadline, "the freed slot was never reused");
        thread::sleep(Duration::from_millis(20));
    }
}

/// Read one line: `+PONG` (admitted) or the refusal followed by a close.
fn read_until_pong_or_close(stream: &mut TcpStream) -> (Vec<u8>, Option<Close>) {
    let first = read_n(stream, 7);
    if first == b"+PONG\r\n" {
        return (first, None);
    }
    let (rest, close) = read_to_close(stream);
    ([first, rest].concat(), Some(close))
}

#[test]
fn idle_clients_are_closed_after_the_timeout_but_subscribers_are_not() {
    let server = spawn(Config {
        timeout_secs: 1,
        ..Config::ephemeral()
    });
    let started = Instant::now();
    let mut idle = connect(server.addr());
    let mut subscriber = connect(server.addr());
    let mut busy = connect(server.addr());
    subscriber.write_all(b"SUBSCRIBE news\r\n").unwrap();
    read_n(
        &mut subscriber,
        b"*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n".len(),
    );
    ping(&mut idle);
    // The busy client stays active past the timeout and must survive.
    for _ in 0..15 {
        ping(&mut busy);
        thread::sleep(Duration::from_millis(100));
    }
    let (bytes, _) = read_to_close(&mut idle);
    assert!(bytes.is_empty());
    let closed_after = started.elapsed();
    assert!(
        closed_after >= Duration::from_millis(900),
        "closed too early: {closed_after:?}"
    );
    ping(&mut busy);
    // The subscriber, idle just as long, still receives messages.
    let mut publisher = connect(server.addr());
    publisher.write_all(b"PUBLISH news hi\r\n").unwrap();
    assert_eq!(read_n(&mut publisher, 4), b":1\r\n");
    assert_eq!(
        read_n(
            &mut subscriber,
            b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n".len()
        ),
        b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
    );
}

#[test]
fn idle_timeout_wakes_the_loop_only_at_deadlines() {
    // With a 1 s timeout and one idle client, the loop must sleep until the deadline rather
    // than poll: over ~1.5 s it turns a handful of times, not thousands.
    let server = spawn(Config {
        timeout_secs: 1,
        ..Config::ephemeral()
    });
    let mut probe = connect(server.addr());
    let cycles = |probe: &mut TcpStream| -> u64 {
        probe.write_all(b"INFO stats\r\n").unwrap();
        let mut header = Vec::new();
        while !header.ends_with(b"\r\n") {
            header.extend(read_n(probe, 1));
        }
        let len: usize = std::str::from_utf8(&header[1..header.len() - 2])
            .unwrap()
            .parse()
            .unwrap();
        let body = String::from_utf8(read_n(probe, len + 2)).unwrap();
        body.lines()
            .find_map(|l| l.strip_prefix("eventloop_cycles:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let _idle = connect(server.addr());
    let before = cycles(&mut probe);
    thread::sleep(Duration::from_millis(600));
    let after = cycles(&mut probe);
    // A few turns for the INFO requests themselves and the accept; a spinning loop would
    // show tens of thousands.
    assert!(
        after - before < 20,
        "{} loop turns while idle",
        after - before
    );
}

#[test]
fn client_over_the_query_buffer_limit_is_closed_and_others_carry_on() {
    let server = spawn(Config {
        client_query_buffer_limit: 64 * 1024,
        ..Config::ephemeral()
    });
    let mut other = connect(server.addr());
    let mut greedy = connect(server.addr());
    // A bulk argument declared at 1 MiB is legal (under proto-max-bulk-len), but its bytes
    // pile up unparsed past the 64 KiB query-buffer limit.
    greedy
        .write_all(b"*2\r\n$4\r\nECHO\r\n$1048576\r\n")
        .unwrap();
    let chunk = vec![b'x'; 16 * 1024];
    let mut sent = 0;
    while sent < 256 * 1024 {
        if greedy.write_all(&chunk).is_err() {
            break; // the server already closed it
        }
        sent += chunk.len();
    }
    let (bytes, _) = read_to_close(&mut greedy);
    assert!(bytes.is_empty(), "got {} bytes", bytes.len());
    ping(&mut other);
    // Without the limit the same request is simply served.
    let unlimited = spawn(Config::ephemeral());
    let mut c = connect(unlimited.addr());
    let mut request = b"*2\r\n$4\r\nECHO\r\n$1048576\r\n".to_vec();
    request.extend(vec![b'x'; 1048576]);
    request.extend_from_slice(b"\r\n");
    let reply = common::write_while_reading(&mut c, request, 1048576 + 12);
    assert!(reply.starts_with(b"$1048576\r\nxxx"));
}

/// CPU seconds (user + system) the process has used so far.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = stat.rsplit(") ").next().unwrap();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

/// PITFALLS.md row 12: with fewer descriptors than clients, accept fails with EMFILE. The server
/// must neither exit nor spin, and must serve the clients still queued in the backlog once
/// descriptors free up (under edge triggering no new event comes for them).
#[test]
fn out_of_descriptors_the_server_backs_off_and_recovers() {
    let server = Binary::start(&[]);
    // Lower the running server's descriptor limit: about 10 are in use (stdio, epoll, the
    // listener, the waker, signal pipes), so roughly 20 clients fit.
    let status = Command::new("prlimit")
        .args([
            format!("--pid={}", server.pid()),
            "--nofile=32:32".to_string(),
        ])
        .status()
        .expect("prlimit (util-linux) is installed");
    assert!(status.success());
    let mut clients: Vec<TcpStream> = (0..40).map(|_| connect(server.addr)).collect();
    for c in clients.iter_mut() {
        c.write_all(b"PING\r\n").unwrap();
    }
    // Some are served; the rest wait in the kernel's backlog while accept fails.
    thread::sleep(Duration::from_millis(300));
    let cpu_before = cpu_seconds(server.pid());
    thread::sleep(Duration::from_secs(1));
    let cpu_used = cpu_seconds(server.pid()) - cpu_before;
    assert!(
        cpu_used < 0.2,
        "server used {cpu_used:.2} s of CPU in 1 s while out of descriptors (spinning?)"
    );
    // Find who was served, and let 25 served clients leave.
    let mut served = Vec::new();
    let mut waiting = Vec::new();
    for mut c in clients {
        c.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let mut buf = [0u8; 7];
        match std::io::Read::read_exact(&mut c, &mut buf) {
            Ok(()) => {
                assert_eq!(&buf, b"+PONG\r\n");
                served.push(c);
            }
            Err(_) => waiting.push(c),
        }
    }
    assert!(
        !waiting.is_empty(),
        "every client was served: limit not in force?"
    );
    assert!(served.len() >= 10, "only {} served", served.len());
    served.truncate(served.len().saturating_sub(25));
    // Every client that waited is now accepted and gets its reply.
    for c in waiting.iter_mut() {
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        assert_eq!(read_n(c, 7), b"+PONG\r\n");
    }
    assert!(server.child.id() > 0);
}

/// A client slowly reading a long reply is busy, not idle: the server writing to it counts as
/// activity (as in Redis), so the idle timeout does not cut the reply short.
#[test]
fn idle_timeout_does_not_cut_a_reply_the_client_is_still_reading() {
    let server = spawn(Config {
        timeout_secs: 1,
        ..Config::ephemeral()
    });
    // Bigger than the kernel's socket buffers on both sides, so the server is still writing
    // while the client reads. (Built before connecting: building it takes a while.)
    let value = common::pattern(32 * 1024 * 1024);
    let request = common::command(&[b"ECHO", &value]);
    let expected = common::bulk(&value);
    let mut c = connect(server.addr());
    c.write_all(&request).unwrap();
    let started = Instant::now();
    let mut got = Vec::new();
    // About 3 s of reading in sips, well past the 1 s timeout.
    while got.len() < expected.len() {
        let want = (expected.len() - got.len()).min(320 * 1024);
        got.extend(read_n(&mut c, want));
        thread::sleep(Duration::from_millis(30));
    }
    assert!(started.elapsed() > Duration::from_secs(2));
    assert!(got == expected, "the reply arrived damaged");
}

/// The kernel queues up to `tcp-backlog` connections for a server that has not accepted them
/// yet (511, as Redis; `listen`'s usual 128 drops bursts, and dropped clients wait a second or
/// more for a SYN retransmit). With the server stopped, 400 connections must all complete.
#[test]
fn a_burst_of_400_connections_fits_in_the_accept_backlog() {
    let server = Binary::start(&[]);
    server.signal("STOP");
    let mut clients = Vec::new();
    let mut refused = 0;
    for _ in 0..400 {
        match TcpStream::connect_timeout(&server.addr, Duration::from_millis(300)) {
            Ok(c) => clients.push(c),
            Err(_) => refused += 1,
        }
    }
    server.signal("CONT");
    assert_eq!(
        refused, 0,
        "{refused} of 400 connections did not fit in the backlog"
    );
    for c in clients.iter_mut() {
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        ping(c);
    }
}
