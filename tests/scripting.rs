//! Scripts over real sockets: atomic with respect to every other client, seen by WATCH, run
//! inside MULTI, shown by MONITOR as Redis shows them, counted by INFO, and used as client
//! libraries use them (`redis::Script`: EVALSHA, then EVAL on NOSCRIPT). Replies and errors
//! compared byte for byte with redis-server are in `tests/differential.rs`
//! (`scripts_match_redis_byte_for_byte`).

mod common;

use std::net::SocketAddr;
use std::thread;

use redis::Value;

use common::redis_run as run;

fn server() -> reactor::ServerHandle {
    reactor::spawn(reactor::config::Config::ephemeral()).expect("server starts")
}

fn connect(addr: SocketAddr) -> redis::Connection {
    common::redis_connection(addr, 0)
}

fn text(value: Value) -> String {
    redis::from_redis_value(value).expect("a string reply")
}

/// A script's read-modify-write is one step: eight clients each running an increment written
/// as GET then SET (unsafe as separate commands) lose no update. And a script's write is a
/// change like any other to a client that WATCHes the key.
///
/// Break checked: the keyspace's change path not telling the watchers (`watched.touch` in
/// `Db::get_mut` and `Db::touch`) lets the watched EXEC through.
#[test]
fn a_script_is_atomic_and_watch_sees_its_writes() {
    let server = server();
    let addr = server.addr();
    let increment = "local v = tonumber(redis.call('GET', KEYS[1]) or '0'); \
                     redis.call('SET', KEYS[1], v + 1); return v + 1";
    let workers: Vec<_> = (0..8)
        .map(|_| {
            thread::spawn(move || {
                let mut c = connect(addr);
                for _ in 0..200 {
                    run(&mut c, &["EVAL", increment, "1", "counter"]);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker");
    }
    let mut c = connect(addr);
    assert_eq!(text(run(&mut c, &["GET", "counter"])), "1600");

    let mut watcher = connect(addr);
    run(&mut watcher, &["WATCH", "counter"]);
    run(&mut c, &["EVAL", increment, "1", "counter"]);
    run(&mut watcher, &["MULTI"]);
    run(&mut watcher, &["PING"]);
    assert_eq!(run(&mut watcher, &["EXEC"]), Value::Nil);
}

/// EVAL inside MULTI is queued and runs at EXEC, its reply one of EXEC's; SELECT inside a
/// script moves only the script (Redis's Lua client), never its caller.
///
/// Break checked: starting the script's client in database 0 instead of the caller's fails
/// the SELECT part.
#[test]
fn scripts_run_inside_multi_and_keep_their_callers_database() {
    let server = server();
    let addr = server.addr();
    let mut c = connect(addr);
    run(&mut c, &["MULTI"]);
    run(
        &mut c,
        &["EVAL", "return redis.call('INCR', KEYS[1])", "1", "n"],
    );
    run(&mut c, &["INCR", "n"]);
    assert_eq!(
        run(&mut c, &["EXEC"]),
        Value::Array(vec![Value::Int(1), Value::Int(2)])
    );

    run(&mut c, &["SELECT", "2"]);
    run(&mut c, &["SET", "where", "two"]);
    let script = "local here = redis.call('GET', 'where'); redis.call('SELECT', 5); \
                  redis.call('SET', 'where', 'five'); return here";
    assert_eq!(text(run(&mut c, &["EVAL", script, "0"])), "two");
    assert_eq!(text(run(&mut c, &["GET", "where"])), "two");
    run(&mut c, &["SELECT", "5"]);
    assert_eq!(text(run(&mut c, &["GET", "where"])), "five");
}

/// MONITOR shows EVAL first, then each command of its script from `lua`, in the database the
/// script was in, as Redis's monitor does.
///
/// Break checked: the script's client shown with the caller's address (not `lua`) fails the
/// second line.
#[test]
fn monitor_shows_the_script_then_its_commands() {
    let server = server();
    let addr = server.addr();
    let mut monitor = common::monitor(addr);
    let mut c = connect(addr);
    run(&mut c, &["SELECT", "3"]);
    run(
        &mut c,
        &[
            "EVAL",
            "redis.call('SET', KEYS[1], 'v'); return 1",
            "1",
            "k",
        ],
    );
    run(&mut c, &["PING"]);
    let seen = common::monitor_until(&mut monitor, "\"PING\"");
    let lines: Vec<&str> = seen
        .lines()
        .filter(|l| l.contains("EVAL") || l.contains("SET") || l.contains("PING"))
        .filter_map(|l| l.split_once(' ').map(|(_, rest)| rest))
        .collect();
    assert_eq!(lines.len(), 3, "{seen}");
    assert!(
        lines[0].starts_with("[3 127.0.0.1:") && lines[0].contains("\"EVAL\""),
        "{seen}"
    );
    assert_eq!(lines[1], "[3 lua] \"SET\" \"k\" \"v\"", "{seen}");
    assert!(lines[2].ends_with("\"PING\""), "{seen}");
}

fn info_field(c: &mut redis::Connection, section: &str, name: &str) -> String {
    let info = text(run(c, &["INFO", section]));
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in {info}"))
        .to_string()
}

/// INFO counts the cached scripts and the VM's memory; SCRIPT FLUSH forgets them (and
/// EVALSHA then answers NOSCRIPT); a script's commands are counted in commandstats, and a
/// command a script is refused counts as rejected, its error once.
///
/// Break checked: `refuse` not counting the rejection leaves `rejected_calls=0`; counting the
/// error again when the script's reply carries it (ignoring `ignore_error_stats_update`) makes
/// `errorstat_ERR` 2.
#[test]
fn info_counts_scripts_and_their_commands() {
    let server = server();
    let addr = server.addr();
    let mut c = connect(addr);
    assert_eq!(
        info_field(&mut c, "memory", "number_of_cached_scripts"),
        "0"
    );
    let sha = text(run(
        &mut c,
        &["SCRIPT", "LOAD", "return redis.call('SET', 'a', 'b')"],
    ));
    run(&mut c, &["EVALSHA", &sha, "0"]);
    assert_eq!(
        info_field(&mut c, "memory", "number_of_cached_scripts"),
        "1"
    );
    let vm: u64 = info_field(&mut c, "memory", "used_memory_lua")
        .parse()
        .unwrap();
    assert!(vm > 10_000, "the VM's heap: {vm}");
    let scripts: u64 = info_field(&mut c, "memory", "used_memory_scripts")
        .parse()
        .unwrap();
    assert!(scripts >= 35, "the cache: {scripts}");
    assert!(
        info_field(&mut c, "commandstats", "cmdstat_set").starts_with("calls=1,"),
        "the script's SET"
    );

    run(&mut c, &["CONFIG", "RESETSTAT"]);
    let refused: redis::RedisResult<Value> = redis::cmd("EVAL")
        .arg("return redis.call('SET', 'x')")
        .arg(0)
        .query(&mut c);
    assert!(refused.is_err(), "{refused:?}");
    let set = info_field(&mut c, "commandstats", "cmdstat_set");
    assert!(set.contains("rejected_calls=1"), "{set}");
    assert_eq!(info_field(&mut c, "errorstats", "errorstat_ERR"), "count=1");

    run(&mut c, &["SCRIPT", "FLUSH"]);
    assert_eq!(
        info_field(&mut c, "memory", "number_of_cached_scripts"),
        "0"
    );
    let gone: redis::RedisResult<Value> = redis::cmd("EVALSHA").arg(&sha).arg(0).query(&mut c);
    let error = gone.expect_err("EVALSHA after SCRIPT FLUSH");
    assert_eq!(
        error.kind(),
        redis::ErrorKind::Server(redis::ServerErrorKind::NoScript)
    );
}

/// The `redis` crate's `Script`, as client libraries use scripts: EVALSHA first, EVAL when
/// the server answers NOSCRIPT, EVALSHA again after; and the lock pattern (SET NX PX to take,
/// a compare-and-delete script to release) every lock library is built on.
///
/// Break checked: answering NOSCRIPT with another code (`-ERR`) makes `Script::invoke` fail
/// instead of falling back to EVAL.
#[test]
fn client_library_scripts_and_locks_work() {
    let server = server();
    let addr = server.addr();
    let mut c = connect(addr);
    let script = redis::Script::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    let first: i64 = script.key("hits").arg(5).invoke(&mut c).unwrap();
    let second: i64 = script.key("hits").arg(5).invoke(&mut c).unwrap();
    assert_eq!((first, second), (5, 10));

    let release = redis::Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) \
         else return 0 end",
    );
    let mut other = connect(addr);
    let took = run(&mut c, &["SET", "lock", "me", "NX", "PX", "10000"]);
    assert_eq!(took, Value::Okay);
    assert_eq!(
        run(&mut other, &["SET", "lock", "you", "NX", "PX", "10000"]),
        Value::Nil
    );
    let wrong: i64 = release.key("lock").arg("you").invoke(&mut other).unwrap();
    assert_eq!(wrong, 0);
    let released: i64 = release.key("lock").arg("me").invoke(&mut c).unwrap();
    assert_eq!(released, 1);
    assert_eq!(
        run(&mut other, &["SET", "lock", "you", "NX", "PX", "10000"]),
        Value::Okay
    );
}

/// FUNCTION DUMP's payload is Redis's (RDB opcodes, the RDB version, a CRC-64), so a dump
/// moves between the two servers both ways, redis-server's LZF-compressed code included;
/// RESTORE refuses a payload whose checksum is wrong, and APPEND refuses a library that is
/// already there.
///
/// Break checked: the CRC-64's polynomial changed makes redis-server refuse our dump;
/// skipping the LZF branch makes ours refuse redis-server's (its code is compressed).
#[test]
fn function_dumps_move_between_redis_and_reactor() {
    let redis = common::RedisServer::start(&[]);
    let server = server();
    let mut ours = connect(server.addr());
    let mut theirs = common::redis_connection(redis.addr, 0);
    // Long enough for redis-server to compress it (LZF, over 20 bytes and shrinking).
    let library = "#!lua name=lib\nredis.register_function('hello', function(keys, args) \
                   return 'hello ' .. (args[1] or 'world') .. ' hello hello hello hello' end)";
    let dump = |c: &mut redis::Connection| -> Vec<u8> {
        redis::cmd("FUNCTION")
            .arg("DUMP")
            .query(c)
            .expect("FUNCTION DUMP")
    };
    let restore = |c: &mut redis::Connection, payload: &[u8]| -> redis::RedisResult<Value> {
        redis::cmd("FUNCTION").arg("RESTORE").arg(payload).query(c)
    };
    let call = |c: &mut redis::Connection| text(run(c, &["FCALL", "hello", "0", "you"]));

    run(&mut theirs, &["FUNCTION", "LOAD", library]);
    let from_redis = dump(&mut theirs);
    restore(&mut ours, &from_redis).expect("ours restores redis-server's dump");
    assert_eq!(call(&mut ours), "hello you hello hello hello hello");
    assert!(
        restore(&mut ours, &from_redis).is_err(),
        "APPEND onto the same library"
    );

    run(&mut theirs, &["FUNCTION", "FLUSH"]);
    let from_ours = dump(&mut ours);
    restore(&mut theirs, &from_ours).expect("redis-server restores our dump");
    assert_eq!(call(&mut theirs), "hello you hello hello hello hello");

    let mut damaged = from_ours.clone();
    damaged[3] ^= 1;
    let refused = restore(&mut ours, &damaged).expect_err("a damaged payload");
    assert!(
        refused
            .to_string()
            .contains("payload version or checksum are wrong")
    );
}

/// What crashes stock Lua 5.1.5 (Redis patched its copy) is an error here, and the server
/// carries on: `unpack` of a range whose length overflows an `int`, and bytecode, which Lua
/// runs unverified, sent as a script or loaded by one.
///
/// Break checked: the sandbox giving scripts Lua's own `unpack` kills the server on the first
/// request (the next PING finds no server); compiling without `LuaChunkMode::Text` lets the
/// bytecode through (the EVAL does not answer a compile error).
#[test]
fn scripts_cannot_crash_the_server() {
    let server = server();
    let mut c = connect(server.addr());
    for range in ["-2, 2147483647", "0, 2147483647", "-2147483648, -2"] {
        let script = format!("return {{unpack({{1,2,3}}, {range})}}");
        let reply: redis::RedisResult<Value> = redis::cmd("EVAL").arg(&script).arg(0).query(&mut c);
        let error = reply.expect_err("a range too long").to_string();
        assert!(error.contains("too many results to unpack"), "{error}");
    }
    let bytecode = b"\x1bLua\x51\x00\x01\x04\x08\x04\x08\x00anything";
    let reply: redis::RedisResult<Value> =
        redis::cmd("EVAL").arg(&bytecode[..]).arg(0).query(&mut c);
    let error = reply.expect_err("bytecode as a script").to_string();
    assert!(error.contains("Error compiling script"), "{error}");
    let loaded = "return loadstring(string.dump(function() return 1 end)) == nil";
    assert_eq!(run(&mut c, &["EVAL", loaded, "0"]), Value::Int(1));
    assert_eq!(run(&mut c, &["PING"]), Value::SimpleString("PONG".into()));
}
