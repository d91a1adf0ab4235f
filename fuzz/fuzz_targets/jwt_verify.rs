//! `flex_jwt::Verifier::verify_token` against a fixed RSA-2048 key at a fixed time (via
//! `flex_jwt::fuzzing::verify_fixed_key`).
//!
//! Oracle: the fuzzer cannot forge an RS256 signature, so `Ok` is only possible for a token that was signed by
//! the fixed key, i.e. one of the seed tokens, byte for byte. Anything else verifying means the signature does
//! not bind the whole token (a malleability bug): panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// The seed tokens signed by `rsa2048` that are valid at the hook's fixed time (2023-11-14).
const SIGNED_SEEDS: &[&[u8]] = &[
    include_bytes!("../corpus/jwt_verify/seed-rsa2048-sample"),
    include_bytes!("../corpus/jwt_verify/seed-rsa2048-capture-context"),
    include_bytes!("../corpus/jwt_verify/seed-rsa2048-nbf-typ"),
];

fuzz_target!(|data: &[u8]| {
    if flex_jwt::fuzzing::verify_fixed_key(data) {
        assert!(
            SIGNED_SEEDS.contains(&data),
            "a token that is not a signed seed verified: {:?}",
            String::from_utf8_lossy(data)
        );
    }
});
