use std::borrow::Cow;

use flex_types::{CaptureContextClaims, RsaJwk};

use crate::{jwt_segment, vector};

const N: &str = "pFrA5Lsl22p3gNL5iPjBOYEuXs7z9P-dv7AICTGzlgNyNvyfF_tWGaLqS-lf2QgDvVW3cU0mqVxJXLE1FcJZj71d1sgZB1n4irWsqPq54cfwEx425DDFZaiwQ_Fv1v1mAN3TRT2kaQK-_2dYMNLIWHqj93aw_bLTQT_zo1jcaLTRje6xz7T4CqIQZ6KB_W21tcsMDGUbJ-v6yUpY2EmmcLp_vqIpsEBiCNocDGlnvMJdRyhBb8thqiXrZjTLoOoWtiaHoAlLWL3cUoGRVGtWdEf-I-HfPDpO2HBFiFulwbv54Pjac_sVoGFzGglGrwIWB241c95u-bZUedpN_6ig0Q";
const DATA: &str = "NTaTH27qZUlODxRUBEKIrhAAEFAAlrh8y17ghNZnyYVQb8vzBGNPWSmlznzPqC93XfuMJb+s7DTykZ5Q+yjPoF03Blczt5VviIGUcKh60cSgsHI=";

fn payload() -> String {
    vector("capture-context/flex-docs-sn.payload.json")
}

/// Checks every value of the real capture context.
fn check_claims(c: &CaptureContextClaims<'_>) {
    assert_eq!(c.flx.path, "/flex/v2/tokens");
    assert_eq!(c.flx.data, DATA);
    assert_eq!(c.flx.origin, "https://sl73flxapq002.visa.com:8443");
    let jwk = &c.flx.jwk;
    assert_eq!(jwk.kty, "RSA");
    assert_eq!(jwk.e, "AQAB");
    assert_eq!(jwk.use_.as_deref(), Some("enc"));
    assert_eq!(jwk.n, N);
    assert_eq!(jwk.kid.as_deref(), Some("00SvIaGIfyaw897rDeG9eFdODKaCKc1q"));
    assert_eq!(jwk.alg, None);
    assert_eq!(jwk.key_ops, None);
    assert!(!jwk.has_private_members());
    assert_eq!(c.ctx.len(), 1);
    assert_eq!(c.ctx[0].type_, "api-0.1.0");
    assert_eq!(c.ctx[0].data.required_fields, ["paymentInformation.card.number"]);
    assert_eq!(
        c.ctx[0].data.optional_fields,
        [
            "paymentInformation.card.expirationYear",
            "paymentInformation.card.expirationMonth",
            "paymentInformation.card.type",
            "paymentInformation.card.securityCode",
        ]
    );
    assert_eq!(c.iss, "Flex API");
    assert_eq!(c.exp, 1_614_792_268);
    assert_eq!(c.iat, 1_614_791_368);
    assert_eq!(c.jti, "rOAksGcp8Bgg6WLj");
    assert_eq!(c.lifetime_secs(), 900);
    assert_eq!(c.tokens_url(), "https://sl73flxapq002.visa.com:8443/flex/v2/tokens");
    assert_eq!(c.required_fields().collect::<Vec<_>>(), ["paymentInformation.card.number"]);
    assert_eq!(c.optional_fields().count(), 4);
    assert!(c.accepts_field("paymentInformation.card.securityCode"));
    assert!(!c.accepts_field("orderInformation.billTo.email"));
}

#[test]
fn real_payload_parses_with_exact_claims_and_borrows() {
    let p = payload();
    assert!(p.contains(r"\u003d"), "the vector keeps the JSON escape");
    let c: CaptureContextClaims<'_> = serde_json::from_str(&p).unwrap();
    check_claims(&c);
    // Escaped string: owned, and unescaped. Plain strings: borrowed from `p`.
    assert!(matches!(c.flx.data, Cow::Owned(_)));
    assert!(c.flx.data.ends_with('='));
    for s in [&c.flx.origin, &c.flx.path, &c.flx.jwk.n, &c.flx.jwk.e, &c.iss, &c.jti, &c.ctx[0].type_] {
        assert!(matches!(s, Cow::Borrowed(_)), "{s} should be borrowed");
    }
    for s in [&c.flx.jwk.kid, &c.flx.jwk.use_] {
        assert!(matches!(s, Some(Cow::Borrowed(_))), "{s:?} should be borrowed");
    }
    assert!(c.ctx[0].data.required_fields.iter().all(|s| matches!(s, Cow::Borrowed(_))));
    assert!(c.ctx[0].data.optional_fields.iter().all(|s| matches!(s, Cow::Borrowed(_))));
    // Borrowed means: pointing into the input buffer.
    let range = p.as_bytes().as_ptr_range();
    assert!(range.contains(&c.flx.jwk.n.as_ptr()));
}

#[test]
fn jwt_payload_segment_decodes_to_the_same_claims() {
    let token = vector("capture-context/flex-docs-sn.jwt");
    assert_eq!(jwt_segment(&token, 0), br#"{"kid":"sn","alg":"RS256"}"#);
    let bytes = jwt_segment(&token, 1);
    assert_eq!(bytes, payload().as_bytes());
    let from_token: CaptureContextClaims<'_> = serde_json::from_slice(&bytes).unwrap();
    check_claims(&from_token);
    let p = payload();
    let from_file = serde_json::from_str::<CaptureContextClaims<'_>>(&p).unwrap().into_owned();
    assert_eq!(from_token, from_file);
}

#[test]
fn reserializes_to_the_original_bytes_except_escapes() {
    let p = payload();
    let c: CaptureContextClaims<'_> = serde_json::from_str(&p).unwrap();
    let out = serde_json::to_string(&c).unwrap();
    assert_eq!(out, p.replace(r"\u003d", "="));
    let again: CaptureContextClaims<'_> = serde_json::from_str(&out).unwrap();
    assert_eq!(again, c);
}

#[test]
fn into_owned_is_static_and_equal() {
    let owned: CaptureContextClaims<'static> = {
        let p = payload();
        let c: CaptureContextClaims<'_> = serde_json::from_str(&p).unwrap();
        c.into_owned()
    };
    check_claims(&owned);
    assert!(matches!(owned.flx.origin, Cow::Owned(_)));
}

/// Adds `"zz":{...}` style unknown members to every object of the payload.
fn with_unknown_members() -> String {
    let mut v: serde_json::Value = serde_json::from_str(&payload()).unwrap();
    let junk = serde_json::json!({"nested": [1, {"deep": null}], "s": "x\u{00e9}"});
    let add = |o: &mut serde_json::Value, k: &str| {
        o.as_object_mut().unwrap().insert(k.to_owned(), junk.clone());
    };
    add(&mut v, "futureClaim");
    add(&mut v["flx"], "futureFlx");
    add(&mut v["flx"]["jwk"], "x5c");
    add(&mut v["ctx"][0], "futureCtx");
    add(&mut v["ctx"][0]["data"], "clientLibrary");
    v["ctx"][0]["data"]["clientLibraryIntegrity"] = "sha256-abc".into();
    v["ctx"][0]["data"]["targetOrigins"] = serde_json::json!(["https://example.com"]);
    v["ctx"].as_array_mut().unwrap().push(serde_json::json!({"type": "mf-2.0.0", "data": {"other": 1}}));
    serde_json::to_string(&v).unwrap()
}

#[test]
fn unknown_members_at_every_level_are_ignored() {
    let s = with_unknown_members();
    let c: CaptureContextClaims<'_> = serde_json::from_str(&s).unwrap();
    assert_eq!(c.ctx.len(), 2);
    assert_eq!(c.ctx[1].type_, "mf-2.0.0");
    assert!(c.ctx[1].data.required_fields.is_empty() && c.ctx[1].data.optional_fields.is_empty());
    let mut first = c.clone();
    first.ctx.truncate(1);
    // The Microform members are known now: read where they are strings, ignored where they are not.
    let data = &mut first.ctx[0].data;
    assert_eq!(data.client_library, None, "an object where a string belongs is ignored");
    assert_eq!(data.client_library_integrity.take().as_deref(), Some("sha256-abc"));
    assert_eq!(std::mem::take(&mut data.target_origins), ["https://example.com"]);
    check_claims(&first);
    let p = payload();
    let expected: CaptureContextClaims<'_> = serde_json::from_str(&p).unwrap();
    assert_eq!(first, expected);
}

#[test]
fn missing_or_mistyped_members_are_errors_not_panics() {
    let base: serde_json::Value = serde_json::from_str(&payload()).unwrap();
    let required: [&[&str]; 12] = [
        &["flx"],
        &["ctx"],
        &["iss"],
        &["exp"],
        &["iat"],
        &["jti"],
        &["flx", "path"],
        &["flx", "data"],
        &["flx", "origin"],
        &["flx", "jwk"],
        &["flx", "jwk", "n"],
        &["flx", "jwk", "e"],
    ];
    for path in required {
        let mut v = base.clone();
        let (last, parents) = path.split_last().unwrap();
        let mut o = &mut v;
        for p in parents {
            o = &mut o[*p];
        }
        o.as_object_mut().unwrap().remove(*last);
        let s = serde_json::to_string(&v).unwrap();
        let err = serde_json::from_str::<CaptureContextClaims<'_>>(&s).unwrap_err();
        assert!(err.to_string().contains(&format!("missing field `{last}`")), "{path:?}: {err}");
    }
    for (ptr, bad) in [
        ("/exp", serde_json::json!("1614792268")),
        ("/iat", serde_json::json!(1.5)),
        ("/flx/jwk/kid", serde_json::json!(7)),
        ("/ctx/0/data/requiredFields", serde_json::json!("paymentInformation.card.number")),
        ("/ctx", serde_json::json!({})),
    ] {
        let mut v = base.clone();
        *v.pointer_mut(ptr).unwrap() = bad;
        let s = serde_json::to_string(&v).unwrap();
        assert!(serde_json::from_str::<CaptureContextClaims<'_>>(&s).is_err(), "{ptr}");
    }
}

#[test]
fn absent_ctx_data_and_field_lists_default_to_empty() {
    let s = r#"{"flx":{"path":"/p","data":"d","origin":"https://o","jwk":{"kty":"RSA","n":"AQ","e":"AQAB"}},
        "ctx":[{"type":"api-0.1.0"},{"type":"t","data":{"requiredFields":["a"]}}],"iss":"i","exp":2,"iat":1,"jti":"j"}"#;
    let c: CaptureContextClaims<'_> = serde_json::from_str(s).unwrap();
    assert!(c.ctx[0].data.required_fields.is_empty());
    assert_eq!(c.required_fields().collect::<Vec<_>>(), ["a"]);
    assert_eq!(c.optional_fields().count(), 0);
    assert_eq!(c.flx.jwk, RsaJwk::new("AQ", "AQAB"));
    assert_eq!(c.tokens_url(), "https://o/p");
}

#[test]
fn tokens_url_joins_with_exactly_one_slash() {
    let p = payload();
    let mut c: CaptureContextClaims<'_> = serde_json::from_str(&p).unwrap();
    c.flx.origin = Cow::Borrowed("https://testflex.cybersource.com/");
    assert_eq!(c.tokens_url(), "https://testflex.cybersource.com/flex/v2/tokens");
    c.flx.path = Cow::Borrowed("flex/v2/tokens");
    assert_eq!(c.tokens_url(), "https://testflex.cybersource.com/flex/v2/tokens");
}
