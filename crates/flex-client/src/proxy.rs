//! HTTP proxy settings: the proxy for `https` and for `http` targets, the `NO_PROXY` list, and credentials
//! that never reach a log, a `Debug` or an error.

use core::fmt;

use base64ct::{Base64, Encoding as _};
use http::HeaderValue;
use hyper_util::client::proxy::matcher::Matcher;
use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind};

/// An HTTP proxy for the client's connections (builder: [`ClientBuilder::proxy`](crate::ClientBuilder::proxy);
/// environment: [`Proxy::from_env`]).
///
/// Every connection through a proxy is an HTTP `CONNECT` tunnel (RFC 9110 §9.3.6), for `https` targets (TLS
/// then runs end to end inside the tunnel) and for plain `http` targets alike (such as the sandbox on
/// loopback), so the proxy never sees a request, only the target's host and port. A proxy that allows
/// `CONNECT` only to port 443 (Squid's default `SSL_ports`) therefore refuses plain-`http` targets on other
/// ports; list those in `NO_PROXY`.
///
/// The proxy itself is reached over plain TCP: `http://` proxy URLs only (`https://` proxies, TLS to the proxy,
/// and SOCKS are refused). Credentials in the URL (`http://user:pass@proxy:3128`, percent-encoded) are sent
/// as `Proxy-Authorization: Basic` on each `CONNECT`. They are never shown: `Debug`, `Display`, logs and errors
/// print `http://***@proxy:3128`.
///
/// `NO_PROXY` ([`Proxy::with_no_proxy`]) is a comma-separated list matched against the target host (not the
/// port): `*` (every host), a domain (`example.com` or `.example.com`: that domain and its subdomains), an IP
/// address or a CIDR block (`10.0.0.0/8`, `::1`). Loopback is **not** bypassed implicitly: a proxy applies to
/// `127.0.0.1` and `localhost` unless `NO_PROXY` lists them (curl does the same).
///
/// Not `Clone` (it holds the credentials, wiped on drop).
pub struct Proxy {
    https: Option<Endpoint>,
    http: Option<Endpoint>,
    no_proxy: String,
}

/// One proxy: its `host[:port]` (default port 80) and optional credentials.
struct Endpoint {
    /// Lowercase host and optional port; never holds credentials.
    authority: String,
    /// `user:password`, decoded, wiped on drop.
    credentials: Option<Zeroizing<String>>,
}

impl Endpoint {
    fn parse(url: &str) -> Result<Self, Error> {
        let bad = |why: &'static str| Error::new(ErrorKind::Configuration, why);
        let url = url.trim();
        let rest = match url.find("://") {
            Some(at) => {
                let scheme = url.get(..at).unwrap_or_default();
                if scheme.eq_ignore_ascii_case("http") {
                    url.get(at + 3..).unwrap_or_default()
                } else if scheme.eq_ignore_ascii_case("https") {
                    return Err(bad(
                        "https:// proxies (TLS to the proxy) are not supported; use an http:// proxy URL",
                    ));
                } else {
                    return Err(bad("only http:// proxy URLs are supported (no SOCKS)"));
                }
            }
            // No scheme (`proxy.example:3128`): http, as curl does.
            None => url,
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#']) {
            return Err(bad("a proxy URL is http://[user:password@]host[:port] with no path or query"));
        }
        let (userinfo, host_port) = match rest.rfind('@') {
            Some(at) => (rest.get(..at), rest.get(at + 1..).unwrap_or_default()),
            None => (None, rest),
        };
        let credentials = match userinfo {
            None => None,
            Some(info) => {
                let (user, password) = info.split_once(':').unwrap_or((info, ""));
                let user = percent_decode(user)
                    .ok_or_else(|| bad("the proxy user name is not valid percent-encoded UTF-8"))?;
                let password = percent_decode(password)
                    .ok_or_else(|| bad("the proxy password is not valid percent-encoded UTF-8"))?;
                let mut both = Zeroizing::new(String::with_capacity(user.len() + 1 + password.len()));
                both.push_str(&user);
                both.push(':');
                both.push_str(&password);
                Some(both)
            }
        };
        let authority: http::uri::Authority =
            host_port.parse().map_err(|_| bad("the proxy URL has no valid host[:port]"))?;
        if authority.host().is_empty() || authority.as_str().contains('@') {
            return Err(bad("the proxy URL has no valid host[:port]"));
        }
        let has_port = authority.as_str().len() > authority.host().len();
        let authority = match authority.port_u16() {
            Some(port) => format!("{}:{port}", authority.host().to_ascii_lowercase()),
            None if has_port => return Err(bad("the proxy URL has an invalid port")),
            None => authority.host().to_ascii_lowercase(),
        };
        Ok(Self { authority, credentials })
    }

    /// `http://host:port` (credentials masked as `***@`).
    fn masked(&self) -> String {
        match self.credentials {
            Some(_) => format!("http://***@{}", self.authority),
            None => format!("http://{}", self.authority),
        }
    }

    /// The `Proxy-Authorization` value, marked sensitive.
    fn basic_auth(&self) -> Option<HeaderValue> {
        let credentials = self.credentials.as_ref()?;
        let value = Zeroizing::new(format!("Basic {}", Base64::encode_string(credentials.as_bytes())));
        // Base64 output and the `Basic ` prefix are visible ASCII, always a valid header value.
        let mut header = HeaderValue::from_str(&value).ok()?;
        header.set_sensitive(true);
        Some(header)
    }

    fn copy(&self) -> Self {
        Self { authority: self.authority.clone(), credentials: self.credentials.clone() }
    }
}

/// Decodes `%XX` escapes; `None` for a bad escape or non-UTF-8 result.
fn percent_decode(text: &str) -> Option<Zeroizing<String>> {
    let mut out = Zeroizing::new(Vec::with_capacity(text.len()));
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = core::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    let text = core::str::from_utf8(&out).ok()?;
    Some(Zeroizing::new(text.to_owned()))
}

impl Proxy {
    /// One proxy for every target (`https` and `http`): `http://[user:password@]host[:port]` (the port
    /// defaults to 80; a URL without a scheme is taken as `http://`, like curl). User and password are
    /// percent-decoded.
    ///
    /// # Errors
    /// [`ErrorKind::Configuration`] for an `https://` or SOCKS proxy, a path, or a bad host, port or
    /// escape. The message never contains the URL.
    pub fn parse(url: &str) -> Result<Self, Error> {
        let endpoint = Endpoint::parse(url)?;
        Ok(Self { https: Some(endpoint.copy()), http: Some(endpoint), no_proxy: String::new() })
    }

    /// Sets the `NO_PROXY` list (comma separated; see [`Proxy`] for the matching rules), replacing any earlier
    /// one.
    #[must_use]
    pub fn with_no_proxy(mut self, list: &str) -> Self {
        list.trim().clone_into(&mut self.no_proxy);
        self
    }

    /// The proxy settings of the process environment; see [`Proxy::from_lookup`].
    pub fn from_env() -> Option<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The proxy settings found through `lookup`: `https_proxy` / `HTTPS_PROXY` for `https` targets,
    /// `http_proxy` / `HTTP_PROXY` for `http` targets, `all_proxy` / `ALL_PROXY` for either when its own
    /// variable is unset, and `no_proxy` / `NO_PROXY`. The lowercase name wins when both are set (as in curl);
    /// empty values count as unset. When `REQUEST_METHOD` is set (a CGI program, where a request's `Proxy`
    /// header arrives as `HTTP_PROXY`), uppercase `HTTP_PROXY` is ignored.
    ///
    /// `None` when no proxy variable is set. A variable that does not parse is ignored with a `warn` log
    /// naming it (never its value); [`Proxy::try_from_lookup`] makes it an error instead.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Option<Self> {
        match Self::try_from_lookup(lookup) {
            Ok(proxy) => proxy,
            Err(e) => {
                tracing::warn!(error = %e, "proxy environment variables ignored");
                None
            }
        }
    }

    /// Like [`Proxy::from_lookup`], but a variable that does not parse is an error.
    ///
    /// # Errors
    /// [`ErrorKind::Configuration`] naming the variable (never its value).
    pub fn try_from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, Error> {
        let first = |names: &[&'static str]| {
            names.iter().find_map(|name| lookup(name).filter(|v| !v.trim().is_empty()).map(|v| (*name, v)))
        };
        let parse = |found: Option<(&'static str, String)>| -> Result<Option<Endpoint>, Error> {
            found
                .map(|(name, value)| {
                    let value = Zeroizing::new(value);
                    Endpoint::parse(&value).map_err(|e| {
                        Error::with_source(
                            ErrorKind::Configuration,
                            format!("{name} is not a usable proxy URL"),
                            e,
                        )
                    })
                })
                .transpose()
        };
        let all = parse(first(&["all_proxy", "ALL_PROXY"]))?;
        let https = match parse(first(&["https_proxy", "HTTPS_PROXY"]))? {
            Some(e) => Some(e),
            None => all.as_ref().map(Endpoint::copy),
        };
        let cgi = lookup("REQUEST_METHOD").is_some();
        let http_names: &[&'static str] = if cgi { &["http_proxy"] } else { &["http_proxy", "HTTP_PROXY"] };
        let http = match parse(first(http_names))? {
            Some(e) => Some(e),
            None => all,
        };
        if https.is_none() && http.is_none() {
            return Ok(None);
        }
        let no_proxy = first(&["no_proxy", "NO_PROXY"]).map(|(_, v)| v).unwrap_or_default();
        Ok(Some(Self { https, http, no_proxy: String::new() }.with_no_proxy(&no_proxy)))
    }

    /// The proxy URL used for `https` targets, credentials masked (`http://***@proxy:3128`).
    pub fn https_proxy(&self) -> Option<String> {
        self.https.as_ref().map(Endpoint::masked)
    }

    /// The proxy URL used for plain `http` targets, credentials masked.
    pub fn http_proxy(&self) -> Option<String> {
        self.http.as_ref().map(Endpoint::masked)
    }

    /// The `NO_PROXY` list as given (trimmed).
    pub fn no_proxy(&self) -> &str {
        &self.no_proxy
    }

    /// The routing table the connector uses.
    pub(crate) fn routes(&self) -> Routes {
        let mut builder = Matcher::builder().no(self.no_proxy.clone());
        if let Some(e) = &self.https {
            builder = builder.https(format!("http://{}", e.authority));
        }
        if let Some(e) = &self.http {
            builder = builder.http(format!("http://{}", e.authority));
        }
        let route = |e: &Option<Endpoint>| {
            e.as_ref().map(|e| Route { authority: e.authority.clone(), auth: e.basic_auth() })
        };
        // hyper-util's matcher applies `*` to domain names only; curl's `*` means every host, IPs included.
        let bypass_all = self.no_proxy.split(',').any(|entry| entry.trim() == "*");
        Routes { matcher: builder.build(), https: route(&self.https), http: route(&self.http), bypass_all }
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("https", &self.https_proxy())
            .field("http", &self.http_proxy())
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl fmt::Display for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.https_proxy(), self.http_proxy()) {
            (Some(s), Some(h)) if s == h => f.write_str(&s)?,
            (Some(s), Some(h)) => write!(f, "{s} (https), {h} (http)")?,
            (Some(s), None) => write!(f, "{s} (https only)")?,
            (None, Some(h)) => write!(f, "{h} (http only)")?,
            (None, None) => f.write_str("no proxy")?,
        }
        if !self.no_proxy.is_empty() {
            write!(f, ", NO_PROXY={}", self.no_proxy)?;
        }
        Ok(())
    }
}

/// Where a connection goes: which targets use which proxy, and the `Proxy-Authorization` to send.
pub(crate) struct Routes {
    matcher: Matcher,
    https: Option<Route>,
    http: Option<Route>,
    /// `NO_PROXY` has `*`.
    bypass_all: bool,
}

/// One proxy to tunnel through.
#[derive(Clone)]
pub(crate) struct Route {
    /// `host[:port]` of the proxy, for messages (no credentials).
    pub(crate) authority: String,
    /// `Proxy-Authorization` (sensitive), when the URL had credentials.
    pub(crate) auth: Option<HeaderValue>,
}

impl Routes {
    /// The proxy for `target`, or `None` to connect directly (no proxy for its scheme, or `NO_PROXY`).
    pub(crate) fn route(&self, target: &http::Uri) -> Option<(&Route, http::Uri)> {
        if self.bypass_all {
            return None;
        }
        let intercept = self.matcher.intercept(target)?;
        let route = match target.scheme_str() {
            Some("https") => self.https.as_ref()?,
            Some("http") => self.http.as_ref()?,
            _ => return None,
        };
        Some((route, intercept.uri().clone()))
    }
}

impl fmt::Debug for Routes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |r: &Option<Route>| r.as_ref().map(|r| r.authority.clone());
        f.debug_struct("Routes").field("https", &show(&self.https)).field("http", &show(&self.http)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    fn routed(proxy: &Proxy, url: &str) -> Option<String> {
        let uri: http::Uri = url.parse().ok()?;
        proxy.routes().route(&uri).map(|(r, _)| r.authority.clone())
    }

    #[test]
    fn parses_urls_and_masks_credentials() {
        let p = Proxy::parse("http://us%40er:p%3Ass@Proxy.Example:3128/").ok();
        let p = p.as_ref();
        assert_eq!(p.and_then(Proxy::https_proxy).as_deref(), Some("http://***@proxy.example:3128"));
        let shown = format!("{p:?} {}", p.map(ToString::to_string).unwrap_or_default());
        assert!(!shown.contains("us") && !shown.contains("p:ss") && !shown.contains("p%3Ass"), "{shown}");
        let auth = p.and_then(|p| p.https.as_ref().and_then(Endpoint::basic_auth));
        // base64("us@er:p:ss")
        assert_eq!(auth.as_ref().map(HeaderValue::as_bytes), Some(&b"Basic dXNAZXI6cDpzcw=="[..]));
        assert!(auth.is_some_and(|a| a.is_sensitive()));
        let bare = Proxy::parse("proxy.example:8080").ok();
        assert_eq!(bare.and_then(|p| p.http_proxy()).as_deref(), Some("http://proxy.example:8080"));
        for bad in [
            "https://proxy:3128",
            "socks5://proxy:1080",
            "http://proxy:3128/path",
            "http://",
            "http://user:secret@",
            "http://proxy:99999",
            "http://proxy:",
            "http://us%zzer:secret@proxy",
        ] {
            let err = Proxy::parse(bad).err();
            assert_eq!(err.as_ref().map(Error::kind), Some(ErrorKind::Configuration), "{bad}");
            assert!(!format!("{err:?}").contains("secret"), "{bad}");
        }
    }

    #[test]
    fn environment_lowercase_wins_and_schemes_are_separate() {
        let p = Proxy::from_lookup(env(&[
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:2"),
            ("HTTP_PROXY", "http://plain:3"),
            ("NO_PROXY", "example.com"),
        ]));
        let p = p.as_ref();
        assert_eq!(p.and_then(Proxy::https_proxy).as_deref(), Some("http://lower:2"));
        assert_eq!(p.and_then(Proxy::http_proxy).as_deref(), Some("http://plain:3"));
        assert_eq!(p.map(Proxy::no_proxy), Some("example.com"));
        let all = Proxy::from_lookup(env(&[("ALL_PROXY", "http://all:4"), ("http_proxy", "http://h:5")]));
        let all = all.as_ref();
        assert_eq!(all.and_then(Proxy::https_proxy).as_deref(), Some("http://all:4"));
        assert_eq!(all.and_then(Proxy::http_proxy).as_deref(), Some("http://h:5"));
        assert!(Proxy::from_lookup(env(&[("NO_PROXY", "*"), ("HTTPS_PROXY", " ")])).is_none());
        // CGI: uppercase HTTP_PROXY may come from a request header.
        let cgi = Proxy::from_lookup(env(&[("REQUEST_METHOD", "GET"), ("HTTP_PROXY", "http://evil:1")]));
        assert!(cgi.is_none());
        let err = Proxy::try_from_lookup(env(&[("HTTPS_PROXY", "socks5://u:hunter2@x:1")])).err();
        let text = err.as_ref().map(ToString::to_string).unwrap_or_default();
        assert!(text.contains("HTTPS_PROXY") && !text.contains("hunter2"), "{text}");
        assert!(Proxy::from_lookup(env(&[("HTTPS_PROXY", "socks5://x:1")])).is_none());
    }

    #[test]
    fn no_proxy_matching() {
        let p = Proxy::parse("http://proxy:3128")
            .map(|p| p.with_no_proxy("example.com, .corp.io,10.0.0.0/8,::1"));
        let p = p.as_ref().ok();
        let r = |url| p.and_then(|p| routed(p, url));
        assert_eq!(r("https://api.cybersource.com").as_deref(), Some("proxy:3128"));
        assert_eq!(r("http://127.0.0.1:8080").as_deref(), Some("proxy:3128"), "loopback is proxied");
        assert_eq!(r("https://localhost").as_deref(), Some("proxy:3128"));
        assert_eq!(r("https://example.com"), None);
        assert_eq!(r("https://www.example.com:8443"), None);
        assert_eq!(r("https://notexample.com").as_deref(), Some("proxy:3128"));
        assert_eq!(r("https://a.corp.io"), None);
        assert_eq!(r("https://10.1.2.3"), None);
        assert_eq!(r("https://[::1]:8443"), None);
        let star = Proxy::parse("http://proxy:3128").map(|p| p.with_no_proxy("*")).ok();
        assert_eq!(star.as_ref().and_then(|p| routed(p, "https://api.cybersource.com")), None);
        assert_eq!(star.as_ref().and_then(|p| routed(p, "https://127.0.0.1:8443")), None);
        let https_only = Proxy::from_lookup(env(&[("HTTPS_PROXY", "http://proxy:3128")]));
        assert_eq!(https_only.as_ref().and_then(|p| routed(p, "http://127.0.0.1:1")), None);
    }
}
