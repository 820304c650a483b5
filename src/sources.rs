//! `[[sources]]` in site.toml: the folders postmortems are read from. `content/` is
//! always one; each other source is a folder inside the knowledge base (a git
//! submodule, a team repository checked out there, or a plain folder) or outside it (a
//! checkout beside the site, as CI jobs lay them out), with its own `repo_url`, branch
//! and forge kind for edit and history links and defaults for files that omit `teams`
//! or `services`.
//!
//! Paths in site.toml are untrusted. A source folder is only ever read, and reading
//! what site.toml names is its purpose, so the checks are about not being misled:
//! `parse` accepts plain names, with `..` only at the start (so the text says where the
//! path leads), and `repositories::check_on_disk` compares real locations (symlinks
//! resolved) so that an "inside" path really is inside, an "outside" one really outside,
//! and no two sources (or a source and pmsite's own folders) overlap. A source that
//! fails either is left out, with an error at its place in site.toml.

use crate::lines::line_col;
use serde::Deserialize;
use std::path::{Component, Path, PathBuf};
use toml::Spanned;

/// The folder every knowledge base has.
pub(crate) const CONTENT: &str = "content";

/// Values a file of this source gets when it does not give its own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct Defaults {
    /// `teams` for a file that leaves it out or empty.
    pub(crate) teams: Vec<String>,
    /// `services` for a file that leaves it out or empty; it is then not required.
    pub(crate) services: Vec<String>,
}

/// One folder postmortems are read from: site.toml's `[[sources]]`, or `content/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Source {
    /// As written in site.toml, normalised: relative to the knowledge base root
    /// (`content`, `teams/payments`), or outside it (`../team-payments`, an absolute path).
    /// Files of the source are named by this path joined with theirs.
    pub(crate) path: PathBuf,
    /// Its repository's web address (no trailing `/`); None: the site's `repo_url`.
    pub(crate) repo_url: Option<String>,
    /// Where the folder sits in its repository's work tree (`` for the top), found by
    /// `check_on_disk` for a source with its own `repo_url`.
    pub(crate) repo_path: Option<PathBuf>,
    /// The branch edit and history links name; None: the site's `repo_branch`, else the
    /// branch checked out in the source's repository.
    pub(crate) branch: Option<String>,
    /// `repo_kind` of this source; None: the site's, else guessed from the URL.
    pub(crate) kind: Option<crate::routes::RepoKind>,
    /// The branch checked out in the repository holding the folder, found by
    /// `check_on_disk`: the branch links name when none is configured.
    pub(crate) checked_out: Option<String>,
    /// `teams` and `services` its files get when they give none.
    pub(crate) defaults: Defaults,
    /// (line, column, width) of `path` in site.toml; 0 for the implicit `content/`.
    pub(crate) at: (usize, usize, usize),
}

impl Source {
    /// `content/`, with no defaults and the site's repository settings.
    pub(crate) fn content() -> Source {
        Source {
            path: PathBuf::from(CONTENT),
            repo_url: None,
            repo_path: None,
            branch: None,
            kind: None,
            checked_out: None,
            defaults: Defaults::default(),
            at: (0, 0, 0),
        }
    }

    /// Whether the folder is outside the knowledge base (`../x` or absolute): read-only,
    /// and published under its own folder name.
    pub(crate) fn is_outside(&self) -> bool {
        is_outside(&self.path)
    }

    /// The path the site knows `file` (a file of this source) by: its own for a source
    /// inside the knowledge base, `<folder name>/…` for one outside it, so attachments
    /// are published under `files/team-payments/…` and never under a `..` or a CI
    /// runner's absolute path.
    pub(crate) fn site_path(&self, file: &Path) -> PathBuf {
        match (self.is_outside(), self.path.file_name(), file.strip_prefix(&self.path)) {
            (true, Some(name), Ok(inside)) => Path::new(name).join(inside),
            _ => file.to_path_buf(),
        }
    }

    /// Whether `file` (relative to the root) is in this source's folder.
    pub(crate) fn holds(&self, file: &Path) -> bool {
        file.starts_with(&self.path)
    }

    /// Where `file` is edited and its history shown: in the source's own repository at
    /// its path there, or in the site's (`site`) at the path from the root. A source
    /// outside the knowledge base without a `repo_url` of its own has no place in the
    /// site's repository, so its pages get no such links.
    pub(crate) fn edit_target(&self, site: &SiteRepo<'_>, file: &Path) -> Option<EditTarget> {
        let slash = |p: &Path| p.to_string_lossy().replace('\\', "/");
        let main = || "main".to_string();
        let (repo_url, path, branch) = match (&self.repo_url, &self.repo_path) {
            (Some(url), at) => {
                let inside = file.strip_prefix(&self.path).ok()?;
                let path = at.as_ref().map_or_else(|| inside.to_path_buf(), |at| at.join(inside));
                (url.clone(), slash(&path), self.branch.clone().or_else(|| self.checked_out.clone()))
            }
            (None, _) if self.is_outside() => return None,
            (None, _) => (
                site.repo_url?.to_string(),
                slash(file),
                site.branch.map(str::to_string).or_else(|| self.checked_out.clone()),
            ),
        };
        let kind = self.kind.or(site.kind).unwrap_or_else(|| crate::routes::RepoKind::guess(&repo_url));
        Some(EditTarget { branch: branch.unwrap_or_else(main), repo_url, kind, path })
    }
}

/// Whether a source path as `parse` keeps it (`..` only at its start) leads out of the
/// knowledge base.
pub(crate) fn is_outside(path: &Path) -> bool {
    path.is_absolute() || path.starts_with("..")
}

/// The site's own repository, as site.toml describes it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SiteRepo<'a> {
    pub(crate) repo_url: Option<&'a str>,
    pub(crate) branch: Option<&'a str>,
    pub(crate) kind: Option<crate::routes::RepoKind>,
}

/// The repository, branch and path a page's edit and history links name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EditTarget {
    pub(crate) repo_url: String,
    pub(crate) kind: crate::routes::RepoKind,
    pub(crate) branch: String,
    pub(crate) path: String,
}

impl EditTarget {
    pub(crate) fn file(&self) -> crate::routes::RepoFile<'_> {
        crate::routes::RepoFile { repo_url: &self.repo_url, kind: self.kind, branch: &self.branch, path: &self.path }
    }
}

/// The path the site knows `file` by (`Source::site_path`).
pub(crate) fn site_path(sources: &[Source], file: &Path) -> PathBuf {
    source_of(sources, file).map_or_else(|| file.to_path_buf(), |s| s.site_path(file))
}

/// The source holding `file`, if any (sources never overlap).
pub(crate) fn source_of<'a>(sources: &'a [Source], file: &Path) -> Option<&'a Source> {
    sources.iter().find(|s| s.holds(file))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSource {
    path: Spanned<String>,
    repo_url: Option<Spanned<String>>,
    branch: Option<Spanned<String>>,
    repo_kind: Option<Spanned<String>>,
    teams: Option<Vec<String>>,
    services: Option<Vec<String>>,
}

/// Folders a source may not be in or hold: pmsite's own inputs and bookkeeping.
const RESERVED: [&str; 3] = ["static", "themes", ".pmsite"];

/// Why a site.toml source path is not acceptable, before the disk is looked at. A path
/// may lead out of the knowledge base only at its start (`../team-payments`, or an
/// absolute path): a CI job checks team repositories out beside the site. A `..` after
/// a folder name (`team/../../x`) hides where the path really goes, so it is refused.
fn path_problem(p: &str) -> Option<String> {
    if p.trim().is_empty() {
        return Some("is empty".into());
    }
    let path = Path::new(p);
    let absolute = path.is_absolute();
    if !absolute && (p.starts_with('/') || p.starts_with('\\') || p.contains(':')) {
        return Some("is neither relative to the folder of site.toml nor an absolute path".into());
    }
    if p.contains('\\') {
        return Some("contains a backslash; separate folders with `/`".into());
    }
    let mut named = 0;
    let mut leading_up = false;
    for c in path.components() {
        match c {
            Component::Normal(s) => {
                named += 1;
                let s = s.to_string_lossy();
                // Outside the knowledge base only the source's own folder name is published.
                if s.starts_with('.') && !(absolute || leading_up) {
                    return Some(format!("names the hidden folder `{s}`"));
                }
                if let Some(why) = crate::names::segment_problem(&s).filter(|_| !(absolute || leading_up)) {
                    return Some(format!("has a folder name that cannot be published: {why}"));
                }
            }
            Component::CurDir => return Some("contains `.`; write the path without it".into()),
            Component::ParentDir if named == 0 && !absolute => leading_up = true,
            Component::ParentDir => {
                return Some(
                    "has `..` after a folder name, which hides where it leads; write the folder it means".into(),
                );
            }
            Component::RootDir | Component::Prefix(_) if absolute => {}
            _ => return Some("is neither relative to the folder of site.toml nor an absolute path".into()),
        }
    }
    if named == 0 {
        return Some("names no folder of its own (it would hold the knowledge base)".into());
    }
    if absolute || leading_up {
        let last = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if last.starts_with('.') {
            return Some(format!("ends in the hidden folder `{last}`"));
        }
        if let Some(why) = crate::names::segment_problem(&last) {
            return Some(format!("ends in a folder name that cannot be published: {why}"));
        }
        return None;
    }
    let first = path.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned());
    if let Some(r) = RESERVED.iter().find(|r| first.as_deref() == Some(**r)) {
        return Some(format!("is inside `{r}/`, which pmsite reads for something else"));
    }
    None
}

pub(crate) const BRANCH_HELP: &str = "give the branch's name as git shows it, such as \"main\" or \"release/2024\"";

/// Why a branch name from site.toml cannot be put in an edit link: git's own rules
/// (`git check-ref-format --branch`), which also keep it a plain path in a URL.
pub(crate) fn branch_problem(b: &str) -> Option<&'static str> {
    if b.is_empty() {
        return Some("is empty");
    }
    if b.starts_with('-') || b.starts_with('/') || b.ends_with('/') || b.ends_with('.') || b.ends_with(".lock") {
        return Some("is not a git branch name");
    }
    if b.contains("..") || b.contains("//") || b.contains("@{") || b.split('/').any(|p| p.starts_with('.')) {
        return Some("is not a git branch name");
    }
    if b.chars().any(|c| c.is_control() || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\')) {
        return Some("is not a git branch name");
    }
    None
}

/// The sources of site.toml: `content/` first (with the settings of a `[[sources]]` entry
/// for it, if there is one), then the others in their order. Each bad entry is handed to
/// `err` (its span in site.toml, the message, a suggestion) and left out.
pub(crate) fn parse(
    raw: Vec<Spanned<RawSource>>,
    text: &str,
    err: &mut dyn FnMut(std::ops::Range<usize>, String, &str),
) -> Vec<Source> {
    let mut out = vec![Source::content()];
    for entry in raw {
        let entry = entry.into_inner();
        let span = entry.path.span();
        let written = entry.path.into_inner();
        let (line, col) = line_col(text, span.start);
        if let Some(problem) = path_problem(&written) {
            err(
                span,
                format!("source path `{}` {problem}", written.escape_debug()),
                "give a folder inside the knowledge base (path = \"teams/payments\", a submodule or a checkout there) or a checkout beside it (path = \"../team-payments\")",
            );
            continue;
        }
        let path: PathBuf = Path::new(&written).components().collect();
        let repo_url = match entry.repo_url {
            None => None,
            Some(r) => match crate::safe_url::http_url_problem(r.get_ref()) {
                None => Some(r.get_ref().trim_end_matches('/').to_string()),
                Some(problem) => {
                    err(
                        r.span(),
                        format!("source repo_url `{}` {problem}", r.get_ref().escape_debug()),
                        "use the repository's web address, such as \"https://git.example.internal/payments/postmortems\"",
                    );
                    continue;
                }
            },
        };
        let branch = match entry.branch {
            None => None,
            Some(b) => match branch_problem(b.get_ref()) {
                None => Some(b.into_inner()),
                Some(problem) => {
                    err(b.span(), format!("source branch `{}` {problem}", b.get_ref().escape_debug()), BRANCH_HELP);
                    continue;
                }
            },
        };
        let kind = match entry.repo_kind {
            None => None,
            Some(k) => match crate::routes::RepoKind::parse(k.get_ref()) {
                Some(kind) => Some(kind),
                None => {
                    err(
                        k.span(),
                        format!("source repo_kind `{}` is not a forge pmsite knows", k.get_ref().escape_debug()),
                        "use github, gitlab or gitea (the shape of its edit and history links)",
                    );
                    continue;
                }
            },
        };
        let source = Source {
            path,
            repo_url,
            repo_path: None,
            branch,
            kind,
            checked_out: None,
            defaults: Defaults {
                teams: entry.teams.unwrap_or_default().into_iter().filter(|t| !t.trim().is_empty()).collect(),
                services: entry.services.unwrap_or_default().into_iter().filter(|t| !t.trim().is_empty()).collect(),
            },
            at: (line, col, span.len()),
        };
        if source.path == Path::new(CONTENT) {
            if out[0].at != (0, 0, 0) {
                err(span, "source `content` is listed twice".into(), "list each source once");
            } else {
                out[0] = source;
            }
            continue;
        }
        match out.iter().find(|s| s.path.starts_with(&source.path) || source.path.starts_with(&s.path)) {
            Some(other) => err(
                span,
                format!(
                    "source path `{written}` overlaps the source `{}`; a file would belong to both",
                    other.path.display()
                ),
                "sources are separate folders: neither may be inside the other",
            ),
            None => out.push(source),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{Code, Diagnostic};

    fn parsed(toml: &str) -> (Vec<Source>, Vec<Diagnostic>) {
        #[derive(Deserialize)]
        struct T {
            #[serde(default)]
            sources: Vec<Spanned<RawSource>>,
        }
        let t: T = toml::from_str(toml).unwrap();
        let mut d = Vec::new();
        let sources = parse(t.sources, toml, &mut |span, msg, _| {
            let (line, col) = line_col(toml, span.start);
            d.push(Diagnostic::error(Code::ConfigValue, "site.toml", line, col, msg));
        });
        (sources, d)
    }

    #[test]
    fn content_is_always_the_first_source() {
        let (s, d) = parsed("");
        assert!(d.is_empty());
        assert_eq!(s, [Source::content()]);
        let (s, d) = parsed(
            "[[sources]]\npath = \"teams/pay\"\nrepo_url = \"https://g.example/pay/\"\nteams = [\"payments\"]\n[[sources]]\npath = \"content\"\nservices = [\"web\"]\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].path, Path::new("content"));
        assert_eq!(s[0].defaults.services, ["web"]);
        assert_eq!(s[1].repo_url.as_deref(), Some("https://g.example/pay"));
        assert_eq!(s[1].defaults.teams, ["payments"]);
        assert_eq!(s[1].at, (2, 8, 11));
    }

    #[test]
    fn untrusted_paths_are_errors_at_their_place() {
        for bad in [
            "teams/../../x",
            "../a/../b",
            "",
            "./teams",
            ".git",
            "static/x",
            "themes",
            "C:/x",
            "a\\\\b",
            "..",
            "../..",
            "/",
            "../.hidden",
        ] {
            let (s, d) = parsed(&format!("title = \"t\"\n[[sources]]\npath = \"{bad}\"\n"));
            assert_eq!(s.len(), 1, "{bad}: left out");
            assert_eq!(d.len(), 1, "{bad}: {d:?}");
            assert_eq!((d[0].code, d[0].line, d[0].column), (Code::ConfigValue, 3, 8), "{bad}");
            assert!(d[0].message.starts_with("source path"), "{}", d[0].message);
        }
    }

    #[test]
    fn sibling_and_absolute_paths_lead_out_only_at_their_start() {
        let (s, d) = parsed(
            "[[sources]]\npath = \"../team-payments\"\n[[sources]]\npath = \"/srv/ci/team-search/\"\n[[sources]]\npath = \"../../org/pm\"\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let paths: Vec<&Path> = s.iter().map(|s| s.path.as_path()).collect();
        assert_eq!(
            paths,
            [
                Path::new("content"),
                Path::new("../team-payments"),
                Path::new("/srv/ci/team-search"),
                Path::new("../../org/pm")
            ]
        );
        assert!(s[1..].iter().all(Source::is_outside) && !s[0].is_outside());
        let (_, d) = parsed("[[sources]]\npath = \"../a\"\n[[sources]]\npath = \"../a/b\"\n");
        assert!(d.len() == 1 && d[0].line == 4 && d[0].message.contains("overlaps"), "{d:?}");
        let (_, d) = parsed("[[sources]]\npath = \"teams/../../x\"\n");
        assert!(d[0].message.contains("`..` after a folder name"), "{d:?}");
    }

    #[test]
    fn overlapping_and_repeated_sources_are_errors() {
        let (s, d) =
            parsed("[[sources]]\npath = \"content/pay\"\n[[sources]]\npath = \"a\"\n[[sources]]\npath = \"a/b\"\n");
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].line, 2);
        assert_eq!(d[1].line, 6);
        assert!(d[1].message.contains("overlaps the source `a`"), "{}", d[1].message);
        let (_, d) = parsed("[[sources]]\npath = \"content\"\n[[sources]]\npath = \"content\"\n");
        assert!(d.len() == 1 && d[0].line == 4, "{d:?}");
        let (_, d) = parsed("[[sources]]\npath = \"a\"\nrepo_url = \"javascript:alert(1)\"\n");
        assert!(d.len() == 1 && d[0].line == 3 && d[0].message.contains("repo_url"), "{d:?}");
    }

    #[test]
    fn edit_targets_point_into_the_right_repository_and_branch() {
        use crate::routes::RepoKind;
        let mut s = Source::content();
        let f = Path::new("content/2024/a.md");
        let none = SiteRepo::default();
        assert_eq!(s.edit_target(&none, f), None);
        let site = SiteRepo { repo_url: Some("https://github.com/o/site"), ..SiteRepo::default() };
        let t = s.edit_target(&site, f).unwrap();
        assert_eq!(
            (t.repo_url.as_str(), t.kind, t.branch.as_str()),
            ("https://github.com/o/site", RepoKind::GitHub, "main")
        );
        assert_eq!(t.path, "content/2024/a.md");
        s.checked_out = Some("trunk".into());
        assert_eq!(s.edit_target(&site, f).unwrap().branch, "trunk", "the checked-out branch when none is set");
        let pinned = SiteRepo { branch: Some("pages"), ..site };
        assert_eq!(s.edit_target(&pinned, f).unwrap().branch, "pages", "repo_branch wins");

        s.path = PathBuf::from("teams/pay");
        s.repo_url = Some("https://g/pay".into());
        s.repo_path = Some(PathBuf::from("docs/pm"));
        s.checked_out = Some("develop".into());
        let f = Path::new("teams/pay/2024/b.md");
        let t = s.edit_target(&pinned, f).unwrap();
        assert_eq!((t.repo_url.as_str(), t.path.as_str()), ("https://g/pay", "docs/pm/2024/b.md"));
        assert_eq!((t.branch.as_str(), t.kind), ("develop", RepoKind::GitLab), "its own branch, not the site's");
        s.branch = Some("release/1".into());
        s.kind = Some(RepoKind::Gitea);
        let t = s.edit_target(&pinned, f).unwrap();
        assert_eq!((t.branch.as_str(), t.kind), ("release/1", RepoKind::Gitea));
        assert_eq!(t.file().edit_url(), "https://g/pay/_edit/release/1/docs/pm/2024/b.md");

        let mut outside = Source::content();
        outside.path = PathBuf::from("../team-payments");
        let f = Path::new("../team-payments/2024/c.md");
        assert_eq!(outside.edit_target(&site, f), None, "not in the site's repository");
        assert_eq!(outside.site_path(Path::new("../team-payments/2024/g.png")), Path::new("team-payments/2024/g.png"));
        outside.repo_url = Some("https://github.com/o/pay".into());
        assert_eq!(outside.edit_target(&site, f).unwrap().path, "2024/c.md");
    }
}
