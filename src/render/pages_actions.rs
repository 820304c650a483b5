//! Views for `/actions/` (and per owner and team).

use super::value::{obj, strings};
use super::{Dim, Page, Site};
use crate::actions::{self, ActionRow};
use crate::routes;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use tera::Context;

pub(super) fn action_view(site: &Site, r: &ActionRow) -> tera::Value {
    obj! {
        "incident" => r.incident, "incident_title" => r.incident_title, "incident_url" => routes::incident_url(r.incident),
        "incident_date" => r.incident_date.to_string(), "severity" => r.severity,
        "severity_rank" => site.kb.severity_rank(r.severity),
        "services" => strings(r.services), "teams" => strings(r.teams), "title" => r.title, "owner" => r.owner,
        "owner_url" => r.owner.map(|o| site.slugs.url(Dim::Owners, o)),
        "due" => r.due.map(|d| d.to_string()), "status" => r.status.as_str(), "type" => r.kind, "outcome" => r.outcome,
        "ticket" => r.ticket,
        "ticket_url" => r.ticket.and_then(|t| crate::tickets::link::link(t, &site.kb.config.tickets.trackers, site.kb.config.ticket_url.as_ref())),
        "days_overdue" => r.days_overdue, "completed" => r.completed.map(|d| d.to_string()), "overdue" => r.overdue, "done_late" => r.done_late,
        "tracked" => r.tracked.is_some(), "tracker" => r.tracked.as_ref().map(super::tickets::view),
    }
}

fn health_view(h: &actions::Health) -> Value {
    let pct = |x: f64| format!("{:.0}%", x * 100.0);
    json!({
        "total": h.total, "open": h.open, "overdue": h.overdue, "done": h.done, "done_late": h.done_late,
        "wont_do": h.wont_do, "with_owner": pct(h.with_owner), "with_due": pct(h.with_due),
        "with_outcome": pct(h.with_outcome),
        "median_days_to_complete": h.median_days_to_complete.map(|d| format!("{d:.0} days")),
        "tracker": h.tracker.as_ref().map(|t| json!({
            "judged_by_tracker": t.judged_by_tracker, "drifted": t.drifted,
            "synced_at": t.synced_at.map(|s| s.strftime("%Y-%m-%d %H:%M UTC").to_string()),
        })),
        "open_by_age": actions::AGE_BUCKETS.iter().map(|(b, _)| json!({ "name": b, "count": h.open_by_age.get(b).copied().unwrap_or(0) })).collect::<Vec<_>>(),
        "by_type": h.by_type.iter().map(|(t, n)| json!({ "name": t, "count": n })).collect::<Vec<_>>(),
    })
}

/// One of the action lists: the site-wide one, or an owner's or a team's.
pub(super) enum List<'a> {
    All,
    Owner(&'a str),
    Team(&'a str),
}

/// Every action list's items (indexes into `Site::actions`, in the order shown), made in
/// one pass: each of the hundreds of pages of these lists needs its list's length and rows.
#[derive(Debug, Default)]
pub(super) struct ActionLists {
    /// The site-wide list: what needs attention. Closed items would make it unreadably long
    /// at 10,000 postmortems, and live on owner and team pages and in the CSV.
    all: Vec<usize>,
    owners: HashMap<String, Vec<usize>>,
    teams: HashMap<String, Vec<usize>>,
    /// Each service's items, open or closed, for its service page (which has no list of
    /// its own under /actions/: its link there sets the page's service filter).
    services: HashMap<String, Vec<usize>>,
}

impl ActionLists {
    pub(super) fn new(actions: &[ActionRow]) -> ActionLists {
        let mut lists = ActionLists::default();
        for (k, r) in actions.iter().enumerate() {
            // An item whose file and tracker disagree needs someone too, closed or not.
            if !r.state.is_closed() || r.tracked.as_ref().is_some_and(|t| t.drift.is_some()) {
                lists.all.push(k);
            }
            if let Some(o) = r.owner {
                add(&mut lists.owners, o, k);
            }
            r.teams.iter().for_each(|t| add(&mut lists.teams, t, k));
            r.services.iter().for_each(|s| add(&mut lists.services, s, k));
        }
        lists
    }

    /// The items of a service's postmortems, in the order `/actions/` lists them.
    pub(super) fn of_service(&self, service: &str) -> &[usize] {
        self.services.get(service).map_or(&[], Vec::as_slice)
    }

    pub(super) fn get(&self, list: &List) -> &[usize] {
        match list {
            List::All => &self.all,
            List::Owner(o) => self.owners.get(*o).map_or(&[], Vec::as_slice),
            List::Team(t) => self.teams.get(*t).map_or(&[], Vec::as_slice),
        }
    }
}

pub(super) fn fill(
    site: &Site,
    page: &Page,
    ctx: &mut Context,
    root: &str,
) -> Result<(), crate::diagnostics::Diagnostic> {
    let (title, list) = match page {
        Page::ActionsOwner(o, _) => (format!("Action items: {o}"), List::Owner(o)),
        Page::ActionsTeam(t, _) => (format!("Action items: team {t}"), List::Team(t)),
        _ => ("Action items".to_string(), List::All),
    };
    let all_items = !matches!(list, List::All);
    let shown_ids = site.action_index.lists.get(&list);
    let paging = site.paging(page).expect("an action list is paginated");
    let first = super::list_first_page(&site.slugs, page).map(|(p, _)| p).unwrap_or_default();
    let on_page = paging.slice(shown_ids);
    // Health covers the whole list (every item, closed too) and is page 1's alone.
    let selected: usize = if all_items { shown_ids.len() } else { site.actions.len() };
    let health = match paging.current {
        1 => {
            let rows: Vec<&ActionRow> = match all_items {
                true => shown_ids.iter().map(|&k| &site.actions[k]).collect(),
                false => site.actions.iter().collect(),
            };
            actions::health_in(site.kb, &rows)
        }
        _ => actions::Health::default(),
    };
    // The in-page filter works on this page's rows, so it offers their values.
    let mut owners = BTreeSet::new();
    let mut teams = BTreeSet::new();
    let mut services = BTreeSet::new();
    for r in on_page.iter().map(|&k| &site.actions[k]) {
        owners.extend(r.owner);
        teams.extend(r.teams.iter().map(String::as_str));
        services.extend(r.services.iter().map(String::as_str));
    }
    // Per-team health, for the site-wide list's first page.
    let team_health: Vec<Value> = if all_items || paging.current > 1 {
        Vec::new()
    } else {
        site.kb
            .indexes
            .teams
            .keys()
            .map(|t| {
                let rows: Vec<&ActionRow> = site.action_index.lists.get(&List::Team(t)).iter().map(|&k| &site.actions[k]).collect();
                json!({ "name": t, "url": routes::actions_team_url(&site.slugs.get(Dim::Teams, t)), "health": health_view(&actions::health(&rows)) })
            })
            .collect()
    };
    ctx.insert("title", &title);
    ctx.insert("all_items", &all_items);
    ctx.insert("items_html", &site.actions_html(on_page, root)?);
    ctx.insert_value("paginator", paging.view(&first));
    ctx.insert("count", &shown_ids.len());
    ctx.insert("closed_hidden", &(selected - shown_ids.len()));
    ctx.insert("health", &health_view(&health));
    ctx.insert("team_health", &team_health);
    ctx.insert(
        "facets",
        &json!({
            "owners": owners, "teams": teams, "services": services,
            "statuses": crate::model::ActionStatus::ALL, "types": crate::model::ActionType::ALL,
        }),
    );
    let owner_links: Vec<Value> =
        site.kb.indexes.owners.keys().map(|o| json!({ "name": o, "url": site.slugs.url(Dim::Owners, o) })).collect();
    ctx.insert("owner_links", &owner_links);
    Ok(())
}

/// Lists item `k` under `name` once; the name is copied only the first time (tens of
/// thousands of items on every serve rebuild).
fn add(map: &mut HashMap<String, Vec<usize>>, name: &str, k: usize) {
    match map.get_mut(name) {
        Some(items) if items.last() == Some(&k) => {}
        Some(items) => items.push(k),
        None => {
            map.insert(name.to_string(), vec![k]);
        }
    }
}
