//! Withdrawals of your USDC to a bank: create, list, estimate the fee, cancel.

use super::Client;
use super::billing_input::Query;
use super::http::Request;
use super::prepare;
use crate::error::{Error, Result};
use crate::model::{
    ListWithdrawals, Withdraw, Withdrawal, WithdrawalCancelled, WithdrawalFeeEstimate,
    WithdrawalList, WithdrawalStatus,
};
use reqwest::Method;

impl Client {
    /// `POST /withdrawals`: pays out your USDC to your bank. Available with either key.
    ///
    /// The amount must be finite and above 0; the idempotency key is made once per call and
    /// re-sent on every retry, so a retried withdrawal never pays out twice.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::{Withdraw, WithdrawalStatus};
    /// let fee = client.estimate_withdrawal_fee(250.0).await?;
    /// println!("fee {:?} USDC", fee.fee_usdc);
    /// let w = client.withdraw(Withdraw::new(250.0)).await?;
    /// assert_eq!(w.status, WithdrawalStatus::Pending);
    /// assert!(client.cancel_withdrawal(&w.id).await?.cancelled);
    /// # Ok(()) }
    /// ```
    pub async fn withdraw(&self, mut withdraw: Withdraw) -> Result<Withdrawal> {
        positive(withdraw.amount_usdc)?;
        withdraw.idempotency_key = Some(prepare::key_or_new(withdraw.idempotency_key.take(), "wd"));
        withdraw.bank_description = prepare::text(self.privacy(), withdraw.bank_description.take());
        let url = self.endpoint(&["withdrawals"])?;
        let req = Request::new("POST /withdrawals", Method::POST, url).json(&withdraw)?;
        self.inner().call(req).await
    }

    /// `GET /withdrawals?status&limit&offset`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::{ListWithdrawals, Withdraw};
    /// let w = client.withdraw(Withdraw::new(50.0)).await?;
    /// let list = client.list_withdrawals(ListWithdrawals::new().limit(10)).await?;
    /// assert_eq!(list.withdrawals[0].id, w.id);
    /// # Ok(()) }
    /// ```
    pub async fn list_withdrawals(&self, query: ListWithdrawals) -> Result<WithdrawalList> {
        let q = Query::default()
            .state("status", query.status.map(WithdrawalStatus::as_str))?
            .limit(query.limit)?
            .offset(query.offset);
        let url = self.endpoint(&["withdrawals"])?;
        let req = Request::new("GET /withdrawals", Method::GET, url).query(&q.pairs);
        self.inner().call(req).await
    }

    /// `GET /withdrawals/fee-estimate?amount_usdc=`: what a withdrawal of `amount_usdc`
    /// would cost and pay out.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// let fee = client.estimate_withdrawal_fee(100.0).await?;
    /// println!("{:?} USDC arrives", fee.net_amount_usdc);
    /// # Ok(()) }
    /// ```
    pub async fn estimate_withdrawal_fee(&self, amount_usdc: f64) -> Result<WithdrawalFeeEstimate> {
        positive(amount_usdc)?;
        let url = self.endpoint(&["withdrawals", "fee-estimate"])?;
        let req = Request::new("GET /withdrawals/fee-estimate", Method::GET, url)
            .query(&[("amount_usdc", amount_usdc.to_string())]);
        self.inner().call(req).await
    }

    /// `DELETE /withdrawals/{id}`: cancels a pending withdrawal (any other state answers
    /// `409 WITHDRAWAL_NOT_CANCELLABLE`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::Withdraw;
    /// let w = client.withdraw(Withdraw::new(50.0)).await?;
    /// assert!(client.cancel_withdrawal(&w.id).await?.cancelled);
    /// # Ok(()) }
    /// ```
    pub async fn cancel_withdrawal(&self, withdrawal_id: &str) -> Result<WithdrawalCancelled> {
        prepare::required("withdrawalId", withdrawal_id)?;
        let url = self.endpoint(&["withdrawals", withdrawal_id])?;
        self.inner()
            .call(Request::new(
                "DELETE /withdrawals/{id}",
                Method::DELETE,
                url,
            ))
            .await
    }
}

/// A finite amount above 0.
fn positive(amount: f64) -> Result<()> {
    prepare::quantity("amount_usdc", amount)?;
    if amount == 0.0 {
        return Err(Error::Validation {
            field: "amount_usdc",
            reason: "must be above 0".into(),
        });
    }
    Ok(())
}
