//! A strict serde [`Deserializer`](de::Deserializer) on top of the scanner: a document is checked against every
//! rule of the module and deserialized into the caller's type **in one pass**.
//!
//! Strictness is the scanner's own code, not a copy of it: strings go through `Scanner::string`, numbers through
//! `Scanner::plain_integer` (plain integers of up to 19 digits) or `Scanner::number` (with its range rule), every
//! member name through `Scanner::remember` (duplicates at any depth, on the one names stack), and values the
//! target type ignores through `Scanner::value`. So a document this deserializer accepts is one `scan_object`
//! accepts, and the differential fuzz target (`capture_context_claims`) holds both to serde_json's reading of the
//! same bytes.
//!
//! What it adds:
//! - an observer that sees every top-level member (name and raw value) after it was deserialized, which is how
//!   the verifier reads `exp`, `nbf`, `iat` and `iss` in the same pass as the caller's claims type;
//! - borrowed strings: a string without escapes is handed to the visitor as `&'de str`; one with escapes is
//!   unescaped into a new `String` (so `Cow<'de, str>` fields borrow whenever they can);
//! - serde_json's data model: integers as `u64`/`i64` (`-0` and integers beyond 64 bits as `f64`), other numbers
//!   as correctly rounded `f64`, `null` as none or unit, enums as `"Variant"` or `{"Variant": content}`;
//! - errors that carry a kind and a byte offset only, never a message with input in it.
//!
//! A visitor that stops reading an object or an array before its end is a shape error: accepting the rest
//! unread would leave it unchecked (and an unread top-level member unobserved).

use core::fmt;

use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{self, DeserializeSeed, IgnoredAny, Visitor};

use super::{JsonStr, Kind, Member, Options, Scanner, Span, Value, read_escape};
use crate::error::JsonError;

/// Why a document was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// It is not strict JSON (the scanner's rules).
    Json(JsonError),
    /// It is strict JSON, but not the shape of the target type (serde's message is dropped: it can quote input).
    Shape,
}

/// A refused document: the problem and the byte offset at which it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// What was wrong.
    pub problem: Problem,
    /// The byte offset in the document at which it was found.
    pub offset: usize,
}

impl Refused {
    /// The 1-based line and column (in bytes) of the offset within `text`.
    pub fn line_column(&self, text: &str) -> (u32, u32) {
        let before = text.as_bytes().get(..self.offset).unwrap_or(text.as_bytes());
        let line = before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = before.len().saturating_sub(line_start);
        let clamp = |n: usize| u32::try_from(n.saturating_add(1)).unwrap_or(u32::MAX);
        (clamp(line), clamp(column))
    }
}

/// The deserializer's error while it runs; the offset is added when it reaches [`from_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DeError(Problem);

impl From<JsonError> for DeError {
    fn from(e: JsonError) -> Self {
        Self(Problem::Json(e))
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Problem::Json(e) => e.fmt(f),
            Problem::Shape => f.write_str("JSON does not have the expected shape"),
        }
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        // serde's messages quote values ("invalid value: string \"4111...\""): keep only that it was the shape.
        Self(Problem::Shape)
    }
}

const SHAPE: DeError = DeError(Problem::Shape);

/// Deserializes `text`, which must be one strict JSON object (see the module docs of `json`), into `T`, calling
/// `observer` with each top-level member after its value was deserialized. On error, whatever `observer` saw
/// must be discarded.
pub fn from_str<'de, T: de::Deserialize<'de>>(
    text: &'de str,
    options: Options,
    observer: &mut dyn FnMut(Member<'de>),
) -> Result<T, Refused> {
    from_str_map(text, options, observer, |refused| refused)
}

/// [`from_str`] with the refusal mapped by `map`, so that a caller's error type is built here and the value is
/// moved once on its way out (a `map_err` on the result would move it again: claims types are large).
pub fn from_str_map<'de, T: de::Deserialize<'de>, E>(
    text: &'de str,
    options: Options,
    observer: &mut dyn FnMut(Member<'de>),
    map: impl FnOnce(Refused) -> E,
) -> Result<T, E> {
    deserialize(text, options, Some(observer), map)
}

/// [`from_str_map`] for a caller that observes nothing: the same reading and the same rules, without the
/// per-member work of handing each top-level member to an observer.
pub fn from_str_unobserved<'de, T: de::Deserialize<'de>, E>(
    text: &'de str,
    options: Options,
    map: impl FnOnce(Refused) -> E,
) -> Result<T, E> {
    deserialize(text, options, None, map)
}

/// [`from_str_map`] and [`from_str_unobserved`].
#[inline]
fn deserialize<'de, T: de::Deserialize<'de>, E>(
    text: &'de str,
    options: Options,
    observer: Option<&mut dyn FnMut(Member<'de>)>,
    map: impl FnOnce(Refused) -> E,
) -> Result<T, E> {
    let refuse = |problem, offset| Refused { problem, offset };
    // The scanner is built in place (it is 728 bytes): not moved out of a `Result`.
    let max_depth = match Scanner::document_depth(text, options) {
        Ok(max_depth) => max_depth,
        Err(e) => return Err(map(refuse(Problem::Json(e), 0))),
    };
    let mut de = Deserializer { sc: Scanner::new(text, max_depth, options.spill), depth: 0, observer };
    de.sc.skip_ws();
    if de.sc.peek() != Some(b'{') {
        let error = de.sc.not_an_object();
        return Err(map(refuse(Problem::Json(error), de.sc.pos)));
    }
    let value = T::deserialize(&mut de);
    if value.is_ok() {
        de.sc.skip_ws();
    }
    let end = de.sc.pos;
    // The value's one move: from the visitor's result into this function's.
    match value {
        Ok(value) if end == text.len() => Ok(value),
        Ok(_) => Err(map(refuse(Problem::Json(JsonError::Syntax), end))),
        Err(DeError(problem)) => Err(map(refuse(problem, end))),
    }
}

/// The deserializer: the scanner, the number of containers open around the current position, and the observer
/// of top-level members.
///
/// Whenever a value is about to be read (a `deserialize_*` method is called), the whitespace before it has been
/// skipped already: by `from_str_map`, by `Map::next_value_seed`, by `Seq::next_element_seed` and after an enum's
/// `"Variant":`. So the methods look at the value's first byte directly (once per value instead of twice).
struct Deserializer<'de, 'o> {
    sc: Scanner<'de>,
    depth: usize,
    observer: Option<&'o mut dyn FnMut(Member<'de>)>,
}

impl<'de> Deserializer<'de, '_> {
    /// Any value, as its JSON type dictates.
    fn any<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, DeError> {
        match self.sc.peek() {
            Some(b'{') => self.object(visitor),
            Some(b'[') => self.array(visitor),
            Some(b'"') => {
                let span = self.sc.seen_string()?;
                visit_str(self.sc.str_at(span), visitor)
            }
            Some(b't') => {
                self.sc.literal(b"true", Kind::Bool)?;
                visitor.visit_bool(true)
            }
            Some(b'f') => {
                self.sc.literal(b"false", Kind::Bool)?;
                visitor.visit_bool(false)
            }
            Some(b'n') => {
                self.sc.literal(b"null", Kind::Null)?;
                visitor.visit_unit()
            }
            Some(b'-' | b'0'..=b'9') => {
                if let Some(value) = self.sc.plain_integer() {
                    return visitor.visit_u64(value);
                }
                let start = self.sc.pos;
                self.sc.number()?;
                let raw = self.sc.text.get(start..self.sc.pos).ok_or(JsonError::Syntax)?;
                visit_number(raw, visitor)
            }
            _ => Err(JsonError::Syntax.into()),
        }
    }

    /// The depth a container opened here would have, refusing one past the limit.
    fn enter(&self) -> Result<usize, DeError> {
        let depth = self.depth + 1;
        if depth > self.sc.max_depth { Err(JsonError::TooDeep.into()) } else { Ok(depth) }
    }

    fn object<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, DeError> {
        let depth = self.enter()?;
        self.sc.eat(b'{')?;
        let outer = core::mem::replace(&mut self.depth, depth);
        let base = self.sc.names.len;
        let mut map = Map { de: self, base, items: Items { first: true, done: false }, key: None };
        // The visitor's result is returned as it is (not unwrapped and wrapped again), so that a large value is
        // built in place instead of being copied on its way out.
        let value = visitor.visit_map(&mut map);
        if value.is_ok() {
            map.finish()?;
        }
        self.sc.names.truncate(base);
        self.depth = outer;
        value
    }

    fn array<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, DeError> {
        let depth = self.enter()?;
        self.sc.eat(b'[')?;
        let outer = core::mem::replace(&mut self.depth, depth);
        let mut seq = Seq { de: self, items: Items { first: true, done: false } };
        // Returned as it is, like `object`'s.
        let value = visitor.visit_seq(&mut seq);
        if value.is_ok() {
            seq.items.finish(&mut seq.de.sc, b']')?;
        }
        self.depth = outer;
        value
    }
}

/// A string body to a visitor: borrowed when it has no escapes, else unescaped into a new `String`.
fn visit_str<'de, V: Visitor<'de>>(s: JsonStr<'de>, visitor: V) -> Result<V::Value, DeError> {
    match s.borrowed() {
        Some(plain) => visitor.visit_borrowed_str(plain),
        None => visitor.visit_string(unescape(s)),
    }
}

/// A string as an enum's unit variant name (`"Variant"`), borrowed when it has no escapes.
fn visit_unit_variant<'de, V: Visitor<'de>>(name: JsonStr<'de>, visitor: V) -> Result<V::Value, DeError> {
    match name.borrowed() {
        Some(plain) => visitor.visit_enum(BorrowedStrDeserializer::new(plain)),
        None => visitor.visit_enum(StringDeserializer::new(unescape(name))),
    }
}

/// The unescaped value of a validated string body with escapes: runs without escapes are copied whole.
fn unescape(s: JsonStr<'_>) -> String {
    let mut out = String::with_capacity(s.raw.len());
    let mut rest = s.raw;
    // (An escape at the very end leaves nothing to search: `memchr` is not called for an empty rest.)
    while !rest.is_empty()
        && let Some(at) = memchr::memchr(b'\\', rest.as_bytes())
    {
        let (run, tail) = rest.split_at(at);
        out.push_str(run);
        // The body was validated: every backslash starts a complete escape (a surrogate pair is one char).
        let Ok((c, len)) = read_escape(tail.as_bytes()) else { break };
        out.push(c);
        rest = tail.get(len..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// A validated number to a visitor, in serde_json's data model: a non-negative integer that fits is a `u64`, a
/// negative one an `i64` (but `-0` is `-0.0`), anything else an `f64`, correctly rounded. The scanner has already
/// refused magnitudes above `1e308`, so the `f64` is finite.
fn visit_number<'de, V: Visitor<'de>>(raw: &str, visitor: V) -> Result<V::Value, DeError> {
    let bytes = raw.as_bytes();
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    // The digits' value, or `None` past `u64::MAX`; `Err` at the first byte that is not a digit.
    let integer = digits.iter().try_fold(Some(0u64), |acc, &d| {
        let digit = d.wrapping_sub(b'0');
        if digit > 9 {
            return Err(());
        }
        Ok(acc.and_then(|a| a.checked_mul(10)).and_then(|a| a.checked_add(u64::from(digit))))
    });
    if let Ok(magnitude) = integer {
        match (negative, magnitude) {
            (false, Some(n)) => return visitor.visit_u64(n),
            (true, Some(n)) if n != 0 => {
                if let Some(n) = 0i64.checked_sub_unsigned(n) {
                    return visitor.visit_i64(n);
                }
            }
            _ => {}
        }
    }
    let value: f64 = raw.parse().map_err(|_| JsonError::Syntax)?;
    visitor.visit_f64(value)
}

/// The JSON type of a validated value from its first byte.
fn kind_of(raw: &str) -> Kind {
    match raw.as_bytes().first() {
        Some(b'{') => Kind::Object,
        Some(b'[') => Kind::Array,
        Some(b'"') => Kind::String,
        Some(b't' | b'f') => Kind::Bool,
        Some(b'n') => Kind::Null,
        _ => Kind::Number,
    }
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.sc.peek() == Some(b'n') {
            self.sc.literal(b"null", Kind::Null)?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.sc.peek() {
            Some(b'"') => {
                let span = self.sc.seen_string()?;
                visit_unit_variant(self.sc.str_at(span), visitor)
            }
            Some(b'{') => {
                // `{"Variant": content}`: exactly one member.
                let depth = self.enter()?;
                self.sc.eat(b'{')?;
                self.sc.skip_ws();
                let span = self.sc.string()?;
                self.sc.skip_ws();
                self.sc.eat(b':')?;
                self.sc.skip_ws();
                let outer = core::mem::replace(&mut self.depth, depth);
                let value = visitor.visit_enum(Variant { de: &mut *self, name: span })?;
                self.sc.skip_ws();
                match self.sc.peek() {
                    Some(b'}') => self.sc.step(1),
                    Some(b',') => return Err(SHAPE),
                    _ => return Err(JsonError::Syntax.into()),
                }
                self.depth = outer;
                Ok(value)
            }
            // Any other value is not an enum; read it so that the error is about the type, not the syntax.
            _ => self.any(IgnoredAny).and(Err(SHAPE)),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.sc.peek() != Some(b'"') {
            // An array of numbers, as serde_json reads bytes from one.
            return self.any(visitor);
        }
        let span = self.sc.seen_string()?;
        let s = self.sc.str_at(span);
        match s.borrowed() {
            Some(plain) => visitor.visit_borrowed_bytes(plain.as_bytes()),
            None => visitor.visit_byte_buf(unescape(s).into_bytes()),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.depth == 0 {
            // The top-level object: walk it member by member, so that the observer sees each one.
            self.any(IgnoredAny)?;
        } else {
            // Nested and unwanted: validate it (duplicates included) without building anything.
            self.sc.value(self.depth + 1)?;
        }
        visitor.visit_unit()
    }

    // The value types that claims are mostly made of: the expected JSON type is tested first, and anything else
    // is read by `any` as before (the visitor then refuses the type it got).
    #[inline(always)]
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.sc.peek() == Some(b'"') {
            let span = self.sc.seen_string()?;
            return visit_str(self.sc.str_at(span), visitor);
        }
        self.any(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        // Not through `deserialize_map`: one more call level would copy a large value once more on its way out.
        if self.sc.peek() == Some(b'{') {
            return self.object(visitor);
        }
        self.any(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.sc.peek() == Some(b'{') {
            return self.object(visitor);
        }
        self.any(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.sc.peek() == Some(b'[') {
            return self.array(visitor);
        }
        self.any(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char unit unit_struct tuple
        tuple_struct identifier
    }
}

/// How far the items (members or elements) of an open container have been read.
struct Items {
    first: bool,
    done: bool,
}

impl Items {
    /// Moves to the next item of a container that `close` ends: past the `,` before it and any whitespace.
    /// `false` once the container is closed (its `close` read). Always inlined, as is [`Self::finish`]: they are
    /// on every member's and element's path, and a call there costs more than they do.
    #[inline(always)]
    fn next(&mut self, sc: &mut Scanner<'_>, close: u8) -> Result<bool, DeError> {
        if self.done {
            return Ok(false);
        }
        // One look at the next byte; whitespace (rare: tokens are minified) is skipped only when it is there.
        let mut next = sc.peek();
        if next.is_some_and(|b| b <= b' ') {
            sc.skip_ws();
            next = sc.peek();
        }
        if next == Some(close) {
            sc.step(1);
            self.done = true;
            return Ok(false);
        }
        if self.first {
            self.first = false;
            return Ok(true);
        }
        if next != Some(b',') {
            return Err(JsonError::Syntax.into());
        }
        sc.step(1);
        sc.skip_ws();
        Ok(true)
    }

    /// After the visitor returned: the container must have been read to its end.
    #[inline(always)]
    fn finish(&self, sc: &mut Scanner<'_>, close: u8) -> Result<(), DeError> {
        if self.done {
            return Ok(());
        }
        sc.skip_ws();
        if sc.peek() == Some(close) {
            sc.step(1);
            Ok(())
        } else {
            Err(SHAPE)
        }
    }
}

/// An object being read: member names are checked for duplicates as they are read.
struct Map<'a, 'de, 'o> {
    de: &'a mut Deserializer<'de, 'o>,
    /// The names stack length when the object opened.
    base: usize,
    items: Items,
    /// The name whose value is next.
    key: Option<JsonStr<'de>>,
}

impl Map<'_, '_, '_> {
    /// After the visitor returned: the object must have been read to its end, no name left without its value.
    fn finish(&mut self) -> Result<(), DeError> {
        if self.key.is_some() {
            return Err(SHAPE);
        }
        self.items.finish(&mut self.de.sc, b'}')
    }
}

impl<'de> de::MapAccess<'de> for Map<'_, 'de, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        if self.key.is_some() {
            // A key read without its value: a misbehaving visitor.
            return Err(SHAPE);
        }
        let sc = &mut self.de.sc;
        if !self.items.next(sc, b'}')? {
            return Ok(None);
        }
        let (span, tag) = sc.name()?;
        sc.remember(self.base, span, tag)?;
        sc.colon()?;
        let name = sc.str_at(span);
        self.key = Some(name);
        seed.deserialize(Key { name }).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, DeError> {
        let Some(name) = self.key.take() else { return Err(SHAPE) };
        self.de.sc.skip_ws();
        let start = self.de.sc.pos;
        // Returned as it is, like `Deserializer::object`'s result: a large value is not moved out and back in.
        let value = seed.deserialize(&mut *self.de);
        if value.is_ok()
            && self.de.depth == 1
            && let Some(observer) = self.de.observer.as_deref_mut()
        {
            // A top-level member: its value is exactly what was just consumed.
            let sc = &self.de.sc;
            let raw = sc.text.get(start..sc.pos).ok_or(JsonError::Syntax)?;
            if !raw.is_empty() {
                observer(Member { name, value: Value { raw, kind: kind_of(raw), maybe_escaped: true } });
            }
        }
        // Every JSON value is at least one byte: a seed that returned without reading it broke the contract,
        // refused the same whether or not an observer is listening, at any depth.
        if value.is_ok() && self.de.sc.pos == start {
            return Err(SHAPE);
        }
        value
    }
}

/// An array being read.
struct Seq<'a, 'de, 'o> {
    de: &'a mut Deserializer<'de, 'o>,
    items: Items,
}

impl<'de> de::SeqAccess<'de> for Seq<'_, 'de, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        if !self.items.next(&mut self.de.sc, b']')? {
            return Ok(None);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }
}

/// `{"Variant": content}`, positioned at the content.
struct Variant<'a, 'de, 'o> {
    de: &'a mut Deserializer<'de, 'o>,
    name: Span,
}

impl<'a, 'de, 'o> de::EnumAccess<'de> for Variant<'a, 'de, 'o> {
    type Error = DeError;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self), DeError> {
        let value = seed.deserialize(Key { name: self.de.sc.str_at(self.name) })?;
        Ok((value, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'_, 'de, '_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        // `{"Unit": null}`, as serde_json reads it.
        de::Deserialize::deserialize(self.de)
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, DeError> {
        seed.deserialize(self.de)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        self.de.any(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.de.any(visitor)
    }
}

/// The `deserialize_*` methods of [`Key`] for the integer types: each reads the name as [`Key::integer`] does.
macro_rules! integer_keys {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
                self.integer(visitor)
            }
        )*
    };
}

/// A member name (already validated and checked for duplicates) as a deserializer: a string, or for integer
/// types the integer it spells (serde_json's reading of map keys such as `{"1": ..}` into `HashMap<u32, _>`).
struct Key<'de> {
    name: JsonStr<'de>,
}

impl<'de> Key<'de> {
    fn integer<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.name.borrowed() {
            Some(raw) if is_integer(raw) => visit_number(raw, visitor),
            _ => visit_str(self.name, visitor),
        }
    }
}

/// Whether `raw` is a JSON integer: an optional `-`, then `0` or digits without a leading zero.
fn is_integer(raw: &str) -> bool {
    let digits = raw.strip_prefix('-').unwrap_or(raw).as_bytes();
    match digits {
        [b'0'] => true,
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

impl<'de> de::Deserializer<'de> for Key<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visit_str(self.name, visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visit_unit_variant(self.name, visitor)
    }

    integer_keys! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
    }

    serde::forward_to_deserialize_any! {
        bool i128 u128 f32 f64 char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;

    fn opts() -> Options {
        Options { max_depth: 32, spill: true }
    }

    fn de<'de, T: Deserialize<'de>>(text: &'de str) -> Result<T, Refused> {
        from_str(text, opts(), &mut |_| {})
    }

    fn problem<'de, T: Deserialize<'de> + fmt::Debug>(text: &'de str) -> Problem {
        de::<T>(text).unwrap_err().problem
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Claims<'a> {
        #[serde(borrow)]
        iss: Cow<'a, str>,
        exp: i64,
        #[serde(default)]
        aud: Option<Vec<&'a str>>,
        #[serde(default)]
        nested: Option<Nested>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Nested {
        n: u8,
        f: f64,
    }

    /// `text` with whitespace (all four kinds) before and after every structural character outside strings.
    fn spaced(text: &str) -> String {
        let mut out = String::new();
        let (mut in_string, mut escaped) = (false, false);
        for c in text.chars() {
            if in_string {
                out.push(c);
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
                continue;
            }
            match c {
                '"' => {
                    in_string = true;
                    out.push(c);
                }
                '{' | '}' | '[' | ']' | ':' | ',' => {
                    out.push_str(" \t");
                    out.push(c);
                    out.push_str("\r\n ");
                }
                _ => out.push(c),
            }
        }
        out
    }

    #[test]
    fn typed_borrowed_and_unknown_members() {
        let text = r#"{"iss":"Flex API","exp":1614792268,"aud":["a","b"],"x":{"y":[1,{"z":null}]},"nested":{"n":7,"f":-1.5e2}}"#;
        let claims: Claims<'_> = de(text).unwrap();
        assert_eq!(de::<Claims<'_>>(&spaced(text)).unwrap(), claims);
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(de::<serde_json::Value>(&spaced(text)).unwrap(), value);
        assert!(matches!(claims.iss, Cow::Borrowed("Flex API")));
        assert_eq!(claims.exp, 1_614_792_268);
        assert_eq!(claims.aud, Some(vec!["a", "b"]));
        assert_eq!(claims.nested, Some(Nested { n: 7, f: -150.0 }));
        let escaped: Claims<'_> = de(r#"{"iss":"a\u003db\ud83d\ude00\n","exp":0}"#).unwrap();
        assert!(matches!(escaped.iss, Cow::Owned(ref s) if s == "a=b\u{1F600}\n"));
    }

    #[test]
    fn strictness_is_the_scanners() {
        for (text, expected) in [
            (r#"{"iss":"a","exp":1,"exp":2}"#, JsonError::DuplicateMember),
            (r#"{"iss":"a","exp":1,"x":{"q":1,"\u0071":2}}"#, JsonError::DuplicateMember),
            (r#"{"iss":"a","exp":1,"x":[{"q":1,"q":2}]}"#, JsonError::DuplicateMember),
            (r#"{"iss":"a","exp":1,"x":1e400}"#, JsonError::NumberOutOfRange),
            (r#"{"iss":"a\ud800","exp":1}"#, JsonError::InvalidString),
            (r#"{"iss":"a","exp":1,}"#, JsonError::Syntax),
            (r#"{"iss":"a","exp":01}"#, JsonError::Syntax),
            (r#"{"iss":"a","exp":1} x"#, JsonError::Syntax),
            (r#"{"iss":"a","exp":1}{}"#, JsonError::Syntax),
            (r#"{"iss":"tab	","exp":1}"#, JsonError::Syntax),
            ("[1]", JsonError::NotAnObject),
            ("", JsonError::Syntax),
        ] {
            assert_eq!(problem::<Claims<'_>>(text), Problem::Json(expected), "{text}");
            assert_eq!(problem::<IgnoredAny>(text), Problem::Json(expected), "{text}");
        }
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(40), "]".repeat(40));
        assert_eq!(problem::<IgnoredAny>(&deep), Problem::Json(JsonError::TooDeep));
        assert_eq!(problem::<BTreeMap<String, serde_json::Value>>(&deep), Problem::Json(JsonError::TooDeep));
    }

    #[test]
    fn shape_errors_carry_no_text() {
        let err = de::<Claims<'_>>(r#"{"iss":"4111111111111111","exp":"soon"}"#).unwrap_err();
        assert_eq!(err.problem, Problem::Shape);
        assert_eq!(err.line_column(r#"{"iss":"4111111111111111","exp":"soon"}"#), (1, 39));
        assert_eq!(problem::<Claims<'_>>(r#"{"exp":1}"#), Problem::Shape, "missing field");
        assert_eq!(problem::<Claims<'_>>(r#"{"iss":"a\n","exp":1,"aud":["\u0041"]}"#), Problem::Shape);
        let multi = "{\n\"iss\":1}";
        let err = de::<Claims<'_>>(multi).unwrap_err();
        assert_eq!(err.line_column(multi), (2, 8));
    }

    #[test]
    fn visitors_that_stop_early_are_shape_errors() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Pair(u8, u8);
        assert_eq!(de::<BTreeMap<&str, Pair>>(r#"{"p":[1,2]}"#).unwrap().len(), 1);
        assert_eq!(problem::<BTreeMap<&str, Pair>>(r#"{"p":[1,2,3]}"#), Problem::Shape);
        assert_eq!(problem::<BTreeMap<&str, Pair>>(r#"{"p":[1]}"#), Problem::Shape);
    }

    #[test]
    fn numbers_follow_serde_json() {
        let v: BTreeMap<&str, serde_json::Value> = de(
            r#"{"u":18446744073709551615,"big":18446744073709551616,"i":-9223372036854775808,"small":-9223372036854775809,"z":-0,"f":0.1,"e":1E2}"#,
        )
        .unwrap();
        assert_eq!(v["u"].as_u64(), Some(u64::MAX));
        assert_eq!(v["big"].as_f64(), Some(18_446_744_073_709_551_616.0));
        assert_eq!(v["i"].as_i64(), Some(i64::MIN));
        assert_eq!(v["small"].as_f64(), Some(-9_223_372_036_854_775_809.0));
        assert!(v["z"].as_f64().is_some_and(|z| z == 0.0 && z.is_sign_negative()));
        assert_eq!(v["f"].as_f64(), Some(0.1));
        assert_eq!(v["e"].as_f64(), Some(100.0));
    }

    #[test]
    fn a_bad_escape_is_refused_at_its_backslash() {
        for (text, problem) in [
            (r#"{"a":"\q"}"#, Problem::Json(JsonError::Syntax)),
            (r#"{"a":"\u12"}"#, Problem::Json(JsonError::Syntax)),
            (r#"{"a":"xy\uD800x"}"#, Problem::Json(JsonError::InvalidString)),
            (r#"{"a":"\uD800\u0041"}"#, Problem::Json(JsonError::InvalidString)),
            (r#"{"a":"\u0000"}"#, Problem::Json(JsonError::InvalidString)),
        ] {
            let at = text.find('\\').unwrap();
            assert_eq!(de::<serde_json::Value>(text).unwrap_err(), Refused { problem, offset: at }, "{text}");
        }
    }

    #[test]
    fn integers_read_in_one_pass_agree_with_serde_json_at_every_length() {
        // Plain integers of up to 19 digits take the one-pass path; 20 digits, leading zeros, fractions,
        // exponents and signs the full number reader. Either way the value is serde_json's.
        let mut numbers: Vec<String> = (1..=21).map(|n| "9".repeat(n)).collect();
        numbers.extend((1..=21).map(|n| format!("1{}", "0".repeat(n - 1))));
        for n in
            ["0", "7", "1614792268", "18446744073709551615", "18446744073709551616", "12.5", "12e3", "12E-1"]
        {
            numbers.push(n.to_owned());
        }
        for n in &numbers {
            for text in [format!(r#"{{"n":{n}}}"#), format!(r#"{{"n":[{n},{n}],"m":{n} }}"#)] {
                let want: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(de::<serde_json::Value>(&text).unwrap(), want, "{text}");
            }
        }
        for bad in ["01", "00", "-", "1.", "1e", "12a", "1 2"] {
            let text = format!(r#"{{"n":{bad}}}"#);
            assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
            assert_eq!(problem::<serde_json::Value>(&text), Problem::Json(JsonError::Syntax), "{text}");
        }
    }

    #[test]
    fn enums_options_bytes_and_keys() {
        #[derive(Debug, Deserialize, PartialEq)]
        enum E {
            Unit,
            New(u8),
            Tup(u8, u8),
            Rec { a: u8 },
        }
        #[derive(Debug, Deserialize, PartialEq)]
        struct Doc {
            e: Vec<E>,
            o: Option<u8>,
            n: Option<u8>,
            #[serde(with = "serde_bytes_like")]
            b: Vec<u8>,
            m: BTreeMap<u32, bool>,
        }
        mod serde_bytes_like {
            pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = Vec<u8>;
                    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                        f.write_str("bytes")
                    }
                    fn visit_bytes<E>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                        Ok(v.to_vec())
                    }
                    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                        Ok(v)
                    }
                }
                d.deserialize_bytes(V)
            }
        }
        let text = r#"{"e":["Unit",{"Unit":null},{"New":3},{"Tup":[1,2]},{"Rec":{"a":4}}],"o":5,"n":null,"b":"h\u0069","m":{"7":true,"12":false}}"#;
        let doc: Doc = de(text).unwrap_or_else(|e| panic!("{e:?}"));
        // Whitespace wherever JSON allows it reads the same (the deserializer skips it once, before each value).
        assert_eq!(de::<Doc>(&spaced(text)).unwrap_or_else(|e| panic!("{e:?}")), doc);
        assert_eq!(doc.e, vec![E::Unit, E::Unit, E::New(3), E::Tup(1, 2), E::Rec { a: 4 }]);
        assert_eq!((doc.o, doc.n), (Some(5), None));
        assert_eq!(doc.b, b"hi");
        assert_eq!(doc.m.get(&7), Some(&true));
        assert_eq!(problem::<BTreeMap<&str, E>>(r#"{"x":{"New":1,"Unit":null}}"#), Problem::Shape);
        assert_eq!(problem::<BTreeMap<&str, E>>(r#"{"x":"Nope"}"#), Problem::Shape);
        assert_eq!(problem::<BTreeMap<&str, E>>(r#"{"x":7}"#), Problem::Shape);
    }

    #[test]
    fn a_seed_that_skips_its_value_is_refused_observed_or_not() {
        struct Lazy;
        impl<'de> DeserializeSeed<'de> for Lazy {
            type Value = ();
            fn deserialize<D: de::Deserializer<'de>>(self, _: D) -> Result<(), D::Error> {
                Ok(())
            }
        }
        #[derive(Debug)]
        struct Skipper;
        impl<'de> Deserialize<'de> for Skipper {
            fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = Skipper;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a map")
                    }
                    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Skipper, A::Error> {
                        while map.next_key::<IgnoredAny>()?.is_some() {
                            map.next_value_seed(Lazy)?;
                        }
                        Ok(Skipper)
                    }
                }
                d.deserialize_map(V)
            }
        }
        let mut seen = 0;
        let refused = from_str::<Skipper>(r#"{"exp":1}"#, opts(), &mut |_| seen += 1).unwrap_err();
        assert_eq!((refused.problem, seen), (Problem::Shape, 0));
        // Unobserved, and nested, the same refusal at the value the seed did not read.
        for text in [r#"{"exp":1}"#, r#"{"exp":1,"iat":2}"#, r#"{"exp":{"a":1}}"#] {
            let refused = from_str_unobserved::<Skipper, _>(text, opts(), |r| r).unwrap_err();
            assert_eq!(refused, Refused { problem: Problem::Shape, offset: 7 }, "{text}");
        }
        let nested = from_str_unobserved::<BTreeMap<&str, Skipper>, _>(r#"{"x":{"exp":1}}"#, opts(), |r| r);
        assert_eq!(nested.unwrap_err(), Refused { problem: Problem::Shape, offset: 12 });
    }

    #[test]
    fn observer_sees_top_level_members_in_order() {
        let text = r#"{"a":1,"b":{"c":2},"\u0064":"x","e":[true]}"#;
        let mut seen = Vec::new();
        let _: IgnoredAny = from_str(text, opts(), &mut |m| {
            seen.push((m.name.to_cow().into_owned(), m.value.raw(), m.value.kind()));
        })
        .unwrap();
        assert_eq!(
            seen,
            vec![
                ("a".to_owned(), "1", Kind::Number),
                ("b".to_owned(), r#"{"c":2}"#, Kind::Object),
                ("d".to_owned(), r#""x""#, Kind::String),
                ("e".to_owned(), "[true]", Kind::Array),
            ]
        );
        let mut typed = 0;
        let _: BTreeMap<String, serde_json::Value> = from_str(text, opts(), &mut |_| typed += 1).unwrap();
        assert_eq!(typed, 4);
    }
}
