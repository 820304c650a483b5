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
pub(crate) const QUIET: Duration = Duration::from_millis(50);
/// How long to wait for more once the last event finished a file (its writer closed it,
/// or it was renamed into place): the save is over, and what else comes within this is
/// the rest of the same burst (an editor removing its backup, a checkout's next file).
const SETTLE: Duration = Duration::from_millis(5);
/// A batch is handed on after this long even if events keep coming.
const MAX_WAIT: Duration = Duration::from_millis(500);

/// Whether an event says a file's new contents are all there. Waiting `QUIET` after
/// each such event cost every save in `serve` 50 ms of doing nothing.
fn finishes_a_file(kind: &notify::EventKind) -> bool {
    use notify::EventKind::{Access, Modify};
    use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
    matches!(
        kind,
        Access(AccessKind::Close(AccessMode::Write)) | Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both))
    )
}

/// True for files editors write beside the real one, and hidden files.
pub(crate) fn is_noise(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_none_or(crate::walk::is_noise_name)
}

/// True for paths a build reads: under content/, themes/ or static/, or site.toml.
#[cfg(test)]
pub(crate) fn is_input(root: &Path, path: &Path) -> bool {
    is_input_of(root, &[], path)
}

/// `is_input`, with the folders of `[[sources]]` (relative to the root) read too.
/// Postmortem folders follow the loader's rules (`crate::walk`), `.gitignore` included;
/// a `.gitignore` there is an input itself, since it changes which files are.
pub(crate) fn is_input_of(root: &Path, sources: &[PathBuf], path: &Path) -> bool {
    // A source beside the knowledge base (`../team`) or elsewhere (`/srv/team`) is
    // watched at `root.join(source)`, so its events name paths under that; as in the
    // loader, its ignore rules start at its own folder. This comes first because
    // `root/../team` also strips to a path under `root`.
    for s in sources.iter().filter(|s| crate::sources::is_outside(s)) {
        let dir = root.join(s);
        if let Ok(inside) = path.strip_prefix(&dir) {
            if inside.as_os_str().is_empty() {
                return false;
            }
            if crate::walk::is_rules_file(inside) && !in_hidden_folder(inside) {
                return true;
            }
            return !crate::walk::is_ignored(&dir, path, path.is_dir());
        }
    }
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    let first = rel.components().next().and_then(|c| c.as_os_str().to_str());
    let postmortems = first == Some(crate::sources::CONTENT) || sources.iter().any(|s| rel.starts_with(s));
    if postmortems && !sources.iter().any(|s| rel == s) && rel != Path::new(crate::sources::CONTENT) {
        if crate::walk::is_rules_file(rel) && !in_hidden_folder(rel) {
            return true;
        }
        return !crate::walk::is_ignored(root, path, path.is_dir());
    }
    if rel == Path::new(".gitignore") {
        return true;
    }
    if rel.components().any(|c| c.as_os_str().to_str().is_some_and(|s| s.starts_with('.'))) {
        return false;
    }
    match first {
        Some("themes" | "static") => !is_noise(rel),
        Some("site.toml") => rel.components().count() == 1,
        _ => false,
    }
}

/// True when a folder on the way to `rel` is one the walk skips (`.git/.gitignore`).
fn in_hidden_folder(rel: &Path) -> bool {
    rel.parent().is_some_and(|p| p.components().any(|c| c.as_os_str().to_str().is_none_or(crate::walk::is_noise_name)))
}

/// The `[[sources]]` folders besides content/, relative to the root, as site.toml says now.
fn source_folders(root: &Path) -> Vec<PathBuf> {
    let sources = crate::load::load_config(root).0.sources;
    sources.into_iter().map(|s| s.path).filter(|p| p != Path::new(crate::sources::CONTENT)).collect()
}

/// The watched folders; site.toml is watched through the root (non-recursive), so
/// an editor that replaces it by rename is still seen.
const FOLDERS: [&str; 3] = ["content", "themes", "static"];

pub(crate) struct Watch {
    stop: mpsc::Sender<Message>,
    thread: std::thread::JoinHandle<()>,
}

impl Watch {
    /// Stops watching. The batching thread owns the watcher and the sender of batches:
    /// it ending ends the rebuild loop.
    pub(crate) fn stop(self) {
        let _ = self.stop.send(Message::Stop);
        let _ = self.thread.join();
    }
}

enum Message {
    Event(notify::Result<notify::Event>),
    Stop,
}

/// Starts watching `root`; every batch of changed input paths is sent to `batches`.
pub(crate) fn start(root: &Path, batches: mpsc::Sender<Vec<PathBuf>>) -> Result<Watch, notify::Error> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let (tx, rx) = mpsc::channel::<Message>();
    let events = tx.clone();
    let mut watcher = notify::recommended_watcher(move |e| {
        let _ = events.send(Message::Event(e));
    })?;
    watcher.watch(&root, RecursiveMode::NonRecursive)?;
    // The ticket snapshot `pmsite sync` writes is a build input too (docs/trackers.md).
    let snapshot = root.join(crate::load::load_config(&root).0.tickets.snapshot);
    if let Some(dir) = snapshot.parent().filter(|d| *d != root && d.is_dir()) {
        watcher.watch(dir, RecursiveMode::NonRecursive)?;
    }
    let sources = source_folders(&root);
    for dir in FOLDERS.iter().map(PathBuf::from).chain(sources.iter().cloned()) {
        let dir = root.join(dir);
        if dir.is_dir() {
            watcher.watch(&dir, RecursiveMode::Recursive)?;
        }
    }
    let thread = std::thread::Builder::new()
        .name("pmsite-watch".into())
        .spawn(move || Batcher { root, snapshot, sources, watcher, moved: BTreeSet::new() }.run(rx, batches))
        .map_err(notify::Error::io)?;
    Ok(Watch { stop: tx, thread })
}

/// The watched folder that `path` is, if it is one of them itself (not a file in it).
fn folder_itself<'a>(root: &Path, sources: &[PathBuf], path: &'a Path) -> Option<&'a Path> {
    if sources.iter().any(|s| root.join(s) == path) {
        return Some(path);
    }
    let rel = path.strip_prefix(root).ok()?;
    let name = rel.to_str()?;
    (FOLDERS.contains(&name) || sources.iter().any(|s| s == rel)).then_some(path)
}

struct Batcher {
    root: PathBuf,
    /// The ticket snapshot's path, as site.toml named it when serve started.
    snapshot: PathBuf,
    /// The `[[sources]]` folders besides content/, relative to the root.
    sources: Vec<PathBuf>,
    watcher: notify::RecommendedWatcher,
    /// Watched folders created, removed or renamed in this batch.
    moved: BTreeSet<PathBuf>,
}

impl Batcher {
    /// The paths of `event` a build reads; notes any watched folder it created, removed
    /// or renamed.
    /// The input paths an event names, and whether it finished writing them
    /// (`finishes_a_file`). A close after writing usually names a file already reported
    /// as modified; it is kept too, so a write whose other events came in an earlier
    /// batch is still rebuilt once it is complete.
    fn relevant(&mut self, event: notify::Result<notify::Event>) -> (Vec<PathBuf>, bool) {
        use notify::EventKind::{Access, Create, Modify, Remove};
        let finished = event.as_ref().is_ok_and(|e| finishes_a_file(&e.kind));
        let e = match event {
            Ok(e) if finished || !matches!(e.kind, Access(_)) => e,
            _ => return (Vec::new(), false),
        };
        if e.need_rescan() {
            // Events were lost (the kernel queue overflowed): any folder may have changed.
            let all: Vec<PathBuf> = FOLDERS
                .iter()
                .map(PathBuf::from)
                .chain(self.sources.iter().cloned())
                .map(|f| self.root.join(f))
                .collect();
            self.moved.extend(all.iter().cloned());
            return (all, false);
        }
        if matches!(e.kind, Create(_) | Remove(_) | Modify(notify::event::ModifyKind::Name(_))) {
            let folders = e.paths.iter().filter_map(|p| folder_itself(&self.root, &self.sources, p));
            self.moved.extend(folders.map(Path::to_path_buf));
        }
        let paths: Vec<PathBuf> =
            e.paths.into_iter().filter(|p| is_input_of(&self.root, &self.sources, p) || *p == self.snapshot).collect();
        let finished = finished && !paths.is_empty();
        (paths, finished)
    }

    /// Drops the watch on each moved folder and watches what is there now. A watch
    /// follows the folder it was made on: one moved away keeps reporting (under the old
    /// name) on some systems, and one deleted and made again is not watched at all.
    /// Done before the batch is handed on, so the rebuild it causes, which reads the
    /// whole folder again, sees every file saved before the new watch began.
    fn rewatch_moved(&mut self) {
        for dir in std::mem::take(&mut self.moved) {
            let _ = self.watcher.unwatch(&dir);
            if dir.is_dir() {
                // A folder that vanishes again before it is watched is seen by the root watch.
                let _ = self.watcher.watch(&dir, RecursiveMode::Recursive);
            }
        }
    }

    fn run(mut self, rx: mpsc::Receiver<Message>, batches: mpsc::Sender<Vec<PathBuf>>) {
        while let Ok(Message::Event(event)) = rx.recv() {
            let (paths, mut finished) = self.relevant(event);
            let mut batch: BTreeSet<PathBuf> = paths.into_iter().collect();
            if batch.is_empty() {
                continue;
            }
            let started = Instant::now();
            loop {
                match rx.recv_timeout(if finished { SETTLE } else { QUIET }) {
                    Ok(Message::Event(e)) => {
                        let (paths, done) = self.relevant(e);
                        // Only events about inputs say where the burst is; noise does not.
                        if done || !paths.is_empty() {
                            finished = done;
                        }
                        batch.extend(paths);
                    }
                    Ok(Message::Stop) => return,
                    Err(mpsc::RecvTimeoutError::Timeout) => break,
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
                if started.elapsed() > MAX_WAIT {
                    break;
                }
            }
            // site.toml may list other sources now: watch the ones that are new.
            if batch.contains(&self.root.join(crate::config::FILE)) {
                let now = source_folders(&self.root);
                let added: Vec<PathBuf> = now.iter().filter(|s| !self.sources.contains(s)).cloned().collect();
                self.moved.extend(added.iter().map(|s| self.root.join(s)));
                self.sources = now;
            }
            self.rewatch_moved();
            if batches.send(batch.into_iter().collect()).is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_write_or_a_rename_into_place_finishes_a_save_and_nothing_else_does() {
        use notify::event::{AccessKind, AccessMode, CreateKind, DataChange, ModifyKind, RenameMode};
        use notify::{Event, EventKind};
        let t = tempfile::tempdir().unwrap();
        let root = t.path().to_path_buf();
        std::fs::create_dir_all(root.join("content")).unwrap();
        let watcher = notify::recommended_watcher(|_: notify::Result<notify::Event>| {}).unwrap();
        let mut b = Batcher {
            snapshot: root.join("x.json"),
            root: root.clone(),
            sources: Vec::new(),
            watcher,
            moved: BTreeSet::new(),
        };
        let pm = root.join("content/a.md");
        let event = |kind: EventKind, path: &Path| Ok(Event::new(kind).add_path(path.to_path_buf()));
        let closed = EventKind::Access(AccessKind::Close(AccessMode::Write));
        assert_eq!(b.relevant(event(closed, &pm)), (vec![pm.clone()], true));
        let renamed = EventKind::Modify(ModifyKind::Name(RenameMode::To));
        assert_eq!(b.relevant(event(renamed, &pm)), (vec![pm.clone()], true));
        // Still being written, or only read: the wait for quiet goes on.
        let written = EventKind::Modify(ModifyKind::Data(DataChange::Content));
        assert_eq!(b.relevant(event(written, &pm)), (vec![pm.clone()], false));
        assert_eq!(b.relevant(event(EventKind::Create(CreateKind::File), &pm)), (vec![pm.clone()], false));
        let read = EventKind::Access(AccessKind::Close(AccessMode::Read));
        assert_eq!(b.relevant(event(read, &pm)), (Vec::new(), false));
        // An editor's swap file closing is not the save finishing.
        assert_eq!(b.relevant(event(closed, &root.join("content/.a.md.swp"))), (Vec::new(), false));
    }

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
            "/kb/content/2024/#a.md#",
            "/kb/content/.git/x",
            "/kb/public/index.html",
            "/kb/site.toml~",
            "/kb/other/site.toml",
            "/elsewhere/content/a.md",
        ] {
            assert!(!is_input(root, Path::new(noise)), "{noise}");
        }
    }

    #[test]
    fn source_folders_are_inputs() {
        let root = Path::new("/kb");
        let sources = [PathBuf::from("teams/pay")];
        assert!(is_input_of(root, &sources, Path::new("/kb/teams/pay/2024/a.md")));
        assert!(!is_input(root, Path::new("/kb/teams/pay/2024/a.md")));
        for noise in ["/kb/teams/pay/.git/index", "/kb/teams/pay/a.md~", "/kb/teams/other/a.md", "/kb/teams/pay"] {
            assert!(!is_input_of(root, &sources, Path::new(noise)), "{noise}");
        }
        assert_eq!(folder_itself(root, &sources, Path::new("/kb/teams/pay")), Some(Path::new("/kb/teams/pay")));
    }

    #[test]
    fn gitignored_postmortems_are_not_inputs_but_the_rules_are() {
        let kb = tempfile::tempdir().unwrap();
        let root = kb.path();
        std::fs::create_dir_all(root.join("content/2024")).unwrap();
        std::fs::write(root.join(".gitignore"), "content/**/scratch-*\n").unwrap();
        assert!(!is_input(root, &root.join("content/2024/scratch-a.md")));
        assert!(is_input(root, &root.join("content/2024/a.md")));
        assert!(is_input(root, &root.join("content/2024/.gitignore")));
        assert!(!is_input(root, &root.join("content/.git/.gitignore")));
        assert!(is_input(root, &root.join(".gitignore")));
    }

    #[test]
    fn a_sibling_folder_keeps_its_own_ignore_rules_for_the_loader_and_the_watcher() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        let team = tmp.path().join("team");
        for (p, text) in [
            (root.join(".gitignore"), "*.png\n"),
            (root.join("content/2024/a.md"), ""),
            (team.join(".gitignore"), "wip/\n"),
            (team.join("2024/b.md"), ""),
            (team.join("2024/graph.png"), ""),
            (team.join("wip/c.md"), ""),
        ] {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let config = crate::config::parse("[[sources]]\npath = \"../team\"\n").0;
        let (md, assets, diags) = crate::load::discover_sources(&root, &config.sources);
        assert!(diags.is_empty(), "{diags:?}");
        let names = |v: &[PathBuf]| v.iter().map(|p| p.to_string_lossy().replace('\\', "/")).collect::<Vec<_>>();
        // The site's `*.png` is not the team folder's rule (it is no repository of the
        // site's); the team folder's `wip/` is.
        assert_eq!(names(&md), ["content/2024/a.md", "../team/2024/b.md"]);
        assert_eq!(names(&assets), ["../team/2024/graph.png"]);
        let sources = [PathBuf::from("../team")];
        let watched = root.join("../team");
        assert!(is_input_of(&root, &sources, &watched.join("2024/b.md")));
        assert!(is_input_of(&root, &sources, &watched.join("2024/graph.png")));
        assert!(!is_input_of(&root, &sources, &watched.join("wip/c.md")));
        assert!(is_input_of(&root, &sources, &watched.join(".gitignore")), "the rules are an input");
    }

    #[test]
    fn sibling_and_absolute_source_folders_are_inputs() {
        let root = Path::new("/ci/site");
        let sources = [PathBuf::from("../team-pay"), PathBuf::from("/srv/search")];
        assert!(is_input_of(root, &sources, Path::new("/ci/site/../team-pay/2024/a.md")));
        assert!(is_input_of(root, &sources, Path::new("/srv/search/2024/b.md")));
        for noise in ["/ci/site/../team-pay/.git/HEAD", "/srv/search/a.md~", "/srv/other/a.md", "/srv/search"] {
            assert!(!is_input_of(root, &sources, Path::new(noise)), "{noise}");
        }
        let at = Path::new("/ci/site/../team-pay");
        assert_eq!(folder_itself(root, &sources, at), Some(at));
    }
}
