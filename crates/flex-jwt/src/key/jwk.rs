//! RSA public keys from JWKs (RFC 7517, RFC 7518 §6.3.1) and JWK sets.
//!
//! Two passes: the strict JSON validator (no duplicate members at any depth, bounded depth), then serde into a
//! small borrowed struct whose members keep "absent", "string" and "wrong type" apart, so that each problem
//! maps to its own [`KeyError`].

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use flex_jose::rsa::PublicKey;

use super::set::MAX_KEY_SET_LEN;
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
/// The most items [`Json`] keeps of an array: one more than the longest array accepted (`keys`, `key_ops`).
const MAX_ARRAY_ITEMS: usize =
    if MAX_KEY_SET_LEN > MAX_KEY_OPS { MAX_KEY_SET_LEN + 1 } else { MAX_KEY_OPS + 1 };

/// A JSON value as the importers tell it apart: absent, a string, an array of `T`, an object read as `O`, or
/// any other value. With `IgnoredAny` for `T` or `O`, that shape is read through (and checked) and nothing of
/// it is kept.
#[derive(Debug, Default)]
pub(crate) enum Json<'a, T = IgnoredAny, O = IgnoredAny> {
    /// Not present.
    #[default]
    Absent,
    /// A JSON string (borrowed unless it had escapes).
    Str(Cow<'a, str>),
    /// An array.
    Array(Vec<T>),
    /// An object.
    Object(O),
    /// A number, `true`, `false` or `null`.
    Other,
}

/// A JWK member, of use only as a string.
pub(crate) type Member<'a> = Json<'a>;

/// The `key_ops` member: of use only as an array of strings.
pub(crate) type KeyOps<'a> = Json<'a, Member<'a>>;

/// Whether a member is present at all, whatever its value.
#[derive(Debug, Default, Clone, Copy)]
struct Present(bool);

/// The members of a JWK that matter for an RSA signature-verification key.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Fields<'a> {
    #[serde(borrow)]
    pub(crate) kty: Member<'a>,
    #[serde(borrow)]
    pub(crate) n: Member<'a>,
    #[serde(borrow)]
    pub(crate) e: Member<'a>,
    #[serde(borrow, rename = "use")]
    pub(crate) use_: Member<'a>,
    #[serde(borrow)]
    pub(crate) alg: Member<'a>,
    #[serde(borrow)]
    pub(crate) kid: Member<'a>,
    #[serde(borrow)]
    pub(crate) key_ops: KeyOps<'a>,
    d: Present,
    p: Present,
    q: Present,
    dp: Present,
    dq: Present,
    qi: Present,
    oth: Present,
    /// Set when the fields come from an already typed JWK rather than from JSON.
    #[serde(skip)]
    pub(crate) private: bool,
}

impl<'a> Fields<'a> {
    /// The fields of a JWK that `flex-types` already deserialized (e.g. a capture context's `flx.jwk`).
    pub(crate) fn from_typed(jwk: &'a flex_types::RsaJwk<'_>) -> Self {
        let str = |s: &'a str| Member::Str(Cow::Borrowed(s));
        let opt = |s: Option<&'a str>| s.map_or(Member::Absent, str);
        Self {
            kty: str(&jwk.kty),
            n: str(&jwk.n),
            e: str(&jwk.e),
            use_: opt(jwk.use_.as_deref()),
            alg: opt(jwk.alg.as_deref()),
            kid: opt(jwk.kid.as_deref()),
            key_ops: jwk
                .key_ops
                .as_ref()
                .map_or(KeyOps::Absent, |ops| KeyOps::Array(ops.iter().map(|op| str(op)).collect())),
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
    from_strict(json, MAX_JWK_LEN)
}

/// Checks `json`, at most `max_len` bytes, as one strict JSON object (every rule of the scanner) and
/// deserializes it in the same pass. A shape the target type refuses is reported as [`JsonError::Syntax`]: the
/// members that matter have their own errors later, and nothing here may quote the input.
fn from_strict<'a, T: Deserialize<'a>>(json: &'a str, max_len: usize) -> Result<T, KeyError> {
    if json.len() > max_len {
        return Err(KeyError::TooLarge);
    }
    let options = json::Options { max_depth: MAX_DEPTH, spill: true };
    json::de::from_str_unobserved(json, options, |refused| match refused.problem {
        json::de::Problem::Json(e) => KeyError::Json(e),
        // A shape mismatch (and any refusal a later flex-jose names) is reported as malformed.
        _ => KeyError::Json(JsonError::Syntax),
    })
}

/// Parses a JWK set `{"keys":[...]}` into the fields of each key.
pub(crate) fn parse_set(json: &str) -> Result<Vec<Fields<'_>>, KeyError> {
    let set: RawSet<'_> = from_strict(json, MAX_JWKS_LEN)?;
    let Json::Array(entries) = set.keys else {
        return Err(KeyError::MissingMember { member: "keys" });
    };
    entries
        .into_iter()
        .map(|entry| match entry {
            Json::Object(fields) => Ok(fields),
            _ => Err(KeyError::Json(JsonError::NotAnObject)),
        })
        .collect()
}

/// Turns JWK fields into a key for `usage`, applying every rule in a fixed order: `kty`, private members, `use`,
/// `key_ops`, `alg`, `kid`, `n`/`e` encoding, then size and exponent.
///
/// `use` may be absent or the usage's own value: `"sig"` (RFC 7517 §4.2) for every ordinary importer, `"enc"`
/// for [`KeyUse::FlexTransientTokenSigning`], only Flex's capture-context `flx.jwk`, which must also have a `kid`.
pub(crate) fn build(
    fields: &Fields<'_>,
    usage: KeyUse,
    options: &KeyOptions,
) -> Result<RsaPublicKey, KeyError> {
    match &fields.kty {
        Member::Str(kty) if kty == "RSA" => {}
        Member::Str(_) => return Err(KeyError::NotRsa),
        _ => return Err(KeyError::MissingMember { member: "kty" }),
    }
    if fields.has_private_members() {
        return Err(KeyError::PrivateMembers);
    }
    match &fields.use_ {
        Member::Absent => {}
        Member::Str(u) if u == usage.jwk_use() => {}
        _ => return Err(KeyError::WrongUse),
    }
    check_key_ops(&fields.key_ops)?;
    let alg = match &fields.alg {
        Member::Absent => None,
        Member::Str(name) => Some(Algorithm::from_name(name).ok_or(KeyError::WrongAlgorithm)?),
        _ => return Err(KeyError::WrongAlgorithm),
    };
    let kid = match &fields.kid {
        Member::Absent => None,
        Member::Str(kid) => Some(Kid::new(kid).map_err(KeyError::InvalidKid)?),
        _ => return Err(KeyError::MissingMember { member: "kid" }),
    };
    if usage == KeyUse::FlexTransientTokenSigning && kid.is_none() {
        return Err(KeyError::MissingKid);
    }
    let (Member::Str(n), Member::Str(e)) = (&fields.n, &fields.e) else {
        let member = if matches!(fields.n, Member::Str(_)) { "e" } else { "n" };
        return Err(KeyError::MissingMember { member });
    };
    let key = PublicKey::from_jwk_members(n, e, options.exponent_policy).map_err(super::key_error)?;
    Ok(RsaPublicKey { kid, alg, usage, ..RsaPublicKey::from(key) })
}

/// `key_ops`, when present, must be an array of distinct strings that contains `"verify"` (RFC 7517 §4.3).
fn check_key_ops(key_ops: &KeyOps<'_>) -> Result<(), KeyError> {
    let ops = match key_ops {
        KeyOps::Absent => return Ok(()),
        KeyOps::Array(ops) if ops.len() <= MAX_KEY_OPS => ops,
        _ => return Err(KeyError::WrongKeyOps),
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
    keys: Json<'a, Entry<'a>>,
}

/// An entry of `keys`: of use only as an object.
type Entry<'a> = Json<'a, IgnoredAny, Fields<'a>>;

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(deserializer).map(|_| Self(true))
    }
}

impl<'de: 'a, 'a, T: Deserialize<'de>, O: Deserialize<'de>> Deserialize<'de> for Json<'a, T, O> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor(PhantomData))
    }
}

/// `Visitor` methods for the values an importer never reads (booleans, numbers, `null`): each is [`Json::Other`].
macro_rules! visit_other {
    ($($method:ident($($value:ty)?)),+) => {$(
        fn $method<E: de::Error>(self, $(_: $value)?) -> Result<Self::Value, E> {
            Ok(Json::Other)
        }
    )+};
}

struct JsonVisitor<'de, T, O>(PhantomData<Json<'de, T, O>>);

impl<'de, T: Deserialize<'de>, O: Deserialize<'de>> Visitor<'de> for JsonVisitor<'de, T, O> {
    type Value = Json<'de, T, O>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Owned(v)))
    }

    visit_other!(visit_bool(bool), visit_i64(i64), visit_u64(u64), visit_f64(f64), visit_unit());

    /// Keeps at most [`MAX_ARRAY_ITEMS`] items, one more than any array the importers accept (so that their length
    /// checks still refuse a longer one), and reads the rest through without keeping them: the memory a hostile
    /// `keys` or `key_ops` array costs is bounded, whatever its length.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while items.len() < MAX_ARRAY_ITEMS {
            match seq.next_element()? {
                Some(item) => items.push(item),
                None => return Ok(Json::Array(items)),
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        O::deserialize(de::value::MapAccessDeserializer::new(map)).map(Json::Object)
    }
}
