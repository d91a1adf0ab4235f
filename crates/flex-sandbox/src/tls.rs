//! HTTPS: the rustls server configuration (ring provider, ALPN `h2` and `http/1.1`), from PEM files or from a
//! CA and a leaf certificate generated at start-up.

use core::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::SandboxError;

/// How the sandbox gets its TLS certificate; pass it to [`SandboxConfig::tls`](crate::SandboxConfig::tls).
///
/// Clients connect by IP (`https://127.0.0.1:PORT`) and usually send no SNI: the one certificate is served to
/// every handshake.
pub struct TlsIdentity(Source);

enum Source {
    Pem { chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static> },
    Generate { ca_file: Option<PathBuf> },
}

impl TlsIdentity {
    /// A certificate chain (leaf first) and its private key (PKCS#8, PKCS#1 or SEC1), both PEM.
    ///
    /// # Errors
    /// [`SandboxError::Tls`] if either holds no usable PEM object. Whether the key matches the certificate is
    /// checked when the sandbox starts.
    pub fn from_pem(cert_chain_pem: &[u8], private_key_pem: &[u8]) -> Result<Self, SandboxError> {
        let chain = CertificateDer::pem_slice_iter(cert_chain_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| SandboxError::Tls("the certificate PEM cannot be read"))?;
        if chain.is_empty() {
            return Err(SandboxError::Tls("the certificate PEM holds no certificate"));
        }
        let key = PrivateKeyDer::from_pem_slice(private_key_pem)
            .map_err(|_| SandboxError::Tls("the private key PEM holds no usable private key"))?;
        Ok(Self(Source::Pem { chain, key }))
    }

    /// A fresh CA (ECDSA P-256) and a leaf it signs for `127.0.0.1` (IP SAN) and `localhost` (DNS SAN), made
    /// when the sandbox starts; clients trust the CA from [`RunningSandbox::ca_pem`](crate::RunningSandbox::ca_pem).
    pub fn generate() -> Self {
        Self(Source::Generate { ca_file: None })
    }

    /// As [`generate`](Self::generate), and writes the CA certificate (PEM) to `path` at start-up, for a
    /// client in another process to trust.
    pub fn generate_writing_ca_to(path: impl Into<PathBuf>) -> Self {
        Self(Source::Generate { ca_file: Some(path.into()) })
    }
}

impl fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::Pem { chain, .. } => f
                .debug_struct("TlsIdentity::Pem")
                .field("certificates", &chain.len())
                .field("key", &"<redacted>")
                .finish(),
            Source::Generate { ca_file } => {
                f.debug_struct("TlsIdentity::Generate").field("ca_file", ca_file).finish()
            }
        }
    }
}

/// The server side of TLS as started: the rustls config and, when generated, the CA certificate PEM.
pub(crate) struct ServerTls {
    pub(crate) config: Arc<ServerConfig>,
    pub(crate) ca_pem: Option<String>,
}

impl TlsIdentity {
    pub(crate) fn into_server(self) -> Result<ServerTls, SandboxError> {
        let (chain, key, ca_pem, ca_file) = match self.0 {
            Source::Pem { chain, key } => (chain, key, None, None),
            Source::Generate { ca_file } => {
                let generated = generate()?;
                (generated.chain, generated.key, Some(generated.ca_pem), ca_file)
            }
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|_| SandboxError::Tls("no usable protocol version"))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|_| {
                SandboxError::Tls("the private key does not match the certificate, or is unsupported")
            })?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        if let (Some(path), Some(pem)) = (ca_file, ca_pem.as_deref()) {
            std::fs::write(path, pem).map_err(|e| SandboxError::CaFile { kind: e.kind() })?;
        }
        Ok(ServerTls { config: Arc::new(config), ca_pem })
    }
}

struct Generated {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    ca_pem: String,
}

fn generate() -> Result<Generated, SandboxError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
        KeyUsagePurpose, SanType,
    };
    let failed = |_| SandboxError::Tls("certificate generation failed");

    let ca_key = KeyPair::generate().map_err(failed)?;
    let mut ca_params = CertificateParams::default();
    ca_params.distinguished_name.push(DnType::CommonName, "flex sandbox local CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(failed)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().map_err(failed)?;
    let mut leaf_params = CertificateParams::default();
    leaf_params.distinguished_name.push(DnType::CommonName, "flex sandbox");
    leaf_params.subject_alt_names = vec![
        SanType::IpAddress(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)),
        SanType::DnsName("localhost".try_into().map_err(failed)?),
    ];
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf_params.signed_by(&leaf_key, &issuer).map_err(failed)?;

    let key = PrivateKeyDer::try_from(leaf_key.serialize_der())
        .map_err(|_| SandboxError::Tls("certificate generation failed"))?;
    Ok(Generated { chain: vec![leaf_cert.der().clone(), ca_cert.der().clone()], key, ca_pem: ca_cert.pem() })
}
