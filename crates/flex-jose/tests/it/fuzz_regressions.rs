//! Replays every saved finding and seed of the `jose` fuzz target through the hook it calls
//! (`flex_jose::fuzzing::jose`), under a time budget. See docs/FUZZING.md.

use flex_testkit::{fuzz_findings, fuzz_seeds, replay};

fn jose(data: &[u8]) {
    assert_eq!(flex_jose::fuzzing::jose(data), Ok(()));
}

#[test]
fn jose_findings_replay() {
    replay(&fuzz_findings("jose"), jose);
}

#[test]
fn jose_seeds_run_clean() {
    let seeds = fuzz_seeds("jose");
    assert!(seeds.len() >= 4, "jose seeds missing");
    replay(&seeds, jose);
}
