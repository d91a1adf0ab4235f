//! Property tests: round trips of arbitrary payloads, and no input makes decryption panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::{rsa2048, rsa2048_recipient};
use flex_jwe::{KeyAlgorithm, PaymentData, SensitiveValue, SystemRandom, TokenizePayload};
use proptest::prelude::*;

fn alg() -> impl Strategy<Value = KeyAlgorithm> {
    prop_oneof![Just(KeyAlgorithm::RsaOaep), Just(KeyAlgorithm::RsaOaep256)]
}

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-zA-Z0-9_]{1,6}", 1..4).prop_map(|segments| segments.join("."))
}

fn fields() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((path(), any::<String>()), 0..8)
}

/// Builds both shapes from the same fields, skipping inserts that conflict.
fn build(fields: &[(String, String)], nested: bool) -> PaymentData {
    let mut data = if nested { PaymentData::nested() } else { PaymentData::flat() };
    for (path, value) in fields {
        let _ = data.insert(path, value.as_str());
    }
    data
}

fn pairs(data: &PaymentData) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> =
        data.fields().into_iter().map(|(p, v)| (p.into_owned(), v.expose().to_owned())).collect();
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn bytes_round_trip(plaintext in prop::collection::vec(any::<u8>(), 0..1500), alg in alg(), kid in "\\PC{1,12}") {
        let recipient = rsa2048().recipient_key(&kid).unwrap();
        let jwe = recipient.encrypt_with(alg, &plaintext, &mut SystemRandom::new()).unwrap();
        let decrypted = rsa2048().decrypt_detailed(&jwe).unwrap();
        prop_assert_eq!(decrypted.plaintext(), &plaintext[..]);
        prop_assert_eq!(decrypted.algorithm(), alg);
        prop_assert_eq!(decrypted.kid(), Some(kid.as_str()));
    }

    #[test]
    fn payload_round_trip(
        fields in fields(),
        nested in any::<bool>(),
        context in any::<String>(),
        index in any::<u32>(),
        iat in proptest::option::of(any::<i64>()),
        jti in proptest::option::of(any::<String>()),
        alg in alg(),
    ) {
        let data = build(&fields, nested);
        let expected = pairs(&data);
        // Flat and nested carry the same fields.
        prop_assert_eq!(&pairs(&build(&fields, !nested)), &expected);
        let mut payload = TokenizePayload::new(context.as_str(), data);
        payload.index = index;
        payload.iat = iat;
        payload.jti = jti.clone();
        let jwe = rsa2048_recipient().encrypt_payload_with(alg, &payload, &mut SystemRandom::new()).unwrap();
        let plaintext = rsa2048().decrypt(&jwe).unwrap();
        let parsed = TokenizePayload::from_json(&plaintext).unwrap();
        prop_assert_eq!(&parsed.context, &context);
        prop_assert_eq!(pairs(&parsed.data), expected);
        prop_assert_eq!(parsed.index, index);
        prop_assert_eq!(parsed.iat, iat);
        prop_assert_eq!(&parsed.jti, &jti);
        // Serialization is stable: re-serializing the parsed payload gives the same bytes
        // (a flat map whose keys have no dot parses as flat, so compare through fields only).
        let again = parsed.to_json().unwrap();
        prop_assert_eq!(pairs(&TokenizePayload::from_json(&again).unwrap().data), pairs(&payload.data));
    }

    #[test]
    fn shape_conversions_preserve_fields(fields in fields(), nested in any::<bool>()) {
        let data = build(&fields, nested);
        let expected = pairs(&data);
        let flat = PaymentData::Flat(build(&fields, nested).into_flat());
        prop_assert_eq!(pairs(&flat), expected.clone());
        let nested = PaymentData::Nested(build(&fields, nested).into_nested().unwrap());
        prop_assert_eq!(pairs(&nested), expected.clone());
        for (path, value) in &expected {
            prop_assert_eq!(data.get(path).map(SensitiveValue::expose), Some(value.as_str()));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        prop_assert!(rsa2048().decrypt(&input).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic(input in prop::collection::vec(any::<u8>(), 0..600)) {
        flex_jwe::fuzzing::decrypt_compact(&input);
        let _ = TokenizePayload::from_json(&input);
    }

    #[test]
    fn jwe_shaped_input_never_panics(segments in prop::collection::vec("[A-Za-z0-9_=+/-]{0,400}", 0..7)) {
        prop_assert!(rsa2048().decrypt(&segments.join(".")).is_err());
    }

    #[test]
    fn json_shaped_payloads_never_panic(json in "[{}\\[\\]\":,. a-z0-9.eE+-]{0,200}") {
        let _ = TokenizePayload::from_json(json.as_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// A valid JWE with one byte overwritten (any byte value, any position) never panics and is
    /// only accepted if it is unchanged.
    #[test]
    fn mutated_jwe_never_panics(position in any::<prop::sample::Index>(), byte in any::<u8>()) {
        static JWE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let jwe = JWE.get_or_init(|| rsa2048_recipient().encrypt(b"{\"index\":0}").unwrap());
        let mut bytes = jwe.as_bytes().to_vec();
        let at = position.index(bytes.len());
        let unchanged = bytes[at] == byte;
        bytes[at] = byte;
        let text = String::from_utf8_lossy(&bytes);
        prop_assert_eq!(rsa2048().decrypt(&text).is_ok(), unchanged);
    }
}

#[test]
fn fuzz_seed_round_trips() {
    for alg in KeyAlgorithm::ALL {
        let seed = flex_jwe::fuzzing::seed_jwe(alg, b"seed").unwrap();
        flex_jwe::fuzzing::decrypt_compact(seed.as_bytes());
        assert_eq!(seed.split('.').count(), 5);
    }
}
