//! The body of `POST /flex/v2/sessions` (`GenerateFlexAPICaptureContextRequest`).
//!
//! ```
//! use flex_types::{FieldPath, SessionRequest};
//!
//! let req = SessionRequest::new().require(FieldPath::CardNumber).optional(FieldPath::CardSecurityCode);
//! let body = serde_json::to_string(&req).unwrap();
//! assert_eq!(
//!     body,
//!     r#"{"fields":{"paymentInformation":{"card":{"number":{},"securityCode":{"required":false}}}}}"#
//! );
//! ```

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::cow::CowStr;
use crate::json::FromJsonError;
use crate::value::Value;

macro_rules! field_paths {
    ($( $variant:ident => $group:ident ($g:literal, $s:literal, $l:literal), )*) => {
        /// Every field `POST /flex/v2/sessions` can ask to capture (flex-api §3.2).
        ///
        /// Each variant documents its dotted path; [`FieldPath::as_str`] returns it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum FieldPath {
            $(
                #[doc = concat!("`", $g, ".", $s, ".", $l, "`")]
                $variant,
            )*
        }

        impl FieldPath {
            /// All paths, in the order of the schema.
            pub const ALL: &'static [FieldPath] = &[$(FieldPath::$variant,)*];

            /// The dotted path, e.g. `"paymentInformation.card.number"`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(FieldPath::$variant => concat!($g, ".", $s, ".", $l),)*
                }
            }

            /// The three JSON member names on the way to this field inside `fields`.
            pub const fn segments(self) -> [&'static str; 3] {
                match self {
                    $(FieldPath::$variant => [$g, $s, $l],)*
                }
            }

            /// The object this field belongs to.
            pub const fn group(self) -> FieldGroup {
                match self {
                    $(FieldPath::$variant => FieldGroup::$group,)*
                }
            }
        }
    };
}

field_paths! {
    TotalAmount => AmountDetails("orderInformation", "amountDetails", "totalAmount"),
    Currency => AmountDetails("orderInformation", "amountDetails", "currency"),
    BillToAddress1 => BillTo("orderInformation", "billTo", "address1"),
    BillToAddress2 => BillTo("orderInformation", "billTo", "address2"),
    BillToAdministrativeArea => BillTo("orderInformation", "billTo", "administrativeArea"),
    BillToBuildingNumber => BillTo("orderInformation", "billTo", "buildingNumber"),
    BillToCountry => BillTo("orderInformation", "billTo", "country"),
    BillToDistrict => BillTo("orderInformation", "billTo", "district"),
    BillToLocality => BillTo("orderInformation", "billTo", "locality"),
    BillToPostalCode => BillTo("orderInformation", "billTo", "postalCode"),
    BillToEmail => BillTo("orderInformation", "billTo", "email"),
    BillToFirstName => BillTo("orderInformation", "billTo", "firstName"),
    BillToLastName => BillTo("orderInformation", "billTo", "lastName"),
    BillToPhoneNumber => BillTo("orderInformation", "billTo", "phoneNumber"),
    BillToCompany => BillTo("orderInformation", "billTo", "company"),
    ShipToAddress1 => ShipTo("orderInformation", "shipTo", "address1"),
    ShipToAddress2 => ShipTo("orderInformation", "shipTo", "address2"),
    ShipToAdministrativeArea => ShipTo("orderInformation", "shipTo", "administrativeArea"),
    ShipToBuildingNumber => ShipTo("orderInformation", "shipTo", "buildingNumber"),
    ShipToCountry => ShipTo("orderInformation", "shipTo", "country"),
    ShipToDistrict => ShipTo("orderInformation", "shipTo", "district"),
    ShipToLocality => ShipTo("orderInformation", "shipTo", "locality"),
    ShipToPostalCode => ShipTo("orderInformation", "shipTo", "postalCode"),
    ShipToFirstName => ShipTo("orderInformation", "shipTo", "firstName"),
    ShipToLastName => ShipTo("orderInformation", "shipTo", "lastName"),
    ShipToCompany => ShipTo("orderInformation", "shipTo", "company"),
    CardNumber => Card("paymentInformation", "card", "number"),
    CardType => Card("paymentInformation", "card", "type"),
    CardSecurityCode => Card("paymentInformation", "card", "securityCode"),
    CardExpirationMonth => Card("paymentInformation", "card", "expirationMonth"),
    CardExpirationYear => Card("paymentInformation", "card", "expirationYear"),
}

/// The object a [`FieldPath`] belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldGroup {
    /// `orderInformation.amountDetails`.
    AmountDetails,
    /// `orderInformation.billTo`.
    BillTo,
    /// `orderInformation.shipTo`.
    ShipTo,
    /// `paymentInformation.card`.
    Card,
}

impl FieldPath {
    /// Whether this is a `paymentInformation.card.*` field (card data: never log its value).
    pub const fn is_card(self) -> bool {
        matches!(self.group(), FieldGroup::Card)
    }

    /// The path whose three member names are `segments`, if any.
    pub fn from_segments(segments: [&str; 3]) -> Option<FieldPath> {
        FieldPath::ALL.iter().copied().find(|p| p.segments() == segments)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of [`FieldPath::from_str`]: the string is not a known dotted path. It does not repeat
/// the input.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseFieldPathError;

impl fmt::Display for ParseFieldPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown Flex v2 field path (expected e.g. `paymentInformation.card.number`)")
    }
}

impl std::error::Error for ParseFieldPathError {}

impl FromStr for FieldPath {
    type Err = ParseFieldPathError;

    /// Parses a dotted path, e.g. `"paymentInformation.card.number"` (case-sensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FieldPath::ALL.iter().copied().find(|p| p.as_str() == s).ok_or(ParseFieldPathError)
    }
}

impl Serialize for FieldPath {
    /// Serializes as the dotted path string.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FieldPath {
    /// Deserializes from the dotted path string.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let CowStr(s) = CowStr::deserialize(d)?;
        s.parse().map_err(de::Error::custom)
    }
}

/// Whether a listed field must be captured: `{}` (`required: None`) and `{"required":true}` mean
/// required, `{"required":false}` means optional. `None` and `Some(true)` are kept apart so a
/// parsed body serializes back to the same bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Requirement {
    /// The `required` member, if present.
    pub required: Option<bool>,
}

impl Requirement {
    /// `{}`: required (the server default).
    pub const REQUIRED: Requirement = Requirement { required: None };
    /// `{"required":false}`: optional.
    pub const OPTIONAL: Requirement = Requirement { required: Some(false) };

    /// Whether the field is required: true unless `required == Some(false)`.
    pub const fn is_required(self) -> bool {
        !matches!(self.required, Some(false))
    }
}

impl Serialize for Requirement {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(usize::from(self.required.is_some())))?;
        if let Some(b) = self.required {
            map.serialize_entry("required", &b)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Requirement {
    /// Accepts an object; `required` must be a boolean if present; other members are ignored.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        requirement(&v, "").map_err(de::Error::custom)
    }
}

/// The body of `POST /flex/v2/sessions`: the fields the capture context will ask for.
///
/// Holds each [`FieldPath`] at most once, in **wire order**: a newly added path goes right after the
/// last path that shares its JSON object, so [`SessionRequest::iter`] lists the paths exactly as
/// serialization writes them, and a parsed body re-serializes to the same bytes.
///
/// Reading a body is strict inside `fields` (unknown paths, non-objects and a non-boolean `required`
/// are errors naming the dotted location, see [`SessionRequestError`]) and tolerant elsewhere (unknown
/// top-level members and unknown members inside a requirement object are ignored; a missing `fields`
/// is an empty request).
///
/// Strict JSON, duplicate member names above all, is [`SessionRequest::from_json`]'s: it reads the body
/// with `flex-jose`'s reader, which refuses a repeated name at any depth. The serde `Deserialize` impl
/// applies the same rules to what any deserializer reads; if that one keeps repeated names (`serde_json`
/// does), they are merged like [`SessionRequest::insert`] merges: a repeated path keeps its first
/// position and its last requirement.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SessionRequest {
    // Invariant: each path at most once; entries sharing a JSON object are contiguous.
    entries: Vec<(FieldPath, Requirement)>,
}

impl SessionRequest {
    /// An empty request (`{"fields":{}}`; the server rejects it, see [`SessionRequest::is_empty`]).
    pub fn new() -> Self {
        SessionRequest::default()
    }

    /// Adds (or updates) `path` as required, written `{}`.
    #[must_use]
    pub fn require(self, path: FieldPath) -> Self {
        self.with(path, Requirement::REQUIRED)
    }

    /// Adds (or updates) `path` as optional, written `{"required":false}`.
    #[must_use]
    pub fn optional(self, path: FieldPath) -> Self {
        self.with(path, Requirement::OPTIONAL)
    }

    /// Adds (or updates) `path` with an explicit requirement.
    #[must_use]
    pub fn with(mut self, path: FieldPath, requirement: Requirement) -> Self {
        self.insert(path, requirement);
        self
    }

    /// Adds `path`, or updates it in place; returns the previous requirement if it was listed.
    pub fn insert(&mut self, path: FieldPath, requirement: Requirement) -> Option<Requirement> {
        if let Some((_, r)) = self.entries.iter_mut().find(|(p, _)| *p == path) {
            return Some(std::mem::replace(r, requirement));
        }
        let [g, s, _] = path.segments();
        let pos = self
            .entries
            .iter()
            .rposition(|(p, _)| matches!(p.segments(), [pg, ps, _] if pg == g && ps == s))
            .or_else(|| self.entries.iter().rposition(|(p, _)| matches!(p.segments(), [pg, _, _] if pg == g)))
            .map_or(self.entries.len(), |i| i + 1);
        self.entries.insert(pos, (path, requirement));
        None
    }

    /// Removes `path`; returns its requirement if it was listed.
    pub fn remove(&mut self, path: FieldPath) -> Option<Requirement> {
        let i = self.entries.iter().position(|(p, _)| *p == path)?;
        Some(self.entries.remove(i).1)
    }

    /// The requirement of `path`, if listed.
    pub fn get(&self, path: FieldPath) -> Option<Requirement> {
        self.entries.iter().find(|(p, _)| *p == path).map(|(_, r)| *r)
    }

    /// The listed paths with their requirements, in wire order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (FieldPath, Requirement)> + '_ {
        self.entries.iter().copied()
    }

    /// The listed paths that are required, in wire order.
    pub fn required_paths(&self) -> impl Iterator<Item = FieldPath> + '_ {
        self.iter().filter(|(_, r)| r.is_required()).map(|(p, _)| p)
    }

    /// The listed paths that are optional, in wire order.
    pub fn optional_paths(&self) -> impl Iterator<Item = FieldPath> + '_ {
        self.iter().filter(|(_, r)| !r.is_required()).map(|(p, _)| p)
    }

    /// Number of listed paths.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no path is listed. `{"fields":{}}` is representable, but the server rejects it.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Reads a body with the strict JSON reader (see [`crate::json`]: duplicate member names are refused
    /// at any depth, compared after unescaping), then applies the rules of [`SessionRequest::from_value`].
    /// What a server does with a request body.
    ///
    /// ```
    /// use flex_types::{FieldPath, FromJsonError, SessionRequest};
    ///
    /// let req = SessionRequest::from_json(br#"{"fields":{"paymentInformation":{"card":{"number":{}}}}}"#)?;
    /// assert_eq!(req.required_paths().collect::<Vec<_>>(), [FieldPath::CardNumber]);
    /// let dup = br#"{"fields":{"paymentInformation":{"card":{"number":{},"numb\u0065r":{}}}}}"#;
    /// assert!(matches!(SessionRequest::from_json(dup), Err(FromJsonError::Json(e)) if e.is_duplicate_member()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_json(json: &[u8]) -> Result<Self, FromJsonError<SessionRequestError>> {
        crate::json::parse(json, |body| SessionRequest::from_value(&body))
    }

    /// Reads a request from an already parsed JSON value, with a structured error (what the sandbox
    /// turns into a `400` with `details[].location`). Repeated member names, which only a non-strict
    /// reader leaves in a value, are merged (see [`SessionRequest`]).
    pub fn from_value(body: &Value<'_>) -> Result<Self, SessionRequestError> {
        let mut loc = String::new();
        let top = body.as_object().ok_or_else(|| SessionRequestError::not_object(&loc, body))?;
        let mut req = SessionRequest::new();
        loc.push_str("fields");
        for (_, fields) in top.iter().filter(|(k, _)| k == "fields") {
            walk(fields, &mut loc, &mut Vec::new(), &mut req)?;
        }
        Ok(req)
    }
}

/// Walks the nested `fields` object. `prefix` holds the member names above `v` (at most three).
///
/// Each path goes through [`SessionRequest::insert`]: for a body without repeated names that is the
/// document order, which keeps a parsed body's wire order.
fn walk<'v>(
    v: &'v Value<'_>,
    loc: &mut String,
    prefix: &mut Vec<&'v str>,
    req: &mut SessionRequest,
) -> Result<(), SessionRequestError> {
    // Invariant: `prefix` has at most three items: the recursion stops at three (just below), so
    // the `[..depth]` slices further down, with `depth < 3`, are in range.
    if let [g, s, l] = prefix[..] {
        // A leaf: the requirement object. The path is known (checked one level up).
        let path = FieldPath::from_segments([g, s, l])
            .ok_or_else(|| SessionRequestError::new(SessionRequestErrorKind::UnknownField, loc))?;
        req.insert(path, requirement(v, loc)?);
        return Ok(());
    }
    let members = v.as_object().ok_or_else(|| SessionRequestError::not_object(loc, v))?;
    for (k, child) in members {
        let base = loc.len();
        loc.push('.');
        loc.push_str(k);
        let depth = prefix.len();
        let known = FieldPath::ALL.iter().any(|p| {
            let seg = p.segments();
            seg[..depth] == prefix[..] && seg.get(depth) == Some(&k.as_ref())
        });
        if !known {
            return Err(SessionRequestError::new(SessionRequestErrorKind::UnknownField, loc));
        }
        prefix.push(k);
        walk(child, loc, prefix, req)?;
        prefix.pop();
        loc.truncate(base);
    }
    Ok(())
}

/// Reads a requirement object found at `loc` (a repeated `required`, which only a non-strict reader
/// leaves in a value, counts by its last occurrence).
fn requirement(v: &Value<'_>, loc: &str) -> Result<Requirement, SessionRequestError> {
    let members = v.as_object().ok_or_else(|| SessionRequestError::not_object(loc, v))?;
    let at = || if loc.is_empty() { "required".to_owned() } else { format!("{loc}.required") };
    let mut required = None;
    for (k, value) in members {
        if k != "required" {
            continue; // Unknown members inside a requirement are tolerated.
        }
        match value {
            Value::Bool(b) => required = Some(*b),
            other => {
                return Err(SessionRequestError {
                    kind: SessionRequestErrorKind::NotABoolean,
                    location: at(),
                    found: other.kind(),
                });
            }
        }
    }
    Ok(Requirement { required })
}

impl FromIterator<(FieldPath, Requirement)> for SessionRequest {
    /// Inserts each pair in turn (a repeated path keeps its first position and its last requirement).
    fn from_iter<I: IntoIterator<Item = (FieldPath, Requirement)>>(iter: I) -> Self {
        let mut req = SessionRequest::new();
        req.extend(iter);
        req
    }
}

impl Extend<(FieldPath, Requirement)> for SessionRequest {
    fn extend<I: IntoIterator<Item = (FieldPath, Requirement)>>(&mut self, iter: I) {
        for (p, r) in iter {
            self.insert(p, r);
        }
    }
}

impl Serialize for SessionRequest {
    /// Writes `{"fields":{...}}`, nesting by path segment, each object's members in first-appearance order.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("fields", &Level { entries: &self.entries, prefix: &[] })?;
        map.end()
    }
}

/// The object at `prefix` (zero, one or two segments deep) inside `fields`.
struct Level<'e, 'p> {
    entries: &'e [(FieldPath, Requirement)],
    prefix: &'p [&'static str],
}

impl Serialize for Level<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let depth = self.prefix.len();
        let mut map = s.serialize_map(None)?;
        // Invariant: `depth <= 2` (a `Level` is only built with 0, 1 or 2 segments, below), so
        // `[..depth]` and `[..=depth]` (taken only when `depth < 2`) are in range, and `i < len`.
        let under = |p: &FieldPath| p.segments()[..depth] == *self.prefix;
        for (i, (path, req)) in self.entries.iter().enumerate() {
            let seg = path.segments();
            if !under(path) {
                continue;
            }
            let Some(&key) = seg.get(depth) else { continue };
            // Emit each member once, at its first appearance.
            if self.entries[..i].iter().any(|(p, _)| under(p) && p.segments().get(depth) == Some(&key)) {
                continue;
            }
            if depth == 2 {
                map.serialize_entry(key, req)?;
            } else {
                let prefix = &seg[..=depth];
                map.serialize_entry(key, &Level { entries: self.entries, prefix })?;
            }
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for SessionRequest {
    /// The rules of [`SessionRequest::from_value`] on what `d` reads (strict JSON is
    /// [`SessionRequest::from_json`]'s); errors carry the message of [`SessionRequestError`].
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        SessionRequest::from_value(&v).map_err(de::Error::custom)
    }
}

/// Why a sessions body was rejected, and where.
///
/// The message names the dotted location (e.g. `fields.paymentInformation.card.numbr`) and the JSON
/// type found, never the value itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRequestError {
    kind: SessionRequestErrorKind,
    location: String,
    found: &'static str,
}

/// The kind of a [`SessionRequestError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SessionRequestErrorKind {
    /// A member name that is not part of any capturable path.
    UnknownField,
    /// Something other than an object where an object is needed (including the body itself).
    NotAnObject,
    /// `required` is not `true` or `false`.
    NotABoolean,
}

impl SessionRequestError {
    fn new(kind: SessionRequestErrorKind, location: &str) -> Self {
        SessionRequestError { kind, location: location.to_owned(), found: "" }
    }

    fn not_object(location: &str, found: &Value<'_>) -> Self {
        SessionRequestError {
            kind: SessionRequestErrorKind::NotAnObject,
            location: location.to_owned(),
            found: found.kind(),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> SessionRequestErrorKind {
        self.kind
    }

    /// The dotted location, e.g. `fields.paymentInformation.card.number.required`; empty for the body itself.
    pub fn location(&self) -> &str {
        &self.location
    }
}

impl fmt::Display for SessionRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            SessionRequestErrorKind::UnknownField => "unknown field path",
            SessionRequestErrorKind::NotAnObject => "expected a JSON object",
            SessionRequestErrorKind::NotABoolean => "expected a boolean",
        };
        f.write_str(what)?;
        if !self.location.is_empty() {
            write!(f, " at `{}`", self.location)?;
        }
        if !self.found.is_empty() {
            write!(f, ", found {}", self.found)?;
        }
        Ok(())
    }
}

impl std::error::Error for SessionRequestError {}
