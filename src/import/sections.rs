//! The shape of a document: its sections, what its file name says, and its
//! `Key: value` header lines.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SectionKind {
    Summary,
    Impact,
    Timeline,
    Factors,
    Actions,
    Lessons,
    Other,
}

pub(super) fn section_kind(heading: &str) -> SectionKind {
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
pub(super) fn is_section_name(heading: &str) -> bool {
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
pub(super) fn is_generic_title(heading: &str) -> bool {
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
pub(super) struct Section {
    pub(super) kind: SectionKind,
    pub(super) heading: String,
    /// The section's lines after its heading, up to the next heading of the same or a
    /// higher level.
    pub(super) range: Range<usize>,
}

pub(super) fn sections(heads: &[text::Heading], skip: Option<usize>, n_lines: usize) -> Vec<Section> {
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
pub(super) const MD_EXTENSIONS: &[&str] = &["md", "markdown", "mdown", "mkd", "mkdn", "mdwn"];

pub(super) fn md_stem(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((stem, ext)) if MD_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) => stem,
        _ => name,
    }
}

/// Files of a repository that are not postmortems.
pub(super) fn not_a_postmortem(name: &str) -> Option<&'static str> {
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
pub(super) fn looks_like_markdown(name: &str, text: &str) -> bool {
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
pub(super) fn template_reason(name: &str, text: &str, title: Option<&str>) -> Option<String> {
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
pub(super) fn title_from_file_name(name: &str) -> String {
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
    // A number in front (`0011-argocd-key-mismatch`, `20220420_foel_failure`).
    let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=8).contains(&digits) && stem[digits..].starts_with([' ', '-', '_', '.']) {
        let rest = stem[digits..].trim_start_matches([' ', '-', '_', '.']);
        if rest.chars().any(char::is_alphabetic) {
            stem = rest;
        }
    }
    let words: String = if stem.contains(' ') { stem.to_string() } else { stem.replace(['-', '_'], " ") };
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A heading's title without what says only "this is a postmortem of that day":
/// `Retrospective: Queue saturation 2019-05-02` -> `Queue saturation`.
pub(super) fn tidy_title(title: &str) -> String {
    let mut t = title.trim();
    for prefix in ["retrospective:", "postmortem:", "post-mortem:", "post mortem:", "incident report:", "incident:"] {
        if t.len() > prefix.len() && t.is_char_boundary(prefix.len()) && t[..prefix.len()].eq_ignore_ascii_case(prefix)
        {
            t = t[prefix.len()..].trim();
        }
    }
    if when::date_at(t, NumericOrder::DayFirst).is_some_and(|(_, n, _)| n == t.len()) {
        return title.trim().to_string();
    }
    if let Some(f) = when::find_dates(t, NumericOrder::DayFirst).last()
        && f.end == t.len()
        && f.start > 0
    {
        t = t[..f.start].trim_end_matches([' ', '-', '–', '—', ',', '(', ':']).trim();
    }
    if t.chars().any(char::is_alphanumeric) { t.to_string() } else { title.trim().to_string() }
}

/// A full date in a file name (`2021-03-04-db.md`, `20210304_db.md`).
pub(super) fn date_in_name(name: &str) -> Option<Date> {
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
pub(super) fn year_in_name(name: &str) -> Option<i16> {
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
pub(super) struct Meta {
    pub(super) entries: Vec<(String, String)>,
}

impl Meta {
    pub(super) fn get(&self, keys: &[&str]) -> Option<(&str, &str)> {
        self.entries
            .iter()
            .find(|(k, v)| !v.is_empty() && keys.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

pub(super) fn meta(lines: &[&str], code: &[bool], in_table: &[bool], tables: &[Table]) -> Meta {
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

pub(super) fn split_list(value: &str) -> Vec<String> {
    value
        .split([',', ';', '/'])
        .flat_map(|s| s.split(" and "))
        .map(|s| s.trim().trim_matches(['`', '"', '\'', '.']).trim().to_string())
        .filter(|s| !s.is_empty() && !matches!(s.to_lowercase().as_str(), "n/a" | "none" | "unknown" | "tbd" | "-"))
        .collect()
}

pub(super) fn slugs(values: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let s = slugify(&v);
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}
