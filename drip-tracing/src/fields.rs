//! The allowlisted GenAI attributes and what they turn into.

use drip_runtime::LlmUsage;
use drip_runtime::model::ToolStatus;
use std::fmt;
use std::time::Duration;
use tracing_core::field::{Field, Visit};

pub(crate) const OPERATION_NAME: &str = "gen_ai.operation.name";

/// Longest name kept (model, tool, status).
const MAX_NAME: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    Llm,
    Tool,
    Other,
}

impl Operation {
    fn parse(name: &str) -> Self {
        match name {
            "chat" | "text_completion" | "generate_content" => Operation::Llm,
            "execute_tool" => Operation::Tool,
            _ => Operation::Other,
        }
    }
}

/// The allowlisted values of one span, as recorded so far.
#[derive(Debug, Default)]
pub(crate) struct GenAiFields {
    pub(crate) operation: Option<Operation>,
    request_model: Option<String>,
    response_model: Option<String>,
    tool_name: Option<String>,
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    cached_tokens: Option<u64>,
    reasoning_tokens: Option<u64>,
    failed: bool,
}

/// Which allowlisted name a field is, if any.
enum NameField {
    Operation,
    RequestModel,
    ResponseModel,
    ToolName,
    /// `error.type`, `gen_ai.tool.error.type`: any value means failure.
    ErrorType,
    /// `gen_ai.tool.call.outcome`, `otel.status_code`: failure unless a success word.
    Outcome,
}

fn name_field(field: &Field) -> Option<NameField> {
    Some(match field.name() {
        OPERATION_NAME => NameField::Operation,
        "gen_ai.request.model" => NameField::RequestModel,
        "gen_ai.response.model" => NameField::ResponseModel,
        "gen_ai.tool.name" => NameField::ToolName,
        "error.type" | "gen_ai.tool.error.type" => NameField::ErrorType,
        "gen_ai.tool.call.outcome" | "otel.status_code" => NameField::Outcome,
        _ => return None,
    })
}

fn cut(value: &str) -> String {
    match value.char_indices().nth(MAX_NAME) {
        Some((end, _)) => value[..end].to_owned(),
        None => value.to_owned(),
    }
}

impl GenAiFields {
    fn set_name(&mut self, which: NameField, value: &str) {
        match which {
            NameField::Operation => self.operation = Some(Operation::parse(value)),
            NameField::RequestModel => self.request_model = Some(cut(value)),
            NameField::ResponseModel => self.response_model = Some(cut(value)),
            NameField::ToolName => self.tool_name = Some(cut(value)),
            NameField::ErrorType => self.failed |= !value.is_empty(),
            NameField::Outcome => {
                self.failed |= !matches!(
                    value.to_ascii_lowercase().as_str(),
                    "ok" | "success" | "succeeded" | "unset" | ""
                );
            }
        }
    }

    fn set_count(&mut self, field: &Field, value: u64) {
        let slot = match field.name() {
            "gen_ai.usage.input_tokens" => &mut self.input_tokens,
            "gen_ai.usage.output_tokens" => &mut self.output_tokens,
            "gen_ai.usage.cache_read.input_tokens" => &mut self.cached_tokens,
            "gen_ai.usage.reasoning_tokens" => &mut self.reasoning_tokens,
            _ => return,
        };
        *slot = Some(value);
    }

    /// Records the span's event into the current run.
    pub(crate) fn record(&self, elapsed: Duration) {
        match self.operation {
            Some(Operation::Llm) => {
                if self.input_tokens.is_none() && self.output_tokens.is_none() {
                    return;
                }
                let mut usage = LlmUsage::new(
                    self.input_tokens.unwrap_or(0),
                    self.output_tokens.unwrap_or(0),
                );
                if let Some(n) = self.cached_tokens {
                    usage = usage.with_cached_tokens(n);
                }
                if let Some(n) = self.reasoning_tokens {
                    usage = usage.with_reasoning_tokens(n);
                }
                let model = self
                    .response_model
                    .as_deref()
                    .or(self.request_model.as_deref())
                    .unwrap_or("unknown");
                drip_runtime::record_llm_call(model, usage, Some(elapsed));
            }
            Some(Operation::Tool) => {
                let status = if self.failed {
                    ToolStatus::Error
                } else {
                    ToolStatus::Ok
                };
                let name = self.tool_name.as_deref().unwrap_or("unknown");
                drip_runtime::record_tool_call(name, elapsed, status);
            }
            Some(Operation::Other) | None => {}
        }
    }
}

impl Visit for GenAiFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if let Some(which) = name_field(field) {
            self.set_name(which, value);
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set_count(field, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if let Ok(value) = u64::try_from(value) {
            self.set_count(field, value);
        }
    }

    fn record_bool(&mut self, _field: &Field, _value: bool) {}

    fn record_f64(&mut self, _field: &Field, _value: f64) {}

    // Only an allowlisted name field is ever formatted (e.g. a model name
    // given as `%model`); every other field's value is left untouched.
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if let Some(which) = name_field(field) {
            let text = format!("{value:?}");
            self.set_name(which, text.trim_matches('"'));
        }
    }
}
