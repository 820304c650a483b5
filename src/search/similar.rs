//! Similar incidents: for each page, up to five others worth reading next.
//!
//! The score adds a text similarity (cosine of TF-IDF vectors over the analysed
//! terms, each vector cut to the document's most distinctive terms, as tantivy's
//! more-like-this picks its query terms) and a bonus per shared service and shared
//! contributing factor, larger for rarer values: an incident on the same service
//! with the same factor is the one an engineer wants, even when it was written up
//! in other words.
//!
//! All pairs are never compared: each document only meets the documents that share
//! one of its distinctive terms, a service or a factor (an inverted index over the
//! truncated vectors). A term shared by very many documents keeps only the
//! [`MAX_TERM_DOCS`] that weigh it most, and counts for a pair only when both are
//! among those, so the score stays symmetric and the work stays bounded by
//! terms × [`MAX_TERM_DOCS`]² instead of growing with the square of the corpus.

use super::Analysis;
use super::analysis::{FIELDS, Field};
use crate::kb::KnowledgeBase;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// Most similar incidents listed per page.
pub(super) const MAX_SIMILAR: usize = 5;
/// Terms kept per document vector.
const TERMS_PER_DOC: usize = 24;
/// Documents kept per term in the inverted index.
pub(super) const MAX_TERM_DOCS: usize = 128;
/// A service or factor named by more documents than this does not make candidates
/// on its own: it only adds its bonus to documents alike in other ways.
const MAX_FACET_DOCS: usize = 512;
/// Bonus for sharing a service or factor named by only these two documents; a value
/// shared more widely says less (scaled by its inverse document frequency), so
/// sharing `checkout-api` outweighs sharing `config-change`.
const MAX_SHARED_BONUS: f32 = 0.25;
/// Below this, "similar" would be noise.
const MIN_SCORE: f32 = 0.08;

/// One similar incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Similar {
    /// Position in `kb.postmortems`.
    pub index: usize,
    /// The other postmortem's id.
    pub id: String,
    /// Text similarity plus shared-value bonuses; higher is more alike.
    pub score: f32,
    /// Services both incidents name.
    pub services: Vec<String>,
    /// Contributing factors both incidents name.
    pub factors: Vec<String>,
    /// One line for the page: "shares checkout-api, retry-storm" or "similar text".
    pub reason: String,
}

/// Similar incidents for every postmortem, index-aligned with `kb.postmortems`
/// (hidden ones get an empty list). Analyses the texts; when the build also exports
/// the browser index, analyse once with [`Analysis::new`] and call [`similar_in`].
pub fn similar(kb: &KnowledgeBase, texts: &[String]) -> Vec<Vec<Similar>> {
    similar_in(&Analysis::new(kb, texts))
}

/// [`similar`] over an existing analysis.
pub fn similar_in(a: &Analysis) -> Vec<Vec<Similar>> {
    let n = a.len();
    let vectors = vectors(a);
    let mut inverted: Vec<Vec<(u32, f32)>> = vec![Vec::new(); a.terms.len()];
    for (d, v) in vectors.iter().enumerate() {
        for &(t, w) in v {
            inverted[t as usize].push((d as u32, w));
        }
    }
    inverted.par_iter_mut().for_each(|list| {
        if list.len() > MAX_TERM_DOCS {
            list.sort_unstable_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            list.truncate(MAX_TERM_DOCS);
            list.sort_unstable_by_key(|x| x.0);
        }
    });
    let facets = Facets::new(a);

    let per_doc: Vec<Vec<(u32, f32)>> = (0..n)
        .into_par_iter()
        .map_init(
            || (vec![0f32; n], Vec::<u32>::new()),
            |(acc, touched), d| {
                let mut add = |e: u32, s: f32| {
                    let slot = &mut acc[e as usize];
                    if *slot == 0.0 {
                        touched.push(e);
                    }
                    *slot += s;
                };
                for &(t, w) in &vectors[d] {
                    let list = &inverted[t as usize];
                    // Only terms this document kept a place for (see the module docs).
                    if list.len() == MAX_TERM_DOCS && list.binary_search_by_key(&(d as u32), |x| x.0).is_err() {
                        continue;
                    }
                    for &(e, we) in list {
                        add(e, w * we);
                    }
                }
                // Values shared by few documents make candidates; common ones only
                // add their bonus to candidates found otherwise (below).
                let mut common = false;
                for &v in &facets.of_doc[d] {
                    let (docs, bonus) = &facets.docs[v as usize];
                    if docs.len() <= MAX_FACET_DOCS {
                        for &e in docs {
                            add(e, *bonus);
                        }
                    } else {
                        common = true;
                    }
                }
                if common {
                    for &e in touched.iter() {
                        acc[e as usize] += facets.common_bonus(d, e as usize);
                    }
                }
                let mut best: Vec<(u32, f32)> = Vec::with_capacity(MAX_SIMILAR + 1);
                for &e in touched.iter() {
                    let s = acc[e as usize];
                    acc[e as usize] = 0.0;
                    if e as usize == d || s < MIN_SCORE {
                        continue;
                    }
                    // Keep the best few in order: higher score, then newer (lower number).
                    if best.len() == MAX_SIMILAR && !better((e, s), best[MAX_SIMILAR - 1]) {
                        continue;
                    }
                    let at = best.partition_point(|&b| better(b, (e, s)));
                    best.insert(at, (e, s));
                    best.truncate(MAX_SIMILAR);
                }
                touched.clear();
                best
            },
        )
        .collect();
    let mut out = vec![Vec::new(); a.kb.postmortems.len()];
    for (d, best) in per_doc.into_iter().enumerate() {
        let pm = a.postmortem(d);
        out[a.docs[d]] = best
            .into_iter()
            .map(|(e, score)| {
                let other = a.postmortem(e as usize);
                let services: Vec<String> = dedup(pm.services.iter().map(String::as_str))
                    .filter(|s| other.services.iter().any(|o| o == s))
                    .map(String::from)
                    .collect();
                let factors: Vec<String> = dedup(pm.factors.iter().map(|f| f.id.as_str()))
                    .filter(|f| other.factors.iter().any(|o| o.id == *f))
                    .map(String::from)
                    .collect();
                let reason = if services.is_empty() && factors.is_empty() {
                    "similar text".to_string()
                } else {
                    format!("shares {}", [services.as_slice(), factors.as_slice()].concat().join(", "))
                };
                Similar { index: a.docs[e as usize], id: other.id.clone(), score, services, factors, reason }
            })
            .collect();
    }
    out
}

/// Services and factors as numbered values, with their documents.
struct Facets {
    /// Per value: its documents (ascending) and the bonus for sharing it.
    docs: Vec<(Vec<u32>, f32)>,
    /// Per document: its values, ascending, each once.
    of_doc: Vec<Vec<u32>>,
}

impl Facets {
    fn new(a: &Analysis) -> Facets {
        let mut ids: HashMap<(bool, &str), u32> = HashMap::new();
        let mut docs: Vec<(Vec<u32>, f32)> = Vec::new();
        let mut of_doc = Vec::with_capacity(a.len());
        for d in 0..a.len() {
            let pm = a.postmortem(d);
            let values =
                pm.services.iter().map(|s| (false, s.as_str())).chain(pm.factors.iter().map(|f| (true, f.id.as_str())));
            let mut mine: Vec<u32> = values
                .map(|key| {
                    *ids.entry(key).or_insert_with(|| {
                        docs.push((Vec::new(), 0.0));
                        docs.len() as u32 - 1
                    })
                })
                .collect();
            mine.sort_unstable();
            mine.dedup();
            for &v in &mine {
                docs[v as usize].0.push(d as u32);
            }
            of_doc.push(mine);
        }
        let n = a.len() as f32;
        for (list, bonus) in &mut docs {
            *bonus = if n > 2.0 && list.len() > 1 {
                MAX_SHARED_BONUS * ((n / list.len() as f32).ln() / (n / 2.0).ln()).min(1.0)
            } else {
                MAX_SHARED_BONUS
            };
        }
        Facets { docs, of_doc }
    }

    /// The bonus for the common values documents `d` and `e` share.
    fn common_bonus(&self, d: usize, e: usize) -> f32 {
        let (x, y) = (&self.of_doc[d], &self.of_doc[e]);
        let (mut i, mut j, mut bonus) = (0, 0, 0.0);
        while i < x.len() && j < y.len() {
            match x[i].cmp(&y[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    let (docs, b) = &self.docs[x[i] as usize];
                    if docs.len() > MAX_FACET_DOCS {
                        bonus += b;
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        bonus
    }
}

fn better(a: (u32, f32), b: (u32, f32)) -> bool {
    a.1 > b.1 || (a.1 == b.1 && a.0 < b.0)
}

/// Values in first-seen order, each once.
fn dedup<'a>(values: impl Iterator<Item = &'a str>) -> impl Iterator<Item = &'a str> {
    let mut seen: Vec<&str> = Vec::new();
    values.filter(move |v| {
        if seen.contains(v) {
            false
        } else {
            seen.push(v);
            true
        }
    })
}

/// Unit-length TF-IDF vectors, each cut to its document's most distinctive terms.
/// Keywords are left out: shared services and factors are scored on their own.
fn vectors(a: &Analysis) -> Vec<Vec<(u32, f32)>> {
    let n = a.len() as f32;
    let weighted_tf = |tf: &[u16; FIELDS]| -> f32 {
        Field::ALL.iter().filter(|&&f| f != Field::Keywords).map(|&f| f.boost() * f32::from(tf[f as usize])).sum()
    };
    let mut df = vec![0u32; a.terms.len()];
    for dt in &a.doc_terms {
        for t in dt {
            if weighted_tf(&t.tf) > 0.0 {
                df[t.term as usize] += 1;
            }
        }
    }
    a.doc_terms
        .par_iter()
        .map(|dt| {
            let mut v: Vec<(u32, f32)> = dt
                .iter()
                .filter_map(|t| {
                    let tf = weighted_tf(&t.tf);
                    let df = df[t.term as usize];
                    // A term no other document has cannot make two documents alike.
                    (tf > 0.0 && df > 1).then(|| (t.term, (1.0 + tf.ln()) * (n / df as f32).ln()))
                })
                .filter(|&(_, w)| w > 0.0)
                .collect();
            v.sort_unstable_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            v.truncate(TERMS_PER_DOC);
            let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            if norm > 0.0 {
                v.iter_mut().for_each(|(_, w)| *w /= norm);
            }
            v
        })
        .collect()
}
