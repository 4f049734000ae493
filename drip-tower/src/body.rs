//! [`ResponseBody`]: a response's body, recording its request when the end
//! of the body is reached, or when it is dropped before.

use crate::record::{Ending, Pending};
use bytes::Buf;
use http_body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project_lite::pin_project! {
    /// The body of a response from [`DripService`](crate::DripService).
    ///
    /// The request is recorded, and billed, when the end of this body is
    /// observed: the inner body returns its last frame (or reports
    /// `is_end_stream` after one), or, for a body of known length, the
    /// server drops it after every byte was handed over. Dropped before
    /// that — the client went away while it was streaming — the request is
    /// recorded `disconnected` (run `CANCELLED`) and not billed. An error
    /// from the inner body records it `body_failed` (run `FAILED`, code
    /// `http_body_error`), not billed. Polled under the request's run (with
    /// [`Recording::Run`](crate::Recording::Run)), so tool and LLM calls made
    /// while streaming attach to it.
    ///
    /// "Handed over" is as far as a server can see: bytes the kernel still
    /// buffers when the connection breaks count as sent.
    ///
    /// ```
    /// use http_body::Body;
    /// # async fn doc() -> Result<(), Box<dyn std::error::Error>> {
    /// use drip_tower::{CustomerFrom, DripLayer};
    /// use tower::{Layer, Service, ServiceExt};
    /// let layer = DripLayer::builder(CustomerFrom::header("x-customer-id")).build()?;
    /// let mut svc = layer.layer(tower::service_fn(|_: http::Request<String>| async {
    ///     Ok::<_, std::convert::Infallible>(http::Response::new("hello".to_owned()))
    /// }));
    /// let res = svc.ready().await?.call(http::Request::new(String::new())).await?;
    /// assert_eq!(res.body().size_hint().exact(), Some(5));
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(doc()).unwrap();
    /// ```
    pub struct ResponseBody<B> {
        #[pin]
        inner: B,
        pending: Option<Pending>,
    }
}

impl<B> ResponseBody<B> {
    pub(crate) fn new(inner: B, pending: Option<Pending>) -> Self {
        ResponseBody { inner, pending }
    }
}

impl<B: std::fmt::Debug> std::fmt::Debug for ResponseBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseBody")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<B: Body> Body for ResponseBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let Some(pending) = this.pending else {
            return this.inner.poll_frame(cx);
        };
        let mut inner = this.inner;
        let polled = match pending.scope() {
            Some(run) => run.in_scope(|| inner.as_mut().poll_frame(cx)),
            None => inner.as_mut().poll_frame(cx),
        };
        let ending = match &polled {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    pending.sent(data.remaining() as u64);
                } else if let Some(trailers) = frame.trailers_ref() {
                    pending.grpc(trailers);
                }
                if !inner.is_end_stream() {
                    return polled;
                }
                Ending::Completed
            }
            Poll::Ready(Some(Err(_))) => Ending::BodyFailed,
            Poll::Ready(None) => Ending::Completed,
        };
        if let Some(pending) = this.pending.take() {
            pending.finish(ending);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
