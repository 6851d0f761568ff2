//! One script run, and `redis.call`: a command from a script goes through the same table,
//! the same checks and the same `call` as a client's.
//!
//! Chapter: [docs/23-a-handler-that-does-not-return.md](../../../../docs/23-a-handler-that-does-not-return.md).
//!
//! The script's commands run as a client of their own ([`Client::script`], Redis's "Lua
//! client"): its database starts as the caller's (a SELECT inside the script does not move
//! the caller), it never blocks (BLPOP on an empty list answers nil, as inside EXEC), and
//! its replies go to a scratch buffer that [`super::convert`] reads back into Lua.
//!
//! How Lua reaches the server without a global pointer: for the length of one run, a Rust
//! closure borrowing this run's [`Exec`] is put where `redis.call` looks for it (`mlua`'s
//! scoped functions: the closure is invalidated when the run ends, so a script that kept a
//! reference to it can never call into a dead `Exec`).
//!
//! Before a command runs, Redis's `scriptCall` checks, in its order, with its texts: the
//! command exists and its arity fits, it is not `noscript`, a read-only script (`EVAL_RO`,
//! `#!lua flags=no-writes`) does not write. A refused command is counted as rejected and its
//! error as an error reply, as Redis counts it.
//!
//! Redis counterpart: `script.c` (`scriptCall`), `script_lua.c` (`luaRedisGenericCommand`,
//! `luaCallFunction`).

use std::cell::RefCell;
use std::ops::Range;
use std::time::Duration;

use log::info;

use mlua::{Function, Lua, MultiValue, Value};

use crate::resp::Request;
use crate::server::Nested;
use crate::server::client::Client;
use crate::server::command::{Command, Exec, Mode, find_subcommand};
use crate::server::spec::Flags;

use super::busy::{self, BusyScript};
use super::convert::{self, error_text, reply_to_lua};
use super::engine::{self, Engine, ScriptError, Watch};

/// What a script is allowed, from the command that runs it and its shebang flags.
#[derive(Debug, Clone, Copy)]
pub struct Allowed {
    /// No command that writes (`EVAL_RO`, `no-writes`).
    pub read_only: bool,
    /// Commands that may add memory run even over `maxmemory` (`allow-oom`).
    pub allow_oom: bool,
}

/// What is run: an EVAL script (KEYS and ARGV as globals) or a library's function (KEYS and
/// ARGV as its two arguments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Script,
    Function,
}

/// The state of one run, lent to `redis.call`.
struct Run<'r, 'a, 'c> {
    exec: &'r mut Exec<'a, 'c>,
    client: Client,
    allowed: Allowed,
    /// The script has run a command that writes (SCRIPT KILL can no longer stop it).
    wrote: bool,
    buffers: Buffers,
}

/// What `redis.call` builds a command in and reads its reply from, kept by the engine
/// between runs so that a script's commands allocate nothing once the buffers have grown.
#[derive(Debug, Default)]
pub struct Buffers {
    /// The command built from Lua's arguments: bytes, and each argument's range.
    bytes: Vec<u8>,
    ranges: Vec<Range<usize>>,
    /// The command's reply, read back into Lua.
    reply: Vec<u8>,
}

impl Buffers {
    fn clear(&mut self) {
        self.bytes.clear();
        self.ranges.clear();
        self.reply.clear();
    }
}

/// What to run: a compiled script or function, in its VM, under its name (what errors call
/// it: a script's SHA1, a function's name), with what it may do.
#[derive(Clone, Copy)]
pub struct Invocation<'i> {
    pub engine: &'i Engine,
    /// Where `redis.call`'s buffers wait between runs (the engine's owner keeps them).
    pub buffers: &'i RefCell<Buffers>,
    pub function: &'i Function,
    pub name: &'i str,
    pub allowed: Allowed,
    pub kind: Kind,
    /// The command that runs it (FUNCTION STATS shows it while the script is busy).
    pub command: &'i Request<'i>,
    /// How many libraries and functions there are, for FUNCTION STATS while a function is
    /// busy (its run holds them); unused for a script.
    pub functions: (usize, usize),
}

/// Run an [`Invocation`] for the client of `exec`: KEYS and ARGV given, commands through
/// [`Run::dispatch`], the result (or the error, with where it happened) written as the reply.
pub fn run(
    exec: &mut Exec<'_, '_>,
    invocation: Invocation<'_>,
    keys: impl ExactSizeIterator<Item = impl AsRef<[u8]>>,
    args: impl ExactSizeIterator<Item = impl AsRef<[u8]>>,
) {
    let Invocation {
        engine,
        buffers,
        function,
        name,
        allowed,
        kind,
        ..
    } = invocation;
    // (The whole invocation is kept too: a run that becomes busy is recorded from it.)
    let lua = &engine.lua;
    let tables = string_array(lua, keys).and_then(|k| Ok((k, string_array(lua, args)?)));
    let (keys, args) = match tables {
        Ok(tables) => tables,
        Err(error) => return running_failed(exec, name, &error.to_string()),
    };
    let watch = &engine.watch;
    watch.begin(Duration::from_millis(
        exec.state.config.busy_reply_threshold,
    ));
    let mut client = Client::new(exec.client.id, exec.ctx.now(), true, exec.client.peer);
    client.db = exec.client.db;
    client.script = true;
    client.executing = true;
    let run = Run {
        exec: &mut *exec,
        client,
        allowed,
        wrote: false,
        buffers: buffers.take(),
    };
    let run = RefCell::new(run);
    let outcome = lua.scope(|scope| {
        // `redis.call` raises a command's error (`redis.pcall` catches it). A C function to
        // Lua, so `return redis.call(...)` keeps the script's frame: a tail call into a Lua
        // function would lose the line that errors report. Called by the count hook (with
        // `serving` set) it serves the loop instead: the one way from the hook to this run.
        let call =
            scope.create_function(|lua, mut args: MultiValue| match run.try_borrow_mut() {
                Ok(mut run) if watch.serving.get() => run.serve_loop(watch, &invocation),
                Ok(mut run) => {
                    if watch.call_look() {
                        run.serve_loop(watch, &invocation)?;
                    }
                    if watch.killed.get() {
                        // No command runs once the script is killed.
                        watch.quicken(lua)?;
                        return Err(engine::raise(busy::KILLED));
                    }
                    run.dispatch(lua, args.make_contiguous())
                }
                Err(_) if watch.serving.get() => Ok(Value::Nil),
                Err(_) => Err(engine::raise("ERR redis.call is not reentrant")),
            })?;
        engine.running.set(true);
        let runner = match kind {
            Kind::Script => &engine.runner,
            Kind::Function => &engine.run_function,
        };
        let outcome = runner.call::<(bool, Value)>((function, keys, args, call));
        engine.running.set(false);
        outcome
    });
    // The buffers kept for the next run (emptied; their capacity is the point).
    let mut kept = run.into_inner().buffers;
    kept.clear();
    buffers.replace(kept);
    let killed = watch.end(lua);
    if exec.state.busy.take().is_some() {
        info!("the busy script has returned after {:?}", watch.elapsed());
    }
    // The caller's database in hand again (the script may have selected another).
    exec.state.select(exec.client.db);
    match outcome {
        // Killed, yet returned: the kill was raised in a coroutine, whose `resume` caught it.
        // A killed script has no result.
        Ok((true, _)) if killed => exec.error(super::busy::KILLED),
        Ok((true, value)) => {
            let stats = &mut exec.state.stats;
            convert::write_result(exec.out, &value, &mut |message| stats.count_error(message));
        }
        Ok((false, Value::Table(error))) => failed(exec, name, &error),
        Ok((false, other)) => {
            let text = engine::describe(&other);
            running_failed(exec, name, &text)
        }
        Err(error) => running_failed(exec, name, &error.to_string()),
    }
}

/// The reply for a script that raised an error: its text, then where it was raised, as
/// Redis's `luaCallFunction` writes it (`-ERR ... script: <sha>, on @user_script:1.`).
fn failed(exec: &mut Exec<'_, '_>, name: &str, error: &mlua::Table) {
    let text = match error.raw_get::<Value>("err") {
        Ok(Value::String(text)) => text.as_bytes().to_vec(),
        _ => b"ERR unknown error".to_vec(),
    };
    let mut message = text;
    let source = error
        .raw_get::<Value>("source")
        .ok()
        .and_then(|v| engine::lua_text(&v));
    let line = error
        .raw_get::<Value>("line")
        .ok()
        .and_then(|v| engine::lua_text(&v));
    if let (Some(source), Some(line)) = (source, line) {
        message.extend_from_slice(b" script: ");
        message.extend_from_slice(name.as_bytes());
        message.extend_from_slice(b", on ");
        message.extend_from_slice(&source);
        message.push(b':');
        message.extend_from_slice(&line);
        message.push(b'.');
    }
    let counted = matches!(
        error.raw_get::<Value>("ignore_error_stats_update"),
        Ok(Value::Boolean(true))
    );
    if counted {
        crate::resp::reply::error_bytes(exec.out, &message);
    } else {
        exec.error_bytes(&message);
    }
}

/// What Redis answers when the VM itself failed (out of memory, an error while handling an
/// error): `-ERR Error running script <sha>, <message>`.
fn running_failed(exec: &mut Exec<'_, '_>, name: &str, text: &str) {
    let short: String = text.chars().take(100).collect();
    exec.error(&format!("ERR Error running script {name}, {short}"));
}

/// A Lua array of strings (KEYS, ARGV).
fn string_array(
    lua: &Lua,
    items: impl ExactSizeIterator<Item = impl AsRef<[u8]>>,
) -> mlua::Result<mlua::Table> {
    let table = lua.create_table_with_capacity(items.len(), 0)?;
    for item in items {
        table.raw_push(lua.create_string(item)?)?;
    }
    Ok(table)
}

impl Run<'_, '_, '_> {
    /// From the count hook or a command's look, past `busy-reply-threshold`: one pass of the
    /// loop, every other client served by [`Nested`] (the busy answers are
    /// [`super::busy`]'s); a kill asked for meanwhile (or a shutdown) is marked on `watch`,
    /// and raised by the caller.
    fn serve_loop(&mut self, watch: &Watch, invocation: &Invocation<'_>) -> mlua::Result<Value> {
        let exec = &mut *self.exec;
        let duration_ms = watch.elapsed().as_millis() as u64;
        let first = exec.state.busy.is_none();
        if let Some(busy) = exec.state.busy.as_deref_mut() {
            busy.duration_ms = duration_ms;
            busy.wrote = self.wrote;
        } else {
            let busy = BusyScript {
                eval: invocation.kind == Kind::Script,
                name: invocation.name.to_string(),
                command: invocation.command.args().map(<[u8]>::to_vec).collect(),
                functions: invocation.functions,
                duration_ms,
                wrote: self.wrote,
                killed: false,
            };
            busy::warn_slow(&busy);
            exec.state.busy = Some(Box::new(busy));
        }
        let mut nested = Nested::new(&mut *exec.state);
        exec.ctx.serve_nested(&mut nested, first);
        let killed = exec.state.busy.as_deref().is_some_and(|busy| busy.killed);
        if killed || exec.ctx.shutting_down() {
            watch.killed.set(true);
        }
        Ok(Value::Nil)
    }

    /// `redis.call`: the command's reply as a Lua value; an error reply raised.
    fn dispatch(&mut self, lua: &Lua, args: &[Value]) -> mlua::Result<Value> {
        if args.is_empty() {
            let message = b"Please specify at least one argument for this redis lib call";
            return fail(message, false);
        }
        self.buffers.bytes.clear();
        self.buffers.ranges.clear();
        for arg in args {
            let start = self.buffers.bytes.len();
            match arg {
                Value::String(s) => self.buffers.bytes.extend_from_slice(&s.as_bytes()),
                Value::Number(n) => convert::arg_number_text(*n, &mut self.buffers.bytes),
                Value::Integer(n) => convert::arg_number_text(*n as f64, &mut self.buffers.bytes),
                _ => {
                    let message = b"Lua redis lib command arguments must be strings or integers";
                    return fail(message, false);
                }
            }
            self.buffers.ranges.push(start..self.buffers.bytes.len());
        }
        let request = Request::from_parts(&self.buffers.bytes, &self.buffers.ranges);
        let Some(found) = find(&self.exec.state.table, &request) else {
            let message = b"Unknown Redis command called from script";
            return self.refuse(None, message);
        };
        if !found.command.arity_ok(request.len()) {
            let message = b"Wrong number of args calling Redis command from script";
            return self.refuse(Some(found.id), message);
        }
        let flags = found.command.flags;
        if flags.contains(Flags::NOSCRIPT) {
            let message = b"This Redis command is not allowed from script";
            return self.refuse(Some(found.id), message);
        }
        if self.allowed.read_only
            && (flags.contains(Flags::WRITE) || flags.contains(Flags::MAY_REPLICATE))
        {
            let message = b"Write commands are not allowed from read-only scripts.";
            return self.refuse(Some(found.id), message);
        }
        // Over `maxmemory` when the script started, a command that may add memory is refused,
        // until the script has written (then refusing would break its atomicity): Redis's
        // `scriptVerifyOOM`.
        if !self.allowed.allow_oom
            && !self.wrote
            && self.exec.state.oom
            && flags.contains(Flags::DENYOOM)
        {
            let error = format!("-{}", crate::server::evict::OOM);
            return self.refuse_error(Some(found.id), error.as_bytes());
        }
        if flags.contains(Flags::WRITE) {
            self.wrote = true;
        }
        let exec = &mut *self.exec;
        exec.state.select(self.client.db);
        let mut inner = Exec {
            state: &mut *exec.state,
            ctx: &mut *exec.ctx,
            id: exec.id,
            client: &mut self.client,
            out: &mut self.buffers.reply,
            now_ms: exec.now_ms,
            mode: Mode::Normal,
            command: found.container_id,
            rejected: false,
        };
        crate::server::call(&mut inner, found.container, &request);
        let result = if self.buffers.reply.first() == Some(&b'-') {
            let line = self
                .buffers
                .reply
                .strip_suffix(b"\r\n")
                .unwrap_or(&self.buffers.reply);
            Err(mlua::Error::external(ScriptError {
                text: error_text(line),
                table: true,
                counted: true,
            }))
        } else {
            reply_to_lua(lua, &self.buffers.reply)
        };
        self.buffers.reply.clear();
        result
    }

    /// A command refused before it ran: counted as rejected, its error counted, and the error
    /// handed to Lua (marked counted, so the script's reply does not count it again).
    fn refuse(&mut self, id: Option<usize>, message: &[u8]) -> mlua::Result<Value> {
        let mut error = b"-ERR ".to_vec();
        error.extend_from_slice(message);
        self.refuse_error(id, &error)
    }

    /// [`Run::refuse`] with an error of its own code (`-OOM ...`).
    fn refuse_error(&mut self, id: Option<usize>, error: &[u8]) -> mlua::Result<Value> {
        let stats = &mut self.exec.state.stats;
        stats.count_error(error.strip_prefix(b"-").unwrap_or(error));
        if let Some(command) = id.and_then(|id| stats.command(id)) {
            command.rejected_calls += 1;
        }
        fail(error, true)
    }
}

/// An error of `redis.call` itself, raised (`message` without a code gets `ERR`).
fn fail(message: &[u8], counted: bool) -> mlua::Result<Value> {
    Err(mlua::Error::external(ScriptError {
        text: error_text(message),
        table: true,
        counted,
    }))
}

/// A command as a script names it: the container and, for one with subcommands, the
/// subcommand its second argument names (Redis's `lookupCommand`).
struct Found {
    /// What runs (a container runs its subcommand itself).
    container: &'static Command,
    container_id: usize,
    /// What is judged: arity and flags.
    command: &'static Command,
    id: usize,
}

fn find(table: &crate::server::command::Table, request: &Request<'_>) -> Option<Found> {
    let (container, container_id) = table.lookup_with_id(request.arg(0))?;
    if container.subcommands.is_empty() || request.len() < 2 {
        return Some(Found {
            container,
            container_id,
            command: container,
            id: container_id,
        });
    }
    let (nth, command) = find_subcommand(container.subcommands, request.arg(1))?;
    Some(Found {
        container,
        container_id,
        command,
        id: table.subcommand_id(container_id, nth),
    })
}
