//! Property tests: the parser never panics on arbitrary input, sign→verify round-trips, and any single-byte change
//! to a valid token makes verification fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use flex_jwt::dangerous::insecure_decode;
use flex_jwt::{Jwt, Limits, Verifier, fuzzing};
use proptest::prelude::*;
use support::{NOW, rsa2048};

/// Token-shaped strings: base64url alphabet, dots, and the usual suspects.
fn tokenish() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_.=+/ -]{0,600}",
        any::<String>(),
        // Three segments of base64url, header drawn from small JSON-ish texts.
        ("[{}\"a-z:,\\[\\] 0-9\\\\]{0,80}", "[A-Za-z0-9_-]{0,200}", "[A-Za-z0-9_-]{0,400}")
            .prop_map(|(h, p, s)| format!("{}.{p}.{s}", support::b64u(h.as_bytes()))),
    ]
}

/// JSON values without NUL characters (which the strict scanner refuses by policy) and with unique keys.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        // Finite and within the scanner's range rule (magnitudes above 1e308 are refused by policy).
        any::<f64>()
            .prop_filter("in range", |f| f.is_finite() && f.abs() <= 1e308)
            .prop_map(serde_json::Value::from),
        "[^\u{0}]{0,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map("[^\u{0}]{0,8}", inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(s in tokenish()) {
        let _ = Jwt::parse(&s);
        let _ = Jwt::parse_jws_with(&s, &Limits::DEFAULT);
        let _ = insecure_decode(&s);
        let _ = fuzzing::parse(s.as_bytes());
        prop_assert!(!fuzzing::verify_fixed_key(s.as_bytes()));
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_json_scanner(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = flex_jose::fuzzing::scan(&bytes);
        prop_assert!(flex_jose::fuzzing::scanner_within_serde_json(&bytes));
        let _ = fuzzing::base64url_decode(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn serde_json_objects_are_accepted_and_agree(map in prop::collection::btree_map("[^\u{0}]{0,8}", json_value(), 0..8)) {
        let value = serde_json::Value::Object(map.into_iter().collect());
        let text = value.to_string();
        prop_assert!(flex_jose::fuzzing::scan(text.as_bytes()), "{}", text);
        prop_assert_eq!(fuzzing::claims_differential(text.as_bytes()), Ok(()), "{}", text);
        // serde_json writes the shortest text that reads back as the same float; the deserializer rounds
        // correctly, so it must rebuild the generated value exactly (serde_json itself may be a ULP off).
        prop_assert_eq!(fuzzing::strict_claims::<serde_json::Value>(&text), Some(value));
    }
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Claims {
    exp: i64,
    iat: i64,
    jti: String,
    note: String,
    n: u64,
}

fn claims() -> impl Strategy<Value = Claims> {
    (NOW..NOW + 100_000, NOW - 10_000..=NOW, "[A-Za-z0-9-]{1,40}", any::<String>(), any::<u64>())
        .prop_map(|(exp, iat, jti, note, n)| Claims { exp, iat, jti, note: note.replace('\u{0}', ""), n })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn sign_then_verify_round_trips(c in claims()) {
        let token = rsa2048().token(&serde_json::to_string(&c).unwrap());
        let got: Claims = Verifier::new().verify(&token, &support::trusted(), NOW).unwrap();
        prop_assert_eq!(got, c);
    }

    #[test]
    fn any_single_byte_change_fails(c in claims(), pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let token = rsa2048().token(&serde_json::to_string(&c).unwrap());
        let mut bytes = token.clone().into_bytes();
        let i = pos.index(bytes.len());
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        if let Ok(mutated) = String::from_utf8(bytes) {
            let result = Verifier::new().verify_token(&mutated, &support::trusted(), NOW);
            prop_assert!(result.is_err(), "byte {} changed to {:#04x} still verified", i, byte);
        }
    }
}
