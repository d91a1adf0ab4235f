//! Integration tests of `flex-jwt`'s public API: one test binary, one module per concern, against the
//! repository's reference vectors in `testdata/`. The allocation-counting test (`tests/alloc.rs`) is its own binary
//! because it installs a `#[global_allocator]`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod capture_context;
mod fuzz_regressions;
mod keys;
mod parse;
mod properties;
mod rfc;
mod rows;
mod time_edges;
mod verify;
mod wycheproof_jwk;
mod wycheproof_jws;
mod wycheproof_rsa;
