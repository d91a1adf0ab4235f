//! `cybs-flex jwt decode` and `cybs-flex jwt verify`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use flex_jwt::{Algorithm, AlgorithmSet, KeyError, KeySet, RsaPublicKey, Verifier, dangerous};
use flex_types::Value;

use crate::{Failure, input};

#[derive(Debug, Subcommand)]
pub(crate) enum JwtCommand {
    /// Print a JWT's header and claims as JSON WITHOUT verifying anything (marked "verified": false).
    Decode(DecodeArgs),
    /// Verify a JWT's RS256 signature and time claims; print the verified claims as JSON.
    ///
    /// Exit 0 and the claims on stdout when the token verifies; exit 1 and a one-line reason on stderr otherwise.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct DecodeArgs {
    /// The compact JWT, `@FILE` to read it from a file, or `-` (or nothing) to read it from stdin.
    token: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The key: a public JWK, a JWK set (`{"keys":[...]}`), or a PEM public key (`PUBLIC KEY` / `RSA PUBLIC KEY`).
    #[arg(long = "jwk", visible_alias = "key", value_name = "FILE")]
    key: PathBuf,
    /// Accept the JWK's `"use":"enc"`: for verifying a Flex transient token with its capture context's `flx.jwk`,
    /// which is how Flex signs it. Never needed for capture contexts.
    #[arg(long)]
    flex_transient_token_key: bool,
    /// The time to verify at, in Unix seconds (default: now).
    #[arg(long, value_name = "UNIX")]
    now: Option<i64>,
    /// Allowed clock skew for exp, nbf and iat, in seconds (0-900; a larger value is refused, not clamped).
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = flex_jwt::DEFAULT_LEEWAY_SECS,
        value_parser = clap::value_parser!(u32).range(0..=i64::from(flex_jwt::MAX_LEEWAY_SECS))
    )]
    leeway: u32,
    /// An allowed algorithm; repeat to allow several.
    #[arg(long, value_enum, default_values_t = vec![Alg::Rs256])]
    alg: Vec<Alg>,
    /// Require this issuer (`iss`), e.g. "Flex API" for capture contexts.
    #[arg(long, value_name = "ISS")]
    issuer: Option<String>,
    /// The compact JWT, `@FILE` to read it from a file, or `-` (or nothing) to read it from stdin.
    token: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Alg {
    #[value(name = "RS256")]
    Rs256,
    #[value(name = "RS384")]
    Rs384,
    #[value(name = "RS512")]
    Rs512,
}

impl From<Alg> for Algorithm {
    fn from(alg: Alg) -> Self {
        match alg {
            Alg::Rs256 => Self::Rs256,
            Alg::Rs384 => Self::Rs384,
            Alg::Rs512 => Self::Rs512,
        }
    }
}

pub(crate) fn run(cmd: JwtCommand) -> Result<(), Failure> {
    match cmd {
        JwtCommand::Decode(args) => decode(&args),
        JwtCommand::Verify(args) => verify(&args),
    }
}

fn decode(args: &DecodeArgs) -> Result<(), Failure> {
    let token = input::token(args.token.as_deref())?;
    let decoded = dangerous::insecure_decode(&token)?;
    let header: Value<'_> = serde_json::from_str(decoded.header_json())?;
    let payload: Value<'_> = serde_json::from_str(decoded.payload_json())?;
    let out = Value::Object(vec![
        ("verified".into(), Value::Bool(false)),
        ("header".into(), header),
        ("payload".into(), payload),
    ]);
    eprintln!("cybs-flex: warning: UNVERIFIED: the signature was not checked; do not trust these claims");
    input::print(&serde_json::to_string_pretty(&out)?)
}

/// The keys named by `--jwk`, as a set looked up by kid, or one key without a kid.
enum Keys {
    Set(KeySet),
    Single(RsaPublicKey),
}

/// A key the flags refuse; an `enc` key names the option that accepts it.
fn key_failure(e: KeyError) -> Failure {
    match e {
        KeyError::WrongUse => Failure::new(
            "the JWK's \"use\" is not \"sig\"; to verify a Flex transient token with its capture context's \
             flx.jwk (an \"enc\" key), pass --flex-transient-token-key (or use `cybs-flex transient verify`)",
        ),
        other => other.into(),
    }
}

fn load_keys(args: &VerifyArgs) -> Result<Keys, Failure> {
    let text = input::file_text(&args.key, "key file")?;
    let trimmed = text.trim_start();
    let key = if trimmed.starts_with("-----BEGIN") {
        RsaPublicKey::from_pem(&text).map_err(key_failure)?
    } else if args.flex_transient_token_key {
        RsaPublicKey::from_flex_capture_context_jwk_json(&text).map_err(key_failure)?
    } else if serde_json::from_str::<Value<'_>>(&text).is_ok_and(|v| v.get("keys").is_some()) {
        return Ok(Keys::Set(KeySet::from_jwks(&text).map_err(key_failure)?));
    } else {
        RsaPublicKey::from_jwk(&text).map_err(key_failure)?
    };
    if key.kid().is_some() {
        let mut set = KeySet::new();
        set.insert(key)?;
        Ok(Keys::Set(set))
    } else {
        Ok(Keys::Single(key))
    }
}

fn verify(args: &VerifyArgs) -> Result<(), Failure> {
    let keys = load_keys(args)?;
    let token = input::token(args.token.as_deref())?;
    let now = input::now(args.now)?;
    let algorithms = args.alg.iter().fold(AlgorithmSet::EMPTY, |set, alg| set.with((*alg).into()));
    let mut verifier = Verifier::new().with_algorithms(algorithms).with_leeway_secs(args.leeway);
    if let Some(issuer) = &args.issuer {
        verifier = verifier.with_issuer(issuer.clone());
    }
    let jwt = verifier.parse(&token)?;
    let authenticated = match &keys {
        Keys::Set(set) => verifier.verify_signature(&jwt, set)?,
        Keys::Single(key) => verifier.verify_signature_with_key(&jwt, key)?,
    };
    let verified = authenticated.validate(now)?;
    let claims: Value<'_> = verified.claims()?;
    input::print(&serde_json::to_string_pretty(&claims)?)
}
