//! Every connection failure is one line that names the host and the root cause (refused, unknown issuer, DNS,
//! deadline), on loopback only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use crate::support::https_sandbox;
use flex_client::{Client, Error, ErrorKind, RetryPolicy};
use tokio::net::TcpListener;

/// The error's one line, checked to be one line.
fn line(err: &Error) -> String {
    let text = err.to_string();
    assert!(!text.contains('\n'), "{text}");
    text
}

/// A loopback port nothing listens on.
async fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let authority = listener.local_addr().unwrap().to_string();
    drop(listener);
    authority
}

#[tokio::test]
async fn a_refused_connection_names_the_host() {
    let authority = closed_port().await;
    let client = Client::builder()
        .base_url(&format!("http://{authority}"))
        .retry_policy(RetryPolicy::NONE)
        .build()
        .unwrap();
    let err = client.public_key("k1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert_eq!(line(&err), format!("transport error: connection refused to {authority}"));
    // The hyper error stays reachable as the source.
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test]
async fn an_unknown_issuer_names_the_host() {
    let sandbox = https_sandbox().await;
    let authority = sandbox.base_url().trim_start_matches("https://").to_owned();
    // Only the webpki roots: the sandbox's generated CA is unknown.
    let client = Client::builder().base_url(sandbox.base_url()).build().unwrap();
    let err = client.public_key(&sandbox.signing_kid()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert_eq!(
        line(&err),
        format!("transport error: certificate not trusted (unknown issuer) for {authority}")
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_host_that_does_not_resolve_is_named() {
    // `.invalid` never resolves (RFC 6761 §6.4).
    let client = Client::builder()
        .base_url("https://example.invalid")
        .retry_policy(RetryPolicy::NONE)
        .build()
        .unwrap();
    let err = client.public_key("k1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert!(line(&err).starts_with("transport error: cannot resolve host example.invalid"), "{err}");
}

#[tokio::test]
async fn the_deadline_says_timed_out_after_and_names_the_host() {
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let authority = listener.local_addr().unwrap().to_string();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let client = Client::builder()
        .base_url(&format!("http://{authority}"))
        .operation_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let err = client.public_key("k1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.time_limit(), Some(Duration::from_secs(1)));
    let text = line(&err);
    assert!(
        text.starts_with("timed out after 1 s: operation deadline of 1 s expired after 1 attempt"),
        "{text}"
    );
    assert!(text.contains(&authority), "{text}");
    holder.abort();
}
