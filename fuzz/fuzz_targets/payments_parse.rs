//! The payment bodies: `PaymentResponse` and `ErrorBody` (the `201` and `400` answers of `POST /pts/v2/payments`),
//! `PaymentRequest` (what the sandbox reads) and `Amount::parse`, with their round-trip and redaction oracles
//! (`flex_types::fuzzing::payments_parse`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = flex_types::fuzzing::payments_parse(data) {
        panic!("{broken}");
    }
});
