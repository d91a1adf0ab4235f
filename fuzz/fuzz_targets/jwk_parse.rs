//! JWK / JWKS import (`flex_jwt::fuzzing::jwk_parse`): `RsaPublicKey::from_jwk`, `KeySet::from_jwks`, and the
//! capture context's `flx.jwk` path. Must never panic; an accepted key must survive a JWK and a DER round trip
//! unchanged, and every `kid` of a key set must be found.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = flex_jwt::fuzzing::jwk_parse(data) {
        panic!("{violation}");
    }
});
