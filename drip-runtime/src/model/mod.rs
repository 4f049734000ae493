//! Wire types of the Drip API (camelCase JSON), and the event model.

mod event;
pub mod idempotency;
mod status;
pub mod time;

pub use event::{Event, ToolStatus};
pub use status::RunStatus;
