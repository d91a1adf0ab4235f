//! Every `ring` call of this crate: the SHA-256 of the tokens endpoint's `Digest` header, and randomness for
//! retry jitter.

use base64ct::{Base64, Encoding as _};
use ring::rand::{SecureRandom as _, SystemRandom};

/// `base64(SHA-256(body))`, the value after `SHA-256=` in a `Digest` header.
pub(crate) fn sha256_base64(body: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, body);
    Base64::encode_string(digest.as_ref())
}

/// A random `u64` for jitter; `0` if the OS generator fails (jitter is not security relevant).
pub(crate) fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    match SystemRandom::new().fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn empty_body_digest_matches_the_reference() {
        // flex-api.md §7.1: SHA-256 digest of an empty body.
        assert_eq!(super::sha256_base64(b""), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    }
}
