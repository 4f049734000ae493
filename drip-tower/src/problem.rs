//! The body of a gated response: the inner service's, or a small JSON problem.

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project_lite::pin_project! {
    /// Response body of [`EntitlementService`](crate::EntitlementService):
    /// the inner service's body, or an `application/problem+json` refusal.
    pub struct GateBody<B> {
        #[pin]
        kind: Kind<B>,
    }
}

pin_project_lite::pin_project! {
    #[project = KindProj]
    enum Kind<B> {
        Inner { #[pin] body: B },
        Problem { data: Option<Bytes> },
    }
}

impl<B> GateBody<B> {
    pub(crate) fn inner(body: B) -> Self {
        GateBody {
            kind: Kind::Inner { body },
        }
    }

    pub(crate) fn problem(status: http::StatusCode, feature: &str, detail: &str) -> Self {
        let json = format!(
            r#"{{"type":"about:blank","title":"{}","status":{},"detail":"{}","feature":{}}}"#,
            status.canonical_reason().unwrap_or("Refused"),
            status.as_u16(),
            detail,
            json_string(feature),
        );
        GateBody {
            kind: Kind::Problem {
                data: Some(Bytes::from(json)),
            },
        }
    }
}

/// A JSON string literal of `s`.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl<B> Body for GateBody<B>
where
    B: Body<Data = Bytes>,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.project().kind.project() {
            KindProj::Inner { body } => body.poll_frame(cx),
            KindProj::Problem { data } => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Inner { body } => body.is_end_stream(),
            Kind::Problem { data } => data.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Inner { body } => body.size_hint(),
            Kind::Problem { data } => {
                SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64))
            }
        }
    }
}
