//! Parsed postmortems as the cache stores them. The model's own `Serialize` is the shape
//! of the public API (`/api/*.json`) and leaves out line numbers and hashes; this is the
//! whole value, so a file whose content hash is unchanged is neither read nor parsed by
//! the next build (parsing and linting 10,000 files took 0.5 s of every cached build).

use super::StoredDiagnostic;
use crate::links::{LocalRef, Target};
use crate::model::{
    ActionItem, ActionStatus, ActionType, BodyLink, EventKind, FactorRef, FieldLines, Postmortem, Status,
    TimelineEvent, Visibility,
};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

/// One file's parse: what `load` made of it, keyed by the file's content hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Parsed {
    /// Path relative to the root, `/`-separated.
    pub(super) path: String,
    /// The hash `hash_inputs` gives the file's bytes.
    pub(super) hash: u64,
    pub(super) postmortem: Option<StoredPostmortem>,
    pub(super) diagnostics: Vec<StoredDiagnostic>,
}

impl Parsed {
    pub(super) fn of(
        path: String,
        hash: u64,
        result: &(Option<Arc<Postmortem>>, Vec<crate::diagnostics::Diagnostic>),
    ) -> Parsed {
        Parsed {
            path,
            hash,
            postmortem: result.0.as_deref().map(StoredPostmortem::of),
            diagnostics: result.1.iter().map(StoredDiagnostic::of).collect(),
        }
    }

    /// None when the stored value names something this version does not know.
    pub(super) fn result(self) -> Option<(Option<Arc<Postmortem>>, Vec<crate::diagnostics::Diagnostic>)> {
        let diagnostics = self.diagnostics.iter().map(StoredDiagnostic::to_diagnostic).collect::<Option<Vec<_>>>()?;
        let postmortem = match self.postmortem {
            Some(p) => Some(Arc::new(p.into_postmortem()?)),
            None => None,
        };
        Some((postmortem, diagnostics))
    }
}

/// Enums are stored as their position in `ALL`, which the cache's version header pins.
fn index_of(all: &[&str], name: &str) -> u8 {
    all.iter().position(|n| *n == name).unwrap_or(u8::MAX as usize) as u8
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct StoredPostmortem {
    id: String,
    path: PathBuf,
    title: String,
    date: Date,
    severity: String,
    status: u8,
    services: Vec<String>,
    teams: Vec<String>,
    authors: Vec<String>,
    tags: Vec<String>,
    summary: String,
    impact: String,
    factors: Vec<(String, Option<String>)>,
    timeline: Vec<(Timestamp, u8, String, usize)>,
    action_items: Vec<StoredAction>,
    related: Vec<String>,
    visibility: u8,
    internal_fields: Vec<String>,
    /// The free-form fields as JSON text: the cache's encoding cannot hold a JSON value.
    extra: String,
    body: String,
    body_line: usize,
    links: Vec<(String, usize, usize, usize)>,
    refs: Vec<(StoredTarget, usize, usize, usize, bool)>,
    lines: StoredLines,
    source_hash: u64,
    front_hash: u64,
}

/// `FieldLines`, field for field.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredLines {
    title: usize,
    summary: usize,
    impact: usize,
    timeline: usize,
    timeline_unordered: Option<usize>,
    related: Vec<(usize, usize, usize)>,
    timeline_incomplete: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredAction {
    title: String,
    owner: Option<String>,
    due: Option<Date>,
    status: u8,
    kind: Option<u8>,
    outcome: Option<String>,
    ticket: Option<String>,
    completed: Option<Date>,
    line: usize,
    ticket_at: (usize, usize, usize),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum StoredTarget {
    Fragment(String),
    Relative(String, Option<String>),
    Root(String),
}

impl StoredPostmortem {
    fn of(pm: &Postmortem) -> StoredPostmortem {
        let l = &pm.lines;
        StoredPostmortem {
            id: pm.id.clone(),
            path: pm.path.clone(),
            title: pm.title.clone(),
            date: pm.date,
            severity: pm.severity.clone(),
            status: index_of(&Status::ALL, pm.status.as_str()),
            services: pm.services.clone(),
            teams: pm.teams.clone(),
            authors: pm.authors.clone(),
            tags: pm.tags.clone(),
            summary: pm.summary.clone(),
            impact: pm.impact.clone(),
            factors: pm.factors.iter().map(|f| (f.id.clone(), f.note.clone())).collect(),
            timeline: pm
                .timeline
                .iter()
                .map(|e| (e.at, index_of(&EventKind::ALL, e.kind.as_str()), e.text.clone(), e.line))
                .collect(),
            action_items: pm
                .action_items
                .iter()
                .map(|a| StoredAction {
                    title: a.title.clone(),
                    owner: a.owner.clone(),
                    due: a.due,
                    status: index_of(&ActionStatus::ALL, a.status.as_str()),
                    kind: a.kind.map(|k| index_of(&ActionType::ALL, k.as_str())),
                    outcome: a.outcome.clone(),
                    ticket: a.ticket.clone(),
                    completed: a.completed,
                    line: a.line,
                    ticket_at: a.ticket_at,
                })
                .collect(),
            related: pm.related.clone(),
            visibility: pm.visibility as u8,
            internal_fields: pm.internal_fields.clone(),
            extra: serde_json::to_string(&pm.extra).unwrap_or_default(),
            body: pm.body.to_string(),
            body_line: pm.body_line,
            links: pm.links.iter().map(|b| (b.target.clone(), b.line, b.column, b.width)).collect(),
            refs: pm
                .refs
                .iter()
                .map(|r| {
                    let target = match &r.target {
                        Target::Fragment(f) => StoredTarget::Fragment(f.clone()),
                        Target::Relative { path, fragment } => StoredTarget::Relative(path.clone(), fragment.clone()),
                        Target::Root { path } => StoredTarget::Root(path.clone()),
                    };
                    (target, r.line, r.column, r.width, r.image)
                })
                .collect(),
            lines: StoredLines {
                title: l.title,
                summary: l.summary,
                impact: l.impact,
                timeline: l.timeline,
                timeline_unordered: l.timeline_unordered,
                related: l.related.clone(),
                timeline_incomplete: l.timeline_incomplete,
            },
            source_hash: pm.source_hash,
            front_hash: pm.front_hash,
        }
    }

    fn into_postmortem(self) -> Option<Postmortem> {
        let name = |all: &'static [&'static str], i: u8| all.get(i as usize).copied();
        let l = self.lines;
        Some(Postmortem {
            id: self.id,
            path: self.path,
            title: self.title,
            date: self.date,
            severity: self.severity,
            status: Status::parse(name(&Status::ALL, self.status)?)?,
            services: self.services,
            teams: self.teams,
            authors: self.authors,
            tags: self.tags,
            summary: self.summary,
            impact: self.impact,
            factors: self.factors.into_iter().map(|(id, note)| FactorRef { id, note }).collect(),
            timeline: self
                .timeline
                .into_iter()
                .map(|(at, kind, text, line)| {
                    Some(TimelineEvent { at, kind: EventKind::parse(name(&EventKind::ALL, kind)?)?, text, line })
                })
                .collect::<Option<_>>()?,
            action_items: self
                .action_items
                .into_iter()
                .map(|a| {
                    Some(ActionItem {
                        title: a.title,
                        owner: a.owner,
                        due: a.due,
                        status: ActionStatus::parse(name(&ActionStatus::ALL, a.status)?)?,
                        kind: match a.kind {
                            Some(k) => Some(ActionType::parse(name(&ActionType::ALL, k)?)?),
                            None => None,
                        },
                        outcome: a.outcome,
                        ticket: a.ticket,
                        completed: a.completed,
                        line: a.line,
                        ticket_at: a.ticket_at,
                    })
                })
                .collect::<Option<_>>()?,
            related: self.related,
            visibility: Visibility::parse(name(&Visibility::ALL, self.visibility)?)?,
            internal_fields: self.internal_fields,
            extra: serde_json::from_str(&self.extra).ok()?,
            body: Arc::from(self.body),
            body_line: self.body_line,
            links: self
                .links
                .into_iter()
                .map(|(target, line, column, width)| BodyLink { target, line, column, width })
                .collect(),
            refs: self
                .refs
                .into_iter()
                .map(|(target, line, column, width, image)| LocalRef {
                    target: match target {
                        StoredTarget::Fragment(f) => Target::Fragment(f),
                        StoredTarget::Relative(path, fragment) => Target::Relative { path, fragment },
                        StoredTarget::Root(path) => Target::Root { path },
                    },
                    line,
                    column,
                    width,
                    image,
                })
                .collect(),
            lines: FieldLines {
                title: l.title,
                summary: l.summary,
                impact: l.impact,
                timeline: l.timeline,
                timeline_unordered: l.timeline_unordered,
                related: l.related,
                timeline_incomplete: l.timeline_incomplete,
            },
            source_hash: self.source_hash,
            front_hash: self.front_hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parsed_postmortem_round_trips_through_the_cache_encoding_whole() {
        let text = "---\ntitle: \"Disk full: \\\"db\\\"\"\ndate: 2024-03-01\nseverity: SEV2\nstatus: published\nservices: [db]\nteams: [storage]\nsummary: Filled up.\nimpact: Writes failed.\nowner_note: {nested: [1, 2]}\nfactors:\n  - id: capacity\n    note: no alert\ntimeline:\n  - at: 2024-03-01T10:00:00Z\n    kind: detection\n    text: Paged\naction_items:\n  - title: Alert at 80%\n    owner: ana\n    due: 2024-04-01\n    status: in-progress\n    type: detect\n    ticket: DB-1\nrelated: [other]\n---\n\nSee [the graph](graph.png) and [h](#h) and [root](/files/x.pdf#p).\n\n![img](a/b.png)\n";
        let t = tempfile::tempdir().unwrap();
        let rel = std::path::Path::new("content/2024/x.md");
        std::fs::create_dir_all(t.path().join("content/2024")).unwrap();
        std::fs::write(t.path().join(rel), text).unwrap();
        std::fs::write(
            t.path().join("site.toml"),
            "title = \"t\"\n[factors.capacity]\ntitle = \"Capacity\"\ncategory = \"design\"\n",
        )
        .unwrap();
        let loaded = crate::load::load(t.path());
        let pm = loaded.postmortems.iter().find(|p| p.path == rel).expect("parsed").clone();
        assert!(!pm.refs.is_empty() && !pm.action_items.is_empty() && !pm.extra.is_empty());
        let result = (
            Some(pm.clone()),
            vec![crate::diagnostics::Diagnostic::warning(
                crate::diagnostics::Code::ActionNoOutcome,
                rel,
                20,
                5,
                "no outcome",
            )],
        );
        let stored = Parsed::of("content/2024/x.md".into(), 9, &result);
        let bytes = bincode::serialize(&stored).unwrap();
        let back: Parsed = bincode::deserialize(&bytes).unwrap();
        let (back_pm, back_diags) = back.result().unwrap();
        assert_eq!(*back_pm.unwrap(), *pm);
        assert_eq!(back_diags, result.1);
    }
}
