//! Holds `[package.metadata.drip] allowed-metadata` for its test: the macros
//! read the manifest of the crate being compiled, so a crate of its own is
//! the only way to give a test one.
