//! Stream-mode runs: the server's run id for each client-made `externalRunId`.
//!
//! Kept in memory and appended to `stream-runs.jsonl` in the spool directory,
//! so a later process replaying a run's events (or its end) after a restart
//! still knows which server run they belong to.
//!
//! The file would grow with every stream run a long-lived process makes, so
//! past [`ROTATE_BYTES`] it is rotated: it becomes `stream-runs.1.jsonl`
//! (replacing the generation before) and a new file starts with the runs
//! still in flight. Lookups read both generations, so an ended run's id stays
//! findable for at least another [`ROTATE_BYTES`] of starts and ends (some
//! 20,000 runs); the files never hold more than about twice that.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

const FILE: &str = "stream-runs.jsonl";
/// The generation before the last rotation.
const PREVIOUS: &str = "stream-runs.1.jsonl";
/// Size past which the file is rotated.
const ROTATE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Serialize, Deserialize)]
struct Line {
    ext: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    ended: bool,
}

#[derive(Debug)]
struct Files {
    current: PathBuf,
    previous: PathBuf,
    rotate_at: u64,
    /// `current`, kept open between appends.
    open: Mutex<Option<Appending>>,
    /// Lines not yet written: two per stream run, written together
    /// ([`RunIds::write_pending`]) before the segment holding a run's start
    /// is settled, and every `linger`, so a run costs no write of its own.
    pending: Mutex<Vec<u8>>,
}

/// The open file and what was appended through it.
#[derive(Debug)]
struct Appending {
    file: fs::File,
    /// Which file it is (see [`file_id`]).
    id: Option<(u64, u64)>,
    len: u64,
}

/// Device and inode of a file's metadata (Unix); `None` elsewhere, where
/// the file is reopened for every append.
fn file_id(metadata: &fs::Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

#[derive(Debug, Default)]
pub(crate) struct RunIds {
    /// Runs in flight: ext → server id.
    map: Mutex<HashMap<String, String>>,
    /// What replaying earlier processes' segments may still ask for, after
    /// the runs have ended: every run the files knew at start (when segments
    /// were left), and runs whose starts are in those segments once they end
    /// here. Bounded by the files and the segments, not by this process's life.
    replay: Mutex<Replay>,
    /// Runs whose start the server refused: their events and end are refused too.
    refused: Mutex<std::collections::HashSet<String>>,
    files: Option<Files>,
}

#[derive(Debug, Default)]
struct Replay {
    ids: HashMap<String, String>,
    starts: std::collections::HashSet<String>,
}

impl RunIds {
    /// Loads the map from `dir`. When `compact` (no spooled work is left from
    /// earlier processes) and the file has outgrown its size, it is rotated
    /// at once.
    pub(crate) fn load(dir: Option<&Path>, compact: bool) -> Self {
        Self::load_with_limit(dir, compact, ROTATE_BYTES)
    }

    fn load_with_limit(dir: Option<&Path>, compact: bool, rotate_at: u64) -> Self {
        let Some(dir) = dir else {
            return RunIds::default();
        };
        let files = Files {
            current: dir.join(FILE),
            previous: dir.join(PREVIOUS),
            rotate_at,
            open: Mutex::new(None),
            pending: Mutex::default(),
        };
        let known = files.read();
        let map = known
            .iter()
            .filter(|(_, (_, ended))| !*ended)
            .map(|(ext, (id, _))| (ext.clone(), id.clone()))
            .collect();
        // Ended runs are kept only while there is something to replay.
        let replay = Replay {
            ids: if compact {
                HashMap::new()
            } else {
                known.into_iter().map(|(ext, (id, _))| (ext, id)).collect()
            },
            starts: Default::default(),
        };
        let ids = RunIds {
            map: Mutex::new(map),
            replay: Mutex::new(replay),
            refused: Mutex::default(),
            files: Some(files),
        };
        if compact {
            ids.rotate_if_large(None);
        }
        ids
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
            if let Some(files) = &self.files {
                let fresh = files.read();
                if let Some((id, _)) = fresh.get(ext) {
                    let id = id.clone();
                    self.map
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(ext.to_owned(), id.clone());
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

    /// Runs whose starts are in segments earlier processes left: their ids
    /// stay known after they end here, for when those starts come round again.
    pub(crate) fn expect_replayed<'a>(&self, exts: impl IntoIterator<Item = &'a str>) {
        self.replay
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .starts
            .extend(exts.into_iter().map(str::to_owned));
    }

    pub(crate) fn is_refused(&self, ext: &str) -> bool {
        self.refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(ext)
    }

    pub(crate) fn get(&self, ext: &str) -> Option<String> {
        let live = self
            .map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(ext)
            .cloned();
        live.or_else(|| {
            self.replay
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .ids
                .get(ext)
                .cloned()
        })
    }

    pub(crate) fn started(&self, ext: &str, id: &str) {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(ext.to_owned(), id.to_owned());
        self.append(Line {
            ext: ext.to_owned(),
            id: Some(id.to_owned()),
            ended: false,
        });
    }

    pub(crate) fn ended(&self, ext: &str) {
        // Forgotten in memory so a long-lived process holds only the runs in
        // flight (and what a replay still needs); the file keeps the id for a
        // later process.
        let id = self
            .map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(ext);
        let mut replay = self.replay.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(id) = id
            && replay.starts.contains(ext)
        {
            replay.ids.insert(ext.to_owned(), id);
        }
        drop(replay);
        self.append(Line {
            ext: ext.to_owned(),
            id: None,
            ended: true,
        });
    }

    /// Queues `line` for the next [`RunIds::write_pending`].
    fn append(&self, line: Line) {
        let Some(files) = &self.files else { return };
        let mut pending = files.pending.lock().unwrap_or_else(PoisonError::into_inner);
        if serde_json::to_writer(&mut *pending, &line).is_ok() {
            pending.push(b'\n');
        }
    }

    /// Writes the lines queued since the last call. The pipeline calls it
    /// before it deletes or shrinks a segment (whose stream starts would
    /// otherwise be known to no later process) and every `linger` (for
    /// another process replaying the same spool); a crash loses at most
    /// lines whose starts are still in a segment on disk, and replaying
    /// such a start gets the same run back (its key is fixed).
    pub(crate) fn write_pending(&self) {
        let Some(files) = &self.files else { return };
        let bytes =
            std::mem::take(&mut *files.pending.lock().unwrap_or_else(PoisonError::into_inner));
        if bytes.is_empty() {
            return;
        }
        let written = files.append(&bytes);
        match written {
            Ok(len) => self.rotate_if_large(Some(len)),
            Err(e) => {
                tracing::warn!(target: "drip", error = %e, "cannot record a stream run id in the spool; a replay after a restart may not find its run");
            }
        }
    }

    /// Rotates the file once it is past its size (`len`, or read from disk).
    fn rotate_if_large(&self, len: Option<u64>) {
        let Some(files) = &self.files else { return };
        let len = len.or_else(|| fs::metadata(&files.current).ok().map(|m| m.len()));
        if len.is_none_or(|len| len <= files.rotate_at) {
            return;
        }
        // Held across the rename and the rewrite, so that a run starting
        // meanwhile is written after the runs in flight, not lost between.
        let map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        // The open handle would follow the file to its new name.
        *files.open.lock().unwrap_or_else(PoisonError::into_inner) = None;
        if let Err(e) = fs::rename(&files.current, &files.previous) {
            tracing::warn!(target: "drip", error = %e, "cannot rotate the drip stream-run file; it keeps growing");
            return;
        }
        let mut out = String::new();
        for (ext, id) in map.iter() {
            let line = Line {
                ext: ext.clone(),
                id: Some(id.clone()),
                ended: false,
            };
            if let Ok(s) = serde_json::to_string(&line) {
                out.push_str(&s);
                out.push('\n');
            }
        }
        // Appended, not truncated: another process sharing the spool may
        // already have written to the new file.
        let written = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&files.current)
            .and_then(|mut f| f.write_all(out.as_bytes()));
        if let Err(e) = written {
            tracing::warn!(target: "drip", error = %e, "cannot write the drip stream-run file after rotating it; runs in flight are still found in the previous one");
        }
    }
}

impl Drop for RunIds {
    fn drop(&mut self) {
        self.write_pending();
    }
}

impl Files {
    /// Appends `bytes` to `current` (opened if need be, reopened once
    /// another process sharing the spool rotated it: one `stat` per append
    /// instead of an open and a close); the file's length after.
    fn append(&self, bytes: &[u8]) -> std::io::Result<u64> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let current = fs::metadata(&self.current).ok();
        let stale = open
            .as_ref()
            .is_none_or(|o| o.id.is_none() || o.id != current.as_ref().and_then(file_id));
        if stale {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.current)?;
            let metadata = file.metadata()?;
            *open = Some(Appending {
                file,
                id: file_id(&metadata),
                len: metadata.len(),
            });
        }
        let Some(o) = open.as_mut() else {
            return Err(std::io::Error::other("the stream-run file is not open"));
        };
        if let Err(e) = o.file.write_all(bytes) {
            *open = None;
            return Err(e);
        }
        // Other processes may append too: the length is the file's.
        if !stale && let Some(m) = &current {
            o.len = m.len();
        }
        o.len += bytes.len() as u64;
        Ok(o.len)
    }

    /// Both generations, the current one read last so that it wins.
    fn read(&self) -> HashMap<String, (String, bool)> {
        let mut map = HashMap::new();
        read_file(&self.previous, &mut map);
        read_file(&self.current, &mut map);
        map
    }
}

fn read_file(file: &Path, map: &mut HashMap<String, (String, bool)>) {
    let Ok(text) = fs::read_to_string(file) else {
        return;
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("drip-run-ids-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn size(dir: &Path) -> u64 {
        [FILE, PREVIOUS]
            .iter()
            .filter_map(|f| fs::metadata(dir.join(f)).ok())
            .map(|m| m.len())
            .sum()
    }

    #[test]
    fn the_files_stay_bounded_and_recent_and_live_runs_stay_findable() {
        let dir = dir("rotate");
        let limit = 2_048;
        let ids = RunIds::load_with_limit(Some(&dir), true, limit);
        ids.started("live-early", "srv-live");
        for i in 0..2_000 {
            ids.started(&format!("run-{i}"), &format!("srv-{i}"));
            ids.ended(&format!("run-{i}"));
            ids.write_pending();
        }
        let lines = 2 * 2_000 * 30;
        assert!(
            size(&dir) <= 2 * limit + 200,
            "{} bytes for {lines} bytes written",
            size(&dir)
        );
        // A process started now (a replay after a restart) finds the run in
        // flight and the runs that ended last, but not the oldest ones.
        let later = RunIds::load_with_limit(Some(&dir), false, limit);
        assert_eq!(later.get("live-early").as_deref(), Some("srv-live"));
        let files = later.files.as_ref().unwrap().read();
        assert_eq!(
            files.get("run-1999").map(|(id, _)| id.as_str()),
            Some("srv-1999")
        );
        assert!(files.get("run-1999").is_some_and(|(_, ended)| *ended));
        assert!(
            !files.contains_key("run-0"),
            "the oldest runs are forgotten"
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_replayed_start_of_a_run_that_ended_meanwhile_is_still_recognised() {
        let dir = dir("replay");
        // An earlier process started "old" and ended it; its segments are left.
        let earlier = RunIds::load_with_limit(Some(&dir), true, u64::MAX);
        earlier.started("old", "srv-old");
        earlier.ended("old");
        earlier.write_pending();
        let ids = RunIds::load_with_limit(Some(&dir), false, u64::MAX);
        assert_eq!(ids.get("old").as_deref(), Some("srv-old"));
        // "new"'s start is in those segments twice over (moved ahead, and in
        // its own segment); the run ends in between.
        ids.expect_replayed(["new"]);
        ids.started("new", "srv-new");
        ids.ended("new");
        assert_eq!(ids.get("new").as_deref(), Some("srv-new"));
        // Runs of this process's own are forgotten when they end.
        ids.started("mine", "srv-mine");
        ids.ended("mine");
        assert_eq!(ids.get("mine"), None);
        // Without leftovers, ended runs are not kept in memory.
        let fresh = RunIds::load_with_limit(Some(&dir), true, u64::MAX);
        assert_eq!(fresh.get("old"), None);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_large_file_left_by_an_earlier_process_is_rotated_at_load_only_without_leftovers() {
        let dir = dir("load");
        let limit = 1_024;
        let first = RunIds::load_with_limit(Some(&dir), false, u64::MAX);
        for i in 0..100 {
            first.started(&format!("run-{i}"), &format!("srv-{i}"));
        }
        first.write_pending();
        let before = fs::metadata(dir.join(FILE)).unwrap().len();
        assert!(before > limit);
        RunIds::load_with_limit(Some(&dir), false, limit);
        assert_eq!(fs::metadata(dir.join(FILE)).unwrap().len(), before);
        let second = RunIds::load_with_limit(Some(&dir), true, limit);
        assert!(dir.join(PREVIOUS).exists());
        // Runs not ended are carried into the new file.
        assert_eq!(second.get("run-42").as_deref(), Some("srv-42"));
        let carried = fs::read_to_string(dir.join(FILE)).unwrap();
        assert_eq!(carried.lines().count(), 100);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_process_keeping_the_file_open_follows_another_process_rotating_it() {
        let dir = dir("shared");
        let limit = 4_096;
        let rotating = RunIds::load_with_limit(Some(&dir), false, limit);
        let other = RunIds::load_with_limit(Some(&dir), false, u64::MAX);
        other.started("before", "srv-before");
        for i in 0..400 {
            rotating.started(&format!("run-{i}"), &format!("srv-{i}"));
            rotating.write_pending();
            other.started(&format!("other-{i}"), &format!("srv-o{i}"));
            other.write_pending();
        }
        assert!(dir.join(PREVIOUS).exists(), "the file was rotated");
        // What the other process appended after the rotation is in the
        // current file, however many appends it made to a handle opened
        // before: a later process finds its newest runs.
        let later = RunIds::load_with_limit(Some(&dir), false, u64::MAX);
        let files = later.files.as_ref().unwrap().read();
        assert_eq!(
            files.get("other-399").map(|(id, _)| id.as_str()),
            Some("srv-o399")
        );
        assert_eq!(
            files.get("run-399").map(|(id, _)| id.as_str()),
            Some("srv-399")
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
