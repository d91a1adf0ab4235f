//! The strict JSON entry points: request bodies read by `flex-jose`'s reader.
//!
//! [`SessionRequest::from_json`](crate::SessionRequest::from_json),
//! [`MicroformSessionRequest::from_json`](crate::MicroformSessionRequest::from_json),
//! [`PaymentRequest::from_json`](crate::PaymentRequest::from_json) and [`Value::from_json`] read a body with
//! `flex_jose::json::de`, the workspace's one strict JSON reader (RFC 8259 and its policy: UTF-8, no trailing
//! bytes, a top-level object, duplicate member names refused at any depth and compared after unescaping, so
//! `"amount"` and `"amo\u0075nt"` are the same name; nesting at most [`MAX_DEPTH`]), then apply the type's own
//! rules to the value read. A server gets the same refusals for every body this way.
//!
//! The serde `Deserialize` impls of these types work with any deserializer and apply the same type rules, but
//! the JSON is whatever that deserializer accepts: `serde_json`, for one, keeps repeated member names, and the
//! types then read the first occurrence (see [`Value::get`]).

use core::fmt;

use flex_jose::json::Options;
use flex_jose::json::de::{self, Problem, Refused};

use crate::value::Value;

/// The deepest nesting a `from_json` body may have; the top-level object is depth 1. The request types need at
/// most 5 (`fields.paymentInformation.card.number.required`); the rest is room for members they ignore.
pub const MAX_DEPTH: usize = 64;

/// Why a body is not strict JSON, and where. Holds the problem and its position, never input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonError {
    problem: flex_jose::JsonError,
    offset: usize,
    line: u32,
    column: u32,
}

impl JsonError {
    fn new(refused: Refused, text: &str) -> Self {
        let (line, column) = refused.line_column(text);
        let problem = match refused.problem {
            Problem::Json(problem) => problem,
            // `Value` takes any JSON value, so the reader never finds a shape problem with it; were it to, the
            // document is refused all the same.
            _ => flex_jose::JsonError::Syntax,
        };
        JsonError { problem, offset: refused.offset, line, column }
    }

    /// What is wrong, e.g. [`flex_jose::JsonError::DuplicateMember`].
    pub fn problem(&self) -> flex_jose::JsonError {
        self.problem
    }

    /// Whether an object names a member twice (at any depth, compared after unescaping).
    pub fn is_duplicate_member(&self) -> bool {
        self.problem == flex_jose::JsonError::DuplicateMember
    }

    /// The byte offset at which the problem was found.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The 1-based line of [`JsonError::offset`].
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The 1-based column, in bytes, of [`JsonError::offset`].
    pub fn column(&self) -> u32 {
        self.column
    }
}

impl fmt::Display for JsonError {
    /// E.g. `duplicate member name at line 1, column 42`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at line {}, column {}", self.problem, self.line, self.column)
    }
}

impl std::error::Error for JsonError {}

/// Why a `from_json` entry point refused a body: not strict JSON, or strict JSON that the type's rules refuse
/// (`E`: [`SessionRequestError`](crate::SessionRequestError), [`MicroformRequestError`](crate::MicroformRequestError)
/// or [`PaymentRequestError`](crate::PaymentRequestError)).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FromJsonError<E> {
    /// The body is not strict JSON (see the [module docs](self)).
    Json(JsonError),
    /// The body is strict JSON, but the request's rules refuse it.
    Invalid(E),
}

impl<E: fmt::Display> fmt::Display for FromJsonError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json(e) => e.fmt(f),
            Self::Invalid(e) => e.fmt(f),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for FromJsonError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Json(e) => Some(e),
            Self::Invalid(e) => Some(e),
        }
    }
}

/// Reads `json` with the strict reader into a [`Value`] (which takes any JSON value: every refusal is a JSON one).
pub(crate) fn read(json: &[u8]) -> Result<Value<'_>, JsonError> {
    let text = match core::str::from_utf8(json) {
        Ok(text) => text,
        Err(e) => {
            let offset = e.valid_up_to();
            // `valid_up_to` is a character boundary of the valid prefix, so this never falls back.
            let prefix = json.get(..offset).and_then(|p| core::str::from_utf8(p).ok()).unwrap_or_default();
            let refused = Refused { problem: Problem::Json(flex_jose::JsonError::InvalidUtf8), offset };
            return Err(JsonError::new(refused, prefix));
        }
    };
    de::from_str_map(text, Options { max_depth: MAX_DEPTH, spill: true }, &mut |_| {}, |refused| {
        JsonError::new(refused, text)
    })
}

/// [`read`], then `rules` on the value read.
pub(crate) fn parse<'a, T, E>(
    json: &'a [u8],
    rules: impl FnOnce(Value<'a>) -> Result<T, E>,
) -> Result<T, FromJsonError<E>> {
    let value = read(json).map_err(FromJsonError::Json)?;
    rules(value).map_err(FromJsonError::Invalid)
}
