//! One segment file: written append-only by a [`SegmentWriter`], then held as a
//! [`SegmentFile`] until everything in it is acknowledged.

use super::{Spool, created_ms_from_name, io_error};
use crate::delivery::envelope::Envelope;
use crate::delivery::event_wire::EventJson;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Why an envelope could not be appended.
#[derive(Debug)]
pub(crate) enum AppendError {
    /// The spool's size cap would be exceeded.
    Full,
    /// The file could not be written.
    Io(io::Error),
}

/// The open segment. Lines are buffered and reach the disk when the buffer
/// fills, the segment is synced or flushed, or it is sealed.
#[derive(Debug)]
pub(crate) struct SegmentWriter {
    path: PathBuf,
    file: BufWriter<File>,
    bytes: u64,
    items: u64,
    /// Items appended since the last flush: not yet handed to the OS, so a
    /// crash would lose them. Counted as spooled only once flushed.
    unflushed: u64,
    entries: usize,
    created_ms: u64,
    line: Vec<u8>,
}

impl SegmentWriter {
    /// Creates a new, exclusively locked segment.
    pub(crate) fn create(spool: &Spool) -> crate::Result<Self> {
        let (path, created_ms) = spool.new_segment_path();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| {
                io_error(
                    format!("cannot create drip spool segment {}", path.display()),
                    e,
                )
            })?;
        // A fresh name nobody else knows yet: the lock cannot be contended.
        if let Err(TryLockError::Error(e)) = file.try_lock() {
            return Err(io_error(
                format!("cannot lock drip spool segment {}", path.display()),
                e,
            ));
        }
        Ok(SegmentWriter {
            path,
            file: BufWriter::with_capacity(64 * 1024, file),
            bytes: 0,
            items: 0,
            unflushed: 0,
            entries: 0,
            created_ms,
            line: Vec::with_capacity(512),
        })
    }

    /// Appends one envelope as a JSON line, within the spool's cap.
    /// Returns the line's length.
    pub(crate) fn append(
        &mut self,
        spool: &Spool,
        envelope: &Envelope,
    ) -> Result<usize, AppendError> {
        if let Err(e) = write_line(envelope, &mut self.line) {
            return Err(AppendError::Io(e));
        }
        let line = std::mem::take(&mut self.line);
        let result = self.append_line(spool, &line, envelope.items());
        self.line = line;
        result
    }

    /// Appends a line already serialised, without its newline, holding `items` items.
    pub(crate) fn append_unterminated(
        &mut self,
        spool: &Spool,
        line: &[u8],
        items: u64,
    ) -> Result<usize, AppendError> {
        self.append_parts(spool, line, b"\n", items)
    }

    /// Appends a line already serialised (newline included) holding `items` items.
    pub(crate) fn append_line(
        &mut self,
        spool: &Spool,
        line: &[u8],
        items: u64,
    ) -> Result<usize, AppendError> {
        self.append_parts(spool, line, b"", items)
    }

    /// Appends the line `head` + `tail`; its length.
    fn append_parts(
        &mut self,
        spool: &Spool,
        head: &[u8],
        tail: &[u8],
        items: u64,
    ) -> Result<usize, AppendError> {
        let len = head.len() + tail.len();
        let n = len as u64;
        if !spool.reserve(n) {
            return Err(AppendError::Full);
        }
        if let Err(e) = self
            .file
            .write_all(head)
            .and_then(|()| self.file.write_all(tail))
        {
            spool.release(n);
            return Err(AppendError::Io(e));
        }
        self.bytes += n;
        self.items += items;
        self.unflushed += items;
        self.entries += 1;
        Ok(len)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries == 0
    }

    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    pub(crate) fn items(&self) -> u64 {
        self.items
    }

    pub(crate) fn created_ms(&self) -> u64 {
        self.created_ms
    }

    /// Renames the open segment so that it sorts as created at `ms`: a
    /// restart replays segments in name order, and work the transport took
    /// from the queue is older than what callers spilled meanwhile, though
    /// its segment may have been opened later.
    pub(crate) fn backdate(&mut self, spool: &Spool, ms: u64) -> io::Result<()> {
        let to = spool.segment_path_at(ms);
        fs::rename(&self.path, &to)?;
        self.path = to;
        self.created_ms = ms;
        Ok(())
    }

    /// Items appended but not yet flushed to the OS.
    pub(crate) fn unflushed(&self) -> u64 {
        self.unflushed
    }

    /// Hands what was appended to the OS (it survives the process being
    /// killed, not a power cut); returns how many items that made safe.
    pub(crate) fn flush(&mut self) -> io::Result<u64> {
        self.file.flush()?;
        Ok(std::mem::take(&mut self.unflushed))
    }

    /// Makes what was appended so far durable without sealing; returns how
    /// many items were not flushed before.
    pub(crate) fn sync(&mut self) -> io::Result<u64> {
        let newly = self.flush()?;
        self.file.get_ref().sync_data()?;
        Ok(newly)
    }

    /// Flushes and syncs the segment; it is durable from here on.
    pub(crate) fn seal(self) -> crate::Result<SegmentFile> {
        let SegmentWriter {
            path,
            file,
            bytes,
            items,
            created_ms,
            ..
        } = self;
        let file = file.into_inner().map_err(|e| {
            io_error(
                format!("cannot write drip spool segment {}", path.display()),
                e.into_error(),
            )
        })?;
        file.sync_data().map_err(|e| {
            io_error(
                format!("cannot sync drip spool segment {}", path.display()),
                e,
            )
        })?;
        Ok(SegmentFile {
            path,
            file,
            bytes,
            items,
            created_ms,
        })
    }

    /// Gives the segment up without sealing (its lines may be incomplete).
    pub(crate) fn discard(self, spool: &Spool) {
        spool.release(self.bytes);
        let _ = fs::remove_file(&self.path);
    }
}

/// A sealed segment, held under its lock until acknowledged.
#[derive(Debug)]
pub(crate) struct SegmentFile {
    path: PathBuf,
    file: File,
    bytes: u64,
    items: u64,
    created_ms: u64,
}

/// What reading a segment back found.
#[derive(Debug, Default)]
pub(crate) struct SegmentContents {
    pub envelopes: Vec<Envelope>,
    /// Lines that did not parse (counted as losses).
    pub corrupt_lines: u64,
    /// An unterminated last line (a write cut short by a crash).
    pub torn_tail: bool,
}

impl SegmentFile {
    /// Opens and locks a segment left by another process. `None` when a live
    /// process holds it, or it vanished (already delivered by someone else).
    pub(crate) fn claim(path: &Path, _spool: &Spool) -> io::Result<Option<SegmentFile>> {
        let file = match OpenOptions::new().read(true).write(true).open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => return Err(e),
        }
        // The owner may have deleted the file between our open and our lock:
        // only the file still reachable under its name is worth replaying.
        if !same_file(path, &file) {
            return Ok(None);
        }
        let bytes = file.metadata()?.len();
        let created_ms = created_ms_from_name(path).unwrap_or_else(super::unix_ms);
        // Not read here: claiming runs in `init`, on the caller's thread. The
        // transport reads (and counts) the segment when it adopts it.
        Ok(Some(SegmentFile {
            path: path.to_owned(),
            file,
            bytes,
            items: 0,
            created_ms,
        }))
    }

    /// Moves the (locked) segment into `dir`, keeping its name.
    pub(crate) fn relocate(&mut self, dir: &Path) -> io::Result<()> {
        let Some(name) = self.path.file_name() else {
            return Err(io::Error::other("a spool segment path without a file name"));
        };
        let to = dir.join(name);
        fs::rename(&self.path, &to)?;
        self.path = to;
        Ok(())
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    pub(crate) fn items(&self) -> u64 {
        self.items
    }

    pub(crate) fn created_ms(&self) -> u64 {
        self.created_ms
    }

    /// Reads the envelopes back after the first `skip` lines (the ones a
    /// writer kept in memory, not parsed again), skipping (and reporting)
    /// corrupt lines and a torn last line. Event batches stay their lines
    /// (`Envelope::StreamWire`) unless `typed`.
    pub(crate) fn read_after(&self, skip: usize, typed: bool) -> io::Result<SegmentContents> {
        Ok(parse_lines_after(self.read_raw()?.into(), skip, typed))
    }

    /// Billable items in the segment and its stream-run starts, found
    /// without building the other envelopes (several times faster than
    /// [`SegmentFile::read_after`]), for segments an earlier process left.
    pub(crate) fn scan(&self) -> io::Result<Scan> {
        Ok(scan(&self.read_raw()?))
    }

    fn read_raw(&self) -> io::Result<Vec<u8>> {
        // The handle that wrote the segment has its cursor at the end.
        (&self.file).seek(io::SeekFrom::Start(0))?;
        let mut raw = Vec::with_capacity(usize::try_from(self.bytes).unwrap_or(0));
        (&self.file).read_to_end(&mut raw)?;
        Ok(raw)
    }

    /// Deletes the segment: everything in it was acknowledged.
    pub(crate) fn delete(self, spool: &Spool) {
        if let Err(e) = fs::remove_file(&self.path)
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(target: "drip", error = %e, segment = %self.path.display(), "cannot delete an acknowledged drip spool segment; its events will be re-sent as duplicates at the next start");
        }
        spool.release(self.bytes);
        // Dropping `file` releases the lock after the name is gone.
    }

    /// Replaces the contents with `remaining` (what is still unacknowledged),
    /// atomically: a crash leaves either the old or the new contents.
    pub(crate) fn rewrite(&mut self, spool: &Spool, remaining: &[Envelope]) -> io::Result<()> {
        let tmp = self.path.with_extension("rewrite");
        let mut out = Vec::new();
        let mut line = Vec::new();
        for env in remaining {
            write_line(env, &mut line)?;
            out.extend_from_slice(&line);
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        if let Err(TryLockError::Error(e)) = file.try_lock() {
            return Err(e);
        }
        (&file).write_all(&out)?;
        file.sync_data()?;
        fs::rename(&tmp, &self.path)?;
        spool.release(self.bytes);
        let new_bytes = out.len() as u64;
        spool
            .bytes
            .fetch_add(new_bytes, std::sync::atomic::Ordering::Relaxed);
        self.file = file;
        self.bytes = new_bytes;
        self.items = remaining.iter().map(Envelope::items).sum();
        Ok(())
    }
}

/// The spool line of `envelope` (newline included) in `line`: an event
/// batch written by hand (`event_wire::EventJson`), anything else by serde.
fn write_line(envelope: &Envelope, line: &mut Vec<u8>) -> io::Result<()> {
    line.clear();
    match envelope {
        Envelope::StreamWire { json, .. } => {
            line.extend_from_slice(json.line());
            line.push(b'\n');
        }
        Envelope::Run {
            events_json: Some(events),
            ..
        } => events
            .write_line(envelope, line)
            .ok_or_else(|| io::Error::other("a record-mode run that does not serialise"))?,
        Envelope::StreamEvents {
            external_run_id,
            events,
        } => {
            EventJson::write(external_run_id, events, line)
                .ok_or_else(|| io::Error::other("an event batch too large for a spool line"))?;
        }
        _ => {
            serde_json::to_writer(&mut *line, envelope).map_err(io::Error::other)?;
            line.push(b'\n');
        }
    }
    Ok(())
}

#[cfg(test)]
fn parse_lines(raw: &[u8]) -> SegmentContents {
    parse_lines_after(bytes::Bytes::copy_from_slice(raw), 0, true)
}

/// The envelopes after the first `skip` lines: event batches kept as their
/// lines (`Envelope::read_line`) unless `typed`.
fn parse_lines_after(raw: bytes::Bytes, mut skip: usize, typed: bool) -> SegmentContents {
    let mut contents = SegmentContents::default();
    contents.torn_tail = for_each_line(&raw, |line| {
        if skip > 0 {
            skip -= 1;
            return;
        }
        let read = if typed {
            Envelope::from_line(line)
        } else {
            // Batches keep a slice of the segment's bytes, not a copy.
            Envelope::read_line(&raw.slice_ref(line))
        };
        match read {
            Ok(env) => contents.envelopes.push(env),
            Err(_) => contents.corrupt_lines += 1,
        }
    });
    contents
}

/// Calls `f` on every complete, non-blank line; whether the last line is
/// unterminated (torn by a crash, and skipped).
fn for_each_line(raw: &[u8], mut f: impl FnMut(&[u8])) -> bool {
    let mut rest = raw;
    while !rest.is_empty() {
        let Some(end) = memchr::memchr(b'\n', rest) else {
            return true;
        };
        let line = &rest[..end];
        rest = &rest[end + 1..];
        if !line.iter().all(u8::is_ascii_whitespace) {
            f(line);
        }
    }
    false
}

/// What a scan of a segment finds.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// What [`Envelope::items`] would count, summed over the lines.
    pub items: u64,
    /// The stream-run starts (`Envelope::StreamStart`), in file order.
    pub starts: Vec<Envelope>,
}

/// Reads each line for its item count (skipping over the JSON rather than
/// building it) and keeps the stream-run starts. Corrupt lines count nothing.
fn scan(raw: &[u8]) -> Scan {
    let mut scan = Scan::default();
    for_each_line(raw, |line| match serde_json::from_slice::<Skim>(line) {
        Ok(Skim::RecordRun(c)) => scan.items += c.run.events.0,
        Ok(Skim::Run(c) | Skim::StreamEvents(c) | Skim::SpilledEvents(c) | Skim::SpilledRun(c)) => {
            scan.items += c.events.0
        }
        Ok(Skim::TrackUsage(_) | Skim::RecordCharge(_) | Skim::Usage(_) | Skim::Charge(_)) => {
            scan.items += 1
        }
        // Starts are few and small: read whole.
        Ok(Skim::StartRun(_) | Skim::StreamStart(_)) => {
            scan.starts.extend(Envelope::from_line(line).ok())
        }
        Ok(Skim::EndRun(_) | Skim::StreamEnd(_)) | Err(_) => {}
    });
    scan
}

/// An envelope line read for its item count and starts: the tags of
/// [`Envelope`], the spill records' (`delivery/spill_record.rs`), then those
/// of the earlier format (`envelope::legacy`).
#[derive(serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Skim {
    RecordRun(RecordCount),
    StartRun(serde::de::IgnoredAny),
    StreamEvents(EventCount),
    EndRun(serde::de::IgnoredAny),
    TrackUsage(serde::de::IgnoredAny),
    RecordCharge(serde::de::IgnoredAny),
    SpilledEvents(EventCount),
    SpilledRun(EventCount),
    Run(EventCount),
    StreamStart(serde::de::IgnoredAny),
    StreamEnd(serde::de::IgnoredAny),
    Usage(serde::de::IgnoredAny),
    Charge(serde::de::IgnoredAny),
}

#[derive(serde::Deserialize)]
struct RecordCount {
    run: EventCount,
}

#[derive(serde::Deserialize)]
struct EventCount {
    events: SeqLen,
}

/// The length of a JSON array, its elements skipped.
struct SeqLen(u64);

impl<'de> serde::Deserialize<'de> for SeqLen {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = SeqLen;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<SeqLen, A::Error> {
                let mut n = 0;
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(SeqLen(n))
            }
        }
        d.deserialize_seq(Visitor)
    }
}

#[cfg(unix)]
fn same_file(path: &Path, file: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (fs::metadata(path), file.metadata()) {
        (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(path: &Path, _file: &File) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanning_agrees_with_reading() {
        use crate::delivery::envelope::end_run;
        use crate::model::{Charge, Event, RecordRun, RunStatus, StartRun, TrackUsage};
        let events = |n: usize| (0..n).map(|_| Event::plan("step")).collect::<Vec<_>>();
        let run = RecordRun::new("cus_1", "agent", RunStatus::Completed)
            .external_run_id("run_1")
            .events(events(3));
        let envelopes = [
            Envelope::record(run, None),
            Envelope::stream_start(
                StartRun::new("cus_1", "").external_run_id("run_2"),
                "agent",
                None,
            ),
            Envelope::StreamEvents {
                external_run_id: "run_2".into(),
                events: events(5),
            },
            Envelope::stream_end("run_2", end_run(RunStatus::Completed, None, None)),
            Envelope::usage(TrackUsage::new("cus_1", "calls", 2.0).idempotency_key("k")),
            Envelope::charge(Charge::new("cus_1", "calls", 2.0).idempotency_key("c")),
        ];
        let mut raw = Vec::new();
        for envelope in &envelopes {
            serde_json::to_writer(&mut raw, envelope).unwrap();
            raw.push(b'\n');
        }
        // The earlier format's lines count the same.
        raw.extend_from_slice(concat!(
            r#"{"run":{"customer_id":"cus_1","workflow":"w","external_run_id":"run_3","status":"COMPLETED","events":[{"eventType":"agent.plan","idempotencyKey":"evt_1","timestamp":"2026-12-04T15:14:30.694Z"}]}}"#,
            "\n",
            r#"{"stream_start":{"customer_id":"cus_1","workflow":"w","external_run_id":"run_4"}}"#,
            "\n",
            r#"{"usage":{"customer_id":"cus_1","meter":"m","quantity":1.0,"idempotency_key":"u"}}"#,
            "\n",
        ).as_bytes());
        raw.extend_from_slice(b"{not json}\n{\"stream_events\":{\"exte");
        let read = parse_lines(&raw).envelopes;
        assert_eq!(read.len(), envelopes.len() + 3);
        let items: u64 = read.iter().map(Envelope::items).sum();
        assert_eq!(items, 3 + 5 + 1 + 1 + 1 + 1);
        let scanned = scan(&raw);
        assert_eq!(scanned.items, items);
        let starts: Vec<_> = read
            .into_iter()
            .filter(|e| matches!(e, Envelope::StreamStart { .. }))
            .collect();
        assert_eq!(starts.len(), 2);
        assert_eq!(scanned.starts, starts);
    }

    #[test]
    fn a_damaged_spill_record_loses_only_its_line() {
        let record = concat!(
            r#"{"spilled_events":{"external_run_id":"run_s","nonce":"00000000000000ab","key":1,"#,
            r#""wall_ns":1764000000000000000,"events":[[0,1,2,0],[0,3,4,3]],"sites":[["t",[]]]}}"#
        );
        let end = serde_json::to_string(&Envelope::stream_end(
            "run_s",
            crate::delivery::envelope::end_run(crate::model::RunStatus::Completed, None, None),
        ))
        .unwrap();
        let bad_index = record.replace("[0,3,4,3]", "[5,3,4,3]");
        let raw = format!("{record}\n{bad_index}\n{end}\n{record}\n");
        // This process's own segment: the batch as its line.
        let own = parse_lines_after(bytes::Bytes::copy_from_slice(raw.as_bytes()), 0, false);
        assert_eq!(own.corrupt_lines, 1);
        assert_eq!(own.envelopes.len(), 3);
        assert!(
            matches!(&own.envelopes[0], Envelope::StreamWire { json, .. } if json.len() == 2 && json.is_checked())
        );
        assert!(matches!(&own.envelopes[1], Envelope::StreamEnd { .. }));
        // An earlier process's: typed events, to cross this process's boundary again.
        let inherited = parse_lines(raw.as_bytes());
        assert_eq!(inherited.corrupt_lines, 1);
        assert!(
            matches!(&inherited.envelopes[0], Envelope::StreamEvents { events, .. } if events.len() == 2 && !events[0].is_built_clean())
        );
        // A scan counts the records' events (the damaged one's too: counted
        // spooled, then dropped when read).
        assert_eq!(scan(raw.as_bytes()).items, 6);
    }

    #[test]
    fn a_damaged_run_record_loses_only_its_line() {
        let record = concat!(
            r#"{"spilled_run":{"nonce":"00000000000000ab","key":1,"wall_ns":1764000000000000000,"#,
            r#""events":[[0,1,2,0],[0,3,4,2],[0,5,6,0]],"sites":[["t",[]]],"run":{"record_run":{"run":"#,
            r#"{"customerId":"cus_1","workflow":"w","events":[],"status":"COMPLETED","externalRunId":"run_r"}}}}}"#
        );
        let damaged = [
            record.replace("\"COMPLETED\"", "7"),
            record.replace("[0,5,6,0]", "[0,5,6,0,\"E\",9]"),
            record[..record.len() - 3].to_owned(),
        ];
        let raw = format!(
            "{record}\n{}\n{}\n{record}\n{}\n",
            damaged[0], damaged[1], damaged[2]
        );
        let own = parse_lines_after(bytes::Bytes::copy_from_slice(raw.as_bytes()), 0, false);
        assert_eq!((own.corrupt_lines, own.envelopes.len()), (3, 2));
        assert!(own.envelopes.iter().all(|e| matches!(
            e,
            Envelope::Run { events_json: Some(json), .. } if json.len() == 3
        )));
        let inherited = parse_lines(raw.as_bytes());
        assert_eq!(inherited.corrupt_lines, 3);
        assert!(inherited.envelopes.iter().all(|e| matches!(
            e,
            Envelope::Run { run, events_json: None, .. } if run.events.len() == 3
        )));
        // Counted like any run's events: the damaged ones' too, but for
        // the one that is not JSON.
        assert_eq!(scan(raw.as_bytes()).items, 12);
    }

    #[test]
    fn torn_and_corrupt_lines_are_skipped_and_reported() {
        let good = serde_json::to_string(&Envelope::stream_end(
            "r",
            crate::delivery::envelope::end_run(crate::model::RunStatus::Completed, None, None),
        ))
        .unwrap();
        let raw = format!("{good}\n{{not json\n{good}\n{{\"kind\":\"us");
        let c = parse_lines(raw.as_bytes());
        assert_eq!(c.envelopes.len(), 2);
        assert_eq!(c.corrupt_lines, 1);
        assert!(c.torn_tail);
        // Lines held in memory are skipped, not parsed.
        let after = parse_lines_after(bytes::Bytes::copy_from_slice(raw.as_bytes()), 2, true);
        assert_eq!(after.envelopes.len(), 1);
        assert_eq!(after.corrupt_lines, 0);
    }
}
