//! The browser's Porter2 port (themes/default/static/search.js) against tantivy's
//! English stemmer, word by word: a query word the client stems differently from the
//! exporter finds nothing, so any difference fails.
//!
//! The words are every word of the project's own prose (README, docs, fixtures,
//! example content) and each of them with English suffixes added, which walks every
//! step of the algorithm far more often than prose alone; node runs the client.

use pmsite::search::analysis::stem;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

/// Endings that exercise Porter2's steps (plurals, -ed/-ing, doubled consonants, -y,
/// the R1/R2 suffix lists, -e and -ll).
const ENDINGS: &[&str] = &[
    "", "s", "es", "ies", "ied", "sses", "ss", "us", "'s", "'", "ed", "eed", "eedly", "ing", "ingly", "edly", "y",
    "ly", "ally", "ation", "ational", "tional", "ization", "ize", "izer", "iveness", "fulness", "ousness", "ousli",
    "alism", "aliti", "iviti", "biliti", "bli", "abli", "alli", "fulli", "lessli", "entli", "anci", "enci", "ogi",
    "logi", "ogist", "icate", "ative", "alize", "iciti", "ical", "ful", "ness", "ic", "ance", "ence", "able", "ible",
    "ate", "ive", "iti", "al", "ism", "ion", "sion", "tion", "er", "ous", "ant", "ent", "ment", "ement", "e", "le",
    "ll", "ying", "bing", "ting", "ling", "ming", "ning", "ping", "ring", "ding", "fing", "ging", "ator", "ations",
];

fn words() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut prose = String::new();
    for dir in ["docs", "tests/fixtures", "content", "examples"] {
        for entry in walkdir::WalkDir::new(root.join(dir)).into_iter().filter_map(Result::ok) {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "md" || e == "toml") {
                prose.push_str(&std::fs::read_to_string(path).unwrap_or_default());
                prose.push(' ');
            }
        }
    }
    prose.push_str(&std::fs::read_to_string(root.join("README.md")).unwrap());
    let base: BTreeSet<String> = prose
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| (2..=20).contains(&w.len()))
        .map(str::to_ascii_lowercase)
        .collect();
    let mut out = BTreeSet::new();
    for w in &base {
        for e in ENDINGS {
            out.insert(format!("{w}{e}"));
        }
        // The word cut short too: a stem rule must not misfire on a fragment.
        if w.len() > 4 {
            out.insert(w[..w.len() - 2].to_string());
        }
    }
    // Porter2's special cases, and words around them.
    for w in [
        "skis",
        "skies",
        "sky",
        "idly",
        "gently",
        "ugly",
        "early",
        "only",
        "singly",
        "news",
        "howe",
        "atlas",
        "cosmos",
        "bias",
        "andes",
        "dying",
        "lying",
        "tying",
        "inning",
        "innings",
        "outing",
        "canning",
        "herring",
        "earring",
        "proceed",
        "exceed",
        "succeed",
        "proceeded",
        "exceedingly",
        "generate",
        "generously",
        "communication",
        "arsenal",
        "past",
        "paste",
        "pasted",
        "universal",
        "university",
        "later",
        "emergency",
        "organization",
        "international",
        "yelling",
        "sayings",
        "yyy",
        "ayy",
        "boy",
        "boys",
        "buy",
        "eying",
        "a",
        "ab",
        "abc",
        "aed",
        "ied",
        "ies",
        "ties",
        "cries",
        "ss",
        "agreed",
        "feed",
        "bled",
        "hoping",
        "hopping",
        "filing",
        "filling",
        "adding",
        "egged",
        "oddly",
        "controlling",
        "cafe",
        "naïve",
        "日本語",
        "straße",
    ] {
        out.insert(w.to_string());
    }
    out
}

/// Runs search.js's stemmer in node over `words`, one stem a line.
fn js_stems(words: &[String]) -> Vec<String> {
    let client = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/static/search.js");
    // The client's page code finds no search box in this stub document and stays idle.
    let script = format!(
        r#"
const fs = require("fs");
const noop = () => {{}};
global.window = {{}};
global.document = {{ querySelector: () => null, querySelectorAll: () => [], getElementById: () => null,
  addEventListener: noop, head: {{ appendChild: noop }} }};
global.location = {{ protocol: "http:", search: "" }};
eval(fs.readFileSync({client:?}, "utf8"));
const words = fs.readFileSync(0, "utf8").split("\n").filter((w) => w.length);
process.stdout.write(words.map((w) => window.pmSearch.stem(w)).join("\n") + "\n");
"#,
        client = client.display().to_string()
    );
    let mut child = Command::new("node")
        .args(["-e", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the stemmer test needs node");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(words.join("\n").as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "node failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(String::from).collect()
}

#[test]
fn the_browser_stems_every_word_as_tantivy_does() {
    let words: Vec<String> = words().into_iter().collect();
    assert!(words.len() > 50_000, "only {} words", words.len());
    let js = js_stems(&words);
    assert_eq!(js.len(), words.len());
    let mismatches: Vec<String> = words
        .iter()
        .zip(&js)
        .filter_map(|(w, j)| {
            let r = stem(w);
            (r != *j).then(|| format!("{w}: tantivy {r}, search.js {j}"))
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} words stem differently:\n{}",
        mismatches.len(),
        words.len(),
        mismatches[..mismatches.len().min(40)].join("\n")
    );
}
