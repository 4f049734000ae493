//! DripLayer in front of a real tonic server, called by a tonic client over
//! loopback HTTP/2, delivering to the emulator: calls that end with
//! `grpc-status` 0 are billed once under their method path, calls that end
//! with a gRPC error (HTTP 200 all the same) are not, and the handler's tool
//! calls attach to the call's run. The service is written out as tonic's
//! code generator would, with a raw-bytes codec instead of protobuf.

mod common;

use bytes::{Buf, BufMut};
use drip_tower::{CustomerFrom, DripLayer};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tonic::Status;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tower::Service;

/// Messages as raw bytes.
#[derive(Debug, Clone, Copy, Default)]
struct Raw;

impl Codec for Raw {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = Raw;
    type Decoder = Raw;

    fn encoder(&mut self) -> Raw {
        Raw
    }

    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl Encoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining()).to_vec()))
    }
}

#[drip::tool(name = "look_up")]
async fn look_up(query: &[u8]) -> usize {
    query.len()
}

/// `echo.Echo/Say`: answers with the message's length; `"missing"` is NOT_FOUND.
async fn say(req: tonic::Request<Vec<u8>>) -> Result<tonic::Response<Vec<u8>>, Status> {
    let query = req.into_inner();
    let n = look_up(&query).await;
    if query == b"missing" {
        return Err(Status::not_found("no such thing"));
    }
    Ok(tonic::Response::new(n.to_string().into_bytes()))
}

#[derive(Debug, Clone)]
struct EchoServer;

impl tonic::server::NamedService for EchoServer {
    const NAME: &'static str = "echo.Echo";
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl Service<http::Request<tonic::body::Body>> for EchoServer {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<tonic::body::Body>) -> Self::Future {
        Box::pin(async move {
            Ok(match req.uri().path() {
                "/echo.Echo/Say" => {
                    tonic::server::Grpc::new(Raw)
                        .unary(tower::service_fn(say), req)
                        .await
                }
                _ => Status::unimplemented("no such method").into_http(),
            })
        })
    }
}

async fn call(
    client: &mut tonic::client::Grpc<tonic::transport::Channel>,
    customer: &str,
    message: &[u8],
) -> Result<Vec<u8>, Status> {
    client
        .ready()
        .await
        .map_err(|e| Status::unavailable(e.to_string()))?;
    let mut req = tonic::Request::new(message.to_vec());
    let customer = customer
        .parse()
        .map_err(|_| Status::invalid_argument("customer"))?;
    req.metadata_mut().insert("x-customer-id", customer);
    let path = http::uri::PathAndQuery::from_static("/echo.Echo/Say");
    Ok(client.unary(req, path, Raw).await?.into_inner())
}

#[test]
fn a_tonic_service_behind_the_layer_bills_ok_calls_once_and_never_grpc_errors() {
    common::block_on(grpc());
}

async fn grpc() {
    let env = common::Env::start("grpc-tonic");
    let layer = DripLayer::builder(CustomerFrom::header("x-customer-id"))
        .meter("rpc-calls")
        .workflow("echo-grpc")
        .build()
        .expect("layer");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(
        tonic::transport::Server::builder()
            .layer(layer)
            .add_service(EchoServer)
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)),
    );
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect");
    let mut client = tonic::client::Grpc::new(channel);

    for i in 0..5 {
        let answer = call(&mut client, &format!("cus_rpc_{i}"), b"alice@example.com")
            .await
            .expect("an OK call");
        assert_eq!(answer, b"17");
    }
    let refused = call(&mut client, "cus_rpc_err", b"missing").await;
    assert_eq!(
        refused.expect_err("NOT_FOUND").code(),
        tonic::Code::NotFound
    );
    env.settle().await;

    let usage = env.emulator.usage();
    assert_eq!(usage.len(), 5, "the five OK calls, once each: {usage:?}");
    assert!(
        usage
            .iter()
            .all(|u| u.customer_id.starts_with("cus_rpc_") && u.customer_id != "cus_rpc_err")
    );
    let meta = usage[0].metadata.as_ref().expect("metadata");
    assert_eq!(meta["route"], "/echo.Echo/Say");
    assert_eq!(meta["status"], "completed");
    assert!(meta.get("error_code").is_none());

    let runs = env.emulator.runs();
    assert_eq!(runs.len(), 6);
    assert!(runs.iter().all(|r| r.workflow_slug == "echo-grpc"));
    let failed = runs
        .iter()
        .find(|r| r.customer_id == "cus_rpc_err")
        .expect("the refused call's run");
    assert_eq!(failed.status, "FAILED");
    assert_eq!(failed.error_code.as_deref(), Some("grpc_error"));
    assert_eq!(
        failed.metadata.as_ref().expect("metadata")["error_code"],
        "NOT_FOUND"
    );
    let tool_calls = env
        .emulator
        .events()
        .iter()
        .filter(|e| e.event_type == "tool.call")
        .count();
    assert_eq!(
        tool_calls, 6,
        "each handler's tool call attached to its call's run"
    );

    let wire = common::wire_text(&env.emulator);
    assert!(
        !wire.contains("alice@example.com"),
        "messages never reach Drip"
    );
}
