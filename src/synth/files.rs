//! Every evidence file of the synthetic case except the carrier records: the population, the
//! party-database download log, the upload lists and the vendor's outbound logs, the
//! complainants, the subscriber returns' fixed rows, the watch-lists, the numbering plan and the
//! case manifest.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::fmt::{self, Spell};
use super::world::{
    BizKind, Campaign, Complainant, World, AGES, CARRIERS, PARTIES, US_NPAS, VENDOR,
};
use crate::error::{Error, Result};

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

/// `population.csv`: number, district, age band, party.
pub(crate) fn population(w: &World, sink: &mut Sink) -> Result<u64> {
    let mut f = sink.create("population.csv")?;
    f.write(b"number,district,age_band,party\n")?;
    for (d, dist) in w.districts.iter().enumerate() {
        stream(
            dist.start,
            dist.start + dist.size,
            |a, b| {
                let mut buf = Vec::with_capacity(((b - a) * 40) as usize);
                for g in a..b {
                    fmt::phone(&mut buf, w.number(g, d), Spell::Ten);
                    buf.push(b',');
                    buf.extend_from_slice(dist.name.as_bytes());
                    buf.push(b',');
                    buf.extend_from_slice(AGES[w.age(g)].as_bytes());
                    buf.push(b',');
                    buf.extend_from_slice(PARTIES[w.party(g, d)].as_bytes());
                    buf.push(b'\n');
                }
                buf
            },
            |buf| f.write(&buf),
        )?;
    }
    sink.close(f)?;
    Ok(w.population)
}

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

/// What a campaign's files hold.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CampaignCounts {
    pub recipients: u64,
    pub records: u64,
}

fn vendor_line(w: &World, b: &mut Vec<u8>, c: &Campaign, dialed: u64, a: &super::world::Attempt) {
    b.extend_from_slice(b"{\"ts\":\"");
    fmt::rfc3339_local(b, &w.zones[0], a.t - w.vendor_lag);
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
        let mut log = sink.create(&format!("vendor/outbound/{}.jsonl", c.name))?;
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
                                    .is_some_and(|(s, e)| (s..e).contains(&(at.t - w.vendor_lag)));
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

/// `complainants.csv`: file number, phone (three spellings), riding, date received, whether the
/// production order covered the line.
pub(crate) fn complainants(w: &World, comps: &[Complainant], sink: &mut Sink) -> Result<()> {
    let mut order: Vec<usize> = (0..comps.len()).collect();
    order.sort_by_key(|&i| (comps[i].day, comps[i].g));
    let mut b = Vec::with_capacity(comps.len() * 64);
    b.extend_from_slice(b"File No.,Complainant Phone,Riding,Received,Production order\n");
    for (k, &i) in order.iter().enumerate() {
        let c = &comps[i];
        b.extend_from_slice(format!("2011-{:06},", k + 1).as_bytes());
        let sp = [Spell::Paren, Spell::Dashed, Spell::Spaced][w.pick(1, c.g, 3) as usize];
        fmt::phone(&mut b, c.number, sp);
        b.push(b',');
        b.extend_from_slice(w.districts[c.district as usize].name.as_bytes());
        b.push(b',');
        fmt::ymd(&mut b, c.day * fmt::DAY);
        b.extend_from_slice(if c.in_orders {
            b",included\n"
        } else {
            b",after order\n"
        });
    }
    sink.whole("complainants.csv", &b)
}

/// The fixed rows of the subscriber returns: the named numbers and the shared numbers.
pub(crate) fn subscriber_head(w: &World) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(b"Number,Result,Subscriber,Provider\n");
    for n in &w.named {
        fmt::phone(&mut b, n.number, Spell::Dashed);
        b.push(b',');
        b.extend_from_slice(n.subscriber.0.as_bytes());
        b.push(b',');
        if let Some(s) = &n.subscriber.1 {
            fmt::csv_field(&mut b, s, b',');
        }
        b.push(b',');
        if let Some(s) = &n.subscriber.2 {
            fmt::csv_field(&mut b, s, b',');
        }
        b.push(b'\n');
    }
    for (i, biz) in w.businesses.iter().enumerate() {
        let u = w.pick(2, i as u64, 100);
        let (result, named) = match biz.kind {
            BizKind::Us => ("Not requested", false),
            BizKind::Scam => (if u < 50 { "Refused" } else { "Not requested" }, false),
            BizKind::Telemarketer if u < 30 => ("Refused", false),
            _ => ("Provided", true),
        };
        fmt::phone(
            &mut b,
            biz.number,
            if u.is_multiple_of(2) {
                Spell::Dashed
            } else {
                Spell::Paren
            },
        );
        b.push(b',');
        b.extend_from_slice(result.as_bytes());
        b.push(b',');
        if named {
            fmt::csv_field(&mut b, &biz.name, b',');
        }
        b.push(b',');
        if result != "Not requested" {
            b.extend_from_slice(if fmt::nanp(biz.number).is_some_and(|(a, ..)| a == 514) {
                CARRIERS[2].as_bytes()
            } else {
                CARRIERS[0].as_bytes()
            });
        }
        b.push(b'\n');
    }
    b
}

/// The four watch-lists, each in its own format.
pub(crate) fn watchlists(w: &World, sink: &mut Sink) -> Result<()> {
    let mut rng = super::rng::Rng::new(super::rng::key(&[w.seed, 0x3A7C]));
    let extra = |rng: &mut super::rng::Rng| w.local_number(rng.below(6) as usize, rng);

    // Political telemarketers (CSV).
    let mut b = b"Phone Number,Company,Client\n".to_vec();
    let row = |b: &mut Vec<u8>, n: u64, company: &str, client: &str| {
        fmt::phone(b, n, Spell::Dashed);
        b.push(b',');
        b.push(b'"');
        b.extend_from_slice(company.as_bytes());
        b.push(b'"');
        b.push(b',');
        b.extend_from_slice(client.as_bytes());
        b.push(b'\n');
    };
    for n in w.named.iter().filter(|n| n.list == Some("telemarketer")) {
        row(&mut b, n.number, &n.entity, "Party A");
    }
    for biz in w
        .businesses
        .iter()
        .filter(|x| x.kind == BizKind::PoliticalTelemarketer)
    {
        row(&mut b, biz.number, &biz.name, "Party B");
    }
    for i in 0..4 {
        let n = extra(&mut rng);
        row(
            &mut b,
            n,
            &format!("Dormant Call Centre {}", i + 1),
            "Party C",
        );
    }
    sink.whole("watchlists/political-telemarketers.csv", &b)?;

    // Political entities (JSON lines).
    let mut b = Vec::new();
    let jrow = |b: &mut Vec<u8>, n: u64, entity: &str, district: &str| {
        b.extend_from_slice(b"{\"number\":\"");
        fmt::phone(b, n, Spell::PlusSpaced);
        b.extend_from_slice(b"\",\"entity\":");
        b.extend_from_slice(serde_json::to_string(entity).unwrap_or_default().as_bytes());
        b.extend_from_slice(b",\"district\":");
        b.extend_from_slice(
            serde_json::to_string(district)
                .unwrap_or_default()
                .as_bytes(),
        );
        b.extend_from_slice(b"}\n");
    };
    for n in w
        .named
        .iter()
        .filter(|n| n.list == Some("political_entity"))
    {
        let d = n.district.map(|d| w.districts[d].name).unwrap_or("");
        jrow(&mut b, n.number, &n.entity, d);
    }
    for i in 0..5 {
        let di = rng.below(w.districts.len() as u64) as usize;
        let n = w.local_number(di, &mut rng);
        jrow(
            &mut b,
            n,
            &format!("Riding association {}", i + 1),
            w.districts[di].name,
        );
    }
    sink.whole("watchlists/political-entities.jsonl", &b)?;

    // Regulator suspects (TSV, one title line).
    let mut b = b"# Regulator suspect-number extract, produced 2011-06-15 (unregistered telemarketers)\nTN\tCategory\tComplaints\n".to_vec();
    let mut fraud_overlap = Vec::new();
    for (i, biz) in w.businesses.iter().enumerate() {
        let u = w.pick(3, i as u64, 100);
        let cat = match biz.kind {
            BizKind::Telemarketer if u < 60 => "unregistered telemarketer",
            BizKind::Scam if u < 40 => "suspected fraud",
            _ => continue,
        };
        if biz.kind == BizKind::Scam {
            fraud_overlap.push(biz.number);
        }
        fmt::phone(&mut b, biz.number, Spell::Ten);
        b.extend_from_slice(format!("\t{cat}\t{}\n", 2 + u % 40).as_bytes());
    }
    for _ in 0..3 {
        let n = w.far_number(true, &mut rng);
        fmt::phone(&mut b, n, Spell::Ten);
        b.extend_from_slice(b"\tunregistered telemarketer\t3\n");
    }
    sink.whole("watchlists/regulator-suspects.tsv", &b)?;

    // Anti-fraud centre (Windows-1252, `;`, French).
    let mut b = fmt::cp1252("Numéro;Catégorie;Signalements\n");
    for (i, biz) in w.businesses.iter().enumerate() {
        let u = w.pick(4, i as u64, 100);
        if biz.kind != BizKind::Scam || u >= 70 {
            continue;
        }
        let (a, x, l) = fmt::nanp(biz.number).unwrap_or((876, 200, 0));
        b.extend_from_slice(format!("1 {a:03} {x:03}-{l:04};").as_bytes());
        b.extend_from_slice(&fmt::cp1252(
            [
                "Fraude à la loterie",
                "Hameçonnage bancaire",
                "Soutien technique",
            ][(u % 3) as usize],
        ));
        b.extend_from_slice(format!(";{}\n", 5 + u % 50).as_bytes());
    }
    for _ in 0..3 {
        let n = w.far_number(true, &mut rng);
        let (a, x, l) = fmt::nanp(n).unwrap_or((876, 200, 0));
        b.extend_from_slice(format!("1 {a:03} {x:03}-{l:04};").as_bytes());
        b.extend_from_slice(&fmt::cp1252("Fraude à la loterie;4\n"));
    }
    sink.whole("watchlists/antifraud-centre.csv", &b)?;
    Ok(())
}

/// `numbering-plan.csv`: every exchange of the districts and of the named numbers, and the
/// US and toll-free area codes.
pub(crate) fn numbering_plan(w: &World, sink: &mut Sink) -> Result<()> {
    let mut b = b"npa,nxx,country,region,carrier,status,rate_center\n".to_vec();
    let region = |p: super::world::Province| match p {
        super::world::Province::On => "ON",
        super::world::Province::Qc => "QC",
        super::world::Province::Bc => "BC",
    };
    for d in &w.districts {
        for e in &d.exch {
            b.extend_from_slice(
                format!(
                    "{},{},CA,{},{},In Service,{}\n",
                    e.npa,
                    e.nxx,
                    region(d.province),
                    CARRIERS[e.carrier as usize],
                    d.name
                )
                .as_bytes(),
            );
        }
    }
    for &(npa, nxx, holder) in &w.named_exchanges {
        let r = match npa {
            514 => "QC",
            _ => "ON",
        };
        b.extend_from_slice(format!("{npa},{nxx},CA,{r},{holder},In Service,\n").as_bytes());
    }
    for npa in US_NPAS.iter().chain(&[725]) {
        b.extend_from_slice(format!("{npa},,US,,,In Service,\n").as_bytes());
    }
    for npa in [800, 844, 855, 866, 877, 888] {
        b.extend_from_slice(format!("{npa},,NANP,toll-free,,In Service,\n").as_bytes());
    }
    sink.whole("numbering-plan.csv", &b)
}

/// The case manifest.
pub(crate) fn case_toml(w: &World, world_name: &str) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "# A synthetic case written by `callsift synth --seed {} --scale {} --world {}`.\n\
         # Every file here is evidence; truth.json (the planted answer) is for `callsift eval`\n\
         # and tests only, and the engine never reads it.\n\n",
        w.seed, w.scale, world_name
    ));
    s.push_str(&format!(
        "[case]\nname = \"Synthetic world (seed {}, scale {}, {})\"\n\n",
        w.seed, w.scale, world_name
    ));
    s.push_str(
        "[windows]\n\
         incident = { start = \"2011-05-02T00:00:00-04:00\", end = \"2011-05-03T00:00:00-04:00\" }\n\
         baseline = { start = \"2011-04-18T00:00:00-04:00\", end = \"2011-05-02T00:00:00-04:00\" }\n\
         orders   = { start = \"2011-04-18T00:00:00-04:00\", end = \"2011-05-03T00:00:00-04:00\" }\n\n",
    );
    let legit: Vec<String> = w
        .campaigns
        .iter()
        .filter(|c| !c.misleading)
        .map(|c| format!("\"{}\"", c.name))
        .collect();
    s.push_str(&format!(
        "[attribution]\ntolerance_s = 120\noffset_window_s = 600\n\
         # The party's own campaigns, declared: numbers attributed to them are marked explained.\n\
         legitimate_campaigns = [{}]\n\n",
        legit.join(", ")
    ));
    for (label, glob, profile) in [
        (CARRIERS[0], "carriers/ontario-tel-*.csv", "ontario"),
        (CARRIERS[1], "carriers/western-wireless-*.csv", "western"),
        (CARRIERS[2], "carriers/quebec-telecom-*.csv", "quebec"),
    ] {
        s.push_str(&format!(
            "[[inputs]]\nkind = \"calls\"\npath = \"{glob}\"\nprofile = \"{profile}\"\nlabel = \"{label}\"\n\n"
        ));
    }
    s.push_str(
        "[[inputs]]\nkind = \"complainants\"\npath = \"complainants.csv\"\nprofile = \"complaints\"\n\n\
         [[inputs]]\nkind = \"subscribers\"\npath = \"subscriber-returns.csv\"\nprofile = \"subscriber-returns\"\n\n",
    );
    for c in &w.campaigns {
        let mut up = Vec::new();
        fmt::local_stamp(&mut up, w.zones[0].local(c.upload_time));
        s.push_str(&format!(
            "[[inputs]]\nkind = \"vendor_list\"\npath = \"vendor/uploads/{}.csv\"\nprofile = \"vendor-upload\"\n\
             set = {{ vendor = \"{VENDOR}\", account = \"{}\", uploaded = \"{}\" }}\n\n",
            c.upload,
            c.vendor_account,
            String::from_utf8_lossy(&up)
        ));
    }
    s.push_str(&format!(
        "[[inputs]]\nkind = \"vendor_calls\"\npath = \"vendor/outbound/*.jsonl\"\nprofile = \"robodial-log\"\nlabel = \"{VENDOR}\"\n\n"
    ));
    s.push_str(
        "[[inputs]]\nkind = \"watchlist\"\npath = \"watchlists/political-telemarketers.csv\"\nprofile = \"wl-telemarketers\"\n\
         label = \"political telemarketers' call logs\"\nset = { list_kind = \"telemarketer\" }\n\n\
         [[inputs]]\nkind = \"watchlist\"\npath = \"watchlists/political-entities.jsonl\"\nprofile = \"wl-entities\"\n\
         label = \"numbers used by political entities\"\nset = { list_kind = \"political_entity\" }\n\n\
         [[inputs]]\nkind = \"watchlist\"\npath = \"watchlists/regulator-suspects.tsv\"\nprofile = \"wl-regulator\"\n\
         label = \"regulator suspect numbers\"\nset = { list_kind = \"regulator_suspect\" }\n\n\
         [[inputs]]\nkind = \"watchlist\"\npath = \"watchlists/antifraud-centre.csv\"\nprofile = \"wl-antifraud\"\n\
         label = \"anti-fraud centre numbers\"\nset = { list_kind = \"fraud_suspect\" }\n\n\
         [[inputs]]\nkind = \"downloads\"\npath = \"party-db-downloads.csv\"\nprofile = \"party-db\"\n\n\
         [[inputs]]\nkind = \"population\"\npath = \"population.csv\"\n\n\
         [[inputs]]\nkind = \"numbering_plan\"\npath = \"numbering-plan.csv\"\n\n",
    );
    s.push_str(PROFILES);
    s
}

const PROFILES: &str = r#"# Ontario Tel: CRLF, every field quoted, local Toronto time in two columns, (519) 555-0101.
[profiles.ontario]
time_zone = "America/Toronto"
timestamp_formats = ["%Y-%m-%d %H:%M:%S"]
duration = "s"
blocked_tokens = ["NO CID"]
[profiles.ontario.columns]
called = "Subscriber Number"
calling = "Originating Number"
start = ["Call Date", "Call Time"]
duration = "Duration (s)"

# Western Wireless: UTC ISO-8601, E.164, mm:ss; one file per month (and part).
[profiles.western]
time_zone = "UTC"
timestamp_formats = ["%Y-%m-%dT%H:%M:%SZ"]
duration = "mm:ss"
[profiles.western.columns]
called = "called_e164"
calling = "calling_e164"
start = "start_utc"
duration = "duration"

# Québec Télécom: BOM, semicolons, French headers, dd/mm/yyyy Montreal time, dotted numbers.
[profiles.quebec]
delimiter = ";"
time_zone = "America/Montreal"
timestamp_formats = ["%d/%m/%Y %H:%M:%S"]
duration = "hh:mm:ss"
blocked_tokens = ["Confidentiel", "Inconnu"]
[profiles.quebec.columns]
called = "Numéro abonné"
calling = "Numéro appelant"
start = ["Date d'appel", "Heure"]
duration = "Durée"

[profiles.complaints]
time_zone = "America/Toronto"
timestamp_formats = ["%Y-%m-%d"]
[profiles.complaints.columns]
complainant = "File No."
number = "Complainant Phone"
district = "Riding"
complained = "Received"
in_orders = "Production order"
[profiles.complaints.values]
in_orders = { included = "true", "after order" = "false" }

[profiles.subscriber-returns]
[profiles.subscriber-returns.columns]
number = "Number"
status = "Result"
name = "Subscriber"
provider = "Provider"
[profiles.subscriber-returns.values]
status = { Provided = "obtained", Refused = "refused", "Not requested" = "not_requested" }

[profiles.vendor-upload]
time_zone = "America/Toronto"
timestamp_formats = ["%Y-%m-%d %H:%M:%S"]
[profiles.vendor-upload.columns]
number = "phone"

# The vendor's clock (Eastern time with its offset) runs behind the carriers'.
[profiles.robodial-log]
timestamp_formats = ["rfc3339"]
[profiles.robodial-log.columns]
dialed = "to"
presented = "cid"
start = "ts"
campaign = "campaign"
account = "account"
disposition = "status"
keypress = "dtmf"

[profiles.wl-telemarketers.columns]
number = "Phone Number"
entity = "Company"

[profiles.wl-entities.columns]
number = "number"
entity = "entity"

[profiles.wl-regulator]
delimiter = "tab"
skip_lines = 1
[profiles.wl-regulator.columns]
number = "TN"
entity = "Category"

[profiles.wl-antifraud]
delimiter = ";"
encoding = "windows-1252"
[profiles.wl-antifraud.columns]
number = "Numéro"
entity = "Catégorie"

[profiles.party-db]
timestamp_formats = ["rfc3339"]
[profiles.party-db.columns]
number = "voter_phone"
download = "download_id"
account = "account"
time = "downloaded_at"
scope = "scope"
criteria = "criteria"
"#;

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
