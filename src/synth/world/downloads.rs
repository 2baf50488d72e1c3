//! The party database's download log: which account downloaded whom (supporters,
//! non-supporters, unidentified voters, random samples) from which districts and when. A
//! download holds whoever the database knew as such at its time, so membership is a keyed draw
//! on the person like everything else.
//!
//! The database's identification history (`party-db-identifications.csv`) agrees with every
//! download: a person is first identified at [`World::identified_at`]; one in twenty
//! non-supporters is first recorded under another non-supporter code and recoded to its own
//! before the end of April (so a download of non-supporters holds them either way); and one in
//! ten identified persons is re-identified after the election, from May to September 2011,
//! a supporter as a non-supporter or a non-supporter as a supporter. Persons the database holds
//! as undecided (U) have no row: the history records support codes only. The database as it
//! stands at the end therefore differs from the database as of any download.

use super::people::district_index;
use super::{edt, utc, World, T_DLPART, T_DLSAMPLE, T_HISTORY};

/// Which downloads a criteria keeps.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Criteria {
    /// Identified as B, C or D.
    NonSupporters,
    /// Identified as A.
    Supporters,
    /// Not identified (yet), or identified as undecided.
    Unidentified,
    /// A random share of everyone identified.
    Sample(f64),
}

impl Criteria {
    pub(crate) fn text(self) -> &'static str {
        match self {
            Criteria::NonSupporters => "non-supporters",
            Criteria::Supporters => "supporters",
            Criteria::Unidentified => "unidentified",
            Criteria::Sample(_) => "random sample of identified voters",
        }
    }
}

/// One party-database download.
#[derive(Clone, Debug)]
pub(crate) struct Download {
    pub id: String,
    pub account: String,
    /// UTC seconds.
    pub time: i64,
    /// The districts in scope, ascending.
    pub districts: Vec<usize>,
    /// What the log says the scope is (a district, or `national`).
    pub scope: String,
    pub criteria: Criteria,
    /// The share of the scope's persons the download covers (1 for the whole scope; less for a
    /// download of some of a district's polling divisions, a keyed share of its persons).
    pub part: f64,
}

/// The download log, in time order, over `n_districts` districts.
pub(super) fn log(n_districts: usize) -> Vec<Download> {
    let d = district_index;
    let (guelph, kw, london, ottawa) = (
        d("Guelph"),
        d("Kitchener—Waterloo"),
        d("London West"),
        d("Ottawa Centre"),
    );
    let all: Vec<usize> = (0..n_districts).collect();
    let dl =
        |id: &str, account: &str, time: i64, ds: Vec<usize>, scope: &str, c: Criteria| Download {
            id: id.into(),
            account: account.into(),
            time,
            districts: ds,
            scope: scope.into(),
            criteria: c,
            part: 1.0,
        };
    vec![
        dl(
            "DL-20110405-0288",
            "guelph-07",
            edt(4, 5, 14, 22, 9),
            vec![guelph],
            "Guelph",
            Criteria::Supporters,
        ),
        dl(
            "DL-20110423-0107",
            "natl-01",
            edt(4, 23, 10, 41, 55),
            all,
            "national",
            Criteria::Sample(0.14),
        ),
        dl(
            "DL-20110425-0330",
            "guelph-07",
            edt(4, 25, 21, 3, 40),
            vec![guelph],
            "Guelph",
            Criteria::Unidentified,
        ),
        dl(
            "DL-20110427-0351",
            "guelph-cpo",
            edt(4, 27, 9, 15, 2),
            vec![guelph],
            "Guelph",
            Criteria::Supporters,
        ),
        dl(
            "DL-20110428-0360",
            "ottawa-11",
            edt(4, 28, 16, 30, 12),
            vec![ottawa],
            "Ottawa Centre",
            Criteria::Sample(0.5),
        ),
        dl(
            "DL-20110429-0377",
            "london-02",
            edt(4, 29, 19, 48, 31),
            vec![london],
            "London West",
            Criteria::NonSupporters,
        ),
        dl(
            "DL-20110430-0398",
            "guelph-cpo",
            edt(4, 30, 11, 5, 27),
            vec![guelph],
            "Guelph",
            Criteria::Supporters,
        ),
        dl(
            "DL-20110501-0412",
            "guelph-07",
            edt(5, 1, 20, 10, 44),
            vec![guelph],
            "Guelph",
            Criteria::NonSupporters,
        ),
        dl(
            "DL-20110501-0415",
            "kw-03",
            edt(5, 1, 20, 55, 18),
            vec![kw],
            "Kitchener—Waterloo",
            Criteria::NonSupporters,
        ),
    ]
}

/// One identification event: the code (index into `PARTIES`) and UTC seconds.
pub(crate) type Event = (usize, i64);

/// The index of the download called `id` (0 if there is none).
pub(super) fn index(downloads: &[Download], id: &str) -> usize {
    downloads.iter().position(|x| x.id == id).unwrap_or(0)
}

impl World {
    /// The identification history of person `g` (in district `d`), in time order: up to three
    /// events (see the module doc).
    pub(crate) fn history(&self, g: u64, d: usize) -> [Option<Event>; 3] {
        let mut out = [None; 3];
        let Some(t) = self.identified_at(g, d) else {
            return out;
        };
        let label = self.label(g, d);
        if label == 4 {
            return out;
        }
        let u = |k: u64| self.u(T_HISTORY, k, g);
        let end_april = edt(4, 30, 21, 0, 0);
        if (1..=3).contains(&label) && u(0) < 0.05 {
            let other = 1 + (label + (u(1) * 2.0) as usize) % 3;
            out[0] = Some((other, t));
            out[1] = Some((label, t + (u(2) * (end_april - t) as f64) as i64));
        } else {
            out[0] = Some((label, t));
        }
        if u(3) < 0.1 {
            let (a, b) = (utc(2011, 5, 16, 13, 0, 0), utc(2011, 9, 30, 21, 0, 0));
            let later = a + (u(4) * (b - a) as f64) as i64;
            let code = if label == 0 {
                1 + (u(5) * 3.0) as usize % 3
            } else {
                0
            };
            out[2] = Some((code, later));
        }
        out
    }

    /// Whether download `k` holds person `g` (in district `d`).
    pub(crate) fn in_download(&self, k: usize, g: u64, d: usize) -> bool {
        let dl = &self.downloads[k];
        if dl.districts.binary_search(&d).is_err() {
            return false;
        }
        if dl.part < 1.0 && self.u(T_DLPART, k as u64, g) >= dl.part {
            return false;
        }
        let known = self.identified_at(g, d).is_some_and(|t| t < dl.time);
        match dl.criteria {
            Criteria::NonSupporters => known && matches!(self.label(g, d), 1..=3),
            Criteria::Supporters => known && self.label(g, d) == 0,
            Criteria::Unidentified => !known || self.label(g, d) == 4,
            Criteria::Sample(f) => known && self.u(T_DLSAMPLE, k as u64, g) < f,
        }
    }
}
