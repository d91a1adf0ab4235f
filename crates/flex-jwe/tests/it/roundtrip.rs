//! Round trips, exact header bytes, segment lengths, key handling and policy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::{FailingRng, TestRng, b64d, b64e, read_vector, rsa2048, rsa2048_recipient};
use flex_jwe::{
    DecryptionKey, EncryptError, KeyAlgorithm, KeyError, MAX_PLAINTEXT_LEN, PaymentData, RecipientKey,
    SystemRandom, TokenizePayload,
};

const PLAINTEXT: &[u8] = br#"{"context":"x.y.z","data":{"a":"b"},"index":0}"#;

#[test]
fn round_trip_both_algorithms() {
    let recipient = rsa2048_recipient();
    for alg in KeyAlgorithm::ALL {
        let jwe = recipient.encrypt_with(alg, PLAINTEXT, &mut SystemRandom::new()).unwrap();
        let decrypted = rsa2048().decrypt_detailed(&jwe).unwrap();
        assert_eq!(decrypted.plaintext(), PLAINTEXT);
        assert_eq!(decrypted.algorithm(), alg);
        assert_eq!(decrypted.kid(), Some("rsa2048"));
        assert_eq!(&**rsa2048().decrypt(&jwe).unwrap(), PLAINTEXT);
    }
    // Default algorithm is RSA-OAEP.
    let jwe = recipient.encrypt(PLAINTEXT).unwrap();
    assert_eq!(rsa2048().decrypt_detailed(&jwe).unwrap().algorithm(), KeyAlgorithm::RsaOaep);
}

#[test]
fn empty_and_large_plaintexts() {
    let recipient = rsa2048_recipient();
    for len in [0, 1, 15, 16, 17, 4096, MAX_PLAINTEXT_LEN] {
        let plaintext = vec![0xA5u8; len];
        let jwe = recipient.encrypt(&plaintext).unwrap();
        assert_eq!(&**rsa2048().decrypt(&jwe).unwrap(), &plaintext[..], "len {len}");
    }
    let too_big = vec![0u8; MAX_PLAINTEXT_LEN + 1];
    assert_eq!(
        recipient.encrypt(&too_big),
        Err(EncryptError::PlaintextTooLarge { len: MAX_PLAINTEXT_LEN + 1 })
    );
}

#[test]
fn header_bytes_are_exact() {
    let recipient = rsa2048_recipient();
    let jwe = recipient.encrypt(PLAINTEXT).unwrap();
    let header = jwe.split('.').next().unwrap();
    assert_eq!(b64d(header), br#"{"alg":"RSA-OAEP","enc":"A256GCM","kid":"rsa2048"}"#);
    assert_eq!(header, "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00iLCJraWQiOiJyc2EyMDQ4In0");

    let jwe = recipient.encrypt_with(KeyAlgorithm::RsaOaep256, PLAINTEXT, &mut SystemRandom::new()).unwrap();
    assert_eq!(
        b64d(jwe.split('.').next().unwrap()),
        br#"{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"rsa2048"}"#
    );

    // A kid that needs JSON escaping is escaped, and still round-trips.
    let odd = rsa2048().recipient_key("a\"b\\c/é").unwrap();
    let jwe = odd.encrypt(PLAINTEXT).unwrap();
    assert_eq!(
        b64d(jwe.split('.').next().unwrap()),
        r#"{"alg":"RSA-OAEP","enc":"A256GCM","kid":"a\"b\\c/é"}"#.as_bytes()
    );
    assert_eq!(rsa2048().decrypt_detailed(&jwe).unwrap().kid(), Some("a\"b\\c/é"));
}

#[test]
fn segment_lengths() {
    let recipient = rsa2048_recipient();
    for alg in KeyAlgorithm::ALL {
        let jwe = recipient.encrypt_with(alg, PLAINTEXT, &mut SystemRandom::new()).unwrap();
        let parts: Vec<&str> = jwe.split('.').collect();
        assert_eq!(parts.len(), 5);
        assert_eq!(b64d(parts[1]).len(), 256, "encrypted key = modulus length");
        assert_eq!(recipient.modulus_len(), 256);
        assert_eq!(b64d(parts[2]).len(), 12, "IV");
        assert_eq!(b64d(parts[3]).len(), PLAINTEXT.len(), "GCM ciphertext = plaintext length");
        assert_eq!(b64d(parts[4]).len(), 16, "tag");
        assert!(jwe.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'));
    }
}

#[test]
fn fresh_randomness_per_message() {
    let recipient = rsa2048_recipient();
    let a = recipient.encrypt(PLAINTEXT).unwrap();
    let b = recipient.encrypt(PLAINTEXT).unwrap();
    let (pa, pb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    assert_eq!(pa[0], pb[0]);
    for i in 1..5 {
        assert_ne!(pa[i], pb[i], "segment {i} must differ between two encryptions");
    }
}

#[test]
fn injected_rng_is_deterministic_and_used_in_order() {
    let recipient = rsa2048_recipient();
    let a = recipient.encrypt_with(KeyAlgorithm::RsaOaep, PLAINTEXT, &mut TestRng(7)).unwrap();
    let b = recipient.encrypt_with(KeyAlgorithm::RsaOaep, PLAINTEXT, &mut TestRng(7)).unwrap();
    let c = recipient.encrypt_with(KeyAlgorithm::RsaOaep, PLAINTEXT, &mut TestRng(8)).unwrap();
    // The injected source gives the CEK and IV. With ring it also gives the OAEP seed, so the whole JWE repeats;
    // aws-lc-rs draws the OAEP seed from AWS-LC's own DRBG, so only the encrypted key differs.
    let without_key = |jwe: &str| {
        jwe.split('.').enumerate().filter(|(i, _)| *i != 1).map(|(_, s)| s.to_owned()).collect::<Vec<_>>()
    };
    if flex_jwe::CRYPTO_PROVIDER == "ring" {
        assert_eq!(a, b);
    } else {
        assert_ne!(a, b);
    }
    assert_eq!(without_key(&a), without_key(&b));
    assert_ne!(without_key(&a), without_key(&c));
    // The stream is CEK (32 bytes) then IV (12 bytes): the IV segment is bytes 32..44 of it.
    let mut stream = [0u8; 44];
    flex_jwe::RandomSource::fill(&mut TestRng(7), &mut stream).unwrap();
    let iv = a.split('.').nth(2).unwrap();
    assert_eq!(iv, b64e(&stream[32..44]));
    assert_eq!(&**rsa2048().decrypt(&a).unwrap(), PLAINTEXT);
}

#[test]
fn failing_rng_is_an_error_not_a_panic() {
    let recipient = rsa2048_recipient();
    assert_eq!(
        recipient.encrypt_with(KeyAlgorithm::RsaOaep, PLAINTEXT, &mut FailingRng),
        Err(EncryptError::Random)
    );
    // Key generation draws from the injected source with ring only; aws-lc-rs uses AWS-LC's DRBG.
    let generated = DecryptionKey::generate_with_rng(2048, &mut FailingRng);
    if flex_jwe::CRYPTO_PROVIDER == "ring" {
        assert_eq!(generated.err(), Some(KeyError::Random));
    } else {
        assert!(generated.is_ok());
    }
}

#[test]
fn wrong_key_is_rejected() {
    let other = DecryptionKey::from_pkcs8_pem(&read_vector("keys/rsa3072.pk8.pem")).unwrap();
    let jwe = rsa2048_recipient().encrypt(PLAINTEXT).unwrap();
    let err = other.decrypt(&jwe).unwrap_err();
    assert_eq!(err.to_string(), "JWE decryption failed");
    assert_eq!(format!("{err:?}"), "DecryptError");

    // Same modulus size, different key: OAEP fails, the random CEK fails GCM, same error.
    let fresh = DecryptionKey::generate(2048).unwrap();
    assert_eq!(fresh.decrypt(&jwe).unwrap_err(), err);
    let jwe_for_fresh = fresh.recipient_key("fresh").unwrap().encrypt(PLAINTEXT).unwrap();
    assert_eq!(rsa2048().decrypt(&jwe_for_fresh).unwrap_err(), err);
    assert_eq!(&**fresh.decrypt(&jwe_for_fresh).unwrap(), PLAINTEXT);
}

#[test]
fn kid_check_and_algorithm_policy() {
    let jwe = rsa2048_recipient().encrypt(PLAINTEXT).unwrap();
    let pem = read_vector("keys/rsa2048.pk8.pem");
    let key = |kid: Option<&str>| {
        let key = DecryptionKey::from_pkcs8_pem(&pem).unwrap();
        match kid {
            Some(kid) => key.with_kid(kid),
            None => key,
        }
    };
    assert!(key(Some("rsa2048")).decrypt(&jwe).is_ok());
    assert!(key(Some("other")).decrypt(&jwe).is_err());
    assert!(key(None).decrypt(&jwe).is_ok());

    let oaep256 = rsa2048_recipient()
        .encrypt_with(KeyAlgorithm::RsaOaep256, PLAINTEXT, &mut SystemRandom::new())
        .unwrap();
    let only_sha1 = key(None).with_allowed_algorithms(&[KeyAlgorithm::RsaOaep]);
    assert!(only_sha1.decrypt(&jwe).is_ok());
    assert!(only_sha1.decrypt(&oaep256).is_err());
    let only_256 = key(None).with_allowed_algorithms(&[KeyAlgorithm::RsaOaep256]);
    assert!(only_256.decrypt(&jwe).is_err());
    assert!(only_256.decrypt(&oaep256).is_ok());
    let nothing = key(None).with_allowed_algorithms(&[]);
    assert!(nothing.decrypt(&jwe).is_err());
}

#[test]
fn alg_swap_in_header_is_rejected() {
    // Re-labelling an RSA-OAEP JWE as RSA-OAEP-256 changes both the OAEP hash and the AAD.
    let jwe = rsa2048_recipient().encrypt(PLAINTEXT).unwrap();
    let rest = jwe.split_once('.').unwrap().1;
    let swapped = format!("{}.{rest}", b64e(br#"{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"rsa2048"}"#));
    assert!(rsa2048().decrypt(&swapped).is_err());
}

#[test]
fn structural_rejections() {
    let jwe = rsa2048_recipient().encrypt(PLAINTEXT).unwrap();
    let parts: Vec<&str> = jwe.split('.').collect();
    let join = |v: &[&str]| v.join(".");
    let header = |json: &str| b64e(json.as_bytes());
    let with_header = |json: &str| {
        let h = header(json);
        let mut v = parts.clone();
        v[0] = &h;
        join(&v)
    };
    let bad: Vec<String> = vec![
        String::new(),
        ".".repeat(4),
        join(&parts[..4]),
        format!("{jwe}."),
        format!("{jwe}.{}", parts[4]),
        format!(" {jwe}"),
        format!("{jwe}\n"),
        jwe.replace('.', ".="),
        format!("{}=", jwe),
        with_header(r#"{"alg":"RSA-OAEP","enc":"A256GCM","kid":"rsa2048","zip":"DEF"}"#),
        with_header(r#"{"alg":"RSA-OAEP","enc":"A256GCM","kid":"rsa2048","crit":["b64"],"b64":false}"#),
        with_header(r#"{"alg":"RSA-OAEP","alg":"RSA-OAEP","enc":"A256GCM","kid":"rsa2048"}"#),
        with_header(r#"{"alg":"RSA-OAEP","enc":"A128GCM","kid":"rsa2048"}"#),
        with_header(r#"{"alg":"RSA1_5","enc":"A256GCM","kid":"rsa2048"}"#),
        with_header(r#"{"alg":"dir","enc":"A256GCM"}"#),
        with_header(r#"{"alg":"none","enc":"A256GCM"}"#),
        with_header("[]"),
        with_header("null"),
        with_header("{"),
        // Same JSON value as the real header (extra space), so the AAD differs: GCM rejects it.
        with_header(r#"{"alg":"RSA-OAEP", "enc":"A256GCM","kid":"rsa2048"}"#),
        "a".repeat(flex_jwe::MAX_COMPACT_LEN + 1),
    ];
    let expected = rsa2048().decrypt("").unwrap_err();
    for (i, input) in bad.iter().enumerate() {
        assert_eq!(rsa2048().decrypt(input).unwrap_err(), expected, "case {i}");
    }
}

#[test]
fn payload_shapes_round_trip_through_jwe() {
    let context = read_vector("capture-context/flex-docs-sn.jwt");
    let context = context.trim();
    let fields = [
        ("paymentInformation.card.number", "4111111111111111"),
        ("paymentInformation.card.securityCode", "123"),
        ("paymentInformation.card.expirationMonth", "12"),
        ("paymentInformation.card.expirationYear", "2031"),
    ];
    for shape in [PaymentData::flat(), PaymentData::nested()] {
        let mut data = shape;
        for (path, value) in fields {
            data.insert(path, value).unwrap();
        }
        let mut payload = TokenizePayload::new(context, data);
        payload.jti = Some("1234567890AaBbCcDdEeFfGg12345678".into());
        payload.iat = Some(1_700_000_000);
        let jwe = rsa2048_recipient().encrypt_payload(&payload).unwrap();
        let plaintext = rsa2048().decrypt(&jwe).unwrap();
        let text = std::str::from_utf8(&plaintext).unwrap();
        assert!(text.starts_with(&format!(r#"{{"context":"{context}","data":{{"#)), "{text}");
        assert!(text.ends_with(r#""index":0,"iat":1700000000,"jti":"1234567890AaBbCcDdEeFfGg12345678"}"#));
        let parsed = TokenizePayload::from_json(&plaintext).unwrap();
        assert_eq!(parsed.context, context);
        assert!(matches!(parsed.context, std::borrow::Cow::Borrowed(_)), "context is borrowed");
        assert_eq!(parsed.data, payload.data);
        let got: Vec<(String, String)> =
            parsed.data.fields().into_iter().map(|(p, v)| (p.into_owned(), v.expose().to_owned())).collect();
        let want: Vec<(String, String)> =
            fields.iter().map(|(p, v)| ((*p).to_owned(), (*v).to_owned())).collect();
        assert_eq!(got, want);
    }
}

#[test]
fn recipient_key_constructors_and_policy() {
    let jwk = rsa2048_recipient();
    // DecryptionKey exposes exactly the JWK's n and e.
    let file: serde_json::Value = serde_json::from_str(&read_vector("keys/rsa2048.pub.jwk.json")).unwrap();
    assert_eq!(rsa2048().public_n(), file["n"].as_str().unwrap());
    assert_eq!(rsa2048().public_e(), "AQAB");
    assert_eq!(jwk.modulus_bits(), 2048);

    let der = std::fs::read(common::vectors().join("keys/rsa2048.pkcs1.der")).unwrap();
    let from_der = RecipientKey::from_pkcs1_der("rsa2048", &der).unwrap();
    let jwe = from_der.encrypt(PLAINTEXT).unwrap();
    assert_eq!(&**rsa2048().decrypt(&jwe).unwrap(), PLAINTEXT);
    assert_eq!(RecipientKey::from_spki_der("k", &der).err(), Some(KeyError::InvalidKey));

    // Policy: < 2048-bit moduli are refused, both to encrypt to and to decrypt with.
    let small: serde_json::Value = serde_json::from_str(&read_vector("keys/rsa1024.pub.jwk.json")).unwrap();
    assert_eq!(
        RecipientKey::from_jwk_components("k", small["n"].as_str().unwrap(), "AQAB").err(),
        Some(KeyError::UnsupportedKeySize { bits: 1024 })
    );
    let odd: serde_json::Value = serde_json::from_str(&read_vector("keys/rsa2041.pub.jwk.json")).unwrap();
    assert_eq!(
        RecipientKey::from_jwk_components("k", odd["n"].as_str().unwrap(), "AQAB").err(),
        Some(KeyError::UnsupportedKeySize { bits: 2041 })
    );
    assert_eq!(
        DecryptionKey::from_pkcs8_pem(&read_vector("keys/rsa1024.pk8.pem")).err(),
        Some(KeyError::UnsupportedKeySize { bits: 1024 })
    );
    let n = file["n"].as_str().unwrap();
    assert_eq!(RecipientKey::from_jwk_components("", n, "AQAB").err(), Some(KeyError::InvalidKid));
    assert_eq!(
        RecipientKey::from_jwk_components("k", &format!("{n}="), "AQAB").err(),
        Some(KeyError::InvalidEncoding)
    );
    assert_eq!(RecipientKey::from_jwk_components("k", n, "AQAB=").err(), Some(KeyError::InvalidEncoding));
    assert_eq!(RecipientKey::from_jwk_components("k", "", "AQAB").err(), Some(KeyError::InvalidEncoding));
    assert_eq!(RecipientKey::from_jwk_components("k", n, "").err(), Some(KeyError::InvalidEncoding));
    assert_eq!(RecipientKey::from_jwk_components("k", n, "AA").err(), Some(KeyError::InvalidKey));
    // Even modulus.
    let mut even = b64d(n);
    *even.last_mut().unwrap() &= 0xFE;
    assert_eq!(
        RecipientKey::from_jwk_components("k", &b64e(&even), "AQAB").err(),
        Some(KeyError::InvalidKey)
    );
    // A leading zero octet on n is refused (RFC 7518 §6.3.1.1), as by flex-jwt's JWK readers: the same parser.
    let mut padded = vec![0u8];
    padded.extend(b64d(n));
    assert_eq!(
        RecipientKey::from_jwk_components("rsa2048", &b64e(&padded), "AQAB").err(),
        Some(KeyError::InvalidEncoding)
    );
    // A key flex-jose already parsed becomes a recipient key without a second parse.
    let parsed =
        flex_jose::rsa::PublicKey::from_jwk_members(n, "AQAB", flex_jose::rsa::ExponentPolicy::F4Only)
            .unwrap();
    let shared = RecipientKey::from_public_key("rsa2048", &parsed).unwrap();
    assert_eq!(shared.modulus_bits(), 2048);
    assert_eq!(&**rsa2048().decrypt(&shared.encrypt(PLAINTEXT).unwrap()).unwrap(), PLAINTEXT);
    assert_eq!(RecipientKey::from_public_key("", &parsed).err(), Some(KeyError::InvalidKid));
    assert_eq!(DecryptionKey::from_pkcs8_der(b"not a key").err(), Some(KeyError::InvalidKey));
    assert_eq!(
        DecryptionKey::from_pkcs8_pem("-----BEGIN PRIVATE KEY-----").err(),
        Some(KeyError::InvalidKey)
    );
    assert_eq!(DecryptionKey::generate(1024).err(), Some(KeyError::UnsupportedKeySize { bits: 1024 }));
    assert_eq!(DecryptionKey::generate(8192).err(), Some(KeyError::UnsupportedKeySize { bits: 8192 }));
}

#[test]
fn debug_output_is_redacted() {
    let key = format!("{:?}", rsa2048());
    assert!(key.contains("<redacted>") && key.contains("2048"), "{key}");
    assert!(!key.contains(&rsa2048().public_n()[..16]));
    let pem = read_vector("keys/rsa2048.pk8.pem");
    let der_b64 = pem.lines().nth(1).unwrap();
    assert!(!key.contains(der_b64));

    let decrypted =
        rsa2048().decrypt_detailed(&rsa2048_recipient().encrypt(b"4111111111111111").unwrap()).unwrap();
    let debug = format!("{decrypted:?}");
    assert!(debug.contains("<16 bytes>") && !debug.contains("4111"), "{debug}");

    let payload = TokenizePayload::new(
        "header.payload.signature",
        PaymentData::nested()
            .with("paymentInformation.card.number", "4111111111111111")
            .unwrap()
            .with("paymentInformation.card.securityCode", "987")
            .unwrap(),
    );
    let debug = format!("{payload:?}");
    assert!(debug.contains("***1111") && !debug.contains("411111") && !debug.contains("987"), "{debug}");
    assert!(!debug.contains("header.payload.signature"), "{debug}");
    assert!(format!("{:?}", rsa2048_recipient()).contains("rsa2048"));
}
