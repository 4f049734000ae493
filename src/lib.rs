//! # drip
//!
//! Meter what AI agents use — LLM tokens, tool calls, agent runs, API
//! requests — and attribute it to customers and workflows in the Drip
//! usage-billing service: off the hot path, exactly once, surviving outages
//! and restarts, and never carrying a prompt, a model output, a secret or
//! personal data.
//!
//! ```
//! # #[derive(Debug)] struct SearchError;
//! # impl std::fmt::Display for SearchError {
//! #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("down") }
//! # }
//! use drip::model::RunStatus;
//!
//! // A tool: its name, duration, status and listed metadata become a
//! // `tool.call` event of the run it is called in.
//! #[drip::tool(name = "web-search", metadata(provider = "bing"))]
//! async fn web_search(query: &str) -> Result<usize, SearchError> {
//!     Ok(query.len())
//! }
//!
//! // An agent entry point: opens a run for `customer`; everything beneath it
//! // attaches to that run, which ends COMPLETED, FAILED or CANCELLED.
//! #[drip::run(customer = customer, workflow = "research-agent")]
//! async fn research(customer: &str, question: &str) -> Result<usize, SearchError> {
//!     drip::plan("search, then answer");
//!     let hits = web_search(question).await?;
//!     drip::llm_call("gpt-4o", 1_700);
//!     Ok(hits)
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // In production: `let _guard = drip::init(drip::Config::from_env())?;`
//! // Here a test capture shows what would be delivered.
//! let capture = drip::testing::capture();
//! research("cus_123", "is rust fast").await.unwrap();
//!
//! let runs = capture.runs();
//! assert_eq!(runs[0].workflow, "research-agent");
//! assert_eq!(runs[0].customer_id, "cus_123");
//! assert_eq!(runs[0].status, RunStatus::Completed);
//! assert_eq!(runs[0].event_types(), ["agent.plan", "tool.call", "llm.call"]);
//! # }
//! ```
//!
//! ## Where things are
//!
//! - [`tool`], [`run`], [`metadata!`] — the attributes and the checked
//!   metadata builder. Metadata keys are checked against one allowlist
//!   ([`fields`]) at compile time; refused keys are compile errors with a hint.
//! - [`init`], [`flush`], [`shutdown`], [`stats`], [`Config`] — the delivery
//!   pipeline: a bounded queue drained by a transport thread, retries with
//!   backoff, an on-disk spool for what cannot be sent in time. Delivery
//!   starts only from [`init`]; [`client()`] is the [`Client`] it built from
//!   the same configuration.
//! - [`llm_call`], [`plan`], [`execute`], [`error_event`], [`spawn`],
//!   [`InCurrentRun`] — events by hand, and carrying a run into spawned tasks
//!   (a plain `tokio::spawn` does not carry it).
//! - [`Client`] — every call of the Drip API, typed, validated and retried;
//!   webhook management on [`Client::admin`] (secret keys only);
//!   [`Client::check_entitlement`] for quota gates.
//! - [`RunInfo::run_id`], [`find_run_id`] — the server's [`model::RunId`] of a
//!   run, for `get_run` / `get_run_timeline`; distinct from the client-made
//!   [`model::ExternalRunId`] (`xrun_…`).
//! - [`hash_id`] — keyed HMAC identifiers (e.g. a `query_hash`) instead of raw
//!   text.
//! - `testing` (feature `test-util`) — see exactly what your instrumented code records, per test.
//!
//! With no `DRIP_API_KEY` (or with `DRIP_DISABLED=1`) the SDK is disabled and
//! a wrapped call costs one atomic load.
//!
//! ## Features
//!
//! One TLS implementation for `https`, passed through to reqwest:
//!
//! - `tls-aws-lc` (default) — rustls with the aws-lc-rs provider; builds
//!   C code (a C compiler, and CMake on some targets).
//! - `tls-ring` — rustls with the ring provider; needs a C compiler only.
//!   drip installs ring as rustls's process-wide provider unless one is
//!   already installed.
//! - `tls-native` — the platform's TLS (SChannel, Security.framework: no C
//!   toolchain needed; OpenSSL on Linux).
//!
//! With `default-features = false` and none of them, only plain `http` to a
//! loopback host (the emulator) works.
//!
//! `test-util` adds `testing` for your tests (enable it under
//! `[dev-dependencies]`); `tower`, `tracing`, `rig` and `openai` add the
//! integrations.
#![forbid(unsafe_code)]

pub use drip_macros::{run, tool};
pub use drip_runtime::*;

/// GenAI spans (OpenTelemetry semantic conventions) into drip events: the
/// [`drip-tracing`](drip_tracing) crate (feature `tracing`).
#[cfg(feature = "tracing")]
pub use drip_tracing as tracing;

/// rig agents metered by a hook: the [`drip-rig`](drip_rig) crate (feature `rig`).
#[cfg(feature = "rig")]
pub use drip_rig as rig;

/// async-openai usage and metered calls: the [`drip-openai`](drip_openai)
/// crate (feature `openai`).
#[cfg(feature = "openai")]
pub use drip_openai as openai;

/// Builds a [`Metadata`] whose keys — and literal values — are checked at
/// compile time against the same allowlist the runtime uses.
///
/// ```
/// let latency = std::time::Duration::from_millis(12);
/// let m = drip::metadata!(model = "gpt-4o", latencyMs = latency.as_millis() as u64, cached_tokens = 0);
/// assert_eq!(m.get("model"), Some(&drip::Value::from("gpt-4o")));
/// assert_eq!(m.get("latency_ms"), Some(&drip::Value::from(12u64)));
/// assert_eq!(m.len(), 3);
/// ```
///
/// Keys naming secrets (`api_key`, `password`, …), content (`prompt`,
/// `response`, …) or personal data (`email`, `phone`, …) do not compile; nor do
/// keys outside the allowlist (extend it with `[package.metadata.drip]
/// allowed-metadata = [...]` in your `Cargo.toml`), nested values, or string
/// literals that look like a secret or an e-mail address.
///
/// It finds the `drip` crate through `$crate`, so it also works when `drip`
/// is renamed in `Cargo.toml` or re-exported by another crate (the attribute
/// macros need `crate = path` for that).
#[macro_export]
macro_rules! metadata {
    ($($entries:tt)*) => {
        $crate::__private::metadata!(crate = $crate; $($entries)*)
    };
}

/// Tower middleware (feature `tower`): [`DripLayer`](tower::DripLayer) bills
/// API requests, [`EntitlementLayer`](tower::EntitlementLayer) gates features.
#[cfg(feature = "tower")]
pub use drip_tower as tower;

#[doc(hidden)]
pub mod __private {
    pub use drip_macros::metadata;
    pub use drip_runtime::private::*;
}
