//! List commands over random operation sequences: every reply compared with redis-server
//! 7.0's (a list's order is fully defined, so replies compare byte for byte), and with a
//! `VecDeque` model of what the lists must hold.

mod common;

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use reactor::client::{Connection, Reply};

use common::RedisServer;

#[derive(Debug, Clone)]
enum Op {
    Push(bool, u8, Vec<u8>),
    Pop(bool, u8),
    Range(u8, i64, i64),
    Index(u8, i64),
    Set(u8, i64, u8),
    Insert(u8, bool, u8, u8),
    Rem(u8, i64, u8),
    Trim(u8, i64, i64),
    Pos(u8, u8, i64, u8),
    Len(u8),
    Move(u8, u8),
}

fn key(k: u8) -> Vec<u8> {
    format!("list{k}").into_bytes()
}

fn element(e: u8) -> Vec<u8> {
    vec![b'a' + e]
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let k = 0u8..2;
    let e = 0u8..4;
    let i = -6i64..6;
    prop_oneof![
        4 => (any::<bool>(), k.clone(), proptest::collection::vec(e.clone(), 1..4))
            .prop_map(|(left, k, es)| Op::Push(left, k, es)),
        2 => (any::<bool>(), k.clone()).prop_map(|(left, k)| Op::Pop(left, k)),
        2 => (k.clone(), i.clone(), i.clone()).prop_map(|(k, a, b)| Op::Range(k, a, b)),
        1 => (k.clone(), i.clone()).prop_map(|(k, a)| Op::Index(k, a)),
        1 => (k.clone(), i.clone(), e.clone()).prop_map(|(k, a, v)| Op::Set(k, a, v)),
        1 => (k.clone(), any::<bool>(), e.clone(), e.clone()).prop_map(|(k, after, p, v)| Op::Insert(k, after, p, v)),
        1 => (k.clone(), -3i64..3, e.clone()).prop_map(|(k, n, v)| Op::Rem(k, n, v)),
        1 => (k.clone(), i.clone(), i.clone()).prop_map(|(k, a, b)| Op::Trim(k, a, b)),
        1 => (k.clone(), e.clone(), -3i64..3, 0u8..3).prop_map(|(k, v, r, c)| Op::Pos(k, v, r, c)),
        1 => k.clone().prop_map(Op::Len),
        1 => (k.clone(), k).prop_map(|(a, b)| Op::Move(a, b)),
    ]
}

impl Op {
    fn args(&self) -> Vec<Vec<u8>> {
        let n = |x: i64| x.to_string().into_bytes();
        match self {
            Op::Push(left, k, es) => {
                let mut args = vec![
                    if *left {
                        b"LPUSH".to_vec()
                    } else {
                        b"RPUSH".to_vec()
                    },
                    key(*k),
                ];
                args.extend(es.iter().map(|e| element(*e)));
                args
            }
            Op::Pop(left, k) => vec![
                if *left {
                    b"LPOP".to_vec()
                } else {
                    b"RPOP".to_vec()
                },
                key(*k),
            ],
            Op::Range(k, a, b) => vec![b"LRANGE".to_vec(), key(*k), n(*a), n(*b)],
            Op::Index(k, a) => vec![b"LINDEX".to_vec(), key(*k), n(*a)],
            Op::Set(k, a, v) => vec![b"LSET".to_vec(), key(*k), n(*a), element(*v)],
            Op::Insert(k, after, p, v) => vec![
                b"LINSERT".to_vec(),
                key(*k),
                if *after {
                    b"AFTER".to_vec()
                } else {
                    b"BEFORE".to_vec()
                },
                element(*p),
                element(*v),
            ],
            Op::Rem(k, count, v) => vec![b"LREM".to_vec(), key(*k), n(*count), element(*v)],
            Op::Trim(k, a, b) => vec![b"LTRIM".to_vec(), key(*k), n(*a), n(*b)],
            Op::Pos(k, v, rank, count) => {
                let mut args = vec![b"LPOS".to_vec(), key(*k), element(*v)];
                if *rank != 0 {
                    args.extend([b"RANK".to_vec(), n(*rank)]);
                }
                if *count > 0 {
                    args.extend([b"COUNT".to_vec(), n(i64::from(*count) - 1)]);
                }
                args
            }
            Op::Len(k) => vec![b"LLEN".to_vec(), key(*k)],
            Op::Move(a, b) => vec![
                b"LMOVE".to_vec(),
                key(*a),
                key(*b),
                b"LEFT".to_vec(),
                b"RIGHT".to_vec(),
            ],
        }
    }
}

fn connect(addr: std::net::SocketAddr) -> Connection {
    Connection::connect(addr, Duration::from_secs(10)).expect("connect")
}

fn run(conn: &mut Connection, args: &[Vec<u8>]) -> Reply {
    let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
    conn.command(&refs).expect("a reply")
}

/// What the model's lists hold, read back from a server with LRANGE.
fn contents(conn: &mut Connection) -> HashMap<u8, VecDeque<Vec<u8>>> {
    let mut lists = HashMap::new();
    for k in 0..2 {
        let reply = run(
            conn,
            &[b"LRANGE".to_vec(), key(k), b"0".to_vec(), b"-1".to_vec()],
        );
        let Reply::Array(items) = reply else {
            panic!("LRANGE: {reply:?}");
        };
        let items: VecDeque<Vec<u8>> = items
            .into_iter()
            .map(|r| match r {
                Reply::Bulk(b) => b,
                other => panic!("element {other:?}"),
            })
            .collect();
        if !items.is_empty() {
            lists.insert(k, items);
        }
    }
    lists
}

/// The model: what each list must hold after an operation (replies are Redis's business,
/// checked against redis-server; the model pins the contents).
fn apply(model: &mut HashMap<u8, VecDeque<Vec<u8>>>, op: &Op) {
    let norm = |i: i64, len: usize| -> Option<usize> {
        let len = len as i64;
        let i = if i < 0 { i + len } else { i };
        (0..len).contains(&i).then_some(i as usize)
    };
    match op {
        Op::Push(left, k, es) => {
            let list = model.entry(*k).or_default();
            for e in es {
                if *left {
                    list.push_front(element(*e));
                } else {
                    list.push_back(element(*e));
                }
            }
        }
        Op::Pop(left, k) => {
            if let Some(list) = model.get_mut(k) {
                if *left {
                    list.pop_front();
                } else {
                    list.pop_back();
                }
            }
        }
        Op::Set(k, i, v) => {
            if let Some(list) = model.get_mut(k)
                && let Some(at) = norm(*i, list.len())
            {
                list[at] = element(*v);
            }
        }
        Op::Insert(k, after, p, v) => {
            if let Some(list) = model.get_mut(k)
                && let Some(at) = list.iter().position(|x| *x == element(*p))
            {
                list.insert(at + usize::from(*after), element(*v));
            }
        }
        Op::Rem(k, count, v) => {
            if let Some(list) = model.get_mut(k) {
                let limit = if *count == 0 {
                    usize::MAX
                } else {
                    count.unsigned_abs() as usize
                };
                let target = element(*v);
                let mut positions: Vec<usize> =
                    (0..list.len()).filter(|&i| list[i] == target).collect();
                if *count < 0 {
                    positions.reverse();
                }
                positions.truncate(limit);
                positions.sort_unstable();
                for at in positions.into_iter().rev() {
                    list.remove(at);
                }
            }
        }
        Op::Trim(k, a, b) => {
            if let Some(list) = model.get_mut(k) {
                let len = list.len() as i64;
                let start = (if *a < 0 { a + len } else { *a }).max(0);
                let stop = if *b < 0 { b + len } else { *b };
                if start > stop || start >= len {
                    list.clear();
                } else {
                    let stop = stop.min(len - 1);
                    *list = list
                        .range(start as usize..=stop as usize)
                        .cloned()
                        .collect();
                }
            }
        }
        Op::Move(a, b) => {
            if let Some(x) = model.get_mut(a).and_then(VecDeque::pop_front) {
                model.entry(*b).or_default().push_back(x);
            }
        }
        Op::Range(..) | Op::Index(..) | Op::Pos(..) | Op::Len(_) => {}
    }
    model.retain(|_, list| !list.is_empty());
}

#[test]
fn random_list_operations_match_redis_and_a_model() {
    let redis = RedisServer::start(&[]);
    let ours = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    // Tiny quicklist nodes (2 or 3 entries) as well as the default 8 KiB: the lists here are
    // short, and only small nodes make every command cross node boundaries.
    let fills = prop_oneof![Just("2"), Just("3"), Just("-2")];
    runner
        .run(
            &(fills, proptest::collection::vec(op_strategy(), 1..50)),
            |(fill, ops)| {
                let (mut r, mut o) = (connect(redis.addr), connect(ours.addr()));
                for conn in [&mut r, &mut o] {
                    run(conn, &[b"FLUSHALL".to_vec()]);
                    let set = [
                        &b"CONFIG"[..],
                        b"SET",
                        b"list-max-listpack-size",
                        fill.as_bytes(),
                    ];
                    run(conn, &set.map(<[u8]>::to_vec));
                }
                let mut model = HashMap::new();
                for op in &ops {
                    let args = op.args();
                    prop_assert_eq!(run(&mut o, &args), run(&mut r, &args), "{:?}", op);
                    apply(&mut model, op);
                    prop_assert_eq!(&contents(&mut o), &model, "after {:?}", op);
                }
                Ok(())
            },
        )
        .unwrap();
}

/// Every read of a list goes through the one typed look-up, which counts a keyspace hit or
/// miss as Redis's `lookupKeyRead` does: INFO's `keyspace_hits` and `keyspace_misses` after the
/// same reads are redis-server's.
///
/// Break checked: `read_as` not counting (`state.db.get` in place of `read`, as the list
/// reads once did) → both counts stay 0 here, fails.
#[test]
fn list_reads_count_keyspace_hits_and_misses_as_redis() {
    let redis = RedisServer::start(&[]);
    let server = common::start(Default::default());
    let counts = |addr| {
        let mut c = Connection::connect(addr, Duration::from_secs(5)).unwrap();
        c.command(&[b"CONFIG", b"RESETSTAT"]).unwrap();
        c.command(&[b"RPUSH", b"l", b"a", b"b", b"c"]).unwrap();
        c.command(&[b"SET", b"s", b"x"]).unwrap();
        for key in [&b"l"[..], b"missing", b"s"] {
            for args in [
                &[&b"LLEN"[..], key][..],
                &[b"LRANGE", key, b"0", b"-1"],
                &[b"LINDEX", key, b"1"],
                &[b"LPOS", key, b"b"],
            ] {
                c.command(args).unwrap();
            }
        }
        let Reply::Bulk(info) = c.command(&[b"INFO", b"stats"]).unwrap() else {
            panic!("INFO replies with a bulk string");
        };
        let info = String::from_utf8(info).unwrap();
        let field = |name: &str| -> u64 {
            info.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}:")))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| panic!("no {name}"))
        };
        (field("keyspace_hits"), field("keyspace_misses"))
    };
    let theirs = counts(redis.addr);
    assert_eq!(counts(server.addr()), theirs);
    assert!(theirs.0 > 0 && theirs.1 > 0, "{theirs:?}");
}
