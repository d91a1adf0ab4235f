//! The root cause of a failed exchange, in one line naming the host: walks the `source()` chain of hyper,
//! hyper-util, rustls and I/O errors (and into `io::Error` payloads, which `source()` skips) and names what it
//! recognises. Only hosts, ports, statuses and the OS's or rustls's own words reach the text: never a
//! request, a header, a token or proxy credentials.

use core::time::Duration;
use std::error::Error as StdError;
use std::io;

use rustls::CertificateError;

use crate::connect::{DnsFailure, ProxyFailure, ProxyReason};
use crate::error::ErrorKind;
use crate::transport::human;

/// A classified failure.
#[derive(Debug)]
pub(crate) struct Cause {
    pub(crate) kind: ErrorKind,
    /// One line, e.g. `connection refused to 127.0.0.1:9`.
    pub(crate) message: String,
    /// Whether the same attempt would fail again (untrusted certificate, proxy refusal): not worth a retry.
    pub(crate) permanent: bool,
    /// The time limit that was reached, for [`ErrorKind::Timeout`].
    pub(crate) limit: Option<Duration>,
}

impl Cause {
    fn transport(message: String) -> Self {
        Self { kind: ErrorKind::Transport, message, permanent: false, limit: None }
    }

    fn permanent(message: String) -> Self {
        Self { kind: ErrorKind::Transport, message, permanent: true, limit: None }
    }
}

/// The chain below `error`, `error` first; an `io::Error` is followed into its payload.
fn chain<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut out = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        if out.len() >= 32 {
            break;
        }
        out.push(e);
        current = match e.downcast_ref::<io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    out
}

/// Describes a failed connection or exchange with `host` (the target's authority). `connecting`: the
/// failure happened before the request was sent (hyper-util's `is_connect`).
pub(crate) fn describe(
    error: &(dyn StdError + 'static),
    host: &str,
    connecting: bool,
    connect_timeout: Duration,
) -> Cause {
    let links = chain(error);
    if let Some(proxy) = links.iter().find_map(|e| e.downcast_ref::<ProxyFailure>()) {
        return describe_proxy(proxy, connect_timeout);
    }
    describe_links(&links, host, "", connecting, connect_timeout)
}

fn describe_proxy(failure: &ProxyFailure, connect_timeout: Duration) -> Cause {
    match &failure.reason {
        ProxyReason::Connect(source) => {
            let links = chain(&**source);
            describe_links(&links, &failure.proxy, "proxy ", true, connect_timeout)
        }
        // 4xx (407 credentials, 403 policy) will not change on a retry; a 5xx from the proxy may.
        ProxyReason::Refused(Some(status)) if (400..500).contains(status) => {
            Cause::permanent(failure.to_string())
        }
        ProxyReason::Refused(_) => Cause::transport(failure.to_string()),
        ProxyReason::Broken(_) => Cause::transport(failure.to_string()),
    }
}

/// `role` is `""` for the target, `"proxy "` for the proxy.
fn describe_links(
    links: &[&(dyn StdError + 'static)],
    host: &str,
    role: &str,
    connecting: bool,
    connect_timeout: Duration,
) -> Cause {
    if let Some(dns) = links.iter().find_map(|e| e.downcast_ref::<DnsFailure>()) {
        let name = if dns.host.is_empty() { host } else { dns.host.as_str() };
        return Cause::transport(format!("cannot resolve {role}host {name}: {}", dns.reason()));
    }
    if let Some(tls) = links.iter().find_map(|e| e.downcast_ref::<rustls::Error>()) {
        return describe_tls(tls, host, role);
    }
    for link in links {
        let Some(io) = link.downcast_ref::<io::Error>() else { continue };
        match io.kind() {
            io::ErrorKind::ConnectionRefused => {
                return Cause::transport(format!("connection refused to {role}{host}"));
            }
            io::ErrorKind::TimedOut if connecting => {
                return Cause {
                    kind: ErrorKind::Timeout,
                    message: format!(
                        "cannot connect to {role}{host} within the connect timeout of {}",
                        human(connect_timeout)
                    ),
                    permanent: false,
                    limit: Some(connect_timeout),
                };
            }
            io::ErrorKind::ConnectionReset => {
                return Cause::transport(format!("connection reset by {role}{host}"));
            }
            io::ErrorKind::ConnectionAborted | io::ErrorKind::BrokenPipe | io::ErrorKind::UnexpectedEof => {
                return Cause::transport(format!("connection to {role}{host} closed: {io}"));
            }
            io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::HostUnreachable => {
                return Cause::transport(format!("cannot reach {role}{host}: {io}"));
            }
            _ => {}
        }
    }
    if let Some(hyper) = links.iter().find_map(|e| e.downcast_ref::<hyper::Error>()) {
        if hyper.is_incomplete_message() || hyper.is_closed() {
            return Cause::transport(format!(
                "{role}{host} closed the connection before the answer was complete"
            ));
        }
        if hyper.is_parse() || hyper.is_parse_status() {
            return Cause::transport(format!("{role}{host} sent an answer that is not valid HTTP"));
        }
    }
    // Something else: the deepest error's own words.
    let deepest = links.last().map(ToString::to_string).unwrap_or_default();
    if connecting {
        Cause::transport(format!("cannot connect to {role}{host}: {deepest}"))
    } else {
        Cause::transport(format!("the exchange with {role}{host} failed: {deepest}"))
    }
}

fn describe_tls(error: &rustls::Error, host: &str, role: &str) -> Cause {
    let certificate = |what: &str| Cause::permanent(format!("certificate {what} for {role}{host}"));
    match error {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer => certificate("not trusted (unknown issuer)"),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                certificate("not valid for the name")
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => certificate("expired"),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                certificate("not valid yet")
            }
            CertificateError::Revoked => certificate("revoked"),
            CertificateError::BadSignature => certificate("not trusted (bad signature)"),
            other => certificate(&format!("rejected ({other:?})")),
        },
        rustls::Error::AlertReceived(alert) => Cause::transport(format!(
            "TLS handshake with {role}{host} failed: the server sent alert {alert:?}"
        )),
        other => Cause::transport(format!("TLS handshake with {role}{host} failed: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_payloads_are_followed() {
        let tls = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
        );
        let cause = describe(&tls, "127.0.0.1:8443", true, Duration::from_secs(5));
        assert_eq!(cause.message, "certificate not trusted (unknown issuer) for 127.0.0.1:8443");
        assert!(cause.permanent);
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        let cause = describe(&refused, "127.0.0.1:9", true, Duration::from_secs(5));
        assert_eq!(
            (cause.kind, cause.message.as_str()),
            (ErrorKind::Transport, "connection refused to 127.0.0.1:9")
        );
        let slow = io::Error::new(io::ErrorKind::TimedOut, "connect timed out");
        let cause = describe(&slow, "10.0.0.1:443", true, Duration::from_secs(5));
        assert_eq!(cause.kind, ErrorKind::Timeout);
        assert_eq!(cause.message, "cannot connect to 10.0.0.1:443 within the connect timeout of 5 s");
    }
}
