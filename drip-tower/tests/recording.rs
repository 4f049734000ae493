//! `Recording::Event` over loopback HTTP: the request is still recorded (a
//! run describing it) and billed, but the handler and its streaming body run
//! outside any drip run, so their tool calls attach to nothing.

mod common;

use axum::Router;
use axum::routing::get;
use drip_tower::{CustomerFrom, DripLayer, Recording};

#[drip::tool(name = "lookup")]
async fn lookup() -> &'static str {
    "found"
}

async fn handler() -> &'static str {
    lookup().await
}

#[test]
fn with_recording_event_the_request_is_recorded_and_billed_but_its_tool_calls_are_not_attached() {
    common::block_on(async {
        let env = common::Env::start("recording-event");
        let layer = DripLayer::builder(CustomerFrom::header("x-customer-id"))
            .recording(Recording::Event)
            .build()
            .expect("layer");
        let app = Router::new().route("/v1/lookup", get(handler)).layer(layer);
        let addr = common::serve(app).await;
        let outside = drip::stats().outside_run;

        let res = reqwest::Client::new()
            .get(format!("http://{addr}/v1/lookup"))
            .header("x-customer-id", "cus_event")
            .send()
            .await
            .expect("request");
        assert_eq!(res.text().await.expect("body"), "found");
        env.settle().await;

        assert_eq!(env.emulator.usage().len(), 1);
        let runs = env.emulator.runs();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].status, "COMPLETED");
        assert_eq!(
            runs[0].metadata.as_ref().expect("metadata")["route"],
            "/v1/lookup"
        );
        assert_eq!(
            runs[0].event_count, 0,
            "the tool call is not in the request's run"
        );
        assert!(
            drip::stats().outside_run > outside,
            "it was made outside any run"
        );
    });
}
