//! The party database's download log (`party-db-downloads.csv`), its identification history
//! (`party-db-identifications.csv`) and, per vendor campaign, its
//! upload list and the vendor's outbound log: files that must agree with each other and with the
//! carrier records, which they do because membership and attempts are keyed draws.

use super::{district_ranges, stream_pieces, FileSink, Sink};
use crate::error::Result;
use crate::synth::fmt::{self, Spell};
use crate::synth::world::{Attempt, Campaign, World, PARTIES};

/// `party-db-downloads.csv`: one row per downloaded number. Returns the size of each download.
pub(crate) fn downloads(w: &World, sink: &mut Sink) -> Result<Vec<u64>> {
    let mut f = sink.create("party-db-downloads.csv")?;
    f.write(b"download_id,account,downloaded_at,scope,criteria,voter_phone\n")?;
    let prefixes: Vec<Vec<u8>> = w
        .downloads
        .iter()
        .map(|dl| {
            let mut prefix = Vec::new();
            prefix.extend_from_slice(dl.id.as_bytes());
            prefix.push(b',');
            prefix.extend_from_slice(dl.account.as_bytes());
            prefix.push(b',');
            fmt::iso_utc(&mut prefix, dl.time);
            prefix.push(b',');
            prefix.extend_from_slice(dl.scope.as_bytes());
            prefix.push(b',');
            prefix.extend_from_slice(dl.criteria.text().as_bytes());
            prefix.push(b',');
            prefix
        })
        .collect();
    let ranges: Vec<((usize, usize), u64, u64)> = (w.downloads.iter().enumerate())
        .flat_map(|(k, dl)| dl.districts.iter().map(move |&d| (k, d)))
        .map(|(k, d)| {
            (
                (k, d),
                w.districts[d].start,
                w.districts[d].start + w.districts[d].size,
            )
        })
        .collect();
    let mut sizes = vec![0u64; w.downloads.len()];
    stream_pieces(
        &ranges,
        |(k, d), a, b| {
            let mut buf = Vec::new();
            let mut c = 0u64;
            for g in a..b {
                if w.in_download(k, g, d) {
                    buf.extend_from_slice(&prefixes[k]);
                    fmt::phone(&mut buf, w.number(g, d), Spell::Dashed);
                    buf.push(b'\n');
                    c += 1;
                }
            }
            (buf, c)
        },
        |(k, _), (buf, c)| {
            sizes[k] += c;
            f.write(&buf)
        },
    )?;
    sink.close(f)?;
    Ok(sizes)
}

/// `party-db-identifications.csv`: the database's identification history, one row per event,
/// district by district, each person's events in time order. Returns the rows written.
pub(crate) fn identifications(w: &World, sink: &mut Sink) -> Result<u64> {
    let mut f = sink.create("party-db-identifications.csv")?;
    f.write(b"voter_phone,support_code,entered_at,riding\n")?;
    let ridings: Vec<Vec<u8>> = (w.districts.iter())
        .map(|dist| {
            let mut riding = Vec::new();
            fmt::csv_field(&mut riding, &dist.name, b',');
            riding
        })
        .collect();
    let mut rows = 0u64;
    stream_pieces(
        &district_ranges(w),
        |d, a, b| {
            let (mut buf, mut c) = (Vec::new(), 0u64);
            for g in a..b {
                for (code, t) in w.history(g, d).into_iter().flatten() {
                    fmt::phone(&mut buf, w.number(g, d), Spell::Ten);
                    buf.push(b',');
                    buf.extend_from_slice(PARTIES[code].as_bytes());
                    buf.push(b',');
                    fmt::iso_utc(&mut buf, t);
                    buf.push(b',');
                    buf.extend_from_slice(&ridings[d]);
                    buf.push(b'\n');
                    c += 1;
                }
            }
            (buf, c)
        },
        |_, (buf, c)| {
            rows += c;
            f.write(&buf)
        },
    )?;
    sink.close(f)?;
    Ok(rows)
}

/// The folder of a vendor's files: `vendor`, `vendor2`, … `vendor5`.
fn vendor_dir(vendor: usize) -> String {
    if vendor == 0 {
        "vendor".into()
    } else {
        format!("vendor{}", vendor + 1)
    }
}

/// The folder of a vendor's outbound logs.
pub(crate) fn outbound_dir(vendor: usize) -> String {
    format!("{}/outbound", vendor_dir(vendor))
}

/// The folder of the upload lists a vendor received (the first two vendors' in `vendor/`).
pub(crate) fn upload_dir(vendor: usize) -> String {
    format!(
        "{}/uploads",
        vendor_dir(if vendor < 2 { 0 } else { vendor })
    )
}

/// The vendors' campaign registries (`vendor/campaigns.csv`, `vendor2/campaigns.csv`): per
/// campaign its account, the customer named for it, the declared purpose and when it was
/// created (a day and two hours before its upload).
pub(crate) fn registries(w: &World, sink: &mut Sink) -> Result<()> {
    for v in 0..w.vendors() {
        let mut b = b"campaign_id,account,client,purpose,created_at\n".to_vec();
        for c in w.campaigns.iter().filter(|c| c.vendor == v) {
            for f in [
                c.name.as_str(),
                c.vendor_account.as_str(),
                c.customer.as_str(),
                c.purpose,
            ] {
                fmt::csv_field(&mut b, f, b',');
                b.push(b',');
            }
            fmt::iso_utc(&mut b, c.upload_time - 26 * 3600);
            b.push(b'\n');
        }
        sink.whole(&registry_path(v), &b)?;
    }
    Ok(())
}

/// Where vendor `v`'s campaign registry is written.
pub(crate) fn registry_path(v: usize) -> String {
    format!("{}/campaigns.csv", vendor_dir(v))
}

/// What a campaign's files hold.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CampaignCounts {
    pub recipients: u64,
    pub records: u64,
}

fn vendor_line(w: &World, b: &mut Vec<u8>, c: &Campaign, dialed: u64, a: &Attempt) {
    b.extend_from_slice(b"{\"ts\":\"");
    fmt::rfc3339_local(b, &w.vendor_zones[c.vendor], a.t - w.lag(c));
    b.extend_from_slice(b"\",\"campaign\":\"");
    b.extend_from_slice(c.name.as_bytes());
    b.extend_from_slice(b"\",\"account\":\"");
    b.extend_from_slice(c.vendor_account.as_bytes());
    b.extend_from_slice(b"\",\"to\":\"");
    fmt::phone(b, dialed, Spell::Ten);
    b.extend_from_slice(b"\",\"cid\":\"");
    fmt::phone(b, a.cid, Spell::Ten);
    b.extend_from_slice(b"\",\"status\":\"");
    b.extend_from_slice(a.status.text().as_bytes());
    b.extend_from_slice(b"\",\"dtmf\":");
    match a.dtmf {
        Some(k) => {
            b.push(b'"');
            b.push(b'0' + k);
            b.push(b'"');
        }
        None => b.extend_from_slice(b"null"),
    }
    b.extend_from_slice(b"}\n");
}

/// What one chunk of a campaign's persons adds to its files: vendor-log lines of the first
/// pass and of the retries, rows of the upload (and of its second part), recipients, records.
#[derive(Default)]
struct Chunk {
    first: Vec<u8>,
    retry: Vec<u8>,
    up: [Vec<u8>; 2],
    recipients: u64,
    records: u64,
}

/// Campaign `c`'s files' rows for persons `a..b` of district `d`.
fn chunk(w: &World, c: &Campaign, d: usize, a: u64, b: u64) -> Chunk {
    let mut k = Chunk::default();
    for g in a..b {
        if !w.member(c.idx, g, d) {
            continue;
        }
        let num = w.number(g, d);
        let up = &mut k.up[w.in_second_upload(c.idx, g) as usize];
        fmt::phone(up, num, c.upload_spell);
        up.push(b'\n');
        k.recipients += 1;
        for (i, at) in w.attempts(c.idx, g, d).iter().enumerate() {
            if let Some(at) = at {
                let lost = c
                    .log_gap
                    .is_some_and(|(s, e)| (s..e).contains(&(at.t - w.lag(c))));
                if !lost {
                    let out = if i == 0 { &mut k.first } else { &mut k.retry };
                    vendor_line(w, out, c, num, at);
                    k.records += 1;
                }
            }
        }
    }
    k
}

/// An upload list's file, with its header.
fn upload_file(sink: &Sink, c: &Campaign, stem: &str) -> Result<FileSink> {
    let mut f = sink.create(&format!("{}/{stem}.csv", upload_dir(c.vendor)))?;
    f.write(b"phone\n")?;
    Ok(f)
}

/// The vendor's outbound log of each campaign (`vendor/outbound/<campaign>.jsonl`, first pass
/// then retries) and its upload list (`vendor/uploads/<upload>.csv`, and the second part of a
/// list uploaded in two), campaign by campaign; the pieces of all campaigns' districts are
/// generated in parallel waves.
pub(crate) fn campaigns(w: &World, sink: &mut Sink) -> Result<Vec<CampaignCounts>> {
    let ranges: Vec<((usize, usize), u64, u64)> = (w.campaigns.iter())
        .flat_map(|c| c.segments.iter().map(move |s| (c.idx, s.district)))
        .map(|(c, d)| {
            (
                (c, d),
                w.districts[d].start,
                w.districts[d].start + w.districts[d].size,
            )
        })
        .collect();
    let mut counts = Vec::with_capacity(w.campaigns.len());
    let mut open: Option<Open> = None;
    stream_pieces(
        &ranges,
        |(c, d), a, b| chunk(w, &w.campaigns[c], d, a, b),
        |(c, _), k| {
            while open.as_ref().is_none_or(|o| o.idx != c) {
                let next = open.as_ref().map_or(0, |o| o.idx + 1);
                if let Some(o) = open.take() {
                    counts.push(o.close(sink)?);
                }
                open = Some(Open::new(&w.campaigns[next], sink)?);
            }
            match open.as_mut() {
                Some(o) => o.add(k),
                None => Ok(()),
            }
        },
    )?;
    // The campaigns after the last piece (or a campaign without persons) still get files.
    loop {
        let next = open.as_ref().map_or(0, |o| o.idx + 1);
        if let Some(o) = open.take() {
            counts.push(o.close(sink)?);
        }
        match w.campaigns.get(next) {
            Some(c) => open = Some(Open::new(c, sink)?),
            None => break,
        }
    }
    Ok(counts)
}

/// A campaign's files being written.
struct Open {
    idx: usize,
    log: FileSink,
    up: FileSink,
    up2: Option<FileSink>,
    retries: Vec<Vec<u8>>,
    counts: CampaignCounts,
}

impl Open {
    fn new(c: &Campaign, sink: &Sink) -> Result<Open> {
        Ok(Open {
            idx: c.idx,
            log: sink.create(&format!("{}/{}.jsonl", outbound_dir(c.vendor), c.name))?,
            up: upload_file(sink, c, &c.upload)?,
            up2: match &c.split {
                Some(s) => Some(upload_file(sink, c, &s.upload)?),
                None => None,
            },
            retries: Vec::new(),
            counts: CampaignCounts::default(),
        })
    }

    fn add(&mut self, k: Chunk) -> Result<()> {
        self.counts.recipients += k.recipients;
        self.counts.records += k.records;
        self.retries.push(k.retry);
        self.log.write(&k.first)?;
        self.up.write(&k.up[0])?;
        match self.up2.as_mut() {
            Some(f) => f.write(&k.up[1]),
            None => Ok(()),
        }
    }

    /// Writes the retries after the first pass and closes the files.
    fn close(mut self, sink: &mut Sink) -> Result<CampaignCounts> {
        for l2 in std::mem::take(&mut self.retries) {
            self.log.write(&l2)?;
        }
        sink.close(self.log)?;
        sink.close(self.up)?;
        if let Some(f) = self.up2 {
            sink.close(f)?;
        }
        Ok(self.counts)
    }
}
