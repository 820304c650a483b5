//! One postmortem file -> a typed `Postmortem`, with a diagnostic for every problem.
//!
//! Extraction is by hand over the spanned YAML tree (see `yaml`), so that a wrong type
//! or an unknown value points at its own line and column, and so that one bad field
//! does not hide the others: every field is checked, and the postmortem is returned
//! only when the fields the model cannot do without are valid.

use crate::config::SiteConfig;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::*;
use crate::yaml::{self, Node, Value};
use jiff::civil::{Date, DateTime};
use jiff::{Timestamp, tz::TimeZone};
use std::path::Path;

/// The front matter and body of a file, before any YAML is read.
pub(crate) struct Split<'a> {
    pub(crate) yaml: &'a str,
    /// File line of the first YAML line.
    pub(crate) yaml_line: usize,
    pub(crate) body: &'a str,
    pub(crate) body_line: usize,
}

/// Splits `---` front matter from the body.
pub(crate) fn split<'a>(text: &'a str, file: &Path) -> Result<Split<'a>, Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_end = text.find('\n').unwrap_or(text.len());
    if text[..first_end].trim_end() != "---" {
        return Err(Diagnostic::error(Code::FrontMatterMissing, file, 1, 1, "the file does not start with `---` front matter")
            .with_width(first_end.max(1))
            .with_suggestion("start the file with a `---` line, the YAML fields (title, date, severity, services, …), and a closing `---` line; `pmsite new` writes a template"));
    }
    let yaml_start = (first_end + 1).min(text.len());
    let mut offset = yaml_start;
    let mut line = 2;
    while offset < text.len() {
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let l = text[offset..end].trim_end();
        if l == "---" || l == "..." {
            let body_start = (end + 1).min(text.len());
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_line: 2,
                body: &text[body_start..],
                body_line: line + 1,
            });
        }
        offset = end + 1;
        line += 1;
    }
    Err(Diagnostic::error(Code::FrontMatterUnclosed, file, 1, 1, "the front matter opened here is never closed")
        .with_width(3)
        .with_suggestion("add a line with only `---` after the last front matter field"))
}

struct Ctx<'a> {
    file: &'a Path,
    line_offset: usize,
    config: &'a SiteConfig,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn at(&mut self, code: Code, node: &Node, msg: String) -> &mut Diagnostic {
        let d = Diagnostic::error(code, self.file, node.pos.line + self.line_offset, node.pos.col, msg)
            .with_width(node.width);
        self.diags.push(d);
        self.diags.last_mut().expect("just pushed")
    }

    fn line(&self, node: &Node) -> usize {
        node.pos.line + self.line_offset
    }

    fn string(&mut self, node: &Node, field: &str) -> Option<String> {
        match &node.value {
            Value::Scalar { text, .. } => Some(text.clone()),
            Value::Null => None,
            _ => {
                let kind = node.kind_name();
                self.at(Code::FieldType, node, format!("`{field}` must be text, not {kind}"));
                None
            }
        }
    }

    /// A list of strings; a single string is taken as a one-item list, since writers do that.
    fn string_list(&mut self, node: &Node, field: &str) -> Vec<String> {
        match &node.value {
            Value::Null => vec![],
            Value::Scalar { text, .. } => vec![text.clone()],
            Value::Seq(items) => {
                items.iter().filter_map(|i| self.string(i, field)).filter(|s| !s.trim().is_empty()).collect()
            }
            Value::Map(_) => {
                self.at(Code::FieldType, node, format!("`{field}` must be a list such as [a, b], not a mapping"));
                vec![]
            }
        }
    }

    /// `string_list` with each item's (line, column, width) in the file.
    fn spanned_string_list(&mut self, node: &Node, field: &str) -> Vec<(String, (usize, usize, usize))> {
        let place = |cx: &Self, n: &Node| (cx.line(n), n.pos.col, n.width);
        match &node.value {
            Value::Seq(items) => items
                .iter()
                .filter_map(|i| {
                    let s = self.string(i, field)?;
                    (!s.trim().is_empty()).then(|| (s, place(self, i)))
                })
                .collect(),
            _ => {
                let p = place(self, node);
                self.string_list(node, field).into_iter().map(|s| (s, p)).collect()
            }
        }
    }

    fn date(&mut self, node: &Node, field: &str) -> Option<Date> {
        let text = self.string(node, field)?;
        match text.trim().parse::<Date>() {
            Ok(d) if text.trim().len() == 10 => Some(d),
            _ => {
                self.at(Code::InvalidDate, node, format!("`{field}` is not a valid date: `{text}`")).suggestion =
                    Some("write the date as YYYY-MM-DD, e.g. 2024-03-12".into());
                None
            }
        }
    }

    fn timestamp(&mut self, node: &Node, tz: &TimeZone) -> Option<Timestamp> {
        let text = self.string(node, "at")?;
        match parse_timestamp(text.trim(), tz) {
            Some(t) => Some(t),
            None => {
                self.at(Code::InvalidTimestamp, node, format!("`at` is not a valid timestamp: `{text}`")).suggestion =
                    Some("use RFC 3339, e.g. 2024-03-12T14:02:00Z, or 2024-03-12T14:02 for the site timezone".into());
                None
            }
        }
    }
}

/// RFC 3339 with an offset, or a local date-time in the site timezone.
pub(crate) fn parse_timestamp(text: &str, tz: &TimeZone) -> Option<Timestamp> {
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t);
    }
    let dt: DateTime = text.parse().ok()?;
    // A local time inside a DST gap or fold is resolved the way clocks are usually read.
    tz.to_ambiguous_timestamp(dt).compatible().ok()
}

/// Keys with a meaning in the format; anything else goes to `extra`.
pub const KNOWN: &[&str] = &[
    "title",
    "date",
    "severity",
    "status",
    "services",
    "teams",
    "authors",
    "tags",
    "summary",
    "impact",
    "factors",
    "timeline",
    "action_items",
    "related",
    "visibility",
    "internal_fields",
];

/// Parses one postmortem file. Returns `None` when a required field is unusable; the
/// diagnostics say why. `file` is the path relative to the knowledge base root.
pub fn parse(text: &str, file: &Path, config: &SiteConfig) -> (Option<Postmortem>, Vec<Diagnostic>) {
    parse_with(text, file, config, None)
}

/// `parse` for a file of a source with defaults (site.toml `[[sources]]` `teams` and
/// `services`): a file that omits those fields, or leaves them empty, gets the defaults.
pub(crate) fn parse_with(
    text: &str,
    file: &Path,
    config: &SiteConfig,
    defaults: Option<&crate::sources::Defaults>,
) -> (Option<Postmortem>, Vec<Diagnostic>) {
    let no_defaults = crate::sources::Defaults::default();
    let defaults = defaults.unwrap_or(&no_defaults);
    let split = match split(text, file) {
        Ok(s) => s,
        Err(d) => return (None, vec![d]),
    };
    let mut cx = Ctx { file, line_offset: split.yaml_line - 1, config, diags: Vec::new() };
    let root = match yaml::parse(split.yaml) {
        Ok(n) => n,
        Err(e) if e.too_large => {
            let d = Diagnostic::error(Code::YamlTooLarge, file, e.pos.line + cx.line_offset, e.pos.col, format!("front matter is too large: {}", e.message))
                .with_suggestion("each `*alias` copies its `&anchor` value again; write the values out, or alias less; front matter holds fields, long text belongs in the body");
            return (None, vec![d]);
        }
        Err(e) => {
            let d = Diagnostic::error(Code::YamlSyntax, file, e.pos.line + cx.line_offset, e.pos.col, format!("front matter is not valid YAML: {}", e.message))
                .with_suggestion("check indentation and quoting near this place; text containing `: ` or starting with `[`, `{`, `*` or `&` must be quoted");
            return (None, vec![d]);
        }
    };
    yaml::duplicate_keys(&root, &mut |second, first, key| {
        let d = Diagnostic::error(
            Code::DuplicateKey,
            file,
            second.pos.line + cx.line_offset,
            second.pos.col,
            format!("`{key}` is given twice; the first is on line {}", first.pos.line + cx.line_offset),
        )
        .with_width(second.width)
        .with_suggestion(
            "keep one of them: YAML allows each key once in a mapping, and which one pmsite used would be a guess",
        );
        cx.diags.push(d);
    });
    let entries = match &root.value {
        Value::Map(e) => e.as_slice(),
        _ => {
            let kind = root.kind_name();
            cx.at(Code::FieldType, &root, format!("front matter must be a mapping of fields, not {kind}"));
            return (None, cx.diags);
        }
    };
    let id = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut extra = serde_json::Map::new();
    for (k, v) in entries {
        if let Some(key) = k.as_str()
            && !KNOWN.contains(&key)
        {
            extra.insert(key.to_string(), v.to_json());
        }
    }
    let missing = |cx: &mut Ctx, field: &str, help: &str| {
        cx.diags.push(
            Diagnostic::error(
                Code::FieldMissing,
                file,
                split.yaml_line.saturating_sub(1).max(1),
                1,
                format!("required field `{field}` is missing"),
            )
            .with_width(3)
            .with_suggestion(help.to_string()),
        );
    };

    let title = match root.get("title") {
        Some(n) => cx.string(n, "title").filter(|t| !t.trim().is_empty()),
        None => None,
    };
    if title.is_none() {
        if let Some(n) = root.get("title").filter(|n| n.is_null()) {
            cx.at(Code::FieldMissing, n, "`title` is empty".into());
        } else if root.get("title").is_none() {
            missing(&mut cx, "title", "add `title: <what happened, in a line>`");
        }
    }
    let date = match root.get("date") {
        Some(n) => cx.date(n, "date"),
        None => {
            missing(&mut cx, "date", "add `date: YYYY-MM-DD`, the day the incident began");
            None
        }
    };
    let severity = match root.get("severity") {
        Some(n) => match cx.string(n, "severity") {
            // An alias from site.toml [severity_aliases] is read as its level, so
            // indexes, badges and figures see only the site's levels.
            Some(s) if config.severity_level(&s).is_some() => config.severity_level(&s).map(String::from),
            Some(s) => {
                let allowed = config.severities.join(", ");
                let d = cx.at(Code::UnknownSeverity, n, format!("unknown severity `{s}`"));
                d.suggestion = Some(format!("use one of {allowed} (site.toml `severities`)"));
                None
            }
            None => {
                cx.at(Code::FieldMissing, n, "`severity` is empty".into());
                None
            }
        },
        None => {
            let allowed = config.severities.join(", ");
            missing(&mut cx, "severity", &format!("add `severity:` with one of {allowed}"));
            None
        }
    };
    let status = match root.get("status") {
        Some(n) if !n.is_null() => match cx.string(n, "status") {
            Some(s) => Status::parse(&s).or_else(|| {
                cx.at(Code::UnknownStatus, n, format!("unknown status `{s}`")).suggestion =
                    Some("use draft, review or published".into());
                None
            }),
            None => None,
        },
        _ => Some(Status::Published),
    };
    let services = match root.get("services") {
        None if !defaults.services.is_empty() => defaults.services.clone(),
        Some(n) => {
            let list = cx.string_list(n, "services");
            if list.is_empty() && !defaults.services.is_empty() {
                defaults.services.clone()
            } else {
                if list.is_empty() && !matches!(n.value, Value::Map(_)) {
                    cx.at(Code::FieldMissing, n, "`services` lists no service".into()).suggestion =
                        Some("name at least one affected service, e.g. services: [checkout-api]".into());
                }
                list
            }
        }
        None => {
            missing(&mut cx, "services", "add `services: [<affected service>, …]`");
            vec![]
        }
    };
    let list = |key: &str, cx: &mut Ctx| root.get(key).map(|n| cx.string_list(n, key)).unwrap_or_default();
    let mut teams = list("teams", &mut cx);
    if teams.is_empty() {
        teams = defaults.teams.clone();
    }
    let authors = list("authors", &mut cx);
    let tags = list("tags", &mut cx);
    let (related, related_places): (Vec<String>, Vec<_>) =
        root.get("related").map(|n| cx.spanned_string_list(n, "related")).unwrap_or_default().into_iter().unzip();
    let summary = root.get("summary").and_then(|n| cx.string(n, "summary")).unwrap_or_default();
    let impact = root.get("impact").and_then(|n| cx.string(n, "impact")).unwrap_or_default();
    let factors = root.get("factors").map(|n| factors(&mut cx, n)).unwrap_or_default();
    let tz = config.timezone.clone();
    let errors_before_timeline = cx.diags.len();
    let timeline = root.get("timeline").map(|n| timeline(&mut cx, n, &tz)).unwrap_or_default();
    let timeline_incomplete = cx.diags.len() > errors_before_timeline;
    let action_items = root.get("action_items").map(|n| action_items(&mut cx, n)).unwrap_or_default();
    let visibility = visibility(&mut cx, &root);
    let internal_fields = internal_fields(&mut cx, &root, &extra);
    unsafe_segments(&mut cx, &root);

    let diags = cx.diags;
    let (Some(title), Some(date), Some(severity), Some(status)) = (title, date, severity, status) else {
        return (None, diags);
    };
    if services.is_empty() {
        return (None, diags);
    }
    let body: std::sync::Arc<str> = split.body.into();
    // One Markdown parse finds every local link; links to `.md` files are among them.
    let refs = crate::links::local_refs(split.body, split.body_line);
    let links = relative_md_links(&refs);
    let line_of = |key: &str| root.get(key).map_or(0, |n| n.pos.line + split.yaml_line - 1);
    let lines = FieldLines {
        title: line_of("title"),
        summary: line_of("summary"),
        impact: line_of("impact"),
        timeline: root.get("timeline").map_or(0, |_| key_line(entries, "timeline") + split.yaml_line - 1),
        timeline_unordered: timeline.windows(2).find(|w| w[1].at < w[0].at).map(|w| w[1].line),
        related: related_places,
        timeline_incomplete,
    };
    let mut timeline = timeline;
    timeline.sort_by_key(|e| e.at);
    let pm = Postmortem {
        id,
        path: file.to_path_buf(),
        title,
        date,
        severity,
        status,
        services,
        teams,
        authors,
        tags,
        summary,
        impact,
        factors,
        timeline,
        action_items,
        related,
        visibility,
        internal_fields,
        extra,
        body,
        body_line: split.body_line,
        links,
        refs,
        lines,
        source_hash: xxhash_rust::xxh3::xxh3_64(text.as_bytes()),
        front_hash: xxhash_rust::xxh3::xxh3_64(&text.as_bytes()[..text.len() - split.body.len()]),
    };
    (Some(pm), diags)
}

/// `visibility: public | internal`, else site.toml `default_visibility`.
fn visibility(cx: &mut Ctx, root: &Node) -> Visibility {
    let default = cx.config.default_visibility;
    let Some(n) = root.get("visibility").filter(|n| !n.is_null()) else {
        return default;
    };
    match cx.string(n, "visibility") {
        Some(s) => Visibility::parse(&s).unwrap_or_else(|| {
            cx.at(Code::Visibility, n, format!("unknown visibility `{s}`")).suggestion = Some(
                "use public (both editions show it) or internal (only the internal edition); without the field, site.toml `default_visibility` decides".into(),
            );
            // Not shown publicly by mistake: an unreadable visibility is internal.
            Visibility::Internal
        }),
        None => Visibility::Internal,
    }
}

/// `internal_fields: [impact, …]`: front matter fields the public edition leaves out.
/// Each must be a field the public page can do without, written in this file or known to
/// the format; a typo would publish what it meant to hide, so it is an error.
fn internal_fields(cx: &mut Ctx, root: &Node, extra: &serde_json::Map<String, serde_json::Value>) -> Vec<String> {
    let Some(n) = root.get("internal_fields") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, (line, col, width)) in cx.spanned_string_list(n, "internal_fields") {
        let known = KNOWN.contains(&name.as_str()) || extra.contains_key(&name);
        let problem = if crate::edition::ALWAYS_PUBLIC.contains(&name.as_str()) {
            Some((
                format!("`{name}` cannot be internal: every edition that shows the postmortem shows it"),
                "list only fields the public page can do without, such as impact or summary".to_string(),
            ))
        } else if !known {
            let candidates = KNOWN.iter().copied().chain(extra.keys().map(String::as_str));
            let help = match nearest(&name, candidates) {
                Some(s) => format!("did you mean `{s}`? A field that is not hidden is published"),
                None => "name a front matter field of this file; a field that is not hidden is published".into(),
            };
            Some((format!("`internal_fields` names `{name}`, which is not a field of this postmortem"), help))
        } else {
            None
        };
        match problem {
            Some((msg, help)) => cx.diags.push(
                Diagnostic::error(Code::Visibility, cx.file, line, col, msg).with_width(width).with_suggestion(help),
            ),
            None => out.push(name),
        }
    }
    out
}

fn key_line(entries: &[(Node, Node)], key: &str) -> usize {
    entries.iter().find(|(k, _)| k.as_str() == Some(key)).map_or(0, |(k, _)| k.pos.line)
}

fn seq<'n>(cx: &mut Ctx, node: &'n Node, field: &str) -> &'n [Node] {
    match &node.value {
        Value::Seq(items) => items,
        Value::Null => &[],
        _ => {
            let kind = node.kind_name();
            cx.at(Code::FieldType, node, format!("`{field}` must be a list, not {kind}"));
            &[]
        }
    }
}

fn factors(cx: &mut Ctx, node: &Node) -> Vec<FactorRef> {
    let mut out = Vec::new();
    for item in seq(cx, node, "factors") {
        let (id_node, note) = match &item.value {
            Value::Map(_) => match item.get("id") {
                Some(idn) => (idn, item.get("note").and_then(|n| cx.string(n, "note"))),
                None => {
                    cx.at(Code::FieldMissing, item, "a factor in long form needs an `id`".into()).suggestion =
                        Some("write `- id: <factor id>` with an optional `note:`".into());
                    continue;
                }
            },
            _ => (item, None),
        };
        let Some(id) = cx.string(id_node, "factors") else {
            continue;
        };
        if cx.config.factors.contains_key(&id) {
            out.push(FactorRef { id, note });
        } else {
            let suggestion = nearest(&id, cx.config.factors.keys().map(String::as_str));
            let d = cx.at(Code::UnknownFactor, id_node, format!("unknown factor `{id}`"));
            d.suggestion = Some(match suggestion {
                Some(s) => format!("did you mean `{s}`? Factors are defined in site.toml [factors.*]"),
                None => "add it to site.toml as [factors.<id>] or use an existing factor id".into(),
            });
        }
    }
    out
}

/// The nearest candidate by edit distance, if it is close enough to be a typo.
pub(crate) fn nearest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(2))
        .min()
        .map(|(_, c)| c)
}

fn timeline(cx: &mut Ctx, node: &Node, tz: &TimeZone) -> Vec<TimelineEvent> {
    let mut out = Vec::new();
    for item in seq(cx, node, "timeline") {
        if !matches!(item.value, Value::Map(_)) {
            let kind = item.kind_name();
            cx.at(
                Code::FieldType,
                item,
                format!("a timeline event must be a mapping with `at`, `kind` and `text`, not {kind}"),
            );
            continue;
        }
        let at = match item.get("at") {
            Some(n) => cx.timestamp(n, tz),
            None => {
                cx.at(Code::FieldMissing, item, "timeline event has no `at` time".into());
                None
            }
        };
        let kind = match item.get("kind") {
            Some(n) => cx.string(n, "kind").and_then(|k| {
                EventKind::parse(&k).or_else(|| {
                    let s = nearest(&k, EventKind::ALL.into_iter());
                    let d = cx.at(Code::UnknownEventKind, n, format!("unknown timeline kind `{k}`"));
                    d.suggestion = Some(match s {
                        Some(s) => format!("did you mean `{s}`? Kinds: {}", EventKind::ALL.join(", ")),
                        None => format!("use one of {}", EventKind::ALL.join(", ")),
                    });
                    None
                })
            }),
            None => {
                cx.at(Code::FieldMissing, item, "timeline event has no `kind`".into()).suggestion =
                    Some(format!("add `kind:` with one of {}", EventKind::ALL.join(", ")));
                None
            }
        };
        let text_node = item.get("text");
        let text = text_node.and_then(|n| cx.string(n, "text")).unwrap_or_default();
        let line = text_node.map_or(cx.line(item), |n| cx.line(n));
        if let (Some(at), Some(kind)) = (at, kind) {
            out.push(TimelineEvent { at, kind, text, line });
        }
    }
    out
}

fn action_items(cx: &mut Ctx, node: &Node) -> Vec<ActionItem> {
    let mut out = Vec::new();
    for item in seq(cx, node, "action_items") {
        if !matches!(item.value, Value::Map(_)) {
            let kind = item.kind_name();
            cx.at(
                Code::FieldType,
                item,
                format!("an action item must be a mapping with at least a `title`, not {kind}"),
            );
            continue;
        }
        let title = item.get("title").and_then(|n| cx.string(n, "title")).filter(|t| !t.trim().is_empty());
        let Some(title) = title else {
            cx.at(Code::FieldMissing, item, "action item has no `title`".into()).suggestion =
                Some("say what will change, e.g. `title: Page when pool saturation exceeds 80% for 2 minutes`".into());
            continue;
        };
        let opt =
            |cx: &mut Ctx, key: &str| item.get(key).and_then(|n| cx.string(n, key)).filter(|s| !s.trim().is_empty());
        let owner = opt(cx, "owner");
        let outcome = opt(cx, "outcome");
        let ticket = opt(cx, "ticket");
        let due = item.get("due").filter(|n| !n.is_null()).and_then(|n| cx.date(n, "due"));
        let completed = item.get("completed").filter(|n| !n.is_null()).and_then(|n| cx.date(n, "completed"));
        let status = match item.get("status").filter(|n| !n.is_null()) {
            None => ActionStatus::Open,
            Some(n) => match cx.string(n, "status") {
                Some(s) => ActionStatus::parse(&s).unwrap_or_else(|| {
                    cx.at(Code::UnknownActionStatus, n, format!("unknown action item status `{s}`")).suggestion =
                        Some(format!("use one of {}", ActionStatus::ALL.join(", ")));
                    ActionStatus::Open
                }),
                None => ActionStatus::Open,
            },
        };
        let kind = match item.get("type").filter(|n| !n.is_null()) {
            None => None,
            Some(n) => cx.string(n, "type").and_then(|s| {
                ActionType::parse(&s).or_else(|| {
                    cx.at(Code::UnknownActionType, n, format!("unknown action item type `{s}`")).suggestion =
                        Some(format!("use one of {}", ActionType::ALL.join(", ")));
                    None
                })
            }),
        };
        let line = cx.line(item);
        let ticket_at = item.get("ticket").map_or((line, 1, 1), |n| (cx.line(n), n.pos.col, n.width.max(1)));
        out.push(ActionItem { title, owner, due, status, kind, outcome, ticket, completed, line, ticket_at });
    }
    out
}

/// Values that become a folder of the site (`tags/<slug>/`, `factors/<id>/`) must make a
/// name the output can hold; otherwise `build` would fail writing it, far from its cause.
fn unsafe_segments(cx: &mut Ctx, root: &Node) {
    fn items(n: Option<&Node>) -> &[Node] {
        match n.map(|n| &n.value) {
            Some(Value::Seq(items)) => items,
            _ => n.map(std::slice::from_ref).unwrap_or_default(),
        }
    }
    let mut values: Vec<(&Node, bool)> = Vec::new(); // (value, becomes a slug)
    for key in ["services", "teams", "tags", "authors"] {
        values.extend(items(root.get(key)).iter().map(|n| (n, true)));
    }
    values.extend(items(root.get("factors")).iter().map(|f| (f.get("id").unwrap_or(f), false)));
    values.extend(items(root.get("action_items")).iter().filter_map(|i| i.get("owner")).map(|n| (n, true)));
    for (node, slugged) in values {
        let Value::Scalar { text, .. } = &node.value else { continue };
        let segment = if slugged { crate::names::slugify(text) } else { text.clone() };
        if let Some(why) = (!segment.is_empty()).then(|| crate::names::segment_problem(&segment)).flatten() {
            cx.at(Code::UnsafeFileName, node, format!("this value names a folder of the site, and cannot: {why}"))
                .suggestion = Some("shorten it to a few words, or remove the characters named".into());
        }
    }
}

/// Relative links (not images) to `.md` files, with their file positions.
fn relative_md_links(refs: &[crate::links::LocalRef]) -> Vec<BodyLink> {
    refs.iter()
        .filter(|r| !r.image)
        .filter_map(|r| match &r.target {
            crate::links::Target::Relative { path, .. } if path.ends_with(".md") => {
                Some(BodyLink { target: path.clone(), line: r.line, column: r.column, width: r.width })
            }
            _ => None,
        })
        .collect()
}

/// The path part of a link if it is relative and points at a `.md` file.
pub(crate) fn relative_md_target(url: &str) -> Option<&str> {
    if url.contains("://") || url.starts_with('/') || url.starts_with('#') || url.starts_with("mailto:") {
        return None;
    }
    let path = url.split(['#', '?']).next().unwrap_or("");
    path.ends_with(".md").then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> SiteConfig {
        let (c, d) = crate::config::parse(
            "[factors.retry-storm]\ntitle = \"Retry storm\"\n[factors.missing-alert]\ntitle = \"Missing alert\"\n",
        );
        assert!(d.is_empty());
        c
    }

    const GOOD: &str = "---\ntitle: Pool exhaustion\ndate: 2024-03-12\nseverity: SEV1\nservices: [checkout-api]\nfactors:\n  - retry-storm\n  - id: missing-alert\n    note: nobody paged\ntimeline:\n  - at: 2024-03-12T14:19:00Z\n    kind: detection\n    text: page\n  - at: 2024-03-12T14:02:00\n    kind: signal\n    text: latency\naction_items:\n  - title: Page on saturation\n    owner: a\n    due: 2024-04-01\n    status: in-progress\n    type: detect\ncustom: {a: 1}\n---\nBody [x](../2023/other.md#h)\n";

    #[test]
    fn parses_a_good_file() {
        let (pm, d) = parse(GOOD, Path::new("content/2024/a.md"), &cfg());
        assert!(d.is_empty(), "{d:?}");
        let pm = pm.unwrap();
        assert_eq!(pm.id, "a");
        assert_eq!(pm.factors[1].note.as_deref(), Some("nobody paged"));
        assert_eq!(pm.timeline[0].kind, EventKind::Signal, "sorted by time");
        assert_eq!(pm.action_items[0].status, ActionStatus::InProgress);
        assert_eq!(pm.extra["custom"]["a"], 1);
        assert_eq!(pm.body_line, 25);
        assert_eq!(pm.links, vec![BodyLink { target: "../2023/other.md".into(), line: 25, column: 6, width: 23 }]);
    }

    #[test]
    fn a_sources_defaults_fill_omitted_teams_and_services() {
        let defaults =
            crate::sources::Defaults { teams: vec!["payments".into()], services: vec!["checkout-api".into()] };
        let bare = "---\ntitle: x\ndate: 2024-01-01\nseverity: SEV1\n---\n";
        let (pm, d) = parse_with(bare, Path::new("teams/pay/a.md"), &cfg(), Some(&defaults));
        assert!(d.is_empty(), "{d:?}");
        let pm = pm.unwrap();
        assert_eq!((pm.teams, pm.services), (defaults.teams.clone(), defaults.services.clone()));
        let empty = "---\ntitle: x\ndate: 2024-01-01\nseverity: SEV1\nservices: []\nteams: []\n---\n";
        let (pm, d) = parse_with(empty, Path::new("a.md"), &cfg(), Some(&defaults));
        assert!(d.is_empty() && pm.unwrap().services == ["checkout-api"], "{d:?}");
        let own = "---\ntitle: x\ndate: 2024-01-01\nseverity: SEV1\nservices: [web]\nteams: [sre]\n---\n";
        let pm = parse_with(own, Path::new("a.md"), &cfg(), Some(&defaults)).0.unwrap();
        assert_eq!((pm.teams, pm.services), (vec!["sre".to_string()], vec!["web".to_string()]), "a file's own win");
        let (pm, d) = parse(bare, Path::new("a.md"), &cfg());
        assert!(pm.is_none() && d[0].code == Code::FieldMissing, "without defaults services is required");
    }

    #[test]
    fn every_bad_field_is_reported_with_its_place() {
        let text = "---\ntitle: x\ndate: 2024-13-01\nseverity: SEV9\nservices: [a]\nfactors: [retry-strom]\ntimeline:\n  - at: yesterday\n    kind: detect\n---\n";
        let (pm, d) = parse(text, Path::new("a.md"), &cfg());
        assert!(pm.is_none());
        let got: Vec<_> = d.iter().map(|d| (d.code, d.line, d.column)).collect();
        assert_eq!(
            got,
            vec![
                (Code::InvalidDate, 3, 7),
                (Code::UnknownSeverity, 4, 11),
                (Code::UnknownFactor, 6, 11),
                (Code::InvalidTimestamp, 8, 9),
                (Code::UnknownEventKind, 9, 11),
            ]
        );
        assert!(d[2].suggestion.as_ref().unwrap().contains("retry-storm"));
        assert!(d[4].suggestion.as_ref().unwrap().contains("detection"));
    }

    #[test]
    fn a_severity_alias_is_read_as_its_level() {
        let (c, d) = crate::config::parse("[severity_aliases]\nCritical = \"SEV1\"\n");
        assert!(d.is_empty(), "{d:?}");
        let text = "---\ntitle: x\ndate: 2024-03-01\nseverity: critical\nservices: [a]\n---\n";
        let (pm, d) = parse(text, Path::new("a.md"), &c);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(pm.unwrap().severity, "SEV1");
        let (pm, d) = parse(&text.replace("critical", "Minor"), Path::new("a.md"), &c);
        assert!(pm.is_none());
        assert_eq!((d[0].code, d[0].line), (Code::UnknownSeverity, 4));
    }

    #[test]
    fn split_errors() {
        assert_eq!(split("no front matter", Path::new("a.md")).err().unwrap().code, Code::FrontMatterMissing);
        assert_eq!(split("---\ntitle: x\n", Path::new("a.md")).err().unwrap().code, Code::FrontMatterUnclosed);
        let s = split("\u{feff}---\r\na: 1\r\n---\r\nbody", Path::new("a.md")).unwrap();
        assert_eq!(s.body, "body");
    }

    #[test]
    fn local_times_use_site_timezone() {
        let tz = TimeZone::get("Europe/Berlin").unwrap();
        let t = parse_timestamp("2024-07-01T12:00:00", &tz).unwrap();
        assert_eq!(t.to_string(), "2024-07-01T10:00:00Z");
        let t = parse_timestamp("2024-07-01T12:00:00+00:00", &tz).unwrap();
        assert_eq!(t.to_string(), "2024-07-01T12:00:00Z");
        assert!(parse_timestamp("2024-07-01 12:00", &tz).is_some());
    }

    #[test]
    fn links() {
        assert_eq!(relative_md_target("../a/b.md#x"), Some("../a/b.md"));
        assert_eq!(relative_md_target("https://x/b.md"), None);
        assert_eq!(relative_md_target("b.png"), None);
    }
}
