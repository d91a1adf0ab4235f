//! Logs at TRACE level never contain a token, a signature, the shared secret or card data.
//!
//! A test binary of its own (not in `tests/it/`): `tracing` caches each callsite's interest process-wide, so tests
//! of other modules hitting the same callsites with no subscriber could make this capture miss events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flex_client::{AuthScheme, Client, PaymentData};
use flex_sandbox::{Sandbox, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET, TestKeys};
use flex_testkit::LogBuffer;
use flex_types::{FieldPath, SessionRequest};

#[test]
fn trace_logs_mask_tokens_and_hide_secrets_and_card_data() {
    let buffer = LogBuffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (context, token) = runtime.block_on(async {
        let sandbox = Sandbox::builder().test_keys(TestKeys::generate(1).unwrap()).start().await.unwrap();
        let mut out = None;
        for scheme in [AuthScheme::HttpSignature, AuthScheme::Jwt] {
            let client = Client::builder()
                .base_url(sandbox.base_url())
                .shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, TEST_SHARED_SECRET)
                .auth_scheme(scheme)
                .build()
                .unwrap();
            let request =
                SessionRequest::new().require(FieldPath::CardNumber).require(FieldPath::CardSecurityCode);
            let context = client.create_capture_context(&request).await.unwrap();
            let card = PaymentData::flat()
                .with("paymentInformation.card.number", "4111111111111111")
                .unwrap()
                .with("paymentInformation.card.securityCode", "987")
                .unwrap();
            let token = client.tokenize(&context, card).await.unwrap();
            client.verify_transient_token(&token, &context).await.unwrap();
            out = Some((context.as_str().to_owned(), token));
        }
        sandbox.shutdown().await;
        out.unwrap()
    });
    let logs = buffer.text();
    assert!(logs.contains("capture context created"), "spans and events were recorded:\n{logs}");
    assert!(logs.contains("***"), "tokens appear masked");
    for secret in [
        TEST_SHARED_SECRET,
        "4111111111111111",
        "987\"",
        context.as_str(),
        token.as_str(),
        context.rsplit('.').next().unwrap(),
        token.rsplit('.').next().unwrap(),
        "Bearer",
        "signature=\"",
    ] {
        assert!(!logs.contains(secret), "logs contain {secret:?}:\n{logs}");
    }
}
