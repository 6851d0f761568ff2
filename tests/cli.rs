//! `reactor-cli` driven as a process: one-shot commands against our server and, side by side
//! with redis-cli, against a real redis-server; subscribed mode; commands piped into the
//! prompt; a chat between two processes. Needs redis-server and redis-cli (CI installs them);
//! the tests that use them fail, never skip, without them.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use reactor::client::{Connection, Reply};
use reactor::config::Config;

/// Bound on every wait: a hung child fails the test instead of hanging it.
const TIMEOUT: Duration = Duration::from_secs(10);

fn cli(port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_reactor-cli"));
    command.args(["-p", &port.to_string()]);
    command
}

fn redis_cli(port: u16) -> Command {
    let mut command = Command::new("redis-cli");
    command.args(["-p", &port.to_string()]);
    command
}

/// What a finished process printed.
#[derive(Debug)]
struct Output {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: String,
}

impl Output {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Run `command` with `stdin` as its input and pipes for its output (so, not a terminal), and
/// wait at most `TIMEOUT` for it to finish.
fn run(mut command: Command, stdin: &[u8]) -> Output {
    let mut child = Running(
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}")),
    );
    let input = stdin.to_vec();
    let mut pipe = child.0.stdin.take().unwrap();
    std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let stdout = drain(child.0.stdout.take().unwrap());
    let stderr = drain(child.0.stderr.take().unwrap());
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "{command:?} did not finish");
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: stdout.recv_timeout(TIMEOUT).unwrap(),
        stderr: String::from_utf8_lossy(&stderr.recv_timeout(TIMEOUT).unwrap()).into_owned(),
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> Receiver<Vec<u8>> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = pipe.read_to_end(&mut all);
        let _ = tx.send(all);
    });
    rx
}

/// A child process that is killed when the test lets go of it, pass or fail.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A long-running child whose output is read line by line, with a deadline for each line.
struct Session {
    stdin: Option<ChildStdin>,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    _child: Running,
}

impl Session {
    fn start(mut command: Command) -> Session {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        Session {
            stdin: child.stdin.take(),
            stdout: lines(child.stdout.take().unwrap()),
            stderr: lines(child.stderr.take().unwrap()),
            _child: Running(child),
        }
    }

    fn expect_stdout(&self, expected: &str) {
        let line = self
            .stdout
            .recv_timeout(TIMEOUT)
            .unwrap_or_else(|_| panic!("no line on stdout; expected {expected:?}"));
        assert_eq!(line, expected);
    }

    fn stderr_line(&self) -> String {
        self.stderr
            .recv_timeout(TIMEOUT)
            .expect("no line on stderr")
    }

    fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
    }
}

fn lines(pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn one_shot_commands_print_raw_values_when_piped_and_exit_0() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let port = server.addr().port();
    let case = |args: &[&str]| {
        let out = run(
            {
                let mut c = cli(port);
                c.args(args);
                c
            },
            b"",
        );
        assert!(out.status.success(), "{args:?}: {out:?}");
        out.stdout()
    };
    assert_eq!(case(&["PING"]), "PONG\n");
    assert_eq!(case(&["ping", "two words"]), "two words\n");
    assert_eq!(case(&["ECHO", "line\nbreak"]), "line\nbreak\n");
    assert_eq!(case(&["ECHO", "-1"]), "-1\n");
    // An error reply is printed, and the exit code is still 0, as with redis-cli.
    assert_eq!(
        case(&["NOSUCH", "x"]),
        "ERR unknown command 'NOSUCH', with args beginning with: 'x' \n\n"
    );
    assert_eq!(case(&["--no-raw", "ECHO", "a\tb"]), "\"a\\tb\"\n");
    assert_eq!(
        case(&["--no-raw", "ECHO"]),
        "(error) ERR wrong number of arguments for 'echo' command\n"
    );
    assert_eq!(case(&["--no-raw", "--raw", "ECHO", "a\tb"]), "a\tb\n");
}

/// The same commands through redis-cli and reactor-cli against one redis-server print the same
/// bytes, raw (piped) and formatted (`--no-raw`): nested arrays, wide indexes, nil, errors
/// inside arrays, empty arrays, and every kind of special byte.
#[test]
fn one_shot_output_matches_redis_cli_against_redis_server() {
    let redis = common::RedisServer::start(&[]);
    let mut setup = Connection::connect(("127.0.0.1", redis.addr.port()), TIMEOUT).unwrap();
    let special: Vec<u8> = (0u8..=255).collect();
    let setup_commands: &[&[&[u8]]] = &[
        &[b"SET", b"special", &special],
        &[b"DEL", b"list", b"hash"],
        &[b"RPUSH", b"list", b"a", b"", b"c d"],
        &[b"HSET", b"hash", b"field", b"value"],
    ];
    for command in setup_commands {
        assert!(!matches!(setup.command(command).unwrap(), Reply::Error(_)));
    }
    let cases: &[&[&str]] = &[
        &["PING"],
        &["GET", "special"],
        &["GET", "missing"],
        &["SET", "spaced", "two words"],
        &["STRLEN", "special"],
        &["LRANGE", "list", "0", "-1"],
        &["LRANGE", "missing", "0", "-1"],
        &["HGETALL", "hash"],
        &["NOSUCH", "arg"],
        &["GET"],
        &["EVAL", "return {1,{2,{3,'a'}},'x'}", "0"],
        &[
            "EVAL",
            "return {1,2,3,4,5,6,7,8,9,10,{1,2,{}},{},'z',{1,2,3,4,5,6,7,8,9,10}}",
            "0",
        ],
        &[
            "EVAL",
            "return {1,redis.error_reply('E1 x'),false,{},redis.status_reply('FINE')}",
            "0",
        ],
        &["EVAL", "return redis.error_reply('MY bad')", "0"],
        // Subscribed mode that ends at once: the banner (tty style), then the error.
        &["SUBSCRIBE"],
    ];
    for style in [None, Some("--no-raw")] {
        for args in cases {
            let with = |mut command: Command| {
                command.args(style).args(*args);
                run(command, b"")
            };
            let theirs = with(redis_cli(redis.addr.port()));
            let ours = with(cli(redis.addr.port()));
            assert_eq!(
                ours.stdout(),
                theirs.stdout(),
                "{style:?} {args:?}; redis-cli stderr: {}",
                theirs.stderr
            );
            assert_eq!(ours.status.code(), theirs.status.code(), "{args:?}");
        }
    }
}

#[test]
fn password_flag_sends_auth_first() {
    let redis = common::RedisServer::start(&["--requirepass", "sesame"]);
    for program in [cli(redis.addr.port()), redis_cli(redis.addr.port())] {
        let mut program = program;
        program.args(["-a", "sesame", "--no-auth-warning", "ECHO", "in"]);
        assert_eq!(run(program, b"").stdout(), "in\n");
    }
    let refused = run(
        {
            let mut c = cli(redis.addr.port());
            c.arg("PING");
            c
        },
        b"",
    );
    assert_eq!(refused.stdout(), "NOAUTH Authentication required.\n\n");
    let warned = run(
        {
            let mut c = cli(redis.addr.port());
            c.args(["-a", "wrong", "PING"]);
            c
        },
        b"",
    );
    assert!(warned.stderr.contains("may not be safe"), "{warned:?}");
    assert!(warned.stderr.contains("AUTH failed: "), "{warned:?}");
}

#[test]
fn unreachable_server_exits_1_with_redis_cli_message() {
    let port = free_port();
    let out = run(
        {
            let mut c = cli(port);
            c.arg("PING");
            c
        },
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        out.stderr,
        format!("Could not connect to Redis at 127.0.0.1:{port}: Connection refused\n")
    );
}

#[test]
fn subscribe_mode_prints_each_message_as_it_arrives() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let port = server.addr().port();
    let mut publisher = Connection::connect(server.addr(), TIMEOUT).unwrap();

    let mut command = cli(port);
    command.args(["SUBSCRIBE", "news"]);
    let raw = Session::start(command);
    for line in ["subscribe", "news", "1"] {
        raw.expect_stdout(line);
    }
    let mut command = cli(port);
    command.args(["--no-raw", "PSUBSCRIBE", "n*"]);
    let tty = Session::start(command);
    for line in [
        "Reading messages... (press Ctrl-C to quit)",
        "1) \"psubscribe\"",
        "2) \"n*\"",
        "3) (integer) 1",
    ] {
        tty.expect_stdout(line);
    }
    // Both have confirmed, so both are counted and both receive.
    assert_eq!(
        publisher.command(&[b"PUBLISH", b"news", b"hello"]).unwrap(),
        Reply::Integer(2)
    );
    for line in ["message", "news", "hello"] {
        raw.expect_stdout(line);
    }
    for line in [
        "1) \"pmessage\"",
        "2) \"n*\"",
        "3) \"news\"",
        "4) \"hello\"",
    ] {
        tty.expect_stdout(line);
    }
}

/// With no command and standard input not a terminal, each input line is a command (split
/// with redis-cli's quoting), answered in order with no prompt; `quit` ends it. redis-cli fed
/// the same lines prints the same bytes.
#[test]
fn piped_lines_are_run_like_redis_cli_runs_them() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let port = server.addr().port();
    let script = b"PING\n\
        ECHO \"a\\tb\\x41\"\n\
        echo 'single \\' quote'\n\
        \n\
        3 ECHO again\n\
        \"unbalanced\n\
        ECHO\n\
        SELECT 0\n\
        PING \"\"\n\
        quit\n\
        PING\n";
    let ours = run(cli(port), script);
    assert!(ours.status.success(), "{ours:?}");
    assert_eq!(
        ours.stdout(),
        "PONG\na\tbA\nsingle ' quote\nagain\nagain\nagain\nInvalid argument(s)\n\
         ERR wrong number of arguments for 'echo' command\n\nOK\n\n"
    );
    let theirs = run(redis_cli(port), script);
    assert_eq!(ours.stdout(), theirs.stdout());

    let formatted = run(
        {
            let mut c = cli(port);
            c.arg("--no-raw");
            c
        },
        b"ECHO x\nNOSUCH\n",
    );
    assert_eq!(
        formatted.stdout(),
        "\"x\"\n(error) ERR unknown command 'NOSUCH', with args beginning with: \n"
    );
}

/// Two `reactor-cli chat` processes in one room: what one types, both see, as "nick: text";
/// control bytes in a message are shown escaped, not sent to the terminal.
#[test]
fn chat_mode_delivers_lines_between_two_processes() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    let port = server.addr().port();
    let join = |nick: &str| {
        let mut command = cli(port);
        command.args(["chat", "lobby", "--nick", nick]);
        let session = Session::start(command);
        assert_eq!(
            session.stderr_line(),
            format!("Joined lobby as {nick}. Type a line to send it; Ctrl-D leaves.")
        );
        session
    };
    let mut alice = join("alice");
    let mut bob = join("bob");
    alice.type_line("hello bob");
    bob.expect_stdout("alice: hello bob");
    alice.expect_stdout("alice: hello bob");
    bob.type_line("hi \x1b[2J alice");
    alice.expect_stdout("bob: hi \\u{1b}[2J alice");
    bob.expect_stdout("bob: hi \\u{1b}[2J alice");
    // The flags before the subcommand apply too, and a third party can publish to the room.
    let mut outsider = Connection::connect(server.addr(), TIMEOUT).unwrap();
    assert_eq!(
        outsider
            .command(&[b"PUBLISH", b"lobby", b"carol: hey"])
            .unwrap(),
        Reply::Integer(2)
    );
    alice.expect_stdout("carol: hey");
    bob.expect_stdout("carol: hey");
}

#[test]
fn help_describes_the_flags() {
    let out = run(
        {
            let mut c = Command::new(env!("CARGO_BIN_EXE_reactor-cli"));
            c.arg("--help");
            c
        },
        b"",
    );
    assert!(out.status.success());
    let help = out.stdout();
    for flag in [
        "-h <HOST>",
        "-p <PORT>",
        "-a, --pass",
        "--raw",
        "--no-raw",
        "chat",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
}
