//! Patterns across teams: which contributing factors hit which teams, which factors
//! come together, and which came back after a fix was marked done.

use crate::kb::KnowledgeBase;
use crate::model::ActionStatus;
use crate::tickets::Source;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Factor × team: the incidents behind each cell.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Matrix {
    /// The rows: every factor id an indexed incident names, in id order.
    pub factors: Vec<String>,
    /// The columns: every team an indexed incident names, in name order.
    pub teams: Vec<String>,
    /// `cells[factor][team]` = incident positions.
    pub cells: Vec<Vec<Vec<usize>>>,
}

/// Which teams each factor hit, from `kb.indexes`: an incident counts once per cell.
pub fn factor_team_matrix(kb: &KnowledgeBase) -> Matrix {
    let factors: Vec<String> = kb.indexes.factors.keys().cloned().collect();
    let teams: Vec<String> = kb.indexes.teams.keys().cloned().collect();
    let team_pos: BTreeMap<&str, usize> = teams.iter().enumerate().map(|(i, t)| (t.as_str(), i)).collect();
    let mut cells = vec![vec![Vec::new(); teams.len()]; factors.len()];
    for (fi, f) in factors.iter().enumerate() {
        for &i in &kb.indexes.factors[f] {
            let mut seen = BTreeSet::new();
            for t in &kb.postmortems[i].teams {
                if let Some(&ti) = team_pos.get(t.as_str())
                    && seen.insert(ti)
                {
                    cells[fi][ti].push(i);
                }
            }
        }
    }
    Matrix { factors, teams, cells }
}

/// Pairs of factors named together in one incident, most frequent first.
pub fn co_occurrence(kb: &KnowledgeBase) -> Vec<(String, String, usize)> {
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for i in kb.visible_ids() {
        let ids: BTreeSet<&str> = kb.postmortems[i].factors.iter().map(|f| f.id.as_str()).collect();
        let ids: Vec<&str> = ids.into_iter().collect();
        for (a, x) in ids.iter().enumerate() {
            for y in &ids[a + 1..] {
                *counts.entry((x, y)).or_default() += 1;
            }
        }
    }
    let mut v: Vec<_> = counts.into_iter().map(|((a, b), n)| (a.to_string(), b.to_string(), n)).collect();
    v.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| (&a.0, &a.1).cmp(&(&b.0, &b.1))));
    v
}

/// A factor that came back in a service after an earlier incident on that service and
/// factor had an action item marked done: the strongest signal a review can get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecurredDespiteFix<'a> {
    /// Index in `KnowledgeBase::postmortems` of the incident the factor came back in.
    pub later: usize,
    /// Index of the earlier incident, whose done action item did not prevent it.
    pub earlier: usize,
    /// The services the two incidents share, sorted.
    pub(crate) services: Vec<&'a str>,
    /// The factor ids the two incidents share, sorted.
    pub(crate) factors: Vec<&'a str>,
}

/// The incidents one later incident recurred despite their fixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecurredGroup<'a> {
    /// Index of the later incident.
    pub later: usize,
    /// The nearest earlier incidents first, as many as were asked for.
    pub members: Vec<RecurredDespiteFix<'a>>,
    /// How many earlier incidents there are in all.
    pub count: usize,
    /// Every factor id shared with them, sorted, with how many of them share it.
    pub factors: Vec<(&'a str, usize)>,
}

impl<'a> RecurredDespiteFix<'a> {
    /// Titles of the earlier incident's action items that were done by the later one.
    /// Made on demand: a large knowledge base has thousands of these and shows a few.
    /// With a ticket snapshot, each says whether the file or the tracker called it done.
    pub fn done_items(&self, kb: &'a KnowledgeBase) -> Vec<String> {
        let b = &kb.postmortems[self.later];
        kb.postmortems[self.earlier]
            .action_items
            .iter()
            .filter_map(|x| {
                let r = done(kb, x)?;
                r.completed.is_none_or(|c| c <= b.date).then(|| match (&kb.tickets, r.source) {
                    (None, _) => x.title.clone(),
                    (Some(_), Source::Tracker) => format!("{} (done by its ticket in the tracker)", x.title),
                    (Some(_), Source::File) => format!("{} (done by the postmortem file)", x.title),
                })
            })
            .collect()
    }
}

/// The item as reports judge it, when that is done (the tracker's view when it has one).
fn done<'a>(kb: &'a KnowledgeBase, x: &crate::model::ActionItem) -> Option<crate::tickets::Reconciled<'a>> {
    let r = crate::tickets::reconcile(x, kb.tickets.as_deref(), &kb.config.tickets.trackers);
    (r.status == ActionStatus::Done).then_some(r)
}

/// Newest later incident first (the knowledge base's order), each with its nearest
/// `keep` earlier incidents listed. The pairs are counted as they are found, never all
/// held: at 100,000 generated postmortems there are millions.
pub fn recurred_despite_fix(kb: &KnowledgeBase, keep: usize) -> Vec<RecurredGroup<'_>> {
    // Done before the later incident began (an item with no completion date is taken as
    // done by then, since it was marked done in the earlier write-up). Per earlier
    // incident, the earliest such date answers that for every later one at once.
    let first_done: Vec<Option<Option<jiff::civil::Date>>> = kb
        .postmortems
        .iter()
        .map(|a| {
            a.action_items.iter().filter_map(|x| done(kb, x)).map(|r| r.completed).min_by(|x, y| match (x, y) {
                (None, _) => std::cmp::Ordering::Less,
                (_, None) => std::cmp::Ordering::Greater,
                (Some(x), Some(y)) => x.cmp(y),
            })
        })
        .collect();
    let visible: Vec<usize> = kb.visible_ids().filter(|&i| kb.recurrences.count(i) > 0).collect();
    let groups: Vec<Option<RecurredGroup<'_>>> = visible
        .par_iter()
        .map(|&later| {
            let b = &kb.postmortems[later];
            let mut group = RecurredGroup { later, members: Vec::new(), count: 0, factors: Vec::new() };
            let mut factors: BTreeMap<&str, usize> = BTreeMap::new();
            let mut these: Vec<&str> = Vec::new();
            kb.recurrences.each(b, later, &mut |earlier, pairs| {
                let done_by_then = match first_done[earlier] {
                    None => false,
                    Some(None) => true,
                    Some(Some(d)) => d <= b.date,
                };
                if !done_by_then {
                    return;
                }
                group.count += 1;
                these.clear();
                these.extend(pairs.iter().map(|p| p.1));
                these.sort_unstable();
                these.dedup();
                for f in &these {
                    *factors.entry(f).or_default() += 1;
                }
                if group.members.len() < keep {
                    let r = crate::recurrences::shared(earlier, pairs);
                    group.members.push(RecurredDespiteFix { later, earlier, services: r.services, factors: r.factors });
                }
            });
            group.factors = factors.into_iter().collect();
            (group.count > 0).then_some(group)
        })
        .collect();
    groups.into_iter().flatten().collect()
}
