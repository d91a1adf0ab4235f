//! The client's TLS path for real: the sandbox over HTTPS with a CA generated at start-up, trusted with
//! `add_root_certificate_pem`, HTTP/2 or HTTP/1.1 chosen by ALPN (seen in the transport's `answered` log line).
//!
//! A test binary of its own (not in `tests/it/`): it reads the protocol from captured logs, and `tracing` caches
//! each callsite's interest process-wide, so tests of other modules hitting the same callsites with no subscriber
//! could make a capture miss events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use flex_client::{AuthScheme, Client, ClientBuilder, ErrorKind, PaymentData, RetryPolicy};
use flex_sandbox::{
    RunningSandbox, Sandbox, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET, TestKeys, TlsIdentity,
};
use flex_testkit::LogBuffer;
use flex_types::{FieldPath, SessionRequest};

/// The tests of this file run one at a time: `tracing` caches each callsite's interest process-wide, so a test
/// hitting a callsite on another thread with no subscriber can make this thread's capture miss events.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Captures this thread's DEBUG logs (the tests run on a current-thread runtime).
fn capture() -> (LogBuffer, tracing::subscriber::DefaultGuard) {
    let buffer = LogBuffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (buffer, tracing::subscriber::set_default(subscriber))
}

fn test_keys() -> TestKeys {
    static KEYS: OnceLock<TestKeys> = OnceLock::new();
    KEYS.get_or_init(|| TestKeys::generate(2).unwrap()).clone()
}

async fn https_sandbox() -> RunningSandbox {
    Sandbox::builder().test_keys(test_keys()).tls(TlsIdentity::generate()).start().await.unwrap()
}

fn builder(sandbox: &RunningSandbox) -> ClientBuilder {
    Client::builder()
        .base_url(sandbox.base_url())
        .shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, TEST_SHARED_SECRET)
        .add_root_certificate_pem(sandbox.ca_pem().unwrap().as_bytes())
}

/// Create, verify, tokenize, verify the token.
async fn full_flow(client: &Client, sandbox: &RunningSandbox) {
    let request = SessionRequest::new().require(FieldPath::CardNumber).optional(FieldPath::CardSecurityCode);
    let context = client.create_capture_context(&request).await.unwrap();
    assert_eq!(context.claims().flx.origin, sandbox.base_url());
    assert!(context.tokens_url().starts_with("https://127.0.0.1:"));
    let again = client.verify_capture_context(context.as_str()).await.unwrap();
    assert_eq!(again.claims().jti, context.claims().jti);
    let card = PaymentData::flat()
        .with("paymentInformation.card.number", "4111111111111111")
        .unwrap()
        .with("paymentInformation.card.securityCode", "123")
        .unwrap();
    let token = client.tokenize(&context, card).await.unwrap();
    let verified = client.verify_transient_token(&token, &context).await.unwrap();
    assert_eq!(verified.claims().masked_card_number(), Some("411111XXXXXX1111"));
}

/// The HTTP versions of every answer the transport logged.
fn versions(logs: &str) -> Vec<&str> {
    logs.lines()
        .filter(|l| l.contains("answered"))
        .filter_map(|l| l.split("version=").nth(1)?.split_whitespace().next())
        .collect()
}

#[tokio::test]
async fn https_flow_negotiates_http2_by_alpn() {
    let _serial = SERIAL.lock().await;
    let (logs, _guard) = capture();
    let sandbox = https_sandbox().await;
    assert!(sandbox.base_url().starts_with("https://"));
    for scheme in [AuthScheme::Jwt, AuthScheme::HttpSignature] {
        let client = builder(&sandbox).auth_scheme(scheme).build().unwrap();
        assert!(client.environment().is_https());
        full_flow(&client, &sandbox).await;
    }
    let logs = logs.text();
    let seen = versions(&logs);
    // sessions, public key, tokens: at least three answers per client, all over HTTP/2.
    assert!(seen.len() >= 6, "{logs}");
    assert!(seen.iter().all(|v| *v == "HTTP/2.0"), "{seen:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn https_flow_over_http1_when_h2_is_not_offered() {
    let _serial = SERIAL.lock().await;
    let (logs, _guard) = capture();
    let sandbox = https_sandbox().await;
    let client = builder(&sandbox).http2_over_tls(false).build().unwrap();
    full_flow(&client, &sandbox).await;
    let logs = logs.text();
    let seen = versions(&logs);
    assert!(seen.len() >= 3, "{logs}");
    assert!(seen.iter().all(|v| *v == "HTTP/1.1"), "{seen:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_transport_error() {
    let _serial = SERIAL.lock().await;
    let sandbox = https_sandbox().await;
    // Only the webpki roots: the sandbox's CA is unknown.
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, TEST_SHARED_SECRET)
        .retry_policy(RetryPolicy::NONE)
        .build()
        .unwrap();
    let err = client.public_key(&sandbox.signing_kid()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    // Another sandbox's CA does not help either.
    let other = https_sandbox().await;
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .add_root_certificate_pem(other.ca_pem().unwrap().as_bytes())
        .retry_policy(RetryPolicy::NONE)
        .build()
        .unwrap();
    assert_eq!(client.public_key(&sandbox.signing_kid()).await.unwrap_err().kind(), ErrorKind::Transport);
    // The right CA works, and the server survived the failed handshakes.
    let client = builder(&sandbox).build().unwrap();
    assert!(client.public_key(&sandbox.signing_kid()).await.is_ok());
    sandbox.shutdown().await;
    other.shutdown().await;
}

#[test]
fn a_root_pem_without_a_certificate_is_a_configuration_error() {
    let _serial = SERIAL.blocking_lock();
    for pem in [&b""[..], b"not pem", b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n"] {
        let err = Client::builder().add_root_certificate_pem(pem).build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Configuration);
    }
}

#[tokio::test]
async fn tls_runs_on_the_provider_the_features_select() {
    let _serial = SERIAL.lock().await;
    let (logs, _guard) = capture();
    // Which provider the features select is the unit test's (`crypto::tests`); here, that it is the one in use.
    let expected = flex_client::TLS_PROVIDER;
    // The sandbox serves TLS on ring: a client on aws-lc-rs completes the handshake with it all the same.
    let sandbox = https_sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    assert_eq!(client.tls_fips(), cfg!(feature = "fips"));
    full_flow(&client, &sandbox).await;
    let logs = logs.text();
    let configured = logs.lines().find(|l| l.contains("TLS configured")).unwrap_or_else(|| panic!("{logs}"));
    assert!(configured.contains(&format!("tls_provider=\"{expected}\"")), "{configured}");
    assert!(configured.contains(&format!("tls_fips={}", cfg!(feature = "fips"))), "{configured}");
    assert!(
        configured.contains(&format!("jose_provider=\"{}\"", flex_client::CRYPTO_PROVIDER)),
        "{configured}"
    );
    sandbox.shutdown().await;
}
