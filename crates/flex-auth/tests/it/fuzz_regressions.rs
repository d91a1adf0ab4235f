//! Replays every saved fuzzer finding of `signature_header_parse` (the verifier's strict `Signature` header
//! parser and the IMF-fixdate parser) under a time budget. Passes trivially when there are no findings.
//! See docs/FUZZING.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flex_testkit::{fuzz_findings as findings, fuzz_seeds as seeds, replay};

fn signature_header_parse(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else { return };
    let _ = flex_auth::fuzzing::parse_signature_header(text);
    let _ = flex_auth::fuzzing::parse_http_date(text);
}

#[test]
fn signature_header_parse_findings_replay() {
    replay(&findings("signature_header_parse"), signature_header_parse);
}

#[test]
fn seeds_are_accepted() {
    let all = seeds("signature_header_parse");
    assert!(!all.is_empty());
    replay(&all, signature_header_parse);
    for path in all {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with("-date") {
            assert!(flex_auth::fuzzing::parse_http_date(&text).is_some(), "{name}");
        } else {
            assert!(flex_auth::fuzzing::parse_signature_header(&text), "{name}");
        }
    }
}
