//! The project's Markdown documents, compiled and run as doctests so that their examples cannot drift.
//!
//! This crate has no API; `cargo test -p flex-docs --doc` (part of `cargo xtask ci`) runs the Rust examples
//! of the root `README.md`.
#![forbid(unsafe_code)]

/// The root `README.md`.
#[doc = include_str!("../../README.md")]
pub mod readme {}
