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

use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;

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
#[derive(Debug, Clone, Default)]
pub struct TlsSettings {
    /// `tls-port` (0 picks a free port, as `port 0` does here).
    pub port: Option<u16>,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub ca_cert_file: Option<PathBuf>,
    pub ca_cert_dir: Option<PathBuf>,
    pub auth_clients: AuthClients,
}

/// The rustls server configuration `settings` describe, or what is wrong with them (a
/// message for the operator: which file, and why).
pub fn server_config(settings: &TlsSettings) -> Result<Arc<rustls::ServerConfig>, String> {
    let (Some(cert_file), Some(key_file)) = (&settings.cert_file, &settings.key_file) else {
        return Err("tls-port needs tls-cert-file and tls-key-file".into());
    };
    let certs = CertificateDer::pem_file_iter(cert_file)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("tls-cert-file {}: {e}", cert_file.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "tls-cert-file {}: no certificate in it",
            cert_file.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(key_file)
        .map_err(|e| format!("tls-key-file {}: {e}", key_file.display()))?;
    // rustls 0.23.48 marks ring's provider deprecated because ring has no post-quantum key
    // exchange (X25519MLKEM768, which aws-lc-rs has). Redis on OpenSSL 3.0 has none either;
    // the build-time argument in the module doc stands. Revisit when ring gains ML-KEM.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
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
        for cert in certificates(file)? {
            roots
                .add(cert)
                .map_err(|e| format!("CA certificate {}: {e}", file.display()))?;
        }
    }
    Ok(roots)
}

fn certificates(file: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    CertificateDer::pem_file_iter(file)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{}: {e}", file.display()))
}
