use drip_runtime::private::{Outcome, RunSite, ToolSite, enabled, run_enter, tool_enter};
use drip_runtime::testing::capture;
static RUN: RunSite = RunSite {
    workflow: "w",
    stream: false,
    metadata: &[],
    error_message: false,
};
static TOOL: ToolSite = ToolSite {
    name: "work",
    metadata: &[],
    meter: None,
    error_message: false,
};

async fn agent(customer: String) {
    let run = run_enter(&RUN, customer, None);
    let a = run.is_active();
    run.instrument(async move {
        let outer = (
            std::thread::current().id(),
            drip_runtime::current_run().is_some(),
            enabled(),
        );
        drip_runtime::spawn(async move {
            tokio::task::yield_now().await;
            let inner = (
                std::thread::current().id(),
                drip_runtime::current_run().is_some(),
                enabled(),
            );
            let c = tool_enter(&TOOL);
            if !c.is_active() {
                eprintln!("INACTIVE run={a} outer={outer:?} inner={inner:?}");
            }
            c.finish(Outcome::Ok);
        })
        .await
        .unwrap();
    })
    .await;
    run.finish(Outcome::Ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dbg() {
    let cap = capture();
    drip_runtime::spawn(agent("cus_carried".into()))
        .await
        .unwrap();
    tokio::spawn(async {
        let run = run_enter(&RUN, "cus_plain", None);
        assert!(!run.is_active());
        run.finish(Outcome::Ok);
    })
    .await
    .unwrap();
    let runs = cap.runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].events.len(), 1);
}
