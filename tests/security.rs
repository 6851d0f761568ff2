//! AUTH and the limits that apply before it (reply bytes captured from redis-server 7.0.15
//! started with `--requirepass secret`).

mod common;

use std::time::Duration;

use reactor::config::Config;

fn with_password() -> reactor::ServerHandle {
    reactor::spawn(Config {
        requirepass: Some(b"secret".to_vec()),
        ..Config::ephemeral()
    })
    .unwrap()
}

fn exchange(server: &reactor::ServerHandle, request: &[u8]) -> Vec<u8> {
    common::exchange(server.addr(), request, Duration::from_millis(300))
}

fn assert_exchange(server: &reactor::ServerHandle, request: &[u8], expected: &[u8]) {
    let got = exchange(server, request);
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(expected),
        "for {:?}",
        String::from_utf8_lossy(request)
    );
}

#[test]
fn requirepass_allows_only_auth_hello_quit_reset_until_authenticated() {
    let server = with_password();
    assert_exchange(
        &server,
        b"PING\r\nECHO a\r\nFOO\r\nAUTH\r\nAUTH x\r\nAUTH default x\r\nAUTH bob secret\r\nHELLO\r\nRESET\r\nSUBSCRIBE a\r\n",
        b"-NOAUTH Authentication required.\r\n\
          -NOAUTH Authentication required.\r\n\
          -ERR unknown command 'FOO', with args beginning with: \r\n\
          -ERR wrong number of arguments for 'auth' command\r\n\
          -WRONGPASS invalid username-password pair or user is disabled.\r\n\
          -WRONGPASS invalid username-password pair or user is disabled.\r\n\
          -WRONGPASS invalid username-password pair or user is disabled.\r\n\
          -NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n\
          +RESET\r\n\
          -NOAUTH Authentication required.\r\n",
    );
    assert_exchange(&server, b"AUTH secret\r\nPING\r\n", b"+OK\r\n+PONG\r\n");
    assert_exchange(
        &server,
        b"AUTH default secret\r\nECHO hi\r\nQUIT\r\n",
        b"+OK\r\n$2\r\nhi\r\n+OK\r\n<EOF>",
    );
    assert_exchange(
        &server,
        b"HELLO 2 AUTH default bad\r\nPING\r\n",
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n\
          -NOAUTH Authentication required.\r\n",
    );
    let hello = exchange(&server, b"HELLO 2 AUTH default secret\r\nPING\r\n");
    assert!(hello.starts_with(b"*14\r\n$6\r\nserver\r\n"), "{hello:?}");
    assert!(hello.ends_with(b"+PONG\r\n"), "{hello:?}");
}

#[test]
fn unauthenticated_clients_get_tight_request_limits() {
    let server = with_password();
    assert_exchange(
        &server,
        b"*11\r\n",
        b"-ERR Protocol error: unauthenticated multibulk length\r\n<EOF>",
    );
    assert_exchange(
        &server,
        b"*2\r\n$16385\r\n",
        b"-ERR Protocol error: unauthenticated bulk length\r\n<EOF>",
    );
    // At the limit: accepted (the request is just incomplete).
    assert_exchange(&server, b"*10\r\n$16384\r\n", b"");
    // Once authenticated, the ordinary limits apply.
    let big = format!("*2\r\n$4\r\nECHO\r\n$20000\r\n{}\r\n", "x".repeat(20000));
    let mut request = b"AUTH secret\r\n".to_vec();
    request.extend_from_slice(big.as_bytes());
    let got = exchange(&server, &request);
    assert!(got.starts_with(b"+OK\r\n$20000\r\nxxx"), "{:?}", &got[..20]);
}

#[test]
fn auth_without_a_configured_password_is_an_error() {
    let server = reactor::spawn(Config::ephemeral()).unwrap();
    assert_exchange(
        &server,
        b"AUTH x\r\nAUTH a b\r\nPING\r\n",
        b"-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n\
          -WRONGPASS invalid username-password pair or user is disabled.\r\n+PONG\r\n",
    );
}

#[test]
fn protected_mode_still_serves_loopback_clients() {
    // Protected mode is on by default; loopback peers are never refused. (Refusing a
    // non-loopback peer is pinned by the unit test in src/server/commands/auth.rs: tests here may only
    // send traffic to loopback.)
    let server = reactor::spawn(Config {
        protected_mode: true,
        ..Config::ephemeral()
    })
    .unwrap();
    assert_exchange(&server, b"PING\r\n", b"+PONG\r\n");
}
