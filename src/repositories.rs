//! Where each `[[sources]]` folder really is: checked against the disk (symlinks
//! resolved; inside or beside the knowledge base as its path says, and apart from the
//! output folder), grouped by the git repository holding it, and asked for its history
//! and changed files there.

use crate::diagnostics::{Code, Diagnostic};
use crate::sources::{Source, source_of};
use std::path::{Path, PathBuf};

/// Checks each source listed in site.toml against the disk. A source inside the
/// knowledge base must be a folder whose real location (symlinks resolved) is inside
/// `root`; one outside it (`../team-payments`, an absolute path) a folder whose real
/// location is outside `root` and does not hold it. No two may be the same folder or
/// one inside the other once symlinks are resolved. Returns the usable sources, with
/// `repo_path` filled in for those with their own `repo_url` and `checked_out` for all.
pub(crate) fn check_on_disk(root: &Path, sources: Vec<Source>, diags: &mut Vec<Diagnostic>) -> Vec<Source> {
    let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    // Folders a source may not be, hold or be inside once symlinks are resolved: what
    // pmsite reads for something else, and every source already accepted.
    let mut taken: Vec<(PathBuf, String)> = ["content", "static", "themes", ".pmsite"]
        .into_iter()
        .filter_map(|d| Some((std::fs::canonicalize(root.join(d)).ok()?, format!("{d}/"))))
        .collect();
    let mut out = Vec::with_capacity(sources.len());
    for mut s in sources {
        // The implicit content/ may be missing (an empty knowledge base), as always.
        if s.at == (0, 0, 0) {
            s.checked_out = crate::history::current_branch(root);
            out.push(s);
            continue;
        }
        let (line, col, width) = s.at;
        let problem = match std::fs::canonicalize(root.join(&s.path)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("does not exist".to_string()),
            Err(e) => Some(format!("cannot be read: {e}")),
            Ok(real) if !s.is_outside() && !real.starts_with(&real_root) => {
                Some(format!("leads outside the knowledge base (to {})", real.display()))
            }
            Ok(real) if s.is_outside() && real.starts_with(&real_root) => Some(match real.strip_prefix(&real_root) {
                Ok(inside) if !inside.as_os_str().is_empty() => {
                    format!("is inside the knowledge base; write it as `{}`", inside.display())
                }
                _ => "is the knowledge base itself".to_string(),
            }),
            Ok(real) if s.is_outside() && real_root.starts_with(&real) => {
                Some(format!("holds the knowledge base (it is {})", real.display()))
            }
            Ok(real) if !real.is_dir() => Some("is a file, not a folder".to_string()),
            // content/ listed for its defaults is content/ itself, not an overlap.
            Ok(real) if s.path == Path::new(crate::sources::CONTENT) => {
                taken.retain(|(t, _)| *t != real);
                taken.push((real, format!("{}/", crate::sources::CONTENT)));
                None
            }
            Ok(real) => match taken.iter().find(|(t, _)| real.starts_with(t) || t.starts_with(&real)) {
                Some((_, name)) => Some(format!("overlaps `{name}` once symlinks are resolved")),
                None => {
                    taken.push((real, format!("{}/", s.path.display())));
                    None
                }
            },
        };
        match problem {
            Some(p) => diags.push(
                Diagnostic::error(
                    Code::ConfigValue,
                    crate::config::FILE,
                    line,
                    col,
                    format!("source path `{}` {p}", s.path.display()),
                )
                .with_width(width.max(1))
                .with_suggestion(match s.is_outside() {
                    true => "a source outside the knowledge base is a folder of its own beside it: check the team's repository out there (see docs/ci-recipes.md)",
                    false => "a source is a folder inside the knowledge base: add the submodule or check the repository out there",
                }),
            ),
            None => {
                let dir = root.join(&s.path);
                if s.repo_url.is_some() {
                    s.repo_path = crate::history::path_in_work_tree(&dir);
                }
                s.checked_out = crate::history::current_branch(&dir);
                out.push(s);
            }
        }
    }
    out
}

/// An error for each source that the output folder `out` is inside of, or that is
/// inside it: a build must neither write into a source nor read what it writes.
pub(crate) fn check_output(root: &Path, sources: &[Source], out: &Path, shown: &Path) -> Vec<Diagnostic> {
    let real = |p: &Path| std::fs::canonicalize(p).ok();
    // The output folder may not exist yet: compare its nearest existing ancestor.
    let real_out = out
        .ancestors()
        .find_map(|a| real(a).map(|r| r.join(out.strip_prefix(a).unwrap_or(Path::new("")))))
        .unwrap_or_else(|| out.to_path_buf());
    let mut diags = Vec::new();
    for s in sources {
        let Some(dir) = real(&root.join(&s.path)) else { continue };
        let shown_out = shown.display();
        if real_out.starts_with(&dir) {
            diags.push(
                Diagnostic::error(
                    Code::ConfigValue,
                    "--output",
                    1,
                    1,
                    format!("the output folder `{shown_out}` is inside the source `{}`", s.path.display()),
                )
                .with_suggestion("sources are only read: pass an --output outside every source folder"),
            );
        } else if dir.starts_with(&real_out) && s.at == (0, 0, 0) {
            // The implicit content/ has no line in site.toml: the output folder is at fault.
            diags.push(
                Diagnostic::error(
                    Code::ConfigValue,
                    "--output",
                    1,
                    1,
                    format!("the output folder `{shown_out}` holds the source `{}`", s.path.display()),
                )
                .with_suggestion("the build replaces its output folder: pass an --output outside every source folder"),
            );
        } else if dir.starts_with(&real_out) {
            let (line, col, width) = s.at;
            diags.push(
                Diagnostic::error(
                    Code::ConfigValue,
                    crate::config::FILE,
                    line,
                    col,
                    format!("source path `{}` is inside the output folder `{shown_out}`", s.path.display()),
                )
                .with_width(width.max(1))
                .with_suggestion(
                    "the build replaces its output folder: keep sources out of it, or pass another --output",
                ),
            );
        }
    }
    diags
}

/// A repository that holds sources: the folder its histories are read from (relative
/// to the root; `""` for the knowledge base's own repository) and the sources in it.
struct Repository<'a> {
    dir: PathBuf,
    sources: Vec<&'a Source>,
}

/// The sources grouped by repository: those in the repository holding `root` (or in
/// none) read from the root, each other from its own folder.
fn repositories<'a>(root: &Path, sources: &'a [Source]) -> Vec<Repository<'a>> {
    let main = crate::history::work_tree(root);
    let mut out = vec![Repository { dir: PathBuf::new(), sources: Vec::new() }];
    for s in sources {
        let own = crate::history::work_tree(&root.join(&s.path));
        // A folder outside the knowledge base is read from its own folder even in the
        // same repository: the site's paths for it start with `..` or are absolute.
        if !s.is_outside() && (own.is_none() || own == main) {
            out[0].sources.push(s);
        } else {
            out.push(Repository { dir: s.path.clone(), sources: vec![s] });
        }
    }
    out
}

/// Git histories of `files` (relative to the root), each read in the repository of its
/// source: one pass over each repository. Notes about file times say which source they
/// are about when it is not the knowledge base's own repository.
pub(crate) fn history(root: &Path, sources: &[Source], files: &[PathBuf]) -> crate::history::HistoryReport {
    let repos = repositories(root, sources);
    let mut report = crate::history::HistoryReport::default();
    let mut notes = Vec::new();
    for repo in &repos {
        let mine: Vec<PathBuf> = files
            .iter()
            .filter(|f| {
                let of = source_of(sources, f);
                if repo.dir.as_os_str().is_empty() {
                    of.is_none_or(|s| repo.sources.contains(&s))
                } else {
                    of.is_some_and(|s| repo.sources.contains(&s))
                }
            })
            .filter_map(|f| f.strip_prefix(&repo.dir).ok().map(Path::to_path_buf))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let part = crate::history::history(&root.join(&repo.dir), &mine);
        report.files.extend(part.files.into_iter().map(|(f, h)| (repo.dir.join(f), h)));
        notes.extend(part.fallback.map(|n| match repo.dir.as_os_str().is_empty() {
            true => n,
            false => format!("source {}: {n}", repo.dir.display()),
        }));
    }
    report.fallback = (!notes.is_empty()).then(|| notes.join("; "));
    report
}

/// What `pmsite check --changed` compares against in each repository.
pub struct Changed {
    /// Paths relative to the root, sorted.
    pub files: Vec<PathBuf>,
    /// For each source repository other than the knowledge base's: what it was compared with.
    pub bases: Vec<String>,
}

/// Files changed against `base` in every repository holding a source: the knowledge
/// base's own repository is compared with `base`, each other repository with `base`
/// when it has that revision, else with its own default base (`origin/main`, `main`…).
/// A source repository with no base to compare with counts all its files as changed.
pub fn changed_files(root: &Path, sources: &[Source], base: &str) -> Result<Changed, crate::history::HistoryError> {
    let mut out = Changed { files: Vec::new(), bases: Vec::new() };
    for repo in repositories(root, sources) {
        let dir = root.join(&repo.dir);
        if repo.dir.as_os_str().is_empty() {
            let folders: Vec<&Path> = repo.sources.iter().map(|s| s.path.as_path()).collect();
            out.files.extend(crate::history::changed_files_in(root, base, &folders)?);
            continue;
        }
        let own_base = match crate::history::has_revision(&dir, base) {
            true => Some(base.to_string()),
            false => crate::history::default_base(&dir),
        };
        let name = repo.dir.display();
        match own_base {
            Some(b) => {
                let files = crate::history::changed_files_in(&dir, &b, &[Path::new("")])?;
                out.files.extend(files.into_iter().map(|f| repo.dir.join(f)));
                out.bases.push(format!("{name} against {b}"));
            }
            None => {
                out.bases.push(format!("{name}: no base branch there, so all its files count as changed"));
                // As in the loader: a folder outside the knowledge base starts its own
                // ignore rules, and its files are named as the loader names them
                // (`../team/…`, or absolute), so that they match its diagnostics.
                let base = if crate::sources::is_outside(&repo.dir) { dir.as_path() } else { root };
                let walked = crate::walk::files(base, &dir).files;
                out.files.extend(walked.iter().map(|p| p.strip_prefix(root).unwrap_or(p).to_path_buf()));
            }
        }
    }
    out.files.sort();
    out.files.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(toml: &str) -> Vec<Source> {
        crate::config::parse(toml).0.sources
    }

    #[test]
    fn content_listed_for_its_defaults_is_no_overlap() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("content")).unwrap();
        std::fs::create_dir_all(t.path().join("teams/a")).unwrap();
        let s = parsed("[[sources]]\npath = \"teams/a\"\n[[sources]]\npath = \"content\"\nteams = [\"sre\"]\n");
        let mut d = Vec::new();
        let kept = check_on_disk(t.path(), s, &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].defaults.teams, ["sre"]);
    }

    #[test]
    fn sources_on_disk_must_be_folders_inside_the_root() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("kb");
        std::fs::create_dir_all(root.join("teams/ok")).unwrap();
        std::fs::create_dir_all(t.path().join("outside")).unwrap();
        std::fs::write(root.join("teams/file"), "x").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(t.path().join("outside"), root.join("teams/link")).unwrap();
        #[cfg(unix)]
        {
            std::fs::create_dir_all(root.join("content")).unwrap();
            std::os::unix::fs::symlink(root.join("content"), root.join("teams/alias")).unwrap();
            std::os::unix::fs::symlink(&root, root.join("teams/everything")).unwrap();
        }
        let toml = "[[sources]]\npath = \"teams/ok\"\n[[sources]]\npath = \"teams/missing\"\n[[sources]]\npath = \"teams/file\"\n[[sources]]\npath = \"teams/link\"\n[[sources]]\npath = \"teams/alias\"\n[[sources]]\npath = \"teams/everything\"\n";
        let s = parsed(toml);
        let mut d = Vec::new();
        let kept = check_on_disk(&root, s, &mut d);
        let paths: Vec<_> = kept.iter().map(|s| s.path.clone()).collect();
        assert_eq!(paths, [PathBuf::from("content"), PathBuf::from("teams/ok")]);
        let got: Vec<_> = d.iter().map(|d| (d.line, d.column, d.message.clone())).collect();
        assert!(got[0].0 == 4 && got[0].2.contains("does not exist"), "{got:?}");
        assert!(got[1].0 == 6 && got[1].2.contains("is a file"), "{got:?}");
        #[cfg(unix)]
        {
            assert!(got[2].0 == 8 && got[2].2.contains("leads outside"), "{got:?}");
            assert!(got[3].0 == 10 && got[3].2.contains("overlaps `content/`"), "{got:?}");
            assert!(got[4].0 == 12 && got[4].2.contains("overlaps"), "{got:?}");
        }
        assert!(got.iter().all(|g| g.1 == 8));
    }
}
