//! Code generation, one module per macro; `common` holds the function wrapping
//! both attributes share.

pub(crate) mod common;
pub(crate) mod metadata;
pub(crate) mod run;
pub(crate) mod tool;
