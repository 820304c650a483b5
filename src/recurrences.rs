//! Recurrences: for each incident, the earlier visible ones that share a service and a
//! contributing factor with it.
//!
//! The pairs themselves grow with the square of the knowledge base (at 100,000 generated
//! postmortems there are tens of millions), so they are not stored. What is stored is,
//! per (service, factor), the incidents naming it; from those each incident's count and
//! its nearest earlier incidents are kept, and the whole list of one incident is gone
//! through when a report asks for it (`Recurrences::each`).

use crate::model::Postmortem;
use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::sync::Arc;

/// The nearest earlier incidents kept for each one: what an incident page lists.
pub const NEAREST: usize = 10;

/// An earlier incident that shares a service and a factor with this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recurrence {
    /// Position of the earlier incident in `KnowledgeBase::postmortems`.
    pub earlier: usize,
    /// The services shared together with a shared factor, sorted.
    pub services: Vec<String>,
    /// Ids of the factors shared together with a shared service, sorted.
    pub factors: Vec<String>,
}

/// What one recurrence shares (`shared`), borrowed from the later incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared<'a> {
    /// Position of the earlier incident.
    pub earlier: usize,
    /// The services shared together with a shared factor, sorted.
    pub services: Vec<&'a str>,
    /// The factor ids shared together with a shared service, sorted.
    pub factors: Vec<&'a str>,
}

/// A (service, factor id) pair two incidents both name.
pub type Pair<'a> = (&'a str, &'a str);

/// What two incidents share, from the (service, factor) pairs they have in common.
pub fn shared<'a>(earlier: usize, pairs: &[Pair<'a>]) -> Shared<'a> {
    let services: BTreeSet<&str> = pairs.iter().map(|p| p.0).collect();
    let factors: BTreeSet<&str> = pairs.iter().map(|p| p.1).collect();
    Shared { earlier, services: services.into_iter().collect(), factors: factors.into_iter().collect() }
}

/// Every incident's recurrences, as counts, nearest ones and the index they come from.
#[derive(Debug, Default)]
pub struct Recurrences {
    /// Service -> factor id -> the visible incidents naming both, newest first.
    by_pair: HashMap<String, HashMap<String, Vec<usize>>>,
    counts: Vec<usize>,
    nearest: Vec<Vec<Recurrence>>,
}

impl Recurrences {
    /// Recurrences among the visible postmortems, which are newest first.
    pub fn new(pms: &[Arc<Postmortem>], visible: &[bool]) -> Recurrences {
        let mut by_pair: HashMap<String, HashMap<String, Vec<usize>>> = HashMap::new();
        for i in (0..pms.len()).filter(|&i| visible[i]) {
            for s in &pms[i].services {
                let by_factor = match by_pair.get_mut(s.as_str()) {
                    Some(m) => m,
                    None => by_pair.entry(s.clone()).or_default(),
                };
                for f in &pms[i].factors {
                    let list = match by_factor.get_mut(f.id.as_str()) {
                        Some(l) => l,
                        None => by_factor.entry(f.id.clone()).or_default(),
                    };
                    // A postmortem that names a service or factor twice is listed once.
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
            }
        }
        let mut r = Recurrences { by_pair, counts: Vec::new(), nearest: Vec::new() };
        let (counts, nearest) = (0..pms.len())
            .into_par_iter()
            .map(|i| if visible[i] { r.count_and_nearest(&pms[i], i) } else { (0, Vec::new()) })
            .unzip();
        (r.counts, r.nearest) = (counts, nearest);
        r
    }

    /// How many earlier incidents this one recurs.
    pub fn count(&self, i: usize) -> usize {
        self.counts.get(i).copied().unwrap_or(0)
    }

    /// The nearest earlier incidents it recurs (at most `NEAREST`), nearest first.
    pub fn nearest(&self, i: usize) -> &[Recurrence] {
        self.nearest.get(i).map_or(&[], Vec::as_slice)
    }

    /// Calls `found` with each earlier incident that `pm`, at position `i`, recurs,
    /// nearest first, and the (service, factor) pairs they share, sorted. Nothing is
    /// allocated per recurrence: `/patterns/` goes through millions of them.
    pub fn each<'a>(&self, pm: &'a Postmortem, i: usize, found: &mut dyn FnMut(usize, &[Pair<'a>])) {
        let mut hits: Vec<(usize, &'a str, &'a str)> = Vec::new();
        for (s, f, earlier) in self.tails(pm, i) {
            hits.extend(earlier.iter().map(|&j| (j, s, f)));
        }
        hits.sort_unstable();
        hits.dedup();
        let mut pairs: Vec<Pair<'a>> = Vec::new();
        let mut k = 0;
        while k < hits.len() {
            let j = hits[k].0;
            let end = k + hits[k..].partition_point(|h| h.0 == j);
            pairs.clear();
            pairs.extend(hits[k..end].iter().map(|h| (h.1, h.2)));
            found(j, &pairs);
            k = end;
        }
    }

    /// For each (service, factor) of `pm`: the incidents naming both that are older than
    /// position `i` (larger positions are older).
    fn tails<'a, 's>(&'s self, pm: &'a Postmortem, i: usize) -> Vec<(&'a str, &'a str, &'s [usize])> {
        let mut out = Vec::new();
        for s in &pm.services {
            let Some(by_factor) = self.by_pair.get(s.as_str()) else { continue };
            for f in &pm.factors {
                let Some(list) = by_factor.get(f.id.as_str()) else { continue };
                let older = list.partition_point(|&j| j <= i);
                if older < list.len() {
                    out.push((s.as_str(), f.id.as_str(), &list[older..]));
                }
            }
        }
        out
    }

    /// The number of distinct earlier incidents over all tails, and the nearest
    /// `NEAREST` with what they share: a merge of sorted lists, so nothing per pair is
    /// allocated.
    fn count_and_nearest(&self, pm: &Postmortem, i: usize) -> (usize, Vec<Recurrence>) {
        let mut tails = self.tails(pm, i);
        // A service or factor named twice gives the same list twice.
        tails.sort_by_key(|t| (t.2.as_ptr(), t.2.len()));
        tails.dedup_by_key(|t| (t.2.as_ptr(), t.2.len()));
        let mut heap: BinaryHeap<Reverse<(usize, usize, usize)>> =
            tails.iter().enumerate().map(|(t, (_, _, list))| Reverse((list[0], t, 0))).collect();
        let mut count = 0;
        let mut last = None;
        let mut nearest_ids = Vec::new();
        while let Some(Reverse((j, t, at))) = heap.pop() {
            if last != Some(j) {
                count += 1;
                last = Some(j);
                if nearest_ids.len() < NEAREST {
                    nearest_ids.push(j);
                }
            }
            if let Some(&next) = tails[t].2.get(at + 1) {
                heap.push(Reverse((next, t, at + 1)));
            }
        }
        let nearest = nearest_ids
            .into_iter()
            .map(|j| {
                let shared = tails.iter().filter(|t| t.2.binary_search(&j).is_ok());
                let services: BTreeSet<&str> = shared.clone().map(|t| t.0).collect();
                let factors: BTreeSet<&str> = shared.map(|t| t.1).collect();
                Recurrence {
                    earlier: j,
                    services: services.into_iter().map(String::from).collect(),
                    factors: factors.into_iter().map(String::from).collect(),
                }
            })
            .collect();
        (count, nearest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pm(id: &str, services: &[&str], factors: &[&str]) -> Arc<Postmortem> {
        let text = format!(
            "---\ntitle: T\ndate: 2024-03-12\nseverity: SEV1\nservices: [{}]\nfactors: [{}]\n---\nBody.\n",
            services.join(", "),
            factors.join(", ")
        );
        let path = format!("content/2024/{id}.md");
        let config = crate::config::parse(crate::scaffold::DEFAULT_SITE_TOML).0;
        let (pm, diags) = crate::frontmatter::parse(&text, std::path::Path::new(&path), &config);
        let pm = pm.unwrap_or_else(|| panic!("{diags:?}"));
        assert_eq!(pm.factors.len(), factors.len(), "{diags:?}");
        Arc::new(pm)
    }

    /// What `each` and the kept counts must agree with: every earlier visible incident
    /// checked against every later one.
    fn by_brute_force(pms: &[Arc<Postmortem>], visible: &[bool], i: usize) -> Vec<(usize, Vec<String>, Vec<String>)> {
        (i + 1..pms.len())
            .filter(|&j| visible[i] && visible[j])
            .filter_map(|j| {
                let mut services = BTreeSet::new();
                let mut factors = BTreeSet::new();
                for s in pms[i].services.iter().filter(|s| pms[j].services.contains(s)) {
                    for f in pms[i].factors.iter().filter(|f| pms[j].factors.iter().any(|g| g.id == f.id)) {
                        services.insert(s.clone());
                        factors.insert(f.id.clone());
                    }
                }
                (!services.is_empty()).then(|| (j, services.into_iter().collect(), factors.into_iter().collect()))
            })
            .collect()
    }

    #[test]
    fn counts_nearest_and_all_agree_with_every_pair_compared() {
        let services = ["api", "db", "cache"];
        let factors = ["retry-storm", "deployment", "capacity-limit"];
        // A deterministic mix, with repeated names and hidden incidents.
        let pms: Vec<Arc<Postmortem>> = (0..60)
            .map(|k: usize| {
                let s: Vec<&str> = (0..1 + k % 3).map(|n| services[(k * 7 + n * 5) % 3]).collect();
                let f: Vec<&str> = (0..1 + k % 2).map(|n| factors[(k * 11 + n) % 3]).collect();
                pm(&format!("p{k}"), &s, &f)
            })
            .collect();
        let visible: Vec<bool> = (0..60).map(|k| k % 7 != 3).collect();
        let r = Recurrences::new(&pms, &visible);
        for i in 0..pms.len() {
            let expected = by_brute_force(&pms, &visible, i);
            assert_eq!(r.count(i), expected.len(), "count of {i}");
            let mut all: Vec<(usize, Vec<String>, Vec<String>)> = Vec::new();
            if visible[i] {
                r.each(&pms[i], i, &mut |earlier, pairs| {
                    let s = shared(earlier, pairs);
                    let owned = |v: &[&str]| v.iter().map(|x| x.to_string()).collect();
                    all.push((s.earlier, owned(&s.services), owned(&s.factors)));
                });
            }
            assert_eq!(all, expected, "all of {i}");
            let nearest: Vec<(usize, Vec<String>, Vec<String>)> =
                r.nearest(i).iter().map(|n| (n.earlier, n.services.clone(), n.factors.clone())).collect();
            assert_eq!(nearest, expected.into_iter().take(NEAREST).collect::<Vec<_>>(), "nearest of {i}");
        }
        assert!(r.count(0) > NEAREST, "the mix has an incident with more than NEAREST recurrences");
    }
}
