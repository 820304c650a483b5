//! Views: the serialisable shapes templates see. `docs/templates.md` documents them.

use super::value::{obj, serialised, strings};
use super::{Dim, Page, Site, Slugs};
use crate::diagnostics::Diagnostic;
use crate::figures::{self, Figures};
use crate::kb::{self, KnowledgeBase};
use crate::markdown::{self, RenderedBody};
use crate::routes::{self, incident_url};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use tera::Context;

/// Body HTML with links between postmortem files rewritten to their pages.
pub(super) fn render_body(kb: &KnowledgeBase, i: usize) -> RenderedBody {
    let pm = &kb.postmortems[i];
    let resolve = |url: &str| -> Option<String> {
        // Any `scheme:` URL (`https:`, `mailto:`, an inline `data:image/png`) is not a file.
        if url.starts_with('/') || url.starts_with('#') || crate::safe_url::scheme(url).is_some() {
            return None;
        }
        let (path, frag) = match url.find('#') {
            Some(p) => (&url[..p], &url[p..]),
            None => (url, ""),
        };
        let target = kb::resolve(&pm.path, path)?;
        // A postmortem this edition leaves out: its title stays, as text, not a link.
        if kb.withheld.contains(&target) {
            return Some(String::new());
        }
        if path.ends_with(".md") {
            let id = target.file_stem()?.to_string_lossy().into_owned();
            let j = *kb.by_id.get(&id)?;
            // A link to a hidden draft would be a dead link on the site; keep the text only.
            if !kb.visible[j] {
                return Some("#".into());
            }
            return Some(format!("../../{}{frag}", incident_url(&id)));
        }
        // Files beside postmortems are published under files/, mirroring their source.
        let source = crate::sources::source_of(&kb.config.sources, &target)?;
        Some(format!("../../{}{frag}", routes::attachment_url(&source.site_path(&target))))
    };
    markdown::render(&pm.body, &resolve)
}

fn named(slugs: &Slugs, dim: Dim, names: &[String]) -> tera::Value {
    names.iter().map(|n| obj! { "name" => n.as_str(), "url" => slugs.url(dim, n) }).collect::<Vec<_>>().into()
}

fn duration(f: &Figures) -> String {
    figures::human(f.recover)
}

/// The list row of a postmortem.
pub(super) fn row(kb: &KnowledgeBase, slugs: &Slugs, i: usize) -> tera::Value {
    let pm = &kb.postmortems[i];
    obj! {
        "id" => pm.id.as_str(),
        "title" => pm.title.as_str(),
        "url" => incident_url(&pm.id),
        "date" => pm.date.to_string(),
        "severity" => pm.severity.as_str(),
        "severity_rank" => kb.severity_rank(&pm.severity),
        "status" => pm.status.as_str(),
        "duration" => duration(&kb.figures[i]),
        "summary" => pm.summary.as_str(),
        "services" => strings(&pm.services),
        "service_links" => named(slugs, Dim::Services, &pm.services),
    }
}

/// `site` in every template: the same for every page, so made once and shared.
pub(super) fn site_value(kb: &KnowledgeBase) -> tera::Value {
    obj! {
        "title" => kb.config.title.as_str(),
        "base_url" => kb.config.base_url.as_str(),
        "repo_url" => kb.config.repo_url.as_deref(),
        "timezone" => kb.config.timezone_name.as_str(),
        "extra" => serialised(&kb.config.extra),
    }
}

pub(super) fn base_context(site: &Site, path: &str, root: &str) -> Context {
    let kb = site.kb;
    let mut ctx = Context::new();
    ctx.insert_value("site", site.site_value.clone());
    ctx.insert_value("root", root.into());
    ctx.insert_value("path", path.into());
    ctx.insert_value("canonical", routes::absolute(&kb.config.base_url, path).into());
    ctx.insert_value("live_reload", site.options.live_reload.into());
    ctx.insert_value("today", kb.today.to_string().into());
    // Tracker columns appear only with a ticket snapshot: without one, pages are unchanged.
    ctx.insert_value("tracked", kb.tickets.is_some().into());
    // Set by the lists that paginate; `null` elsewhere so templates can test it.
    ctx.insert_value("paginator", tera::Value::none());
    ctx
}

/// Rows of `ids`: shared with every other page that lists them, not copied.
fn rows_of(rows: &super::Rows, ids: &[usize]) -> tera::Value {
    ids.iter().map(|&i| rows[i].clone()).collect::<Vec<_>>().into()
}

/// Counts by severity, most severe first, for the list header.
fn severity_counts(kb: &KnowledgeBase, ids: &[usize]) -> Vec<Value> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for &i in ids {
        *counts.entry(kb.postmortems[i].severity.as_str()).or_default() += 1;
    }
    kb.config
        .severities
        .iter()
        .filter_map(|s| counts.get(s.as_str()).map(|&n| json!({ "name": s, "count": n, "rank": kb.severity_rank(s) })))
        .collect()
}

fn figure_blocks(kb: &KnowledgeBase, ids: &[usize]) -> Vec<Value> {
    figures::NAMES
        .iter()
        .map(|(key, label)| {
            let s = figures::Summary::of(ids.iter().map(|&i| kb.figures[i].get(key)));
            json!({ "key": key, "label": label, "median": s.median_human(), "p90": s.p90_human(), "count": s.count, "unknown": s.unknown })
        })
        .collect()
}

/// The rows and `paginator` of one page of a term or factor list of `ids`.
fn list_page(
    site: &Site,
    page: &Page,
    ctx: &mut Context,
    ids: &[usize],
    root: &str,
) -> Result<super::paging::Paging, Diagnostic> {
    let paging = site.paging(page).expect("a term or factor page is paginated");
    let first = super::list_first_page(&site.slugs, page).map(|(p, _)| p).unwrap_or_default();
    ctx.insert("count", &ids.len());
    ctx.insert("rows_html", &site.rows_html(paging.slice(ids), root)?);
    ctx.insert_value("paginator", paging.view(&first));
    Ok(paging)
}

/// A list page's title: later pages say which page they are.
fn paged_title(title: &str, paging: &super::paging::Paging) -> String {
    match paging.current {
        1 => title.to_string(),
        n => format!("{title} (page {n} of {})", paging.total),
    }
}

/// Fills the context for `page` and returns the template to render.
pub(super) fn fill(
    site: &Site,
    page: &Page,
    ctx: &mut Context,
    rows: &super::Rows,
) -> Result<&'static str, Diagnostic> {
    let kb = site.kb;
    let root = super::root_prefix(&site.path(page));
    Ok(match page {
        Page::Home => {
            let visible: Vec<usize> = kb.visible_ids().collect();
            let recent: Vec<usize> = visible.iter().copied().take(15).collect();
            let (mut open, mut overdue) = (0, 0);
            // As the trackers see them, when there is a ticket snapshot.
            for r in &site.actions {
                open += usize::from(!r.state.is_closed());
                overdue += usize::from(r.overdue);
            }
            ctx.insert("title", &kb.config.title);
            ctx.insert_value("recent", rows_of(rows, &recent));
            let home_html = kb.home_text.as_deref().map(|t| markdown::render(t, &|_: &str| None).html);
            ctx.insert("home_html", &home_html);
            ctx.insert(
                "totals",
                &json!({
                    "incidents": visible.len(),
                    "services": kb.indexes.services.len(),
                    "teams": kb.indexes.teams.len(),
                    "factors": kb.indexes.factors.len(),
                    "open_actions": open,
                    "overdue_actions": overdue,
                }),
            );
            ctx.insert("severity_counts", &severity_counts(kb, &visible));
            ctx.insert("figures", &figure_blocks(kb, &visible));
            ctx.insert(
                "dims",
                &Dim::ALL
                    .iter()
                    .map(|d| json!({ "title": d.title(), "url": routes::terms_url(*d), "count": kb.entries_of(*d).len() }))
                    .collect::<Vec<_>>(),
            );
            "home.html"
        }
        Page::Incident(i) => {
            incident(site, *i, ctx, rows)?;
            "incident.html"
        }
        Page::Terms(dim) => {
            let terms: Vec<Value> = kb
                .entries_of(*dim)
                .into_iter()
                .map(|(name, ids)| {
                    json!({
                        "name": name,
                        "url": site.slugs.url(*dim, &name),
                        "count": ids.len(),
                        "latest": ids.first().map(|&i| kb.postmortems[i].date.to_string()),
                        "rank": if *dim == Dim::Severities { kb.severity_rank(&name) } else { 0 },
                    })
                })
                .collect();
            ctx.insert("title", dim.title());
            ctx.insert("dim", dim.dir());
            ctx.insert("terms", &terms);
            "terms.html"
        }
        Page::Term(dim, name, _) => {
            let ids = kb.ids_of(*dim, name).cloned().unwrap_or_default();
            let paging = list_page(site, page, ctx, &ids, &root)?;
            ctx.insert("title", &paged_title(&format!("{}: {name}", dim.singular()), &paging));
            ctx.insert("name", name);
            ctx.insert("dim", dim.dir());
            ctx.insert("dim_title", dim.title());
            ctx.insert("severity_counts", &severity_counts(kb, &ids));
            ctx.insert("factor", &Value::Null);
            let has_feed = matches!(dim, Dim::Services | Dim::Teams);
            // Relative to this page: the feed sits beside the list's first page.
            let feed = format!("{}{}", if paging.current == 1 { "" } else { "../../" }, routes::ATOM);
            ctx.insert("feed", &has_feed.then_some(feed));
            ctx.insert("factor_years", &Vec::<Value>::new());
            ctx.insert("factor_actions", &Vec::<Value>::new());
            // The summary is page 1's: later pages list rows only.
            let summary = paging.current == 1;
            let ids_summarised: &[usize] = if summary { &ids } else { &[] };
            ctx.insert("figures", &figure_blocks(kb, ids_summarised));
            ctx.insert("related_terms", &related_terms(site, ids_summarised, *dim));
            let charts = (summary && matches!(dim, Dim::Services | Dim::Teams | Dim::Severities))
                .then(|| super::metrics::blocks(site, &ids, &root, false));
            ctx.insert("charts", &charts);
            super::service::fill(site, *dim, name, &ids, summary, ctx);
            "term.html"
        }
        Page::Factors => {
            let mut cats: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
            for (id, f) in &kb.config.factors {
                let ids = kb.indexes.factors.get(id).map(Vec::as_slice).unwrap_or(&[]);
                let (services, teams) = reach(kb, ids);
                cats.entry(f.category.as_str()).or_default().push(json!({
                    "id": id, "title": f.title, "description": f.description, "url": routes::factor_url(id),
                    "incidents": ids.len(), "services": services.len(), "teams": teams.len(),
                    "has_page": !ids.is_empty(),
                }));
            }
            let categories: Vec<Value> =
                cats.into_iter().map(|(name, factors)| json!({ "name": name, "factors": factors })).collect();
            ctx.insert("title", "Contributing factors");
            ctx.insert("categories", &categories);
            "factors.html"
        }
        Page::Factor(id, _) => {
            let ids = kb.indexes.factors.get(id).cloned().unwrap_or_default();
            let f = kb.config.factors.get(id);
            let paging = list_page(site, page, ctx, &ids, &root)?;
            let name = f.map_or(id.as_str(), |f| f.title.as_str());
            ctx.insert("title", &paged_title(&format!("Factor: {name}"), &paging));
            ctx.insert("name", name);
            ctx.insert("dim", "factors");
            ctx.insert("dim_title", "Factors");
            ctx.insert("factor", &f);
            ctx.insert("severity_counts", &severity_counts(kb, &ids));
            ctx.insert("feed", &Value::Null);
            let summary = paging.current == 1;
            let ids_summarised: &[usize] = if summary { &ids } else { &[] };
            ctx.insert("figures", &figure_blocks(kb, ids_summarised));
            ctx.insert("related_terms", &related_terms(site, ids_summarised, Dim::Tags));
            // Over time: which teams and services this factor reached, year by year.
            let mut years: BTreeMap<i16, (usize, BTreeSet<&str>, BTreeSet<&str>)> = BTreeMap::new();
            for &i in ids_summarised {
                let pm = &kb.postmortems[i];
                let e = years.entry(pm.date.year()).or_default();
                e.0 += 1;
                e.1.extend(pm.teams.iter().map(String::as_str));
                e.2.extend(pm.services.iter().map(String::as_str));
            }
            let years: Vec<Value> = years
                .iter()
                .rev()
                .map(|(y, (n, t, s))| {
                    let shown: Vec<&str> = s.iter().take(12).copied().collect();
                    let link = |dim: Dim, n: &str| json!({ "name": n, "url": site.slugs.url(dim, n) });
                    json!({
                        "year": y, "count": n, "teams": t, "services": shown, "more_services": s.len().saturating_sub(12),
                        "team_links": t.iter().map(|n| link(Dim::Teams, n)).collect::<Vec<_>>(),
                        "service_links": shown.iter().map(|n| link(Dim::Services, n)).collect::<Vec<_>>(),
                    })
                })
                .collect();
            ctx.insert("factor_years", &years);
            let id_set: BTreeSet<usize> = ids_summarised.iter().copied().collect();
            let items: Vec<Value> = site
                .actions
                .iter()
                .filter(|r| id_set.contains(&r.pm))
                .take(200)
                .map(|r| json!({ "title": r.title, "status": r.status.as_str(), "overdue": r.overdue, "owner": r.owner, "type": r.kind, "incident_url": incident_url(r.incident), "incident_title": r.incident_title }))
                .collect();
            ctx.insert("factor_actions", &items);
            ctx.insert("charts", &summary.then(|| super::metrics::blocks(site, &ids, &root, false)));
            super::service::absent(ctx);
            "term.html"
        }
        Page::Search => {
            ctx.insert("title", "Search");
            ctx.insert(
                "dims",
                &Dim::ALL
                    .iter()
                    .map(|d| json!({ "title": d.title(), "url": routes::terms_url(*d) }))
                    .collect::<Vec<_>>(),
            );
            "search.html"
        }
        Page::Actions(_) | Page::ActionsOwner(..) | Page::ActionsTeam(..) => {
            super::pages_actions::fill(site, page, ctx, &root)?;
            "actions.html"
        }
        Page::Patterns => {
            super::pages_actions::fill_patterns(site, ctx, rows);
            "patterns.html"
        }
        Page::Metrics => {
            let visible: Vec<usize> = kb.visible_ids().collect();
            ctx.insert("title", "Response metrics");
            ctx.insert("figures", &figure_blocks(kb, &visible));
            ctx.insert("severity_counts", &severity_counts(kb, &visible));
            ctx.insert("charts", &super::metrics::blocks(site, &visible, &root, true));
            ctx.insert("count", &visible.len());
            "metrics.html"
        }
        Page::NotFound => {
            // Served for any missing path, so relative links cannot work: use the site's path.
            let base = &kb.config.base_url;
            let path = base
                .find("://")
                .and_then(|i| base[i + 3..].find('/').map(|j| &base[i + 3 + j..]))
                .unwrap_or(base.as_str());
            ctx.insert("root", path);
            ctx.insert("title", "Page not found");
            "404.html"
        }
    })
}

/// Services and teams a set of postmortems touches.
fn reach<'k>(kb: &'k KnowledgeBase, ids: &[usize]) -> (BTreeMap<&'k str, usize>, BTreeMap<&'k str, usize>) {
    let mut services = BTreeMap::new();
    let mut teams = BTreeMap::new();
    for &i in ids {
        for s in &kb.postmortems[i].services {
            *services.entry(s.as_str()).or_default() += 1;
        }
        for t in &kb.postmortems[i].teams {
            *teams.entry(t.as_str()).or_default() += 1;
        }
    }
    (services, teams)
}

/// The services, teams and factors a list touches, with counts, for term and factor pages.
fn related_terms(site: &Site, ids: &[usize], skip: Dim) -> Value {
    let kb = site.kb;
    let (services, teams) = reach(kb, ids);
    let mut factors: BTreeMap<&str, usize> = BTreeMap::new();
    for &i in ids {
        for f in &kb.postmortems[i].factors {
            *factors.entry(f.id.as_str()).or_default() += 1;
        }
    }
    let list = |dim: Dim, m: &BTreeMap<&str, usize>| -> Vec<Value> {
        let mut v: Vec<_> = m.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        v.into_iter().take(30).map(|(n, c)| json!({ "name": n, "url": site.slugs.url(dim, n), "count": c })).collect()
    };
    let mut fv: Vec<_> = factors.into_iter().collect();
    fv.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let factors: Vec<Value> = fv
        .into_iter()
        .take(30)
        .map(|(id, c)| json!({ "name": kb.config.factors.get(id).map_or(id, |f| f.title.as_str()), "url": routes::factor_url(id), "count": c }))
        .collect();
    json!({
        "services": if skip == Dim::Services { vec![] } else { list(Dim::Services, &services) },
        "teams": if skip == Dim::Teams { vec![] } else { list(Dim::Teams, &teams) },
        "factors": factors,
    })
}

/// Earlier incidents listed under "Seen before"; the count says how many there are.
pub(super) const RECURRENCES_SHOWN: usize = 10;

fn incident(site: &Site, i: usize, ctx: &mut Context, rows: &super::Rows) -> Result<(), Diagnostic> {
    let kb = site.kb;
    let pm = &kb.postmortems[i];
    let fig = &kb.figures[i];
    let tz = &kb.config.timezone;
    let local = |t: jiff::Timestamp| t.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string();
    let table = super::timeline_table::rows(&pm.timeline, tz);
    let timeline: Vec<tera::Value> = pm
        .timeline
        .iter()
        .zip(&table.rows)
        .enumerate()
        .map(|(n, (e, r))| {
            obj! {
                "n" => n, "at" => local(e.at), "iso" => e.at.to_string(), "kind" => e.kind.as_str(), "text" => e.text.as_str(),
                "date" => r.date.as_deref(), "time" => r.time.as_str(), "t_plus" => r.t_plus.as_str(), "utc" => r.utc.as_str(),
            }
        })
        .collect();
    let actions: Vec<tera::Value> = pm
        .action_items
        .iter()
        .map(|a| {
            let rec = crate::tickets::reconcile(a, kb.tickets.as_deref(), &kb.config.tickets.trackers);
            let tracker = kb.tickets.is_some().then(|| super::tickets::view(&crate::actions::tracked(&rec)));
            obj! {
                "title" => a.title.as_str(), "owner" => a.owner.as_deref(), "due" => a.due.map(|d| d.to_string()),
                "status" => a.status.as_str(), "type" => a.kind.map(|k| k.as_str()), "outcome" => a.outcome.as_deref(),
                "ticket" => a.ticket.as_deref(),
                "ticket_is_url" => a.ticket.as_deref().is_some_and(|t| t.starts_with("https://") || t.starts_with("http://")),
                "ticket_url" => a.ticket.as_deref().and_then(|t| crate::tickets::link::link(t, &kb.config.tickets.trackers, kb.config.ticket_url.as_ref())),
                "completed" => a.completed.map(|d| d.to_string()), "overdue" => rec.is_overdue(kb.today),
                "tracker" => tracker,
            }
        })
        .collect();
    let factors: Vec<tera::Value> = pm
        .factors
        .iter()
        .map(|f| {
            let def = kb.config.factors.get(&f.id);
            obj! {
                "id" => f.id.as_str(), "note" => f.note.as_deref(), "url" => routes::factor_url(&f.id),
                "title" => def.map_or(f.id.as_str(), |d| d.title.as_str()),
                "category" => def.map_or("", |d| d.category.as_str()),
            }
        })
        .collect();
    let figures: Vec<tera::Value> = figures::NAMES
        .iter()
        .zip(figures::MEASURES)
        .zip(site.site_figures())
        .map(|(((key, label), measures), all)| {
            obj! {
                "key" => *key, "label" => *label, "value" => figures::human(fig.get(key)), "known" => fig.get(key).is_some(),
                "measures" => measures, "site_median" => all.median_secs.map(|_| all.median_human()), "site_n" => all.count,
            }
        })
        .collect();
    let related: Vec<tera::Value> = pm
        .related
        .iter()
        .filter_map(|r| kb.by_id.get(r))
        .filter(|&&j| kb.visible[j] && j != i)
        .map(|&j| rows[j].clone())
        .collect();
    let recurrences = kb.recurrences[i]
        .iter()
        .take(RECURRENCES_SHOWN)
        .map(|r| {
            Ok(obj! {
                "services" => strings(&r.services), "service_links" => named(&site.slugs, Dim::Services, &r.services),
                "factors" => strings(&r.factors), "html" => site.seen_html(r.earlier)?,
            })
        })
        .collect::<Result<Vec<tera::Value>, Diagnostic>>()?;
    // Previous/next by date among visible postmortems (the list is newest first).
    let newer = (0..i).rev().find(|&j| kb.visible[j]).map(|j| rows[j].clone());
    let older = (i + 1..kb.postmortems.len()).find(|&j| kb.visible[j]).map(|j| rows[j].clone());
    let path = pm.path.to_string_lossy().replace('\\', "/");
    // The repository and branch the file is edited in: its source's own, or the site's.
    let site_repo = crate::sources::SiteRepo {
        repo_url: kb.config.repo_url.as_deref(),
        branch: kb.config.repo_branch.as_deref(),
        kind: kb.config.repo_kind,
    };
    let edit = match crate::sources::source_of(&kb.config.sources, &pm.path) {
        Some(s) => s.edit_target(&site_repo, &pm.path),
        None => crate::sources::Source::content().edit_target(&site_repo, &pm.path),
    };
    let body = &site.bodies[i];
    let headings: Vec<tera::Value> = body
        .headings
        .iter()
        .map(|(level, id, text)| vec![tera::Value::from(*level), id.as_str().into(), text.as_str().into()].into())
        .collect();
    let history = site.history.get(i).cloned().flatten().map(|h| {
        let day = |t: jiff::Timestamp| t.to_zoned_datetime(tz.clone()).date();
        let last = day(h.last_commit);
        obj! {
            "first" => day(h.first_commit).to_string(),
            "last" => last.to_string(),
            "days_ago" => last.until(kb.today).map(|s| s.get_days()).unwrap_or(0).max(0),
            "revisions" => h.revisions,
            "from_git" => h.source == crate::history::HistorySource::Git,
        }
    });
    let similar: Vec<tera::Value> = site
        .similar
        .get(i)
        .map(|list| {
            list.iter()
                .filter(|s| kb.visible[s.index])
                .map(|s| {
                    obj! { "url" => incident_url(&s.id), "title" => kb.postmortems[s.index].title.as_str(), "reason" => s.reason.as_str() }
                })
                .collect()
        })
        .unwrap_or_default();
    ctx.insert_value("title", pm.title.as_str().into());
    let page = obj! {
        "id" => pm.id.as_str(), "title" => pm.title.as_str(), "date" => pm.date.to_string(),
        "severity" => pm.severity.as_str(), "severity_rank" => kb.severity_rank(&pm.severity),
        "status" => pm.status.as_str(),
        "services" => named(&site.slugs, Dim::Services, &pm.services),
        "teams" => named(&site.slugs, Dim::Teams, &pm.teams),
        "authors" => named(&site.slugs, Dim::Authors, &pm.authors),
        "tags" => named(&site.slugs, Dim::Tags, &pm.tags),
        "year_url" => site.slugs.url(Dim::Years, &pm.date.year().to_string()),
        "summary" => pm.summary.as_str(), "impact" => pm.impact.as_str(), "factors" => factors, "figures" => figures,
        "duration" => duration(fig), "timeline" => timeline, "action_items" => actions,
        "timeline_zone" => super::timeline_table::zone_caption(&kb.config.timezone_name, &table.offsets),
        "timeline_utc" => table.offsets.iter().any(|o| o.seconds() != 0),
        "timeline_t0" => table.t0_from,
        "body_html" => body.html.as_str(), "headings" => headings,
        "timeline_svg" => crate::svg::timeline::render(&pm.timeline, tz, &kb.config.timezone_name, "ev-"),
        "related" => related, "referenced_by" => rows_of(rows, &kb.referenced_by[i]), "recurrences" => recurrences,
        "recurrence_count" => kb.recurrences[i].len(),
        "newer" => newer, "older" => older,
        "edit_url" => edit.as_ref().map(|e| e.file().edit_url()),
        "history_url" => edit.as_ref().map(|e| e.file().history_url()),
        "source_path" => path,
        "extra" => serialised(&pm.extra),
        "history" => history,
        "similar" => similar,
    };
    ctx.insert_value("page", page);
    Ok(())
}
