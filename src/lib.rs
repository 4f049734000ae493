//! # drip
//!
//! Meter what AI agents use — LLM tokens, tool calls, agent runs, API
//! requests — and attribute it to customers and workflows in the Drip
//! usage-billing service: off the hot path, exactly once, and never carrying a
//! prompt, a model output, a secret or personal data.
#![forbid(unsafe_code)]

pub use drip_macros::{metadata, run, tool};
pub use drip_runtime::*;

#[doc(hidden)]
pub mod __private {
    pub use drip_runtime::private::*;
}
