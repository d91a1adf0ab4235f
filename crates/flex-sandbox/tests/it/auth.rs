//! Authentication failures and bad bodies on `POST /flex/v2/sessions`.

use flex_auth::{Credentials, SharedSecret};
use flex_sandbox::{Sandbox, TEST_KEY_ID, TEST_MERCHANT_ID};

use crate::support::{self, Api, Resp, Scheme, T0, VECTOR_BODY};

fn assert_auth_failed(res: &Resp, what: &str) {
    assert_eq!(res.status, 401, "{what}: {}", res.body);
    assert_eq!(res.body, r#"{"response":{"rmsg":"Authentication Failed"}}"#, "{what}");
    let parsed: flex_types::ErrorBody<'_> = serde_json::from_str(&res.body).unwrap();
    assert_eq!(parsed.shape(), flex_types::ErrorShape::Gateway);
}

fn set(headers: &mut [(String, String)], name: &str, value: &str) {
    for (n, v) in headers.iter_mut() {
        if n.eq_ignore_ascii_case(name) {
            *v = value.to_owned();
        }
    }
}

#[tokio::test]
async fn authentication_failures_get_the_gateway_shape() {
    let (sandbox, _clock, api) = support::start().await;
    let body = VECTOR_BODY.as_bytes().to_vec();
    let post = |headers: Vec<(String, String)>, body: Vec<u8>| {
        let api = &api;
        async move { api.send("POST", "/flex/v2/sessions", &headers, body).await }
    };

    assert_auth_failed(&post(Vec::new(), body.clone()).await, "no authentication");

    let wrong_secret = Credentials::shared_secret(
        TEST_MERCHANT_ID,
        TEST_KEY_ID,
        SharedSecret::from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").unwrap(),
    )
    .unwrap();
    for scheme in [Scheme::HttpSignature, Scheme::JwtOnlyAuthorization] {
        let h = api.signed_headers(&wrong_secret, scheme, VECTOR_BODY, T0);
        assert_auth_failed(&post(h, body.clone()).await, "wrong secret");
    }

    let unknown_key = Credentials::shared_secret(
        TEST_MERCHANT_ID,
        "00000000-0000-0000-0000-000000000000",
        SharedSecret::from_base64(flex_sandbox::TEST_SHARED_SECRET).unwrap(),
    )
    .unwrap();
    let h = api.signed_headers(&unknown_key, Scheme::HttpSignature, VECTOR_BODY, T0);
    assert_auth_failed(&post(h, body.clone()).await, "unknown key id");

    let other_merchant = Credentials::shared_secret(
        "someone_else",
        TEST_KEY_ID,
        SharedSecret::from_base64(flex_sandbox::TEST_SHARED_SECRET).unwrap(),
    )
    .unwrap();
    for scheme in [Scheme::HttpSignature, Scheme::JwtOnlyAuthorization] {
        let h = api.signed_headers(&other_merchant, scheme, VECTOR_BODY, T0);
        assert_auth_failed(&post(h, body.clone()).await, "merchant not owning the key");
    }

    // The body is not the one signed (digest mismatch), for both schemes.
    let tampered = VECTOR_BODY.replace("\"number\":{}", "\"number\":{\"required\":false}").into_bytes();
    for scheme in [Scheme::HttpSignature, Scheme::JwtOnlyAuthorization] {
        let h = api.session_headers(scheme, VECTOR_BODY, T0);
        assert_auth_failed(&post(h, tampered.clone()).await, "tampered body");
    }

    // Too old, and signed for another host.
    for scheme in [Scheme::HttpSignature, Scheme::JwtOnlyAuthorization] {
        let h = api.session_headers(scheme, VECTOR_BODY, T0 - 3600);
        assert_auth_failed(&post(h, body.clone()).await, "stale");
    }
    let mut h = api.session_headers(Scheme::HttpSignature, VECTOR_BODY, T0);
    set(&mut h, "host", "apitest.cybersource.com");
    assert_auth_failed(&post(h, body.clone()).await, "other host");

    // A signature header that does not parse.
    let mut h = api.session_headers(Scheme::HttpSignature, VECTOR_BODY, T0);
    set(&mut h, "signature", "garbage");
    assert_auth_failed(&post(h, body.clone()).await, "malformed signature");

    // The right credentials still work, and nothing above created a session.
    assert_eq!(sandbox.session_count(), 0);
    assert_eq!(api.create_session_with(Scheme::HttpSignature, VECTOR_BODY, T0).await.status, 201);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_sandbox_without_the_test_merchant_refuses_it() {
    let clock = flex_sandbox::ManualClock::new(T0);
    let sandbox = support::config(&clock).without_test_merchant().start().await.unwrap();
    let api = Api::new(&sandbox);
    assert_auth_failed(
        &api.create_session_with(Scheme::HttpSignature, VECTOR_BODY, T0).await,
        "no merchants",
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn bad_bodies_get_400_with_the_location() {
    let (sandbox, _clock, api) = support::start().await;
    let cases = [
        (
            r#"{"fields":{"paymentInformation":{"card":{"numbr":{}}}}}"#,
            "fields.paymentInformation.card.numbr",
        ),
        (
            r#"{"fields":{"paymentInformation":{"card":{"number":{"required":"yes"}}}}}"#,
            "fields.paymentInformation.card.number.required",
        ),
        (
            r#"{"fields":{"paymentInformation":{"card":{"number":true}}}}"#,
            "fields.paymentInformation.card.number",
        ),
        (
            r#"{"fields":{"orderInformation":{"shipTo":{"email":{}}}}}"#,
            "fields.orderInformation.shipTo.email",
        ),
        (r#"{"fields":{}}"#, "fields"),
        (r#"{}"#, "fields"),
        (r#"[]"#, ""),
        (r#"{"fields":"#, ""),
        // A repeated member name, at any depth, however spelled: refused by the strict JSON reader, with its
        // position in the message.
        (r#"{"fields":{"paymentInformation":{"card":{"number":{}}}},"fields":{}}"#, ""),
        (r#"{"fields":{"paymentInformation":{"card":{"number":{},"numb\u0065r":{}}}}}"#, ""),
    ];
    for (body, location) in cases {
        let res = api.create_session_with(Scheme::HttpSignature, body, T0).await;
        assert_eq!(res.status, 400, "{body}: {}", res.body);
        assert_eq!(res.headers["content-type"], "application/json");
        let json = res.json();
        assert_eq!(json["responseStatus"]["status"], 400, "{body}");
        assert_eq!(res.reason(), "VALIDATION_ERROR", "{body}");
        assert_eq!(res.location(), location, "{body}");
        assert!(json["responseStatus"]["correlationId"].as_str().is_some_and(|c| c.len() == 36));
        let parsed: flex_types::ErrorBody<'_> = serde_json::from_str(&res.body).unwrap();
        assert_eq!(parsed.status().and_then(|s| s.code()), Some(400));
    }
    assert_eq!(sandbox.session_count(), 0);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn other_field_sets_are_echoed_in_ctx() {
    let (sandbox, _clock, api) = support::start().await;
    let body = r#"{"fields":{"orderInformation":{"amountDetails":{"totalAmount":{},"currency":{"required":true}},"billTo":{"email":{"required":false}}},"paymentInformation":{"card":{"number":{}}}}}"#;
    let res = api.create_session_with(Scheme::JwtOnlyAuthorization, body, T0).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let claims = support::context_claims(&res.body);
    assert_eq!(
        claims.required_fields().collect::<Vec<_>>(),
        [
            "orderInformation.amountDetails.totalAmount",
            "orderInformation.amountDetails.currency",
            "paymentInformation.card.number"
        ]
    );
    assert_eq!(claims.optional_fields().collect::<Vec<_>>(), ["orderInformation.billTo.email"]);
    let _ = Sandbox::builder();
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_replayed_authentication_jwt_is_refused() {
    let (sandbox, _clock, api) = support::start().await;
    let headers = api.session_headers(Scheme::JwtOnlyAuthorization, VECTOR_BODY, T0);
    let first = api.send("POST", "/flex/v2/sessions", &headers, VECTOR_BODY.as_bytes().to_vec()).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = api.send("POST", "/flex/v2/sessions", &headers, VECTOR_BODY.as_bytes().to_vec()).await;
    assert_auth_failed(&again, "replayed JWT");
    // HTTP Signature has no nonce: the same signed request is accepted again within the Date window.
    let headers = api.session_headers(Scheme::HttpSignature, VECTOR_BODY, T0);
    for _ in 0..2 {
        let res = api.send("POST", "/flex/v2/sessions", &headers, VECTOR_BODY.as_bytes().to_vec()).await;
        assert_eq!(res.status, 201);
    }
    sandbox.shutdown().await;
}
