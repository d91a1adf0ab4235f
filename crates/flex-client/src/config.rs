//! Configuration: environment, credentials, auth scheme, time limits, retries, key cache, origin policy.

use core::fmt;
use core::time::Duration;

use flex_auth::{Credentials, MerchantPrivateKey, SharedSecret};
use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind};

/// Where the API lives.
#[derive(Clone, PartialEq, Eq)]
pub struct Environment(BaseUrl);

impl Environment {
    /// The Cybersource test environment, `https://apitest.cybersource.com`.
    pub fn test() -> Self {
        Self(BaseUrl { https: true, authority: "apitest.cybersource.com".to_owned() })
    }

    /// Production, `https://api.cybersource.com`.
    pub fn production() -> Self {
        Self(BaseUrl { https: true, authority: "api.cybersource.com".to_owned() })
    }

    /// A custom base URL such as the offline sandbox (`http://127.0.0.1:PORT`) or another Cybersource host
    /// (`https://api.in.cybersource.com`). Scheme `http` or `https`, a host, an optional port, no path
    /// (a lone `/` is accepted), no query, no user info. Default ports are dropped (`:443` for https).
    ///
    /// # Errors
    /// [`ErrorKind::Configuration`] for anything else.
    pub fn custom(url: &str) -> Result<Self, Error> {
        BaseUrl::parse(url).map(Self).ok_or_else(|| {
            Error::new(
                ErrorKind::Configuration,
                "base URL must be http(s)://host[:port] with no path, query or user info",
            )
        })
    }

    /// Parses `FLEX_ENV`-style text: `test`, `production` (also `prod`), or a URL.
    ///
    /// # Errors
    /// As [`Environment::custom`].
    pub fn parse(text: &str) -> Result<Self, Error> {
        match text.trim().to_ascii_lowercase().as_str() {
            "test" | "sandbox" | "apitest" => Ok(Self::test()),
            "production" | "prod" | "live" => Ok(Self::production()),
            _ => Self::custom(text.trim()),
        }
    }

    /// The base URL, e.g. `https://apitest.cybersource.com`.
    pub fn base_url(&self) -> String {
        self.0.origin()
    }

    /// The host (and non-default port) that is signed and sent as `Host`.
    pub fn authority(&self) -> &str {
        &self.0.authority
    }

    /// Whether requests use TLS.
    pub fn is_https(&self) -> bool {
        self.0.https
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.0.origin())
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Environment({})", self.0.origin())
    }
}

/// A parsed `scheme://authority` with no path.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct BaseUrl {
    pub(crate) https: bool,
    /// Lowercase host, plus `:port` unless it is the scheme's default.
    pub(crate) authority: String,
}

impl BaseUrl {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let (https, rest) = if let Some(rest) = strip_prefix_ignore_case(text, "https://") {
            (true, rest)
        } else {
            (false, strip_prefix_ignore_case(text, "http://")?)
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty()
            || authority.len() > 262
            || !authority
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b':' | b'[' | b']'))
        {
            return None;
        }
        // Validate with `http`'s parser too (ports, brackets).
        let parsed: http::uri::Authority = authority.parse().ok()?;
        if parsed.host().is_empty() {
            return None;
        }
        let host = parsed.host().to_ascii_lowercase();
        let port = match parsed.as_str().get(parsed.host().len()..) {
            Some("") => None,
            Some(rest) => Some(rest.strip_prefix(':')?.parse::<u16>().ok()?),
            None => return None,
        };
        let authority = match port {
            Some(443) if https => host,
            Some(80) if !https => host,
            Some(port) => format!("{host}:{port}"),
            None => host,
        };
        Some(Self { https, authority })
    }

    pub(crate) fn origin(&self) -> String {
        format!("{}://{}", if self.https { "https" } else { "http" }, self.authority)
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| text.get(prefix.len()..)).flatten()
}

/// An allowed `flx.origin` for tokenization: an exact origin (`http://127.0.0.1:8080`) or a wildcard over
/// subdomains (`https://*.cybersource.com`, which matches `https://testflex.cybersource.com` but not
/// `https://cybersource.com`, `https://evilcybersource.com` or another port). A wildcard may name one port
/// (`https://*.visa.com:8443`); without one it matches the scheme's default port only.
#[derive(Clone, PartialEq, Eq)]
pub struct OriginPattern {
    https: bool,
    /// `Some(suffix)` for `*.suffix`, where `suffix` has no port.
    wildcard_suffix: Option<String>,
    /// The port of a wildcard pattern, `None` for the scheme's default.
    wildcard_port: Option<u16>,
    exact: Option<BaseUrl>,
}

impl OriginPattern {
    /// Parses a pattern.
    ///
    /// # Errors
    /// [`ErrorKind::Configuration`] if it is neither an origin nor `scheme://*.domain[:port]`.
    pub fn parse(pattern: &str) -> Result<Self, Error> {
        let bad = || {
            Error::new(
                ErrorKind::Configuration,
                "origin pattern must be scheme://host[:port] or scheme://*.domain[:port]",
            )
        };
        for (scheme, https) in [("https://*.", true), ("http://*.", false)] {
            if let Some(suffix) = strip_prefix_ignore_case(pattern, scheme) {
                let base_scheme = if https { "https://" } else { "http://" };
                let base = BaseUrl::parse(&format!("{base_scheme}{suffix}")).ok_or_else(bad)?;
                let (host, port) = match base.authority.rsplit_once(':') {
                    Some((host, port)) => (host.to_owned(), Some(port.parse::<u16>().map_err(|_| bad())?)),
                    None => (base.authority, None),
                };
                if host.contains([':', '[']) || !host.contains('.') {
                    return Err(bad());
                }
                return Ok(Self { https, wildcard_suffix: Some(host), wildcard_port: port, exact: None });
            }
        }
        let exact = BaseUrl::parse(pattern).ok_or_else(bad)?;
        Ok(Self { https: exact.https, wildcard_suffix: None, wildcard_port: None, exact: Some(exact) })
    }

    pub(crate) fn matches(&self, origin: &BaseUrl) -> bool {
        if let Some(exact) = &self.exact {
            return exact == origin;
        }
        let Some(suffix) = &self.wildcard_suffix else { return false };
        if self.https != origin.https {
            return false;
        }
        let host = match self.wildcard_port {
            None => origin.authority.as_str(),
            Some(port) => match origin.authority.rsplit_once(':') {
                Some((host, p)) if p.parse::<u16>().ok() == Some(port) => host,
                _ => return false,
            },
        };
        host.strip_suffix(suffix.as_str())
            .and_then(|head| head.strip_suffix('.'))
            .is_some_and(|label| !label.is_empty() && !label.contains([':', '[', ']']))
    }
}

impl fmt::Debug for OriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        match (&self.exact, &self.wildcard_suffix) {
            (Some(exact), _) => write!(f, "OriginPattern({})", exact.origin()),
            (None, Some(suffix)) => match self.wildcard_port {
                Some(port) => write!(f, "OriginPattern({scheme}://*.{suffix}:{port})"),
                None => write!(f, "OriginPattern({scheme}://*.{suffix})"),
            },
            (None, None) => f.write_str("OriginPattern(<none>)"),
        }
    }
}

/// How requests to `POST /flex/v2/sessions` are authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthScheme {
    /// JWT authentication v2 (`Authorization: Bearer`): HS256 with a shared secret, RS256 with a private key.
    /// The default: Cybersource deprecates HTTP Signature from September 2026.
    #[default]
    Jwt,
    /// HTTP Signature (HMAC-SHA256 with a shared secret).
    HttpSignature,
}

impl AuthScheme {
    /// Parses `FLEX_AUTH`-style text: `jwt` or `http-signature` (also `http_signature`, `httpsignature`).
    ///
    /// # Errors
    /// [`ErrorKind::Configuration`] for other text.
    pub fn parse(text: &str) -> Result<Self, Error> {
        match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "jwt" => Ok(Self::Jwt),
            "http-signature" | "httpsignature" | "signature" => Ok(Self::HttpSignature),
            _ => Err(Error::new(ErrorKind::Configuration, "FLEX_AUTH must be `jwt` or `http-signature`")),
        }
    }
}

/// Retry policy for idempotent requests (`GET /flex/v2/public-keys`) and for requests that never left the
/// client (connect failures). A `POST` that may have reached the server is never retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 2).
    pub max_retries: u32,
    /// Backoff before the first retry (default 100 ms); doubles each time.
    pub base_delay: Duration,
    /// Cap on one backoff (default 2 s). The actual delay is uniformly random in `[0, backoff]` (full jitter).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_retries: 2, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(2) }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub const NONE: Self = Self { max_retries: 0, base_delay: Duration::ZERO, max_delay: Duration::ZERO };

    pub(crate) fn delay(&self, retry: u32, random: u64) -> Duration {
        let factor = 1u32.checked_shl(retry.min(16)).unwrap_or(u32::MAX);
        let backoff = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let nanos = u64::try_from(backoff.as_nanos()).unwrap_or(u64::MAX);
        match nanos.checked_add(1) {
            Some(span) => Duration::from_nanos(random % span),
            None => backoff,
        }
    }
}

/// Public-key cache policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyCachePolicy {
    /// How long a fetched key is used before it is fetched again (default 1 hour).
    pub ttl: Duration,
    /// Most keys kept (default 64); the oldest is evicted first.
    pub capacity: usize,
    /// After the server said a `kid` does not exist, it is not asked again for this long (default 10 s).
    pub unknown_kid_interval: Duration,
}

impl Default for KeyCachePolicy {
    fn default() -> Self {
        Self { ttl: Duration::from_secs(3600), capacity: 64, unknown_kid_interval: Duration::from_secs(10) }
    }
}

/// The default operation deadline, in seconds (the time limit of one client call, retries included).
pub(crate) const DEFAULT_OPERATION_TIMEOUT_SECS: u64 = 30;

/// The largest operation deadline `FLEX_TIMEOUT_SECS` (and the command line's `--timeout`) accepts, in seconds:
/// one hour. Anything longer is a mistake rather than a deadline.
pub const MAX_OPERATION_TIMEOUT_SECS: u64 = 3600;

/// Parses `FLEX_TIMEOUT_SECS`-style text: a whole number of seconds from 1 to [`MAX_OPERATION_TIMEOUT_SECS`].
pub(crate) fn parse_timeout_secs(text: &str) -> Result<Duration, Error> {
    let secs = text.trim().parse::<u64>().ok().filter(|s| (1..=MAX_OPERATION_TIMEOUT_SECS).contains(s));
    secs.map(Duration::from_secs).ok_or_else(|| {
        Error::new(
            ErrorKind::Configuration,
            format!(
                "FLEX_TIMEOUT_SECS must be a whole number of seconds from 1 to {MAX_OPERATION_TIMEOUT_SECS}"
            ),
        )
    })
}

/// A merchant shared secret as text (standard base64), wiped on drop, never printed.
pub(crate) struct SecretText(pub(crate) Zeroizing<String>);

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Credentials from `FLEX_MERCHANT_ID`, `FLEX_KEY_ID` and one of `FLEX_SHARED_SECRET` or
/// `FLEX_PRIVATE_KEY_FILE` (a PEM file, read now), read through `lookup`.
pub(crate) fn credentials_from(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Credentials>, Error> {
    let merchant = lookup("FLEX_MERCHANT_ID");
    let key_id = lookup("FLEX_KEY_ID");
    let secret = lookup("FLEX_SHARED_SECRET").map(|s| SecretText(Zeroizing::new(s)));
    let key_file = lookup("FLEX_PRIVATE_KEY_FILE");
    match (merchant, key_id, secret, key_file) {
        (None, None, None, None) => Ok(None),
        (_, _, Some(_), Some(_)) => Err(Error::new(
            ErrorKind::Configuration,
            "set FLEX_SHARED_SECRET or FLEX_PRIVATE_KEY_FILE, not both",
        )),
        (Some(m), Some(k), Some(s), None) => shared_secret_credentials(&m, &k, &s.0).map(Some),
        (Some(m), Some(k), None, Some(path)) => {
            let pem = read_file("FLEX_PRIVATE_KEY_FILE", &path)?;
            private_key_credentials(&m, &k, &pem)
                .map_err(|e| e.wrap(ErrorKind::Configuration, format!("FLEX_PRIVATE_KEY_FILE {path}")))
                .map(Some)
        }
        _ => Err(Error::new(
            ErrorKind::Configuration,
            "set all of FLEX_MERCHANT_ID, FLEX_KEY_ID and FLEX_SHARED_SECRET (or FLEX_PRIVATE_KEY_FILE), or none",
        )),
    }
}

/// Reads the file a variable names; the error names the variable and the path (never the contents).
pub(crate) fn read_file(variable: &str, path: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
    std::fs::read(path).map(Zeroizing::new).map_err(|e| {
        Error::with_source(ErrorKind::Configuration, format!("{variable} {path} cannot be read"), e)
    })
}

/// RS256 credentials from a PEM private key (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`).
pub(crate) fn private_key_credentials(
    merchant_id: &str,
    key_id: &str,
    pem: &[u8],
) -> Result<Credentials, Error> {
    let text = core::str::from_utf8(pem)
        .map_err(|_| Error::new(ErrorKind::Configuration, "the private key PEM is not UTF-8 text"))?;
    let key = MerchantPrivateKey::from_pem(text).map_err(|e| {
        Error::with_source(
            ErrorKind::Configuration,
            "the private key is not an unencrypted RSA PEM key (PKCS#8 PRIVATE KEY or PKCS#1 RSA PRIVATE KEY)",
            e,
        )
    })?;
    Credentials::private_key(merchant_id.trim(), key_id.trim(), key)
        .map_err(|e| Error::with_source(ErrorKind::Configuration, "invalid merchant id or key id", e))
}

pub(crate) fn shared_secret_credentials(
    merchant_id: &str,
    key_id: &str,
    secret_base64: &str,
) -> Result<Credentials, Error> {
    let secret = SharedSecret::from_base64(secret_base64.trim()).map_err(|e| {
        Error::with_source(ErrorKind::Configuration, "the shared secret is not valid base64 of 16+ bytes", e)
    })?;
    Credentials::shared_secret(merchant_id.trim(), key_id.trim(), secret)
        .map_err(|e| Error::with_source(ErrorKind::Configuration, "invalid merchant id or key id", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_parse() {
        assert_eq!(
            Environment::parse("test").map(|e| e.base_url()).ok().as_deref(),
            Some("https://apitest.cybersource.com")
        );
        assert_eq!(
            Environment::parse(" PRODUCTION ").map(|e| e.base_url()).ok().as_deref(),
            Some("https://api.cybersource.com")
        );
        let custom = Environment::parse("http://127.0.0.1:8080/").ok();
        assert_eq!(custom.as_ref().map(Environment::authority), Some("127.0.0.1:8080"));
        assert_eq!(custom.as_ref().map(Environment::is_https), Some(false));
        let e = Environment::custom("HTTPS://API.IN.Cybersource.com:443").ok();
        assert_eq!(e.map(|e| e.base_url()).as_deref(), Some("https://api.in.cybersource.com"));
        for bad in [
            "ftp://x",
            "http://",
            "https://host/path",
            "https://user@host",
            "https://host?q",
            "https://host:",
            "https://host:99999",
            "apitest.cybersource.com",
            "https://ho st",
        ] {
            assert_eq!(
                Environment::parse(bad).map(|_| ()).map_err(|e| e.kind()),
                Err(ErrorKind::Configuration),
                "{bad}"
            );
        }
    }

    #[test]
    fn origin_patterns() {
        let star = OriginPattern::parse("https://*.cybersource.com").ok();
        let m = |p: &Option<OriginPattern>, o: &str| {
            p.as_ref().is_some_and(|p| BaseUrl::parse(o).is_some_and(|o| p.matches(&o)))
        };
        assert!(m(&star, "https://testflex.cybersource.com"));
        assert!(m(&star, "https://flex.cybersource.com:443"));
        assert!(m(&star, "https://a.b.cybersource.com"));
        assert!(!m(&star, "https://cybersource.com"));
        assert!(!m(&star, "https://evilcybersource.com"));
        assert!(!m(&star, "http://testflex.cybersource.com"));
        assert!(!m(&star, "https://testflex.cybersource.com:8443"));
        assert!(!m(&star, "https://testflex.cybersource.com.evil.io"));
        let exact = OriginPattern::parse("http://127.0.0.1:9000").ok();
        assert!(m(&exact, "http://127.0.0.1:9000"));
        assert!(!m(&exact, "http://127.0.0.1:9001"));
        let port = OriginPattern::parse("https://*.visa.com:8443").ok();
        assert!(m(&port, "https://sl73flxapq002.visa.com:8443"));
        assert!(!m(&port, "https://sl73flxapq002.visa.com"));
        assert!(!m(&port, "https://sl73flxapq002.visa.com:8444"));
        assert!(!m(&port, "https://visa.com:8443"));
        assert!(!m(&port, "http://x.visa.com:8443"));
        assert!(!m(&port, "https://x.visa.com.evil.io:8443"));
        assert_eq!(format!("{port:?}"), "Some(OriginPattern(https://*.visa.com:8443))");
        // `:443` on https is the default port.
        assert_eq!(
            OriginPattern::parse("https://*.visa.com:443").ok(),
            OriginPattern::parse("https://*.visa.com").ok()
        );
        assert!(OriginPattern::parse("https://*.com:8443").is_err());
        assert!(OriginPattern::parse("https://*.visa.com:0x1").is_err());
        assert!(OriginPattern::parse("https://*.com").is_err());
        assert!(OriginPattern::parse("*").is_err());
    }

    #[test]
    fn auth_scheme_parses() {
        assert_eq!(AuthScheme::parse("JWT").ok(), Some(AuthScheme::Jwt));
        assert_eq!(AuthScheme::parse("http_signature").ok(), Some(AuthScheme::HttpSignature));
        assert!(AuthScheme::parse("oauth").is_err());
    }

    #[test]
    fn jitter_stays_within_backoff() {
        let p = RetryPolicy::default();
        for retry in 0..40 {
            for r in [0, 1, u64::MAX, 12_345_678_901] {
                assert!(p.delay(retry, r) <= p.max_delay);
            }
        }
        assert!(p.delay(0, u64::MAX) <= Duration::from_millis(100));
        assert_eq!(RetryPolicy::NONE.delay(3, 77), Duration::ZERO);
    }

    #[test]
    fn timeout_secs_parse_strictly() {
        assert_eq!(parse_timeout_secs("1").ok(), Some(Duration::from_secs(1)));
        assert_eq!(parse_timeout_secs(" 30 ").ok(), Some(Duration::from_secs(30)));
        assert_eq!(parse_timeout_secs("3600").ok(), Some(Duration::from_secs(3600)));
        for bad in ["", "0", "-1", "3601", "1.5", "1e3", "30s", "abc", "18446744073709551616"] {
            let err = parse_timeout_secs(bad).err();
            assert_eq!(err.as_ref().map(Error::kind), Some(ErrorKind::Configuration), "{bad:?}");
            assert!(err.is_some_and(|e| e.to_string().contains("FLEX_TIMEOUT_SECS")), "{bad:?}");
        }
    }

    #[test]
    fn env_credentials_all_or_nothing() {
        let none = |_: &str| None;
        assert!(matches!(credentials_from(&none), Ok(None)));
        let partial = |k: &str| (k == "FLEX_MERCHANT_ID").then(|| "testrest".to_owned());
        assert_eq!(
            credentials_from(&partial).map(|_| ()).map_err(|e| e.kind()),
            Err(ErrorKind::Configuration)
        );
        let full = |k: &str| match k {
            "FLEX_MERCHANT_ID" => Some("testrest".to_owned()),
            "FLEX_KEY_ID" => Some("08c94330-f618-42a3-b09d-e1e43be5efda".to_owned()),
            "FLEX_SHARED_SECRET" => Some("yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=".to_owned()),
            _ => None,
        };
        let creds = credentials_from(&full).ok().flatten();
        assert_eq!(creds.as_ref().map(Credentials::merchant_id), Some("testrest"));
        let bad_secret =
            |k: &str| if k == "FLEX_SHARED_SECRET" { Some("not base64!".to_owned()) } else { full(k) };
        let err = credentials_from(&bad_secret).err();
        assert_eq!(err.as_ref().map(Error::kind), Some(ErrorKind::Configuration));
        assert!(!format!("{err:?}").contains("not base64!"));
    }
}
