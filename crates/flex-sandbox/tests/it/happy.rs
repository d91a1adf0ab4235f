//! The happy path, both auth schemes, both `data` shapes, the exact shapes of what is issued.

use base64ct::{Base64, Encoding as _};
use flex_jwe::PaymentData;
use flex_sandbox::{ManualClock, Merchant};

use crate::support::{self, Api, Scheme, T0, VECTOR_BODY};

#[tokio::test]
async fn http_signature_session_then_flat_tokenization() {
    let (sandbox, _clock, api) = support::start().await;
    let res = api.create_session_with(Scheme::HttpSignature, VECTOR_BODY, T0).await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.headers["content-type"], "application/jwt");
    let context = res.body;

    // The header is exactly Cybersource's, with a two-character kid.
    let decoded = flex_jwt::dangerous::insecure_decode(&context).unwrap();
    let kid = sandbox.signing_kid();
    assert_eq!(decoded.header_json(), format!(r#"{{"kid":"{kid}","alg":"RS256"}}"#));
    assert_eq!(decoded.signature_len(), 256);

    // The claims verify with the public-keys endpoint and have the real shape.
    let claims = api.verify_context(&context, T0).await;
    assert_eq!(claims.iss, "Flex API");
    assert_eq!((claims.iat, claims.exp), (T0, T0 + 900));
    assert_eq!(claims.jti.len(), 16);
    assert_eq!(claims.flx.path, "/flex/v2/tokens");
    assert_eq!(claims.flx.origin, sandbox.base_url());
    assert_eq!(claims.tokens_url(), format!("{}/flex/v2/tokens", sandbox.base_url()));
    assert!(Base64::decode_vec(&claims.flx.data).is_ok_and(|d| !d.is_empty()));
    let jwk = &claims.flx.jwk;
    assert_eq!((jwk.kty.as_ref(), jwk.e.as_ref(), jwk.use_.as_deref()), ("RSA", "AQAB", Some("enc")));
    assert_eq!(jwk.kid.as_deref().map(str::len), Some(32));
    assert_eq!(claims.ctx.len(), 1);
    assert_eq!(claims.ctx[0].type_, "api-0.1.0");
    assert_eq!(claims.required_fields().collect::<Vec<_>>(), ["paymentInformation.card.number"]);
    assert_eq!(
        claims.optional_fields().collect::<Vec<_>>(),
        [
            "paymentInformation.card.securityCode",
            "paymentInformation.card.expirationMonth",
            "paymentInformation.card.expirationYear",
            "paymentInformation.card.type"
        ]
    );
    // Member order is Cybersource's.
    let payload = decoded.payload_json();
    let order = [
        "\"flx\"",
        "\"path\"",
        "\"data\"",
        "\"origin\"",
        "\"jwk\"",
        "\"ctx\"",
        "\"iss\"",
        "\"exp\"",
        "\"iat\"",
        "\"jti\"",
    ];
    let positions: Vec<usize> = order.iter().map(|m| payload.find(m).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{payload}");

    // Tokenize with flat dotted keys.
    let jwe = support::jwe_for(&context, support::card(PaymentData::flat()));
    let res = api.tokenize(&jwe).await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.headers["content-type"], "application/jwt");
    let digest = res.headers["digest"].to_str().unwrap();
    let expected = format!(
        "SHA-256={}",
        Base64::encode_string(ring::digest::digest(&ring::digest::SHA256, res.body.as_bytes()).as_ref())
    );
    assert_eq!(digest, expected);

    let token = support::verify_token(&res.body, &claims, T0);
    let header = flex_jwt::dangerous::insecure_decode(&res.body).unwrap().header_json().to_owned();
    assert_eq!(header, format!(r#"{{"kid":"{}","alg":"RS256"}}"#, jwk.kid.as_deref().unwrap()));
    assert_eq!(token.lifetime_secs(), 900);
    assert_eq!(token.iat, T0);
    assert_eq!(token.jti.len(), 64);
    let card = token.card();
    assert_eq!(card.masked_number, Some("411111XXXXXX1111"));
    assert_eq!(card.card_type, Some("001"));
    assert_eq!((card.expiration_month, card.expiration_year), (Some("12"), Some("2031")));
    assert!(!res.body.contains("4111111111111111"));
    assert!(!token_payload(&res.body).contains("123\""), "the security code never appears");
    sandbox.shutdown().await;
}

fn token_payload(token: &str) -> String {
    flex_jwt::dangerous::insecure_decode(token).unwrap().payload_json().to_owned()
}

#[tokio::test]
async fn jwt_with_only_authorization_then_nested_tokenization() {
    let (sandbox, _clock, api) = support::start().await;
    let headers = api.session_headers(Scheme::JwtOnlyAuthorization, VECTOR_BODY, T0);
    assert!(
        headers.iter().all(|(n, _)| !n.eq_ignore_ascii_case("date") && !n.eq_ignore_ascii_case("digest"))
    );
    let res = api.send("POST", "/flex/v2/sessions", &headers, VECTOR_BODY.as_bytes().to_vec()).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let context = res.body;
    let claims = api.verify_context(&context, T0).await;

    let data = PaymentData::nested()
        .with("paymentInformation.card.number", "5555555555554444")
        .unwrap()
        .with("paymentInformation.card.expirationMonth", "1")
        .unwrap()
        .with("paymentInformation.card.expirationYear", "31")
        .unwrap();
    let res = api.tokenize(&support::jwe_for(&context, data)).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let token = support::verify_token(&res.body, &claims, T0);
    assert_eq!(token.card().masked_number, Some("555555XXXXXX4444"));
    assert_eq!(token.card().card_type, Some("002"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn jwt_rs256_for_a_configured_merchant() {
    let clock = ManualClock::new(T0);
    let der = support::read_vector("keys/rsa2048.pkcs1.der");
    let merchant = Merchant::rsa_public_key("acme_corp", "serial-1234", &der).unwrap();
    let sandbox = support::config(&clock).merchant(merchant).start().await.unwrap();
    let api = Api::new(&sandbox);

    let pem = String::from_utf8(support::read_vector("keys/rsa2048.pk8.pem")).unwrap();
    let key = flex_auth::MerchantPrivateKey::from_pem(&pem).unwrap();
    let creds = flex_auth::Credentials::private_key("acme_corp", "serial-1234", key).unwrap();
    let headers = api.signed_headers(&creds, Scheme::JwtOnlyAuthorization, VECTOR_BODY, T0);
    let res = api.send("POST", "/flex/v2/sessions", &headers, VECTOR_BODY.as_bytes().to_vec()).await;
    assert_eq!(res.status, 201, "{}", res.body);

    // The test merchant still works next to it.
    assert_eq!(api.create_session_with(Scheme::HttpSignature, VECTOR_BODY, T0).await.status, 201);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn http2_prior_knowledge() {
    let (sandbox, _clock, _) = support::start().await;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .http2_only(true)
        .build_http();
    let api = Api::with_client(&sandbox, client);
    // Over HTTP/2 the signed host is the `:authority`.
    let headers: Vec<_> = api
        .session_headers(Scheme::HttpSignature, VECTOR_BODY, T0)
        .into_iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("host"))
        .collect();
    let res = api.send("POST", "/flex/v2/sessions", &headers, VECTOR_BODY.as_bytes().to_vec()).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let res = api.tokenize(&support::jwe_for(&res.body, support::card(PaymentData::flat()))).await;
    assert_eq!(res.status, 201, "{}", res.body);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn public_keys_endpoint() {
    let (sandbox, _clock, api) = support::start().await;
    let kid = sandbox.signing_kid();
    let res = api.public_key(&kid).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.headers["content-type"], "application/json");
    let jwk = res.json();
    assert_eq!(jwk["kty"], "RSA");
    assert_eq!(jwk["e"], "AQAB");
    assert_eq!(jwk["kid"], kid.as_str());
    assert_eq!(jwk["alg"], "RS256");
    assert_eq!(jwk["use"], "sig");
    assert!(jwk.get("d").is_none());
    assert_eq!(flex_jwt::RsaPublicKey::from_jwk(&res.body).unwrap().bits(), 2048);

    for bad in ["zz9", "..", "a%2Fb", "a;b", &"a".repeat(65)] {
        let res = api.public_key(bad).await;
        assert_eq!(res.status, 404, "{bad}");
        assert_eq!(res.reason(), "NOT_FOUND");
    }
    assert_eq!(api.send("POST", &format!("/flex/v2/public-keys/{kid}"), &[], Vec::new()).await.status, 405);
    assert_eq!(api.send("GET", "/flex/v2/sessions", &[], Vec::new()).await.status, 405);
    assert_eq!(api.send("GET", "/nope", &[], Vec::new()).await.status, 404);

    // CORS for the endpoints a browser calls.
    let preflight = api.send("OPTIONS", "/flex/v2/tokens", &[], Vec::new()).await;
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.headers["access-control-allow-origin"], "*");
    assert!(preflight.headers["access-control-allow-methods"].to_str().unwrap().contains("POST"));
    assert!(preflight.headers["access-control-expose-headers"].to_str().unwrap().contains("digest"));
    assert_eq!(api.public_key(&kid).await.headers["access-control-allow-origin"], "*");
    let sessions = api.send("OPTIONS", "/flex/v2/sessions", &[], Vec::new()).await;
    assert_eq!(sessions.status, 405);
    assert!(
        sessions.headers.get("access-control-allow-origin").is_none(),
        "the merchant endpoint is not for browsers"
    );
    sandbox.shutdown().await;
}
