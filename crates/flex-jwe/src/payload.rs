//! The JWE plaintext of the Flex v2 tokenization step (flex-api.md §5.2):
//! `{"context":"<capture context JWT>","data":{...},"index":0}` plus optional `iat` / `jti`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io;

use serde::de::{self, MapAccess, Visitor};
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
/// characters whose last 4 are ASCII digits, `***` for everything else (security code, expiry, names, ...), so
/// that no control character, quote or escape sequence of a value reaches a log.
fn masked(path: &str, value: &SensitiveValue) -> String {
    let name = path.rsplit('.').next().unwrap_or(path);
    let value = value.expose();
    let tail = value.len().checked_sub(4).and_then(|start| value.get(start..));
    match tail {
        Some(last4)
            if NUMBER_FIELDS.contains(&name)
                && value.len() >= 12
                && last4.bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("***{last4}")
        }
        _ => "***".to_owned(),
    }
}

/// Most fields (string values) the `data` of a payload may hold.
///
/// Flex v2 defines 31 capturable paths (`flex_types::FieldPath`: amount, currency, bill-to,
/// ship-to and card fields) and a real payload carries a few of them; 64 leaves room for paths
/// this crate does not know yet while keeping every check cheap.
pub const MAX_FIELDS: usize = 64;

/// Most segments of a field path, which is also the deepest nesting of `data`.
///
/// Every Flex v2 path has three segments (`paymentInformation.card.number`).
pub const MAX_PATH_DEPTH: usize = 8;

/// Largest JSON plaintext [`TokenizePayload::from_json`] parses and
/// [`TokenizePayload::to_json`] produces (32 KiB).
///
/// A real payload is the capture context (a JWT of 2 to 4 KB) plus a few short card fields.
pub const MAX_PAYLOAD_LEN: usize = 32 * 1024;

/// Checks a dotted path: non-empty, no empty segment, at most [`MAX_PATH_DEPTH`] segments.
fn check_path(path: &str) -> Result<(), PayloadError> {
    if path.split('.').any(str::is_empty) {
        return Err(PayloadError::InvalidPath { path: path.to_owned() });
    }
    if path.split('.').count() > MAX_PATH_DEPTH {
        return Err(PayloadError::TooDeep { max: MAX_PATH_DEPTH });
    }
    Ok(())
}

/// What a dotted path names inside a [`FlatData`]: a field (its position) or an object that
/// contains fields (a strict prefix of some field's path).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Field(usize),
    Object,
}

/// `data` with flat dotted keys, as the iOS and Android SDK samples send it:
/// `{"paymentInformation.card.number":"4111111111111111"}`.
///
/// Invariants: every key is a valid dotted path of at most [`MAX_PATH_DEPTH`] segments, no key
/// repeats, no key is a prefix path of another (`a.b` together with `a.b.c`), so that every
/// `FlatData` converts to [`NestedData`], and there are at most [`MAX_FIELDS`] fields.
///
/// An index of every key and every prefix of a key makes [`insert`](Self::insert) and
/// [`get`](Self::get) cost the length of the path, whatever the number of fields.
#[derive(Default, PartialEq, Eq)]
pub struct FlatData {
    fields: Vec<(String, SensitiveValue)>,
    index: HashMap<String, Slot>,
}

/// The strict prefixes of a dotted path (`a`, `a.b` for `a.b.c`).
fn prefixes(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('.').filter_map(|(at, _)| path.get(..at))
}

impl FlatData {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field.
    ///
    /// # Errors
    /// [`PayloadError::InvalidPath`], [`PayloadError::TooDeep`], [`PayloadError::DuplicatePath`],
    /// [`PayloadError::PathConflict`] or [`PayloadError::TooManyFields`] (see the type's
    /// invariants).
    pub fn insert(&mut self, path: &str, value: impl Into<SensitiveValue>) -> Result<(), PayloadError> {
        check_path(path)?;
        match self.index.get(path) {
            Some(Slot::Field(_)) => return Err(PayloadError::DuplicatePath { path: path.to_owned() }),
            Some(Slot::Object) => return Err(PayloadError::PathConflict { path: path.to_owned() }),
            None => {}
        }
        if prefixes(path).any(|prefix| matches!(self.index.get(prefix), Some(Slot::Field(_)))) {
            return Err(PayloadError::PathConflict { path: path.to_owned() });
        }
        if self.fields.len() >= MAX_FIELDS {
            return Err(PayloadError::TooManyFields { max: MAX_FIELDS });
        }
        self.push(path.to_owned(), value.into());
        Ok(())
    }

    /// Appends a field whose path was checked (or is valid by construction) and indexes it.
    fn push(&mut self, path: String, value: SensitiveValue) {
        for prefix in prefixes(&path) {
            if !self.index.contains_key(prefix) {
                self.index.insert(prefix.to_owned(), Slot::Object);
            }
        }
        self.index.insert(path.clone(), Slot::Field(self.fields.len()));
        self.fields.push((path, value));
    }

    /// The value at a dotted path.
    pub fn get(&self, path: &str) -> Option<&SensitiveValue> {
        match self.index.get(path) {
            Some(Slot::Field(at)) => self.fields.get(*at).map(|(_, value)| value),
            _ => None,
        }
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

/// A node of [`NestedData`].
#[derive(PartialEq, Eq)]
enum Node {
    Value(SensitiveValue),
    Object(Vec<(String, Node)>),
}

/// `data` as nested objects, as the Cybersource documentation shows it:
/// `{"paymentInformation":{"card":{"number":"4111111111111111"}}}`.
///
/// Invariants: no member name is empty or contains `.`, no object repeats a name, no object
/// below the root is empty, objects nest at most [`MAX_PATH_DEPTH`] deep, and there are at most
/// [`MAX_FIELDS`] fields; so every leaf has exactly one dotted path and an object has at most
/// [`MAX_FIELDS`] members.
#[derive(Default, PartialEq, Eq)]
pub struct NestedData {
    root: Vec<(String, Node)>,
    len: usize,
}

impl NestedData {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field at a dotted path, creating the intermediate objects.
    ///
    /// # Errors
    /// [`PayloadError::InvalidPath`], [`PayloadError::TooDeep`], [`PayloadError::DuplicatePath`],
    /// [`PayloadError::PathConflict`] when a value sits where an object is needed or the reverse,
    /// or [`PayloadError::TooManyFields`].
    pub fn insert(&mut self, path: &str, value: impl Into<SensitiveValue>) -> Result<(), PayloadError> {
        check_path(path)?;
        // Walk the objects the path shares with the tree; nothing changes until the path leaves it, so a refused
        // insert changes nothing.
        let mut level = &mut self.root;
        let mut segments = path.split('.').peekable();
        while let Some(segment) = segments.next() {
            let last = segments.peek().is_none();
            // An object has at most MAX_FIELDS members (invariant), so this scan is short.
            let Some(at) = level.iter().position(|(name, _)| name == segment) else {
                if self.len >= MAX_FIELDS {
                    return Err(PayloadError::TooManyFields { max: MAX_FIELDS });
                }
                // The rest of the path is new: build its objects inside out, then attach them here.
                let mut node = Node::Value(value.into());
                for name in segments.rev() {
                    node = Node::Object(vec![(name.to_owned(), node)]);
                }
                level.push((segment.to_owned(), node));
                self.len += 1;
                return Ok(());
            };
            level = match (level.get_mut(at), last) {
                (Some((_, Node::Object(children))), false) => children,
                (Some((_, Node::Value(_))), true) => {
                    return Err(PayloadError::DuplicatePath { path: path.to_owned() });
                }
                _ => return Err(PayloadError::PathConflict { path: path.to_owned() }),
            };
        }
        // `split` yields at least one segment, and the last one always returns above.
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

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.len == 0
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
///
/// Either shape holds at most [`MAX_FIELDS`] fields with paths of at most [`MAX_PATH_DEPTH`]
/// segments; inserting, looking up and parsing cost time linear in the number of fields.
#[non_exhaustive]
#[derive(PartialEq, Eq, Serialize)]
#[serde(untagged)]
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
                let mut flat = FlatData::new();
                flatten(data.root, "", &mut flat);
                flat
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

/// Moves the leaves below `level` into `out`. Nested paths are unique, prefix-free, valid and at most
/// [`MAX_FIELDS`] by construction, so `out` stays a valid [`FlatData`].
fn flatten(level: Vec<(String, Node)>, prefix: &str, out: &mut FlatData) {
    for (name, node) in level {
        let path = if prefix.is_empty() { name } else { format!("{prefix}.{name}") };
        match node {
            Node::Value(value) => out.push(path, value),
            Node::Object(children) => flatten(children, &path, out),
        }
    }
}

/// Writes (dotted path, value) pairs as a `Debug` map with every value [`masked`] (unquoted).
fn debug_masked<'v, P: AsRef<str> + fmt::Debug>(
    f: &mut fmt::Formatter<'_>,
    fields: impl IntoIterator<Item = (P, &'v SensitiveValue)>,
) -> fmt::Result {
    let mut map = f.debug_map();
    for (path, value) in fields {
        map.key(&path).value(&format_args!("{}", masked(path.as_ref(), value)));
    }
    map.finish()
}

impl fmt::Debug for PaymentData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Flat(_) => "Flat ",
            Self::Nested(_) => "Nested ",
        })?;
        debug_masked(f, self.fields())
    }
}

impl fmt::Debug for FlatData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_masked(f, self.iter())
    }
}

impl fmt::Debug for NestedData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_masked(f, self.fields())
    }
}

impl Serialize for FlatData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// The members of one object of [`NestedData`], in insertion order.
fn members(level: &[(String, Node)]) -> impl Iterator<Item = (&String, &Node)> {
    level.iter().map(|(name, node)| (name, node))
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Value(value) => value.serialize(serializer),
            Self::Object(children) => serializer.collect_map(members(children)),
        }
    }
}

impl Serialize for NestedData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(members(&self.root))
    }
}

/// `data` as parsed, before any rule but its JSON shape (strings and objects of them) is checked.
///
/// Parsing only builds this tree, in time linear in the input; [`RawData::check`] then applies
/// the limits and path rules, also in linear time, and reports them as typed errors.
struct RawData(Vec<(String, Node)>);

impl<'de> Deserialize<'de> for RawData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_map(NodeVisitor)? {
            Node::Object(entries) => Ok(Self(entries)),
            Node::Value(_) => Err(de::Error::custom("data must be an object")),
        }
    }
}

/// Parses one JSON value of `data`: a string or an object of them.
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
        // Names are checked (duplicates included) after parsing, by `RawData::check`.
        let mut entries: Vec<(String, Node)> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            let node = map.next_value::<Node>()?;
            entries.push((name, node));
        }
        Ok(Node::Object(entries))
    }
}

/// The dotted path of `name` below `prefix`, for an error.
fn joined(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_owned() } else { format!("{prefix}.{name}") }
}

/// Counts the fields below `level` (stopping past `MAX_FIELDS`) and checks the nesting depth.
fn count_fields(level: &[(String, Node)], depth: usize, count: &mut usize) -> Result<(), PayloadError> {
    if depth > MAX_PATH_DEPTH {
        return Err(PayloadError::TooDeep { max: MAX_PATH_DEPTH });
    }
    for (_, node) in level {
        match node {
            Node::Value(_) => *count += 1,
            Node::Object(children) => count_fields(children, depth + 1, count)?,
        }
        if *count > MAX_FIELDS {
            return Err(PayloadError::TooManyFields { max: MAX_FIELDS });
        }
    }
    Ok(())
}

/// Checks the names of a nested level and below: non-empty, no `.`, no repeat, no empty object.
/// Sorting the names makes the repeat check `n log n` per level instead of `n²`.
fn check_nested_level(level: &[(String, Node)], prefix: &str) -> Result<(), PayloadError> {
    let mut names: Vec<&str> = Vec::with_capacity(level.len());
    for (name, node) in level {
        if name.is_empty() || name.contains('.') {
            return Err(PayloadError::InvalidPath { path: joined(prefix, name) });
        }
        if let Node::Object(children) = node {
            let path = joined(prefix, name);
            if children.is_empty() {
                // An empty object names no field: no path of this crate's model leads to it.
                return Err(PayloadError::InvalidPath { path });
            }
            check_nested_level(children, &path)?;
        }
        names.push(name);
    }
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|pair| pair.first() == pair.get(1)) {
        let name = pair.first().copied().unwrap_or_default();
        return Err(PayloadError::DuplicatePath { path: joined(prefix, name) });
    }
    Ok(())
}

impl RawData {
    /// Applies the limits ([`MAX_FIELDS`], [`MAX_PATH_DEPTH`]) and the path rules of the shape:
    /// [`PaymentData::Flat`] when every top-level value is a string, [`PaymentData::Nested`]
    /// otherwise.
    fn check(self) -> Result<PaymentData, PayloadError> {
        let mut count = 0;
        count_fields(&self.0, 1, &mut count)?;
        if self.0.iter().all(|(_, node)| matches!(node, Node::Value(_))) {
            let mut flat = FlatData::new();
            for (path, node) in self.0 {
                if let Node::Value(value) = node {
                    flat.insert(&path, value)?;
                }
            }
            Ok(PaymentData::Flat(flat))
        } else {
            check_nested_level(&self.0, "")?;
            Ok(PaymentData::Nested(NestedData { root: self.0, len: count }))
        }
    }
}

impl<'de> Deserialize<'de> for PaymentData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        RawData::deserialize(deserializer)?.check().map_err(de::Error::custom)
    }
}

/// The tokenization payload: the JWE plaintext sent to `/flex/v2/tokens`.
///
/// Serialized as `{"context":...,"data":{...},"index":0}` (then `iat`, `jti` when set), in that
/// member order and without whitespace. Unknown members are ignored when parsing. The JSON is at
/// most [`MAX_PAYLOAD_LEN`] bytes and `data` follows the limits of [`PaymentData`]
/// ([`MAX_FIELDS`], [`MAX_PATH_DEPTH`]).
#[derive(Serialize)]
pub struct TokenizePayload<'a> {
    /// The full capture-context JWT string, as received from `/flex/v2/sessions`.
    pub context: Cow<'a, str>,
    /// The captured fields; keys must match the context's `requiredFields` / `optionalFields`.
    pub data: PaymentData,
    /// Always `0` in every known client.
    pub index: u32,
    /// Issued-at, seconds since the epoch. The iOS SDK sends a small float here (a bug), so
    /// parsing also accepts a finite number with a fraction and truncates it toward negative infinity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// A random identifier (the iOS SDK sends 32 random characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

/// [`TokenizePayload`] as parsed, with `data` not yet checked.
#[derive(Deserialize)]
struct RawPayload<'a> {
    #[serde(borrow)]
    context: Cow<'a, str>,
    data: RawData,
    index: u32,
    #[serde(default, deserialize_with = "numeric_date")]
    iat: Option<i64>,
    #[serde(default)]
    jti: Option<String>,
}

impl<'a> RawPayload<'a> {
    fn check(self) -> Result<TokenizePayload<'a>, PayloadError> {
        let Self { context, data, index, iat, jti } = self;
        Ok(TokenizePayload { context, data: data.check()?, index, iat, jti })
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for TokenizePayload<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        RawPayload::deserialize(deserializer)?.check().map_err(de::Error::custom)
    }
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
    /// [`PayloadError::TooLarge`] beyond [`MAX_PAYLOAD_LEN`] bytes (so that whatever this
    /// crate writes, [`from_json`](Self::from_json) reads); [`PayloadError::Json`] if
    /// serialization fails (it does not for these types).
    pub fn to_json(&self) -> Result<Zeroizing<Vec<u8>>, PayloadError> {
        let mut counter = Counter(0);
        serde_json::to_writer(&mut counter, self).map_err(|err| PayloadError::from_json(&err))?;
        if counter.0 > MAX_PAYLOAD_LEN {
            return Err(PayloadError::TooLarge { len: counter.0, max: MAX_PAYLOAD_LEN });
        }
        let mut out = Zeroizing::new(Vec::with_capacity(counter.0));
        serde_json::to_writer(&mut *out, self).map_err(|err| PayloadError::from_json(&err))?;
        Ok(out)
    }

    /// Parses a decrypted plaintext, borrowing `context` from it when it has no escapes.
    ///
    /// The size is checked before parsing, and parsing and every check of `data` take time
    /// linear in the input.
    ///
    /// # Errors
    /// [`PayloadError::TooLarge`] beyond [`MAX_PAYLOAD_LEN`] bytes (before any parsing);
    /// [`PayloadError::Json`] (position only) for malformed JSON, a missing `context` / `data` /
    /// `index`, a duplicate member name at any depth (the strict reader's rule) or non-string data values;
    /// [`PayloadError::TooManyFields`] and [`PayloadError::TooDeep`] beyond the limits;
    /// [`PayloadError::InvalidPath`], [`PayloadError::DuplicatePath`] and
    /// [`PayloadError::PathConflict`] for the path rules of [`FlatData`] and [`NestedData`].
    pub fn from_json(json: &'a [u8]) -> Result<Self, PayloadError> {
        if json.len() > MAX_PAYLOAD_LEN {
            return Err(PayloadError::TooLarge { len: json.len(), max: MAX_PAYLOAD_LEN });
        }
        let raw: RawPayload<'a> = strict_json(json, flex_jose::json::MAX_DEPTH_CAP)?;
        raw.check()
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

/// Reads `json` with the SDK's strict JSON reader (flex-jose): one object, no duplicate member name at any depth
/// (compared after unescaping), no escaped NUL or lone surrogate, nesting at most `max_depth`, and the target
/// type in the same pass. Errors carry the position only.
pub(crate) fn strict_json<'a, T: Deserialize<'a>>(
    json: &'a [u8],
    max_depth: usize,
) -> Result<T, PayloadError> {
    use flex_jose::json::{self, de::Problem, de::Refused};
    let text = core::str::from_utf8(json).map_err(|e| {
        // The error is at the end of the longest valid prefix, which is UTF-8 by definition.
        let valid =
            json.get(..e.valid_up_to()).and_then(|b| core::str::from_utf8(b).ok()).unwrap_or_default();
        let refused =
            Refused { problem: Problem::Json(flex_jose::JsonError::InvalidUtf8), offset: valid.len() };
        PayloadError::from_refused(&refused, valid)
    })?;
    let options = json::Options { max_depth, spill: true };
    json::de::from_str_unobserved(text, options, |refused| PayloadError::from_refused(&refused, text))
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
        // Only digits are shown: a tail with a control character, a quote or non-ASCII text shows nothing.
        for hostile in ["41111111\u{1b}[2J", "411111111111\r\n12", "4111111111\"1\"", "41111111111１２３４"]
        {
            assert_eq!(masked("card.number", &SensitiveValue::new(hostile)), "***", "{hostile:?}");
        }
    }
}
