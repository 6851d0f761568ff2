//! `reactor-server`: the Redis-protocol server. Flags are named after redis.conf directives.
//!
//! ```text
//! cargo run --release --bin reactor-server              # 127.0.0.1:6380
//! cargo run --release --bin reactor-server -- --port 0  # any free port
//! ```

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use log::{LevelFilter, error, info, warn};

use reactor::config::{Config, DEFAULT_PORT};
use reactor::reactor::Faults;

#[derive(Parser, Debug)]
#[command(
    version,
    about = "A Redis-protocol server on a hand-written mio event loop"
)]
struct Args {
    /// Address to listen on (redis.conf `bind`).
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Port to listen on; 0 picks a free one (redis.conf `port`).
    #[arg(long, default_value_t = DEFAULT_PORT)]
    port: u16,
    /// Largest bulk argument, bytes (redis.conf `proto-max-bulk-len`).
    #[arg(long, default_value_t = Config::default().proto_max_bulk_len)]
    proto_max_bulk_len: i64,
    /// Queue of connections waiting to be accepted (redis.conf `tcp-backlog`).
    #[arg(long, default_value_t = Config::default().tcp_backlog)]
    tcp_backlog: i32,
    /// Most simultaneous clients (redis.conf `maxclients`).
    #[arg(long, default_value_t = Config::default().maxclients)]
    maxclients: usize,
    /// Close clients idle this many seconds, 0 = never (redis.conf `timeout`).
    #[arg(long, default_value_t = 0)]
    timeout: u64,
    /// Close a client whose unparsed input exceeds this many bytes
    /// (redis.conf `client-query-buffer-limit`).
    #[arg(long, default_value_t = Config::default().client_query_buffer_limit)]
    client_query_buffer_limit: usize,
    /// Stop reading from a client whose unsent replies exceed this many bytes (backpressure).
    #[arg(long, default_value_t = Config::default().output_high_water)]
    output_high_water: usize,
    /// Require clients to AUTH with this password first (redis.conf `requirepass`).
    #[arg(long)]
    requirepass: Option<String>,
    /// Refuse non-loopback clients while no password is set: yes or no
    /// (redis.conf `protected-mode`).
    #[arg(long, default_value = "yes", value_parser = yes_no)]
    protected_mode: bool,
    /// Subscribers' output limit, "HARD SOFT SECONDS" (redis.conf
    /// `client-output-buffer-limit pubsub`); sizes take kb/mb/gb suffixes.
    #[arg(long, default_value = "32mb 8mb 60")]
    pubsub_output_limit: reactor::server::pubsub::OutputLimit,
    /// At shutdown, milliseconds allowed for flushing pending replies.
    #[arg(long, default_value_t = 2000)]
    shutdown_grace_ms: u64,
    /// Log level: error, warn, info, debug, trace (redis.conf `loglevel`; RUST_LOG also works).
    #[arg(long)]
    loglevel: Option<LevelFilter>,
    /// Fault injection: read at most N bytes per read().
    #[arg(long, value_name = "N")]
    fault_max_read: Option<usize>,
    /// Fault injection: write at most N bytes per write().
    #[arg(long, value_name = "N")]
    fault_max_write: Option<usize>,
    /// Fault injection: reads per readiness event before yielding.
    #[arg(long, value_name = "N")]
    fault_read_budget: Option<usize>,
    /// Fault injection: accepts per listener event before yielding.
    #[arg(long, value_name = "N")]
    fault_accept_budget: Option<usize>,
}

/// redis.conf booleans are `yes` / `no`.
fn yes_no(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err(format!("expected yes or no, got '{text}'")),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let level = args
        .loglevel
        .or_else(|| std::env::var("RUST_LOG").ok()?.parse().ok())
        .unwrap_or(LevelFilter::Info);
    // Logging is best effort: a second logger (impossible here) is not worth dying for.
    let _ = simple_logger::SimpleLogger::new().with_level(level).init();

    let config = Config {
        bind: args.bind,
        port: args.port,
        proto_max_bulk_len: args.proto_max_bulk_len,
        tcp_backlog: args.tcp_backlog,
        maxclients: args.maxclients,
        timeout_secs: args.timeout,
        client_query_buffer_limit: args.client_query_buffer_limit,
        output_high_water: args.output_high_water,
        pubsub_output_limit: args.pubsub_output_limit,
        requirepass: args.requirepass.clone().map(String::into_bytes),
        protected_mode: args.protected_mode,
        shutdown_grace: Duration::from_millis(args.shutdown_grace_ms),
        handle_signals: true,
        faults: Faults {
            max_read: args.fault_max_read,
            max_write: args.fault_max_write,
            read_budget: args.fault_read_budget,
            accept_budget: args.fault_accept_budget,
        },
        ..Config::default()
    };
    let mut event_loop = match reactor::bind(config) {
        Ok(event_loop) => event_loop,
        Err(e) => {
            error!("could not listen on {}:{}: {e}", args.bind, args.port);
            return ExitCode::FAILURE;
        }
    };
    let addr = event_loop.local_addr();
    if args.protected_mode && args.requirepass.is_none() && !args.bind.is_loopback() {
        warn!(
            "protected mode is on and no password is set: clients connecting from anywhere but \
             loopback will be refused (set --requirepass, or --protected-mode no)"
        );
    }
    info!("ready to accept connections on {addr}");
    info!(
        "try:  nc {} {}   or   redis-cli -h {} -p {}",
        addr.ip(),
        addr.port(),
        addr.ip(),
        addr.port()
    );
    match event_loop.run() {
        Ok(()) => {
            info!("bye");
            ExitCode::SUCCESS
        }
        Err(e) => {
            error!("event loop failed: {e}");
            ExitCode::FAILURE
        }
    }
}
