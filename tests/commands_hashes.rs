//! Hash commands over real sockets: against redis-server 7.0 byte for byte, against a
//! `HashMap` model over random operation sequences, and the properties of HRANDFIELD and HSCAN
//! that no single reply shows (distributions, cursor guarantees while the hash changes).
//!
//! Small hashes (the listpack encoding) are compared byte for byte, field order included: ours
//! keeps Redis's insertion order. Large ones (hashtable) list fields in an order neither server
//! defines, so their replies are compared as sorted sets of pairs.
//!
//! Which encoding a hash uses is read with `OBJECT ENCODING`, from both servers. (Reading it
//! from `HSCAN key 0 COUNT 1`'s cursor is not reliable: Redis's scan of a small dict can visit
//! every bucket within one call and return cursor 0, as a listpack does.)

mod common;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use reactor::client::Connection;
use reactor::reactor::Faults;
use reactor::resp::decode::Reply;

use common::{RedisServer, assert_same_replies, flushall};

/// Both servers run with the thresholds of the redis.conf Redis ships (128 entries, 64 bytes),
/// so conversions are reached quickly; both default to the compiled-in 512 without a file.
fn ours() -> reactor::ServerHandle {
    let server = common::start(Faults::default());
    let mut conn = connect(server.addr());
    let reply = cmd(
        &mut conn,
        &[
            b"CONFIG",
            b"SET",
            b"hash-max-listpack-entries",
            b"128",
            b"hash-max-listpack-value",
            b"64",
        ],
    );
    assert_eq!(reply, Reply::Status(b"OK".to_vec()));
    server
}

fn redis() -> RedisServer {
    RedisServer::start(&[
        "--hash-max-listpack-entries",
        "128",
        "--hash-max-listpack-value",
        "64",
    ])
}

const QUIET: Duration = Duration::from_millis(150);

fn connect(addr: SocketAddr) -> Connection {
    Connection::connect(addr, Duration::from_secs(10)).expect("connect")
}

fn cmd(conn: &mut Connection, args: &[&[u8]]) -> Reply {
    conn.command(args).expect("command")
}

/// Split an inline command line into arguments (no quoting needed in these tests).
fn words(line: &str) -> Vec<Vec<u8>> {
    line.split_whitespace()
        .map(|w| w.as_bytes().to_vec())
        .collect()
}

fn run(conn: &mut Connection, line: &str) -> Reply {
    let args = words(line);
    let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
    cmd(conn, &refs)
}

/// Every command, every argument error, WRONGTYPE and missing keys, on small hashes.
const SMALL: &[&[u8]] = &[
    // HSET / HMSET / HSETNX
    b"HSET h a 1 b 2 c 3\r\nHSET h b 20 d 4\r\nHGETALL h\r\nHSET h\r\nHSET h a\r\nHSET h a 1 b\r\n",
    b"HMSET h a 1 b 2\r\nHMSET h a\r\nHMSET h a 1 b\r\nHGETALL h\r\nHSET h a 1 a 2\r\nHGET h a\r\n",
    b"HSETNX h a 1\r\nHSETNX h a 2\r\nHSETNX h\r\nHSETNX h a\r\nHGET h a\r\nHSETNX h b 3\r\nHGETALL h\r\n",
    b"HSET h \"\" \"\"\r\nHGETALL h\r\nHLEN h\r\nHSTRLEN h \"\"\r\nHEXISTS h \"\"\r\n",
    // Order: replacing keeps the position, deleting closes the gap, new fields go last.
    b"HSET h a 1 b 2 c 3 d 4\r\nHDEL h b\r\nHSET h b 5 a 6\r\nHKEYS h\r\nHVALS h\r\nHGETALL h\r\n",
    // HGET / HMGET / HLEN / HSTRLEN / HEXISTS
    b"HGET h a\r\nHMGET h a b\r\nHLEN h\r\nHSTRLEN h a\r\nHEXISTS h a\r\nHGET h\r\nHMGET h\r\n",
    b"HSET h a hello b 123\r\nHMGET h a x b\r\nHSTRLEN h a\r\nHSTRLEN h b\r\nHSTRLEN h x\r\nHEXISTS h a\r\nHEXISTS h x\r\nHLEN h\r\n",
    b"HLEN\r\nHLEN h x\r\nHSTRLEN h\r\nHEXISTS h\r\nHKEYS\r\nHVALS h x\r\nHGETALL\r\n",
    // HDEL deletes the key with its last field.
    b"HSET h a 1 b 2\r\nHDEL h a a x\r\nEXISTS h\r\nHDEL h b\r\nEXISTS h\r\nHDEL h b\r\nHDEL h\r\nTYPE h\r\n",
    b"HSET h a 1 b 2\r\nHDEL h a b c\r\nEXISTS h\r\nHKEYS h\r\nHVALS h\r\nHGETALL h\r\n",
    // HINCRBY
    b"HINCRBY h a 5\r\nHINCRBY h a -7\r\nHGET h a\r\nHINCRBY h a x\r\nHINCRBY h a 1.5\r\nHINCRBY h a\r\n",
    b"HSET h s x n 00 f 1.5\r\nHINCRBY h s 1\r\nHINCRBY h n 1\r\nHINCRBY h f 1\r\nHINCRBY nokey a x\r\n",
    b"HSET h m 9223372036854775807 n -9223372036854775808\r\nHINCRBY h m 1\r\nHINCRBY h m 0\r\nHINCRBY h n -1\r\nHINCRBY h n 9223372036854775807\r\nHGETALL h\r\n",
    b"HINCRBY h a 9223372036854775807\r\nHINCRBY h a -9223372036854775808\r\nHINCRBY h a 9223372036854775808\r\nHINCRBY h a \" 1\"\r\n",
    // HINCRBYFLOAT
    b"HINCRBYFLOAT h a 10.5\r\nHINCRBYFLOAT h a 0.1\r\nHINCRBYFLOAT h a -5.6\r\nHINCRBYFLOAT h a 5e3\r\nHGET h a\r\n",
    b"HINCRBYFLOAT h a inf\r\nHINCRBYFLOAT h a -inf\r\nHINCRBYFLOAT h a nan\r\nHINCRBYFLOAT h a abc\r\nHINCRBYFLOAT h a \"\"\r\nEXISTS h\r\n",
    b"HSET h s x i inf n 1e4932\r\nHINCRBYFLOAT h s 1\r\nHINCRBYFLOAT h i 1\r\nHINCRBYFLOAT h n 1e4932\r\nHINCRBYFLOAT h x 1e4933\r\nHGETALL h\r\n",
    b"HSET h a 1.0e1 b 0x10 c 00\r\nHINCRBYFLOAT h a 1\r\nHINCRBYFLOAT h b 1\r\nHINCRBYFLOAT h c 1\r\nHINCRBYFLOAT h d 1.5e308\r\nHINCRBYFLOAT h d 1.5e308\r\n",
    b"HINCRBYFLOAT h a 3.0\r\nHINCRBYFLOAT h a 0x1p-3\r\nHINCRBYFLOAT h a 1\r\nHINCRBYFLOAT h a\r\nHINCRBYFLOAT h a 1 2\r\n",
    // HRANDFIELD: the deterministic cases (missing key, zero, whole hash, errors).
    b"HRANDFIELD nokey\r\nHRANDFIELD nokey 5\r\nHRANDFIELD nokey -5 WITHVALUES\r\nHRANDFIELD nokey x\r\n",
    b"HSET h a 1 b 2 c 3\r\nHRANDFIELD h 0\r\nHRANDFIELD h 0 WITHVALUES\r\nHRANDFIELD h 3\r\nHRANDFIELD h 10 withvalues\r\n",
    b"HSET h a 1\r\nHRANDFIELD h\r\nHRANDFIELD h 1\r\nHRANDFIELD h -3\r\nHRANDFIELD h -2 WITHVALUES\r\nHRANDFIELD h 1 WITHVALUES\r\n",
    b"HSET h a 1\r\nHRANDFIELD h x\r\nHRANDFIELD h 1.5\r\nHRANDFIELD h 1 withvalue\r\nHRANDFIELD h 1 WITHVALUES x\r\nHRANDFIELD h -9223372036854775808\r\n",
    b"HSET h a 1\r\nHRANDFIELD h 4611686018427387904 WITHVALUES\r\nHRANDFIELD h -4611686018427387904 WITHVALUES\r\nHRANDFIELD h 4611686018427387903 WITHVALUES\r\nHRANDFIELD h 9223372036854775807\r\n",
    b"HRANDFIELD nokey 4611686018427387904 WITHVALUES\r\nHRANDFIELD nokey -9223372036854775808\r\nHRANDFIELD\r\n",
    // HSCAN: a listpack comes back whole, cursor 0, whatever COUNT says.
    b"HSET h a 1 b 2 c 3 ab 4\r\nHSCAN h 0\r\nHSCAN h 0 COUNT 1\r\nHSCAN h 123 COUNT 1\r\nHSCAN h 0 MATCH a*\r\nHSCAN h 0 MATCH * COUNT 2\r\n",
    b"HSET h a 1\r\nHSCAN h x\r\nHSCAN h -1\r\nHSCAN h 18446744073709551615\r\nHSCAN h 18446744073709551616\r\nHSCAN h \"\"\r\nHSCAN h \" 1\"\r\nHSCAN h +0\r\n",
    b"HSET h a 1\r\nHSCAN h 0 COUNT 0\r\nHSCAN h 0 COUNT -1\r\nHSCAN h 0 COUNT x\r\nHSCAN h 0 COUNT\r\nHSCAN h 0 MATCH\r\nHSCAN h 0 TYPE hash\r\nHSCAN h 0 FOO bar\r\n",
    b"HSET h a 1 b 2\r\nHSCAN h 0 count 1 count 5 match b match \"*\"\r\nHSCAN h 0 MATCH [a\r\nHSCAN h 0 MATCH \\\\a\r\n",
    b"HSCAN nokey 0\r\nHSCAN nokey 0 COUNT x\r\nHSCAN nokey 0 FOO\r\nHSCAN nokey x\r\nHSCAN h\r\n",
    // WRONGTYPE from every command, after the argument errors that need no key.
    b"SET s v\r\nHSET s a 1\r\nHSET s a\r\nHMSET s a 1\r\nHSETNX s a 1\r\nHGET s a\r\nHMGET s a\r\nHDEL s a\r\nHLEN s\r\n",
    b"SET s v\r\nHSTRLEN s a\r\nHEXISTS s a\r\nHKEYS s\r\nHVALS s\r\nHGETALL s\r\nHINCRBY s a 1\r\nHINCRBY s a x\r\n",
    b"SET s v\r\nHINCRBYFLOAT s a 1\r\nHINCRBYFLOAT s a x\r\nHINCRBYFLOAT s a inf\r\nHRANDFIELD s\r\nHRANDFIELD s 2\r\nHRANDFIELD s x\r\n",
    b"SET s v\r\nHSCAN s 0\r\nHSCAN s x\r\nHSCAN s 0 COUNT x\r\nGET s\r\n",
    b"HSET h a 1\r\nGET h\r\nINCR h\r\nTYPE h\r\nAPPEND h x\r\nSET h v\r\nTYPE h\r\nGET h\r\n",
    // Other key commands see hashes.
    b"HSET h a 1\r\nEXISTS h\r\nTYPE h\r\nRENAME h g\r\nHGETALL g\r\nDEL g\r\nEXISTS g\r\n",
    b"HSET h a 1\r\nEXPIRE h 100\r\nHSET h b 2\r\nTTL h\r\nHDEL h a b\r\nTTL h\r\n",
];

#[test]
fn small_hashes_match_redis_byte_for_byte() {
    let redis = redis();
    let ours = ours();
    assert_same_replies(SMALL, redis.addr, ours.addr(), |a, c| {
        common::exchange(a, c, QUIET)
    });
}

/// Send `line` to both servers and compare the replies after `normalize`.
fn both(
    redis: &mut Connection,
    ours: &mut Connection,
    line: &str,
    normalize: fn(Reply) -> Reply,
) -> Reply {
    let expected = normalize(run(redis, line));
    let got = normalize(run(ours, line));
    assert_eq!(got, expected, "{line}");
    got
}

fn same(reply: Reply) -> Reply {
    reply
}

/// An array as a sorted list (for HKEYS and HVALS of a hashtable).
fn sorted(reply: Reply) -> Reply {
    match reply {
        Reply::Array(mut items) => {
            items.sort_by_key(|r| format!("{r:?}"));
            Reply::Array(items)
        }
        other => other,
    }
}

/// A flat field-value array as a sorted list of pairs (HGETALL, HSCAN pages).
fn sorted_pairs(reply: Reply) -> Reply {
    match reply {
        Reply::Array(items) => {
            let mut pairs: Vec<Vec<Reply>> = items.chunks(2).map(<[Reply]>::to_vec).collect();
            pairs.sort_by_key(|p| format!("{p:?}"));
            Reply::Array(pairs.into_iter().map(Reply::Array).collect())
        }
        other => other,
    }
}

/// Whether `HSCAN key 0 COUNT 1` shows a hashtable (a page with a next cursor).
fn is_hashtable(conn: &mut Connection, key: &str) -> bool {
    match run(conn, &format!("OBJECT ENCODING {key}")) {
        Reply::Bulk(encoding) => encoding == b"hashtable",
        // No such key (every field deleted): nothing to order.
        Reply::Nil => false,
        other => panic!("OBJECT ENCODING: {other:?}"),
    }
}

#[test]
fn conversion_to_hashtable_happens_where_redis_converts() {
    let redis = redis();
    let ours = ours();
    let (mut r, mut o) = (connect(redis.addr), connect(ours.addr()));
    let long = "x".repeat(65);
    let limit = "y".repeat(64);
    let mut fields = String::from("HSET n");
    for i in 0..128 {
        fields.push_str(&format!(" f{i} {i}"));
    }
    // (setup commands, key, expected encoding is hashtable)
    let cases: Vec<(Vec<String>, &str, bool)> = vec![
        (vec![fields.clone()], "n", false),
        (vec![fields.clone(), "HSET n f128 x".into()], "n", true),
        (vec![fields.clone(), "HSET n f0 x".into()], "n", false),
        (vec![fields.clone(), "HSETNX n f200 x".into()], "n", true),
        (vec![fields.clone(), "HINCRBY n f200 1".into()], "n", true),
        (vec![format!("HSET v a {limit}")], "v", false),
        (vec![format!("HSET v {limit} a")], "v", false),
        (vec![format!("HSET v a {long}")], "v", true),
        (vec![format!("HSET v {long} a")], "v", true),
        // Checked over all arguments before setting: converts though the field is replaced.
        (
            vec!["HSET v a 1".into(), format!("HSET v a {long}")],
            "v",
            true,
        ),
        (
            vec!["HSET v a 1".into(), format!("HSETNX v a {long}")],
            "v",
            false,
        ),
        (
            vec!["HSET v a 1".into(), format!("HSETNX v b {long}")],
            "v",
            true,
        ),
        (
            vec!["HSET v a 1".into(), format!("HINCRBY v {long} 1")],
            "v",
            true,
        ),
        (
            vec!["HSET v a 1".into(), format!("HINCRBYFLOAT v {long} 1")],
            "v",
            true,
        ),
        // Shrinking back does not convert back.
        (
            vec![format!("HSET v a {long} b 1"), "HDEL v a".into()],
            "v",
            true,
        ),
    ];
    for (setup, key, hashtable) in cases {
        flushall(redis.addr);
        flushall(ours.addr());
        for line in &setup {
            both(&mut r, &mut o, line, same);
        }
        assert_eq!(is_hashtable(&mut r, key), hashtable, "redis: {setup:?}");
        assert_eq!(is_hashtable(&mut o, key), hashtable, "ours: {setup:?}");
        both(&mut r, &mut o, &format!("HGETALL {key}"), sorted_pairs);
    }
}

#[test]
fn large_hashes_match_redis_as_sets() {
    let redis = redis();
    let ours = ours();
    let (mut r, mut o) = (connect(redis.addr), connect(ours.addr()));
    for i in 0..300 {
        both(&mut r, &mut o, &format!("HSET big f{i} {i}"), same);
    }
    let long = "z".repeat(100);
    both(&mut r, &mut o, &format!("HSET wide a 1 b {long} c 3"), same);
    for key in ["big", "wide"] {
        both(&mut r, &mut o, &format!("HGETALL {key}"), sorted_pairs);
        both(&mut r, &mut o, &format!("HKEYS {key}"), sorted);
        both(&mut r, &mut o, &format!("HVALS {key}"), sorted);
        both(&mut r, &mut o, &format!("HLEN {key}"), same);
        both(&mut r, &mut o, &format!("HRANDFIELD {key} 0"), same);
        both(
            &mut r,
            &mut o,
            &format!("HRANDFIELD {key} 1000 WITHVALUES"),
            sorted_pairs,
        );
        both(&mut r, &mut o, &format!("HSCAN {key} x"), same);
        both(&mut r, &mut o, &format!("HSCAN {key} 0 COUNT 0"), same);
    }
    for line in [
        "HGET big f7",
        "HMGET big f1 nope f299",
        "HSTRLEN big f250",
        "HEXISTS big f300",
        "HINCRBY big f10 5",
        "HINCRBYFLOAT big f11 0.25",
        "HINCRBY wide b 1",
        "HINCRBYFLOAT wide b 1",
        "HSETNX big f1 x",
        "HSETNX big g1 x",
        "HSET big f1 one f2 two g2 new",
        "HDEL big f1 f2 f3 nope",
        "HLEN big",
        "HGET big f1",
        "HMGET big f4 f1 g2",
    ] {
        both(&mut r, &mut o, line, same);
    }
    both(&mut r, &mut o, "HGETALL big", sorted_pairs);
    // Emptying a hashtable deletes the key.
    let mut all = String::from("HDEL big g1 g2");
    for i in 0..300 {
        all.push_str(&format!(" f{i}"));
    }
    both(&mut r, &mut o, &all, same);
    both(&mut r, &mut o, "EXISTS big", same);
}

// ---- HSCAN on a hashtable ----

/// Iterate HSCAN to the end: (pages, every field returned, with repetitions).
fn hscan_all(conn: &mut Connection, key: &str, count: usize) -> (usize, Vec<Vec<u8>>) {
    let (mut cursor, mut pages, mut fields) = (b"0".to_vec(), 0, Vec::new());
    loop {
        let reply = cmd(
            conn,
            &[
                b"HSCAN",
                key.as_bytes(),
                &cursor,
                b"COUNT",
                count.to_string().as_bytes(),
            ],
        );
        let Reply::Array(parts) = reply else {
            panic!("HSCAN: {reply:?}")
        };
        let [Reply::Bulk(next), Reply::Array(items)] = &parts[..] else {
            panic!("HSCAN: {parts:?}")
        };
        pages += 1;
        for pair in items.chunks(2) {
            if let Reply::Bulk(field) = &pair[0] {
                fields.push(field.clone());
            }
        }
        if next == b"0" {
            return (pages, fields);
        }
        cursor = next.clone();
    }
}

#[test]
fn hscan_on_a_hashtable_pages_through_every_field_once() {
    let ours = ours();
    let mut c = connect(ours.addr());
    for i in 0..1000 {
        run(&mut c, &format!("HSET h f{i} v{i}"));
    }
    let (pages, fields) = hscan_all(&mut c, "h", 10);
    assert_eq!(
        fields.len(),
        1000,
        "an unchanged hash: each field exactly once"
    );
    let distinct: HashSet<_> = fields.iter().collect();
    assert_eq!(distinct.len(), 1000);
    assert_eq!(pages, 100, "COUNT 10 over 1000 fields");
    // MATCH filters a page after it is taken, as Redis does.
    let reply = run(&mut c, "HSCAN h 0 MATCH f99* COUNT 1000000");
    assert_eq!(
        reply,
        Reply::Array(vec![
            Reply::Bulk(b"0".to_vec()),
            Reply::Array(
                (0..1000)
                    .rev()
                    .filter(|i| i.to_string().starts_with("99"))
                    .flat_map(|i| [format!("f{i}"), format!("v{i}")])
                    .map(|s| Reply::Bulk(s.into_bytes()))
                    .collect()
            )
        ])
    );
}

#[test]
fn hscan_returns_every_field_present_throughout_while_the_hash_changes() {
    let ours = ours();
    let mut c = connect(ours.addr());
    let mut other = connect(ours.addr());
    // Stable fields last: deleting a doomed field moves the last field into its place, so
    // stable fields keep moving (down) while the iteration runs.
    for i in 0..600 {
        run(&mut c, &format!("HSET h doomed{i} v"));
    }
    for i in 0..600 {
        run(&mut c, &format!("HSET h stable{i} v"));
    }
    let (mut cursor, mut seen, mut round) = (b"0".to_vec(), HashSet::new(), 0);
    loop {
        let reply = cmd(&mut c, &[b"HSCAN", b"h", &cursor, b"COUNT", b"25"]);
        let Reply::Array(parts) = reply else { panic!() };
        let [Reply::Bulk(next), Reply::Array(items)] = &parts[..] else {
            panic!()
        };
        for pair in items.chunks(2) {
            if let Reply::Bulk(field) = &pair[0] {
                seen.insert(field.clone());
            }
        }
        // Another client deletes and adds fields between every two pages.
        // Deleting faster than adding, so the fields moved are stable ones, not only new ones.
        for j in 0..10 {
            let n = (round * 10 + j) % 600;
            run(&mut other, &format!("HDEL h doomed{n}"));
            if j % 3 == 0 {
                run(&mut other, &format!("HSET h new{round}-{j} v"));
            }
        }
        round += 1;
        if next == b"0" {
            break;
        }
        cursor = next.clone();
    }
    for i in 0..600 {
        assert!(
            seen.contains(format!("stable{i}").as_bytes()),
            "stable{i} was never returned"
        );
    }
    assert!(
        round < 200,
        "the iteration ended although fields kept arriving ({round} pages)"
    );
}

// ---- HRANDFIELD ----

fn bulks(reply: Reply) -> Vec<Vec<u8>> {
    match reply {
        Reply::Array(items) => items
            .into_iter()
            .map(|r| match r {
                Reply::Bulk(b) => b,
                other => panic!("not a bulk: {other:?}"),
            })
            .collect(),
        other => panic!("not an array: {other:?}"),
    }
}

#[test]
fn hrandfield_counts_follow_redis_rules_on_both_encodings() {
    let ours = ours();
    let mut c = connect(ours.addr());
    for (key, size) in [("small", 20), ("big", 400)] {
        for i in 0..size {
            run(&mut c, &format!("HSET {key} f{i} v{i}"));
        }
        // Positive: distinct fields, min(count, size) of them.
        for count in [1, 2, 5, 7, 19, 20, 21, 150, 399, 400, 1000] {
            let fields = bulks(run(&mut c, &format!("HRANDFIELD {key} {count}")));
            assert_eq!(fields.len(), count.min(size), "{key} {count}");
            let distinct: HashSet<_> = fields.iter().collect();
            assert_eq!(
                distinct.len(),
                fields.len(),
                "{key} {count}: repeated a field"
            );
            assert!(fields.iter().all(|f| f.starts_with(b"f")));
        }
        // Negative: exactly |count| draws, repetitions allowed (and certain past the size).
        let fields = bulks(run(&mut c, &format!("HRANDFIELD {key} -{}", size * 3)));
        assert_eq!(fields.len(), size * 3);
        let distinct: HashSet<_> = fields.iter().collect();
        assert!(distinct.len() < fields.len());
        // WITHVALUES: each field followed by its own value.
        for count in [3, -50, 1000] {
            let items = bulks(run(&mut c, &format!("HRANDFIELD {key} {count} WITHVALUES")));
            assert!(items.len().is_multiple_of(2));
            for pair in items.chunks(2) {
                assert_eq!(pair[1], [b"v", &pair[0][1..]].concat());
            }
        }
        // No count: one field.
        let Reply::Bulk(field) = run(&mut c, &format!("HRANDFIELD {key}")) else {
            panic!()
        };
        assert!(field.starts_with(b"f"));
    }
    // Redis 7.0 would try to write this reply and run out of memory: refused here.
    assert_eq!(
        run(&mut c, "HRANDFIELD small -100000000"),
        Reply::Error(b"ERR value is out of range".to_vec())
    );
}

#[test]
fn hrandfield_draws_are_uniform_on_both_encodings() {
    let ours = ours();
    let mut c = connect(ours.addr());
    for (key, size) in [("small", 10usize), ("big", 200)] {
        for i in 0..size {
            run(&mut c, &format!("HSET {key} f{i} v"));
        }
        let draws = size * 500;
        let mut counts: HashMap<Vec<u8>, usize> = HashMap::new();
        for field in bulks(run(&mut c, &format!("HRANDFIELD {key} -{draws}"))) {
            *counts.entry(field).or_default() += 1;
        }
        assert_eq!(counts.len(), size, "{key}: every field drawn");
        // 500 expected per field; the standard deviation is about 22: allow 6 of them.
        for (field, n) in &counts {
            assert!(
                (370..=630).contains(n),
                "{key}: {:?} drawn {n} times",
                String::from_utf8_lossy(field)
            );
        }
        // Distinct samples are uniform too: each field's share of 5000 samples of 3.
        let mut counts: HashMap<Vec<u8>, usize> = HashMap::new();
        let per_field = 5000 * 3 / size;
        for _ in 0..5000 {
            for field in bulks(run(&mut c, &format!("HRANDFIELD {key} 3"))) {
                *counts.entry(field).or_default() += 1;
            }
        }
        assert_eq!(counts.len(), size);
        let slack = per_field * 2 / 5 + 10;
        for (field, n) in &counts {
            assert!(
                n.abs_diff(per_field) <= slack,
                "{key}: {:?} sampled {n} times, expected about {per_field}",
                String::from_utf8_lossy(field)
            );
        }
    }
}

// ---- Random operation sequences ----

#[derive(Debug, Clone)]
enum Op {
    Set(usize, Vec<(usize, Vec<u8>)>),
    SetNx(usize, usize, Vec<u8>),
    Del(usize, Vec<usize>),
    IncrBy(usize, usize, i64),
    Get(usize, usize),
    MGet(usize, Vec<usize>),
    Len(usize),
    StrLen(usize, usize),
    Exists(usize, usize),
    GetAll(usize),
    Keys(usize),
    Vals(usize),
    /// `EXISTS key`: a hash left empty must be gone.
    KeyExists(usize),
    /// Fill a key with many fields at once (crossing 128 entries).
    Fill(usize, usize),
}

/// Fields come from a small alphabet (so operations collide), plus a long one (over 64 bytes).
fn field_name(i: usize) -> Vec<u8> {
    if i == 99 {
        vec![b'L'; 70]
    } else {
        format!("f{i}").into_bytes()
    }
}

fn key_name(k: usize) -> Vec<u8> {
    format!("k{k}").into_bytes()
}

fn value_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => (-20i64..20).prop_map(|n| n.to_string().into_bytes()),
        2 => proptest::collection::vec(b'a'..=b'e', 0..4),
        1 => proptest::collection::vec(b'x'..=b'z', 60..70),
    ]
}

fn field_strategy() -> impl Strategy<Value = usize> {
    prop_oneof![20 => 0usize..12, 1 => Just(99usize)]
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let key = 0usize..3;
    prop_oneof![
        6 => (key.clone(), proptest::collection::vec((field_strategy(), value_strategy()), 1..4))
            .prop_map(|(k, pairs)| Op::Set(k, pairs)),
        2 => (key.clone(), field_strategy(), value_strategy()).prop_map(|(k, f, v)| Op::SetNx(k, f, v)),
        4 => (key.clone(), proptest::collection::vec(field_strategy(), 1..4)).prop_map(|(k, f)| Op::Del(k, f)),
        3 => (key.clone(), field_strategy(), -5i64..5).prop_map(|(k, f, n)| Op::IncrBy(k, f, n)),
        2 => (key.clone(), field_strategy()).prop_map(|(k, f)| Op::Get(k, f)),
        1 => (key.clone(), proptest::collection::vec(field_strategy(), 1..4)).prop_map(|(k, f)| Op::MGet(k, f)),
        1 => key.clone().prop_map(Op::Len),
        1 => (key.clone(), field_strategy()).prop_map(|(k, f)| Op::StrLen(k, f)),
        1 => (key.clone(), field_strategy()).prop_map(|(k, f)| Op::Exists(k, f)),
        2 => key.clone().prop_map(Op::GetAll),
        1 => key.clone().prop_map(Op::Keys),
        1 => key.clone().prop_map(Op::Vals),
        2 => key.clone().prop_map(Op::KeyExists),
        1 => (key, 100usize..160).prop_map(|(k, n)| Op::Fill(k, n)),
    ]
}

impl Op {
    fn args(&self) -> Vec<Vec<u8>> {
        let mut args: Vec<Vec<u8>> = Vec::new();
        let mut push = |s: &[u8]| args.push(s.to_vec());
        match self {
            Op::Set(k, pairs) => {
                push(b"HSET");
                push(&key_name(*k));
                for (f, v) in pairs {
                    push(&field_name(*f));
                    push(v);
                }
            }
            Op::SetNx(k, f, v) => {
                push(b"HSETNX");
                push(&key_name(*k));
                push(&field_name(*f));
                push(v);
            }
            Op::Del(k, fields) | Op::MGet(k, fields) => {
                push(if let Op::Del(..) = self {
                    b"HDEL"
                } else {
                    b"HMGET"
                });
                push(&key_name(*k));
                for f in fields {
                    push(&field_name(*f));
                }
            }
            Op::IncrBy(k, f, n) => {
                push(b"HINCRBY");
                push(&key_name(*k));
                push(&field_name(*f));
                push(n.to_string().as_bytes());
            }
            Op::Get(k, f) | Op::StrLen(k, f) | Op::Exists(k, f) => {
                push(match self {
                    Op::Get(..) => b"HGET",
                    Op::StrLen(..) => b"HSTRLEN",
                    _ => b"HEXISTS",
                });
                push(&key_name(*k));
                push(&field_name(*f));
            }
            Op::Len(k) | Op::GetAll(k) | Op::Keys(k) | Op::Vals(k) => {
                push(match self {
                    Op::Len(..) => b"HLEN",
                    Op::GetAll(..) => b"HGETALL",
                    Op::Keys(..) => b"HKEYS",
                    _ => b"HVALS",
                });
                push(&key_name(*k));
            }
            Op::KeyExists(k) => {
                push(b"EXISTS");
                push(&key_name(*k));
            }
            Op::Fill(k, n) => {
                push(b"HSET");
                push(&key_name(*k));
                for i in 0..*n {
                    push(format!("fill{i}").as_bytes());
                    push(b"v");
                }
            }
        }
        args
    }
}

type Pair = (Vec<u8>, Vec<u8>);

/// The model: each key's fields in Redis's listpack order (insertion order, replacement in
/// place), as long as the key would still be a listpack; the replies it predicts.
#[derive(Default)]
struct Model {
    keys: HashMap<usize, Vec<Pair>>,
    /// Keys that converted to a hashtable: their order is not predicted.
    converted: HashSet<usize>,
}

impl Model {
    fn set(&mut self, k: usize, field: &[u8], value: &[u8]) -> bool {
        if field.len() > 64 || value.len() > 64 {
            self.converted.insert(k);
        }
        let pairs = self.keys.entry(k).or_default();
        let new = match pairs.iter_mut().find(|(f, _)| f == field) {
            Some((_, v)) => {
                *v = value.to_vec();
                false
            }
            None => {
                pairs.push((field.to_vec(), value.to_vec()));
                true
            }
        };
        if pairs.len() > 128 {
            self.converted.insert(k);
        }
        new
    }

    fn get(&self, k: usize, field: &[u8]) -> Option<&Vec<u8>> {
        self.keys
            .get(&k)?
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, v)| v)
    }

    fn bulk_or_nil(value: Option<&Vec<u8>>) -> Reply {
        value.map_or(Reply::Nil, |v| Reply::Bulk(v.clone()))
    }

    /// Apply `op`; the expected reply, and whether its order is unpredicted (a hashtable).
    fn apply(&mut self, op: &Op) -> (Reply, bool) {
        match op {
            Op::Set(k, pairs) => {
                let added = pairs
                    .iter()
                    .filter(|(f, v)| self.set(*k, &field_name(*f), v))
                    .count();
                (Reply::Integer(added as i64), false)
            }
            Op::Fill(k, n) => {
                let added = (0..*n)
                    .filter(|i| self.set(*k, format!("fill{i}").as_bytes(), b"v"))
                    .count();
                (Reply::Integer(added as i64), false)
            }
            Op::SetNx(k, f, v) => {
                let field = field_name(*f);
                if self.get(*k, &field).is_some() {
                    return (Reply::Integer(0), false);
                }
                self.set(*k, &field, v);
                (Reply::Integer(1), false)
            }
            Op::Del(k, fields) => {
                let mut removed = 0;
                if let Some(pairs) = self.keys.get_mut(k) {
                    for f in fields {
                        let field = field_name(*f);
                        if let Some(at) = pairs.iter().position(|(x, _)| *x == field) {
                            pairs.remove(at);
                            removed += 1;
                        }
                    }
                    if pairs.is_empty() {
                        self.keys.remove(k);
                        self.converted.remove(k);
                    }
                }
                (Reply::Integer(removed), false)
            }
            Op::IncrBy(k, f, n) => {
                let field = field_name(*f);
                let old = match self.get(*k, &field) {
                    None => 0,
                    Some(v) => match std::str::from_utf8(v)
                        .ok()
                        .and_then(|s| s.parse::<i64>().ok())
                    {
                        Some(old) if old.to_string().as_bytes() == v.as_slice() => old,
                        _ => {
                            return (
                                Reply::Error(b"ERR hash value is not an integer".to_vec()),
                                false,
                            );
                        }
                    },
                };
                let new = old + n;
                self.set(*k, &field, new.to_string().as_bytes());
                (Reply::Integer(new), false)
            }
            Op::KeyExists(k) => (Reply::Integer(i64::from(self.keys.contains_key(k))), false),
            Op::Get(k, f) => (Self::bulk_or_nil(self.get(*k, &field_name(*f))), false),
            Op::MGet(k, fields) => (
                Reply::Array(
                    fields
                        .iter()
                        .map(|f| Self::bulk_or_nil(self.get(*k, &field_name(*f))))
                        .collect(),
                ),
                false,
            ),
            Op::Len(k) => (
                Reply::Integer(self.keys.get(k).map_or(0, Vec::len) as i64),
                false,
            ),
            Op::StrLen(k, f) => (
                Reply::Integer(self.get(*k, &field_name(*f)).map_or(0, Vec::len) as i64),
                false,
            ),
            Op::Exists(k, f) => (
                Reply::Integer(i64::from(self.get(*k, &field_name(*f)).is_some())),
                false,
            ),
            Op::GetAll(k) | Op::Keys(k) | Op::Vals(k) => {
                let pairs = self.keys.get(k).cloned().unwrap_or_default();
                let items = pairs
                    .into_iter()
                    .flat_map(|(f, v)| match op {
                        Op::GetAll(_) => vec![Reply::Bulk(f), Reply::Bulk(v)],
                        Op::Keys(_) => vec![Reply::Bulk(f)],
                        _ => vec![Reply::Bulk(v)],
                    })
                    .collect();
                (Reply::Array(items), self.converted.contains(k))
            }
        }
    }
}

fn normalize_for(op: &Op, reply: Reply) -> Reply {
    match op {
        Op::GetAll(_) => sorted_pairs(reply),
        _ => sorted(reply),
    }
}

#[test]
fn random_operations_match_a_model() {
    let ours = ours();
    let addr = ours.addr();
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 64,
        ..ProptestConfig::default()
    });
    runner
        .run(&proptest::collection::vec(op_strategy(), 1..60), |ops| {
            flushall(addr);
            let mut conn = connect(addr);
            let mut model = Model::default();
            for op in &ops {
                let args = op.args();
                let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
                let got = cmd(&mut conn, &refs);
                let (expected, unordered) = model.apply(op);
                if unordered {
                    prop_assert_eq!(
                        normalize_for(op, got),
                        normalize_for(op, expected),
                        "{:?}",
                        op
                    );
                } else {
                    prop_assert_eq!(got, expected, "{:?}", op);
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn random_operations_match_redis() {
    let redis = redis();
    let ours = ours();
    let (raddr, oaddr) = (redis.addr, ours.addr());
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 32,
        ..ProptestConfig::default()
    });
    runner
        .run(&proptest::collection::vec(op_strategy(), 1..60), |ops| {
            flushall(raddr);
            flushall(oaddr);
            let (mut r, mut o) = (connect(raddr), connect(oaddr));
            for op in &ops {
                let args = op.args();
                let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
                let (expected, got) = (cmd(&mut r, &refs), cmd(&mut o, &refs));
                let key = key_name(match op {
                    Op::GetAll(k) | Op::Keys(k) | Op::Vals(k) => *k,
                    _ => {
                        prop_assert_eq!(got, expected, "{:?}", op);
                        continue;
                    }
                });
                // Exact order while Redis keeps a listpack, as sets once it is a hashtable.
                let key = String::from_utf8_lossy(&key).into_owned();
                if is_hashtable(&mut r, &key) {
                    prop_assert!(
                        is_hashtable(&mut o, &key),
                        "{} converted in Redis only",
                        key
                    );
                    prop_assert_eq!(
                        normalize_for(op, got),
                        normalize_for(op, expected),
                        "{:?}",
                        op
                    );
                } else {
                    prop_assert_eq!(got, expected, "{:?}", op);
                }
            }
            Ok(())
        })
        .unwrap();
}
