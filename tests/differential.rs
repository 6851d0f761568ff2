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
    b"SELECT 0\r\nSELECT x\r\nSELECT -1\r\n",
    b"HELLO x\r\nHELLO 2 FOO\r\nHELLO 2 SETNAME\r\n",
    b"CLIENT\r\nCLIENT FOO\r\nCLIENT SETNAME\r\nCLIENT SETNAME a b\r\nCLIENT SETNAME n\r\nCLIENT GETNAME\r\n",
    b"CLIENT SETNAME \"a b\"\r\nCLIENT GETNAME\r\nCLIENT SETNAME \"\"\r\nCLIENT GETNAME\r\n",
];

/// Pub/sub replies and subscribed mode.
const PUBSUB: &[&[u8]] = &[
    b"SUBSCRIBE a\r\nPING\r\nPING x\r\nECHO a\r\nUNSUBSCRIBE\r\nPING\r\n",
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

/// Where we differ on purpose, the bytes we send instead (one database; RESP2 only).
#[test]
fn deliberate_deviations_from_redis() {
    let ours = reactor::spawn(reactor::config::Config::ephemeral()).unwrap();
    assert_eq!(
        exchange(ours.addr(), b"SELECT 1\r\nHELLO 3\r\n"),
        b"-ERR DB index is out of range\r\n-NOPROTO unsupported protocol version\r\n"
    );
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
