//! `reactor-bench` as a user runs it: the real binary against our server, a real redis-server,
//! and a scripted fake server that records every request byte and checks what is in flight.
//!
//! Every run is bounded (small `-n`, a deadline after which the child is killed) and talks only
//! to 127.0.0.1.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use reactor::config::Config;
use reactor::resp::{Limits, Parsed, RequestParser};

/// No single run of the binary may take longer than this.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// redis-benchmark 7's CSV header (`redis-benchmark --csv -t ping -n 1000`, redis 7.0.15), which
/// ours must start with, column for column.
const REDIS_BENCHMARK_CSV_HEADER: &str = "\"test\",\"rps\",\"avg_latency_ms\",\
\"min_latency_ms\",\"p50_latency_ms\",\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"";

struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Run `reactor-bench` with `args` to completion (or kill it at the deadline and fail).
fn bench(args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_reactor-bench"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start reactor-bench");
    let stdout = reader(child.stdout.take().expect("stdout is piped"));
    let stderr = reader(child.stderr.take().expect("stderr is piped"));
    let deadline = Instant::now() + RUN_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for reactor-bench") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("reactor-bench {args:?} still running after {RUN_LIMIT:?}");
        }
        thread::sleep(Duration::from_millis(10));
    };
    Run {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

fn reader(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// Run, insist on success, and return stdout.
fn bench_ok(args: &[&str]) -> String {
    let run = bench(args);
    assert!(
        run.status.success(),
        "reactor-bench {args:?} failed: {}\nstdout: {}\nstderr: {}",
        run.status,
        run.stdout,
        run.stderr
    );
    run.stdout
}

/// One CSV row, by column name.
#[derive(Debug)]
struct Row {
    test: String,
    rps: f64,
    /// avg, min, p50, p95, p99, max, p90, p99.9: in the header's order.
    latencies: Vec<f64>,
    requests: u64,
    errors: u64,
}

fn parse_csv(text: &str) -> Vec<Row> {
    let mut lines = text.lines();
    let header = lines.next().expect("a CSV header");
    assert!(
        header.starts_with(REDIS_BENCHMARK_CSV_HEADER),
        "header {header:?} does not start with redis-benchmark's"
    );
    assert_eq!(
        header,
        format!(
            "{REDIS_BENCHMARK_CSV_HEADER},\"p90_latency_ms\",\"p99_9_latency_ms\",\
             \"requests\",\"errors\""
        )
    );
    lines
        .map(|line| {
            let fields: Vec<&str> = line.split(',').map(|f| f.trim_matches('"')).collect();
            assert_eq!(fields.len(), 12, "row {line:?}");
            let number = |i: usize| -> f64 {
                fields[i]
                    .parse()
                    .unwrap_or_else(|_| panic!("field {i} of {line:?} is not a number"))
            };
            Row {
                test: fields[0].to_string(),
                rps: number(1),
                latencies: (2..10).map(number).collect(),
                requests: fields[10].parse().expect("requests"),
                errors: fields[11].parse().expect("errors"),
            }
        })
        .collect()
}

/// Latencies in a row must be ordered: min <= p50 <= p90 <= p95 <= p99 <= p99.9 <= max.
fn assert_sane(row: &Row) {
    let [avg, min, p50, p95, p99, max, p90, p999] = row.latencies[..] else {
        unreachable!()
    };
    let ordered = [min, p50, p90, p95, p99, p999, max];
    assert!(
        ordered.windows(2).all(|w| w[0] <= w[1]),
        "percentiles out of order: {row:?}"
    );
    assert!(
        min <= avg && avg <= max,
        "average outside min..max: {row:?}"
    );
    assert!(min > 0.0 && row.rps > 0.0, "{row:?}");
}

#[test]
fn csv_counts_every_request_of_ping_ping_inline_and_publish() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let port = server.addr().port().to_string();
    let out = bench_ok(&[
        "-p",
        &port,
        "-c",
        "10",
        "-n",
        "2000",
        "-t",
        "publish,ping,ping_inline",
        "--csv",
    ]);
    let rows = parse_csv(&out);
    let names: Vec<&str> = rows.iter().map(|r| r.test.as_str()).collect();
    // redis-benchmark's run order, whatever order -t lists them in.
    assert_eq!(names, ["PING_INLINE", "PING_MBULK", "PUBLISH"]);
    for row in &rows {
        assert_eq!((row.requests, row.errors), (2000, 0), "{row:?}");
        assert_sane(row);
    }
}

#[test]
fn pipelined_csv_run_counts_exactly_n_when_p_does_not_divide_n() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let port = server.addr().port().to_string();
    let out = bench_ok(&[
        "-p",
        &port,
        "-c",
        "7",
        "-n",
        "2001",
        "-P",
        "16",
        "-t",
        "ping_mbulk",
        "--csv",
    ]);
    let rows = parse_csv(&out);
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].requests, rows[0].errors), (2001, 0));
    assert_sane(&rows[0]);
}

#[test]
fn error_replies_to_a_custom_command_are_counted_not_fatal() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let port = server.addr().port().to_string();
    let args = ["-p", &port, "-c", "5", "-n", "500"];
    let command = ["NO-SUCH-COMMAND", "bar"];
    // Everything after the first word of the command is the command's, flags included.
    let rows = parse_csv(&bench_ok(&[&args[..], &["--csv"], &command].concat()));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].test, "NO-SUCH-COMMAND bar");
    assert_eq!((rows[0].requests, rows[0].errors), (500, 500));

    let quiet = bench_ok(&[&args[..], &["-q"], &command].concat());
    assert!(
        quiet.contains(
            ", 500 error replies (the first: ERR unknown command 'NO-SUCH-COMMAND', \
             with args beginning with: 'bar' )"
        ),
        "{quiet}"
    );
}

#[test]
fn quiet_and_full_reports_have_redis_benchmark_shape_and_no_progress_off_a_terminal() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let port = server.addr().port().to_string();
    let run = bench(&["-p", &port, "-n", "1000", "-t", "ping_mbulk", "-q"]);
    assert!(run.status.success(), "{}", run.stderr);
    let line = run.stdout.trim_end();
    let rest = line.strip_prefix("PING_MBULK: ").expect(line);
    let (rps, p50) = rest
        .split_once(" requests per second, p50=")
        .expect("redis-benchmark's -q wording");
    assert!(rps.parse::<f64>().unwrap() > 0.0, "{line}");
    assert!(
        p50.strip_suffix(" msec").unwrap().parse::<f64>().is_ok(),
        "{line}"
    );
    assert_eq!(run.stdout.lines().count(), 1);
    // stderr is a pipe here, not a terminal: no progress line.
    assert_eq!(run.stderr, "");

    let full = bench_ok(&["-p", &port, "-n", "1000", "-c", "4", "-t", "ping_inline"]);
    for expected in [
        "====== PING_INLINE ======\n",
        "  1000 requests completed in ",
        "  4 parallel clients\n",
        "  3 bytes payload\n",
        "Latency by percentile distribution:\n",
        "(cumulative count 1000)\n",
        "Summary:\n  throughput summary: ",
        "p50       p90       p95       p99     p99.9       max\n",
        "  error replies: 0\n",
    ] {
        assert!(
            full.contains(expected),
            "{expected:?} missing from:\n{full}"
        );
    }
}

#[test]
fn an_unreachable_server_fails_the_run_with_a_clear_message() {
    let port = free_port().to_string();
    let run = bench(&["-p", &port, "-n", "100", "-t", "ping_mbulk", "-q"]);
    assert!(!run.status.success());
    assert!(
        run.stderr
            .contains(&format!("Could not connect to server at 127.0.0.1:{port}")),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
}

#[test]
fn bad_flags_are_refused_before_connecting() {
    for (args, message) in [
        (&["-t", "lpush"][..], "unknown test 'lpush'"),
        (&["-c", "0"][..], "-c must be at least 1"),
        (&["-P", "0"][..], "-P must be at least 1"),
        (&["-r", "0"][..], "-r must be between 1 and"),
    ] {
        let run = bench(&[&["-p", "1"], args].concat());
        assert!(!run.status.success(), "{args:?}");
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
}

// ---------------------------------------------------------------------------------------------
// A scripted server: records every request, replies slowly and in pieces, checks what the
// client has in flight.

#[derive(Default)]
struct Log {
    requests: Vec<Vec<Vec<u8>>>,
    /// Most requests that were waiting unanswered on one connection at once.
    max_in_flight: usize,
}

struct FakeServer {
    addr: SocketAddr,
    log: Arc<Mutex<Log>>,
    stop: Arc<AtomicBool>,
}

impl FakeServer {
    /// `close_after`: close each connection after answering this many requests.
    fn start(close_after: Option<usize>) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Log::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log2, stop2) = (log.clone(), stop.clone());
        thread::spawn(move || {
            let deadline = Instant::now() + RUN_LIMIT;
            while !stop2.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let log = log2.clone();
                        thread::spawn(move || serve(stream, &log, close_after));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        FakeServer { addr, log, stop }
    }

    fn port(&self) -> String {
        self.addr.port().to_string()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Read requests; once some arrived, wait a moment for anything else the client sends without
/// waiting for replies; then answer each with `$11 hello world`, written three bytes at a time
/// so the client sees replies cut across reads.
fn serve(mut stream: TcpStream, log: &Mutex<Log>, close_after: Option<usize>) {
    stream.set_nodelay(true).unwrap();
    let mut parser = RequestParser::new();
    let mut input = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut answered = 0;
    loop {
        stream.set_read_timeout(Some(RUN_LIMIT)).unwrap();
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => input.extend_from_slice(&chunk[..n]),
        }
        stream
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        loop {
            match stream.read(&mut chunk) {
                Ok(0) => return,
                Ok(n) => input.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => break,
                Err(_) => return,
            }
        }
        let mut used = 0;
        let mut waiting = 0;
        loop {
            match parser.parse(&input[used..], &Limits::default()).unwrap() {
                Parsed::Request { request, consumed } => {
                    let args = request.args().map(<[u8]>::to_vec).collect();
                    log.lock().unwrap().requests.push(args);
                    waiting += 1;
                    used += consumed;
                }
                Parsed::Empty { consumed } => used += consumed,
                Parsed::Incomplete => break,
            }
        }
        input.drain(..used);
        {
            let mut log = log.lock().unwrap();
            log.max_in_flight = log.max_in_flight.max(waiting);
        }
        for _ in 0..waiting {
            if close_after == Some(answered) {
                return;
            }
            for piece in b"$11\r\nhello world\r\n".chunks(3) {
                if stream.write_all(piece).is_err() {
                    return;
                }
                thread::sleep(Duration::from_millis(1));
            }
            answered += 1;
        }
    }
}

#[test]
fn batches_of_p_wait_for_their_replies_and_exactly_n_requests_are_sent() {
    let fake = FakeServer::start(None);
    let rows = parse_csv(&bench_ok(&[
        "-p",
        &fake.port(),
        "-c",
        "2",
        "-n",
        "50",
        "-P",
        "4",
        "-t",
        "ping_mbulk",
        "--csv",
    ]));
    assert_eq!((rows[0].requests, rows[0].errors), (50, 0));
    let log = fake.log.lock().unwrap();
    // 50 = 12 batches of 4 and a last one of 2: never 52.
    assert_eq!(log.requests.len(), 50);
    assert!(log.requests.iter().all(|r| r == &[b"PING".to_vec()]));
    // One batch in flight per connection, never more.
    assert_eq!(log.max_in_flight, 4);
}

#[test]
fn without_pipelining_each_connection_has_one_request_in_flight() {
    let fake = FakeServer::start(None);
    bench_ok(&["-p", &fake.port(), "-c", "3", "-n", "30", "-t", "get", "-q"]);
    let log = fake.log.lock().unwrap();
    assert_eq!(log.requests.len(), 30);
    assert_eq!(log.max_in_flight, 1);
    // Without -r the placeholder is sent literally, as redis-benchmark does.
    let expected = [b"GET".to_vec(), b"key:__rand_int__".to_vec()];
    assert!(log.requests.iter().all(|r| r[..] == expected));
}

#[test]
fn random_keys_stay_in_the_keyspace_and_values_have_the_requested_size() {
    let fake = FakeServer::start(None);
    bench_ok(&[
        "-p",
        &fake.port(),
        "-c",
        "2",
        "-n",
        "60",
        "-P",
        "3",
        "-r",
        "5",
        "-d",
        "10",
        "-t",
        "set",
        "-q",
    ]);
    let log = fake.log.lock().unwrap();
    assert_eq!(log.requests.len(), 60);
    let mut keys: Vec<&[u8]> = Vec::new();
    for request in &log.requests {
        let [cmd, key, value] = &request[..] else {
            panic!("{request:?}")
        };
        assert_eq!(
            (cmd.as_slice(), value.as_slice()),
            (&b"SET"[..], &b"xxxxxxxxxx"[..])
        );
        let key = key.as_slice();
        let number = key
            .strip_prefix(b"key:00000000000")
            .expect("key:<12 digits>");
        assert!(
            matches!(number, [b'0'..=b'4']),
            "{}",
            String::from_utf8_lossy(key)
        );
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    assert!(keys.len() >= 2, "60 random keys in 0..5 were all the same");
}

#[test]
fn a_server_closing_mid_run_fails_the_run() {
    let fake = FakeServer::start(Some(5));
    let run = bench(&[
        "-p",
        &fake.port(),
        "-c",
        "1",
        "-n",
        "100",
        "-t",
        "ping_mbulk",
        "-q",
    ]);
    assert!(!run.status.success());
    assert!(
        run.stderr
            .contains("server closed the connection (after 5 replies)"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// The real redis-server.

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Send one inline command to `addr` and return its reply (one read: small replies only).
fn command(addr: SocketAddr, line: &[u8]) -> Option<Vec<u8>> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream.write_all(line).ok()?;
    let mut reply = vec![0u8; 1024];
    let n = stream.read(&mut reply).ok()?;
    reply.truncate(n);
    Some(reply)
}

#[test]
fn set_get_incr_against_redis_server_send_exactly_what_was_asked() {
    let redis = common::RedisServer::start(&[]);
    let port = redis.addr.port().to_string();
    let rows = parse_csv(&bench_ok(&[
        "-p",
        &port,
        "-c",
        "4",
        "-n",
        "1000",
        "-d",
        "10",
        "-t",
        "set,get,incr",
        "--csv",
    ]));
    let names: Vec<&str> = rows.iter().map(|r| r.test.as_str()).collect();
    assert_eq!(names, ["SET", "GET", "INCR"]);
    for row in &rows {
        assert_eq!((row.requests, row.errors), (1000, 0), "{row:?}");
        assert_sane(row);
    }
    // INCR ran exactly -n times on the one key, and SET stored a -d byte value.
    assert_eq!(
        command(redis.addr, b"GET counter:__rand_int__\r\n").unwrap(),
        b"$4\r\n1000\r\n"
    );
    assert_eq!(
        command(redis.addr, b"GET key:__rand_int__\r\n").unwrap(),
        b"$10\r\nxxxxxxxxxx\r\n"
    );

    // Pipelined, random keys in 0..50: the two fixed keys plus at most 50 more.
    let rows = parse_csv(&bench_ok(&[
        "-p", &port, "-c", "3", "-n", "500", "-P", "8", "-r", "50", "-t", "set", "--csv",
    ]));
    assert_eq!((rows[0].requests, rows[0].errors), (500, 0));
    let dbsize = command(redis.addr, b"DBSIZE\r\n").unwrap();
    let keys: u64 = std::str::from_utf8(&dbsize[1..dbsize.len() - 2])
        .unwrap()
        .parse()
        .unwrap();
    assert!((4..=52).contains(&keys), "DBSIZE {keys}");

    // Error replies from redis are counted too.
    let rows = parse_csv(&bench_ok(&[
        "-p",
        &port,
        "-c",
        "2",
        "-n",
        "100",
        "--csv",
        "INCR",
        "key:__rand_int__",
    ]));
    assert_eq!((rows[0].requests, rows[0].errors), (100, 100));
}
