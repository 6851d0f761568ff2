//! Helpers shared by the black-box tests: start a server on 127.0.0.1:0, talk bytes to it over
//! plain blocking sockets, and never wait forever.
//!
//! Every socket gets a read and write timeout ([`IO_TIMEOUT`]), so a stalled server makes a test
//! fail with a message instead of hanging the suite.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use reactor::ServerHandle;
use reactor::config::Config;
use reactor::reactor::Faults;

/// The longest any single socket operation may block in a test.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// A server on a background thread, on 127.0.0.1 and a free port, with these faults injected.
pub fn start(faults: Faults) -> ServerHandle {
    let mut config = Config::ephemeral();
    config.faults = faults;
    reactor::spawn(config).expect("server starts")
}

/// A blocking client socket with timeouts and `TCP_NODELAY` (so each `write` is its own segment).
pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect to the server");
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

/// A connection that has run MONITOR (its `+OK` read): every command's line comes to it.
pub fn monitor(addr: SocketAddr) -> TcpStream {
    let mut monitor = connect(addr);
    std::io::Write::write_all(&mut monitor, b"MONITOR\r\n").unwrap();
    assert_eq!(read_n(&mut monitor, 5), b"+OK\r\n");
    monitor
}

/// What a MONITOR connection has received up to and including a line that contains `needle`
/// (within 5 s, else the test fails with what did arrive).
pub fn monitor_until(monitor: &mut TcpStream, needle: &str) -> String {
    let mut seen = String::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !seen.contains(needle) {
        assert!(std::time::Instant::now() < deadline, "{seen}");
        let mut buf = [0u8; 4096];
        let n = std::io::Read::read(monitor, &mut buf).unwrap();
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    seen
}

/// Read exactly `n` bytes, failing the test (with what did arrive) on EOF, reset or timeout.
pub fn read_n(stream: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0; n];
    let mut got = 0;
    while got < n {
        match stream.read(&mut buf[got..]) {
            Ok(0) => panic!(
                "EOF after {got} of {n} bytes; got so far: {:?}",
                preview(&buf[..got])
            ),
            Ok(k) => got += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => panic!(
                "read failed after {got} of {n} bytes ({e}); got so far: {:?}",
                preview(&buf[..got])
            ),
        }
    }
    buf
}

/// How the server ended a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Close {
    /// An orderly FIN: `read` returned 0.
    Eof,
    /// A reset. The server closing a socket that still held unread input sends RST instead of
    /// FIN (the kernel's rule, not ours): Redis does exactly the same.
    Reset,
}

/// Read until the server closes the connection; fails the test on a timeout.
pub fn read_to_close(stream: &mut TcpStream) -> (Vec<u8>, Close) {
    let mut out = Vec::new();
    let mut buf = vec![0; 64 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (out, Close::Eof),
            Ok(k) => out.extend_from_slice(&buf[..k]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return (out, Close::Reset),
            Err(e) => panic!(
                "the server did not close the connection ({e}); got: {:?}",
                preview(&out)
            ),
        }
    }
}

/// Assert that nothing arrives on `stream` within `wait` (the connection stays open and silent).
pub fn assert_silent(stream: &mut TcpStream, wait: Duration) {
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0; 256];
    match stream.read(&mut buf) {
        Ok(0) => panic!("the server closed the connection"),
        Ok(k) => panic!("unexpected bytes: {:?}", preview(&buf[..k])),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) => {}
        Err(e) => panic!("read failed: {e}"),
    }
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
}

/// Write `data` from a second thread while this one reads `reply_len` bytes. A client that
/// pipelines more than the kernel buffers hold must read while it writes, or both sides block.
pub fn write_while_reading(stream: &mut TcpStream, data: Vec<u8>, reply_len: usize) -> Vec<u8> {
    let mut writer = stream.try_clone().unwrap();
    let handle = thread::spawn(move || writer.write_all(&data));
    let reply = read_n(stream, reply_len);
    handle
        .join()
        .expect("writer thread")
        .expect("write the request");
    reply
}

/// A multibulk request.
pub fn command(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The bulk-string reply for `data`.
pub fn bulk(data: &[u8]) -> Vec<u8> {
    let mut out = format!("${}\r\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}

/// `n` bytes of a pattern that is not all one byte, so a misplaced or dropped chunk shows.
pub fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

/// `multibulk PING`, `n` times.
pub fn pings(n: usize) -> Vec<u8> {
    b"*1\r\n$4\r\nPING\r\n".repeat(n)
}

/// A short, printable rendering of some bytes for failure messages.
pub fn preview(bytes: &[u8]) -> String {
    let head: String = bytes.iter().take(200).copied().map(char::from).collect();
    format!(
        "{} bytes: {head:?}{}",
        bytes.len(),
        if bytes.len() > 200 { "..." } else { "" }
    )
}

/// Resident memory of a process, KiB (`VmRSS` in `/proc/PID/status`).
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// The real `reactor-server` binary, run as a child process on a free port. Killed if still
/// running when dropped.
pub struct Binary {
    pub child: Child,
    pub addr: SocketAddr,
    /// Every stderr line after the ready line, as the server logs it.
    pub log: mpsc::Receiver<String>,
}

impl Binary {
    pub fn start(extra_args: &[&str]) -> Binary {
        Binary::start_with(None, extra_args)
    }

    /// Started with a config file (`reactor-server FILE --port 0 ... extra_args`).
    pub fn start_with_file(file: &std::path::Path, extra_args: &[&str]) -> Binary {
        Binary::start_with(Some(file), extra_args)
    }

    fn start_with(file: Option<&std::path::Path>, extra_args: &[&str]) -> Binary {
        let mut child = Command::new(env!("CARGO_BIN_EXE_reactor-server"))
            .args(file)
            .args(["--port", "0", "--loglevel", "info"])
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start reactor-server");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (addr_tx, addr_rx) = mpsc::channel();
        let (log_tx, log) = mpsc::channel();
        // Keep draining stderr for the child's whole life, or its logging would block on a full
        // pipe.
        thread::spawn(move || {
            const READY: &str = "ready to accept connections on ";
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find(READY) {
                    let addr = line[at + READY.len()..].trim().to_string();
                    let _ = addr_tx.send(addr);
                }
                let _ = log_tx.send(line);
            }
        });
        let addr = addr_rx
            .recv_timeout(IO_TIMEOUT)
            .expect("reactor-server logs its address")
            .parse()
            .expect("a socket address");
        Binary { child, addr, log }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Send `signal` (a name such as `TERM`) with the shell's `kill` builtin.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("sh")
            .args(["-c", &format!("kill -{signal} {}", self.pid())])
            .status()
            .expect("run sh");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Wait for the child to exit, at most `limit`; `None` if it is still running.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // Our own child (SIGKILL also ends a stopped process).
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Write `request` on a fresh connection, then read until the server closes (marked `<EOF>`,
/// whether by FIN or reset) or stays quiet for `quiet`.
pub fn exchange(addr: SocketAddr, request: &[u8], quiet: Duration) -> Vec<u8> {
    let mut stream = connect(addr);
    stream.write_all(request).unwrap();
    stream.set_read_timeout(Some(quiet)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    let deadline = std::time::Instant::now() + IO_TIMEOUT;
    while std::time::Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => {
                got.extend_from_slice(b"<EOF>");
                break;
            }
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                got.extend_from_slice(b"<EOF>");
                break;
            }
            Err(_) => break,
        }
    }
    got
}

/// A real redis-server on a free loopback port, the reference for byte-for-byte comparisons.
/// `.ci/run` installs it; without it the test fails (it never skips).
///
/// It runs in a temporary directory of its own (`dir` and working directory), removed on drop:
/// whatever it writes (`dump.rdb` at SHUTDOWN, `appendonlydir/`) never lands in the source tree.
pub struct RedisServer {
    child: Child,
    pub addr: SocketAddr,
    dir: std::path::PathBuf,
}

impl RedisServer {
    /// Start one on a free port. The port is free when chosen, but another server started at
    /// the same moment (ours, on port 0) may take it first; then redis-server cannot bind and
    /// exits, and a connection to the port would reach the other server. So the one that
    /// answers must report redis-server's own process id, else this tries another port.
    pub fn start(extra_args: &[&str]) -> RedisServer {
        for _ in 0..5 {
            if let Some(server) = RedisServer::try_start(extra_args) {
                return server;
            }
        }
        panic!("redis-server did not start on any of five free ports");
    }

    fn try_start(extra_args: &[&str]) -> Option<RedisServer> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir =
            std::env::temp_dir().join(format!("reactor-test-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory for redis-server");
        let child = Command::new("redis-server")
            .current_dir(&dir)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(&dir)
            .args(extra_args)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (apt-get install redis-server)");
        let mut server = RedisServer {
            child,
            addr: ([127, 0, 0, 1], port).into(),
            dir,
        };
        let deadline = std::time::Instant::now() + IO_TIMEOUT;
        let wanted = format!("process_id:{}\r\n", server.child.id());
        loop {
            if let Ok(Some(_)) = server.child.try_wait() {
                return None; // it exited: the port was taken after all
            }
            let info = info_server(server.addr).unwrap_or_default();
            // (Started with --requirepass it answers NOAUTH: still alive, so it is ours.)
            let alive = matches!(server.child.try_wait(), Ok(None));
            if info.contains(&wanted) || (info.starts_with("-NOAUTH") && alive) {
                return Some(server);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `INFO server` from whatever listens at `addr`, or `None` if nothing does (yet).
fn info_server(addr: SocketAddr) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .ok()?;
    stream.write_all(b"INFO server\r\n").ok()?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    // One bulk reply: read until it ends with its closing blank line, or an error line ends.
    while !(reply.ends_with(b"\r\n\r\n") || (reply.starts_with(b"-") && reply.ends_with(b"\r\n"))) {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&buf[..n]);
    }
    Some(String::from_utf8_lossy(&reply).into_owned())
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A fresh directory under the system's temporary directory, removed on drop: the one place
/// tests write files (never the source tree).
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("reactor-test-{name}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        TempDir(path)
    }

    /// Write `text` to `name` inside the directory; its path.
    pub fn file(&self, name: &str, text: &str) -> std::path::PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write a temporary file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Empty a server's keyspace (`FLUSHALL`, which must answer `+OK`).
pub fn flushall(addr: SocketAddr) {
    let mut conn = reactor::client::Connection::connect(addr, IO_TIMEOUT).expect("connect");
    let reply = conn.command(&[b"FLUSHALL"]).expect("FLUSHALL");
    assert_eq!(reply, reactor::resp::decode::Reply::Status(b"OK".to_vec()));
}

/// The differential check: each case's bytes go to redis-server and to us, each from an empty
/// keyspace, through `exchange` (which returns every reply byte the case produced); the test
/// fails listing every case whose replies differ, not only the first.
pub fn assert_same_replies(
    cases: &[&[u8]],
    redis: SocketAddr,
    ours: SocketAddr,
    exchange: impl Fn(SocketAddr, &[u8]) -> Vec<u8>,
) {
    let mut failures = Vec::new();
    for case in cases {
        flushall(redis);
        flushall(ours);
        let expected = exchange(redis, case);
        let got = exchange(ours, case);
        if expected != got {
            failures.push(format!(
                "request {:?}\n  redis-server: {:?}\n  reactor:      {:?}",
                String::from_utf8_lossy(case),
                String::from_utf8_lossy(&expected),
                String::from_utf8_lossy(&got)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// A connection of the `redis` crate to database `db`, chosen the way applications choose it
/// (in the URL), that fails a test rather than hanging it.
pub fn redis_connection(addr: SocketAddr, db: usize) -> redis::Connection {
    let client = redis::Client::open(format!("redis://{addr}/{db}")).expect("valid url");
    let con = client.get_connection().expect("connects");
    con.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("a read timeout");
    con
}

/// Run one command through the `redis` crate; any error fails the test, naming the command.
pub fn redis_run(con: &mut redis::Connection, args: &[&str]) -> redis::Value {
    let mut cmd = redis::cmd(args[0]);
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    cmd.query(con)
        .unwrap_or_else(|e| panic!("{args:?} failed: {e}"))
}
