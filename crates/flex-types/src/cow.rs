//! Zero-copy string helpers for serde.
//!
//! serde's derive borrows a plain `Cow<'a, str>` field marked `#[serde(borrow)]`, but an
//! `Option<Cow<'a, str>>` or `Vec<Cow<'a, str>>` always allocates. These helpers borrow in every
//! position: an unescaped JSON string becomes `Cow::Borrowed`, a string with escapes `Cow::Owned`.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, IgnoredAny, SeqAccess, Visitor};

/// A string that borrows from the input when the deserializer allows it.
pub(crate) struct CowStr<'a>(pub(crate) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for CowStr<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(CowStrVisitor(PhantomData))
    }
}

struct CowStrVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for CowStrVisitor<'a> {
    type Value = CowStr<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(CowStr(Cow::Borrowed(v)))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(CowStr(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(CowStr(Cow::Owned(v)))
    }
}

/// `deserialize_with` for `Option<Cow<'a, str>>` (use together with `#[serde(default)]`).
pub(crate) fn option<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    Ok(Option::<CowStr<'a>>::deserialize(d)?.map(|s| s.0))
}

/// `deserialize_with` for `Vec<Cow<'a, str>>`.
///
/// Reads the strings straight into the `Vec` (no second pass to unwrap them), and an empty array allocates
/// nothing; a non-empty one starts with room for four, as a growing `Vec` would, but without the growth path.
pub(crate) fn vec<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Vec<Cow<'a, str>>, D::Error> {
    d.deserialize_seq(CowStrsVisitor(PhantomData))
}

struct CowStrsVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for CowStrsVisitor<'a> {
    type Value = Vec<Cow<'a, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of strings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let Some(CowStr(first)) = seq.next_element()? else { return Ok(Vec::new()) };
        // A hint is only trusted up to a small bound: it may come from the input.
        let mut strings = Vec::with_capacity(seq.size_hint().map_or(4, |n| n.saturating_add(1)).clamp(4, 64));
        strings.push(first);
        while let Some(CowStr(s)) = seq.next_element()? {
            strings.push(s);
        }
        Ok(strings)
    }
}

/// `deserialize_with` for `Option<Vec<Cow<'a, str>>>` (use together with `#[serde(default)]`).
pub(crate) fn option_vec<'de: 'a, 'a, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<Cow<'a, str>>>, D::Error> {
    Ok(Option::<Vec<CowStr<'a>>>::deserialize(d)?.map(|v| v.into_iter().map(|s| s.0).collect()))
}

/// `deserialize_with` that records that a member was present (whatever its value, even `null`)
/// without keeping its content.
pub(crate) fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(d).map(|_| true)
}

/// Detaches a string from its input.
pub(crate) fn own(s: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(s.into_owned())
}

/// Detaches an optional string from its input.
pub(crate) fn own_opt(s: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
    s.map(own)
}

/// Detaches a list of strings from its input.
pub(crate) fn own_vec(v: Vec<Cow<'_, str>>) -> Vec<Cow<'static, str>> {
    v.into_iter().map(own).collect()
}
