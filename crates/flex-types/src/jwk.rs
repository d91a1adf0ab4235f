//! The RSA JSON Web Key carried in a capture context (`flx.jwk`) and served by
//! `GET /flex/v2/public-keys/{kid}`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::cow::{self, own, own_opt};

/// An RSA public JWK (RFC 7517 / RFC 7518 §6.3), as a plain data carrier.
///
/// No checks happen here: `flex-jwt` rejects a `kty` other than `"RSA"`, bad base64url, weak
/// sizes, and any key for which [`RsaJwk::has_private_members`] is true. Unknown members are ignored.
///
/// The private members `d`, `p`, `q`, `dp`, `dq`, `qi` and `oth` are only *detected*: their
/// values are skipped while parsing, never stored, and never serialized.
///
/// Serialization writes `kty`, `e`, `use`, `n`, `kid`, `alg`, `key_ops` in that order (the first five
/// in Cybersource's own order), omitting absent optional members.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RsaJwk<'a> {
    /// Key type; `"RSA"` for a usable key.
    #[serde(borrow)]
    pub kty: Cow<'a, str>,
    /// Public exponent, base64url (`"AQAB"` for 65537).
    #[serde(borrow)]
    pub e: Cow<'a, str>,
    /// Intended use (`"enc"` in capture contexts); JSON name `use`.
    #[serde(
        rename = "use",
        borrow,
        default,
        deserialize_with = "cow::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub use_: Option<Cow<'a, str>>,
    /// Modulus, base64url, big-endian.
    #[serde(borrow)]
    pub n: Cow<'a, str>,
    /// Key id.
    #[serde(borrow, default, deserialize_with = "cow::option", skip_serializing_if = "Option::is_none")]
    pub kid: Option<Cow<'a, str>>,
    /// Algorithm the key is meant for, if stated.
    #[serde(borrow, default, deserialize_with = "cow::option", skip_serializing_if = "Option::is_none")]
    pub alg: Option<Cow<'a, str>>,
    /// Permitted operations, if stated.
    #[serde(borrow, default, deserialize_with = "cow::option_vec", skip_serializing_if = "Option::is_none")]
    pub key_ops: Option<Vec<Cow<'a, str>>>,
    #[serde(default, skip_serializing, deserialize_with = "cow::present")]
    d: bool,
    #[serde(default, skip_serializing, deserialize_with = "cow::present")]
    p: bool,
    #[serde(default, skip_serializing, deserialize_with = "cow::present")]
    q: bool,
    #[serde(default, skip_serializing, deserialize_with = "cow::present")]
    dp: bool,
    #[serde(default, skip_serializing, deserialize_with = "cow::present")]
    dq: bool,
    #[serde(default, skip_serializing, deserialize_with = "cow::present")]
    qi: bool,
    #[serde(default, skip_serializing, deserialize_with = "cow::present")]
    oth: bool,
}

impl<'a> RsaJwk<'a> {
    /// A public key with `kty: "RSA"`, the given base64url modulus and exponent, and no optional members.
    pub fn new(n: impl Into<Cow<'a, str>>, e: impl Into<Cow<'a, str>>) -> Self {
        RsaJwk {
            kty: Cow::Borrowed("RSA"),
            e: e.into(),
            use_: None,
            n: n.into(),
            kid: None,
            alg: None,
            key_ops: None,
            d: false,
            p: false,
            q: false,
            dp: false,
            dq: false,
            qi: false,
            oth: false,
        }
    }

    /// Sets `kid`.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<Cow<'a, str>>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Sets `use` (e.g. `"enc"`).
    #[must_use]
    pub fn with_use(mut self, use_: impl Into<Cow<'a, str>>) -> Self {
        self.use_ = Some(use_.into());
        self
    }

    /// Whether the parsed JSON had any private-key member (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`),
    /// whatever its value. A public-key consumer must reject such a key.
    pub fn has_private_members(&self) -> bool {
        self.d || self.p || self.q || self.dp || self.dq || self.qi || self.oth
    }

    /// Detaches the key from its input.
    pub fn into_owned(self) -> RsaJwk<'static> {
        RsaJwk {
            kty: own(self.kty),
            e: own(self.e),
            use_: own_opt(self.use_),
            n: own(self.n),
            kid: own_opt(self.kid),
            alg: own_opt(self.alg),
            key_ops: self.key_ops.map(cow::own_vec),
            d: self.d,
            p: self.p,
            q: self.q,
            dp: self.dp,
            dq: self.dq,
            qi: self.qi,
            oth: self.oth,
        }
    }
}
