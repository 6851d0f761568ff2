//! One test per pitfall of PITFALLS.md (rows 1-11 and 15), over real sockets on 127.0.0.1:0.
//!
//! Each test was checked by breaking the code the way its pitfall describes and watching the test
//! fail; the comment above each test names that break, and says so where a break could not make
//! it fail. Fault injection ([`Faults`]) makes the rare paths (short reads, short writes, budget
//! stops) happen on every call, so most of these tests are deterministic rather than lucky; the
//! few that depend on timing say how they make the race irrelevant.
//!
//! Every socket has a 10 s timeout, so a break shows up as a failure, never as a hang.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::{
    Binary, Close, IO_TIMEOUT, assert_silent, bulk, command, connect, pattern, pings, preview,
    read_n, read_to_close, start, write_while_reading,
};
use reactor::config::Config;
use reactor::reactor::{
    ConnId, Ctx, Current, Delivery, EventLoop, Faults, Handler, Options, Origin,
};

const MIB: usize = 1024 * 1024;

/// Poll `CLIENT LIST` on `admin` until `pred` holds for its text (or fail after [`IO_TIMEOUT`]).
fn wait_for_client_list(admin: &mut TcpStream, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + IO_TIMEOUT;
    loop {
        admin.write_all(b"CLIENT LIST\r\n").unwrap();
        let list = read_bulk(admin);
        if pred(&list) {
            return list;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {list}"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

/// Read one bulk-string reply and return its text.
fn read_bulk(stream: &mut TcpStream) -> String {
    let mut header = Vec::new();
    while !header.ends_with(b"\r\n") {
        header.extend(read_n(stream, 1));
    }
    let len: usize = std::str::from_utf8(&header[1..header.len() - 2])
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("not a bulk reply: {}", preview(&header)));
    let body = read_n(stream, len + 2);
    String::from_utf8(body[..len].to_vec()).unwrap()
}

/// The `CLIENT LIST` line of the client named `name`, if present.
fn client_line<'a>(list: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" name={name} ");
    list.lines().find(|l| l.contains(&needle))
}

/// The value of `field=` in a `CLIENT LIST` line.
fn field<'a>(line: &'a str, name: &str) -> &'a str {
    let needle = format!(" {name}=");
    let start = line.find(&needle).expect("field present") + needle.len();
    line[start..].split(' ').next().unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Row 1: drain reads and accepts until WouldBlock under edge triggering.
// ---------------------------------------------------------------------------------------------

/// Breaks checked, each alone: (a) `service_read` no longer puts a budget-stopped connection on
/// the ready queue (stop after 16 one-byte reads and forget the rest) → stalls after 16 bytes,
/// times out; (b) a `read` returning `WouldBlock` marks the connection dead (readiness taken as
/// a promise of data) → every drain here ends that way, fails.
#[test]
fn thousand_pipelined_pings_with_one_byte_reads_all_get_pong() {
    let server = start(Faults {
        max_read: Some(1),
        ..Faults::default()
    });
    let mut client = connect(server.addr());
    client.write_all(&pings(1000)).unwrap();
    let reply = read_n(&mut client, 1000 * 7);
    assert_eq!(reply, b"+PONG\r\n".repeat(1000));
    assert_silent(&mut client, Duration::from_millis(50));
}

/// Break checked: `accept` takes one connection per listener event and clears `listener_ready`
/// (no drain) → clients left in the backlog are never accepted, their PING times out (3 runs
/// out of 3: 200 connections in a burst always coalesce some edges).
#[test]
fn two_hundred_clients_connecting_at_once_are_all_accepted_and_served() {
    let server = start(Faults::default());
    let addr = server.addr();
    let barrier = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let barrier = barrier.clone();
            thread::spawn(move || {
                barrier.wait();
                let mut clients: Vec<TcpStream> = (0..50).map(|_| connect(addr)).collect();
                for client in &mut clients {
                    client.write_all(b"PING\r\n").unwrap();
                }
                for client in &mut clients {
                    assert_eq!(read_n(client, 7), b"+PONG\r\n");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("client thread");
    }
}

// ---------------------------------------------------------------------------------------------
// Row 2: a drain stopped by a fairness budget must remember the source is still ready.
// ---------------------------------------------------------------------------------------------

/// Reads are capped at 64 bytes so that *every* read fills its buffer: each readiness event then
/// ends at the budget of one read with bytes still waiting in the kernel, which is exactly the
/// case the ready queue exists for. (Uncapped, a 2.8 KB pipeline fits one read and the budget
/// never bites.) Accepts are budgeted at one per event while 50 clients connect at once.
///
/// Breaks checked, each alone: (a) `service_read` does not push to the ready queue when the
/// budget runs out → clients stall mid-pipeline; (b) `accept` sets `listener_ready = false` when
/// its budget runs out → some clients are never accepted. Both time out.
#[test]
fn fifty_clients_pipelining_two_hundred_commands_complete_with_budgets_of_one() {
    let server = start(Faults {
        read_budget: Some(1),
        accept_budget: Some(1),
        max_read: Some(64),
        ..Faults::default()
    });
    let addr = server.addr();
    let barrier = Arc::new(Barrier::new(50));
    let threads: Vec<_> = (0..50)
        .map(|i| {
            let barrier = barrier.clone();
            thread::spawn(move || {
                barrier.wait();
                let mut client = connect(addr);
                let mut request = Vec::new();
                let mut expected = Vec::new();
                for j in 0..200 {
                    let arg = format!("client {i} command {j}");
                    request.extend(command(&[b"ECHO", arg.as_bytes()]));
                    expected.extend(bulk(arg.as_bytes()));
                }
                let reply = write_while_reading(&mut client, request, expected.len());
                assert_eq!(reply, expected, "client {i}");
            })
        })
        .collect();
    for t in threads {
        t.join().expect("client thread");
    }
}

// ---------------------------------------------------------------------------------------------
// Row 3: one read is not one request.
// ---------------------------------------------------------------------------------------------

/// A mix of multibulk, inline, quoted inline, empty lines, `*0` and `*-1`, ending in QUIT.
const MIXED_STREAM: &[u8] = b"*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n\
PING\r\n\
\r\n\
*0\r\n\
ECHO \"a b\\x41\"\r\n\
*1\r\n$4\r\nPING\r\n\
\n\
ping  'x y'\r\n\
*-1\r\n\
*3\r\n$4\r\nPING\r\n$1\r\na\r\n$1\r\nb\r\n  \t \r\n\
*2\r\n$4\r\nECHO\r\n$0\r\n\r\n\
echo \"q\\\"uote\"\r\n\
QUIT\r\n";

/// What redis-server 7.0.15 answers to [`MIXED_STREAM`] (checked by sending it the same bytes).
const MIXED_REPLY: &[u8] = b"$5\r\nhello\r\n+PONG\r\n$4\r\na bA\r\n+PONG\r\n$3\r\nx y\r\n\
-ERR wrong number of arguments for 'ping' command\r\n$0\r\n\r\n$6\r\nq\"uote\r\n+OK\r\n";

/// Breaks checked, each alone: (a) `deliver` drops the unconsumed tail of a read instead of
/// keeping it ("one read holds whole requests") → the first split point already loses a request,
/// fails; (b) `Server::data` runs one request per call ("one read is one request") → the rest
/// of the pipeline waits for a read that never comes, times out.
#[test]
fn mixed_stream_split_at_every_byte_boundary_gives_identical_replies() {
    let server = start(Faults::default());
    for split in 1..MIXED_STREAM.len() {
        let mut client = connect(server.addr());
        client.write_all(&MIXED_STREAM[..split]).unwrap();
        // With TCP_NODELAY each write is its own segment; the pause lets the server read the
        // first part on its own.
        thread::sleep(Duration::from_millis(1));
        client.write_all(&MIXED_STREAM[split..]).unwrap();
        let (reply, close) = read_to_close(&mut client);
        assert_eq!(
            reply,
            MIXED_REPLY,
            "split at byte {split}: {}",
            preview(&reply)
        );
        assert_eq!(close, Close::Eof, "split at byte {split}");
    }
}

/// Every byte boundary at once: the server reads one byte per `read`.
/// Break checked: same as above (the tail of a read is dropped) → fails.
#[test]
fn mixed_stream_read_one_byte_at_a_time_gives_identical_replies() {
    let server = start(Faults {
        max_read: Some(1),
        ..Faults::default()
    });
    let mut client = connect(server.addr());
    client.write_all(MIXED_STREAM).unwrap();
    let (reply, close) = read_to_close(&mut client);
    assert_eq!(reply, MIXED_REPLY, "{}", preview(&reply));
    assert_eq!(close, Close::Eof);
}

/// Redis sends nothing for an empty inline line, a blank line, `*0` or `*-1`.
/// Break checked: `Parsed::Empty` answered with `+OK` in `Server::data` → extra bytes, fails.
#[test]
fn empty_inline_lines_and_empty_multibulk_get_no_reply() {
    let server = start(Faults::default());
    let mut client = connect(server.addr());
    client
        .write_all(b"\r\n\n   \t\r\n*0\r\n*-1\r\n*-7\r\nPING\r\nQUIT\r\n")
        .unwrap();
    let (reply, close) = read_to_close(&mut client);
    assert_eq!(reply, b"+PONG\r\n+OK\r\n");
    assert_eq!(close, Close::Eof);
}

/// A request dribbled one byte per TCP segment: one readiness edge per segment, some of them
/// (when a segment lands between `epoll_wait` and the `read` that takes it with an earlier one)
/// for bytes already consumed. Best effort only: there is no fault switch that injects spurious
/// events, and a trial showed these extra edges too rare to catch a break (treating `WouldBlock`
/// on a readable event as a dead connection passed here 3 times out of 3; the one-byte-read test
/// of row 1 catches that break, since every drain there ends in `WouldBlock`).
#[test]
fn request_dribbled_one_byte_per_segment_is_served_exactly() {
    let server = start(Faults::default());
    let mut client = connect(server.addr());
    let request = command(&[b"ECHO", b"dribbled"]).repeat(20);
    for byte in &request {
        client.write_all(std::slice::from_ref(byte)).unwrap();
    }
    let expected = bulk(b"dribbled").repeat(20);
    assert_eq!(read_n(&mut client, expected.len()), expected);
    assert_silent(&mut client, Duration::from_millis(50));
}

// ---------------------------------------------------------------------------------------------
// Row 4 (socket half; the parser half is in parser_props.rs): big arguments in small pieces.
// ---------------------------------------------------------------------------------------------

/// An 8 MiB argument written in 1 KiB pieces comes back intact.
/// Break checked: `deliver` drops the unconsumed tail of a read → the argument is never
/// completed, the read times out.
#[test]
fn eight_mib_echo_sent_in_one_kib_writes_gets_its_eight_mib_reply() {
    let server = start(Faults::default());
    let mut client = connect(server.addr());
    let arg = pattern(8 * MIB);
    let request = command(&[b"ECHO", &arg]);
    let mut writer = client.try_clone().unwrap();
    let sender = thread::spawn(move || {
        for piece in request.chunks(1024) {
            writer.write_all(piece)?;
        }
        std::io::Result::Ok(())
    });
    let expected = bulk(&arg);
    let reply = read_n(&mut client, expected.len());
    sender.join().unwrap().unwrap();
    assert!(reply == expected, "reply differs: {}", preview(&reply));
}

// ---------------------------------------------------------------------------------------------
// Row 5: every input size bounded; Redis's exact protocol errors, then a close.
// ---------------------------------------------------------------------------------------------

/// Send `request` (a write error is fine: the server may close before taking it all), then
/// expect exactly `error` and a close.
fn assert_protocol_error(request: &[u8], error: &str) {
    let server = start(Faults::default());
    let mut client = connect(server.addr());
    let _ = client.write_all(request);
    let (reply, close) = read_to_close(&mut client);
    assert_eq!(
        String::from_utf8_lossy(&reply),
        format!("-ERR Protocol error: {error}\r\n"),
        "request {}",
        preview(request)
    );
    if request.len() <= 1024 {
        // One segment, read whole by the server before it closes: an orderly FIN.
        assert_eq!(close, Close::Eof);
    } else {
        // The server may close with some of our 70 KiB unread, which makes the kernel send RST
        // instead of FIN (Redis behaves the same). Either way the connection is closed.
        assert!(matches!(close, Close::Eof | Close::Reset));
    }
}

// Breaks checked for the whole group: the `Err` arm of `Server::data` does not call
// `ctx.close` (never closes) → every one of these times out. Then each check in `request.rs`
// alone: `n <= max_multibulk` removed, `n <= max_bulk_len` removed, the `$` check removed, each
// INLINE_MAX comparison doubled, the unbalanced-quote error ignored → its test fails. Removing
// `n >= 0` is not caught, and need not be: `usize::try_from` rejects the negative length too.

#[test]
fn multibulk_count_over_the_limit_is_invalid_multibulk_length() {
    assert_protocol_error(b"*2147483648\r\n", "invalid multibulk length");
}

#[test]
fn bulk_length_over_512_mib_is_invalid_bulk_length() {
    assert_protocol_error(b"*1\r\n$536870913\r\n", "invalid bulk length");
}

#[test]
fn negative_bulk_length_is_invalid_bulk_length() {
    assert_protocol_error(b"*1\r\n$-1\r\n", "invalid bulk length");
}

#[test]
fn missing_dollar_is_expected_dollar_got_byte() {
    assert_protocol_error(b"*1\r\nx\r\n", "expected '$', got 'x'");
}

#[test]
fn seventy_kib_inline_without_newline_is_too_big_inline_request() {
    assert_protocol_error(&[b'a'; 70 * 1024], "too big inline request");
}

#[test]
fn seventy_kib_multibulk_count_without_cr_is_too_big_mbulk_count_string() {
    let mut request = vec![b'*'];
    request.extend([b'1'; 70 * 1024]);
    assert_protocol_error(&request, "too big mbulk count string");
}

#[test]
fn seventy_kib_bulk_count_without_cr_is_too_big_bulk_count_string() {
    let mut request = b"*1\r\n$".to_vec();
    request.extend([b'1'; 70 * 1024]);
    assert_protocol_error(&request, "too big bulk count string");
}

#[test]
fn unbalanced_quote_is_unbalanced_quotes_in_request() {
    assert_protocol_error(b"\"unbalanced\r\n", "unbalanced quotes in request");
}

/// The limits are per request, not per read or per connection: 100,000 pipelined commands
/// (600 KB inline plus 1.4 MB multibulk) are all answered.
/// Break checked: the inline limit compares a running total (`bytes_examined`, never reset
/// between requests) instead of the current line's length, i.e. a limit on the stream rather
/// than on one request → `too big inline request` after 64 KiB of PINGs, fails.
#[test]
fn hundred_thousand_pipelined_pings_are_not_rejected() {
    let server = start(Faults::default());
    let mut client = connect(server.addr());
    let mut request = b"PING\r\n".repeat(100_000);
    request.extend(pings(100_000));
    let reply = write_while_reading(&mut client, request, 200_000 * 7);
    assert!(reply == b"+PONG\r\n".repeat(200_000), "{}", preview(&reply));
    assert_silent(&mut client, Duration::from_millis(50));
}

// ---------------------------------------------------------------------------------------------
// Row 6: short writes are normal.
// ---------------------------------------------------------------------------------------------

/// Breaks checked, each alone: (a) `Connection::flush` returns an error when one write did not
/// take all pending output (`n < pending.len()`) → connection dropped, EOF; (b) `flush` clears
/// the output after its first write as if all of it went out → the reply is truncated. Both fail.
#[test]
fn one_mib_reply_through_three_byte_writes_arrives_byte_identical() {
    let server = start(Faults {
        max_write: Some(3),
        ..Faults::default()
    });
    let mut client = connect(server.addr());
    let arg = pattern(MIB);
    let expected = bulk(&arg);
    let reply = write_while_reading(&mut client, command(&[b"ECHO", &arg]), expected.len());
    assert!(reply == expected, "reply differs: {}", preview(&reply));
    client.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_n(&mut client, 7), b"+PONG\r\n");
}

// ---------------------------------------------------------------------------------------------
// Row 7: WRITABLE only while output is pending; an idle server does not spin.
// ---------------------------------------------------------------------------------------------

/// Break checked: `desired_interest` never asks for WRITABLE → once the kernel's send buffer is
/// full nothing wakes the loop for this client again; the read times out.
#[test]
fn slow_reader_gets_a_full_four_mib_reply() {
    let server = start(Faults::default());
    let mut client = connect(server.addr());
    let arg = pattern(4 * MIB);
    let expected = bulk(&arg);
    // The reply (4 MiB) stays well below the output high-water mark, so the server keeps
    // reading the request while its reply waits: writing it all first cannot deadlock.
    client.write_all(&command(&[b"ECHO", &arg])).unwrap();
    let mut reply = Vec::with_capacity(expected.len());
    let mut buf = [0u8; 8 * 1024];
    while reply.len() < expected.len() {
        let want = buf.len().min(expected.len() - reply.len());
        let n = client
            .read(&mut buf[..want])
            .expect("the reply keeps coming");
        assert!(n > 0, "EOF after {} bytes", reply.len());
        reply.extend_from_slice(&buf[..n]);
        thread::sleep(Duration::from_millis(1));
    }
    assert!(reply == expected, "reply differs: {}", preview(&reply));
}

/// CPU time (user + system, in clock ticks) and voluntary context switches of one thread.
fn thread_usage(task: &str) -> (u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{task}/stat")).unwrap();
    // Fields after the `(comm)`, which may itself contain spaces: state is field 3, utime 14,
    // stime 15 (proc(5)).
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let cpu = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let status = std::fs::read_to_string(format!("/proc/{task}/status")).unwrap();
    let switches = status
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    (cpu, switches)
}

/// Send `INFO stats` and return `eventloop_cycles`, or `None` while INFO does not exist yet.
fn eventloop_cycles(client: &mut TcpStream) -> Option<u64> {
    client.write_all(b"INFO stats\r\n").unwrap();
    let first = read_n(client, 1);
    if first == b"-" {
        let mut line = first;
        while !line.ends_with(b"\r\n") {
            line.extend(read_n(client, 1));
        }
        let text = String::from_utf8_lossy(&line);
        assert!(text.contains("unknown command"), "INFO failed: {text}");
        return None;
    }
    assert_eq!(first, b"$", "INFO replies with a bulk string");
    let mut header = Vec::new();
    while !header.ends_with(b"\r\n") {
        header.extend(read_n(client, 1));
    }
    let len: usize = std::str::from_utf8(&header[..header.len() - 2])
        .unwrap()
        .parse()
        .unwrap();
    let body = String::from_utf8(read_n(client, len + 2)).unwrap();
    let value = body
        .lines()
        .find_map(|l| l.strip_prefix("eventloop_cycles:"))
        .expect("INFO stats reports eventloop_cycles");
    Some(value.trim().parse().unwrap())
}

/// 100 idle connections for 2 s: the loop thread sleeps in `epoll_wait` the whole time.
///
/// Measured on the loop thread itself, which this test starts (`reactor::bind` on a thread of
/// its own, so `/proc/thread-self` names it exactly even while other tests run servers in this
/// process): CPU time from `/proc/<pid>/task/<tid>/stat` (10 ms ticks) and voluntary context
/// switches from `.../status` (one per `epoll_wait` that slept, so this counts wake-ups, i.e.
/// loop iterations, with no resolution problem). Once INFO lands, `eventloop_cycles` (Redis
/// 7.2's name for the same thing) is checked too; until then that part is skipped with a note.
///
/// Breaks checked: `poll_timeout` returns `Some(Duration::ZERO)` (spin) → ~200 ticks of CPU,
/// fails; `poll_timeout` returns at most 10 ms (periodic wake-ups, as a naive cron) → ~200
/// context switches, fails. (Registering WRITABLE for idle connections does *not* spin under
/// edge triggering, so it is not a break this test can or needs to catch.)
#[test]
fn hundred_idle_connections_cost_no_cpu_and_no_loop_iterations() {
    let (tx, rx) = std::sync::mpsc::channel();
    let loop_thread = thread::spawn(move || {
        let mut event_loop = reactor::bind(Config::ephemeral()).expect("bind");
        let task = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
        tx.send((
            event_loop.local_addr(),
            event_loop.stopper(),
            task.display().to_string(),
        ))
        .unwrap();
        event_loop.run()
    });
    let (addr, stopper, task) = rx.recv().unwrap();
    let mut clients: Vec<TcpStream> = (0..100).map(|_| connect(addr)).collect();
    for client in &mut clients {
        client.write_all(b"PING\r\n").unwrap();
        assert_eq!(read_n(client, 7), b"+PONG\r\n");
    }
    let cycles_before = eventloop_cycles(&mut clients[0]);
    // Let delayed ACKs and the like settle.
    thread::sleep(Duration::from_millis(100));
    let (cpu_before, switches_before) = thread_usage(&task);
    thread::sleep(Duration::from_secs(2));
    let (cpu_after, switches_after) = thread_usage(&task);
    let cycles_after = eventloop_cycles(&mut clients[0]);
    let (cpu, wakeups) = (cpu_after - cpu_before, switches_after - switches_before);
    assert!(
        cpu <= 2,
        "the idle loop used {cpu} ticks (10 ms each) of CPU in 2 s"
    );
    assert!(wakeups <= 2, "the idle loop woke up {wakeups} times in 2 s");
    match (cycles_before, cycles_after) {
        (Some(before), Some(after)) => {
            // The second INFO itself costs a turn or two (its read, perhaps its write).
            let turns = after - before;
            assert!(
                turns <= 4,
                "eventloop_cycles grew by {turns} in 2 idle seconds"
            );
        }
        _ => eprintln!("note: INFO is not implemented yet; eventloop_cycles not checked"),
    }
    stopper.stop();
    loop_thread.join().unwrap().unwrap();
}

// ---------------------------------------------------------------------------------------------
// Row 8: a read of 0 is a half-close, not a reason to drop owed replies.
// ---------------------------------------------------------------------------------------------

/// Break checked: on `read() == 0` mark the connection `dead` (close at once) → replies still
/// owed are dropped, fails (here the owed bytes are the middle 4 MiB, which cannot all be in the
/// kernel's send buffer when the FIN is read).
#[test]
fn half_closed_client_gets_every_owed_reply_then_eof() {
    let server = start(Faults::default());
    let mut client = connect(server.addr());
    let arg = pattern(4 * MIB);
    let mut request = b"PING\r\n".to_vec();
    request.extend(command(&[b"ECHO", &arg]));
    request.extend(b"PING\r\n");
    client.write_all(&request).unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let (reply, close) = read_to_close(&mut client);
    let mut expected = b"+PONG\r\n".to_vec();
    expected.extend(bulk(&arg));
    expected.extend(b"+PONG\r\n");
    assert!(reply == expected, "reply differs: {}", preview(&reply));
    assert_eq!(close, Close::Eof);
}

/// The small case, as `printf 'PING\r\n...' | nc -N`: exactly three replies, then EOF.
///
/// Break checked: same as above → fails (4 runs out of 4). Whether the server reads the three
/// commands and the FIN in the same tick (the case the break mishandles) is a race on any one
/// connection: a single-connection version caught the break in only 2 runs out of 3, so the
/// test makes 50 connections.
#[test]
fn three_commands_then_shutdown_write_get_exactly_three_replies_then_eof() {
    let server = start(Faults::default());
    for attempt in 0..50 {
        let mut client = connect(server.addr());
        client
            .write_all(b"PING\r\nECHO three\r\n*1\r\n$4\r\nPING\r\n")
            .unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        let (reply, close) = read_to_close(&mut client);
        assert_eq!(
            reply, b"+PONG\r\n$5\r\nthree\r\n+PONG\r\n",
            "attempt {attempt}"
        );
        assert_eq!(close, Close::Eof, "attempt {attempt}");
    }
}

// ---------------------------------------------------------------------------------------------
// Row 9: protocol-error teardown: reply, flush, close, execute nothing after the bad frame.
// ---------------------------------------------------------------------------------------------

/// Breaks checked, each alone: (a) `ctx.abort` instead of `ctx.close` (close before the error is
/// flushed) → no `-ERR`, fails; (b) no `ctx.close` at all (never close) → times out; (c) the
/// `Err` arm skips to the next line and carries on (resume after the bad frame) → the leftover
/// `PING` runs and the connection stays open, fails.
#[test]
fn protocol_error_is_flushed_then_closed_and_nothing_after_it_runs() {
    let server = start(Faults::default());
    let mut client = connect(server.addr());
    client.write_all(b"*1\r\n$x\r\nPING\r\n").unwrap();
    let (reply, close) = read_to_close(&mut client);
    assert_eq!(
        String::from_utf8_lossy(&reply),
        "-ERR Protocol error: invalid bulk length\r\n"
    );
    assert_eq!(close, Close::Eof);
}

/// Break checked: `Server::data` keeps parsing after QUIT (the `while !client.closing` loop
/// condition dropped) → `+PONG` arrives, fails.
#[test]
fn quit_then_pipelined_ping_gets_ok_then_eof_without_pong() {
    let server = start(Faults::default());
    let mut client = connect(server.addr());
    client.write_all(b"QUIT\r\nPING\r\n").unwrap();
    let (reply, close) = read_to_close(&mut client);
    assert_eq!(reply, b"+OK\r\n");
    assert_eq!(close, Close::Eof);
}

/// An HTTP request (a cross-protocol attack from a browser) closes the connection at its first
/// line with no reply, as Redis does: `POST` and `Host:` are tripwire commands.
/// Breaks checked, each alone: `security_warning` only replies with an error (no tripwire) →
/// times out; it writes an error and uses `ctx.close` (flush first) → bytes arrive. Both fail.
#[test]
fn http_request_closes_the_connection_without_a_reply() {
    let server = start(Faults::default());
    for request in [
        &b"POST / HTTP/1.1\r\nHost: localhost\r\n\r\nPING\r\n"[..],
        b"Host: localhost\r\nPING\r\n",
    ] {
        let mut client = connect(server.addr());
        client.write_all(request).unwrap();
        let (reply, _close) = read_to_close(&mut client);
        assert_eq!(reply, b"", "{}", preview(request));
    }
}

// ---------------------------------------------------------------------------------------------
// Row 10: a reused slab slot must not see anything meant for its previous owner.
// ---------------------------------------------------------------------------------------------

/// Client A leaves a partial request and resets; B then arrives (in the slot A vacated) and must
/// be a fresh connection: its bytes are not glued onto A's partial request.
///
/// What this can and cannot catch, checked: removing the generation comparison from the loop
/// (`c.id == id` → same slot, everywhere in `event_loop.rs`) does NOT fail it, nor any other
/// socket test. That is by design rather than luck: the loop accepts before it reaps and reaps
/// only at the end of a tick, and the kernel forgets the events of a closed socket, so no stale
/// event can exist once the slot is reused; the generation is defence in depth there. What it
/// does catch: `ConnId::from_token` dropping the generation (token round trip broken) → every
/// connection after the first is ignored, times out. No one-line break of the current code makes
/// B inherit A's partial request (every accept builds a fresh `Connection` and `Session`), so
/// that part is a regression guard. The generation is pinned through the handler API by the
/// next test.
#[test]
fn new_connection_in_a_reused_slot_does_not_inherit_the_old_partial_request() {
    let server = start(Faults::default());
    let mut admin = connect(server.addr());
    admin.write_all(b"CLIENT SETNAME admin\r\n").unwrap();
    assert_eq!(read_n(&mut admin, 5), b"+OK\r\n");

    let mut a = connect(server.addr());
    // PING's reply is left unread, so dropping A resets the connection (RST, not FIN).
    let partial = b"*2\r\n$4\r\nECHO\r\n$5\r\nhel";
    a.write_all(b"CLIENT SETNAME a\r\nPING\r\n").unwrap();
    a.write_all(partial).unwrap();
    let qbuf = partial.len().to_string();
    wait_for_client_list(&mut admin, "A's partial request", |list| {
        client_line(list, "a").is_some_and(|l| field(l, "qbuf") == qbuf)
    });
    drop(a);
    wait_for_client_list(&mut admin, "A to be reaped", |list| {
        client_line(list, "a").is_none()
    });

    let mut b = connect(server.addr());
    b.write_all(b"lo\r\nPING\r\n").unwrap();
    let expected = b"-ERR unknown command 'lo', with args beginning with: \r\n+PONG\r\n";
    assert_eq!(read_n(&mut b, expected.len()), expected);
    assert_silent(&mut b, Duration::from_millis(50));
}

/// A minimal line protocol on the same event loop, to reach the connection table through the
/// public [`Handler`] API exactly as pub/sub will: keep [`ConnId`]s, write to them later.
#[derive(Default)]
struct SlotProbe {
    closed: Vec<ConnId>,
}

impl Handler for SlotProbe {
    type Session = ();

    fn open(&mut self, _ctx: &mut Ctx<'_, ()>, _id: ConnId, _peer: SocketAddr, _: Origin) {}

    fn data(&mut self, ctx: &mut Ctx<'_, ()>, conn: Current<'_, ()>, input: &[u8]) -> usize {
        let mut consumed = 0;
        while let Some(nl) = input[consumed..].iter().position(|&b| b == b'\n') {
            let line = &input[consumed..consumed + nl];
            consumed += nl + 1;
            match line {
                b"id" => conn.out.extend(format!("{:?}\n", conn.id).bytes()),
                b"closed" => conn.out.extend(format!("{}\n", self.closed.len()).bytes()),
                b"poke" => {
                    // Write to every connection that has gone away, as a pub/sub delivery to a
                    // subscriber that just disconnected would.
                    let mut reached = 0;
                    for &gone in &self.closed {
                        if ctx.send(gone, b"stray\n") != Delivery::Gone {
                            reached += 1;
                        }
                        reached += usize::from(ctx.info(gone).is_some());
                        reached += usize::from(ctx.pending_output(gone).is_some());
                    }
                    conn.out.extend(format!("reached {reached}\n").bytes());
                }
                _ => conn.out.extend_from_slice(b"?\n"),
            }
        }
        consumed
    }

    fn closed(&mut self, _ctx: &mut Ctx<'_, ()>, id: ConnId, _session: ()) {
        self.closed.push(id);
    }
}

fn read_line(stream: &mut TcpStream) -> String {
    let mut line = Vec::new();
    while !line.ends_with(b"\n") {
        line.extend(read_n(stream, 1));
    }
    String::from_utf8(line).unwrap()
}

/// The slot part of a `ConnId`'s Debug text (`ConnId { slot: 1, generation: 3 }`).
fn slot_of(id_line: &str) -> &str {
    let start = id_line.find("slot: ").expect("a ConnId") + "slot: ".len();
    id_line[start..].split(',').next().unwrap()
}

/// A handler that still holds A's id after A closed (a pub/sub delivery list not yet cleaned
/// up) writes to it after B took A's slot: nothing may reach B, and `Ctx` must say A is gone.
///
/// Breaks checked: every `filter(|c| c.id == id)` in `ctx.rs` compares the slot only (no
/// generation) → `reached 3`, fails; the same in `Ctx::output` alone → `reached 1` (and `stray`
/// queued for B), fails.
#[test]
fn writes_to_a_closed_connection_id_never_reach_the_connection_reusing_its_slot() {
    let (tx, rx) = std::sync::mpsc::channel();
    let loop_thread = thread::spawn(move || {
        let addr = "127.0.0.1:0".parse().unwrap();
        let mut event_loop = EventLoop::bind(addr, SlotProbe::default(), Options::default())?;
        tx.send((event_loop.local_addr(), event_loop.stopper()))
            .unwrap();
        event_loop.run()
    });
    let (addr, stopper) = rx.recv().unwrap();

    let mut control = connect(addr);
    let mut a = connect(addr);
    a.write_all(b"id\n").unwrap();
    let a_id = read_line(&mut a);
    drop(a);
    let deadline = Instant::now() + IO_TIMEOUT;
    loop {
        control.write_all(b"closed\n").unwrap();
        if read_line(&mut control) == "1\n" {
            break;
        }
        assert!(Instant::now() < deadline, "A was never reaped");
        thread::sleep(Duration::from_millis(5));
    }

    let mut b = connect(addr);
    b.write_all(b"id\n").unwrap();
    let b_id = read_line(&mut b);
    assert_eq!(slot_of(&a_id), slot_of(&b_id), "B reuses A's slot");
    assert_ne!(a_id, b_id, "but with a new generation");

    control.write_all(b"poke\n").unwrap();
    assert_eq!(read_line(&mut control), "reached 0\n");
    assert_silent(&mut b, Duration::from_millis(50));
    b.write_all(b"id\n").unwrap();
    assert_eq!(read_line(&mut b), b_id);

    stopper.stop();
    loop_thread.join().unwrap().unwrap();
}

// ---------------------------------------------------------------------------------------------
// Row 11: one client's error or reset never affects another client or the process.
// ---------------------------------------------------------------------------------------------

/// Client X sends garbage, then asks for a 4 MiB reply, reads the start of it and closes with
/// the rest unread, which makes the kernel send RST (the effect of SO_LINGER 0, without needing
/// it: std cannot set it on stable). The server's next read or write on X fails with ECONNRESET
/// or EPIPE. Meanwhile client Y does PING round trips the whole time.
///
/// Break checked: a per-connection I/O error ends the loop (`panic!` in the `Err` arms of
/// `service_read` and `flush_one`, like `?` in mio's example) → Y's PING times out and the
/// handle's shutdown reports the panic, fails.
#[test]
fn a_client_resetting_mid_reply_does_not_disturb_another_client_or_the_server() {
    let server = start(Faults::default());
    let addr = server.addr();
    let stop = Arc::new(AtomicBool::new(false));
    let round_trips = Arc::new(AtomicU64::new(0));
    let y = {
        let (stop, round_trips) = (stop.clone(), round_trips.clone());
        thread::spawn(move || {
            let mut y = connect(addr);
            while !stop.load(Ordering::SeqCst) {
                y.write_all(b"PING\r\n").unwrap();
                assert_eq!(read_n(&mut y, 7), b"+PONG\r\n");
                round_trips.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    let arg = pattern(4 * MIB);
    for _ in 0..3 {
        let before = round_trips.load(Ordering::SeqCst);
        let mut x = connect(addr);
        x.write_all(b"\x01\xffgarbage \x7f\r\n").unwrap();
        let mut error = Vec::new();
        while !error.ends_with(b"\r\n") {
            error.extend(read_n(&mut x, 1));
        }
        assert!(error.starts_with(b"-ERR unknown command"), "{error:?}");
        x.write_all(&command(&[b"ECHO", &arg])).unwrap();
        let _start_of_reply = read_n(&mut x, 4096);
        drop(x); // unread reply bytes: RST
        // Y keeps being served across each reset.
        let deadline = Instant::now() + IO_TIMEOUT;
        while round_trips.load(Ordering::SeqCst) < before + 20 {
            assert!(Instant::now() < deadline, "Y stopped getting replies");
            thread::sleep(Duration::from_millis(1));
        }
    }
    stop.store(true, Ordering::SeqCst);
    y.join().expect("Y got every reply");
    let mut z = connect(addr);
    z.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_n(&mut z, 7), b"+PONG\r\n");
    server.shutdown().expect("the loop never failed");
}

// ---------------------------------------------------------------------------------------------
// Row 15: EINTR is not an error; SIGTERM is a graceful shutdown.
// ---------------------------------------------------------------------------------------------

/// Which signal can honestly produce `EINTR` in this server? Only one whose delivery interrupts
/// a blocked system call. A signal with a handler does (epoll_wait is never restarted, whatever
/// `SA_RESTART` says), but the binary handles only SIGINT and SIGTERM, which mean "shut down".
/// Ignored-by-default signals (SIGWINCH, SIGCHLD, SIGURG) are discarded without interrupting
/// anything, so a storm of them proves nothing. What does work, on Linux, is stopping and
/// continuing the process: signal(7) lists `epoll_wait` among the calls that fail with `EINTR`
/// after SIGSTOP + SIGCONT even with no handler installed. So this test runs the real binary,
/// keeps traffic flowing, and has a shell stop and continue it 300 times in a tight loop.
///
/// Break checked: `run` returns the error when `poll` fails with `Interrupted` (instead of
/// looping) → the binary exits with status 1 within the first iterations, the storm sees it die
/// and the client sees EOF, fails (3 runs out of 3). Before the storm waited for state T, the
/// same break was caught only by the final SIGTERM: its handler interrupts `epoll_wait` too, so
/// graceful shutdown itself depends on that `Interrupted` arm.
#[test]
fn stop_continue_signal_storm_during_traffic_causes_no_errors() {
    let mut server = Binary::start(&[]);
    let addr = server.addr;
    let stop = Arc::new(AtomicBool::new(false));
    let traffic = {
        let stop = stop.clone();
        thread::spawn(move || {
            let mut client = connect(addr);
            let mut batches = 0u64;
            let request = command(&[b"ECHO", b"through the storm"]).repeat(50);
            let expected = bulk(b"through the storm").repeat(50);
            while !stop.load(Ordering::SeqCst) {
                client.write_all(&request).unwrap();
                assert_eq!(read_n(&mut client, expected.len()), expected);
                batches += 1;
            }
            batches
        })
    };
    let storm = std::process::Command::new("sh")
        .args([
            "-c",
            // Wait until the process really is stopped (state T) before continuing it: a
            // SIGCONT sent while the SIGSTOP is still pending discards the stop. Give up (exit
            // 1) if it has died (Z) instead.
            "i=0; while [ $i -lt 300 ]; do kill -STOP $0 || exit 1; \
             while :; do read -r _ _ s _ < /proc/$0/stat || exit 1; \
             case $s in T) break;; Z|X) exit 1;; esac; done; \
             kill -CONT $0; i=$((i+1)); done",
            &server.pid().to_string(),
        ])
        .status()
        .expect("run the signal storm");
    assert!(storm.success(), "the server died during the signal storm");
    thread::sleep(Duration::from_millis(50));
    stop.store(true, Ordering::SeqCst);
    let batches = traffic.join().expect("no client errors during the storm");
    assert!(batches > 0);
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server exited during the storm"
    );
    let mut client = connect(addr);
    client.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_n(&mut client, 7), b"+PONG\r\n");
    server.signal("TERM");
    let status = server.wait_exit(IO_TIMEOUT).expect("the server exits");
    assert!(status.success(), "exit status {status}");
    while let Ok(line) = server.log.try_recv() {
        assert!(!line.contains("ERROR"), "logged an error: {line}");
    }
}

/// SIGTERM while replies are owed: every one is delivered, the connection then ends with EOF,
/// and the process exits with status 0.
///
/// Break checked: `begin_shutdown` marks every connection `dead` instead of
/// `close_after_flush` → the owed replies are dropped, fails.
#[test]
fn sigterm_flushes_owed_replies_then_exits_zero() {
    let mut server = Binary::start(&[]);
    let mut admin = connect(server.addr);
    admin.write_all(b"CLIENT SETNAME admin\r\n").unwrap();
    assert_eq!(read_n(&mut admin, 5), b"+OK\r\n");

    // 100,000 HELLOs: 700 KB of requests, about 14 MB of replies, far more than the kernel's
    // socket buffers hold while the client does not read.
    const HELLOS: usize = 100_000;
    let mut victim = connect(server.addr);
    let mut request = b"CLIENT SETNAME victim\r\n".to_vec();
    request.extend(b"HELLO\r\n".repeat(HELLOS));
    request.extend(b"ECHO done\r\n");
    victim.write_all(&request).unwrap();
    // Wait until every request has run (the last command was ECHO) with replies still owed.
    let list = wait_for_client_list(&mut admin, "the victim's requests to run", |list| {
        client_line(list, "victim").is_some_and(|l| field(l, "cmd") == "echo")
    });
    let line = client_line(&list, "victim").unwrap();
    let owed: usize = field(line, "omem").parse().unwrap();
    assert!(owed > 0, "precondition: replies are still owed: {line}");

    server.signal("TERM");
    let (reply, close) = read_to_close(&mut victim);
    assert_eq!(close, Close::Eof);
    let body = reply
        .strip_prefix(b"+OK\r\n")
        .and_then(|r| r.strip_suffix(b"$4\r\ndone\r\n"))
        .unwrap_or_else(|| panic!("unexpected reply: {}", preview(&reply)));
    assert_eq!(
        body.len() % HELLOS,
        0,
        "{} bytes of HELLO replies",
        body.len()
    );
    let one = &body[..body.len() / HELLOS];
    assert!(one.starts_with(b"*"), "HELLO replies with an array");
    assert!(body.chunks(one.len()).all(|chunk| chunk == one));
    let status = server.wait_exit(IO_TIMEOUT).expect("the server exits");
    assert!(status.success(), "exit status {status}");
}
