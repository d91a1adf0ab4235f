//! The TCP connector under TLS: DNS through the system resolver (failures tagged with the host), and, when a
//! proxy applies, hyper-util's HTTP `CONNECT` tunnel, with the proxy's answer kept for the error message.

use core::fmt;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::{Arc, Mutex, PoisonError};

use http::Uri;
use hyper::rt::{Read, ReadBuf, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::dns::{GaiAddrs, GaiResolver, Name};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

use crate::proxy::Routes;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Stream = TokioIo<TcpStream>;

/// The system resolver (`getaddrinfo` on a blocking thread), its failures tagged with the name looked up.
#[derive(Clone)]
pub(crate) struct Resolver(GaiResolver);

impl Resolver {
    pub(crate) fn new() -> Self {
        Self(GaiResolver::new())
    }
}

/// A failed DNS lookup.
#[derive(Debug)]
pub(crate) struct DnsFailure {
    pub(crate) host: String,
    cause: std::io::Error,
}

impl fmt::Display for DnsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot resolve host {}", self.host)
    }
}

impl std::error::Error for DnsFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

impl DnsFailure {
    /// The resolver's own words (`Name or service not known`, `Temporary failure in name resolution`).
    pub(crate) fn reason(&self) -> String {
        self.cause.to_string()
    }
}

impl Service<Name> for Resolver {
    type Response = GaiAddrs;
    type Error = DnsFailure;
    type Future = Pin<Box<dyn Future<Output = Result<GaiAddrs, DnsFailure>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), DnsFailure>> {
        self.0.poll_ready(cx).map_err(|cause| DnsFailure { host: String::new(), cause })
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let host = name.as_str().to_owned();
        let lookup = self.0.call(name);
        Box::pin(async move { lookup.await.map_err(|cause| DnsFailure { host, cause }) })
    }
}

/// A failure on the way through a proxy.
#[derive(Debug)]
pub(crate) struct ProxyFailure {
    /// The proxy's `host[:port]` (never credentials).
    pub(crate) proxy: String,
    /// The `host:port` the tunnel was for.
    pub(crate) target: String,
    pub(crate) reason: ProxyReason,
}

/// What went wrong with the proxy.
#[derive(Debug)]
pub(crate) enum ProxyReason {
    /// No TCP connection to the proxy (the source says why: refused, DNS, timeout).
    Connect(BoxError),
    /// The proxy answered `CONNECT` with this status instead of 200 (`None`: not a readable status line).
    Refused(Option<u16>),
    /// The connection to the proxy failed or closed during the `CONNECT` exchange.
    Broken(BoxError),
}

impl fmt::Display for ProxyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            ProxyReason::Connect(_) => write!(f, "cannot connect to proxy {}", self.proxy),
            ProxyReason::Refused(Some(status)) => {
                write!(f, "proxy {} refused CONNECT to {}: {status}", self.proxy, self.target)
            }
            ProxyReason::Refused(None) => {
                write!(f, "proxy {} refused CONNECT to {} (unreadable answer)", self.proxy, self.target)
            }
            ProxyReason::Broken(_) => {
                write!(f, "proxy {} closed the connection during CONNECT to {}", self.proxy, self.target)
            }
        }
    }
}

impl std::error::Error for ProxyFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.reason {
            ProxyReason::Connect(e) | ProxyReason::Broken(e) => Some(&**e),
            ProxyReason::Refused(_) => None,
        }
    }
}

/// The connector handed to hyper-rustls: direct TCP, or a `CONNECT` tunnel through the proxy that applies.
#[derive(Clone)]
pub(crate) struct Connector {
    tcp: HttpConnector<Resolver>,
    routes: Option<Arc<Routes>>,
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector").field("routes", &self.routes).finish_non_exhaustive()
    }
}

impl Connector {
    pub(crate) fn new(tcp: HttpConnector<Resolver>, routes: Option<Routes>) -> Self {
        Self { tcp, routes: routes.map(Arc::new) }
    }
}

impl Service<Uri> for Connector {
    type Response = Stream;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Stream, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.tcp.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, target: Uri) -> Self::Future {
        let routed =
            self.routes.as_ref().and_then(|r| r.route(&target).map(|(route, uri)| (route.clone(), uri)));
        let Some((route, proxy_uri)) = routed else {
            let connecting = self.tcp.call(target);
            return Box::pin(async move { connecting.await.map_err(Into::into) });
        };
        let watch = Arc::new(Mutex::new(Watch::default()));
        let recording = Recording { tcp: self.tcp.clone(), watch: Arc::clone(&watch) };
        let mut tunnel = Tunnel::new(proxy_uri, recording);
        if let Some(auth) = route.auth {
            tunnel = tunnel.with_auth(auth);
        }
        let target_text = match (target.host(), target.port_u16()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) if target.scheme_str() == Some("http") => format!("{host}:80"),
            (Some(host), None) => format!("{host}:443"),
            (None, _) => String::new(),
        };
        tracing::debug!(proxy = %route.authority, target = %target_text, "tunnelling through the proxy");
        Box::pin(async move {
            let outcome = match core::future::poll_fn(|cx| tunnel.poll_ready(cx)).await {
                Ok(()) => tunnel.call(target).await,
                Err(e) => Err(e),
            };
            match outcome {
                Ok(recorded) => Ok(recorded.stream),
                Err(e) => {
                    let seen = watch.lock().unwrap_or_else(PoisonError::into_inner).clone();
                    let reason = if !seen.connected {
                        ProxyReason::Connect(Box::new(e))
                    } else if seen.answer.is_empty() {
                        ProxyReason::Broken(Box::new(e))
                    } else {
                        ProxyReason::Refused(status_code(&seen.answer))
                    };
                    Err(Box::new(ProxyFailure { proxy: route.authority, target: target_text, reason })
                        as BoxError)
                }
            }
        })
    }
}

/// `HTTP/1.1 407 ...` → 407.
fn status_code(answer: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(answer);
    let code = text.strip_prefix("HTTP/")?.split([' ', '\r']).nth(1)?;
    code.parse().ok().filter(|c| (100..1000).contains(c))
}

/// What the tunnel's TCP connection saw: whether it connected, and the first bytes of the proxy's answer.
#[derive(Clone, Default)]
struct Watch {
    connected: bool,
    answer: Vec<u8>,
}

/// How many bytes of the proxy's answer are kept (the status line's start).
const ANSWER_KEPT: usize = 16;

/// The TCP connector under the tunnel, recording into a [`Watch`].
#[derive(Clone)]
struct Recording {
    tcp: HttpConnector<Resolver>,
    watch: Arc<Mutex<Watch>>,
}

impl Service<Uri> for Recording {
    type Response = Recorded;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Recorded, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.tcp.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, proxy: Uri) -> Self::Future {
        let connecting = self.tcp.call(proxy);
        let watch = Arc::clone(&self.watch);
        Box::pin(async move {
            let stream = connecting.await?;
            watch.lock().unwrap_or_else(PoisonError::into_inner).connected = true;
            Ok(Recorded { stream, watch })
        })
    }
}

/// The proxy connection during the `CONNECT` exchange; the plain stream is taken back once the tunnel is up.
struct Recorded {
    stream: Stream,
    watch: Arc<Mutex<Watch>>,
}

impl Read for Recorded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        let mut chunk = [0u8; 1024];
        let room = buf.remaining().min(chunk.len());
        let mut read = ReadBuf::new(chunk.get_mut(..room).unwrap_or_default());
        match Pin::new(&mut self.stream).poll_read(cx, read.unfilled()) {
            Poll::Ready(Ok(())) => {
                let filled = read.filled();
                let mut watch = self.watch.lock().unwrap_or_else(PoisonError::into_inner);
                let keep = ANSWER_KEPT.saturating_sub(watch.answer.len()).min(filled.len());
                watch.answer.extend_from_slice(filled.get(..keep).unwrap_or_default());
                drop(watch);
                buf.put_slice(filled);
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl Write for Recorded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

impl Connection for Recorded {
    fn connected(&self) -> Connected {
        self.stream.connected()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn status_codes_from_answers() {
        assert_eq!(super::status_code(b"HTTP/1.1 407 Proxy Auth"), Some(407));
        assert_eq!(super::status_code(b"HTTP/1.0 403 Forbidden"), Some(403));
        assert_eq!(super::status_code(b"HTTP/1.1 2000 OK"), None);
        assert_eq!(super::status_code(b"SSH-2.0-OpenSSH"), None);
        assert_eq!(super::status_code(b""), None);
    }
}
