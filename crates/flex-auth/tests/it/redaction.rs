//! Formats every public type with `{:?}` (and `{}` where implemented) and looks for secrets in the output.

use flex_auth::*;

use crate::*;

/// Strings that must never appear in any formatted output.
fn forbidden(extra: &[String]) -> Vec<String> {
    let mut v = vec![
        SECRET.to_owned(),
        SECRET[..16].to_owned(),
        // HMAC key bytes as Debug would print a Vec<u8> / slice.
        format!("{:?}", &base64ct::Base64::decode_vec(SECRET).unwrap()[..4]).trim_end_matches(']').to_owned(),
        "5xzQd4AoAqMWfadmdO4aOG7nzQTMzQhfxTqE2ztXweQ".to_owned(), // the body digest (card data can be brute-forced from it)
    ];
    v.extend(extra.iter().cloned());
    v
}

fn assert_clean(what: &str, output: &str, extra: &[String]) {
    for f in forbidden(extra) {
        assert!(!output.contains(&f), "{what} leaks {f:?}: {output}");
    }
}

#[test]
fn nothing_secret_is_printed() {
    let pem = std::fs::read_to_string(shared("keys/rsa2048.pk8.pem")).unwrap();
    let pem_body_line = pem.lines().nth(3).unwrap().to_owned();
    let private = MerchantPrivateKey::from_pem(&pem).unwrap();
    let public = private.public_key().clone();
    let rsa_creds =
        Credentials::private_key(MID, "serial-1", MerchantPrivateKey::from_pem(&pem).unwrap()).unwrap();
    let creds = creds().with_portfolio_id("portfolio1").unwrap();
    let req = SignableRequest::new("POST", HOST, PATH, BODY.as_bytes()).unwrap();
    let jti = JwtId::from_random_bytes([9; 16]);
    let http = sign(&req, &creds, &SigningParams::http_signature(t(NOW))).unwrap();
    let jwt = sign(&req, &creds, &SigningParams::jwt(t(NOW), jti)).unwrap();
    let rs = sign(&req, &rsa_creds, &SigningParams::jwt(t(NOW), jti)).unwrap();

    // Every sensitive value that was produced.
    let mut extra = vec![pem_body_line, BODY.to_owned(), "securityCode".to_owned()];
    for instructions in [&http, &jwt, &rs] {
        for (name, value) in instructions.headers() {
            match name {
                "Signature" => {
                    let sig = value.rsplit("signature=\"").next().unwrap().trim_end_matches('"');
                    extra.push(sig.to_owned());
                    extra.push(sig[..12].to_owned());
                }
                "Authorization" => {
                    let token = value.trim_start_matches("Bearer ");
                    extra.push(token.to_owned());
                    extra.push(token.rsplit('.').next().unwrap()[..12].to_owned());
                    extra.push(token.split('.').nth(1).unwrap()[..40].to_owned());
                }
                _ => {}
            }
        }
    }

    let mut store = KeyStore::new();
    store.insert(KEY_ID, RegisteredKey::new(MID, VerifyingKey::SharedSecret(secret())).unwrap()).unwrap();
    store.insert("serial-1", RegisteredKey::new(MID, VerifyingKey::Rsa(public.clone())).unwrap()).unwrap();
    let verifier = Verifier::new(store, VerifierConfig::default());
    let headers: Vec<(&str, &str)> = http.headers().collect();
    let received = received("POST", PATH, &headers, BODY.as_bytes());
    let ok = verifier.verify(&received, t(NOW)).unwrap_err(); // portfolio-signed but key not meta: an error to print
    let jwt_headers: Vec<(&str, &str)> = rs.headers().collect();
    let authenticated =
        verifier.verify(&crate::received("POST", PATH, &jwt_headers, BODY.as_bytes()), t(NOW)).unwrap();

    let debug_outputs: Vec<(&str, String)> = vec![
        ("SharedSecret", format!("{:?}", secret())),
        ("MerchantPrivateKey", format!("{private:?}")),
        ("RsaPublicKey", format!("{public:?}")),
        ("Credentials", format!("{creds:?}")),
        ("Credentials(rsa)", format!("{rsa_creds:?}")),
        ("SigningKey", format!("{:?}", creds.key())),
        ("SignableRequest", format!("{req:?}")),
        ("SigningParams", format!("{:?}", SigningParams::jwt(t(NOW), jti))),
        ("SigningScheme", format!("{:?}", SigningScheme::HttpSignature)),
        ("JwtClaimOptions", format!("{:?}", JwtClaimOptions::default())),
        ("JwtId", format!("{jti:?}")),
        ("SigningInstructions(http)", format!("{http:?}")),
        ("SigningInstructions(jwt)", format!("{jwt:?}")),
        ("SigningInstructions(rs)", format!("{rs:?}")),
        ("UnixTime", format!("{:?}", t(NOW))),
        ("HttpDate", format!("{:?}", t(NOW).to_http_date())),
        ("Verifier", format!("{verifier:?}")),
        ("VerifierConfig", format!("{:?}", VerifierConfig::default())),
        ("ReceivedRequest", format!("{received:?}")),
        ("VerifyError", format!("{ok:?}")),
        ("Authenticated", format!("{authenticated:?}")),
        ("AuthScheme", format!("{:?}", authenticated.scheme)),
        ("KeyStore", format!("{:?}", verifier.lookup())),
        (
            "RegisteredKey",
            format!("{:?}", RegisteredKey::new(MID, VerifyingKey::SharedSecret(secret())).unwrap()),
        ),
        ("VerifyingKey", format!("{:?}", VerifyingKey::SharedSecret(secret()))),
        ("SigningError", format!("{:?}", SigningError::InvalidMethod)),
        ("CredentialError", format!("{:?}", CredentialError::SecretNotBase64)),
        ("DigestAlgorithmClaim", format!("{:?}", DigestAlgorithmClaim::CamelCase)),
        ("MethodCase", format!("{:?}", MethodCase::Upper)),
    ];
    let display_outputs: Vec<(&str, String)> = vec![
        ("SigningInstructions(http)", http.to_string()),
        ("SigningInstructions(jwt)", jwt.to_string()),
        ("SigningInstructions(rs)", rs.to_string()),
        ("JwtId", jti.to_string()),
        ("HttpDate", t(NOW).to_http_date().to_string()),
        ("VerifyError", ok.to_string()),
        ("SigningError", SigningError::RsaSigningFailed.to_string()),
        ("CredentialError", CredentialError::InvalidPrivateKey.to_string()),
    ];
    for (what, out) in debug_outputs.iter().chain(&display_outputs) {
        assert_clean(what, out, &extra);
    }
    // The redacted instructions still say what was sent.
    assert_eq!(
        http.to_string(),
        "v-c-merchant-id: testrest\nDate: Thu, 18 Jul 2019 00:18:03 GMT\nHost: apitest.cybersource.com\nDigest: SHA-256=<redacted>\nSignature: <redacted>"
    );
    assert!(jwt.to_string().ends_with("Authorization: Bearer <redacted>"));
    assert!(format!("{http:?}").contains("(\"Signature\", \"<redacted>\")"));
    // ...while headers() gives the real values.
    assert!(http.get("Signature").unwrap().starts_with("keyid=\"08c94330"));
}
