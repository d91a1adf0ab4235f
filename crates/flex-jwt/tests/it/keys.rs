//! Key import: the test keys in every format, the Flex capture-context key opt-in, RFC keys, key sets, and
//! malformed DER / PEM / JWK inputs, each with its specific error. Proptest: no importer panics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use flex_jwt::{
    Algorithm, Error, ExponentPolicy, InvalidKid, JsonError, KeyError, KeyOptions, KeySet, KeyUse,
    MAX_KEY_SET_LEN, RsaPublicKey,
};
use proptest::prelude::*;
use serde_json::{Value, json};

fn read(path: &str) -> Vec<u8> {
    flex_testkit::read(path)
}

fn read_str(path: &str) -> String {
    flex_testkit::read_to_string(path)
}

/// A DER TLV, written here independently of the library's encoder.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend([0x81, len as u8]);
    } else {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(content);
    out
}

const RSA_OID: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

fn spki_with(oid: &[u8], params: &[u8], unused_bits: u8, pkcs1: &[u8]) -> Vec<u8> {
    let mut alg = tlv(0x06, oid);
    alg.extend_from_slice(params);
    let mut bits = vec![unused_bits];
    bits.extend_from_slice(pkcs1);
    let mut body = tlv(0x30, &alg);
    body.extend(tlv(0x03, &bits));
    tlv(0x30, &body)
}

fn spki(pkcs1: &[u8]) -> Vec<u8> {
    spki_with(&RSA_OID, &[0x05, 0x00], 0, pkcs1)
}

fn pkcs1(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut body = tlv(0x02, n);
    body.extend(tlv(0x02, e));
    tlv(0x30, &body)
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = Base64::encode_string(der);
    let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

fn signing_input_and_signature(jwt: &str) -> (String, Vec<u8>) {
    let (input, sig) = jwt.trim().rsplit_once('.').unwrap();
    (input.to_owned(), Base64UrlUnpadded::decode_vec(sig).unwrap())
}

/// Every format of one test key, imported with `policy`.
fn import_all(name: &str, policy: ExponentPolicy) -> Vec<(&'static str, Result<RsaPublicKey, KeyError>)> {
    let jwk = read_str(&format!("keys/{name}.pub.jwk.json"));
    let der = read(&format!("keys/{name}.pkcs1.der"));
    let options = KeyOptions::new().with_exponent_policy(policy);
    vec![
        ("jwk", RsaPublicKey::from_jwk_with(&jwk, &options)),
        ("pkcs1 der", RsaPublicKey::from_pkcs1_der_with(&der, policy)),
        ("pkcs1 pem", RsaPublicKey::from_pem_with(&pem("RSA PUBLIC KEY", &der), policy)),
        ("spki der", RsaPublicKey::from_spki_der_with(&spki(&der), policy)),
        ("spki pem", RsaPublicKey::from_pem_with(&pem("PUBLIC KEY", &spki(&der)), policy)),
    ]
}

fn assert_same_numbers(keys: &[(&str, Result<RsaPublicKey, KeyError>)]) -> RsaPublicKey {
    let first = keys[0].1.clone().unwrap();
    for (format, key) in keys {
        let key = key.as_ref().unwrap();
        assert_eq!(
            (key.modulus(), key.exponent(), key.bits()),
            (first.modulus(), first.exponent(), first.bits()),
            "{format}"
        );
    }
    first
}

#[test]
fn test_keys_import_in_every_format_with_exact_bits() {
    for (name, bits) in [("rsa2048", 2048), ("rsa3072", 3072), ("rsa4096", 4096)] {
        let all = import_all(name, ExponentPolicy::F4Only);
        let key = assert_same_numbers(&all);
        assert_eq!(key.bits(), bits);
        assert_eq!(key.exponent(), [1, 0, 1]);
        assert_eq!(key.kid().unwrap().as_str(), name);
        assert_eq!(key.usage(), KeyUse::Signature);
        assert_eq!(key.algorithm(), None);

        // Exports are bit-exact and re-import to the same key.
        let der = read(&format!("keys/{name}.pkcs1.der"));
        assert_eq!(key.to_pkcs1_der(), der);
        assert_eq!(key.to_spki_der(), spki(&der));
        assert_eq!(RsaPublicKey::from_jwk(&key.to_jwk_json()).unwrap(), key);
        assert_eq!(key.to_pem(), pem("PUBLIC KEY", &spki(&der)));
        let from_pem = RsaPublicKey::from_pem(&key.to_pem()).unwrap();
        assert_eq!(from_pem.modulus(), key.modulus());

        // The sample token was signed by this key.
        let (input, sig) = signing_input_and_signature(&read_str(&format!("keys/{name}.sample.jwt")));
        assert_eq!(key.verify_pkcs1(Algorithm::Rs256, input.as_bytes(), &sig), Ok(()));
        let mut bad = sig.clone();
        bad[10] ^= 1;
        assert_eq!(key.verify_pkcs1(Algorithm::Rs256, input.as_bytes(), &bad), Err(Error::InvalidSignature));
    }
}

#[test]
fn small_keys_are_refused_bit_exactly_in_every_format() {
    for (name, bits) in [("rsa2041", 2041), ("rsa1024", 1024)] {
        for policy in [ExponentPolicy::F4Only, ExponentPolicy::AnyOdd] {
            for (format, key) in import_all(name, policy) {
                assert_eq!(key, Err(KeyError::ModulusTooSmall { bits }), "{name} {format}");
            }
        }
    }
}

#[test]
fn a_2041_bit_key_passes_ring_but_not_us() {
    // The 2041-bit modulus takes 256 bytes, and ring sizes keys in whole bytes: ring alone verifies the
    // sample token. This is the gap the bit-exact check closes. (ring is called directly only here, as an
    // oracle; library code calls it only from src/crypto.rs.)
    let der = read("keys/rsa2041.pkcs1.der");
    let jwk: Value = serde_json::from_str(&read_str("keys/rsa2041.pub.jwk.json")).unwrap();
    let n = Base64UrlUnpadded::decode_vec(jwk["n"].as_str().unwrap()).unwrap();
    assert_eq!(n.len(), 256);
    let (input, sig) = signing_input_and_signature(&read_str("keys/rsa2041.sample.jwt"));
    let ring_key = ring::signature::RsaPublicKeyComponents { n: &n[..], e: &[1u8, 0, 1][..] };
    assert!(ring_key.verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &sig).is_ok());
    assert_eq!(RsaPublicKey::from_pkcs1_der(&der), Err(KeyError::ModulusTooSmall { bits: 2041 }));
}

#[test]
fn exponent_three_needs_the_opt_in() {
    for (format, key) in import_all("rsa2048-e3", ExponentPolicy::F4Only) {
        assert_eq!(key, Err(KeyError::ExponentNotAllowed), "{format}");
    }
    let all = import_all("rsa2048-e3", ExponentPolicy::AnyOdd);
    let key = assert_same_numbers(&all);
    assert_eq!((key.bits(), key.exponent()), (2048, &[3u8][..]));
    let (input, sig) = signing_input_and_signature(&read_str("keys/rsa2048-e3.sample.jwt"));
    assert_eq!(key.verify_pkcs1(Algorithm::Rs256, input.as_bytes(), &sig), Ok(()));
    assert_eq!(key.to_pkcs1_der(), read("keys/rsa2048-e3.pkcs1.der"));
}

fn flex_jwk_json() -> String {
    let payload: Value =
        serde_json::from_str(&read_str("capture-context/flex-docs-sn.payload.json")).unwrap();
    payload["flx"]["jwk"].to_string()
}

fn with_member(json: &str, name: &str, value: Value) -> String {
    let mut v: Value = serde_json::from_str(json).unwrap();
    if value.is_null() {
        v.as_object_mut().unwrap().remove(name);
    } else {
        v[name] = value;
    }
    v.to_string()
}

#[test]
fn flex_capture_context_key_is_a_named_opt_in() {
    let json = flex_jwk_json();
    // The ordinary importer applies RFC 7517: an "enc" key is not a verification key.
    assert_eq!(RsaPublicKey::from_jwk(&json), Err(KeyError::WrongUse));

    let key = RsaPublicKey::from_flex_capture_context_jwk_json(&json).unwrap();
    assert_eq!(key.usage(), KeyUse::FlexTransientTokenSigning);
    assert_eq!(key.kid().unwrap().as_str(), "00SvIaGIfyaw897rDeG9eFdODKaCKc1q");
    assert_eq!(key.bits(), 2048);

    // The typed flex-types JWK gives the same key.
    let typed: flex_types::RsaJwk<'_> = serde_json::from_str(&json).unwrap();
    assert_eq!(RsaPublicKey::from_flex_capture_context_jwk(&typed).unwrap(), key);

    // Export keeps "use":"enc", so only the opt-in re-imports it.
    let exported = key.to_jwk_json();
    assert!(exported.contains(r#""use":"enc""#), "{exported}");
    assert_eq!(RsaPublicKey::from_flex_capture_context_jwk_json(&exported).unwrap(), key);
    assert_eq!(RsaPublicKey::from_jwk(&exported), Err(KeyError::WrongUse));

    // `use` absent is accepted too; every other rule still applies.
    let cases = [
        ("use", json!(null), Ok(())),
        ("use", json!("sig"), Err(KeyError::WrongUse)),
        ("use", json!("ENC"), Err(KeyError::WrongUse)),
        ("kid", json!(null), Err(KeyError::MissingKid)),
        ("kid", json!("a/b"), Err(KeyError::InvalidKid(InvalidKid::Charset))),
        ("kty", json!("EC"), Err(KeyError::NotRsa)),
        ("d", json!("AQAB"), Err(KeyError::PrivateMembers)),
        ("alg", json!("RSA-OAEP"), Err(KeyError::WrongAlgorithm)),
        ("key_ops", json!(["encrypt"]), Err(KeyError::WrongKeyOps)),
        ("e", json!("Aw"), Err(KeyError::ExponentNotAllowed)),
    ];
    for (member, value, want) in cases {
        let changed = with_member(&json, member, value.clone());
        let got = RsaPublicKey::from_flex_capture_context_jwk_json(&changed).map(|_| ());
        assert_eq!(got, want, "{member}: {value}");
        let typed: flex_types::RsaJwk<'_> = serde_json::from_str(&changed).unwrap();
        assert_eq!(
            RsaPublicKey::from_flex_capture_context_jwk(&typed).map(|_| ()),
            want,
            "typed {member}: {value}"
        );
    }
}

#[test]
fn rfc_keys() {
    // RFC 7515 A.2: the JWK has only kty/n/e; the token's signature verifies.
    let v: Value = serde_json::from_str(&read_str("rfc/rfc7515-a2-rs256.json")).unwrap();
    let key = RsaPublicKey::from_jwk(&v["jwk"].to_string()).unwrap();
    assert_eq!(key.bits(), 2048);
    let (input, sig) = signing_input_and_signature(v["token"].as_str().unwrap());
    assert_eq!(key.verify_pkcs1(Algorithm::Rs256, input.as_bytes(), &sig), Ok(()));

    // RFC 7520 §4.1: kid "bilbo.baggins@hobbiton.example" has '@', outside the Kid charset, so the JWK is
    // refused as it stands; the numbers themselves are fine.
    let v: Value = serde_json::from_str(&read_str("rfc/rfc7520-4.1-rs256.json")).unwrap();
    let jwk = v["jwk"].to_string();
    assert_eq!(RsaPublicKey::from_jwk(&jwk), Err(KeyError::InvalidKid(InvalidKid::Charset)));
    let key = RsaPublicKey::from_jwk(&with_member(&jwk, "kid", json!("bilbo.baggins"))).unwrap();
    let (input, sig) = signing_input_and_signature(v["token"].as_str().unwrap());
    assert_eq!(key.verify_pkcs1(Algorithm::Rs256, input.as_bytes(), &sig), Ok(()));
}

fn rsa2048_der() -> Vec<u8> {
    read("keys/rsa2048.pkcs1.der")
}

fn rsa2048_components() -> (Vec<u8>, Vec<u8>) {
    let key = RsaPublicKey::from_pkcs1_der(&rsa2048_der()).unwrap();
    (key.modulus().to_vec(), key.exponent().to_vec())
}

#[test]
fn malformed_der_gives_specific_errors() {
    let der = rsa2048_der();
    let (n, e) = rsa2048_components();
    let mut signed_n = vec![0];
    signed_n.extend_from_slice(&n);

    // Every truncation, of both structures.
    let spki_der = spki(&der);
    for len in 0..der.len() {
        assert_eq!(RsaPublicKey::from_pkcs1_der(&der[..len]), Err(KeyError::Der), "pkcs1 truncated to {len}");
    }
    for len in 0..spki_der.len() {
        assert_eq!(
            RsaPublicKey::from_spki_der(&spki_der[..len]),
            Err(KeyError::Der),
            "spki truncated to {len}"
        );
    }

    let mut trailing = der.clone();
    trailing.push(0);
    let mut spki_trailing = spki_der.clone();
    spki_trailing.push(0);
    // Outer length 0x82 0x01 0x0a re-encoded as 0x83 0x00 0x01 0x0a.
    let mut long_len = vec![0x30, 0x83, 0x00];
    long_len.extend_from_slice(&der[2..]);
    // Indefinite length with end-of-contents.
    let mut indefinite = vec![0x30, 0x80];
    indefinite.extend_from_slice(&der[4..]);
    indefinite.extend([0, 0]);
    // Short lengths written in long form: e = 02 81 03 01 00 01.
    let mut long_short = tlv(0x02, &signed_n);
    long_short.extend([0x02, 0x81, 0x03, 1, 0, 1]);
    let long_short = tlv(0x30, &long_short);
    let mut padded_n = vec![0, 0];
    padded_n.extend_from_slice(&n);
    let mut padded_e = vec![0];
    padded_e.extend_from_slice(&e);
    let mut three_ints = tlv(0x02, &signed_n);
    three_ints.extend(tlv(0x02, &e));
    three_ints.extend(tlv(0x02, &e));
    let mut even_n = signed_n.clone();
    *even_n.last_mut().unwrap() &= 0xfe;
    let ec_oid = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    let pss_oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
    let p256_param = tlv(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);

    let pkcs1_cases: Vec<(&str, Vec<u8>, KeyError)> = vec![
        ("empty", vec![], KeyError::Der),
        ("trailing byte", trailing, KeyError::Der),
        ("non-minimal outer length", long_len, KeyError::Der),
        ("indefinite length", indefinite, KeyError::Der),
        ("short length in long form", long_short, KeyError::Der),
        ("modulus with two sign bytes", pkcs1(&padded_n, &e), KeyError::Der),
        ("exponent with a needless zero", pkcs1(&signed_n, &padded_e), KeyError::Der),
        ("negative modulus", pkcs1(&n, &e), KeyError::InvalidModulus),
        ("negative exponent", pkcs1(&signed_n, &[0x81]), KeyError::ExponentNotAllowed),
        ("even modulus", pkcs1(&even_n, &e), KeyError::InvalidModulus),
        ("three integers", tlv(0x30, &three_ints), KeyError::Der),
        ("one integer", tlv(0x30, &tlv(0x02, &signed_n)), KeyError::Der),
        (
            "SET instead of SEQUENCE",
            {
                let mut d = der.clone();
                d[0] = 0x31;
                d
            },
            KeyError::Der,
        ),
        ("empty exponent", pkcs1(&signed_n, &[]), KeyError::Der),
        ("SPKI given as PKCS#1", spki_der.clone(), KeyError::Der),
    ];
    for (what, input, want) in pkcs1_cases {
        assert_eq!(RsaPublicKey::from_pkcs1_der(&input), Err(want), "{what}");
        // The same PKCS#1 problem inside an SPKI gives the same error.
        if what != "SPKI given as PKCS#1" {
            assert_eq!(RsaPublicKey::from_spki_der(&spki(&input)), Err(want), "spki({what})");
        }
    }

    let spki_cases: Vec<(&str, Vec<u8>, KeyError)> = vec![
        ("trailing byte", spki_trailing, KeyError::Der),
        ("EC OID", spki_with(&ec_oid, &p256_param, 0, &der), KeyError::NotRsa),
        ("RSASSA-PSS OID", spki_with(&pss_oid, &[], 0, &der), KeyError::NotRsa),
        ("parameters absent", spki_with(&RSA_OID, &[], 0, &der), KeyError::Der),
        ("parameters not NULL", spki_with(&RSA_OID, &[0x05, 0x01, 0x00], 0, &der), KeyError::Der),
        ("extra parameter", spki_with(&RSA_OID, &[0x05, 0x00, 0x05, 0x00], 0, &der), KeyError::Der),
        ("unused bits", spki_with(&RSA_OID, &[0x05, 0x00], 1, &der), KeyError::Der),
        ("PKCS#1 given as SPKI", der.clone(), KeyError::Der),
    ];
    for (what, input, want) in spki_cases {
        assert_eq!(RsaPublicKey::from_spki_der(&input), Err(want), "{what}");
    }
    // A sanity anchor for the helpers above: the unmodified structures import.
    assert!(RsaPublicKey::from_pkcs1_der(&pkcs1(&signed_n, &e)).is_ok());
    assert!(RsaPublicKey::from_spki_der(&spki_with(&RSA_OID, &[0x05, 0x00], 0, &der)).is_ok());
}

#[test]
fn malformed_pem_gives_specific_errors() {
    let der = rsa2048_der();
    let good_pkcs1 = pem("RSA PUBLIC KEY", &der);
    let good_spki = pem("PUBLIC KEY", &spki(&der));
    assert!(RsaPublicKey::from_pem(&good_pkcs1).is_ok());
    assert!(RsaPublicKey::from_pem(&good_spki).is_ok());
    assert!(RsaPublicKey::from_pem(&good_spki.replace('\n', "\r\n")).is_ok());

    let cases: Vec<(&str, String, KeyError)> = vec![
        ("private key label", good_spki.replace("PUBLIC KEY", "PRIVATE KEY"), KeyError::Pem),
        ("certificate label", good_spki.replace("PUBLIC KEY", "CERTIFICATE"), KeyError::Pem),
        ("lower-case label", good_spki.replace("PUBLIC KEY", "public key"), KeyError::Pem),
        ("mismatched END", good_spki.replace("END PUBLIC KEY", "END RSA PUBLIC KEY"), KeyError::Pem),
        ("no END", good_spki.replace("-----END PUBLIC KEY-----\n", ""), KeyError::Pem),
        ("text before", format!("Key:\n{good_spki}"), KeyError::Pem),
        ("text after", format!("{good_spki}extra\n"), KeyError::Pem),
        ("blank line", good_spki.replacen("-----\n", "-----\n\n", 1), KeyError::Pem),
        ("url-safe alphabet", pem_with_urlsafe(&good_spki), KeyError::Pem),
        ("padding added", good_spki.replace("\n-----END", "==\n-----END"), KeyError::Pem),
        ("76-column lines", rewrap(&good_spki, 76), KeyError::Pem),
        ("space inside a line", good_spki.replacen("MII", "M II", 1), KeyError::Pem),
        ("SPKI under the PKCS#1 label", pem("RSA PUBLIC KEY", &spki(&der)), KeyError::Der),
        ("PKCS#1 under the SPKI label", pem("PUBLIC KEY", &der), KeyError::Der),
        ("huge", format!("{good_spki}{}", " ".repeat(64 * 1024)), KeyError::TooLarge),
        (
            "small key",
            pem("RSA PUBLIC KEY", &read("keys/rsa1024.pkcs1.der")),
            KeyError::ModulusTooSmall { bits: 1024 },
        ),
    ];
    for (what, input, want) in cases {
        assert_eq!(RsaPublicKey::from_pem(&input), Err(want), "{what}");
    }
}

fn pem_with_urlsafe(pem: &str) -> String {
    // Force a '+' or '/' into the body and then use its URL-safe twin.
    let (head, rest) = pem.split_once('\n').unwrap();
    let body: String = rest
        .chars()
        .map(|c| {
            if c == '+' {
                '-'
            } else if c == '/' {
                '_'
            } else {
                c
            }
        })
        .collect();
    assert_ne!(body, rest, "key has no + or / in its base64");
    format!("{head}\n{body}")
}

fn rewrap(pem: &str, width: usize) -> String {
    let lines: Vec<&str> = pem.lines().collect();
    let body = lines[1..lines.len() - 1].concat();
    let wrapped: Vec<&str> = body.as_bytes().chunks(width).map(|c| std::str::from_utf8(c).unwrap()).collect();
    format!("{}\n{}\n{}\n", lines[0], wrapped.join("\n"), lines[lines.len() - 1])
}

fn rsa2048_jwk() -> String {
    read_str("keys/rsa2048.pub.jwk.json")
}

#[test]
fn jwk_rules_each_give_their_error() {
    let good = rsa2048_jwk();
    let key = RsaPublicKey::from_jwk(&good).unwrap();
    let n = Base64UrlUnpadded::encode_string(key.modulus());
    let mut zero_n = vec![0];
    zero_n.extend_from_slice(key.modulus());
    let zero_n = Base64UrlUnpadded::encode_string(&zero_n);
    // The last character of a 256-byte value carries 4 bits, of which the low 2 must be zero.
    let mut noncanonical = n.clone();
    let last = noncanonical.pop().unwrap();
    let idx = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        .iter()
        .position(|c| *c == last as u8)
        .unwrap();
    assert_eq!(idx % 4, 0);
    noncanonical.push(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[idx + 1] as char);

    let m = |name: &str, value: Value| with_member(&good, name, value);
    let cases: Vec<(&str, String, Result<(), KeyError>)> = vec![
        ("unknown members tolerated", m("x5c", json!(["MIIB", {"deep": [1]}])), Ok(())),
        ("use sig", m("use", json!("sig")), Ok(())),
        ("key_ops verify", m("key_ops", json!(["verify"])), Ok(())),
        ("key_ops sign+verify", m("key_ops", json!(["sign", "verify"])), Ok(())),
        (
            "escaped n",
            good.replacen(&format!("\"{}", &n[..4]), &format!("\"\\u{:04x}{}", n.as_bytes()[0], &n[1..4]), 1),
            Ok(()),
        ),
        ("padding in n", m("n", json!(format!("{n}=="))), Err(KeyError::Base64)),
        ("padding in e", m("e", json!("AQAB=")), Err(KeyError::Base64)),
        ("standard alphabet", m("n", json!(n.replace('-', "+").replace('_', "/"))), Err(KeyError::Base64)),
        ("whitespace in n", m("n", json!(format!("{} {}", &n[..10], &n[10..]))), Err(KeyError::Base64)),
        ("non-canonical trailing bits", m("n", json!(noncanonical)), Err(KeyError::Base64)),
        ("leading zero in n", m("n", json!(zero_n)), Err(KeyError::Base64)),
        ("leading zero in e", m("e", json!("AAEAAQ")), Err(KeyError::Base64)),
        ("empty n", m("n", json!("")), Err(KeyError::Base64)),
        ("n missing", m("n", json!(null)), Err(KeyError::MissingMember { member: "n" })),
        ("n a number", m("n", json!(5)), Err(KeyError::MissingMember { member: "n" })),
        ("e an array", m("e", json!(["AQAB"])), Err(KeyError::MissingMember { member: "e" })),
        ("kty missing", m("kty", json!(null)), Err(KeyError::MissingMember { member: "kty" })),
        ("kty lower case", m("kty", json!("rsa")), Err(KeyError::NotRsa)),
        ("kty oct", m("kty", json!("oct")), Err(KeyError::NotRsa)),
        ("use enc", m("use", json!("enc")), Err(KeyError::WrongUse)),
        ("use empty", m("use", json!("")), Err(KeyError::WrongUse)),
        ("use not a string", m("use", json!(["sig"])), Err(KeyError::WrongUse)),
        ("use null", good.replacen('{', r#"{"use":null,"#, 1), Err(KeyError::WrongUse)),
        ("key_ops sign", m("key_ops", json!(["sign"])), Err(KeyError::WrongKeyOps)),
        ("key_ops empty", m("key_ops", json!([])), Err(KeyError::WrongKeyOps)),
        ("key_ops duplicate", m("key_ops", json!(["verify", "verify"])), Err(KeyError::WrongKeyOps)),
        ("key_ops string", m("key_ops", json!("verify")), Err(KeyError::WrongKeyOps)),
        ("key_ops non-string", m("key_ops", json!(["verify", 1])), Err(KeyError::WrongKeyOps)),
        ("alg PS256", m("alg", json!("PS256")), Err(KeyError::WrongAlgorithm)),
        ("alg HS256", m("alg", json!("HS256")), Err(KeyError::WrongAlgorithm)),
        ("alg none", m("alg", json!("none")), Err(KeyError::WrongAlgorithm)),
        ("alg rs256", m("alg", json!("rs256")), Err(KeyError::WrongAlgorithm)),
        ("alg a number", m("alg", json!(256)), Err(KeyError::WrongAlgorithm)),
        ("kid path", m("kid", json!("../../etc/passwd")), Err(KeyError::InvalidKid(InvalidKid::Charset))),
        ("kid empty", m("kid", json!("")), Err(KeyError::InvalidKid(InvalidKid::Empty))),
        ("kid too long", m("kid", json!("k".repeat(65))), Err(KeyError::InvalidKid(InvalidKid::TooLong))),
        ("kid a number", m("kid", json!(7)), Err(KeyError::MissingMember { member: "kid" })),
        ("private d", m("d", json!("AQAB")), Err(KeyError::PrivateMembers)),
        ("private d null", good.replacen('{', r#"{"d":null,"#, 1), Err(KeyError::PrivateMembers)),
        ("private oth", m("oth", json!([])), Err(KeyError::PrivateMembers)),
        ("private qi", m("qi", json!("AQAB")), Err(KeyError::PrivateMembers)),
        ("e = 3", m("e", json!("Aw")), Err(KeyError::ExponentNotAllowed)),
        ("e = 1", m("e", json!("AQ")), Err(KeyError::ExponentNotAllowed)),
        (
            "duplicate member",
            good.replacen('{', r#"{"kty":"RSA","#, 1),
            Err(KeyError::Json(JsonError::DuplicateMember)),
        ),
        (
            "duplicate nested",
            m("x", json!(null)).replacen('{', r#"{"x":{"a":1,"a":2},"#, 1),
            Err(KeyError::Json(JsonError::DuplicateMember)),
        ),
        ("not an object", format!("[{good}]"), Err(KeyError::Json(JsonError::NotAnObject))),
        ("trailing garbage", format!("{good}x"), Err(KeyError::Json(JsonError::Syntax))),
        ("too deep", m("x", json!([[[[[[[[[1]]]]]]]]])), Err(KeyError::Json(JsonError::TooDeep))),
        ("huge", m("x5c", json!(["A".repeat(20_000)])), Err(KeyError::TooLarge)),
    ];
    for (what, input, want) in cases {
        assert_eq!(RsaPublicKey::from_jwk(&input).map(|_| ()), want, "{what}: {input}");
    }

    // An alg binds the key; a kid is carried.
    let bound = RsaPublicKey::from_jwk(&m("alg", json!("RS384"))).unwrap();
    assert_eq!(bound.algorithm(), Some(Algorithm::Rs384));
    assert_eq!(bound.kid().unwrap().as_str(), "rsa2048");
    assert!(bound.to_jwk_json().contains(r#""alg":"RS384""#));
    assert_eq!(RsaPublicKey::from_jwk(&bound.to_jwk_json()).unwrap(), bound);
    let (input, sig) = signing_input_and_signature(&read_str("keys/rsa2048.sample.jwt"));
    assert_eq!(
        bound.verify_pkcs1(Algorithm::Rs256, input.as_bytes(), &sig),
        Err(Error::KeyAlgorithmMismatch)
    );

    // Wycheproof's tcId 24 shape without its alg: kty RSA with EC members has no modulus.
    let ec_as_rsa = r#"{"kty":"RSA","crv":"P-256","x":"04N0xi21hshyvBp7I167sbE_bXqyqkAPfefdklMO7wY","y":"UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgmw"}"#;
    assert_eq!(RsaPublicKey::from_jwk(ec_as_rsa), Err(KeyError::MissingMember { member: "n" }));
}

#[test]
fn key_sets() {
    let jwks = |keys: Vec<Value>| json!({ "keys": keys }).to_string();
    let jwk = |name: &str| -> Value {
        serde_json::from_str(&read_str(&format!("keys/{name}.pub.jwk.json"))).unwrap()
    };

    let set = KeySet::from_jwks(&jwks(vec![jwk("rsa2048"), jwk("rsa3072"), jwk("rsa4096")])).unwrap();
    assert_eq!(set.len(), 3);
    assert!(!set.is_empty());
    for (name, bits) in [("rsa2048", 2048), ("rsa3072", 3072), ("rsa4096", 4096)] {
        assert_eq!(set.get(name).unwrap().bits(), bits);
    }
    assert!(set.get("RSA2048").is_none());
    assert!(set.get("rsa").is_none());
    assert!(set.get("").is_none());
    let order: Vec<&str> = set.iter().map(|k| k.kid().unwrap().as_str()).collect();
    assert_eq!(order, ["rsa2048", "rsa3072", "rsa4096"]);
    assert_eq!((&set).into_iter().count(), 3);

    // Verification through the set, by the token's kid.
    let (input, sig) = signing_input_and_signature(&read_str("keys/rsa3072.sample.jwt"));
    assert_eq!(set.get("rsa3072").unwrap().verify_pkcs1(Algorithm::Rs256, input.as_bytes(), &sig), Ok(()));

    let mut no_kid = jwk("rsa2048");
    no_kid.as_object_mut().unwrap().remove("kid");
    let mut dup = jwk("rsa3072");
    dup["kid"] = json!("rsa2048");
    let many: Vec<Value> = (0..=MAX_KEY_SET_LEN)
        .map(|i| {
            let mut k = jwk("rsa2048");
            k["kid"] = json!(format!("k{i}"));
            k
        })
        .collect();
    let cases: Vec<(&str, String, KeyError)> = vec![
        ("duplicate kid", jwks(vec![jwk("rsa2048"), dup]), KeyError::DuplicateKid),
        ("same key twice", jwks(vec![jwk("rsa2048"), jwk("rsa2048")]), KeyError::DuplicateKid),
        ("no kid", jwks(vec![no_kid.clone()]), KeyError::MissingKid),
        (
            "one small key spoils the set",
            jwks(vec![jwk("rsa2048"), jwk("rsa1024")]),
            KeyError::ModulusTooSmall { bits: 1024 },
        ),
        ("e = 3", jwks(vec![jwk("rsa2048-e3")]), KeyError::ExponentNotAllowed),
        ("keys missing", "{}".to_owned(), KeyError::MissingMember { member: "keys" }),
        ("keys an object", r#"{"keys":{}}"#.to_owned(), KeyError::MissingMember { member: "keys" }),
        ("keys null", r#"{"keys":null}"#.to_owned(), KeyError::MissingMember { member: "keys" }),
        ("entry not an object", r#"{"keys":["RSA"]}"#.to_owned(), KeyError::Json(JsonError::NotAnObject)),
        (
            "duplicate keys member",
            r#"{"keys":[],"keys":[]}"#.to_owned(),
            KeyError::Json(JsonError::DuplicateMember),
        ),
        ("top level array", "[]".to_owned(), KeyError::Json(JsonError::NotAnObject)),
        ("too many keys", jwks(many), KeyError::TooManyKeys),
        // A long array is read through, not kept: still checked as JSON past the items kept, still too many.
        ("100,000 entries", format!(r#"{{"keys":[{}{{}}]}}"#, "{},".repeat(100_000)), KeyError::TooManyKeys),
        (
            "a duplicate far past the kept entries",
            format!(r#"{{"keys":[{}{{"a":1,"a":2}}]}}"#, "1,".repeat(1_000)),
            KeyError::Json(JsonError::DuplicateMember),
        ),
        (
            "too many key_ops",
            format!(
                r#"{{"keys":[{{"kty":"RSA","kid":"k","n":"AQAB","e":"AQAB","key_ops":[{}"verify"]}}]}}"#,
                "\"x\",".repeat(10_000)
            ),
            KeyError::WrongKeyOps,
        ),
    ];
    for (what, input, want) in cases {
        assert_eq!(KeySet::from_jwks(&input), Err(want), "{what}");
    }
    assert_eq!(KeySet::from_jwks(r#"{"keys":[],"other":1}"#).unwrap().len(), 0);
    let any_odd = KeyOptions::new().with_exponent_policy(ExponentPolicy::AnyOdd);
    assert_eq!(KeySet::from_jwks_with(&jwks(vec![jwk("rsa2048-e3")]), &any_odd).unwrap().len(), 1);

    // insert: kid required, duplicates refused and the set left unchanged.
    let mut set = KeySet::new();
    assert_eq!(set.insert(RsaPublicKey::from_pkcs1_der(&rsa2048_der()).unwrap()), Err(KeyError::MissingKid));
    assert_eq!(set.insert(RsaPublicKey::from_jwk(&rsa2048_jwk()).unwrap()), Ok(()));
    let other =
        RsaPublicKey::from_jwk(&jwk("rsa3072").to_string()).unwrap().with_kid("rsa2048".parse().unwrap());
    assert_eq!(set.insert(other), Err(KeyError::DuplicateKid));
    assert_eq!(set.len(), 1);
    assert_eq!(set.get("rsa2048").unwrap().bits(), 2048);
}

#[test]
fn errors_never_echo_input() {
    let secretish = "c2VjcmV0LXRva2VuLWJ5dGVz";
    let jwk = with_member(&rsa2048_jwk(), "n", json!(format!("{secretish}=")));
    let err = RsaPublicKey::from_jwk(&jwk).unwrap_err();
    assert!(!format!("{err} {err:?}").contains(secretish));
    let key = RsaPublicKey::from_jwk(&rsa2048_jwk()).unwrap();
    let debug = format!("{key:?}");
    assert!(debug.contains("2048") && debug.contains("rsa2048"), "{debug}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_importer_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = RsaPublicKey::from_pkcs1_der(&bytes);
        let _ = RsaPublicKey::from_spki_der(&bytes);
        let _ = RsaPublicKey::from_pem(&text);
        let _ = RsaPublicKey::from_jwk(&text);
        let _ = RsaPublicKey::from_flex_capture_context_jwk_json(&text);
        let _ = KeySet::from_jwks(&text);
    }

    #[test]
    fn mutated_der_never_panics_and_what_imports_is_canonical(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
        spki_form in any::<bool>(),
    ) {
        let der = rsa2048_der();
        let mut input = if spki_form { spki(&der) } else { der };
        for (at, byte) in &edits {
            let i = at.index(input.len());
            input[i] = *byte;
        }
        if cut.index(8) == 0 {
            input.truncate(cut.index(input.len() + 1));
        }
        let policy = ExponentPolicy::AnyOdd;
        let got = if spki_form {
            RsaPublicKey::from_spki_der_with(&input, policy).map(|k| k.to_spki_der())
        } else {
            RsaPublicKey::from_pkcs1_der_with(&input, policy).map(|k| k.to_pkcs1_der())
        };
        // DER has one encoding per value: whatever is accepted re-encodes to exactly the input.
        if let Ok(encoded) = got {
            prop_assert_eq!(&encoded, &input);
        }
        let _ = RsaPublicKey::from_pem(&pem(if spki_form { "PUBLIC KEY" } else { "RSA PUBLIC KEY" }, &input));
    }

    #[test]
    fn mutated_jwk_never_panics(at in any::<prop::sample::Index>(), byte in 0x20u8..0x7f) {
        let mut jwk = rsa2048_jwk().into_bytes();
        let i = at.index(jwk.len());
        jwk[i] = byte;
        let text = String::from_utf8(jwk).unwrap();
        if let Ok(key) = RsaPublicKey::from_jwk(&text) {
            // Strict base64url: an accepted n re-encodes to the same text.
            let n = Base64UrlUnpadded::encode_string(key.modulus());
            prop_assert!(text.contains(&n));
        }
        let _ = KeySet::from_jwks(&format!(r#"{{"keys":[{text}]}}"#));
    }
}
