//! The ring provider: ring 0.17 for RSASSA-PKCS1-v1_5; RSAES-OAEP and key generation, which ring lacks, from the
//! pure-Rust `rsa` crate. RUSTSEC-2023-0071 (a timing side channel in the `rsa` crate's private-key operations)
//! concerns [`DecryptingKey::oaep_decrypt`] only; the `aws-lc-rs` provider avoids it.

use ring::signature;
use rsa::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use rsa::rand_core::utils::next_word_via_fill;
use rsa::rand_core::{TryCryptoRng, TryRng};
use rsa::traits::PrivateKeyParts as _;
use rsa::{BoxedUint, Oaep};
use zeroize::Zeroizing;

use super::{CryptoFailure, GenerateError, OaepHash, Pkcs1Digest, Random, RsaKeyProblem};
use crate::rsa::{ExponentPolicy, PrivateKey, PublicKey};

pub(super) const NAME: &str = "ring";

/// ring has no prepared RSA key: the key's modulus and exponent are handed to ring on each call.
#[derive(Clone)]
pub(super) struct VerifyingKey(PublicKey);

impl VerifyingKey {
    pub(super) fn new(key: &PublicKey) -> Self {
        Self(key.clone())
    }

    #[inline]
    pub(super) fn verify(
        &self,
        digest: Pkcs1Digest,
        message: &[u8],
        sig: &[u8],
    ) -> Result<(), CryptoFailure> {
        signature::RsaPublicKeyComponents { n: self.0.modulus(), e: self.0.exponent() }
            .verify(digest.params(), message, sig)
            .map_err(|_| CryptoFailure)
    }
}

/// ring's parsed key, built once. ring does not wipe it when it is freed (nor the copy it would make per call if it
/// were rebuilt for each signature): one unwiped copy lives as long as the key.
/// Boxed: ring's key pair is a few hundred bytes, and the types that hold a signing key stay small.
pub(super) type SigningKey = Box<signature::RsaKeyPair>;

pub(super) fn signing_key(key: &PrivateKey) -> Result<SigningKey, RsaKeyProblem> {
    let pair = ring_key_pair(key.pkcs8_der())?;
    consistent(key)?;
    Ok(Box::new(pair))
}

fn ring_key_pair(pkcs8: &[u8]) -> Result<signature::RsaKeyPair, RsaKeyProblem> {
    // `KeyRejected` has no accessor; its `Display` is the stable reason name.
    signature::RsaKeyPair::from_pkcs8(pkcs8).map_err(|rejected| match rejected.to_string().as_str() {
        "TooSmall" | "TooLarge" | "PrivateModulusLenNotMultipleOf512Bits" => RsaKeyProblem::UnsupportedSize,
        _ => RsaKeyProblem::Invalid,
    })
}

/// Checks what neither ring nor the `rsa` crate checks on import, so that the ring provider accepts the keys
/// AWS-LC's `RSA_check_key` accepts: `n = p·q`, `d` consistent with `e` (`rsa`'s `validate`: ring never uses
/// `d`), and the stored CRT values equal to those recomputed from `d` (`rsa` recomputes and ignores them, ring uses
/// them unchecked). Returns the `rsa` crate's key.
fn consistent(key: &PrivateKey) -> Result<rsa::PrivateKey, RsaKeyProblem> {
    let parsed = rsa::PrivateKey::from_pkcs8_der(key.pkcs8_der()).map_err(|_| RsaKeyProblem::Invalid)?;
    parsed.validate().map_err(|_| RsaKeyProblem::Invalid)?;
    let computed = [parsed.dp().cloned(), parsed.dq().cloned(), parsed.crt_coefficient()];
    let stored = key.stored_crt().ok_or(RsaKeyProblem::Invalid)?;
    for (stored, computed) in stored.iter().zip(computed) {
        let computed = Zeroizing::new(computed.ok_or(RsaKeyProblem::Invalid)?.to_be_bytes());
        if crate::rsa::strip_leading_zeros(&computed) != *stored {
            return Err(RsaKeyProblem::Invalid);
        }
    }
    Ok(parsed)
}

/// Lets `rsa` draw from a [`Random`].
struct Rng<'a>(&'a mut dyn Random);

impl TryRng for Rng<'_> {
    type Error = CryptoFailure;

    fn try_next_u32(&mut self) -> Result<u32, CryptoFailure> {
        next_word_via_fill(self)
    }

    fn try_next_u64(&mut self) -> Result<u64, CryptoFailure> {
        next_word_via_fill(self)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), CryptoFailure> {
        self.0.fill(dst)
    }
}

impl TryCryptoRng for Rng<'_> {}

/// The `rsa` crate's key (it wipes itself on drop).
pub(super) struct DecryptingKey(rsa::PrivateKey);

impl DecryptingKey {
    pub(super) fn new(key: &PrivateKey) -> Result<Self, RsaKeyProblem> {
        consistent(key).map(Self)
    }

    pub(super) fn oaep_decrypt(
        &self,
        hash: OaepHash,
        label: &[u8],
        ciphertext: &[u8],
        rng: &mut dyn Random,
    ) -> Option<Zeroizing<Vec<u8>>> {
        let mut rng = Rng(rng);
        let result = match hash {
            OaepHash::Sha1 => {
                self.0.decrypt_blinded(&mut rng, Oaep::<sha1::Sha1>::new_with_label(label), ciphertext)
            }
            OaepHash::Sha256 => {
                self.0.decrypt_blinded(&mut rng, Oaep::<sha2::Sha256>::new_with_label(label), ciphertext)
            }
        };
        result.ok().map(Zeroizing::new)
    }
}

pub(super) fn generate(bits: u32, rng: &mut dyn Random) -> Result<PrivateKey, GenerateError> {
    let bits = usize::try_from(bits).map_err(|_| GenerateError::UnsupportedSize)?;
    let key = rsa::PrivateKey::new(&mut Rng(rng), bits).map_err(|err| match err {
        rsa::Error::Rng => GenerateError::Random,
        _ => GenerateError::Failed,
    })?;
    // A `SecretDocument`: wiped on drop.
    let der = key.to_pkcs8_der().map_err(|_| GenerateError::Failed)?;
    PrivateKey::from_pkcs8_der(der.as_bytes(), ExponentPolicy::F4Only).map_err(|_| GenerateError::Failed)
}

pub(super) fn oaep_encrypt(
    hash: OaepHash,
    key: &PublicKey,
    message: &[u8],
    rng: &mut dyn Random,
) -> Result<Vec<u8>, CryptoFailure> {
    let n = BoxedUint::from_be_slice_vartime(key.modulus());
    let e = BoxedUint::from_be_slice_vartime(key.exponent());
    let key = rsa::PublicKey::new(n, e).map_err(|_| CryptoFailure)?;
    let mut rng = Rng(rng);
    match hash {
        OaepHash::Sha1 => key.encrypt(&mut rng, Oaep::<sha1::Sha1>::new(), message),
        OaepHash::Sha256 => key.encrypt(&mut rng, Oaep::<sha2::Sha256>::new(), message),
    }
    .map_err(|_| CryptoFailure)
}
