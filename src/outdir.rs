//! The output folder: its one owner. Layout, lock, staging, commit and cleanup live here and
//! nowhere else.
//!
//! ```text
//!  PARENT/
//!    NAME/                                  the output folder: the previous complete run, or absent
//!      manifest.json  audit.log  store/  results/
//!    .NAME.callsift.lock                    held (flock) by the one run writing NAME; pid, host
//!    .NAME.callsift-staging-PID-N/          the run being written; becomes NAME at commit
//! ```
//!
//! The protocol, in order (see `docs/reliability.md`):
//! 1. **Resolve** the folder to an absolute path with a canonical parent, before anything is read.
//!    Refuse a folder under which an evidence file lies (by canonical path) or that holds a file
//!    that *is* an evidence file (same device and inode: a hard link or a symlink).
//! 2. **Lock** `PARENT/.NAME.callsift.lock` with an exclusive advisory lock, which the kernel
//!    releases when the process dies however it dies; a second run into the same folder is
//!    refused with the holder's pid and host.
//! 3. **Clean** what an earlier, killed run left: staging folders of this folder are removed,
//!    and a folder left aside by an interrupted fallback commit is put back.
//! 4. **Check ownership**: an existing folder must be one callsift wrote: a readable
//!    `manifest.json` of this tool, and no file the manifest does not list (besides the manifest
//!    and `audit.log`). A folder with anything else in it is refused, never replaced.
//! 5. **Stage**: every output of the step is written under the staging folder, beside NAME on the
//!    same file system. A failed or interrupted step removes its staging folder; NAME is untouched.
//! 6. **Commit**: the audit line is appended to the staged `audit.log` (a copy of the old one),
//!    everything is synced, and the staging folder is swapped with NAME in one
//!    `renameat2(RENAME_EXCHANGE)` (or renamed into place when NAME does not exist). At every
//!    instant NAME is the previous complete run or the new complete one. The old run, now at the
//!    staging path, is then removed.
//!
//! SIGINT and SIGTERM (see [`install_signal_handlers`]) remove the staging folder of the step in
//! progress and exit with 130; a SIGKILL leaves it for step 3 of the next run.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::layout::FileId;
use crate::layout::{AUDIT, MANIFEST, STORE};
use crate::manifest::Manifest;

/// Mode of every folder callsift creates (whatever the umask allows beyond it is not granted).
const DIR_MODE: u32 = 0o755;

/// An evidence file as the output folder's checks need it.
#[derive(Clone, Debug)]
pub struct Evidence {
    /// Its name in the case (for messages).
    pub name: String,
    /// Its canonical path.
    pub canonical: PathBuf,
    /// Its identity.
    pub id: FileId,
}

/// Creates `dir` and its missing parents with mode 0755 (never wider, whatever the umask).
///
/// # Errors
/// [`Error::Io`] naming the folder.
pub fn create_dir_all(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(|e| Error::io(dir, e))
}

/// Creates the folder `dir` inside a folder that exists (a staged run's `store/` or
/// `results/`), mode 0755; a folder already there is fine. Never creates a parent: were the
/// staging folder removed by an interrupt, a late write cannot bring it back.
///
/// # Errors
/// [`Error::Io`] naming the folder.
pub fn create_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().mode(DIR_MODE).create(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        r => r.map_err(|e| Error::io(dir, e)),
    }
}

/// Creates `dir` and the folders between `root` (which exists) and it, one at a time with
/// [`create_dir`]: never `root` or anything above it.
fn create_dirs_below(root: &Path, dir: &Path) -> Result<()> {
    let Ok(rel) = dir.strip_prefix(root) else {
        return Err(Error::store(dir, "not inside the staging folder"));
    };
    let mut at = root.to_path_buf();
    for c in rel.components() {
        at.push(c);
        create_dir(&at)?;
    }
    Ok(())
}

/// Sets a file's mode (outputs are readable by all, writable by their owner, whatever the
/// umask).
fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| Error::io(path, e))
}

/// The output folder of a run, locked by this process.
#[derive(Debug)]
pub struct OutDir {
    /// Absolute path with a canonical parent.
    dir: PathBuf,
    parent: PathBuf,
    name: OsString,
    /// Holds the lock for as long as the folder is owned.
    _lock: File,
}

impl OutDir {
    /// Resolves, checks and locks the output folder `dir` for a step that reads `evidence`
    /// (empty for `correlate`, which reads only the folder). Cleans what a killed run left.
    ///
    /// # Errors
    /// [`Error::Config`] (exit 3) when the folder would hold or overwrite evidence, is being
    /// written by another run, or holds files callsift did not write; [`Error::Io`] otherwise.
    pub fn open(dir: &Path, evidence: &[Evidence]) -> Result<OutDir> {
        let (parent, name) = resolve(dir)?;
        let path = parent.join(&name);
        // Whatever `dir` is, its final form must not be or hold evidence.
        let real = match std::fs::canonicalize(&path) {
            Ok(r) => Some(r),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&path, e)),
        };
        for target in std::iter::once(&path).chain(real.as_ref()) {
            if let Some(ev) = evidence.iter().find(|e| e.canonical.starts_with(target)) {
                return Err(Error::config(
                    dir,
                    format!(
                        "--out holds the evidence file {} ({}): evidence is never written; \
                         choose a folder outside the evidence",
                        ev.name,
                        ev.canonical.display()
                    ),
                ));
            }
        }
        let lock = lock(&parent, &name, dir)?;
        let out = OutDir {
            dir: path,
            parent,
            name,
            _lock: lock,
        };
        out.clean_leftovers()?;
        match std::fs::symlink_metadata(&out.dir) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Error::config(
                    dir,
                    "--out is a symbolic link: name the folder itself (a run replaces the folder \
                     as a whole, which would replace the link)",
                ))
            }
            Ok(m) if !m.is_dir() => {
                return Err(Error::config(dir, "--out exists and is not a folder"));
            }
            Ok(_) => out.check_owned(dir, evidence)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(dir, e)),
        }
        Ok(out)
    }

    /// The folder's absolute path.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Whether a committed run is in the folder.
    pub fn exists(&self) -> bool {
        self.dir.is_dir()
    }

    /// A new, empty staging folder beside the output folder. Dropped without
    /// [`Staging::commit`], it is removed.
    ///
    /// # Errors
    /// [`Error::Io`] when it cannot be created.
    pub fn stage(&self) -> Result<Staging<'_>> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut staged = self.prefix(STAGING);
        staged.push(format!("{}-{n}", std::process::id()));
        let path = self.parent.join(staged);
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        }
        // Created and registered under the signal handlers' lock: an interrupt either comes
        // before the folder exists or finds it registered.
        let mut staged = STAGED.lock().unwrap_or_else(|p| p.into_inner());
        create_dir(&path)?;
        staged.push(path.clone());
        drop(staged);
        Ok(Staging {
            out: self,
            path,
            committed: false,
        })
    }

    /// `.NAME.callsift-` followed by `what`.
    fn prefix(&self, what: &str) -> OsString {
        let mut s = OsString::from(".");
        s.push(&self.name);
        s.push(".callsift-");
        s.push(what);
        s.push("-");
        s
    }

    /// Removes staging folders of earlier runs (this one holds the lock, so none is in use) and
    /// puts back a folder left aside by an interrupted fallback commit.
    fn clean_leftovers(&self) -> Result<()> {
        let staging = self.prefix(STAGING);
        let aside = self.prefix(ASIDE);
        let entries = std::fs::read_dir(&self.parent).map_err(|e| Error::io(&self.parent, e))?;
        let mut put_back = Vec::new();
        for e in entries {
            let e = e.map_err(|e| Error::io(&self.parent, e))?;
            let n = e.file_name();
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            if !is_dir {
                continue;
            }
            if starts_with(&n, &staging) {
                let p = e.path();
                std::fs::remove_dir_all(&p).map_err(|e| Error::io(&p, e))?;
            } else if starts_with(&n, &aside) {
                put_back.push(e.path());
            }
        }
        put_back.sort();
        if let Some(last) = put_back.pop() {
            if !self.dir.exists() {
                std::fs::rename(&last, &self.dir).map_err(|e| Error::io(&last, e))?;
            } else {
                std::fs::remove_dir_all(&last).map_err(|e| Error::io(&last, e))?;
            }
        }
        for p in put_back {
            std::fs::remove_dir_all(&p).map_err(|e| Error::io(&p, e))?;
        }
        Ok(())
    }

    /// Refuses a folder that callsift did not write (or that holds evidence).
    fn check_owned(&self, dir: &Path, evidence: &[Evidence]) -> Result<()> {
        let files = walk(&self.dir)?;
        if files.is_empty() {
            return Ok(());
        }
        let ids: std::collections::BTreeMap<FileId, &Evidence> =
            evidence.iter().map(|e| (e.id, e)).collect();
        for (rel, id) in &files {
            if let Some(ev) = ids.get(id) {
                return Err(Error::config(
                    dir,
                    format!(
                        "--out holds {rel}, which is the evidence file {} (a link to it): \
                         evidence is never written; choose another folder",
                        ev.name
                    ),
                ));
            }
        }
        let not_ours = |what: String| {
            Error::config(
                dir,
                format!(
                    "--out holds {what}: callsift replaces only a folder it wrote. Choose an \
                     empty or new folder, or move those files out"
                ),
            )
        };
        let m = match Manifest::read(&self.dir) {
            Ok(m) if m.tool == "callsift" => m,
            _ => {
                let first = &files[0].0;
                return Err(not_ours(format!(
                    "files but no callsift manifest.json (e.g. {first})"
                )));
            }
        };
        let listed: std::collections::BTreeSet<&str> =
            m.outputs.iter().map(|o| o.path.as_str()).collect();
        let stray: Vec<&str> = files
            .iter()
            .map(|(rel, _)| rel.as_str())
            .filter(|rel| *rel != MANIFEST && *rel != AUDIT && !listed.contains(rel))
            .collect();
        if let Some(first) = stray.first() {
            return Err(not_ours(format!(
                "{} file(s) its manifest does not list (e.g. {first})",
                stray.len()
            )));
        }
        Ok(())
    }
}

/// Staging folder names: `.NAME.callsift-staging-PID-N`.
const STAGING: &str = "staging";
/// The old run while the fallback commit moves it aside: `.NAME.callsift-aside-PID`.
const ASIDE: &str = "aside";

fn starts_with(name: &OsStr, prefix: &OsStr) -> bool {
    use std::os::unix::ffi::OsStrExt;
    name.as_bytes().starts_with(prefix.as_bytes())
}

/// The absolute folder with a canonical parent (created when missing), and its final name.
fn resolve(dir: &Path) -> Result<(PathBuf, OsString)> {
    let abs = std::path::absolute(dir).map_err(|e| Error::io(dir, e))?;
    // `x/..` and `x/.` have no final name to stage beside: take the canonical form instead.
    let abs = match abs.file_name() {
        Some(_) if !dir.ends_with("..") => abs,
        _ => std::fs::canonicalize(&abs).map_err(|e| Error::io(dir, e))?,
    };
    let (Some(parent), Some(name)) = (abs.parent(), abs.file_name()) else {
        return Err(Error::config(dir, "--out must name a folder below /"));
    };
    create_dir_all(parent)?;
    let parent = std::fs::canonicalize(parent).map_err(|e| Error::io(parent, e))?;
    Ok((parent, name.to_os_string()))
}

/// Takes the folder's lock, or says who holds it.
fn lock(parent: &Path, name: &OsStr, dir: &Path) -> Result<File> {
    let mut lock_name = OsString::from(".");
    lock_name.push(name);
    lock_name.push(".callsift.lock");
    let path = parent.join(lock_name);
    // The lock file is never removed, so the inode a run locks is the one every later run opens.
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    match f.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = f.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(Error::config(
                dir,
                format!(
                    "another callsift run is writing this folder ({}): wait for it to finish, \
                     or choose another --out",
                    if holder.is_empty() {
                        "holder unknown".to_string()
                    } else {
                        holder.to_string()
                    }
                ),
            ));
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
    }
    let who = format!(
        "pid {} on host {} since {}",
        std::process::id(),
        hostname(),
        chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
    );
    f.set_len(0).map_err(|e| Error::io(&path, e))?;
    f.write_all(who.as_bytes())
        .map_err(|e| Error::io(&path, e))?;
    Ok(f)
}

/// This machine's name (for the lock and the audit log).
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// Every file under `dir` (not following links), as `/`-separated relative path and identity,
/// in path order.
fn walk(dir: &Path) -> Result<Vec<(String, FileId)>> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, rel)) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))? {
            let e = e.map_err(|e| Error::io(&d, e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let p = e.path();
            let meta = std::fs::symlink_metadata(&p).map_err(|e| Error::io(&p, e))?;
            if meta.is_dir() {
                stack.push((p, r));
            } else {
                // A symlink counts by what it points at (it may point at evidence).
                let id = std::fs::metadata(&p).map_or(FileId::of(&meta), |m| FileId::of(&m));
                out.push((r, id));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A step's outputs being written beside the output folder.
#[derive(Debug)]
pub struct Staging<'a> {
    out: &'a OutDir,
    path: PathBuf,
    committed: bool,
}

impl Staging<'_> {
    /// The staging folder: write the step's outputs here, under their final relative paths.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Brings the committed run's case store and manifest into the staging folder (hard links:
    /// outputs are only ever replaced by rename, never written in place), leaving out the
    /// results and the manifest's record of them: `correlate` writes those anew.
    ///
    /// # Errors
    /// [`Error::Store`] when the folder holds no case store; [`Error::Io`].
    pub fn carry_store(&self) -> Result<()> {
        let prefix = format!("{STORE}/");
        let mut m = self.carry(|path| path.starts_with(&prefix))?;
        m.timings_ms.retain(|k, _| !k.starts_with("correlate"));
        m.write(&self.path)
    }

    /// Brings the committed run whole into the staging folder (as [`Staging::carry_store`]
    /// does: hard links, and the manifest), but for the outputs named in `except` and the
    /// manifest's record of them: a step that writes one file into a finished run (`report`
    /// writes `report.html`) writes those anew and leaves everything else as it was.
    ///
    /// # Errors
    /// [`Error::Store`] when the folder holds no readable manifest, or it lists a path
    /// outside the folder; [`Error::Io`].
    pub fn carry_run(&self, except: &[&str]) -> Result<()> {
        let m = self.carry(|path| !except.contains(&path))?;
        m.write(&self.path)
    }

    /// Links every output of the committed run that `keep` accepts into the staging folder;
    /// returns the committed manifest with only those outputs recorded.
    fn carry(&self, keep: impl Fn(&str) -> bool) -> Result<Manifest> {
        let from = self.out.path();
        let mut m = Manifest::read(from)?;
        m.outputs.retain(|o| keep(&o.path));
        for o in &m.outputs {
            let inside = Path::new(&o.path)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
            if !inside {
                return Err(Error::store(
                    from.join(MANIFEST),
                    format!("lists the output {:?}, a path outside the folder", o.path),
                ));
            }
            let src = from.join(&o.path);
            let dst = self.path.join(&o.path);
            if let Some(p) = dst.parent() {
                create_dirs_below(&self.path, p)?;
            }
            if std::fs::hard_link(&src, &dst).is_err() {
                std::fs::copy(&src, &dst).map_err(|e| Error::io(&src, e))?;
            }
        }
        Ok(m)
    }

    /// Makes the staged run the output folder, in one atomic swap. `audit` is the line to append
    /// to the run's `audit.log` (the old log, carried over, plus this line); it is given the
    /// SHA-256 of the staged manifest.
    ///
    /// # Errors
    /// [`Error::Io`]; the output folder is then as it was.
    pub fn commit(mut self, audit: crate::audit::Entry) -> Result<()> {
        let old_log = self.out.dir.join(AUDIT);
        let new_log = self.path.join(AUDIT);
        if old_log.is_file() {
            std::fs::copy(&old_log, &new_log).map_err(|e| Error::io(&old_log, e))?;
        }
        let mut audit = audit;
        audit.manifest_sha256 = Some(crate::digest::sha256_file(&self.path.join(MANIFEST))?.0);
        crate::audit::append(&new_log, &audit)?;
        set_mode(&new_log, 0o644)?;
        sync_tree(&self.path)?;
        // Holding the signal handlers' lock: a signal now waits until the swap is done.
        let guard = STAGED.lock().unwrap_or_else(|p| p.into_inner());
        let swapped = swap_into_place(&self.path, &self.out.dir, &self.out.prefix(ASIDE));
        drop(guard);
        swapped?;
        self.committed = true;
        sync_dir(&self.out.parent)?;
        // The staging path now holds the previous run (or nothing).
        let _ = std::fs::remove_dir_all(&self.path);
        unregister_staging(&self.path);
        Ok(())
    }
}

impl Drop for Staging<'_> {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.path);
            unregister_staging(&self.path);
        }
    }
}

/// Swaps `staged` and `dir` atomically (`dir` may be absent). Where the file system cannot
/// exchange, `dir` is moved aside, `staged` renamed into place and the old one moved to
/// `staged`; a kill between the two renames leaves the old run aside, which the next
/// [`OutDir::open`] puts back.
fn swap_into_place(staged: &Path, dir: &Path, aside_prefix: &OsStr) -> Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    if !dir.exists() {
        return renameat_with(CWD, staged, CWD, dir, RenameFlags::NOREPLACE)
            .or_else(|e| {
                if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS {
                    std::fs::rename(staged, dir)
                } else {
                    Err(std::io::Error::from(e))
                }
            })
            .map_err(|e| Error::io(dir, e));
    }
    match renameat_with(CWD, staged, CWD, dir, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {
            let parent = dir.parent().unwrap_or(Path::new("/"));
            let mut n = aside_prefix.to_os_string();
            n.push(std::process::id().to_string());
            let aside = parent.join(n);
            std::fs::rename(dir, &aside).map_err(|e| Error::io(dir, e))?;
            std::fs::rename(staged, dir).map_err(|e| Error::io(dir, e))?;
            std::fs::rename(&aside, staged).map_err(|e| Error::io(&aside, e))
        }
        Err(e) => Err(Error::io(dir, std::io::Error::from(e))),
    }
}

/// Syncs every file and folder under `dir` (contents and entries), then `dir`.
fn sync_tree(dir: &Path) -> Result<()> {
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let e = e.map_err(|e| Error::io(dir, e))?;
        let p = e.path();
        let t = e.file_type().map_err(|e| Error::io(&p, e))?;
        if t.is_dir() {
            sync_tree(&p)?;
        } else if t.is_file() {
            File::open(&p)
                .and_then(|f| f.sync_all())
                .map_err(|e| Error::io(&p, e))?;
        }
    }
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(dir, e))
}

/// The staging folders in progress, for the signal handler to remove.
static STAGED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn unregister_staging(p: &Path) {
    STAGED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .retain(|q| q != p);
}

/// Installs the SIGINT and SIGTERM handlers of a step that writes an output folder: on either,
/// the staging folders in progress are removed (the output folder keeps its previous run) and
/// the process exits with 130. A swap in progress finishes first.
///
/// # Errors
/// [`Error::Io`] when the handlers cannot be installed.
pub fn install_signal_handlers() -> Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .map_err(|e| Error::io("signal handlers", e))?;
    std::thread::Builder::new()
        .name("callsift-signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                // Held until exit: no staging folder is created or swapped in from now on.
                let staged = STAGED.lock().unwrap_or_else(|p| p.into_inner());
                for p in staged.iter() {
                    // The other threads may still be writing into it (a removal then fails
                    // with "not empty"), but nothing recreates it once it is gone (every
                    // folder inside a staging folder is made by `create_dir`, without parents).
                    for _ in 0..1000 {
                        let _ = std::fs::remove_dir_all(p);
                        if std::fs::symlink_metadata(p).is_err() {
                            break;
                        }
                    }
                }
                let name = if sig == SIGINT { "SIGINT" } else { "SIGTERM" };
                eprintln!(
                    "callsift: stopped by {name}; the output folder keeps its previous state"
                );
                std::process::exit(130);
            }
        })
        .map_err(|e| Error::io("signal handlers", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> crate::audit::Entry {
        crate::audit::Entry::now(vec!["callsift".into(), "test".into()], None, None, 0)
    }

    fn fake_run(staging: &Staging<'_>, tag: &str) {
        let p = staging.path();
        std::fs::create_dir_all(p.join(STORE)).unwrap();
        std::fs::write(p.join("store/t.parquet"), tag).unwrap();
        let mut m = Manifest {
            store_partitions: 1,
            tool: "callsift".into(),
            ..Manifest::default()
        };
        m.add_output(p, "store/t.parquet", Some(1)).unwrap();
        m.write(p).unwrap();
    }

    #[test]
    fn commit_replaces_the_folder_whole_and_leaves_no_staging() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("out");
        for tag in ["first", "second"] {
            let out = OutDir::open(&dir, &[]).unwrap();
            let s = out.stage().unwrap();
            fake_run(&s, tag);
            s.commit(entry()).unwrap();
            assert_eq!(
                std::fs::read_to_string(dir.join("store/t.parquet")).unwrap(),
                tag
            );
        }
        let names: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.contains("staging")), "{names:?}");
        // Two runs, two chained audit lines.
        let log = std::fs::read_to_string(dir.join(AUDIT)).unwrap();
        assert_eq!(log.lines().count(), 2);
        assert!(crate::audit::check(&dir.join(AUDIT)).is_empty());
    }

    #[test]
    fn a_failed_step_leaves_the_folder_as_it_was() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("out");
        let out = OutDir::open(&dir, &[]).unwrap();
        let s = out.stage().unwrap();
        fake_run(&s, "kept");
        s.commit(entry()).unwrap();
        let s = out.stage().unwrap();
        let staged = s.path().to_path_buf();
        fake_run(&s, "never");
        drop(s);
        assert!(!staged.exists());
        assert_eq!(
            std::fs::read_to_string(dir.join("store/t.parquet")).unwrap(),
            "kept"
        );
    }

    #[test]
    fn carry_run_brings_the_run_whole_but_the_files_a_step_rewrites() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("out");
        let out = OutDir::open(&dir, &[]).unwrap();
        let s = out.stage().unwrap();
        fake_run(&s, "kept");
        std::fs::write(s.path().join("page.html"), "old page").unwrap();
        let mut m = Manifest::read(s.path()).unwrap();
        m.add_output(s.path(), "page.html", None).unwrap();
        m.write(s.path()).unwrap();
        s.commit(entry()).unwrap();
        let s = out.stage().unwrap();
        s.carry_run(&["page.html"]).unwrap();
        assert_eq!(
            std::fs::read_to_string(s.path().join("store/t.parquet")).unwrap(),
            "kept"
        );
        assert!(!s.path().join("page.html").exists());
        let m = Manifest::read(s.path()).unwrap();
        let listed: Vec<&str> = m.outputs.iter().map(|o| o.path.as_str()).collect();
        assert_eq!(listed, ["store/t.parquet"]);
        // A manifest that lists a path outside the folder is refused, not followed.
        drop(s);
        let mut m = Manifest::read(&dir).unwrap();
        m.outputs[0].path = "store/../../escape".into();
        m.write(&dir).unwrap();
        let s = out.stage().unwrap();
        let e = s.carry_run(&[]).unwrap_err();
        assert_eq!(e.exit_code(), 6, "{e}");
        assert!(!d.path().join("escape").exists());
    }

    #[test]
    fn second_run_into_a_locked_folder_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("out");
        let _held = OutDir::open(&dir, &[]).unwrap();
        let e = OutDir::open(&dir, &[]).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        let msg = e.to_string();
        assert!(
            msg.contains("another callsift run") && msg.contains("pid"),
            "{msg}"
        );
    }

    #[test]
    fn a_folder_with_foreign_files_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("out");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        let msg = OutDir::open(&dir, &[]).unwrap_err().to_string();
        assert!(msg.contains("notes.txt"), "{msg}");
        // An empty folder is fine.
        std::fs::remove_file(dir.join("notes.txt")).unwrap();
        OutDir::open(&dir, &[]).unwrap();
    }

    #[test]
    fn leftover_staging_is_cleaned_and_a_folder_set_aside_is_put_back() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("out");
        let left = d.path().join(".out.callsift-staging-999-0");
        std::fs::create_dir_all(left.join("store")).unwrap();
        let aside = d.path().join(".out.callsift-aside-998");
        std::fs::create_dir_all(&aside).unwrap();
        std::fs::write(aside.join(MANIFEST), "{}").unwrap();
        let _out = OutDir::open(&dir, &[]);
        assert!(!left.exists());
        assert!(!aside.exists());
        assert!(dir.join(MANIFEST).exists());
    }

    #[test]
    fn folders_are_created_0755_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a/b");
        create_dir_all(&p).unwrap();
        for q in [d.path().join("a"), p] {
            let mode = std::fs::metadata(&q).unwrap().permissions().mode() & 0o777;
            assert!(mode & !0o755 == 0, "{} mode {mode:o}", q.display());
        }
    }

    #[test]
    fn out_resolving_onto_evidence_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let ev_dir = d.path().join("ev");
        std::fs::create_dir(&ev_dir).unwrap();
        let f = ev_dir.join("manifest.json");
        std::fs::write(&f, "evidence").unwrap();
        let ev = Evidence {
            name: "manifest.json".into(),
            canonical: std::fs::canonicalize(&f).unwrap(),
            id: FileId::of(&std::fs::metadata(&f).unwrap()),
        };
        for out in [ev_dir.join("../ev"), ev_dir.clone(), d.path().to_path_buf()] {
            let e = OutDir::open(&out, std::slice::from_ref(&ev)).unwrap_err();
            assert_eq!(e.exit_code(), 3, "{}", out.display());
        }
        // A symlink to the evidence folder.
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&ev_dir, &link).unwrap();
        assert!(OutDir::open(&link, std::slice::from_ref(&ev)).is_err());
        // A folder holding a hard link to the evidence.
        let other = d.path().join("other");
        std::fs::create_dir(&other).unwrap();
        std::fs::hard_link(&f, other.join("manifest.json")).unwrap();
        let msg = OutDir::open(&other, std::slice::from_ref(&ev))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("evidence"), "{msg}");
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "evidence");
    }
}
