//! EVAL, EVALSHA, their read-only forms and SCRIPT: Lua scripts, run atomically by the one
//! thread.
//!
//! Chapter: [docs/23-a-handler-that-does-not-return.md](../../../../docs/23-a-handler-that-does-not-return.md).
//!
//! ```text
//! EVAL script numkeys [key ...] [arg ...]     the script's result; KEYS and ARGV hold the rest
//! EVALSHA sha1 numkeys [key ...] [arg ...]    the same, for a script already seen (NOSCRIPT if not)
//! EVAL_RO, EVALSHA_RO                         the same, refusing every command that writes
//! SCRIPT LOAD script                          $40 its SHA1, compiled and kept
//! SCRIPT EXISTS sha1 [sha1 ...]               *n of :1 / :0
//! SCRIPT FLUSH [ASYNC|SYNC]                   +OK: every script forgotten, a fresh VM
//! SCRIPT KILL                                 +OK: the busy script stops (-NOTBUSY, -UNKILLABLE)
//! ```
//!
//! A script is atomic for free: the loop runs one command at a time, and a script is one
//! command. Nothing else runs until it returns, which is also the danger: a script that does
//! not return would stall every client. Past `busy-reply-threshold` it serves the loop from
//! inside instead, answering everyone else `-BUSY` until it ends or SCRIPT KILL stops it
//! ([`busy`]).
//!
//! Scripts are kept by the SHA1 of their text, compiled once into a function of the VM
//! ([`Scripts`]); EVAL hashes its script each time and compiles it only when new, EVALSHA
//! looks the hash up (in any case, as Redis). A script may start with a shebang,
//! `#!lua flags=no-writes,allow-oom`, whose flags say what it may do; without one it runs as
//! scripts did before Redis 7.0.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`engine`] | the Lua VM, the sandbox (`sandbox.lua`), the Rust half of the `redis` object |
//! | [`call`] | one script run, and `redis.call` through the command table |
//! | [`convert`] | replies into Lua values, a script's result into a reply |
//! | [`libs`] | the libraries Redis ships to scripts (`bit`, `cjson`, `cmsgpack`, `struct`) |
//! | [`functions`] | FUNCTION and FCALL: libraries of named functions, loaded once, kept apart from EVAL's scripts |
//! | [`busy`] | the busy script: `-BUSY` to everyone else while it runs past its threshold, SCRIPT KILL and FUNCTION KILL |
//!
//! The VM is created when the first script arrives: a server that never runs one holds none.
//!
//! Redis counterpart: `eval.c` (`evalGenericCommand`, `luaCreateFunction`, `scriptCommand`,
//! `evalExtractShebangFlags`).

pub mod busy;
pub mod call;
pub mod convert;
pub mod engine;
pub mod functions;
pub mod libs;

use std::collections::HashMap;

use mlua::Function;

use crate::resp::Request;
use crate::server::command::{Command, Exec};
use crate::server::spec::KeySpec;
use crate::server::{State, args};

use call::{Allowed, Kind};
use engine::Engine;

#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("eval", -3, &["noscript", "skip_monitor", "may_replicate", "no_mandatory_keys", "stale"], eval).acl(&["scripting"]).keys(&[KeySpec::index(2, &["RW", "access", "update"]).keynum(0, 1, 1).notes("We cannot tell how the keys will be used so we assume the worst, RW and UPDATE")]),
    Command::new("evalsha", -3, &["noscript", "skip_monitor", "may_replicate", "no_mandatory_keys", "stale"], evalsha).acl(&["scripting"]).keys(&[KeySpec::index(2, &["RW", "access", "update"]).keynum(0, 1, 1)]),
    Command::new("eval_ro", -3, &["noscript", "skip_monitor", "no_mandatory_keys", "stale", "readonly"], eval_ro).acl(&["scripting"]).keys(&[KeySpec::index(2, &["RO", "access"]).keynum(0, 1, 1).notes("We cannot tell how the keys will be used so we assume the worst, RO and ACCESS")]),
    Command::new("evalsha_ro", -3, &["noscript", "skip_monitor", "no_mandatory_keys", "stale", "readonly"], evalsha_ro).acl(&["scripting"]).keys(&[KeySpec::index(2, &["RO", "access"]).keynum(0, 1, 1)]),
    Command::new("script", -2, &[], script).subcommands(SCRIPT),
    Command::new("fcall", -3, &["noscript", "skip_monitor", "may_replicate", "no_mandatory_keys", "stale"], functions::fcall).acl(&["scripting"]).keys(&[KeySpec::index(2, &["RW", "access", "update"]).keynum(0, 1, 1).notes("We cannot tell how the keys will be used so we assume the worst, RW and UPDATE")]),
    Command::new("fcall_ro", -3, &["noscript", "skip_monitor", "no_mandatory_keys", "stale", "readonly"], functions::fcall_ro).acl(&["scripting"]).keys(&[KeySpec::index(2, &["RO", "access"]).keynum(0, 1, 1).notes("We cannot tell how the keys will be used so we assume the worst, RO and ACCESS")]),
    Command::new("function", -2, &[], functions::function).subcommands(functions::FUNCTION),
];

#[rustfmt::skip]
const SCRIPT: &[Command] = &[
    Command::new("script|load", 3, &["noscript", "stale"], script_load).acl(&["scripting"]).tips(&["request_policy:all_nodes", "response_policy:all_succeeded"]),
    Command::new("script|exists", -3, &["noscript"], script_exists).acl(&["scripting"]).tips(&["request_policy:all_shards", "response_policy:agg_logical_and"]),
    Command::new("script|flush", -2, &["noscript"], script_flush).acl(&["scripting"]).tips(&["request_policy:all_nodes", "response_policy:all_succeeded"]),
    Command::new("script|kill", 2, &["noscript", "allow_busy"], script_kill).acl(&["scripting"]).tips(&["request_policy:all_shards", "response_policy:one_succeeded"]),
    Command::new("script|help", 2, &["loading", "stale"], script_help).acl(&["scripting"]),
    Command::new("script|debug", 3, &["noscript"], script_debug).acl(&["scripting"]),
];

/// `-NOSCRIPT`: EVALSHA of a script never loaded (or flushed since).
const NOSCRIPT: &str = "NOSCRIPT No matching script. Please use EVAL.";

/// What a script's shebang says it may do (Redis's `SCRIPT_FLAG_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScriptFlags {
    /// No shebang: the script runs as before Redis 7.0 (it may write, even under `_RO`
    /// where each write is refused instead).
    pub compat: bool,
    pub no_writes: bool,
    pub allow_oom: bool,
    pub allow_stale: bool,
    pub no_cluster: bool,
    pub allow_cross_slot_keys: bool,
}

impl ScriptFlags {
    /// Redis's flag names, in the order FUNCTION LIST shows them.
    pub const NAMES: [&'static str; 5] = [
        "no-writes",
        "allow-oom",
        "allow-stale",
        "no-cluster",
        "allow-cross-slot-keys",
    ];

    /// Set the flag called `name`; false if there is none.
    pub fn set(&mut self, name: &str) -> bool {
        let flag = match name {
            "no-writes" => &mut self.no_writes,
            "allow-oom" => &mut self.allow_oom,
            "allow-stale" => &mut self.allow_stale,
            "no-cluster" => &mut self.no_cluster,
            "allow-cross-slot-keys" => &mut self.allow_cross_slot_keys,
            _ => return false,
        };
        *flag = true;
        true
    }

    /// The names of the flags set, in [`ScriptFlags::NAMES`]'s order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        let set = [
            self.no_writes,
            self.allow_oom,
            self.allow_stale,
            self.no_cluster,
            self.allow_cross_slot_keys,
        ];
        Self::NAMES
            .into_iter()
            .zip(set)
            .filter_map(|(name, on)| on.then_some(name))
    }
}

/// A cached script: its text, its compiled function, its flags.
pub struct Script {
    pub body: Box<[u8]>,
    pub function: Function,
    pub flags: ScriptFlags,
}

/// The VM and the scripts it has compiled, by SHA1 (lowercase hex).
pub struct Scripts {
    pub engine: Engine,
    pub cache: HashMap<[u8; 40], Script>,
    /// Bytes of the cached scripts' text (INFO's `used_memory_scripts_eval`).
    pub body_bytes: usize,
    /// `redis.call`'s buffers, kept between runs.
    pub buffers: std::cell::RefCell<call::Buffers>,
}

impl Scripts {
    pub fn new() -> mlua::Result<Scripts> {
        Ok(Scripts {
            engine: Engine::new()?,
            cache: HashMap::new(),
            body_bytes: 0,
            buffers: Default::default(),
        })
    }

    /// The script with `body`, compiled now if it is new: its SHA1, or Redis's error text.
    pub fn load(&mut self, body: &[u8]) -> Result<[u8; 40], String> {
        let sha = sha_key(engine::sha1_hex(body).as_bytes()).unwrap_or([b'0'; 40]);
        if self.cache.contains_key(&sha) {
            return Ok(sha);
        }
        let (flags, shebang_len) = shebang(body)?;
        // The shebang's line is dropped but its line end kept: line numbers stay the user's.
        let code = body.get(shebang_len..).unwrap_or_default();
        let function = self
            .engine
            .compile(code, "@user_script")
            .map_err(|message| format!("ERR Error compiling script (new function): {message}"))?;
        self.body_bytes += body.len();
        self.cache.insert(
            sha,
            Script {
                body: body.into(),
                function,
                flags,
            },
        );
        Ok(sha)
    }

    /// Memory the scripts take, as INFO reports it: the VM's heap, and the cache's text with
    /// a rough per-entry overhead (Redis's `evalScriptsMemory`).
    pub fn memory(&self) -> (usize, usize) {
        let cache = self.body_bytes + self.cache.len() * (40 + std::mem::size_of::<Script>());
        (self.engine.lua.used_memory(), cache)
    }
}

/// What INFO memory reports of scripts: the VM's heap, the cache's bytes, the scripts cached.
pub fn memory(state: &State) -> (usize, usize, usize) {
    state.scripts.as_ref().map_or((0, 0, 0), |scripts| {
        let (vm, cache) = scripts.memory();
        (vm, cache, scripts.cache.len())
    })
}

/// A SHA1 as the cache keys it: 40 characters, lowercased; `None` for any other length.
fn sha_key(text: &[u8]) -> Option<[u8; 40]> {
    let mut key = [0u8; 40];
    if text.len() != key.len() {
        return None;
    }
    for (to, from) in key.iter_mut().zip(text) {
        *to = from.to_ascii_lowercase();
    }
    Some(key)
}

/// A script's shebang (`#!lua flags=no-writes,allow-oom`): its flags and the bytes of its
/// line (the line end excluded), or Redis's error. No shebang: compatibility mode, 0 bytes.
fn shebang(body: &[u8]) -> Result<(ScriptFlags, usize), String> {
    if !body.starts_with(b"#!") {
        return Ok((
            ScriptFlags {
                compat: true,
                ..ScriptFlags::default()
            },
            0,
        ));
    }
    let Some(len) = body.iter().position(|&b| b == b'\n') else {
        return Err("ERR Invalid script shebang".to_string());
    };
    // Split as Redis splits it (`sdssplitargs`: quotes group words).
    let parts = crate::config::file::split_args(&body[..len]).unwrap_or_default();
    let mut parts = parts.iter().map(|part| String::from_utf8_lossy(part));
    let Some(engine) = parts.next() else {
        return Err("ERR Invalid engine in script shebang".to_string());
    };
    if engine != "#!lua" {
        return Err(format!("ERR Unexpected engine in script shebang: {engine}"));
    }
    let mut flags = ScriptFlags::default();
    for part in parts {
        let Some(names) = part.strip_prefix("flags=") else {
            return Err(format!("ERR Unknown lua shebang option: {part}"));
        };
        for name in names.split(',').filter(|name| !name.is_empty()) {
            if !flags.set(name) {
                return Err(format!("ERR Unexpected flag in script shebang: {name}"));
            }
        }
    }
    Ok((flags, len))
}

/// A VM's owner (EVAL's scripts, FUNCTION's libraries) taken out of its slot in the state
/// for one command, created if this is the first, so that a running script can lend the
/// whole state to `redis.call`; the command puts it back when done. `None` (the error
/// answered) if the VM could not be created.
fn take_or_create<T>(
    exec: &mut Exec<'_, '_>,
    slot: fn(&mut State) -> &mut Option<Box<T>>,
    create: fn() -> mlua::Result<T>,
) -> Option<Box<T>> {
    if let Some(taken) = slot(exec.state).take() {
        return Some(taken);
    }
    match create() {
        Ok(created) => Some(Box::new(created)),
        Err(error) => {
            exec.error(&format!("ERR Error creating the Lua VM: {error}"));
            None
        }
    }
}

fn take(exec: &mut Exec<'_, '_>) -> Option<Box<Scripts>> {
    take_or_create(exec, |state| &mut state.scripts, Scripts::new)
}

fn put_back(exec: &mut Exec<'_, '_>, scripts: Box<Scripts>) {
    exec.state.scripts = Some(scripts);
}

fn eval(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    eval_generic(exec, req, false, false);
}

fn eval_ro(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    eval_generic(exec, req, false, true);
}

fn evalsha(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    eval_generic(exec, req, true, false);
}

fn evalsha_ro(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    eval_generic(exec, req, true, true);
}

/// EVAL and its three siblings, in Redis's order: the monitors see the script before its
/// commands; a SHA1 of the wrong length is NOSCRIPT before anything is read; then `numkeys`;
/// then the script is found (or compiled); then its flags are judged; then it runs.
fn eval_generic(exec: &mut Exec<'_, '_>, req: &Request<'_>, by_sha: bool, read_only: bool) {
    if !exec.state.monitors.is_empty() {
        super::introspection::feed_monitors_now(exec, req, "eval");
    }
    if by_sha && req.arg(1).len() != 40 {
        return exec.error(NOSCRIPT);
    }
    let numkeys = match args::Args::new(req, 2).int() {
        Ok(n) => n,
        Err(message) => return exec.error(message),
    };
    if !numkeys_fit(exec, req, numkeys) {
        return;
    }
    let Some(mut scripts) = take(exec) else {
        return;
    };
    let sha = if by_sha {
        sha_key(req.arg(1))
    } else {
        match scripts.load(req.arg(1)) {
            Ok(sha) => Some(sha),
            Err(message) => {
                put_back(exec, scripts);
                return exec.error(&message);
            }
        }
    };
    let Some(script) = sha.and_then(|sha| scripts.cache.get(&sha)) else {
        put_back(exec, scripts);
        return exec.error(NOSCRIPT);
    };
    let flags = script.flags;
    if !flags.compat && !flags.no_writes && read_only {
        put_back(exec, scripts);
        return exec.error("ERR Can not execute a script with write flag using *_ro command.");
    }
    // A script declaring flags that may write, without `allow-oom`, is refused over
    // `maxmemory` as a `denyoom` command is (Redis's `evalGetCommandFlags`).
    if !flags.compat && !flags.no_writes && !flags.allow_oom && exec.state.oom {
        put_back(exec, scripts);
        return exec.error(crate::server::evict::OOM);
    }
    let allowed = Allowed {
        read_only: read_only || (!flags.compat && flags.no_writes),
        allow_oom: !flags.compat && flags.allow_oom,
    };
    // The cache's keys are hex digits: always UTF-8.
    let name = sha
        .as_ref()
        .and_then(|sha| std::str::from_utf8(sha).ok())
        .unwrap_or("?");
    let numkeys = numkeys as usize;
    let keys = req.args().skip(3).take(numkeys);
    let argv = req.args().skip(3 + numkeys);
    let invocation = call::Invocation {
        engine: &scripts.engine,
        buffers: &scripts.buffers,
        function: &script.function,
        name,
        allowed,
        kind: Kind::Script,
        command: req,
        functions: (0, 0),
    };
    call::run(exec, invocation, keys, argv);
    put_back(exec, scripts);
}

/// Redis's two checks of `numkeys` against the arguments given (EVAL's and FCALL's).
fn numkeys_fit(exec: &mut Exec<'_, '_>, req: &Request<'_>, numkeys: i64) -> bool {
    if numkeys > req.len() as i64 - 3 {
        exec.error("ERR Number of keys can't be greater than number of args");
        return false;
    }
    if numkeys < 0 {
        exec.error("ERR Number of keys can't be negative");
        return false;
    }
    true
}

fn script(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    exec.run_subcommand("SCRIPT", SCRIPT, req);
}

fn script_load(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let Some(mut scripts) = take(exec) else {
        return;
    };
    let loaded = scripts.load(req.arg(2));
    put_back(exec, scripts);
    match loaded {
        Ok(sha) => exec.bulk(&sha),
        Err(message) => exec.error(&message),
    }
}

fn script_exists(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    exec.array(req.len() - 2);
    for sha in req.args().skip(2) {
        let known = sha_key(sha).is_some_and(|sha| {
            exec.state
                .scripts
                .as_ref()
                .is_some_and(|scripts| scripts.cache.contains_key(&sha))
        });
        exec.integer(i64::from(known));
    }
}

/// SCRIPT FLUSH: every script forgotten and the VM replaced by a fresh one (Redis's
/// `scriptingReset`), so nothing a script left behind survives. ASYNC is accepted; the old
/// VM is small enough to drop at once.
fn script_flush(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let mode = req.arg(2);
    let valid = match req.len() {
        2 => true,
        3 => mode.eq_ignore_ascii_case(b"sync") || mode.eq_ignore_ascii_case(b"async"),
        _ => false,
    };
    if !valid {
        return exec.error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    }
    exec.state.scripts = None;
    exec.ok();
}

fn script_kill(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    busy::kill(exec, true);
}

/// SCRIPT DEBUG: there is no Lua debugger here; NO (its default) is accepted.
fn script_debug(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let mode = req.arg(2);
    if mode.eq_ignore_ascii_case(b"no") {
        return exec.ok();
    }
    if mode.eq_ignore_ascii_case(b"yes") || mode.eq_ignore_ascii_case(b"sync") {
        return exec.error("ERR SCRIPT DEBUG is not supported: this server has no Lua debugger");
    }
    exec.error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
}

fn script_help(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.help(
        "script",
        &[
            "DEBUG (YES|SYNC|NO)",
            "    Set the debug mode for subsequent scripts executed.",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL",
            "    Kill the currently executing Lua script.",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
        ],
    );
}
