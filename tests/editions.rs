//! `pmsite build --edition public`: internal postmortems and the internal parts of
//! public ones reach no file of the public site, in any format; the internal edition
//! shows them all.

use std::path::Path;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pmsite"))
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Words that appear only in internal postmortems or internal parts (lowercase; the
/// search index keeps stems, so each is matched by its first letters).
const MARKERS: &[(&str, &str)] = &[
    ("xyzzy", "the internal postmortem's id and title"),
    ("wibblew", "the internal postmortem's summary"),
    ("snorkel", "the internal postmortem's only service"),
    ("hushtea", "the internal postmortem's only team"),
    ("glorpwo", "the internal postmortem's body"),
    ("secreto", "the internal postmortem's action owner"),
    ("plonkta", "the internal postmortem's tag"),
    ("zorblax", "a public postmortem's internal impact"),
    ("quuxcor", "a public postmortem's internal extra field"),
    ("flimfla", "a public postmortem's internal body part"),
    ("timemar", "a public postmortem's internal timeline"),
    ("homemar", "the home page's internal part"),
];

const SITE: &str = "title = \"Editions\"\nbase_url = \"https://pm.example/\"\nrepo_url = \"https://git.example/sre/pm\"\n[factors.retry-storm]\ntitle = \"Retry storm\"\ncategory = \"design\"\n";

fn timeline(date: &str, words: &str) -> String {
    format!(
        "timeline:\n  - at: {date}T10:00:00Z\n    kind: signal\n    text: checkout errors rise {words}\n  - at: {date}T10:10:00Z\n    kind: detection\n    text: checkout paged {words}\n  - at: {date}T10:40:00Z\n    kind: recovery\n    text: checkout ok\n"
    )
}

fn fixture() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    write(root, "site.toml", SITE);
    write(
        root,
        "content/2024/glorpword-graph.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>glorpword</text></svg>\n",
    );
    write(root, "content/2024/flimflam-log.txt", "flag on\n");
    write(root, "content/_index.md", "Welcome.\n\n<!-- internal -->\nAsk homemarker on chat.\n<!-- /internal -->\n");
    // Internal by site.toml's default (no visibility field), sharing words, a service
    // and a factor with the public ones so it would be "similar" and "seen before".
    write(
        root,
        "content/2024/2024-02-01-xyzzy-incident.md",
        &format!(
            "---\ntitle: Xyzzy checkout outage\ndate: 2024-02-01\nseverity: SEV1\nservices: [checkout-api, snorkelsvc]\nteams: [hushteam]\ntags: [plonktag]\nfactors: [retry-storm]\nsummary: Wibblewobble retries overwhelmed checkout\n{}action_items:\n  - title: Add jitter to checkout retries\n    owner: secretowner\n    due: 2024-03-01\n---\nCheckout retries stormed; glorpword was the trigger.\n\n![graph](glorpword-graph.svg)\n",
            timeline("2024-02-01", "")
        ),
    );
    write(
        root,
        "content/2024/2024-03-01-checkout-retries.md",
        &format!(
            "---\ntitle: Checkout retries again\ndate: 2024-03-01\nseverity: SEV2\nvisibility: public\nservices: [checkout-api]\nteams: [payments]\nfactors: [retry-storm]\nrelated: [2024-02-01-xyzzy-incident]\nsummary: Retries overwhelmed checkout again\nimpact: 3% of orders failed for Zorblax Ltd\ncustomer: QuuxCorp\ninternal_fields: [impact, customer]\n{}action_items:\n  - title: Cap checkout retries\n    owner: payments-oncall\n    due: 2024-04-01\n---\nCheckout retries stormed again, like [the earlier outage](2024-02-01-xyzzy-incident.md).\n\n<!-- internal -->\nThe flimflam config flag was left on ([log](flimflam-log.txt)).\n<!-- /internal -->\n\nWe capped retries.\n",
            timeline("2024-03-01", "")
        ),
    );
    write(
        root,
        "content/2024/2024-04-01-timeline-hidden.md",
        &format!(
            "---\ntitle: Checkout latency\ndate: 2024-04-01\nseverity: SEV3\nvisibility: public\nservices: [checkout-api]\nfactors: [retry-storm]\ninternal_fields: [timeline]\n{}---\nCheckout retries were slow.\n",
            timeline("2024-04-01", "timemarker")
        ),
    );
    t
}

fn build(root: &Path, out: &Path, extra: &[&str]) {
    let o = bin()
        .args(["build", "--today", "2024-06-01", "--root"])
        .arg(root)
        .arg("--output")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{extra:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// Every file of `out` (as bytes, lowercased) that holds a marker: (file, marker).
fn leaks(out: &Path) -> Vec<(String, &'static str)> {
    let mut found = Vec::new();
    for e in walkdir::WalkDir::new(out).into_iter().flatten().filter(|e| e.file_type().is_file()) {
        // The file's name counts too (an attachment named after a marker).
        let mut bytes = e.path().strip_prefix(out).unwrap().to_string_lossy().into_owned().into_bytes();
        bytes.extend(std::fs::read(e.path()).unwrap());
        let bytes = bytes.to_ascii_lowercase();
        for (m, _) in MARKERS {
            if bytes.windows(m.len()).any(|w| w == m.as_bytes()) {
                found.push((e.path().strip_prefix(out).unwrap().display().to_string(), *m));
            }
        }
    }
    found
}

fn kinds(out: &Path) -> std::collections::BTreeSet<String> {
    walkdir::WalkDir::new(out)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.path().extension().map(|x| x.to_string_lossy().into_owned()))
        .collect()
}

fn read(out: &Path, rel: &str) -> String {
    std::fs::read_to_string(out.join(rel)).unwrap()
}

#[test]
fn no_file_of_the_public_edition_holds_anything_internal() {
    let t = fixture();
    let internal = t.path().join("internal");
    build(t.path(), &internal, &["--no-cache"]);
    let public = t.path().join("public");
    build(t.path(), &public, &["--no-cache", "--edition", "public"]);

    let seen: std::collections::BTreeSet<&str> = leaks(&internal).into_iter().map(|(_, m)| m).collect();
    let all: std::collections::BTreeSet<&str> = MARKERS.iter().map(|(m, _)| *m).collect();
    assert_eq!(seen, all, "the internal edition shows every marker");
    assert!(
        internal.join("files/2024/glorpword-graph.svg").is_file()
            && internal.join("files/2024/flimflam-log.txt").is_file()
    );
    let leaked = leaks(&public);
    assert!(leaked.is_empty(), "the public edition leaks: {leaked:#?}");
    for kind in ["html", "xml", "json", "csv", "js", "svg"] {
        assert!(kinds(&public).contains(kind), "the public site has {kind} files to look in: {:?}", kinds(&public));
    }

    // The public postmortems are there; the link to the internal one is plain text.
    let page = read(&public, "incidents/2024-03-01-checkout-retries/index.html");
    assert!(page.contains("the earlier outage") && page.contains("We capped retries."), "{page}");
    assert!(!page.contains("<a href=\"2024-02-01") && !page.contains("incident.md"), "{page}");
    assert!(public.join("incidents/2024-04-01-timeline-hidden/index.html").is_file());
    assert!(!public.join("incidents/2024-02-01-xyzzy-incident").exists());
    let api: serde_json::Value = serde_json::from_str(&read(&public, "api/postmortems.json")).unwrap();
    let count = |v: &serde_json::Value| v.as_array().or(v["postmortems"].as_array()).map(Vec::len);
    assert_eq!(count(&api), Some(2), "{api:#}");

    // The internal edition links it, and never shows the markers as text.
    let page = read(&internal, "incidents/2024-03-01-checkout-retries/index.html");
    assert!(page.contains("incidents/2024-02-01-xyzzy-incident/"), "{page}");
    assert!(page.contains("flimflam config flag") && !page.contains("internal --"), "{page}");
}

#[test]
fn switching_editions_with_the_build_cache_never_reuses_the_other_editions_pages() {
    let t = fixture();
    let out = t.path().join("site");
    build(t.path(), &out, &[]);
    assert!(!leaks(&out).is_empty());
    build(t.path(), &out, &["--edition", "public"]);
    assert_eq!(leaks(&out), vec![], "a cached public build after an internal one");
    let fresh = t.path().join("fresh");
    build(t.path(), &fresh, &["--no-cache", "--edition", "public"]);
    let snapshot = |d: &Path| -> std::collections::BTreeMap<String, Vec<u8>> {
        walkdir::WalkDir::new(d)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file() && e.file_name() != ".pmsite-output")
            .map(|e| (e.path().strip_prefix(d).unwrap().display().to_string(), std::fs::read(e.path()).unwrap()))
            .collect()
    };
    assert!(snapshot(&out) == snapshot(&fresh), "equals a fresh public build");
    build(t.path(), &out, &[]);
    assert_eq!(leaks(&out).len(), leaks(&t.path().join("site")).len());
    assert!(read(&out, "index.html").contains("Xyzzy"), "and back: the internal edition shows it again");
}

#[test]
fn bad_visibility_markers_and_fields_fail_check_at_their_place() {
    let t = fixture();
    let f = "content/2024/2024-03-01-checkout-retries.md";
    let text = std::fs::read_to_string(t.path().join(f)).unwrap();
    let text = text
        .replace("internal_fields: [impact, customer]", "internal_fields: [impcat, title]")
        .replace("<!-- /internal -->\n", "")
        .replace("visibility: public", "visibility: publik");
    write(t.path(), f, &text);
    let o = bin().args(["check", "--format", "json", "--root"]).arg(t.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let got: Vec<(u64, u64, String)> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "visibility")
        .map(|d| {
            (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap(), d["message"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(got.len(), 4, "{v:#}");
    assert_eq!((got[0].0, got[0].1), (5, 13), "{got:?}");
    assert!(got[0].2.contains("unknown visibility `publik`"));
    assert!((got[1].0, got[1].1) == (13, 19) && got[1].2.contains("`impcat`"), "{got:?}");
    assert!((got[2].0, got[2].1) == (13, 27) && got[2].2.contains("`title` cannot be internal"), "{got:?}");
    assert!((got[3].0, got[3].1) == (31, 1) && got[3].2.contains("never closed"), "{got:?}");
    let o = bin().args(["build", "--edition", "public", "--root"]).arg(t.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "and the build fails");
    let o = bin().args(["build", "--edition", "secret", "--root"]).arg(t.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("use internal or public"));
}

#[test]
fn check_of_the_public_edition_warns_where_public_postmortems_point_at_internal_ones() {
    let t = fixture();
    let run = |edition: &str| {
        let o =
            bin().args(["check", "--format", "json", "--edition", edition, "--root"]).arg(t.path()).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{edition}: {}", String::from_utf8_lossy(&o.stdout));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let found: Vec<serde_json::Value> =
            v.as_array().unwrap().iter().filter(|d| d["code"] == "link-to-internal").cloned().collect();
        found
    };
    assert!(run("internal").is_empty(), "the internal edition shows every postmortem");
    let found = run("public");
    let at: Vec<(&str, u64, u64)> = found
        .iter()
        .map(|d| (d["file"].as_str().unwrap(), d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()))
        .collect();
    let f = "content/2024/2024-03-01-checkout-retries.md";
    assert_eq!(at.len(), 2, "{found:#?}");
    assert_eq!(at[0], (f, 9, 11), "the `related` id: {found:#?}");
    assert_eq!((at[1].0, at[1].1), (f, 29), "the body link: {found:#?}");
    for d in &found {
        assert_eq!(d["level"], "warning");
        let msg = d["message"].as_str().unwrap();
        assert!(msg.contains(f) && msg.contains("content/2024/2024-02-01-xyzzy-incident.md"), "{msg}");
    }
    assert!(found[1]["message"].as_str().unwrap().contains("the link becomes plain text"), "{found:#?}");
    let o = bin().args(["check", "--edition", "secret", "--root"]).arg(t.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("use internal or public"));
}
