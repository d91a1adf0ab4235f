//! Decrypting a compact JWE with an RSA private key (the offline sandbox's side).

use core::fmt;

use flex_jose::compact;
use flex_jose::rsa::{PrivateKey, PublicKey};
use zeroize::Zeroizing;

use crate::alg::KeyAlgorithm;
use crate::encrypt::RecipientKey;
use crate::error::{DecryptError, KeyError};
use crate::random::{ProviderRandom, RandomSource, SystemRandom};
use crate::{KEY_POLICY, MAX_COMPACT_LEN, b64, header};
use flex_jose::crypto::{
    self, AES256_GCM_IV_LEN as IV_LEN, AES256_GCM_KEY_LEN as CEK_LEN, AES256_GCM_TAG_LEN as TAG_LEN,
    GenerateError, RsaDecryptingKey,
};

/// An RSA private key that decrypts compact JWEs (`RSA-OAEP` / `RSA-OAEP-256` + `A256GCM`).
///
/// Not `Clone`; `Debug` never shows key material; the key is zeroized on drop. By default both
/// key-management algorithms are allowed and any `kid` (or none) is accepted; see
/// [`with_allowed_algorithms`](Self::with_allowed_algorithms) and [`with_kid`](Self::with_kid).
pub struct DecryptionKey {
    /// The provider's decryption key (RSAES-OAEP).
    key: RsaDecryptingKey,
    /// Its public half, as flex-jose parsed it.
    public: PublicKey,
    kid: Option<String>,
    /// Bit set of [`KeyAlgorithm::bit`].
    allowed: u8,
}

impl DecryptionKey {
    /// A key flex-jose parsed and checked, with the provider's check of its private components.
    fn from_jose(key: &PrivateKey) -> Result<Self, KeyError> {
        let decrypting = RsaDecryptingKey::new(key).map_err(|_| KeyError::InvalidKey)?;
        let public = key.public_key().clone();
        Ok(Self { key: decrypting, public, kid: None, allowed: 0 }
            .with_allowed_algorithms(&KeyAlgorithm::ALL))
    }

    /// From a PKCS#8 `PrivateKeyInfo` DER.
    ///
    /// # Errors
    /// [`KeyError::InvalidKey`], or [`KeyError::UnsupportedKeySize`] outside 2048 to 8192 bits.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        Self::from_jose(&PrivateKey::from_pkcs8_der(der, KEY_POLICY)?)
    }

    /// From a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), read by the SDK's one PEM decoder (flex-jose's strict
    /// RFC 7468, into a zeroizing buffer).
    ///
    /// # Errors
    /// As [`from_pkcs8_der`](Self::from_pkcs8_der).
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        match flex_jose::pem::decode(pem) {
            Ok(("PRIVATE KEY", der)) => Self::from_pkcs8_der(&der),
            _ => Err(KeyError::InvalidKey),
        }
    }

    /// Generates a fresh key (e = 65537) with the system CSPRNG, e.g. per sandbox session.
    ///
    /// Takes tens to hundreds of milliseconds for 2048 bits in an optimised build.
    ///
    /// # Errors
    /// [`KeyError::UnsupportedKeySize`] unless `2048 <= bits <= 4096`; [`KeyError::Random`].
    pub fn generate(bits: usize) -> Result<Self, KeyError> {
        Self::generate_with_rng(bits, &mut SystemRandom::new())
    }

    /// Generates a fresh key from the given random source.
    ///
    /// # Errors
    /// As [`generate`](Self::generate).
    pub fn generate_with_rng(bits: usize, rng: &mut dyn RandomSource) -> Result<Self, KeyError> {
        let requested = u32::try_from(bits).map_err(|_| KeyError::UnsupportedKeySize { bits })?;
        let key =
            crypto::rsa_generate(requested, &mut ProviderRandom::new(rng)).map_err(|err| match err {
                GenerateError::UnsupportedSize => KeyError::UnsupportedKeySize { bits },
                GenerateError::Random => KeyError::Random,
                _ => KeyError::InvalidKey,
            })?;
        Self::from_jose(&key)
    }

    /// Requires every JWE to carry exactly this `kid` in its header.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The required `kid`, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Restricts the accepted `alg` values (the policy allow-list). An empty list rejects everything.
    #[must_use]
    pub fn with_allowed_algorithms(mut self, algs: &[KeyAlgorithm]) -> Self {
        self.allowed = algs.iter().fold(0, |set, alg| set | alg.bit());
        self
    }

    /// Whether `alg` is on the allow-list.
    pub fn allows(&self, alg: KeyAlgorithm) -> bool {
        self.allowed & alg.bit() != 0
    }

    /// The modulus length in bytes (= length of a valid encrypted key).
    pub fn modulus_len(&self) -> usize {
        self.public.modulus().len()
    }

    /// The public modulus as the base64url JWK member `n`.
    pub fn public_n(&self) -> String {
        b64::encode(self.public.modulus())
    }

    /// The public exponent as the base64url JWK member `e` (`AQAB` for 65537).
    pub fn public_e(&self) -> String {
        b64::encode(self.public.exponent())
    }

    /// The matching public key, labelled `kid`, for encrypting to this key.
    ///
    /// # Errors
    /// [`KeyError::InvalidKid`] for an empty `kid`.
    pub fn recipient_key(&self, kid: &str) -> Result<RecipientKey, KeyError> {
        RecipientKey::from_public_key(kid, &self.public)
    }

    /// Decrypts a compact JWE and returns the plaintext (zeroized on drop).
    ///
    /// # Errors
    /// [`DecryptError`], the same value for every failure.
    pub fn decrypt(&self, compact: &str) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
        self.decrypt_detailed(compact).map(Decrypted::into_plaintext)
    }

    /// Decrypts a compact JWE and also returns the header's `alg` and `kid`.
    ///
    /// Checks, in order: at most [`MAX_COMPACT_LEN`] bytes; exactly five segments of canonical
    /// base64url; a header that is one JSON object with no duplicate member, an allowed `alg`,
    /// `enc` = `A256GCM`, no `zip`, no `crit`, and the configured `kid`; a 12-byte IV, a 16-byte tag
    /// and an encrypted key as long as the modulus. Then RSA-OAEP: if it fails, or does not yield
    /// 32 bytes, decryption continues with a random CEK so that the AES-GCM step runs and fails the
    /// same way (RFC 7516 §11.5). AES-GCM authenticates the header segment as AAD.
    ///
    /// # Errors
    /// [`DecryptError`], the same value for every failure.
    pub fn decrypt_detailed(&self, compact: &str) -> Result<Decrypted, DecryptError> {
        self.try_decrypt(compact).ok_or(DecryptError::new())
    }

    fn try_decrypt(&self, compact: &str) -> Option<Decrypted> {
        let jwe = compact::split_jwe(compact, MAX_COMPACT_LEN).ok()?;

        let parsed = header::parse(&b64::decode_vec(jwe.header).ok()?)?;
        if !self.allows(parsed.alg) {
            return None;
        }
        if self.kid.is_some() && parsed.kid != self.kid {
            return None;
        }

        let encrypted_key = b64::decode_vec(jwe.encrypted_key).ok()?;
        if encrypted_key.len() != self.modulus_len() {
            return None;
        }
        let mut iv = [0u8; IV_LEN];
        b64::decode_exact(jwe.iv, &mut iv).ok()?;
        let mut tag = [0u8; TAG_LEN];
        b64::decode_exact(jwe.tag, &mut tag).ok()?;
        let mut buffer = Zeroizing::new(b64::decode_vec(jwe.ciphertext).ok()?);
        buffer.extend_from_slice(&tag);

        let mut cek = Zeroizing::new([0u8; CEK_LEN]);
        crypto::fill_random(&mut cek[..]).ok()?;
        // Manger / RFC 7516 §11.5: whatever OAEP says, carry on with a 32-byte CEK (the random one
        // on failure), so that every failure ends in the same AES-GCM tag check.
        // The ring provider blinds with bytes from the system CSPRNG.
        let unwrapped =
            self.key.oaep_decrypt(parsed.alg.oaep_hash(), &[], &encrypted_key, &mut crypto::SystemRandom);
        if let Some(unwrapped) = unwrapped.filter(|bytes| bytes.len() == CEK_LEN) {
            cek.copy_from_slice(&unwrapped);
        }

        let len = crypto::aes256_gcm_open(&cek, &iv, jwe.header.as_bytes(), &mut buffer)?;
        buffer.truncate(len);
        Some(Decrypted { plaintext: buffer, alg: parsed.alg, kid: parsed.kid })
    }

    /// Raw RSAES-OAEP decryption with a label: the test hook for Wycheproof's OAEP vectors.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn oaep_decrypt_raw(
        &self,
        alg: KeyAlgorithm,
        label: &[u8],
        ciphertext: &[u8],
    ) -> Option<Zeroizing<Vec<u8>>> {
        self.key.oaep_decrypt(alg.oaep_hash(), label, ciphertext, &mut crypto::SystemRandom)
    }
}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let allowed: Vec<&str> =
            KeyAlgorithm::ALL.iter().filter(|alg| self.allows(**alg)).map(|alg| alg.as_str()).collect();
        f.debug_struct("DecryptionKey")
            .field("bits", &self.public.bits())
            .field("kid", &self.kid)
            .field("allowed", &allowed)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

/// A successful decryption: the plaintext and what the header said.
pub struct Decrypted {
    plaintext: Zeroizing<Vec<u8>>,
    alg: KeyAlgorithm,
    kid: Option<String>,
}

impl Decrypted {
    /// The plaintext.
    pub fn plaintext(&self) -> &[u8] {
        &self.plaintext
    }

    /// The plaintext, still zeroized on drop.
    pub fn into_plaintext(self) -> Zeroizing<Vec<u8>> {
        self.plaintext
    }

    /// The header's `alg`.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.alg
    }

    /// The header's `kid`, if present.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }
}

impl fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decrypted")
            .field("plaintext", &format_args!("<{} bytes>", self.plaintext.len()))
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish()
    }
}
