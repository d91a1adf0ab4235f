//! `flex_jwt::Jwt::parse` (and `dangerous::insecure_decode`, `dangerous::insecure_claims_into`) on arbitrary
//! bytes: the pre-authentication surface (split, base64url, header JSON, `kid`). Must never panic, hang or
//! allocate without bound. The input is also taken as header JSON for the differential check of the header fast
//! path against the general parser, and a parsed token's payload is read both by the strict scanner
//! (`insecure_decode`) and by the strict deserializer (`insecure_claims_into`), which must agree.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = flex_jwt::fuzzing::parse(data);
    assert!(flex_jwt::fuzzing::header_fast_path_agrees(data), "the header fast path disagrees");
    assert!(
        flex_jwt::fuzzing::insecure_paths_agree::<serde_json::Value>(data),
        "the strict scanner and the strict deserializer disagree on a payload"
    );
    if let Ok(text) = core::str::from_utf8(data)
        && let Ok(jwt) = flex_jwt::Jwt::parse(text)
    {
        // A parsed token's segments must tile the input exactly.
        let rebuilt = jwt.signing_input().len() + 1 + jwt.signature_b64().len();
        assert_eq!(rebuilt, text.len(), "segments do not tile the token");
        assert_eq!(jwt.as_str(), text);
    }
});
