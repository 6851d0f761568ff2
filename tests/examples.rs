//! The examples, run as the programs a reader runs: each is started with `--port 0`, its first
//! stdout line (`listening on 127.0.0.1:PORT`) gives the address, and the test talks to it over
//! TCP on 127.0.0.1 like `nc` would.
//!
//! Cargo gives integration tests the path of the crate's binaries (`CARGO_BIN_EXE_*`) but not
//! of its examples, and `cargo test --test examples` does not build examples at all (plain
//! `cargo test` does). So the first test to need one runs `cargo build --examples` with the
//! same profile (a no-op when they are fresh), then finds them next to the binaries, in
//! `target/<profile>/examples/`.

mod common;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// Every wait in these tests is bounded by this.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long "no reply" must last to count as a stall.
const STALL: Duration = Duration::from_millis(300);

// ---------------------------------------------------------------------------------------------
// Finding, starting and stopping the examples.

/// `target/<profile>/examples/<name>`, built (once per test run) if needed.
fn example_path(name: &str) -> PathBuf {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    // `.../target/debug/reactor-server`: the examples live in `.../target/debug/examples/`.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_reactor-server"))
        .parent()
        .expect("the binary has a directory");
    if let Err(e) = BUILT.get_or_init(|| build_examples(bin_dir)) {
        panic!("{e}");
    }
    let path = bin_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "example binary {} is missing after `cargo build --examples`; \
         build the examples with the same profile and target as the tests",
        path.display()
    );
    path
}

/// Run `cargo build --examples` for the profile whose output directory is `bin_dir`.
fn build_examples(bin_dir: &Path) -> Result<(), String> {
    let mut cargo = Command::new(env!("CARGO"));
    cargo.args(["build", "--examples", "--manifest-path"]);
    cargo.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"));
    // The directory is named after the profile, except `dev`'s, which is `debug`.
    match bin_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => {}
        Some(profile) => {
            cargo.args(["--profile", profile]);
        }
        None => return Err(format!("unexpected binary directory {}", bin_dir.display())),
    }
    let output = cargo
        .output()
        .map_err(|e| format!("could not run cargo to build the examples: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo build --examples` failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

/// A running example, killed when dropped (also when a test fails halfway).
struct Example {
    child: Child,
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Example {
    /// Start example `name` on a free port and return it with the address it printed.
    fn start(name: &str) -> (Example, SocketAddr) {
        let child = Command::new(example_path(name))
            .args(["--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting example {name}: {e}"));
        let mut example = Example { child };
        let (stdout, stderr) = (example.child.stdout.take(), example.child.stderr.take());
        let (Some(stdout), Some(stderr)) = (stdout, stderr) else {
            panic!("no pipes to example {name}");
        };
        // Keep draining both pipes so the example never blocks on a full one. What it prints is
        // replayed through the test's own output, which the harness shows only on failure.
        let (first_tx, first_rx) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = first_tx.send(lines.next());
            for line in lines.map_while(Result::ok) {
                println!("[stdout] {line}");
            }
        });
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                println!("[stderr] {line}");
            }
        });
        let first = match first_rx.recv_timeout(TIMEOUT) {
            Ok(Some(Ok(line))) => line,
            other => panic!("example {name} printed no first line: {other:?}"),
        };
        let addr: SocketAddr = first
            .strip_prefix("listening on ")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("first line of {name}: {first:?}"));
        assert!(addr.ip().is_loopback(), "{name} listens on {addr}");
        (example, addr)
    }
}

// ---------------------------------------------------------------------------------------------
// A line client, as `nc` is.

struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let stream = common::connect(addr);
        Client {
            writer: stream.try_clone().unwrap(),
            reader: BufReader::new(stream),
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("send");
    }

    /// Send one line (the newline is added).
    fn line(&mut self, text: &str) {
        self.send(format!("{text}\n").as_bytes());
    }

    /// The next line, without its newline. Fails on timeout or end of stream.
    fn next_line(&mut self) -> String {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => panic!("connection closed while waiting for a line"),
            Ok(_) => line.trim_end_matches('\n').to_string(),
            Err(e) => panic!("waiting for a line: {e} (got {line:?} so far)"),
        }
    }

    fn expect(&mut self, wanted: &str) {
        assert_eq!(self.next_line(), wanted);
    }

    /// Skip lines until `wanted` arrives (for tests that do not care about what comes first).
    fn expect_eventually(&mut self, wanted: &str) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if self.next_line() == wanted {
                return;
            }
            assert!(Instant::now() < deadline, "never received {wanted:?}");
        }
    }

    /// Nothing arrives for [`STALL`].
    fn expect_silence(&mut self) {
        self.reader.get_ref().set_read_timeout(Some(STALL)).unwrap();
        let mut buf = [0u8; 64];
        match self.reader.read(&mut buf) {
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Ok(n) => panic!(
                "expected silence, got {:?}",
                String::from_utf8_lossy(&buf[..n])
            ),
            Err(e) => panic!("expected silence, got error {e}"),
        }
        self.reader
            .get_ref()
            .set_read_timeout(Some(TIMEOUT))
            .unwrap();
    }

    /// The server closes the connection (after anything still buffered).
    fn expect_closed(&mut self) {
        let deadline = Instant::now() + TIMEOUT;
        let mut sink = vec![0u8; 64 * 1024];
        loop {
            match self.reader.read(&mut sink) {
                Ok(0) => return,
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return,
                Ok(_) => assert!(Instant::now() < deadline, "the connection never closed"),
                Err(e) => panic!("waiting for the server to close: {e}"),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// blocking_server and blocking_client

#[test]
fn blocking_server_answers_one_client_and_the_next_waits_until_it_leaves() {
    let (_server, addr) = Example::start("blocking_server");
    let mut first = Client::connect(addr);
    first.line("PING");
    first.expect("PONG");
    first.line("ECHO hello world");
    first.expect("hello world");
    first.line("FLY");
    first.expect("ERR unknown command 'FLY'");

    // The second client connects (the kernel accepts it into the backlog) but is not served
    // while the first is.
    let mut second = Client::connect(addr);
    second.line("PING");
    second.expect_silence();

    first.line("QUIT");
    first.expect("BYE");
    first.expect_closed();
    // Only now does the server accept the second client and read its waiting PING.
    second.expect("PONG");
}

#[test]
fn blocking_client_prints_one_reply_per_argument() {
    let (_server, addr) = Example::start("blocking_server");
    let mut client = Command::new(example_path("blocking_client"))
        .args([
            "--port",
            &addr.port().to_string(),
            "PING",
            "ECHO hi there",
            "nope",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start blocking_client");
    let deadline = Instant::now() + TIMEOUT;
    while client
        .try_wait()
        .expect("wait for blocking_client")
        .is_none()
    {
        if Instant::now() > deadline {
            let _ = client.kill();
            let _ = client.wait();
            panic!("blocking_client did not finish");
        }
        thread::sleep(Duration::from_millis(20));
    }
    let mut printed = String::new();
    if let Some(mut stdout) = client.stdout.take() {
        stdout.read_to_string(&mut printed).unwrap();
    }
    assert_eq!(printed, "PONG\nhi there\nERR unknown command 'nope'\n");
}

// ---------------------------------------------------------------------------------------------
// thread_per_client

#[test]
fn thread_per_client_serves_two_connected_clients_at_once() {
    let (_server, addr) = Example::start("thread_per_client");
    let mut first = Client::connect(addr);
    first.line("PING");
    first.expect("PONG");
    // The first client stays connected and idle: its thread sits in `read`. The second is
    // served anyway, by its own thread.
    let mut second = Client::connect(addr);
    second.line("ECHO second");
    second.expect("second");
    first.line("ECHO first, still here");
    first.expect("first, still here");
    second.line("QUIT");
    second.expect("BYE");
    second.expect_closed();
    first.line("PING");
    first.expect("PONG");
}

// ---------------------------------------------------------------------------------------------
// echo

#[test]
fn echo_returns_whole_lines_even_when_split_across_writes() {
    let (_server, addr) = Example::start("echo");
    let mut client = Client::connect(addr);
    client.send(b"hel");
    // Half a line is not a request: nothing comes back yet.
    client.expect_silence();
    client.send(b"lo\nwor");
    client.expect("hello");
    client.expect_silence();
    client.send(b"ld\r\n\n");
    client.expect("world\r"); // bytes come back exactly as sent
    client.expect("");

    // A second connection is served by the same single thread while the first stays open.
    let mut other = Client::connect(addr);
    other.send(b"a\nb\nc\n");
    for wanted in ["a", "b", "c"] {
        other.expect(wanted);
    }
    client.line("still here");
    client.expect("still here");

    // A "line" that never ends is not kept forever: past the example's 64 KiB query buffer
    // limit, the loop closes the connection.
    other.send(&vec![b'z'; 80 * 1024]);
    other.expect_closed();
    client.line("unaffected");
    client.expect("unaffected");
}

// ---------------------------------------------------------------------------------------------
// chat

/// Connect to the chat and read the greeting; returns the client and its guest nick.
fn chat_join(addr: SocketAddr) -> (Client, String) {
    let mut client = Client::connect(addr);
    let greeting = client.next_line();
    let nick = greeting
        .strip_prefix("* welcome, ")
        .and_then(|rest| rest.split(':').next())
        .unwrap_or_else(|| panic!("unexpected greeting {greeting:?}"))
        .to_string();
    assert_eq!(
        greeting,
        format!("* welcome, {nick}: you are in [lobby]; /help lists commands")
    );
    (client, nick)
}

#[test]
fn chat_rooms_deliver_messages_list_members_and_announce_departures() {
    let (_server, addr) = Example::start("chat");
    let (mut ada, guest) = chat_join(addr);
    assert_eq!(guest, "guest-1");
    ada.line("/nick ada");
    ada.expect("* you are now ada");

    let (mut bob, guest) = chat_join(addr);
    assert_eq!(guest, "guest-2");
    ada.expect("[lobby] * guest-2 joined");
    bob.line("/nick ada");
    bob.expect("! ada is taken");
    bob.line("/nick bob");
    bob.expect("* you are now bob");
    ada.expect("[lobby] * guest-2 is now bob");

    bob.line("/who");
    bob.expect("* in [lobby]: ada, bob");
    bob.line("hello, lobby");
    ada.expect("[lobby] bob: hello, lobby");
    bob.line("  indented");
    ada.expect("[lobby] bob:   indented");
    // Control characters (a bell, an escape sequence that clears the screen) are not passed on
    // to other members' terminals.
    bob.send(b"ring\x07 \x1b[2Jclear\n");
    ada.expect("[lobby] bob: ring [2Jclear");

    ada.line("/join rust");
    ada.expect("* you are now in [rust]");
    bob.expect("[lobby] * ada left");
    bob.line("/join rust");
    bob.expect("* you are now in [rust]");
    ada.expect("[rust] * bob joined");

    ada.line("is anyone here?");
    bob.expect("[rust] ada: is anyone here?");
    bob.line("/who");
    bob.expect("* in [rust]: ada, bob");

    bob.line("/fly");
    bob.expect("! unknown command /fly; try /help");
    bob.line("/quit");
    bob.expect("* bye");
    bob.expect_closed();
    ada.expect("[rust] * bob left");
    ada.line("/who");
    ada.expect("* in [rust]: ada");

    // A peer that just goes away (no /quit) is announced the same way.
    let (mut cy, _) = chat_join(addr);
    cy.line("/join rust");
    cy.expect("* you are now in [rust]");
    ada.expect("[rust] * guest-3 joined");
    drop(cy);
    ada.expect("[rust] * guest-3 left");
}

#[test]
fn chat_refuses_long_lines_and_disconnects_a_client_that_never_ends_one() {
    let (_server, addr) = Example::start("chat");
    let (mut ada, _) = chat_join(addr);
    let (mut eve, _) = chat_join(addr);
    ada.expect("[lobby] * guest-2 joined");

    // A line over 1 KiB is refused, and the connection goes on.
    eve.send(format!("{}\n", "x".repeat(1025)).as_bytes());
    eve.expect("! line too long (max 1024 bytes)");
    eve.line("/who");
    eve.expect("* in [lobby]: guest-1, guest-2");

    // Bytes without a newline, past 16 KiB: disconnected, and the room is told why.
    eve.send(&vec![b'x'; 20 * 1024]);
    eve.expect("! no newline in 16384 bytes; goodbye");
    eve.expect_closed();
    ada.expect("[lobby] * guest-2 was disconnected (line too long)");
}

#[test]
fn chat_disconnects_a_member_that_stops_reading() {
    let (_server, addr) = Example::start("chat");
    // The slow member joins and then never reads again.
    let (mut slow, _) = chat_join(addr);
    let (mut talker, _) = chat_join(addr);
    slow.line("/nick slow");
    talker.expect("[lobby] * guest-1 is now slow");

    // The talker writes from a second thread until told to stop, so this thread can watch
    // for the notice. The slow member's kernel buffers fill first (a few MiB on loopback),
    // then its output in the server passes the 1 MiB limit.
    let stop = Arc::new(AtomicBool::new(false));
    let mut writer = talker.writer.try_clone().unwrap();
    let writer_stop = stop.clone();
    let writing = thread::spawn(move || {
        let line = format!("{}\n", "y".repeat(1000));
        let mut sent = 0usize;
        // Bounded: 256 MiB is far more than the kernel and the limit together can hold.
        while !writer_stop.load(Ordering::SeqCst) && sent < 256 << 20 {
            if writer.write_all(line.as_bytes()).is_err() {
                break;
            }
            sent += line.len();
        }
    });
    talker.expect_eventually("[lobby] * slow was disconnected (too slow)");
    stop.store(true, Ordering::SeqCst);
    writing.join().unwrap();

    // The talker is unaffected, and the slow member's connection ends after what the kernel
    // had already buffered for it.
    talker.line("/who");
    talker.expect("* in [lobby]: guest-2");
    slow.expect_closed();
}
