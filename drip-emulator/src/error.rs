//! Why the emulator could not start.

use std::path::PathBuf;

/// An error starting the emulator.
///
/// ```
/// let err = drip_emulator::Emulator::builder().public_key("nope").start_blocking().unwrap_err();
/// assert!(matches!(err, drip_emulator::EmulatorError::InvalidKey { .. }));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The listening socket could not be bound (port in use, no permission…).
    #[error("could not listen on {addr}: {source}; choose another port or 0 for any free port")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A key given to the builder has the wrong shape.
    #[error("invalid {which} key: {reason}")]
    InvalidKey {
        /// `public` or `secret`.
        which: &'static str,
        /// What is wrong with it (the key itself is never included).
        reason: String,
    },
    /// The persistence file could not be read.
    #[error("could not load snapshot {}: {reason}; delete it or pass another --persist path", path.display())]
    Persist {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The server thread or its runtime could not be created.
    #[error("could not start the emulator's server thread: {0}")]
    Runtime(std::io::Error),
}
