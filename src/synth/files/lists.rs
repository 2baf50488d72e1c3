//! The lists of the case: the four watch-lists, each in its own format (a telemarketers' CSV,
//! political entities' JSON lines, a regulator's TSV with a title line, an anti-fraud centre's
//! Windows-1252 French CSV), and the numbering plan.
//!
//! The watch-lists add a few numbers no call comes from, drawn from one stream in list order.

use super::Sink;
use crate::error::Result;
use crate::synth::fmt::{self, Spell};
use crate::synth::rng::{key, Rng};
use crate::synth::world::{BizKind, World, CARRIERS, US_NPAS};

/// The four watch-lists, each in its own format.
pub(crate) fn watchlists(w: &World, sink: &mut Sink) -> Result<()> {
    let mut rng = Rng::new(key(&[w.seed, 0x3A7C]));
    let b = telemarketers(w, &mut rng);
    sink.whole("watchlists/political-telemarketers.csv", &b)?;
    let b = entities(w, &mut rng);
    sink.whole("watchlists/political-entities.jsonl", &b)?;
    let b = regulator(w, &mut rng);
    sink.whole("watchlists/regulator-suspects.tsv", &b)?;
    let b = antifraud(w, &mut rng);
    sink.whole("watchlists/antifraud-centre.csv", &b)?;
    Ok(())
}

/// Political telemarketers (CSV): party A's, party B's, and four dormant call centres.
fn telemarketers(w: &World, rng: &mut Rng) -> Vec<u8> {
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
        let n = w.local_number(rng.below(6) as usize, rng);
        row(
            &mut b,
            n,
            &format!("Dormant Call Centre {}", i + 1),
            "Party C",
        );
    }
    b
}

/// Political entities (JSON lines): the named ones and five riding associations.
fn entities(w: &World, rng: &mut Rng) -> Vec<u8> {
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
        let d = n.district.map_or("", |d| w.districts[d].name.as_str());
        jrow(&mut b, n.number, &n.entity, d);
    }
    for i in 0..5 {
        let di = rng.below(w.districts.len() as u64) as usize;
        let n = w.local_number(di, rng);
        jrow(
            &mut b,
            n,
            &format!("Riding association {}", i + 1),
            &w.districts[di].name,
        );
    }
    b
}

/// Regulator suspects (TSV, one title line): some telemarketers and scams, three US numbers.
fn regulator(w: &World, rng: &mut Rng) -> Vec<u8> {
    let mut b = b"# Regulator suspect-number extract, produced 2011-06-15 (unregistered telemarketers)\nTN\tCategory\tComplaints\n".to_vec();
    for (i, biz) in w.businesses.iter().enumerate() {
        let u = w.pick(3, i as u64, 100);
        let cat = match biz.kind {
            BizKind::Telemarketer if u < 60 => "unregistered telemarketer",
            BizKind::Scam if u < 40 => "suspected fraud",
            _ => continue,
        };
        fmt::phone(&mut b, biz.number, Spell::Ten);
        b.extend_from_slice(format!("\t{cat}\t{}\n", 2 + u % 40).as_bytes());
    }
    for _ in 0..3 {
        let n = w.far_number(true, rng);
        fmt::phone(&mut b, n, Spell::Ten);
        b.extend_from_slice(b"\tunregistered telemarketer\t3\n");
    }
    b
}

/// Anti-fraud centre (Windows-1252, `;`, French): most scams, three US numbers.
fn antifraud(w: &World, rng: &mut Rng) -> Vec<u8> {
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
        let n = w.far_number(true, rng);
        let (a, x, l) = fmt::nanp(n).unwrap_or((876, 200, 0));
        b.extend_from_slice(format!("1 {a:03} {x:03}-{l:04};").as_bytes());
        b.extend_from_slice(&fmt::cp1252("Fraude à la loterie;4\n"));
    }
    b
}

/// `numbering-plan.csv`: every exchange of the districts and of the named numbers, and the
/// US and toll-free area codes.
pub(crate) fn numbering_plan(w: &World, sink: &mut Sink) -> Result<()> {
    let mut b = b"npa,nxx,country,region,carrier,status,rate_center\n".to_vec();
    for d in &w.districts {
        for e in &d.exch {
            b.extend_from_slice(
                format!(
                    "{},{},CA,{},{},In Service,{}\n",
                    e.npa,
                    e.nxx,
                    d.province.code(),
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
