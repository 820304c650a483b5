//! Watching the knowledge base: which file events matter and when a burst is over.
//!
//! Editors save in many small steps (a swap file, a backup, a temp file renamed over
//! the original), so raw events are filtered to the files a build reads and gathered
//! until the tree has been quiet for a moment; the rebuild then sees one batch.

use notify::{RecursiveMode, Watcher};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long the tree must be quiet before a batch of changes is handed on.
pub const QUIET: Duration = Duration::from_millis(50);
/// A batch is handed on after this long even if events keep coming.
const MAX_WAIT: Duration = Duration::from_millis(500);

/// True for files editors write beside the real one, and hidden files.
pub fn is_noise(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return true;
    };
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913"
}

/// True for paths a build reads: under content/, themes/ or static/, or site.toml.
pub fn is_input(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    if rel.components().any(|c| c.as_os_str().to_str().is_some_and(|s| s.starts_with('.'))) {
        return false;
    }
    match rel.components().next().and_then(|c| c.as_os_str().to_str()) {
        Some("content" | "themes" | "static") => !is_noise(rel),
        Some("site.toml") => rel.components().count() == 1,
        _ => false,
    }
}

/// The watched folders; site.toml is watched through the root (non-recursive), so
/// an editor that replaces it by rename is still seen.
const FOLDERS: [&str; 3] = ["content", "themes", "static"];

pub struct Watch {
    watcher: notify::RecommendedWatcher,
    thread: std::thread::JoinHandle<()>,
}

impl Watch {
    /// Stops watching. Dropping the watcher ends the batching thread, which ends the rebuild loop.
    pub fn stop(self) {
        drop(self.watcher);
        let _ = self.thread.join();
    }
}

/// Starts watching `root`; every batch of changed input paths is sent to `batches`.
pub fn start(root: &Path, batches: mpsc::Sender<Vec<PathBuf>>) -> Result<Watch, notify::Error> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(tx)?;
    watcher.watch(&root, RecursiveMode::NonRecursive)?;
    for f in FOLDERS {
        let dir = root.join(f);
        if dir.is_dir() {
            watcher.watch(&dir, RecursiveMode::Recursive)?;
        }
    }
    let thread = std::thread::Builder::new()
        .name("pmsite-watch".into())
        .spawn(move || batch_loop(&root, rx, batches))
        .map_err(notify::Error::io)?;
    Ok(Watch { watcher, thread })
}

fn relevant(root: &Path, event: notify::Result<notify::Event>) -> Vec<PathBuf> {
    match event {
        Ok(e) if !matches!(e.kind, notify::EventKind::Access(_)) => {
            e.paths.into_iter().filter(|p| is_input(root, p)).collect()
        }
        _ => Vec::new(),
    }
}

fn batch_loop(root: &Path, rx: mpsc::Receiver<notify::Result<notify::Event>>, batches: mpsc::Sender<Vec<PathBuf>>) {
    // A folder created after start (a first static/) is not watched; the root watch sees it appear.
    while let Ok(event) = rx.recv() {
        let mut batch: BTreeSet<PathBuf> = relevant(root, event).into_iter().collect();
        if batch.is_empty() {
            continue;
        }
        let started = Instant::now();
        loop {
            match rx.recv_timeout(QUIET) {
                Ok(e) => batch.extend(relevant(root, e)),
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            if started.elapsed() > MAX_WAIT {
                break;
            }
        }
        if batches.send(batch.into_iter().collect()).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_noise_is_ignored() {
        let root = Path::new("/kb");
        assert!(is_input(root, Path::new("/kb/content/2024/a.md")));
        assert!(is_input(root, Path::new("/kb/site.toml")));
        assert!(is_input(root, Path::new("/kb/themes/default/templates/base.html")));
        assert!(is_input(root, Path::new("/kb/static/logo.png")));
        for noise in [
            "/kb/content/2024/.a.md.swp",
            "/kb/content/2024/a.md~",
            "/kb/content/2024/4913",
            "/kb/content/2024/.#a.md",
            "/kb/content/.git/x",
            "/kb/public/index.html",
            "/kb/site.toml~",
            "/kb/other/site.toml",
            "/elsewhere/content/a.md",
        ] {
            assert!(!is_input(root, Path::new(noise)), "{noise}");
        }
    }
}
