//! `ErrorBody` deserialization and its normalized view (`shape`, `status`, `reason`, `message`, `details`):
//! the error bodies the client receives from the network. Must never panic.
#![no_main]

use flex_types::ErrorBody;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = serde_json::from_slice::<ErrorBody<'_>>(data) {
        let _ = body.shape();
        if let Some(status) = body.status() {
            let _ = status.code();
            let _ = status.as_text();
        }
        let _ = body.reason();
        let _ = body.message();
        let _ = body.correlation_id();
        let _ = body.details().count();
        let owned = body.clone().into_owned();
        assert_eq!(owned.shape(), body.shape());
        assert_eq!(owned.message(), body.message());
    }
});
