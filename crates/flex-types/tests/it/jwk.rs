use std::borrow::Cow;

use flex_types::RsaJwk;

use crate::vector;

#[test]
fn test_key_jwks_parse_as_public_keys() {
    for name in ["rsa2048", "rsa3072", "rsa4096", "rsa2041", "rsa1024", "rsa2048-e3"] {
        let s = vector(&format!("keys/{name}.pub.jwk.json"));
        let k: RsaJwk<'_> = serde_json::from_str(&s).unwrap();
        assert_eq!(k.kty, "RSA");
        assert_eq!(k.kid.as_deref(), Some(name));
        assert!(!k.has_private_members());
        assert!(matches!(k.n, Cow::Borrowed(_)));
        assert_eq!(k.e, if name == "rsa2048-e3" { "Aw" } else { "AQAB" });
    }
}

/// Every RSA key in the Wycheproof JWK/JWS/JWE files: the private form is detected, the public form
/// is not, and both serialize to the same public JSON.
#[test]
fn wycheproof_private_members_are_detected_and_never_serialized() {
    let mut pairs = 0;
    for file in ["json_web_key_test.json", "json_web_signature_test.json", "json_web_encryption_test.json"] {
        let doc: serde_json::Value = serde_json::from_str(&vector(&format!("wycheproof/{file}"))).unwrap();
        for group in doc["testGroups"].as_array().unwrap() {
            let (Some(private), Some(public)) = (group.get("private"), group.get("public")) else { continue };
            let keys = |v: &serde_json::Value| -> Vec<serde_json::Value> {
                v.get("keys").and_then(|k| k.as_array().cloned()).unwrap_or_else(|| vec![v.clone()])
            };
            for (prv, pubk) in keys(private).iter().zip(keys(public).iter()) {
                let prv_s = serde_json::to_string(prv).unwrap();
                let pub_s = serde_json::to_string(pubk).unwrap();
                if prv["kty"] != "RSA" || prv.get("n").is_none() {
                    // Not an RSA key (Wycheproof `wrong_kty` is an EC key labelled RSA): no `n`/`e`.
                    assert!(serde_json::from_str::<RsaJwk<'_>>(&prv_s).is_err());
                    continue;
                }
                let mut kp: RsaJwk<'_> = serde_json::from_str(&prv_s).unwrap();
                let mut kq: RsaJwk<'_> = serde_json::from_str(&pub_s).unwrap();
                // RFC 7520's private key says `sign, verify`, its public key `verify`.
                if kp.key_ops != kq.key_ops {
                    kp.key_ops = None;
                    kq.key_ops = None;
                }
                assert!(kp.has_private_members(), "{file}: {}", group["comment"]);
                assert!(!kq.has_private_members());
                let out = serde_json::to_string(&kp).unwrap();
                assert_eq!(out, serde_json::to_string(&kq).unwrap());
                for member in ["\"d\"", "\"p\"", "\"q\"", "\"dp\"", "\"dq\"", "\"qi\""] {
                    assert!(!out.contains(member));
                }
                pairs += 1;
            }
        }
    }
    assert!(pairs >= 15, "only {pairs} RSA key pairs found");
}

#[test]
fn each_private_member_alone_is_detected_whatever_its_value() {
    for m in ["d", "p", "q", "dp", "dq", "qi", "oth"] {
        for value in ["\"AQ\"", "null", "[]", "{}", "0"] {
            let s = format!(r#"{{"kty":"RSA","n":"AQ","e":"AQAB","{m}":{value}}}"#);
            let k: RsaJwk<'_> = serde_json::from_str(&s).unwrap();
            assert!(k.has_private_members(), "{s}");
            assert_eq!(serde_json::to_string(&k).unwrap(), r#"{"kty":"RSA","e":"AQAB","n":"AQ"}"#);
        }
    }
}

#[test]
fn serialization_writes_present_members_in_cybersource_order() {
    let k = RsaJwk::new("bW9k", "AQAB").with_kid("k1").with_use("enc");
    assert_eq!(
        serde_json::to_string(&k).unwrap(),
        r#"{"kty":"RSA","e":"AQAB","use":"enc","n":"bW9k","kid":"k1"}"#
    );
    let s = r#"{"alg":"RS256","key_ops":["verify","enc\/x"],"n":"bW9k","e":"AQAB","kty":"RSA","ext":true}"#;
    let k: RsaJwk<'_> = serde_json::from_str(s).unwrap();
    assert_eq!(k.alg.as_deref(), Some("RS256"));
    let ops = k.key_ops.as_ref().unwrap();
    assert!(matches!(ops[0], Cow::Borrowed("verify")));
    assert!(matches!(&ops[1], Cow::Owned(o) if o == "enc/x"));
    assert_eq!(
        serde_json::to_string(&k).unwrap(),
        r#"{"kty":"RSA","e":"AQAB","n":"bW9k","alg":"RS256","key_ops":["verify","enc/x"]}"#
    );
    let owned: RsaJwk<'static> = k.clone().into_owned();
    assert_eq!(owned, k);
}

#[test]
fn kty_is_not_checked_here_but_shape_is() {
    // A plain data carrier: `flex-jwt` rejects a non-RSA kty.
    let k: RsaJwk<'_> = serde_json::from_str(r#"{"kty":"EC","n":"AQ","e":"AQAB"}"#).unwrap();
    assert_eq!(k.kty, "EC");
    for bad in
        [r#"{"kty":"RSA","n":"AQ"}"#, r#"{"kty":"RSA","n":1,"e":"AQAB"}"#, r#"{"n":"AQ","e":"AQAB"}"#, "[]"]
    {
        assert!(serde_json::from_str::<RsaJwk<'_>>(bad).is_err(), "{bad}");
    }
    let dup = r#"{"kty":"RSA","n":"AQ","e":"AQAB","kid":"a","kid":"b"}"#;
    assert!(serde_json::from_str::<RsaJwk<'_>>(dup).is_err(), "duplicate kid is ambiguous");
}
