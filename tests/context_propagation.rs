//! The README's propagation table, one test per row: which ways of running
//! code carry the current run, and which lose it (and then are counted in
//! `drip::stats().outside_run`) — with the way to carry each of those.

use drip::InCurrentRun;
use std::time::Duration;
use tower::{Service, ServiceExt};

#[drip::tool]
async fn fetch(page: u32) -> u32 {
    tokio::task::yield_now().await;
    page
}

#[drip::tool]
fn parse(page: u32) -> u32 {
    page
}

/// Runs `body` as the agent of a run and returns how many tool calls the run
/// recorded, and how many calls were counted outside any run meanwhile.
async fn recorded<F, Fut>(body: F) -> (usize, u64)
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()>,
{
    #[drip::run(customer = "cus_prop", workflow = "propagation")]
    async fn agent<Fut: Future<Output = ()>>(body: Fut) {
        body.await
    }
    let cap = drip::testing::capture();
    let before = drip::stats().outside_run;
    agent(body()).await;
    let lost = drip::stats().outside_run - before;
    let runs = cap.runs();
    assert_eq!(runs.len(), 1);
    (runs[0].tool_calls().count(), lost)
}

/// Runs `f` with the SDK on in this thread, as `drip::init` would everywhere
/// (a test capture turns it on for its own thread only).
fn sdk_on<R>(f: impl FnOnce() -> R) -> R {
    let _capture = drip::testing::capture();
    f()
}

#[tokio::test]
async fn carried_by_drip_spawn() {
    let (calls, _) = recorded(|| async {
        drip::spawn(fetch(1)).await.unwrap();
    })
    .await;
    assert_eq!(calls, 1);
}

#[tokio::test]
async fn carried_by_in_current_run() {
    let (calls, _) = recorded(|| async {
        tokio::spawn(fetch(1).in_current_run()).await.unwrap();
        let mut set = tokio::task::JoinSet::new();
        set.spawn(fetch(2).in_current_run());
        set.join_next().await.unwrap().unwrap();
    })
    .await;
    assert_eq!(calls, 2);
}

#[tokio::test]
async fn carried_by_join_and_timeout() {
    let (calls, _) = recorded(|| async {
        let (a, b) = tokio::join!(fetch(1), fetch(2));
        assert_eq!(a + b, 3);
        tokio::time::timeout(Duration::from_secs(60), fetch(3))
            .await
            .unwrap();
    })
    .await;
    assert_eq!(calls, 3);
}

#[tokio::test]
async fn carried_through_a_tower_buffer() {
    let (calls, _) = recorded(|| async {
        let service = tower::service_fn(|page: u32| async move {
            Ok::<_, std::convert::Infallible>(fetch(page).await)
        });
        let mut buffered = tower::buffer::Buffer::new(service, 8);
        let page = buffered.ready().await.unwrap().call(4).await.unwrap();
        assert_eq!(page, 4);
    })
    .await;
    assert_eq!(calls, 1);
}

#[tokio::test]
async fn lost_by_tokio_spawn_and_counted() {
    let (calls, lost) = recorded(|| async {
        tokio::spawn(fetch(1)).await.unwrap();
    })
    .await;
    assert_eq!(calls, 0);
    assert!(lost >= 1, "counted in stats(): {lost}");
}

#[tokio::test]
async fn lost_by_join_set_spawn_and_counted() {
    let (calls, lost) = recorded(|| async {
        let mut set = tokio::task::JoinSet::new();
        set.spawn(fetch(1));
        set.join_next().await.unwrap().unwrap();
    })
    .await;
    assert_eq!(calls, 0);
    assert!(lost >= 1, "counted in stats(): {lost}");
}

#[tokio::test]
async fn lost_by_spawn_blocking_and_carried_with_in_scope() {
    let (calls, lost) = recorded(|| async {
        tokio::task::spawn_blocking(|| sdk_on(|| parse(1)))
            .await
            .unwrap();
        let run = drip::current_run().expect("inside the run");
        tokio::task::spawn_blocking(move || run.in_scope(|| parse(2)))
            .await
            .unwrap();
    })
    .await;
    assert_eq!(calls, 1, "only the call given the run");
    assert!(lost >= 1, "counted in stats(): {lost}");
}

#[tokio::test]
async fn lost_by_std_thread_spawn_and_carried_with_in_scope() {
    let (calls, lost) = recorded(|| async {
        std::thread::spawn(|| sdk_on(|| parse(1))).join().unwrap();
        let run = drip::current_run().expect("inside the run");
        std::thread::spawn(move || run.in_scope(|| parse(2)))
            .join()
            .unwrap();
    })
    .await;
    assert_eq!(calls, 1, "only the call given the run");
    assert!(lost >= 1, "counted in stats(): {lost}");
}

#[tokio::test]
async fn llm_calls_outside_a_run_are_counted_too() {
    let _sdk_on = drip::testing::capture();
    let before = drip::stats().outside_run;
    drip::llm_call("gpt-4o", 10);
    assert!(drip::stats().outside_run > before);
}
