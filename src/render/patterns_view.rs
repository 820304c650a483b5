//! The view of `/patterns/`: the factor × team matrix, recurrences despite a completed
//! fix, and factors that come together.
//!
//! An organisation has a hundred teams or more, so the matrix shows the teams with the
//! most incidents and folds the rest into one "Other" column, and shades cells by
//! quartile of the non-empty cells (one huge cell would leave every other one pale on a
//! linear scale). Recurrences are grouped by the incident that recurred, and those that
//! share a design or operational factor come before those sharing only a trigger
//! (a deploy, a hardware fault): a trigger recurs by nature, a design flaw should not.

use super::{Dim, Site};
use crate::patterns::{self, RecurredGroup};
use crate::routes;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use tera::Context;

/// Teams shown as their own columns; the rest share one.
pub(super) const TOP_TEAMS: usize = 12;
/// Incidents listed in one matrix cell; the factor page has them all.
const CELL_SHOWN: usize = 8;
/// Incidents that recurred despite a fix listed in full.
const RECURRED_SHOWN: usize = 50;
/// Earlier incidents listed under each one (the nearest first), and completed items
/// under each of those: at 100,000 postmortems one incident recurs dozens.
const EARLIER_SHOWN: usize = 5;
const DONE_SHOWN: usize = 5;
/// The factor category that names what set an incident off rather than why it could.
const TRIGGER: &str = "trigger";

/// Cuts between the four shades: the quartiles of the non-empty cells' counts.
fn quartiles(counts: &mut [usize]) -> [usize; 3] {
    counts.sort_unstable();
    if counts.is_empty() {
        return [0; 3];
    }
    let at = |q: usize| counts[(counts.len() - 1) * q / 4];
    [at(1), at(2), at(3)]
}

/// The shade of a cell of `n` incidents: 0 for none, then 1 to 4 by quartile.
fn shade(n: usize, cuts: &[usize; 3]) -> u8 {
    match n {
        0 => 0,
        n if n <= cuts[0] => 1,
        n if n <= cuts[1] => 2,
        n if n <= cuts[2] => 3,
        _ => 4,
    }
}

/// The legend's ranges, one per shade in use: "1", "2–3", "4–9", "10 or more".
fn legend(cuts: &[usize; 3], max: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut lo = 1;
    for (k, hi) in cuts.iter().copied().chain([max]).enumerate() {
        if hi < lo {
            continue;
        }
        let label = if hi == lo { lo.to_string() } else { format!("{lo}–{hi}") };
        out.push(json!({ "shade": k + 1, "label": label }));
        lo = hi + 1;
    }
    out
}

pub(super) fn fill(site: &Site, ctx: &mut Context, rows: &super::Rows) {
    let kb = site.kb;
    let m = patterns::factor_team_matrix(kb);
    let factor_title = |id: &str| kb.config.factors.get(id).map_or(id.to_string(), |f| f.title.clone());
    let is_trigger = |id: &str| kb.config.factors.get(id).is_some_and(|f| f.category == TRIGGER);

    // Columns: the busiest teams, by incidents with a factor, then one for the rest.
    let size: Vec<usize> = (0..m.teams.len()).map(|t| m.cells.iter().map(|row| row[t].len()).sum()).collect();
    let mut by_size: Vec<usize> = (0..m.teams.len()).collect();
    by_size.sort_by(|&a, &b| size[b].cmp(&size[a]).then_with(|| m.teams[a].cmp(&m.teams[b])));
    let (top, rest) = by_size.split_at(by_size.len().min(TOP_TEAMS));
    // Per factor: the top teams' cells, then the union of the other teams' (an incident
    // of two other teams counts once), newest first like every list.
    let cells: Vec<Vec<Vec<usize>>> = m
        .cells
        .iter()
        .map(|row| {
            let mut c: Vec<Vec<usize>> = top.iter().map(|&t| row[t].clone()).collect();
            if !rest.is_empty() {
                let other: BTreeSet<usize> = rest.iter().flat_map(|&t| row[t].iter().copied()).collect();
                c.push(other.into_iter().collect());
            }
            c
        })
        .collect();
    let mut nonempty: Vec<usize> = cells.iter().flatten().map(Vec::len).filter(|&n| n > 0).collect();
    let max = nonempty.iter().copied().max().unwrap_or(0);
    let cuts = quartiles(&mut nonempty);
    let matrix: Vec<Value> = m
        .factors
        .iter()
        .zip(&cells)
        .map(|(f, cells)| {
            json!({
                "id": f, "title": factor_title(f), "url": routes::factor_url(f),
                "total": kb.indexes.factors.get(f).map_or(0, Vec::len),
                "cells": cells.iter().map(|ids| json!({
                    "count": ids.len(),
                    "heat": shade(ids.len(), &cuts),
                    "incidents": ids.iter().take(CELL_SHOWN).map(|&i| json!({ "title": kb.postmortems[i].title, "url": routes::incident_url(&kb.postmortems[i].id) })).collect::<Vec<_>>(),
                    "more": ids.len().saturating_sub(CELL_SHOWN),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut teams: Vec<Value> =
        top.iter().map(|&t| json!({ "name": m.teams[t], "url": site.slugs.url(Dim::Teams, &m.teams[t]) })).collect();
    let other_teams: Vec<&str> = rest.iter().map(|&t| m.teams[t].as_str()).collect();
    if !rest.is_empty() {
        teams.push(json!({ "name": format!("Other {} teams", rest.len()), "url": routes::terms_url(Dim::Teams), "other": true }));
    }

    let co: Vec<Value> = patterns::co_occurrence(kb)
        .into_iter()
        .take(25)
        .map(|(a, b, n)| json!({ "a": factor_title(&a), "a_url": routes::factor_url(&a), "b": factor_title(&b), "b_url": routes::factor_url(&b), "count": n }))
        .collect();

    let groups = group_by_later(patterns::recurred_despite_fix(kb, EARLIER_SHOWN), &is_trigger);
    let mut by_factor: BTreeMap<&str, usize> = BTreeMap::new();
    for g in &groups {
        for (f, n) in &g.recurred.factors {
            *by_factor.entry(f).or_default() += n;
        }
    }
    let mut by_factor: Vec<(&str, usize)> = by_factor.into_iter().collect();
    by_factor.sort_by(|a, b| is_trigger(a.0).cmp(&is_trigger(b.0)).then(b.1.cmp(&a.1)).then(a.0.cmp(b.0)));
    let recurred_by_factor: Vec<Value> = by_factor
        .iter()
        .map(|(f, n)| json!({ "name": factor_title(f), "url": routes::factor_url(f), "count": n, "trigger": is_trigger(f) }))
        .collect();
    let factor_links = |ids: &mut Vec<&str>| -> Vec<Value> {
        // Design and operational factors first, then triggers.
        ids.sort_by_key(|f| (is_trigger(f), *f));
        ids.dedup();
        ids.iter()
            .map(|f| json!({ "name": factor_title(f), "url": routes::factor_url(f), "trigger": is_trigger(f) }))
            .collect()
    };
    let recurred: Vec<Value> = groups
        .iter()
        .take(RECURRED_SHOWN)
        .map(|g| {
            let earlier: Vec<Value> = g
                .recurred
                .members
                .iter()
                .take(EARLIER_SHOWN)
                .map(|r| {
                    let done = r.done_items(kb);
                    json!({
                        "incident": rows[r.earlier],
                        "services": r.services.iter().map(|s| json!({ "name": s, "url": site.slugs.url(Dim::Services, s) })).collect::<Vec<_>>(),
                        "factors": factor_links(&mut r.factors.clone()),
                        "done_items": done.iter().take(DONE_SHOWN).collect::<Vec<_>>(),
                        "more_done": done.len().saturating_sub(DONE_SHOWN),
                    })
                })
                .collect();
            json!({
                "later": rows[g.recurred.later],
                "factors": factor_links(&mut g.recurred.factors.iter().map(|(f, _)| *f).collect()),
                "triggers_only": g.triggers_only,
                "earlier": earlier,
                "earlier_count": g.recurred.count,
                "more_earlier": g.recurred.count.saturating_sub(EARLIER_SHOWN),
            })
        })
        .collect();

    // What the page shows, for its fingerprint (docs/build-graph.md).
    let mut shown: Vec<usize> = cells.iter().flatten().flat_map(|ids| ids.iter().take(CELL_SHOWN).copied()).collect();
    shown.extend(
        groups
            .iter()
            .take(RECURRED_SHOWN)
            .flat_map(|g| g.recurred.members.iter().take(EARLIER_SHOWN).flat_map(|r| [r.later, r.earlier])),
    );
    shown.sort_unstable();
    shown.dedup();
    let _ = site.patterns_shown.set(shown);
    ctx.insert("recurred_total", &groups.len());
    ctx.insert("recurred_pairs", &groups.iter().map(|g| g.recurred.count).sum::<usize>());
    ctx.insert("recurred_by_factor", &recurred_by_factor);
    ctx.insert("title", "Patterns across teams");
    ctx.insert("teams", &teams);
    ctx.insert("other_teams", &other_teams);
    ctx.insert("matrix", &matrix);
    ctx.insert("max_cell", &max);
    ctx.insert("legend", &legend(&cuts, max));
    ctx.insert("co_occurrence", &co);
    ctx.insert("recurred", &recurred);
}

/// The recurrences of one later incident, and whether they are by triggers only.
struct Group<'k> {
    recurred: RecurredGroup<'k>,
    /// Every factor it shares with the earlier incidents is a trigger.
    triggers_only: bool,
}

/// Groups sharing a design or operational factor first, newest first within each half
/// (the order `recurred_despite_fix` gives).
fn group_by_later<'k>(all: Vec<RecurredGroup<'k>>, is_trigger: &dyn Fn(&str) -> bool) -> Vec<Group<'k>> {
    let mut groups: Vec<Group> = all
        .into_iter()
        .map(|recurred| {
            let triggers_only = recurred.factors.iter().all(|(f, _)| is_trigger(f));
            Group { recurred, triggers_only }
        })
        .collect();
    // Stable: the date order stays within each half.
    groups.sort_by_key(|g| g.triggers_only);
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartile_shades_spread_a_skewed_matrix() {
        // One cell of 100 and many of 1 to 4: a linear scale would shade all but one pale.
        let mut counts = vec![1, 1, 1, 2, 2, 3, 3, 4, 4, 100];
        let cuts = quartiles(&mut counts);
        assert_eq!(cuts, [1, 2, 3]);
        let shades: Vec<u8> = [0, 1, 2, 3, 4, 100].iter().map(|&n| shade(n, &cuts)).collect();
        assert_eq!(shades, [0, 1, 2, 3, 4, 4]);
        let labels: Vec<String> = legend(&cuts, 100).iter().map(|v| v["label"].as_str().unwrap().to_string()).collect();
        assert_eq!(labels, ["1", "2", "3", "4–100"]);
    }

    #[test]
    fn a_legend_skips_shades_no_cell_can_have() {
        let mut counts = vec![5, 5, 5, 5];
        let cuts = quartiles(&mut counts);
        assert_eq!(cuts, [5, 5, 5]);
        let legend = legend(&cuts, 5);
        assert_eq!(legend.len(), 1, "{legend:?}");
        assert_eq!(legend[0]["label"], "1–5");
        assert!(quartiles(&mut []).iter().all(|&c| c == 0));
    }

    #[test]
    fn groups_put_design_and_operational_recurrences_before_triggers() {
        let group = |later, factors: &[(&'static str, usize)]| RecurredGroup {
            later,
            members: Vec::new(),
            count: factors.iter().map(|f| f.1).max().unwrap_or(0),
            factors: factors.to_vec(),
        };
        // Newest first: incident 0 recurred by trigger only, 1 by design (twice), 2 by both.
        let all = vec![
            group(0, &[("bad-deploy", 1)]),
            group(1, &[("retry-storm", 2)]),
            group(2, &[("bad-deploy", 1), ("retry-storm", 1)]),
        ];
        let groups = group_by_later(all, &|f| f == "bad-deploy");
        let order: Vec<(usize, usize, bool)> =
            groups.iter().map(|g| (g.recurred.later, g.recurred.count, g.triggers_only)).collect();
        assert_eq!(order, [(1, 2, false), (2, 1, false), (0, 1, true)]);
    }
}
