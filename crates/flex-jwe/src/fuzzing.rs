//! Hooks for `cargo fuzz` (target `jwe_decrypt`). NOT part of the stable API.
//!
//! The fixed key in `fuzzing/test-key.pk8.pem` is a throw-away 2048-bit key generated for this
//! purpose only; it protects nothing. Keeping it fixed keeps a corpus of valid JWEs valid across runs.

use std::sync::OnceLock;

use crate::alg::KeyAlgorithm;
use crate::decrypt::DecryptionKey;
use crate::random::SystemRandom;

const TEST_KEY_PEM: &str = include_str!("fuzzing/test-key.pk8.pem");

/// The `kid` that [`seed_jwe`] writes.
pub const TEST_KID: &str = "fuzz";

fn test_key() -> Option<&'static DecryptionKey> {
    static KEY: OnceLock<Option<DecryptionKey>> = OnceLock::new();
    KEY.get_or_init(|| DecryptionKey::from_pkcs8_pem(TEST_KEY_PEM).ok()).as_ref()
}

/// Decrypts arbitrary bytes (as UTF-8, if they are) with the fixed test key. Must never panic.
pub fn decrypt_compact(data: &[u8]) {
    if let (Some(key), Ok(text)) = (test_key(), core::str::from_utf8(data)) {
        let _ = key.decrypt(text);
    }
}

/// A valid JWE of `plaintext` under the fixed test key, for seeding a corpus.
pub fn seed_jwe(alg: KeyAlgorithm, plaintext: &[u8]) -> Option<String> {
    let recipient = test_key()?.recipient_key(TEST_KID).ok()?;
    recipient.encrypt_with(alg, plaintext, &mut SystemRandom::new()).ok()
}
