//! Integration tests of the public API (one binary, modules per concern).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs, unreachable_pub)]

#[path = "../vectors/loader.rs"]
mod loader;

mod adapter;
mod fuzz_regressions;
mod properties;
mod redaction;
mod time_edges;
mod vectors;
mod verify;

use base64ct::{Base64UrlUnpadded, Encoding as _};
use flex_auth::{
    Credentials, KeyStore, ReceivedRequest, RegisteredKey, SharedSecret, UnixTime, Verifier, VerifierConfig,
    VerifyingKey,
};

pub const SECRET: &str = "yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=";
pub const KEY_ID: &str = "08c94330-f618-42a3-b09d-e1e43be5efda";
pub const MID: &str = "testrest";
pub const HOST: &str = "apitest.cybersource.com";
pub const PATH: &str = "/flex/v2/sessions";
pub const BODY: &str = r#"{"fields":{"paymentInformation":{"card":{"number":{},"securityCode":{"required":false},"expirationMonth":{"required":false},"expirationYear":{"required":false},"type":{"required":false}}}}}"#;
pub const NOW: i64 = 1_563_409_083;

pub fn t(secs: i64) -> UnixTime {
    UnixTime::from_secs(secs).unwrap()
}

pub fn secret() -> SharedSecret {
    SharedSecret::from_base64(SECRET).unwrap()
}

pub fn creds() -> Credentials {
    Credentials::shared_secret(MID, KEY_ID, secret()).unwrap()
}

pub fn store() -> KeyStore {
    let mut keys = KeyStore::new();
    keys.insert(KEY_ID, RegisteredKey::new(MID, VerifyingKey::SharedSecret(secret())).unwrap()).unwrap();
    keys
}

pub fn verifier() -> Verifier<KeyStore> {
    Verifier::new(store(), VerifierConfig::default())
}

pub fn received<'a>(
    method: &'a str,
    path_and_query: &'a str,
    headers: &'a [(&'a str, &'a str)],
    body: &'a [u8],
) -> ReceivedRequest<'a> {
    ReceivedRequest { method, authority: HOST, path_and_query, headers, body }
}

/// Path of a file in the repository's reference vectors (`testdata/`).
pub fn shared(path: &str) -> std::path::PathBuf {
    flex_testkit::testdata_path(path)
}

/// An HS256 compact JWS over the exact JSON bytes given, made with ring directly (independent of the crate).
pub fn hs256_token(header: &str, payload: &str, key_b64: &str) -> String {
    use base64ct::Base64;
    let key = Base64::decode_vec(key_b64).unwrap();
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.as_bytes()),
        Base64UrlUnpadded::encode_string(payload.as_bytes())
    );
    let tag = ring::hmac::sign(&ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key), input.as_bytes());
    format!("{input}.{}", Base64UrlUnpadded::encode_string(tag.as_ref()))
}

/// The claims of the JWT vector, as a JSON value to tweak.
pub fn vector_claims() -> serde_json::Value {
    serde_json::from_str(&loader::Case::load("jwt-hs256-post-flex-v2-sessions").text("payload.json")).unwrap()
}

pub const HS256_HEADER: &str = r#"{"typ":"JWT","alg":"HS256","kid":"08c94330-f618-42a3-b09d-e1e43be5efda"}"#;
