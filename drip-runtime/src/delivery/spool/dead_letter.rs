//! The dead-letter file: envelopes the server refused permanently, one JSON
//! line each with the reason, in the spool directory (`dead-letters.jsonl`).

use crate::delivery::envelope::Envelope;
use serde::Serialize;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

/// File name of the dead-letter file inside the spool directory.
pub(crate) const DEAD_LETTER_FILE: &str = "dead-letters.jsonl";

#[derive(Debug)]
pub(crate) struct DeadLetters {
    path: Option<PathBuf>,
}

#[derive(Serialize)]
struct Line<'a> {
    at: String,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
    envelope: &'a Envelope,
}

impl DeadLetters {
    /// Dead letters in `dir`, or nowhere (only counted and logged) when there is no spool.
    pub(crate) fn new(dir: Option<PathBuf>) -> Self {
        DeadLetters {
            path: dir.map(|d| d.join(DEAD_LETTER_FILE)),
        }
    }

    /// Records a permanent refusal. Logged without any content.
    pub(crate) fn write(&self, envelope: &Envelope, error: &crate::Error) {
        let reason = error.to_string();
        tracing::error!(
            target: "drip",
            status = error.status(),
            code = error.code(),
            items = envelope.items(),
            "the Drip API refused a delivery permanently; it is in the dead-letter file and will not be retried"
        );
        let Some(path) = &self.path else { return };
        // Events kept as bytes, written as events.
        let typed;
        let envelope = match envelope {
            Envelope::StreamWire { .. }
            | Envelope::Run {
                events_json: Some(_),
                ..
            } => {
                typed = envelope.clone().into_typed();
                &typed
            }
            _ => envelope,
        };
        let line = Line {
            at: crate::model::time::now_rfc3339(),
            reason: &reason,
            status: error.status(),
            code: error.code(),
            envelope,
        };
        let mut bytes = match serde_json::to_vec(&line) {
            Ok(b) => b,
            Err(_) => return,
        };
        bytes.push(b'\n');
        let written = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(&bytes));
        if let Err(e) = written {
            tracing::error!(target: "drip", error = %e, file = %path.display(), "cannot write the drip dead-letter file");
        }
    }
}
