//! The two ids of a run, as two types: the server's [`RunId`] (what
//! `get_run` and `get_run_timeline` take) and the client-made
//! [`ExternalRunId`] (what a run is created with, `externalRunId` on the
//! wire). Ids drip makes itself start with [`EXTERNAL_RUN_ID_PREFIX`], so a
//! client-made id passed as a server id is refused before any request.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Prefix of the external run ids drip makes (`xrun_…`); server run ids never
/// carry it.
///
/// ```
/// let _capture = drip_runtime::testing::capture();
/// let run = drip_runtime::RunTemplate::new("w")?.start("cus_1");
/// let ext = run.in_scope(|| drip_runtime::current_run().unwrap().external_run_id());
/// run.end(drip_runtime::RunEnd::Completed);
/// assert!(ext.starts_with(drip_runtime::model::EXTERNAL_RUN_ID_PREFIX));
/// # Ok::<(), drip_runtime::Error>(())
/// ```
pub const EXTERNAL_RUN_ID_PREFIX: &str = "xrun_";

/// The server's id of a run (`id` in the answers of `POST /runs` and
/// `POST /runs/record`): what [`Client::get_run`](crate::Client::get_run)
/// and [`Client::get_run_timeline`](crate::Client::get_run_timeline) take.
///
/// Get one from [`RunInfo::run_id`](crate::RunInfo::run_id) or
/// [`drip::find_run_id`](crate::find_run_id) once the run was delivered.
///
/// ```
/// use drip_runtime::model::RunId;
/// let id = RunId::new("run_0000000001");
/// assert_eq!(id.as_str(), "run_0000000001");
/// assert_eq!(id.to_string(), "run_0000000001");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(String);

impl RunId {
    /// Wraps an id the server returned.
    pub fn new(id: impl Into<String>) -> Self {
        RunId(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for RunId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The client-made id of a run (`externalRunId` on the wire): the one
/// [`RunInfo::external_run_id`](crate::RunInfo::external_run_id) gives, made
/// by drip as `xrun_…` or chosen by you (`RecordRun::external_run_id`).
///
/// It is not accepted where a server [`RunId`] is needed: that does not
/// compile. Turn it into the server's id with
/// [`drip::find_run_id`](crate::find_run_id).
///
/// ```compile_fail
/// # async fn f(client: drip_runtime::Client, ext: drip_runtime::model::ExternalRunId) {
/// let _ = client.get_run(&ext).await; // error: `ExternalRunId` is not the server's run id
/// # }
/// ```
///
/// The same with a [`RunId`] compiles:
///
/// ```
/// # async fn f(client: drip_runtime::Client, id: drip_runtime::model::RunId) {
/// let _ = client.get_run(&id).await;
/// # }
/// ```
///
/// ```
/// use drip_runtime::model::ExternalRunId;
/// let ext = ExternalRunId::new("job-7");
/// assert_eq!(ext, "job-7");
/// assert_eq!(ext.len(), 5); // reads as a `str`
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExternalRunId(String);

impl ExternalRunId {
    /// Wraps a client-made run id.
    pub fn new(id: impl Into<String>) -> Self {
        ExternalRunId(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ExternalRunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for ExternalRunId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for ExternalRunId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for ExternalRunId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for ExternalRunId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

/// What the client's run calls accept as the server's run id: a [`RunId`], or
/// text (`&str`, `String`) as the server returned it. An [`ExternalRunId`]
/// does not qualify; text carrying drip's external prefix (`xrun_…`) is
/// refused with [`Error::Validation`](crate::Error::Validation) before any
/// request.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let emulator = drip_emulator::Emulator::start().await?;
/// # let client = drip_runtime::Client::builder().api_key(emulator.public_key()).base_url(emulator.base_url()).build()?;
/// let err = client.get_run("xrun_0123456789abcdef1").await.unwrap_err();
/// assert!(err.to_string().contains("external run id"), "{err}");
/// assert!(emulator.requests().is_empty(), "refused before any request");
/// # Ok(()) }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the server's run id",
    label = "expected the server's run id (`drip::model::RunId`)",
    note = "an external run id (`RunInfo::external_run_id`) is yours, not the server's; look the server's up with `drip::find_run_id(&external_id)` or `RunInfo::run_id()`"
)]
pub trait AsRunId {
    /// The id as text.
    fn run_id_str(&self) -> &str;
}

impl AsRunId for RunId {
    fn run_id_str(&self) -> &str {
        &self.0
    }
}

impl AsRunId for str {
    fn run_id_str(&self) -> &str {
        self
    }
}

impl AsRunId for String {
    fn run_id_str(&self) -> &str {
        self
    }
}

impl<T: AsRunId + ?Sized> AsRunId for &T {
    fn run_id_str(&self) -> &str {
        (**self).run_id_str()
    }
}
