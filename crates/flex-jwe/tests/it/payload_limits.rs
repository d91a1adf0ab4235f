//! The payload limits (field count, path depth, JSON size) and the linear path checks, held to the
//! quadratic rule they replace.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flex_jwe::{
    FlatData, MAX_FIELDS, MAX_PATH_DEPTH, MAX_PAYLOAD_LEN, NestedData, PayloadError, PaymentData,
    TokenizePayload,
};
use proptest::prelude::*;

/// `{"context":"x","data":{<members>},"index":0}` with `"<key>":"1"` members.
fn flat_json<S: AsRef<str>>(keys: impl IntoIterator<Item = S>) -> String {
    let members: Vec<String> = keys.into_iter().map(|k| format!("\"{}\":\"1\"", k.as_ref())).collect();
    format!(r#"{{"context":"x","data":{{{}}},"index":0}}"#, members.join(","))
}

fn numbered(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("f{i:05}.a")).collect()
}

#[test]
fn the_sixteen_thousand_field_payload_is_refused_with_a_typed_error() {
    // The finding: about 240 KB, 16 000 flat fields.
    let json = flat_json(numbered(16_000));
    assert!(json.len() > 200_000);
    assert_eq!(
        TokenizePayload::from_json(json.as_bytes()).unwrap_err(),
        PayloadError::TooLarge { len: json.len(), max: MAX_PAYLOAD_LEN }
    );
    // Through serde directly (no size check first), the field limit refuses it.
    let err = serde_json::from_str::<TokenizePayload<'_>>(&json).err().unwrap();
    assert!(err.to_string().contains("more than 64 fields"), "{err}");
    // Under the size limit, the field limit answers.
    let json = flat_json((0..2_000).map(|i| format!("{i}")));
    assert!(json.len() < MAX_PAYLOAD_LEN);
    assert_eq!(
        TokenizePayload::from_json(json.as_bytes()).unwrap_err(),
        PayloadError::TooManyFields { max: MAX_FIELDS }
    );
}

#[test]
fn a_payload_at_the_field_limit_works_and_one_more_field_is_refused() {
    let keys = numbered(MAX_FIELDS);
    let json = flat_json(&keys);
    let parsed = TokenizePayload::from_json(json.as_bytes()).unwrap();
    assert_eq!(parsed.data.fields().len(), MAX_FIELDS);
    assert!(keys.iter().all(|k| parsed.data.get(k).is_some_and(|v| v.expose() == "1")));
    // Both shapes, built field by field, stop at the limit and serialize to a parsable payload.
    for data in [PaymentData::flat(), PaymentData::nested()] {
        let mut data = keys.iter().fold(data, |d, k| d.with(k, "1").unwrap());
        assert_eq!(data.insert("extra.a", "1"), Err(PayloadError::TooManyFields { max: MAX_FIELDS }));
        let json = TokenizePayload::new("x", data).to_json().unwrap();
        assert_eq!(TokenizePayload::from_json(&json).unwrap().data.fields().len(), MAX_FIELDS);
    }
    let json = flat_json(numbered(MAX_FIELDS + 1));
    assert_eq!(
        TokenizePayload::from_json(json.as_bytes()).unwrap_err(),
        PayloadError::TooManyFields { max: MAX_FIELDS }
    );
    // Nested: 65 leaves spread over objects.
    let mut members = String::new();
    for group in 0..5 {
        if group > 0 {
            members.push(',');
        }
        let leaves: Vec<String> = (0..13).map(|i| format!("\"f{i}\":\"1\"")).collect();
        members.push_str(&format!("\"g{group}\":{{{}}}", leaves.join(",")));
    }
    let json = format!(r#"{{"context":"x","data":{{{members}}},"index":0}}"#);
    assert_eq!(
        TokenizePayload::from_json(json.as_bytes()).unwrap_err(),
        PayloadError::TooManyFields { max: MAX_FIELDS }
    );
}

#[test]
fn depth_is_limited_for_paths_and_nesting() {
    let deepest = ["s"; MAX_PATH_DEPTH].join(".");
    let too_deep = ["s"; MAX_PATH_DEPTH + 1].join(".");
    for data in [PaymentData::flat(), PaymentData::nested()] {
        let mut data = data.with(&deepest, "1").unwrap();
        assert_eq!(data.insert(&too_deep, "1"), Err(PayloadError::TooDeep { max: MAX_PATH_DEPTH }));
        let json = TokenizePayload::new("x", data).to_json().unwrap();
        let parsed = TokenizePayload::from_json(&json).unwrap();
        assert_eq!(parsed.data.get(&deepest).unwrap().expose(), "1");
    }
    assert_eq!(
        TokenizePayload::from_json(flat_json([&too_deep]).as_bytes()).unwrap_err(),
        PayloadError::TooDeep { max: MAX_PATH_DEPTH }
    );
    let nested = |depth: usize| {
        let mut value = String::from("\"1\"");
        for _ in 0..depth {
            value = format!("{{\"s\":{value}}}");
        }
        format!(r#"{{"context":"x","data":{value},"index":0}}"#)
    };
    assert!(TokenizePayload::from_json(nested(MAX_PATH_DEPTH).as_bytes()).is_ok());
    assert_eq!(
        TokenizePayload::from_json(nested(MAX_PATH_DEPTH + 1).as_bytes()).unwrap_err(),
        PayloadError::TooDeep { max: MAX_PATH_DEPTH }
    );
    // Far deeper than any limit: still a clean error, no stack overflow.
    assert!(TokenizePayload::from_json(nested(100_000).as_bytes()).is_err());
}

#[test]
fn the_size_limit_is_exact_and_the_same_both_ways() {
    let data = || PaymentData::flat().with("paymentInformation.card.number", "4111111111111111").unwrap();
    let base = TokenizePayload::new("", data()).to_json().unwrap().len();
    let context = "c".repeat(MAX_PAYLOAD_LEN - base);
    let json = TokenizePayload::new(context.as_str(), data()).to_json().unwrap();
    assert_eq!(json.len(), MAX_PAYLOAD_LEN);
    assert!(TokenizePayload::from_json(&json).is_ok());
    let context = "c".repeat(MAX_PAYLOAD_LEN - base + 1);
    let too_large = TokenizePayload::new(context.as_str(), data());
    assert_eq!(
        too_large.to_json().unwrap_err(),
        PayloadError::TooLarge { len: MAX_PAYLOAD_LEN + 1, max: MAX_PAYLOAD_LEN }
    );
}

#[test]
fn parsed_data_keeps_the_path_rules_with_typed_errors() {
    // A repeated member name is the strict JSON reader's refusal (at any depth, before the path rules), with the
    // position of the repeat: `{"context":"x","data":` is 22 bytes.
    let cases: [(&str, PayloadError); 6] = [
        (r#"{"a.b":"1","a.b":"2"}"#, PayloadError::Json { line: 1, column: 39 }),
        (r#"{"a.b":"1","a.b.c":"2"}"#, PayloadError::PathConflict { path: "a.b.c".into() }),
        (r#"{"a..b":"1"}"#, PayloadError::InvalidPath { path: "a..b".into() }),
        (r#"{"a":{"b":"1","b":"2"}}"#, PayloadError::Json { line: 1, column: 40 }),
        (r#"{"a":{"b.c":"1"}}"#, PayloadError::InvalidPath { path: "a.b.c".into() }),
        (r#"{"a":{"b":{}},"c":"1"}"#, PayloadError::InvalidPath { path: "a.b".into() }),
    ];
    for (data, expected) in cases {
        let json = format!(r#"{{"context":"x","data":{data},"index":0}}"#);
        assert_eq!(TokenizePayload::from_json(json.as_bytes()).unwrap_err(), expected, "{data}");
    }
    // An empty `data` is fine (nothing captured yet).
    let parsed = TokenizePayload::from_json(br#"{"context":"x","data":{},"index":0}"#).unwrap();
    assert!(parsed.data.fields().is_empty());
}

/// How the rule before the index classified inserting `path` after the accepted `earlier` paths:
/// a comparison with every earlier path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Duplicate,
    Conflict,
    TooMany,
}

fn quadratic_rule(earlier: &[String], path: &str) -> Outcome {
    let is_prefix = |prefix: &str, path: &str| path.strip_prefix(prefix).is_some_and(|r| r.starts_with('.'));
    for existing in earlier {
        if existing == path {
            return Outcome::Duplicate;
        }
        if is_prefix(existing, path) || is_prefix(path, existing) {
            return Outcome::Conflict;
        }
    }
    if earlier.len() >= MAX_FIELDS { Outcome::TooMany } else { Outcome::Ok }
}

fn outcome(result: Result<(), PayloadError>) -> Outcome {
    match result {
        Ok(()) => Outcome::Ok,
        Err(PayloadError::DuplicatePath { .. }) => Outcome::Duplicate,
        Err(PayloadError::PathConflict { .. }) => Outcome::Conflict,
        Err(PayloadError::TooManyFields { .. }) => Outcome::TooMany,
        // The only JSON refusal of `flat_json`'s objects: a repeated member name, which the strict reader refuses.
        Err(PayloadError::Json { .. }) => Outcome::Duplicate,
        Err(other) => panic!("unexpected {other:?}"),
    }
}

/// Paths over a tiny alphabet, so that duplicates and prefixes are frequent.
fn paths() -> impl Strategy<Value = Vec<String>> {
    let path = prop::collection::vec("[ab]{1,2}", 1..4).prop_map(|s| s.join("."));
    prop::collection::vec(path, 0..(MAX_FIELDS + 24))
}

/// Distinct, prefix-free paths (up to the field limit and beyond), with some repeats mixed in.
fn many_paths() -> impl Strategy<Value = Vec<String>> {
    (MAX_FIELDS - 4..MAX_FIELDS + 8, prop::collection::vec(any::<prop::sample::Index>(), 0..6)).prop_map(
        |(count, repeats)| {
            let mut paths: Vec<String> = (0..count).map(|i| format!("g{}.f{i}", i % 5)).collect();
            for at in repeats {
                let repeated = paths[at.index(paths.len())].clone();
                paths.insert(at.index(paths.len()), repeated.clone());
                paths.push(format!("{repeated}.deeper"));
            }
            paths
        },
    )
}

fn check_against_the_quadratic_rule(paths: &[String]) -> Result<(), TestCaseError> {
    let mut flat = FlatData::new();
    let mut nested = NestedData::new();
    let mut accepted: Vec<String> = Vec::new();
    for path in paths {
        let expected = quadratic_rule(&accepted, path);
        prop_assert_eq!(outcome(flat.insert(path, "v")), expected, "flat {}", path);
        prop_assert_eq!(outcome(nested.insert(path, "v")), expected, "nested {}", path);
        if expected == Outcome::Ok {
            accepted.push(path.clone());
        }
    }
    prop_assert_eq!(flat.len(), accepted.len());
    prop_assert_eq!(nested.len(), accepted.len());
    for path in &accepted {
        prop_assert!(flat.get(path).is_some());
        prop_assert!(nested.get(path).is_some());
    }
    // Parsing the same keys as one flat object: the first refused key decides, after the count.
    let parsed = TokenizePayload::from_json(flat_json(paths).as_bytes()).map(|_| ());
    let first_refusal = {
        let mut accepted: Vec<String> = Vec::new();
        let mut first = Outcome::Ok;
        for path in paths {
            match quadratic_rule(&accepted, path) {
                Outcome::Ok => accepted.push(path.clone()),
                refused => {
                    first = refused;
                    break;
                }
            }
        }
        // The strict reader refuses a repeated name while reading, before the count and the path rules.
        let repeated = paths.iter().enumerate().any(|(i, path)| paths[..i].contains(path));
        if repeated {
            Outcome::Duplicate
        } else if paths.len() > MAX_FIELDS {
            Outcome::TooMany
        } else {
            first
        }
    };
    prop_assert_eq!(outcome(parsed), first_refusal);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn inserts_agree_with_the_quadratic_rule(paths in paths()) {
        check_against_the_quadratic_rule(&paths)?;
    }

    #[test]
    fn inserts_at_the_limit_agree_with_the_quadratic_rule(paths in many_paths()) {
        check_against_the_quadratic_rule(&paths)?;
    }
}
