//! A compact JWS/JWT borrowed from its text: split once, header decoded on the stack and parsed once.
//!
//! Parsing checks the size caps ([`Limits`]), that there are exactly three segments, that the header and the
//! signature are non-empty, and decodes and policy-checks the header (strict base64url, UTF-8, strict JSON,
//! [`Header`] rules). The payload and the signature stay borrowed base64url text: the signature is decoded into a
//! stack buffer by the verifier, the payload only after the signature has verified. An empty payload is allowed
//! here (a valid JWS, Wycheproof tcId 259); a JWT with one fails claims parsing.

use core::fmt;

use flex_jose::CompactError;
use flex_jose::compact::{self, Jws};

use crate::alg::Algorithm;
use crate::b64;
use crate::error::{Error, Segment};
use crate::header::{self, Header, KidRule};
use crate::kid::Kid;

/// Size caps applied before anything is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    max_token_len: usize,
    max_header_len: usize,
}

impl Limits {
    /// Default cap on the whole token: 16 KiB (a Flex capture context is 1-2 KiB).
    pub const DEFAULT_MAX_TOKEN_LEN: usize = 16 * 1024;
    /// Default cap on the encoded header: 1 KiB.
    pub const DEFAULT_MAX_HEADER_LEN: usize = 1024;
    /// Hard cap on the encoded header (it is decoded into a fixed stack buffer of `3/4` of this).
    pub const MAX_HEADER_LEN_CAP: usize = 4096;
    /// The defaults: token 16 KiB, header 1 KiB.
    pub const DEFAULT: Self =
        Self { max_token_len: Self::DEFAULT_MAX_TOKEN_LEN, max_header_len: Self::DEFAULT_MAX_HEADER_LEN };

    /// The defaults.
    pub const fn new() -> Self {
        Self::DEFAULT
    }

    /// Sets the cap on the whole token, in bytes.
    #[must_use]
    pub const fn with_max_token_len(mut self, len: usize) -> Self {
        self.max_token_len = len;
        self
    }

    /// Sets the cap on the encoded header, in bytes; values above [`Self::MAX_HEADER_LEN_CAP`] are clamped to it.
    #[must_use]
    pub const fn with_max_header_len(mut self, len: usize) -> Self {
        self.max_header_len = if len > Self::MAX_HEADER_LEN_CAP { Self::MAX_HEADER_LEN_CAP } else { len };
        self
    }

    /// The cap on the whole token, in bytes.
    pub const fn max_token_len(&self) -> usize {
        self.max_token_len
    }

    /// The cap on the encoded header, in bytes.
    pub const fn max_header_len(&self) -> usize {
        self.max_header_len
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Decoded-header stack buffer size (the decoded size of [`Limits::MAX_HEADER_LEN_CAP`]).
const HEADER_BUF_LEN: usize = Limits::MAX_HEADER_LEN_CAP / 4 * 3;

/// Encoded headers up to this length are decoded into a small stack buffer instead of the [`HEADER_BUF_LEN`] one.
const SMALL_HEADER_LEN: usize = 256;

/// A decode buffer aligned to 16 bytes: the UTF-8 check of the decoded header then reads it sixteen bytes at a
/// time from its first byte (on an unaligned start it goes byte by byte up to the alignment).
#[repr(align(16))]
struct Aligned<const N: usize>([u8; N]);

/// The checks before anything is decoded, in this crate's errors: the size cap ([`Error::TokenTooLarge`]), the
/// split at the two dots (flex-jose's; any other number of dots is [`Error::SegmentCount`]), a non-empty header
/// and signature ([`Error::EmptySegment`]) and the header's cap ([`Error::HeaderTooLarge`]).
pub(crate) fn split<'t>(token: &'t str, limits: &Limits) -> Result<Jws<'t>, Error> {
    let jws = compact::split_jws(token, limits.max_token_len).map_err(|e| match e {
        CompactError::TooLarge { limit } => Error::TokenTooLarge { limit },
        _ => Error::SegmentCount,
    })?;
    if jws.header.is_empty() {
        return Err(Error::EmptySegment(Segment::Header));
    }
    if jws.signature.is_empty() {
        return Err(Error::EmptySegment(Segment::Signature));
    }
    if jws.header.len() > limits.max_header_len {
        return Err(Error::HeaderTooLarge { limit: limits.max_header_len });
    }
    Ok(jws)
}

/// Decodes the header into `buf`, parses it and hands it to `wrap` (see [`header::parse`]).
#[inline]
fn decode_header<T>(
    header_b64: &str,
    buf: &mut [u8],
    rule: KidRule,
    wrap: impl FnOnce(Header) -> T,
) -> Result<T, Error> {
    let decoded = b64::decode_into(header_b64, buf).map_err(|_| Error::Base64(Segment::Header))?;
    header::parse(decoded, rule, wrap)
}

/// A parsed compact JWT (or JWS), borrowing the token text. **Not verified**: pass it to a
/// [`crate::Verifier`].
///
/// `Debug` shows the header and the segment lengths, never the token text.
#[derive(Clone, Copy)]
pub struct Jwt<'a> {
    header: Header,
    token: &'a str,
    header_b64: &'a str,
    payload_b64: &'a str,
    signature_b64: &'a str,
    signing_input: &'a str,
}

impl<'a> Jwt<'a> {
    /// Parses a JWT with the default [`Limits`]. The header must have a valid `kid`.
    pub fn parse(token: &'a str) -> Result<Self, Error> {
        Self::parse_with(token, &Limits::DEFAULT)
    }

    /// Parses a JWT with the given [`Limits`]. The header must have a valid `kid`.
    pub fn parse_with(token: &'a str, limits: &Limits) -> Result<Self, Error> {
        Self::parse_inner(token, limits, KidRule::Required)
    }

    /// Parses at the JWS layer, for verification with one trusted key
    /// ([`crate::Verifier::verify_signature_with_key`]): the `kid` may be absent or any string, because it is
    /// never used to choose a key. Everything else is checked as in [`Self::parse_with`]. Verifying such a token
    /// against a key set still requires a valid `kid`.
    pub fn parse_jws_with(token: &'a str, limits: &Limits) -> Result<Self, Error> {
        Self::parse_inner(token, limits, KidRule::Optional)
    }

    fn parse_inner(token: &'a str, limits: &Limits, rule: KidRule) -> Result<Self, Error> {
        let Jws { header: header_b64, payload: payload_b64, signature: signature_b64, signing_input, .. } =
            split(token, limits)?;
        // Typical headers (`{"kid":"..","alg":"RS256"}`) fit the small buffer, which is cheaper to set up. The
        // token is built around the header where the header parser returns it: the 341-byte header is not moved.
        let wrap = |header| Self { header, token, header_b64, payload_b64, signature_b64, signing_input };
        if header_b64.len() <= SMALL_HEADER_LEN {
            decode_header(header_b64, &mut Aligned([0u8; SMALL_HEADER_LEN / 4 * 3]).0, rule, wrap)
        } else {
            decode_header(header_b64, &mut Aligned([0u8; HEADER_BUF_LEN]).0, rule, wrap)
        }
    }

    /// The parsed protected header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The header's `kid`, if it has a valid one (always, for tokens from [`Self::parse`]).
    pub fn kid(&self) -> Option<&Kid> {
        self.header.kid()
    }

    /// The header's `alg`.
    pub fn algorithm(&self) -> Algorithm {
        self.header.algorithm()
    }

    /// `header '.' payload`, the bytes the signature covers.
    pub fn signing_input(&self) -> &'a str {
        self.signing_input
    }

    /// The whole token text.
    pub fn as_str(&self) -> &'a str {
        self.token
    }

    /// The encoded header segment.
    pub fn header_b64(&self) -> &'a str {
        self.header_b64
    }

    /// The encoded payload segment (not yet decoded or checked).
    pub fn payload_b64(&self) -> &'a str {
        self.payload_b64
    }

    /// The encoded signature segment (not yet decoded or checked).
    pub fn signature_b64(&self) -> &'a str {
        self.signature_b64
    }
}

impl<'a> TryFrom<&'a str> for Jwt<'a> {
    type Error = Error;

    fn try_from(token: &'a str) -> Result<Self, Error> {
        Self::parse(token)
    }
}

impl fmt::Debug for Jwt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwt")
            .field("header", &self.header)
            .field("payload_b64_len", &self.payload_b64.len())
            .field("signature_b64_len", &self.signature_b64.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // {"kid":"sn","alg":"RS256"}
    const H: &str = "eyJraWQiOiJzbiIsImFsZyI6IlJTMjU2In0";

    #[test]
    fn splits_and_borrows() {
        let token = format!("{H}.e30.c2ln");
        let jwt = Jwt::parse(&token).unwrap();
        assert_eq!(jwt.kid().unwrap().as_str(), "sn");
        assert_eq!(jwt.algorithm(), Algorithm::Rs256);
        assert_eq!(jwt.signing_input(), format!("{H}.e30"));
        assert_eq!(jwt.payload_b64(), "e30");
        assert_eq!(jwt.signature_b64(), "c2ln");
        assert_eq!(jwt.as_str(), token);
        assert_eq!(Jwt::try_from(token.as_str()).unwrap().header_b64(), H);
        let dbg = format!("{jwt:?}");
        assert!(!dbg.contains("c2ln") && !dbg.contains("e30"), "{dbg}");
    }

    #[test]
    fn structure() {
        assert_eq!(Jwt::parse("").unwrap_err(), Error::SegmentCount);
        assert_eq!(Jwt::parse(&format!("{H}.e30")).unwrap_err(), Error::SegmentCount);
        assert_eq!(Jwt::parse(&format!("{H}.e30.c2ln.")).unwrap_err(), Error::SegmentCount);
        assert_eq!(Jwt::parse(&format!("{H}.e30.c2ln.c2ln")).unwrap_err(), Error::SegmentCount);
        assert_eq!(Jwt::parse(".e30.c2ln").unwrap_err(), Error::EmptySegment(Segment::Header));
        assert_eq!(Jwt::parse(&format!("{H}.e30.")).unwrap_err(), Error::EmptySegment(Segment::Signature));
        assert!(Jwt::parse(&format!("{H}..c2ln")).is_ok(), "empty payload is a valid JWS");
        assert_eq!(Jwt::parse(&format!("{H}=.e30.c2ln")).unwrap_err(), Error::Base64(Segment::Header));
        assert_eq!(Jwt::parse("_w.e30.c2ln").unwrap_err(), Error::Utf8(Segment::Header));
    }

    #[test]
    fn limits() {
        let token = format!("{H}.e30.c2ln");
        let small = Limits::new().with_max_token_len(token.len() - 1);
        assert_eq!(
            Jwt::parse_with(&token, &small).unwrap_err(),
            Error::TokenTooLarge { limit: token.len() - 1 }
        );
        assert!(Jwt::parse_with(&token, &Limits::new().with_max_token_len(token.len())).is_ok());
        let small = Limits::new().with_max_header_len(H.len() - 1);
        assert_eq!(
            Jwt::parse_with(&token, &small).unwrap_err(),
            Error::HeaderTooLarge { limit: H.len() - 1 }
        );
        assert_eq!(
            Limits::new().with_max_header_len(usize::MAX).max_header_len(),
            Limits::MAX_HEADER_LEN_CAP
        );
        let huge = format!("{}.e30.c2ln", "A".repeat(Limits::MAX_HEADER_LEN_CAP));
        let big = Limits::new().with_max_header_len(usize::MAX);
        // 4096 'A's decode to 3072 NUL bytes: it fits the stack buffer, then fails as JSON.
        assert_eq!(
            Jwt::parse_with(&huge, &big).unwrap_err(),
            Error::Json { segment: Segment::Header, error: crate::error::JsonError::Syntax }
        );
    }
}
