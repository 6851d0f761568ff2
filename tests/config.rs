//! Configuration as a Redis user writes it: the real `reactor-server` binary started with
//! redis.conf-style flags (sizes with units, `yes`/`no` booleans) and config files (Redis's own
//! `redis.conf` among them), its start-up errors compared with the real redis-server's,
//! `CONFIG SET` values checked by the same parser, and `CONFIG REWRITE` back into the file.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Binary, RedisServer, TempDir, connect, exchange, read_to_close};

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
        "CONFIG GET client-output-buffer-limit",
        "CONFIG SET client-output-buffer-limit \"foo 1 1 1\"",
        "CONFIG SET client-output-buffer-limit \"pubsub 1mb 1k\"",
        "CONFIG SET client-output-buffer-limit \"pubsub 1xb 1k 1\"",
        "CONFIG SET client-output-buffer-limit \"pubsub 1mb 1k -1\"",
        "CONFIG SET client-output-buffer-limit \"pubsub 1mb 1k 10 normal 1gb 2mb 3\"",
        "CONFIG GET client-output-buffer-limit",
        "CONFIG SET client-output-buffer-limit \"replica 1mb 1k 10\"",
        "CONFIG SET client-output-buffer-limit \"normal 0 0 0\"",
        "CONFIG GET client-output-buffer-limit",
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

/// `CONFIG GET name` on `addr`: the value.
fn config_get(addr: std::net::SocketAddr, name: &str) -> String {
    let reply = exchange(
        addr,
        format!("CONFIG GET {name}\r\n").as_bytes(),
        Duration::from_millis(100),
    );
    let text = String::from_utf8_lossy(&reply).into_owned();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(lines.len() >= 5, "CONFIG GET {name}: {text:?}");
    lines[4].to_string()
}

#[test]
fn the_redis_conf_debian_ships_starts_ours() {
    // Installed with redis-server (by .ci/run); its port 6379 is overridden by --port 0.
    let server = Binary::start_with_file(std::path::Path::new("/etc/redis/redis.conf"), &[]);
    assert_eq!(config_get(server.addr, "hash-max-listpack-entries"), "512");
    // `bind 127.0.0.1 -::1`: both addresses, as redis-server reports and listens on them.
    assert_eq!(config_get(server.addr, "bind"), "127.0.0.1 -::1");
    let v6: std::net::SocketAddr = format!("[::1]:{}", server.addr.port()).parse().unwrap();
    let reply = exchange(v6, b"PING\r\n", Duration::from_millis(100));
    assert_eq!(reply, b"+PONG\r\n");
    assert_eq!(config_get(server.addr, "timeout"), "0");
    // What it does not implement is named in one warning line, not refused.
    let warning = server
        .log
        .recv_timeout(Duration::from_secs(5))
        .into_iter()
        .chain(server.log.try_iter())
        .find(|line| line.contains("Redis directives this server does not implement"))
        .expect("a warning about ignored directives");
    assert!(warning.contains("daemonize ("), "{warning}");
    assert!(warning.contains("appendfsync ("), "{warning}");
}

#[test]
fn a_file_sets_values_includes_others_and_flags_override_it() {
    let dir = TempDir::new("conf");
    let extra = dir.file("extra.conf", "timeout 5\nmaxclients 77\n");
    let main = dir.file(
        "main.conf",
        &format!(
            "# a comment\n\
             \n\
             \x20 client-query-buffer-limit 2mb\n\
             timeout 30\n\
             include {}\n\
             requirepass \"open sesame\"\n\
             HASH-MAX-ZIPLIST-ENTRIES 7\n\
             protected-mode no\n\
             daemonize no\n",
            extra.display()
        ),
    );
    let server = Binary::start_with_file(&main, &["--maxclients", "78"]);
    let auth = exchange(
        server.addr,
        b"AUTH \"open sesame\"\r\nCONFIG GET client-query-buffer-limit\r\n",
        Duration::from_millis(100),
    );
    assert!(auth.starts_with(b"+OK\r\n*2\r\n"), "{auth:?}");
    assert!(auth.ends_with(b"$7\r\n2097152\r\n"), "{auth:?}");
    let get = |name: &str| {
        let reply = exchange(
            server.addr,
            format!("AUTH \"open sesame\"\r\nCONFIG GET {name}\r\n").as_bytes(),
            Duration::from_millis(100),
        );
        let text = String::from_utf8_lossy(&reply).into_owned();
        text.split("\r\n").nth(5).unwrap_or_default().to_string()
    };
    // The include came after `timeout 30`, so its 5 wins; the flag beats the include.
    assert_eq!(get("timeout"), "5");
    assert_eq!(get("maxclients"), "78");
    assert_eq!(get("hash-max-listpack-entries"), "7");
    assert_eq!(get("protected-mode"), "no");
}

#[test]
fn bad_files_stop_start_up_with_the_words_and_line_redis_uses() {
    let dir = TempDir::new("badconf");
    let files = [
        "port 0\n# fine so far\nfrobnicate 1\n",
        "port 0\nrequirepass \"unbalanced\n",
        "port 0\nrequirepass \"closed\"early\n",
        "port 0\nmaxclients lots\n",
        "port 0\nport 1 2\n",
        "port 0\nclient-query-buffer-limit 1xb\n",
        "port 0\ninclude\n",
    ];
    for (i, text) in files.iter().enumerate() {
        let path = dir.file(&format!("bad{i}.conf"), text);
        let path = path.to_str().unwrap();
        let theirs = refused("redis-server", &[path]);
        let ours = refused(env!("CARGO_BIN_EXE_reactor-server"), &[path]);
        assert_eq!(ours, theirs, "{text:?}");
    }
    // A bad flag after a file is numbered after the file's lines, as Redis numbers it.
    let path = dir.file("good.conf", "port 0\n# c\nmaxclients 5\n");
    let path = path.to_str().unwrap();
    let args = [path, "--maxclients", "abc"];
    assert_eq!(
        refused(env!("CARGO_BIN_EXE_reactor-server"), &args),
        refused("redis-server", &args)
    );
}

#[test]
fn config_rewrite_writes_the_live_values_back_into_the_file() {
    let dir = TempDir::new("rewrite");
    let path = dir.file(
        "r.conf",
        "# keep this comment\ntimeout 30\ndaemonize no\ntimeout 40\n",
    );
    let server = Binary::start_with_file(&path, &[]);
    let reply = exchange(
        server.addr,
        b"CONFIG SET proto-max-bulk-len 2mb hash-max-listpack-entries 9\r\nCONFIG REWRITE\r\n",
        Duration::from_millis(200),
    );
    assert_eq!(reply, b"+OK\r\n+OK\r\n");
    let text = std::fs::read_to_string(&path).unwrap();
    // Comments and directives we ignore stay; the repeated timeout is one line, with the
    // value in force (the later line's); changed values are appended.
    assert_eq!(
        text,
        "# keep this comment\ntimeout 40\ndaemonize no\n\
         # Generated by CONFIG REWRITE\nport 0\nproto-max-bulk-len 2097152\n\
         hash-max-listpack-entries 9\n"
    );
    // A server started from the rewritten file has the values.
    drop(server);
    let again = Binary::start_with_file(&path, &[]);
    assert_eq!(config_get(again.addr, "proto-max-bulk-len"), "2097152");
    assert_eq!(config_get(again.addr, "hash-max-listpack-entries"), "9");
    assert_eq!(config_get(again.addr, "timeout"), "40");
    // Without a file there is nothing to rewrite, as Redis says.
    let plain = Binary::start(&[]);
    assert_eq!(
        exchange(
            plain.addr,
            b"CONFIG REWRITE\r\n",
            Duration::from_millis(100)
        ),
        b"-ERR The server is running without a config file\r\n"
    );
}

/// A config file that never ends (`/dev/zero` itself, or `include /dev/zero`) stops start-up
/// with an error once 64 MiB are read, instead of filling the memory; so does an include
/// repeated until the files together pass that.
///
/// Break checked: `read_at_most` without its `take` (the whole file read, as before) → the server
/// grows until the test's `ulimit -v` of 512 MiB stops it with an allocation failure, not the
/// message, fails.
#[test]
fn a_config_file_that_never_ends_stops_start_up_with_bounded_memory() {
    let dir = TempDir::new("endless-config");
    let include_zero = dir.file("zero.conf", "port 0\ninclude /dev/zero\n");
    let big = dir.file("big.conf", &format!("# {}\n", "x".repeat(1 << 20)));
    let repeated = dir.file(
        "repeated.conf",
        &format!("include {}\n", big.display()).repeat(100),
    );
    for file in [
        &include_zero,
        &std::path::PathBuf::from("/dev/zero"),
        &repeated,
    ] {
        let started = std::time::Instant::now();
        // At most 512 MiB of address space: a server reading without a bound dies instead.
        let out = Command::new("sh")
            .args(["-c", "ulimit -v 524288; exec \"$0\" \"$1\""])
            .arg(env!("CARGO_BIN_EXE_reactor-server"))
            .arg(file)
            .stdin(Stdio::null())
            .output()
            .expect("run the server");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{} started", file.display());
        assert!(
            stderr.contains("is too large: at most 64 MiB are read, includes counted"),
            "{}: {stderr}",
            file.display()
        );
        assert!(started.elapsed() < Duration::from_secs(20));
    }
}

/// `bind` with several addresses listens on each, on the same port, as Redis does; an address
/// written with `-` that this machine does not have is skipped, one without `-` stops start-up;
/// CONFIG GET gives the list back as written.
///
/// Break checked: `EventLoop::bind` ignoring `also_bind` (one listener, as before) → the
/// connection to ::1 is refused, fails.
#[test]
fn several_bind_addresses_are_each_listened_on() {
    // 192.0.2.1 is TEST-NET-1: no interface has it.
    let server = Binary::start(&["--bind", "127.0.0.1", "::1", "-192.0.2.1"]);
    let port = server.addr.port();
    for host in ["127.0.0.1", "[::1]"] {
        let addr: std::net::SocketAddr = format!("{host}:{port}").parse().unwrap();
        let reply = exchange(addr, b"PING\r\n", Duration::from_millis(200));
        assert_eq!(reply, b"+PONG\r\n", "{host}");
    }
    let reply = exchange(
        server.addr,
        b"CONFIG GET bind\r\n",
        Duration::from_millis(200),
    );
    assert_eq!(
        reply,
        b"*2\r\n$4\r\nbind\r\n$24\r\n127.0.0.1 ::1 -192.0.2.1\r\n"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_reactor-server"))
        .args(["--port", "0", "--bind", "127.0.0.1", "192.0.2.1"])
        .stdin(Stdio::null())
        .output()
        .expect("run the server");
    assert!(
        !out.status.success(),
        "started without an address it must have"
    );
}
