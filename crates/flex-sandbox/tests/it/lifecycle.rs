//! Rotation, state bounds, shutdown, `serve`, and the fresh-key pool.

use std::net::SocketAddr;

use flex_jwe::PaymentData;
use flex_jwt::{Error, RsaPublicKey, Verifier};
use flex_sandbox::{ManualClock, Sandbox, SandboxError};

use crate::support::{self, Api, T0};

#[tokio::test]
async fn rotation_keeps_old_contexts_verifiable_and_usable() {
    let (sandbox, _clock, api) = support::start().await;
    let old_kid = sandbox.signing_kid();
    let before = api.create_session(T0).await;

    let new_kid = sandbox.rotate_signing_key().await.unwrap();
    assert_ne!(new_kid, old_kid);
    assert_eq!(new_kid.len(), 2);
    assert_eq!(sandbox.signing_kid(), new_kid);
    let after = api.create_session(T0).await;

    let kid_of = |t: &str| flex_jwt::Jwt::parse(t).unwrap().kid().unwrap().as_str().to_owned();
    assert_eq!(kid_of(&before), old_kid);
    assert_eq!(kid_of(&after), new_kid);

    // Both keys are served, and each verifies only its own contexts.
    let old_key = RsaPublicKey::from_jwk(&api.public_key(&old_kid).await.body).unwrap();
    let new_key = RsaPublicKey::from_jwk(&api.public_key(&new_kid).await.body).unwrap();
    assert_ne!(old_key.modulus(), new_key.modulus());
    let v = Verifier::new();
    assert!(v.verify_token(&before, &old_key, T0).is_ok());
    assert!(v.verify_token(&after, &new_key, T0).is_ok());
    let new_jwk = api.public_key(&new_kid).await.body;
    let swapped_json = new_jwk.replace(&format!(r#""kid":"{new_kid}""#), &format!(r#""kid":"{old_kid}""#));
    let swapped = RsaPublicKey::from_jwk(&swapped_json).unwrap();
    assert_eq!(v.verify_token(&before, &swapped, T0).unwrap_err(), Error::InvalidSignature);

    // A context issued before the rotation can still be tokenized.
    let res = api.tokenize(&support::jwe_for(&before, support::card(PaymentData::flat()))).await;
    assert_eq!(res.status, 201, "{}", res.body);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn rotation_retires_keys_beyond_the_retained_count() {
    let clock = ManualClock::new(T0);
    let sandbox = support::config(&clock).retained_signing_keys(1).start().await.unwrap();
    let api = Api::new(&sandbox);
    let first = sandbox.signing_kid();
    let second = sandbox.rotate_signing_key().await.unwrap();
    assert_eq!(api.public_key(&first).await.status, 200);
    let third = sandbox.rotate_signing_key().await.unwrap();
    assert_eq!(api.public_key(&first).await.status, 404);
    assert_eq!(api.public_key(&second).await.status, 200);
    assert_eq!(api.public_key(&third).await.status, 200);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn full_store_refuses_with_503_then_evicts_expired() {
    let clock = ManualClock::new(T0);
    let sandbox = support::config(&clock).max_sessions(2).start().await.unwrap();
    let api = Api::new(&sandbox);
    let first = api.create_session(T0).await;
    api.create_session(T0).await;
    let res = api.create_session_with(support::Scheme::HttpSignature, support::VECTOR_BODY, T0).await;
    assert_eq!(res.status, 503, "{}", res.body);
    assert_eq!(res.reason(), "SERVICE_UNAVAILABLE");
    assert_eq!(sandbox.session_count(), 2);

    clock.advance(901);
    let fresh = api.create_session(T0 + 901).await;
    assert_eq!(sandbox.session_count(), 1, "the expired sessions were evicted to make room");
    // An evicted session is unknown; a live one works.
    let res = api.tokenize(&support::jwe_for(&first, support::card(PaymentData::flat()))).await;
    assert_eq!((res.status, res.reason().as_str()), (400, "DECRYPTION_FAILED"));
    let res = api.tokenize(&support::jwe_for(&fresh, support::card(PaymentData::flat()))).await;
    assert_eq!(res.status, 201);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_the_listener() {
    let (sandbox, _clock, api) = support::start().await;
    let addr = sandbox.addr();
    assert_eq!(api.public_key(&sandbox.signing_kid()).await.status, 200);
    sandbox.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn serve_runs_until_the_signal() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr: SocketAddr = probe.local_addr().unwrap();
    drop(probe);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let clock = ManualClock::new(T0);
    let task = tokio::spawn(flex_sandbox::serve(support::config(&clock), addr, async move {
        let _ = rx.await;
    }));
    // Wait until it listens.
    let mut up = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(up);
    tx.send(()).unwrap();
    assert_eq!(task.await.unwrap(), Ok(()));
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn bind_errors_and_bad_config_are_reported() {
    let (sandbox, _clock, _api) = support::start().await;
    let clock = ManualClock::new(T0);
    let err = support::config(&clock).bind(sandbox.addr()).start().await.unwrap_err();
    assert!(matches!(err, SandboxError::Bind { .. }), "{err:?}");
    let err = support::config(&clock).max_sessions(0).start().await.unwrap_err();
    assert!(matches!(err, SandboxError::InvalidConfig(_)));
    sandbox.shutdown().await;
}

/// The default key supply: fresh RSA-2048 keys from the background pool (slower: real key generation).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_keys_from_the_pool() {
    let clock = ManualClock::new(T0);
    let sandbox = Sandbox::builder().clock(clock.clone()).key_pool_size(1).start().await.unwrap();
    let api = Api::new(&sandbox);
    let a = api.create_session(T0).await;
    let b = api.create_session(T0).await;
    let (ca, cb) = (support::context_claims(&a), support::context_claims(&b));
    assert_ne!(ca.flx.jwk.n, cb.flx.jwk.n, "each session has its own key");
    let signing = RsaPublicKey::from_jwk(&api.public_key(&sandbox.signing_kid()).await.body).unwrap();
    assert_ne!(
        signing.modulus(),
        RsaPublicKey::from_flex_capture_context_jwk(&ca.flx.jwk).unwrap().modulus()
    );
    let res = api.tokenize(&support::jwe_for(&b, support::card(PaymentData::flat()))).await;
    assert_eq!(res.status, 201, "{}", res.body);
    support::verify_token(&res.body, &cb, T0);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_in_flight_requests_finish() {
    let (sandbox, _clock, api) = support::start().await;
    let kid = sandbox.signing_kid();
    sandbox.faults().set_latency(std::time::Duration::from_millis(300));
    let api = std::sync::Arc::new(api);
    let in_flight = {
        let api = std::sync::Arc::clone(&api);
        tokio::spawn(async move { api.public_key(&kid).await.status })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    sandbox.shutdown().await;
    assert_eq!(in_flight.await.unwrap(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_grace_is_bounded() {
    let clock = ManualClock::new(T0);
    let sandbox =
        support::config(&clock).shutdown_grace(std::time::Duration::from_millis(100)).start().await.unwrap();
    let api = std::sync::Arc::new(Api::new(&sandbox));
    let kid = sandbox.signing_kid();
    sandbox.faults().set_latency(std::time::Duration::from_secs(30));
    let stuck = {
        let api = std::sync::Arc::clone(&api);
        tokio::spawn(async move {
            api.try_send("GET", &format!("/flex/v2/public-keys/{kid}"), &[], Vec::new()).await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    sandbox.shutdown().await;
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(stuck.await.unwrap().is_err(), "the connection was closed after the grace period");
}
