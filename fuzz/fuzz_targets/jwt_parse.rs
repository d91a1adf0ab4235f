//! `flex_jwt::Jwt::parse` (and `dangerous::insecure_decode`, `dangerous::insecure_claims_into`) on arbitrary
//! bytes: the pre-authentication surface (split, base64url, header JSON, `kid`). Must never panic, hang or
//! allocate without bound. Oracles (`flex_jwt::fuzzing::jwt_parse`): a parsed token's segments tile the input, and
//! its payload is accepted alike by the strict scanner and the strict deserializer.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = flex_jwt::fuzzing::jwt_parse(data) {
        panic!("{violation}");
    }
});
