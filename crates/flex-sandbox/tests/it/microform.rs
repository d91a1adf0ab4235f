//! `POST /microform/v2/sessions`: Microform-shaped capture contexts, tokenized through `/flex/v2/tokens` into
//! Microform v2 transient tokens, which pay like any other.

use flex_jwe::PaymentData;
use flex_types::{CardNetwork, ContextKind, MicroformSessionRequest, PaymentResponse, PaymentStatus};

use crate::support::{self, Api, T0};

async fn microform_context(api: &Api, body: &str) -> support::Resp {
    api.send_signed("POST", "/microform/v2/sessions", body, T0).await
}

fn request(include_card_prefix: Option<bool>, networks: &[CardNetwork]) -> String {
    let mut builder = MicroformSessionRequest::builder()
        .target_origin("https://shop.example")
        .target_origin("http://localhost:3000")
        .card_networks(networks.iter().copied());
    if let Some(include) = include_card_prefix {
        builder = builder.include_card_prefix(include);
    }
    serde_json::to_string(&builder.build().unwrap()).unwrap()
}

#[tokio::test]
async fn a_microform_context_verifies_and_has_the_microform_shape() {
    let (sandbox, _clock, api) = support::start().await;
    let res = microform_context(&api, &request(None, &[])).await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.headers["content-type"], "application/jwt");
    let claims = api.verify_context(&res.body, T0).await;
    assert_eq!(claims.kind(), ContextKind::Microform);
    assert_eq!(claims.ctx[0].type_, "mf-2.0.0");
    assert_eq!(claims.flx.path, "/flex/v2/tokens");
    assert_eq!(claims.lifetime_secs(), 900);
    let mf = claims.microform().unwrap();
    assert_eq!(mf.target_origins, ["https://shop.example", "http://localhost:3000"]);
    assert_eq!(mf.mf_origin.as_deref(), Some(sandbox.base_url()));
    assert!(mf.client_library.as_deref().unwrap().starts_with(sandbox.base_url()));
    assert!(mf.client_library_integrity.as_deref().unwrap().starts_with("sha256-"));
    assert_eq!(mf.allowed_card_networks, ["VISA", "MASTERCARD", "AMEX", "DISCOVER", "DINERSCLUB", "JCB"]);
    assert_eq!(mf.allowed_payment_types, ["CARD"]);
    // Microform contexts list no fields.
    assert_eq!(claims.required_fields().count() + claims.optional_fields().count(), 0);
}

#[tokio::test]
async fn invalid_microform_requests_are_refused_with_a_location() {
    let (_sandbox, _clock, api) = support::start().await;
    for (body, location) in [
        (r#"{"clientVersion":"v2","targetOrigins":["https://*.shop.example"]}"#, "targetOrigins[0]"),
        (r#"{"clientVersion":"v2","targetOrigins":[]}"#, "targetOrigins"),
        (r#"{"targetOrigins":["https://a.example"],"allowedCardNetworks":["BOGUS"]}"#, "allowedCardNetworks"),
        (r#"{"clientVersion":"2","targetOrigins":["https://a.example"]}"#, "clientVersion"),
        ("not json", ""),
    ] {
        let res = microform_context(&api, body).await;
        assert_eq!(res.status, 400, "{body}: {}", res.body);
        assert_eq!(res.reason(), "VALIDATION_ERROR");
        assert_eq!(res.location(), location, "{body}");
    }
    // Unsigned: 401.
    let res = api.send("POST", "/microform/v2/sessions", &[], request(None, &[]).into_bytes()).await;
    assert_eq!(res.status, 401);
}

#[tokio::test]
async fn microform_tokens_have_the_v2_content_shape_and_pay() {
    let (_sandbox, _clock, api) = support::start().await;
    for (prefix, bin) in [(None, Some("411111")), (Some(true), Some("41111111")), (Some(false), None)] {
        let context = microform_context(&api, &request(prefix, &[])).await.body;
        let claims = support::context_claims(&context);
        let data = support::card(PaymentData::flat());
        let res = api.tokenize(&support::jwe_for(&context, data)).await;
        assert_eq!(res.status, 201, "{}", res.body);
        let token = support::verify_token(&res.body, &claims, T0);
        assert_eq!(token.type_, "mf-2.0.0");
        assert_eq!(token.kind(), ContextKind::Microform);
        assert!(token.data.is_none());
        assert_eq!(token.masked_card_number(), Some("XXXXXXXXXXXX1111"));
        assert_eq!(token.bin(), bin, "{prefix:?}");
        assert_eq!(token.detected_card_types().collect::<Vec<_>>(), ["001"]);
        let expiry = token.expiry().unwrap();
        assert_eq!((expiry.month, expiry.year), (12, 2031));
        let card = token.content.as_ref().unwrap().pointer("paymentInformation.card").unwrap();
        assert_eq!(
            card.get("securityCode").and_then(|v| v.as_object()).map(<[_]>::len),
            Some(0),
            "captured, not revealed"
        );
        assert!(!res.body.contains("4111111111111111"));

        let body = format!(
            r#"{{"orderInformation":{{"amountDetails":{{"totalAmount":"25","currency":"JPY"}}}},"tokenInformation":{{"transientTokenJwt":"{}"}}}}"#,
            res.body
        );
        let paid = api.send_signed("POST", "/pts/v2/payments", &body, T0).await;
        assert_eq!(paid.status, 201, "{}", paid.body);
        let r: PaymentResponse<'_> = serde_json::from_str(&paid.body).unwrap();
        assert_eq!(r.status_kind(), Some(PaymentStatus::Authorized));
        assert_eq!(r.authorized_amount(), Some("25"));
    }
}

#[tokio::test]
async fn a_network_the_context_does_not_accept_is_refused_at_tokenization() {
    let (_sandbox, _clock, api) = support::start().await;
    let context = microform_context(&api, &request(None, &[CardNetwork::Mastercard])).await.body;
    let res = api.tokenize(&support::jwe_for(&context, support::card(PaymentData::flat()))).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.location(), "paymentInformation.card.number");
    // The refusal did not consume the context: a Mastercard number goes through.
    let data = support::card_numbered("5555555555554444");
    let res = api.tokenize(&support::jwe_for(&context, data)).await;
    assert_eq!(res.status, 201, "{}", res.body);
}

#[tokio::test]
async fn a_declared_card_type_cannot_bypass_the_allowed_networks() {
    let (_sandbox, _clock, api) = support::start().await;
    let context = microform_context(&api, &request(None, &[CardNetwork::Mastercard])).await.body;
    // A Visa number declared as Mastercard (002) or as an unknown type: the number decides, both are refused.
    for declared in ["002", "999"] {
        let data = support::card(PaymentData::flat()).with("paymentInformation.card.type", declared).unwrap();
        let res = api.tokenize(&support::jwe_for(&context, data)).await;
        assert_eq!(res.status, 400, "{declared}: {}", res.body);
        assert_eq!(res.location(), "paymentInformation.card.type", "{declared}");
    }
    // A Mastercard number declared as Mastercard goes through.
    let data =
        support::card_numbered("5555555555554444").with("paymentInformation.card.type", "002").unwrap();
    let res = api.tokenize(&support::jwe_for(&context, data)).await;
    assert_eq!(res.status, 201, "{}", res.body);
}

#[tokio::test]
async fn a_body_with_a_duplicate_member_is_refused() {
    let (_sandbox, _clock, api) = support::start().await;
    for body in [
        // Top level, plain and spelled with an escape.
        r#"{"targetOrigins":["https://shop.example"],"targetOrigins":["https://evil.example"]}"#,
        r#"{"targetOrigins":["https://shop.example"],"allowedCardNetworks":["VISA"],"allowedCardNetw\u006frks":["AMEX"]}"#,
        // Nested, plain and spelled with an escape.
        r#"{"targetOrigins":["https://shop.example"],"transientTokenResponseOptions":{"includeCardPrefix":false,"includeCardPrefix":true}}"#,
        r#"{"targetOrigins":["https://shop.example"],"transientTokenResponseOptions":{"includeCardPrefix":false,"includeCardPrefi\u0078":true}}"#,
        // Inside a member the request ignores.
        r#"{"targetOrigins":["https://shop.example"],"x":[{"a":1,"\u0061":2}]}"#,
    ] {
        let res = microform_context(&api, body).await;
        assert_eq!(res.status, 400, "{body}: {}", res.body);
        assert_eq!(res.reason(), "VALIDATION_ERROR", "{body}");
        assert_eq!(res.location(), "", "{body}");
        let message = res.json()["responseStatus"]["details"][0]["message"].as_str().unwrap().to_owned();
        assert!(message.starts_with("duplicate member name at line 1, column "), "{message}");
    }
    // The same bodies without the repetition are accepted.
    let res =
        microform_context(&api, r#"{"targetOrigins":["https://shop.example"],"x":[{"a":1,"b":2}]}"#).await;
    assert_eq!(res.status, 201, "{}", res.body);
}
