//! Signing: a borrowed request + credentials + params → the headers to add (aws-sigv4 style).

use core::fmt;

use serde::Serialize;

use crate::canonical::{self, Base64Sha256, SigningString, TargetForm};
use crate::error::SigningError;
use crate::jws;
use crate::keys::{Credentials, SigningKey};
use crate::time::UnixTime;

/// Lifetime of a JWT-authentication token: `exp = iat + 120` in both official SDKs (§7.2).
pub const JWT_LIFETIME_SECS: i64 = 120;

/// Longest path and query accepted.
const MAX_PATH_LEN: usize = 8 * 1024;
/// Longest authority accepted (a 253-character DNS name plus `:65535`).
const MAX_AUTHORITY_LEN: usize = 262;

pub(crate) fn check_method(m: &str) -> bool {
    (1..=16).contains(&m.len()) && m.bytes().all(|b| b.is_ascii_alphabetic())
}

pub(crate) fn check_authority(a: &str) -> bool {
    (1..=MAX_AUTHORITY_LEN).contains(&a.len())
        && a.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':' | b'[' | b']'))
}

pub(crate) fn check_path_and_query(p: &str) -> bool {
    p.starts_with('/') && p.len() <= MAX_PATH_LEN && p.bytes().all(|b| b.is_ascii_graphic() && b != b'#')
}

/// Whether the method carries a body digest (§7.1 step 1: POST, PUT and PATCH).
pub(crate) fn method_has_digest(m: &str) -> bool {
    ["POST", "PUT", "PATCH"].iter().any(|x| x.eq_ignore_ascii_case(m))
}

/// The parts of a request that are signed, borrowed from the caller.
///
/// Construction validates every part, so a `SignableRequest` can always be signed: nothing in it can inject
/// a line into the signing string or a quote into a header.
#[derive(Clone, Copy)]
pub struct SignableRequest<'a> {
    method: &'a str,
    authority: &'a str,
    path_and_query: &'a str,
    body: &'a [u8],
}

impl<'a> SignableRequest<'a> {
    /// A request to sign.
    ///
    /// - `method`: 1-16 ASCII letters, any case (`POST`); it is lowercased in the signing string.
    /// - `authority`: the host as configured, `host` or `host:port`, signed and sent byte for byte
    ///   (not the intermediate host of a proxy).
    /// - `path_and_query`: starts with `/`, visible ASCII only (percent-encode the rest), query included
    ///   exactly as sent.
    /// - `body`: the exact bytes that will be sent (serialize once, sign and send the same bytes).
    pub fn new(
        method: &'a str,
        authority: &'a str,
        path_and_query: &'a str,
        body: &'a [u8],
    ) -> Result<Self, SigningError> {
        if !check_method(method) {
            return Err(SigningError::InvalidMethod);
        }
        if !check_authority(authority) {
            return Err(SigningError::InvalidAuthority);
        }
        if !check_path_and_query(path_and_query) {
            return Err(SigningError::InvalidPathAndQuery);
        }
        Ok(Self { method, authority, path_and_query, body })
    }

    /// Borrows the method, authority and path-and-query of an `http::Request`; the body is passed separately
    /// because the signature must cover the exact bytes sent.
    #[cfg(feature = "http")]
    pub fn from_http_request<B>(request: &'a http::Request<B>, body: &'a [u8]) -> Result<Self, SigningError> {
        let uri = request.uri();
        let authority = uri.authority().ok_or(SigningError::InvalidAuthority)?.as_str();
        let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
        Self::new(request.method().as_str(), authority, path_and_query, body)
    }

    /// The method as given.
    pub fn method(&self) -> &'a str {
        self.method
    }

    /// The authority (`host[:port]`).
    pub fn authority(&self) -> &'a str {
        self.authority
    }

    /// The path and query.
    pub fn path_and_query(&self) -> &'a str {
        self.path_and_query
    }

    /// The body bytes.
    pub fn body(&self) -> &'a [u8] {
        self.body
    }
}

impl fmt::Debug for SignableRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body may hold card data: only its length is shown.
        f.debug_struct("SignableRequest")
            .field("method", &self.method)
            .field("authority", &self.authority)
            .field("path_and_query", &self.path_and_query)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A JWT id: 16 random bytes shown as a UUID version 4 (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct JwtId([u8; 16]);

impl JwtId {
    /// From caller-supplied random bytes (deterministic, for tests); the version and variant bits are set.
    pub fn from_random_bytes(mut bytes: [u8; 16]) -> Self {
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        Self(bytes)
    }

    /// 16 bytes from the operating system's CSPRNG.
    pub fn random() -> Result<Self, SigningError> {
        let mut bytes = [0u8; 16];
        crate::crypto::fill_random(&mut bytes).map_err(|_| SigningError::RandomUnavailable)?;
        Ok(Self::from_random_bytes(bytes))
    }
}

impl fmt::Display for JwtId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for JwtId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JwtId({self})")
    }
}

/// Name of the digest-algorithm claim. The official SDKs disagree (§7.2).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DigestAlgorithmClaim {
    /// `"digest-algorithm"`, as the Node SDK sends it (default: Node's JWT v2 code is the most recently
    /// revised, and every other claim name is hyphenated).
    #[default]
    Hyphenated,
    /// `"digestAlgorithm"`, as the Python SDK sends it.
    CamelCase,
}

/// Case of the `request-method` claim. The official SDKs disagree (§7.2).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MethodCase {
    /// `"post"`, as Node sends it (default: the documentation's 26.04.01 revision mentions "lowercase format
    /// requirements" for the claims, and the HTTP Signature target is lowercase too).
    #[default]
    Lower,
    /// `"POST"`, as Python sends it.
    Upper,
}

/// Claim spelling choices for JWT authentication; the default matches the Node SDK and the test vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JwtClaimOptions {
    /// Name of the digest-algorithm claim.
    pub digest_algorithm_claim: DigestAlgorithmClaim,
    /// Case of the `request-method` claim.
    pub method_case: MethodCase,
}

/// Which authentication scheme to produce.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningScheme {
    /// HTTP Signature (HMAC-SHA256; deprecated by Cybersource from September 2026).
    HttpSignature,
    /// JWT v2 (`Authorization: Bearer`), HS256 with a shared secret or RS256 with a private key.
    Jwt {
        /// The token's `jti`.
        jti: JwtId,
        /// Claim spelling.
        claims: JwtClaimOptions,
    },
}

/// Everything besides the request and the credentials: the scheme and the time (never read from a clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningParams {
    /// The scheme.
    pub scheme: SigningScheme,
    /// The signing time: the `Date` header and the JWT `iat`.
    pub time: UnixTime,
}

impl SigningParams {
    /// HTTP Signature at `time`.
    pub fn http_signature(time: UnixTime) -> Self {
        Self { scheme: SigningScheme::HttpSignature, time }
    }

    /// JWT authentication at `time` with the given `jti` and Node-style claims.
    pub fn jwt(time: UnixTime, jti: JwtId) -> Self {
        Self { scheme: SigningScheme::Jwt { jti, claims: JwtClaimOptions::default() }, time }
    }
}

/// A header to add, with how `Debug` and `Display` show its value.
struct SignedHeader {
    name: &'static str,
    value: String,
    /// `None` for a value shown in full; `Some(n)` for a sensitive one, of which only the first `n` bytes (a
    /// fixed, non-secret prefix such as `Bearer ` or `SHA-256=`) are shown.
    visible: Option<usize>,
}

impl SignedHeader {
    fn plain(name: &'static str, value: &str) -> Self {
        Self { name, value: value.to_owned(), visible: None }
    }

    fn sensitive(name: &'static str, value: String, visible: usize) -> Self {
        Self { name, value, visible: Some(visible) }
    }

    /// The value as `Debug` and `Display` show it: in full, or its visible prefix then `<redacted>`.
    fn shown(&self) -> String {
        match self.visible {
            None => self.value.clone(),
            Some(n) => [self.value.get(..n).unwrap_or(""), "<redacted>"].concat(),
        }
    }
}

/// The headers to add to the request, in the order they are sent.
///
/// [`headers`](Self::headers) yields the real values (to put on the wire); `Debug` and `Display` redact the
/// `Signature`, `Authorization` and `Digest` values, so the instructions can be logged.
pub struct SigningInstructions {
    headers: Vec<SignedHeader>,
}

impl SigningInstructions {
    /// `(name, value)` pairs in sending order, with the real values.
    pub fn headers(&self) -> impl ExactSizeIterator<Item = (&'static str, &str)> + '_ {
        self.headers.iter().map(|h| (h.name, h.value.as_str()))
    }

    /// The value of the header `name` (ASCII case-insensitive), if these instructions set it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
    }

    /// Sets the headers on an `http::Request`, replacing any with the same name. `Signature`,
    /// `Authorization` and `Digest` are marked sensitive (`HeaderValue::set_sensitive`).
    #[cfg(feature = "http")]
    pub fn apply_to_request<B>(self, request: &mut http::Request<B>) -> Result<(), SigningError> {
        for h in self.headers {
            let name = http::HeaderName::from_bytes(h.name.as_bytes())
                .map_err(|_| SigningError::InvalidHeaderValue)?;
            let mut value =
                http::HeaderValue::try_from(h.value).map_err(|_| SigningError::InvalidHeaderValue)?;
            value.set_sensitive(h.visible.is_some());
            request.headers_mut().insert(name, value);
        }
        Ok(())
    }
}

impl fmt::Debug for SigningInstructions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values are visible ASCII, so their `Debug` form is the value between quotes.
        let headers: Vec<_> = self.headers.iter().map(|h| (h.name, h.shown())).collect();
        f.debug_struct("SigningInstructions").field("headers", &headers).finish()
    }
}

impl fmt::Display for SigningInstructions {
    /// One `Name: value` line per header, sensitive values redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, h) in self.headers.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}: {}", h.name, h.shown())?;
        }
        Ok(())
    }
}

/// Signs `request` with `credentials`, returning the headers to add.
///
/// HTTP Signature (§7.1) adds `v-c-merchant-id`, `Date`, `Host`, `Digest` (POST/PUT/PATCH) and `Signature`.
/// JWT (§7.2) adds `v-c-merchant-id`, `Date`, `Host` and `Authorization: Bearer <jwt>`; the documentation
/// lists `Date` and `Host` as message headers, so they are sent with JWT too. `Content-Type` is the
/// caller's business.
pub fn sign(
    request: &SignableRequest<'_>,
    credentials: &Credentials,
    params: &SigningParams,
) -> Result<SigningInstructions, SigningError> {
    let date = params.time.to_http_date();
    let mut headers = Vec::with_capacity(5);
    headers.push(SignedHeader::plain("v-c-merchant-id", credentials.merchant_id()));
    headers.push(SignedHeader::plain("Date", date.as_str()));
    headers.push(SignedHeader::plain("Host", request.authority));
    match params.scheme {
        SigningScheme::HttpSignature => {
            let SigningKey::SharedSecret(secret) = credentials.key() else {
                return Err(SigningError::SchemeNeedsSharedSecret);
            };
            // §7.1 step 1: the digest of the exact body bytes, on POST/PUT/PATCH only.
            let digest = method_has_digest(request.method)
                .then(|| Base64Sha256::digest_of(request.body).header_value());
            // §7.1 step 2: the signing string, with the portfolio id in place of the merchant id for a meta key.
            let signing_string = SigningString {
                host: request.authority,
                date: date.as_str(),
                method: request.method,
                path_and_query: request.path_and_query,
                digest: digest.as_deref(),
                merchant_id: credentials.signing_identity(),
                form: TargetForm::Current,
            };
            // §7.1 step 3: HMAC-SHA256 with the decoded secret, standard base64.
            let signature = signing_string.sign(secret.expose());
            // §7.1 step 4: the header exactly as the official SDKs emit it.
            let header = signature_header(credentials.key_id(), digest.is_some(), signature.as_str());
            if let Some(digest) = digest {
                headers.push(SignedHeader::sensitive("Digest", digest, canonical::DIGEST_PREFIX.len()));
            }
            headers.push(SignedHeader::sensitive("Signature", header, 0));
        }
        SigningScheme::Jwt { jti, claims } => {
            let (header, claims) = jwt_header_and_claims(request, credentials, params.time, jti, claims);
            let token = sign_jws(credentials.key(), header.as_bytes(), claims.as_bytes())?;
            headers.push(SignedHeader::sensitive(
                "Authorization",
                ["Bearer ", &token].concat(),
                "Bearer ".len(),
            ));
        }
    }
    Ok(SigningInstructions { headers })
}

/// `keyid="…", algorithm="HmacSHA256", headers="…", signature="…"` (§7.1 step 4; `", "` separators).
pub(crate) fn signature_header(key_id: &str, with_digest: bool, signature: &str) -> String {
    let list = TargetForm::Current.header_list(with_digest);
    // Concatenated, not `format!`: one allocation of the exact length, without the formatting machinery.
    [
        r#"keyid=""#,
        key_id,
        r#"", algorithm="HmacSHA256", headers=""#,
        list,
        r#"", signature=""#,
        signature,
        r#"""#,
    ]
    .concat()
}

/// The JWT header (§7.2), its members in the order of the Node SDK and the test vector.
#[derive(Serialize)]
struct JwtHeader<'a> {
    typ: &'static str,
    alg: &'static str,
    kid: &'a str,
}

/// The JWT-authentication claims (§7.2), in the member order of the Node SDK and the test vector. The
/// digest-algorithm claim is written under the one name [`DigestAlgorithmClaim`] picks.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct JwtClaims<'a> {
    /// The bare base64 of the body's SHA-256, without the `SHA-256=` prefix of the HTTP header.
    #[serde(skip_serializing_if = "Option::is_none")]
    digest: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    digest_algorithm: Option<&'static str>,
    #[serde(rename = "digestAlgorithm", skip_serializing_if = "Option::is_none")]
    digest_algorithm_camel_case: Option<&'static str>,
    iat: i64,
    exp: i64,
    request_host: &'a str,
    request_resource_path: &'a str,
    request_method: &'a str,
    iss: &'a str,
    jti: &'a str,
    v_c_jwt_version: &'static str,
    v_c_merchant_id: &'a str,
}

/// The JWT header and claims (§7.2) as JSON.
pub(crate) fn jwt_header_and_claims(
    request: &SignableRequest<'_>,
    credentials: &Credentials,
    time: UnixTime,
    jti: JwtId,
    options: JwtClaimOptions,
) -> (String, String) {
    let alg = match credentials.key() {
        SigningKey::SharedSecret(_) => "HS256",
        SigningKey::PrivateKey(_) => "RS256",
    };
    let header = JwtHeader { typ: "JWT", alg, kid: credentials.key_id() };
    let digest = method_has_digest(request.method).then(|| Base64Sha256::digest_of(request.body));
    let algorithm = digest.map(|_| "SHA-256");
    let camel_case = options.digest_algorithm_claim == DigestAlgorithmClaim::CamelCase;
    let method = match options.method_case {
        MethodCase::Lower => request.method.to_ascii_lowercase(),
        MethodCase::Upper => request.method.to_ascii_uppercase(),
    };
    let iat = time.as_secs();
    let claims = JwtClaims {
        digest: digest.as_ref().map(Base64Sha256::as_str),
        digest_algorithm: algorithm.filter(|_| !camel_case),
        digest_algorithm_camel_case: algorithm.filter(|_| camel_case),
        iat,
        exp: iat + JWT_LIFETIME_SECS,
        request_host: request.authority,
        request_resource_path: request.path_and_query,
        request_method: &method,
        iss: credentials.signing_identity(),
        jti: &jti.to_string(),
        v_c_jwt_version: "2",
        v_c_merchant_id: credentials.merchant_id(),
    };
    // invariant: structs of strings and integers always serialize, so the empty strings are unreachable.
    (serde_json::to_string(&header).unwrap_or_default(), serde_json::to_string(&claims).unwrap_or_default())
}

/// Signs the exact header and payload bytes given, returning the compact token.
pub(crate) fn sign_jws(key: &SigningKey, header: &[u8], payload: &[u8]) -> Result<String, SigningError> {
    let input = jws::signing_input(header, payload);
    let signature = match key {
        SigningKey::SharedSecret(secret) => {
            crate::crypto::hmac_sha256(secret.expose(), input.as_bytes()).to_vec()
        }
        SigningKey::PrivateKey(key) => {
            key.sign_rs256(input.as_bytes()).map_err(|_| SigningError::RsaSigningFailed)?
        }
    };
    Ok(jws::finish(input, &signature))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jti_is_uuid_v4() {
        assert_eq!(JwtId::from_random_bytes([0; 16]).to_string(), "00000000-0000-4000-8000-000000000000");
        assert_eq!(JwtId::from_random_bytes([0xff; 16]).to_string(), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let a = JwtId::random().unwrap().to_string();
        assert_eq!(a.len(), 36);
        assert_eq!(a.as_bytes()[14], b'4');
        assert!(matches!(a.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
    }

    #[test]
    fn request_validation() {
        assert!(SignableRequest::new("POST", "apitest.cybersource.com", "/flex/v2/sessions", b"{}").is_ok());
        assert!(SignableRequest::new("get", "localhost:8443", "/a?b=c&d=%20", b"").is_ok());
        assert!(SignableRequest::new("GET", "[::1]:8443", "/", b"").is_ok());
        let bad = [
            ("", "h", "/"),
            ("PO ST", "h", "/"),
            ("GET\n", "h", "/"),
            ("GET", "", "/"),
            ("GET", "h\nx", "/"),
            ("GET", "user@h", "/"),
            ("GET", "h/x", "/"),
            ("GET", "h", ""),
            ("GET", "h", "x"),
            ("GET", "h", "/a b"),
            ("GET", "h", "/a\nb"),
            ("GET", "h", "/a#f"),
            ("GET", "h", "/é"),
        ];
        for (m, a, p) in bad {
            assert!(SignableRequest::new(m, a, p, b"").is_err(), "{m:?} {a:?} {p:?}");
        }
    }
}
