//! Numbered databases over real sockets: what several clients on different databases see of
//! each other (blocked clients, watched keys, the expiry cycle), what INFO, CLIENT LIST and
//! MONITOR say, the `databases` directive, and a database chosen in a `redis://` URL. One
//! client's replies compared byte for byte with redis-server are in `tests/differential.rs`.

mod common;

use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

use redis::Value;

fn server() -> reactor::ServerHandle {
    reactor::spawn(reactor::config::Config::ephemeral()).expect("server starts")
}

use common::{redis_connection as connect, redis_run as run};

fn text(value: Value) -> String {
    match value {
        Value::BulkString(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Value::SimpleString(s) => s,
        other => panic!("expected text, got {other:?}"),
    }
}

/// `BLPOP key 0` on a new connection to database `db`, from a thread; the reply comes back on
/// the handle.
fn blpop(addr: SocketAddr, db: usize, key: &'static str) -> thread::JoinHandle<Value> {
    thread::spawn(move || {
        let mut con = connect(addr, db);
        run(&mut con, &["BLPOP", key, "0"])
    })
}

/// Wait until INFO says `n` clients are blocked.
fn wait_blocked(con: &mut redis::Connection, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let line = format!("blocked_clients:{n}\r\n");
    while !text(run(con, &["INFO", "clients"])).contains(&line) {
        assert!(Instant::now() < deadline, "never saw {line:?}");
        thread::sleep(Duration::from_millis(5));
    }
}

fn popped(key: &str, value: &str) -> Value {
    Value::Array(vec![
        Value::BulkString(key.as_bytes().to_vec()),
        Value::BulkString(value.as_bytes().to_vec()),
    ])
}

/// A client blocked in one database is served by a key created in that database, whoever
/// creates it and however: a push there, a MOVE into it, a SWAPDB that brings the key in. A
/// push to the same name in another database serves nobody.
///
/// Break checked: keeping the check after each command on the database in hand
/// (`state.db.blocking.has_ready()` instead of `any_ready`) leaves the MOVE's waiter blocked
/// until the test times out; dropping `signal_existing` from `Db::swap_data` does the same
/// to the SWAPDB waiter.
#[test]
fn blocked_clients_wait_in_their_own_database() {
    let server = server();
    let addr = server.addr();
    let mut zero = connect(addr, 0);

    let waiter = blpop(addr, 2, "l");
    wait_blocked(&mut zero, 1);
    run(&mut zero, &["RPUSH", "l", "elsewhere"]);
    thread::sleep(Duration::from_millis(50));
    assert!(!waiter.is_finished(), "served by a push to database 0");
    let mut two = connect(addr, 2);
    run(&mut two, &["RPUSH", "l", "here"]);
    assert_eq!(waiter.join().unwrap(), popped("l", "here"));
    assert_eq!(run(&mut zero, &["LLEN", "l"]), Value::Int(1));

    let waiter = blpop(addr, 3, "q");
    wait_blocked(&mut zero, 1);
    run(&mut zero, &["RPUSH", "q", "moved"]);
    assert_eq!(run(&mut zero, &["MOVE", "q", "3"]), Value::Int(1));
    assert_eq!(waiter.join().unwrap(), popped("q", "moved"));

    let waiter = blpop(addr, 4, "s");
    wait_blocked(&mut zero, 1);
    run(&mut zero, &["SELECT", "5"]);
    run(&mut zero, &["RPUSH", "s", "swapped"]);
    run(&mut zero, &["SWAPDB", "4", "5"]);
    assert_eq!(waiter.join().unwrap(), popped("s", "swapped"));
    wait_blocked(&mut zero, 0);
}

/// A blocked client's timeout fires whatever database it waits in and whichever database
/// the loop last had in hand.
///
/// Break checked: making `State::pop_due` look only at the database in hand leaves the
/// client blocked past its timeout.
#[test]
fn timeouts_fire_in_every_database() {
    let server = server();
    let addr = server.addr();
    let waiter = thread::spawn(move || {
        let mut con = connect(addr, 7);
        let started = Instant::now();
        let reply = run(&mut con, &["BLPOP", "nothing", "0.2"]);
        (reply, started.elapsed())
    });
    let mut zero = connect(addr, 0);
    wait_blocked(&mut zero, 1);
    run(&mut zero, &["SET", "busy", "1"]);
    let (reply, waited) = waiter.join().unwrap();
    assert_eq!(reply, Value::Nil);
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
    wait_blocked(&mut zero, 0);
}

/// The active expiry cycle reclaims keys in every database, not only the one in hand: keys
/// with deadlines in database 6, never read again, are gone from INFO keyspace.
///
/// Break checked: running the cycle on database 0 alone leaves `db6` in INFO keyspace.
#[test]
fn the_expiry_cycle_visits_every_database() {
    let server = server();
    let addr = server.addr();
    let mut six = connect(addr, 6);
    for i in 0..20 {
        run(&mut six, &["SET", &format!("k{i}"), "v", "PX", "30"]);
    }
    run(&mut six, &["SET", "stays", "v"]);
    let mut zero = connect(addr, 0);
    run(&mut zero, &["SET", "a", "1"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let info = text(run(&mut zero, &["INFO", "keyspace"]));
        if info.contains("db6:keys=1,expires=0,avg_ttl=0") {
            assert!(info.contains("db0:keys=1,expires=0,avg_ttl=0"), "{info}");
            break;
        }
        assert!(Instant::now() < deadline, "db6 never reclaimed: {info}");
        thread::sleep(Duration::from_millis(20));
    }
    let stats = text(run(&mut zero, &["INFO", "stats"]));
    assert!(stats.contains("expired_keys:20\r\n"), "{stats}");
}

/// WATCH watches a key *in a database*: a write to the same name in another database leaves
/// the transaction alone; a write in the watched database fails it, whichever database the
/// watcher has selected since.
///
/// Break checked: leaving `db` out of `WatchedKey` (checking the key in the database in hand at
/// EXEC) lets the second EXEC run.
#[test]
fn watched_keys_belong_to_their_database() {
    let server = server();
    let addr = server.addr();
    let mut watcher = connect(addr, 0);
    let mut other = connect(addr, 1);
    run(&mut watcher, &["WATCH", "k"]);
    run(&mut other, &["SET", "k", "1"]);
    run(&mut watcher, &["MULTI"]);
    run(&mut watcher, &["PING"]);
    assert_ne!(run(&mut watcher, &["EXEC"]), Value::Nil);

    run(&mut watcher, &["WATCH", "k"]);
    run(&mut watcher, &["SELECT", "1"]);
    run(&mut other, &["SELECT", "0"]);
    run(&mut other, &["SET", "k", "2"]);
    run(&mut watcher, &["MULTI"]);
    run(&mut watcher, &["PING"]);
    assert_eq!(run(&mut watcher, &["EXEC"]), Value::Nil);
}

/// What the server says about databases: a line per non-empty database in INFO keyspace,
/// `db=` in CLIENT LIST and CLIENT INFO, the database in MONITOR's lines (after the command,
/// as Redis: SELECT 3 shows 3).
///
/// Break checked: printing `db=0` again in CLIENT LIST fails the `db=9` check.
#[test]
fn info_client_list_and_monitor_name_the_database() {
    let server = server();
    let addr = server.addr();
    let mut nine = connect(addr, 9);
    run(&mut nine, &["SET", "a", "1"]);
    run(&mut nine, &["SET", "b", "1", "EX", "100"]);
    let mut zero = connect(addr, 0);
    run(&mut zero, &["SET", "a", "1"]);
    let info = text(run(&mut zero, &["INFO", "keyspace"]));
    assert_eq!(
        info,
        "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\ndb9:keys=2,expires=1,avg_ttl=0\r\n"
    );
    assert!(text(run(&mut nine, &["CLIENT", "INFO"])).contains(" db=9 "));
    let list = text(run(&mut zero, &["CLIENT", "LIST"]));
    assert_eq!(list.matches(" db=9 ").count(), 1, "{list}");
    assert_eq!(list.matches(" db=0 ").count(), 1, "{list}");

    let mut monitor = common::monitor(addr);
    run(&mut nine, &["SELECT", "3"]);
    run(&mut nine, &["GET", "a"]);
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains("\"GET\"") {
        seen.extend(common::read_n(&mut monitor, 1));
    }
    while !seen.ends_with(b"\r\n") {
        seen.extend(common::read_n(&mut monitor, 1));
    }
    let lines = String::from_utf8_lossy(&seen).into_owned();
    let mut lines = lines.lines();
    assert!(lines.next().unwrap().contains(" [3 "), "SELECT's line");
    assert!(lines.next().unwrap().contains(" [3 "), "GET's line");
}

/// `databases N` sets how many there are (CONFIG GET reports it, SELECT N is out of range),
/// as the directive and the flag do in Redis.
///
/// Break checked: ignoring the directive (16 databases always) answers `+OK` to SELECT 3.
#[test]
fn the_databases_directive_sets_how_many() {
    let mut config = reactor::config::Config::ephemeral();
    config.databases = 3;
    let server = reactor::spawn(config).expect("server starts");
    let mut con = connect(server.addr(), 2);
    run(&mut con, &["SET", "a", "1"]);
    assert_eq!(
        run(&mut con, &["CONFIG", "GET", "databases"]),
        Value::Array(vec![
            Value::BulkString(b"databases".to_vec()),
            Value::BulkString(b"3".to_vec())
        ])
    );
    let refused = redis::cmd("SELECT").arg(3).query::<Value>(&mut con);
    let message = refused.expect_err("SELECT 3 of 3").to_string();
    assert!(message.contains("DB index is out of range"), "{message}");
    let bin = common::Binary::start(&["--databases", "2"]);
    let mut con = connect(bin.addr, 1);
    assert_eq!(run(&mut con, &["DBSIZE"]), Value::Int(0));
    let refused = redis::cmd("SWAPDB").arg(0).arg(2).query::<Value>(&mut con);
    assert!(refused.is_err());
}
