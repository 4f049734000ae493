//! The server's run id for each external run id this process has seen
//! acknowledged — by `POST /runs` (stream runs, and the record fallback) or
//! `POST /runs/record` — whoever made the call: the delivery thread or the
//! application. The API has no lookup by external id, so this is the way
//! back from [`RunInfo::external_run_id`](crate::RunInfo::external_run_id)
//! to what `get_run` takes.
//!
//! Bounded: past [`CAPACITY`] entries the oldest are forgotten.

use crate::model::{ExternalRunId, RunId};
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

/// Most ids remembered (some 2 MB at most).
const CAPACITY: usize = 16_384;

#[derive(Default)]
struct Index {
    ids: HashMap<String, String>,
    order: VecDeque<String>,
}

// Process-global because delivery's client and the application's are
// separate objects that must fill and read one index; it moves into the
// runtime object with the pipeline (issue 9).
static INDEX: Mutex<Option<Index>> = Mutex::new(None);

/// Notes that the server gave `external` the id `id`.
pub(crate) fn remember(external: Option<&str>, id: &str) {
    let Some(external) = external.filter(|e| !e.is_empty()) else {
        return;
    };
    if id.is_empty() {
        return;
    }
    let mut slot = INDEX.lock().unwrap_or_else(PoisonError::into_inner);
    let index = slot.get_or_insert_with(Index::default);
    if index
        .ids
        .insert(external.to_owned(), id.to_owned())
        .is_none()
    {
        index.order.push_back(external.to_owned());
        while index.order.len() > CAPACITY {
            if let Some(oldest) = index.order.pop_front() {
                index.ids.remove(&oldest);
            }
        }
    }
}

/// The server's id of the run created with `external`, once the server has
/// acknowledged it in this process: the start of a stream run, or a whole
/// record-mode run. `None` before that (call [`drip::flush`](crate::flush)
/// first), for runs of other processes, and for the oldest runs once more
/// than 16,384 have been seen.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let emulator = drip_emulator::Emulator::start().await?;
/// # let client = drip_runtime::Client::builder().api_key(emulator.public_key()).base_url(emulator.base_url()).build()?;
/// use drip_runtime::model::{Event, ExternalRunId, RecordRun, RunStatus};
/// let ext = ExternalRunId::new("job-7");
/// assert!(drip_runtime::find_run_id(&ext).is_none());
/// client.record_run(RecordRun::new("cus_1", "agent", RunStatus::Completed)
///     .event(Event::llm_call("gpt-4o", 9))
///     .external_run_id(ext.as_str())).await?;
/// let id = drip_runtime::find_run_id(&ext).expect("acknowledged");
/// assert_eq!(client.get_run(&id).await?.id, id.as_str());
/// # Ok(()) }
/// ```
pub fn find_run_id(external: &ExternalRunId) -> Option<RunId> {
    INDEX
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .and_then(|index| index.ids.get(external.as_str()))
        .map(RunId::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_are_forgotten_past_the_capacity() {
        for i in 0..=CAPACITY {
            remember(Some(&format!("cap-test-{i}")), &format!("run_{i}"));
        }
        remember(None, "run_x");
        remember(Some(""), "run_x");
        assert_eq!(find_run_id(&ExternalRunId::new("cap-test-0")), None);
        assert_eq!(
            find_run_id(&ExternalRunId::new(format!("cap-test-{CAPACITY}"))),
            Some(RunId::new(format!("run_{CAPACITY}")))
        );
        assert_eq!(find_run_id(&ExternalRunId::new("")), None);
    }
}
