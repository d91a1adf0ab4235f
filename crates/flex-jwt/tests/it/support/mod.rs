//! Shared helpers for the integration tests: vector paths, a test-only signer (ring), keys built from JWK n/e.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::OnceLock;

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use flex_jwt::{Algorithm, ExponentPolicy, KeySet, Kid, RsaPublicKey};
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair};

/// A fixed "now" inside the validity of the tokens the tests sign (2023-11-14T22:13:20Z).
pub const NOW: i64 = 1_700_000_000;

/// The repository's `testdata/` (the reference vectors).
pub fn vectors() -> PathBuf {
    flex_testkit::testdata()
}

/// Reads a vector file as text.
pub fn read(rel: &str) -> String {
    flex_testkit::read_to_string(rel)
}

pub fn b64u(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

pub fn b64u_decode(s: &str) -> Vec<u8> {
    Base64UrlUnpadded::decode_vec(s).unwrap()
}

/// A key from a JWK's `n`/`e` (and `kid`, if it is a valid one), via `RsaPublicKey::from_components`.
pub fn key_from_jwk_value(
    jwk: &serde_json::Value,
    policy: ExponentPolicy,
) -> Result<RsaPublicKey, flex_jwt::KeyError> {
    let n = b64u_decode(jwk["n"].as_str().unwrap());
    let e = b64u_decode(jwk["e"].as_str().unwrap());
    let key = RsaPublicKey::from_components(&n, &e, policy)?;
    Ok(match jwk.get("kid").and_then(|k| k.as_str()).and_then(|k| Kid::new(k).ok()) {
        Some(kid) => key.with_kid(kid),
        None => key,
    })
}

/// `keys/<name>.pub.jwk.json` as a key (default exponent policy).
pub fn public_key(name: &str) -> Result<RsaPublicKey, flex_jwt::KeyError> {
    let jwk: serde_json::Value = serde_json::from_str(&read(&format!("keys/{name}.pub.jwk.json"))).unwrap();
    key_from_jwk_value(&jwk, ExponentPolicy::F4Only)
}

/// A key set holding one key.
pub fn key_set(key: RsaPublicKey) -> KeySet {
    let mut set = KeySet::new();
    set.insert(key).unwrap();
    set
}

/// A test-only signer over a PKCS#8 key from `keys/`.
pub struct Signer {
    pair: RsaKeyPair,
    rng: SystemRandom,
    pub kid: String,
}

impl Signer {
    pub fn load(name: &str) -> Self {
        let pem = read(&format!("keys/{name}.pk8.pem"));
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = Base64::decode_vec(&body).unwrap();
        Self { pair: RsaKeyPair::from_pkcs8(&der).unwrap(), rng: SystemRandom::new(), kid: name.to_owned() }
    }

    /// Signs `header_b64 '.' payload_b64` with `alg` and returns the compact token.
    pub fn sign_segments(&self, alg: Algorithm, header_b64: &str, payload_b64: &str) -> String {
        let input = format!("{header_b64}.{payload_b64}");
        let mut sig = vec![0u8; self.pair.public().modulus_len()];
        let params = match alg {
            Algorithm::Rs256 => &signature::RSA_PKCS1_SHA256,
            Algorithm::Rs384 => &signature::RSA_PKCS1_SHA384,
            Algorithm::Rs512 => &signature::RSA_PKCS1_SHA512,
            _ => unreachable!(),
        };
        self.pair.sign(params, &self.rng, input.as_bytes(), &mut sig).unwrap();
        format!("{input}.{}", b64u(&sig))
    }

    /// Signs raw header and payload bytes.
    pub fn sign_bytes(&self, alg: Algorithm, header: &[u8], payload: &[u8]) -> String {
        self.sign_segments(alg, &b64u(header), &b64u(payload))
    }

    /// Signs JSON texts with RS256.
    pub fn sign(&self, header_json: &str, payload_json: &str) -> String {
        self.sign_bytes(Algorithm::Rs256, header_json.as_bytes(), payload_json.as_bytes())
    }

    /// `{"alg":"RS256","kid":<kid>}`.
    pub fn header(&self) -> String {
        format!(r#"{{"alg":"RS256","kid":"{}"}}"#, self.kid)
    }

    /// Signs `payload_json` under the standard header.
    pub fn token(&self, payload_json: &str) -> String {
        self.sign(&self.header(), payload_json)
    }

    pub fn public_key(&self) -> RsaPublicKey {
        public_key(&self.kid).unwrap()
    }
}

/// The `rsa2048` signer (kid `rsa2048`).
pub fn rsa2048() -> &'static Signer {
    static S: OnceLock<Signer> = OnceLock::new();
    S.get_or_init(|| Signer::load("rsa2048"))
}

/// An attacker's signer (`rsa3072`), relabelled as `rsa2048`.
pub fn attacker() -> &'static Signer {
    static S: OnceLock<Signer> = OnceLock::new();
    S.get_or_init(|| {
        let mut s = Signer::load("rsa3072");
        s.kid = "rsa2048".to_owned();
        s
    })
}

/// The trusted key set: `rsa2048` only.
pub fn trusted() -> KeySet {
    key_set(rsa2048().public_key())
}

/// Standard claims valid at [`NOW`], with `extra` members appended (start `extra` with a comma).
pub fn claims(extra: &str) -> String {
    format!(r#"{{"iss":"flex-test","iat":{NOW},"exp":{}{extra}}}"#, NOW + 900)
}
