//! Blocked clients over real sockets: BLPOP and friends park a client without stopping the
//! loop, and a write to the key serves the waiters in the order they blocked, before the
//! writer's next command. See docs/16-a-blocked-client.md.

mod common;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::{assert_silent, bulk, command, connect, read_n};

fn send(stream: &mut TcpStream, args: &[&[u8]]) {
    stream.write_all(&command(args)).unwrap();
}

/// Send a command and read exactly the expected reply.
fn expect(stream: &mut TcpStream, args: &[&[u8]], reply: &[u8]) {
    send(stream, args);
    let got = read_n(stream, reply.len());
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(reply),
        "reply to {:?}",
        args.iter()
            .map(|a| String::from_utf8_lossy(a))
            .collect::<Vec<_>>()
    );
}

/// `[key, element]` as BLPOP answers.
fn pair(key: &[u8], element: &[u8]) -> Vec<u8> {
    let mut out = b"*2\r\n".to_vec();
    out.extend(bulk(key));
    out.extend(bulk(element));
    out
}

/// One INFO field, as a number.
fn info_field(probe: &mut TcpStream, name: &str) -> i64 {
    send(probe, &[b"INFO", b"clients"]);
    let header = read_line(probe);
    let len: usize = header[1..].trim().parse().unwrap();
    let body = String::from_utf8(read_n(probe, len + 2)).unwrap();
    body.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {body}"))
}

fn read_line(stream: &mut TcpStream) -> String {
    let mut line = Vec::new();
    while !line.ends_with(b"\r\n") {
        line.extend(read_n(stream, 1));
    }
    String::from_utf8(line).unwrap()
}

/// Wait (bounded) until the server reports `n` blocked clients: the order of blocking is
/// then known, whatever the scheduling of the test's sockets.
fn wait_blocked(probe: &mut TcpStream, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = info_field(probe, "blocked_clients");
        if now == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "blocked_clients stayed {now}, want {n}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn server() -> (reactor::ServerHandle, SocketAddr) {
    let server = common::start(Default::default());
    let addr = server.addr();
    (server, addr)
}

#[test]
fn waiters_are_served_in_the_order_they_blocked_by_one_push() {
    let (_server, addr) = server();
    let mut probe = connect(addr);
    let mut waiters: Vec<TcpStream> = (0..3).map(|_| connect(addr)).collect();
    for (i, waiter) in waiters.iter_mut().enumerate() {
        send(waiter, &[b"BLPOP", b"q", b"0"]);
        wait_blocked(&mut probe, i as i64 + 1);
    }
    // One push of three elements serves all three, first come first served.
    expect(&mut probe, &[b"RPUSH", b"q", b"a", b"b", b"c"], b":3\r\n");
    for (waiter, element) in waiters.iter_mut().zip([b"a", b"b", b"c"]) {
        assert_eq!(
            read_n(waiter, pair(b"q", element).len()),
            pair(b"q", element)
        );
    }
    expect(&mut probe, &[b"EXISTS", b"q"], b":0\r\n");
    assert_eq!(info_field(&mut probe, "blocked_clients"), 0);
}

#[test]
fn a_blocked_clients_pipelined_commands_wait_until_it_is_served() {
    let (_server, addr) = server();
    let mut probe = connect(addr);
    let mut waiter = connect(addr);
    let mut pipeline = command(&[b"BLPOP", b"q", b"0"]);
    pipeline.extend(command(&[b"PING"]));
    waiter.write_all(&pipeline).unwrap();
    wait_blocked(&mut probe, 1);
    assert_silent(&mut waiter, Duration::from_millis(200));
    // More bytes while blocked are kept, not run.
    send(&mut waiter, &[b"ECHO", b"later"]);
    assert_silent(&mut waiter, Duration::from_millis(100));
    expect(&mut probe, &[b"LPUSH", b"q", b"job"], b":1\r\n");
    let mut want = pair(b"q", b"job");
    want.extend_from_slice(b"+PONG\r\n");
    want.extend(bulk(b"later"));
    assert_eq!(read_n(&mut waiter, want.len()), want);
}

#[test]
fn a_waiter_is_served_before_the_pushers_next_command() {
    let (_server, addr) = server();
    let mut probe = connect(addr);
    let mut waiter = connect(addr);
    send(&mut waiter, &[b"BLPOP", b"q", b"0"]);
    wait_blocked(&mut probe, 1);
    // RPUSH then LPOP in one pipeline: the waiter gets the element, the LPOP finds nothing.
    let mut pipeline = command(&[b"RPUSH", b"q", b"x"]);
    pipeline.extend(command(&[b"LPOP", b"q"]));
    probe.write_all(&pipeline).unwrap();
    assert_eq!(read_n(&mut probe, 9), b":1\r\n$-1\r\n");
    assert_eq!(
        read_n(&mut waiter, pair(b"q", b"x").len()),
        pair(b"q", b"x")
    );
}

#[test]
fn timeouts_reply_with_a_null_array_on_time_and_the_client_goes_on() {
    let (_server, addr) = server();
    let mut waiter = connect(addr);
    let started = Instant::now();
    let mut pipeline = command(&[b"BLPOP", b"nothing", b"0.2"]);
    pipeline.extend(command(&[b"PING"]));
    waiter.write_all(&pipeline).unwrap();
    assert_eq!(read_n(&mut waiter, 5), b"*-1\r\n");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(190),
        "timed out early: {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(3),
        "timed out late: {waited:?}"
    );
    assert_eq!(read_n(&mut waiter, 7), b"+PONG\r\n");
    // BLMOVE and BLMPOP time out the same way (Redis 7.0 answers all three with *-1).
    expect(
        &mut waiter,
        &[b"BLMOVE", b"a", b"b", b"LEFT", b"LEFT", b"0.05"],
        b"*-1\r\n",
    );
    expect(
        &mut waiter,
        &[b"BLMPOP", b"0.05", b"1", b"a", b"LEFT"],
        b"*-1\r\n",
    );
}

#[test]
fn a_thousand_clients_time_out_together_and_the_server_stays_responsive() {
    let (_server, addr) = server();
    let mut probe = connect(addr);
    let mut waiters: Vec<TcpStream> = (0..1000).map(|_| connect(addr)).collect();
    for waiter in &mut waiters {
        send(waiter, &[b"BLPOP", b"k1", b"k2", b"0.5"]);
    }
    wait_blocked(&mut probe, 1000);
    expect(&mut probe, &[b"PING"], b"+PONG\r\n");
    for waiter in &mut waiters {
        assert_eq!(read_n(waiter, 5), b"*-1\r\n");
    }
    assert_eq!(info_field(&mut probe, "blocked_clients"), 0);
    assert_eq!(info_field(&mut probe, "clients_in_timeout_table"), 0);
    // Nothing was left behind on the keys: a push now stays in the list.
    expect(&mut probe, &[b"RPUSH", b"k1", b"v"], b":1\r\n");
    expect(&mut probe, &[b"LPOP", b"k1"], b"$1\r\nv\r\n");
}

#[test]
fn a_client_that_disconnects_while_blocked_leaves_no_trace_and_loses_no_element() {
    let (_server, addr) = server();
    let mut probe = connect(addr);
    let gone = connect(addr);
    let mut next = connect(addr);
    {
        let mut gone = gone;
        send(&mut gone, &[b"BLPOP", b"q", b"0"]);
        wait_blocked(&mut probe, 1);
        send(&mut next, &[b"BLPOP", b"q", b"0"]);
        wait_blocked(&mut probe, 2);
    } // `gone` hangs up while first in the queue.
    wait_blocked(&mut probe, 1);
    expect(&mut probe, &[b"RPUSH", b"q", b"a", b"b"], b":2\r\n");
    assert_eq!(read_n(&mut next, pair(b"q", b"a").len()), pair(b"q", b"a"));
    // The second element was not handed to the client that left.
    expect(&mut probe, &[b"LPOP", b"q", b"5"], b"*1\r\n$1\r\nb\r\n");
}

#[test]
fn a_client_blocked_on_several_keys_is_served_once() {
    let (_server, addr) = server();
    let mut probe = connect(addr);
    let mut waiter = connect(addr);
    send(&mut waiter, &[b"BRPOP", b"k1", b"k2", b"0"]);
    wait_blocked(&mut probe, 1);
    let mut pipeline = command(&[b"RPUSH", b"k2", b"x"]);
    pipeline.extend(command(&[b"RPUSH", b"k1", b"y"]));
    probe.write_all(&pipeline).unwrap();
    assert_eq!(read_n(&mut probe, 8), b":1\r\n:1\r\n");
    assert_eq!(
        read_n(&mut waiter, pair(b"k2", b"x").len()),
        pair(b"k2", b"x")
    );
    expect(&mut probe, &[b"LPOP", b"k1"], b"$1\r\ny\r\n");
    assert_eq!(info_field(&mut probe, "blocked_clients"), 0);
}

#[test]
fn a_served_blmove_wakes_the_waiters_of_its_destination() {
    let (_server, addr) = server();
    let mut probe = connect(addr);
    let mut mover = connect(addr);
    let mut consumer = connect(addr);
    send(
        &mut mover,
        &[b"BLMOVE", b"src", b"dst", b"RIGHT", b"LEFT", b"0"],
    );
    wait_blocked(&mut probe, 1);
    send(&mut consumer, &[b"BLPOP", b"dst", b"0"]);
    wait_blocked(&mut probe, 2);
    expect(&mut probe, &[b"LPUSH", b"src", b"job"], b":1\r\n");
    assert_eq!(read_n(&mut mover, 9), bulk(b"job"));
    assert_eq!(
        read_n(&mut consumer, pair(b"dst", b"job").len()),
        pair(b"dst", b"job")
    );
    expect(&mut probe, &[b"EXISTS", b"src", b"dst"], b":0\r\n");
}

#[test]
fn a_served_blmove_with_a_wrong_type_destination_errors_and_pops_nothing() {
    let (_server, addr) = server();
    let mut probe = connect(addr);
    let mut mover = connect(addr);
    send(
        &mut mover,
        &[b"BLMOVE", b"src", b"dst", b"LEFT", b"LEFT", b"0"],
    );
    wait_blocked(&mut probe, 1);
    expect(&mut probe, &[b"SET", b"dst", b"string"], b"+OK\r\n");
    expect(&mut probe, &[b"RPUSH", b"src", b"x"], b":1\r\n");
    let wrongtype = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    assert_eq!(read_n(&mut mover, wrongtype.len()), wrongtype);
    expect(&mut probe, &[b"LPOP", b"src"], b"$1\r\nx\r\n");
    assert_eq!(info_field(&mut probe, "blocked_clients"), 0);
}

#[test]
fn a_key_of_another_type_serves_no_one() {
    let (_server, addr) = server();
    let mut probe = connect(addr);
    let mut waiter = connect(addr);
    send(&mut waiter, &[b"BLPOP", b"k", b"0"]);
    wait_blocked(&mut probe, 1);
    expect(&mut probe, &[b"SET", b"k", b"v"], b"+OK\r\n");
    assert_silent(&mut waiter, Duration::from_millis(100));
    assert_eq!(info_field(&mut probe, "blocked_clients"), 1);
    expect(&mut probe, &[b"DEL", b"k"], b":1\r\n");
    expect(&mut probe, &[b"RPUSH", b"k", b"x"], b":1\r\n");
    assert_eq!(
        read_n(&mut waiter, pair(b"k", b"x").len()),
        pair(b"k", b"x")
    );
}

#[test]
fn client_unblock_ends_a_wait_with_a_timeout_or_an_error() {
    let (_server, addr) = server();
    let mut probe = connect(addr);
    let mut waiter = connect(addr);
    expect(&mut waiter, &[b"CLIENT", b"SETNAME", b"waiter"], b"+OK\r\n");
    send(&mut waiter, &[b"CLIENT", b"ID"]);
    let id = read_line(&mut waiter)[1..].trim().to_string();

    send(&mut waiter, &[b"BLPOP", b"q", b"0"]);
    wait_blocked(&mut probe, 1);
    send(&mut probe, &[b"CLIENT", b"LIST"]);
    let header = read_line(&mut probe);
    let list = read_n(&mut probe, header[1..].trim().parse::<usize>().unwrap() + 2);
    let line = String::from_utf8(list).unwrap();
    let waiter_line = line.lines().find(|l| l.contains("name=waiter")).unwrap();
    assert!(waiter_line.contains(" flags=b "), "{waiter_line}");

    expect(
        &mut probe,
        &[b"CLIENT", b"UNBLOCK", id.as_bytes()],
        b":1\r\n",
    );
    assert_eq!(read_n(&mut waiter, 5), b"*-1\r\n");
    expect(
        &mut probe,
        &[b"CLIENT", b"UNBLOCK", id.as_bytes()],
        b":0\r\n",
    );

    send(
        &mut waiter,
        &[b"BLMOVE", b"q", b"d", b"LEFT", b"LEFT", b"0"],
    );
    wait_blocked(&mut probe, 1);
    expect(
        &mut probe,
        &[b"CLIENT", b"UNBLOCK", id.as_bytes(), b"ERROR"],
        b":1\r\n",
    );
    let error = b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n";
    assert_eq!(read_n(&mut waiter, error.len()), error);
    // It left the queue: a push stays in the list.
    expect(&mut probe, &[b"RPUSH", b"q", b"x"], b":1\r\n");
    expect(&mut probe, &[b"LPOP", b"q"], b"$1\r\nx\r\n");
}

#[test]
fn blocked_clients_are_exempt_from_the_idle_timeout() {
    let config = reactor::config::Config {
        timeout_secs: 1,
        ..reactor::config::Config::ephemeral()
    };
    let server = reactor::spawn(config).unwrap();
    let addr = server.addr();
    let mut waiter = connect(addr);
    let mut idle = connect(addr);
    expect(&mut idle, &[b"PING"], b"+PONG\r\n");
    send(&mut waiter, &[b"BLPOP", b"q", b"0"]);
    // The idle client is closed after about a second; the blocked one is not.
    let (_, _) = common::read_to_close(&mut idle);
    std::thread::sleep(Duration::from_millis(1500));
    let mut probe = connect(addr);
    expect(&mut probe, &[b"RPUSH", b"q", b"x"], b":1\r\n");
    assert_eq!(
        read_n(&mut waiter, pair(b"q", b"x").len()),
        pair(b"q", b"x")
    );
}

#[test]
fn timeout_argument_errors_match_redis() {
    let (_server, addr) = server();
    let mut client = connect(addr);
    let not_float = b"-ERR timeout is not a float or out of range\r\n";
    let negative = b"-ERR timeout is negative\r\n";
    expect(&mut client, &[b"BLPOP", b"q", b"abc"], not_float);
    expect(&mut client, &[b"BLPOP", b"q", b""], not_float);
    expect(&mut client, &[b"BLPOP", b"q", b" 1"], not_float);
    expect(&mut client, &[b"BLPOP", b"q", b"nan"], not_float);
    expect(&mut client, &[b"BLPOP", b"q", b"-1"], negative);
    expect(&mut client, &[b"BLPOP", b"q", b"1e30"], negative);
    expect(&mut client, &[b"BRPOPLPUSH", b"q", b"d", b"-0.5"], negative);
    expect(
        &mut client,
        &[b"BLMPOP", b"-1", b"1", b"q", b"LEFT"],
        negative,
    );
    // BLMPOP checks numkeys before the timeout, as Redis.
    expect(
        &mut client,
        &[b"BLMPOP", b"-1", b"0", b"q", b"LEFT"],
        b"-ERR numkeys should be greater than 0\r\n",
    );
}

/// Any INFO field (all sections).
fn info_any(probe: &mut TcpStream, name: &str) -> i64 {
    send(probe, &[b"INFO", b"everything"]);
    let header = read_line(probe);
    let len: usize = header[1..].trim().parse().unwrap();
    let body = String::from_utf8(read_n(probe, len + 2)).unwrap();
    body.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in INFO"))
}

/// CPU time the process has used, in clock ticks (utime + stime from /proc/PID/stat).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Raise this process's soft descriptor limit to its hard limit (10,000 client sockets need
/// more than the usual 1024); the server child inherits it.
fn raise_nofile_limit() {
    let status = std::process::Command::new("prlimit")
        .args([
            "--pid",
            &std::process::id().to_string(),
            "--nofile=unlimited:",
        ])
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        // `unlimited` exceeds the hard limit on most machines: ask for the hard limit itself.
        let hard = std::process::Command::new("sh")
            .args(["-c", "ulimit -Hn"])
            .output()
            .expect("sh");
        let hard = String::from_utf8_lossy(&hard.stdout).trim().to_string();
        let status = std::process::Command::new("prlimit")
            .args([
                "--pid",
                &std::process::id().to_string(),
                &format!("--nofile={hard}:"),
            ])
            .status()
            .expect("prlimit (util-linux) is installed");
        assert!(status.success(), "prlimit --nofile={hard}:");
    }
}

/// 10,000 clients blocked on `BLPOP k 0` cost the idle server no CPU (it sleeps: no turns of
/// the loop but the probe's own) and under 2 KiB each; one push of 10,000 elements then
/// serves every one of them.
#[test]
fn ten_thousand_blocked_clients_are_idle_and_small() {
    const CLIENTS: usize = 10_000;
    raise_nofile_limit();
    let server = common::Binary::start(&["--maxclients", "10100"]);
    let mut probe = connect(server.addr);
    expect(&mut probe, &[b"PING"], b"+PONG\r\n");
    let before = common::rss_kib(server.pid());
    let mut waiters: Vec<TcpStream> = Vec::with_capacity(CLIENTS);
    let request = command(&[b"BLPOP", b"k", b"0"]);
    for _ in 0..CLIENTS {
        let mut waiter = TcpStream::connect(server.addr).expect("connect");
        waiter.set_read_timeout(Some(common::IO_TIMEOUT)).unwrap();
        waiter.write_all(&request).unwrap();
        waiters.push(waiter);
    }
    wait_blocked(&mut probe, CLIENTS as i64);
    let after = common::rss_kib(server.pid());
    let per_client = (after.saturating_sub(before)) * 1024 / CLIENTS as u64;
    println!("RSS {before} KiB -> {after} KiB: {per_client} bytes per blocked client");
    assert!(per_client < 2048, "{per_client} bytes per blocked client");

    let cycles = info_any(&mut probe, "eventloop_cycles");
    let ticks = cpu_ticks(server.pid());
    std::thread::sleep(Duration::from_secs(2));
    let cycles = info_any(&mut probe, "eventloop_cycles") - cycles;
    let ticks = cpu_ticks(server.pid()) - ticks;
    println!("idle 2 s with {CLIENTS} blocked: {cycles} loop turns, {ticks} CPU ticks");
    // Only the probe's INFO woke the loop; a scan of the blocked clients on a timer would not
    // show in turns but would in CPU time.
    assert!(cycles <= 4, "{cycles} turns of the loop while idle");
    assert!(ticks <= 5, "{ticks} ticks of CPU while idle");

    let mut push = vec![&b"RPUSH"[..], b"k"];
    let elements: Vec<Vec<u8>> = (0..CLIENTS).map(|i| i.to_string().into_bytes()).collect();
    push.extend(elements.iter().map(Vec::as_slice));
    expect(&mut probe, &push, format!(":{CLIENTS}\r\n").as_bytes());
    // FIFO: the i-th client to block gets the i-th element... as far as the order of their
    // connections reached the server, which the kernel does not promise; so check that each
    // got one element and all elements were handed out.
    let mut seen = vec![false; CLIENTS];
    for waiter in &mut waiters {
        let header = read_n(waiter, 4 + 7); // *2\r\n$1\r\nk\r\n
        assert_eq!(header, b"*2\r\n$1\r\nk\r\n");
        let line = read_line(waiter);
        let len: usize = line[1..].trim().parse().unwrap();
        let element = String::from_utf8(read_n(waiter, len + 2)).unwrap();
        let i: usize = element.trim().parse().unwrap();
        assert!(!seen[i], "element {i} delivered twice");
        seen[i] = true;
    }
    assert!(seen.iter().all(|&s| s));
    expect(&mut probe, &[b"EXISTS", b"k"], b":0\r\n");
}
