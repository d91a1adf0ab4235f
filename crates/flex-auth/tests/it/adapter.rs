//! The `http` feature: `SignableRequest::from_http_request` and `SigningInstructions::apply_to_request`.
#![cfg(feature = "http")]

use flex_auth::{SignableRequest, SigningParams, sign};

use crate::*;

#[test]
fn applies_headers_marked_sensitive() {
    let mut request = http::Request::builder()
        .method("POST")
        .uri("https://apitest.cybersource.com/flex/v2/sessions")
        .header("Signature", "stale")
        .body(BODY.as_bytes().to_vec())
        .unwrap();
    let body = request.body().clone();
    let signable = SignableRequest::from_http_request(&request, &body).unwrap();
    assert_eq!(signable.authority(), HOST);
    let instructions = sign(&signable, &creds(), &SigningParams::http_signature(t(NOW))).unwrap();
    let expected: Vec<(String, String)> =
        instructions.headers().map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
    instructions.apply_to_request(&mut request).unwrap();
    for (name, value) in &expected {
        let got = request.headers().get_all(name.as_str()).iter().collect::<Vec<_>>();
        assert_eq!(got.len(), 1, "{name}");
        assert_eq!(got[0].to_str().unwrap(), value);
        assert_eq!(
            got[0].is_sensitive(),
            matches!(name.as_str(), "Signature" | "Digest" | "Authorization"),
            "{name}"
        );
    }
    let headers: Vec<(&str, &str)> =
        request.headers().iter().map(|(n, v)| (n.as_str(), v.to_str().unwrap())).collect();
    assert!(verifier().verify(&received("POST", PATH, &headers, &body), t(NOW)).is_ok());
    // An URI without authority cannot be signed.
    let relative = http::Request::builder().uri("/flex/v2/sessions").body(()).unwrap();
    assert!(SignableRequest::from_http_request(&relative, b"").is_err());
}
