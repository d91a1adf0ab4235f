//! HTTP Signature signing of the 189-byte `/flex/v2/sessions` request, against its floor: one SHA-256 of the
//! body plus one HMAC-SHA256 of the signing string, with `ring`, in the same run.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use base64ct::{Base64, Encoding as _};
use criterion::{Criterion, criterion_group, criterion_main};
use flex_auth::{Credentials, JwtId, SharedSecret, SignableRequest, SigningParams, UnixTime, sign};

const SECRET: &str = "yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=";
const KEY_ID: &str = "08c94330-f618-42a3-b09d-e1e43be5efda";
const BODY: &[u8] = br#"{"fields":{"paymentInformation":{"card":{"number":{},"securityCode":{"required":false},"expirationMonth":{"required":false},"expirationYear":{"required":false},"type":{"required":false}}}}}"#;
const SIGNING_STRING: &str = "host: apitest.cybersource.com\ndate: Thu, 18 Jul 2019 00:18:03 GMT\nrequest-target: post /flex/v2/sessions\ndigest: SHA-256=5xzQd4AoAqMWfadmdO4aOG7nzQTMzQhfxTqE2ztXweQ=\nv-c-merchant-id: testrest";
const EXPECTED_SIGNATURE_HEADER: &str = r#"keyid="08c94330-f618-42a3-b09d-e1e43be5efda", algorithm="HmacSHA256", headers="host date request-target digest v-c-merchant-id", signature="aU62x48I/8v2TWLCqUTOiPlIMFdVIlCCVQnZbbdKTB0=""#;

fn bench(c: &mut Criterion) {
    assert_eq!(BODY.len(), 189);
    let creds =
        Credentials::shared_secret("testrest", KEY_ID, SharedSecret::from_base64(SECRET).unwrap()).unwrap();
    let time = UnixTime::from_secs(1_563_409_083).unwrap();
    let params = SigningParams::http_signature(time);
    let request = SignableRequest::new("POST", "apitest.cybersource.com", "/flex/v2/sessions", BODY).unwrap();
    let key_bytes = Base64::decode_vec(SECRET).unwrap();

    // Assert Ok (and the right answer) once, outside the timed loops.
    let out = sign(&request, &creds, &params).unwrap();
    assert_eq!(out.get("Signature"), Some(EXPECTED_SIGNATURE_HEADER));
    let floor_tag = {
        let _ = ring::digest::digest(&ring::digest::SHA256, BODY);
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key_bytes);
        ring::hmac::sign(&key, SIGNING_STRING.as_bytes())
    };
    assert_eq!(Base64::encode_string(floor_tag.as_ref()), "aU62x48I/8v2TWLCqUTOiPlIMFdVIlCCVQnZbbdKTB0=");

    let mut group = c.benchmark_group("http_signature");
    group.bench_function("flex_auth::sign (189-byte POST)", |b| {
        b.iter(|| sign(black_box(&request), black_box(&creds), black_box(&params)))
    });
    // Floor: what any implementation must do. The HMAC key is set up per call, as `sign` does (the secret is
    // kept only as zeroizing bytes, never as ring's derived, non-zeroized key state).
    group.bench_function("floor: ring SHA-256(body) + HMAC-SHA256(signing string)", |b| {
        b.iter(|| {
            let digest = ring::digest::digest(&ring::digest::SHA256, black_box(BODY));
            let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, black_box(&key_bytes));
            (digest, ring::hmac::sign(&key, black_box(SIGNING_STRING.as_bytes())))
        })
    });
    // A stricter floor with the HMAC key precomputed outside the loop.
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key_bytes);
    group.bench_function("floor (precomputed HMAC key)", |b| {
        b.iter(|| {
            let digest = ring::digest::digest(&ring::digest::SHA256, black_box(BODY));
            (digest, ring::hmac::sign(black_box(&key), black_box(SIGNING_STRING.as_bytes())))
        })
    });
    // For reference: JWT HS256 of the same request.
    let jwt_params = SigningParams::jwt(time, JwtId::from_random_bytes([0; 16]));
    assert!(sign(&request, &creds, &jwt_params).is_ok());
    group.bench_function("flex_auth::sign JWT HS256 (189-byte POST)", |b| {
        b.iter(|| sign(black_box(&request), black_box(&creds), black_box(&jwt_params)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
