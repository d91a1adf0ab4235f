//! Every vector, end to end through the public API: sign and compare each header, then verify.

use flex_auth::{
    AuthScheme, JwtId, SignableRequest, SigningParams, Verifier, VerifierConfig, VerifyError, sign,
};

use crate::loader::{self, Case};
use crate::{store, t};

fn credentials(case: &Case) -> flex_auth::Credentials {
    let secret = flex_auth::SharedSecret::from_base64(&case.ctx_str("shared_secret_base64")).unwrap();
    flex_auth::Credentials::shared_secret(&case.ctx_str("merchant_id"), &case.ctx_str("key_id"), secret)
        .unwrap()
}

#[test]
fn sign_reproduces_every_current_vector() {
    let mut checked = 0;
    for name in loader::all_cases() {
        let case = Case::load(&name);
        if case.is_legacy() {
            continue; // the signer only emits the official form
        }
        let req = case.request();
        let request = SignableRequest::new(&req.method, &req.host, &req.target, &req.body).unwrap();
        let params = if case.is_jwt() {
            SigningParams::jwt(t(case.time()), JwtId::from_random_bytes([0; 16]))
        } else {
            SigningParams::http_signature(t(case.time()))
        };
        let out = sign(&request, &credentials(&case), &params).unwrap();
        assert_eq!(out.get("v-c-merchant-id"), Some("testrest"), "{name}");
        assert_eq!(out.get("Host"), Some(req.host.as_str()), "{name}");
        assert_eq!(out.get("Date"), Some("Thu, 18 Jul 2019 00:18:03 GMT"), "{name}");
        if case.is_jwt() {
            assert_eq!(out.get("Authorization"), Some(format!("Bearer {}", case.text("token.txt")).as_str()));
            assert_eq!(out.get("Digest"), None);
            assert_eq!(out.get("Signature"), None);
        } else {
            assert_eq!(out.get("Digest").map(str::to_owned), case.opt_text("digest.txt"), "{name}");
            assert_eq!(out.get("Signature"), Some(case.text("signature-header.txt").as_str()), "{name}");
            let names: Vec<_> = out.headers().map(|(n, _)| n).collect();
            let expected: &[&str] = if case.opt_text("digest.txt").is_some() {
                &["v-c-merchant-id", "Date", "Host", "Digest", "Signature"]
            } else {
                &["v-c-merchant-id", "Date", "Host", "Signature"]
            };
            assert_eq!(names, expected, "{name}");
        }
        checked += 1;
    }
    assert_eq!(checked, 3);
}

/// Builds the headers a client would have sent for a vector, straight from the vector files.
fn vector_headers(case: &Case) -> Vec<(String, String)> {
    let mut h = vec![("Host".to_owned(), case.request().host)];
    if case.is_jwt() {
        h.push(("Authorization".into(), format!("Bearer {}", case.text("token.txt"))));
    } else {
        h.push(("v-c-merchant-id".into(), case.ctx_str("merchant_id")));
        h.push(("Date".into(), case.ctx_str("date")));
        if let Some(d) = case.opt_text("digest.txt") {
            h.push(("Digest".into(), d));
        }
        h.push(("Signature".into(), case.text("signature-header.txt")));
    }
    h
}

#[test]
fn verifier_accepts_every_vector() {
    let legacy_ok =
        Verifier::new(store(), VerifierConfig { allow_legacy_request_target: true, ..Default::default() });
    let strict = Verifier::new(store(), VerifierConfig::default());
    for name in loader::all_cases() {
        let case = Case::load(&name);
        let req = case.request();
        let owned = vector_headers(&case);
        let headers: Vec<(&str, &str)> = owned.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let received = flex_auth::ReceivedRequest {
            method: &req.method,
            authority: &req.host,
            path_and_query: &req.target,
            headers: &headers,
            body: &req.body,
        };
        let who = legacy_ok.verify(&received, t(case.time() + 5)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(who.merchant_id, "testrest");
        assert_eq!(who.key_id, case.ctx_str("key_id"));
        let strict_result = strict.verify(&received, t(case.time()));
        if case.is_legacy() {
            assert_eq!(who.scheme, AuthScheme::HttpSignature { legacy_request_target: true });
            assert_eq!(strict_result.unwrap_err(), VerifyError::LegacyRequestTargetNotAllowed);
        } else if case.is_jwt() {
            assert_eq!(who.scheme, AuthScheme::JwtHs256);
            assert_eq!(who.jti.as_deref(), Some("00000000-0000-4000-8000-000000000000"));
            assert_eq!(strict_result.unwrap(), who);
        } else {
            assert_eq!(strict_result.unwrap(), who);
        }
    }
}
