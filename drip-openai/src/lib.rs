//! Meter [async-openai](https://docs.rs/async-openai) chat completions with
//! drip: each completion's usage becomes an `llm.call` event of the drip run
//! it is made in, with its model, input, output, cached and reasoning tokens
//! and its latency. Nothing of the request or the answer is read but the
//! model name and the usage numbers.
//!
//! ```no_run
//! use async_openai::{Client, types::chat::CreateChatCompletionRequest};
//!
//! #[drip::run(customer = customer, workflow = "support-bot")]
//! async fn answer(customer: &str, request: CreateChatCompletionRequest) -> Result<(), async_openai::error::OpenAIError> {
//!     let client = Client::new();
//!     let response = drip_openai::create(&client, request).await?; // recorded
//!     # let _ = response;
//!     Ok(())
//! }
//! ```
//!
//! - [`create`]: `client.chat().create(request)`, recorded.
//! - [`create_stream`]: `client.chat().create_stream(request)` with
//!   `stream_options.include_usage` turned on, wrapped in a [`MeteredStream`]
//!   that records the usage of the final chunk.
//! - [`record_chat`] / [`ToLlmUsage`]: for completions made another way.
//!
//! **A stream dropped early** records nothing: OpenAI reports a stream's usage
//! only in its last chunk, after every content chunk, and a stream dropped
//! before it never receives it (the provider may still bill the tokens it
//! generated). Read streams to the end, or record an estimate yourself with
//! [`drip::llm_call`](drip_runtime::llm_call). [`MeteredStream::usage_seen`]
//! tells whether the usage arrived.
#![forbid(unsafe_code)]

mod stream;

pub use stream::MeteredStream;

use async_openai::Client;
use async_openai::config::Config;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionStreamOptions, CompletionUsage, CreateChatCompletionRequest,
    CreateChatCompletionResponse,
};
use drip_runtime::{LlmUsage, RunInfo};
use std::time::{Duration, Instant};

/// Converts an OpenAI usage report into drip's [`LlmUsage`]: `prompt_tokens`
/// (cached ones included, as OpenAI counts them), `completion_tokens`
/// (reasoning included), `prompt_tokens_details.cached_tokens` and
/// `completion_tokens_details.reasoning_tokens` when reported.
///
/// ```
/// use async_openai::types::chat::{CompletionUsage, PromptTokensDetails};
/// use drip_openai::ToLlmUsage;
///
/// let usage = CompletionUsage {
///     prompt_tokens: 1_200,
///     completion_tokens: 300,
///     total_tokens: 1_500,
///     prompt_tokens_details: Some(PromptTokensDetails { cached_tokens: Some(1_000), ..Default::default() }),
///     completion_tokens_details: None,
/// };
/// let usage = usage.to_llm_usage();
/// assert_eq!((usage.input_tokens, usage.output_tokens, usage.cached_tokens), (1_200, 300, Some(1_000)));
/// assert_eq!(usage.reasoning_tokens, None);
/// ```
pub trait ToLlmUsage {
    /// The token counts as drip records them.
    fn to_llm_usage(&self) -> LlmUsage;
}

impl ToLlmUsage for CompletionUsage {
    fn to_llm_usage(&self) -> LlmUsage {
        let mut usage = LlmUsage::new(
            u64::from(self.prompt_tokens),
            u64::from(self.completion_tokens),
        );
        if let Some(cached) = self
            .prompt_tokens_details
            .as_ref()
            .and_then(|details| details.cached_tokens)
        {
            usage = usage.with_cached_tokens(u64::from(cached));
        }
        if let Some(reasoning) = self
            .completion_tokens_details
            .as_ref()
            .and_then(|details| details.reasoning_tokens)
        {
            usage = usage.with_reasoning_tokens(u64::from(reasoning));
        }
        usage
    }
}

/// Records a chat completion made without [`create`] as an `llm.call` of the
/// current run: its `model` and `usage`. Returns whether it carried a usage
/// (a completion without one records nothing).
///
/// ```
/// use async_openai::types::chat::CreateChatCompletionResponse;
///
/// let response: CreateChatCompletionResponse = serde_json::from_value(serde_json::json!({
///     "id": "c1", "object": "chat.completion", "created": 1, "model": "gpt-4o", "choices": [],
///     "usage": {"prompt_tokens": 90, "completion_tokens": 10, "total_tokens": 100}
/// })).unwrap();
/// // Outside a `#[drip::run]` this records nothing (and warns once).
/// assert!(drip_openai::record_chat(&response));
/// ```
pub fn record_chat(response: &CreateChatCompletionResponse) -> bool {
    record(None, &response.model, response.usage.as_ref(), None)
}

/// `client.chat().create(request)`, recording the completion's usage and
/// latency as an `llm.call` of the drip run current when it is called.
///
/// ```no_run
/// # async fn f(request: async_openai::types::chat::CreateChatCompletionRequest) -> Result<(), async_openai::error::OpenAIError> {
/// let client = async_openai::Client::new();
/// let response = drip_openai::create(&client, request).await?;
/// # let _ = response; Ok(()) }
/// ```
pub async fn create<C: Config>(
    client: &Client<C>,
    request: CreateChatCompletionRequest,
) -> Result<CreateChatCompletionResponse, OpenAIError> {
    let run = drip_runtime::current_run();
    let started = Instant::now();
    let response = client.chat().create(request).await?;
    record(
        run.as_ref(),
        &response.model,
        response.usage.as_ref(),
        Some(started.elapsed()),
    );
    Ok(response)
}

/// `client.chat().create_stream(request)` with `stream_options.include_usage`
/// set (unless the request already says otherwise), metered by a
/// [`MeteredStream`] attributed to the drip run current when it is called.
///
/// ```no_run
/// # async fn f(request: async_openai::types::chat::CreateChatCompletionRequest) -> Result<(), async_openai::error::OpenAIError> {
/// use futures_util::StreamExt;
/// let client = async_openai::Client::new();
/// let mut stream = drip_openai::create_stream(&client, request).await?;
/// while let Some(chunk) = stream.next().await {
///     let _ = chunk?; // the last chunk's usage is recorded as it passes
/// }
/// # Ok(()) }
/// ```
pub async fn create_stream<C: Config>(
    client: &Client<C>,
    mut request: CreateChatCompletionRequest,
) -> Result<MeteredStream<async_openai::types::chat::ChatCompletionResponseStream>, OpenAIError> {
    let options = request
        .stream_options
        .get_or_insert_with(ChatCompletionStreamOptions::default);
    options.include_usage.get_or_insert(true);
    let metered = MeteredStream::starting_now();
    let stream = client.chat().create_stream(request).await?;
    Ok(metered.wrap(stream))
}

/// Records `usage` (if any) under `run`, or under the current run.
fn record(
    run: Option<&RunInfo>,
    model: &str,
    usage: Option<&CompletionUsage>,
    latency: Option<Duration>,
) -> bool {
    let Some(usage) = usage else {
        return false;
    };
    let usage = usage.to_llm_usage();
    let write = || drip_runtime::record_llm_call(model, usage, latency);
    match run {
        Some(run) => run.in_scope(write),
        None => write(),
    }
    true
}
