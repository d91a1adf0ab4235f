use std::borrow::Cow;

use flex_types::{ErrorBody, ErrorShape, ErrorStatus};

fn parse(s: &str) -> ErrorBody<'_> {
    let body: ErrorBody<'_> = serde_json::from_str(s).unwrap();
    // Whatever was understood survives our own serializer.
    let out = serde_json::to_string(&body).unwrap();
    let again: ErrorBody<'_> = serde_json::from_str(&out).unwrap();
    assert_eq!(again, body, "{out}");
    assert_eq!(body.clone().into_owned(), body);
    body
}

fn details<'b>(b: &'b ErrorBody<'_>) -> Vec<(Option<&'b str>, Option<&'b str>)> {
    b.details().collect()
}

/// flex-api §3.4 (1), `InlineResponseDefault`, with the elided parts filled in.
#[test]
fn flex_shape() {
    let s = r#"{"responseStatus":{"status":400,"reason":"VALIDATION_ERROR","message":"Field validation error",
        "correlationId":"7a6d1c9e-3b1f-4b5e-9a0b-2f4c7d8e9f10","details":[{"location":"fields.paymentInformation.card.numbr","message":"unknown field"}]},
        "_links":{"self":{"href":"/flex/v2/sessions","title":"Create capture context","method":"POST"},"next":[],"documentation":[]}}"#;
    let b = parse(s);
    assert_eq!(b.shape(), ErrorShape::Flex);
    assert_eq!(b.status(), Some(&ErrorStatus::Code(400)));
    assert_eq!(b.status().and_then(ErrorStatus::code), Some(400));
    assert_eq!(b.reason(), Some("VALIDATION_ERROR"));
    assert_eq!(b.message(), Some("Field validation error"));
    assert_eq!(b.correlation_id(), Some("7a6d1c9e-3b1f-4b5e-9a0b-2f4c7d8e9f10"));
    assert_eq!(details(&b), [(Some("fields.paymentInformation.card.numbr"), Some("unknown field"))]);
    let links = b.links.as_ref().unwrap();
    assert_eq!(links.pointer("self.method").and_then(|v| v.as_str()), Some("POST"));
    assert!(matches!(b.response_status.as_ref().unwrap().reason, Some(Cow::Borrowed(_))));
}

/// The iOS SDK's variant: `domain`, no details.
#[test]
fn flex_shape_ios_variant() {
    let b = parse(
        r#"{"responseStatus":{"status":3003,"reason":"DIGEST_MISMATCH","message":"m","domain":"flex"}}"#,
    );
    assert_eq!(b.shape(), ErrorShape::Flex);
    assert_eq!(b.response_status.as_ref().unwrap().domain.as_deref(), Some("flex"));
    assert_eq!(b.correlation_id(), None);
    assert!(details(&b).is_empty());
}

/// flex-api §3.4 (2), both literal gateway bodies.
#[test]
fn gateway_shape() {
    for (s, msg) in [
        (r#"{"response":{"rmsg":"Authentication Failed"}}"#, "Authentication Failed"),
        (
            r#"{"response":{"rmsg":"missing http required header : v-c-merchant-id,signature,date,"}}"#,
            "missing http required header : v-c-merchant-id,signature,date,",
        ),
    ] {
        let b = parse(s);
        assert_eq!(b.shape(), ErrorShape::Gateway);
        assert_eq!(b.message(), Some(msg));
        assert_eq!((b.status(), b.reason(), b.correlation_id()), (None, None, None));
        assert_eq!(serde_json::to_string(&b).unwrap(), s);
    }
}

/// flex-api §3.4 (3): `errorInformation`.
#[test]
fn rest_error_information_shape() {
    let s = r#"{"errorInformation":{"reason":"INVALID_DATA","message":"Declined - One or more fields in the request contains invalid data","details":[{"field":"tokenInformation.jti","reason":"INVALID_DATA"}]}}"#;
    let b = parse(s);
    assert_eq!(b.shape(), ErrorShape::Rest);
    assert_eq!(b.reason(), Some("INVALID_DATA"));
    assert_eq!(b.message(), Some("Declined - One or more fields in the request contains invalid data"));
    assert_eq!(details(&b), [(Some("tokenInformation.jti"), Some("INVALID_DATA"))]);
    assert_eq!(serde_json::to_string(&b).unwrap(), s);
}

/// flex-api §3.4 (3): top level, including the server-error variant.
#[test]
fn rest_top_level_shape() {
    let s = r#"{"submitTimeUtc":"2024-01-01T00:00:00Z","status":"INVALID_REQUEST","reason":"MISSING_FIELD","message":"Declined - The request is missing one or more fields","details":[{"field":"orderInformation.amountDetails.currency","reason":"MISSING_FIELD"}]}"#;
    let b = parse(s);
    assert_eq!(b.shape(), ErrorShape::Rest);
    assert_eq!(b.status().and_then(ErrorStatus::as_text), Some("INVALID_REQUEST"));
    assert_eq!(b.status().and_then(ErrorStatus::code), None);
    assert_eq!(b.reason(), Some("MISSING_FIELD"));
    assert_eq!(details(&b), [(Some("orderInformation.amountDetails.currency"), Some("MISSING_FIELD"))]);
    for reason in ["SYSTEM_ERROR", "SERVER_TIMEOUT", "SERVICE_TIMEOUT"] {
        let s = format!(
            r#"{{"status":"SERVER_ERROR","message":"Error - General system failure.","reason":"{reason}"}}"#
        );
        let b = parse(&s);
        assert_eq!(b.shape(), ErrorShape::Rest);
        assert_eq!(b.reason(), Some(reason));
        assert_eq!(b.message(), Some("Error - General system failure."));
    }
}

/// flex-api §3.4 (3): the "not available" shape.
#[test]
fn errors_shape() {
    let b =
        parse(r#"{"errors":[{"type":"notAvailable","message":"Service not available"},{"type":"other"}]}"#);
    assert_eq!(b.shape(), ErrorShape::Errors);
    assert_eq!(b.reason(), Some("notAvailable"));
    assert_eq!(b.message(), Some("Service not available"));
    assert_eq!(b.errors.len(), 2);
}

#[test]
fn anything_valid_is_tolerated() {
    for s in ["null", "[]", "\"oops\"", "42", "{}", r#"{"unrelated":{"x":1}}"#, r#"{"response":"text"}"#] {
        let b = parse(s);
        assert_eq!(b.shape(), ErrorShape::Unknown, "{s}");
        assert_eq!((b.message(), b.reason(), b.status()), (None, None, None));
    }
    // Wrong member types are treated as absent; numeric text statuses still give a code.
    let b = parse(
        r#"{"responseStatus":{"status":"400","reason":7,"message":["x"],"correlationId":null,"details":{"location":"l","message":1}},"extra":true}"#,
    );
    assert_eq!(b.shape(), ErrorShape::Flex);
    assert_eq!(b.status().and_then(ErrorStatus::code), Some(400));
    assert_eq!((b.reason(), b.message(), b.correlation_id()), (None, None, None));
    assert_eq!(details(&b), [(Some("l"), None)]);
    let b = parse(r#"{"responseStatus":[],"errorInformation":{"details":[1,"x",{"field":"f"}]}}"#);
    assert_eq!(b.shape(), ErrorShape::Rest);
    assert_eq!(details(&b), [(Some("f"), None)]);
    let b = parse(r#"{"status":1.5,"errors":[]}"#);
    assert_eq!(b.shape(), ErrorShape::Unknown);
    // Invalid JSON is still an error (a deserializer cannot make up a value).
    assert!(serde_json::from_str::<ErrorBody<'_>>("<html>").is_err());
}

#[test]
fn mixed_shapes_follow_the_documented_precedence() {
    let b = parse(r#"{"message":"top","response":{"rmsg":"gw"},"responseStatus":{"message":"flex"}}"#);
    assert_eq!(b.shape(), ErrorShape::Flex);
    assert_eq!(b.message(), Some("flex"));
    let b = parse(r#"{"message":"top","response":{"rmsg":"gw"}}"#);
    assert_eq!((b.shape(), b.message()), (ErrorShape::Gateway, Some("gw")));
}

#[test]
fn sandbox_can_build_and_emit_a_flex_error() {
    let body = ErrorBody {
        response_status: Some(flex_types::ResponseStatus {
            status: Some(ErrorStatus::Code(400)),
            reason: Some("BAD_REQUEST".into()),
            message: Some("unknown field path".into()),
            details: vec![flex_types::ErrorDetail {
                location: Some("fields.paymentInformation.card.numbr".into()),
                message: Some("unknown field path".into()),
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_string(&body).unwrap(),
        r#"{"responseStatus":{"status":400,"reason":"BAD_REQUEST","message":"unknown field path","details":[{"location":"fields.paymentInformation.card.numbr","message":"unknown field path"}]}}"#
    );
}
