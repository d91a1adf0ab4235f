//! Capture-context claims: the payload of the JWT returned by `POST /flex/v2/sessions`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::cow::{self, own, own_vec};
use crate::jwk::RsaJwk;

/// The claims of a capture-context JWT.
///
/// Unknown members are ignored at every level (Cybersource adds members without notice). Parsing
/// checks shapes only; signature, time and origin checks belong to `flex-jwt`.
///
/// Serialization writes the members in Cybersource's order, so re-encoding the real payload gives
/// the same bytes except for JSON escapes (`\u003d` becomes `=`). A signature must therefore always
/// be checked against the original compact token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureContextClaims<'a> {
    /// Flex tokenization parameters: where to post the JWE and which key to encrypt to.
    #[serde(borrow)]
    pub flx: Flx<'a>,
    /// Capture descriptions (which fields the client must or may send).
    #[serde(borrow)]
    pub ctx: Vec<Ctx<'a>>,
    /// Issuer (`"Flex API"` in the examples).
    #[serde(borrow)]
    pub iss: Cow<'a, str>,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// Issued-at, seconds since the Unix epoch.
    pub iat: i64,
    /// Token id.
    #[serde(borrow)]
    pub jti: Cow<'a, str>,
}

/// The `flx` claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flx<'a> {
    /// Path of the tokens endpoint, e.g. `/flex/v2/tokens`.
    #[serde(borrow)]
    pub path: Cow<'a, str>,
    /// Opaque base64 blob; do not interpret it. It is usually JSON-escaped (`\u003d`), hence `Cow::Owned`.
    #[serde(borrow)]
    pub data: Cow<'a, str>,
    /// Origin of the tokens endpoint, e.g. `https://testflex.cybersource.com`.
    #[serde(borrow)]
    pub origin: Cow<'a, str>,
    /// The RSA key to encrypt card data to (and, per the docs, to verify the transient token with).
    #[serde(borrow)]
    pub jwk: RsaJwk<'a>,
}

/// One entry of the `ctx` claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ctx<'a> {
    /// Required and optional fields (empty when absent).
    #[serde(borrow, default)]
    pub data: CtxData<'a>,
    /// Context type, e.g. `api-0.1.0` (Flex API) or `mf-1.0.0` (Microform); JSON name `type`.
    #[serde(rename = "type", borrow)]
    pub type_: Cow<'a, str>,
}

/// `ctx[].data`: the fields the client must (`requiredFields`) or may (`optionalFields`) send, as
/// dotted paths such as `paymentInformation.card.number`. Kept as strings: a capture context may
/// name paths this crate does not know.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CtxData<'a> {
    /// Dotted paths the client must send.
    #[serde(borrow, default, deserialize_with = "cow::vec")]
    pub required_fields: Vec<Cow<'a, str>>,
    /// Dotted paths the client may send.
    #[serde(borrow, default, deserialize_with = "cow::vec")]
    pub optional_fields: Vec<Cow<'a, str>>,
}

impl<'a> CaptureContextClaims<'a> {
    /// The URL to post the JWE to: `flx.origin` joined with `flx.path` (one `/` between them).
    pub fn tokens_url(&self) -> String {
        let origin = self.flx.origin.trim_end_matches('/');
        let path = self.flx.path.trim_start_matches('/');
        format!("{origin}/{path}")
    }

    /// Every required field of every `ctx` entry, in order.
    pub fn required_fields(&self) -> impl Iterator<Item = &str> + '_ {
        self.ctx.iter().flat_map(|c| c.data.required_fields.iter().map(|s| s.as_ref()))
    }

    /// Every optional field of every `ctx` entry, in order.
    pub fn optional_fields(&self) -> impl Iterator<Item = &str> + '_ {
        self.ctx.iter().flat_map(|c| c.data.optional_fields.iter().map(|s| s.as_ref()))
    }

    /// Whether `path` (dotted) is listed as required or optional in any `ctx` entry.
    pub fn accepts_field(&self, path: &str) -> bool {
        self.required_fields().chain(self.optional_fields()).any(|f| f == path)
    }

    /// Lifetime in seconds (`exp - iat`, saturating); 900 for real contexts.
    pub fn lifetime_secs(&self) -> i64 {
        self.exp.saturating_sub(self.iat)
    }

    /// Detaches the claims from their input.
    pub fn into_owned(self) -> CaptureContextClaims<'static> {
        CaptureContextClaims {
            flx: self.flx.into_owned(),
            ctx: self.ctx.into_iter().map(Ctx::into_owned).collect(),
            iss: own(self.iss),
            exp: self.exp,
            iat: self.iat,
            jti: own(self.jti),
        }
    }
}

impl Flx<'_> {
    /// Detaches the claim from its input.
    pub fn into_owned(self) -> Flx<'static> {
        Flx {
            path: own(self.path),
            data: own(self.data),
            origin: own(self.origin),
            jwk: self.jwk.into_owned(),
        }
    }
}

impl Ctx<'_> {
    /// Detaches the entry from its input.
    pub fn into_owned(self) -> Ctx<'static> {
        Ctx { data: self.data.into_owned(), type_: own(self.type_) }
    }
}

impl CtxData<'_> {
    /// Detaches the lists from their input.
    pub fn into_owned(self) -> CtxData<'static> {
        CtxData {
            required_fields: own_vec(self.required_fields),
            optional_fields: own_vec(self.optional_fields),
        }
    }
}
