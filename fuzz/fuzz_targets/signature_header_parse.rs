//! The request-authentication verifier's strict `Signature` header parser
//! (`flex_auth::fuzzing::parse_signature_header`), and its IMF-fixdate parser on the same input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else { return };
    let _ = flex_auth::fuzzing::parse_signature_header(text);
    let _ = flex_auth::fuzzing::parse_http_date(text);
});
