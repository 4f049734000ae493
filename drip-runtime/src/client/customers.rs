//! Customers: create, get, list, get-or-create.

use super::Client;
use super::http::Request;
use super::prepare;
use crate::error::{Error, Result};
use crate::metadata::Metadata;
use crate::model::{CreateCustomer, Customer, CustomerList, ListCustomers};
use reqwest::Method;

impl Client {
    /// `POST /customers`. Needs `external_customer_id` or `onchain_address`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::CreateCustomer;
    /// let customer = client.create_customer(CreateCustomer::external("user_42")).await?;
    /// println!("{}", customer.id);
    /// # Ok(()) }
    /// ```
    pub async fn create_customer(&self, customer: CreateCustomer) -> Result<Customer> {
        let req = self.create_customer_request(customer)?;
        self.inner().call(req).await
    }

    fn create_customer_request(&self, mut customer: CreateCustomer) -> Result<Request> {
        let has = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        if !has(&customer.external_customer_id) && !has(&customer.onchain_address) {
            return Err(Error::Validation {
                field: "externalCustomerId",
                reason: "a customer needs an externalCustomerId or an onchainAddress".into(),
            });
        }
        prepare::identifier(
            "externalCustomerId",
            customer.external_customer_id.as_deref(),
        )?;
        prepare::identifier("onchainAddress", customer.onchain_address.as_deref())?;
        customer.metadata = prepare::metadata(self.privacy(), customer.metadata.take());
        customer.idempotency_key =
            Some(prepare::key_or_new(customer.idempotency_key.take(), "cus"));
        let url = self.endpoint(&["customers"])?;
        Request::new("POST /customers", Method::POST, url).json(&customer)
    }

    /// `GET /customers/{id}`.
    pub async fn get_customer(&self, customer_id: &str) -> Result<Customer> {
        prepare::required("customerId", customer_id)?;
        let url = self.endpoint(&["customers", customer_id])?;
        self.inner()
            .call(Request::new("GET /customers/{id}", Method::GET, url))
            .await
    }

    /// `GET /customers?limit&offset&status`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::ListCustomers;
    /// let page = client.list_customers(ListCustomers::new().limit(20)).await?;
    /// println!("{} of {}", page.data.len(), page.count);
    /// # Ok(()) }
    /// ```
    pub async fn list_customers(&self, query: ListCustomers) -> Result<CustomerList> {
        if let Some(limit) = query.limit
            && !(1..=100).contains(&limit)
        {
            return Err(Error::Validation {
                field: "limit",
                reason: format!("must be between 1 and 100, got {limit}"),
            });
        }
        let mut pairs = Vec::new();
        if let Some(l) = query.limit {
            pairs.push(("limit", l.to_string()));
        }
        if let Some(o) = query.offset {
            pairs.push(("offset", o.to_string()));
        }
        if let Some(s) = query.status {
            pairs.push(("status", s.as_str().to_owned()));
        }
        let url = self.endpoint(&["customers"])?;
        let req = Request::new("GET /customers", Method::GET, url).query(&pairs);
        self.inner().call(req).await
    }

    /// The customer with this external id, created if it does not exist.
    ///
    /// `external_customer_id` is the application's own opaque id for the
    /// user (a database key, or one made with `drip::hash_id`) — never an
    /// e-mail address, a token or other personal data: such an id breaks
    /// the identifier rule and is refused with [`Error::Validation`] before
    /// anything is sent.
    ///
    /// `POST /customers`; on 409 the body's `existingCustomerId` is fetched, or
    /// failing that every page of the customer list is searched (not only the
    /// first 100). An unresolvable conflict is
    /// `Error::Api { status: 409, code: "CUSTOMER_RESOLUTION_FAILED" }`.
    ///
    /// To bill runs to such an id without calling this yourself, use
    /// `#[drip::run(external_customer = …)]`: the delivery thread calls it
    /// once per id and remembers the answer.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// let a = client.get_or_create_customer("user_42", None).await?;
    /// let b = client.get_or_create_customer("user_42", None).await?;
    /// assert_eq!(a.id, b.id);
    /// assert!(matches!(
    ///     client.get_or_create_customer("ada@example.com", None).await,
    ///     Err(drip_runtime::Error::Validation { .. })
    /// ));
    /// # Ok(()) }
    /// ```
    pub async fn get_or_create_customer(
        &self,
        external_customer_id: &str,
        metadata: Option<Metadata>,
    ) -> Result<Customer> {
        prepare::required("externalCustomerId", external_customer_id)?;
        let mut create = CreateCustomer::external(external_customer_id);
        create.metadata = metadata;
        let req = self.create_customer_request(create)?;
        let reply = self.inner().send(&req).await?;
        if reply.status != 409 {
            return reply.decode(req.route);
        }
        let existing = reply
            .json_body()
            .and_then(|b| b.get("existingCustomerId")?.as_str().map(str::to_owned))
            .filter(|id| !id.is_empty());
        if let Some(id) = existing {
            return self.get_customer(&id).await;
        }
        // Page by page until a short page. `count` is not used: the API does
        // not say whether it is the total or the page's length (the emulator
        // sends the latter). Bounded all the same.
        const PAGE: u32 = 100;
        const MAX_PAGES: u32 = 1_000;
        let mut offset = 0u32;
        for _ in 0..MAX_PAGES {
            let mut query = ListCustomers::new().limit(PAGE);
            if offset > 0 {
                query = query.offset(offset);
            }
            let page = self.list_customers(query).await?;
            let len = u32::try_from(page.data.len()).unwrap_or(u32::MAX);
            if let Some(found) = page
                .data
                .into_iter()
                .find(|c| c.external_customer_id.as_deref() == Some(external_customer_id))
            {
                return self.get_customer(&found.id).await;
            }
            offset = offset.saturating_add(len);
            if len < PAGE {
                break;
            }
        }
        Err(Error::Api {
            status: 409,
            code: Some("CUSTOMER_RESOLUTION_FAILED".into()),
            message: "a customer with this externalCustomerId exists but could not be found; look it up with list_customers".into(),
        })
    }

    pub(crate) fn endpoint(&self, segments: &[&str]) -> Result<::url::Url> {
        super::url::endpoint(&self.inner().base, segments)
    }
}
