//! Tower middleware for [drip](https://docs.rs/drip): meter API requests
//! and gate features on Drip entitlements, for axum, tonic and any
//! `tower::Service<http::Request<B>>`.
//!
//! - [`DripLayer`] opens a drip run per request (so the handler's
//!   `#[drip::tool]` and LLM calls attach to it), records the method, the
//!   route *template*, the status, the latency and the body sizes — never
//!   the raw path, the query string, headers or bodies — and tracks usage on
//!   a meter for billable requests ([`Billable`]: 2xx by default, and
//!   `grpc-status` 0 for gRPC), once, with an idempotency key fixed when the
//!   request starts. A request is billed when the end of its response body
//!   is observed ([`ResponseBody`]): a client that goes away mid-stream is
//!   recorded, not billed. Nothing on the request's path waits on the network.
//! - [`EntitlementLayer`] refuses requests for features a customer is not
//!   entitled to (402 by default), with cached decisions and an explicit
//!   fail-open / fail-closed policy.
//!
//! ```
//! use drip_tower::{CustomerFrom, DripLayer, EntitlementLayer};
//! # let client = drip::Client::builder().api_key("sk_test_0123456789").base_url("http://127.0.0.1:9/v1").build()?;
//! let customer = CustomerFrom::header("x-customer-id");
//! let app: axum::Router = axum::Router::new()
//!     .route("/v1/search", axum::routing::get(|| async { "ok" }))
//!     .layer(EntitlementLayer::builder(client, "search", customer.clone()).build()?)
//!     .layer(DripLayer::builder(customer).meter("api-calls").build()?);
//! # Ok::<(), drip::Error>(())
//! ```
//!
//! Counters (requests without a customer, entitlement decisions) are in
//! `drip::stats().requests`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod billable;
mod body;
mod customer;
mod decisions;
mod entitlement;
mod layer;
mod problem;
mod record;
mod sites;

pub use billable::{Billable, Finished};
pub use body::ResponseBody;
pub use customer::CustomerFrom;
pub use entitlement::{
    EntitlementLayer, EntitlementLayerBuilder, EntitlementService, GateFuture, WhenUnavailable,
};
pub use layer::{DripLayer, DripLayerBuilder, DripService, ResponseFuture};
pub use problem::GateBody;
pub use record::Recording;
