//! FUNCTION and FCALL: libraries of named functions, loaded once and called by name.
//!
//! Chapter: [docs/23-a-handler-that-does-not-return.md](../../../../docs/23-a-handler-that-does-not-return.md).
//!
//! ```text
//! FUNCTION LOAD [REPLACE] "#!lua name=lib\n redis.register_function('f', function(keys, args) ... end)"
//!                                   $3 lib: the library's code ran once, registering its functions
//! FCALL f numkeys [key ...] [arg ...]   f's result; FCALL_RO refuses a function that may write
//! FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE] / DELETE lib / FLUSH / STATS / DUMP / RESTORE
//! ```
//!
//! Where EVAL's scripts are anonymous text the client sends again and again (by SHA1), a
//! library is loaded once, named, and its functions are called by name, with flags of their
//! own (`flags = {'no-writes'}`). A library's code runs only at load time, in a world that
//! has nothing but `redis.register_function`, `redis.log` and the version (Redis's "library
//! API"; even `string` is missing), within a time limit; the functions it registers run later
//! in the same sandbox as EVAL's scripts, with KEYS and ARGV as their two arguments. They live
//! in a VM of their own, so that SCRIPT FLUSH does not touch them and FUNCTION FLUSH does not
//! touch scripts.
//!
//! FUNCTION DUMP writes the libraries as Redis 7.0 does: for each, the RDB opcode
//! `FUNCTION2` (245) and its code as an RDB string, then the RDB version (10) and a CRC-64 of
//! it all; RESTORE reads that back (LZF-compressed strings included, as redis-server writes
//! them), so a dump moves between the two servers.
//!
//! Redis counterpart: `functions.c`, `function_lua.c`.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use mlua::{Function, Value};

use crate::resp::Request;
use crate::server::command::{Command, Exec};
use crate::server::glob::glob_match;

use super::call::{self, Allowed, Kind};
use super::engine::{self, Engine, NAME_RULE, valid_name};
use super::{ScriptFlags, numkeys_fit};

#[rustfmt::skip]
pub const FUNCTION: &[Command] = &[
    Command::new("function|load", -3, &["noscript", "write", "denyoom"], function_load).acl(&["scripting"]).tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    Command::new("function|delete", 3, &["noscript", "write"], function_delete).acl(&["scripting"]).tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    Command::new("function|flush", -2, &["noscript", "write"], function_flush).acl(&["scripting"]).tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    Command::new("function|list", -2, &["noscript"], function_list).acl(&["scripting"]).tips(&["nondeterministic_output_order"]),
    Command::new("function|dump", 2, &["noscript"], function_dump).acl(&["scripting"]),
    Command::new("function|restore", -3, &["noscript", "write", "denyoom"], function_restore).acl(&["scripting"]).tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    Command::new("function|stats", 2, &["noscript", "allow_busy"], function_stats).acl(&["scripting"]).tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
    Command::new("function|kill", 2, &["noscript", "allow_busy"], function_kill).acl(&["scripting"]).tips(&["request_policy:all_shards", "response_policy:one_succeeded"]),
    Command::new("function|help", 2, &["loading", "stale"], function_help).acl(&["scripting"]),
];

/// How long a library's code may run at load time (Redis's `LOAD_TIMEOUT_MS`).
const LOAD_TIMEOUT: Duration = Duration::from_millis(500);
/// The engine every library names in its shebang, as FUNCTION LIST spells it.
const ENGINE: &str = "LUA";
/// RDB's opcode for a library in a dump (`RDB_OPCODE_FUNCTION2`), and the older one
/// (`RDB_OPCODE_FUNCTION`, Redis 7.0's release candidates) RESTORE also accepts.
const OPCODE_FUNCTION2: u8 = 245;
const OPCODE_FUNCTION: u8 = 246;
/// The RDB version a dump is stamped with (Redis 7.0's).
const RDB_VERSION: u16 = 10;

/// One function of a library.
pub struct FunctionInfo {
    pub name: String,
    pub description: Option<Vec<u8>>,
    pub flags: ScriptFlags,
    pub callback: Function,
}

/// A loaded library: its whole code (shebang included, as FUNCTION LIST WITHCODE and DUMP
/// give it back) and its functions by lowercase name.
pub struct Library {
    pub name: String,
    pub code: Vec<u8>,
    pub functions: BTreeMap<String, FunctionInfo>,
}

/// The functions' VM and what is loaded in it.
pub struct Functions {
    pub engine: Engine,
    /// By name (case matters, as in Redis).
    pub libraries: BTreeMap<String, Library>,
    /// Each function's library, by the function's lowercase name (Redis looks functions up
    /// in any case).
    pub owner: HashMap<String, String>,
    /// `redis.call`'s buffers, kept between runs.
    pub buffers: std::cell::RefCell<call::Buffers>,
}

impl Functions {
    pub fn new() -> mlua::Result<Functions> {
        Ok(Functions {
            engine: Engine::new()?,
            libraries: BTreeMap::new(),
            owner: HashMap::new(),
            buffers: Default::default(),
        })
    }

    /// The function called `name` (any case), with its library.
    fn find(&self, name: &[u8]) -> Option<&FunctionInfo> {
        let key = String::from_utf8_lossy(name).to_ascii_lowercase();
        let library = self.owner.get(&key)?;
        self.libraries.get(library)?.functions.get(&key)
    }

    /// FUNCTION LOAD: the library's name, or Redis's error text.
    pub fn load(&mut self, code: &[u8], replace: bool) -> Result<String, String> {
        let (name, engine_name, body) = metadata(code)?;
        if !valid_name(name.as_bytes()) {
            return Err(format!("ERR {NAME_RULE}"));
        }
        if !engine_name.eq_ignore_ascii_case(ENGINE) {
            return Err(format!("ERR Engine '{engine_name}' not found"));
        }
        if self.libraries.contains_key(&name) && !replace {
            return Err(format!("ERR Library '{name}' already exists"));
        }
        let registered = self.run_library_code(body)?;
        if registered.is_empty() {
            return Err("ERR No functions registered".to_string());
        }
        let mut functions = BTreeMap::new();
        for function in registered {
            let key = function.name.to_ascii_lowercase();
            if self.owner.get(&key).is_some_and(|owner| *owner != name) {
                return Err(format!("ERR Function {} already exists", function.name));
            }
            let info = FunctionInfo {
                name: function.name,
                description: function.description,
                flags: function.flags,
                callback: function.callback,
            };
            functions.insert(key, info);
        }
        self.delete(&name);
        for key in functions.keys() {
            self.owner.insert(key.clone(), name.clone());
        }
        let library = Library {
            name: name.clone(),
            code: code.to_vec(),
            functions,
        };
        self.libraries.insert(name.clone(), library);
        Ok(name)
    }

    /// Run a library's code once, in the library API's world, within [`LOAD_TIMEOUT`]: the
    /// functions it registered.
    fn run_library_code(&self, body: &[u8]) -> Result<Vec<engine::Registered>, String> {
        let engine = &self.engine;
        let chunk = engine
            .compile(body, "@user_function")
            .map_err(|message| format!("ERR Error compiling function: {message}"))?;
        let watch = &engine.watch;
        watch.load_deadline.set(Some(Instant::now() + LOAD_TIMEOUT));
        *engine.registering.borrow_mut() = Some(Vec::new());
        let outcome = engine
            .loading
            .call::<()>(true)
            .and_then(|()| engine.run_load.call::<(bool, Value)>(chunk));
        let _ = engine.loading.call::<()>(false);
        watch.load_deadline.set(None);
        let registered = engine.registering.borrow_mut().take().unwrap_or_default();
        match outcome {
            Ok((true, _)) => Ok(registered),
            Ok((false, error)) => Err(format!(
                "ERR Error registering functions: {}",
                String::from_utf8_lossy(&error_message(&error))
            )),
            Err(error) => Err(format!("ERR Error registering functions: {error}")),
        }
    }

    /// How many libraries and functions there are.
    pub fn counts(&self) -> (usize, usize) {
        (self.libraries.len(), self.owner.len())
    }

    /// Remove library `name` and its functions; whether it was there.
    fn delete(&mut self, name: &str) -> bool {
        let Some(library) = self.libraries.remove(name) else {
            return false;
        };
        for key in library.functions.keys() {
            self.owner.remove(key);
        }
        true
    }

    /// Memory, as INFO reports it: the VM's heap, and the libraries' code.
    pub fn memory(&self) -> (usize, usize) {
        let code = self
            .libraries
            .values()
            .map(|library| library.code.len())
            .sum();
        (self.engine.lua.used_memory(), code)
    }
}

/// An error raised by a library's code, as Redis's `luaExtractErrorInformation` reads it
/// without an error handler: a Redis error table's text, or `ERR` and the message.
fn error_message(error: &Value) -> Vec<u8> {
    match error {
        Value::Table(table) => match table.raw_get::<Value>("err") {
            Ok(Value::String(text)) => text.as_bytes().to_vec(),
            _ => b"ERR unknown error".to_vec(),
        },
        Value::Error(error) => {
            let raised = engine::unwrap_error(error);
            if raised.table {
                raised.text
            } else {
                [b"ERR ".as_slice(), &raised.text].concat()
            }
        }
        other => {
            let text = engine::lua_text(other).unwrap_or_default();
            [b"ERR ".as_slice(), &text].concat()
        }
    }
}

/// A library's shebang (`#!lua name=mylib`): its name, its engine and its code from the end
/// of the shebang's line (the line end kept, so line numbers stay the user's).
fn metadata(code: &[u8]) -> Result<(String, String, &[u8]), String> {
    if !code.starts_with(b"#!") {
        return Err("ERR Missing library metadata".to_string());
    }
    let Some(end) = code.iter().position(|&b| b == b'\n') else {
        return Err("ERR Invalid library metadata".to_string());
    };
    // Split as Redis splits it (`sdssplitargs`: `name="my lib"` is one argument).
    let parts = crate::config::file::split_args(&code[..end]).unwrap_or_default();
    let mut parts = parts.iter().map(|part| String::from_utf8_lossy(part));
    let Some(first) = parts.next() else {
        return Err("ERR Invalid library metadata".to_string());
    };
    let engine = first.get(2..).unwrap_or_default().to_string();
    let mut name = None;
    for part in parts {
        let lower = part.to_ascii_lowercase();
        if lower.starts_with("name=") {
            if name.is_some() {
                return Err(
                    "ERR Invalid metadata value, name argument was given multiple times".into(),
                );
            }
            name = Some(part.get(5..).unwrap_or_default().to_string());
            continue;
        }
        return Err(format!("ERR Invalid metadata value given: {part}"));
    }
    let Some(name) = name else {
        return Err("ERR Library name was not given".to_string());
    };
    Ok((name, engine, &code[end..]))
}

/// The functions, taken out of the state for one command (created if needed).
fn take(exec: &mut Exec<'_, '_>) -> Option<Box<Functions>> {
    super::take_or_create(exec, |state| &mut state.functions, Functions::new)
}

fn put_back(exec: &mut Exec<'_, '_>, functions: Box<Functions>) {
    exec.state.functions = Some(functions);
}

pub fn fcall(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    fcall_generic(exec, req, false);
}

pub fn fcall_ro(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    fcall_generic(exec, req, true);
}

/// FCALL and FCALL_RO, in Redis's order: the monitors see it first; then the function is
/// found, `numkeys` read, the flags judged, and the function run.
fn fcall_generic(exec: &mut Exec<'_, '_>, req: &Request<'_>, read_only: bool) {
    if !exec.state.monitors.is_empty() {
        super::super::introspection::feed_monitors_now(exec, req, "fcall");
    }
    let Some(functions) = exec.state.functions.take() else {
        return exec.error("ERR Function not found");
    };
    let Some(function) = functions.find(req.arg(1)) else {
        put_back(exec, functions);
        return exec.error("ERR Function not found");
    };
    let Some(numkeys) = crate::resp::number::parse_i64(req.arg(2)) else {
        put_back(exec, functions);
        return exec.error("ERR Bad number of keys provided");
    };
    if !numkeys_fit(exec, req, numkeys) {
        return put_back(exec, functions);
    }
    if !function.flags.no_writes && read_only {
        put_back(exec, functions);
        return exec.error("ERR Can not execute a script with write flag using *_ro command.");
    }
    if !function.flags.no_writes && !function.flags.allow_oom && exec.state.oom {
        put_back(exec, functions);
        return exec.error(crate::server::evict::OOM);
    }
    let allowed = Allowed {
        read_only: read_only || function.flags.no_writes,
        allow_oom: function.flags.allow_oom,
    };
    let numkeys = numkeys as usize;
    let keys = req.args().skip(3).take(numkeys);
    let argv = req.args().skip(3 + numkeys);
    let invocation = call::Invocation {
        engine: &functions.engine,
        buffers: &functions.buffers,
        function: &function.callback,
        name: &function.name,
        allowed,
        kind: Kind::Function,
        command: req,
        functions: functions.counts(),
    };
    call::run(exec, invocation, keys, argv);
    put_back(exec, functions);
}

pub fn function(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    exec.run_subcommand("FUNCTION", FUNCTION, req);
}

fn function_load(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let mut replace = false;
    let mut at = 2;
    while at < req.len() - 1 {
        let option = req.arg(at);
        at += 1;
        if option.eq_ignore_ascii_case(b"replace") {
            replace = true;
            continue;
        }
        let mut message = b"ERR Unknown option given: ".to_vec();
        message.extend_from_slice(option);
        return exec.error_bytes(&message);
    }
    let Some(mut functions) = take(exec) else {
        return;
    };
    let loaded = functions.load(req.arg(at), replace);
    put_back(exec, functions);
    match loaded {
        Ok(name) => exec.bulk(name.as_bytes()),
        Err(message) => exec.error(&message),
    }
}

fn function_delete(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let name = String::from_utf8_lossy(req.arg(2));
    let deleted = exec
        .state
        .functions
        .as_mut()
        .is_some_and(|functions| functions.delete(&name));
    if deleted {
        exec.ok();
    } else {
        exec.error("ERR Library not found");
    }
}

/// FUNCTION FLUSH: every library gone, and the VM with them.
fn function_flush(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    if req.len() > 3 {
        return exec.subcommand_syntax(req.arg(1), "FUNCTION");
    }
    let mode = req.arg(2);
    let valid =
        req.len() == 2 || mode.eq_ignore_ascii_case(b"sync") || mode.eq_ignore_ascii_case(b"async");
    if !valid {
        return exec.error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    }
    exec.state.functions = None;
    exec.ok();
}

/// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: per library its name, engine, functions
/// (name, description, flags) and, asked, its code; RESP2 writes each map as a flat array.
fn function_list(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let (mut with_code, mut pattern) = (false, None);
    let mut at = 2;
    while at < req.len() {
        let arg = req.arg(at);
        at += 1;
        if !with_code && arg.eq_ignore_ascii_case(b"withcode") {
            with_code = true;
            continue;
        }
        if pattern.is_none() && arg.eq_ignore_ascii_case(b"libraryname") {
            if at >= req.len() {
                return exec.error("ERR library name argument was not given");
            }
            pattern = Some(req.arg(at));
            at += 1;
            continue;
        }
        let mut message = b"ERR Unknown argument ".to_vec();
        message.extend_from_slice(arg);
        return exec.error_bytes(&message);
    }
    let Some(functions) = exec.state.functions.take() else {
        return exec.array(0);
    };
    let listed: Vec<&Library> = functions
        .libraries
        .values()
        .filter(|library| pattern.is_none_or(|p| glob_match(p, library.name.as_bytes(), true)))
        .collect();
    exec.array(listed.len());
    for library in listed {
        exec.array(if with_code { 8 } else { 6 });
        exec.bulk(b"library_name");
        exec.bulk(library.name.as_bytes());
        exec.bulk(b"engine");
        exec.bulk(ENGINE.as_bytes());
        exec.bulk(b"functions");
        exec.array(library.functions.len());
        for function in library.functions.values() {
            exec.array(6);
            exec.bulk(b"name");
            exec.bulk(function.name.as_bytes());
            exec.bulk(b"description");
            match &function.description {
                Some(description) => exec.bulk(description),
                None => exec.null(),
            }
            exec.bulk(b"flags");
            let flags: Vec<&str> = function.flags.names().collect();
            exec.array(flags.len());
            for flag in flags {
                exec.simple(flag);
            }
        }
        if with_code {
            exec.bulk(b"library_code");
            exec.bulk(&library.code);
        }
    }
    exec.state.functions = Some(functions);
}

/// FUNCTION STATS: the busy script, if one is running (only then can this run: it is
/// `noscript`), and the one engine with its counts (a busy function's run holds the
/// libraries: their counts were taken when it became busy).
fn function_stats(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    let counts = exec.state.functions.as_deref().map(Functions::counts);
    let busy = exec.state.busy.as_deref().map(|busy| busy.functions);
    let (libraries, count) = counts.or(busy).unwrap_or_default();
    exec.array(4);
    exec.bulk(b"running_script");
    super::busy::write_running(exec);
    exec.bulk(b"engines");
    exec.array(2);
    exec.bulk(ENGINE.as_bytes());
    exec.array(4);
    exec.bulk(b"libraries_count");
    exec.integer(libraries as i64);
    exec.bulk(b"functions_count");
    exec.integer(count as i64);
}

fn function_kill(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    super::busy::kill(exec, false);
}

/// FUNCTION DUMP: every library as `FUNCTION2` and its code, the RDB version, the CRC-64.
fn function_dump(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    let mut payload = Vec::new();
    if let Some(functions) = &exec.state.functions {
        for library in functions.libraries.values() {
            payload.push(OPCODE_FUNCTION2);
            rdb_string(&mut payload, &library.code);
        }
    }
    payload.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &payload);
    payload.extend_from_slice(&crc.to_le_bytes());
    exec.bulk(&payload);
}

/// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]: the libraries of a dump loaded; on a
/// name collision APPEND (the default) refuses all of them, REPLACE replaces, FLUSH first
/// drops every library there is.
fn function_restore(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    if req.len() > 4 {
        return exec.subcommand_syntax(req.arg(1), "FUNCTION");
    }
    #[derive(PartialEq)]
    enum Policy {
        Append,
        Replace,
        Flush,
    }
    let policy = match req.len() {
        4 => {
            let given = req.arg(3);
            if given.eq_ignore_ascii_case(b"append") {
                Policy::Append
            } else if given.eq_ignore_ascii_case(b"replace") {
                Policy::Replace
            } else if given.eq_ignore_ascii_case(b"flush") {
                Policy::Flush
            } else {
                return exec.error(
                    "ERR Wrong restore policy given, value should be either FLUSH, APPEND or \
                     REPLACE.",
                );
            }
        }
        _ => Policy::Append,
    };
    let Some(codes) = read_dump(req.arg(2)) else {
        return exec.error("ERR DUMP payload version or checksum are wrong");
    };
    let codes = match codes {
        Ok(codes) => codes,
        Err(message) => return exec.error(&message),
    };
    // Loaded into a fresh set of libraries first: a payload that fails loads nothing.
    let mut restored = match Functions::new() {
        Ok(functions) => functions,
        Err(error) => return exec.error(&format!("ERR Error creating the Lua VM: {error}")),
    };
    for code in &codes {
        if let Err(message) = restored.load(code, false) {
            return exec.error(&message);
        }
    }
    let Some(mut functions) = take(exec) else {
        return;
    };
    if policy == Policy::Flush {
        exec.state.functions = Some(Box::new(restored));
        return exec.ok();
    }
    if policy == Policy::Append
        && let Some(name) = codes
            .iter()
            .filter_map(|code| metadata(code).ok())
            .map(|(name, _, _)| name)
            .find(|name| functions.libraries.contains_key(name))
    {
        put_back(exec, functions);
        return exec.error(&format!("ERR Library {name} already exists"));
    }
    // Joined into the current VM by loading the same code there, in the same order.
    let mut failed = None;
    for code in &codes {
        if let Err(message) = functions.load(code, true) {
            failed = Some(message);
            break;
        }
    }
    put_back(exec, functions);
    match failed {
        Some(message) => exec.error(&message),
        None => exec.ok(),
    }
}

/// The libraries' code in a dump, or `None` if its version or checksum is wrong (Redis's
/// `verifyDumpPayload`), or the error reading it.
fn read_dump(payload: &[u8]) -> Option<Result<Vec<Vec<u8>>, String>> {
    let len = payload.len();
    if len < 10 {
        return None;
    }
    let version = u16::from_le_bytes([payload[len - 10], payload[len - 9]]);
    if version > RDB_VERSION {
        return None;
    }
    let mut crc = [0u8; 8];
    crc.copy_from_slice(&payload[len - 8..]);
    if crc64(0, &payload[..len - 8]) != u64::from_le_bytes(crc) {
        return None;
    }
    let body = &payload[..len - 10];
    let mut at = 0;
    let mut codes = Vec::new();
    while at < body.len() {
        let opcode = body[at];
        at += 1;
        if opcode != OPCODE_FUNCTION2 && opcode != OPCODE_FUNCTION {
            return Some(Err("ERR given type is not a function".into()));
        }
        match read_rdb_string(body, &mut at) {
            Some(code) => codes.push(code),
            None => return Some(Err("ERR failed loading the given functions payload".into())),
        }
    }
    Some(Ok(codes))
}

/// Append `bytes` as an RDB string: its length in RDB's length encoding, then the bytes
/// (uncompressed: always valid, whatever `rdbcompression` says).
fn rdb_string(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = bytes.len();
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.push(0x40 | (len >> 8) as u8);
        out.push(len as u8);
    } else if let Ok(len) = u32::try_from(len) {
        out.push(0x80);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(bytes);
}

/// An RDB length: `(value, is_encoded)` (encoded: the low 6 bits name a special format).
fn read_rdb_length(bytes: &[u8], at: &mut usize) -> Option<(u64, bool)> {
    let first = *bytes.get(*at)?;
    *at += 1;
    Some(match first >> 6 {
        0 => (u64::from(first & 0x3F), false),
        1 => {
            let second = *bytes.get(*at)?;
            *at += 1;
            ((u64::from(first & 0x3F) << 8) | u64::from(second), false)
        }
        2 if first == 0x80 => {
            let raw = bytes.get(*at..*at + 4)?;
            *at += 4;
            (u64::from(u32::from_be_bytes(raw.try_into().ok()?)), false)
        }
        2 if first == 0x81 => {
            let raw = bytes.get(*at..*at + 8)?;
            *at += 8;
            (u64::from_be_bytes(raw.try_into().ok()?), false)
        }
        3 => (u64::from(first & 0x3F), true),
        _ => return None,
    })
}

/// An RDB string: plain, an integer written as one (`RDB_ENC_INT8/16/32`), or LZF-compressed
/// (`RDB_ENC_LZF`, which redis-server uses for code longer than 20 bytes).
fn read_rdb_string(bytes: &[u8], at: &mut usize) -> Option<Vec<u8>> {
    let (len, encoded) = read_rdb_length(bytes, at)?;
    if !encoded {
        let len = usize::try_from(len).ok()?;
        let data = bytes.get(*at..at.checked_add(len)?)?;
        *at += len;
        return Some(data.to_vec());
    }
    match len {
        0 => {
            let v = *bytes.get(*at)? as i8;
            *at += 1;
            Some(v.to_string().into_bytes())
        }
        1 => {
            let raw = bytes.get(*at..*at + 2)?;
            *at += 2;
            Some(
                i16::from_le_bytes(raw.try_into().ok()?)
                    .to_string()
                    .into_bytes(),
            )
        }
        2 => {
            let raw = bytes.get(*at..*at + 4)?;
            *at += 4;
            Some(
                i32::from_le_bytes(raw.try_into().ok()?)
                    .to_string()
                    .into_bytes(),
            )
        }
        3 => {
            let (compressed, _) = read_rdb_length(bytes, at)?;
            let (plain, _) = read_rdb_length(bytes, at)?;
            let compressed = usize::try_from(compressed).ok()?;
            let data = bytes.get(*at..at.checked_add(compressed)?)?;
            *at += compressed;
            lzf_decompress(data, usize::try_from(plain).ok()?)
        }
        _ => None,
    }
}

/// LZF decompression (the format of Redis's `lzf_d.c`): literal runs and back references;
/// `None` for anything that does not decode to exactly `expected` bytes.
fn lzf_decompress(input: &[u8], expected: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(expected.min(input.len().saturating_mul(16)));
    let mut at = 0;
    while at < input.len() {
        let control = usize::from(input[at]);
        at += 1;
        if control < 32 {
            let run = control + 1;
            out.extend_from_slice(input.get(at..at + run)?);
            at += run;
        } else {
            let mut len = control >> 5;
            if len == 7 {
                len += usize::from(*input.get(at)?);
                at += 1;
            }
            let back = ((control & 0x1F) << 8) + usize::from(*input.get(at)?) + 1;
            at += 1;
            let start = out.len().checked_sub(back)?;
            for i in 0..len + 2 {
                let byte = *out.get(start + i)?;
                out.push(byte);
            }
        }
        if out.len() > expected {
            return None;
        }
    }
    (out.len() == expected).then_some(out)
}

/// Redis's CRC-64 (Jones polynomial, reflected, `crc64.c`), bit by bit: dumps are small.
pub fn crc64(mut crc: u64, bytes: &[u8]) -> u64 {
    const POLY: u64 = 0x95AC_9329_AC4B_C9B5;
    for &byte in bytes {
        crc ^= u64::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
        }
    }
    crc
}

fn function_help(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.help(
        "function",
        &[
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Library description",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there is a chance of failure",
            "      in case of functions name collision with another library).",
        ],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Break checked: the polynomial's top bit cleared gives a different check value.
    #[test]
    fn crc64_is_redis_crc64() {
        // The check value Redis's own crc64 test uses.
        assert_eq!(crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
    }

    /// Break checked: a back reference one byte short fails the round trip.
    #[test]
    fn lzf_reads_literals_and_back_references() {
        // "abcabcabc": three literals, then a back reference of length 6 at distance 3.
        let compressed = [2, b'a', b'b', b'c', (4 << 5), 2];
        assert_eq!(
            lzf_decompress(&compressed, 9).as_deref(),
            Some(&b"abcabcabc"[..])
        );
        assert_eq!(lzf_decompress(&compressed, 8), None);
    }
}
