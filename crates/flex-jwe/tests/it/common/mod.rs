//! Shared helpers for the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use std::path::PathBuf;
use std::sync::OnceLock;

use flex_jwe::{DecryptionKey, RandomError, RandomSource, RecipientKey};

/// The repository's reference vectors (`testdata/`).
pub fn vectors() -> PathBuf {
    flex_testkit::testdata()
}

pub fn read_vector(rel: &str) -> String {
    flex_testkit::read_to_string(rel)
}

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// The rsa2048 test key (parsed once per test binary).
pub fn rsa2048() -> &'static DecryptionKey {
    static KEY: OnceLock<DecryptionKey> = OnceLock::new();
    KEY.get_or_init(|| DecryptionKey::from_pkcs8_pem(&read_vector("keys/rsa2048.pk8.pem")).unwrap())
}

/// The rsa2048 public JWK as a [`RecipientKey`].
pub fn rsa2048_recipient() -> RecipientKey {
    let jwk: serde_json::Value = serde_json::from_str(&read_vector("keys/rsa2048.pub.jwk.json")).unwrap();
    RecipientKey::from_jwk_components(
        jwk["kid"].as_str().unwrap(),
        jwk["n"].as_str().unwrap(),
        jwk["e"].as_str().unwrap(),
    )
    .unwrap()
}

/// A deterministic, NOT secure byte stream (SplitMix64), so that tests are reproducible.
pub struct TestRng(pub u64);

impl RandomSource for TestRng {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        for chunk in dest.chunks_mut(8) {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
        Ok(())
    }
}

/// A random source that always fails.
pub struct FailingRng;

impl RandomSource for FailingRng {
    fn fill(&mut self, _dest: &mut [u8]) -> Result<(), RandomError> {
        Err(RandomError)
    }
}

/// Base64url (no padding) decode, for inspecting segments in tests.
pub fn b64d(text: &str) -> Vec<u8> {
    use base64ct::{Base64UrlUnpadded, Encoding};
    Base64UrlUnpadded::decode_vec(text).unwrap()
}

pub fn b64e(bytes: &[u8]) -> String {
    use base64ct::{Base64UrlUnpadded, Encoding};
    Base64UrlUnpadded::encode_string(bytes)
}
