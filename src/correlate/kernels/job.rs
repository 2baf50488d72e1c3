//! The driver of the kernels ([`Job`]): the stages in order, the parts' counts added up, and
//! the results finished and written.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use super::{Body, Context, Counts, Need, Shared, Stage};
use crate::correlate::callparts::{self, Counted, Extract, MatchPart, Samples, Scan, Settings};
use crate::correlate::facts::{self, FactCounts, Facts};
use crate::correlate::input::{self, Complainants};
use crate::correlate::parts::PartReader;
use crate::correlate::reach::{self, Ranking};
use crate::correlate::registry::Registry;
use crate::correlate::slices::{ListCounts, Wanted};
use crate::correlate::sweep::{self, Names, Swept};
use crate::correlate::{
    attribution, calls, CorrelateOptions, Correlation, Params, Phases, ALPHA, SPREAD_TOP_NUMBERS,
};
use crate::error::{Error, Result};
use crate::join::OffsetEstimate;
use crate::manifest::Manifest;
use crate::model::Kind;

/// What the driver knows after the scan.
struct AfterScan {
    counted: Counted,
    names: Names,
    ranking: Ranking,
    fact_counts: FactCounts,
    /// The originating numbers whose calls later tables show, ascending.
    keep: Vec<u64>,
}

/// What the driver knows after the matches.
struct AfterMatch {
    counted: Counted,
    ranking: Ranking,
    fact_counts: FactCounts,
    extract: Extract,
    swept: Swept,
    wanted: Wanted,
}

/// Where the driver stands.
enum State {
    Scan {
        acc: Box<Scan>,
    },
    Samples {
        prior: Box<AfterScan>,
        samples: BTreeMap<u32, Samples>,
    },
    Match {
        prior: Box<AfterScan>,
        estimates: BTreeMap<(String, String), OffsetEstimate>,
        found: BTreeMap<u32, MatchPart>,
    },
    Lists {
        prior: Box<AfterMatch>,
        counts: Option<Box<ListCounts>>,
    },
    Done {
        prior: Box<AfterMatch>,
        counts: Box<ListCounts>,
    },
    /// Left by a stage that failed half-way.
    Failed,
}

/// The driver of a correlate run over an output folder that holds a case store (see the
/// module doc): it reads the manifest and the tables read whole, hands out each stage's
/// context, adds the parts' counts up, and writes the results.
pub struct Job {
    out: PathBuf,
    manifest: Manifest,
    params: Params,
    st: input::Store,
    facts: Facts,
    reg: Registry,
    /// Shared with each stage's context (a copy only where the context is sent elsewhere).
    shared: Arc<Shared>,
    /// How many slices the list analyses count in, and the swept tables' common part count.
    slicing: (u32, u32),
    /// How many parts the scan counts: the most any table it reads has.
    scan_parts: u32,
    /// The parts counted in this stage: (part, table).
    done: BTreeSet<(u32, Kind)>,
    phases: Phases,
    t0: Instant,
    state: State,
}

impl Job {
    /// The driver of a run over `out`, at the first stage. The store is checked against the
    /// manifest (every file re-hashed) and the parameters re-validated before anything else
    /// is read.
    ///
    /// # Errors
    /// As [`crate::correlate::run`].
    pub fn open(out: &Path) -> Result<Job> {
        let t0 = Instant::now();
        let manifest = Manifest::read(out)?;
        manifest.check_store(out)?;
        let params = Params::from_manifest(&manifest, out)?;
        let mut phases = Phases::new();
        let st = input::Store::read(&manifest, out)?;
        let read =
            |k, cols: &[&str]| crate::ingest::read_table_coded(&manifest, out, k, Some(cols));
        let comp = Complainants::read(&read(Kind::Complainants, &input::COMPLAINANT_COLUMNS)?)?;
        let subscribers = read(Kind::Subscribers, &facts::SUBSCRIBER_COLUMNS)?;
        let facts = Facts::read(&subscribers, &st.watchlist)?;
        drop(subscribers);
        let reg = Registry::read(&st.campaigns)?;
        let reader = PartReader::new(&manifest, out);
        let parts = reader.parts_of(Kind::Calls).max(1);
        let slicing = sweep::slicing(&reader);
        let scan_parts = Stage::Scan
            .tables()
            .into_iter()
            .map(|(k, _)| reader.parts_of(k))
            .max()
            .unwrap_or(0)
            .max(1);
        let a = &params.case.attribution;
        let settings = Settings {
            orders: params.orders,
            windows: (params.incident, params.baseline),
            tolerance_us: (a.tolerance_s * 1e6).round() as i64,
            offset_window_us: (a.offset_window_s * 1e6).round() as i64,
        };
        let shared = Arc::new(Shared {
            ranks: reader.ranks.clone(),
            spanning: callparts::spanning(&comp, parts),
            comp,
            never_rang: a.never_rang.clone(),
            parts,
            settings,
        });
        let mut acc = Scan::default();
        acc.names.watchlist(&st.watchlist)?;
        phases.mark("read");
        Ok(Job {
            out: out.to_path_buf(),
            manifest,
            params,
            st,
            facts,
            reg,
            shared,
            slicing,
            scan_parts,
            done: BTreeSet::new(),
            phases,
            t0,
            state: State::Scan { acc: Box::new(acc) },
        })
    }

    /// The stage to count next; `None` once every stage is done ([`Job::finish`]).
    pub fn stage(&self) -> Option<Stage> {
        match self.state {
            State::Scan { .. } => Some(Stage::Scan),
            State::Samples { .. } => Some(Stage::Samples),
            State::Match { .. } => Some(Stage::Match),
            State::Lists { .. } => Some(Stage::Lists),
            State::Done { .. } | State::Failed => None,
        }
    }

    /// How many parts the current stage counts: the most parts a table it reads has (in the
    /// `lists` stage, the slices: the store's parts).
    pub fn parts(&self) -> u32 {
        match self.state {
            State::Scan { .. } => self.scan_parts,
            State::Lists { .. } => self.slicing.0,
            _ => self.shared.parts,
        }
    }

    /// The output folder.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// The manifest the store was checked against.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The file of part `part` of `kind`'s table, if the store has it.
    pub fn part_path(&self, kind: Kind, part: u32) -> Option<PathBuf> {
        self.part_paths(kind).get(part as usize).cloned()
    }

    /// The files of the parts of `kind`'s table, in part order.
    pub fn part_paths(&self, kind: Kind) -> Vec<PathBuf> {
        crate::ingest::table_parts(&self.manifest, &self.out, kind)
    }

    /// Whether each part of the `lists` stage is one part of every table it reads (the
    /// store's tables all have the same number of parts). When not, a slice is cut from every
    /// part of each table, so only [`crate::correlate::run`] counts it.
    pub fn parts_align(&self) -> bool {
        self.slicing.1 == self.slicing.0 || self.slicing.0 <= 1
    }

    /// The context of the current stage, to broadcast to the parts.
    ///
    /// # Errors
    /// [`Error::Store`] when every stage is done.
    pub fn context(&self) -> Result<Context> {
        let shared = || Arc::clone(&self.shared);
        let need = match &self.state {
            State::Scan { .. } => Need::Scan(shared()),
            State::Samples { prior, .. } => {
                Need::Samples(shared(), Box::new(prior.counted.offsets.clone()))
            }
            State::Match {
                prior, estimates, ..
            } => Need::Match {
                shared: shared(),
                offsets: attribution::estimated_offsets(estimates),
                numbers: prior.counted.reach.number.clone(),
                keep: prior.keep.clone(),
            },
            State::Lists { prior, .. } => Need::Lists {
                catalog: Box::new(prior.swept.catalog.clone()),
                wanted: Box::new(prior.wanted.clone()),
                watchlist: self.st.watchlist.clone(),
                slices: self.slicing.0,
                parts: self.slicing.1,
            },
            State::Done { .. } | State::Failed => {
                return Err(Error::store("correlate", "every stage is done"))
            }
        };
        Ok(Context { need })
    }

    /// Adds one part's counts of the current stage.
    ///
    /// # Errors
    /// [`Error::Store`] when the counts are of another stage, of a part out of range, or of a
    /// (part, table) already added.
    pub fn absorb(&mut self, c: Counts) -> Result<()> {
        let bad = |why: String| Error::store("counts", why);
        if Some(c.stage) != self.stage() {
            return Err(bad(format!(
                "counts of stage {} handed to stage {}",
                c.stage.name(),
                self.stage().map_or("(done)", Stage::name)
            )));
        }
        if c.part >= self.parts() {
            return Err(bad(format!(
                "counts of part {} of a store of {} parts",
                c.part,
                self.parts()
            )));
        }
        // The lists stage is counted by slice (whatever tables a slice was cut from).
        let keys: Vec<Kind> = match c.stage {
            Stage::Lists => vec![Kind::Population],
            _ => c.tables.clone(),
        };
        for &k in &keys {
            if !self.done.insert((c.part, k)) {
                return Err(bad(format!(
                    "part {} of table {} counted twice in stage {}",
                    c.part,
                    k.name(),
                    c.stage.name()
                )));
            }
        }
        match (&mut self.state, c.body) {
            (State::Scan { acc }, Body::Scan(s)) => acc.absorb(*s),
            (State::Samples { samples, .. }, Body::Samples(s)) => {
                samples.insert(c.part, s);
            }
            (State::Match { found, .. }, Body::Match(m)) => {
                found.insert(c.part, *m);
            }
            (State::Lists { counts, .. }, Body::Lists(l)) => {
                *counts = Some(match counts.take() {
                    None => l,
                    Some(acc) => Box::new(acc.merge(&l)),
                });
            }
            _ => return Err(bad("counts of another stage than they say".into())),
        }
        Ok(())
    }

    /// Checks that every part of every table the stage reads was counted.
    fn check_done(&self, stage: Stage) -> Result<()> {
        let missing: Vec<String> = match stage {
            Stage::Lists => (0..self.slicing.0)
                .filter(|&p| !self.done.contains(&(p, Kind::Population)))
                .map(|p| format!("slice {p}"))
                .collect(),
            _ => {
                let reader = PartReader::new(&self.manifest, &self.out);
                stage
                    .tables()
                    .into_iter()
                    .flat_map(|(k, _)| (0..reader.parts_of(k)).map(move |p| (p, k)))
                    .filter(|key| !self.done.contains(key))
                    .map(|(p, k)| format!("{} part {p}", k.name()))
                    .collect()
            }
        };
        match missing.as_slice() {
            [] => Ok(()),
            m => Err(Error::store(
                "counts",
                format!(
                    "stage {} is missing the counts of {} (of {} parts)",
                    stage.name(),
                    m.join(", "),
                    self.parts()
                ),
            )),
        }
    }

    /// Finishes the current stage, every part counted: the next stage's context is known.
    ///
    /// # Errors
    /// [`Error::Store`] when a part was not counted, or the rows kept cannot be merged.
    pub fn advance(&mut self) -> Result<()> {
        let Some(stage) = self.stage() else {
            return Err(Error::store("correlate", "every stage is done"));
        };
        self.check_done(stage)?;
        self.done.clear();
        let state = std::mem::replace(&mut self.state, State::Failed);
        self.state = match state {
            State::Scan { acc } => {
                self.phases.mark("calls");
                let prior = self.after_scan(*acc);
                match prior.counted.deltas.clone().samples() {
                    Some(s) => self.matching(prior, s),
                    None => State::Samples {
                        prior: Box::new(prior),
                        samples: BTreeMap::new(),
                    },
                }
            }
            State::Samples { prior, samples } => {
                let mut all: Samples = BTreeMap::new();
                for (_, part) in samples {
                    for (pair, deltas) in part {
                        all.entry(pair).or_default().extend(deltas);
                    }
                }
                self.matching(*prior, all)
            }
            State::Match {
                prior,
                estimates,
                found,
            } => {
                let found: Vec<MatchPart> = found.into_values().collect();
                let totals = (&prior.counted.offsets, &estimates);
                let extract = callparts::merge_matched(&self.manifest, found, totals)?;
                self.phases.mark("attribution");
                let after = self.after_match(*prior, extract)?;
                self.phases.mark("lists");
                State::Lists {
                    prior: Box::new(after),
                    counts: None,
                }
            }
            State::Lists { prior, counts } => {
                let counts = counts.ok_or_else(|| Error::store("counts", "no slice counted"))?;
                self.phases.mark("list_counts");
                State::Done { prior, counts }
            }
            done @ (State::Done { .. } | State::Failed) => done,
        };
        Ok(())
    }

    /// The scan merged: the reach ranked, the subscriber facts counted, the rows to keep.
    fn after_scan(&mut self, acc: Scan) -> AfterScan {
        let (counted, names) = acc.finish();
        let p = &self.params;
        let ranking = reach::finish(&counted.reach, p.incident, p.baseline);
        self.phases.mark("reach");
        let fact_counts = facts::count(&self.facts, &counted.reach.number);
        self.phases.mark("subscribers");
        // The rows later tables show: every call of a significant number (the leads are among
        // them) or of a number the spread table ranks, and the matched calls.
        let mut keep: Vec<u64> = ranking
            .order
            .iter()
            .enumerate()
            .filter(|&(pos, &k)| pos < SPREAD_TOP_NUMBERS || ranking.ln_q[k] <= ALPHA.ln())
            .map(|(_, &k)| counted.reach.number[k])
            .collect();
        keep.sort_unstable();
        AfterScan {
            counted,
            names,
            ranking,
            fact_counts,
            keep,
        }
    }

    /// The match stage, the offsets estimated from `samples`.
    fn matching(&self, prior: AfterScan, samples: Samples) -> State {
        let estimates = attribution::offset_estimates(&prior.counted.offsets, samples);
        State::Match {
            prior: Box::new(prior),
            estimates,
            found: BTreeMap::new(),
        }
    }

    /// The matches merged: the lists ordered, and what the list analyses count.
    fn after_match(&self, prior: AfterScan, extract: Extract) -> Result<AfterMatch> {
        let AfterScan {
            counted,
            names,
            ranking,
            fact_counts,
            ..
        } = prior;
        let comp = &self.shared.comp;
        let p = &self.params;
        let swept = names.finish(comp, p.case.case.population, &self.reg);
        let calls = input::Calls::new(&extract.calls)?;
        let (received, _) = calls::count(&calls, comp, p.orders);
        let top = crate::correlate::top_numbers(&calls, &received, &counted.reach, &ranking);
        let wanted = Wanted {
            restrict: p.case.analysis.restrict_to_population,
            marked: comp.numbers.clone(),
            top,
            times: swept.times.of_lists(&swept.lists),
        };
        Ok(AfterMatch {
            counted,
            ranking,
            fact_counts,
            extract,
            swept,
            wanted,
        })
    }

    /// Ranks, tables and writes the results, every stage done: the figures, the tables, the
    /// manifest, as `callsift correlate` writes them.
    ///
    /// # Errors
    /// [`Error::Store`] when a stage is not done; as [`crate::correlate::run`] otherwise.
    pub fn finish(self, opts: &CorrelateOptions) -> Result<Correlation> {
        let Job {
            out,
            mut manifest,
            params,
            st,
            facts,
            reg,
            shared,
            mut phases,
            t0,
            state,
            ..
        } = self;
        let State::Done { prior, counts } = state else {
            return Err(Error::store("correlate", "a stage is not done"));
        };
        let done = crate::correlate::Done {
            out: &out,
            key: opts.pseudonymize.as_ref(),
            params: &params,
            manifest: &manifest,
            st: &st,
            facts: &facts,
            reg: &reg,
            comp: &shared.comp,
        };
        let AfterMatch {
            counted,
            ranking,
            fact_counts,
            extract,
            swept,
            wanted,
        } = *prior;
        let (figures, tables) = crate::correlate::finish(
            &done,
            (counted, ranking, fact_counts),
            (extract, swept, wanted.top),
            *counts,
            &mut phases,
        )?;
        crate::correlate::write(&out, &mut manifest, (figures, tables), opts, (phases, t0))
    }
}
