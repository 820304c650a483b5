//! Front matter that other tools wrote: YAML between `---` lines (Jekyll, Hugo,
//! Docusaurus, icco/postmortems) and TOML between `+++` lines (Hugo), mapped onto the
//! format. What has a place in the format goes there (`title`, `date`, `tags`,
//! `summary`, `authors`, `services`, a severity-like field, `draft`); what has none is
//! kept as an extra field (templates see it as `page.extra`) and listed in the report.
//! A file whose front matter is pmsite's own is not imported again.

use super::*;
use serde_json::Value as J;

/// What foreign front matter says, mapped onto the format.
#[derive(Debug, Default, Clone)]
pub(super) struct Mapped {
    /// `"YAML"` or `"TOML"`.
    pub(super) format: &'static str,
    pub(super) title: Option<(String, String)>,
    pub(super) date: Option<(String, Date)>,
    pub(super) tags: Vec<String>,
    pub(super) summary: Option<String>,
    pub(super) impact: Option<String>,
    pub(super) authors: Vec<String>,
    pub(super) teams: Vec<String>,
    pub(super) services: Vec<String>,
    /// (key, value as written) of a severity-like field.
    pub(super) severity: Option<(String, String)>,
    /// `draft: true`, or a `status` of the format's own (draft, review, published).
    pub(super) status: Option<crate::model::Status>,
    /// Start and end times (`start_time`, `end_time`): (key, value, kind).
    pub(super) times: Vec<(String, String, EventKind)>,
    /// Keys with no place in the format, with their values; written as extra fields.
    pub(super) extra: Vec<(String, J)>,
    /// What was mapped from which keys, for the report.
    pub(super) notes: Vec<String>,
}

/// Splits foreign front matter from `text`: `Ok(None)` without any, else the mapping
/// and the body after it. `Err` says why the file is skipped: pmsite's own front
/// matter, or front matter that cannot be read.
pub(super) fn split(text: &str) -> Result<Option<(Mapped, &str)>, String> {
    let (fence, format) = if text.starts_with("---\n") || text == "---" {
        ("---", "YAML")
    } else if text.starts_with("+++\n") || text == "+++" {
        ("+++", "TOML")
    } else {
        return Ok(None);
    };
    let start = (fence.len() + 1).min(text.len());
    let mut offset = start;
    let mut close = None;
    while offset < text.len() {
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let l = text[offset..end].trim_end();
        if l == fence || (fence == "---" && l == "...") {
            close = Some((offset, (end + 1).min(text.len())));
            break;
        }
        offset = end + 1;
    }
    let Some((inner_end, body_start)) = close else {
        return Err(format!("its `{fence}` front matter is never closed"));
    };
    let inner = &text[start..inner_end.max(start)];
    let fields = match format {
        "YAML" => yaml_fields(inner)?,
        _ => toml_fields(inner)?,
    };
    if is_pmsite(&fields) {
        return Err(
            "it is already in pmsite's format (its front matter has title, date, severity and services, or imported_from)"
                .into(),
        );
    }
    let mut mapped = map(fields);
    mapped.format = format;
    Ok(Some((mapped, &text[body_start..])))
}

fn yaml_fields(inner: &str) -> Result<Vec<(String, J)>, String> {
    let root = crate::yaml::parse(inner)
        .map_err(|e| format!("its YAML front matter cannot be read: {} (line {})", e.message, e.pos.line + 1))?;
    match &root.value {
        crate::yaml::Value::Null => Ok(Vec::new()),
        crate::yaml::Value::Map(entries) => {
            Ok(entries.iter().filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.to_json()))).collect())
        }
        _ => Err(format!("its YAML front matter is {}, not fields", root.kind_name())),
    }
}

fn toml_fields(inner: &str) -> Result<Vec<(String, J)>, String> {
    let table: toml::Table = toml::from_str(inner).map_err(|e| {
        let line = e.span().map_or(1, |s| crate::lines::line_col(inner, s.start).0) + 1;
        format!("its TOML front matter cannot be read: {} (line {line})", e.message().trim())
    })?;
    Ok(table.into_iter().map(|(k, v)| (k, toml_json(v))).collect())
}

/// TOML values as JSON; dates and times become their RFC 3339 text.
fn toml_json(v: toml::Value) -> J {
    match v {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.into_iter().map(toml_json).collect()),
        toml::Value::Table(t) => J::Object(t.into_iter().map(|(k, v)| (k, toml_json(v))).collect()),
    }
}

/// pmsite's own front matter: all four required fields (`title`, `date`, `severity`,
/// `services`), or an earlier import's `imported_from`.
fn is_pmsite(fields: &[(String, J)]) -> bool {
    let has = |k: &str| fields.iter().any(|(key, _)| key == k);
    ["title", "date", "severity", "services"].iter().all(|k| has(k)) || has("imported_from")
}

/// `Impact Level`, `impact-level` and `impact_level` are one key.
fn norm_key(k: &str) -> String {
    k.trim().to_lowercase().replace([' ', '-'], "_")
}

/// A scalar's text: strings, numbers and booleans.
fn scalar(v: &J) -> Option<String> {
    match v {
        J::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        J::Number(n) => Some(n.to_string()),
        J::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A list of names: a list of strings (or of `{name: …}` mappings, as Docusaurus writes
/// authors), one mapping, or one string split at commas (and at spaces, where Jekyll
/// separates `tags: a b` and `categories: a b`).
fn names(v: &J, spaces_separate: bool) -> Option<Vec<String>> {
    let one = |v: &J| match v {
        J::Object(m) => ["name", "title", "id"].iter().find_map(|k| m.get(*k).and_then(scalar)),
        other => scalar(other),
    };
    let out: Vec<String> = match v {
        J::Array(items) => items.iter().map(one).collect::<Option<Vec<_>>>()?,
        J::Object(_) => vec![one(v)?],
        J::String(s) if spaces_separate && !s.contains(',') => s.split_whitespace().map(String::from).collect(),
        J::String(s) => split_list(s),
        J::Null => Vec::new(),
        other => vec![scalar(other)?],
    };
    Some(out.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
}

const TITLE: &[&str] = &["title"];
const DATE: &[&str] = &["date", "incident_date", "start_date", "started", "occurred"];
const TAGS: &[&str] = &["tags", "categories", "category", "keywords", "labels"];
const SUMMARY: &[&str] = &["summary", "description", "tldr", "tl;dr", "excerpt", "abstract"];
const AUTHORS: &[&str] = &["authors", "author"];
const TEAMS: &[&str] = &["teams", "team", "owning_team"];
const SERVICES: &[&str] = &[
    "services",
    "service",
    "product",
    "products",
    "systems",
    "system",
    "affected_services",
    "affected_systems",
    "components",
    "component",
];
const SEVERITY: &[&str] =
    &["severity", "sev", "severity_level", "incident_severity", "priority", "impact_level", "level"];
const STARTS: &[&str] = &["start_time", "started_at", "start", "begin", "began"];
const DETECTED: &[&str] = &["detected", "detected_at", "detection_time"];
const ENDS: &[&str] = &["end_time", "ended_at", "end", "resolved", "resolved_at", "resolution_time"];

pub(super) fn map(fields: Vec<(String, J)>) -> Mapped {
    let mut m = Mapped::default();
    let mut used: Vec<(&'static str, Vec<String>)> = Vec::new();
    let mut note = |what: &'static str, key: &str| match used.iter_mut().find(|(w, _)| *w == what) {
        Some((_, keys)) => keys.push(format!("`{key}`")),
        None => used.push((what, vec![format!("`{key}`")])),
    };
    for (key, value) in fields {
        let k = norm_key(&key);
        let k = k.as_str();
        let kept = if TITLE.contains(&k) && m.title.is_none() {
            scalar(&value).map(|t| m.title = Some((key.clone(), t)))
        } else if DATE.contains(&k) && m.date.is_none() {
            scalar(&value)
                .and_then(|s| when::date_at(&s, NumericOrder::DayFirst))
                .map(|(d, _, _)| m.date = Some((key.clone(), d)))
        } else if TAGS.contains(&k) {
            names(&value, k != "keywords").map(|v| m.tags.extend(v))
        } else if SUMMARY.contains(&k) && m.summary.is_none() {
            scalar(&value).map(|s| m.summary = Some(s))
        } else if k == "impact" && m.impact.is_none() {
            scalar(&value).map(|s| m.impact = Some(s))
        } else if AUTHORS.contains(&k) && m.authors.is_empty() {
            names(&value, false).map(|v| m.authors = v)
        } else if TEAMS.contains(&k) {
            names(&value, false).map(|v| m.teams.extend(v))
        } else if SERVICES.contains(&k) {
            names(&value, false).map(|v| m.services.extend(v))
        } else if SEVERITY.contains(&k) && m.severity.is_none() {
            scalar(&value).map(|s| m.severity = Some((key.clone(), s)))
        } else if k == "draft" && m.status.is_none() {
            match value {
                J::Bool(true) => m.status = Some(crate::model::Status::Draft),
                J::Bool(false) => m.status = Some(crate::model::Status::Published),
                _ => {}
            }
            m.status.map(|_| ())
        } else if k == "status" && m.status.is_none() {
            m.status = scalar(&value).and_then(|s| crate::model::Status::parse(&s.to_lowercase()));
            m.status.map(|_| ())
        } else if let Some(kind) =
            [(STARTS, EventKind::Signal), (DETECTED, EventKind::Detection), (ENDS, EventKind::Recovery)]
                .iter()
                .find(|(keys, _)| keys.contains(&k))
                .map(|(_, kind)| *kind)
        {
            scalar(&value)
                .filter(|s| when::when_at(s, NumericOrder::DayFirst).is_some_and(|(w, _)| w.date.is_some()))
                .map(|s| m.times.push((key.clone(), s, kind)))
        } else {
            None
        };
        match kept {
            Some(()) => note(what_of(k), &key),
            None => {
                // A key the format knows, holding something it cannot take (a `status`
                // of `resolved`, a `timeline` of another shape): renamed, not lost.
                let name = if frontmatter::KNOWN.contains(&key.as_str()) || key == "imported_from" {
                    format!("source_{key}")
                } else {
                    key
                };
                if !m.extra.iter().any(|(k, _)| *k == name) {
                    m.extra.push((name, value));
                }
            }
        }
    }
    for (what, keys) in used {
        m.notes.push(format!("{what} from front matter {}", keys.join(", ")));
    }
    m
}

fn what_of(k: &str) -> &'static str {
    let groups: &[(&[&str], &str)] = &[
        (TITLE, "title"),
        (DATE, "date"),
        (TAGS, "tags"),
        (SUMMARY, "summary"),
        (&["impact"], "impact"),
        (AUTHORS, "authors"),
        (TEAMS, "teams"),
        (SERVICES, "services"),
        (SEVERITY, "severity"),
        (&["draft", "status"], "status"),
        (STARTS, "timeline start"),
        (DETECTED, "timeline detection"),
        (ENDS, "timeline end"),
    ];
    groups.iter().find(|(keys, _)| keys.contains(&k)).map_or("extra", |(_, w)| w)
}

use crate::frontmatter;

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(text: &str) -> (Mapped, String) {
        let (m, body) = split(text).unwrap().unwrap();
        (m, body.to_string())
    }

    #[test]
    fn icco_style_yaml() {
        let (m, body) = mapped(
            "---\nuuid: 1234\nurl: https://example.com/x\ntitle: Storage outage\nstart_time: 2017-02-28T17:37:00Z\nend_time: 2017-02-28T21:54:00Z\ncategories:\n- automation\n- cloud\nkeywords:\n- human error\ncompany: Acme\nproduct: Acme Storage\nsummary: It broke.\n---\n\nBody\n",
        );
        assert_eq!(m.format, "YAML");
        assert_eq!(m.title.as_ref().unwrap().1, "Storage outage");
        assert_eq!(m.tags, ["automation", "cloud", "human error"]);
        assert_eq!(m.services, ["Acme Storage"]);
        assert_eq!(m.summary.as_deref(), Some("It broke."));
        assert_eq!(m.times.len(), 2);
        assert_eq!(m.times[0].2, EventKind::Signal);
        assert_eq!(m.times[1].2, EventKind::Recovery);
        let extra: Vec<&str> = m.extra.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(extra, ["uuid", "url", "company"]);
        assert_eq!(body, "\nBody\n");
        assert!(m.notes.iter().any(|n| n == "tags from front matter `categories`, `keywords`"), "{:?}", m.notes);
    }

    #[test]
    fn jekyll_hugo_and_docusaurus_shapes() {
        let (m, _) = mapped(
            "---\nlayout: post\ntitle: \"DB failover\"\ndate: 2019-03-04 10:00:00 +0100\ncategories: postmortem database\ntags: [ops]\nauthor: Jo Doe\nseverity: Critical\nstatus: resolved\ndraft: true\n---\n",
        );
        assert_eq!(m.date.as_ref().unwrap().1, jiff::civil::date(2019, 3, 4));
        assert_eq!(m.tags, ["postmortem", "database", "ops"]);
        assert_eq!(m.authors, ["Jo Doe"]);
        assert_eq!(m.severity.as_ref().unwrap().1, "Critical");
        assert_eq!(m.status, Some(crate::model::Status::Draft));
        let extra: Vec<&str> = m.extra.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(extra, ["layout", "source_status"], "a status the format cannot take is renamed");

        let (m, _) = mapped(
            "+++\ntitle = \"Cache stampede\"\ndate = 2021-06-01T08:00:00Z\ntags = [\"cache\"]\n\"Impact Level\" = \"P2\"\n[params]\nx = 1\n+++\nbody\n",
        );
        assert_eq!(m.format, "TOML");
        assert_eq!(m.date.as_ref().unwrap().1, jiff::civil::date(2021, 6, 1));
        assert_eq!(m.severity.as_ref().unwrap().1, "P2");
        assert_eq!(m.extra[0].0, "params");

        let (m, _) = mapped(
            "---\nslug: cdn\nauthors:\n  - name: Ana Khan\n    title: SRE\n  - jo\ndescription: The CDN.\nsidebar_position: 2\n---\n",
        );
        assert_eq!(m.authors, ["Ana Khan", "jo"]);
        assert_eq!(m.summary.as_deref(), Some("The CDN."));
        assert_eq!(m.extra.len(), 2);
    }

    #[test]
    fn what_is_skipped_and_why() {
        assert!(split("# No front matter\n").unwrap().is_none());
        let own = split("---\ntitle: x\ndate: 2024-01-01\nseverity: SEV1\nservices: [a]\n---\n").unwrap_err();
        assert!(split("---\ntitle: x\nseverity: Critical\nservices: [a]\n---\n").unwrap().is_some(), "no date");
        assert!(own.contains("already in pmsite's format"), "{own}");
        assert!(split("---\ntitle: x\nimported_from: a.md\n---\n").unwrap_err().contains("pmsite"));
        assert!(split("---\ntitle: x\n").unwrap_err().contains("never closed"));
        assert!(split("+++\ntitle = \"x\"\n").unwrap_err().contains("never closed"));
        let bad = split("---\ntitle: [x\n---\n").unwrap_err();
        assert!(bad.contains("YAML front matter cannot be read"), "{bad}");
        let bad = split("+++\ntitle = \n+++\n").unwrap_err();
        assert!(bad.contains("TOML front matter cannot be read") && bad.contains("line 2"), "{bad}");
        assert!(split("---\n- a\n- b\n---\n").unwrap_err().contains("a list, not fields"));
        let (m, body) = mapped("---\n---\nbody");
        assert!(m.title.is_none() && m.extra.is_empty());
        assert_eq!(body, "body");
        // Values of the wrong shape are kept, not lost.
        let (m, _) = mapped("---\ntitle: [a, b]\ndate: someday\ntimeline: 3\n---\n");
        let extra: Vec<&str> = m.extra.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(extra, ["source_title", "source_date", "source_timeline"]);
    }
}
