use std::borrow::Cow;

use flex_types::{
    CaptureContextClaims, CardNetwork, ContextKind, FromJsonError, MicroformRequestError,
    MicroformSessionRequest, PaymentType, TransientTokenClaims,
};

use crate::{jwt_segment, vector};

/// A Microform v2 capture-context payload shaped as Cybersource's Microform documentation shows it (`ctx[].type`
/// `mf-2.0.0`, `data` with the client library, its integrity value, the target origins and `mfOrigin`), with
/// members this crate does not model (`iframeIntegrity`, `newMember`) that must be tolerated.
const MF_CONTEXT: &str = r#"{"flx":{"path":"/flex/v2/tokens","data":"AbC\u003d","origin":"https://testflex.cybersource.com",
 "jwk":{"kty":"RSA","e":"AQAB","use":"enc","n":"yc0ZXJbV","kid":"00nMfpbP967J85ALZDXSO6mdsYcD3ZoG"}},
 "ctx":[{"data":{"clientLibrary":"https://testflex.cybersource.com/microform/bundle/v2.0/flex-microform.min.js",
   "clientLibraryIntegrity":"sha256-ZKdy8Wk4dNAbE6xDuFvhl6PMd1dVDlVk9xZtJCYpsZk=",
   "targetOrigins":["https://www.example.com"],"mfOrigin":"https://testflex.cybersource.com",
   "allowedCardNetworks":["VISA","MASTERCARD","AMEX","NEWNET"],"allowedPaymentTypes":["CARD"],
   "iframeIntegrity":{"x":1},"newMember":true},"type":"mf-2.0.0"}],
 "iss":"Flex API","exp":1618206379,"iat":1618205479,"jti":"a1dOnVwdFJQCI8e4"}"#;

/// The Microform v2 transient-token payload of Cybersource's "transient token format" documentation.
const MF2_TOKEN: &str = r#"{"iss":"Flex/08","exp":1661350495,"type":"mf-2.0.0","iat":1661349595,
 "jti":"1D1P5ADE5Y8HR7NSN1GRY4BVAY8J8FL5U7RXN6RA4F0GC7RP1HJF63062E86FA6D",
 "content":{"paymentInformation":{"card":{"number":{"detectedCardTypes":["001"],"maskedValue":"XXXXXXXXXXXX1111","bin":"411111"},
   "expirationMonth":{"value":"03"},"expirationYear":{"value":"2031"},"securityCode":{}}}}}"#;

#[test]
fn microform_context_claims_parse_and_say_their_kind() {
    let c: CaptureContextClaims<'_> = serde_json::from_str(MF_CONTEXT).unwrap();
    assert_eq!(c.kind(), ContextKind::Microform);
    assert_eq!(c.ctx[0].version(), Some("2.0.0"));
    let mf = c.microform().unwrap();
    assert_eq!(
        mf.client_library.as_deref(),
        Some("https://testflex.cybersource.com/microform/bundle/v2.0/flex-microform.min.js")
    );
    assert!(matches!(mf.client_library, Some(Cow::Borrowed(_))), "zero-copy");
    assert_eq!(
        mf.client_library_integrity.as_deref(),
        Some("sha256-ZKdy8Wk4dNAbE6xDuFvhl6PMd1dVDlVk9xZtJCYpsZk=")
    );
    assert_eq!(mf.target_origins, ["https://www.example.com"]);
    assert_eq!(mf.mf_origin.as_deref(), Some("https://testflex.cybersource.com"));
    // A network this crate does not know is kept, not refused.
    assert_eq!(mf.allowed_card_networks, ["VISA", "MASTERCARD", "AMEX", "NEWNET"]);
    assert_eq!(mf.allowed_payment_types, ["CARD"]);
    assert!(mf.required_fields.is_empty() && mf.optional_fields.is_empty());
    // Owned copies keep everything.
    assert_eq!(c.clone().into_owned(), c);
    // Serialized and parsed again: the same claims.
    let out = serde_json::to_string(&c).unwrap();
    let again: CaptureContextClaims<'_> = serde_json::from_str(&out).unwrap();
    assert_eq!(again, c);
}

#[test]
fn the_real_flex_api_context_is_flex_api_and_not_microform() {
    let payload = vector("capture-context/flex-docs-sn.payload.json");
    let c: CaptureContextClaims<'_> = serde_json::from_str(&payload).unwrap();
    assert_eq!(c.kind(), ContextKind::FlexApi);
    assert!(c.microform().is_none());
    assert_eq!(c.ctx[0].data.client_library, None);
    // Serialization of a Flex API context writes no Microform member.
    let out = serde_json::to_string(&c).unwrap();
    assert!(!out.contains("clientLibrary") && !out.contains("targetOrigins"), "{out}");
}

#[test]
fn kinds_by_type_prefix() {
    assert_eq!(ContextKind::of_type("api-0.1.0"), ContextKind::FlexApi);
    assert_eq!(ContextKind::of_type("mf-2.0.0"), ContextKind::Microform);
    assert_eq!(ContextKind::of_type("mf-0.11.0"), ContextKind::Microform);
    assert_eq!(ContextKind::of_type("gda-0.9.0"), ContextKind::UnifiedCheckout);
    assert_eq!(ContextKind::of_type("mfx-1"), ContextKind::Unknown);
    assert_eq!(ContextKind::of_type(""), ContextKind::Unknown);
    let mut c: CaptureContextClaims<'_> = serde_json::from_str(MF_CONTEXT).unwrap();
    c.ctx.clear();
    assert_eq!(c.kind(), ContextKind::Unknown);
}

#[test]
fn microform_v2_transient_token_accessors() {
    let t: TransientTokenClaims<'_> = serde_json::from_str(MF2_TOKEN).unwrap();
    assert_eq!(t.kind(), ContextKind::Microform);
    assert_eq!(t.masked_card_number(), Some("XXXXXXXXXXXX1111"));
    assert_eq!(t.bin(), Some("411111"));
    assert_eq!(t.detected_card_types().collect::<Vec<_>>(), ["001"]);
    // No `type` member: the card type is the first detected one.
    assert_eq!(t.card_type(), Some("001"));
    let expiry = t.expiry().unwrap();
    assert_eq!((expiry.month, expiry.year), (3, 2031));
    assert_eq!(expiry.to_string(), "03/2031");
    // securityCode is `{}`: captured, not revealed; nothing exposes a value for it.
    assert!(
        t.content
            .as_ref()
            .unwrap()
            .pointer("paymentInformation.card.securityCode")
            .unwrap()
            .as_object()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn older_microform_token_accessors() {
    let token = vector("transient-token/microform-0.11.jwt");
    let payload = jwt_segment(&token, 1);
    let t: TransientTokenClaims<'_> = serde_json::from_slice(&payload).unwrap();
    assert_eq!(t.kind(), ContextKind::Microform);
    assert_eq!(t.bin(), Some("411111"), "the digits before the mask");
    assert_eq!(t.card_type(), Some("001"));
    assert_eq!(t.detected_card_types().count(), 0);
    let expiry = t.expiry().unwrap();
    assert_eq!((expiry.month, expiry.year), (10, 2020));
}

#[test]
fn flex_api_token_with_flat_data() {
    let t: TransientTokenClaims<'_> = serde_json::from_str(
        r#"{"iss":"Flex/08","iat":1,"exp":901,"jti":"J","type":"api-0.1.0",
            "data":{"number":"555555XXXXXX4444","type":"002","expirationMonth":"1","expirationYear":"31"}}"#,
    )
    .unwrap();
    assert_eq!(t.kind(), ContextKind::FlexApi);
    assert_eq!((t.bin(), t.card_type()), (Some("555555"), Some("002")));
    let expiry = t.expiry().unwrap();
    assert_eq!((expiry.month, expiry.year), (1, 2031));
}

#[test]
fn malformed_expiry_gives_none() {
    for (m, y) in [("13", "2031"), ("0", "2031"), ("1", "203"), ("x", "2031"), ("01", ""), ("001", "2031")] {
        assert_eq!(flex_types::CardExpiry::parse(m, y), None, "{m}/{y}");
    }
    let no_bin: TransientTokenClaims<'_> = serde_json::from_str(
        r#"{"iss":"i","iat":1,"exp":2,"jti":"j","type":"mf-0.11.0","data":{"number":"XXXX1111"}}"#,
    )
    .unwrap();
    assert_eq!(no_bin.bin(), None);
    assert_eq!(no_bin.expiry(), None);
}

#[test]
fn a_valid_request_serializes_in_the_sdk_member_names() {
    let r = MicroformSessionRequest::builder()
        .client_version("v2.0")
        .target_origins(["https://shop.example", "https://shop.example:8443", "http://localhost:3000"])
        .card_networks(CardNetwork::ALL.iter().copied())
        .payment_types([PaymentType::Card, PaymentType::Check])
        .include_card_prefix(true)
        .build()
        .unwrap();
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(
        json,
        concat!(
            r#"{"clientVersion":"v2.0","targetOrigins":["https://shop.example","https://shop.example:8443","http://localhost:3000"],"#,
            r#""allowedCardNetworks":["VISA","MASTERCARD","AMEX","CARNET","CARTESBANCAIRES","CUP","DINERSCLUB","DISCOVER","#,
            r#""EFTPOS","ELO","JAYWAN","JCB","JCREW","KCP","MADA","MAESTRO","MEEZA","PAYPAK","UATP"],"#,
            r#""allowedPaymentTypes":["CARD","CHECK"],"transientTokenResponseOptions":{"includeCardPrefix":true}}"#
        )
    );
    assert_eq!(CardNetwork::ALL.len(), 19);
    // The same body read back (what the sandbox does).
    let back: MicroformSessionRequest = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
    assert_eq!(back.include_card_prefix(), Some(true));
}

#[test]
fn invalid_origins_are_refused_when_built() {
    let build = |origin: &str| MicroformSessionRequest::builder().target_origin(origin).build();
    for bad in [
        "https://*.example.com",
        "https://shop.example/",
        "https://shop.example/checkout",
        "https://shop.example?x=1",
        "https://user@shop.example",
        "http://shop.example",
        "http://localhost.evil.example",
        "https://shop.example:0",
        "https://shop.example:99999",
        "https://shop.example:",
        "https://",
        "ftp://shop.example",
        "shop.example",
        "https://-shop.example",
        "https://shop..example",
        "https://[::1",
        "https://shop.example:443",
        "http://localhost:80",
        "https://shop.example:08443",
        "https://0x7f.1",
        "https://127.1",
        "https://2130706433",
        "https://127.0.0.01",
        "https://shop.0x10",
        "https://[0:0::1]",
        "https://[::ffff:127.0.0.1]",
        "https://[::ffff:7f00:0001]",
        "https://[0::ffff:7f00:1]",
    ] {
        assert_eq!(build(bad), Err(MicroformRequestError::InvalidTargetOrigin { index: 0 }), "{bad}");
    }
    for good in [
        "https://shop.example",
        "https://127.0.0.1:8443",
        "https://[::1]:8443",
        "https://[2001:db8::1]",
        "https://[::ffff:7f00:1]",
        "https://[::ffff:0:0]",
        "http://localhost",
        "http://localhost:443",
        "https://localhost:80",
        "https://shop.example:8443",
        "https://shop1.example",
        "https://0x.example",
    ] {
        assert!(build(good).is_ok(), "{good}");
    }
    let long = format!("https://{}.example", "a".repeat(400));
    assert!(build(&long).is_err());
}

#[test]
fn counts_duplicates_and_versions_are_checked() {
    assert_eq!(MicroformSessionRequest::builder().build(), Err(MicroformRequestError::NoTargetOrigin));
    let ten: Vec<String> = (0..10).map(|i| format!("https://s{i}.example")).collect();
    assert_eq!(
        MicroformSessionRequest::builder()
            .target_origins(&ten[..9])
            .build()
            .map(|r| r.target_origins().len()),
        Ok(9)
    );
    assert_eq!(
        MicroformSessionRequest::builder().target_origins(ten).build(),
        Err(MicroformRequestError::TooManyTargetOrigins)
    );
    assert_eq!(
        MicroformSessionRequest::builder().target_origins(["https://a.example", "https://A.example"]).build(),
        Err(MicroformRequestError::DuplicateTargetOrigin { index: 1 })
    );
    let base = || MicroformSessionRequest::builder().target_origin("https://a.example");
    assert_eq!(
        base().card_networks([CardNetwork::Visa, CardNetwork::Mastercard, CardNetwork::Visa]).build(),
        Err(MicroformRequestError::DuplicateValue { member: "allowedCardNetworks", index: 2 })
    );
    let error = base().payment_types([PaymentType::Card, PaymentType::Card]).build().unwrap_err();
    assert_eq!(error, MicroformRequestError::DuplicateValue { member: "allowedPaymentTypes", index: 1 });
    assert_eq!(error.location(), "allowedPaymentTypes[1]");
    assert_eq!(error.to_string(), "allowedPaymentTypes[1] repeats an earlier value");
    for bad in ["", "2", "v", "v2.", "v2..1", "V2", "v2-beta", "v12345678901234567"] {
        assert_eq!(
            base().client_version(bad).build(),
            Err(MicroformRequestError::InvalidClientVersion),
            "{bad}"
        );
    }
    assert_eq!(base().build().unwrap().client_version(), "v2");
}

#[test]
fn bodies_with_unknown_values_are_refused_with_a_location() {
    let parse = |json: &str| {
        let v: flex_types::Value<'_> = serde_json::from_str(json).unwrap();
        let read = MicroformSessionRequest::from_value(&v);
        // The strict entry point applies the same checks (a body that is not an object is its JSON refusal).
        let strict = MicroformSessionRequest::from_json(json.as_bytes());
        if v.as_object().is_some() {
            assert_eq!(strict, read.clone().map_err(FromJsonError::Invalid), "{json}");
        } else {
            assert!(
                matches!(strict, Err(FromJsonError::Json(e)) if e.problem() == flex_jose::JsonError::NotAnObject)
            );
        }
        read
    };
    let e = parse(r#"{"targetOrigins":["https://a.example"],"allowedCardNetworks":["VISA","BOGUS"]}"#)
        .unwrap_err();
    assert_eq!(
        (e, e.location().as_str()),
        (MicroformRequestError::UnknownCardNetwork, "allowedCardNetworks")
    );
    let e = parse(r#"{"targetOrigins":["https://a.example"],"allowedPaymentTypes":["CASH"]}"#).unwrap_err();
    assert_eq!(e, MicroformRequestError::UnknownPaymentType);
    let e = parse(r#"{"targetOrigins":["https://a.example","https://*.b.example"]}"#).unwrap_err();
    assert_eq!(e.location(), "targetOrigins[1]");
    let e = parse(r#"{"targetOrigins":"https://a.example"}"#).unwrap_err();
    assert_eq!(e, MicroformRequestError::WrongType { member: "targetOrigins" });
    let e = parse(r#"{"targetOrigins":["https://a.example"],"transientTokenResponseOptions":{"includeCardPrefix":"yes"}}"#)
        .unwrap_err();
    assert_eq!(e.location(), "transientTokenResponseOptions.includeCardPrefix");
    assert!(parse("[]").is_err());
    // Unknown members are ignored.
    let ok = parse(
        r#"{"clientVersion":"v2","targetOrigins":["https://a.example"],"checkoutApiInitialization":{}}"#,
    )
    .unwrap();
    assert_eq!(ok.target_origins().collect::<Vec<_>>(), ["https://a.example"]);
    // Messages never repeat the value.
    let e = parse(r#"{"targetOrigins":["https://secret-origin.example/path"]}"#).unwrap_err();
    assert!(!e.to_string().contains("secret-origin"));
}

#[test]
fn from_json_refuses_duplicate_members_at_any_depth() {
    let ok = MicroformSessionRequest::from_json(br#"{"targetOrigins":["https://a.example"]}"#).unwrap();
    for body in [
        r#"{"targetOrigins":["https://a.example"],"targetOrigins":["https://b.example"]}"#,
        r#"{"targetOrigins":["https://a.example"],"clientVersion":"v2","clientV\u0065rsion":"v3"}"#,
        r#"{"targetOrigins":["https://a.example"],"transientTokenResponseOptions":{"includeCardPrefix":true,"includeCardPr\u0065fix":false}}"#,
        r#"{"targetOrigins":["https://a.example"],"ignored":[{"x":{"y":1,"y":2}}]}"#,
    ] {
        match MicroformSessionRequest::from_json(body.as_bytes()) {
            Err(FromJsonError::Json(e)) => assert!(e.is_duplicate_member(), "{body}: {e}"),
            other => panic!("{body}: {other:?}"),
        }
        // serde_json keeps the repetition and the request reads the first occurrence.
        let tolerant: MicroformSessionRequest = serde_json::from_str(body).unwrap();
        assert_eq!(tolerant.target_origins().collect::<Vec<_>>(), ["https://a.example"], "{body}");
        assert_eq!(tolerant.client_version(), ok.client_version(), "{body}");
    }
}
