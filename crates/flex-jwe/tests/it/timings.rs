//! Rough timings: `cargo test -p flex-jwe --release --test it -- --ignored --nocapture timings::`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use crate::common;

use std::time::Instant;

use common::{rsa2048, rsa2048_recipient};
use flex_jwe::{DecryptionKey, KeyAlgorithm, PaymentData, SystemRandom, TokenizePayload};

fn per_op(label: &str, iterations: u32, mut op: impl FnMut()) {
    op();
    let start = Instant::now();
    for _ in 0..iterations {
        op();
    }
    let each = start.elapsed() / iterations;
    println!("{label:<46} {each:>12.2?} per op ({iterations} iterations)");
}

#[test]
#[ignore = "timing report, run with --release -- --ignored --nocapture"]
fn timings() {
    let recipient = rsa2048_recipient();
    let context = "a".repeat(1700);
    let payload = TokenizePayload::new(
        context.as_str(),
        flex_testkit::TEST_CARD
            .iter()
            .fold(PaymentData::flat(), |data, &(path, value)| data.with(path, value).unwrap()),
    );
    let plaintext = payload.to_json().unwrap();
    println!("payload: {} bytes", plaintext.len());
    for alg in KeyAlgorithm::ALL {
        let jwe = recipient.encrypt_payload_with(alg, &payload, &mut SystemRandom::new()).unwrap();
        per_op(&format!("encrypt_payload {alg} (2048-bit)"), 500, || {
            let _ = recipient.encrypt_payload_with(alg, &payload, &mut SystemRandom::new()).unwrap();
        });
        per_op(&format!("decrypt {alg} (2048-bit)"), 200, || {
            let _ = rsa2048().decrypt(&jwe).unwrap();
        });
        let mut tampered = jwe.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        per_op(&format!("decrypt {alg}, bad tag (2048-bit)"), 200, || {
            let _ = rsa2048().decrypt(&tampered).unwrap_err();
        });
        // A wrong encrypted key: OAEP fails, a random CEK is used, GCM fails. Should cost the same.
        let mut parts: Vec<String> = jwe.split('.').map(str::to_owned).collect();
        let mut key = common::b64d(&parts[1]);
        key[100] ^= 1;
        parts[1] = common::b64e(&key);
        let bad_key = parts.join(".");
        per_op(&format!("decrypt {alg}, bad encrypted key (2048-bit)"), 200, || {
            let _ = rsa2048().decrypt(&bad_key).unwrap_err();
        });
    }
    per_op("decrypt, malformed header (no RSA)", 10_000, || {
        let _ = rsa2048().decrypt("eyJ9.a.b.c.d").unwrap_err();
    });
    per_op("DecryptionKey::generate(2048)", 10, || {
        let _ = DecryptionKey::generate(2048).unwrap();
    });
}
