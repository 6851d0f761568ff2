//! Differential testing: the same bytes to redis-server 7.0 and to us, replies compared byte for
//! byte. redis-server is installed by `.ci/run`; without it this test fails (it never skips).
//!
//! Each case is one connection: the request bytes are written at once, and the reply is read
//! until the server closes the connection or stays quiet for a moment. Cases whose replies carry
//! values that differ by nature (client ids, times, INFO) are left to other tests.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use common::RedisServer;

/// Each case is read until close or this much silence.
const QUIET: Duration = Duration::from_millis(150);

fn exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    common::exchange(addr, request, QUIET)
}

fn flushall(addr: SocketAddr) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(b"FLUSHALL\r\n").unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reply = [0u8; 5];
    stream.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"+OK\r\n");
}

fn compare(cases: &[&[u8]], redis: SocketAddr, ours: SocketAddr) {
    let mut failures = Vec::new();
    for case in cases {
        // Each case starts from an empty keyspace on both servers; both are asked at once.
        let (expected, got) = std::thread::scope(|s| {
            let redis_side = s.spawn(|| {
                flushall(redis);
                exchange(redis, case)
            });
            flushall(ours);
            let got = exchange(ours, case);
            (redis_side.join().unwrap(), got)
        });
        if expected != got {
            failures.push(format!(
                "request {:?}\n  redis-server: {:?}\n  reactor:      {:?}",
                String::from_utf8_lossy(case),
                String::from_utf8_lossy(&expected),
                String::from_utf8_lossy(&got)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The wire format: framing, inline quoting, protocol errors and what follows them.
const PROTOCOL: &[&[u8]] = &[
    b"PING\r\n",
    b"PING\n",
    b"ping hello\r\n",
    b"\r\n\r\nPING\r\n",
    b"*0\r\nPING\r\n",
    b"*-1\r\nPING\r\n",
    b"*1\r\n$4\r\nPING\r\n",
    b"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n",
    b"ECHO \"a\\x41\\n\\t\\\\b\"\r\n",
    b"ECHO 'single \\' quote'\r\n",
    b"ECHO a\"b c\"d\r\n",
    b"ECHO \"unbalanced\r\nPING\r\n",
    b"ECHO \"a\"b\r\nPING\r\n",
    b"  ECHO   spaced   \r\n",
    b"*1\r\nx\r\nPING\r\n",
    b"*1\r\n$x\r\nPING\r\n",
    b"*1\r\n$-1\r\nPING\r\n",
    b"*x\r\nPING\r\n",
    b"*2147483648\r\n",
    b"*1\r\n$536870913\r\n",
    b"*01\r\n$4\r\nPING\r\n",
    b"*1\r\n$+4\r\nPING\r\n",
    b"*3\r\n$4\r\nECHO\r\n$1\r\na\r\n$1\r\nb\r\n",
    b"POST / HTTP/1.1\r\nHost: localhost\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
    b"FOO\r\n",
    b"FOO a b c\r\n",
    b"PING a b\r\n",
    b"ECHO\r\n",
    b"QUIT\r\nPING\r\n",
    b"SELECT 0\r\nSELECT x\r\nSELECT -1\r\nSELECT 15\r\nSELECT 16\r\nSELECT 2147483648\r\n",
    b"HELLO x\r\nHELLO 2 FOO\r\nHELLO 2 SETNAME\r\n",
    b"CLIENT\r\nCLIENT FOO\r\nCLIENT SETNAME\r\nCLIENT SETNAME a b\r\nCLIENT SETNAME n\r\nCLIENT GETNAME\r\n",
    b"CLIENT SETNAME \"a b\"\r\nCLIENT GETNAME\r\nCLIENT SETNAME \"\"\r\nCLIENT GETNAME\r\n",
];

/// Pub/sub replies and subscribed mode.
const PUBSUB: &[&[u8]] = &[
    b"SUBSCRIBE a\r\nPING\r\nPING x\r\nECHO a\r\nUNSUBSCRIBE\r\nPING\r\n",
    b"SUBSCRIBE a\r\nSLOWLOG LEN\r\nLATENCY LATEST\r\nCLIENT ID\r\nRESET\r\n",
    b"UNSUBSCRIBE\r\nPUNSUBSCRIBE\r\nUNSUBSCRIBE x\r\nPUNSUBSCRIBE x\r\n",
    b"PSUBSCRIBE n* \r\nSUBSCRIBE c\r\nPUNSUBSCRIBE\r\nPUBSUB NUMPAT\r\nRESET\r\nPUBSUB NUMSUB c d\r\n",
    b"SUBSCRIBE\r\nPUBSUB\r\nPUBSUB CHANNELS\r\nPUBSUB FOO\r\nPUBLISH\r\nPUBLISH a\r\nPUBLISH a b\r\n",
    b"SUBSCRIBE c\r\nQUIT\r\n",
    b"SUBSCRIBE c\r\nRESET\r\nPING\r\n",
    b"SUBSCRIBE c c\r\nPSUBSCRIBE c\r\nSUBSCRIBE d\r\nUNSUBSCRIBE c\r\n",
    b"SUBSCRIBE c\r\nFOO\r\nPUBSUB NUMPAT\r\nCLIENT ID\r\n",
    b"PUBSUB NUMPAT x\r\nPUBSUB CHANNELS a b\r\nPUBSUB NUMSUB\r\n",
    b"SUBSCRIBE a\r\nPSUBSCRIBE x\r\nUNSUBSCRIBE\r\nPUNSUBSCRIBE\r\n",
    b"SUBSCRIBE a a\r\nPSUBSCRIBE x y\r\nPUNSUBSCRIBE y\r\nUNSUBSCRIBE a\r\nPUNSUBSCRIBE\r\n",
];

/// Where we differ on purpose, the bytes we send instead (RESP2 only).
#[test]
fn deliberate_deviations_from_redis() {
    let ours = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    assert_eq!(
        exchange(ours.addr(), b"HELLO 3\r\n"),
        b"-NOPROTO unsupported protocol version\r\n"
    );
}

/// Numbered databases: SELECT, MOVE, SWAPDB, COPY ... DB, per-database FLUSHDB, DBSIZE, KEYS,
/// SCAN, RANDOMKEY and FLUSHALL, with every error; and what a transaction sees of them
/// (WATCH across SWAPDB, MOVE and FLUSHDB of another database, SELECT inside EXEC).
const DATABASES: &[&[u8]] = &[
    b"SET a 1\r\nSELECT 1\r\nGET a\r\nSET a 2\r\nDBSIZE\r\nSELECT 0\r\nGET a\r\nKEYS *\r\n",
    b"SET a 1\r\nMOVE a 1\r\nEXISTS a\r\nMOVE a 1\r\nSELECT 1\r\nGET a\r\nMOVE a 0\r\nGET a\r\n",
    b"SET a 1\r\nSELECT 1\r\nSET a 2\r\nSELECT 0\r\nMOVE a 1\r\nMOVE a 0\r\nMOVE nosuch 1\r\n",
    b"MOVE a 16\r\nMOVE a -1\r\nMOVE a x\r\nMOVE a 2147483648\r\nMOVE a\r\n",
    b"SET a 1\r\nEXPIRE a 100\r\nMOVE a 3\r\nSELECT 3\r\nTTL a\r\nTYPE a\r\n",
    b"RPUSH l x\r\nMOVE l 2\r\nSELECT 2\r\nLRANGE l 0 -1\r\nOBJECT ENCODING l\r\n",
    b"SET a 1\r\nSWAPDB 0 1\r\nGET a\r\nSELECT 1\r\nGET a\r\nSWAPDB 1 1\r\nGET a\r\n",
    b"SWAPDB x 0\r\nSWAPDB 0 x\r\nSWAPDB 16 x\r\nSWAPDB 16 0\r\nSWAPDB 0 -1\r\nSWAPDB 0\r\n",
    b"SWAPDB 2147483648 0\r\nSWAPDB 0 2147483648\r\n",
    b"SET a 1\r\nCOPY a b DB 1\r\nCOPY a a DB 1\r\nCOPY a a DB 0\r\nCOPY a a\r\nSELECT 1\r\nMGET a b\r\n",
    b"SET a 1\r\nCOPY a b DB 16\r\nCOPY a b DB x\r\nCOPY a b DB\r\nCOPY a b DB 1 REPLACE\r\nCOPY a b DB 1\r\n",
    b"SET a 1\r\nSELECT 1\r\nSET b 2\r\nFLUSHDB\r\nDBSIZE\r\nSELECT 0\r\nDBSIZE\r\n",
    b"SET a 1\r\nSELECT 1\r\nSET b 2\r\nFLUSHALL\r\nDBSIZE\r\nSELECT 0\r\nDBSIZE\r\n",
    b"SELECT 5\r\nSET k v\r\nSCAN 0\r\nRANDOMKEY\r\nSELECT 6\r\nSCAN 0\r\nRANDOMKEY\r\n",
    b"SET a 1\r\nSELECT 1\r\nRESET\r\nGET a\r\n",
    b"WATCH a\r\nSELECT 1\r\nSET a 1\r\nSELECT 0\r\nMULTI\r\nPING\r\nEXEC\r\n",
    b"WATCH a\r\nSELECT 1\r\nSET a 1\r\nSWAPDB 0 1\r\nMULTI\r\nPING\r\nEXEC\r\n",
    b"WATCH a\r\nSELECT 1\r\nSWAPDB 0 1\r\nMULTI\r\nPING\r\nEXEC\r\n",
    b"SET a 1\r\nWATCH a\r\nMOVE a 1\r\nMULTI\r\nPING\r\nEXEC\r\n",
    b"SELECT 1\r\nWATCH a\r\nSELECT 0\r\nSET a 1\r\nMOVE a 1\r\nMULTI\r\nPING\r\nEXEC\r\n",
    b"SELECT 1\r\nSET a 1\r\nWATCH a\r\nSELECT 0\r\nFLUSHDB\r\nMULTI\r\nPING\r\nEXEC\r\n",
    b"MULTI\r\nSELECT 2\r\nSET a 1\r\nSELECT 99\r\nEXEC\r\nGET a\r\nSELECT 0\r\nGET a\r\n",
];

/// SORT and SORT_RO: numbers and ALPHA, ASC and DESC, LIMIT in every corner, BY patterns
/// (strings, hash fields, missing keys, `nosort`), GET (`#`, fields, missing), STORE, and
/// every error. Sets here are intsets or sorted by value, so their order is Redis's too.
const SORT: &[&[u8]] = &[
    b"RPUSH l 3 1 2 10 -1.5 1e2\r\nSORT l\r\nSORT l DESC\r\nSORT l ALPHA\r\nSORT l ALPHA DESC\r\nSORT l LIMIT 1 2\r\nSORT l DESC LIMIT 0 1 ASC\r\n",
    b"RPUSH l 3 1 2\r\nSORT l LIMIT -1 2\r\nSORT l LIMIT 2 -1\r\nSORT l LIMIT 5 1\r\nSORT l LIMIT 0 0\r\nSORT l LIMIT 1 100\r\nSORT l LIMIT 3 1\r\nSORT nokey\r\nSORT nokey LIMIT 0 1\r\n",
    b"RPUSH l b a c\r\nSORT l\r\nSORT l ALPHA\r\nRPUSH n 1 x\r\nSORT n\r\nRPUSH e \"\" \" 2\" 1\r\nSORT e\r\nRPUSH f \"2 \"\r\nSORT f\r\nRPUSH g nan\r\nSORT g\r\nRPUSH h 1e400\r\nSORT h\r\n",
    b"RPUSH l 1 1 2 01 1.0\r\nSORT l\r\nSORT l DESC\r\nSORT l ALPHA\r\n",
    b"RPUSH l a b c\r\nSET w_a 3\r\nSET w_b 1\r\nSET w_c 2\r\nSORT l BY w_*\r\nSORT l BY w_* DESC\r\nSORT l BY w_* GET # GET w_*\r\nSORT l BY w_* LIMIT 1 1 GET w_*\r\n",
    b"RPUSH l a b c\r\nSET w_a z\r\nSET w_b y\r\nSORT l BY w_* ALPHA\r\nSORT l BY w_* ALPHA DESC\r\nSORT l BY w_*\r\nSORT l BY nosort\r\nSORT l BY nosort DESC\r\nSORT l BY nosort LIMIT 1 5\r\nSORT l BY nosort DESC LIMIT 1 1\r\n",
    b"RPUSH l a b c\r\nHSET h_a f 3 g x\r\nHSET h_b f 1\r\nHSET h_c f 2\r\nSORT l BY h_*->f\r\nSORT l BY h_*->f GET h_*->g GET # GET h_*->f\r\nSORT l BY h_*-> GET h_*->\r\nSORT l GET nostar GET #\r\n",
    b"RPUSH l a b\r\nSET s_a 1\r\nHSET s_b f 1\r\nSORT l BY s_*->f\r\nSORT l GET s_*->f GET s_*\r\nLPUSH notstring x\r\nSORT l GET notstr*\r\n",
    b"SADD s 5 3 9 1\r\nSORT s\r\nSORT s DESC LIMIT 0 2\r\nSORT s BY nosort\r\nSORT s BY nosort STORE d\r\nLRANGE d 0 -1\r\nSORT s ALPHA\r\n",
    b"ZADD z 3 a 1 b 2 c\r\nSORT z ALPHA\r\nSORT z BY nosort\r\nSORT z BY nosort DESC\r\nSORT z BY nosort LIMIT 1 1\r\nSORT z BY nosort DESC LIMIT 1 5\r\nSORT z\r\n",
    b"RPUSH l 3 1 2\r\nSET d x\r\nEXPIRE d 100\r\nSORT l STORE d\r\nTTL d\r\nLRANGE d 0 -1\r\nSORT l LIMIT 5 5 STORE d\r\nEXISTS d\r\nSORT l GET nokey_* GET # STORE d\r\nLRANGE d 0 -1\r\n",
    b"RPUSH l 1\r\nSORT l FOO\r\nSORT l LIMIT\r\nSORT l LIMIT 1\r\nSORT l LIMIT x 1\r\nSORT l LIMIT 0 x\r\nSORT l BY\r\nSORT l GET\r\nSORT l STORE\r\nSORT\r\n",
    b"RPUSH l 1\r\nSORT_RO l\r\nSORT_RO l STORE d\r\nSORT_RO l BY nosort GET # DESC\r\nSET s v\r\nSORT s\r\nSORT_RO s\r\nSORT s FOO\r\nHSET h f v\r\nSORT h\r\n",
    b"RPUSH l x\r\nSORT l\r\nSORT l GET #\r\nSORT l BY nosort\r\nSORT l LIMIT 0 1 BY w_*\r\nRPUSH m 2 1\r\nSORT m STORE m\r\nLRANGE m 0 -1\r\n",
];

#[test]
fn sort_matches_redis_byte_for_byte() {
    let redis = RedisServer::start(&[]);
    let ours = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    compare(SORT, redis.addr, ours.addr());
}

/// Scripts: replies converted both ways, errors with their texts and where they happened,
/// `redis.call`'s checks, the sandbox, the `redis` object's helpers, SCRIPT, shebang flags.
/// One request per case; the script cache and `math.random`'s sequence carry over from case
/// to case on both servers alike.
const SCRIPTS: &[&[&str]] = &[
    &["eval", "return redis.call('nosuch')", "0"],
    &["eval", "return redis.call('incr')", "0"],
    &["eval", "return redis.call()", "0"],
    &["eval", "return redis.call({})", "0"],
    &["eval", "redis.call('nosuch')", "0"],
    &["eval", "return redis.pcall('nosuch')", "0"],
    &["eval", "return a", "0"],
    &["eval", "a = 10", "0"],
    &["eval", "set", "0"],
    &["eval", "return {pcall(redis.call, 'nosuch')}", "0"],
    &["eval", "return {pcall(error, 'boom')}", "0"],
    &["eval", "error('boom')", "0"],
    &["eval", "error({err='My Error'})", "0"],
    &["eval", "error()", "0"],
    &["eval", "return redis.error_reply('My Error')", "0"],
    &["eval", "return redis.error_reply('-WRONG x')", "0"],
    &["eval", "return redis.error_reply()", "0"],
    &["eval", "return redis.status_reply(1)", "0"],
    &["eval", "return {1,2,3,nil,4}", "0"],
    &["eval", "return {true,false,3.7,-3.7,'x'}", "0"],
    &["eval", "return {double=3.14}", "0"],
    &["eval", "return {map={a=1}}", "0"],
    &["eval", "return {set={a=true}}", "0"],
    &["eval", "return {big_number='123'}", "0"],
    &[
        "eval",
        "return {verbatim_string={format='txt',string='hi'}}",
        "0",
    ],
    &["eval", "return {err='x', ok='y'}", "0"],
    &["eval", "return {ok='y'}", "0"],
    &["eval", "return 1/0", "0"],
    &["eval", "return -1/0", "0"],
    &["eval", "return 0/0", "0"],
    &["eval", "return 1e300", "0"],
    &[
        "eval",
        "return redis.call('set', 'k', 3.14159265358979)",
        "0",
    ],
    &["eval", "return redis.call('get', 'k')", "0"],
    &["eval", "return redis.call('set', 'k', 1e20)", "0"],
    &["eval", "return redis.call('get', 'k')", "0"],
    &["eval", "return redis.call('set', 'k', 0.1)", "0"],
    &["eval", "return redis.call('get', 'k')", "0"],
    &["eval", "return redis.call('set', 'k', true)", "0"],
    &[
        "eval",
        "return tostring(0.1) .. ' ' .. tostring(1e15) .. ' ' .. tostring(123456789012345678)",
        "0",
    ],
    &["eval", "return redis.sha1hex()", "0"],
    &["eval", "return redis.sha1hex(12)", "0"],
    &["eval", "return redis.log()", "0"],
    &["eval", "return redis.log('x', 'y')", "0"],
    &["eval", "return redis.log(9, 'y')", "0"],
    &[
        "eval",
        "return redis.log(redis.LOG_WARNING, 'hello from a script')",
        "0",
    ],
    &[
        "eval",
        "return {math.random(), math.random(100), math.random(5, 10)}",
        "0",
    ],
    &[
        "eval",
        "math.randomseed(42); return {math.random(100), math.random(100)}",
        "0",
    ],
    &["eval", "return math.random(0)", "0"],
    &[
        "eval",
        "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2]}",
        "2",
        "a",
        "b",
        "c",
        "d",
    ],
    &["eval", "return 1", "3", "a"],
    &["eval", "return 1", "-1"],
    &["eval", "return 1", "x"],
    &["evalsha", "abc", "0"],
    &["evalsha", "ffffffffffffffffffffffffffffffffffffffff", "0"],
    &["script", "load", "return 'hello'"],
    &["evalsha", "1B936E3FE509BCBC9CD0664897BBE8FD0CAC101B", "0"],
    &[
        "script",
        "exists",
        "1b936e3fe509bcbc9cd0664897bbe8fd0cac101b",
        "ffff",
        "1B936E3FE509BCBC9CD0664897BBE8FD0CAC101B",
    ],
    &["script", "load", "return"],
    &["script", "flush", "foo"],
    &["script", "flush"],
    &[
        "script",
        "exists",
        "1b936e3fe509bcbc9cd0664897bbe8fd0cac101b",
    ],
    &["script", "kill"],
    &["script", "help"],
    &["script", "nosuch"],
    &[
        "eval",
        r#"#!lua flags=no-writes
return redis.call('set','x','1')"#,
        "0",
    ],
    &[
        "eval",
        r#"#!lua
return redis.call('set','x','1')"#,
        "0",
    ],
    &[
        "eval_ro",
        r#"#!lua
return redis.call('set','x','1')"#,
        "0",
    ],
    &["eval_ro", "return redis.call('set','x','1')", "0"],
    &["eval_ro", "return redis.call('get','x')", "0"],
    &[
        "eval",
        r#"#!lua flags=bad
return 1"#,
        "0",
    ],
    &["eval", "#!lua"],
    &[
        "eval",
        r#"#!python
return 1"#,
        "0",
    ],
    &[
        "eval",
        r#"#!lua foo=bar
return 1"#,
        "0",
    ],
    &[
        "eval",
        r#"#!lua flags=
return 1"#,
        "0",
    ],
    &["eval", "return redis.call('select', 1)", "0"],
    &[
        "eval",
        "redis.call('select', 1); redis.call('set', 'indb1', 'v'); return redis.call('dbsize')",
        "0",
    ],
    &["dbsize"],
    &["eval", "return redis.call('client', 'list')", "0"],
    &["eval", "return redis.call('client')", "0"],
    &["eval", "return redis.call('client', 'nosuch')", "0"],
    &["eval", "return redis.call('multi')", "0"],
    &["eval", "return redis.call('blpop', 'nolist', 0)", "0"],
    &["eval", "return redis.call('eval', 'return 1', 0)", "0"],
    &["eval", "return redis.setresp(4)", "0"],
    &["eval", "return redis.setresp()", "0"],
    &["eval", "return redis.set_repl(redis.REPL_ALL)", "0"],
    &["eval", "return redis.set_repl(9)", "0"],
    &["eval", "return redis.replicate_commands()", "0"],
    &[
        "eval",
        "return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}",
        "0",
    ],
    &[
        "eval",
        "return loadstring(string.dump(function() return 1 end))()",
        "0",
    ],
    &["eval", "return loadstring('return 5')()", "0"],
    &["eval", "print('x')", "0"],
    &["eval", "return os", "0"],
    &["eval", "return type(io)", "0"],
    &["eval", "dofile('x')", "0"],
    &["eval", "return {type(setfenv), type(getfenv)}", "0"],
    &["eval", "rawset(_G, 'x', 1)", "0"],
    &[
        "eval",
        "getmetatable(nil).__index = function() return 1 end",
        "0",
    ],
    &[
        "eval",
        "getmetatable(123.222).__index = function() return 1 end",
        "0",
    ],
    &[
        "eval",
        "getmetatable(function() return 1 end).__index = function() return 1 end",
        "0",
    ],
    &[
        "eval",
        "local t = {} ; for i = 1, 3 do t[i] = i * 2 end ; return t",
        "0",
    ],
    &[
        "eval",
        "local a = {}; local b = {a}; a[1] = b; return 1",
        "0",
    ],
    &[
        "eval",
        "redis.call('hset', 'h', 'a', '1', 'b', '2'); return redis.call('hgetall', 'h')",
        "0",
    ],
    &["eval", "return redis.call('hget', 'h', 'nosuch')", "0"],
    &["eval", "return redis.call('lrange', 'nolist', 0, -1)", "0"],
    &["eval", "return redis.call('ping')", "0"],
    &["eval", "return redis.call('get', 'h')", "0"],
    &["eval", "return redis.pcall('get', 'h')", "0"],
    &[
        "eval",
        "local e = redis.pcall('get', 'h'); return e['err']",
        "0",
    ],
    &["eval", "return redis.call('incrbyfloat', 'f', '0.1')", "0"],
    &[
        "eval",
        "return tonumber(redis.call('incrbyfloat', 'f', '0.1'))",
        "0",
    ],
    &["eval", "return redis.call('sort', 'nosuch')", "0"],
    &["eval", "return _G == _G._G", "0"],
    &["eval", "return type(_G)", "0"],
    &["eval", "local f = function() return nil + 1 end; f()", "0"],
    &[
        "eval",
        r#"
local x = 1
local y = 2
return z"#,
        "0",
    ],
    &["eval", "return string.format('%d %s', 5, 'x')", "0"],
    &["eval", "return table.concat({'a','b'}, ',')", "0"],
    &["eval", "return string.rep('x', 3)", "0"],
    &["eval", "return #KEYS + #ARGV", "1", "k", "a1", "a2"],
    &[
        "eval",
        "return coroutine.resume(coroutine.create(function() return 7 end))",
        "0",
    ],
    &["eval", "return collectgarbage('count') > 0", "0"],
    &["eval", "return redis.acl_check_cmd('set','xx',1)", "0"],
    &[
        "eval",
        "return redis.acl_check_cmd('invalid-cmd','arg')",
        "0",
    ],
    &["eval", "return redis.breakpoint()", "0"],
    &["eval", "return unpack({1,2,3})", "0"],
    &["eval", "return select('#', 1, 2)", "0"],
    &["eval", "return _VERSION", "0"],
    &["eval", "return math.huge", "0"],
    &["eval", "return {err=42}", "0"],
    &[
        "eval",
        "return {1, {2, {3, 'x'}}, {ok='fine'}, {err='ERR inner'}}",
        "0",
    ],
    &[
        "eval",
        "redis.call('sadd', KEYS[1], 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'z', 'aa', 'aaa', 'azz'); return redis.call('sort', KEYS[1], 'by', '_')",
        "1",
        "myset",
    ],
    &[
        "eval",
        "redis.call('sadd', KEYS[1], 'a', 'b', 'c'); return redis.call('sort', KEYS[1], 'by', '_', 'get', '#', 'get', '_:*')",
        "1",
        "myset",
    ],
    &[
        "eval",
        "redis.call('sadd', KEYS[1], 1, 2, 3, 4, 10); return redis.call('sort', KEYS[1], 'desc')",
        "1",
        "myset",
    ],
];

/// The libraries Redis ships to scripts: `cjson`, `bit`, `cmsgpack`, `struct`, their results
/// and their errors.
const SCRIPT_LIBRARIES: &[&[&str]] = &[
    &[
        "eval",
        "return cjson.encode({1, 2, 'three', {a = 1}, true, false})",
        "0",
    ],
    &["eval", "return cjson.encode({})", "0"],
    &["eval", "return cjson.encode({[1]=1, [3]=3})", "0"],
    &["eval", "return cjson.encode({[1]=1, [30]=3})", "0"],
    &["eval", r#"return cjson.encode('a/b"c\\d\n\1\127é')"#, "0"],
    &["eval", "return cjson.encode(0.1)", "0"],
    &["eval", "return cjson.encode(1/3)", "0"],
    &["eval", "return cjson.encode(1e100)", "0"],
    &["eval", "return cjson.encode(0/0)", "0"],
    &["eval", "return cjson.encode(nil)", "0"],
    &["eval", "return cjson.encode(function() end)", "0"],
    &["eval", "return cjson.encode({[true]=1})", "0"],
    &["eval", "return cjson.encode({a={b={c={d=1}}}})", "0"],
    &["eval", "return cjson.encode({x=cjson.null})", "0"],
    &["eval", "return cjson.encode()", "0"],
    &[
        "eval",
        r#"local t = cjson.decode('{"a":[1,2,{"b":null}],"c":"\u00e9\ud83d\ude00","d":true,"e":1.5e3}'); return {t.a[1], t.a[2], t.a[3].b == cjson.null, t.c, tostring(t.d), t.e}"#,
        "0",
    ],
    &["eval", "return cjson.decode('[1,2')", "0"],
    &["eval", r#"return cjson.decode('{"a" 1}')"#, "0"],
    &["eval", "return cjson.decode('{1:1}')", "0"],
    &["eval", "return cjson.decode('')", "0"],
    &["eval", "return cjson.decode('[1] x')", "0"],
    &["eval", r#"return cjson.decode('"abc')"#, "0"],
    &["eval", r#"return cjson.decode('"\q"')"#, "0"],
    &["eval", "return cjson.decode('nul')", "0"],
    &["eval", "return cjson.decode('0x10')", "0"],
    &["eval", "return cjson.decode('-5')", "0"],
    &["eval", "return tostring(cjson.decode('1e400'))", "0"],
    &["eval", "return cjson.decode(5)", "0"],
    &["eval", "return cjson.decode({})", "0"],
    &[
        "eval",
        r#"cjson.decode_max_depth(1); local ok, e = pcall(cjson.decode, '{"obj": {"array": [1,2,3,4]}}'); cjson.decode_max_depth(1000); return e"#,
        "0",
    ],
    &[
        "eval",
        "cjson.encode_max_depth(1); local ok, e = pcall(cjson.encode, {a={b=1}}); cjson.encode_max_depth(1000); return e",
        "0",
    ],
    &[
        "eval",
        "cjson.encode_invalid_numbers(true); local a = cjson.encode({0/0}); cjson.encode_invalid_numbers(false); return a",
        "0",
    ],
    &["eval", "return cjson.encode_keep_buffer(false)", "0"],
    &[
        "eval",
        "return {bit.tobit(1), bit.band(1), bit.bxor(1,2), bit.bor(1,2,4,8,16,32,64,128), bit.tobit(0xffffffff), bit.tobit(2^32+1)}",
        "0",
    ],
    &[
        "eval",
        "return {bit.bnot(0), bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678)}",
        "0",
    ],
    &[
        "eval",
        "return {bit.tohex(65535, -2147483648), bit.tohex(255), bit.tohex(255, 2), bit.tohex(-1, -4), bit.tohex(1, 12)}",
        "0",
    ],
    &["eval", "return bit.band('x')", "0"],
    &["eval", "return bit.band()", "0"],
    &["eval", "return bit.tobit(1.5) + bit.tobit(2.5)", "0"],
    &[
        "eval",
        "local e = cmsgpack.pack(0.1); local h = ''; for i = 1, #e do h = h .. string.format('%02x', string.byte(e, i)) end; return {h, cmsgpack.unpack(e) == 0.1}",
        "0",
    ],
    &[
        "eval",
        "local e = cmsgpack.pack(-1099511627776, 5, 200, 70000, 2^40, -5, -100, -1000, -100000, 1.5, 'short', string.rep('x', 40), string.rep('y', 300), true, false, nil, {1,2,3}, {a=1}); local h = ''; for i = 1, #e do h = h .. string.format('%02x', string.byte(e, i)) end; return h",
        "0",
    ],
    &[
        "eval",
        "local a = {x=nil,y=5}; local b = {x=a}; a['x'] = b; local e = cmsgpack.pack(a); local h = ''; for i = 1, #e do h = h .. string.format('%02x', string.byte(e, i)) end; return h",
        "0",
    ],
    &[
        "eval",
        "local e = cmsgpack.pack('a', 'b', 'c'); local o, v = cmsgpack.unpack_one(e); local o2, v2 = cmsgpack.unpack_one(e, o); local o3, v3 = cmsgpack.unpack_limit(e, 1, o2); return {o, v, o2, v2, o3, v3}",
        "0",
    ],
    &[
        "eval",
        "return {cmsgpack.unpack(cmsgpack.pack({1,2,{3,{x=4}}}, 'z'))}",
        "0",
    ],
    &["eval", r#"return cmsgpack.unpack('\xc1')"#, "0"],
    &["eval", r#"return cmsgpack.unpack('\xda\x00')"#, "0"],
    &["eval", "return cmsgpack.pack()", "0"],
    &["eval", "return cmsgpack.unpack_one('a', -1)", "0"],
    &["eval", "return cmsgpack.unpack_one('a', 5)", "0"],
    &[
        "eval",
        "local s = struct.pack('>iHc3Bd', -2, 513, 'abcd', 255, 1.5); local h = ''; for i = 1, #s do h = h .. string.format('%02x', string.byte(s, i)) end; return {h, struct.unpack('>iHc3Bd', s)}",
        "0",
    ],
    &[
        "eval",
        "local s = struct.pack('<!4bi', 1, 2); local h = ''; for i = 1, #s do h = h .. string.format('%02x', string.byte(s, i)) end; return {h, struct.size('<!4bi'), struct.size('bhlxTfd')}",
        "0",
    ],
    &[
        "eval",
        r#"return {struct.unpack('s', 'hello\0world')}"#,
        "0",
    ],
    &["eval", r#"return {struct.unpack('Bc0', '\3abcd')}"#, "0"],
    &["eval", "return struct.pack('q', 1)", "0"],
    &["eval", "return struct.pack('i', 'x')", "0"],
    &["eval", "return struct.unpack('i', 'ab')", "0"],
    &["eval", "return struct.size('s')", "0"],
    &["eval", "return struct.pack('c5', 'ab')", "0"],
    &["eval", "return struct.unpack('i', 'abcdefgh', 0)", "0"],
    &["eval", "return struct.pack('i40', 1)", "0"],
    &["eval", "return {struct.unpack('i', 'abcdefgh', 5)}", "0"],
    &["eval", "cjson.encode = function() return 1 end", "0"],
];

/// FUNCTION and FCALL: loading (every metadata and registration error), calling, listing
/// (one library at a time: with several, the order is a hash table's), flags, deleting.
const FUNCTIONS: &[&[&str]] = &[
    &["function", "flush"],
    &[
        "function",
        "load",
        r#"#!lua name=mylib
redis.register_function('myfunc', function(keys, args) return args[1] end)"#,
    ],
    &["fcall", "myfunc", "0", "hello"],
    &["fcall", "MYFUNC", "0", "hello"],
    &["fcall", "nosuch", "0"],
    &["fcall", "myfunc", "x"],
    &["fcall", "myfunc", "2", "a"],
    &["fcall", "myfunc", "-1"],
    &[
        "function",
        "load",
        r#"#!lua name=mylib
redis.register_function('myfunc', function(keys, args) return 1 end)"#,
    ],
    &[
        "function",
        "load",
        "replace",
        r#"#!lua name=mylib
redis.register_function('myfunc', function(keys, args) return 2 end)"#,
    ],
    &["fcall", "myfunc", "0"],
    &["function", "load", "foo", "#!lua name=x"],
    &["function", "load", "return 1"],
    &["function", "load", "#!lua name=x"],
    &[
        "function",
        "load",
        r#"#!lua
return 1"#,
    ],
    &[
        "function",
        "load",
        r#"#!lua name=a name=b
return 1"#,
    ],
    &[
        "function",
        "load",
        r#"#!lua foo=bar
return 1"#,
    ],
    &[
        "function",
        "load",
        r#"#!python name=x
return 1"#,
    ],
    &[
        "function",
        "load",
        r#"#!lua name=x-y
return 1"#,
    ],
    &[
        "function",
        "load",
        r#"#!lua name=x
return 1"#,
    ],
    &[
        "function",
        "load",
        r#"#!lua name=x
return 'x' .."#,
    ],
    &[
        "function",
        "load",
        r#"#!lua name=x
return math.random()"#,
    ],
    &[
        "function",
        "load",
        r#"#!lua name=x
return redis.call('ping')"#,
    ],
    &[
        "function",
        "load",
        r#"#!lua name=x
redis.register_function('f1', function() return 1 end)
redis.register_function('f1', function() return 1 end)"#,
    ],
    &[
        "function",
        "load",
        r#"#!lua name=x
redis.register_function('myfunc', function() return 1 end)"#,
    ],
    &[
        "function",
        "load",
        r#"#!lua name=x
redis.register_function('bad-name', function() return 1 end)"#,
    ],
    &[
        "function",
        "load",
        r#"#!lua name=x
redis.register_function{function_name='f2', callback=function() return 1 end, flags={'no-writes'}, description='desc'}"#,
    ],
    &[
        "function",
        "load",
        r#"#!lua name=y
redis.register_function{function_name='f3', callback=function() return 1 end, flags={'bad'}}"#,
    ],
    &[
        "function",
        "load",
        r#"#!lua name=y
redis.register_function{function_name='f3', callback=function() return 1 end, foo=1}"#,
    ],
    &[
        "function",
        "load",
        r#"#!lua name=y
redis.register_function{function_name='f3'}"#,
    ],
    &[
        "function",
        "load",
        r#"#!lua name=y
redis.register_function('f3')"#,
    ],
    &[
        "function",
        "load",
        r#"#!lua name=y
redis.register_function(1, 2, 3)"#,
    ],
    &["function", "delete", "x"],
    &["function", "list"],
    &["function", "list", "withcode"],
    &["function", "list", "libraryname", "my*"],
    &["function", "list", "libraryname"],
    &["function", "list", "foo"],
    &["fcall_ro", "myfunc", "0"],
    &["fcall_ro", "f2", "0"],
    &[
        "function",
        "load",
        r#"#!lua name=w
redis.register_function{function_name='wr', callback=function() return redis.call('set','k','v') end, flags={'no-writes'}}"#,
    ],
    &["fcall", "wr", "0"],
    &[
        "function",
        "load",
        r#"#!lua name=e
redis.register_function('err', function(keys, args) return redis.call('nosuch') end)"#,
    ],
    &["fcall", "err", "0"],
    &[
        "function",
        "load",
        r#"#!lua name=e2
redis.register_function('glob', function(keys, args) return KEYS end)"#,
    ],
    &["fcall", "glob", "0"],
    &["function", "stats"],
    &["function", "delete", "nosuch"],
    &["function", "delete", "e2"],
    &["function", "flush", "foo"],
    &["function", "flush", "sync", "x"],
    &["function", "kill"],
    &["function", "restore", "xx"],
    &["function", "restore", "xx", "bad"],
    &["function", "help"],
    &["function", "nosuch"],
    &["fcall", "myfunc"],
    &["function", "dump", "x"],
];

/// The cases of [`SCRIPTS`] as RESP multibulk requests.
fn multibulk(cases: &[&[&str]]) -> Vec<Vec<u8>> {
    cases
        .iter()
        .map(|args| {
            let mut request = format!("*{}\r\n", args.len()).into_bytes();
            for arg in *args {
                request.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
            }
            request
        })
        .collect()
}

/// Break checked: `error(READONLY, 2)` in `sandbox.lua`'s `deny` given level 0 (the script's
/// position dropped from the readonly errors) → the global-protection cases differ, fails.
#[test]
fn scripts_match_redis_byte_for_byte() {
    let redis = RedisServer::start(&[]);
    let ours = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    let requests = multibulk(SCRIPTS);
    let cases: Vec<&[u8]> = requests.iter().map(Vec::as_slice).collect();
    compare(&cases, redis.addr, ours.addr());
}

/// Break checked: `cjson`'s encoder not escaping `/` fails the string case; `cmsgpack`
/// packing whole numbers (`Value::Integer`) as doubles fails the integer cases.
#[test]
fn script_libraries_match_redis_byte_for_byte() {
    let redis = RedisServer::start(&[]);
    let ours = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    let requests = multibulk(SCRIPT_LIBRARIES);
    let cases: Vec<&[u8]> = requests.iter().map(Vec::as_slice).collect();
    compare(&cases, redis.addr, ours.addr());
}

/// Break checked: FCALL looking functions up case-sensitively fails `FCALL MYFUNC`; the
/// library API keeping `redis.call` visible at load time fails the load-time cases.
#[test]
fn functions_match_redis_byte_for_byte() {
    let redis = RedisServer::start(&[]);
    let ours = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    let requests = multibulk(FUNCTIONS);
    let cases: Vec<&[u8]> = requests.iter().map(Vec::as_slice).collect();
    compare(&cases, redis.addr, ours.addr());
}

#[test]
fn databases_match_redis_byte_for_byte() {
    let redis = RedisServer::start(&[]);
    let ours = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    compare(DATABASES, redis.addr, ours.addr());
}

#[test]
fn protocol_and_connection_commands_match_redis_byte_for_byte() {
    let redis = RedisServer::start(&[]);
    let ours = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    compare(PROTOCOL, redis.addr, ours.addr());
}

#[test]
fn pubsub_matches_redis_byte_for_byte() {
    let redis = RedisServer::start(&[]);
    let ours = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    compare(PUBSUB, redis.addr, ours.addr());
}

/// List pushes, pops and moves, their blocking forms when they need not block, and every
/// argument error (the commands of `src/server/commands/lists/mod.rs`).
const LIST_ENDS: &[&[u8]] = &[
    b"LPUSH l a b c\r\nRPUSH l d e\r\nLPOP l\r\nRPOP l\r\nLPOP l 2\r\nRPOP l 0\r\nLPOP l 10\r\nEXISTS l\r\n",
    b"LPOP nokey\r\nLPOP nokey 2\r\nLPOP nokey 0\r\nRPOP nokey 1\r\n",
    b"RPUSH l a\r\nLPOP l -1\r\nLPOP l x\r\nLPOP l 1 2\r\nLPOP l 0\r\nLPOP\r\nLPUSH l\r\n",
    b"LPUSHX l a\r\nRPUSHX l a\r\nEXISTS l\r\nRPUSH l x\r\nLPUSHX l a b\r\nRPUSHX l c\r\nLPOP l 9\r\n",
    b"SET s v\r\nLPUSH s a\r\nRPUSH s a\r\nLPUSHX s a\r\nLPOP s\r\nRPOP s 2\r\nLMOVE s d LEFT LEFT\r\n",
    b"RPUSH a 1 2 3\r\nLMOVE a b LEFT RIGHT\r\nLMOVE a b RIGHT LEFT\r\nLMOVE a b left right\r\nLMOVE a b LEFT\r\nLMOVE a b UP DOWN\r\nLPOP b 5\r\nEXISTS a\r\n",
    b"RPUSH a 1 2 3\r\nLMOVE a a LEFT RIGHT\r\nRPOPLPUSH a a\r\nLPOP a 5\r\nRPUSH one x\r\nLMOVE one one LEFT LEFT\r\nLPOP one\r\n",
    b"RPUSH a 1\r\nSET d v\r\nLMOVE a d LEFT LEFT\r\nRPOPLPUSH a d\r\nLMOVE nokey d LEFT LEFT\r\nRPOPLPUSH nokey x\r\nLPOP a\r\n",
    b"RPUSH a 1 2 3\r\nRPUSH b 4 5\r\nLMPOP 2 nokey a LEFT\r\nLMPOP 2 a b RIGHT COUNT 5\r\nLMPOP 1 a LEFT COUNT 1\r\nLMPOP 2 a b left count 10\r\nLMPOP 1 b LEFT\r\n",
    b"LMPOP 0 a LEFT\r\nLMPOP -1 a LEFT\r\nLMPOP x a LEFT\r\nLMPOP 2 a LEFT\r\nLMPOP 1 a MIDDLE\r\nLMPOP 1 a LEFT COUNT 0\r\nLMPOP 1 a LEFT COUNT\r\nLMPOP 1 a LEFT COUNT 1 COUNT 2\r\nLMPOP 1 a LEFT FOO\r\nLMPOP 1 a\r\n",
    b"SET s v\r\nRPUSH a 1\r\nLMPOP 2 s a LEFT\r\nLMPOP 2 a s LEFT\r\nBLMPOP 0 2 s a LEFT\r\nBLPOP s a 0\r\nBLPOP nokey s 0\r\n",
    b"RPUSH a 1 2\r\nRPUSH b 3\r\nBLPOP nokey a b 0\r\nBRPOP b a 0\r\nBLMPOP 0 2 a b RIGHT COUNT 9\r\nEXISTS a b\r\n",
    b"RPUSH a 1 2\r\nBLMOVE a d LEFT RIGHT 0\r\nBRPOPLPUSH a d 0\r\nLPOP d 5\r\nBLMOVE a d LEFT FOO 0\r\nBLMOVE a d LEFT LEFT x\r\nBLMOVE a d LEFT LEFT -1\r\n",
    b"BLPOP\r\nBLPOP a\r\nBRPOP a\r\nBLMOVE a b LEFT LEFT\r\nBRPOPLPUSH a b\r\nBLMPOP 0 1 a\r\nBLMPOP 0\r\n",
    b"BLPOP a x\r\nBLPOP a -1\r\nBLPOP a 1e30\r\nBLPOP a inf\r\nBLPOP a \"\"\r\nBLPOP a 0.001\r\nBLMPOP 0.001 1 a LEFT\r\nBLMOVE a b LEFT LEFT 0.001\r\nBRPOPLPUSH a b 0.001\r\n",
];

/// The list commands that address positions and values, with every error path.
const LIST_INDEX: &[&[u8]] = &[
    b"RPUSH l a b c a b c\r\nLLEN l\r\nLLEN nokey\r\nLRANGE l 0 -1\r\nLRANGE l -2 100\r\nLRANGE l 5 2\r\nLRANGE l -100 -50\r\nLRANGE l 9223372036854775807 -9223372036854775808\r\nLRANGE nokey 0 -1\r\n",
    b"RPUSH l a b c\r\nLINDEX l 0\r\nLINDEX l -1\r\nLINDEX l 3\r\nLINDEX l -4\r\nLINDEX nokey x\r\nLINDEX l x\r\nLRANGE l x 1\r\nLRANGE l 0 y\r\nLRANGE nokey x 1\r\n",
    b"RPUSH l a b c\r\nLSET l 0 A\r\nLSET l -1 C\r\nLSET l 3 D\r\nLSET l -4 D\r\nLSET l x D\r\nLSET nokey 0 x\r\nLSET nokey x y\r\nLRANGE l 0 -1\r\n",
    b"RPUSH l a b c\r\nLINSERT l BEFORE a X\r\nLINSERT l after c Y\r\nLINSERT l AFTER zz Q\r\nLINSERT l MIDDLE a Q\r\nLINSERT nokey BEFORE a Q\r\nLINSERT nokey MIDDLE a Q\r\nLRANGE l 0 -1\r\nEXISTS nokey\r\n",
    b"RPUSH l a b a c a\r\nLREM l 1 a\r\nLREM l -1 a\r\nLRANGE l 0 -1\r\nLREM l 0 a\r\nLREM l 0 zz\r\nLREM l x a\r\nLREM nokey 1 a\r\nLREM nokey x a\r\nLREM l 0 b\r\nLREM l 0 c\r\nEXISTS l\r\n",
    b"RPUSH l a b c d e\r\nLTRIM l 1 -2\r\nLRANGE l 0 -1\r\nLTRIM l -100 100\r\nLTRIM l x 1\r\nLTRIM nokey 0 1\r\nLTRIM nokey x 1\r\nLTRIM l 2 1\r\nEXISTS l\r\n",
    b"RPUSH l a b c a b c\r\nLPOS l a\r\nLPOS l c RANK -1\r\nLPOS l a RANK 2\r\nLPOS l a RANK 3\r\nLPOS l a COUNT 0\r\nLPOS l a RANK -1 COUNT 2\r\nLPOS l a MAXLEN 2 COUNT 0\r\nLPOS l c MAXLEN 2\r\nLPOS l zz\r\nLPOS l zz COUNT 0\r\nLPOS nokey a\r\nLPOS nokey a COUNT 1\r\n",
    b"RPUSH l a b\r\nLPOS l a RANK 0\r\nLPOS l a RANK x\r\nLPOS l a COUNT -1\r\nLPOS l a COUNT x\r\nLPOS l a MAXLEN -1\r\nLPOS l a MAXLEN x\r\nLPOS l a RANK\r\nLPOS l a FOO 1\r\nLPOS nokey a RANK 0\r\nLPOS l a RANK -9223372036854775808\r\nLPOS l a RANK 1 RANK 2\r\n",
    b"SET s v\r\nLLEN s\r\nLRANGE s 0 1\r\nLRANGE s x 1\r\nLINDEX s x\r\nLSET s x y\r\nLINSERT s BEFORE a b\r\nLINSERT s MIDDLE a b\r\nLREM s 0 a\r\nLTRIM s 0 1\r\nLPOS s a\r\nLPOS s a RANK 0\r\n",
    b"LLEN\r\nLRANGE l 0\r\nLINDEX l\r\nLSET l 0\r\nLINSERT l BEFORE a\r\nLREM l 0\r\nLTRIM l 0\r\nLPOS l\r\n",
];

#[test]
fn list_index_commands_match_redis_byte_for_byte() {
    let redis = RedisServer::start(&[]);
    let ours = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    compare(LIST_INDEX, redis.addr, ours.addr());
}

/// Generic key commands on lists: the keyspace does not care what a key holds.
const KEYS_ACROSS_TYPES: &[&[u8]] = &[
    b"RPUSH l a b\r\nTYPE l\r\nOBJECT ENCODING l\r\nEXISTS l\r\nDEL l\r\nTYPE l\r\n",
    b"RPUSH l a b\r\nRENAME l m\r\nLPOP m 5\r\nRPUSH l x\r\nRENAMENX l m\r\nEXPIRE l 100\r\nTTL l\r\nPERSIST l\r\nTTL l\r\n",
    b"RPUSH l a\r\nCOPY l m\r\nCOPY l m\r\nCOPY l m REPLACE\r\nLPOP m\r\nLPOP l\r\nCOPY l m\r\nCOPY m m\r\nCOPY l m FOO\r\nCOPY l m DB x\r\nCOPY\r\n",
    b"SET s 1\r\nRPUSH l a\r\nSCAN 0 TYPE list\r\nSCAN 0 TYPE string\r\nKEYS l*\r\nDBSIZE\r\nFLUSHALL\r\nDBSIZE\r\n",
    b"SET i 123\r\nSET e hello\r\nSET r 0123456789012345678901234567890123456789012345\r\nOBJECT ENCODING i\r\nOBJECT ENCODING e\r\nOBJECT ENCODING r\r\nOBJECT ENCODING nokey\r\n",
    b"SET i 123\r\nSET big 123456\r\nOBJECT REFCOUNT i\r\nOBJECT REFCOUNT big\r\nOBJECT REFCOUNT nokey\r\nOBJECT FREQ i\r\nOBJECT\r\nOBJECT ENCODING\r\nOBJECT FOO x\r\nOBJECT ENCODING a b\r\n",
    b"CLIENT UNBLOCK\r\nCLIENT UNBLOCK x\r\nCLIENT UNBLOCK 99999\r\nCLIENT UNBLOCK 1 FOO\r\nCLIENT UNBLOCK 1 TIMEOUT\r\nCLIENT UNBLOCK 1 ERROR x\r\n",
    b"CONFIG GET hash-max-listpack-entries\r\nCONFIG GET hash-max-ziplist-entries\r\nCONFIG GET hash-max-listpack-value\r\nCONFIG GET list-max-listpack-size\r\nCONFIG GET list-max-ziplist-size\r\nCONFIG GET zset-max-listpack-entries\r\nCONFIG GET zset-max-ziplist-value\r\nCONFIG GET set-max-intset-entries\r\nCONFIG GET list-compress-depth\r\nCONFIG GET HASH-MAX-ZIPLIST-VALUE\r\n",
    b"CONFIG SET hash-max-listpack-entries abc\r\nCONFIG SET hash-max-listpack-entries -1\r\nCONFIG SET hash-max-listpack-value abc\r\nCONFIG SET hash-max-listpack-value -1\r\nCONFIG SET set-max-intset-entries 1kb\r\nCONFIG SET list-compress-depth -1\r\nCONFIG SET list-max-listpack-size 3000000000\r\nCONFIG SET list-max-listpack-size x\r\n",
    b"CONFIG SET hash-max-ziplist-value 1kb\r\nCONFIG GET hash-max-listpack-value\r\nCONFIG SET hash-max-listpack-value 64 set-max-intset-entries 5\r\nCONFIG GET set-max-intset-entries\r\nCONFIG SET set-max-intset-entries 512 list-max-ziplist-size -3\r\nCONFIG GET list-max-listpack-size\r\nCONFIG SET list-max-listpack-size -2\r\n",
    b"SET k v\r\nMEMORY USAGE nokey\r\nMEMORY USAGE\r\nMEMORY FOO\r\nMEMORY\r\nMEMORY USAGE k SAMPLES -1\r\nMEMORY USAGE k SAMPLES x\r\nMEMORY USAGE k SAMPLES\r\nMEMORY USAGE k FOO 1\r\nMEMORY USAGE nokey SAMPLES 0\r\nMEMORY HELP x\r\n",
    b"COMMAND GETKEYS LMPOP 2 a b LEFT\r\nCOMMAND GETKEYS BLMPOP 0 2 a b LEFT\r\nCOMMAND GETKEYS LMPOP 5 a LEFT\r\nCOMMAND GETKEYS BLPOP a b 0\r\nCOMMAND GETKEYS LMOVE a b LEFT LEFT\r\n",
];

#[test]
fn list_ends_and_blocking_forms_match_redis_byte_for_byte() {
    let redis = RedisServer::start(&[]);
    let ours = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    compare(LIST_ENDS, redis.addr, ours.addr());
}

#[test]
fn key_commands_across_types_match_redis_byte_for_byte() {
    let redis = RedisServer::start(&[]);
    let ours = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    compare(KEYS_ACROSS_TYPES, redis.addr, ours.addr());
}

/// SETBIT and GETBIT: bits in Redis's order (bit 0 is byte 0's highest), growth with zero
/// bytes, over short (in place) and long strings, and every error in Redis's order (offset,
/// then bit, then type).
///
/// Break checked: numbering bits from the lowest (`1 << (offset & 7)` in `locate`) fails the
/// first case; checking the key's type before the bit value fails the third.
const BITMAP: &[&[u8]] = &[
    b"SETBIT k 1 1\r\nGET k\r\nSETBIT k 7 1\r\nGETBIT k 1\r\nGETBIT k 0\r\nSETBIT k 1 0\r\nGET k\r\nGETBIT k 9999\r\nGETBIT nokey 3\r\nSETBIT k 100 1\r\nSTRLEN k\r\nGET k\r\n",
    b"SET n 12345\r\nSETBIT n 2 1\r\nGET n\r\nSET long aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nSETBIT long 319 1\r\nGETBIT long 319\r\nGET long\r\nSETBIT e 0 0\r\nEXISTS e\r\nGET e\r\n",
    b"LPUSH l a\r\nSETBIT l 0 1\r\nGETBIT l 0\r\nSETBIT l 0 2\r\nSETBIT l -1 1\r\nSETBIT l x 1\r\nSETBIT k 0 x\r\nSETBIT k 4294967296 1\r\nGETBIT k 4294967296\r\nGETBIT k -1\r\nGETBIT k 1.5\r\nSETBIT k 0\r\nGETBIT k\r\n",
];

/// LCS: the string, LEN, IDX with and without WITHMATCHLEN and MINMATCHLEN (Redis's own
/// example), ranges that reach either string's start, missing keys, and the errors in Redis's
/// order (types first, then options, then LEN with IDX).
///
/// Break checked: not closing a range at either string's start fails the second case; not
/// checking the keys' types fails the fourth.
const LCS: &[&[u8]] = &[
    b"MSET a ohmytext b mynewtext\r\nLCS a b\r\nLCS a b LEN\r\nLCS b a\r\nLCS a nokey\r\nLCS nokey nokey2 LEN\r\nLCS a a\r\n",
    b"MSET a ohmytext b mynewtext\r\nLCS a b IDX\r\nLCS a b IDX WITHMATCHLEN\r\nLCS a b IDX MINMATCHLEN 4\r\nLCS a b IDX MINMATCHLEN 4 WITHMATCHLEN\r\nLCS a b idx minmatchlen -3 withmatchlen\r\n",
    b"MSET a abcabcabc b cbacbacba\r\nLCS a b IDX WITHMATCHLEN\r\nMSET x 1234567890 y 0987654321\r\nLCS x y IDX\r\nLCS x y\r\nLCS nokey x IDX\r\nLCS x nokey IDX WITHMATCHLEN\r\n",
    b"LPUSH l a\r\nSET a x\r\nLCS a l\r\nLCS l a LEN IDX\r\nLCS a b LEN IDX\r\nLCS a b MINMATCHLEN\r\nLCS a b MINMATCHLEN x\r\nLCS a b FOO\r\nLCS a\r\n",
];

#[test]
fn lcs_matches_redis_byte_for_byte() {
    let redis = RedisServer::start(&[]);
    let ours = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    compare(LCS, redis.addr, ours.addr());
}

#[test]
fn bitmap_commands_match_redis_byte_for_byte() {
    let redis = RedisServer::start(&[]);
    let ours = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    compare(BITMAP, redis.addr, ours.addr());
}

/// CLIENT's subcommands whose replies do not carry ids, addresses or times: REPLY's silences,
/// KILL's counts and errors, LIST's filters and their errors, NO-EVICT, GETREDIR, HELP, and
/// the killing of the caller itself (the reply, then the close).
const CLIENT: &[&[u8]] = &[
    b"CLIENT REPLY SKIP\r\nSET a 1\r\nGET a\r\nCLIENT REPLY OFF\r\nPING\r\nGET a\r\nNOSUCH\r\nCLIENT REPLY SKIP\r\nPING\r\nCLIENT REPLY ON\r\nPING\r\n",
    b"CLIENT REPLY SKIP\r\nCLIENT REPLY SKIP\r\nPING\r\nPING\r\nCLIENT REPLY maybe\r\nCLIENT REPLY\r\nCLIENT REPLY ON ON\r\n",
    b"CLIENT KILL 1.2.3.4:5\r\nCLIENT KILL ID 0\r\nCLIENT KILL ID x\r\nCLIENT KILL ID 999999\r\nCLIENT KILL TYPE foo\r\nCLIENT KILL TYPE normal\r\nCLIENT KILL TYPE pubsub SKIPME yes\r\n",
    b"CLIENT KILL USER bob\r\nCLIENT KILL USER default\r\nCLIENT KILL SKIPME maybe\r\nCLIENT KILL foo bar\r\nCLIENT KILL ID\r\nCLIENT KILL ID 1 TYPE\r\nCLIENT KILL\r\n",
    b"CLIENT LIST TYPE foo\r\nCLIENT LIST TYPE pubsub\r\nCLIENT LIST TYPE master\r\nCLIENT LIST ID 1 x\r\nCLIENT LIST ID 999999\r\nCLIENT LIST foo\r\nCLIENT LIST TYPE\r\n",
    b"CLIENT NO-EVICT on\r\nCLIENT NO-EVICT OFF\r\nCLIENT NO-EVICT x\r\nCLIENT GETREDIR\r\nCLIENT GETREDIR x\r\nCLIENT INFO x\r\nCLIENT HELP\r\n",
    b"CLIENT KILL TYPE normal SKIPME no\r\nPING\r\n",
    b"CLIENT KILL LADDR 1.2.3.4:5 SKIPME no\r\nCLIENT KILL ADDR 1.2.3.4:5\r\nPING\r\n",
    b"CLIENT PAUSE x\r\nCLIENT PAUSE -1\r\nCLIENT PAUSE 10 maybe\r\nCLIENT PAUSE 10 WRITE 3\r\nCLIENT UNPAUSE x\r\nCLIENT UNPAUSE\r\n",
    b"CLIENT PAUSE 100000 WRITE\r\nGET a\r\nSET a\r\nCLIENT UNPAUSE\r\nSET a 1\r\nGET a\r\n",
];

/// Break checked: keeping the reply of the command after `CLIENT REPLY SKIP` fails the first
/// case; closing the caller at once (`abort`) instead of after its reply fails the seventh.
#[test]
fn client_subcommands_match_redis_byte_for_byte() {
    let redis = RedisServer::start(&[]);
    let ours = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    compare(CLIENT, redis.addr, ours.addr());
}

/// SLOWLOG and LATENCY where their replies carry no times: HELP, the errors, an empty log.
const INTROSPECTION: &[&[u8]] = &[
    b"SLOWLOG HELP\r\nSLOWLOG GET x\r\nSLOWLOG GET -2\r\nSLOWLOG GET 1 2\r\nSLOWLOG LEN x\r\nSLOWLOG NOSUCH\r\nSLOWLOG\r\n",
    b"SLOWLOG RESET\r\nSLOWLOG LEN\r\nSLOWLOG GET\r\nSLOWLOG GET -1\r\nSLOWLOG GET 0\r\n",
    b"LATENCY HELP\r\nLATENCY LATEST\r\nLATENCY HISTORY command\r\nLATENCY RESET\r\nLATENCY RESET a b\r\nLATENCY HISTORY\r\nLATENCY LATEST x\r\nLATENCY\r\nLATENCY HISTOGRAM nosuch\r\nLATENCY HISTOGRAM nosuch other\r\n",
    b"MONITOR x\r\nCONFIG SET slowlog-log-slower-than -2\r\nCONFIG SET slowlog-max-len -1\r\nCONFIG SET latency-monitor-threshold -1\r\nCONFIG GET slowlog-max-len\r\nCONFIG GET slowlog-log-slower-than\r\nCONFIG GET latency-monitor-threshold\r\n",
];

#[test]
fn slowlog_and_latency_match_redis_byte_for_byte() {
    let redis = RedisServer::start(&[]);
    let ours = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    compare(INTROSPECTION, redis.addr, ours.addr());
}

/// MULTI, EXEC, DISCARD, WATCH, UNWATCH: queueing, errors at queue time (EXECABORT) and at run
/// time (that reply only), nesting, the errors without MULTI, WATCH inside MULTI, a watched key
/// written by the client itself, blocking commands inside EXEC (nil at once), RESET and
/// DISCARD ending the transaction.
const TRANSACTIONS: &[&[u8]] = &[
    b"MULTI\r\nSET a 1\r\nINCR a\r\nGET a\r\nLPOP a\r\nEXEC\r\nGET a\r\n",
    b"MULTI\r\nFOO\r\nSET b 2\r\nEXEC\r\nGET b\r\nMULTI\r\nGET\r\nEXEC\r\nMULTI\r\nSHUTDOWN\r\nEXEC\r\n",
    b"EXEC\r\nDISCARD\r\nMULTI\r\nMULTI\r\nWATCH x\r\nEXEC\r\nMULTI x\r\nEXEC x\r\nWATCH\r\nUNWATCH x\r\n",
    b"WATCH a\r\nSET a 5\r\nMULTI\r\nGET a\r\nEXEC\r\nWATCH a\r\nMULTI\r\nGET a\r\nEXEC\r\n",
    b"SET k v\r\nWATCH k\r\nEXPIRE k 100\r\nMULTI\r\nPING\r\nEXEC\r\nWATCH k nosuch\r\nUNWATCH\r\nSET k w\r\nMULTI\r\nGET k\r\nEXEC\r\n",
    b"WATCH x\r\nSET x 10\r\nMULTI\r\nDISCARD\r\nMULTI\r\nINCR x\r\nEXEC\r\n",
    b"MULTI\r\nBLPOP nolist 0\r\nBRPOPLPUSH a b 0\r\nBZPOPMIN z 0\r\nEXEC\r\nMULTI\r\nSET q 1\r\nRESET\r\nEXEC\r\nGET q\r\n",
    b"WATCH nosuch\r\nMULTI\r\nSET nosuch 1\r\nEXEC\r\nWATCH l\r\nRPUSH l a\r\nMULTI\r\nLLEN l\r\nEXEC\r\n",
    b"MULTI\r\nSUBSCRIBE c\r\nEXEC\r\nMULTI\r\nEXEC\r\nMULTI\r\nDEL a\r\nDISCARD\r\nEXISTS a\r\n",
];

#[test]
fn transactions_match_redis_byte_for_byte() {
    let redis = RedisServer::start(&[]);
    let ours = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    compare(TRANSACTIONS, redis.addr, ours.addr());
}
