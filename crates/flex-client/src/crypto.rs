//! This crate's own crypto, through `flex_jose::crypto` (the SDK's one provider boundary, chosen by the `ring`,
//! `aws-lc-rs` or `fips` feature): the SHA-256 of the tokens endpoint's `Digest` header, and randomness for retry
//! jitter. TLS has its own provider, chosen by the same features ([`tls_provider`]).

use base64ct::{Base64, Encoding as _};

/// The crypto provider of the JOSE layer (signatures, JWE, digests, randomness): `"ring"`, `"aws-lc-rs"` or
/// `"aws-lc-rs (FIPS)"`.
pub(crate) const JOSE_PROVIDER: &str = flex_jose::crypto::PROVIDER;

/// `base64(SHA-256(body))`, the value after `SHA-256=` in a `Digest` header.
pub(crate) fn sha256_base64(body: &[u8]) -> String {
    Base64::encode_string(&flex_jose::crypto::sha256(body))
}

/// A random `u64` for jitter; `0` if the OS generator fails (jitter is not security relevant).
pub(crate) fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    match flex_jose::crypto::fill_random(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => 0,
    }
}

/// The name of the TLS provider [`tls_provider`] gives.
#[cfg(feature = "fips")]
pub(crate) const TLS_PROVIDER: &str = "aws-lc-rs (FIPS)";
/// The name of the TLS provider [`tls_provider`] gives.
#[cfg(all(feature = "aws-lc-rs", not(feature = "fips")))]
pub(crate) const TLS_PROVIDER: &str = "aws-lc-rs";
/// The name of the TLS provider [`tls_provider`] gives.
#[cfg(all(feature = "ring", not(any(feature = "aws-lc-rs", feature = "fips"))))]
pub(crate) const TLS_PROVIDER: &str = "ring";

/// rustls's provider for this build, chosen by feature as `flex_jose::crypto` chooses its own: `fips` gives
/// rustls's FIPS provider (aws-lc-rs on AWS-LC's FIPS 140-3 module), `aws-lc-rs` its `aws_lc_rs` provider, `ring`
/// alone its ring provider. Always passed explicitly to the `ClientConfig` builder, never installed as the process
/// default: a build may compile in more than one (e.g. the sandbox's ring beside the client's aws-lc-rs).
pub(crate) fn tls_provider() -> rustls::crypto::CryptoProvider {
    #[cfg(feature = "fips")]
    let provider = rustls::crypto::default_fips_provider();
    #[cfg(all(feature = "aws-lc-rs", not(feature = "fips")))]
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    #[cfg(all(feature = "ring", not(any(feature = "aws-lc-rs", feature = "fips"))))]
    let provider = rustls::crypto::ring::default_provider();
    provider
}

#[cfg(test)]
mod tests {
    #[test]
    fn empty_body_digest_matches_the_reference() {
        // The SHA-256 of the empty string (FIPS 180-4 test vector), base64 as in a `Digest` header.
        assert_eq!(super::sha256_base64(b""), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    }

    #[test]
    fn digest_of_a_body_matches_the_reference() {
        // FIPS 180-4's "abc" example: ba7816bf 8f01cfea 414140de 5dae2223 b00361a3 96177a9c b410ff61 f20015ad.
        assert_eq!(super::sha256_base64(b"abc"), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
    }

    #[test]
    fn jitter_randomness_varies() {
        // Two draws of 64 random bits are equal with probability 2^-64; `0` would mean the OS source failed.
        let (a, b) = (super::random_u64(), super::random_u64());
        assert_ne!(a, b);
    }

    #[test]
    fn tls_provider_follows_the_features() {
        let provider = super::tls_provider();
        assert_eq!(provider.fips(), cfg!(feature = "fips"));
        let expected = if cfg!(feature = "fips") {
            "aws-lc-rs (FIPS)"
        } else if cfg!(feature = "aws-lc-rs") {
            "aws-lc-rs"
        } else {
            "ring"
        };
        assert_eq!(super::TLS_PROVIDER, expected);
        // This crate's features are forwarded to flex-jose, which gives aws-lc-rs the same precedence, so the JOSE
        // layer uses TLS's provider unless some other crate of the build turned aws-lc-rs on for flex-jose alone.
        if cfg!(feature = "fips") {
            assert_eq!(super::JOSE_PROVIDER, "aws-lc-rs (FIPS)");
        } else if cfg!(feature = "aws-lc-rs") {
            assert!(super::JOSE_PROVIDER.starts_with("aws-lc-rs"), "{}", super::JOSE_PROVIDER);
        }
    }
}
