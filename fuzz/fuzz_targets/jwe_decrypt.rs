//! Compact JWE decryption with a fixed RSA-2048 key (`flex_jwe::fuzzing::decrypt_compact`): what the sandbox
//! does with the card data a client sends. Must never panic, hang or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    flex_jwe::fuzzing::decrypt_compact(data);
});
