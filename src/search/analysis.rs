//! The one analyzer and the one analysis: which text goes in which field, how it
//! becomes terms, and the per-document term counts every consumer reads.
//!
//! tantivy runs this analyzer when it indexes; [`Analysis`] runs the same analyzer
//! once more in memory so the browser index and similar incidents need no disk
//! index, and so the browser can reproduce tantivy's BM25 exactly: the token counts
//! here equal tantivy's field lengths (a test checks it).

use super::encode::FastMap;
use crate::kb::KnowledgeBase;
use crate::model::Postmortem;
use rayon::prelude::*;
use std::borrow::Cow;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};

/// The name tantivy knows the analyzer by. It is part of the schema, so an index
/// written with an earlier analyzer (`pmsite`, no stemming) fails the schema check
/// and is rebuilt instead of being read with terms it does not hold.
pub const ANALYZER: &str = "pmsite_en";
/// The name of the analyzer for facet-like fields: the whole value, lowercased.
pub const KEYWORD_ANALYZER: &str = "pmsite_keyword";

/// Tokens of this many bytes or more (hashes, URLs without separators) are dropped.
pub const MAX_TOKEN_BYTES: usize = 40;

/// Words too common to help ranking; dropping them keeps the browser index small.
/// Lucene's English set, so behaviour is familiar.
pub const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
    "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
];

/// The text fields, in the order of their bit in the browser index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The Markdown body, as plain text.
    Body,
    /// The front matter's `title`.
    Title,
    /// The front matter's `summary` and `impact`.
    Summary,
    /// The timeline events' text.
    Timeline,
    /// The action items' titles and outcomes.
    Actions,
    /// Services, teams, tags, factor ids and titles, severity: free text finds an
    /// incident by the names it is filed under even when the prose never says them.
    Keywords,
}

/// How many text fields there are.
pub const FIELDS: usize = 6;

impl Field {
    /// Every field, in bit order.
    pub const ALL: [Field; FIELDS] =
        [Field::Body, Field::Title, Field::Summary, Field::Timeline, Field::Actions, Field::Keywords];

    /// The field's name in the tantivy schema and the browser index.
    pub fn name(self) -> &'static str {
        match self {
            Field::Body => "body",
            Field::Title => "title",
            Field::Summary => "summary",
            Field::Timeline => "timeline",
            Field::Actions => "actions",
            Field::Keywords => "keywords",
        }
    }

    /// Score multiplier: a word in the title says more about the incident than one in the body.
    pub fn boost(self) -> f32 {
        match self {
            Field::Title => 3.0,
            Field::Summary => 2.0,
            _ => 1.0,
        }
    }
}

/// Simple word split, long tokens dropped, lowercased, accents folded, stop words
/// removed, then English (Snowball Porter2) stems, so "certificates" finds
/// "certificate". Stop words go first: the list is of words, not of stems.
/// search.js runs the same steps (its Porter2 port is checked against this one).
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(STOP_WORDS.iter().map(|s| s.to_string())))
        .filter(Stemmer::new(Language::English))
        .build()
}

/// [`analyzer`] without its last step, the stemmer: the analysis stems each distinct
/// word once per chunk of documents instead of every occurrence, which was most of the
/// cost of stemming (the same words recur throughout a knowledge base).
fn words_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(STOP_WORDS.iter().map(|s| s.to_string())))
        .build()
}

/// The stemmer step of [`analyzer`] alone, for words that went through the steps before.
fn stemmer() -> TextAnalyzer {
    TextAnalyzer::builder(tantivy::tokenizer::RawTokenizer::default()).filter(Stemmer::new(Language::English)).build()
}

/// The English stem of one lowercased word, as [`analyzer`] stems it.
pub fn stem(word: &str) -> String {
    stem_with(&mut stemmer(), word)
}

fn stem_with(stemmer: &mut TextAnalyzer, word: &str) -> String {
    let mut out = String::new();
    stemmer.token_stream(word).process(&mut |t| out = t.text.clone());
    out
}

/// Facet values (`service:Checkout-API`) match whatever the case.
pub fn keyword_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(tantivy::tokenizer::RawTokenizer::default()).filter(LowerCaser).build()
}

/// The values of each text field of one postmortem, in [`Field::ALL`] order.
pub fn field_values<'a>(kb: &'a KnowledgeBase, pm: &'a Postmortem, body: &'a str) -> [Vec<Cow<'a, str>>; FIELDS] {
    let b = |s: &'a str| Cow::Borrowed(s);
    let mut timeline: Vec<Cow<str>> = pm.timeline.iter().map(|e| b(&e.text)).collect();
    timeline.retain(|t| !t.is_empty());
    let mut actions = Vec::with_capacity(pm.action_items.len() * 2);
    for a in &pm.action_items {
        actions.push(b(&a.title));
        if let Some(o) = &a.outcome {
            actions.push(b(o));
        }
    }
    let mut keywords: Vec<Cow<str>> = Vec::new();
    keywords.extend(pm.services.iter().map(|s| b(s)));
    keywords.extend(pm.teams.iter().map(|s| b(s)));
    keywords.extend(pm.tags.iter().map(|s| b(s)));
    for f in &pm.factors {
        keywords.push(b(&f.id));
        if let Some(factor) = kb.config.factors.get(&f.id) {
            keywords.push(b(&factor.title));
        }
    }
    keywords.push(b(&pm.severity));
    let mut summary = vec![b(&pm.summary)];
    if !pm.impact.is_empty() {
        summary.push(b(&pm.impact));
    }
    [vec![b(body)], vec![b(&pm.title)], summary, timeline, actions, keywords]
}

/// One term of one document: how often it occurs in each field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocTerm {
    /// The term's id in `Analysis::terms`.
    pub term: u32,
    /// Occurrences in each field, in `Field::ALL` order (saturating).
    pub tf: [u16; FIELDS],
}

/// The analysed visible postmortems.
///
/// Documents are numbered in `kb.postmortems` order (newest first) skipping hidden
/// ones; `docs[d]` is the position in `kb.postmortems`. Term ids follow the terms'
/// sorted order (by UTF-16 code units, the order JavaScript compares strings in).
pub struct Analysis<'a> {
    /// The knowledge base analysed.
    pub kb: &'a KnowledgeBase,
    /// Per document, its position in `kb.postmortems`.
    pub docs: Vec<usize>,
    /// Every stemmed term, in UTF-16 order (ids are positions here).
    pub terms: Vec<String>,
    /// Per document, its terms sorted by id.
    pub doc_terms: Vec<Vec<DocTerm>>,
    /// Per document, the number of tokens in each field (tantivy's field length).
    pub lengths: Vec<[u32; FIELDS]>,
}

struct ChunkResult {
    terms: Vec<String>,
    docs: Vec<(Vec<DocTerm>, [u32; FIELDS])>,
}

impl<'a> Analysis<'a> {
    /// Analyses every visible postmortem; `texts[i]` is the plain text of
    /// `kb.postmortems[i]`'s body (a missing entry counts as an empty body).
    pub fn new<T: AsRef<str> + Sync>(kb: &'a KnowledgeBase, texts: &[T]) -> Analysis<'a> {
        let docs: Vec<usize> = kb.visible_ids().collect();
        // Each chunk interns its own terms, so threads share nothing while tokenizing.
        let chunks: Vec<ChunkResult> = docs
            .par_chunks(128)
            .map(|chunk| {
                let mut analyzer = words_analyzer();
                let mut stems = stemmer();
                let mut local: FastMap<String, u32> = FastMap::default();
                // Each word seen in this chunk and the local id of its stem.
                let mut word_ids: FastMap<String, u32> = FastMap::default();
                let mut terms = Vec::new();
                let mut out = Vec::with_capacity(chunk.len());
                // Counts by local term id, and which ids this document touched.
                let mut counts: Vec<[u16; FIELDS]> = Vec::new();
                let mut touched: Vec<u32> = Vec::new();
                for &i in chunk {
                    let pm = &kb.postmortems[i];
                    let body = texts.get(i).map_or("", |t| t.as_ref());
                    let values = field_values(kb, pm, body);
                    let mut lengths = [0u32; FIELDS];
                    for (f, vals) in values.iter().enumerate() {
                        for v in vals {
                            analyzer.token_stream(v).process(&mut |tok| {
                                lengths[f] += 1;
                                let id = match word_ids.get(tok.text.as_str()) {
                                    Some(&id) => id,
                                    None => {
                                        let stem = stem_with(&mut stems, &tok.text);
                                        let id = match local.get(stem.as_str()) {
                                            Some(&id) => id,
                                            None => {
                                                let id = terms.len() as u32;
                                                terms.push(stem.clone());
                                                local.insert(stem, id);
                                                counts.push([0; FIELDS]);
                                                id
                                            }
                                        };
                                        word_ids.insert(tok.text.clone(), id);
                                        id
                                    }
                                };
                                let tf = &mut counts[id as usize];
                                if *tf == [0; FIELDS] {
                                    touched.push(id);
                                }
                                tf[f] = tf[f].saturating_add(1);
                            });
                        }
                    }
                    let doc_terms = touched
                        .drain(..)
                        .map(|term| DocTerm { term, tf: std::mem::take(&mut counts[term as usize]) })
                        .collect();
                    out.push((doc_terms, lengths));
                }
                ChunkResult { terms, docs: out }
            })
            .collect();

        // Merge the chunk dictionaries, then renumber terms in sorted order.
        let mut global: FastMap<String, u32> = FastMap::default();
        let mut terms: Vec<String> = Vec::new();
        let mut doc_terms = Vec::with_capacity(docs.len());
        let mut lengths = Vec::with_capacity(docs.len());
        for chunk in chunks {
            let map: Vec<u32> = chunk
                .terms
                .into_iter()
                .map(|t| match global.get(&t) {
                    Some(&id) => id,
                    None => {
                        let id = terms.len() as u32;
                        global.insert(t.clone(), id);
                        terms.push(t);
                        id
                    }
                })
                .collect();
            for (mut dt, len) in chunk.docs {
                for t in &mut dt {
                    t.term = map[t.term as usize];
                }
                doc_terms.push(dt);
                lengths.push(len);
            }
        }
        drop(global);
        let mut order: Vec<u32> = (0..terms.len() as u32).collect();
        order.par_sort_unstable_by(|&a, &b| utf16_cmp(&terms[a as usize], &terms[b as usize]));
        let mut rank = vec![0u32; terms.len()];
        for (r, &old) in order.iter().enumerate() {
            rank[old as usize] = r as u32;
        }
        let mut sorted_terms = vec![String::new(); terms.len()];
        for (old, t) in terms.into_iter().enumerate() {
            sorted_terms[rank[old] as usize] = t;
        }
        doc_terms.par_iter_mut().for_each(|dt: &mut Vec<DocTerm>| {
            for t in dt.iter_mut() {
                t.term = rank[t.term as usize];
            }
            dt.sort_unstable_by_key(|t| t.term);
        });
        Analysis { kb, docs, terms: sorted_terms, doc_terms, lengths }
    }

    /// How many documents (visible postmortems) were analysed.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether no postmortem was visible.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The postmortem behind document `d`.
    pub fn postmortem(&self, d: usize) -> &'a Postmortem {
        &self.kb.postmortems[self.docs[d]]
    }

    /// Total tokens per field over all documents (tantivy's `total_num_tokens`).
    pub fn total_tokens(&self) -> [u64; FIELDS] {
        let mut total = [0u64; FIELDS];
        for l in &self.lengths {
            for f in 0..FIELDS {
                total[f] += u64::from(l[f]);
            }
        }
        total
    }

    /// For each term, the documents containing it (ascending) with their counts.
    pub fn postings(&self) -> Vec<Vec<(u32, [u16; FIELDS])>> {
        let mut df = vec![0u32; self.terms.len()];
        for dt in &self.doc_terms {
            for t in dt {
                df[t.term as usize] += 1;
            }
        }
        let mut out: Vec<Vec<(u32, [u16; FIELDS])>> = df.iter().map(|&n| Vec::with_capacity(n as usize)).collect();
        for (d, dt) in self.doc_terms.iter().enumerate() {
            for t in dt {
                out[t.term as usize].push((d as u32, t.tf));
            }
        }
        out
    }
}

/// Orders strings the way JavaScript's `<` does, so the client's binary search over
/// shard boundaries agrees with the order the exporter cut them in.
pub fn utf16_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// The analysed terms of a piece of text, in order (stop words and long tokens dropped).
pub fn terms_of(text: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let mut out = Vec::new();
    analyzer.token_stream(text).process(&mut |t| out.push(t.text.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyzer_folds_case_and_accents_and_drops_stop_words() {
        assert_eq!(terms_of("The Café's connection-pool was EXHAUSTED"), ["cafe", "s", "connect", "pool", "exhaust"]);
        let long = "x".repeat(MAX_TOKEN_BYTES);
        assert_eq!(terms_of(&format!("ok {long} fine")), ["ok", "fine"]);
    }

    #[test]
    fn word_forms_share_one_term() {
        assert_eq!(terms_of("certificate certificates Certificates"), ["certif"; 3]);
        assert_eq!(terms_of("exhausted exhaustion exhausting"), ["exhaust"; 3]);
        assert_eq!(terms_of("retry retries retried"), ["retri"; 3]);
        // Different words stay different: stemming conflates forms, not meanings.
        assert_ne!(terms_of("cert"), terms_of("certificate"));
        assert_ne!(terms_of("pool"), terms_of("poll"));
    }

    #[test]
    fn stop_words_are_matched_before_stemming() {
        // The list holds words: "and" goes, "ifs" and "buts" are words of their own
        // whose stems happen to be stop words, and stay.
        assert_eq!(terms_of("ifs and buts"), ["if", "but"]);
        assert!(terms_of("This WAS").is_empty());
    }

    #[test]
    fn the_words_then_their_stems_are_the_analyzers_terms() {
        let text = "The Café's connection-pools were EXHAUSTED; retries retried certificates, skies and ifs";
        let mut words = Vec::new();
        words_analyzer().token_stream(text).process(&mut |t| words.push(t.text.clone()));
        let stems: Vec<String> = words.iter().map(|w| stem(w)).collect();
        assert_eq!(stems, terms_of(text));
    }

    #[test]
    fn stem_of_a_word_is_the_analyzers_term() {
        for w in ["deployments", "timeouts", "generalizations", "happily", "skies", "dying"] {
            assert_eq!(terms_of(w), [stem(w)], "{w}");
        }
    }

    #[test]
    fn utf16_order_differs_from_byte_order_only_above_the_bmp() {
        use std::cmp::Ordering;
        assert_eq!(utf16_cmp("ab", "b"), Ordering::Less);
        // Above the BMP the orders disagree: UTF-8 puts U+1F600 after U+FF5E, UTF-16
        // code units (surrogates start at D800) put it before, as JavaScript does.
        assert_eq!("\u{1F600}".cmp("\u{FF5E}"), Ordering::Greater);
        assert_eq!(utf16_cmp("\u{1F600}", "\u{FF5E}"), Ordering::Less);
    }
}
