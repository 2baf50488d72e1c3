//! Every evidence file of the synthetic case except the carrier records, and how files are
//! written: a [`Sink`] that records what it wrote, and [`stream`], which generates persons in
//! parallel chunks and hands them over in order. The files themselves, by what they are about:
//! the [`electorate`] (population, complainants, the subscriber returns' fixed rows), the
//! [`party`] database's downloads and the vendor's uploads and logs, the [`lists`] (watch-lists
//! and numbering plan), and the case [`manifest`].

mod electorate;
mod lists;
mod manifest;
mod party;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Result};
pub(crate) use electorate::{complainants, population, subscriber_head};
pub(crate) use lists::{numbering_plan, watchlists};
pub(crate) use manifest::case_toml;
pub(crate) use party::{campaigns, downloads, identifications, registries, CampaignCounts};

/// Persons per parallel work item.
const CHUNK: u64 = 1 << 15;
/// Work items per wave (bounded memory).
const WAVE: u64 = 64;

/// Where the files go, and what was written.
pub(crate) struct Sink {
    pub root: PathBuf,
    pub files: Vec<(String, u64)>,
}

/// One file being written.
pub(crate) struct FileSink {
    rel: String,
    path: PathBuf,
    w: BufWriter<File>,
    bytes: u64,
}

impl FileSink {
    pub(crate) fn write(&mut self, b: &[u8]) -> Result<()> {
        self.bytes += b.len() as u64;
        self.w.write_all(b).map_err(|e| Error::io(&self.path, e))
    }
}

impl Sink {
    pub(crate) fn create(&self, rel: &str) -> Result<FileSink> {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let f = File::create(&path).map_err(|e| Error::io(&path, e))?;
        Ok(FileSink {
            rel: rel.to_string(),
            path,
            w: BufWriter::with_capacity(1 << 20, f),
            bytes: 0,
        })
    }

    pub(crate) fn close(&mut self, mut f: FileSink) -> Result<()> {
        f.w.flush().map_err(|e| Error::io(&f.path, e))?;
        self.files.push((f.rel, f.bytes));
        Ok(())
    }

    /// Writes a whole small file.
    pub(crate) fn whole(&mut self, rel: &str, bytes: &[u8]) -> Result<()> {
        let mut f = self.create(rel)?;
        f.write(bytes)?;
        self.close(f)
    }
}

/// Runs `gen` over `[lo, hi)` in chunks, in parallel waves, handing the results to `sink` in
/// order.
pub(crate) fn stream<T: Send>(
    lo: u64,
    hi: u64,
    gen: impl Fn(u64, u64) -> T + Sync,
    mut sink: impl FnMut(T) -> Result<()>,
) -> Result<()> {
    let n = (hi.saturating_sub(lo)).div_ceil(CHUNK);
    let mut c = 0;
    while c < n {
        let end = (c + WAVE).min(n);
        let outs: Vec<T> = (c..end)
            .into_par_iter()
            .map(|k| {
                let a = lo + k * CHUNK;
                gen(a, (a + CHUNK).min(hi))
            })
            .collect();
        for o in outs {
            sink(o)?;
        }
        c = end;
    }
    Ok(())
}

/// The relative path of a carrier file part.
pub(crate) fn carrier_path(carrier: u8, may: bool, part: usize) -> String {
    match carrier {
        0 => format!("carriers/ontario-tel-PO-2011-117-{:02}.csv", part + 1),
        2 => format!("carriers/quebec-telecom-OP-2011-0342-{:02}.csv", part + 1),
        _ => format!(
            "carriers/western-wireless-2011-{}-{:02}.csv",
            if may { "05" } else { "04" },
            part + 1
        ),
    }
}

/// Whether a folder is missing or empty.
pub(crate) fn empty_dir(p: &Path) -> Result<bool> {
    match std::fs::read_dir(p) {
        Ok(mut it) => Ok(it.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(Error::io(p, e)),
    }
}
