//! Runtime of the [drip](https://docs.rs/drip) SDK.
//!
//! Users depend on the `drip` facade crate, which re-exports everything here.
//! This crate is split so that the dependency-free [`fields`] module (the
//! metadata allowlist) can be shared with the `drip-macros` proc-macro crate:
//! the compile-time and the run-time checks are the very same code.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod fields;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
mod clock;
#[cfg(feature = "client")]
pub mod config;
#[cfg(feature = "client")]
pub mod context;
#[cfg(feature = "client")]
pub mod delivery;
#[cfg(feature = "client")]
pub mod error;
#[cfg(feature = "client")]
mod metadata;
#[cfg(feature = "client")]
pub mod meter;
#[cfg(feature = "client")]
pub mod model;
#[cfg(feature = "client")]
mod padded;
#[cfg(feature = "client")]
pub mod privacy;
#[cfg(feature = "client")]
#[doc(hidden)]
pub mod private;
#[cfg(feature = "client")]
mod random;
#[cfg(feature = "client")]
pub mod request_stats;
#[cfg(feature = "client")]
pub mod runtime;
#[cfg(feature = "test-util")]
pub mod testing;
#[cfg(feature = "client")]
mod usage;
#[cfg(feature = "client")]
pub mod webhook;

// Root re-exports, one section per module owner (keep edits inside your section).

// -- section: metadata / privacy --
#[cfg(feature = "client")]
pub use metadata::{Metadata, Value};
#[cfg(feature = "client")]
pub use privacy::{HashId, PrivacyCounters};

// -- end section --

// -- section: client / error / webhook --
#[cfg(feature = "client")]
pub use client::{Admin, Client, ClientBuilder, KeyKind, RetryPolicy, TimelinePages, find_run_id};
#[cfg(feature = "client")]
pub use error::{Error, Result};
#[cfg(feature = "client")]
pub use webhook::{WebhookSignatureError, verify_webhook_signature};

// -- end section --

// -- section: context / testing --
#[cfg(feature = "client")]
pub use context::{
    InCurrentRun, InRun, LlmUsage, RunInfo, current_run, error_event, execute, llm_call,
    llm_call_with, plan, spawn,
};
#[cfg(feature = "client")]
pub use context::{record_llm_call, record_tool_call};

// -- end section --

// -- section: meter --
#[cfg(feature = "client")]
pub use meter::{Flushed, StreamMeter, StreamMeterBuilder};

// -- end section --

// -- section: config / delivery --
#[cfg(feature = "client")]
pub use config::{Config, OverflowPolicy};
#[cfg(feature = "client")]
pub use delivery::{FlushReport, Stats};
#[cfg(feature = "client")]
pub use runtime::{DripGuard, EnterGuard, Runtime, client, flush, hash_id, init, shutdown, stats};

// -- end section --

// -- section: integrations (track_usage, scoped runs) --
#[cfg(feature = "client")]
pub use context::{RunEnd, RunTemplate, ScopedRun};
#[cfg(feature = "client")]
pub use usage::{Usage, UsageTemplate, track_usage, track_usage_external};

// -- end section --
