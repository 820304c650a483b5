//! What a service's page shows beyond its incident list: its catalog facts
//! (site.toml `[services.<id>]`), its open action items and the services it most often
//! fails with. docs/templates.md documents the variables.

use super::{Dim, Site};
use crate::kb::KnowledgeBase;
use crate::routes;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tera::Context;

/// Open items listed in full; the rest are a link to `/actions/` away.
pub(super) const OPEN_ACTIONS_SHOWN: usize = 50;
/// Services listed under "Fails most often with".
pub(super) const CO_FAILING_SHOWN: usize = 10;

/// The catalog owner of `service` when it has a team page to link to. Whether it does
/// depends on postmortems other than the service's own, so the page's fingerprint
/// includes it (`incremental::fingerprint`).
pub(crate) fn owner_with_page<'k>(kb: &'k KnowledgeBase, service: &str) -> Option<&'k str> {
    let owner = kb.config.services.get(service)?.owner.as_deref()?;
    kb.ids_of(Dim::Teams, owner).is_some_and(|ids| !ids.is_empty()).then_some(owner)
}

/// Sets `service`, `open_actions`, `open_actions_count` and `co_failing` for a term page:
/// null and empty unless it is a service's. `ids` are the service's postmortems and
/// `summary` says whether this is its list's first page, the one that summarises them
/// (later pages read only their own rows).
pub(super) fn fill(site: &Site, dim: Dim, name: &str, ids: &[usize], summary: bool, ctx: &mut Context) {
    let (service, open, open_count, co) = match dim {
        Dim::Services => {
            let (open, count) = if summary { open_actions(site, name) } else { (Vec::new(), 0) };
            let co = if summary { co_failing(site, name, ids) } else { Vec::new() };
            (facts(site, name, count), open, count, co)
        }
        _ => (Value::Null, Vec::new(), 0, Vec::new()),
    };
    insert(ctx, service, open, open_count, co);
}

/// The same variables on a page that is not a service's (a factor's, which shares
/// `term.html`).
pub(super) fn absent(ctx: &mut Context) {
    insert(ctx, Value::Null, Vec::new(), 0, Vec::new());
}

fn insert(ctx: &mut Context, service: Value, open: Vec<Value>, open_count: usize, co: Vec<Value>) {
    ctx.insert("service", &service);
    ctx.insert("open_actions", &open);
    ctx.insert("open_actions_count", &open_count);
    ctx.insert("co_failing", &co);
}

fn facts(site: &Site, name: &str, open_count: usize) -> Value {
    let kb = site.kb;
    let owner_url = owner_with_page(kb, name).map(|o| site.slugs.url(Dim::Teams, o));
    // `/actions/` lists open items, so its filtered view is worth a link only when there are some.
    let actions_url = (open_count > 0).then(|| routes::actions_filtered_url(&[("service", name)]));
    json!({
        "name": name,
        "catalog": kb.config.services.get(name),
        "owner_url": owner_url,
        "actions_url": actions_url,
    })
}

/// The service's items that are not done or won't-do (as the tracker sees them, with a
/// ticket snapshot), overdue first, and how many there are.
fn open_actions(site: &Site, name: &str) -> (Vec<Value>, usize) {
    let open: Vec<&crate::actions::ActionRow> = site
        .action_index
        .lists
        .of_service(name)
        .iter()
        .map(|&k| &site.actions[k])
        .filter(|r| !r.state.is_closed())
        .collect();
    let shown = open
        .iter()
        .take(OPEN_ACTIONS_SHOWN)
        .map(|r| {
            json!({
                "title": r.title, "owner": r.owner, "owner_url": r.owner.map(|o| site.slugs.url(Dim::Owners, o)),
                "due": r.due.map(|d| d.to_string()), "overdue": r.overdue, "days_overdue": r.days_overdue,
                "status": r.status.as_str(), "incident_title": r.incident_title,
                "incident_url": routes::incident_url(r.incident),
            })
        })
        .collect();
    (shown, open.len())
}

/// Other services named in the same postmortems, most shared first (then by name), with
/// the number of postmortems shared.
fn co_failing(site: &Site, name: &str, ids: &[usize]) -> Vec<Value> {
    let kb = site.kb;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for &i in ids {
        let mut seen: Vec<&str> = kb.postmortems[i].services.iter().map(String::as_str).collect();
        seen.sort_unstable();
        seen.dedup();
        for s in seen.into_iter().filter(|s| *s != name) {
            *counts.entry(s).or_default() += 1;
        }
    }
    let mut list: Vec<(&str, usize)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    list.into_iter()
        .take(CO_FAILING_SHOWN)
        .map(|(s, n)| json!({ "name": s, "url": site.slugs.url(Dim::Services, s), "count": n }))
        .collect()
}
