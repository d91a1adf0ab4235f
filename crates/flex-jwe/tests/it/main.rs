//! Integration tests of `flex-jwe`'s public API: one test binary, one module per concern, against the
//! repository's reference vectors in `testdata/` and the fixtures in `tests/data/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod fuzz_regressions;
mod interop;
mod payload_limits;
mod proptests;
mod roundtrip;
mod tamper;
mod timings;
mod wycheproof;
