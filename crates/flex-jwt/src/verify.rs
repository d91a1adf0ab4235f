//! Verification as a typestate pipeline: [`Jwt`] → [`Authenticated`] (signature checked) → [`Verified`]
//! (registered claims checked) → your claims type.
//!
//! 1. [`Verifier::verify_signature`] picks the key by `kid`, enforces the algorithm allow-list, the key's bound
//!    algorithm, the `crit` allow-list and the `typ` expectation, decodes the signature into a stack buffer and
//!    checks it with ring. It allocates nothing itself (ring's RSA verification allocates internally).
//! 2. [`Authenticated::validate`] decodes the payload (the first allocation), checks UTF-8 and strict JSON
//!    (duplicate members refused at every depth), then `exp` (required), `nbf`, `iat` and `iss` against the `now`
//!    you pass, with checked arithmetic. NumericDates are integers in `0..=i64::MAX`; any other type is an error,
//!    never "absent".
//! 3. [`Verified::claims`] deserializes the verified payload into a type of your choice, borrowing from it.
//!
//! [`Authenticated::validate_into`] (and [`Verifier::verify_into`]) fuse 2 and 3 into one pass over a payload
//! buffer the caller owns: strictness, the caller's type and the registered claims are all read by the same walk
//! of `json::de`, and the typed value is handed out only after the registered claims checked out.
//!
//! Attacker-controlled claims never reach serde before the signature has verified.

use std::borrow::Cow;
use std::sync::Arc;

use flex_jose::NumericDateError;
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::alg::{Algorithm, AlgorithmSet};
use crate::b64;
use crate::error::{Claim, ClaimProblem, Error, HeaderError, Segment};
use crate::header::{Header, KidState};
use crate::json::{self, Options};
use crate::jwt::{Jwt, Limits};
use crate::key::{KeySet, RsaPublicKey};
use crate::kid::Kid;

/// The default clock-skew allowance, in seconds.
pub const DEFAULT_LEEWAY_SECS: u32 = 60;
/// The largest leeway a [`Verifier`] accepts, in seconds (15 minutes, the lifetime of a Flex capture context).
pub const MAX_LEEWAY_SECS: u32 = 900;
/// The default nesting limit for the claims JSON.
pub const DEFAULT_MAX_JSON_DEPTH: usize = 32;
/// The longest signature accepted, in bytes (an 8192-bit modulus).
const MAX_SIGNATURE_LEN: usize = 1024;
/// Signatures up to this length (RSA-4096) are decoded into a smaller stack buffer.
const SMALL_SIGNATURE_LEN: usize = 512;

/// Finds the verification key for a token's `kid`.
///
/// Implemented for [`KeySet`] (lookup by `kid`) and for a single [`RsaPublicKey`] (which matches only its own
/// `kid`; use [`Verifier::verify_signature_with_key`] for a key without one).
pub trait KeyLookup {
    /// The key whose `kid` is `kid`, if any.
    fn key_for(&self, kid: &Kid) -> Option<&RsaPublicKey>;
}

impl KeyLookup for KeySet {
    fn key_for(&self, kid: &Kid) -> Option<&RsaPublicKey> {
        self.get(kid.as_str())
    }
}

impl KeyLookup for RsaPublicKey {
    fn key_for(&self, kid: &Kid) -> Option<&RsaPublicKey> {
        (self.kid() == Some(kid)).then_some(self)
    }
}

impl<T: KeyLookup + ?Sized> KeyLookup for &T {
    fn key_for(&self, kid: &Kid) -> Option<&RsaPublicKey> {
        (**self).key_for(kid)
    }
}

/// Verification policy. Cheap to clone; build it once and reuse it.
///
/// Defaults: `RS256` only, leeway 60 s, no `iss`/`typ` expectation, no `crit` extension understood,
/// [`Limits::DEFAULT`], claims nesting depth 32.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    algorithms: AlgorithmSet,
    expected_typ: Option<Cow<'static, str>>,
    allowed_crit: &'static [&'static str],
    limits: Limits,
    claims: ClaimsPolicy,
}

/// The claims half of a [`Verifier`]'s policy, which an [`Authenticated`] token carries on to its validation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ClaimsPolicy {
    leeway_secs: u32,
    expected_iss: Option<Arc<str>>,
    max_depth: usize,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Verifier {
    /// The default policy.
    pub const fn new() -> Self {
        Self {
            algorithms: AlgorithmSet::RS256_ONLY,
            expected_typ: None,
            allowed_crit: &[],
            limits: Limits::DEFAULT,
            claims: ClaimsPolicy {
                leeway_secs: DEFAULT_LEEWAY_SECS,
                expected_iss: None,
                max_depth: DEFAULT_MAX_JSON_DEPTH,
            },
        }
    }

    /// Replaces the algorithm allow-list (e.g. `AlgorithmSet::RS256_ONLY.with(Algorithm::Rs512)`).
    #[must_use]
    pub const fn with_algorithms(mut self, algorithms: AlgorithmSet) -> Self {
        self.algorithms = algorithms;
        self
    }

    /// Sets the clock-skew allowance applied to `exp`, `nbf` and `iat`; clamped to [`MAX_LEEWAY_SECS`].
    #[must_use]
    pub const fn with_leeway_secs(mut self, secs: u32) -> Self {
        self.claims.leeway_secs = if secs > MAX_LEEWAY_SECS { MAX_LEEWAY_SECS } else { secs };
        self
    }

    /// Requires the `iss` claim to equal `issuer` exactly (compared after JSON unescaping).
    #[must_use]
    pub fn with_issuer(mut self, issuer: impl Into<Arc<str>>) -> Self {
        self.claims.expected_iss = Some(issuer.into());
        self
    }

    /// Requires the header `typ` to equal `typ` (ASCII case-insensitive, an `application/` prefix ignored on
    /// either side, as RFC 7515 §4.1.9 recommends). A token without `typ` then fails.
    #[must_use]
    pub fn with_type(mut self, typ: impl Into<Cow<'static, str>>) -> Self {
        self.expected_typ = Some(typ.into());
        self
    }

    /// The `crit` extensions your application understands and processes itself. A token listing any other name
    /// fails with [`Error::CritNotAllowed`]. Default: none.
    #[must_use]
    pub const fn with_critical_extensions(mut self, names: &'static [&'static str]) -> Self {
        self.allowed_crit = names;
        self
    }

    /// Sets the size caps used by [`Self::parse`] and the one-shot methods.
    #[must_use]
    pub const fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the nesting limit for the claims JSON (at most 128 is ever honoured).
    #[must_use]
    pub const fn with_max_json_depth(mut self, depth: usize) -> Self {
        self.claims.max_depth = depth;
        self
    }

    /// The algorithm allow-list.
    pub const fn algorithms(&self) -> AlgorithmSet {
        self.algorithms
    }

    /// The leeway, in seconds.
    pub const fn leeway_secs(&self) -> u32 {
        self.claims.leeway_secs
    }

    /// The size caps.
    pub const fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Parses `token` with this verifier's [`Limits`] (a valid `kid` is required).
    pub fn parse<'a>(&self, token: &'a str) -> Result<Jwt<'a>, Error> {
        Jwt::parse_with(token, &self.limits)
    }

    /// Checks the signature of `jwt` with the key its `kid` names in `keys`, after the algorithm, key-binding,
    /// `crit` and `typ` policy checks. Allocation-free (apart from ring's internals).
    pub fn verify_signature<'a, K: KeyLookup + ?Sized>(
        &self,
        jwt: &Jwt<'a>,
        keys: &K,
    ) -> Result<Authenticated<'a>, Error> {
        let key = self.key_for(jwt, keys)?;
        self.check_with_key(jwt, key)
    }

    /// The algorithm allow-list, then the key that the token's `kid` names in `keys`.
    fn key_for<'k, K: KeyLookup + ?Sized>(
        &self,
        jwt: &Jwt<'_>,
        keys: &'k K,
    ) -> Result<&'k RsaPublicKey, Error> {
        self.check_algorithm(jwt.header())?;
        let kid = match jwt.header().kid_state() {
            KidState::Valid(kid) => kid,
            KidState::Absent => return Err(HeaderError::MissingKid.into()),
            KidState::Invalid(e) => return Err(HeaderError::InvalidKid(*e).into()),
        };
        keys.key_for(kid).ok_or(Error::UnknownKid)
    }

    /// Checks the signature of `jwt` with one trusted key, without looking at the `kid`.
    ///
    /// This is the JWS-layer path for a caller that has exactly one key for the issuer (RFC 7515 A.2 has no
    /// `kid`; RFC 7520's `kid` contains `@`). The algorithm allow-list, the key's bound algorithm, `crit` and
    /// `typ` are still enforced. Prefer [`Self::verify_signature`] with a [`KeySet`] for Flex tokens: keys rotate,
    /// and the `kid` is how a verifier tells them apart.
    pub fn verify_signature_with_key<'a>(
        &self,
        jwt: &Jwt<'a>,
        key: &RsaPublicKey,
    ) -> Result<Authenticated<'a>, Error> {
        self.check_algorithm(jwt.header())?;
        self.check_with_key(jwt, key)
    }

    /// Parses, verifies and validates `token` at time `now` (seconds since the Unix epoch); the result borrows
    /// `token`. Call [`Verified::claims`] for a borrowing claims type.
    pub fn verify_token<'a, K: KeyLookup + ?Sized>(
        &self,
        token: &'a str,
        keys: &K,
        now: i64,
    ) -> Result<Verified<'a>, Error> {
        let jwt = self.parse(token)?;
        self.verify_signature(&jwt, keys)?.validate(now)
    }

    /// Parses, verifies and validates `token` at time `now`, then deserializes the claims into an owned `T`.
    pub fn verify<T: DeserializeOwned, K: KeyLookup + ?Sized>(
        &self,
        token: &str,
        keys: &K,
        now: i64,
    ) -> Result<T, Error> {
        self.verify_token(token, keys, now)?.into_claims()
    }

    /// Parses, verifies and validates `token` at time `now`, then deserializes the claims into `T`, borrowing
    /// from `buf`, in one pass over the payload ([`Authenticated::validate_into`]). The fastest way from a token
    /// to typed claims; reuse `buf` across tokens to save an allocation per token.
    pub fn verify_into<'b, T: Deserialize<'b>, K: KeyLookup + ?Sized>(
        &self,
        token: &str,
        keys: &K,
        now: i64,
        buf: &'b mut Vec<u8>,
    ) -> Result<T, Error> {
        self.verify_into_with::<Provider, T, K>(token, keys, now, buf)
    }

    /// [`Self::verify_into`] with the RSA check `C`: always [`Provider`], except in the benchmark hook
    /// `fuzzing::verify_into_without_rsa_check`.
    pub(crate) fn verify_into_with<'b, C: RsaCheck, T: Deserialize<'b>, K: KeyLookup + ?Sized>(
        &self,
        token: &str,
        keys: &K,
        now: i64,
        buf: &'b mut Vec<u8>,
    ) -> Result<T, Error> {
        let parsed = self.parse(token);
        let jwt = match &parsed {
            Ok(jwt) => jwt,
            Err(e) => return Err(*e),
        };
        let key = self.key_for(jwt, keys)?;
        // What `verify_signature(..)?.validate_into(..)` does, without building the `Authenticated` in between.
        self.check_signature::<C>(jwt, key)?;
        self.claims.claims_into(jwt.payload_b64(), now, buf)
    }

    fn check_algorithm(&self, header: &Header) -> Result<(), Error> {
        let alg = header.algorithm();
        if self.algorithms.contains(alg) { Ok(()) } else { Err(Error::AlgorithmNotAllowed(alg)) }
    }

    fn check_with_key<'a>(&self, jwt: &Jwt<'a>, key: &RsaPublicKey) -> Result<Authenticated<'a>, Error> {
        self.check_signature::<Provider>(jwt, key)?;
        // The issuer is an `Arc`: cloning it is a reference-count increment, not an allocation.
        Ok(Authenticated { jwt: *jwt, claims: self.claims.clone() })
    }

    /// The key-binding, `crit` and `typ` checks, then the signature check with `key`.
    fn check_signature<C: RsaCheck>(&self, jwt: &Jwt<'_>, key: &RsaPublicKey) -> Result<(), Error> {
        let header = jwt.header();
        let alg = header.algorithm();
        if key.algorithm().is_some_and(|bound| bound != alg) {
            return Err(Error::KeyAlgorithmMismatch);
        }
        if header.crit().any(|name| !self.allowed_crit.contains(&name)) {
            return Err(Error::CritNotAllowed);
        }
        if let Some(expected) = &self.expected_typ
            && !header.typ().is_some_and(|typ| media_type_eq(typ, expected))
        {
            return Err(Error::TypeMismatch);
        }
        let encoded = jwt.signature_b64();
        let len = b64::decoded_len(encoded.len()).ok_or(Error::Base64(Segment::Signature))?;
        if len > MAX_SIGNATURE_LEN {
            // Longer than any accepted modulus: it cannot verify.
            return Err(Error::InvalidSignature);
        }
        // RSA-2048..4096 signatures fit the small buffer, which is cheaper to set up than the largest one.
        let message = jwt.signing_input().as_bytes();
        if len <= SMALL_SIGNATURE_LEN {
            verify_b64_signature::<C>(alg, key, message, encoded, &mut [0u8; SMALL_SIGNATURE_LEN])
        } else {
            verify_b64_signature::<C>(alg, key, message, encoded, &mut [0u8; MAX_SIGNATURE_LEN])
        }
    }
}

/// Decodes the base64url signature into `buf` and checks it over `message` with `C`.
fn verify_b64_signature<C: RsaCheck>(
    alg: Algorithm,
    key: &RsaPublicKey,
    message: &[u8],
    encoded: &str,
    buf: &mut [u8],
) -> Result<(), Error> {
    let signature = b64::decode_into(encoded, buf).map_err(|_| Error::Base64(Segment::Signature))?;
    C::check(alg, key, message, signature)
}

/// The RSA signature check of the verify path, as a type parameter. Every verifying path uses [`Provider`]; the only
/// other implementation is the benchmark hook's in `fuzzing`, which returns nothing a caller could trust (see
/// `fuzzing::verify_into_without_rsa_check`): it times everything `verify_into` does around ring's computation.
pub(crate) trait RsaCheck {
    /// Checks `signature` over `message` with `key` for `alg`.
    fn check(alg: Algorithm, key: &RsaPublicKey, message: &[u8], signature: &[u8]) -> Result<(), Error>;
}

/// The provider's RSASSA-PKCS1-v1_5 check ([`RsaPublicKey::verify_pkcs1`]).
pub(crate) struct Provider;

impl RsaCheck for Provider {
    #[inline]
    fn check(alg: Algorithm, key: &RsaPublicKey, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        key.verify_pkcs1(alg, message, signature)
    }
}

/// `typ` comparison per RFC 7515 §4.1.9: case-insensitive, `application/` optional.
fn media_type_eq(a: &str, b: &str) -> bool {
    fn strip(s: &str) -> &str {
        match s.get(..12) {
            Some(prefix) if prefix.eq_ignore_ascii_case("application/") => s.get(12..).unwrap_or_default(),
            _ => s,
        }
    }
    strip(a).eq_ignore_ascii_case(strip(b))
}

/// A token whose signature has verified. Its claims have **not** been checked yet: call [`Self::validate`]
/// (or [`Self::payload`] for a JWS whose payload is not JSON claims).
#[derive(Debug)]
pub struct Authenticated<'a> {
    jwt: Jwt<'a>,
    claims: ClaimsPolicy,
}

impl<'a> Authenticated<'a> {
    /// The verified token.
    pub fn jwt(&self) -> &Jwt<'a> {
        &self.jwt
    }

    /// The protected header.
    pub fn header(&self) -> &Header {
        self.jwt.header()
    }

    /// The decoded payload bytes, for JWS-layer use (any content; no claims checks).
    pub fn payload(&self) -> Result<Vec<u8>, Error> {
        b64::decode_vec(self.jwt.payload_b64()).map_err(|_| Error::Base64(Segment::Payload))
    }

    /// Decodes the payload and checks the registered claims at time `now` (seconds since the Unix epoch):
    /// `exp` is required and `now < exp + leeway`; `nbf`, if present, `now >= nbf - leeway`; `iat`, if present,
    /// `iat - leeway <= now`; `iss` equals the configured issuer, if one is configured.
    ///
    /// The payload is checked as strict JSON here; [`Verified::claims`] then reads it again into your type. To
    /// check and deserialize in one pass, use [`Self::validate_into`].
    pub fn validate(self, now: i64) -> Result<Verified<'a>, Error> {
        let bytes = self.payload()?;
        let payload = String::from_utf8(bytes).map_err(|_| Error::Utf8(Segment::Payload))?;
        let policy = &self.claims;
        let mut registered = Registered::new(policy.expected_iss.as_deref());
        json::de::from_str::<IgnoredAny>(&payload, policy.json_options(), &mut |m| registered.observe(m))
            .map_err(|refused| payload_error(&payload, refused))?;
        let times = registered.check(now, policy.leeway_secs)?;
        Ok(Verified { jwt: self.jwt, payload, times, max_depth: policy.max_depth })
    }

    /// Decodes the payload into `buf` and, in one pass over it, checks it as strict JSON, deserializes it into
    /// `T` (borrowing from `buf`) and reads the registered claims, which are then checked as in
    /// [`Self::validate`]. `T` is returned only if every check passed.
    ///
    /// `buf` is cleared first; reusing one across tokens saves an allocation per token. A shape mismatch is
    /// [`Error::ClaimsShape`]; which error is reported when a payload has several problems is unspecified.
    pub fn validate_into<'b, T: Deserialize<'b>>(self, now: i64, buf: &'b mut Vec<u8>) -> Result<T, Error> {
        self.claims.claims_into(self.jwt.payload_b64(), now, buf)
    }
}

impl ClaimsPolicy {
    fn json_options(&self) -> Options {
        Options { max_depth: self.max_depth, spill: true }
    }

    /// [`Authenticated::validate_into`] on the payload `encoded`: decodes it into `buf` and, in one pass, checks
    /// it as strict JSON, deserializes it into `T` and reads the registered claims, which are then checked at
    /// `now`.
    fn claims_into<'b, T: Deserialize<'b>>(
        &self,
        encoded: &str,
        now: i64,
        buf: &'b mut Vec<u8>,
    ) -> Result<T, Error> {
        let payload = payload_into(encoded, buf)?;
        let mut registered = Registered::new(self.expected_iss.as_deref());
        let observe = &mut |m| registered.observe(m);
        let mut claims = json::de::from_str_map::<T, _>(payload, self.json_options(), observe, |refused| {
            payload_error(payload, refused)
        });
        // The claims are handed out only if the registered claims check out. One result, assigned in place and
        // returned on every path, so that the (large) value is not moved again.
        if claims.is_ok()
            && let Err(e) = registered.check(now, self.leeway_secs)
        {
            claims = Err(e);
        }
        claims
    }
}

/// Decodes the base64url payload `encoded` into `buf` (cleared first) and returns it as text.
#[inline]
pub(crate) fn payload_into<'b>(encoded: &str, buf: &'b mut Vec<u8>) -> Result<&'b str, Error> {
    let len = b64::decoded_len(encoded.len()).ok_or(Error::Base64(Segment::Payload))?;
    buf.clear();
    buf.resize(len, 0);
    b64::decode_into(encoded, buf).map_err(|_| Error::Base64(Segment::Payload))?;
    let buf: &'b Vec<u8> = buf;
    core::str::from_utf8(buf).map_err(|_| Error::Utf8(Segment::Payload))
}

/// The registered claims of a payload, collected from its top-level members as the JSON pass goes by.
struct Registered<'e> {
    expected_iss: Option<&'e str>,
    exp: Option<Result<i64, ClaimProblem>>,
    nbf: Option<Result<i64, ClaimProblem>>,
    iat: Option<Result<i64, ClaimProblem>>,
    iss: Option<Result<(), ClaimProblem>>,
}

/// The checked NumericDates of a payload.
#[derive(Debug, Clone, Copy)]
struct Times {
    exp: i64,
    nbf: Option<i64>,
    iat: Option<i64>,
}

/// A NumericDate read strictly (flex-jose's rule: an integer in `0..=i64::MAX`), as a claim problem.
fn numeric_date(value: json::Value<'_>) -> Result<i64, ClaimProblem> {
    value.numeric_date().map_err(|e| match e {
        NumericDateError::WrongType => ClaimProblem::WrongType,
        _ => ClaimProblem::OutOfRange,
    })
}

impl<'e> Registered<'e> {
    fn new(expected_iss: Option<&'e str>) -> Self {
        Self { expected_iss, exp: None, nbf: None, iat: None, iss: None }
    }

    /// Notes a top-level member. Duplicates never get here: the JSON pass refuses them first.
    fn observe(&mut self, m: json::Member<'_>) {
        // The four names are three bytes long: match the name as three bytes (an escaped name is unescaped first,
        // into a buffer too small for anything longer than four bytes, so longer names never match).
        let mut buf = [0u8; 4];
        let name = match m.name.borrowed() {
            Some(plain) => plain.as_bytes(),
            None => m.name.unescape_into(&mut buf).map_or(&[][..], str::as_bytes),
        };
        let &[a, b, c] = name else { return };
        match [a, b, c] {
            [b'e', b'x', b'p'] => self.exp = Some(numeric_date(m.value)),
            [b'n', b'b', b'f'] => self.nbf = Some(numeric_date(m.value)),
            [b'i', b'a', b't'] => self.iat = Some(numeric_date(m.value)),
            [b'i', b's', b's'] => {
                if let Some(expected) = self.expected_iss {
                    self.iss = Some(match m.value.as_str() {
                        Some(iss) if iss.eq_str(expected) => Ok(()),
                        Some(_) => Err(ClaimProblem::Mismatch),
                        None => Err(ClaimProblem::WrongType),
                    });
                }
            }
            _ => {}
        }
    }

    /// Checks what was collected at time `now`, with checked arithmetic.
    fn check(self, now: i64, leeway_secs: u32) -> Result<Times, Error> {
        let leeway = i64::from(leeway_secs);
        let fail = |claim, problem| Error::Claim { claim, problem };
        let exp =
            self.exp.ok_or(fail(Claim::Exp, ClaimProblem::Missing))?.map_err(|p| fail(Claim::Exp, p))?;
        let deadline = exp.checked_add(leeway).ok_or(fail(Claim::Exp, ClaimProblem::OutOfRange))?;
        if now >= deadline {
            return Err(fail(Claim::Exp, ClaimProblem::Expired));
        }
        // `nbf` and `iat` share one rule: no later than `now` plus the leeway.
        let not_after_now = |claim, value: Option<Result<i64, ClaimProblem>>, late| {
            let value = value.transpose().map_err(|p| fail(claim, p))?;
            if let Some(time) = value {
                let earliest = time.checked_sub(leeway).ok_or(fail(claim, ClaimProblem::OutOfRange))?;
                if now < earliest {
                    return Err(fail(claim, late));
                }
            }
            Ok(value)
        };
        let nbf = not_after_now(Claim::Nbf, self.nbf, ClaimProblem::NotYetValid)?;
        let iat = not_after_now(Claim::Iat, self.iat, ClaimProblem::IssuedInFuture)?;
        if self.expected_iss.is_some() {
            self.iss.unwrap_or(Err(ClaimProblem::Missing)).map_err(|p| fail(Claim::Iss, p))?;
        }
        Ok(Times { exp, nbf, iat })
    }
}

/// Maps a refused payload to the error: the strictness rule, or the position of a shape mismatch.
pub(crate) fn payload_error(payload: &str, refused: json::de::Refused) -> Error {
    match refused.problem {
        json::de::Problem::Json(error) => Error::Json { segment: Segment::Payload, error },
        // A shape mismatch (and any refusal a later flex-jose names): the position only.
        _ => {
            let (line, column) = refused.line_column(payload);
            Error::ClaimsShape { line, column }
        }
    }
}

/// Deserializes an already validated payload (the registered claims were read when it was validated).
pub(crate) fn claims_from<'de, T: Deserialize<'de>>(payload: &'de str, max_depth: usize) -> Result<T, Error> {
    json::de::from_str_unobserved(payload, Options { max_depth, spill: true }, |refused| {
        payload_error(payload, refused)
    })
}

/// A token whose signature and registered claims have verified. Holds the decoded payload JSON.
pub struct Verified<'a> {
    jwt: Jwt<'a>,
    payload: String,
    times: Times,
    max_depth: usize,
}

impl<'a> Verified<'a> {
    /// Deserializes the claims, borrowing from the verified payload (e.g. `flex_types::CaptureContextClaims<'_>`).
    /// A shape mismatch is [`Error::ClaimsShape`] with the position only (serde's message can echo values).
    pub fn claims<'de, T: Deserialize<'de>>(&'de self) -> Result<T, Error> {
        claims_from(&self.payload, self.max_depth)
    }

    /// Deserializes the claims into an owned type.
    pub fn into_claims<T: DeserializeOwned>(self) -> Result<T, Error> {
        claims_from(&self.payload, self.max_depth)
    }

    /// `exp` (seconds since the Unix epoch).
    pub fn exp(&self) -> i64 {
        self.times.exp
    }

    /// `nbf`, if present.
    pub fn nbf(&self) -> Option<i64> {
        self.times.nbf
    }

    /// `iat`, if present.
    pub fn iat(&self) -> Option<i64> {
        self.times.iat
    }

    /// The header's `kid`.
    pub fn kid(&self) -> Option<&Kid> {
        self.jwt.kid()
    }

    /// The protected header.
    pub fn header(&self) -> &Header {
        self.jwt.header()
    }

    /// The verified token.
    pub fn jwt(&self) -> &Jwt<'a> {
        &self.jwt
    }

    /// The verified payload JSON, exactly as signed.
    pub fn payload_json(&self) -> &str {
        &self.payload
    }

    /// The verified payload JSON, owned.
    pub fn into_payload_json(self) -> String {
        self.payload
    }
}

impl core::fmt::Debug for Verified<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The claims can carry (masked) card data: show their size, not their content.
        f.debug_struct("Verified")
            .field("header", self.jwt.header())
            .field("exp", &self.times.exp)
            .field("nbf", &self.times.nbf)
            .field("iat", &self.times.iat)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_compare_like_rfc_7515() {
        assert!(media_type_eq("JWT", "jwt"));
        assert!(media_type_eq("application/JWT", "jwt"));
        assert!(media_type_eq("JWT", "Application/jwt"));
        assert!(!media_type_eq("at+jwt", "jwt"));
        assert!(!media_type_eq("application/", "jwt"));
        assert!(!media_type_eq("", "jwt"));
    }

    #[test]
    fn builder() {
        let v = Verifier::new().with_leeway_secs(u32::MAX);
        assert_eq!(v.leeway_secs(), MAX_LEEWAY_SECS);
        assert_eq!(Verifier::default().leeway_secs(), DEFAULT_LEEWAY_SECS);
        assert_eq!(Verifier::default().algorithms(), AlgorithmSet::RS256_ONLY);
    }
}
