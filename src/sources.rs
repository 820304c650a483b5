//! `[[sources]]` in site.toml: the folders postmortems are read from. `content/` is
//! always one; each other source is a folder inside the knowledge base (a git
//! submodule, a team repository checked out there, or a plain folder), with its own
//! `repo_url` for edit and history links and defaults for files that omit `teams` or
//! `services`.
//!
//! Paths in site.toml are untrusted: `parse` accepts only relative paths of plain
//! names, and `repositories::check_on_disk` only folders whose real location (symlinks resolved) is
//! inside the knowledge base. A source that fails either is left out, with an error at
//! its place in site.toml.

use crate::lines::line_col;
use serde::Deserialize;
use std::path::{Component, Path, PathBuf};
use toml::Spanned;

/// The folder every knowledge base has.
pub const CONTENT: &str = "content";

/// Values a file of this source gets when it does not give its own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Defaults {
    pub teams: Vec<String>,
    pub services: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Source {
    /// Relative to the knowledge base root, plain names only (`content`, `teams/payments`).
    pub path: PathBuf,
    /// Its repository's web address (no trailing `/`); None: the site's `repo_url`.
    pub repo_url: Option<String>,
    /// Where the folder sits in its repository's work tree (`` for the top), found by
    /// `check_on_disk` for a source with its own `repo_url`.
    pub repo_path: Option<PathBuf>,
    pub defaults: Defaults,
    /// (line, column, width) of `path` in site.toml; 0 for the implicit `content/`.
    pub at: (usize, usize, usize),
}

impl Source {
    pub fn content() -> Source {
        Source {
            path: PathBuf::from(CONTENT),
            repo_url: None,
            repo_path: None,
            defaults: Defaults::default(),
            at: (0, 0, 0),
        }
    }

    /// Whether `file` (relative to the root) is in this source's folder.
    pub fn holds(&self, file: &Path) -> bool {
        file.starts_with(&self.path)
    }

    /// The repository `file` is edited in and its path there: the source's own
    /// repository, or the site's (`site_repo`) at the path from the root.
    pub fn edit_target(&self, site_repo: Option<&str>, file: &Path) -> Option<(String, String)> {
        let slash = |p: &Path| p.to_string_lossy().replace('\\', "/");
        match (&self.repo_url, &self.repo_path) {
            (Some(url), Some(at)) => {
                let inside = file.strip_prefix(&self.path).ok()?;
                Some((url.clone(), slash(&at.join(inside))))
            }
            (Some(url), None) => Some((url.clone(), slash(file.strip_prefix(&self.path).ok()?))),
            (None, _) => site_repo.map(|r| (r.to_string(), slash(file))),
        }
    }
}

/// The source holding `file`, if any (sources never overlap).
pub fn source_of<'a>(sources: &'a [Source], file: &Path) -> Option<&'a Source> {
    sources.iter().find(|s| s.holds(file))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    path: Spanned<String>,
    repo_url: Option<Spanned<String>>,
    teams: Option<Vec<String>>,
    services: Option<Vec<String>>,
}

/// Folders a source may not be in or hold: pmsite's own inputs and bookkeeping.
const RESERVED: [&str; 3] = ["static", "themes", ".pmsite"];

/// Why a site.toml source path is not acceptable, before the disk is looked at.
fn path_problem(p: &str) -> Option<String> {
    if p.trim().is_empty() {
        return Some("is empty".into());
    }
    let path = Path::new(p);
    if path.is_absolute() || p.starts_with('/') || p.starts_with('\\') || p.contains(':') {
        return Some("is not a path relative to the folder of site.toml".into());
    }
    if p.contains('\\') {
        return Some("contains a backslash; separate folders with `/`".into());
    }
    for c in path.components() {
        match c {
            Component::Normal(s) => {
                let s = s.to_string_lossy();
                if s.starts_with('.') {
                    return Some(format!("names the hidden folder `{s}`"));
                }
                if let Some(why) = crate::names::segment_problem(&s) {
                    return Some(format!("has a folder name that cannot be published: {why}"));
                }
            }
            Component::CurDir => return Some("contains `.`; write the path without it".into()),
            Component::ParentDir => {
                return Some("leads out of the knowledge base (`..`); sources are folders inside it".into());
            }
            _ => return Some("is not a path relative to the folder of site.toml".into()),
        }
    }
    let first = path.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned());
    if let Some(r) = RESERVED.iter().find(|r| first.as_deref() == Some(**r)) {
        return Some(format!("is inside `{r}/`, which pmsite reads for something else"));
    }
    None
}

/// The sources of site.toml: `content/` first (with the settings of a `[[sources]]` entry
/// for it, if there is one), then the others in their order. Each bad entry is handed to
/// `err` (its span in site.toml, the message, a suggestion) and left out.
pub fn parse(
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
                "give a folder inside the knowledge base, e.g. path = \"teams/payments\" (a submodule or a checkout there)",
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
        let source = Source {
            path,
            repo_url,
            repo_path: None,
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
        for bad in
            ["../sibling", "/etc", "teams/../../x", "", "./teams", ".git", "static/x", "themes", "C:/x", "a\\\\b"]
        {
            let (s, d) = parsed(&format!("title = \"t\"\n[[sources]]\npath = \"{bad}\"\n"));
            assert_eq!(s.len(), 1, "{bad}: left out");
            assert_eq!(d.len(), 1, "{bad}: {d:?}");
            assert_eq!((d[0].code, d[0].line, d[0].column), (Code::ConfigValue, 3, 8), "{bad}");
            assert!(d[0].message.starts_with("source path"), "{}", d[0].message);
        }
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
    fn edit_targets_point_into_the_right_repository() {
        let mut s = Source::content();
        let f = Path::new("content/2024/a.md");
        assert_eq!(s.edit_target(None, f), None);
        assert_eq!(
            s.edit_target(Some("https://g/site"), f),
            Some(("https://g/site".into(), "content/2024/a.md".into()))
        );
        s.path = PathBuf::from("teams/pay");
        s.repo_url = Some("https://g/pay".into());
        s.repo_path = Some(PathBuf::from("docs/pm"));
        let f = Path::new("teams/pay/2024/b.md");
        assert_eq!(
            s.edit_target(Some("https://g/site"), f),
            Some(("https://g/pay".into(), "docs/pm/2024/b.md".into()))
        );
        s.repo_path = None;
        assert_eq!(s.edit_target(None, f), Some(("https://g/pay".into(), "2024/b.md".into())));
    }
}
