//! Output: the built site as a set of files, written to disk atomically or kept in
//! memory by `serve`. Render code produces `OutputFile`s and never touches the disk.
//!
//! A disk build writes into a temporary folder beside the output and swaps it in only
//! when every file was written, so a failed build leaves the previous site as it was.
//! Files are written in parallel: on slow disks file creation, not rendering, is
//! what a 10,000-page build waits on.

use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

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

fn manifest(files: &[OutputFile]) -> String {
    let mut s = String::from("pmsite output manifest v1: this folder is written by `pmsite build`\n");
    let mut lines: Vec<String> =
        files.par_iter().map(|f| format!("{:016x} {} {}\n", hash(&f.bytes), f.bytes.len(), f.path)).collect();
    lines.sort_by(|a, b| a[a.find(' ').unwrap_or(0)..].cmp(&b[b.find(' ').unwrap_or(0)..]));
    lines.iter().for_each(|l| s.push_str(l));
    s
}

/// Writes the site to `out` so that a failure leaves the previous site as it was.
///
/// A first build writes a temporary folder beside `out` and renames it into place. A
/// later build compares with the previous build's manifest and writes only files that
/// changed: it stages them as `*.pmsite-new` siblings, and only when every one was
/// written renames them over the old ones and deletes files that are gone. On slow
/// disks creating files is the cost of a build, so an unchanged page costs nothing.
pub fn write_atomic(out: &Path, files: &[OutputFile]) -> Result<WriteStats, OutputError> {
    if let Some(bad) = files.iter().find(|f| !is_safe(&f.path)) {
        return Err(OutputError::BadPath(bad.path.clone()));
    }
    if out.exists() && !out.join(MARKER).exists() {
        let empty = std::fs::read_dir(out).map_err(io(out))?.next().is_none();
        if !empty {
            return Err(OutputError::NotOurs(out.to_path_buf()));
        }
    }
    match read_manifest(out) {
        Some(previous) => write_changed(out, files, &previous),
        None => write_fresh(out, files),
    }
}

fn write_fresh(out: &Path, files: &[OutputFile]) -> Result<WriteStats, OutputError> {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
    let tmp = parent.join(format!(".{name}.pmsite-tmp-{}", std::process::id()));
    let old = parent.join(format!(".{name}.pmsite-old-{}", std::process::id()));
    let result = write_tree(&tmp, files);
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if out.exists() {
        std::fs::rename(out, &old).map_err(io(out))?;
    }
    if let Err(e) = std::fs::rename(&tmp, out) {
        // Put the previous site back; the build failed as a whole.
        let _ = std::fs::rename(&old, out);
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(OutputError::Io { path: out.to_path_buf(), source: e });
    }
    if old.exists() {
        remove_tree_parallel(&old);
    }
    Ok(WriteStats { written: files.len(), unchanged: 0, removed: 0 })
}

fn write_changed(
    out: &Path,
    files: &[OutputFile],
    previous: &HashMap<String, (u64, u64)>,
) -> Result<WriteStats, OutputError> {
    // A file is unchanged when its hash matches and it is still on disk at the recorded size.
    let changed: Vec<&OutputFile> = files
        .par_iter()
        .filter(|f| match previous.get(&f.path) {
            Some(&(h, size)) => {
                h != hash(&f.bytes) || std::fs::metadata(out.join(&f.path)).map(|m| m.len() != size).unwrap_or(true)
            }
            None => true,
        })
        .collect();
    let keep: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let removed: Vec<&String> = previous.keys().filter(|p| !keep.contains(p.as_str())).collect();
    let stats = WriteStats { written: changed.len(), unchanged: files.len() - changed.len(), removed: removed.len() };
    if changed.is_empty() && removed.is_empty() {
        return Ok(stats);
    }
    let staged = |f: &OutputFile| out.join(format!("{}.pmsite-new", f.path));
    let stage = || -> Result<(), OutputError> {
        let dirs: BTreeSet<PathBuf> =
            changed.iter().filter_map(|f| out.join(&f.path).parent().map(Path::to_path_buf)).collect();
        for d in dirs {
            std::fs::create_dir_all(&d).map_err(io(&d))?;
        }
        changed.par_iter().try_for_each(|f| {
            let p = staged(f);
            std::fs::write(&p, &f.bytes).map_err(io(&p))
        })
    };
    if let Err(e) = stage() {
        changed.par_iter().for_each(|f| {
            let _ = std::fs::remove_file(staged(f));
        });
        return Err(e);
    }
    // Every new byte is on disk: now the swap, which is renames only.
    changed.par_iter().try_for_each(|f| {
        let to = out.join(&f.path);
        std::fs::rename(staged(f), &to).map_err(io(&to))
    })?;
    for p in &removed {
        let path = out.join(p);
        let _ = std::fs::remove_file(&path);
        // Remove folders left empty (a deleted incident's folder).
        let mut dir = path.parent();
        while let Some(d) = dir.filter(|d| *d != out) {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    let marker = out.join(MARKER);
    std::fs::write(&marker, manifest(files)).map_err(io(&marker))?;
    Ok(stats)
}

fn write_tree(dir: &Path, files: &[OutputFile]) -> Result<(), OutputError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let dirs: BTreeSet<&str> = files.iter().filter_map(|f| f.path.rsplit_once('/').map(|(d, _)| d)).collect();
    // Parents sort before children, so create_dir (not _all) suffices, in parallel per depth.
    let mut by_depth: Vec<Vec<&str>> = Vec::new();
    let mut all_dirs: BTreeSet<String> = BTreeSet::new();
    for d in dirs {
        let mut acc = String::new();
        for part in d.split('/') {
            if !acc.is_empty() {
                acc.push('/');
            }
            acc.push_str(part);
            all_dirs.insert(acc.clone());
        }
    }
    for d in &all_dirs {
        let depth = d.matches('/').count();
        if by_depth.len() <= depth {
            by_depth.resize(depth + 1, Vec::new());
        }
        by_depth[depth].push(d);
    }
    for level in by_depth {
        level.par_iter().try_for_each(|d| {
            let p = dir.join(d);
            std::fs::create_dir(&p).map_err(io(&p))
        })?;
    }
    files.par_iter().try_for_each(|f| {
        let p = dir.join(&f.path);
        std::fs::write(&p, &f.bytes).map_err(io(&p))
    })?;
    let marker = dir.join(MARKER);
    std::fs::write(&marker, manifest(files)).map_err(io(&marker))
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
    fn refuses_foreign_folders_and_bad_paths() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("precious.txt"), "x").unwrap();
        assert!(matches!(write_atomic(t.path(), &[OutputFile::new("a.html", "")]), Err(OutputError::NotOurs(_))));
        let out = t.path().join("out");
        assert!(matches!(write_atomic(&out, &[OutputFile::new("../evil", "")]), Err(OutputError::BadPath(_))));
        assert!(!out.exists());
    }
}
