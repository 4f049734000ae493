//! Customers: `POST/GET /customers`, `GET /customers/{id}`.

use crate::metadata::Metadata;
use serde::{Deserialize, Serialize};

/// Body of `POST /customers`. At least one of `external_customer_id` and
/// `onchain_address` is required (checked before sending).
///
/// ```
/// use drip_runtime::model::CreateCustomer;
/// let c = CreateCustomer::external("user_42").internal(false);
/// assert_eq!(c.external_customer_id.as_deref(), Some("user_42"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateCustomer {
    /// Your own id for the customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_customer_id: Option<String>,
    /// The customer's on-chain address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onchain_address: Option<String>,
    /// Internal (non-billed) customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_internal: Option<bool>,
    /// Metadata; sanitised before sending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Made once per call when absent; reused on every retry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

impl CreateCustomer {
    /// A customer known by your own id.
    pub fn external(external_customer_id: impl Into<String>) -> Self {
        CreateCustomer {
            external_customer_id: Some(external_customer_id.into()),
            ..Self::default()
        }
    }

    /// A customer known by an on-chain address.
    ///
    /// ```
    /// let c = drip_runtime::model::CreateCustomer::onchain("0xabc");
    /// assert!(c.external_customer_id.is_none());
    /// ```
    pub fn onchain(address: impl Into<String>) -> Self {
        CreateCustomer {
            onchain_address: Some(address.into()),
            ..Self::default()
        }
    }

    /// Also sets the on-chain address.
    #[must_use]
    pub fn onchain_address(mut self, address: impl Into<String>) -> Self {
        self.onchain_address = Some(address.into());
        self
    }

    /// Marks the customer internal (or not).
    #[must_use]
    pub fn internal(mut self, is_internal: bool) -> Self {
        self.is_internal = Some(is_internal);
        self
    }

    /// Sets the metadata.
    #[must_use]
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Uses `key` instead of an automatic idempotency key.
    #[must_use]
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}

/// A customer's billing status.
///
/// ```
/// use drip_runtime::model::CustomerStatus;
/// let s: CustomerStatus = serde_json::from_str("\"LOW_BALANCE\"").unwrap();
/// assert_eq!(s, CustomerStatus::LowBalance);
/// let s: CustomerStatus = serde_json::from_str("\"SOMETHING_NEW\"").unwrap();
/// assert_eq!(s, CustomerStatus::Unknown);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum CustomerStatus {
    /// Active.
    Active,
    /// Balance below its threshold.
    LowBalance,
    /// Paused.
    Paused,
    /// A status this SDK version does not know.
    #[default]
    #[serde(other)]
    Unknown,
}

impl CustomerStatus {
    /// The wire spelling, used as the `status` filter of [`ListCustomers`].
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerStatus::Active => "ACTIVE",
            CustomerStatus::LowBalance => "LOW_BALANCE",
            CustomerStatus::Paused => "PAUSED",
            CustomerStatus::Unknown => "UNKNOWN",
        }
    }
}

/// A customer as the API returns it.
///
/// ```
/// let c: drip_runtime::model::Customer = serde_json::from_str(
///     r#"{"id":"cus_1","externalCustomerId":"u1","isInternal":false,"status":"ACTIVE","extra":1}"#,
/// ).unwrap();
/// assert_eq!(c.id, "cus_1");
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Customer {
    /// Drip's id (`cus_…`).
    pub id: String,
    /// Owning business.
    #[serde(default)]
    pub business_id: Option<String>,
    /// Your own id.
    #[serde(default)]
    pub external_customer_id: Option<String>,
    /// On-chain address.
    #[serde(default)]
    pub onchain_address: Option<String>,
    /// Internal (non-billed) customer.
    #[serde(default)]
    pub is_internal: bool,
    /// Billing status.
    #[serde(default)]
    pub status: CustomerStatus,
    /// Metadata as stored.
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
    /// RFC 3339 creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// RFC 3339 last update.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// Query of `GET /customers`.
///
/// ```
/// use drip_runtime::model::{CustomerStatus, ListCustomers};
/// let q = ListCustomers::new().limit(50).status(CustomerStatus::Active);
/// assert_eq!(q.limit, Some(50));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ListCustomers {
    /// 1–100.
    pub limit: Option<u32>,
    /// Entries to skip.
    pub offset: Option<u32>,
    /// Only customers with this status.
    pub status: Option<CustomerStatus>,
}

impl ListCustomers {
    /// No filter, server defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Page size (1–100).
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Entries to skip.
    #[must_use]
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = Some(offset);
        self
    }
    /// Status filter.
    #[must_use]
    pub fn status(mut self, status: CustomerStatus) -> Self {
        self.status = Some(status);
        self
    }
}

/// `{data, count}` of `GET /customers`.
///
/// ```
/// let l: drip_runtime::model::CustomerList = serde_json::from_str(r#"{"data":[],"count":"0"}"#).unwrap();
/// assert_eq!(l.count, 0);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerList {
    /// The page.
    #[serde(default)]
    pub data: Vec<Customer>,
    /// `count` as the server reports it: the API leaves open whether it is the
    /// total or this page's length (the emulator sends the latter).
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub count: u64,
}
