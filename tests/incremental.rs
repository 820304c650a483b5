//! Incremental rebuilds (what `pmsite serve` runs on every save) give exactly the bytes
//! of a full build, while rendering only the pages a change touched.

use pmsite::build::{BuildOptions, render_site};
use pmsite::incremental::Session;
use pmsite::render::RenderOptions;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn example_site() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for e in walkdir::WalkDir::new(root.join("content")) {
        let e = e.unwrap();
        let dest = t.path().join(e.path().strip_prefix(&root).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
    std::fs::copy(root.join("site.toml"), t.path().join("site.toml")).unwrap();
    t
}

fn opts() -> BuildOptions {
    BuildOptions {
        output: "public".into(),
        base_url: None,
        drafts: true,
        strict: false,
        today: "2026-01-01".parse().unwrap(),
        cache: false,
        edition: Default::default(),
    }
}

fn files(r: &pmsite::build::Rendered) -> BTreeMap<String, Vec<u8>> {
    assert_eq!(pmsite::diagnostics::count_errors(&r.diagnostics), 0, "{:#?}", r.diagnostics);
    r.files.iter().map(|f| (f.path.clone(), f.bytes.to_vec())).collect()
}

fn full(root: &Path) -> BTreeMap<String, Vec<u8>> {
    files(&render_site(root, &opts(), RenderOptions { live_reload: false }, &|_| {}))
}

fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let p = root.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{rel} lacks {from}");
    // A different length, so the change is seen even within one mtime tick.
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

fn assert_same(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) {
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in a {
        assert!(v == &b[k], "{k} differs between the incremental and the full build");
    }
}

const FILE: &str = "content/2024/2024-04-16-checkout-api-inventory-retry-storm.md";

#[test]
fn a_body_or_title_edit_renders_few_pages_and_equals_a_full_build() {
    let site = example_site();
    let mut s = Session::new(site.path(), opts(), RenderOptions { live_reload: false });
    let first = files(&s.rebuild(&|_| {}));
    let total = s.last_rendered;
    assert!(total > 100, "the first build renders every page ({total})");
    assert_same(&first, &full(site.path()));

    let again = files(&s.rebuild(&|_| {}));
    assert_eq!(s.last_rendered, 0, "nothing changed, nothing rendered");
    assert_same(&again, &first);

    edit(site.path(), FILE, "title: ", "title: Edited ");
    let inc = files(&s.rebuild(&|_| {}));
    assert!(s.last_rendered > 0 && s.last_rendered < total / 2, "{} of {total} pages rendered", s.last_rendered);
    assert_same(&inc, &full(site.path()));

    edit(site.path(), FILE, "## What happened", "## What happened next");
    let inc = files(&s.rebuild(&|_| {}));
    assert_eq!(s.last_rendered, 1, "a body edit re-renders only the postmortem's own page");
    assert_same(&inc, &full(site.path()));
}

#[test]
fn structural_edits_template_edits_and_deletions_equal_a_full_build() {
    let site = example_site();
    let mut s = Session::new(site.path(), opts(), RenderOptions { live_reload: false });
    files(&s.rebuild(&|_| {}));
    // A new service: new pages and lists.
    edit(site.path(), FILE, "services: [", "services: [brand-new-service, ");
    let inc = files(&s.rebuild(&|_| {}));
    assert!(inc.contains_key("services/brand-new-service/index.html"));
    assert_same(&inc, &full(site.path()));
    // A template override.
    let tpl = site.path().join("themes/default/templates/404.html");
    std::fs::create_dir_all(tpl.parent().unwrap()).unwrap();
    std::fs::write(&tpl, "{% extends \"base.html\" %}{% block content %}<p>Lost?</p>{% endblock content %}").unwrap();
    let inc = files(&s.rebuild(&|_| {}));
    assert!(String::from_utf8_lossy(&inc["404.html"]).contains("Lost?"));
    assert_same(&inc, &full(site.path()));
    // A deleted postmortem disappears everywhere.
    std::fs::remove_file(site.path().join("content/2023/2023-11-24-search-api-black-friday-surge.md")).unwrap();
    let r = s.rebuild(&|_| {});
    // Others name it in `related`, so the build now has errors and keeps nothing.
    assert!(r.files.is_empty());
    let p = site.path().join("content/2024/2024-08-21-cdn-edge-origin-connection-limit.md");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, text.replace("2023-11-24-search-api-black-friday-surge", "2023-06-02-checkout-api-retry-storm"))
        .unwrap();
    let inc = files(&s.rebuild(&|_| {}));
    assert!(!inc.keys().any(|k| k.contains("black-friday")));
    assert_same(&inc, &full(site.path()));
}

#[test]
fn a_watcher_hint_is_used_for_known_files_and_a_new_file_still_walks() {
    let site = example_site();
    let mut s = Session::new(site.path(), opts(), RenderOptions { live_reload: false });
    files(&s.rebuild(&|_| {}));
    // Told exactly which file changed (as serve's watcher does), absolute or relative.
    edit(site.path(), FILE, "title: ", "title: Hinted ");
    s.expect_only(&[site.path().join(FILE)]);
    let inc = files(&s.rebuild(&|_| {}));
    assert!(String::from_utf8_lossy(&inc["index.html"]).contains("Hinted"));
    assert_same(&inc, &full(site.path()));
    // A file the last load did not know: the hint is not enough, the load walks content/.
    let new = "content/2024/2024-12-01-brand-new-incident.md";
    let text = std::fs::read_to_string(site.path().join(FILE)).unwrap();
    std::fs::write(site.path().join(new), text).unwrap();
    s.expect_only(&[PathBuf::from(new)]);
    let inc = files(&s.rebuild(&|_| {}));
    assert!(inc.contains_key("incidents/2024-12-01-brand-new-incident/index.html"));
    assert_same(&inc, &full(site.path()));
    // A deleted file is not known to exist: walk again, and it is gone.
    std::fs::remove_file(site.path().join(new)).unwrap();
    s.expect_only(&[PathBuf::from(new)]);
    let inc = files(&s.rebuild(&|_| {}));
    assert!(!inc.contains_key("incidents/2024-12-01-brand-new-incident/index.html"));
    assert_same(&inc, &full(site.path()));
}

#[test]
fn patterns_follow_action_statuses_though_no_list_row_changed() {
    // `/patterns/` is re-rendered when an action item's status changes, even though no
    // incident it shows changed its front matter's rows: its "recurred despite a fix"
    // list depends on whether the earlier incident's items were done.
    let site = example_site();
    let mut s = Session::new(site.path(), opts(), RenderOptions { live_reload: false });
    let before = files(&s.rebuild(&|_| {}));
    let earlier = "content/2023/2023-06-02-checkout-api-retry-storm.md";
    let p = site.path().join(earlier);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains("status: done"));
    std::fs::write(&p, text.replace("status: done", "status: wont-do")).unwrap();
    let inc = files(&s.rebuild(&|_| {}));
    assert_ne!(before["patterns/index.html"], inc["patterns/index.html"], "the recurred list changed");
    assert_same(&inc, &full(site.path()));
}

#[test]
fn a_changed_ticket_snapshot_reaches_the_pages_that_show_it() {
    let site = example_site();
    let toml = std::fs::read_to_string(site.path().join("site.toml")).unwrap();
    // `tickets` is a top-level key: before the first table.
    let trackers = "tickets = \"tickets.json\"\n";
    let jira = "\n[[trackers]]\nkind = \"jira\"\nurl = \"https://acme.atlassian.net\"\nowns = [\"PAY\"]\n";
    std::fs::write(site.path().join("site.toml"), format!("{trackers}{toml}{jira}")).unwrap();
    let snapshot = |state: &str| {
        format!(
            "{{\"version\": 1, \"synced_at\": \"2025-12-31T06:00:00Z\", \"tickets\": {{\"PAY-2044\": {{\"tracker\": \"https://acme.atlassian.net\", \"url\": \"https://acme.atlassian.net/browse/PAY-2044\", \"last_known\": {{\"state\": \"{state}\", \"status\": \"{state}\", \"closed\": null, \"assignee\": null, \"due\": null}}, \"seen\": \"2025-12-31T06:00:00Z\"}}}}}}\n"
        )
    };
    std::fs::write(site.path().join("tickets.json"), snapshot("open")).unwrap();
    let mut s = Session::new(site.path(), opts(), RenderOptions { live_reload: false });
    let first = files(&s.rebuild(&|_| {}));
    let page = "incidents/2023-06-02-checkout-api-retry-storm/index.html";
    assert!(String::from_utf8_lossy(&first[page]).contains("tracker-open"));
    files(&s.rebuild(&|_| {}));
    assert_eq!(s.last_rendered, 0, "nothing changed, nothing rendered");

    // Only the snapshot changes: no postmortem, no site.toml.
    std::fs::write(site.path().join("tickets.json"), snapshot("closed")).unwrap();
    let inc = files(&s.rebuild(&|_| {}));
    assert!(s.last_rendered > 0, "the snapshot is a build input");
    for p in [page, "actions/index.html", "api/actions.json", "index.html"] {
        assert_ne!(inc[p], first[p], "{p} shows the tracker's state");
    }
    assert!(String::from_utf8_lossy(&inc[page]).contains("tracker-closed"));
    assert_same(&inc, &full(site.path()));
}
