//! The case manifest (`case.toml`): the inputs of a case, their kinds and profiles, the analysis
//! windows and the population.
//!
//! Everything that can be checked without reading the evidence is checked here, up front, so a
//! wrong manifest fails before anything is read or written: unknown keys, unknown kinds or
//! canonical columns, required columns left unmapped, unknown time zones, bad timestamp or
//! duration formats, unknown countries, bad globs and globs that match nothing. Every message
//! names the manifest (or profile) file and the key.
//!
//! ```toml
//! [case]
//! name = "Inquiry fixture"
//! population = 250000                      # stated size, when no `population` input is given
//!
//! [windows]                              # RFC 3339 instants or local days (see [`windows`])
//! incident = { start = "2011-05-02T00:00:00-04:00", end = "2011-05-03T00:00:00-04:00" }
//! baseline = { from = "2011-04-18", to = "2011-05-01", time_zone = "America/Toronto" }
//!
//! # [analysis]                             # optional; needs a `population` input
//! # restrict_to_population = true          # overlaps and enrichment count in it only
//!
//! # [identifications]                      # optional; the as-of test's segments
//! # own_codes = ["A"]                      # the party's own supporters; the rest: opponents
//!
//! [[inputs]]
//! kind = "calls"
//! path = "carriers/ontario-*.csv"          # relative to this file; globs allowed
//! profile = "ontario"                      # [profiles.ontario], a .toml path, or builtin:NAME
//! label = "Ontario Telecom"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::layout::FileId;
use crate::model::{ColType, Kind};
use crate::profile::{self, Format, Profile, ReadSpec};

pub mod identifications;
pub mod windows;
use identifications::IdentificationsSection;
pub use windows::{Window, WindowSpec, Windows, WindowsSection};

/// The case manifest as written. Unknown keys are rejected.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// Case-wide settings.
    #[serde(default)]
    pub case: CaseSection,
    /// The analysis windows.
    #[serde(default)]
    pub windows: WindowsSection,
    /// Vendor attribution settings.
    #[serde(default)]
    pub attribution: AttributionSection,
    /// Analysis conventions. Left out of the recorded parameters while every key has its
    /// default, so that a case that does not use them records what it always did.
    #[serde(default, skip_serializing_if = "AnalysisSection::is_default")]
    pub analysis: AnalysisSection,
    /// The party database's support codes. Left out of the recorded parameters while every key
    /// has its default, as `analysis` is.
    #[serde(default, skip_serializing_if = "IdentificationsSection::is_default")]
    pub identifications: IdentificationsSection,
    /// The evidence files.
    #[serde(default)]
    pub inputs: Vec<InputSpec>,
    /// Named format profiles.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

impl CaseFile {
    /// The checks that need no file: the windows (see [`CaseFile::resolve_windows`]), the
    /// attribution settings (non-negative, finite) and at least one input. Run on a case
    /// manifest when it is loaded, and again on the parameters recorded in a run manifest
    /// (`correlate`, `verify`), which could have been edited since; returns the windows.
    ///
    /// # Errors
    /// [`Error::Config`] naming `path` and the key at fault.
    pub fn validate(&self, path: &Path) -> Result<Windows> {
        let windows = self.resolve_windows(path)?;
        let att = &self.attribution;
        if !(att.tolerance_s >= 0.0 && att.tolerance_s.is_finite()) {
            return Err(Error::config(
                path,
                "attribution.tolerance_s: must be a non-negative number of seconds",
            ));
        }
        if let Some(k) = att.never_rang.iter().position(|d| d.trim().is_empty()) {
            return Err(Error::config(
                path,
                format!("attribution.never_rang[{k}]: a disposition cannot be blank"),
            ));
        }
        if !(att.offset_window_s >= 0.0 && att.offset_window_s.is_finite()) {
            return Err(Error::config(
                path,
                "attribution.offset_window_s: must be a non-negative number of seconds",
            ));
        }
        if let Some(z) = &self.case.time_zone {
            if z.parse::<chrono_tz::Tz>().is_err() {
                return Err(Error::config(
                    path,
                    format!(
                        "case.time_zone: {z:?} is not an IANA time zone (e.g. America/Toronto)"
                    ),
                ));
            }
        }
        if self.inputs.is_empty() {
            return Err(Error::config(
                path,
                "no [[inputs]]: the case names no evidence",
            ));
        }
        if self.analysis.restrict_to_population
            && !self.inputs.iter().any(|i| i.kind == Kind::Population)
        {
            return Err(Error::config(
                path,
                "analysis.restrict_to_population: the case has no `population` input to \
                 restrict to (a stated [case] population is a size, not a list of numbers)",
            ));
        }
        Ok(windows)
    }

    /// The windows in UTC microseconds; `path` names the manifest in errors.
    ///
    /// # Errors
    /// [`Error::Config`] for a window that is not one of the forms of [`WindowSpec`], a time
    /// or date that does not read, a window that ends before it starts, windows that overlap or
    /// reach outside the orders window.
    pub fn resolve_windows(&self, path: &Path) -> Result<Windows> {
        let w = self
            .windows
            .resolve()
            .map_err(|msg| Error::config(path, msg))?;
        // The binomial test's π is incident length / (incident + baseline length): the windows
        // must not overlap, and calls outside the orders window are never counted, so both must
        // lie inside it or π would be wrong.
        if let (Some(i), Some(b)) = (w.incident, w.baseline) {
            if i.start < b.end && b.start < i.end {
                return Err(Error::config(
                    path,
                    "windows.incident and windows.baseline overlap; the test compares them",
                ));
            }
        }
        if let Some(o) = w.orders {
            for (key, x) in [("incident", w.incident), ("baseline", w.baseline)] {
                if let Some(x) = x {
                    if x.start < o.start || x.end > o.end {
                        return Err(Error::config(
                            path,
                            format!(
                                "windows.{key} reaches outside windows.orders: records outside the \
                                 orders are never counted, so the {key} window would be cut short"
                            ),
                        ));
                    }
                }
            }
        }
        Ok(w)
    }
}

/// `[case]`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSection {
    /// A name for reports.
    #[serde(default)]
    pub name: String,
    /// The stated population size (lines in scope), used when no `population` input is given.
    pub population: Option<u64>,
    /// The IANA zone people read the case's times in (`America/Toronto`): the results'
    /// local-time columns (`start_local`, ...) are written in it. UTC when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

impl CaseSection {
    /// The zone of the local-time columns: `time_zone`, else UTC (and UTC for a name that is
    /// not a zone, which [`CaseFile::validate`] refuses).
    pub fn zone(&self) -> chrono_tz::Tz {
        self.time_zone
            .as_deref()
            .and_then(|z| z.parse().ok())
            .unwrap_or(chrono_tz::UTC)
    }
}

/// `[attribution]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttributionSection {
    /// Largest |t_carrier - t_vendor - offset| that still matches, in seconds.
    pub tolerance_s: f64,
    /// Window in which candidate pairs are collected to estimate the clock offset, in seconds.
    pub offset_window_s: f64,
    /// Vendor campaigns declared legitimate (e.g. a party's own get-out-the-vote calls): numbers
    /// attributed to them are marked explained, not dropped.
    pub legitimate_campaigns: Vec<String>,
    /// Vendor-log dispositions that mean the phone never rang (compared ignoring case and
    /// surrounding space, after the profile's `values.disposition` map): such attempts are
    /// not attribution candidates and do not enter the clock-offset estimate.
    pub never_rang: Vec<String>,
}

impl Default for AttributionSection {
    fn default() -> Self {
        AttributionSection {
            tolerance_s: 120.0,
            offset_window_s: 600.0,
            legitimate_campaigns: Vec::new(),
            never_rang: vec!["busy".into(), "failed".into()],
        }
    }
}

/// `[analysis]`: conventions of the list analyses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnalysisSection {
    /// Count list sizes and overlaps (overlaps and enrichment) within the population only: the
    /// numbers of a list, or complainants, outside the `population` input are left out of them
    /// and reported apart (`results/population_coverage`). Default false: every number counts.
    pub restrict_to_population: bool,
}

impl AnalysisSection {
    /// Whether every key has its default.
    pub fn is_default(&self) -> bool {
        *self == AnalysisSection::default()
    }
}

/// One `[[inputs]]` entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    /// What the files are.
    pub kind: Kind,
    /// A path or glob, relative to the manifest's folder.
    pub path: String,
    /// A profile name (`[profiles.NAME]`), a path to a profile TOML file, or `builtin:NAME`.
    /// Without one, the defaults of [`Profile`] apply.
    pub profile: Option<String>,
    /// A label: the carrier of `calls`, the vendor of `vendor_*` and `campaigns`, a watch-list.
    pub label: Option<String>,
    /// Canonical column -> fixed value for every row of these files.
    #[serde(default)]
    pub set: BTreeMap<String, String>,
}

/// One evidence file, resolved from an `[[inputs]]` entry.
#[derive(Clone, Debug)]
pub struct InputFile {
    /// Position in the case (inputs in manifest order, files of a glob in name order).
    pub index: usize,
    /// Which `[[inputs]]` entry it came from (0-based).
    pub spec_index: usize,
    /// What the file is.
    pub kind: Kind,
    /// Where to open it.
    pub path: PathBuf,
    /// Its canonical path (links and `..` resolved).
    pub canonical: PathBuf,
    /// Its identity (device and inode): one file however it is named.
    pub id: FileId,
    /// How it is named in the store's `source_file` and in reports: the path relative to the
    /// manifest's folder, with `/` separators.
    pub name: String,
    /// The container format.
    pub format: Format,
    /// The profile's name as given (or `default`).
    pub profile_name: String,
    /// The profile as written.
    pub profile: Arc<Profile>,
    /// The profile resolved: what the file is read and converted with.
    pub spec: Arc<ReadSpec>,
    /// The input's label.
    pub label: Option<String>,
    /// Fixed values: the profile's `set`, overridden by the input's.
    pub set: BTreeMap<String, String>,
}

impl InputFile {
    /// The file stem, used as a fallback list or download name.
    pub fn stem(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// A validated case.
#[derive(Clone, Debug)]
pub struct Case {
    /// The manifest file.
    pub file: PathBuf,
    /// Its folder: input paths are relative to it.
    pub dir: PathBuf,
    /// The manifest as written (after defaults), recorded in the run manifest.
    pub raw: CaseFile,
    /// The resolved windows.
    pub windows: Windows,
    /// The evidence files, in case order.
    pub files: Vec<InputFile>,
}

impl Case {
    /// Reads and validates a case manifest.
    ///
    /// # Errors
    /// [`Error::Config`] naming the manifest (or profile) file and the key at fault; [`Error::Io`]
    /// when the manifest cannot be read.
    pub fn load(path: &Path) -> Result<Case> {
        // The case manifest is configuration: a missing or unreadable one is a usage error
        // (exit 3), not an I/O failure of the run.
        let text = std::fs::read_to_string(path).map_err(|e| {
            let why = if path.is_dir() {
                "is a folder, not a case manifest".to_string()
            } else {
                format!("cannot read the case manifest: {e}")
            };
            Error::config(path, why)
        })?;
        Case::from_toml(&text, path)
    }

    /// Validates a case manifest given as text; `path` is where it lives (inputs are relative to
    /// its folder).
    ///
    /// # Errors
    /// As [`Case::load`].
    pub fn from_toml(text: &str, path: &Path) -> Result<Case> {
        let raw: CaseFile = toml::from_str(text).map_err(|e| Error::config(path, e.to_string()))?;
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let windows = raw.validate(path)?;
        let mut files = Vec::new();
        for (i, spec) in raw.inputs.iter().enumerate() {
            let key = format!("inputs[{i}]");
            let matched = expand_glob(path, &dir, &spec.path, &key)?;
            let (profile_name, profile, profile_origin) =
                resolve_profile(path, &dir, &raw.profiles, spec.profile.as_deref(), &key)?;
            let mut set = profile.set.clone();
            set.extend(spec.set.clone());
            let read_spec = Arc::new(check_profile(
                &profile_origin,
                &profile_name,
                &profile,
                spec.kind,
                &set,
                &key,
            )?);
            for p in matched {
                let format = match profile.format.or_else(|| Format::from_path(&p)) {
                    Some(f) => f,
                    None => {
                        return Err(Error::config(
                            path,
                            format!(
                                "{key}.path: cannot tell the format of {} from its extension; \
                                 set `format` in profile `{profile_name}`",
                                p.display()
                            ),
                        ))
                    }
                };
                let name = display_name(&dir, &p);
                let (canonical, id) = identity(path, &p, &key)?;
                files.push(InputFile {
                    index: files.len(),
                    spec_index: i,
                    kind: spec.kind,
                    path: p,
                    canonical,
                    id,
                    name,
                    format,
                    profile_name: profile_name.clone(),
                    profile: profile.clone(),
                    spec: read_spec.clone(),
                    label: spec.label.clone(),
                    set: set.clone(),
                });
            }
        }
        // One file under two names (`a/../f.csv`, a symlink, a hard link, a folder reached
        // twice through a link) is still one piece of evidence: it is read once or not at all.
        let mut seen: BTreeMap<FileId, &InputFile> = BTreeMap::new();
        for f in &files {
            if let Some(prev) = seen.insert(f.id, f) {
                let how = if prev.name == f.name {
                    "twice".to_string()
                } else {
                    format!("as {} and as {}", prev.name, f.name)
                };
                return Err(Error::config(
                    path,
                    format!(
                        "inputs[{}] and inputs[{}] name one file {how} ({}): an evidence file \
                         is read once",
                        prev.spec_index,
                        f.spec_index,
                        f.canonical.display()
                    ),
                ));
            }
        }
        Ok(Case {
            file: path.to_path_buf(),
            dir,
            raw,
            windows,
            files,
        })
    }

    /// The stated population size, if any.
    pub fn stated_population(&self) -> Option<u64> {
        self.raw.case.population
    }
}

fn resolve_profile(
    case_path: &Path,
    dir: &Path,
    named: &BTreeMap<String, Profile>,
    name: Option<&str>,
    key: &str,
) -> Result<(String, Arc<Profile>, PathBuf)> {
    let Some(name) = name else {
        return Ok((
            "default".into(),
            Arc::new(Profile::default()),
            case_path.to_path_buf(),
        ));
    };
    if let Some(b) = name.strip_prefix("builtin:") {
        let text = profile::builtin(b).ok_or_else(|| {
            Error::config(
                case_path,
                format!(
                    "{key}.profile: no built-in profile {b:?} (built-in: {})",
                    profile::BUILTIN_NAMES.join(", ")
                ),
            )
        })?;
        let origin = PathBuf::from(format!("builtin:{b}"));
        let p = Profile::from_toml(text, &origin)?;
        return Ok((name.to_string(), Arc::new(p), origin));
    }
    if let Some(p) = named.get(name) {
        return Ok((
            name.to_string(),
            Arc::new(p.clone()),
            case_path.to_path_buf(),
        ));
    }
    if name.ends_with(".toml") {
        let p = dir.join(name);
        let text = std::fs::read_to_string(&p).map_err(|e| {
            Error::config(
                case_path,
                format!(
                    "{key}.profile: cannot read profile file {}: {e}",
                    p.display()
                ),
            )
        })?;
        let prof = Profile::from_toml(&text, &p)?;
        return Ok((name.to_string(), Arc::new(prof), p));
    }
    let known: Vec<_> = named.keys().map(String::as_str).collect();
    Err(Error::config(
        case_path,
        format!(
            "{key}.profile: no profile named {name:?} (defined: {}; or use a .toml path or builtin:NAME)",
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        ),
    ))
}

/// Checks a profile against the kind it is used for (canonical column names, value maps,
/// required columns), then resolves it once ([`Profile::resolve`]: delimiter, formats, zone,
/// country...) into the [`ReadSpec`] its files are read with.
fn check_profile(
    origin: &Path,
    name: &str,
    p: &Profile,
    kind: Kind,
    set: &BTreeMap<String, String>,
    key: &str,
) -> Result<ReadSpec> {
    let err = |msg: String| {
        Error::config(
            origin,
            format!("profile `{name}` ({key}, kind {kind}): {msg}"),
        )
    };
    let known = || {
        kind.columns()
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    for col in p.columns.keys().chain(p.values.keys()).chain(set.keys()) {
        if kind.column(col).is_none() {
            return Err(err(format!(
                "unknown canonical column `{col}` (columns of {kind}: {})",
                known()
            )));
        }
    }
    for (col, src) in &p.columns {
        if src.names().is_empty() || src.names().iter().any(|s| s.is_empty()) {
            return Err(err(format!("columns.{col}: empty source column name")));
        }
    }
    // A required column left unmapped is looked for under its canonical name in each file's
    // header; a file without it is rejected when its header is read, before anything is written.
    for spec in kind.columns() {
        if let ColType::Enum(allowed) = spec.ty {
            let check = |v: &str, what: String| -> Result<()> {
                if allowed.contains(&v) {
                    Ok(())
                } else {
                    Err(err(format!(
                        "{what}: {v:?} is not one of {}",
                        allowed.join(", ")
                    )))
                }
            };
            if let Some(v) = set.get(spec.name) {
                check(v, format!("set.{}", spec.name))?;
            }
            if let Some(map) = p.values.get(spec.name) {
                for (k, v) in map {
                    check(v, format!("values.{}.{k:?}", spec.name))?;
                }
            }
        }
    }
    p.resolve_for(kind).map_err(|e| err(e.to_string()))
}

/// The evidence files `pattern` (relative to `dir`; `*`, `?`, `[...]` and `**` allowed) names,
/// in path order.
///
/// The walk is done here rather than by the `glob` crate so that nothing is skipped in silence:
/// a name that is not valid UTF-8 and would match, a FIFO, a device or a socket, a link to
/// nothing and a folder link that loops back are errors naming the path. Folders reached
/// through links are followed (evidence is often organised with links), once.
fn expand_glob(case_path: &Path, dir: &Path, pattern: &str, key: &str) -> Result<Vec<PathBuf>> {
    let err = |msg: String| Error::config(case_path, format!("{key}.path: {msg}"));
    let opts = glob::MatchOptions::new();
    let mut current = vec![dir.to_path_buf()];
    for comp in Path::new(pattern).components() {
        let part = comp.as_os_str().to_string_lossy();
        let is_pattern = part.contains(['*', '?', '[']);
        let mut next = Vec::new();
        match comp {
            std::path::Component::Normal(_) if part == "**" => {
                for c in current {
                    if c.is_dir() {
                        descendants(&c, &mut Vec::new(), &mut next).map_err(err)?;
                    }
                }
            }
            std::path::Component::Normal(_) if is_pattern => {
                let pat = glob::Pattern::new(&part)
                    .map_err(|e| err(format!("bad glob {pattern:?}: {e}")))?;
                for c in current.iter().filter(|c| c.is_dir()) {
                    let mut names = Vec::new();
                    for e in
                        std::fs::read_dir(c).map_err(|e| err(format!("{}: {e}", c.display())))?
                    {
                        let e = e.map_err(|e| err(format!("{}: {e}", c.display())))?;
                        let name = e.file_name();
                        match name.to_str() {
                            Some(n) if pat.matches_with(n, opts) => names.push(e.path()),
                            Some(_) => {}
                            None if pat.matches_with(&name.to_string_lossy(), opts) => {
                                return Err(err(format!(
                                    "{} has a name that is not valid UTF-8; rename it (the \
                                     evidence is then named in the report as renamed) or name \
                                     it in its own input",
                                    e.path().display()
                                )))
                            }
                            None => {}
                        }
                    }
                    names.sort();
                    next.extend(names);
                }
            }
            _ => next = current.iter().map(|c| c.join(comp)).collect(),
        }
        current = next;
    }
    let mut out = Vec::new();
    for p in current {
        let meta = match std::fs::metadata(&p) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if std::fs::symlink_metadata(&p).is_ok() {
                    return Err(err(format!("{} is a link to nothing", p.display())));
                }
                continue;
            }
            Err(e) => return Err(err(format!("{}: {e}", p.display()))),
        };
        let t = meta.file_type();
        if t.is_file() {
            out.push(p);
        } else if !t.is_dir() {
            use std::os::unix::fs::FileTypeExt;
            let what = if t.is_fifo() {
                "a FIFO (named pipe)"
            } else if t.is_socket() {
                "a socket"
            } else if t.is_block_device() || t.is_char_device() {
                "a device"
            } else {
                "not a regular file"
            };
            return Err(err(format!(
                "{} is {what}, not an evidence file: copy the evidence into a regular file",
                p.display()
            )));
        }
    }
    if out.is_empty() {
        return Err(err(format!(
            "no file matches {pattern:?} (relative to {})",
            dir.display()
        )));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// `dir` and every folder below it (following links), depth first in name order, into `out`.
/// `ancestors` holds the identities of the folders above; a link back to one of them is a loop.
fn descendants(
    dir: &Path,
    ancestors: &mut Vec<FileId>,
    out: &mut Vec<PathBuf>,
) -> std::result::Result<(), String> {
    let meta = std::fs::metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let id = FileId::of(&meta);
    if ancestors.contains(&id) {
        return Err(format!(
            "{} is a link back to a folder above it (a loop): remove the link or name the \
             files without `**`",
            dir.display()
        ));
    }
    out.push(dir.to_path_buf());
    let mut subdirs = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let e = e.map_err(|e| format!("{}: {e}", dir.display()))?;
        let p = e.path();
        if std::fs::metadata(&p).is_ok_and(|m| m.is_dir()) {
            subdirs.push(p);
        }
    }
    subdirs.sort();
    ancestors.push(id);
    for s in subdirs {
        descendants(&s, ancestors, out)?;
    }
    ancestors.pop();
    Ok(())
}

/// The canonical path and identity of an evidence file.
fn identity(case_path: &Path, p: &Path, key: &str) -> Result<(PathBuf, FileId)> {
    let err =
        |e: std::io::Error| Error::config(case_path, format!("{key}.path: {}: {e}", p.display()));
    let canonical = std::fs::canonicalize(p).map_err(err)?;
    let meta = std::fs::metadata(&canonical).map_err(err)?;
    Ok((canonical, FileId::of(&meta)))
}

fn display_name(dir: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(dir).unwrap_or(p);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn case_with(inputs: &str) -> (tempfile::TempDir, Result<Case>) {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "a.csv", "x\n");
        write(d.path(), "b.csv", "x\n");
        let p = write(d.path(), "case.toml", inputs);
        let c = Case::load(&p);
        (d, c)
    }

    const PROFILE: &str = r#"
[profiles.p]
time_zone = "America/Toronto"
timestamp_formats = ["%Y-%m-%d %H:%M:%S"]
[profiles.p.columns]
called = "To"
calling = "From"
start = "When"
"#;

    #[test]
    fn glob_expands_in_name_order() {
        let (_d, c) = case_with(&format!(
            "[[inputs]]\nkind = \"calls\"\npath = \"*.csv\"\nprofile = \"p\"\n{PROFILE}"
        ));
        let c = c.unwrap();
        let names: Vec<_> = c.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a.csv", "b.csv"]);
    }

    #[test]
    fn unknown_key_is_rejected_with_its_name() {
        let (_d, c) = case_with("[[inputs]]\nkind = \"calls\"\npath = \"a.csv\"\nprofil = \"p\"\n");
        let msg = c.unwrap_err().to_string();
        assert!(msg.contains("profil") && msg.contains("case.toml"), "{msg}");
    }

    #[test]
    fn unknown_zone_is_rejected() {
        let text =
            format!("[[inputs]]\nkind = \"calls\"\npath = \"a.csv\"\nprofile = \"p\"\n{PROFILE}")
                .replace("America/Toronto", "America/Torronto");
        let (_d, c) = case_with(&text);
        let msg = c.unwrap_err().to_string();
        assert!(msg.contains("Torronto"), "{msg}");
    }

    #[test]
    fn unknown_canonical_column_is_named() {
        let text =
            format!("[[inputs]]\nkind = \"calls\"\npath = \"a.csv\"\nprofile = \"p\"\n{PROFILE}")
                .replace("calling = \"From\"", "caling = \"From\"");
        let (_d, c) = case_with(&text);
        let msg = c.unwrap_err().to_string();
        assert!(msg.contains("caling"), "{msg}");
    }

    #[test]
    fn glob_matching_nothing_and_bad_glob_are_rejected() {
        let (_d, c) =
            case_with("[[inputs]]\nkind = \"population\"\npath = \"none/*.csv\"\n[inputs.set]\n");
        let msg = c.unwrap_err().to_string();
        assert!(msg.contains("no file matches"), "{msg}");
        let (_d, c) = case_with("[[inputs]]\nkind = \"population\"\npath = \"a[.csv\"\n");
        let msg = c.unwrap_err().to_string();
        assert!(msg.contains("bad glob"), "{msg}");
    }

    #[test]
    fn windows_must_not_overlap_and_must_lie_inside_the_orders() {
        let base = "[[inputs]]\nkind = \"population\"\npath = \"a.csv\"\n";
        let w = |i: (&str, &str), b: (&str, &str), o: Option<(&str, &str)>| {
            let mut t = format!(
                "[windows]\nincident = {{ start = \"{}\", end = \"{}\" }}\nbaseline = {{ start = \"{}\", end = \"{}\" }}\n",
                i.0, i.1, b.0, b.1
            );
            if let Some(o) = o {
                t.push_str(&format!(
                    "orders = {{ start = \"{}\", end = \"{}\" }}\n",
                    o.0, o.1
                ));
            }
            t.push_str(base);
            case_with(&t).1
        };
        let d = |x: &str| format!("2011-05-{x}T00:00:00Z");
        let (d1, d2, d3, d4) = (d("01"), d("02"), d("03"), d("04"));
        assert!(w((&d2, &d3), (&d1, &d2), Some((&d1, &d3))).is_ok());
        let e = w((&d2, &d4), (&d1, &d3), None).unwrap_err().to_string();
        assert!(e.contains("overlap"), "{e}");
        let e = w((&d2, &d4), (&d1, &d2), Some((&d1, &d3)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("windows.incident reaches outside"), "{e}");
    }

    #[test]
    fn windows_are_parsed_and_checked() {
        let base = "[[inputs]]\nkind = \"population\"\npath = \"a.csv\"\n\
                    [profiles.x]\n";
        let (_d, c) = case_with(&format!(
            "[windows]\nincident = {{ start = \"2011-05-02T00:00:00-04:00\", end = \"2011-05-03T00:00:00-04:00\" }}\n{base}"
        ));
        let w = c.unwrap().windows.incident.unwrap();
        assert_eq!(w.len_us(), 86_400_000_000);
        let (_d, c) = case_with(&format!(
            "[windows]\nincident = {{ start = \"2011-05-03T00:00:00-04:00\", end = \"2011-05-02T00:00:00-04:00\" }}\n{base}"
        ));
        assert!(c.unwrap_err().to_string().contains("windows.incident"));
    }

    #[test]
    fn restrict_to_population_needs_a_population_and_is_recorded_only_when_set() {
        let pop = "[[inputs]]\nkind = \"population\"\npath = \"a.csv\"\n";
        let on = "[analysis]\nrestrict_to_population = true\n";
        let recorded = |c: &Case| serde_json::to_value(&c.raw).unwrap();
        // The default (absent, or written as false) is not recorded: the parameters of a case
        // that does not use the key are what they always were.
        for text in [
            pop.to_string(),
            format!("[analysis]\nrestrict_to_population = false\n{pop}"),
        ] {
            let (_d, c) = case_with(&text);
            let c = c.unwrap();
            assert!(!c.raw.analysis.restrict_to_population);
            assert_eq!(recorded(&c).get("analysis"), None);
        }
        let (_d, c) = case_with(&format!("{on}{pop}"));
        let c = c.unwrap();
        assert!(c.raw.analysis.restrict_to_population);
        let v = recorded(&c);
        assert_eq!(v["analysis"]["restrict_to_population"], true);
        // What was recorded reads back as the same setting.
        let back: CaseFile = serde_json::from_value(v).unwrap();
        assert!(back.analysis.restrict_to_population);
        // No population input: nothing to restrict to.
        let (_d, c) = case_with(&format!(
            "{on}[case]\npopulation = 100\n[[inputs]]\nkind = \"calls\"\npath = \"a.csv\"\nprofile = \"p\"\n{PROFILE}"
        ));
        let msg = c.unwrap_err().to_string();
        assert!(
            msg.contains("case.toml") && msg.contains("analysis.restrict_to_population"),
            "{msg}"
        );
        let (_d, c) = case_with(&format!("[analysis]\nrestrict = true\n{pop}"));
        let msg = c.unwrap_err().to_string();
        assert!(msg.contains("unknown field `restrict`"), "{msg}");
    }

    #[test]
    fn own_codes_are_checked_and_recorded_only_when_set() {
        let pop = "[[inputs]]\nkind = \"population\"\npath = \"a.csv\"\n";
        let (_d, c) = case_with(pop);
        let c = c.unwrap();
        assert!(c.raw.identifications.own_codes.is_empty());
        assert_eq!(
            serde_json::to_value(&c.raw).unwrap().get("identifications"),
            None
        );
        let (_d, c) = case_with(&format!("[identifications]\nown_codes = [\"A\"]\n{pop}"));
        let v = serde_json::to_value(&c.unwrap().raw).unwrap();
        assert_eq!(v["identifications"]["own_codes"][0], "A");
        for (text, want) in [
            (
                "own_codes = [\"A\", \" \"]",
                "identifications.own_codes[1]: a code cannot be blank",
            ),
            (
                "own_codes = [\"A\", \"A\"]",
                "identifications.own_codes[1]: \"A\" is given twice",
            ),
            ("own_code = [\"A\"]", "unknown field `own_code`"),
            ("own_codes = \"A\"", "own_codes"),
        ] {
            let (_d, c) = case_with(&format!("[identifications]\n{text}\n{pop}"));
            let msg = c.unwrap_err().to_string();
            assert!(msg.contains("case.toml") && msg.contains(want), "{msg}");
        }
    }
}
