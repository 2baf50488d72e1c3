//! The party database's download log (`party-db-downloads.csv`), its identification history
//! (`party-db-identifications.csv`) and, per vendor campaign, its
//! upload list and the vendor's outbound log: files that must agree with each other and with the
//! carrier records, which they do because membership and attempts are keyed draws.

use super::{stream, Sink};
use crate::error::Result;
use crate::synth::fmt::{self, Spell};
use crate::synth::world::{Attempt, Campaign, World, PARTIES};

/// `party-db-downloads.csv`: one row per downloaded number. Returns the size of each download.
pub(crate) fn downloads(w: &World, sink: &mut Sink) -> Result<Vec<u64>> {
    let mut f = sink.create("party-db-downloads.csv")?;
    f.write(b"download_id,account,downloaded_at,scope,criteria,voter_phone\n")?;
    let mut sizes = Vec::new();
    for (k, dl) in w.downloads.iter().enumerate() {
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
        let mut n = 0u64;
        for &d in &dl.districts {
            let dist = &w.districts[d];
            stream(
                dist.start,
                dist.start + dist.size,
                |a, b| {
                    let mut buf = Vec::new();
                    let mut c = 0u64;
                    for g in a..b {
                        if w.in_download(k, g, d) {
                            buf.extend_from_slice(&prefix);
                            fmt::phone(&mut buf, w.number(g, d), Spell::Dashed);
                            buf.push(b'\n');
                            c += 1;
                        }
                    }
                    (buf, c)
                },
                |(buf, c)| {
                    n += c;
                    f.write(&buf)
                },
            )?;
        }
        sizes.push(n);
    }
    sink.close(f)?;
    Ok(sizes)
}

/// `party-db-identifications.csv`: the database's identification history, one row per event,
/// district by district, each person's events in time order. Returns the rows written.
pub(crate) fn identifications(w: &World, sink: &mut Sink) -> Result<u64> {
    let mut f = sink.create("party-db-identifications.csv")?;
    f.write(b"voter_phone,support_code,entered_at,riding\n")?;
    let mut rows = 0u64;
    for (d, dist) in w.districts.iter().enumerate() {
        let mut riding = Vec::new();
        fmt::csv_field(&mut riding, dist.name, b',');
        stream(
            dist.start,
            dist.start + dist.size,
            |a, b| {
                let (mut buf, mut c) = (Vec::new(), 0u64);
                for g in a..b {
                    for (code, t) in w.history(g, d).into_iter().flatten() {
                        fmt::phone(&mut buf, w.number(g, d), Spell::Ten);
                        buf.push(b',');
                        buf.extend_from_slice(PARTIES[code].as_bytes());
                        buf.push(b',');
                        fmt::iso_utc(&mut buf, t);
                        buf.push(b',');
                        buf.extend_from_slice(&riding);
                        buf.push(b'\n');
                        c += 1;
                    }
                }
                (buf, c)
            },
            |(buf, c)| {
                rows += c;
                f.write(&buf)
            },
        )?;
    }
    sink.close(f)?;
    Ok(rows)
}

/// The folder of a vendor's outbound logs.
pub(crate) fn outbound_dir(vendor: usize) -> &'static str {
    if vendor == 0 {
        "vendor/outbound"
    } else {
        "vendor2/outbound"
    }
}

/// The vendors' campaign registries (`vendor/campaigns.csv`, `vendor2/campaigns.csv`): per
/// campaign its account, the customer named for it, the declared purpose and when it was
/// created (a day and two hours before its upload).
pub(crate) fn registries(w: &World, sink: &mut Sink) -> Result<()> {
    for v in 0..crate::synth::world::VENDORS.len() {
        let mut b = b"campaign_id,account,client,purpose,created_at\n".to_vec();
        for c in w.campaigns.iter().filter(|c| c.vendor == v) {
            for f in [
                c.name.as_str(),
                c.vendor_account.as_str(),
                c.customer,
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
    format!(
        "{}/campaigns.csv",
        outbound_dir(v).trim_end_matches("/outbound")
    )
}

/// What a campaign's files hold.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CampaignCounts {
    pub recipients: u64,
    pub records: u64,
}

fn vendor_line(w: &World, b: &mut Vec<u8>, c: &Campaign, dialed: u64, a: &Attempt) {
    b.extend_from_slice(b"{\"ts\":\"");
    fmt::rfc3339_local(b, &w.zones[0], a.t - w.lag(c));
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

/// The vendor's outbound log of each campaign (`vendor/outbound/<campaign>.jsonl`, first pass
/// then retries) and its upload list (`vendor/uploads/<upload>.csv`).
pub(crate) fn campaigns(w: &World, sink: &mut Sink) -> Result<Vec<CampaignCounts>> {
    let mut counts = Vec::new();
    for c in &w.campaigns {
        let mut log = sink.create(&format!("{}/{}.jsonl", outbound_dir(c.vendor), c.name))?;
        let mut up = sink.create(&format!("vendor/uploads/{}.csv", c.upload))?;
        up.write(b"phone\n")?;
        let mut retries: Vec<Vec<u8>> = Vec::new();
        let mut cc = CampaignCounts::default();
        for seg in &c.segments {
            let d = seg.district;
            let dist = &w.districts[d];
            stream(
                dist.start,
                dist.start + dist.size,
                |a, b| {
                    let (mut l1, mut l2, mut u) = (Vec::new(), Vec::new(), Vec::new());
                    let (mut n, mut r) = (0u64, 0u64);
                    for g in a..b {
                        if !w.member(c.idx, g, d) {
                            continue;
                        }
                        let num = w.number(g, d);
                        fmt::phone(&mut u, num, c.upload_spell);
                        u.push(b'\n');
                        n += 1;
                        for (i, at) in w.attempts(c.idx, g, d).iter().enumerate() {
                            if let Some(at) = at {
                                let lost = c
                                    .log_gap
                                    .is_some_and(|(s, e)| (s..e).contains(&(at.t - w.lag(c))));
                                if !lost {
                                    vendor_line(
                                        w,
                                        if i == 0 { &mut l1 } else { &mut l2 },
                                        c,
                                        num,
                                        at,
                                    );
                                    r += 1;
                                }
                            }
                        }
                    }
                    (l1, l2, u, n, r)
                },
                |(l1, l2, u, n, r)| {
                    cc.recipients += n;
                    cc.records += r;
                    retries.push(l2);
                    log.write(&l1)?;
                    up.write(&u)
                },
            )?;
        }
        for l2 in retries {
            log.write(&l2)?;
        }
        sink.close(log)?;
        sink.close(up)?;
        counts.push(cc);
    }
    Ok(counts)
}
