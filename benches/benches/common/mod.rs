//! The fixture the JWT benchmarks share (`benches/jwt.rs` and `examples/instructions.rs`): a capture-context-sized
//! RS256 token signed in setup with `testdata/keys/rsa2048.pk8.pem`, claims shaped exactly like
//! `capture-context/flex-docs-sn.payload.json` (same bytes, fresh `iat`/`exp`), and the owned claims types
//! `jsonwebtoken` needs, and the choice of jsonwebtoken's crypto backend.
#![allow(dead_code, unreachable_pub)]

use std::time::{SystemTime, UNIX_EPOCH};

use base64ct::{Base64, Base64UrlUnpadded, Encoding as _};
use flex_jwt::{Kid, RsaPublicKey, Verifier};
use flex_types::CaptureContextClaims;
use serde::Deserialize;

pub const KID: &str = "rsa2048";

pub fn vector(path: &str) -> String {
    flex_testkit::read_to_string(path)
}

pub fn pem_to_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    Base64::decode_vec(&body).unwrap()
}

/// The owned equivalent of `CaptureContextClaims<'_>` for jsonwebtoken (which requires `DeserializeOwned`).
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct OwnedClaims {
    pub flx: OwnedFlx,
    pub ctx: Vec<OwnedCtx>,
    pub iss: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct OwnedFlx {
    pub path: String,
    pub data: String,
    pub origin: String,
    pub jwk: OwnedJwk,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct OwnedJwk {
    pub kty: String,
    pub e: String,
    #[serde(rename = "use")]
    pub use_: Option<String>,
    pub n: String,
    pub kid: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct OwnedCtx {
    #[serde(default)]
    pub data: OwnedCtxData,
    #[serde(rename = "type")]
    pub type_: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct OwnedCtxData {
    #[serde(default)]
    pub required_fields: Vec<String>,
    #[serde(default)]
    pub optional_fields: Vec<String>,
}

pub struct Fixture {
    pub token: String,
    pub payload: String,
    pub signing_input_len: usize,
    pub signature: Vec<u8>,
    pub pkcs1_der: Vec<u8>,
    pub now: i64,
}

pub fn fixture() -> Fixture {
    let now = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()).unwrap();
    // Same bytes as the real capture context (escapes and member order included); only iat/exp are fresh.
    let payload = vector("capture-context/flex-docs-sn.payload.json")
        .trim_end()
        .replace(r#""exp":1614792268,"iat":1614791368"#, &format!(r#""exp":{},"iat":{}"#, now + 900, now));
    assert!(payload.contains(&format!(r#""iat":{now}"#)), "payload template changed");
    let header = format!(r#"{{"kid":"{KID}","alg":"RS256"}}"#);
    let signing_input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.as_bytes()),
        Base64UrlUnpadded::encode_string(payload.as_bytes())
    );

    let pkcs8 = pem_to_der(&vector("keys/rsa2048.pk8.pem"));
    let pair = ring::signature::RsaKeyPair::from_pkcs8(&pkcs8).unwrap();
    let mut signature = vec![0; pair.public().modulus_len()];
    let rng = ring::rand::SystemRandom::new();
    pair.sign(&ring::signature::RSA_PKCS1_SHA256, &rng, signing_input.as_bytes(), &mut signature).unwrap();
    let token = format!("{signing_input}.{}", Base64UrlUnpadded::encode_string(&signature));
    Fixture {
        token,
        payload,
        signing_input_len: signing_input.len(),
        signature,
        pkcs1_der: pair.public().as_ref().to_vec(),
        now,
    }
}

/// The fixture's public key for each verifier: `flex-jwt` (kid bound, as from a `KeySet` or the capture-context
/// cache) and `jsonwebtoken` (same key, RS256, default validation: `exp` required and checked, 60 s leeway).
pub fn verifier_keys(fx: &Fixture) -> (RsaPublicKey, jsonwebtoken::DecodingKey, jsonwebtoken::Validation) {
    let key = RsaPublicKey::from_pkcs1_der(&fx.pkcs1_der).unwrap().with_kid(Kid::new(KID).unwrap());
    let jwt_key = jsonwebtoken::DecodingKey::from_rsa_der(&fx.pkcs1_der);
    (key, jwt_key, jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256))
}

/// jsonwebtoken's crypto backends in this build: `aws_lc_rs` always, `rust_crypto` with the benches'
/// `jsonwebtoken-rust-crypto` feature.
pub fn jsonwebtoken_backends() -> Vec<&'static str> {
    let mut backends = vec!["aws_lc_rs"];
    if cfg!(feature = "jsonwebtoken-rust-crypto") {
        backends.push("rust_crypto");
    }
    backends
}

/// Makes `backend` (`"aws_lc_rs"` or `"rust_crypto"`) jsonwebtoken's crypto for this process. Needed with both
/// backends in the build (jsonwebtoken then picks none); harmless with one. Once per process.
pub fn install_jsonwebtoken_backend(backend: &str) {
    let provider: &'static jsonwebtoken::crypto::CryptoProvider = match backend {
        "aws_lc_rs" => &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
        #[cfg(feature = "jsonwebtoken-rust-crypto")]
        "rust_crypto" => &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
        other => {
            panic!("jsonwebtoken backend {other:?} is not in this build ({:?})", jsonwebtoken_backends())
        }
    };
    provider.install_default().expect("jsonwebtoken's backend is chosen once per process");
}

/// flex-jwt's own verify work on `token`: everything `verify_into::<CaptureContextClaims>` does (fresh buffer)
/// except ring's RSA computation (`fuzzing::verify_into_without_rsa_check`). `true` if all of it succeeded.
pub fn own_verify_work(verifier: &Verifier, token: &str, key: &RsaPublicKey, now: i64) -> bool {
    let mut buf = Vec::new();
    flex_jwt::fuzzing::verify_into_without_rsa_check::<CaptureContextClaims<'_>, _>(
        verifier, token, key, now, &mut buf,
    )
}
