//! A chat completion stream that records the usage of its final chunk.

use async_openai::types::chat::CreateChatCompletionStreamResponse;
use drip_runtime::RunInfo;
use futures_core::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

pin_project_lite::pin_project! {
    /// Passes a chat completion stream through unchanged and records, once,
    /// the usage of the chunk that carries it (the last one, when the request
    /// set `stream_options.include_usage`) as an `llm.call` of the drip run
    /// that was current when the stream was wrapped — wherever it is polled.
    /// Its latency runs from the wrapping to that chunk.
    ///
    /// Dropped before that chunk, it records nothing (see the
    /// [crate docs](crate)).
    ///
    /// ```
    /// use async_openai::types::chat::CreateChatCompletionStreamResponse;
    /// use futures_util::StreamExt;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let last: CreateChatCompletionStreamResponse = serde_json::from_value(serde_json::json!({
    ///     "id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o", "choices": [],
    ///     "usage": {"prompt_tokens": 90, "completion_tokens": 10, "total_tokens": 100}
    /// })).unwrap();
    /// let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(last)]);
    /// let mut stream = drip_openai::MeteredStream::new(chunks);
    /// while stream.next().await.is_some() {}
    /// assert!(stream.usage_seen());
    /// # }
    /// ```
    #[derive(Debug)]
    pub struct MeteredStream<S> {
        #[pin]
        inner: S,
        run: Option<RunInfo>,
        started: Instant,
        usage_seen: bool,
    }
}

/// The run and the start time, taken before the request is sent.
pub(crate) struct Starting {
    run: Option<RunInfo>,
    started: Instant,
}

impl MeteredStream<()> {
    pub(crate) fn starting_now() -> Starting {
        Starting {
            run: drip_runtime::current_run(),
            started: Instant::now(),
        }
    }
}

impl Starting {
    pub(crate) fn wrap<S>(self, inner: S) -> MeteredStream<S> {
        MeteredStream {
            inner,
            run: self.run,
            started: self.started,
            usage_seen: false,
        }
    }
}

impl<S> MeteredStream<S> {
    /// Wraps `inner`, attributing its usage to the drip run current now.
    ///
    /// ```
    /// let chunks = futures_util::stream::empty::<Result<async_openai::types::chat::CreateChatCompletionStreamResponse, std::io::Error>>();
    /// let stream = drip_openai::MeteredStream::new(chunks);
    /// assert!(!stream.usage_seen());
    /// ```
    pub fn new(inner: S) -> Self {
        MeteredStream::starting_now().wrap(inner)
    }

    /// Whether the chunk with the usage has passed (and been recorded).
    ///
    /// ```
    /// let chunks = futures_util::stream::empty::<Result<async_openai::types::chat::CreateChatCompletionStreamResponse, std::io::Error>>();
    /// assert!(!drip_openai::MeteredStream::new(chunks).usage_seen());
    /// ```
    pub fn usage_seen(&self) -> bool {
        self.usage_seen
    }
}

impl<S, E> Stream for MeteredStream<S>
where
    S: Stream<Item = Result<CreateChatCompletionStreamResponse, E>>,
{
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        let item = this.inner.poll_next(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &item
            && !*this.usage_seen
            && chunk.usage.is_some()
        {
            *this.usage_seen = crate::record(
                this.run.as_ref(),
                &chunk.model,
                chunk.usage.as_ref(),
                Some(this.started.elapsed()),
            );
        }
        item
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}
