//! `POST /pts/v2/payments` with the sandbox's own transient tokens: every outcome, a reused token, a token from
//! another sandbox, amounts at the edges, and `GET /pts/v2/payments/{id}`.

use flex_jwe::PaymentData;
use flex_types::{PaymentResponse, PaymentStatus};

use crate::support::{self, Api, T0};

/// A transient token for `pan` (with the test card's other fields), from a Flex API context.
async fn token_for(api: &Api, pan: &str, now: i64) -> String {
    let context = api.create_session(now).await;
    let data = support::card_numbered(pan);
    let res = api.tokenize(&support::jwe_for(&context, data)).await;
    assert_eq!(res.status, 201, "{}", res.body);
    res.body
}

fn payment_body(token: &str, amount: &str, currency: &str) -> String {
    format!(
        r#"{{"clientReferenceInformation":{{"code":"order-1"}},"processingInformation":{{"capture":false}},"orderInformation":{{"amountDetails":{{"totalAmount":"{amount}","currency":"{currency}"}},"billTo":{{"firstName":"Jane","lastName":"Doe","country":"US"}}}},"tokenInformation":{{"transientTokenJwt":"{token}"}}}}"#
    )
}

async fn pay(api: &Api, token: &str, amount: &str, currency: &str, now: i64) -> support::Resp {
    api.send_signed("POST", "/pts/v2/payments", &payment_body(token, amount, currency), now).await
}

/// `details[0]` of a REST `400`: (field, reason).
fn detail(res: &support::Resp) -> (String, String) {
    let v = res.json();
    assert_eq!(v["status"], "INVALID_REQUEST", "{}", res.body);
    assert!(v["submitTimeUtc"].is_string());
    let d = &v["details"][0];
    (d["field"].as_str().unwrap_or_default().to_owned(), d["reason"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn every_outcome_follows_the_test_card_rules() {
    let (_sandbox, _clock, api) = support::start().await;
    let cases = [
        ("4111111111111111", PaymentStatus::Authorized, Some("10.00")),
        ("4000000000000002", PaymentStatus::Declined, None),
        ("4000000000000010", PaymentStatus::AuthorizedPendingReview, Some("10.00")),
        ("4000000000000028", PaymentStatus::PartialAuthorized, Some("5.00")),
    ];
    for (pan, status, authorized) in cases {
        let token = token_for(&api, pan, T0).await;
        let res = pay(&api, &token, "10.00", "USD", T0).await;
        assert_eq!(res.status, 201, "{pan}: {}", res.body);
        assert!(!res.body.contains(pan) && !res.body.contains(&token), "no card number or token echoed");
        let r: PaymentResponse<'_> = serde_json::from_str(&res.body).unwrap();
        assert_eq!(r.status_kind(), Some(status), "{pan}");
        assert_eq!(r.authorized_amount(), authorized, "{pan}");
        assert_eq!(r.submit_time_utc.as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(r.client_reference_information.as_ref().unwrap().code.as_deref(), Some("order-1"));
        let id = r.id.as_deref().unwrap();
        assert_eq!(id.len(), 22);
        assert!(r.reconciliation_id.is_some());
        let links = r.links.as_ref().unwrap();
        assert_eq!(
            links.pointer("self.href").and_then(|v| v.as_str()),
            Some(format!("/pts/v2/payments/{id}").as_str())
        );
        if status == PaymentStatus::Declined {
            assert_eq!(r.error_reason(), Some("PROCESSOR_DECLINED"));
            assert_eq!(r.response_code(), Some("05"));
            assert_eq!(r.approval_code(), None);
            assert!(links.get("capture").is_none());
        } else {
            assert_eq!((r.approval_code(), r.response_code()), (Some("831000"), Some("00")));
            assert_eq!(r.amount_details.as_ref().unwrap().currency.as_deref(), Some("USD"));
            assert!(links.get("capture").is_some() && links.get("authReversal").is_some());
        }
        // GET returns what was answered.
        let got = api.send_signed("GET", &format!("/pts/v2/payments/{id}"), "", T0).await;
        assert_eq!(got.status, 200, "{}", got.body);
        assert_eq!(got.body, res.body);
    }
}

#[tokio::test]
async fn a_reused_token_is_refused_with_the_jti_detail() {
    let (_sandbox, _clock, api) = support::start().await;
    let token = token_for(&api, "4111111111111111", T0).await;
    assert_eq!(pay(&api, &token, "1.00", "USD", T0).await.status, 201);
    let again = pay(&api, &token, "1.00", "USD", T0 + 1).await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert_eq!(detail(&again), ("tokenInformation.jti".to_owned(), "INVALID_DATA".to_owned()));
    assert_eq!(again.json()["reason"], "INVALID_DATA");
}

#[tokio::test]
async fn an_expired_token_is_refused_like_a_used_one() {
    let (_sandbox, clock, api) = support::start().await;
    let token = token_for(&api, "4111111111111111", T0).await;
    clock.set(T0 + 901);
    let res = pay(&api, &token, "1.00", "USD", T0 + 901).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(detail(&res).0, "tokenInformation.jti");
}

#[tokio::test]
async fn a_token_from_another_sandbox_is_refused() {
    let (_sandbox, _clock, api) = support::start().await;
    let (_other, _other_clock, other_api) = support::start().await;
    // Same fixed keys, same clock, same merchant: only the issuing sandbox differs.
    let foreign = token_for(&other_api, "4111111111111111", T0).await;
    let res = pay(&api, &foreign, "1.00", "USD", T0).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(detail(&res), ("tokenInformation.jti".to_owned(), "INVALID_DATA".to_owned()));
    // It still pays where it was issued.
    assert_eq!(pay(&other_api, &foreign, "1.00", "USD", T0).await.status, 201);
}

#[tokio::test]
async fn a_forged_or_malformed_token_is_refused() {
    let (_sandbox, _clock, api) = support::start().await;
    let token = token_for(&api, "4111111111111111", T0).await;
    // A signature from elsewhere on the same claims: the jti is known, the signature is not ours.
    let mut parts: Vec<&str> = token.split('.').collect();
    let other = token_for(&api, "4111111111111111", T0).await;
    let other_sig = other.split('.').nth(2).unwrap().to_owned();
    parts[2] = &other_sig;
    let forged = parts.join(".");
    let res = pay(&api, &forged, "1.00", "USD", T0).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(detail(&res).0, "tokenInformation.transientTokenJwt");
    // The genuine token was not consumed by the forgery.
    assert_eq!(pay(&api, &token, "1.00", "USD", T0).await.status, 201);
    for bad in ["abc", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"] {
        let res = pay(&api, bad, "1.00", "USD", T0).await;
        assert_eq!(res.status, 400, "{bad}: {}", res.body);
        assert_eq!(detail(&res).0, "tokenInformation.transientTokenJwt", "{bad}");
    }
}

#[tokio::test]
async fn amounts_at_the_edges() {
    let (_sandbox, _clock, api) = support::start().await;
    let token = token_for(&api, "4111111111111111", T0).await;
    let refused = [
        ("0", "USD", "orderInformation.amountDetails.totalAmount", "INVALID_AMOUNT"),
        ("0.00", "USD", "orderInformation.amountDetails.totalAmount", "INVALID_AMOUNT"),
        ("-5.00", "USD", "orderInformation.amountDetails.totalAmount", "INVALID_AMOUNT"),
        ("1.001", "USD", "orderInformation.amountDetails.totalAmount", "INVALID_AMOUNT"),
        ("100.5", "JPY", "orderInformation.amountDetails.totalAmount", "INVALID_AMOUNT"),
        ("1.2345", "KWD", "orderInformation.amountDetails.totalAmount", "INVALID_AMOUNT"),
        ("1000000000000", "USD", "orderInformation.amountDetails.totalAmount", "INVALID_AMOUNT"),
        ("1e3", "USD", "orderInformation.amountDetails.totalAmount", "INVALID_AMOUNT"),
        ("10.00", "ABC", "orderInformation.amountDetails.currency", "INVALID_DATA"),
    ];
    for (amount, currency, field, reason) in refused {
        let res = pay(&api, &token, amount, currency, T0).await;
        assert_eq!(res.status, 400, "{amount} {currency}: {}", res.body);
        assert_eq!(detail(&res), (field.to_owned(), reason.to_owned()), "{amount} {currency}");
    }
    // None of the refusals used the token: the smallest and largest valid amounts still pay.
    let res = pay(&api, &token, "999999999999.99", "USD", T0).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let r: PaymentResponse<'_> = serde_json::from_str(&res.body).unwrap();
    assert_eq!(r.authorized_amount(), Some("999999999999.99"));
    for (amount, currency) in [("0.01", "USD"), ("1", "JPY"), ("0.001", "BHD")] {
        let token = token_for(&api, "4111111111111111", T0).await;
        let res = pay(&api, &token, amount, currency, T0).await;
        assert_eq!(res.status, 201, "{amount} {currency}: {}", res.body);
    }
}

#[tokio::test]
async fn missing_fields_authentication_and_lookups() {
    let (_sandbox, _clock, api) = support::start().await;
    let res = api.send_signed("POST", "/pts/v2/payments", r#"{"orderInformation":{}}"#, T0).await;
    assert_eq!(res.status, 400);
    assert_eq!(detail(&res), ("tokenInformation.transientTokenJwt".to_owned(), "MISSING_FIELD".to_owned()));
    // Unsigned: the gateway's 401.
    let token = token_for(&api, "4111111111111111", T0).await;
    let body = payment_body(&token, "1.00", "USD");
    let res = api.send("POST", "/pts/v2/payments", &[], body.clone().into_bytes()).await;
    assert_eq!(res.status, 401);
    // Signed for another body: 401, and the token is still usable.
    let headers = api.signed("POST", "/pts/v2/payments", "{}", T0);
    assert_eq!(api.send("POST", "/pts/v2/payments", &headers, body.clone().into_bytes()).await.status, 401);
    assert_eq!(api.send_signed("POST", "/pts/v2/payments", &body, T0).await.status, 201);
    // Unknown payments and bad ids: 404; unsigned GET: 401; other methods: 405.
    for path in ["/pts/v2/payments/1234567890123456789012", "/pts/v2/payments/abc", "/pts/v2/payments/"] {
        assert_eq!(api.send_signed("GET", path, "", T0).await.status, 404, "{path}");
    }
    assert_eq!(api.send("GET", "/pts/v2/payments/1", &[], Vec::new()).await.status, 401);
    assert_eq!(api.send("GET", "/pts/v2/payments", &[], Vec::new()).await.status, 405);
    assert_eq!(api.send("DELETE", "/pts/v2/payments/1", &[], Vec::new()).await.status, 405);
}

#[tokio::test]
async fn the_issued_token_store_is_bounded_and_refuses_before_consuming_the_context() {
    let clock = flex_sandbox::ManualClock::new(T0);
    let sandbox = support::config(&clock).max_transient_tokens(1).start().await.unwrap();
    let api = Api::new(&sandbox);
    let first = token_for(&api, "4111111111111111", T0).await;
    // Full of one live token: the next tokenization is 503 and its context stays usable.
    let context = api.create_session(T0).await;
    let jwe = support::jwe_for(&context, support::card(PaymentData::flat()));
    let res = api.tokenize(&jwe).await;
    assert_eq!(res.status, 503, "{}", res.body);
    // Using the first token does not free its place (it is remembered until it expires, against reuse) ...
    assert_eq!(pay(&api, &first, "1.00", "USD", T0).await.status, 201);
    assert_eq!(api.tokenize(&jwe).await.status, 503);
    // ... its expiry does; the context issued at T0 is then expired too, so take a fresh one.
    clock.set(T0 + 901);
    let token = token_for(&api, "4111111111111111", T0 + 901).await;
    assert_eq!(pay(&api, &token, "1.00", "USD", T0 + 901).await.status, 201);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn only_the_merchant_whose_context_made_the_token_may_pay_with_it() {
    const OTHER_SECRET: &str = "c2Vjb25kLW1lcmNoYW50LXNlY3JldC0zMmJ5dGVzISE=";
    let clock = flex_sandbox::ManualClock::new(T0);
    let other = flex_sandbox::Merchant::shared_secret("other_merchant", "other-key", OTHER_SECRET).unwrap();
    let sandbox = support::config(&clock).merchant(other).start().await.unwrap();
    let api = Api::new(&sandbox);
    let token = token_for(&api, "4111111111111111", T0).await;
    // Another merchant, well authenticated, cannot spend the test merchant's token; nor does trying use it up.
    let creds = flex_auth::Credentials::shared_secret(
        "other_merchant",
        "other-key",
        flex_auth::SharedSecret::from_base64(OTHER_SECRET).unwrap(),
    )
    .unwrap();
    let body = payment_body(&token, "1.00", "USD");
    let headers = api.signed_as(&creds, "POST", "/pts/v2/payments", &body, T0);
    let res = api.send("POST", "/pts/v2/payments", &headers, body.as_bytes().to_vec()).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(detail(&res), ("tokenInformation.jti".to_owned(), "INVALID_DATA".to_owned()));
    assert_eq!(pay(&api, &token, "1.00", "USD", T0 + 1).await.status, 201);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_body_with_a_duplicate_member_is_refused_and_leaves_the_token_usable() {
    let (_sandbox, _clock, api) = support::start().await;
    let token = token_for(&api, "4111111111111111", T0).await;
    let body = payment_body(&token, "10.00", "USD");
    let tail = format!(r#","tokenInformation":{{"transientTokenJwt":"{token}"}}}}"#);
    let bodies = [
        // Top level: a second `tokenInformation`.
        format!("{}{tail}", body.strip_suffix('}').unwrap()),
        // Nested: a second `totalAmount`, plain and spelled with an escape (first-wins would pay 10.00, last-wins
        // 0.01).
        body.replace(r#""currency":"USD""#, r#""currency":"USD","totalAmount":"0.01""#),
        body.replace(r#""currency":"USD""#, r#""currency":"USD","totalAmo\u0075nt":"0.01""#),
        body.replace(r#""country":"US""#, r#""country":"US","c\u006funtry":"FR""#),
    ];
    for bad in bodies {
        assert_ne!(bad, body);
        let res = api.send_signed("POST", "/pts/v2/payments", &bad, T0).await;
        assert_eq!(res.status, 400, "{bad}: {}", res.body);
        assert_eq!(detail(&res), (String::new(), "INVALID_DATA".to_owned()), "{bad}");
        let v = res.json();
        assert_eq!(v["reason"], "INVALID_DATA");
        let message = v["message"].as_str().unwrap();
        assert!(message.contains("duplicate member name at line 1, column "), "{message}");
        assert!(!message.contains(&token), "the answer does not echo the body");
    }
    // The refusals came before the token was looked at: it still pays, once.
    let res = api.send_signed("POST", "/pts/v2/payments", &body, T0).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let r: PaymentResponse<'_> = serde_json::from_str(&res.body).unwrap();
    assert_eq!(r.authorized_amount(), Some("10.00"));
}
