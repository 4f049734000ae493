//! Stream-mode runs and record-mode runs that outgrow their buffer: what is
//! handed to delivery, and in which order.

use drip_runtime::model::RunStatus;
use drip_runtime::private::{Outcome, RunSite, ToolSite, run_enter, tool_enter};
use drip_runtime::testing::{Delivery, capture};

static STREAMED: RunSite = RunSite {
    workflow: "long-agent",
    stream: true,
    metadata: &[],
    error_message: false,
};
static RECORDED: RunSite = RunSite {
    workflow: "busy-agent",
    stream: false,
    metadata: &[],
    error_message: false,
};
static TOOL: ToolSite = ToolSite {
    name: "step",
    metadata: &[],
    meter: None,
    error_message: false,
};

/// The record-mode buffer size (`context::DEFAULT_RECORD_BUFFER_LIMIT`).
const BUFFER_LIMIT: usize = 1000;

fn tool_call() {
    tool_enter(&TOOL).finish(Outcome::Ok);
}

fn event_counts(deliveries: &[Delivery]) -> Vec<usize> {
    deliveries
        .iter()
        .filter_map(|d| match d {
            Delivery::StreamEvents { events, .. } => Some(*events),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_stream_run_announces_itself_when_it_starts_and_hands_events_over_as_they_happen() {
    let cap = capture();
    let mut run = run_enter(&STREAMED, "cus_1", None);
    run.metadata("region", "eu");
    let deliveries_seen_inside = run
        .instrument(async {
            let at_start = cap.deliveries();
            tool_call();
            drip_runtime::llm_call("gpt-4o", 42);
            (at_start, cap.deliveries())
        })
        .await;
    run.finish(Outcome::Ok);

    let (at_start, after_two_events) = deliveries_seen_inside;
    assert!(matches!(
        at_start.as_slice(),
        [Delivery::StreamStart { .. }]
    ));
    assert_eq!(after_two_events.len(), 3, "{after_two_events:?}");
    assert_eq!(event_counts(&after_two_events), [1, 1]);

    let all = cap.deliveries();
    assert!(matches!(
        all.last(),
        Some(Delivery::StreamEnd {
            status: RunStatus::Completed,
            ..
        })
    ));
    let runs = cap.runs();
    assert_eq!(runs.len(), 1);
    assert!(runs[0].stream);
    assert_eq!(runs[0].event_types(), ["tool.call", "llm.call"]);
    assert_eq!(runs[0].metadata.get("region"), Some(&"eu".into()));
    assert_eq!(runs[0].status, RunStatus::Completed);
}

#[tokio::test]
async fn every_delivery_of_a_stream_run_names_the_same_run() {
    let cap = capture();
    let run = run_enter(&STREAMED, "cus_1", None);
    run.instrument(async { tool_call() }).await;
    run.finish(Outcome::Err {
        kind: "Timeout".into(),
        message: None,
    });
    let id = cap.runs()[0].external_run_id.clone();
    for d in cap.deliveries() {
        let named = match &d {
            Delivery::StreamStart { external_run_id }
            | Delivery::StreamEvents {
                external_run_id, ..
            }
            | Delivery::StreamEnd {
                external_run_id, ..
            } => external_run_id,
            other => panic!("unexpected delivery {other:?}"),
        };
        assert_eq!(named, &id);
    }
    assert_eq!(cap.runs()[0].status, RunStatus::Failed);
    assert_eq!(cap.runs()[0].error_code.as_deref(), Some("Timeout"));
}

#[test]
fn a_record_run_is_handed_over_once_at_its_end() {
    let cap = capture();
    let run = run_enter(&RECORDED, "cus_1", None);
    run.enter_sync(|| {
        for _ in 0..10 {
            tool_call();
        }
        assert!(cap.deliveries().is_empty(), "nothing leaves before the end");
    });
    run.finish(Outcome::Ok);
    assert!(matches!(
        cap.deliveries().as_slice(),
        [Delivery::Record { events: 10, .. }]
    ));
    assert!(!cap.runs()[0].stream);
}

#[test]
fn a_record_run_that_outgrows_its_buffer_streams_the_rest() {
    let cap = capture();
    let total = BUFFER_LIMIT + 250;
    let run = run_enter(&RECORDED, "cus_1", None);
    run.enter_sync(|| {
        for _ in 0..total {
            tool_call();
        }
    });
    run.finish(Outcome::Ok);

    let deliveries = cap.deliveries();
    assert!(
        matches!(deliveries.first(), Some(Delivery::StreamStart { .. })),
        "{:?}",
        deliveries.first()
    );
    assert!(matches!(
        deliveries.last(),
        Some(Delivery::StreamEnd { .. })
    ));
    assert!(
        !deliveries
            .iter()
            .any(|d| matches!(d, Delivery::Record { .. }))
    );
    let counts = event_counts(&deliveries);
    assert_eq!(
        counts[0], BUFFER_LIMIT,
        "the buffered events go first, together"
    );
    assert_eq!(
        counts.iter().sum::<usize>(),
        total,
        "no event lost or doubled"
    );

    let runs = cap.runs();
    assert_eq!(runs.len(), 1);
    assert!(runs[0].stream);
    assert_eq!(runs[0].events.len(), total);
    let mut keys: Vec<_> = runs[0].events.iter().map(|e| &e.idempotency_key).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), total);
}

#[test]
fn a_stream_run_dropped_before_it_ran_still_starts_and_ends() {
    let cap = capture();
    drop(run_enter(&STREAMED, "cus_1", None));
    let deliveries = cap.deliveries();
    assert!(matches!(
        deliveries.as_slice(),
        [
            Delivery::StreamStart { .. },
            Delivery::StreamEnd {
                status: RunStatus::Cancelled,
                ..
            }
        ]
    ));
}
