//! Run timelines: one page, and walking every page by cursor.

mod client_support;

use drip_runtime::model::{Event, RecordRun, RunStatus, TimelineQuery, ToolStatus};
use std::time::Duration;

async fn recorded_run(env: &client_support::Env, events: usize) -> String {
    let run = RecordRun::new("cus_1", "research-agent", RunStatus::Completed).events(
        (0..events).map(|i| {
            if i % 2 == 0 {
                Event::llm_call("gpt-4o", 100 + i as u64)
            } else {
                Event::tool_call("web-search", Duration::from_millis(5), ToolStatus::Ok)
            }
        }),
    );
    env.pk.record_run(run).await.unwrap().run.id
}

#[tokio::test]
async fn one_page_with_its_query_on_the_wire() {
    let env = client_support::start().await;
    let run_id = recorded_run(&env, 5).await;
    for (_, client) in env.both() {
        let page = client
            .get_run_timeline(
                &run_id,
                TimelineQuery::new()
                    .limit(2)
                    .include_anomalies(true)
                    .collapse_retries(false),
            )
            .await
            .unwrap();
        assert_eq!(page.run_id, run_id);
        assert_eq!(page.status, RunStatus::Completed);
        assert_eq!(page.events.len(), 2);
        assert!(page.has_more);
        assert!(page.next_cursor.is_some());
        assert_eq!(page.summary.total_events, 5);
        assert_eq!(page.summary.by_type.get("llm.call"), Some(&3));
        assert_eq!(page.events[0].event_type, "llm.call");
    }
    let path = format!("/v1/runs/{run_id}/timeline");
    let seen = env.requests("GET", &path);
    assert_eq!(
        seen.last().unwrap().path_and_query,
        format!("{path}?limit=2&includeAnomalies=true&collapseRetries=false")
    );
}

#[tokio::test]
async fn walking_all_pages_follows_the_cursor() {
    let env = client_support::start().await;
    let run_id = recorded_run(&env, 7).await;

    let mut pages = env
        .pk
        .timeline_pages(&run_id, TimelineQuery::new().limit(3));
    let mut sizes = Vec::new();
    while let Some(page) = pages.next_page().await {
        sizes.push(page.unwrap().events.len());
    }
    assert_eq!(sizes, [3, 3, 1]);
    assert!(pages.next_page().await.is_none(), "finished stays finished");

    let all = env
        .sk
        .timeline_all(&run_id, TimelineQuery::new().limit(2))
        .await
        .unwrap();
    assert_eq!(all.len(), 7);
    let mut ids: Vec<&str> = all.iter().map(|e| e.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 7, "no event twice");
    let cursors: Vec<String> = env
        .requests("GET", &format!("/v1/runs/{run_id}/timeline"))
        .into_iter()
        .map(|r| r.path_and_query)
        .filter(|p| p.contains("limit=2"))
        .collect();
    assert_eq!(cursors.len(), 4);
    assert!(!cursors[0].contains("cursor="));
    assert!(cursors[1..].iter().all(|p| p.contains("cursor=")));
}

#[tokio::test]
async fn an_unknown_run_ends_the_walk_with_its_error() {
    let env = client_support::start().await;
    let mut pages = env.pk.timeline_pages("run_missing", TimelineQuery::new());
    let first = pages.next_page().await.unwrap();
    assert_eq!(first.unwrap_err().status(), Some(404));
    assert!(pages.next_page().await.is_none());
    let err = env
        .pk
        .timeline_all("run_missing", TimelineQuery::new())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
}
