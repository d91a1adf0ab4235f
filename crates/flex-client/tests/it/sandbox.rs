//! End-to-end tests against the embedded offline sandbox on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::{builder, sandbox};
use flex_client::{AuthScheme, Client, ClientBuilder, ErrorKind, PaymentData, RetryPolicy};
use flex_sandbox::{TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET};
use flex_types::{FieldPath, SessionRequest};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

fn card_request() -> SessionRequest {
    SessionRequest::new()
        .require(FieldPath::CardNumber)
        .require(FieldPath::CardSecurityCode)
        .optional(FieldPath::CardExpirationMonth)
        .optional(FieldPath::CardExpirationYear)
}

fn card() -> PaymentData {
    flex_testkit::TEST_CARD
        .iter()
        .fold(PaymentData::flat(), |data, &(path, value)| data.with(path, value).unwrap())
}

async fn full_flow(client: &Client) {
    let context = client.create_capture_context(&card_request()).await.unwrap();
    assert_eq!(context.claims().iss, "Flex API");
    assert_eq!(context.claims().flx.jwk.use_.as_deref(), Some("enc"));
    assert_eq!(context.claims().required_fields().count(), 2);
    assert!(context.tokens_url().ends_with("/flex/v2/tokens"));
    let token = client.tokenize(&context, card()).await.unwrap();
    let verified = client.verify_transient_token(&token, &context).await.unwrap();
    assert_eq!(verified.claims().masked_card_number(), Some("411111XXXXXX1111"));
    assert_eq!(verified.as_str(), token);
    // Debug output shows neither the token nor the card number.
    let shown = format!("{verified:?} {context:?}");
    assert!(
        !shown.contains(&token) && !shown.contains(context.as_str()) && !shown.contains("4111111111111111")
    );
    // The one-time context cannot be used twice: Flex-shaped 400 with a correlation id.
    let again = client.tokenize(&context, card()).await.unwrap_err();
    assert_eq!(
        (again.kind(), again.status(), again.reason()),
        (ErrorKind::Api, Some(400), Some("CAPTURE_CONTEXT_USED"))
    );
    assert!(again.correlation_id().is_some());
}

#[tokio::test]
async fn happy_path_jwt_auth() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).auth_scheme(AuthScheme::Jwt).build().unwrap();
    full_flow(&client).await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn happy_path_http_signature_auth() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).auth_scheme(AuthScheme::HttpSignature).build().unwrap();
    full_flow(&client).await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn happy_path_over_http2() {
    let sandbox = sandbox().await;
    for scheme in [AuthScheme::Jwt, AuthScheme::HttpSignature] {
        let client = builder(&sandbox).auth_scheme(scheme).http2_prior_knowledge(true).build().unwrap();
        full_flow(&client).await;
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn configuration_from_flex_variables() {
    let sandbox = sandbox().await;
    let url = sandbox.base_url().to_owned();
    let vars = move |name: &str| -> Option<String> {
        match name {
            "FLEX_ENV" => Some(url.clone()),
            "FLEX_AUTH" => Some("http-signature".to_owned()),
            "FLEX_MERCHANT_ID" => Some(TEST_MERCHANT_ID.to_owned()),
            "FLEX_KEY_ID" => Some(TEST_KEY_ID.to_owned()),
            "FLEX_SHARED_SECRET" => Some(TEST_SHARED_SECRET.to_owned()),
            _ => None,
        }
    };
    let client = ClientBuilder::from_lookup(vars).unwrap().build().unwrap();
    assert_eq!(client.environment().base_url(), sandbox.base_url());
    let shown = format!("{client:?}");
    assert!(!shown.contains(TEST_SHARED_SECRET) && !shown.contains(TEST_KEY_ID), "{shown}");
    client.create_capture_context(&card_request()).await.unwrap();
    sandbox.shutdown().await;
}

#[tokio::test]
async fn wrong_credentials_are_an_authentication_error() {
    let sandbox = sandbox().await;
    for scheme in [AuthScheme::Jwt, AuthScheme::HttpSignature] {
        let client = Client::builder()
            .base_url(sandbox.base_url())
            .shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
            .auth_scheme(scheme)
            .build()
            .unwrap();
        let err = client.create_capture_context(&card_request()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");
        assert_eq!((err.status(), err.message()), (Some(401), Some("Authentication Failed")));
        let shown = err.to_string();
        assert!(
            shown.contains(sandbox.base_url().trim_start_matches("http://")) && shown.contains("***rest"),
            "{shown}"
        );
        assert!(!shown.contains(TEST_KEY_ID) && !shown.contains("AAAAAAAA"), "{shown}");
    }
    // No credentials at all: refused before any request.
    let client = Client::builder().base_url(sandbox.base_url()).build().unwrap();
    let err = client.create_capture_context(&card_request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn validation_errors_are_api_errors_with_details() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    let err = client.create_capture_context(&SessionRequest::new()).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.status(), err.reason()),
        (ErrorKind::Api, Some(400), Some("VALIDATION_ERROR"))
    );
    assert_eq!(err.details().first().and_then(|d| d.0), Some("fields"));
    let id = err.correlation_id().unwrap().to_owned();
    assert!(err.to_string().contains(&id), "the correlation id is shown: {err}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn post_5xx_is_not_retried_but_get_5xx_is() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    sandbox.faults().fail_next(2, 503);
    let err = client.create_capture_context(&card_request()).await.unwrap_err();
    assert_eq!((err.kind(), err.status(), err.reason()), (ErrorKind::Api, Some(503), Some("SYSTEM_ERROR")));
    assert!(err.correlation_id().is_some());
    // The second injected failure is still pending: the POST was sent once.
    let err = client.create_capture_context(&card_request()).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    client.create_capture_context(&card_request()).await.unwrap();

    // The public-key GET is retried through two 502s (max_retries 2) on a fresh client.
    let kid = sandbox.signing_kid();
    let fresh = builder(&sandbox).build().unwrap();
    sandbox.faults().fail_next(2, 502);
    let key = fresh.public_key(&kid).await.unwrap();
    assert_eq!(key.kid().map(|k| k.as_str()), Some(kid.as_str()));
    assert_eq!(fresh.key_cache_stats().fetches, 1);
    // Three failures exhaust the retries: the last answer is reported.
    let other = builder(&sandbox).build().unwrap();
    sandbox.faults().fail_next(3, 500);
    let err = other.public_key(&kid).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(500)));
    sandbox.faults().clear();
    sandbox.shutdown().await;
}

#[tokio::test]
async fn latency_beyond_the_time_limit_is_a_timeout() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).request_timeout(Duration::from_millis(200)).build().unwrap();
    sandbox.faults().set_latency(Duration::from_millis(1500));
    let started = Instant::now();
    let err = client.create_capture_context(&card_request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(started.elapsed() < Duration::from_millis(1200), "POST not retried: {:?}", started.elapsed());
    // The GET is retried, each attempt within the limit, then reported as a timeout.
    let started = Instant::now();
    let err = client.public_key(&sandbox.signing_kid()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(600) && elapsed < Duration::from_millis(1400), "{elapsed:?}");
    sandbox.faults().clear();
    // After the fault clears the pool recovers.
    client.create_capture_context(&card_request()).await.unwrap();
    sandbox.shutdown().await;
}

#[tokio::test]
async fn malformed_jwt_is_an_invalid_response() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    sandbox.faults().malformed_jwt_next(1);
    let err = client.create_capture_context(&card_request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err}");
    assert_eq!(client.key_cache_stats().fetches, 0, "nothing to verify, no key fetched");
    // Malformed transient token from the tokens endpoint.
    let context = client.create_capture_context(&card_request()).await.unwrap();
    sandbox.faults().malformed_jwt_next(1);
    let err = client.tokenize(&context, card()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err}");
    // Garbage handed to the verifiers is a verification failure.
    for garbage in ["", "abc", "a.b.c", "eyJhbGciOiJub25lIn0.e30."] {
        let err = client.verify_capture_context(garbage).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Verification, "{garbage}");
        let err = client.verify_transient_token(garbage, &context).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Verification, "{garbage}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn wrong_signature_refetches_a_cached_key_once() {
    let sandbox = sandbox().await;
    // Fresh cache: the key is fetched for this very token, so no refetch.
    let client = builder(&sandbox).build().unwrap();
    sandbox.faults().wrong_signature_next(1);
    let err = client.create_capture_context(&card_request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Verification, "{err}");
    assert_eq!(client.key_cache_stats().fetches, 1);
    // Cached key: one refetch, then the failure stands.
    client.create_capture_context(&card_request()).await.unwrap();
    assert_eq!(client.key_cache_stats().fetches, 1);
    sandbox.faults().wrong_signature_next(1);
    let err = client.create_capture_context(&card_request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Verification);
    assert_eq!(client.key_cache_stats().fetches, 2);
    // And the refetched key keeps working.
    client.create_capture_context(&card_request()).await.unwrap();
    assert_eq!(client.key_cache_stats().fetches, 2);

    // A wrongly signed transient token (signed by the wrong key under flx.jwk's kid).
    let context = client.create_capture_context(&card_request()).await.unwrap();
    sandbox.faults().wrong_signature_next(1);
    let token = client.tokenize(&context, card()).await.unwrap();
    let err = client.verify_transient_token(&token, &context).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Verification);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn dropped_connection_fails_a_post_and_is_retried_for_a_get() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    sandbox.faults().drop_next(1);
    let err = client.create_capture_context(&card_request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(std::error::Error::source(&err).is_some());
    let fresh = builder(&sandbox).build().unwrap();
    sandbox.faults().drop_next(1);
    fresh.public_key(&sandbox.signing_kid()).await.unwrap();
    client.create_capture_context(&card_request()).await.unwrap();
    sandbox.shutdown().await;
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::builder()
        .base_url(&url)
        .shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, TEST_SHARED_SECRET)
        .retry_policy(RetryPolicy {
            max_retries: 1,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
        })
        .build()
        .unwrap();
    let err = client.create_capture_context(&card_request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
}

#[tokio::test]
async fn signing_key_rotation() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    let before = client.create_capture_context(&card_request()).await.unwrap();
    let old_kid = sandbox.signing_kid();
    let new_kid = sandbox.rotate_signing_key().await.unwrap();
    assert_ne!(old_kid, new_kid);
    let after = client.create_capture_context(&card_request()).await.unwrap();
    assert_eq!(client.key_cache_stats().fetches, 2, "one fetch per kid");
    // Contexts signed before the rotation still verify (old key cached and still served).
    client.verify_capture_context(before.as_str()).await.unwrap();
    client.verify_capture_context(after.as_str()).await.unwrap();
    assert_eq!(client.key_cache_stats().fetches, 2);
    // A client that never saw the old key fetches it (retained by the sandbox).
    let other = builder(&sandbox).build().unwrap();
    other.verify_capture_context(before.as_str()).await.unwrap();
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_and_invalid_kids() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    let err = client.public_key("nope").await.unwrap_err();
    assert_eq!((err.kind(), err.status(), err.reason()), (ErrorKind::Api, Some(404), Some("NOT_FOUND")));
    // Rate limited: asked again at once, the server is not contacted.
    client.public_key("nope").await.unwrap_err();
    assert_eq!(client.key_cache_stats().fetches, 1);
    for bad in ["../sessions", "a/b", "", "kid?x=1", &"k".repeat(65)] {
        let err = client.public_key(bad).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
    }
    assert_eq!(client.key_cache_stats().fetches, 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn transient_token_of_another_context_is_refused() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    let first = client.create_capture_context(&card_request()).await.unwrap();
    let second = client.create_capture_context(&card_request()).await.unwrap();
    let token = client.tokenize(&first, card()).await.unwrap();
    client.verify_transient_token(&token, &first).await.unwrap();
    // The token's kid is not `second`'s flx.jwk kid, and the public-keys endpoint does not know it.
    let err = client.verify_transient_token(&token, &second).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Verification, Some(404)), "{err}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn tokenize_checks_fields_before_sending() {
    let sandbox = sandbox().await;
    let client = builder(&sandbox).build().unwrap();
    let context = client.create_capture_context(&card_request()).await.unwrap();
    let extra = card().with("orderInformation.billTo.email", "a@example.com").unwrap();
    let err = client.tokenize(&context, extra).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("orderInformation.billTo.email"));
    let missing = PaymentData::flat().with("paymentInformation.card.number", "4111111111111111").unwrap();
    let err = client.tokenize(&context, missing).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(!err.to_string().contains("4111111111111111"));
    // The context is still unused: a correct tokenization works, nested data too; a bad card is the server's 400.
    let nested = PaymentData::Nested(card().into_nested().unwrap());
    client.tokenize(&context, nested).await.unwrap();
    let context = client.create_capture_context(&card_request()).await.unwrap();
    let luhn = PaymentData::flat()
        .with("paymentInformation.card.number", "4111111111111112")
        .unwrap()
        .with("paymentInformation.card.securityCode", "123")
        .unwrap();
    let err = client.tokenize(&context, luhn).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Api, Some(400)));
    assert!(!format!("{err:?}{err}").contains("4111111111111112"));
    sandbox.shutdown().await;
}

/// A TCP proxy in front of the sandbox that counts `GET /flex/v2/public-keys/` request lines, so the test
/// observes the fetches on the wire, independently of the client's own counter.
async fn counting_proxy(upstream: std::net::SocketAddr) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&count);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let server = tokio::net::TcpStream::connect(upstream).await.unwrap();
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let upload = async {
                    const NEEDLE: &[u8] = b"GET /flex/v2/public-keys/";
                    let mut carry: Vec<u8> = Vec::new();
                    let mut buf = [0u8; 8192];
                    loop {
                        let n = client_read.read(&mut buf).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        carry.extend_from_slice(&buf[..n]);
                        counter.fetch_add(
                            carry.windows(NEEDLE.len()).filter(|w| *w == NEEDLE).count(),
                            Ordering::SeqCst,
                        );
                        let keep = carry.len().saturating_sub(NEEDLE.len() - 1);
                        carry.drain(..keep);
                        if server_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = server_write.shutdown().await;
                };
                let download = async {
                    let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                    let _ = client_write.shutdown().await;
                };
                tokio::join!(upload, download);
            });
        }
    });
    (url, count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_parallel_create_and_verify_fetch_each_kid_once() {
    let sandbox = sandbox().await;
    let (proxy_url, on_the_wire) = counting_proxy(sandbox.addr()).await;
    let client = Client::builder()
        .base_url(&proxy_url)
        .shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, TEST_SHARED_SECRET)
        .build()
        .unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let context = client.create_capture_context(&card_request()).await?;
            client.verify_capture_context(context.as_str()).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let stats = client.key_cache_stats();
    assert_eq!(stats.fetches, 1, "{stats:?}");
    assert_eq!(on_the_wire.load(Ordering::SeqCst), 1, "one public-key request reached the server");
    assert_eq!(stats.entries, 1);
    assert!(stats.hits >= 399, "{stats:?}");

    // After a rotation, 200 more parallel calls fetch the new kid exactly once.
    sandbox.rotate_signing_key().await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move { client.create_capture_context(&card_request()).await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(client.key_cache_stats().fetches, 2);
    assert_eq!(on_the_wire.load(Ordering::SeqCst), 2);
    eprintln!("400 parallel create(+verify) calls: {:?}", started.elapsed());
    sandbox.shutdown().await;
}
