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
//! `when`) and word lists for guesses (see `guess`).

mod guess;
mod text;
mod when;

use crate::config::SiteConfig;
use crate::model::{ActionStatus, EventKind};
use crate::scaffold::slugify;
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
    Imported { target: PathBuf },
    /// A postmortem with the same id already exists there; nothing was written.
    Exists { existing: PathBuf },
    /// Not a postmortem to import: a licence, a README, a template, not Markdown.
    Skipped { reason: String },
    /// Could not be read or written.
    Failed { reason: String },
}

/// One source file's result.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub source: PathBuf,
    pub outcome: Outcome,
    pub title: Option<String>,
    pub date: Option<Date>,
    /// Kinds of the timeline events mapped, in time order.
    pub events: Vec<EventKind>,
    pub action_items: usize,
    pub mapped: Vec<String>,
    pub guessed: Vec<String>,
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
    pub files: Vec<FileReport>,
    pub dry_run: bool,
}

impl Report {
    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.files.iter().filter(|r| f(&r.outcome)).count()
    }
    pub fn imported(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Imported { .. }))
    }
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed { .. }))
    }
    /// Timeline events in imported files.
    pub fn events(&self) -> usize {
        self.imported_files().map(|f| f.events.len()).sum()
    }
    /// Action items in imported files.
    pub fn action_items(&self) -> usize {
        self.imported_files().map(|f| f.action_items).sum()
    }
    fn imported_files(&self) -> impl Iterator<Item = &FileReport> {
        self.files.iter().filter(|f| matches!(f.outcome, Outcome::Imported { .. }))
    }
}

/// A timeline event as it will be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// RFC 3339, with an offset when the source named a zone, else local (site zone).
    pub at: String,
    pub kind: EventKind,
    pub text: String,
}

/// An action item as it will be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub title: String,
    pub owner: Option<String>,
    pub due: Option<Date>,
    pub status: ActionStatus,
    pub ticket: Option<String>,
}

/// One postmortem, converted.
#[derive(Debug, Clone)]
pub struct Converted {
    pub title: String,
    pub date: Date,
    pub severity: String,
    /// Empty: the placeholder `unknown-service` is written.
    pub services: Vec<String>,
    pub teams: Vec<String>,
    pub authors: Vec<String>,
    pub tags: Vec<String>,
    pub summary: Option<String>,
    pub impact: Option<String>,
    pub timeline: Vec<Event>,
    pub action_items: Vec<Item>,
    /// The Markdown body: the source without its title heading.
    pub body: String,
    /// The source file's name, kept as `imported_from`.
    pub source_name: String,
    pub mapped: Vec<String>,
    pub guessed: Vec<String>,
    pub unmapped: Vec<String>,
    date_comment: Option<String>,
    severity_comment: Option<String>,
}

/// The placeholder service for postmortems that name none.
pub const UNKNOWN_SERVICE: &str = "unknown-service";

// ---------------------------------------------------------------------------
// Sections

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SectionKind {
    Summary,
    Impact,
    Timeline,
    Factors,
    Actions,
    Lessons,
    Other,
}

fn section_kind(heading: &str) -> SectionKind {
    let h = heading.to_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| has_word(&h, w));
    if any(&["timeline", "time line", "chronology", "sequence of events"]) {
        SectionKind::Timeline
    } else if any(&[
        "action item*",
        "actions",
        "action plan",
        "follow-up*",
        "follow up*",
        "followup*",
        "next steps",
        "remediation*",
        "corrective",
        "todo",
        "to do",
        "to-do",
    ]) {
        SectionKind::Actions
    } else if any(&["impact"]) {
        SectionKind::Impact
    } else if any(&["contributing", "root cause*", "causes", "cause", "why"]) {
        SectionKind::Factors
    } else if any(&["summary", "overview", "tl;dr", "tldr", "description"]) {
        SectionKind::Summary
    } else if any(&["lesson*", "learning*", "went well", "went wrong", "takeaways"]) {
        SectionKind::Lessons
    } else {
        SectionKind::Other
    }
}

/// Headings that name a section rather than the incident.
fn is_section_name(heading: &str) -> bool {
    let h = heading.to_lowercase();
    section_kind(&h) != SectionKind::Other
        || [
            "attendees",
            "participants",
            "stats",
            "statistics",
            "metrics",
            "references",
            "appendix",
            "detection",
            "resolution",
            "background",
            "details",
        ]
        .iter()
        .any(|w| has_word(&h, w))
}

/// Headings that say "this is a postmortem" rather than what happened.
fn is_generic_title(heading: &str) -> bool {
    let h: String = heading.to_lowercase().chars().filter(|c| c.is_alphanumeric()).collect();
    [
        "postmortem",
        "postmortemreport",
        "incidentreport",
        "incidentpostmortem",
        "incidentreview",
        "incident",
        "untitled",
        "incidenttitle",
        "title",
        "rca",
        "rootcauseanalysis",
    ]
    .contains(&h.as_str())
}

#[derive(Debug, Clone)]
struct Section {
    kind: SectionKind,
    heading: String,
    /// The section's lines after its heading, up to the next heading of the same or a
    /// higher level.
    range: Range<usize>,
}

fn sections(heads: &[text::Heading], skip: Option<usize>, n_lines: usize) -> Vec<Section> {
    let mut out = Vec::new();
    for (k, h) in heads.iter().enumerate() {
        if Some(h.line) == skip {
            continue;
        }
        let end =
            heads[k + 1..].iter().find(|n| n.level <= h.level && Some(n.line) != skip).map_or(n_lines, |n| n.line);
        out.push(Section {
            kind: section_kind(&h.text),
            heading: h.text.clone(),
            range: (h.line + h.lines).min(end)..end,
        });
    }
    out
}

// ---------------------------------------------------------------------------
// Whole files

/// Markdown extensions; other files in a folder are looked at for Markdown structure.
const MD_EXTENSIONS: &[&str] = &["md", "markdown", "mdown", "mkd", "mkdn", "mdwn"];

fn md_stem(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((stem, ext)) if MD_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) => stem,
        _ => name,
    }
}

/// Files of a repository that are not postmortems.
fn not_a_postmortem(name: &str) -> Option<&'static str> {
    let stem = md_stem(name).to_ascii_uppercase();
    let stem = stem.split('.').next().unwrap_or("");
    match stem {
        "LICENSE" | "LICENCE" | "COPYING" | "NOTICE" => Some("a licence file"),
        "README" | "INDEX" | "_INDEX" => Some("a README or index, not a postmortem"),
        "CHANGELOG" | "CONTRIBUTING" | "CODE_OF_CONDUCT" | "SECURITY" | "AUTHORS" | "CODEOWNERS" => {
            Some("repository documentation, not a postmortem")
        }
        _ => None,
    }
}

/// Whether a file found in a folder looks like Markdown worth importing.
fn looks_like_markdown(name: &str, text: &str) -> bool {
    if let Some((_, ext)) = name.rsplit_once('.') {
        let ext = ext.to_ascii_lowercase();
        if MD_EXTENSIONS.contains(&ext.as_str()) || ext == "txt" {
            return true;
        }
        // "PM2022-009 - Bad AWS EKS AMI causing Kubernetes issues" has no extension,
        // but "v1.2 outage" looks like one: only well-known other types are ruled out.
        if ext.len() <= 4 && ext.chars().all(|c| c.is_ascii_alphanumeric()) && !ext.chars().any(|c| c.is_ascii_digit())
        {
            return false;
        }
    }
    let lines: Vec<&str> = text.lines().take(60).collect();
    lines.iter().any(|l| text::atx_heading(l).is_some())
        || lines.windows(2).any(|w| w[0].contains('|') && text::is_delimiter_row(w[1]))
}

/// Why a text is a template rather than a postmortem, if it is one: its placeholders.
fn template_reason(name: &str, text: &str, title: Option<&str>) -> Option<String> {
    let lower = text.to_lowercase();
    const PLACEHOLDERS: &[&str] = &[
        "20xx",
        "yyyy",
        "mm-dd",
        "hh:mm",
        "xxx",
        "yyy",
        "zzz",
        "short event description",
        "incident title",
        "<title>",
        "{{",
        "[title]",
        "lorem ipsum",
        "your-service",
        "todo:",
    ];
    let found: Vec<&str> = PLACEHOLDERS.iter().copied().filter(|p| lower.contains(p)).collect();
    let placeholder_title = title.is_some_and(|t| {
        let t = t.to_lowercase();
        t.contains("template") || ["incident title", "title", "<title>", "[title]"].contains(&t.trim())
    });
    if found.len() >= 4 || (placeholder_title && !found.is_empty()) {
        return Some(format!("a template (placeholders: {})", found.join(", ")));
    }
    if md_stem(name).to_lowercase().contains("template") || placeholder_title {
        return Some("a template (by its name)".into());
    }
    None
}

/// Title from a file name: `PM2021-004 - ADFS outage.md` -> `ADFS outage`.
fn title_from_file_name(name: &str) -> String {
    let mut stem = md_stem(name).trim();
    if let Some((id, rest)) = stem.split_once(" - ")
        && !id.trim().contains(' ')
        && id.chars().any(|c| c.is_ascii_digit())
    {
        stem = rest.trim();
    }
    if let Some((_, n, _)) = when::date_at(stem, NumericOrder::DayFirst) {
        stem = stem[n..].trim_start_matches([' ', '-', '_', '.']);
    }
    let words: String = if stem.contains(' ') { stem.to_string() } else { stem.replace(['-', '_'], " ") };
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A full date in a file name (`2021-03-04-db.md`, `20210304_db.md`).
fn date_in_name(name: &str) -> Option<Date> {
    if let Some(f) = when::find_dates(name, NumericOrder::DayFirst).into_iter().next() {
        return Some(f.date);
    }
    let b = name.as_bytes();
    (0..b.len().saturating_sub(7)).find_map(|i| {
        let run = &b[i..i + 8];
        let bounded = (i == 0 || !b[i - 1].is_ascii_digit()) && !b.get(i + 8).is_some_and(u8::is_ascii_digit);
        if !bounded || !run.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n: i32 = name[i..i + 8].parse().ok()?;
        let (y, m, d) = (n / 10000, n / 100 % 100, n % 100);
        if !(1990..=2100).contains(&y) {
            return None;
        }
        Date::new(y as i16, m as i8, d as i8).ok()
    })
}

/// A year in a file name that carries no full date (`PM2021-004`).
fn year_in_name(name: &str) -> Option<i16> {
    let b = name.as_bytes();
    (0..b.len().saturating_sub(3)).find_map(|i| {
        let bounded = (i == 0 || !b[i - 1].is_ascii_digit()) && !b.get(i + 4).is_some_and(u8::is_ascii_digit);
        if !bounded || !b[i..i + 4].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let y: i16 = name[i..i + 4].parse().ok()?;
        (1990..=2100).contains(&y).then_some(y)
    })
}

/// The values of `Key: value` lines and two-column key/value table rows.
struct Meta {
    entries: Vec<(String, String)>,
}

impl Meta {
    fn get(&self, keys: &[&str]) -> Option<(&str, &str)> {
        self.entries
            .iter()
            .find(|(k, v)| !v.is_empty() && keys.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

fn meta(lines: &[&str], code: &[bool], in_table: &[bool], tables: &[Table]) -> Meta {
    let mut entries = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if !code[i] && !in_table[i] && text::atx_heading(l).is_none() {
            entries.extend(text::key_value(l));
        }
    }
    for t in tables.iter().filter(|t| t.header.len() == 2) {
        // A key/value table: | Severity | SEV-2 | (the header row is a pair too).
        for row in std::iter::once(&t.header).chain(t.rows.iter().map(|(_, r)| r)) {
            if let [k, v] = row.as_slice() {
                let k = plain(k).trim_end_matches(':').to_lowercase();
                entries.push((k, plain(v)));
            }
        }
    }
    Meta { entries }
}

fn split_list(value: &str) -> Vec<String> {
    value
        .split([',', ';', '/'])
        .flat_map(|s| s.split(" and "))
        .map(|s| s.trim().trim_matches(['`', '"', '\'', '.']).trim().to_string())
        .filter(|s| !s.is_empty() && !matches!(s.to_lowercase().as_str(), "n/a" | "none" | "unknown" | "tbd" | "-"))
        .collect()
}

fn slugs(values: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let s = slugify(&v);
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Converts one Markdown postmortem. `source_name` is its file name (for the title,
/// the date and `imported_from`); `fallback_date` is used when no date can be read.
/// Returns why the file is skipped when it is not a postmortem to import.
pub fn convert(text: &str, source_name: &str, config: &SiteConfig, fallback_date: Date) -> Result<Converted, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).replace("\r\n", "\n");
    if text.starts_with("---\n") {
        return Err("it already has front matter (is it a pmsite postmortem already?)".into());
    }
    if text.trim().is_empty() {
        return Err("the file is empty".into());
    }
    let lines: Vec<&str> = text.lines().collect();
    let code = text::code_mask(&lines);
    let heads = text::headings(&lines, &code);
    let (mut mapped, mut guessed, mut unmapped) = (Vec::new(), Vec::new(), Vec::new());

    // Title: the first heading, unless it names a section or says only "Postmortem".
    let first = heads.first();
    if let Some(reason) = template_reason(source_name, &text, first.map(|h| h.text.as_str())) {
        return Err(reason);
    }
    let title_heading = first.filter(|h| !h.text.is_empty() && !is_section_name(&h.text) && !is_generic_title(&h.text));
    let title = match title_heading {
        Some(h) => {
            mapped.push(format!("title \"{}\" (first heading)", h.text));
            h.text.clone()
        }
        None => {
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
    let text_dates = when::find_dates(&text, order);
    let date = if let Some((key, d)) = meta
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
    let timeline = timeline(
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
    let action_items = action_items(&lines, &code, &in_table, &sections, order, (&mut mapped, &mut unmapped));

    // Severity: a `Severity:` line, a SEV-n mention, else the least severe level.
    let mut severity_comment = None;
    let least = config.severities.last().cloned().unwrap_or_else(|| "SEV3".into());
    let written = meta
        .get(&["severity", "sev", "severity level", "incident severity", "priority", "incident priority", "level"])
        .map(|(k, v)| (format!("\"{k}: {v}\""), v.to_string()))
        .or_else(|| guess::severity_mention(&text).map(|m| (format!("\"{m}\" in the text"), m)));
    let severity = match written {
        Some((from, value)) => match guess::severity(&value, &config.severities) {
            Some(s) => {
                mapped.push(format!("severity {s} (from {from})"));
                s
            }
            None => {
                unmapped.push(format!(
                    "severity: {from} is none of site.toml's {}; wrote {least}",
                    config.severities.join(", ")
                ));
                severity_comment = Some(format!("pmsite import: guessed; the source says {value}"));
                least
            }
        },
        None => {
            guessed.push(format!("severity {least} (nothing in the text; the least severe level)"));
            severity_comment = Some("pmsite import: guessed".into());
            least
        }
    };

    let services = slugs(
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
    );
    if services.is_empty() {
        unmapped.push(format!(
            "services: none named (no \"Services:\" or \"Affected systems:\" line); wrote the placeholder {UNKNOWN_SERVICE}"
        ));
    } else {
        mapped.push(format!("services {}", services.join(", ")));
    }
    let teams = slugs(
        meta.get(&["team", "teams", "owning team", "owning teams", "responsible team"])
            .map(|(_, v)| split_list(v))
            .unwrap_or_default(),
    );
    let authors: Vec<String> = meta
        .get(&["author", "authors", "written by", "prepared by", "postmortem owner", "incident commander"])
        .map(|(_, v)| split_list(v))
        .unwrap_or_default();
    let tags = slugs(
        meta.get(&["tags", "labels", "category", "categories"])
            .map(|(_, v)| vec![v.to_string()].into_iter().flat_map(|v| split_list(&v.replace('/', " "))).collect())
            .unwrap_or_default(),
    );
    for (what, v) in [("teams", &teams), ("authors", &authors), ("tags", &tags)] {
        if !v.is_empty() {
            mapped.push(format!("{what} {}", v.join(", ")));
        }
    }

    let first_section_para = |kind: SectionKind| {
        sections.iter().filter(|s| s.kind == kind).find_map(|s| text::first_paragraph(&lines, &code, s.range.clone()))
    };
    let summary = first_section_para(SectionKind::Summary)
        .or_else(|| meta.get(&["summary", "tl;dr", "tldr"]).map(|(_, v)| v.to_string()))
        .or_else(|| {
            // Prose between the title and the first section.
            let start = title_heading.map_or(0, |h| h.line + h.lines);
            let end = sections.first().map_or(lines.len(), |s| s.range.start.saturating_sub(1));
            text::first_paragraph(&lines, &code, start..end.max(start))
        })
        .map(|s| text::shorten(&s, 300));
    let impact = first_section_para(SectionKind::Impact)
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
        mapped,
        guessed,
        unmapped,
        date_comment,
        severity_comment,
    })
}

type Notes<'a> = (&'a mut Vec<String>, &'a mut Vec<String>, &'a mut Vec<String>);

/// A row or line of a timeline before its time is resolved.
struct RawEvent {
    line: usize,
    when: When,
    text: String,
    zone: Option<Zone>,
}

/// Event texts that are template leftovers, not events.
fn is_placeholder_text(t: &str) -> bool {
    let l = t.to_lowercase();
    l.is_empty()
        || l == "short event description"
        || l == "short event description."
        || l == "..."
        || l == "…"
        || l == "-"
}

#[allow(clippy::too_many_arguments)]
fn timeline(
    lines: &[&str],
    code: &[bool],
    in_table: &[bool],
    sections: &[Section],
    incident_date: Date,
    doc_zone: Option<&Zone>,
    order: NumericOrder,
    config: &SiteConfig,
    (mapped, guessed, unmapped): Notes,
) -> Vec<Event> {
    let timeline_sections: Vec<&Section> = sections.iter().filter(|s| s.kind == SectionKind::Timeline).collect();
    let whole = Section { kind: SectionKind::Timeline, heading: String::new(), range: 0..lines.len() };
    let (scopes, in_section) =
        if timeline_sections.is_empty() { (vec![&whole], false) } else { (timeline_sections, true) };
    let mut raw: Vec<RawEvent> = Vec::new();
    let mut unparsed: Vec<String> = Vec::new();
    let mut placeholder_rows = 0;
    let mut zone_source: Option<String> = None;
    for scope in scopes {
        // "All times in CET." in the section, or "(UTC)" in its heading.
        let prose: String =
            scope.range.clone().filter(|&i| !in_table[i] && !code[i]).map(|i| lines[i]).collect::<Vec<_>>().join("\n");
        let section_zone = when::zone_named_in(&format!("{}\n{prose}", scope.heading))
            .or_else(|| scope.heading.find('(').and_then(|p| when::zone_at(&scope.heading[p..]).map(|(z, _)| z)));
        for table in text::tables(lines, code, scope.range.clone()) {
            let date_col =
                table.column(&["date", "day"], &[]).filter(|&c| !has_word(&table.header[c].to_lowercase(), "time"));
            let time_col = table
                .column(&["time", "when", "timestamp", "utc"], date_col.as_slice())
                .or(date_col)
                .or(in_section.then_some(0));
            let Some(time_col) = time_col else { continue };
            let date_col = date_col.filter(|&c| c != time_col);
            let used: Vec<usize> = [Some(time_col), date_col].into_iter().flatten().collect();
            let event_col = table
                .column(
                    &[
                        "event",
                        "events",
                        "description",
                        "what",
                        "happened",
                        "action",
                        "details",
                        "activity",
                        "update",
                        "summary",
                        "note",
                        "notes",
                        "message",
                        "text",
                    ],
                    &used,
                )
                .or_else(|| (0..table.header.len()).find(|c| !used.contains(c)));
            let Some(event_col) = event_col else { continue };
            let header_zone = when::zone_named_in(&table.header.join(" | ")).or_else(|| {
                // `| When (CET) | Event |`
                table.header.iter().find_map(|h| h.find('(').and_then(|p| when::zone_at(&h[p..]).map(|(z, _)| z)))
            });
            for (line, row) in &table.rows {
                let event = plain(row.get(event_col).map_or("", String::as_str));
                if is_placeholder_text(&event) {
                    placeholder_rows += 1;
                    continue;
                }
                let time_cell = row.get(time_col).map_or("", String::as_str);
                let when_text = match date_col.and_then(|c| row.get(c)) {
                    Some(d) => format!("{d} {time_cell}"),
                    None => time_cell.to_string(),
                };
                match when::when_at(&when_text, order) {
                    Some((w, _)) if w.date.is_some() || w.time.is_some() => raw.push(RawEvent {
                        line: *line,
                        when: w,
                        text: event,
                        zone: header_zone.clone().or_else(|| section_zone.clone()),
                    }),
                    _ => unparsed.push(when_text.trim().to_string()),
                }
            }
        }
        if !in_section {
            continue;
        }
        // Lists and lines: `- 14:02 UTC: text`, `**14:02** - text`, `14:02 text`.
        for i in scope.range.clone() {
            if code[i] || in_table[i] || lines[i].trim().is_empty() {
                continue;
            }
            let l = lines[i];
            let t = match text::list_marker(l) {
                Some((_, start)) => &l[start..],
                None => text::atx_heading(l).map_or(l, |(_, t)| t),
            };
            let t = t.trim();
            let (w, rest) = match emphasised_when(t, order) {
                Some(found) => found,
                None => match when::when_at(t, order) {
                    Some((w, n)) => (w, &t[n..]),
                    None => continue,
                },
            };
            let rest = rest.trim_start_matches([' ', ':', '-', '–', '—', '|', ',', '*', '_']).trim();
            let event = plain(rest);
            if event.is_empty() {
                if w.date.is_some() && w.time.is_none() {
                    // A date line that the following times belong to.
                    raw.push(RawEvent { line: i, when: w, text: String::new(), zone: None });
                }
                continue;
            }
            if is_placeholder_text(&event) {
                placeholder_rows += 1;
                continue;
            }
            raw.push(RawEvent { line: i, when: w, text: event, zone: section_zone.clone() });
        }
    }
    raw.sort_by_key(|r| r.line);

    // Resolve dates (a time without one belongs to the last date written above it, else
    // the incident's day) and zones (the event's, its table's or section's, the file's).
    let mut current = None;
    let mut events: Vec<(jiff::Timestamp, Event)> = Vec::new();
    let (mut date_only, mut approximate, mut undated) = (0, 0, 0);
    let mut unzoned = false;
    for r in raw {
        if let Some(d) = r.when.date {
            current = Some(d);
        }
        if r.text.is_empty() {
            continue;
        }
        if r.when.date.is_none() && current.is_none() {
            undated += 1;
        }
        let dt = r.when.datetime(current.unwrap_or(incident_date));
        if r.when.time.is_none() {
            date_only += 1;
        } else if r.when.approximate {
            approximate += 1;
        }
        let zone = r.when.zone.clone().or(r.zone).or_else(|| doc_zone.cloned());
        let (at, ts) = match &zone {
            Some(z) => {
                if zone_source.is_none() {
                    zone_source = Some(z.label.clone());
                }
                let Ok(ts) = z.tz.to_ambiguous_timestamp(dt).compatible() else {
                    continue;
                };
                (format!("{}{}", dt.strftime("%Y-%m-%dT%H:%M:%S"), offset_text(z.tz.to_offset(ts))), ts)
            }
            None => {
                unzoned = true;
                let Ok(ts) = config.timezone.to_ambiguous_timestamp(dt).compatible() else {
                    continue;
                };
                (dt.strftime("%Y-%m-%dT%H:%M:%S").to_string(), ts)
            }
        };
        let (kind, text) = match guess::kind_label(&r.text) {
            Some((k, rest)) if !rest.is_empty() => (k, rest),
            _ => (guess::event_kind(&r.text), r.text),
        };
        events.push((ts, Event { at, kind, text }));
    }
    events.sort_by_key(|(ts, _)| *ts);
    let mut events: Vec<Event> = events.into_iter().map(|(_, e)| e).collect();
    if let Some(first) = events.first_mut()
        && first.kind == EventKind::Note
    {
        first.kind = EventKind::Signal;
    }

    if events.is_empty() {
        unmapped.push("timeline: no table or list with times".into());
    } else {
        let mut kinds: BTreeMap<EventKind, usize> = BTreeMap::new();
        for e in &events {
            *kinds.entry(e.kind).or_default() += 1;
        }
        let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {}", k.as_str())).collect();
        mapped.push(format!(
            "{} ({}; kinds guessed from their words)",
            plural(events.len(), "timeline event"),
            kinds.join(", ")
        ));
        match (&zone_source, unzoned) {
            (Some(z), false) => mapped.push(format!("times in {z}, as the text says")),
            (Some(z), true) => guessed.push(format!(
                "times without a zone read in the site's timezone {} (others in {z})",
                config.timezone_name
            )),
            (None, _) => guessed
                .push(format!("times read in the site's timezone {} (the text names none)", config.timezone_name)),
        }
    }
    if date_only > 0 {
        guessed.push(format!("no time of day for {}: placed at 00:00", plural(date_only, "timeline event")));
    }
    if approximate > 0 {
        guessed.push(format!("approximate times (`~`, `14:??`) for {}", plural(approximate, "timeline event")));
    }
    if undated > 0 {
        guessed.push(format!("no date for {}: placed on the incident's day", plural(undated, "timeline time")));
    }
    if placeholder_rows > 0 {
        unmapped.push(format!("{} left from a template skipped", plural(placeholder_rows, "timeline row")));
    }
    if !unparsed.is_empty() {
        let shown: Vec<String> = unparsed.iter().take(3).map(|u| format!("\"{u}\"")).collect();
        unmapped.push(format!(
            "{} without a usable time ({}{}): kept in the body only",
            plural(unparsed.len(), "timeline row"),
            shown.join(", "),
            if unparsed.len() > 3 { ", …" } else { "" }
        ));
    }
    events
}

/// A time wrapped in emphasis or code at the start of a line: `**14:02** - text`.
fn emphasised_when(t: &str, order: NumericOrder) -> Option<(When, &str)> {
    let marker = ["**", "__", "`", "*", "_"].into_iter().find(|m| t.starts_with(m))?;
    let inner_start = marker.len();
    let close = t[inner_start..].find(marker)? + inner_start;
    let inner = &t[inner_start..close];
    let (w, n) = when::when_at(inner, order)?;
    // The emphasis may hold the time only (`**14:02**`) or a label too (`**14:02 Detected**`).
    let rest_inner = inner[n..].trim();
    let rest = &t[close + marker.len()..];
    if rest_inner.is_empty() {
        Some((w, rest))
    } else {
        // Re-join: the label inside the emphasis is part of the text.
        let joined_start = t.find(rest_inner)?;
        Some((w, &t[joined_start..]))
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

fn offset_text(offset: jiff::tz::Offset) -> String {
    let secs = offset.seconds();
    if secs == 0 {
        return "Z".into();
    }
    let sign = if secs < 0 { '-' } else { '+' };
    let secs = secs.abs();
    format!("{sign}{:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

fn action_items(
    lines: &[&str],
    code: &[bool],
    in_table: &[bool],
    sections: &[Section],
    order: NumericOrder,
    (mapped, unmapped): (&mut Vec<String>, &mut Vec<String>),
) -> Vec<Item> {
    let scopes: Vec<Range<usize>> =
        sections.iter().filter(|s| s.kind == SectionKind::Actions).map(|s| s.range.clone()).collect();
    let mut items = Vec::new();
    if scopes.is_empty() {
        // No action section: task list items anywhere are action items.
        for li in text::list_items(lines, code, 0..lines.len()) {
            if let (Some(done), false) = (li.task, in_table[li.line]) {
                items.extend(item_from_text(&li.text, Some(done), order));
            }
        }
    }
    for scope in &scopes {
        for table in text::tables(lines, code, scope.clone()) {
            let owner = table.column(&["owner", "owners", "assignee", "who", "responsible", "assigned"], &[]);
            let used: Vec<usize> = owner.into_iter().collect();
            let due = table.column(&["due", "deadline", "eta", "target", "by"], &used);
            let used: Vec<usize> = used.into_iter().chain(due).collect();
            let status = table.column(&["status", "state", "done", "progress"], &used);
            let used: Vec<usize> = used.into_iter().chain(status).collect();
            let ticket = table.column(&["ticket", "issue", "jira", "link", "tracking", "bug", "pr"], &used);
            let used: Vec<usize> = used.into_iter().chain(ticket).collect();
            let title = table
                .column(
                    &["action*", "item", "task", "description", "what", "title", "follow*", "todo", "remediation"],
                    &used,
                )
                .or_else(|| (0..table.header.len()).find(|c| !used.contains(c)));
            let Some(title_col) = title else { continue };
            for (_, row) in &table.rows {
                let cell = |c: Option<usize>| c.and_then(|c| row.get(c)).map(|s| plain(s)).filter(|s| !s.is_empty());
                let Some(mut item) = cell(Some(title_col)).and_then(|t| item_from_text(&t, None, order)) else {
                    continue;
                };
                if let Some(o) = cell(owner).filter(|o| !matches!(o.to_lowercase().as_str(), "tbd" | "n/a" | "-" | "?"))
                {
                    item.owner = Some(o.trim_start_matches('@').to_string());
                }
                if let Some(d) = cell(due).and_then(|d| when::date_at(d.trim(), order).map(|(d, _, _)| d)) {
                    item.due = Some(d);
                }
                if let Some(s) = cell(status).and_then(|s| guess::status_cell(&s)) {
                    item.status = s;
                }
                if let Some(t) = cell(ticket) {
                    item.ticket = Some(t);
                }
                items.push(item);
            }
        }
        let list: Vec<text::ListItem> =
            text::list_items(lines, code, scope.clone()).into_iter().filter(|li| !in_table[li.line]).collect();
        // Top-level items only: nested ones are details of their parent.
        let Some(base) = list.iter().map(|li| li.indent).min() else {
            continue;
        };
        for li in list.iter().filter(|li| li.indent <= base + 1) {
            items.extend(item_from_text(&li.text, li.task, order));
        }
    }
    if items.is_empty() {
        if !scopes.is_empty() {
            unmapped.push("action items: the Action items section has no list or table items".into());
        }
    } else {
        let owned = items.iter().filter(|i| i.owner.is_some()).count();
        let due = items.iter().filter(|i| i.due.is_some()).count();
        mapped.push(format!("{} ({owned} with an owner, {due} with a due date)", plural(items.len(), "action item")));
        if owned < items.len() || due < items.len() {
            unmapped.push(format!(
                "action items: {} without an owner, {} without a due date (`pmsite check` lists them)",
                items.len() - owned,
                items.len() - due
            ));
        }
    }
    items
}

/// An action item from a list item or table cell, or `None` for an empty or
/// placeholder entry.
fn item_from_text(raw: &str, task: Option<bool>, order: NumericOrder) -> Option<Item> {
    let (status, t) = guess::status_in(raw);
    let (owner, t) = guess::owner_in(&t);
    let ticket = guess::ticket_in(&t);
    let due = due_in(&t, order);
    // `**Do the thing**: why it matters` -> the bold part is the title.
    let bold_title = t.strip_prefix("**").and_then(|rest| {
        let end = rest.find("**")?;
        let title = rest[..end].trim().trim_end_matches(':').trim();
        (title.split_whitespace().count() >= 2).then(|| title.to_string())
    });
    let title = plain(&bold_title.unwrap_or(t)).trim_end_matches(':').trim().to_string();
    let lower = title.to_lowercase();
    if title.is_empty() || matches!(lower.as_str(), "tbd" | "n/a" | "none" | "-" | "..." | "…" | "todo") {
        return None;
    }
    let title = if title.chars().count() > 200 { text::shorten(&title, 160) } else { title };
    let status = status.unwrap_or(match task {
        Some(true) => ActionStatus::Done,
        _ => ActionStatus::Open,
    });
    Some(Item { title, owner, due, status, ticket })
}

/// A due date written in an action item: `due 2024-04-01`, `(due: March 4, 2024)`,
/// `by 2024-04-01`.
fn due_in(text: &str, order: NumericOrder) -> Option<Date> {
    // `f.start` is an offset in `text`; only ASCII lowercasing keeps it valid in `lower`.
    let lower = text.to_ascii_lowercase();
    when::find_dates(text, order).into_iter().find_map(|f| {
        let before = lower[..f.start].trim_end().trim_end_matches([':', '(']).trim_end();
        (before.ends_with("due") || before.ends_with(" by") || before.ends_with("deadline")).then_some(f.date)
    })
}

impl Converted {
    /// `<date>-<slug>`: the id the file will have.
    pub fn id(&self) -> String {
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
        let _ = writeln!(s, "status: published");
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
        let _ = writeln!(s, "imported_from: {}", q(&self.source_name));
        s.push_str("---\n\n");
        s.push_str(&self.body);
        s
    }
}

// ---------------------------------------------------------------------------
// Runs over files and folders

struct Candidate {
    path: PathBuf,
    explicit: bool,
}

/// Source files: explicit files as given, folders walked (hidden entries skipped).
fn expand(paths: &[PathBuf], reports: &mut Vec<FileReport>) -> Vec<Candidate> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let walker = walkdir::WalkDir::new(p)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
            for entry in walker {
                match entry {
                    Ok(e) if e.file_type().is_file() => out.push(Candidate { path: e.into_path(), explicit: false }),
                    Ok(_) => {}
                    Err(e) => reports.push(FileReport::new(
                        e.path().unwrap_or(p),
                        Outcome::Failed { reason: format!("cannot read: {e}") },
                    )),
                }
            }
        } else {
            out.push(Candidate { path: p.clone(), explicit: true });
        }
    }
    out
}

/// Existing postmortems under `dirs`: ids (file stems) to their paths, and the source
/// names earlier imports recorded in `imported_from`.
fn existing(dirs: &[&Path]) -> (HashMap<String, PathBuf>, HashMap<String, PathBuf>) {
    let mut ids = HashMap::new();
    let mut imported = HashMap::new();
    for dir in dirs {
        for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
            let p = e.path();
            if !e.file_type().is_file() || p.extension().is_none_or(|x| x != "md") {
                continue;
            }
            if let Some(stem) = p.file_stem().and_then(|s| s.to_str()) {
                ids.entry(stem.to_string()).or_insert_with(|| p.to_path_buf());
            }
            if let Ok(text) = std::fs::read_to_string(p)
                && let Ok(split) = crate::frontmatter::split(&text, p)
            {
                for line in split.yaml.lines() {
                    if let Some(v) = line.strip_prefix("imported_from:") {
                        let v = v.trim();
                        let name =
                            serde_json::from_str::<String>(v).unwrap_or_else(|_| v.trim_matches('\'').to_string());
                        imported.insert(name, p.to_path_buf());
                    }
                }
            }
        }
    }
    (ids, imported)
}

fn file_date(path: &Path) -> Option<Date> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let ts = jiff::Timestamp::try_from(modified).ok()?;
    Some(ts.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
}

fn normalize(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Imports `paths` (files and folders) into `opts.into`. Never overwrites a file; a
/// postmortem whose id exists anywhere under `root/content` or `opts.into` is reported
/// as already there.
pub fn import(root: &Path, config: &SiteConfig, paths: &[PathBuf], opts: &Options) -> Report {
    let mut reports: Vec<FileReport> = Vec::new();
    let candidates = expand(paths, &mut reports);
    let content = root.join("content");
    let (existing_ids, previously_imported) = existing(&[content.as_path(), opts.into.as_path()]);
    let today = crate::check::today(&config.timezone);

    struct Pending {
        report: usize,
        converted: Converted,
        source: PathBuf,
    }
    let mut pending = Vec::new();
    let mut batch_ids: HashSet<String> = HashSet::new();
    // Where each source ends up (written now or before), for rewriting links between them.
    let mut by_source: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut by_name: HashMap<String, PathBuf> = previously_imported;

    for cand in candidates {
        let name = cand.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let skip = |reason: String| FileReport::new(&cand.path, Outcome::Skipped { reason });
        if !cand.explicit
            && let Some(why) = not_a_postmortem(&name)
        {
            reports.push(skip(why.into()));
            continue;
        }
        let bytes = match std::fs::read(&cand.path) {
            Ok(b) => b,
            Err(e) => {
                reports.push(FileReport::new(&cand.path, Outcome::Failed { reason: format!("cannot read: {e}") }));
                continue;
            }
        };
        let Ok(text) = String::from_utf8(bytes) else {
            reports.push(skip("not UTF-8 text".into()));
            continue;
        };
        if !cand.explicit && !looks_like_markdown(&name, &text) {
            reports.push(skip("does not look like Markdown".into()));
            continue;
        }
        let fallback = file_date(&cand.path).unwrap_or(today);
        let converted = match convert(&text, &name, config, fallback) {
            Ok(c) => c,
            Err(reason) => {
                reports.push(skip(reason));
                continue;
            }
        };
        let mut report = FileReport::new(&cand.path, Outcome::Skipped { reason: String::new() });
        report.title = Some(converted.title.clone());
        report.date = Some(converted.date);
        report.events = converted.timeline.iter().map(|e| e.kind).collect();
        report.action_items = converted.action_items.len();
        report.mapped = converted.mapped.clone();
        report.guessed = converted.guessed.clone();
        report.unmapped = converted.unmapped.clone();

        let id = converted.id();
        if let Some(path) = existing_ids.get(&id) {
            report.outcome = Outcome::Exists { existing: path.clone() };
            by_source.insert(normalize(&cand.path), path.clone());
            by_name.entry(name).or_insert_with(|| path.clone());
            reports.push(report);
            continue;
        }
        // Two sources with the same date and title in one run: number the later ones.
        let mut unique = id.clone();
        let mut n = 2;
        while batch_ids.contains(&unique) || existing_ids.contains_key(&unique) {
            unique = format!("{id}-{n}");
            n += 1;
        }
        if unique != id {
            report.guessed.push(format!("id {unique}: another file in this import has the same date and title"));
        }
        batch_ids.insert(unique.clone());
        let target = opts.into.join(converted.date.year().to_string()).join(format!("{unique}.md"));
        by_source.insert(normalize(&cand.path), target.clone());
        by_name.insert(name, target.clone());
        report.outcome = Outcome::Imported { target };
        reports.push(report);
        pending.push(Pending { report: reports.len() - 1, converted, source: cand.path.clone() });
    }

    for p in pending {
        let Outcome::Imported { target } = reports[p.report].outcome.clone() else {
            continue;
        };
        let mut converted = p.converted;
        let (body, unresolved) = rewrite_links(&converted.body, &p.source, &target, &by_source, &by_name);
        converted.body = body;
        for u in unresolved {
            reports[p.report]
                .unmapped
                .push(format!("link to `{u}`: not part of this import, so `pmsite check` will report it"));
        }
        let text = converted.render(config);
        reports[p.report].text = Some(text.clone());
        if !opts.dry_run
            && let Err(outcome) = write_new(&target, &text)
        {
            reports[p.report].outcome = outcome;
        }
    }
    reports.sort_by(|a, b| a.source.cmp(&b.source));
    Report { files: reports, dry_run: opts.dry_run }
}

fn write_new(path: &Path, text: &str) -> Result<(), Outcome> {
    let failed = |e: std::io::Error| Outcome::Failed { reason: format!("cannot write {}: {e}", path.display()) };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Outcome::Exists { existing: path.to_path_buf() }
        } else {
            failed(e)
        }
    })?;
    std::io::Write::write_all(&mut f, text.as_bytes()).map_err(failed)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len() + 1
            && let Some(v) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `to` relative to the folder `from_dir` (both built from the same base).
fn relative(from_dir: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from_dir.components().collect();
    let to_c: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to_c).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to_c[common..] {
        out.push(c);
    }
    out
}

/// Points relative links between imported files at their new paths. Returns the body
/// and the relative `.md` links that lead outside the import.
fn rewrite_links(
    body: &str,
    source: &Path,
    target: &Path,
    by_source: &HashMap<PathBuf, PathBuf>,
    by_name: &HashMap<String, PathBuf>,
) -> (String, Vec<String>) {
    use pulldown_cmark::{Event, Parser, Tag};
    let mut dests: Vec<String> = Vec::new();
    for ev in Parser::new_ext(body, crate::markdown::options()) {
        if let Event::Start(Tag::Link { dest_url, .. }) = ev {
            let d = dest_url.to_string();
            let relative_link = !d.contains("://") && !d.starts_with(['#', '/']) && !d.starts_with("mailto:");
            if relative_link && !dests.contains(&d) {
                dests.push(d);
            }
        }
    }
    let mut body = body.to_string();
    let mut unresolved = Vec::new();
    let source_dir = source.parent().unwrap_or(Path::new("."));
    for dest in dests {
        let (path_part, fragment) = match dest.find(['#', '?']) {
            Some(i) => (&dest[..i], &dest[i..]),
            None => (dest.as_str(), ""),
        };
        let decoded = percent_decode(path_part);
        let found = by_source
            .get(&normalize(&source_dir.join(&decoded)))
            .or_else(|| Path::new(&decoded).file_name().and_then(|n| by_name.get(n.to_string_lossy().as_ref())));
        match found {
            Some(new_path) => {
                let rel = relative(target.parent().unwrap_or(Path::new("")), new_path);
                let new_dest = format!("{}{fragment}", rel.to_string_lossy().replace('\\', "/"));
                for (before, after) in [("(", ""), ("(<", ">"), ("]: ", ""), ("]:", ""), ("]: <", ">")] {
                    body = body.replace(&format!("{before}{dest}{after}"), &format!("{before}{new_dest}{after}"));
                }
            }
            None if crate::frontmatter::relative_md_target(&dest).is_some() => unresolved.push(dest),
            None => {}
        }
    }
    (body, unresolved)
}

/// The per-file report a person reads, then the totals.
pub fn render_report(report: &Report) -> String {
    let mut s = String::new();
    for f in &report.files {
        let _ = writeln!(s, "{}", f.source.display());
        match &f.outcome {
            Outcome::Imported { target } => {
                let verb = if report.dry_run { "would write" } else { "wrote" };
                let _ = writeln!(s, "  {verb} {}", target.display());
            }
            Outcome::Exists { existing } => {
                let _ = writeln!(s, "  skipped: {} already exists (pmsite never overwrites)", existing.display());
            }
            Outcome::Skipped { reason } => {
                let _ = writeln!(s, "  skipped: {reason}");
                continue;
            }
            Outcome::Failed { reason } => {
                let _ = writeln!(s, "  failed: {reason}");
                continue;
            }
        }
        for (label, notes) in [("mapped", &f.mapped), ("guessed", &f.guessed), ("not mapped", &f.unmapped)] {
            for n in notes {
                let _ = writeln!(s, "  {label}: {n}");
            }
        }
        if report.dry_run
            && matches!(f.outcome, Outcome::Imported { .. })
            && let Some(text) = &f.text
        {
            let front = text.split("\n---\n").next().unwrap_or("");
            for line in front.lines() {
                let _ = writeln!(s, "    | {line}");
            }
            let _ = writeln!(s, "    | ---");
        }
    }
    let count = |f: fn(&Outcome) -> bool| report.files.iter().filter(|r| f(&r.outcome)).count();
    let exists = count(|o| matches!(o, Outcome::Exists { .. }));
    let skipped = count(|o| matches!(o, Outcome::Skipped { .. }));
    let _ = writeln!(
        s,
        "\n{} {} of {} ({exists} already there, {skipped} skipped, {} failed): {}, {}",
        if report.dry_run { "would import" } else { "imported" },
        report.imported(),
        plural(report.files.len(), "file"),
        report.failed(),
        plural(report.events(), "timeline event"),
        plural(report.action_items(), "action item")
    );
    if report.imported() > 0 && !report.dry_run {
        let _ =
            writeln!(s, "Next: run `pmsite check` and fill in what it lists (services, owners, due dates, factors).");
    }
    s
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
        assert!(convert("---\ntitle: x\n---\n", "a.md", &config(), jiff::civil::date(2020, 1, 1)).is_err());
    }

    #[test]
    fn file_names() {
        assert_eq!(title_from_file_name("PM2021-004 - ADFS outage.md"), "ADFS outage");
        assert_eq!(title_from_file_name("2021-03-04-db-failover.md"), "Db failover");
        assert_eq!(date_in_name("20210304_db.md"), Some(jiff::civil::date(2021, 3, 4)));
        assert_eq!(date_in_name("PM2021-004 - x.md"), None);
        assert_eq!(year_in_name("PM2021-004 - x.md"), Some(2021));
        assert_eq!(not_a_postmortem("LICENSE"), Some("a licence file"));
        assert!(not_a_postmortem("README.md").is_some());
        assert!(looks_like_markdown("PM2022-009 - Bad AWS EKS AMI causing Kubernetes issues", "# Bad AMI\n"));
        assert!(!looks_like_markdown("logo.png", "# x"));
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative(Path::new("c/2021"), Path::new("c/2019/a.md")), PathBuf::from("../2019/a.md"));
        assert_eq!(relative(Path::new("c/2021"), Path::new("c/2021/a.md")), PathBuf::from("a.md"));
        assert_eq!(percent_decode("a%20b%2"), "a b%2");
    }
}
