//! The hyper server: listener, connections (HTTP/1.1 and HTTP/2), routing, graceful shutdown.

use core::fmt;
use core::future::Future;
use core::time::Duration;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use bytes::Bytes;
use flex_auth::{KeyStore, Verifier};
use http::header::{CONTENT_TYPE, HOST, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tracing::Instrument as _;

use crate::api::{self, PUBLIC_KEYS_PREFIX, Reply, RequestParts, SESSIONS_PATH, Shared, TOKENS_PATH};
use crate::config::{Merchant, SandboxConfig};
use crate::error::SandboxError;
use crate::faults::Faults;
use crate::keys::{KeyPool, KeySource, SigningKeys};
use crate::state::{ReplayCache, Sessions};

/// Largest request body read (the sessions body is tiny; a JWE with card data is a few KiB).
const MAX_BODY: usize = 256 * 1024;
/// Longest a client may take over the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How many authentication-JWT ids are remembered against replay.
const MAX_REMEMBERED_JWTS: usize = 100_000;

/// A sandbox serving in the background. Dropping it stops the listener (without waiting); prefer
/// [`shutdown`](Self::shutdown), which also lets open connections finish.
pub struct RunningSandbox {
    addr: SocketAddr,
    base_url: String,
    ca_pem: Option<String>,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    refill: Option<JoinHandle<()>>,
}

impl fmt::Debug for RunningSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningSandbox").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl RunningSandbox {
    /// The base URL clients use, e.g. `http://127.0.0.1:41234`, or `https://127.0.0.1:41234` with TLS (also
    /// `flx.origin`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The generated CA certificate (PEM) that clients must trust, when the sandbox serves HTTPS with a
    /// certificate made at start-up ([`TlsIdentity::generate`](crate::TlsIdentity::generate)).
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Fault injection for the following requests.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Number of sessions currently stored (live, plus expired ones not yet evicted).
    pub fn session_count(&self) -> usize {
        self.shared.sessions().len()
    }

    /// The kid of the current capture-context signing key.
    pub fn signing_kid(&self) -> String {
        self.shared.signing().current().kid
    }

    /// Replaces the capture-context signing key with a new one under a new short kid, and returns that kid.
    /// Previous keys stay available from `public-keys` (see
    /// [`SandboxConfig::retained_signing_keys`](crate::SandboxConfig::retained_signing_keys)); contexts already
    /// issued stay usable.
    ///
    /// # Errors
    /// [`SandboxError::KeyGeneration`], [`SandboxError::Random`].
    pub async fn rotate_signing_key(&self) -> Result<String, SandboxError> {
        let key = self.shared.keys.take().await?;
        let kid = self.shared.signing_mut().rotate(key)?;
        tracing::info!(signing_kid = %kid, "signing key rotated");
        Ok(kid)
    }

    /// Serves until `signal` completes, then shuts down gracefully (what a CLI does after printing
    /// [`base_url`](Self::base_url) and the credentials).
    pub async fn run_until(self, signal: impl Future<Output = ()>) {
        signal.await;
        self.shutdown().await;
    }

    /// Stops accepting connections, lets open ones finish (up to the configured grace period), and stops the
    /// background tasks.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        if let Some(refill) = self.refill.take() {
            refill.abort();
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(refill) = self.refill.take() {
            refill.abort();
        }
    }
}

/// Runs a sandbox on `addr` until `shutdown_signal` completes, then shuts it down gracefully. Prints nothing
/// (a CLI prints the address and credentials; setting up `tracing` output is the caller's job).
///
/// # Errors
/// As [`SandboxConfig::start`].
pub async fn serve(
    config: SandboxConfig,
    addr: SocketAddr,
    shutdown_signal: impl Future<Output = ()>,
) -> Result<(), SandboxError> {
    config.bind(addr).start().await?.run_until(shutdown_signal).await;
    Ok(())
}

pub(crate) async fn start(config: SandboxConfig) -> Result<RunningSandbox, SandboxError> {
    if config.max_sessions == 0 {
        return Err(SandboxError::InvalidConfig("max_sessions must be at least 1"));
    }
    if config.context_lifetime <= 0 {
        return Err(SandboxError::InvalidConfig("context lifetime must be at least 1 s"));
    }
    let mut store = KeyStore::new();
    let mut merchants = config.merchants;
    if config.test_merchant {
        merchants.insert(0, Merchant::test_merchant()?);
    }
    for merchant in merchants {
        let merchant_id = merchant.merchant_id().to_owned();
        let (key_id, key) = merchant.into_parts();
        store.insert(&key_id, key).map_err(|_| SandboxError::InvalidMerchant { merchant_id })?;
    }

    let (keys, pool) = match config.test_keys {
        Some(keys) => (KeySource::Fixed { keys, next: AtomicUsize::new(0) }, None),
        None => {
            let pool = Arc::new(KeyPool::new(config.key_pool_size));
            (KeySource::Fresh(Arc::clone(&pool)), Some(pool))
        }
    };
    // Take the signing key before the refill task starts competing for the cores.
    let signing = SigningKeys::new(keys.take().await?, config.retained_signing_keys)?;

    let tls = config.tls.map(crate::tls::TlsIdentity::into_server).transpose()?;
    let listener = TcpListener::bind(config.bind).await.map_err(|e| SandboxError::Bind { kind: e.kind() })?;
    let addr = listener.local_addr().map_err(|e| SandboxError::Bind { kind: e.kind() })?;
    let host = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip => ip,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let base_url = format!("{scheme}://{}", SocketAddr::new(host, addr.port()));
    let (acceptor, ca_pem) = match tls {
        Some(tls) => (Some(TlsAcceptor::from(tls.config)), tls.ca_pem),
        None => (None, None),
    };

    let shared = Arc::new(Shared {
        verifier: Verifier::new(store, config.verifier),
        clock: config.clock,
        lifetime: config.context_lifetime,
        base_url: base_url.clone(),
        sessions: Mutex::new(Sessions::new(config.max_sessions, config.context_lifetime)),
        jwt_replays: Mutex::new(ReplayCache::new(MAX_REMEMBERED_JWTS)),
        signing: RwLock::new(signing),
        keys,
        faults: Faults::default(),
    });
    let refill = pool.map(|p| tokio::spawn(p.refill()));
    let (stop, stopped) = watch::channel(false);
    let server =
        tokio::spawn(accept_loop(listener, acceptor, Arc::clone(&shared), stopped, config.shutdown_grace));
    tracing::info!(%base_url, "flex sandbox listening");
    Ok(RunningSandbox { addr, base_url, ca_pem, shared, stop, server: Some(server), refill })
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut stopped: watch::Receiver<bool>,
    grace: Duration,
) {
    let graceful = GracefulShutdown::new();
    let builder = auto::Builder::new(TokioExecutor::new());
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(err) => {
                        // E.g. too many open files: back off instead of spinning.
                        tracing::warn!(error = %err, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let shared = Arc::clone(&shared);
                let service = service_fn(move |req| handle(Arc::clone(&shared), req));
                match &acceptor {
                    None => {
                        let conn = builder.serve_connection(TokioIo::new(stream), service).into_owned();
                        let conn = graceful.watch(conn);
                        connections.spawn(async move {
                            if let Err(err) = conn.await {
                                tracing::debug!(%peer, error = %err, "connection ended with an error");
                            }
                        });
                    }
                    Some(acceptor) => {
                        // The handshake runs in the connection's task, so a slow or failed one never holds up
                        // the accept loop; a failure only ends that connection.
                        let handshake = acceptor.accept(stream);
                        let builder = builder.clone();
                        let watcher = graceful.watcher();
                        connections.spawn(async move {
                            let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
                                Ok(Ok(stream)) => stream,
                                Ok(Err(err)) => {
                                    tracing::debug!(%peer, error = %err, "TLS handshake failed");
                                    return;
                                }
                                Err(_) => {
                                    tracing::debug!(%peer, "TLS handshake timed out");
                                    return;
                                }
                            };
                            let alpn = stream.get_ref().1.alpn_protocol().map(String::from_utf8_lossy);
                            tracing::debug!(%peer, alpn = ?alpn, "TLS handshake done");
                            let conn = builder.serve_connection(TokioIo::new(stream), service).into_owned();
                            if let Err(err) = watcher.watch(conn).await {
                                tracing::debug!(%peer, error = %err, "connection ended with an error");
                            }
                        });
                    }
                }
                // Forget finished connections so the set stays as small as the open ones.
                while connections.try_join_next().is_some() {}
            }
            _ = stopped.changed() => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(grace) => {
            tracing::warn!("shutdown grace period over; closing remaining connections");
            connections.abort_all();
        }
    }
}

/// The error that makes hyper drop a connection without answering (fault injection).
#[derive(Debug)]
struct DroppedByFault;

impl fmt::Display for DroppedByFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl core::error::Error for DroppedByFault {}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, DroppedByFault> {
    let started = Instant::now();
    let path = req.uri().path();
    let cors = path == TOKENS_PATH || path.starts_with(PUBLIC_KEYS_PREFIX);
    let span = tracing::info_span!("request", method = %req.method(), path = %req.uri().path());
    async move {
        if let Some(latency) = shared.faults.latency() {
            tokio::time::sleep(latency).await;
        }
        if shared.faults.take_drop() {
            tracing::info!("fault: dropping the connection");
            return Err(DroppedByFault);
        }
        let reply = match shared.faults.take_failure() {
            Some(status) => {
                tracing::info!(status, "fault: failing the request");
                api::flex_error(status, "SYSTEM_ERROR", "Injected failure.", Vec::new())
            }
            None => route(&shared, req).await,
        };
        let elapsed_us = started.elapsed().as_micros();
        match reply.reason {
            Some(reason) => tracing::info!(status = reply.status, reason, elapsed_us, "answered"),
            None => tracing::info!(status = reply.status, elapsed_us, "answered"),
        }
        Ok(into_response(reply, cors))
    }
    .instrument(span)
    .await
}

async fn route(shared: &Shared, req: Request<Incoming>) -> Reply {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let not_allowed = || api::flex_error(405, "METHOD_NOT_ALLOWED", "Method not allowed.", Vec::new());
    if let Some(kid) = path.strip_prefix(PUBLIC_KEYS_PREFIX) {
        return if method == Method::GET { api::public_key(shared, kid) } else { not_allowed() };
    }
    match path.as_str() {
        // CORS preflight: browsers post the JWE cross-origin, as with the real service.
        TOKENS_PATH if method == Method::OPTIONS => Reply::empty(204),
        SESSIONS_PATH | TOKENS_PATH if method != Method::POST => not_allowed(),
        SESSIONS_PATH => {
            // The target URI's authority (HTTP/2 `:authority`, or an absolute-form HTTP/1.1 target) wins over
            // `Host` (RFC 9110 §7.2); it is the host, with its port, that the client signed.
            let authority = req
                .uri()
                .authority()
                .map(|a| a.as_str().to_owned())
                .or_else(|| req.headers().get(HOST).and_then(|h| h.to_str().ok()).map(str::to_owned));
            let path_and_query =
                req.uri().path_and_query().map_or_else(|| path.clone(), |pq| pq.as_str().to_owned());
            let (parts, body) = req.into_parts();
            let body = match read_body(body).await {
                Ok(b) => b,
                Err(reply) => return reply,
            };
            let Some(authority) = authority else {
                return api::flex_error(400, "MISSING_HOST", "The request has no Host.", Vec::new());
            };
            let headers: Vec<(&str, &str)> =
                parts.headers.iter().filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?))).collect();
            let request = RequestParts {
                method: parts.method.as_str(),
                authority: &authority,
                path_and_query: &path_and_query,
                headers: &headers,
                body: &body,
            };
            api::create_session(shared, request).await
        }
        TOKENS_PATH => match read_body(req.into_body()).await {
            Ok(body) => api::tokenize(shared, &body),
            Err(reply) => reply,
        },
        _ => api::flex_error(404, "NOT_FOUND", "Not found.", Vec::new()),
    }
}

async fn read_body(body: Incoming) -> Result<Bytes, Reply> {
    match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(_) => Err(api::flex_error(
            413,
            "PAYLOAD_TOO_LARGE",
            "The request body is too large or was cut short.",
            Vec::new(),
        )),
    }
}

fn into_response(reply: Reply, cors: bool) -> Response<Full<Bytes>> {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let digest = reply.digest.then(|| api::digest_header(&reply.body));
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
    if let Some(d) = digest.and_then(|d| HeaderValue::from_str(&d).ok()) {
        headers.insert("digest", d);
    }
    if let Some(id) = reply.correlation_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        headers.insert("v-c-correlation-id", id);
    }
    if cors {
        // The unauthenticated endpoints a browser calls: any origin may post a JWE or read a key.
        headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        headers.insert("access-control-allow-methods", HeaderValue::from_static("GET, POST, OPTIONS"));
        headers.insert("access-control-allow-headers", HeaderValue::from_static("content-type, accept"));
        headers
            .insert("access-control-expose-headers", HeaderValue::from_static("digest, v-c-correlation-id"));
    }
    response
}
