//! Fault injection.

use std::time::{Duration, Instant};

use flex_jwe::PaymentData;
use flex_jwt::{Error, RsaPublicKey, Verifier};

use crate::support::{self, T0};

#[tokio::test]
async fn failures_latency_and_drops() {
    let (sandbox, _clock, api) = support::start().await;
    let kid = sandbox.signing_kid();

    sandbox.faults().fail_next(2, 503);
    for _ in 0..2 {
        let res = api.public_key(&kid).await;
        assert_eq!(res.status, 503);
        assert_eq!(res.reason(), "SYSTEM_ERROR");
    }
    assert_eq!(api.public_key(&kid).await.status, 200);

    sandbox.faults().fail_next(1, 200); // clamped to 500
    assert_eq!(api.public_key(&kid).await.status, 500);

    sandbox.faults().set_latency(Duration::from_millis(150));
    let started = Instant::now();
    assert_eq!(api.public_key(&kid).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    sandbox.faults().set_latency(Duration::ZERO);

    sandbox.faults().drop_next(1);
    let dropped = api.try_send("GET", &format!("/flex/v2/public-keys/{kid}"), &[], Vec::new()).await;
    assert!(dropped.is_err(), "{dropped:?}");
    assert_eq!(api.public_key(&kid).await.status, 200, "the next request is served");

    sandbox.faults().fail_next(5, 502);
    sandbox.faults().clear();
    assert_eq!(api.public_key(&kid).await.status, 200);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn malformed_and_wrongly_signed_jwts() {
    let (sandbox, _clock, api) = support::start().await;
    let jwk = api.public_key(&sandbox.signing_kid()).await.body;
    let signing_key = RsaPublicKey::from_jwk(&jwk).unwrap();

    sandbox.faults().malformed_jwt_next(1);
    let context = api.create_session(T0).await;
    assert_eq!(context.split('.').count(), 2);
    assert!(flex_jwt::Jwt::parse(&context).is_err());

    sandbox.faults().wrong_signature_next(1);
    let context = api.create_session(T0).await;
    assert_eq!(
        Verifier::new().verify_token(&context, &signing_key, T0).unwrap_err(),
        Error::InvalidSignature
    );

    // Faults are consumed: the next context is good, and so is its token unless a fault is set.
    let context = api.create_session(T0).await;
    let claims = api.verify_context(&context, T0).await;
    sandbox.faults().wrong_signature_next(1);
    let res = api.tokenize(&support::jwe_for(&context, support::card(PaymentData::flat()))).await;
    assert_eq!(res.status, 201);
    let key = RsaPublicKey::from_flex_capture_context_jwk(&claims.flx.jwk).unwrap();
    assert_eq!(Verifier::new().verify_token(&res.body, &key, T0).unwrap_err(), Error::InvalidSignature);

    let context = api.create_session(T0).await;
    let claims = api.verify_context(&context, T0).await;
    sandbox.faults().malformed_jwt_next(1);
    let res = api.tokenize(&support::jwe_for(&context, support::card(PaymentData::flat()))).await;
    assert_eq!(res.status, 201);
    assert!(flex_jwt::Jwt::parse(&res.body).is_err());
    let _ = claims;
    sandbox.shutdown().await;
}
