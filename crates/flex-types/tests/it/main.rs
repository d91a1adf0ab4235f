//! Integration tests for `flex-types`, against the repository's reference vectors in `testdata/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod capture_context;
mod error_body;
mod fuzz_regressions;
mod jwk;
mod microform;
mod payments;
mod props;
mod sessions;
mod transient_token;
mod value;

/// Reads a file of the reference vectors (`<project root>/testdata/<rel>`).
pub(crate) fn vector(rel: &str) -> String {
    flex_testkit::read_to_string(rel)
}

/// The base64url-decoded segment `i` of a compact JWT.
pub(crate) fn jwt_segment(token: &str, i: usize) -> Vec<u8> {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let seg = token.trim().split('.').nth(i).expect("segment");
    Base64UrlUnpadded::decode_vec(seg).expect("base64url")
}
