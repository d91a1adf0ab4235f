//! Capture-context claims: the payload of the JWT returned by `POST /flex/v2/sessions` (Flex API, `ctx[].type`
//! `api-*`) or by `POST /microform/v2/sessions` (Microform v2, `mf-*`). Both kinds share one type;
//! [`CaptureContextClaims::kind`] tells them apart.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize};

use crate::cow::{self, own, own_opt, own_vec};
use crate::jwk::RsaJwk;
use crate::value::Value;

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

/// `ctx[].data`.
///
/// For a Flex API context (`api-*`): the fields the client must (`requiredFields`) or may
/// (`optionalFields`) send, as dotted paths such as `paymentInformation.card.number`. Kept as strings: a
/// capture context may name paths this crate does not know.
///
/// For a Microform context (`mf-*`): the library to load (`clientLibrary`, with its Subresource Integrity
/// hash `clientLibraryIntegrity`), the pages allowed to host the fields (`targetOrigins`), the origin the
/// fields are served from (`mfOrigin`), and the accepted card networks and payment types, as the strings the
/// context carries (a network this crate does not know is kept, not refused; see
/// [`CardNetwork`](crate::CardNetwork) for the known ones). These members are read leniently: one of another
/// JSON type is treated as absent, and non-string list items are skipped.
///
/// Members of the other kind are empty. Serialization always writes the two field lists (as Flex API contexts
/// carry them) and the Microform members only when set. Construct with `..CtxData::default()` for the members
/// you do not set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CtxData<'a> {
    /// Dotted paths the client must send (Flex API).
    #[serde(borrow, default, deserialize_with = "cow::vec")]
    pub required_fields: Vec<Cow<'a, str>>,
    /// Dotted paths the client may send (Flex API).
    #[serde(borrow, default, deserialize_with = "cow::vec")]
    pub optional_fields: Vec<Cow<'a, str>>,
    /// URL of the Microform JavaScript library, e.g. `https://flex.cybersource.com/microform/bundle/v2/flex-microform.min.js`.
    #[serde(borrow, default, deserialize_with = "lenient_str", skip_serializing_if = "Option::is_none")]
    pub client_library: Option<Cow<'a, str>>,
    /// Subresource Integrity value for [`client_library`](Self::client_library), e.g. `sha256-...`.
    #[serde(borrow, default, deserialize_with = "lenient_str", skip_serializing_if = "Option::is_none")]
    pub client_library_integrity: Option<Cow<'a, str>>,
    /// The origins allowed to embed the fields (the request's `targetOrigins`).
    #[serde(borrow, default, deserialize_with = "lenient_strs", skip_serializing_if = "Vec::is_empty")]
    pub target_origins: Vec<Cow<'a, str>>,
    /// The origin the hosted fields are served from.
    #[serde(borrow, default, deserialize_with = "lenient_str", skip_serializing_if = "Option::is_none")]
    pub mf_origin: Option<Cow<'a, str>>,
    /// Accepted card networks, e.g. `VISA`.
    #[serde(borrow, default, deserialize_with = "lenient_strs", skip_serializing_if = "Vec::is_empty")]
    pub allowed_card_networks: Vec<Cow<'a, str>>,
    /// Accepted payment types, e.g. `CARD`.
    #[serde(borrow, default, deserialize_with = "lenient_strs", skip_serializing_if = "Vec::is_empty")]
    pub allowed_payment_types: Vec<Cow<'a, str>>,
}

/// A Microform member read leniently: a string, or absent when of another type (the member also appears, with
/// other shapes, in context types this crate does not model).
fn lenient_str<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

/// A Microform list read leniently: the string items of an array; empty for anything else.
fn lenient_strs<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Vec<Cow<'a, str>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

/// What kind of capture context (or transient token) a `type` names: Flex API (`api-*`), Microform
/// (`mf-*`) or Unified Checkout (`gda-*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ContextKind {
    /// `api-<version>`: `POST /flex/v2/sessions`, fields listed in `requiredFields` / `optionalFields`.
    FlexApi,
    /// `mf-<version>`: Microform (`POST /microform/v2/sessions`), hosted fields.
    Microform,
    /// `gda-<version>`: Unified Checkout.
    UnifiedCheckout,
    /// Any other prefix, or no `ctx` entry.
    Unknown,
}

impl ContextKind {
    /// The kind a `type` value names, by its prefix (`api-`, `mf-`, `gda-`).
    pub fn of_type(type_: &str) -> Self {
        if type_.starts_with("api-") {
            ContextKind::FlexApi
        } else if type_.starts_with("mf-") {
            ContextKind::Microform
        } else if type_.starts_with("gda-") {
            ContextKind::UnifiedCheckout
        } else {
            ContextKind::Unknown
        }
    }

    /// A short name: `flex-api`, `microform`, `unified-checkout` or `unknown`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ContextKind::FlexApi => "flex-api",
            ContextKind::Microform => "microform",
            ContextKind::UnifiedCheckout => "unified-checkout",
            ContextKind::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for ContextKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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

    /// Which kind of capture context this is, from the first `ctx` entry's `type` (`api-*` Flex API, `mf-*`
    /// Microform); [`ContextKind::Unknown`] without a `ctx` entry.
    pub fn kind(&self) -> ContextKind {
        self.ctx.first().map_or(ContextKind::Unknown, Ctx::kind)
    }

    /// The `data` of the first Microform (`mf-*`) `ctx` entry, if any: `clientLibrary`,
    /// `clientLibraryIntegrity`, `targetOrigins`, `mfOrigin`, the allowed networks and payment types.
    pub fn microform(&self) -> Option<&CtxData<'a>> {
        self.ctx.iter().find(|c| c.kind() == ContextKind::Microform).map(|c| &c.data)
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
    /// The kind this entry's `type` names.
    pub fn kind(&self) -> ContextKind {
        ContextKind::of_type(&self.type_)
    }

    /// The version part of `type`, e.g. `0.1.0` for `api-0.1.0` and `2.0.0` for `mf-2.0.0`.
    pub fn version(&self) -> Option<&str> {
        self.type_.split_once('-').map(|(_, v)| v)
    }

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
            client_library: own_opt(self.client_library),
            client_library_integrity: own_opt(self.client_library_integrity),
            target_origins: own_vec(self.target_origins),
            mf_origin: own_opt(self.mf_origin),
            allowed_card_networks: own_vec(self.allowed_card_networks),
            allowed_payment_types: own_vec(self.allowed_payment_types),
        }
    }
}
