//! The one error type of the client: opaque, with a [`ErrorKind`] to branch on and a `source()` chain.

use core::fmt;
use core::time::Duration;
use std::sync::Arc;

use flex_types::ErrorBody;

/// What went wrong, coarsely; branch on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server refused the request's credentials (HTTP 401, whatever the body shape).
    Authentication,
    /// The server answered with an error status; see [`Error::status`], [`Error::reason`], [`Error::message`],
    /// [`Error::correlation_id`] and [`Error::error_body`].
    Api,
    /// The request could not be sent or the answer could not be read (DNS, connect, TLS, reset, ...).
    Transport,
    /// A time limit (connect or whole request) was reached.
    Timeout,
    /// The server answered success with something unusable: not a JWT, too large, a bad `Digest`, a bad key.
    InvalidResponse,
    /// A capture context or transient token failed verification (signature, claims, key, origin policy).
    Verification,
    /// The client configuration is invalid (builder or `FLEX_*` variables).
    Configuration,
    /// An argument is invalid (a malformed `kid`, card data the capture context does not accept, ...).
    InvalidInput,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Authentication => "authentication failed",
            Self::Api => "API error",
            Self::Transport => "transport error",
            Self::Timeout => "timed out",
            Self::InvalidResponse => "invalid response",
            Self::Verification => "verification failed",
            Self::Configuration => "invalid configuration",
            Self::InvalidInput => "invalid input",
        })
    }
}

pub(crate) type Source = Arc<dyn std::error::Error + Send + Sync + 'static>;

struct Inner {
    kind: ErrorKind,
    /// A fixed description written by this crate (never token, secret or card bytes).
    context: String,
    status: Option<u16>,
    correlation_id: Option<String>,
    body: Option<ErrorBody<'static>>,
    source: Option<Source>,
    /// Whether `Display` appends the source (not when `context` already is the root cause in one line).
    show_source: bool,
    /// The time limit that was reached ([`ErrorKind::Timeout`]), shown as `timed out after 30 s`.
    limit: Option<Duration>,
}

/// An error from the Flex client.
///
/// Opaque: use [`Error::kind`] and the accessors. `Display` and `Debug` never contain a token, a signature,
/// a secret or card data; the correlation id, when the server sent one, is always shown (support needs it).
/// Cheap to clone (reference-counted).
#[derive(Clone)]
pub struct Error {
    inner: Arc<Inner>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, context: impl Into<String>) -> Self {
        Self {
            inner: Arc::new(Inner {
                kind,
                context: context.into(),
                status: None,
                correlation_id: None,
                body: None,
                source: None,
                show_source: true,
                limit: None,
            }),
        }
    }

    /// A root-cause error: `context` is the whole one-line story (`connection refused to 127.0.0.1:9`);
    /// `source` stays available through [`std::error::Error::source`] but is not repeated by `Display`.
    pub(crate) fn root_cause(
        kind: ErrorKind,
        context: impl Into<String>,
        limit: Option<Duration>,
        source: Option<Source>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                kind,
                context: context.into(),
                status: None,
                correlation_id: None,
                body: None,
                source,
                show_source: false,
                limit,
            }),
        }
    }

    /// A timeout error that names the limit reached (`timed out after 30 s: ...`).
    pub(crate) fn timeout(limit: Duration, context: impl Into<String>, source: Option<Error>) -> Self {
        Self::root_cause(ErrorKind::Timeout, context, Some(limit), source.map(|s| Arc::new(s) as Source))
            .showing_source()
    }

    fn showing_source(mut self) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.show_source = true;
        }
        self
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        let mut e = Self::new(kind, context);
        if let Some(inner) = Arc::get_mut(&mut e.inner) {
            inner.source = Some(Arc::new(source));
        }
        e
    }

    /// An error answer from the server: 401 is [`ErrorKind::Authentication`], anything else [`ErrorKind::Api`].
    pub(crate) fn from_response(status: u16, header_correlation_id: Option<String>, body: &[u8]) -> Self {
        let parsed: Option<ErrorBody<'static>> =
            serde_json::from_slice::<ErrorBody<'_>>(body).ok().map(ErrorBody::into_owned);
        let correlation_id =
            parsed.as_ref().and_then(|b| b.correlation_id().map(str::to_owned)).or(header_correlation_id);
        let kind = if status == 401 { ErrorKind::Authentication } else { ErrorKind::Api };
        let context = match kind {
            ErrorKind::Authentication => {
                "the server refused the credentials (check merchant id, key id, secret, auth scheme and clock)"
            }
            _ => "the server answered with an error",
        };
        Self {
            inner: Arc::new(Inner {
                kind,
                context: context.to_owned(),
                status: Some(status),
                correlation_id,
                body: parsed,
                source: None,
                show_source: true,
                limit: None,
            }),
        }
    }

    /// Re-labels an error (keeping it as the source), e.g. a 404 from the public-keys endpoint during
    /// verification becomes [`ErrorKind::Verification`].
    pub(crate) fn wrap(self, kind: ErrorKind, context: impl Into<String>) -> Self {
        let status = self.inner.status;
        let correlation_id = self.inner.correlation_id.clone();
        let mut e = Self::with_source(kind, context, self);
        if let Some(inner) = Arc::get_mut(&mut e.inner) {
            inner.status = status;
            inner.correlation_id = correlation_id;
        }
        e
    }

    /// Replaces the description, keeping everything else (used to make a 401 say what was sent).
    pub(crate) fn with_context(self, context: String) -> Self {
        let inner = &self.inner;
        Self {
            inner: Arc::new(Inner {
                kind: inner.kind,
                context,
                status: inner.status,
                correlation_id: inner.correlation_id.clone(),
                body: inner.body.clone(),
                source: inner.source.clone(),
                show_source: inner.show_source,
                limit: inner.limit,
            }),
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The HTTP status of an error answer (also kept when the error was re-labelled).
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The correlation id: the body's `correlationId`, else the `v-c-correlation-id` response header.
    pub fn correlation_id(&self) -> Option<&str> {
        self.inner.correlation_id.as_deref()
    }

    /// The parsed error body, whatever its shape (Flex `responseStatus`, gateway `response.rmsg`, REST
    /// `errorInformation`, ...), when the answer had one that parsed.
    pub fn error_body(&self) -> Option<&ErrorBody<'static>> {
        self.inner.body.as_ref()
    }

    /// The server's reason code (e.g. `VALIDATION_ERROR`), from any body shape.
    pub fn reason(&self) -> Option<&str> {
        self.inner.body.as_ref().and_then(|b| b.reason())
    }

    /// The server's message (e.g. `Authentication Failed`), from any body shape.
    pub fn message(&self) -> Option<&str> {
        self.inner.body.as_ref().and_then(|b| b.message())
    }

    /// The error details as `(location or field, message or reason)` pairs.
    pub fn details(&self) -> Vec<(Option<&str>, Option<&str>)> {
        self.inner.body.as_ref().map(|b| b.details().collect()).unwrap_or_default()
    }

    /// The time limit that was reached, for an [`ErrorKind::Timeout`] that knows it (the operation deadline, the
    /// per-attempt timeout or the connect timeout).
    pub fn time_limit(&self) -> Option<Duration> {
        self.inner.limit
    }

    /// Whether a retry of an idempotent request could succeed (5xx, 429, transport and timeout failures).
    pub(crate) fn is_transient(&self) -> bool {
        match self.inner.kind {
            ErrorKind::Transport | ErrorKind::Timeout => true,
            ErrorKind::Api => self.inner.status.is_some_and(|s| s >= 500 || s == 429),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.inner.limit {
            Some(limit) if self.inner.kind == ErrorKind::Timeout => {
                write!(f, "timed out after {}: {}", crate::transport::human(limit), self.inner.context)?;
            }
            _ => write!(f, "{}: {}", self.inner.kind, self.inner.context)?,
        }
        if let Some(status) = self.inner.status {
            write!(f, " (HTTP {status}")?;
            if let Some(reason) = self.reason() {
                write!(f, " {reason}")?;
            }
            if let Some(message) = self.message() {
                write!(f, ": {message}")?;
            }
            f.write_str(")")?;
        }
        if let Some(id) = &self.inner.correlation_id {
            write!(f, " [correlation id {id}]")?;
        }
        if let Some(source) = self.inner.source.as_ref().filter(|_| self.inner.show_source) {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind).field("context", &self.inner.context);
        if let Some(status) = self.inner.status {
            d.field("status", &status);
        }
        if let Some(id) = &self.inner.correlation_id {
            d.field("correlation_id", id);
        }
        if let Some(reason) = self.reason() {
            d.field("reason", &reason);
        }
        if let Some(source) = &self.inner.source {
            d.field("source", &format_args!("{source}"));
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source.as_ref().map(|s| &**s as &(dyn std::error::Error + 'static))
    }
}

/// A plain message as an error source (for failures that have no error value of their own).
#[derive(Debug)]
pub(crate) struct Message(pub(crate) &'static str);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Message {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_static() {
        fn check<T: Send + Sync + 'static + std::error::Error + Clone>() {}
        check::<Error>();
    }

    #[test]
    fn flex_body_gives_api_error_with_correlation_id() {
        let body = br#"{"responseStatus":{"status":400,"reason":"VALIDATION_ERROR","message":"Field validation error.","correlationId":"abc-123","details":[{"location":"fields","message":"bad"}]}}"#;
        let e = Error::from_response(400, Some("header-id".into()), body);
        assert_eq!(e.kind(), ErrorKind::Api);
        assert_eq!(e.status(), Some(400));
        assert_eq!(e.reason(), Some("VALIDATION_ERROR"));
        assert_eq!(e.message(), Some("Field validation error."));
        assert_eq!(e.correlation_id(), Some("abc-123"));
        assert_eq!(e.details(), vec![(Some("fields"), Some("bad"))]);
        let shown = e.to_string();
        assert!(shown.contains("abc-123") && shown.contains("VALIDATION_ERROR"), "{shown}");
    }

    #[test]
    fn gateway_401_is_authentication_and_header_correlation_id_is_used() {
        let e = Error::from_response(
            401,
            Some("hdr-1".into()),
            br#"{"response":{"rmsg":"Authentication Failed"}}"#,
        );
        assert_eq!(e.kind(), ErrorKind::Authentication);
        assert_eq!(e.message(), Some("Authentication Failed"));
        assert_eq!(e.correlation_id(), Some("hdr-1"));
    }

    #[test]
    fn rest_shapes_and_garbage_bodies_map_cleanly() {
        let e = Error::from_response(
            502,
            None,
            br#"{"errorInformation":{"reason":"SYSTEM_ERROR","message":"down","details":[{"field":"x","reason":"y"}]}}"#,
        );
        assert_eq!((e.kind(), e.reason(), e.message()), (ErrorKind::Api, Some("SYSTEM_ERROR"), Some("down")));
        assert!(e.is_transient());
        let e = Error::from_response(404, None, b"<html>not json</html>");
        assert_eq!((e.kind(), e.status(), e.reason()), (ErrorKind::Api, Some(404), None));
        assert!(!e.is_transient());
        let e =
            Error::from_response(500, None, br#"{"status":"500","reason":"SERVER_TIMEOUT","message":"m"}"#);
        assert_eq!(e.reason(), Some("SERVER_TIMEOUT"));
    }

    #[test]
    fn wrap_keeps_status_and_source() {
        let api =
            Error::from_response(404, Some("c1".into()), br#"{"responseStatus":{"reason":"NOT_FOUND"}}"#);
        let e = api.wrap(ErrorKind::Verification, "no public key for the token's kid");
        assert_eq!(
            (e.kind(), e.status(), e.correlation_id()),
            (ErrorKind::Verification, Some(404), Some("c1"))
        );
        assert!(std::error::Error::source(&e).is_some());
    }
}
