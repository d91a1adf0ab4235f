//! Every `rsa` crate call of this crate: key parsing, key generation, OAEP encrypt and decrypt.
//!
//! `ring` has no RSA encryption, so RSAES-OAEP comes from the pure-Rust `rsa` crate (0.10). See the
//! crate README for why, and for RUSTSEC-2023-0071 (private-key timing), which concerns
//! [`RsaPrivate::oaep_decrypt`] only.

use rsa::pkcs1::DecodeRsaPublicKey as _;
use rsa::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
use rsa::rand_core::{TryCryptoRng, TryRng};
use rsa::traits::PublicKeyParts as _;
use rsa::{BoxedUint, Oaep, PrivateKey, PublicKey};
use sha1::Sha1;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::alg::KeyAlgorithm;
use crate::error::KeyError;
use crate::random::{RandomError, RandomSource};

/// Smallest modulus this crate encrypts to or decrypts with.
pub(crate) const MIN_BITS: usize = 2048;
/// Largest modulus this crate accepts (bounds the cost of one operation).
pub(crate) const MAX_BITS: usize = 8192;
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

fn check_size(key: &PublicKey) -> Result<(), KeyError> {
    let bits = usize::try_from(key.n().bit_width_vartime()).unwrap_or(usize::MAX);
    if (MIN_BITS..=MAX_BITS).contains(&bits) { Ok(()) } else { Err(KeyError::UnsupportedKeySize { bits }) }
}

/// An RSA public key of 2048 to 8192 bits.
#[derive(Clone)]
pub(crate) struct RsaPublic(PublicKey);

impl RsaPublic {
    /// From big-endian modulus and exponent (leading zero octets are tolerated).
    pub(crate) fn from_components(n: &[u8], e: &[u8]) -> Result<Self, KeyError> {
        let n = trim_leading_zeros(n);
        let e = trim_leading_zeros(e);
        if n.is_empty() || e.is_empty() {
            return Err(KeyError::InvalidKey);
        }
        let bits = bit_len(n);
        if !(MIN_BITS..=MAX_BITS).contains(&bits) {
            return Err(KeyError::UnsupportedKeySize { bits });
        }
        if e.len() > 8 {
            return Err(KeyError::InvalidKey);
        }
        let key = PublicKey::new(BoxedUint::from_be_slice_vartime(n), BoxedUint::from_be_slice_vartime(e))
            .map_err(|_| KeyError::InvalidKey)?;
        check_size(&key)?;
        Ok(Self(key))
    }

    pub(crate) fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        let key = PublicKey::from_pkcs1_der(der).map_err(|_| KeyError::InvalidKey)?;
        check_size(&key)?;
        Ok(Self(key))
    }

    pub(crate) fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let key = PublicKey::from_public_key_der(der).map_err(|_| KeyError::InvalidKey)?;
        check_size(&key)?;
        Ok(Self(key))
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
        check_size(key.as_public_key())?;
        Ok(Self(key))
    }

    pub(crate) fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        let key = PrivateKey::from_pkcs8_pem(pem).map_err(|_| KeyError::InvalidKey)?;
        check_size(key.as_public_key())?;
        Ok(Self(key))
    }

    /// A fresh key with e = 65537.
    pub(crate) fn generate(bits: usize, rng: &mut dyn RandomSource) -> Result<Self, KeyError> {
        if !(MIN_BITS..=MAX_GENERATE_BITS).contains(&bits) {
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

fn trim_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

/// Bit length of a big-endian integer without leading zero octets.
fn bit_len(trimmed: &[u8]) -> usize {
    let lead = trimmed.first().map_or(0, |b| 8 - b.leading_zeros() as usize);
    trimmed.len().saturating_sub(1).saturating_mul(8).saturating_add(lead)
}
