//! site.toml: the site's settings, severities and the shared factor taxonomy.

use crate::diagnostics::{Code, Diagnostic};
use crate::lines::line_col;
use crate::model::Factor;
use jiff::tz::TimeZone;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// The settings file, at the knowledge base root.
pub const FILE: &str = "site.toml";

pub(crate) const DEFAULT_BLAME_PHRASES: &[&str] = &[
    "human error",
    "careless",
    "carelessness",
    "should have known",
    "negligent",
    "negligence",
    "fault of",
    "blame",
    "incompetent",
    "sloppy",
];
pub(crate) const DEFAULT_VAGUE_ACTION_PHRASES: &[&str] = &[
    "improve monitoring",
    "update documentation",
    "be more careful",
    "investigate",
    "look into",
    "add more tests",
    "improve alerting",
    "improve testing",
    "review process",
];

#[derive(Debug, Clone)]
pub(crate) struct Lint {
    pub(crate) blame_phrases: Vec<String>,
    pub(crate) vague_action_phrases: Vec<String>,
}

/// site.toml, checked: what every stage reads about the site. Keys it leaves out take
/// the values of `SiteConfig::default()`.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    pub(crate) title: String,
    /// Always ends with `/`.
    pub(crate) base_url: String,
    /// `timezone` as site.toml names it (`Europe/Berlin`, default `UTC`), shown beside
    /// times.
    pub timezone_name: String,
    /// The zone of timeline times written without an offset, and of `--today`'s default.
    pub timezone: TimeZone,
    pub(crate) repo_url: Option<String>,
    /// `repo_branch`: the branch edit and history links name; None: the branch checked
    /// out in the repository (see `crate::history::current_branch`), else `main`.
    pub(crate) repo_branch: Option<String>,
    /// `repo_kind`: the forge's URL shapes; None: guessed from `repo_url`'s host.
    pub(crate) repo_kind: Option<crate::routes::RepoKind>,
    /// `theme`: the theme's name; files in `themes/<name>/` replace the built-in ones
    /// of the same name.
    pub theme: String,
    /// Most severe first.
    pub(crate) severities: Vec<String>,
    /// `[severity_aliases]`: other vocabularies' names (`Critical`, `P1`) for the levels
    /// in `severities`, keyed by the alias in lower case. See `severity_level`.
    pub(crate) severity_aliases: BTreeMap<String, String>,
    pub(crate) factors: BTreeMap<String, Factor>,
    /// `[services.<id>]`: the service catalog, for service pages.
    pub(crate) services: crate::catalog::Catalog,
    pub(crate) lint: Lint,
    /// `[[trackers]]`, `tickets` and `tickets_max_age_days`.
    pub tickets: crate::tickets::config::Settings,
    /// `ticket_url`: where a ticket no `[[trackers]]` entry claims links to.
    pub(crate) ticket_url: Option<crate::tickets::link::TicketUrl>,
    /// `[pagination] per_page`: rows on one page of a list that grows with the corpus.
    pub(crate) per_page: usize,
    /// `[[sources]]`: `content/` first, then the other folders postmortems are read from.
    pub sources: Vec<crate::sources::Source>,
    /// `default_visibility`: what a postmortem without `visibility` is (default internal).
    pub(crate) default_visibility: crate::model::Visibility,
    /// Keys this version does not know, passed to templates as `config.extra`.
    pub(crate) extra: serde_json::Map<String, serde_json::Value>,
}

/// Rows per list page unless site.toml says otherwise: a page of 100 rows stays well
/// under 1 MB however large the knowledge base grows.
pub(crate) const DEFAULT_PER_PAGE: usize = 100;
/// More rows than this on one page would bring back the multi-megabyte pages that
/// pagination exists to avoid.
pub(crate) const MAX_PER_PAGE: i64 = 2000;

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            title: "Postmortems".into(),
            base_url: "/".into(),
            timezone_name: "UTC".into(),
            timezone: TimeZone::UTC,
            repo_url: None,
            repo_branch: None,
            repo_kind: None,
            theme: "default".into(),
            severities: ["SEV1", "SEV2", "SEV3", "SEV4"].map(String::from).to_vec(),
            severity_aliases: BTreeMap::new(),
            factors: BTreeMap::new(),
            services: Default::default(),
            lint: Lint {
                blame_phrases: DEFAULT_BLAME_PHRASES.iter().map(|s| s.to_string()).collect(),
                vague_action_phrases: DEFAULT_VAGUE_ACTION_PHRASES.iter().map(|s| s.to_string()).collect(),
            },
            tickets: Default::default(),
            ticket_url: None,
            per_page: DEFAULT_PER_PAGE,
            sources: vec![crate::sources::Source::content()],
            default_visibility: Default::default(),
            extra: Default::default(),
        }
    }
}

#[derive(Deserialize)]
struct RawFactor {
    title: Option<String>,
    category: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
struct RawLint {
    blame_phrases: Option<Vec<String>>,
    vague_action_phrases: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPagination {
    per_page: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
struct RawConfig {
    title: Option<String>,
    base_url: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    repo_url: Option<Spanned<String>>,
    repo_branch: Option<Spanned<String>>,
    repo_kind: Option<Spanned<String>>,
    theme: Option<String>,
    severities: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    severity_aliases: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    factors: BTreeMap<String, Spanned<RawFactor>>,
    #[serde(default)]
    services: BTreeMap<String, crate::catalog::RawService>,
    lint: Option<RawLint>,
    #[serde(default)]
    trackers: Vec<crate::tickets::config::RawTracker>,
    tickets: Option<Spanned<String>>,
    tickets_max_age_days: Option<Spanned<i64>>,
    ticket_url: Option<Spanned<String>>,
    pagination: Option<RawPagination>,
    #[serde(default)]
    sources: Vec<Spanned<crate::sources::RawSource>>,
    default_visibility: Option<Spanned<String>>,
    #[serde(flatten)]
    extra: BTreeMap<String, toml::Value>,
}

/// Parses site.toml. Returns the config (defaults where values are bad) plus diagnostics.
pub fn parse(text: &str) -> (SiteConfig, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut cfg = SiteConfig::default();
    let raw: RawConfig = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let (line, col) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            let msg = e.message().trim().to_string();
            diags.push(
                Diagnostic::error(Code::ConfigSyntax, FILE, line, col, format!("site.toml is not valid: {msg}"))
                    .with_suggestion("see the site.toml section of docs/format.md for every key and its type"),
            );
            return (cfg, diags);
        }
    };
    let err = |diags: &mut Vec<Diagnostic>, span: std::ops::Range<usize>, msg: String, help: &str| {
        let (line, col) = line_col(text, span.start);
        diags.push(
            Diagnostic::error(Code::ConfigValue, FILE, line, col, msg)
                .with_width(span.len())
                .with_suggestion(help.to_string()),
        );
    };
    if let Some(t) = raw.title {
        cfg.title = t;
    }
    if let Some(b) = raw.base_url {
        let span = b.span();
        match base_url(b.get_ref()) {
            Ok(url) => cfg.base_url = url,
            Err(problem) => err(
                &mut diags,
                span,
                format!("base_url `{}` {problem}", b.get_ref().escape_debug()),
                "use a URL such as \"https://postmortems.example.internal/\" or a path such as \"/\"",
            ),
        }
    }
    if let Some(tz) = raw.timezone {
        let span = tz.span();
        let name = tz.into_inner();
        match TimeZone::get(&name) {
            Ok(z) => {
                cfg.timezone = z;
                cfg.timezone_name = name;
            }
            Err(_) => err(
                &mut diags,
                span,
                format!("unknown timezone `{name}`"),
                "use an IANA name such as \"UTC\" or \"Europe/Berlin\"",
            ),
        }
    }
    if let Some(r) = raw.repo_url {
        match crate::safe_url::http_url_problem(r.get_ref()) {
            None => cfg.repo_url = Some(r.get_ref().trim_end_matches('/').to_string()),
            Some(problem) => err(
                &mut diags,
                r.span(),
                format!("repo_url `{}` {problem}", r.get_ref().escape_debug()),
                "use the repository's web address, such as \"https://git.example.internal/sre/postmortems\"",
            ),
        }
    }
    if let Some(b) = raw.repo_branch {
        match crate::sources::branch_problem(b.get_ref()) {
            None => cfg.repo_branch = Some(b.into_inner()),
            Some(problem) => err(
                &mut diags,
                b.span(),
                format!("repo_branch `{}` {problem}", b.get_ref().escape_debug()),
                crate::sources::BRANCH_HELP,
            ),
        }
    }
    if let Some(k) = raw.repo_kind {
        match crate::routes::RepoKind::parse(k.get_ref()) {
            Some(kind) => cfg.repo_kind = Some(kind),
            None => err(
                &mut diags,
                k.span(),
                format!("repo_kind `{}` is not a forge pmsite knows", k.get_ref().escape_debug()),
                &format!("use {} (the shape of its edit and history links)", crate::routes::RepoKind::NAMES),
            ),
        }
    }
    if let Some(v) = raw.default_visibility {
        match crate::model::Visibility::parse(v.get_ref()) {
            Some(vis) => cfg.default_visibility = vis,
            None => err(
                &mut diags,
                v.span(),
                format!("default_visibility `{}` is neither public nor internal", v.get_ref().escape_debug()),
                "use \"internal\" (the default: only the internal edition shows such postmortems) or \"public\"",
            ),
        }
    }
    if let Some(t) = raw.theme {
        cfg.theme = t;
    }
    if let Some(sev) = raw.severities {
        let span = sev.span();
        let list = sev.into_inner();
        let mut seen = std::collections::HashSet::new();
        if list.is_empty() {
            err(
                &mut diags,
                span,
                "severities is empty".into(),
                "list the severities, most severe first, e.g. [\"SEV1\", \"SEV2\", \"SEV3\"]",
            );
        } else if let Some(dup) = list.iter().find(|s| !seen.insert(s.as_str())) {
            err(&mut diags, span, format!("severity `{dup}` is listed twice"), "list each severity once");
        } else {
            cfg.severities = list;
        }
    }
    cfg.severity_aliases = severity_aliases(raw.severity_aliases, &cfg.severities, text, &mut diags);
    for (id, f) in raw.factors {
        let span = f.span();
        let f = f.into_inner();
        if !is_slug(&id) {
            err(
                &mut diags,
                span.clone(),
                format!("factor id `{id}` must be lowercase letters, digits and dashes"),
                "rename it, e.g. [factors.missing-alert]",
            );
        }
        let title = match f.title {
            Some(t) if !t.trim().is_empty() => t,
            _ => {
                err(&mut diags, span, format!("factor `{id}` has no title"), "add title = \"…\" to the factor's table");
                id.clone()
            }
        };
        cfg.factors.insert(
            id.clone(),
            Factor {
                id,
                title,
                category: f.category.filter(|c| !c.trim().is_empty()).unwrap_or_else(|| "uncategorised".into()),
                description: f.description.unwrap_or_default(),
            },
        );
    }
    cfg.services = crate::catalog::parse(raw.services, text, &mut diags);
    if let Some(l) = raw.lint {
        if let Some(b) = l.blame_phrases {
            cfg.lint.blame_phrases = b;
        }
        if let Some(v) = l.vague_action_phrases {
            cfg.lint.vague_action_phrases = v;
        }
    }
    if let Some(n) = raw.pagination.and_then(|p| p.per_page) {
        match usize::try_from(*n.get_ref()) {
            Ok(v) if (1..=MAX_PER_PAGE as usize).contains(&v) => cfg.per_page = v,
            _ => err(
                &mut diags,
                n.span(),
                format!("pagination.per_page is {}; it must be between 1 and {MAX_PER_PAGE}", n.get_ref()),
                "use a number of rows per list page such as 100 (the default)",
            ),
        }
    }
    let tickets = crate::tickets::config::Raw {
        trackers: raw.trackers,
        tickets: raw.tickets,
        max_age_days: raw.tickets_max_age_days,
    };
    cfg.tickets = crate::tickets::config::parse(tickets, text, &mut diags);
    if let Some(u) = raw.ticket_url {
        match crate::tickets::link::TicketUrl::parse(u.get_ref()) {
            Ok(t) => cfg.ticket_url = Some(t),
            Err(problem) => err(
                &mut diags,
                u.span(),
                format!("ticket_url `{}` {problem}", u.get_ref().escape_debug()),
                "use an http(s) address with {ticket} where the ticket id goes, such as \"https://jira.acme.example/browse/{ticket}\"",
            ),
        }
    }
    cfg.sources = crate::sources::parse(raw.sources, text, &mut |span, msg, help| err(&mut diags, span, msg, help));
    cfg.extra = raw.extra.into_iter().filter_map(|(k, v)| serde_json::to_value(v).ok().map(|v| (k, v))).collect();
    (cfg, diags)
}

impl SiteConfig {
    /// The site level a postmortem's `severity` names: a level itself, or an alias from
    /// `[severity_aliases]` (compared ignoring case) for one.
    pub(crate) fn severity_level(&self, written: &str) -> Option<&str> {
        if let Some(level) = self.severities.iter().find(|s| *s == written) {
            return Some(level);
        }
        self.severity_aliases.get(&written.trim().to_lowercase()).map(String::as_str)
    }

    /// A severity typed on the command line (`--severity critical`): a level or an alias,
    /// both ignoring case. An unknown one is an error listing what would do.
    pub fn severity_filter(&self, written: &str) -> Result<String, String> {
        let w = written.trim();
        if let Some(level) = self.severities.iter().find(|s| s.eq_ignore_ascii_case(w)) {
            return Ok(level.clone());
        }
        if let Some(level) = self.severity_level(w) {
            return Ok(level.to_string());
        }
        let aliases: Vec<String> = self.severity_aliases.iter().map(|(a, l)| format!("{a} ({l})")).collect();
        let also = match aliases.is_empty() {
            true => String::new(),
            false => format!(", or an alias from site.toml [severity_aliases]: {}", aliases.join(", ")),
        };
        Err(format!(
            "unknown severity `{}`; use one of the levels {}{also}",
            written.escape_debug(),
            self.severities.join(", ")
        ))
    }
}

/// `[severity_aliases]`: `Critical = "SEV1"`. Each value must be one of `severities`; an
/// alias that is itself a level, or that is given twice ignoring case, is an error too,
/// at its line and column. Keys are stored in lower case.
fn severity_aliases(
    raw: BTreeMap<Spanned<String>, Spanned<String>>,
    severities: &[String],
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut entries: Vec<_> = raw.into_iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    for (alias, level) in entries {
        let mut problem = |span: std::ops::Range<usize>, msg: String, help: String| {
            let (line, col) = line_col(text, span.start);
            diags.push(
                Diagnostic::error(Code::ConfigValue, FILE, line, col, msg).with_width(span.len()).with_suggestion(help),
            );
        };
        let key = alias.get_ref().trim().to_lowercase();
        if !severities.contains(level.get_ref()) {
            problem(
                level.span(),
                format!("severity alias `{}` names `{}`, which is not a severity", alias.get_ref(), level.get_ref()),
                format!("use one of {} (site.toml `severities`)", severities.join(", ")),
            );
        } else if key.is_empty() {
            problem(alias.span(), "a severity alias is empty".into(), "name the other vocabulary's level".into());
        } else if severities.iter().any(|s| s.to_lowercase() == key) {
            problem(
                alias.span(),
                format!("severity alias `{}` is a severity itself", alias.get_ref()),
                "remove it: a level is always accepted as it is".into(),
            );
        } else if let std::collections::btree_map::Entry::Vacant(slot) = out.entry(key) {
            slot.insert(level.into_inner());
        } else {
            problem(
                alias.span(),
                format!("severity alias `{}` is given twice (aliases ignore case)", alias.get_ref()),
                "keep one of them".into(),
            );
        }
    }
    out
}

/// `base_url` (site.toml or `--base-url`) ending in `/`, or what is wrong with it. An
/// http(s) URL, or a path from the server root (`/`, `/pm/`) for a site whose host is not
/// known when it is built: either way a link, feed or header made from it stays inert.
pub fn base_url(url: &str) -> Result<String, &'static str> {
    let is_root_path = url.starts_with('/') && !url.starts_with("//");
    if is_root_path {
        let with_host = format!("http://h{url}");
        if let Some(problem) = crate::safe_url::http_url_problem(&with_host) {
            return Err(problem);
        }
    } else if let Some(problem) = crate::safe_url::http_url_problem(url) {
        return Err(if url.starts_with("//") {
            "is not an http:// or https:// URL or a path from the root"
        } else {
            problem
        });
    }
    let mut url = url.to_string();
    if !url.ends_with('/') {
        url.push('/');
    }
    Ok(url)
}

/// Lowercase ASCII letters, digits and dashes: safe in URLs and file names.
pub(crate) fn is_slug(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_contract_example() {
        let (c, d) = parse(
            "title = \"Acme\"\nbase_url = \"https://x.example/pm\"\ntimezone = \"Europe/Berlin\"\nseverities = [\"SEV1\", \"SEV2\"]\n\n[factors.missing-alert]\ntitle = \"Missing alert\"\ncategory = \"operational\"\n\n[lint]\nblame_phrases = [\"oops\"]\n\n[extra_thing]\nx = 1\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.base_url, "https://x.example/pm/");
        assert_eq!(c.timezone_name, "Europe/Berlin");
        assert_eq!(c.severities, ["SEV1", "SEV2"]);
        assert_eq!(c.factors["missing-alert"].category, "operational");
        assert_eq!(c.lint.blame_phrases, ["oops"]);
        assert!(!c.lint.vague_action_phrases.is_empty());
        assert_eq!(c.extra["extra_thing"]["x"], 1);
    }

    #[test]
    fn site_urls_must_be_http_or_a_root_path() {
        let text = "title = \"a\"\nbase_url = \"JaVaScRiPt:alert(1)//\"\nrepo_url = \"javascript:alert(1)\"\n";
        let (c, d) = parse(text);
        let places: Vec<_> = d.iter().map(|d| (d.code, d.line, d.column)).collect();
        assert_eq!(places, [(Code::ConfigValue, 2, 12), (Code::ConfigValue, 3, 12)], "{d:?}");
        assert!(d[0].message.contains("base_url") && d[1].message.contains("repo_url"), "{d:?}");
        assert_eq!((c.base_url.as_str(), c.repo_url), ("/", None), "bad values are not used");
        for bad in
            ["//evil.example/", "data:text/html,x", "https://x.example/\\u0001", "ftp://x.example/", " https://x/"]
        {
            let (_, d) = parse(&format!("base_url = \"{bad}\"\n"));
            assert_eq!(d.len(), 1, "{bad}: {d:?}");
        }
        for good in ["/", "/pm", "https://x.example", "http://localhost:8080/a/"] {
            let (c, d) = parse(&format!("base_url = \"{good}\"\n"));
            assert!(d.is_empty(), "{good}: {d:?}");
            assert!(c.base_url.ends_with('/'));
        }
    }

    #[test]
    fn ticket_url_is_checked_where_it_is_written() {
        let (c, d) = parse("title = \"a\"\nticket_url = \"https://jira.acme.example/browse/{ticket}\"\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.ticket_url.unwrap().expand("PAY-1"), "https://jira.acme.example/browse/PAY-1");
        for bad in ["https://jira.acme.example/browse/", "javascript:x({ticket})", "file:///{ticket}"] {
            let (c, d) = parse(&format!("title = \"a\"\nticket_url = \"{bad}\"\n"));
            let places: Vec<_> = d.iter().map(|d| (d.code, d.line, d.column)).collect();
            assert_eq!(places, [(Code::ConfigValue, 2, 14)], "{bad}: {d:?}");
            assert!(d[0].message.contains("ticket_url"), "{d:?}");
            assert!(c.ticket_url.is_none());
        }
    }

    #[test]
    fn per_page_is_bounded() {
        assert_eq!(parse("").0.per_page, DEFAULT_PER_PAGE);
        let (c, d) = parse("[pagination]\nper_page = 25\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.per_page, 25);
        for bad in ["0", "-3", "2001"] {
            let (c, d) = parse(&format!("title = \"a\"\n[pagination]\nper_page = {bad}\n"));
            assert_eq!(d.len(), 1, "{bad}: {d:?}");
            assert_eq!((d[0].code, d[0].line, d[0].column), (Code::ConfigValue, 3, 12), "{bad}");
            assert_eq!(c.per_page, DEFAULT_PER_PAGE, "a bad value is not used");
        }
        let (_, d) = parse("[pagination]\nper_pgae = 25\n");
        assert_eq!(d[0].code, Code::ConfigSyntax, "a misspelt key is named: {d:?}");
    }

    #[test]
    fn default_visibility_is_internal_unless_site_toml_says() {
        assert_eq!(parse("").0.default_visibility, crate::model::Visibility::Internal);
        let (c, d) = parse("default_visibility = \"public\"\n");
        assert!(d.is_empty() && c.default_visibility == crate::model::Visibility::Public);
        let (c, d) = parse("title = \"t\"\ndefault_visibility = \"secret\"\n");
        assert_eq!((d.len(), d[0].line, d[0].column), (1, 2, 22), "{d:?}");
        assert_eq!(c.default_visibility, crate::model::Visibility::Internal);
    }

    #[test]
    fn syntax_error_has_line() {
        let (_, d) = parse("title = \"a\"\nseverities = [\"SEV1\"\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, Code::ConfigSyntax);
        assert!(d[0].line >= 2, "{d:?}");
    }

    #[test]
    fn bad_values_have_lines() {
        let (_, d) = parse("title = \"a\"\ntimezone = \"Mars/Olympus\"\nseverities = []\n");
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].line, d[0].column), (2, 12));
        assert_eq!(d[1].line, 3);
    }

    #[test]
    fn command_line_severities_take_levels_and_aliases_ignoring_case() {
        let (c, d) =
            parse("severities = [\"SEV1\", \"SEV2\"]\n[severity_aliases]\nCritical = \"SEV1\"\nP2 = \"SEV2\"\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.severity_filter("critical").as_deref(), Ok("SEV1"));
        assert_eq!(c.severity_filter("CRITICAL").as_deref(), Ok("SEV1"));
        assert_eq!(c.severity_filter("p2").as_deref(), Ok("SEV2"));
        assert_eq!(c.severity_filter("sev2").as_deref(), Ok("SEV2"));
        let e = c.severity_filter("blocker").unwrap_err();
        assert!(e.contains("`blocker`") && e.contains("SEV1, SEV2") && e.contains("critical (SEV1), p2 (SEV2)"), "{e}");
        let (plain, _) = parse("severities = [\"SEV1\"]\n");
        assert!(!plain.severity_filter("x").unwrap_err().contains("alias"));
    }

    #[test]
    fn severity_aliases_map_onto_levels() {
        let (c, d) = parse("[severity_aliases]\nCritical = \"SEV1\"\nP1 = \"SEV1\"\nmajor = \"SEV2\"\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.severity_level("SEV3"), Some("SEV3"));
        assert_eq!(c.severity_level("critical"), Some("SEV1"));
        assert_eq!(c.severity_level("CRITICAL"), Some("SEV1"));
        assert_eq!(c.severity_level("Major"), Some("SEV2"));
        assert_eq!(c.severity_level("sev3"), None, "levels themselves are exact");
        assert_eq!(c.severity_level("Minor"), None);
    }

    #[test]
    fn bad_severity_aliases_are_errors_at_their_place() {
        let text = "severities = [\"SEV1\", \"SEV2\"]\n\n[severity_aliases]\nCritical = \"SEV1\"\nLow = \"SEV9\"\nsev2 = \"SEV2\"\nCRITICAL = \"SEV2\"\n";
        let (c, d) = parse(text);
        let places: Vec<_> = d.iter().map(|d| (d.code, d.line, d.column)).collect();
        assert_eq!(places, [(Code::ConfigValue, 5, 7), (Code::ConfigValue, 6, 1), (Code::ConfigValue, 7, 1)], "{d:?}");
        assert!(d[0].message.contains("`SEV9`, which is not a severity"), "{d:?}");
        assert!(d[0].suggestion.as_deref().unwrap().contains("SEV1, SEV2"), "{d:?}");
        assert!(d[1].message.contains("is a severity itself"), "{d:?}");
        assert!(d[2].message.contains("given twice"), "{d:?}");
        assert_eq!(c.severity_level("critical"), Some("SEV1"), "the good alias is kept");
        assert_eq!(c.severity_level("low"), None);
        let (_, d) = parse("[severity_aliases]\nCritical = 1\n");
        assert_eq!(d[0].code, Code::ConfigSyntax, "{d:?}");
        let (_, d) = parse("severity_aliases = \"SEV1\"\n");
        assert_eq!(d[0].code, Code::ConfigSyntax, "{d:?}");
    }

    // [[trackers]], tickets and tickets_max_age_days (crate::tickets::config).

    fn tracker_errors(toml: &str) -> Vec<(usize, String)> {
        let (_, d) = parse(toml);
        d.iter().map(|d| (d.line, d.message.clone())).collect()
    }

    #[test]
    fn every_bad_value_is_an_error_at_its_line() {
        let e = tracker_errors("tickets = \"../outside.json\"\ntickets_max_age_days = 0\n");
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].0 == 1 && e[0].1.contains("must be a path inside the knowledge base"), "{e:?}");
        assert!(e[1].0 == 2 && e[1].1.contains("at least 1"), "{e:?}");
        assert_eq!(tracker_errors("tickets = \"/etc/tickets.json\"\n").len(), 1);
        let e = tracker_errors(
            "[[trackers]]\nkind = \"gitlab\"\nurl = \"https://g.example\"\napi = \"ftp://g.example\"\nemail_env = \"E\"\nowns = []\n",
        );
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].0 == 4 && e[0].1.contains("tracker api"), "{e:?}");
        assert!(e[1].0 == 5 && e[1].1.contains("email_env is for Jira Cloud"), "{e:?}");
        assert!(e[2].0 == 6 && e[2].1.contains("owns is empty"), "{e:?}");
        let e = tracker_errors(
            "[[trackers]]\nkind = \"github\"\nurl = \"https://github.com\"\nowns = [\"acme/ops/extra\"]\n",
        );
        assert!(e.len() == 1 && e[0].1.contains("not a github repository path"), "{e:?}");
        let (_, d) = parse("[[trackers]]\nkind = \"jira\"\nowns = [\"PAY\"]\n");
        assert_eq!(d[0].code, Code::ConfigSyntax, "url is required: {d:?}");
    }

    #[test]
    fn apis_are_derived_from_the_web_address() {
        let (c, d) = parse(
            "tickets = \"t.json\"\n[[trackers]]\nkind = \"github\"\nurl = \"https://github.com/\"\nowns = [\"a/b\"]\n[[trackers]]\nkind = \"github\"\nurl = \"https://ghe.acme.example\"\nowns = [\"a/b\"]\n[[trackers]]\nkind = \"gitlab\"\nurl = \"https://gitlab.acme.example\"\nowns = [\"a/b/c\"]\n[[trackers]]\nkind = \"jira\"\nurl = \"https://acme.atlassian.net\"\napi = \"http://127.0.0.1:9/\"\nowns = [\"PAY\"]\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let apis: Vec<&str> = c.tickets.trackers.iter().map(|t| t.api.as_str()).collect();
        assert_eq!(
            apis,
            [
                "https://api.github.com",
                "https://ghe.acme.example/api/v3",
                "https://gitlab.acme.example/api/v4",
                "http://127.0.0.1:9"
            ]
        );
        assert_eq!(c.tickets.snapshot, "t.json");
        assert!(c.extra.is_empty(), "the tracker keys are not passed to templates as extra");
    }

    // [services.<id>]: the service catalog (crate::catalog).

    #[test]
    fn a_full_table_is_read() {
        let (c, d) = parse(
            "title = \"a\"\n[services.checkout-api]\nowner = \"payments\"\ntier = \"1\"\nrunbook = \"https://rb.example/checkout\"\ndashboard = \"https://grafana.example/d/checkout\"\nrepository = \"https://git.example/pay/checkout\"\ndescription = \"Takes the money.\"\n\n[services.search]\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let s = &c.services["checkout-api"];
        assert_eq!(s.owner.as_deref(), Some("payments"));
        assert_eq!((s.owner_at.line, s.owner_at.column, s.owner_at.width), (3, 9, 10));
        assert_eq!(s.tier.as_deref(), Some("1"));
        assert_eq!(s.runbook.as_deref(), Some("https://rb.example/checkout"));
        assert_eq!(s.dashboard.as_deref(), Some("https://grafana.example/d/checkout"));
        assert_eq!(s.repository.as_deref(), Some("https://git.example/pay/checkout"));
        assert_eq!(s.description.as_deref(), Some("Takes the money."));
        assert_eq!(c.services["search"], Default::default(), "every key is optional");
        assert!(!c.extra.contains_key("services"), "the catalog is not passed on as extra");
        assert!(parse("").0.services.is_empty());
    }

    #[test]
    fn bad_urls_and_empty_values_are_errors_at_their_place() {
        let text = "[services.api]\nrunbook = \"javascript:alert(1)\"\ndashboard = \"ftp://x.example/\"\nrepository = \"https://git.example/api\"\nowner = \" \"\n";
        let (c, d) = parse(text);
        let places: Vec<_> = d.iter().map(|d| (d.code, d.line, d.column)).collect();
        assert_eq!(
            places,
            [(Code::ConfigValue, 5, 9), (Code::ConfigValue, 2, 11), (Code::ConfigValue, 3, 13)],
            "{d:?}"
        );
        assert!(d[1].message.contains("services.api.runbook `javascript:alert(1)`"), "{d:?}");
        assert!(d[2].message.contains("services.api.dashboard"), "{d:?}");
        assert!(d[0].message.contains("services.api.owner is empty"), "{d:?}");
        let s = &c.services["api"];
        assert_eq!((s.runbook.as_ref(), s.dashboard.as_ref(), s.owner.as_ref()), (None, None, None));
        assert_eq!(s.repository.as_deref(), Some("https://git.example/api"), "the good value is kept");
    }

    #[test]
    fn an_unknown_key_is_named_where_it_is() {
        let (_, d) = parse("title = \"a\"\n[services.api]\nonwer = \"payments\"\n");
        assert_eq!((d.len(), d[0].code, d[0].line, d[0].column), (1, Code::ConfigSyntax, 3, 1), "{d:?}");
        assert!(d[0].message.contains("unknown field `onwer`"), "{d:?}");
    }

    #[test]
    fn services_must_be_a_table_of_tables() {
        for text in ["services = \"checkout-api\"\n", "[services]\napi = \"payments\"\n"] {
            let (c, d) = parse(text);
            assert_eq!((d.len(), d[0].code), (1, Code::ConfigSyntax), "{text}: {d:?}");
            assert!(d[0].line >= 1 && c.services.is_empty(), "{text}: {d:?}");
        }
        let (_, d) = parse("title = \"a\"\nservices = 3\n");
        assert_eq!(d[0].line, 2, "{d:?}");
    }

    #[test]
    fn owners_no_postmortem_names_are_warned_at_their_place() {
        let (c, _) = parse("[services.a]\nowner = \"payments\"\n[services.b]\nowner = \"paymnets\"\n[services.c]\n");
        let d = crate::catalog::unknown_owners(&c.services, &|t| t == "payments");
        let places: Vec<_> = d.iter().map(|d| (d.code, d.level, d.line, d.column)).collect();
        assert_eq!(places, [(Code::UnknownTeam, crate::diagnostics::Level::Warning, 4, 9)], "{d:?}");
        assert!(d[0].message.contains("services.b.owner `paymnets`"), "{d:?}");
    }
}
