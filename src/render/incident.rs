//! The incident page's view: one postmortem with its figures, timeline, write-up and
//! connections to other incidents.

use super::sections::{self, Structured};
use super::value::{duration, named, obj, rows_of, serialised, strings};
use super::{Dim, Site};
use crate::diagnostics::Diagnostic;
use crate::figures;
use crate::markdown::RenderedBody;
use crate::model::Postmortem;
use crate::routes::{self, incident_url};
use std::collections::BTreeMap;
use tera::Context;

/// Earlier incidents listed under "Seen before"; the count says how many there are.
pub(super) const RECURRENCES_SHOWN: usize = crate::recurrences::NEAREST;

pub(super) fn fill(site: &Site, i: usize, ctx: &mut Context, rows: &super::Rows) -> Result<(), Diagnostic> {
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
    let recurrences = kb
        .recurrences
        .nearest(i)
        .iter()
        .take(RECURRENCES_SHOWN)
        .map(|r| {
            Ok(obj! {
                "services" => strings(&r.services), "service_links" => named(&site.slugs, Dim::Services, &r.services),
                "factors" => strings(&r.factors), "html" => site.seen_html(r.earlier)?,
            })
        })
        .collect::<Result<Vec<tera::Value>, Diagnostic>>()?;
    let connections = connections(site, i, rows)?;
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
    let write = write_up(pm, body);
    // A write-up summary (or impact) that opens with the front matter's says it all and
    // stands in its place; any other folded section is shown under it.
    let extends: Vec<bool> = write
        .folded
        .iter()
        .map(|f| {
            !f.html.is_empty() && sections::begins_with(&sections::strip_tags(&f.html), structured_text(pm, f.into))
        })
        .collect();
    let folded_as = |into: Structured, stands_in: bool| {
        write.folded.iter().zip(&extends).filter(move |(f, e)| f.into == into && **e == stands_in).map(|(f, _)| f)
    };
    let folded = |into: Structured| -> Vec<tera::Value> {
        folded_as(into, false).map(|f| obj! { "heading" => f.heading.as_str(), "html" => f.html.as_str() }).collect()
    };
    let in_place = |into: Structured| folded_as(into, true).next().map(|f| f.html.as_str());
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
        "body_html" => write.html.as_str(), "headings" => headings,
        "folded" => obj! {
            "summary" => folded(Structured::Summary), "impact" => folded(Structured::Impact),
            "factors" => folded(Structured::Factors), "timeline" => folded(Structured::Timeline),
            "actions" => folded(Structured::Actions),
        },
        "summary_html" => in_place(Structured::Summary), "impact_html" => in_place(Structured::Impact),
        "contents" => contents(pm, body, &write, !connections.is_empty()),
        "connections" => connections,
        "timeline_svg" => crate::svg::timeline::render(&pm.timeline, tz, &kb.config.timezone_name, "ev-"),
        "related" => related, "referenced_by" => rows_of(rows, &kb.referenced_by[i]), "recurrences" => recurrences,
        "recurrence_count" => kb.recurrences.count(i),
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

/// The structured sections the page shows, in page order.
fn shown(pm: &Postmortem) -> Vec<Structured> {
    [
        (Structured::Summary, !pm.summary.is_empty()),
        (Structured::Impact, !pm.impact.is_empty()),
        (Structured::Factors, !pm.factors.is_empty()),
        (Structured::Timeline, !pm.timeline.is_empty()),
        (Structured::Actions, !pm.action_items.is_empty()),
    ]
    .into_iter()
    .filter_map(|(s, on)| on.then_some(s))
    .collect()
}

/// The text a write-up section can repeat word for word: the summary's or the impact's.
fn structured_text(pm: &Postmortem, s: Structured) -> &str {
    match s {
        Structured::Summary => &pm.summary,
        Structured::Impact => &pm.impact,
        _ => "",
    }
}

/// The write-up with the sections that repeat a structured one folded into it.
fn write_up(pm: &Postmortem, body: &RenderedBody) -> sections::Write {
    let repeats = |into: Structured, text: &str| sections::same_words(text, structured_text(pm, into));
    sections::fold(&body.html, &body.headings, &shown(pm), &repeats)
}

/// A page with this many sections or more gets an in-page contents list.
pub(super) const CONTENTS_FROM: usize = 6;

/// The page's sections in order, as `[id, title]`, when there are enough to need a list.
fn contents(pm: &Postmortem, body: &RenderedBody, write: &sections::Write, connections: bool) -> Vec<tera::Value> {
    let shown = shown(pm);
    let entry = |s: &Structured| (s.anchor(), s.title());
    // The page's order: summary and impact, the figures, factors and timeline, the
    // write-up, action items, connections.
    let mut list: Vec<(&str, &str)> = shown.iter().filter(|s| **s <= Structured::Impact).map(entry).collect();
    list.push(("figures-h", "Response"));
    list.extend(shown.iter().filter(|s| matches!(s, Structured::Factors | Structured::Timeline)).map(entry));
    // The write-up's own top-level sections, except those folded away.
    let top = body.headings.iter().map(|h| h.0).min().filter(|&l| l <= 2);
    for (level, id, text) in &body.headings {
        if Some(*level) == top && !write.folded.iter().any(|f| &f.id == id) {
            list.push((id.as_str(), text.as_str()));
        }
    }
    list.extend(shown.iter().filter(|s| **s == Structured::Actions).map(entry));
    if connections {
        list.push(("connections-h", "Connections"));
    }
    if list.len() < CONTENTS_FROM {
        return Vec::new();
    }
    list.into_iter().map(|(id, title)| obj! { "id" => id, "title" => title }).collect()
}

/// Every other incident this one is connected to, once each, with every reason: an
/// earlier incident it recurs (with that incident's action items), the ones its
/// `related` names and that name it, and similar ones.
fn connections(site: &Site, i: usize, rows: &super::Rows) -> Result<Vec<tera::Value>, Diagnostic> {
    let kb = site.kb;
    let pm = &kb.postmortems[i];
    // In order of first reason, which is the order of weight: a recurrence first.
    let mut order: Vec<usize> = Vec::new();
    let mut reasons: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut add = |j: usize, why: String| {
        if j == i || !kb.visible[j] {
            return;
        }
        let list = reasons.entry(j).or_default();
        if list.is_empty() {
            order.push(j);
        }
        if !list.contains(&why) {
            list.push(why);
        }
    };
    let factor_title = |id: &str| kb.config.factors.get(id).map_or(id.to_string(), |f| f.title.clone());
    // Per earlier incident this one recurs: what they share, as links (the template draws
    // it in place of the first reason), and that incident's action items.
    let mut recurs: BTreeMap<usize, (tera::Value, &str)> = BTreeMap::new();
    for r in kb.recurrences.nearest(i).iter().take(RECURRENCES_SHOWN) {
        if !kb.visible[r.earlier] {
            continue;
        }
        let factors: Vec<tera::Value> =
            r.factors.iter().map(|f| obj! { "name" => factor_title(f), "url" => routes::factor_url(f) }).collect();
        let shared = obj! { "services" => named(&site.slugs, Dim::Services, &r.services), "factors" => factors };
        recurs.insert(r.earlier, (shared, site.seen_html(r.earlier)?));
        let names: Vec<String> = r.factors.iter().map(|f| factor_title(f)).collect();
        add(r.earlier, format!("Seen before: {} + {}", r.services.join(", "), names.join(", ")));
    }
    for &j in pm.related.iter().filter_map(|r| kb.by_id.get(r)) {
        add(j, "listed as related".into());
    }
    for &j in &kb.referenced_by[i] {
        add(j, "refers to this one".into());
    }
    for s in site.similar.get(i).into_iter().flatten() {
        add(s.index, format!("similar: {}", s.reason));
    }
    Ok(order
        .into_iter()
        .map(|j| {
            let recur = recurs.get(&j);
            obj! {
                "incident" => rows[j].clone(),
                "reasons" => strings(&reasons[&j]),
                "recurrence" => recur.is_some(),
                "shared" => recur.map(|r| r.0.clone()),
                "earlier_actions_html" => recur.map(|r| r.1),
            }
        })
        .collect())
}
