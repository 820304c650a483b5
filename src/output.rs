//! Output: the built site as a set of files, written to disk atomically or kept in
//! memory by `serve`. Render code produces `OutputFile`s and never touches the disk.
//!
//! A disk build writes into a temporary folder beside the output and swaps it in only
//! when every file was written, so a failed build leaves the previous site as it was.
//! Files are written in parallel: on slow disks file creation, not rendering, is
//! what a 10,000-page build waits on.

use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative to the output root, `/`-separated, no leading slash (`incidents/x/index.html`).
    pub path: String,
    pub bytes: Vec<u8>,
}

impl OutputFile {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        OutputFile { path: path.into(), bytes: bytes.into() }
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
    !rel.is_empty() && !rel.starts_with('/') && !rel.contains('\\') && rel.split('/').all(|c| !c.is_empty() && c != ".." && c != ".")
}

/// Writes `files` into `dir` under a temporary name, then swaps it in. Returns files written.
pub fn write_atomic(out: &Path, files: &[OutputFile]) -> Result<usize, OutputError> {
    if let Some(bad) = files.iter().find(|f| !is_safe(&f.path)) {
        return Err(OutputError::BadPath(bad.path.clone()));
    }
    if out.exists() && !out.join(MARKER).exists() {
        let empty = std::fs::read_dir(out).map_err(io(out))?.next().is_none();
        if !empty {
            return Err(OutputError::NotOurs(out.to_path_buf()));
        }
    }
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
    Ok(files.len())
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
    std::fs::write(&marker, b"This folder is written by pmsite build and replaced as a whole on each build.\n")
        .map_err(io(&marker))
}

fn remove_tree_parallel(dir: &Path) {
    let entries: Vec<PathBuf> = std::fs::read_dir(dir).map(|r| r.flatten().map(|e| e.path()).collect()).unwrap_or_default();
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
        write_atomic(&out, &[OutputFile::new("x.html", "3")]).unwrap();
        assert!(!out.join("index.html").exists(), "old files are gone after a swap");
        assert!(out.join("x.html").exists());
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
