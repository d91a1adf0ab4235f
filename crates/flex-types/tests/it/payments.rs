use flex_types::{
    Amount, AmountError, BillTo, Currency, ErrorBody, FromJsonError, PaymentRequest, PaymentRequestError,
    PaymentResponse, PaymentStatus, Value,
};

const TOKEN: &str = "eyJraWQiOiJrIn0.eyJqdGkiOiJqIn0.c2ln";

/// A `201` answer shaped as Cybersource's "authorize with a transient token" documentation and the official
/// SDKs' `PtsV2PaymentsPost201Response` model show it, with members this crate does not model.
const AUTHORIZED: &str = r#"{"_links":{"authReversal":{"method":"POST","href":"/pts/v2/payments/7020838000000000000001/reversals"},
 "self":{"method":"GET","href":"/pts/v2/payments/7020838000000000000001"},
 "capture":{"method":"POST","href":"/pts/v2/payments/7020838000000000000001/captures"}},
 "clientReferenceInformation":{"code":"TC50171_3"},"id":"7020838000000000000001",
 "orderInformation":{"amountDetails":{"authorizedAmount":"102.21","currency":"USD"},"lineItems":[{"x":1}]},
 "paymentAccountInformation":{"card":{"type":"001"}},
 "processorInformation":{"approvalCode":"831000","networkTransactionId":"016153570198200","transactionId":"016153570198200",
   "responseCode":"00","avs":{"code":"Y","codeRaw":"Y"}},
 "reconciliationId":"6208396897246985904953","status":"AUTHORIZED","submitTimeUtc":"2026-12-03T14:00:00Z"}"#;

const DECLINED: &str = r#"{"id":"7020838000000000000002","status":"DECLINED","submitTimeUtc":"2026-12-03T14:00:01Z",
 "errorInformation":{"reason":"PROCESSOR_DECLINED","message":"Decline - General decline of the card."},
 "processorInformation":{"responseCode":"05"}}"#;

/// The `400` of a transient token used twice (official Node samples issue #66).
const REUSED: &str = r#"{"submitTimeUtc":"2026-12-03T14:00:02Z","status":"INVALID_REQUEST","reason":"INVALID_DATA",
 "message":"Declined - One or more fields in the request contains invalid data",
 "details":[{"field":"tokenInformation.jti","reason":"INVALID_DATA"}]}"#;

fn usd(v: &str) -> Result<Amount, AmountError> {
    Amount::parse(v, "USD")
}

#[test]
fn amounts_follow_the_currency_minor_units() {
    assert_eq!(usd("10.00").unwrap().minor_units(), 1000);
    assert_eq!(usd("10").unwrap().minor_units(), 1000);
    assert_eq!(usd("0.01").unwrap().minor_units(), 1);
    assert_eq!(usd("10.5").unwrap().as_str(), "10.5");
    assert_eq!(Amount::parse("100", "JPY").unwrap().minor_units(), 100);
    assert_eq!(Amount::parse("1.234", "BHD").unwrap().minor_units(), 1234);
    assert_eq!(Amount::parse("1.234", "KWD").unwrap().to_string(), "1.234 KWD");
    assert_eq!(usd("999999999999.99").unwrap().minor_units(), 99_999_999_999_999);
    assert_eq!(Currency::new("JPY").unwrap().minor_units(), 0);
    assert!(Currency::known_codes().any(|c| c == "EUR"));
}

#[test]
fn amounts_at_the_edges_are_refused_with_typed_errors() {
    assert_eq!(usd("0"), Err(AmountError::Zero));
    assert_eq!(usd("0.00"), Err(AmountError::Zero));
    assert_eq!(usd("-1.00"), Err(AmountError::Negative));
    assert_eq!(usd("-0"), Err(AmountError::Negative));
    assert_eq!(usd("1.001"), Err(AmountError::TooManyDecimals { allowed: 2 }));
    assert_eq!(Amount::parse("100.5", "JPY"), Err(AmountError::TooManyDecimals { allowed: 0 }));
    assert_eq!(Amount::parse("100.0", "JPY"), Err(AmountError::TooManyDecimals { allowed: 0 }));
    assert_eq!(Amount::parse("1.2345", "KWD"), Err(AmountError::TooManyDecimals { allowed: 3 }));
    assert_eq!(usd("1000000000000.00"), Err(AmountError::TooLarge));
    assert_eq!(usd(&"9".repeat(400)), Err(AmountError::TooLarge));
    for bad in
        ["", ".5", "5.", "+5", "1e3", " 5", "5 ", "05", "1,00", "1.2.3", "NaN", "Infinity", "١٢", "0x10"]
    {
        assert_eq!(usd(bad), Err(AmountError::NotDecimal), "{bad:?}");
    }
    for code in ["usd", "XXX", "US", "", "DOLLAR"] {
        assert_eq!(Amount::parse("1", code), Err(AmountError::UnknownCurrency), "{code:?}");
    }
    // Messages name the rule only.
    assert_eq!(AmountError::TooManyDecimals { allowed: 0 }.to_string(), "this currency has no decimals");
}

#[test]
fn the_request_serializes_as_cybersource_expects_and_reads_back() {
    let mut bill_to = BillTo::new();
    bill_to.first_name = Some("John".into());
    bill_to.last_name = Some("Doe".into());
    bill_to.country = Some("US".into());
    bill_to.email = Some("test@cybs.com".into());
    let r = PaymentRequest::builder(TOKEN, usd("102.21").unwrap())
        .reference("TC50171_3")
        .capture(false)
        .bill_to(bill_to)
        .build()
        .unwrap();
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(
        json,
        concat!(
            r#"{"clientReferenceInformation":{"code":"TC50171_3"},"processingInformation":{"capture":false},"#,
            r#""orderInformation":{"amountDetails":{"totalAmount":"102.21","currency":"USD"},"#,
            r#""billTo":{"firstName":"John","lastName":"Doe","country":"US","email":"test@cybs.com"}},"#,
            r#""tokenInformation":{"transientTokenJwt":"eyJraWQiOiJrIn0.eyJqdGkiOiJqIn0.c2ln"}}"#
        )
    );
    let back: PaymentRequest<'static> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
    assert!(!format!("{r:?}").contains(TOKEN), "Debug hides the token");
    // The minimal request: token and amount.
    let minimal = PaymentRequest::builder(TOKEN, Amount::parse("5", "JPY").unwrap()).build().unwrap();
    assert!(!minimal.capture());
    assert_eq!(minimal.reference(), None);
}

#[test]
fn request_bodies_are_refused_with_the_field_in_error() {
    let parse = |json: &str| {
        let v: Value<'_> = serde_json::from_str(json).unwrap();
        let read = PaymentRequest::from_value(&v).map(PaymentRequest::into_owned);
        // The strict entry point applies the same checks.
        let strict = PaymentRequest::from_json(json.as_bytes());
        assert_eq!(strict, read.clone().map_err(FromJsonError::Invalid), "{json}");
        read
    };
    let body = |amount: &str, currency: &str, token: &str| {
        format!(
            r#"{{"orderInformation":{{"amountDetails":{{"totalAmount":{amount},"currency":{currency}}}}},"tokenInformation":{{"transientTokenJwt":{token}}}}}"#
        )
    };
    let t = format!("\"{TOKEN}\"");
    let cases = [
        (body("\"0.00\"", "\"USD\"", &t), "orderInformation.amountDetails.totalAmount", "INVALID_AMOUNT"),
        (body("\"-1\"", "\"USD\"", &t), "orderInformation.amountDetails.totalAmount", "INVALID_AMOUNT"),
        (body("\"1.005\"", "\"USD\"", &t), "orderInformation.amountDetails.totalAmount", "INVALID_AMOUNT"),
        (body("\"10.5\"", "\"JPY\"", &t), "orderInformation.amountDetails.totalAmount", "INVALID_AMOUNT"),
        (body("10", "\"USD\"", &t), "orderInformation.amountDetails.totalAmount", "INVALID_DATA"),
        (body("\"10\"", "\"ZZZ\"", &t), "orderInformation.amountDetails.currency", "INVALID_DATA"),
        (body("null", "\"USD\"", &t), "orderInformation.amountDetails.totalAmount", "MISSING_FIELD"),
        (body("\"10\"", "\"USD\"", "null"), "tokenInformation.transientTokenJwt", "MISSING_FIELD"),
        (body("\"10\"", "\"USD\"", "\"not a jwt\""), "tokenInformation.transientTokenJwt", "INVALID_DATA"),
        (body("\"10\"", "\"USD\"", "\"a.b\""), "tokenInformation.transientTokenJwt", "INVALID_DATA"),
    ];
    for (json, field, reason) in cases {
        let e = parse(&json).unwrap_err();
        assert_eq!((e.field(), e.reason()), (field, reason), "{json}");
    }
    let e = parse(&format!(
        r#"{{"clientReferenceInformation":{{"code":"{}"}},"orderInformation":{{"amountDetails":{{"totalAmount":"1","currency":"USD"}}}},"tokenInformation":{{"transientTokenJwt":"{TOKEN}"}}}}"#,
        "x".repeat(51)
    ))
    .unwrap_err();
    assert_eq!(e, PaymentRequestError::InvalidField { field: "clientReferenceInformation.code" });
    let e = parse(&format!(
        r#"{{"orderInformation":{{"amountDetails":{{"totalAmount":"1","currency":"USD"}},"billTo":{{"country":"USA"}}}},"tokenInformation":{{"transientTokenJwt":"{TOKEN}"}}}}"#
    ))
    .unwrap_err();
    assert_eq!(e.field(), "orderInformation.billTo.country");
    // The SDKs' string booleans, and unknown members, are accepted.
    let ok = parse(&format!(
        r#"{{"processingInformation":{{"capture":"true","commerceIndicator":"internet"}},"orderInformation":{{"amountDetails":{{"totalAmount":"1","currency":"USD"}}}},"tokenInformation":{{"transientTokenJwt":"{TOKEN}"}}}}"#
    ))
    .unwrap();
    assert!(ok.capture());
}

#[test]
fn an_authorization_answer_keeps_what_it_does_not_model() {
    let r: PaymentResponse<'_> = serde_json::from_str(AUTHORIZED).unwrap();
    assert_eq!(r.status_kind(), Some(PaymentStatus::Authorized));
    assert_eq!(r.id.as_deref(), Some("7020838000000000000001"));
    assert_eq!(r.submit_time_utc.as_deref(), Some("2026-12-03T14:00:00Z"));
    assert_eq!(r.reconciliation_id.as_deref(), Some("6208396897246985904953"));
    assert_eq!(r.client_reference_information.as_ref().unwrap().code.as_deref(), Some("TC50171_3"));
    assert_eq!(r.authorized_amount(), Some("102.21"));
    assert_eq!(r.amount_details.as_ref().unwrap().currency.as_deref(), Some("USD"));
    assert_eq!((r.approval_code(), r.response_code()), (Some("831000"), Some("00")));
    assert_eq!(
        r.links.as_ref().unwrap().pointer("self.href").and_then(Value::as_str),
        Some("/pts/v2/payments/7020838000000000000001")
    );
    let extra: Vec<&str> = r.extra.iter().map(|(k, _)| k.as_ref()).collect();
    assert_eq!(extra, ["paymentAccountInformation", "orderInformation"]);
    // Written back: the same JSON object, apart from what the modelled objects ignore (`avs`).
    let out = serde_json::to_string(&r).unwrap();
    let mut a: serde_json::Value = serde_json::from_str(AUTHORIZED).unwrap();
    a["processorInformation"].as_object_mut().unwrap().remove("avs");
    let b: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(a, b);
    assert_eq!(r.clone().into_owned(), r);
}

#[test]
fn a_decline_is_a_value_and_unknown_statuses_are_kept() {
    let r: PaymentResponse<'_> = serde_json::from_str(DECLINED).unwrap();
    assert_eq!(r.status_kind(), Some(PaymentStatus::Declined));
    assert_eq!(r.error_reason(), Some("PROCESSOR_DECLINED"));
    assert_eq!(r.error_message(), Some("Decline - General decline of the card."));
    assert_eq!(r.response_code(), Some("05"));
    for (wire, kind) in [
        ("PARTIAL_AUTHORIZED", PaymentStatus::PartialAuthorized),
        ("AUTHORIZED_PENDING_REVIEW", PaymentStatus::AuthorizedPendingReview),
        ("INVALID_REQUEST", PaymentStatus::InvalidRequest),
        ("SOMETHING_NEW", PaymentStatus::Other),
    ] {
        let json = format!(r#"{{"status":"{wire}"}}"#);
        let r: PaymentResponse<'_> = serde_json::from_str(&json).unwrap();
        assert_eq!(r.status_kind(), Some(kind));
        assert_eq!(r.status.as_deref(), Some(wire), "the raw value is kept");
        assert_eq!(serde_json::to_string(&r).unwrap(), format!(r#"{{"status":"{wire}"}}"#));
    }
    // Tolerant: wrong types are absent, never an error.
    let r: PaymentResponse<'_> =
        serde_json::from_str(r#"{"status":5,"id":[],"processorInformation":"x"}"#).unwrap();
    assert_eq!((r.status_kind(), r.id, r.processor_information), (None, None, None));
    let r: PaymentResponse<'_> = serde_json::from_str("[1]").unwrap();
    assert_eq!(r, PaymentResponse::default());
}

#[test]
fn the_reused_token_error_reads_through_error_body() {
    let e: ErrorBody<'_> = serde_json::from_str(REUSED).unwrap();
    assert_eq!(e.reason(), Some("INVALID_DATA"));
    assert_eq!(e.details().collect::<Vec<_>>(), [(Some("tokenInformation.jti"), Some("INVALID_DATA"))]);
}

/// A body whose `{amount}` is the members of `amountDetails` and `{rest}` more top-level members.
fn payment_body(amount: &str, rest: &str) -> String {
    format!(
        r#"{{"orderInformation":{{"amountDetails":{{{amount}}}}},"tokenInformation":{{"transientTokenJwt":"{TOKEN}"}}{rest}}}"#
    )
}

#[test]
fn from_json_refuses_duplicate_members_at_any_depth() {
    let amount = r#""totalAmount":"10.00","currency":"USD""#;
    let ok = PaymentRequest::from_json(payment_body(amount, "").as_bytes()).unwrap();
    assert_eq!((ok.amount().minor_units(), ok.transient_token_jwt()), (1000, TOKEN));
    for body in [
        // Top level.
        payment_body(amount, &format!(r#","tokenInformation":{{"transientTokenJwt":"{TOKEN}"}}"#)),
        payment_body(amount, r#","orderInformation":{}"#),
        // Nested, plain and spelled with an escape.
        payment_body(&format!(r#"{amount},"totalAmount":"0.01""#), ""),
        payment_body(&format!(r#"{amount},"totalAmo\u0075nt":"0.01""#), ""),
        payment_body(&format!(r#"{amount},"\u0063urrency":"JPY""#), ""),
        // Inside a member the request ignores.
        payment_body(amount, r#","merchantDefinedInformation":[{"key":"1","k\u0065y":"2"}]"#),
    ] {
        match PaymentRequest::from_json(body.as_bytes()) {
            Err(FromJsonError::Json(e)) => assert!(e.is_duplicate_member(), "{body}: {e}"),
            other => panic!("{body}: {other:?}"),
        }
        // serde_json keeps the repetition and the request reads the first occurrence.
        let tolerant: PaymentRequest<'static> = serde_json::from_str(&body).unwrap();
        assert_eq!(tolerant, ok, "{body}");
    }
    let e = PaymentRequest::from_json(b"{\"orderInformation\":").unwrap_err();
    assert!(matches!(e, FromJsonError::Json(e) if e.problem() == flex_jose::JsonError::Syntax));
    assert_eq!(e.to_string(), "malformed JSON at line 1, column 21");
}
