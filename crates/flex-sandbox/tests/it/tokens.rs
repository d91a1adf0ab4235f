//! `POST /flex/v2/tokens` failures: expiry, replay, wrong key, tampering, field and card checks.

use flex_jwe::{PaymentData, RecipientKey, TokenizePayload};

use crate::support::{self, Scheme, T0};

#[tokio::test]
async fn expired_context_is_rejected() {
    let (sandbox, clock, api) = support::start().await;
    let context = api.create_session(T0).await;
    let jwe = support::jwe_for(&context, support::card(PaymentData::flat()));
    clock.advance(901);
    let res = api.tokenize(&jwe).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.reason(), "CAPTURE_CONTEXT_EXPIRED");

    // At exactly `exp` it is still valid.
    let clock_t = T0 + 901;
    let context = api.create_session(clock_t).await;
    clock.advance(900);
    let res = api.tokenize(&support::jwe_for(&context, support::card(PaymentData::flat()))).await;
    assert_eq!(res.status, 201, "{}", res.body);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn replayed_context_is_rejected() {
    let (sandbox, _clock, api) = support::start().await;
    let context = api.create_session(T0).await;
    let jwe = support::jwe_for(&context, support::card(PaymentData::flat()));
    assert_eq!(api.tokenize(&jwe).await.status, 201);
    // The same JWE again, and a fresh JWE for the same context.
    for again in [jwe, support::jwe_for(&context, support::card(PaymentData::nested()))] {
        let res = api.tokenize(&again).await;
        assert_eq!(res.status, 400, "{}", res.body);
        assert_eq!(res.reason(), "CAPTURE_CONTEXT_USED");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn failed_validation_does_not_consume_the_context() {
    let (sandbox, _clock, api) = support::start().await;
    let context = api.create_session(T0).await;
    let bad = PaymentData::flat().with("paymentInformation.card.number", "4111111111111112").unwrap();
    assert_eq!(api.tokenize(&support::jwe_for(&context, bad)).await.status, 400);
    let res = api.tokenize(&support::jwe_for(&context, support::card(PaymentData::flat()))).await;
    assert_eq!(res.status, 201, "{}", res.body);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn jwe_under_the_wrong_key_is_rejected() {
    let (sandbox, _clock, api) = support::start().await;
    let context = api.create_session(T0).await;
    let claims = support::context_claims(&context);
    let kid = claims.flx.jwk.kid.as_deref().unwrap();
    // Same kid, another RSA key (the vector key, never used by the sandbox).
    let der = support::read_vector("keys/rsa2048.pkcs1.der");
    let recipient = RecipientKey::from_pkcs1_der(kid, &der).unwrap();
    let jwe = recipient
        .encrypt_payload(&TokenizePayload::new(context.as_str(), support::card(PaymentData::flat())))
        .unwrap();
    let res = api.tokenize(&jwe).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.reason(), "DECRYPTION_FAILED");

    // Right key, but the context of another session inside.
    let other = api.create_session(T0).await;
    let other_claims = support::context_claims(&other);
    let jwk = &other_claims.flx.jwk;
    let recipient = RecipientKey::from_jwk_components(jwk.kid.as_deref().unwrap(), &jwk.n, &jwk.e).unwrap();
    let jwe = recipient
        .encrypt_payload(&TokenizePayload::new(context.as_str(), support::card(PaymentData::flat())))
        .unwrap();
    let res = api.tokenize(&jwe).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.reason(), "CAPTURE_CONTEXT_INVALID");

    // Not a JWE at all, and not the expected body.
    for body in ["eyJhbGciOiJub25lIn0.e30.", "not a jwe"] {
        let res = api.tokenize(body).await;
        assert_eq!((res.status, res.reason().as_str()), (400, "DECRYPTION_FAILED"), "{body}");
    }
    let res = api.send("POST", "/flex/v2/tokens", &[], b"{\"key\":1}".to_vec()).await;
    assert_eq!((res.status, res.location().as_str()), (400, "keyId"));
    sandbox.shutdown().await;
}

/// Every single-character change of the compact JWE (to another base64url character, or a dot) is
/// rejected with the same status, reason and message, and the context stays usable afterwards. A context is
/// retired after eight failed decryptions, so a fresh one takes over every seven positions.
#[tokio::test]
async fn every_single_byte_change_is_rejected_alike() {
    let (sandbox, _clock, api) = support::start().await;
    let mut jwe = String::new();
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut seen = std::collections::BTreeSet::new();
    let len = support::jwe_for(&api.create_session(T0).await, support::card(PaymentData::flat())).len();
    for i in 0..len {
        if i % 7 == 0 {
            let context = api.create_session(T0).await;
            jwe = support::jwe_for(&context, support::card(PaymentData::flat()));
        }
        let bytes = jwe.as_bytes();
        let Some(_) = bytes.get(i) else { continue };
        let mut changed = bytes.to_vec();
        // A different character: the next one in the alphabet, or a dot for a few positions.
        changed[i] = if i % 97 == 0 && bytes[i] != b'.' {
            b'.'
        } else {
            let at = ALPHABET.iter().position(|&c| c == bytes[i]).map_or(0, |p| (p + 1) % ALPHABET.len());
            ALPHABET[at]
        };
        let changed = String::from_utf8(changed).unwrap();
        let res = api.tokenize(&changed).await;
        let json = res.json();
        seen.insert((
            res.status,
            json["responseStatus"]["reason"].to_string(),
            json["responseStatus"]["message"].to_string(),
        ));
        assert_eq!(res.status, 400, "position {i}: {}", res.body);
    }
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen.iter().all(|(_, reason, _)| reason == "\"DECRYPTION_FAILED\""));
    assert_eq!(api.tokenize(&jwe).await.status, 201, "the original still works");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn fields_must_match_the_context() {
    let (sandbox, _clock, api) = support::start().await;
    let body = r#"{"fields":{"paymentInformation":{"card":{"number":{},"expirationMonth":{},"expirationYear":{},"securityCode":{"required":false}}}}}"#;
    let res = api.create_session_with(Scheme::HttpSignature, body, T0).await;
    assert_eq!(res.status, 201);
    let context = res.body;
    let base = || {
        PaymentData::flat()
            .with("paymentInformation.card.number", "4111111111111111")
            .unwrap()
            .with("paymentInformation.card.expirationMonth", "12")
            .unwrap()
    };
    let cases: Vec<(PaymentData, &str)> = vec![
        (base(), "paymentInformation.card.expirationYear"),
        (
            base()
                .with("paymentInformation.card.expirationYear", "2031")
                .unwrap()
                .with("paymentInformation.card.type", "001")
                .unwrap(),
            "paymentInformation.card.type",
        ),
        (
            base()
                .with("paymentInformation.card.expirationYear", "2031")
                .unwrap()
                .with("orderInformation.billTo.email", "a@b.c")
                .unwrap(),
            "orderInformation.billTo.email",
        ),
        (
            base().with("paymentInformation.card.expirationYear", "20x1").unwrap(),
            "paymentInformation.card.expirationYear",
        ),
        (
            base()
                .with("paymentInformation.card.expirationYear", "2031")
                .unwrap()
                .with("paymentInformation.card.securityCode", "12")
                .unwrap(),
            "paymentInformation.card.securityCode",
        ),
        (
            PaymentData::nested()
                .with("paymentInformation.card.number", "4111111111111111")
                .unwrap()
                .with("paymentInformation.card.expirationMonth", "13")
                .unwrap()
                .with("paymentInformation.card.expirationYear", "2031")
                .unwrap(),
            "paymentInformation.card.expirationMonth",
        ),
        (
            PaymentData::nested()
                .with("paymentInformation.card.number", "4111111111111121")
                .unwrap()
                .with("paymentInformation.card.expirationMonth", "12")
                .unwrap()
                .with("paymentInformation.card.expirationYear", "2031")
                .unwrap(),
            "paymentInformation.card.number",
        ),
    ];
    for (data, location) in cases {
        let res = api.tokenize(&support::jwe_for(&context, data)).await;
        assert_eq!(res.status, 400, "{location}: {}", res.body);
        assert_eq!(res.reason(), "VALIDATION_ERROR", "{location}");
        assert_eq!(res.location(), location);
        assert!(!res.body.contains("4111111111111"), "no card data echoed");
    }
    sandbox.shutdown().await;
}
