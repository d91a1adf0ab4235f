//! The JWE plaintext of the Flex v2 tokenization step (flex-api.md §5.2):
//! `{"context":"<capture context JWT>","data":{...},"index":0}` plus optional `iat` / `jti`.

use std::borrow::Cow;
use std::fmt;
use std::io;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

use crate::error::PayloadError;

/// A sensitive field value (card number, security code, expiry, ...).
///
/// Zeroized on drop, never `Clone`, and `Debug` prints `***`.
#[derive(PartialEq, Eq)]
pub struct SensitiveValue(Zeroizing<String>);

impl SensitiveValue {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The value itself. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SensitiveValue {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for SensitiveValue {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl fmt::Debug for SensitiveValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Serialize for SensitiveValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

/// Field names whose value is an account number: `Debug` shows `***` and the last 4 characters.
const NUMBER_FIELDS: [&str; 3] = ["number", "cardNumber", "accountNumber"];

/// The `Debug` form of a value at `path`: `***` + last 4 for account numbers of at least 12
/// characters, `***` for everything else (security code, expiry, names, ...).
fn masked(path: &str, value: &SensitiveValue) -> String {
    let name = path.rsplit('.').next().unwrap_or(path);
    let count = value.expose().chars().count();
    if NUMBER_FIELDS.contains(&name) && count >= 12 {
        let last4: String = value.expose().chars().skip(count.saturating_sub(4)).collect();
        format!("***{last4}")
    } else {
        "***".to_owned()
    }
}

/// Checks a dotted path: non-empty, no empty segment.
fn check_path(path: &str) -> Result<(), PayloadError> {
    if path.split('.').any(str::is_empty) {
        Err(PayloadError::InvalidPath { path: path.to_owned() })
    } else {
        Ok(())
    }
}

/// `data` with flat dotted keys, as the iOS and Android SDK samples send it:
/// `{"paymentInformation.card.number":"4111111111111111"}`.
///
/// Invariants: every key is a valid dotted path, no key repeats, and no key is a prefix path of
/// another (`a.b` together with `a.b.c`), so that every `FlatData` converts to [`NestedData`].
#[derive(Default, PartialEq, Eq)]
pub struct FlatData {
    fields: Vec<(String, SensitiveValue)>,
}

impl FlatData {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field.
    ///
    /// # Errors
    /// [`PayloadError::InvalidPath`], [`PayloadError::DuplicatePath`] or
    /// [`PayloadError::PathConflict`] (see the type's invariants).
    pub fn insert(&mut self, path: &str, value: impl Into<SensitiveValue>) -> Result<(), PayloadError> {
        check_path(path)?;
        for (existing, _) in &self.fields {
            if existing == path {
                return Err(PayloadError::DuplicatePath { path: path.to_owned() });
            }
            if is_prefix_path(existing, path) || is_prefix_path(path, existing) {
                return Err(PayloadError::PathConflict { path: path.to_owned() });
            }
        }
        self.fields.push((path.to_owned(), value.into()));
        Ok(())
    }

    /// The value at a dotted path.
    pub fn get(&self, path: &str) -> Option<&SensitiveValue> {
        self.fields.iter().find(|(key, _)| key == path).map(|(_, value)| value)
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The fields in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &SensitiveValue)> {
        self.fields.iter().map(|(key, value)| (key.as_str(), value))
    }
}

/// Whether `prefix` names an object that contains `path` (`a.b` for `a.b.c`).
fn is_prefix_path(prefix: &str, path: &str) -> bool {
    path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('.'))
}

/// A node of [`NestedData`].
#[derive(PartialEq, Eq)]
enum Node {
    Value(SensitiveValue),
    Object(Vec<(String, Node)>),
}

/// `data` as nested objects, as the Cybersource documentation shows it:
/// `{"paymentInformation":{"card":{"number":"4111111111111111"}}}`.
///
/// Invariants: no member name is empty or contains `.`, and no object repeats a name, so every
/// leaf has exactly one dotted path.
#[derive(Default, PartialEq, Eq)]
pub struct NestedData {
    root: Vec<(String, Node)>,
}

impl NestedData {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field at a dotted path, creating the intermediate objects.
    ///
    /// # Errors
    /// [`PayloadError::InvalidPath`], [`PayloadError::DuplicatePath`], or
    /// [`PayloadError::PathConflict`] when a value sits where an object is needed or the reverse.
    pub fn insert(&mut self, path: &str, value: impl Into<SensitiveValue>) -> Result<(), PayloadError> {
        check_path(path)?;
        let mut level = &mut self.root;
        let mut segments = path.split('.').peekable();
        while let Some(segment) = segments.next() {
            let last = segments.peek().is_none();
            let position = level.iter().position(|(name, _)| name == segment);
            match (position, last) {
                (None, true) => {
                    level.push((segment.to_owned(), Node::Value(value.into())));
                    return Ok(());
                }
                (None, false) => {
                    level.push((segment.to_owned(), Node::Object(Vec::new())));
                    level = match level.last_mut() {
                        Some((_, Node::Object(children))) => children,
                        // Invariant: we pushed an object just above.
                        _ => return Err(PayloadError::PathConflict { path: path.to_owned() }),
                    };
                }
                (Some(index), false) => {
                    level = match level.get_mut(index) {
                        Some((_, Node::Object(children))) => children,
                        _ => return Err(PayloadError::PathConflict { path: path.to_owned() }),
                    };
                }
                (Some(index), true) => {
                    return Err(match level.get(index) {
                        Some((_, Node::Value(_))) => PayloadError::DuplicatePath { path: path.to_owned() },
                        _ => PayloadError::PathConflict { path: path.to_owned() },
                    });
                }
            }
        }
        // `split` yields at least one segment, so the loop returned.
        Err(PayloadError::InvalidPath { path: path.to_owned() })
    }

    /// The value at a dotted path.
    pub fn get(&self, path: &str) -> Option<&SensitiveValue> {
        let mut level = &self.root;
        let mut segments = path.split('.').peekable();
        while let Some(segment) = segments.next() {
            let (_, node) = level.iter().find(|(name, _)| name == segment)?;
            match (node, segments.peek().is_none()) {
                (Node::Value(value), true) => return Some(value),
                (Node::Object(children), false) => level = children,
                _ => return None,
            }
        }
        None
    }

    /// The leaves as (dotted path, value), depth first in insertion order.
    pub fn fields(&self) -> Vec<(String, &SensitiveValue)> {
        let mut out = Vec::new();
        collect(&self.root, "", &mut out);
        out
    }
}

fn collect<'a>(level: &'a [(String, Node)], prefix: &str, out: &mut Vec<(String, &'a SensitiveValue)>) {
    for (name, node) in level {
        let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        match node {
            Node::Value(value) => out.push((path, value)),
            Node::Object(children) => collect(children, &path, out),
        }
    }
}

/// The `data` member of the payload, in either of the two shapes seen in the wild.
///
/// Which shape `/flex/v2/tokens` accepts is not documented consistently (flex-api.md §5.2); both
/// carry the same fields, and [`fields`](Self::fields) yields the same (dotted path, value) pairs
/// for either. Deserialization picks [`Flat`](Self::Flat) when every top-level value is a string
/// and [`Nested`](Self::Nested) otherwise. Values must be JSON strings.
#[non_exhaustive]
#[derive(PartialEq, Eq)]
pub enum PaymentData {
    /// Flat dotted keys (the iOS / Android SDK samples).
    Flat(FlatData),
    /// Nested objects (the Cybersource documentation).
    Nested(NestedData),
}

impl PaymentData {
    /// An empty flat map.
    pub fn flat() -> Self {
        Self::Flat(FlatData::new())
    }

    /// An empty nested object.
    pub fn nested() -> Self {
        Self::Nested(NestedData::new())
    }

    /// Adds a field at a dotted path (builder style).
    ///
    /// # Errors
    /// As [`FlatData::insert`] / [`NestedData::insert`].
    pub fn with(mut self, path: &str, value: impl Into<SensitiveValue>) -> Result<Self, PayloadError> {
        self.insert(path, value)?;
        Ok(self)
    }

    /// Adds a field at a dotted path.
    ///
    /// # Errors
    /// As [`FlatData::insert`] / [`NestedData::insert`].
    pub fn insert(&mut self, path: &str, value: impl Into<SensitiveValue>) -> Result<(), PayloadError> {
        match self {
            Self::Flat(data) => data.insert(path, value),
            Self::Nested(data) => data.insert(path, value),
        }
    }

    /// Every field as (dotted path, value), whatever the shape.
    pub fn fields(&self) -> Vec<(Cow<'_, str>, &SensitiveValue)> {
        match self {
            Self::Flat(data) => data.iter().map(|(path, value)| (Cow::Borrowed(path), value)).collect(),
            Self::Nested(data) => {
                data.fields().into_iter().map(|(path, value)| (Cow::Owned(path), value)).collect()
            }
        }
    }

    /// The value at a dotted path, whatever the shape.
    pub fn get(&self, path: &str) -> Option<&SensitiveValue> {
        match self {
            Self::Flat(data) => data.get(path),
            Self::Nested(data) => data.get(path),
        }
    }

    /// The same fields as flat dotted keys.
    pub fn into_flat(self) -> FlatData {
        match self {
            Self::Flat(data) => data,
            Self::Nested(data) => {
                let mut fields = Vec::new();
                flatten(data.root, "", &mut fields);
                // Nested paths are unique and prefix-free by construction, so this is a valid FlatData.
                FlatData { fields }
            }
        }
    }

    /// The same fields as nested objects.
    ///
    /// # Errors
    /// None in practice ([`FlatData`] is prefix-free); the `Result` guards the conversion.
    pub fn into_nested(self) -> Result<NestedData, PayloadError> {
        match self {
            Self::Nested(data) => Ok(data),
            Self::Flat(data) => {
                let mut nested = NestedData::new();
                for (path, value) in data.fields {
                    nested.insert(&path, value)?;
                }
                Ok(nested)
            }
        }
    }
}

fn flatten(level: Vec<(String, Node)>, prefix: &str, out: &mut Vec<(String, SensitiveValue)>) {
    for (name, node) in level {
        let path = if prefix.is_empty() { name } else { format!("{prefix}.{name}") };
        match node {
            Node::Value(value) => out.push((path, value)),
            Node::Object(children) => flatten(children, &path, out),
        }
    }
}

impl fmt::Debug for PaymentData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Masked(String);
        impl fmt::Debug for Masked {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        let shape = match self {
            Self::Flat(_) => "Flat",
            Self::Nested(_) => "Nested",
        };
        f.write_str(shape)?;
        f.write_str(" ")?;
        f.debug_map()
            .entries(self.fields().into_iter().map(|(path, value)| {
                let mask = Masked(masked(&path, value));
                (path, mask)
            }))
            .finish()
    }
}

impl fmt::Debug for FlatData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter().map(|(path, value)| (path, masked(path, value)))).finish()
    }
}

impl fmt::Debug for NestedData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.fields().into_iter().map(|(path, value)| {
                let mask = masked(&path, value);
                (path, mask)
            }))
            .finish()
    }
}

impl Serialize for FlatData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for (key, value) in &self.fields {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

struct Level<'a>(&'a [(String, Node)]);

impl Serialize for Level<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, node) in self.0 {
            match node {
                Node::Value(value) => map.serialize_entry(key, value)?,
                Node::Object(children) => map.serialize_entry(key, &Level(children))?,
            }
        }
        map.end()
    }
}

impl Serialize for NestedData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Level(&self.root).serialize(serializer)
    }
}

impl Serialize for PaymentData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Flat(data) => data.serialize(serializer),
            Self::Nested(data) => data.serialize(serializer),
        }
    }
}

/// Parses one JSON value of `data`: a string or an object of them (no duplicate names).
impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or an object of strings")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Node, E> {
        Ok(Node::Value(SensitiveValue::new(value)))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Node, E> {
        Ok(Node::Value(SensitiveValue::new(value)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries: Vec<(String, Node)> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            if entries.iter().any(|(existing, _)| *existing == name) {
                return Err(de::Error::custom(format_args!("duplicate member {name:?} in data")));
            }
            let node = map.next_value::<Node>()?;
            entries.push((name, node));
        }
        Ok(Node::Object(entries))
    }
}

fn check_nested_names<E: de::Error>(level: &[(String, Node)]) -> Result<(), E> {
    for (name, node) in level {
        if name.is_empty() || name.contains('.') {
            return Err(E::custom(format_args!(
                "nested data member {name:?} must be non-empty and contain no '.'"
            )));
        }
        if let Node::Object(children) = node {
            check_nested_names(children)?;
        }
    }
    Ok(())
}

impl<'de> Deserialize<'de> for PaymentData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Node::Object(entries) = deserializer.deserialize_map(NodeVisitor)? else {
            return Err(de::Error::custom("data must be an object"));
        };
        if entries.iter().all(|(_, node)| matches!(node, Node::Value(_))) {
            let mut flat = FlatData::new();
            for (path, node) in entries {
                if let Node::Value(value) = node {
                    flat.insert(&path, value).map_err(de::Error::custom)?;
                }
            }
            Ok(Self::Flat(flat))
        } else {
            check_nested_names(&entries)?;
            Ok(Self::Nested(NestedData { root: entries }))
        }
    }
}

/// The tokenization payload: the JWE plaintext sent to `/flex/v2/tokens`.
///
/// Serialized as `{"context":...,"data":{...},"index":0}` (then `iat`, `jti` when set), in that
/// member order and without whitespace. Unknown members are ignored when parsing.
#[derive(Serialize, Deserialize)]
pub struct TokenizePayload<'a> {
    /// The full capture-context JWT string, as received from `/flex/v2/sessions`.
    #[serde(borrow)]
    pub context: Cow<'a, str>,
    /// The captured fields; keys must match the context's `requiredFields` / `optionalFields`.
    pub data: PaymentData,
    /// Always `0` in every known client.
    pub index: u32,
    /// Issued-at, seconds since the epoch. The iOS SDK sends a small float here (a bug), so
    /// parsing also accepts a finite number with a fraction and truncates it toward negative infinity.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "numeric_date")]
    pub iat: Option<i64>,
    /// A random identifier (the iOS SDK sends 32 random characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

impl<'a> TokenizePayload<'a> {
    /// A payload with `index` 0 and no `iat` / `jti`.
    pub fn new(context: impl Into<Cow<'a, str>>, data: PaymentData) -> Self {
        Self { context: context.into(), data, index: 0, iat: None, jti: None }
    }

    /// Compact JSON in a buffer that is zeroized on drop. The buffer is sized exactly before
    /// writing, so no partial copy of the card data is left behind by a reallocation.
    ///
    /// # Errors
    /// [`PayloadError::Json`] if serialization fails (it does not for these types).
    pub fn to_json(&self) -> Result<Zeroizing<Vec<u8>>, PayloadError> {
        let mut counter = Counter(0);
        serde_json::to_writer(&mut counter, self).map_err(|err| PayloadError::from_json(&err))?;
        let mut out = Zeroizing::new(Vec::with_capacity(counter.0));
        serde_json::to_writer(&mut *out, self).map_err(|err| PayloadError::from_json(&err))?;
        Ok(out)
    }

    /// Parses a decrypted plaintext, borrowing `context` from it when it has no escapes.
    ///
    /// # Errors
    /// [`PayloadError::Json`] (position only) for malformed JSON, a missing `context` / `data` /
    /// `index`, a duplicate member, non-string data values or invalid paths.
    pub fn from_json(json: &'a [u8]) -> Result<Self, PayloadError> {
        serde_json::from_slice(json).map_err(|err| PayloadError::from_json(&err))
    }
}

impl fmt::Debug for TokenizePayload<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenizePayload")
            .field("context", &format_args!("<JWT, {} bytes>", self.context.len()))
            .field("data", &self.data)
            .field("index", &self.index)
            .field("iat", &self.iat)
            .field("jti", &self.jti)
            .finish()
    }
}

/// Counts serialized bytes without storing them.
struct Counter(usize);

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 = self.0.saturating_add(buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn numeric_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    struct DateVisitor;
    impl<'de> Visitor<'de> for DateVisitor {
        type Value = Option<i64>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a NumericDate (number of seconds) or null")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
            Ok(Some(value))
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
            i64::try_from(value).map(Some).map_err(|_| E::custom("iat out of range"))
        }

        fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
            // 2^63 as f64; anything at or beyond it does not fit i64.
            const LIMIT: f64 = 9_223_372_036_854_775_808.0;
            let floor = value.floor();
            if floor.is_finite() && (-LIMIT..LIMIT).contains(&floor) {
                // In range and integral, so the conversion is exact.
                #[allow(clippy::cast_possible_truncation)]
                Ok(Some(floor as i64))
            } else {
                Err(E::custom("iat out of range"))
            }
        }
    }
    deserializer.deserialize_any(DateVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking() {
        let data = PaymentData::flat()
            .with("paymentInformation.card.number", "4111111111111111")
            .and_then(|d| d.with("paymentInformation.card.securityCode", "123"))
            .and_then(|d| d.with("paymentInformation.card.expirationMonth", "12"))
            .unwrap();
        let debug = format!("{data:?}");
        assert!(debug.contains("***1111"), "{debug}");
        assert!(!debug.contains("4111111111111111"));
        assert!(!debug.contains("123"));
        assert!(!debug.contains("\"12\""));
        assert_eq!(format!("{:?}", SensitiveValue::new("123")), "***");
        // Short "numbers" do not reveal their tail.
        assert_eq!(masked("card.number", &SensitiveValue::new("12345")), "***");
    }
}
