//! Hundreds of requests in flight, each handler's tool calls attached to its
//! own request's run; a tonic-shaped service (any `tower::Service` over
//! `http::Request<B>`); a dropped request (client gone) is recorded
//! cancelled and not billed.

mod common;

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use drip_tower::{CustomerFrom, DripLayer};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Mutex;
use tower::{Layer, Service, ServiceExt};

/// The pipeline is process-global: the tests of this file take turns.
static TURN: Mutex<()> = Mutex::new(());

#[drip::tool(name = "fetch-page")]
async fn fetch_page(page: usize) -> usize {
    tokio::task::yield_now().await;
    page
}

async fn pages(Path(n): Path<usize>) -> String {
    let mut sum = 0;
    for page in 0..n {
        sum += fetch_page(page).await;
    }
    sum.to_string()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn three_hundred_concurrent_requests_keep_their_tool_calls_apart() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    runtime().block_on(async {
        let env = common::Env::start("concurrency");
        env.emulator.set_request_logging(false);
        let layer = DripLayer::builder(CustomerFrom::header("x-customer-id"))
            .meter("api-calls")
            .build()
            .expect("layer");
        let app = Router::new().route("/pages/{n}", get(pages)).layer(layer);
        let addr = common::serve(app).await;
        let http = reqwest::Client::new();
        let mut inflight = Vec::new();
        for i in 0..300usize {
            let req = http
                .get(format!("http://{addr}/pages/{}", i % 5 + 1))
                .header("x-customer-id", format!("cus_{i}"))
                .send();
            inflight.push(tokio::spawn(req));
        }
        for r in inflight {
            assert_eq!(r.await.expect("task").expect("request").status(), 200);
        }
        env.settle().await;

        let runs = env.emulator.runs();
        assert_eq!(runs.len(), 300);
        let customer_of: HashMap<_, _> = runs
            .iter()
            .map(|r| (r.id.clone(), r.customer_id.clone()))
            .collect();
        let mut tools_per_customer: HashMap<String, usize> = HashMap::new();
        for e in env
            .emulator
            .events()
            .iter()
            .filter(|e| e.event_type == "tool.call")
        {
            *tools_per_customer
                .entry(customer_of[&e.run_id].clone())
                .or_default() += 1;
        }
        for i in 0..300usize {
            assert_eq!(
                tools_per_customer.get(&format!("cus_{i}")).copied(),
                Some(i % 5 + 1),
                "customer cus_{i}'s run holds exactly its own request's tool calls"
            );
        }
        assert_eq!(env.emulator.usage().len(), 300);
    });
}

/// A gRPC-shaped service as tonic generates it: `Service<http::Request<B>>`
/// answering `http::Response<B>`, routed by `/package.Service/Method`.
#[derive(Clone)]
struct Greeter;

impl Service<http::Request<String>> for Greeter {
    type Response = http::Response<String>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Request<String>) -> Self::Future {
        let mut res = http::Response::new(String::new());
        res.headers_mut()
            .insert("grpc-status", http::HeaderValue::from_static("0"));
        std::future::ready(Ok(res))
    }
}

#[test]
fn a_tonic_shaped_service_is_metered_by_method_path_and_a_dropped_request_is_not_billed() {
    let _turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
    runtime().block_on(async {
        let env = common::Env::start("grpc");
        let layer = DripLayer::builder(CustomerFrom::extension(|c: &Caller| Some(c.0.clone())))
            .meter("rpc-calls")
            .workflow("greeter-grpc")
            .route(|p| Some(p.uri.path().to_owned()))
            .build()
            .expect("layer");
        let mut svc = layer.layer(Greeter);
        let mut req = http::Request::post("/helloworld.Greeter/SayHello")
            .body(String::new())
            .expect("request");
        req.extensions_mut().insert(Caller("cus_grpc".into()));
        let res = svc
            .ready()
            .await
            .expect("ready")
            .call(req)
            .await
            .expect("response");
        assert_eq!(res.headers()["grpc-status"], "0");

        // A request whose client went away: its future is dropped unfinished.
        let pending = tower::service_fn(|_: http::Request<String>| async {
            std::future::pending::<Result<http::Response<String>, Infallible>>().await
        });
        let mut gone = layer.layer(pending);
        let mut req = http::Request::get("/slow")
            .body(String::new())
            .expect("request");
        req.extensions_mut().insert(Caller("cus_gone".into()));
        let fut = gone.ready().await.expect("ready").call(req);
        let _ = tokio::time::timeout(std::time::Duration::from_millis(10), fut).await;

        env.settle().await;
        let usage = env.emulator.usage();
        assert_eq!(usage.len(), 1, "only the finished call is billed");
        assert_eq!(usage[0].customer_id, "cus_grpc");
        assert_eq!(
            usage[0].metadata.as_ref().expect("metadata")["route"],
            "/helloworld.Greeter/SayHello"
        );
        let runs = env.emulator.runs();
        let gone = runs
            .iter()
            .find(|r| r.customer_id == "cus_gone")
            .expect("the dropped request's run");
        assert_eq!(gone.status, "CANCELLED");
        let served = runs
            .iter()
            .find(|r| r.customer_id == "cus_grpc")
            .expect("the call's run");
        assert_eq!(served.workflow_slug, "greeter-grpc");
    });
}

#[derive(Clone)]
struct Caller(String);
