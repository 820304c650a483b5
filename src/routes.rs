//! Every output path the site writes and every URL that links to one, in one place.
//!
//! Output paths are the raw names (`incidents/a b#1/index.html`): a postmortem id is
//! its file name, so the page sits where the name says. URLs are root-relative
//! (`incidents/a%20b%231/`) with each path segment percent-encoded, so a browser, a
//! link checker or `serve` decodes them back to exactly that file, whatever the name
//! holds (`#`, `?`, `%`, spaces, quotes, non-ASCII letters). docs/format.md describes it.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use std::collections::{BTreeSet, HashMap};

/// A dimension with a page per value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dim {
    /// A postmortem's `services`: pages under `services/`.
    Services,
    /// A postmortem's `teams`: pages under `teams/`.
    Teams,
    /// Its `severity`: pages under `severities/`.
    Severities,
    /// The year of its `date`: pages under `years/`.
    Years,
    /// Its `tags`: pages under `tags/`.
    Tags,
    /// Its `authors`: pages under `authors/`.
    Authors,
    /// Action item owners: pages under /actions/owners/, not an incident index.
    Owners,
}

impl Dim {
    pub(crate) const ALL: [Dim; 6] = [Dim::Services, Dim::Teams, Dim::Severities, Dim::Years, Dim::Tags, Dim::Authors];
    pub(crate) fn dir(self) -> &'static str {
        match self {
            Dim::Services => "services",
            Dim::Teams => "teams",
            Dim::Severities => "severities",
            Dim::Years => "years",
            Dim::Tags => "tags",
            Dim::Authors => "authors",
            Dim::Owners => "actions/owners",
        }
    }
    pub(crate) fn title(self) -> &'static str {
        match self {
            Dim::Services => "Services",
            Dim::Teams => "Teams",
            Dim::Severities => "Severities",
            Dim::Years => "Years",
            Dim::Tags => "Tags",
            Dim::Authors => "Authors",
            Dim::Owners => "Owners",
        }
    }
    pub(crate) fn singular(self) -> &'static str {
        match self {
            Dim::Services => "Service",
            Dim::Teams => "Team",
            Dim::Severities => "Severity",
            Dim::Years => "Year",
            Dim::Tags => "Tag",
            Dim::Authors => "Author",
            Dim::Owners => "Owner",
        }
    }
}

/// URL slugs for every dimension value, unique within a dimension.
#[derive(Debug, Clone, Default)]
pub struct Slugs {
    /// Per dimension, so that a lookup by `&str` needs no owned key.
    map: HashMap<Dim, HashMap<String, String>>,
    /// `exceptions_hash`, made with the map: every global hash reads it.
    exceptions: u64,
}

impl Slugs {
    pub(crate) fn new(names: impl Fn(Dim) -> Vec<String>) -> Slugs {
        let mut map: HashMap<Dim, HashMap<String, String>> = HashMap::new();
        let mut odd: Vec<(usize, String, String)> = Vec::new();
        for (d, dim) in Dim::ALL.into_iter().chain([Dim::Owners]).enumerate() {
            let mut used: BTreeSet<String> = BTreeSet::new();
            let slugs = map.entry(dim).or_default();
            for name in names(dim) {
                let base = match crate::names::slugify(&name) {
                    s if s.is_empty() => "x".to_string(),
                    s => s,
                };
                // Two names that slug alike ("Payments" and "payments") get distinct URLs.
                let mut slug = base.clone();
                let mut n = 1;
                while !used.insert(slug.clone()) {
                    n += 1;
                    slug = format!("{base}-{n}");
                }
                if slug != base {
                    odd.push((d, name.clone(), slug.clone()));
                }
                slugs.insert(name, slug);
            }
        }
        odd.sort_unstable();
        let exceptions = {
            use std::hash::{Hash, Hasher};
            let mut h = crate::fingerprint::hasher();
            odd.hash(&mut h);
            h.finish()
        };
        Slugs { map, exceptions }
    }
    /// A hash of the names whose slug is not plainly their own (`slugify`'s, or `x` for
    /// none): what can change a link to an existing name when other names come or go.
    pub(crate) fn exceptions_hash(&self) -> u64 {
        self.exceptions
    }

    pub(crate) fn get(&self, dim: Dim, name: &str) -> String {
        self.map.get(&dim).and_then(|m| m.get(name)).cloned().unwrap_or_else(|| crate::names::slugify(name))
    }
    /// Root-relative URL of a value's page.
    pub(crate) fn url(&self, dim: Dim, name: &str) -> String {
        term_url(dim, &self.get(dim, name))
    }
}

/// Bytes that cannot stand for themselves in a path segment: the URL delimiters
/// (`/ ? #`), `%` itself, what HTML or XML would have to escape, and what RFC 3986 does
/// not allow unencoded. Non-ASCII is always encoded (as UTF-8).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'\'')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

pub(crate) const HOME: &str = "index.html";
pub(crate) const NOT_FOUND: &str = "404.html";
pub(crate) const FACTORS: &str = "factors/index.html";
pub(crate) const SEARCH: &str = "search/index.html";
pub(crate) const ACTIONS: &str = "actions/index.html";
pub(crate) const PATTERNS: &str = "patterns/index.html";
pub(crate) const METRICS: &str = "metrics/index.html";
/// Postmortems waiting for their review meeting (`status: review`).
pub(crate) const IN_REVIEW: &str = "in-review/index.html";
pub(crate) const IN_REVIEW_URL: &str = "in-review/";
/// The writing guide: `_index.md` from its first `##` heading on.
pub(crate) const GUIDE: &str = "guide/index.html";
pub(crate) const GUIDE_URL: &str = "guide/";
pub(crate) const ATOM: &str = "atom.xml";
pub(crate) const SITEMAP: &str = "sitemap.xml";

/// The sitemap protocol's limit of URLs in one file (sitemaps.org): past it, `sitemap.xml`
/// is an index of numbered parts, which is what search engines read.
pub(crate) const SITEMAP_URLS: usize = 50_000;

/// Part `n` (from 1) of a sitemap too long for one file; `sitemap.xml` then indexes them.
pub(crate) fn sitemap_part(n: usize) -> String {
    format!("sitemap-{n}.xml")
}
pub(crate) const ROBOTS: &str = "robots.txt";
pub(crate) const API_POSTMORTEMS: &str = "api/postmortems.json";
pub(crate) const API_ACTIONS_JSON: &str = "api/actions.json";
pub(crate) const API_ACTIONS_CSV: &str = "api/actions.csv";

/// One path segment, percent-encoded.
pub(crate) fn segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// A `/`-separated path with every segment percent-encoded.
pub(crate) fn encode_path(path: &str) -> String {
    path.split('/').map(segment).collect::<Vec<_>>().join("/")
}

/// The root-relative URL of an output path: a folder's `index.html` is linked as the
/// folder (`incidents/x/`), as every static host serves it.
pub(crate) fn url(path: &str) -> String {
    let folder = match path.strip_suffix("index.html") {
        Some(dir) if dir.is_empty() || dir.ends_with('/') => dir,
        _ => path,
    };
    encode_path(folder)
}

/// An absolute URL: `base` (site.toml's `base_url`, ending in `/`) and an output path.
pub(crate) fn absolute(base: &str, path: &str) -> String {
    format!("{base}{}", url(path))
}

/// A postmortem's page.
pub(crate) fn incident(id: &str) -> String {
    format!("incidents/{id}/index.html")
}

pub(crate) fn incident_url(id: &str) -> String {
    url(&incident(id))
}

/// The list of a dimension's values (`services/index.html`).
pub(crate) fn terms(dim: Dim) -> String {
    format!("{}/index.html", dim.dir())
}

pub(crate) fn terms_url(dim: Dim) -> String {
    url(&terms(dim))
}

/// A dimension value's page, by its slug (`render::Slugs`); owners' pages are under
/// `actions/owners/`.
pub(crate) fn term(dim: Dim, slug: &str) -> String {
    format!("{}/{slug}/index.html", dim.dir())
}

pub(crate) fn term_url(dim: Dim, slug: &str) -> String {
    url(&term(dim, slug))
}

/// The Atom feed of a service's or team's page.
pub(crate) fn term_feed(dim: Dim, slug: &str) -> String {
    format!("{}/{slug}/{ATOM}", dim.dir())
}

pub(crate) fn factor(id: &str) -> String {
    format!("factors/{id}/index.html")
}

pub(crate) fn factor_url(id: &str) -> String {
    url(&factor(id))
}

/// A team's action items, by the team's slug.
pub(crate) fn actions_team(slug: &str) -> String {
    format!("actions/teams/{slug}/index.html")
}

pub(crate) fn actions_team_url(slug: &str) -> String {
    url(&actions_team(slug))
}

/// Bytes a query value cannot hold as they are: everything but the unreserved ones.
const QUERY_VALUE: &AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// `/actions/` with its in-page filters set (`actions/?service=checkout-api`), as
/// `actions.js` reads them from the address.
pub(crate) fn actions_filtered_url(filters: &[(&str, &str)]) -> String {
    let query: Vec<String> =
        filters.iter().map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, QUERY_VALUE))).collect();
    format!("{}?{}", url(ACTIONS), query.join("&"))
}

/// Page `n` (from 1) of a paginated list whose first page is at `first`
/// (`severities/sev3/index.html` -> `severities/sev3/page/2/index.html`). Page 1 keeps
/// the list's own URL, so links to a list never break when it grows a second page.
/// Slugs are single segments, so `page/` under a list's folder can name no other page.
pub(crate) fn list_page(first: &str, n: u32) -> String {
    match (n, first.strip_suffix("index.html")) {
        (0 | 1, _) | (_, None) => first.to_string(),
        (n, Some(dir)) => format!("{dir}page/{n}/index.html"),
    }
}

/// A file published from `content/`, by its path under `content/` (`2024/graph.png`).
pub(crate) fn file(under_content: &str) -> String {
    format!("files/{under_content}")
}

/// The URL of a file published from `content/` (`file`), percent-encoded.
#[cfg(test)]
pub(crate) fn file_url(under_content: &str) -> String {
    url(&file(under_content))
}

/// The URL of an attachment (`attachment`), percent-encoded.
pub(crate) fn attachment_url(asset: &std::path::Path) -> String {
    url(&attachment(asset))
}

/// A theme asset (`style.css`).
pub(crate) fn asset(name: &str) -> String {
    format!("assets/{name}")
}

/// Where an attachment (`content/2024/graph.png`) is published: `files/2024/graph.png`.
pub fn attachment(asset: &std::path::Path) -> String {
    let under = asset.strip_prefix("content").unwrap_or(asset);
    file(&under.to_string_lossy().replace('\\', "/"))
}

/// The forge a repository is hosted on, which decides the shape of its edit and
/// history URLs (site.toml `repo_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum RepoKind {
    /// github.com and GitHub Enterprise: `/edit/B/P` and `/commits/B/P`.
    GitHub,
    /// `/-/edit/B/P` and `/-/commits/B/P`; the guess for an unknown host.
    GitLab,
    /// Gitea, Forgejo and Codeberg: `/_edit/B/P` and `/commits/branch/B/P`.
    Gitea,
}

impl RepoKind {
    pub(crate) const NAMES: &'static str = "github, gitlab or gitea";

    pub(crate) fn parse(s: &str) -> Option<RepoKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "github" => Some(RepoKind::GitHub),
            "gitlab" => Some(RepoKind::GitLab),
            "gitea" | "forgejo" => Some(RepoKind::Gitea),
            _ => None,
        }
    }

    /// The kind a repository URL's host suggests. Self-hosted forges rarely say what
    /// they are, and GitLab is the most common of them, so it is the guess for any other
    /// host (and the shape pmsite always used).
    pub(crate) fn guess(repo_url: &str) -> RepoKind {
        let host = repo_url.split("://").nth(1).unwrap_or(repo_url).split(['/', ':']).next().unwrap_or("");
        let host = host.rsplit('@').next().unwrap_or(host).to_ascii_lowercase();
        if host == "github.com" || host.ends_with(".github.com") || host.starts_with("github.") {
            RepoKind::GitHub
        } else if host == "codeberg.org" || host.contains("gitea") || host.contains("forgejo") {
            RepoKind::Gitea
        } else {
            RepoKind::GitLab
        }
    }
}

/// Where a file of a repository is edited and its history shown, on the web.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RepoFile<'a> {
    /// The repository's web address, without a trailing `/`.
    pub(crate) repo_url: &'a str,
    pub(crate) kind: RepoKind,
    pub(crate) branch: &'a str,
    /// `/`-separated, from the repository's root.
    pub(crate) path: &'a str,
}

impl RepoFile<'_> {
    /// The forge's editor for the file: GitHub `/edit/B/P`, GitLab `/-/edit/B/P`, Gitea
    /// `/_edit/B/P`. A branch's `/` separates segments as the forges expect; every
    /// segment of branch and path is percent-encoded.
    pub(crate) fn edit_url(&self) -> String {
        let at = match self.kind {
            RepoKind::GitHub => "edit",
            RepoKind::GitLab => "-/edit",
            RepoKind::Gitea => "_edit",
        };
        format!("{}/{at}/{}/{}", self.repo_url, encode_path(self.branch), encode_path(self.path))
    }

    /// The file's commits: GitHub `/commits/B/P`, GitLab `/-/commits/B/P`, Gitea
    /// `/commits/branch/B/P`.
    pub(crate) fn history_url(&self) -> String {
        let at = match self.kind {
            RepoKind::GitHub => "commits",
            RepoKind::GitLab => "-/commits",
            RepoKind::Gitea => "commits/branch",
        };
        format!("{}/{at}/{}/{}", self.repo_url, encode_path(self.branch), encode_path(self.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_decode_to_the_paths_written() {
        let id = "2024-01-01-a#b?c%d e'f\"g<h>&ünï";
        let path = incident(id);
        let u = incident_url(id);
        assert_eq!(u, "incidents/2024-01-01-a%23b%3Fc%25d%20e%27f%22g%3Ch%3E%26%C3%BCn%C3%AF/");
        let decoded = percent_encoding::percent_decode_str(&u).decode_utf8().unwrap();
        assert_eq!(format!("{decoded}index.html"), path);
    }

    #[test]
    fn folders_are_linked_as_folders() {
        assert_eq!(url(HOME), "");
        assert_eq!(url(FACTORS), "factors/");
        assert_eq!(url("a/my index.html"), "a/my%20index.html");
        assert_eq!(url("a/xindex.html"), "a/xindex.html");
        assert_eq!(file_url("2024/graph #1.png"), "files/2024/graph%20%231.png");
        assert_eq!(absolute("https://x.example/", &term(Dim::Services, "api")), "https://x.example/services/api/");
    }

    #[test]
    fn action_filters_are_query_values() {
        assert_eq!(actions_filtered_url(&[("service", "checkout-api")]), "actions/?service=checkout-api");
        assert_eq!(
            actions_filtered_url(&[("service", "a b&c=d#ü"), ("overdue", "1")]),
            "actions/?service=a%20b%26c%3Dd%23%C3%BC&overdue=1"
        );
    }

    #[test]
    fn list_pages_live_under_the_first() {
        let first = term(Dim::Severities, "sev3");
        assert_eq!(list_page(&first, 1), first);
        assert_eq!(list_page(&first, 2), "severities/sev3/page/2/index.html");
        assert_eq!(url(&list_page(&first, 12)), "severities/sev3/page/12/");
        assert_eq!(list_page(ACTIONS, 3), "actions/page/3/index.html");
    }

    #[test]
    fn edit_and_history_urls_take_the_forges_shapes() {
        let f = |kind| RepoFile { repo_url: "https://g.example/team/pm", kind, branch: "trunk", path: "2024/a.md" };
        assert_eq!(f(RepoKind::GitHub).edit_url(), "https://g.example/team/pm/edit/trunk/2024/a.md");
        assert_eq!(f(RepoKind::GitHub).history_url(), "https://g.example/team/pm/commits/trunk/2024/a.md");
        assert_eq!(f(RepoKind::GitLab).edit_url(), "https://g.example/team/pm/-/edit/trunk/2024/a.md");
        assert_eq!(f(RepoKind::GitLab).history_url(), "https://g.example/team/pm/-/commits/trunk/2024/a.md");
        assert_eq!(f(RepoKind::Gitea).edit_url(), "https://g.example/team/pm/_edit/trunk/2024/a.md");
        assert_eq!(f(RepoKind::Gitea).history_url(), "https://g.example/team/pm/commits/branch/trunk/2024/a.md");
    }

    #[test]
    fn branch_and_path_segments_are_percent_encoded() {
        let f = RepoFile {
            repo_url: "https://github.com/o/r",
            kind: RepoKind::GitHub,
            branch: "release/2024 #1",
            path: "docs/pm/2024/a b#?%ü.md",
        };
        assert_eq!(
            f.edit_url(),
            "https://github.com/o/r/edit/release/2024%20%231/docs/pm/2024/a%20b%23%3F%25%C3%BC.md"
        );
        assert!(!f.history_url().contains(' '));
    }

    #[test]
    fn the_kind_is_guessed_from_the_host() {
        assert_eq!(RepoKind::guess("https://github.com/o/r"), RepoKind::GitHub);
        assert_eq!(RepoKind::guess("https://GitHub.example.com/o/r"), RepoKind::GitHub);
        assert_eq!(RepoKind::guess("https://gitlab.com/o/r"), RepoKind::GitLab);
        assert_eq!(RepoKind::guess("https://codeberg.org/o/r"), RepoKind::Gitea);
        assert_eq!(RepoKind::guess("https://gitea.corp.example/o/r"), RepoKind::Gitea);
        assert_eq!(RepoKind::guess("https://git.example.internal/o/r"), RepoKind::GitLab);
        assert_eq!(RepoKind::guess("https://notgithub.com/o/r"), RepoKind::GitLab);
        assert_eq!(RepoKind::parse("GitHub"), Some(RepoKind::GitHub));
        assert_eq!(RepoKind::parse("bitbucket"), None);
    }
}
