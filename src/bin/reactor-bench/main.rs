//! `reactor-bench`: a load generator in the manner of `redis-benchmark`, on its own event loop.
//!
//! Chapter: [docs/13-the-client-side.md](../../../docs/13-the-client-side.md).
//!
//! ```text
//! reactor-bench -p 6380 -c 50 -n 100000 -t ping,set,get -q     # unpipelined
//! reactor-bench -p 6380 -P 16 -r 100000 -t get --csv            # 16 requests per batch, random keys
//! reactor-bench -p 6380 -n 10000 ECHO hello                     # any command
//! ```
//!
//! ## The client-side reactor
//!
//! A server with 50 clients and a benchmark with 50 connections are the same problem seen from
//! the two ends of the socket, so this binary is the server's event loop in a mirror: one thread,
//! one `mio::Poll`, every connection with its own outgoing buffer and its unfinished input.
//!
//! ```text
//!   flush every new batch ──► poll ──► read until WouldBlock ──► scan replies, record latency
//!   (one write each; WRITABLE                                      │
//!    only if bytes are left)  ▲                                    ▼
//!                             └──── all replies of a batch in? prepare the next batch
//! ```
//!
//! Where the server reads *requests* until `WouldBlock` and queues *replies* to flush before it
//! sleeps, the client reads *replies* until `WouldBlock` and queues *requests* to flush before
//! it sleeps. The rules are the server's, for the same reasons: drain on every edge (no new
//! event comes for bytes already waiting), treat a short write as normal, ask for WRITABLE only
//! while bytes are pending (or every idle connection wakes the loop for nothing), retry
//! `Interrupted`. Two things are simpler: the connections are opened before the loop starts and
//! live until the test ends (a `Vec`, not a slab with generations), and a connection owes us at
//! most one batch of replies, so reading it dry needs no fairness budget.
//!
//! Like redis-benchmark, each connection has exactly one batch in flight: one request, or with
//! `-P N` N requests written together, and the next batch leaves only when every reply of the
//! last is in. A request's latency runs from the first `write` of its batch to the loop turn
//! that finds its reply complete. The clock is read once per batch sent and once per loop turn
//! (when `poll` returns), not once per reply. Requests are encoded once per test; random keys
//! (`-r`) are twelve digits rewritten in place (see [`request`]), so the steady state allocates
//! nothing.
//!
//! Files: [`event_loop`] (the tick), [`connection`] (one socket: writes, reads, reply scanning),
//! [`request`] (tests, templates, keys), [`report`] (output formats, progress line).
//!
//! Differences from redis-benchmark are listed in `--help`'s long text and in the chapter.

mod connection;
mod event_loop;
mod report;
mod request;

use std::io::{self, IsTerminal, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;

use clap::{ArgAction, Parser};

use event_loop::{RunError, Settings};
use report::Progress;
use request::{Builtin, MAX_KEYSPACE, Template};

/// Largest `-d`, bytes (Redis's `proto-max-bulk-len` default: a server refuses anything larger).
const MAX_DATA_SIZE: usize = 512 * 1024 * 1024;
/// Most request bytes held pre-encoded across all connections (`-c` × `-P` × request size).
const MAX_PREENCODED: usize = 1024 * 1024 * 1024;

#[derive(Parser, Debug)]
#[command(
    name = "reactor-bench",
    version,
    about = "A redis-benchmark-style load generator on its own mio event loop",
    long_about = "A redis-benchmark-style load generator on its own mio event loop.\n\n\
        Trailing words are a command to benchmark instead of -t (`reactor-bench -n 1000 ECHO \
        hi`); `__rand_int__` in them is rewritten with -r, as in redis-benchmark.\n\n\
        Differences from redis-benchmark: `-t ping` is PING_MBULK only (ping_inline for the \
        inline form); unknown test names are an error; error replies are counted and reported, \
        not fatal; exactly -n requests are sent, the last batch shortened if -P does not divide \
        -n; each reply's latency ends when that reply is complete.",
    disable_help_flag = true
)]
struct Args {
    /// Server hostname.
    #[arg(short = 'h', long = "host", default_value = "127.0.0.1")]
    host: String,
    /// Server port.
    #[arg(short = 'p', long = "port", default_value_t = reactor::config::DEFAULT_PORT)]
    port: u16,
    /// Number of parallel connections.
    #[arg(short = 'c', long = "clients", default_value_t = 50)]
    clients: usize,
    /// Total number of requests.
    #[arg(short = 'n', long = "requests", default_value_t = 100_000)]
    requests: u64,
    /// Pipeline N requests per connection (one batch in flight per connection).
    #[arg(short = 'P', long = "pipeline", default_value_t = 1)]
    pipeline: usize,
    /// Value size in bytes for SET and PUBLISH.
    #[arg(short = 'd', long = "datasize", default_value_t = 3)]
    data_size: usize,
    /// Use random keys for SET/GET/INCR and channels for PUBLISH: `__rand_int__` becomes a
    /// random number in 0..KEYSPACELEN. Without it, the placeholder is sent as it is.
    #[arg(short = 'r', long = "keyspacelen", value_name = "KEYSPACELEN")]
    keyspace: Option<u64>,
    /// Only run these comma-separated tests: ping (PING multibulk), ping_inline, ping_mbulk,
    /// set, get, incr, publish. Default: all.
    #[arg(short = 't', long = "tests", value_delimiter = ',')]
    tests: Vec<String>,
    /// Quiet: just one line per test.
    #[arg(short = 'q', long = "quiet")]
    quiet: bool,
    /// Output in CSV format.
    #[arg(long)]
    csv: bool,
    /// Establish TLS connections (as redis-benchmark --tls).
    #[arg(long)]
    tls: bool,
    /// CA certificate file to verify the server with (PEM).
    #[arg(long, value_name = "FILE")]
    cacert: Option<std::path::PathBuf>,
    /// Client certificate (PEM; with --key).
    #[arg(long, value_name = "FILE")]
    cert: Option<std::path::PathBuf>,
    /// Private key of the client certificate (PEM).
    #[arg(long, value_name = "FILE")]
    key: Option<std::path::PathBuf>,
    /// Server name indication.
    #[arg(long, value_name = "HOST")]
    sni: Option<String>,
    /// Skip the server certificate's validation.
    #[arg(long)]
    insecure: bool,
    /// Print help (--help for the long form).
    #[arg(long, action = ArgAction::Help)]
    help: Option<bool>,
    /// A command to benchmark instead of the tests, e.g. `SET k v`.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    command: Vec<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("reactor-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let templates = templates(args)?;
    let tls = if args.tls {
        let options = reactor::client::tls::TlsClientOptions {
            ca_cert: args.cacert.clone(),
            cert: args.cert.clone(),
            key: args.key.clone(),
            sni: args.sni.clone(),
            insecure: args.insecure,
        };
        let config = reactor::client::tls::client_config(&options).map_err(|e| e.to_string())?;
        let name =
            reactor::client::tls::server_name(&options, &args.host).map_err(|e| e.to_string())?;
        Some((config, name))
    } else {
        None
    };
    let settings = Settings {
        clients: args.clients,
        requests: args.requests,
        pipeline: args.pipeline,
        keyspace: args.keyspace,
        tls,
    };
    check(args, &templates)?;
    let addr = resolve(&args.host, args.port)?;
    let show_progress = !args.csv && io::stderr().is_terminal();

    let mut out = io::stdout().lock();
    if args.csv {
        writeln!(out, "{}", report::CSV_HEADER).map_err(|e| e.to_string())?;
    }
    for template in &templates {
        let mut progress = show_progress.then(|| Progress::new(&template.title));
        let outcome = event_loop::run(addr, template, &settings, progress.as_mut())
            .map_err(|e: RunError| e.to_string())?;
        let title = &template.title;
        let written = if args.csv {
            report::csv_row(&mut out, title, &outcome)
        } else if args.quiet {
            report::quiet(&mut out, title, &outcome)
        } else {
            report::full(&mut out, title, &outcome, &settings, args.data_size)
        };
        written
            .and_then(|()| out.flush())
            .map_err(|e| format!("writing results: {e}"))?;
    }
    Ok(())
}

/// The requests to run: the trailing command if one is given (then `-t` is ignored, as in
/// redis-benchmark), else the selected tests.
fn templates(args: &Args) -> Result<Vec<Template>, String> {
    if !args.command.is_empty() {
        return Ok(vec![Template::custom(&args.command)]);
    }
    Ok(Builtin::select(&args.tests)?
        .into_iter()
        .map(|test| Template::builtin(test, args.data_size))
        .collect())
}

/// Reject flags that make no sense before opening a single connection.
fn check(args: &Args, templates: &[Template]) -> Result<(), String> {
    if args.clients == 0 {
        return Err("-c must be at least 1".into());
    }
    if args.requests == 0 {
        return Err("-n must be at least 1".into());
    }
    if args.pipeline == 0 {
        return Err("-P must be at least 1".into());
    }
    if args.data_size > MAX_DATA_SIZE {
        return Err(format!("-d must be at most {MAX_DATA_SIZE} bytes"));
    }
    if let Some(r) = args.keyspace
        && !(1..=MAX_KEYSPACE).contains(&r)
    {
        return Err(format!(
            "-r must be between 1 and {MAX_KEYSPACE} (keys have 12 digits)"
        ));
    }
    let largest = templates.iter().map(|t| t.bytes.len()).max().unwrap_or(0);
    let total = largest
        .checked_mul(args.pipeline)
        .and_then(|b| b.checked_mul(args.clients));
    if total.is_none_or(|t| t > MAX_PREENCODED) {
        return Err(format!(
            "-c {} × -P {} × {largest}-byte requests is more than the {MAX_PREENCODED} bytes \
             of pre-encoded requests allowed",
            args.clients, args.pipeline
        ));
    }
    Ok(())
}

fn resolve(host: &str, port: u16) -> Result<SocketAddr, String> {
    (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("Could not resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("Could not resolve {host}: no address"))
}
