//! One test per row of the 22-row table in "The JWT attack table" of `docs/SECURITY.md` ("what a verifier must reject"), using tokens
//! signed here with the test-only `rsa2048` key (and `rsa3072` as the attacker).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use flex_jwt::{
    Algorithm, AlgorithmSet, Claim, ClaimProblem, Error, ExponentPolicy, HeaderError, InvalidKid, JsonError,
    Jwt, KeyError, Limits, RsaPublicKey, Segment, Verifier,
};
use ring::hmac;
use support::{NOW, attacker, b64u, claims, rsa2048, trusted};

/// Full pipeline against the trusted key set at `NOW`, default policy.
fn verify(token: &str) -> Result<(), Error> {
    verify_with(&Verifier::new(), token)
}

fn verify_with(verifier: &Verifier, token: &str) -> Result<(), Error> {
    verifier.verify_token(token, &trusted(), NOW).map(|_| ())
}

fn claim_err(claim: Claim, problem: ClaimProblem) -> Result<(), Error> {
    Err(Error::Claim { claim, problem })
}

#[test]
fn baseline_valid_token_verifies() {
    assert_eq!(verify(&rsa2048().token(&claims(""))), Ok(()));
}

#[test]
fn row_01_alg_none_rejected() {
    let header = b64u(br#"{"alg":"none","kid":"rsa2048"}"#);
    let payload = b64u(claims("").as_bytes());
    // The classic form: empty signature. Refused structurally before the header is even looked at.
    assert_eq!(verify(&format!("{header}.{payload}.")), Err(Error::EmptySegment(Segment::Signature)));
    // With a signature, `none` is simply not an algorithm this crate can represent.
    assert_eq!(verify(&format!("{header}.{payload}.AAAA")), Err(HeaderError::UnsupportedAlgorithm.into()));
    for name in ["none", "None", "NONE", "nOnE"] {
        assert_eq!(Algorithm::from_name(name), None);
        let h = b64u(format!(r#"{{"alg":"{name}","kid":"rsa2048"}}"#).as_bytes());
        assert_eq!(
            Jwt::parse(&format!("{h}.{payload}.AAAA")).unwrap_err(),
            HeaderError::UnsupportedAlgorithm.into()
        );
    }
}

#[test]
fn row_02_hs256_with_public_key_as_secret_rejected() {
    // The attacker HMACs the token with the RSA public key bytes (PKCS#1 DER, and the JWK text) as the secret.
    let der = std::fs::read(support::vectors().join("keys/rsa2048.pkcs1.der")).unwrap();
    let jwk = support::read("keys/rsa2048.pub.jwk.json");
    for secret in [der.as_slice(), jwk.as_bytes()] {
        let input =
            format!("{}.{}", b64u(br#"{"alg":"HS256","kid":"rsa2048"}"#), b64u(claims("").as_bytes()));
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), input.as_bytes());
        let token = format!("{input}.{}", b64u(tag.as_ref()));
        assert_eq!(verify(&token), Err(HeaderError::UnsupportedAlgorithm.into()));
    }
    for hs in ["HS256", "HS384", "HS512"] {
        assert_eq!(Algorithm::from_name(hs), None);
    }
}

#[test]
fn row_03_header_alg_must_match_key_and_allow_list() {
    let signer = rsa2048();
    let payload = claims("");
    let rs512 =
        signer.sign_bytes(Algorithm::Rs512, br#"{"alg":"RS512","kid":"rsa2048"}"#, payload.as_bytes());
    // Not in the default allow-list.
    assert_eq!(verify(&rs512), Err(Error::AlgorithmNotAllowed(Algorithm::Rs512)));
    // Allowed by the verifier, but the key is bound to RS256.
    let both = Verifier::new().with_algorithms(AlgorithmSet::RS256_ONLY.with(Algorithm::Rs512));
    let bound = support::key_set(signer.public_key().with_algorithm(Algorithm::Rs256));
    assert_eq!(both.verify_token(&rs512, &bound, NOW).map(|_| ()), Err(Error::KeyAlgorithmMismatch));
    // Allowed and unbound: it verifies under RS512 only.
    assert_eq!(verify_with(&both, &rs512), Ok(()));
    // Header says RS512, signature made with RS256 over the same input: refused.
    let input = rs512.rsplit_once('.').unwrap().0;
    let forged = signer.sign_segments(
        Algorithm::Rs256,
        input.split_once('.').unwrap().0,
        input.split_once('.').unwrap().1,
    );
    assert_eq!(verify_with(&both, &forged), Err(Error::InvalidSignature));
    // PS256 and friends are unrepresentable.
    let ps = format!("{}.{}.AAAA", b64u(br#"{"alg":"PS256","kid":"rsa2048"}"#), b64u(payload.as_bytes()));
    assert_eq!(verify(&ps), Err(HeaderError::UnsupportedAlgorithm.into()));
}

#[test]
fn row_04_kid_injection_rejected() {
    let signer = rsa2048();
    let cases = [
        ("../../dev/null", InvalidKid::Charset),
        ("' OR 1=1 --", InvalidKid::Charset),
        ("https://evil.example/key", InvalidKid::Charset),
        ("rsa2048 ", InvalidKid::Charset),
        ("rsa2048\n", InvalidKid::Charset),
        ("", InvalidKid::Empty),
    ];
    for (kid, why) in cases {
        let header = serde_json::json!({"alg": "RS256", "kid": kid}).to_string();
        let token = signer.sign(&header, &claims(""));
        assert_eq!(verify(&token), Err(HeaderError::InvalidKid(why).into()), "{kid:?}");
    }
    let long = "a".repeat(65);
    let token = signer.sign(&format!(r#"{{"alg":"RS256","kid":"{long}"}}"#), &claims(""));
    assert_eq!(verify(&token), Err(HeaderError::InvalidKid(InvalidKid::TooLong).into()));
    // A well-formed kid that is not in the set.
    let token = signer.sign(r#"{"alg":"RS256","kid":"other"}"#, &claims(""));
    assert_eq!(verify(&token), Err(Error::UnknownKid));
    // No kid at all.
    let token = signer.sign(r#"{"alg":"RS256"}"#, &claims(""));
    assert_eq!(verify(&token), Err(HeaderError::MissingKid.into()));
}

#[test]
fn row_05_jku_and_x5u_are_never_used() {
    let header = r#"{"alg":"RS256","kid":"rsa2048","jku":"https://attacker.example/jwks.json","x5u":"https://attacker.example/cert.pem"}"#;
    // Signed by the attacker's key, which the URLs would serve: the trusted key is used, so it fails.
    assert_eq!(verify(&attacker().sign(header, &claims(""))), Err(Error::InvalidSignature));
    // Signed by the trusted key: the members are recorded but irrelevant to verification.
    let token = rsa2048().sign(header, &claims(""));
    let jwt = Jwt::parse(&token).unwrap();
    let refs = jwt.header().key_references();
    assert!(refs.jku && refs.x5u && !refs.jwk);
    assert_eq!(verify(&token), Ok(()));
}

#[test]
fn row_06_embedded_jwk_is_never_used() {
    let attacker_jwk = support::read("keys/rsa3072.pub.jwk.json");
    let header = format!(r#"{{"alg":"RS256","kid":"rsa2048","jwk":{attacker_jwk}}}"#);
    let token = attacker().sign(&header, &claims(""));
    assert!(Jwt::parse(&token).unwrap().header().key_references().jwk);
    assert_eq!(verify(&token), Err(Error::InvalidSignature));
    // With no kid, a key set cannot be tricked into using the embedded key either.
    let token = attacker().sign(&format!(r#"{{"alg":"RS256","jwk":{attacker_jwk}}}"#), &claims(""));
    assert_eq!(verify(&token), Err(HeaderError::MissingKid.into()));
}

#[test]
fn row_07_crit_rules() {
    let s = rsa2048();
    let p = claims("");
    let unknown = s.sign(r#"{"alg":"RS256","kid":"rsa2048","crit":["urn:x"],"urn:x":1}"#, &p);
    assert_eq!(verify(&unknown), Err(Error::CritNotAllowed));
    let understood = Verifier::new().with_critical_extensions(&["urn:x"]);
    assert_eq!(verify_with(&understood, &unknown), Ok(()));
    for bad in [
        r#"{"alg":"RS256","kid":"rsa2048","crit":[]}"#,
        r#"{"alg":"RS256","kid":"rsa2048","crit":["urn:x","urn:x"],"urn:x":1}"#,
        r#"{"alg":"RS256","kid":"rsa2048","crit":["alg"]}"#,
        r#"{"alg":"RS256","kid":"rsa2048","crit":["exp"]}"#,
        r#"{"alg":"RS256","kid":"rsa2048","crit":[true]}"#,
    ] {
        assert_eq!(verify_with(&understood, &s.sign(bad, &p)), Err(HeaderError::InvalidCrit.into()), "{bad}");
    }
    // `crit` must be an array.
    let t = s.sign(r#"{"alg":"RS256","kid":"rsa2048","crit":"urn:x","urn:x":1}"#, &p);
    assert_eq!(verify(&t), Err(HeaderError::WrongType { member: "crit" }.into()));
}

#[test]
fn row_08_b64_false_rejected() {
    let s = rsa2048();
    let raw_payload = claims("");
    // RFC 7797: header says the payload is not base64url; the signing input has the raw payload.
    let header = b64u(br#"{"alg":"RS256","kid":"rsa2048","b64":false,"crit":["b64"]}"#);
    let token = s.sign_segments(Algorithm::Rs256, &header, &raw_payload.replace('.', ""));
    assert_eq!(verify(&token), Err(HeaderError::B64.into()));
    let token = s.sign(r#"{"alg":"RS256","kid":"rsa2048","b64":true}"#, &raw_payload);
    assert_eq!(verify(&token), Err(HeaderError::B64.into()));
}

#[test]
fn row_09_duplicate_members_rejected() {
    let s = rsa2048();
    let dup_header = s.sign(r#"{"alg":"RS256","kid":"rsa2048","alg":"RS256"}"#, &claims(""));
    assert_eq!(
        verify(&dup_header),
        Err(Error::Json { segment: Segment::Header, error: JsonError::DuplicateMember })
    );
    let dup_escaped = s.sign(r#"{"alg":"RS256","kid":"rsa2048","\u006bid":"x"}"#, &claims(""));
    assert_eq!(
        verify(&dup_escaped),
        Err(Error::Json { segment: Segment::Header, error: JsonError::DuplicateMember })
    );
    for payload in [
        format!(r#"{{"exp":1,"exp":{}}}"#, NOW + 900),
        claims(r#","ctx":{"a":1,"a":2}"#),
        claims(r#","ctx":[{"type":"x","\u0074ype":"y"}]"#),
    ] {
        assert_eq!(
            verify(&s.token(&payload)),
            Err(Error::Json { segment: Segment::Payload, error: JsonError::DuplicateMember }),
            "{payload}"
        );
    }
}

#[test]
fn row_10_non_canonical_base64_rejected() {
    let s = rsa2048();
    let good = s.token(&claims(""));
    let (h, rest) = good.split_once('.').unwrap();
    let (p, sig) = rest.split_once('.').unwrap();
    // Padding, wrong alphabet, whitespace, in the header.
    for bad_h in
        [format!("{h}="), format!("{h}=="), h.replacen('e', "+", 1), format!(" {h}"), format!("{h}\n")]
    {
        assert_eq!(verify(&format!("{bad_h}.{p}.{sig}")), Err(Error::Base64(Segment::Header)), "{bad_h}");
    }
    // Length ≡ 1 mod 4.
    let mut long_h = h.to_owned();
    while long_h.len() % 4 != 1 {
        long_h.push('A');
    }
    assert_eq!(verify(&format!("{long_h}.{p}.{sig}")).unwrap_err(), Error::Base64(Segment::Header));
    // Signature: padding, alphabet, non-canonical trailing bits (256 bytes = 342 chars, 4 unused bits).
    assert_eq!(verify(&format!("{h}.{p}.{sig}==")), Err(Error::Base64(Segment::Signature)));
    let slash = sig.replacen(['_', '-'], "/", 1);
    assert_eq!(verify(&format!("{h}.{p}.{slash}")), Err(Error::Base64(Segment::Signature)));
    let last = sig.chars().last().unwrap();
    let bumped = char::from(u8::try_from(u32::from(last)).unwrap() + 1);
    let noncanonical = format!("{}{}", &sig[..sig.len() - 1], bumped);
    assert_eq!(verify(&format!("{h}.{p}.{noncanonical}")), Err(Error::Base64(Segment::Signature)));
    // Payload: the signature covers the text, so a correctly *signed* non-canonical payload must still fail.
    let payload_bytes = claims(r#","x":"a""#); // length chosen so the encoding has unused trailing bits
    let mut p_enc = b64u(payload_bytes.as_bytes());
    assert_ne!(p_enc.len() % 4, 0);
    let last = p_enc.pop().unwrap();
    p_enc.push(char::from(u8::try_from(u32::from(last)).unwrap() + 1));
    let signed = s.sign_segments(Algorithm::Rs256, &b64u(s.header().as_bytes()), &p_enc);
    assert_eq!(verify(&signed), Err(Error::Base64(Segment::Payload)));
    let padded = format!("{}==", b64u(payload_bytes.as_bytes()));
    let signed = s.sign_segments(Algorithm::Rs256, &b64u(s.header().as_bytes()), &padded);
    assert!(matches!(verify(&signed), Err(Error::Base64(Segment::Payload))));
}

#[test]
fn row_11_structure_rejected() {
    let s = rsa2048();
    let good = s.token(&claims(""));
    let (h, rest) = good.split_once('.').unwrap();
    let (p, sig) = rest.split_once('.').unwrap();
    assert_eq!(verify(&format!("{h}.{p}")), Err(Error::SegmentCount));
    assert_eq!(verify(&format!("{good}.")), Err(Error::SegmentCount));
    assert_eq!(verify(&format!("{good}.{sig}")), Err(Error::SegmentCount));
    assert_eq!(verify(""), Err(Error::SegmentCount));
    assert_eq!(verify(&format!(".{p}.{sig}")), Err(Error::EmptySegment(Segment::Header)));
    assert_eq!(verify(&format!("{h}.{p}.")), Err(Error::EmptySegment(Segment::Signature)));
    let json = format!(r#"{{"payload":"{p}","protected":"{h}","signature":"{sig}"}}"#);
    assert_eq!(verify(&json), Err(Error::SegmentCount));
    // An empty payload is a valid JWS (signature verifies) but never a JWT.
    let empty = s.sign_segments(Algorithm::Rs256, h, "");
    let v = Verifier::new();
    let jwt = Jwt::parse(&empty).unwrap();
    let authenticated = v.verify_signature(&jwt, &trusted()).unwrap();
    assert_eq!(authenticated.payload().unwrap(), b"");
    assert_eq!(
        authenticated.validate(NOW).map(|_| ()),
        Err(Error::Json { segment: Segment::Payload, error: JsonError::Syntax })
    );
}

#[test]
fn row_12_size_caps() {
    let s = rsa2048();
    let big = claims(&format!(r#","pad":"{}""#, "x".repeat(13_000)));
    let token = s.token(&big);
    assert!(token.len() > Limits::DEFAULT_MAX_TOKEN_LEN);
    assert_eq!(verify(&token), Err(Error::TokenTooLarge { limit: 16 * 1024 }));
    let roomy = Verifier::new().with_limits(Limits::new().with_max_token_len(64 * 1024));
    assert_eq!(verify_with(&roomy, &token), Ok(()));
    let header = format!(r#"{{"alg":"RS256","kid":"rsa2048","pad":"{}"}}"#, "y".repeat(800));
    let token = s.sign(&header, &claims(""));
    assert_eq!(verify(&token), Err(Error::HeaderTooLarge { limit: 1024 }));
    let roomy = Verifier::new().with_limits(Limits::new().with_max_header_len(2048));
    assert_eq!(verify_with(&roomy, &token), Ok(()));
}

#[test]
fn row_13_deep_nesting_rejected() {
    let s = rsa2048();
    let nested = |depth: usize| claims(&format!(r#","deep":{}1{}"#, "[".repeat(depth), "]".repeat(depth)));
    // Top-level object is depth 1, so 31 arrays reach the default limit of 32 exactly.
    assert_eq!(verify(&s.token(&nested(31))), Ok(()));
    assert_eq!(
        verify(&s.token(&nested(32))),
        Err(Error::Json { segment: Segment::Payload, error: JsonError::TooDeep })
    );
    assert_eq!(
        verify(&s.token(&nested(5000))),
        Err(Error::Json { segment: Segment::Payload, error: JsonError::TooDeep })
    );
    let deeper = Verifier::new().with_max_json_depth(64);
    assert_eq!(verify_with(&deeper, &s.token(&nested(32))), Ok(()));
    let header = format!(r#"{{"alg":"RS256","kid":"rsa2048","x":{}1{}}}"#, "[".repeat(20), "]".repeat(20));
    assert_eq!(
        verify(&s.sign(&header, &claims(""))),
        Err(Error::Json { segment: Segment::Header, error: JsonError::TooDeep })
    );
}

#[test]
fn row_14_numeric_date_domain() {
    let s = rsa2048();
    let wrong_type = [r#""4102444800""#, "true", "null", "[4102444800]", r#"{"v":1}"#];
    let out_of_range = ["-1", "1.5", "4102444800.0", "1e308", "4.1e9", "9223372036854775808", "-0"];
    for (claim, name) in [(Claim::Exp, "exp"), (Claim::Nbf, "nbf"), (Claim::Iat, "iat")] {
        let others = |v: &str| {
            if name == "exp" {
                format!(r#"{{"exp":{v}}}"#)
            } else {
                format!(r#"{{"exp":{},"{name}":{v}}}"#, NOW + 900)
            }
        };
        for v in wrong_type {
            assert_eq!(verify(&s.token(&others(v))), claim_err(claim, ClaimProblem::WrongType), "{name}={v}");
        }
        for v in out_of_range {
            assert_eq!(
                verify(&s.token(&others(v))),
                claim_err(claim, ClaimProblem::OutOfRange),
                "{name}={v}"
            );
        }
    }
    // Checked arithmetic: exp + leeway overflows.
    let max = format!(r#"{{"exp":{}}}"#, i64::MAX);
    assert_eq!(verify(&s.token(&max)), claim_err(Claim::Exp, ClaimProblem::OutOfRange));
    let near = format!(r#"{{"exp":{}}}"#, i64::MAX - 60);
    assert_eq!(verify(&s.token(&near)), Ok(()));
}

#[test]
fn row_15_time_semantics_with_injected_clock() {
    let s = rsa2048();
    let v = Verifier::new();
    let keys = trusted();
    let exp = NOW;
    let t = s.token(&format!(r#"{{"exp":{exp}}}"#));
    // now >= exp + leeway is expired; the leeway is 60 s by default.
    assert!(v.verify_token(&t, &keys, exp + 59).is_ok());
    assert_eq!(v.verify_token(&t, &keys, exp + 60).map(|_| ()), claim_err(Claim::Exp, ClaimProblem::Expired));
    let strict = Verifier::new().with_leeway_secs(0);
    assert!(strict.verify_token(&t, &keys, exp - 1).is_ok());
    assert_eq!(strict.verify_token(&t, &keys, exp).map(|_| ()), claim_err(Claim::Exp, ClaimProblem::Expired));
    // nbf: valid from nbf - leeway.
    let t = s.token(&format!(r#"{{"exp":{},"nbf":{NOW}}}"#, NOW + 900));
    assert!(v.verify_token(&t, &keys, NOW - 60).is_ok());
    assert_eq!(
        v.verify_token(&t, &keys, NOW - 61).map(|_| ()),
        claim_err(Claim::Nbf, ClaimProblem::NotYetValid)
    );
    // iat: not in the future beyond the leeway.
    let t = s.token(&format!(r#"{{"exp":{},"iat":{NOW}}}"#, NOW + 900));
    assert!(v.verify_token(&t, &keys, NOW - 60).is_ok());
    assert_eq!(
        v.verify_token(&t, &keys, NOW - 61).map(|_| ()),
        claim_err(Claim::Iat, ClaimProblem::IssuedInFuture)
    );
    // exp is required.
    let t = s.token(&format!(r#"{{"iat":{NOW}}}"#));
    assert_eq!(v.verify_token(&t, &keys, NOW).map(|_| ()), claim_err(Claim::Exp, ClaimProblem::Missing));
    // The verified token reports its times.
    let t = s.token(&format!(r#"{{"exp":{},"nbf":{},"iat":{NOW}}}"#, NOW + 900, NOW - 5));
    let verified = v.verify_token(&t, &keys, NOW).unwrap();
    assert_eq!((verified.exp(), verified.nbf(), verified.iat()), (NOW + 900, Some(NOW - 5), Some(NOW)));
    // Leeway is bounded.
    assert_eq!(Verifier::new().with_leeway_secs(86_400).leeway_secs(), flex_jwt::MAX_LEEWAY_SECS);
    // Registered names are read after unescaping: an escaped `exp`, `nbf`, `iat` or `iss` counts as itself.
    let t = s.token(&format!(r#"{{"\u0065xp":{NOW}}}"#));
    assert_eq!(v.verify_token(&t, &keys, NOW + 60).map(|_| ()), claim_err(Claim::Exp, ClaimProblem::Expired));
    let t = s.token(&format!(r#"{{"exp":{},"n\u0062f":{}}}"#, NOW + 900, NOW + 600));
    assert_eq!(v.verify_token(&t, &keys, NOW).map(|_| ()), claim_err(Claim::Nbf, ClaimProblem::NotYetValid));
    let t = s.token(&format!(r#"{{"exp":{},"ia\u0074":{}}}"#, NOW + 900, NOW + 600));
    assert_eq!(
        v.verify_token(&t, &keys, NOW).map(|_| ()),
        claim_err(Claim::Iat, ClaimProblem::IssuedInFuture)
    );
    let with_iss = Verifier::new().with_issuer("flex-test");
    let t = s.token(&format!(r#"{{"exp":{},"\u0069ss":"other"}}"#, NOW + 900));
    assert_eq!(
        with_iss.verify_token(&t, &keys, NOW).map(|_| ()),
        claim_err(Claim::Iss, ClaimProblem::Mismatch)
    );
    // Longer names that start like one, or four-byte names, are not registered ones.
    let t = s.token(&format!(r#"{{"exp":{},"nbfx":{NOW},"\u0069atx":"no","ia":1}}"#, NOW + 900));
    assert!(v.verify_token(&t, &keys, NOW).is_ok());
}

#[test]
fn row_16_key_size_and_exponent_policy() {
    assert_eq!(support::public_key("rsa2041").unwrap_err(), KeyError::ModulusTooSmall { bits: 2041 });
    assert_eq!(support::public_key("rsa1024").unwrap_err(), KeyError::ModulusTooSmall { bits: 1024 });
    assert_eq!(support::public_key("rsa2048-e3").unwrap_err(), KeyError::ExponentNotAllowed);
    for ok in ["rsa2048", "rsa3072", "rsa4096"] {
        assert!(support::public_key(ok).is_ok(), "{ok}");
    }
}

#[test]
fn row_17_signature_length_and_range() {
    let s = rsa2048();
    let good = s.token(&claims(""));
    let (input, sig) = good.rsplit_once('.').unwrap();
    let sig = support::b64u_decode(sig);
    let n = support::b64u_decode(
        serde_json::from_str::<serde_json::Value>(&support::read("keys/rsa2048.pub.jwk.json")).unwrap()["n"]
            .as_str()
            .unwrap(),
    );
    let mut leading_zero = vec![0u8];
    leading_zero.extend_from_slice(&sig);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", sig[..255].to_vec()),
        ("one extra byte", leading_zero),
        ("zero", vec![0u8; 256]),
        ("one", {
            let mut one = vec![0u8; 256];
            one[255] = 1;
            one
        }),
        ("equal to n", n.clone()),
        ("all ones (> n)", vec![0xff; 256]),
        ("way too long", vec![0x01; 1100]),
    ];
    for (what, bad) in cases {
        assert_eq!(verify(&format!("{input}.{}", b64u(&bad))), Err(Error::InvalidSignature), "{what}");
    }
}

#[test]
fn row_18_pkcs1_padding_is_compared_whole() {
    let s = rsa2048();
    let good = s.token(&claims(""));
    let (input, sig) = good.rsplit_once('.').unwrap();
    let sig = support::b64u_decode(sig);
    // Any bit flip anywhere in the signature breaks the encoded message; ring compares the whole EM.
    for i in [0usize, 1, 2, 100, 200, 254, 255] {
        let mut bad = sig.clone();
        bad[i] ^= 0x01;
        assert_eq!(verify(&format!("{input}.{}", b64u(&bad))), Err(Error::InvalidSignature), "byte {i}");
    }
    // A valid PKCS#1 v1.5 signature with a different DigestInfo (SHA-512) over the same input.
    let (h, p) = input.split_once('.').unwrap();
    let other_hash = s.sign_segments(Algorithm::Rs512, h, p);
    assert_eq!(verify(&other_hash), Err(Error::InvalidSignature));
    // The Wycheproof RSA suites (tests/wycheproof_rsa.rs) and JWS suite (tests/wycheproof_jws.rs) cover the
    // ASN.1/BER padding mutations case by case.
}

#[test]
fn row_19_key_import_is_validated() {
    let n = support::b64u_decode(
        serde_json::from_str::<serde_json::Value>(&support::read("keys/rsa2048.pub.jwk.json")).unwrap()["n"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(
        RsaPublicKey::from_components(&n, &[1], ExponentPolicy::AnyOdd),
        Err(KeyError::ExponentNotAllowed)
    );
    assert_eq!(
        RsaPublicKey::from_components(&n, &[1, 0, 0], ExponentPolicy::AnyOdd),
        Err(KeyError::ExponentNotAllowed)
    );
    assert_eq!(
        RsaPublicKey::from_components(&[0x0b], &[1, 0, 1], ExponentPolicy::F4Only),
        Err(KeyError::ModulusTooSmall { bits: 4 })
    );
    // Leading zeros are stripped and the size is counted bit-exactly.
    let mut padded = vec![0u8; 3];
    padded.extend_from_slice(&n);
    let key = RsaPublicKey::from_components(&padded, &[0, 1, 0, 1], ExponentPolicy::F4Only).unwrap();
    assert_eq!((key.bits(), key.modulus(), key.exponent()), (2048, n.as_slice(), &[1u8, 0, 1][..]));
    // A key set refuses a duplicate kid.
    let mut set = flex_jwt::KeySet::new();
    set.insert(rsa2048().public_key()).unwrap();
    assert_eq!(set.insert(rsa2048().public_key()), Err(KeyError::DuplicateKid));
}

#[test]
fn row_20_cross_token_confusion_typ_and_iss() {
    let s = rsa2048();
    let jwt_typed = Verifier::new().with_type("JWT");
    let t = s.sign(r#"{"alg":"RS256","kid":"rsa2048","typ":"at+jwt"}"#, &claims(""));
    assert_eq!(verify_with(&jwt_typed, &t), Err(Error::TypeMismatch));
    assert_eq!(verify_with(&jwt_typed, &s.token(&claims(""))), Err(Error::TypeMismatch));
    let t = s.sign(r#"{"alg":"RS256","kid":"rsa2048","typ":"application/jwt"}"#, &claims(""));
    assert_eq!(verify_with(&jwt_typed, &t), Ok(()));
    let issuer = Verifier::new().with_issuer("flex-test");
    assert_eq!(verify_with(&issuer, &s.token(&claims(""))), Ok(()));
    let other = Verifier::new().with_issuer("Flex API");
    assert_eq!(verify_with(&other, &s.token(&claims(""))), claim_err(Claim::Iss, ClaimProblem::Mismatch));
    let t = s.token(&format!(r#"{{"exp":{}}}"#, NOW + 900));
    assert_eq!(verify_with(&issuer, &t), claim_err(Claim::Iss, ClaimProblem::Missing));
    let t = s.token(&format!(r#"{{"exp":{},"iss":7}}"#, NOW + 900));
    assert_eq!(verify_with(&issuer, &t), claim_err(Claim::Iss, ClaimProblem::WrongType));
    let t = s.token(&format!(r#"{{"exp":{},"iss":"flex\u002dtest"}}"#, NOW + 900));
    assert_eq!(verify_with(&issuer, &t), Ok(()), "compared after unescaping");
}

#[test]
fn row_21_utf8_nul_and_surrogates_rejected() {
    let s = rsa2048();
    let bad_header = s.sign_bytes(
        Algorithm::Rs256,
        b"{\"alg\":\"RS256\",\"kid\":\"rsa2048\",\"x\":\"\xff\"}",
        claims("").as_bytes(),
    );
    assert_eq!(verify(&bad_header), Err(Error::Utf8(Segment::Header)));
    let bad_payload =
        s.sign_bytes(Algorithm::Rs256, s.header().as_bytes(), b"{\"exp\":4102444800,\"x\":\"\xc3\x28\"}");
    assert_eq!(verify(&bad_payload), Err(Error::Utf8(Segment::Payload)));
    for extra in [r#","x":"\u0000""#, r#","x":"\ud800""#, r#","x":"\udc00\ud800""#] {
        assert_eq!(
            verify(&s.token(&claims(extra))),
            Err(Error::Json { segment: Segment::Payload, error: JsonError::InvalidString }),
            "{extra}"
        );
    }
    let nul_kid = s.sign(r#"{"alg":"RS256","kid":"a\u0000b"}"#, &claims(""));
    assert_eq!(
        verify(&nul_kid),
        Err(Error::Json { segment: Segment::Header, error: JsonError::InvalidString })
    );
    // A valid surrogate pair is fine.
    assert_eq!(verify(&s.token(&claims(r#","x":"\ud83d\ude00""#))), Ok(()));
}

#[test]
fn row_22_no_panic_and_no_echo_in_errors() {
    let s = rsa2048();
    let good = s.token(&claims(r#","secret":"4111111111111111""#));
    let mut inputs: Vec<String> = vec![good.clone(), good.replace('.', ""), format!("{good}.{good}")];
    for cut in (0..good.len()).step_by(7) {
        inputs.push(good[..cut].to_owned());
        inputs.push(good[cut..].to_owned());
    }
    let (_, sig) = good.rsplit_once('.').unwrap();
    for input in &inputs {
        for result in [
            verify(input),
            Jwt::parse(input).map(|_| ()),
            flex_jwt::dangerous::insecure_decode(input).map(|_| ()),
        ] {
            if let Err(e) = result {
                let shown = format!("{e} {e:?}");
                for needle in [&sig[..16], "4111111111111111", "eyJ", "flex-test"] {
                    assert!(!shown.contains(needle), "{shown}");
                }
            }
        }
    }
    // Shape errors carry a position, never serde's message (which quotes values).
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Wants {
        secret: u64,
    }
    let v = Verifier::new();
    let keys = trusted();
    let verified = v.verify_token(&good, &keys, NOW).unwrap();
    let err = verified.claims::<Wants>().unwrap_err();
    assert!(matches!(err, Error::ClaimsShape { line: 1, .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("4111"));
    assert!(!format!("{verified:?}").contains("4111"));
}
