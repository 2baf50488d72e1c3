//! callsift: a forensic call-log correlation engine for election investigators.
//!
//! Evidence files (carrier production-order records, vendor upload lists and outbound logs,
//! subscriber returns, database download logs, watch-lists) are read through format profiles
//! into a case store of canonical Parquet tables ([`ingest`]); correlated and ranked by
//! significance ([`correlate`]); and reported, with every figure traceable to the evidence rows
//! it came from. See `docs/` for the method, the formats and how to reproduce a published
//! inquiry.
//!
//! # The library
//!
//! What an analyst or a binding uses, in the order data flows (evidence → store → results):
//!
//! - [`Case`] opens a case manifest (`case.toml`) and checks it; [`check::check`] tries its
//!   profiles on every evidence file, writing nothing;
//! - [`ingest::run`] reads its evidence files into a case store (`DIR/store/`, tables in
//!   [`model`]'s canonical schemas, read back with [`store`]);
//! - [`correlate::run`] computes the results (`DIR/results/`);
//! - [`results`] reads them back through the results contract ([`Figures`], [`Table`]);
//!   [`figures::compare`] sets them beside a published inquiry's; [`report::write`] tells
//!   them on one page, `DIR/report.html`;
//! - [`pipeline`] runs those steps as the command line does, each writing the output folder as
//!   one unit (staged, then swapped in, with a line in its audit log): [`pipeline::run`] is
//!   `callsift run`;
//! - [`manifest::verify`] checks a folder against its manifest (hashes, row counts, evidence);
//! - the kernels beneath: [`normalize`] (phone numbers, times), [`join`] (parallel exact, band
//!   and overlap joins), [`stats`] (exact tests in log space, Benjamini–Hochberg);
//!   [`pseudonym`] for keyed tokens in shared results.
//!
//! ```
//! # fn main() -> callsift::Result<()> {
//! use callsift::{correlate, ingest, results, Case, Table};
//!
//! let case = Case::load(std::path::Path::new("fixtures/formats/case.toml"))?;
//! let dir = tempfile::tempdir().map_err(|e| callsift::Error::io("tempdir", e))?;
//! ingest::run(&case, dir.path(), 2)?;
//! let found = correlate::run(dir.path(), &Default::default())?;
//! assert_eq!(found.figures, results::figures(dir.path())?);
//!
//! // The top-ranked originating number: the spoofed caller ID of the fixture.
//! let numbers = results::table(dir.path(), Table::Numbers)?;
//! let number = results::texts(&numbers, Table::Numbers, "number")?;
//! assert_eq!(number[0].as_deref(), Some("+16135550199"));
//! # Ok(())
//! # }
//! ```
//!
//! The modules hidden from these pages (`audit`, `load`, `outdir`, `profile`, `synth`) serve
//! the `callsift` binary, the fuzz targets and the tests; they are public only for them and are
//! not a stable surface. The binary itself (`src/main.rs`, `src/cli.rs`) uses nothing else.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod check;
pub mod config;
pub mod correlate;
pub mod digest;
pub mod error;
pub mod figures;
pub mod ingest;
pub mod join;
pub mod layout;
pub mod manifest;
pub mod model;
pub mod normalize;
pub mod partition;
pub mod pipeline;
pub mod pseudonym;
pub mod report;
pub mod results;
pub mod stats;
pub mod store;

#[doc(hidden)]
pub mod audit;
#[doc(hidden)]
pub mod load;
#[doc(hidden)]
pub mod outdir;
#[doc(hidden)]
pub mod profile;
#[doc(hidden)]
pub mod synth;

pub use config::Case;
pub use correlate::kernels;
pub use error::{Error, Result};
pub use model::results::{Figures, Table};
