//! The static index the in-browser search reads (format: `docs/search-index.md`).
//!
//! It must work from `file://`, where browsers refuse `fetch()`, so every file is a
//! script that hands a JSON literal to `window.pmSearch.register(key, data)`; the
//! client loads files by adding `<script src>` tags. It must also be small for
//! 10,000 postmortems, so the client downloads only what a query needs:
//!
//! - `search/meta.js`: collection statistics, the analyzer settings and the shard
//!   map (the first term of each shard);
//! - `search/shard-<prefix>-<hash>.js`: postings for a run of sorted terms, cut to
//!   about [`SHARD_BYTES`]; a query loads the shards its words fall in;
//! - `search/docs-<hash>/<c>.js`: what a result shows (title, date, severity,
//!   services, summary), `DOC_CHUNK` documents per file, loaded for the results shown;
//! - `search/facets-<hash>.js`: facet values and their documents, loaded by the
//!   search page and by queries that name a field (`service:x`).
//!
//! Postings carry, per field, the term frequency and tantivy's one-byte length code
//! of the field (as a difference from the field's most common code, packed with
//! small frequencies into one character), so the client computes exactly tantivy's
//! BM25 (field boosts and per-field document frequencies included) with no table
//! of document lengths.

use super::Analysis;
use super::analysis::{FIELDS, Field, MAX_TOKEN_BYTES, STOP_WORDS};
use super::encode::{push_varint, short_hash};
use crate::kb::KnowledgeBase;
use crate::output::OutputFile;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tantivy::fieldnorm::FieldNormReader;

/// Target size of a shard file. Smaller shards mean fewer bytes per query and more
/// files; a term whose postings alone exceed it gets a shard to itself.
pub(crate) const SHARD_BYTES: usize = 16 * 1024;

/// Format version, bumped on any incompatible change; search.js refuses any other.
/// 2: terms are English stems, `meta.pages` lists the pages a query can name.
pub(crate) const FORMAT: u32 = 2;

/// The browser index of every visible postmortem; see the module docs.
pub fn browser_index(kb: &KnowledgeBase, texts: &[String]) -> Vec<OutputFile> {
    browser_index_in(&Analysis::new(kb, texts))
}

/// Wraps a JSON payload in the registration call every index file makes.
pub(crate) fn script(key: &str, payload: &impl Serialize) -> Vec<u8> {
    let mut out = b"window.pmSearch.register(".to_vec();
    serde_json::to_writer(&mut out, key).expect("strings serialise");
    out.push(b',');
    serde_json::to_writer(&mut out, payload).expect("JSON values serialise");
    out.extend_from_slice(b");\n");
    out
}

/// Result records per file in `search/docs-<hash>/`.
pub(crate) const DOC_CHUNK: usize = 8;

/// [`browser_index`] over an existing analysis.
pub fn browser_index_in(a: &Analysis) -> Vec<OutputFile> {
    let mut files = Vec::new();
    let codes = length_codes(a);
    let base = base_codes(a, &codes);
    let mut shards = shards(a, &codes, &base);
    file_pages(a, &mut shards);
    let mut shard_map = Vec::with_capacity(shards.len());
    for shard in shards {
        let payload = serde_json::Value::Object(shard.entries);
        let body = serde_json::to_vec(&payload).expect("JSON values serialise");
        let name = format!("{}-{}", file_safe(&shard.start), short_hash(&body));
        files.push(OutputFile::new(format!("search/shard-{name}.js"), script(&format!("shard:{name}"), &payload)));
        shard_map.push((shard.start, name));
    }

    // Result records go out in chunks: one file per document cost a file per postmortem
    // (file creation dominates builds on slow disks) for a few hundred bytes each.
    let docs: Vec<serde_json::Value> = (0..a.len())
        .into_par_iter()
        .map(|d| {
            let pm = a.postmortem(d);
            json!({
                "id": pm.id,
                "u": crate::routes::incident_url(&pm.id),
                "t": pm.title,
                "d": pm.date.to_string(),
                "s": pm.severity,
                "v": pm.services,
                "x": pm.summary,
            })
        })
        .collect();
    let chunks: Vec<Vec<u8>> = docs
        .chunks(DOC_CHUNK)
        .enumerate()
        .map(|(c, chunk)| script(&format!("docs:{c}"), &serde_json::Value::Array(chunk.to_vec())))
        .collect();
    let docs_dir = format!("docs-{}", short_hash(&chunks.concat()));
    for (c, bytes) in chunks.into_iter().enumerate() {
        files.push(OutputFile::new(format!("search/{docs_dir}/{c}.js"), bytes));
    }

    let facets = facets(a);
    let facets_file = format!("facets-{}.js", short_hash(&serde_json::to_vec(&facets).expect("JSON values serialise")));
    files.push(OutputFile::new(format!("search/{facets_file}"), script("facets", &facets)));

    let totals = a.total_tokens();
    let meta = json!({
        "v": FORMAT,
        "n": a.len(),
        "k1": 1.2,
        "b": 0.75,
        "fields": Field::ALL
            .iter()
            .map(|&f| json!([f.name(), f.boost(), totals[f as usize], base[f as usize]]))
            .collect::<Vec<_>>(),
        "stop": STOP_WORDS,
        "maxlen": MAX_TOKEN_BYTES,
        "stem": "english",
        "shards": shard_map,
        "docs": docs_dir,
        "dc": DOC_CHUNK,
        "facets": facets_file,
    });
    files.push(OutputFile::new("search/meta.js", script("meta", &meta)));
    files
}

/// The key of a shard's list of pages; no term holds `#`.
pub(crate) const PAGES_KEY: &str = "#pages";

/// Files each page a query can name in the shard of the first term of its id and of
/// its title, as `[kind, name, url]` with the title after when it is not the name.
/// A query that names a page holds that term, so it loads that shard anyway: the
/// names cost no file and no byte to a query that names nothing near them.
fn file_pages(a: &Analysis, shards: &mut [Shard]) {
    let starts: Vec<&str> = shards.iter().map(|s| s.start.as_str()).collect();
    let mut placed: Vec<(usize, Value)> = Vec::new();
    for p in super::pages(a.kb) {
        let mut at: Vec<usize> = [&p.name, &p.title]
            .iter()
            .filter_map(|name| super::analysis::terms_of(name).into_iter().next())
            .map(|first| shard_of(&starts, &first))
            .collect();
        at.dedup();
        let mut e = vec![json!(p.kind.name()), json!(p.name), json!(p.url)];
        if p.title != p.name {
            e.push(json!(p.title));
        }
        let entry = Value::Array(e);
        placed.extend(at.into_iter().map(|i| (i, entry.clone())));
    }
    for (i, entry) in placed {
        let list = shards[i].entries.entry(PAGES_KEY).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            list.push(entry);
        }
    }
}

/// The shard a term belongs in, as the client finds it: the last whose start is not
/// after the term.
fn shard_of(starts: &[&str], term: &str) -> usize {
    starts.partition_point(|s| super::analysis::utf16_cmp(s, term) != std::cmp::Ordering::Greater).saturating_sub(1)
}

struct Shard {
    /// The shortest prefix of the first term that sorts after the previous shard's
    /// last term: the client finds a term's shard by comparing with these.
    start: String,
    entries: serde_json::Map<String, Value>,
}

fn shards(a: &Analysis, codes: &[[u8; FIELDS]], base: &[u8; FIELDS]) -> Vec<Shard> {
    let postings = a.postings();
    let encoded: Vec<String> = postings.par_iter().map(|list| encode_postings(list, codes, base)).collect();
    let mut out: Vec<Shard> = Vec::new();
    let mut size = 0usize;
    for (t, value) in encoded.into_iter().enumerate() {
        let term = &a.terms[t];
        let entry = term.len() + value.len() + 6;
        if out.is_empty() || (size + entry > SHARD_BYTES && size > 0) {
            let start = match t {
                0 => String::new(),
                _ => distinguishing_prefix(&a.terms[t - 1], term),
            };
            out.push(Shard { start, entries: serde_json::Map::new() });
            size = 0;
        }
        size += entry;
        out.last_mut().expect("a shard was just pushed").entries.insert(term.clone(), Value::String(value));
    }
    out
}

/// The shortest prefix of `next` that sorts after `prev` (`prev` < `next`).
fn distinguishing_prefix(prev: &str, next: &str) -> String {
    let common = prev.chars().zip(next.chars()).take_while(|(a, b)| a == b).count();
    next.chars().take(common + 1).collect()
}

/// Keeps `[a-z0-9]`, so a shard's file name is safe on every file system and URL.
fn file_safe(start: &str) -> String {
    start.chars().map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() { c } else { '_' }).collect()
}

/// One term's postings: per field (in bit order), the documents holding the term
/// there as (document delta, term frequency, length code) varint triples; fields
/// separated by `.`, trailing empty fields dropped.
pub(crate) fn encode_postings(list: &[(u32, [u16; FIELDS])], codes: &[[u8; FIELDS]], base: &[u8; FIELDS]) -> String {
    let mut out = String::new();
    let mut pending_dots = 0;
    for f in 0..FIELDS {
        let mut field = String::new();
        let mut prev = 0u32;
        for &(d, tf) in list {
            let tf = u64::from(tf[f]);
            if tf == 0 {
                continue;
            }
            push_varint(&mut field, u64::from(d - prev));
            prev = d;
            // Length code relative to the field's usual one (zigzag), two bits of
            // term frequency below it; 0 in those bits means the frequency follows.
            let diff = i64::from(codes[d as usize][f]) - i64::from(base[f]);
            let zigzag = if diff >= 0 { diff * 2 } else { -diff * 2 - 1 } as u64;
            push_varint(&mut field, zigzag * 4 + if tf < 4 { tf } else { 0 });
            if tf >= 4 {
                push_varint(&mut field, tf);
            }
        }
        if f > 0 {
            pending_dots += 1;
        }
        if !field.is_empty() {
            out.extend(std::iter::repeat_n('.', pending_dots));
            pending_dots = 0;
            out.push_str(&field);
        }
    }
    out
}

/// Per document and field, tantivy's one-byte length code.
fn length_codes(a: &Analysis) -> Vec<[u8; FIELDS]> {
    a.lengths.iter().map(|l| l.map(FieldNormReader::fieldnorm_to_id)).collect()
}

/// Per field, the length code most postings carry, so most postings store a
/// small difference from it.
fn base_codes(a: &Analysis, codes: &[[u8; FIELDS]]) -> [u8; FIELDS] {
    let mut weight = vec![[0u64; 256]; FIELDS];
    for (l, c) in a.lengths.iter().zip(codes) {
        for f in 0..FIELDS {
            // Longer fields hold more distinct terms, so more postings.
            weight[f][c[f] as usize] += u64::from(l[f]);
        }
    }
    std::array::from_fn(|f| (0..256).max_by_key(|&c| (weight[f][c], std::cmp::Reverse(c))).unwrap_or(0) as u8)
}

/// Facet values with their documents (delta varints), for filtering and counts.
fn facets(a: &Analysis) -> Value {
    let mut service: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    let mut team: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    let mut factor: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    let mut severity: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    let mut year: BTreeMap<i16, Vec<u32>> = BTreeMap::new();
    let push = |list: &mut Vec<u32>, d: u32| {
        if list.last() != Some(&d) {
            list.push(d);
        }
    };
    for d in 0..a.len() {
        let pm = a.postmortem(d);
        let d = d as u32;
        pm.services.iter().for_each(|s| push(service.entry(s).or_default(), d));
        pm.teams.iter().for_each(|s| push(team.entry(s).or_default(), d));
        pm.factors.iter().for_each(|f| push(factor.entry(&f.id).or_default(), d));
        push(severity.entry(&pm.severity).or_default(), d);
        push(year.entry(pm.date.year()).or_default(), d);
    }
    let docs = |list: &[u32]| {
        let mut s = String::new();
        let mut prev = 0;
        for &d in list {
            push_varint(&mut s, u64::from(d - prev));
            prev = d;
        }
        s
    };
    let plain = |m: &BTreeMap<&str, Vec<u32>>| m.iter().map(|(k, v)| json!([k, docs(v)])).collect::<Vec<_>>();
    let config = &a.kb.config;
    // Severities most severe first, as site.toml lists them; unknown ones after.
    let mut sev: Vec<(&str, &Vec<u32>)> = severity.iter().map(|(k, v)| (*k, v)).collect();
    sev.sort_by_key(|(k, _)| config.severities.iter().position(|s| s == k).unwrap_or(usize::MAX));
    json!({
        "service": plain(&service),
        "team": plain(&team),
        "factor": factor
            .iter()
            .map(|(k, v)| {
                let title = config.factors.get(*k).map_or(*k, |f| f.title.as_str());
                json!([k, docs(v), title])
            })
            .collect::<Vec<_>>(),
        "severity": sev.iter().map(|(k, v)| json!([k, docs(v)])).collect::<Vec<_>>(),
        "year": year.iter().rev().map(|(k, v)| json!([k.to_string(), docs(v)])).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::encode::decode_varints;

    #[test]
    fn postings_skip_fields_without_the_term() {
        let mut codes = vec![[0u8; FIELDS]; 40];
        codes[3] = [70, 5, 0, 0, 0, 0];
        codes[35] = [68, 0, 0, 0, 0, 0];
        let base = [70, 5, 0, 0, 0, 0];
        let mut tf3 = [0u16; FIELDS];
        tf3[0] = 2;
        tf3[1] = 1;
        let mut tf35 = [0u16; FIELDS];
        tf35[0] = 9;
        let s = encode_postings(&[(3, tf3), (35, tf35)], &codes, &base);
        let parts: Vec<&str> = s.split('.').collect();
        assert_eq!(parts.len(), 2, "body and title only: {s}");
        // Doc 3: delta 3, same code as the base (0), tf 2 -> 0*4+2.
        // Doc 35: delta 32, code 2 below the base (zigzag 3), tf 9 follows -> 3*4+0, 9.
        assert_eq!(decode_varints(parts[0]).unwrap(), [3, 2, 32, 12, 9]);
        assert_eq!(decode_varints(parts[1]).unwrap(), [3, 1]);
    }

    #[test]
    fn the_base_code_is_the_most_common_weighted_by_length() {
        let (checked, texts) = crate::search::search_tests::load_fixture();
        let a = Analysis::new(&checked.kb, &texts);
        let codes = length_codes(&a);
        let base = base_codes(&a, &codes);
        let titles: Vec<u8> = codes.iter().map(|c| c[Field::Title as usize]).collect();
        assert!(titles.contains(&base[Field::Title as usize]));
    }

    #[test]
    fn shard_starts_are_the_shortest_distinguishing_prefix() {
        assert_eq!(distinguishing_prefix("pool", "pools"), "pools");
        assert_eq!(distinguishing_prefix("pans", "pool"), "po");
        assert_eq!(distinguishing_prefix("a", "b"), "b");
        assert_eq!(file_safe("café"), "caf_");
    }

    #[test]
    fn a_term_belongs_in_the_last_shard_starting_at_or_before_it() {
        let starts = ["", "d", "pool", "s"];
        assert_eq!(shard_of(&starts, "api"), 0);
        assert_eq!(shard_of(&starts, "d"), 1);
        assert_eq!(shard_of(&starts, "pon"), 1);
        assert_eq!(shard_of(&starts, "pools"), 2);
        assert_eq!(shard_of(&starts, "zone"), 3);
    }

    #[test]
    fn pages_are_filed_with_the_first_term_of_their_names() {
        let (checked, texts) = crate::search::search_tests::load_fixture();
        let a = Analysis::new(&checked.kb, &texts);
        let files = browser_index_in(&a);
        let mut filed: Vec<(String, Value)> = Vec::new();
        for f in files.iter().filter(|f| f.path.starts_with("search/shard-")) {
            let text = std::str::from_utf8(&f.bytes).unwrap();
            let json: Value =
                serde_json::from_str(&text[text.find(',').unwrap() + 1..text.rfind(')').unwrap()]).unwrap();
            let first = json.as_object().unwrap().keys().find(|k| *k != PAGES_KEY).cloned().unwrap_or_default();
            for e in json.get(PAGES_KEY).and_then(Value::as_array).into_iter().flatten() {
                filed.push((first.clone(), e.clone()));
            }
        }
        let retry: Vec<&Value> = filed.iter().map(|(_, e)| e).filter(|e| e[1] == "retry-storm").collect();
        assert_eq!(retry.len(), 1, "id and title start alike: filed once");
        assert_eq!(*retry[0], json!(["factor", "retry-storm", "factors/retry-storm/", "Retry storm"]));
        let gateway = filed.iter().find(|(_, e)| e[1] == "api-gateway").expect("the service is filed");
        assert_eq!(gateway.1, json!(["service", "api-gateway", "services/api-gateway/"]));
        assert_eq!(filed.iter().filter(|(_, e)| e[0] == "team").count(), checked.kb.indexes.teams.len());
    }
}
