//! Integration tests for `flex-types`, against the shared vectors in `../shared/vectors/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod capture_context;
mod error_body;
mod jwk;
mod props;
mod sessions;
mod transient_token;
mod value;

/// Reads a file of the shared test vectors (`<project root>/../shared/vectors/<rel>`).
pub(crate) fn vector(rel: &str) -> String {
    let path = format!("{}/../../../shared/vectors/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The base64url-decoded segment `i` of a compact JWT.
pub(crate) fn jwt_segment(token: &str, i: usize) -> Vec<u8> {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let seg = token.trim().split('.').nth(i).expect("segment");
    Base64UrlUnpadded::decode_vec(seg).expect("base64url")
}
