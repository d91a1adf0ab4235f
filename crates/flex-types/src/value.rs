//! A small JSON value that borrows its strings from the input.
//!
//! Used for the open-ended parts of the schema (transient-token `data`/`content`/`metadata`, error
//! `_links`). Unlike `serde_json::Value` it keeps object members in document order (duplicates
//! included) and borrows every unescaped string and key.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::cow::{CowStr, own};
use crate::json::JsonError;

/// A JSON value whose strings borrow from the input where possible.
///
/// Objects are kept as an ordered list of members; [`Value::get`] returns the first member with a
/// given name. [`Value::from_json`] reads with the strict reader, which refuses repeated names; other
/// deserializers (`serde_json`) may keep them.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Value<'a> {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number (an integer kept exactly, or a finite float).
    Number(Number),
    /// A string.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Value<'a>>),
    /// An object, members in document order.
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

/// A JSON number: an integer that fits `u64` or `i64` is kept exactly, anything else is a finite `f64`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Number(N);

#[derive(Clone, Copy, Debug, PartialEq)]
enum N {
    PosInt(u64),
    NegInt(i64),
    Float(f64),
}

impl Number {
    /// A number from a float; `None` for NaN and infinities, which JSON cannot represent.
    pub fn from_f64(f: f64) -> Option<Self> {
        f.is_finite().then_some(Number(N::Float(f)))
    }

    /// The value as `i64`, if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self.0 {
            N::PosInt(u) => i64::try_from(u).ok(),
            N::NegInt(i) => Some(i),
            N::Float(_) => None,
        }
    }

    /// The value as `u64`, if it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        match self.0 {
            N::PosInt(u) => Some(u),
            N::NegInt(_) | N::Float(_) => None,
        }
    }

    /// The value as `f64` (integers beyond 2^53 lose precision).
    #[allow(clippy::cast_precision_loss)] // documented: f64 is the lossy view.
    pub fn as_f64(&self) -> f64 {
        match self.0 {
            N::PosInt(u) => u as f64,
            N::NegInt(i) => i as f64,
            N::Float(f) => f,
        }
    }

    /// Whether the number is an integer (kept exactly).
    pub fn is_integer(&self) -> bool {
        !matches!(self.0, N::Float(_))
    }
}

impl From<u64> for Number {
    fn from(u: u64) -> Self {
        Number(N::PosInt(u))
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        match u64::try_from(i) {
            Ok(u) => Number(N::PosInt(u)),
            Err(_) => Number(N::NegInt(i)),
        }
    }
}

impl From<u32> for Number {
    fn from(u: u32) -> Self {
        Number(N::PosInt(u64::from(u)))
    }
}

impl From<i32> for Number {
    fn from(i: i32) -> Self {
        Number::from(i64::from(i))
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            N::PosInt(u) => fmt::Display::fmt(&u, f),
            N::NegInt(i) => fmt::Display::fmt(&i, f),
            N::Float(x) => fmt::Display::fmt(&x, f),
        }
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            N::PosInt(u) => s.serialize_u64(u),
            N::NegInt(i) => s.serialize_i64(i),
            N::Float(f) => s.serialize_f64(f),
        }
    }
}

impl<'a> Value<'a> {
    /// Reads one JSON object with the workspace's strict reader (see [`crate::json`]): duplicate member names
    /// are refused at any depth, so every object of the result names each member once.
    ///
    /// ```
    /// # use flex_types::Value;
    /// let v = Value::from_json(br#"{"a":{"b":1}}"#)?;
    /// assert_eq!(v.pointer("a.b").and_then(Value::as_i64), Some(1));
    /// let e = Value::from_json(br#"{"a":{"b":1,"\u0062":2}}"#).unwrap_err();
    /// assert!(e.is_duplicate_member());
    /// assert_eq!(e.to_string(), "duplicate member name at line 1, column 21");
    /// # Ok::<(), flex_types::JsonError>(())
    /// ```
    pub fn from_json(json: &'a [u8]) -> Result<Self, JsonError> {
        crate::json::read(json)
    }

    /// The first member named `key`, if `self` is an object.
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follows `path`, one step per item: an object member name, or an array index in decimal.
    ///
    /// ```
    /// # use flex_types::Value;
    /// let v: Value<'_> = serde_json::from_str(r#"{"a":[{"b":"c"}]}"#).unwrap();
    /// assert_eq!(v.get_path(["a", "0", "b"]).and_then(Value::as_str), Some("c"));
    /// ```
    pub fn get_path<'k>(&self, path: impl IntoIterator<Item = &'k str>) -> Option<&Value<'a>> {
        let mut cur = self;
        for step in path {
            cur = match cur {
                Value::Object(_) => cur.get(step)?,
                Value::Array(items) => items.get(step.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// Follows a dotted path such as `"paymentInformation.card.number"` (see [`Value::get_path`]).
    /// The empty path is `self`. Member names that contain a dot need [`Value::get_path`].
    pub fn pointer(&self, dotted: &str) -> Option<&Value<'a>> {
        if dotted.is_empty() { Some(self) } else { self.get_path(dotted.split('.')) }
    }

    /// The string, if `self` is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if `self` is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if `self` is one.
    pub fn as_number(&self) -> Option<Number> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The number as `i64`, if `self` is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    /// The items, if `self` is an array.
    pub fn as_array(&self) -> Option<&[Value<'a>]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The members in document order, if `self` is an object.
    pub fn as_object(&self) -> Option<&[(Cow<'a, str>, Value<'a>)]> {
        match self {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    /// Whether `self` is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A short description of the JSON type ("a string", "an object", ...), for error messages
    /// that must not echo the value itself.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }

    /// Detaches the value from its input.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Number(n) => Value::Number(n),
            Value::String(s) => Value::String(own(s)),
            Value::Array(items) => Value::Array(items.into_iter().map(Value::into_owned).collect()),
            Value::Object(members) => {
                Value::Object(members.into_iter().map(|(k, v)| (own(k), v.into_owned())).collect())
            }
        }
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(s: &'a str) -> Self {
        Value::String(Cow::Borrowed(s))
    }
}

impl From<String> for Value<'_> {
    fn from(s: String) -> Self {
        Value::String(Cow::Owned(s))
    }
}

impl<'a> From<Cow<'a, str>> for Value<'a> {
    fn from(s: Cow<'a, str>) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value<'_> {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value<'_> {
    fn from(i: i64) -> Self {
        Value::Number(Number::from(i))
    }
}

impl From<u64> for Value<'_> {
    fn from(u: u64) -> Self {
        Value::Number(Number::from(u))
    }
}

impl From<Number> for Value<'_> {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}

impl<'a> From<Vec<Value<'a>>> for Value<'a> {
    fn from(items: Vec<Value<'a>>) -> Self {
        Value::Array(items)
    }
}

impl<'a, K: Into<Cow<'a, str>>> FromIterator<(K, Value<'a>)> for Value<'a> {
    /// Builds an object from members, in iteration order.
    fn from_iter<I: IntoIterator<Item = (K, Value<'a>)>>(iter: I) -> Self {
        Value::Object(iter.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl Serialize for Value<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => n.serialize(s),
            Value::String(v) => s.serialize_str(v),
            Value::Array(items) => s.collect_seq(items),
            Value::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k.as_ref(), v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Value<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor(PhantomData))
    }
}

/// Upper bound on pre-allocation from an untrusted size hint.
const MAX_PREALLOC: usize = 64;

struct ValueVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for ValueVisitor<'a> {
    type Value = Value<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Value::Number(Number::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Value::Number(Number::from(v)))
    }

    #[allow(clippy::cast_precision_loss)] // an integer beyond 64 bits can only be kept as a float.
    fn visit_i128<E>(self, v: i128) -> Result<Self::Value, E> {
        Ok(match (u64::try_from(v), i64::try_from(v)) {
            (Ok(u), _) => Value::from(u),
            (_, Ok(i)) => Value::from(i),
            _ => Number::from_f64(v as f64).map_or(Value::Null, Value::Number),
        })
    }

    #[allow(clippy::cast_precision_loss)] // an integer beyond 64 bits can only be kept as a float.
    fn visit_u128<E>(self, v: u128) -> Result<Self::Value, E> {
        Ok(match u64::try_from(v) {
            Ok(u) => Value::from(u),
            Err(_) => Number::from_f64(v as f64).map_or(Value::Null, Value::Number),
        })
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        // Like serde_json: a non-finite float (impossible in JSON text) becomes null.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Value::String(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Value::String(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Value::String(Cow::Owned(v)))
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Value::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_PREALLOC));
        while let Some(item) = seq.next_element::<Value<'a>>()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0).min(MAX_PREALLOC));
        while let Some(CowStr(key)) = map.next_key::<CowStr<'a>>()? {
            let value = map.next_value::<Value<'a>>()?;
            members.push((key, value));
        }
        Ok(Value::Object(members))
    }
}

/// An object being taken apart member by member (first occurrence wins, like [`Value::get`]).
pub(crate) struct Members<'a>(pub(crate) Vec<(Cow<'a, str>, Value<'a>)>);

impl<'a> Members<'a> {
    /// The members of `v` if it is an object.
    pub(crate) fn of(v: Value<'a>) -> Option<Self> {
        match v {
            Value::Object(m) => Some(Members(m)),
            _ => None,
        }
    }

    /// Removes and returns the first member named `key`.
    pub(crate) fn take(&mut self, key: &str) -> Option<Value<'a>> {
        let i = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(i).1)
    }

    /// Removes the first member named `key` and returns it if it is a string.
    pub(crate) fn take_str(&mut self, key: &str) -> Option<Cow<'a, str>> {
        match self.take(key)? {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Number of members named `key`.
    pub(crate) fn count(&self, key: &str) -> usize {
        self.0.iter().filter(|(k, _)| k == key).count()
    }
}
