//! Reading back what was metered: the server's run id is reachable from the
//! run (stream and record mode), the client-made id is refused where the
//! server's is needed — before any request — and timeline events keep the
//! metadata the server returns, typed.
//!
//! One test: it owns the process's pipeline.

use drip::model::{ExternalRunId, RunStatus, TimelineQuery, ToolStatus};
use drip::{Config, RunInfo};
use std::time::Duration;

#[derive(Debug)]
struct Unreachable;

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unreachable")
    }
}

#[drip::tool(name = "web-search")]
async fn search(ok: bool) -> Result<u32, Unreachable> {
    if ok { Ok(3) } else { Err(Unreachable) }
}

#[drip::run(customer = "cus_ids", workflow = "record-agent")]
async fn record_agent() -> RunInfo {
    let _ = search(true).await;
    let _ = search(false).await;
    drip::current_run().expect("inside a run")
}

#[drip::run(customer = "cus_ids", workflow = "stream-agent", stream)]
async fn stream_agent() -> RunInfo {
    let _ = search(true).await;
    drip::current_run().expect("inside a run")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_run_id_is_reachable_and_the_two_ids_do_not_mix() {
    let emulator = drip_emulator::Emulator::start().await.unwrap();
    let spool = std::env::temp_dir().join(format!("drip-run-ids-{}", std::process::id()));
    let guard = drip::init(
        Config::new(emulator.secret_key())
            .base_url(emulator.base_url())
            .spool_dir(&spool),
    )
    .unwrap();
    let client = drip::client().unwrap();

    let recorded = record_agent().await;
    let streamed = stream_agent().await;
    let report = drip::flush(Duration::from_secs(10)).await;
    assert!(report.is_complete(), "{report:?}");

    for (info, workflow) in [(&recorded, "record-agent"), (&streamed, "stream-agent")] {
        let ext = info.external_run_id();
        assert!(
            ext.starts_with(drip::model::EXTERNAL_RUN_ID_PREFIX),
            "{ext}"
        );
        let id = info
            .run_id()
            .unwrap_or_else(|| panic!("{workflow}: no server id"));
        assert_eq!(drip::find_run_id(&ext), Some(id.clone()));
        assert_ne!(id.as_str(), ext.as_str(), "distinct ids");
        let server = emulator
            .runs()
            .into_iter()
            .find(|r| r.id == id.as_str())
            .unwrap_or_else(|| panic!("{workflow}: {id} is not a server run"));
        assert_eq!(server.external_run_id.as_deref(), Some(ext.as_str()));
        let details = client.get_run(&id).await.unwrap();
        assert_eq!(details.status, RunStatus::Completed);

        // The client-made id where the server's is needed: refused before any request.
        emulator.clear_requests();
        let err = client.get_run(ext.as_str()).await.unwrap_err();
        assert!(
            matches!(err, drip::Error::Validation { field: "runId", .. }),
            "{err}"
        );
        assert!(
            err.to_string().contains("find_run_id"),
            "says what to do: {err}"
        );
        let err = client
            .get_run_timeline(&*ext, TimelineQuery::new())
            .await
            .unwrap_err();
        assert!(matches!(err, drip::Error::Validation { .. }), "{err}");
        assert!(emulator.requests().is_empty(), "nothing was sent");
    }

    // The timeline keeps the tool metadata, typed.
    let id = recorded.run_id().unwrap();
    let events = client
        .timeline_all(&id, TimelineQuery::new())
        .await
        .unwrap();
    let tools: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "tool.call")
        .filter_map(|e| e.metadata.as_ref())
        .collect();
    assert_eq!(tools.len(), 2, "{events:?}");
    assert!(
        tools
            .iter()
            .all(|m| m.tool_name.as_deref() == Some("web-search"))
    );
    let failed = tools
        .iter()
        .find(|m| m.status == Some(ToolStatus::Error))
        .expect("the failed call");
    assert!(
        failed
            .error_type
            .as_deref()
            .is_some_and(|t| t.contains("Unreachable")),
        "{failed:?}"
    );
    assert!(failed.duration_ms.is_some_and(|d| d >= 0.0), "{failed:?}");
    assert!(
        tools
            .iter()
            .any(|m| m.status == Some(ToolStatus::Ok) && m.error_type.is_none())
    );

    // An id this process never saw delivered is not found.
    assert_eq!(drip::find_run_id(&ExternalRunId::new("xrun_unknown")), None);

    drop(guard);
    let _ = std::fs::remove_dir_all(&spool);
}
