//! INFO, TIME, CONFIG and COMMAND over real sockets: reply bytes captured from redis-server
//! 7.0.15 where ours must be equal, counters that move the way Redis's do, and the real
//! `redis-cli` and `redis-benchmark` talking to an in-process server.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reactor::config::Config;

const TIMEOUT: Duration = Duration::from_secs(10);

/// A decoded RESP2 reply.
#[derive(Debug, Clone, PartialEq)]
enum Reply {
    Status(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

impl Reply {
    fn text(&self) -> String {
        match self {
            Reply::Bulk(Some(bytes)) => String::from_utf8(bytes.clone()).expect("utf-8 bulk"),
            Reply::Status(s) => s.clone(),
            other => panic!("expected a string, got {other:?}"),
        }
    }
    fn items(&self) -> &[Reply] {
        match self {
            Reply::Array(Some(items)) => items,
            other => panic!("expected an array, got {other:?}"),
        }
    }
    fn int(&self) -> i64 {
        match self {
            Reply::Int(n) => *n,
            other => panic!("expected an integer, got {other:?}"),
        }
    }
}

/// One connection, counting the bytes it sends and receives.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    sent: u64,
    received: u64,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let stream = common::connect(addr);
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
            sent: 0,
            received: 0,
        }
    }

    /// The socket, to read to its close (nothing is left buffered in `reader` between replies).
    fn stream(&mut self) -> &mut TcpStream {
        &mut self.writer
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.sent += bytes.len() as u64;
    }

    /// Send a command as a multibulk request and return the raw bytes of its reply.
    fn raw(&mut self, args: &[&str]) -> Vec<u8> {
        self.send(&encode(args));
        self.read_raw()
    }

    fn cmd(&mut self, args: &[&str]) -> Reply {
        self.send(&encode(args));
        self.read().0
    }

    fn read(&mut self) -> (Reply, Vec<u8>) {
        let mut raw = Vec::new();
        let reply = read_reply(&mut self.reader, &mut raw);
        self.received += raw.len() as u64;
        (reply, raw)
    }

    fn read_raw(&mut self) -> Vec<u8> {
        self.read().1
    }

    /// `INFO <section>` parsed into its fields.
    fn info(&mut self, section: &str) -> Vec<(String, String)> {
        let text = self.cmd(&["INFO", section]).text();
        parse_info(&text)
            .into_iter()
            .flat_map(|(_, fields)| fields)
            .collect()
    }

    fn info_number(&mut self, section: &str, name: &str) -> u64 {
        number(&self.info(section), name)
    }
}

fn encode(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn read_reply(reader: &mut impl BufRead, raw: &mut Vec<u8>) -> Reply {
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line).expect("reply line");
    raw.extend_from_slice(&line);
    assert!(line.ends_with(b"\r\n"), "bad reply line {line:?}");
    let body = String::from_utf8_lossy(&line[1..line.len() - 2]).into_owned();
    match line[0] {
        b'+' => Reply::Status(body),
        b'-' => Reply::Error(body),
        b':' => Reply::Int(body.parse().unwrap()),
        b'$' => {
            let len: i64 = body.parse().unwrap();
            if len < 0 {
                return Reply::Bulk(None);
            }
            let mut bytes = vec![0u8; len as usize + 2];
            reader.read_exact(&mut bytes).unwrap();
            raw.extend_from_slice(&bytes);
            bytes.truncate(len as usize);
            Reply::Bulk(Some(bytes))
        }
        b'*' => {
            let len: i64 = body.parse().unwrap();
            if len < 0 {
                return Reply::Array(None);
            }
            Reply::Array(Some((0..len).map(|_| read_reply(reader, raw)).collect()))
        }
        other => panic!("unexpected reply type {:?}", other as char),
    }
}

/// Split INFO text into sections, checking Redis's layout strictly on the way: `# Name` header,
/// `field:value` lines, every line CRLF-terminated, one empty line between sections.
fn parse_info(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    if text.is_empty() {
        return Vec::new();
    }
    assert!(text.ends_with("\r\n"), "INFO must end with CRLF: {text:?}");
    let mut sections = Vec::new();
    for chunk in text.split("\r\n\r\n") {
        let chunk = chunk.strip_suffix("\r\n").unwrap_or(chunk);
        let mut lines = chunk.split("\r\n");
        let header = lines.next().unwrap();
        let name = header
            .strip_prefix("# ")
            .unwrap_or_else(|| panic!("section header {header:?}"));
        let fields = lines
            .map(|line| {
                assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
                let (k, v) = line
                    .split_once(':')
                    .unwrap_or_else(|| panic!("not a field: {line:?}"));
                (k.to_string(), v.to_string())
            })
            .collect();
        sections.push((name.to_string(), fields));
    }
    sections
}

fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("INFO has no field {name}"))
}

fn number(fields: &[(String, String)], name: &str) -> u64 {
    let value = field(fields, name);
    value
        .parse()
        .unwrap_or_else(|_| panic!("{name}:{value} is not a number"))
}

fn server() -> reactor::ServerHandle {
    reactor::spawn(Config::ephemeral()).expect("server starts")
}

/// Poll `f` until it holds or the timeout passes.
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

// ---------------------------------------------------------------------------------------------
// INFO
// ---------------------------------------------------------------------------------------------

/// Fields ours adds to Redis 7.0's: our version and TLS port (Server), and Redis 7.2's
/// `eventloop_cycles` (Stats, after the rest, where 7.2 puts it).
const OUR_EXTRA_FIELDS: [&str; 3] = ["reactor_version", "tls_port", "eventloop_cycles"];

/// Lines whose names depend on what ran (`cmdstat_get`, `errorstat_ERR`, `db0`).
fn is_per_item(name: &str) -> bool {
    ["cmdstat_", "errorstat_", "latency_percentiles_usec_", "db"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// INFO everything has redis-server 7.0's sections, and in each its fields, by name and in
/// order (ours adds [`OUR_EXTRA_FIELDS`]). Both servers run here.
///
/// Break checked: leaving `io_threads_active` out of the Server section, or printing the
/// Modules section after Commandstats, fails it.
#[test]
fn info_sections_and_fields_match_redis() {
    let server = server();
    let redis = common::RedisServer::start(&[]);
    let mut c = Client::connect(server.addr());
    let text = c.cmd(&["INFO", "everything"]).text();
    let theirs = Client::connect(redis.addr)
        .cmd(&["INFO", "everything"])
        .text();
    let layout = |text: &str| -> Vec<(String, Vec<String>)> {
        parse_info(text)
            .into_iter()
            .map(|(header, fields)| {
                let names = fields
                    .into_iter()
                    .map(|(name, _)| name)
                    .filter(|name| !is_per_item(name) && !OUR_EXTRA_FIELDS.contains(&name.as_str()))
                    .collect();
                (header, names)
            })
            .collect()
    };
    assert_eq!(layout(&text), layout(&theirs));
    assert!(
        text.starts_with("# Server\r\nredis_version:7.0.15\r\n"),
        "{text}"
    );
    let sections = parse_info(&c.cmd(&["INFO"]).text());
    let server_fields = &sections[0].1;
    assert_eq!(
        field(server_fields, "reactor_version"),
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(field(server_fields, "redis_mode"), "standalone");
    assert_eq!(number(server_fields, "arch_bits"), u64::from(usize::BITS));
    // In-process: the server's pid and executable are this test's.
    assert_eq!(
        number(server_fields, "process_id"),
        u64::from(std::process::id())
    );
    assert_eq!(
        field(server_fields, "executable"),
        std::env::current_exe().unwrap().display().to_string()
    );
    assert_eq!(
        number(server_fields, "tcp_port"),
        u64::from(server.addr().port())
    );
    assert_eq!(number(server_fields, "uptime_in_days"), 0);
    assert!(number(server_fields, "uptime_in_seconds") < 60);
    assert_eq!(field(server_fields, "hz"), "10");
    assert_eq!(field(server_fields, "configured_hz"), "10");
    assert_eq!(field(server_fields, "config_file"), "");
    if cfg!(target_os = "linux") {
        assert_eq!(field(server_fields, "multiplexing_api"), "epoll");
        let os = field(server_fields, "os");
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
        assert_eq!(
            os,
            format!("Linux {} {}", release.trim(), std::env::consts::ARCH)
        );
    }
    let clients = &sections[1].1;
    assert_eq!(number(clients, "connected_clients"), 1);
    assert_eq!(number(clients, "maxclients"), 10_000);
}

#[test]
fn info_selects_sections_case_insensitively_in_redis_order() {
    let server = server();
    let mut c = Client::connect(server.addr());
    // Bytes from redis-server 7.0.15 with an empty keyspace.
    assert_eq!(c.raw(&["INFO", "keyspace"]), b"$12\r\n# Keyspace\r\n\r\n");
    // A name that is not a section adds nothing, as in Redis.
    assert_eq!(c.raw(&["INFO", "foo"]), b"$0\r\n\r\n");
    assert_eq!(c.raw(&["INFO", "modules"]), b"$11\r\n# Modules\r\n\r\n");

    let headers = |c: &mut Client, args: &[&str]| -> Vec<String> {
        parse_info(&c.cmd(args).text())
            .into_iter()
            .map(|(h, _)| h)
            .collect()
    };
    // Printed in Redis's order whatever the order asked.
    assert_eq!(
        headers(&mut c, &["INFO", "KEYSPACE", "foo", "Clients"]),
        ["Clients", "Keyspace"]
    );
    assert_eq!(
        headers(&mut c, &["INFO", "stats", "server", "stats"]),
        ["Server", "Stats"]
    );
    // redis-server 7.0.15's lists.
    let default = [
        "Server",
        "Clients",
        "Memory",
        "Persistence",
        "Stats",
        "Replication",
        "CPU",
        "Modules",
        "Errorstats",
        "Cluster",
        "Keyspace",
    ];
    let all = [
        "Server",
        "Clients",
        "Memory",
        "Persistence",
        "Stats",
        "Replication",
        "CPU",
        "Modules",
        "Commandstats",
        "Errorstats",
        "Latencystats",
        "Cluster",
        "Keyspace",
    ];
    assert_eq!(headers(&mut c, &["INFO"]), default);
    assert_eq!(headers(&mut c, &["INFO", "default"]), default);
    for every in ["all", "EVERYTHING"] {
        assert_eq!(headers(&mut c, &["INFO", every]), all, "INFO {every}");
    }
    assert_eq!(headers(&mut c, &["INFO", "cpu", "default"]), default);
}

/// Per command, per error code and per latency, as redis-server counts them: the same
/// requests to both, the lines compared with the times left out.
///
/// Break checked: counting an arity error as a call (not `rejected_calls`), or recording a
/// subcommand's call against its container, fails it.
#[test]
fn info_command_error_and_latency_stats_match_redis() {
    let server = server();
    let redis = common::RedisServer::start(&[]);
    let requests: &[&[&str]] = &[
        // Starting from nothing (redis-server was asked INFO as it started).
        &["CONFIG", "RESETSTAT"],
        &["SET", "k", "v"],
        &["GET", "k"],
        &["GET", "k"],
        &["GET"],
        &["LPUSH", "k", "x"],
        &["CLIENT", "ID"],
        &["CLIENT", "SETNAME"],
        &["CLIENT", "NOSUCH"],
        &["NOSUCH"],
        &["INCR", "k"],
        &["CONFIG", "GET", "maxclients"],
    ];
    let stats = |addr: SocketAddr| -> String {
        let mut c = Client::connect(addr);
        for request in requests {
            c.cmd(request);
        }
        // `stats` for total_commands_processed: refusals are not processed.
        let processed = c.info_number("stats", "total_commands_processed");
        let text = c
            .cmd(&["INFO", "commandstats", "errorstats", "latencystats"])
            .text();
        let text = format!("{text}processed:{processed}\r\n");
        // Times differ by nature: keep the counts, and of a latency line its name.
        let mut lines: Vec<String> = text
            .lines()
            .map(|line| match line.split_once(':') {
                Some((name, _)) if name.starts_with("latency_percentiles_usec_") => {
                    name.to_string()
                }
                _ => line
                    .split(',')
                    .filter(|part| !part.contains("usec"))
                    .collect::<Vec<_>>()
                    .join(","),
            })
            .collect();
        lines.sort();
        lines.join("\n")
    };
    assert_eq!(stats(server.addr()), stats(redis.addr));
}

#[test]
fn info_counts_commands_errors_connections_and_bytes() {
    let server = server();
    let mut c = Client::connect(server.addr());
    let first = c.info("stats");
    // As in Redis, a command is counted once it has run: INFO does not count itself.
    assert_eq!(number(&first, "total_commands_processed"), 0);
    assert_eq!(number(&first, "total_connections_received"), 1);
    assert_eq!(number(&first, "total_error_replies"), 0);
    // Everything sent so far was read before INFO ran; nothing was written before its reply.
    assert_eq!(number(&first, "total_net_input_bytes"), c.sent);
    assert_eq!(number(&first, "total_net_output_bytes"), 0);

    for _ in 0..3 {
        assert_eq!(c.cmd(&["PING"]), Reply::Status("PONG".into()));
    }
    // Rejected commands are errors but not "processed" (Redis counts neither in
    // total_commands_processed).
    assert!(matches!(c.cmd(&["NOSUCHCOMMAND"]), Reply::Error(_)));
    assert!(matches!(c.cmd(&["ECHO"]), Reply::Error(_)));
    assert!(matches!(
        c.cmd(&["CONFIG", "SET", "xyz", "1"]),
        Reply::Error(_)
    ));
    let received_before_info = c.received;
    let second = c.info("stats");
    assert_eq!(number(&second, "total_commands_processed"), 1 + 3 + 1);
    assert_eq!(number(&second, "total_error_replies"), 3);
    assert_eq!(number(&second, "total_net_input_bytes"), c.sent);
    assert_eq!(
        number(&second, "total_net_output_bytes"),
        received_before_info
    );
    assert!(number(&second, "eventloop_cycles") > number(&first, "eventloop_cycles"));

    let mut c2 = Client::connect(server.addr());
    let c3 = Client::connect(server.addr());
    assert_eq!(c2.cmd(&["PING"]), Reply::Status("PONG".into()));
    eventually("3 connected clients", || {
        c.info_number("clients", "connected_clients") == 3
    });
    assert_eq!(c.info_number("stats", "total_connections_received"), 3);
    drop(c3);
    eventually("2 connected clients", || {
        c.info_number("clients", "connected_clients") == 2
    });
    assert_eq!(c.info_number("stats", "total_connections_received"), 3);
}

#[test]
fn config_resetstat_zeroes_the_stats() {
    let server = server();
    let mut c = Client::connect(server.addr());
    let _other = Client::connect(server.addr());
    for _ in 0..10 {
        c.cmd(&["PING"]);
    }
    c.cmd(&["NOSUCHCOMMAND"]);
    assert_eq!(c.info_number("stats", "total_error_replies"), 1);
    assert_eq!(c.raw(&["CONFIG", "RESETSTAT"]), b"+OK\r\n");
    let sent_before_info = c.sent;
    let stats = c.info("stats");
    // RESETSTAT itself is counted after it ran, as in Redis.
    assert_eq!(number(&stats, "total_commands_processed"), 1);
    assert_eq!(number(&stats, "total_error_replies"), 0);
    assert_eq!(number(&stats, "total_connections_received"), 0);
    assert_eq!(number(&stats, "rejected_connections"), 0);
    assert_eq!(number(&stats, "expired_keys"), 0);
    // Only the INFO request came in since, and only `+OK` went out.
    assert_eq!(
        number(&stats, "total_net_input_bytes"),
        c.sent - sent_before_info
    );
    assert_eq!(number(&stats, "total_net_output_bytes"), 5);
    assert!(number(&stats, "eventloop_cycles") < 10);
    // The connections themselves are still there.
    assert_eq!(c.info_number("clients", "connected_clients"), 2);
    assert_eq!(
        c.raw(&["CONFIG", "RESETSTAT", "x"]),
        b"-ERR wrong number of arguments for 'config|resetstat' command\r\n"
    );
}

#[test]
fn instantaneous_ops_per_sec_rises_under_load_and_falls_to_zero_when_idle() {
    let server = server();
    let mut c = Client::connect(server.addr());
    assert_eq!(c.info_number("stats", "instantaneous_ops_per_sec"), 0);
    let pings: Vec<u8> = b"PING\r\n".repeat(3000);
    c.send(&pings);
    for _ in 0..3000 {
        c.read();
    }
    // 3000 commands within the last 1.6 s: at least 1875 per second.
    let busy = c.info_number("stats", "instantaneous_ops_per_sec");
    assert!(busy >= 1875, "instantaneous_ops_per_sec:{busy}");
    // The window is 1.6 s: after 2 s of silence nothing is left in it.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(c.info_number("stats", "instantaneous_ops_per_sec"), 0);
}

// ---------------------------------------------------------------------------------------------
// TIME
// ---------------------------------------------------------------------------------------------

#[test]
fn time_returns_seconds_and_microseconds_as_bulk_strings() {
    let server = server();
    let mut c = Client::connect(server.addr());
    let reply = c.cmd(&["TIME"]);
    let items = reply.items();
    assert_eq!(items.len(), 2);
    let (secs, micros) = (items[0].text(), items[1].text());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let secs: u64 = secs.parse().unwrap();
    assert!(secs.abs_diff(now) <= 2, "TIME {secs}, clock {now}");
    assert!(micros.parse::<u32>().unwrap() < 1_000_000);
    // Microseconds are not zero-padded, as Redis (`addReplyBulkLongLong`): wait for a reading
    // in the first 100 ms of a second, where padding would show.
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let micros = c.cmd(&["TIME"]).items()[1].text();
        let value: u32 = micros.parse().unwrap();
        if value < 100_000 {
            assert_eq!(micros, value.to_string());
            break;
        }
        assert!(Instant::now() < deadline, "no reading below 100000 us");
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(
        c.raw(&["TIME", "x"]),
        b"-ERR wrong number of arguments for 'time' command\r\n"
    );
}

// ---------------------------------------------------------------------------------------------
// CONFIG
// ---------------------------------------------------------------------------------------------

#[test]
fn config_get_answers_what_redis_benchmark_asks() {
    let server = server();
    let mut c = Client::connect(server.addr());
    // Bytes from redis-server 7.0.15 started with --save '' --appendonly no.
    assert_eq!(
        c.raw(&["CONFIG", "GET", "save"]),
        b"*2\r\n$4\r\nsave\r\n$0\r\n\r\n"
    );
    assert_eq!(
        c.raw(&["CONFIG", "GET", "appendonly"]),
        b"*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"
    );
    assert_eq!(
        c.raw(&["CONFIG", "GET", "save", "appendonly"]),
        b"*4\r\n$4\r\nsave\r\n$0\r\n\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"
    );
}

/// Flatten a CONFIG GET reply into (name, value) pairs.
fn pairs(reply: &Reply) -> Vec<(String, String)> {
    reply
        .items()
        .chunks(2)
        .map(|pair| (pair[0].text(), pair[1].text()))
        .collect()
}

#[test]
fn config_get_takes_several_patterns_and_reports_each_parameter_once() {
    let server = server();
    let port = server.addr().port().to_string();
    let mut c = Client::connect(server.addr());
    let get = |c: &mut Client, args: &[&str]| {
        let mut full = vec!["CONFIG", "GET"];
        full.extend_from_slice(args);
        pairs(&c.cmd(&full))
    };
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    // An exact name is reported as spelled; a glob reports the canonical name; once each.
    assert_eq!(get(&mut c, &["PORT", "port"]), [pair("PORT", &port)]);
    assert_eq!(get(&mut c, &["Po*", "PORT"]), [pair("port", &port)]);
    assert_eq!(get(&mut c, &["port", "p*rt"]), [pair("port", &port)]);
    assert_eq!(
        get(&mut c, &["MAX*", "*BULK*"]),
        [
            pair("maxclients", "10000"),
            pair("maxmemory", "0"),
            pair("maxmemory-eviction-tenacity", "10"),
            pair("maxmemory-policy", "noeviction"),
            pair("maxmemory-samples", "5"),
            pair("proto-max-bulk-len", "536870912")
        ]
    );
    assert_eq!(
        get(
            &mut c,
            &["timeout", "databases", "bind", "client-query-buffer-limit"]
        ),
        [
            pair("timeout", "0"),
            pair("databases", "16"),
            pair("bind", "127.0.0.1"),
            pair("client-query-buffer-limit", "1073741824"),
        ]
    );
    assert_eq!(get(&mut c, &["*"]).len(), 55);
    assert_eq!(c.raw(&["CONFIG", "GET", "nosuch"]), b"*0\r\n");
    assert_eq!(
        c.raw(&["CONFIG", "GET"]),
        b"-ERR wrong number of arguments for 'config|get' command\r\n"
    );
}

#[test]
fn config_set_refuses_with_redis_errors() {
    let server = server();
    let mut c = Client::connect(server.addr());
    // Every expected reply below was captured from redis-server 7.0.15.
    let cases: &[(&[&str], &[u8])] = &[
        (
            &["CONFIG", "SET", "xyz", "1"],
            b"-ERR Unknown option or number of arguments for CONFIG SET - 'xyz'\r\n",
        ),
        (
            &["CONFIG", "SET", "xyz"],
            b"-ERR wrong number of arguments for 'config|set' command\r\n",
        ),
        (
            &["CONFIG", "SET", "xyz", "1", "abc"],
            b"-ERR syntax error\r\n",
        ),
        (
            &["CONFIG", "SET", "timeout", "0", "xyz", "1"],
            b"-ERR Unknown option or number of arguments for CONFIG SET - 'xyz'\r\n",
        ),
        (
            &["CONFIG", "SET", "databases", "16"],
            b"-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set \
              immutable config\r\n",
        ),
        (
            &["CONFIG", "SET", "databases", "1", "xyz", "1"],
            b"-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set \
              immutable config\r\n",
        ),
        (
            &["CONFIG", "SET", "daemonize", "yes"],
            b"-ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set \
              immutable config\r\n",
        ),
        (
            &["CONFIG", "SET", "replicaof", "127.0.0.1 6379"],
            b"-ERR CONFIG SET failed (possibly related to argument 'replicaof') - can't set \
              immutable config\r\n",
        ),
        (
            &["CONFIG", "GET", "replicaof"],
            b"*2\r\n$9\r\nreplicaof\r\n$0\r\n\r\n",
        ),
        (
            &["CONFIG", "GET", "slaveof"],
            b"*2\r\n$7\r\nslaveof\r\n$0\r\n\r\n",
        ),
        (
            &["CONFIG", "SET", "save", "", "save", ""],
            b"-ERR CONFIG SET failed (possibly related to argument 'save') - duplicate \
              parameter\r\n",
        ),
        (
            &["CONFIG", "SET", "proto-max-bulk-len", "abc"],
            b"-ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - \
              argument must be a memory value\r\n",
        ),
        (
            &["CONFIG", "SET", "proto-max-bulk-len", "5"],
            b"-ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - \
              argument must be between 1048576 and 9223372036854775807 inclusive\r\n",
        ),
        (
            &["CONFIG", "SET", "proto-max-bulk-len", "mb"],
            b"-ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - \
              argument must be between 1048576 and 9223372036854775807 inclusive\r\n",
        ),
        // Accepted by Redis, refused here: there is no persistence to turn on.
        (
            &["CONFIG", "SET", "appendonly", "yes"],
            b"-ERR CONFIG SET failed (possibly related to argument 'appendonly') - can't set \
              immutable config\r\n",
        ),
    ];
    for (args, expected) in cases {
        assert_eq!(
            String::from_utf8_lossy(&c.raw(args)),
            String::from_utf8_lossy(expected),
            "{args:?}"
        );
    }
    // Values these parameters already have are accepted: test suites send these.
    assert_eq!(c.raw(&["CONFIG", "SET", "save", ""]), b"+OK\r\n");
    assert_eq!(c.raw(&["CONFIG", "SET", "appendonly", "NO"]), b"+OK\r\n");
    assert_eq!(c.raw(&["CONFIG", "SET", "timeout", "0"]), b"+OK\r\n");
}

#[test]
fn config_set_proto_max_bulk_len_takes_effect() {
    let server = server();
    let mut c = Client::connect(server.addr());
    let big = "x".repeat(1_500_000);
    assert_eq!(c.cmd(&["ECHO", &big]).text().len(), big.len());
    // All or nothing: a bad second pair leaves the first unapplied.
    assert!(matches!(
        c.cmd(&[
            "CONFIG",
            "SET",
            "proto-max-bulk-len",
            "1mb",
            "appendonly",
            "yes"
        ]),
        Reply::Error(_)
    ));
    assert_eq!(
        pairs(&c.cmd(&["CONFIG", "GET", "proto-max-bulk-len"])),
        [("proto-max-bulk-len".into(), "536870912".into())]
    );
    assert_eq!(
        c.raw(&["CONFIG", "SET", "proto-max-bulk-len", "1mb"]),
        b"+OK\r\n"
    );
    assert_eq!(
        pairs(&c.cmd(&["CONFIG", "GET", "proto-max-bulk-len"])),
        [("proto-max-bulk-len".into(), "1048576".into())]
    );
    // The parser now refuses the same request as Redis does, and closes. Only the header is
    // sent: a server that closes with unread bytes in its receive queue makes the kernel send a
    // reset, which can overtake the error reply (Redis behaves the same).
    c.send(format!("*2\r\n$4\r\nECHO\r\n${}\r\n", big.len()).as_bytes());
    assert_eq!(
        c.read_raw(),
        b"-ERR Protocol error: invalid bulk length\r\n"
    );
    let mut rest = Vec::new();
    let _ = c.reader.read_to_end(&mut rest);
    assert!(rest.is_empty(), "nothing after the protocol error");
}

#[test]
fn config_help_rewrite_and_unknown_subcommands_match_redis() {
    let server = server();
    let mut c = Client::connect(server.addr());
    // Bytes from redis-server 7.0.15.
    assert_eq!(
        String::from_utf8_lossy(&c.raw(&["CONFIG", "HELP"])),
        "*11\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n\
         +GET <pattern>\r\n\
         +    Return parameters matching the glob-like <pattern> and their values.\r\n\
         +SET <directive> <value>\r\n+    Set the configuration <directive> to <value>.\r\n\
         +RESETSTAT\r\n+    Reset statistics reported by the INFO command.\r\n\
         +REWRITE\r\n+    Rewrite the configuration file.\r\n+HELP\r\n+    Prints this help.\r\n"
    );
    let cases: &[(&[&str], &[u8])] = &[
        (
            &["CONFIG", "REWRITE"],
            b"-ERR The server is running without a config file\r\n",
        ),
        (
            &["CONFIG", "REWRITE", "x"],
            b"-ERR wrong number of arguments for 'config|rewrite' command\r\n",
        ),
        (
            &["CONFIG", "HELP", "x"],
            b"-ERR wrong number of arguments for 'config|help' command\r\n",
        ),
        (
            &["CONFIG"],
            b"-ERR wrong number of arguments for 'config' command\r\n",
        ),
        (
            &["CONFIG", "FOO"],
            b"-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n",
        ),
    ];
    for (args, expected) in cases {
        assert_eq!(
            String::from_utf8_lossy(&c.raw(args)),
            String::from_utf8_lossy(expected),
            "{args:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// COMMAND
// ---------------------------------------------------------------------------------------------

/// A COMMAND INFO entry with its subcommands (element 9) in name order: Redis lists them in
/// its hash table's order, which means nothing. Ours may lack some of Redis's subcommands (the
/// ones not implemented yet): `keep` names the ones to compare.
fn comparable(entry: &Reply, keep: &dyn Fn(&str) -> bool) -> Reply {
    let mut fields = entry.items().to_vec();
    let mut subs: Vec<Reply> = fields[9]
        .items()
        .iter()
        .filter(|sub| keep(&sub.items()[0].text()))
        .cloned()
        .collect();
    subs.sort_by_key(|sub| sub.items()[0].text());
    fields[9] = Reply::Array(Some(subs));
    Reply::Array(Some(fields))
}

/// Every command and subcommand we list, described by COMMAND INFO exactly as redis-server
/// 7.0 describes it: arity, flags, the first/last/step triple, ACL categories, tips, key specs
/// and subcommands. Both servers run here; nothing is copied into the test.
///
/// Break checked: dropping `.acl(&["string"])` from GET, a key spec flag from RENAME, the
/// `movablekeys` derivation, or the notes of SET's key spec each fails it.
#[test]
fn command_info_matches_redis_for_every_implemented_command() {
    let server = server();
    let redis = common::RedisServer::start(&[]);
    let mut ours = Client::connect(server.addr());
    let mut theirs = Client::connect(redis.addr);
    let implemented: Vec<String> = ours
        .cmd(&["COMMAND", "LIST"])
        .items()
        .iter()
        .map(Reply::text)
        .collect();
    assert!(implemented.iter().any(|n| n == "client|list"));
    let mut differ = Vec::new();
    for name in &implemented {
        let mine = ours.cmd(&["COMMAND", "INFO", name]).items()[0].clone();
        let redis_entry = theirs.cmd(&["COMMAND", "INFO", name]).items()[0].clone();
        assert_ne!(redis_entry, Reply::Bulk(None), "redis-server has no {name}");
        let keep = |sub: &str| implemented.iter().any(|n| n == sub);
        if comparable(&mine, &keep) != comparable(&redis_entry, &keep) {
            differ.push(format!(
                "{name}:\n  ours:  {mine:?}\n  redis: {redis_entry:?}"
            ));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    assert!(implemented.len() > 150, "{}", implemented.len());
}

/// COMMAND GETKEYS and GETKEYSANDFLAGS answer as redis-server for key specs of every shape:
/// single keys, ranges with a step, keys counted by an argument, subcommands, SET's own key
/// finder, and each error.
///
/// Break checked: making SET's finder ignore `GET` gives `OW update` where Redis says
/// `RW access update`; treating zero keys as success answers `*0` for `LMPOP 0 ...`.
#[test]
fn command_getkeys_matches_redis() {
    let server = server();
    let redis = common::RedisServer::start(&[]);
    let lines: &[&[&str]] = &[
        &["GETKEYS", "get", "a"],
        &["GETKEYS", "mset", "a", "1", "b", "2"],
        &["GETKEYS", "mset", "a", "1", "b"],
        &["GETKEYS", "rename", "a", "b"],
        &["GETKEYS", "blpop", "a", "b", "0"],
        &["GETKEYS", "lmpop", "2", "a", "b", "left"],
        &["GETKEYS", "lmpop", "0", "a", "left"],
        &["GETKEYS", "lmpop", "3", "a", "left"],
        &["GETKEYS", "lmpop", "x", "a", "left"],
        &["GETKEYS", "blmpop", "0", "1", "a", "left"],
        &["GETKEYS", "sintercard", "2", "a", "b"],
        &["GETKEYS", "smove", "a", "b", "m"],
        &["GETKEYS", "object", "encoding", "k"],
        &["GETKEYS", "memory", "usage", "k"],
        &["GETKEYS", "OBJECT", "nosuch", "k"],
        &["GETKEYS", "client", "list"],
        &["GETKEYS", "ping", "x"],
        &["GETKEYS", "get"],
        &["GETKEYS", "get", "a", "b"],
        &["GETKEYS", "nosuch", "a"],
        &["GETKEYSANDFLAGS", "set", "a", "b"],
        &["GETKEYSANDFLAGS", "set", "a", "b", "nx", "GET"],
        &["GETKEYSANDFLAGS", "set", "a", "b", "get"],
        &["GETKEYSANDFLAGS", "rename", "a", "b"],
        &["GETKEYSANDFLAGS", "lmove", "a", "b", "left", "right"],
        &["GETKEYSANDFLAGS", "del", "a", "b"],
        &["GETKEYSANDFLAGS", "smove", "a", "b", "m"],
    ];
    let mut differ = Vec::new();
    for line in lines {
        let mut args = vec!["COMMAND"];
        args.extend_from_slice(line);
        let mine = Client::connect(server.addr()).raw(&args);
        let expected = Client::connect(redis.addr).raw(&args);
        if mine != expected {
            differ.push(format!(
                "{line:?}: ours {:?}, redis {:?}",
                String::from_utf8_lossy(&mine),
                String::from_utf8_lossy(&expected)
            ));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

#[test]
fn command_describes_every_command_once_in_ten_fields() {
    let server = server();
    let mut c = Client::connect(server.addr());
    let (all, all_raw) = {
        c.send(&encode(&["COMMAND"]));
        c.read()
    };
    let entries = all.items();
    let count = c.cmd(&["COMMAND", "COUNT"]).int();
    assert_eq!(entries.len() as i64, count);
    let mut names = Vec::new();
    let mut subcommands = Vec::new();
    for entry in entries {
        let fields = entry.items();
        assert_eq!(fields.len(), 10, "{entry:?}");
        let name = fields[0].text();
        fields[1].int();
        for flag in fields[2].items() {
            assert!(matches!(flag, Reply::Status(_)), "{name}: {flag:?}");
        }
        for key_field in &fields[3..6] {
            key_field.int();
        }
        for category in fields[6].items() {
            assert!(category.text().starts_with('@'), "{name}");
        }
        for tip in fields[7].items() {
            tip.text();
        }
        for spec in fields[8].items() {
            assert!(spec.items().len() >= 6, "{name}: {spec:?}");
        }
        for sub in fields[9].items() {
            let sub_name = sub.items()[0].text();
            assert!(sub_name.starts_with(&format!("{name}|")), "{sub_name}");
            subcommands.push(sub_name);
        }
        names.push(name);
    }
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    // POST and Host: close HTTP requests; like Redis, COMMAND does not list them.
    assert!(!names.iter().any(|n| n == "post" || n == "host:"));
    assert_eq!(
        c.raw(&["COMMAND", "INFO", "post", "host:"]),
        b"*2\r\n$-1\r\n$-1\r\n"
    );
    let list: Vec<String> = c
        .cmd(&["COMMAND", "LIST"])
        .items()
        .iter()
        .map(Reply::text)
        .collect();
    // COMMAND LIST names the subcommands too (`client|list`), after their container.
    let mut all = names.clone();
    all.extend(subcommands);
    let mut listed = list.clone();
    listed.sort();
    all.sort();
    assert_eq!(listed, all);
    assert!(all.iter().any(|n| n == "object|encoding"));
    // COMMAND INFO with no names is COMMAND (Redis 7.0).
    assert_eq!(c.raw(&["COMMAND", "INFO"]), all_raw);
    // Unknown names give a null, as in Redis; lookup is case-insensitive.
    let reply = c.cmd(&["COMMAND", "INFO", "TIME", "nosuch"]);
    assert_eq!(reply.items()[0].items()[0].text(), "time");
    assert_eq!(reply.items()[1], Reply::Bulk(None));
}

#[test]
fn command_subcommands_and_their_errors_match_redis() {
    let server = server();
    let mut c = Client::connect(server.addr());
    let list = |c: &mut Client, args: &[&str]| -> Vec<String> {
        c.cmd(args).items().iter().map(Reply::text).collect()
    };
    assert_eq!(
        list(&mut c, &["COMMAND", "LIST", "FILTERBY", "PATTERN", "C?NF*"]),
        // redis-server 7.0.15 lists the same names, in its hash table's order.
        [
            "config",
            "config|get",
            "config|set",
            "config|resetstat",
            "config|rewrite",
            "config|help"
        ]
    );
    let fast = list(&mut c, &["COMMAND", "LIST", "FILTERBY", "aclcat", "FAST"]);
    assert!(fast.contains(&"time".to_string()) && fast.contains(&"ping".to_string()));
    assert!(!fast.contains(&"info".to_string()));
    // Expected bytes below are from redis-server 7.0.15.
    let cases: &[(&[&str], &[u8])] = &[
        (
            &["COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"],
            b"*0\r\n",
        ),
        (
            &["COMMAND", "LIST", "FILTERBY", "ACLCAT", "@fast"],
            b"*0\r\n",
        ),
        (&["COMMAND", "LIST", "FILTERBY", "MODULE", "x"], b"*0\r\n"),
        (&["COMMAND", "LIST", "FILTERBY"], b"-ERR syntax error\r\n"),
        (&["COMMAND", "LIST", "FOO"], b"-ERR syntax error\r\n"),
        (
            &["COMMAND", "LIST", "FILTERBY", "FOO", "x"],
            b"-ERR syntax error\r\n",
        ),
        (
            &["COMMAND", "LIST", "FILTERBY", "PATTERN", "x", "y"],
            b"-ERR syntax error\r\n",
        ),
        (
            &["COMMAND", "COUNT", "x"],
            b"-ERR wrong number of arguments for 'command|count' command\r\n",
        ),
        (
            &["COMMAND", "HELP", "x"],
            b"-ERR wrong number of arguments for 'command|help' command\r\n",
        ),
        (
            &["COMMAND", "GETKEYS"],
            b"-ERR wrong number of arguments for 'command|getkeys' command\r\n",
        ),
        (
            &["COMMAND", "GETKEYS", "get"],
            b"-ERR wrong number of arguments for 'command|getkeys' command\r\n",
        ),
        (
            &["COMMAND", "GETKEYS", "nosuch", "a"],
            b"-ERR Invalid command specified\r\n",
        ),
        (
            &["COMMAND", "GETKEYS", "post", "a"],
            b"-ERR Invalid command specified\r\n",
        ),
        (
            &["COMMAND", "GETKEYS", "ping", "x"],
            b"-ERR The command has no key arguments\r\n",
        ),
        (
            &["COMMAND", "GETKEYS", "config", "get", "x"],
            b"-ERR The command has no key arguments\r\n",
        ),
        (
            &["COMMAND", "FOO"],
            b"-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n",
        ),
        (&["COMMAND", "INFO", "nosuch"], b"*1\r\n$-1\r\n"),
    ];
    for (args, expected) in cases {
        assert_eq!(
            String::from_utf8_lossy(&c.raw(args)),
            String::from_utf8_lossy(expected),
            "{args:?}"
        );
    }
    let help = list(&mut c, &["COMMAND", "HELP"]);
    assert_eq!(
        help[0],
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    );
    assert_eq!(help.last().unwrap(), "    Prints this help.");
    for sub in [
        "COUNT",
        "LIST",
        "INFO [<command-name> ...]",
        "DOCS [<command-name> ...]",
        "GETKEYS <full-command>",
    ] {
        assert!(help.iter().any(|l| l == sub), "{sub} in {help:?}");
    }
}

/// What interactive `redis-cli` asks before its first prompt: `COMMAND DOCS` (from which it
/// builds its help and hints: a map from each command's name to its documentation, with at
/// least a summary and a group), then `INFO SERVER` for the version.
#[test]
fn redis_cli_startup_questions_get_answers_it_can_use() {
    let server = server();
    let mut c = Client::connect(server.addr());
    let docs = c.cmd(&["COMMAND", "DOCS"]);
    let docs = docs.items();
    let count = c.cmd(&["COMMAND", "COUNT"]).int();
    assert_eq!(docs.len() as i64, count * 2);
    for pair in docs.chunks(2) {
        let fields: Vec<String> = pair[1].items().iter().step_by(2).map(Reply::text).collect();
        assert!(matches!(pair[0], Reply::Bulk(Some(_))));
        for wanted in ["summary", "since", "group"] {
            assert!(fields.iter().any(|f| f == wanted), "{pair:?}");
        }
    }
    let info = c.cmd(&["INFO", "SERVER"]).text();
    assert!(info.contains("\nredis_version:7.0.15\r"), "{info}");
}

/// A COMMAND DOCS entry made comparable: a container's subcommands kept to those we
/// implement and sorted (Redis lists them in its hash table's order).
fn comparable_docs(entry: &Reply, keep: &dyn Fn(&str) -> bool) -> Reply {
    let mut fields = entry.items().to_vec();
    if let Some(at) = fields
        .iter()
        .position(|f| *f == Reply::Bulk(Some(b"subcommands".to_vec())))
    {
        let mut subs: Vec<(String, Reply)> = fields[at + 1]
            .items()
            .chunks(2)
            .map(|pair| (pair[0].text(), pair[1].clone()))
            .filter(|(name, _)| keep(name))
            .collect();
        subs.sort_by(|a, b| a.0.cmp(&b.0));
        let flat = subs
            .into_iter()
            .flat_map(|(name, docs)| [Reply::Bulk(Some(name.into_bytes())), docs])
            .collect();
        fields[at + 1] = Reply::Array(Some(flat));
    }
    Reply::Array(Some(fields))
}

/// Every command we list is documented by COMMAND DOCS exactly as redis-server 7.0
/// documents it: summary, since, group, complexity, doc flags, history, and the argument
/// tree (types, tokens, key spec indexes, flags, nesting), subcommands inside their
/// container. Also: with no names, one entry per command; unknown names are left out; a
/// subcommand by its full name. Both servers run here; nothing is copied into the test.
///
/// Break checked: dropping `.optional()` from SET's `condition`, emitting argument flags as
/// bulk strings, or leaving out `doc_flags` for deprecated commands each fails it.
#[test]
fn command_docs_match_redis_for_every_implemented_command() {
    let server = server();
    let redis = common::RedisServer::start(&[]);
    let mut ours = Client::connect(server.addr());
    let mut theirs = Client::connect(redis.addr);
    let implemented: Vec<String> = ours
        .cmd(&["COMMAND", "LIST"])
        .items()
        .iter()
        .map(Reply::text)
        .collect();
    let keep = |sub: &str| implemented.iter().any(|n| n == sub);
    let mut differ = Vec::new();
    for name in implemented.iter().filter(|n| !n.contains('|')) {
        let mine = ours.cmd(&["COMMAND", "DOCS", name]);
        let redis_entry = theirs.cmd(&["COMMAND", "DOCS", name]);
        assert_eq!(mine.items().len(), 2, "{name}: {mine:?}");
        assert_eq!(redis_entry.items().len(), 2, "redis-server has no {name}");
        let (mine, redis_entry) = (&mine.items()[1], &redis_entry.items()[1]);
        if comparable_docs(mine, &keep) != comparable_docs(redis_entry, &keep) {
            differ.push(format!(
                "{name}:\n  ours:  {mine:?}\n  redis: {redis_entry:?}"
            ));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    // The same bytes where nothing is left out or reordered.
    let line = [
        "COMMAND",
        "DOCS",
        "set",
        "nosuch",
        "CLIENT|list",
        "brpoplpush",
    ];
    assert_eq!(ours.raw(&line), theirs.raw(&line));
    let all = ours.cmd(&["COMMAND", "DOCS"]);
    let names: Vec<String> = all.items().iter().step_by(2).map(Reply::text).collect();
    let top: Vec<&String> = implemented.iter().filter(|n| !n.contains('|')).collect();
    assert_eq!(names.len(), top.len());
    assert!(top.iter().all(|n| names.contains(n)));
}

/// `redis-cli help <command>` builds its page from COMMAND DOCS: the same page as against
/// redis-server, argument line included.
///
/// Break checked: writing tokens as the JSON spells them (`normal` for `NORMAL`) fails it
/// on CLIENT KILL.
#[test]
fn redis_cli_help_reads_our_docs() {
    let server = server();
    let redis = common::RedisServer::start(&[]);
    for command in [
        &["help", "zadd"][..],
        &["help", "set"],
        &["help", "client", "kill"],
        &["help", "getex"],
        &["help", "rpoplpush"],
    ] {
        let mine = run_tool("redis-cli", server.addr(), command).stdout;
        let theirs = run_tool("redis-cli", redis.addr, command).stdout;
        assert_eq!(
            String::from_utf8_lossy(&mine),
            String::from_utf8_lossy(&theirs)
        );
        assert!(String::from_utf8_lossy(&mine).contains("summary:"));
    }
    let group = run_tool("redis-cli", server.addr(), &["help", "@string"]).stdout;
    assert!(String::from_utf8_lossy(&group).contains("GETRANGE"));
}

// ---------------------------------------------------------------------------------------------
// Real clients
// ---------------------------------------------------------------------------------------------

/// Run a Redis tool against `addr`. The tools are required (CI installs them first): a missing
/// one fails the test rather than skipping it.
fn run_tool(tool: &str, addr: SocketAddr, args: &[&str]) -> Output {
    let port = addr.port().to_string();
    let output = Command::new(tool)
        .args(["-h", "127.0.0.1", "-p", &port])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} (install redis-tools): {e}"));
    assert!(
        output.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn redis_cli_gets_pong_and_config() {
    let server = server();
    let ping = run_tool("redis-cli", server.addr(), &["PING"]);
    assert_eq!(String::from_utf8_lossy(&ping.stdout), "PONG\n");
    assert!(
        ping.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&ping.stderr)
    );
    // Same output as against redis-server 7.0.15 started with --save ''.
    let save = run_tool("redis-cli", server.addr(), &["CONFIG", "GET", "save"]);
    assert_eq!(String::from_utf8_lossy(&save.stdout), "save\n\n");
    assert!(
        save.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&save.stderr)
    );
    let info = run_tool("redis-cli", server.addr(), &["INFO", "server"]);
    assert!(String::from_utf8_lossy(&info.stdout).contains("redis_version:7.0.15"));
}

#[test]
fn redis_benchmark_runs_without_warnings() {
    let server = server();
    let out = run_tool(
        "redis-benchmark",
        server.addr(),
        &["-q", "-n", "2000", "-t", "ping_inline,ping_mbulk"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Without CONFIG GET save/appendonly answers it prints "WARNING: Could not fetch server
    // CONFIG".
    for text in [&stdout, &stderr] {
        assert!(!text.contains("WARN") && !text.contains("ERR"), "{text}");
    }
    assert!(stdout.contains("PING_INLINE: "), "{stdout}");
    assert!(stdout.contains("PING_MBULK: "), "{stdout}");
}

/// Issue 10's measure: redis-benchmark's default run, every test of it, gets no error reply.
/// (redis-benchmark prints "Error from server: ..." for an error reply.)
#[test]
fn redis_benchmark_default_run_gets_no_error_reply() {
    let server = server();
    let out = run_tool("redis-benchmark", server.addr(), &["-q", "-n", "2000"]);
    let stdout = String::from_utf8_lossy(&out.stdout).replace('\r', "\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for text in [&stdout[..], &stderr[..]] {
        assert!(!text.contains("ERR") && !text.contains("rror"), "{text}");
    }
    for test in [
        "PING_INLINE",
        "PING_MBULK",
        "SET",
        "GET",
        "INCR",
        "LPUSH",
        "RPUSH",
        "LPOP",
        "RPOP",
        "SADD",
        "HSET",
        "SPOP",
        "ZADD",
        "ZPOPMIN",
        "LRANGE_100",
        "LRANGE_300",
        "LRANGE_500",
        "LRANGE_600",
        "MSET",
    ] {
        let shown = stdout.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with(test) && l.contains("requests per second")
        });
        assert!(shown, "no {test} result in:\n{stdout}");
    }
}

/// `MEMORY USAGE` measures what a key really costs: it grows with the value, counts every
/// element when asked to (`SAMPLES 0`), and for values bigger than their key stays within a
/// factor of two of redis-server's figure for the same data (the two layouts differ; the order
/// of magnitude must not).
#[test]
fn memory_usage_tracks_the_value_and_is_near_redis() {
    let redis = common::RedisServer::start(&["--hash-max-listpack-entries", "128"]);
    let ours = server();
    let mut clients = [Client::connect(redis.addr), Client::connect(ours.addr())];
    clients[1].cmd(&["CONFIG", "SET", "hash-max-listpack-entries", "128"]);
    let long = "x".repeat(1000);
    let mut usage = Vec::new();
    for c in &mut clients {
        c.cmd(&["SET", "short", "hello"]);
        c.cmd(&["SET", "long", &long]);
        for i in 0..10 {
            c.cmd(&["HSET", "small", &format!("f{i}"), &format!("{i}")]);
        }
        for i in 0..1000 {
            c.cmd(&["HSET", "big", &format!("field:{i}"), &format!("value:{i}")]);
        }
        let mut sizes = Vec::new();
        for key in ["short", "long", "small", "big"] {
            sizes.push(c.cmd(&["MEMORY", "USAGE", key, "SAMPLES", "0"]).int());
        }
        usage.push(sizes);
    }
    let (theirs, mine) = (&usage[0], &usage[1]);
    assert!(mine[1] >= 1000 && mine[1] > mine[0], "{mine:?}");
    assert!(mine[3] > 1000 * 16 && mine[3] > mine[2], "{mine:?}");
    // Where the value dominates, the two servers' figures agree closely; for a 5-byte string
    // the per-key overhead dominates, and ours is larger (see docs/17), so only its floor is
    // checked.
    assert!(mine[0] > "short".len() as i64 + 5, "{mine:?}");
    for (name, (t, m)) in ["long", "small", "big"]
        .iter()
        .zip(theirs[1..].iter().zip(&mine[1..]))
    {
        assert!(
            *m * 2 >= *t && *m <= *t * 2,
            "MEMORY USAGE {name}: ours {m}, redis {t}"
        );
    }
}

/// Every container's HELP is written by one writer, as Redis's `addReplyHelp`: the header
/// names the container in capitals, the footer is HELP's own entry; both as redis-server
/// writes them, whose subcommand lists are longer (it has more subcommands).
///
/// Break checked: `Exec::help`'s footer as CLIENT HELP's used to be ("    Print this help.")
/// → every container differs from redis-server, fails.
#[test]
fn every_help_has_redis_header_and_footer() {
    let redis = common::RedisServer::start(&[]);
    let server = server();
    let mut ours = Client::connect(server.addr());
    let mut theirs = Client::connect(redis.addr);
    for container in ["CLIENT", "CONFIG", "COMMAND", "MEMORY", "OBJECT", "PUBSUB"] {
        let mut ends = Vec::new();
        for c in [&mut ours, &mut theirs] {
            let lines: Vec<String> = c
                .cmd(&[container, "help"])
                .items()
                .iter()
                .map(Reply::text)
                .collect();
            let n = lines.len();
            assert!(n >= 3, "{container} HELP: {lines:?}");
            ends.push((lines[0].clone(), lines[n - 2].clone(), lines[n - 1].clone()));
        }
        assert_eq!(ends[0], ends[1], "{container} HELP");
        assert_eq!(
            ends[0].0,
            format!("{container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
        );
    }
}

/// Every container runs its subcommands through one path: an unknown subcommand, a wrong
/// argument count (HELP included) and the name CLIENT LIST reports (`cmd=pubsub|numpat`) are
/// redis-server's, for each of them.
///
/// Break checked: `Exec::run_subcommand` without its arity check (running the subcommand
/// whatever the count) → `PUBSUB HELP x` and the others answer HELP, fails.
#[test]
fn subcommands_take_one_path_in_every_container() {
    let redis = common::RedisServer::start(&[]);
    let server = server();
    let cases: &[&[u8]] = &[
        b"CLIENT HELP x\r\nCLIENT ID x\r\nCLIENT GETNAME x\r\nCLIENT nosuch\r\n",
        b"PUBSUB HELP x\r\nPUBSUB NUMPAT x\r\nPUBSUB nosuch\r\nPUBSUB CHANNELS a b\r\n",
        b"OBJECT HELP x\r\nOBJECT ENCODING\r\nOBJECT ENCODING a b\r\nOBJECT nosuch k\r\n",
        b"MEMORY HELP x\r\nMEMORY USAGE\r\nMEMORY nosuch\r\n",
        b"CONFIG HELP x\r\nCONFIG RESETSTAT x\r\nCONFIG GET\r\nCONFIG nosuch\r\n",
        b"COMMAND HELP x\r\nCOMMAND COUNT x\r\nCOMMAND GETKEYS get\r\n",
    ];
    common::assert_same_replies(cases, redis.addr, server.addr(), |addr, case| {
        common::exchange(addr, case, Duration::from_millis(200))
    });
    // The full name of the subcommand a client last ran, as another client sees it.
    let last_command = |addr: SocketAddr, args: &[&str]| -> String {
        let mut runner = Client::connect(addr);
        runner.cmd(&["CLIENT", "SETNAME", "runner"]);
        runner.cmd(args);
        let list = Client::connect(addr).cmd(&["CLIENT", "LIST"]).text();
        let line = list
            .lines()
            .find(|l| l.contains(" name=runner "))
            .unwrap_or_else(|| panic!("{list}"))
            .to_string();
        line.split(' ')
            .find_map(|f| f.strip_prefix("cmd="))
            .unwrap()
            .to_string()
    };
    for args in [
        &["PUBSUB", "NUMPAT"][..],
        &["OBJECT", "HELP"],
        &["CONFIG", "GET", "port"],
        &["MEMORY", "HELP"],
        &["CLIENT", "ID"],
        &["COMMAND", "COUNT"],
    ] {
        assert_eq!(
            last_command(server.addr(), args),
            last_command(redis.addr, args),
            "{args:?}"
        );
    }
}

/// CONFIG SET's replies for the parameters the loop owns, and what redis-server answers to the
/// same (good values, bad values, several pairs at once).
///
/// Break checked: making `maxclients` fixed again turns `+OK` into "can't set immutable
/// config".
#[test]
fn config_set_of_loop_limits_answers_as_redis() {
    let server = server();
    let redis = common::RedisServer::start(&[]);
    let cases: &[&[&str]] = &[
        &["CONFIG", "SET", "timeout", "70"],
        &["CONFIG", "SET", "timeout", "-1"],
        &["CONFIG", "SET", "timeout", "abc"],
        &["CONFIG", "SET", "maxclients", "500"],
        &["CONFIG", "SET", "maxclients", "0"],
        &["CONFIG", "SET", "maxclients", "x"],
        &["CONFIG", "SET", "client-query-buffer-limit", "2mb"],
        &["CONFIG", "SET", "client-query-buffer-limit", "100"],
        &["CONFIG", "SET", "protected-mode", "no"],
        &["CONFIG", "SET", "protected-mode", "maybe"],
        &["CONFIG", "SET", "timeout", "5", "maxclients", "600"],
        &["CONFIG", "SET", "timeout", "6", "maxclients", "y"],
        &["CONFIG", "GET", "timeout"],
        &["CONFIG", "GET", "maxclients"],
        &["CONFIG", "GET", "client-query-buffer-limit"],
        &["CONFIG", "SET", "requirepass", "sesame"],
        &["CONFIG", "GET", "requirepass"],
        &["CONFIG", "SET", "requirepass", ""],
        &["CONFIG", "GET", "requirepass"],
        &["CONFIG", "SET", "latency-tracking", "no"],
        &["CONFIG", "GET", "latency-tracking"],
        &["CONFIG", "SET", "latency-tracking", "maybe"],
        &[
            "CONFIG",
            "SET",
            "latency-tracking-info-percentiles",
            "50 99.90 100",
        ],
        &["CONFIG", "GET", "latency-tracking-info-percentiles"],
        &["CONFIG", "SET", "latency-tracking-info-percentiles", "abc"],
        &["CONFIG", "SET", "latency-tracking-info-percentiles", "101"],
        &["CONFIG", "SET", "latency-tracking-info-percentiles", ""],
        &["CONFIG", "GET", "latency-tracking-info-percentiles"],
    ];
    let mut ours = Client::connect(server.addr());
    let mut theirs = Client::connect(redis.addr);
    for case in cases {
        assert_eq!(
            String::from_utf8_lossy(&ours.raw(case)),
            String::from_utf8_lossy(&theirs.raw(case)),
            "{case:?}"
        );
    }
}

/// A port nobody listens on (found by binding port 0 and letting it go).
fn free_port() -> u16 {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    probe.local_addr().unwrap().port()
}

/// CONFIG SET port and bind move the listeners while the server runs, as Redis does: the new
/// address serves, the old one is closed, connections already open carry on; a port in use
/// is refused with Redis's words and nothing changes (the other pairs of the same call
/// included); each bind address gets a listener, and one dropped from the list is closed.
///
/// Break checked: not swapping the listeners in (`replace_listeners` left out of the loop's
/// turn) leaves the new port refusing connections; keeping the old listener beside the new
/// one leaves the old port open.
#[test]
fn config_set_port_and_bind_move_the_listeners() {
    let server = server();
    let old = server.addr();
    let mut open = Client::connect(old);
    let port = free_port();
    let port_text = port.to_string();
    assert_eq!(open.raw(&["CONFIG", "SET", "port", &port_text]), b"+OK\r\n");
    let moved = SocketAddr::from(([127, 0, 0, 1], port));
    let mut fresh = Client::connect(moved);
    assert_eq!(fresh.raw(&["PING"]), b"+PONG\r\n");
    assert!(
        TcpStream::connect(old).is_err(),
        "the old port still listens"
    );
    assert_eq!(open.raw(&["PING"]), b"+PONG\r\n");
    let got = fresh.cmd(&["CONFIG", "GET", "port"]);
    assert_eq!(got.items()[1].text(), port_text);
    let info = fresh.cmd(&["INFO", "server"]).text();
    assert!(info.contains(&format!("tcp_port:{port}\r\n")), "{info}");

    // A port in use: refused, and the timeout set beside it is not applied.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_port = taken.local_addr().unwrap().port().to_string();
    assert_eq!(
        String::from_utf8_lossy(&fresh.raw(&[
            "CONFIG",
            "SET",
            "timeout",
            "77",
            "port",
            &taken_port
        ])),
        "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on \
         this port. Check server logs.\r\n"
    );
    assert_eq!(
        fresh.cmd(&["CONFIG", "GET", "timeout"]).items()[1].text(),
        "0"
    );
    assert_eq!(Client::connect(moved).raw(&["PING"]), b"+PONG\r\n");

    // Two addresses (all of 127.0.0.0/8 is this machine's on Linux), then one again.
    let both = fresh.raw(&["CONFIG", "SET", "bind", "127.0.0.1 127.0.0.2"]);
    assert_eq!(both, b"+OK\r\n");
    let second = SocketAddr::from(([127, 0, 0, 2], port));
    assert_eq!(Client::connect(second).raw(&["PING"]), b"+PONG\r\n");
    let shown = fresh.cmd(&["CONFIG", "GET", "bind"]);
    assert_eq!(shown.items()[1].text(), "127.0.0.1 127.0.0.2");
    assert_eq!(
        fresh.raw(&["CONFIG", "SET", "bind", "127.0.0.1"]),
        b"+OK\r\n"
    );
    eventually("127.0.0.2 to close", || TcpStream::connect(second).is_err());
    assert_eq!(fresh.raw(&["PING"]), b"+PONG\r\n");
}

/// Limits changed by CONFIG SET hold at once, for connections already open too: `maxclients`
/// refuses the next client, `client-query-buffer-limit` closes a client over it, `timeout`
/// closes an idle one, `requirepass` binds new connections (and, cleared, frees them).
///
/// Break checked: not handing `maxclients` to the loop (`set_max_clients`) lets the third
/// client in; not handing it the timeout leaves the idle client open.
#[test]
fn config_set_limits_take_effect_on_open_connections() {
    let server = server();
    let mut admin = Client::connect(server.addr());
    // maxclients: two are open (admin, other); the third is refused, as Redis refuses it.
    let mut other = Client::connect(server.addr());
    assert_eq!(admin.raw(&["CONFIG", "SET", "maxclients", "2"]), b"+OK\r\n");
    let mut third = common::connect(server.addr());
    let (reply, _) = common::read_to_close(&mut third);
    assert_eq!(reply, b"-ERR max number of clients reached\r\n");
    assert_eq!(
        admin.raw(&["CONFIG", "SET", "maxclients", "100"]),
        b"+OK\r\n"
    );
    assert_eq!(other.raw(&["PING"]), b"+PONG\r\n");

    // client-query-buffer-limit: a request growing past 1 MiB closes its connection.
    assert_eq!(
        admin.raw(&["CONFIG", "SET", "client-query-buffer-limit", "1mb"]),
        b"+OK\r\n"
    );
    let mut big = common::connect(server.addr());
    let mut request = b"*2\r\n$4\r\nECHO\r\n$3000000\r\n".to_vec();
    request.extend(std::iter::repeat_n(b'x', 1_500_000));
    let _ = big.write_all(&request);
    let (reply, _) = common::read_to_close(&mut big);
    assert!(reply.is_empty(), "{}", String::from_utf8_lossy(&reply));
    assert_eq!(other.raw(&["PING"]), b"+PONG\r\n");

    // requirepass: the open connections stay authenticated; a new one must AUTH.
    assert_eq!(
        admin.raw(&["CONFIG", "SET", "requirepass", "sesame"]),
        b"+OK\r\n"
    );
    let mut newcomer = Client::connect(server.addr());
    assert_eq!(
        newcomer.raw(&["PING"]),
        b"-NOAUTH Authentication required.\r\n"
    );
    assert_eq!(other.raw(&["PING"]), b"+PONG\r\n");
    assert_eq!(admin.raw(&["CONFIG", "SET", "requirepass", ""]), b"+OK\r\n");
    // Cleared, it binds nobody: the newcomer is let in without AUTH, as in Redis.
    assert_eq!(newcomer.raw(&["PING"]), b"+PONG\r\n");

    // timeout: `idle` says nothing after the timeout is set and is closed; `admin` keeps
    // talking and stays.
    let mut idle = common::connect(server.addr());
    assert_eq!(admin.raw(&["CONFIG", "SET", "timeout", "1"]), b"+OK\r\n");
    let started = Instant::now();
    idle.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut closed = false;
    while started.elapsed() < Duration::from_secs(10) && !closed {
        assert_eq!(admin.raw(&["PING"]), b"+PONG\r\n");
        let mut byte = [0u8; 1];
        closed = matches!(idle.read(&mut byte), Ok(0));
    }
    assert!(closed, "the idle client was not closed");
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(admin.raw(&["PING"]), b"+PONG\r\n");
}

/// CLIENT KILL closes the clients its filters pick (by id, by type, by address) at once, and
/// spares the caller unless asked; CLIENT LIST's filters pick the same ones; CLIENT INFO is the
/// caller's own line.
///
/// Break checked: matching `TYPE pubsub` on every client kills `bystander` too; leaving the
/// caller out of `every_client` empties CLIENT INFO.
#[test]
fn client_kill_and_list_filters_pick_the_right_clients() {
    let server = server();
    let mut admin = Client::connect(server.addr());
    let mut bystander = Client::connect(server.addr());
    let mut subscriber = Client::connect(server.addr());
    subscriber.cmd(&["SUBSCRIBE", "news"]);
    let bystander_id = bystander.cmd(&["CLIENT", "ID"]).int().to_string();
    let admin_id = admin.cmd(&["CLIENT", "ID"]).int().to_string();

    let info = admin.cmd(&["CLIENT", "INFO"]).text();
    assert!(info.starts_with(&format!("id={admin_id} ")), "{info}");
    assert!(
        info.ends_with("cmd=client|info user=default redir=-1 resp=2\n"),
        "{info}"
    );
    // The running request is in the query buffer, as in Redis: `*2 $6 CLIENT $4 INFO`, and
    // its arguments are its argv-mem (6 + 4); another client runs nothing.
    assert!(info.contains(" qbuf=26 "), "{info}");
    assert!(info.contains(" argv-mem=10 "), "{info}");
    let pubsub = admin.cmd(&["CLIENT", "LIST", "TYPE", "pubsub"]).text();
    assert!(pubsub.contains(" argv-mem=0 "), "{pubsub}");
    assert_eq!(pubsub.lines().count(), 1, "{pubsub}");
    assert!(pubsub.contains(" flags=P "), "{pubsub}");
    let normal = admin.cmd(&["CLIENT", "LIST", "TYPE", "NORMAL"]).text();
    assert_eq!(normal.lines().count(), 2, "{normal}");
    let picked = admin
        .cmd(&["CLIENT", "LIST", "ID", &bystander_id, "999999", &admin_id])
        .text();
    let ids: Vec<&str> = picked
        .lines()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        ids,
        [format!("id={admin_id}"), format!("id={bystander_id}")]
    );

    // By type: the subscriber goes, the bystander stays.
    assert_eq!(admin.cmd(&["CLIENT", "KILL", "TYPE", "pubsub"]).int(), 1);
    let (rest, _) = common::read_to_close(subscriber.stream());
    assert!(rest.is_empty());
    assert_eq!(bystander.raw(&["PING"]), b"+PONG\r\n");
    // By address (the old form): +OK, and the bystander is gone.
    let addr = bystander.stream().local_addr().unwrap().to_string();
    assert_eq!(admin.raw(&["CLIENT", "KILL", &addr]), b"+OK\r\n");
    let (rest, _) = common::read_to_close(bystander.stream());
    assert!(rest.is_empty());
    // SKIPME yes (the default) spares the caller; no kills it after its reply.
    assert_eq!(admin.cmd(&["CLIENT", "KILL", "TYPE", "normal"]).int(), 0);
    admin.send(&encode(&[
        "CLIENT", "KILL", "ID", &admin_id, "SKIPME", "no",
    ]));
    let (rest, _) = common::read_to_close(admin.stream());
    assert_eq!(rest, b":1\r\n");
}

/// Read one reply within `wait`, or `None` if none has come.
fn reply_within(c: &mut Client, wait: Duration) -> Option<Vec<u8>> {
    c.stream().set_read_timeout(Some(wait)).unwrap();
    let mut first = [0u8; 1];
    let got = match c.reader.read(&mut first) {
        Ok(1) => {
            c.stream().set_read_timeout(Some(TIMEOUT)).unwrap();
            let mut rest = Vec::new();
            let mut line = String::new();
            c.reader.read_line(&mut line).unwrap();
            rest.push(first[0]);
            rest.extend_from_slice(line.as_bytes());
            Some(rest)
        }
        _ => None,
    };
    c.stream().set_read_timeout(Some(TIMEOUT)).unwrap();
    got
}

/// CLIENT PAUSE holds commands, not connections: under WRITE a read is answered at once and a
/// write waits, unanswered, until the pause ends (its timeout, or UNPAUSE); under ALL every
/// command waits; a request with an error is answered at once. Meanwhile nothing expires: a
/// key past its deadline reads as missing but stays until the pause ends.
///
/// Break checked: not holding (`State::holds` always false) answers the SET at once; deleting
/// expired keys while frozen makes DBSIZE 0 during the pause.
#[test]
fn client_pause_holds_commands_until_it_ends() {
    let server = server();
    let mut admin = Client::connect(server.addr());
    let mut other = Client::connect(server.addr());
    // WRITE, ended by UNPAUSE.
    assert_eq!(
        admin.raw(&["CLIENT", "PAUSE", "20000", "WRITE"]),
        b"+OK\r\n"
    );
    assert_eq!(other.raw(&["GET", "k"]), b"$-1\r\n");
    assert_eq!(
        other.raw(&["SET", "k"]),
        b"-ERR wrong number of arguments for 'set' command\r\n"
    );
    other.send(&encode(&["SET", "k", "v"]));
    assert_eq!(reply_within(&mut other, Duration::from_millis(300)), None);
    assert_eq!(admin.raw(&["CLIENT", "UNPAUSE"]), b"+OK\r\n");
    assert_eq!(
        reply_within(&mut other, TIMEOUT).as_deref(),
        Some(&b"+OK\r\n"[..])
    );
    // ALL, ended by its timeout: even a read waits.
    let started = Instant::now();
    assert_eq!(admin.raw(&["CLIENT", "PAUSE", "400", "ALL"]), b"+OK\r\n");
    assert_eq!(other.raw(&["PING"]), b"+PONG\r\n");
    assert!(
        started.elapsed() >= Duration::from_millis(350),
        "{:?}",
        started.elapsed()
    );
    // Expiry stands still while paused.
    assert_eq!(admin.raw(&["SET", "short", "v", "PX", "50"]), b"+OK\r\n");
    assert_eq!(
        admin.raw(&["CLIENT", "PAUSE", "20000", "WRITE"]),
        b"+OK\r\n"
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(admin.raw(&["GET", "short"]), b"$-1\r\n");
    assert_eq!(admin.raw(&["DBSIZE"]), b":2\r\n");
    assert_eq!(admin.info_number("stats", "expired_keys"), 0);
    assert_eq!(admin.raw(&["CLIENT", "UNPAUSE"]), b"+OK\r\n");
    assert_eq!(admin.raw(&["GET", "short"]), b"$-1\r\n");
    assert_eq!(admin.raw(&["DBSIZE"]), b":1\r\n");
}

/// One line a monitor received, its timestamp dropped: `[0 addr] "arg" ...`.
fn monitor_line(c: &mut Client) -> String {
    let line = c.cmd(&[]).text();
    let (time, rest) = line.split_once(' ').expect("a time, then the rest");
    let (seconds, micros) = time.split_once('.').expect("seconds.micros");
    assert!(
        seconds.parse::<u64>().is_ok() && micros.len() == 6,
        "{line}"
    );
    rest.to_string()
}

/// MONITOR shows every command another client runs, in Redis's format and quoting, with
/// AUTH's password and HELLO's credentials redacted and administrative commands left out; a
/// second MONITOR is ignored; and a monitor that stops reading is cut off by the output limit
/// while the writer carries on.
///
/// Break checked: dropping the administrative exception shows `"CONFIG" "GET" ...` where the
/// AUTH line should be.
#[test]
fn monitor_shows_every_command_as_redis_prints_it() {
    let server = server();
    let mut watcher = Client::connect(server.addr());
    let mut other = Client::connect(server.addr());
    assert_eq!(watcher.raw(&["MONITOR"]), b"+OK\r\n");
    let addr = other.stream().local_addr().unwrap().to_string();
    other.cmd(&["SET", "a b", "x\"y\n\x01"]);
    other.cmd(&["CONFIG", "GET", "maxclients"]);
    other.cmd(&["AUTH", "secret"]);
    other.cmd(&["HELLO", "2", "AUTH", "default", "secret"]);
    other.cmd(&["GET", "a b"]);
    assert_eq!(
        monitor_line(&mut watcher),
        format!("[0 {addr}] \"SET\" \"a b\" \"x\\\"y\\n\\x01\"")
    );
    assert_eq!(
        monitor_line(&mut watcher),
        format!("[0 {addr}] \"AUTH\" \"(redacted)\"")
    );
    assert_eq!(
        monitor_line(&mut watcher),
        format!("[0 {addr}] \"HELLO\" \"2\" \"AUTH\" \"(redacted)\" \"(redacted)\"")
    );
    assert_eq!(
        monitor_line(&mut watcher),
        format!("[0 {addr}] \"GET\" \"a b\"")
    );
    // A second MONITOR gets no reply; the next command's line is what comes.
    watcher.send(&encode(&["MONITOR"]));
    other.cmd(&["PING"]);
    assert_eq!(monitor_line(&mut watcher), format!("[0 {addr}] \"PING\""));

    // A monitor that stops reading, over a 1 MiB normal-class limit, is closed.
    assert_eq!(
        other.raw(&[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 1mb 0 0"
        ]),
        b"+OK\r\n"
    );
    let value = "v".repeat(64 * 1024);
    let started = Instant::now();
    let mut closed = false;
    while !closed && started.elapsed() < TIMEOUT {
        assert_eq!(other.raw(&["SET", "k", &value]), b"+OK\r\n");
        closed = other.info_number("stats", "total_net_output_bytes") > 0
            && Client::connect(server.addr())
                .cmd(&["CLIENT", "LIST"])
                .text()
                .lines()
                .count()
                < 3;
    }
    assert!(closed, "the monitor was not cut off");
    assert_eq!(other.raw(&["PING"]), b"+PONG\r\n");
}

/// The slow log keeps commands at least `slowlog-log-slower-than` microseconds long, newest
/// first, with the client's address and name, arguments cut as Redis cuts them, at most
/// `slowlog-max-len`; LATENCY records a command over `latency-monitor-threshold`.
///
/// Break checked: a `slow_bound` not recomputed by CONFIG SET logs nothing at threshold 0.
#[test]
fn slowlog_and_latency_record_slow_commands() {
    let server = server();
    let mut c = Client::connect(server.addr());
    c.cmd(&["CLIENT", "SETNAME", "worker"]);
    assert_eq!(c.raw(&["SLOWLOG", "GET"]), b"*0\r\n");
    c.cmd(&[
        "CONFIG",
        "SET",
        "slowlog-log-slower-than",
        "0",
        "slowlog-max-len",
        "3",
    ]);
    let long = "x".repeat(200);
    c.cmd(&["SET", "k", &long]);
    c.cmd(&["GET", "k"]);
    let entries = c.cmd(&["SLOWLOG", "GET", "-1"]);
    let entries = entries.items();
    assert_eq!(entries.len(), 3);
    let newest = entries[0].items();
    let args: Vec<String> = newest[3].items().iter().map(Reply::text).collect();
    assert_eq!(args, ["GET", "k"]);
    let addr = c.stream().local_addr().unwrap().to_string();
    assert_eq!(newest[4].text(), addr);
    assert_eq!(newest[5].text(), "worker");
    let set: Vec<String> = entries[1].items()[3]
        .items()
        .iter()
        .map(Reply::text)
        .collect();
    assert_eq!(set[2], format!("{}... (72 more bytes)", "x".repeat(128)));
    assert!(entries[0].items()[0].int() > entries[1].items()[0].int());
    assert_eq!(c.raw(&["SLOWLOG", "RESET"]), b"+OK\r\n");
    c.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "-1"]);
    c.cmd(&["GET", "k"]);
    // Only RESET itself, which ran under threshold 0, as in Redis.
    let left = c.cmd(&["SLOWLOG", "GET"]);
    let args: Vec<String> = left.items()[0].items()[3]
        .items()
        .iter()
        .map(Reply::text)
        .collect();
    assert_eq!(
        (left.items().len(), args),
        (1, vec!["SLOWLOG".to_string(), "RESET".to_string()])
    );

    // A command of several milliseconds: SMEMBERS of 200,000 members, above a 1 ms threshold.
    for chunk in 0..20 {
        let mut args = vec!["SADD".to_string(), "big".to_string()];
        args.extend((0..10_000).map(|i| format!("m{chunk}-{i}")));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        c.cmd(&args);
    }
    assert_eq!(
        c.raw(&["CONFIG", "SET", "latency-monitor-threshold", "1"]),
        b"+OK\r\n"
    );
    let mut recorded = false;
    for _ in 0..20 {
        c.cmd(&["SMEMBERS", "big"]);
        let latest = c.cmd(&["LATENCY", "LATEST"]);
        if let Some(event) = latest.items().first() {
            let event = event.items();
            assert_eq!(event[0].text(), "command");
            assert!(event[2].int() >= 1 && event[3].int() >= event[2].int());
            recorded = true;
            break;
        }
    }
    assert!(recorded, "no latency event for a slow SMEMBERS");
    assert!(!c.cmd(&["LATENCY", "HISTORY", "command"]).items().is_empty());
    // GRAPH draws the event (title, rule, bars); DOCTOR reports it in words.
    let graph = c.cmd(&["LATENCY", "GRAPH", "command"]).text();
    assert!(graph.starts_with("command - high "), "{graph}");
    assert!(
        graph.contains(&format!("\n{}\n", "-".repeat(80))),
        "{graph}"
    );
    let doctor = c.cmd(&["LATENCY", "DOCTOR"]).text();
    assert!(doctor.contains("1. command: "), "{doctor}");
    assert_eq!(
        c.raw(&["LATENCY", "GRAPH", "nosuch"]),
        b"-ERR No samples available for event 'nosuch'\r\n"
    );
    // Off first, so that no later command (on a loaded machine) records a new event.
    c.cmd(&["CONFIG", "SET", "latency-monitor-threshold", "0"]);
    assert_eq!(c.cmd(&["LATENCY", "RESET"]).int(), 1);
    assert_eq!(c.raw(&["LATENCY", "LATEST"]), b"*0\r\n");
    let doctor = c.cmd(&["LATENCY", "DOCTOR"]).text();
    assert!(doctor.contains("latency monitor is off"), "{doctor}");
    // LATENCY HISTOGRAM: a container stands for its subcommands; counts only grow.
    let histogram = c.cmd(&["LATENCY", "HISTOGRAM", "client", "nosuch", "smembers"]);
    let histogram = histogram.items();
    let names: Vec<String> = histogram.iter().step_by(2).map(Reply::text).collect();
    assert_eq!(names, ["client|setname", "smembers"]);
    let smembers = histogram[3].items();
    assert_eq!(smembers[0].text(), "calls");
    let calls = smembers[1].int();
    let steps: Vec<i64> = smembers[3].items().iter().map(Reply::int).collect();
    let counts: Vec<i64> = steps.iter().skip(1).step_by(2).copied().collect();
    assert!(counts.windows(2).all(|w| w[0] < w[1]), "{steps:?}");
    assert_eq!(counts.last().copied(), Some(calls));

    // INFO latencystats shows the configured percentiles, and nothing once tracking is off.
    c.cmd(&[
        "CONFIG",
        "SET",
        "latency-tracking-info-percentiles",
        "25 100",
    ]);
    let text = c.cmd(&["INFO", "latencystats"]).text();
    let line = text
        .lines()
        .find(|l| l.starts_with("latency_percentiles_usec_smembers:"))
        .expect("a smembers line");
    assert!(
        line.contains(":p25=") && line.contains(",p100=") && !line.contains("p50"),
        "{line}"
    );
    c.cmd(&["CONFIG", "SET", "latency-tracking", "no"]);
    c.cmd(&["CONFIG", "RESETSTAT"]);
    c.cmd(&["GET", "k"]);
    let text = c.cmd(&["INFO", "latencystats"]).text();
    assert!(!text.contains("latency_percentiles_usec_"), "{text}");
}
