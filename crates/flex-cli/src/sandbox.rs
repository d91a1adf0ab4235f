//! `cybs-flex sandbox serve`: the offline Flex v2 emulator as a process.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use flex_sandbox::{Sandbox, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET, TlsIdentity};

use crate::{Failure, input};

#[derive(Debug, Subcommand)]
pub(crate) enum SandboxCommand {
    /// Run the offline Flex v2 emulator until Ctrl-C, and print the test credentials to use with it.
    ///
    /// It answers POST /flex/v2/sessions, GET /flex/v2/public-keys/{kid} and POST /flex/v2/tokens over plain
    /// HTTP (HTTP/1.1 and HTTP/2), or over HTTPS with --tls-cert/--tls-key or --tls-generate-ca (ALPN h2 and
    /// http/1.1; clients may connect by IP without SNI). Logs go to stderr; set RUST_LOG (e.g. RUST_LOG=debug)
    /// for more.
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
}

impl ServeArgs {
    fn tls(&self) -> Result<Option<TlsIdentity>, Failure> {
        let read = |path: &PathBuf| {
            std::fs::read(path).map_err(|e| Failure::new(format!("cannot read {}: {e}", path.display())))
        };
        match (&self.tls_cert, &self.tls_key, &self.tls_generate_ca) {
            (Some(cert), Some(key), _) => Ok(Some(TlsIdentity::from_pem(&read(cert)?, &read(key)?)?)),
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
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Logs go to stderr so that stdout carries only the lines a script reads.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(format!("cannot start the async runtime: {e}")))?;
    let tls = args.tls()?;
    runtime.block_on(async {
        let mut builder = Sandbox::builder().bind(args.addr);
        if let Some(tls) = tls {
            builder = builder.tls(tls);
        }
        let sandbox = builder.start().await?;
        let ca_note = match &args.tls_generate_ca {
            Some(path) => format!("\nCA certificate (trust it in the client): {}\n", path.display()),
            None => String::new(),
        };
        input::print(&format!(
            "flex sandbox listening on {url}\n\
             \n\
             Test merchant (the official SDKs' public test credentials):\n\
             export FLEX_ENV={url}\n\
             export FLEX_MERCHANT_ID={TEST_MERCHANT_ID}\n\
             export FLEX_KEY_ID={TEST_KEY_ID}\n\
             export FLEX_SHARED_SECRET={TEST_SHARED_SECRET}\n\
             {ca_note}\n\
             Endpoints: POST {url}/flex/v2/sessions, GET {url}/flex/v2/public-keys/{kid}, POST {url}/flex/v2/tokens\n\
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
