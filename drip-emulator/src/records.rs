//! What the emulator stored, as plain data for tests to inspect.
//!
//! Every type here is a snapshot: `Clone`, `Debug` and serde (snake_case field names, the
//! form the `--persist` file uses). The wire format (camelCase) is produced elsewhere.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A customer created with `POST /customers`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let emulator = drip_emulator::Emulator::start().await?;
/// reqwest::Client::builder().no_proxy().build()?
///     .post(format!("{}/customers", emulator.base_url()))
///     .bearer_auth(emulator.public_key())
///     .header("content-type", "application/json")
///     .body(r#"{"externalCustomerId": "acme"}"#)
///     .send()
///     .await?
///     .error_for_status()?;
/// assert_eq!(emulator.customers()[0].external_customer_id.as_deref(), Some("acme"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerRecord {
    /// Server id, `cus_…`.
    pub id: String,
    /// The caller's own id for the customer.
    pub external_customer_id: Option<String>,
    /// A wallet address, the other way to identify a customer.
    pub onchain_address: Option<String>,
    /// Internal (non-billed) customer.
    pub is_internal: bool,
    /// `ACTIVE`, `LOW_BALANCE` or `PAUSED`.
    pub status: String,
    /// Free-form metadata as sent.
    pub metadata: Option<Value>,
    /// The `idempotencyKey` of the creating request, if any.
    pub idempotency_key: Option<String>,
    /// RFC 3339 creation time.
    pub created_at: String,
}

/// One usage record from `POST /usage/internal`, `/usage/internal/batch` or `/usage`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let emulator = drip_emulator::Emulator::start().await?;
/// reqwest::Client::builder().no_proxy().build()?
///     .post(format!("{}/usage/internal", emulator.base_url()))
///     .bearer_auth(emulator.public_key())
///     .header("content-type", "application/json")
///     .body(r#"{"customerId": "cus_1", "usageType": "tokens", "quantity": 3}"#)
///     .send()
///     .await?
///     .error_for_status()?;
/// let total: f64 = emulator.usage().iter().map(|u| u.quantity).sum();
/// assert_eq!(total, 3.0);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageRecord {
    /// Server id, `usg_…`.
    pub id: String,
    /// The customer the usage is attributed to (as sent; not checked against customers).
    pub customer_id: String,
    /// The meter (`usageType` on the wire).
    pub usage_type: String,
    /// The quantity, finite and not negative.
    pub quantity: f64,
    /// Unit label.
    pub units: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Free-form metadata as sent.
    pub metadata: Option<Value>,
    /// The `idempotencyKey` sent with it.
    pub idempotency_key: Option<String>,
    /// Which endpoint stored it: `internal`, `internal_batch` or `charge`.
    pub endpoint: String,
    /// RFC 3339 time the server stored it.
    pub created_at: String,
}

/// A workflow, created by `POST /workflows` or automatically by `POST /runs/record`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let emulator = drip_emulator::Emulator::start().await?;
/// reqwest::Client::builder().no_proxy().build()?
///     .post(format!("{}/workflows", emulator.base_url()))
///     .bearer_auth(emulator.public_key())
///     .header("content-type", "application/json")
///     .body(r#"{"name": "Search", "slug": "search"}"#)
///     .send()
///     .await?
///     .error_for_status()?;
/// assert_eq!(emulator.workflows()[0].slug, "search");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowRecord {
    /// Server id, `wf_…`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Unique slug.
    pub slug: String,
    /// `API`, `RPC`, `WEBHOOK`, `AGENT`, `PIPELINE` or `CUSTOM`.
    pub product_surface: String,
    /// Description.
    pub description: Option<String>,
    /// Free-form metadata as sent.
    pub metadata: Option<Value>,
    /// Whether it was created implicitly by `POST /runs/record`.
    pub auto_created: bool,
    /// The `idempotencyKey` of the creating request, if any.
    pub idempotency_key: Option<String>,
    /// RFC 3339 creation time.
    pub created_at: String,
}

/// A run, from `POST /runs` or `POST /runs/record`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let emulator = drip_emulator::Emulator::start().await?;
/// reqwest::Client::builder().no_proxy().build()?
///     .post(format!("{}/runs/record", emulator.base_url()))
///     .bearer_auth(emulator.public_key())
///     .header("content-type", "application/json")
///     .body(r#"{"customerId": "cus_1", "workflow": "search", "status": "COMPLETED"}"#)
///     .send()
///     .await?
///     .error_for_status()?;
/// let run = &emulator.runs()[0];
/// assert_eq!(run.status, "COMPLETED");
/// assert!(run.recorded);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Server id, `run_…`.
    pub id: String,
    /// Customer the run belongs to (as sent).
    pub customer_id: String,
    /// Workflow id.
    pub workflow_id: String,
    /// Workflow slug.
    pub workflow_slug: String,
    /// `RUNNING`, `COMPLETED`, `FAILED`, `CANCELLED` or `TIMEOUT`.
    pub status: String,
    /// The client-made run id that makes run creation idempotent.
    pub external_run_id: Option<String>,
    /// Correlation id.
    pub correlation_id: Option<String>,
    /// Parent run id.
    pub parent_run_id: Option<String>,
    /// Metadata as sent at start, merged with metadata sent at the end.
    pub metadata: Option<Value>,
    /// Error code sent when the run ended.
    pub error_code: Option<String>,
    /// Error message sent when the run ended.
    pub error_message: Option<String>,
    /// RFC 3339 start time.
    pub started_at: String,
    /// RFC 3339 end time, once ended.
    pub ended_at: Option<String>,
    /// Duration computed by the server (or given to `/runs/record`), once ended.
    pub duration_ms: Option<u64>,
    /// Number of events stored for the run.
    pub event_count: u64,
    /// Sum of the events' quantities.
    pub total_quantity: f64,
    /// Sum of the events' `costUnits`.
    pub total_cost_units: f64,
    /// Whether it was created by `POST /runs/record`.
    pub recorded: bool,
    /// The `idempotencyKey` of the creating request, if any.
    pub idempotency_key: Option<String>,
    /// Unix milliseconds of the start, for the duration computation.
    pub started_at_ms: u64,
}

/// One run event, from `/run-events`, `/run-events/batch` or `/runs/record`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let emulator = drip_emulator::Emulator::start().await?;
/// reqwest::Client::builder().no_proxy().build()?
///     .post(format!("{}/runs/record", emulator.base_url()))
///     .bearer_auth(emulator.public_key())
///     .header("content-type", "application/json")
///     .body(r#"{"customerId": "cus_1", "workflow": "search", "status": "COMPLETED", "events": [{"eventType": "llm.call"}]}"#)
///     .send()
///     .await?
///     .error_for_status()?;
/// assert_eq!(emulator.events()[0].event_type, "llm.call");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// Server id, `evt_…`.
    pub id: String,
    /// The run it belongs to.
    pub run_id: String,
    /// Free-form type such as `llm.call` or `tool.call`.
    pub event_type: String,
    /// Quantity.
    pub quantity: Option<f64>,
    /// Unit label.
    pub units: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Cost in abstract units.
    pub cost_units: Option<f64>,
    /// Cost currency label.
    pub cost_currency: Option<String>,
    /// Free-form metadata as sent.
    pub metadata: Option<Value>,
    /// The `idempotencyKey` sent with it.
    pub idempotency_key: Option<String>,
    /// The client's own `timestamp` field (RFC 3339), exactly as sent.
    pub timestamp: Option<String>,
    /// Parent event id (trace tree).
    pub parent_event_id: Option<String>,
    /// Correlation id.
    pub correlation_id: Option<String>,
    /// OTel-style span id.
    pub span_id: Option<String>,
    /// RFC 3339 time the server stored it.
    pub received_at: String,
}

/// A webhook endpoint registered with `POST /webhooks`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let emulator = drip_emulator::Emulator::start().await?;
/// reqwest::Client::builder().no_proxy().build()?
///     .post(format!("{}/webhooks", emulator.base_url()))
///     .bearer_auth(emulator.secret_key())
///     .header("content-type", "application/json")
///     .body(r#"{"url": "https://example.com/hook", "events": ["usage.recorded"]}"#)
///     .send()
///     .await?
///     .error_for_status()?;
/// assert_eq!(emulator.webhooks()[0].url, "https://example.com/hook");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookRecord {
    /// Server id, `wh_…`.
    pub id: String,
    /// Delivery URL.
    pub url: String,
    /// Subscribed event types.
    pub events: Vec<String>,
    /// Description.
    pub description: Option<String>,
    /// Filters object as sent.
    pub filters: Option<Value>,
    /// Whether deliveries are enabled.
    pub is_active: bool,
    /// Current signing secret (`whsec_…`); the API returns it only at creation and rotation.
    pub secret: String,
    /// Test deliveries that reached the URL and got a 2xx answer.
    pub delivered: u64,
    /// Test deliveries that failed (no connection, non-2xx, or not an `http://` URL).
    pub failed: u64,
    /// The `idempotencyKey` of the creating request, if any.
    pub idempotency_key: Option<String>,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// RFC 3339 time of the last change.
    pub updated_at: String,
}

/// One HTTP request as the emulator received it, and what happened to it.
///
/// The `Authorization` header is never stored.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let emulator = drip_emulator::Emulator::start().await?;
/// let answer = reqwest::Client::builder().no_proxy().build()?
///     .get(format!("{}/customers", emulator.base_url()))
///     .bearer_auth(emulator.public_key())
///     .send()
///     .await?;
/// assert!(answer.status().is_success());
/// let requests = emulator.requests();
/// assert_eq!(requests.len(), 1);
/// assert_eq!(requests[0].method, "GET");
/// assert_eq!(requests[0].path_and_query, "/v1/customers");
/// assert_eq!(requests[0].status, Some(200));
/// assert!(!requests[0].dropped && !requests[0].injected);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// `GET`, `POST`, `PATCH`, …
    pub method: String,
    /// Path and query string exactly as requested, e.g. `/v1/runs/run_1/timeline?limit=5`.
    pub path_and_query: String,
    /// The request body, byte for byte.
    pub body: Vec<u8>,
    /// Status the server produced; `None` when it never produced one (stall).
    /// With `dropped` set, the client did not see it.
    pub status: Option<u16>,
    /// Every `idempotencyKey` in the body (top level and in `events[]`), in order.
    pub idempotency_keys: Vec<String>,
    /// Whether the connection was closed without a response (commit-then-drop).
    pub dropped: bool,
    /// Whether the answer was an injected fault rather than real processing.
    pub injected: bool,
}

impl RequestRecord {
    /// The body as UTF-8 text (lossy).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = drip_emulator::Emulator::start().await?;
    /// reqwest::Client::builder().no_proxy().build()?
    ///     .post(format!("{}/customers", emulator.base_url()))
    ///     .bearer_auth(emulator.public_key())
    ///     .header("content-type", "application/json")
    ///     .body(r#"{"externalCustomerId": "acme"}"#)
    ///     .send()
    ///     .await?
    ///     .error_for_status()?;
    /// assert_eq!(emulator.requests()[0].body_text(), r#"{"externalCustomerId": "acme"}"#);
    /// # Ok(()) }
    /// ```
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON, `None` when it is empty or not JSON.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = drip_emulator::Emulator::start().await?;
    /// reqwest::Client::builder().no_proxy().build()?
    ///     .post(format!("{}/customers", emulator.base_url()))
    ///     .bearer_auth(emulator.public_key())
    ///     .header("content-type", "application/json")
    ///     .body(r#"{"externalCustomerId": "acme"}"#)
    ///     .send()
    ///     .await?
    ///     .error_for_status()?;
    /// let json = emulator.requests()[0].body_json().expect("a JSON body");
    /// assert_eq!(json["externalCustomerId"], "acme");
    /// # Ok(()) }
    /// ```
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A per-feature quota used by `POST /entitlements/check`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct EntitlementLimit {
    pub(crate) customer_id: Option<String>,
    pub(crate) feature_key: String,
    pub(crate) limit: i64,
}
