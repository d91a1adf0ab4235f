//! Claims deserialization as the verifier does it, held to the strict scanner and to serde_json by flex-jose's
//! one differential oracle (`flex_jwt::fuzzing::claims_differential`, into `CaptureContextClaims` and
//! `serde_json::Value`); then `flex_types::CaptureContextClaims`'s accessors on whatever serde_json reads.
#![no_main]

use flex_types::CaptureContextClaims;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(disagreement) = flex_jwt::fuzzing::claims_differential(data) {
        panic!("{disagreement}");
    }
    if let Ok(claims) = serde_json::from_slice::<CaptureContextClaims<'_>>(data) {
        let _ = claims.tokens_url();
        let _ = claims.required_fields().count();
        let _ = claims.optional_fields().count();
        let _ = claims.accepts_field("paymentInformation.card.number");
        let _ = claims.lifetime_secs();
        let owned = claims.clone().into_owned();
        assert_eq!(owned, claims);
    }
});
