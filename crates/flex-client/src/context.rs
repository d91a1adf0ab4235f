//! Verified tokens: a capture context and a transient token, each with its original compact string.

use core::fmt;

use flex_jwt::RsaPublicKey;
use flex_types::{CaptureContextClaims, CardExpiry, ContextKind, CtxData, TransientTokenClaims};

use crate::mask::mask;

/// A capture context whose signature, `iss`, `exp`/`iat` and `flx.jwk` were verified: a Flex API one
/// (`POST /flex/v2/sessions`) or a Microform one (`POST /microform/v2/sessions`); [`CaptureContext::kind`]
/// says which.
///
/// Holds the original compact JWT (hand it to the browser or app unchanged: a re-encoding would not verify)
/// and the owned claims. Only [`Client::create_capture_context`](crate::Client::create_capture_context),
/// [`Client::create_microform_context`](crate::Client::create_microform_context) and
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

    /// Which kind of context this is, from `ctx[0].type`: [`ContextKind::FlexApi`] (`api-*`),
    /// [`ContextKind::Microform`] (`mf-*`), ...
    pub fn kind(&self) -> ContextKind {
        self.claims.kind()
    }

    /// The Microform members (`clientLibrary`, `clientLibraryIntegrity`, `targetOrigins`, `mfOrigin`,
    /// `allowedCardNetworks`, `allowedPaymentTypes`) of a Microform context; `None` for a Flex API one.
    pub fn microform(&self) -> Option<&CtxData<'static>> {
        self.claims.microform()
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
            .field("kind", &self.kind())
            .field("origin", &self.claims.flx.origin)
            .field("required_fields", &self.claims.required_fields().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// A transient token whose signature and `exp`/`iat` were verified, in any documented shape: Flex API
/// (`api-*`), Microform v2 (`mf-2.*`, card details in `content.paymentInformation.card`), or the older flat
/// `data{number, type, ...}` form. The accessors read the card details from whichever place holds them.
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

    /// The format its `type` names: [`ContextKind::FlexApi`] (`api-*`), [`ContextKind::Microform`] (`mf-*`),
    /// [`ContextKind::UnifiedCheckout`] (`gda-*`).
    pub fn kind(&self) -> ContextKind {
        self.claims.kind()
    }

    /// The masked card number, e.g. `411111XXXXXX1111` or `XXXXXXXXXXXX1111`.
    pub fn masked_card_number(&self) -> Option<&str> {
        self.claims.masked_card_number()
    }

    /// The BIN (the first 6 or 8 digits), when the token reveals it.
    pub fn bin(&self) -> Option<&str> {
        self.claims.bin()
    }

    /// The Cybersource card-type code, e.g. `001` (Visa).
    pub fn card_type(&self) -> Option<&str> {
        self.claims.card_type()
    }

    /// Microform v2's `detectedCardTypes` (the networks the number may belong to); empty for other formats.
    pub fn detected_card_types(&self) -> impl Iterator<Item = &str> + '_ {
        self.claims.detected_card_types()
    }

    /// The card expiry, when the token carries a well-formed month and year.
    pub fn expiry(&self) -> Option<CardExpiry> {
        self.claims.expiry()
    }

    /// Expiry of the token itself (`exp`), seconds since the Unix epoch.
    pub fn expires_at(&self) -> i64 {
        self.claims.exp
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
            .field("bin", &self.claims.bin())
            .finish_non_exhaustive()
    }
}
