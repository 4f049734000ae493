//! Segments read back from disk: the spool earlier processes left, queued at
//! start ahead of this process's own work, and any segment whose envelopes
//! the memory budget did not keep.

use super::{Backlog, Held, Sealed, estimated_bytes};
use crate::delivery::envelope::Envelope;
use crate::delivery::event_wire;
use crate::delivery::report::Counters;
use crate::delivery::spool::{SegmentContents, SegmentFile};
use crate::delivery::submit::Shared;
use std::sync::atomic::Ordering;

/// Locks the segments earlier processes left for this spool, and those of a
/// directory whose key was refused for the same base URL (a rotated key);
/// oldest first.
pub(in crate::delivery) fn claim_leftovers(shared: &Shared) -> Vec<SegmentFile> {
    shared
        .spool
        .as_ref()
        .map(|s| {
            let mut files = s.claim_leftovers();
            files.extend(
                s.claim_key_refused(&crate::delivery::spool::key_refused_owner(
                    &shared.config.base_url,
                    shared.config.api_key.as_deref().unwrap_or_default(),
                )),
            );
            // Oldest first, whichever directory they came from.
            files.sort_by(|a, b| a.path().file_name().cmp(&b.path().file_name()));
            files
        })
        .unwrap_or_default()
}

impl Backlog {
    /// Queues the segments earlier processes left, ahead of this process's
    /// own, counting what they hold; their envelopes are read when their
    /// turn comes.
    ///
    /// Their stream-run starts go first, in a segment of their own (whose
    /// delivery starts parents before nested runs): a
    /// segment's name orders it by creation, and a run's start can sit in a
    /// segment created after the one holding its events (callers began
    /// spilling while the start still waited in the queue). Sent in name
    /// order, those events would wait for a start that comes later, and be
    /// refused. Replayed again from its own segment, a start is recognised
    /// and skipped.
    pub(in crate::delivery) fn adopt_leftovers(&mut self, files: Vec<SegmentFile>) {
        let mut starts = Vec::new();
        let scanned: Vec<_> = files
            .into_iter()
            .map(|file| {
                // Unreadable now: read (and reported) again at its turn.
                let scan = file.scan().unwrap_or_default();
                starts.extend(scan.starts);
                (file, scan.items)
            })
            .collect();
        if !starts.is_empty() {
            self.dispatcher
                .runs()
                .expect_replayed(starts.iter().filter_map(Envelope::external_run_id));
            // One segment: its delivery sends parents before nested runs.
            // Read from inherited segments: sanitised like them.
            let privacy = &self.shared.counters.privacy;
            starts
                .iter_mut()
                .for_each(|e| event_wire::prepare(e, privacy));
            let memory_bytes = starts.iter().map(estimated_bytes).sum();
            self.in_memory += memory_bytes;
            let id = self.next_segment_id;
            self.next_segment_id += 1;
            self.sealed.push_back(Sealed {
                id,
                file: None,
                envelopes: Some(Held {
                    envelopes: starts,
                    ..Held::default()
                }),
                memory_bytes,
                spooled_items: 0,
                items: 0,
                // Sanitised above.
                inherited: false,
                // As old as the work it stands for (the pending-age gauge).
                created_ms: scanned
                    .iter()
                    .map(|(file, _)| file.created_ms())
                    .min()
                    .unwrap_or_else(crate::delivery::spool::unix_ms),
            });
        }
        for (file, items) in scanned {
            Counters::add(&self.shared.counters.spooled, items);
            self.push_spooled(file, items, true);
        }
    }

    /// Reads a segment back from disk, after its first `kept` lines (held
    /// in memory); counts what cannot be read as dropped.
    pub(super) fn read_back(&mut self, segment: &Sealed, kept: usize) -> Option<Vec<Envelope>> {
        let file = segment.file.as_ref()?;
        // Inherited batches are read typed, to cross this process's boundary again.
        match file.read_after(kept, segment.inherited) {
            Ok(contents) => {
                self.report_damage(&contents, file.path());
                let mut envelopes = contents.envelopes;
                if segment.inherited {
                    let privacy = &self.shared.counters.privacy;
                    envelopes
                        .iter_mut()
                        .for_each(|e| event_wire::prepare(e, privacy));
                }
                Some(envelopes)
            }
            Err(e) => {
                tracing::error!(target: "drip", error = %e, segment = %file.path().display(), "cannot read a drip spool segment; its items are counted as dropped");
                let segment_items = segment.spooled_items;
                self.shared
                    .counters
                    .spooled
                    .fetch_sub(segment_items, Ordering::Relaxed);
                self.shared
                    .counters
                    .drop_items(segment.items.max(1), "unreadable spool segment");
                None
            }
        }
    }

    /// Logs, and counts as dropped, what a segment read back could not give.
    fn report_damage(&self, contents: &SegmentContents, path: &std::path::Path) {
        if contents.corrupt_lines > 0 {
            tracing::error!(target: "drip", lines = contents.corrupt_lines, segment = %path.display(), "corrupted lines in a drip spool segment were skipped");
            self.shared
                .counters
                .drop_items(contents.corrupt_lines, "corrupted spool lines");
        }
        if contents.torn_tail {
            tracing::warn!(target: "drip", segment = %path.display(), "a drip spool segment ends in a line cut short by a crash; it was skipped");
            self.shared.counters.drop_items(1, "torn spool line");
        }
    }
}
