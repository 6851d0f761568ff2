//! TLS on the loop: a second listener whose connections carry rustls between the socket and
//! the buffers. Certificates are made here with `rcgen` (a test CA, a server certificate for
//! 127.0.0.1), in a temporary directory. Clients: the real `redis-cli --tls` and
//! `redis-benchmark --tls`, and a rustls client written here to control record boundaries.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{TempDir, command};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use reactor::config::Config;
use reactor::config::tls::{AuthClients, TlsSettings};
use reactor::reactor::Faults;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

/// A test CA, a server certificate and a client certificate it signed, and a client
/// certificate from another CA nobody trusts, as PEM files.
struct Pki {
    dir: TempDir,
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
    client: (PathBuf, PathBuf),
    rogue_client: (PathBuf, PathBuf),
}

fn ca(name: &str) -> (rcgen::Certificate, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let cert = params.self_signed(&key).unwrap();
    (cert, Issuer::new(params, key))
}

/// A certificate for `names` signed by `issuer`, and its key, written as `name.crt`/`name.key`.
fn leaf(
    dir: &TempDir,
    name: &str,
    names: &[&str],
    issuer: &Issuer<'_, KeyPair>,
) -> (PathBuf, PathBuf) {
    let key = KeyPair::generate().unwrap();
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let cert = CertificateParams::new(names)
        .unwrap()
        .signed_by(&key, issuer)
        .unwrap();
    (
        dir.file(&format!("{name}.crt"), &cert.pem()),
        dir.file(&format!("{name}.key"), &key.serialize_pem()),
    )
}

fn pki() -> Pki {
    let dir = TempDir::new("tls");
    let (ca_cert, issuer) = ca("reactor test CA");
    let (cert, key) = leaf(&dir, "server", &["localhost", "127.0.0.1"], &issuer);
    let client = leaf(&dir, "client", &["client"], &issuer);
    let (_, rogue) = ca("nobody's CA");
    let rogue_client = leaf(&dir, "rogue", &["client"], &rogue);
    let ca = dir.file("ca.crt", &ca_cert.pem());
    Pki {
        dir,
        ca,
        cert,
        key,
        client,
        rogue_client,
    }
}

/// A server with a plaintext and a TLS listener (no client certificates asked for).
fn server(pki: &Pki, faults: Faults) -> reactor::ServerHandle {
    server_with(pki, faults, AuthClients::No)
}

fn server_with(pki: &Pki, faults: Faults, auth_clients: AuthClients) -> reactor::ServerHandle {
    let config = Config {
        faults,
        tls: TlsSettings {
            port: Some(0),
            cert_file: Some(pki.cert.clone()),
            key_file: Some(pki.key.clone()),
            ca_cert_file: Some(pki.ca.clone()),
            auth_clients,
            handshake_timeout: Duration::from_millis(300),
            ..TlsSettings::default()
        },
        ..Config::ephemeral()
    };
    reactor::spawn(config).expect("server starts")
}

type TlsStream = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

/// A rustls client that trusts the test CA.
fn tls_connect(addr: SocketAddr, pki: &Pki) -> TlsStream {
    tls_connect_as(addr, pki, None)
}

/// The same, presenting a client certificate (certificate file, key file).
fn tls_connect_as(addr: SocketAddr, pki: &Pki, identity: Option<&(PathBuf, PathBuf)>) -> TlsStream {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&pki.ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    #[allow(deprecated)] // ring's provider: see src/config/tls.rs
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match identity {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => {
            let chain = CertificateDer::pem_file_iter(cert)
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let key = rustls::pki_types::PrivateKeyDer::from_pem_file(key).unwrap();
            builder.with_client_auth_cert(chain, key).unwrap()
        }
    };
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let tcp = common::connect(addr);
    rustls::StreamOwned::new(conn, tcp)
}

fn read_exactly(stream: &mut TlsStream, n: usize) -> Vec<u8> {
    let mut got = vec![0u8; n];
    stream.read_exact(&mut got).expect("the whole reply");
    got
}

fn redis_cli(pki: &Pki, port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["--tls", "--cacert"])
        .arg(&pki.ca)
        .args(["-p", &port.to_string()])
        .args(args)
        .output()
        .expect("redis-cli must be installed (apt-get install redis-tools)");
    assert!(out.status.success(), "redis-cli {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn redis_cli_talks_tls_while_the_plaintext_port_goes_on() {
    let pki = pki();
    let server = server(&pki, Faults::default());
    let tls_port = server.tls_addr().expect("a TLS listener").port();
    assert_eq!(redis_cli(&pki, tls_port, &["PING"]), "PONG\n");
    assert_eq!(redis_cli(&pki, tls_port, &["SET", "k", "secret"]), "OK\n");
    // The same keyspace behind both listeners.
    let plain = common::exchange(
        server.addr(),
        b"GET k\r\n",
        std::time::Duration::from_millis(100),
    );
    assert_eq!(plain, b"$6\r\nsecret\r\n");
    // And the TLS port really speaks TLS: a plaintext PING gets no +PONG.
    let garbage = common::exchange(
        server.tls_addr().unwrap(),
        b"PING\r\n",
        std::time::Duration::from_millis(300),
    );
    assert!(!garbage.starts_with(b"+PONG"), "{garbage:?}");
}

/// Plain TLS and mutual TLS (a client certificate required), unpipelined and at `-P 16`.
#[test]
fn redis_benchmark_over_tls_finishes_without_errors() {
    let pki = pki();
    let plain = server(&pki, Faults::default());
    let mutual = server_with(&pki, Faults::default(), AuthClients::Yes);
    let runs = [
        (&plain, "1", false),
        (&plain, "16", false),
        (&mutual, "1", true),
        (&mutual, "16", true),
    ];
    for (server, pipeline, with_cert) in runs {
        let port = server.tls_addr().unwrap().port().to_string();
        let mut benchmark = Command::new("redis-benchmark");
        if with_cert {
            benchmark
                .arg("--cert")
                .arg(&pki.client.0)
                .arg("--key")
                .arg(&pki.client.1);
        }
        let out = benchmark
            .args(["--tls", "--cacert"])
            .arg(&pki.ca)
            .args(["-p", &port, "-t", "set,get", "-n", "20000", "-P", pipeline])
            .args(["-c", "8", "--csv"])
            .output()
            .expect("redis-benchmark must be installed (apt-get install redis-tools)");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{out:?}");
        assert!(
            text.contains("\"SET\"") && text.contains("\"GET\""),
            "{text}"
        );
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("rror"),
            "{out:?}"
        );
    }
}

/// SET then GET of `len` bytes over `c`: the value comes back unchanged.
fn round_trip(c: &mut TlsStream, len: usize) {
    let value = common::pattern(len);
    c.write_all(&command(&[b"SET", b"big", &value])).unwrap();
    assert_eq!(read_exactly(c, 5), b"+OK\r\n");
    c.write_all(&command(&[b"GET", b"big"])).unwrap();
    let header = format!("${len}\r\n");
    let reply = read_exactly(c, header.len() + len + 2);
    assert!(reply.starts_with(header.as_bytes()) && reply.ends_with(b"\r\n"));
    assert!(
        reply[header.len()..header.len() + len] == value[..],
        "the value came back changed"
    );
}

#[test]
fn a_megabyte_value_crosses_tls_intact() {
    let pki = pki();
    let server = server(&pki, Faults::default());
    round_trip(&mut tls_connect(server.tls_addr().unwrap(), &pki), 1 << 20);
}

/// Every socket read capped at 7 bytes and every write at 5: fault injection sits below TLS,
/// so records arrive and leave in pieces, and the handshake too.
#[test]
fn short_socket_reads_and_writes_under_tls_lose_nothing() {
    let pki = pki();
    let server = server(
        &pki,
        Faults {
            max_read: Some(7),
            max_write: Some(5),
            ..Faults::default()
        },
    );
    round_trip(
        &mut tls_connect(server.tls_addr().unwrap(), &pki),
        64 * 1024,
    );
}

/// The pitfall TLS adds to edge triggering: many records in one socket read. The plaintext of
/// the later ones waits inside rustls after the socket is drained, and no readiness event will
/// come for it. 1,000 PINGs, each its own record, sent in one TCP write: 1,000 PONGs.
#[test]
fn plaintext_buffered_inside_tls_is_served_without_new_readiness() {
    let pki = pki();
    let server = server(&pki, Faults::default());
    let mut c = tls_connect(server.tls_addr().unwrap(), &pki);
    // Finish the handshake first, so the records below go out together.
    c.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_exactly(&mut c, 7), b"+PONG\r\n");
    for _ in 0..1000 {
        // One writer call, one record.
        c.conn.writer().write_all(b"PING\r\n").unwrap();
    }
    c.flush().unwrap();
    let replies = read_exactly(&mut c, 7 * 1000);
    assert!(replies.chunks(7).all(|r| r == b"+PONG\r\n"));
}

#[test]
fn a_missing_certificate_file_stops_start_up_naming_it() {
    let pki = pki();
    let missing = pki.dir.0.join("nope.crt");
    let config = Config {
        tls: TlsSettings {
            port: Some(0),
            cert_file: Some(missing),
            key_file: Some(pki.key.clone()),
            auth_clients: AuthClients::No,
            ..TlsSettings::default()
        },
        ..Config::ephemeral()
    };
    let error = reactor::spawn(config).err().expect("refused");
    assert!(error.to_string().contains("nope.crt"), "{error}");
}

/// A certificate, key or CA file that never ends (`/dev/zero`) stops start-up with an error
/// once 4 MiB are read, instead of growing the memory by a line that never ends.
///
/// Break checked: `read_at_most` without its `take` → the process runs out of the 512 MiB
/// its address space is limited to, and does not print the message, fails.
#[test]
fn a_tls_file_that_never_ends_stops_start_up_with_bounded_memory() {
    let pki = pki();
    let (cert, key, ca) = (
        pki.cert.display().to_string(),
        pki.key.display().to_string(),
        pki.ca.display().to_string(),
    );
    let cases = [
        ("tls-cert-file", ["/dev/zero", &key, &ca]),
        ("tls-key-file", [&cert, "/dev/zero", &ca]),
        ("tls-ca-cert-file", [&cert, &key, "/dev/zero"]),
    ];
    for (name, [cert, key, ca]) in cases {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
            .to_string();
        let out = Command::new("sh")
            .args(["-c", "ulimit -v 524288; exec \"$@\"", "sh"])
            .arg(env!("CARGO_BIN_EXE_reactor-server"))
            .args(["--port", "0", "--tls-port", &port])
            .args([
                "--tls-cert-file",
                cert,
                "--tls-key-file",
                key,
                "--tls-ca-cert-file",
                ca,
            ])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run the server");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name}: started");
        assert!(
            stderr.contains(&format!("{name} /dev/zero: larger than 4 MiB")),
            "{name}: {stderr}"
        );
    }
}

/// Read until the server closes: what arrived, and whether the close was TLS's orderly one
/// (`close_notify`) rather than a bare end of the connection.
fn read_to_end(c: &mut TlsStream) -> (Vec<u8>, bool) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match c.read(&mut buf) {
            Ok(0) => return (got, true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return (got, false),
            Err(e) => panic!("read failed after {} bytes: {e}", got.len()),
        }
    }
}

#[test]
fn quit_ends_with_close_notify_and_a_peers_close_notify_is_an_end_of_input() {
    let pki = pki();
    let server = server(&pki, Faults::default());
    let mut c = tls_connect(server.tls_addr().unwrap(), &pki);
    c.write_all(b"QUIT\r\n").unwrap();
    assert_eq!(read_to_end(&mut c), (b"+OK\r\n".to_vec(), true));
    // The other way: replies owed when the client says close_notify are still sent.
    let mut c = tls_connect(server.tls_addr().unwrap(), &pki);
    c.write_all(b"PING\r\nECHO hi\r\n").unwrap();
    c.conn.send_close_notify();
    c.flush().unwrap();
    let (got, _) = read_to_end(&mut c);
    assert_eq!(got, b"+PONG\r\n$2\r\nhi\r\n");
}

/// A client that connects and says nothing, and one that sends half a ClientHello, are cut
/// off at the handshake deadline (300 ms here), while a real client is served throughout.
#[test]
fn a_client_that_never_finishes_its_handshake_is_cut_off() {
    let pki = pki();
    let server = server(&pki, Faults::default());
    let addr = server.tls_addr().unwrap();
    let silent = common::connect(addr);
    let mut half = common::connect(addr);
    // The first half of a real ClientHello.
    let mut hello = Vec::new();
    tls_connect(addr, &pki).conn.write_tls(&mut hello).unwrap();
    half.write_all(&hello[..hello.len() / 2]).unwrap();
    let started = Instant::now();
    for mut stalled in [silent, half] {
        stalled
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buf = [0u8; 64];
        match stalled.read(&mut buf) {
            Ok(0) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            other => panic!("a stalled handshake was not cut off: {other:?}"),
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let mut good = tls_connect(addr, &pki);
    good.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_exactly(&mut good, 7), b"+PONG\r\n");
}

/// Plaintext on the TLS port: the connection is closed (after rustls's alert), promptly, and
/// everyone else carries on.
#[test]
fn plaintext_on_the_tls_port_is_closed_and_others_carry_on() {
    let pki = pki();
    let server = server(&pki, Faults::default());
    let started = Instant::now();
    let got = common::exchange(
        server.tls_addr().unwrap(),
        b"PING\r\n",
        Duration::from_secs(5),
    );
    assert!(got.ends_with(b"<EOF>"), "not closed: {got:?}");
    assert!(!got.starts_with(b"+PONG"));
    assert!(started.elapsed() < Duration::from_secs(2));
    let mut good = tls_connect(server.tls_addr().unwrap(), &pki);
    good.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_exactly(&mut good, 7), b"+PONG\r\n");
}

fn ping_over(c: &mut TlsStream) -> std::io::Result<Vec<u8>> {
    c.write_all(b"PING\r\n")?;
    let mut reply = vec![0u8; 7];
    c.read_exact(&mut reply)?;
    Ok(reply)
}

#[test]
fn mutual_tls_accepts_the_cas_clients_and_refuses_the_rest() {
    let pki = pki();
    let required = server_with(&pki, Faults::default(), AuthClients::Yes);
    let addr = required.tls_addr().unwrap();
    let mut signed = tls_connect_as(addr, &pki, Some(&pki.client));
    assert_eq!(ping_over(&mut signed).unwrap(), b"+PONG\r\n");
    assert!(
        ping_over(&mut tls_connect(addr, &pki)).is_err(),
        "no certificate, yet served"
    );
    assert!(
        ping_over(&mut tls_connect_as(addr, &pki, Some(&pki.rogue_client))).is_err(),
        "an untrusted certificate, yet served"
    );
    // redis-cli presents one the way Redis users do.
    let port = addr.port().to_string();
    let out = Command::new("redis-cli")
        .args(["--tls", "--cacert"])
        .arg(&pki.ca)
        .arg("--cert")
        .arg(&pki.client.0)
        .arg("--key")
        .arg(&pki.client.1)
        .args(["-p", &port, "PING"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "PONG\n");

    let optional = server_with(&pki, Faults::default(), AuthClients::Optional);
    let addr = optional.tls_addr().unwrap();
    assert_eq!(
        ping_over(&mut tls_connect(addr, &pki)).unwrap(),
        b"+PONG\r\n"
    );
    assert_eq!(
        ping_over(&mut tls_connect_as(addr, &pki, Some(&pki.client))).unwrap(),
        b"+PONG\r\n"
    );
    assert!(ping_over(&mut tls_connect_as(addr, &pki, Some(&pki.rogue_client))).is_err());
}

/// What a TLS client sees of itself: CONFIG GET tls-*, INFO's tls_port, and CLIENT LIST's
/// laddr (the TLS port) telling its connection from a plaintext one.
#[test]
fn config_info_and_client_list_show_the_tls_side() {
    let pki = pki();
    let server = server(&pki, Faults::default());
    let tls_port = server.tls_addr().unwrap().port();
    let mut c = tls_connect(server.tls_addr().unwrap(), &pki);
    c.write_all(b"CONFIG GET tls-port\r\n").unwrap();
    let port = tls_port.to_string();
    let expected = format!("*2\r\n$8\r\ntls-port\r\n${}\r\n{port}\r\n", port.len());
    assert_eq!(read_exactly(&mut c, expected.len()), expected.as_bytes());
    c.write_all(b"CONFIG GET tls-auth-clients\r\n").unwrap();
    let expected = b"*2\r\n$16\r\ntls-auth-clients\r\n$2\r\nno\r\n";
    assert_eq!(read_exactly(&mut c, expected.len()), expected);
    let info = redis_cli(&pki, tls_port, &["INFO", "server"]);
    assert!(info.contains(&format!("tls_port:{tls_port}\r\n")), "{info}");
    let list = redis_cli(&pki, tls_port, &["CLIENT", "LIST"]);
    let own = list.lines().find(|l| l.contains("cmd=client")).unwrap();
    assert!(
        own.contains(&format!("laddr=127.0.0.1:{tls_port} ")),
        "{list}"
    );
}

/// A client that speaks only `versions` and offers only `suites` (None: all of ring's).
fn restricted_client(
    addr: SocketAddr,
    pki: &Pki,
    versions: &[&'static rustls::SupportedProtocolVersion],
    suite: Option<rustls::CipherSuite>,
) -> TlsStream {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&pki.ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    #[allow(deprecated)] // ring's provider: see src/config/tls.rs
    let mut provider = rustls::crypto::ring::default_provider();
    if let Some(suite) = suite {
        provider.cipher_suites.retain(|s| s.suite() == suite);
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    rustls::StreamOwned::new(conn, common::connect(addr))
}

fn server_configured(
    pki: &Pki,
    edit: impl FnOnce(&mut TlsSettings),
) -> std::io::Result<reactor::ServerHandle> {
    let mut tls = TlsSettings {
        port: Some(0),
        cert_file: Some(pki.cert.clone()),
        key_file: Some(pki.key.clone()),
        auth_clients: AuthClients::No,
        ..TlsSettings::default()
    };
    edit(&mut tls);
    reactor::spawn(Config {
        tls,
        ..Config::ephemeral()
    })
}

#[test]
fn tls_protocols_and_ciphersuites_limit_what_a_client_may_use() {
    use rustls::CipherSuite::{TLS13_AES_128_GCM_SHA256, TLS13_CHACHA20_POLY1305_SHA256};
    use rustls::version::{TLS12, TLS13};
    let pki = pki();
    let only13 = server_configured(&pki, |t| t.protocols = Some("TLSv1.3".into())).unwrap();
    let addr = only13.tls_addr().unwrap();
    assert!(ping_over(&mut restricted_client(addr, &pki, &[&TLS12], None)).is_err());
    assert_eq!(
        ping_over(&mut restricted_client(addr, &pki, &[&TLS13], None)).unwrap(),
        b"+PONG\r\n"
    );
    let chacha = server_configured(&pki, |t| {
        t.ciphersuites = Some("TLS_CHACHA20_POLY1305_SHA256".into());
        t.protocols = Some("tlsv1.3".into());
    })
    .unwrap();
    let addr = chacha.tls_addr().unwrap();
    let aes_only = Some(TLS13_AES_128_GCM_SHA256);
    assert!(ping_over(&mut restricted_client(addr, &pki, &[&TLS13], aes_only)).is_err());
    let mut c = restricted_client(addr, &pki, &[&TLS13], Some(TLS13_CHACHA20_POLY1305_SHA256));
    assert_eq!(ping_over(&mut c).unwrap(), b"+PONG\r\n");
    // What rustls cannot do is refused at start-up, not ignored.
    for edit in [
        (|t: &mut TlsSettings| t.protocols = Some("TLSv1.1".into())) as fn(&mut TlsSettings),
        |t| t.ciphersuites = Some("TLS_NO_SUCH_SUITE".into()),
    ] {
        assert!(server_configured(&pki, edit).is_err());
    }
}

fn reactor_cli(port: u16, args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_reactor-cli"))
        .args(["-p", &port.to_string()])
        .args(args)
        .output()
        .unwrap()
}

/// `reactor-cli --tls` as redis-cli spells it: `--cacert`, `--cert`/`--key` for mutual TLS,
/// `--sni`, `--insecure`; and a server certificate the client must refuse: untrusted, for
/// another name, or expired.
#[test]
fn reactor_cli_speaks_tls_and_refuses_what_it_must() {
    use std::ffi::OsStr;
    let pki = pki();
    let server = server_with(&pki, Faults::default(), AuthClients::Optional);
    let port = server.tls_addr().unwrap().port();
    let cacert = pki.ca.as_os_str();
    let ok = |args: &[&OsStr]| {
        let out = reactor_cli(port, args);
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let refused = |args: &[&OsStr]| {
        let out = reactor_cli(port, args);
        assert!(!out.status.success(), "{args:?} succeeded: {out:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let tls = OsStr::new("--tls");
    let ping = OsStr::new("PING");
    assert_eq!(ok(&[tls, "--cacert".as_ref(), cacert, ping]), "PONG\n");
    let (cert, key) = (pki.client.0.as_os_str(), pki.client.1.as_os_str());
    let with_cert = [
        tls,
        "--cacert".as_ref(),
        cacert,
        "--cert".as_ref(),
        cert,
        "--key".as_ref(),
        key,
        ping,
    ];
    assert_eq!(ok(&with_cert), "PONG\n");
    assert!(refused(&[tls, ping]).contains("UnknownIssuer"));
    let wrong_name = [
        tls,
        "--cacert".as_ref(),
        cacert,
        "--sni".as_ref(),
        "elsewhere.example".as_ref(),
        ping,
    ];
    assert!(refused(&wrong_name).contains("not valid for name"));
    assert_eq!(ok(&[tls, "--insecure".as_ref(), ping]), "PONG\n");

    // A server whose certificate expired yesterday... in 2001.
    let (expired_ca, issuer) = ca("expired test CA");
    let key_pair = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    params.not_before = rcgen::date_time_ymd(2000, 1, 1);
    params.not_after = rcgen::date_time_ymd(2001, 1, 1);
    let cert = params.signed_by(&key_pair, &issuer).unwrap();
    let expired = server_configured(&pki, |t| {
        t.cert_file = Some(pki.dir.file("expired.crt", &cert.pem()));
        t.key_file = Some(pki.dir.file("expired.key", &key_pair.serialize_pem()));
    })
    .unwrap();
    let ca_file = pki.dir.file("expired-ca.crt", &expired_ca.pem());
    let out = reactor_cli(
        expired.tls_addr().unwrap().port(),
        &[tls, "--cacert".as_ref(), ca_file.as_os_str(), ping],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("certificate expired"),
        "{out:?}"
    );
}

/// The client library's long pipeline over TLS (written in windows, since one session cannot
/// be written on one thread while read on another): 200,000 commands, every reply in order.
#[test]
fn the_client_library_pipelines_200000_commands_over_tls() {
    let pki = pki();
    let server = server(&pki, Faults::default());
    let options = reactor::client::tls::TlsClientOptions {
        ca_cert: Some(pki.ca.clone()),
        ..Default::default()
    };
    let config = reactor::client::tls::client_config(&options).unwrap();
    let name = reactor::client::tls::server_name(&options, "127.0.0.1").unwrap();
    let mut c = reactor::client::Connection::connect_tls(
        server.tls_addr().unwrap(),
        Duration::from_secs(10),
        config,
        name,
    )
    .unwrap();
    let commands: Vec<Vec<Vec<u8>>> = (0..200_000)
        .map(|_| vec![b"INCR".to_vec(), b"n".to_vec()])
        .collect();
    let replies = c.pipeline(&commands).unwrap();
    assert_eq!(replies.len(), 200_000);
    assert_eq!(
        replies.last(),
        Some(&reactor::client::Reply::Integer(200_000))
    );
}

/// `reactor-bench --tls`, its own mio loop speaking TLS through the same `reactor::tls`
/// functions as the server, unpipelined and at `-P 16`.
#[test]
fn reactor_bench_over_tls_runs_without_errors() {
    let pki = pki();
    let server = server(&pki, Faults::default());
    let port = server.tls_addr().unwrap().port().to_string();
    for pipeline in ["1", "16"] {
        let out = Command::new(env!("CARGO_BIN_EXE_reactor-bench"))
            .args(["--tls", "--cacert"])
            .arg(&pki.ca)
            .args([
                "-p", &port, "-t", "set,get", "-n", "4000", "-c", "4", "-P", pipeline,
            ])
            .arg("--csv")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("\"SET\"") && text.contains("\"GET\""),
            "{text}"
        );
    }
    let plain = common::exchange(server.addr(), b"DBSIZE\r\n", Duration::from_millis(100));
    assert_eq!(plain, b":1\r\n", "the SETs landed");
}

/// The `redis` crate (a real client library) with its rustls feature: `rediss://` with our CA.
#[test]
fn the_redis_crate_speaks_tls_to_us() {
    #[allow(deprecated)] // ring's provider: see src/config/tls.rs
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pki = pki();
    let server = server(&pki, Faults::default());
    let url = format!("rediss://127.0.0.1:{}", server.tls_addr().unwrap().port());
    let certificates = redis::TlsCertificates {
        client_tls: None,
        root_cert: Some(std::fs::read(&pki.ca).unwrap()),
    };
    let client = redis::Client::build_with_tls(url, certificates).unwrap();
    let mut conn = client.get_connection().unwrap();
    let big = "x".repeat(100_000);
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg(&big)
        .query(&mut conn)
        .unwrap();
    let got: String = redis::cmd("GET").arg("k").query(&mut conn).unwrap();
    assert_eq!(got, big);
    let mut pipe = redis::pipe();
    for _ in 0..1000 {
        pipe.cmd("INCR").arg("n");
    }
    let counts: Vec<i64> = pipe.query(&mut conn).unwrap();
    assert_eq!(counts.last(), Some(&1000));
}

/// Output limits see through TLS: a TLS subscriber that stops reading is cut off at the
/// pubsub limit, as a plaintext one is (rustls holds at most its own small buffer; the rest
/// waits in the connection's output, where the limit counts it).
#[test]
fn a_tls_subscriber_that_stops_reading_is_cut_off_at_its_output_limit() {
    let pki = pki();
    let server = server(&pki, Faults::default());
    let setup = common::exchange(
        server.addr(),
        b"CONFIG SET client-output-buffer-limit \"pubsub 256kb 0 0\"\r\n",
        Duration::from_millis(100),
    );
    assert_eq!(setup, b"+OK\r\n");
    let mut slow = tls_connect(server.tls_addr().unwrap(), &pki);
    slow.write_all(b"SUBSCRIBE ch\r\n").unwrap();
    let confirmed = b"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n";
    assert_eq!(read_exactly(&mut slow, confirmed.len()), confirmed);
    // Never read again. Publish 64 KiB messages until nobody receives them.
    let mut publisher = common::connect(server.addr());
    let payload = vec![b'x'; 64 * 1024];
    let message = command(&[b"PUBLISH", b"ch", &payload]);
    let mut sent = 0;
    loop {
        publisher.write_all(&message).unwrap();
        sent += 1;
        if common::read_n(&mut publisher, 4) == b":0\r\n" || sent == 400 {
            break;
        }
    }
    assert!(sent < 200, "not cut off after {sent} messages");
}

/// Redis's way of asking for TLS only: `port 0` beside a real `tls-port`. No plaintext
/// listener; INFO and CONFIG GET report port 0, as Redis does. (With the embedding API's free
/// TLS port, `TlsSettings::port` at `Some(0)`, `port 0` keeps meaning any free port too: the
/// other tests rely on it.)
#[test]
fn port_0_beside_a_tls_port_means_tls_only() {
    let pki = pki();
    let tls_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = server_configured(&pki, |t| t.port = Some(tls_port)).unwrap();
    assert_eq!(server.tls_addr().unwrap().port(), tls_port);
    assert_eq!(
        server.addr(),
        server.tls_addr().unwrap(),
        "no plaintext listener"
    );
    let mut c = tls_connect(server.tls_addr().unwrap(), &pki);
    c.write_all(b"CONFIG GET port\r\n").unwrap();
    let expected = b"*2\r\n$4\r\nport\r\n$1\r\n0\r\n";
    assert_eq!(read_exactly(&mut c, expected.len()), expected);
    let info = redis_cli(&pki, tls_port, &["INFO", "server"]);
    assert!(info.contains("tcp_port:0\r\n"), "{info}");
    assert!(info.contains(&format!("tls_port:{tls_port}\r\n")), "{info}");
}

/// `tls-key-file-pass`: an encrypted PKCS#8 key (as `openssl pkcs8 -topk8` writes one, made
/// here with the `pkcs8` crate) is decrypted at start-up; a wrong password stops start-up.
#[test]
fn an_encrypted_key_opens_with_tls_key_file_pass() {
    use pkcs8::der::pem::LineEnding;
    let pki = pki();
    let (ca_cert, issuer) = ca("encrypted-key CA");
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let der = key.serialize_der();
    let info = pkcs8::PrivateKeyInfo::try_from(der.as_slice()).unwrap();
    let (salt, iv) = ([7u8; 16], [9u8; 16]);
    let params =
        pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(2048, &salt, &iv).unwrap();
    let encrypted = info.encrypt_with_params(params, "s3cret").unwrap();
    let pem = encrypted
        .to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF)
        .unwrap();
    let key_file = pki.dir.file("encrypted.key", &pem);
    let cert_file = pki.dir.file("encrypted.crt", &cert.pem());
    let with_pass = |pass: &str| {
        server_configured(&pki, |t| {
            t.cert_file = Some(cert_file.clone());
            t.key_file = Some(key_file.clone());
            t.key_file_pass = Some(pass.to_string());
        })
    };
    let server = with_pass("s3cret").expect("the key opens");
    let ca_file = pki.dir.file("encrypted-ca.crt", &ca_cert.pem());
    let out = Command::new("redis-cli")
        .args(["--tls", "--cacert"])
        .arg(&ca_file)
        .args(["-p", &server.tls_addr().unwrap().port().to_string(), "PING"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "PONG\n");
    let error = with_pass("wrong").err().expect("refused");
    assert!(error.to_string().contains("wrong password"), "{error}");
}

/// `tls-port 0` is "no TLS listener", as in Redis: no certificate is asked for, and the server
/// serves plaintext alone, reporting `tls_port:0`.
///
/// Break checked: the directive storing `Some(0)` (a free port, as before) → start-up stops for
/// want of `tls-cert-file`, fails.
#[test]
fn tls_port_0_means_no_tls_listener_as_in_redis() {
    let server = common::Binary::start(&["--tls-port", "0"]);
    let mut c = common::connect(server.addr);
    c.write_all(b"CONFIG GET tls-port\r\nINFO server\r\n")
        .unwrap();
    let expected = b"*2\r\n$8\r\ntls-port\r\n$1\r\n0\r\n";
    assert_eq!(common::read_n(&mut c, expected.len()), expected);
    let mut info = Vec::new();
    let mut buf = [0u8; 8192];
    while !info.ends_with(b"\r\n\r\n") {
        let n = c.read(&mut buf).unwrap();
        assert!(n > 0, "closed");
        info.extend_from_slice(&buf[..n]);
    }
    let info = String::from_utf8_lossy(&info);
    assert!(info.contains("tls_port:0\r\n"), "{info}");
}

/// CONFIG SET tls-port moves the TLS listener while the server runs (an open TLS session
/// carries on) and 0 closes it, as Redis does; INFO and CONFIG GET say which port.
///
/// Break checked: handing the new TLS listener no session configuration (`tls: None` in
/// `listen`) makes it speak plaintext, and the handshake fails.
#[test]
fn config_set_tls_port_moves_and_closes_the_tls_listener() {
    let pki = pki();
    let server = server(&pki, Faults::default());
    let old = server.tls_addr().expect("a TLS listener");
    let mut open = tls_connect(old, &pki);
    assert!(ping_over(&mut open).is_ok());
    let mut admin = common::connect(server.addr());
    let mut ask = |args: &[&[u8]]| -> String {
        admin.write_all(&common::command(args)).unwrap();
        let mut reply = vec![0u8; 4096];
        let n = admin.read(&mut reply).unwrap();
        String::from_utf8_lossy(&reply[..n]).into_owned()
    };
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let port_text = port.to_string();
    assert_eq!(
        ask(&[b"CONFIG", b"SET", b"tls-port", port_text.as_bytes()]),
        "+OK\r\n"
    );
    let moved = SocketAddr::from(([127, 0, 0, 1], port));
    assert_eq!(
        ping_over(&mut tls_connect(moved, &pki)).unwrap(),
        b"+PONG\r\n"
    );
    assert!(
        TcpStream::connect(old).is_err(),
        "the old TLS port still listens"
    );
    assert!(ping_over(&mut open).is_ok(), "the open session was dropped");
    assert!(ask(&[b"INFO", b"server"]).contains(&format!("tls_port:{port}\r\n")));

    assert_eq!(ask(&[b"CONFIG", b"SET", b"tls-port", b"0"]), "+OK\r\n");
    let closed = (0..200).any(|_| {
        std::thread::sleep(Duration::from_millis(10));
        TcpStream::connect(moved).is_err()
    });
    assert!(closed, "tls-port 0 left the TLS listener open");
    assert!(ask(&[b"CONFIG", b"GET", b"tls-port"]).ends_with("$1\r\n0\r\n"));
}

/// CONFIG SET reloads the TLS configuration for new connections, as Redis does: asking for
/// client certificates refuses a client without one from then on while an open TLS session
/// carries on; a certificate file that does not load is refused with Redis's words and the old
/// configuration keeps serving; narrowing `tls-protocols` refuses an older client.
///
/// Break checked: not handing the new configuration to the loop (`Ctx::set_tls_config`) keeps
/// serving the client without a certificate; not reloading for `tls-protocols` (left out of
/// `is_tls`) serves the TLSv1.2 client.
#[test]
fn config_set_reloads_tls_for_new_connections() {
    let pki = pki();
    let server = server(&pki, Faults::default());
    let addr = server.tls_addr().expect("a TLS listener");
    let mut open = tls_connect(addr, &pki);
    assert!(ping_over(&mut open).is_ok());
    let mut admin = common::connect(server.addr());
    let set = |admin: &mut TcpStream, args: &[&[u8]]| -> Vec<u8> {
        admin.write_all(&common::command(args)).unwrap();
        let mut reply = vec![0u8; 512];
        let n = admin.read(&mut reply).unwrap();
        reply.truncate(n);
        reply
    };
    assert_eq!(
        set(
            &mut admin,
            &[b"CONFIG", b"SET", b"tls-auth-clients", b"yes"]
        ),
        b"+OK\r\n"
    );
    assert!(
        ping_over(&mut tls_connect(addr, &pki)).is_err(),
        "no certificate, yet served after tls-auth-clients yes"
    );
    assert!(ping_over(&mut tls_connect_as(addr, &pki, Some(&pki.client))).is_ok());
    assert!(ping_over(&mut open).is_ok(), "the open session was dropped");

    let missing = pki.dir.0.join("nosuch.crt");
    let missing = missing.to_string_lossy().into_owned();
    assert_eq!(
        String::from_utf8_lossy(&set(
            &mut admin,
            &[b"CONFIG", b"SET", b"tls-cert-file", missing.as_bytes()]
        )),
        "-ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to \
         update TLS configuration. Check server logs.\r\n"
    );
    assert!(ping_over(&mut tls_connect_as(addr, &pki, Some(&pki.client))).is_ok());

    // The protocol versions too: TLSv1.3 only refuses a TLSv1.2 client from then on; what
    // rustls cannot do (TLSv1.1) is refused and changes nothing.
    use rustls::version::{TLS12, TLS13};
    let only13 = [
        &b"CONFIG"[..],
        b"SET",
        b"tls-protocols",
        b"TLSv1.3",
        b"tls-auth-clients",
        b"no",
    ];
    assert_eq!(set(&mut admin, &only13), b"+OK\r\n");
    assert!(ping_over(&mut restricted_client(addr, &pki, &[&TLS12], None)).is_err());
    assert!(ping_over(&mut restricted_client(addr, &pki, &[&TLS13], None)).is_ok());
    let old = [&b"CONFIG"[..], b"SET", b"tls-protocols", b"TLSv1.1"];
    assert!(set(&mut admin, &old).starts_with(b"-ERR CONFIG SET failed"));
    let get = [&b"CONFIG"[..], b"GET", b"tls-protocols"];
    assert!(set(&mut admin, &get).ends_with(b"$7\r\nTLSv1.3\r\n"));
}
