//! Every evidence file of the synthetic case except the carrier records, and how files are
//! written: a [`Sink`] that records what it wrote, and [`stream_pieces`], which generates
//! persons in parallel chunks (of one district or many, of one file's list or many) and hands
//! them over in order. The files themselves, by what they are about:
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
use crate::synth::world::World;
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

/// Runs `gen` over pieces of persons: each `(key, lo, hi)` of `ranges` cut into chunks, the
/// chunks of all ranges generated in parallel waves and handed to `sink` in order with their
/// key; many small ranges (a district each) still fill a wave, and each wave is generated
/// while the one before it is written, so memory stays bounded by two waves.
pub(crate) fn stream_pieces<K: Copy + Send + Sync, T: Send>(
    ranges: &[(K, u64, u64)],
    gen: impl Fn(K, u64, u64) -> T + Sync,
    mut sink: impl FnMut(K, T) -> Result<()> + Send,
) -> Result<()> {
    let mut pieces = Vec::new();
    for &(k, lo, hi) in ranges {
        let mut a = lo;
        while a < hi {
            let b = (a + CHUNK).min(hi);
            pieces.push((k, a, b));
            a = b;
        }
    }
    let make = |wave: &[(K, u64, u64)]| -> Vec<T> {
        wave.par_iter().map(|&(k, a, b)| gen(k, a, b)).collect()
    };
    let mut waves = pieces.chunks(WAVE as usize);
    let mut ready = waves.next().map(|w| (w, make(w)));
    while let Some((wave, outs)) = ready.take() {
        let next = waves.next();
        let (done, made) = rayon::join(
            || -> Result<()> {
                for (&(k, _, _), o) in wave.iter().zip(outs) {
                    sink(k, o)?;
                }
                Ok(())
            },
            || next.map(|w| (w, make(w))),
        );
        done?;
        ready = made;
    }
    Ok(())
}

/// Every district's persons, as ranges for [`stream_pieces`] keyed by the district.
pub(crate) fn district_ranges(w: &World) -> Vec<(usize, u64, u64)> {
    (w.districts.iter().enumerate())
        .map(|(d, x)| (d, x.start, x.start + x.size))
        .collect()
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
