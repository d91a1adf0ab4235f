//! The registered time claims over the whole `i64` range and the JSON number edges, through `Verifier` with
//! signed RS256 tokens, against an `i128` oracle of the rule:
//!
//! - a NumericDate is a JSON integer in `0..=i64::MAX` written with digits only (no `-`, fraction or exponent,
//!   so `-0`, `1.0` and `1e3` are out of range); any other JSON type is the wrong type;
//! - `exp` is required, `exp + leeway` must fit in `i64`, and `now < exp + leeway`;
//! - `nbf`, if present: `now >= nbf - leeway`; `iat`, if present: `iat - leeway <= now`;
//! - the claims are checked in the order `exp`, `nbf`, `iat`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use flex_jwt::{Claim, ClaimProblem, Error, MAX_LEEWAY_SECS, Verifier};
use proptest::prelude::*;
use serde::Deserialize;
use support::{NOW, rsa2048, trusted};

/// The oracle's reading of a NumericDate's JSON text.
fn numeric_date(text: &str) -> Result<i64, ClaimProblem> {
    if text.starts_with('"') {
        return Err(ClaimProblem::WrongType);
    }
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ClaimProblem::OutOfRange);
    }
    let value: u128 = text.parse().map_err(|_| ClaimProblem::OutOfRange)?;
    i64::try_from(value).map_err(|_| ClaimProblem::OutOfRange)
}

/// The rule, in `i128`: the checked `(exp, nbf, iat)` or the error.
fn oracle(
    exp: Option<&str>,
    nbf: Option<&str>,
    iat: Option<&str>,
    now: i64,
    leeway: u32,
) -> Result<(i64, Option<i64>, Option<i64>), Error> {
    let fail = |claim, problem| Error::Claim { claim, problem };
    let (now, leeway) = (i128::from(now), i128::from(leeway));
    let exp =
        numeric_date(exp.ok_or(fail(Claim::Exp, ClaimProblem::Missing))?).map_err(|p| fail(Claim::Exp, p))?;
    let deadline = i128::from(exp) + leeway;
    if deadline > i128::from(i64::MAX) {
        return Err(fail(Claim::Exp, ClaimProblem::OutOfRange));
    }
    if now >= deadline {
        return Err(fail(Claim::Exp, ClaimProblem::Expired));
    }
    let nbf = nbf.map(numeric_date).transpose().map_err(|p| fail(Claim::Nbf, p))?;
    if nbf.is_some_and(|nbf| now < i128::from(nbf) - leeway) {
        return Err(fail(Claim::Nbf, ClaimProblem::NotYetValid));
    }
    let iat = iat.map(numeric_date).transpose().map_err(|p| fail(Claim::Iat, p))?;
    if iat.is_some_and(|iat| i128::from(iat) - leeway > now) {
        return Err(fail(Claim::Iat, ClaimProblem::IssuedInFuture));
    }
    Ok((exp, nbf, iat))
}

fn payload(exp: Option<&str>, nbf: Option<&str>, iat: Option<&str>) -> String {
    let mut members = vec![r#""iss":"flex-test""#.to_owned()];
    for (name, value) in [("exp", exp), ("nbf", nbf), ("iat", iat)] {
        if let Some(v) = value {
            members.push(format!(r#""{name}":{v}"#));
        }
    }
    format!("{{{}}}", members.join(","))
}

#[derive(Deserialize)]
struct Anything {}

/// Both verifying paths (`verify_token`, and the one-pass `verify_into`) on one signed token.
fn verify_both(token: &str, now: i64, leeway: u32) -> Result<(i64, Option<i64>, Option<i64>), Error> {
    let verifier = Verifier::new().with_leeway_secs(leeway);
    let keys = trusted();
    let two_pass = verifier.verify_token(token, &keys, now).map(|v| (v.exp(), v.nbf(), v.iat()));
    let mut buf = Vec::new();
    let one_pass = verifier.verify_into::<Anything, _>(token, &keys, now, &mut buf).map(|_| ());
    assert_eq!(two_pass.map(|_| ()), one_pass, "verify_token and verify_into disagree on {token}");
    two_pass
}

const JSON_EDGES: [&str; 16] = [
    "9223372036854775807",
    "9223372036854775806",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551616",
    "99999999999999999999999999",
    "-1",
    "-0",
    "0",
    "1",
    "1e3",
    "1E3",
    "1.0",
    "0.5",
    "1700000000.0",
    "\"1700000000\"",
];

/// A NumericDate text: any `i64`, an edge, a JSON number edge, or an integer near `anchor` (so that every
/// boundary of the rule is hit).
fn date_text(anchor: i64) -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|v| v.to_string()),
        prop::sample::select(vec![
            i64::MIN,
            -1,
            0,
            1,
            i64::MAX - 900,
            i64::MAX - 61,
            i64::MAX - 60,
            i64::MAX
        ])
        .prop_map(|v| v.to_string()),
        prop::sample::select(JSON_EDGES.to_vec()).prop_map(str::to_owned),
        (-1_000i64..=1_000).prop_map(move |d| anchor.saturating_add(d).to_string()),
        prop::sample::select(vec![-901i64, -900, -61, -60, -59, -1, 0, 1, 59, 60, 61, 900, 901])
            .prop_map(move |d| anchor.saturating_add(d).to_string()),
    ]
}

fn leeway() -> impl Strategy<Value = u32> {
    prop::sample::select(vec![0, 1, 60, MAX_LEEWAY_SECS])
}

fn now() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        prop::sample::select(vec![i64::MIN, -1, 0, 1, NOW, i64::MAX - 60, i64::MAX - 1, i64::MAX]),
        (0i64..4_102_444_800),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn registered_times_follow_the_i128_rule(
        (now, exp, nbf, iat) in now().prop_flat_map(|now| (
            Just(now),
            prop::option::weighted(0.95, date_text(now)),
            prop::option::weighted(0.6, date_text(now)),
            prop::option::weighted(0.6, date_text(now)),
        )),
        leeway in leeway(),
    ) {
        let token = rsa2048().token(&payload(exp.as_deref(), nbf.as_deref(), iat.as_deref()));
        let got = verify_both(&token, now, leeway);
        prop_assert_eq!(got, oracle(exp.as_deref(), nbf.as_deref(), iat.as_deref(), now, leeway));
    }
}

#[test]
fn exp_at_i64_max_is_out_of_range_not_wrapped() {
    let token = rsa2048().token(&payload(Some("9223372036854775807"), None, None));
    // exp + leeway does not fit: refused, for every leeway but zero.
    for leeway in [1, 60, MAX_LEEWAY_SECS] {
        assert_eq!(
            verify_both(&token, NOW, leeway).unwrap_err(),
            Error::Claim { claim: Claim::Exp, problem: ClaimProblem::OutOfRange }
        );
    }
    // With no leeway it fits, and even `now = i64::MAX - 1` is before it.
    assert_eq!(verify_both(&token, i64::MAX - 1, 0).unwrap().0, i64::MAX);
    assert_eq!(
        verify_both(&token, i64::MAX, 0).unwrap_err(),
        Error::Claim { claim: Claim::Exp, problem: ClaimProblem::Expired }
    );
    // The largest exp that fits with the default leeway.
    let token = rsa2048().token(&payload(Some(&(i64::MAX - 60).to_string()), None, None));
    assert_eq!(verify_both(&token, i64::MAX - 1, 60).unwrap().0, i64::MAX - 60);
}

#[test]
fn numeric_date_json_edges() {
    let exp_err = |text: &str| {
        let token = rsa2048().token(&payload(Some(text), None, None));
        verify_both(&token, NOW, 60).unwrap_err()
    };
    let out_of_range = Error::Claim { claim: Claim::Exp, problem: ClaimProblem::OutOfRange };
    for text in
        ["9223372036854775808", "-9223372036854775808", "-1", "-0", "1e3", "1.0", "1700000900.0", "17e8"]
    {
        assert_eq!(exp_err(text), out_of_range, "{text}");
    }
    assert_eq!(
        exp_err("\"1700000900\""),
        Error::Claim { claim: Claim::Exp, problem: ClaimProblem::WrongType }
    );
    assert_eq!(exp_err("null"), Error::Claim { claim: Claim::Exp, problem: ClaimProblem::WrongType });
    // `nbf` and `iat` follow the same reading.
    for claim in ["nbf", "iat"] {
        for text in ["-0", "1e3", "1.0", "-9223372036854775808", "9223372036854775808"] {
            let token = rsa2048().token(&format!(r#"{{"exp":{},"{claim}":{text}}}"#, NOW + 900));
            let want = if claim == "nbf" { Claim::Nbf } else { Claim::Iat };
            assert_eq!(
                verify_both(&token, NOW, 60).unwrap_err(),
                Error::Claim { claim: want, problem: ClaimProblem::OutOfRange },
                "{claim}={text}"
            );
        }
    }
    // 0 and i64::MAX are in range for nbf and iat (nbf - leeway and iat - leeway cannot underflow).
    let token = rsa2048().token(&format!(r#"{{"exp":{},"nbf":0,"iat":0}}"#, NOW + 900));
    assert_eq!(verify_both(&token, NOW, MAX_LEEWAY_SECS).unwrap(), (NOW + 900, Some(0), Some(0)));
    let token = rsa2048().token(&format!(r#"{{"exp":{},"iat":9223372036854775807}}"#, NOW + 900));
    assert_eq!(
        verify_both(&token, NOW, MAX_LEEWAY_SECS).unwrap_err(),
        Error::Claim { claim: Claim::Iat, problem: ClaimProblem::IssuedInFuture }
    );
}

#[test]
fn now_at_the_ends_of_i64_never_overflows() {
    let token = rsa2048().token(&payload(Some(&(NOW + 900).to_string()), Some("0"), Some("0")));
    assert_eq!(
        verify_both(&token, i64::MIN, MAX_LEEWAY_SECS).unwrap_err(),
        oracle_err(Claim::Nbf, ClaimProblem::NotYetValid)
    );
    assert_eq!(
        verify_both(&token, i64::MAX, MAX_LEEWAY_SECS).unwrap_err(),
        oracle_err(Claim::Exp, ClaimProblem::Expired)
    );
}

fn oracle_err(claim: Claim, problem: ClaimProblem) -> Error {
    Error::Claim { claim, problem }
}
