//! Error types. None of them carries a secret, a signature, a token or a third-party type; `Display` is a
//! fixed sentence, safe to log.

use core::fmt;

/// Why a credential (shared secret, key, merchant id, key id) was refused.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialError {
    /// The shared secret is not canonical standard base64 (with `=` padding).
    SecretNotBase64,
    /// The shared secret decodes to fewer than 16 bytes (Cybersource issues 32).
    SecretTooShort,
    /// The merchant id, portfolio id or key id is empty, too long, or contains characters other than
    /// visible ASCII without `"`, `\` and `,`.
    InvalidIdentifier,
    /// The PEM text is malformed (no `-----BEGIN …-----`/`-----END …-----` pair or bad base64 inside).
    MalformedPem,
    /// The PEM label is not `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1); encrypted keys and other
    /// key types are refused.
    UnsupportedPemLabel,
    /// The DER is not a valid RSA private key (PKCS#8 or PKCS#1) or its components are inconsistent.
    InvalidPrivateKey,
    /// The RSA key size is outside 2048..=8192 bits, or (private keys on the `ring` provider) is not 2048, 3072 or
    /// 4096 bits with primes of equal size.
    UnsupportedKeySize,
    /// The key's public half is refused by `flex-jwt`'s key policy (malformed, or an exponent other than 65537).
    InvalidPublicKey,
}

impl fmt::Display for CredentialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SecretNotBase64 => "shared secret is not canonical standard base64",
            Self::SecretTooShort => "shared secret decodes to fewer than 16 bytes",
            Self::InvalidIdentifier => {
                "identifier must be 1-256 visible ASCII characters without '\"', '\\' or ','"
            }
            Self::MalformedPem => "malformed PEM",
            Self::UnsupportedPemLabel => "PEM label must be PRIVATE KEY or RSA PRIVATE KEY (unencrypted)",
            Self::InvalidPrivateKey => "not a valid RSA private key",
            Self::UnsupportedKeySize => "RSA key size not supported (2048-8192 bits)",
            Self::InvalidPublicKey => "not a valid PKCS#1 RSA public key",
        })
    }
}

impl std::error::Error for CredentialError {}

/// Why a request could not be signed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningError {
    /// The method is not 1-16 ASCII letters.
    InvalidMethod,
    /// The authority is not `host` or `host:port` made of letters, digits, `-`, `.`, `_`, `:`, `[`, `]`.
    InvalidAuthority,
    /// The path and query does not start with `/`, or contains a space, a control or non-ASCII character
    /// or a `#` (percent-encode them first).
    InvalidPathAndQuery,
    /// HTTP Signature needs a shared secret; a private key only signs JWTs.
    SchemeNeedsSharedSecret,
    /// The operating system's random number generator failed (only [`crate::JwtId::random`]).
    RandomUnavailable,
    /// The RSA signing operation failed.
    RsaSigningFailed,
    /// A header value could not be converted for the `http` crate.
    InvalidHeaderValue,
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidMethod => "request method must be 1-16 ASCII letters",
            Self::InvalidAuthority => "request authority must be host or host:port",
            Self::InvalidPathAndQuery => {
                "path and query must start with '/' and contain only visible ASCII (no '#')"
            }
            Self::SchemeNeedsSharedSecret => "HTTP Signature authentication needs a shared secret",
            Self::RandomUnavailable => "system random number generator unavailable",
            Self::RsaSigningFailed => "RSA signing failed",
            Self::InvalidHeaderValue => "header value rejected by the http crate",
        })
    }
}

impl std::error::Error for SigningError {}

/// Why a received request failed authentication. Precise enough for a server log, and never carries a
/// secret, a signature, a token or any attacker-supplied text.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyError {
    /// Neither `Signature` nor `Authorization: Bearer` is present.
    MissingAuthentication,
    /// Both a `Signature` and an `Authorization` header are present.
    AmbiguousAuthentication,
    /// A header this scheme needs is absent (the name is one of ours, lowercase).
    MissingHeader(&'static str),
    /// A header that must appear once appears several times.
    DuplicateHeader(&'static str),
    /// The method, authority or path and query of the received request is malformed.
    MalformedRequest,
    /// The `Signature` header does not parse (`keyid`, `algorithm`, `headers`, `signature`, each once,
    /// double-quoted, separated by `,`).
    MalformedSignatureHeader,
    /// The `algorithm` parameter is not `HmacSHA256`, or the JWT `alg` is not `HS256`/`RS256`.
    UnsupportedAlgorithm,
    /// The signed header list is not one of those the official SDKs emit.
    UnexpectedSignedHeaders,
    /// The legacy `(request-target)` form was used and is not enabled in [`crate::VerifierConfig`].
    LegacyRequestTargetNotAllowed,
    /// The `Date` header is not a strict IMF-fixdate.
    MalformedDate,
    /// The `Digest` header is not `SHA-256=<base64 of 32 bytes>`.
    MalformedDigest,
    /// The bearer token is not a compact JWS with a JSON header and the expected claims, or uses `crit`/`b64`.
    MalformedToken,
    /// The JWT header has no `kid`.
    MissingKeyId,
    /// No key is registered under the key id.
    UnknownKeyId,
    /// The registered key cannot check this scheme or algorithm (e.g. `HS256` against an RSA key).
    KeyTypeMismatch,
    /// The signature does not verify.
    BadSignature,
    /// The body does not match the signed digest.
    DigestMismatch,
    /// The body is not covered by the signature (no digest on a method or body that needs one).
    BodyNotSigned,
    /// The digest algorithm claim is absent or not `SHA-256`.
    UnsupportedDigestAlgorithm,
    /// The `Date` is further from `now` than the allowed clock skew.
    DateOutsideWindow,
    /// The JWT `exp` (plus skew) is in the past.
    TokenExpired,
    /// The JWT `iat` (minus skew) is in the future.
    TokenIssuedInFuture,
    /// The JWT `exp` is not after `iat`, or the lifetime exceeds the configured maximum.
    TokenLifetimeInvalid,
    /// The JWT `iat` is negative (before 1970), or `exp` plus the configured skew is beyond the `i64` range.
    TokenTimeOutOfRange,
    /// The JWT `jti` is empty, longer than [`crate::MAX_JTI_LEN`] bytes, or has a character other than ASCII
    /// letters, digits, `-`, `_`, `.`, `~` and `:`.
    InvalidJti,
    /// `v-c-jwt-version` is not `"2"`.
    UnsupportedJwtVersion,
    /// The signed host differs from the request authority (or the `Host` header).
    HostMismatch,
    /// The signed path and query differs from the request's.
    PathMismatch,
    /// The signed method differs from the request's.
    MethodMismatch,
    /// The merchant id (header, `iss` or `v-c-merchant-id` claim) is not the key's owner or one it may act for.
    MerchantMismatch,
    /// The scheme is disabled in [`crate::VerifierConfig`].
    SchemeDisabled,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::MissingHeader(name) => return write!(f, "missing header {name}"),
            Self::DuplicateHeader(name) => return write!(f, "header {name} appears more than once"),
            Self::MissingAuthentication => "no Signature or Authorization: Bearer header",
            Self::AmbiguousAuthentication => "both Signature and Authorization headers present",
            Self::MalformedRequest => "malformed method, authority or path",
            Self::MalformedSignatureHeader => "malformed Signature header",
            Self::UnsupportedAlgorithm => "unsupported signature algorithm",
            Self::UnexpectedSignedHeaders => "unexpected list of signed headers",
            Self::LegacyRequestTargetNotAllowed => "legacy (request-target) form not allowed",
            Self::MalformedDate => "malformed Date header",
            Self::MalformedDigest => "malformed Digest header",
            Self::MalformedToken => "malformed bearer token",
            Self::MissingKeyId => "token header has no kid",
            Self::UnknownKeyId => "unknown key id",
            Self::KeyTypeMismatch => "key type does not match the algorithm",
            Self::BadSignature => "signature does not verify",
            Self::DigestMismatch => "body does not match the digest",
            Self::BodyNotSigned => "body is not covered by a digest",
            Self::UnsupportedDigestAlgorithm => "digest algorithm must be SHA-256",
            Self::DateOutsideWindow => "Date outside the allowed clock skew",
            Self::TokenExpired => "token expired",
            Self::TokenIssuedInFuture => "token issued in the future",
            Self::TokenLifetimeInvalid => "token lifetime invalid",
            Self::TokenTimeOutOfRange => "token iat or exp out of range",
            Self::InvalidJti => "token jti too long or has characters outside A-Z a-z 0-9 - _ . ~ :",
            Self::UnsupportedJwtVersion => "unsupported v-c-jwt-version",
            Self::HostMismatch => "signed host does not match",
            Self::PathMismatch => "signed path does not match",
            Self::MethodMismatch => "signed method does not match",
            Self::MerchantMismatch => "merchant id does not match the key",
            Self::SchemeDisabled => "authentication scheme disabled",
        };
        f.write_str(text)
    }
}

impl std::error::Error for VerifyError {}
