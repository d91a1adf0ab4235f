//! What every networked command shares: `--env`, `--cacert`, `--timeout`, `--json`, the client built from them and
//! the `FLEX_*` / proxy variables, merchant credentials, and the async runtime.

use std::path::{Path, PathBuf};

use clap::Args;
use flex_auth::{Credentials, MerchantPrivateKey, SharedSecret};
use flex_client::{AuthScheme, Client, ClientBuilder, Environment, ErrorKind};

use crate::{Failure, TimeoutArg, input};

/// The options of every command that talks to a Flex server.
#[derive(Debug, Args)]
pub(crate) struct NetArgs {
    /// `test`, `production`, or a base URL such as the sandbox's `https://127.0.0.1:PORT`
    /// (default: FLEX_ENV, else `test`).
    #[arg(long, value_name = "test|production|URL")]
    env: Option<String>,
    /// Also trust the CA certificates in this PEM file (beside the built-in roots), e.g. the CA that
    /// `cybs-flex sandbox serve --tls-generate-ca FILE` wrote.
    #[arg(long, value_name = "FILE", env = "FLEX_CA_FILE")]
    cacert: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    timeout: TimeoutArg,
}

/// Variables the CLI reads itself rather than through [`ClientBuilder::from_lookup`]: files it cannot use are
/// usage errors naming the option, credentials are read only by the commands that sign, and
/// `FLEX_TIMEOUT_SECS` is already validated by `--timeout`.
const READ_BY_THE_CLI: [&str; 6] = [
    "FLEX_CA_FILE",
    "FLEX_PRIVATE_KEY_FILE",
    "FLEX_MERCHANT_ID",
    "FLEX_KEY_ID",
    "FLEX_SHARED_SECRET",
    "FLEX_TIMEOUT_SECS",
];

/// A configuration problem of the client is the user's to fix: a usage error. Anything else failed the operation.
pub(crate) fn client_failure(e: &flex_client::Error) -> Failure {
    match e.kind() {
        ErrorKind::Configuration => Failure::usage(e.to_string()),
        _ => Failure::new(e.to_string()),
    }
}

/// As [`client_failure`], naming `host` (the server the failed call went to) when the message does not already.
pub(crate) fn failure_at(e: &flex_client::Error, host: &str) -> Failure {
    let mut failure = client_failure(e);
    if !failure.message.contains(host) {
        failure.message = format!("{} (host {host})", failure.message);
    }
    failure
}

/// The authority (`host[:port]`) of a base URL or origin such as `https://127.0.0.1:8443`.
pub(crate) fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

impl NetArgs {
    /// The client builder: the environment's `FLEX_ENV`, `FLEX_AUTH` and proxy variables (`HTTPS_PROXY`,
    /// `HTTP_PROXY`, `NO_PROXY`, either case, as the client reads them), then `--env`, `--cacert` and
    /// `--timeout`.
    pub(crate) fn builder(&self) -> Result<ClientBuilder, Failure> {
        let lookup = |name: &str| {
            if READ_BY_THE_CLI.contains(&name) {
                return None;
            }
            std::env::var(name).ok().filter(|v| !v.trim().is_empty())
        };
        let mut builder = ClientBuilder::from_lookup(lookup).map_err(|e| client_failure(&e))?;
        if let Some(env) = &self.env {
            let env = Environment::parse(env).map_err(|e| {
                Failure::usage(format!("--env: {e} (use test, production or an http(s) URL)"))
            })?;
            builder = builder.environment(env);
        }
        if let Some(path) = &self.cacert {
            let pem = read_option_file(path, "--cacert (FLEX_CA_FILE)")?;
            if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
                return Err(Failure::usage(format!(
                    "--cacert (FLEX_CA_FILE) {} holds no PEM certificate",
                    path.display()
                )));
            }
            builder = builder.add_root_certificate_pem(&pem);
        }
        Ok(self.timeout.apply(builder))
    }

    /// Builds the client from [`NetArgs::builder`] after `configure`.
    pub(crate) fn client(
        &self,
        configure: impl FnOnce(ClientBuilder) -> Result<ClientBuilder, Failure>,
    ) -> Result<Client, Failure> {
        configure(self.builder()?)?.build().map_err(|e| client_failure(&e))
    }
}

/// Reads a file named by an option; a file that cannot be read is a usage error.
pub(crate) fn read_option_file(path: &Path, option: &str) -> Result<Vec<u8>, Failure> {
    input::file_bytes(path, option)
}

/// Merchant credentials for the commands that sign a request (`session`, `demo` does not need them).
#[derive(Debug, Args)]
pub(crate) struct CredentialArgs {
    /// `jwt` or `http-signature` (default: FLEX_AUTH, else `jwt`). HTTP Signature is deprecated by
    /// Cybersource from September 2026.
    #[arg(long, value_name = "SCHEME")]
    auth: Option<String>,
    /// Sign JWT authentication with RS256 and this merchant RSA private key (PKCS#8 PEM, `BEGIN PRIVATE KEY`)
    /// instead of HS256 with FLEX_SHARED_SECRET. Convert a Business Center .p12 with
    /// `openssl pkcs12 -in KEY.p12 -nocerts -nodes | openssl pkcs8 -topk8 -nocrypt -out key.pem`.
    #[arg(long, value_name = "FILE", env = "FLEX_PRIVATE_KEY_FILE")]
    private_key: Option<PathBuf>,
}

/// A non-empty environment variable, or a usage error naming it.
fn required_var(name: &str, why: &str) -> Result<String, Failure> {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => Ok(value.trim().to_owned()),
        _ => Err(Failure::usage(format!("{name} is not set{why}"))),
    }
}

/// Reads a merchant private key (PKCS#8, PEM or DER) from a file named by `option`.
pub(crate) fn merchant_private_key(path: &Path, option: &str) -> Result<MerchantPrivateKey, Failure> {
    let bytes = read_option_file(path, option)?;
    let key = match std::str::from_utf8(&bytes) {
        Ok(text) if text.trim_start().starts_with("-----BEGIN") => MerchantPrivateKey::from_pem(text),
        _ => MerchantPrivateKey::from_pkcs8_der(&bytes),
    };
    key.map_err(|e| {
        Failure::usage(format!("{option} {} is not a usable PKCS#8 RSA private key: {e}", path.display()))
    })
}

/// Merchant credentials from `FLEX_MERCHANT_ID`, `FLEX_KEY_ID` and either `private_key` (RS256, JWT only) or
/// `FLEX_SHARED_SECRET`. The private key wins when both are present. Every problem is a usage error.
pub(crate) fn credentials(
    private_key: Option<&Path>,
    option: &str,
    scheme: AuthScheme,
) -> Result<Credentials, Failure> {
    let merchant_id = required_var("FLEX_MERCHANT_ID", "")?;
    let key_id = required_var("FLEX_KEY_ID", "")?;
    let credentials = match private_key {
        Some(path) => {
            if scheme != AuthScheme::Jwt {
                return Err(Failure::usage(format!(
                    "{option} signs JWT authentication (RS256); HTTP Signature needs FLEX_SHARED_SECRET"
                )));
            }
            Credentials::private_key(&merchant_id, &key_id, merchant_private_key(path, option)?)
        }
        None => {
            let secret = required_var("FLEX_SHARED_SECRET", " (or pass --private-key for RS256)")?;
            let secret = SharedSecret::from_base64(&secret)
                .map_err(|e| Failure::usage(format!("FLEX_SHARED_SECRET: {e}")))?;
            Credentials::shared_secret(&merchant_id, &key_id, secret)
        }
    };
    credentials.map_err(|e| Failure::usage(format!("invalid FLEX_MERCHANT_ID or FLEX_KEY_ID: {e}")))
}

impl CredentialArgs {
    /// The authentication scheme: `--auth`, else `FLEX_AUTH`, else JWT.
    pub(crate) fn scheme(&self) -> Result<AuthScheme, Failure> {
        let from_env = std::env::var("FLEX_AUTH").ok().filter(|v| !v.trim().is_empty());
        match self.auth.as_deref().or(from_env.as_deref()) {
            None => Ok(AuthScheme::Jwt),
            Some(text) => AuthScheme::parse(text).map_err(|_| {
                Failure::usage("--auth (FLEX_AUTH) must be `jwt` or `http-signature`".to_owned())
            }),
        }
    }

    /// Sets the scheme and the credentials on `builder`.
    pub(crate) fn apply(&self, builder: ClientBuilder) -> Result<ClientBuilder, Failure> {
        let scheme = self.scheme()?;
        let credentials =
            credentials(self.private_key.as_deref(), "--private-key (FLEX_PRIVATE_KEY_FILE)", scheme)?;
        Ok(builder.auth_scheme(scheme).credentials(credentials))
    }
}

/// Runs `future` to completion on a single-threaded runtime.
pub(crate) fn block_on<F: Future>(future: F) -> Result<F::Output, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(format!("cannot start the async runtime: {e}")))?;
    Ok(runtime.block_on(future))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_of_urls_and_origins() {
        assert_eq!(authority("https://127.0.0.1:8443"), "127.0.0.1:8443");
        assert_eq!(authority("https://apitest.cybersource.com/flex/v2"), "apitest.cybersource.com");
        assert_eq!(authority("http://[::1]:80?x"), "[::1]:80");
        assert_eq!(authority("example.com"), "example.com");
    }
}
