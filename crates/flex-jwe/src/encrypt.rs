//! Producing a compact JWE for the recipient key of a capture context (`flx.jwk`).

use core::fmt;

use zeroize::Zeroizing;

use crate::alg::KeyAlgorithm;
use crate::error::{EncryptError, KeyError};
use crate::payload::TokenizePayload;
use crate::random::{ProviderRandom, RandomSource, SystemRandom};
use crate::{KEY_POLICY as POLICY, MAX_PLAINTEXT_LEN, b64};
use flex_jose::crypto::{self, AES256_GCM_IV_LEN as IV_LEN, AES256_GCM_KEY_LEN as CEK_LEN};
use flex_jose::rsa::PublicKey;

/// The public RSA key a JWE is encrypted to, with the `kid` written into the header.
///
/// Build it from the capture context's `flx.jwk` (`n`, `e`, `kid`), from DER, or from a key flex-jose already
/// parsed. Every constructor reads through the SDK's one RSA public-key parser (`flex_jose::rsa::PublicKey`), and
/// the key must pass its policy: an odd modulus of 2048 to 8192 bits counted exactly, an odd exponent
/// `3 <= e < 2^33`, no ROCA fingerprint.
#[derive(Clone)]
pub struct RecipientKey {
    kid: String,
    key: PublicKey,
}

impl RecipientKey {
    /// From the base64url JWK members `n` and `e`: canonical unpadded base64url of each value in the fewest
    /// octets (RFC 7518 §6.3.1; a zero octet prefixed to `n` is refused, as by every JWK reader of the SDK).
    ///
    /// # Errors
    /// [`KeyError::InvalidKid`] for an empty `kid`, [`KeyError::InvalidEncoding`] for bad base64url,
    /// [`KeyError::UnsupportedKeySize`] or [`KeyError::InvalidKey`] for an unusable key.
    pub fn from_jwk_components(kid: &str, n: &str, e: &str) -> Result<Self, KeyError> {
        Ok(Self { kid: check_kid(kid)?, key: PublicKey::from_jwk_members(n, e, POLICY)? })
    }

    /// From a PKCS#1 `RSAPublicKey` DER.
    ///
    /// # Errors
    /// As [`from_jwk_components`](Self::from_jwk_components).
    pub fn from_pkcs1_der(kid: &str, der: &[u8]) -> Result<Self, KeyError> {
        Ok(Self { kid: check_kid(kid)?, key: PublicKey::from_pkcs1_der(der, POLICY)? })
    }

    /// From an X.509 `SubjectPublicKeyInfo` DER.
    ///
    /// # Errors
    /// As [`from_jwk_components`](Self::from_jwk_components).
    pub fn from_spki_der(kid: &str, der: &[u8]) -> Result<Self, KeyError> {
        Ok(Self { kid: check_kid(kid)?, key: PublicKey::from_spki_der(der, POLICY)? })
    }

    /// From a key flex-jose already parsed and checked (e.g. `flex_jwt::RsaPublicKey::as_jose` of a verified
    /// capture context's `flx.jwk`), without parsing it again.
    ///
    /// # Errors
    /// [`KeyError::InvalidKid`] for an empty `kid`, [`KeyError::InvalidKey`] if the key is outside this crate's
    /// policy (never for a key checked with `ExponentPolicy::F4Only` or `AnyOdd`).
    pub fn from_public_key(kid: &str, key: &PublicKey) -> Result<Self, KeyError> {
        Ok(Self { kid: check_kid(kid)?, key: key.clone() })
    }

    /// The key id written into every JWE header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The modulus size in bits.
    pub fn modulus_bits(&self) -> usize {
        usize::try_from(self.key.bits()).unwrap_or(usize::MAX)
    }

    /// The modulus length in bytes, which is also the length of the encrypted key segment.
    pub fn modulus_len(&self) -> usize {
        self.key.modulus().len()
    }

    /// Encrypts `plaintext` with `RSA-OAEP` + `A256GCM` and the system CSPRNG.
    ///
    /// # Errors
    /// [`EncryptError::PlaintextTooLarge`] above [`MAX_PLAINTEXT_LEN`], [`EncryptError::Random`]
    /// if the CSPRNG fails.
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<String, EncryptError> {
        self.encrypt_with(KeyAlgorithm::default(), plaintext, &mut SystemRandom::new())
    }

    /// Encrypts `plaintext` with the given key-management algorithm and random source.
    ///
    /// The random source supplies, in this order, the 32-byte CEK, the 12-byte IV and the OAEP seed.
    ///
    /// # Errors
    /// As [`encrypt`](Self::encrypt).
    pub fn encrypt_with(
        &self,
        alg: KeyAlgorithm,
        plaintext: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<String, EncryptError> {
        if plaintext.len() > MAX_PLAINTEXT_LEN {
            return Err(EncryptError::PlaintextTooLarge { len: plaintext.len() });
        }
        let header = crate::header::encode(alg, &self.kid).ok_or(EncryptError::Internal)?;
        let header_b64 = b64::encode(header.as_bytes());

        let mut cek = Zeroizing::new([0u8; CEK_LEN]);
        rng.fill(&mut cek[..]).map_err(|_| EncryptError::Random)?;
        let mut iv = [0u8; IV_LEN];
        rng.fill(&mut iv).map_err(|_| EncryptError::Random)?;
        let mut rng = ProviderRandom::new(rng);
        let encrypted_key = crypto::rsa_oaep_encrypt(alg.oaep_hash(), &self.key, &cek[..], &mut rng)
            .map_err(|_| if rng.failed { EncryptError::Random } else { EncryptError::Internal })?;

        let mut buffer = Zeroizing::new(plaintext.to_vec());
        let tag = crypto::aes256_gcm_seal(&cek, &iv, header_b64.as_bytes(), &mut buffer)
            .ok_or(EncryptError::Internal)?;

        let mut out = header_b64;
        for part in [&encrypted_key[..], &iv, &buffer, &tag] {
            out.push('.');
            b64::encode_to(&mut out, part);
        }
        Ok(out)
    }

    /// Serializes `payload` (into a zeroizing buffer) and encrypts it like [`encrypt`](Self::encrypt).
    ///
    /// # Errors
    /// As [`encrypt`](Self::encrypt), plus [`EncryptError::Payload`].
    pub fn encrypt_payload(&self, payload: &TokenizePayload<'_>) -> Result<String, EncryptError> {
        self.encrypt_payload_with(KeyAlgorithm::default(), payload, &mut SystemRandom::new())
    }

    /// Serializes `payload` and encrypts it like [`encrypt_with`](Self::encrypt_with).
    ///
    /// # Errors
    /// As [`encrypt_payload`](Self::encrypt_payload).
    pub fn encrypt_payload_with(
        &self,
        alg: KeyAlgorithm,
        payload: &TokenizePayload<'_>,
        rng: &mut dyn RandomSource,
    ) -> Result<String, EncryptError> {
        let json = payload.to_json()?;
        self.encrypt_with(alg, &json, rng)
    }
}

impl fmt::Debug for RecipientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecipientKey").field("kid", &self.kid).field("bits", &self.modulus_bits()).finish()
    }
}

fn check_kid(kid: &str) -> Result<String, KeyError> {
    if kid.is_empty() { Err(KeyError::InvalidKid) } else { Ok(kid.to_owned()) }
}
