//! The disk spool: append-only segment files of envelopes (one JSON line each)
//! in one directory, plus the dead-letter file.
//!
//! * Every envelope the transport takes is appended to the open segment and
//!   the segment is synced when it is sealed (every `linger`, or when full),
//!   before anything in it is sent. So a process killed outright loses at most
//!   what it had not yet sealed.
//! * A segment is deleted once everything in it is acknowledged (sent,
//!   duplicate or dead-lettered).
//! * Segment names sort by creation time; at start-up the segments of earlier
//!   processes are replayed in that order.
//! * Each segment is held under an exclusive file lock by the process that
//!   writes or replays it, so two processes on one spool never replay the same
//!   segment.

mod dead_letter;
mod segment;

pub(crate) use dead_letter::DeadLetters;
pub(crate) use segment::{AppendError, SegmentContents, SegmentFile, SegmentWriter};

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A segment is sealed at this size, by the transport and by callers
/// spilling alike, which bounds what one delivery reads back into memory.
pub(crate) const SEGMENT_MAX_BYTES: u64 = 2 * 1024 * 1024;
const SEGMENT_PREFIX: &str = "seg-";
const SEGMENT_SUFFIX: &str = ".jsonl";
/// In a spool directory whose key the API refused (401/403): the base URL
/// its work is for. Another process on that URL, with another key, adopts
/// the work (a rotated key), as it adopts its own directory's leftovers.
pub(crate) const KEY_REFUSED_MARKER: &str = "key-refused";

/// What the marker of a spool held for a refused key says, and what a new
/// process must match to adopt its work: the base URL and the environment of
/// the key (`live` / `test`), so that work recorded with a test key never
/// reaches a live account, nor the other way round.
pub(crate) fn key_refused_owner(base_url: &str, api_key: &str) -> String {
    let env = if api_key.contains("_live_") {
        "live"
    } else if api_key.contains("_test_") {
        "test"
    } else {
        "other"
    };
    format!("{}\n{env}", base_url.trim_end_matches('/'))
}

/// Milliseconds since the Unix epoch.
pub(crate) fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// One spool directory, shared by the transport and (on overflow) callers.
#[derive(Debug)]
pub(crate) struct Spool {
    dir: PathBuf,
    max_bytes: u64,
    /// Bytes of the segments this process writes or has claimed.
    bytes: AtomicU64,
    next_seq: AtomicU64,
    process_tag: String,
}

impl Spool {
    /// Opens (creating it if needed) the spool directory.
    pub(crate) fn open(dir: PathBuf, max_bytes: u64) -> crate::Result<Self> {
        fs::create_dir_all(&dir).map_err(|source| crate::Error::Io {
            context: format!(
                "cannot create the drip spool directory {}; set DRIP_SPOOL_DIR or Config::spool_dir to a writable directory",
                dir.display()
            ),
            source,
        })?;
        // Prove we can write here now rather than at the first outage.
        let probe = dir.join(format!(".probe-{}", std::process::id()));
        fs::write(&probe, b"")
            .and_then(|()| fs::remove_file(&probe))
            .map_err(|source| crate::Error::Io {
                context: format!(
                    "the drip spool directory {} is not writable; set DRIP_SPOOL_DIR or Config::spool_dir to a writable directory",
                    dir.display()
                ),
                source,
            })?;
        // The pid alone can repeat across containers sharing one volume.
        let process_tag = format!(
            "{:08x}{:06x}",
            std::process::id(),
            crate::random::random_u64() & 0xff_ffff
        );
        Ok(Spool {
            dir,
            max_bytes,
            bytes: AtomicU64::new(0),
            next_seq: AtomicU64::new(0),
            process_tag,
        })
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    fn new_segment_path(&self) -> (PathBuf, u64) {
        let ms = unix_ms();
        (self.segment_path_at(ms), ms)
    }

    /// A fresh segment name that sorts as created at `ms`.
    fn segment_path_at(&self, ms: u64) -> PathBuf {
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        let name = format!(
            "{SEGMENT_PREFIX}{ms:013}-{}-{seq:08}{SEGMENT_SUFFIX}",
            self.process_tag
        );
        self.dir.join(name)
    }

    /// Reserves `n` bytes under the cap; false when the spool is full.
    pub(crate) fn reserve(&self, n: u64) -> bool {
        let mut current = self.bytes.load(Ordering::Relaxed);
        loop {
            if current.saturating_add(n) > self.max_bytes {
                return false;
            }
            match self.bytes.compare_exchange_weak(
                current,
                current + n,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
    }

    pub(crate) fn release(&self, n: u64) {
        let _ = self
            .bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                Some(b.saturating_sub(n))
            });
    }

    /// Segments left by earlier (or other, dead) processes, in creation order,
    /// each claimed under its lock. Segments locked by a live process are skipped.
    pub(crate) fn claim_leftovers(&self) -> Vec<SegmentFile> {
        let mut names: Vec<PathBuf> = match fs::read_dir(&self.dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| is_segment_name(p))
                .collect(),
            Err(e) => {
                tracing::warn!(target: "drip", error = %e, dir = %self.dir.display(), "cannot list the drip spool");
                return Vec::new();
            }
        };
        names.sort();
        let mut claimed = Vec::new();
        for path in names {
            match SegmentFile::claim(&path, self) {
                Ok(Some(seg)) => {
                    self.bytes.fetch_add(seg.bytes(), Ordering::Relaxed);
                    claimed.push(seg);
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(target: "drip", error = %e, segment = %path.display(), "cannot open a drip spool segment; leaving it for a later start");
                }
            }
        }
        claimed
    }
}

impl Spool {
    /// Claims the leftovers of sibling spool directories marked as refused
    /// for their key on `base_url`, moving each segment (under its lock) into
    /// this directory. Segments a live process holds are left to it.
    pub(crate) fn claim_key_refused(&self, owner: &str) -> Vec<SegmentFile> {
        let Some(root) = self.dir.parent() else {
            return Vec::new();
        };
        let Ok(siblings) = fs::read_dir(root) else {
            return Vec::new();
        };
        let mut claimed = Vec::new();
        for dir in siblings.filter_map(|e| Some(e.ok()?.path())) {
            let marker = dir.join(KEY_REFUSED_MARKER);
            if dir == self.dir || fs::read_to_string(&marker).ok().as_deref() != Some(owner) {
                continue;
            }
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            let mut names: Vec<PathBuf> = entries
                .filter_map(|e| Some(e.ok()?.path()))
                .filter(|p| is_segment_name(p))
                .collect();
            names.sort();
            let mut left = false;
            for path in names {
                match SegmentFile::claim(&path, self).and_then(|seg| match seg {
                    Some(mut seg) => seg.relocate(&self.dir).map(|()| Some(seg)),
                    None => Ok(None),
                }) {
                    Ok(Some(seg)) => {
                        self.bytes.fetch_add(seg.bytes(), Ordering::Relaxed);
                        claimed.push(seg);
                    }
                    Ok(None) => left = true,
                    Err(e) => {
                        left = true;
                        tracing::warn!(target: "drip", error = %e, segment = %path.display(), "cannot adopt a drip spool segment refused for its key");
                    }
                }
            }
            if !claimed.is_empty() {
                tracing::info!(target: "drip", segments = claimed.len(), from = %dir.display(), "drip adopted work held for a refused API key");
            }
            if !left {
                let _ = fs::remove_file(&marker);
            }
        }
        claimed
    }
}

fn is_segment_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(SEGMENT_PREFIX) && n.ends_with(SEGMENT_SUFFIX))
}

/// Creation time (Unix ms) encoded in a segment's name.
fn created_ms_from_name(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    name.strip_prefix(SEGMENT_PREFIX)?
        .split('-')
        .next()?
        .parse()
        .ok()
}

pub(crate) fn io_error(context: impl Into<String>, source: io::Error) -> crate::Error {
    crate::Error::Io {
        context: context.into(),
        source,
    }
}
