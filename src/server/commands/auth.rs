//! Who may talk to the server: AUTH with `requirepass`, and protected mode.
//!
//! Chapter: [docs/14-limits-faults-fuzzing.md](../../../docs/14-limits-faults-fuzzing.md).
//!
//! ```text
//! AUTH password              +OK | -WRONGPASS invalid username-password pair or user is disabled.
//! AUTH default password      (the two-argument form; only the user `default` exists)
//! HELLO 2 AUTH default pw    authenticate and say hello in one go
//! ```
//!
//! With `requirepass` set, a new client may run only AUTH, HELLO, QUIT and RESET; everything
//! else gets `-NOAUTH Authentication required.`. Until it authenticates its requests are also
//! held to tighter parser limits (10 arguments, 16 KiB each), so an anonymous peer cannot make
//! the server reserve large buffers. The password comparison takes the same time whatever the
//! input, so timing cannot reveal how many leading bytes were right.
//!
//! *Protected mode* (on by default, as in Redis): with no password set, a client connecting
//! from anywhere but loopback is told why (`-DENIED ...`) and disconnected. A server
//! accidentally exposed to a network is then not an open database.

use std::net::SocketAddr;

use crate::resp::Request;

use crate::server::State;
use crate::server::command::{Command, Exec};

/// Redis's explanation for a client refused by protected mode.
pub const DENIED: &[u8] = b"-DENIED Redis is running in protected mode because protected mode is \
enabled and no password is set for the default user. In this mode connections are only accepted \
from the loopback interface. If you want to connect from external computers to Redis you may \
adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG \
SET protected-mode no' from the loopback interface by connecting to Redis from the same host the \
server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. \
Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the \
protected mode by editing the Redis configuration file, and setting the protected mode option to \
'no', and then restarting the server. 3) If you started the server manually just for testing, \
restart it with the '--protected-mode no' option. 4) Set up an authentication password for the \
default user. NOTE: You only need to do one of the above things in order for the server to start \
accepting connections from the outside.\r\n";

pub const NOAUTH: &str = "NOAUTH Authentication required.";
const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

/// Whether protected mode refuses a client connecting from `peer`.
pub fn protected_mode_denies(state: &State, peer: SocketAddr) -> bool {
    state.config.protected_mode && state.config.requirepass.is_none() && !is_local(peer)
}

/// Loopback, including IPv4 loopback mapped into IPv6.
fn is_local(peer: SocketAddr) -> bool {
    match peer {
        SocketAddr::V4(v4) => v4.ip().is_loopback(),
        SocketAddr::V6(v6) => {
            v6.ip().is_loopback() || v6.ip().to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Compare in time that depends only on the lengths, never on where the first difference is.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let longest = a.len().max(b.len());
    let mut diff = (a.len() != b.len()) as u8;
    for i in 0..longest {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0);
    }
    diff == 0
}

/// Check `user`/`password` against `requirepass` (the only user is `default`).
pub fn credentials_ok(state: &State, user: &[u8], password: &[u8]) -> bool {
    let Some(expected) = state.config.requirepass.as_deref() else {
        return false;
    };
    // Evaluate both comparisons so the user name does not short-circuit the timing either.
    let user_ok = constant_time_eq(user, b"default");
    let password_ok = constant_time_eq(password, expected);
    user_ok & password_ok
}

// One command per line: the table reads as a table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("auth", -2, &["noscript", "loading", "stale", "fast", "no_auth", "sentinel", "allow_busy"], auth).acl(&["connection"]),
];

/// `AUTH [username] password`
fn auth(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    if req.len() > 3 {
        return exec.syntax_error();
    }
    let (user, password) = if req.len() == 2 {
        if exec.state.config.requirepass.is_none() {
            return exec.error(
                "ERR AUTH <password> called without any password configured for the default \
                 user. Are you sure your configuration is correct?",
            );
        }
        (&b"default"[..], req.arg(1))
    } else {
        (req.arg(1), req.arg(2))
    };
    if try_authenticate(exec, user, password) {
        exec.ok();
    } else {
        exec.error(WRONGPASS);
    }
}

/// Authenticate the current client if the credentials are right. With no password configured
/// every client is already authenticated, and AUTH with a user name still checks (and fails
/// unless the name is `default`... Redis's default user has no password then, so any password
/// is accepted for it).
pub fn try_authenticate(exec: &mut Exec<'_, '_>, user: &[u8], password: &[u8]) -> bool {
    let ok = match exec.state.config.requirepass {
        Some(_) => credentials_ok(exec.state, user, password),
        None => constant_time_eq(user, b"default"),
    };
    if ok {
        exec.client.authenticated = true;
    }
    ok
}

/// The reply HELLO gives an unauthenticated client that did not pass AUTH.
pub const HELLO_NOAUTH: &str = "NOAUTH HELLO must be called with the client already \
authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the \
client and select the RESP protocol version at the same time";

#[cfg(test)]
mod tests {
    use crate::server::commands::auth::*;

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret1"));
        assert!(!constant_time_eq(b"", b"a"));
    }

    /// The decision `Server::open` acts on. (A socket test cannot show a non-loopback peer:
    /// tests may only send traffic to loopback.)
    #[test]
    fn protected_mode_refuses_only_remote_peers_without_a_password() {
        use crate::config::Config;
        use crate::server::Server;
        let remote: SocketAddr = "10.1.2.3:4000".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        let state = |config: Config| Server::new(config, 0).state;
        let default = state(Config::default());
        assert!(protected_mode_denies(&default, remote));
        assert!(!protected_mode_denies(&default, local));
        let with_password = state(Config {
            requirepass: Some(b"pw".to_vec()),
            ..Config::default()
        });
        assert!(!protected_mode_denies(&with_password, remote));
        let unprotected = state(Config {
            protected_mode: false,
            ..Config::default()
        });
        assert!(!protected_mode_denies(&unprotected, remote));
    }

    #[test]
    fn loopback_is_local_and_nothing_else() {
        for local in [
            "127.0.0.1:1",
            "127.9.9.9:1",
            "[::1]:1",
            "[::ffff:127.0.0.1]:1",
        ] {
            assert!(is_local(local.parse().unwrap()), "{local}");
        }
        for remote in [
            "10.0.0.1:1",
            "192.168.1.1:1",
            "[2001:db8::1]:1",
            "[::ffff:10.0.0.1]:1",
        ] {
            assert!(!is_local(remote.parse().unwrap()), "{remote}");
        }
    }
}
