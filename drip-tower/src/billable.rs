//! Which requests are billed: [`Billable`] and what it decides on, [`Finished`].

use http::{Method, StatusCode};
use std::sync::Arc;

/// How a request ended, as a [`Billable`] policy sees it.
///
/// ```
/// let done = drip_tower::Finished { method: &http::Method::GET, route: Some("/v1/items/{id}"), status: Some(http::StatusCode::OK), complete: true, grpc_status: None };
/// assert!(drip_tower::Billable::success().bills(&done));
///
/// // The client went away while the body was streaming.
/// let cut = drip_tower::Finished { complete: false, ..done };
/// assert!(!drip_tower::Billable::success().bills(&cut));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Finished<'a> {
    /// The request's method.
    pub method: &'a Method,
    /// The route template, when known (never the raw path).
    pub route: Option<&'a str>,
    /// The response status; `None` when the client went away or the handler
    /// panicked before a response was made.
    pub status: Option<StatusCode>,
    /// Whether the response was sent to the end of its body. `false` when
    /// the client went away before that (while the body was streaming, or
    /// before the response was made), when the body failed, and when the
    /// handler panicked.
    pub complete: bool,
    /// The `grpc-status` of a gRPC response (from its trailers, or its
    /// headers for a trailers-only response); `None` for other responses.
    pub grpc_status: Option<u32>,
}

type Decide = dyn Fn(&Finished<'_>) -> bool + Send + Sync;

/// Which finished requests are billed. The default, [`Billable::success`],
/// bills 2xx responses sent to the end of their body only (and, for gRPC,
/// with `grpc-status` 0): never failures, disconnects or panics.
///
/// ```
/// use drip_tower::Billable;
/// let policy = Billable::statuses(|s| s.is_success() || s.is_redirection()).except_routes(["/health"]);
/// ```
#[derive(Clone)]
pub struct Billable(Arc<Decide>);

impl std::fmt::Debug for Billable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Billable(..)")
    }
}

impl Default for Billable {
    fn default() -> Self {
        Billable::success()
    }
}

impl Billable {
    /// 2xx responses, sent to the end of their body (gRPC: with status `OK`).
    ///
    /// ```
    /// let done = drip_tower::Finished { method: &http::Method::POST, route: None, status: Some(http::StatusCode::INTERNAL_SERVER_ERROR), complete: true, grpc_status: None };
    /// assert!(!drip_tower::Billable::success().bills(&done));
    /// ```
    pub fn success() -> Self {
        Billable::statuses(|s| s.is_success())
    }

    /// Responses sent to the end of their body whose status passes `f` (by
    /// class: `s.is_success()`, `s.is_client_error()`, …). Disconnects,
    /// failed bodies, panics and gRPC responses with a `grpc-status` other
    /// than 0 are not billed.
    ///
    /// ```
    /// let policy = drip_tower::Billable::statuses(|s| s.as_u16() < 500);
    /// let done = drip_tower::Finished { method: &http::Method::GET, route: None, status: Some(http::StatusCode::NOT_FOUND), complete: true, grpc_status: None };
    /// assert!(policy.bills(&done));
    /// ```
    pub fn statuses(f: impl Fn(http::StatusCode) -> bool + Send + Sync + 'static) -> Self {
        Billable(Arc::new(move |d| {
            d.complete && d.grpc_status.unwrap_or(0) == 0 && d.status.is_some_and(&f)
        }))
    }

    /// Any decision over how the request ended — including billing responses
    /// the client did not receive in full, if `f` says so.
    ///
    /// ```
    /// let policy = drip_tower::Billable::when(|d| d.complete && d.method != http::Method::OPTIONS && d.status.is_some_and(|s| s.is_success()));
    /// ```
    pub fn when(f: impl Fn(&Finished<'_>) -> bool + Send + Sync + 'static) -> Self {
        Billable(Arc::new(f))
    }

    /// This policy, but never for the given route templates.
    ///
    /// ```
    /// let policy = drip_tower::Billable::success().except_routes(["/health"]);
    /// let done = drip_tower::Finished { method: &http::Method::GET, route: Some("/health"), status: Some(http::StatusCode::OK), complete: true, grpc_status: None };
    /// assert!(!policy.bills(&done));
    /// ```
    #[must_use]
    pub fn except_routes<I, S>(self, routes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let routes: Vec<String> = routes.into_iter().map(Into::into).collect();
        let inner = self.0;
        Billable(Arc::new(move |d| {
            !d.route.is_some_and(|r| routes.iter().any(|x| x == r)) && inner(d)
        }))
    }

    /// Whether `finished` is billed.
    ///
    /// ```
    /// let done = drip_tower::Finished { method: &http::Method::GET, route: None, status: None, complete: false, grpc_status: None };
    /// assert!(!drip_tower::Billable::success().bills(&done));
    /// ```
    pub fn bills(&self, finished: &Finished<'_>) -> bool {
        (self.0)(finished)
    }
}
