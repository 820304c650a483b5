//! Action items across the knowledge base: who owns what, what is overdue, and how
//! healthy follow-up is per team. Feeds `/actions/`, the API files and `pmsite actions`.

use crate::kb::KnowledgeBase;
use crate::model::{ActionItem, ActionStatus};
use jiff::civil::Date;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// One action item with the incident it came from.
#[derive(Debug, Clone, Serialize)]
pub struct ActionRow<'a> {
    pub incident: &'a str,
    pub incident_title: &'a str,
    pub incident_date: Date,
    pub severity: &'a str,
    pub services: &'a [String],
    pub teams: &'a [String],
    pub title: &'a str,
    pub owner: Option<&'a str>,
    pub due: Option<Date>,
    pub status: ActionStatus,
    #[serde(rename = "type")]
    pub kind: Option<&'static str>,
    pub outcome: Option<&'a str>,
    pub ticket: Option<&'a str>,
    pub completed: Option<Date>,
    pub overdue: bool,
    /// Done after its due date.
    pub done_late: bool,
    /// Days from the incident to completion, for done items with a completion date.
    pub days_to_complete: Option<i64>,
    /// Days since the incident, for items still open.
    pub age_days: Option<i64>,
    #[serde(skip)]
    pub pm: usize,
    /// Position among its postmortem's action items.
    #[serde(skip)]
    pub item: usize,
}

fn days(from: Date, to: Date) -> i64 {
    from.until(to).map(|s| s.get_days() as i64).unwrap_or(0)
}

fn row<'a>(kb: &'a KnowledgeBase, pm: usize, item: usize, a: &'a ActionItem) -> ActionRow<'a> {
    let p = &kb.postmortems[pm];
    let done_late = a.status == ActionStatus::Done && matches!((a.due, a.completed), (Some(d), Some(c)) if c > d);
    ActionRow {
        incident: &p.id,
        incident_title: &p.title,
        incident_date: p.date,
        severity: &p.severity,
        services: &p.services,
        teams: &p.teams,
        title: &a.title,
        owner: a.owner.as_deref(),
        due: a.due,
        status: a.status,
        kind: a.kind.map(|k| k.as_str()),
        outcome: a.outcome.as_deref(),
        ticket: a.ticket.as_deref(),
        completed: a.completed,
        overdue: a.is_overdue(kb.today),
        done_late,
        days_to_complete: (a.status == ActionStatus::Done).then_some(a.completed).flatten().map(|c| days(p.date, c)),
        age_days: (!a.status.is_closed()).then(|| days(p.date, kb.today)),
        pm,
        item,
    }
}

/// Every action item of every visible postmortem: overdue first (oldest due first),
/// then open by due date, then closed, newest incident first within each.
pub fn all(kb: &KnowledgeBase) -> Vec<ActionRow<'_>> {
    // Tens of thousands of rows at 10,000 postmortems, made on every serve rebuild.
    let visible: Vec<usize> = kb.visible_ids().collect();
    let mut rows: Vec<ActionRow> = visible
        .par_iter()
        .flat_map_iter(|&i| kb.postmortems[i].action_items.iter().enumerate().map(move |(n, a)| row(kb, i, n, a)))
        .collect();
    rows.par_sort_by(|a, b| {
        let rank = |r: &ActionRow| {
            if r.overdue {
                0
            } else if !r.status.is_closed() {
                1
            } else {
                2
            }
        };
        rank(a)
            .cmp(&rank(b))
            .then_with(|| match rank(a) {
                2 => b.incident_date.cmp(&a.incident_date),
                _ => a.due.unwrap_or(Date::MAX).cmp(&b.due.unwrap_or(Date::MAX)),
            })
            .then_with(|| a.incident.cmp(b.incident))
            .then_with(|| a.title.cmp(b.title))
    });
    rows
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub overdue: bool,
    pub owner: Option<String>,
    pub team: Option<String>,
    pub service: Option<String>,
    pub status: Option<ActionStatus>,
}

impl Filter {
    pub fn keep(&self, r: &ActionRow) -> bool {
        (!self.overdue || r.overdue)
            && self.owner.as_deref().is_none_or(|o| r.owner == Some(o))
            && self.team.as_ref().is_none_or(|t| r.teams.contains(t))
            && self.service.as_ref().is_none_or(|s| r.services.contains(s))
            && self.status.is_none_or(|s| r.status == s)
    }
}

/// Counts and follow-up health of a set of action items.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Health {
    pub total: usize,
    pub open: usize,
    pub overdue: usize,
    pub done: usize,
    pub done_late: usize,
    pub wont_do: usize,
    /// Shares (0..=1) of items with an owner, a due date, a measurable outcome.
    pub with_owner: f64,
    pub with_due: f64,
    pub with_outcome: f64,
    pub median_days_to_complete: Option<f64>,
    /// Open items by age since their incident.
    pub open_by_age: BTreeMap<&'static str, usize>,
    pub by_type: BTreeMap<&'static str, usize>,
}

pub const AGE_BUCKETS: [(&str, i64); 4] =
    [("under 30 days", 30), ("30–90 days", 90), ("90–365 days", 365), ("over a year", i64::MAX)];

pub fn health(rows: &[&ActionRow]) -> Health {
    let n = rows.len();
    let share = |k: usize| if n == 0 { 0.0 } else { k as f64 / n as f64 };
    let mut h = Health { total: n, ..Default::default() };
    let mut days = Vec::new();
    for r in rows {
        match r.status {
            ActionStatus::Open | ActionStatus::InProgress => h.open += 1,
            ActionStatus::Done => h.done += 1,
            ActionStatus::WontDo => h.wont_do += 1,
        }
        h.overdue += usize::from(r.overdue);
        h.done_late += usize::from(r.done_late);
        if let Some(d) = r.days_to_complete {
            days.push(d as f64);
        }
        if let Some(age) = r.age_days {
            let bucket = AGE_BUCKETS.iter().find(|(_, max)| age < *max).map_or("over a year", |(b, _)| b);
            *h.open_by_age.entry(bucket).or_default() += 1;
        }
        *h.by_type.entry(r.kind.unwrap_or("unspecified")).or_default() += 1;
    }
    h.with_owner = share(rows.iter().filter(|r| r.owner.is_some()).count());
    h.with_due = share(rows.iter().filter(|r| r.due.is_some()).count());
    h.with_outcome = share(rows.iter().filter(|r| r.outcome.is_some()).count());
    days.sort_by(f64::total_cmp);
    h.median_days_to_complete = crate::figures::percentile(&days, 50.0);
    h
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
}

/// `pmsite actions`: the filtered report, and whether any shown item is overdue.
pub fn report(kb: &KnowledgeBase, filter: &Filter, format: ReportFormat) -> (String, usize) {
    let rows = all(kb);
    let selected: Vec<&ActionRow> = rows.iter().filter(|r| filter.keep(r)).collect();
    let overdue = selected.iter().filter(|r| r.overdue).count();
    let text = match format {
        ReportFormat::Table => to_table(&selected),
        ReportFormat::Json => to_json(&selected, kb.today),
        ReportFormat::Csv => to_csv(&selected),
    };
    (text, overdue)
}

pub const CSV_HEADER: &str =
    "incident,incident_date,severity,services,teams,title,owner,due,status,type,outcome,ticket,completed,overdue\r\n";

/// CSV with RFC 4180 quoting and formula cells neutralised (`crate::csv`).
pub fn to_csv(rows: &[&ActionRow]) -> String {
    let mut out = String::from(CSV_HEADER);
    rows.iter().for_each(|r| out.push_str(&csv_line(r)));
    out
}

/// One record, with its line end.
pub fn csv_line(r: &ActionRow) -> String {
    let cols = [
        r.incident.to_string(),
        r.incident_date.to_string(),
        r.severity.to_string(),
        r.services.join(";"),
        r.teams.join(";"),
        r.title.to_string(),
        r.owner.unwrap_or("").to_string(),
        r.due.map(|d| d.to_string()).unwrap_or_default(),
        r.status.as_str().to_string(),
        r.kind.unwrap_or("").to_string(),
        r.outcome.unwrap_or("").to_string(),
        r.ticket.unwrap_or("").to_string(),
        r.completed.map(|d| d.to_string()).unwrap_or_default(),
        r.overdue.to_string(),
    ];
    crate::csv::record(&cols)
}

pub fn to_json(rows: &[&ActionRow], today: Date) -> String {
    let refs: Vec<&ActionRow> = rows.to_vec();
    let doc =
        serde_json::json!({ "version": 1, "today": today.to_string(), "health": health(&refs), "action_items": refs });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// A plain table for terminals and CI logs.
pub fn to_table(rows: &[&ActionRow]) -> String {
    use crate::terminal::safe;
    let header = ["DUE", "STATUS", "OWNER", "INCIDENT", "ACTION"];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.due.map(|d| d.to_string()).unwrap_or_else(|| "-".into()) + if r.overdue { " !" } else { "" },
                r.status.as_str().to_string(),
                // Owners, ids and titles are the knowledge base's text, shown in a terminal.
                safe(r.owner.unwrap_or("(no owner)")).into_owned(),
                safe(r.incident).into_owned(),
                safe(r.title).into_owned(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for c in &cells {
        for (w, s) in widths.iter_mut().zip(c.iter()).take(4) {
            *w = (*w).max(s.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, c: [&str; 5]| {
        for (i, s) in c.iter().enumerate() {
            if i < 4 {
                out.push_str(&format!("{s:<w$}  ", w = widths[i]));
            } else {
                out.push_str(s);
            }
        }
        out.push('\n');
    };
    line(&mut out, header);
    for c in &cells {
        line(&mut out, [&c[0], &c[1], &c[2], &c[3], &c[4]]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_escaping() {
        let services = vec!["a,b".to_string()];
        let teams: Vec<String> = vec![];
        let r = ActionRow {
            incident: "x",
            incident_title: "X",
            incident_date: "2024-01-01".parse().unwrap(),
            severity: "SEV1",
            services: &services,
            teams: &teams,
            title: "Say \"hi\",\nthen go",
            owner: Some("Zoë Lefèvre"),
            due: None,
            status: ActionStatus::Open,
            kind: Some("detect"),
            outcome: None,
            ticket: None,
            completed: None,
            overdue: false,
            done_late: false,
            days_to_complete: None,
            age_days: Some(3),
            pm: 0,
            item: 0,
        };
        let csv = to_csv(&[&r]);
        let line = csv.lines().nth(1).unwrap();
        assert!(
            line.starts_with("x,2024-01-01,SEV1,\"a,b\",,\"Say \"\"hi\"\",\n")
                || csv.contains("\"Say \"\"hi\"\",\nthen go\""),
            "{csv}"
        );
        assert!(csv.contains("Zoë Lefèvre"));
        let h = health(&[&r]);
        assert_eq!((h.total, h.open, h.with_owner, h.with_due), (1, 1, 1.0, 0.0));
        assert_eq!(h.open_by_age["under 30 days"], 1);
    }
}
