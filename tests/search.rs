//! Search, end to end: the `pmsite search` command, index freshness after edits,
//! the browser index read back and queried the way search.js does, and similar
//! incidents over a generated corpus.

use pmsite::check::{Checked, Options, check};
use pmsite::output::OutputFile;
use pmsite::search::{self, Filters};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/search-site")
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        if rel.starts_with(".pmsite") {
            continue;
        }
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

fn load(root: &Path) -> (Checked, Vec<String>) {
    let checked = check(root, &Options { strict: false, drafts: false, today: "2026-01-01".parse().unwrap() });
    assert_eq!(checked.errors(), 0);
    let texts = checked.kb.postmortems.iter().map(|p| search::plain_text(&p.body)).collect();
    (checked, texts)
}

fn pmsite(root: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pmsite"))
        .arg("search")
        .args(args)
        .arg("--root")
        .arg(root)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_prints_ranked_json_and_builds_the_index_once() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), tmp.path());
    let (code, stdout, stderr) = pmsite(tmp.path(), &["connection", "pool", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("built the search index: 5 postmortems"), "{stderr}");
    assert!(tmp.path().join(".pmsite/search-index/meta.json").is_file());
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["query"], "connection pool");
    let hits = json["hits"].as_array().unwrap();
    assert_eq!(hits[0]["id"], "2024-03-12-checkout-pool-exhaustion");
    assert_eq!(hits[0]["severity"], "SEV1");
    assert_eq!(hits[0]["date"], "2024-03-12");
    assert_eq!(hits[0]["services"][0], "checkout-api");
    assert!(hits[0]["score"].as_f64().unwrap() > hits[1]["score"].as_f64().unwrap());
    let snippet = &hits[0]["snippet"];
    let text = snippet["text"].as_str().unwrap();
    let [s, e] = [0, 1].map(|i| snippet["highlights"][0][i].as_u64().unwrap() as usize);
    assert!(["connection", "connections", "pool"].contains(&text[s..e].to_lowercase().as_str()));

    // Fresh now: no rebuild message; filters narrow.
    let (code, stdout, stderr) = pmsite(tmp.path(), &["pool", "--severity", "SEV2", "--format", "json"]);
    assert_eq!(code, 0);
    assert!(!stderr.contains("search index"), "{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let ids: Vec<&str> = json["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["2024-08-08-checkout-deploy-rollback", "2024-05-02-payments-db-failover"]);

    let (code, _, stderr) = pmsite(tmp.path(), &["pool", "--since", "2025-01-01"]);
    assert_eq!(code, 1, "no match exits 1");
    assert!(stderr.contains("no postmortem matches"), "{stderr}");

    let (code, _, stderr) = pmsite(tmp.path(), &["owner:bob"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("there is no field `owner`"), "{stderr}");
}

#[test]
fn cli_table_lists_title_services_and_snippet() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), tmp.path());
    let (code, stdout, _) = pmsite(tmp.path(), &["certificate", "--limit", "1"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "2023-11-20  SEV1  Expired certificate on the API gateway");
    assert!(lines[1].contains("api-gateway · 2023-11-20-certificate-expired-gateway"));
    assert!(lines[2].contains("certificate expired"), "{stdout}");
}

#[test]
fn an_edit_rebuilds_the_index_new_words_found_old_ones_gone() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), tmp.path());
    let dir = search::index_dir(tmp.path());
    let (checked, texts) = load(tmp.path());
    assert!(search::build_index(&checked.kb, &texts, &dir).unwrap().rebuilt);
    let find = |q: &str| search::search(&dir, q, &Filters::default(), 10).unwrap();
    assert_eq!(find("cafe").len(), 1);
    assert!(find("bistro").is_empty());

    let file = tmp.path().join("content/2023/2023-11-20-certificate-expired-gateway.md");
    let text = std::fs::read_to_string(&file).unwrap().replace("Café", "Bistro");
    std::fs::write(&file, text).unwrap();
    let (checked, texts) = load(tmp.path());
    let rebuilt = search::build_index(&checked.kb, &texts, &dir).unwrap();
    assert!(rebuilt.rebuilt, "a changed file makes the index stale");
    assert_eq!(find("bistro").len(), 1);
    assert!(find("cafe").is_empty());

    // The command sees the same freshness: it rebuilds after an edit, not before.
    let (_, _, stderr) = pmsite(tmp.path(), &["bistro"]);
    assert!(!stderr.contains("search index"), "{stderr}");
    std::fs::write(tmp.path().join("site.toml"), std::fs::read_to_string(tmp.path().join("site.toml")).unwrap() + "\n")
        .unwrap();
    let (code, _, stderr) = pmsite(tmp.path(), &["bistro"]);
    assert_eq!(code, 0);
    assert!(stderr.contains("updated the search index"), "{stderr}");
}

/// A deterministic corpus: a Zipf-like vocabulary so some words are in most
/// documents and some in few, as in real write-ups.
fn generate(root: &Path, count: usize) {
    const WORDS: &[&str] = &[
        "request",
        "latency",
        "error",
        "timeout",
        "pool",
        "connection",
        "retry",
        "database",
        "cache",
        "deploy",
        "config",
        "queue",
        "replica",
        "leader",
        "election",
        "certificate",
        "expired",
        "disk",
        "memory",
        "cpu",
        "throttle",
        "backoff",
        "jitter",
        "shard",
        "partition",
        "rollback",
        "canary",
        "flag",
        "dns",
        "proxy",
        "gateway",
        "token",
        "quota",
        "alert",
        "pager",
        "runbook",
        "dashboard",
        "trace",
        "metric",
        "saturation",
        "exhaustion",
        "failover",
        "primary",
        "storage",
        "network",
        "packet",
        "firewall",
        "kernel",
        "heap",
        "garbage",
        "collection",
        "index",
        "migration",
        "schema",
        "lock",
        "contention",
        "deadlock",
        "zone",
        "region",
        "capacity",
        "autoscaler",
        "burst",
        "surge",
        "webhook",
        "vendor",
        "outage",
        "café",
        "naïve",
    ];
    let services = ["checkout-api", "payments-db", "search-api", "api-gateway", "auth-service", "ledger"];
    let factors = ["retry-storm", "capacity-limit", "untested-fallback", "expired-credential", "deployment"];
    let teams = ["payments", "platform", "search", "identity"];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    std::fs::create_dir_all(root.join("content/2024")).unwrap();
    std::fs::copy(fixture().join("site.toml"), root.join("site.toml")).unwrap();
    for i in 0..count {
        let word = |next: &mut dyn FnMut(usize) -> usize| {
            // Squaring skews toward the front of the list.
            let r = next(1000) as f64 / 1000.0;
            WORDS[((r * r) * WORDS.len() as f64) as usize]
        };
        let sentence =
            |n: usize, next: &mut dyn FnMut(usize) -> usize| (0..n).map(|_| word(next)).collect::<Vec<_>>().join(" ");
        let title = sentence(3 + next(5), &mut next);
        let summary = sentence(8 + next(10), &mut next);
        let body = (0..3).map(|_| sentence(20 + next(40), &mut next)).collect::<Vec<_>>().join(".\n\n");
        let event = sentence(6, &mut next);
        let action = sentence(6, &mut next);
        let s1 = services[next(services.len())];
        let s2 = services[next(services.len())];
        let f1 = factors[next(factors.len())];
        let team = teams[next(teams.len())];
        let sev = ["SEV1", "SEV2", "SEV3"][next(3)];
        let day = 1 + next(28);
        let month = 1 + next(12);
        let md = format!(
            "---\ntitle: \"{title}\"\ndate: 2024-{month:02}-{day:02}\nseverity: {sev}\nservices: [{s1}, {s2}]\nteams: [{team}]\nsummary: \"{summary}\"\nfactors: [{f1}]\ntimeline:\n  - at: 2024-{month:02}-{day:02}T10:00:00Z\n    kind: signal\n    text: \"{event}\"\naction_items:\n  - title: \"{action}\"\n    owner: oncall\n    due: 2024-12-01\n---\n\n{body}.\n"
        );
        std::fs::write(root.join(format!("content/2024/gen-{i:04}.md")), md).unwrap();
    }
}

/// search.js's reading of the browser index, in Rust: the format from
/// docs/search-index.md, queried with the client's BM25 (complete words, no prefix).
mod client {
    use super::*;

    pub(crate) struct Index {
        pub meta: Value,
        files: HashMap<String, Vec<u8>>,
    }

    fn payload(bytes: &[u8]) -> (String, Value) {
        let text = std::str::from_utf8(bytes).unwrap();
        let inner = text
            .strip_prefix("window.pmSearch.register(")
            .and_then(|s| s.strip_suffix(");\n"))
            .expect("index files are one register call");
        let (key, json) = inner.split_once(',').unwrap();
        (serde_json::from_str(key).unwrap(), serde_json::from_str(json).unwrap())
    }

    fn varints(s: &str) -> Vec<u64> {
        const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let (mut out, mut n, mut mul) = (Vec::new(), 0u64, 1u64);
        for c in s.chars() {
            let v = ALPHABET.find(c).expect("alphabet") as u64;
            n += (v & 31) * mul;
            if v & 32 != 0 {
                mul *= 32;
            } else {
                out.push(n);
                n = 0;
                mul = 1;
            }
        }
        out
    }

    /// (delta, tf, length code) triples from one field's records.
    fn postings(list: &str, base: i64) -> Vec<u64> {
        let v = varints(list);
        let (mut out, mut i) = (Vec::new(), 0);
        while i < v.len() {
            let (delta, c) = (v[i], v[i + 1]);
            i += 2;
            let mut tf = c & 3;
            if tf == 0 {
                tf = v[i];
                i += 1;
            }
            let z = (c >> 2) as i64;
            let code = base + if z & 1 == 1 { -(z + 1) / 2 } else { z / 2 };
            out.extend([delta, tf, code as u64]);
        }
        out
    }

    fn fieldnorm(id: u64) -> f64 {
        if id < 24 {
            return id as f64;
        }
        let b = id - 24;
        let (bits, shift) = (b & 7, b >> 3);
        24.0 + if shift == 0 { bits } else { (bits | 8) << (shift - 1) } as f64
    }

    impl Index {
        pub(crate) fn new(files: &[OutputFile]) -> Index {
            let files: HashMap<String, Vec<u8>> = files.iter().map(|f| (f.path.clone(), f.bytes.to_vec())).collect();
            let (key, meta) = payload(&files["search/meta.js"]);
            assert_eq!(key, "meta");
            Index { meta, files }
        }

        /// The shard file a term lives in: the last whose start is <= the term.
        fn shard(&self, term: &str) -> Value {
            let shards = self.meta["shards"].as_array().unwrap();
            let i = shards.partition_point(|s| s[0].as_str().unwrap() <= term) - 1;
            let name = shards[i][1].as_str().unwrap();
            let (key, data) = payload(&self.files[&format!("search/shard-{name}.js")]);
            assert_eq!(key, format!("shard:{name}"));
            data
        }

        /// Documents with every term, best first, with their scores.
        pub(crate) fn query(&self, terms: &[String]) -> Vec<(usize, f64)> {
            let n = self.meta["n"].as_u64().unwrap() as usize;
            let (k1, b) = (self.meta["k1"].as_f64().unwrap(), self.meta["b"].as_f64().unwrap());
            let fields = self.meta["fields"].as_array().unwrap();
            let mut total = vec![0f64; n];
            let mut count = vec![0usize; n];
            for term in terms {
                let shard = self.shard(term);
                let Some(raw) = shard.get(term).and_then(Value::as_str) else {
                    return vec![];
                };
                let mut hit = vec![false; n];
                for (f, list) in raw.split('.').enumerate() {
                    let base = fields[f][3].as_i64().unwrap();
                    let v = postings(list, base);
                    let df = (v.len() / 3) as f64;
                    if df == 0.0 {
                        continue;
                    }
                    let boost = fields[f][1].as_f64().unwrap();
                    let avg = fields[f][2].as_f64().unwrap() / n as f64;
                    let w = boost * (1.0 + (n as f64 - df + 0.5) / (df + 0.5)).ln() * (1.0 + k1);
                    let mut d = 0usize;
                    for t in v.chunks(3) {
                        d += t[0] as usize;
                        let tf = t[1] as f64;
                        total[d] += w * tf / (tf + k1 * (1.0 - b + b * fieldnorm(t[2]) / avg));
                        hit[d] = true;
                    }
                }
                for d in 0..n {
                    count[d] += usize::from(hit[d]);
                }
            }
            let mut out: Vec<(usize, f64)> =
                (0..n).filter(|&d| count[d] == terms.len()).map(|d| (d, total[d])).collect();
            out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            out
        }

        pub(crate) fn doc_id(&self, d: usize) -> String {
            let docs = self.meta["docs"].as_str().unwrap();
            let per = self.meta["dc"].as_u64().unwrap() as usize;
            let (_, chunk) = payload(&self.files[&format!("search/{docs}/{}.js", d / per)]);
            chunk[d % per]["id"].as_str().unwrap().to_string()
        }
    }
}

#[test]
fn browser_index_answers_like_pmsite_search() {
    let tmp = tempfile::tempdir().unwrap();
    generate(tmp.path(), 400);
    let (checked, texts) = load(tmp.path());
    let dir = search::index_dir(tmp.path());
    search::build_index(&checked.kb, &texts, &dir).unwrap();
    let files = search::browser_index(&checked.kb, &texts);
    let index = client::Index::new(&files);
    assert_eq!(index.meta["n"], 400);
    let queries = [
        "latency",
        "pool exhaustion",
        "certificate expired gateway",
        "CAFE",
        "naive retry",
        "deadlock contention",
        "vendor outage webhook",
        "rollback canary flag",
        "autoscaler burst",
        "kernel packet firewall",
        "garbage collection heap",
    ];
    for q in queries {
        let hits = search::search(&dir, q, &Filters::default(), 1000).unwrap();
        let terms = pmsite::search::analysis::terms_of(q);
        let ranked = index.query(&terms);
        assert_eq!(ranked.len(), hits.len(), "{q}: same documents match");
        let Some(&(top, top_score)) = ranked.first() else {
            continue;
        };
        // Same scores as tantivy, so the same top result (equal scores may come in either order).
        let tantivy: HashMap<&str, f32> = hits.iter().map(|h| (h.id.as_str(), h.score)).collect();
        let id = index.doc_id(top);
        let client_top_in_tantivy = f64::from(tantivy[id.as_str()]);
        assert!(
            (client_top_in_tantivy - f64::from(hits[0].score)).abs() < 1e-4 * f64::from(hits[0].score),
            "{q}: client's top {id} scores {client_top_in_tantivy} in tantivy, tantivy's top {} scores {}",
            hits[0].id,
            hits[0].score
        );
        assert!((top_score - f64::from(hits[0].score)).abs() < 1e-4 * top_score, "{q}: BM25 agrees");
        if ranked.len() < 2 || (ranked[1].1 - top_score).abs() > 1e-6 * top_score {
            assert_eq!(id, hits[0].id, "{q}: a unique best is the same document");
        }
    }
}

#[test]
fn similar_incidents_are_symmetric_and_never_the_incident_itself() {
    let tmp = tempfile::tempdir().unwrap();
    generate(tmp.path(), 300);
    let (checked, texts) = load(tmp.path());
    let kb = &checked.kb;
    let sim = search::similar(kb, &texts);
    let mut links = 0;
    let mut mutual = 0;
    for (i, list) in sim.iter().enumerate() {
        assert!(!list.is_empty() && list.len() <= 5);
        assert!(list.windows(2).all(|w| w[0].score >= w[1].score), "best first");
        for s in list {
            assert_ne!(s.index, i);
            assert!(kb.visible[s.index]);
            assert!(!s.reason.is_empty());
            links += 1;
            if let Some(back) = sim[s.index].iter().find(|b| b.index == i) {
                mutual += 1;
                assert!((back.score - s.score).abs() < 1e-5, "a pair scores the same both ways");
                assert_eq!(back.reason.is_empty(), s.reason.is_empty());
            }
        }
    }
    assert!(mutual * 4 >= links, "roughly symmetric: {mutual} of {links} links go both ways");
}

#[test]
fn severity_filters_take_the_aliases_of_site_toml() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), tmp.path());
    let site = std::fs::read_to_string(tmp.path().join("site.toml")).unwrap();
    std::fs::write(tmp.path().join("site.toml"), format!("{site}\n[severity_aliases]\nMajor = \"SEV2\"\n")).unwrap();
    let ids = |args: &[&str]| {
        let (code, stdout, stderr) = pmsite(tmp.path(), args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        let json: Value = serde_json::from_str(&stdout).unwrap();
        json["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    let by_level = ids(&["pool", "--severity", "SEV2", "--format", "json"]);
    assert_eq!(by_level, ["2024-08-08-checkout-deploy-rollback", "2024-05-02-payments-db-failover"]);
    assert_eq!(ids(&["pool", "--severity", "Major", "--format", "json"]), by_level, "an alias means its level");
    assert_eq!(ids(&["pool", "--severity", "major", "--format", "json"]), by_level, "in any case");
    assert_eq!(ids(&["pool", "--severity", "sev2", "--format", "json"]), by_level);
    let (code, _, stderr) = pmsite(tmp.path(), &["pool", "--severity", "blocker"]);
    assert_eq!(code, 2, "an unknown severity is an error, not an empty result");
    assert!(stderr.contains("unknown severity `blocker`") && stderr.contains("major (SEV2)"), "{stderr}");
}

/// The fixture plus a postmortem that says only "certificates", never "certificate".
fn with_plural_certificates() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), tmp.path());
    std::fs::write(
        tmp.path().join("content/2024/2024-09-30-mtls-rotation.md"),
        "---\ntitle: Client mTLS rotation locked out the batch workers\ndate: 2024-09-30\nseverity: SEV3\nservices: [batch-runner]\nteams: [platform]\nsummary: Rotated client certificates were pushed before the batch workers trusted them.\n---\n\nThe workers kept the old trust bundle until a restart.\n",
    )
    .unwrap();
    tmp
}

fn hit_ids(dir: &Path, q: &str, filters: &Filters) -> Vec<String> {
    let mut ids: Vec<String> = search::search(dir, q, filters, 10).unwrap().into_iter().map(|h| h.id).collect();
    ids.sort();
    ids
}

#[test]
fn word_forms_find_each_other_and_phrases_and_filters_stay_exact() {
    let tmp = with_plural_certificates();
    let dir = search::index_dir(tmp.path());
    let (checked, texts) = load(tmp.path());
    search::build_index(&checked.kb, &texts, &dir).unwrap();
    let none = Filters::default();
    let singular = "2023-11-20-certificate-expired-gateway";
    let plural = "2024-09-30-mtls-rotation";
    // Each says only one form; either form finds both.
    assert_eq!(hit_ids(&dir, "certificates", &none), [singular, plural]);
    assert_eq!(hit_ids(&dir, "certificate", &none), [singular, plural]);
    // The snippet marks the word as written.
    let hits = search::search(&dir, "certificate", &none, 10).unwrap();
    let rotation = hits.iter().find(|h| h.id == plural).unwrap();
    assert_eq!(
        rotation.snippet.marked("[", "]"),
        "Rotated client [certificates] were pushed before the batch workers trusted them"
    );
    // "cert" is another word, not a form of "certificate".
    assert!(hit_ids(&dir, "cert", &none).is_empty());

    // A phrase still needs its words together and in order.
    assert_eq!(hit_ids(&dir, "\"certificate expired\"", &none), [singular]);
    assert_eq!(hit_ids(&dir, "\"certificates expire\"", &none), [singular], "forms of the same words");
    assert!(hit_ids(&dir, "\"expired midnight\"", &none).is_empty(), "words apart");
    assert!(hit_ids(&dir, "\"midnight expired\"", &none).is_empty(), "words out of order");
    // Exclusion works on every form of the word.
    assert_eq!(hit_ids(&dir, "certificate -renewals", &none), [plural]);

    // Filters name a value, not a word: no stemming there.
    let service = |s: &str| Filters { services: vec![s.into()], ..Filters::default() };
    assert_eq!(hit_ids(&dir, "certificate", &service("batch-runner")), [plural]);
    assert!(hit_ids(&dir, "certificate", &service("batch-runners")).is_empty());
    assert!(hit_ids(&dir, "service:api-gateways", &none).is_empty());
    assert_eq!(hit_ids(&dir, "service:api-gateway", &none), [singular]);
}

#[test]
fn an_index_from_an_older_pmsite_is_rebuilt_not_read() {
    let tmp = with_plural_certificates();
    let (code, _, stderr) = pmsite(tmp.path(), &["certificates"]);
    assert_eq!(code, 0, "{stderr}");
    // Mark the index as written by the version before stemming, sources unchanged.
    let stamp = search::index_dir(tmp.path()).join("pmsite-stamp.json");
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(&stamp).unwrap()).unwrap();
    assert_eq!(json["version"], search::INDEX_VERSION);
    json.as_object_mut().unwrap().remove("version");
    std::fs::write(&stamp, json.to_string()).unwrap();
    let (code, stdout, stderr) = pmsite(tmp.path(), &["certificates", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("updated the search index"), "{stderr}");
    assert_eq!(serde_json::from_str::<Value>(&stdout).unwrap()["hits"].as_array().unwrap().len(), 2);
}

#[test]
fn cli_offers_the_pages_a_query_names() {
    let tmp = with_plural_certificates();
    let (code, stdout, stderr) = pmsite(tmp.path(), &["retry", "storms", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        json["pages"],
        serde_json::json!([{"kind": "factor", "name": "retry-storm", "title": "Retry storm", "url": "factors/retry-storm/"}])
    );
    let (code, stdout, _) = pmsite(tmp.path(), &["Batch-Runner", "restart"]);
    assert_eq!(code, 0);
    assert_eq!(stdout.lines().next().unwrap(), "Pages: service batch-runner (services/batch-runner/)", "{stdout}");
    let (_, stdout, _) = pmsite(tmp.path(), &["platform", "--format", "json"]);
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["pages"][0]["kind"], "team");
    assert_eq!(json["pages"][0]["url"], "teams/platform/");
    // A query that names nothing prints no line.
    let (_, stdout, _) = pmsite(tmp.path(), &["certificate"]);
    assert!(!stdout.contains("Pages:"), "{stdout}");
}
