//! The secret-key-only management surface: webhooks.

use super::Client;
use super::http::Request;
use super::prepare;
use crate::error::Result;
use crate::model::{
    CreateWebhook, UpdateWebhook, Webhook, WebhookCreated, WebhookDeleted, WebhookList,
    WebhookSecretRotated, WebhookTestResult,
};
use reqwest::Method;
use serde::Serialize;

/// Webhook management. Only obtainable from a secret-key client through
/// [`Client::admin`], so a public key fails before any request.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let emulator = drip_emulator::Emulator::start().await?;
/// use drip_runtime::{Client, model::CreateWebhook};
/// let client = Client::builder()
///     .api_key(emulator.secret_key()) // sk_…: a pk_ key fails here, before any request
///     .base_url(emulator.base_url())
///     .build()?;
/// let admin = client.admin()?;
/// let created = admin
///     .create_webhook(CreateWebhook::new("https://example.com/hooks/drip", ["usage.recorded"]))
///     .await?;
/// // Store created.secret to verify deliveries with drip_runtime::verify_webhook_signature.
/// assert_eq!(admin.list_webhooks().await?.count, 1);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Admin {
    client: Client,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateWebhookBody<'a> {
    #[serde(flatten)]
    webhook: &'a CreateWebhook,
    idempotency_key: String,
}

impl Admin {
    pub(crate) fn new(client: Client) -> Self {
        Admin { client }
    }

    /// The client this surface was made from.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `POST /webhooks`. The answer carries the signing secret, shown only once.
    pub async fn create_webhook(&self, mut webhook: CreateWebhook) -> Result<WebhookCreated> {
        prepare::non_empty("url", &webhook.url)?;
        prepare::webhook_identifiers(&webhook.events, webhook.filters.as_ref())?;
        if webhook.events.is_empty() {
            return Err(crate::Error::Validation {
                field: "events",
                reason: "a webhook needs at least one event type, e.g. usage.recorded".into(),
            });
        }
        webhook.description = prepare::text(self.client.privacy(), webhook.description.take());
        let body = CreateWebhookBody {
            webhook: &webhook,
            idempotency_key: crate::model::idempotency::new_key("whk"),
        };
        let url = self.client.endpoint(&["webhooks"])?;
        let req = Request::new("POST /webhooks", Method::POST, url).json(&body)?;
        let created: WebhookCreated = self.client.inner().call(req).await?;
        crate::privacy::register_secret(&created.secret);
        Ok(created)
    }

    /// `GET /webhooks`.
    pub async fn list_webhooks(&self) -> Result<WebhookList> {
        let url = self.client.endpoint(&["webhooks"])?;
        self.client
            .inner()
            .call(Request::new("GET /webhooks", Method::GET, url))
            .await
    }

    /// `GET /webhooks/{id}`.
    pub async fn get_webhook(&self, webhook_id: &str) -> Result<Webhook> {
        prepare::required("webhookId", webhook_id)?;
        let url = self.client.endpoint(&["webhooks", webhook_id])?;
        self.client
            .inner()
            .call(Request::new("GET /webhooks/{id}", Method::GET, url))
            .await
    }

    /// `PATCH /webhooks/{id}`: only the fields set in `update` change.
    pub async fn update_webhook(
        &self,
        webhook_id: &str,
        mut update: UpdateWebhook,
    ) -> Result<Webhook> {
        prepare::required("webhookId", webhook_id)?;
        prepare::webhook_identifiers(
            update.events.as_deref().unwrap_or_default(),
            update.filters.as_ref().and_then(Option::as_ref),
        )?;
        update.description = prepare::text(self.client.privacy(), update.description.take());
        let url = self.client.endpoint(&["webhooks", webhook_id])?;
        let req = Request::new("PATCH /webhooks/{id}", Method::PATCH, url).json(&update)?;
        self.client.inner().call(req).await
    }

    /// `DELETE /webhooks/{id}`.
    pub async fn delete_webhook(&self, webhook_id: &str) -> Result<WebhookDeleted> {
        prepare::required("webhookId", webhook_id)?;
        let url = self.client.endpoint(&["webhooks", webhook_id])?;
        self.client
            .inner()
            .call(Request::new("DELETE /webhooks/{id}", Method::DELETE, url))
            .await
    }

    /// `POST /webhooks/{id}/test`: sends a test delivery.
    pub async fn test_webhook(&self, webhook_id: &str) -> Result<WebhookTestResult> {
        prepare::required("webhookId", webhook_id)?;
        let url = self.client.endpoint(&["webhooks", webhook_id, "test"])?;
        self.client
            .inner()
            .call(Request::new("POST /webhooks/{id}/test", Method::POST, url))
            .await
    }

    /// `POST /webhooks/{id}/rotate-secret`: a new signing secret.
    pub async fn rotate_webhook_secret(&self, webhook_id: &str) -> Result<WebhookSecretRotated> {
        prepare::required("webhookId", webhook_id)?;
        let url = self
            .client
            .endpoint(&["webhooks", webhook_id, "rotate-secret"])?;
        let rotated: WebhookSecretRotated = self
            .client
            .inner()
            .call(Request::new(
                "POST /webhooks/{id}/rotate-secret",
                Method::POST,
                url,
            ))
            .await?;
        crate::privacy::register_secret(&rotated.secret);
        Ok(rotated)
    }
}
