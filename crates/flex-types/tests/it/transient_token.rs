use std::borrow::Cow;

use flex_types::{CardSummary, TransientTokenClaims, Value};

use crate::{jwt_segment, vector};

/// The Unified Checkout (`gda-0.9.0`) payload of flex-api §6.1, with the elided parts filled in.
const GDA: &str = r#"{"iss":"Flex/00","exp":1706910242,"type":"gda-0.9.0","iat":1706909342,
 "jti":"1E0WC1GO87JG1BDP0CQ8SCR1TTK86U9N98H3WH8IFM9MVEWTIYFI65D4E1C4E5C1","metadata":{"consumerPreference":{"saveCard":false}},
 "content":{"paymentInformation":{"card":{"number":{"maskedValue":"XXXXXXXXXXXX1111","bin":"411111"},
   "expirationMonth":{"value":"06"},"expirationYear":{"value":"2028"},"securityCode":{},"type":{"value":"001"}}},
   "orderInformation":{"billTo":{"email":{"value":"jdoe@example.com"}},"amountDetails":{"totalAmount":{"value":"21.00"},"currency":{"value":"USD"}},"shipTo":{}}},
 "newClaim":{"x":[1,2]},"zzz":"last"}"#;

#[test]
fn microform_token_payload_parses() {
    let token = vector("transient-token/microform-0.11.jwt");
    let header: serde_json::Value = serde_json::from_slice(&jwt_segment(&token, 0)).unwrap();
    assert_eq!(header["kid"], "07BpHOZnHI3w7QP2rhMfHnXOWBXpkVGN");
    let payload = jwt_segment(&token, 1);
    let t: TransientTokenClaims<'_> = serde_json::from_slice(&payload).unwrap();
    assert_eq!(t.iss, "Flex/07");
    assert_eq!(t.exp, 1_591_746_024);
    assert_eq!(t.iat, 1_591_745_124);
    assert_eq!(t.lifetime_secs(), 900);
    assert_eq!(t.type_, "mf-0.11.0");
    assert_eq!(t.jti, "1C3Z7TNJZV289S917P3BGHS5OFP4SADDBQKJ0QJ3338HQGC0Y84B5EE01DE84FCB");
    assert!(t.content.is_none() && t.metadata.is_none() && t.extra.is_empty());
    assert_eq!(t.masked_card_number(), Some("411111XXXXXX1111"));
    let card = t.card();
    assert_eq!(
        (card.masked_number, card.bin, card.card_type, card.expiration_month, card.expiration_year),
        // The older flat form has no `bin`: it is the digits before the mask.
        (Some("411111XXXXXX1111"), Some("411111"), Some("001"), Some("10"), Some("2020"))
    );
    let data = t.data.as_ref().unwrap();
    assert!(matches!(data.get("number"), Some(Value::String(Cow::Borrowed(_)))));
    assert!(matches!(t.jti, Cow::Borrowed(_)));
    // Round trip through our serializer.
    let out = serde_json::to_vec(&t).unwrap();
    let again: TransientTokenClaims<'_> = serde_json::from_slice(&out).unwrap();
    assert_eq!(again, t);
    // Same JSON object as the original (member order differs).
    let a: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(a, b);
}

#[test]
fn gda_token_gives_the_masked_value_and_keeps_unknown_members() {
    let t: TransientTokenClaims<'_> = serde_json::from_str(GDA).unwrap();
    assert_eq!(t.type_, "gda-0.9.0");
    assert!(t.data.is_none());
    assert_eq!(t.masked_card_number(), Some("XXXXXXXXXXXX1111"));
    let card = t.card();
    assert_eq!(
        (card.masked_number, card.bin, card.card_type, card.expiration_month, card.expiration_year),
        (Some("XXXXXXXXXXXX1111"), Some("411111"), Some("001"), Some("06"), Some("2028"))
    );
    let content = t.content.as_ref().unwrap();
    assert_eq!(
        content.pointer("orderInformation.amountDetails.totalAmount.value").unwrap().as_str(),
        Some("21.00")
    );
    assert_eq!(content.pointer("paymentInformation.card.securityCode"), Some(&Value::Object(vec![])));
    assert_eq!(
        t.metadata.as_ref().unwrap().pointer("consumerPreference.saveCard"),
        Some(&Value::Bool(false))
    );
    let names: Vec<&str> = t.extra.iter().map(|(k, _)| k.as_ref()).collect();
    assert_eq!(names, ["newClaim", "zzz"]);
    let out = serde_json::to_string(&t).unwrap();
    assert!(out.ends_with(r#""newClaim":{"x":[1,2]},"zzz":"last"}"#), "{out}");
    let again: TransientTokenClaims<'_> = serde_json::from_str(&out).unwrap();
    assert_eq!(again, t);
    assert_eq!(t.clone().into_owned(), t);
}

#[test]
fn card_summary_is_empty_without_card_data() {
    let t = TransientTokenClaims::new("Flex/00", 1, 901, "j", "api-0.1.0");
    assert_eq!(t.card(), CardSummary::default());
    assert_eq!(
        serde_json::to_string(&t).unwrap(),
        r#"{"iss":"Flex/00","iat":1,"exp":901,"jti":"j","type":"api-0.1.0"}"#
    );
}

#[test]
fn data_wins_over_content_and_nested_data_is_understood() {
    let s = r#"{"iss":"i","iat":1,"exp":2,"jti":"j","type":"api-0.1.0",
        "data":{"paymentInformation":{"card":{"number":"400000XXXXXX0002","type":{"value":"002"}}}},
        "content":{"paymentInformation":{"card":{"number":{"maskedValue":"XXXXXXXXXXXX1111"},"expirationYear":{"value":"2031"}}}}}"#;
    let t: TransientTokenClaims<'_> = serde_json::from_str(s).unwrap();
    let c = t.card();
    assert_eq!(c.masked_number, Some("XXXXXXXXXXXX1111")); // content (gda form) before nested data
    assert_eq!(c.card_type, Some("002"));
    assert_eq!(c.expiration_year, Some("2031"));
    let s = r#"{"iss":"i","iat":1,"exp":2,"jti":"j","type":"t","data":{"number":"411111XXXXXX1111"},
        "content":{"paymentInformation":{"card":{"number":{"maskedValue":"XXXXXXXXXXXX9999"}}}}}"#;
    let t: TransientTokenClaims<'_> = serde_json::from_str(s).unwrap();
    assert_eq!(t.masked_card_number(), Some("411111XXXXXX1111"));
}

#[test]
fn malformed_claims_are_errors() {
    let ok = r#"{"iss":"i","iat":1,"exp":2,"jti":"j","type":"t"}"#;
    assert!(serde_json::from_str::<TransientTokenClaims<'_>>(ok).is_ok());
    for (bad, needle) in [
        (r#"{"iat":1,"exp":2,"jti":"j","type":"t"}"#, "missing field `iss`"),
        (r#"{"iss":"i","iat":1,"exp":2,"jti":"j"}"#, "missing field `type`"),
        (r#"{"iss":"i","iat":"1","exp":2,"jti":"j","type":"t"}"#, "`iat` must be an integer"),
        (r#"{"iss":"i","iat":1,"exp":2.5,"jti":"j","type":"t"}"#, "`exp` must be an integer"),
        (
            r#"{"iss":"i","iat":1,"exp":18446744073709551615,"jti":"j","type":"t"}"#,
            "`exp` must be an integer",
        ),
        (r#"{"iss":5,"iat":1,"exp":2,"jti":"j","type":"t"}"#, "`iss` must be a string, found a number"),
        (r#"{"iss":"i","iat":1,"exp":2,"exp":9,"jti":"j","type":"t"}"#, "duplicate field `exp`"),
        (r#"{"iss":"i","iat":1,"exp":2,"jti":"j","type":"t","data":1,"data":2}"#, "duplicate field `data`"),
        (r#"["iss"]"#, "expected a JSON object, found an array"),
    ] {
        let err = serde_json::from_str::<TransientTokenClaims<'_>>(bad).unwrap_err().to_string();
        assert!(err.contains(needle), "{bad}: {err}");
    }
}
