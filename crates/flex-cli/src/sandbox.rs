//! `cybs-flex sandbox serve`: the offline Flex v2 emulator as a process.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use flex_sandbox::{Merchant, Sandbox, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET, TlsIdentity};

use crate::{Failure, input, net};

#[derive(Debug, Subcommand)]
pub(crate) enum SandboxCommand {
    /// Run the offline Flex v2 emulator until Ctrl-C, and print the test credentials to use with it.
    ///
    /// It answers POST /flex/v2/sessions, GET /flex/v2/public-keys/{kid} and POST /flex/v2/tokens over plain
    /// HTTP (HTTP/1.1 and HTTP/2), or over HTTPS with --tls-cert/--tls-key or --tls-generate-ca (ALPN h2 and
    /// http/1.1; clients may connect by IP without SNI). Logs go to stderr at info level; -v or RUST_LOG
    /// (e.g. RUST_LOG=debug) for more.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// Serve HTTPS with this certificate chain (PEM, leaf first); needs --tls-key.
    #[arg(long, value_name = "PEM", requires = "tls_key", conflicts_with = "tls_generate_ca")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1) of --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS with a CA and a certificate for 127.0.0.1 and localhost generated at start-up, and write
    /// the CA certificate (PEM) to FILE for clients to trust.
    #[arg(long, value_name = "FILE")]
    tls_generate_ca: Option<PathBuf>,
    /// Also accept JWT RS256 authentication for the test merchant under key id KID, checked with the RSA key in
    /// FILE: a PEM public key, or the merchant's PKCS#8 private key PEM (only its public half is kept).
    /// Repeatable.
    #[arg(long, value_name = "KID=FILE")]
    merchant_rsa_key: Vec<String>,
}

/// `--merchant-rsa-key KID=FILE` as a sandbox merchant credential for the test merchant.
fn rsa_merchant(arg: &str) -> Result<Merchant, Failure> {
    let (kid, path) = arg
        .split_once('=')
        .filter(|(kid, path)| !kid.is_empty() && !path.is_empty())
        .ok_or_else(|| Failure::usage("--merchant-rsa-key must be KID=FILE"))?;
    let option = "--merchant-rsa-key";
    let text = input::file_text(std::path::Path::new(path), option)?;
    let public = if text.contains("PRIVATE KEY-----") {
        net::merchant_private_key(std::path::Path::new(path), option)?.public_key().to_pkcs1_der()
    } else {
        flex_jwt::RsaPublicKey::from_pem(&text)
            .map_err(|e| Failure::usage(format!("{option} {path} is not a usable RSA public key PEM: {e}")))?
            .to_pkcs1_der()
    };
    Merchant::rsa_public_key(TEST_MERCHANT_ID, kid, &public)
        .map_err(|e| Failure::usage(format!("{option}: {e}")))
}

impl ServeArgs {
    fn tls(&self) -> Result<Option<TlsIdentity>, Failure> {
        match (&self.tls_cert, &self.tls_key, &self.tls_generate_ca) {
            (Some(cert), Some(key), _) => {
                let cert = input::file_bytes(cert, "--tls-cert")?;
                let key = input::file_bytes(key, "--tls-key")?;
                // Files that are not a certificate chain and its key: the flags are wrong.
                Ok(Some(TlsIdentity::from_pem(&cert, &key).map_err(|e| Failure::usage(e.to_string()))?))
            }
            (_, _, Some(ca_file)) => Ok(Some(TlsIdentity::generate_writing_ca_to(ca_file))),
            _ => Ok(None),
        }
    }
}

pub(crate) fn run(cmd: SandboxCommand) -> Result<(), Failure> {
    match cmd {
        SandboxCommand::Serve(args) => serve(&args),
    }
}

fn serve(args: &ServeArgs) -> Result<(), Failure> {
    // Logs go to stderr (set up in main) so that stdout carries only the lines a script reads.
    let merchants =
        args.merchant_rsa_key.iter().map(|arg| rsa_merchant(arg)).collect::<Result<Vec<_>, _>>()?;
    let rsa_kids: Vec<String> = merchants.iter().map(|m| m.key_id().to_owned()).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(format!("cannot start the async runtime: {e}")))?;
    let tls = args.tls()?;
    runtime.block_on(async {
        let mut builder = Sandbox::builder().bind(args.addr);
        for merchant in merchants {
            builder = builder.merchant(merchant);
        }
        if let Some(tls) = tls {
            builder = builder.tls(tls);
        }
        let sandbox = builder.start().await?;
        let ca_note = match &args.tls_generate_ca {
            Some(path) => format!("\nCA certificate (trust it in the client): {}\n", path.display()),
            None => String::new(),
        };
        let rsa_note: String = rsa_kids
            .iter()
            .map(|kid| {
                format!(
                    "\nJWT RS256 for merchant {TEST_MERCHANT_ID}: export FLEX_KEY_ID={kid} \
                     FLEX_PRIVATE_KEY_FILE=<the private key>\n"
                )
            })
            .collect();
        input::print(&format!(
            "flex sandbox listening on {url}\n\
             \n\
             Test merchant (the official SDKs' public test credentials):\n\
             export FLEX_ENV={url}\n\
             export FLEX_MERCHANT_ID={TEST_MERCHANT_ID}\n\
             export FLEX_KEY_ID={TEST_KEY_ID}\n\
             export FLEX_SHARED_SECRET={TEST_SHARED_SECRET}\n\
             {ca_note}{rsa_note}\n\
             Endpoints: POST {url}/flex/v2/sessions, POST {url}/microform/v2/sessions, \
             GET {url}/flex/v2/public-keys/{kid}, POST {url}/flex/v2/tokens, POST {url}/pts/v2/payments, \
             GET {url}/pts/v2/payments/{{id}}\n\
             Press Ctrl-C to stop.",
            url = sandbox.base_url(),
            kid = sandbox.signing_kid(),
        ))?;
        sandbox
            .run_until(async {
                // If the signal handler cannot be installed, run until killed.
                if tokio::signal::ctrl_c().await.is_err() {
                    std::future::pending::<()>().await;
                }
            })
            .await;
        Ok(())
    })
}
