//! The party database's download log: which account downloaded whom (supporters,
//! non-supporters, unidentified voters, random samples) from which districts and when. A
//! download holds whoever the database knew as such at its time, so membership is a keyed draw
//! on the person like everything else.

use super::people::district_index;
use super::{edt, World, T_DLSAMPLE};

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
    /// The districts in scope, in order.
    pub districts: Vec<usize>,
    /// What the log says the scope is (a district, or `national`).
    pub scope: String,
    pub criteria: Criteria,
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

/// The index of the download called `id` (0 if there is none).
pub(super) fn index(downloads: &[Download], id: &str) -> usize {
    downloads.iter().position(|x| x.id == id).unwrap_or(0)
}

impl World {
    /// Whether download `k` holds person `g` (in district `d`).
    pub(crate) fn in_download(&self, k: usize, g: u64, d: usize) -> bool {
        let dl = &self.downloads[k];
        if !dl.districts.contains(&d) {
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
