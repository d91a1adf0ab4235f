//! `flex sandbox serve`: the offline Flex v2 emulator as a process.

use std::net::SocketAddr;

use clap::{Args, Subcommand};
use flex_sandbox::{Sandbox, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET};

use crate::{Failure, input};

#[derive(Debug, Subcommand)]
pub(crate) enum SandboxCommand {
    /// Run the offline Flex v2 emulator until Ctrl-C, and print the test credentials to use with it.
    ///
    /// It answers POST /flex/v2/sessions, GET /flex/v2/public-keys/{kid} and POST /flex/v2/tokens over plain
    /// HTTP (HTTP/1.1 and HTTP/2). Logs go to stderr; set RUST_LOG (e.g. RUST_LOG=debug) for more.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    addr: SocketAddr,
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
    runtime.block_on(async {
        let sandbox = Sandbox::builder().bind(args.addr).start().await?;
        input::print(&format!(
            "flex sandbox listening on {url}\n\
             \n\
             Test merchant (the official SDKs' public test credentials):\n\
             export FLEX_ENV={url}\n\
             export FLEX_MERCHANT_ID={TEST_MERCHANT_ID}\n\
             export FLEX_KEY_ID={TEST_KEY_ID}\n\
             export FLEX_SHARED_SECRET={TEST_SHARED_SECRET}\n\
             \n\
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
