//! End-to-end tests of the sandbox over loopback HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs, unreachable_pub)]

mod support;

mod auth;
mod concurrency;
mod faults;
mod happy;
mod http_limits;
mod lifecycle;
mod microform;
mod mixed_load;
mod payload_limits;
mod payments;
mod replay;
mod review_edges;
mod tls;
mod tokens;
mod vectors;
