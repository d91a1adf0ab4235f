//! The JWS protected header, parsed once into owned, inline data (no heap, no borrow of the decode buffer).
//!
//! Policy applied here, whatever the verifier configuration:
//! - `alg` is required and must be `RS256`, `RS384` or `RS512` (`none`, `HS*`, `PS*`, ... are unrepresentable);
//! - `b64` (RFC 7797) is refused outright: a JWT payload is always base64url;
//! - `crit` must be a non-empty array of at most [`MAX_CRIT`] distinct names, none of them a registered header
//!   name, each present in the header (RFC 7515 §4.1.11); whether an extension is *understood* is the verifier's
//!   allow-list;
//! - `jku`, `x5u`, `jwk`, `x5c`, `x5t`, `x5t#S256` are type-checked and recorded, and never used to find a key;
//! - `typ` and `cty` are bounded, printable ASCII;
//! - `kid` must be a string; its charset and length are checked ([`Kid`]) unless the token is parsed at the JWS
//!   layer for a single trusted key, where the `kid` is never used;
//! - unknown members are skipped; duplicate members (compared after unescaping) are refused.

use core::fmt;

use crate::alg::Algorithm;
use crate::error::{Error, HeaderError, JsonError, Segment};
use crate::json::{self, Kind, Member, Options};
use crate::kid::{InvalidKid, Kid, MAX_KID_LEN};

/// The longest `typ` or `cty` accepted, in bytes.
pub const MAX_MEDIA_TYPE_LEN: usize = 64;
/// The most `crit` names accepted.
pub const MAX_CRIT: usize = 4;
/// The longest `crit` name accepted, in bytes.
pub const MAX_CRIT_NAME_LEN: usize = 32;
/// Nesting limit for header JSON (a `jwk` object inside the header is depth 2).
const HEADER_MAX_DEPTH: usize = 8;

/// Header names registered by RFC 7515 / RFC 7516 / RFC 7797: never valid in `crit`.
const REGISTERED: [&str; 15] = [
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "enc", "zip", "epk",
    "b64",
];

/// A short printable-ASCII string stored inline (zero-padded, so that the derived `PartialEq` compares the
/// strings).
#[derive(Clone, Copy, PartialEq)]
struct InlineStr<const N: usize> {
    len: u8,
    bytes: [u8; N],
}

impl<const N: usize> InlineStr<N> {
    /// Copies `s` if it is 1..=N bytes of printable ASCII (space allowed only if `allow_space`).
    fn new(s: &str, allow_space: bool) -> Option<Self> {
        let src = s.as_bytes();
        let ok = |b: &u8| b.is_ascii_graphic() || (allow_space && *b == b' ');
        if src.is_empty() || src.len() > N || !src.iter().all(ok) {
            return None;
        }
        let mut bytes = [0u8; N];
        bytes.get_mut(..src.len())?.copy_from_slice(src);
        Some(Self { len: u8::try_from(src.len()).ok()?, bytes })
    }

    fn as_str(&self) -> &str {
        let bytes = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        // Only ASCII is ever stored (checked in `new`), so this never fails.
        core::str::from_utf8(bytes).unwrap_or_default()
    }
}

impl<const N: usize> fmt::Debug for InlineStr<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// The `kid` member as found in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KidState {
    Absent,
    Valid(Kid),
    Invalid(InvalidKid),
}

/// Which key-reference members the header carries. They are type-checked and **never** used to find or build a
/// key (RFC 8725 §3.10: a token cannot choose its own key); they are reported so that callers can log or refuse them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct KeyReferences {
    /// `jku` (a JWK Set URL) is present.
    pub jku: bool,
    /// `x5u` (an X.509 URL) is present.
    pub x5u: bool,
    /// `jwk` (an embedded public key) is present.
    pub jwk: bool,
    /// `x5c` (an embedded certificate chain) is present.
    pub x5c: bool,
    /// `x5t` (a SHA-1 certificate thumbprint) is present.
    pub x5t: bool,
    /// `x5t#S256` (a SHA-256 certificate thumbprint) is present.
    pub x5t_s256: bool,
}

impl KeyReferences {
    /// Whether any of them is present.
    pub fn any(&self) -> bool {
        self.jku || self.x5u || self.jwk || self.x5c || self.x5t || self.x5t_s256
    }
}

/// A parsed, policy-checked JWS protected header. Owned, `Copy`, no heap.
#[derive(Debug, Clone, Copy)]
pub struct Header {
    alg: Algorithm,
    kid: KidState,
    typ: Option<InlineStr<MAX_MEDIA_TYPE_LEN>>,
    cty: Option<InlineStr<MAX_MEDIA_TYPE_LEN>>,
    crit: [Option<InlineStr<MAX_CRIT_NAME_LEN>>; MAX_CRIT],
    key_references: KeyReferences,
}

impl Header {
    /// The signature algorithm the header names (to be checked against the verifier's allow-list and the key).
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The key identifier, if the header has a valid one.
    pub fn kid(&self) -> Option<&Kid> {
        match &self.kid {
            KidState::Valid(kid) => Some(kid),
            KidState::Absent | KidState::Invalid(_) => None,
        }
    }

    pub(crate) fn kid_state(&self) -> &KidState {
        &self.kid
    }

    /// The `typ` member, if present.
    pub fn typ(&self) -> Option<&str> {
        self.typ.as_ref().map(InlineStr::as_str)
    }

    /// The `cty` member, if present.
    pub fn cty(&self) -> Option<&str> {
        self.cty.as_ref().map(InlineStr::as_str)
    }

    /// The names listed in `crit` (empty if there is no `crit`).
    pub fn crit(&self) -> impl Iterator<Item = &str> + '_ {
        self.crit.iter().flatten().map(InlineStr::as_str)
    }

    /// Which key-reference members (`jku`, `x5u`, `jwk`, `x5c`, ...) are present. They are never used.
    pub fn key_references(&self) -> KeyReferences {
        self.key_references
    }
}

/// Whether a parsed header must carry a valid `kid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KidRule {
    /// JWT layer: a valid `kid` is required (keys are looked up by it).
    Required,
    /// JWS layer with a single trusted key: the `kid` is optional and not validated (never used for lookup).
    Optional,
}

/// Parses a decoded header (its bytes as decoded: the UTF-8 check is part of this). No allocation.
///
/// One path for every header: the strict scanner (flex-jose's), then the per-member rules of [`visit`].
///
/// The header is handed to `wrap`, whose result is returned: the caller's value (a [`crate::Jwt`]) is built
/// around the header where it is returned, instead of the header (over 300 bytes) being moved into it afterwards.
#[inline]
pub(crate) fn parse<T>(json: &[u8], rule: KidRule, wrap: impl FnOnce(Header) -> T) -> Result<T, Error> {
    let json = core::str::from_utf8(json).map_err(|_| Error::Utf8(Segment::Header))?;
    let mut alg: Option<Algorithm> = None;
    let mut kid = KidState::Absent;
    let mut typ = None;
    let mut cty = None;
    let mut crit_value: Option<json::Value<'_>> = None;
    let mut refs = KeyReferences::default();
    let mut first_error: Option<HeaderError> = None;

    let scanned =
        json::scan_object(json, Options { max_depth: HEADER_MAX_DEPTH, spill: false }, |m: Member<'_>| {
            if first_error.is_some() {
                return;
            }
            if let Err(e) = visit(m, &mut alg, &mut kid, &mut typ, &mut cty, &mut crit_value, &mut refs) {
                first_error = Some(e);
            }
        });
    scanned.map_err(|error| Error::Json { segment: Segment::Header, error })?;
    if let Some(e) = first_error {
        return Err(e.into());
    }
    let alg = alg.ok_or(HeaderError::MissingAlg)?;
    if rule == KidRule::Required {
        match kid {
            KidState::Valid(_) => {}
            KidState::Absent => return Err(HeaderError::MissingKid.into()),
            KidState::Invalid(e) => return Err(HeaderError::InvalidKid(e).into()),
        }
    }
    let crit = match crit_value {
        Some(value) => parse_crit(json, value)?,
        None => [None; MAX_CRIT],
    };
    Ok(wrap(Header { alg, kid, typ, cty, crit, key_references: refs }))
}

/// The rules of one header member, recorded into the caller's fields.
#[allow(clippy::too_many_arguments)]
fn visit<'j>(
    m: Member<'j>,
    alg: &mut Option<Algorithm>,
    kid: &mut KidState,
    typ: &mut Option<InlineStr<MAX_MEDIA_TYPE_LEN>>,
    cty: &mut Option<InlineStr<MAX_MEDIA_TYPE_LEN>>,
    crit: &mut Option<json::Value<'j>>,
    refs: &mut KeyReferences,
) -> Result<(), HeaderError> {
    // Registered names are short: unescape into a small buffer; longer names are unknown members.
    let mut name_buf = [0u8; 16];
    let Some(name) = m.name.borrowed().or_else(|| m.name.unescape_into(&mut name_buf)) else { return Ok(()) };
    let value = m.value;
    let string = |member: &'static str| value.as_str().ok_or(HeaderError::WrongType { member });
    // A member's type rule: `Ok(true)` (present, and of its type) or the member's `WrongType`.
    let typed =
        |member: &'static str, ok: bool| if ok { Ok(true) } else { Err(HeaderError::WrongType { member }) };
    // Strings longer than their buffer are refused by their member's length rule (`unescape_into` gives `None`).
    match name {
        "alg" => {
            let mut buf = [0u8; 8];
            let found = string("alg")?.unescape_into(&mut buf).and_then(Algorithm::from_name);
            *alg = Some(found.ok_or(HeaderError::UnsupportedAlgorithm)?);
        }
        "kid" => {
            let mut buf = [0u8; MAX_KID_LEN];
            *kid = match string("kid")?.unescape_into(&mut buf) {
                Some(text) => match Kid::new(text) {
                    Ok(k) => KidState::Valid(k),
                    Err(e) => KidState::Invalid(e),
                },
                None => KidState::Invalid(InvalidKid::TooLong),
            };
        }
        "typ" | "cty" => {
            let (member, slot) = if name == "typ" { ("typ", typ) } else { ("cty", cty) };
            let mut buf = [0u8; MAX_MEDIA_TYPE_LEN];
            let text = string(member)?.unescape_into(&mut buf);
            *slot = Some(text.and_then(|t| InlineStr::new(t, true)).ok_or(HeaderError::InvalidMediaType)?);
        }
        "crit" => {
            typed("crit", value.kind() == Kind::Array)?;
            *crit = Some(value);
        }
        "b64" => return Err(HeaderError::B64),
        "jku" => refs.jku = typed("jku", value.kind() == Kind::String)?,
        "x5u" => refs.x5u = typed("x5u", value.kind() == Kind::String)?,
        "x5t" => refs.x5t = typed("x5t", value.kind() == Kind::String)?,
        "x5t#S256" => refs.x5t_s256 = typed("x5t#S256", value.kind() == Kind::String)?,
        "jwk" => refs.jwk = typed("jwk", value.kind() == Kind::Object)?,
        "x5c" => {
            let all_strings = value.array_strings().is_some_and(|mut it| it.all(|e| e.is_some()));
            refs.x5c = typed("x5c", all_strings)?;
        }
        _ => {}
    }
    Ok(())
}

/// Validates `crit` (RFC 7515 §4.1.11) and copies its names inline.
fn parse_crit(
    json: &str,
    value: json::Value<'_>,
) -> Result<[Option<InlineStr<MAX_CRIT_NAME_LEN>>; MAX_CRIT], HeaderError> {
    let mut out: [Option<InlineStr<MAX_CRIT_NAME_LEN>>; MAX_CRIT] = [None; MAX_CRIT];
    let mut count = 0usize;
    for element in value.array_strings().ok_or(HeaderError::InvalidCrit)? {
        let s = element.ok_or(HeaderError::InvalidCrit)?;
        let mut buf = [0u8; MAX_CRIT_NAME_LEN];
        let text = s.unescape_into(&mut buf).ok_or(HeaderError::InvalidCrit)?;
        let name = InlineStr::<MAX_CRIT_NAME_LEN>::new(text, false).ok_or(HeaderError::InvalidCrit)?;
        if REGISTERED.contains(&name.as_str()) || out.iter().flatten().any(|seen| *seen == name) {
            return Err(HeaderError::InvalidCrit);
        }
        let slot = out.get_mut(count).ok_or(HeaderError::InvalidCrit)?;
        *slot = Some(name);
        count += 1;
    }
    if count == 0 {
        return Err(HeaderError::InvalidCrit);
    }
    // Every listed name must be a member of the header. The header was validated already, so this second scan
    // (only for headers that have `crit`) cannot fail on syntax.
    let mut present = [false; MAX_CRIT];
    json::scan_object(json, Options { max_depth: HEADER_MAX_DEPTH, spill: false }, |m| {
        for (name, found) in out.iter().zip(present.iter_mut()) {
            if let Some(name) = name
                && m.name.eq_str(name.as_str())
            {
                *found = true;
            }
        }
    })
    .map_err(|_: JsonError| HeaderError::InvalidCrit)?;
    if present.iter().take(count).all(|p| *p) { Ok(out) } else { Err(HeaderError::InvalidCrit) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(json: &str) -> Result<Header, Error> {
        parse(json.as_bytes(), KidRule::Required, |h| h)
    }

    fn herr(json: &str) -> HeaderError {
        match p(json) {
            Err(Error::Header(e)) => e,
            other => panic!("{json}: {other:?}"),
        }
    }

    #[test]
    fn flex_header() {
        let h = p(r#"{"kid":"sn","alg":"RS256"}"#).unwrap();
        assert_eq!(h.algorithm(), Algorithm::Rs256);
        assert_eq!(h.kid().unwrap().as_str(), "sn");
        assert_eq!(h.typ(), None);
        assert_eq!(h.crit().count(), 0);
        assert!(!h.key_references().any());
    }

    #[test]
    fn common_shapes() {
        for (json, alg, kid) in [
            (r#"{"kid":"sn","alg":"RS256"}"#, Algorithm::Rs256, "sn"),
            (r#"{"alg":"RS256","kid":"sn"}"#, Algorithm::Rs256, "sn"),
            (
                r#"{"kid":"00SvIaGIfyaw897rDeG9eFdODKaCKc1q","alg":"RS512"}"#,
                Algorithm::Rs512,
                "00SvIaGIfyaw897rDeG9eFdODKaCKc1q",
            ),
            (r#"{"alg":"RS384","kid":"a.b_c-D9"}"#, Algorithm::Rs384, "a.b_c-D9"),
        ] {
            let h = p(json).unwrap();
            assert_eq!((h.algorithm(), h.kid().unwrap().as_str()), (alg, kid), "{json}");
        }
        assert_eq!(herr(r#"{"kid":"s n","alg":"RS256"}"#), HeaderError::InvalidKid(InvalidKid::Charset));
    }

    #[test]
    fn escaped_members_are_unescaped() {
        let h = p(r#"{"\u006bid":"s\u006e","alg":"RS\u0032\u00356","typ":"JWT"}"#).unwrap();
        assert_eq!(h.kid().unwrap().as_str(), "sn");
        assert_eq!(h.algorithm(), Algorithm::Rs256);
        assert_eq!(h.typ(), Some("JWT"));
    }

    #[test]
    fn algorithms() {
        assert_eq!(herr(r#"{"kid":"a"}"#), HeaderError::MissingAlg);
        for bad in ["none", "HS256", "PS256", "rs256", "RS256 ", "", "RS2560000"] {
            assert_eq!(herr(&format!(r#"{{"kid":"a","alg":"{bad}"}}"#)), HeaderError::UnsupportedAlgorithm);
        }
        assert_eq!(herr(r#"{"kid":"a","alg":null}"#), HeaderError::WrongType { member: "alg" });
        assert_eq!(herr(r#"{"kid":"a","alg":["RS256"]}"#), HeaderError::WrongType { member: "alg" });
        assert_eq!(p(r#"{"kid":"a","alg":"RS512"}"#).unwrap().algorithm(), Algorithm::Rs512);
    }

    #[test]
    fn kid_rules() {
        assert_eq!(herr(r#"{"alg":"RS256"}"#), HeaderError::MissingKid);
        assert_eq!(herr(r#"{"alg":"RS256","kid":""}"#), HeaderError::InvalidKid(InvalidKid::Empty));
        assert_eq!(
            herr(r#"{"alg":"RS256","kid":"../../dev/null"}"#),
            HeaderError::InvalidKid(InvalidKid::Charset)
        );
        let long = "a".repeat(65);
        assert_eq!(
            herr(&format!(r#"{{"alg":"RS256","kid":"{long}"}}"#)),
            HeaderError::InvalidKid(InvalidKid::TooLong)
        );
        assert_eq!(herr(r#"{"alg":"RS256","kid":7}"#), HeaderError::WrongType { member: "kid" });
        // JWS layer: kid optional and unchecked.
        let h = parse(br#"{"alg":"RS256","kid":"bilbo.baggins@hobbiton.example"}"#, KidRule::Optional, |h| h)
            .unwrap();
        assert_eq!(h.kid(), None);
        assert_eq!(*h.kid_state(), KidState::Invalid(InvalidKid::Charset));
        assert!(parse(br#"{"alg":"RS256"}"#, KidRule::Optional, |h| h).is_ok());
        assert_eq!(
            parse(br#"{"alg":"RS256","kid":1}"#, KidRule::Optional, |h| h).unwrap_err(),
            Error::Header(HeaderError::WrongType { member: "kid" })
        );
    }

    #[test]
    fn duplicates_and_json() {
        assert_eq!(
            p(r#"{"alg":"RS256","kid":"a","alg":"none"}"#).unwrap_err(),
            Error::Json { segment: Segment::Header, error: JsonError::DuplicateMember }
        );
        assert_eq!(
            p(r#"{"alg":"RS256","kid":"a","\u0061lg":"RS256"}"#).unwrap_err(),
            Error::Json { segment: Segment::Header, error: JsonError::DuplicateMember }
        );
        assert_eq!(
            p(r#"{"alg":"RS256","kid":"a"} x"#).unwrap_err(),
            Error::Json { segment: Segment::Header, error: JsonError::Syntax }
        );
        assert_eq!(
            p(r#"["alg"]"#).unwrap_err(),
            Error::Json { segment: Segment::Header, error: JsonError::NotAnObject }
        );
        let many: String = (0..70).map(|i| format!(",\"x{i}\":0")).collect();
        assert_eq!(
            p(&format!(r#"{{"alg":"RS256","kid":"a"{many}}}"#)).unwrap_err(),
            Error::Json { segment: Segment::Header, error: JsonError::TooManyMembers }
        );
        assert_eq!(
            p(r#"{"alg":"RS256","kid":"a","x":[[[[[[[[1]]]]]]]]}"#).unwrap_err(),
            Error::Json { segment: Segment::Header, error: JsonError::TooDeep }
        );
        // Unknown members are tolerated.
        assert!(
            p(r#"{"alg":"RS256","kid":"a","foo":{"bar":[1,2]},"a-very-long-unknown-member-name":1}"#).is_ok()
        );
    }

    #[test]
    fn b64_is_refused() {
        assert_eq!(herr(r#"{"alg":"RS256","kid":"a","b64":false,"crit":["b64"]}"#), HeaderError::B64);
        assert_eq!(herr(r#"{"alg":"RS256","kid":"a","b64":true}"#), HeaderError::B64);
    }

    #[test]
    fn crit_rules() {
        let ok = p(r#"{"alg":"RS256","kid":"a","crit":["exp1","exp2"],"exp1":1,"exp2":{}}"#).unwrap();
        assert_eq!(ok.crit().collect::<Vec<_>>(), ["exp1", "exp2"]);
        for bad in [
            r#"{"alg":"RS256","kid":"a","crit":[]}"#,
            r#"{"alg":"RS256","kid":"a","crit":["x","x"],"x":1}"#,
            r#"{"alg":"RS256","kid":"a","crit":["x","\u0078"],"x":1}"#,
            r#"{"alg":"RS256","kid":"a","crit":["alg"]}"#,
            r#"{"alg":"RS256","kid":"a","crit":["kid"]}"#,
            r#"{"alg":"RS256","kid":"a","crit":["x"]}"#,
            r#"{"alg":"RS256","kid":"a","crit":[1],"x":1}"#,
            r#"{"alg":"RS256","kid":"a","crit":[""]}"#,
            r#"{"alg":"RS256","kid":"a","crit":["a","b","c","d","e"],"a":1,"b":1,"c":1,"d":1,"e":1}"#,
            r#"{"alg":"RS256","kid":"a","crit":["0123456789012345678901234567890123"],"0123456789012345678901234567890123":1}"#,
        ] {
            assert_eq!(herr(bad), HeaderError::InvalidCrit, "{bad}");
        }
        assert_eq!(
            herr(r#"{"alg":"RS256","kid":"a","crit":"x","x":1}"#),
            HeaderError::WrongType { member: "crit" }
        );
    }

    #[test]
    fn key_references_are_recorded_and_type_checked() {
        let h = p(r#"{"alg":"RS256","kid":"a","jku":"https://evil.example/jwks","x5u":"https://e","jwk":{"kty":"RSA"},
                  "x5c":["MIIB"],"x5t":"abc","x5t#S256":"def"}"#)
        .unwrap();
        let r = h.key_references();
        assert!(r.jku && r.x5u && r.jwk && r.x5c && r.x5t && r.x5t_s256 && r.any());
        assert_eq!(herr(r#"{"alg":"RS256","kid":"a","jwk":"k"}"#), HeaderError::WrongType { member: "jwk" });
        assert_eq!(herr(r#"{"alg":"RS256","kid":"a","jku":1}"#), HeaderError::WrongType { member: "jku" });
        assert_eq!(herr(r#"{"alg":"RS256","kid":"a","x5c":[1]}"#), HeaderError::WrongType { member: "x5c" });
        assert_eq!(
            herr(r#"{"alg":"RS256","kid":"a","x5c":"MIIB"}"#),
            HeaderError::WrongType { member: "x5c" }
        );
    }

    #[test]
    fn debug_shows_the_members_as_text() {
        let h = p(r#"{"alg":"RS256","kid":"a","typ":"JWT","crit":["exp1"],"exp1":1}"#).unwrap();
        let dbg = format!("{h:?}");
        for part in [
            r#"typ: Some("JWT")"#,
            "cty: None",
            r#"crit: [Some("exp1"), None, None, None]"#,
            "key_references: ",
        ] {
            assert!(dbg.contains(part), "{dbg}");
        }
    }

    #[test]
    fn media_types() {
        let h = p(r#"{"alg":"RS256","kid":"a","typ":"application/jwt","cty":"JWT"}"#).unwrap();
        assert_eq!((h.typ(), h.cty()), (Some("application/jwt"), Some("JWT")));
        let long = "a".repeat(65);
        for bad in [r#""""#, r#""a\u0001""#, r#""\u00e9""#, &format!("\"{long}\"")] {
            assert_eq!(
                herr(&format!(r#"{{"alg":"RS256","kid":"a","typ":{bad}}}"#)),
                HeaderError::InvalidMediaType
            );
        }
        assert_eq!(herr(r#"{"alg":"RS256","kid":"a","cty":5}"#), HeaderError::WrongType { member: "cty" });
    }
}
