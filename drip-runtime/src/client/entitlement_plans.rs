//! Entitlement plans and their feature rules: create, read, list, update, delete.

use super::Client;
use super::billing_input;
use super::http::Request;
use super::prepare;
use crate::error::{Error, Result};
use crate::model::{
    CreateEntitlementPlan, CreateEntitlementRule, Deleted, EntitlementPlan, EntitlementPlanList,
    EntitlementRule, EntitlementRuleList, LimitPeriod, LimitType, UpdateEntitlementPlan,
    UpdateEntitlementRule,
};
use reqwest::Method;

impl Client {
    /// `POST /entitlement-plans`: a named bundle of feature limits, assigned to customers with
    /// [`Client::set_customer_entitlement`]; [`Client::check_entitlement`] then applies the
    /// plan's rule for a feature. Available with either key. A taken slug answers `409`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::{
    ///     AssignEntitlement, CheckEntitlement, CreateCustomer, CreateEntitlementPlan,
    ///     CreateEntitlementRule, LimitPeriod, LimitType,
    /// };
    /// let plan = client.create_entitlement_plan(CreateEntitlementPlan::new("Free", "free")).await?;
    /// let rule = CreateEntitlementRule::new("searches", LimitType::Count, LimitPeriod::Monthly, 10.0);
    /// client.add_entitlement_rule(&plan.id, rule).await?;
    /// let customer = client.create_customer(CreateCustomer::external("user_42")).await?;
    /// client.set_customer_entitlement(&customer.id, AssignEntitlement::new(&plan.id)).await?;
    /// let check = client.check_entitlement(CheckEntitlement::new(&customer.id, "searches")).await?;
    /// assert_eq!(check.limit, 10);
    /// # Ok(()) }
    /// ```
    pub async fn create_entitlement_plan(
        &self,
        mut plan: CreateEntitlementPlan,
    ) -> Result<EntitlementPlan> {
        prepare::non_empty("name", &plan.name)?;
        check_slug(&plan.slug)?;
        plan.name = billing_input::text(self.privacy(), plan.name);
        plan.description = prepare::text(self.privacy(), plan.description.take());
        let url = self.endpoint(&["entitlement-plans"])?;
        let req = Request::new("POST /entitlement-plans", Method::POST, url).json(&plan)?;
        self.inner().call(req).await
    }

    /// `GET /entitlement-plans`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # use drip_runtime::model::{CreateEntitlementPlan, CreateEntitlementRule, LimitPeriod, LimitType};
    /// # let plan = client.create_entitlement_plan(CreateEntitlementPlan::new("Free", "free")).await?;
    /// let plans = client.list_entitlement_plans().await?;
    /// assert_eq!(plans.plans[0].id, plan.id);
    /// # Ok(()) }
    /// ```
    pub async fn list_entitlement_plans(&self) -> Result<EntitlementPlanList> {
        let url = self.endpoint(&["entitlement-plans"])?;
        self.inner()
            .call(Request::new("GET /entitlement-plans", Method::GET, url))
            .await
    }

    /// `GET /entitlement-plans/{id}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # use drip_runtime::model::{CreateEntitlementPlan, CreateEntitlementRule, LimitPeriod, LimitType};
    /// # let plan = client.create_entitlement_plan(CreateEntitlementPlan::new("Free", "free")).await?;
    /// assert_eq!(client.entitlement_plan(&plan.id).await?.slug, "free");
    /// # Ok(()) }
    /// ```
    pub async fn entitlement_plan(&self, plan_id: &str) -> Result<EntitlementPlan> {
        prepare::required("planId", plan_id)?;
        let url = self.endpoint(&["entitlement-plans", plan_id])?;
        self.inner()
            .call(Request::new(
                "GET /entitlement-plans/{id}",
                Method::GET,
                url,
            ))
            .await
    }

    /// `PATCH /entitlement-plans/{id}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # use drip_runtime::model::{CreateEntitlementPlan, CreateEntitlementRule, LimitPeriod, LimitType};
    /// # let plan = client.create_entitlement_plan(CreateEntitlementPlan::new("Free", "free")).await?;
    /// use drip_runtime::model::UpdateEntitlementPlan;
    /// let plan = client.update_entitlement_plan(&plan.id, UpdateEntitlementPlan::new().active(false)).await?;
    /// assert!(!plan.is_active);
    /// # Ok(()) }
    /// ```
    pub async fn update_entitlement_plan(
        &self,
        plan_id: &str,
        mut update: UpdateEntitlementPlan,
    ) -> Result<EntitlementPlan> {
        prepare::required("planId", plan_id)?;
        if let Some(name) = &update.name {
            prepare::non_empty("name", name)?;
        }
        update.name = prepare::text(self.privacy(), update.name.take());
        update.description = prepare::text(self.privacy(), update.description.take());
        let url = self.endpoint(&["entitlement-plans", plan_id])?;
        let req =
            Request::new("PATCH /entitlement-plans/{id}", Method::PATCH, url).json(&update)?;
        self.inner().call(req).await
    }

    /// `DELETE /entitlement-plans/{id}` (and its rules). A plan assigned to a customer answers
    /// `409 ENTITLEMENT_PLAN_IN_USE`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # use drip_runtime::model::{CreateEntitlementPlan, CreateEntitlementRule, LimitPeriod, LimitType};
    /// # let plan = client.create_entitlement_plan(CreateEntitlementPlan::new("Free", "free")).await?;
    /// assert!(client.delete_entitlement_plan(&plan.id).await?.success);
    /// # Ok(()) }
    /// ```
    pub async fn delete_entitlement_plan(&self, plan_id: &str) -> Result<Deleted> {
        prepare::required("planId", plan_id)?;
        let url = self.endpoint(&["entitlement-plans", plan_id])?;
        self.inner()
            .call(Request::new(
                "DELETE /entitlement-plans/{id}",
                Method::DELETE,
                url,
            ))
            .await
    }

    /// `POST /entitlement-plans/{id}/rules`: one rule per feature (a second answers `409
    /// ENTITLEMENT_RULE_EXISTS`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # use drip_runtime::model::{CreateEntitlementPlan, CreateEntitlementRule, LimitPeriod, LimitType};
    /// # let plan = client.create_entitlement_plan(CreateEntitlementPlan::new("Free", "free")).await?;
    /// let rule = CreateEntitlementRule::new("api_calls", LimitType::Count, LimitPeriod::Daily, 1_000.0);
    /// let rule = client.add_entitlement_rule(&plan.id, rule).await?;
    /// assert_eq!(rule.feature_key, "api_calls");
    /// # Ok(()) }
    /// ```
    pub async fn add_entitlement_rule(
        &self,
        plan_id: &str,
        rule: CreateEntitlementRule,
    ) -> Result<EntitlementRule> {
        prepare::required("planId", plan_id)?;
        prepare::required("featureKey", &rule.feature_key)?;
        check_rule(
            Some(rule.limit_type),
            Some(rule.period),
            Some(rule.limit_value),
        )?;
        let url = self.endpoint(&["entitlement-plans", plan_id, "rules"])?;
        let req =
            Request::new("POST /entitlement-plans/{id}/rules", Method::POST, url).json(&rule)?;
        self.inner().call(req).await
    }

    /// `GET /entitlement-plans/{id}/rules`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # use drip_runtime::model::{CreateEntitlementPlan, CreateEntitlementRule, LimitPeriod, LimitType};
    /// # let plan = client.create_entitlement_plan(CreateEntitlementPlan::new("Free", "free")).await?;
    /// # let rule = client.add_entitlement_rule(&plan.id, CreateEntitlementRule::new("searches", LimitType::Count, LimitPeriod::Monthly, 10.0)).await?;
    /// let rules = client.list_entitlement_rules(&plan.id).await?;
    /// assert_eq!(rules.rules[0].id, rule.id);
    /// # Ok(()) }
    /// ```
    pub async fn list_entitlement_rules(&self, plan_id: &str) -> Result<EntitlementRuleList> {
        prepare::required("planId", plan_id)?;
        let url = self.endpoint(&["entitlement-plans", plan_id, "rules"])?;
        self.inner()
            .call(Request::new(
                "GET /entitlement-plans/{id}/rules",
                Method::GET,
                url,
            ))
            .await
    }

    /// `PATCH /entitlement-rules/{id}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # use drip_runtime::model::{CreateEntitlementPlan, CreateEntitlementRule, LimitPeriod, LimitType};
    /// # let plan = client.create_entitlement_plan(CreateEntitlementPlan::new("Free", "free")).await?;
    /// # let rule = client.add_entitlement_rule(&plan.id, CreateEntitlementRule::new("searches", LimitType::Count, LimitPeriod::Monthly, 10.0)).await?;
    /// use drip_runtime::model::UpdateEntitlementRule;
    /// let rule = client.update_entitlement_rule(&rule.id, UpdateEntitlementRule::new().limit_value(20.0)).await?;
    /// assert_eq!(rule.limit_value, Some(20.0));
    /// # Ok(()) }
    /// ```
    pub async fn update_entitlement_rule(
        &self,
        rule_id: &str,
        update: UpdateEntitlementRule,
    ) -> Result<EntitlementRule> {
        prepare::required("ruleId", rule_id)?;
        check_rule(None, None, update.limit_value)?;
        let url = self.endpoint(&["entitlement-rules", rule_id])?;
        let req =
            Request::new("PATCH /entitlement-rules/{id}", Method::PATCH, url).json(&update)?;
        self.inner().call(req).await
    }

    /// `DELETE /entitlement-rules/{id}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # use drip_runtime::model::{CreateEntitlementPlan, CreateEntitlementRule, LimitPeriod, LimitType};
    /// # let plan = client.create_entitlement_plan(CreateEntitlementPlan::new("Free", "free")).await?;
    /// # let rule = client.add_entitlement_rule(&plan.id, CreateEntitlementRule::new("searches", LimitType::Count, LimitPeriod::Monthly, 10.0)).await?;
    /// assert!(client.delete_entitlement_rule(&rule.id).await?.success);
    /// # Ok(()) }
    /// ```
    pub async fn delete_entitlement_rule(&self, rule_id: &str) -> Result<Deleted> {
        prepare::required("ruleId", rule_id)?;
        let url = self.endpoint(&["entitlement-rules", rule_id])?;
        self.inner()
            .call(Request::new(
                "DELETE /entitlement-rules/{id}",
                Method::DELETE,
                url,
            ))
            .await
    }
}

/// Lowercase letters, digits, `-` and `_`.
fn check_slug(slug: &str) -> Result<()> {
    let ok = !slug.is_empty()
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        prepare::required("slug", slug)
    } else {
        Err(Error::Validation {
            field: "slug",
            reason: "must be lowercase letters, digits, `-` and `_`, e.g. pro-monthly".into(),
        })
    }
}

/// Refuses the `Other` kinds (their wire form is unknown) and a bad limit.
fn check_rule(
    limit_type: Option<LimitType>,
    period: Option<LimitPeriod>,
    limit_value: Option<f64>,
) -> Result<()> {
    if limit_type == Some(LimitType::Other) {
        return Err(Error::Validation {
            field: "limitType",
            reason: "choose COUNT or AMOUNT".into(),
        });
    }
    if period == Some(LimitPeriod::Other) {
        return Err(Error::Validation {
            field: "period",
            reason: "choose DAILY or MONTHLY".into(),
        });
    }
    match limit_value {
        Some(v) => prepare::quantity("limitValue", v),
        None => Ok(()),
    }
}
