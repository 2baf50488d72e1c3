//! The staging folder: where ingest keeps the rows it has read, part by part, until the part is
//! deduplicated and written, in bounded memory.
//!
//! Each converted chunk's rows are split by the part of their phone number (module
//! `partition`; a kind without a number has one part, part 0) into *pieces*, each tagged with
//! its evidence file (index in the case) and the chunk's order in that file. Pieces are held in
//! memory until the bytes held pass the *spill limit*, a quarter of the memory budget
//! ([`spill_limit`]); then every piece held is written out (*spilled*), one Arrow IPC stream
//! per part and table, and only its place is kept. A spill is written outside the lock the
//! readers stage under, one spill at a time. A part's pieces come back with
//! [`Staging::take_part`], in case order (file, then chunk), whatever order the files were read
//! in.
//!
//! ```text
//!  chunk (file f, chunk k) ─split by part─▶ piece (p, f, k) ─▶ held ──(held > limit)──▶ OUT/.staging-XXXX/pPPPP-<table>-SSSSSS.arrows
//!                                                                 └──────────────┬───────────────┘
//!                                       take_part(p): every piece of part p, by (f, k) ◀┘
//! ```
//!
//! The folder is `.staging-XXXX` inside the output folder (on the same file system as the
//! store, never beside the evidence), created fresh (a name nothing else has), and removed with
//! everything in it when the run ends, whether it succeeds or fails.
//!
//! A population piece carries one more column, [`ORDER`]: each row's `latest_by` value (null
//! when the profile names none), which the history of numbers needs after the spill.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use arrow::array::{ArrayRef, Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::{IpcWriteOptions, StreamWriter};
use arrow::ipc::CompressionType;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::model::Kind;

/// The column a population piece carries its rows' `latest_by` values in (UTC microseconds).
pub(super) const ORDER: &str = "__latest_by";

/// The bytes of pieces held in memory before they are spilled: a quarter of the memory budget
/// (another half is for the parts being deduplicated and written, [`part_budget`], which runs
/// after the reading; the last quarter for the readers' windows, the quarantine and the writers'
/// buffers). While one spill is being written the readers go on staging, so for a moment
/// twice the limit may be in memory: the pieces being written and those held since.
pub(super) fn spill_limit(memory: u64) -> u64 {
    memory / 4
}

/// The bytes the parts worked on at the same time may take, by their estimate (twice their
/// pieces: the pieces, and their rows kept after duplicates are removed): half the budget.
pub(super) fn part_budget(memory: u64) -> u64 {
    memory / 2
}

/// One piece as it comes back: its file (index in the case), its chunk's order in the file,
/// and its rows.
#[derive(Debug)]
pub(super) struct Piece {
    pub file: usize,
    pub chunk: usize,
    pub batch: RecordBatch,
}

/// Where a piece is.
#[derive(Debug)]
enum At {
    /// Held in memory.
    Held(RecordBatch),
    /// Message `index` (0-based) of the spill file `file` (an index into `Inner::files`).
    Spilled { file: usize, index: usize },
}

#[derive(Debug)]
struct Staged {
    file: usize,
    chunk: usize,
    at: At,
}

#[derive(Debug, Default)]
struct Inner {
    /// Per part, per kind (in [`Kind::ALL`] order), its pieces.
    parts: Vec<Vec<Vec<Staged>>>,
    /// Bytes of the pieces held in memory.
    held: u64,
    /// Per part, bytes of all its pieces (held or spilled), as they were in memory.
    bytes: Vec<u64>,
    /// The spill files, by index.
    files: Vec<PathBuf>,
}

/// Whether spills are written compressed (LZ4): when the evidence is more than half the free
/// space of the file system `out` is on. Uncompressed, the staging takes up to about 0.7 times
/// the evidence (measured on the national world), beside the store; LZ4 about half as much, at
/// a cost in time (docs/benchmarks.md). Where the free space cannot be read: compressed.
pub(super) fn compress_spills(out: &Path, evidence: u64) -> bool {
    match rustix::fs::statvfs(out) {
        Ok(s) => evidence > s.f_bavail.saturating_mul(s.f_frsize) / 2,
        Err(_) => true,
    }
}

/// The staging folder of one ingest and the pieces it stages.
#[derive(Debug)]
pub(super) struct Staging {
    dir: tempfile::TempDir,
    parts: u32,
    limit: u64,
    /// Spills written LZ4-compressed ([`compress_spills`]).
    compress: bool,
    inner: Mutex<Inner>,
    /// Held by the one spill that runs.
    spilling: Mutex<()>,
}

impl Staging {
    /// A fresh staging folder inside `out` (which exists) for `parts` parts, spilling what is
    /// held past `limit` bytes, compressed or not (`compress`).
    ///
    /// # Errors
    /// [`Error::Io`] naming `out` when the folder cannot be created.
    pub fn new(out: &Path, parts: u32, (limit, compress): (u64, bool)) -> Result<Staging> {
        let dir = tempfile::Builder::new()
            .prefix(".staging-")
            .tempdir_in(out)
            .map_err(|e| Error::io(out, e))?;
        let parts = parts.max(1);
        let inner = Inner {
            parts: (0..parts)
                .map(|_| (0..Kind::ALL.len()).map(|_| Vec::new()).collect())
                .collect(),
            bytes: vec![0; parts as usize],
            ..Inner::default()
        };
        Ok(Staging {
            dir,
            parts,
            limit,
            compress,
            inner: Mutex::new(inner),
            spilling: Mutex::new(()),
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Removes the folder and everything in it (as dropping it does, but saying when it fails).
    ///
    /// # Errors
    /// What the removal returned.
    pub fn close(self) -> std::io::Result<()> {
        self.dir.close()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>> {
        self.inner
            .lock()
            .map_err(|_| Error::store(self.path(), "a thread failed while staging rows"))
    }

    /// Stages chunk `chunk` of file `file` (of `kind`): its rows split by part, with `order`
    /// (each row's `latest_by` value, or empty) for a population; spills when the pieces held
    /// pass the limit.
    ///
    /// # Errors
    /// [`Error::Store`] when the chunk cannot be split; [`Error::Io`] or [`Error::Store`]
    /// naming the spill file that cannot be written.
    pub fn push(
        &self,
        kind: Kind,
        file: usize,
        chunk: usize,
        batch: RecordBatch,
        order: &[i64],
    ) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let batch = if kind == Kind::Population {
            with_order(batch, order).map_err(|e| Error::store(kind.name(), e))?
        } else {
            batch
        };
        let pieces = match kind.partition_key() {
            Some(key) => crate::partition::split(&batch, key, self.parts)
                .map_err(|e| Error::store(kind.name(), e))?,
            None => vec![batch],
        };
        let k = kind_index(kind);
        let over = {
            let mut inner = self.lock()?;
            for (p, piece) in pieces.into_iter().enumerate() {
                if piece.num_rows() == 0 {
                    continue;
                }
                let n = piece.get_array_memory_size() as u64;
                inner.held += n;
                inner.bytes[p] += n;
                inner.parts[p][k].push(Staged {
                    file,
                    chunk,
                    at: At::Held(piece),
                });
            }
            inner.held > self.limit
        };
        if over {
            self.spill()?;
        }
        Ok(())
    }

    /// Writes every piece held to a spill file of its part and table, in the order staged.
    /// The pieces are taken (and their places recorded) under the lock, and written after it
    /// is released, so that the readers go on staging meanwhile; one spill runs at a time (a
    /// reader that passes the limit during a spill waits for it, then spills what is held, if
    /// it is still over the limit).
    fn spill(&self) -> Result<()> {
        let _one = self
            .spilling
            .lock()
            .map_err(|_| Error::store(self.path(), "a thread failed while spilling rows"))?;
        let work = {
            let mut inner = self.lock()?;
            if inner.held <= self.limit {
                return Ok(());
            }
            self.take_held(&mut inner)
        };
        for (path, batches) in work {
            write_spill(&path, &batches, self.compress)?;
        }
        Ok(())
    }

    /// Every piece held, taken out as spill files to write (path, batches), each piece marked
    /// with its place in them.
    fn take_held(&self, inner: &mut Inner) -> Vec<(PathBuf, Vec<RecordBatch>)> {
        let Inner {
            parts, files, held, ..
        } = inner;
        let mut work = Vec::new();
        for (p, kinds) in parts.iter_mut().enumerate() {
            for (k, pieces) in kinds.iter_mut().enumerate() {
                let mut batches = Vec::new();
                for s in pieces.iter_mut() {
                    if !matches!(s.at, At::Held(_)) {
                        continue;
                    }
                    let at = At::Spilled {
                        file: files.len(),
                        index: batches.len(),
                    };
                    if let At::Held(b) = std::mem::replace(&mut s.at, at) {
                        *held = held.saturating_sub(b.get_array_memory_size() as u64);
                        batches.push(b);
                    }
                }
                if batches.is_empty() {
                    continue;
                }
                let path = self.dir.path().join(format!(
                    "p{p:04}-{}-{:06}.arrows",
                    Kind::ALL[k].name(),
                    files.len()
                ));
                files.push(path.clone());
                work.push((path, batches));
            }
        }
        work
    }

    /// Per part, the bytes of its pieces as they were in memory.
    pub fn part_bytes(&self) -> Result<Vec<u64>> {
        Ok(self.lock()?.bytes.clone())
    }

    /// Every piece of part `p`, per kind (in [`Kind::ALL`] order), in case order (file, then
    /// chunk): the held ones handed over, the spilled ones read back (and their files removed).
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Store`] naming a spill file that cannot be read back.
    pub fn take_part(&self, p: u32) -> Result<Vec<Vec<Piece>>> {
        let (kinds, files) = {
            let mut inner = self.lock()?;
            let kinds = std::mem::take(&mut inner.parts[p as usize]);
            let taken: u64 = kinds
                .iter()
                .flatten()
                .map(|s| match &s.at {
                    At::Held(b) => b.get_array_memory_size() as u64,
                    At::Spilled { .. } => 0,
                })
                .sum();
            inner.held = inner.held.saturating_sub(taken);
            (kinds, inner.files.clone())
        };
        kinds
            .into_par_iter()
            .map(|pieces| read_back(pieces, &files))
            .collect()
    }
}

/// The pieces of one part and kind, the spilled ones read back from their files, in case order.
fn read_back(pieces: Vec<Staged>, files: &[PathBuf]) -> Result<Vec<Piece>> {
    let mut wanted: Vec<usize> = pieces
        .iter()
        .filter_map(|s| match s.at {
            At::Spilled { file, .. } => Some(file),
            At::Held(_) => None,
        })
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let read: Vec<Result<(usize, Vec<Option<RecordBatch>>)>> = wanted
        .par_iter()
        .map(|&f| {
            let path = &files[f];
            let batches = read_spill(path)?.into_iter().map(Some).collect();
            std::fs::remove_file(path).map_err(|e| Error::io(path, e))?;
            Ok((f, batches))
        })
        .collect();
    let mut read = read.into_iter().collect::<Result<Vec<_>>>()?;
    let mut out = Vec::with_capacity(pieces.len());
    for s in pieces {
        let batch = match s.at {
            At::Held(b) => b,
            At::Spilled { file, index } => read
                .iter_mut()
                .find(|(f, _)| *f == file)
                .and_then(|(_, bs)| bs.get_mut(index))
                .and_then(Option::take)
                .ok_or_else(|| {
                    Error::store(&files[file], format!("spilled piece {index} is missing"))
                })?,
        };
        out.push(Piece {
            file: s.file,
            chunk: s.chunk,
            batch,
        });
    }
    out.sort_by_key(|p| (p.file, p.chunk));
    Ok(out)
}

/// Writes `batches` (of one schema) as the Arrow IPC stream `path`, LZ4-compressed or not.
fn write_spill(path: &Path, batches: &[RecordBatch], compress: bool) -> Result<()> {
    let Some(first) = batches.first() else {
        return Ok(());
    };
    let f = File::create(path).map_err(|e| Error::io(path, e))?;
    // LZ4 frames: a spill is read back once, soon, so the fastest codec.
    let opts = IpcWriteOptions::default()
        .try_with_compression(compress.then_some(CompressionType::LZ4_FRAME))
        .map_err(|e| Error::store(path, e))?;
    let mut w = StreamWriter::try_new_with_options(BufWriter::new(f), &first.schema(), opts)
        .map_err(|e| Error::store(path, e))?;
    for b in batches {
        w.write(b).map_err(|e| Error::store(path, e))?;
    }
    w.finish().map_err(|e| Error::store(path, e))?;
    let mut f = w.into_inner().map_err(|e| Error::store(path, e))?;
    f.flush().map_err(|e| Error::io(path, e))
}

/// Every batch of a spill file, in order.
fn read_spill(path: &Path) -> Result<Vec<RecordBatch>> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let r = StreamReader::try_new(BufReader::new(f), None).map_err(|e| Error::store(path, e))?;
    r.map(|b| b.map_err(|e| Error::store(path, e))).collect()
}

/// `batch` with the column [`ORDER`]: `order[r]` for row `r`, null where `order` has none.
fn with_order(
    batch: RecordBatch,
    order: &[i64],
) -> std::result::Result<RecordBatch, arrow::error::ArrowError> {
    let values: Int64Array = (0..batch.num_rows())
        .map(|r| order.get(r).copied())
        .collect();
    let mut fields: Vec<Arc<Field>> = batch.schema().fields().iter().cloned().collect();
    fields.push(Arc::new(Field::new(ORDER, DataType::Int64, true)));
    let mut cols: Vec<ArrayRef> = batch.columns().to_vec();
    cols.push(Arc::new(values));
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
}

/// The position of `kind` in [`Kind::ALL`].
pub(super) fn kind_index(kind: Kind) -> usize {
    Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{AsArray, UInt64Array};
    use arrow::datatypes::UInt64Type;

    /// A batch of one `number` column (not a canonical batch: the staging folder does not care).
    fn numbers(v: &[u64]) -> RecordBatch {
        let schema = Schema::new(vec![Field::new("number", DataType::UInt64, false)]);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![Arc::new(UInt64Array::from(v.to_vec()))],
        )
        .unwrap()
    }

    fn rows(p: &Piece) -> Vec<u64> {
        p.batch
            .column(0)
            .as_primitive::<UInt64Type>()
            .values()
            .to_vec()
    }

    /// Chunks staged out of case order, some spilled and some held, come back per part in case
    /// order, each row in the part of its number, with the order column of a population; the
    /// spill files are removed as they are read back, and the folder when it is closed.
    #[test]
    fn pieces_come_back_in_case_order_spilled_or_held() {
        let out = tempfile::tempdir().unwrap();
        for (limit, compress) in [(0, false), (0, true), (u64::MAX, false)] {
            let st = Staging::new(out.path(), 3, (limit, compress)).unwrap();
            let all: Vec<u64> = (1..=60).collect();
            let chunks = [(1, 0, &all[40..]), (0, 1, &all[20..40]), (0, 0, &all[..20])];
            for (file, chunk, v) in chunks {
                let order: Vec<i64> = v.iter().map(|&n| n as i64 * 10).collect();
                st.push(Kind::Population, file, chunk, numbers(v), &order)
                    .unwrap();
            }
            let spilled = std::fs::read_dir(st.path()).unwrap().count();
            assert_eq!(spilled > 0, limit == 0, "limit {limit}: {spilled} files");
            let mut seen = Vec::new();
            for p in 0..3 {
                let kinds = st.take_part(p).unwrap();
                let pieces = &kinds[kind_index(Kind::Population)];
                let tags: Vec<(usize, usize)> = pieces.iter().map(|x| (x.file, x.chunk)).collect();
                let mut sorted = tags.clone();
                sorted.sort_unstable();
                assert_eq!(tags, sorted);
                for x in pieces {
                    let r = rows(x);
                    assert!(r.iter().all(|&n| crate::partition::of(n, 3) == p));
                    assert!(r.windows(2).all(|w| w[0] < w[1]), "{r:?}");
                    let o = x.batch.column_by_name(ORDER).unwrap();
                    let o = o.as_primitive::<arrow::datatypes::Int64Type>();
                    assert_eq!(
                        o.values().to_vec(),
                        r.iter().map(|&n| n as i64 * 10).collect::<Vec<_>>()
                    );
                    seen.extend(r);
                }
            }
            seen.sort_unstable();
            assert_eq!(seen, all);
            assert_eq!(std::fs::read_dir(st.path()).unwrap().count(), 0);
            let dir = st.path().to_path_buf();
            st.close().unwrap();
            assert!(!dir.exists());
        }
    }

    /// A spill file that cannot be written is an error naming it.
    #[test]
    fn a_spill_that_fails_names_its_file() {
        let out = tempfile::tempdir().unwrap();
        let st = Staging::new(out.path(), 1, (0, false)).unwrap();
        std::fs::remove_dir(st.path()).unwrap();
        let e = st
            .push(Kind::Complainants, 0, 0, numbers(&[1, 2]), &[])
            .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains(".staging-") && msg.contains(".arrows"),
            "{msg}"
        );
    }
}
