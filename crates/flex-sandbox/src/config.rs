//! Sandbox configuration: merchants, keys, clock, lifetimes and bounds.

use core::fmt;
use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use flex_auth::{RegisteredKey, RsaPublicKey, SharedSecret, VerifierConfig, VerifyingKey};

use crate::clock::{Clock, SystemClock};
use crate::crypto::KeyMaterial;
use crate::error::SandboxError;
use crate::server::{self, HttpLimits, RunningSandbox};
use crate::tls::TlsIdentity;

/// Merchant id of the public test merchant of the official SDKs' tests.
pub const TEST_MERCHANT_ID: &str = "testrest";
/// Key id (`keyid` / JWT `kid`) of the public test merchant's shared secret.
pub const TEST_KEY_ID: &str = "08c94330-f618-42a3-b09d-e1e43be5efda";
/// The public test merchant's shared secret (base64), as published in the official SDKs' tests. Public
/// test data, not a secret.
pub const TEST_SHARED_SECRET: &str = "yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=";

/// One merchant credential the sandbox accepts: a shared secret (HTTP Signature and JWT `HS256`) or an RSA
/// public key (JWT `RS256`), registered under a key id.
///
/// Not `Clone`; `Debug` never shows the secret.
#[derive(Debug)]
pub struct Merchant {
    key_id: String,
    key: RegisteredKey,
}

impl Merchant {
    /// A shared-secret credential; `secret_base64` is the standard-base64 secret as the Business Center shows it.
    ///
    /// # Errors
    /// [`SandboxError::InvalidMerchant`] for a bad identifier or secret (shorter than 16 bytes, not base64).
    pub fn shared_secret(merchant_id: &str, key_id: &str, secret_base64: &str) -> Result<Self, SandboxError> {
        let invalid = || SandboxError::InvalidMerchant { merchant_id: merchant_id.to_owned() };
        let secret = SharedSecret::from_base64(secret_base64).map_err(|_| invalid())?;
        let key =
            RegisteredKey::new(merchant_id, VerifyingKey::SharedSecret(secret)).map_err(|_| invalid())?;
        Self::checked(merchant_id, key_id, key)
    }

    /// An RSA public-key credential (JWT `RS256`), from a PKCS#1 `RSAPublicKey` DER.
    ///
    /// # Errors
    /// [`SandboxError::InvalidMerchant`] for a bad identifier or key.
    pub fn rsa_public_key(merchant_id: &str, key_id: &str, pkcs1_der: &[u8]) -> Result<Self, SandboxError> {
        let invalid = || SandboxError::InvalidMerchant { merchant_id: merchant_id.to_owned() };
        let public = RsaPublicKey::from_pkcs1_der(pkcs1_der).map_err(|_| invalid())?;
        let key = RegisteredKey::new(merchant_id, VerifyingKey::Rsa(public)).map_err(|_| invalid())?;
        Self::checked(merchant_id, key_id, key)
    }

    /// The public test merchant `testrest` ([`TEST_MERCHANT_ID`], [`TEST_KEY_ID`], [`TEST_SHARED_SECRET`]).
    ///
    /// # Errors
    /// None in practice (the constants are valid).
    pub fn test_merchant() -> Result<Self, SandboxError> {
        Self::shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, TEST_SHARED_SECRET)
    }

    fn checked(merchant_id: &str, key_id: &str, key: RegisteredKey) -> Result<Self, SandboxError> {
        let ok = !key_id.is_empty()
            && key_id.len() <= 128
            && key_id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
        if !ok {
            return Err(SandboxError::InvalidMerchant { merchant_id: merchant_id.to_owned() });
        }
        Ok(Self { key_id: key_id.to_owned(), key })
    }

    /// The merchant id.
    pub fn merchant_id(&self) -> &str {
        self.key.owner_id()
    }

    /// The key id.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub(crate) fn into_parts(self) -> (String, RegisteredKey) {
        (self.key_id, self.key)
    }
}

/// A fixed set of RSA-2048 key pairs to use instead of freshly generated ones: the first signs capture
/// contexts (rotation moves to the next), and sessions take them in turn as their `flx.jwk`.
///
/// **Trade-off.** Generating an RSA-2048 key in pure Rust takes tens to hundreds of milliseconds, so a test
/// suite that starts many sandboxes or opens hundreds of sessions is much faster with a fixed set, generated
/// once per test binary and shared (cloning is cheap). But sessions then share encryption keys: a JWE made for
/// one session decrypts under another session's key, and only the per-session `kid` and the context binding
/// keep sessions apart. Real Flex gives every session its own key; use the default (fresh keys from a
/// background pool) whenever that difference matters.
#[derive(Clone)]
pub struct TestKeys(pub(crate) Arc<Vec<Arc<KeyMaterial>>>);

impl TestKeys {
    /// Generates `count` fresh RSA-2048 keys (blocking; about `count` × 0.1 s in an optimised build).
    ///
    /// # Errors
    /// [`SandboxError::EmptyKeySet`] for `count == 0`; [`SandboxError::KeyGeneration`].
    pub fn generate(count: usize) -> Result<Self, SandboxError> {
        if count == 0 {
            return Err(SandboxError::EmptyKeySet);
        }
        let keys =
            (0..count).map(|_| KeyMaterial::generate().map(Arc::new)).collect::<Result<Vec<_>, _>>()?;
        Ok(Self(Arc::new(keys)))
    }

    /// Loads PKCS#8 PEM private keys (`-----BEGIN PRIVATE KEY-----`), 2048 to 4096 bits.
    ///
    /// # Errors
    /// [`SandboxError::EmptyKeySet`]; [`SandboxError::InvalidKey`].
    pub fn from_pkcs8_pems<'p>(pems: impl IntoIterator<Item = &'p str>) -> Result<Self, SandboxError> {
        let keys = pems
            .into_iter()
            .map(|p| KeyMaterial::from_pkcs8_pem(p).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(SandboxError::EmptyKeySet);
        }
        Ok(Self(Arc::new(keys)))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty (never true for a constructed set).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for TestKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestKeys").field("len", &self.0.len()).finish_non_exhaustive()
    }
}

/// How a sandbox is set up; built with [`Sandbox::builder`](crate::Sandbox::builder), started with
/// [`start`](Self::start) (or run with [`serve`](crate::serve)).
pub struct SandboxConfig {
    pub(crate) bind: SocketAddr,
    pub(crate) merchants: Vec<Merchant>,
    pub(crate) test_merchant: bool,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) context_lifetime: i64,
    pub(crate) max_sessions: usize,
    pub(crate) max_replay_entries: usize,
    pub(crate) max_replay_bytes: usize,
    pub(crate) max_transient_tokens: usize,
    pub(crate) max_payments: usize,
    pub(crate) max_cpu_queue: usize,
    pub(crate) key_pool_size: usize,
    pub(crate) test_keys: Option<TestKeys>,
    pub(crate) retained_signing_keys: usize,
    pub(crate) verifier: VerifierConfig,
    pub(crate) shutdown_grace: Duration,
    pub(crate) tls: Option<TlsIdentity>,
    pub(crate) http: HttpLimits,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            merchants: Vec::new(),
            test_merchant: true,
            clock: Arc::new(SystemClock),
            context_lifetime: 900,
            max_sessions: 10_000,
            max_replay_entries: 100_000,
            max_replay_bytes: 16 << 20,
            max_transient_tokens: 10_000,
            max_payments: 10_000,
            max_cpu_queue: 512,
            key_pool_size: 4,
            test_keys: None,
            retained_signing_keys: 4,
            verifier: VerifierConfig::default(),
            shutdown_grace: Duration::from_secs(5),
            tls: None,
            http: HttpLimits::default(),
        }
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("bind", &self.bind)
            .field("merchants", &self.merchants.iter().map(Merchant::merchant_id).collect::<Vec<_>>())
            .field("test_merchant", &self.test_merchant)
            .field("now", &self.clock.now())
            .field("context_lifetime", &self.context_lifetime)
            .field("max_sessions", &self.max_sessions)
            .field("max_replay_entries", &self.max_replay_entries)
            .field("max_replay_bytes", &self.max_replay_bytes)
            .field("max_transient_tokens", &self.max_transient_tokens)
            .field("max_payments", &self.max_payments)
            .field("max_cpu_queue", &self.max_cpu_queue)
            .field("key_pool_size", &self.key_pool_size)
            .field("test_keys", &self.test_keys)
            .field("retained_signing_keys", &self.retained_signing_keys)
            .field("verifier", &self.verifier)
            .field("tls", &self.tls)
            .field("http", &self.http)
            .finish()
    }
}

impl SandboxConfig {
    /// The address to listen on. Default `127.0.0.1:0` (an ephemeral loopback port).
    #[must_use]
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Adds a merchant credential (the test merchant `testrest` is there too unless
    /// [`without_test_merchant`](Self::without_test_merchant) is called).
    #[must_use]
    pub fn merchant(mut self, merchant: Merchant) -> Self {
        self.merchants.push(merchant);
        self
    }

    /// Removes the default test merchant `testrest`.
    #[must_use]
    pub fn without_test_merchant(mut self) -> Self {
        self.test_merchant = false;
        self
    }

    /// The clock (default: the system clock). Pass a [`ManualClock`](crate::ManualClock) to test expiry.
    #[must_use]
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Lifetime of capture contexts and transient tokens (`exp - iat`). Default 900 s, as Cybersource.
    #[must_use]
    pub fn context_lifetime(mut self, lifetime: Duration) -> Self {
        self.context_lifetime = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX);
        self
    }

    /// Most sessions kept at once (default 10 000). When full, expired sessions are evicted first; if none
    /// is expired, `POST /flex/v2/sessions` answers `503`.
    #[must_use]
    pub fn max_sessions(mut self, max: usize) -> Self {
        self.max_sessions = max;
        self
    }

    /// Most authentication-JWT ids remembered against replay at once (default 100 000). Each is kept until the
    /// verifier would refuse its token anyway (`exp` plus the skew) and never forgotten earlier: when the cache is
    /// full of live ids, a JWT-authenticated `POST /flex/v2/sessions` answers `503` until some expire.
    #[must_use]
    pub fn max_replay_entries(mut self, max: usize) -> Self {
        self.max_replay_entries = max;
        self
    }

    /// Most bytes the remembered authentication-JWT ids may take (default 16 MiB), counting each id's length
    /// plus a fixed estimate of 128 bytes of bookkeeping; ids longer than 128 bytes are refused (`401`). Full
    /// means `503`, as with [`max_replay_entries`](Self::max_replay_entries).
    #[must_use]
    pub fn max_replay_bytes(mut self, max: usize) -> Self {
        self.max_replay_bytes = max;
        self
    }

    /// Most issued, unexpired transient tokens kept at once (default 10 000), so that `POST /pts/v2/payments`
    /// can verify each with the key that signed it and accept it once. Expired ones are dropped first; a live one
    /// is never dropped: when full of live tokens, `POST /flex/v2/tokens` answers `503` (before it consumes the
    /// capture context). Each entry is under 300 bytes (a 64-character id, the session kid, a shared key handle).
    #[must_use]
    pub fn max_transient_tokens(mut self, max: usize) -> Self {
        self.max_transient_tokens = max;
        self
    }

    /// Most payment answers kept for `GET /pts/v2/payments/{id}` (default 10 000; 0 keeps none). When full, the
    /// oldest is forgotten (its `GET` is then `404`). Each answer is at most 4 KiB.
    #[must_use]
    pub fn max_payments(mut self, max: usize) -> Self {
        self.max_payments = max;
        self
    }

    /// Most RSA jobs waiting for a core in each of the two queues (default 512; at least 1): JWE decryptions
    /// for `POST /flex/v2/tokens`, and capture-context work (key generation, signing). A request that finds its
    /// queue full is answered `503` (`SERVICE_UNAVAILABLE`) at once instead of waiting behind the others.
    /// Decryptions run on all cores but one (at least one), so a flood of JWEs cannot delay capture contexts by
    /// more than one decryption per core.
    #[must_use]
    pub fn max_cpu_queue(mut self, max: usize) -> Self {
        self.max_cpu_queue = max;
        self
    }

    /// How many fresh RSA-2048 keys a background task keeps ready (default 4), so that a session request does
    /// not wait for key generation. `0` generates each key on demand. Ignored with [`test_keys`](Self::test_keys).
    #[must_use]
    pub fn key_pool_size(mut self, size: usize) -> Self {
        self.key_pool_size = size;
        self
    }

    /// Uses a fixed key set instead of fresh keys (fast, less faithful; see [`TestKeys`]).
    #[must_use]
    pub fn test_keys(mut self, keys: TestKeys) -> Self {
        self.test_keys = Some(keys);
        self
    }

    /// How many previous signing keys `GET /flex/v2/public-keys/{kid}` still serves after a rotation
    /// (default 4), so that contexts signed before the rotation stay verifiable.
    #[must_use]
    pub fn retained_signing_keys(mut self, count: usize) -> Self {
        self.retained_signing_keys = count;
        self
    }

    /// Request-authentication policy (skew, JWT lifetime, schemes, legacy `(request-target)`).
    #[must_use]
    pub fn verifier_config(mut self, config: VerifierConfig) -> Self {
        self.verifier = config;
        self
    }

    /// How long [`RunningSandbox::shutdown`] waits for open connections to finish (default 5 s).
    #[must_use]
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// Serves HTTPS (rustls, ALPN `h2` and `http/1.1`) instead of plain HTTP; [`RunningSandbox::base_url`]
    /// is then `https://127.0.0.1:PORT`, and so is `flx.origin`. See [`TlsIdentity`].
    ///
    /// [`RunningSandbox::base_url`]: crate::RunningSandbox::base_url
    #[must_use]
    pub fn tls(mut self, identity: TlsIdentity) -> Self {
        self.tls = Some(identity);
        self
    }

    /// Longest a client may take to send a request head (request line and headers), counted from when the
    /// connection is ready for one: accepted (after the TLS handshake), or the previous answer sent on a
    /// kept-alive HTTP/1.1 connection, so this also closes HTTP/1.1 connections left waiting between requests.
    /// Under HTTP/2 it bounds the wait for the first request. A connection that misses it is closed without an
    /// answer. Default 10 s; must not be zero.
    #[must_use]
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.http.header_read_timeout = timeout;
        self
    }

    /// Longest a request body may take to arrive in full, counted from the end of its head. A slower body
    /// is answered `408` (`REQUEST_TIMEOUT`), and the connection is then closed (HTTP/2: with a GOAWAY, its other
    /// streams get a second to finish). Default 10 s; must not be zero.
    #[must_use]
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.http.body_read_timeout = timeout;
        self
    }

    /// How long a connection may stay open with no request in flight once it has served one; it is then
    /// closed (HTTP/2: after a GOAWAY). HTTP/2 keep-alive pings are sent at this interval too, and a peer
    /// that does not answer one within the header-read timeout is dropped. An HTTP/1.1 connection is closed
    /// sooner if the [header-read timeout](Self::header_read_timeout) is shorter. Default 30 s; must not be
    /// zero.
    #[must_use]
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.http.idle_timeout = timeout;
        self
    }

    /// Longest a TLS handshake may take (with [`tls`](Self::tls)); the connection is closed after it.
    /// Default 10 s; must not be zero.
    #[must_use]
    pub fn tls_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.http.tls_handshake_timeout = timeout;
        self
    }

    /// Largest request head, in bytes: HTTP/1.1 request line and headers (a larger one is answered `431` and
    /// the connection closed), HTTP/2 header list as RFC 9113 §6.5.2 counts it (announced in
    /// `SETTINGS_MAX_HEADER_LIST_SIZE`; a larger one is answered `431` on its stream). Default 16 KiB;
    /// 8 KiB to 1 MiB.
    #[must_use]
    pub fn max_request_header_bytes(mut self, bytes: usize) -> Self {
        self.http.max_header_bytes = bytes;
        self
    }

    /// Most connections open at once (default 1024). Where the process's open-descriptor limit can be read
    /// (Linux), the cap in force is at most three quarters of its soft value less 32 descriptors left to the rest
    /// of the process. Over the cap, the connection that has waited longest is closed to admit the new one
    /// (never-served, then idle, then one whose every request has waited 3 s for its body); if every connection
    /// is doing real work, the new one is closed at once, over plain HTTP after a `503` (`TOO_MANY_CONNECTIONS`,
    /// with `Retry-After: 1`). Must be at least 1.
    #[must_use]
    pub fn max_connections(mut self, max: usize) -> Self {
        self.http.max_connections = max;
        self
    }

    /// Most request bytes held in memory at once over all connections (default 32 MiB): the head of every
    /// request in flight (names and values plus 32 bytes per field, as RFC 9113 §6.5.2 counts) and the body
    /// bytes read so far. A request that would exceed it is answered `503` (`SERVICE_UNAVAILABLE`) and its
    /// body is not read further. Each route also has its own body limit, refused with `413` from the declared
    /// `Content-Length` before anything is read: 16 KiB for the sessions endpoints, about 48 KiB for tokens,
    /// 32 KiB for payments. Must be at least 64 KiB.
    #[must_use]
    pub fn max_buffered_request_bytes(mut self, bytes: usize) -> Self {
        self.http.max_buffered_request_bytes = bytes;
        self
    }

    /// Binds the listener and starts serving in the background (on the current tokio runtime).
    ///
    /// # Errors
    /// [`SandboxError::Bind`], [`SandboxError::InvalidConfig`], [`SandboxError::KeyGeneration`], ...
    pub async fn start(self) -> Result<RunningSandbox, SandboxError> {
        server::start(self).await
    }
}
