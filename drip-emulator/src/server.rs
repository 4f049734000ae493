//! The connection loop. It drives hyper directly (rather than `axum::serve`) so that a
//! request can be answered with a closed connection and no HTTP response at all:
//! commit-then-drop and stall faults.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, Response};
use axum::response::IntoResponse;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};

use crate::api::MAX_BODY_BYTES;
use crate::refusal::{Kind, Refusal};
use crate::request_log::LoggedRequest;
use crate::shared::Shared;

/// Accepts connections until `stop` fires (or its sender is dropped).
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
) {
    let router = crate::api::router(shared.clone());
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(serve_connection(stream, router.clone(), shared.clone()));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            },
            _ = &mut stop => break,
        }
    }
}

async fn serve_connection(stream: TcpStream, router: Router, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    // Notified by a request that wants its connection closed without an answer.
    let kill = Arc::new(Notify::new());
    let service = {
        let kill = kill.clone();
        hyper::service::service_fn(move |request| {
            handle(request, router.clone(), shared.clone(), kill.clone())
        })
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        // Dropping the connection future closes the socket mid-request.
        _ = kill.notified() => {}
    }
}

async fn handle(
    request: Request<Incoming>,
    router: Router,
    shared: Arc<Shared>,
    kill: Arc<Notify>,
) -> Result<Response<Body>, Infallible> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let bytes = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            let error = Refusal::new(
                Kind::TooLarge,
                "PAYLOAD_TOO_LARGE",
                "request body too large or unreadable",
            );
            return Ok(error.into_response());
        }
    };
    let control = path == "/health" || path.starts_with("/_emulator");
    let decision = if control {
        Default::default()
    } else {
        shared.faults().decide(&path)
    };
    let log = !path.starts_with("/_emulator") && shared.logging();
    let mut record = log.then(|| LoggedRequest {
        method: parts.method.to_string(),
        path_and_query: parts
            .uri
            .path_and_query()
            .map_or_else(|| path.clone(), |p| p.as_str().to_owned()),
        body: bytes.clone(),
        status: None,
        dropped: false,
        injected: false,
    });

    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    if decision.stall {
        if let Some(record) = record.take() {
            shared.requests().push(record);
        }
        // Never answer; the connection ends when the client gives up or the emulator stops.
        std::future::pending::<()>().await;
    }

    let (response, injected) = if let Some(status) = decision.inject {
        (crate::api::injected(status, decision.retry_after), true)
    } else if decision.record_endpoint_off
        && parts.method == Method::POST
        && path == "/v1/runs/record"
    {
        (Refusal::not_found("route").into_response(), false)
    } else {
        let request = Request::from_parts(parts, Body::from(bytes));
        let mut router = router;
        let response = match tower_service::Service::call(&mut router, request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        (response, false)
    };
    let drop_connection = decision.drop_after_commit && !injected;
    if let Some(mut record) = record.take() {
        record.status = Some(response.status().as_u16());
        record.injected = injected;
        record.dropped = drop_connection;
        shared.requests().push(record);
    }
    if drop_connection {
        kill.notify_one();
        std::future::pending::<()>().await;
    }
    Ok(response)
}
