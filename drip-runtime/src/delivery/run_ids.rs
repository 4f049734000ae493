//! Stream-mode runs: the server's run id for each client-made `externalRunId`.
//!
//! Kept in memory and appended to `stream-runs.jsonl` in the spool directory,
//! so a later process replaying a run's events (or its end) after a restart
//! still knows which server run they belong to.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

const FILE: &str = "stream-runs.jsonl";

#[derive(Serialize, Deserialize)]
struct Line {
    ext: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    ended: bool,
}

#[derive(Debug, Default)]
pub(crate) struct RunIds {
    map: Mutex<HashMap<String, (String, bool)>>,
    file: Option<PathBuf>,
}

impl RunIds {
    /// Loads the map from `dir`. When `compact` (no spooled work is left from
    /// earlier processes), ended runs are forgotten and the file rewritten.
    pub(crate) fn load(dir: Option<&Path>, compact: bool) -> Self {
        let Some(dir) = dir else {
            return RunIds::default();
        };
        let file = dir.join(FILE);
        let mut map = HashMap::new();
        if let Ok(text) = fs::read_to_string(&file) {
            for line in text.lines() {
                let Ok(l) = serde_json::from_str::<Line>(line) else {
                    continue;
                };
                match (l.id, l.ended) {
                    (Some(id), _) => {
                        map.insert(l.ext, (id, false));
                    }
                    (None, true) => {
                        if let Some(entry) = map.get_mut(&l.ext) {
                            entry.1 = true;
                        }
                    }
                    (None, false) => {}
                }
            }
        }
        if compact {
            map.retain(|_, (_, ended)| !*ended);
            let mut out = String::new();
            for (ext, (id, _)) in &map {
                if let Ok(s) = serde_json::to_string(&Line {
                    ext: ext.clone(),
                    id: Some(id.clone()),
                    ended: false,
                }) {
                    out.push_str(&s);
                    out.push('\n');
                }
            }
            let _ = fs::write(&file, out);
        }
        RunIds {
            map: Mutex::new(map),
            file: Some(file),
        }
    }

    pub(crate) fn get(&self, ext: &str) -> Option<String> {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(ext)
            .map(|(id, _)| id.clone())
    }

    pub(crate) fn started(&self, ext: &str, id: &str) {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(ext.to_owned(), (id.to_owned(), false));
        self.append(Line {
            ext: ext.to_owned(),
            id: Some(id.to_owned()),
            ended: false,
        });
    }

    pub(crate) fn ended(&self, ext: &str) {
        if let Some(entry) = self
            .map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_mut(ext)
        {
            entry.1 = true;
        }
        self.append(Line {
            ext: ext.to_owned(),
            id: None,
            ended: true,
        });
    }

    fn append(&self, line: Line) {
        let Some(file) = &self.file else { return };
        let Ok(mut s) = serde_json::to_string(&line) else {
            return;
        };
        s.push('\n');
        let written = OpenOptions::new()
            .create(true)
            .append(true)
            .open(file)
            .and_then(|mut f| f.write_all(s.as_bytes()));
        if let Err(e) = written {
            tracing::warn!(target: "drip", error = %e, "cannot record a stream run id in the spool; a replay after a restart may not find its run");
        }
    }
}
