//! JWT hot path on a capture-context-sized token (RSA-2048, about 1.9 KB), each comparison in one run on the
//! same input:
//! - `jwt_verify`: full verify with the key already resolved (typed claims included): `flex-jwt` (`verify_into`,
//!   one pass over the payload, and `verify_token` + `claims`, which checks then deserializes) on this build's
//!   provider (ring, or aws-lc-rs with the benches' `aws-lc-rs` feature; the case names say which) vs the ring
//!   floor (`UnparsedPublicKey::verify` on the signing input, the floor of every build) vs `jsonwebtoken` 11
//!   `decode` on the backend named by `JSONWEBTOKEN_BACKEND` (`aws_lc_rs`, the default, or `rust_crypto` with the
//!   `jsonwebtoken-rust-crypto` feature), and aws-lc's floor, with the key parsed per call (as jsonwebtoken
//!   does) and with a `ParsedPublicKey` kept (as our aws-lc-rs provider does); plus `verify_into` with the RSA
//!   computation skipped, which times flex-jwt's own work on its own.
//! - `key_preparation`: what a key costs once: `RsaPublicKey::from_pkcs1_der`, the first `verify_into` with a
//!   freshly imported key vs one with a kept key, and aws-lc's `ParsedPublicKey::new`.
//! - `jwt_parse`: no crypto. `flex-jwt` `Jwt::parse` vs `jsonwebtoken::decode_header`, and the insecure
//!   header + claims decode of both.
//! - `claims_deserialize`: the payload into borrowed `CaptureContextClaims<'_>` vs owned structs vs
//!   `serde_json::Value`.
//!
//! The token is signed in setup with `testdata/keys/rsa2048.pk8.pem` (ring `RsaKeyPair`), with claims
//! shaped exactly like `capture-context/flex-docs-sn.payload.json` (same bytes, fresh `iat`/`exp`).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use flex_jwt::{Jwt, Kid, Verifier};
use flex_types::CaptureContextClaims;

mod common;

use common::{KID, OwnedClaims, fixture, install_jsonwebtoken_backend, own_verify_work, verifier_keys};

/// jsonwebtoken's backend for this process: `JSONWEBTOKEN_BACKEND`, `aws_lc_rs` unless set. Installed once, before
/// any group runs.
fn jsonwebtoken_backend() -> &'static str {
    static BACKEND: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BACKEND.get_or_init(|| {
        let backend = std::env::var("JSONWEBTOKEN_BACKEND").unwrap_or_else(|_| "aws_lc_rs".to_owned());
        install_jsonwebtoken_backend(&backend);
        backend
    })
}

fn jwt_verify(c: &mut Criterion) {
    let fx = fixture();
    let token = fx.token.as_str();
    let signing_input = &token.as_bytes()[..fx.signing_input_len];

    let (key, jwt_key, validation) = verifier_keys(&fx);
    let verifier = Verifier::new();
    let provider = flex_jwt::CRYPTO_PROVIDER;
    let backend = jsonwebtoken_backend();
    let kept = aws_lc_rs::signature::ParsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        &fx.pkcs1_der,
    )
    .unwrap();

    // Assert Ok once, outside the timed loops.
    {
        let verified = verifier.verify_token(token, &key, fx.now).unwrap();
        let claims: CaptureContextClaims<'_> = verified.claims().unwrap();
        assert_eq!(claims.iat, fx.now);
        assert_eq!(claims.jti, "rOAksGcp8Bgg6WLj");
        let mut buf = Vec::new();
        let one_pass: CaptureContextClaims<'_> = verifier.verify_into(token, &key, fx.now, &mut buf).unwrap();
        assert_eq!(one_pass, claims);
        assert!(own_verify_work(&verifier, token, &key, fx.now));
        let peer = jsonwebtoken::decode::<OwnedClaims>(token, &jwt_key, &validation).unwrap();
        assert_eq!(peer.claims.iat, fx.now);
        assert_eq!(peer.claims.flx.data, claims.flx.data);
        ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, &fx.pkcs1_der)
            .verify(signing_input, &fx.signature)
            .unwrap();
        aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            &fx.pkcs1_der,
        )
        .verify(signing_input, &fx.signature)
        .unwrap();
        kept.verify_sig(signing_input, &fx.signature).unwrap();
    }
    eprintln!(
        "jwt_verify: token {} bytes, payload {} bytes; flex-jwt on {provider}, jsonwebtoken on {backend}",
        token.len(),
        fx.payload.len()
    );

    let mut group = c.benchmark_group("jwt_verify");
    group.bench_function("floor: ring UnparsedPublicKey::verify (signing input)", |b| {
        b.iter(|| {
            ring::signature::UnparsedPublicKey::new(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                black_box(&fx.pkcs1_der),
            )
            .verify(black_box(signing_input), black_box(&fx.signature))
        })
    });
    group.bench_function(
        format!("flex-jwt ({provider}) verify_into::<CaptureContextClaims> (one pass, fresh buffer)"),
        |b| {
            b.iter(|| {
                let mut buf = Vec::new();
                let claims: CaptureContextClaims<'_> =
                    verifier.verify_into(black_box(token), black_box(&key), fx.now, &mut buf).unwrap();
                black_box(claims.exp)
            })
        },
    );
    // verify_into minus ring's RSA computation: flex-jwt's own work, timed directly rather than as the small
    // difference of two large times (the goal is that this stays within 5% of the floor above).
    group.bench_function("flex-jwt verify_into, RSA check skipped (our own work, any provider)", |b| {
        b.iter(|| own_verify_work(&verifier, black_box(token), black_box(&key), fx.now))
    });
    group.bench_function(
        format!("flex-jwt ({provider}) verify_token + claims::<CaptureContextClaims>"),
        |b| {
            b.iter(|| {
                let verified = verifier.verify_token(black_box(token), black_box(&key), fx.now).unwrap();
                let claims: CaptureContextClaims<'_> = verified.claims().unwrap();
                black_box(claims.exp)
            })
        },
    );
    // aws-lc's floor as jsonwebtoken's aws-lc backend uses it: the key parsed on every call.
    group.bench_function("floor (aws-lc): aws_lc_rs UnparsedPublicKey::verify (key parsed per call)", |b| {
        b.iter(|| {
            aws_lc_rs::signature::UnparsedPublicKey::new(
                &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                black_box(&fx.pkcs1_der),
            )
            .verify(black_box(signing_input), black_box(&fx.signature))
        })
    });
    // aws-lc's floor with the key prepared once, as our aws-lc-rs provider keeps it.
    group.bench_function("floor (aws-lc): ParsedPublicKey::verify_sig (key kept)", |b| {
        b.iter(|| black_box(&kept).verify_sig(black_box(signing_input), black_box(&fx.signature)))
    });
    group.bench_function(format!("jsonwebtoken 11 ({backend}) decode::<OwnedClaims>"), |b| {
        b.iter(|| {
            let data =
                jsonwebtoken::decode::<OwnedClaims>(black_box(token), black_box(&jwt_key), &validation)
                    .unwrap();
            black_box(data.claims.exp)
        })
    });
    group.finish();
}

fn key_preparation(c: &mut Criterion) {
    let fx = fixture();
    let token = fx.token.as_str();
    let verifier = Verifier::new();
    let provider = flex_jwt::CRYPTO_PROVIDER;
    let (key, _, _) = verifier_keys(&fx);
    let import = || {
        flex_jwt::RsaPublicKey::from_pkcs1_der(black_box(&fx.pkcs1_der))
            .unwrap()
            .with_kid(Kid::new(KID).unwrap())
    };
    // Assert Ok once.
    let mut buf = Vec::new();
    let claims: CaptureContextClaims<'_> = verifier.verify_into(token, &import(), fx.now, &mut buf).unwrap();
    assert_eq!(claims.iat, fx.now);
    assert!(
        aws_lc_rs::signature::ParsedPublicKey::new(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            &fx.pkcs1_der
        )
        .is_ok()
    );

    // The first verification with a key pays for its preparation (with aws-lc-rs); later ones reuse it.
    let mut group = c.benchmark_group("key_preparation");
    group.bench_function(format!("flex-jwt ({provider}) verify_into, key kept from earlier calls"), |b| {
        b.iter(|| {
            let mut buf = Vec::new();
            let claims: CaptureContextClaims<'_> =
                verifier.verify_into(black_box(token), black_box(&key), fx.now, &mut buf).unwrap();
            black_box(claims.exp)
        })
    });
    group.bench_function(format!("flex-jwt ({provider}) key import + first verify_into"), |b| {
        b.iter(|| {
            let key = import();
            let mut buf = Vec::new();
            let claims: CaptureContextClaims<'_> =
                verifier.verify_into(black_box(token), &key, fx.now, &mut buf).unwrap();
            black_box(claims.exp)
        })
    });
    group.bench_function("flex-jwt RsaPublicKey::from_pkcs1_der (import and policy checks)", |b| {
        b.iter(import)
    });
    group.bench_function("aws-lc ParsedPublicKey::new (RS256)", |b| {
        b.iter(|| {
            aws_lc_rs::signature::ParsedPublicKey::new(
                &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                black_box(&fx.pkcs1_der),
            )
            .is_ok()
        })
    });
    group.finish();
}

fn jwt_parse(c: &mut Criterion) {
    let fx = fixture();
    let token = fx.token.as_str();
    // Assert Ok once.
    assert_eq!(Jwt::parse(token).unwrap().kid().map(Kid::as_str), Some(KID));
    assert_eq!(jsonwebtoken::decode_header(token).unwrap().kid.as_deref(), Some(KID));
    let decoded = flex_jwt::dangerous::insecure_decode(token).unwrap();
    assert_eq!(decoded.claims::<CaptureContextClaims<'_>>().unwrap().iat, fx.now);
    assert_eq!(jsonwebtoken::dangerous::insecure_decode::<OwnedClaims>(token).unwrap().claims.iat, fx.now);
    let mut buf = Vec::new();
    let claims: CaptureContextClaims<'_> =
        flex_jwt::dangerous::insecure_claims_into(&Jwt::parse(token).unwrap(), &mut buf).unwrap();
    assert_eq!(claims.iat, fx.now);

    let mut group = c.benchmark_group("jwt_parse");
    // Header only: what each library does before it can pick a key.
    group.bench_function("flex-jwt Jwt::parse (split + header + kid)", |b| {
        b.iter(|| Jwt::parse(black_box(token)).unwrap().algorithm())
    });
    group.bench_function("jsonwebtoken decode_header", |b| {
        b.iter(|| jsonwebtoken::decode_header(black_box(token)).unwrap().alg)
    });
    // Header + typed claims, no signature.
    group.bench_function("flex-jwt dangerous::insecure_decode + claims::<CaptureContextClaims>", |b| {
        b.iter(|| {
            let decoded = flex_jwt::dangerous::insecure_decode(black_box(token)).unwrap();
            let claims: CaptureContextClaims<'_> = decoded.claims().unwrap();
            black_box(claims.exp)
        })
    });
    // The one-pass equivalent: the header read once, the payload decoded and read strictly into the type.
    group.bench_function(
        "flex-jwt Jwt::parse + dangerous::insecure_claims_into::<CaptureContextClaims>",
        |b| {
            b.iter(|| {
                let jwt = Jwt::parse(black_box(token)).unwrap();
                let mut buf = Vec::new();
                let claims: CaptureContextClaims<'_> =
                    flex_jwt::dangerous::insecure_claims_into(&jwt, &mut buf).unwrap();
                black_box((jwt.algorithm(), claims.exp))
            })
        },
    );
    group.bench_function("jsonwebtoken dangerous::insecure_decode::<OwnedClaims>", |b| {
        b.iter(|| {
            black_box(
                jsonwebtoken::dangerous::insecure_decode::<OwnedClaims>(black_box(token)).unwrap().claims.exp,
            )
        })
    });
    group.bench_function("jsonwebtoken decode_header + dangerous::insecure_decode::<OwnedClaims>", |b| {
        b.iter(|| {
            let header = jsonwebtoken::decode_header(black_box(token)).unwrap();
            let data = jsonwebtoken::dangerous::insecure_decode::<OwnedClaims>(black_box(token)).unwrap();
            black_box((header.alg, data.claims.exp))
        })
    });
    group.finish();
}

fn claims_deserialize(c: &mut Criterion) {
    let fx = fixture();
    let payload = fx.payload.as_str();
    assert_eq!(serde_json::from_str::<CaptureContextClaims<'_>>(payload).unwrap().iat, fx.now);
    assert_eq!(serde_json::from_str::<OwnedClaims>(payload).unwrap().iat, fx.now);
    assert!(serde_json::from_str::<serde_json::Value>(payload).unwrap().is_object());

    let mut group = c.benchmark_group("claims_deserialize");
    group.bench_function("borrowed CaptureContextClaims<'_>", |b| {
        b.iter(|| {
            black_box(serde_json::from_str::<CaptureContextClaims<'_>>(black_box(payload)).unwrap().exp)
        })
    });
    group.bench_function("owned struct (String fields)", |b| {
        b.iter(|| black_box(serde_json::from_str::<OwnedClaims>(black_box(payload)).unwrap().exp))
    });
    group.bench_function("owned serde_json::Value", |b| {
        b.iter(|| black_box(serde_json::from_str::<serde_json::Value>(black_box(payload)).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, jwt_verify, key_preparation, jwt_parse, claims_deserialize);
criterion_main!(benches);
