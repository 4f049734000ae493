//! An OpenAI-compatible fake: `POST /v1/chat/completions`, blocking and
//! streamed (server-sent events with a final usage chunk), with scripted tool
//! calls, so the GenAI integrations of drip are tested offline over loopback.
//!
//! Every answer reports a distinct, deterministic usage (prompt, completion,
//! cached and reasoning tokens) and is logged as an [`OpenAiExchange`], so a
//! test can assert that what drip recorded equals exactly what the provider
//! reported.
//!
//! The script: a request offering tools, whose last message is not a tool
//! result, is answered with every scripted tool call whose tool it offers;
//! any other request is answered with the completion text.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let fake = drip_emulator::OpenAiFake::builder()
//!     .completion("It is sunny.")
//!     .tool_call("weather", r#"{"city":"Oslo"}"#)
//!     .start()
//!     .await?;
//! let body = serde_json::json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
//! let reply = reqwest::Client::builder().no_proxy().build()?
//!     .post(format!("{}/chat/completions", fake.base_url()))
//!     .header("content-type", "application/json")
//!     .body(body.to_string())
//!     .send().await?.bytes().await?;
//! let answer: serde_json::Value = serde_json::from_slice(&reply)?;
//! assert_eq!(answer["choices"][0]["message"]["content"], "It is sunny.");
//! assert_eq!(fake.exchanges()[0].usage.prompt_tokens, answer["usage"]["prompt_tokens"].as_u64().unwrap());
//! # Ok(()) }
//! ```

mod reply;

use crate::EmulatorError;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::oneshot;

pub use reply::OpenAiUsage;

/// Starts an [`OpenAiFakeHandle`]: an OpenAI-compatible `POST /v1/chat/completions` on
/// loopback. A request offering tools, whose last message is not a tool result, is answered
/// with every scripted tool call whose tool it offers; any other request with the completion
/// text. Every answer reports a distinct, deterministic usage and is logged as an
/// [`OpenAiExchange`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), drip_emulator::EmulatorError> {
/// let fake = drip_emulator::OpenAiFake::start().await?;
/// assert!(fake.base_url().ends_with("/v1"));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct OpenAiFake;

impl OpenAiFake {
    /// A fake with the default script: completion `"fake answer"`, no tool calls.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), drip_emulator::EmulatorError> {
    /// let fake = drip_emulator::OpenAiFake::start().await?;
    /// assert!(fake.exchanges().is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn start() -> Result<OpenAiFakeHandle, EmulatorError> {
        Self::builder().start().await
    }

    /// A builder for the fake's script.
    ///
    /// ```
    /// let builder = drip_emulator::OpenAiFake::builder().completion("done");
    /// # let _ = builder;
    /// ```
    pub fn builder() -> OpenAiFakeBuilder {
        OpenAiFakeBuilder {
            script: Script {
                completion: "fake answer".to_owned(),
                tool_calls: Vec::new(),
            },
        }
    }
}

/// The fake's script; see [`OpenAiFake::builder`].
///
/// ```
/// let builder = drip_emulator::OpenAiFake::builder()
///     .completion("The sum is 5.")
///     .tool_call("add", r#"{"x":2,"y":3}"#);
/// # let _ = builder;
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct OpenAiFakeBuilder {
    script: Script,
}

#[derive(Debug, Clone)]
pub(crate) struct Script {
    pub(crate) completion: String,
    /// `(tool name, JSON arguments)`.
    pub(crate) tool_calls: Vec<(String, String)>,
}

impl OpenAiFakeBuilder {
    /// The assistant's final text.
    ///
    /// ```
    /// let builder = drip_emulator::OpenAiFake::builder().completion("done");
    /// # let _ = builder;
    /// ```
    pub fn completion(mut self, text: impl Into<String>) -> Self {
        self.script.completion = text.into();
        self
    }

    /// A tool call the model makes when the request offers tool `name`
    /// (`arguments` is the JSON text of its arguments). Several are made in
    /// one turn, in the order given.
    ///
    /// ```
    /// let builder = drip_emulator::OpenAiFake::builder().tool_call("add", r#"{"x":1}"#);
    /// # let _ = builder;
    /// ```
    pub fn tool_call(mut self, name: impl Into<String>, arguments: impl Into<String>) -> Self {
        self.script.tool_calls.push((name.into(), arguments.into()));
        self
    }

    /// Serves the fake on `127.0.0.1` (any free port) on the current tokio
    /// runtime, until the handle is dropped.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), drip_emulator::EmulatorError> {
    /// let fake = drip_emulator::OpenAiFake::builder().completion("ok").start().await?;
    /// assert!(fake.base_url().starts_with("http://127.0.0.1:"));
    /// # Ok(()) }
    /// ```
    pub async fn start(self) -> Result<OpenAiFakeHandle, EmulatorError> {
        let addr = "127.0.0.1:0";
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| EmulatorError::Bind {
                addr: addr.to_owned(),
                source,
            })?;
        let port = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                addr: addr.to_owned(),
                source,
            })?
            .port();
        let shared = Arc::new(Shared {
            script: self.script,
            exchanges: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(chat_completions))
            .with_state(Arc::clone(&shared));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let served = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = served.await {
                tracing::warn!("openai fake stopped: {error}");
            }
        });
        Ok(OpenAiFakeHandle {
            port,
            shared,
            _stop: stop,
        })
    }
}

/// A running fake; stops when dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), drip_emulator::EmulatorError> {
/// let fake = drip_emulator::OpenAiFake::start().await?;
/// println!("OpenAI base URL: {}", fake.base_url());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct OpenAiFakeHandle {
    port: u16,
    shared: Arc<Shared>,
    _stop: oneshot::Sender<()>,
}

#[derive(Debug)]
struct Shared {
    script: Script,
    exchanges: Mutex<Vec<OpenAiExchange>>,
}

/// One answered request.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), drip_emulator::EmulatorError> {
/// let fake = drip_emulator::OpenAiFake::start().await?;
/// let reported: u64 = fake.exchanges().iter().map(|e| e.usage.total_tokens()).sum();
/// assert_eq!(reported, 0);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OpenAiExchange {
    /// The model the request named.
    pub model: String,
    /// Whether the answer was streamed.
    pub streamed: bool,
    /// Whether the usage was sent (blocking answers, and streams that asked
    /// for `stream_options.include_usage`).
    pub usage_sent: bool,
    /// The usage the answer reported.
    pub usage: OpenAiUsage,
    /// Names of the tools the answer called.
    pub tool_calls: Vec<String>,
    /// The request body as received.
    pub request: Value,
}

impl OpenAiFakeHandle {
    /// The base URL to give an OpenAI client, e.g. `http://127.0.0.1:41234/v1`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), drip_emulator::EmulatorError> {
    /// let fake = drip_emulator::OpenAiFake::start().await?;
    /// assert_eq!(fake.base_url(), format!("http://127.0.0.1:{}/v1", fake.port()));
    /// # Ok(()) }
    /// ```
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// The port it listens on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), drip_emulator::EmulatorError> {
    /// assert_ne!(drip_emulator::OpenAiFake::start().await?.port(), 0);
    /// # Ok(()) }
    /// ```
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request answered so far, in order.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), drip_emulator::EmulatorError> {
    /// assert!(drip_emulator::OpenAiFake::start().await?.exchanges().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn exchanges(&self) -> Vec<OpenAiExchange> {
        self.shared
            .exchanges
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

async fn chat_completions(State(shared): State<Arc<Shared>>, body: axum::body::Bytes) -> Response {
    let request: Value = match serde_json::from_slice(&body) {
        Ok(value @ Value::Object(_)) => value,
        _ => return invalid("the body is not a JSON object"),
    };
    let Some(model) = request.get("model").and_then(Value::as_str) else {
        return invalid("`model` is missing");
    };
    if !request.get("messages").is_some_and(Value::is_array) {
        return invalid("`messages` is missing");
    }
    let model = model.to_owned();
    let streamed = request.get("stream").and_then(Value::as_bool) == Some(true);
    let include_usage = request
        .pointer("/stream_options/include_usage")
        .and_then(Value::as_bool)
        == Some(true);
    let calls = reply::tool_calls_for(&shared.script, &request);
    let mut exchanges = shared
        .exchanges
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let usage = OpenAiUsage::nth(exchanges.len() as u64);
    let answer = reply::Answer {
        id: format!("chatcmpl-fake-{}", exchanges.len()),
        model: model.clone(),
        text: calls.is_empty().then(|| shared.script.completion.clone()),
        calls: calls.clone(),
        usage,
    };
    exchanges.push(OpenAiExchange {
        model,
        streamed,
        usage_sent: !streamed || include_usage,
        usage,
        tool_calls: calls.into_iter().map(|(name, _)| name).collect(),
        request,
    });
    drop(exchanges);
    if streamed {
        (
            [("content-type", "text/event-stream")],
            reply::sse_body(&answer, include_usage),
        )
            .into_response()
    } else {
        axum::Json(reply::completion_body(&answer)).into_response()
    }
}

fn invalid(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(serde_json::json!({
            "error": {"message": message, "type": "invalid_request_error", "param": null, "code": null}
        })),
    )
        .into_response()
}
