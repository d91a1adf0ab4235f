//! The RSA keys of this crate, over flex-jose: its key parsers and policy, and its `crypto` provider for
//! RSAES-OAEP and key generation (with the ring provider, the pure-Rust `rsa` crate does those; see the crate
//! README for RUSTSEC-2023-0071, which concerns [`RsaPrivate::oaep_decrypt`] only).

use zeroize::Zeroizing;

use flex_jose::crypto::{self, GenerateError, OaepHash, Random, RsaDecryptingKey};
use flex_jose::rsa::{self as jose_rsa, ExponentPolicy};

use crate::alg::KeyAlgorithm;
use crate::error::KeyError;
use crate::random::{RandomError, RandomSource};

/// Lets the provider draw from a [`RandomSource`].
struct Rng<'a>(&'a mut dyn RandomSource);

impl Random for Rng<'_> {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), crypto::CryptoFailure> {
        self.0.fill(dest).map_err(|RandomError| crypto::CryptoFailure)
    }
}

/// flex-jose's refusal of a key: sizes are [`KeyError::UnsupportedKeySize`], malformed base64url
/// [`KeyError::InvalidEncoding`], every other refusal [`KeyError::InvalidKey`].
pub(crate) fn key_error(refused: jose_rsa::KeyError) -> KeyError {
    match refused {
        // An empty (or zero) modulus is no key at all rather than a small one.
        jose_rsa::KeyError::ModulusTooSmall { bits: 0 } => KeyError::InvalidKey,
        jose_rsa::KeyError::ModulusTooSmall { bits } | jose_rsa::KeyError::ModulusTooLarge { bits } => {
            KeyError::UnsupportedKeySize { bits: usize::try_from(bits).unwrap_or(usize::MAX) }
        }
        jose_rsa::KeyError::Base64 => KeyError::InvalidEncoding,
        _ => KeyError::InvalidKey,
    }
}

/// The policy every key of this crate passes: flex-jose's, with any odd exponent `3 <= e < 2^33`.
pub(crate) const POLICY: ExponentPolicy = ExponentPolicy::AnyOdd;

const fn oaep_hash(alg: KeyAlgorithm) -> OaepHash {
    match alg {
        KeyAlgorithm::RsaOaep => OaepHash::Sha1,
        KeyAlgorithm::RsaOaep256 => OaepHash::Sha256,
    }
}

/// An RSA public key of 2048 to 8192 bits that passed the policy.
#[derive(Clone)]
pub(crate) struct RsaPublic(jose_rsa::PublicKey);

impl RsaPublic {
    /// A key flex-jose parsed and checked.
    pub(crate) fn new(key: &jose_rsa::PublicKey) -> Result<Self, KeyError> {
        Ok(Self(key.clone()))
    }

    /// Modulus length in octets (= length of every OAEP ciphertext).
    pub(crate) fn size(&self) -> usize {
        self.0.modulus().len()
    }

    pub(crate) fn bits(&self) -> usize {
        usize::try_from(self.0.bits()).unwrap_or(usize::MAX)
    }

    pub(crate) fn n_bytes(&self) -> &[u8] {
        self.0.modulus()
    }

    pub(crate) fn e_bytes(&self) -> &[u8] {
        self.0.exponent()
    }

    /// RSAES-OAEP encryption (empty label) of a short message (the CEK).
    pub(crate) fn oaep_encrypt(
        &self,
        alg: KeyAlgorithm,
        rng: &mut dyn RandomSource,
        message: &[u8],
    ) -> Result<Vec<u8>, OaepEncryptError> {
        let mut failed = false;
        let mut rng = Watch { inner: rng, failed: &mut failed };
        let result = crypto::rsa_oaep_encrypt(oaep_hash(alg), &self.0, message, &mut rng);
        result.map_err(|_| if failed { OaepEncryptError::Random } else { OaepEncryptError::Internal })
    }
}

/// A [`RandomSource`] adapter that records whether the source failed, to tell that failure from the provider's.
struct Watch<'a> {
    inner: &'a mut dyn RandomSource,
    failed: &'a mut bool,
}

impl Random for Watch<'_> {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), crypto::CryptoFailure> {
        self.inner.fill(dest).map_err(|RandomError| {
            *self.failed = true;
            crypto::CryptoFailure
        })
    }
}

/// Why an OAEP encryption failed.
pub(crate) enum OaepEncryptError {
    Random,
    Internal,
}

/// An RSA private key of 2048 to 8192 bits: flex-jose's parsed key and the provider's decryption key.
pub(crate) struct RsaPrivate {
    public: RsaPublic,
    key: RsaDecryptingKey,
}

impl RsaPrivate {
    fn from_jose(key: &jose_rsa::PrivateKey) -> Result<Self, KeyError> {
        let decrypting = RsaDecryptingKey::new(key).map_err(|_| KeyError::InvalidKey)?;
        Ok(Self { public: RsaPublic(key.public_key().clone()), key: decrypting })
    }

    pub(crate) fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        Self::from_jose(&jose_rsa::PrivateKey::from_pkcs8_der(der, POLICY).map_err(key_error)?)
    }

    /// The SDK's one PEM decoder (flex-jose's strict RFC 7468, into a zeroizing buffer), then PKCS#8 DER.
    pub(crate) fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        match flex_jose::pem::decode(pem) {
            Ok(("PRIVATE KEY", der)) => Self::from_pkcs8_der(&der),
            _ => Err(KeyError::InvalidKey),
        }
    }

    /// A fresh key with e = 65537.
    pub(crate) fn generate(bits: usize, rng: &mut dyn RandomSource) -> Result<Self, KeyError> {
        let requested = u32::try_from(bits).map_err(|_| KeyError::UnsupportedKeySize { bits })?;
        let key = crypto::rsa_generate(requested, &mut Rng(rng)).map_err(|err| match err {
            GenerateError::UnsupportedSize => KeyError::UnsupportedKeySize { bits },
            GenerateError::Random => KeyError::Random,
            _ => KeyError::InvalidKey,
        })?;
        Self::from_jose(&key)
    }

    pub(crate) fn public(&self) -> RsaPublic {
        self.public.clone()
    }

    /// Modulus length in octets.
    pub(crate) fn size(&self) -> usize {
        self.public.size()
    }

    /// RSAES-OAEP decryption (the ring provider blinds with bytes from `rng`). `None` on any failure; the caller
    /// must not distinguish failures (Manger's attack).
    pub(crate) fn oaep_decrypt(
        &self,
        alg: KeyAlgorithm,
        label: &[u8],
        rng: &mut dyn RandomSource,
        ciphertext: &[u8],
    ) -> Option<Zeroizing<Vec<u8>>> {
        self.key.oaep_decrypt(oaep_hash(alg), label, ciphertext, &mut Rng(rng))
    }
}
