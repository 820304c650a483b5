//! `pmsite build` on fixture sites: pages, links, escaping, atomic output, determinism.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pmsite"))
}

fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies the example knowledge base (site.toml + content/) into a temp folder.
fn example_site() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    common::corpus::copy_dir(&project_root().join("content"), &t.path().join("content"));
    std::fs::copy(project_root().join("site.toml"), t.path().join("site.toml")).unwrap();
    t
}

fn build(root: &Path, out: &Path) -> std::process::Output {
    bin().args(["build", "--today", "2026-01-01", "--root"]).arg(root).arg("--output").arg(out).output().unwrap()
}

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const SITE: &str = "title = \"Fixture\"\nbase_url = \"https://pm.example/\"\nrepo_url = \"https://git.example/sre/pm\"\n[factors.retry-storm]\ntitle = \"Retry storm\"\ncategory = \"design\"\n[factors.missing-alert]\ntitle = \"Missing alert\"\ncategory = \"operational\"\n";

fn pm(id_date: &str, title: &str, extra: &str) -> String {
    format!(
        "---\ntitle: {title}\ndate: {id_date}\nseverity: SEV2\nservices: [checkout-api]\nteams: [payments]\nfactors: [retry-storm]\ntimeline:\n  - at: {id_date}T10:00:00Z\n    kind: signal\n    text: errors\n  - at: {id_date}T10:10:00Z\n    kind: detection\n    text: paged\n  - at: {id_date}T10:40:00Z\n    kind: recovery\n    text: ok\n{extra}---\nBody of {title}.\n"
    )
}

mod pages {
    use super::*;

    #[test]
    fn example_site_builds_with_every_page_kind() {
        let site = example_site();
        let out = site.path().join("public");
        let o = build(site.path(), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(stderr.contains("built 9 postmortems"), "{stderr}");
        for p in [
            "index.html",
            "404.html",
            "atom.xml",
            "sitemap.xml",
            "robots.txt",
            "api/postmortems.json",
            "services/index.html",
            "services/checkout-api/index.html",
            "services/checkout-api/atom.xml",
            "teams/payments/atom.xml",
            "factors/index.html",
            "factors/retry-storm/index.html",
            "severities/sev1/index.html",
            "years/2024/index.html",
            "search/index.html",
            "assets/style.css",
            "assets/syntax.css",
            "incidents/2024-04-16-checkout-api-inventory-retry-storm/index.html",
        ] {
            assert!(out.join(p).is_file(), "missing {p}");
        }
        // The draft is not published without --drafts.
        assert!(!out.join("incidents/2025-06-30-inventory-service-stock-import-zeroed").exists());
        let page =
            std::fs::read_to_string(out.join("incidents/2024-04-16-checkout-api-inventory-retry-storm/index.html"))
                .unwrap();
        let main = &page[page.find("<main").unwrap()..page.find("</main>").unwrap()];
        for needle in [
            "Time to detect",
            "Contributing factors",
            "Action items",
            "Seen before",
            "retry-storm",
            "Edit this page",
            "rel=\"prev\"",
        ] {
            assert!(main.contains(needle), "incident page lacks {needle}");
        }
        let retry =
            std::fs::read_to_string(out.join("incidents/2023-06-02-checkout-api-retry-storm/index.html")).unwrap();
        assert!(
            retry.contains("<pre class=\"hl-code\"><code class=\"language-"),
            "fenced code is highlighted with classes"
        );
        // The timeline picture is inline, well-formed SVG, its events linked to table rows.
        let svg = &main[main.find("<svg").unwrap()..main.find("</svg>").unwrap() + 6];
        let doc = roxmltree::Document::parse(svg).expect("timeline SVG parses as XML");
        assert_eq!(doc.root_element().attribute("role"), Some("group"));
        assert!(svg.contains("href=\"#ev-0\"") && main.contains("id=\"ev-0\""));
        let metrics = std::fs::read_to_string(out.join("metrics/index.html")).unwrap();
        assert!(
            metrics.contains("Incidents per month by severity") && metrics.contains("Slowest median time to detect")
        );
        let service = std::fs::read_to_string(out.join("services/checkout-api/index.html")).unwrap();
        assert!(service.contains("Time to recover per quarter"), "service pages carry filtered charts");
        // The recurrence names the earlier incident.
        assert!(main.contains("../../incidents/2023-06-02-checkout-api-retry-storm/"));
        let api: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("api/postmortems.json")).unwrap()).unwrap();
        let items = api["postmortems"].as_array().unwrap();
        assert!(items.iter().all(|p| p["status"] == "published"));
        assert!(
            items[0]["figures"]["time_to_recover_secs"].is_number()
                || items[0]["figures"]["time_to_recover_secs"].is_null()
        );
    }

    #[test]
    fn drafts_flag_publishes_drafts() {
        let site = example_site();
        let out = site.path().join("public");
        let o = bin().args(["build", "--drafts", "--root"]).arg(site.path()).output().unwrap();
        assert!(o.status.success());
        let page =
            std::fs::read_to_string(out.join("incidents/2025-06-30-inventory-service-stock-import-zeroed/index.html"))
                .unwrap();
        assert!(page.contains("class=\"banner status-draft\""));
    }
}

mod links {
    use super::*;

    /// Every href/src in every HTML file that points inside the site resolves to a file.
    fn broken_links(out: &Path) -> Vec<String> {
        let mut broken = Vec::new();
        for (path, bytes) in snapshot(out) {
            if !path.ends_with(".html") || path == "404.html" {
                continue;
            }
            let html = String::from_utf8(bytes).unwrap();
            for attr in ["href=\"", "src=\""] {
                for part in html.split(attr).skip(1) {
                    let url = &part[..part.find('"').unwrap()];
                    // A query (`actions/?service=x`, read by the page's script) names the same file.
                    let url = url.split(['#', '?']).next().unwrap();
                    // Root-absolute links come only from authors' bodies (pointing at their old site);
                    // pmsite's own pages link relatively so they work from file:// too.
                    if url.is_empty() || url.contains("://") || url.starts_with("mailto:") || url.starts_with('/') {
                        continue;
                    }
                    let base = Path::new(&path).parent().unwrap();
                    // pmsite percent-encodes names; the file is at the decoded path.
                    let decoded = percent_encoding::percent_decode_str(url).decode_utf8_lossy();
                    let mut target = out.join(base).join(&*decoded);
                    if url.ends_with('/') {
                        target = target.join("index.html");
                    }
                    if !target.exists() {
                        broken.push(format!("{path}: {url}"));
                    }
                }
            }
        }
        broken
    }

    #[test]
    fn every_internal_link_resolves_in_the_example_site() {
        let site = example_site();
        let out = site.path().join("public");
        assert!(build(site.path(), &out).status.success());
        let broken = broken_links(&out);
        assert!(broken.is_empty(), "{broken:#?}");
    }

    #[test]
    fn links_between_files_and_assets_are_rewritten() {
        let t = tempfile::tempdir().unwrap();
        write(t.path(), "site.toml", SITE);
        write(t.path(), "content/2023/2023-01-01-a.md", &pm("2023-01-01", "A", ""));
        write(
            t.path(),
            "content/2024/2024-01-01-b.md",
            &pm("2024-01-01", "B", "")
                .replace("Body of B.", "See [a](../2023/2023-01-01-a.md#timeline) and ![graph](graph.png)."),
        );
        write(t.path(), "content/2024/graph.png", "PNG");
        write(t.path(), "static/extra/robots-note.txt", "static file");
        let out = t.path().join("public");
        let o = build(t.path(), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let b = std::fs::read_to_string(out.join("incidents/2024-01-01-b/index.html")).unwrap();
        assert!(b.contains("href=\"../../incidents/2023-01-01-a/#timeline\""), "{b}");
        assert!(b.contains("src=\"../../files/2024/graph.png\""));
        assert_eq!(std::fs::read_to_string(out.join("files/2024/graph.png")).unwrap(), "PNG");
        assert!(out.join("extra/robots-note.txt").is_file());
        // B links to A, so A lists B as referring to it.
        let a = std::fs::read_to_string(out.join("incidents/2023-01-01-a/index.html")).unwrap();
        assert!(a.contains("refers to this one"));
        assert!(broken_links(&out).is_empty(), "{:#?}", broken_links(&out));
    }

    #[test]
    fn real_corpus_links_resolve() {
        let Some(t) = crate::common::corpus::real_corpus() else { return };
        let out = t.path().join("public");
        let o = build(t.path(), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let broken = broken_links(&out);
        assert!(broken.is_empty(), "{} broken, first: {:?}", broken.len(), broken.first());
    }
}

mod attachments {
    use super::*;

    /// A published postmortem and a draft, each showing an image beside it, an image
    /// nothing links to, and a static file.
    fn site() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        write(t.path(), "site.toml", SITE);
        let published = pm("2024-01-01", "Published", "")
            .replace("Body of Published.", "![graph](./graph.png) and [the report](../2023/report.pdf).");
        write(t.path(), "content/2024/2024-01-01-published.md", &published);
        write(t.path(), "content/2024/graph.png", "PNG");
        write(t.path(), "content/2023/report.pdf", "PDF");
        let draft = pm("2024-02-01", "Draft", "status: draft\n").replace("Body of Draft.", "![secret](secret.png)");
        write(t.path(), "content/2024/2024-02-01-draft.md", &draft);
        write(t.path(), "content/2024/secret.png", "SECRET");
        write(t.path(), "content/2024/unlinked.txt", "UNLINKED");
        write(t.path(), "static/robots-note.txt", "static");
        t
    }

    fn built(site: &Path, extra: &[&str]) -> BTreeMap<String, Vec<u8>> {
        let out = site.join(format!("public{}", extra.len()));
        let o = bin()
            .args(["build", "--today", "2026-01-01", "--root"])
            .arg(site)
            .arg("--output")
            .arg(&out)
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        snapshot(&out)
    }

    #[test]
    fn only_files_a_published_postmortem_links_to_are_published() {
        let site = site();
        let files = built(site.path(), &[]);
        assert_eq!(files.get("files/2024/graph.png").map(Vec::as_slice), Some(&b"PNG"[..]));
        assert_eq!(files.get("files/2023/report.pdf").map(Vec::as_slice), Some(&b"PDF"[..]));
        assert!(files.contains_key("robots-note.txt"), "static/ is copied as it is");
        assert!(!files.contains_key("files/2024/secret.png"), "a draft's image stays private");
        assert!(!files.contains_key("files/2024/unlinked.txt"), "a file nothing links to stays private");
        // Nor does any page, feed or index name them.
        for (path, bytes) in &files {
            let text = String::from_utf8_lossy(bytes);
            assert!(!text.contains("secret.png") && !text.contains("unlinked.txt"), "{path} names a private file");
        }
    }

    #[test]
    fn drafts_included_publish_their_attachments() {
        let site = site();
        let files = built(site.path(), &["--drafts"]);
        assert_eq!(files.get("files/2024/secret.png").map(Vec::as_slice), Some(&b"SECRET"[..]));
        assert!(!files.contains_key("files/2024/unlinked.txt"));
    }

    #[test]
    fn check_predicts_every_path_the_build_writes() {
        // Output collisions are found by check from its own list of what the build makes;
        // a file the build writes that the list lacks could collide unnoticed.
        let site = example_site();
        write(site.path(), "static/extra/note.txt", "x");
        let files = built(site.path(), &[]);
        let checked = pmsite::check::check(
            site.path(),
            &pmsite::check::Options { strict: false, drafts: false, today: "2026-01-01".parse().unwrap() },
        );
        let generated = pmsite::publish::Generated::new(&checked.kb);
        let statics = pmsite::publish::static_files(site.path());
        for path in files.keys() {
            let known = generated.at(path).is_some()
                || statics.iter().any(|s| &s.output == path)
                || checked.kb.assets.iter().any(|a| &pmsite::routes::attachment(a) == path);
            assert!(known || path.starts_with(".pmsite-"), "check does not know that build writes {path}");
        }
    }
}

mod escaping {
    use super::*;

    #[test]
    fn script_in_any_field_never_reaches_a_page_unescaped() {
        let t = tempfile::tempdir().unwrap();
        let x = "<script>alert(1)</script>";
        write(t.path(), "site.toml", &SITE.replace("title = \"Fixture\"", &format!("title = \"{x}\"")));
        let text = format!(
            "---\ntitle: \"{x}\"\ndate: 2024-01-01\nseverity: SEV1\nservices: [\"{x}\"]\nteams: [\"{x}\"]\nauthors: [\"{x}\"]\ntags: [\"{x}\"]\nsummary: \"{x}\"\nimpact: \"{x}\"\nfactors:\n  - id: retry-storm\n    note: \"{x}\"\ntimeline:\n  - at: 2024-01-01T10:00:00Z\n    kind: signal\n    text: \"{x}\"\naction_items:\n  - title: \"{x}\"\n    owner: \"{x}\"\n    outcome: \"{x}\"\n    ticket: \"{x}\"\nweird: \"{x}\"\n---\n{x}\n\n<img src=x onerror=alert(1)>\n"
        );
        write(t.path(), "content/2024/2024-01-01-x.md", &text);
        let out = t.path().join("public");
        let o = build(t.path(), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // JSON is data, not markup; every page and feed must be escaped.
        for (path, bytes) in snapshot(&out).into_iter().filter(|(p, _)| p.ends_with(".html") || p.ends_with(".xml")) {
            let s = String::from_utf8_lossy(&bytes);
            assert!(!s.contains("<script>alert"), "{path} contains an unescaped script");
            assert!(!s.contains("<img src=x"), "{path} contains raw HTML from the body");
        }
    }
}

mod atomic {
    use super::*;

    #[test]
    fn a_failing_build_leaves_the_old_output_byte_identical() {
        let site = example_site();
        let out = site.path().join("public");
        assert!(build(site.path(), &out).status.success());
        let before = snapshot(&out);
        write(site.path(), "content/2024/broken.md", "---\ntitle: [unclosed\n---\n");
        let o = build(site.path(), &out);
        assert_eq!(o.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(stderr.contains("error[yaml-syntax]") && stderr.contains("content/2024/broken.md:"), "{stderr}");
        assert!(stderr.contains("output folder was not changed"));
        assert_eq!(snapshot(&out), before);
        let leftovers: Vec<_> = std::fs::read_dir(site.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert!(leftovers.iter().all(|n| !n.to_string_lossy().contains("pmsite-tmp")), "{leftovers:?}");
    }

    #[test]
    fn a_render_error_after_pages_were_written_leaves_no_trace() {
        // Files are written while pages render, so when incident pages fail every other
        // page is already on disk: in a temporary folder (first build) or staged beside
        // the old files (later builds). Neither may survive the failure.
        let site = example_site();
        let out = site.path().join("public");
        let failing = "{% extends \"base.html\" %}{% block content %}{{ page.no.such.field }}{% endblock content %}";
        let tpl = "themes/default/templates/incident.html";
        write(site.path(), tpl, failing);
        let o = build(site.path(), &out);
        assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
        // Undefined is an error in Tera 2, reported at the field that is missing.
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(stderr.contains(&format!("{tpl}:1:53")), "{stderr}");
        assert!(!out.exists(), "a failed first build leaves no output folder");
        let leftovers: Vec<_> = std::fs::read_dir(site.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert!(leftovers.iter().all(|n| !n.to_string_lossy().contains("pmsite-tmp")), "{leftovers:?}");

        std::fs::remove_file(site.path().join(tpl)).unwrap();
        assert!(build(site.path(), &out).status.success());
        let before = snapshot(&out);
        // A changed page, so that the failing build stages at least one file.
        let pm = "content/2024/2024-04-16-checkout-api-inventory-retry-storm.md";
        let text = std::fs::read_to_string(site.path().join(pm)).unwrap();
        write(site.path(), pm, &text.replacen("title: ", "title: Renamed ", 1));
        write(site.path(), tpl, failing);
        assert_eq!(build(site.path(), &out).status.code(), Some(1));
        assert_eq!(snapshot(&out), before, "no staged file is left beside the old ones");
    }

    #[test]
    fn a_static_file_with_the_path_of_a_page_is_an_error() {
        let site = example_site();
        write(site.path(), "static/search/index.html", "<p>mine</p>");
        let out = site.path().join("public");
        let o = build(site.path(), &out);
        assert_eq!(o.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&o.stderr);
        // Found by check, before anything is rendered, naming the file and the page.
        assert!(stderr.contains("error[output-collision]"), "{stderr}");
        assert!(stderr.contains("static/search/index.html would be published as `search/index.html`"), "{stderr}");
        assert!(!out.exists());
    }

    #[test]
    fn a_broken_template_override_names_its_file_and_changes_nothing() {
        let site = example_site();
        let out = site.path().join("public");
        assert!(build(site.path(), &out).status.success());
        let before = snapshot(&out);
        write(
            site.path(),
            "themes/default/templates/404.html",
            "{% extends \"base.html\" %}\n{% block content %}\n{{ oops(\n{% endblock content %}\n",
        );
        let o = build(site.path(), &out);
        assert_eq!(o.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&o.stderr);
        // The file, and the line and column where Tera stopped: the unclosed call ends there.
        assert!(stderr.contains("themes/default/templates/404.html:4:1"), "{stderr}");
        assert_eq!(snapshot(&out), before);
    }

    #[test]
    fn an_override_can_use_the_built_in_components() {
        let site = example_site();
        write(
            site.path(),
            "themes/default/templates/404.html",
            "{% extends \"base.html\" %}{% block content %}{{<severity name=\"SEV1\" rank={1} />}}{% endblock content %}",
        );
        let out = site.path().join("public");
        let o = build(site.path(), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let page = std::fs::read_to_string(out.join("404.html")).unwrap();
        assert!(page.contains(r#"<span class="sev sev-1">SEV1</span>"#), "{page}");
    }

    #[test]
    fn template_overrides_are_used() {
        let site = example_site();
        write(
            site.path(),
            "themes/default/templates/404.html",
            "{% extends \"base.html\" %}{% block content %}<p>Custom 404</p>{% endblock content %}",
        );
        write(site.path(), "themes/default/static/extra.css", "body{}");
        let out = site.path().join("public");
        assert!(build(site.path(), &out).status.success());
        assert!(std::fs::read_to_string(out.join("404.html")).unwrap().contains("Custom 404"));
        assert!(out.join("assets/extra.css").is_file());
    }

    #[test]
    fn never_replaces_a_folder_it_did_not_write() {
        let site = example_site();
        write(site.path(), "public/precious.txt", "mine");
        let o = build(site.path(), &site.path().join("public"));
        assert_eq!(o.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&o.stderr).contains("was not written by pmsite"));
        assert_eq!(std::fs::read_to_string(site.path().join("public/precious.txt")).unwrap(), "mine");
    }

    #[test]
    fn a_rebuild_writes_only_what_changed_and_removes_what_is_gone() {
        let site = example_site();
        let out = site.path().join("public");
        write(
            site.path(),
            "content/2026/2026-01-01-short-lived.md",
            &pm("2026-01-01", "Short lived", "")
                .replace("[retry-storm]", "[missing-alert]")
                .replace("SEV2", "SEV4")
                .replace("checkout-api", "billing")
                .replace("[payments]", "[billing]"),
        );
        assert!(build(site.path(), &out).status.success());
        assert!(out.join("incidents/2026-01-01-short-lived/index.html").is_file());
        std::fs::remove_file(site.path().join("content/2026/2026-01-01-short-lived.md")).unwrap();
        let o = build(site.path(), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(!out.join("incidents/2026-01-01-short-lived").exists());
        assert!(!out.join("services/billing").exists(), "a service with no incident left has no page");
        let fresh = site.path().join("fresh");
        assert!(build(site.path(), &fresh).status.success());
        let (mut a, mut b) = (snapshot(&out), snapshot(&fresh));
        a.remove(".pmsite-output");
        b.remove(".pmsite-output");
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
        assert!(a == b, "an incremental rebuild equals a fresh build");
    }
}

mod outside {
    //! What the issue reproduced against the old output code, through the CLI.
    use super::*;

    fn victim(beside: &Path) -> PathBuf {
        let v = beside.join("victim");
        write(&v, "keep.txt", "precious");
        v
    }

    #[test]
    fn a_line_appended_to_the_manifest_deletes_nothing_outside() {
        let site = example_site();
        let v = victim(site.path());
        let out = site.path().join("public");
        assert!(build(site.path(), &out).status.success());
        let mut m = std::fs::read_to_string(out.join(".pmsite-output")).unwrap();
        // Both manifest formats, raw and encoded, a path out and one through a symlink.
        m.push_str("0000000000000000 8 ../victim\n");
        m.push_str("0000000000000000 - ../victim/keep.txt\n0000000000000000 - %2E%2E/victim\n");
        std::fs::write(out.join(".pmsite-output"), m).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&v, out.join("linked")).unwrap();
        let o = build(site.path(), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("ignored 3 line(s)"),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(std::fs::read_to_string(v.join("keep.txt")).unwrap(), "precious");
        assert!(out.join("linked").exists(), "a symlink pmsite did not write stays");
    }

    #[test]
    fn a_static_file_named_with_a_newline_is_refused_and_deletes_nothing() {
        let site = example_site();
        let v = victim(site.path());
        let out = site.path().join("public");
        assert!(build(site.path(), &out).status.success());
        let before = snapshot(&out);
        write(site.path(), "static/x\n0000000000000000 0 ../victim", "x");
        for _ in 0..2 {
            let o = build(site.path(), &out);
            assert_eq!(o.status.code(), Some(1));
            assert!(
                String::from_utf8_lossy(&o.stderr).contains("unsafe-file-name"),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        assert_eq!(snapshot(&out), before);
        assert_eq!(std::fs::read_to_string(v.join("keep.txt")).unwrap(), "precious");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_output_folder_stays_a_symlink_and_keeps_files_pmsite_did_not_write() {
        let site = example_site();
        let webroot = site.path().join("webroot");
        std::fs::create_dir(&webroot).unwrap();
        let out = site.path().join("public");
        std::os::unix::fs::symlink(&webroot, &out).unwrap();
        assert!(build(site.path(), &out).status.success());
        write(&webroot, "CNAME", "kb.example.com");
        write(&webroot, ".well-known/security.txt", "Contact: sre@example.com");
        let pm = "content/2024/2024-04-16-checkout-api-inventory-retry-storm.md";
        let text = std::fs::read_to_string(site.path().join(pm)).unwrap();
        write(site.path(), pm, &text.replacen("title: ", "title: Renamed ", 1));
        let o = build(site.path(), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(std::fs::symlink_metadata(&out).unwrap().file_type().is_symlink());
        assert!(std::fs::read_to_string(webroot.join("index.html")).unwrap().contains("Renamed"));
        assert_eq!(std::fs::read_to_string(webroot.join("CNAME")).unwrap(), "kb.example.com");
        assert!(webroot.join(".well-known/security.txt").is_file());
    }
}

mod determinism {
    use super::*;

    #[test]
    fn two_builds_give_the_same_bytes() {
        let site = example_site();
        let (a, b) = (site.path().join("a"), site.path().join("b"));
        assert!(build(site.path(), &a).status.success());
        assert!(build(site.path(), &b).status.success());
        assert!(snapshot(&a) == snapshot(&b));
    }
}

/// The hostile fixture (tests/fixtures/hostile): markup, CDATA ends, quotes, control
/// characters, emoji and right-to-left text in every value, and `#`, `?`, `%`, spaces,
/// quotes and non-ASCII letters in file names. Every output must stay well formed, every
/// link must reach the file written, and no script URL may become a link.
mod hostile {
    use super::*;

    const BASE: &str = "https://pm.example/sub/";

    fn hostile_site() -> (tempfile::TempDir, PathBuf) {
        let t = tempfile::tempdir().unwrap();
        common::corpus::copy_dir(&project_root().join("tests/fixtures/hostile"), t.path());
        let out = t.path().join("public");
        let o = build(t.path(), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (t, out)
    }

    fn text(out: &Path, rel: &str) -> String {
        std::fs::read_to_string(out.join(rel)).unwrap()
    }

    /// `&amp;` and friends in an attribute value, as a browser reads it.
    fn unescape_attr(s: &str) -> String {
        s.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    }

    /// The output file a site-internal URL names, relative to `from` (an output path),
    /// after dropping fragment and query and percent-decoding.
    fn target(out: &Path, from: &str, url: &str) -> PathBuf {
        let path = url.split(['#', '?']).next().unwrap();
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8().unwrap().into_owned();
        let mut t = out.join(Path::new(from).parent().unwrap()).join(&decoded);
        if decoded.is_empty() || decoded.ends_with('/') {
            t = t.join("index.html");
        }
        t
    }

    fn html_urls(html: &str) -> Vec<String> {
        let mut urls = Vec::new();
        for attr in [" href=\"", " src=\""] {
            for part in html.split(attr).skip(1) {
                urls.push(unescape_attr(&part[..part.find('"').unwrap()]));
            }
        }
        urls
    }

    #[test]
    fn every_xml_file_is_well_formed_and_keeps_the_text() {
        let (_t, out) = hostile_site();
        let mut parsed = 0;
        for (path, bytes) in snapshot(&out).into_iter().filter(|(p, _)| p.ends_with(".xml")) {
            let s = String::from_utf8(bytes).unwrap();
            if let Err(e) = roxmltree::Document::parse(&s) {
                panic!("{path} is not well-formed XML: {e}\n{s}");
            }
            parsed += 1;
        }
        assert!(parsed >= 4, "atom.xml, sitemap.xml and per-service/team feeds: {parsed}");
        let atom = text(&out, "atom.xml");
        let doc = roxmltree::Document::parse(&atom).unwrap();
        let titles: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("title") && n.parent().is_some_and(|p| p.has_tag_name("entry")))
            .map(|n| n.text().unwrap_or("").to_string())
            .collect();
        // Markup and CDATA ends are text, not structure; emoji and RTL text survive.
        assert!(titles.iter().any(|t| t.contains("<script>x</script> & ]]>") && t.contains("🔥 مرحبا")), "{titles:?}");
        assert!(titles.iter().any(|t| t.contains("עברית")), "{titles:?}");
        // The lone CR is kept as a character reference, not folded into a newline.
        let summary = doc.descendants().find(|n| n.has_tag_name("summary")).unwrap().text().unwrap().to_string();
        assert!(summary.contains(" \"") && summary.contains('\r'), "{summary:?}");
    }

    #[test]
    fn every_internal_url_resolves_to_a_written_file() {
        let (_t, out) = hostile_site();
        let mut broken = Vec::new();
        let mut checked = 0;
        let files = snapshot(&out);
        for (path, bytes) in &files {
            let s = String::from_utf8_lossy(bytes);
            let mut check = |from: &str, url: &str| {
                checked += 1;
                if !target(&out, from, url).is_file() {
                    broken.push(format!("{path}: {url}"));
                }
            };
            if path.ends_with(".html") && path != "404.html" {
                for url in html_urls(&s) {
                    if url.contains("://")
                        || url.starts_with("mailto:")
                        || url.starts_with("data:")
                        || url.starts_with('#')
                    {
                        continue;
                    }
                    check(path, &url);
                }
            } else if path.ends_with(".xml") {
                let doc = roxmltree::Document::parse(&s).unwrap();
                for n in doc.descendants().filter(|n| n.is_element()) {
                    let urls = [
                        n.attribute("href"),
                        (n.has_tag_name("loc") || n.has_tag_name("id")).then(|| n.text()).flatten(),
                    ];
                    for url in urls.into_iter().flatten() {
                        let rel = url.strip_prefix(BASE).unwrap_or_else(|| panic!("{path}: {url} is outside the site"));
                        check("index.html", rel);
                    }
                }
            } else if path == "api/postmortems.json" {
                let api: serde_json::Value = serde_json::from_str(&s).unwrap();
                for pm in api["postmortems"].as_array().unwrap() {
                    check("index.html", pm["url"].as_str().unwrap().strip_prefix(BASE).unwrap());
                }
            } else if path.starts_with("search/docs-") {
                let json = s.trim_end().strip_suffix(");").unwrap();
                let json = &json[json.find(',').unwrap() + 1..];
                let docs: serde_json::Value = serde_json::from_str(json).unwrap();
                for d in docs.as_array().unwrap() {
                    check("index.html", d["u"].as_str().unwrap());
                }
            }
        }
        assert!(broken.is_empty(), "{broken:#?}");
        assert!(checked > 300, "{checked}");
        // Output paths are the raw names; the links between the two postmortems and to the
        // attachments are among those checked.
        let first = "incidents/2024-03-12-a#b?c%d e'f\"g-ünï/index.html";
        assert!(out.join(first).is_file());
        assert!(out.join("files/2024/graph #1 ?%.png").is_file());
        let page = text(&out, first);
        let urls = html_urls(&page);
        let reaches = |file: &str| {
            let want = out.join(file).canonicalize().unwrap();
            urls.iter().any(|u| target(&out, first, u).canonicalize().is_ok_and(|t| t == want))
        };
        assert!(reaches("files/2024/graph #1 ?%.png"), "{urls:#?}");
        assert!(reaches("files/2024/log's \"file\".txt"), "{urls:#?}");
        assert!(reaches("incidents/2024-01-05-second ünï #2/index.html"), "{urls:#?}");
        // Links into the repository name the file encoded, too.
        let edit =
            "https://git.example/sre/pm/-/edit/main/content/2024/2024-03-12-a%23b%3Fc%25d%20e%27f%22g-%C3%BCn%C3%AF.md";
        assert!(urls.iter().any(|u| u == edit), "{urls:#?}");
    }

    #[test]
    fn csv_cells_never_start_a_formula_and_round_trip() {
        let (t, out) = hostile_site();
        let built = text(&out, "api/actions.csv");
        let o = bin()
            .args(["actions", "--format", "csv", "--today", "2026-01-01", "--root"])
            .arg(t.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(String::from_utf8(o.stdout).unwrap(), built, "one writer for the file and the command");
        let rows = pmsite::csv::read(&built);
        assert_eq!(rows.len(), 4, "{built}");
        for cell in rows.iter().flatten() {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell:?} in {built}");
        }
        let col = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
        let values: Vec<[String; 3]> = rows[1..]
            .iter()
            .map(|r| ["title", "owner", "outcome"].map(|c| pmsite::csv::value_of(&r[col(c)]).to_string()))
            .collect();
        for want in [
            ["=HYPERLINK(\"https://evil.example\",\"click\") page on saturation", "+owner <&> \u{1}", "-2+3 \t@SUM(1)"],
            ["\tTabbed action for svc", "@alice", "'=already quoted"],
            ["\rCarriage action for svc", "\u{1}ctl owner", "'plain quote"],
        ] {
            assert!(values.contains(&want.map(String::from)), "{want:?} not in {values:#?}");
        }
        assert!(
            built.contains(",'plain quote,") || built.contains("\"'plain quote\""),
            "a plain leading quote is left alone"
        );
    }

    #[test]
    fn no_script_url_reaches_an_href_or_src() {
        let (_t, out) = hostile_site();
        for (path, bytes) in snapshot(&out).into_iter().filter(|(p, _)| p.ends_with(".html")) {
            let html = String::from_utf8(bytes).unwrap();
            for url in html_urls(&html) {
                let squashed: String =
                    url.chars().filter(|c| !c.is_ascii_whitespace()).collect::<String>().to_lowercase();
                assert!(
                    !squashed.starts_with("javascript:") && !squashed.starts_with("vbscript:"),
                    "{path} links to {url}"
                );
            }
        }
        let page = text(&out, "incidents/2024-03-12-a#b?c%d e'f\"g-ünï/index.html");
        assert!(page.contains("Not links: js, obfuscated and img"), "kept as plain text");
        assert!(page.contains("<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"dot\""), "inline images stay");
    }
}

mod site_urls {
    use super::*;

    #[test]
    fn a_script_repo_url_or_base_url_is_a_config_error_at_the_value() {
        let t = tempfile::tempdir().unwrap();
        let site = SITE
            .replace("https://pm.example/", "JaVaScRiPt:alert(1)//")
            .replace("https://git.example/sre/pm", "java\\tscript:alert(2)");
        write(t.path(), "site.toml", &site);
        write(t.path(), "content/2024/2024-01-01-a.md", &pm("2024-01-01", "A", ""));
        let o = bin().args(["check", "--format", "json", "--root"]).arg(t.path()).output().unwrap();
        assert_eq!(o.status.code(), Some(1));
        let diags: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
        let places: Vec<_> = diags
            .iter()
            .map(|d| (d["code"].as_str(), d["file"].as_str(), d["line"].as_u64(), d["column"].as_u64()))
            .collect();
        let want = |line| (Some("config-value"), Some("site.toml"), Some(line), Some(12));
        assert_eq!(places, [want(2), want(3)], "{diags:#?}");
        let out_dir = t.path().join("public");
        assert_eq!(build(t.path(), &out_dir).status.code(), Some(1));
        assert!(!out_dir.exists());
    }

    #[test]
    fn a_script_base_url_on_the_command_line_is_refused() {
        let site = example_site();
        let out = site.path().join("public");
        for bad in ["javascript:alert(1)", "//evil.example/", "https://x.example/a b"] {
            let o = bin()
                .args(["build", "--today", "2026-01-01", "--base-url", bad, "--root"])
                .arg(site.path())
                .arg("--output")
                .arg(&out)
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(2), "{bad}");
            assert!(
                String::from_utf8_lossy(&o.stderr).contains("--base-url"),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(!out.exists());
        }
        let o = bin()
            .args(["build", "--today", "2026-01-01", "--base-url", "https://preview.example/pm", "--root"])
            .arg(site.path())
            .arg("--output")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            std::fs::read_to_string(out.join("sitemap.xml")).unwrap().contains("https://preview.example/pm/incidents/")
        );
    }
}

mod warnings {
    use super::*;

    /// A knowledge base whose `count` postmortems each have an action item without an owner.
    fn site_with_warnings(count: usize) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        write(t.path(), "site.toml", SITE);
        for n in 0..count {
            let date = format!("2025-03-{:02}", n + 1);
            write(
                t.path(),
                &format!("content/{date}-w{n}.md"),
                &pm(&date, &format!("Warned {n}"), "action_items:\n  - title: Add a retry budget\n"),
            );
        }
        t
    }

    #[test]
    fn many_warnings_are_tallied_per_code_and_verbose_lists_each() {
        let site = site_with_warnings(14);
        let out = site.path().join("public");
        let o = build(site.path(), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("warning["), "warnings were printed one by one:\n{err}");
        assert!(err.contains("warnings in 14 files:"), "{err}");
        assert!(err.contains("run `pmsite check`"), "{err}");
        // Each code's line gives its count and its first places.
        let line = err.lines().find(|l| l.trim_start().starts_with("action-no-owner")).expect(&err);
        assert!(line.contains(" 14 "), "{line}");
        assert!(line.contains("content/2025-03-01-w0.md:") && line.ends_with(", ..."), "{line}");

        let o = bin()
            .args(["build", "--verbose", "--today", "2026-01-01", "--root"])
            .arg(site.path())
            .arg("--output")
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.matches("warning[action-no-owner]").count() == 14, "{err}");
    }

    #[test]
    fn a_few_warnings_and_every_error_are_printed_in_full() {
        let site = site_with_warnings(2);
        let o = build(site.path(), &site.path().join("public"));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.matches("warning[action-no-owner]").count(), 2, "{err}");
        assert!(!err.contains("run `pmsite check`"), "{err}");

        let site = site_with_warnings(14);
        write(site.path(), "content/2025-04-01-broken.md", "---\ntitle: [unclosed\n---\n");
        let o = build(site.path(), &site.path().join("public"));
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("error["), "{err}");
        assert!(err.contains("content/2025-04-01-broken.md:"), "{err}");
        assert!(err.contains("warnings in 14 files:"), "{err}");
    }
}

mod sources {
    use super::*;

    /// A knowledge base with a second source, `teams/pay`, beside content/.
    fn site() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let toml = format!("{SITE}\n[[sources]]\npath = \"teams/pay\"\nteams = [\"payments\"]\n");
        write(t.path(), "site.toml", &toml);
        write(t.path(), "content/2024/2024-01-02-a.md", &pm("2024-01-02", "In content", ""));
        let second = pm("2024-01-03", "First title", "").replace("teams: [payments]\n", "");
        write(t.path(), "teams/pay/2024/2024-01-03-b.md", &second);
        t
    }

    #[test]
    fn a_change_in_a_second_source_reaches_a_cached_build() {
        let site = site();
        let out = site.path().join("public");
        let o = build(site.path(), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let page = out.join("incidents/2024-01-03-b/index.html");
        assert!(std::fs::read_to_string(&page).unwrap().contains("First title"));
        assert!(site.path().join(".pmsite/cache/build.bin").is_file(), "the build is cached");
        // Same length and, within the racy window, maybe the same stamp: the hash decides.
        let file = site.path().join("teams/pay/2024/2024-01-03-b.md");
        let text = std::fs::read_to_string(&file).unwrap().replace("First title", "Other title");
        std::fs::write(&file, text).unwrap();
        let o = build(site.path(), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let html = std::fs::read_to_string(&page).unwrap();
        assert!(html.contains("Other title") && !html.contains("First title"), "the cached build saw the change");
        let home = std::fs::read_to_string(out.join("index.html")).unwrap();
        assert!(home.contains("Other title"));
        // And it equals a build from nothing.
        let fresh = site.path().join("fresh");
        let o = bin()
            .args(["build", "--no-cache", "--today", "2026-01-01", "--root"])
            .arg(site.path())
            .arg("--output")
            .arg(&fresh)
            .output()
            .unwrap();
        assert!(o.status.success());
        let (mut a, mut b) = (snapshot(&out), snapshot(&fresh));
        a.remove(".pmsite-output");
        b.remove(".pmsite-output");
        assert!(a == b, "a cached build after a change in a second source equals a fresh build");
    }
}

mod ignore_rules {
    use super::*;

    #[test]
    fn gitignored_postmortems_are_not_published_and_a_gitignore_change_reaches_a_cached_build() {
        let t = tempfile::tempdir().unwrap();
        write(t.path(), "site.toml", SITE);
        write(t.path(), "content/2024/2024-01-02-a.md", &pm("2024-01-02", "Kept title", ""));
        write(t.path(), "content/2024/scratch-notes.md", &pm("2024-01-03", "Scratch title", ""));
        write(t.path(), "content/2024/2024-01-04-c.md~", "editor backup, not even front matter");
        write(t.path(), ".gitignore", "public/\ncontent/**/scratch-*.md\n");
        let out = t.path().join("public");
        let o = build(t.path(), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(out.join("incidents/2024-01-02-a/index.html").is_file());
        assert!(!out.join("incidents/scratch-notes").exists(), "a gitignored file is not published");
        let home = std::fs::read_to_string(out.join("index.html")).unwrap();
        assert!(home.contains("Kept title") && !home.contains("Scratch title"));
        // `check` reads the same files: the backup's missing front matter is no error.
        let o = bin().args(["check", "--root"]).arg(t.path()).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // Un-ignoring publishes it, through the cache.
        write(t.path(), ".gitignore", "public/\n");
        let o = build(t.path(), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(out.join("incidents/scratch-notes/index.html").is_file(), "the cached build saw the .gitignore change");
        let home = std::fs::read_to_string(out.join("index.html")).unwrap();
        assert!(home.contains("Scratch title"));
    }
}

/// Timeline pictures of real incidents with quiet days between episodes.
mod timeline_episodes {
    use super::*;

    #[test]
    fn real_multi_episode_incidents_break_the_axis() {
        let Some(real) = common::corpus::shared("corpus/real") else { return };
        let t = tempfile::tempdir().unwrap();
        std::fs::copy(real.join("site.toml"), t.path().join("site.toml")).unwrap();
        let files = [
            // PostHog's four outages in ten days, in one report.
            ("posthog/2025/2025-10-21-posthog-feature-flags-service-multiple-outages.md", 4),
            // dfds: days of quiet between the first events and the rest.
            ("dfds/2019/2019-11-29-dfds-kubernetes-network-infrastructure-ip-starvation.md", 2),
        ];
        for (rel, _) in files {
            let name = Path::new(rel).file_name().unwrap();
            std::fs::create_dir_all(t.path().join("content")).unwrap();
            std::fs::copy(real.join("content").join(rel), t.path().join("content").join(name)).unwrap();
        }
        let out = t.path().join("public");
        let o = build(t.path(), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        for (rel, at_least) in files {
            let id = Path::new(rel).file_stem().unwrap().to_string_lossy();
            let html = std::fs::read_to_string(out.join(format!("incidents/{id}/index.html"))).unwrap();
            let label_at = html.find("class=\"pm-svg pm-tl\"").expect("a timeline picture");
            let label = &html[label_at..][..html[label_at..].find("\">").unwrap()];
            let episodes: usize = label
                .rsplit(", in ")
                .next()
                .and_then(|s| s.strip_suffix(" episodes"))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{id}: no episodes in {label}"));
            assert!(episodes >= at_least && episodes <= 6, "{id}: {episodes} episodes");
            assert_eq!(
                html.matches("class=\"pm-tl-break\"").count(),
                episodes - 1,
                "{id}: a break mark between episodes"
            );
            // Shaded where the report writes a recovery; dfds writes none, so its window is
            // named unknown rather than drawn to a guessed end.
            let source = std::fs::read_to_string(real.join("content").join(rel)).unwrap();
            if source.contains("kind: recovery") {
                assert!(html.contains("class=\"pm-tl-impact\""), "{id}: impact window shaded");
            } else {
                assert!(!html.contains("class=\"pm-tl-impact\"") && html.contains("Impact window unknown"), "{id}");
            }
        }
    }
}
