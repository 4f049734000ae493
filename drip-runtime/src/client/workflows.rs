//! Workflows: create, list, and slug → id resolution (cached, single-flight).

use super::Client;
use super::http::Request;
use super::prepare;
use crate::error::Result;
use crate::model::{CreateWorkflow, Workflow, WorkflowList};
use reqwest::Method;
use std::sync::Arc;

impl Client {
    /// `POST /workflows`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::{CreateWorkflow, ProductSurface};
    /// let wf = client
    ///     .create_workflow(CreateWorkflow::new("Research agent", "research-agent").product_surface(ProductSurface::Agent))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_workflow(&self, mut workflow: CreateWorkflow) -> Result<Workflow> {
        prepare::required("name", &workflow.name)?;
        prepare::required("slug", &workflow.slug)?;
        workflow.metadata = prepare::metadata(self.privacy(), workflow.metadata.take());
        workflow.description = prepare::text(self.privacy(), workflow.description.take());
        workflow.idempotency_key = Some(prepare::key_or_new(workflow.idempotency_key.take(), "wf"));
        let url = self.endpoint(&["workflows"])?;
        let req = Request::new("POST /workflows", Method::POST, url).json(&workflow)?;
        self.inner().call(req).await
    }

    /// `GET /workflows` (the API does not paginate workflows).
    pub async fn list_workflows(&self) -> Result<WorkflowList> {
        let url = self.endpoint(&["workflows"])?;
        self.inner()
            .call(Request::new("GET /workflows", Method::GET, url))
            .await
    }

    /// The id of the workflow whose slug (or id) is `workflow`, creating a
    /// `CUSTOM` workflow named after the slug if there is none.
    ///
    /// Resolved once per client: concurrent first uses share one lookup (no
    /// duplicate creation), later uses cost nothing. A failed lookup is not
    /// cached.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = drip_emulator::Emulator::start().await?;
    /// # let client = drip_runtime::Client::builder()
    /// #     .api_key(emulator.public_key())
    /// #     .base_url(emulator.base_url())
    /// #     .build()?;
    /// use drip_runtime::model::StartRun;
    /// let workflow_id = client.resolve_workflow_id("research-agent").await?;
    /// let run = client.start_run(StartRun::new("cus_1", workflow_id)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn resolve_workflow_id(&self, workflow: &str) -> Result<String> {
        prepare::required("workflow", workflow)?;
        let cell = {
            let mut map = self
                .inner()
                .workflows
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(map.entry(workflow.to_owned()).or_default())
        };
        cell.get_or_try_init(|| self.lookup_or_create_workflow(workflow))
            .await
            .cloned()
    }

    async fn lookup_or_create_workflow(&self, workflow: &str) -> Result<String> {
        if let Some(id) = self.find_workflow(workflow).await? {
            return Ok(id);
        }
        match self
            .create_workflow(CreateWorkflow::from_slug(workflow))
            .await
        {
            Ok(created) => Ok(created.id),
            // Another process created it between our list and our create.
            Err(e) if e.status() == Some(409) => match self.find_workflow(workflow).await? {
                Some(id) => Ok(id),
                None => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    async fn find_workflow(&self, workflow: &str) -> Result<Option<String>> {
        Ok(self
            .list_workflows()
            .await?
            .data
            .into_iter()
            .find(|w| w.slug == workflow || w.id == workflow)
            .map(|w| w.id))
    }
}
