//! The only module of `flex-jwt` that calls `ring`: byte slices in, a detail-less error out.

use ring::signature;

use crate::alg::Algorithm;
use crate::key::RsaPublicKey;

/// A signature did not verify. Deliberately carries no detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidSignature;

/// Verifies an RSASSA-PKCS1-v1_5 signature over `message`.
///
/// ring re-validates the key and rebuilds its Montgomery context on every call (it has no pre-parsed key API);
/// that work is part of the measured floor. Size and exponent policy were already enforced at key import.
pub(crate) fn verify_pkcs1(
    alg: Algorithm,
    key: &RsaPublicKey,
    message: &[u8],
    signature: &[u8],
) -> Result<(), InvalidSignature> {
    let params = match alg {
        Algorithm::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::Rs384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::Rs512 => &signature::RSA_PKCS1_2048_8192_SHA512,
    };
    signature::RsaPublicKeyComponents { n: key.modulus(), e: key.exponent() }
        .verify(params, message, signature)
        .map_err(|_| InvalidSignature)
}
