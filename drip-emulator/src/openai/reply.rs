//! The fake's answers: which tool calls, what usage, and their JSON / SSE shapes.

use super::Script;
use serde_json::{Value, json};

/// Token usage as an answer reports it (`usage` of a chat completion).
///
/// ```
/// let usage = drip_emulator::OpenAiUsage::nth(3);
/// assert_eq!(usage.total_tokens(), usage.prompt_tokens + usage.completion_tokens);
/// assert!(usage.cached_tokens <= usage.prompt_tokens);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OpenAiUsage {
    /// `prompt_tokens`.
    pub prompt_tokens: u64,
    /// `completion_tokens`.
    pub completion_tokens: u64,
    /// `prompt_tokens_details.cached_tokens`.
    pub cached_tokens: u64,
    /// `completion_tokens_details.reasoning_tokens`.
    pub reasoning_tokens: u64,
}

impl OpenAiUsage {
    /// The usage of the fake's `n`th answer: distinct per answer, so a
    /// miscounted or misattributed call shows in a total.
    ///
    /// ```
    /// assert_ne!(drip_emulator::OpenAiUsage::nth(0), drip_emulator::OpenAiUsage::nth(1));
    /// ```
    pub fn nth(n: u64) -> Self {
        OpenAiUsage {
            prompt_tokens: 100 + 7 * n,
            completion_tokens: 20 + n % 13,
            cached_tokens: 10 + n % 7,
            reasoning_tokens: 3 + n % 5,
        }
    }

    /// `total_tokens`: prompt plus completion.
    ///
    /// ```
    /// assert_eq!(drip_emulator::OpenAiUsage::nth(0).total_tokens(), 120);
    /// ```
    pub fn total_tokens(&self) -> u64 {
        self.prompt_tokens + self.completion_tokens
    }

    fn to_json(self) -> Value {
        json!({
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens(),
            "prompt_tokens_details": {"cached_tokens": self.cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": self.reasoning_tokens,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0
            }
        })
    }
}

pub(crate) struct Answer {
    pub(crate) id: String,
    pub(crate) model: String,
    /// `None` when the answer is tool calls.
    pub(crate) text: Option<String>,
    pub(crate) calls: Vec<(String, String)>,
    pub(crate) usage: OpenAiUsage,
}

/// The scripted calls whose tool the request offers, unless it answers a tool call.
pub(crate) fn tool_calls_for(script: &Script, request: &Value) -> Vec<(String, String)> {
    let answers_tool = request
        .get("messages")
        .and_then(Value::as_array)
        .and_then(|messages| messages.last())
        .and_then(|last| last.get("role"))
        .and_then(Value::as_str)
        == Some("tool");
    if answers_tool {
        return Vec::new();
    }
    let offered: Vec<&str> = request
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tool| tool.pointer("/function/name").and_then(Value::as_str))
        .collect();
    script
        .tool_calls
        .iter()
        .filter(|(name, _)| offered.contains(&name.as_str()))
        .cloned()
        .collect()
}

const CREATED: u64 = 1_700_000_000;

fn call_json(index: usize, name: &str, arguments: &str) -> Value {
    json!({
        "index": index,
        "id": format!("call_{index}"),
        "type": "function",
        "function": {"name": name, "arguments": arguments}
    })
}

fn finish_reason(answer: &Answer) -> &'static str {
    if answer.text.is_some() {
        "stop"
    } else {
        "tool_calls"
    }
}

pub(crate) fn completion_body(answer: &Answer) -> Value {
    let calls: Vec<Value> = answer
        .calls
        .iter()
        .enumerate()
        .map(|(i, (name, arguments))| {
            let mut call = call_json(i, name, arguments);
            if let Some(object) = call.as_object_mut() {
                object.remove("index");
            }
            call
        })
        .collect();
    let mut message = json!({"role": "assistant", "content": answer.text, "refusal": null});
    if !calls.is_empty() {
        message["tool_calls"] = Value::Array(calls);
    }
    json!({
        "id": answer.id,
        "object": "chat.completion",
        "created": CREATED,
        "model": answer.model,
        "system_fingerprint": "fp_fake",
        "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish_reason(answer)}],
        "usage": answer.usage.to_json()
    })
}

/// The answer as server-sent events: the text in several deltas (or each tool
/// call's name, then its arguments in two halves), the finish reason, the
/// usage chunk when asked for, then `[DONE]`.
pub(crate) fn sse_body(answer: &Answer, include_usage: bool) -> String {
    let chunk = |delta: Value, finish: Option<&str>| {
        let mut chunk = json!({
            "id": answer.id,
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": answer.model,
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}]
        });
        if include_usage {
            chunk["usage"] = Value::Null;
        }
        chunk
    };
    let mut chunks = vec![chunk(json!({"role": "assistant", "content": ""}), None)];
    if let Some(text) = &answer.text {
        let mut rest = text.as_str();
        while !rest.is_empty() {
            let cut = rest
                .char_indices()
                .nth(8)
                .map_or(rest.len(), |(index, _)| index);
            chunks.push(chunk(json!({"content": &rest[..cut]}), None));
            rest = &rest[cut..];
        }
    }
    for (i, (name, arguments)) in answer.calls.iter().enumerate() {
        let mut opening = call_json(i, name, "");
        chunks.push(chunk(json!({"tool_calls": [opening.take()]}), None));
        let half = arguments
            .char_indices()
            .nth(arguments.chars().count() / 2)
            .map_or(arguments.len(), |(index, _)| index);
        for part in [&arguments[..half], &arguments[half..]] {
            chunks.push(chunk(
                json!({"tool_calls": [{"index": i, "function": {"arguments": part}}]}),
                None,
            ));
        }
    }
    chunks.push(chunk(json!({}), Some(finish_reason(answer))));
    if include_usage {
        chunks.push(json!({
            "id": answer.id,
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": answer.model,
            "system_fingerprint": "fp_fake",
            "choices": [],
            "usage": answer.usage.to_json()
        }));
    }
    let mut body = String::new();
    for chunk in chunks {
        body.push_str("data: ");
        body.push_str(&chunk.to_string());
        body.push_str("\n\n");
    }
    body.push_str("data: [DONE]\n\n");
    body
}
