//! What one request leaves behind: its run (or request event), its usage.

use crate::billable::Finished;
use crate::layer::Config;
use drip_runtime::{Metadata, RunEnd, ScopedRun, Usage};
use http::{Method, StatusCode};
use std::sync::Arc;
use std::time::Instant;

/// What a [`DripLayer`](crate::DripLayer) opens per request.
///
/// ```
/// assert_eq!(drip_tower::Recording::default(), drip_tower::Recording::Run);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Recording {
    /// A run around the handler: its tool and LLM calls attach to it, and it
    /// ends with one `agent.execute` event describing the request.
    #[default]
    Run,
    /// Only the request event (in a run of its own); the handler runs with no
    /// drip run, so its tool calls are not attached to the request.
    Event,
}

/// A request in progress; recorded when finished, or when dropped (the
/// client went away, or the handler panicked).
pub(crate) struct Pending {
    config: Arc<Config>,
    run: Option<ScopedRun>,
    usage: Option<Usage>,
    method: Method,
    route: Option<String>,
    started: Instant,
    request_bytes: Option<u64>,
}

impl Pending {
    pub(crate) fn start(
        config: Arc<Config>,
        customer: &str,
        method: Method,
        route: Option<String>,
        request_bytes: Option<u64>,
    ) -> Pending {
        let run = config.template.start(customer);
        // The key is fixed here, so however often the record is retried or
        // replayed it is stored once.
        let usage = Usage::new(customer, &config.meter, config.quantity).ok();
        Pending {
            config,
            run: Some(run),
            usage,
            method,
            route,
            started: Instant::now(),
            request_bytes,
        }
    }

    pub(crate) fn run(&self) -> Option<&ScopedRun> {
        self.run.as_ref().filter(|r| r.is_active())
    }

    pub(crate) fn finish(mut self, status: Option<StatusCode>, response_bytes: Option<u64>) {
        self.record(status, response_bytes, "completed");
    }

    fn record(
        &mut self,
        status: Option<StatusCode>,
        response_bytes: Option<u64>,
        how: &'static str,
    ) {
        let Some(run) = self.run.take() else { return };
        let finished = Finished {
            method: &self.method,
            route: self.route.as_deref(),
            status,
        };
        let billed = self.config.billable.bills(&finished);
        let metadata = self.metadata(status, response_bytes, how);
        run.in_scope(|| drip_runtime::execute("http request", metadata.clone()));
        if billed && let Some(usage) = self.usage.take() {
            usage.metadata(metadata).track();
        }
        match (how, status) {
            ("completed", Some(s)) if s.is_server_error() => run.end(RunEnd::Failed {
                code: "http_server_error",
            }),
            ("completed", Some(s)) if s.is_client_error() => run.end(RunEnd::Failed {
                code: "http_client_error",
            }),
            ("completed", _) => run.end(RunEnd::Completed),
            // Dropped while a panic unwinds: the run ends FAILED, code `panic`.
            _ => drop(run),
        }
    }

    fn metadata(
        &self,
        status: Option<StatusCode>,
        response_bytes: Option<u64>,
        how: &'static str,
    ) -> Metadata {
        let mut m = Metadata::new();
        m.insert("method", self.method.as_str());
        if let Some(route) = &self.route {
            m.insert("route", route.as_str());
        }
        if let Some(status) = status {
            m.insert("status_code", u64::from(status.as_u16()));
        }
        m.insert("status", how);
        m.insert("duration_ms", self.started.elapsed().as_millis() as u64);
        if let Some(n) = self.request_bytes {
            m.insert("request_bytes", n);
        }
        if let Some(n) = response_bytes {
            m.insert("response_bytes", n);
        }
        m
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.run.is_some() {
            let how = if std::thread::panicking() {
                "panicked"
            } else {
                "cancelled"
            };
            self.record(None, None, how);
        }
    }
}
