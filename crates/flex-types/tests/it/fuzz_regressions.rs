//! Replays every saved fuzzer finding of the flex-types targets (`capture_context_claims`, `error_body_parse`)
//! through the same calls as `fuzz/fuzz_targets/*.rs`, under a time budget. Passes trivially when there are no
//! findings. See docs/FUZZING.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flex_testkit::{fuzz_findings as findings, fuzz_seeds as seeds, replay};

use flex_types::{CaptureContextClaims, ErrorBody};

fn capture_context_claims(data: &[u8]) {
    if let Ok(claims) = serde_json::from_slice::<CaptureContextClaims<'_>>(data) {
        let _ = claims.tokens_url();
        let _ = claims.required_fields().count();
        let _ = claims.optional_fields().count();
        let _ = claims.accepts_field("paymentInformation.card.number");
        let _ = claims.lifetime_secs();
        assert_eq!(claims.clone().into_owned(), claims);
    }
}

fn error_body_parse(data: &[u8]) {
    if let Ok(body) = serde_json::from_slice::<ErrorBody<'_>>(data) {
        let _ = body.shape();
        if let Some(status) = body.status() {
            let _ = status.code();
            let _ = status.as_text();
        }
        let _ = (body.reason(), body.message(), body.correlation_id(), body.details().count());
        let owned = body.clone().into_owned();
        assert_eq!(owned.shape(), body.shape());
        assert_eq!(owned.message(), body.message());
    }
}

#[test]
fn capture_context_claims_findings_replay() {
    replay(&findings("capture_context_claims"), capture_context_claims);
}

#[test]
fn error_body_parse_findings_replay() {
    replay(&findings("error_body_parse"), error_body_parse);
}

#[test]
fn seeds_run_clean_and_parse() {
    let claims = seeds("capture_context_claims");
    assert!(!claims.is_empty());
    replay(&claims, capture_context_claims);
    for path in &claims {
        let data = std::fs::read(path).unwrap();
        assert!(serde_json::from_slice::<CaptureContextClaims<'_>>(&data).is_ok(), "{}", path.display());
    }
    let bodies = seeds("error_body_parse");
    assert_eq!(bodies.len(), 5);
    replay(&bodies, error_body_parse);
    for path in &bodies {
        let data = std::fs::read(path).unwrap();
        assert!(serde_json::from_slice::<ErrorBody<'_>>(&data).is_ok(), "{}", path.display());
    }
}
