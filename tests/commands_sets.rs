//! Set commands over real sockets: against redis-server 7.0 byte for byte, OBJECT ENCODING at
//! every conversion point, random operation sequences against both a model and redis-server,
//! and the properties of SSCAN, SPOP and SRANDMEMBER that no single reply shows.
//!
//! An intset lists its members ascending, in Redis as here, so replies that list an intset
//! (SMEMBERS, SSCAN, SINTER iterating an intset, the result of a store or SUNION built as one)
//! are compared byte for byte. A hashtable lists members in an order neither server defines:
//! those replies are compared as sorted lists.

mod common;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::SocketAddr;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use reactor::client::Connection;
use reactor::reactor::Faults;
use reactor::resp::decode::Reply;

use common::{RedisServer, assert_same_replies, flushall};

/// Both servers with their built-in thresholds (`set-max-intset-entries` 512).
fn ours() -> reactor::ServerHandle {
    common::start(Faults::default())
}

fn redis() -> RedisServer {
    RedisServer::start(&[])
}

fn connect(addr: SocketAddr) -> Connection {
    Connection::connect(addr, Duration::from_secs(10)).expect("connect")
}

fn cmd(conn: &mut Connection, args: &[&[u8]]) -> Reply {
    conn.command(args).expect("command")
}

/// Split a command line into arguments (no quoting needed in these tests).
fn run(conn: &mut Connection, line: &str) -> Reply {
    let args: Vec<&[u8]> = line.split_whitespace().map(str::as_bytes).collect();
    cmd(conn, &args)
}

/// `SADD key` followed by the integers of `range`, as one command line.
fn sadd_range(key: &str, range: std::ops::Range<i64>) -> String {
    let mut line = format!("SADD {key}");
    for i in range {
        line.push_str(&format!(" {i}"));
    }
    line
}

/// A marker after each case: its reply ends the case's replies, so no quiet wait is needed.
const END: &[u8] = b"ECHO end-of-case\r\n";
const END_REPLY: &[u8] = b"$11\r\nend-of-case\r\n";

/// Write `case` then [`END`] on a fresh connection; every reply before the marker's.
fn exchange(addr: SocketAddr, case: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut stream = common::connect(addr);
    stream.write_all(&[case, END].concat()).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    while !got.ends_with(END_REPLY) {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => panic!("no end marker: {}", common::preview(&got)),
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    got.truncate(got.len() - END_REPLY.len());
    got
}

/// Every command, every argument error, WRONGTYPE and missing keys. Only intsets and
/// one-member hashtables are listed, so that every reply has one right order.
const SMALL: &[&[u8]] = &[
    // SADD / SREM / SCARD / SMEMBERS: an intset is listed ascending, whatever the widths.
    b"SADD s 5 3 -1 3 100000\r\nSMEMBERS s\r\nSCARD s\r\nOBJECT ENCODING s\r\nSADD s\r\nSADD\r\n",
    b"SADD s 1 2 3\r\nSREM s 2 7 x\r\nSMEMBERS s\r\nSREM s 1 3\r\nEXISTS s\r\nSREM s 1\r\nSREM s\r\nTYPE s\r\n",
    b"SADD s -9223372036854775808 9223372036854775807 0 -1 32767 -32768 32768 2147483648 -2147483649\r\nSMEMBERS s\r\nSISMEMBER s 32768\r\nSISMEMBER s 032768\r\nSREM s 2147483648 -32768\r\nSMEMBERS s\r\nOBJECT ENCODING s\r\n",
    b"SADD s 1 2 3\r\nSREM s 3 2 1 9\r\nEXISTS s\r\nSADD s 1\r\nSREM s 1 1\r\nEXISTS s\r\n",
    // What is an integer: string2ll's canonical form only.
    b"SADD s x\r\nOBJECT ENCODING s\r\nSMEMBERS s\r\nSADD s x\r\nSCARD s\r\nSREM s x\r\nEXISTS s\r\n",
    b"SADD s 01\r\nOBJECT ENCODING s\r\nSADD t +1\r\nOBJECT ENCODING t\r\nSADD u -0\r\nOBJECT ENCODING u\r\nSADD v 9223372036854775808\r\nOBJECT ENCODING v\r\nSADD w \"\"\r\nOBJECT ENCODING w\r\nSMEMBERS w\r\n",
    b"SADD s 1.0\r\nOBJECT ENCODING s\r\nSADD t \" 1\"\r\nOBJECT ENCODING t\r\nSADD u -9223372036854775809\r\nOBJECT ENCODING u\r\nSADD v 1\r\nSISMEMBER v 01\r\nSISMEMBER v 1.0\r\n",
    // Converted once, a hashtable stays one.
    b"SADD s 1 2\r\nSADD s a\r\nOBJECT ENCODING s\r\nSREM s a 2\r\nOBJECT ENCODING s\r\nSMEMBERS s\r\nSISMEMBER s 1\r\n",
    // SISMEMBER / SMISMEMBER
    b"SADD s 1 a\r\nSISMEMBER s 1\r\nSISMEMBER s a\r\nSISMEMBER s b\r\nSISMEMBER nokey a\r\nSMISMEMBER s 1 b a\r\nSMISMEMBER nokey a b\r\nSISMEMBER s\r\nSMISMEMBER s\r\n",
    // SMOVE
    b"SADD a 1 2\r\nSMOVE a b 1\r\nSMEMBERS a\r\nSMEMBERS b\r\nSMOVE a b 9\r\nSMOVE a b 2\r\nEXISTS a\r\nSMEMBERS b\r\nSMOVE nokey b 1\r\n",
    b"SADD a 1 x\r\nSMOVE a a 1\r\nSMOVE a a 9\r\nSET str v\r\nSMOVE nokey str 1\r\nSMOVE a str 1\r\nSMOVE str a 1\r\nSCARD a\r\nSISMEMBER a 1\r\nSMOVE a\r\nSMOVE a b c d\r\n",
    b"SADD a x\r\nSADD b 1\r\nSMOVE a b x\r\nOBJECT ENCODING b\r\nSMOVE b c x\r\nOBJECT ENCODING c\r\nSADD d 5\r\nSMOVE b d 1\r\nOBJECT ENCODING d\r\nSMEMBERS d\r\nEXISTS a b\r\n",
    b"SADD a 1\r\nSADD b 1\r\nSMOVE a b 1\r\nEXISTS a\r\nSMEMBERS b\r\n",
    // SPOP / SRANDMEMBER: the deterministic cases.
    b"SPOP nokey\r\nSPOP nokey 3\r\nSPOP nokey x\r\nSPOP nokey -1\r\nSRANDMEMBER nokey\r\nSRANDMEMBER nokey 3\r\nSRANDMEMBER nokey -3\r\nSRANDMEMBER nokey x\r\n",
    b"SADD s 3 1 2\r\nSPOP s 0\r\nSRANDMEMBER s 0\r\nSRANDMEMBER s 3\r\nSRANDMEMBER s 10\r\nSPOP s 1 2\r\nSRANDMEMBER s 1 2\r\nSPOP s 3\r\nEXISTS s\r\n",
    b"SADD s 7\r\nSPOP s\r\nEXISTS s\r\nSADD s 8\r\nSRANDMEMBER s\r\nSRANDMEMBER s -3\r\nSRANDMEMBER s 1\r\nSPOP s 1\r\nEXISTS s\r\nSADD s x\r\nSPOP s 9223372036854775807\r\n",
    b"SADD s 1\r\nSPOP s x\r\nSPOP s -1\r\nSPOP s 1.5\r\nSPOP s 9223372036854775808\r\nSRANDMEMBER s x\r\nSRANDMEMBER s -9223372036854775808\r\nSRANDMEMBER s 9223372036854775807\r\nSRANDMEMBER s 1.5\r\n",
    b"SADD s 1\r\nSPOP s 1 x\r\nSPOP s x y\r\nSPOP\r\nSRANDMEMBER\r\nSRANDMEMBER s x y\r\n",
    // SPOP with a count past the size lists the set as a fresh copy would: an intset, here.
    b"SADD s 3 1 x 2\r\nSREM s x\r\nOBJECT ENCODING s\r\nSPOP s 10\r\nEXISTS s\r\n",
    // SINTER / SINTERSTORE / SINTERCARD
    b"SADD a 1 2 3 4\r\nSADD b 2 3 4 5\r\nSADD c 3 4 9\r\nSINTER a b c\r\nSINTER a\r\nSINTER a b\r\nSINTER a nokey\r\nSINTER a a\r\nSINTERCARD 3 a b c\r\nSINTERCARD 2 a b LIMIT 2\r\nSINTERCARD 2 a b LIMIT 0\r\nSINTERCARD 2 a nokey\r\n",
    b"SADD a 1 2 3\r\nSINTERSTORE d a a\r\nSMEMBERS d\r\nOBJECT ENCODING d\r\nSINTERSTORE d a nokey\r\nEXISTS d\r\nSET str v\r\nSINTERSTORE str a\r\nTYPE str\r\nSINTERSTORE str nokey\r\nEXISTS str\r\nSINTERSTORE a a nokey\r\nEXISTS a\r\n",
    b"SET str v\r\nSADD a 1\r\nSINTER nokey str\r\nSINTER a str\r\nSINTER str nokey\r\nSINTERSTORE d nokey str\r\nSINTERCARD 2 nokey str\r\nSINTER\r\nSINTERSTORE d\r\n",
    b"SADD a 1\r\nSINTERCARD 0 a\r\nSINTERCARD -1 a\r\nSINTERCARD x a\r\nSINTERCARD 01 a\r\nSINTERCARD 2 a\r\nSINTERCARD 9223372036854775808 a\r\nSINTERCARD 1\r\nSINTERCARD 1 a\r\n",
    b"SADD a 1 2\r\nSINTERCARD 1 a LIMIT\r\nSINTERCARD 1 a LIMIT -1\r\nSINTERCARD 1 a LIMIT x\r\nSINTERCARD 1 a FOO 1\r\nSINTERCARD 1 a limit 1 LIMIT 0\r\nSINTERCARD 1 a LIMIT -1 FOO\r\nSINTERCARD 1 a LIMIT 1\r\nSINTERCARD 1 a LIMIT 9223372036854775807\r\nSINTERCARD 2 a a LIMIT 1\r\n",
    // Iterating the smallest set: here the intset, so the reply is ascending.
    b"SADD a 1 2 3 x y\r\nSADD b 3 2 1\r\nSINTER a b\r\nSINTER b a\r\nSINTERSTORE d a b\r\nOBJECT ENCODING d\r\nSMEMBERS d\r\nSINTERSTORE e a a\r\nOBJECT ENCODING e\r\n",
    // SUNION / SUNIONSTORE
    b"SADD a 5 1\r\nSADD b 3 1\r\nSUNION a b\r\nSUNION a nokey b\r\nSUNION nokey\r\nSUNIONSTORE d a b\r\nSMEMBERS d\r\nOBJECT ENCODING d\r\nSUNIONSTORE d nokey\r\nEXISTS d\r\nSUNIONSTORE a a b\r\nSMEMBERS a\r\n",
    // SDIFF / SDIFFSTORE
    b"SADD a 1 2 3 4\r\nSADD b 2\r\nSADD c 4 9\r\nSDIFF a b c\r\nSDIFF a nokey\r\nSDIFF nokey a\r\nSDIFF a a\r\nSDIFF a b a\r\nSDIFFSTORE d a b\r\nSMEMBERS d\r\nSDIFFSTORE d a a\r\nEXISTS d\r\nSDIFFSTORE a a b\r\nSMEMBERS a\r\n",
    b"SET str v\r\nSADD a 1\r\nSUNION a str\r\nSUNION nokey str\r\nSDIFF nokey str\r\nSDIFF str nokey\r\nSUNIONSTORE d a str\r\nSDIFFSTORE d a str\r\nEXISTS d\r\nSUNION\r\nSDIFFSTORE d\r\n",
    b"SADD a x 1\r\nSADD b x\r\nSDIFF a b\r\nSDIFFSTORE d a b\r\nOBJECT ENCODING d\r\nSUNIONSTORE u b\r\nOBJECT ENCODING u\r\nSET str v\r\nSUNIONSTORE str a b\r\nTYPE str\r\nSCARD str\r\n",
    // SSCAN: an intset comes back whole, cursor 0, whatever COUNT says.
    b"SADD s 10 2 33 1\r\nSSCAN s 0\r\nSSCAN s 0 COUNT 1\r\nSSCAN s 7 COUNT 1\r\nSSCAN s 0 MATCH 1*\r\nSSCAN s 0 MATCH * COUNT 2\r\nSSCAN s 0 match 3? count 1 count 3\r\n",
    b"SADD s 1\r\nSSCAN s x\r\nSSCAN s -1\r\nSSCAN s 18446744073709551616\r\nSSCAN s \"\"\r\nSSCAN s 0 COUNT 0\r\nSSCAN s 0 COUNT x\r\nSSCAN s 0 COUNT\r\nSSCAN s 0 TYPE set\r\nSSCAN s 0 FOO bar\r\nSSCAN s 0 MATCH\r\n",
    b"SADD s a\r\nSSCAN s 0\r\nSSCAN s 0 MATCH b\r\nSSCAN nokey 0\r\nSSCAN nokey 0 COUNT 0\r\nSSCAN nokey x\r\nSSCAN s\r\n",
    // WRONGTYPE from every command, after the argument errors that need no key.
    b"SET s v\r\nSADD s a\r\nSREM s a\r\nSISMEMBER s a\r\nSMISMEMBER s a\r\nSMEMBERS s\r\nSCARD s\r\nSPOP s\r\nSPOP s 2\r\nSPOP s x\r\n",
    b"SET s v\r\nSRANDMEMBER s\r\nSRANDMEMBER s 2\r\nSRANDMEMBER s x\r\nSMOVE s t a\r\nSSCAN s 0\r\nSSCAN s x\r\nSSCAN s 0 COUNT 0\r\nGET s\r\n",
    b"LPUSH l a\r\nSADD l a\r\nSINTER l\r\nSUNION l\r\nSDIFF l\r\nSINTERCARD 1 l\r\nHSET h a 1\r\nSCARD h\r\nSADD s 1\r\nGET s\r\nLPUSH s a\r\nHGET s a\r\nINCR s\r\n",
    // Other key commands see sets.
    b"SADD s 1 2\r\nTYPE s\r\nEXPIRE s 100\r\nSADD s 3\r\nTTL s\r\nSREM s 1 2 3\r\nTTL s\r\n",
    b"SADD s 1 2\r\nRENAME s t\r\nSMEMBERS t\r\nCOPY t u\r\nSMEMBERS u\r\nOBJECT ENCODING u\r\nDEL t u\r\nEXISTS t u\r\n",
];

#[test]
fn small_sets_match_redis_byte_for_byte() {
    let redis = redis();
    let ours = ours();
    assert_same_replies(SMALL, redis.addr, ours.addr(), exchange);
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
    assert_eq!(got, expected, "{}", &line[..line.len().min(120)]);
    got
}

fn same(reply: Reply) -> Reply {
    reply
}

/// An array as a sorted list (a hashtable's members).
fn sorted(reply: Reply) -> Reply {
    match reply {
        Reply::Array(mut items) => {
            items.sort_by_key(|r| format!("{r:?}"));
            Reply::Array(items)
        }
        other => other,
    }
}

/// An array's length alone (a random pick).
fn length(reply: Reply) -> Reply {
    match reply {
        Reply::Array(items) => Reply::Integer(items.len() as i64),
        other => other,
    }
}

/// An SSCAN reply's page as a sorted list, the cursor dropped.
fn scan_page_sorted(reply: Reply) -> Reply {
    match reply {
        Reply::Array(mut parts) if parts.len() == 2 => sorted(parts.remove(1)),
        other => other,
    }
}

fn encoding(conn: &mut Connection, key: &str) -> String {
    match run(conn, &format!("OBJECT ENCODING {key}")) {
        Reply::Bulk(name) => String::from_utf8(name).unwrap(),
        other => format!("{other:?}"),
    }
}

#[test]
fn encodings_change_where_redis_changes_them() {
    let redis = redis();
    let ours = ours();
    let (mut r, mut o) = (connect(redis.addr), connect(ours.addr()));
    // (setup lines, key, expected OBJECT ENCODING)
    let cases: Vec<(Vec<String>, &str, &str)> = vec![
        // By size: 512 integers are an intset, the 513th converts.
        (vec![sadd_range("n", 0..512)], "n", "intset"),
        (vec![sadd_range("n", 0..513)], "n", "hashtable"),
        (
            vec![sadd_range("n", 0..512), "SADD n 5".into()],
            "n",
            "intset",
        ),
        (
            vec![sadd_range("n", 0..512), "SADD n 512".into()],
            "n",
            "hashtable",
        ),
        (
            vec![
                sadd_range("n", 0..512),
                "SREM n 0".into(),
                "SADD n 600".into(),
            ],
            "n",
            "intset",
        ),
        // By a non-integer member, and never back.
        (
            vec![sadd_range("n", 0..10), "SADD n x".into()],
            "n",
            "hashtable",
        ),
        (
            vec![sadd_range("n", 0..10), "SADD n 007".into()],
            "n",
            "hashtable",
        ),
        (
            vec![sadd_range("n", 0..10), "SADD n x".into(), "SREM n x".into()],
            "n",
            "hashtable",
        ),
        (
            vec![
                sadd_range("n", 0..600),
                sadd_range("n", 0..590).replace("SADD", "SREM"),
            ],
            "n",
            "hashtable",
        ),
        // The threshold is read when the set grows.
        (
            vec![
                sadd_range("n", 0..5),
                "CONFIG SET set-max-intset-entries 3".into(),
                "SADD n 1".into(),
            ],
            "n",
            "intset",
        ),
        (
            vec![
                sadd_range("n", 0..5),
                "CONFIG SET set-max-intset-entries 3".into(),
                "SADD n 9".into(),
            ],
            "n",
            "hashtable",
        ),
        (
            vec![
                "CONFIG SET set-max-intset-entries 0".into(),
                "SADD n 1".into(),
            ],
            "n",
            "hashtable",
        ),
        // Stores build a new set: an all-integer result small enough is an intset, whatever
        // the sources are.
        (
            vec![
                sadd_range("a", 0..600),
                "SADD b x 1 2 3".into(),
                "SINTERSTORE d a b".into(),
            ],
            "d",
            "intset",
        ),
        (
            vec![
                sadd_range("a", 0..300),
                sadd_range("b", 300..600),
                "SUNIONSTORE d a b".into(),
            ],
            "d",
            "hashtable",
        ),
        (
            vec![
                sadd_range("a", 0..300),
                sadd_range("b", 200..500),
                "SUNIONSTORE d a b".into(),
            ],
            "d",
            "intset",
        ),
        (
            vec![
                "SADD a x 1 2".into(),
                "SADD b x".into(),
                "SUNIONSTORE d a".into(),
                "SDIFFSTORE d a b".into(),
            ],
            "d",
            "intset",
        ),
        // SDIFF's first algorithm only adds the result: 490 integers, an intset.
        (
            vec![
                sadd_range("h", 0..520),
                sadd_range("a", 0..30),
                "SDIFFSTORE d h a".into(),
            ],
            "d",
            "intset",
        ),
        // Its second (copy the first set, then remove) keeps the copy's hashtable.
        (
            vec![
                sadd_range("h", 0..600),
                sadd_range("a", 0..30),
                sadd_range("b", 30..60),
                sadd_range("c", 60..90),
                "SDIFFSTORE d h a b c".into(),
            ],
            "d",
            "hashtable",
        ),
        // SMOVE creates its destination from the member.
        (
            vec!["SADD a x".into(), "SMOVE a d x".into()],
            "d",
            "hashtable",
        ),
        (
            vec!["SADD a x 1".into(), "SMOVE a d 1".into()],
            "d",
            "intset",
        ),
        (
            vec!["SADD a x".into(), "SADD d 1".into(), "SMOVE a d x".into()],
            "d",
            "hashtable",
        ),
        // SPOP with a count near the size keeps the rest in a new set.
        (
            vec![sadd_range("n", 0..600), "SPOP n 550".into()],
            "n",
            "intset",
        ),
        (
            vec![sadd_range("n", 0..600), "SPOP n 10".into()],
            "n",
            "hashtable",
        ),
        (
            // Which members stay is random; all are strings, so the new set is a hashtable.
            vec![
                (0..600).fold("SADD n".to_string(), |line, i| format!("{line} m{i}")),
                "SPOP n 598".into(),
            ],
            "n",
            "hashtable",
        ),
    ];
    for (setup, key, expected) in cases {
        flushall(redis.addr);
        flushall(ours.addr());
        for line in &setup {
            // A random pop: only how many members came back can be compared.
            let normalize = if line.starts_with("SPOP") {
                length
            } else {
                sorted
            };
            both(&mut r, &mut o, line, normalize);
        }
        let (theirs, mine) = (encoding(&mut r, key), encoding(&mut o, key));
        let shown: Vec<&str> = setup.iter().map(|l| &l[..l.len().min(40)]).collect();
        assert_eq!(mine, theirs, "{shown:?}");
        if expected != "*" {
            assert_eq!(mine, expected, "{shown:?}");
        }
        // After a random pop the members differ; their number does not.
        let random = setup.iter().any(|l| l.starts_with("SPOP"));
        let read = if random { "SCARD" } else { "SMEMBERS" };
        both(&mut r, &mut o, &format!("{read} {key}"), sorted);
        both(
            &mut r,
            &mut o,
            "CONFIG SET set-max-intset-entries 512",
            same,
        );
    }
}

#[test]
fn large_sets_match_redis_as_sorted_lists() {
    let redis = redis();
    let ours = ours();
    let (mut r, mut o) = (connect(redis.addr), connect(ours.addr()));
    let mut words = String::from("SADD words");
    for i in 0..700 {
        words.push_str(&format!(" w{i} {i}"));
    }
    both(&mut r, &mut o, &words, same);
    both(&mut r, &mut o, &sadd_range("ints", 0..1000), same);
    both(&mut r, &mut o, &sadd_range("few", 990..1010), same);
    for line in [
        "SMEMBERS words",
        "SMEMBERS ints",
        "SINTER words ints",
        "SINTER ints few",
        "SINTER few ints",
        "SUNION words few",
        "SDIFF ints words",
        "SDIFF few ints",
        "SDIFF words ints few",
        "SRANDMEMBER ints 5000",
        "SRANDMEMBER words 1400",
    ] {
        both(&mut r, &mut o, line, sorted);
    }
    for line in [
        "SCARD words",
        "SISMEMBER words w699",
        "SISMEMBER words 699",
        "SISMEMBER ints 0999",
        "SMISMEMBER ints 1 -1 999 1000",
        "SINTERCARD 2 words ints",
        "SINTERCARD 2 words ints LIMIT 33",
        "SINTERSTORE d words ints",
        "OBJECT ENCODING d",
        "SUNIONSTORE d words ints",
        "OBJECT ENCODING d",
        "SDIFFSTORE d ints few",
        "OBJECT ENCODING d",
        "SREM words w1 w2 nope 3",
        "SMOVE words ints w5",
        "SMOVE words ints 500",
        "SCARD ints",
        "SSCAN words x",
        "SSCAN words 0 COUNT 0",
        "SRANDMEMBER words 0",
        "SPOP words 0",
    ] {
        both(&mut r, &mut o, line, same);
    }
    both(&mut r, &mut o, "SSCAN few 0 COUNT 1000", scan_page_sorted);
    both(&mut r, &mut o, "SMEMBERS d", sorted);
    // Many keys, each named twice (past the point where repeats are found by a map).
    let mut keys = String::new();
    for i in 0..40 {
        both(
            &mut r,
            &mut o,
            &format!("SADD many{i} {i} {} shared", i + 1),
            same,
        );
        keys.push_str(&format!(" many{i}"));
    }
    let twice = format!("{keys}{keys}");
    both(&mut r, &mut o, &format!("SUNION{twice}"), sorted);
    both(&mut r, &mut o, &format!("SINTER{twice}"), sorted);
    both(&mut r, &mut o, &format!("SDIFF{keys} many0"), sorted);
    both(&mut r, &mut o, &format!("SDIFF many39{keys} nokey"), sorted);
    both(&mut r, &mut o, &format!("SUNIONSTORE many5{twice}"), same);
    both(&mut r, &mut o, "SMEMBERS many5", sorted);
    both(&mut r, &mut o, "SMEMBERS many39", sorted);
    // Popping everything returns the whole set and deletes the key.
    both(&mut r, &mut o, "SPOP words 100000", sorted);
    both(&mut r, &mut o, "EXISTS words", same);
}

// ---- SSCAN on a hashtable ----

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

/// One SSCAN call: the next cursor and the page.
fn sscan(conn: &mut Connection, key: &str, cursor: &[u8], count: usize) -> (Vec<u8>, Vec<Vec<u8>>) {
    let count = count.to_string();
    let reply = cmd(
        conn,
        &[b"SSCAN", key.as_bytes(), cursor, b"COUNT", count.as_bytes()],
    );
    let Reply::Array(mut parts) = reply else {
        panic!("SSCAN: {reply:?}")
    };
    let page = bulks(parts.pop().expect("a page"));
    let Some(Reply::Bulk(next)) = parts.pop() else {
        panic!("SSCAN: no cursor")
    };
    (next, page)
}

#[test]
fn sscan_on_a_hashtable_pages_through_every_member_once() {
    let ours = ours();
    let mut c = connect(ours.addr());
    run(&mut c, &sadd_range("s", 0..1000));
    run(&mut c, "SADD s x");
    let (mut cursor, mut pages, mut members) = (b"0".to_vec(), 0, Vec::new());
    loop {
        let (next, page) = sscan(&mut c, "s", &cursor, 10);
        pages += 1;
        members.extend(page);
        if next == b"0" {
            break;
        }
        cursor = next;
    }
    assert_eq!(
        members.len(),
        1001,
        "an unchanged set: each member exactly once"
    );
    let distinct: HashSet<_> = members.iter().collect();
    assert_eq!(distinct.len(), 1001);
    assert_eq!(pages, 101, "COUNT 10 over 1001 members");
    // MATCH filters a page after it is taken (on a hashtable, by position, downwards).
    let reply = run(&mut c, "SSCAN s 0 MATCH 99* COUNT 1000000");
    let mut expected: Vec<Reply> = (0..1000)
        .rev()
        .filter(|i: &i64| i.to_string().starts_with("99"))
        .map(|i| Reply::Bulk(i.to_string().into_bytes()))
        .collect();
    expected.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(scan_page_sorted(reply), Reply::Array(expected));
}

#[test]
fn sscan_returns_every_member_present_throughout_while_the_set_changes() {
    let ours = ours();
    let mut c = connect(ours.addr());
    let mut other = connect(ours.addr());
    // Stable members last: removing a doomed member moves the last member into its place, so
    // stable members keep moving (down) while the iteration runs.
    let mut doomed = String::from("SADD s");
    let mut stable = String::from("SADD s");
    for i in 0..600 {
        doomed.push_str(&format!(" doomed{i}"));
        stable.push_str(&format!(" stable{i}"));
    }
    run(&mut c, &doomed);
    run(&mut c, &stable);
    let (mut cursor, mut seen, mut round) = (b"0".to_vec(), HashSet::new(), 0);
    loop {
        let (next, page) = sscan(&mut c, "s", &cursor, 25);
        seen.extend(page);
        // Another client removes faster than it adds, between every two pages.
        for j in 0..10 {
            let n = (round * 10 + j) % 600;
            run(&mut other, &format!("SREM s doomed{n}"));
            if j % 3 == 0 {
                run(&mut other, &format!("SADD s new{round}-{j}"));
            }
        }
        round += 1;
        if next == b"0" {
            break;
        }
        cursor = next;
    }
    for i in 0..600 {
        assert!(
            seen.contains(format!("stable{i}").as_bytes()),
            "stable{i} was never returned"
        );
    }
    assert!(
        round < 200,
        "the iteration ended though members kept arriving ({round} pages)"
    );
}

// ---- SPOP and SRANDMEMBER ----

/// (key, size, members) of one set of each encoding, loaded into `c`.
fn load_both_encodings(c: &mut Connection, small: usize, big: usize) -> Vec<(&'static str, usize)> {
    run(c, &sadd_range("ints", 0..small as i64));
    let mut line = String::from("SADD table");
    for i in 0..big {
        line.push_str(&format!(" m{i}"));
    }
    run(c, &line);
    assert_eq!(encoding(c, "ints"), "intset");
    assert_eq!(encoding(c, "table"), "hashtable");
    vec![("ints", small), ("table", big)]
}

#[test]
fn srandmember_counts_follow_redis_rules_on_both_encodings() {
    let ours = ours();
    let mut c = connect(ours.addr());
    for (key, size) in load_both_encodings(&mut c, 20, 400) {
        for count in [1, 2, 5, 7, 19, 20, 21, 150, 399, 400, 1000] {
            let members = bulks(run(&mut c, &format!("SRANDMEMBER {key} {count}")));
            assert_eq!(members.len(), count.min(size), "{key} {count}");
            let distinct: HashSet<_> = members.iter().collect();
            assert_eq!(
                distinct.len(),
                members.len(),
                "{key} {count}: repeated a member"
            );
        }
        let members = bulks(run(&mut c, &format!("SRANDMEMBER {key} -{}", size * 3)));
        assert_eq!(members.len(), size * 3);
        let distinct: HashSet<_> = members.iter().collect();
        assert!(distinct.len() < members.len(), "a negative count repeats");
        assert_eq!(
            run(&mut c, &format!("SCARD {key}")),
            Reply::Integer(size as i64)
        );
    }
    // Redis 7.0 would try to write this reply and run out of memory: refused here.
    assert_eq!(
        run(&mut c, "SRANDMEMBER ints -100000000"),
        Reply::Error(b"ERR value is out of range".to_vec())
    );
}

#[test]
fn random_picks_are_uniform_on_both_encodings() {
    let ours = ours();
    let mut c = connect(ours.addr());
    for (key, size) in load_both_encodings(&mut c, 10, 200) {
        let draws = size * 500;
        let mut counts: HashMap<Vec<u8>, usize> = HashMap::new();
        for member in bulks(run(&mut c, &format!("SRANDMEMBER {key} -{draws}"))) {
            *counts.entry(member).or_default() += 1;
        }
        assert_eq!(counts.len(), size, "{key}: every member drawn");
        // 500 expected per member; the standard deviation is about 22: allow 6 of them.
        for (member, n) in &counts {
            assert!((370..=630).contains(n), "{key}: {member:?} drawn {n} times");
        }
        // Distinct samples are uniform too: each member's share of 5000 samples of 3.
        let mut counts: HashMap<Vec<u8>, usize> = HashMap::new();
        let per_member = 5000 * 3 / size;
        for _ in 0..5000 {
            for member in bulks(run(&mut c, &format!("SRANDMEMBER {key} 3"))) {
                *counts.entry(member).or_default() += 1;
            }
        }
        assert_eq!(counts.len(), size);
        let slack = per_member * 2 / 5 + 10;
        for (member, n) in &counts {
            assert!(
                n.abs_diff(per_member) <= slack,
                "{key}: {member:?} sampled {n} times, expected about {per_member}"
            );
        }
    }
    // SPOP's single pick: pop one of 10, 3000 times.
    let mut counts: HashMap<Vec<u8>, usize> = HashMap::new();
    for _ in 0..3000 {
        run(&mut c, "SADD p 0 1 2 3 4 5 6 7 8 9");
        let Reply::Bulk(member) = run(&mut c, "SPOP p") else {
            panic!("SPOP")
        };
        *counts.entry(member).or_default() += 1;
        run(&mut c, "DEL p");
    }
    assert_eq!(counts.len(), 10);
    // 300 expected; the standard deviation is about 16.
    for (member, n) in &counts {
        assert!((200..=400).contains(n), "SPOP: {member:?} popped {n} times");
    }
}

#[test]
fn spop_removes_exactly_what_it_returns_in_each_of_its_strategies() {
    let ours = ours();
    let mut c = connect(ours.addr());
    // Counts that pop one by one (remaining * 5 > count), that keep the rest in a new set,
    // and that take the whole set.
    for (count, small, big) in [(3, 40, 400), (35, 40, 380), (40, 40, 400), (1000, 40, 400)] {
        run(&mut c, "FLUSHALL");
        for (key, size) in load_both_encodings(&mut c, small, big) {
            let count = if key == "table" {
                count * big / small
            } else {
                count
            };
            let before: BTreeSet<Vec<u8>> = bulks(run(&mut c, &format!("SMEMBERS {key}")))
                .into_iter()
                .collect();
            run(&mut c, &format!("EXPIRE {key} 1000"));
            let popped = bulks(run(&mut c, &format!("SPOP {key} {count}")));
            assert_eq!(popped.len(), count.min(size), "{key} {count}");
            let popped_set: BTreeSet<Vec<u8>> = popped.iter().cloned().collect();
            assert_eq!(
                popped_set.len(),
                popped.len(),
                "{key} {count}: popped a member twice"
            );
            let after: BTreeSet<Vec<u8>> = bulks(run(&mut c, &format!("SMEMBERS {key}")))
                .into_iter()
                .collect();
            assert!(
                popped_set.is_disjoint(&after),
                "{key} {count}: popped but kept"
            );
            let union: BTreeSet<Vec<u8>> = popped_set.union(&after).cloned().collect();
            assert_eq!(union, before, "{key} {count}: lost or invented members");
            let exists = run(&mut c, &format!("EXISTS {key}"));
            assert_eq!(exists, Reply::Integer(i64::from(count < size)));
            if count < size {
                let Reply::Integer(ttl) = run(&mut c, &format!("TTL {key}")) else {
                    panic!()
                };
                assert!(ttl > 900, "{key} {count}: the deadline survives ({ttl})");
            }
        }
    }
    // Without a count, one at a time until the key is gone.
    run(&mut c, "SADD one a b c 1 2");
    let mut seen = HashSet::new();
    for _ in 0..5 {
        let Reply::Bulk(member) = run(&mut c, "SPOP one") else {
            panic!()
        };
        assert!(seen.insert(member));
    }
    assert_eq!(run(&mut c, "EXISTS one"), Reply::Integer(0));
    assert_eq!(run(&mut c, "SPOP one"), Reply::Nil);
}

// ---- Random operation sequences: ours, redis-server and a model ----

/// A small intset limit on both servers, so random sequences cross it.
const MAX_INTSET: usize = 16;

#[derive(Debug, Clone)]
enum Op {
    Add(usize, Vec<usize>),
    Rem(usize, Vec<usize>),
    IsMember(usize, usize),
    MIsMember(usize, Vec<usize>),
    Card(usize),
    Members(usize),
    Move(usize, usize, usize),
    Inter(Vec<usize>),
    Union(Vec<usize>),
    Diff(Vec<usize>),
    InterStore(usize, Vec<usize>),
    UnionStore(usize, Vec<usize>),
    DiffStore(usize, Vec<usize>),
    InterCard(Vec<usize>, usize),
    /// `SPOP key 1000`: the whole set, deterministic.
    PopAll(usize),
    /// `SET key v`: a key of another type.
    SetString(usize),
    KeyExists(usize),
    Encoding(usize),
    /// Many integers at once (crossing the intset limit).
    Fill(usize, usize),
}

/// Members: small integers (intset, several widths), non-canonical ones, and words.
fn member_name(i: usize) -> Vec<u8> {
    let names: [&str; 14] = [
        "0",
        "1",
        "2",
        "3",
        "-1",
        "-7",
        "40000",
        "-5000000000",
        "007",
        "+1",
        "a",
        "b",
        "c",
        "",
    ];
    names[i % names.len()].as_bytes().to_vec()
}

fn key_name(k: usize) -> Vec<u8> {
    format!("k{k}").into_bytes()
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let key = 0usize..4;
    let member = prop_oneof![4 => 0usize..8, 1 => 8usize..14];
    let members = proptest::collection::vec(member.clone(), 1..5);
    let keys = proptest::collection::vec(key.clone(), 1..4);
    prop_oneof![
        6 => (key.clone(), members.clone()).prop_map(|(k, m)| Op::Add(k, m)),
        3 => (key.clone(), members.clone()).prop_map(|(k, m)| Op::Rem(k, m)),
        1 => (key.clone(), member.clone()).prop_map(|(k, m)| Op::IsMember(k, m)),
        1 => (key.clone(), members).prop_map(|(k, m)| Op::MIsMember(k, m)),
        1 => key.clone().prop_map(Op::Card),
        2 => key.clone().prop_map(Op::Members),
        2 => (key.clone(), key.clone(), member).prop_map(|(a, b, m)| Op::Move(a, b, m)),
        2 => keys.clone().prop_map(Op::Inter),
        2 => keys.clone().prop_map(Op::Union),
        2 => keys.clone().prop_map(Op::Diff),
        1 => (key.clone(), keys.clone()).prop_map(|(d, k)| Op::InterStore(d, k)),
        1 => (key.clone(), keys.clone()).prop_map(|(d, k)| Op::UnionStore(d, k)),
        2 => (key.clone(), keys.clone()).prop_map(|(d, k)| Op::DiffStore(d, k)),
        1 => (keys, 0usize..4).prop_map(|(k, l)| Op::InterCard(k, l)),
        1 => key.clone().prop_map(Op::PopAll),
        1 => key.clone().prop_map(Op::SetString),
        1 => key.clone().prop_map(Op::KeyExists),
        3 => key.clone().prop_map(Op::Encoding),
        1 => (key, 12usize..18).prop_map(|(k, n)| Op::Fill(k, n)),
    ]
}

fn fill_member(i: usize) -> Vec<u8> {
    (100 + i).to_string().into_bytes()
}

impl Op {
    fn args(&self) -> Vec<Vec<u8>> {
        let word = |s: &str| s.as_bytes().to_vec();
        let keys_of = |ks: &[usize]| ks.iter().map(|&k| key_name(k)).collect::<Vec<_>>();
        let mut args = match self {
            Op::Add(k, ms) | Op::Rem(k, ms) | Op::MIsMember(k, ms) => {
                let name = match self {
                    Op::Add(..) => "SADD",
                    Op::Rem(..) => "SREM",
                    _ => "SMISMEMBER",
                };
                let mut args = vec![word(name), key_name(*k)];
                args.extend(ms.iter().map(|&m| member_name(m)));
                args
            }
            Op::IsMember(k, m) => vec![word("SISMEMBER"), key_name(*k), member_name(*m)],
            Op::Card(k) => vec![word("SCARD"), key_name(*k)],
            Op::Members(k) => vec![word("SMEMBERS"), key_name(*k)],
            Op::Move(a, b, m) => vec![word("SMOVE"), key_name(*a), key_name(*b), member_name(*m)],
            Op::Inter(ks) => [vec![word("SINTER")], keys_of(ks)].concat(),
            Op::Union(ks) => [vec![word("SUNION")], keys_of(ks)].concat(),
            Op::Diff(ks) => [vec![word("SDIFF")], keys_of(ks)].concat(),
            Op::InterStore(d, ks) => {
                [vec![word("SINTERSTORE"), key_name(*d)], keys_of(ks)].concat()
            }
            Op::UnionStore(d, ks) => {
                [vec![word("SUNIONSTORE"), key_name(*d)], keys_of(ks)].concat()
            }
            Op::DiffStore(d, ks) => [vec![word("SDIFFSTORE"), key_name(*d)], keys_of(ks)].concat(),
            Op::InterCard(ks, limit) => {
                let mut args = vec![word("SINTERCARD"), word(&ks.len().to_string())];
                args.extend(keys_of(ks));
                if *limit > 0 {
                    args.extend([word("LIMIT"), word(&limit.to_string())]);
                }
                args
            }
            Op::PopAll(k) => vec![word("SPOP"), key_name(*k), word("1000")],
            Op::SetString(k) => vec![word("SET"), key_name(*k), word("v")],
            Op::KeyExists(k) => vec![word("EXISTS"), key_name(*k)],
            Op::Encoding(k) => vec![word("OBJECT"), word("ENCODING"), key_name(*k)],
            Op::Fill(k, n) => {
                let mut args = vec![word("SADD"), key_name(*k)];
                args.extend((0..*n).map(fill_member));
                args
            }
        };
        args.shrink_to_fit();
        args
    }
}

/// A set as the model keeps it: its members and whether Redis would hold it as an intset.
#[derive(Debug, Clone, Default)]
struct MSet {
    members: BTreeSet<Vec<u8>>,
    intset: bool,
}

fn canonical_int(member: &[u8]) -> Option<i64> {
    let n: i64 = std::str::from_utf8(member).ok()?.parse().ok()?;
    (n.to_string().as_bytes() == member).then_some(n)
}

impl MSet {
    /// An empty set as Redis starts every new one: an intset.
    fn new() -> MSet {
        MSet {
            members: BTreeSet::new(),
            intset: true,
        }
    }

    fn add(&mut self, member: &[u8]) -> bool {
        let new = self.members.insert(member.to_vec());
        if canonical_int(member).is_none() || self.members.len() > MAX_INTSET {
            self.intset = false;
        }
        new
    }

    fn remove(&mut self, member: &[u8]) -> bool {
        self.members.remove(member)
    }

    /// The members as Redis lists them: ascending numbers for an intset, else unordered
    /// (`true`).
    fn listing(&self) -> (Reply, bool) {
        let mut items: Vec<&Vec<u8>> = self.members.iter().collect();
        if self.intset {
            items.sort_by_key(|m| canonical_int(m));
        }
        let items = items.into_iter().map(|m| Reply::Bulk(m.clone())).collect();
        (Reply::Array(items), !self.intset)
    }
}

#[derive(Debug, Clone)]
enum MValue {
    Str,
    Set(MSet),
}

#[derive(Default)]
struct Model {
    keys: HashMap<usize, MValue>,
}

fn wrong_type() -> Reply {
    Reply::Error(b"WRONGTYPE Operation against a key holding the wrong kind of value".to_vec())
}

impl Model {
    /// The sets of `keys` (`None` for a missing key), or `Err` if one holds a string.
    fn sources(&self, keys: &[usize]) -> Result<Vec<Option<MSet>>, Reply> {
        keys.iter()
            .map(|k| match self.keys.get(k) {
                None => Ok(None),
                Some(MValue::Set(s)) => Ok(Some(s.clone())),
                Some(MValue::Str) => Err(wrong_type()),
            })
            .collect()
    }

    fn set_mut(&mut self, k: usize) -> Result<Option<&mut MSet>, Reply> {
        match self.keys.get_mut(&k) {
            None => Ok(None),
            Some(MValue::Set(s)) => Ok(Some(s)),
            Some(MValue::Str) => Err(wrong_type()),
        }
    }

    fn drop_if_empty(&mut self, k: usize) {
        if matches!(self.keys.get(&k), Some(MValue::Set(s)) if s.members.is_empty()) {
            self.keys.remove(&k);
        }
    }

    /// Redis's intersection: the smallest set is iterated (its order is the reply's).
    fn inter(keys: &[usize], sets: &[Option<MSet>]) -> (MSet, bool) {
        let mut result = MSet::new();
        if sets.iter().any(Option::is_none) {
            return (result, false);
        }
        let sets: Vec<&MSet> = sets.iter().flatten().collect();
        let min = sets.iter().map(|s| s.members.len()).min().unwrap_or(0);
        // The first smallest in argument order (a stable sort); if another key of the same
        // size has the other encoding, a different sort could pick it: order unpredicted.
        let smallest = sets
            .iter()
            .position(|s| s.members.len() == min)
            .unwrap_or(0);
        let tie = sets.iter().zip(keys).any(|(s, k)| {
            s.members.len() == min && s.intset != sets[smallest].intset && *k != keys[smallest]
        });
        for m in &sets[smallest].members {
            if sets.iter().all(|s| s.members.contains(m)) {
                result.add(m);
            }
        }
        let ordered = sets[smallest].intset && !tie;
        (result, ordered)
    }

    fn union(sets: &[Option<MSet>]) -> MSet {
        let mut result = MSet::new();
        for s in sets.iter().flatten() {
            for m in &s.members {
                result.add(m);
            }
        }
        result
    }

    /// Redis's SDIFF, with its choice of algorithm (which the result's encoding shows).
    fn diff(keys: &[usize], sets: &[Option<MSet>]) -> MSet {
        let mut result = MSet::new();
        let Some(Some(head)) = sets.first() else {
            return result;
        };
        if keys.iter().skip(1).any(|k| *k == keys[0]) {
            return result;
        }
        let others: Vec<&MSet> = sets.iter().skip(1).flatten().collect();
        let one = head.members.len() * (1 + others.len()) / 2;
        let two = head.members.len() + others.iter().map(|s| s.members.len()).sum::<usize>();
        if one <= two {
            for m in &head.members {
                if !others.iter().any(|s| s.members.contains(m)) {
                    result.add(m);
                }
            }
        } else {
            for m in &head.members {
                result.add(m);
            }
            for s in others {
                for m in &s.members {
                    result.remove(m);
                }
            }
        }
        result
    }

    fn store(&mut self, dst: usize, result: MSet) -> Reply {
        let len = result.members.len();
        if len == 0 {
            self.keys.remove(&dst);
        } else {
            self.keys.insert(dst, MValue::Set(result));
        }
        Reply::Integer(len as i64)
    }

    /// Apply `op`; the expected reply, and whether its order is unpredicted.
    fn apply(&mut self, op: &Op) -> (Reply, bool) {
        let result = (|| -> Result<(Reply, bool), Reply> {
            Ok(match op {
                Op::Add(k, ms) => {
                    let members: Vec<Vec<u8>> = ms.iter().map(|&m| member_name(m)).collect();
                    self.add_all(*k, &members)?
                }
                Op::Fill(k, n) => {
                    let members: Vec<Vec<u8>> = (0..*n).map(fill_member).collect();
                    self.add_all(*k, &members)?
                }
                Op::Rem(k, ms) => {
                    let removed = match self.set_mut(*k)? {
                        None => 0,
                        Some(s) => ms.iter().filter(|&&m| s.remove(&member_name(m))).count(),
                    };
                    self.drop_if_empty(*k);
                    (Reply::Integer(removed as i64), false)
                }
                Op::IsMember(k, m) => {
                    let found = self.sources(&[*k])?[0]
                        .as_ref()
                        .is_some_and(|s| s.members.contains(&member_name(*m)));
                    (Reply::Integer(i64::from(found)), false)
                }
                Op::MIsMember(k, ms) => {
                    let set = self.sources(&[*k])?.remove(0).unwrap_or_default();
                    let items = ms
                        .iter()
                        .map(|&m| Reply::Integer(i64::from(set.members.contains(&member_name(m)))))
                        .collect();
                    (Reply::Array(items), false)
                }
                Op::Card(k) => {
                    let set = self.sources(&[*k])?.remove(0).unwrap_or_default();
                    (Reply::Integer(set.members.len() as i64), false)
                }
                Op::Members(k) => self
                    .sources(&[*k])?
                    .remove(0)
                    .unwrap_or_else(MSet::new)
                    .listing(),
                Op::PopAll(k) => {
                    let Some(set) = self.set_mut(*k)?.cloned() else {
                        return Ok((Reply::Array(vec![]), false));
                    };
                    self.keys.remove(k);
                    // Listed through a fresh copy, as SUNION of the one key.
                    Self::union(&[Some(set)]).listing()
                }
                Op::Move(a, b, m) => {
                    let member = member_name(*m);
                    let sources = self.sources(&[*a, *b]);
                    let src = match self.keys.get(a) {
                        None => return Ok((Reply::Integer(0), false)),
                        Some(MValue::Str) => return Err(wrong_type()),
                        Some(MValue::Set(s)) => s.clone(),
                    };
                    sources?;
                    if a == b {
                        return Ok((
                            Reply::Integer(i64::from(src.members.contains(&member))),
                            false,
                        ));
                    }
                    if !self.set_mut(*a)?.is_some_and(|s| s.remove(&member)) {
                        return Ok((Reply::Integer(0), false));
                    }
                    self.drop_if_empty(*a);
                    let target = self
                        .keys
                        .entry(*b)
                        .or_insert_with(|| MValue::Set(MSet::new()));
                    if let MValue::Set(t) = target {
                        t.add(&member);
                    }
                    (Reply::Integer(1), false)
                }
                Op::Inter(ks) => {
                    let (result, ordered) = Self::inter(ks, &self.sources(ks)?);
                    let (reply, _) = result.listing();
                    (reply, !ordered)
                }
                Op::InterCard(ks, limit) => {
                    let (result, _) = Self::inter(ks, &self.sources(ks)?);
                    let n = result.members.len();
                    let n = if *limit > 0 { n.min(*limit) } else { n };
                    (Reply::Integer(n as i64), false)
                }
                Op::Union(ks) => Self::union(&self.sources(ks)?).listing(),
                Op::Diff(ks) => Self::diff(ks, &self.sources(ks)?).listing(),
                Op::InterStore(d, ks) => {
                    let (result, _) = Self::inter(ks, &self.sources(ks)?);
                    (self.store(*d, result), false)
                }
                Op::UnionStore(d, ks) => {
                    let result = Self::union(&self.sources(ks)?);
                    (self.store(*d, result), false)
                }
                Op::DiffStore(d, ks) => {
                    let result = Self::diff(ks, &self.sources(ks)?);
                    (self.store(*d, result), false)
                }
                Op::SetString(k) => {
                    self.keys.insert(*k, MValue::Str);
                    (Reply::Status(b"OK".to_vec()), false)
                }
                Op::KeyExists(k) => (Reply::Integer(i64::from(self.keys.contains_key(k))), false),
                Op::Encoding(k) => match self.keys.get(k) {
                    None => (Reply::Nil, false),
                    Some(MValue::Str) => (Reply::Bulk(b"embstr".to_vec()), false),
                    Some(MValue::Set(s)) => {
                        let name: &[u8] = if s.intset { b"intset" } else { b"hashtable" };
                        (Reply::Bulk(name.to_vec()), false)
                    }
                },
            })
        })();
        result.unwrap_or_else(|error| (error, false))
    }

    fn add_all(&mut self, k: usize, members: &[Vec<u8>]) -> Result<(Reply, bool), Reply> {
        let set = match self.set_mut(k)? {
            Some(s) => s,
            None => {
                self.keys.insert(k, MValue::Set(MSet::new()));
                self.set_mut(k)?.expect("just inserted")
            }
        };
        let added = members.iter().filter(|m| set.add(m)).count();
        Ok((Reply::Integer(added as i64), false))
    }
}

fn set_intset_limit(conn: &mut Connection) {
    let limit = MAX_INTSET.to_string();
    let reply = cmd(
        conn,
        &[
            b"CONFIG",
            b"SET",
            b"set-max-intset-entries",
            limit.as_bytes(),
        ],
    );
    assert_eq!(reply, Reply::Status(b"OK".to_vec()));
}

#[test]
fn random_operations_match_a_model_and_redis() {
    let redis = redis();
    let ours = ours();
    let (raddr, oaddr) = (redis.addr, ours.addr());
    set_intset_limit(&mut connect(raddr));
    set_intset_limit(&mut connect(oaddr));
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 48,
        ..ProptestConfig::default()
    });
    runner
        .run(&proptest::collection::vec(op_strategy(), 1..60), |ops| {
            flushall(raddr);
            flushall(oaddr);
            let (mut r, mut o) = (connect(raddr), connect(oaddr));
            let mut model = Model::default();
            for op in &ops {
                let args = op.args();
                let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
                let (theirs, mine) = (cmd(&mut r, &refs), cmd(&mut o, &refs));
                let (expected, unordered) = model.apply(op);
                let normalize = if unordered { sorted } else { same };
                prop_assert_eq!(
                    normalize(theirs),
                    normalize(expected.clone()),
                    "redis: {:?}",
                    op
                );
                prop_assert_eq!(normalize(mine), normalize(expected), "ours: {:?}", op);
            }
            Ok(())
        })
        .unwrap();
}
