//! The dashboard over real sockets: HTTP/1.1 on the loop's extra listener beside RESP, the
//! event stream of snapshots, and the latest-value-wins rule for browsers that stop reading.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use reactor::ServerHandle;
use reactor::client::{Connection, Reply};
use reactor::config::Config;
use serde_json::Value;

use common::{Close, IO_TIMEOUT, connect, read_to_close};

fn start_with(config: Config) -> (ServerHandle, SocketAddr) {
    let server = reactor::spawn(Config {
        dashboard_port: Some(0),
        ..config
    })
    .expect("server starts");
    let dashboard = server.dashboard_addr().expect("a dashboard listener");
    (server, dashboard)
}

fn start() -> (ServerHandle, SocketAddr) {
    start_with(Config::ephemeral())
}

/// One HTTP response: status code, head (lower-cased header lines), body.
#[derive(Debug)]
struct Response {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .map(|l| l[prefix.len()..].trim())
    }
}

/// Read one response with a `Content-Length` body from `reader`.
fn read_response(reader: &mut BufReader<TcpStream>) -> Response {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).expect("response head");
        assert!(n > 0, "connection closed inside a response head: {head:?}");
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    let mut response = Response {
        status,
        head,
        body: Vec::new(),
    };
    let length: usize = response
        .header("content-length")
        .expect("a Content-Length")
        .parse()
        .unwrap();
    response.body = vec![0; length];
    reader
        .read_exact(&mut response.body)
        .expect("response body");
    response
}

fn request(addr: SocketAddr, text: &str) -> Response {
    let mut stream = connect(addr);
    stream.write_all(text.as_bytes()).unwrap();
    read_response(&mut BufReader::new(stream))
}

fn get(addr: SocketAddr, path: &str) -> Response {
    request(addr, &format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n"))
}

/// A browser's event stream: the response head, then one JSON snapshot per event.
struct Events {
    reader: BufReader<TcpStream>,
    head: String,
}

impl Events {
    fn open(addr: SocketAddr, extra_headers: &str) -> Events {
        let mut stream = connect(addr);
        write!(
            stream,
            "GET /events HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n{extra_headers}\r\n"
        )
        .unwrap();
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            assert!(reader.read_line(&mut line).unwrap() > 0, "closed: {head:?}");
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        Events { reader, head }
    }

    /// The next snapshot.
    fn next(&mut self) -> Value {
        let mut data = String::new();
        loop {
            let mut line = String::new();
            assert!(
                self.reader.read_line(&mut line).unwrap() > 0,
                "stream closed"
            );
            let line = line.trim_end_matches('\n');
            if line.is_empty() && !data.is_empty() {
                return serde_json::from_str(&data).expect("a snapshot is JSON");
            }
            if let Some(payload) = line.strip_prefix("data: ") {
                data.push_str(payload);
            }
        }
    }

    /// Snapshots until `done` holds for one, within `limit`.
    fn until(&mut self, limit: Duration, mut done: impl FnMut(&Value) -> bool) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let snapshot = self.next();
            if done(&snapshot) {
                return snapshot;
            }
            assert!(
                Instant::now() < deadline,
                "not seen in time; last: {snapshot}"
            );
        }
    }
}

fn client_named<'a>(snapshot: &'a Value, name: &str) -> Option<&'a Value> {
    snapshot["clients"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == name)
}

#[test]
fn the_page_and_its_files_are_served_from_the_binary() {
    let (_server, addr) = start();
    let page = get(addr, "/");
    assert_eq!(page.status, 200, "{page:?}");
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = String::from_utf8(page.body).unwrap();
    for file in ["/app.js", "/style.css", "/vendor/uPlot.iife.min.js"] {
        assert!(html.contains(file), "the page links {file}");
        let response = get(addr, file);
        assert_eq!(response.status, 200, "{file}");
        assert!(response.body.len() > 100, "{file} has content");
    }
    // The chart library is vendored with its licence, never fetched from the internet.
    assert!(!html.contains("http://") && !html.contains("https://"));
    let licence = get(addr, "/vendor/uPlot.LICENSE");
    assert!(String::from_utf8_lossy(&licence.body).contains("MIT License"));
}

#[test]
fn keep_alive_serves_pipelined_requests_on_one_connection_and_http_1_0_closes() {
    let (_server, addr) = start();
    let mut stream = connect(addr);
    // Three requests in one write, the last split across two writes.
    stream
        .write_all(
            b"GET /style.css HTTP/1.1\r\nHost: a\r\n\r\nHEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HT",
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(50));
    stream.write_all(b"TP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let css = read_response(&mut reader);
    assert_eq!(css.status, 200);
    assert_eq!(css.header("connection"), Some("keep-alive"));
    // HEAD: the length a GET would get, and no body (so read the head only).
    let mut head = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let missing = read_response(&mut reader);
    assert_eq!(missing.status, 404);

    // HTTP/1.0 without keep-alive: one response, then the server closes.
    let mut old = connect(addr);
    old.write_all(b"GET /style.css HTTP/1.0\r\n\r\n").unwrap();
    let (bytes, close) = read_to_close(&mut old);
    assert!(bytes.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert!(close == Close::Eof, "closed by the server: {close:?}");
}

#[test]
fn wrong_methods_paths_and_malformed_or_oversized_requests_get_their_status() {
    let (server, addr) = start();
    let post = request(addr, "POST /events HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
    assert_eq!(
        request(addr, "GET /../etc/passwd HTTP/1.1\r\n\r\n").status,
        404
    );

    // Garbage: 400, then the connection closes.
    let mut bad = connect(addr);
    bad.write_all(b"PING\r\nHost: a\r\n\r\n").unwrap();
    let (bytes, close) = read_to_close(&mut bad);
    assert!(
        bytes.starts_with(b"HTTP/1.1 400 Bad Request\r\n"),
        "{bytes:?}"
    );
    assert!(close == Close::Eof, "{close:?}");

    // A head that never ends: 431 at 8 KiB, not a buffer that grows.
    let mut long = connect(addr);
    let mut text = b"GET / HTTP/1.1\r\nX-Long: ".to_vec();
    text.resize(64 * 1024, b'a');
    let _ = long.write_all(&text); // the server may close before all of it is written
    let (bytes, _) = read_to_close(&mut long);
    assert!(bytes.starts_with(b"HTTP/1.1 431 "), "{bytes:?}");

    // A body is never read: the request is answered and the connection closed.
    let mut body = connect(addr);
    body.write_all(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")
        .unwrap();
    let (bytes, close) = read_to_close(&mut body);
    assert!(bytes.starts_with(b"HTTP/1.1 405 "), "{bytes:?}");
    assert!(close == Close::Eof, "{close:?}");

    // The RESP side never noticed.
    let mut redis = Connection::connect(server.addr(), IO_TIMEOUT).unwrap();
    assert_eq!(
        redis.command(&[b"PING"]).unwrap(),
        Reply::Status("PONG".into())
    );
}

#[test]
fn the_event_stream_shows_a_named_client_and_its_work() {
    let (server, addr) = start();
    let mut events = Events::open(addr, "");
    assert!(
        events.head.starts_with("HTTP/1.1 200 OK\r\n"),
        "{}",
        events.head
    );
    assert!(events.head.contains("Content-Type: text/event-stream"));
    let first = events.next();
    assert_eq!(first["port"], server.addr().port());
    assert_eq!(first["dashboard_connections"], 1);
    assert_eq!(first["connected_clients"], 0);

    let mut worker = Connection::connect(server.addr(), IO_TIMEOUT).unwrap();
    worker
        .command(&[b"CLIENT", b"SETNAME", b"worker-7"])
        .unwrap();
    for i in 0..100 {
        let key = format!("key:{i}");
        worker.command(&[b"SET", key.as_bytes(), b"v"]).unwrap();
    }
    let seen = events.until(Duration::from_secs(5), |s| {
        client_named(s, "worker-7").is_some_and(|c| c["commands"] == 101)
    });
    assert_eq!(seen["keys"], 100);
    assert_eq!(seen["connected_clients"], 1);
    assert!(seen["commands_processed"].as_u64().unwrap() >= 101);
    let worker_row = client_named(&seen, "worker-7").unwrap();
    assert!(worker_row["id"].as_u64().is_some());
    // Values are never shown: only names and figures.
    assert!(!seen.to_string().contains("\"v\""));

    // The counters move on as work goes on.
    worker.command(&[b"PING"]).unwrap();
    let later = events.until(Duration::from_secs(5), |s| {
        s["commands_processed"].as_u64() > seen["commands_processed"].as_u64()
    });
    assert!(later["event_loop"]["cycles"].as_u64() > seen["event_loop"]["cycles"].as_u64());
    assert!(later["time_ms"].as_u64() > seen["time_ms"].as_u64());

    // Browsers are not Redis clients: INFO and CLIENT LIST leave them out.
    let Reply::Bulk(info) = worker.command(&[b"INFO", b"clients"]).unwrap() else {
        panic!("INFO is a bulk reply");
    };
    assert!(String::from_utf8_lossy(&info).contains("connected_clients:1\r\n"));
    let Reply::Bulk(list) = worker.command(&[b"CLIENT", b"LIST"]).unwrap() else {
        panic!("CLIENT LIST is a bulk reply");
    };
    assert_eq!(String::from_utf8_lossy(&list).lines().count(), 1);
}

#[test]
fn with_requirepass_the_dashboard_wants_the_password() {
    let (_server, addr) = start_with(Config {
        requirepass: Some(b"s3cret".to_vec()),
        ..Config::ephemeral()
    });
    let denied = get(addr, "/");
    assert_eq!(denied.status, 401);
    assert!(
        denied
            .header("www-authenticate")
            .unwrap()
            .starts_with("Basic ")
    );
    // "default:s3cret", "default:wrong", ":s3cret" in base64.
    let with = |credentials: &str| {
        request(
            addr,
            &format!("GET / HTTP/1.1\r\nAuthorization: Basic {credentials}\r\n\r\n"),
        )
        .status
    };
    assert_eq!(with("ZGVmYXVsdDpzM2NyZXQ="), 200);
    assert_eq!(with("ZGVmYXVsdDp3cm9uZw=="), 401);
    assert_eq!(with("OnMzY3JldA=="), 200);
    let stream = Events::open(addr, "");
    assert!(stream.head.starts_with("HTTP/1.1 401"), "{}", stream.head);
    let mut allowed = Events::open(addr, "Authorization: Basic ZGVmYXVsdDpzM2NyZXQ=\r\n");
    // This one and the refused stream (kept alive, as a 401 does not close).
    assert_eq!(allowed.next()["dashboard_connections"], 2);
}

#[test]
fn the_dashboard_is_off_unless_asked_for() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    assert_eq!(server.dashboard_addr(), None);
}

/// A stalled stream's output, as the dashboard itself reports it in its client table (where
/// connections with output pending come first).
fn stalled_outputs(snapshot: &Value) -> Vec<u64> {
    snapshot["clients"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["flags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == "streaming")
        })
        .map(|c| c["output_bytes"].as_u64().unwrap())
        .filter(|&bytes| bytes > 0)
        .collect()
}

/// A connection with a 4 KiB receive buffer, so a peer that never reads fills it quickly.
fn small_window(addr: SocketAddr) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.connect(&addr.into()).unwrap();
    socket.into()
}

/// A browser that asks for the stream and never reads, with a small receive window.
fn stalled_stream(addr: SocketAddr) -> TcpStream {
    let mut stream = small_window(addr);
    stream
        .write_all(b"GET /events HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    stream
}

/// Name 50 clients with `len`-byte names: they fill the client table, so snapshots are about
/// 50 × `len` bytes.
fn named_clients(server: &ServerHandle, len: usize) -> Vec<Connection> {
    (0..50)
        .map(|i| {
            let mut c = Connection::connect(server.addr(), IO_TIMEOUT).unwrap();
            let name = format!("{i:02}-{}", "n".repeat(len));
            c.command(&[b"CLIENT", b"SETNAME", name.as_bytes()])
                .unwrap();
            c
        })
        .collect()
}

/// A browser that stops reading must not grow the server's memory. Snapshots are state, so
/// the newest replaces any not yet sent: each stalled stream holds at most one snapshot in the
/// server, however long it stalls. (Break it by sending every snapshot to every stream in
/// `Dashboard::tick`, and a stalled stream's output grows by a snapshot per tick.)
#[test]
fn a_stalled_event_stream_holds_at_most_one_snapshot() {
    let (server, addr) = start();
    // Half-megabyte snapshots, so the kernel's buffers fill within a few ticks.
    let _named = named_clients(&server, 10_000);
    let mut watcher = Events::open(addr, "");
    let snapshot_len = watcher.next().to_string().len();
    assert!(snapshot_len > 500_000, "{snapshot_len}");
    let _stalled: Vec<TcpStream> = (0..3).map(|_| stalled_stream(addr)).collect();

    // Work that changes every snapshot, for 4 s (16 ticks, 16 snapshots each stream misses).
    let mut worker = Connection::connect(server.addr(), IO_TIMEOUT).unwrap();
    let until = Instant::now() + Duration::from_secs(4);
    let mut most = 0;
    let mut seen_behind = 0;
    while Instant::now() < until {
        worker.command(&[b"INCR", b"counter"]).unwrap();
        let outputs = stalled_outputs(&watcher.next());
        seen_behind = seen_behind.max(outputs.len());
        most = most.max(outputs.into_iter().max().unwrap_or(0));
    }
    // The kernel's buffers did fill (else the rule was never needed), and from then on the
    // server held no more than one snapshot (plus its event framing) per stream.
    assert!(
        seen_behind > 0,
        "the stalled streams never filled their sockets"
    );
    assert!(
        most as usize <= snapshot_len + 4096,
        "a stalled stream held {most} bytes, more than one snapshot ({snapshot_len})"
    );
}

/// Issue 14's measure: 20 browsers that stop reading leave the server's memory within a few
/// MiB of where it was.
#[test]
fn twenty_stalled_browsers_leave_memory_where_it_was() {
    let (server, addr) = start();
    let _named = named_clients(&server, 100);
    let mut watcher = Events::open(addr, "");
    let rss_before = watcher.next()["rss_bytes"].as_u64().unwrap();
    let _stalled: Vec<TcpStream> = (0..20).map(|_| stalled_stream(addr)).collect();
    let mut worker = Connection::connect(server.addr(), IO_TIMEOUT).unwrap();
    let until = Instant::now() + Duration::from_secs(3);
    let mut latest = Value::Null;
    while Instant::now() < until {
        worker.command(&[b"INCR", b"counter"]).unwrap();
        latest = watcher.next();
    }
    assert_eq!(latest["dashboard_connections"], 21);
    let grown = latest["rss_bytes"].as_u64().unwrap() as i64 - rss_before as i64;
    assert!(grown < 4 << 20, "RSS grew by {grown} bytes");
}

/// The snapshot's keys per type, as a map.
fn keyspace(snapshot: &Value) -> std::collections::BTreeMap<String, u64> {
    snapshot["keyspace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["type"].as_str().unwrap().to_string(),
                t["keys"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Keys per type are counted as keys come and go (no pass over the keyspace per snapshot), so
/// every path that adds, removes or retypes a key must keep the count: checked here against
/// TYPE of every key after a mix of all of them.
#[test]
fn keys_per_type_follow_every_way_a_key_comes_goes_or_changes_type() {
    let (server, addr) = start();
    let mut c = Connection::connect(server.addr(), IO_TIMEOUT).unwrap();
    let script: &[&[&[u8]]] = &[
        &[b"SET", b"s1", b"v"],
        &[b"SET", b"s2", b"v"],
        &[b"RPUSH", b"l1", b"a", b"b"],
        &[b"RPUSH", b"l2", b"a"],
        &[b"HSET", b"h1", b"f", b"v"],
        &[b"SADD", b"t1", b"m", b"n"],
        &[b"SET", b"l2", b"now a string"], // retyped by SET
        &[b"LPOP", b"l1", b"2"],           // emptied: deleted
        &[b"RENAME", b"h1", b"h2"],
        &[b"COPY", b"t1", b"t2"],
        &[b"SMOVE", b"t1", b"t3", b"m"],
        &[b"DEL", b"s1"],
        &[b"SET", b"gone", b"v", b"PX", b"1"],
        &[b"RPUSH", b"l3", b"x"],
        &[b"ZADD", b"z1", b"1", b"a"],
        &[b"ZADD", b"z2", b"1", b"a"],
        &[b"ZPOPMIN", b"z2"], // emptied: deleted
    ];
    for command in script {
        c.command(command).unwrap();
    }
    std::thread::sleep(Duration::from_millis(20));
    c.command(&[b"GET", b"gone"]).unwrap(); // reclaimed on access
    let mut expected = std::collections::BTreeMap::new();
    for name in ["string", "list", "hash", "set", "zset"] {
        expected.insert(name.to_string(), 0);
    }
    let Reply::Array(keys) = c.command(&[b"KEYS", b"*"]).unwrap() else {
        panic!("KEYS is an array");
    };
    for key in keys {
        let Reply::Bulk(key) = key else { panic!() };
        let Reply::Status(kind) = c.command(&[b"TYPE", &key]).unwrap() else {
            panic!()
        };
        *expected.get_mut(&String::from_utf8(kind).unwrap()).unwrap() += 1;
    }
    let mut events = Events::open(addr, "");
    assert_eq!(keyspace(&events.next()), expected);
    c.command(&[b"FLUSHALL"]).unwrap();
    let flushed = events.until(Duration::from_secs(5), |s| s["keys"] == 0);
    assert!(keyspace(&flushed).values().all(|&n| n == 0));
}

#[test]
fn channels_are_listed_by_subscribers() {
    let (server, addr) = start();
    let mut subscribers = Vec::new();
    for channels in [&[&b"news"[..], b"sport"][..], &[b"news"], &[b"news"]] {
        let mut s = reactor::client::Subscriber::connect(server.addr(), IO_TIMEOUT).unwrap();
        s.subscribe(channels).unwrap(); // returns once confirmed
        subscribers.push(s);
    }
    let snapshot = Events::open(addr, "").next();
    let channels: Vec<(String, u64)> = snapshot["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().into(),
                c["subscribers"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(channels, [("news".into(), 3), ("sport".into(), 1)]);
    let subscribed = snapshot["clients"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["flags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == "subscribed")
        })
        .count();
    assert_eq!(subscribed, 3);
}

/// The event log: a protocol error, a client refused at maxclients and a slow consumer cut
/// off each leave a line naming the peer.
#[test]
fn the_log_shows_protocol_errors_refusals_and_slow_consumers() {
    let (server, addr) = start_with(Config {
        maxclients: 3,
        ..Config::ephemeral()
    });
    // The stream does not count against maxclients (the dashboard has its own limit).
    let mut events = Events::open(addr, "");
    let mut admin = Connection::connect(server.addr(), IO_TIMEOUT).unwrap(); // client 1 of 3
    admin
        .command(&[
            b"CONFIG",
            b"SET",
            b"client-output-buffer-limit",
            b"pubsub 64kb 0 0",
        ])
        .unwrap();

    let mut bad = connect(server.addr()); // 2, gone after its error
    bad.write_all(b"*1\r\n$x\r\n").unwrap();
    let (reply, _) = read_to_close(&mut bad);
    assert!(reply.starts_with(b"-ERR Protocol error"));
    let bad_peer = bad.local_addr().unwrap().to_string();

    // A subscriber that never reads, with a small receive window: cut at 64 KiB.
    let mut slow = small_window(server.addr()); // 2
    slow.write_all(b"SUBSCRIBE feed\r\n").unwrap();
    let slow_peer = slow.local_addr().unwrap().to_string();
    let message = vec![b'x'; 64 * 1024];
    let mut extra = Connection::connect(server.addr(), IO_TIMEOUT).unwrap(); // 3
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Reply::Integer(1) = extra.command(&[b"PUBLISH", b"feed", &message]).unwrap() {
        assert!(
            Instant::now() < deadline,
            "the slow subscriber was never cut off"
        );
    }
    // The slow one is gone: admin, extra and one more make three, and the next is refused.
    let _third = connect(server.addr());
    let mut refused = connect(server.addr());
    let (reply, _) = read_to_close(&mut refused);
    assert_eq!(reply, b"-ERR max number of clients reached\r\n");

    let snapshot = events.until(Duration::from_secs(5), |s| {
        s["log"].as_array().is_some_and(|log| log.len() >= 3)
    });
    let lines: Vec<(String, String)> = snapshot["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["text"].as_str().unwrap().into(),
                l["peer"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    let has = |text: &str, peer: Option<&str>| {
        lines
            .iter()
            .any(|(t, p)| t.starts_with(text) && peer.is_none_or(|peer| p == peer))
    };
    assert!(has("protocol error", Some(&bad_peer)), "{lines:?}");
    assert!(has("slow consumer cut off", Some(&slow_peer)), "{lines:?}");
    assert!(has("refused: maxclients", None), "{lines:?}");
    // Newest first.
    let seqs: Vec<u64> = snapshot["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["seq"].as_u64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "{seqs:?}");
}

/// Names are the clients' own, as long as they like: the snapshot shows at most 10 KiB of one,
/// so no client can make every snapshot (and every stream's copy) as large as its name.
#[test]
fn long_names_are_cut_in_snapshots() {
    let (server, addr) = start();
    let long = "x".repeat(1 << 20);
    let mut c = Connection::connect(server.addr(), IO_TIMEOUT).unwrap();
    c.command(&[b"CLIENT", b"SETNAME", long.as_bytes()])
        .unwrap();
    let mut s = reactor::client::Subscriber::connect(server.addr(), IO_TIMEOUT).unwrap();
    s.subscribe(&[long.as_bytes()]).unwrap();
    let snapshot = Events::open(addr, "").next();
    assert!(
        snapshot.to_string().len() < 30 * 1024,
        "{}",
        snapshot.to_string().len()
    );
    let cut = format!("{}…", &long[..10 * 1024]);
    assert!(client_named(&snapshot, &cut).is_some());
    assert_eq!(snapshot["channels"][0]["name"], cut);
}

/// Connections to the dashboard's port that send one byte and stop cannot lock Redis clients
/// out: they have their own limit (`Options::extra_max_clients`, 64) apart from `maxclients`,
/// those past it are closed at once, and a request head not finished within
/// `HEAD_TIMEOUT` (10 s) is answered `408` and closed. Then the dashboard serves again.
///
/// Breaks checked, each alone: `admit` counting every connection against `maxclients` (as
/// before) → the Redis clients read `-ERR max number of clients reached`, fails;
/// `Dashboard::expire_heads` doing nothing → the half requests are never answered, the read
/// times out, fails.
#[test]
fn half_requests_on_the_dashboard_port_leave_redis_clients_served() {
    use reactor::server::dashboard::HEAD_TIMEOUT;
    let (server, dashboard) = start_with(Config {
        maxclients: 3,
        ..Config::ephemeral()
    });
    let opened = Instant::now();
    let half: Vec<TcpStream> = (0..100)
        .map(|_| {
            let mut s = connect(dashboard);
            s.write_all(b"G").unwrap();
            s
        })
        .collect();
    // Every one of maxclients' three Redis clients is served.
    let mut clients: Vec<Connection> = (0..3)
        .map(|_| Connection::connect(server.addr(), IO_TIMEOUT).unwrap())
        .collect();
    for c in &mut clients {
        assert_eq!(
            c.command(&[b"PING"]).unwrap(),
            Reply::Status(b"PONG".into())
        );
    }
    // Past the dashboard's own limit, connections are closed at once without a byte.
    std::thread::sleep(Duration::from_millis(500));
    let mut open = Vec::new();
    let mut closed = 0;
    for mut s in half {
        s.set_nonblocking(true).unwrap();
        let mut byte = [0u8; 1];
        match s.read(&mut byte) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                s.set_nonblocking(false).unwrap();
                open.push(s);
            }
            Ok(0) | Err(_) => closed += 1,
            Ok(_) => panic!("a refused dashboard connection was sent something"),
        }
    }
    assert_eq!((open.len(), closed), (64, 36));
    // The rest wait for their heads until the deadline, then get 408 and a close.
    for mut s in open {
        s.set_read_timeout(Some(HEAD_TIMEOUT * 2)).unwrap();
        let (reply, close) = read_to_close(&mut s);
        let text = String::from_utf8_lossy(&reply);
        assert!(
            text.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
            "{text}"
        );
        assert_eq!(close, Close::Eof);
    }
    let waited = opened.elapsed();
    assert!(waited >= HEAD_TIMEOUT, "closed after {waited:?}");
    assert_eq!(get(dashboard, "/").status, 200);
}

/// The slow log and the latency events reach the page: a command logged by SLOWLOG appears
/// with its arguments, client and name; a latency event with its latest and worst stall.
///
/// Break checked: leaving `slowlog` empty in `take` times the first wait out.
#[test]
fn snapshots_carry_the_slow_log_and_latency_events() {
    let (server, addr) = start_with(Config::ephemeral());
    let mut events = Events::open(addr, "");
    let mut c = Connection::connect(server.addr(), IO_TIMEOUT).unwrap();
    c.command(&[b"CLIENT", b"SETNAME", b"worker"]).unwrap();
    c.command(&[b"CONFIG", b"SET", b"slowlog-log-slower-than", b"0"])
        .unwrap();
    c.command(&[b"SET", b"greeting", b"hello"]).unwrap();
    let snapshot = events.until(Duration::from_secs(5), |s| {
        s["slowlog"]
            .as_array()
            .is_some_and(|rows| rows.iter().any(|r| r["command"] == "SET greeting hello"))
    });
    let row = snapshot["slowlog"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["command"] == "SET greeting hello")
        .unwrap();
    assert_eq!(row["name"], "worker");
    assert!(row["peer"].as_str().unwrap().starts_with("127.0.0.1:"));

    // A command of milliseconds over a 1 ms threshold: a `command` event.
    for chunk in 0..20 {
        let mut args: Vec<Vec<u8>> = vec![b"SADD".to_vec(), b"big".to_vec()];
        args.extend((0..10_000).map(|i| format!("m{chunk}-{i}").into_bytes()));
        let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
        c.command(&args).unwrap();
    }
    c.command(&[b"CONFIG", b"SET", b"latency-monitor-threshold", b"1"])
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let snapshot = loop {
        c.command(&[b"SMEMBERS", b"big"]).unwrap();
        let snapshot = events.until(Duration::from_secs(5), |_| true);
        if snapshot["latency"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
        {
            break snapshot;
        }
        assert!(
            Instant::now() < deadline,
            "no latency event reached the page"
        );
    };
    let event = &snapshot["latency"][0];
    assert_eq!(event["event"], "command");
    assert!(event["max_ms"].as_u64().unwrap() >= event["latest_ms"].as_u64().unwrap());
}
