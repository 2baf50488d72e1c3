//! The output folder's layout: the names of what lives in it and the identity of a file. The one
//! place an output-folder path is spelled.
//!
//! ```text
//!  NAME/
//!    manifest.json   the run manifest (module `manifest`)
//!    audit.log       the hash-chained audit log (module `audit`)
//!    store/          the case store: a folder of Parquet parts per canonical table,
//!                    store/<table>/part-NNNN.parquet (modules `store`, `partition`)
//!    results/        the results, figures.json (module `model::results`)
//!    report.html     the report, one self-contained page (module `report`)
//! ```
//!
//! A leaf: it imports nothing of the crate, and its docs name the modules that use it only as
//! text, so that the manifest, the audit log and the output folder's owner (module `outdir`,
//! which creates, locks, stages and commits the folder) can all name the same files without
//! importing each other.

/// The case store's folder inside the output folder.
pub const STORE: &str = "store";
/// Part `part` of the case store's table `table`, relative to the output folder:
/// `store/<table>/part-NNNN.parquet` (four digits, from `0000`: the parts sort by name).
pub fn store_part(table: &str, part: u32) -> String {
    format!("{STORE}/{table}/part-{part:04}.parquet")
}

/// The folder of the case store's table `table`, relative to the output folder, with its
/// trailing `/`: every path of its parts starts with it.
pub fn store_table_prefix(table: &str) -> String {
    format!("{STORE}/{table}/")
}

/// The results' folder inside the output folder.
pub const RESULTS: &str = "results";
/// The run manifest's file name inside the output folder.
pub const MANIFEST: &str = "manifest.json";
/// The audit log's file name inside the output folder.
pub const AUDIT: &str = "audit.log";
/// The report's file name inside the output folder.
pub const REPORT: &str = "report.html";

/// The identity of a file: device and inode. Two paths with one identity are one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId {
    /// Device number.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
}

impl FileId {
    /// The identity of the file `meta` describes.
    pub fn of(meta: &std::fs::Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId {
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }
}
