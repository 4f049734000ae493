//! Entitlement plans (named bundles of feature limits) and their rules. A customer assigned a
//! plan (`PUT /customers/{id}/entitlement`) is checked against the plan's rule for a feature
//! when no quota was set for it directly (`Store::entitlement_limit`).

use serde::{Deserialize, Serialize};

/// An entitlement plan made with `POST /entitlement-plans`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PlanRecord {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) slug: String,
    pub(crate) description: Option<String>,
    pub(crate) is_default: bool,
    pub(crate) is_active: bool,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
}

/// A feature rule of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RuleRecord {
    pub(crate) id: String,
    pub(crate) plan_id: String,
    pub(crate) feature_key: String,
    pub(crate) limit_type: String,
    pub(crate) period: String,
    pub(crate) limit_value: f64,
    pub(crate) unlimited: bool,
}

pub(crate) const LIMIT_TYPES: [&str; 2] = ["COUNT", "AMOUNT"];
pub(crate) const PERIODS: [&str; 2] = ["DAILY", "MONTHLY"];

/// Whether `slug` is lowercase letters, digits, `-` and `_`, and not empty.
pub(crate) fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}
