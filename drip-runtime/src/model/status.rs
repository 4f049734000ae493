use serde::{Deserialize, Serialize};

/// Status of a run, as the API spells it (`COMPLETED`, `FAILED`, …).
///
/// ```
/// use drip_runtime::model::RunStatus;
/// assert_eq!(serde_json::to_string(&RunStatus::Completed).unwrap(), "\"COMPLETED\"");
/// assert!(RunStatus::Failed.is_terminal());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum RunStatus {
    /// Created, not started.
    Pending,
    /// In progress.
    Running,
    /// Ended successfully.
    Completed,
    /// Ended with an error or a panic.
    Failed,
    /// Dropped before it finished.
    Cancelled,
    /// Ended by a timeout.
    Timeout,
}

impl RunStatus {
    /// Whether the run has ended (`COMPLETED`, `FAILED`, `CANCELLED`, `TIMEOUT`).
    pub fn is_terminal(self) -> bool {
        !matches!(self, RunStatus::Pending | RunStatus::Running)
    }

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Pending => "PENDING",
            RunStatus::Running => "RUNNING",
            RunStatus::Completed => "COMPLETED",
            RunStatus::Failed => "FAILED",
            RunStatus::Cancelled => "CANCELLED",
            RunStatus::Timeout => "TIMEOUT",
        }
    }
}
