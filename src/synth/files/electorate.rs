//! The files about people: `population.csv`, `complainants.csv`, and the fixed rows of the
//! subscriber returns (the named and shared numbers; the personal contacts' rows come with the
//! carrier records).

use super::{district_ranges, stream_pieces, Sink};
use crate::error::Result;
use crate::synth::fmt::{self, Spell};
use crate::synth::world::{BizKind, Complainant, World, AGES, CARRIERS, PARTIES};

/// `population.csv`: number, district, age band, party.
pub(crate) fn population(w: &World, sink: &mut Sink) -> Result<u64> {
    let mut f = sink.create("population.csv")?;
    f.write(b"number,district,age_band,party\n")?;
    stream_pieces(
        &district_ranges(w),
        |d, a, b| {
            let dist = &w.districts[d];
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
        |_, buf| f.write(&buf),
    )?;
    sink.close(f)?;
    Ok(w.population)
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
