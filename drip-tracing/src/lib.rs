//! A [`tracing_subscriber::Layer`] that turns spans following the
//! OpenTelemetry GenAI semantic conventions — as rig and other agent
//! libraries emit them — into drip events of the current run.
//!
//! ```
//! use tracing_subscriber::prelude::*;
//!
//! #[drip::run(customer = "cus_1", workflow = "agent")]
//! fn agent() {
//!     let span = tracing::info_span!(
//!         "chat gpt-4o",
//!         gen_ai.operation.name = "chat",
//!         gen_ai.request.model = "gpt-4o",
//!         gen_ai.usage.input_tokens = tracing::field::Empty,
//!         gen_ai.usage.output_tokens = tracing::field::Empty,
//!     );
//!     // … the call …
//!     span.record("gen_ai.usage.input_tokens", 900_u64);
//!     span.record("gen_ai.usage.output_tokens", 100_u64);
//! }
//!
//! let subscriber = tracing_subscriber::registry().with(drip_tracing::GenAiLayer::new());
//! let capture = drip::testing::capture();
//! tracing::subscriber::with_default(subscriber, agent);
//! let event = &capture.runs()[0].events[0];
//! assert_eq!((event.event_type.as_str(), event.quantity), ("llm.call", Some(1_000.0)));
//! ```
//!
//! # What becomes what
//!
//! - A span whose `gen_ai.operation.name` is `chat`, `text_completion` or
//!   `generate_content` becomes an `llm.call` when it closes: its model
//!   (`gen_ai.response.model`, else `gen_ai.request.model`), its token counts
//!   and its latency (open to close). A span that reported no token count
//!   records nothing.
//! - A span whose `gen_ai.operation.name` is `execute_tool` becomes a
//!   `tool.call`: `gen_ai.tool.name`, its duration (open to close), and status
//!   `error` when it carries `error.type` or `gen_ai.tool.error.type`, or a
//!   `gen_ai.tool.call.outcome` / `otel.status_code` other than a success.
//! - Any other span is ignored.
//!
//! # Exactly which attributes are read
//!
//! Names: `gen_ai.operation.name`, `gen_ai.request.model`,
//! `gen_ai.response.model`, `gen_ai.tool.name`, `gen_ai.tool.call.outcome`,
//! `gen_ai.tool.error.type`, `error.type`, `otel.status_code` (each at most
//! 128 characters; longer values are cut). Counts (unsigned integers):
//! `gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`,
//! `gen_ai.usage.cache_read.input_tokens` (cached tokens) and
//! `gen_ai.usage.reasoning_tokens`. Every other field of a span — prompts and
//! completions (`gen_ai.prompt`, `gen_ai.completion`,
//! `gen_ai.input.messages`, `gen_ai.output.messages`,
//! `gen_ai.system_instructions`), tool arguments and results
//! (`gen_ai.tool.call.arguments`, `gen_ai.tool.call.result`), ids — is
//! skipped without being formatted, and events (log lines) inside spans are
//! not looked at at all.
//!
//! # Which run
//!
//! The drip run current when the span is created, even when the span is
//! entered, recorded and closed later on another task or thread. A span
//! created outside any run records nothing (and drip warns once).
//!
//! # Cost
//!
//! With no GenAI span open, a span's record and close cost one relaxed
//! atomic load here; creating a span costs a scan of its callsite's field
//! names (see `benches/idle_layer.rs`).
//!
//! Use the layer or the rig hook (`drip-rig`), not both for the same agent:
//! each records the same completions.
#![forbid(unsafe_code)]

mod fields;

use fields::{GenAiFields, Operation};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Subscriber, field::Visit};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// The layer; add it to a `tracing_subscriber::registry()`.
///
/// ```
/// use tracing_subscriber::prelude::*;
/// let subscriber = tracing_subscriber::registry().with(drip_tracing::GenAiLayer::new());
/// # let _ = subscriber;
/// ```
#[derive(Debug, Default)]
pub struct GenAiLayer {
    /// GenAI spans created and not yet closed: with none, `on_record` and
    /// `on_close` return before looking the span up.
    open: AtomicUsize,
}

impl GenAiLayer {
    /// A layer recording GenAI spans into drip runs.
    ///
    /// ```
    /// let layer = drip_tracing::GenAiLayer::new();
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        GenAiLayer::default()
    }
}

/// What the layer keeps in a GenAI span's extensions.
struct OpenSpan {
    fields: GenAiFields,
    run: Option<drip_runtime::RunInfo>,
    opened: Instant,
}

impl<S> Layer<S> for GenAiLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs
            .metadata()
            .fields()
            .field(fields::OPERATION_NAME)
            .is_none()
        {
            return;
        }
        let mut fields = GenAiFields::default();
        attrs.record(&mut fields as &mut dyn Visit);
        if fields.operation == Some(Operation::Other) {
            return;
        }
        let Some(span) = ctx.span(id) else {
            return;
        };
        span.extensions_mut().insert(OpenSpan {
            fields,
            run: drip_runtime::current_run(),
            opened: Instant::now(),
        });
        self.open.fetch_add(1, Ordering::Relaxed);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if self.open.load(Ordering::Relaxed) == 0 {
            return;
        }
        let Some(span) = ctx.span(id) else {
            return;
        };
        if let Some(open) = span.extensions_mut().get_mut::<OpenSpan>() {
            values.record(&mut open.fields as &mut dyn Visit);
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if self.open.load(Ordering::Relaxed) == 0 {
            return;
        }
        let Some(span) = ctx.span(&id) else {
            return;
        };
        let Some(open) = span.extensions_mut().remove::<OpenSpan>() else {
            return;
        };
        self.open.fetch_sub(1, Ordering::Relaxed);
        let elapsed = open.opened.elapsed();
        let fields = open.fields;
        let write = || fields.record(elapsed);
        match &open.run {
            Some(run) => run.in_scope(write),
            None => write(),
        }
    }
}
