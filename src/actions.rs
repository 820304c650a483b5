//! Action items across the knowledge base: who owns what, what is overdue, and how
//! healthy follow-up is per team. Feeds `/actions/`, the API files and `pmsite actions`.

use crate::kb::KnowledgeBase;
use crate::model::{ActionItem, ActionStatus};
use crate::tickets::{Drift, Source};
use jiff::civil::Date;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// One action item with the incident it came from.
#[derive(Debug, Clone, Serialize)]
pub struct ActionRow<'a> {
    /// The id of the postmortem the item comes from.
    pub(crate) incident: &'a str,
    pub(crate) incident_title: &'a str,
    pub(crate) incident_date: Date,
    /// The incident's severity level, as the site names it.
    pub(crate) severity: &'a str,
    /// The incident's services.
    pub(crate) services: &'a [String],
    /// The incident's teams.
    pub(crate) teams: &'a [String],
    /// What the item says is to be done.
    pub title: &'a str,
    /// The owner the file names.
    pub(crate) owner: Option<&'a str>,
    /// The due date the file gives.
    pub(crate) due: Option<Date>,
    /// The status the file gives; `state` is the one reports judge by.
    pub(crate) status: ActionStatus,
    /// The item's `type` (detect, mitigate, prevent, ...), None when the file gives none.
    #[serde(rename = "type")]
    pub(crate) kind: Option<&'static str>,
    /// The measurable outcome the item promises.
    pub(crate) outcome: Option<&'a str>,
    /// The tracker ticket the file names (`PAY-101`, `acme/ops#123` or an issue URL).
    pub(crate) ticket: Option<&'a str>,
    /// The completion date the file gives.
    pub(crate) completed: Option<Date>,
    /// Not closed by `state` and past due on `--today` (the file's due date, else the
    /// tracker's).
    pub overdue: bool,
    /// Whole days past due on `--today`, for overdue items (the due date reports judge by).
    #[serde(skip)]
    pub(crate) days_overdue: Option<i64>,
    /// Done after its due date.
    pub(crate) done_late: bool,
    /// Days from the incident to completion, for done items with a completion date.
    pub(crate) days_to_complete: Option<i64>,
    /// Days since the incident, for items still open.
    pub(crate) age_days: Option<i64>,
    /// Index of its postmortem in `KnowledgeBase::postmortems`.
    #[serde(skip)]
    pub(crate) pm: usize,
    /// Position among its postmortem's action items.
    #[serde(skip)]
    pub(crate) item: usize,
    /// The status reports judge by (`tickets::reconcile`): the tracker's open or closed
    /// when it knows the ticket, else the file's.
    #[serde(skip)]
    pub(crate) state: ActionStatus,
    /// The tracker's side; None when the knowledge base has no ticket snapshot, so that
    /// output without one is what it always was.
    #[serde(flatten)]
    pub(crate) tracked: Option<Tracked<'a>>,
}

/// An action item's tracker columns, present whenever a ticket snapshot was read.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Tracked<'a> {
    /// None when the snapshot has no state for the ticket (or the item names none).
    pub(crate) tracker: Option<TrackerView<'a>>,
    pub(crate) drift: Option<Drift>,
    /// Which view `overdue`, `done_late` and the health figures were judged from.
    pub(crate) status_source: Source,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct TrackerView<'a> {
    pub(crate) ticket: &'a str,
    pub(crate) state: &'static str,
    pub(crate) status: &'a str,
    pub(crate) closed: Option<Date>,
    pub(crate) assignee: Option<&'a str>,
    pub(crate) due: Option<Date>,
    pub(crate) url: &'a str,
    pub(crate) seen: Option<jiff::Timestamp>,
}

pub(crate) fn tracked<'a>(r: &crate::tickets::Reconciled<'a>) -> Tracked<'a> {
    Tracked {
        tracker: r.tracker.map(|(key, e, s)| TrackerView {
            ticket: key,
            state: s.state.as_str(),
            status: &s.status,
            closed: s.closed,
            assignee: s.assignee.as_deref(),
            due: s.due,
            url: &e.url,
            seen: e.seen,
        }),
        drift: r.drift,
        status_source: r.source,
    }
}

fn days(from: Date, to: Date) -> i64 {
    from.until(to).map(|s| s.get_days() as i64).unwrap_or(0)
}

fn row<'a>(kb: &'a KnowledgeBase, pm: usize, item: usize, a: &'a ActionItem) -> ActionRow<'a> {
    let p = &kb.postmortems[pm];
    let rec = crate::tickets::reconcile(a, kb.tickets.as_deref(), &kb.config.tickets.trackers);
    let done_late = rec.status == ActionStatus::Done && matches!((rec.due, rec.completed), (Some(d), Some(c)) if c > d);
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
        overdue: rec.is_overdue(kb.today),
        days_overdue: crate::tickets::link::days_overdue(rec.is_overdue(kb.today), rec.due, kb.today),
        done_late,
        days_to_complete: (rec.status == ActionStatus::Done)
            .then_some(rec.completed)
            .flatten()
            .map(|c| days(p.date, c)),
        age_days: (!rec.status.is_closed()).then(|| days(p.date, kb.today)),
        pm,
        item,
        state: rec.status,
        tracked: kb.tickets.is_some().then(|| tracked(&rec)),
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
            } else if !r.state.is_closed() {
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

/// `all`, in an order an earlier `all` gave for the same front matter, tickets and
/// day: the rows made again, the sort skipped.
pub(crate) fn in_order<'a>(kb: &'a KnowledgeBase, order: &[(usize, usize)]) -> Vec<ActionRow<'a>> {
    let rows: Vec<ActionRow> =
        order.par_iter().map(|&(pm, item)| row(kb, pm, item, &kb.postmortems[pm].action_items[item])).collect();
    // The premise, checked wherever tests run: an input of the order that the caller's
    // key leaves out fails here rather than as a list in the wrong order.
    debug_assert!(
        all(kb).iter().map(|r| (r.pm, r.item)).eq(order.iter().copied()),
        "action order carried over differs from the order made again"
    );
    rows
}

/// Which rows `pmsite actions` shows: a row is kept when it matches every field that
/// is set.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only overdue items.
    pub overdue: bool,
    /// Only items with exactly this owner.
    pub owner: Option<String>,
    /// Only items whose incident lists this team.
    pub team: Option<String>,
    /// Only items whose incident lists this service.
    pub service: Option<String>,
    /// A site level (`SiteConfig::severity_filter` turns an alias into one).
    pub severity: Option<String>,
    /// Only items whose file gives this status.
    pub status: Option<ActionStatus>,
}

impl Filter {
    /// Whether `r` matches every condition that is set.
    pub(crate) fn keep(&self, r: &ActionRow) -> bool {
        (!self.overdue || r.overdue)
            && self.owner.as_deref().is_none_or(|o| r.owner == Some(o))
            && self.team.as_ref().is_none_or(|t| r.teams.contains(t))
            && self.service.as_ref().is_none_or(|s| r.services.contains(s))
            && self.severity.as_deref().is_none_or(|s| r.severity == s)
            && self.status.is_none_or(|s| r.status == s)
    }
}

/// Counts and follow-up health of a set of action items.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Health {
    /// Items counted.
    pub total: usize,
    /// Items open or in progress, by the status reports judge by.
    pub open: usize,
    /// Items past due and not closed.
    pub overdue: usize,
    /// Items done.
    pub done: usize,
    /// Items done after their due date.
    pub done_late: usize,
    /// Items closed as won't do.
    pub wont_do: usize,
    /// Shares (0..=1) of items with an owner, a due date, a measurable outcome.
    pub(crate) with_owner: f64,
    pub(crate) with_due: f64,
    pub(crate) with_outcome: f64,
    /// Median days from incident to completion, over done items that give a completion
    /// date; None when there are none.
    pub median_days_to_complete: Option<f64>,
    /// Open items by age since their incident.
    pub(crate) open_by_age: BTreeMap<&'static str, usize>,
    pub(crate) by_type: BTreeMap<&'static str, usize>,
    /// With a ticket snapshot: how many items were judged by their tracker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tracker: Option<TrackerHealth>,
}

/// With a ticket snapshot: how far the tracker, not the files, decided the figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct TrackerHealth {
    /// Items whose open or closed state came from the tracker, not the file.
    pub(crate) judged_by_tracker: usize,
    /// Items whose file and tracker disagree.
    pub(crate) drifted: usize,
    /// When the snapshot was synced.
    pub(crate) synced_at: Option<jiff::Timestamp>,
}

pub(crate) const AGE_BUCKETS: [(&str, i64); 4] =
    [("under 30 days", 30), ("30–90 days", 90), ("90–365 days", 365), ("over a year", i64::MAX)];

/// The counts and shares of `rows`. Tracker figures are left unset (see `health_in`).
pub fn health(rows: &[&ActionRow]) -> Health {
    let n = rows.len();
    let share = |k: usize| if n == 0 { 0.0 } else { k as f64 / n as f64 };
    let mut h = Health { total: n, ..Default::default() };
    let mut days = Vec::new();
    for r in rows {
        match r.state {
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

/// `health` with the tracker figures of a knowledge base that has a ticket snapshot.
pub(crate) fn health_in(kb: &KnowledgeBase, rows: &[&ActionRow]) -> Health {
    let mut h = health(rows);
    if let Some(t) = &kb.tickets {
        let tracked = || rows.iter().filter_map(|r| r.tracked.as_ref());
        h.tracker = Some(TrackerHealth {
            judged_by_tracker: tracked().filter(|t| t.status_source == Source::Tracker).count(),
            drifted: tracked().filter(|t| t.drift.is_some()).count(),
            synced_at: t.snapshot.synced_at,
        });
    }
    h
}

/// How `pmsite actions` prints its report (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// Aligned columns for a terminal, control characters made safe.
    Table,
    /// One JSON document with `health` and `action_items`.
    Json,
    /// CSV with RFC 4180 quoting, formula cells neutralised.
    Csv,
}

/// What `pmsite actions` prints, and what its `--fail-on-…` flags look at.
pub struct Report {
    /// The report in the chosen format.
    pub text: String,
    /// Shown items that are overdue.
    pub overdue: usize,
    /// Shown items whose file and tracker disagree.
    pub drifted: usize,
}

/// `pmsite actions`: the filtered report.
pub fn report(kb: &KnowledgeBase, filter: &Filter, format: ReportFormat) -> Report {
    let rows = all(kb);
    let selected: Vec<&ActionRow> = rows.iter().filter(|r| filter.keep(r)).collect();
    let overdue = selected.iter().filter(|r| r.overdue).count();
    let drifted = selected.iter().filter(|r| r.tracked.as_ref().is_some_and(|t| t.drift.is_some())).count();
    let tracked = kb.tickets.is_some();
    let text = match format {
        ReportFormat::Table => to_table(&selected),
        ReportFormat::Json => to_json(kb, &selected),
        ReportFormat::Csv => to_csv(&selected, tracked),
    };
    Report { text, overdue, drifted }
}

pub(crate) const CSV_HEADER: &str =
    "incident,incident_date,severity,services,teams,title,owner,due,status,type,outcome,ticket,completed,overdue\r\n";
/// The columns a ticket snapshot adds, after `CSV_HEADER`'s.
const CSV_TRACKER_COLUMNS: &str = ",tracker_state,tracker_status,tracker_closed,tracker_assignee,tracker_due,tracker_url,tracker_seen,drift,status_source";

/// The header line; `tracked` when the knowledge base has a ticket snapshot.
pub(crate) fn csv_header(tracked: bool) -> String {
    if tracked { CSV_HEADER.replace("\r\n", &format!("{CSV_TRACKER_COLUMNS}\r\n")) } else { CSV_HEADER.to_string() }
}

/// CSV with RFC 4180 quoting and formula cells neutralised (`crate::csv`).
pub(crate) fn to_csv(rows: &[&ActionRow], tracked: bool) -> String {
    let mut out = csv_header(tracked);
    rows.iter().for_each(|r| out.push_str(&csv_line(r)));
    out
}

/// One record, with its line end.
pub(crate) fn csv_line(r: &ActionRow) -> String {
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
    let Some(t) = &r.tracked else { return crate::csv::record(&cols) };
    let date = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
    let v = t.tracker.as_ref();
    let extra = [
        v.map(|v| v.state.to_string()).unwrap_or_default(),
        v.map(|v| v.status.to_string()).unwrap_or_default(),
        date(v.and_then(|v| v.closed)),
        v.and_then(|v| v.assignee).unwrap_or("").to_string(),
        date(v.and_then(|v| v.due)),
        v.map(|v| v.url.to_string()).unwrap_or_default(),
        v.and_then(|v| v.seen).map(|s| s.to_string()).unwrap_or_default(),
        t.drift.map(|d| d.as_str().to_string()).unwrap_or_default(),
        t.status_source.as_str().to_string(),
    ];
    let all: Vec<String> = cols.into_iter().chain(extra).collect();
    crate::csv::record(&all)
}

pub(crate) fn to_json(kb: &KnowledgeBase, rows: &[&ActionRow]) -> String {
    let refs: Vec<&ActionRow> = rows.to_vec();
    let doc = serde_json::json!({ "version": 1, "today": kb.today.to_string(), "health": health_in(kb, &refs), "action_items": refs });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// The file's status, and the tracker's beside it when they are not the same.
fn status_cell(r: &ActionRow) -> String {
    let mut cell = r.status.as_str().to_string();
    if let Some(t) = &r.tracked {
        match (&t.tracker, t.drift) {
            (Some(v), Some(d)) => cell.push_str(&format!(" (tracker: {}; {})", v.state, d.as_str())),
            (Some(v), None) if (v.state == "closed") != r.status.is_closed() => {
                cell.push_str(&format!(" (tracker: {})", v.state))
            }
            _ => {}
        }
    }
    cell
}

/// A plain table for terminals and CI logs.
pub(crate) fn to_table(rows: &[&ActionRow]) -> String {
    use crate::terminal::safe;
    let header = ["DUE", "STATUS", "OWNER", "INCIDENT", "ACTION"];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.due.map(|d| d.to_string()).unwrap_or_else(|| "-".into()) + if r.overdue { " !" } else { "" },
                status_cell(r),
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
            days_overdue: None,
            done_late: false,
            days_to_complete: None,
            age_days: Some(3),
            pm: 0,
            item: 0,
            state: ActionStatus::Open,
            tracked: None,
        };
        let csv = to_csv(&[&r], false);
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
