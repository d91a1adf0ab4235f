//! The hyper server: listener, connections (HTTP/1.1 and HTTP/2), routing, graceful shutdown.

use core::fmt;
use core::future::Future;
use core::time::Duration;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use bytes::Bytes;
use flex_auth::{KeyStore, Verifier};
use http::header::{CONNECTION, CONTENT_TYPE, HOST, HeaderValue, TRANSFER_ENCODING};
use http::{HeaderMap, Method, Request, Response, StatusCode, Version};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tracing::Instrument as _;

use crate::api::{
    self, MICROFORM_SESSIONS_PATH, PUBLIC_KEYS_PREFIX, Reply, RequestParts, SESSIONS_PATH, Shared,
    TOKENS_PATH,
};
use crate::config::{Merchant, SandboxConfig};
use crate::crypto::CpuPool;
use crate::error::SandboxError;
use crate::faults::Faults;
use crate::keys::{KeyPool, KeySource, SigningKeys};
use crate::payments::{self, PAYMENT_PREFIX, PAYMENTS_PATH};
use crate::state::{IssuedTokens, Payments, ReplayCache, Sessions};

/// Largest body of `POST /flex/v2/sessions` and `POST /microform/v2/sessions` (a real one is under 1 KiB: a few
/// field paths, or up to nine target origins and the card networks).
const MAX_SESSIONS_BODY: usize = 16 * 1024;
/// Largest body of a request that needs none (`GET /pts/v2/payments/{id}`).
const MAX_EMPTY_BODY: usize = 1024;
/// Most requests in flight at once on one HTTP/2 connection (`SETTINGS_MAX_CONCURRENT_STREAMS`). Each holds a
/// request head (up to the head limit), its body so far and a handler; the SDKs and a Microform page run one to
/// a few requests at a time on a connection, so 16 leaves them room while one connection's share of memory and
/// of the CPU queues stays about a sixth of what the usual h2 setting (100) would allow.
const MAX_STREAMS_PER_CONNECTION: u32 = 16;
/// HTTP/2 flow-control windows (`SETTINGS_INITIAL_WINDOW_SIZE` and the connection window): the most body bytes
/// a client may send that the sandbox has not read yet, which h2 buffers. One window holds the largest tokens
/// body; the connection window bounds what one connection's unread streams hold together.
const H2_STREAM_WINDOW: u32 = 64 * 1024;
const H2_CONNECTION_WINDOW: u32 = 64 * 1024;
/// How long a connection's every request must have been waiting for its body before the connection counts as
/// stalled, and may be closed to make room for a new connection when the cap is reached. A real body arrives
/// in milliseconds on loopback.
const STALLED_BODY: Duration = Duration::from_secs(3);
/// File descriptors left to the rest of the process (listener, runtime, log files, other sandboxes and
/// clients in a test binary) before the connection cap is derived from the descriptor limit.
const RESERVED_DESCRIPTORS: u64 = 32;
/// The smallest budget of buffered request bytes: the largest head and the largest body must fit together.
const MIN_BUFFERED_REQUEST_BYTES: usize = 128 * 1024;
/// How long an idle connection told to close may take to do so (HTTP/2 sends a GOAWAY first) before it is
/// dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// How long a refused connection is kept to read what the client already sent, so that closing it does not
/// reset the connection before the client reads the `503`.
const REFUSAL_LINGER: Duration = Duration::from_millis(500);
/// How long a connection admitted over the cap waits for the place of the idle connection closed for it.
const EVICTION_WAIT: Duration = Duration::from_secs(1);
/// Most connections over the cap held at once (refusals lingering, or waiting for an evicted connection's
/// place); past that, a connection over the cap is closed at once.
const MAX_OVERFLOW: usize = 64;
/// First and longest pause of the accept loop after an accept error (e.g. out of file descriptors).
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);
/// The smallest request-head limit: hyper's HTTP/1 read buffer cannot be smaller.
const MIN_HEADER_BYTES: usize = 8 * 1024;
/// The largest request-head limit accepted in the configuration.
const MAX_HEADER_BYTES: usize = 1024 * 1024;

/// The limits of the HTTP layer, set through [`SandboxConfig`]'s methods (which document each one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HttpLimits {
    pub(crate) header_read_timeout: Duration,
    pub(crate) body_read_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) tls_handshake_timeout: Duration,
    pub(crate) max_header_bytes: usize,
    pub(crate) max_connections: usize,
    pub(crate) max_buffered_request_bytes: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            tls_handshake_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            max_connections: 1024,
            max_buffered_request_bytes: 32 << 20,
        }
    }
}

impl HttpLimits {
    fn validate(&self) -> Result<(), SandboxError> {
        let timeouts =
            [self.header_read_timeout, self.body_read_timeout, self.idle_timeout, self.tls_handshake_timeout];
        if timeouts.iter().any(Duration::is_zero) {
            return Err(SandboxError::InvalidConfig("HTTP timeouts must be longer than zero"));
        }
        if !(MIN_HEADER_BYTES..=MAX_HEADER_BYTES).contains(&self.max_header_bytes) {
            return Err(SandboxError::InvalidConfig("max_request_header_bytes must be 8 KiB to 1 MiB"));
        }
        if self.max_connections == 0 {
            return Err(SandboxError::InvalidConfig("max_connections must be at least 1"));
        }
        // The semaphore that counts the bytes holds at most `usize::MAX >> 3` permits.
        if !(MIN_BUFFERED_REQUEST_BYTES..=(usize::MAX >> 3)).contains(&self.max_buffered_request_bytes) {
            return Err(SandboxError::InvalidConfig("max_buffered_request_bytes must be at least 128 KiB"));
        }
        Ok(())
    }

    /// The hyper connection builder: HTTP/1.1 and HTTP/2 (prior knowledge, or ALPN `h2`) with these limits.
    fn connection_builder(&self) -> auto::Builder<TokioExecutor> {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            // Also times the wait for the next request on a kept-alive connection: hyper starts the timer
            // whenever the connection is ready for a request head.
            .header_read_timeout(self.header_read_timeout)
            // A request head that does not fit in the read buffer is answered `431` and the connection closed
            // (hyper 1.x: the parser's too-large error, which the server maps to 431). Invariant: `validate`
            // keeps the value at or above hyper's 8 KiB minimum, under which this call panics.
            .max_buf_size(self.max_header_bytes);
        builder
            .http2()
            .timer(TokioTimer::new())
            // The h2 crate answers a larger header list with `431` on that stream.
            .max_header_list_size(u32::try_from(self.max_header_bytes).unwrap_or(u32::MAX))
            .max_concurrent_streams(MAX_STREAMS_PER_CONNECTION)
            .initial_stream_window_size(H2_STREAM_WINDOW)
            .initial_connection_window_size(H2_CONNECTION_WINDOW)
            .adaptive_window(false)
            // Pings find peers that vanished while a request is in flight.
            .keep_alive_interval(self.idle_timeout)
            .keep_alive_timeout(self.header_read_timeout);
        builder
    }
}

/// The process's soft limit on open file descriptors, where it can be read without `unsafe` (Linux:
/// `/proc/self/limits`); `None` elsewhere or when unlimited.
fn descriptor_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find_map(|l| l.strip_prefix("Max open files"))?;
    line.split_whitespace().next()?.parse().ok()
}

/// The connection cap in force and the overflow allowance (connections over the cap held for a moment). With a
/// descriptor limit, [`RESERVED_DESCRIPTORS`] are left to the rest of the process first; of what remains, the
/// cap takes at most three quarters and the overflow at most a sixteenth, so the two together never reach the
/// limit. Each is at least one.
fn connection_budget(configured: usize, descriptor_limit: Option<u64>) -> (usize, usize) {
    match descriptor_limit {
        Some(limit) => {
            let usable = usize::try_from(limit.saturating_sub(RESERVED_DESCRIPTORS)).unwrap_or(usize::MAX);
            (configured.min(usable - usable / 4).max(1), MAX_OVERFLOW.min(usable / 16).max(1))
        }
        None => (configured, MAX_OVERFLOW),
    }
}

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
    if config.max_transient_tokens == 0 {
        return Err(SandboxError::InvalidConfig("max_transient_tokens must be at least 1"));
    }
    config.http.validate()?;
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

    let cpu = CpuPool::per_core(config.max_cpu_queue.max(1));
    let (keys, pool) = match config.test_keys {
        Some(keys) => (KeySource::Fixed { keys, next: AtomicUsize::new(0) }, None),
        None => {
            let pool = Arc::new(KeyPool::new(config.key_pool_size, cpu.clone()));
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
        jwt_replays: Mutex::new(ReplayCache::new(config.max_replay_entries, config.max_replay_bytes)),
        issued_tokens: Mutex::new(IssuedTokens::new(config.max_transient_tokens)),
        payments: Mutex::new(Payments::new(config.max_payments)),
        signing: RwLock::new(signing),
        keys,
        faults: Faults::default(),
        cpu,
    });
    let refill = pool.map(|p| tokio::spawn(p.refill()));
    let (stop, stopped) = watch::channel(false);
    let server = tokio::spawn(accept_loop(
        listener,
        acceptor,
        Arc::clone(&shared),
        stopped,
        config.shutdown_grace,
        config.http,
    ));
    tracing::info!(%base_url, "flex sandbox listening");
    Ok(RunningSandbox { addr, base_url, ca_pem, shared, stop, server: Some(server), refill })
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut stopped: watch::Receiver<bool>,
    grace: Duration,
    limits: HttpLimits,
) {
    let (max_connections, overflow) = connection_budget(limits.max_connections, descriptor_limit());
    tracing::debug!(max_connections, overflow, "connection cap");
    let server = Arc::new(Server {
        builder: limits.connection_builder(),
        shared,
        limits,
        stopped: stopped.clone(),
        slots: Arc::new(Semaphore::new(max_connections)),
        budget: Arc::new(Semaphore::new(limits.max_buffered_request_bytes)),
        overflow: Arc::new(Semaphore::new(overflow)),
        open: Mutex::new(Registry::default()),
    });
    let mut connections = JoinSet::new();
    let mut backoff: Option<Duration> = None;
    let mut refusing = false;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.wait_for(|stop| *stop) => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(err) => {
                // Out of file descriptors (EMFILE, ENFILE) or another accept error: pause, longer each time
                // it repeats, instead of spinning on a listener that stays readable.
                let delay = backoff.map_or(ACCEPT_BACKOFF_MIN, |d| (d * 2).min(ACCEPT_BACKOFF_MAX));
                if backoff.is_none() {
                    tracing::warn!(error = %err, "accept failed; backing off");
                }
                backoff = Some(delay);
                tokio::select! {
                    () = tokio::time::sleep(delay) => continue,
                    _ = stopped.wait_for(|stop| *stop) => break,
                }
            }
        };
        backoff = None;
        // Forget finished connections so the set stays as small as the open ones.
        while connections.try_join_next().is_some() {}
        let admission = match Arc::clone(&server.slots).try_acquire_owned() {
            Ok(slot) => Admission::Now(slot),
            Err(_) => {
                // Over the cap: close the connection that has waited longest without a request, and let this
                // one take its place; refuse this one if every connection has a request in flight.
                let Ok(extra) = Arc::clone(&server.overflow).try_acquire_owned() else {
                    continue; // Dropping the stream closes it at once.
                };
                if server.evict_idlest() {
                    Admission::AfterEviction(extra)
                } else {
                    if !refusing {
                        tracing::warn!(
                            max_connections,
                            "connection cap reached, all busy; refusing connections"
                        );
                        refusing = true;
                    }
                    if acceptor.is_none() {
                        connections.spawn(refuse(stream, extra));
                    }
                    continue;
                }
            }
        };
        refusing = false;
        connections.spawn(Arc::clone(&server).run(stream, peer, acceptor.clone(), admission));
    }
    drop(listener);
    let drained =
        tokio::time::timeout(grace, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!("shutdown grace period over; closing remaining connections");
        connections.abort_all();
    }
}

/// Answers a plain-HTTP connection over the cap with a minimal `503` (in the Flex error shape) and closes it
/// once the client's request has been read for a moment, so that the close does not reset the connection
/// before the client reads the answer. (HTTPS connections over the cap are closed at once.)
async fn refuse(mut stream: TcpStream, _overflow: OwnedSemaphorePermit) {
    let reply =
        api::flex_error(503, "TOO_MANY_CONNECTIONS", "Too many open connections; retry later.", Vec::new());
    let mut answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\nretry-after: 1\r\ncontent-type: {}\r\n\
         content-length: {}\r\n\r\n",
        reply.content_type,
        reply.body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&reply.body);
    let _ = tokio::time::timeout(REFUSAL_LINGER, async {
        stream.write_all(&answer).await?;
        stream.shutdown().await?;
        let mut sink = [0_u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<_, std::io::Error>(())
    })
    .await;
}

/// How a connection got in.
enum Admission {
    /// Under the cap: its place.
    Now(OwnedSemaphorePermit),
    /// Over the cap, after an idle connection was told to close: an overflow place until that one's is free.
    AfterEviction(OwnedSemaphorePermit),
}

/// What every connection shares.
struct Server {
    builder: auto::Builder<TokioExecutor>,
    shared: Arc<Shared>,
    limits: HttpLimits,
    stopped: watch::Receiver<bool>,
    /// One permit per connection under the cap.
    slots: Arc<Semaphore>,
    /// Connections held over the cap for a moment.
    overflow: Arc<Semaphore>,
    /// One permit per request byte held in memory (heads of requests in flight, bodies read so far).
    budget: Arc<Semaphore>,
    open: Mutex<Registry>,
}

/// The open connections, to choose one to close when the cap is reached.
#[derive(Default)]
struct Registry {
    next_id: u64,
    open: std::collections::HashMap<u64, (watch::Receiver<Activity>, Arc<Notify>)>,
}

/// A connection's entry in the [`Registry`], removed when dropped.
struct Registration {
    server: Arc<Server>,
    id: u64,
    activity: Arc<watch::Sender<Activity>>,
    evicted: Arc<Notify>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.server.open.lock().unwrap_or_else(PoisonError::into_inner).open.remove(&self.id);
    }
}

impl Server {
    fn register(self: &Arc<Self>) -> Registration {
        let activity = Arc::new(watch::Sender::new(Activity {
            in_flight: 0,
            idle_since: Instant::now(),
            served: false,
            reading: 0,
            reading_since: Instant::now(),
        }));
        let evicted = Arc::new(Notify::new());
        let mut registry = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let id = registry.next_id;
        registry.next_id += 1;
        registry.open.insert(id, (activity.subscribe(), Arc::clone(&evicted)));
        Registration { server: Arc::clone(self), id, activity, evicted }
    }

    /// Tells the connection that has waited longest to close: first one without a request in flight that never
    /// sent a complete request head (a silent or slow client), else the longest idle, else one whose every
    /// request has waited at least [`STALLED_BODY`] for its body (the longest stalled). `false` if every
    /// connection is doing real work.
    fn evict_idlest(&self) -> bool {
        let now = Instant::now();
        let mut registry = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let idlest = registry
            .open
            .iter()
            .filter_map(|(id, (activity, _))| {
                let a = *activity.borrow();
                if a.in_flight == 0 {
                    Some((u8::from(a.served), a.idle_since, *id))
                } else if a.in_flight == a.reading && now.duration_since(a.reading_since) >= STALLED_BODY {
                    Some((2, a.reading_since, *id))
                } else {
                    None
                }
            })
            .min();
        let Some((_, _, id)) = idlest else { return false };
        if let Some((_, evicted)) = registry.open.remove(&id) {
            evicted.notify_one();
        }
        true
    }

    /// A connection from admission to close.
    async fn run(
        self: Arc<Self>,
        stream: TcpStream,
        peer: SocketAddr,
        acceptor: Option<TlsAcceptor>,
        admission: Admission,
    ) {
        let _slot = match admission {
            Admission::Now(slot) => slot,
            Admission::AfterEviction(_overflow) => {
                match tokio::time::timeout(EVICTION_WAIT, Arc::clone(&self.slots).acquire_owned()).await {
                    Ok(Ok(slot)) => slot,
                    _ => return,
                }
            }
        };
        let registration = self.register();
        let mut stopped = self.stopped.clone();
        match acceptor {
            None => self.serve(stream, peer, registration).await,
            Some(acceptor) => {
                // The handshake runs in the connection's task, so a slow or failed one never holds up the
                // accept loop; a failure only ends that connection.
                let handshake =
                    tokio::time::timeout(self.limits.tls_handshake_timeout, acceptor.accept(stream));
                let stream = tokio::select! {
                    done = handshake => match done {
                        Ok(Ok(stream)) => stream,
                        Ok(Err(err)) => {
                            tracing::debug!(%peer, error = %err, "TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!(%peer, "TLS handshake timed out");
                            return;
                        }
                    },
                    () = registration.evicted.notified() => return,
                    _ = stopped.wait_for(|stop| *stop) => return,
                };
                let alpn = stream.get_ref().1.alpn_protocol().map(String::from_utf8_lossy);
                tracing::debug!(%peer, alpn = ?alpn, "TLS handshake done");
                // The handshake counts as the wait for the first request head.
                registration.activity.send_modify(|a| a.idle_since = Instant::now());
                self.serve(stream, peer, registration).await;
            }
        }
    }

    /// Serves HTTP on `io` until the client closes, the connection is idle too long or evicted, or the
    /// sandbox stops.
    async fn serve<I>(&self, io: I, peer: SocketAddr, registration: Registration)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let watched = registration.activity.subscribe();
        let ctx = Arc::new(ConnCtx {
            shared: Arc::clone(&self.shared),
            body_timeout: self.limits.body_read_timeout,
            budget: Arc::clone(&self.budget),
            activity: Arc::clone(&registration.activity),
            close: Notify::new(),
        });
        let service = {
            let ctx = Arc::clone(&ctx);
            service_fn(move |req| {
                let in_flight = InFlight::start(&ctx.activity);
                handle(Arc::clone(&ctx), in_flight, req)
            })
        };
        let mut stopped = self.stopped.clone();
        let conn = self.builder.serve_connection(TokioIo::new(io), service);
        let mut conn = core::pin::pin!(conn);
        let short = tokio::select! {
            result = conn.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!(%peer, error = %err, "connection ended with an error");
                }
                return;
            }
            () = idle_expired(watched, self.limits) => {
                tracing::debug!(%peer, "closing an idle connection");
                true
            }
            () = ctx.close.notified() => {
                tracing::debug!(%peer, "closing an HTTP/2 connection after a body timeout");
                true
            }
            () = registration.evicted.notified() => {
                tracing::debug!(%peer, "closing a connection to make room for a new one");
                return;
            }
            _ = stopped.wait_for(|stop| *stop) => false,
        };
        conn.as_mut().graceful_shutdown();
        let result = if short {
            // Idle: no request is in flight, HTTP/1.1 closes at once, HTTP/2 after its GOAWAY. After a body
            // timeout: the GOAWAY goes out with the `408`, the other streams get a moment to finish. Either way
            // a peer that reads nothing is not waited for long.
            tokio::time::timeout(CLOSE_GRACE, conn).await.unwrap_or(Ok(()))
        } else {
            // Open requests finish; the accept loop bounds the wait by the shutdown grace period.
            conn.await
        };
        if let Err(err) = result {
            tracing::debug!(%peer, error = %err, "connection ended with an error");
        }
    }
}

/// What a connection is doing, for the idle timeout.
#[derive(Clone, Copy, Debug)]
struct Activity {
    /// Requests whose head has been read and whose answer is not yet made.
    in_flight: usize,
    /// When `in_flight` last became zero (or the connection was set up).
    idle_since: Instant,
    /// Whether a request head has been read on this connection.
    served: bool,
    /// Requests in flight waiting for (the rest of) their body.
    reading: usize,
    /// When `reading` last became non-zero.
    reading_since: Instant,
}

/// What the requests of one connection share.
struct ConnCtx {
    shared: Arc<Shared>,
    body_timeout: Duration,
    budget: Arc<Semaphore>,
    activity: Arc<watch::Sender<Activity>>,
    /// Notified to close the connection (HTTP/2, after a body timeout).
    close: Notify,
}

/// One request in flight on a connection, from its head being read to its answer being made.
struct InFlight(Arc<watch::Sender<Activity>>);

impl InFlight {
    fn start(activity: &Arc<watch::Sender<Activity>>) -> Self {
        activity.send_modify(|a| {
            a.in_flight += 1;
            a.served = true;
        });
        Self(Arc::clone(activity))
    }
}

impl InFlight {
    /// Marks this request as waiting for its body until the guard is dropped.
    fn reading(&self) -> Reading {
        self.0.send_modify(|a| {
            if a.reading == 0 {
                a.reading_since = Instant::now();
            }
            a.reading += 1;
        });
        Reading(Arc::clone(&self.0))
    }
}

/// A request waiting for its body (see [`InFlight::reading`]).
struct Reading(Arc<watch::Sender<Activity>>);

impl Drop for Reading {
    fn drop(&mut self) {
        self.0.send_modify(|a| a.reading = a.reading.saturating_sub(1));
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.send_modify(|a| {
            a.in_flight = a.in_flight.saturating_sub(1);
            if a.in_flight == 0 {
                a.idle_since = Instant::now();
            }
        });
    }
}

/// Completes once the connection has had no request in flight for too long: the header-read timeout
/// before its first request head (HTTP/2 prior knowledge, a request line, or nothing at all), the idle
/// timeout after that. A head that never completes (HTTP/1.1 or HTTP/2) counts as no request.
async fn idle_expired(mut activity: watch::Receiver<Activity>, limits: HttpLimits) {
    loop {
        let now = *activity.borrow_and_update();
        let changed = if now.in_flight > 0 {
            activity.changed().await
        } else {
            let allowed = if now.served { limits.idle_timeout } else { limits.header_read_timeout };
            tokio::select! {
                () = tokio::time::sleep_until(now.idle_since + allowed) => return,
                changed = activity.changed() => changed,
            }
        };
        if changed.is_err() {
            // The connection (which owns the sender) is gone; so is whoever awaits this.
            core::future::pending::<()>().await;
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

/// One request's handling state: its connection, the budget bytes it holds, whether to close after answering.
struct RequestCtx {
    conn: Arc<ConnCtx>,
    in_flight: InFlight,
    /// The bytes of the budget this request holds (its head, then its body as it arrives).
    held: Option<OwnedSemaphorePermit>,
    /// Close the connection after the answer: the body was left unread, or did not arrive in time.
    close: bool,
}

impl RequestCtx {
    /// Takes `bytes` more from the budget of buffered request bytes; `false` if that would exceed it.
    fn charge(&mut self, bytes: usize) -> bool {
        if bytes == 0 {
            return true;
        }
        let Ok(n) = u32::try_from(bytes) else { return false };
        match Arc::clone(&self.conn.budget).try_acquire_many_owned(n) {
            Ok(permit) => {
                match &mut self.held {
                    Some(held) => held.merge(permit),
                    None => self.held = Some(permit),
                }
                true
            }
            Err(_) => false,
        }
    }
}

/// What a request head costs in the budget: the target, and each field's name and value plus 32 bytes (RFC
/// 9113 §6.5.2's count, also a fair estimate of a header map entry's overhead).
fn head_cost<B>(req: &Request<B>) -> usize {
    req.headers()
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 32)
        .fold(req.uri().to_string().len(), usize::saturating_add)
}

fn over_budget() -> Reply {
    api::flex_error(
        503,
        "SERVICE_UNAVAILABLE",
        "Too many request bytes in flight; try again later.",
        Vec::new(),
    )
}

async fn handle(
    conn: Arc<ConnCtx>,
    in_flight: InFlight,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, DroppedByFault> {
    let started = Instant::now();
    let path = req.uri().path();
    let cors = path == TOKENS_PATH || path.starts_with(PUBLIC_KEYS_PREFIX);
    let http1 = req.version() < Version::HTTP_2;
    let span = tracing::info_span!("request", method = %req.method(), path = %req.uri().path());
    async move {
        let shared = Arc::clone(&conn.shared);
        let mut ctx = RequestCtx { conn, in_flight, held: None, close: false };
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
            None if !ctx.charge(head_cost(&req)) => {
                tracing::warn!("budget of buffered request bytes spent; refusing");
                ctx.close = true;
                over_budget()
            }
            None => route(&mut ctx, req).await,
        };
        let elapsed_us = started.elapsed().as_micros();
        match reply.reason {
            Some(reason) => tracing::info!(status = reply.status, reason, elapsed_us, "answered"),
            None => tracing::info!(status = reply.status, elapsed_us, "answered"),
        }
        // After a body that did not arrive in time the connection's framing is lost (HTTP/1.1), or its client
        // is holding streams open (HTTP/2): close it. An HTTP/1.1 body left unread closes the connection too.
        if ctx.close && !http1 && reply.status == 408 {
            ctx.conn.close.notify_one();
        }
        Ok(into_response(reply, cors, http1 && ctx.close))
    }
    .instrument(span)
    .await
}

/// Refuses what no route may see: a header value that is not visible ASCII (RFC 9110 §5.5 `field-vchar`, as
/// `http` reads text), which the verifier could not read and so must not be dropped from its view; an HTTP/1.1
/// request without exactly one `Host` (RFC 9112 §3.2); a transfer coding other than `chunked` (RFC 9112 §6.1:
/// `501`). Every route gets the checks, whether or not it reads headers.
fn check_headers(headers: &HeaderMap, version: Version) -> Result<(), Reply> {
    if let Some((name, _)) = headers.iter().find(|(_, v)| v.to_str().is_err()) {
        return Err(api::flex_error(
            400,
            "INVALID_HEADER",
            "A header value is not visible ASCII text.",
            vec![(name.as_str().to_owned(), "The value is not visible ASCII text.".to_owned())],
        ));
    }
    if headers.get_all(HOST).iter().nth(1).is_some() {
        return Err(api::flex_error(
            400,
            "INVALID_HEADER",
            "The request has more than one Host.",
            Vec::new(),
        ));
    }
    if version == Version::HTTP_11 && !headers.contains_key(HOST) {
        return Err(api::flex_error(400, "MISSING_HOST", "The request has no Host.", Vec::new()));
    }
    let unknown_coding = headers
        .get_all(TRANSFER_ENCODING)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or_default().split(','))
        .any(|coding| !coding.trim().eq_ignore_ascii_case("chunked"));
    if unknown_coding {
        return Err(api::flex_error(
            501,
            "NOT_IMPLEMENTED",
            "Only the chunked transfer coding is supported.",
            Vec::new(),
        ));
    }
    Ok(())
}

async fn route(ctx: &mut RequestCtx, req: Request<Incoming>) -> Reply {
    if let Err(reply) = check_headers(req.headers(), req.version()) {
        // The body, if any, is left unread.
        ctx.close = true;
        return reply;
    }
    let shared = Arc::clone(&ctx.conn.shared);
    let shared = &*shared;
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let not_allowed = || api::flex_error(405, "METHOD_NOT_ALLOWED", "Method not allowed.", Vec::new());
    if let Some(kid) = path.strip_prefix(PUBLIC_KEYS_PREFIX) {
        return if method == Method::GET { api::public_key(shared, kid) } else { not_allowed() };
    }
    let payment_id = path.strip_prefix(PAYMENT_PREFIX).map(str::to_owned);
    match path.as_str() {
        // CORS preflight: browsers post the JWE cross-origin, as with the real service.
        TOKENS_PATH if method == Method::OPTIONS => Reply::empty(204),
        SESSIONS_PATH | MICROFORM_SESSIONS_PATH | PAYMENTS_PATH | TOKENS_PATH if method != Method::POST => {
            not_allowed()
        }
        SESSIONS_PATH | MICROFORM_SESSIONS_PATH | PAYMENTS_PATH => {
            let cap = if path == PAYMENTS_PATH { payments::MAX_PAYMENTS_BODY } else { MAX_SESSIONS_BODY };
            authenticated(ctx, req, cap, |shared, parts| {
                Box::pin(async move {
                    match parts.path_and_query.split('?').next().unwrap_or_default() {
                        SESSIONS_PATH => api::create_session(shared, parts).await,
                        MICROFORM_SESSIONS_PATH => api::create_microform_session(shared, parts).await,
                        _ => payments::create_payment(shared, parts).await,
                    }
                })
            })
            .await
        }
        TOKENS_PATH => match read_body(ctx, req.into_body(), api::MAX_TOKENS_BODY).await {
            Ok(body) => api::tokenize(shared, &body).await,
            Err(reply) => reply,
        },
        _ => match payment_id {
            Some(_) if method != Method::GET => not_allowed(),
            Some(id) => {
                authenticated(ctx, req, MAX_EMPTY_BODY, move |shared, parts| {
                    Box::pin(async move { payments::get_payment(shared, parts, &id) })
                })
                .await
            }
            None => api::flex_error(404, "NOT_FOUND", "Not found.", Vec::new()),
        },
    }
}

/// A boxed handler future borrowing the shared state and the request.
type Handler<'s> = core::pin::Pin<Box<dyn Future<Output = Reply> + Send + 's>>;

/// Reads an authenticated endpoint's request (authority, path, every header, body of at most `cap` bytes) and
/// hands it to `handle`.
async fn authenticated<F>(ctx: &mut RequestCtx, req: Request<Incoming>, cap: usize, handle: F) -> Reply
where
    F: for<'s> FnOnce(&'s Shared, RequestParts<'s>) -> Handler<'s>,
{
    let path = req.uri().path().to_owned();
    // The target URI's authority (HTTP/2 `:authority`, or an absolute-form HTTP/1.1 target) wins over
    // `Host` (RFC 9110 §7.2); it is the host, with its port, that the client signed.
    let authority = req
        .uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| req.headers().get(HOST).and_then(|h| h.to_str().ok()).map(str::to_owned));
    let Some(authority) = authority else {
        ctx.close = true;
        return api::flex_error(400, "MISSING_HOST", "The request has no Host.", Vec::new());
    };
    let path_and_query = req.uri().path_and_query().map_or_else(|| path.clone(), |pq| pq.as_str().to_owned());
    let (parts, body) = req.into_parts();
    let body = match read_body(ctx, body, cap).await {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    // Every header, none dropped: `check_headers` has refused values that are not text.
    let headers = match parts
        .headers
        .iter()
        .map(|(n, v)| v.to_str().map(|v| (n.as_str(), v)))
        .collect::<Result<Vec<(&str, &str)>, _>>()
    {
        Ok(headers) => headers,
        Err(_) => {
            return api::flex_error(
                400,
                "INVALID_HEADER",
                "A header value is not visible ASCII text.",
                Vec::new(),
            );
        }
    };
    let request = RequestParts {
        method: parts.method.as_str(),
        authority: &authority,
        path_and_query: &path_and_query,
        headers: &headers,
        body: &body,
    };
    let shared = Arc::clone(&ctx.conn.shared);
    handle(&shared, request).await
}

/// Why a body was not read in full.
enum BodyRefusal {
    TooLarge,
    OverBudget,
}

/// Reads the whole body, at most `cap` bytes within the body timeout (counted from the end of the head).
///
/// A declared `Content-Length` over `cap` is refused (`413`) before anything is read (so HTTP/1.1 sends no
/// `100 Continue`); the bytes are taken from the budget as they arrive (all of a declared length at once), and
/// a body that would exceed it is refused (`503`). Every refusal leaves the rest of the body unread.
async fn read_body(ctx: &mut RequestCtx, mut body: Incoming, cap: usize) -> Result<Bytes, Reply> {
    let too_large = || {
        api::flex_error(
            413,
            "PAYLOAD_TOO_LARGE",
            "The request body is too large or was cut short.",
            Vec::new(),
        )
    };
    // With a `Content-Length`, hyper's hint is exact: its lower bound is the declared length.
    let declared = usize::try_from(hyper::body::Body::size_hint(&body).lower()).unwrap_or(usize::MAX);
    if declared > cap {
        ctx.close = true;
        return Err(too_large());
    }
    if !ctx.charge(declared) {
        tracing::warn!("budget of buffered request bytes spent; refusing a body");
        ctx.close = true;
        return Err(over_budget());
    }
    let _reading = ctx.in_flight.reading();
    let timeout = ctx.conn.body_timeout;
    let mut buf = Vec::with_capacity(declared);
    let mut charged = declared;
    let read = async {
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { return Err(BodyRefusal::TooLarge) };
            let Ok(data) = frame.into_data() else { continue };
            let total = buf.len().saturating_add(data.len());
            if total > cap {
                return Err(BodyRefusal::TooLarge);
            }
            if total > charged {
                if !ctx.charge(total - charged) {
                    return Err(BodyRefusal::OverBudget);
                }
                charged = total;
            }
            buf.extend_from_slice(&data);
        }
        Ok(())
    };
    let result = tokio::time::timeout(timeout, read).await;
    match result {
        Ok(Ok(())) => Ok(Bytes::from(buf)),
        Ok(Err(why)) => {
            ctx.close = true;
            Err(match why {
                BodyRefusal::TooLarge => too_large(),
                BodyRefusal::OverBudget => {
                    tracing::warn!("budget of buffered request bytes spent; refusing a body");
                    over_budget()
                }
            })
        }
        Err(_) => {
            ctx.close = true;
            Err(api::flex_error(
                408,
                "REQUEST_TIMEOUT",
                "The request body did not arrive in time.",
                Vec::new(),
            ))
        }
    }
}

fn into_response(reply: Reply, cors: bool, close: bool) -> Response<Full<Bytes>> {
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
    if close {
        headers.insert(CONNECTION, HeaderValue::from_static("close"));
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

#[cfg(test)]
mod tests {
    use super::{MAX_OVERFLOW, connection_budget};

    #[test]
    fn connection_budget_stays_under_the_descriptor_limit() {
        // Unknown limit: the configured cap.
        assert_eq!(connection_budget(1024, None), (1024, MAX_OVERFLOW));
        // A low limit: the reserve for the process first, then three quarters of the rest for connections and
        // a sixteenth for overflow.
        assert_eq!(connection_budget(1024, Some(256)), (168, 14));
        assert_eq!(connection_budget(100, Some(256)), (100, 14));
        // A high one changes nothing.
        assert_eq!(connection_budget(1024, Some(1 << 20)), (1024, MAX_OVERFLOW));
        // Absurdly low: still one connection; cap and overflow never reach the limit when it leaves room.
        assert_eq!(connection_budget(1024, Some(1)), (1, 1));
        let (cap, overflow) = connection_budget(1024, Some(64));
        assert!(cap + overflow + 32 <= 64, "{cap} + {overflow}");
    }

    #[test]
    fn descriptor_limit_reads_the_soft_limit_where_it_can() {
        let limit = super::descriptor_limit();
        if cfg!(target_os = "linux") {
            assert!(limit.is_none_or(|l| l > 0));
        }
    }
}
