//! CONFIG: the parameters that exist here, read and (where the loop allows it) changed.
//!
//! See the parent module [`super`] for why clients need these replies.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use log::warn;

use crate::config::{Config, directives};
use crate::reactor::Origin;
use crate::reactor::listener::Rebind;
use crate::resp::Request;

use crate::server::command::{Command, Exec};
use crate::server::glob::glob_match;
use crate::server::{State, evict};

/// The configuration parameters CONFIG knows: the ones this server has, named and formatted
/// as redis.conf does, plus `save` and `appendonly`, which clients ask about
/// (`redis-benchmark` reads them) and which have one true answer here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Param {
    Appendonly,
    Bind,
    BusyReplyThreshold,
    ClientOutputBufferLimit,
    ClientQueryBufferLimit,
    Databases,
    HashMaxListpackEntries,
    HashMaxListpackValue,
    LatencyMonitorThreshold,
    LatencyTracking,
    LatencyTrackingInfoPercentiles,
    ListCompressDepth,
    ListMaxListpackSize,
    Maxclients,
    Port,
    LfuDecayTime,
    LfuLogFactor,
    Maxmemory,
    MaxmemoryEvictionTenacity,
    MaxmemoryPolicy,
    MaxmemorySamples,
    ProtectedMode,
    ProtoMaxBulkLen,
    Requirepass,
    Save,
    SetMaxIntsetEntries,
    SlowlogLogSlowerThan,
    SlowlogMaxLen,
    Timeout,
    TlsAuthClients,
    TlsCaCertDir,
    TlsCaCertFile,
    TlsCertFile,
    TlsKeyFile,
    TlsKeyFilePass,
    TlsProtocols,
    TlsCiphersuites,
    TlsPort,
    ZsetMaxListpackEntries,
    ZsetMaxListpackValue,
    /// One of Redis's immutable parameters whose one value here is a fact of this server:
    /// it does not daemonize or write a pid file, has no unix socket, is no replica, and
    /// does its I/O on one thread. Answered so tools asking find the truth; never changed.
    Constant(&'static str),
}

/// What CONFIG SET may do to a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setting {
    /// Immutable in Redis too: always refused.
    Immutable,
    /// Changeable in Redis but fixed here (the loop or the lack of persistence owns it): only
    /// its current value is accepted, so `CONFIG SET save ""` and `CONFIG SET appendonly no`
    /// work.
    Fixed,
    /// Really changeable: the parser reads its limits from the state on every call.
    Changeable,
}

/// Sorted by name: this is the order CONFIG GET lists matches in. The `*-ziplist-*` names
/// are Redis 7.0's aliases of the `*-listpack-*` ones (the encoding was renamed in 7.0).
const PARAMS: [(&str, Param); 55] = [
    ("appendonly", Param::Appendonly),
    ("bind", Param::Bind),
    ("busy-reply-threshold", Param::BusyReplyThreshold),
    ("client-output-buffer-limit", Param::ClientOutputBufferLimit),
    ("client-query-buffer-limit", Param::ClientQueryBufferLimit),
    ("daemonize", Param::Constant("no")),
    ("databases", Param::Databases),
    ("hash-max-listpack-entries", Param::HashMaxListpackEntries),
    ("hash-max-listpack-value", Param::HashMaxListpackValue),
    ("hash-max-ziplist-entries", Param::HashMaxListpackEntries),
    ("hash-max-ziplist-value", Param::HashMaxListpackValue),
    ("io-threads", Param::Constant("1")),
    ("io-threads-do-reads", Param::Constant("no")),
    ("latency-monitor-threshold", Param::LatencyMonitorThreshold),
    ("latency-tracking", Param::LatencyTracking),
    (
        "latency-tracking-info-percentiles",
        Param::LatencyTrackingInfoPercentiles,
    ),
    ("lfu-decay-time", Param::LfuDecayTime),
    ("lfu-log-factor", Param::LfuLogFactor),
    ("list-compress-depth", Param::ListCompressDepth),
    ("list-max-listpack-size", Param::ListMaxListpackSize),
    ("list-max-ziplist-size", Param::ListMaxListpackSize),
    ("lua-time-limit", Param::BusyReplyThreshold),
    ("maxclients", Param::Maxclients),
    ("maxmemory", Param::Maxmemory),
    (
        "maxmemory-eviction-tenacity",
        Param::MaxmemoryEvictionTenacity,
    ),
    ("maxmemory-policy", Param::MaxmemoryPolicy),
    ("maxmemory-samples", Param::MaxmemorySamples),
    ("pidfile", Param::Constant("")),
    ("port", Param::Port),
    ("protected-mode", Param::ProtectedMode),
    ("proto-max-bulk-len", Param::ProtoMaxBulkLen),
    ("replicaof", Param::Constant("")),
    ("requirepass", Param::Requirepass),
    ("save", Param::Save),
    ("set-max-intset-entries", Param::SetMaxIntsetEntries),
    ("slaveof", Param::Constant("")),
    ("slowlog-log-slower-than", Param::SlowlogLogSlowerThan),
    ("slowlog-max-len", Param::SlowlogMaxLen),
    ("supervised", Param::Constant("no")),
    ("timeout", Param::Timeout),
    ("tls-auth-clients", Param::TlsAuthClients),
    ("tls-ca-cert-dir", Param::TlsCaCertDir),
    ("tls-ca-cert-file", Param::TlsCaCertFile),
    ("tls-cert-file", Param::TlsCertFile),
    ("tls-ciphersuites", Param::TlsCiphersuites),
    ("tls-key-file", Param::TlsKeyFile),
    ("tls-key-file-pass", Param::TlsKeyFilePass),
    ("tls-port", Param::TlsPort),
    ("tls-protocols", Param::TlsProtocols),
    ("unixsocket", Param::Constant("")),
    ("unixsocketperm", Param::Constant("0")),
    ("zset-max-listpack-entries", Param::ZsetMaxListpackEntries),
    ("zset-max-listpack-value", Param::ZsetMaxListpackValue),
    ("zset-max-ziplist-entries", Param::ZsetMaxListpackEntries),
    ("zset-max-ziplist-value", Param::ZsetMaxListpackValue),
];

impl Param {
    fn lookup(name: &[u8]) -> Option<Param> {
        Self::entry(name).map(|(_, param)| param)
    }

    /// The table entry for `name` (any case): its canonical spelling and parameter.
    fn entry(name: &[u8]) -> Option<(&'static str, Param)> {
        PARAMS
            .iter()
            .find(|(known, _)| known.as_bytes().eq_ignore_ascii_case(name))
            .copied()
    }

    /// The value as Redis's CONFIG GET formats it (memory sizes as plain byte counts).
    fn value(self, state: &State) -> String {
        match self {
            Param::Appendonly => "no".into(),
            // The port actually bound (the configured one may be 0, "any free port").
            Param::Port => state.port.to_string(),
            Param::TlsPort => state.tls_port.unwrap_or(0).to_string(),
            // No persistence: no save points.
            Param::Save => String::new(),
            Param::Constant(value) => value.into(),
            directive => directive.value_in(&state.config),
        }
    }

    /// A directive parameter's value in `config`, from the directive table (its arguments
    /// joined by spaces, as CONFIG GET shows them); "" for the others.
    fn value_in(self, config: &Config) -> String {
        PARAMS
            .iter()
            .find(|&&(_, param)| param == self)
            .and_then(|(name, _)| directives::find(name.as_bytes()))
            .map_or_else(String::new, |directive| (directive.get)(config).join(" "))
    }

    /// Whether this is one of the TLS files or policies (loaded together when one changes).
    fn is_tls(self) -> bool {
        matches!(
            self,
            Param::TlsAuthClients
                | Param::TlsCaCertDir
                | Param::TlsCaCertFile
                | Param::TlsCertFile
                | Param::TlsKeyFile
                | Param::TlsKeyFilePass
                | Param::TlsProtocols
                | Param::TlsCiphersuites
        )
    }

    /// Whether this parameter is also a start-up directive ([`directives`]): then CONFIG SET
    /// checks its value with the very parser the flags and the config file use.
    fn is_directive(self) -> bool {
        !matches!(self, Param::Appendonly | Param::Save | Param::Constant(_))
    }

    fn setting(self) -> Setting {
        match self {
            Param::Databases | Param::Constant(_) => Setting::Immutable,
            // Loaded into a new TLS configuration for new connections (`Ctx::set_tls_config`).
            tls if tls.is_tls() => Setting::Changeable,
            // The loop's limits: handed to it at once (`apply`).
            Param::Timeout
            | Param::Maxclients
            | Param::ClientQueryBufferLimit
            | Param::ClientOutputBufferLimit
            // Read from the configuration by each new connection (and the dashboard).
            | Param::Requirepass
            | Param::ProtectedMode
            // Read by the parser on every request.
            | Param::ProtoMaxBulkLen
            // Read by dispatch after every command.
            | Param::SlowlogLogSlowerThan
            | Param::SlowlogMaxLen
            | Param::LatencyMonitorThreshold
            | Param::LatencyTracking
            // Read by every script when it starts.
            | Param::BusyReplyThreshold
            | Param::LatencyTrackingInfoPercentiles
            // New listeners bound at once, swapped in by the loop (`Ctx::listen_on`).
            | Param::Port
            | Param::Bind
            | Param::TlsPort
            | Param::HashMaxListpackEntries
            | Param::HashMaxListpackValue
            | Param::ListCompressDepth
            | Param::ListMaxListpackSize
            | Param::SetMaxIntsetEntries
            | Param::ZsetMaxListpackEntries
            | Param::ZsetMaxListpackValue
            // Read before every command, and by the timer (`apply` restamps on a policy change).
            | Param::Maxmemory
            | Param::MaxmemoryPolicy
            | Param::MaxmemorySamples
            | Param::MaxmemoryEvictionTenacity
            | Param::LfuLogFactor
            | Param::LfuDecayTime => Setting::Changeable,
            _ => Setting::Fixed,
        }
    }
}

/// `CONFIG <subcommand> ...`. Subcommand arity errors name the subcommand (`config|get`), as
/// Redis 7 does.
pub(super) fn config(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    exec.run_subcommand("CONFIG", CONFIG, req);
}

#[rustfmt::skip]
pub(super) const CONFIG: &[Command] = &[
    Command::new("config|get", -3, &["admin", "noscript", "loading", "stale"], config_get),
    Command::new("config|set", -4, &["admin", "noscript", "loading", "stale"], config_set).tips(&["request_policy:all_nodes", "response_policy:all_succeeded"]),
    Command::new("config|resetstat", 2, &["admin", "noscript", "loading", "stale"], config_resetstat),
    Command::new("config|rewrite", 2, &["admin", "noscript", "loading", "stale"], config_rewrite),
    Command::new("config|help", 2, &["loading", "stale"], config_help),
];

fn config_resetstat(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    crate::server::commands::admin::info::reset_stats(exec);
    exec.ok();
}

/// `CONFIG REWRITE`: the values in force, back into the file the server was started with.
fn config_rewrite(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    match crate::config::file::rewrite(&exec.state.config) {
        Ok(()) => exec.ok(),
        Err(problem) => exec.error_bytes(format!("ERR {problem}").as_bytes()),
    }
}

fn config_help(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.help(
        "config",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    );
}

/// `CONFIG GET pattern [pattern ...]`: a flat array of name, value pairs (a map in RESP3).
///
/// Like Redis: glob patterns match case-insensitively and report the canonical name; a name
/// without glob characters is looked up directly and reported as the client spelled it; each
/// parameter is reported once however many patterns match it. Redis lists matches in hash
/// order, i.e. in no promised order; we list them in the order found.
fn config_get(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    // (as reported, canonical name, parameter): an alias is a name of its own, as in Redis.
    let mut found: Vec<(&[u8], &str, Param)> = Vec::new();
    for pattern in req.args().skip(2) {
        let is_glob = pattern.iter().any(|b| matches!(b, b'*' | b'?' | b'['));
        if !is_glob {
            if let Some((canonical, param)) = Param::entry(pattern)
                && !found.iter().any(|&(_, c, _)| c == canonical)
            {
                found.push((pattern, canonical, param));
            }
            continue;
        }
        for &(name, param) in &PARAMS {
            if !found.iter().any(|&(_, c, _)| c == name)
                && glob_match(pattern, name.as_bytes(), true)
            {
                found.push((name.as_bytes(), name, param));
            }
        }
    }
    exec.array(found.len() * 2);
    for (name, _, param) in found {
        let value = param.value(exec.state);
        exec.bulk(name);
        exec.bulk(value.as_bytes());
    }
}

/// One CONFIG SET pair applied to `config` (a copy): what is wrong with it, if anything.
fn set_one(
    state: &State,
    config: &mut Config,
    param: Param,
    name: &[u8],
    value: &[u8],
) -> Option<String> {
    if param.is_directive() {
        // The same parser as the flags and the file; then a fixed parameter only accepts its
        // current value, however it is spelled (`1gb` for 1073741824).
        let canonical = Param::entry(name).map_or("", |(canonical, _)| canonical);
        match directives::apply(config, canonical.as_bytes(), &[value]) {
            Err(problem) => Some(problem),
            Ok(()) if param.setting() == Setting::Changeable => None,
            Ok(()) if param.value_in(config) == param.value_in(&state.config) => None,
            Ok(()) => Some("can't set immutable config".to_string()),
        }
    } else if param.setting() == Setting::Fixed
        && value.eq_ignore_ascii_case(param.value(state).as_bytes())
    {
        None
    } else {
        Some("can't set immutable config".to_string())
    }
}

/// `CONFIG SET name value [name value ...]`: all or nothing, checked in Redis's order: the
/// argument count, then every name (unknown, immutable, repeated), then every value.
fn config_set(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    // Redis checks the pairing before anything else.
    if !req.len().is_multiple_of(2) {
        return exec.syntax_error();
    }
    let pairs: Vec<(&[u8], &[u8])> = (2..req.len())
        .step_by(2)
        .map(|i| (req.arg(i), req.arg(i + 1)))
        .collect();

    // Names first. An unknown name wins over any other problem, unless a problem was found
    // before it (Redis records only the first failure, but always prefers "unknown").
    let mut unknown: Option<&[u8]> = None;
    let mut failure: Option<(&[u8], String)> = None;
    let mut chosen: Vec<(Param, &[u8], &[u8])> = Vec::new();
    for &(name, value) in &pairs {
        let Some(param) = Param::lookup(name) else {
            if unknown.is_none() && failure.is_none() {
                unknown = Some(name);
            }
            continue;
        };
        if unknown.is_some() || failure.is_some() {
            continue;
        }
        if param.setting() == Setting::Immutable {
            failure = Some((name, "can't set immutable config".into()));
        } else if chosen.iter().any(|&(p, _, _)| p == param) {
            failure = Some((name, "duplicate parameter".into()));
        } else {
            chosen.push((param, name, value));
        }
    }
    if let Some(name) = unknown {
        let mut message = b"ERR Unknown option or number of arguments for CONFIG SET - '".to_vec();
        message.extend_from_slice(name);
        message.push(b'\'');
        return exec.error_bytes(&message);
    }

    // Then values, all checked before any is applied: on copies, so that a failure anywhere
    // leaves everything as it was.
    let mut config = exec.state.config.clone();
    if failure.is_none() {
        for &(param, name, value) in &chosen {
            if let Some(problem) = set_one(exec.state, &mut config, param, name, value) {
                failure = Some((name, problem));
                break;
            }
        }
    }
    // New TLS files are loaded now, before anything is applied: a certificate that does not
    // load leaves the old one serving.
    let mut tls = None;
    let tls_param = chosen.iter().find(|(param, ..)| param.is_tls());
    if let (None, Some(&(_, name, _))) = (&failure, tls_param) {
        let wanted = exec.state.tls_port.is_some() || config.tls.cert_file.is_some();
        match crate::config::tls::server_config(&config.tls) {
            Ok(loaded) => tls = Some(loaded),
            Err(reason) if wanted => {
                log::warn!("CONFIG SET: the TLS configuration did not load: {reason}");
                failure = Some((name, TLS_UNLOADABLE.to_string()));
            }
            Err(_) => {}
        }
    }
    // New listeners are bound now, while the old ones still serve: a port in use is refused
    // and nothing has changed.
    let mut rebinds = Vec::new();
    if failure.is_none() {
        match listen(exec, &chosen, &config, tls.clone()) {
            Ok(bound) => rebinds = bound,
            Err(blame) => failure = Some(blame),
        }
    }
    if let Some((name, problem)) = failure {
        let mut message = b"ERR CONFIG SET failed (possibly related to argument '".to_vec();
        message.extend_from_slice(name);
        message.extend_from_slice(b"') - ");
        message.extend_from_slice(problem.as_bytes());
        return exec.error_bytes(&message);
    }
    apply(exec, config);
    for rebind in rebinds {
        let port = rebind.addrs().first().map_or(0, |addr| addr.port());
        match rebind.origin() {
            Origin::Plain => exec.state.port = port,
            _ => exec.state.tls_port = (port != 0).then_some(port),
        }
        exec.ctx.replace_listeners(rebind);
    }
    if let Some(loaded) = tls.filter(|_| exec.state.tls_port.is_some()) {
        exec.ctx.set_tls_config(loaded);
    }
    exec.ok();
}

/// Redis's reason for a TLS configuration that does not load (the cause goes to the log).
const TLS_UNLOADABLE: &str = "Unable to update TLS configuration. Check server logs.";

/// When `port`, `bind` or `tls-port` change: the listeners the new configuration asks for,
/// bound but not yet serving ([`crate::reactor::Ctx::listen_on`]): plaintext on every bind
/// address at `port` (none when only TLS is wanted), TLS on the same addresses at `tls-port`
/// (none when it is 0). Addresses already listened on keep their sockets. A failure names
/// the parameter to blame with Redis's words.
fn listen<'r>(
    exec: &Exec<'_, '_>,
    chosen: &[(Param, &'r [u8], &'r [u8])],
    config: &Config,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> Result<Vec<Rebind>, (&'r [u8], String)> {
    let named = |wanted: Param| chosen.iter().find(|c| c.0 == wanted).map(|c| c.1);
    let (port, bind, tls_port) = (
        named(Param::Port),
        named(Param::Bind),
        named(Param::TlsPort),
    );
    let Some(any) = port.or(bind).or(tls_port) else {
        return Ok(Vec::new());
    };
    // The parameter to blame for a listener that cannot be bound, with Redis's words: the
    // port of that listener if it changed, else `bind`.
    let blame = |own_port: Option<&'r [u8]>| match (own_port, bind) {
        (None, Some(name)) => (name, "Failed to bind to specified addresses.".to_string()),
        (own, _) => (
            own.unwrap_or(any),
            "Unable to listen on this port. Check server logs.".to_string(),
        ),
    };
    let ips: Vec<(IpAddr, bool)> = std::iter::once((config.bind, false))
        .chain(config.bind_also.iter().copied())
        .collect();
    let plain_ips = if config.plaintext() { &ips[..] } else { &[] };
    let plain = exec
        .ctx
        .listen_on(Origin::Plain, plain_ips, config.port, None)
        .map_err(|e| {
            log::warn!("CONFIG SET: cannot listen on port {}: {e}", config.port);
            blame(port)
        })?;
    let tls_listeners = match config.tls.port {
        None => exec.ctx.listen_on(Origin::Tls, &[], 0, None),
        Some(tls_port_number) => {
            let loaded = match tls {
                Some(loaded) => loaded,
                None => crate::config::tls::server_config(&config.tls).map_err(|reason| {
                    log::warn!("CONFIG SET: the TLS configuration did not load: {reason}");
                    (tls_port.unwrap_or(any), TLS_UNLOADABLE.to_string())
                })?,
            };
            exec.ctx
                .listen_on(Origin::Tls, &ips, tls_port_number, Some(loaded))
        }
    }
    .map_err(|e| {
        log::warn!("CONFIG SET: cannot listen for TLS: {e}");
        blame(tls_port)
    })?;
    Ok(vec![plain, tls_listeners])
}

/// A configuration CONFIG SET accepted, put to work: the parser's limit, the loop's limits
/// (every connection, open ones included, is held to them from now on), and the rest read from
/// `state.config` where it is used (`requirepass` and `protected-mode` by each new connection,
/// the thresholds by each value that grows).
fn apply(exec: &mut Exec<'_, '_>, config: Config) {
    exec.state.limits.max_bulk_len = config.proto_max_bulk_len;
    exec.ctx.set_output_limits(config.output_limits);
    exec.ctx.set_max_clients(config.maxclients);
    exec.ctx
        .set_query_buffer_limit(config.client_query_buffer_limit);
    let timeout = (config.timeout_secs > 0).then(|| Duration::from_secs(config.timeout_secs));
    exec.ctx.set_idle_timeout(timeout);
    let eviction = config.eviction;
    let before = exec.state.config.eviction;
    exec.state.config = config;
    exec.state.slow_bound = crate::server::commands::introspection::slow_bound(exec.state);
    if eviction != before {
        exec.state.set_clocks();
        exec.state.evict_pool.clear();
        let used = evict::used_memory();
        if eviction.maxmemory > 0 && eviction.maxmemory < used {
            warn!(
                "WARNING: the new maxmemory value set via CONFIG SET ({}) is smaller than the \
                 current memory usage ({used}). This will result in key eviction and/or the \
                 inability to accept new write commands depending on the maxmemory-policy.",
                eviction.maxmemory
            );
            // Evicted from the timer, a slice a tick (Redis's `startEvictionTimeProc`).
            exec.state.next_eviction = Some(std::time::Instant::now());
        }
    }
}
