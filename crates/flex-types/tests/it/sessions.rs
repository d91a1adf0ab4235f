use std::collections::HashSet;

use flex_types::{
    FieldGroup, FieldPath, FromJsonError, Requirement, SessionRequest, SessionRequestErrorKind, Value,
};

use crate::vector;

/// The capturable paths exactly as flex-api §3.2 lists them.
const SPEC_PATHS: [&str; 31] = [
    "orderInformation.amountDetails.totalAmount",
    "orderInformation.amountDetails.currency",
    "orderInformation.billTo.address1",
    "orderInformation.billTo.address2",
    "orderInformation.billTo.administrativeArea",
    "orderInformation.billTo.buildingNumber",
    "orderInformation.billTo.country",
    "orderInformation.billTo.district",
    "orderInformation.billTo.locality",
    "orderInformation.billTo.postalCode",
    "orderInformation.billTo.email",
    "orderInformation.billTo.firstName",
    "orderInformation.billTo.lastName",
    "orderInformation.billTo.phoneNumber",
    "orderInformation.billTo.company",
    "orderInformation.shipTo.address1",
    "orderInformation.shipTo.address2",
    "orderInformation.shipTo.administrativeArea",
    "orderInformation.shipTo.buildingNumber",
    "orderInformation.shipTo.country",
    "orderInformation.shipTo.district",
    "orderInformation.shipTo.locality",
    "orderInformation.shipTo.postalCode",
    "orderInformation.shipTo.firstName",
    "orderInformation.shipTo.lastName",
    "orderInformation.shipTo.company",
    "paymentInformation.card.number",
    "paymentInformation.card.type",
    "paymentInformation.card.securityCode",
    "paymentInformation.card.expirationMonth",
    "paymentInformation.card.expirationYear",
];

fn vector_body() -> String {
    let v: serde_json::Value =
        serde_json::from_str(&vector("http-signature/post-flex-v2-sessions.json")).unwrap();
    v["body"].as_str().unwrap().to_owned()
}

fn vector_request() -> SessionRequest {
    SessionRequest::new()
        .require(FieldPath::CardNumber)
        .optional(FieldPath::CardSecurityCode)
        .optional(FieldPath::CardExpirationMonth)
        .optional(FieldPath::CardExpirationYear)
        .optional(FieldPath::CardType)
}

#[test]
fn builder_serializes_byte_exact_to_the_signed_vector_body() {
    let body = vector_body();
    assert_eq!(body.len(), 189);
    assert_eq!(serde_json::to_string(&vector_request()).unwrap(), body);
    assert_eq!(serde_json::to_vec(&vector_request()).unwrap(), body.as_bytes());
}

#[test]
fn vector_body_round_trips_byte_exact() {
    let body = vector_body();
    let req: SessionRequest = serde_json::from_str(&body).unwrap();
    assert_eq!(req, vector_request());
    assert_eq!(serde_json::to_string(&req).unwrap(), body);
    assert_eq!(req.len(), 5);
    assert_eq!(req.required_paths().collect::<Vec<_>>(), [FieldPath::CardNumber]);
    assert_eq!(req.optional_paths().count(), 4);
    assert_eq!(req.get(FieldPath::CardNumber), Some(Requirement::REQUIRED));
    assert_eq!(req.get(FieldPath::CardType), Some(Requirement::OPTIONAL));
    assert_eq!(req.get(FieldPath::Currency), None);
}

#[test]
fn field_paths_match_the_spec_exactly() {
    let ours: Vec<&str> = FieldPath::ALL.iter().map(|p| p.as_str()).collect();
    assert_eq!(ours, SPEC_PATHS);
    assert_eq!(FieldPath::ALL.iter().collect::<HashSet<_>>().len(), 31);
    for p in FieldPath::ALL {
        assert_eq!(p.as_str().parse::<FieldPath>(), Ok(*p));
        assert_eq!(p.segments().join("."), p.as_str());
        assert_eq!(FieldPath::from_segments(p.segments()), Some(*p));
        assert_eq!(p.to_string(), p.as_str());
        assert_eq!(serde_json::to_string(p).unwrap(), format!("\"{}\"", p.as_str()));
        assert_eq!(serde_json::from_str::<FieldPath>(&format!("\"{}\"", p.as_str())).unwrap(), *p);
        assert_eq!(p.is_card(), p.as_str().starts_with("paymentInformation.card."));
    }
    assert_eq!(FieldPath::ALL.iter().filter(|p| p.is_card()).count(), 5);
    assert_eq!(FieldPath::ALL.iter().filter(|p| p.group() == FieldGroup::ShipTo).count(), 11);
    assert_eq!(FieldPath::ALL.iter().filter(|p| p.group() == FieldGroup::BillTo).count(), 13);
    // shipTo has no email or phoneNumber.
    for bad in [
        "orderInformation.shipTo.email",
        "orderInformation.shipTo.phoneNumber",
        "paymentInformation.card.Number",
        "paymentInformation.card",
        "",
    ] {
        let err = bad.parse::<FieldPath>().unwrap_err();
        assert!(err.to_string().starts_with("unknown Flex v2 field path"));
        assert!(serde_json::from_str::<FieldPath>(&format!("\"{bad}\"")).is_err());
    }
}

#[test]
fn requirement_semantics_and_bytes() {
    for (json, req, required) in [
        ("{}", Requirement { required: None }, true),
        (r#"{"required":true}"#, Requirement { required: Some(true) }, true),
        (r#"{"required":false}"#, Requirement { required: Some(false) }, false),
    ] {
        let parsed: Requirement = serde_json::from_str(json).unwrap();
        assert_eq!(parsed, req);
        assert_eq!(parsed.is_required(), required);
        assert_eq!(serde_json::to_string(&req).unwrap(), json);
    }
    let tolerant: Requirement = serde_json::from_str(r#"{"label":"x","required":false,"more":[1]}"#).unwrap();
    assert_eq!(tolerant, Requirement::OPTIONAL);
    let err = serde_json::from_str::<Requirement>(r#"{"required":"yes"}"#).unwrap_err().to_string();
    assert!(err.contains("expected a boolean at `required`, found a string"), "{err}");
    assert!(serde_json::from_str::<Requirement>("true").is_err());
}

#[test]
fn explicit_true_round_trips_byte_exact() {
    let body = r#"{"fields":{"orderInformation":{"amountDetails":{"totalAmount":{"required":true},"currency":{}},"billTo":{"email":{"required":false}}}}}"#;
    let req: SessionRequest = serde_json::from_str(body).unwrap();
    assert_eq!(req.get(FieldPath::TotalAmount), Some(Requirement { required: Some(true) }));
    assert_eq!(serde_json::to_string(&req).unwrap(), body);
}

#[test]
fn paths_are_grouped_by_first_appearance_at_every_level() {
    let req = SessionRequest::new()
        .require(FieldPath::CardNumber)
        .require(FieldPath::BillToEmail)
        .optional(FieldPath::CardType)
        .require(FieldPath::Currency)
        .require(FieldPath::BillToCountry);
    assert_eq!(
        req.iter().map(|(p, _)| p).collect::<Vec<_>>(),
        [
            FieldPath::CardNumber,
            FieldPath::CardType,
            FieldPath::BillToEmail,
            FieldPath::BillToCountry,
            FieldPath::Currency
        ]
    );
    let body = serde_json::to_string(&req).unwrap();
    assert_eq!(
        body,
        r#"{"fields":{"paymentInformation":{"card":{"number":{},"type":{"required":false}}},"orderInformation":{"billTo":{"email":{},"country":{}},"amountDetails":{"currency":{}}}}}"#
    );
    let back: SessionRequest = serde_json::from_str(&body).unwrap();
    assert_eq!(back, req);
}

#[test]
fn insert_updates_in_place_and_remove_works() {
    let mut req = vector_request();
    assert_eq!(req.insert(FieldPath::CardSecurityCode, Requirement::REQUIRED), Some(Requirement::OPTIONAL));
    assert_eq!(req.iter().nth(1), Some((FieldPath::CardSecurityCode, Requirement::REQUIRED)));
    assert_eq!(req.remove(FieldPath::CardNumber), Some(Requirement::REQUIRED));
    assert_eq!(req.remove(FieldPath::CardNumber), None);
    assert_eq!(req.len(), 4);
    let collected: SessionRequest =
        [(FieldPath::CardType, Requirement::OPTIONAL), (FieldPath::CardType, Requirement::REQUIRED)]
            .into_iter()
            .collect();
    assert_eq!(collected.iter().collect::<Vec<_>>(), [(FieldPath::CardType, Requirement::REQUIRED)]);
}

#[test]
fn empty_and_missing_fields() {
    let empty = SessionRequest::new();
    assert!(empty.is_empty());
    assert_eq!(serde_json::to_string(&empty).unwrap(), r#"{"fields":{}}"#);
    for body in [r#"{"fields":{}}"#, "{}", r#"{"fields":{"paymentInformation":{}}}"#] {
        let req: SessionRequest = serde_json::from_str(body).unwrap();
        assert!(req.is_empty(), "{body}");
    }
}

#[test]
fn unknown_top_level_members_and_requirement_members_are_tolerated() {
    let body = r#"{"clientVersion":"v2","targetOrigins":["https://a"],"fields":{"paymentInformation":{"card":{"number":{"required":true,"hint":"x"}}}},"z":null}"#;
    let req: SessionRequest = serde_json::from_str(body).unwrap();
    assert_eq!(
        req.iter().collect::<Vec<_>>(),
        [(FieldPath::CardNumber, Requirement { required: Some(true) })]
    );
}

fn reject(body: &str, kind: SessionRequestErrorKind, location: &str) -> String {
    let v: Value<'_> = serde_json::from_str(body).unwrap();
    let err = SessionRequest::from_value(&v).unwrap_err();
    assert_eq!(err.kind(), kind, "{body}");
    assert_eq!(err.location(), location, "{body}");
    let msg = serde_json::from_str::<SessionRequest>(body).unwrap_err().to_string();
    assert!(msg.starts_with(&err.to_string()), "{msg} vs {err}");
    // The strict entry point applies the same rules (a body that is not an object is its JSON refusal).
    match SessionRequest::from_json(body.as_bytes()) {
        Err(FromJsonError::Invalid(e)) => assert_eq!(e, err, "{body}"),
        Err(FromJsonError::Json(e)) => {
            assert!(v.as_object().is_none(), "{body}: {e}");
            assert_eq!(e.problem(), flex_jose::JsonError::NotAnObject, "{body}");
        }
        other => panic!("{body}: {other:?}"),
    }
    if !location.is_empty() {
        assert!(msg.contains(&format!("`{location}`")), "{msg}");
    }
    msg
}

#[test]
fn unknown_paths_are_errors_naming_the_location() {
    use SessionRequestErrorKind::UnknownField;
    let msg = reject(
        r#"{"fields":{"paymentInformation":{"card":{"numbr":{}}}}}"#,
        UnknownField,
        "fields.paymentInformation.card.numbr",
    );
    assert!(msg.starts_with("unknown field path at `fields.paymentInformation.card.numbr`"), "{msg}");
    reject(r#"{"fields":{"paymentInfo":{}}}"#, UnknownField, "fields.paymentInfo");
    reject(r#"{"fields":{"orderInformation":{"card":{}}}}"#, UnknownField, "fields.orderInformation.card");
    reject(
        r#"{"fields":{"orderInformation":{"shipTo":{"email":{}}}}}"#,
        UnknownField,
        "fields.orderInformation.shipTo.email",
    );
    reject(
        r#"{"fields":{"paymentInformation":{"card":{"number":{},"type":{}}},"orderInformation":{"billTo":{"phone":{}}}}}"#,
        UnknownField,
        "fields.orderInformation.billTo.phone",
    );
}

#[test]
fn wrong_types_are_errors_naming_the_location_without_echoing_values() {
    use SessionRequestErrorKind::{NotABoolean, NotAnObject};
    let msg = reject(
        r#"{"fields":{"paymentInformation":{"card":{"number":{"required":"yes"}}}}}"#,
        NotABoolean,
        "fields.paymentInformation.card.number.required",
    );
    assert!(msg.contains("found a string") && !msg.contains("yes"), "{msg}");
    reject(
        r#"{"fields":{"paymentInformation":{"card":{"number":{"required":null}}}}}"#,
        NotABoolean,
        "fields.paymentInformation.card.number.required",
    );
    // Card data where a requirement belongs: rejected, and the number is not repeated.
    let msg = reject(
        r#"{"fields":{"paymentInformation":{"card":{"number":"4111111111111111"}}}}"#,
        NotAnObject,
        "fields.paymentInformation.card.number",
    );
    assert!(!msg.contains("4111"), "{msg}");
    reject(r#"{"fields":{"paymentInformation":{"card":[]}}}"#, NotAnObject, "fields.paymentInformation.card");
    reject(r#"{"fields":{"orderInformation":true}}"#, NotAnObject, "fields.orderInformation");
    reject(r#"{"fields":[]}"#, NotAnObject, "fields");
    reject(r#"{"fields":null}"#, NotAnObject, "fields");
    let msg = reject(r#""4111111111111111""#, NotAnObject, "");
    assert!(msg.starts_with("expected a JSON object, found a string") && !msg.contains("4111"), "{msg}");
}

#[test]
fn from_json_refuses_duplicate_members_at_any_depth() {
    for body in [
        r#"{"fields":{},"fields":{}}"#,
        r#"{"fields":{"paymentInformation":{"card":{"number":{}}},"paymentInformation":{"card":{"type":{}}}}}"#,
        r#"{"fields":{"paymentInformation":{"card":{"number":{},"number":{}}}}}"#,
        r#"{"fields":{"paymentInformation":{"card":{"number":{"required":true,"required":false}}}}}"#,
        // The same name spelled with an escape.
        r#"{"fields":{"paymentInformation":{"card":{"number":{},"numb\u0065r":{}}}}}"#,
        r#"{"fi\u0065lds":{},"fields":{"paymentInformation":{"card":{"number":{}}}}}"#,
        // Inside a member the request ignores.
        r#"{"fields":{"paymentInformation":{"card":{"number":{}}}},"extra":[{"a":1,"\u0061":2}]}"#,
    ] {
        match SessionRequest::from_json(body.as_bytes()) {
            Err(FromJsonError::Json(e)) => {
                assert!(e.is_duplicate_member(), "{body}: {e}");
                assert_eq!(
                    (e.line(), e.to_string().starts_with("duplicate member name at line 1")),
                    (1, true)
                );
            }
            other => panic!("{body}: {other:?}"),
        }
    }
    // Without the repetition, each is accepted.
    let ok = SessionRequest::from_json(br#"{"fields":{"paymentInformation":{"card":{"n\u0075mber":{}}}}}"#);
    assert_eq!(ok.unwrap().required_paths().collect::<Vec<_>>(), [FieldPath::CardNumber]);
}

#[test]
fn from_json_refuses_what_is_not_strict_json_with_its_position() {
    let cases: [(&[u8], flex_jose::JsonError, (u32, u32)); 4] = [
        (b"{\"fields\":{}", flex_jose::JsonError::Syntax, (1, 13)),
        (b"{\"fields\":{}}\n{}", flex_jose::JsonError::Syntax, (2, 1)),
        (b"{\"fields\":\"\xff\"}", flex_jose::JsonError::InvalidUtf8, (1, 12)),
        (b"[]", flex_jose::JsonError::NotAnObject, (1, 3)),
    ];
    for (body, problem, (line, column)) in cases {
        match SessionRequest::from_json(body) {
            Err(FromJsonError::Json(e)) => {
                assert_eq!((e.problem(), e.line(), e.column()), (problem, line, column), "{body:?}: {e}");
            }
            other => panic!("{body:?}: {other:?}"),
        }
    }
    let deep = format!("{{\"x\":{}{}}}", "[".repeat(64), "]".repeat(64));
    let e = SessionRequest::from_json(deep.as_bytes()).unwrap_err();
    assert!(matches!(e, FromJsonError::Json(e) if e.problem() == flex_jose::JsonError::TooDeep), "{e:?}");
}

#[test]
fn a_non_strict_readers_repeated_members_are_merged() {
    use FieldPath::{BillToCountry, CardNumber, CardSecurityCode, CardType};
    // serde_json keeps repeated names: a repeated path keeps its first position and its last requirement,
    // and the paths of one object stay together.
    let body = r#"{"fields":{"paymentInformation":{"card":{"number":{},"type":{}}},"orderInformation":{"billTo":{"country":{}}},"paymentInformation":{"card":{"number":{"required":false},"securityCode":{}}}},"fields":{"paymentInformation":{"card":{"type":{"required":true,"required":false}}}}}"#;
    let req: SessionRequest = serde_json::from_str(body).unwrap();
    assert_eq!(
        req.iter().collect::<Vec<_>>(),
        [
            (CardNumber, Requirement::OPTIONAL),
            (CardType, Requirement::OPTIONAL),
            (CardSecurityCode, Requirement::REQUIRED),
            (BillToCountry, Requirement::REQUIRED),
        ]
    );
    assert_eq!(
        serde_json::to_string(&req).unwrap(),
        r#"{"fields":{"paymentInformation":{"card":{"number":{"required":false},"type":{"required":false},"securityCode":{}}},"orderInformation":{"billTo":{"country":{}}}}}"#
    );
}
