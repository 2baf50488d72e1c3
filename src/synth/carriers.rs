//! The carrier files and the subscriber returns: the in-orders complainants sorted by carrier
//! and number, cut into fixed blocks, generated in parallel waves and written in order, each
//! carrier's records split into parts (and Western Wireless's by month) so ingest can read them
//! in parallel.

use std::ops::Range;

use rayon::prelude::*;

use super::calls::{self, BlockOut, Profiles};
use super::files::{self, FileSink, Sink};
use super::world::{Complainant, World, WESTERN};
use crate::error::Result;

/// The planted per-row links, beside `truth.json` (the engine never reads it): one row per
/// carrier record of a campaign's call whose vendor record is in the log, identified by
/// content (called number and carrier time, campaign and vendor time, UTC seconds) so that
/// `eval` can match them against `results/attribution` without row numbers.
pub const LINKS: &str = "truth-links.csv";
const LINKS_HEADER: &[u8] = b"called,carrier_start_s,campaign,vendor_start_s\n";

/// Carrier rows per file part (files are split so ingest can read them in parallel).
const ROWS_PER_PART: f64 = 4_000_000.0;
/// Blocks of complainants per parallel wave.
const BLOCK_WAVE: usize = 64;

/// What the carrier files hold.
pub(super) struct CarrierOut {
    pub rows: u64,
    pub duplicates: u64,
    /// (complainant number, bit mask of the misleading campaigns whose calls they received).
    pub targeted: Vec<(u64, u32)>,
}

/// A block of complainants: its carrier, the part of that carrier's files it goes to, and its
/// range in the sorted complainants.
type Block = (u8, usize, Range<usize>);

/// The files of one carrier part: the main file, and Western's May file.
struct Part {
    carrier: u8,
    part: usize,
    main: FileSink,
    may: Option<FileSink>,
}

impl Part {
    /// Creates the part's files with their headers.
    fn open(sink: &Sink, carrier: u8, part: usize) -> Result<Part> {
        let mut main = sink.create(&files::carrier_path(carrier, false, part))?;
        main.write(calls::header(carrier))?;
        let may = if carrier == WESTERN {
            let mut b = sink.create(&files::carrier_path(carrier, true, part))?;
            b.write(calls::header(carrier))?;
            Some(b)
        } else {
            None
        };
        Ok(Part {
            carrier,
            part,
            main,
            may,
        })
    }

    fn close(self, sink: &mut Sink) -> Result<()> {
        sink.close(self.main)?;
        if let Some(b) = self.may {
            sink.close(b)?;
        }
        Ok(())
    }
}

/// The blocks, carrier by carrier, and the part of each.
fn blocks(w: &World, inorder: &[Complainant]) -> Vec<Block> {
    let mut blocks = Vec::new();
    for carrier in 0..3u8 {
        let lo = inorder.partition_point(|c| c.carrier < carrier);
        let hi = inorder.partition_point(|c| c.carrier <= carrier);
        let n = hi - lo;
        let n_blocks = n.div_ceil(calls::BLOCK);
        let expected = n as f64 * (w.bg_mean + 2.0);
        let parts = ((expected / ROWS_PER_PART).ceil() as usize).max(1);
        let per_part = n_blocks.div_ceil(parts).max(1);
        for b in 0..n_blocks {
            let a = lo + b * calls::BLOCK;
            blocks.push((carrier, b / per_part, a..(a + calls::BLOCK).min(hi)));
        }
    }
    blocks
}

/// The carrier files and the subscriber returns, block by block.
pub(super) fn carriers(w: &World, comps: &[Complainant], sink: &mut Sink) -> Result<CarrierOut> {
    let mut inorder: Vec<Complainant> = comps.iter().filter(|c| c.in_orders).copied().collect();
    inorder.sort_by_key(|c| (c.carrier, c.number, c.g));
    let blocks = blocks(w, &inorder);
    let prof = Profiles::new();
    let mut subs = sink.create("subscriber-returns.csv")?;
    subs.write(&files::subscriber_head(w))?;
    let mut links = sink.create(LINKS)?;
    links.write(LINKS_HEADER)?;
    let mut out = CarrierOut {
        rows: 0,
        duplicates: 0,
        targeted: Vec::new(),
    };
    let mut seen = [false; 3];
    let mut current: Option<Part> = None;
    for wave in blocks.chunks(BLOCK_WAVE) {
        let outs: Vec<BlockOut> = wave
            .par_iter()
            .map(|(_, _, r)| calls::block(w, &prof, &inorder[r.clone()]))
            .collect();
        for (&(carrier, part, _), o) in wave.iter().zip(outs) {
            if current
                .as_ref()
                .is_none_or(|c| (c.carrier, c.part) != (carrier, part))
            {
                if let Some(p) = current.take() {
                    p.close(sink)?;
                }
                current = Some(Part::open(sink, carrier, part)?);
                seen[carrier as usize] = true;
            }
            if let Some(p) = current.as_mut() {
                p.main.write(&o.main)?;
                if let Some(b) = &mut p.may {
                    b.write(&o.may)?;
                }
            }
            subs.write(&o.subs)?;
            links.write(&o.links)?;
            out.rows += o.rows_main + o.rows_may;
            out.duplicates += o.duplicates;
            out.targeted.extend(o.targeted);
        }
    }
    if let Some(p) = current.take() {
        p.close(sink)?;
    }
    // A carrier without complainants still gets its (empty) file.
    for carrier in 0..3u8 {
        if !seen[carrier as usize] {
            Part::open(sink, carrier, 0)?.close(sink)?;
        }
    }
    sink.close(subs)?;
    sink.close(links)?;
    Ok(out)
}
