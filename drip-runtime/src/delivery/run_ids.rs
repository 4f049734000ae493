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
    /// Runs whose start the server refused: their events and end are refused too.
    refused: Mutex<std::collections::HashSet<String>>,
    file: Option<PathBuf>,
}

impl RunIds {
    /// Loads the map from `dir`. When `compact` (no spooled work is left from
    /// earlier processes) and the file has grown past 4 MiB, ended runs are
    /// forgotten and the file rewritten.
    pub(crate) fn load(dir: Option<&Path>, compact: bool) -> Self {
        let Some(dir) = dir else {
            return RunIds::default();
        };
        let file = dir.join(FILE);
        let mut map = read_file(&file);
        let large = fs::metadata(&file).is_ok_and(|m| m.len() > 4 * 1024 * 1024);
        // Ended runs stay in the file only (for replays), not in memory.
        map.retain(|_, (_, ended)| !*ended);
        if compact && large {
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
            refused: Mutex::default(),
            file: Some(file),
        }
    }

    /// The server id of `ext`, waiting (up to about 10 s) for another process
    /// replaying the same spool to start the run. `None`: its start was
    /// refused, or never appeared.
    pub(crate) async fn wait_for(&self, ext: &str) -> Option<String> {
        let mut pause = std::time::Duration::from_millis(20);
        let give_up = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            if let Some(id) = self.get(ext) {
                return Some(id);
            }
            if self.is_refused(ext) || std::time::Instant::now() >= give_up {
                return None;
            }
            if let Some(file) = &self.file {
                let fresh = read_file(file);
                if let Some((id, _)) = fresh.get(ext) {
                    let id = id.clone();
                    self.map
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(ext.to_owned(), (id.clone(), false));
                    return Some(id);
                }
            } else {
                return None;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(std::time::Duration::from_secs(2));
        }
    }

    pub(crate) fn refuse(&self, ext: &str) {
        self.refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(ext.to_owned());
    }

    fn is_refused(&self, ext: &str) -> bool {
        self.refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(ext)
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
        // Forgotten in memory so a long-lived process holds only the runs in
        // flight; the file keeps the id for a replay (`wait_for` reads it).
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(ext);
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

fn read_file(file: &Path) -> HashMap<String, (String, bool)> {
    let mut map = HashMap::new();
    let Ok(text) = fs::read_to_string(file) else {
        return map;
    };
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
    map
}
