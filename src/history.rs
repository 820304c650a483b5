//! The knowledge base's git history: when each postmortem was first committed, last
//! changed, and how many revisions it has; and which files a branch changed, for
//! `pmsite check --changed`.
//!
//! A knowledge base lives in git, so its history is free metadata ("last updated 3 days
//! ago, 7 revisions"). Asking `git log --follow` once per file costs a process and a
//! history walk per postmortem, minutes for thousands of files; this module walks the
//! history once with gix and answers for every file. Each commit is compared with its
//! first parent only inside the knowledge base's subtree: when that subtree's id did
//! not change (most commits of a monorepo) the commit costs two tree lookups.
//!
//! Rules, the same as `git log --follow -- FILE` where they can be:
//! - A revision is a non-merge commit that added or modified the file (merges are
//!   skipped, as `git log` shows no diff for them by default; the branch commits they
//!   bring in are counted).
//! - Renames are followed: when a commit adds a tracked path and deletes another with
//!   the same blob (or at least 50% of the same lines, git's default threshold), the
//!   older commits of the deleted path count for the file. Renames from outside the
//!   knowledge base folder are not seen.
//! - Times are committer times: when a change entered the history.
//!
//! Without a repository, in a shallow clone (CI checks out one commit) or for a file
//! never committed, file modification times stand in, and the report says why once.
//! History never fails a build.

use crate::diagnostics::{Code, Diagnostic};
use gix::ObjectId;
use gix::bstr::{BString, ByteSlice};
use gix::objs::FindExt as _;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

/// Where a `FileHistory` came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HistorySource {
    /// Commits that changed the file.
    Git,
    /// File creation/modification times: no repository, a shallow clone, or an
    /// uncommitted file. `revisions` is then 0 (unknown).
    FileTimes,
}

/// One postmortem's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileHistory {
    /// When the file was first committed (published).
    pub first_commit: Timestamp,
    /// When it was last changed by a commit.
    pub last_commit: Timestamp,
    /// Non-merge commits that added or modified it (0 with `FileTimes`: unknown).
    pub revisions: u32,
    /// Whether the dates are git's or the file system's.
    pub source: HistorySource,
}

/// Histories for the files asked about, keyed by their path relative to the root.
#[derive(Debug, Clone, Default)]
pub struct HistoryReport {
    /// Each file asked about: from git when a commit changed it, else its file times; a
    /// file whose times cannot be read is left out.
    pub files: HashMap<PathBuf, FileHistory>,
    /// Why file times were used instead of git for every file, when they were
    /// (no repository, shallow clone). Meant to be shown once.
    pub fallback: Option<String>,
}

/// Why git history or the files changed since a base could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{} is not inside a git repository", path.display())]
    /// No git repository contains the knowledge base.
    NoRepository {
        /// The knowledge base root.
        path: PathBuf,
    },
    #[error("the repository has no commits yet")]
    /// The repository has no commits yet.
    NoCommits,
    #[error("`{base}` is not a branch, tag or commit in this repository; pass another with --base")]
    /// `--base` names no branch, tag or commit.
    UnknownBase {
        /// As given.
        base: String,
    },
    #[error(
        "`{base}` and HEAD have no common ancestor{}",
        if *.shallow { " in this shallow clone; fetch more history (e.g. `git fetch --unshallow` or `fetch-depth: 0`)" } else { "" }
    )]
    /// `--base` and HEAD share no commit.
    NoMergeBase {
        /// As given.
        base: String,
        /// The clone is shallow, so the common commit may just not be fetched.
        shallow: bool,
    },
    #[error("reading git history: {0}")]
    /// Reading the repository's objects failed; the text is gix's reason.
    Git(String),
    #[error("cannot read {}: {source}", path.display())]
    /// A file or folder of the work tree could not be read.
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
}

fn git_err(e: impl std::fmt::Display) -> HistoryError {
    HistoryError::Git(e.to_string())
}

/// A repository and where the knowledge base sits inside its work tree.
struct KbRepo {
    repo: gix::Repository,
    /// Root relative to the work tree, `/`-separated components; empty at the top.
    prefix: Vec<BString>,
}

fn open(root: &Path) -> Result<KbRepo, HistoryError> {
    let no_repo = || HistoryError::NoRepository { path: root.to_path_buf() };
    let mut repo = gix::discover(root).map_err(|_| no_repo())?;
    // Tree diffs read the same few trees again and again (a commit's tree is its
    // child's parent tree); a modest cache makes those reads free.
    repo.object_cache_size_if_unset(16 * 1024 * 1024);
    // Packed trees are deltas of other versions; gix caches decoded objects by pack
    // offset so a delta chain stops at the first version already decoded. (gix sets this
    // cache only with its `max-performance` feature, which also pulls in threads.)
    repo.objects.set_pack_cache(|| Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(32 * 1024 * 1024)));
    let workdir = repo.workdir().ok_or_else(no_repo)?;
    let abs = |p: &Path| std::fs::canonicalize(p).map_err(|source| HistoryError::Io { path: p.to_path_buf(), source });
    let (root_abs, work_abs) = (abs(root)?, abs(workdir)?);
    let rel = root_abs.strip_prefix(&work_abs).map_err(|_| no_repo())?;
    let prefix = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(BString::from(s.to_string_lossy().as_bytes())),
            _ => None,
        })
        .collect();
    Ok(KbRepo { repo, prefix })
}

impl KbRepo {
    /// The id of the knowledge base's tree inside `tree`, if it exists there.
    fn kb_tree(&self, tree: ObjectId, buf: &mut Vec<u8>) -> Result<Option<ObjectId>, HistoryError> {
        let mut id = tree;
        for name in &self.prefix {
            let iter = self.repo.objects.find_tree_iter(&id, buf).map_err(git_err)?;
            let mut next = None;
            for entry in iter {
                let entry = entry.map_err(git_err)?;
                if entry.filename == name.as_bstr() {
                    next = entry.mode.is_tree().then(|| entry.oid.to_owned());
                    break;
                }
            }
            match next {
                Some(n) => id = n,
                None => return Ok(None),
            }
        }
        Ok(Some(id))
    }

    fn empty_tree(&self) -> ObjectId {
        ObjectId::empty_tree(self.repo.object_hash())
    }

    /// A tree's entries; the empty tree need not be stored in the repository.
    fn tree_iter<'a>(&self, id: &ObjectId, buf: &'a mut Vec<u8>) -> Result<gix::objs::TreeRefIter<'a>, HistoryError> {
        if *id == self.empty_tree() {
            buf.clear();
            return Ok(gix::objs::TreeRefIter::from_bytes(buf, self.repo.object_hash()));
        }
        self.repo.objects.find_tree_iter(id, buf).map_err(git_err)
    }
}

/// A commit as the history pass needs it.
struct Node {
    id: ObjectId,
    parents: Vec<usize>,
    time: i64,
    tree: ObjectId,
    /// The knowledge base subtree, looked up once (`None` inside: the folder did not exist).
    kb_tree: Option<Option<ObjectId>>,
    /// Commits (already visited) that have this one as a parent and are not yet processed.
    pending_children: u32,
}

/// The commit checked out in the repository holding `root`, if any: what a build's
/// histories follow from, with the file times of files that are not committed.
pub(crate) fn head(root: &Path) -> Option<String> {
    let repo = gix::discover(root).ok()?;
    let shallow = repo.is_shallow().unwrap_or(true);
    repo.head_id().ok().map(|id| format!("{id}{}", if shallow { " shallow" } else { "" }))
}

/// The histories of `files` (relative to `root`), from one pass over the history of the
/// repository holding `root`. Never fails: without usable history it falls back to file
/// times and says why in `fallback`.
pub fn history(root: &Path, files: &[PathBuf]) -> HistoryReport {
    let mut report = HistoryReport::default();
    let git = match open(root) {
        Ok(r) => match r.repo.is_shallow() {
            Ok(false) => Some(r),
            Ok(true) => {
                report.fallback = Some("the repository is a shallow clone, so dates come from file times (fetch the full history, e.g. `fetch-depth: 0`, for git dates)".into());
                None
            }
            Err(e) => {
                report.fallback = Some(format!("cannot read the repository ({e}); dates come from file times"));
                None
            }
        },
        Err(e) => {
            report.fallback = Some(format!("{e}, so dates come from file times"));
            None
        }
    };
    if let Some(repo) = git {
        match walk(&repo, files) {
            Ok(found) => report.files = found,
            Err(e) => {
                report.fallback = Some(format!("{e}; dates come from file times"));
            }
        }
    }
    for f in files {
        if !report.files.contains_key(f)
            && let Some(h) = file_times(&root.join(f))
        {
            report.files.insert(f.clone(), h);
        }
    }
    report
}

fn file_times(path: &Path) -> Option<FileHistory> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta.modified().ok()?;
    let created = meta.created().ok().filter(|c| *c <= modified).unwrap_or(modified);
    let ts = |t: std::time::SystemTime| Timestamp::try_from(t).ok();
    Some(FileHistory {
        first_commit: ts(created)?,
        last_commit: ts(modified)?,
        revisions: 0,
        source: HistorySource::FileTimes,
    })
}

#[derive(Default, Clone, Copy)]
struct Tally {
    first: i64,
    last: i64,
    revisions: u32,
    /// The last commit counted, so a commit counts once per file.
    counted_in: Option<usize>,
}

fn walk(kb: &KbRepo, files: &[PathBuf]) -> Result<HashMap<PathBuf, FileHistory>, HistoryError> {
    let repo = &kb.repo;
    let head = repo.head_id().map_err(|_| HistoryError::NoCommits)?.detach();

    // 1. Every commit reachable from HEAD, with its parents and committer time.
    let mut nodes: Vec<Node> = Vec::new();
    let mut index: HashMap<ObjectId, usize> = HashMap::new();
    let mut stack = vec![head];
    index.insert(head, 0);
    nodes.push(placeholder(head));
    let mut buf = Vec::new();
    while let Some(id) = stack.pop() {
        let i = index[&id];
        let commit = repo.objects.find_commit(&id, &mut buf).map_err(git_err)?;
        let time = commit.committer().map(|s| s.seconds()).unwrap_or(0);
        let tree = commit.tree();
        let parent_ids: Vec<ObjectId> = commit.parents().collect();
        let mut parents = Vec::with_capacity(parent_ids.len());
        for p in parent_ids {
            let j = *index.entry(p).or_insert_with(|| {
                nodes.push(placeholder(p));
                stack.push(p);
                nodes.len() - 1
            });
            nodes[j].pending_children += 1;
            parents.push(j);
        }
        let n = &mut nodes[i];
        n.time = time;
        n.tree = tree;
        n.parents = parents;
    }

    // 2. Files asked about, by their path inside the knowledge base tree. A rename adds
    //    the older name as another alias of the same file.
    let mut alias: HashMap<BString, usize> = files.iter().enumerate().map(|(k, f)| (slash_path(f), k)).collect();
    let mut tally = vec![Tally::default(); files.len()];

    // 3. Children before parents (so a rename is seen before the older commits of the
    //    old name), newest first among the ready ones.
    let mut ready: BinaryHeap<(i64, usize)> = BinaryHeap::new();
    ready.push((nodes[0].time, 0));
    let mut diff_state = gix::diff::tree::State::default();
    let (mut buf_a, mut buf_b) = (Vec::new(), Vec::new());
    while let Some((_, i)) = ready.pop() {
        let parents = nodes[i].parents.clone();
        for &p in &parents {
            nodes[p].pending_children -= 1;
            if nodes[p].pending_children == 0 {
                ready.push((nodes[p].time, p));
            }
        }
        if parents.len() > 1 {
            continue;
        }
        let new = kb_tree_of(kb, &mut nodes, i, &mut buf)?;
        let old = match parents.first() {
            Some(&p) => kb_tree_of(kb, &mut nodes, p, &mut buf)?,
            None => None,
        };
        if new == old || new.is_none() && old.is_none() {
            continue;
        }
        let empty = kb.empty_tree();
        let (old, new) = (old.unwrap_or(empty), new.unwrap_or(empty));
        let mut recorder = gix::diff::tree::Recorder::default();
        let lhs = kb.tree_iter(&old, &mut buf_a)?;
        let rhs = kb.tree_iter(&new, &mut buf_b)?;
        gix::diff::tree(lhs, rhs, &mut diff_state, &repo.objects, &mut recorder).map_err(git_err)?;
        apply_changes(kb, i, nodes[i].time, recorder.records, &mut alias, &mut tally)?;
    }

    Ok(files
        .iter()
        .zip(tally)
        .filter(|(_, t)| t.revisions > 0)
        .filter_map(|(f, t)| {
            Some((
                f.clone(),
                FileHistory {
                    first_commit: Timestamp::from_second(t.first).ok()?,
                    last_commit: Timestamp::from_second(t.last).ok()?,
                    revisions: t.revisions,
                    source: HistorySource::Git,
                },
            ))
        })
        .collect())
}

fn placeholder(id: ObjectId) -> Node {
    Node { id, parents: Vec::new(), time: 0, tree: id, kb_tree: None, pending_children: 0 }
}

fn kb_tree_of(kb: &KbRepo, nodes: &mut [Node], i: usize, buf: &mut Vec<u8>) -> Result<Option<ObjectId>, HistoryError> {
    if let Some(t) = nodes[i].kb_tree {
        return Ok(t);
    }
    let t = kb.kb_tree(nodes[i].tree, buf).map_err(|e| match e {
        HistoryError::Git(m) => HistoryError::Git(format!("commit {}: {m}", nodes[i].id)),
        e => e,
    })?;
    nodes[i].kb_tree = Some(t);
    Ok(t)
}

/// Counts one commit's changes for the files they touch, and follows renames.
fn apply_changes(
    kb: &KbRepo,
    commit: usize,
    time: i64,
    changes: Vec<gix::diff::tree::recorder::Change>,
    alias: &mut HashMap<BString, usize>,
    tally: &mut [Tally],
) -> Result<(), HistoryError> {
    use gix::diff::tree::recorder::Change;
    let mut added = Vec::new();
    let mut deleted = Vec::new();
    for change in changes {
        match change {
            Change::Addition { entry_mode, oid, path, .. } if !entry_mode.is_tree() => added.push((path, oid)),
            Change::Deletion { entry_mode, oid, path, .. } if !entry_mode.is_tree() => deleted.push((path, oid)),
            Change::Modification { entry_mode, path, .. } if !entry_mode.is_tree() => {
                if let Some(&k) = alias.get(&path) {
                    touch(&mut tally[k], commit, time);
                }
            }
            _ => {}
        }
    }
    let mut renamed_from: Vec<(BString, usize)> = Vec::new();
    for (path, oid) in &added {
        let Some(&k) = alias.get(path) else { continue };
        touch(&mut tally[k], commit, time);
        if deleted.is_empty() {
            continue;
        }
        let source = match deleted.iter().position(|(_, d)| d == oid) {
            Some(pos) => Some(pos),
            None => most_similar(kb, *oid, &deleted)?,
        };
        if let Some(pos) = source {
            let (from, _) = deleted.swap_remove(pos);
            renamed_from.push((from, k));
        }
    }
    // Applied after the loop so that a swap (a -> b, b -> a) in one commit stays right.
    for (from, k) in renamed_from {
        alias.insert(from, k);
    }
    Ok(())
}

fn touch(t: &mut Tally, commit: usize, time: i64) {
    if t.counted_in == Some(commit) {
        return;
    }
    if t.revisions == 0 {
        (t.first, t.last) = (time, time);
    } else {
        t.first = t.first.min(time);
        t.last = t.last.max(time);
    }
    t.revisions += 1;
    t.counted_in = Some(commit);
}

/// The deleted blob most like `added`, if at least half of it is the same (git's default
/// rename threshold). Only runs for commits that add a tracked file and delete another.
fn most_similar(kb: &KbRepo, added: ObjectId, deleted: &[(BString, ObjectId)]) -> Result<Option<usize>, HistoryError> {
    let mut buf = Vec::new();
    let new = kb.repo.objects.find_blob(&added, &mut buf).map_err(git_err)?.data.to_vec();
    let mut best = None;
    let mut best_score = 0.5;
    let mut old_buf = Vec::new();
    for (i, (_, oid)) in deleted.iter().enumerate() {
        let old = kb.repo.objects.find_blob(oid, &mut old_buf).map_err(git_err)?.data;
        let score = similarity(old, &new);
        if score >= best_score {
            best_score = score;
            best = Some(i);
        }
    }
    Ok(best)
}

/// Bytes of common lines over the larger size, like git's rename score.
fn similarity(a: &[u8], b: &[u8]) -> f64 {
    let larger = a.len().max(b.len());
    if larger == 0 {
        return 1.0;
    }
    let mut lines: HashMap<&[u8], u32> = HashMap::new();
    for l in a.lines_with_terminator() {
        *lines.entry(trim_eol(l)).or_default() += 1;
    }
    let mut common = 0;
    for l in b.lines_with_terminator() {
        if let Some(n) = lines.get_mut(trim_eol(l))
            && *n > 0
        {
            *n -= 1;
            common += l.len();
        }
    }
    common as f64 / larger as f64
}

fn trim_eol(l: &[u8]) -> &[u8] {
    l.strip_suffix(b"\n").map(|l| l.strip_suffix(b"\r").unwrap_or(l)).unwrap_or(l)
}

fn slash_path(p: &Path) -> BString {
    let parts: Vec<String> = p
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    parts.join("/").into()
}

/// The base `check --changed` compares with when none is given: the first of
/// `origin/main`, `main`, `origin/master`, `master` that exists.
pub fn default_base(root: &Path) -> Option<String> {
    let kb = open(root).ok()?;
    ["origin/main", "main", "origin/master", "master"]
        .into_iter()
        .find(|b| kb.repo.rev_parse_single(*b).is_ok())
        .map(String::from)
}

/// The branch checked out in the repository holding `dir` (`main`, `release/2024`);
/// None outside a repository or on a detached HEAD, as in many CI checkouts.
pub(crate) fn current_branch(dir: &Path) -> Option<String> {
    let repo = gix::discover(dir).ok()?;
    let name = repo.head_name().ok()??;
    Some(name.shorten().to_str_lossy().into_owned())
}

/// Where `dir` sits in the work tree of the repository holding it (empty at its top);
/// None outside a repository.
pub(crate) fn path_in_work_tree(dir: &Path) -> Option<PathBuf> {
    let kb = open(dir).ok()?;
    Some(kb.prefix.iter().map(|c| c.to_str_lossy().into_owned()).collect())
}

/// The top of the work tree of the repository holding `dir`, symlinks resolved.
pub(crate) fn work_tree(dir: &Path) -> Option<PathBuf> {
    let repo = gix::discover(dir).ok()?;
    std::fs::canonicalize(repo.workdir()?).ok()
}

/// Whether `rev` names a commit in the repository holding `dir`.
pub(crate) fn has_revision(dir: &Path, rev: &str) -> bool {
    open(dir).is_ok_and(|kb| kb.repo.rev_parse_single(rev).is_ok())
}

/// Files under `root` changed between the merge base of `base` and HEAD and the work
/// tree, committed or not: tracked files whose content differs or that are gone, plus
/// new files under `content/` and a new `site.toml`. Paths are relative to `root`,
/// sorted. Ignored build output outside `content/` is not looked at.
pub fn changed_files(root: &Path, base: &str) -> Result<Vec<PathBuf>, HistoryError> {
    changed_files_in(root, base, &[Path::new("content")])
}

/// `changed_files`, with new files looked for in each of `folders` (relative to `root`;
/// `""` for all of it) instead of `content/` alone.
pub(crate) fn changed_files_in(root: &Path, base: &str, folders: &[&Path]) -> Result<Vec<PathBuf>, HistoryError> {
    let kb = open(root)?;
    let repo = &kb.repo;
    let base_id =
        repo.rev_parse_single(base).map_err(|_| HistoryError::UnknownBase { base: base.to_string() })?.detach();
    let head = repo.head_id().map_err(|_| HistoryError::NoCommits)?.detach();
    let merge_base = repo
        .merge_base(base_id, head)
        .ok()
        .flatten()
        .ok_or_else(|| HistoryError::NoMergeBase {
            base: base.to_string(),
            shallow: repo.is_shallow().unwrap_or(false),
        })?
        .detach();
    let mut buf = Vec::new();
    let tree = repo.objects.find_commit(&merge_base, &mut buf).map_err(git_err)?.tree();
    let mut tracked = BTreeMap::new();
    if let Some(kb_tree) = kb.kb_tree(tree, &mut buf)? {
        collect_blobs(&kb, kb_tree, &mut BString::default(), &mut tracked)?;
    }

    let mut changed = Vec::new();
    for (path, oid) in &tracked {
        let rel = PathBuf::from(path.to_str_lossy().as_ref());
        match std::fs::read(root.join(&rel)) {
            Ok(bytes) => {
                if !same_blob(&kb, &bytes, oid)? {
                    changed.push(rel);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => changed.push(rel),
            Err(source) => {
                return Err(HistoryError::Io { path: root.join(rel), source });
            }
        }
    }
    let is_new = |rel: &Path| !tracked.contains_key(&slash_path(rel));
    if root.join(crate::config::FILE).is_file() && is_new(Path::new(crate::config::FILE)) {
        changed.push(PathBuf::from(crate::config::FILE));
    }
    for folder in folders {
        for path in crate::walk::files(root, &root.join(folder)).files {
            let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            if is_new(&rel) {
                changed.push(rel);
            }
        }
    }
    changed.sort();
    changed.dedup();
    Ok(changed)
}

fn same_blob(kb: &KbRepo, bytes: &[u8], oid: &ObjectId) -> Result<bool, HistoryError> {
    let hash = |b: &[u8]| gix::objs::compute_hash(kb.repo.object_hash(), gix::objs::Kind::Blob, b).map_err(git_err);
    if hash(bytes)? == *oid {
        return Ok(true);
    }
    // With core.autocrlf the work tree has CRLF where the blob has LF.
    if bytes.contains(&b'\r') {
        let lf = bytes.replace(b"\r\n", b"\n");
        return Ok(hash(&lf)? == *oid);
    }
    Ok(false)
}

fn collect_blobs(
    kb: &KbRepo,
    tree: ObjectId,
    prefix: &mut BString,
    out: &mut BTreeMap<BString, ObjectId>,
) -> Result<(), HistoryError> {
    let mut buf = Vec::new();
    let entries: Vec<(BString, ObjectId, bool, bool)> = kb
        .repo
        .objects
        .find_tree_iter(&tree, &mut buf)
        .map_err(git_err)?
        .map(|e| e.map(|e| (e.filename.to_owned(), e.oid.to_owned(), e.mode.is_tree(), e.mode.is_commit())))
        .collect::<Result<_, _>>()
        .map_err(git_err)?;
    for (name, oid, is_tree, is_submodule) in entries {
        let len = prefix.len();
        if !prefix.is_empty() {
            prefix.push(b'/');
        }
        prefix.extend_from_slice(&name);
        if is_tree {
            collect_blobs(kb, oid, prefix, out)?;
        } else if !is_submodule {
            out.insert(prefix.clone(), oid);
        }
        prefix.truncate(len);
    }
    Ok(())
}

/// Keeps the diagnostics a change is responsible for:
/// - every diagnostic in a changed file;
/// - `unknown-related`, `broken-link` and `duplicate-id` diagnostics in any file when
///   their message names the id (file stem) of a changed file, or its path: a deleted,
///   renamed or newly clashing postmortem breaks references elsewhere;
/// - everything, when `site.toml` changed, since the configuration (severities,
///   factors, lint phrases) is read by every check.
///
/// `changed` holds paths relative to the knowledge base root, as `changed_files` returns.
pub fn filter_to_changed(diags: Vec<Diagnostic>, changed: &[PathBuf]) -> Vec<Diagnostic> {
    if changed.iter().any(|p| p == Path::new(crate::config::FILE)) {
        return diags;
    }
    let files: HashSet<&Path> = changed.iter().map(PathBuf::as_path).collect();
    let ids: Vec<&str> = changed
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .filter_map(|p| p.file_stem()?.to_str())
        .collect();
    diags
        .into_iter()
        .filter(|d| {
            files.contains(d.file.as_path())
                || matches!(d.code, Code::UnknownRelated | Code::BrokenLink | Code::DuplicateId)
                    && ids.iter().any(|id| names_id(&d.message, id))
        })
        .collect()
}

/// Whether `message` names the postmortem `id`: as an id in backticks (`related`,
/// duplicate ids) or as the file name of a link target (`../2024/<id>.md`).
fn names_id(message: &str, id: &str) -> bool {
    message.contains(&format!("`{id}`"))
        || message.contains(&format!("/{id}.md"))
        || message.contains(&format!("`{id}.md"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarity_counts_common_lines() {
        assert_eq!(similarity(b"a\nb\n", b"a\nb\n"), 1.0);
        assert!(similarity(b"title: x\nline\nline\nmore\n", b"title: y\nline\nline\nmore\n") > 0.5);
        assert!(similarity(b"a\nb\nc\nd\n", b"x\ny\nz\nd\n") < 0.5);
        assert_eq!(similarity(b"", b""), 1.0);
    }

    #[test]
    fn ids_match_whole() {
        assert!(names_id("`related` names `2024-01-02-db`, which is not", "2024-01-02-db"));
        assert!(names_id("link to `../2024/2024-01-02-db.md`, which does not exist", "2024-01-02-db"));
        assert!(names_id("link to `2024-01-02-db.md#x`, which does not exist", "2024-01-02-db"));
        assert!(!names_id("names `2024-01-02-db-2`", "2024-01-02-db"));
        assert!(!names_id("`related` names `x`, which is not a postmortem id", "a"));
    }

    #[test]
    fn filters_to_changed_files_and_what_they_break() {
        let d = |code, file: &str, msg: &str| Diagnostic::error(code, file, 1, 1, msg);
        let diags = vec![
            d(Code::FieldMissing, "content/2024/a.md", "no title"),
            d(Code::FieldMissing, "content/2024/b.md", "no title"),
            d(Code::UnknownRelated, "content/2024/b.md", "`related` names `a`, which is not a postmortem id"),
            d(Code::UnknownRelated, "content/2024/b.md", "`related` names `zz`, which is not a postmortem id"),
            d(Code::BlameLanguage, "content/2024/c.md", "blame language: mentions a"),
        ];
        let kept = filter_to_changed(diags.clone(), &[PathBuf::from("content/2024/a.md")]);
        assert_eq!(kept, vec![diags[0].clone(), diags[2].clone()]);
        let all = filter_to_changed(diags.clone(), &[PathBuf::from("site.toml")]);
        assert_eq!(all.len(), diags.len());
    }

    #[test]
    fn no_repository_falls_back_to_file_times() {
        let dir = tempfile::tempdir().unwrap();
        // A folder outside any repository: the temp dir may be under one, so check first.
        if gix::discover(dir.path()).is_ok() {
            eprintln!("temp dir is inside a git repository; skipping");
            return;
        }
        std::fs::write(dir.path().join("a.md"), "x").unwrap();
        let r = history(dir.path(), &[PathBuf::from("a.md"), PathBuf::from("missing.md")]);
        assert!(r.fallback.as_deref().unwrap().contains("not inside a git repository"));
        let h = &r.files[Path::new("a.md")];
        assert_eq!(h.source, HistorySource::FileTimes);
        assert_eq!(h.revisions, 0);
        assert!(!r.files.contains_key(Path::new("missing.md")));
        assert!(matches!(changed_files(dir.path(), "main"), Err(HistoryError::NoRepository { .. })));
    }
}
