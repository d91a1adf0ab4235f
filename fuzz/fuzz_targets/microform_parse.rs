//! Microform v2: `MicroformSessionRequest` from JSON and through its builder, capture-context claims with `mf-*`
//! contexts, and transient-token claims with every accessor, with their oracles
//! (`flex_types::fuzzing::microform_parse`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = flex_types::fuzzing::microform_parse(data) {
        panic!("{broken}");
    }
});
