//! JWK / JWKS import: `RsaPublicKey::from_jwk`, `KeySet::from_jwks`, and the capture context's `flx.jwk`
//! path (`RsaPublicKey::from_flex_capture_context_jwk_json`). Must never panic; an accepted key must survive a
//! JWK round trip unchanged.
#![no_main]

use flex_jwt::{KeySet, RsaPublicKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else { return };
    if let Ok(key) = RsaPublicKey::from_jwk(text) {
        let again = RsaPublicKey::from_jwk(&key.to_jwk_json()).expect("re-import of an exported key");
        assert_eq!(again.modulus(), key.modulus());
        assert_eq!(again.exponent(), key.exponent());
        assert_eq!(again.kid(), key.kid());
        let der = RsaPublicKey::from_pkcs1_der(&key.to_pkcs1_der()).expect("re-import of exported DER");
        assert_eq!(der.modulus(), key.modulus());
    }
    if let Ok(set) = KeySet::from_jwks(text) {
        assert_eq!(set.iter().count(), set.len());
        for key in set.iter() {
            if let Some(kid) = key.kid() {
                assert!(set.get(kid.as_str()).is_some());
            }
        }
    }
    let _ = RsaPublicKey::from_flex_capture_context_jwk_json(text);
    if let Ok(jwk) = serde_json::from_str::<flex_types::RsaJwk<'_>>(text) {
        let _ = jwk.has_private_members();
        let _ = RsaPublicKey::from_flex_capture_context_jwk(&jwk);
    }
});
