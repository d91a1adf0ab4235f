//! Every `rsa` crate call of this crate: private-key parsing, key generation, OAEP encrypt and decrypt.
//!
//! `ring` has no RSA encryption, so RSAES-OAEP comes from the pure-Rust `rsa` crate (0.10). See the
//! crate README for why, and for RUSTSEC-2023-0071 (private-key timing), which concerns
//! [`RsaPrivate::oaep_decrypt`] only. Public keys are parsed and checked by flex-jose's `rsa::PublicKey` (the
//! SDK's one RSA public-key parser); this module only builds the `rsa` crate's key from its checked `n` and `e`.

use rsa::pkcs8::DecodePrivateKey as _;
use rsa::rand_core::{TryCryptoRng, TryRng};
use rsa::traits::PublicKeyParts as _;
use rsa::{BoxedUint, Oaep, PrivateKey, PublicKey};
use sha1::Sha1;
use sha2::Sha256;
use zeroize::Zeroizing;

use flex_jose::rsa::{self as jose_rsa, ExponentPolicy};

use crate::alg::KeyAlgorithm;
use crate::error::KeyError;
use crate::random::{RandomError, RandomSource};

/// Smallest modulus [`RsaPrivate::generate`] makes (flex-jose's policy minimum).
const MIN_GENERATE_BITS: usize = 2048;
/// Largest modulus [`RsaPrivate::generate`] makes.
pub(crate) const MAX_GENERATE_BITS: usize = 4096;

/// Lets `rsa` draw from a [`RandomSource`].
struct Rng<'a>(&'a mut dyn RandomSource);

impl TryRng for Rng<'_> {
    type Error = RandomError;

    fn try_next_u32(&mut self) -> Result<u32, RandomError> {
        let mut bytes = [0u8; 4];
        self.0.fill(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, RandomError> {
        let mut bytes = [0u8; 8];
        self.0.fill(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), RandomError> {
        self.0.fill(dst)
    }
}

impl TryCryptoRng for Rng<'_> {}

/// flex-jose's refusal of a public key: sizes are [`KeyError::UnsupportedKeySize`], malformed base64url
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

/// Checks the public half of a private key against the policy.
fn check_key(key: &PublicKey) -> Result<(), KeyError> {
    jose_rsa::PublicKey::from_components(&key.n_bytes(), &key.e_bytes(), POLICY)
        .map(|_| ())
        .map_err(key_error)
}

/// An RSA public key of 2048 to 8192 bits.
#[derive(Clone)]
pub(crate) struct RsaPublic(PublicKey);

impl RsaPublic {
    /// The `rsa` crate's key for a key flex-jose parsed and checked (from its `n` and `e`; nothing is re-parsed).
    pub(crate) fn new(key: &jose_rsa::PublicKey) -> Result<Self, KeyError> {
        let n = BoxedUint::from_be_slice_vartime(key.modulus());
        let e = BoxedUint::from_be_slice_vartime(key.exponent());
        PublicKey::new(n, e).map(Self).map_err(|_| KeyError::InvalidKey)
    }

    /// Modulus length in octets (= length of every OAEP ciphertext).
    pub(crate) fn size(&self) -> usize {
        self.0.size()
    }

    pub(crate) fn bits(&self) -> usize {
        usize::try_from(self.0.n().bit_width_vartime()).unwrap_or(usize::MAX)
    }

    pub(crate) fn n_bytes(&self) -> Box<[u8]> {
        self.0.n_bytes()
    }

    pub(crate) fn e_bytes(&self) -> Box<[u8]> {
        self.0.e_bytes()
    }

    /// RSAES-OAEP encryption (empty label) of a short message (the CEK).
    pub(crate) fn oaep_encrypt(
        &self,
        alg: KeyAlgorithm,
        rng: &mut dyn RandomSource,
        message: &[u8],
    ) -> Result<Vec<u8>, OaepEncryptError> {
        let mut rng = Rng(rng);
        let result = match alg {
            KeyAlgorithm::RsaOaep => self.0.encrypt(&mut rng, Oaep::<Sha1>::new(), message),
            KeyAlgorithm::RsaOaep256 => self.0.encrypt(&mut rng, Oaep::<Sha256>::new(), message),
        };
        result.map_err(|err| match err {
            rsa::Error::Rng => OaepEncryptError::Random,
            _ => OaepEncryptError::Internal,
        })
    }
}

/// Why an OAEP encryption failed.
pub(crate) enum OaepEncryptError {
    Random,
    Internal,
}

/// An RSA private key of 2048 to 8192 bits. `rsa::PrivateKey` zeroizes itself on drop.
pub(crate) struct RsaPrivate(PrivateKey);

impl RsaPrivate {
    pub(crate) fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let key = PrivateKey::from_pkcs8_der(der).map_err(|_| KeyError::InvalidKey)?;
        check_key(key.as_public_key())?;
        Ok(Self(key))
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
        if !(MIN_GENERATE_BITS..=MAX_GENERATE_BITS).contains(&bits) {
            return Err(KeyError::UnsupportedKeySize { bits });
        }
        let key = PrivateKey::new(&mut Rng(rng), bits).map_err(|err| match err {
            rsa::Error::Rng => KeyError::Random,
            _ => KeyError::InvalidKey,
        })?;
        Ok(Self(key))
    }

    pub(crate) fn public(&self) -> RsaPublic {
        RsaPublic(self.0.to_public_key())
    }

    /// Modulus length in octets.
    pub(crate) fn size(&self) -> usize {
        self.0.size()
    }

    /// RSAES-OAEP decryption with blinding drawn from `rng`. `None` on any failure; the caller
    /// must not distinguish failures (Manger's attack).
    pub(crate) fn oaep_decrypt(
        &self,
        alg: KeyAlgorithm,
        label: &[u8],
        rng: &mut dyn RandomSource,
        ciphertext: &[u8],
    ) -> Option<Zeroizing<Vec<u8>>> {
        let mut rng = Rng(rng);
        let result = match alg {
            KeyAlgorithm::RsaOaep => {
                self.0.decrypt_blinded(&mut rng, Oaep::<Sha1>::new_with_label(label), ciphertext)
            }
            KeyAlgorithm::RsaOaep256 => {
                self.0.decrypt_blinded(&mut rng, Oaep::<Sha256>::new_with_label(label), ciphertext)
            }
        };
        result.ok().map(Zeroizing::new)
    }
}
