//! The shared driver of every reader: the prologue (the whole file read once and hashed, an
//! empty file refused) and the epilogue (each chunk's records counted as they pass, the chunks
//! finished in parallel with their row offsets, each reconciled with what the reader handed
//! over, and the file's facts assembled into one [`Loaded`]).
//!
//! ```text
//!  reader ─ header ─▶ bind ─▶ target ─▶ Chunks::sink ─▶ ChunkSink (counts) ─▶ RecordSink
//!                                         Chunks::push(sink, lines before the chunk)
//!                                         Chunks::finish ─par─▶ finish(offset), reconcile ─▶ Loaded
//! ```

use std::io::Read;
use std::path::Path;

use rayon::prelude::*;

use super::record::{Finished, RecordSink, RecordTarget, RowView, Verdict};
use crate::digest::sha256_hex;
use crate::error::{Error, Result};
use crate::profile::{Format, ReadSpec};

/// An evidence file as the readers see it: where it is, its format and its resolved profile.
#[derive(Clone, Copy, Debug)]
pub struct Evidence<'a> {
    /// Where to open it (read-only).
    pub path: &'a Path,
    /// Its container format.
    pub format: Format,
    /// Its profile, resolved.
    pub spec: &'a ReadSpec,
}

/// Records of one file as the reader handed them over (counted by the driver, not by the
/// consumer, so that the two reconcile). A *row* is what the consumer was given: a record, or in
/// an exploded file an item or a record quarantined whole (no usable array).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RecordCounts {
    /// Rows handed over (accepted + quarantined + filtered).
    pub rows_read: u64,
    /// Records found: rows, except that the items of an exploded record count it once.
    pub records: u64,
    /// Items of exploded records handed over (0 in a file that is not exploded).
    pub items: u64,
    /// Records the consumer kept.
    pub accepted: u64,
    /// Records quarantined, by the reader or by the consumer.
    pub quarantined: u64,
    /// Records the consumer's row filter left out.
    pub filtered: u64,
    /// Blank lines passed over (not records).
    pub blank_lines: u64,
}

impl RecordCounts {
    /// Adds another chunk's counts.
    pub fn add(&mut self, o: &RecordCounts) {
        self.rows_read += o.rows_read;
        self.records += o.records;
        self.items += o.items;
        self.accepted += o.accepted;
        self.quarantined += o.quarantined;
        self.filtered += o.filtered;
        self.blank_lines += o.blank_lines;
    }
}

/// What a reader produced from one file.
#[derive(Debug)]
pub struct Loaded<C> {
    /// The consumer's chunks, in file order.
    pub chunks: Vec<C>,
    /// The records, as the reader handed them over.
    pub counts: RecordCounts,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// The file's size in bytes.
    pub bytes: u64,
    /// Lines or rows that are not records: preamble, header, declared skips.
    pub skipped: u64,
    /// Source columns present in the file but mapped to nothing.
    pub unused_columns: Vec<String>,
    /// The encoding the file was decoded with.
    pub encoding: &'static str,
}

/// What a reader knows of a file besides its records.
#[derive(Debug)]
pub(crate) struct FileFacts {
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// The file's size in bytes.
    pub bytes: u64,
    /// Lines or rows that are not records.
    pub skipped: u64,
    /// The encoding the file was decoded with.
    pub encoding: &'static str,
}

/// A whole evidence file, read once.
pub(crate) struct WholeFile {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// The size in bytes.
    pub size: u64,
}

impl WholeFile {
    /// Reads the file whole, read-only, and hashes it; an empty file is an error naming it.
    pub fn read(ev: &Evidence<'_>) -> Result<WholeFile> {
        let mut f = std::fs::File::open(ev.path).map_err(|e| Error::io(ev.path, e))?;
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes)
            .map_err(|e| Error::io(ev.path, e))?;
        if bytes.is_empty() {
            return Err(Error::input(ev.path, None, "empty file (0 bytes)"));
        }
        Ok(WholeFile {
            sha256: sha256_hex(&bytes),
            size: bytes.len() as u64,
            bytes,
        })
    }

    /// The file's facts, with the reader's skipped lines and encoding.
    pub fn facts(&self, skipped: u64, encoding: &'static str) -> FileFacts {
        FileFacts {
            sha256: self.sha256.clone(),
            bytes: self.size,
            skipped,
            encoding,
        }
    }
}

/// A chunk's sink as a reader fills it: counts every record that passes, then forwards it.
pub(crate) struct ChunkSink<S> {
    sink: S,
    counts: RecordCounts,
}

impl<S: RecordSink> ChunkSink<S> {
    /// Wraps a consumer's sink.
    pub fn new(sink: S) -> ChunkSink<S> {
        ChunkSink {
            sink,
            counts: RecordCounts::default(),
        }
    }

    /// A blank line (not a record): counted only.
    pub fn blank(&mut self) {
        self.counts.blank_lines += 1;
    }

    /// A record the reader could not use: quarantined with the reason and its raw text.
    pub fn reject(&mut self, row: u64, reason: String, raw: String) {
        self.counts.rows_read += 1;
        self.counts.records += 1;
        self.counts.quarantined += 1;
        self.sink.quarantine(row, reason, raw);
    }

    /// A record, handed to the consumer.
    pub fn row(&mut self, row: u64, view: &dyn RowView) {
        self.counts.rows_read += 1;
        self.counts.records += 1;
        let v = self.sink.record(row, view);
        self.count(v);
    }

    /// Item `item` (1-based) of the exploded record at `row`, handed to the consumer; the first
    /// item counts the record.
    pub fn item(&mut self, row: u64, item: u32, view: &dyn RowView) {
        self.counts.rows_read += 1;
        self.counts.items += 1;
        self.counts.records += u64::from(item == 1);
        let v = self.sink.item(row, item, view);
        self.count(v);
    }

    fn count(&mut self, v: Verdict) {
        match v {
            Verdict::Accepted => self.counts.accepted += 1,
            Verdict::Quarantined => self.counts.quarantined += 1,
            Verdict::Filtered => self.counts.filtered += 1,
        }
    }
}

/// Where a streaming read hands each finished chunk, in file order ([`super::read_each`]).
pub type Emit<'a, C> = &'a mut (dyn FnMut(C) -> Result<()> + 'a);

/// An [`Emit`] as [`Chunks`] holds it, for the reader's lifetime.
type Emitter<'t, C> = Box<dyn FnMut(C) -> Result<()> + 't>;

/// The chunks of one file, gathered as the reader fills them: kept for the file's
/// [`Loaded`], or, when reading with an emitter, handed over as soon as they are finished
/// ([`Chunks::flush`]), so that only the chunks of one window are held at a time.
pub(crate) struct Chunks<'t, T: RecordTarget> {
    target: &'t T,
    /// Each chunk's sink and the number of lines of the file before its first.
    parts: Vec<(ChunkSink<T::Sink<'t>>, u64)>,
    /// Chunks finished and kept (none when they are emitted).
    done: Vec<T::Chunk>,
    /// The records of every chunk finished so far.
    counts: RecordCounts,
    /// Chunks finished so far (the index of the next, for messages).
    finished: usize,
    emit: Option<Emitter<'t, T::Chunk>>,
}

impl<'t, T: RecordTarget> Chunks<'t, T> {
    /// No chunks yet, for `target`; finished chunks are kept for the file's [`Loaded`].
    #[cfg(test)]
    pub fn new(target: &'t T) -> Chunks<'t, T> {
        Chunks::with_emit(target, None)
    }

    /// No chunks yet, for `target`; finished chunks go to `emit` when given, in order.
    pub fn with_emit<'e: 't>(target: &'t T, emit: Option<Emit<'e, T::Chunk>>) -> Chunks<'t, T> {
        let emit = emit.map(|e| Box::new(move |c: T::Chunk| e(c)) as Emitter<'t, T::Chunk>);
        Chunks {
            target,
            parts: Vec::new(),
            done: Vec::new(),
            counts: RecordCounts::default(),
            finished: 0,
            emit,
        }
    }

    /// A fresh sink for one chunk.
    pub fn sink(&self) -> ChunkSink<T::Sink<'t>> {
        ChunkSink::new(self.target.sink())
    }

    /// Adds a filled chunk; `lines_before` is the number of lines or rows of the file before
    /// the chunk's first (its row numbers were counted from 1 at its start).
    pub fn push(&mut self, sink: ChunkSink<T::Sink<'t>>, lines_before: u64) {
        self.parts.push((sink, lines_before));
    }

    /// Finishes the chunks pushed since the last flush (in parallel, order kept), checks each
    /// against the records its reader handed over, and keeps or emits them in order.
    ///
    /// # Errors
    /// A chunk that cannot be built; [`Error::Reconciliation`] when a chunk holds other counts
    /// than the records it was given (a bug of the consumer); what the emitter returns.
    pub fn flush(&mut self, ev: &Evidence<'_>) -> Result<()> {
        let finished: Vec<(Result<T::Chunk>, RecordCounts)> = std::mem::take(&mut self.parts)
            .into_par_iter()
            .map(|(s, lines_before)| (s.sink.finish(lines_before), s.counts))
            .collect();
        for (chunk, n) in finished {
            let i = self.finished;
            self.finished += 1;
            let chunk = chunk?;
            if chunk.accepted() != n.accepted
                || chunk.quarantined() != n.quarantined
                || chunk.filtered() != n.filtered
            {
                return Err(Error::Reconciliation {
                    file: ev.path.to_path_buf(),
                    msg: format!(
                        "chunk {i}: {} records handed over ({} accepted, {} quarantined, {} \
                         filtered), but the chunk holds {} accepted, {} quarantined and {} \
                         filtered",
                        n.rows_read,
                        n.accepted,
                        n.quarantined,
                        n.filtered,
                        chunk.accepted(),
                        chunk.quarantined(),
                        chunk.filtered()
                    ),
                });
            }
            self.counts.add(&n);
            match self.emit.as_mut() {
                Some(emit) => emit(chunk)?,
                None => self.done.push(chunk),
            }
        }
        Ok(())
    }

    /// Finishes every chunk not yet finished ([`Chunks::flush`]) and assembles the file's
    /// [`Loaded`] (its `chunks` empty when they were emitted).
    ///
    /// # Errors
    /// As [`Chunks::flush`].
    pub fn finish(mut self, ev: &Evidence<'_>, facts: FileFacts) -> Result<Loaded<T::Chunk>> {
        self.flush(ev)?;
        Ok(Loaded {
            chunks: self.done,
            counts: self.counts,
            sha256: facts.sha256,
            bytes: facts.bytes,
            skipped: facts.skipped,
            unused_columns: self.target.unused_columns(),
            encoding: facts.encoding,
        })
    }
}

/// Runs a third-party reader that may panic on hostile input, turning a panic into an error
/// about the file.
pub(crate) fn guard<T>(path: &Path, what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    crate::error::unpanic(f).unwrap_or_else(|msg| {
        Err(Error::input(
            path,
            None,
            format!("the {what} reader failed on this file (damaged?): {msg}"),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::record::Cell;
    use crate::profile::Profile;

    /// A consumer that keeps records whose first cell is `ok`; `lie` makes its chunks claim
    /// one record more than they hold.
    struct Keep {
        lie: bool,
    }

    struct KeepSink {
        lie: bool,
        kept: Vec<u64>,
        dropped: Vec<u64>,
    }

    #[derive(Debug)]
    struct KeepChunk {
        lie: bool,
        kept: Vec<u64>,
        dropped: Vec<u64>,
    }

    impl Finished for KeepChunk {
        fn accepted(&self) -> u64 {
            self.kept.len() as u64 + u64::from(self.lie)
        }
        fn quarantined(&self) -> u64 {
            self.dropped.len() as u64
        }
    }

    impl RecordSink for KeepSink {
        type Chunk = KeepChunk;
        fn record(&mut self, row: u64, view: &dyn RowView) -> Verdict {
            if view.get(0) == Ok(Cell::Text("ok")) {
                self.kept.push(row);
                Verdict::Accepted
            } else {
                self.dropped.push(row);
                Verdict::Quarantined
            }
        }
        fn item(&mut self, row: u64, item: u32, view: &dyn RowView) -> Verdict {
            self.record(row * 100 + u64::from(item), view)
        }
        fn quarantine(&mut self, row: u64, _reason: String, _raw: String) {
            self.dropped.push(row);
        }
        fn finish(self, row_offset: u64) -> Result<KeepChunk> {
            let shift = |v: Vec<u64>| v.into_iter().map(|r| r + row_offset).collect();
            Ok(KeepChunk {
                lie: self.lie,
                kept: shift(self.kept),
                dropped: shift(self.dropped),
            })
        }
    }

    impl RecordTarget for Keep {
        type Chunk = KeepChunk;
        type Sink<'t> = KeepSink;
        fn sink(&self) -> KeepSink {
            KeepSink {
                lie: self.lie,
                kept: Vec::new(),
                dropped: Vec::new(),
            }
        }
        fn unused_columns(&self) -> Vec<String> {
            vec!["spare".into()]
        }
    }

    struct One(&'static str);

    impl RowView for One {
        fn get(&self, _col: usize) -> std::result::Result<Cell<'_>, &'static str> {
            Ok(Cell::Text(self.0))
        }
        fn raw(&self) -> String {
            self.0.into()
        }
    }

    fn facts() -> FileFacts {
        FileFacts {
            sha256: "00".into(),
            bytes: 1,
            skipped: 2,
            encoding: "utf-8",
        }
    }

    /// Two chunks: lines 1-3 and 4-5 of a file with two lines before the records.
    fn fill(target: &Keep) -> Chunks<'_, Keep> {
        let mut chunks = Chunks::new(target);
        let mut a = chunks.sink();
        a.row(1, &One("ok"));
        a.blank();
        a.row(3, &One("no"));
        let mut b = chunks.sink();
        b.reject(1, "bad".into(), "x".into());
        b.row(2, &One("ok"));
        chunks.push(a, 2);
        chunks.push(b, 5);
        chunks
    }

    #[test]
    fn chunks_are_counted_shifted_and_kept_in_order() {
        let path = Path::new("f.csv");
        let spec = Profile::default().resolve().unwrap();
        let ev = Evidence {
            path,
            format: Format::Csv,
            spec: &spec,
        };
        let target = Keep { lie: false };
        let l = fill(&target).finish(&ev, facts()).unwrap();
        let c = l.counts;
        assert_eq!(
            (c.rows_read, c.accepted, c.quarantined, c.blank_lines),
            (4, 2, 2, 1)
        );
        assert_eq!(l.chunks[0].kept, [3]);
        assert_eq!(l.chunks[0].dropped, [5]);
        assert_eq!(l.chunks[1].kept, [7]);
        assert_eq!(l.chunks[1].dropped, [6]);
        assert_eq!(
            (l.skipped, l.unused_columns.clone()),
            (2, vec!["spare".into()])
        );
    }

    #[test]
    fn items_count_their_record_once() {
        let spec = Profile::default().resolve().unwrap();
        let ev = Evidence {
            path: Path::new("f.jsonl"),
            format: Format::Jsonl,
            spec: &spec,
        };
        let target = Keep { lie: false };
        let mut chunks = Chunks::new(&target);
        let mut a = chunks.sink();
        a.item(1, 1, &One("ok"));
        a.item(1, 2, &One("no"));
        a.item(1, 3, &One("ok"));
        a.reject(2, "no array".into(), "{}".into());
        a.item(3, 1, &One("ok"));
        chunks.push(a, 0);
        let l = chunks.finish(&ev, facts()).unwrap();
        let c = l.counts;
        assert_eq!(
            (c.rows_read, c.records, c.items, c.accepted, c.quarantined),
            (5, 3, 4, 3, 2)
        );
        assert_eq!(l.chunks[0].kept, [101, 103, 301]);
        assert_eq!(l.chunks[0].dropped, [102, 2]);
    }

    #[test]
    fn a_chunk_that_does_not_reconcile_is_an_error() {
        let spec = Profile::default().resolve().unwrap();
        let ev = Evidence {
            path: Path::new("f.csv"),
            format: Format::Csv,
            spec: &spec,
        };
        let target = Keep { lie: true };
        let e = fill(&target).finish(&ev, facts()).unwrap_err();
        assert!(matches!(e, Error::Reconciliation { .. }), "{e}");
        assert!(e.to_string().contains("f.csv"), "{e}");
    }

    /// A CSV file of many 4 KiB windows (the unit tests' window), read whole and read
    /// streaming: the same chunks and counts, handed over in file order, several times over
    /// the read, and no chunk kept in the `Loaded`; an emitter's error ends the read.
    #[test]
    fn a_streaming_read_hands_over_the_chunks_of_a_whole_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.csv");
        let mut text = String::from("status,spare\n");
        for i in 0..3000 {
            text.push_str(if i % 7 == 0 { "no,x\n" } else { "ok,x\n" });
        }
        std::fs::write(&path, &text).unwrap();
        let spec = Profile::default().resolve().unwrap();
        let ev = Evidence {
            path: &path,
            format: Format::Csv,
            spec: &spec,
        };
        let target = || Ok(Keep { lie: false });
        let whole = crate::load::read(&ev, |_| target()).unwrap();
        let mut got: Vec<(Vec<u64>, Vec<u64>)> = Vec::new();
        let mut emit = |c: KeepChunk| {
            got.push((c.kept, c.dropped));
            Ok(())
        };
        let streamed = crate::load::read_each(&ev, |_| target(), &mut emit).unwrap();
        assert!(streamed.chunks.is_empty());
        assert_eq!(streamed.counts, whole.counts);
        assert_eq!(streamed.sha256, whole.sha256);
        let want: Vec<(Vec<u64>, Vec<u64>)> = whole
            .chunks
            .into_iter()
            .map(|c| (c.kept, c.dropped))
            .collect();
        assert!(
            got.len() > 3,
            "{} chunks: the file should span windows",
            got.len()
        );
        assert_eq!(got, want);
        let rows: Vec<u64> = got
            .iter()
            .flat_map(|(k, d)| k.iter().chain(d))
            .copied()
            .collect();
        assert_eq!(rows.len(), 3000);

        let mut n = 0;
        let mut refuse = |_c: KeepChunk| {
            n += 1;
            if n == 2 {
                return Err(Error::input(&path, None, "no room"));
            }
            Ok(())
        };
        let e = crate::load::read_each(&ev, |_| target(), &mut refuse).unwrap_err();
        assert!(e.to_string().contains("no room"), "{e}");
    }
}
