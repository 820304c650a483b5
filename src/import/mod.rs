//! `pmsite import`: turn postmortems written in plain Markdown (the shapes teams
//! already use: a title heading, Summary / Timeline / Action items sections, a
//! `| Time | Event |` table) into the pmsite format, so adopting pmsite is one command.
//!
//! The original text is kept as the body; what can be read from it is lifted into the
//! front matter: title, date, severity, services, summary, impact, timeline events
//! (with kinds guessed from their words) and action items. Whatever is guessed gets a
//! `# pmsite import:` YAML comment, and whatever cannot be filled is left for
//! `pmsite check` to flag as a warning; the result is always valid. Every file gets a
//! report of what was mapped, guessed and missed. Nothing existing is overwritten.
//!
//! Reading is line based (see `text`), with hand-written date and time scanners (see
//! `when`) and word lists for guesses (see `guess`). This module converts one text;
//! `sections` reads a document's shape, `events` its timeline, `items` its action items,
//! and `files` runs over files and folders and writes the report.

mod events;
mod facts;
mod files;
mod foreign;
mod guess;
mod items;
mod prose;
mod sections;
mod text;
mod when;

use events::*;
pub use files::{import, render_report};
use items::*;
use sections::*;

use crate::config::SiteConfig;
use crate::model::{ActionStatus, EventKind, Status};
use crate::names::slugify;
use jiff::civil::Date;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use text::{Table, has_word, plain};
use when::{NumericOrder, When, Zone};

/// Where imported files go and whether to write them.
#[derive(Debug, Clone)]
pub struct Options {
    /// The folder that receives `<year>/<date>-<slug>.md` (usually `content/`).
    pub into: PathBuf,
    /// Report what would be written without writing.
    pub dry_run: bool,
}

/// What happened to one source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Written to `target` (in a dry run: would be).
    Imported {
        /// The new postmortem's path, under `Options::into`.
        target: PathBuf,
    },
    /// A postmortem with the same id already exists there; nothing was written.
    Exists {
        /// The postmortem file already there.
        existing: PathBuf,
    },
    /// Not a postmortem to import: a licence, a README, a template, not Markdown.
    Skipped {
        /// Why, for the report.
        reason: String,
    },
    /// Could not be read or written.
    Failed {
        /// The error, for the report.
        reason: String,
    },
}

/// One source file's result.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The source file, as found under the paths given to `import`.
    pub source: PathBuf,
    /// Whether it was written, and where or why not.
    pub outcome: Outcome,
    /// The converted title; None when the file was not converted.
    pub(crate) title: Option<String>,
    /// The converted incident date; None when the file was not converted.
    pub(crate) date: Option<Date>,
    /// Kinds of the timeline events mapped, in time order.
    pub(crate) events: Vec<EventKind>,
    /// Action items converted.
    pub(crate) action_items: usize,
    /// Notes on what was read and from where (`title "..." (first heading)`).
    pub mapped: Vec<String>,
    /// Notes on what was guessed, for a person to check.
    pub guessed: Vec<String>,
    /// Notes on what the source lacked or what was left out.
    pub unmapped: Vec<String>,
    /// The converted file (front matter and body).
    pub text: Option<String>,
}

impl FileReport {
    fn new(source: &Path, outcome: Outcome) -> Self {
        FileReport {
            source: source.to_path_buf(),
            outcome,
            title: None,
            date: None,
            events: Vec::new(),
            action_items: 0,
            mapped: Vec::new(),
            guessed: Vec::new(),
            unmapped: Vec::new(),
            text: None,
        }
    }
}

/// The result of an import run.
#[derive(Debug, Clone)]
pub struct Report {
    /// One per source file, sorted by path.
    pub files: Vec<FileReport>,
    /// Nothing was written (`--dry-run`).
    pub(crate) dry_run: bool,
}

impl Report {
    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.files.iter().filter(|r| f(&r.outcome)).count()
    }
    /// Files written (in a dry run: that would be).
    pub fn imported(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Imported { .. }))
    }
    /// Files that could not be read or written.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed { .. }))
    }
    /// Timeline events in imported files.
    pub(crate) fn events(&self) -> usize {
        self.imported_files().map(|f| f.events.len()).sum()
    }
    /// Action items in imported files.
    pub(crate) fn action_items(&self) -> usize {
        self.imported_files().map(|f| f.action_items).sum()
    }
    fn imported_files(&self) -> impl Iterator<Item = &FileReport> {
        self.files.iter().filter(|f| matches!(f.outcome, Outcome::Imported { .. }))
    }
}

/// A timeline event as it will be written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Event {
    /// RFC 3339, with an offset when the source named a zone, else local (site zone).
    pub(crate) at: String,
    /// Given by the source, else guessed from the event's words.
    pub(crate) kind: EventKind,
    /// What happened, as plain text.
    pub(crate) text: String,
}

/// An action item as it will be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// What is to be done.
    pub title: String,
    /// Who owns it, when the source says.
    pub(crate) owner: Option<String>,
    /// When it is due, when the source gives a date.
    pub due: Option<Date>,
    /// Open unless the source says otherwise (a ticked box, a status column or word).
    pub status: ActionStatus,
    /// A ticket reference the source names.
    pub(crate) ticket: Option<String>,
}

/// One postmortem, converted.
#[derive(Debug, Clone)]
pub struct Converted {
    /// From the front matter, else the first heading, else the file name.
    pub(crate) title: String,
    /// The incident's date: from the front matter, a `Date:` line, the file name or the
    /// text; `convert`'s `fallback_date` when none gives one.
    pub(crate) date: Date,
    /// A level of site.toml's `severities`; the least severe when the source names none.
    pub(crate) severity: String,
    /// `published` unless foreign front matter said `draft: true` (or a status of the format's).
    pub(crate) status: Status,
    /// Empty: the placeholder `unknown-service` is written.
    pub(crate) services: Vec<String>,
    /// Team slugs from the front matter or a labelled line (`Team:`, `Owning team:`).
    pub(crate) teams: Vec<String>,
    /// Names from the front matter or a labelled line (`Author:`, `Written by:`), as
    /// written.
    pub(crate) authors: Vec<String>,
    /// Tag slugs from the front matter or a labelled line (`Tags:`, `Labels:`).
    pub(crate) tags: Vec<String>,
    /// From the front matter, a `Summary:` line or a Summary section.
    pub(crate) summary: Option<String>,
    /// From the front matter, an `Impact:` line or an Impact section.
    pub(crate) impact: Option<String>,
    /// Events from the timeline table or list, in time order.
    pub(crate) timeline: Vec<Event>,
    /// Items from the action items section.
    pub action_items: Vec<Item>,
    /// The Markdown body: the source without its title heading.
    pub(crate) body: String,
    /// The source file's name, kept as `imported_from`.
    pub(crate) source_name: String,
    /// Foreign front matter keys with no place in the format, written as extra fields.
    pub(crate) extra: Vec<(String, serde_json::Value)>,
    /// Notes on what was read and from where, for the report.
    pub(crate) mapped: Vec<String>,
    /// Notes on what was guessed, for a person to check.
    pub(crate) guessed: Vec<String>,
    /// Notes on what the source lacked or what was left out.
    pub(crate) unmapped: Vec<String>,
    date_comment: Option<String>,
    severity_comment: Option<String>,
}

/// The placeholder service for postmortems that name none.
pub(crate) const UNKNOWN_SERVICE: &str = "unknown-service";

/// Converts one Markdown postmortem. `source_name` is its file name (for the title,
/// the date and `imported_from`); `fallback_date` is used when no date can be read.
/// Returns why the file is skipped when it is not a postmortem to import.
pub fn convert(text: &str, source_name: &str, config: &SiteConfig, fallback_date: Date) -> Result<Converted, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).replace("\r\n", "\n");
    let (front, text) = match foreign::split(&text)? {
        Some((front, body)) => (Some(front), body.to_string()),
        None => (None, text),
    };
    if text.trim().is_empty() && front.as_ref().is_none_or(|f| f.title.is_none()) {
        return Err("the file is empty".into());
    }
    let front = front.unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let code = text::code_mask(&lines);
    let heads = text::headings(&lines, &code);
    let (mut mapped, mut guessed, mut unmapped) = (Vec::new(), Vec::new(), Vec::new());

    // Title: the first heading, unless it names a section or says only "Postmortem".
    let first = heads.first();
    if let Some(reason) = template_reason(source_name, &text, first.map(|h| h.text.as_str())) {
        return Err(reason);
    }
    let title_heading = match &front.title {
        // The front matter names the title: a first heading that repeats it is lifted out.
        Some((_, t)) => first.filter(|h| h.text.trim().eq_ignore_ascii_case(t.trim())),
        None => first.filter(|h| !h.text.is_empty() && !is_section_name(&h.text) && !is_generic_title(&h.text)),
    };
    let title = match (&front.title, title_heading) {
        (Some((key, t)), _) => {
            mapped.push(format!("title \"{t}\" (front matter `{key}`)"));
            t.clone()
        }
        (None, Some(h)) => {
            let t = tidy_title(&h.text);
            mapped.push(format!("title \"{t}\" (first heading)"));
            t
        }
        (None, None) => {
            let t = title_from_file_name(source_name);
            let t = if t.is_empty() { md_stem(source_name).to_string() } else { t };
            mapped.push(format!("title \"{t}\" (file name)"));
            t
        }
    };
    let sections = sections(&heads, title_heading.map(|h| h.line), lines.len());
    let all_tables = text::tables(&lines, &code, 0..lines.len());
    let in_table = text::table_lines(&lines, &code, 0..lines.len());
    let meta = meta(&lines, &code, &in_table, &all_tables);
    let order = when::numeric_order(&text);

    // Date: a `Date:` line, a full date in the file name, or the first date in the text
    // (of the file name's year, when it gives one).
    let mut date_comment = None;
    // Dates in the prose, not in code or comments (templates keep examples there).
    let visible: String = lines.iter().zip(&code).filter(|(_, c)| !**c).map(|(l, _)| *l).collect::<Vec<_>>().join("\n");
    let text_dates = when::find_dates(&visible, order);
    let front_start = front.times.iter().find_map(|(k, v, _)| Some((k, when::date_at(v, order)?.0)));
    let date = if let Some((key, d)) = &front.date {
        mapped.push(format!("date {d} (front matter `{key}`)"));
        *d
    } else if let Some((key, d)) = front_start {
        mapped.push(format!("date {d} (front matter `{key}`)"));
        d
    } else if let Some((key, d)) = meta
        .get(&["date", "incident date", "date of incident", "started", "start date", "occurred"])
        .and_then(|(k, v)| Some((k, when::date_at(v.trim(), order)?.0)))
    {
        mapped.push(format!("date {d} (\"{key}:\" line)"));
        d
    } else if let Some(d) = date_in_name(source_name) {
        mapped.push(format!("date {d} (file name)"));
        d
    } else if let Some(year) = year_in_name(source_name) {
        match text_dates.iter().find(|f| f.date.year() == year) {
            Some(f) => {
                guessed.push(format!(
                    "date {} (the file name gives only {year}; the first {year} date in the text)",
                    f.date
                ));
                f.date
            }
            None => {
                let d = Date::new(year, 1, 1).unwrap_or(fallback_date);
                guessed.push(format!("date {d} (the file name gives only {year} and the text has no {year} date)"));
                date_comment = Some(format!("pmsite import: only the year {year} is known; set the day"));
                d
            }
        }
    } else if let Some(f) = text_dates.first() {
        guessed.push(format!("date {} (the first date in the text)", f.date));
        f.date
    } else {
        guessed.push(format!("date {fallback_date} (no date in the file name or text: the file's modification date)"));
        date_comment = Some("pmsite import: guessed from the file's modification date".into());
        fallback_date
    };
    if text_dates.iter().any(|f| f.assumed_order) {
        guessed.push(format!(
            "numeric dates read {} (nothing in the text decides the order)",
            match order {
                NumericOrder::DayFirst => "day first (04/03/2021 = 4 March)",
                NumericOrder::MonthFirst => "month first (04/03/2021 = April 3)",
            }
        ));
    }

    let doc_zone = when::zone_named_in(&text);
    let mut timeline = timeline(
        &lines,
        &code,
        &in_table,
        &sections,
        date,
        doc_zone.as_ref(),
        order,
        config,
        (&mut mapped, &mut guessed, &mut unmapped),
    );
    // Header facts (`Detected:`, `Resolved:`) and front matter start and end times.
    let mut timed = facts::header_facts(&meta);
    timed.extend(front.times.iter().map(|(k, v, kind)| (k.clone(), v.clone(), *kind, "front matter")));
    let had_events = !timeline.is_empty();
    let notes = facts::add_events(&mut timeline, &timed, date, doc_zone.as_ref(), order, config);
    if !had_events && !timeline.is_empty() {
        unmapped.retain(|n| !n.starts_with("timeline: no table"));
    }
    mapped.extend(notes);
    let action_items = action_items(&lines, &code, &in_table, &sections, order, (&mut mapped, &mut unmapped));

    // Severity: a `Severity:` line, a SEV-n mention, else the least severe level.
    let mut severity_comment = None;
    let least = config.severities.last().cloned().unwrap_or_else(|| "SEV3".into());
    let written = front
        .severity
        .as_ref()
        .map(|(k, v)| (format!("front matter `{k}: {v}`"), v.to_string()))
        .or_else(|| {
            meta.get(&[
                "severity",
                "sev",
                "severity level",
                "incident severity",
                "priority",
                "incident priority",
                "impact level",
                "level",
            ])
            .map(|(k, v)| (format!("\"{k}: {v}\""), v.to_string()))
        })
        .or_else(|| guess::severity_mention(&text).map(|m| (format!("\"{m}\" in the text"), m)));
    let severity = match written {
        Some((from, value)) => match config.severity_level(value.trim().trim_matches(['`', '*'])) {
            Some(s) => {
                let how =
                    if s == value.trim().trim_matches(['`', '*']) { "" } else { ", site.toml [severity_aliases]" };
                mapped.push(format!("severity {s} (from {from}{how})"));
                s.to_string()
            }
            None => match guess::severity(&value, &config.severities) {
                Some(s) => {
                    mapped.push(format!("severity {s} (from {from})"));
                    s
                }
                None => {
                    unmapped.push(format!(
                        "severity: {from} is none of site.toml's {} (nor a [severity_aliases] name); wrote {least}",
                        config.severities.join(", ")
                    ));
                    severity_comment = Some(format!("pmsite import: guessed; the source says {value}"));
                    least
                }
            },
        },
        None => {
            guessed.push(format!("severity {least} (nothing in the text; the least severe level)"));
            severity_comment = Some("pmsite import: guessed".into());
            least
        }
    };

    let from_front = |v: &[String]| slugs(v.to_vec());
    let services = from_front(&front.services);
    let services = if !services.is_empty() {
        services
    } else {
        slugs(
            meta.get(&[
                "services",
                "service",
                "affected services",
                "affected service",
                "affected systems",
                "affected system",
                "systems affected",
                "services affected",
                "impacted services",
                "affected components",
                "components",
                "component",
                "systems",
                "system",
            ])
            .map(|(_, v)| split_list(v))
            .unwrap_or_default(),
        )
    };
    if services.is_empty() {
        unmapped.push(format!(
            "services: none named (no \"Services:\" or \"Affected systems:\" line); wrote the placeholder {UNKNOWN_SERVICE}"
        ));
    } else {
        mapped.push(format!("services {}", services.join(", ")));
    }
    let either = |front: &[String], body: Vec<String>| if front.is_empty() { body } else { front.to_vec() };
    let teams = slugs(either(
        &front.teams,
        meta.get(&["team", "teams", "owning team", "owning teams", "responsible team"])
            .map(|(_, v)| split_list(v))
            .unwrap_or_default(),
    ));
    let authors: Vec<String> = either(
        &front.authors,
        meta.get(&["author", "authors", "written by", "prepared by", "postmortem owner", "incident commander"])
            .map(|(_, v)| split_list(v))
            .unwrap_or_default(),
    );
    let tags = slugs(either(
        &front.tags,
        meta.get(&["tags", "labels", "category", "categories"])
            .map(|(_, v)| vec![v.to_string()].into_iter().flat_map(|v| split_list(&v.replace('/', " "))).collect())
            .unwrap_or_default(),
    ));
    for (what, v) in [("teams", &teams), ("authors", &authors), ("tags", &tags)] {
        if !v.is_empty() {
            mapped.push(format!("{what} {}", v.join(", ")));
        }
    }

    let first_section_para = |kind: SectionKind| {
        sections.iter().filter(|s| s.kind == kind).find_map(|s| text::first_paragraph(&lines, &code, s.range.clone()))
    };
    let summary = front
        .summary
        .clone()
        .or_else(|| first_section_para(SectionKind::Summary))
        .or_else(|| meta.get(&["summary", "tl;dr", "tldr"]).map(|(_, v)| v.to_string()))
        .or_else(|| {
            // Prose between the title and the first section.
            let start = title_heading.map_or(0, |h| h.line + h.lines);
            let end = sections.first().map_or(lines.len(), |s| s.range.start.saturating_sub(1));
            text::first_paragraph(&lines, &code, start..end.max(start))
        })
        .map(|s| text::shorten(&s, 300));
    let impact = front
        .impact
        .clone()
        .or_else(|| first_section_para(SectionKind::Impact))
        .or_else(|| meta.get(&["impact", "customer impact", "user impact"]).map(|(_, v)| v.to_string()))
        .map(|s| text::shorten(&s, 300));
    for (what, v) in [("summary", &summary), ("impact", &impact)] {
        if v.is_some() {
            mapped.push(what.to_string());
        } else {
            unmapped.push(format!("{what}: no {} section", if what == "summary" { "Summary" } else { "Impact" }));
        }
    }
    if sections.iter().any(|s| s.kind == SectionKind::Factors) {
        unmapped.push("contributing factors: kept in the body; add their site.toml ids under `factors:`".into());
    }

    // Body: everything but the title heading.
    let mut body_lines: Vec<&str> = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        if title_heading.is_some_and(|h| i >= h.line && i < h.line + h.lines) {
            continue;
        }
        body_lines.push(l);
    }
    let body = body_lines.join("\n").trim_matches('\n').to_string() + "\n";

    // What the foreign front matter said, for the report.
    if !front.format.is_empty() {
        mapped.push(format!("{} front matter read", front.format));
    }
    let said = ["title ", "date ", "severity "];
    mapped.extend(front.notes.iter().filter(|n| !said.iter().any(|s| n.starts_with(s))).cloned());
    if !front.extra.is_empty() {
        let keys: Vec<String> = front.extra.iter().map(|(k, _)| format!("`{k}`")).collect();
        unmapped.push(format!(
            "front matter {} with no place in the format: kept as extra fields (templates see them as page.extra)",
            keys.join(", ")
        ));
    }

    Ok(Converted {
        title,
        date,
        severity,
        services,
        teams,
        authors,
        tags,
        summary,
        impact,
        timeline,
        action_items,
        body,
        source_name: source_name.to_string(),
        status: front.status.unwrap_or(Status::Published),
        extra: front.extra,
        mapped,
        guessed,
        unmapped,
        date_comment,
        severity_comment,
    })
}

impl Converted {
    /// `<date>-<slug>`: the id the file will have.
    pub(crate) fn id(&self) -> String {
        let slug = slugify(&self.title);
        let slug = if slug.is_empty() { slugify(md_stem(&self.source_name)) } else { slug };
        let slug = if slug.is_empty() { "imported".to_string() } else { slug };
        format!("{}-{slug}", self.date)
    }

    /// The file: front matter and body.
    pub fn render(&self, config: &SiteConfig) -> String {
        let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
        let list = |v: &[String]| format!("[{}]", v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", "));
        let comment = |c: &Option<String>| c.as_ref().map(|c| format!("   # {c}")).unwrap_or_default();
        let mut s = String::from("---\n");
        let _ = writeln!(s, "title: {}", q(&self.title));
        let _ = writeln!(s, "date: {}{}", self.date, comment(&self.date_comment));
        let _ = writeln!(s, "severity: {}{}", q(&self.severity), comment(&self.severity_comment));
        let _ = writeln!(s, "status: {}", self.status.as_str());
        if self.services.is_empty() {
            let _ =
                writeln!(s, "services: [{UNKNOWN_SERVICE}]   # pmsite import: placeholder; name the affected services");
        } else {
            let _ = writeln!(s, "services: {}", list(&self.services));
        }
        for (key, v) in [("teams", &self.teams), ("authors", &self.authors), ("tags", &self.tags)] {
            if !v.is_empty() {
                let _ = writeln!(s, "{key}: {}", list(v));
            }
        }
        for (key, v) in [("summary", &self.summary), ("impact", &self.impact)] {
            if let Some(v) = v {
                let _ = writeln!(s, "{key}: {}", q(v));
            }
        }
        let ids: Vec<&str> = config.factors.keys().map(String::as_str).collect();
        if !ids.is_empty() {
            let _ = writeln!(
                s,
                "# pmsite import: name the contributing factors with ids from site.toml: {}",
                ids.join(", ")
            );
        }
        let _ = writeln!(s, "factors: []");
        if !self.timeline.is_empty() {
            let _ = writeln!(s, "timeline:");
            for e in &self.timeline {
                let _ = writeln!(s, "  - at: {}\n    kind: {}\n    text: {}", e.at, e.kind.as_str(), q(&e.text));
            }
        }
        if !self.action_items.is_empty() {
            let _ = writeln!(s, "action_items:");
            for i in &self.action_items {
                let _ = writeln!(s, "  - title: {}", q(&i.title));
                if let Some(o) = &i.owner {
                    let _ = writeln!(s, "    owner: {}", q(o));
                }
                if let Some(d) = i.due {
                    let _ = writeln!(s, "    due: {d}");
                }
                let _ = writeln!(s, "    status: {}", i.status.as_str());
                if let Some(t) = &i.ticket {
                    let _ = writeln!(s, "    ticket: {}", q(t));
                }
            }
        }
        for (key, value) in &self.extra {
            let simple = key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                && key.starts_with(|c: char| c.is_ascii_alphabetic());
            let key = if simple { key.clone() } else { q(key) };
            let value = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
            let _ = writeln!(s, "{key}: {value}");
        }
        let _ = writeln!(s, "imported_from: {}", q(&self.source_name));
        s.push_str("---\n\n");
        s.push_str(&self.body);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SiteConfig {
        crate::config::parse(crate::scaffold::DEFAULT_SITE_TOML).0
    }

    fn conv(text: &str, name: &str) -> Converted {
        convert(text, name, &config(), jiff::civil::date(2020, 1, 1)).unwrap()
    }

    fn valid(c: &Converted) -> crate::model::Postmortem {
        let text = c.render(&config());
        let (pm, diags) = crate::frontmatter::parse(&text, Path::new("content/x.md"), &config());
        assert!(diags.is_empty(), "{diags:?}\n{text}");
        pm.unwrap()
    }

    #[test]
    fn list_timeline_and_task_list() {
        let c = conv(
            "# DB outage\n\nSeverity: SEV-2\nAffected systems: Checkout API, payments-db\n\n## Summary\n\nThe DB fell over.\n\n## Timeline (UTC)\n\n- 14:02: latency rises\n- **14:10** - on-call paged\n- 14:20 UTC: root cause identified\n- 14:25 — rolled back the deploy\n- 14:40: error rate back to normal\n\n## Action items\n\n- [ ] Add a pool alert @ana (PAY-12)\n- [x] Write a runbook (owner: sre)\n- [ ] \n",
            "2024-03-12-db.md",
        );
        assert_eq!(c.title, "DB outage");
        assert_eq!(c.date, jiff::civil::date(2024, 3, 12));
        assert_eq!(c.severity, "SEV2");
        assert_eq!(c.services, vec!["checkout-api", "payments-db"]);
        let kinds: Vec<&str> = c.timeline.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["signal", "detection", "diagnosis", "mitigation", "recovery"]);
        assert_eq!(c.timeline[0].at, "2024-03-12T14:02:00Z");
        assert_eq!(c.action_items.len(), 2);
        assert_eq!(c.action_items[0].owner.as_deref(), Some("ana"));
        assert_eq!(c.action_items[0].ticket.as_deref(), Some("PAY-12"));
        assert_eq!(c.action_items[1].status, ActionStatus::Done);
        assert_eq!(c.action_items[1].owner.as_deref(), Some("sre"));
        let pm = valid(&c);
        assert_eq!(pm.timeline.len(), 5);
        assert!(!c.body.contains("# DB outage"));
    }

    #[test]
    fn timelines_written_without_colons() {
        let c = conv(
            "# Checkout outage\n\nIn 2019 we had 1500 orders a minute.\n\n## Timeline (UTC)\n\n- 1405 - error rate alert fired\n- 1412: on-call engineer paged\n- 14h30 – rolled back the deploy\n- 9.05 pm - error rate back to normal\n- 11 pm - incident closed\n\n2019 - the year the service was written\n\n1500 requests per second were dropped.\n",
            "2024-03-12-checkout.md",
        );
        let at: Vec<&str> = c.timeline.iter().map(|e| e.at.as_str()).collect();
        assert_eq!(
            at,
            [
                "2024-03-12T14:05:00Z",
                "2024-03-12T14:12:00Z",
                "2024-03-12T14:30:00Z",
                "2024-03-12T21:05:00Z",
                "2024-03-12T23:00:00Z"
            ],
            "the year and the count are not times: {:?}",
            c.timeline
        );
        let t = conv(
            "# Queue backlog\n\n## Timeline\n\n| Time (UTC) | Requests | Event |\n|---|---|---|\n| 0930 | 1500 | Backlog alert fired |\n| 1015 | 2019 | Consumers scaled up |\n",
            "2023-06-01-queue.md",
        );
        let at: Vec<&str> = t.timeline.iter().map(|e| e.at.as_str()).collect();
        assert_eq!(at, ["2023-06-01T09:30:00Z", "2023-06-01T10:15:00Z"], "{:?}", t.timeline);
        assert!(t.timeline[1].text.contains("scaled up"), "{:?}", t.timeline);
    }

    #[test]
    fn table_in_any_column_order_with_owner_column() {
        let c = conv(
            "Incident report\n===============\n\nIt broke on March 4, 2021.\n\n## Timeline\n\n| Event | When (CET) |\n|---|---|\n| Alert fired | 2021-03-04 10:00 |\n| Service restored | 2021-03-04 10:30 |\n\n## Follow-up actions\n\n| Action | Owner | Due |\n|---|---|---|\n| Page on saturation | @ops | 2021-04-01 |\n",
            "outage.md",
        );
        assert_eq!(c.title, "Outage", "a generic heading gives way to the file name");
        assert_eq!(c.date, jiff::civil::date(2021, 3, 4));
        assert_eq!(c.timeline[0].at, "2021-03-04T10:00:00+01:00");
        assert_eq!(c.timeline[0].kind, EventKind::Detection);
        assert_eq!(c.timeline[1].kind, EventKind::Recovery);
        assert_eq!(c.action_items[0].owner.as_deref(), Some("ops"));
        assert_eq!(c.action_items[0].due, Some(jiff::civil::date(2021, 4, 1)));
        valid(&c);
    }

    #[test]
    fn guesses_are_marked_and_output_is_valid() {
        let c = conv("# Something odd\n\nNo dates here, no severity.\n", "PM2019-004 - odd.md");
        assert_eq!(c.date, jiff::civil::date(2019, 1, 1));
        assert_eq!(c.severity, "SEV4");
        let text = c.render(&config());
        assert!(text.contains("severity: \"SEV4\"   # pmsite import: guessed"));
        assert!(text.contains("services: [unknown-service]   # pmsite import: placeholder"));
        assert!(text.contains("date: 2019-01-01   # pmsite import"));
        let pm = valid(&c);
        assert_eq!(pm.extra["imported_from"], "PM2019-004 - odd.md");
    }

    #[test]
    fn templates_and_front_matter_are_skipped() {
        let tpl = "# Incident Title\n\n| Time | Event |\n|---|---|\n| 20xx-MM-DD HH:mm | Short event description |\n\n- Category: XXX\n- Time to detection: YYY\n";
        let err =
            convert(tpl, "PMyyyy-nnn - Postmortem template.md", &config(), jiff::civil::date(2020, 1, 1)).unwrap_err();
        assert!(err.contains("template") && err.contains("hh:mm"), "{err}");
        let own = "---\ntitle: x\ndate: 2024-01-01\nseverity: SEV1\nservices: [a]\n---\n";
        let err = convert(own, "a.md", &config(), jiff::civil::date(2020, 1, 1)).unwrap_err();
        assert!(err.contains("already in pmsite's format"), "{err}");
        let err = convert("---\n---\n\n", "a.md", &config(), jiff::civil::date(2020, 1, 1)).unwrap_err();
        assert!(err.contains("empty"), "{err}");
    }

    #[test]
    fn foreign_front_matter_wins_and_the_rest_is_extra() {
        let c = conv(
            "---\nlayout: post\ntitle: Cache outage\ndate: 2021-06-01 10:00:00 +0200\ncategories: cdn ops\nauthor: Jo\nseverity: Critical\nstatus: resolved\ndraft: true\n\"odd key\": {a: [1, 2]}\n---\n\n# Cache outage\n\nSeverity: SEV3\n\n## Timeline\n\n- 14:02 alerts fire\n",
            "x.md",
        );
        assert_eq!((c.title.as_str(), c.date), ("Cache outage", jiff::civil::date(2021, 6, 1)));
        assert_eq!(c.tags, ["cdn", "ops"]);
        assert_eq!(c.authors, ["Jo"]);
        assert_eq!(c.status, Status::Draft);
        assert_eq!(c.severity, "SEV4", "Critical is no level of the default site, and has no alias there");
        assert!(c.unmapped.iter().any(|n| n.contains("`layout`, `source_status`, `odd key`")), "{:?}", c.unmapped);
        assert!(!c.body.contains("# Cache outage"), "the heading repeating the title is lifted out");
        let text = c.render(&config());
        assert!(text.contains("layout: \"post\"\nsource_status: \"resolved\"\n\"odd key\": {\"a\":[1,2]}\n"), "{text}");
        let pm = valid(&c);
        assert_eq!(pm.extra["odd key"]["a"][1], 2);
        assert_eq!(pm.status, Status::Draft);

        let mut aliased = config();
        aliased.severity_aliases.insert("critical".into(), "SEV1".into());
        let c = convert(
            "+++\ntitle = \"T\"\ndate = 2021-06-01\npriority = \"critical\"\n+++\nbody\n",
            "x.md",
            &aliased,
            jiff::civil::date(2020, 1, 1),
        )
        .unwrap();
        assert_eq!(c.severity, "SEV1");
        assert!(c.mapped.iter().any(|n| n.contains("[severity_aliases]")), "{:?}", c.mapped);
        assert!(c.mapped.iter().any(|n| n == "TOML front matter read"), "{:?}", c.mapped);
    }

    #[test]
    fn several_incidents_in_one_file() {
        let c = conv(
            "# Two\n\n### 2022-07-01 - Validation outage\n\n* `23:27` - alert fires\n* `01:54` - pipeline restored\n\n### 2022-07-04 - Disk full\n\n* `06:01` - run fails\n",
            "x.md",
        );
        let got: Vec<(&str, &str)> = c.timeline.iter().map(|e| (e.at.as_str(), e.text.as_str())).collect();
        assert_eq!(
            got,
            [
                ("2022-07-01T23:27:00", "Validation outage: alert fires"),
                ("2022-07-02T01:54:00", "Validation outage: pipeline restored"),
                ("2022-07-04T06:01:00", "Disk full: run fails"),
            ]
        );
        assert!(c.mapped.iter().any(|n| n.starts_with("2 incidents in one file")), "{:?}", c.mapped);
        assert!(c.guessed.iter().any(|n| n.contains("next day")), "{:?}", c.guessed);
        valid(&c);
    }

    #[test]
    fn header_facts_become_fields_and_events() {
        let c = conv(
            "# Listener down\n\n| **Systems** | `Foel`, `Elan` |\n|---|---|\n| **Detected** | `2022-04-28 10:34` |\n| **Resolved** | `2022-04-29 12:01` |\n| **Team** | `SW` |\n\nSeverity: 2\n",
            "x.md",
        );
        assert_eq!(c.services, ["foel", "elan"]);
        assert_eq!(c.teams, ["sw"]);
        assert_eq!(c.severity, "SEV2");
        let got: Vec<(&str, EventKind)> = c.timeline.iter().map(|e| (e.at.as_str(), e.kind)).collect();
        assert_eq!(got, [("2022-04-28T10:34:00", EventKind::Detection), ("2022-04-29T12:01:00", EventKind::Recovery)]);
        assert!(!c.unmapped.iter().any(|n| n.starts_with("timeline:")), "{:?}", c.unmapped);
        valid(&c);
    }

    #[test]
    fn file_names() {
        assert_eq!(title_from_file_name("PM2021-004 - ADFS outage.md"), "ADFS outage");
        assert_eq!(title_from_file_name("2021-03-04-db-failover.md"), "Db failover");
        assert_eq!(title_from_file_name("0011-argocd-key-mismatch.md"), "Argocd key mismatch");
        assert_eq!(title_from_file_name("20220420_foel_prod_failure.md"), "Foel prod failure");
        assert_eq!(title_from_file_name("404.md"), "404");
        assert_eq!(
            tidy_title("Retrospective: Spot Requests Pending Forever - 2018-01-19"),
            "Spot Requests Pending Forever"
        );
        assert_eq!(tidy_title("AWS Provisioner \"stuck\" 2016-07-21"), "AWS Provisioner \"stuck\"");
        assert_eq!(tidy_title("Postmortem: 2021-03-04"), "Postmortem: 2021-03-04");
        assert_eq!(tidy_title("2021-03-04 DB failover"), "2021-03-04 DB failover");
        assert_eq!(date_in_name("20210304_db.md"), Some(jiff::civil::date(2021, 3, 4)));
        assert_eq!(date_in_name("PM2021-004 - x.md"), None);
        assert_eq!(year_in_name("PM2021-004 - x.md"), Some(2021));
        assert_eq!(not_a_postmortem("LICENSE"), Some("a licence file"));
        assert!(not_a_postmortem("README.md").is_some());
        assert!(looks_like_markdown("PM2022-009 - Bad AWS EKS AMI causing Kubernetes issues", "# Bad AMI\n"));
        assert!(!looks_like_markdown("logo.png", "# x"));
    }
}
