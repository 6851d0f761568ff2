//! MULTI, EXEC and WATCH over real sockets: every kind of change a watched key can go through,
//! blocking commands inside a transaction, many clients doing optimistic increments through
//! the `redis` crate, what MONITOR and CLIENT LIST show, and the queue's bound. Replies that
//! can be compared byte for byte with redis-server are in `tests/differential.rs`.

mod common;

use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

use redis::Value;

fn server() -> reactor::ServerHandle {
    reactor::spawn(reactor::config::Config::ephemeral()).expect("server starts")
}

use common::redis_run as run;

/// A connection to database 0; a transaction that hangs fails the test rather than the run.
fn connect(addr: SocketAddr) -> redis::Connection {
    common::redis_connection(addr, 0)
}

/// WATCH `key`, let `change` act on it from another connection, then MULTI / PING / EXEC:
/// whether EXEC ran (false: it answered nil).
fn exec_survives(addr: SocketAddr, key: &str, change: impl FnOnce(&mut redis::Connection)) -> bool {
    let mut watcher = connect(addr);
    let mut other = connect(addr);
    run(&mut watcher, &["WATCH", key]);
    change(&mut other);
    run(&mut watcher, &["MULTI"]);
    run(&mut watcher, &["PING"]);
    match run(&mut watcher, &["EXEC"]) {
        Value::Nil => false,
        Value::Array(replies) => {
            assert_eq!(replies.len(), 1);
            true
        }
        other => panic!("EXEC answered {other:?}"),
    }
}

/// Every way a watched key can change fails the EXEC, whoever changes it: a write, a delete,
/// a new deadline, a rename either way, a list emptied by a pop, FLUSHALL and FLUSHDB, MOVE
/// and SWAPDB either way, a transaction of another client, a key expiring (removed by the active cycle, or only past
/// its deadline while CLIENT PAUSE keeps it from being removed); reads, writes to other keys and a flush of a database without the key do
/// not.
///
/// Break checked: not telling the watchers in `Db::get_mut` lets the RPUSH through; SREM or
/// HDEL forgetting `Db::changed` lets its real removal through; SMOVE
/// looking its keys up with `get_mut` again fails the unchanged destination's EXEC; not
/// telling them of expiries (`touch_expired` in `check_expired`) lets the active-expiry case
/// through; dropping the deadline check in `watched_key_changed` lets the lazy one through.
#[test]
fn watch_fails_exec_for_every_kind_of_change() {
    let server = server();
    let addr = server.addr();
    let mut setup = connect(addr);
    let fails = |key: &str, what: &str, change: &dyn Fn(&mut redis::Connection)| {
        assert!(!exec_survives(addr, key, change), "EXEC ran after {what}");
    };
    run(&mut setup, &["SET", "k", "v"]);
    fails("k", "SET", &|c| {
        run(c, &["SET", "k", "w"]);
    });
    fails("k", "DEL", &|c| {
        run(c, &["DEL", "k"]);
    });
    run(&mut setup, &["SET", "k", "v"]);
    fails("k", "EXPIRE", &|c| {
        run(c, &["EXPIRE", "k", "100"]);
    });
    fails("k", "RENAME from it", &|c| {
        run(c, &["RENAME", "k", "k2"]);
    });
    fails("k", "RENAME onto it", &|c| {
        run(c, &["RENAME", "k2", "k"]);
    });
    run(&mut setup, &["RPUSH", "list", "only"]);
    fails("list", "LPOP of the last element", &|c| {
        run(c, &["LPOP", "list"]);
    });
    fails("k", "FLUSHALL", &|c| {
        run(c, &["FLUSHALL"]);
    });
    run(&mut setup, &["SET", "k", "v"]);
    fails("k", "FLUSHDB", &|c| {
        run(c, &["FLUSHDB"]);
    });
    run(&mut setup, &["RPUSH", "list", "a"]);
    fails("list", "RPUSH to it", &|c| {
        run(c, &["RPUSH", "list", "b"]);
    });
    fails("nosuch", "a key created", &|c| {
        run(c, &["SADD", "nosuch", "m"]);
    });
    run(&mut setup, &["SET", "k", "v"]);
    fails("k", "MOVE to another database", &|c| {
        run(c, &["MOVE", "k", "1"]);
    });
    fails("k", "MOVE from another database", &|c| {
        run(c, &["SELECT", "1"]);
        run(c, &["MOVE", "k", "0"]);
    });
    fails("k", "SWAPDB bringing it away", &|c| {
        run(c, &["SWAPDB", "0", "1"]);
    });
    fails("k", "SWAPDB bringing another in", &|c| {
        run(c, &["SELECT", "1"]);
        run(c, &["SET", "k", "other"]);
        run(c, &["SWAPDB", "0", "1"]);
    });
    run(&mut setup, &["SET", "k", "v"]);
    fails("k", "another client's transaction", &|c| {
        run(c, &["MULTI"]);
        run(c, &["SET", "k", "x"]);
        run(c, &["EXEC"]);
    });

    // Expiry: removed by the active cycle while watched, or only past its deadline.
    run(&mut setup, &["SET", "brief", "v", "PX", "200"]);
    fails("brief", "active expiry", &|c| {
        let deadline = Instant::now() + Duration::from_secs(5);
        let before = run(c, &["DBSIZE"]);
        // DBSIZE counts a key until it is removed: it drops when the active cycle removes it.
        while run(c, &["DBSIZE"]) == before {
            assert!(Instant::now() < deadline, "the key never expired");
            thread::sleep(Duration::from_millis(10));
        }
    });
    // Paused for writes, the server removes no expired key: only the deadline tells.
    run(&mut setup, &["SET", "brief", "v", "PX", "40"]);
    fails("brief", "its deadline passing", &|c| {
        run(c, &["CLIENT", "PAUSE", "2000", "WRITE"]);
        thread::sleep(Duration::from_millis(60));
    });
    run(&mut setup, &["CLIENT", "UNPAUSE"]);

    // What does not touch the key.
    run(&mut setup, &["SET", "k", "v"]);
    assert!(exec_survives(addr, "k", |c| {
        run(c, &["GET", "k"]);
        run(c, &["EXISTS", "k"]);
        run(c, &["TTL", "k"]);
        run(c, &["SET", "other", "1"]);
        run(c, &["DEL", "nosuch"]);
    }));
    assert!(exec_survives(addr, "absent", |c| {
        run(c, &["FLUSHALL"]);
    }));
    // Writes that change nothing: SADD of a member already there, SREM and HDEL of absent
    // ones (Redis signals a key only when it changed).
    run(&mut setup, &["SADD", "s", "a", "b"]);
    run(&mut setup, &["HSET", "h", "f", "v", "g", "w"]);
    assert!(exec_survives(addr, "s", |c| {
        run(c, &["SADD", "s", "a"]);
        run(c, &["SREM", "s", "nosuch"]);
    }));
    assert!(exec_survives(addr, "h", |c| {
        run(c, &["HDEL", "h", "nosuch"]);
    }));
    assert!(!exec_survives(addr, "s", |c| {
        run(c, &["SREM", "s", "a", "nosuch"]);
    }));
    assert!(!exec_survives(addr, "h", |c| {
        run(c, &["HDEL", "h", "g", "nosuch"]);
    }));
    // SMOVE touches a set only if it changes it (Redis's `unit/type/set` checks the first).
    run(&mut setup, &["SADD", "src", "a", "b"]);
    run(&mut setup, &["SADD", "dst", "a"]);
    assert!(exec_survives(addr, "dst", |c| {
        run(c, &["SMOVE", "src", "dst", "a"]);
        run(c, &["SMOVE", "src", "dst", "nosuch"]);
    }));
    assert!(exec_survives(addr, "src", |c| {
        run(c, &["SMOVE", "src", "dst", "nosuch"]);
        run(c, &["SMOVE", "src", "src", "b"]);
    }));
    assert!(!exec_survives(addr, "dst", |c| {
        run(c, &["SMOVE", "src", "dst", "b"]);
    }));
}

/// Inside EXEC a blocking command answers at once as if it had timed out, and clients
/// blocked on a key the transaction fills are served after it, in the order they blocked.
///
/// Break checked: letting commands block inside EXEC (`may_block` always true) parks the
/// transaction's client; serving waiters after each queued command makes LLEN answer 0.
#[test]
fn blocking_commands_inside_exec_do_not_block_and_waiters_are_served_after_it() {
    let server = server();
    let addr = server.addr();
    let mut c = connect(addr);
    run(&mut c, &["MULTI"]);
    run(&mut c, &["BLPOP", "empty", "0"]);
    run(&mut c, &["BZPOPMIN", "emptyz", "0"]);
    let replies = run(&mut c, &["EXEC"]);
    assert_eq!(replies, Value::Array(vec![Value::Nil, Value::Nil]));

    let waiter = |name: &'static str| {
        thread::spawn(move || {
            let mut w = connect(addr);
            run(&mut w, &["CLIENT", "SETNAME", name]);
            run(&mut w, &["BLPOP", "q", "10"])
        })
    };
    let first = waiter("first");
    wait_for_blocked(&mut c, 1);
    let second = waiter("second");
    wait_for_blocked(&mut c, 2);
    run(&mut c, &["MULTI"]);
    run(&mut c, &["RPUSH", "q", "a", "b"]);
    run(&mut c, &["LLEN", "q"]);
    let replies = run(&mut c, &["EXEC"]);
    assert_eq!(replies, Value::Array(vec![Value::Int(2), Value::Int(2)]));
    let popped = |v: Value| match v {
        Value::Array(items) => items[1].clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        popped(first.join().unwrap()),
        Value::BulkString(b"a".to_vec())
    );
    assert_eq!(
        popped(second.join().unwrap()),
        Value::BulkString(b"b".to_vec())
    );
}

fn wait_for_blocked(c: &mut redis::Connection, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let info: String = redis::cmd("INFO").arg("clients").query(c).unwrap();
        if info.contains(&format!("blocked_clients:{n}\r\n")) {
            return;
        }
        assert!(Instant::now() < deadline, "{info}");
        thread::sleep(Duration::from_millis(5));
    }
}

/// Optimistic locking as applications do it: eight clients of the `redis` crate each add 1 to
/// one counter 1,000 times with WATCH / GET / MULTI / SET / EXEC, retrying when EXEC answers
/// nil. No increment is lost: the counter ends at exactly 8,000.
///
/// Break checked: not telling watchers of a SET (`touch` left out of `set_str`) loses
/// increments (the counter ends below 8,000).
#[test]
fn optimistic_increments_from_eight_clients_add_up() {
    const CLIENTS: usize = 8;
    const EACH: usize = 1000;
    let server = server();
    let addr = server.addr();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            thread::spawn(move || {
                let mut con = connect(addr);
                let mut retries = 0;
                for _ in 0..EACH {
                    loop {
                        redis::cmd("WATCH").arg("counter").exec(&mut con).unwrap();
                        let value: Option<i64> =
                            redis::cmd("GET").arg("counter").query(&mut con).unwrap();
                        let next = value.unwrap_or(0) + 1;
                        let done: Option<(String,)> = redis::pipe()
                            .atomic()
                            .cmd("SET")
                            .arg("counter")
                            .arg(next)
                            .query(&mut con)
                            .unwrap();
                        if done.is_some() {
                            break;
                        }
                        retries += 1;
                    }
                }
                retries
            })
        })
        .collect();
    let retries: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    let mut con = connect(addr);
    let total: i64 = redis::cmd("GET").arg("counter").query(&mut con).unwrap();
    assert_eq!(total, (CLIENTS * EACH) as i64, "after {retries} retries");
}

/// What the server shows of a transaction: CLIENT LIST's `multi=` (commands queued, -1
/// outside) and `x` flag; MONITOR's lines in the order things ran: MULTI, then the queued
/// commands when EXEC runs them, then EXEC.
///
/// Break checked: reporting `multi=-1` for every client fails it; so does letting a refused
/// subcommand (redis-rs's CLIENT SETINFO, unknown to Redis 7.0) reach the monitors, which
/// Redis never shows.
#[test]
fn client_list_and_monitor_show_a_transaction() {
    let server = server();
    let addr = server.addr();
    let mut monitor = common::monitor(addr);
    let mut c = connect(addr);
    run(&mut c, &["MULTI"]);
    run(&mut c, &["SET", "foo", "bar"]);
    let line: String = redis::cmd("CLIENT")
        .arg("INFO")
        .query(&mut connect(addr))
        .unwrap();
    assert!(line.contains(" multi=-1 "), "{line}");
    run(&mut c, &["GET", "foo"]);
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query(&mut connect(addr))
        .unwrap();
    let mine = list
        .lines()
        .find(|l| l.contains(" multi=2 "))
        .unwrap_or_else(|| panic!("no client with two queued commands: {list}"));
    assert!(mine.contains(" flags=x "), "{mine}");
    run(&mut c, &["EXEC"]);
    let seen = common::monitor_until(&mut monitor, "\"EXEC\"");
    let commands: Vec<&str> = seen
        .lines()
        .filter_map(|l| l.split("] ").nth(1))
        // CLIENT INFO is shown, as Redis shows it; a refused CLIENT SETINFO (redis-rs sends
        // it on connecting; Redis 7.0 does not know it) is not.
        .filter(|c| *c != "\"CLIENT\" \"INFO\"")
        .collect();
    assert_eq!(
        commands,
        [
            "\"MULTI\"",
            "\"SET\" \"foo\" \"bar\"",
            "\"GET\" \"foo\"",
            "\"EXEC\""
        ]
    );
}

/// A transaction's queue is held to the client's query-buffer limit, as the input it stands
/// for: past it the client is closed, and everyone else carries on.
///
/// Break checked: not counting the queued bytes (`transaction.bytes`) keeps the client open.
#[test]
fn a_queue_past_the_query_buffer_limit_closes_the_client() {
    let server = server();
    let addr = server.addr();
    let mut admin = connect(addr);
    run(
        &mut admin,
        &["CONFIG", "SET", "client-query-buffer-limit", "1mb"],
    );
    let mut stream = common::connect(addr);
    let value = vec![b'x'; 100_000];
    let mut request = b"MULTI\r\n".to_vec();
    for _ in 0..20 {
        request.extend(common::command(&[b"SET", b"k", &value]));
    }
    std::io::Write::write_all(&mut stream, &request).unwrap();
    let (replies, _) = common::read_to_close(&mut stream);
    let queued = String::from_utf8_lossy(&replies).matches("+QUEUED").count();
    assert!(
        (5..=11).contains(&queued),
        "{queued} queued before the close"
    );
    assert_eq!(
        run(&mut admin, &["PING"]),
        Value::SimpleString("PONG".into())
    );
    assert_eq!(run(&mut admin, &["EXISTS", "k"]), Value::Int(0));
}
