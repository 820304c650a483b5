//! Tests over the fixture site in tests/fixtures/search-site: ranking, filters,
//! freshness, similar incidents, and that the in-memory analysis agrees with
//! tantivy's own statistics (the browser's BM25 depends on it).

use super::*;
use crate::check::{Checked, Options, check};
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/search-site")
}

fn load(root: &Path) -> (Checked, Vec<String>) {
    let checked = check(root, &Options { strict: false, drafts: false, today: "2026-01-01".parse().unwrap() });
    assert_eq!(checked.errors(), 0, "fixture has errors");
    let texts = checked.kb.postmortems.iter().map(|p| plain_text(&p.body)).collect();
    (checked, texts)
}

pub(crate) fn load_fixture() -> (Checked, Vec<String>) {
    load(&fixture())
}

fn built() -> (tempfile::TempDir, Checked, Vec<String>) {
    let (checked, texts) = load(&fixture());
    let tmp = tempfile::tempdir().unwrap();
    build_index(&checked.kb, &texts, &tmp.path().join("ix")).unwrap();
    (tmp, checked, texts)
}

fn ids(hits: &[Hit]) -> Vec<&str> {
    hits.iter().map(|h| h.id.as_str()).collect()
}

#[test]
fn exact_title_words_rank_first() {
    let (tmp, ..) = built();
    let dir = tmp.path().join("ix");
    let hits = search(&dir, "connection pool exhaustion", &Filters::default(), 10).unwrap();
    assert_eq!(hits[0].id, "2024-03-12-checkout-pool-exhaustion", "{:?}", ids(&hits));
    let hits = search(&dir, "expired certificate", &Filters::default(), 10).unwrap();
    assert_eq!(hits[0].id, "2023-11-20-certificate-expired-gateway");
    assert_eq!(hits[0].severity, "SEV1");
    assert_eq!(hits[0].services, ["api-gateway"]);
    assert_eq!(hits[0].date.to_string(), "2023-11-20");
}

#[test]
fn all_words_are_required() {
    let (tmp, ..) = built();
    let hits = search(&tmp.path().join("ix"), "pool certificate", &Filters::default(), 10).unwrap();
    assert!(hits.is_empty(), "{:?}", ids(&hits));
}

#[test]
fn field_queries_and_filters_narrow() {
    let (tmp, ..) = built();
    let dir = tmp.path().join("ix");
    let all = search(&dir, "pool", &Filters::default(), 10).unwrap();
    assert!(all.iter().any(|h| h.id == "2024-05-02-payments-db-failover"));
    let checkout = search(&dir, "pool service:checkout-api", &Filters::default(), 10).unwrap();
    assert!(!checkout.is_empty());
    assert!(checkout.iter().all(|h| h.services.contains(&"checkout-api".to_string())));
    // Case does not matter in facet values.
    let upper = search(&dir, "pool service:Checkout-API", &Filters::default(), 10).unwrap();
    assert_eq!(ids(&upper), ids(&checkout));

    let filters = Filters { severities: vec!["sev2".into()], ..Filters::default() };
    let sev2 = search(&dir, "pool", &filters, 10).unwrap();
    assert!(!sev2.is_empty() && sev2.iter().all(|h| h.severity == "SEV2"));

    let factor = search(&dir, "factor:retry-storm", &Filters::default(), 10).unwrap();
    assert_eq!(ids(&factor).len(), 2, "the draft with retry-storm is hidden: {:?}", ids(&factor));

    let since = Filters { since: Some("2024-06-01".parse().unwrap()), ..Filters::default() };
    let recent = search(&dir, "", &since, 10).unwrap();
    assert_eq!(ids(&recent), ["2025-01-15-search-latency-retry-storm", "2024-08-08-checkout-deploy-rollback"]);
}

#[test]
fn phrases_accents_and_snippets() {
    let (tmp, ..) = built();
    let dir = tmp.path().join("ix");
    let phrase = search(&dir, "\"pool was exhausted\"", &Filters::default(), 10).unwrap();
    assert_eq!(ids(&phrase), ["2024-03-12-checkout-pool-exhaustion"]);
    let cafe = search(&dir, "CAFE", &Filters::default(), 10).unwrap();
    assert_eq!(ids(&cafe), ["2023-11-20-certificate-expired-gateway"]);
    let s = &cafe[0].snippet;
    assert_eq!(s.marked("[", "]").matches("[Café]").count(), 1, "{}", s.marked("[", "]"));
}

#[test]
fn drafts_are_never_indexed() {
    let (tmp, ..) = built();
    let hits = search(&tmp.path().join("ix"), "zeppelin", &Filters::default(), 10).unwrap();
    assert!(hits.is_empty());
}

#[test]
fn bad_queries_are_typed_errors() {
    let (tmp, ..) = built();
    let dir = tmp.path().join("ix");
    match search(&dir, "owner:bob", &Filters::default(), 10) {
        Err(SearchError::Query { message, .. }) => assert!(message.contains("no field `owner`"), "{message}"),
        other => panic!("expected a query error, got {other:?}"),
    }
    let missing = search(&tmp.path().join("nothing"), "pool", &Filters::default(), 10);
    assert!(matches!(missing, Err(SearchError::Missing { .. })));
}

#[test]
fn a_fresh_index_is_not_rebuilt() {
    let (checked, texts) = load(&fixture());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ix");
    let first = build_index(&checked.kb, &texts, &dir).unwrap();
    assert!(first.rebuilt);
    assert_eq!(first.documents, 5);
    let second = build_index(&checked.kb, &texts, &dir).unwrap();
    assert!(!second.rebuilt);
    assert_eq!(second.fingerprint, first.fingerprint);
    assert!(is_fresh(&dir, &first.fingerprint));
}

#[test]
fn analysis_agrees_with_tantivy_statistics() {
    let (tmp, checked, texts) = built();
    let dir = tmp.path().join("ix");
    let a = Analysis::new(&checked.kb, &texts);
    let (index, f) = index::open(&dir).unwrap();
    let searcher = index.reader().unwrap().searcher();
    let totals = a.total_tokens();
    for field in analysis::Field::ALL {
        let tf = f.text(field);
        let mut total = 0;
        for seg in searcher.segment_readers() {
            total += seg.inverted_index(tf).unwrap().total_num_tokens();
            let norms = seg.get_fieldnorms_reader(tf).unwrap();
            let store = seg.get_store_reader(0).unwrap();
            for doc in 0..seg.max_doc() {
                let stored: tantivy::TantivyDocument = store.get(doc).unwrap();
                use tantivy::schema::Value;
                let id = stored.get_first(f.id).and_then(|v| v.as_str()).unwrap();
                let d = a.docs.iter().position(|&i| checked.kb.postmortems[i].id == id).unwrap();
                assert_eq!(norms.fieldnorm(doc), a.lengths[d][field as usize], "{id} {}", field.name());
            }
        }
        assert_eq!(total, totals[field as usize], "{}", field.name());
        for (t, list) in a.postings().iter().enumerate() {
            let in_field = list.iter().filter(|(_, tf)| tf[field as usize] > 0).count() as u64;
            let term = tantivy::Term::from_field_text(tf, &a.terms[t]);
            assert_eq!(searcher.doc_freq(&term).unwrap(), in_field, "{} in {}", a.terms[t], field.name());
        }
    }
}

#[test]
fn similar_incidents_share_services_and_factors() {
    let (checked, texts) = load(&fixture());
    let kb = &checked.kb;
    let sim = similar(kb, &texts);
    assert_eq!(sim.len(), kb.postmortems.len());
    for (i, list) in sim.iter().enumerate() {
        assert!(list.len() <= 5);
        for s in list {
            assert_ne!(s.index, i, "an incident is never similar to itself");
            assert!(kb.visible[s.index], "only visible incidents are listed");
        }
        if !kb.visible[i] {
            assert!(list.is_empty());
        }
    }
    let pool = kb.by_id["2024-03-12-checkout-pool-exhaustion"];
    let deploy = kb.by_id["2024-08-08-checkout-deploy-rollback"];
    let first = &sim[pool][0];
    assert!([deploy, kb.by_id["2024-05-02-payments-db-failover"]].contains(&first.index), "{:?}", sim[pool]);
    let to_deploy = sim[pool].iter().find(|s| s.index == deploy).unwrap();
    assert_eq!(to_deploy.reason, "shares checkout-api");
    // Symmetric score: the pair scores the same from either side.
    let back = sim[deploy].iter().find(|s| s.index == pool).unwrap();
    assert!((back.score - to_deploy.score).abs() < 1e-5);
}

#[test]
fn browser_index_files_register_json() {
    let (checked, texts) = load(&fixture());
    let files = browser_index(&checked.kb, &texts);
    let meta = files.iter().find(|f| f.path == "search/meta.js").unwrap();
    let text = std::str::from_utf8(&meta.bytes).unwrap();
    let json = text.strip_prefix("window.pmSearch.register(\"meta\",").and_then(|s| s.strip_suffix(");\n")).unwrap();
    let meta: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(meta["n"], 5);
    for (_, name) in meta["shards"].as_array().unwrap().iter().map(|s| (s[0].clone(), s[1].clone())) {
        let path = format!("search/shard-{}.js", name.as_str().unwrap());
        assert!(files.iter().any(|f| f.path == path), "{path}");
    }
    let docs = meta["docs"].as_str().unwrap();
    // Five documents fit in one chunk of result records.
    assert_eq!(meta["dc"], super::browser::DOC_CHUNK);
    assert_eq!(files.iter().filter(|f| f.path.starts_with(&format!("search/{docs}/"))).count(), 1);
    // No draft word anywhere in the browser index.
    assert!(!files.iter().any(|f| String::from_utf8_lossy(&f.bytes).contains("zeppelin")));
}
