//! Billing state: charges, funded balances, spending caps and customer entitlement
//! assignments. Kept apart from the usage records so the billing rules (prices, caps) live in
//! one place.

use serde::{Deserialize, Serialize};

/// Price of one unit when no pricing plan names the meter, in USDC: small enough that charges
/// are obviously fake, large enough to be visible.
pub(crate) const DEFAULT_UNIT_PRICE: f64 = 0.0001;

/// One charge made by `POST /usage` or `/usage/async`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let emulator = drip_emulator::Emulator::start().await?;
/// reqwest::Client::builder().no_proxy().build()?
///     .post(format!("{}/usage", emulator.base_url()))
///     .bearer_auth(emulator.public_key())
///     .header("content-type", "application/json")
///     .body(r#"{"customerId": "cus_1", "usageType": "tokens", "quantity": 5, "idempotencyKey": "k1"}"#)
///     .send()
///     .await?
///     .error_for_status()?;
/// assert_eq!(emulator.charges()[0].quantity, 5.0);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChargeRecord {
    /// Server id, `chg_…`.
    pub id: String,
    /// The usage record the charge bills.
    pub usage_event_id: String,
    /// Customer charged.
    pub customer_id: String,
    /// Meter (wire `usageType`).
    pub usage_type: String,
    /// Quantity charged.
    pub quantity: f64,
    /// Amount in USDC.
    pub amount_usdc: f64,
    /// `CONFIRMED` (sync) or `PENDING` (async).
    pub status: String,
    /// The request's `idempotencyKey`, if any.
    pub idempotency_key: Option<String>,
    /// RFC 3339 creation time.
    pub created_at: String,
}

/// A spending cap set with `PUT /customers/{id}/spending-cap`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CapRecord {
    pub(crate) id: String,
    pub(crate) customer_id: String,
    pub(crate) cap_type: String,
    pub(crate) limit_value: f64,
    pub(crate) auto_block: bool,
    pub(crate) created_at: String,
}

/// An entitlement plan assigned to a customer with `PUT /customers/{id}/entitlement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct AssignmentRecord {
    pub(crate) customer_id: String,
    pub(crate) plan_id: String,
    pub(crate) assigned_at: String,
}

/// A customer's funding and sync state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct AccountRecord {
    pub(crate) customer_id: String,
    pub(crate) funded_usdc: f64,
    pub(crate) provisioned: bool,
    pub(crate) last_synced_at: Option<String>,
}

/// Everything billing stores.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Billing {
    pub(crate) charges: Vec<ChargeRecord>,
    pub(crate) caps: Vec<CapRecord>,
    pub(crate) assignments: Vec<AssignmentRecord>,
    pub(crate) accounts: Vec<AccountRecord>,
    #[serde(default)]
    pub(crate) plans: Vec<PlanRecord>,
}

/// A pricing plan: the price of one unit of a meter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PlanRecord {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) unit_type: String,
    pub(crate) unit_price_usdc: f64,
}

/// Which cap a charge would break.
pub(crate) struct CapBreach<'a> {
    pub(crate) cap: &'a CapRecord,
    pub(crate) spent: f64,
}

impl Billing {
    /// The pricing plan's unit price of `usage_type`, if it has a plan.
    pub(crate) fn plan_price(&self, usage_type: &str) -> Option<f64> {
        self.plans
            .iter()
            .find(|p| p.unit_type == usage_type)
            .map(|p| p.unit_price_usdc)
    }

    /// The charge made with idempotency key `key`, if any.
    pub(crate) fn charge_by_key(&self, key: &str) -> Option<&ChargeRecord> {
        self.charges
            .iter()
            .find(|c| c.idempotency_key.as_deref() == Some(key))
    }

    /// Total charged to a customer, in USDC.
    pub(crate) fn charged(&self, customer_id: &str) -> f64 {
        self.charges
            .iter()
            .filter(|c| c.customer_id == customer_id)
            .map(|c| c.amount_usdc)
            .sum()
    }

    /// The customer's account, created on first use.
    pub(crate) fn account(&mut self, customer_id: &str) -> &mut AccountRecord {
        let at = match self
            .accounts
            .iter()
            .position(|a| a.customer_id == customer_id)
        {
            Some(at) => at,
            None => {
                self.accounts.push(AccountRecord {
                    customer_id: customer_id.to_owned(),
                    funded_usdc: 0.0,
                    provisioned: false,
                    last_synced_at: None,
                });
                self.accounts.len() - 1
            }
        };
        &mut self.accounts[at]
    }

    /// The funded amount of a customer (0 when never funded).
    pub(crate) fn funded(&self, customer_id: &str) -> f64 {
        self.accounts
            .iter()
            .find(|a| a.customer_id == customer_id)
            .map_or(0.0, |a| a.funded_usdc)
    }

    /// The first blocking cap that charging `amount` at `now` (RFC 3339) would exceed.
    /// Daily caps count the charges of the same UTC day, monthly caps those of the same month.
    pub(crate) fn breach(
        &self,
        customer_id: &str,
        amount: f64,
        now: &str,
    ) -> Option<CapBreach<'_>> {
        self.caps
            .iter()
            .filter(|c| c.customer_id == customer_id && c.auto_block)
            .find_map(|cap| {
                let period = match cap.cap_type.as_str() {
                    "DAILY_CHARGE_LIMIT" => Some(10),
                    "MONTHLY_CHARGE_LIMIT" => Some(7),
                    _ => None,
                };
                let spent = match period {
                    Some(len) => self
                        .charges
                        .iter()
                        .filter(|c| c.customer_id == customer_id)
                        .filter(|c| c.created_at.get(..len) == now.get(..len))
                        .map(|c| c.amount_usdc)
                        .sum(),
                    None => 0.0,
                };
                (spent + amount > cap.limit_value + 1e-12).then_some(CapBreach { cap, spent })
            })
    }
}
