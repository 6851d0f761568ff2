//! TLS settings as redis.conf names them (`tls-port`, `tls-cert-file`, `tls-key-file`,
//! `tls-ca-cert-file`, `tls-ca-cert-dir`, `tls-auth-clients`), and the rustls configuration
//! they make.
//!
//! The crypto provider is rustls's `ring`: it builds with a C compiler alone (aws-lc-rs, the
//! default, also wants CMake on some targets and takes several times longer to compile), runs
//! on every tier 1 platform, and its AES-GCM and ChaCha20 are assembly. What it lacks is
//! post-quantum key exchange, which Redis's OpenSSL 3.0 on Debian 12 lacks too. Certificates
//! and keys are PEM, as Redis reads them.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;

use crate::reactor::TlsOptions;

/// `tls-auth-clients`: whether a client must present a certificate the CA signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthClients {
    /// Required (Redis's default).
    #[default]
    Yes,
    /// Not asked for.
    No,
    /// Asked for; a client without one is accepted, one with a bad one is refused.
    Optional,
}

impl AuthClients {
    pub fn name(self) -> &'static str {
        match self {
            AuthClients::Yes => "yes",
            AuthClients::No => "no",
            AuthClients::Optional => "optional",
        }
    }
}

/// The TLS directives. No `port`: no TLS listener.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    /// The TLS listener's port: `None` for none (`tls-port 0`, as in Redis), `Some(0)` for a
    /// free one (embedding programs and tests; the directive cannot ask for it).
    pub port: Option<u16>,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub ca_cert_file: Option<PathBuf>,
    pub ca_cert_dir: Option<PathBuf>,
    pub auth_clients: AuthClients,
    /// `tls-protocols`: `"TLSv1.2 TLSv1.3"` or one of them (None: both).
    pub protocols: Option<String>,
    /// `tls-ciphersuites`: TLS 1.3 suites, OpenSSL's names joined by `:` (None: rustls's).
    pub ciphersuites: Option<String>,
    /// `tls-key-file-pass`: refused at start-up; encrypted keys are not supported.
    pub key_file_pass: Option<String>,
    /// Close a TLS client that has not finished its handshake this long after connecting
    /// (ours: `tls-handshake-timeout-ms`; Redis relies on `timeout`, off by default).
    pub handshake_timeout: Duration,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            port: None,
            cert_file: None,
            key_file: None,
            ca_cert_file: None,
            ca_cert_dir: None,
            auth_clients: AuthClients::default(),
            protocols: None,
            ciphersuites: None,
            key_file_pass: None,
            handshake_timeout: TlsOptions::HANDSHAKE_TIMEOUT,
        }
    }
}

/// The rustls server configuration `settings` describe, or what is wrong with them (a
/// message for the operator: which file, and why).
pub fn server_config(settings: &TlsSettings) -> Result<Arc<rustls::ServerConfig>, String> {
    let (Some(cert_file), Some(key_file)) = (&settings.cert_file, &settings.key_file) else {
        return Err("tls-port needs tls-cert-file and tls-key-file".into());
    };
    let certs = certificates(cert_file).map_err(|e| format!("tls-cert-file {e}"))?;
    if certs.is_empty() {
        return Err(format!(
            "tls-cert-file {}: no certificate in it",
            cert_file.display()
        ));
    }
    let key = match &settings.key_file_pass {
        None => read_bounded(key_file)
            .and_then(|pem| {
                PrivateKeyDer::from_pem_slice(&pem)
                    .map_err(|e| format!("{}: {e}", key_file.display()))
            })
            .map_err(|e| format!("tls-key-file {e}"))?,
        Some(pass) => decrypt_key(key_file, pass)?,
    };
    // rustls 0.23.48 marks ring's provider deprecated because ring has no post-quantum key
    // exchange (X25519MLKEM768, which aws-lc-rs has). Redis on OpenSSL 3.0 has none either;
    // the build-time argument in the module doc stands. Revisit when ring gains ML-KEM.
    #[allow(deprecated)]
    let mut provider = rustls::crypto::ring::default_provider();
    if let Some(names) = &settings.ciphersuites {
        provider.cipher_suites = tls13_suites(&provider.cipher_suites, names)?;
    }
    let provider = Arc::new(provider);
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&protocol_versions(settings.protocols.as_deref())?)
        .map_err(|e| e.to_string())?;
    let builder = match settings.auth_clients {
        AuthClients::No => builder.with_no_client_auth(),
        auth => {
            let roots = ca_roots(settings)?;
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if auth == AuthClients::Optional {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            builder.with_client_cert_verifier(verifier.build().map_err(|e| e.to_string())?)
        }
    };
    let config = builder
        .with_single_cert(certs, key)
        .map_err(|e| format!("tls-cert-file and tls-key-file: {e}"))?;
    Ok(Arc::new(config))
}

/// `tls-key-file` encrypted with `tls-key-file-pass`: an encrypted PKCS#8 key (PEM label
/// `ENCRYPTED PRIVATE KEY`, what `openssl pkcs8 -topk8` and OpenSSL 3's `genpkey -aes256`
/// write; PBES2 with PBKDF2 or scrypt and AES). OpenSSL's older "traditional" encrypted
/// format (`Proc-Type: 4,ENCRYPTED`) is not read: convert it with `openssl pkcs8 -topk8`.
fn decrypt_key(key_file: &Path, pass: &str) -> Result<PrivateKeyDer<'static>, String> {
    use pkcs8::der::Decode;
    let fail = |why: String| {
        format!(
            "tls-key-file {} with tls-key-file-pass: {why}",
            key_file.display()
        )
    };
    let pem = read_bounded(key_file).map_err(fail)?;
    let pem = String::from_utf8(pem).map_err(|e| fail(e.to_string()))?;
    let (label, document) =
        pkcs8::der::SecretDocument::from_pem(&pem).map_err(|e| fail(e.to_string()))?;
    if label != "ENCRYPTED PRIVATE KEY" {
        return Err(fail(format!(
            "expected an encrypted PKCS#8 key (ENCRYPTED PRIVATE KEY), found {label}"
        )));
    }
    let encrypted = pkcs8::EncryptedPrivateKeyInfo::from_der(document.as_bytes())
        .map_err(|e| fail(e.to_string()))?;
    let plain = encrypted
        .decrypt(pass)
        .map_err(|e| fail(format!("cannot decrypt ({e}): a wrong password?")))?;
    Ok(PrivateKeyDer::Pkcs8(plain.as_bytes().to_vec().into()))
}

/// `tls-protocols`, as Redis spells them (`TLSv1.2`, `TLSv1.3`, any case, spaces between).
/// rustls speaks nothing older, so `TLSv1` and `TLSv1.1` are refused, not ignored.
fn protocol_versions(
    protocols: Option<&str>,
) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, String> {
    let Some(protocols) = protocols else {
        return Ok(rustls::DEFAULT_VERSIONS.to_vec());
    };
    let mut versions = Vec::new();
    for name in protocols.split_whitespace() {
        let version = match name.to_ascii_lowercase().as_str() {
            "tlsv1.2" => &rustls::version::TLS12,
            "tlsv1.3" => &rustls::version::TLS13,
            _ => {
                return Err(format!(
                    "tls-protocols: {name} is not supported (TLSv1.2 and TLSv1.3 are)"
                ));
            }
        };
        versions.push(version);
    }
    if versions.is_empty() {
        return Err("tls-protocols: no protocol named".into());
    }
    Ok(versions)
}

/// `tls-ciphersuites`: the TLS 1.3 suites named (OpenSSL's `TLS_AES_128_GCM_SHA256` is
/// rustls's `TLS13_AES_128_GCM_SHA256`), in the order given, and every TLS 1.2 suite (those
/// are `tls-ciphers`, which is not implemented).
fn tls13_suites(
    all: &[rustls::SupportedCipherSuite],
    names: &str,
) -> Result<Vec<rustls::SupportedCipherSuite>, String> {
    let mut chosen = Vec::new();
    for name in names.split(':').filter(|n| !n.is_empty()) {
        let wanted = name.to_ascii_uppercase().replacen("TLS_", "TLS13_", 1);
        let suite = all
            .iter()
            .find(|s| s.tls13().is_some() && s.suite().as_str() == Some(wanted.as_str()))
            .ok_or_else(|| format!("tls-ciphersuites: {name} is not a TLS 1.3 suite rustls has"))?;
        chosen.push(*suite);
    }
    if chosen.is_empty() {
        return Err("tls-ciphersuites: no suite named".into());
    }
    chosen.extend(all.iter().filter(|s| s.tls13().is_none()));
    Ok(chosen)
}

/// The CAs that sign client certificates: `tls-ca-cert-file`, and every PEM file in
/// `tls-ca-cert-dir`.
fn ca_roots(settings: &TlsSettings) -> Result<RootCertStore, String> {
    let mut files: Vec<PathBuf> = settings.ca_cert_file.iter().cloned().collect();
    if let Some(dir) = &settings.ca_cert_dir {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| format!("tls-ca-cert-dir {}: {e}", dir.display()))?;
        files.extend(
            entries
                .flatten()
                .map(|entry| entry.path())
                .filter(|p| p.is_file()),
        );
    }
    if files.is_empty() {
        // Redis's words.
        return Err(
            "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when \
                    tls-cluster, tls-replication or tls-auth-clients are enabled!"
                .into(),
        );
    }
    let mut roots = RootCertStore::empty();
    for file in &files {
        for cert in certificates(file).map_err(|e| format!("tls-ca-cert-file {e}"))? {
            roots
                .add(cert)
                .map_err(|e| format!("CA certificate {}: {e}", file.display()))?;
        }
    }
    Ok(roots)
}

fn certificates(file: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let pem = read_bounded(file)?;
    CertificateDer::pem_slice_iter(&pem)
        .map(|cert| cert.map(CertificateDer::into_owned))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", file.display()))
}

/// The most bytes read from a certificate, key or CA file. A CA bundle of every public root
/// is about 200 KiB; `/dev/zero` given by mistake must be an error, not a server that fills its
/// memory reading a line that never ends.
const MAX_PEM_BYTES: u64 = 4 * 1024 * 1024;

/// The whole of `file`, if it is at most [`MAX_PEM_BYTES`].
fn read_bounded(file: &Path) -> Result<Vec<u8>, String> {
    super::read_at_most(file, MAX_PEM_BYTES)
        .map_err(|e| format!("{}: {e}", file.display()))?
        .ok_or_else(|| {
            format!(
                "{}: larger than {} MiB, not a PEM file",
                file.display(),
                MAX_PEM_BYTES >> 20
            )
        })
}
