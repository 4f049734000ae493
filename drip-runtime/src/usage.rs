//! Usage tracked by hand: [`track_usage`] and the [`Usage`] builder.
//!
//! A usage record goes through the same durable pipeline as runs: queued
//! without waiting, spooled before it is sent, retried with one idempotency
//! key, so it is stored exactly once.

use crate::delivery::Envelope;
use crate::error::{Error, Result};
use crate::metadata::Metadata;
use crate::model::TrackUsage;
use crate::model::idempotency;
use std::sync::Arc;

/// Longest idempotency key accepted, in bytes.
const MAX_KEY_LEN: usize = 256;

/// Tracks `quantity` of `meter` for `customer`, without waiting: the record
/// is queued for the delivery pipeline (spooled, retried, stored once).
///
/// Refuses, with [`Error::Validation`], an empty customer or meter and a
/// quantity that is negative, NaN or infinite. With the SDK disabled it
/// validates and records nothing.
///
/// ```
/// let capture = drip_runtime::testing::capture();
/// drip_runtime::track_usage("cus_42", "api-calls", 1.0)?;
/// assert_eq!(capture.usage()[0].meter, "api-calls");
///
/// assert!(matches!(drip_runtime::track_usage("cus_42", "api-calls", f64::NAN), Err(drip_runtime::Error::Validation { .. })));
/// # Ok::<(), drip_runtime::Error>(())
/// ```
pub fn track_usage(customer: &str, meter: &str, quantity: f64) -> Result<()> {
    Usage::new(customer, meter, quantity)?.track();
    Ok(())
}

/// Like [`track_usage`], for the customer the application knows as
/// `external_customer` (its own opaque user id, not an e-mail address):
/// queued without waiting; the delivery thread gets or creates the Drip
/// customer for it (once per id, cached per runtime) before sending.
///
/// ```
/// let capture = drip_runtime::testing::capture();
/// drip_runtime::track_usage_external("user_8841", "api-calls", 1.0)?;
/// assert_eq!(capture.usage()[0].external_customer.as_deref(), Some("user_8841"));
/// # Ok::<(), drip_runtime::Error>(())
/// ```
pub fn track_usage_external(external_customer: &str, meter: &str, quantity: f64) -> Result<()> {
    Usage::external(external_customer, meter, quantity)?.track();
    Ok(())
}

/// One usage record, validated when made and queued by [`track`](Usage::track).
///
/// Its idempotency key is fixed when it is made (or set with
/// [`idempotency_key`](Usage::idempotency_key)), so a record built when a
/// request starts and tracked when it ends is stored once however often it
/// is retried or replayed.
///
/// ```
/// let capture = drip_runtime::testing::capture();
/// let mut route = drip_runtime::Metadata::new();
/// route.insert("route", "/v1/search");
/// let usage = drip_runtime::Usage::new("cus_42", "api-calls", 2.0)?
///     .idempotency_key("req_01HZX3")?
///     .metadata(route);
/// usage.track();
/// let tracked = &capture.usage()[0];
/// assert_eq!(tracked.idempotency_key, "req_01HZX3");
/// assert_eq!(tracked.quantity, 2.0);
/// # Ok::<(), drip_runtime::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a Usage records nothing until `.track()` is called"]
pub struct Usage {
    record: TrackUsage,
    /// The application's id for the customer, when `record`'s is left
    /// empty for delivery to resolve.
    external_customer: Option<String>,
}

impl Usage {
    /// A record of `quantity` of `meter` for `customer`, with a fresh
    /// process-unique idempotency key.
    ///
    /// ```
    /// assert!(drip_runtime::Usage::new("", "api-calls", 1.0).is_err());
    /// assert!(drip_runtime::Usage::new("cus_1", "api-calls", -1.0).is_err());
    /// assert!(drip_runtime::Usage::new("cus_1", "api-calls", 0.5).is_ok());
    /// ```
    pub fn new(customer: &str, meter: &str, quantity: f64) -> Result<Usage> {
        crate::client::prepare::required("customerId", customer)?;
        Usage::checked(customer.to_owned(), None, meter, quantity)
    }

    /// A record for a customer already checked (Drip's id, or the
    /// application's id with Drip's left empty until delivery resolves it).
    fn checked(
        customer_id: String,
        external_customer: Option<String>,
        meter: &str,
        quantity: f64,
    ) -> Result<Usage> {
        crate::client::prepare::required("usageType", meter)?;
        crate::client::prepare::quantity("quantity", quantity)?;
        Ok(Usage {
            record: TrackUsage::new(customer_id, meter, quantity)
                .idempotency_key(idempotency::new_key("usage")),
            external_customer,
        })
    }

    /// A record of `quantity` of `meter` for the customer the application
    /// knows as `external_customer` (its own opaque user id — never an
    /// e-mail address or other personal data, which is refused with
    /// [`Error::Validation`]). The record is queued at once; the delivery
    /// thread resolves the id to Drip's customer (get-or-create, cached per
    /// runtime) before sending it, so nothing here waits for the network.
    ///
    /// ```
    /// let capture = drip_runtime::testing::capture();
    /// drip_runtime::Usage::external("user_8841", "api-calls", 1.0)?.track();
    /// assert_eq!(capture.usage()[0].external_customer.as_deref(), Some("user_8841"));
    /// assert!(drip_runtime::Usage::external("ada@example.com", "api-calls", 1.0).is_err());
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn external(external_customer: &str, meter: &str, quantity: f64) -> Result<Usage> {
        crate::client::prepare::required("externalCustomerId", external_customer)?;
        Usage::checked(
            String::new(),
            Some(external_customer.to_owned()),
            meter,
            quantity,
        )
    }

    /// Replaces the idempotency key (at most 256 bytes, not blank): records
    /// with the same key are stored once.
    ///
    /// ```
    /// let usage = drip_runtime::Usage::new("cus_1", "api-calls", 1.0)?.idempotency_key("req_7")?;
    /// assert_eq!(usage.key(), "req_7");
    /// assert!(drip_runtime::Usage::new("cus_1", "api-calls", 1.0)?.idempotency_key(" ").is_err());
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Result<Usage> {
        let key = key.into();
        crate::client::prepare::required("idempotencyKey", &key)?;
        if key.len() > MAX_KEY_LEN {
            return Err(Error::Validation {
                field: "idempotencyKey",
                reason: format!("must be at most {MAX_KEY_LEN} bytes, got {}", key.len()),
            });
        }
        self.record.idempotency_key = Some(key);
        Ok(self)
    }

    /// Sets the record's metadata (it passes the privacy rules before it is
    /// sent, like every metadata map).
    ///
    /// ```
    /// let mut m = drip_runtime::Metadata::new();
    /// m.insert("method", "GET");
    /// let usage = drip_runtime::Usage::new("cus_1", "api-calls", 1.0)?.metadata(m);
    /// assert_eq!(usage.key().len() > 0, true);
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn metadata(mut self, metadata: Metadata) -> Usage {
        self.record.metadata = Some(metadata);
        self
    }

    /// The idempotency key the record will be stored under.
    ///
    /// ```
    /// let usage = drip_runtime::Usage::new("cus_1", "api-calls", 1.0)?;
    /// assert!(usage.key().starts_with("usage_"));
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn key(&self) -> &str {
        self.record.idempotency_key.as_deref().unwrap_or_default()
    }

    /// Queues the record without waiting (or hands it to a test's capture).
    /// Nothing happens when the SDK is disabled.
    ///
    /// ```
    /// let capture = drip_runtime::testing::capture();
    /// drip_runtime::Usage::new("cus_1", "api-calls", 1.0)?.track();
    /// assert_eq!(capture.usage().len(), 1);
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn track(self) {
        if !crate::runtime::enabled() {
            return;
        }
        match crate::runtime::current() {
            Some(runtime) => runtime.send(
                Envelope::usage(self.record).for_external_customer(self.external_customer),
                None,
            ),
            // Stopped between the on/off check and here: counted as dropped.
            None => crate::runtime::orphan(1),
        }
    }
}

/// A meter and a quantity checked once, for code that tracks one record per
/// unit of work — an HTTP request, a job. [`track`](UsageTemplate::track)
/// costs the caller's thread a queue slot: the record is built, its metadata
/// made and screened, and its customer id checked (the identifier rule) on
/// the transport thread. A record whose customer id breaks the rule is
/// dropped there and counted in `stats().dropped`, never sent.
///
/// ```
/// let capture = drip_runtime::testing::capture();
/// let api_calls = drip_runtime::UsageTemplate::new("api-calls", 1.0)?;
/// api_calls.track("cus_42".to_owned(), "req_01HZX3".to_owned(), || {
///     let mut m = drip_runtime::Metadata::new();
///     m.insert("route", "/v1/search");
///     m
/// });
/// let tracked = &capture.usage()[0];
/// assert_eq!((tracked.meter.as_str(), tracked.idempotency_key.as_str()), ("api-calls", "req_01HZX3"));
///
/// assert!(drip_runtime::UsageTemplate::new("api-calls", f64::NAN).is_err());
/// # Ok::<(), drip_runtime::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct UsageTemplate {
    // Shared: a record per unit of work copies the template, not the text.
    meter: Arc<str>,
    quantity: f64,
}

/// The meter and quantity of one record of a [`UsageTemplate`], taken on
/// the caller's thread; the record is made where the pipeline takes it.
pub(crate) struct UsageDraft {
    meter: Arc<str>,
    quantity: f64,
}

impl UsageDraft {
    /// The record for `customer_id` under `idempotency_key`.
    pub(crate) fn into_record(
        self,
        customer_id: String,
        idempotency_key: String,
        metadata: Metadata,
    ) -> TrackUsage {
        TrackUsage::new(customer_id, self.meter.to_string(), self.quantity)
            .idempotency_key(idempotency_key)
            .metadata(metadata)
    }
}

impl UsageTemplate {
    /// `quantity` of `meter` per record. Refuses, with [`Error::Validation`],
    /// what [`Usage::new`] refuses.
    ///
    /// ```
    /// assert!(drip_runtime::UsageTemplate::new(" ", 1.0).is_err());
    /// assert!(drip_runtime::UsageTemplate::new("api-calls", -1.0).is_err());
    /// ```
    pub fn new(meter: &str, quantity: f64) -> Result<UsageTemplate> {
        crate::client::prepare::required("usageType", meter)?;
        crate::client::prepare::quantity("quantity", quantity)?;
        Ok(UsageTemplate {
            meter: Arc::from(meter),
            quantity,
        })
    }

    /// The meter.
    ///
    /// ```
    /// assert_eq!(drip_runtime::UsageTemplate::new("api-calls", 1.0)?.meter(), "api-calls");
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn meter(&self) -> &str {
        &self.meter
    }

    /// Queues one record for `customer` under idempotency key `key` (fixed
    /// by the caller, e.g. when its request started: records with the same
    /// key are stored once), with the metadata `metadata` makes, without
    /// waiting. A blank customer or key records nothing; so does a disabled SDK.
    ///
    /// ```
    /// let capture = drip_runtime::testing::capture();
    /// let pages = drip_runtime::UsageTemplate::new("pages", 3.0)?;
    /// pages.track("cus_1".to_owned(), pages.new_key(), drip_runtime::Metadata::new);
    /// pages.track(" ".to_owned(), "k".to_owned(), drip_runtime::Metadata::new);
    /// assert_eq!(capture.usage().len(), 1);
    /// assert_eq!(capture.usage()[0].quantity, 3.0);
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn track(
        &self,
        customer: String,
        key: String,
        metadata: impl FnOnce() -> Metadata + Send + 'static,
    ) {
        if !crate::runtime::enabled()
            || customer.trim().is_empty()
            || key.trim().is_empty()
            || key.len() > MAX_KEY_LEN
        {
            return;
        }
        let draft = self.draft();
        let submission = crate::delivery::Submission::deferred(1, move || {
            Envelope::usage(draft.into_record(customer, key, metadata()))
        });
        match crate::runtime::current() {
            Some(runtime) => runtime.send(submission, None),
            // Stopped between the on/off check and here: counted as dropped.
            None => crate::runtime::orphan(1),
        }
    }

    /// One record's meter and quantity.
    pub(crate) fn draft(&self) -> UsageDraft {
        UsageDraft {
            meter: Arc::clone(&self.meter),
            quantity: self.quantity,
        }
    }

    /// A fresh idempotency key for one record of this template. Make it when
    /// the unit of work starts and pass it to [`track`](UsageTemplate::track),
    /// so that whatever retries the unit cannot bill it twice.
    ///
    /// ```
    /// let t = drip_runtime::UsageTemplate::new("api-calls", 1.0)?;
    /// assert_ne!(t.new_key(), t.new_key());
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn new_key(&self) -> String {
        crate::model::idempotency::new_key("usage")
    }
}
