//! Starting the emulator on its own thread and runtime, and the handle that controls it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::error::EmulatorError;
use crate::faults::Faults;
use crate::records::{
    CustomerRecord, EventRecord, RequestRecord, RunRecord, UsageRecord, WebhookRecord,
    WorkflowRecord,
};
use crate::request_log::LoggedRequest;
use crate::shared::Shared;
use crate::stored_event::StoredEvent;

/// Entry point: `Emulator::start().await` or `Emulator::builder()`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), drip_emulator::EmulatorError> {
/// let emulator = drip_emulator::Emulator::start().await?;
/// assert!(emulator.base_url().starts_with("http://127.0.0.1:"));
/// assert!(emulator.public_key().starts_with("pk_test_"));
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct Emulator;

impl Emulator {
    /// Starts an emulator on `127.0.0.1` and a free port, with fresh random keys.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emulator = drip_emulator::Emulator::start().await.unwrap();
    /// println!("serving on {}", emulator.base_url());
    /// # }
    /// ```
    pub async fn start() -> Result<EmulatorHandle, EmulatorError> {
        Self::builder().start().await
    }

    /// A builder for a port, persistence file or fixed keys.
    ///
    /// ```
    /// let emulator = drip_emulator::Emulator::builder()
    ///     .public_key("pk_test_fixed_public")
    ///     .secret_key("sk_test_fixed_secret")
    ///     .start_blocking()
    ///     .unwrap();
    /// assert_eq!(emulator.secret_key(), "sk_test_fixed_secret");
    /// ```
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// Options for starting an emulator; from [`Emulator::builder`].
///
/// ```
/// let emulator = drip_emulator::Emulator::builder().port(0).start_blocking().unwrap();
/// assert_ne!(emulator.port(), 0);
/// ```
#[derive(Debug, Clone, Default)]
pub struct EmulatorBuilder {
    port: u16,
    persist: Option<PathBuf>,
    public_key: Option<String>,
    secret_key: Option<String>,
}

impl EmulatorBuilder {
    /// Port on 127.0.0.1; 0 (the default) picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Loads state from `path` at start (if it exists) and saves it there after changes
    /// and at shutdown.
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("drip-emulator-doc-{}.json", std::process::id()));
    /// let emulator = drip_emulator::Emulator::builder().persist(&path).start_blocking().unwrap();
    /// emulator.shutdown();
    /// assert!(path.exists());
    /// # std::fs::remove_file(&path).ok();
    /// ```
    pub fn persist(mut self, path: impl Into<PathBuf>) -> Self {
        self.persist = Some(path.into());
        self
    }

    /// Uses this public key (`pk_…`, at least 10 characters) instead of a random one.
    pub fn public_key(mut self, key: impl Into<String>) -> Self {
        self.public_key = Some(key.into());
        self
    }

    /// Uses this secret key (`sk_…`, at least 10 characters) instead of a random one.
    pub fn secret_key(mut self, key: impl Into<String>) -> Self {
        self.secret_key = Some(key.into());
        self
    }

    /// Starts the server. It runs on its own thread and runtime, so this works from any
    /// runtime flavour.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let emulator = drip_emulator::Emulator::builder().start().await.unwrap();
    /// assert!(emulator.origin().starts_with("http://127.0.0.1:"));
    /// # }
    /// ```
    pub async fn start(self) -> Result<EmulatorHandle, EmulatorError> {
        self.start_blocking()
    }

    /// Starts the server from synchronous code (`fn main`, plain `#[test]`).
    ///
    /// ```
    /// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// assert!(emulator.base_url().ends_with("/v1"));
    /// ```
    pub fn start_blocking(self) -> Result<EmulatorHandle, EmulatorError> {
        let public_key = check_key("public", "pk_", self.public_key)?;
        let secret_key = check_key("secret", "sk_", self.secret_key)?;
        if public_key == secret_key {
            return Err(EmulatorError::InvalidKey {
                which: "secret",
                reason: "must differ from the public key".into(),
            });
        }
        let store = match &self.persist {
            Some(path) => crate::persist::load(path)?,
            None => Default::default(),
        };
        let requested = SocketAddr::from(([127, 0, 0, 1], self.port));
        let listener = std::net::TcpListener::bind(requested)
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|source| EmulatorError::Bind {
                addr: requested.to_string(),
                source,
            })?;
        let addr = listener.local_addr().map_err(EmulatorError::Runtime)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("drip-emulator")
            .enable_all()
            .build()
            .map_err(EmulatorError::Runtime)?;
        let shared = Arc::new(Shared::new(store, public_key, secret_key, self.persist));
        let (stop_tx, stop_rx) = oneshot::channel();
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("drip-emulator".into())
            .spawn(move || run_server(runtime, listener, thread_shared, stop_rx))
            .map_err(EmulatorError::Runtime)?;
        Ok(EmulatorHandle {
            inner: Arc::new(Inner {
                shared,
                addr,
                stop: Mutex::new(Some(stop_tx)),
                thread: Mutex::new(Some(thread)),
            }),
        })
    }
}

fn check_key(
    which: &'static str,
    prefix: &str,
    key: Option<String>,
) -> Result<String, EmulatorError> {
    let Some(key) = key else {
        return Ok(crate::random::random_token(&format!("{prefix}test_"), 32));
    };
    if !key.starts_with(prefix) {
        return Err(EmulatorError::InvalidKey {
            which,
            reason: format!("must start with `{prefix}`"),
        });
    }
    if key.len() < 10 {
        return Err(EmulatorError::InvalidKey {
            which,
            reason: "must be at least 10 characters".into(),
        });
    }
    if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(EmulatorError::InvalidKey {
            which,
            reason: "must not contain whitespace".into(),
        });
    }
    Ok(key)
}

fn run_server(
    runtime: tokio::runtime::Runtime,
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    stop: oneshot::Receiver<()>,
) {
    let persist_path = shared.persist_path.clone();
    runtime.block_on(async {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(e) => {
                tracing::error!(error = %e, "drip-emulator could not register its listener");
                return;
            }
        };
        if let Some(path) = persist_path.clone() {
            tokio::spawn(crate::persist::run(shared.clone(), path));
        }
        crate::server::serve(listener, shared.clone(), stop).await;
    });
    // Drops every open connection (stalled ones included) and the snapshot task.
    runtime.shutdown_timeout(Duration::from_secs(1));
    if let Some(path) = persist_path
        && let Err(e) = crate::persist::save(&shared, &path)
    {
        tracing::warn!(path = %path.display(), error = %e, "drip-emulator could not write its final snapshot");
    }
}

struct Inner {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Mutex<Option<oneshot::Sender<()>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Inner {
    fn shutdown(&self) {
        if let Some(stop) = self.stop.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = stop.send(());
        }
        let thread = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A running emulator. Cheap to clone; the server stops when the last clone is dropped or
/// on [`shutdown`](EmulatorHandle::shutdown).
///
/// ```
/// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
/// let for_another_task = emulator.clone();
/// assert_eq!(for_another_task.base_url(), emulator.base_url());
/// ```
#[derive(Clone)]
pub struct EmulatorHandle {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EmulatorHandle {
    // Keys stay out of Debug output: they are credentials, even test ones.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.inner.addr)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// API base URL, `http://127.0.0.1:PORT/v1`.
    ///
    /// ```
    /// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// assert_eq!(emulator.base_url(), format!("{}/v1", emulator.origin()));
    /// ```
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.origin())
    }

    /// `http://127.0.0.1:PORT` (where `/health` and `/_emulator/*` live).
    ///
    /// ```
    /// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// assert_eq!(emulator.origin(), format!("http://127.0.0.1:{}", emulator.port()));
    /// ```
    pub fn origin(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    /// The port listened on.
    ///
    /// ```
    /// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// assert!(emulator.port() > 0);
    /// ```
    pub fn port(&self) -> u16 {
        self.inner.addr.port()
    }

    /// The public key (`pk_test_…`) the server accepts.
    ///
    /// ```
    /// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// assert!(emulator.public_key().starts_with("pk_"));
    /// ```
    pub fn public_key(&self) -> &str {
        &self.inner.shared.public_key
    }

    /// The secret key (`sk_test_…`) the server accepts.
    ///
    /// ```
    /// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// assert!(emulator.secret_key().starts_with("sk_"));
    /// ```
    pub fn secret_key(&self) -> &str {
        &self.inner.shared.secret_key
    }

    /// Stops the server and waits for it (writing the final snapshot when persisting).
    /// Later calls do nothing; requests afterwards fail to connect.
    ///
    /// ```
    /// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// emulator.shutdown();
    /// assert!(std::net::TcpStream::connect(("127.0.0.1", emulator.port())).is_err());
    /// ```
    pub fn shutdown(&self) {
        self.inner.shutdown();
    }

    /// Fault injection controls.
    ///
    /// ```
    /// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// emulator.faults().error_rate(503, 1.0).path_prefix(Some("/v1/usage"));
    /// ```
    pub fn faults(&self) -> Faults {
        Faults {
            state: self.inner.shared.faults.clone(),
        }
    }

    /// Stored customers, in creation order.
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
    pub fn customers(&self) -> Vec<CustomerRecord> {
        self.inner.shared.store().customers.clone()
    }

    /// Stored usage records, in order.
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
    /// assert_eq!(emulator.usage()[0].usage_type, "tokens");
    /// # Ok(()) }
    /// ```
    pub fn usage(&self) -> Vec<UsageRecord> {
        self.inner.shared.store().usage.clone()
    }

    /// Stored workflows, in creation order.
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
    pub fn workflows(&self) -> Vec<WorkflowRecord> {
        self.inner.shared.store().workflows.clone()
    }

    /// Stored runs, in creation order.
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
    /// assert_eq!(emulator.runs()[0].status, "COMPLETED");
    /// # Ok(()) }
    /// ```
    pub fn runs(&self) -> Vec<RunRecord> {
        self.inner.shared.store().runs.clone()
    }

    /// Stored run events, in arrival order.
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
    pub fn events(&self) -> Vec<EventRecord> {
        self.inner
            .shared
            .store()
            .events
            .iter()
            .map(StoredEvent::to_record)
            .collect()
    }

    /// Number of stored run events (cheaper than `events().len()`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = drip_emulator::Emulator::start().await?;
    /// reqwest::Client::builder().no_proxy().build()?
    ///     .post(format!("{}/runs/record", emulator.base_url()))
    ///     .bearer_auth(emulator.public_key())
    ///     .header("content-type", "application/json")
    ///     .body(r#"{"customerId": "cus_1", "workflow": "search", "status": "COMPLETED", "events": [{"eventType": "llm.call"}, {"eventType": "tool.call"}]}"#)
    ///     .send()
    ///     .await?
    ///     .error_for_status()?;
    /// assert_eq!(emulator.event_count(), 2);
    /// # Ok(()) }
    /// ```
    pub fn event_count(&self) -> usize {
        self.inner.shared.store().events.len()
    }

    /// Registered webhooks (deleted ones are gone).
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
    /// assert_eq!(emulator.webhooks().len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn webhooks(&self) -> Vec<WebhookRecord> {
        self.inner.shared.store().webhooks.clone()
    }

    /// The request log, oldest first (`/_emulator/*` calls are not logged).
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
    /// let request = &emulator.requests()[0];
    /// assert_eq!(request.path_and_query, "/v1/customers");
    /// assert_eq!(request.status, Some(201));
    /// # Ok(()) }
    /// ```
    pub fn requests(&self) -> Vec<RequestRecord> {
        // Copied out under the lock; the derived fields are worked out after releasing it.
        let logged = self.inner.shared.requests().clone();
        logged.iter().map(LoggedRequest::to_record).collect()
    }

    /// Empties the request log.
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
    /// assert_eq!(emulator.requests().len(), 1);
    /// emulator.clear_requests();
    /// assert!(emulator.requests().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn clear_requests(&self) {
        self.inner.shared.requests().clear();
    }

    /// Turns the request log on or off (on by default; throughput tests turn it off).
    ///
    /// ```
    /// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// emulator.set_request_logging(false);
    /// ```
    pub fn set_request_logging(&self, enabled: bool) {
        self.inner.shared.set_logging(enabled);
    }

    /// Sets the quota of `feature_key` for every customer (`-1` = unlimited). Usage
    /// tracked with `usageType == feature_key` consumes it.
    ///
    /// ```
    /// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// emulator.set_entitlement_limit("searches", 100);
    /// ```
    pub fn set_entitlement_limit(&self, feature_key: &str, limit: i64) {
        self.inner
            .shared
            .store()
            .set_entitlement_limit(None, feature_key.to_owned(), limit);
        self.inner.shared.changed();
    }

    /// Sets what `POST /entitlements/check` answers for `customer_id` and
    /// `feature_key`: `Some(limit)` units per monthly period, or `None` for
    /// unlimited. Usage tracked for that customer on the meter named
    /// `feature_key` consumes the quota; a check is allowed while the
    /// requested quantity fits in what remains. Overrides any quota set for
    /// every customer with [`EmulatorHandle::set_entitlement_limit`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = drip_emulator::Emulator::start().await?;
    /// emulator.set_entitlement("cus_1", "deep_research", Some(2));
    /// let answer = reqwest::Client::builder().no_proxy().build()?
    ///     .post(format!("{}/entitlements/check", emulator.base_url()))
    ///     .bearer_auth(emulator.public_key())
    ///     .header("content-type", "application/json")
    ///     .body(r#"{"customerId": "cus_1", "featureKey": "deep_research", "quantity": 3}"#)
    ///     .send().await?
    ///     .text().await?;
    /// let answer: serde_json::Value = serde_json::from_str(&answer)?;
    /// assert_eq!(answer["allowed"], false);
    /// assert_eq!(answer["remaining"], 2);
    /// # Ok(()) }
    /// ```
    pub fn set_entitlement(&self, customer_id: &str, feature_key: &str, limit: Option<u64>) {
        let limit = limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        self.set_customer_entitlement_limit(customer_id, feature_key, limit);
    }

    /// Sets the quota of `feature_key` for one customer, overriding the global quota.
    ///
    /// ```
    /// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// emulator.set_customer_entitlement_limit("cus_1", "searches", 0);
    /// ```
    pub fn set_customer_entitlement_limit(&self, customer_id: &str, feature_key: &str, limit: i64) {
        self.inner.shared.store().set_entitlement_limit(
            Some(customer_id.to_owned()),
            feature_key.to_owned(),
            limit,
        );
        self.inner.shared.changed();
    }

    /// Charges made with `POST /usage` and `/usage/async`, in order.
    ///
    /// ```
    /// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// let charged: f64 = emulator.charges().iter().map(|c| c.quantity).sum();
    /// assert_eq!(charged, 0.0);
    /// ```
    pub fn charges(&self) -> Vec<crate::ChargeRecord> {
        self.inner.shared.store().billing.charges.clone()
    }

    /// Adds `usdc` to a customer's funded balance (what `GET /customers/{id}/balance`
    /// reports before charges are taken off).
    ///
    /// ```
    /// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// emulator.fund_balance("cus_1", 25.0);
    /// ```
    pub fn fund_balance(&self, customer_id: &str, usdc: f64) {
        self.inner
            .shared
            .store()
            .billing
            .account(customer_id)
            .funded_usdc += usdc;
        self.inner.shared.changed();
    }

    /// Plays the customer paying checkout session `session_id` (from `POST /checkout`): the
    /// session is complete and its amount (USD, credited as USDC) is added to the funded
    /// balance of its customer — the one named by `customer_id`, else the stored customer with
    /// its `external_customer_id`. Answers that customer's id; `None` (nothing changes) for an
    /// unknown or already completed session, or one whose customer is not stored.
    ///
    /// ```
    /// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// assert_eq!(emulator.complete_checkout("cs_unknown"), None);
    /// ```
    pub fn complete_checkout(&self, session_id: &str) -> Option<String> {
        let mut store = self.inner.shared.store();
        let at = store
            .commerce
            .checkouts
            .iter()
            .position(|c| c.id == session_id && c.status == "OPEN")?;
        let session = &store.commerce.checkouts[at];
        let customer = match (&session.customer_id, &session.external_customer_id) {
            (Some(id), _) => store.index.customer_by_id.get(id).map(|_| id.clone()),
            (None, Some(ext)) => store
                .index
                .customer_by_external
                .get(ext)
                .and_then(|&i| store.customers.get(i))
                .map(|c| c.id.clone()),
            (None, None) => None,
        }?;
        let amount = session.amount_usd();
        store.commerce.checkouts[at].status = "COMPLETE".into();
        store.billing.account(&customer).funded_usdc += amount;
        drop(store);
        self.inner.shared.changed();
        Some(customer)
    }

    /// Sets the pricing plan of a meter: `GET /pricing-plans` lists it, and charges and cost
    /// estimates price `unit_type` at `unit_price_usdc` per unit (instead of 0.0001).
    ///
    /// ```
    /// let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// emulator.set_pricing_plan("tokens", 0.002);
    /// ```
    pub fn set_pricing_plan(&self, unit_type: &str, unit_price_usdc: f64) {
        let mut store = self.inner.shared.store();
        let id = store.new_id("plan");
        store.billing.plans.retain(|p| p.unit_type != unit_type);
        store.billing.plans.push(crate::billing::PlanRecord {
            id,
            name: format!("{unit_type} plan"),
            unit_type: unit_type.to_owned(),
            unit_price_usdc,
        });
        drop(store);
        self.inner.shared.changed();
    }
}
