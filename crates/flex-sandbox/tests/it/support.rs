//! Test helpers: a loopback hyper client, request signing with flex-auth, JWEs with flex-jwe, token checks
//! with flex-jwt.

use std::sync::OnceLock;

use bytes::Bytes;
use flex_auth::{Credentials, JwtId, SharedSecret, SignableRequest, SigningParams, UnixTime, sign};
use flex_jwe::{PaymentData, RecipientKey, TokenizePayload};
use flex_jwt::{RsaPublicKey, Verifier};
use flex_sandbox::{
    ManualClock, RunningSandbox, Sandbox, SandboxConfig, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET,
    TestKeys,
};
use flex_types::{CaptureContextClaims, TransientTokenClaims};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// The fixed test time (2026-01-01T00:00:00Z).
pub const T0: i64 = 1_767_225_600;

/// The body of the vectors: card number required, the rest optional.
pub const VECTOR_BODY: &str = r#"{"fields":{"paymentInformation":{"card":{"number":{},"securityCode":{"required":false},"expirationMonth":{"required":false},"expirationYear":{"required":false},"type":{"required":false}}}}}"#;

pub fn read_vector(rel: &str) -> Vec<u8> {
    flex_testkit::read(rel)
}

/// Three RSA-2048 keys generated once per test binary.
pub fn test_keys() -> TestKeys {
    static KEYS: OnceLock<TestKeys> = OnceLock::new();
    KEYS.get_or_init(|| TestKeys::generate(3).unwrap()).clone()
}

/// A fast configuration: fixed keys, a manual clock at [`T0`].
pub fn config(clock: &ManualClock) -> SandboxConfig {
    Sandbox::builder().test_keys(test_keys()).clock(clock.clone())
}

pub async fn start() -> (RunningSandbox, ManualClock, Api) {
    let clock = ManualClock::new(T0);
    let sandbox = config(&clock).start().await.unwrap();
    let api = Api::new(&sandbox);
    (sandbox, clock, api)
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }

    /// `responseStatus.reason`.
    pub fn reason(&self) -> String {
        self.json()["responseStatus"]["reason"].as_str().unwrap_or_default().to_owned()
    }

    /// `responseStatus.details[0].location`.
    pub fn location(&self) -> String {
        self.json()["responseStatus"]["details"][0]["location"].as_str().unwrap_or_default().to_owned()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    HttpSignature,
    /// JWT HS256 with only the `Authorization` header (as the official SDKs send it).
    JwtOnlyAuthorization,
}

pub struct Api {
    pub client: Client<HttpConnector, Full<Bytes>>,
    pub base: String,
    pub authority: String,
}

impl Api {
    pub fn new(sandbox: &RunningSandbox) -> Self {
        Self::with_client(sandbox, Client::builder(TokioExecutor::new()).build_http())
    }

    pub fn with_client(sandbox: &RunningSandbox, client: Client<HttpConnector, Full<Bytes>>) -> Self {
        let base = sandbox.base_url().to_owned();
        let authority = base.trim_start_matches("http://").to_owned();
        Self { client, base, authority }
    }

    pub async fn try_send(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<Resp, hyper_util::client::legacy::Error> {
        let mut builder = http::Request::builder().method(method).uri(format!("{}{path}", self.base));
        for (n, v) in headers {
            builder = builder.header(n.as_str(), v.as_str());
        }
        let req = builder.body(Full::new(Bytes::from(body))).unwrap();
        let res = self.client.request(req).await?;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        Ok(Resp { status, headers, body: String::from_utf8(body.to_vec()).unwrap() })
    }

    pub async fn send(&self, method: &str, path: &str, headers: &[(String, String)], body: Vec<u8>) -> Resp {
        self.try_send(method, path, headers, body).await.unwrap()
    }

    /// Signs `POST /flex/v2/sessions` for the test merchant at `now`.
    pub fn session_headers(&self, scheme: Scheme, body: &str, now: i64) -> Vec<(String, String)> {
        let secret = SharedSecret::from_base64(TEST_SHARED_SECRET).unwrap();
        let creds = Credentials::shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, secret).unwrap();
        self.signed_headers(&creds, scheme, body, now)
    }

    pub fn signed_headers(
        &self,
        creds: &Credentials,
        scheme: Scheme,
        body: &str,
        now: i64,
    ) -> Vec<(String, String)> {
        let req =
            SignableRequest::new("POST", &self.authority, "/flex/v2/sessions", body.as_bytes()).unwrap();
        let time = UnixTime::from_secs(now).unwrap();
        let params = match scheme {
            Scheme::HttpSignature => SigningParams::http_signature(time),
            Scheme::JwtOnlyAuthorization => SigningParams::jwt(time, JwtId::random().unwrap()),
        };
        let instructions = sign(&req, creds, &params).unwrap();
        let mut headers: Vec<(String, String)> = instructions
            .headers()
            .filter(|(n, _)| scheme == Scheme::HttpSignature || n.eq_ignore_ascii_case("authorization"))
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        headers.push(("Content-Type".to_owned(), "application/json;charset=utf-8".to_owned()));
        headers
    }

    /// Signs `method path` with `body` as the test merchant (HTTP Signature) at `now`.
    pub fn signed(&self, method: &str, path: &str, body: &str, now: i64) -> Vec<(String, String)> {
        let secret = SharedSecret::from_base64(TEST_SHARED_SECRET).unwrap();
        let creds = Credentials::shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, secret).unwrap();
        self.signed_as(&creds, method, path, body, now)
    }

    /// Signs `method path` with `body` with `creds` (HTTP Signature) at `now`.
    pub fn signed_as(
        &self,
        creds: &Credentials,
        method: &str,
        path: &str,
        body: &str,
        now: i64,
    ) -> Vec<(String, String)> {
        let req = SignableRequest::new(method, &self.authority, path, body.as_bytes()).unwrap();
        let params = SigningParams::http_signature(UnixTime::from_secs(now).unwrap());
        let instructions = sign(&req, creds, &params).unwrap();
        let mut headers: Vec<(String, String)> =
            instructions.headers().map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
        headers.push(("Content-Type".to_owned(), "application/json;charset=utf-8".to_owned()));
        headers
    }

    /// An authenticated request as the test merchant.
    pub async fn send_signed(&self, method: &str, path: &str, body: &str, now: i64) -> Resp {
        let headers = self.signed(method, path, body, now);
        self.send(method, path, &headers, body.as_bytes().to_vec()).await
    }

    pub async fn create_session_with(&self, scheme: Scheme, body: &str, now: i64) -> Resp {
        let headers = self.session_headers(scheme, body, now);
        self.send("POST", "/flex/v2/sessions", &headers, body.as_bytes().to_vec()).await
    }

    /// A capture context for [`VECTOR_BODY`]; panics unless `201`.
    pub async fn create_session(&self, now: i64) -> String {
        let res = self.create_session_with(Scheme::HttpSignature, VECTOR_BODY, now).await;
        assert_eq!(res.status, 201, "{}", res.body);
        res.body
    }

    pub async fn public_key(&self, kid: &str) -> Resp {
        self.send("GET", &format!("/flex/v2/public-keys/{kid}"), &[], Vec::new()).await
    }

    pub async fn tokenize(&self, jwe: &str) -> Resp {
        let body = serde_json::to_vec(&serde_json::json!({ "keyId": jwe })).unwrap();
        let headers = [("Content-Type".to_owned(), "application/json; charset=utf-8".to_owned())];
        self.send("POST", "/flex/v2/tokens", &headers, body).await
    }

    /// Verifies a capture context with the sandbox's public-keys endpoint; returns its claims.
    pub async fn verify_context(&self, context: &str, now: i64) -> CaptureContextClaims<'static> {
        let kid = flex_jwt::Jwt::parse(context).unwrap().kid().unwrap().as_str().to_owned();
        let jwk = self.public_key(&kid).await;
        assert_eq!(jwk.status, 200, "{}", jwk.body);
        let key = RsaPublicKey::from_jwk(&jwk.body).unwrap();
        let verified = Verifier::new().verify_token(context, &key, now).unwrap();
        verified.claims::<CaptureContextClaims<'_>>().unwrap().into_owned()
    }
}

/// Unverified claims of a capture context.
pub fn context_claims(context: &str) -> CaptureContextClaims<'static> {
    let decoded = flex_jwt::dangerous::insecure_decode(context).unwrap();
    decoded.claims::<CaptureContextClaims<'_>>().unwrap().into_owned()
}

/// Verifies a transient token with the context's `flx.jwk`; returns its claims.
pub fn verify_token(
    token: &str,
    claims: &CaptureContextClaims<'_>,
    now: i64,
) -> TransientTokenClaims<'static> {
    let key = RsaPublicKey::from_flex_capture_context_jwk(&claims.flx.jwk).unwrap();
    let verified = Verifier::new().verify_token(token, &key, now).unwrap();
    verified.claims::<TransientTokenClaims<'_>>().unwrap().into_owned()
}

/// The default card fields.
pub fn card(data: PaymentData) -> PaymentData {
    flex_testkit::TEST_CARD.iter().fold(data, |data, &(path, value)| data.with(path, value).unwrap())
}

/// The test card's fields with another card number.
pub fn card_numbered(pan: &str) -> PaymentData {
    flex_testkit::TEST_CARD.iter().fold(PaymentData::flat(), |data, &(path, value)| {
        let value = if path == "paymentInformation.card.number" { pan } else { value };
        data.with(path, value).unwrap()
    })
}

/// Encrypts `data` with `context` to the context's `flx.jwk`.
pub fn jwe_for(context: &str, data: PaymentData) -> String {
    let claims = context_claims(context);
    let jwk = &claims.flx.jwk;
    let recipient = RecipientKey::from_jwk_components(jwk.kid.as_deref().unwrap(), &jwk.n, &jwk.e).unwrap();
    recipient.encrypt_payload(&TokenizePayload::new(context, data)).unwrap()
}
