//! [`DripLayer`]: one record per request, billing by policy.

use crate::billable::Billable;
use crate::body::ResponseBody;
use crate::customer::CustomerFrom;
use crate::record::{Ending, Pending, Recording};
use crate::sites::Sites;
use drip_runtime::{Error, RunTemplate, UsageTemplate};
use http::request::Parts;
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::{Layer, Service};

type RouteOf = dyn Fn(&Parts) -> Option<String> + Send + Sync;

pub(crate) struct Config {
    pub(crate) customer: CustomerFrom,
    /// The meter and quantity of each billed request's usage record.
    pub(crate) usage: UsageTemplate,
    pub(crate) billable: Billable,
    /// Where the requests' runs start: a template per route.
    pub(crate) sites: Sites,
    pub(crate) recording: Recording,
    route: Option<Arc<RouteOf>>,
}

/// Meters every request: opens a drip run around the handler (so its
/// `#[drip::tool]` and LLM calls attach to it), records the method, route
/// template, status, latency and body sizes, and tracks usage on a meter
/// when the [`Billable`] policy says so — once, with an idempotency key
/// fixed when the request starts. Nothing on the request's path waits on
/// the network.
///
/// ```
/// use drip_tower::{CustomerFrom, DripLayer};
/// let layer = DripLayer::builder(CustomerFrom::header("x-customer-id"))
///     .meter("api-calls")
///     .build()?;
/// let app: axum::Router = axum::Router::new()
///     .route("/v1/search", axum::routing::get(|| async { "ok" }))
///     .layer(layer);
/// # Ok::<(), drip::Error>(())
/// ```
#[derive(Clone)]
pub struct DripLayer {
    config: Arc<Config>,
}

impl std::fmt::Debug for DripLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DripLayer")
            .field("meter", &self.config.usage.meter())
            .field("workflow", &self.config.sites.bare.workflow())
            .finish_non_exhaustive()
    }
}

/// Builds a [`DripLayer`].
///
/// ```
/// use drip_tower::{Billable, CustomerFrom, DripLayer, Recording};
/// let layer = DripLayer::builder(CustomerFrom::header("x-customer-id"))
///     .meter("api-calls")
///     .quantity(1.0)
///     .workflow("search-api")
///     .billable(Billable::success().except_routes(["/health"]))
///     .recording(Recording::Run)
///     .build()?;
/// # Ok::<(), drip::Error>(())
/// ```
#[must_use]
pub struct DripLayerBuilder {
    customer: CustomerFrom,
    meter: String,
    quantity: f64,
    workflow: String,
    billable: Billable,
    recording: Recording,
    route: Option<Arc<RouteOf>>,
}

impl std::fmt::Debug for DripLayerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DripLayerBuilder")
            .field("meter", &self.meter)
            .finish_non_exhaustive()
    }
}

impl DripLayer {
    /// A builder; `customer` says where each request's customer is found.
    ///
    /// ```
    /// let builder = drip_tower::DripLayer::builder(drip_tower::CustomerFrom::header("x-customer-id"));
    /// ```
    pub fn builder(customer: CustomerFrom) -> DripLayerBuilder {
        DripLayerBuilder {
            customer,
            meter: "api-requests".to_owned(),
            quantity: 1.0,
            workflow: "http-api".to_owned(),
            billable: Billable::success(),
            recording: Recording::Run,
            route: None,
        }
    }
}

impl DripLayerBuilder {
    /// The meter billed requests are tracked on (default `api-requests`).
    pub fn meter(mut self, meter: impl Into<String>) -> Self {
        self.meter = meter.into();
        self
    }

    /// The quantity tracked per billed request (default 1).
    pub fn quantity(mut self, quantity: f64) -> Self {
        self.quantity = quantity;
        self
    }

    /// The workflow of the requests' runs (default `http-api`).
    pub fn workflow(mut self, workflow: impl Into<String>) -> Self {
        self.workflow = workflow.into();
        self
    }

    /// Which requests are billed (default [`Billable::success`]).
    pub fn billable(mut self, billable: Billable) -> Self {
        self.billable = billable;
        self
    }

    /// A run per request (default) or one request event.
    pub fn recording(mut self, recording: Recording) -> Self {
        self.recording = recording;
        self
    }

    /// Where the route template comes from, instead of axum's `MatchedPath`
    /// (or, for a gRPC request, its path `/package.Service/Method`, which
    /// holds no ids). Return a template, never a raw path that can carry ids.
    ///
    /// ```
    /// let builder = drip_tower::DripLayer::builder(drip_tower::CustomerFrom::header("x-customer-id"))
    ///     .route(|p| Some(p.uri.path().to_owned()));
    /// ```
    pub fn route(mut self, f: impl Fn(&Parts) -> Option<String> + Send + Sync + 'static) -> Self {
        self.route = Some(Arc::new(f));
        self
    }

    /// The layer. Refuses (with [`Error::Validation`]) a blank meter or
    /// workflow and a negative or non-finite quantity.
    ///
    /// ```
    /// let bad = drip_tower::DripLayer::builder(drip_tower::CustomerFrom::header("x-customer-id")).meter(" ").build();
    /// assert!(matches!(bad, Err(drip::Error::Validation { .. })));
    /// ```
    pub fn build(self) -> Result<DripLayer, Error> {
        let usage = UsageTemplate::new(&self.meter, self.quantity)?;
        let template = RunTemplate::new(&self.workflow)?;
        Ok(DripLayer {
            config: Arc::new(Config {
                customer: self.customer,
                usage,
                billable: self.billable,
                sites: Sites::new(template),
                recording: self.recording,
                route: self.route,
            }),
        })
    }
}

impl Config {
    fn route_of<'p>(&self, parts: &'p Parts) -> Option<Cow<'p, str>> {
        if let Some(f) = &self.route {
            return f(parts).map(Cow::Owned);
        }
        #[cfg(feature = "axum")]
        if let Some(m) = parts.extensions.get::<axum::extract::MatchedPath>() {
            return Some(Cow::Borrowed(m.as_str()));
        }
        // A gRPC path names the method (`/package.Service/Method`), never an id.
        let grpc = parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .is_some_and(|t| t.as_bytes().starts_with(b"application/grpc"));
        grpc.then(|| Cow::Borrowed(parts.uri.path()))
    }
}

impl<S> Layer<S> for DripLayer {
    type Service = DripService<S>;

    fn layer(&self, inner: S) -> DripService<S> {
        DripService {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

/// The service made by [`DripLayer`].
#[derive(Clone)]
pub struct DripService<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for DripService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DripService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for DripService<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    ReqBody: http_body::Body,
    ResBody: http_body::Body,
{
    type Response = http::Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<ReqBody>) -> Self::Future {
        if !self.config.sites.bare.is_enabled() {
            return ResponseFuture::plain(self.inner.call(req), None);
        }
        let request_bytes = req.body().size_hint().exact();
        let (parts, body) = req.into_parts();
        let Some(customer) = self.config.customer.find(&parts) else {
            drip_runtime::request_stats::note_without_customer();
            let req = http::Request::from_parts(parts, body);
            return ResponseFuture::plain(self.inner.call(req), None);
        };
        let route = self.config.route_of(&parts);
        let pending = Pending::start(
            Arc::clone(&self.config),
            customer,
            parts.method.clone(),
            route.as_deref(),
            request_bytes,
        );
        drop(route);
        let req = http::Request::from_parts(parts, body);
        match pending.scope() {
            Some(run) => {
                let fut = run.instrument(self.inner.call(req));
                ResponseFuture::in_run(fut, pending)
            }
            None => ResponseFuture::plain(self.inner.call(req), Some(pending)),
        }
    }
}

pin_project_lite::pin_project! {
    #[project = InnerProj]
    enum Inner<F> {
        Plain { #[pin] fut: F },
        InRun { #[pin] fut: drip_runtime::InRun<F> },
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`DripService`]: the inner future, under the
    /// request's run when there is one. Its response's body is a
    /// [`ResponseBody`], which records the request when it ends.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: Inner<F>,
        pending: Option<Pending>,
    }
}

impl<F> ResponseFuture<F> {
    fn plain(fut: F, pending: Option<Pending>) -> Self {
        ResponseFuture {
            inner: Inner::Plain { fut },
            pending,
        }
    }

    fn in_run(fut: drip_runtime::InRun<F>, pending: Pending) -> Self {
        ResponseFuture {
            inner: Inner::InRun { fut },
            pending: Some(pending),
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<http::Response<B>, E>>,
    B: http_body::Body,
{
    type Output = Result<http::Response<ResponseBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let out = match this.inner.project() {
            InnerProj::Plain { fut } => std::task::ready!(fut.poll(cx)),
            InnerProj::InRun { fut } => std::task::ready!(fut.poll(cx)),
        };
        let pending = this.pending.take();
        Poll::Ready(match out {
            Ok(res) => Ok(with_body_recording(res, pending)),
            Err(e) => {
                if let Some(mut pending) = pending {
                    // The service failed without a response: recorded as a 500.
                    pending.responded(http::StatusCode::INTERNAL_SERVER_ERROR, Some(0));
                    pending.finish(Ending::Completed);
                }
                Err(e)
            }
        })
    }
}

/// Hands the request's record to the response's body, or records it now
/// when the response has no body to send (empty, `HEAD`, 1xx, 204, 304).
fn with_body_recording<B: http_body::Body>(
    res: http::Response<B>,
    pending: Option<Pending>,
) -> http::Response<ResponseBody<B>> {
    let Some(mut pending) = pending else {
        return res.map(|b| ResponseBody::new(b, None));
    };
    let status = res.status();
    pending.responded(status, res.body().size_hint().exact());
    pending.grpc(res.headers());
    let bodiless = res.body().is_end_stream()
        || pending.is_head()
        || status.is_informational()
        || status == http::StatusCode::NO_CONTENT
        || status == http::StatusCode::NOT_MODIFIED;
    if bodiless {
        pending.finish(Ending::Completed);
        return res.map(|b| ResponseBody::new(b, None));
    }
    res.map(|b| ResponseBody::new(b, Some(pending)))
}
