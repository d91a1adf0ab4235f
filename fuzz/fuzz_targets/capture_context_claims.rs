//! `CaptureContextClaims` deserialization (what `Verified::claims` does after the signature check), plus the
//! verifier's strict JSON scanner on the same bytes (`flex_jwt::fuzzing::claims_json`) with a differential
//! oracle: the scanner must never accept a document that `serde_json` rejects.
#![no_main]

use flex_types::CaptureContextClaims;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = flex_jwt::fuzzing::claims_json(data);
    assert!(flex_jwt::fuzzing::json_differential(data), "strict scanner accepted what serde_json rejects");
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
