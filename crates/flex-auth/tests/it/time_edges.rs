//! The time rules of both schemes over the whole `i64` range (and JSON number edges), against an `i128`
//! oracle; and the bound on `jti`.
//!
//! JWT rule: `0 <= iat < exp <= iat + max_lifetime`, `now <= exp + skew`, `iat <= now + skew`;
//! `acceptable_until = exp + skew`. HTTP Signature rule: `|date - now| <= skew`; `acceptable_until = date + skew`.

use std::time::Duration;

use base64ct::{Base64, Base64UrlUnpadded, Encoding as _};
use flex_auth::{
    AuthScheme, KeyStore, MAX_JTI_LEN, RegisteredKey, RsaPublicKey, SignableRequest, SigningParams, UnixTime,
    Verifier, VerifierConfig, VerifyError, VerifyingKey, sign,
};
use proptest::prelude::*;

use crate::*;

/// The last second an IMF-fixdate can express (9999-12-31T23:59:59Z), the largest `UnixTime`.
const MAX_UNIX_TIME: i64 = 253_402_300_799;
const RSA_KID: &str = "7012345678901234567890";
const UUID_JTI: &str = "00000000-0000-4000-8000-000000000000";

/// The claims of the JWT vector, with `iat`, `exp` and `jti` as raw JSON text.
fn payload(iat: &str, exp: &str, jti: &str) -> String {
    let digest = vector_claims()["digest"].as_str().unwrap().to_owned();
    format!(
        r#"{{"digest":"{digest}","digest-algorithm":"SHA-256","iat":{iat},"exp":{exp},"request-host":"{HOST}","request-resource-path":"{PATH}","request-method":"post","iss":"{MID}","jti":"{jti}","v-c-jwt-version":"2","v-c-merchant-id":"{MID}"}}"#
    )
}

fn verify_bearer(
    v: &Verifier<KeyStore>,
    token: &str,
    now: i64,
) -> Result<flex_auth::Authenticated, VerifyError> {
    let h = [("Authorization", format!("Bearer {token}"))];
    let h: Vec<(&str, &str)> = h.iter().map(|(n, v)| (*n, v.as_str())).collect();
    v.verify(&received("POST", PATH, &h, BODY.as_bytes()), t(now))
}

fn hs256(iat: &str, exp: &str) -> String {
    hs256_token(HS256_HEADER, &payload(iat, exp, UUID_JTI), SECRET)
}

/// An RS256 token over `payload_json`, signed with ring directly (independent of the crate's signer).
fn rs256(payload_json: &str) -> String {
    let pem = std::fs::read_to_string(shared("keys/rsa2048.pk8.pem")).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let pair = ring::signature::RsaKeyPair::from_pkcs8(&Base64::decode_vec(&body).unwrap()).unwrap();
    let header = format!(r#"{{"alg":"RS256","kid":"{RSA_KID}"}}"#);
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.as_bytes()),
        Base64UrlUnpadded::encode_string(payload_json.as_bytes())
    );
    let mut sig = vec![0u8; pair.public().modulus_len()];
    pair.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .unwrap();
    format!("{input}.{}", Base64UrlUnpadded::encode_string(&sig))
}

fn rsa_verifier() -> Verifier<KeyStore> {
    let der = std::fs::read(shared("keys/rsa2048.pkcs1.der")).unwrap();
    let public = RsaPublicKey::from_pkcs1_der(&der).unwrap();
    let mut keys = KeyStore::new();
    keys.insert(RSA_KID, RegisteredKey::new(MID, VerifyingKey::Rsa(public)).unwrap()).unwrap();
    Verifier::new(keys, VerifierConfig::default())
}

fn verifier_with(skew: Duration, lifetime: Duration) -> Verifier<KeyStore> {
    Verifier::new(
        store(),
        VerifierConfig { max_skew: skew, max_jwt_lifetime: lifetime, ..Default::default() },
    )
}

/// The JWT time rule, stated once in `i128`: the verdict and `acceptable_until`.
fn jwt_oracle(iat: i64, exp: i64, now: i64, skew: Duration, lifetime: Duration) -> Result<i64, VerifyError> {
    let (iat, exp, now) = (i128::from(iat), i128::from(exp), i128::from(now));
    let (skew, lifetime) = (i128::from(skew.as_secs()), i128::from(lifetime.as_secs()));
    if iat < 0 {
        return Err(VerifyError::TokenTimeOutOfRange);
    }
    if exp <= iat || exp - iat > lifetime {
        return Err(VerifyError::TokenLifetimeInvalid);
    }
    if now > exp + skew {
        return Err(VerifyError::TokenExpired);
    }
    if iat > now + skew {
        return Err(VerifyError::TokenIssuedInFuture);
    }
    i64::try_from(exp + skew).map_err(|_| VerifyError::TokenTimeOutOfRange)
}

/// What the claims' JSON number reader makes of a NumericDate text: an `i64` integer literal (no fraction, no
/// exponent, not `-0`), or a malformed token.
fn json_integer(text: &str) -> Result<i64, VerifyError> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && text != "-0";
    if !canonical {
        return Err(VerifyError::MalformedToken);
    }
    text.parse::<i64>().map_err(|_| VerifyError::MalformedToken)
}

const EDGES: [i64; 7] = [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX];

/// A NumericDate anywhere in `i64`: at random, at an edge, or near `anchor` (so that the boundaries of the
/// rule are hit, not only the far ends).
fn time_near(anchor: i64) -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        prop::sample::select(EDGES.to_vec()),
        (-1_000i64..=1_000).prop_map(move |d| anchor.saturating_add(d)),
        prop::sample::select(vec![-301i64, -300, -299, -1, 0, 1, 299, 300, 301])
            .prop_map(move |d| anchor.saturating_add(d)),
    ]
}

fn config_secs() -> impl Strategy<Value = Duration> {
    prop_oneof![
        4 => prop::sample::select(vec![0u64, 1, 120, 300, 900]).prop_map(Duration::from_secs),
        1 => prop::sample::select(vec![u64::MAX, i64::MAX as u64, (i64::MAX as u64) / 2]).prop_map(Duration::from_secs),
    ]
}

fn now_secs() -> impl Strategy<Value = i64> {
    prop_oneof![0i64..=MAX_UNIX_TIME, prop::sample::select(vec![0, 1, NOW, MAX_UNIX_TIME - 1, MAX_UNIX_TIME])]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// iat, exp and now over their whole ranges through the request verifier (HS256), against the oracle.
    #[test]
    fn jwt_auth_times_follow_the_i128_rule(
        (now, iat, exp) in now_secs().prop_flat_map(|now| {
            time_near(now).prop_flat_map(move |iat| (Just(now), Just(iat), time_near(iat.saturating_add(150))))
        }),
        skew in config_secs(),
        lifetime in config_secs(),
    ) {
        let v = verifier_with(skew, lifetime);
        let got = verify_bearer(&v, &hs256(&iat.to_string(), &exp.to_string()), now);
        let want = jwt_oracle(iat, exp, now, skew, lifetime);
        prop_assert_eq!(got.as_ref().map(|who| who.acceptable_until).map_err(|e| *e), want);
        if let Ok(who) = got {
            // What acceptance implies, stated independently of the oracle's order of checks.
            let (iat, exp, now) = (i128::from(iat), i128::from(exp), i128::from(now));
            let (skew, lifetime) = (i128::from(skew.as_secs()), i128::from(lifetime.as_secs()));
            prop_assert!(iat >= 0 && exp > iat && exp - iat <= lifetime);
            prop_assert!(iat >= now - (lifetime + skew) && iat <= now + skew && now <= exp + skew);
            prop_assert_eq!(i128::from(who.acceptable_until), exp + skew);
        }
    }

    /// NumericDate texts (integers beyond i64, `-0`, exponents, fractions) through the request verifier.
    #[test]
    fn jwt_auth_numeric_date_texts_follow_the_json_rule(
        iat_text in numeric_text(NOW),
        exp_text in numeric_text(NOW + 120),
        now in prop::sample::select(vec![NOW, NOW + 120, NOW + 420, NOW + 421]),
    ) {
        let got = verify_bearer(&verifier(), &hs256(&iat_text, &exp_text), now).map(|who| who.acceptable_until);
        let want = json_integer(&iat_text).and_then(|iat| {
            json_integer(&exp_text).and_then(|exp| {
                jwt_oracle(iat, exp, now, Duration::from_secs(300), Duration::from_secs(300))
            })
        });
        prop_assert_eq!(got, want);
    }

    /// The HTTP Signature `Date` window over the whole `UnixTime` range, against the oracle.
    #[test]
    fn http_signature_date_window_follows_the_i128_rule(
        (date, now) in now_secs().prop_flat_map(|date| {
            let near = prop::sample::select(vec![-301i64, -300, -299, 0, 299, 300, 301])
                .prop_map(move |d| (date + d).clamp(0, MAX_UNIX_TIME));
            (Just(date), prop_oneof![now_secs(), near])
        }),
        skew in config_secs(),
    ) {
        let req = SignableRequest::new("POST", HOST, PATH, BODY.as_bytes()).unwrap();
        let signed = sign(&req, &creds(), &SigningParams::http_signature(t(date))).unwrap();
        let h: Vec<(&str, &str)> = signed.headers().collect();
        let v = verifier_with(skew, Duration::from_secs(300));
        let got = v.verify(&received("POST", PATH, &h, BODY.as_bytes()), t(now)).map(|who| who.acceptable_until);
        let skew = i128::from(skew.as_secs());
        let want = if (i128::from(date) - i128::from(now)).abs() > skew {
            Err(VerifyError::DateOutsideWindow)
        } else {
            i64::try_from(i128::from(date) + skew).map_err(|_| VerifyError::DateOutsideWindow)
        };
        prop_assert_eq!(got, want);
    }

    /// Any `jti` text: accepted exactly when it is 1..=128 bytes of the conservative charset.
    #[test]
    fn jwt_auth_jti_follows_the_charset_and_length_rule(jti in jti_text()) {
        let token = hs256_token(HS256_HEADER, &payload(&NOW.to_string(), &(NOW + 120).to_string(), &jti), SECRET);
        let got = verify_bearer(&verifier(), &token, NOW);
        let acceptable = !jti.is_empty()
            && jti.len() <= 128
            && jti.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~:".contains(&b));
        if acceptable {
            prop_assert_eq!(got.map(|who| who.jti), Ok(Some(jti)));
        } else {
            prop_assert_eq!(got, Err(VerifyError::InvalidJti));
        }
    }
}

/// NumericDate texts: the JSON number edges, and plausible values written several ways.
fn numeric_text(anchor: i64) -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "18446744073709551616",
            "1e3",
            "1E3",
            "1.0",
            "-0",
            "0",
            "-1",
            "1563409083.0",
            "1.563409083e9",
            "1563409083e0",
        ])
        .prop_map(str::to_owned),
        (-400i64..=400).prop_map(move |d| (anchor + d).to_string()),
        (-400i64..=400).prop_map(move |d| format!("{}.0", anchor + d)),
        (-400i64..=400).prop_map(move |d| format!("{}e0", anchor + d)),
    ]
}

/// `jti` candidates that stay valid inside a JSON string without escaping (no `"`, `\` or controls).
fn jti_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9._~:-]{0,140}",
        "[A-Za-z0-9._~:-]{120,130}",
        "[A-Za-z0-9 !#$%&'()*+,/;<=>?@\\[\\]^`{|}._~:-]{1,40}",
        "[a-z0-9-]{0,10}[é€😀][a-z0-9-]{0,10}",
    ]
}

#[test]
fn jwt_auth_token_with_wrapping_lifetime_is_refused() {
    // exp - iat wraps to a small (or negative) number in two's complement; each must be refused.
    for (iat, exp, want) in [
        (-1, i64::MAX, VerifyError::TokenTimeOutOfRange),
        (i64::MIN, NOW, VerifyError::TokenTimeOutOfRange),
        (i64::MIN, i64::MAX, VerifyError::TokenTimeOutOfRange),
        (i64::MIN, i64::MIN + 100, VerifyError::TokenTimeOutOfRange),
        (-300, 0, VerifyError::TokenTimeOutOfRange),
        (NOW, i64::MAX, VerifyError::TokenLifetimeInvalid),
        (0, i64::MAX, VerifyError::TokenLifetimeInvalid),
        (i64::MAX, i64::MIN, VerifyError::TokenLifetimeInvalid),
        (i64::MAX - 10, i64::MAX, VerifyError::TokenIssuedInFuture),
    ] {
        let got = verify_bearer(&verifier(), &hs256(&iat.to_string(), &exp.to_string()), NOW);
        assert_eq!(got.unwrap_err(), want, "HS256 iat={iat} exp={exp}");
    }
    // The same through RS256, where the claims come from a different key path.
    let v = rsa_verifier();
    for (iat, exp) in [(-1, i64::MAX), (i64::MIN, NOW + 60)] {
        let got = verify_bearer(&v, &rs256(&payload(&iat.to_string(), &exp.to_string(), UUID_JTI)), NOW);
        assert_eq!(got.unwrap_err(), VerifyError::TokenTimeOutOfRange, "RS256 iat={iat} exp={exp}");
    }
    let got = verify_bearer(&v, &rs256(&payload(&NOW.to_string(), &i64::MAX.to_string(), UUID_JTI)), NOW);
    assert_eq!(got.unwrap_err(), VerifyError::TokenLifetimeInvalid);
    let who = verify_bearer(&v, &rs256(&payload(&NOW.to_string(), &(NOW + 120).to_string(), UUID_JTI)), NOW)
        .unwrap();
    assert_eq!((who.scheme, who.acceptable_until), (AuthScheme::JwtRs256, NOW + 120 + 300));
}

#[test]
fn jwt_auth_token_older_than_lifetime_plus_skew_is_refused() {
    // Issued 300 + 300 s before now, with the longest lifetime: the last acceptable second, then one past it.
    let (iat, exp) = (NOW - 600, NOW - 300);
    let token = hs256(&iat.to_string(), &exp.to_string());
    assert_eq!(verify_bearer(&verifier(), &token, NOW).map(|who| who.acceptable_until), Ok(NOW));
    assert_eq!(verify_bearer(&verifier(), &token, NOW + 1).unwrap_err(), VerifyError::TokenExpired);
    // Issued in the future: the skew, then one second past it.
    let token = hs256(&(NOW + 300).to_string(), &(NOW + 420).to_string());
    assert!(verify_bearer(&verifier(), &token, NOW).is_ok());
    assert_eq!(verify_bearer(&verifier(), &token, NOW - 1).unwrap_err(), VerifyError::TokenIssuedInFuture);
}

#[test]
fn jwt_auth_acceptable_until_never_wraps_with_an_extreme_skew() {
    let token = hs256(&NOW.to_string(), &(NOW + 120).to_string());
    // exp + u64::MAX seconds is beyond i64: refused with a typed error instead of a wrapped or saturated value.
    let huge = verifier_with(Duration::from_secs(u64::MAX), Duration::from_secs(300));
    assert_eq!(verify_bearer(&huge, &token, NOW).unwrap_err(), VerifyError::TokenTimeOutOfRange);
    let h = http_signature_headers(NOW);
    let h: Vec<(&str, &str)> = h.iter().map(|(n, v)| (*n, v.as_str())).collect();
    assert_eq!(
        huge.verify(&received("POST", PATH, &h, BODY.as_bytes()), t(NOW)).unwrap_err(),
        VerifyError::DateOutsideWindow
    );
    // The largest skew that still fits: exp + skew == i64::MAX exactly.
    let fits = u64::try_from(i64::MAX - (NOW + 120)).unwrap();
    let edge = verifier_with(Duration::from_secs(fits), Duration::from_secs(300));
    assert_eq!(verify_bearer(&edge, &token, NOW).map(|who| who.acceptable_until), Ok(i64::MAX));
}

fn http_signature_headers(date: i64) -> Vec<(&'static str, String)> {
    let req = SignableRequest::new("POST", HOST, PATH, BODY.as_bytes()).unwrap();
    sign(&req, &creds(), &SigningParams::http_signature(t(date)))
        .unwrap()
        .headers()
        .map(|(n, v)| (n, v.to_owned()))
        .collect()
}

#[test]
fn jwt_auth_numeric_date_json_edges() {
    let check = |iat: &str, exp: &str, want: Result<i64, VerifyError>| {
        let got = verify_bearer(&verifier(), &hs256(iat, exp), NOW).map(|who| who.acceptable_until);
        assert_eq!(got, want, "iat={iat} exp={exp}");
    };
    let iat = NOW.to_string();
    check(&iat, "9223372036854775807", Err(VerifyError::TokenLifetimeInvalid));
    check(&iat, "9223372036854775808", Err(VerifyError::MalformedToken));
    check("-9223372036854775808", &iat, Err(VerifyError::TokenTimeOutOfRange));
    check("-9223372036854775809", &iat, Err(VerifyError::MalformedToken));
    check("1e3", &iat, Err(VerifyError::MalformedToken));
    check("1.0", &iat, Err(VerifyError::MalformedToken));
    check("-0", &iat, Err(VerifyError::MalformedToken));
    check(&iat, &format!("{}.0", NOW + 120), Err(VerifyError::MalformedToken));
    check(&iat, &format!("{}e0", NOW + 120), Err(VerifyError::MalformedToken));
    check(&iat, &(NOW + 120).to_string(), Ok(NOW + 420));
}

#[test]
fn jwt_auth_jti_longer_than_128_bytes_is_refused() {
    let token = |jti: &str| {
        hs256_token(HS256_HEADER, &payload(&NOW.to_string(), &(NOW + 120).to_string(), jti), SECRET)
    };
    let longest = "a".repeat(MAX_JTI_LEN);
    assert_eq!(verify_bearer(&verifier(), &token(&longest), NOW).unwrap().jti, Some(longest.clone()));
    let too_long = format!("{longest}a");
    assert_eq!(verify_bearer(&verifier(), &token(&too_long), NOW).unwrap_err(), VerifyError::InvalidJti);
    // Up to the whole token's 8 KiB cap, a jti is refused for its length, not as a malformed token.
    assert_eq!(
        verify_bearer(&verifier(), &token(&"x".repeat(5000)), NOW).unwrap_err(),
        VerifyError::InvalidJti
    );
    // Beyond it, the token itself is refused before its signature is checked.
    assert_eq!(
        verify_bearer(&verifier(), &token(&"x".repeat(1 << 16)), NOW).unwrap_err(),
        VerifyError::MalformedToken
    );
}

#[test]
fn jwt_auth_jti_outside_the_charset_is_refused() {
    let token = |jti: &str| {
        hs256_token(HS256_HEADER, &payload(&NOW.to_string(), &(NOW + 120).to_string(), jti), SECRET)
    };
    // What the official SDKs send (a UUID), and other ordinary shapes.
    for ok in [UUID_JTI, "urn:uuid:00000000-0000-4000-8000-000000000000", "a1dOnVwdFJQCI8e4", "a.b_c~d"] {
        assert_eq!(verify_bearer(&verifier(), &token(ok), NOW).unwrap().jti.as_deref(), Some(ok), "{ok}");
    }
    for bad in ["", " ", "a b", "a/b", "a\\nb", "caf\\u00e9", "ä", "a,b", "a;b", "a%20b"] {
        assert_eq!(
            verify_bearer(&verifier(), &token(bad), NOW).unwrap_err(),
            VerifyError::InvalidJti,
            "{bad}"
        );
    }
    // An escaped NUL never reaches the jti check: the strict JSON reader refuses it in any string.
    assert_eq!(
        verify_bearer(&verifier(), &token("a\\u0000b"), NOW).unwrap_err(),
        VerifyError::MalformedToken
    );
}

#[test]
fn authenticated_key_id_is_bounded_whatever_the_lookup_accepts() {
    use std::sync::Arc;
    // A lookup that would answer for any key id: the verifier still refuses ids no KeyStore could hold.
    let key = Arc::new(RegisteredKey::new(MID, VerifyingKey::SharedSecret(secret())).unwrap());
    let any = move |_: &str| Some(Arc::clone(&key));
    let v = Verifier::new(any, VerifierConfig::default());
    let long_kid = "k".repeat(257);
    let header = format!(r#"{{"typ":"JWT","alg":"HS256","kid":"{long_kid}"}}"#);
    let token = hs256_token(&header, &payload(&NOW.to_string(), &(NOW + 120).to_string(), UUID_JTI), SECRET);
    let h = [("Authorization", format!("Bearer {token}"))];
    let h: Vec<(&str, &str)> = h.iter().map(|(n, v)| (*n, v.as_str())).collect();
    assert_eq!(
        v.verify(&received("POST", PATH, &h, BODY.as_bytes()), t(NOW)).unwrap_err(),
        VerifyError::UnknownKeyId
    );
    let header = format!(r#"{{"typ":"JWT","alg":"HS256","kid":"{}"}}"#, "k".repeat(256));
    let token = hs256_token(&header, &payload(&NOW.to_string(), &(NOW + 120).to_string(), UUID_JTI), SECRET);
    let h = [("Authorization", format!("Bearer {token}"))];
    let h: Vec<(&str, &str)> = h.iter().map(|(n, v)| (*n, v.as_str())).collect();
    assert_eq!(v.verify(&received("POST", PATH, &h, BODY.as_bytes()), t(NOW)).unwrap().key_id.len(), 256);
}

#[test]
fn unix_time_bounds_the_now_the_verifier_sees() {
    // `now` is a `UnixTime`, so the verifier never sees a negative or post-9999 now.
    assert!(UnixTime::from_secs(-1).is_none());
    assert!(UnixTime::from_secs(MAX_UNIX_TIME + 1).is_none());
    assert_eq!(UnixTime::from_secs(MAX_UNIX_TIME).map(UnixTime::as_secs), Some(MAX_UNIX_TIME));
}
