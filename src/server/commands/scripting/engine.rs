//! The Lua VM, as Redis 7.0 embeds it: Lua 5.1, the libraries Redis ships, the sandbox, and
//! the Rust half of the `redis` object.
//!
//! Chapter: [docs/23-a-handler-that-does-not-return.md](../../../../docs/23-a-handler-that-does-not-return.md).
//!
//! The VM is built from Lua's C source by `mlua` (features `lua51`, `vendored`): nothing to
//! install. It loads only the safe standard libraries (base, table, string, math, coroutine);
//! `sandbox.lua` (beside this file) then builds what a script sees, as Redis's
//! `scriptingInit` does: globals that refuse writes and complain about names that do not
//! exist, views of the libraries, Redis's `pcall`, `math.random` on Redis's generator, and the
//! `redis` object, whose `call` is a Rust function that lives only while a script runs
//! ([`super::call`]). The libraries Redis ships (`cjson`, `cmsgpack`, `bit`, `struct`) are
//! installed first ([`super::libs`]).
//!
//! Errors keep Redis's shape: a table `{err = "CODE message"}`, to which the error handler
//! adds where the script was (`source`, `line`): the first frame that is neither C code nor
//! the sandbox's own, found by [`where_in_script`] (Redis's handler uses `debug.getinfo`,
//! which scripts must not have). A Rust function cannot raise a Lua table, so it raises a
//! [`ScriptError`], which `mlua` wraps; the handler and `pcall` unwrap it into the table or
//! text Redis's C code would have raised ([`unwrap_error`]).
//!
//! Stock Lua 5.1.5 has crashes a script can provoke, which Redis patched in its copy; the ones
//! that matter are closed here instead: `unpack` is Rust's, chunks are text only, and
//! `loadstring` refuses a long-string delimiter its lexer would overflow on.
//!
//! One count hook watches every run ([`Watch`]): every 100,000 instructions it looks whether
//! a library's code has overrun FUNCTION LOAD's 500 ms, whether the running script was
//! killed, and whether it has run past `busy-reply-threshold`, when it serves the loop
//! ([`super::busy`]). It is a global hook, so coroutines a script creates carry it too.
//!
//! Redis counterpart: `script_lua.c` (`luaRegisterRedisAPI`, `luaSetErrorMetatable`, the
//! readonly tables of Redis's patched Lua), `eval.c` (`scriptingInit`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use std::time::{Duration, Instant};

use log::{debug, info, warn};
use mlua::{Function, HookTriggers, Lua, LuaOptions, StdLib, Table, Value, Variadic, VmState};

use crate::server::commands::admin::REDIS_VERSION;

/// Lua's `setpause`: the heap's growth, in percent of the live data, that starts a cycle.
const GC_PAUSE: i32 = 400;

/// The chunk that builds the sandbox.
const SANDBOX: &str = include_str!("sandbox.lua");
/// Its name: frames from it are skipped when an error is located.
const SANDBOX_NAME: &str = "=sandbox";

/// A Lua VM ready to run scripts.
pub struct Engine {
    pub lua: Lua,
    /// The scripts' globals: KEYS and ARGV are set here before an EVAL runs.
    pub globals: Table,
    /// The environment every script function runs in (a view of `globals`).
    pub env: Table,
    /// True while a script runs (the `redis` functions that need a run ask).
    pub running: Rc<Cell<bool>>,
    /// While FUNCTION LOAD runs a library's code: the functions it registered so far.
    pub registering: Rc<RefCell<Option<Vec<Registered>>>>,
    /// `run_function(f, keys, argv, call)`: FCALL's runner (KEYS and ARGV as arguments).
    pub run_function: Function,
    /// `loading(on)`: the library API as the globals (FUNCTION LOAD), or the scripts' again.
    pub loading: Function,
    /// `run_load(f)`: a library's code run once; `true`, or `false` and the raw error.
    pub run_load: Function,
    /// The chunk names scripts and libraries are compiled under, kept alive as Lua strings:
    /// Lua 5.1.5's parser does not anchor a chunk's name, and a collection while it parses
    /// could free it (Redis patched the parser; holding the interned string is the same fix).
    _names: [mlua::LuaString; 2],
    /// `run(f, keys, argv, call)`: KEYS, ARGV and `redis.call` set, then `f` called under
    /// the error handler; `true, result` or `false, error`.
    pub runner: Function,
    /// The real `redis` table.
    pub redis: Table,
    /// What the count hook watches (shared with it).
    pub watch: Rc<Watch>,
}

/// How many instructions the count hook lets pass between looks (Redis's, too).
const HOOK_EVERY: u32 = 100_000;
/// How many commands `redis.call` runs between looks ([`Watch::call_look`]).
const CALL_LOOKS_EVERY: u32 = 100;
/// Where the hook finds the `redis` table, whose `call` is the running script's.
const REDIS_KEY: &str = "reactor.redis";

/// What the VM's count hook watches, set by each run and read every [`HOOK_EVERY`]
/// instructions: a load's deadline, the run's start and threshold, a kill.
pub struct Watch {
    /// True while a script runs (shared with the `redis` functions that ask).
    running: Rc<Cell<bool>>,
    /// A library's code is loading (FUNCTION LOAD): it must be done by then.
    pub load_deadline: Cell<Option<Instant>>,
    /// The clock runs are timed by, and when this one was first looked at (its raw reading):
    /// a run too short to be looked at never reads the clock.
    clock: quanta::Clock,
    started: Cell<Option<u64>>,
    /// `busy-reply-threshold` for this run (zero: never busy).
    threshold: Cell<Duration>,
    /// Past the threshold: every look serves the loop.
    pub busy: Cell<bool>,
    /// The hook is calling `redis.call` for a pass of the loop, not the script for a command.
    pub serving: Cell<bool>,
    /// Killed: the hook raises at every instruction.
    pub killed: Cell<bool>,
    /// Commands run since `redis.call` last looked.
    calls: Cell<u32>,
}

impl Watch {
    /// A run begins: its clock starts, under `threshold`.
    pub fn begin(&self, threshold: Duration) {
        self.started.set(None);
        self.threshold.set(threshold);
        self.calls.set(0);
    }

    /// How long this run has taken since it was first looked at (which starts its clock).
    /// The first look comes within 100,000 instructions or 100 commands, a fraction of a
    /// millisecond: that is how much later than Redis a script can be found busy, and what it
    /// saves is a read of the clock for every script too short to be looked at.
    pub fn elapsed(&self) -> Duration {
        let now = self.clock.raw();
        match self.started.get() {
            Some(started) => self.clock.delta(started, now),
            None => {
                self.started.set(Some(now));
                Duration::ZERO
            }
        }
    }

    /// One look, every [`HOOK_EVERY`] instructions (and at every one once killed).
    fn look(self: &Rc<Self>, lua: &Lua, at: &mlua::debug::Debug) -> mlua::Result<VmState> {
        if let Some(deadline) = self.load_deadline.get() {
            if Instant::now() >= deadline {
                return Err(raise("ERR FUNCTION LOAD timeout"));
            }
            return Ok(VmState::Continue);
        }
        if !self.running.get() {
            return Ok(VmState::Continue);
        }
        if self.killed.get() {
            return self.kill(at);
        }
        if !self.due() {
            return Ok(VmState::Continue);
        }
        // The running script's `redis.call` is the one way to its run: asked with `serving`
        // set, it runs a pass of the loop instead of a command.
        let redis: Table = lua.named_registry_value(REDIS_KEY)?;
        let call: Function = redis.raw_get("call")?;
        self.serving.set(true);
        let served = call.call::<()>(());
        self.serving.set(false);
        served?;
        if self.killed.get() {
            self.quicken(lua)?;
            return self.kill(at);
        }
        Ok(VmState::Continue)
    }

    /// Whether the run is past its threshold (and so the loop is due a pass).
    fn due(&self) -> bool {
        if self.busy.get() {
            return true;
        }
        let threshold = self.threshold.get();
        if threshold.is_zero() || self.elapsed() < threshold {
            return false;
        }
        self.busy.set(true);
        true
    }

    /// A look from `redis.call`, every [`CALL_LOOKS_EVERY`] commands: a script that spends
    /// its time in commands runs few instructions of its own, and would seldom meet the hook.
    /// Whether the loop is due a pass.
    pub fn call_look(&self) -> bool {
        let calls = self.calls.get() + 1;
        if calls < CALL_LOOKS_EVERY {
            self.calls.set(calls);
            return false;
        }
        self.calls.set(0);
        self.due()
    }

    /// Killed: the hook from now on at every instruction, so that a `pcall` that catches the
    /// kill cannot keep the script alive (Redis switches its hook to every line).
    pub fn quicken(self: &Rc<Self>, lua: &Lua) -> mlua::Result<()> {
        hook(lua, self, 1)
    }

    /// A killed script's error, raised where the script is; not in the sandbox's own code
    /// (its `pcall` hands the error on, and its runner must return it), where the next
    /// instruction of the script's raises it instead.
    fn kill(&self, at: &mlua::debug::Debug) -> mlua::Result<VmState> {
        if at.source().source.as_deref() == Some(SANDBOX_NAME) {
            return Ok(VmState::Continue);
        }
        Err(raise(super::busy::KILLED))
    }

    /// The run is over: the hook back to its pace if a kill had quickened it. Whether the
    /// run was killed.
    pub fn end(self: &Rc<Self>, lua: &Lua) -> bool {
        self.busy.set(false);
        let killed = self.killed.replace(false);
        if killed {
            let _ = hook(lua, self, HOOK_EVERY);
        }
        killed
    }
}

/// Install the count hook every `every` instructions, on this VM and the coroutines it makes.
fn hook(lua: &Lua, watch: &Rc<Watch>, every: u32) -> mlua::Result<()> {
    let watch = watch.clone();
    lua.set_global_hook(
        HookTriggers::new().every_nth_instruction(every),
        move |lua, at| watch.look(lua, at),
    )
}

impl Engine {
    pub fn new() -> mlua::Result<Engine> {
        // Lua 5.1's base library carries `coroutine`.
        let libs = StdLib::TABLE | StdLib::STRING | StdLib::MATH;
        let lua = Lua::new_with(libs, LuaOptions::default())?;
        // A collection cycle starts when the heap has grown to 4x what survived the last
        // (Lua's default: 2x). A script's garbage is small and short-lived (KEYS, ARGV, the
        // replies), so cycles are cheaper spaced out; measured with `benches/instructions.sh
        // target/release/reactor-server evalsha 1 50000` (chapter 23).
        let gc = mlua::prelude::LuaGcIncParams::default().pause(GC_PAUSE);
        lua.gc_set_mode(mlua::prelude::LuaGcMode::Incremental(gc));
        super::libs::install(&lua)?;
        let running = Rc::new(Cell::new(false));
        let registering = Rc::new(RefCell::new(None));
        let rust = rust_half(&lua, &running, &registering)?;
        let chunk = lua.load(SANDBOX).set_name(SANDBOX_NAME);
        let names = [
            lua.create_string("@user_script")?,
            lua.create_string("@user_function")?,
        ];
        let (globals, env, runner, redis, run_function, loading, run_load) =
            chunk.call::<(Table, Table, Function, Table, Function, Function, Function)>(rust)?;
        let watch = Rc::new(Watch {
            running: running.clone(),
            load_deadline: Cell::new(None),
            clock: quanta::Clock::new(),
            started: Cell::new(None),
            threshold: Cell::new(Duration::ZERO),
            busy: Cell::new(false),
            serving: Cell::new(false),
            killed: Cell::new(false),
            calls: Cell::new(0),
        });
        lua.set_named_registry_value(REDIS_KEY, &redis)?;
        hook(&lua, &watch, HOOK_EVERY)?;
        Ok(Engine {
            lua,
            globals,
            env,
            running,
            registering,
            runner,
            run_function,
            loading,
            run_load,
            _names: names,
            redis,
            watch,
        })
    }

    /// Compile a script body into a function that runs in the scripts' environment, named as
    /// Redis names it in errors (`@user_script`). The error is Lua's message
    /// (`user_script:1: '=' expected near 'b'`).
    pub fn compile(&self, body: &[u8], name: &str) -> Result<Function, String> {
        // Text only: Lua 5.1 runs bytecode unverified, so a crafted binary chunk could crash
        // the server (Redis removed the loader of binary chunks from its Lua).
        self.lua
            .load(body)
            .set_mode(mlua::prelude::LuaChunkMode::Text)
            .set_name(name)
            .set_environment(self.env.clone())
            .into_function()
            .map_err(|error| match error {
                mlua::Error::SyntaxError { message, .. } => message,
                other => other.to_string(),
            })
    }
}

/// An error raised from Rust into a script. Lua sees `mlua`'s wrapped error; the error
/// handler and `pcall` unwrap it ([`unwrap_error`]) into what Redis's C code would have
/// raised: a Redis error table, or a plain message.
#[derive(Debug, Clone)]
pub struct ScriptError {
    /// The error's text: `CODE message` for a Redis error table, else a Lua message.
    pub text: Vec<u8>,
    /// A Redis error table (`{err = text}`), not a plain message.
    pub table: bool,
    /// Already counted in the error statistics (a command's own error reply).
    pub counted: bool,
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.text))
    }
}

impl std::error::Error for ScriptError {}

/// Raise a Redis error (`ERR message`) into the script.
pub fn raise(message: &str) -> mlua::Error {
    mlua::Error::external(ScriptError {
        text: message.as_bytes().to_vec(),
        table: true,
        counted: false,
    })
}

/// Raise a plain Lua message as C's `luaL_error` does: prefixed with where the calling
/// script is (`user_script:1: `); the error handler gives it the code `ERR`.
pub fn raise_message(lua: &Lua, message: &str) -> mlua::Error {
    let position = lua
        .inspect_stack(1, |frame| {
            let line = frame.current_line()?;
            let source = frame.source();
            Some(format!(
                "{}:{line}: ",
                source.short_src.as_deref().unwrap_or("?")
            ))
        })
        .flatten()
        .unwrap_or_default();
    mlua::Error::external(ScriptError {
        text: format!("{position}{message}").into_bytes(),
        table: false,
        counted: false,
    })
}

/// What a Rust error raised into Lua stands for: our own [`ScriptError`], or for any other
/// (which the server's own code does not raise) its innermost message.
pub fn unwrap_error(error: &mlua::Error) -> ScriptError {
    if let Some(raised) = error.downcast_ref::<ScriptError>() {
        return raised.clone();
    }
    let text = error
        .chain()
        .last()
        .map_or_else(|| error.to_string(), ToString::to_string);
    ScriptError {
        text: text.into_bytes(),
        table: false,
        counted: false,
    }
}

/// The functions the sandbox takes from Rust: the ones that need bytes, hashing, the log,
/// the command table or the stack.
fn rust_half(
    lua: &Lua,
    running: &Rc<Cell<bool>>,
    registering: &Rc<RefCell<Option<Vec<Registered>>>>,
) -> mlua::Result<Table> {
    let rust = lua.create_table()?;
    let registry = registering.clone();
    rust.set(
        "register_function",
        lua.create_function(move |_, args: Variadic<Value>| {
            let mut registry = registry.borrow_mut();
            let Some(registered) = registry.as_mut() else {
                return Err(raise(
                    "ERR redis.register_function can only be called on FUNCTION LOAD command",
                ));
            };
            let function = Registered::from_args(&args).map_err(|message| raise(&message))?;
            if !valid_name(function.name.as_bytes()) {
                return Err(raise(&format!("ERR {NAME_RULE}")));
            }
            if registered.iter().any(|known| known.name == function.name) {
                return Err(raise("ERR Function already exists in the library"));
            }
            registered.push(function);
            Ok(())
        })?,
    )?;
    rust.set(
        "sha1hex",
        lua.create_function(|_, args: Variadic<Value>| {
            if args.len() != 1 {
                return Err(raise("ERR wrong number of arguments"));
            }
            let bytes = args.first().and_then(lua_text).unwrap_or_default();
            Ok(sha1_hex(&bytes))
        })?,
    )?;
    rust.set("log", lua.create_function(log)?)?;
    rust.set(
        "error_table",
        lua.create_function(|lua, text: mlua::LuaString| {
            super::convert::error_table(lua, &text.as_bytes(), false)
        })?,
    )?;
    rust.set("handler", lua.create_function(handler)?)?;
    rust.set(
        "error_value",
        lua.create_function(|lua, error: Value| match error {
            Value::Error(error) => {
                let raised = unwrap_error(&error);
                let mut text = raised.text;
                if !raised.table {
                    text.splice(0..0, *b"ERR ");
                }
                super::convert::error_table_of(lua, &text, raised.counted).map(Value::Table)
            }
            other => Ok(other),
        })?,
    )?;
    rust.set(
        "error_text",
        lua.create_function(|lua, error: Value| match error {
            Value::Error(error) => {
                let raised = unwrap_error(&error);
                lua.create_string(&raised.text).map(Value::String)
            }
            other => Ok(other),
        })?,
    )?;
    let acl_running = running.clone();
    let table = crate::server::command::Table::new(crate::server::commands::FAMILIES);
    rust.set(
        "acl_check_cmd",
        lua.create_function(move |_, args: Variadic<Value>| {
            if !acl_running.get() {
                return Err(raise(
                    "ERR redis.acl_check_cmd can only be called inside a script invocation",
                ));
            }
            let name = args.first().and_then(lua_text).unwrap_or_default();
            // Every command is permitted: there are no ACL users here, only the default one.
            match table.lookup(&name) {
                Some(_) => Ok(true),
                None => Err(raise("ERR Invalid command passed to redis.acl_check_cmd()")),
            }
        })?,
    )?;
    // Redis's generator: lrand48, one sequence for the VM's life, reseeded by randomseed.
    let state = Rc::new(Cell::new(Lrand48::INITIAL));
    let random_state = state.clone();
    rust.set(
        "random",
        lua.create_function(move |lua, args: Variadic<Value>| {
            let mut generator = random_state.get();
            let r = f64::from(generator.next() % LRAND48_MAX) / f64::from(LRAND48_MAX);
            random_state.set(generator);
            let bound = |at: usize| args.get(at).and_then(lua_number).map(|n| n as i32);
            match args.len() {
                0 => Ok(r),
                1 => match bound(0) {
                    Some(upper) if upper >= 1 => Ok((r * f64::from(upper)).floor() + 1.0),
                    Some(_) => Err(raise_message(
                        lua,
                        "bad argument #1 to 'random' (interval is empty)",
                    )),
                    None => Err(raise_message(
                        lua,
                        "bad argument #1 to 'random' (number expected)",
                    )),
                },
                2 => match (bound(0), bound(1)) {
                    (Some(lower), Some(upper)) if lower <= upper => {
                        let span = f64::from(upper) - f64::from(lower) + 1.0;
                        Ok((r * span).floor() + f64::from(lower))
                    }
                    (Some(_), Some(_)) => Err(raise_message(
                        lua,
                        "bad argument #2 to 'random' (interval is empty)",
                    )),
                    _ => Err(raise_message(
                        lua,
                        "bad argument to 'random' (number expected)",
                    )),
                },
                _ => Err(raise_message(lua, "wrong number of arguments")),
            }
        })?,
    )?;
    rust.set(
        "randomseed",
        lua.create_function(move |lua, args: Variadic<Value>| {
            let Some(seed) = args.first().and_then(lua_number) else {
                let message = "bad argument #1 to 'randomseed' (number expected)";
                return Err(raise_message(lua, message));
            };
            state.set(Lrand48::seeded(seed as i32));
            Ok(())
        })?,
    )?;
    let resp_running = running.clone();
    rust.set(
        "setresp",
        lua.create_function(move |_, args: Variadic<Value>| {
            if !resp_running.get() {
                return Err(raise(
                    "ERR redis.setresp can only be called inside a script invocation",
                ));
            }
            if args.len() != 1 {
                return Err(raise("ERR redis.setresp() requires one argument."));
            }
            match args.first().and_then(lua_number).map(|n| n as i64) {
                Some(2) => Ok(()),
                // Replies in RESP3 shapes need RESP3, which this server does not speak.
                Some(3) => Err(raise("ERR RESP3 is not supported by this server")),
                _ => Err(raise("ERR RESP version must be 2 or 3.")),
            }
        })?,
    )?;
    let repl_running = running.clone();
    rust.set(
        "set_repl",
        lua.create_function(move |_, args: Variadic<Value>| {
            if !repl_running.get() {
                return Err(raise("ERR redis.set_repl can only be called inside a script invocation"));
            }
            if args.len() != 1 {
                return Err(raise("ERR redis.set_repl() requires two arguments."));
            }
            // Accepted and ignored: nothing is replicated or appended here.
            let flags = args.first().and_then(lua_number).map_or(0, |n| n as i64);
            if flags & !3 != 0 {
                return Err(raise(
                    "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
                ));
            }
            Ok(())
        })?,
    )?;
    rust.set("unpack", lua.create_function(unpack)?)?;
    rust.set(
        "lexable",
        lua.create_function(|_, text: mlua::LuaString| Ok(lexable(&text.as_bytes())))?,
    )?;
    rust.set("version", REDIS_VERSION)?;
    rust.set("version_num", version_num(REDIS_VERSION))?;
    Ok(rust)
}

/// `unpack(t [, i [, j]])`: `t[i]`, ..., `t[j]` (`j` defaults to `#t`), with Lua 5.1's
/// argument rules and Redis's fix: a range too long for the stack is an error, where stock
/// Lua 5.1.5 computes its length in a signed `int` that overflows and then crashes.
fn unpack(lua: &Lua, args: Variadic<Value>) -> mlua::Result<mlua::MultiValue> {
    let Some(Value::Table(table)) = args.first() else {
        let got = args.first().map_or("no value", Value::type_name);
        let message = format!("bad argument #1 to 'unpack' (table expected, got {got})");
        return Err(raise_message(lua, &message));
    };
    // luaL_optint: nil or absent is the default; anything else must be a number.
    let int = |at: usize, default: i64| -> mlua::Result<i64> {
        match args.get(at) {
            None | Some(Value::Nil) => Ok(default),
            Some(value) => match lua_number(value) {
                // `(int)` of the rounded number: wraps to 32 bits as C does.
                Some(n) if n.is_finite() => Ok(i64::from(n.round() as i64 as i32)),
                Some(_) => Ok(0),
                None => {
                    let got = value.type_name();
                    let message = format!(
                        "bad argument #{} to 'unpack' (number expected, got {got})",
                        at + 1
                    );
                    Err(raise_message(lua, &message))
                }
            },
        }
    };
    let first = int(1, 1)?;
    let last = int(2, table.raw_len() as i64)?;
    if first > last {
        return Ok(mlua::MultiValue::new());
    }
    // LUAI_MAXCSTACK: no more values than a C function may push.
    if last - first >= 8000 {
        return Err(raise_message(lua, "too many results to unpack"));
    }
    let mut values = mlua::MultiValue::with_capacity((last - first + 1) as usize);
    for index in first..=last {
        values.push_back(table.raw_get::<Value>(index)?);
    }
    Ok(values)
}

/// Whether Lua 5.1.5's lexer can read `text` safely: no run of 2^30 or more `=` (a long
/// string delimiter that long overflows its `int` count).
fn lexable(text: &[u8]) -> bool {
    let mut run = 0usize;
    for &b in text {
        if b == b'=' {
            run += 1;
            if run >= 1 << 30 {
                return false;
            }
        } else {
            run = 0;
        }
    }
    true
}

/// What Redis says of a library's or a function's name that is not `[A-Za-z0-9_]+`.
pub const NAME_RULE: &str = "Library names can only contain letters, numbers, or underscores(_) \
                             and must be at least one character long";

/// Whether `name` is a valid library or function name (Redis's `functionsVerifyName`).
pub fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A function registered by `redis.register_function` while its library loads.
pub struct Registered {
    pub name: String,
    pub callback: Function,
    pub description: Option<Vec<u8>>,
    pub flags: super::ScriptFlags,
}

impl Registered {
    /// `register_function(name, callback)` or `register_function{function_name = ...,
    /// callback = ..., description = ..., flags = {...}}`, with Redis's errors.
    fn from_args(args: &[Value]) -> Result<Registered, String> {
        match args {
            [Value::Table(named)] => Registered::from_table(named),
            [_] => Err(
                "ERR calling redis.register_function with a single argument is only \
                        applicable to Lua table (representing named arguments)."
                    .to_string(),
            ),
            [name, callback] => {
                let Some(name) = lua_text(name) else {
                    return Err(
                        "ERR first argument to redis.register_function must be a string".into(),
                    );
                };
                let Value::Function(callback) = callback else {
                    return Err(
                        "ERR second argument to redis.register_function must be a function".into(),
                    );
                };
                Ok(Registered {
                    name: String::from_utf8_lossy(&name).into_owned(),
                    callback: callback.clone(),
                    description: None,
                    flags: super::ScriptFlags::default(),
                })
            }
            _ => Err("ERR wrong number of arguments to redis.register_function".into()),
        }
    }

    fn from_table(named: &Table) -> Result<Registered, String> {
        let (mut name, mut callback, mut description) = (None, None, None);
        let mut flags = super::ScriptFlags::default();
        for pair in named.pairs::<Value, Value>() {
            let (key, value) = pair.map_err(|e| format!("ERR {e}"))?;
            let Value::String(key) = key else {
                return Err(
                    "ERR named argument key given to redis.register_function is not a string"
                        .into(),
                );
            };
            let key = key.to_string_lossy().to_ascii_lowercase();
            match key.as_str() {
                "function_name" => match lua_text(&value) {
                    Some(text) => name = Some(String::from_utf8_lossy(&text).into_owned()),
                    None => {
                        return Err("ERR function_name argument given to \
                                    redis.register_function must be a string"
                            .into());
                    }
                },
                "description" => match lua_text(&value) {
                    Some(text) => description = Some(text),
                    None => {
                        return Err("ERR description argument given to \
                                    redis.register_function must be a string"
                            .into());
                    }
                },
                "callback" => match value {
                    Value::Function(function) => callback = Some(function),
                    _ => {
                        return Err("ERR callback argument given to redis.register_function \
                                    must be a function"
                            .into());
                    }
                },
                "flags" => {
                    let Value::Table(list) = value else {
                        return Err("ERR flags argument to redis.register_function must be a \
                                    table representing function flags"
                            .into());
                    };
                    for flag in list.sequence_values::<Value>() {
                        let flag = flag.ok().as_ref().and_then(lua_text).unwrap_or_default();
                        let flag = String::from_utf8_lossy(&flag).to_ascii_lowercase();
                        if !flags.set(&flag) {
                            return Err("ERR unknown flag given".into());
                        }
                    }
                }
                _ => return Err("ERR unknown argument given to redis.register_function".into()),
            }
        }
        let Some(name) = name else {
            return Err("ERR redis.register_function must get a function name argument".into());
        };
        let Some(callback) = callback else {
            return Err("ERR redis.register_function must get a callback argument".into());
        };
        Ok(Registered {
            name,
            callback,
            description,
            flags,
        })
    }
}

/// The error handler every script runs under (Redis's `__redis__err__handler`): the error as
/// a Redis error table, with the source and line of the script where it happened.
fn handler(lua: &Lua, error: Value) -> mlua::Result<Value> {
    let table = match error {
        Value::Table(table) => table,
        Value::Error(error) => {
            let raised = unwrap_error(&error);
            let mut text = raised.text;
            if !raised.table {
                text.splice(0..0, *b"ERR ");
            }
            super::convert::error_table_of(lua, &text, raised.counted)?
        }
        other => {
            let text = match lua.coerce_string(other.clone()) {
                Ok(Some(text)) => text.as_bytes().to_vec(),
                _ => describe_value(&other).into_bytes(),
            };
            let mut full = b"ERR ".to_vec();
            full.extend_from_slice(&text);
            let table = lua.create_table_with_capacity(0, 3)?;
            table.raw_set("err", lua.create_string(&full)?)?;
            table
        }
    };
    if let (Some(source), Some(line)) = where_in_script(lua) {
        // A table the script cannot write (a view) keeps no location, as Redis's readonly.
        let _ = table.raw_set("source", source);
        let _ = table.raw_set("line", line);
    }
    Ok(Value::Table(table))
}

/// What `tostring` gives for a value that is not a string or a number.
fn describe_value(value: &Value) -> String {
    match value {
        Value::Nil => "nil".to_string(),
        Value::Boolean(b) => b.to_string(),
        other => format!("{}: {:p}", other.type_name(), other.to_pointer()),
    }
}

/// A value's bytes as Lua's `tolstring` gives them: strings as they are, numbers printed
/// `%.14g`; `None` for anything else.
pub fn lua_text(value: &Value) -> Option<Vec<u8>> {
    match value {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Number(n) => Some(super::convert::lua_number_text(*n).into_bytes()),
        Value::Integer(n) => Some(super::convert::lua_number_text(*n as f64).into_bytes()),
        _ => None,
    }
}

/// A value as Lua's `tonumber` reads it (numbers, and strings that hold one).
pub fn lua_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => Some(*n),
        Value::Integer(n) => Some(*n as f64),
        Value::String(s) => s.to_str().ok().and_then(|s| s.trim().parse::<f64>().ok()),
        _ => None,
    }
}

/// `redis.log(level, message, ...)`: the arguments joined by spaces, at Redis's levels
/// (`LOG_DEBUG` 0 to `LOG_WARNING` 3).
fn log(_: &Lua, args: Variadic<Value>) -> mlua::Result<()> {
    if args.len() < 2 {
        return Err(raise("ERR redis.log() requires two arguments or more."));
    }
    let Some(level) = args.first().and_then(lua_number) else {
        return Err(raise("ERR First argument must be a number (log level)."));
    };
    let level = level as i64;
    if !(0..=3).contains(&level) {
        return Err(raise("ERR Invalid debug level."));
    }
    let mut line = Vec::new();
    for (at, arg) in args.iter().enumerate().skip(1) {
        let Some(text) = lua_text(arg) else {
            continue;
        };
        if at != 1 {
            line.push(b' ');
        }
        line.extend_from_slice(&text);
    }
    let line = String::from_utf8_lossy(&line);
    match level {
        0 | 1 => debug!("{line}"),
        2 => info!("{line}"),
        _ => warn!("{line}"),
    }
    Ok(())
}

/// An error value that is not a Redis error table, as Redis reports it: its text if it is a
/// string, else `execution failure`.
pub fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => String::from_utf8_lossy(&text.as_bytes()).into_owned(),
        _ => "execution failure".to_string(),
    }
}

/// Where the running script is: the source and line of the first frame that is neither C
/// code nor the sandbox's (Redis's error handler looks two or three frames up with
/// `debug.getinfo`; between the error and the script here there may also be the `redis`
/// object's Lua half).
fn where_in_script(lua: &Lua) -> (Option<String>, Option<i64>) {
    // Bounded: a stack is at most LUAI_MAXCALLS (20,000) frames deep.
    for level in 1..20_000 {
        let found = lua.inspect_stack(level, |frame| {
            let source = frame.source();
            let what = source.what;
            let name = source.source.as_deref().unwrap_or_default().to_string();
            if what == "C" || name == SANDBOX_NAME {
                return None;
            }
            Some((name, frame.current_line().map_or(-1, |l| l as i64)))
        });
        match found {
            None => break,
            Some(None) => continue,
            Some(Some((source, line))) => return (Some(source), Some(line)),
        }
    }
    (None, None)
}

/// SHA1 of `bytes` in lowercase hex, as `redis.sha1hex` and the script cache name scripts.
pub fn sha1_hex(bytes: &[u8]) -> String {
    sha1_smol::Sha1::from(bytes).digest().to_string()
}

/// Redis's version as one number (7.0.15 is 0x07000f).
fn version_num(version: &str) -> i64 {
    version
        .split('.')
        .take(3)
        .map(|part| part.parse::<i64>().unwrap_or(0))
        .fold(0, |number, part| (number << 8) | part)
}

/// The largest value `math.random` draws from (Redis's `REDIS_LRAND48_MAX`: `INT32_MAX`).
const LRAND48_MAX: u32 = i32::MAX as u32;

/// POSIX `lrand48`: a 48-bit linear congruential generator, which Redis carries in `rand.c`
/// so that scripts draw the same numbers on every platform.
#[derive(Debug, Clone, Copy)]
struct Lrand48 {
    x: u64,
}

impl Lrand48 {
    const A: u64 = 0x5_DEEC_E66D;
    const C: u64 = 0xB;
    const MASK: u64 = (1 << 48) - 1;

    /// lrand48's state before any seed.
    const INITIAL: Lrand48 = Lrand48 {
        x: 0x1234_ABCD_330E,
    };

    /// `srand48(seed)`: the seed's 32 bits above `0x330E`.
    fn seeded(seed: i32) -> Lrand48 {
        Lrand48 {
            x: (u64::from(seed as u32) << 16) | 0x330E,
        }
    }

    fn next(&mut self) -> u32 {
        self.x = (Self::A.wrapping_mul(self.x).wrapping_add(Self::C)) & Self::MASK;
        (self.x >> 17) as u32
    }
}
