//! Workflows: `GET/POST /workflows`.

use crate::metadata::Metadata;
use serde::{Deserialize, Serialize};

/// Where a workflow runs.
///
/// ```
/// use drip_runtime::model::ProductSurface;
/// assert_eq!(serde_json::to_string(&ProductSurface::Agent).unwrap(), "\"AGENT\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ProductSurface {
    /// HTTP API.
    Api,
    /// RPC.
    Rpc,
    /// Webhook handler.
    Webhook,
    /// AI agent.
    Agent,
    /// Data pipeline.
    Pipeline,
    /// Anything else.
    #[default]
    Custom,
    /// A surface this SDK version does not know.
    #[serde(other)]
    Unknown,
}

/// Body of `POST /workflows`.
///
/// ```
/// use drip_runtime::model::CreateWorkflow;
/// let w = CreateWorkflow::from_slug("research-agent");
/// assert_eq!(w.name, "Research Agent");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateWorkflow {
    /// Display name.
    pub name: String,
    /// Unique slug.
    pub slug: String,
    /// Surface.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_surface: Option<ProductSurface>,
    /// Description; redacted before sending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Metadata; sanitised before sending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Made once per call when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

impl CreateWorkflow {
    /// A workflow with an explicit name and slug.
    pub fn new(name: impl Into<String>, slug: impl Into<String>) -> Self {
        CreateWorkflow {
            name: name.into(),
            slug: slug.into(),
            product_surface: None,
            description: None,
            metadata: None,
            idempotency_key: None,
        }
    }

    /// A `CUSTOM` workflow named after its slug the way the official SDKs do
    /// (`my_new-flow` → `My New Flow`).
    pub fn from_slug(slug: impl Into<String>) -> Self {
        let slug = slug.into();
        let mut w = CreateWorkflow::new(pretty_name(&slug), slug);
        w.product_surface = Some(ProductSurface::Custom);
        w
    }
    /// Surface.
    #[must_use]
    pub fn product_surface(mut self, surface: ProductSurface) -> Self {
        self.product_surface = Some(surface);
        self
    }
    /// Description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
    /// Metadata.
    #[must_use]
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

/// Node's pretty name: `_`/`-` become spaces, each word's first letter upper-cased.
fn pretty_name(slug: &str) -> String {
    slug.split(['_', '-'])
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

/// A workflow as the API returns it.
///
/// ```
/// let w: drip_runtime::model::Workflow = serde_json::from_str(
///     r#"{"id":"wf_1","name":"Research Agent","slug":"research-agent","productSurface":"AGENT","isActive":true}"#,
/// ).unwrap();
/// assert_eq!(w.slug, "research-agent");
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Workflow {
    /// Drip's id.
    pub id: String,
    /// Display name.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub name: String,
    /// Slug.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub slug: String,
    /// Surface.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub product_surface: Option<ProductSurface>,
    /// Chain, if any.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub chain: Option<String>,
    /// Description.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub description: Option<String>,
    /// Active.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub is_active: Option<bool>,
    /// RFC 3339 creation time.
    #[serde(default, deserialize_with = "super::wire::lenient")]
    pub created_at: Option<String>,
}

/// `{data, count}` of `GET /workflows`.
///
/// ```
/// let l: drip_runtime::model::WorkflowList = serde_json::from_str(r#"{"data":[{"id":"wf_1"}],"count":1}"#).unwrap();
/// assert_eq!(l.data[0].id, "wf_1");
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WorkflowList {
    /// All workflows.
    #[serde(default)]
    pub data: Vec<Workflow>,
    /// Count.
    #[serde(default, deserialize_with = "super::wire::u64_or_zero")]
    pub count: u64,
}

#[cfg(test)]
mod tests {
    #[test]
    fn pretty_name_matches_the_node_sdk() {
        assert_eq!(super::pretty_name("my_new-flow"), "My New Flow");
        assert_eq!(super::pretty_name("myFlow"), "MyFlow");
    }
}
