//! A script that does not return: past `busy-reply-threshold` the loop is served from inside
//! it. Every other client is answered `-BUSY` within the threshold (new ones too), the
//! dashboard's stream and timer go on, SCRIPT KILL and FUNCTION KILL stop a script that has
//! not written (through `pcall` and coroutines too), the script's own pipelined commands run
//! once, in order, after it; a script that wrote is `-UNKILLABLE`, and SHUTDOWN NOSAVE stops
//! the server anyway.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use reactor::config::Config;

/// Milliseconds before a script is busy, in these tests.
const THRESHOLD_MS: u64 = 100;

/// A client that writes commands and reads replies a line at a time (every reply these tests
/// read is one line, or an array of them read line by line).
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn new(addr: SocketAddr) -> Client {
        let stream = common::connect(addr);
        // Bounded: a loop that is not served while the script runs fails here, not after
        // the suite's longer timeout.
        stream
            .set_read_timeout(Some(Duration::from_secs(3)))
            .unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    fn send(&mut self, parts: &[&str]) {
        self.writer.write_all(&command(parts)).unwrap();
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader
            .read_line(&mut line)
            .expect("a reply within the read timeout");
        line.trim_end().to_string()
    }

    fn call(&mut self, parts: &[&str]) -> String {
        self.send(parts);
        self.line()
    }
}

/// One command in RESP.
fn command(parts: &[&str]) -> Vec<u8> {
    let mut bytes = format!("*{}\r\n", parts.len()).into_bytes();
    for part in parts {
        bytes.extend_from_slice(format!("${}\r\n{part}\r\n", part.len()).as_bytes());
    }
    bytes
}

/// Send PING until the answer is `-BUSY...` (the script has passed its threshold).
fn wait_busy(client: &mut Client) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let reply = client.call(&["PING"]);
        if reply.starts_with("-BUSY") || Instant::now() > deadline {
            return reply;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn busy_server() -> reactor::ServerHandle {
    let mut config = Config::ephemeral();
    config.busy_reply_threshold = THRESHOLD_MS;
    config.dashboard_port = Some(0);
    reactor::spawn(config).expect("server starts")
}

const BUSY_EVAL: &str =
    "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
const BUSY_FUNCTION: &str =
    "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

/// A busy script, as a client of it and every other client see it: the first PING sent after
/// the script is answered `-BUSY` within the threshold plus 100 ms, a client that connects
/// meanwhile too; MULTI is allowed but what it queues is refused (EXEC then aborts);
/// FUNCTION STATS shows the script; SCRIPT KILL stops it; the script's client then gets the
/// kill error and the replies of what it pipelined after the script, once each, in order;
/// and the server serves everyone as before.
///
/// Break checked: without the lent connection's guard in `Core::service_read` the bytes its
/// client sent during the script are read in the nested pass and lost (the handler is not
/// given them while it is lent out): no reply to them within the read timeout. Without the
/// first pass's re-arm (`Core::rearm` not called), this and three more tests here fail.
#[test]
fn a_busy_script_answers_busy_and_script_kill_stops_it() {
    let server = busy_server();
    let mut script = Client::new(server.addr());
    let mut other = Client::new(server.addr());
    // The script and, pipelined behind it, a command of the same client.
    let mut pipeline = command(&["EVAL", "while 1 do redis.call('ping') end", "0"]);
    pipeline.extend(command(&["RPUSH", "order", "a"]));
    script.writer.write_all(&pipeline).unwrap();
    let sent = Instant::now();
    assert_eq!(other.call(&["PING"]), BUSY_EVAL);
    let waited = sent.elapsed();
    assert!(
        waited < Duration::from_millis(THRESHOLD_MS + 100),
        "-BUSY after {waited:?}"
    );
    // More from the script's client while it is busy: they wait in its socket.
    script.send(&["RPUSH", "order", "b"]);
    script.send(&["PING"]);
    // Accepted meanwhile, and answered the same.
    let mut late = Client::new(server.addr());
    assert_eq!(late.call(&["GET", "k"]), BUSY_EVAL);
    // Transactions: MULTI runs, a queued command is refused, EXEC aborts with the reason.
    assert_eq!(other.call(&["MULTI"]), "+OK");
    assert_eq!(other.call(&["SET", "k", "v"]), BUSY_EVAL);
    assert_eq!(
        other.call(&["EXEC"]),
        "-EXECABORT Transaction discarded because of: BUSY Redis is busy running a script. \
         You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
    );
    // FUNCTION STATS: the running script, its command.
    other.send(&["FUNCTION", "STATS"]);
    let stats: Vec<String> = (0..32).map(|_| other.line()).collect();
    let head = ["*4", "$14", "running_script", "*6", "$4", "name", "$40"];
    assert_eq!(stats[..7], head, "{stats:?}");
    let command = ["command", "*3", "$4", "EVAL", "$33"];
    assert_eq!(stats[9..14], command, "{stats:?}");
    assert_eq!(stats[14], "while 1 do redis.call('ping') end");
    assert_eq!(stats[18], "duration_ms", "{stats:?}");
    assert!(stats[19].starts_with(':'), "{stats:?}");
    // FUNCTION KILL is for functions.
    assert_eq!(other.call(&["FUNCTION", "KILL"]), BUSY_EVAL);
    assert_eq!(other.call(&["SCRIPT", "KILL"]), "+OK");
    let killed = script.line();
    assert!(
        killed.starts_with("-ERR Script killed by user with SCRIPT KILL... script: "),
        "{killed}"
    );
    assert_eq!(script.line(), ":1");
    assert_eq!(script.line(), ":2");
    assert_eq!(script.line(), "+PONG");
    assert_eq!(other.call(&["PING"]), "+PONG");
    assert_eq!(late.call(&["GET", "k"]), "$-1");
    other.send(&["LRANGE", "order", "0", "-1"]);
    let order: Vec<String> = (0..5).map(|_| other.line()).collect();
    assert_eq!(order, ["*2", "$1", "a", "$1", "b"]);
    assert_eq!(
        other.call(&["SCRIPT", "KILL"]),
        "-NOTBUSY No scripts in execution right now."
    );
}

/// A script that spends its time in commands runs few instructions of its own, and the VM's
/// hook (every 100,000 instructions) would look seldom: `redis.call` looks too, every 100
/// commands. Here each command reads 200 elements, so the hook alone would look about once
/// per 20,000 of them.
///
/// Break checked: `redis.call` not looking (`watch.call_look()` in `call::run` never true)
/// makes the first -BUSY come after about a second in a test build, past the bound.
#[test]
fn a_script_busy_in_its_commands_is_answered_for_in_time() {
    let server = busy_server();
    let mut other = Client::new(server.addr());
    let mut fill = vec!["RPUSH", "list"];
    fill.extend(std::iter::repeat_n("element", 200));
    assert_eq!(other.call(&fill), ":200");
    let mut script = Client::new(server.addr());
    script.send(&[
        "EVAL",
        "while 1 do redis.call('lrange', KEYS[1], 0, -1) end",
        "1",
        "list",
    ]);
    let sent = Instant::now();
    assert_eq!(wait_busy(&mut other), BUSY_EVAL);
    let waited = sent.elapsed();
    assert!(
        waited < Duration::from_millis(THRESHOLD_MS + 400),
        "-BUSY after {waited:?}"
    );
    assert_eq!(other.call(&["SCRIPT", "KILL"]), "+OK");
    assert!(script.line().contains("Script killed by user"));
}

/// What SCRIPT KILL can stop, however the script hides: a loop of `pcall`s, a coroutine, a
/// library's function (which FUNCTION KILL stops, and SCRIPT KILL refuses in its words; and
/// FUNCTION STATS shows, its library counted though the run holds the libraries).
///
/// Break checked: the hook raising once instead of at every instruction after a kill
/// (`Watch::quicken` doing nothing) leaves the `pcall` loop running: no reply to the script's
/// client within its read timeout. FUNCTION STATS counting only the libraries in the state
/// (`counts.or(busy)` in `function_stats` without `busy`) answers 0 of each.
#[test]
fn kill_reaches_pcall_loops_coroutines_and_functions() {
    let server = busy_server();
    let mut other = Client::new(server.addr());
    let scripts = [
        "local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end",
        "local co = coroutine.create(function() while true do end end) return coroutine.resume(co)",
    ];
    for body in scripts {
        let mut script = Client::new(server.addr());
        script.send(&["EVAL", body, "0"]);
        assert_eq!(wait_busy(&mut other), BUSY_EVAL, "{body}");
        assert_eq!(other.call(&["SCRIPT", "KILL"]), "+OK");
        let killed = script.line();
        assert!(killed.contains("Script killed by user"), "{body}: {killed}");
        assert_eq!(other.call(&["PING"]), "+PONG");
    }
    let library =
        "#!lua name=spin\nredis.register_function('spin', function() while true do end end)";
    assert_eq!(other.call(&["FUNCTION", "LOAD", library]), "$4");
    assert_eq!(other.line(), "spin");
    let mut script = Client::new(server.addr());
    script.send(&["FCALL", "spin", "0"]);
    assert_eq!(wait_busy(&mut other), BUSY_FUNCTION);
    // FUNCTION STATS: the function, and the libraries its run holds still counted.
    other.send(&["FUNCTION", "STATS"]);
    let stats: Vec<String> = (0..32).map(|_| other.line()).collect();
    assert_eq!(stats[7], "spin", "{stats:?}");
    assert_eq!(stats[12], "FCALL", "{stats:?}");
    assert_eq!(
        stats[27..],
        ["libraries_count", ":1", "$15", "functions_count", ":1"][..],
        "{stats:?}"
    );
    assert_eq!(other.call(&["SCRIPT", "KILL"]), BUSY_FUNCTION);
    assert_eq!(other.call(&["FUNCTION", "KILL"]), "+OK");
    let killed = script.line();
    assert!(
        killed.starts_with(
            "-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2."
        ),
        "{killed}"
    );
    assert_eq!(other.call(&["PING"]), "+PONG");
}

/// The loop's timers and the dashboard stay alive while a script is busy: a browser's event
/// stream, opened before, gets its next snapshot during the script.
///
/// Break checked: the nested pass not running its handler's timer (`handler.timer` in
/// `Core::serve_nested`) leaves the stream silent until the script is killed.
#[test]
fn the_dashboard_stream_goes_on_while_a_script_is_busy() {
    let server = busy_server();
    let dashboard = server.dashboard_addr().expect("a dashboard");
    let mut stream = common::connect(dashboard);
    stream
        .write_all(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    // The head and the first snapshot.
    let mut seen = Vec::new();
    let mut buf = [0u8; 65536];
    while !String::from_utf8_lossy(&seen).contains("data: ") {
        let n = stream.read(&mut buf).expect("the stream's first event");
        seen.extend_from_slice(&buf[..n]);
    }
    let mut script = Client::new(server.addr());
    let mut other = Client::new(server.addr());
    script.send(&["EVAL", "while true do end", "0"]);
    assert_eq!(wait_busy(&mut other), BUSY_EVAL);
    let busy_since = Instant::now();
    let n = stream
        .read(&mut buf)
        .expect("a snapshot while the script is busy");
    assert!(String::from_utf8_lossy(&buf[..n]).contains("data: "));
    assert_eq!(
        other.call(&["PING"]),
        BUSY_EVAL,
        "still busy {:?} later",
        busy_since.elapsed()
    );
    assert_eq!(other.call(&["SCRIPT", "KILL"]), "+OK");
    assert!(script.line().contains("Script killed by user"));
}

/// A script that wrote cannot be killed without breaking its atomicity: SCRIPT KILL answers
/// `-UNKILLABLE`, SHUTDOWN without NOSAVE `-BUSY`; SHUTDOWN NOSAVE stops the script and the
/// server, which exits and refuses connections.
///
/// Break checked: the script not told of the shutdown (`|| exec.ctx.shutting_down()` in
/// `Run::serve_loop` removed) leaves the process running past the 5 s wait.
#[test]
fn a_script_that_wrote_is_unkillable_but_shutdown_nosave_stops_it() {
    let mut binary = common::Binary::start(&["--busy-reply-threshold", "100"]);
    let mut script = Client::new(binary.addr);
    let mut other = Client::new(binary.addr);
    script.send(&[
        "EVAL",
        "redis.call('set', KEYS[1], 'y') while true do end",
        "1",
        "x",
    ]);
    assert_eq!(wait_busy(&mut other), BUSY_EVAL);
    let unkillable = other.call(&["SCRIPT", "KILL"]);
    assert!(
        unkillable.starts_with("-UNKILLABLE Sorry the script already executed write commands"),
        "{unkillable}"
    );
    assert_eq!(other.call(&["SHUTDOWN"]), BUSY_EVAL);
    assert_eq!(other.call(&["PING"]), BUSY_EVAL);
    other.send(&["SHUTDOWN", "NOSAVE"]);
    let status = binary
        .wait_exit(Duration::from_secs(5))
        .expect("the server exits");
    assert!(status.success(), "{status:?}");
    assert!(TcpStream::connect(binary.addr).is_err());
}
