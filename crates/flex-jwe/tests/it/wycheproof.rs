//! Project Wycheproof vectors: RSA-OAEP (SHA-1/MGF1-SHA-1, 2048) decryption and the RSA-OAEP JWE groups.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use crate::common;

use common::{b64d, read_vector};
use flex_jwe::{DecryptionKey, KeyAlgorithm};
use rsa::pkcs8::EncodePrivateKey as _;
use rsa::{BoxedUint, PrivateKey};
use serde_json::Value;

fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

/// Documented exception: tcId 23 ("First byte is 1", the leading octet Y of the encoded message is
/// 0x01). `rsa` 0.10 deliberately ignores that octet, following draft-irtf-cfrg-rsa-guidance §7
/// (checking it is a timing side channel, and skipping it loses nothing: the label hash, the PS and
/// the 0x01 separator are all still checked, and JWE authenticates the CEK through AES-GCM); its own
/// Wycheproof test relabels this case as valid. RFC 8017 §7.1.2 step 3g says to reject it, so the
/// vector calls it invalid. We record which way it went and require an acceptance to yield `msg`.
const IGNORED_FIRST_OCTET: [u64; 1] = [23];

#[test]
fn rsa_oaep_2048_sha1_mgf1sha1() {
    let doc: Value =
        serde_json::from_str(&read_vector("wycheproof/rsa_oaep_2048_sha1_mgf1sha1_test.json")).unwrap();
    let (mut valid, mut invalid, mut acceptable) = (0, 0, 0);
    for group in doc["testGroups"].as_array().unwrap() {
        assert_eq!(group["sha"], "SHA-1");
        assert_eq!(group["mgfSha"], "SHA-1");
        let key = DecryptionKey::from_pkcs8_der(&hex(group["privateKeyPkcs8"].as_str().unwrap())).unwrap();
        for case in group["tests"].as_array().unwrap() {
            let id = case["tcId"].as_u64().unwrap();
            let result = flex_jwe::hazmat::oaep_decrypt(
                &key,
                KeyAlgorithm::RsaOaep,
                &hex(case["label"].as_str().unwrap()),
                &hex(case["ct"].as_str().unwrap()),
            );
            match case["result"].as_str().unwrap() {
                "valid" => {
                    assert_eq!(
                        result.as_deref().map(Vec::as_slice),
                        Ok(hex(case["msg"].as_str().unwrap()).as_slice()),
                        "tcId {id}"
                    );
                    valid += 1;
                }
                "invalid" if IGNORED_FIRST_OCTET.contains(&id) && flex_jwe::CRYPTO_PROVIDER != "ring" => {
                    // AWS-LC checks the first octet, as RFC 8017 says: no exception on aws-lc-rs.
                    assert!(result.is_err(), "tcId {id} must fail on {}", flex_jwe::CRYPTO_PROVIDER);
                    invalid += 1;
                }
                "invalid" if IGNORED_FIRST_OCTET.contains(&id) => {
                    // The `rsa` crate (ring provider) ignores it. Either way is fine, but an acceptance must yield
                    // the encoded message.
                    let msg = hex(case["msg"].as_str().unwrap());
                    match &result {
                        Ok(plaintext) => assert_eq!(**plaintext, msg, "tcId {id}"),
                        Err(_) => eprintln!("tcId {id}: rsa now rejects a non-zero first octet"),
                    }
                    eprintln!(
                        "tcId {id} (First byte is 1): {} (documented exception)",
                        if result.is_ok() { "accepted" } else { "rejected" }
                    );
                    invalid += 1;
                }
                "invalid" => {
                    assert!(result.is_err(), "tcId {id} ({}) must fail", case["comment"]);
                    invalid += 1;
                }
                _ => {
                    eprintln!(
                        "tcId {id} acceptable: {}",
                        if result.is_ok() { "accepted" } else { "rejected" }
                    );
                    acceptable += 1;
                }
            }
        }
    }
    assert_eq!((valid, invalid, acceptable), (17, 19, 0));
    assert_eq!(valid + invalid + acceptable, doc["numberOfTests"].as_u64().unwrap());
}

/// Builds a PKCS#8 DER from a Wycheproof private JWK (n, e, d, p, q).
fn key_from_jwk(jwk: &Value) -> DecryptionKey {
    let int = |name: &str| BoxedUint::from_be_slice_vartime(&b64d(jwk[name].as_str().unwrap()));
    let key = PrivateKey::from_components(int("n"), int("e"), int("d"), vec![int("p"), int("q")]).unwrap();
    DecryptionKey::from_pkcs8_der(key.to_pkcs8_der().unwrap().as_bytes()).unwrap()
}

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Decrypted,
    RejectedByPolicy,
    Rejected,
}

#[test]
fn json_web_encryption_rsa_oaep_groups() {
    let doc: Value = serde_json::from_str(&read_vector("wycheproof/json_web_encryption_test.json")).unwrap();
    let groups = ["jwe_rsa_oaep", "jwe_rsa_oaep_256", "jwe_rsa_oaep_modified"];
    let mut record: Vec<(u64, &str, Outcome)> = Vec::new();
    for group in doc["testGroups"].as_array().unwrap() {
        let comment = group["comment"].as_str().unwrap();
        // Also RFC 7520 §5.2 (Figure 92): RSA-OAEP + A256GCM with a kid, 4096-bit key.
        let rfc7520_oaep = comment == "rfc_7520" && group["private"]["alg"] == "RSA-OAEP";
        if !groups.contains(&comment) && !rfc7520_oaep {
            continue;
        }
        let key = key_from_jwk(&group["private"]);
        for case in group["tests"].as_array().unwrap() {
            let id = case["tcId"].as_u64().unwrap();
            let jwe = case["jwe"].as_str().unwrap();
            let header: Value = serde_json::from_slice(&b64d(jwe.split('.').next().unwrap())).unwrap();
            let supported = header["enc"] == "A256GCM"
                && KeyAlgorithm::from_name(header["alg"].as_str().unwrap_or_default()).is_some();
            let result = key.decrypt_detailed(jwe);
            let outcome = match case["result"].as_str().unwrap() {
                "valid" if supported => {
                    let decrypted = result.unwrap_or_else(|err| panic!("tcId {id}: {err}"));
                    assert_eq!(decrypted.plaintext(), hex(case["pt"].as_str().unwrap()), "tcId {id}");
                    if rfc7520_oaep {
                        assert_eq!(decrypted.kid(), Some("samwise.gamgee@hobbiton.example"));
                    }
                    Outcome::Decrypted
                }
                "valid" => {
                    assert!(result.is_err(), "tcId {id}: {} must be rejected by policy", header["enc"]);
                    Outcome::RejectedByPolicy
                }
                "invalid" => {
                    assert!(result.is_err(), "tcId {id} ({}) must fail", case["comment"]);
                    Outcome::Rejected
                }
                other => panic!("tcId {id}: unexpected result {other}"),
            };
            eprintln!("tcId {id:>3} {comment:<22} {:<44} {outcome:?}", header.to_string());
            record.push((id, comment, outcome));
        }
    }
    let count = |o: Outcome| record.iter().filter(|(_, _, x)| *x == o).count();
    // Valid A256GCM cases: 84 (RSA-OAEP), 90 (RSA-OAEP-256), 129 (RFC 7520 Figure 92).
    let decrypted: Vec<u64> = record.iter().filter(|r| r.2 == Outcome::Decrypted).map(|r| r.0).collect();
    assert_eq!(decrypted, [84, 90, 129]);
    // A128GCM / A192GCM / A*CBC-HS* under RSA-OAEP(-256): 5 + 5 + tcId 121.
    assert_eq!(count(Outcome::RejectedByPolicy), 11);
    // RSA1_5 with an OAEP key: 6 + 1 + 1 + 6.
    assert_eq!(count(Outcome::Rejected), 14);
}
