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

use common::{TempDir, command};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use reactor::config::Config;
use reactor::config::tls::{AuthClients, TlsSettings};
use reactor::reactor::Faults;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

/// A test CA and a server certificate it signed, as PEM files.
struct Pki {
    dir: TempDir,
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

fn pki() -> Pki {
    let dir = TempDir::new("tls");
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "reactor test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let server_params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let server_cert = server_params.signed_by(&server_key, &issuer).unwrap();
    let ca = dir.file("ca.crt", &ca_cert.pem());
    let cert = dir.file("server.crt", &server_cert.pem());
    let key = dir.file("server.key", &server_key.serialize_pem());
    Pki { dir, ca, cert, key }
}

/// A server with a plaintext and a TLS listener (no client certificates asked for).
fn server(pki: &Pki, faults: Faults) -> reactor::ServerHandle {
    let config = Config {
        faults,
        tls: TlsSettings {
            port: Some(0),
            cert_file: Some(pki.cert.clone()),
            key_file: Some(pki.key.clone()),
            auth_clients: AuthClients::No,
            ..TlsSettings::default()
        },
        ..Config::ephemeral()
    };
    reactor::spawn(config).expect("server starts")
}

type TlsStream = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

/// A rustls client that trusts the test CA.
fn tls_connect(addr: SocketAddr, pki: &Pki) -> TlsStream {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&pki.ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    #[allow(deprecated)] // ring's provider: see src/config/tls.rs
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
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

#[test]
fn redis_benchmark_over_tls_finishes_without_errors() {
    let pki = pki();
    let server = server(&pki, Faults::default());
    let port = server.tls_addr().unwrap().port().to_string();
    for pipeline in ["1", "16"] {
        let out = Command::new("redis-benchmark")
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
