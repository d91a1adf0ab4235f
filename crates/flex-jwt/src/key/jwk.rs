//! RSA public keys from JWKs (RFC 7517, RFC 7518 §6.3.1) and JWK sets.
//!
//! Two passes: the strict JSON validator (no duplicate members at any depth, bounded depth), then serde into a
//! small borrowed struct whose members keep "absent", "string" and "wrong type" apart, so that each problem
//! maps to its own [`KeyError`].

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{KeyOptions, KeyUse, RsaPublicKey};
use crate::alg::Algorithm;
use crate::error::{JsonError, KeyError};
use crate::json;
use crate::kid::Kid;

/// Deepest JSON nesting accepted in a JWK or JWK set (a set with `x5c` needs 4).
const MAX_DEPTH: usize = 8;
/// Longest single JWK accepted, in bytes. An 8192-bit key is about 1.4 KB; room is left for `x5c`.
pub(crate) const MAX_JWK_LEN: usize = 16 * 1024;
/// Longest JWK set accepted, in bytes.
pub(crate) const MAX_JWKS_LEN: usize = 512 * 1024;
/// Most `key_ops` entries accepted (RFC 7517 defines 8 values, and duplicates are not allowed).
const MAX_KEY_OPS: usize = 16;

/// Which `use` values an importer accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UseRule {
    /// `use` absent or `"sig"` (RFC 7517 §4.2): every ordinary importer.
    Signature,
    /// `use` absent or `"enc"`, and a `kid` is required: only Flex's capture-context `flx.jwk`.
    FlexCaptureContext,
}

/// A JWK member as found in the document.
#[derive(Debug, Default)]
pub(crate) enum Member<'a> {
    /// Not present.
    #[default]
    Absent,
    /// A JSON string (borrowed unless it had escapes).
    Str(Cow<'a, str>),
    /// Present with another JSON type (`null` included).
    Other,
}

impl<'a> Member<'a> {
    pub(crate) fn from_option(value: Option<&'a str>) -> Self {
        value.map_or(Self::Absent, |s| Self::Str(Cow::Borrowed(s)))
    }
}

/// The `key_ops` member as found in the document.
#[derive(Debug, Default)]
pub(crate) enum KeyOps<'a> {
    /// Not present.
    #[default]
    Absent,
    /// An array (its entries may still have the wrong type).
    List(Vec<Member<'a>>),
    /// Present and not an array.
    Other,
}

/// Whether a member is present at all, whatever its value.
#[derive(Debug, Default, Clone, Copy)]
struct Present(bool);

/// The members of a JWK that matter for an RSA signature-verification key.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Fields<'a> {
    #[serde(default, borrow)]
    pub(crate) kty: Member<'a>,
    #[serde(default, borrow)]
    pub(crate) n: Member<'a>,
    #[serde(default, borrow)]
    pub(crate) e: Member<'a>,
    #[serde(default, borrow, rename = "use")]
    pub(crate) use_: Member<'a>,
    #[serde(default, borrow)]
    pub(crate) alg: Member<'a>,
    #[serde(default, borrow)]
    pub(crate) kid: Member<'a>,
    #[serde(default, borrow)]
    pub(crate) key_ops: KeyOps<'a>,
    #[serde(default)]
    d: Present,
    #[serde(default)]
    p: Present,
    #[serde(default)]
    q: Present,
    #[serde(default)]
    dp: Present,
    #[serde(default)]
    dq: Present,
    #[serde(default)]
    qi: Present,
    #[serde(default)]
    oth: Present,
    /// Set when the fields come from an already typed JWK rather than from JSON.
    #[serde(skip)]
    pub(crate) private: bool,
}

impl<'a> Fields<'a> {
    /// The fields of a JWK that `flex-types` already deserialized (e.g. a capture context's `flx.jwk`).
    pub(crate) fn from_typed(jwk: &'a flex_types::RsaJwk<'_>) -> Self {
        let str = |s: &'a str| Member::Str(Cow::Borrowed(s));
        Self {
            kty: str(&jwk.kty),
            n: str(&jwk.n),
            e: str(&jwk.e),
            use_: Member::from_option(jwk.use_.as_deref()),
            alg: Member::from_option(jwk.alg.as_deref()),
            kid: Member::from_option(jwk.kid.as_deref()),
            key_ops: jwk
                .key_ops
                .as_ref()
                .map_or(KeyOps::Absent, |ops| KeyOps::List(ops.iter().map(|op| str(op)).collect())),
            private: jwk.has_private_members(),
            ..Self::default()
        }
    }

    fn has_private_members(&self) -> bool {
        self.private || [self.d, self.p, self.q, self.dp, self.dq, self.qi, self.oth].iter().any(|m| m.0)
    }
}

/// Parses one JWK object.
pub(crate) fn parse(json: &str) -> Result<Fields<'_>, KeyError> {
    if json.len() > MAX_JWK_LEN {
        return Err(KeyError::TooLarge);
    }
    from_strict(json)
}

/// Checks `json` as one strict JSON object (every rule of the scanner) and deserializes it in the same pass.
/// A shape the target type refuses is reported as [`JsonError::Syntax`]: the members that matter have their own
/// errors later, and nothing here may quote the input.
fn from_strict<'a, T: Deserialize<'a>>(json: &'a str) -> Result<T, KeyError> {
    let options = json::Options { max_depth: MAX_DEPTH, spill: true };
    json::de::from_str(json, options, &mut |_| {}).map_err(|refused| match refused.problem {
        json::de::Problem::Json(e) => KeyError::Json(e),
        // A shape mismatch (and any refusal a later flex-jose names) is reported as malformed.
        _ => KeyError::Json(JsonError::Syntax),
    })
}

/// Parses a JWK set `{"keys":[...]}` into the fields of each key.
pub(crate) fn parse_set(json: &str) -> Result<Vec<Fields<'_>>, KeyError> {
    if json.len() > MAX_JWKS_LEN {
        return Err(KeyError::TooLarge);
    }
    let set: RawSet<'_> = from_strict(json)?;
    match set.keys {
        Keys::List(entries) => entries
            .into_iter()
            .map(|entry| match entry {
                Entry::Key(fields) => Ok(fields),
                Entry::NotAnObject => Err(KeyError::Json(JsonError::NotAnObject)),
            })
            .collect(),
        Keys::Absent | Keys::Other => Err(KeyError::MissingMember { member: "keys" }),
    }
}

/// Turns JWK fields into a key, applying every rule in a fixed order: `kty`, private members, `use`,
/// `key_ops`, `alg`, `kid`, `n`/`e` encoding, then size and exponent.
pub(crate) fn build(
    fields: &Fields<'_>,
    rule: UseRule,
    options: &KeyOptions,
) -> Result<RsaPublicKey, KeyError> {
    match &fields.kty {
        Member::Str(kty) if kty == "RSA" => {}
        Member::Str(_) => return Err(KeyError::NotRsa),
        Member::Absent | Member::Other => return Err(KeyError::MissingMember { member: "kty" }),
    }
    if fields.has_private_members() {
        return Err(KeyError::PrivateMembers);
    }
    let usage = match (rule, &fields.use_) {
        (UseRule::Signature, Member::Absent) => KeyUse::Signature,
        (UseRule::Signature, Member::Str(u)) if u == "sig" => KeyUse::Signature,
        (UseRule::FlexCaptureContext, Member::Absent) => KeyUse::FlexTransientTokenSigning,
        (UseRule::FlexCaptureContext, Member::Str(u)) if u == "enc" => KeyUse::FlexTransientTokenSigning,
        _ => return Err(KeyError::WrongUse),
    };
    check_key_ops(&fields.key_ops)?;
    let alg = match &fields.alg {
        Member::Absent => None,
        Member::Str(name) => Some(Algorithm::from_name(name).ok_or(KeyError::WrongAlgorithm)?),
        Member::Other => return Err(KeyError::WrongAlgorithm),
    };
    let kid = match &fields.kid {
        Member::Absent => None,
        Member::Str(kid) => Some(Kid::new(kid).map_err(KeyError::InvalidKid)?),
        Member::Other => return Err(KeyError::MissingMember { member: "kid" }),
    };
    if rule == UseRule::FlexCaptureContext && kid.is_none() {
        return Err(KeyError::MissingKid);
    }
    let (Member::Str(n), Member::Str(e)) = (&fields.n, &fields.e) else {
        let member = if matches!(fields.n, Member::Str(_)) { "e" } else { "n" };
        return Err(KeyError::MissingMember { member });
    };
    let mut key = RsaPublicKey::from_jwk_members(n, e, options.exponent_policy)?;
    key.set_usage(usage);
    if let Some(kid) = kid {
        key = key.with_kid(kid);
    }
    if let Some(alg) = alg {
        key = key.with_algorithm(alg);
    }
    Ok(key)
}

/// `key_ops`, when present, must be an array of distinct strings that contains `"verify"` (RFC 7517 §4.3).
fn check_key_ops(key_ops: &KeyOps<'_>) -> Result<(), KeyError> {
    let ops = match key_ops {
        KeyOps::Absent => return Ok(()),
        KeyOps::Other => return Err(KeyError::WrongKeyOps),
        KeyOps::List(ops) if ops.len() > MAX_KEY_OPS => return Err(KeyError::WrongKeyOps),
        KeyOps::List(ops) => ops,
    };
    let mut names = Vec::with_capacity(ops.len());
    for op in ops {
        match op {
            Member::Str(name) if !names.contains(&name) => names.push(name),
            _ => return Err(KeyError::WrongKeyOps),
        }
    }
    if names.iter().any(|name| *name == "verify") { Ok(()) } else { Err(KeyError::WrongKeyOps) }
}

#[derive(Debug, Default, Deserialize)]
struct RawSet<'a> {
    #[serde(default, borrow)]
    keys: Keys<'a>,
}

#[derive(Debug, Default)]
enum Keys<'a> {
    #[default]
    Absent,
    List(Vec<Entry<'a>>),
    Other,
}

#[derive(Debug)]
enum Entry<'a> {
    Key(Fields<'a>),
    NotAnObject,
}

/// Consumes and discards the rest of a map or sequence so that a wrong-type value is skipped, not an error.
fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Implements the scalar `visit_*` methods of a visitor as "wrong type".
macro_rules! other_scalars {
    ($other:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($other)
        }
    };
}

struct MemberVisitor;

impl<'de> Visitor<'de> for MemberVisitor {
    type Value = Member<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Member::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Member::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Member::Str(Cow::Owned(v)))
    }

    other_scalars!(Member::Other);

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|()| Member::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map).map(|()| Member::Other)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Member<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MemberVisitor)
    }
}

struct KeyOpsVisitor;

impl<'de> Visitor<'de> for KeyOpsVisitor {
    type Value = KeyOps<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(KeyOps::Other)
    }

    other_scalars!(KeyOps::Other);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut ops = Vec::new();
        while let Some(op) = seq.next_element::<Member<'de>>()? {
            ops.push(op);
        }
        Ok(KeyOps::List(ops))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map).map(|()| KeyOps::Other)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for KeyOps<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KeyOpsVisitor)
    }
}

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(deserializer).map(|_| Self(true))
    }
}

struct KeysVisitor;

impl<'de> Visitor<'de> for KeysVisitor {
    type Value = Keys<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Keys::Other)
    }

    other_scalars!(Keys::Other);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut keys = Vec::new();
        while let Some(entry) = seq.next_element::<Entry<'de>>()? {
            keys.push(entry);
        }
        Ok(Keys::List(keys))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map).map(|()| Keys::Other)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Keys<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KeysVisitor)
    }
}

struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = Entry<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Entry::NotAnObject)
    }

    other_scalars!(Entry::NotAnObject);

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|()| Entry::NotAnObject)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Fields::deserialize(de::value::MapAccessDeserializer::new(map)).map(Entry::Key)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Entry<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(EntryVisitor)
    }
}
