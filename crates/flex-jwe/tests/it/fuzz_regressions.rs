//! Replays every saved fuzzer finding of `jwe_decrypt` (compact JWE decryption with the fixed fuzzing key)
//! under a time budget. Passes trivially when there are no findings. See docs/FUZZING.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use flex_testkit::{fuzz_findings as findings, fuzz_seeds as seeds, replay};

#[test]
fn jwe_decrypt_findings_replay() {
    replay(&findings("jwe_decrypt"), flex_jwe::fuzzing::decrypt_compact);
}

#[test]
fn seeds_run_clean() {
    let all = seeds("jwe_decrypt");
    assert!(all.len() >= 2);
    replay(&all, flex_jwe::fuzzing::decrypt_compact);
    // The two real seeds (RSA-OAEP and RSA-OAEP-256 + A256GCM) decrypt under the fuzzing key, so the fuzzer
    // starts from inputs that reach the AEAD and the plaintext checks.
    let pem =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/fuzzing/test-key.pk8.pem"))
            .unwrap();
    let key = flex_jwe::DecryptionKey::from_pkcs8_pem(&pem).unwrap();
    for name in ["seed-rsa-oaep", "seed-rsa-oaep-256"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/jwe_decrypt").join(name);
        let compact = std::fs::read_to_string(path).unwrap();
        let plaintext = key.decrypt(&compact).unwrap();
        assert!(plaintext.starts_with(b"{\"data\""), "{name}");
    }
}
