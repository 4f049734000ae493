//! What one request leaves behind: its run, its usage record.
//!
//! The request's path pays for opening the run (so the handler's tool calls
//! attach to it), a few plain values, and handing the finished run — with,
//! when billed, its usage record in the same queue slot — to delivery. The
//! request's facts are metadata of the run and of the usage record; a
//! billed request's are made once, for both, on the transport thread, where
//! both records are made and screened.

use crate::billable::Finished;
use crate::layer::Config;
use crate::sites::SiteOf;
use drip_runtime::{Metadata, RunEnd, ScopedRun};
use http::{Method, StatusCode};
use std::borrow::Cow;
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
    /// A run around the handler and its response body: their tool and LLM
    /// calls attach to it, and the run's metadata describe the request.
    #[default]
    Run,
    /// Only the request's run, describing it; the handler runs with no drip
    /// run, so its tool calls are not attached to the request.
    Event,
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// The response was sent to the end of its body.
    Completed,
    /// The response's head was sent, but its body was dropped before its
    /// end: the client went away (or the server gave up on it).
    Disconnected,
    /// The response's body failed while it was sent.
    BodyFailed,
    /// The request was dropped before its response was made: the client went away.
    Cancelled,
    /// The handler, or the body, panicked.
    Panicked,
}

impl Ending {
    fn as_str(self) -> &'static str {
        match self {
            Ending::Completed => "completed",
            Ending::Disconnected => "disconnected",
            Ending::BodyFailed => "body_failed",
            Ending::Cancelled => "cancelled",
            Ending::Panicked => "panicked",
        }
    }
}

/// A request in progress; recorded when finished, or when dropped (the
/// client went away, or the handler panicked).
pub(crate) struct Pending {
    config: Arc<Config>,
    /// The request's run. Its usage record's key is fixed when it starts:
    /// however often the record is retried or replayed it is stored once.
    run: Option<ScopedRun>,
    method: Method,
    route: Option<Cow<'static, str>>,
    started: Instant,
    request_bytes: Option<u64>,
    /// Set when the response's head is made.
    status: Option<StatusCode>,
    /// Body bytes handed to the server so far.
    sent: u64,
    /// The body's exact length when the head was made, if known.
    expected: Option<u64>,
    /// A gRPC response's `grpc-status`.
    grpc_status: Option<u32>,
}

impl Pending {
    pub(crate) fn start(
        config: Arc<Config>,
        customer: String,
        method: Method,
        route: Option<&str>,
        request_bytes: Option<u64>,
    ) -> Pending {
        let site = config.sites.of(&method, route);
        let route = site.route(route);
        let run = match site {
            SiteOf::Described(template, _) => template.start(customer),
            SiteOf::Bare(template) => {
                let mut run = template.start(customer);
                run.metadata("method", method.as_str());
                if let Some(route) = &route {
                    run.metadata("route", route.as_ref());
                }
                run
            }
        };
        Pending {
            config,
            run: Some(run),
            method,
            route,
            started: Instant::now(),
            request_bytes,
            status: None,
            sent: 0,
            expected: None,
            grpc_status: None,
        }
    }

    /// The run the request's own code (handler, response body) runs in:
    /// the request's run with [`Recording::Run`], when it records anything.
    pub(crate) fn scope(&self) -> Option<&ScopedRun> {
        (self.config.recording == Recording::Run)
            .then_some(self.run.as_ref())
            .flatten()
            .filter(|r| r.is_active())
    }

    /// A `HEAD` request: its response has no body to send.
    pub(crate) fn is_head(&self) -> bool {
        self.method == Method::HEAD
    }

    /// The response's head is made; its body, of `expected` bytes if known, follows.
    pub(crate) fn responded(&mut self, status: StatusCode, expected: Option<u64>) {
        self.status = Some(status);
        self.expected = expected;
    }

    /// Reads `grpc-status` from a response's headers (trailers-only) or trailers.
    pub(crate) fn grpc(&mut self, headers: &http::HeaderMap) {
        if let Some(code) = headers.get("grpc-status") {
            // Not a number: not a status this layer can judge, so not OK.
            self.grpc_status = Some(
                code.to_str()
                    .ok()
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(u32::MAX),
            );
        }
    }

    /// `n` more body bytes were handed to the server.
    pub(crate) fn sent(&mut self, n: u64) {
        self.sent = self.sent.saturating_add(n);
    }

    pub(crate) fn finish(mut self, ending: Ending) {
        self.record(ending);
    }

    fn record(&mut self, ending: Ending) {
        let Some(mut run) = self.run.take() else {
            return;
        };
        let status = self.status;
        let finished = Finished {
            method: &self.method,
            route: self.route.as_deref(),
            status,
            complete: ending == Ending::Completed,
            grpc_status: self.grpc_status,
        };
        let billed = self.config.billable.bills(&finished);
        let response_bytes = (status.is_some() && ending != Ending::Cancelled).then_some(self.sent);
        let end = match ending {
            Ending::Completed => match status {
                _ if self.grpc_error().is_some() => failed("grpc_error"),
                Some(s) if s.is_server_error() => failed("http_server_error"),
                Some(s) if s.is_client_error() => failed("http_client_error"),
                _ => RunEnd::Completed,
            },
            Ending::BodyFailed => failed("http_body_error"),
            // `CANCELLED`, or `FAILED` with code `panic` while a panic unwinds.
            Ending::Disconnected | Ending::Cancelled | Ending::Panicked => RunEnd::Cancelled,
        };
        if billed {
            // One set of facts for both records, made on the transport.
            let facts = self.usage_metadata(ending, response_bytes);
            run.end_and_track_with_facts(end, &self.config.usage, facts);
            return;
        }
        // Method and route are on the run's site. Only numbers are added on
        // a completed request's path; the ending, a string, only when it is
        // not `completed` (the run's status says that).
        if let Some(status) = status {
            run.metadata("status_code", u64::from(status.as_u16()));
        }
        if let Some(n) = self.request_bytes {
            run.metadata("request_bytes", n);
        }
        if let Some(n) = response_bytes {
            run.metadata("response_bytes", n);
        }
        if ending != Ending::Completed {
            run.metadata("status", ending.as_str());
        }
        if let Some(code) = self.grpc_error() {
            run.metadata("error_code", code);
        }
        run.end(end);
    }

    /// The name of a gRPC response's error status, if it has one.
    fn grpc_error(&self) -> Option<&'static str> {
        self.grpc_status.filter(|&c| c != 0).map(grpc_code_name)
    }

    /// What makes a billed request's facts, on its run and its usage
    /// record: its method, route template, status, how it ended, its latency
    /// and its body sizes — never the path, query, headers or bodies. Made,
    /// and screened, on the transport thread.
    fn usage_metadata(
        &mut self,
        ending: Ending,
        response_bytes: Option<u64>,
    ) -> impl FnOnce() -> Metadata + Send + 'static {
        let method = self.method.clone();
        let route = self.route.take();
        let status = self.status;
        let grpc_error = self.grpc_error();
        let request_bytes = self.request_bytes;
        let duration_ms = self.started.elapsed().as_millis() as u64;
        move || {
            let mut m = Metadata::new();
            m.insert("method", method.as_str());
            if let Some(route) = route {
                m.insert("route", route.into_owned());
            }
            if let Some(status) = status {
                m.insert("status_code", u64::from(status.as_u16()));
            }
            if let Some(code) = grpc_error {
                m.insert("error_code", code);
            }
            m.insert("status", ending.as_str());
            m.insert("duration_ms", duration_ms);
            if let Some(n) = request_bytes {
                m.insert("request_bytes", n);
            }
            if let Some(n) = response_bytes {
                m.insert("response_bytes", n);
            }
            m
        }
    }
}

/// The canonical name of a gRPC status code.
fn grpc_code_name(code: u32) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("UNKNOWN")
}

fn failed(code: &'static str) -> RunEnd {
    RunEnd::Failed { code }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.run.is_none() {
            return;
        }
        let ending = if std::thread::panicking() {
            Ending::Panicked
        } else if self.status.is_none() {
            Ending::Cancelled
        } else if self.expected == Some(self.sent) {
            // Every byte of a body of known length was handed over, and the
            // server dropped it without asking for its end.
            Ending::Completed
        } else {
            Ending::Disconnected
        };
        self.record(ending);
    }
}
