//! `[[trackers]]` in site.toml: where tickets live, how to reach them, which they own.

use crate::diagnostics::{Code, Diagnostic};
use crate::lines::line_col;
use serde::Deserialize;
use toml::Spanned;

/// `crate::config::FILE`, named here because `config` is built on this module.
const SITE_TOML: &str = "site.toml";

/// Where the ticket snapshot is read from and written to unless site.toml says `tickets`.
pub const DEFAULT_SNAPSHOT: &str = ".pmsite/tickets.json";
/// A snapshot older than this many days is reported by `pmsite check`.
pub(crate) const DEFAULT_MAX_AGE_DAYS: u32 = 7;

/// A `[[trackers]]` entry's `kind`: whose API and ticket forms it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// GitHub or GitHub Enterprise Server issues, `owner/repo#123`.
    Github,
    /// GitLab issues, `group/project#123`.
    Gitlab,
    /// Jira issues, `PAY-101`.
    Jira,
}

impl Kind {
    /// The name site.toml's `kind` uses.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Github => "github",
            Kind::Gitlab => "gitlab",
            Kind::Jira => "jira",
        }
    }
}

/// One tracker of site.toml, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tracker {
    /// Which API and ticket forms it uses.
    pub(crate) kind: Kind,
    /// The web address tickets link to, without a trailing `/`.
    pub(crate) url: String,
    /// The API base, without a trailing `/`.
    pub(crate) api: String,
    /// Names of environment variables: the values are secrets and are never stored.
    pub(crate) token_env: Option<String>,
    pub(crate) email_env: Option<String>,
    /// Jira project keys, or `group/project` paths for GitHub and GitLab.
    pub(crate) owns: Vec<String>,
}

impl Tracker {
    /// The API base a service documents for its web address.
    fn default_api(kind: Kind, url: &str) -> String {
        match kind {
            Kind::Github if url == "https://github.com" || url == "https://www.github.com" => {
                "https://api.github.com".into()
            }
            // GitHub Enterprise Server serves its REST API under /api/v3.
            Kind::Github => format!("{url}/api/v3"),
            Kind::Gitlab => format!("{url}/api/v4"),
            Kind::Jira => url.to_string(),
        }
    }
}

/// Settings around the snapshot that are not per tracker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `[[trackers]]`, in site.toml's order.
    pub(crate) trackers: Vec<Tracker>,
    /// The snapshot file, relative to the knowledge base root.
    pub snapshot: String,
    pub(crate) max_age_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { trackers: Vec::new(), snapshot: DEFAULT_SNAPSHOT.into(), max_age_days: DEFAULT_MAX_AGE_DAYS }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTracker {
    kind: Spanned<String>,
    url: Spanned<String>,
    api: Option<Spanned<String>>,
    token_env: Option<Spanned<String>>,
    email_env: Option<Spanned<String>>,
    owns: Spanned<Vec<String>>,
}

/// The raw values site.toml holds for these settings.
pub(crate) struct Raw {
    pub(crate) trackers: Vec<RawTracker>,
    pub(crate) tickets: Option<Spanned<String>>,
    pub(crate) max_age_days: Option<Spanned<i64>>,
}

fn error(text: &str, span: std::ops::Range<usize>, msg: String, help: &str) -> Diagnostic {
    let (line, col) = line_col(text, span.start);
    Diagnostic::error(Code::ConfigValue, SITE_TOML, line, col, msg)
        .with_width(span.len())
        .with_suggestion(help.to_string())
}

/// A Jira project key: an upper-case letter, then upper-case letters, digits or `_`.
pub(crate) fn is_project_key(s: &str) -> bool {
    let mut b = s.bytes();
    b.next().is_some_and(|c| c.is_ascii_uppercase())
        && b.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
}

/// `group/project` (GitLab allows subgroups: `group/sub/project`).
fn is_repo_path(s: &str, kind: Kind) -> bool {
    let parts: Vec<&str> = s.split('/').collect();
    let ok_part = |p: &&str| {
        !p.is_empty() && *p != "." && *p != ".." && p.bytes().all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c))
    };
    let count_ok = match kind {
        Kind::Github => parts.len() == 2,
        _ => parts.len() >= 2,
    };
    count_ok && parts.iter().all(ok_part)
}

fn is_env_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// Checks the raw values; a tracker with a bad value is left out, with an error at the value.
pub(crate) fn parse(raw: Raw, text: &str, diags: &mut Vec<Diagnostic>) -> Settings {
    let mut settings = Settings::default();
    if let Some(t) = raw.tickets {
        let path = t.get_ref();
        let bad = path.trim().is_empty()
            || std::path::Path::new(path).is_absolute()
            || path.split(['/', '\\']).any(|p| p == "..");
        if bad {
            diags.push(error(
                text,
                t.span(),
                format!("tickets `{}` must be a path inside the knowledge base", path.escape_debug()),
                "name a file relative to site.toml, such as \"tickets.json\" or \"data/tickets.json\"",
            ));
        } else {
            settings.snapshot = path.clone();
        }
    }
    if let Some(age) = raw.max_age_days {
        match u32::try_from(*age.get_ref()) {
            Ok(n) if n > 0 => settings.max_age_days = n,
            _ => diags.push(error(
                text,
                age.span(),
                format!("tickets_max_age_days is {}; it must be a whole number of days, at least 1", age.get_ref()),
                "for example tickets_max_age_days = 7",
            )),
        }
    }
    for t in raw.trackers {
        if let Some(tracker) = tracker(t, text, diags) {
            settings.trackers.push(tracker);
        }
    }
    settings
}

fn tracker(t: RawTracker, text: &str, diags: &mut Vec<Diagnostic>) -> Option<Tracker> {
    let before = diags.len();
    let kind = match t.kind.get_ref().as_str() {
        "github" => Some(Kind::Github),
        "gitlab" => Some(Kind::Gitlab),
        "jira" => Some(Kind::Jira),
        other => {
            diags.push(error(
                text,
                t.kind.span(),
                format!("unknown tracker kind `{}`", other.escape_debug()),
                "use kind = \"github\", \"gitlab\" or \"jira\"",
            ));
            None
        }
    };
    let web_url = |s: &Spanned<String>, key: &str, diags: &mut Vec<Diagnostic>| match crate::safe_url::http_url_problem(
        s.get_ref(),
    ) {
        None => Some(s.get_ref().trim_end_matches('/').to_string()),
        Some(problem) => {
            diags.push(error(
                text,
                s.span(),
                format!("tracker {key} `{}` {problem}", s.get_ref().escape_debug()),
                "use the tracker's address, such as \"https://github.com\" or \"https://acme.atlassian.net\"",
            ));
            None
        }
    };
    let url = web_url(&t.url, "url", diags);
    let api = t.api.as_ref().and_then(|a| web_url(a, "api", diags));
    for env in [&t.token_env, &t.email_env].into_iter().flatten() {
        if !is_env_name(env.get_ref()) {
            diags.push(error(
                text,
                env.span(),
                format!("`{}` is not the name of an environment variable", env.get_ref().escape_debug()),
                "name the variable that holds the value, such as \"GITHUB_TOKEN\"; never put a token in site.toml",
            ));
        }
    }
    if let (Some(email), Some(k)) = (&t.email_env, kind)
        && k != Kind::Jira
    {
        diags.push(error(
            text,
            email.span(),
            format!("email_env is for Jira Cloud's basic auth; a {} tracker takes only token_env", k.as_str()),
            "remove email_env from this tracker",
        ));
    }
    if let Some(k) = kind {
        let owns = t.owns.get_ref();
        let bad = owns.iter().find(|o| match k {
            Kind::Jira => !is_project_key(o),
            _ => !is_repo_path(o, k),
        });
        let help = match k {
            Kind::Jira => "list Jira project keys, such as owns = [\"PAY\", \"PLAT\"]",
            Kind::Github => "list repositories as owner/name, such as owns = [\"acme/ops\"]",
            Kind::Gitlab => "list projects by path, such as owns = [\"acme/ops\", \"acme/platform/api\"]",
        };
        if owns.is_empty() {
            diags.push(error(
                text,
                t.owns.span(),
                "owns is empty: this tracker would answer for no ticket".into(),
                help,
            ));
        } else if let Some(b) = bad {
            diags.push(error(
                text,
                t.owns.span(),
                format!(
                    "`{}` in owns is not a {} {}",
                    b.escape_debug(),
                    k.as_str(),
                    match k {
                        Kind::Jira => "project key",
                        _ => "repository path",
                    }
                ),
                help,
            ));
        }
    }
    if diags.len() > before {
        return None;
    }
    let (kind, url) = (kind?, url?);
    Some(Tracker {
        api: api.unwrap_or_else(|| Tracker::default_api(kind, &url)),
        kind,
        url,
        token_env: t.token_env.map(Spanned::into_inner),
        email_env: t.email_env.map(Spanned::into_inner),
        owns: t.owns.into_inner(),
    })
}
