//! Customer portal sessions: create and revoke.

use super::Client;
use super::http::Request;
use super::prepare;
use crate::error::{Error, Result};
use crate::model::{CreatePortalSession, PortalSession, PortalSessionRevoked};
use reqwest::Method;

impl Client {
    /// `POST /portal-sessions`: a short-lived link that lets a customer see their own
    /// billing. Available with either key.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::{CreateCustomer, CreatePortalSession};
    /// let customer = client.create_customer(CreateCustomer::external("user_42")).await?;
    /// let session = client
    ///     .create_portal_session(CreatePortalSession::new(&customer.id).expires_in_minutes(15))
    ///     .await?;
    /// assert!(session.url.ends_with(&session.token));
    /// client.revoke_portal_session(&session.id).await?;
    /// // Revoking twice is a typed 409.
    /// let again = client.revoke_portal_session(&session.id).await.unwrap_err();
    /// assert_eq!(again.code(), Some("PORTAL_SESSION_ALREADY_REVOKED"));
    /// # Ok(()) }
    /// ```
    pub async fn create_portal_session(
        &self,
        session: CreatePortalSession,
    ) -> Result<PortalSession> {
        prepare::required("customerId", &session.customer_id)?;
        if session.expires_in_minutes == Some(0) {
            return Err(Error::Validation {
                field: "expiresInMinutes",
                reason: "must be at least 1".into(),
            });
        }
        let url = self.endpoint(&["portal-sessions"])?;
        let req = Request::new("POST /portal-sessions", Method::POST, url).json(&session)?;
        self.inner().call(req).await
    }

    /// `DELETE /portal-sessions/{id}`: the link stops working.
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
    /// use drip_runtime::model::CreatePortalSession;
    /// let session = client.create_portal_session(CreatePortalSession::new(&customer.id)).await?;
    /// assert!(client.revoke_portal_session(&session.id).await?.success);
    /// # Ok(()) }
    /// ```
    pub async fn revoke_portal_session(&self, session_id: &str) -> Result<PortalSessionRevoked> {
        prepare::required("sessionId", session_id)?;
        let url = self.endpoint(&["portal-sessions", session_id])?;
        self.inner()
            .call(Request::new(
                "DELETE /portal-sessions/{id}",
                Method::DELETE,
                url,
            ))
            .await
    }
}
