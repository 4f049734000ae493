//! [`EntitlementLayer`]: refuse requests for features a customer is not entitled to.

use crate::customer::CustomerFrom;
use crate::decisions::{Answer, Decisions};
use crate::problem::GateBody;
use drip_runtime::request_stats::{EntitlementDecision, note_entitlement};
use drip_runtime::{Client, Error};
use http::{Response, StatusCode};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tower::{Layer, Service};

/// What the gate does when Drip does not answer within the timeout.
///
/// ```
/// let policy = drip_tower::WhenUnavailable::Refuse;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WhenUnavailable {
    /// Let the request through (counted as `entitlement_failed_open`).
    Allow,
    /// Answer 503 (counted as `entitlement_failed_closed`).
    Refuse,
}

struct Gate {
    customer: CustomerFrom,
    decisions: Decisions,
    refusal: StatusCode,
    unavailable: WhenUnavailable,
}

/// Before the inner service runs, checks that the request's customer is
/// entitled to a feature (`POST /entitlements/check`), and answers a small
/// `application/problem+json` refusal (402 by default) when not. Decisions
/// are cached per customer for a TTL in bounded memory, and concurrent
/// requests of one customer share one check. Requests without a customer
/// pass through (authentication is the application's job).
///
/// ```
/// use drip_tower::{CustomerFrom, EntitlementLayer, WhenUnavailable};
/// use std::time::Duration;
/// let client = drip::Client::builder().api_key("sk_test_0123456789").base_url("http://127.0.0.1:9/v1").build()?;
/// let gate = EntitlementLayer::builder(client, "deep-research", CustomerFrom::header("x-customer-id"))
///     .ttl(Duration::from_secs(30))
///     .timeout(Duration::from_millis(300))
///     .when_unavailable(WhenUnavailable::Allow)
///     .build()?;
/// let app: axum::Router = axum::Router::new()
///     .route("/v1/research", axum::routing::post(|| async { "ok" }))
///     .layer(gate);
/// # Ok::<(), drip::Error>(())
/// ```
#[derive(Clone)]
pub struct EntitlementLayer {
    gate: Arc<Gate>,
}

impl std::fmt::Debug for EntitlementLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntitlementLayer")
            .field("feature", &self.gate.decisions.feature())
            .finish_non_exhaustive()
    }
}

/// Builds an [`EntitlementLayer`].
///
/// ```
/// let client = drip::Client::builder().api_key("sk_test_0123456789").base_url("http://127.0.0.1:9/v1").build()?;
/// let builder = drip_tower::EntitlementLayer::builder(client, "deep-research", drip_tower::CustomerFrom::header("x-customer-id"))
///     .refusal_status(http::StatusCode::TOO_MANY_REQUESTS)
///     .capacity(50_000);
/// # Ok::<(), drip::Error>(())
/// ```
#[must_use]
pub struct EntitlementLayerBuilder {
    client: Client,
    feature: String,
    customer: CustomerFrom,
    ttl: Duration,
    timeout: Duration,
    capacity: usize,
    refusal: StatusCode,
    unavailable: WhenUnavailable,
}

impl std::fmt::Debug for EntitlementLayerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntitlementLayerBuilder")
            .field("feature", &self.feature)
            .finish_non_exhaustive()
    }
}

impl EntitlementLayer {
    /// A builder gating `feature` with `client`; `customer` says where each
    /// request's customer is found. Defaults: TTL 60 s, timeout 500 ms,
    /// 10 000 customers cached, refusal 402, [`WhenUnavailable::Allow`].
    ///
    /// ```
    /// let client = drip::Client::builder().api_key("sk_test_0123456789").base_url("http://127.0.0.1:9/v1").build()?;
    /// let layer = drip_tower::EntitlementLayer::builder(client, "search", drip_tower::CustomerFrom::header("x-customer-id")).build()?;
    /// # Ok::<(), drip::Error>(())
    /// ```
    pub fn builder(
        client: Client,
        feature: impl Into<String>,
        customer: CustomerFrom,
    ) -> EntitlementLayerBuilder {
        EntitlementLayerBuilder {
            client,
            feature: feature.into(),
            customer,
            ttl: Duration::from_secs(60),
            timeout: Duration::from_millis(500),
            capacity: 10_000,
            refusal: StatusCode::PAYMENT_REQUIRED,
            unavailable: WhenUnavailable::Allow,
        }
    }
}

impl EntitlementLayerBuilder {
    /// How long a decision is reused (zero: every request asks, but
    /// concurrent requests still share one check).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How long a request waits for Drip before [`WhenUnavailable`] applies.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many customers' decisions are kept at most.
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// The status of a refusal: 402 (default), 403 or 429.
    pub fn refusal_status(mut self, status: StatusCode) -> Self {
        self.refusal = status;
        self
    }

    /// Fail-open ([`WhenUnavailable::Allow`], default) or fail-closed.
    pub fn when_unavailable(mut self, policy: WhenUnavailable) -> Self {
        self.unavailable = policy;
        self
    }

    /// The layer. Refuses a blank feature and a refusal status other than
    /// 402, 403 or 429 with [`Error::Validation`].
    ///
    /// ```
    /// let client = drip::Client::builder().api_key("sk_test_0123456789").base_url("http://127.0.0.1:9/v1").build()?;
    /// let bad = drip_tower::EntitlementLayer::builder(client, "search", drip_tower::CustomerFrom::header("x-customer-id"))
    ///     .refusal_status(http::StatusCode::OK)
    ///     .build();
    /// assert!(matches!(bad, Err(drip::Error::Validation { .. })));
    /// # Ok::<(), drip::Error>(())
    /// ```
    pub fn build(self) -> Result<EntitlementLayer, Error> {
        if self.feature.trim().is_empty() {
            return Err(Error::Validation {
                field: "featureKey",
                reason: "must not be empty".into(),
            });
        }
        if ![402, 403, 429].contains(&self.refusal.as_u16()) {
            return Err(Error::Validation {
                field: "refusal_status",
                reason: format!("must be 402, 403 or 429, got {}", self.refusal.as_u16()),
            });
        }
        Ok(EntitlementLayer {
            gate: Arc::new(Gate {
                customer: self.customer,
                decisions: Decisions::new(
                    self.client,
                    self.feature,
                    self.ttl,
                    self.timeout,
                    self.capacity,
                ),
                refusal: self.refusal,
                unavailable: self.unavailable,
            }),
        })
    }
}

impl<S> Layer<S> for EntitlementLayer {
    type Service = EntitlementService<S>;

    fn layer(&self, inner: S) -> EntitlementService<S> {
        EntitlementService {
            inner,
            gate: Arc::clone(&self.gate),
        }
    }
}

/// The service made by [`EntitlementLayer`].
#[derive(Clone)]
pub struct EntitlementService<S> {
    inner: S,
    gate: Arc<Gate>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for EntitlementService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntitlementService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

/// The response future of [`EntitlementService`].
pub type GateFuture<R, E> = Pin<Box<dyn Future<Output = Result<R, E>> + Send>>;

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for EntitlementService<S>
where
    S: Service<http::Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    ReqBody: Send + 'static,
    ResBody: 'static,
{
    type Response = Response<GateBody<ResBody>>;
    type Error = S::Error;
    type Future = GateFuture<Self::Response, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<ReqBody>) -> Self::Future {
        // The clone that was made ready serves this request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let gate = Arc::clone(&self.gate);
        let (parts, body) = req.into_parts();
        let customer = gate.customer.find(&parts);
        let req = http::Request::from_parts(parts, body);
        Box::pin(async move {
            if let Some(customer) = customer {
                let answer = gate.decisions.decide(&customer).await;
                if let Some(refusal) = gate.refuse(answer) {
                    return Ok(refusal);
                }
            }
            let res = inner.call(req).await?;
            Ok(res.map(GateBody::inner))
        })
    }
}

impl Gate {
    /// Counts the decision; the refusal to answer, if any.
    fn refuse<B>(&self, answer: Answer) -> Option<Response<GateBody<B>>> {
        let (decision, refusal) = match (answer, self.unavailable) {
            (Answer::Allowed, _) => (EntitlementDecision::Allowed, None),
            (Answer::Refused, _) => (
                EntitlementDecision::Refused,
                Some((
                    self.refusal,
                    "this plan does not include the feature, or its quota is used up",
                )),
            ),
            (Answer::Unavailable, WhenUnavailable::Allow) => {
                (EntitlementDecision::FailedOpen, None)
            }
            (Answer::Unavailable, WhenUnavailable::Refuse) => (
                EntitlementDecision::FailedClosed,
                Some((
                    StatusCode::SERVICE_UNAVAILABLE,
                    "entitlements cannot be checked right now; retry later",
                )),
            ),
        };
        note_entitlement(decision);
        let (status, detail) = refusal?;
        let body = GateBody::problem(status, self.decisions.feature(), detail);
        let mut res = Response::new(body);
        *res.status_mut() = status;
        res.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/problem+json"),
        );
        Some(res)
    }
}
