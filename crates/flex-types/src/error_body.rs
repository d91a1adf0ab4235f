//! Error bodies returned by Cybersource, in any of the shapes seen in the wild (flex-api §3.4).
//!
//! ```
//! use flex_types::{ErrorBody, ErrorShape};
//!
//! let body: ErrorBody<'_> = serde_json::from_str(r#"{"response":{"rmsg":"Authentication Failed"}}"#).unwrap();
//! assert_eq!(body.shape(), ErrorShape::Gateway);
//! assert_eq!(body.message(), Some("Authentication Failed"));
//! ```

use std::borrow::Cow;

use serde::de::{Deserialize, Deserializer};
use serde::ser::{Serialize, Serializer};

use crate::cow::{own, own_opt};
use crate::value::{Members, Value};

/// Any Cybersource error body. Every member is optional, and deserialization never fails on valid
/// JSON: unknown members are ignored, a member of an unexpected type is treated as absent, and a
/// non-object body gives an empty `ErrorBody` (shape [`ErrorShape::Unknown`]).
///
/// Read it through the normalized view ([`ErrorBody::shape`], [`ErrorBody::status`],
/// [`ErrorBody::reason`], [`ErrorBody::message`], [`ErrorBody::correlation_id`],
/// [`ErrorBody::details`]) or through the public members. Serialization writes the members that are
/// present, with their JSON names.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody<'a> {
    /// Flex shape: `responseStatus`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_status: Option<ResponseStatus<'a>>,
    /// Flex shape: `_links` (HAL links), kept as raw JSON.
    #[serde(rename = "_links", skip_serializing_if = "Option::is_none")]
    pub links: Option<Value<'a>>,
    /// Gateway shape: `response` (`{"rmsg": ...}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<GatewayResponse<'a>>,
    /// REST shape: `errorInformation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_information: Option<ErrorInformation<'a>>,
    /// REST shape, top level: `status` (a string such as `INVALID_REQUEST`, or a number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ErrorStatus<'a>>,
    /// REST shape, top level: `reason`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Cow<'a, str>>,
    /// REST shape, top level: `message`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Cow<'a, str>>,
    /// REST shape, top level: `details`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorDetail<'a>>,
    /// "Not available" shape: `errors`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorItem<'a>>,
}

/// The Flex `responseStatus` object.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseStatus<'a> {
    /// HTTP-like status, e.g. `400`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ErrorStatus<'a>>,
    /// Reason code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Cow<'a, str>>,
    /// Human-readable message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Cow<'a, str>>,
    /// Error domain (seen in the iOS SDK's model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<Cow<'a, str>>,
    /// Correlation id, to quote to Cybersource support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<Cow<'a, str>>,
    /// Per-field problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorDetail<'a>>,
}

/// The gateway's `response` object (authentication failures).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct GatewayResponse<'a> {
    /// The message, e.g. `Authentication Failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rmsg: Option<Cow<'a, str>>,
}

/// The REST `errorInformation` object.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ErrorInformation<'a> {
    /// Reason code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Cow<'a, str>>,
    /// Human-readable message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Cow<'a, str>>,
    /// Per-field problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorDetail<'a>>,
}

/// One entry of a `details` array: Flex uses `location`/`message`, REST uses `field`/`reason`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ErrorDetail<'a> {
    /// Flex: where the problem is (e.g. `fields.paymentInformation.card.numbr`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Cow<'a, str>>,
    /// REST: the field in error (e.g. `tokenInformation.jti`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<Cow<'a, str>>,
    /// Flex: what is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Cow<'a, str>>,
    /// REST: what is wrong (e.g. `INVALID_DATA`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Cow<'a, str>>,
}

/// One entry of an `errors` array.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ErrorItem<'a> {
    /// Error type, e.g. `notAvailable`; JSON name `type`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<Cow<'a, str>>,
    /// Human-readable message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Cow<'a, str>>,
}

/// A `status` member: a number in the Flex shape (`400`), a string in the REST shape (`INVALID_REQUEST`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ErrorStatus<'a> {
    /// A numeric status.
    Code(i64),
    /// A textual status.
    Text(Cow<'a, str>),
}

impl ErrorStatus<'_> {
    /// The numeric status: the number, or a text made only of digits (e.g. `"400"`).
    pub fn code(&self) -> Option<i64> {
        match self {
            ErrorStatus::Code(c) => Some(*c),
            ErrorStatus::Text(t) => t.parse().ok(),
        }
    }

    /// The textual status, if it is one.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            ErrorStatus::Code(_) => None,
            ErrorStatus::Text(t) => Some(t),
        }
    }

    /// Detaches the status from its input.
    pub fn into_owned(self) -> ErrorStatus<'static> {
        match self {
            ErrorStatus::Code(c) => ErrorStatus::Code(c),
            ErrorStatus::Text(t) => ErrorStatus::Text(own(t)),
        }
    }

    fn from_value(v: Value<'_>) -> Option<ErrorStatus<'_>> {
        match v {
            Value::Number(n) => n.as_i64().map(ErrorStatus::Code),
            Value::String(s) => Some(ErrorStatus::Text(s)),
            _ => None,
        }
    }
}

impl Serialize for ErrorStatus<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ErrorStatus::Code(c) => s.serialize_i64(*c),
            ErrorStatus::Text(t) => s.serialize_str(t),
        }
    }
}

/// Which of the known error shapes a body has (see [`ErrorBody::shape`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorShape {
    /// `{"responseStatus":{...},"_links":{...}}` (Flex endpoints).
    Flex,
    /// `{"response":{"rmsg":...}}` (gateway authentication failures).
    Gateway,
    /// `{"errorInformation":{...}}` or top-level `{"status","reason","message","details"}`.
    Rest,
    /// `{"errors":[{"type","message"}]}`.
    Errors,
    /// None of the above.
    Unknown,
}

impl<'a> ErrorBody<'a> {
    /// Classifies the body. Precedence when several shapes are mixed: `responseStatus`, then
    /// `response`, then `errorInformation`, then `errors`, then top-level REST members.
    pub fn shape(&self) -> ErrorShape {
        if self.response_status.is_some() {
            ErrorShape::Flex
        } else if self.response.is_some() {
            ErrorShape::Gateway
        } else if self.error_information.is_some() {
            ErrorShape::Rest
        } else if !self.errors.is_empty() {
            ErrorShape::Errors
        } else if self.status.is_some()
            || self.reason.is_some()
            || self.message.is_some()
            || !self.details.is_empty()
        {
            ErrorShape::Rest
        } else {
            ErrorShape::Unknown
        }
    }

    /// `responseStatus.status`, else the top-level `status`.
    pub fn status(&self) -> Option<&ErrorStatus<'a>> {
        self.response_status.as_ref().and_then(|r| r.status.as_ref()).or(self.status.as_ref())
    }

    /// The first reason found: `responseStatus.reason`, `errorInformation.reason`, top-level `reason`,
    /// then the first `errors[].type`.
    pub fn reason(&self) -> Option<&str> {
        (self.response_status.as_ref().and_then(|r| r.reason.as_deref()))
            .or_else(|| self.error_information.as_ref().and_then(|e| e.reason.as_deref()))
            .or(self.reason.as_deref())
            .or_else(|| self.errors.iter().find_map(|e| e.type_.as_deref()))
    }

    /// The first message found: `responseStatus.message`, `response.rmsg`, `errorInformation.message`,
    /// top-level `message`, then the first `errors[].message`.
    pub fn message(&self) -> Option<&str> {
        (self.response_status.as_ref().and_then(|r| r.message.as_deref()))
            .or_else(|| self.response.as_ref().and_then(|r| r.rmsg.as_deref()))
            .or_else(|| self.error_information.as_ref().and_then(|e| e.message.as_deref()))
            .or(self.message.as_deref())
            .or_else(|| self.errors.iter().find_map(|e| e.message.as_deref()))
    }

    /// `responseStatus.correlationId`.
    pub fn correlation_id(&self) -> Option<&str> {
        self.response_status.as_ref().and_then(|r| r.correlation_id.as_deref())
    }

    /// Every detail of `responseStatus.details`, `errorInformation.details` and the top-level
    /// `details`, as `(location or field, message or reason)`.
    pub fn details(&self) -> impl Iterator<Item = (Option<&str>, Option<&str>)> + '_ {
        let flex = self.response_status.iter().flat_map(|r| r.details.iter());
        let rest = self.error_information.iter().flat_map(|e| e.details.iter());
        flex.chain(rest).chain(self.details.iter()).map(|d| {
            (d.location.as_deref().or(d.field.as_deref()), d.message.as_deref().or(d.reason.as_deref()))
        })
    }

    /// Detaches the body from its input.
    pub fn into_owned(self) -> ErrorBody<'static> {
        ErrorBody {
            response_status: self.response_status.map(ResponseStatus::into_owned),
            links: self.links.map(Value::into_owned),
            response: self.response.map(|r| GatewayResponse { rmsg: own_opt(r.rmsg) }),
            error_information: self.error_information.map(|e| ErrorInformation {
                reason: own_opt(e.reason),
                message: own_opt(e.message),
                details: owned_details(e.details),
            }),
            status: self.status.map(ErrorStatus::into_owned),
            reason: own_opt(self.reason),
            message: own_opt(self.message),
            details: owned_details(self.details),
            errors: self
                .errors
                .into_iter()
                .map(|e| ErrorItem { type_: own_opt(e.type_), message: own_opt(e.message) })
                .collect(),
        }
    }

    fn from_value(v: Value<'a>) -> Self {
        let Some(mut m) = Members::of(v) else { return ErrorBody::default() };
        ErrorBody {
            response_status: m.take("responseStatus").and_then(ResponseStatus::from_value),
            links: m.take("_links"),
            response: m
                .take("response")
                .and_then(Members::of)
                .map(|mut r| GatewayResponse { rmsg: r.take_str("rmsg") }),
            error_information: m.take("errorInformation").and_then(Members::of).map(error_information),
            status: m.take("status").and_then(ErrorStatus::from_value),
            reason: m.take_str("reason"),
            message: m.take_str("message"),
            details: details(m.take("details")),
            errors: list(m.take("errors")).filter_map(Members::of).map(error_item).collect(),
        }
    }
}

impl<'a> ResponseStatus<'a> {
    /// Detaches the object from its input.
    pub fn into_owned(self) -> ResponseStatus<'static> {
        ResponseStatus {
            status: self.status.map(ErrorStatus::into_owned),
            reason: own_opt(self.reason),
            message: own_opt(self.message),
            domain: own_opt(self.domain),
            correlation_id: own_opt(self.correlation_id),
            details: owned_details(self.details),
        }
    }

    fn from_value(v: Value<'a>) -> Option<Self> {
        let mut m = Members::of(v)?;
        Some(ResponseStatus {
            status: m.take("status").and_then(ErrorStatus::from_value),
            reason: m.take_str("reason"),
            message: m.take_str("message"),
            domain: m.take_str("domain"),
            correlation_id: m.take_str("correlationId"),
            details: details(m.take("details")),
        })
    }
}

/// The items of an array; a lone object counts as a one-item array; anything else as empty.
fn list(v: Option<Value<'_>>) -> impl Iterator<Item = Value<'_>> {
    let items = match v {
        Some(Value::Array(items)) => items,
        Some(obj @ Value::Object(_)) => vec![obj],
        _ => Vec::new(),
    };
    items.into_iter()
}

fn details(v: Option<Value<'_>>) -> Vec<ErrorDetail<'_>> {
    list(v).filter_map(Members::of).map(detail).collect()
}

fn detail(mut d: Members<'_>) -> ErrorDetail<'_> {
    ErrorDetail {
        location: d.take_str("location"),
        field: d.take_str("field"),
        message: d.take_str("message"),
        reason: d.take_str("reason"),
    }
}

pub(crate) fn error_information(mut e: Members<'_>) -> ErrorInformation<'_> {
    ErrorInformation {
        reason: e.take_str("reason"),
        message: e.take_str("message"),
        details: details(e.take("details")),
    }
}

fn error_item(mut e: Members<'_>) -> ErrorItem<'_> {
    ErrorItem { type_: e.take_str("type"), message: e.take_str("message") }
}

pub(crate) fn owned_details(v: Vec<ErrorDetail<'_>>) -> Vec<ErrorDetail<'static>> {
    v.into_iter()
        .map(|d| ErrorDetail {
            location: own_opt(d.location),
            field: own_opt(d.field),
            message: own_opt(d.message),
            reason: own_opt(d.reason),
        })
        .collect()
}

/// Implements the tolerant `Deserialize` of a type through its `from_value`.
macro_rules! deserialize_via_value {
    ($($ty:ident => $conv:expr;)*) => {$(
        impl<'de: 'a, 'a> Deserialize<'de> for $ty<'a> {
            /// Tolerant: never fails on valid JSON (see [`ErrorBody`]).
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Value::deserialize(d).map($conv)
            }
        }
    )*};
}

deserialize_via_value! {
    ErrorBody => ErrorBody::from_value;
    ResponseStatus => |v| ResponseStatus::from_value(v).unwrap_or_default();
    GatewayResponse => |v| Members::of(v).map(|mut m| GatewayResponse { rmsg: m.take_str("rmsg") }).unwrap_or_default();
    ErrorInformation => |v| Members::of(v).map(error_information).unwrap_or_default();
    ErrorDetail => |v| Members::of(v).map(detail).unwrap_or_default();
    ErrorItem => |v| Members::of(v).map(error_item).unwrap_or_default();
}

impl<'de: 'a, 'a> Deserialize<'de> for ErrorStatus<'a> {
    /// Accepts a number (integer) or a string.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let kind = v.kind();
        ErrorStatus::from_value(v).ok_or_else(|| {
            serde::de::Error::custom(format_args!("expected an integer or a string status, found {kind}"))
        })
    }
}
