//! Claims deserialization as the verifier does it (flex-jwt's strict one-pass deserializer, into
//! `CaptureContextClaims` and into `serde_json::Value`), plus the strict JSON scanner on the same bytes, with
//! differential oracles: the scanner never accepts a document that `serde_json` rejects, the deserializer
//! accepts exactly what the scanner accepts and builds what serde_json builds (`claims_differential`).
#![no_main]

use flex_types::CaptureContextClaims;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = flex_jwt::fuzzing::claims_json(data);
    assert!(flex_jwt::fuzzing::json_differential(data), "strict scanner accepted what serde_json rejects");
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
