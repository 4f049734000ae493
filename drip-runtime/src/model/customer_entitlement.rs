//! A customer's entitlement plan: `PUT/GET /customers/{id}/entitlement`.

use serde::{Deserialize, Serialize};

/// Body of `PUT /customers/{id}/entitlement`.
///
/// ```
/// let a = drip_runtime::model::AssignEntitlement::new("plan_pro");
/// assert_eq!(serde_json::to_value(&a).unwrap(), serde_json::json!({"planId": "plan_pro"}));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[must_use]
pub struct AssignEntitlement {
    /// The entitlement plan to assign.
    pub plan_id: String,
}

impl AssignEntitlement {
    /// Assigns plan `plan_id`.
    pub fn new(plan_id: impl Into<String>) -> Self {
        AssignEntitlement {
            plan_id: plan_id.into(),
        }
    }
}

/// A customer's assigned entitlement plan.
///
/// ```
/// let e: drip_runtime::model::CustomerEntitlement =
///     serde_json::from_str(r#"{"customerId":"cus_1","planId":"plan_pro"}"#).unwrap();
/// assert_eq!(e.plan_id, "plan_pro");
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomerEntitlement {
    /// The customer.
    #[serde(default)]
    pub customer_id: Option<String>,
    /// The assigned plan.
    pub plan_id: String,
    /// RFC 3339 assignment time.
    #[serde(default)]
    pub assigned_at: Option<String>,
}
