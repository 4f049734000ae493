//! Per-customer pricing contracts: create, read, list, update, cancel, and price overrides.

use super::Client;
use super::billing_input::{self, Query};
use super::http::Request;
use super::prepare;
use crate::error::{Error, Result};
use crate::model::{
    Contract, ContractList, ContractPriceOverride, ContractStatus, CreateContract, Deleted,
    ListContracts, SetContractPrice, UpdateContract,
};
use reqwest::Method;
use std::collections::BTreeMap;

impl Client {
    /// `POST /contracts`: a negotiated price for one customer — price overrides per meter and
    /// a discount, applied to the customer's charges while it is active. Available with either
    /// key.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::{ContractStatus, CreateContract, CreateCustomer, SetContractPrice};
    /// let customer = client.create_customer(CreateCustomer::external("acme")).await?;
    /// let contract = client
    ///     .create_contract(CreateContract::new(&customer.id, "Enterprise", "2026-01-01T00:00:00Z").discount_pct(10.0))
    ///     .await?;
    /// client.add_contract_override(&contract.id, SetContractPrice::new("tokens", 0.001)).await?;
    /// client.cancel_contract(&contract.id).await?;
    /// assert_eq!(client.contract(&contract.id).await?.status, ContractStatus::Cancelled);
    /// # Ok(()) }
    /// ```
    pub async fn create_contract(&self, mut contract: CreateContract) -> Result<Contract> {
        prepare::required("customerId", &contract.customer_id)?;
        prepare::non_empty("name", &contract.name)?;
        date("startDate", Some(&contract.start_date))?;
        date("endDate", contract.end_date.as_deref())?;
        amounts(
            contract.minimum_usdc,
            contract.maximum_usdc,
            contract.discount_pct,
            contract.prepaid_amount_usdc,
            contract.included_units.as_ref(),
        )?;
        contract.name = billing_input::text(self.privacy(), contract.name);
        contract.metadata = prepare::metadata(self.privacy(), contract.metadata.take());
        let url = self.endpoint(&["contracts"])?;
        let req = Request::new("POST /contracts", Method::POST, url).json(&contract)?;
        self.inner().call(req).await
    }

    /// `GET /contracts?customerId&status`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # let customer = client.create_customer(drip_runtime::model::CreateCustomer::external("user_42")).await?;
    /// # let contract = client.create_contract(drip_runtime::model::CreateContract::new(&customer.id, "Enterprise", "2026-01-01T00:00:00Z")).await?;
    /// use drip_runtime::model::ListContracts;
    /// let list = client.list_contracts(ListContracts::new().customer(&customer.id)).await?;
    /// assert_eq!(list.contracts[0].id, contract.id);
    /// # Ok(()) }
    /// ```
    pub async fn list_contracts(&self, query: ListContracts) -> Result<ContractList> {
        let q = Query::default()
            .id("customerId", query.customer_id)?
            .state("status", query.status.map(ContractStatus::as_str))?;
        let url = self.endpoint(&["contracts"])?;
        let req = Request::new("GET /contracts", Method::GET, url).query(&q.pairs);
        self.inner().call(req).await
    }

    /// `GET /contracts/{id}`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # let customer = client.create_customer(drip_runtime::model::CreateCustomer::external("user_42")).await?;
    /// # let contract = client.create_contract(drip_runtime::model::CreateContract::new(&customer.id, "Enterprise", "2026-01-01T00:00:00Z")).await?;
    /// assert_eq!(client.contract(&contract.id).await?.name.as_deref(), Some("Enterprise"));
    /// # Ok(()) }
    /// ```
    pub async fn contract(&self, contract_id: &str) -> Result<Contract> {
        prepare::required("contractId", contract_id)?;
        let url = self.endpoint(&["contracts", contract_id])?;
        self.inner()
            .call(Request::new("GET /contracts/{id}", Method::GET, url))
            .await
    }

    /// `PATCH /contracts/{id}`: a cancelled contract answers `409 CONTRACT_CANCELLED`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # let customer = client.create_customer(drip_runtime::model::CreateCustomer::external("user_42")).await?;
    /// # let contract = client.create_contract(drip_runtime::model::CreateContract::new(&customer.id, "Enterprise", "2026-01-01T00:00:00Z")).await?;
    /// use drip_runtime::model::UpdateContract;
    /// let contract = client.update_contract(&contract.id, UpdateContract::new().discount_pct(15.0)).await?;
    /// assert_eq!(contract.discount_pct, Some(15.0));
    /// # Ok(()) }
    /// ```
    pub async fn update_contract(
        &self,
        contract_id: &str,
        mut update: UpdateContract,
    ) -> Result<Contract> {
        prepare::required("contractId", contract_id)?;
        if let Some(name) = &update.name {
            prepare::non_empty("name", name)?;
        }
        date("endDate", update.end_date.as_deref())?;
        amounts(
            update.minimum_usdc,
            update.maximum_usdc,
            update.discount_pct,
            None,
            update.included_units.as_ref(),
        )?;
        update.name = prepare::text(self.privacy(), update.name.take());
        update.metadata = prepare::metadata(self.privacy(), update.metadata.take());
        let url = self.endpoint(&["contracts", contract_id])?;
        let req = Request::new("PATCH /contracts/{id}", Method::PATCH, url).json(&update)?;
        self.inner().call(req).await
    }

    /// `DELETE /contracts/{id}`: cancels it (it stays listed as cancelled); a second
    /// cancellation answers `409 CONTRACT_ALREADY_CANCELLED`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # let customer = client.create_customer(drip_runtime::model::CreateCustomer::external("user_42")).await?;
    /// # let contract = client.create_contract(drip_runtime::model::CreateContract::new(&customer.id, "Enterprise", "2026-01-01T00:00:00Z")).await?;
    /// assert!(client.cancel_contract(&contract.id).await?.success);
    /// assert!(client.cancel_contract(&contract.id).await.is_err()); // already cancelled
    /// # Ok(()) }
    /// ```
    pub async fn cancel_contract(&self, contract_id: &str) -> Result<Deleted> {
        prepare::required("contractId", contract_id)?;
        let url = self.endpoint(&["contracts", contract_id])?;
        self.inner()
            .call(Request::new("DELETE /contracts/{id}", Method::DELETE, url))
            .await
    }

    /// `POST /contracts/{id}/overrides`: the contract's price for one meter (replacing an
    /// earlier one).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # let customer = client.create_customer(drip_runtime::model::CreateCustomer::external("user_42")).await?;
    /// # let contract = client.create_contract(drip_runtime::model::CreateContract::new(&customer.id, "Enterprise", "2026-01-01T00:00:00Z")).await?;
    /// use drip_runtime::model::SetContractPrice;
    /// let price = client.add_contract_override(&contract.id, SetContractPrice::new("tokens", 0.001)).await?;
    /// assert_eq!(price.unit_type, "tokens");
    /// # Ok(()) }
    /// ```
    pub async fn add_contract_override(
        &self,
        contract_id: &str,
        price: SetContractPrice,
    ) -> Result<ContractPriceOverride> {
        prepare::required("contractId", contract_id)?;
        prepare::required("unitType", &price.unit_type)?;
        prepare::quantity("unitPriceUsd", price.unit_price_usdc)?;
        let url = self.endpoint(&["contracts", contract_id, "overrides"])?;
        let req = Request::new("POST /contracts/{id}/overrides", Method::POST, url).json(&price)?;
        self.inner().call(req).await
    }

    /// `DELETE /contracts/{id}/overrides/{unitType}` (the meter is percent-encoded).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// # let customer = client.create_customer(drip_runtime::model::CreateCustomer::external("user_42")).await?;
    /// # let contract = client.create_contract(drip_runtime::model::CreateContract::new(&customer.id, "Enterprise", "2026-01-01T00:00:00Z")).await?;
    /// use drip_runtime::model::SetContractPrice;
    /// client.add_contract_override(&contract.id, SetContractPrice::new("tokens", 0.001)).await?;
    /// assert!(client.remove_contract_override(&contract.id, "tokens").await?.success);
    /// # Ok(()) }
    /// ```
    pub async fn remove_contract_override(
        &self,
        contract_id: &str,
        meter: &str,
    ) -> Result<Deleted> {
        prepare::required("contractId", contract_id)?;
        prepare::required("unitType", meter)?;
        let url = self.endpoint(&["contracts", contract_id, "overrides", meter])?;
        self.inner()
            .call(Request::new(
                "DELETE /contracts/{id}/overrides/{unitType}",
                Method::DELETE,
                url,
            ))
            .await
    }
}

fn date(field: &'static str, value: Option<&str>) -> Result<()> {
    match value {
        Some(d) if !super::cost_estimates::is_date_time(d) => Err(Error::Validation {
            field,
            reason: "must be an RFC 3339 date-time such as 2026-01-01T00:00:00Z".into(),
        }),
        _ => Ok(()),
    }
}

/// Amounts finite and not negative, the minimum not above the maximum, a discount from 0 to
/// 100, included units finite and not negative with identifier meters.
fn amounts(
    minimum: Option<f64>,
    maximum: Option<f64>,
    discount: Option<f64>,
    prepaid: Option<f64>,
    included: Option<&BTreeMap<String, f64>>,
) -> Result<()> {
    for (field, v) in [
        ("minimumUsdc", minimum),
        ("maximumUsdc", maximum),
        ("prepaidAmountUsdc", prepaid),
    ] {
        if let Some(v) = v {
            prepare::quantity(field, v)?;
        }
    }
    if let (Some(min), Some(max)) = (minimum, maximum)
        && min > max
    {
        return Err(Error::Validation {
            field: "minimumUsdc",
            reason: format!("must not be above maximumUsdc ({min} > {max})"),
        });
    }
    if let Some(d) = discount
        && !(d.is_finite() && (0.0..=100.0).contains(&d))
    {
        return Err(Error::Validation {
            field: "discountPct",
            reason: format!("must be a percentage from 0 to 100, got {d}"),
        });
    }
    for (meter, units) in included.into_iter().flatten() {
        prepare::required("includedUnits", meter)?;
        prepare::quantity("includedUnits", *units)?;
    }
    Ok(())
}
