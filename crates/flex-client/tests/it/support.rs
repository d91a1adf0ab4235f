//! What the test modules share: one set of sandbox keys for the whole binary (RSA key generation is slow), a
//! sandbox on loopback over HTTP or HTTPS, and a client for it with the test merchant's shared secret.

use std::sync::OnceLock;
use std::time::Duration;

use flex_client::{Client, ClientBuilder, RetryPolicy};
use flex_sandbox::{
    RunningSandbox, Sandbox, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET, TestKeys, TlsIdentity,
};

/// Keys generated once per test binary; sandboxes share them (see `TestKeys`).
pub(crate) fn test_keys() -> TestKeys {
    static KEYS: OnceLock<TestKeys> = OnceLock::new();
    KEYS.get_or_init(|| TestKeys::generate(4).unwrap()).clone()
}

/// A sandbox over plain HTTP on loopback.
pub(crate) async fn sandbox() -> RunningSandbox {
    Sandbox::builder().test_keys(test_keys()).start().await.unwrap()
}

/// A sandbox over HTTPS on loopback, with a CA generated at start-up.
pub(crate) async fn https_sandbox() -> RunningSandbox {
    Sandbox::builder().test_keys(test_keys()).tls(TlsIdentity::generate()).start().await.unwrap()
}

/// `max_retries` retries, 5 to 20 ms apart.
pub(crate) fn quick_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy { max_retries, base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(20) }
}

/// A client builder for `sandbox` with the test merchant's shared secret and two quick retries.
pub(crate) fn builder(sandbox: &RunningSandbox) -> ClientBuilder {
    Client::builder()
        .base_url(sandbox.base_url())
        .shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, TEST_SHARED_SECRET)
        .retry_policy(quick_retries(2))
}
