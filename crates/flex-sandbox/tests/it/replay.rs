//! The authentication-JWT replay cache: a `jti` is remembered until the verifier itself would refuse the token,
//! a full cache refuses new tokens instead of forgetting live ones, and its byte bound holds.

use base64ct::{Base64, Base64UrlUnpadded, Encoding as _};
use flex_sandbox::{ManualClock, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET};

use crate::support::{self, Api, Resp, Scheme, T0, VECTOR_BODY};

/// The sandbox's default skew (the verifier's default): tokens are accepted until `exp + SKEW`.
const SKEW: i64 = 300;

/// A JWT-authentication `Authorization` header for `POST /flex/v2/sessions` with [`VECTOR_BODY`], signed
/// HS256 with the test merchant's secret, with the given `iat`, `exp` and `jti`.
fn jwt_headers(api: &Api, iat: i64, exp: i64, jti: &str) -> Vec<(String, String)> {
    let digest =
        Base64::encode_string(ring::digest::digest(&ring::digest::SHA256, VECTOR_BODY.as_bytes()).as_ref());
    let header = serde_json::json!({ "typ": "JWT", "alg": "HS256", "kid": TEST_KEY_ID });
    let claims = serde_json::json!({
        "digest": digest,
        "digest-algorithm": "SHA-256",
        "iat": iat,
        "exp": exp,
        "request-host": api.authority,
        "request-resource-path": "/flex/v2/sessions",
        "request-method": "post",
        "iss": TEST_MERCHANT_ID,
        "jti": jti,
        "v-c-jwt-version": "2",
        "v-c-merchant-id": TEST_MERCHANT_ID,
    });
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.to_string().as_bytes()),
        Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
    );
    let secret = Base64::decode_vec(TEST_SHARED_SECRET).unwrap();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &secret);
    let signature = ring::hmac::sign(&key, input.as_bytes());
    let token = format!("{input}.{}", Base64UrlUnpadded::encode_string(signature.as_ref()));
    vec![
        ("Authorization".to_owned(), format!("Bearer {token}")),
        ("Content-Type".to_owned(), "application/json;charset=utf-8".to_owned()),
    ]
}

async fn post(api: &Api, headers: &[(String, String)]) -> Resp {
    api.send("POST", "/flex/v2/sessions", headers, VECTOR_BODY.as_bytes().to_vec()).await
}

#[tokio::test]
async fn a_future_dated_token_is_never_accepted_twice_while_the_verifier_accepts_it() {
    let (sandbox, clock, api) = support::start().await;
    // iat as far in the future as the skew allows, the longest lifetime the verifier accepts.
    let (iat, exp) = (T0 + 290, T0 + 590);
    let headers = jwt_headers(&api, iat, exp, "future-dated");
    assert_eq!(post(&api, &headers).await.status, 201);
    assert_eq!(post(&api, &headers).await.status, 401, "immediate replay");
    // 5 minutes, 10 minutes (when a cache that forgot at first use + skew + lifetime let it in again), and the
    // last second the verifier accepts the token.
    for at in [T0 + 300, T0 + 600, exp + SKEW] {
        clock.set(at);
        let res = post(&api, &headers).await;
        assert_eq!(res.status, 401, "replay at T0 + {}: {}", at - T0, res.body);
        // A token with the same times and another jti is accepted at that moment: only the cache refused.
        let other = jwt_headers(&api, iat, exp, &format!("other-{at}"));
        assert_eq!(post(&api, &other).await.status, 201, "fresh jti at T0 + {}", at - T0);
    }
    // One second later the verifier refuses the token by itself.
    clock.set(exp + SKEW + 1);
    assert_eq!(post(&api, &headers).await.status, 401);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_full_replay_cache_answers_503_and_forgets_nothing_live() {
    let clock = ManualClock::new(T0);
    // One signing key may fill half of the cache: room for two of its ids.
    let sandbox = support::config(&clock).max_replay_entries(4).start().await.unwrap();
    let api = Api::new(&sandbox);
    let first = jwt_headers(&api, T0, T0 + 120, "first");
    let second = jwt_headers(&api, T0, T0 + 300, "second");
    assert_eq!(post(&api, &first).await.status, 201);
    assert_eq!(post(&api, &second).await.status, 201);
    let third = jwt_headers(&api, T0, T0 + 120, "third");
    let res = post(&api, &third).await;
    assert_eq!(res.status, 503, "{}", res.body);
    assert_eq!(res.reason(), "SERVICE_UNAVAILABLE");
    assert_eq!(res.json()["responseStatus"]["status"], 503);
    // The flood forgot nothing: both tokens are still replays.
    assert_eq!(post(&api, &first).await.status, 401);
    assert_eq!(post(&api, &second).await.status, 401);
    // HTTP Signature needs no cache entry and still works.
    assert_eq!(api.create_session_with(Scheme::HttpSignature, VECTOR_BODY, T0).await.status, 201);
    // Once the first token can no longer be accepted (exp + skew), its entry makes room.
    clock.set(T0 + 120 + SKEW + 1);
    let fourth = jwt_headers(&api, T0 + 421, T0 + 541, "fourth");
    assert_eq!(post(&api, &fourth).await.status, 201);
    assert_eq!(post(&api, &second).await.status, 401, "the longer-lived entry is still remembered");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_byte_bound_holds_and_overlong_ids_are_refused() {
    let clock = ManualClock::new(T0);
    // Room for three 36-byte ids (each costs its length plus 128 bytes of bookkeeping) in the signing key's half.
    let sandbox = support::config(&clock).max_replay_bytes(6 * (36 + 128)).start().await.unwrap();
    let api = Api::new(&sandbox);
    for i in 0..3 {
        let jti = format!("{i:036}");
        assert_eq!(post(&api, &jwt_headers(&api, T0, T0 + 120, &jti)).await.status, 201);
    }
    let res = post(&api, &jwt_headers(&api, T0, T0 + 120, &format!("{:036}", 3))).await;
    assert_eq!(res.status, 503, "{}", res.body);
    // An id longer than 128 bytes is refused outright (401), never stored.
    let long = "j".repeat(129);
    assert_eq!(post(&api, &jwt_headers(&api, T0, T0 + 120, &long)).await.status, 401);
    sandbox.shutdown().await;
}
