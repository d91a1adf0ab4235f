//! Verified tokens: a capture context and a transient token, each with its original compact string.

use core::fmt;

use flex_jwt::RsaPublicKey;
use flex_types::{CaptureContextClaims, TransientTokenClaims};

use crate::mask::mask;

/// A capture context whose signature, `iss`, `exp`/`iat` and `flx.jwk` were verified.
///
/// Holds the original compact JWT (hand it to the browser or app unchanged: a re-encoding would not verify)
/// and the owned claims. Only [`Client::create_capture_context`](crate::Client::create_capture_context) and
/// [`Client::verify_capture_context`](crate::Client::verify_capture_context) make one.
#[derive(Clone)]
pub struct CaptureContext {
    compact: String,
    claims: CaptureContextClaims<'static>,
    encryption_key: RsaPublicKey,
}

impl CaptureContext {
    pub(crate) fn new(
        compact: String,
        claims: CaptureContextClaims<'static>,
        encryption_key: RsaPublicKey,
    ) -> Self {
        Self { compact, claims, encryption_key }
    }

    /// The compact JWT exactly as the server sent it.
    pub fn as_str(&self) -> &str {
        &self.compact
    }

    /// The verified claims.
    pub fn claims(&self) -> &CaptureContextClaims<'static> {
        &self.claims
    }

    /// `flx.jwk` as a verification key for transient tokens (kid required, `use` `enc`).
    pub fn encryption_key(&self) -> &RsaPublicKey {
        &self.encryption_key
    }

    /// `flx.origin + flx.path`, where tokenization posts.
    pub fn tokens_url(&self) -> String {
        self.claims.tokens_url()
    }

    /// Expiry, seconds since the Unix epoch.
    pub fn expires_at(&self) -> i64 {
        self.claims.exp
    }

    /// Consumes the context, returning the compact JWT.
    pub fn into_string(self) -> String {
        self.compact
    }
}

impl fmt::Debug for CaptureContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaptureContext")
            .field("jwt", &mask(&self.compact))
            .field("jti", &self.claims.jti)
            .field("exp", &self.claims.exp)
            .field("origin", &self.claims.flx.origin)
            .field("required_fields", &self.claims.required_fields().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// A transient token whose signature and `exp`/`iat` were verified.
#[derive(Clone)]
pub struct TransientToken {
    compact: String,
    claims: TransientTokenClaims<'static>,
}

impl TransientToken {
    pub(crate) fn new(compact: String, claims: TransientTokenClaims<'static>) -> Self {
        Self { compact, claims }
    }

    /// The compact JWT, for `tokenInformation.transientTokenJwt` in a payment request.
    pub fn as_str(&self) -> &str {
        &self.compact
    }

    /// The verified claims (masked card data, `jti`, `exp`, ...).
    pub fn claims(&self) -> &TransientTokenClaims<'static> {
        &self.claims
    }

    /// The token id (`jti`).
    pub fn jti(&self) -> &str {
        &self.claims.jti
    }

    /// Consumes the token, returning the compact JWT.
    pub fn into_string(self) -> String {
        self.compact
    }
}

impl fmt::Debug for TransientToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransientToken")
            .field("jwt", &mask(&self.compact))
            .field("jti", &mask(&self.claims.jti))
            .field("type", &self.claims.type_)
            .field("exp", &self.claims.exp)
            .field("masked_number", &self.claims.masked_card_number())
            .finish_non_exhaustive()
    }
}
