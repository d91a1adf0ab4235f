//! flex-jose's integration tests, one binary (see the other crates' `tests/it/`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fuzz_regressions;
mod keys;
