//! Output: the built site as a set of files, written to disk or kept in memory by
//! `serve`. Render code produces `OutputFile`s and never touches the disk.
//!
//! Everything already in the output folder is untrusted: its bookkeeping (the manifest)
//! is parsed as hostile input, no path taken from it or from the build may leave the
//! folder or pass through a symlink inside it, and a file is deleted only when its bytes
//! are still the bytes pmsite recorded writing there.
//!
//! A first build (no output folder yet) writes a temporary folder beside the output and
//! renames it into place, so readers see no site and then the whole site. Later builds
//! update the folder in place: changed files are staged in `.pmsite-staging/` inside it
//! (same file system, so the final step is renames), a journal naming every path about
//! to change is written, and only then are files renamed into place and stale ones
//! removed. Whether a file is unchanged is judged from the disk (a size, inode and ctime
//! stamp recorded after writing, else the bytes themselves), never from the manifest
//! alone, so a build killed at any moment is healed by the next one.

mod manifest;

use manifest::{Entry, Manifest, Stamp};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative to the output root, `/`-separated, no leading slash (`incidents/x/index.html`).
    pub path: String,
    /// Shared, so that serve's rebuilds keep unchanged pages without copying them. A
    /// `Vec` behind the `Arc`, because making an `Arc<[u8]>` copies the bytes, and at
    /// 100,000 postmortems `/api/postmortems.json` alone is a quarter of a gigabyte.
    pub bytes: std::sync::Arc<Vec<u8>>,
}

impl OutputFile {
    /// A file at `path` (relative, `/`-separated) with these bytes.
    pub(crate) fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        OutputFile { path: path.into(), bytes: std::sync::Arc::new(bytes.into()) }
    }
}

/// Marks a folder as pmsite's output and lists what pmsite wrote there.
pub(crate) const MARKER: &str = ".pmsite-output";
/// Changed files wait here, inside the output folder, until every one is written.
const STAGING: &str = ".pmsite-staging";
/// The manifest is replaced by renaming this over it, so it is never half written.
const MARKER_TMP: &str = ".pmsite-output.tmp";

/// Why the site could not be written to the output folder.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OutputError {
    #[error(
        "{0} exists, is not empty and was not written by pmsite; refusing to replace it (choose another --output or empty it)"
    )]
    /// The output folder is not empty and pmsite did not write it.
    NotOurs(PathBuf),
    #[error("{0} is not a folder; choose another --output")]
    /// The output path is a file.
    NotAFolder(PathBuf),
    #[error(
        "{0} is in the way: it is a symlink or folder in the output folder that pmsite did not make, where the site has a file or folder; move it away"
    )]
    /// A symlink or folder pmsite did not make sits where the site has a file or folder.
    InTheWay(PathBuf),
    #[error(
        "{0} exists and was not written by pmsite, and the site has a file of that name; move it away (or empty the output folder to start afresh)"
    )]
    /// A file pmsite did not write has the name of one the site has.
    Foreign(PathBuf),
    #[error("another pmsite build is writing {0}; wait for it to finish")]
    /// Another build holds the output folder's lock.
    Busy(PathBuf),
    #[error("cannot write {path}: {source}")]
    /// Reading or writing a file failed.
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    #[error(
        "output path `{0}` cannot be written safely (it leaves the output folder, or has a control character, a backslash or a reserved name)"
    )]
    /// An output path that leaves the output folder or cannot be recorded safely.
    BadPath(String),
    #[error(
        "two files of the build have the same path `{0}`: a file in static/ or beside a postmortem has the path of a page pmsite makes; rename it"
    )]
    /// Two files of the build have this path.
    Duplicate(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_path_buf(), source }
}

/// Whether a relative output path stays inside the output folder and can be recorded
/// in the manifest and read back unchanged: the rule `check` reports by (`names`),
/// applied again here as the last line of defence.
pub(crate) fn is_safe(rel: &str) -> bool {
    crate::names::path_problem(rel).is_none()
}

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct WriteStats {
    /// Files whose bytes were written.
    pub(crate) written: usize,
    /// Files already there with the same bytes, left alone.
    pub(crate) unchanged: usize,
    /// Files of the previous build the site no longer has, deleted.
    pub(crate) removed: usize,
    /// Files pmsite wrote before that are no longer made but were changed since by
    /// someone else, so they were left in place.
    pub(crate) kept: usize,
}

/// The hash the manifest records for a file's bytes.
pub(crate) fn hash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// Writes the site to `out` so that a failure leaves the previous site as it was. Builds
/// stage files as pages render (`Staging`); only the tests write a whole site at once.
#[cfg(test)]
pub(crate) fn write_atomic(out: &Path, files: &[OutputFile]) -> Result<WriteStats, OutputError> {
    let staging = Staging::begin(out)?;
    files.par_iter().try_for_each(|f| staging.put(f))?;
    staging.commit()
}

/// A write in progress. Files are `put` as soon as they are rendered, from any thread,
/// so that creating files on a slow disk overlaps rendering instead of following it;
/// nothing is visible in `out` until `commit`. Dropped without `commit`, it removes what
/// it staged.
pub struct Staging {
    out: PathBuf,
    mode: Mode,
    /// Every file put, with whether it was staged (changed) and where.
    entries: Mutex<Vec<Put>>,
    /// Folders inside `out` already seen to be real folders, not symlinks.
    real_dirs: Mutex<HashSet<String>>,
    /// Names of staged files: a counter, so staging creates no folders.
    next: AtomicUsize,
    fault: fault::Plan,
    /// Held for the whole build: two builds into one folder would delete each other's work.
    _lock: std::fs::File,
    done: bool,
}

struct Put {
    path: String,
    hash: u64,
    /// The staged file's number, or None when the file on disk already has these bytes.
    staged: Option<usize>,
    /// The file's stamp when it was left unchanged.
    stamp: Option<Stamp>,
}

enum Mode {
    /// No output folder yet: everything goes into this temporary folder beside it.
    Fresh { tmp: PathBuf },
    /// An output folder pmsite wrote (or an empty one): updated in place.
    InPlace { previous: Manifest },
}

impl Staging {
    /// Checks that `out` may be written (absent, empty, or written by pmsite), clears
    /// what an interrupted build left, and prepares.
    pub(crate) fn begin(out: &Path) -> Result<Staging, OutputError> {
        let (parent, name) = parent_and_name(out);
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        let lock = std::fs::File::open(&parent).map_err(io(&parent))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(OutputError::Busy(out.to_path_buf())),
            Err(std::fs::TryLockError::Error(e)) => return Err(OutputError::Io { path: parent, source: e }),
        }
        remove_leftover_tmps(&parent, &name);
        let mode = match std::fs::symlink_metadata(out) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let tmp = parent.join(format!(".{name}.pmsite-tmp-{}", std::process::id()));
                std::fs::create_dir(&tmp).map_err(io(&tmp))?;
                Mode::Fresh { tmp }
            }
            Err(e) => return Err(OutputError::Io { path: out.to_path_buf(), source: e }),
            Ok(_) => {
                // A symlink (a mounted web root) is followed once, here, on purpose.
                if !std::fs::metadata(out).map_err(io(out))?.is_dir() {
                    return Err(OutputError::NotAFolder(out.to_path_buf()));
                }
                let _ = std::fs::remove_dir_all(out.join(STAGING));
                let _ = std::fs::remove_file(out.join(MARKER_TMP));
                let previous = match Manifest::read(&out.join(MARKER)) {
                    Some(m) => m,
                    None if is_empty(out)? => Manifest::default(),
                    None => return Err(OutputError::NotOurs(out.to_path_buf())),
                };
                Mode::InPlace { previous }
            }
        };
        Ok(Staging {
            out: out.to_path_buf(),
            mode,
            entries: Mutex::new(Vec::new()),
            real_dirs: Mutex::new(HashSet::new()),
            next: AtomicUsize::new(0),
            fault: fault::Plan::from_env(),
            _lock: lock,
            done: false,
        })
    }

    /// Notes about the folder worth telling the user (lines of the manifest that were
    /// not understood and so were ignored).
    pub(crate) fn notes(&self) -> Vec<String> {
        match &self.mode {
            Mode::InPlace { previous } if previous.ignored_lines > 0 => vec![format!(
                "{}: ignored {} line(s) that pmsite did not write; files they name are never deleted",
                self.out.join(MARKER).display(),
                previous.ignored_lines
            )],
            _ => Vec::new(),
        }
    }

    /// Writes one file (or, when the file on disk already has these bytes, notes it unchanged).
    pub(crate) fn put(&self, f: &OutputFile) -> Result<(), OutputError> {
        if !is_safe(&f.path) {
            return Err(OutputError::BadPath(f.path.clone()));
        }
        let h = hash(&f.bytes);
        let (staged, stamp) = match &self.mode {
            Mode::Fresh { tmp } => {
                write_creating_dirs(&tmp.join(&f.path), &f.bytes)?;
                self.fault.tick(fault::Point::Stage);
                (Some(usize::MAX), None)
            }
            Mode::InPlace { previous } => {
                self.check_dirs(&f.path, previous)?;
                match self.on_disk(&f.path, &f.bytes, h, previous)? {
                    Some(stamp) => (None, Some(stamp)),
                    None => {
                        let n = self.next.fetch_add(1, Ordering::Relaxed);
                        write_creating_dirs(&self.out.join(STAGING).join(n.to_string()), &f.bytes)?;
                        self.fault.tick(fault::Point::Stage);
                        (Some(n), None)
                    }
                }
            }
        };
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).push(Put {
            path: f.path.clone(),
            hash: h,
            staged,
            stamp,
        });
        Ok(())
    }

    /// Keeps the file at `rel` as it is, without its bytes, when this build would write
    /// bytes hashing to `hash` and the manifest records exactly those. The file is
    /// trusted when its stamp is the one recorded, and otherwise read and hashed (a
    /// folder restored by a CI cache has new stamps). False when it holds anything else
    /// or pmsite never wrote it: the caller then renders and `put`s it.
    pub(crate) fn keep(&self, rel: &str, hash: u64) -> Result<bool, OutputError> {
        let Mode::InPlace { previous } = &self.mode else { return Ok(false) };
        let Some(recorded) = previous.entries.get(rel).filter(|e| e.hashes == [hash]) else {
            return Ok(false);
        };
        if !is_safe(rel) {
            return Err(OutputError::BadPath(rel.to_string()));
        }
        self.check_dirs(rel, previous)?;
        let path = self.out.join(rel);
        let stamp = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => Stamp::of(&m),
            _ => return Ok(false),
        };
        if recorded.stamp != Some(stamp) && !std::fs::read(&path).is_ok_and(|b| self::hash(&b) == hash) {
            return Ok(false);
        }
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).push(Put {
            path: rel.to_string(),
            hash,
            staged: None,
            stamp: Some(stamp),
        });
        Ok(true)
    }

    /// Every folder above `rel` inside the output must be a real folder (a symlink would
    /// lead outside), or absent, or a file pmsite wrote that this build replaces.
    fn check_dirs(&self, rel: &str, previous: &Manifest) -> Result<(), OutputError> {
        for dir in folders_above(rel) {
            if self.real_dirs.lock().unwrap_or_else(|e| e.into_inner()).contains(dir) {
                continue;
            }
            match std::fs::symlink_metadata(self.out.join(dir)) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(OutputError::Io { path: self.out.join(dir), source: e }),
                Ok(m) if m.is_dir() => {
                    self.real_dirs.lock().unwrap_or_else(|e| e.into_inner()).insert(dir.to_string());
                }
                Ok(m) if m.is_file() && previous.entries.contains_key(dir) => return Ok(()),
                Ok(_) => return Err(OutputError::InTheWay(self.out.join(dir))),
            }
        }
        Ok(())
    }

    /// The stamp of the file at `rel` when it already holds `bytes`; None when it must
    /// be written. A file there that pmsite did not write is never replaced.
    fn on_disk(&self, rel: &str, bytes: &[u8], h: u64, previous: &Manifest) -> Result<Option<Stamp>, OutputError> {
        let path = self.out.join(rel);
        let meta = match std::fs::symlink_metadata(&path) {
            // Not a directory: a file of an earlier build where this one has a folder.
            Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => {
                return Ok(None);
            }
            Err(e) => return Err(OutputError::Io { path, source: e }),
            Ok(m) => m,
        };
        let recorded = previous.entries.get(rel);
        if meta.is_dir() {
            // A folder of an earlier build where this build has a file: commit removes
            // its files first. Anything else there is not ours.
            return if previous.entries.keys().any(|p| is_under(p, rel)) {
                Ok(None)
            } else {
                Err(OutputError::InTheWay(path))
            };
        }
        if !meta.is_file() {
            return Err(OutputError::InTheWay(path));
        }
        let stamp = Stamp::of(&meta);
        if let Some(e) = recorded
            && e.stamp == Some(stamp)
            && e.hashes.len() == 1
        {
            // Untouched since pmsite wrote it: the recorded hash is what is there.
            return Ok((e.hashes[0] == h).then_some(stamp));
        }
        if meta.len() == bytes.len() as u64 && std::fs::read(&path).map_err(io(&path))? == bytes {
            return Ok(Some(stamp));
        }
        match recorded {
            Some(_) => Ok(None),
            None => Err(OutputError::Foreign(path)),
        }
    }

    /// Makes everything put visible in `out`, and removes files no longer made.
    pub(crate) fn commit(mut self) -> Result<WriteStats, OutputError> {
        let mut entries = std::mem::take(self.entries.get_mut().unwrap_or_else(|e| e.into_inner()));
        entries.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        if let Some(dup) = entries.windows(2).find(|w| w[0].path == w[1].path) {
            return Err(OutputError::Duplicate(dup[0].path.clone()));
        }
        if let Some(w) = entries.windows(2).find(|w| is_under(&w[1].path, &w[0].path)) {
            return Err(OutputError::Duplicate(format!("{} (and {})", w[0].path, w[1].path)));
        }
        let written = entries.iter().filter(|e| e.staged.is_some()).count();
        let stats = match &self.mode {
            Mode::Fresh { tmp } => {
                let manifest = Manifest::of(entries.iter().map(|e| (e.path.clone(), Entry::new(e.hash, None))));
                let marker = tmp.join(MARKER);
                std::fs::write(&marker, manifest.to_text()).map_err(io(&marker))?;
                self.fault.tick(fault::Point::Swap);
                if std::fs::symlink_metadata(&self.out).is_ok() {
                    return Err(OutputError::NotOurs(self.out.clone()));
                }
                std::fs::rename(tmp, &self.out).map_err(io(&self.out))?;
                WriteStats { written, ..WriteStats::default() }
            }
            Mode::InPlace { previous } => self.update_in_place(previous, &entries, written)?,
        };
        self.done = true;
        Ok(stats)
    }

    fn update_in_place(&self, previous: &Manifest, entries: &[Put], written: usize) -> Result<WriteStats, OutputError> {
        let out = &self.out;
        let keep: HashSet<&str> = entries.iter().map(|e| e.path.as_str()).collect();
        let gone: Vec<(&String, &Entry)> =
            previous.entries.iter().filter(|(p, _)| !keep.contains(p.as_str())).collect();
        let mut stats = WriteStats { written, unchanged: entries.len() - written, ..WriteStats::default() };
        let unchanged_stamps = entries.iter().all(|e| {
            e.stamp.is_none()
                || previous.entries.get(&e.path).is_some_and(|p| p.stamp == e.stamp && p.hashes == [e.hash])
        });
        if written == 0 && gone.is_empty() && unchanged_stamps && previous.clean {
            let _ = std::fs::remove_dir_all(out.join(STAGING));
            return Ok(stats);
        }
        // The journal: every path this build may change, with every hash it may have
        // after a kill (old and new), written before the first rename.
        let mut journal: HashMap<String, Entry> = previous.entries.clone();
        for e in entries {
            let j = journal.entry(e.path.clone()).or_insert_with(|| Entry::new(e.hash, None));
            if !j.hashes.contains(&e.hash) {
                j.hashes.push(e.hash);
            }
            j.stamp = None;
        }
        if written > 0 || !gone.is_empty() {
            self.write_manifest(&Manifest::dirty(journal))?;
        }
        self.fault.tick(fault::Point::Journal);
        // Stale files first, so a folder can become a file and a file a folder.
        for (path, entry) in &gone {
            if self.remove_if_ours(path, entry)? {
                stats.removed += 1;
            } else if std::fs::symlink_metadata(out.join(path)).is_ok() {
                stats.kept += 1;
            }
            self.fault.tick(fault::Point::Delete);
        }
        let staging = out.join(STAGING);
        let mut stamps: HashMap<&str, Stamp> = HashMap::new();
        for e in entries {
            if let Some(s) = e.stamp {
                stamps.insert(&e.path, s);
            }
        }
        let renamed: Vec<(&str, Stamp)> = entries
            .par_iter()
            .filter_map(|e| e.staged.map(|n| (e, n)))
            .map(|(e, n)| {
                let to = out.join(&e.path);
                rename_into_place(&staging.join(n.to_string()), &to)?;
                self.fault.tick(fault::Point::Rename);
                let meta = std::fs::symlink_metadata(&to).map_err(io(&to))?;
                Ok((e.path.as_str(), Stamp::of(&meta)))
            })
            .collect::<Result<_, OutputError>>()?;
        stamps.extend(renamed);
        let _ = std::fs::remove_dir_all(&staging);
        let manifest = Manifest::of(
            entries.iter().map(|e| (e.path.clone(), Entry::new(e.hash, stamps.get(e.path.as_str()).copied()))),
        );
        self.write_manifest(&manifest)?;
        Ok(stats)
    }

    /// Removes a file of an earlier build if it still holds bytes pmsite wrote there,
    /// then the folders it leaves empty. Nothing outside `out`, nothing through a symlink.
    fn remove_if_ours(&self, rel: &str, entry: &Entry) -> Result<bool, OutputError> {
        let out = &self.out;
        let path = out.join(rel);
        if !is_safe(rel) || !self.no_symlinks_above(rel) {
            return Ok(false);
        }
        let removed = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => {
                let ours = (entry.stamp.is_some() && entry.stamp == Some(Stamp::of(&m)))
                    || std::fs::read(&path).is_ok_and(|b| entry.hashes.contains(&hash(&b)));
                ours && {
                    std::fs::remove_file(&path).map_err(io(&path))?;
                    true
                }
            }
            _ => false,
        };
        // Also after a kill that made a folder but not yet the file in it.
        remove_empty_parents(out, &path);
        Ok(removed)
    }

    fn no_symlinks_above(&self, rel: &str) -> bool {
        folders_above(rel).all(|dir| std::fs::symlink_metadata(self.out.join(dir)).is_ok_and(|m| m.is_dir()))
    }

    fn write_manifest(&self, m: &Manifest) -> Result<(), OutputError> {
        let tmp = self.out.join(MARKER_TMP);
        std::fs::write(&tmp, m.to_text()).map_err(io(&tmp))?;
        let marker = self.out.join(MARKER);
        std::fs::rename(&tmp, &marker).map_err(io(&marker))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        match &self.mode {
            Mode::Fresh { tmp } => remove_tree_parallel(tmp),
            Mode::InPlace { .. } => remove_tree_parallel(&self.out.join(STAGING)),
        }
    }
}

/// `a`, `a/b` for `a/b/c.html`: the folders a path passes through, outermost first.
fn folders_above(rel: &str) -> impl Iterator<Item = &str> {
    rel.match_indices('/').map(move |(i, _)| &rel[..i])
}

fn is_under(path: &str, dir: &str) -> bool {
    path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

fn parent_and_name(out: &Path) -> (PathBuf, String) {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
    (parent, name)
}

/// Temporary folders of first builds into `name` that were killed before their rename.
fn remove_leftover_tmps(parent: &Path, name: &str) {
    let prefix = format!(".{name}.pmsite-tmp-");
    let Ok(dir) = std::fs::read_dir(parent) else { return };
    for e in dir.flatten() {
        let file_name = e.file_name();
        let is_tmp = file_name
            .to_str()
            .is_some_and(|n| n.strip_prefix(&prefix).is_some_and(|pid| pid.bytes().all(|b| b.is_ascii_digit())));
        // remove_dir_all does not follow symlinks; a symlink of that name is left alone.
        if is_tmp && e.file_type().is_ok_and(|t| t.is_dir()) {
            remove_tree_parallel(&e.path());
        }
    }
}

/// Empty, or holding only what an interrupted build of pmsite left.
fn is_empty(out: &Path) -> Result<bool, OutputError> {
    let dir = std::fs::read_dir(out).map_err(io(out))?;
    Ok(dir.flatten().all(|e| e.file_name() == STAGING || e.file_name() == MARKER_TMP))
}

fn rename_into_place(from: &Path, to: &Path) -> Result<(), OutputError> {
    match std::fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::rename(from, to).map_err(io(to))
        }
        Err(_) if to.is_dir() => {
            // An earlier build's folder of that name, emptied of its files by commit.
            std::fs::remove_dir(to).map_err(io(to))?;
            std::fs::rename(from, to).map_err(io(to))
        }
        Err(e) => Err(OutputError::Io { path: to.to_path_buf(), source: e }),
    }
}

/// Folders are made on demand, so that they too are created while pages render.
fn write_creating_dirs(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    match std::fs::write(path, bytes) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::write(path, bytes).map_err(io(path))
        }
        r => r.map_err(io(path)),
    }
}

/// Removes the folders above `path` that are left empty (a deleted incident's folder).
fn remove_empty_parents(out: &Path, path: &Path) {
    let mut dir = path.parent();
    while let Some(d) = dir.filter(|d| *d != out && d.starts_with(out)) {
        if std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

fn remove_tree_parallel(dir: &Path) {
    let entries: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|r| r.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    entries.par_iter().for_each(|p| {
        if std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) {
            let _ = std::fs::remove_dir_all(p);
        } else {
            let _ = std::fs::remove_file(p);
        }
    });
    let _ = std::fs::remove_dir_all(dir);
}

/// Deliberate crashes at named points of a write, for the fault-injection tests:
/// `PMSITE_FAULT=rename:3` aborts the process (no destructors, like `kill -9`) at the
/// third rename. Unset, it costs one branch per file.
/// The fault hook of `PMSITE_FAULT=cache`: the build cache is written after the output,
/// and a kill between its two steps must leave a cache that is ignored or still right.
pub(crate) fn fault_point_cache() {
    fault::Plan::from_env().tick(fault::Point::Cache);
}

mod fault {
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Clone, Copy, PartialEq, Eq)]
    pub(super) enum Point {
        Stage,
        Journal,
        Delete,
        Rename,
        Swap,
        /// Between writing the build cache's temporary file and renaming it (`cache`).
        Cache,
    }

    pub(super) struct Plan {
        at: Option<(Point, usize)>,
        seen: AtomicUsize,
    }

    impl Plan {
        pub(super) fn from_env() -> Plan {
            let at = std::env::var("PMSITE_FAULT").ok().and_then(|v| {
                let (name, n) = v.split_once(':').unwrap_or((&v, "1"));
                let point = match name {
                    "stage" => Point::Stage,
                    "journal" => Point::Journal,
                    "delete" => Point::Delete,
                    "rename" => Point::Rename,
                    "swap" => Point::Swap,
                    "cache" => Point::Cache,
                    _ => return None,
                };
                Some((point, n.parse().ok()?))
            });
            Plan { at, seen: AtomicUsize::new(0) }
        }

        pub(super) fn tick(&self, point: Point) {
            if let Some((p, n)) = self.at
                && p == point
                && self.seen.fetch_add(1, Ordering::Relaxed) + 1 >= n
            {
                std::process::abort();
            }
        }
    }
}

#[cfg(test)]
mod tests;
