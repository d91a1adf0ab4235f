//! flex-jose's primitives on arbitrary bytes (`flex_jose::fuzzing::jose`): a decoded base64url text re-encodes to
//! itself, compact splits tile the input, and the strict JSON reader is held to serde_json (the one differential
//! oracle). Must never panic, hang or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = flex_jose::fuzzing::jose(data) {
        panic!("{violation}");
    }
});
