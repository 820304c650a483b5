//! `pmsite init` and `pmsite new`: start a knowledge base, start a postmortem.

use crate::config::SiteConfig;
pub(crate) use crate::names::slugify;
use jiff::civil::Date;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Why `init` or `new_postmortem` stopped. Files written before it stay; none is
/// ever overwritten.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("{path} already exists; pmsite never overwrites a file (choose another title or --date, or delete it)")]
    /// A file to be written is already there; nothing is overwritten.
    Exists {
        /// That file.
        path: PathBuf,
    },
    #[error("cannot write {path}: {source}")]
    /// A file or folder could not be created or written.
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    #[error("the title must contain at least one letter or digit")]
    /// The title has no letter or digit to make a file name from.
    EmptySlug,
}

fn write_new(path: &Path, text: &str) -> Result<(), ScaffoldError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| ScaffoldError::Io { path: dir.to_path_buf(), source })?;
    }
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            ScaffoldError::Exists { path: path.to_path_buf() }
        } else {
            ScaffoldError::Io { path: path.to_path_buf(), source }
        }
    })?;
    std::io::Write::write_all(&mut f, text.as_bytes())
        .map_err(|source| ScaffoldError::Io { path: path.to_path_buf(), source })
}

/// The site.toml `pmsite init` writes: the title and the lint phrase lists.
pub const DEFAULT_SITE_TOML: &str = r#"# pmsite knowledge base settings. The format is documented in docs/format.md.
title = "Postmortems"
base_url = "/"
timezone = "UTC"                     # for timeline times written without an offset
# repo_url = "https://git.example.internal/sre/postmortems"   # adds edit/history links
theme = "default"
severities = ["SEV1", "SEV2", "SEV3", "SEV4"]   # most severe first
# default_visibility = "internal"    # what `pmsite build --edition public` shows: only `visibility: public`

# Other folders of postmortems (a submodule or a checkout of a team's repository):
# [[sources]]
# path = "teams/payments"
# repo_url = "https://git.example.internal/payments/postmortems"
# teams = ["payments"]

# Contributing factors: a shared taxonomy, so patterns show across teams.
[factors.missing-alert]
title = "Missing alert"
category = "operational"
description = "No alert fired for a condition that needed a human."

[factors.noisy-alert]
title = "Noisy or ignored alert"
category = "operational"
description = "The alert fired but was lost among others or not acted on."

[factors.unclear-runbook]
title = "Unclear or missing runbook"
category = "operational"
description = "Responders had no usable procedure for the situation."

[factors.poor-visibility]
title = "Poor visibility into system state"
category = "operational"
description = "Dashboards, logs or traces could not show what was happening."

[factors.dependency-assumption]
title = "Dependency assumption"
category = "design"
description = "A service assumed behaviour of a dependency that did not hold."

[factors.no-failure-isolation]
title = "No failure isolation"
category = "design"
description = "A failure in one domain spread to others."

[factors.retry-storm]
title = "Retry storm"
category = "design"
description = "Retries multiplied load on a struggling component."

[factors.capacity-limit]
title = "Capacity limit"
category = "design"
description = "A resource limit (connections, disk, quota, memory) was reached."

[factors.untested-fallback]
title = "Untested fallback"
category = "design"
description = "A fallback path behaved differently than expected when used."

[factors.deployment]
title = "Deployment"
category = "trigger"
description = "A code rollout triggered the failure."

[factors.config-change]
title = "Configuration change"
category = "trigger"
description = "A configuration or feature-flag change triggered the failure."

[factors.expired-credential]
title = "Expired certificate or credential"
category = "trigger"
description = "A certificate, key or token expired."

[factors.third-party-outage]
title = "Third-party outage"
category = "trigger"
description = "A provider outside the organisation failed."

[factors.traffic-surge]
title = "Traffic surge"
category = "trigger"
description = "Load rose beyond what the system was sized for."

[lint]
blame_phrases = ["human error", "careless", "should have known", "negligent", "fault of", "blame"]
vague_action_phrases = ["improve monitoring", "update documentation", "be more careful", "investigate", "look into", "add more tests"]
"#;

/// The home page's text: the introduction shows on the home page, and everything from
/// the first `##` heading on is the site's guide page (`/guide/`).
const HOME: &str = "# Postmortems\n\nEvery incident here was written up blamelessly: we describe what the system allowed and what people knew at the time, so that the next person learns from it.\n\n## Adding a postmortem\n\nAdd one with `pmsite new \"What happened\" --service <service>`, preview it with `pmsite serve`, and open a merge request with `status: review` when the responders have read it.\n";

/// Creates a new knowledge base in `dir`. Returns the files written.
pub fn init(dir: &Path, today: Date) -> Result<Vec<PathBuf>, ScaffoldError> {
    let site = dir.join("site.toml");
    if site.exists() {
        return Err(ScaffoldError::Exists { path: site });
    }
    let (config, _) = crate::config::parse(DEFAULT_SITE_TOML);
    let example = postmortem_template(
        &config,
        "Example: checkout errors after a configuration change",
        &["checkout-api".into()],
        &["payments".into()],
        "SEV3",
        today,
        true,
    );
    let files = [
        (site, DEFAULT_SITE_TOML.to_string()),
        (dir.join("content/_index.md"), HOME.to_string()),
        (dir.join(format!("content/{}/{}-example-checkout-errors.md", today.year(), today)), example),
        (dir.join(".gitignore"), "/public/\n/.pmsite/\n".to_string()),
    ];
    let mut written = Vec::new();
    for (path, text) in files {
        write_new(&path, &text)?;
        written.push(path);
    }
    Ok(written)
}

/// What `pmsite new` was told about the postmortem to start.
pub struct NewPostmortem<'a> {
    /// The incident's title; its slug names the file.
    pub title: &'a str,
    /// Service names written into `services`.
    pub services: &'a [String],
    /// Team names written into `teams`.
    pub teams: &'a [String],
    /// A level of site.toml's `severities`; None writes the least severe one.
    pub severity: Option<&'a str>,
    /// The incident's date; the file is `content/<year>/<date>-<slug>.md`.
    pub date: Date,
}

/// Writes `content/<year>/<date>-<slug>.md`. Returns its path.
pub fn new_postmortem(root: &Path, config: &SiteConfig, req: &NewPostmortem) -> Result<PathBuf, ScaffoldError> {
    let slug = slugify(req.title);
    if slug.is_empty() {
        return Err(ScaffoldError::EmptySlug);
    }
    let path = root.join("content").join(req.date.year().to_string()).join(format!("{}-{slug}.md", req.date));
    let severity = req.severity.map(str::to_string).unwrap_or_else(|| {
        // The least severe level is the honest default until someone decides otherwise.
        config.severities.last().cloned().unwrap_or_else(|| "SEV3".into())
    });
    let text = postmortem_template(config, req.title, req.services, req.teams, &severity, req.date, false);
    write_new(&path, &text)?;
    Ok(path)
}

fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn yaml_list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|s| yaml_str(s)).collect::<Vec<_>>().join(", "))
}

/// The template `new` writes: every field of the format, with guidance in comments.
pub(crate) fn postmortem_template(
    config: &SiteConfig,
    title: &str,
    services: &[String],
    teams: &[String],
    severity: &str,
    date: Date,
    example: bool,
) -> String {
    let mut s = String::new();
    let services = if services.is_empty() { vec!["your-service".to_string()] } else { services.to_vec() };
    let _ = writeln!(s, "---\ntitle: {}", yaml_str(title));
    let _ = writeln!(s, "date: {date}                 # the day the incident began");
    let _ = writeln!(s, "severity: {severity}                 # one of {}", config.severities.join(", "));
    let _ = writeln!(
        s,
        "status: {}              # draft | review | published",
        if example { "published" } else { "draft" }
    );
    let _ = writeln!(s, "services: {}", yaml_list(&services));
    let _ = writeln!(s, "teams: {}", yaml_list(teams));
    let _ = writeln!(s, "authors: []\ntags: []");
    let _ = writeln!(
        s,
        "summary: {}",
        if example {
            "\"A configuration change lowered the checkout connection limit; 4% of checkouts failed for 25 minutes.\""
        } else {
            "\"\"   # one or two sentences a reader of an index page sees"
        }
    );
    let _ = writeln!(
        s,
        "impact: {}",
        if example {
            "\"4% of checkout requests failed for 25 minutes.\""
        } else {
            "\"\"    # who was affected, how much, for how long"
        }
    );
    let ids: Vec<&str> = config.factors.keys().map(String::as_str).collect();
    let _ = writeln!(s, "# Contributing factors, from site.toml: {}", ids.join(", "));
    if example {
        let _ = writeln!(
            s,
            "factors:\n  - config-change\n  - id: missing-alert\n    note: the error-rate alert only covered the payment step"
        );
    } else {
        let _ = writeln!(s, "factors: []");
    }
    let _ = writeln!(s, "# Timeline: RFC 3339 times (without an offset they are in {}).", config.timezone_name);
    let _ =
        writeln!(s, "# Kinds: signal (first sign), detection (a human knows), diagnosis, mitigation, recovery, note.");
    if example {
        let _ = writeln!(
            s,
            "timeline:\n  - at: {date}T09:58:00Z\n    kind: signal\n    text: Checkout error rate rises from 0.1% to 4%\n  - at: {date}T10:06:00Z\n    kind: detection\n    text: Support escalates customer reports to the payments on-call\n  - at: {date}T10:14:00Z\n    kind: diagnosis\n    text: The connection limit change in the morning's config release is identified\n  - at: {date}T10:17:00Z\n    kind: mitigation\n    text: Config release rolled back\n  - at: {date}T10:23:00Z\n    kind: recovery\n    text: Error rate back under 0.1%"
        );
    } else {
        let _ = writeln!(
            s,
            "timeline: []\n#  - at: {date}T14:02:00Z\n#    kind: signal\n#    text: p99 latency on checkout-api rises above 2 s"
        );
    }
    let _ = writeln!(s, "# A good action item changes the system, has an owner and a due date, and a measurable");
    let _ =
        writeln!(s, "# outcome: \"Page when pool saturation exceeds 80% for 2 minutes\", not \"improve monitoring\".");
    let _ = writeln!(s, "# type: detect | mitigate | repair | prevent | process | design");
    if example {
        let due = date.checked_add(jiff::Span::new().days(30)).unwrap_or(date);
        let _ = writeln!(
            s,
            "action_items:\n  - title: Alert when checkout error rate exceeds 1% for 3 minutes\n    owner: payments-oncall\n    due: {due}\n    status: open\n    type: detect\n    outcome: A synthetic error burst of 2% pages the on-call within 5 minutes\n    ticket: PAY-101"
        );
    } else {
        let _ = writeln!(
            s,
            "action_items: []\n#  - title: Page when pool saturation exceeds 80% for 2 minutes\n#    owner: payments-oncall\n#    due: 2024-04-01\n#    status: open\n#    type: detect\n#    outcome: A load test at 90% saturation pages within 3 minutes\n#    ticket: PAY-1234"
        );
    }
    let _ = writeln!(s, "related: []     # ids (file names without .md) of related postmortems\n---\n");
    let _ = writeln!(
        s,
        "## Summary\n\n{}\n",
        if example {
            "A routine configuration release lowered the connection limit between checkout-api and the payments database."
        } else {
            "What happened, in a paragraph."
        }
    );
    let _ = writeln!(
        s,
        "## What happened\n\nTell the story in order. Describe what people knew and what the system allowed at the time; avoid judging individuals.\n"
    );
    let _ =
        writeln!(s, "## Contributing factors\n\nWhy was this possible? Each factor above deserves a sentence here.\n");
    let _ = writeln!(s, "## What went well\n\n## Lessons learned");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Checkout latency after deploy!"), "checkout-latency-after-deploy");
        assert_eq!(slugify("  Zoë's café -- DNS  "), "zoe-s-cafe-dns");
        assert_eq!(slugify("!!!"), "");
    }

    #[test]
    fn template_is_a_valid_postmortem() {
        let (config, _) = crate::config::parse(DEFAULT_SITE_TOML);
        for example in [true, false] {
            let t = postmortem_template(
                &config,
                "A: \"quoted\" title",
                &["svc".into()],
                &[],
                "SEV3",
                "2024-05-06".parse().unwrap(),
                example,
            );
            let (pm, diags) = crate::frontmatter::parse(&t, Path::new("content/2024/x.md"), &config);
            assert!(diags.is_empty(), "{diags:?}");
            assert_eq!(pm.unwrap().title, "A: \"quoted\" title");
        }
    }
}
