//! Which files in a folder of postmortems are inputs: one set of rules for loading,
//! watching, the build cache and git history, so that `serve` never rebuilds for a file
//! `build` would not read and `build` never publishes one `serve` ignored.
//!
//! A file is left out when any part of its path below the folder is hidden (`.git`,
//! `.DS_Store`), an editor's leftover (`notes.md~`, `#notes.md#`, `.swp`, vim's `4913`
//! probe), or ignored by a `.gitignore` between the knowledge base root and the file.
//! The walk is the `ignore` crate's (ripgrep's), with the machine-local sources of rules
//! (the global excludes file, `.git/info/exclude`) turned off: they are not committed,
//! so honouring them would make a CI build differ from the author's.

use ignore::Match;
use ignore::gitignore::Gitignore;
use std::path::{Path, PathBuf};

/// True for names editors and operating systems write beside real files.
pub(crate) fn is_noise_name(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913"
}

/// What a walk found: the files (absolute paths, sorted by name within each folder) and
/// the folders or ignore files it could not read, each with why.
#[derive(Debug, Default)]
pub(crate) struct Walked {
    /// Every input file, in a stable order.
    pub(crate) files: Vec<PathBuf>,
    /// Paths that could not be read (or `.gitignore` lines that could not be parsed).
    pub(crate) problems: Vec<(PathBuf, String)>,
}

/// Every input file under `dir`. `base` is where ignore rules start: the knowledge base
/// root for folders inside it, or `dir` itself for a source checked out elsewhere.
/// A missing `dir` is an empty walk: whether it must exist is the caller's business.
pub(crate) fn files(base: &Path, dir: &Path) -> Walked {
    let mut out = Walked::default();
    if !dir.exists() {
        return out;
    }
    // `.gitignore` files above `dir` but inside `base`: the walk itself reads the ones
    // at and below `dir`.
    let above: Vec<Gitignore> = ancestors_between(rules_base(base, dir), dir)
        .into_iter()
        .filter_map(|d| read_gitignore(&d, &mut out.problems))
        .collect();
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .git_ignore(true)
        .require_git(false)
        .parents(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |e| {
            if e.depth() == 0 {
                return true;
            }
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            !e.file_name().to_str().is_none_or(is_noise_name) && !matched(&above, e.path(), is_dir)
        })
        .build();
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => out.files.push(e.into_path()),
            Ok(_) => {}
            Err(err) => out.problems.push(problem(dir, err)),
        }
    }
    out
}

/// True when `path` (under `base`) would be left out of a walk from `base`: the watcher's
/// question for one changed file. Reads the `.gitignore` files on the way down, which is
/// cheap for one path and keeps no state that could go stale when they change.
pub(crate) fn is_ignored(base: &Path, path: &Path, is_dir: bool) -> bool {
    let Ok(rel) = path.strip_prefix(base) else {
        return true;
    };
    if rel.components().any(|c| c.as_os_str().to_str().is_none_or(is_noise_name)) {
        return true;
    }
    let parent = path.parent().unwrap_or(base);
    let mut dirs = ancestors_between(rules_base(base, parent), parent);
    dirs.push(parent.to_path_buf());
    let sets: Vec<Gitignore> = dirs.into_iter().filter_map(|d| read_gitignore(&d, &mut Vec::new())).collect();
    matched(&sets, path, is_dir)
}

/// True for the ignore files themselves: a change to one changes the set of inputs.
pub(crate) fn is_rules_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == ".gitignore")
}

/// Where the `.gitignore` rules that apply to `dir` start: the nearest folder at or above
/// `dir`, and inside `base`, that is the top of a git repository, else `base`. As in git,
/// a repository checked out inside another is not subject to the outer one's rules: a
/// publishing repository that ignores `/teams/` still publishes the team repositories
/// checked out there as `[[sources]]`.
fn rules_base<'a>(base: &'a Path, dir: &'a Path) -> &'a Path {
    dir.ancestors().take_while(|a| a.starts_with(base)).find(|a| a.join(".git").exists()).unwrap_or(base)
}

/// `base` and every folder between it and `dir`, outermost first, `dir` excluded.
fn ancestors_between(base: &Path, dir: &Path) -> Vec<PathBuf> {
    let Ok(rel) = dir.strip_prefix(base) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut at = base.to_path_buf();
    for c in rel.components() {
        out.push(at.clone());
        at.push(c);
    }
    out
}

fn read_gitignore(dir: &Path, problems: &mut Vec<(PathBuf, String)>) -> Option<Gitignore> {
    let file = dir.join(".gitignore");
    if !file.is_file() {
        return None;
    }
    let (set, err) = Gitignore::new(&file);
    if let Some(err) = err {
        problems.push((file, err.to_string()));
    }
    Some(set)
}

/// The deepest rule that matches decides, as in git: a `!pattern` further down re-includes.
fn matched(sets: &[Gitignore], path: &Path, is_dir: bool) -> bool {
    for set in sets.iter().rev() {
        if !path.starts_with(set.path()) {
            continue;
        }
        match set.matched_path_or_any_parents(path, is_dir) {
            Match::Ignore(_) => return true,
            Match::Whitelist(_) => return false,
            Match::None => {}
        }
    }
    false
}

fn problem(dir: &Path, err: ignore::Error) -> (PathBuf, String) {
    fn path_of(err: &ignore::Error) -> Option<&Path> {
        match err {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => path_of(err),
            ignore::Error::Loop { child, .. } => Some(child),
            ignore::Error::Partial(errs) => errs.iter().find_map(path_of),
            _ => None,
        }
    }
    let path = path_of(&err).unwrap_or(dir).to_path_buf();
    (path, err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        dir
    }

    fn walked(base: &Path, dir: &Path) -> Vec<String> {
        files(base, dir)
            .files
            .iter()
            .map(|p| p.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/"))
            .collect()
    }

    #[test]
    fn hidden_noise_and_gitignored_files_are_not_inputs() {
        let kb = tree(&[
            (".gitignore", "public/\ncontent/**/scratch-*.md\n"),
            ("content/a.md", ""),
            ("content/scratch-b.md", ""),
            ("content/2024/scratch-c.md", ""),
            ("content/2024/d.md", ""),
            ("content/2024/d.md~", ""),
            ("content/2024/#d.md#", ""),
            ("content/2024/.d.md.swp", ""),
            ("content/.cache/x.md", ""),
            ("content/drafts/.gitignore", "*\n!keep.md\n"),
            ("content/drafts/x.md", ""),
            ("content/drafts/keep.md", ""),
        ]);
        let root = kb.path();
        assert_eq!(
            walked(root, &root.join("content")),
            ["content/2024/d.md", "content/a.md", "content/drafts/keep.md"]
        );
    }

    #[test]
    fn the_watcher_and_the_walk_agree_on_every_path() {
        let kb = tree(&[
            (".gitignore", "*.bak\ncontent/old/\n"),
            ("content/a.md", ""),
            ("content/a.md.bak", ""),
            ("content/old/b.md", ""),
            ("content/new/.gitignore", "private-*\n"),
            ("content/new/private-c.md", ""),
            ("content/new/d.md", ""),
            ("content/new/e.swp", ""),
        ]);
        let root = kb.path();
        let kept = walked(root, &root.join("content"));
        for rel in [
            "content/a.md",
            "content/a.md.bak",
            "content/old/b.md",
            "content/new/private-c.md",
            "content/new/d.md",
            "content/new/e.swp",
        ] {
            let ignored = is_ignored(root, &root.join(rel), false);
            assert_eq!(ignored, !kept.iter().any(|k| k == rel), "{rel}: walk kept {kept:?}");
        }
    }

    #[test]
    fn a_source_outside_the_root_starts_its_own_rules() {
        let site = tree(&[(".gitignore", "*.md\n")]);
        let team = tree(&[(".gitignore", "wip/\n"), ("a.md", ""), ("wip/b.md", "")]);
        let got = walked(team.path(), team.path());
        assert_eq!(got, ["a.md"]);
        // A path outside the base is never one of its inputs, whatever the base's rules say.
        assert!(is_ignored(site.path(), &team.path().join("a.md"), false));
        assert!(!is_ignored(team.path(), &team.path().join("a.md"), false));
    }

    #[test]
    fn a_repository_checked_out_inside_the_root_is_not_subject_to_its_rules() {
        let kb = tree(&[
            (
                ".gitignore",
                "/teams/
",
            ),
            ("content/a.md", ""),
            ("teams/payments/.git/HEAD", ""),
            ("teams/payments/.gitignore", "wip/\n"),
            ("teams/payments/docs/b.md", ""),
            ("teams/payments/docs/wip/c.md", ""),
            ("teams/stray/d.md", ""),
        ]);
        let root = kb.path();
        assert_eq!(walked(root, &root.join("teams/payments/docs")), ["teams/payments/docs/b.md"]);
        assert!(walked(root, &root.join("teams/stray")).is_empty());
        assert!(!is_ignored(root, &root.join("teams/payments/docs/b.md"), false));
        assert!(is_ignored(root, &root.join("teams/payments/docs/wip/c.md"), false));
        assert!(is_ignored(root, &root.join("teams/stray/d.md"), false));
    }

    #[test]
    fn a_missing_folder_is_an_empty_walk() {
        let kb = tree(&[]);
        let w = files(kb.path(), &kb.path().join("content"));
        assert!(w.files.is_empty() && w.problems.is_empty());
    }
}
