//! Integration tests of the `cybs-flex` binary: one test binary that runs the built command line as a child
//! process, against the repository's reference vectors in `testdata/` and sandboxes it serves itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod cli;
mod flow;
mod pay;
