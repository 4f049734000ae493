//! The metadata allowlist: one source of truth for the macros and the runtime.
//!
//! This module has no dependencies and is compiled even with
//! `default-features = false`.
