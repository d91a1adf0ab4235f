//! The published request vectors, replayed byte for byte against the sandbox: an existing client's exact
//! request (signed for `apitest.cybersource.com`) is accepted unchanged.

use flex_auth::VerifierConfig;
use flex_sandbox::ManualClock;

use crate::support::{self, Api, Resp};

/// Vector time: `Thu, 18 Jul 2019 00:18:03 GMT`.
const VECTOR_TIME: i64 = 1_563_409_083;

fn vector(name: &str) -> serde_json::Value {
    serde_json::from_slice(&support::read_vector(name)).unwrap()
}

async fn post_signature_vector(api: &Api, v: &serde_json::Value) -> Resp {
    let s = |k: &str| v[k].as_str().unwrap().to_owned();
    let headers = vec![
        ("v-c-merchant-id".to_owned(), s("merchant_id")),
        ("Date".to_owned(), s("date")),
        ("Host".to_owned(), s("host")),
        ("Digest".to_owned(), s("digest_header")),
        ("Signature".to_owned(), s("signature_header")),
        ("Content-Type".to_owned(), "application/json;charset=utf-8".to_owned()),
    ];
    api.send("POST", &s("request_target"), &headers, s("body").into_bytes()).await
}

#[tokio::test]
async fn http_signature_vector_is_accepted_as_sent() {
    let clock = ManualClock::new(VECTOR_TIME);
    let sandbox = support::config(&clock).start().await.unwrap();
    let api = Api::new(&sandbox);
    let res = post_signature_vector(&api, &vector("http-signature/post-flex-v2-sessions.json")).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let claims = support::context_claims(&res.body);
    assert_eq!(claims.required_fields().collect::<Vec<_>>(), ["paymentInformation.card.number"]);
    assert_eq!(claims.iat, VECTOR_TIME);

    // The legacy `(request-target)` form is refused by default, like the gateway since 2024-04-22.
    let legacy = vector("http-signature/post-flex-v2-sessions-legacy-request-target.json");
    assert_eq!(post_signature_vector(&api, &legacy).await.status, 401);
    sandbox.shutdown().await;

    // ... and accepted when the verifier is configured to.
    let config = VerifierConfig { allow_legacy_request_target: true, ..VerifierConfig::default() };
    let sandbox = support::config(&clock).verifier_config(config).start().await.unwrap();
    let api = Api::new(&sandbox);
    assert_eq!(post_signature_vector(&api, &legacy).await.status, 201);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn jwt_vector_is_accepted_with_only_its_authorization_header() {
    let clock = ManualClock::new(VECTOR_TIME + 10);
    let sandbox = support::config(&clock).start().await.unwrap();
    let api = Api::new(&sandbox);
    let v = vector("jwt-auth/hs256-post-flex-v2-sessions.json");
    let body = vector("http-signature/post-flex-v2-sessions.json")["body"].as_str().unwrap().to_owned();
    let headers = vec![
        ("Authorization".to_owned(), format!("Bearer {}", v["token"].as_str().unwrap())),
        ("Host".to_owned(), "apitest.cybersource.com".to_owned()),
        ("Content-Type".to_owned(), "application/json;charset=utf-8".to_owned()),
    ];
    let res = api.send("POST", "/flex/v2/sessions", &headers, body.clone().into_bytes()).await;
    assert_eq!(res.status, 201, "{}", res.body);
    // The same token again is a replay; after its lifetime it is expired anyway.
    assert_eq!(api.send("POST", "/flex/v2/sessions", &headers, body.into_bytes()).await.status, 401);
    sandbox.shutdown().await;
}
