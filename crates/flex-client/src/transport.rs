//! HTTP transport: one pooled hyper client (HTTP/1.1 and HTTP/2 by ALPN, rustls with the provider the crate's
//! features select: ring, aws-lc-rs or AWS-LC's FIPS module; see [`crypto::tls_provider`]), time
//! limits (per attempt, and an operation deadline over every attempt and backoff), a response-size cap and
//! retries with full-jitter backoff.

use core::time::Duration;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Request};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::pki_types::CertificateDer;
use tracing::Instrument as _;

use crate::cause;
use crate::config::RetryPolicy;
use crate::connect::{Connector, Resolver};
use crate::crypto;
use crate::error::{Error, ErrorKind, Message, Source};
use crate::proxy::Routes;

/// A complete answer: status, headers and the whole (size-capped) body.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    /// The HTTP version of the answer (HTTP/2 when TLS ALPN chose `h2`).
    pub(crate) version: http::Version,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The error for a non-success answer (401: authentication, else API), with the correlation id.
    pub(crate) fn into_error(self) -> Error {
        let header_id = self.header("v-c-correlation-id").map(str::to_owned);
        Error::from_response(self.status, header_id, &self.body)
    }
}

/// Whether a request may be repeated after it possibly reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// `GET`: retried on transport failures, timeouts, 5xx and 429.
    Idempotent,
    /// `POST`: retried only when it certainly never left the client (connect failure).
    NotIdempotent,
    /// A payment: one attempt, never retried, whatever the failure or the answer. (hyper-util's pool may still
    /// hand the same request to a second connection when the pooled one it was given turned out closed before
    /// any byte of the request was written: the request itself is then given back unsent.)
    Never,
}

/// Transport settings.
#[derive(Debug, Clone)]
pub(crate) struct TransportConfig {
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) max_response_bytes: usize,
    pub(crate) retry: RetryPolicy,
    pub(crate) pool_idle_timeout: Duration,
    pub(crate) pool_max_idle_per_host: usize,
    /// HTTP/2 without ALPN (plain `http://`), e.g. to the sandbox; TLS connections negotiate by ALPN anyway.
    pub(crate) http2_prior_knowledge: bool,
    /// Whether TLS connections offer `h2` by ALPN (beside `http/1.1`).
    pub(crate) alpn_http2: bool,
}

pub(crate) struct Transport {
    client: HyperClient<HttpsConnector<Connector>, Full<Bytes>>,
    config: TransportConfig,
    /// rustls's `ClientConfig::fips()` for the TLS configuration every connection uses.
    tls_fips: bool,
}

impl core::fmt::Debug for Transport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Transport")
            .field("config", &self.config)
            .field("tls_provider", &crypto::TLS_PROVIDER)
            .field("tls_fips", &self.tls_fips)
            .finish_non_exhaustive()
    }
}

/// The end of one client operation (aws-sdk-rust's "operation timeout"): every attempt and every backoff sleep of
/// it must be over by then. Separate from the per-attempt request timeout, which bounds one attempt only.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    /// `None` when the budget is too large for the clock to represent: then there is no deadline.
    at: Option<tokio::time::Instant>,
    budget: Duration,
}

impl Deadline {
    /// A deadline `budget` from now.
    pub(crate) fn after(budget: Duration) -> Self {
        Self { at: tokio::time::Instant::now().checked_add(budget), budget }
    }

    fn has_passed(&self) -> bool {
        self.at.is_some_and(|at| tokio::time::Instant::now() >= at)
    }

    /// Whether a sleep of `delay` starting now would end at or past the deadline.
    fn is_reached_within(&self, delay: Duration) -> bool {
        match (self.at, tokio::time::Instant::now().checked_add(delay)) {
            (Some(at), Some(end)) => end >= at,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// Runs `work` (which may wait for someone else's request, e.g. a single-flight key fetch) under the
    /// deadline: if it is still running then, it is dropped and the operation fails with `waiting` named.
    pub(crate) async fn bound<T>(
        &self,
        waiting: &'static str,
        work: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        match self.at {
            Some(at) => tokio::time::timeout_at(at, work).await.unwrap_or_else(|_| {
                Err(Error::timeout(
                    self.budget,
                    format!("operation deadline of {} expired while {waiting}", human(self.budget)),
                    None,
                ))
            }),
            None => work.await,
        }
    }

    /// The error for an operation with `host` cut off by the deadline after `attempts` attempts (started ones).
    fn expired(&self, attempts: u32, host: &str) -> Error {
        Error::timeout(
            self.budget,
            format!(
                "operation deadline of {} expired after {} (host {host})",
                human(self.budget),
                attempts_text(attempts)
            ),
            None,
        )
    }

    /// The error when the backoff before another attempt would end past the deadline; `last` is why the last
    /// attempt failed.
    fn leaves_no_retry(&self, attempts: u32, last: Error) -> Error {
        Error::timeout(
            self.budget,
            format!(
                "operation deadline of {} would expire before a retry, after {}",
                human(self.budget),
                attempts_text(attempts)
            ),
            Some(last),
        )
    }
}

/// `1 attempt`, `2 attempts`.
fn attempts_text(n: u32) -> String {
    if n == 1 { "1 attempt".to_owned() } else { format!("{n} attempts") }
}

/// A duration for a message: whole seconds as `30 s`, anything else in milliseconds.
pub(crate) fn human(d: Duration) -> String {
    if d.subsec_nanos() == 0 { format!("{} s", d.as_secs()) } else { format!("{} ms", d.as_millis()) }
}

/// One failed attempt, and whether the request certainly never reached the server.
struct Failure {
    error: Error,
    not_sent: bool,
    /// The same attempt would fail the same way (an untrusted certificate, a proxy refusing `CONNECT`).
    permanent: bool,
}

impl Transport {
    /// `extra_roots` are trusted beside the webpki (Mozilla) roots, e.g. the sandbox's generated CA.
    /// `routes`: the proxy settings, if any.
    pub(crate) fn new(
        config: TransportConfig,
        extra_roots: Vec<CertificateDer<'static>>,
        routes: Option<Routes>,
    ) -> Result<Self, Error> {
        let mut http = HttpConnector::new_with_resolver(Resolver::new());
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(config.connect_timeout));
        let provider = Arc::new(crypto::tls_provider());
        let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        for cert in extra_roots {
            roots.add(cert).map_err(|e| {
                Error::with_source(ErrorKind::Configuration, "an extra root certificate is not usable", e)
            })?;
        }
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::with_source(ErrorKind::Configuration, "cannot set up TLS", e))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let tls_fips = tls.fips();
        tracing::debug!(
            tls_provider = crypto::TLS_PROVIDER,
            tls_fips,
            jose_provider = crypto::JOSE_PROVIDER,
            "TLS configured"
        );
        let builder = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls).https_or_http();
        // ALPN offers `h2` then `http/1.1`, or only `http/1.1`.
        let https = if config.alpn_http2 {
            builder.enable_http1().enable_http2().wrap_connector(Connector::new(http, routes))
        } else {
            builder.enable_http1().wrap_connector(Connector::new(http, routes))
        };
        let client = HyperClient::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(config.pool_idle_timeout)
            .pool_max_idle_per_host(config.pool_max_idle_per_host)
            .http2_only(config.http2_prior_knowledge)
            .build(https);
        Ok(Self { client, config, tls_fips })
    }

    /// Whether the TLS configuration is FIPS-compatible (rustls's `ClientConfig::fips()`: a FIPS provider and
    /// the TLS settings NIST requires, such as extended master secret for TLS 1.2).
    pub(crate) fn tls_fips(&self) -> bool {
        self.tls_fips
    }

    /// Sends the request `make` builds, retrying per policy, all before `deadline`. `make` is called once per
    /// attempt, so each attempt carries a fresh `Date` and signature. Any status comes back as `Ok`, except that
    /// a retried idempotent request returns its last answer (also when the deadline leaves no time to retry).
    ///
    /// No attempt and no backoff sleep starts unless it can end before the deadline; an attempt still running
    /// at the deadline is abandoned with an operation-deadline [`ErrorKind::Timeout`].
    pub(crate) async fn send(
        &self,
        idempotency: Idempotency,
        make: &(dyn Fn() -> Result<Request<Full<Bytes>>, Error> + Send + Sync),
        deadline: &Deadline,
    ) -> Result<Response, Error> {
        let retry = self.config.retry;
        let mut attempt: u32 = 0;
        loop {
            let request = make()?;
            let host = request.uri().authority().map(|a| a.as_str().to_owned()).unwrap_or_default();
            if deadline.has_passed() {
                return Err(deadline.expired(attempt, &host));
            }
            let span = tracing::debug_span!(
                "flex_http",
                method = %request.method(),
                path = %request.uri().path(),
                attempt,
            );
            let started = std::time::Instant::now();
            let exchange = self.attempt(request).instrument(span.clone());
            let outcome = match deadline.at {
                Some(at) => match tokio::time::timeout_at(at, exchange).await {
                    Ok(outcome) => outcome,
                    Err(_) => {
                        span.in_scope(|| tracing::info!("operation deadline expired during the attempt"));
                        return Err(deadline.expired(attempt.saturating_add(1), &host));
                    }
                },
                None => exchange.await,
            };
            let elapsed_ms = started.elapsed().as_millis();
            let may_retry = attempt < retry.max_retries;
            let delay = retry.delay(attempt, crypto::random_u64());
            let no_time_to_retry = deadline.is_reached_within(delay);
            match outcome {
                Ok(response) => {
                    let transient = response.status >= 500 || response.status == 429;
                    span.in_scope(|| {
                        tracing::debug!(
                            status = response.status,
                            version = ?response.version,
                            elapsed_ms,
                            "answered"
                        );
                    });
                    if transient && may_retry && idempotency == Idempotency::Idempotent && !no_time_to_retry {
                        span.in_scope(|| {
                            tracing::info!(status = response.status, "retrying after a transient status")
                        });
                    } else {
                        return Ok(response);
                    }
                }
                Err(Failure { error, not_sent, permanent }) => {
                    let retryable = !permanent
                        && match idempotency {
                            Idempotency::Idempotent => not_sent || error.is_transient(),
                            Idempotency::NotIdempotent => not_sent,
                            Idempotency::Never => false,
                        };
                    span.in_scope(|| tracing::info!(kind = ?error.kind(), not_sent, retryable, elapsed_ms, "request failed"));
                    if !(retryable && may_retry) {
                        return Err(error);
                    }
                    if no_time_to_retry {
                        return Err(deadline.leaves_no_retry(attempt.saturating_add(1), error));
                    }
                }
            }
            tokio::time::sleep(delay).await;
            attempt = attempt.saturating_add(1);
        }
    }

    async fn attempt(&self, request: Request<Full<Bytes>>) -> Result<Response, Failure> {
        let limit = self.config.max_response_bytes;
        let host = request.uri().authority().map(|a| a.as_str().to_owned()).unwrap_or_default();
        let connect_timeout = self.config.connect_timeout;
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| {
                let not_sent = e.is_connect();
                let cause = cause::describe(&e, &host, not_sent, connect_timeout);
                let source: Source = Arc::new(e);
                let error = Error::root_cause(cause.kind, cause.message, cause.limit, Some(source));
                Failure { error, not_sent, permanent: cause.permanent }
            })?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, limit).collect().await.map_err(|e| {
                let too_large = e.downcast_ref::<http_body_util::LengthLimitError>().is_some();
                let error = if too_large {
                    Error::with_source(
                        ErrorKind::InvalidResponse,
                        "the response body exceeds the size limit",
                        Message("response too large"),
                    )
                } else {
                    Error::with_source(
                        ErrorKind::Transport,
                        "the response body could not be read",
                        Message("body read failed"),
                    )
                };
                Failure { error, not_sent: false, permanent: false }
            })?;
            Ok(Response {
                status: parts.status.as_u16(),
                version: parts.version,
                headers: parts.headers,
                body: body.to_bytes(),
            })
        };
        match tokio::time::timeout(self.config.request_timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(Failure {
                error: Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "attempt timed out after {} (the per-attempt request timeout, response body included; host {host})",
                        human(self.config.request_timeout)
                    ),
                ),
                not_sent: false,
                permanent: false,
            }),
        }
    }
}
