//! Where numbers are ([`Geography`]): the district of each number and the attributes of the
//! population's numbers, gathered from the `population` table ([`GeoGather`]: over the whole
//! store for the names and their order, [`GeoCatalog`]; over one part for its rows, placed by
//! the catalog, [`GeoParts`]); and the districts each account may reach, from the download
//! logs.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow::array::RecordBatch;
use rustc_hash::FxHashMap as HashMap;

use crate::correlate::cols::{u64_values, Codes};
use crate::correlate::input::Complainants;
use crate::correlate::parts::{recode, Dict, RowKeys, Slice};
use crate::correlate::segments::{self, Col, Seg, Segments};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Where numbers are: the district of each number (population rows first, then the
/// complainants' own; the lowest row wins) and the attributes of the population's numbers.
/// The whole case's (from [`GeoGather::finish`]) holds the names and scopes only; a slice's
/// ([`GeoParts::slice`]) holds its numbers' rows too.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Geography {
    /// Numbers of the district table.
    pub(super) table_number: Vec<u64>,
    /// District code per table row (`NONE` where null).
    pub(super) table_district: Vec<u32>,
    /// District names.
    pub districts: Vec<String>,
    /// Numbers of the population table.
    pub(super) pop_number: Vec<u64>,
    /// The attributes compared (`age_band`, `party`), each interned per population row.
    pub attributes: Vec<(String, Codes)>,
    /// Per account: national, or the districts its downloads were scoped to.
    pub(super) scope: HashMap<String, Scope>,
}

/// The districts an account may reach, from its download logs.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct Scope {
    pub(super) national: bool,
    pub(super) districts: BTreeSet<String>,
}

impl Geography {
    /// From whole `population` and `downloads` tables, and the complainants.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    #[cfg(test)]
    pub fn read(
        population: &RecordBatch,
        downloads: &RecordBatch,
        comp: &Complainants,
    ) -> Result<Geography> {
        let mut g = GeoGather::default();
        g.population(population, &RowKeys::in_order(population.num_rows()))?;
        g.downloads(downloads)?;
        let (_, cat) = g.finish(comp);
        g.part(&cat, 1)?.slice(&cat, Slice::new(0, 1))
    }

    /// The population's numbers, one per row (any order, repeats possible).
    pub fn population_numbers(&self) -> &[u64] {
        &self.pop_number
    }

    /// The geography of the numbers `keep` holds: their district and population rows, in the
    /// same order; the same district names, attribute values and scopes.
    #[cfg(test)]
    pub fn part(&self, keep: impl Fn(u64) -> bool) -> Geography {
        let pick = |numbers: &[u64]| -> Vec<usize> {
            (0..numbers.len()).filter(|&i| keep(numbers[i])).collect()
        };
        let (t, p) = (pick(&self.table_number), pick(&self.pop_number));
        Geography {
            table_number: t.iter().map(|&i| self.table_number[i]).collect(),
            table_district: t.iter().map(|&i| self.table_district[i]).collect(),
            districts: self.districts.clone(),
            pop_number: p.iter().map(|&i| self.pop_number[i]).collect(),
            attributes: self
                .attributes
                .iter()
                .map(|(name, c)| {
                    let codes = p.iter().map(|&i| c.codes[i]).collect();
                    let names = c.names.clone();
                    (name.clone(), Codes { codes, names })
                })
                .collect(),
            scope: self.scope.clone(),
        }
    }
}

/// The geography as the parts of the store add to it: the districts and attributes in
/// provisional codes ([`Dict`]) and the accounts' scopes; the population's rows (numbers, and
/// district and attributes in those codes) kept in segments when reading a part to count it.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct GeoGather {
    #[serde(skip)]
    segs: Option<Arc<Segments>>,
    district: Dict,
    attributes: [Dict; 2],
    scope: HashMap<String, Scope>,
}

impl Default for GeoGather {
    /// A gatherer that keeps the rows, in segments of its own.
    fn default() -> GeoGather {
        GeoGather::new(Segments::shared())
    }
}

/// The population's attributes that the skew compares.
const ATTRIBUTES: [&str; 2] = ["age_band", "party"];

/// The geography's names and scopes (the whole store's), and the code of each district and
/// attribute value by name: what the gatherer of one part places its rows by
/// ([`GeoGather::part`]).
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct GeoCatalog {
    geo: Geography,
    district: HashMap<String, u32>,
    attributes: Vec<HashMap<String, u32>>,
    /// The complainants' `(number, district)`, by number.
    comp_rows: Vec<(u64, u32)>,
}

impl GeoGather {
    /// A gatherer keeping the population's rows in `segs`.
    pub fn new(segs: Arc<Segments>) -> GeoGather {
        GeoGather {
            segs: Some(segs),
            ..GeoGather::names_only()
        }
    }

    /// A gatherer keeping the names, their first appearances and the scopes only.
    pub fn names_only() -> GeoGather {
        GeoGather {
            segs: None,
            district: Dict::default(),
            attributes: Default::default(),
            scope: HashMap::default(),
        }
    }

    /// Adds rows of the `population` table, placed in the case by `keys`.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn population(&mut self, b: &RecordBatch, keys: &RowKeys) -> Result<()> {
        let code = |dict: &mut Dict, col: &str| -> Result<Vec<u32>> {
            let c = Codes::read(b, col)?;
            let to = dict.add(&c, keys);
            let mut local = c.codes;
            recode(&mut local, &to);
            Ok(local)
        };
        let district = code(&mut self.district, "district")?;
        let [a0, a1] = &mut self.attributes;
        let (c0, c1) = (code(a0, ATTRIBUTES[0])?, code(a1, ATTRIBUTES[1])?);
        let Some(segs) = &self.segs else {
            return Ok(());
        };
        let seg = segments::segment(vec![
            ("number", Col::U64(u64_values(b, "number")?.to_vec())),
            ("district", Col::U32(district)),
            (ATTRIBUTES[0], Col::U32(c0)),
            (ATTRIBUTES[1], Col::U32(c1)),
        ])?;
        segs.put(keys.part(), Seg::Geography, seg)
    }

    /// Adds what `o` gathered from other parts (names and scopes only).
    pub fn absorb(&mut self, o: GeoGather) {
        self.district.absorb(&o.district);
        for (mine, theirs) in self.attributes.iter_mut().zip(&o.attributes) {
            mine.absorb(theirs);
        }
        for (account, s) in o.scope {
            let e = self.scope.entry(account).or_default();
            e.national |= s.national;
            e.districts.extend(s.districts);
        }
    }

    /// Adds the scopes of rows of the `downloads` table.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn downloads(&mut self, b: &RecordBatch) -> Result<()> {
        add_scopes(&mut self.scope, b)
    }

    /// The geography's names and scopes (without rows: the population's districts in order of
    /// first appearance, then the complainants' districts the population lacks, by number),
    /// and the code of each name.
    pub fn finish(&self, comp: &Complainants) -> (Geography, GeoCatalog) {
        let (mut districts, _) = self.district.clone().finish();
        let mut comp_d: Vec<(u64, &String)> = comp
            .district_code
            .iter()
            .map(|(&n, &c)| (n, &comp.district_names[c as usize]))
            .collect();
        comp_d.sort_unstable();
        let mut comp_rows = Vec::with_capacity(comp_d.len());
        let mut district: HashMap<String, u32> = HashMap::default();
        for (i, d) in districts.iter().enumerate() {
            district.entry(d.clone()).or_insert(i as u32);
        }
        for (n, d) in comp_d {
            let code = match district.get(d) {
                Some(&c) => c,
                None => {
                    districts.push(d.clone());
                    let c = districts.len() as u32 - 1;
                    district.insert(d.clone(), c);
                    c
                }
            };
            comp_rows.push((n, code));
        }
        let (mut attributes, mut attribute_at) = (Vec::new(), Vec::new());
        for (dict, col) in self.attributes.iter().zip(ATTRIBUTES) {
            let (names, _) = dict.clone().finish();
            let at = names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), i as u32))
                .collect();
            attributes.push((
                col.to_string(),
                Codes {
                    codes: Vec::new(),
                    names,
                },
            ));
            attribute_at.push(at);
        }
        let geo = Geography {
            table_number: Vec::new(),
            table_district: Vec::new(),
            districts,
            pop_number: Vec::new(),
            attributes,
            scope: self.scope.clone(),
        };
        let cat = GeoCatalog {
            geo: geo.clone(),
            district,
            attributes: attribute_at,
            comp_rows,
        };
        (geo, cat)
    }

    /// The rows this gatherer kept, their codes placed by `cat` (the whole store's): read them
    /// slice by slice ([`GeoParts::slice`]); `parts` is how many parts the store has (0 when
    /// its tables differ).
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a value this gatherer saw is not in `cat` (the store
    /// changed between the reads), or when it kept no rows ([`GeoGather::names_only`], a bug).
    pub fn part(&self, cat: &GeoCatalog, parts: u32) -> Result<GeoParts> {
        let Some(segs) = self.segs.clone() else {
            return Err(Error::store(
                "segments",
                "a gatherer of names holds no rows",
            ));
        };
        let to = |dict: &Dict, at: &HashMap<String, u32>| -> Result<Vec<u32>> {
            dict.names()
                .iter()
                .map(|n| {
                    at.get(n).copied().ok_or_else(|| {
                        Error::store(
                            "store",
                            format!(
                                "population value {n:?} is in a part counted but was not in \
                                 the store swept: the store changed while correlate read it"
                            ),
                        )
                    })
                })
                .collect()
        };
        Ok(GeoParts {
            segs,
            parts,
            district_to: to(&self.district, &cat.district)?,
            attribute_to: self
                .attributes
                .iter()
                .zip(&cat.attributes)
                .map(|(d, at)| to(d, at))
                .collect::<Result<_>>()?,
        })
    }
}

/// The rows one gatherer kept, and the final codes of their provisional ones.
pub(crate) struct GeoParts {
    segs: Arc<Segments>,
    parts: u32,
    district_to: Vec<u32>,
    attribute_to: Vec<Vec<u32>>,
}

impl GeoParts {
    /// The geography of `cat` with the rows of the numbers of slice `s`: the population's rows
    /// in case order, then the complainants' (by number).
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a segment lacks a column (a bug).
    pub fn slice(&self, cat: &GeoCatalog, s: Slice) -> Result<Geography> {
        let mut g = cat.geo.clone();
        for b in self.segs.slice(Seg::Geography, s, self.parts)? {
            g.pop_number
                .extend_from_slice(segments::u64s(&b, "number")?);
            let mut d = segments::u32s(&b, "district")?.to_vec();
            recode(&mut d, &self.district_to);
            g.table_district.extend(d);
            for (a, ((_, codes), to)) in g.attributes.iter_mut().zip(&self.attribute_to).enumerate()
            {
                let mut c = segments::u32s(&b, ATTRIBUTES[a])?.to_vec();
                recode(&mut c, to);
                codes.codes.extend(c);
            }
        }
        g.table_number = g.pop_number.clone();
        for &(n, d) in cat.comp_rows.iter().filter(|(n, _)| s.keeps(*n)) {
            g.table_number.push(n);
            g.table_district.push(d);
        }
        Ok(g)
    }
}

/// Adds to `scope` the account scopes of rows of the download logs: the union of the
/// districts named in every download of the account (`;`-separated); `national` means no
/// restriction.
fn add_scopes(scope: &mut HashMap<String, Scope>, downloads: &RecordBatch) -> Result<()> {
    if downloads.num_rows() == 0 {
        return Ok(());
    }
    let acc = Codes::read(downloads, "account")?;
    let sc = Codes::read(downloads, "scope")?;
    for i in 0..acc.codes.len() {
        let (Some(a), Some(s)) = (acc.get(i), sc.get(i)) else {
            continue;
        };
        let e = scope.entry(a.to_string()).or_default();
        for d in s.split(';').map(str::trim) {
            if d.eq_ignore_ascii_case("national") {
                e.national = true;
            } else if !d.is_empty() {
                e.districts.insert(d.to_string());
            }
        }
    }
    Ok(())
}
