//! Shared harness of the callsift fuzz targets.
//!
//! * [`LimitAlloc`], the global allocator of every target: a single allocation above
//!   [`MALLOC_LIMIT`] aborts with a backtrace. libFuzzer's own `-malloc_limit_mb` needs a
//!   sanitizer's malloc hooks, and the targets are built with `-s none` on stable (no ASan), so
//!   this is what makes over-allocation (a length field taken at its word) a finding even when
//!   the pages are never touched and `-rss_limit_mb` would not see them.
//! * [`Harness`]: evidence bytes written to a file in a private temporary folder and read through
//!   `callsift::ingest::read_file` on `InputFile`s built by `Case::from_toml`, exactly as
//!   `callsift ingest` does, then checked with [`check_loaded`].
//! * [`tolerate_guarded_panics`]: for the third-party readers (xlsx, Parquet, IPC), which
//!   callsift runs inside `load::driver::guard` (a panic there becomes an error naming the file).
//!
//! This crate is not part of the engine; `unsafe` is used only for the allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::PathBuf;
use std::sync::Once;

use callsift::config::{Case, InputFile};
use callsift::ingest::{self, Loaded};

/// Largest single allocation allowed, as `-malloc_limit_mb=2048`.
pub const MALLOC_LIMIT: usize = 2048 << 20;

/// The system allocator, aborting (with a backtrace) on one allocation above [`MALLOC_LIMIT`].
pub struct LimitAlloc;

thread_local! {
    static REPORTING: Cell<bool> = const { Cell::new(false) };
}

#[cold]
fn too_big(size: usize) -> ! {
    // Allocations made while reporting (the backtrace) pass through.
    let _ = REPORTING.try_with(|r| r.set(true));
    eprintln!(
        "==callsift-fuzz== out-of-memory: one allocation of {size} bytes exceeds \
         the limit of {MALLOC_LIMIT} bytes (-malloc_limit_mb=2048)"
    );
    eprintln!("{}", std::backtrace::Backtrace::force_capture());
    std::process::abort()
}

fn check_size(size: usize) {
    if size > MALLOC_LIMIT && !REPORTING.try_with(|r| r.get()).unwrap_or(true) {
        too_big(size);
    }
}

// SAFETY: every call is forwarded unchanged to `System`; the limit check only reads the size.
unsafe impl GlobalAlloc for LimitAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        check_size(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        check_size(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        check_size(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: LimitAlloc = LimitAlloc;

/// Replaces libFuzzer's abort-on-panic hook by one that prints each distinct panic location
/// once (`GUARDED-OR-NOT PANIC ...`) and lets the panic unwind. Inside `load::driver::guard` the panic
/// then becomes an error naming the file, as in `callsift ingest`; anywhere else it unwinds
/// into libfuzzer-sys's `catch_unwind`, which aborts: still a crash.
///
/// Used by the xlsx, Parquet and IPC targets, whose third-party readers may panic on damaged
/// files by design of those crates (forensic-reliability.md §3.6). The distinct locations are
/// the list of third-party panics to report upstream.
pub fn tolerate_guarded_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let seen = std::sync::Mutex::new(std::collections::BTreeSet::<String>::new());
        std::panic::set_hook(Box::new(move |info| {
            let loc = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let first = seen.lock().map(|mut s| s.insert(loc.clone())).unwrap_or(true);
            if first {
                let msg = info
                    .payload()
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| info.payload().downcast_ref::<&str>().copied())
                    .unwrap_or("?");
                let msg: String = msg.chars().take(300).collect();
                eprintln!("GUARDED-OR-NOT PANIC at {loc}: {msg}");
            }
        }));
    });
}

/// A private folder holding one evidence file, and the `InputFile`s (one per profile) that
/// read it.
pub struct Harness {
    _dir: tempfile::TempDir,
    /// The evidence file, rewritten for each input.
    pub path: PathBuf,
    /// One per profile given to [`Harness::new`].
    pub files: Vec<InputFile>,
}

/// The parent of the per-process temporary folders: `$CALLSIFT_FUZZ_TMP` (set by
/// `fuzz/run.sh`), else the system's.
pub fn tmp_root() -> PathBuf {
    std::env::var_os("CALLSIFT_FUZZ_TMP")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
}

impl Harness {
    /// `file_name` is the evidence file's name (its extension gives the format); each of
    /// `profiles` is `(kind, profile TOML)` and gives one `InputFile` through a case manifest
    /// `[[inputs]]` entry naming a profile file, as a case would.
    pub fn new(file_name: &str, profiles: &[(&str, &str)]) -> Harness {
        let dir = tempfile::Builder::new()
            .prefix("callsift-fuzz-")
            .tempdir_in(tmp_root())
            .expect("temporary folder");
        let path = dir.path().join(file_name);
        // A plausible file, so that the glob matches while the cases are built.
        std::fs::write(&path, b"x\n").unwrap();
        let mut files = Vec::new();
        for (i, (kind, profile)) in profiles.iter().enumerate() {
            let prof = dir.path().join(format!("profile-{i}.toml"));
            std::fs::write(&prof, profile).unwrap();
            let case_path = dir.path().join(format!("case-{i}.toml"));
            let text = format!(
                "[[inputs]]\nkind = \"{kind}\"\npath = \"{file_name}\"\n\
                 profile = \"profile-{i}.toml\"\nlabel = \"Fuzz Carrier\"\n"
            );
            let case = Case::from_toml(&text, &case_path)
                .unwrap_or_else(|e| panic!("harness profile {i} is wrong: {e}"));
            files.extend(case.files);
        }
        Harness {
            _dir: dir,
            path,
            files,
        }
    }

    /// Writes `data` as the evidence file and reads it with every profile, checking each
    /// outcome with [`check_loaded`].
    pub fn run(&self, data: &[u8]) {
        std::fs::write(&self.path, data).expect("write the evidence file");
        for f in &self.files {
            let r = ingest::read_file(f);
            check_loaded(f, data, &r);
        }
    }
}

/// What every reader promises, whatever the bytes:
///
/// * an error names the file;
/// * a result accounts for every record: rows read = accepted + quarantined, the batches hold
///   the accepted rows in the kind's canonical schema, each quarantined row has a
///   1-based row number and a reason; the file's size is reported.
pub fn check_loaded(file: &InputFile, data: &[u8], r: &callsift::Result<Loaded>) {
    let name = file.path.file_name().unwrap().to_string_lossy().into_owned();
    match r {
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains(&name), "the error does not name the file: {msg}");
        }
        Ok(l) => {
            assert_eq!(l.bytes, data.len() as u64, "size");
            let schema = file.kind.schema();
            let c = &l.counts;
            assert_eq!(
                c.rows_read,
                c.accepted + c.quarantined,
                "rows read != accepted + quarantined: {c:?}"
            );
            let stored: usize = l.chunks.iter().map(|ch| ch.batch.num_rows()).sum();
            let quarantined: usize = l.chunks.iter().map(|ch| ch.quarantine.len()).sum();
            assert_eq!(stored as u64, c.accepted, "{c:?}");
            assert_eq!(quarantined as u64, c.quarantined, "{c:?}");
            for ch in &l.chunks {
                assert_eq!(ch.batch.schema().fields(), schema.fields(), "schema");
                for q in &ch.quarantine {
                    assert!(q.row >= 1, "quarantined row 0: {q:?}");
                    assert!(!q.reason.is_empty(), "quarantined without a reason: {q:?}");
                }
            }
        }
    }
}

/// Lines of a UTF-8 or single-byte text as the CSV reader counts them: split on `\n`, a final
/// `\n` ends the last line.
pub fn count_lines(data: &[u8]) -> u64 {
    if data.is_empty() {
        return 0;
    }
    let n = data.iter().filter(|&&b| b == b'\n').count() as u64;
    if data.last() == Some(&b'\n') {
        n
    } else {
        n + 1
    }
}

/// Profiles for the Parquet and IPC targets: the fixtures' `population` (defaults),
/// `party-db` download log and the bad-input corpus calls profile (zero-rows.parquet/.arrow).
pub const COLUMNAR_PROFILES: &[(&str, &str)] = &[
    ("population", ""),
    (
        "downloads",
        "[columns]\nnumber = \"voter_phone\"\ndownload = \"download_id\"\ntime = \"at\"\n",
    ),
    (
        "calls",
        "time_zone = \"America/Toronto\"\ntimestamp_formats = [\"%Y-%m-%d %H:%M:%S\", \"epoch_s\"]\n\
         duration = \"s\"\n[columns]\ncalled = \"Called\"\ncalling = \"Calling\"\n\
         start = \"Start\"\nduration = \"Duration\"\n",
    ),
];
