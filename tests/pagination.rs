//! Lists that grow with the corpus paginate: stable addresses, every row on exactly one
//! page, links between pages that work without JavaScript, and pages that come and go as
//! the list grows and shrinks.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pmsite"))
}

const SITE: &str = "title = \"Paged\"\nbase_url = \"https://pm.example/\"\n[factors.retry-storm]\ntitle = \"Retry storm\"\ncategory = \"design\"\n[pagination]\nper_page = 5\n";

/// Postmortem `n` (23 of them make five pages of five, the last with three), one open
/// action item each, all in one service, team, factor and owner.
fn pm(n: usize) -> String {
    let day = n + 1;
    format!(
        "---\ntitle: Incident number {n}\ndate: 2025-03-{day:02}\nseverity: SEV2\nservices: [checkout-api]\nteams: [payments]\nfactors: [retry-storm]\ntimeline:\n  - at: 2025-03-{day:02}T10:00:00Z\n    kind: signal\n    text: errors\n  - at: 2025-03-{day:02}T10:20:00Z\n    kind: recovery\n    text: ok\naction_items:\n  - title: Add a limit to retry number {n}\n    owner: alice\n    due: 2025-06-01\n    status: open\n    type: prevent\n---\nBody of incident {n}.\n"
    )
}

fn site(count: usize) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("site.toml"), SITE).unwrap();
    std::fs::create_dir_all(t.path().join("content/2025")).unwrap();
    for n in 0..count {
        std::fs::write(t.path().join(format!("content/2025/2025-03-{:02}-incident-{n}.md", n + 1)), pm(n)).unwrap();
    }
    t
}

fn build(root: &Path, extra: &[&str]) {
    let o = bin()
        .args(["build", "--today", "2026-01-01", "--root"])
        .arg(root)
        .arg("--output")
        .arg(root.join("public"))
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join("public").join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The incident titles a list page shows, in order.
fn rows(html: &str) -> Vec<String> {
    html.split("class=\"row-title\"")
        .skip(1)
        .map(|s| s[s.find('>').unwrap() + 1..s.find("</a>").unwrap()].to_string())
        .collect()
}

fn action_rows(html: &str) -> usize {
    html.matches("<tr class=\"status-").count()
}

#[test]
fn a_long_list_is_split_into_pages_that_together_hold_every_row_once() {
    let t = site(23);
    build(t.path(), &[]);
    let root = t.path();
    let first = read(root, "services/checkout-api/index.html");
    assert!(first.contains("Response figures"), "page 1 keeps the summary");
    assert!(first.contains("<link rel=\"next\" href=\"../../services/checkout-api/page/2/\">"), "{first}");
    assert!(!first.contains("rel=\"prev\""));
    assert!(first.contains("1–5 of 23, page 1 of 5"));
    let mut seen = Vec::new();
    for n in 1..=5 {
        let rel = match n {
            1 => "services/checkout-api/index.html".to_string(),
            n => format!("services/checkout-api/page/{n}/index.html"),
        };
        let html = read(root, &rel);
        let r = rows(&html);
        assert_eq!(r.len(), if n == 5 { 3 } else { 5 }, "{rel}");
        seen.extend(r);
        if n > 1 {
            assert!(!html.contains("Response figures"), "{rel}: later pages list rows only");
            assert!(html.contains(&format!("(page {n} of 5)")), "{rel}: the title names the page");
            assert!(html.contains(&format!("<ol class=\"incidents\" start=\"{}\">", (n - 1) * 5 + 1)), "{rel}");
            assert!(html.contains("rel=\"prev\""), "{rel}");
        }
    }
    let expected: Vec<String> = (0..23).rev().map(|n| format!("Incident number {n}")).collect();
    assert_eq!(seen, expected, "newest first, each row once across the pages");
    assert!(!root.join("public/services/checkout-api/page/6").exists());
    assert!(!root.join("public/services/checkout-api/page/1").exists(), "page 1 has one address");
    for list in ["teams/payments", "factors/retry-storm", "years/2025", "severities/sev2"] {
        assert_eq!(rows(&read(root, &format!("{list}/page/5/index.html"))).len(), 3, "{list}");
    }
    // Action lists: the site-wide one, an owner's and a team's.
    assert_eq!(action_rows(&read(root, "actions/index.html")), 5);
    assert_eq!(action_rows(&read(root, "actions/page/5/index.html")), 3);
    assert!(read(root, "actions/index.html").contains("Follow-up health"));
    assert!(!read(root, "actions/page/2/index.html").contains("Follow-up health"));
    assert_eq!(action_rows(&read(root, "actions/owners/alice/page/5/index.html")), 3);
    assert_eq!(action_rows(&read(root, "actions/teams/payments/page/5/index.html")), 3);
    let sitemap = read(root, "sitemap.xml");
    assert!(sitemap.contains("https://pm.example/services/checkout-api/page/5/"), "later pages are in the sitemap");
}

/// Every relative `href` and `src` on every page resolves to a file of the output: the
/// root prefixes of pages four and five folders deep are right.
#[test]
fn every_link_on_every_page_of_every_list_resolves() {
    let t = site(23);
    build(t.path(), &[]);
    let out = t.path().join("public");
    let files: BTreeSet<String> = walkdir::WalkDir::new(&out)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(&out).unwrap().to_string_lossy().replace('\\', "/"))
        .collect();
    let mut checked = 0;
    for f in files.iter().filter(|f| f.contains("/page/")) {
        let html = std::fs::read_to_string(out.join(f)).unwrap();
        let dir = Path::new(f).parent().unwrap();
        for attr in ["href=\"", "src=\""] {
            for part in html.split(attr).skip(1) {
                let link = &part[..part.find('"').unwrap()];
                if link.contains("://") || link.starts_with('#') || link.starts_with("mailto:") || link.is_empty() {
                    continue;
                }
                let link = link.split(['#', '?']).next().unwrap();
                let mut parts: Vec<String> = dir.iter().map(|c| c.to_string_lossy().into_owned()).collect();
                for seg in link.split('/') {
                    match seg {
                        ".." => assert!(parts.pop().is_some(), "{f}: {link} climbs above the site"),
                        "" | "." => {}
                        s => parts.push(percent_encoding::percent_decode_str(s).decode_utf8().unwrap().into_owned()),
                    }
                }
                let mut target = parts.join("/");
                if link.ends_with('/') {
                    target = format!("{target}/index.html").trim_start_matches('/').to_string();
                }
                assert!(files.contains(&target), "{f}: {link} -> {target} is not in the output");
                checked += 1;
            }
        }
    }
    assert!(checked > 500, "links were checked: {checked}");
}

#[test]
fn pages_appear_and_disappear_as_the_list_grows_and_shrinks_and_match_a_fresh_build() {
    let t = site(23);
    let root = t.path();
    build(root, &[]);
    assert!(root.join("public/services/checkout-api/page/5/index.html").exists());
    for n in 10..23 {
        std::fs::remove_file(root.join(format!("content/2025/2025-03-{:02}-incident-{n}.md", n + 1))).unwrap();
    }
    build(root, &[]);
    assert!(root.join("public/services/checkout-api/page/2/index.html").exists());
    assert!(!root.join("public/services/checkout-api/page/3").exists(), "a page no list needs is removed");
    assert!(!root.join("public/actions/page/3").exists());
    assert!(!read(root, "services/checkout-api/page/2/index.html").contains("rel=\"next\""), "page 2 is the last");
    let cached = snapshot(&root.join("public"));
    let fresh_root = tempfile::tempdir().unwrap();
    std::fs::write(fresh_root.path().join("site.toml"), SITE).unwrap();
    common::corpus::copy_dir(&root.join("content"), &fresh_root.path().join("content"));
    build(fresh_root.path(), &["--no-cache"]);
    let fresh = snapshot(&fresh_root.path().join("public"));
    let differ: Vec<&String> = fresh.keys().chain(cached.keys()).filter(|k| fresh.get(*k) != cached.get(*k)).collect();
    assert!(differ.is_empty(), "a cached build after shrinking differs from a fresh one: {differ:?}");
}

#[test]
fn a_bad_per_page_is_an_error_at_its_place() {
    let t = site(1);
    std::fs::write(t.path().join("site.toml"), SITE.replace("per_page = 5", "per_page = 0")).unwrap();
    let o = bin().args(["check", "--root"]).arg(t.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(err.contains("site.toml:7:12") && err.contains("per_page"), "{err}");
}

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.file_name() != ".pmsite-output")
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

/// `/in-review/` grows with the number of postmortems awaiting review: it pages too.
#[test]
fn the_in_review_list_paginates() {
    let t = site(12);
    for n in 0..12 {
        let path = t.path().join(format!("content/2025/2025-03-{:02}-incident-{n}.md", n + 1));
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("severity: SEV2\n", "severity: SEV2\nstatus: review\n")).unwrap();
    }
    build(t.path(), &[]);
    let pages: Vec<Vec<String>> =
        ["in-review/index.html", "in-review/page/2/index.html", "in-review/page/3/index.html"]
            .iter()
            .map(|p| rows(&read(t.path(), p)))
            .collect();
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [5, 5, 2]);
    let all: BTreeSet<&String> = pages.iter().flatten().collect();
    assert_eq!(all.len(), 12, "every postmortem in review on exactly one page");
    assert!(pages[0][0].contains("number 11"), "newest first: {:?}", pages[0]);
    assert!(!t.path().join("public/in-review/page/4").exists());
    let first = read(t.path(), "in-review/index.html");
    assert!(first.contains("<link rel=\"next\" href=\"../in-review/page/2/\">"), "linked without JavaScript: {first}");
}
