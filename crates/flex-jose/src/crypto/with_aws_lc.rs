//! The aws-lc-rs provider (AWS-LC, or its FIPS 140-3 module with the `fips` feature): RSA verification keys are
//! parsed once per key and digest and reused; RSAES-OAEP decryption is AWS-LC's constant-time one.

use std::sync::{Arc, OnceLock};

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rsa::{
    KeyPair, KeySize, OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OaepAlgorithm, OaepPrivateDecryptingKey,
    OaepPublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey,
};
use aws_lc_rs::signature::ParsedPublicKey;
use zeroize::Zeroizing;

use super::{CryptoFailure, GenerateError, OaepHash, Pkcs1Digest, Random, RsaKeyProblem};
use crate::rsa::{ExponentPolicy, PrivateKey, PublicKey};

#[cfg(not(feature = "fips"))]
pub(super) const NAME: &str = "aws-lc-rs";
#[cfg(feature = "fips")]
pub(super) const NAME: &str = "aws-lc-rs (FIPS)";

/// The key's PKCS#1 DER and, per digest, AWS-LC's parsed key, built on first use and shared by every clone.
#[derive(Clone)]
pub(super) struct VerifyingKey(Arc<Prepared>);

struct Prepared {
    pkcs1: Box<[u8]>,
    /// Indexed by the [`Pkcs1Digest`]'s discriminant; `None` inside once AWS-LC refused the key.
    parsed: [OnceLock<Option<ParsedPublicKey>>; 3],
}

impl VerifyingKey {
    pub(super) fn new(key: &PublicKey) -> Self {
        Self(Arc::new(Prepared {
            pkcs1: key.to_pkcs1_der().into_boxed_slice(),
            parsed: [OnceLock::new(), OnceLock::new(), OnceLock::new()],
        }))
    }

    #[inline]
    pub(super) fn verify(
        &self,
        digest: Pkcs1Digest,
        message: &[u8],
        sig: &[u8],
    ) -> Result<(), CryptoFailure> {
        let slot = self.0.parsed.get(digest as usize).ok_or(CryptoFailure)?;
        let parsed = slot.get_or_init(|| ParsedPublicKey::new(digest.params(), &*self.0.pkcs1).ok());
        parsed.as_ref().ok_or(CryptoFailure)?.verify_sig(message, sig).map_err(|_| CryptoFailure)
    }
}

fn key_problem(rejected: &aws_lc_rs::error::KeyRejected) -> RsaKeyProblem {
    match rejected.description_() {
        "TooSmall" | "TooLarge" => RsaKeyProblem::UnsupportedSize,
        _ => RsaKeyProblem::Invalid,
    }
}

/// AWS-LC's parsed key; AWS-LC clears its memory when it is freed.
pub(super) type SigningKey = KeyPair;

pub(super) fn signing_key(key: &PrivateKey) -> Result<SigningKey, RsaKeyProblem> {
    KeyPair::from_pkcs8(key.pkcs8_der()).map_err(|rejected| key_problem(&rejected))
}

fn oaep_algorithm(hash: OaepHash) -> &'static OaepAlgorithm {
    match hash {
        OaepHash::Sha1 => &OAEP_SHA1_MGF1SHA1,
        OaepHash::Sha256 => &OAEP_SHA256_MGF1SHA256,
    }
}

pub(super) struct DecryptingKey(OaepPrivateDecryptingKey);

impl DecryptingKey {
    pub(super) fn new(key: &PrivateKey) -> Result<Self, RsaKeyProblem> {
        let key =
            PrivateDecryptingKey::from_pkcs8(key.pkcs8_der()).map_err(|rejected| key_problem(&rejected))?;
        OaepPrivateDecryptingKey::new(key).map(Self).map_err(|_| RsaKeyProblem::Invalid)
    }

    pub(super) fn oaep_decrypt(
        &self,
        hash: OaepHash,
        label: &[u8],
        ciphertext: &[u8],
        _rng: &mut dyn Random,
    ) -> Option<Zeroizing<Vec<u8>>> {
        let mut out = Zeroizing::new(vec![0u8; self.0.min_output_size()]);
        let len = self.0.decrypt(oaep_algorithm(hash), ciphertext, &mut out, Some(label)).ok()?.len();
        out.truncate(len);
        Some(out)
    }
}

pub(super) fn generate(bits: u32, _rng: &mut dyn Random) -> Result<PrivateKey, GenerateError> {
    let size = match bits {
        2048 => KeySize::Rsa2048,
        3072 => KeySize::Rsa3072,
        4096 => KeySize::Rsa4096,
        _ => return Err(GenerateError::UnsupportedSize),
    };
    let key = PrivateDecryptingKey::generate(size).map_err(|_| GenerateError::Failed)?;
    let der = key.as_der().map_err(|_| GenerateError::Failed)?;
    PrivateKey::from_pkcs8_der(der.as_ref(), ExponentPolicy::F4Only).map_err(|_| GenerateError::Failed)
}

pub(super) fn oaep_encrypt(
    hash: OaepHash,
    key: &PublicKey,
    message: &[u8],
    _rng: &mut dyn Random,
) -> Result<Vec<u8>, CryptoFailure> {
    let public = PublicEncryptingKey::from_der(&key.to_spki_der()).map_err(|_| CryptoFailure)?;
    let public = OaepPublicEncryptingKey::new(public).map_err(|_| CryptoFailure)?;
    let mut out = vec![0u8; public.ciphertext_size()];
    let len = public.encrypt(oaep_algorithm(hash), message, &mut out, None).map_err(|_| CryptoFailure)?.len();
    out.truncate(len);
    Ok(out)
}
