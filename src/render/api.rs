//! The objects of `/api/postmortems.json` (docs/api.md): their own structs, so that the
//! model can change (it carries line tables and hashes) without changing what other
//! tools read. Fields are in the order the API has always written them: alphabetical.

use super::Site;
use crate::routes;
use serde::Serialize;

#[derive(Serialize)]
struct Postmortem<'a> {
    action_items: Vec<Action<'a>>,
    authors: &'a [String],
    date: String,
    extra: &'a serde_json::Map<String, serde_json::Value>,
    factors: Vec<Factor<'a>>,
    figures: Figures,
    id: &'a str,
    impact: &'a str,
    path: String,
    referenced_by: Vec<&'a str>,
    related: &'a [String],
    services: &'a [String],
    severity: &'a str,
    status: &'a str,
    summary: &'a str,
    tags: &'a [String],
    teams: &'a [String],
    timeline: Vec<Event<'a>>,
    title: &'a str,
    url: String,
}

#[derive(Serialize)]
struct Action<'a> {
    completed: Option<String>,
    due: Option<String>,
    outcome: Option<&'a str>,
    owner: Option<&'a str>,
    status: &'a str,
    ticket: Option<&'a str>,
    title: &'a str,
    #[serde(rename = "type")]
    kind: Option<&'a str>,
}

#[derive(Serialize)]
struct Event<'a> {
    at: String,
    kind: &'a str,
    text: &'a str,
}

#[derive(Serialize)]
struct Factor<'a> {
    id: &'a str,
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct Figures {
    time_to_detect_secs: Option<i64>,
    time_to_diagnose_secs: Option<i64>,
    time_to_mitigate_secs: Option<i64>,
    time_to_recover_secs: Option<i64>,
}

/// Postmortem `i` as one JSON object.
pub(super) fn postmortem(site: &Site, i: usize) -> String {
    let kb = site.kb;
    let pm = &kb.postmortems[i];
    let f = &kb.figures[i];
    let secs = |d: Option<jiff::SignedDuration>| d.map(|d| d.as_secs());
    let item = Postmortem {
        action_items: pm
            .action_items
            .iter()
            .map(|a| Action {
                completed: a.completed.map(|d| d.to_string()),
                due: a.due.map(|d| d.to_string()),
                outcome: a.outcome.as_deref(),
                owner: a.owner.as_deref(),
                status: a.status.as_str(),
                ticket: a.ticket.as_deref(),
                title: &a.title,
                kind: a.kind.map(|k| k.as_str()),
            })
            .collect(),
        authors: &pm.authors,
        date: pm.date.to_string(),
        extra: &pm.extra,
        factors: pm.factors.iter().map(|f| Factor { id: &f.id, note: f.note.as_deref() }).collect(),
        figures: Figures {
            time_to_detect_secs: secs(f.detect),
            time_to_diagnose_secs: secs(f.diagnose),
            time_to_mitigate_secs: secs(f.mitigate),
            time_to_recover_secs: secs(f.recover),
        },
        id: &pm.id,
        impact: &pm.impact,
        path: pm.path.to_string_lossy().into_owned(),
        referenced_by: kb.referenced_by[i].iter().map(|&j| kb.postmortems[j].id.as_str()).collect(),
        related: &pm.related,
        services: &pm.services,
        severity: &pm.severity,
        status: pm.status.as_str(),
        summary: &pm.summary,
        tags: &pm.tags,
        teams: &pm.teams,
        timeline: pm
            .timeline
            .iter()
            .map(|e| Event { at: e.at.to_string(), kind: e.kind.as_str(), text: &e.text })
            .collect(),
        title: &pm.title,
        url: routes::absolute(&kb.config.base_url, &routes::incident(&pm.id)),
    };
    serde_json::to_string(&item).unwrap_or_default()
}
