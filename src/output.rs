//! Output: the built site as a set of files, written to disk atomically or kept in
//! memory by `serve`. Render code produces `OutputFile`s and never touches the disk.
//!
//! A disk build writes into a temporary folder beside the output and swaps it in only
//! when every file was written, so a failed build leaves the previous site as it was.
//! Files are written in parallel: on slow disks file creation, not rendering, is
//! what a 10,000-page build waits on.

use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative to the output root, `/`-separated, no leading slash (`incidents/x/index.html`).
    pub path: String,
    /// Shared, so that serve's rebuilds keep unchanged pages without copying them.
    pub bytes: std::sync::Arc<[u8]>,
}

impl OutputFile {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        OutputFile { path: path.into(), bytes: bytes.into().into() }
    }
}

/// Marks a folder as pmsite's output, so a build never replaces a folder it did not make.
pub const MARKER: &str = ".pmsite-output";

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(
        "{0} exists, is not empty and was not written by pmsite; refusing to replace it (choose another --output or empty it)"
    )]
    NotOurs(PathBuf),
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("output path `{0}` escapes the output folder")]
    BadPath(String),
    #[error(
        "two files of the build have the same path `{0}`: a file in static/ or beside a postmortem has the path of a page pmsite makes; rename it"
    )]
    Duplicate(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_path_buf(), source }
}

fn is_safe(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.starts_with('/')
        && !rel.contains('\\')
        && rel.split('/').all(|c| !c.is_empty() && c != ".." && c != ".")
}

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

fn hash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// The previous build's manifest: path -> (hash, size). None when missing or unreadable.
fn read_manifest(out: &Path) -> Option<HashMap<String, (u64, u64)>> {
    let text = std::fs::read_to_string(out.join(MARKER)).ok()?;
    let mut map = HashMap::new();
    for line in text.lines().skip(1) {
        let mut parts = line.splitn(3, ' ');
        let (h, size, path) = (parts.next()?, parts.next()?, parts.next()?);
        map.insert(path.to_string(), (u64::from_str_radix(h, 16).ok()?, size.parse().ok()?));
    }
    Some(map)
}

fn manifest(sorted: &[(String, u64, u64, bool)]) -> String {
    let mut s = String::from("pmsite output manifest v1: this folder is written by `pmsite build`\n");
    for (path, h, size, _) in sorted {
        s.push_str(&format!("{h:016x} {size} {path}\n"));
    }
    s
}

/// Writes the site to `out` so that a failure leaves the previous site as it was.
pub fn write_atomic(out: &Path, files: &[OutputFile]) -> Result<WriteStats, OutputError> {
    let staging = Staging::begin(out)?;
    files.par_iter().try_for_each(|f| staging.put(f))?;
    staging.commit()
}

/// A write in progress. Files are `put` as soon as they are rendered, from any thread,
/// so that creating files on a slow disk overlaps rendering instead of following it;
/// nothing is visible in `out` until `commit`. Dropped without `commit`, it removes what
/// it wrote.
///
/// A first build writes a temporary folder beside `out` and renames it into place. A
/// later build compares with the previous build's manifest and writes only files that
/// changed: it stages them as `*.pmsite-new` siblings, and only when every one was
/// written renames them over the old ones and deletes files that are gone. On slow
/// disks creating files is the cost of a build, so an unchanged page costs nothing.
pub struct Staging {
    out: PathBuf,
    mode: Mode,
    /// Every file put: path, hash, size, and whether it was written (not unchanged).
    entries: Mutex<Vec<(String, u64, u64, bool)>>,
    done: bool,
}

enum Mode {
    /// No previous build: everything goes into this temporary folder.
    Fresh { tmp: PathBuf },
    /// A previous build's manifest: path -> (hash, size).
    Changed { previous: HashMap<String, (u64, u64)> },
}

impl Staging {
    /// Checks that `out` may be written (it is ours, or absent or empty) and prepares.
    pub fn begin(out: &Path) -> Result<Staging, OutputError> {
        if out.exists() && !out.join(MARKER).exists() {
            let empty = std::fs::read_dir(out).map_err(io(out))?.next().is_none();
            if !empty {
                return Err(OutputError::NotOurs(out.to_path_buf()));
            }
        }
        let mode = match read_manifest(out) {
            Some(previous) => Mode::Changed { previous },
            None => {
                let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
                std::fs::create_dir_all(parent).map_err(io(parent))?;
                let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
                let tmp = parent.join(format!(".{name}.pmsite-tmp-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&tmp);
                std::fs::create_dir(&tmp).map_err(io(&tmp))?;
                Mode::Fresh { tmp }
            }
        };
        Ok(Staging { out: out.to_path_buf(), mode, entries: Mutex::new(Vec::new()), done: false })
    }

    /// Writes one file (or, when the previous build wrote the same bytes, notes it unchanged).
    pub fn put(&self, f: &OutputFile) -> Result<(), OutputError> {
        if !is_safe(&f.path) {
            return Err(OutputError::BadPath(f.path.clone()));
        }
        let h = hash(&f.bytes);
        let write = match &self.mode {
            Mode::Fresh { tmp } => {
                write_creating_dirs(&tmp.join(&f.path), &f.bytes)?;
                true
            }
            Mode::Changed { previous } => {
                let changed = match previous.get(&f.path) {
                    Some(&(old, size)) => {
                        old != h || std::fs::metadata(self.out.join(&f.path)).map(|m| m.len() != size).unwrap_or(true)
                    }
                    None => true,
                };
                if changed {
                    write_creating_dirs(&staged(&self.out, &f.path), &f.bytes)?;
                }
                changed
            }
        };
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).push((f.path.clone(), h, f.bytes.len() as u64, write));
        Ok(())
    }

    /// Makes everything put visible in `out` at once, and removes files no longer made.
    pub fn commit(mut self) -> Result<WriteStats, OutputError> {
        let mut entries = std::mem::take(self.entries.get_mut().unwrap_or_else(|e| e.into_inner()));
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if let Some(dup) = entries.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(OutputError::Duplicate(dup[0].0.clone()));
        }
        let manifest = manifest(&entries);
        let written = entries.iter().filter(|e| e.3).count();
        let stats = match &self.mode {
            Mode::Fresh { tmp } => {
                let marker = tmp.join(MARKER);
                std::fs::write(&marker, manifest).map_err(io(&marker))?;
                swap_in(tmp, &self.out)?;
                WriteStats { written, unchanged: 0, removed: 0 }
            }
            Mode::Changed { previous } => {
                let out = &self.out;
                let keep: HashSet<&str> = entries.iter().map(|e| e.0.as_str()).collect();
                let removed: Vec<&String> = previous.keys().filter(|p| !keep.contains(p.as_str())).collect();
                let stats = WriteStats { written, unchanged: entries.len() - written, removed: removed.len() };
                if written > 0 || !removed.is_empty() {
                    // Every new byte is on disk: now the swap, which is renames only.
                    entries.par_iter().filter(|e| e.3).try_for_each(|e| {
                        let to = out.join(&e.0);
                        std::fs::rename(staged(out, &e.0), &to).map_err(io(&to))
                    })?;
                    for p in &removed {
                        let path = out.join(p);
                        let _ = std::fs::remove_file(&path);
                        remove_empty_parents(out, &path);
                    }
                    let marker = out.join(MARKER);
                    std::fs::write(&marker, manifest).map_err(io(&marker))?;
                }
                stats
            }
        };
        self.done = true;
        Ok(stats)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        match &self.mode {
            Mode::Fresh { tmp } => remove_tree_parallel(tmp),
            Mode::Changed { .. } => {
                let entries = self.entries.get_mut().unwrap_or_else(|e| e.into_inner());
                entries.par_iter().filter(|e| e.3).for_each(|e| {
                    let p = staged(&self.out, &e.0);
                    let _ = std::fs::remove_file(&p);
                    remove_empty_parents(&self.out, &p);
                });
            }
        }
    }
}

fn staged(out: &Path, path: &str) -> PathBuf {
    out.join(format!("{path}.pmsite-new"))
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
    while let Some(d) = dir.filter(|d| *d != out) {
        if std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Renames `tmp` to `out`, moving a previous `out` aside first and deleting it after.
fn swap_in(tmp: &Path, out: &Path) -> Result<(), OutputError> {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
    let old = parent.join(format!(".{name}.pmsite-old-{}", std::process::id()));
    if out.exists() {
        std::fs::rename(out, &old).map_err(io(out))?;
    }
    if let Err(e) = std::fs::rename(tmp, out) {
        // Put the previous site back; the build failed as a whole.
        let _ = std::fs::rename(&old, out);
        return Err(OutputError::Io { path: out.to_path_buf(), source: e });
    }
    if old.exists() {
        remove_tree_parallel(&old);
    }
    Ok(())
}

fn remove_tree_parallel(dir: &Path) {
    let entries: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|r| r.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    entries.par_iter().for_each(|p| {
        if p.is_dir() {
            let _ = std::fs::remove_dir_all(p);
        } else {
            let _ = std::fs::remove_file(p);
        }
    });
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_swaps() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("public");
        write_atomic(&out, &[OutputFile::new("a/b/index.html", "1"), OutputFile::new("index.html", "2")]).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a/b/index.html")).unwrap(), "1");
        let stats = write_atomic(&out, &[OutputFile::new("x.html", "3"), OutputFile::new("index.html", "2")]).unwrap();
        assert_eq!(stats, WriteStats { written: 1, unchanged: 1, removed: 1 });
        assert!(!out.join("a/b/index.html").exists(), "old files are gone after a build");
        assert!(!out.join("a").exists(), "emptied folders are removed");
        assert!(out.join("x.html").exists());
        std::fs::remove_file(out.join("x.html")).unwrap();
        let stats = write_atomic(&out, &[OutputFile::new("x.html", "3"), OutputFile::new("index.html", "2")]).unwrap();
        assert_eq!(stats.written, 1, "a file deleted by hand is written again");
        let leftovers: Vec<_> = std::fs::read_dir(t.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }

    #[test]
    fn a_staging_dropped_without_commit_leaves_no_trace() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("public");
        let staging = Staging::begin(&out).unwrap();
        staging.put(&OutputFile::new("a/b/index.html", "1")).unwrap();
        drop(staging);
        assert!(!out.exists());
        assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 0, "the temporary folder is gone");

        write_atomic(&out, &[OutputFile::new("index.html", "1")]).unwrap();
        let staging = Staging::begin(&out).unwrap();
        staging.put(&OutputFile::new("index.html", "2")).unwrap();
        staging.put(&OutputFile::new("new/index.html", "3")).unwrap();
        drop(staging);
        let mut left: Vec<String> = walkdir::WalkDir::new(&out)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| e.path().strip_prefix(&out).unwrap().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [MARKER, "index.html"]);
        assert_eq!(std::fs::read_to_string(out.join("index.html")).unwrap(), "1");
        assert!(!out.join("new").exists(), "a folder made only for a staged file is removed");
    }

    #[test]
    fn two_files_with_one_path_are_refused() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("public");
        let err = write_atomic(&out, &[OutputFile::new("a.html", "1"), OutputFile::new("a.html", "2")]).unwrap_err();
        assert!(matches!(err, OutputError::Duplicate(ref p) if p == "a.html"), "{err}");
        assert!(!out.exists());
    }

    #[test]
    fn refuses_foreign_folders_and_bad_paths() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("precious.txt"), "x").unwrap();
        assert!(matches!(write_atomic(t.path(), &[OutputFile::new("a.html", "")]), Err(OutputError::NotOurs(_))));
        let out = t.path().join("out");
        assert!(matches!(write_atomic(&out, &[OutputFile::new("../evil", "")]), Err(OutputError::BadPath(_))));
        assert!(!out.exists());
    }
}
