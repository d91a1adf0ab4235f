//! The library's error type (starting, configuring and driving a sandbox). HTTP-level failures are
//! answered to the client and never surface here.

use core::fmt;

/// Why a sandbox could not be configured, started or driven.
///
/// Never carries a key, a secret or a token; no third-party type appears in it.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SandboxError {
    /// Binding the listening socket failed (address in use, permission, ...).
    Bind {
        /// The OS error kind, e.g. `AddrInUse`.
        kind: std::io::ErrorKind,
    },
    /// A merchant credential is invalid (bad base64 secret, bad identifier, bad RSA public key).
    InvalidMerchant {
        /// The merchant id as configured (not secret).
        merchant_id: String,
    },
    /// A configured RSA private key is not a usable 2048-4096-bit PKCS#8 RSA key.
    InvalidKey,
    /// A configured test key set is empty.
    EmptyKeySet,
    /// Generating an RSA key failed.
    KeyGeneration,
    /// RS256 signing failed.
    Signing,
    /// The system random number generator failed.
    Random,
    /// A configuration value is out of range (the message names it).
    InvalidConfig(&'static str),
    /// The TLS setup failed: unreadable PEM, a key that does not match the certificate, certificate
    /// generation (the message says which).
    Tls(&'static str),
    /// Writing the generated CA certificate to the requested file failed.
    CaFile {
        /// The OS error kind, e.g. `NotFound` or `PermissionDenied`.
        kind: std::io::ErrorKind,
    },
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bind { kind } => write!(f, "cannot bind the sandbox listener: {kind}"),
            Self::InvalidMerchant { merchant_id } => {
                write!(f, "invalid credentials configured for merchant {merchant_id:?}")
            }
            Self::InvalidKey => f.write_str("not a usable PKCS#8 RSA private key (2048-4096 bits)"),
            Self::EmptyKeySet => f.write_str("the test key set is empty"),
            Self::KeyGeneration => f.write_str("RSA key generation failed"),
            Self::Signing => f.write_str("RS256 signing failed"),
            Self::Random => f.write_str("system random number generator failed"),
            Self::InvalidConfig(what) => write!(f, "invalid sandbox configuration: {what}"),
            Self::Tls(what) => write!(f, "TLS setup failed: {what}"),
            Self::CaFile { kind } => write!(f, "cannot write the CA certificate file: {kind}"),
        }
    }
}

impl core::error::Error for SandboxError {}
