//! [`StreamMeter`]: billing by accumulation.
//!
//! A meter sums the quantities added from any thread or task for one customer
//! (Drip's id, or with [`StreamMeter::builder_external`] the application's own
//! id, resolved by delivery like [`crate::track_usage_external`]'s) and meter,
//! and charges the sum (`POST /usage`) when it flushes: on reaching a
//! threshold, every interval, on [`StreamMeter::flush`], when its last handle
//! drops, and when delivery shuts down ([`crate::shutdown`] or the
//! [`crate::DripGuard`] dropping).
//!
//! **Exactly once.** Each flush takes the pending sum, gives it a fresh
//! idempotency key (unique across processes) and hands it to the delivery
//! pipeline, which spools it before the first attempt. Retries, restarts and
//! spool replays re-send that same key, so a flush whose answer was lost is
//! never charged twice (the official SDKs increment their flush counter before
//! the request and re-key a retried flush). What is added while a flush is
//! under way is kept for the next one.
//!
//! **Cost.** `add` is one compare-and-swap on the calling thread's own slot
//! (sharded across 16 cache lines), so it stays cheap when many threads add.
//!
//! ```
//! # let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
//! # let dir = std::env::temp_dir().join(format!("drip-doc-meter-{}", std::process::id()));
//! let guard = drip_runtime::init(
//!     drip_runtime::Config::new(emulator.secret_key()).base_url(emulator.base_url())
//! #   .spool_dir(&dir)
//! )?;
//! let meter = drip_runtime::StreamMeter::builder("cus_1", "tokens").flush_threshold(10_000.0).start()?;
//! meter.add(1_200.0)?;
//! assert!(meter.add(f64::NAN).is_err()); // refused, the total is untouched
//! drop(meter); // the last handle flushes
//! guard.shutdown();
//! assert_eq!(emulator.charges()[0].quantity, 1_200.0);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), drip_runtime::Error>(())
//! ```

mod shards;
mod ticker;

use crate::delivery::Envelope;
use crate::error::{Error, Result};
use crate::metadata::Metadata;
use crate::runtime::{FlushBeforeStop, Runtime};
use shards::Shards;
use std::sync::Arc;
use std::thread::Thread;
use std::time::Duration;

/// Accumulates quantities for one customer and meter and charges them in
/// flushes. Cheap to clone; all clones share one total, and the last one to
/// drop flushes it. See the [module docs](self).
///
/// ```
/// # let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
/// # let dir = std::env::temp_dir().join(format!("drip-doc-meter-clone-{}", std::process::id()));
/// # let guard = drip_runtime::init(drip_runtime::Config::new(emulator.secret_key()).base_url(emulator.base_url()).spool_dir(&dir))?;
/// let meter = drip_runtime::StreamMeter::builder("cus_1", "tokens").start()?;
/// std::thread::scope(|s| {
///     for _ in 0..4 {
///         let meter = meter.clone();
///         s.spawn(move || meter.add(10.0).unwrap());
///     }
/// });
/// let flushed = meter.flush()?.expect("something was pending");
/// assert_eq!(flushed.quantity, 40.0);
/// # guard.shutdown();
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), drip_runtime::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct StreamMeter {
    inner: Arc<Inner>,
}

/// Builds a [`StreamMeter`].
///
/// ```
/// let builder = drip_runtime::StreamMeter::builder("cus_1", "tokens")
///     .flush_threshold(1_000.0)
///     .flush_interval(std::time::Duration::from_secs(5));
/// # drop(builder);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct StreamMeterBuilder {
    customer_id: String,
    external_customer_id: Option<String>,
    meter: String,
    threshold: Option<f64>,
    interval: Option<Duration>,
    metadata: Metadata,
}

/// One flush handed to delivery.
///
/// ```
/// # let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
/// # let dir = std::env::temp_dir().join(format!("drip-doc-meter-flushed-{}", std::process::id()));
/// # let guard = drip_runtime::init(drip_runtime::Config::new(emulator.secret_key()).base_url(emulator.base_url()).spool_dir(&dir))?;
/// let meter = drip_runtime::StreamMeter::builder("cus_1", "tokens").start()?;
/// assert!(meter.flush()?.is_none()); // nothing pending: no charge
/// meter.add(3.0)?;
/// let flushed = meter.flush()?.unwrap();
/// assert!(flushed.idempotency_key.starts_with("stream"));
/// # guard.shutdown();
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), drip_runtime::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Flushed {
    /// The quantity charged.
    pub quantity: f64,
    /// The key the charge carries on every attempt.
    pub idempotency_key: String,
}

#[derive(Debug)]
pub(crate) struct Inner {
    /// Empty for a meter of an external customer: delivery resolves it.
    customer_id: String,
    external_customer_id: Option<String>,
    meter: String,
    metadata: Metadata,
    /// Flush once the total reaches this; and the per-slot value at which to look.
    threshold: Option<(f64, f64)>,
    pending: Shards,
    ticker: Option<Thread>,
    /// The runtime current when the meter started; `None` before `init`
    /// (then whichever is current at each flush).
    runtime: Option<Runtime>,
}

impl StreamMeter {
    /// A meter for `quantity` of `meter` used by `customer_id` (Drip's id).
    ///
    /// ```
    /// let builder = drip_runtime::StreamMeter::builder("cus_1", "tokens");
    /// # drop(builder);
    /// ```
    pub fn builder(customer_id: impl Into<String>, meter: impl Into<String>) -> StreamMeterBuilder {
        StreamMeterBuilder {
            customer_id: customer_id.into(),
            external_customer_id: None,
            meter: meter.into(),
            threshold: None,
            interval: None,
            metadata: Metadata::new(),
        }
    }

    /// A meter for `quantity` of `meter` used by the customer the application
    /// knows as `external_customer_id` (its own opaque user id — never an
    /// e-mail address, a key or other personal data, which
    /// [`start`](StreamMeterBuilder::start) refuses with [`Error::Validation`]).
    /// Nothing waits for the network: each flush is spooled with the external
    /// id, and the delivery thread gets or creates the Drip customer for it
    /// (once per id, cached per runtime, again after a restart) before
    /// charging, as for [`crate::track_usage_external`].
    ///
    /// ```
    /// # let emulator = drip_emulator::Emulator::builder().start_blocking().unwrap();
    /// # let dir = std::env::temp_dir().join(format!("drip-doc-meter-external-{}", std::process::id()));
    /// let guard = drip_runtime::init(
    ///     drip_runtime::Config::new(emulator.secret_key()).base_url(emulator.base_url())
    /// #   .spool_dir(&dir)
    /// )?;
    /// let meter = drip_runtime::StreamMeter::builder_external("user_8841", "tokens").start()?;
    /// assert_eq!(meter.external_customer_id(), Some("user_8841"));
    /// meter.add(300.0)?;
    /// drop(meter); // the last handle flushes
    /// guard.shutdown();
    /// let customer = &emulator.customers()[0];
    /// assert_eq!(customer.external_customer_id.as_deref(), Some("user_8841"));
    /// assert_eq!(emulator.charges()[0].customer_id, customer.id);
    ///
    /// let refused = drip_runtime::StreamMeter::builder_external("ada@example.com", "tokens").start();
    /// assert!(matches!(refused, Err(drip_runtime::Error::Validation { field: "externalCustomerId", .. })));
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn builder_external(
        external_customer_id: impl Into<String>,
        meter: impl Into<String>,
    ) -> StreamMeterBuilder {
        StreamMeterBuilder {
            customer_id: String::new(),
            external_customer_id: Some(external_customer_id.into()),
            meter: meter.into(),
            threshold: None,
            interval: None,
            metadata: Metadata::new(),
        }
    }

    /// Adds `quantity`. NaN, infinite and negative quantities are refused with
    /// [`Error::Validation`] and leave the total untouched; zero is accepted and changes
    /// nothing. Never blocks on the network; with a threshold, the add that finds the
    /// total at or above it flushes.
    ///
    /// ```
    /// # let meter = drip_runtime::StreamMeter::builder("cus_1", "tokens").start().unwrap();
    /// meter.add(12.5)?;
    /// assert!(matches!(meter.add(-1.0), Err(drip_runtime::Error::Validation { field: "quantity", .. })));
    /// assert_eq!(meter.pending(), 12.5);
    /// # meter.reset();
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    #[inline]
    pub fn add(&self, quantity: f64) -> Result<()> {
        if !(quantity >= 0.0 && quantity.is_finite()) {
            return Err(refused(quantity));
        }
        let slot = self.inner.pending.add(quantity);
        if let Some((threshold, per_slot)) = self.inner.threshold
            && slot >= per_slot
            && self.inner.pending.total() >= threshold
        {
            // A flush that cannot hand on keeps the quantity; the add itself succeeded.
            let _ = self.inner.flush();
        }
        Ok(())
    }

    /// Charges what is pending now: answers `None` (and sends nothing) when nothing is.
    /// Errors only when no delivery pipeline runs (start one with [`crate::init`] or
    /// `DRIP_API_KEY`); the quantity then stays pending.
    pub fn flush(&self) -> Result<Option<Flushed>> {
        self.inner.flush()
    }

    /// The quantity not yet flushed (a snapshot).
    pub fn pending(&self) -> f64 {
        self.inner.pending.total()
    }

    /// Discards what is pending, uncharged; answers how much that was.
    ///
    /// ```
    /// let meter = drip_runtime::StreamMeter::builder("cus_1", "tokens").start()?;
    /// meter.add(5.0)?;
    /// assert_eq!(meter.reset(), 5.0);
    /// assert_eq!(meter.pending(), 0.0);
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn reset(&self) -> f64 {
        self.inner.pending.take()
    }

    /// Drip's id of the customer charged; empty for a meter made with
    /// [`builder_external`](StreamMeter::builder_external), whose customer
    /// delivery resolves.
    ///
    /// ```
    /// let meter = drip_runtime::StreamMeter::builder("cus_1", "tokens").start()?;
    /// assert_eq!(meter.customer_id(), "cus_1");
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn customer_id(&self) -> &str {
        &self.inner.customer_id
    }

    /// The application's id of the customer charged, for a meter made with
    /// [`builder_external`](StreamMeter::builder_external).
    ///
    /// ```
    /// let external = drip_runtime::StreamMeter::builder_external("user_7", "tokens").start()?;
    /// assert_eq!((external.customer_id(), external.external_customer_id()), ("", Some("user_7")));
    /// let drip_id = drip_runtime::StreamMeter::builder("cus_1", "tokens").start()?;
    /// assert_eq!(drip_id.external_customer_id(), None);
    /// # Ok::<(), drip_runtime::Error>(())
    /// ```
    pub fn external_customer_id(&self) -> Option<&str> {
        self.inner.external_customer_id.as_deref()
    }

    /// The meter charged.
    pub fn meter(&self) -> &str {
        &self.inner.meter
    }
}

fn refused(quantity: f64) -> Error {
    Error::Validation {
        field: "quantity",
        reason: format!("a meter adds finite, non-negative quantities, got {quantity}"),
    }
}

impl StreamMeterBuilder {
    /// Flushes as soon as the pending total reaches `quantity` (finite, above 0).
    pub fn flush_threshold(mut self, quantity: f64) -> Self {
        self.threshold = Some(quantity);
        self
    }

    /// Flushes every `interval` (at least 10 ms) while something is pending.
    pub fn flush_interval(mut self, interval: Duration) -> Self {
        self.interval = Some(interval);
        self
    }

    /// Metadata sent with every flush; sanitised like all metadata.
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// Checks the settings and starts the meter. A customer id (Drip's or
    /// the application's) that is empty or breaks the identifier rule — an
    /// e-mail address, a key, other personal data — is refused with
    /// [`Error::Validation`], its value not shown.
    ///
    /// ```
    /// let err = drip_runtime::StreamMeter::builder("", "tokens").start().unwrap_err();
    /// assert!(matches!(err, drip_runtime::Error::Validation { field: "customerId", .. }));
    /// let err = drip_runtime::StreamMeter::builder_external("sk_live_51HqLyjWDarjtT1zdp7dc", "tokens").start().unwrap_err();
    /// assert!(matches!(err, drip_runtime::Error::Validation { field: "externalCustomerId", .. }));
    /// let err = drip_runtime::StreamMeter::builder("cus_1", "tokens").flush_threshold(f64::NAN).start().unwrap_err();
    /// assert!(matches!(err, drip_runtime::Error::Validation { field: "flushThreshold", .. }));
    /// ```
    pub fn start(self) -> Result<StreamMeter> {
        use crate::client::prepare;
        match &self.external_customer_id {
            Some(external) => prepare::required("externalCustomerId", external)?,
            None => prepare::required("customerId", &self.customer_id)?,
        }
        prepare::required("meter", &self.meter)?;
        if let Some(t) = self.threshold
            && !(t.is_finite() && t > 0.0)
        {
            return Err(Error::Validation {
                field: "flushThreshold",
                reason: format!("must be a finite quantity above 0, got {t}"),
            });
        }
        if let Some(i) = self.interval
            && i < Duration::from_millis(10)
        {
            return Err(Error::Validation {
                field: "flushInterval",
                reason: format!("must be at least 10 ms, got {i:?}"),
            });
        }
        // Sanitised with each flush's envelope, at the runtime's boundary.
        let metadata = self.metadata;
        let interval = self.interval;
        let inner = Arc::new_cyclic(|weak| Inner {
            customer_id: self.customer_id,
            external_customer_id: self.external_customer_id,
            meter: self.meter,
            metadata,
            threshold: self.threshold.map(|t| (t, Shards::per_slot(t))),
            pending: Shards::default(),
            ticker: interval.and_then(|every| ticker::start(weak.clone(), every)),
            runtime: crate::runtime::current(),
        });
        if let Some(runtime) = &inner.runtime {
            let weak: std::sync::Weak<dyn FlushBeforeStop> = Arc::downgrade(&inner) as _;
            runtime.register_meter(weak);
        }
        Ok(StreamMeter { inner })
    }
}

impl Inner {
    fn flush(&self) -> Result<Option<Flushed>> {
        let quantity = self.pending.take();
        if quantity == 0.0 {
            return Ok(None);
        }
        let runtime = self.runtime.clone().or_else(crate::runtime::current);
        let Some(runtime) = runtime.filter(Runtime::accepts_work) else {
            self.pending.restore(quantity);
            return Err(Error::Config {
                reason: "a StreamMeter flushed while no delivery pipeline runs; call drip::init first — the quantity stays pending".into(),
            });
        };
        // The key is fixed here, before the envelope is spooled and first sent.
        let idempotency_key = crate::model::idempotency::new_key("stream");
        runtime.send(
            Envelope::charge(
                crate::model::Charge::new(self.customer_id.clone(), self.meter.clone(), quantity)
                    .idempotency_key(idempotency_key.clone())
                    .metadata(self.metadata.clone()),
            )
            .for_external_customer(self.external_customer_id.clone()),
            None,
        );
        Ok(Some(Flushed {
            quantity,
            idempotency_key,
        }))
    }
}

impl FlushBeforeStop for Inner {
    fn flush_before_stop(&self) {
        // Best effort: a meter that cannot hand on keeps its quantity.
        let _ = self.flush();
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(ticker) = &self.ticker {
            ticker.unpark();
        }
        // Best effort: with no pipeline running there is nowhere to hand it.
        let _ = self.flush();
    }
}
