//! The async client of the Drip API.
//!
//! One [`Client`] per process is enough: it is cheap to clone (an `Arc`
//! inside) and pools connections. Every method is wire-compatible with the
//! hosted API (`https://api.drippay.dev/v1`).
//!
//! **Idempotency.** Mutating calls carry an `idempotencyKey` in the body. When
//! you set none, one is made per call — unique across processes, unlike the
//! official SDKs' counter keys — and the request body, key included, is
//! serialised once and re-sent byte for byte on every retry. Events carry the
//! key they were given at creation.
//!
//! **Retries.** 408, 429, 500, 502, 503, 504, timeouts, refused or broken
//! connections are retried with capped exponential backoff and jitter,
//! honouring `Retry-After` (seconds or HTTP date) within a bounded total; see
//! [`RetryPolicy`]. Other 4xx come back at once, and nothing (no circuit
//! breaker) lets them affect later calls.
//!
//! **Trust.** The key is sent only to an `https` base URL, or to `http` on a
//! loopback host (then bypassing any proxy); redirects are never followed; the
//! key never appears in `Debug`, errors or logs. A public (`pk_`) key is
//! refused the [`Admin`] surface before any request.
//!
//! **Privacy.** Every metadata map passes [`crate::privacy::sanitize_metadata`]
//! and every free text (descriptions, error messages) passes
//! [`crate::privacy::redact_text`] when the request is built.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> drip_runtime::Result<()> {
//! use drip_runtime::Client;
//! let client = Client::builder()
//!     .api_key("pk_test_0123456789")
//!     .base_url("http://127.0.0.1:1/v1")
//!     .build()?;
//! assert!(!client.key_kind().is_secret());
//! assert!(!format!("{client:?}").contains("pk_test_0123456789"));
//! # Ok(()) }
//! ```

mod admin;
mod balances;
mod billing_input;
mod charge_list;
mod charges;
mod checkout;
mod contracts;
mod cost_estimates;
mod customer_entitlements;
mod customers;
mod entitlement_plans;
mod entitlements;
mod events;
mod execution_events;
mod health;
mod http;
mod meters;
mod portal_sessions;
pub(crate) mod prepare;
mod record;
mod retry;
mod run_index;
mod runs;
mod spending_caps;
mod subscriptions;
pub(crate) mod url;
mod usage;
mod withdrawals;
mod workflows;

pub use admin::Admin;
pub(crate) use record::fallback;
pub use retry::RetryPolicy;
pub(crate) use retry::equal_jitter;
pub use run_index::find_run_id;
pub use runs::TimelinePages;

use crate::error::{Error, Result};
use crate::privacy::Sanitizer;
use reqwest::header::HeaderValue;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Default user agent: `drip-rust/<version>`.
const USER_AGENT: &str = concat!("drip-rust/", env!("CARGO_PKG_VERSION"));
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Which kind of API key the client holds.
///
/// ```
/// use drip_runtime::KeyKind;
/// assert!(KeyKind::Secret.is_secret());
/// assert_eq!(KeyKind::Public.as_str(), "public");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// `pk_…`: usage, runs and events, customers, entitlement checks.
    Public,
    /// `sk_…`: everything, including the [`Admin`] surface.
    Secret,
}

impl KeyKind {
    /// Whether this is a secret key.
    pub fn is_secret(self) -> bool {
        self == KeyKind::Secret
    }

    /// `"public"` or `"secret"`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Public => "public",
            KeyKind::Secret => "secret",
        }
    }

    /// Checks a key's shape and says which kind it is. The key is never quoted
    /// in the error.
    pub(crate) fn check(key: &str) -> Result<KeyKind> {
        let kind = if key.starts_with("pk_") {
            KeyKind::Public
        } else if key.starts_with("sk_") {
            KeyKind::Secret
        } else {
            return Err(Error::Config {
                reason: "API key must start with pk_ (public) or sk_ (secret), e.g. sk_live_… or pk_test_…; check DRIP_API_KEY".into(),
            });
        };
        if key.chars().count() < 10 {
            return Err(Error::Config {
                reason: "API key is too short (at least 10 characters); copy the whole key from the Drip dashboard".into(),
            });
        }
        if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::Config {
                reason: "API key contains whitespace or control characters; check for a stray newline in DRIP_API_KEY".into(),
            });
        }
        Ok(kind)
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Async client of the Drip API. Cheap to clone; `Debug` never shows the key.
///
/// Build one with [`Client::from_env`] or [`Client::builder`].
///
/// ```
/// let client = drip_runtime::Client::builder()
///     .api_key("sk_test_0123456789")
///     .build()
///     .unwrap();
/// assert_eq!(client.base_url(), "https://api.drippay.dev/v1");
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    http: reqwest::Client,
    base: ::url::Url,
    health: ::url::Url,
    /// `Bearer <key>`, marked sensitive so HTTP debug output hides it.
    auth: HeaderValue,
    key_kind: KeyKind,
    retry: RetryPolicy,
    timeout: Duration,
    /// Workflow slug → id, filled once per slug (single-flight).
    workflows: Mutex<HashMap<String, Arc<tokio::sync::OnceCell<String>>>>,
    /// The privacy rules every request applies (its own, or its runtime's).
    privacy: Arc<Sanitizer>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("key_kind", &self.inner.key_kind)
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the defaults (hosted API, 30 s timeout, default retries).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client from the environment: `DRIP_API_KEY`, then `DRIP_API_URL`,
    /// else `DRIP_BASE_URL`, else `https://api.drippay.dev/v1`.
    ///
    /// The same rule as [`Config::from_env`](crate::Config::from_env) +
    /// [`init`](crate::init): without a key drip is disabled — `Ok(None)`,
    /// and `drip disabled: no DRIP_API_KEY` is logged once at INFO (target
    /// `drip`). A key that is present but malformed, or an untrusted URL, is
    /// an error. When [`drip::init`](crate::init) already runs, prefer
    /// [`drip::client()`](crate::runtime::client): one configuration.
    ///
    /// ```no_run
    /// match drip_runtime::Client::from_env()? {
    ///     Some(client) => println!("talking to {}", client.base_url()),
    ///     None => println!("drip disabled"),
    /// }
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn from_env() -> Result<Option<Client>> {
        match ClientBuilder::from_env() {
            Some(builder) => builder.build().map(Some),
            None => Ok(None),
        }
    }

    /// Public or secret key.
    pub fn key_kind(&self) -> KeyKind {
        self.inner.key_kind
    }

    /// The privacy rules this client's requests pass (with its allowed
    /// metadata keys) and the counts of what they removed. A runtime's client
    /// shares its runtime's.
    ///
    /// ```
    /// let client = drip_runtime::Client::builder()
    ///     .api_key("sk_test_0123456789")
    ///     .allow_metadata(["planTier"])
    ///     .build()
    ///     .unwrap();
    /// let kept = client.privacy().sanitize_metadata([("plan_tier", "pro")].into_iter().collect());
    /// assert_eq!(kept.len(), 1);
    /// ```
    pub fn privacy(&self) -> &Sanitizer {
        &self.inner.privacy
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// The host of the base URL (`api.drippay.dev`, `127.0.0.1` …), safe to log.
    ///
    /// ```
    /// let client = drip_runtime::Client::builder()
    ///     .api_key("pk_test_0123456789")
    ///     .base_url("http://127.0.0.1:7311/v1")
    ///     .build()?;
    /// assert_eq!(client.host(), "127.0.0.1");
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn host(&self) -> &str {
        self.inner.base.host_str().unwrap_or("")
    }

    /// The retry policy of every call.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The management surface (webhooks). Needs a secret key: with a public
    /// key this fails with [`Error::PublicKeyNotAllowed`] and sends nothing.
    ///
    /// ```
    /// let pk = drip_runtime::Client::builder().api_key("pk_test_0123456789").build().unwrap();
    /// let err = pk.admin().unwrap_err();
    /// assert_eq!(err.code(), Some("PUBLIC_KEY_NOT_ALLOWED"));
    /// ```
    pub fn admin(&self) -> Result<Admin> {
        if self.inner.key_kind.is_secret() {
            Ok(Admin::new(self.clone()))
        } else {
            Err(Error::PublicKeyNotAllowed {
                operation: "admin (webhook management)",
            })
        }
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }
}

/// Configures a [`Client`]. `Debug` never shows the key.
///
/// ```
/// use drip_runtime::{Client, RetryPolicy};
/// use std::time::Duration;
/// let client = Client::builder()
///     .api_key("sk_live_0123456789")
///     .base_url("https://api.drippay.dev/v1/")
///     .timeout(Duration::from_secs(10))
///     .retry(RetryPolicy::none())
///     .build()
///     .unwrap();
/// assert_eq!(client.base_url(), "https://api.drippay.dev/v1");
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: Option<String>,
    timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    allowed_metadata: Vec<String>,
    /// A runtime's rules, shared with its pipeline (then `allowed_metadata` is unused).
    privacy: Option<Arc<Sanitizer>>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            api_key: None,
            base_url: None,
            timeout: DEFAULT_TIMEOUT,
            user_agent: USER_AGENT.to_owned(),
            retry: RetryPolicy::default(),
            allowed_metadata: Vec::new(),
            privacy: None,
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field("allowed_metadata", &self.allowed_metadata)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The API key (`pk_…` or `sk_…`).
    #[must_use]
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The base URL (default `https://api.drippay.dev/v1`): https, or http to a loopback host.
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Timeout of one attempt, connection to last body byte (default 30 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `drip-rust/<version>`).
    #[must_use]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Retry policy of every call (default [`RetryPolicy::default`]).
    #[must_use]
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Extra metadata keys this client's requests may carry, like
    /// [`Config::allow_metadata`](crate::Config::allow_metadata) for a
    /// runtime (whose application client, [`crate::client()`], has the
    /// runtime's). Spelt in any case style; added to earlier calls' keys.
    /// Secret and content keys stay refused whatever this says.
    ///
    /// ```
    /// use drip_runtime::Client;
    /// let client = Client::builder()
    ///     .api_key("sk_test_0123456789")
    ///     .allow_metadata(["planTier"])
    ///     .build()
    ///     .unwrap();
    /// let m = [("planTier", "pro"), ("favoriteColor", "teal")].into_iter().collect();
    /// assert_eq!(client.privacy().sanitize_metadata(m).len(), 1);
    /// ```
    #[must_use]
    pub fn allow_metadata<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_metadata
            .extend(keys.into_iter().map(Into::into));
        self
    }

    /// Shares a runtime's privacy rules and counters with this client.
    #[must_use]
    pub(crate) fn privacy(mut self, rules: Arc<Sanitizer>) -> Self {
        self.privacy = Some(rules);
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// ```
    /// use drip_runtime::Client;
    /// let err = Client::builder().api_key("sk_test_0123456789").base_url("http://example.com/v1").build();
    /// assert!(err.is_err()); // plain http only to loopback
    /// let err = Client::builder().api_key("xk_0123456789").build().unwrap_err();
    /// assert!(!err.to_string().contains("xk_0123456789"));
    /// ```
    pub fn build(self) -> Result<Client> {
        let key = self.api_key.ok_or_else(|| Error::Config {
            reason: "no API key; call .api_key(…) or set DRIP_API_KEY".into(),
        })?;
        let key_kind = KeyKind::check(&key)?;
        let base = url::parse_base_url(self.base_url.as_deref().unwrap_or(url::DEFAULT_BASE_URL))?;
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| Error::Config {
                reason: "API key contains characters not allowed in an HTTP header".into(),
            })?;
        auth.set_sensitive(true);
        if self.timeout.is_zero() {
            return Err(Error::Config {
                reason: "timeout must be greater than zero".into(),
            });
        }
        #[cfg(all(feature = "tls-ring", not(feature = "tls-aws-lc")))]
        {
            // reqwest's `rustls-no-provider` uses the process's default
            // provider; an application that installed its own keeps it.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let mut http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .user_agent(self.user_agent);
        if base.scheme() == "http" {
            // Plain http is trusted only because it stays on this machine; an
            // HTTP_PROXY would carry the bearer key off it in clear text.
            http = http.no_proxy();
        }
        let http = http.build().map_err(|e| Error::Config {
            reason: format!("cannot build the HTTP client: {e}"),
        })?;
        crate::privacy::register_secret(&key);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                health: url::health_url(&base),
                base,
                auth,
                key_kind,
                retry: self.retry,
                timeout: self.timeout,
                workflows: Mutex::new(HashMap::new()),
                privacy: self.privacy.unwrap_or_else(|| {
                    Arc::new(Sanitizer::new().allow_metadata(self.allowed_metadata))
                }),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_and_never_echoed() {
        for bad in [
            "",
            "sk_",
            "sk_short",
            "ak_live_0123456789",
            "sk_live_01234 56789",
        ] {
            let err = Client::builder().api_key(bad).build().unwrap_err();
            assert!(matches!(err, Error::Config { .. }), "{bad}");
            if !bad.is_empty() {
                assert!(!err.to_string().contains(bad), "{err}");
                assert!(!format!("{err:?}").contains(bad), "{err:?}");
            }
        }
        let pk = Client::builder()
            .api_key("pk_test_abcdefgh")
            .build()
            .unwrap();
        assert_eq!(pk.key_kind(), KeyKind::Public);
        let sk = Client::builder()
            .api_key("sk_live_abcdefgh")
            .build()
            .unwrap();
        assert_eq!(sk.key_kind(), KeyKind::Secret);
    }

    /// Every future is `Send`, so calls can be spawned on a multi-threaded runtime.
    #[test]
    fn futures_are_send_and_the_client_is_shareable() {
        use crate::model::*;
        fn send<T: Send>(_: T) {}
        fn shareable<T: Send + Sync + Clone + 'static>() {}
        shareable::<Client>();
        shareable::<Admin>();
        let c = Client::builder()
            .api_key("sk_test_0123456789")
            .build()
            .unwrap();
        send(c.ping());
        send(c.create_customer(CreateCustomer::external("u")));
        send(c.get_customer("c"));
        send(c.list_customers(ListCustomers::new()));
        send(c.get_or_create_customer("u", None));
        send(c.track_usage(TrackUsage::new("c", "m", 1.0)));
        send(c.create_workflow(CreateWorkflow::from_slug("w")));
        send(c.list_workflows());
        send(c.resolve_workflow_id("w"));
        send(c.start_run(StartRun::new("c", "w")));
        send(c.emit_event("r", Event::new("e")));
        send(c.emit_events_batch("r", vec![]));
        send(c.end_run("r", EndRun::completed()));
        send(c.get_run("r"));
        send(c.get_run_timeline("r", TimelineQuery::new()));
        send(c.timeline_all("r", TimelineQuery::new()));
        send(c.record_run(RecordRun::new("c", "w", RunStatus::Completed)));
        send(c.check_entitlement(CheckEntitlement::new("c", "f")));
        let admin = c.admin().unwrap();
        send(admin.create_webhook(CreateWebhook::new("https://x", ["usage.recorded"])));
        send(admin.list_webhooks());
        send(admin.get_webhook("w"));
        send(admin.update_webhook("w", UpdateWebhook::new()));
        send(admin.delete_webhook("w"));
        send(admin.test_webhook("w"));
        send(admin.rotate_webhook_secret("w"));
        let mut pages = c.timeline_pages("r", TimelineQuery::new());
        send(pages.next_page());
    }

    #[test]
    fn debug_hides_the_key() {
        let key = "sk_live_SUPERSECRET42";
        let builder = Client::builder().api_key(key);
        assert!(!format!("{builder:?}").contains("SUPERSECRET"));
        let client = builder.build().unwrap();
        assert!(!format!("{client:?}").contains("SUPERSECRET"));
        assert!(!format!("{:?}", client.inner.auth).contains("SUPERSECRET"));
    }
}
