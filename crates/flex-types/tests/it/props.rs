//! Property tests: session requests round-trip; no input makes any `Deserialize` panic.

use flex_types::{
    CaptureContextClaims, ErrorBody, FieldPath, Requirement, RsaJwk, SessionRequest, TransientTokenClaims,
    Value,
};
use proptest::prelude::*;

use crate::{jwt_segment, vector};

fn field_path() -> impl Strategy<Value = FieldPath> {
    (0..FieldPath::ALL.len()).prop_map(|i| FieldPath::ALL[i])
}

fn requirement() -> impl Strategy<Value = Requirement> {
    prop_oneof![Just(None), Just(Some(true)), Just(Some(false))].prop_map(|required| Requirement { required })
}

/// Any JSON value, small.
fn json_value() -> impl Strategy<Value = Value<'static>> {
    let key = prop_oneof![
        Just("fields".to_owned()),
        Just("required".to_owned()),
        Just("paymentInformation".to_owned()),
        Just("card".to_owned()),
        Just("number".to_owned()),
        Just("flx".to_owned()),
        Just("iss".to_owned()),
        Just("exp".to_owned()),
        Just("data".to_owned()),
        Just("responseStatus".to_owned()),
        Just("targetOrigins".to_owned()),
        Just("orderInformation".to_owned()),
        Just("amountDetails".to_owned()),
        Just("status".to_owned()),
        ".{0,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        // Small dyadic fractions: their decimal significand stays below 2^53, where serde_json's
        // default (not correctly rounded) float parser is exact.
        (any::<i16>(), 0..12i32).prop_map(|(m, e)| {
            flex_types::Number::from_f64(f64::from(m) / 2f64.powi(e)).map_or(Value::Null, Value::Number)
        }),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.into(), v)).collect())),
        ]
    })
}

/// Runs every `Deserialize` of the crate on `bytes`; only the absence of panics matters.
fn deserialize_all(bytes: &[u8]) {
    let _ = serde_json::from_slice::<CaptureContextClaims<'_>>(bytes);
    let _ = serde_json::from_slice::<TransientTokenClaims<'_>>(bytes);
    let _ = serde_json::from_slice::<SessionRequest>(bytes);
    let _ = serde_json::from_slice::<Requirement>(bytes);
    let _ = serde_json::from_slice::<FieldPath>(bytes);
    let _ = serde_json::from_slice::<RsaJwk<'_>>(bytes);
    let _ = serde_json::from_slice::<ErrorBody<'_>>(bytes);
    let _ = serde_json::from_slice::<Value<'_>>(bytes);
    let _ = serde_json::from_slice::<flex_types::ErrorStatus<'_>>(bytes);
    let _ = serde_json::from_slice::<flex_types::MicroformSessionRequest>(bytes);
    let _ = serde_json::from_slice::<flex_types::PaymentRequest<'static>>(bytes);
    let _ = serde_json::from_slice::<flex_types::PaymentResponse<'_>>(bytes);
}

fn seeds() -> Vec<Vec<u8>> {
    let sessions: serde_json::Value =
        serde_json::from_str(&vector("http-signature/post-flex-v2-sessions.json")).unwrap();
    vec![
        vector("capture-context/flex-docs-sn.payload.json").into_bytes(),
        jwt_segment(&vector("transient-token/microform-0.11.jwt"), 1),
        sessions["body"].as_str().unwrap().as_bytes().to_vec(),
        br#"{"responseStatus":{"status":400,"details":[{"location":"l","message":"m"}]},"_links":{}}"#
            .to_vec(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn session_requests_round_trip(list in prop::collection::vec((field_path(), requirement()), 0..40)) {
        let req: SessionRequest = list.iter().copied().collect();
        // Each path once, with its last requirement.
        for (p, _) in &list {
            let last = list.iter().rev().find(|(q, _)| q == p).map(|(_, r)| *r);
            prop_assert_eq!(req.get(*p), last);
        }
        let bytes = serde_json::to_vec(&req).unwrap();
        let back: SessionRequest = serde_json::from_slice(&bytes).unwrap();
        prop_assert_eq!(&back, &req);
        prop_assert_eq!(serde_json::to_vec(&back).unwrap(), bytes.clone());
        // The nested JSON holds exactly the listed paths.
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let mut leaves = 0;
        for (g, gv) in v["fields"].as_object().unwrap() {
            for (s, sv) in gv.as_object().unwrap() {
                for (l, lv) in sv.as_object().unwrap() {
                    leaves += 1;
                    let p = FieldPath::from_segments([g, s, l]).unwrap();
                    let r: Requirement = serde_json::from_value(lv.clone()).unwrap();
                    prop_assert_eq!(req.get(p), Some(r));
                }
            }
        }
        prop_assert_eq!(leaves, req.len());
    }

    #[test]
    fn amounts_never_panic_and_accepted_ones_are_exact(
        value in r"-?[0-9]{0,16}(\.[0-9]{0,5})?|.{0,20}",
        code in prop_oneof![Just("USD".to_owned()), Just("JPY".to_owned()), Just("KWD".to_owned()), "[A-Z]{3}"],
    ) {
        if let Ok(amount) = flex_types::Amount::parse(&value, &code) {
            let digits = usize::from(amount.currency().minor_units());
            // Re-deriving the minor units from the string gives the same number.
            let (int, frac) = value.split_once('.').unwrap_or((&value, ""));
            let padded = format!("{int}{frac:0<digits$}");
            prop_assert_eq!(padded.parse::<u64>().unwrap(), amount.minor_units());
            prop_assert!(amount.minor_units() > 0);
        }
    }

    #[test]
    fn microform_requests_round_trip(
        origins in prop::collection::vec("https://[a-z]{1,10}\\.example(:[1-5][0-9]{3})?", 1..10),
        networks in prop::sample::subsequence(flex_types::CardNetwork::ALL.to_vec(), 0..19),
        prefix in prop::option::of(any::<bool>()),
    ) {
        let mut builder = flex_types::MicroformSessionRequest::builder().target_origins(origins.iter().cloned()).card_networks(networks);
        if let Some(p) = prefix {
            builder = builder.include_card_prefix(p);
        }
        let unique = origins.iter().enumerate().all(|(i, o)| !origins[..i].contains(o));
        match builder.build() {
            Ok(req) => {
                prop_assert!(unique);
                let bytes = serde_json::to_vec(&req).unwrap();
                let back: flex_types::MicroformSessionRequest = serde_json::from_slice(&bytes).unwrap();
                prop_assert_eq!(back, req);
            }
            Err(e) => prop_assert!(!unique, "{e}"),
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        deserialize_all(&bytes);
    }

    #[test]
    fn json_like_text_never_panics(s in r#"[\[\]{}":,0-9a-z\\. eE+-]{0,96}"#) {
        deserialize_all(s.as_bytes());
    }

    #[test]
    fn mutated_real_payloads_never_panic(
        seed in 0usize..4,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = seeds().swap_remove(seed);
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        deserialize_all(&bytes);
        let keep = cut.index(bytes.len() + 1);
        deserialize_all(&bytes[..keep]);
    }

    #[test]
    fn any_json_value_round_trips_and_never_panics(v in json_value()) {
        let bytes = serde_json::to_vec(&v).unwrap();
        let back: Value<'_> = serde_json::from_slice(&bytes).unwrap();
        prop_assert_eq!(&back, &v);
        deserialize_all(&bytes);
        // The error body accepts every valid JSON document.
        prop_assert!(serde_json::from_slice::<ErrorBody<'_>>(&bytes).is_ok());
    }
}
