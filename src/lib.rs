//! callsift: a forensic call-log correlation engine for election investigators.
//!
//! Evidence files (carrier production-order records, vendor upload lists and outbound logs,
//! subscriber returns, database download logs, watch-lists) are read through format profiles
//! into a case store of canonical Parquet tables (`ingest`); correlated and ranked by
//! significance; and reported, with every figure traceable to the evidence rows it came from.
//! See `docs/` for the method, the formats and how to reproduce a published inquiry.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod audit;
pub mod cli;
pub mod config;
pub mod correlate;
pub mod error;
pub mod figures;
pub mod ingest;
pub mod join;
pub mod load;
pub mod manifest;
pub mod model;
pub mod normalize;
pub mod outdir;
pub mod profile;
pub mod pseudonym;
pub mod results;
pub mod stats;
pub mod store;
pub mod synth;

pub use error::{Error, Result};
