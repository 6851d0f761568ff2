//! TLS for the client side: the rustls client configuration that `reactor-cli --tls` (and any
//! user of [`crate::client::Connection::connect_tls`]) builds from redis-cli's options.
//!
//! ```text
//! --tls --cacert ca.crt                      trust this CA (else the system has none here)
//! --cert client.crt --key client.key         present a client certificate (mutual TLS)
//! --sni NAME                                 the name to ask for and check (default: the host)
//! --insecure                                 accept any server certificate (testing only)
//! ```
//!
//! The crypto provider is rustls's `ring`, as on the server (see `src/config/tls.rs`).

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// What a client needs to know to speak TLS, as redis-cli spells it.
#[derive(Debug, Clone, Default)]
pub struct TlsClientOptions {
    /// `--cacert`: PEM file of the CA(s) that sign the server's certificate.
    pub ca_cert: Option<PathBuf>,
    /// `--cert` and `--key`: a client certificate and its key, PEM.
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// `--sni`: the server name to ask for and to check the certificate against.
    pub sni: Option<String>,
    /// `--insecure`: do not check the server's certificate at all.
    pub insecure: bool,
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

fn provider() -> Arc<CryptoProvider> {
    #[allow(deprecated)] // ring's provider: see src/config/tls.rs
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The rustls configuration these options describe; errors name the file at fault.
pub fn client_config(options: &TlsClientOptions) -> io::Result<Arc<rustls::ClientConfig>> {
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(e.to_string()))?;
    let builder = if options.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider())))
    } else {
        let mut roots = rustls::RootCertStore::empty();
        if let Some(ca) = &options.ca_cert {
            let certs = CertificateDer::pem_file_iter(ca)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| invalid(format!("--cacert {}: {e}", ca.display())))?;
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|e| invalid(format!("--cacert {}: {e}", ca.display())))?;
            }
        }
        builder.with_root_certificates(roots)
    };
    let config = match (&options.cert, &options.key) {
        (None, None) => builder.with_no_client_auth(),
        (Some(cert), Some(key)) => {
            let chain = CertificateDer::pem_file_iter(cert)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| invalid(format!("--cert {}: {e}", cert.display())))?;
            let key = PrivateKeyDer::from_pem_file(key)
                .map_err(|e| invalid(format!("--key {}: {e}", key.display())))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| invalid(format!("--cert/--key: {e}")))?
        }
        _ => return Err(invalid("--cert and --key go together".into())),
    };
    Ok(Arc::new(config))
}

/// The name to send and check: `--sni`, else the host the user typed.
pub fn server_name(options: &TlsClientOptions, host: &str) -> io::Result<ServerName<'static>> {
    let name = options.sni.as_deref().unwrap_or(host).to_string();
    ServerName::try_from(name).map_err(|e| invalid(format!("server name {host}: {e}")))
}

/// `--insecure`: every certificate is accepted; the handshake signatures are still checked
/// (they prove the server holds the key of the certificate it sent, whoever signed it).
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
