//! `reactor-cli`: a command-line client in the manner of `redis-cli`, built on
//! [`reactor::client`]. It talks to reactor-server and to redis-server alike.
//!
//! ```text
//! reactor-cli                        # interactive prompt 127.0.0.1:6380> with history
//! reactor-cli -p 6379 PING           # one command, then exit
//! reactor-cli SUBSCRIBE news         # print messages as they arrive, until Ctrl-C
//! reactor-cli chat lobby --nick ann  # a chat room over pub/sub
//! ```
//!
//! Output follows redis-cli: formatted for a person when standard output is a terminal, one
//! raw value per line when it is not (so `reactor-cli GET k | wc -c` counts the value's bytes),
//! and `--raw` / `--no-raw` choose explicitly. Typed lines are split with redis-cli's quoting
//! rules (`SET k "two words\n"`), which are the inline-command rules the server itself uses.
//!
//! Chapter: [docs/13-the-client-side.md](../../docs/13-the-client-side.md).

use std::ffi::OsString;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{ArgAction, Parser, Subcommand};
use rustyline::error::ReadlineError;
use rustyline::{DefaultEditor, ExternalPrinter};

use reactor::client::tls::{self, TlsClientOptions};
use reactor::client::{Connection, Reply, Subscriber, write_reply};
use reactor::config::DEFAULT_PORT;
use reactor::resp::inline::split_inline;
use rustls::pki_types::ServerName;

/// How long to wait for the TCP connection. Once connected there is no timeout, as in
/// redis-cli: `SUBSCRIBE` and blocking commands may rightly wait for hours.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Lines of history kept in memory and in the history file.
const HISTORY_LINES: usize = 1000;

const EXAMPLES: &str = "\
Examples:
  reactor-cli                          interactive prompt (history, line editing)
  reactor-cli -p 6379 PING             one command; the exit code is 0 even for an error reply
  reactor-cli SET greeting \"hi there\"   arguments as the shell split them
  echo 'ECHO \"a\\tb\"' | reactor-cli    commands from standard input, one per line
  reactor-cli SUBSCRIBE news           print messages until Ctrl-C (also PSUBSCRIBE)
  reactor-cli chat lobby --nick ann    chat: lines you type are published to channel lobby

At the prompt: 'N COMMAND' runs COMMAND N times; quit, exit, Ctrl-D or Ctrl-C leave.";

#[derive(Parser, Debug)]
#[command(
    name = "reactor-cli",
    version,
    about = "A command-line client for reactor-server and Redis, in the manner of redis-cli",
    // `-h` is the host, as in redis-cli, so help is `--help` only.
    disable_help_flag = true,
    // `reactor-cli help` would otherwise be clap's; redis-cli sends it to the server.
    disable_help_subcommand = true,
    override_usage = "reactor-cli [OPTIONS] [COMMAND [ARG]...]\n       \
                      reactor-cli [OPTIONS] chat ROOM [--nick NAME]",
    after_help = EXAMPLES,
)]
struct Args {
    /// Server hostname.
    #[arg(
        short = 'h',
        value_name = "HOST",
        default_value = "127.0.0.1",
        global = true
    )]
    host: String,
    /// Server port.
    #[arg(short = 'p', value_name = "PORT", default_value_t = DEFAULT_PORT, global = true)]
    port: u16,
    /// Password, sent with AUTH right after connecting (visible to `ps`: prefer typing AUTH).
    #[arg(short = 'a', long = "pass", value_name = "PASSWORD", global = true)]
    password: Option<String>,
    /// Do not warn that -a puts the password on the command line.
    #[arg(long, global = true)]
    no_auth_warning: bool,
    /// Database number, selected right after connecting.
    #[arg(short = 'n', value_name = "DB", default_value_t = 0, global = true)]
    db: u32,
    /// Print replies raw, one value per line (the default when stdout is not a terminal).
    #[arg(long, overrides_with = "no_raw", global = true)]
    raw: bool,
    /// Print replies formatted for a person even when stdout is not a terminal.
    #[arg(long, overrides_with = "raw", global = true)]
    no_raw: bool,
    /// Establish a secure TLS connection.
    #[arg(long, global = true)]
    tls: bool,
    /// CA certificate file to verify the server with (PEM).
    #[arg(long, value_name = "FILE", global = true)]
    cacert: Option<PathBuf>,
    /// Client certificate to present to the server (PEM; with --key).
    #[arg(long, value_name = "FILE", global = true)]
    cert: Option<PathBuf>,
    /// Private key of the client certificate (PEM).
    #[arg(long, value_name = "FILE", global = true)]
    key: Option<PathBuf>,
    /// Server name indication: the name to ask for and to check the certificate against.
    #[arg(long, value_name = "HOST", global = true)]
    sni: Option<String>,
    /// Allow an insecure TLS connection: skip the server certificate's validation.
    #[arg(long, global = true)]
    insecure: bool,
    /// Print help.
    #[arg(long, action = ArgAction::Help, global = true)]
    help: Option<bool>,
    #[command(subcommand)]
    mode: Option<Mode>,
}

#[derive(Subcommand, Debug)]
enum Mode {
    /// Chat in ROOM: lines you type are published to channel ROOM as "NICK: text", and the
    /// room's messages are printed as they arrive.
    Chat {
        room: String,
        /// Your name in the room (default: $USER).
        #[arg(long)]
        nick: Option<String>,
    },
    /// Anything else is a command to send, like `SET k v`.
    #[command(external_subcommand)]
    Command(Vec<OsString>),
}

fn main() -> ExitCode {
    let args = Args::parse();
    // redis-cli's rule: a person reads a terminal, a program reads a pipe.
    let raw = if args.raw {
        true
    } else if args.no_raw {
        false
    } else {
        !io::stdout().is_terminal()
    };
    if args.password.is_some() && !args.no_auth_warning {
        eprintln!(
            "Warning: Using a password with '-a' option on the command line interface may not be safe."
        );
    }
    let tls = match args.tls.then(|| {
        let options = TlsClientOptions {
            ca_cert: args.cacert.clone(),
            cert: args.cert.clone(),
            key: args.key.clone(),
            sni: args.sni.clone(),
            insecure: args.insecure,
        };
        let config = tls::client_config(&options)?;
        let name = tls::server_name(&options, &args.host)?;
        Ok::<_, io::Error>((config, name))
    }) {
        None => None,
        Some(Ok(tls)) => Some(tls),
        Some(Err(e)) => {
            eprintln!("Could not set up TLS: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut session = Session {
        host: args.host,
        port: args.port,
        tls,
        password: args.password,
        db: args.db,
        raw,
        connection: None,
    };
    match args.mode {
        Some(Mode::Command(argv)) => {
            // Arguments are bytes (on Unix, exactly what the shell passed).
            let argv: Vec<&[u8]> = argv.iter().map(|a| a.as_encoded_bytes()).collect();
            one_shot(&mut session, &argv)
        }
        Some(Mode::Chat { room, nick }) => chat(&mut session, &room, nick),
        None => interactive(&mut session),
    }
}

/// Where to connect, how to print, and the connection once there is one.
struct Session {
    host: String,
    port: u16,
    /// `--tls`: the client configuration and the server name to check.
    tls: Option<(Arc<rustls::ClientConfig>, ServerName<'static>)>,
    password: Option<String>,
    /// The selected database: set by `-n`, then followed through `SELECT` so that a
    /// reconnection (and the prompt) keeps it.
    db: u32,
    raw: bool,
    connection: Option<Connection>,
}

impl Session {
    /// Connect, authenticate and select the database, as redis-cli does. A failed AUTH or
    /// SELECT is reported and the connection is kept, as redis-cli keeps it.
    fn connect(&self) -> io::Result<Connection> {
        let addr = (self.host.as_str(), self.port);
        let connected = match &self.tls {
            None => Connection::connect(addr, CONNECT_TIMEOUT),
            Some((config, name)) => {
                Connection::connect_tls(addr, CONNECT_TIMEOUT, config.clone(), name.clone())
            }
        };
        let mut connection = connected.map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "Could not connect to Redis at {}:{}: {}",
                    self.host,
                    self.port,
                    describe(&e)
                ),
            )
        })?;
        connection.set_timeout(None)?;
        if let Some(password) = &self.password
            && let Reply::Error(text) = connection.command(&[b"AUTH", password.as_bytes()])?
        {
            eprintln!("AUTH failed: {}", String::from_utf8_lossy(&text));
        }
        if self.db != 0 {
            let db = self.db.to_string();
            if let Reply::Error(text) = connection.command(&[b"SELECT", db.as_bytes()])? {
                eprintln!("SELECT {db} failed: {}", String::from_utf8_lossy(&text));
            }
        }
        Ok(connection)
    }

    /// The connection, made now if there is none (after a failure, each command retries).
    fn connection(&mut self) -> io::Result<&mut Connection> {
        let connection = match self.connection.take() {
            Some(connection) => connection,
            None => self.connect()?,
        };
        Ok(self.connection.insert(connection))
    }

    /// Run one command and print its reply (or, for SUBSCRIBE and PSUBSCRIBE, every reply until
    /// the connection ends). `Err` means the connection failed; it is dropped, and the next
    /// command connects again.
    fn execute(&mut self, args: &[&[u8]]) -> io::Result<()> {
        let raw = self.raw;
        let connection = self.connection()?;
        let name = args.first().copied().unwrap_or_default();
        let result = if name.eq_ignore_ascii_case(b"subscribe")
            || name.eq_ignore_ascii_case(b"psubscribe")
        {
            subscribed_mode(connection, args, raw)
        } else {
            connection.command(args).map(|reply| {
                print_reply(&reply, raw);
                // Follow the selected database, for the prompt and for reconnections.
                if name.eq_ignore_ascii_case(b"select") && reply == Reply::Status(b"OK".to_vec()) {
                    let db = args.get(1).and_then(|a| std::str::from_utf8(a).ok());
                    if let Some(db) = db.and_then(|d| d.parse().ok()) {
                        self.db = db;
                    }
                }
            })
        };
        if result.is_err() {
            self.connection = None;
        }
        result
    }

    /// redis-cli's prompt: `127.0.0.1:6380> `, `127.0.0.1:6380[2]> ` in database 2.
    fn prompt(&self) -> String {
        if self.connection.is_none() {
            return "not connected> ".to_string();
        }
        match self.db {
            0 => format!("{}:{}> ", self.host, self.port),
            db => format!("{}:{}[{db}]> ", self.host, self.port),
        }
    }

    /// Handle one typed line. Returns false when it asks to leave.
    fn run_line(&mut self, line: &[u8]) -> bool {
        let Some(args) = split_args(line) else {
            emit(b"Invalid argument(s)\n");
            return true;
        };
        let Some(first) = args.first() else {
            return true;
        };
        if first.eq_ignore_ascii_case(b"quit") || first.eq_ignore_ascii_case(b"exit") {
            return false;
        }
        if first.eq_ignore_ascii_case(b"help") && args.len() == 1 {
            emit(format!("reactor-cli {}\n{EXAMPLES}\n", env!("CARGO_PKG_VERSION")).as_bytes());
            return true;
        }
        // `3 PING` runs PING three times, as in redis-cli.
        let (repeat, command) = match std::str::from_utf8(first).ok().map(str::parse::<i64>) {
            Some(Ok(n)) if args.len() > 1 => (n, &args[1..]),
            _ => (1, &args[..]),
        };
        if repeat <= 0 {
            emit(b"Invalid repeat count.\n");
            return true;
        }
        let command: Vec<&[u8]> = command.iter().map(Vec::as_slice).collect();
        for _ in 0..repeat {
            if let Err(e) = self.execute(&command) {
                eprintln!("{}", error_text(&e));
                break;
            }
        }
        true
    }
}

/// `reactor-cli SET k v`: one command, then exit. The exit code is 0 whatever the reply, as in
/// redis-cli; 1 if the connection failed.
fn one_shot(session: &mut Session, argv: &[&[u8]]) -> ExitCode {
    match session.execute(argv) {
        Ok(()) => ExitCode::SUCCESS,
        // SHUTDOWN is answered by the connection closing, not by a reply (redis-cli agrees).
        Err(e)
            if e.kind() == io::ErrorKind::UnexpectedEof
                && argv
                    .first()
                    .is_some_and(|c| c.eq_ignore_ascii_case(b"shutdown")) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", error_text(&e));
            ExitCode::FAILURE
        }
    }
}

/// After `SUBSCRIBE`, print every reply as it arrives: confirmations, then messages. Only an
/// error reply (`SUBSCRIBE` without a channel) or a failed connection ends it; Ctrl-C ends the
/// process, as in redis-cli 7.0.
fn subscribed_mode(connection: &mut Connection, args: &[&[u8]], raw: bool) -> io::Result<()> {
    connection.send(args)?;
    if !raw {
        emit(b"Reading messages... (press Ctrl-C to quit)\n");
    }
    loop {
        let reply = connection.read_reply()?;
        print_reply(&reply, raw);
        if let Reply::Error(_) = reply {
            return Ok(());
        }
    }
}

/// The prompt. With a terminal on standard input, lines are read with rustyline (editing,
/// history kept in a file as redis-cli keeps `~/.rediscli_history`); from a pipe, lines are
/// read as bytes with no prompt, which is how redis-cli runs a script fed to it.
fn interactive(session: &mut Session) -> ExitCode {
    // Connect now, to report an unreachable server at once; the prompt then says
    // "not connected>" and each command tries again.
    match session.connect() {
        Ok(connection) => session.connection = Some(connection),
        Err(e) => eprintln!("{}", error_text(&e)),
    }
    if !io::stdin().is_terminal() {
        for line in io::stdin().lock().split(b'\n') {
            let Ok(line) = line else { break };
            if !session.run_line(&line) {
                break;
            }
        }
        return ExitCode::SUCCESS;
    }
    let mut editor = match new_editor() {
        Ok(editor) => editor,
        Err(e) => {
            eprintln!("cannot start the line editor: {e}");
            return ExitCode::FAILURE;
        }
    };
    let history = history_file();
    if let Some(path) = &history {
        // A missing file is the normal first run.
        let _ = editor.load_history(path);
    }
    loop {
        match editor.readline(&session.prompt()) {
            Ok(line) => {
                if let Some(args) = split_args(line.as_bytes())
                    && !args.is_empty()
                    && !is_sensitive(&args)
                {
                    let _ = editor.add_history_entry(line.as_str());
                    if let Some(path) = &history {
                        // Saved after every line, so a Ctrl-C in subscribed mode loses none.
                        let _ = editor.save_history(path);
                    }
                }
                if line.trim().eq_ignore_ascii_case("clear") {
                    let _ = editor.clear_screen();
                    continue;
                }
                if !session.run_line(line.as_bytes()) {
                    break;
                }
            }
            // Ctrl-C and Ctrl-D at the prompt leave, as in redis-cli.
            Err(ReadlineError::Interrupted | ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

fn new_editor() -> rustyline::Result<DefaultEditor> {
    let config = rustyline::Config::builder()
        .max_history_size(HISTORY_LINES)?
        .auto_add_history(false)
        .build();
    DefaultEditor::with_config(config)
}

/// `$REACTORCLI_HISTFILE`, else `~/.reactorcli_history`.
fn history_file() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("REACTORCLI_HISTFILE") {
        return Some(PathBuf::from(path));
    }
    let home = std::env::var_os("HOME")?;
    Some(PathBuf::from(home).join(".reactorcli_history"))
}

/// Commands that carry a password are kept out of the history file, as redis-cli does.
fn is_sensitive(args: &[Vec<u8>]) -> bool {
    let is = |i: usize, word: &str| {
        args.get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(word.as_bytes()))
    };
    is(0, "auth")
        || is(0, "migrate")
        || (is(0, "hello") && args.iter().any(|a| a.eq_ignore_ascii_case(b"auth")))
        || (is(0, "acl") && is(1, "setuser"))
        || (is(0, "config")
            && is(1, "set")
            && args.iter().skip(2).any(|a| {
                a.eq_ignore_ascii_case(b"masterauth") || a.eq_ignore_ascii_case(b"requirepass")
            }))
}

/// `reactor-cli chat ROOM`: type lines to publish them, see the room's messages as they come.
///
/// Two connections, because a subscribed connection may not `PUBLISH`. Two blocking waits
/// then: for a line from the person, and for a message from the server. One reader thread
/// owns the subscriber and blocks in `read`; the main thread blocks in the line editor and
/// publishes. The alternative, one thread with a small mio loop over the socket and standard
/// input, does not fit: standard input may be a file (which mio cannot register), and the line
/// editor needs the terminal in raw mode and decodes keys itself, so it would have to become
/// non-blocking too. Threads cost nothing that matters here: this process has one user and two
/// sockets, and the thread-per-connection problem (memory and switches per client, at
/// thousands of clients) is a server's. rustyline's external printer lets the reader thread
/// print a message above the line being typed without garbling it.
fn chat(session: &mut Session, room: &str, nick: Option<String>) -> ExitCode {
    let nick = nick
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "guest".to_string());
    let joined = session.connect().and_then(|publisher| {
        let mut subscriber = Subscriber::from_connection(session.connect()?);
        subscriber.subscribe(&[room.as_bytes()])?;
        Ok((publisher, subscriber))
    });
    let (mut publisher, mut subscriber) = match joined {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("{}", error_text(&e));
            return ExitCode::FAILURE;
        }
    };
    // Once subscribe() returned, the server has confirmed: nothing sent from now on is missed.
    eprintln!("Joined {room} as {nick}. Type a line to send it; Ctrl-D leaves.");

    let (mut editor, mut show) = chat_terminal();
    std::thread::spawn(move || {
        loop {
            match subscriber.next_message() {
                Ok(message) => show(printable(&message.payload)),
                Err(e) => {
                    show(format!("*** {}", error_text(&e)));
                    return;
                }
            }
        }
    });

    let prompt = format!("{nick}@{room}> ");
    let mut stdin = io::stdin().lock();
    loop {
        let line = match &mut editor {
            Some(editor) => match editor.readline(&prompt) {
                Ok(line) => {
                    let _ = editor.add_history_entry(line.as_str());
                    line.into_bytes()
                }
                Err(_) => break,
            },
            None => {
                let mut line = Vec::new();
                match stdin.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        while line.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
                            line.pop();
                        }
                        line
                    }
                }
            }
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let mut payload = format!("{nick}: ").into_bytes();
        payload.extend_from_slice(&line);
        match publisher.command(&[b"PUBLISH", room.as_bytes(), &payload]) {
            Ok(Reply::Error(text)) => eprintln!("(error) {}", String::from_utf8_lossy(&text)),
            Ok(_) => {}
            Err(e) => {
                eprintln!("{}", error_text(&e));
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

/// A printer for the reader thread, which shows a message above the line being typed when
/// standard input is a terminal, and the line editor; plain lines and no editor otherwise.
fn chat_terminal() -> (Option<DefaultEditor>, Box<dyn FnMut(String) + Send>) {
    let mut editor = None;
    let mut show: Box<dyn FnMut(String) + Send> = Box::new(|line| {
        emit(format!("{line}\n").as_bytes());
    });
    if io::stdin().is_terminal() {
        match new_editor() {
            Ok(mut e) => {
                if let Ok(mut printer) = e.create_external_printer() {
                    show = Box::new(move |line| {
                        // The newline matters between two prompts, when the printer writes
                        // straight to the terminal; during one it prints a line either way.
                        let _ = printer.print(format!("{line}\n"));
                    });
                }
                editor = Some(e);
            }
            Err(e) => eprintln!("no line editing: {e}"),
        }
    }
    (editor, show)
}

/// A chat line made safe for a terminal: control characters (an escape sequence could move
/// the cursor or retitle the window) are shown escaped rather than obeyed.
fn printable(payload: &[u8]) -> String {
    let mut line = String::with_capacity(payload.len());
    for c in String::from_utf8_lossy(payload).chars() {
        if c.is_control() {
            line.extend(c.escape_default());
        } else {
            line.push(c);
        }
    }
    line
}

/// Split a typed line with redis-cli's rules (`sdssplitargs`), which are the server's inline
/// rules: `None` for unbalanced quotes.
fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut bytes = Vec::new();
    let mut ranges = Vec::new();
    split_inline(line, &mut bytes, &mut ranges).ok()?;
    Some(ranges.into_iter().map(|r| bytes[r].to_vec()).collect())
}

fn print_reply(reply: &Reply, raw: bool) {
    let mut out = Vec::new();
    write_reply(&mut out, reply, raw);
    emit(&out);
}

/// Write to standard output now (messages must show as they arrive, even into a pipe). If
/// standard output is gone (`reactor-cli SUBSCRIBE x | head -1`), so is our purpose: exit, as
/// redis-cli does on SIGPIPE, rather than panic as `println!` would.
fn emit(bytes: &[u8]) {
    let mut stdout = io::stdout().lock();
    if stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .is_err()
    {
        std::process::exit(1);
    }
}

/// How a failure is reported: redis-cli's wording for a failed connect (already in the error),
/// `Error: ...` for the rest.
fn error_text(e: &io::Error) -> String {
    let text = describe(e);
    if text.starts_with("Could not connect") {
        text
    } else {
        format!("Error: {text}")
    }
}

/// An error's text without Rust's ` (os error 111)` suffix, which redis-cli (printing
/// `strerror`) does not show.
fn describe(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    }
}
