//! `cybs-flex auth sign`: the authentication headers for a Cybersource REST request, exactly as they would be sent.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use flex_auth::{
    Credentials, JwtClaimOptions, JwtId, SignableRequest, SigningParams, SigningScheme, UnixTime, sign,
};
use flex_client::AuthScheme;

use crate::{Failure, input, net};

#[derive(Debug, Subcommand)]
pub(crate) enum AuthCommand {
    /// Print the authentication headers for a request, one `Name: value` per line, exactly as sent.
    ///
    /// Credentials come from FLEX_MERCHANT_ID, FLEX_KEY_ID and FLEX_SHARED_SECRET (base64), or, for JWT with
    /// RS256, from --private-key. The output contains a live signature: treat it as a secret.
    Sign(SignArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    /// The authentication scheme.
    #[arg(long, value_enum)]
    scheme: Scheme,
    /// The HTTP method, e.g. POST.
    #[arg(long, value_name = "M")]
    method: String,
    /// The full request URL; its authority (with any port) and path-and-query are what get signed.
    #[arg(long, value_name = "URL")]
    url: String,
    /// The request body, signed byte for byte (default: empty).
    #[arg(long, value_name = "F")]
    body_file: Option<PathBuf>,
    /// The signing time as an RFC 1123 date, e.g. "Thu, 18 Jul 2019 00:18:03 GMT".
    #[arg(long, value_name = "RFC1123", conflicts_with = "now")]
    date: Option<String>,
    /// The signing time in Unix seconds (default: now).
    #[arg(long, value_name = "UNIX")]
    now: Option<i64>,
    /// JWT only: sign RS256 with this PKCS#8 private key (PEM or DER) instead of HS256 with the shared secret.
    #[arg(long, value_name = "FILE")]
    private_key: Option<PathBuf>,
    /// Sign as a portfolio meta key with this portfolio id (the merchant id is still sent).
    #[arg(long, value_name = "ID")]
    portfolio_id: Option<String>,
    /// JWT only: spell the claims as the Python SDK does (`digestAlgorithm`, upper-case method).
    #[arg(long)]
    python_claims: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scheme {
    /// HTTP Signature (HMAC-SHA256).
    HttpSignature,
    /// JWT authentication v2 (HS256, or RS256 with --private-key).
    Jwt,
}

pub(crate) fn run(cmd: AuthCommand) -> Result<(), Failure> {
    match cmd {
        AuthCommand::Sign(args) => sign_command(&args),
    }
}

fn credentials(args: &SignArgs) -> Result<Credentials, Failure> {
    let scheme = match args.scheme {
        Scheme::HttpSignature => AuthScheme::HttpSignature,
        Scheme::Jwt => AuthScheme::Jwt,
    };
    let creds = net::credentials(args.private_key.as_deref(), "--private-key", scheme)?;
    match &args.portfolio_id {
        Some(id) => {
            Ok(creds.with_portfolio_id(id).map_err(|e| Failure::usage(format!("--portfolio-id: {e}")))?)
        }
        None => Ok(creds),
    }
}

/// Splits `scheme://authority/path?query` into the signed authority and path-and-query.
fn split_url(url: &str) -> Result<(&str, String), Failure> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| Failure::usage("--url must start with https:// or http://"))?;
    if rest.contains('#') {
        return Err(Failure::usage("--url must not have a #fragment (it is never sent)"));
    }
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    if authority.is_empty() || authority.contains('@') {
        return Err(Failure::usage("--url needs a host, without user information"));
    }
    // An empty path is sent as `/` (RFC 9112 §3.2.1), also before a query.
    let target = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
    Ok((authority, target))
}

fn signing_time(args: &SignArgs) -> Result<UnixTime, Failure> {
    match &args.date {
        Some(date) => UnixTime::parse_http_date(date).ok_or_else(|| {
            Failure::usage("--date is not an RFC 1123 date like \"Thu, 18 Jul 2019 00:18:03 GMT\"")
        }),
        None => {
            let now = input::now(args.now)?;
            UnixTime::from_secs(now).ok_or_else(|| Failure::usage("--now is out of range"))
        }
    }
}

fn sign_command(args: &SignArgs) -> Result<(), Failure> {
    let creds = credentials(args)?;
    let (authority, path_and_query) = split_url(&args.url)?;
    let body = match &args.body_file {
        Some(path) => input::file_bytes(path, "body file")?,
        None => Vec::new(),
    };
    let time = signing_time(args)?;
    let params = match args.scheme {
        Scheme::HttpSignature => SigningParams::http_signature(time),
        Scheme::Jwt => {
            let claims = if args.python_claims {
                JwtClaimOptions {
                    digest_algorithm_claim: flex_auth::DigestAlgorithmClaim::CamelCase,
                    method_case: flex_auth::MethodCase::Upper,
                }
            } else {
                JwtClaimOptions::default()
            };
            SigningParams { scheme: SigningScheme::Jwt { jti: JwtId::random()?, claims }, time }
        }
    };
    let request = SignableRequest::new(&args.method, authority, &path_and_query, &body)?;
    let instructions = sign(&request, &creds, &params)?;
    let lines: Vec<String> = instructions.headers().map(|(name, value)| format!("{name}: {value}")).collect();
    input::print(&lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_authority_and_target() {
        let split = |url| {
            let (authority, target) = split_url(url).unwrap();
            (authority.to_owned(), target)
        };
        assert_eq!(
            split("https://apitest.cybersource.com/flex/v2/sessions"),
            ("apitest.cybersource.com".into(), "/flex/v2/sessions".into())
        );
        assert_eq!(split("http://127.0.0.1:8443/a?b=c"), ("127.0.0.1:8443".into(), "/a?b=c".into()));
        assert_eq!(split("https://h?x"), ("h".into(), "/?x".into()));
        assert_eq!(split("https://h"), ("h".into(), "/".into()));
        assert!(split_url("ftp://h/").is_err());
        assert!(split_url("https://u@h/").is_err());
        assert!(split_url("https:///p").is_err());
        assert!(split_url("https://h/p#f").is_err());
    }
}
