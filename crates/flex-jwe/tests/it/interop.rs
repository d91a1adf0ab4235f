//! Interoperability with Python `cryptography` (OpenSSL) in both directions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use crate::common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{data_dir, rsa2048, rsa2048_recipient, vectors};
use flex_jwe::{KeyAlgorithm, SystemRandom, TokenizePayload};

/// Python-made JWEs (committed fixture from `tests/data/make_python_interop.py`) decrypt.
#[test]
fn decrypts_python_cryptography_fixture() {
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data_dir().join("python-interop.json")).unwrap())
            .unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    for case in cases {
        let comment = case["comment"].as_str().unwrap();
        let jwe = case["jwe"].as_str().unwrap();
        let decrypted = rsa2048().decrypt_detailed(jwe).unwrap_or_else(|err| panic!("{comment}: {err}"));
        assert_eq!(decrypted.plaintext(), case["plaintext"].as_str().unwrap().as_bytes(), "{comment}");
        assert_eq!(decrypted.algorithm().as_str(), case["alg"].as_str().unwrap(), "{comment}");
        assert_eq!(decrypted.kid(), case["kid"].as_str(), "{comment}");
    }

    // The JSON payloads parse: flat compact, and iOS-style pretty-printed nested with a float iat.
    let flat = rsa2048().decrypt(cases[0]["jwe"].as_str().unwrap()).unwrap();
    let flat = TokenizePayload::from_json(&flat).unwrap();
    assert!(matches!(flat.data, flex_jwe::PaymentData::Flat(_)));
    assert_eq!(flat.data.get("paymentInformation.card.securityCode").unwrap().expose(), "123");
    let nested = rsa2048().decrypt(cases[1]["jwe"].as_str().unwrap()).unwrap();
    let nested = TokenizePayload::from_json(&nested).unwrap();
    assert!(matches!(nested.data, flex_jwe::PaymentData::Nested(_)));
    assert_eq!(nested.iat, Some(1_700_000));
    assert_eq!(nested.jti.as_deref(), Some("1234567890AaBbCcDdEeFfGg12345678"));
    assert_eq!(nested.data.get("orderInformation.amountDetails.currency").unwrap().expose(), "USD");
    assert_eq!(nested.data.fields().len(), 5);
}

/// Our JWEs decrypt in Python `cryptography`, when python3 with `cryptography` is installed.
#[test]
fn python_cryptography_decrypts_our_output() {
    let python_ok = Command::new("python3")
        .args(["-c", "import cryptography"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !python_ok {
        eprintln!("SKIPPED: python3 with `cryptography` is not available");
        return;
    }
    let key = vectors().join("keys/rsa2048.pk8.pem");
    let plaintext =
        br#"{"context":"a.b.c","data":{"paymentInformation.card.number":"4111111111111111"},"index":0}"#;
    for alg in KeyAlgorithm::ALL {
        let jwe = rsa2048_recipient().encrypt_with(alg, plaintext, &mut SystemRandom::new()).unwrap();
        let mut child = Command::new("python3")
            .arg(data_dir().join("decrypt_with_python.py"))
            .arg(&key)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(jwe.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "python failed for {alg}");
        let hex: String = plaintext.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(String::from_utf8(output.stdout).unwrap().trim(), hex, "{alg}");
    }
}
