//! Where numbers are ([`Geography`]): the district of each number and the attributes of the
//! population's numbers, gathered from the `population` table part by part ([`GeoGather`],
//! the rows spilled as they come) and read back one slice of the numbers at a time
//! ([`GeoParts`]); and the districts each account may reach, from the download logs.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow::array::RecordBatch;
use rustc_hash::FxHashMap as HashMap;

use crate::correlate::cols::{u64_values, Codes};
use crate::correlate::input::Complainants;
use crate::correlate::parts::{recode, Dict, RowKeys, Slice};
use crate::correlate::spill::{self, Col, Seg, Spill};
use crate::error::Result;

/// Where numbers are: the district of each number (population rows first, then the
/// complainants' own; the lowest row wins) and the attributes of the population's numbers.
/// The whole case's (from [`GeoGather::finish`]) holds the names and scopes only; a slice's
/// ([`GeoParts::slice`]) holds its numbers' rows too.
#[derive(Clone)]
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
    pub attributes: Vec<(&'static str, Codes)>,
    /// Per account: national, or the districts its downloads were scoped to.
    pub(super) scope: HashMap<String, Scope>,
}

/// The districts an account may reach, from its download logs.
#[derive(Clone, Debug, Default)]
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
        g.finish(comp, 1).1.slice(Slice::new(0, 1))
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
                    (*name, Codes { codes, names })
                })
                .collect(),
            scope: self.scope.clone(),
        }
    }
}

/// The geography as the parts of the store add to it: the population's rows (numbers, and
/// district and attributes in provisional codes, [`Dict`]) spilled part by part, and the
/// accounts' scopes.
pub(crate) struct GeoGather {
    spill: Arc<Spill>,
    district: Dict,
    attributes: [Dict; 2],
    scope: HashMap<String, Scope>,
}

impl Default for GeoGather {
    /// A gatherer whose spill is held in memory.
    fn default() -> GeoGather {
        GeoGather::new(Arc::new(Spill::in_memory()))
    }
}

/// The population's attributes that the skew compares.
const ATTRIBUTES: [&str; 2] = ["age_band", "party"];

impl GeoGather {
    /// A gatherer spilling the population's rows to `spill`.
    pub fn new(spill: Arc<Spill>) -> GeoGather {
        GeoGather {
            spill,
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
        let seg = spill::segment(vec![
            ("number", Col::U64(u64_values(b, "number")?.to_vec())),
            ("district", Col::U32(district)),
            (ATTRIBUTES[0], Col::U32(code(a0, ATTRIBUTES[0])?)),
            (ATTRIBUTES[1], Col::U32(code(a1, ATTRIBUTES[1])?)),
        ])?;
        self.spill.put(keys.part(), Seg::Geography, seg)
    }

    /// Adds the scopes of rows of the `downloads` table.
    ///
    /// # Errors
    /// [`crate::Error::Store`] when a column is missing or of another type.
    pub fn downloads(&mut self, b: &RecordBatch) -> Result<()> {
        add_scopes(&mut self.scope, b)
    }

    /// The geography's names and scopes (its rows not yet read back: the population's
    /// districts in order of first appearance, then the complainants' districts the
    /// population lacks, by number), and where to read the rows from, slice by slice; `parts`
    /// is how many parts the store was swept in.
    pub fn finish(self, comp: &Complainants, parts: u32) -> (Geography, GeoParts) {
        let (mut districts, district_to) = self.district.finish();
        let mut comp_d: Vec<(&u64, &String)> = comp.district.iter().collect();
        comp_d.sort();
        let mut comp_rows = Vec::with_capacity(comp_d.len());
        for (n, d) in comp_d {
            let code = match districts.iter().position(|x| x == d) {
                Some(c) => c as u32,
                None => {
                    districts.push(d.clone());
                    districts.len() as u32 - 1
                }
            };
            comp_rows.push((*n, code));
        }
        let (mut attributes, mut attribute_to) = (Vec::new(), Vec::new());
        for (dict, col) in self.attributes.into_iter().zip(ATTRIBUTES) {
            let (names, to) = dict.finish();
            attributes.push((
                col,
                Codes {
                    codes: Vec::new(),
                    names,
                },
            ));
            attribute_to.push(to);
        }
        let geo = Geography {
            table_number: Vec::new(),
            table_district: Vec::new(),
            districts,
            pop_number: Vec::new(),
            attributes,
            scope: self.scope,
        };
        let gp = GeoParts {
            spill: self.spill,
            parts,
            geo: geo.clone(),
            district_to,
            attribute_to,
            comp_rows,
        };
        (geo, gp)
    }
}

/// Where the geography's rows are, and the final codes of their provisional ones.
pub(crate) struct GeoParts {
    spill: Arc<Spill>,
    parts: u32,
    /// The names and scopes, without rows.
    geo: Geography,
    district_to: Vec<u32>,
    attribute_to: Vec<Vec<u32>>,
    /// The complainants' `(number, district)`, by number.
    comp_rows: Vec<(u64, u32)>,
}

impl GeoParts {
    /// The geography of the numbers of slice `s`: the population's rows in case order, then
    /// the complainants' (by number).
    ///
    /// # Errors
    /// [`crate::Error::Io`] or [`crate::Error::Store`] when a spilled segment cannot be read.
    pub fn slice(&self, s: Slice) -> Result<Geography> {
        let mut g = self.geo.clone();
        for b in self.spill.slice(Seg::Geography, s, self.parts)? {
            g.pop_number.extend_from_slice(spill::u64s(&b, "number")?);
            let mut d = spill::u32s(&b, "district")?.to_vec();
            recode(&mut d, &self.district_to);
            g.table_district.extend(d);
            for (a, ((_, codes), to)) in g.attributes.iter_mut().zip(&self.attribute_to).enumerate()
            {
                let mut c = spill::u32s(&b, ATTRIBUTES[a])?.to_vec();
                recode(&mut c, to);
                codes.codes.extend(c);
            }
        }
        g.table_number = g.pop_number.clone();
        for &(n, d) in self.comp_rows.iter().filter(|(n, _)| s.keeps(*n)) {
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
