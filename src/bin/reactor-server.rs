//! `reactor-server`: the Redis-protocol server. Flags are redis.conf directives, read with
//! redis.conf's units (`--client-query-buffer-limit 1mb`).
//!
//! ```text
//! cargo run --release --bin reactor-server              # 127.0.0.1:6380
//! cargo run --release --bin reactor-server -- --port 0  # any free port
//! cargo run --release --bin reactor-server -- --help    # every directive
//! ```

use std::alloc::System;
use std::process::ExitCode;

use cap::Cap;

use log::{LevelFilter, error, info, warn};

use reactor::config::Config;
use reactor::config::directives::{apply_lines, help_text, lines_from_flags};
use reactor::config::file;

/// Every allocation counted on its way through (no limit is set: `maxmemory` evicts keys
/// instead of failing allocations). This count is INFO's `used_memory` and what `maxmemory`
/// limits, as Redis's `zmalloc` counts its own (`reactor::server::evict`).
#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// What the command line asked for.
enum Invocation {
    Help,
    Version,
    /// The configuration, and a warning to log once logging is set up.
    Serve(Box<Config>, Option<String>),
}

/// `reactor-server [CONFIG_FILE] [--directive value ...]`, read as Redis reads its command
/// line: the file's lines, then every flag as one more directive line (see
/// `reactor::config::directives`), applied in order over the defaults, so a later one wins.
fn parse_command_line(args: &[String]) -> Result<Invocation, String> {
    match args.first().map(String::as_str) {
        Some("-h" | "--help") => return Ok(Invocation::Help),
        Some("-v" | "--version") => return Ok(Invocation::Version),
        _ => {}
    }
    let mut config = Config {
        handle_signals: true,
        ..Config::default()
    };
    let (mut lines, flags) = match args.first() {
        Some(path) if !path.starts_with("--") => {
            // Kept absolute, so CONFIG REWRITE finds it whatever the working directory.
            let path = std::path::absolute(path).map_err(|e| e.to_string())?;
            let (lines, count) = file::read(&path)?;
            config.config_file = Some(path);
            // Redis numbers the flags as lines after the file's and one empty line.
            (lines, (&args[1..], count + 2))
        }
        _ => (Vec::new(), (args, 2)),
    };
    lines.extend(lines_from_flags(flags.0, flags.1).map_err(|e| e.to_string())?);
    let warning = apply_lines(&mut config, &lines).map_err(|e| e.to_string())?;
    Ok(Invocation::Serve(Box::new(config), warning))
}

/// Where the server listens and how to reach it, logged once it does.
fn announce<H: reactor::reactor::Handler>(
    event_loop: &reactor::reactor::EventLoop<H>,
    plaintext: bool,
    warn_protected: bool,
) {
    use reactor::reactor::Origin;
    let addr = event_loop.local_addr();
    if warn_protected {
        warn!(
            "protected mode is on and no password is set: clients connecting from anywhere but \
             loopback will be refused (set --requirepass, or --protected-mode no)"
        );
    }
    for plain in event_loop.listener_addrs(Origin::Plain) {
        info!("ready to accept connections on {plain}");
    }
    for tls_addr in event_loop.listener_addrs(Origin::Tls) {
        info!("ready to accept TLS connections on {tls_addr}");
    }
    if plaintext {
        info!(
            "try:  nc {} {}   or   redis-cli -h {} -p {}",
            addr.ip(),
            addr.port(),
            addr.ip(),
            addr.port()
        );
    } else {
        info!(
            "TLS only (port 0): try  redis-cli --tls --cacert CA_FILE -h {} -p {}",
            addr.ip(),
            addr.port()
        );
    }
    if let Some(dashboard) = event_loop.listener_addr(Origin::Extra) {
        info!("dashboard: open http://{dashboard}/ in a browser");
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let (config, warning) = match parse_command_line(&args) {
        Ok(Invocation::Serve(config, warning)) => (*config, warning),
        Ok(Invocation::Help) => {
            print!("{}", help_text());
            return ExitCode::SUCCESS;
        }
        Ok(Invocation::Version) => {
            println!("reactor-server {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    reactor::server::evict::count_allocations_with(|| ALLOCATOR.allocated());
    let level = config
        .loglevel
        .or_else(|| std::env::var("RUST_LOG").ok()?.parse().ok())
        .unwrap_or(LevelFilter::Info);
    // Logging is best effort: a second logger (impossible here) is not worth dying for.
    let _ = simple_logger::SimpleLogger::new().with_level(level).init();
    if let Some(warning) = &warning {
        warn!("{warning}");
    }
    if let Some(path) = &config.config_file {
        info!("configuration loaded from {}", path.display());
    }

    let (bind, port) = (config.bind, config.port);
    let plaintext = config.plaintext();
    let all_loopback =
        config.bind.is_loopback() && config.bind_also.iter().all(|(ip, _)| ip.is_loopback());
    let warn_protected = config.protected_mode && config.requirepass.is_none() && !all_loopback;
    let mut event_loop = match reactor::bind(config) {
        Ok(event_loop) => event_loop,
        Err(e) => {
            if e.kind() == std::io::ErrorKind::InvalidInput {
                error!("{e}"); // a setting (a TLS file, say): the message names it
            } else {
                error!("could not listen on {bind}:{port}: {e}");
            }
            return ExitCode::FAILURE;
        }
    };
    announce(&event_loop, plaintext, warn_protected);
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
