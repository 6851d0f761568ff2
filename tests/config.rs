//! Configuration as a Redis user writes it: the real `reactor-server` binary started with
//! redis.conf-style flags (sizes with units, `yes`/`no` booleans), its start-up errors compared
//! with the real redis-server's, and `CONFIG SET` values checked by the same parser.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Binary, RedisServer, connect, exchange, read_to_close};

/// Run a server binary with `args` that must refuse to start; its stderr, from the line that
/// says where the bad directive is (Redis prints its version in the line before it).
fn refused(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run the server");
    assert!(!out.status.success(), "{program} {args:?} started");
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let at = text
        .find("Reading the configuration file")
        .unwrap_or_else(|| panic!("{program} {args:?} said: {text}"));
    text[at..].trim_end().to_string()
}

#[test]
fn bad_values_stop_start_up_with_the_words_and_line_redis_uses() {
    let cases: &[&[&str]] = &[
        &["--port", "0", "--client-query-buffer-limit", "1xb"],
        &["--port", "0", "--proto-max-bulk-len", "1k"],
        &["--protected-mode", "maybe"],
        &["--port", "70000"],
        &["--port", "1", "2"],
        &["--maxclients", "abc"],
        &["--maxclients", "0"],
        &["--port", "0", "--timeout", "-1"],
        &["--frobnicate", "1"],
    ];
    for args in cases {
        let theirs = refused("redis-server", args);
        let ours = refused(env!("CARGO_BIN_EXE_reactor-server"), args);
        assert_eq!(ours, theirs, "{args:?}");
    }
}

#[test]
fn size_flags_take_redis_units_and_the_limit_holds() {
    let server = Binary::start(&[
        "--client-query-buffer-limit",
        "1mb",
        "--proto-max-bulk-len",
        "2MB",
        "--protected-mode",
        "YES",
    ]);
    let reply = exchange(
        server.addr,
        b"CONFIG GET client-query-buffer-limit\r\nCONFIG GET proto-max-bulk-len\r\n",
        Duration::from_millis(200),
    );
    assert_eq!(
        reply,
        b"*2\r\n$25\r\nclient-query-buffer-limit\r\n$7\r\n1048576\r\n\
          *2\r\n$18\r\nproto-max-bulk-len\r\n$7\r\n2097152\r\n"
    );
    // 1.5 MB of one argument (under the 2mb bulk limit) pile up unparsed past the 1mb
    // query-buffer limit: the client is closed.
    let mut greedy = connect(server.addr);
    greedy
        .write_all(b"*2\r\n$4\r\nECHO\r\n$1900000\r\n")
        .unwrap();
    let chunk = vec![b'x'; 64 * 1024];
    for _ in 0..24 {
        if greedy.write_all(&chunk).is_err() {
            break; // already closed
        }
    }
    let (bytes, _) = read_to_close(&mut greedy);
    assert!(bytes.is_empty(), "got {} bytes", bytes.len());
}

#[test]
fn config_set_reads_values_as_redis_does() {
    let redis = RedisServer::start(&[]);
    let ours = Binary::start(&[]);
    // Each line's reply compared byte for byte; the ones that succeed leave both servers with
    // the same values, which the CONFIG GETs after them compare.
    let script: &[&str] = &[
        "CONFIG SET proto-max-bulk-len 2mb",
        "CONFIG GET proto-max-bulk-len",
        "CONFIG SET proto-max-bulk-len 4M",
        "CONFIG GET proto-max-bulk-len",
        "CONFIG SET proto-max-bulk-len 1xb",
        "CONFIG SET proto-max-bulk-len 1k",
        "CONFIG SET proto-max-bulk-len -1",
        "CONFIG GET proto-max-bulk-len",
        // Fixed here, changeable in Redis: its current value is accepted however spelled.
        "CONFIG SET client-query-buffer-limit 1gb",
        "CONFIG SET client-query-buffer-limit 1073741824",
        "CONFIG SET client-query-buffer-limit lots",
        "CONFIG GET client-query-buffer-limit",
        "CONFIG SET protected-mode maybe",
        "CONFIG SET protected-mode YES",
        "CONFIG GET protected-mode",
        "CONFIG SET maxclients abc",
        "CONFIG SET timeout -1",
        "CONFIG SET hash-max-listpack-value 1kb",
        "CONFIG GET hash-max-listpack-value",
        "CONFIG SET hash-max-listpack-entries 1kb",
    ];
    for line in script {
        let request = format!("{line}\r\n");
        let theirs = exchange(redis.addr, request.as_bytes(), Duration::from_millis(100));
        let got = exchange(ours.addr, request.as_bytes(), Duration::from_millis(100));
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&theirs),
            "{line}"
        );
    }
}
