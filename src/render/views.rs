//! Views: the serialisable shapes templates see. `docs/templates.md` documents them.

use super::value::{duration, named, obj, rows_of, serialised, strings};
use super::{Dim, Page, Site, Slugs};
use crate::diagnostics::Diagnostic;
use crate::figures;
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
        "guide_url" => kb.home_text.as_deref().and_then(|t| super::guide::split(t).1).map(|_| routes::GUIDE_URL),
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

/// Counts by severity, most severe first, for the list header.
fn severity_counts(site: &Site, ids: &[usize]) -> Vec<Value> {
    site.severity_counts(ids)
        .into_iter()
        .map(|(s, n)| json!({ "name": s, "count": n, "rank": site.kb.severity_rank(s) }))
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
            // The introduction only: the rest of `_index.md` is the guide's page. A title
            // it opens with stands in for the site's, so the page has one `h1`.
            let intro = kb.home_text.as_deref().map_or("", |t| super::guide::split(t).0);
            let (own_title, intro) = super::guide::title(intro);
            let render = |t: &str| markdown::render(t, &|_: &str| None).html;
            let home_html = Some(intro).filter(|t| !t.trim().is_empty()).map(render);
            ctx.insert("home_html", &home_html);
            ctx.insert("home_has_title", &own_title.is_some());
            ctx.insert("home_title_html", &own_title.map(render).unwrap_or_default());
            ctx.insert_value("attention", super::attention::view(site, rows));
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
            ctx.insert("severity_counts", &severity_counts(site, &visible));
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
            super::incident::fill(site, *i, ctx, rows)?;
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
            ctx.insert("severity_counts", &severity_counts(site, &ids));
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
            let (year_nav, months) = match (dim, name.parse::<i16>()) {
                (Dim::Years, Ok(y)) => (year_nav(site, y), summary.then(|| month_strip(kb, y, &ids))),
                _ => (Value::Null, None),
            };
            ctx.insert("year_nav", &year_nav);
            ctx.insert("months", &months);
            super::service::fill(site, *dim, name, &ids, summary, ctx);
            "term.html"
        }
        Page::Factors => {
            // The trend strips cover the latest years only, so one stray year (1628 in a
            // real corpus) cannot squeeze the rest.
            let (first, last) = factor_years_range(kb);
            let mut cats: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
            let mut flat: Vec<(usize, &str, Value)> = Vec::new();
            for (id, f) in &kb.config.factors {
                let ids = kb.indexes.factors.get(id).map(Vec::as_slice).unwrap_or(&[]);
                let (services, teams) = reach(kb, ids);
                let mut per_year = vec![0usize; (last - first + 1).max(0) as usize];
                for &i in ids {
                    let y = kb.postmortems[i].date.year();
                    if (first..=last).contains(&y) {
                        per_year[(y - first) as usize] += 1;
                    }
                }
                let v = json!({
                    "id": id, "title": f.title, "description": f.description, "url": routes::factor_url(id),
                    "category": f.category,
                    "incidents": ids.len(), "services": services.len(), "teams": teams.len(),
                    "has_page": !ids.is_empty(),
                    "trend_svg": crate::svg::sparkline::years(first, &per_year, &f.title),
                });
                cats.entry(f.category.as_str()).or_default().push(v.clone());
                flat.push((ids.len(), f.title.as_str(), v));
            }
            flat.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
            let categories: Vec<Value> =
                cats.into_iter().map(|(name, factors)| json!({ "name": name, "factors": factors })).collect();
            ctx.insert("title", "Contributing factors");
            ctx.insert("categories", &categories);
            ctx.insert("factors", &flat.into_iter().map(|f| f.2).collect::<Vec<_>>());
            ctx.insert("trend_years", &json!({ "first": first, "last": last }));
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
            ctx.insert("severity_counts", &severity_counts(site, &ids));
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
            // Later pages list no items: they are not looked for (each factor page used
            // to go through every action item of the knowledge base).
            let mut member = vec![false; if ids_summarised.is_empty() { 0 } else { kb.postmortems.len() }];
            ids_summarised.iter().for_each(|&i| member[i] = true);
            let items: Vec<Value> = site
                .actions
                .iter()
                .take_while(|_| !member.is_empty())
                .filter(|r| member[r.pm])
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
            super::patterns_view::fill(site, ctx, rows);
            "patterns.html"
        }
        Page::Metrics => {
            let visible: Vec<usize> = kb.visible_ids().collect();
            ctx.insert("title", "Response metrics");
            ctx.insert("figures", &figure_blocks(kb, &visible));
            ctx.insert("severity_counts", &severity_counts(site, &visible));
            ctx.insert("charts", &super::metrics::blocks(site, &visible, &root, true));
            ctx.insert("count", &visible.len());
            "metrics.html"
        }
        Page::InReview(_) => {
            let ids = super::attention::in_review(kb);
            let paging = list_page(site, page, ctx, &ids, &root)?;
            ctx.insert("title", &paged_title("Postmortems in review", &paging));
            "in_review.html"
        }
        Page::Guide => {
            let guide = kb.home_text.as_deref().and_then(|t| super::guide::split(t).1).unwrap_or_default();
            let body = markdown::render(guide, &|_: &str| None);
            ctx.insert("title", "Guide");
            ctx.insert("guide_html", &body.html);
            "guide.html"
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

/// The years before and after `year` that have a page, as `{previous, next}` links.
fn year_nav(site: &Site, year: i16) -> Value {
    let years = &site.kb.indexes.years;
    let link = |y: Option<&i16>| y.map(|y| json!({ "name": y, "url": site.slugs.url(Dim::Years, &y.to_string()) }));
    json!({
        "previous": link(years.range(..year).next_back().map(|(y, _)| y)),
        "next": link(years.range(year + 1..).next().map(|(y, _)| y)),
    })
}

/// Incidents per month of `year`, every month listed (empty ones as 0), for the strip
/// on a year's page; `share` is the bar's height relative to the busiest month.
fn month_strip(kb: &KnowledgeBase, year: i16, ids: &[usize]) -> Vec<Value> {
    const NAMES: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let mut counts = [0usize; 12];
    for &i in ids {
        let d = kb.postmortems[i].date;
        if d.year() == year {
            counts[(d.month() - 1) as usize] += 1;
        }
    }
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    NAMES
        .iter()
        .zip(counts)
        .map(|(m, n)| json!({ "month": m, "count": n, "share": format!("{:.2}", n as f64 / max) }))
        .collect()
}

/// Most years a factor's trend strip covers.
const TREND_YEARS: i16 = 10;

/// The years the factors index's trend strips cover: the latest `TREND_YEARS` that have
/// incidents, up to the latest one.
fn factor_years_range(kb: &KnowledgeBase) -> (i16, i16) {
    let years = &kb.indexes.years;
    match (years.keys().next(), years.keys().next_back()) {
        (Some(&lo), Some(&hi)) => (lo.max(hi - (TREND_YEARS - 1)), hi),
        _ => (kb.today.year(), kb.today.year()),
    }
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
