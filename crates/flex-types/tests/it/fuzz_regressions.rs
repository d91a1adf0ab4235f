//! Replays every saved fuzzer finding of the flex-types targets (`capture_context_claims`, `error_body_parse`,
//! `payments_parse`, `microform_parse`) through the same calls as `fuzz/fuzz_targets/*.rs` (the last two through
//! the crate's own `fuzzing` hooks, oracles included), under a time budget. Passes trivially when there are no
//! findings. See docs/FUZZING.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flex_testkit::{fuzz_findings as findings, fuzz_seeds as seeds, replay};

use flex_types::{
    Amount, CaptureContextClaims, ContextKind, ErrorBody, MicroformSessionRequest, PaymentRequest,
    PaymentResponse, TransientTokenClaims,
};

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

/// The targets' own hooks, so that a replay runs exactly what the fuzzer ran.
fn payments_parse(data: &[u8]) {
    assert_eq!(flex_types::fuzzing::payments_parse(data), Ok(()));
}

fn microform_parse(data: &[u8]) {
    assert_eq!(flex_types::fuzzing::microform_parse(data), Ok(()));
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

#[test]
fn payments_parse_findings_replay() {
    replay(&findings("payments_parse"), payments_parse);
}

#[test]
fn microform_parse_findings_replay() {
    replay(&findings("microform_parse"), microform_parse);
}

/// The seeds run clean and each reaches the parser it was made for, so the oracles are not vacuous.
#[test]
fn payments_and_microform_seeds_run_clean_and_parse() {
    let payments = seeds("payments_parse");
    assert_eq!(payments.len(), 10);
    replay(&payments, payments_parse);
    for path in &payments {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(path).unwrap();
        let parsed = if name.starts_with("seed-request-") {
            serde_json::from_slice::<PaymentRequest<'static>>(&data).is_ok()
        } else if name.starts_with("seed-response-") {
            // Tolerant: any JSON object reads; the seeds also carry a status.
            serde_json::from_slice::<PaymentResponse<'_>>(&data).is_ok_and(|r| r.status.is_some())
        } else {
            let text = std::str::from_utf8(&data).unwrap();
            text.split_once(' ').is_some_and(|(value, code)| Amount::parse(value, code).is_ok())
        };
        assert!(parsed, "{name}");
    }
    let microform = seeds("microform_parse");
    assert_eq!(microform.len(), 9);
    replay(&microform, microform_parse);
    for path in &microform {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(path).unwrap();
        let parsed = if name.starts_with("seed-request-") {
            serde_json::from_slice::<MicroformSessionRequest>(&data).is_ok()
        } else if name.starts_with("seed-context-") {
            serde_json::from_slice::<CaptureContextClaims<'_>>(&data).is_ok()
        } else if name.starts_with("seed-token-") {
            serde_json::from_slice::<TransientTokenClaims<'_>>(&data).is_ok_and(|t| t.expiry().is_some())
        } else {
            name.starts_with("seed-lines-")
        };
        assert!(parsed, "{name}");
    }
    let mf_context = microform.iter().find(|p| p.ends_with("seed-context-mf-2")).unwrap();
    let data = std::fs::read(mf_context).unwrap();
    let claims: CaptureContextClaims<'_> = serde_json::from_slice(&data).unwrap();
    assert_eq!(claims.kind(), ContextKind::Microform);
    assert!(claims.microform().is_some_and(|m| m.client_library.is_some()));
}

/// Inputs at the edges of the oracles' rules pass them: duplicate members, private JWK members, each builder error.
#[test]
fn edge_inputs_pass_the_oracles() {
    // Duplicate members of an answer: the later ones are ignored by design, and serialization stays stable.
    payments_parse(br#"{"id":"a","id":"b","orderInformation":{"amountDetails":{"authorizedAmount":"1"},"x":1},"orderInformation":{"y":2}}"#);
    // The first `orderInformation` is the one read and written back (fuzz/regressions/payments_parse/
    // duplicate-order-information: the repeated one used to be merged instead, and serialization was not stable).
    let response: PaymentResponse<'_> =
        serde_json::from_str(r#"{"orderInformation":{"a":1},"orderInformation":{"b":2,"amountDetails":{}}}"#)
            .unwrap();
    assert_eq!(serde_json::to_string(&response).unwrap(), r#"{"orderInformation":{"a":1}}"#);
    // Duplicate members of a request: refused by `from_json`, read first-wins by serde_json (the hooks compare both).
    payments_parse(
        br#"{"orderInformation":{"amountDetails":{"totalAmount":"1","currency":"USD","totalAmo\u0075nt":"2"}},"tokenInformation":{"transientTokenJwt":"e30.e30.c2ln"}}"#,
    );
    microform_parse(br#"{"targetOrigins":["https://a.example"],"targetOrigins":[]}"#);
    microform_parse(br#"{"targetOrigins":["https://a.example"],"x":{"\ud83d\ude00":1,"\ud83d\ude00":2}}"#);
    // Private JWK members are never written back: the claims re-read, minus them.
    microform_parse(
        br#"{"flx":{"path":"/p","data":"d","origin":"https://o","jwk":{"kty":"RSA","n":"AQ","e":"AQAB","d":"x"}},"ctx":[{"type":"mf-2.0.0","data":{}}],"iss":"i","exp":2,"iat":1,"jti":"j"}"#,
    );
    // Builder lines: the error names the first bad or repeated origin.
    microform_parse(b"v2\nhttps://a.example\nhttps://A.example");
    microform_parse(b"v2\nhttps://a.example\nhttps://*.example");
    microform_parse(b"v2.1.2.3\nhttps://a.example");
}
