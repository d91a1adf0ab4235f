//! Integration tests of `flex-client` against the embedded sandbox on loopback: one test binary, one module per
//! concern. The two tests that read captured logs (`tests/https.rs`, `tests/logging.rs`) have their own processes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod credentials;
mod errors;
mod microform;
mod payments;
mod proxy;
mod sandbox;
