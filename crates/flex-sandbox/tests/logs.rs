//! The logs name what happened, and never contain card data, secrets, signatures or tokens.
//!
//! A test binary of its own: `tracing` caches per-callsite interest process-wide, so a subscriber installed
//! by one test can miss events from callsites that tests on other threads hit first.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs, unreachable_pub, dead_code)]

#[path = "it/support.rs"]
mod support;

use flex_jwe::PaymentData;
use flex_sandbox::TEST_SHARED_SECRET;
use flex_testkit::LogBuffer;

use support::{Scheme, T0, VECTOR_BODY};

// The only test of this binary, with a process-wide subscriber.
#[tokio::test]
async fn logs_hold_no_sensitive_data() {
    let captured = LogBuffer::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let (sandbox, _clock, api) = support::start().await;
    let headers = api.session_headers(Scheme::HttpSignature, VECTOR_BODY, T0);
    let signature = headers.iter().find(|(n, _)| n == "Signature").unwrap().1.clone();
    let res = api.send("POST", "/flex/v2/sessions", &headers, VECTOR_BODY.as_bytes().to_vec()).await;
    assert_eq!(res.status, 201);
    let context = res.body;
    let jwt_headers = api.session_headers(Scheme::JwtOnlyAuthorization, "{}", T0);
    let bearer = jwt_headers[0].1.clone();
    assert_eq!(api.send("POST", "/flex/v2/sessions", &jwt_headers, b"{}".to_vec()).await.status, 400);
    let jwe = support::jwe_for(&context, support::card(PaymentData::flat()));
    let token = api.tokenize(&jwe).await.body;
    // A failing one too (bad Luhn).
    let context2 = api.create_session(T0).await;
    let bad = PaymentData::flat().with("paymentInformation.card.number", "4111111111111112").unwrap();
    assert_eq!(api.tokenize(&support::jwe_for(&context2, bad)).await.status, 400);
    // A Microform context, its token, a payment and the reuse of its token.
    let mf_body = r#"{"clientVersion":"v2","targetOrigins":["https://shop.example"]}"#;
    let mf = api.send_signed("POST", "/microform/v2/sessions", mf_body, T0).await;
    assert_eq!(mf.status, 201, "{}", mf.body);
    let mf_token = api.tokenize(&support::jwe_for(&mf.body, support::card(PaymentData::flat()))).await.body;
    let payment = format!(
        r#"{{"orderInformation":{{"amountDetails":{{"totalAmount":"1.00","currency":"USD"}},"billTo":{{"email":"jane@example.com"}}}},"tokenInformation":{{"transientTokenJwt":"{mf_token}"}}}}"#
    );
    assert_eq!(api.send_signed("POST", "/pts/v2/payments", &payment, T0).await.status, 201);
    assert_eq!(api.send_signed("POST", "/pts/v2/payments", &payment, T0).await.status, 400);
    sandbox.shutdown().await;

    let logs = captured.text();
    assert!(logs.contains("capture context issued"), "{logs}");
    assert!(logs.contains("transient token issued"), "{logs}");
    assert!(logs.contains("merchant=testrest"), "{logs}");
    assert!(logs.contains("payments: processed"), "{logs}");
    assert!(logs.contains("already used"), "{logs}");
    let sig_value = signature.split("signature=\"").nth(1).unwrap().trim_end_matches('"');
    let bearer_token = bearer.trim_start_matches("Bearer ");
    for secret in [
        "4111111111111111",
        "4111111111111112",
        "\"123\"",
        TEST_SHARED_SECRET,
        sig_value,
        bearer_token,
        context.as_str(),
        context.rsplit('.').next().unwrap(),
        jwe.as_str(),
        token.as_str(),
        token.rsplit('.').next().unwrap(),
        mf.body.as_str(),
        mf_token.as_str(),
        mf_token.rsplit('.').next().unwrap(),
        "jane@example.com",
    ] {
        assert!(!logs.contains(secret), "the logs contain {secret:.20}...");
    }
}
