//! Stage-by-stage checks of the crate-private steps against `tests/vectors/` (aws-sigv4 style).

#[path = "../tests/vectors/loader.rs"]
mod loader;

use loader::Case;

use crate::canonical::{self, Base64Sha256, SigningString, TargetForm};
use crate::jws;
use crate::keys::{Credentials, SharedSecret, SigningKey};
use crate::sign::{self, JwtClaimOptions, JwtId, SignableRequest};
use crate::time::UnixTime;

fn http_cases() -> Vec<Case> {
    loader::all_cases().iter().map(|n| Case::load(n)).filter(|c| !c.is_jwt()).collect()
}

fn jwt_cases() -> Vec<Case> {
    loader::all_cases().iter().map(|n| Case::load(n)).filter(Case::is_jwt).collect()
}

#[test]
fn there_are_vectors() {
    assert_eq!(http_cases().len(), 3);
    assert_eq!(jwt_cases().len(), 1);
}

#[test]
fn stage_date() {
    for case in http_cases() {
        let date = UnixTime::from_secs(case.time()).unwrap().to_http_date();
        assert_eq!(date.as_str(), case.ctx_str("date"), "{}", case.name);
    }
}

#[test]
fn stage_digest() {
    for case in http_cases() {
        let req = case.request();
        let digest =
            sign::method_has_digest(&req.method).then(|| Base64Sha256::digest_of(&req.body).header_value());
        assert_eq!(digest, case.opt_text("digest.txt"), "{}", case.name);
    }
    for case in jwt_cases() {
        assert_eq!(Base64Sha256::digest_of(&case.request().body).as_str(), case.text("digest.txt"));
    }
}

#[test]
fn stage_signing_string() {
    for case in http_cases() {
        let req = case.request();
        let digest = case.opt_text("digest.txt");
        let form = if case.is_legacy() { TargetForm::Legacy } else { TargetForm::Current };
        let merchant_id = case.ctx_str("merchant_id");
        let date = case.ctx_str("date");
        let s = SigningString {
            host: &req.host,
            date: &date,
            method: &req.method,
            path_and_query: &req.target,
            digest: digest.as_deref(),
            merchant_id: &merchant_id,
            form,
        };
        assert_eq!(s.render(), case.text("signing-string.txt"), "{}", case.name);
    }
}

#[test]
fn stage_signature() {
    for case in http_cases() {
        let secret = SharedSecret::from_base64(&case.ctx_str("shared_secret_base64")).unwrap();
        let sig = canonical::hmac_signature(secret.expose(), &case.text("signing-string.txt"));
        assert_eq!(sig.as_str(), case.text("signature.txt"), "{}", case.name);
    }
}

#[test]
fn stage_signature_header() {
    for case in http_cases() {
        let expected = case.text("signature-header.txt");
        let with_digest = case.opt_text("digest.txt").is_some();
        if case.is_legacy() {
            // The signer never emits the legacy form; check the list the verifier matches against.
            let list = TargetForm::Legacy.header_list(with_digest);
            assert!(expected.contains(&format!("headers=\"{list}\"")), "{}", case.name);
            continue;
        }
        let header =
            sign::signature_header(&case.ctx_str("key_id"), with_digest, &case.text("signature.txt"));
        assert_eq!(header, expected, "{}", case.name);
    }
}

#[test]
fn stage_jwt_exact_bytes() {
    for case in jwt_cases() {
        let secret = SharedSecret::from_base64(&case.ctx_str("shared_secret_base64")).unwrap();
        let header = case.text("header.json");
        let payload = case.text("payload.json");
        assert_eq!(jws::signing_input(header.as_bytes(), payload.as_bytes()), case.text("signing-input.txt"));
        let token =
            sign::sign_jws(&SigningKey::SharedSecret(secret), header.as_bytes(), payload.as_bytes()).unwrap();
        assert_eq!(token, case.text("token.txt"));
        assert_eq!(token.rsplit('.').next(), Some(case.text("signature.txt").as_str()));
    }
}

#[test]
fn stage_jwt_header_and_claims() {
    for case in jwt_cases() {
        let secret = SharedSecret::from_base64(&case.ctx_str("shared_secret_base64")).unwrap();
        let creds = Credentials::shared_secret(&case.ctx_str("merchant_id"), &case.ctx_str("key_id"), secret)
            .unwrap();
        let req = case.request();
        let request = SignableRequest::new(&req.method, &req.host, &req.target, &req.body).unwrap();
        assert_eq!(case.ctx_str("jti_random_bytes_hex"), "00".repeat(16));
        let (header, claims) = sign::jwt_header_and_claims(
            &request,
            &creds,
            UnixTime::from_secs(case.time()).unwrap(),
            JwtId::from_random_bytes([0; 16]),
            JwtClaimOptions::default(),
        );
        assert_eq!(header, case.text("header.json"));
        assert_eq!(claims, case.text("payload.json"));
    }
}
