//! Credentials: the shared secret, RSA keys, and the merchant / key identifiers.
//!
//! Secrets are decoded once on construction, have no `Clone`, print redacted, and are zeroized on drop.

use core::fmt;

use base64ct::{Base64, Encoding as _};
use zeroize::Zeroizing;

use flex_jwt::RsaPublicKey;

use flex_jose::rsa::{self as jose_rsa, ExponentPolicy};

use crate::crypto::{self, RsaKeyProblem, RsaSigningKey};
use crate::error::CredentialError;

/// Longest merchant id, portfolio id or key id accepted.
const MAX_ID_LEN: usize = 256;

/// Checks a merchant id, portfolio id or key id: 1-256 visible ASCII characters, none of `"`, `\`, `,`.
///
/// These go verbatim into header values, a quoted `Signature` parameter, the signing string and JSON
/// claims, so anything that could break out of those contexts is refused up front.
pub(crate) fn check_identifier(s: &str) -> Result<(), CredentialError> {
    let ok = !s.is_empty()
        && s.len() <= MAX_ID_LEN
        && s.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\' && b != b',');
    if ok { Ok(()) } else { Err(CredentialError::InvalidIdentifier) }
}

/// A merchant's shared secret (the "secret key" of a REST shared-secret key), already base64-decoded.
///
/// No `Clone`; `Debug` prints `SharedSecret(<redacted>)`; the bytes are zeroized on drop.
pub struct SharedSecret {
    bytes: Zeroizing<Vec<u8>>,
}

impl SharedSecret {
    /// Decodes the secret as the Business Center shows it: standard base64 with `=` padding.
    /// The decoded key must be at least 16 bytes (Cybersource issues 32).
    pub fn from_base64(encoded: &str) -> Result<Self, CredentialError> {
        let mut buf = Zeroizing::new(vec![0u8; encoded.len() / 4 * 3 + 3]);
        let len = Base64::decode(encoded, &mut buf).map_err(|_| CredentialError::SecretNotBase64)?.len();
        buf.truncate(len);
        Self::from_bytes_owned(buf)
    }

    /// Wraps already decoded key bytes (at least 16). The caller's copy is not zeroized by this call.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CredentialError> {
        Self::from_bytes_owned(Zeroizing::new(bytes.to_vec()))
    }

    fn from_bytes_owned(bytes: Zeroizing<Vec<u8>>) -> Result<Self, CredentialError> {
        if bytes.len() < 16 {
            return Err(CredentialError::SecretTooShort);
        }
        Ok(Self { bytes })
    }

    pub(crate) fn expose(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedSecret(<redacted>)")
    }
}

/// A merchant's RSA private key for RS256 JWT authentication: 2048, 3072 or 4096 bits with primes of equal size on
/// the `ring` provider (ring's signing limits), any size from 2048 to 8192 bits on `aws-lc-rs`; e = 65537.
///
/// Accepted encodings: PKCS#8 (`-----BEGIN PRIVATE KEY-----` or DER) and PKCS#1
/// (`-----BEGIN RSA PRIVATE KEY-----` or DER). PKCS#12 (`.p12`) files are not read: extract the key with
/// `openssl pkcs12 -in key.p12 -nocerts -nodes | openssl pkcs8 -topk8 -nocrypt`, and pass the certificate's
/// serial number as the key id.
///
/// The key is read by flex-jose's private-key parser, its public half passes the same policy as every verifying
/// key (e = 65537), and the crypto provider then checks the private components and keeps its parsed key (AWS-LC
/// wipes it when freed, ring does not: see the SDK's SECURITY.md). No `Clone`; `Debug` prints only the key size.
pub struct MerchantPrivateKey {
    key: RsaSigningKey,
    public: RsaPublicKey,
}

impl MerchantPrivateKey {
    /// Parses a PKCS#8 `PrivateKeyInfo` DER holding an RSA key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, CredentialError> {
        Self::new(jose_rsa::PrivateKey::from_pkcs8_der(der, ExponentPolicy::F4Only))
    }

    /// Parses a PKCS#1 `RSAPrivateKey` DER.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, CredentialError> {
        Self::new(jose_rsa::PrivateKey::from_pkcs1_der(der, ExponentPolicy::F4Only))
    }

    /// Parses PEM text with the label `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1).
    /// Text around the PEM block is ignored; encrypted keys are refused.
    pub fn from_pem(pem: &str) -> Result<Self, CredentialError> {
        let (label, der) = decode_pem(pem)?;
        match label {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der),
            "RSA PRIVATE KEY" => Self::from_pkcs1_der(&der),
            _ => Err(CredentialError::UnsupportedPemLabel),
        }
    }

    fn new(parsed: Result<jose_rsa::PrivateKey, jose_rsa::KeyError>) -> Result<Self, CredentialError> {
        let parsed = parsed.map_err(private_key_error)?;
        let key = RsaSigningKey::new(&parsed).map_err(|p| match p {
            RsaKeyProblem::UnsupportedSize => CredentialError::UnsupportedKeySize,
            // `Invalid`, and any refusal a later provider names.
            _ => CredentialError::InvalidPrivateKey,
        })?;
        Ok(Self { key, public: RsaPublicKey::from(parsed.public_key().clone()) })
    }

    /// The public half (a [`flex_jwt::RsaPublicKey`], with its size and exponent policy), e.g. to register
    /// with a [`crate::Verifier`].
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public
    }

    pub(crate) fn sign_rs256(&self, msg: &[u8]) -> Result<Vec<u8>, crypto::CryptoFailure> {
        self.key.sign_rs256(msg)
    }
}

/// Maps flex-jose's refusal of a merchant key: sizes, then the public half's policy, then the structure.
fn private_key_error(e: jose_rsa::KeyError) -> CredentialError {
    match e {
        jose_rsa::KeyError::ModulusTooSmall { .. } | jose_rsa::KeyError::ModulusTooLarge { .. } => {
            CredentialError::UnsupportedKeySize
        }
        jose_rsa::KeyError::InvalidModulus
        | jose_rsa::KeyError::ExponentNotAllowed
        | jose_rsa::KeyError::RocaFingerprint => CredentialError::InvalidPublicKey,
        _ => CredentialError::InvalidPrivateKey,
    }
}

impl fmt::Debug for MerchantPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MerchantPrivateKey").field("bits", &self.public.bits()).finish_non_exhaustive()
    }
}

/// The secret a request is signed with.
#[non_exhaustive]
#[derive(Debug)]
pub enum SigningKey {
    /// HMAC: HTTP Signature, or JWT `HS256`.
    SharedSecret(SharedSecret),
    /// JWT `RS256`.
    PrivateKey(MerchantPrivateKey),
}

/// Who signs: merchant id, key id, key, and the portfolio id when the key is a portfolio "meta key".
///
/// `Debug` shows the identifiers and the kind of key, never the key (written by hand, as for every type holding a
/// secret, so that no later field can reach a log through a derive). No `Clone`.
pub struct Credentials {
    merchant_id: String,
    key_id: String,
    key: SigningKey,
    portfolio_id: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = match self.key {
            SigningKey::SharedSecret(_) => "shared secret <redacted>",
            SigningKey::PrivateKey(_) => "RSA private key <redacted>",
        };
        f.debug_struct("Credentials")
            .field("merchant_id", &self.merchant_id)
            .field("key_id", &self.key_id)
            .field("portfolio_id", &self.portfolio_id)
            .field("key", &key)
            .finish()
    }
}

impl Credentials {
    /// Shared-secret credentials (HTTP Signature or JWT `HS256`); `key_id` is the key's serial/id.
    pub fn shared_secret(
        merchant_id: &str,
        key_id: &str,
        secret: SharedSecret,
    ) -> Result<Self, CredentialError> {
        Self::new(merchant_id, key_id, SigningKey::SharedSecret(secret))
    }

    /// Private-key credentials (JWT `RS256`); `key_id` is the certificate's serial number (the JWT `kid`).
    pub fn private_key(
        merchant_id: &str,
        key_id: &str,
        key: MerchantPrivateKey,
    ) -> Result<Self, CredentialError> {
        Self::new(merchant_id, key_id, SigningKey::PrivateKey(key))
    }

    fn new(merchant_id: &str, key_id: &str, key: SigningKey) -> Result<Self, CredentialError> {
        check_identifier(merchant_id)?;
        check_identifier(key_id)?;
        Ok(Self { merchant_id: merchant_id.to_owned(), key_id: key_id.to_owned(), key, portfolio_id: None })
    }

    /// Marks the key as a portfolio meta key: the portfolio id is signed (`v-c-merchant-id` line, JWT `iss`)
    /// while the transacting merchant id is still sent in the `v-c-merchant-id` header and claim.
    pub fn with_portfolio_id(mut self, portfolio_id: &str) -> Result<Self, CredentialError> {
        check_identifier(portfolio_id)?;
        self.portfolio_id = Some(portfolio_id.to_owned());
        Ok(self)
    }

    /// The transacting merchant id.
    pub fn merchant_id(&self) -> &str {
        &self.merchant_id
    }

    /// The key id (`keyid` / JWT `kid`).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The portfolio id, for a meta key.
    pub fn portfolio_id(&self) -> Option<&str> {
        self.portfolio_id.as_deref()
    }

    /// The signing key.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The identity that is signed: the portfolio id for a meta key, else the merchant id.
    pub(crate) fn signing_identity(&self) -> &str {
        self.portfolio_id.as_deref().unwrap_or(&self.merchant_id)
    }
}

/// PEM decoding: the first block of the text (tools write text around it), read by flex-jose's strict RFC 7468
/// decoder into a zeroizing buffer.
fn decode_pem(text: &str) -> Result<(&str, Zeroizing<Vec<u8>>), CredentialError> {
    let block = flex_jose::pem::find_block(text).ok_or(CredentialError::MalformedPem)?;
    if block.contains(':') {
        // RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`) mean a legacy encrypted key.
        return Err(CredentialError::UnsupportedPemLabel);
    }
    flex_jose::pem::decode(block).map_err(|_| CredentialError::MalformedPem)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR_SECRET: &str = "yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=";

    #[test]
    fn secret_decodes_once_to_32_bytes() {
        let s = SharedSecret::from_base64(VECTOR_SECRET).unwrap();
        assert_eq!(s.expose().len(), 32);
        assert_eq!(format!("{s:?}"), "SharedSecret(<redacted>)");
    }

    #[test]
    fn secret_rejects_non_canonical_base64() {
        for bad in [
            "",
            "yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE",
            "yBJxy6LjM2TmcPGu-GaJrHtkke25fPpUX_UY6_L_1tE=",
            " a",
        ] {
            assert!(SharedSecret::from_base64(bad).is_err(), "{bad}");
        }
        assert_eq!(SharedSecret::from_base64("AAAA").unwrap_err(), CredentialError::SecretTooShort);
    }

    #[test]
    fn identifiers() {
        assert!(check_identifier("testrest").is_ok());
        assert!(check_identifier("08c94330-f618-42a3-b09d-e1e43be5efda").is_ok());
        for bad in ["", "a b", "a\"b", "a,b", "a\\b", "a\nb", "é"] {
            assert!(check_identifier(bad).is_err(), "{bad:?}");
        }
    }
}
