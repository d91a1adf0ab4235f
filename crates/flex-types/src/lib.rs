//! The Cybersource Flex API v2 schema: the vocabulary the other `flex-*` crates share.
//!
//! Serde types: no crypto, no IO, no clock; `serde`, and `flex-jose` (without a crypto provider) for its strict
//! JSON reader. Parsing checks shapes; signatures, times and key policy are `flex-jwt`'s job.
//!
//! - [`CaptureContextClaims`]: the payload of the capture-context JWT (`flx`, `ctx`, ...), with the
//!   encryption key as an [`RsaJwk`].
//! - [`SessionRequest`]: the body of `POST /flex/v2/sessions`, built from [`FieldPath`]s.
//! - [`TransientTokenClaims`]: the payload of a transient token, with open-ended parts as [`Value`].
//! - [`ErrorBody`]: any error body Cybersource sends, with a normalized view.
//! - [`MicroformSessionRequest`]: the body of `POST /microform/v2/sessions` (Microform v2), checked when built;
//!   [`CaptureContextClaims::kind`] tells a Microform context (`mf-*`) from a Flex API one (`api-*`).
//! - [`PaymentRequest`] / [`PaymentResponse`]: the subset of `POST /pts/v2/payments` that authorizes a
//!   transient token, with [`Amount`]s checked against their [`Currency`]'s minor units.
//!
//! The request types a server parses ([`SessionRequest`], [`MicroformSessionRequest`], [`PaymentRequest`]) have
//! a strict entry point, `from_json`, that reads the body with `flex-jose`'s strict JSON reader (duplicate member
//! names refused at any depth, depth capped; see [`json`]); their serde `Deserialize` impls apply the same rules
//! to whatever JSON the deserializer accepts.
//!
//! Response types tolerate unknown members everywhere. Strings borrow from the input (`Cow::Borrowed`)
//! unless they contain JSON escapes (`Cow::Owned`); `into_owned()` detaches a value from its input.
//!
//! ```
//! use std::borrow::Cow;
//! use flex_types::{CaptureContextClaims, FieldPath, SessionRequest};
//!
//! // The decoded payload of a capture-context JWT (shortened modulus).
//! let payload = r#"{"flx":{"path":"/flex/v2/tokens","data":"AbC\u003d","origin":"https://testflex.cybersource.com",
//!   "jwk":{"kty":"RSA","e":"AQAB","use":"enc","n":"yc0ZXJbV","kid":"00nMfpbP967J85ALZDXSO6mdsYcD3ZoG"}},
//!   "ctx":[{"data":{"requiredFields":["paymentInformation.card.number"],"optionalFields":[]},"type":"api-0.1.0"}],
//!   "iss":"Flex API","exp":1618206379,"iat":1618205479,"jti":"a1dOnVwdFJQCI8e4","newMember":true}"#;
//! let claims: CaptureContextClaims<'_> = serde_json::from_str(payload)?;
//! assert_eq!(claims.flx.jwk.kid.as_deref(), Some("00nMfpbP967J85ALZDXSO6mdsYcD3ZoG"));
//! assert!(matches!(claims.flx.origin, Cow::Borrowed(_))); // zero-copy
//! assert_eq!(claims.flx.data, "AbC="); // unescaped, hence owned
//! assert_eq!(claims.tokens_url(), "https://testflex.cybersource.com/flex/v2/tokens");
//! assert_eq!(claims.required_fields().collect::<Vec<_>>(), ["paymentInformation.card.number"]);
//!
//! // The body that asks for such a context.
//! let request = SessionRequest::new()
//!     .require(FieldPath::CardNumber)
//!     .optional(FieldPath::CardExpirationMonth)
//!     .optional(FieldPath::CardExpirationYear);
//! assert_eq!(
//!     serde_json::to_string(&request)?,
//!     r#"{"fields":{"paymentInformation":{"card":{"number":{},"expirationMonth":{"required":false},"expirationYear":{"required":false}}}}}"#
//! );
//! # Ok::<(), serde_json::Error>(())
//! ```
#![forbid(unsafe_code)]

mod cow;

pub mod capture_context;
pub mod error_body;
/// Hooks for `fuzz/` (the payments and Microform parsers with their oracles). Unstable, not for production:
/// compiled only with the non-default `fuzzing` feature.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod json;
pub mod jwk;
pub mod microform;
pub mod payments;
pub mod sessions;
pub mod transient_token;
pub mod value;

pub use capture_context::{CaptureContextClaims, ContextKind, Ctx, CtxData, Flx};
pub use error_body::{
    ErrorBody, ErrorDetail, ErrorInformation, ErrorItem, ErrorShape, ErrorStatus, GatewayResponse,
    ResponseStatus,
};
pub use json::{FromJsonError, JsonError};
pub use jwk::RsaJwk;
pub use microform::{
    CardNetwork, MicroformRequestError, MicroformSessionRequest, MicroformSessionRequestBuilder, PaymentType,
    TransientTokenResponseOptions,
};
pub use payments::{
    Amount, AmountDetails, AmountError, BillTo, ClientReferenceInformation, Currency, PaymentRequest,
    PaymentRequestBuilder, PaymentRequestError, PaymentResponse, PaymentStatus, ProcessorInformation,
    looks_like_compact_jwt,
};
pub use sessions::{
    FieldGroup, FieldPath, ParseFieldPathError, Requirement, SessionRequest, SessionRequestError,
    SessionRequestErrorKind,
};
pub use transient_token::{CardExpiry, CardSummary, TransientTokenClaims};
pub use value::{Number, Value};
