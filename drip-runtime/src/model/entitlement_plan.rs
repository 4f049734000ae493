//! Entitlement plans and their feature rules: `/entitlement-plans…`, `/entitlement-rules/{id}`.

use serde::{Deserialize, Serialize};

/// Body of `POST /entitlement-plans`. The name and description are redacted before sending.
///
/// ```
/// use drip_runtime::model::CreateEntitlementPlan;
/// let p = CreateEntitlementPlan::new("Pro", "pro").default_plan(true);
/// assert_eq!(
///     serde_json::to_value(&p).unwrap(),
///     serde_json::json!({"name": "Pro", "slug": "pro", "isDefault": true}),
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[must_use]
pub struct CreateEntitlementPlan {
    /// Display name.
    pub name: String,
    /// Unique slug: lowercase letters, digits, `-` and `_`.
    pub slug: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether new customers get this plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
}

impl CreateEntitlementPlan {
    /// A plan called `name` with `slug`.
    pub fn new(name: impl Into<String>, slug: impl Into<String>) -> Self {
        CreateEntitlementPlan {
            name: name.into(),
            slug: slug.into(),
            description: None,
            is_default: None,
        }
    }
    /// A description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
    /// Makes it (or not) the default plan.
    pub fn default_plan(mut self, is_default: bool) -> Self {
        self.is_default = Some(is_default);
        self
    }
}

/// Body of `PATCH /entitlement-plans/{id}`: only the fields set are sent.
///
/// ```
/// use drip_runtime::model::UpdateEntitlementPlan;
/// let u = UpdateEntitlementPlan::new().active(false);
/// assert_eq!(serde_json::to_value(&u).unwrap(), serde_json::json!({"isActive": false}));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[must_use]
pub struct UpdateEntitlementPlan {
    /// New name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Default or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    /// Active or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
}

impl UpdateEntitlementPlan {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Renames it.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// Replaces the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
    /// Makes it (or not) the default plan.
    pub fn default_plan(mut self, is_default: bool) -> Self {
        self.is_default = Some(is_default);
        self
    }
    /// Activates or deactivates it.
    pub fn active(mut self, is_active: bool) -> Self {
        self.is_active = Some(is_active);
        self
    }
}

/// An entitlement plan.
///
/// ```
/// let p: drip_runtime::model::EntitlementPlan = serde_json::from_str(
///     r#"{"id":"entp_1","name":"Pro","slug":"pro","isDefault":false,"isActive":true}"#,
/// ).unwrap();
/// assert_eq!(p.slug, "pro");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EntitlementPlan {
    /// Server id.
    pub id: String,
    /// Display name.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub name: String,
    /// Unique slug.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub slug: String,
    /// Description.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub description: Option<String>,
    /// Whether new customers get it.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub is_default: bool,
    /// Whether it is in use.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub is_active: bool,
    /// RFC 3339 creation time.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub created_at: Option<String>,
    /// RFC 3339 last change.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub updated_at: Option<String>,
}

/// Answer to `GET /entitlement-plans` (`{plans}`).
///
/// ```
/// let l: drip_runtime::model::EntitlementPlanList = serde_json::from_str(r#"{"plans":[]}"#).unwrap();
/// assert!(l.plans.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct EntitlementPlanList {
    /// The plans.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub plans: Vec<EntitlementPlan>,
}

/// What a rule limits.
///
/// ```
/// use drip_runtime::model::LimitType;
/// assert_eq!(serde_json::to_string(&LimitType::Count).unwrap(), "\"COUNT\"");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum LimitType {
    /// A number of uses.
    Count,
    /// An amount (of a meter's quantity).
    Amount,
    /// A kind this version does not know (refused in requests).
    #[default]
    #[serde(other)]
    Other,
}

/// The period a rule's limit applies to.
///
/// ```
/// use drip_runtime::model::LimitPeriod;
/// assert_eq!(serde_json::to_string(&LimitPeriod::Monthly).unwrap(), "\"MONTHLY\"");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum LimitPeriod {
    /// Per UTC day.
    Daily,
    /// Per calendar month.
    Monthly,
    /// A period this version does not know (refused in requests).
    #[default]
    #[serde(other)]
    Other,
}

/// Body of `POST /entitlement-plans/{id}/rules`.
///
/// ```
/// use drip_runtime::model::{CreateEntitlementRule, LimitPeriod, LimitType};
/// let r = CreateEntitlementRule::new("api_calls", LimitType::Count, LimitPeriod::Daily, 1_000.0);
/// let json = serde_json::to_value(&r).unwrap();
/// assert_eq!(json["limitValue"], 1000.0);
/// assert!(json.get("unlimited").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[must_use]
pub struct CreateEntitlementRule {
    /// The feature (an identifier, as in `check_entitlement`).
    pub feature_key: String,
    /// What is limited.
    pub limit_type: LimitType,
    /// Per what period.
    pub period: LimitPeriod,
    /// The limit: finite, not negative.
    pub limit_value: f64,
    /// No limit at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unlimited: Option<bool>,
}

impl CreateEntitlementRule {
    /// Limits `feature_key` to `limit_value` per `period`.
    pub fn new(
        feature_key: impl Into<String>,
        limit_type: LimitType,
        period: LimitPeriod,
        limit_value: f64,
    ) -> Self {
        CreateEntitlementRule {
            feature_key: feature_key.into(),
            limit_type,
            period,
            limit_value,
            unlimited: None,
        }
    }
    /// Lifts (or not) the limit.
    pub fn unlimited(mut self, unlimited: bool) -> Self {
        self.unlimited = Some(unlimited);
        self
    }
}

/// Body of `PATCH /entitlement-rules/{id}`: the limit and whether it applies (a rule's feature,
/// kind and period are fixed; delete it and add another to change them).
///
/// ```
/// use drip_runtime::model::UpdateEntitlementRule;
/// let u = UpdateEntitlementRule::new().limit_value(50.0);
/// assert_eq!(serde_json::to_value(&u).unwrap(), serde_json::json!({"limitValue": 50.0}));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[must_use]
pub struct UpdateEntitlementRule {
    /// The limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_value: Option<f64>,
    /// No limit at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unlimited: Option<bool>,
}

impl UpdateEntitlementRule {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Changes the limit.
    pub fn limit_value(mut self, limit_value: f64) -> Self {
        self.limit_value = Some(limit_value);
        self
    }
    /// Lifts (or restores) the limit.
    pub fn unlimited(mut self, unlimited: bool) -> Self {
        self.unlimited = Some(unlimited);
        self
    }
}

/// A feature rule of an entitlement plan.
///
/// ```
/// let r: drip_runtime::model::EntitlementRule = serde_json::from_str(
///     r#"{"id":"entr_1","planId":"entp_1","featureKey":"api_calls","limitType":"COUNT",
///         "period":"DAILY","limitValue":1000,"unlimited":false}"#,
/// ).unwrap();
/// assert_eq!(r.limit_value, Some(1000.0));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EntitlementRule {
    /// Server id.
    pub id: String,
    /// Its plan.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub plan_id: Option<String>,
    /// The feature.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub feature_key: String,
    /// What is limited.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub limit_type: LimitType,
    /// Per what period.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub period: LimitPeriod,
    /// The limit.
    #[serde(default, deserialize_with = "super::wire::opt_f64")]
    pub limit_value: Option<f64>,
    /// No limit at all.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub unlimited: bool,
}

/// Answer to `GET /entitlement-plans/{id}/rules` (`{rules}`).
///
/// ```
/// let l: drip_runtime::model::EntitlementRuleList = serde_json::from_str(r#"{"rules":[]}"#).unwrap();
/// assert!(l.rules.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct EntitlementRuleList {
    /// The rules.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub rules: Vec<EntitlementRule>,
}
