//! What ingest tells an observer while it works: which evidence file it starts and finishes
//! reading, and which phase it is in. The producer owns the seam (ingest calls, never draws);
//! the command line implements it with progress bars on a terminal. The library's own callers
//! pass [`Silent`].
//!
//! Calls come from rayon's worker threads while files are read in parallel, hence `Sync`; an
//! observer must be cheap and must not fail (progress is never a reason for a run to stop).

/// A phase of ingest, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Reading and converting every evidence file (in parallel), staging its rows by part.
    Read,
    /// Checking quarantine shares, then part by part: removing duplicate calls, superseding
    /// population history, writing the part's store files in the staging folder.
    Dedupe,
    /// Moving the parts into the case store; writing the quarantine, the duplicates and the
    /// manifest.
    Write,
}

impl Phase {
    /// A few words for a person.
    pub fn describe(self) -> &'static str {
        match self {
            Phase::Read => "reading evidence files",
            Phase::Dedupe => "removing duplicates",
            Phase::Write => "writing the case store",
        }
    }
}

/// An observer of ingest's progress. Every method has an empty default.
pub trait Progress: Sync {
    /// A phase begins.
    fn phase(&self, _phase: Phase) {}
    /// The evidence file `case.files[index]` starts being read.
    fn file_started(&self, _index: usize) {}
    /// The evidence file `case.files[index]` is read and converted (or failed).
    fn file_done(&self, _index: usize) {}
}

/// The observer that shows nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {}
